#!/usr/bin/env python3
"""Checks unit files against the JSON Schema that `thidua schema` writes, with a real
JSON Schema validator (Debian: python3-jsonschema, python3-yaml).

Usage: schema-check.py SCHEMA.json FILE.yaml...   every document of every file is valid
       schema-check.py --agree SCHEMA.json THIDUA AS-OF FILE.yaml...
           the schema never refuses a document that `thidua validate` finds ready (no
           error), so each document it refuses has an error finding of thidua too
       schema-check.py --mutants SCHEMA.json FILE.yaml
           typed mistakes made in the first document of FILE (text where a number goes, an
           unknown level, an unknown tag...) must each make it invalid
Prints one line per document or mutant; exits 1 when one is not as expected."""
import copy
import json
import subprocess
import sys

import jsonschema
import yaml


class Loader(yaml.SafeLoader):
    """YAML as thidua reads it: a date stays the text it is written as."""


Loader.yaml_implicit_resolvers = {
    k: [(tag, rx) for tag, rx in v if tag != "tag:yaml.org,2002:timestamp"]
    for k, v in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


def documents(path):
    with open(path, encoding="utf-8") as f:
        return [d for d in yaml.load_all(f, Loader=Loader) if d is not None]


def validator(schema_path):
    with open(schema_path, encoding="utf-8") as f:
        schema = json.load(f)
    cls = jsonschema.Draft202012Validator
    cls.check_schema(schema)
    return cls(schema, format_checker=jsonschema.FormatChecker())


def first_error(v, doc):
    errs = sorted(v.iter_errors(doc), key=lambda e: list(e.absolute_path))
    if not errs:
        return None
    e = errs[0]
    return "/".join(str(p) for p in e.absolute_path) + ": " + e.message[:120]


def mutants(doc):
    """(name, mutated document) pairs: each a typed mistake a secretary could make."""
    out = []

    def put(name, fn):
        d = copy.deepcopy(doc)
        try:
            fn(d)
        except (KeyError, IndexError, TypeError):
            return
        out.append((name, d))

    put("text where a number goes (criteria target)",
        lambda d: d["plan"]["criteria"][0].__setitem__("target", "bốn mươi"))
    put("unknown level", lambda d: d["unit"].__setitem__("level", "xã"))
    put("unknown kind", lambda d: d["unit"].__setitem__("kind", "hoi"))
    put("unknown tag", lambda d: d["exemplars"][0].__setitem__("tags", ["phụ_nữ"]))
    put("unknown content code", lambda d: d["plan"].__setitem__("contents", ["chan_3"]))
    put("date written 31/5/2024",
        lambda d: d["exemplars"][0]["steps"][0].__setitem__("date", "31/5/2024"))
    put("month written 5/2024",
        lambda d: d["exemplars"][0]["monthly_reviews"][0].__setitem__("month", "5/2024"))
    put("step as text", lambda d: d["exemplars"][0]["steps"][0].__setitem__("step", "một"))
    put("unit missing", lambda d: d.pop("unit"))
    put("unit id missing", lambda d: d["unit"].pop("id"))
    put("exemplars not a list", lambda d: d.__setitem__("exemplars", {"id": "x"}))
    return out


def agree(v, thidua, as_of, paths):
    failed = ready = refused = 0
    for path in paths:
        run = subprocess.run([thidua, "validate", "--as-of", as_of, "-f", "json", path],
                             capture_output=True, text=True, check=False)
        if run.returncode not in (0, 1):
            print(f"FAIL thidua validate {path}: exit {run.returncode}: {run.stderr[:200]}")
            failed += 1
            continue
        units = json.loads(run.stdout)["units"]
        docs = documents(path)
        if len(docs) != len(units):
            print(f"FAIL {path}: {len(docs)} documents, thidua judged {len(units)}")
            failed += 1
            continue
        for doc, unit in zip(docs, units):
            err = first_error(v, doc)
            where = f"{path} document {unit['document']}"
            if unit["status"] == "pass":
                ready += 1
                if err:
                    failed += 1
                    print(f"FAIL {where} is ready for thidua, the schema refuses it: {err}")
            elif err:
                refused += 1
                print(f"ok   {where}: refused by the schema ({err}) and not ready for thidua")
    print(f"{'ok  ' if ready and not failed else 'FAIL'} {ready} ready documents satisfy the "
          f"schema; {refused} not ready are refused by it too")
    return 1 if failed or not ready else 0


def main(argv):
    if len(argv) >= 4 and argv[0] == "--agree":
        return agree(validator(argv[1]), argv[2], argv[3], argv[4:])
    if len(argv) >= 3 and argv[0] == "--mutants":
        v = validator(argv[1])
        doc = documents(argv[2])[0]
        failed = 0
        made = mutants(doc)
        for name, d in made:
            err = first_error(v, d)
            if err is None:
                failed += 1
                print(f"FAIL schema accepts a mistake: {name}")
            else:
                print(f"ok   schema refuses {name} ({err})")
        if len(made) < 8:
            failed += 1
            print(f"FAIL only {len(made)} mistakes could be made in {argv[2]}")
        return 1 if failed else 0
    if len(argv) < 2:
        print(__doc__, file=sys.stderr)
        return 2
    v = validator(argv[0])
    failed = 0
    for path in argv[1:]:
        for i, doc in enumerate(documents(path)):
            err = first_error(v, doc)
            if err is None:
                print(f"ok   {path} document {i + 1} satisfies the schema")
            else:
                failed += 1
                print(f"FAIL {path} document {i + 1}: {err}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
