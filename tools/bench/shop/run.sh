#!/usr/bin/env bash
# Storefront throughput: GET / and GET /api/products with wrk against our server and against
# nginx serving the very same bytes from files, in one run. Prints requests/s, p99 latency and
# the ratio ours/nginx for each (goal: >= 0.5). Never fails on a low ratio.
#
#   tools/bench/shop/run.sh [build-dir]        (default: build; a Release build is meaningful)
#
# Environment: THREADS (server threads = nginx workers, default 1), WRK_THREADS (default 1),
# CONNECTIONS (default 50), DURATION (default 10s), SERVER (path of shop_bench_server).
# Everything listens on 127.0.0.1 only and is stopped on exit.
set -euo pipefail

build="${1:-build}"
server="${SERVER:-$build/tools/bench/shop/shop_bench_server}"
threads="${THREADS:-1}"
wrk_threads="${WRK_THREADS:-1}"
connections="${CONNECTIONS:-50}"
duration="${DURATION:-10s}"

for tool in wrk nginx curl; do
  command -v "$tool" >/dev/null || { echo "run.sh: $tool is not installed" >&2; exit 1; }
done
[[ -x "$server" ]] || { echo "run.sh: $server not found (build target shop_bench_server)" >&2; exit 1; }

tmp="$(mktemp -d /tmp/gg-bench-shop.XXXXXX)"
chmod 755 "$tmp"
server_pid=""
nginx_pid=""
cleanup() {
  [[ -n "$server_pid" ]] && kill "$server_pid" 2>/dev/null && wait "$server_pid" 2>/dev/null
  [[ -n "$nginx_pid" ]] && kill "$nginx_pid" 2>/dev/null && wait "$nginx_pid" 2>/dev/null
  rm -rf "$tmp"
}
trap cleanup EXIT

free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'
}

# Our server.
"$server" --threads "$threads" >"$tmp/server.out" 2>"$tmp/server.err" &
server_pid=$!
for _ in $(seq 100); do
  port="$(awk '/^listening/ {print $2}' "$tmp/server.out")"
  [[ -n "$port" ]] && break
  sleep 0.05
done
[[ -n "${port:-}" ]] || { echo "run.sh: server did not start" >&2; cat "$tmp/server.err" >&2; exit 1; }
ours="http://127.0.0.1:$port"

# The same bytes for nginx.
mkdir -p "$tmp/www/api"
curl -sf "$ours/" -o "$tmp/www/index.html"
curl -sf "$ours/api/products" -o "$tmp/www/api/products.json"
chmod -R a+rX "$tmp/www"
nginx_port="$(free_port)"
mkdir -p "$tmp/nginx"
cat >"$tmp/nginx/nginx.conf" <<CONF
worker_processes $threads;
daemon off;
pid $tmp/nginx/nginx.pid;
error_log $tmp/nginx/error.log warn;
events { worker_connections 4096; }
http {
  access_log off;
  sendfile on;
  tcp_nopush on;
  tcp_nodelay on;
  keepalive_requests 1000000;
  open_file_cache max=16 inactive=600s;
  open_file_cache_valid 600s;
  client_body_temp_path $tmp/nginx/body;
  proxy_temp_path $tmp/nginx/proxy;
  fastcgi_temp_path $tmp/nginx/fastcgi;
  uwsgi_temp_path $tmp/nginx/uwsgi;
  scgi_temp_path $tmp/nginx/scgi;
  server {
    listen 127.0.0.1:$nginx_port;
    root $tmp/www;
    location = / { default_type "text/html; charset=utf-8"; try_files /index.html =404; }
    location = /api/products { default_type application/json; try_files /api/products.json =404; }
  }
}
CONF
nginx -c "$tmp/nginx/nginx.conf" -p "$tmp/nginx" 2>"$tmp/nginx/stderr" &
nginx_pid=$!
for _ in $(seq 100); do
  curl -sf "http://127.0.0.1:$nginx_port/" -o /dev/null && break
  sleep 0.05
done
theirs="http://127.0.0.1:$nginx_port"
curl -sf "$theirs/" -o /dev/null || { echo "run.sh: nginx did not start" >&2; cat "$tmp/nginx/stderr" >&2; exit 1; }
cmp -s "$tmp/www/index.html" <(curl -sf "$theirs/") || { echo "run.sh: nginx serves other bytes" >&2; exit 1; }

# wrk prints "Requests/sec: N" and, with --latency, a "99%" line (e.g. "99%    1.23ms").
run_wrk() {
  local out
  out="$(wrk -t"$wrk_threads" -c"$connections" -d"$duration" --latency "$1")"
  local rps p99
  rps="$(awk '/^Requests\/sec:/ {print $2}' <<<"$out")"
  p99="$(awk '$1 == "99%" {print $2}' <<<"$out")"
  local errors
  errors="$(awk '/Non-2xx|Socket errors/ {print}' <<<"$out")"
  [[ -n "$errors" ]] && echo "  note ($1): $errors" >&2
  echo "$rps $p99"
}

printf 'shop benchmark: %s server thread(s) / nginx worker(s), wrk -t%s -c%s -d%s\n' \
  "$threads" "$wrk_threads" "$connections" "$duration"
printf '%-16s %14s %10s %14s %10s %8s\n' "request" "ours req/s" "ours p99" "nginx req/s" \
  "nginx p99" "ratio"
for path in / /api/products; do
  read -r our_rps our_p99 < <(run_wrk "$ours$path")
  read -r their_rps their_p99 < <(run_wrk "$theirs$path")
  ratio="$(awk -v a="$our_rps" -v b="$their_rps" 'BEGIN { printf "%.2f", (b > 0 ? a / b : 0) }')"
  printf '%-16s %14s %10s %14s %10s %8s\n' "GET $path" "$our_rps" "$our_p99" "$their_rps" \
    "$their_p99" "$ratio"
done
echo "goal: ratio >= 0.50 (bytes per response: / $(stat -c %s "$tmp/www/index.html"), /api/products $(stat -c %s "$tmp/www/api/products.json"))"
