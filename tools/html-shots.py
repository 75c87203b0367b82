#!/usr/bin/python3
"""Looks at HTML reports in headless Chromium, as a person would: for each page, a screenshot
of the first screen (1280x800), one of the whole page at 1280 px, and the time the page took
to load and to show its first frame. Run by tools/html-shots.sh.

usage: tools/html-shots.py OUT_DIR REPORT.html...
Prints one line per page: bytes, seconds to the load event and to the first frame, the
height of the page, and the machine's load average (the times depend on it)."""
import os
import sys
import tempfile
import time

from selenium import webdriver
from selenium.webdriver.chrome.options import Options
from selenium.webdriver.chrome.service import Service
from selenium.common.exceptions import TimeoutException

FULL_MAX = 12000  # px: taller pages are cut in the whole-page screenshot


def browser():
    o = Options()
    o.binary_location = "/usr/bin/chromium"
    for flag in ("--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--hide-scrollbars", "--lang=vi",
                 "--user-data-dir=" + tempfile.mkdtemp(prefix="thidua-chromium-"),
                 "--window-size=1280,800"):
        o.add_argument(flag)
    d = webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=o)
    d.set_page_load_timeout(600)
    d.set_script_timeout(600)
    return d


FIRST_FRAME = ("var done = arguments[0]; requestAnimationFrame(function () {"
               " requestAnimationFrame(function () { done(document.documentElement.scrollHeight); });"
               " });")


def look(d, path, out_dir):
    name = os.path.splitext(os.path.basename(path))[0]
    d.set_window_size(1280, 800)
    d.get("about:blank")
    # the window's inner size is what the page sees: 1280x800 of page, whatever the frame
    frame_h = 800 - d.execute_script("return window.innerHeight")
    d.set_window_size(1280, 800 + frame_h)
    start = time.monotonic()
    d.get("file://" + os.path.abspath(path))
    loaded = time.monotonic() - start
    height = d.execute_async_script(FIRST_FRAME)
    frame = time.monotonic() - start
    d.save_screenshot(os.path.join(out_dir, name + "-first.png"))
    with open("/proc/loadavg") as f:
        load = f.read().split()[0]
    print("%s: %d bytes, loaded in %.2f s, first frame in %.2f s, %d px tall (load average %s)"
          % (path, os.path.getsize(path), loaded, frame, height, load), flush=True)
    d.set_window_size(1280, min(height, FULL_MAX) + frame_h)
    try:
        d.save_screenshot(os.path.join(out_dir, name + "-page.png"))
    except TimeoutException:
        print("%s: the whole-page screenshot timed out (a loaded machine?)" % path)
    return frame


def main():
    if len(sys.argv) < 3:
        sys.exit(__doc__)
    out_dir = sys.argv[1]
    d = browser()
    try:
        for path in sys.argv[2:]:
            look(d, path, out_dir)
    finally:
        d.quit()


if __name__ == "__main__":
    main()
