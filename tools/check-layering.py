#!/usr/bin/env python3
"""Fails when the code breaks the stage graph that CMake declares.

usage: tools/check-layering.py <build>/stage_graph.txt

The graph file holds one line per stage, "<stage>: <stage it may use>...", written by
gg_stage() (cmake/gg.cmake). The rules, for every file of src/<stage>/ and
include/gadgetgrove/<stage>/:
  - it includes a public header <gadgetgrove/<other>/...> only when <other> is the stage itself
    or one it DEPENDS on, or when the header is one it names in HEADERS ("<other>/<header>");
  - it never reaches into another folder of src/ with a relative include ("../loader/x.hpp");
and for the public headers in include/gadgetgrove/, which other stages compile:
  - they include only public headers and system headers, never a private one by a quoted name;
and docs/layering.md draws the same graph as CMake declares (its ```stage-graph block).
"""

import pathlib
import re
import sys

ROOT = pathlib.Path(__file__).resolve().parent.parent
INCLUDE = re.compile(r'^\s*#\s*include\s*([<"])([^>"]+)[>"]', re.MULTILINE)
PUBLIC = re.compile(r"^gadgetgrove/([a-z_]+)/")
SOURCE_SUFFIXES = {".cpp", ".hpp", ".h", ".cc"}


def parse_graph(text, origin):
    graph = {}
    for number, line in enumerate(text.splitlines(), 1):
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        if ":" not in line:
            sys.exit(f"{origin}:{number}: expected '<stage>: <stage>...', got {line!r}")
        stage, deps = line.split(":", 1)
        graph[stage.strip()] = set(deps.split())
    return graph


def documented_graph():
    doc = ROOT / "docs" / "layering.md"
    match = re.search(r"```stage-graph\n(.*?)```", doc.read_text(), re.DOTALL)
    if not match:
        sys.exit(f"{doc}: no ```stage-graph block")
    return parse_graph(match.group(1), doc)


def files_of(folder):
    return sorted(p for p in folder.rglob("*") if p.suffix in SOURCE_SUFFIXES and p.is_file())


def main():
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    graph_file = pathlib.Path(sys.argv[1])
    graph = parse_graph(graph_file.read_text(), graph_file)
    problems = []

    documented = documented_graph()
    if documented != graph:
        for stage in sorted(set(graph) | set(documented)):
            built, drawn = graph.get(stage), documented.get(stage)
            if built != drawn:
                problems.append(
                    f"docs/layering.md: {stage} -> {' '.join(sorted(drawn or [])) or '(absent)'}"
                    f" but CMake declares {stage} -> {' '.join(sorted(built or [])) or '(absent)'}")

    for folder in sorted((ROOT / "src").iterdir()):
        if folder.is_dir() and any(files_of(folder)) and folder.name not in graph:
            problems.append(f"src/{folder.name}/ is no stage of the graph (gg_stage in its "
                            "CMakeLists.txt)")

    for stage, deps in sorted(graph.items()):
        allowed = {d for d in deps if "/" not in d} | {stage}
        headers = {d for d in deps if "/" in d}
        roots = [ROOT / "src" / stage, ROOT / "include" / "gadgetgrove" / stage]
        for root in roots:
            if not root.is_dir():
                continue
            public = root.parent.name == "gadgetgrove"
            for path in files_of(root):
                rel = path.relative_to(ROOT)
                text = path.read_text(errors="replace")
                for match in INCLUDE.finditer(text):
                    bracket, name = match.groups()
                    line = text.count("\n", 0, match.start()) + 1
                    where = f"{rel}:{line}"
                    target = PUBLIC.match(name)
                    if target:
                        if target.group(1) not in allowed and \
                                name.removeprefix("gadgetgrove/") not in headers:
                            problems.append(
                                f"{where}: {stage} includes <{name}>, but {stage} does not "
                                f"depend on {target.group(1)} (gg_stage DEPENDS) nor name "
                                "this header (gg_stage HEADERS)")
                    elif bracket == '"':
                        resolved = (path.parent / name).resolve()
                        if public:
                            problems.append(f"{where}: public header includes \"{name}\", which "
                                            "other stages cannot see")
                        elif not resolved.is_relative_to(ROOT / "src" / stage) and \
                                resolved.is_relative_to(ROOT / "src"):
                            problems.append(f"{where}: {stage} includes \"{name}\", a private "
                                            "header of another stage")

    for problem in problems:
        print(problem)
    if problems:
        print(f"layering: {len(problems)} problem(s); docs/layering.md says how stages may "
              "depend on each other")
        return 1
    print(f"layering: {len(graph)} stages, every include follows the declared graph")
    return 0


if __name__ == "__main__":
    sys.exit(main())
