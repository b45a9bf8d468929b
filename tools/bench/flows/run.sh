#!/usr/bin/env bash
# Flows engine benchmark: builds bench_flows (Release), starts a throwaway embedded PostgreSQL in
# /tmp and prints, per measurement, the median and 99th percentile: a no-op run from trigger()
# to its final state, a trigger coalesced into the pending run, poll() over 4 flows with a long
# history, and prune() of that history in batches.
#   tools/bench/flows/run.sh [--runs 500] [--history 100000] [--batch 5000]
# GG_BENCH_BUILD_DIR (default build-bench) selects the build directory.
set -euo pipefail
root=$(cd "$(dirname "$0")/../../.." && pwd)
build=${GG_BENCH_BUILD_DIR:-$root/build-bench}
cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release -DGG_BUILD_TESTS=OFF >/dev/null
cmake --build "$build" --target bench_flows -j"$(nproc)"
pg_bin=$(pg_config --bindir 2>/dev/null || true)
[ -x "$pg_bin/initdb" ] || pg_bin=/usr/lib/postgresql/15/bin
exec "$build/tools/bench/flows/bench_flows" --sql-dir "$root/sql" --pg-bin-dir "$pg_bin" "$@"
