#!/usr/bin/env bash
# Fails when a C++ file differs from what clang-format (with the repo's .clang-format) makes
# of it. `tools/check-format.sh [clang-format] --fix` rewrites the files instead.
set -euo pipefail
cd "$(dirname "$0")/.."
tool=${1:-clang-format}
mode=${2:-check}
mapfile -t files < <(git ls-files -- '*.cpp' '*.hpp' 2>/dev/null || find src include tests tools -name '*.[ch]pp')
if [ "${#files[@]}" -eq 0 ]; then
  mapfile -t files < <(find src include tests tools -name '*.[ch]pp')
fi
if [ "$mode" = --fix ]; then
  "$tool" -i "${files[@]}"
else
  "$tool" --dry-run --Werror "${files[@]}"
  echo "clang-format: ${#files[@]} files clean"
fi
