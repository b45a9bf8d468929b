#!/usr/bin/env bash
# Durable ingest throughput: wrk POSTs a realistic ~350-byte event at `gadgetgrove serve`
# (ack durable: each answer waits for fdatasync) and, in the same run, at nginx answering
# `return 204;` to the same request — the ceiling for this request shape on this machine.
# Prints requests/s, p50/p99, CPU µs per request of each server, the ratio and the server's
# peak RSS. Never fails on a low ratio.
#
#   tools/bench/ingest/run.sh [build-dir]        (default: build; use a Release build)
#
# Environment:
#   CONNECTIONS (64), DURATION (15s), WRK_THREADS (2), ACK (durable), RUNS (3: the figures are
#   medians; the servers take turns within each run, so load from elsewhere hits them alike).
#   SETUP: loader (default) is `--role ingest,loader` with its embedded PostgreSQL: the loader
#     COPYs each sealed segment (every second) while wrk sends, and nothing else runs; pipeline
#     is the whole serve, where a transform run also follows each load (its PostgreSQL work
#     competes with both servers for the same cores); alone is `--role ingest` (shop, ingest,
#     event log: nothing loads).
#   NGINX_WORKERS (1): nginx's worker_processes; one worker is the yardstick of the goal.
#   BASELINE: another gadgetgrove binary run side by side (its own data directory), so a
#     change is measured against the code before it in the same run.
# Synthetic shoppers are off (--traffic off): every event counted is wrk's. Everything
# listens on 127.0.0.1 and is stopped on exit.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
build="${1:-build}"
bin="$build/gadgetgrove"
connections="${CONNECTIONS:-64}"
duration="${DURATION:-15s}"
wrk_threads="${WRK_THREADS:-2}"
ack="${ACK:-durable}"
runs="${RUNS:-3}"
setup="${SETUP:-loader}"
nginx_workers="${NGINX_WORKERS:-1}"
baseline="${BASELINE:-}"

for tool in wrk nginx curl jq; do
  command -v "$tool" >/dev/null || { echo "run.sh: $tool is not installed" >&2; exit 1; }
done
[[ -x "$bin" ]] || { echo "run.sh: $bin not found (tools/build.sh)" >&2; exit 1; }
[[ -z "$baseline" || -x "$baseline" ]] || { echo "run.sh: BASELINE $baseline not found" >&2; exit 1; }
case "$setup" in
  loader) role_args=(--role ingest,loader) ;;
  pipeline) role_args=() ;;
  alone) role_args=(--role ingest) ;;
  *) echo "run.sh: SETUP is loader, pipeline or alone, not $setup" >&2; exit 1 ;;
esac

tmp="$(mktemp -d /tmp/gg-bench-ingest.XXXXXX)"
chmod 755 "$tmp"
serve_pids=()
nginx_pid=""
cleanup() {
  for p in "${serve_pids[@]}"; do kill "$p" 2>/dev/null && wait "$p" 2>/dev/null; done
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

# start_serve NAME BINARY: a serve of its own in $tmp/NAME; sets serve_pid, serve_url, serve_admin.
start_serve() {
  local name="$1" binary="$2"
  "$binary" serve --data-dir "$tmp/$name/data" --listen 127.0.0.1:0 --admin-listen 127.0.0.1:0 \
    --ack "$ack" --traffic off --log-level warn "${role_args[@]}" 2>"$tmp/$name.err" &
  serve_pid=$!
  serve_pids+=("$serve_pid")
  for _ in $(seq 1200); do
    [[ -s "$tmp/$name/data/serve.json" ]] && break
    sleep 0.05
  done
  [[ -s "$tmp/$name/data/serve.json" ]] || { echo "run.sh: serve ($name) did not start" >&2; cat "$tmp/$name.err" >&2; exit 1; }
  serve_url="http://$(jq -r .public "$tmp/$name/data/serve.json")/api/analytics"
  serve_admin="http://$(jq -r .admin "$tmp/$name/data/serve.json")"
}

names=(ours)
declare -A pid_of url_of admin_of label_of
start_serve ours "$bin"
pid_of[ours]=$serve_pid url_of[ours]=$serve_url admin_of[ours]=$serve_admin
label_of[ours]="gadgetgrove serve ($ack)"
if [[ -n "$baseline" ]]; then
  start_serve baseline "$baseline"
  pid_of[baseline]=$serve_pid url_of[baseline]=$serve_url admin_of[baseline]=$serve_admin
  label_of[baseline]="baseline serve ($ack)"
  names+=(baseline)
fi

nginx_port="$(free_port)"
mkdir -p "$tmp/nginx"
cat >"$tmp/nginx/nginx.conf" <<CONF
worker_processes $nginx_workers;
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
pid_of[nginx]=$nginx_pid url_of[nginx]="http://127.0.0.1:$nginx_port/api/analytics"
label_of[nginx]="nginx return 204 (${nginx_workers}w)"
names+=(nginx)
for _ in $(seq 100); do
  curl -s -o /dev/null -XPOST "${url_of[nginx]}" && break
  sleep 0.05
done

# CPU seconds (user + system) of a process and its children processes (nginx's workers; a
# serve's own threads are in its own figure, its PostgreSQL is not counted).
cpu_ticks() {
  local total=0 p
  for p in "$1" $(pgrep -P "$1" -x nginx || true); do
    [[ -r "/proc/$p/stat" ]] || continue
    # Fields 14 and 15 after the ")" that ends the command name.
    total=$((total + $(sed 's/.*) //' "/proc/$p/stat" | awk '{ print $12 + $13 }')))
  done
  echo "$total"
}
tick_us=$((1000000 / $(getconf CLK_TCK)))

loaded_rows() {
  curl -s "$1/metrics" | awk '/^gadgetgrove_loader_rows_total/ { s += $NF } END { printf "%.0f\n", s }'
}

# One wrk run against NAME: "req/s p50 p99 non2xx cpu_us_per_request" (latencies in ms).
run_wrk() {
  local name="$1" out c0 c1
  c0=$(cpu_ticks "${pid_of[$name]}")
  out="$(wrk -t"$wrk_threads" -c"$connections" -d"$duration" --latency -s "$here/event.lua" "${url_of[$name]}")"
  c1=$(cpu_ticks "${pid_of[$name]}")
  awk -v cpu_us="$(((c1 - c0) * tick_us))" '
    function ms(v) { if (v ~ /us$/) return v/1000; if (v ~ /ms$/) return v+0; if (v ~ /s$/) return v*1000; return v }
    /requests in/ { n = $1 }
    /^Requests\/sec:/ { rps = $2 }
    $1 == "50%" { p50 = ms($2) }
    $1 == "99%" { p99 = ms($2) }
    /Non-2xx/ { bad = $NF }
    END { printf "%.0f %.3f %.3f %d %.2f\n", rps, p50, p99, bad + 0, (n > 0 ? cpu_us / n : 0) }' <<<"$out"
}

median() { sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }
col() { awk -v c="$2" '{ print $c }' "$tmp/$1.runs" | median; }

echo "ingest benchmark: wrk -t$wrk_threads -c$connections -d$duration, ~350-byte event, ack $ack," \
  "set-up $setup, nginx $nginx_workers worker(s), $runs runs (medians)"
echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
declare -A rows0
for name in "${names[@]}"; do
  : >"$tmp/$name.runs"
  [[ "$name" != nginx ]] && rows0[$name]=$(loaded_rows "${admin_of[$name]}")
done
for _ in $(seq "$runs"); do
  for name in "${names[@]}"; do run_wrk "$name" >>"$tmp/$name.runs"; done
done
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"

printf '%-30s %10s %9s %9s %12s\n' "" "req/s" "p50 ms" "p99 ms" "CPU µs/req"
for name in "${names[@]}"; do
  printf '%-30s %10s %9s %9s %12s\n' "${label_of[$name]}" "$(col "$name" 1)" "$(col "$name" 2)" \
    "$(col "$name" 3)" "$(col "$name" 5)"
done
their_rps=$(col nginx 1)
for name in "${names[@]}"; do
  [[ "$name" == nginx ]] && continue
  rps=$(col "$name" 1)
  ratio=$(awk -v a="$rps" -v b="$their_rps" 'BEGIN { printf "%.2f", (b > 0 ? a / b : 0) }')
  bad=$(awk '{ s += $4 } END { print s + 0 }' "$tmp/$name.runs")
  rss_kb=$(awk '/^VmHWM:/ { print $2 }' "/proc/${pid_of[$name]}/status")
  loaded=$(( $(loaded_rows "${admin_of[$name]}") - ${rows0[$name]} ))
  echo "${label_of[$name]}: ratio to nginx $ratio (goal >= 0.50, p99 <= 10 ms); peak RSS" \
    "$((rss_kb / 1024)) MB (goal <= 150 MB); non-2xx $bad; rows loaded meanwhile $loaded"
done
echo "per run (req/s p50 p99 non2xx cpu_us):"
for name in "${names[@]}"; do echo "  $name: $(tr '\n' '|' <"$tmp/$name.runs")"; done
