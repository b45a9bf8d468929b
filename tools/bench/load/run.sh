#!/usr/bin/env bash
# Load benchmark: builds bench_load (Release), starts a throwaway embedded PostgreSQL in /tmp,
# generates N realistic events as framed segments and loads the same rows four ways (the
# loader on all cores, psql \copy CSV, one-stream binary COPY, 1,000-row INSERTs); prints
# rows/s (median of --runs) and the ratios.
#   tools/bench/load/run.sh [--events 1000000] [--runs 3] [--threads 0] [--segment-mb 16]
#   tools/bench/load/run.sh --experiment format   # binary vs text COPY
#   tools/bench/load/run.sh --experiment dedup    # plain COPY vs unique event_id vs ON CONFLICT
#   tools/bench/load/run.sh --experiment duplicates --events 150000 --segment-mb 1
#                                   # the loader with 0/1/10 % duplicates across segments
#                                   # (at least 5 runs, rotated order, median per-run ratio)
# GG_BENCH_BUILD_DIR (default build-bench) selects the build directory.
set -euo pipefail
root=$(cd "$(dirname "$0")/../../.." && pwd)
build=${GG_BENCH_BUILD_DIR:-$root/build-bench}
cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release -DGG_BUILD_TESTS=OFF >/dev/null
cmake --build "$build" --target bench_load -j"$(nproc)"
pg_bin=$(pg_config --bindir 2>/dev/null || true)
[ -x "$pg_bin/psql" ] || pg_bin=/usr/lib/postgresql/15/bin
exec "$build/tools/bench/load/bench_load" --sql-dir "$root/sql" --pg-bin-dir "$pg_bin" "$@"
