#!/usr/bin/env bash
# Durable ingest throughput: wrk POSTs a realistic ~350-byte event at `gadgetgrove serve`
# (ack durable: each answer waits for fdatasync) and, in the same run, at nginx answering
# `return 204;` to the same request — the ceiling for this request shape on this machine.
# Prints requests/s, p50/p99, the ratio and the server's peak RSS. Never fails on a low ratio.
#
#   tools/bench/ingest/run.sh [build-dir]        (default: build; use a Release build)
#
# Environment: CONNECTIONS (64), DURATION (15s), WRK_THREADS (2), ACK (durable),
# RUNS (3: the figures are medians). Everything listens on 127.0.0.1 and is stopped on exit.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
build="${1:-build}"
bin="$build/gadgetgrove"
connections="${CONNECTIONS:-64}"
duration="${DURATION:-15s}"
wrk_threads="${WRK_THREADS:-2}"
ack="${ACK:-durable}"
runs="${RUNS:-3}"

for tool in wrk nginx curl jq; do
  command -v "$tool" >/dev/null || { echo "run.sh: $tool is not installed" >&2; exit 1; }
done
[[ -x "$bin" ]] || { echo "run.sh: $bin not found (tools/build.sh)" >&2; exit 1; }

tmp="$(mktemp -d /tmp/gg-bench-ingest.XXXXXX)"
chmod 755 "$tmp"
serve_pid=""
nginx_pid=""
cleanup() {
  [[ -n "$serve_pid" ]] && kill "$serve_pid" 2>/dev/null && wait "$serve_pid" 2>/dev/null
  [[ -n "$nginx_pid" ]] && kill "$nginx_pid" 2>/dev/null && wait "$nginx_pid" 2>/dev/null
  rm -rf "$tmp"
}
trap cleanup EXIT

free_port() {
  local p
  while true; do
    p=$((20000 + RANDOM % 40000))
    (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null || { echo "$p"; return; }
  done
}

"$bin" serve --data-dir "$tmp/data" --listen 127.0.0.1:0 --admin-listen 127.0.0.1:0 \
  --ack "$ack" --log-level warn 2>"$tmp/serve.err" &
serve_pid=$!
for _ in $(seq 600); do
  [[ -s "$tmp/data/serve.json" ]] && break
  sleep 0.05
done
[[ -s "$tmp/data/serve.json" ]] || { echo "run.sh: serve did not start" >&2; cat "$tmp/serve.err" >&2; exit 1; }
ours="http://$(jq -r .public "$tmp/data/serve.json")/api/analytics"

nginx_port="$(free_port)"
mkdir -p "$tmp/nginx"
cat >"$tmp/nginx/nginx.conf" <<CONF
worker_processes auto;
daemon off;
pid $tmp/nginx/nginx.pid;
error_log $tmp/nginx/error.log warn;
events { worker_connections 4096; }
http {
  access_log off;
  keepalive_requests 1000000;
  client_body_buffer_size 64k;
  client_body_temp_path $tmp/nginx/body;
  proxy_temp_path $tmp/nginx/proxy;
  fastcgi_temp_path $tmp/nginx/fastcgi;
  uwsgi_temp_path $tmp/nginx/uwsgi;
  scgi_temp_path $tmp/nginx/scgi;
  server {
    listen 127.0.0.1:$nginx_port;
    location / { return 204; }
  }
}
CONF
nginx -c "$tmp/nginx/nginx.conf" -p "$tmp/nginx" 2>"$tmp/nginx/stderr" &
nginx_pid=$!
theirs="http://127.0.0.1:$nginx_port/api/analytics"
for _ in $(seq 100); do
  curl -s -o /dev/null -XPOST "$theirs" && break
  sleep 0.05
done

# One wrk run: "req/s p50 p99 non2xx" (latencies in ms).
run_wrk() {
  local out
  out="$(wrk -t"$wrk_threads" -c"$connections" -d"$duration" --latency -s "$here/event.lua" "$1")"
  awk '
    function ms(v) { if (v ~ /us$/) return v/1000; if (v ~ /ms$/) return v+0; if (v ~ /s$/) return v*1000; return v }
    /^Requests\/sec:/ { rps = $2 }
    $1 == "50%" { p50 = ms($2) }
    $1 == "99%" { p99 = ms($2) }
    /Non-2xx/ { bad = $NF }
    END { printf "%.0f %.3f %.3f %d\n", rps, p50, p99, bad + 0 }' <<<"$out"
}

median() { sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }

echo "ingest benchmark: wrk -t$wrk_threads -c$connections -d$duration, ~350-byte event, ack $ack, $runs runs (medians)"
: >"$tmp/ours" ; : >"$tmp/theirs"
for _ in $(seq "$runs"); do
  run_wrk "$ours" >>"$tmp/ours"
  run_wrk "$theirs" >>"$tmp/theirs"
done
col() { awk -v c="$2" '{ print $c }' "$1" | median; }
our_rps=$(col "$tmp/ours" 1); our_p50=$(col "$tmp/ours" 2); our_p99=$(col "$tmp/ours" 3)
their_rps=$(col "$tmp/theirs" 1); their_p50=$(col "$tmp/theirs" 2); their_p99=$(col "$tmp/theirs" 3)
bad=$(awk '{ s += $4 } END { print s + 0 }' "$tmp/ours")
rss_kb=$(awk '/^VmHWM:/ { print $2 }' "/proc/$serve_pid/status")
ratio=$(awk -v a="$our_rps" -v b="$their_rps" 'BEGIN { printf "%.2f", (b > 0 ? a / b : 0) }')

printf '%-28s %12s %10s %10s\n' "" "req/s" "p50 ms" "p99 ms"
printf '%-28s %12s %10s %10s\n' "gadgetgrove serve ($ack)" "$our_rps" "$our_p50" "$our_p99"
printf '%-28s %12s %10s %10s\n' "nginx return 204" "$their_rps" "$their_p50" "$their_p99"
echo "ratio ours/nginx: $ratio   (goal >= 0.50, p99 <= 10 ms)"
echo "serve peak RSS: $((rss_kb / 1024)) MB (goal <= 150 MB); non-2xx answers: $bad"
