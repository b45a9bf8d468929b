#!/usr/bin/env bash
# The whole test suite on a fresh Debian 12 machine: installs what is missing (including
# Chromium and the npm test clients), builds once with warnings as errors, and runs every test
# through CTest. `tools/test.sh -L unit` (any ctest arguments) runs a subset.
set -euo pipefail
cd "$(dirname "$0")/.."
tools/install-deps.sh --test
GG_BUILD_DIR=${GG_BUILD_DIR:-build} tools/build.sh -DGG_WERROR=ON
cd "${GG_BUILD_DIR:-build}"
ctest --output-on-failure --timeout 600 -j2 "$@"
