#!/usr/bin/python3
"""A unit secretary's use of `thidua serve` in a real browser (headless Chromium): open the
page, choose examples/submission/not-ready.yaml, press "Kiểm tra", find each finding of
`thidua validate` on the page under its line; screenshots at 1280 px and 390 px (a phone).

usage: tests/serve-browser.py BASE_URL UNIT.yaml VALIDATE.json OUT_DIR
VALIDATE.json is `thidua validate -f json` of the same file at the same as-of date."""
import json
import os
import sys
import tempfile

from selenium import webdriver
from selenium.webdriver.chrome.options import Options
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By


def browser(width, height):
    o = Options()
    o.binary_location = "/usr/bin/chromium"
    for flag in ("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                 "--no-first-run", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync",
                 "--user-data-dir=" + tempfile.mkdtemp(prefix="thidua-chromium-"),
                 "--window-size=%d,%d" % (width, height), "--lang=vi"):
        o.add_argument(flag)
    return webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=o)


def check(base, unit, expected, out_dir, width, height):
    d = browser(width, height)
    try:
        d.get(base + "/?lang=vi")
        assert "Kiểm tra" in d.find_element(By.TAG_NAME, "button").text, "no Kiểm tra button"
        d.save_screenshot(os.path.join(out_dir, "serve-form-%d.png" % width))
        d.find_element(By.CSS_SELECTOR, "input[type=file]").send_keys(os.path.abspath(unit))
        d.find_element(By.TAG_NAME, "button").click()
        verdict = d.find_element(By.CSS_SELECTOR, ".verdict").text
        failed = any(u["status"] == "fail" for u in expected["units"])
        assert ("chưa sẵn sàng" in verdict) == failed, "verdict: " + verdict
        n = 0
        for u in expected["units"]:
            for f in u["findings"]:
                if not f.get("line"):
                    continue
                # the row after line L holds its findings
                row = d.find_element(By.XPATH, "//tr[@id='L%d']/following-sibling::tr[1]" % f["line"])
                assert "at" in row.get_attribute("class").split(), "no finding under line %d" % f["line"]
                text = " ".join(row.text.split())
                assert " ".join(f["message"].split()) in text, \
                    "line %d lacks: %s" % (f["line"], f["message"])
                assert f["rule"] in text, "line %d lacks the rule %s" % (f["line"], f["rule"])
                n += 1
        assert n > 0, "the expected report has no finding with a line"
        d.save_screenshot(os.path.join(out_dir, "serve-%d.png" % width))
        first = min(f["line"] for u in expected["units"] for f in u["findings"] if f.get("line"))
        d.execute_script("document.getElementById('L%d').scrollIntoView()" % max(first - 3, 1))
        d.save_screenshot(os.path.join(out_dir, "serve-lines-%d.png" % width))
        return n
    finally:
        d.quit()


def main():
    base, unit, report, out_dir = sys.argv[1:5]
    with open(report, encoding="utf-8") as f:
        expected = json.load(f)
    os.makedirs(out_dir, exist_ok=True)
    for width, height in ((1280, 800), (390, 844)):
        n = check(base, unit, expected, out_dir, width, height)
    print("ok   serve/browser: %d findings at their lines, screenshots in %s" % (n, out_dir))


if __name__ == "__main__":
    main()
