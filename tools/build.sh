#!/usr/bin/env bash
# Configures and builds GadgetGrove into build/ (the binary lands at build/gadgetgrove).
#   tools/build.sh [extra cmake -D options...]
# GG_BUILD_TYPE (default Release) and GG_BUILD_DIR (default build) select the build.
set -euo pipefail
cd "$(dirname "$0")/.."
build_dir=${GG_BUILD_DIR:-build}
build_type=${GG_BUILD_TYPE:-Release}
jobs=$(nproc)
cmake -S . -B "$build_dir" -G Ninja -DCMAKE_BUILD_TYPE="$build_type" -DGG_BUILD_TESTS=ON "$@" >/dev/null
cmake --build "$build_dir" -j"$jobs"
