#!/usr/bin/env bash
# Dashboard benchmark: builds bench_dashboard (Release), starts a throwaway embedded PostgreSQL
# in /tmp, generates N events of synthetic shop sessions (the traffic session model) over
# --days days into raw_data.* with binary COPY, runs the shipped models, then times every
# panel x range (7, 30, 365 days) x without/with a filter (p50/p95 of --iterations) next to the
# same numbers computed from the raw tables through views (median of --reference-runs), with
# the ratio.
#   tools/bench/dashboard/run.sh [--events 5000000] [--days 400] [--iterations 30]
#                                [--reference-runs 1] [--filter product|category|outcome|page|source]
# GG_BENCH_BUILD_DIR (default build-bench) selects the build directory.
set -euo pipefail
root=$(cd "$(dirname "$0")/../../.." && pwd)
build=${GG_BENCH_BUILD_DIR:-$root/build-bench}
cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release -DGG_BUILD_TESTS=OFF >/dev/null
cmake --build "$build" --target bench_dashboard -j"$(nproc)"
pg_bin=$(pg_config --bindir 2>/dev/null || true)
[ -x "$pg_bin/psql" ] || pg_bin=/usr/lib/postgresql/15/bin
exec "$build/tools/bench/dashboard/bench_dashboard" --sql-dir "$root/sql" --pg-bin-dir "$pg_bin" "$@"
