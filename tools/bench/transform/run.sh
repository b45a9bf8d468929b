#!/usr/bin/env bash
# Transform benchmark: builds bench_transform (Release), starts a throwaway embedded PostgreSQL
# in /tmp, generates N events of synthetic shop sessions (the traffic session model) into
# raw_data.* with binary COPY, and prints ours against the reference with the ratio: full
# refresh of the shipped project, refresh after 1% new events, runner vs psql -f of the same
# compiled SQL, and parse + compile of a generated 500-model project (medians of --runs).
#   tools/bench/transform/run.sh [--events 5000000] [--runs 3] [--models 500] [--threads 1]
# GG_BENCH_BUILD_DIR (default build-bench) selects the build directory.
set -euo pipefail
root=$(cd "$(dirname "$0")/../../.." && pwd)
build=${GG_BENCH_BUILD_DIR:-$root/build-bench}
cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release -DGG_BUILD_TESTS=OFF >/dev/null
cmake --build "$build" --target bench_transform -j"$(nproc)"
pg_bin=$(pg_config --bindir 2>/dev/null || true)
[ -x "$pg_bin/psql" ] || pg_bin=/usr/lib/postgresql/15/bin
exec "$build/tools/bench/transform/bench_transform" --sql-dir "$root/sql" --pg-bin-dir "$pg_bin" "$@"
