#!/usr/bin/env bash
# Simulate benchmark: the most events per second `simulate` sustains on one core (taskset -c 0)
# against nginx answering `return 204;` (one worker on core 1, a throwaway config in a temp
# directory), and as the reference in the same run, wrk on the same core, same connections,
# POSTing the same event body to the same nginx. Prints the medians of --runs and the ratios,
# both per second of wall time (bounded by whichever side is slower, often nginx) and per
# CPU-second the client used (the client's own cost, whatever the target's speed).
#   tools/bench/simulate/run.sh [--runs 3] [--duration 10] [--connections 64]
# GG_BENCH_BUILD_DIR (default build-bench) selects the build directory.
set -euo pipefail
root=$(cd "$(dirname "$0")/../../.." && pwd)
build=${GG_BENCH_BUILD_DIR:-$root/build-bench}
runs=3
duration=10
connections=64
while [ $# -gt 0 ]; do
  case "$1" in
    --runs) runs=$2; shift 2 ;;
    --duration) duration=$2; shift 2 ;;
    --connections) connections=$2; shift 2 ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
  esac
done
for tool in nginx wrk curl taskset python3 /usr/bin/time; do
  command -v "$tool" >/dev/null || { echo "run.sh needs $tool" >&2; exit 1; }
done

cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release -DGG_BUILD_TESTS=OFF >/dev/null
cmake --build "$build" --target bench_simulate -j"$(nproc)"
sim="$build/tools/bench/simulate/bench_simulate"

tmp=$(mktemp -d /tmp/gg-bench-simulate.XXXXXX)
nginx_pid=
cleanup() {
  if [ -n "$nginx_pid" ]; then kill "$nginx_pid" 2>/dev/null || true; wait "$nginx_pid" 2>/dev/null || true; fi
  rm -rf "$tmp"
}
trap cleanup EXIT

port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
cat >"$tmp/nginx.conf" <<NGINX
worker_processes 1;
daemon off;
pid $tmp/nginx.pid;
error_log $tmp/error.log warn;
events { worker_connections 8192; }
http {
  access_log off;
  client_body_temp_path $tmp/body;
  proxy_temp_path $tmp/proxy;
  fastcgi_temp_path $tmp/fastcgi;
  uwsgi_temp_path $tmp/uwsgi;
  scgi_temp_path $tmp/scgi;
  keepalive_requests 100000000;
  keepalive_timeout 75s;
  server {
    listen 127.0.0.1:$port;
    location / { return 204; }
  }
}
NGINX
taskset -c 1 nginx -p "$tmp" -c "$tmp/nginx.conf" &
nginx_pid=$!
for _ in $(seq 50); do
  curl -s -o /dev/null "http://127.0.0.1:$port/" && break
  sleep 0.1
done

# wrk POSTs one page_view event, as the tracker sends a single event.
cat >"$tmp/post.lua" <<'LUA'
wrk.method = "POST"
wrk.path = "/api/analytics"
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Origin"] = "http://127.0.0.1"
wrk.headers["User-Agent"] = "Mozilla/5.0 (X11; Linux x86_64; rv:127.0) Gecko/20100101 Firefox/127.0 GadgetGroveTraffic/1"
wrk.body = '{"type":"page_view","url":"http://127.0.0.1:8000/category/laptops","path":"/category/laptops","title":"Laptops \194\183 GadgetGrove","referrer":"http://127.0.0.1:8000/","messageId":"0f8e2a1c-3b4d-4e5f-8a9b-0c1d2e3f4a5b","timestamp":"2026-11-26T15:19:11.123Z","sessionId":"8d6f1f0e-2b1c-4d7e-9a3f-5b6c7d8e9f01","userId":"11111111-2222-4333-8444-555555555555"}'
LUA

median() { sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }

# An unreachable target rate: the generator runs flat out, open loop, and reports what it
# achieved.
run_sim() {
  local extra=$1
  taskset -c 0 "$sim" --url "http://127.0.0.1:$port" --rate 10000000 --duration "$duration" \
    --concurrency "$connections" --progress never --max-error-rate 1 --report "$tmp/r.json" \
    $extra >/dev/null
  python3 -c 'import json,sys; r=json.load(open(sys.argv[1])); print(r["events"]["sent"]/r["duration_s"], r["requests"]["sent"]/r["duration_s"], r["requests"]["failed"], r["cpu"]["events_per_cpu_second"], r["requests"]["sent"]/max(r["cpu"]["seconds"],1e-9))' "$tmp/r.json"
}

full_ev=(); full_req=(); full_cpu=(); full_cpu_req=(); api_ev=(); api_req=(); api_cpu=()
wrk_rps=(); wrk_cpu=()
for i in $(seq "$runs"); do
  read -r ev rq failed cpu cpu_req < <(run_sim "")
  [ "$failed" = 0 ] || echo "warning: $failed failed requests (full sessions, run $i)" >&2
  full_ev+=("$ev"); full_req+=("$rq"); full_cpu+=("$cpu"); full_cpu_req+=("$cpu_req")
  read -r ev rq failed cpu cpu_req < <(run_sim "--no-page-loads")
  [ "$failed" = 0 ] || echo "warning: $failed failed requests (API only, run $i)" >&2
  api_ev+=("$ev"); api_req+=("$rq"); api_cpu+=("$cpu")
  /usr/bin/time -f "%U %S" -o "$tmp/wrk.time" taskset -c 0 wrk -t1 -c"$connections" \
    -d"${duration}s" -s "$tmp/post.lua" "http://127.0.0.1:$port/api/analytics" >"$tmp/wrk.out"
  rps=$(awk '/Requests\/sec/ {print $2}' "$tmp/wrk.out")
  total=$(awk '/requests in/ {print $1}' "$tmp/wrk.out")
  cpu=$(awk -v n="$total" '{print n / ($1 + $2)}' "$tmp/wrk.time")
  wrk_rps+=("$rps"); wrk_cpu+=("$cpu")
  echo "run $i: simulate ${full_ev[-1]} events/s (${full_req[-1]} req/s, ${full_cpu[-1]} events/CPU-s)," \
       "API only ${api_ev[-1]} events/s (${api_req[-1]} req/s, ${api_cpu[-1]} events/CPU-s);" \
       "wrk $rps req/s ($cpu req/CPU-s)" >&2
done

m() { printf '%s\n' "$@" | median; }
m_full=$(m "${full_ev[@]}"); m_full_req=$(m "${full_req[@]}"); m_full_cpu=$(m "${full_cpu[@]}")
m_full_cpu_req=$(m "${full_cpu_req[@]}")
m_api=$(m "${api_ev[@]}"); m_api_req=$(m "${api_req[@]}"); m_api_cpu=$(m "${api_cpu[@]}")
m_wrk=$(m "${wrk_rps[@]}"); m_wrk_cpu=$(m "${wrk_cpu[@]}")
echo
echo "one core (taskset -c 0), $connections connections, ${duration}s, medians of $runs runs; nginx return 204 on core 1"
echo "                                 events/s  requests/s   events per client CPU-second"
printf '  simulate, full sessions     %10.0f  %10.0f   %10.0f  (%.0f requests)\n' "$m_full" "$m_full_req" "$m_full_cpu" "$m_full_cpu_req"
printf '  simulate, --no-page-loads   %10.0f  %10.0f   %10.0f\n' "$m_api" "$m_api_req" "$m_api_cpu"
printf '  wrk, one event per POST     %10.0f  %10.0f   %10.0f\n' "$m_wrk" "$m_wrk" "$m_wrk_cpu"
python3 - "$m_full" "$m_api" "$m_wrk" "$m_full_cpu" "$m_api_cpu" "$m_wrk_cpu" "$m_full_cpu_req" <<'PY'
import sys
full, api, wrk, full_cpu, api_cpu, wrk_cpu, full_cpu_req = map(float, sys.argv[1:])
print(f"  simulate/wrk, events per second:      full sessions {full / wrk:.2f}, API only {api / wrk:.2f}")
print(f"  simulate/wrk, events per CPU-second:  full sessions {full_cpu / wrk_cpu:.2f}, "
      f"API only {api_cpu / wrk_cpu:.2f} (requests: {full_cpu_req / wrk_cpu:.2f})")
print(f"  goal: >= 50000 events/s on one core; one full core of simulate sustains about "
      f"{full_cpu:.0f} (full sessions) / {api_cpu:.0f} (API only) events/s")
PY
