#!/usr/bin/env python3
"""Renders every corpus template with the reference Jinja2 and prints the results as JSON.

Usage: render_reference.py CORPUS_DIR CONTEXT_JSON
Output: {"<file name>": {"ok": true, "output": "..."} | {"ok": false, "error": "..."}}
The environment is Jinja2's default one (as dbt uses it) plus the `do` extension, which dbt
enables. Exit status 3 with a message when Jinja2 is not installed.
"""
import json
import os
import sys

try:
    import jinja2
except ImportError:
    sys.stderr.write("python3-jinja2 is not installed (apt-get install python3-jinja2)\n")
    sys.exit(3)


def main():
    corpus, context_file = sys.argv[1], sys.argv[2]
    with open(context_file, encoding="utf-8") as f:
        context = json.load(f)
    env = jinja2.Environment(extensions=["jinja2.ext.do"])
    results = {}
    for name in sorted(os.listdir(corpus)):
        if not name.endswith(".j2"):
            continue
        with open(os.path.join(corpus, name), encoding="utf-8", newline="") as f:
            text = f.read()
        try:
            results[name] = {"ok": True, "output": env.from_string(text).render(**context)}
        except Exception as e:  # every Jinja2 failure is an expected error for err_ cases
            results[name] = {"ok": False, "error": f"{type(e).__name__}: {e}"}
    json.dump(results, sys.stdout)


if __name__ == "__main__":
    main()
