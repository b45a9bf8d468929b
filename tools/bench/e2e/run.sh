#!/usr/bin/env bash
# End-to-end benchmark: for each rate, a fresh `gadgetgrove serve` (embedded PostgreSQL, ack
# durable, event-driven transform) driven by `simulate` at that steady rate; marker events
# measure freshness (success answer -> visible through the dashboard API); /proc gives the CPU
# per event of gadgetgrove and of PostgreSQL (every backend), peak RSS, and the disk bytes per
# event. Prints one block per rate, the highest rate with freshness p95 <= 2 s, and the ratio
# to the original design's 180 s (a 60 s load schedule plus a 120 s dbt schedule).
#   tools/bench/e2e/run.sh [--duration 60] [--rates 1000,5000,20000] [--markers-per-second 2]
#                          [--threads 1] [--keep] [--no-path-phase]
# Each rate also runs the ingest path alone (serve --role ingest,loader) under the same load and
# prints its CPU per event against the same floor (--no-path-phase skips it).
# GG_BENCH_BUILD_DIR (default build-bench) selects the build directory.
set -euo pipefail
root=$(cd "$(dirname "$0")/../../.." && pwd)
build=${GG_BENCH_BUILD_DIR:-$root/build-bench}
cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release -DGG_BUILD_TESTS=OFF >/dev/null
cmake --build "$build" --target gadgetgrove -j"$(nproc)"
pg_bin=$(pg_config --bindir 2>/dev/null || true)
[ -x "$pg_bin/postgres" ] || pg_bin=/usr/lib/postgresql/15/bin
exec python3 "$root/tools/bench/e2e/e2e_bench.py" --binary "$build/gadgetgrove" \
  --sql-dir "$root/sql" --pg-bin-dir "$pg_bin" \
  --event-lua "$root/tools/bench/ingest/event.lua" "$@"
