#!/usr/bin/env bash
# Scale-out benchmark: the single process (serve, every role, embedded PostgreSQL) against
# ingest node -> private RabbitMQ node -> loader node (+ web role) on the same kind of
# PostgreSQL, both driven by `simulate` at the same rates, alternated, --runs times each.
# Prints per rate the medians side by side with the ratio broker/single: events/s accepted and
# loaded, CPU µs per event of gadgetgrove, PostgreSQL and RabbitMQ (the broker hop's added
# cost), freshness p50/p95 to the loaded row and to the dashboard; and the load average.
#   tools/bench/scale/run.sh [--duration 30] [--rates 1000,3000] [--runs 3]
#                            [--markers-per-second 2] [--keep]
# GG_BENCH_BUILD_DIR (default build-bench) selects the build directory; GG_BENCH_BINARY runs
# an already built binary instead (e.g. an older one, to compare).
set -euo pipefail
root=$(cd "$(dirname "$0")/../../.." && pwd)
binary=${GG_BENCH_BINARY:-}
if [ -z "$binary" ]; then
  build=${GG_BENCH_BUILD_DIR:-$root/build-bench}
  cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release -DGG_BUILD_TESTS=OFF >/dev/null
  cmake --build "$build" --target gadgetgrove -j"$(nproc)"
  binary=$build/gadgetgrove
fi
pg_bin=$(pg_config --bindir 2>/dev/null || true)
[ -x "$pg_bin/postgres" ] || pg_bin=/usr/lib/postgresql/15/bin
exec python3 "$root/tools/bench/scale/scale_bench.py" --binary "$binary" \
  --sql-dir "$root/sql" --pg-bin-dir "$pg_bin" "$@"
