#!/usr/bin/env python3
"""End-to-end benchmark driver (tools/bench/e2e/run.sh builds the binary and calls this).

Per rate: a fresh data directory, `gadgetgrove serve` with its embedded PostgreSQL (ack durable,
transform on load), the start-up transform awaited, then `gadgetgrove simulate --rate R` for the
duration while marker page views (one session each, a path of their own) are posted at a steady
pace. A marker's freshness is the time from its success answer to the dashboard API's kpis panel
filtered on its path counting its session. CPU comes from /proc: the serve process, and
PostgreSQL's postmaster with every child (exited backends through the postmaster's children
times, live ones directly). Bytes on disk: the event log's segments and archive plus the raw and
analytics tables with their indexes, per event loaded.

The floor, measured in the same run right after the load: nginx (one worker, `return 204`)
driven by wrk at the same rate and connection count with the same kind of POST (the ingest
benchmark's event), its CPU per request from /proc; plus one-stream binary COPY (psql \copy,
FORMAT binary) of the very rows the run loaded into an identical table (LIKE ... INCLUDING ALL:
same columns, defaults and indexes), its CPU per row (the backend's and psql's). Our CPU per
event (gadgetgrove plus every PostgreSQL process) is printed as a ratio to that floor.

The floor covers what the ingest path does (HTTP in, rows into a table), not the models built
from the rows afterwards, so each rate also runs a path phase: a fresh serve with `--role
ingest,loader` (shop, ingest, event log, loader: no transform runs) under the same `simulate`
load, its CPU per event (gadgetgrove and PostgreSQL, until every acknowledged event is loaded)
printed against the same floor. The first ratio is the whole pipeline's, the second the path's.
"""

import argparse
import contextlib
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
import uuid
from datetime import datetime, timezone

CLK_TCK = os.sysconf("SC_CLK_TCK")
ORIGINAL_FRESHNESS_S = 180.0  # a 60 s load schedule plus a 120 s dbt schedule
FRESHNESS_GOAL_S = 2.0


def fail(msg):
    print(f"e2e bench: {msg}", file=sys.stderr)
    sys.exit(1)


def proc_cpu_seconds(pid, with_children=False):
    """utime + stime of `pid` (and of its waited-for children), in seconds; 0 when gone."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    ticks = int(fields[11]) + int(fields[12])  # utime, stime
    if with_children:
        ticks += int(fields[13]) + int(fields[14])  # cutime, cstime
    return ticks / CLK_TCK


def children(pid):
    out = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as f:
                ppid = int(f.read().rsplit(")", 1)[1].split()[1])
        except (OSError, ValueError, IndexError):
            continue
        if ppid == pid:
            out.append(int(entry))
    return out


def postgres_cpu_seconds(postmaster):
    total = proc_cpu_seconds(postmaster, with_children=True)
    for child in children(postmaster):
        total += proc_cpu_seconds(child)
    return total


def peak_rss_kib(pid):
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def free_port():
    import socket
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def nginx_floor(args, work, rate):
    """CPU µs per request of nginx (1 worker, `return 204`) under wrk at `rate` req/s."""
    ndir = os.path.join(work, "nginx")
    os.makedirs(ndir, exist_ok=True)
    port = free_port()
    conf = os.path.join(ndir, "nginx.conf")
    with open(conf, "w") as f:
        f.write(f"""worker_processes 1;
daemon off;
pid {ndir}/nginx.pid;
error_log {ndir}/error.log warn;
events {{ worker_connections 4096; }}
http {{
  access_log off;
  keepalive_requests 1000000;
  client_body_buffer_size 64k;
  client_body_temp_path {ndir}/body;
  proxy_temp_path {ndir}/proxy;
  fastcgi_temp_path {ndir}/fastcgi;
  uwsgi_temp_path {ndir}/uwsgi;
  scgi_temp_path {ndir}/scgi;
  server {{
    listen 127.0.0.1:{port};
    location / {{ return 204; }}
  }}
}}
""")
    nginx = subprocess.Popen([args.nginx, "-c", conf, "-p", ndir], stdout=subprocess.DEVNULL,
                             stderr=open(os.path.join(ndir, "stderr"), "w"))
    try:
        url = f"http://127.0.0.1:{port}/api/analytics"
        wait_for(lambda: http("POST", url, "{}")[0] == 204, 10, "nginx")
        # wrk's delay() paces each connection: 64 connections at `rate` in all.
        lua = os.path.join(ndir, "paced.lua")
        with open(lua, "w") as f:
            f.write(f"dofile({json.dumps(args.event_lua)})\n"
                    f"function delay() return {64 * 1000.0 / rate:.3f} end\n")
        procs = [nginx.pid] + children(nginx.pid)
        cpu0 = sum(proc_cpu_seconds(p) for p in procs)
        out = subprocess.run([args.wrk, "-t1", "-c64", f"-d{args.floor_duration}s", "-s", lua, url],
                             capture_output=True, text=True)
        cpu = sum(proc_cpu_seconds(p) for p in procs) - cpu0
        requests = 0
        for line in out.stdout.splitlines():
            if "requests in" in line:
                requests = int(line.split()[0])
        if not requests:
            fail(f"wrk against nginx: {out.stdout} {out.stderr}")
        return cpu * 1e6 / requests, requests / args.floor_duration
    finally:
        nginx.terminate()
        nginx.wait()


class psql_session:
    """One psql process on a pipe; run() sends statements and returns their output lines."""

    def __init__(self, psql, database):
        self.p = subprocess.Popen([psql, database, "-X", "-A", "-t", "-q", "-v", "ON_ERROR_STOP=1"],
                                  stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        self.n = 0

    def run(self, sql):
        self.n += 1
        mark = f"--sync-{self.n}--"
        self.p.stdin.write(sql + f"\nselect '{mark}';\n")
        self.p.stdin.flush()
        lines = []
        while True:
            line = self.p.stdout.readline()
            if not line:
                fail(f"psql stopped while running: {sql}")
            line = line.rstrip("\n")
            if line == mark:
                return lines
            lines.append(line)

    def close(self):
        self.p.stdin.close()
        self.p.wait()


def copy_floor(args, work, database):
    """CPU µs per row of one-stream binary COPY of every raw row into identical tables."""
    psql = os.path.join(args.pg_bin_dir, "psql")
    s = psql_session(psql, database)
    try:
        s.run("set client_min_messages = warning;")
        tables = s.run("select tablename from pg_tables where schemaname = 'raw_data' "
                       "order by tablename;")
        s.run("drop schema if exists bench_floor cascade; create schema bench_floor;")
        files = {}
        for t in tables:
            files[t] = os.path.join(work, f"floor-{t}.bin")
            s.run(f"create table bench_floor.{t} (like raw_data.{t} including all);"
                  f"\\copy raw_data.{t} to '{files[t]}' with (format binary)")
        rows = int(s.run("select " + " + ".join(
            f"(select count(*) from raw_data.{t})" for t in tables) + ";")[0])
        s.run("checkpoint;")
        backend = int(s.run("select pg_backend_pid();")[0])
        cpu0 = proc_cpu_seconds(backend) + proc_cpu_seconds(s.p.pid)
        for t in tables:
            s.run(f"\\copy bench_floor.{t} from '{files[t]}' with (format binary)")
        cpu = proc_cpu_seconds(backend) + proc_cpu_seconds(s.p.pid) - cpu0
        s.run("drop schema bench_floor cascade;")
        for f in files.values():
            os.unlink(f)
        return (cpu * 1e6 / rows if rows else float("nan")), rows
    finally:
        s.close()


def http(method, url, body=None, timeout=5.0):
    data = body.encode() if body is not None else None
    req = urllib.request.Request(url, data=data, method=method)
    if body is not None:
        req.add_header("Content-Type", "application/json")
    # A browser's agent: ingest tags scripted agents as bots, and the dashboard leaves bots out.
    req.add_header("User-Agent", "Mozilla/5.0 (X11; Linux x86_64; rv:121.0) Gecko/20100101 "
                   "Firefox/121.0")
    try:
        with urllib.request.urlopen(req, timeout=timeout) as r:
            return r.status, r.read()
    except urllib.error.HTTPError as e:
        return e.code, e.read()
    except (urllib.error.URLError, OSError):
        return 0, b""


def percentile(values, p):
    if not values:
        return float("nan")
    s = sorted(values)
    k = max(0, min(len(s) - 1, int(round(p / 100.0 * len(s) + 0.5)) - 1))
    return s[k]


def du_bytes(path):
    total = 0
    for dirpath, _, files in os.walk(path):
        for name in files:
            try:
                total += os.lstat(os.path.join(dirpath, name)).st_size
            except OSError:
                pass
    return total


class markers:
    """Posts a marker page view every `period` s and watches for each through the dashboard."""

    def __init__(self, public, admin, period):
        self.public = public
        self.admin = admin
        self.period = period
        self.freshness = []
        self.lost = []
        self.refused = 0
        self.pending = {}  # path -> time of the success answer
        self.stop_posting = threading.Event()
        self.lock = threading.Lock()

    def visible(self, path, today):
        """Whether the marker at `path` counts in the dashboard's kpis panel."""
        q = urllib.request.quote(path, safe="")
        status, body = http(
            "GET", f"http://{self.admin}/api/dashboard/kpis?start={today}&end={today}&page={q}")
        if status != 200:
            return False
        sessions = json.loads(body)["kpis"]["total_sessions"]["value"]
        return bool(sessions and sessions >= 1)

    def post_loop(self):
        i = 0
        next_at = time.monotonic()
        while not self.stop_posting.is_set():
            path = f"/bench-marker/{uuid.uuid4().hex[:12]}"
            now_iso = datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"
            body = json.dumps({"type": "page_view", "url": "http://bench.test" + path,
                               "path": path, "title": "marker", "timestamp": now_iso,
                               "sessionId": f"bench-marker-{path[14:]}"})
            status, _ = http("POST", f"http://{self.public}/api/analytics", body)
            answered = time.monotonic()
            if status in (200, 202):
                with self.lock:
                    self.pending[path] = answered
            else:
                self.refused += 1
            i += 1
            next_at += self.period
            time.sleep(max(0.0, next_at - time.monotonic()))

    def watch_loop(self, deadline_after_stop):
        today = datetime.now(timezone.utc).strftime("%Y-%m-%d")
        stop_deadline = None
        while True:
            with self.lock:
                pending = list(self.pending.items())
            if self.stop_posting.is_set():
                if stop_deadline is None:
                    stop_deadline = time.monotonic() + deadline_after_stop
                if not pending or time.monotonic() > stop_deadline:
                    with self.lock:
                        self.lost.extend(self.pending.keys())
                        self.pending.clear()
                    return
            # Markers go through one queue and become visible in order, so only the oldest is
            # polled (then the next at once): polling every pending marker each cycle sent
            # hundreds of dashboard queries a second and inflated the CPU figures it measures.
            for path, answered in sorted(pending, key=lambda kv: kv[1]):
                if not self.visible(path, today):
                    break
                seen = time.monotonic()
                with self.lock:
                    self.pending.pop(path, None)
                    self.freshness.append(seen - answered)
            time.sleep(0.02)


def wait_for(cond, timeout, what):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        v = cond()
        if v:
            return v
        time.sleep(0.1)
    fail(f"timed out after {timeout} s waiting for {what}")


def start_serve(binary, data, extra, log):
    """`gadgetgrove serve` on loopback ports of its own with `extra` arguments; returns the
    process and its serve.json once /readyz answers 200."""
    serve = subprocess.Popen(
        [binary, "serve", "--data-dir", data, "--listen", "127.0.0.1:0", "--admin-listen",
         "127.0.0.1:0", "--log-level", "warn", "--log-format", "json"] + extra,
        stdout=log, stderr=subprocess.STDOUT)
    info_path = os.path.join(data, "serve.json")

    def read_info():
        if serve.poll() is not None:
            fail(f"serve exited with {serve.returncode}; log: {log.name}")
        try:
            with open(info_path) as f:
                info = json.load(f)
            return info if info.get("pid") in (None, serve.pid) else None
        except (OSError, ValueError):
            return None

    try:
        info = wait_for(read_info, 120, "serve.json")
        wait_for(lambda: http("GET", f"http://{info['admin']}/readyz")[0] == 200, 180, "/readyz")
    except BaseException:
        stop_serve(serve)
        raise
    return serve, info


def stop_serve(serve):
    serve.send_signal(signal.SIGTERM)
    try:
        serve.wait(timeout=60)
    except subprocess.TimeoutExpired:
        serve.kill()
        serve.wait()


def wait_transformed(admin):
    """Waits for the first transform run the dashboard reports (the start-up one)."""
    def transformed():
        status, body = http("GET", f"http://{admin}/api/dashboard/health")
        return status == 200 and json.loads(body).get("last_transform") is not None

    wait_for(transformed, 300, "the start-up transform run")


def postmaster_pid(data):
    """The embedded PostgreSQL's postmaster of the serve whose data directory is `data`."""
    with open(os.path.join(data, "pg", "postmaster.pid")) as f:
        return int(f.readline())


def simulate(args, public, rate, work):
    """Starts `gadgetgrove simulate` at `rate` events/s for args.duration seconds against
    `public`; returns the process and the path of its JSON report."""
    report = os.path.join(work, "simulate.json")
    sim = subprocess.Popen(
        [args.binary, "simulate", "--url", f"http://{public}", "--rate", str(rate),
         "--duration", f"{args.duration}s", "--no-page-loads", "--threads",
         str(args.threads), "--concurrency", "64", "--report", report, "--progress", "never",
         "--log-level", "warn", "--max-error-rate", "1"],
        stdout=subprocess.DEVNULL, stderr=open(os.path.join(work, "simulate.log"), "w"))
    return sim, report


@contextlib.contextmanager
def fresh_serve(args, prefix, extra):
    """A serve of its own in a new work directory (embedded PostgreSQL, ack durable, synthetic
    shoppers off) with `extra` arguments; yields (work, data, serve, info), then stops it and
    removes the work directory unless --keep."""
    work = tempfile.mkdtemp(prefix=prefix)
    os.chmod(work, 0o755)
    data = os.path.join(work, "data")
    log = open(os.path.join(work, "serve.log"), "w")
    serve, info = start_serve(
        args.binary, data,
        ["--sql-dir", args.sql_dir, "--pg-bin-dir", args.pg_bin_dir, "--traffic", "off",
         "--ack", "durable"] + extra, log)
    try:
        yield work, data, serve, info
    finally:
        stop_serve(serve)
        log.close()
        if args.keep:
            print(f"  kept {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)


def run_rate(args, rate):
    with fresh_serve(args, "gg-bench-e2e-", ["--transform-on-load", "on"]) as (
            work, data, serve, info):
        public, admin = info["public"], info["admin"]
        wait_transformed(admin)
        postmaster = postmaster_pid(data)

        gg_cpu0 = proc_cpu_seconds(serve.pid)
        pg_cpu0 = postgres_cpu_seconds(postmaster)
        sim, report = simulate(args, public, rate, work)
        m = markers(public, admin, 1.0 / args.markers_per_second)
        poster = threading.Thread(target=m.post_loop, daemon=True)
        watcher = threading.Thread(target=m.watch_loop, args=(30.0,), daemon=True)
        poster.start()
        watcher.start()
        sim.wait()
        m.stop_posting.set()
        poster.join()
        watcher.join()
        gg_cpu = proc_cpu_seconds(serve.pid) - gg_cpu0
        pg_cpu = postgres_cpu_seconds(postmaster) - pg_cpu0
        gg_rss = peak_rss_kib(serve.pid)
        pg_rss = [peak_rss_kib(p) for p in [postmaster] + children(postmaster)]
        with open(report) as f:
            sim_report = json.load(f)

        psql = os.path.join(args.pg_bin_dir, "psql")
        sql = ("select coalesce(sum(pg_total_relation_size(c.oid)), 0) from pg_class c join "
               "pg_namespace n on n.oid = c.relnamespace where n.nspname in ('raw_data', "
               "'analytics') and c.relkind in ('r', 'm', 'p');"
               "select coalesce(sum(n_live_tup), 0) from pg_stat_user_tables where schemaname = "
               "'raw_data' and relname <> 'rejected_events';")
        out = subprocess.run([psql, info["database"], "-X", "-A", "-t", "-c", sql],
                             capture_output=True, text=True)
        if out.returncode != 0:
            fail(f"psql: {out.stderr.strip()}")
        lines = out.stdout.split()
        table_bytes, rows = int(lines[0]), int(lines[1])
        log_bytes = du_bytes(os.path.join(data, "log")) + du_bytes(os.path.join(data, "archive"))
        nginx_us, nginx_rps = nginx_floor(args, work, rate)
        copy_us, copy_rows = copy_floor(args, work, info["database"])
        return {
            "rate": rate, "report": sim_report, "gg_cpu": gg_cpu, "pg_cpu": pg_cpu,
            "gg_rss_kib": gg_rss, "pg_rss_kib_max": max(pg_rss), "pg_rss_kib_sum": sum(pg_rss),
            "freshness": m.freshness, "lost": len(m.lost), "refused": m.refused,
            "table_bytes": table_bytes, "log_bytes": log_bytes, "rows": rows,
            "nginx_us": nginx_us, "nginx_rps": nginx_rps, "copy_us": copy_us,
            "copy_rows": copy_rows,
        }


def loaded_rows(admin):
    """gadgetgrove_loader_rows_total summed over its labels, from the admin /metrics."""
    status, body = http("GET", f"http://{admin}/metrics")
    if status != 200:
        return None
    total = 0.0
    for line in body.decode().splitlines():
        if line.startswith("gadgetgrove_loader_rows_total"):
            total += float(line.rsplit(" ", 1)[1])
    return total


def run_path(args, rate):
    """The ingest path alone at `rate`: serve with --role ingest,loader (no transform runs),
    simulate for args.duration; CPU per event of gadgetgrove and PostgreSQL, taken once every
    acknowledged event is loaded."""
    with fresh_serve(args, "gg-bench-e2e-path-", ["--role", "ingest,loader"]) as (
            work, data, serve, info):
        admin = info["admin"]
        postmaster = postmaster_pid(data)
        rows0 = loaded_rows(admin) or 0.0
        gg_cpu0 = proc_cpu_seconds(serve.pid)
        pg_cpu0 = postgres_cpu_seconds(postmaster)
        sim, report = simulate(args, info["public"], rate, work)
        sim.wait()
        with open(report) as f:
            events = accepted_events(json.load(f))
        # Sealed segments load within a second or two; a loaded count that stops short (an
        # event rejected into raw_data.rejected_events is not a loaded row) ends the wait too.
        deadline, last, still = time.monotonic() + 120, -1.0, 0
        while time.monotonic() < deadline:
            rows = (loaded_rows(admin) or 0.0) - rows0
            if rows >= events:
                break
            still = still + 1 if rows == last else 0
            if still >= 20:
                break
            last = rows
            time.sleep(0.25)
        gg_cpu = proc_cpu_seconds(serve.pid) - gg_cpu0
        pg_cpu = postgres_cpu_seconds(postmaster) - pg_cpu0
        return {"events": events, "rows": rows, "gg_cpu": gg_cpu, "pg_cpu": pg_cpu}


def accepted_events(report):
    """Events answered with success, from simulate's JSON report (src/traffic/load_report.cpp)."""
    try:
        return report["events"]["acknowledged"]
    except (KeyError, TypeError):
        fail(f"simulate's report has no events.acknowledged: {sorted(report)}")


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--binary", required=True)
    p.add_argument("--sql-dir", required=True)
    p.add_argument("--pg-bin-dir", required=True)
    p.add_argument("--duration", type=int, default=60, help="seconds of load per rate")
    p.add_argument("--rates", default="1000,5000,20000", help="events per second, comma-separated")
    p.add_argument("--markers-per-second", type=float, default=2.0)
    p.add_argument("--threads", type=int, default=1, help="simulate's generator threads")
    p.add_argument("--nginx", default=shutil.which("nginx") or "/usr/sbin/nginx")
    p.add_argument("--wrk", default=shutil.which("wrk") or "/usr/bin/wrk")
    p.add_argument("--event-lua", required=True, help="wrk script with the floor's POST")
    p.add_argument("--floor-duration", type=int, default=15, help="seconds of nginx under wrk")
    p.add_argument("--keep", action="store_true", help="keep each run's data directory and logs")
    p.add_argument("--no-path-phase", dest="path_phase", action="store_false",
                   help="skip the ingest path phase (serve --role ingest,loader) per rate")
    args = p.parse_args()

    best = None
    for rate in [float(r) for r in args.rates.split(",") if r]:
        r = run_rate(args, rate)
        path = run_path(args, rate) if args.path_phase else None
        events = accepted_events(r["report"])
        secs = args.duration
        f = r["freshness"]
        p50, p95 = percentile(f, 50), percentile(f, 95)
        fmax = max(f) if f else float("nan")
        per_event = lambda cpu: cpu * 1e6 / events if events else float("nan")
        disk = r["table_bytes"] + r["log_bytes"]
        print(f"rate {rate:g} events/s for {secs} s:")
        print(f"  accepted           {events:.0f} events, {events / secs:.0f} events/s")
        print(f"  freshness          p50 {p50:.3f} s, p95 {p95:.3f} s, max {fmax:.3f} s "
              f"({len(f)} markers, {r['lost']} not seen within 30 s after the load, "
              f"{r['refused']} refused)")
        if f:
            print(f"  vs original 180 s  {ORIGINAL_FRESHNESS_S / p50:.0f}x fresher at p50, "
                  f"{ORIGINAL_FRESHNESS_S / p95:.0f}x at p95")
        print(f"  CPU per event      gadgetgrove {per_event(r['gg_cpu']):.1f} us, "
              f"PostgreSQL {per_event(r['pg_cpu']):.1f} us (all backends)")
        print(f"  peak RSS           gadgetgrove {r['gg_rss_kib'] / 1024:.0f} MiB, PostgreSQL "
              f"largest process {r['pg_rss_kib_max'] / 1024:.0f} MiB, sum over processes "
              f"{r['pg_rss_kib_sum'] / 1024:.0f} MiB (shared buffers counted in each)")
        ours = per_event(r["gg_cpu"] + r["pg_cpu"])
        floor = r["nginx_us"] + r["copy_us"]
        print(f"  floor              {floor:.1f} us = nginx {r['nginx_us']:.1f} us per request "
              f"(1 worker, return 204, wrk at {r['nginx_rps']:.0f} req/s) + binary COPY "
              f"{r['copy_us']:.1f} us per row ({r['copy_rows']} rows, one stream, same indexes)")
        print(f"  pipeline / floor   {ours / floor:.2f} (ours {ours:.1f} us per event: gadgetgrove "
              f"+ PostgreSQL, transform runs included)")
        if path:
            pe = path["events"]
            p_gg = path["gg_cpu"] * 1e6 / pe if pe else float("nan")
            p_pg = path["pg_cpu"] * 1e6 / pe if pe else float("nan")
            print(f"  path / floor       {(p_gg + p_pg) / floor:.2f} (ingest + load alone, "
                  f"--role ingest,loader: {p_gg + p_pg:.1f} us per event = gadgetgrove "
                  f"{p_gg:.1f} + PostgreSQL {p_pg:.1f}; {pe:.0f} events, {path['rows']:.0f} "
                  f"rows loaded; goal <= 1.25)")
        rows = r["rows"]
        if rows:
            print(f"  disk per event     {disk / rows:.0f} B ({r['log_bytes'] / rows:.0f} B "
                  f"segments + archive, {r['table_bytes'] / rows:.0f} B raw + analytics tables "
                  f"and indexes; {rows} rows loaded)")
        if f and p95 <= FRESHNESS_GOAL_S and not r["lost"]:
            best = rate if best is None else max(best, rate)
    if best is None:
        print(f"no rate kept freshness p95 <= {FRESHNESS_GOAL_S:g} s")
    else:
        print(f"highest rate with freshness p95 <= {FRESHNESS_GOAL_S:g} s: {best:g} events/s")


if __name__ == "__main__":
    main()
