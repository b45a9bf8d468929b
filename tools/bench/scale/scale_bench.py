#!/usr/bin/env python3
"""Scale-out benchmark driver (tools/bench/scale/run.sh builds the binary and calls this).

Per rate and per run, two set-ups driven by `gadgetgrove simulate` at the same steady rate:
  single  one `serve` (every role, embedded PostgreSQL, transform on load), as tools/bench/e2e;
  broker  an ingest node (`--role ingest --broker`) -> a private RabbitMQ node on loopback (its
          own ports, directories, Erlang cookie and epmd) -> a loader node (`--role loader,web
          --broker`, embedded PostgreSQL, which the ingest node's shop uses too; transform on
          load, following the stream loader's commits).
Each reports events/s accepted (simulate's acknowledged events) and loaded (rows in raw_data.*
once the load has drained, over the time it took), CPU µs per accepted event from /proc of the
gadgetgrove processes, of PostgreSQL (postmaster and every backend) and of the RabbitMQ node
(beam.smp and its helpers, epmd), and freshness from marker page views: to the row in
raw_data.page_views ("loaded") and to the dashboard's kpis panel ("dashboard"). The harness
(serve start and stop, simulate, markers, /proc readings, percentiles) is tools/bench/e2e's.
Every run starts from empty directories; figures are medians over --runs runs.
"""

import argparse
import json
import os
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "e2e"))
import e2e_bench as e2e  # noqa: E402

RABBITMQ_SERVER = "/usr/lib/rabbitmq/bin/rabbitmq-server"
RABBITMQCTL = "/usr/lib/rabbitmq/bin/rabbitmqctl"
EPMD = "/usr/bin/epmd"


def descendants(root):
    """`root` and every live process below it."""
    parents = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as f:
                parents[int(entry)] = int(f.read().rsplit(")", 1)[1].split()[1])
        except (OSError, ValueError, IndexError):
            continue
    out, todo = [], [root]
    while todo:
        pid = todo.pop()
        out.append(pid)
        todo.extend(p for p, pp in parents.items() if pp == pid)
    return out


def tree_cpu_seconds(root):
    # Each live process with the children it has waited for: nothing counted twice.
    return sum(e2e.proc_cpu_seconds(p, with_children=True) for p in descendants(root))


class rabbitmq_node:
    """A private RabbitMQ node on loopback (as tests/support/rabbitmq_node does for the tests):
    ports picked now, directories under `work`, stopped by stop()."""

    def __init__(self, work):
        self.dir = os.path.join(work, "rabbitmq")
        for d in ("home", "log"):
            os.makedirs(os.path.join(self.dir, d), exist_ok=True)
        self.amqp_port, self.dist_port, self.epmd_port = (e2e.free_port() for _ in range(3))
        self.name = f"ggbench{os.getpid()}_{self.amqp_port}@localhost"
        cookie = os.path.join(self.dir, "home", ".erlang.cookie")
        with open(cookie, "w") as f:
            f.write(f"GGBENCH{os.getpid()}X{self.amqp_port}")
        os.chmod(cookie, 0o400)
        with open(os.path.join(self.dir, "enabled_plugins"), "w") as f:
            f.write("[].\n")
        # The disk and memory alarms would block publishers on a small, busy machine.
        with open(os.path.join(self.dir, "rabbitmq.conf"), "w") as f:
            f.write("loopback_users = none\ndisk_free_limit.absolute = 10MB\n"
                    "vm_memory_high_watermark.relative = 0.9\n")
        open(os.path.join(self.dir, "rabbitmq-env.conf"), "w").close()
        self.env = dict(os.environ)
        d = self.dir
        self.env.update({
            "HOME": os.path.join(d, "home"),
            "RABBITMQ_NODENAME": self.name,
            "RABBITMQ_NODE_IP_ADDRESS": "127.0.0.1",
            "RABBITMQ_NODE_PORT": str(self.amqp_port),
            "RABBITMQ_DIST_PORT": str(self.dist_port),
            "ERL_EPMD_PORT": str(self.epmd_port),
            "ERL_EPMD_ADDRESS": "127.0.0.1",
            "RABBITMQ_MNESIA_BASE": os.path.join(d, "mnesia"),
            "RABBITMQ_LOG_BASE": os.path.join(d, "log"),
            "RABBITMQ_CONFIG_FILE": os.path.join(d, "rabbitmq.conf"),
            "RABBITMQ_ADVANCED_CONFIG_FILE": os.path.join(d, "advanced.config"),
            "RABBITMQ_CONF_ENV_FILE": os.path.join(d, "rabbitmq-env.conf"),
            "RABBITMQ_ENABLED_PLUGINS_FILE": os.path.join(d, "enabled_plugins"),
            "RABBITMQ_PID_FILE": os.path.join(d, "rabbitmq.pid"),
            "ERL_CRASH_DUMP": os.path.join(d, "erl_crash.dump"),
            # Two schedulers that sleep when idle, as in the tests.
            "RABBITMQ_SERVER_ADDITIONAL_ERL_ARGS": "+S 2:2 +sbwt none +sbwtdcpu none "
                                                   "+sbwtdio none",
        })
        self.epmd = None
        self.server = None

    def url(self):
        return f"amqp://guest:guest@127.0.0.1:{self.amqp_port}/"

    def ctl(self, *args, timeout=120):
        return subprocess.run([RABBITMQCTL, "-n", self.name, *args], env=self.env, cwd=self.dir,
                              capture_output=True, text=True, timeout=timeout)

    def start(self):
        if not os.access(RABBITMQ_SERVER, os.X_OK):
            e2e.fail(f"{RABBITMQ_SERVER} is missing (tools/install-deps.sh --test installs it)")
        out = open(os.path.join(self.dir, "server.out"), "w")
        # epmd of our own (its own port), started first so the node does not daemonize one.
        self.epmd = subprocess.Popen([EPMD], env=self.env, stdout=out, stderr=subprocess.STDOUT,
                                     start_new_session=True)
        self.server = subprocess.Popen([RABBITMQ_SERVER], env=self.env, cwd=self.dir, stdout=out,
                                       stderr=subprocess.STDOUT, start_new_session=True)
        deadline = time.monotonic() + 240
        while True:
            left = max(1, int(deadline - time.monotonic()))
            r = self.ctl("await_startup", "--timeout", str(left), timeout=left + 30)
            if r.returncode == 0:
                return
            if self.server.poll() is not None or time.monotonic() > deadline:
                self.stop()
                e2e.fail(f"RabbitMQ node {self.name} did not start: {r.stdout} {r.stderr}; "
                         f"see {self.dir}/log")
            time.sleep(0.5)

    def cpu_seconds(self):
        total = 0.0
        for p in (self.server, self.epmd):
            if p is not None and p.poll() is None:
                total += tree_cpu_seconds(p.pid)
        return total

    def stop(self):
        if self.server is not None and self.server.poll() is None:
            try:
                self.ctl("stop", timeout=60)
            except subprocess.TimeoutExpired:
                pass
            try:
                self.server.wait(timeout=30)
            except subprocess.TimeoutExpired:
                pass
        for p in (self.server, self.epmd):
            if p is None:
                continue
            try:
                os.killpg(p.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            p.wait()


class loaded_markers(e2e.markers):
    """Markers seen once their row is in raw_data.page_views (the loader's commit)."""

    def __init__(self, public, psql, database, period):
        super().__init__(public, None, period)
        self.db = e2e.psql_session(psql, database)

    def visible(self, path, today):
        # The path is ours (hex), so it is safe inline.
        return self.db.run(f"select count(*) from raw_data.page_views where path = '{path}';") \
            != ["0"]


def raw_rows(session):
    """Rows in raw_data.* but the markers'."""
    return int(session.run(
        "select coalesce(sum(n), 0) from (select count(*) n from raw_data.page_views where path "
        "not like '/bench-marker/%' union all "
        "select count(*) from raw_data.user_events union all select count(*) from "
        "raw_data.ecommerce_events union all select count(*) from raw_data.analytics_events "
        "union all select count(*) from raw_data.event_queue) t;")[0])


def drive(args, rate, work, public, admin, database, cpu_readers):
    """simulate at `rate` plus both kinds of markers; waits for the load to drain. Returns the
    figures of one set-up; cpu_readers maps a name to a function giving CPU seconds so far."""
    psql = os.path.join(args.pg_bin_dir, "psql")
    counter = e2e.psql_session(psql, database)
    rows0 = raw_rows(counter)
    cpu0 = {k: f() for k, f in cpu_readers.items()}
    started = time.monotonic()
    sim, report = e2e.simulate(args, public, rate, work)
    period = 1.0 / args.markers_per_second
    dash = e2e.markers(public, admin, period)
    loaded = loaded_markers(public, psql, database, period)
    threads = []
    for m in (dash, loaded):
        threads.append(threading.Thread(target=m.post_loop, daemon=True))
        threads.append(threading.Thread(target=m.watch_loop, args=(30.0,), daemon=True))
    for t in threads:
        t.start()
    sim.wait()
    sim_end = time.monotonic()
    for m in (dash, loaded):
        m.stop_posting.set()
    with open(report) as f:
        accepted = e2e.accepted_events(json.load(f))
    # Drained: every accepted event (and marker) is a row; bounded, so a stuck load shows.
    deadline = time.monotonic() + args.drain_timeout
    rows = raw_rows(counter) - rows0
    while rows < accepted and time.monotonic() < deadline:
        time.sleep(0.2)
        rows = raw_rows(counter) - rows0
    drained = time.monotonic()
    for t in threads:
        t.join()
    markers_posted = sum(len(m.freshness) + len(m.lost) for m in (dash, loaded))
    cpu = {k: f() - cpu0[k] for k, f in cpu_readers.items()}
    counter.close()
    loaded.db.close()
    return {
        "accepted": accepted, "accepted_per_s": accepted / args.duration,
        "rows": rows, "loaded_per_s": rows / (drained - started),
        "drain_s": drained - sim_end, "drained": rows >= accepted,
        "cpu_us": {k: v * 1e6 / accepted if accepted else float("nan") for k, v in cpu.items()},
        "fresh_loaded": loaded.freshness, "fresh_dash": dash.freshness,
        "lost": len(dash.lost) + len(loaded.lost), "markers": markers_posted,
    }


def run_single(args, rate):
    work = tempfile.mkdtemp(prefix="gg-bench-scale-single-")
    os.chmod(work, 0o755)
    data = os.path.join(work, "data")
    log = open(os.path.join(work, "serve.log"), "w")
    serve, info = e2e.start_serve(
        args.binary, data,
        ["--sql-dir", args.sql_dir, "--pg-bin-dir", args.pg_bin_dir, "--traffic", "off",
         "--ack", "durable", "--transform-on-load", "on"], log)
    try:
        e2e.wait_transformed(info["admin"])
        postmaster = e2e.postmaster_pid(data)
        return drive(args, rate, work, info["public"], info["admin"], info["database"], {
            "gadgetgrove": lambda: e2e.proc_cpu_seconds(serve.pid),
            "postgresql": lambda: e2e.postgres_cpu_seconds(postmaster),
        })
    finally:
        e2e.stop_serve(serve)
        log.close()
        cleanup(args, work)


def run_broker(args, rate):
    work = tempfile.mkdtemp(prefix="gg-bench-scale-broker-")
    os.chmod(work, 0o755)
    node = rabbitmq_node(work)
    loader = ingest = None
    logs = []
    try:
        node.start()
        common = ["--sql-dir", args.sql_dir, "--pg-bin-dir", args.pg_bin_dir, "--traffic", "off",
                  "--broker", node.url()]
        logs.append(open(os.path.join(work, "loader.log"), "w"))
        loader_data = os.path.join(work, "loader")
        # Its transform follows the stream loader's commits (load notices), as the single
        # process's follows its loader.
        loader, linfo = e2e.start_serve(
            args.binary, loader_data,
            common + ["--role", "loader,web", "--transform-on-load", "on"], logs[-1])
        e2e.wait_transformed(linfo["admin"])
        logs.append(open(os.path.join(work, "ingest.log"), "w"))
        ingest, iinfo = e2e.start_serve(
            args.binary, os.path.join(work, "ingest"),
            common + ["--role", "ingest", "--ack", "durable", "--database-url",
                      linfo["database"]], logs[-1])
        postmaster = e2e.postmaster_pid(loader_data)
        return drive(args, rate, work, iinfo["public"], linfo["admin"], linfo["database"], {
            "gadgetgrove": lambda: e2e.proc_cpu_seconds(ingest.pid) +
            e2e.proc_cpu_seconds(loader.pid),
            "gadgetgrove ingest": lambda: e2e.proc_cpu_seconds(ingest.pid),
            "gadgetgrove loader": lambda: e2e.proc_cpu_seconds(loader.pid),
            "postgresql": lambda: e2e.postgres_cpu_seconds(postmaster),
            "rabbitmq": node.cpu_seconds,
        })
    finally:
        for p in (ingest, loader):
            if p is not None:
                e2e.stop_serve(p)
        node.stop()
        for f in logs:
            f.close()
        cleanup(args, work)


def cleanup(args, work):
    if args.keep:
        print(f"  kept {work}", flush=True)
    else:
        shutil.rmtree(work, ignore_errors=True)


def med(values):
    values = [v for v in values if v == v]
    return statistics.median(values) if values else float("nan")


def summary(runs):
    """Medians over runs of one set-up at one rate."""
    keys = sorted({k for r in runs for k in r["cpu_us"]})
    return {
        "accepted_per_s": med([r["accepted_per_s"] for r in runs]),
        "loaded_per_s": med([r["loaded_per_s"] for r in runs]),
        "drain_s": med([r["drain_s"] for r in runs]),
        "undrained": sum(not r["drained"] for r in runs),
        "cpu_us": {k: med([r["cpu_us"].get(k, float("nan")) for r in runs]) for k in keys},
        "loaded_p50": med([e2e.percentile(r["fresh_loaded"], 50) for r in runs]),
        "loaded_p95": med([e2e.percentile(r["fresh_loaded"], 95) for r in runs]),
        "dash_p50": med([e2e.percentile(r["fresh_dash"], 50) for r in runs]),
        "dash_p95": med([e2e.percentile(r["fresh_dash"], 95) for r in runs]),
        "lost": sum(r["lost"] for r in runs),
        "markers": sum(r["markers"] for r in runs),
    }


def load_average():
    with open("/proc/loadavg") as f:
        return " ".join(f.read().split()[:3])


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--binary", required=True)
    p.add_argument("--sql-dir", required=True)
    p.add_argument("--pg-bin-dir", required=True)
    p.add_argument("--duration", type=int, default=30, help="seconds of load per run")
    p.add_argument("--rates", default="1000,3000", help="events per second, comma-separated")
    p.add_argument("--runs", type=int, default=3, help="runs per set-up and rate (medians)")
    p.add_argument("--markers-per-second", type=float, default=2.0)
    p.add_argument("--threads", type=int, default=1, help="simulate's generator threads")
    p.add_argument("--drain-timeout", type=float, default=60.0,
                   help="seconds after the load for every accepted event to be loaded")
    p.add_argument("--setups", default="single,broker",
                   help="which set-ups to run (single, broker); the table needs both")
    p.add_argument("--keep", action="store_true", help="keep each run's directories and logs")
    args = p.parse_args()

    rates = [float(r) for r in args.rates.split(",") if r]
    print(f"scale bench: {args.runs} runs x {len(rates)} rates x 2 set-ups, {args.duration} s "
          f"each, {os.cpu_count()} cores; load average before: {load_average()}", flush=True)
    results = {}
    for run in range(args.runs):
        for rate in rates:
            # Alternated, so a change in the machine's load hits both set-ups alike.
            for name, fn in (("single", run_single), ("broker", run_broker)):
                if name not in args.setups.split(","):
                    continue
                r = fn(args, rate)
                results.setdefault((rate, name), []).append(r)
                print(f"  run {run + 1} rate {rate:g} {name}: {r['accepted_per_s']:.0f} accepted/s,"
                      f" {r['loaded_per_s']:.0f} loaded/s, CPU us/event "
                      + ", ".join(f"{k} {v:.1f}" for k, v in r["cpu_us"].items())
                      + f"; freshness loaded p50 {e2e.percentile(r['fresh_loaded'], 50):.2f} s, "
                      f"dashboard p50 {e2e.percentile(r['fresh_dash'], 50):.2f} s; load average "
                      f"{load_average()}", flush=True)
    print(f"medians of {args.runs} runs; load average after: {load_average()}")
    for rate in rates:
        if (rate, "single") not in results or (rate, "broker") not in results:
            for key, runs in results.items():
                if key[0] == rate:
                    x = summary(runs)
                    print(f"rate {rate:g} {key[1]}: " + ", ".join(
                        f"{k} {v:.2f}" for k, v in x.items() if not isinstance(v, dict)))
            continue
        s, b = summary(results[(rate, "single")]), summary(results[(rate, "broker")])
        print(f"rate {rate:g} events/s for {args.duration} s   single    broker   broker/single")
        row = lambda label, a, c, fmt: print(
            f"  {label:<28}{fmt.format(a):>9}{fmt.format(c):>9}{(c / a if a else float('nan')):>10.2f}")
        row("accepted events/s", s["accepted_per_s"], b["accepted_per_s"], "{:.0f}")
        row("loaded events/s", s["loaded_per_s"], b["loaded_per_s"], "{:.0f}")
        row("drain after the load (s)", s["drain_s"], b["drain_s"], "{:.2f}")
        for k in ("gadgetgrove", "gadgetgrove ingest", "gadgetgrove loader", "postgresql",
                  "rabbitmq"):
            a, c = s["cpu_us"].get(k, float("nan")), b["cpu_us"].get(k, float("nan"))
            if a == a or c == c:
                row(f"CPU us/event {k}", a, c, "{:.1f}")
        total_s = sum(v for k, v in s["cpu_us"].items() if k in ("gadgetgrove", "postgresql"))
        total_b = sum(v for k, v in b["cpu_us"].items()
                      if k in ("gadgetgrove", "postgresql", "rabbitmq"))
        row("CPU us/event, all", total_s, total_b, "{:.1f}")
        print(f"  added CPU per event by the broker hop: {total_b - total_s:.1f} us "
              f"(RabbitMQ {b['cpu_us'].get('rabbitmq', float('nan')):.1f} us)")
        row("freshness loaded p50 (s)", s["loaded_p50"], b["loaded_p50"], "{:.2f}")
        row("freshness loaded p95 (s)", s["loaded_p95"], b["loaded_p95"], "{:.2f}")
        row("freshness dashboard p50 (s)", s["dash_p50"], b["dash_p50"], "{:.2f}")
        row("freshness dashboard p95 (s)", s["dash_p95"], b["dash_p95"], "{:.2f}")
        for name, x in (("single", s), ("broker", b)):
            if x["lost"] or x["undrained"]:
                print(f"  {name}: {x['lost']} of {x['markers']} markers not seen within 30 s, "
                      f"{x['undrained']} runs not drained within {args.drain_timeout:g} s")


if __name__ == "__main__":
    main()
