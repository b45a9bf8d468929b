#!/usr/bin/env python3
"""Every Catch2 test name must survive catch_discover_tests.

CTest keeps test names in a CMake list, so a ';' in a TEST_CASE name splits
one test into two that both fail; a name starting with '-' is read by the
test binary as an option; and a name used twice in one binary makes
the second test unreachable by name. Both have reached CI before; this check
catches them at build time instead.
"""
import pathlib
import re
import sys

NAME = re.compile(r'(?:TEST_CASE|TEST_CASE_METHOD|SCENARIO)\s*\((?:[^,"]*,\s*)?"((?:[^"\\]|\\.)*)"')


def main():
    root = pathlib.Path(sys.argv[1]) if len(sys.argv) > 1 else pathlib.Path(__file__).resolve().parent.parent
    problems = []
    seen = {}
    for path in sorted((root / "tests").rglob("*.cpp")):
        text = path.read_text(encoding="utf-8")
        for match in NAME.finditer(text):
            name = match.group(1)
            line = text.count("\n", 0, match.start()) + 1
            where = f"{path.relative_to(root)}:{line}"
            if ";" in name:
                problems.append(f"{where}: ';' in test name (ctest splits names there): {name}")
            if name.startswith("-"):
                problems.append(f"{where}: test name starts with '-' (read as an option): {name}")
            binary = path.relative_to(root).parts[:3]
            key = (binary, name)
            if key in seen:
                problems.append(f"{where}: test name also used at {seen[key]}: {name}")
            else:
                seen[key] = where
    for problem in problems:
        print(problem)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
