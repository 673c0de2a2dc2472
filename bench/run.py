#!/usr/bin/env python3
"""End-to-end benchmark: sluice side by side with pg_recvlogical and Debezium Server.

    python3 bench/run.py            # full run (< 20 min), writes bench/results/latest.{md,png,json}
    python3 bench/run.py --smoke    # seconds; what the test suite runs; non-zero exit on failure

Starts its own Postgres (and Redis / Kafka when a contender needs them), runs the workloads
against each contender in turn, and reports throughput, latency, CPU and memory. See
bench/README.md."""
import argparse
import datetime
import importlib.util
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)


def ensure_python_deps():
    missing = [m for m in ("matplotlib", "numpy") if importlib.util.find_spec(m) is None]
    if missing:
        print(f"bench: pip install -r bench/requirements.txt (missing {', '.join(missing)})",
              flush=True)
        subprocess.run([sys.executable, "-m", "pip", "install", "-q", "-r",
                        os.path.join(HERE, "requirements.txt")], check=True)


ensure_python_deps()
sys.path.insert(0, HERE)
from sluicebench import procs, receiver, report, runner  # noqa: E402
from sluicebench import workloads as wl  # noqa: E402
from sluicebench.contenders import Debezium, PgRecvLogical, Sluice  # noqa: E402
from sluicebench.postgres import PgServer  # noqa: E402

ALL = ["pg_recvlogical", "sluice-webhook", "sluice-http_pull", "sluice-redis", "sluice-kafka",
       "debezium-http", "debezium-kafka"]
SMOKE = ["pg_recvlogical", "sluice-webhook", "sluice-http_pull", "sluice-redis"]
# Relative share of the time budget per contender (Debezium is slower and starts a JVM).
WEIGHT = {"debezium-http": 2.5, "debezium-kafka": 2.5}
DEFAULT_WEIGHT = 1.5


class RunContext:
    """What contenders share: the server, the receiver binary, brokers and directories."""

    def __init__(self, args, workdir):
        self.workdir = workdir
        self.cache_dir = args.cache_dir
        self.sluice_bin = args.sluice_bin
        self.sluice_batch_size = args.batch_size
        self.pg = None
        self.receiver_bin = None
        self.redis_proc = None
        self.redis_port = None
        self.kafka_dir = None
        self.kafka_hosts = None

    def start_redis(self):
        self.redis_port = procs.free_port()
        self.redis_proc = subprocess.Popen(
            ["redis-server", "--port", str(self.redis_port), "--bind", "127.0.0.1", "--save", "",
             "--appendonly", "no", "--dir", self.workdir],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        if not procs.wait_for_port(self.redis_port, 10, self.redis_proc):
            raise RuntimeError("redis-server did not start")

    def start_kafka(self):
        self.kafka_dir = os.path.join(self.workdir, "kafka")
        port = procs.free_port()
        subprocess.run([os.path.join(ROOT, "scripts", "kafka", "start.sh"), self.kafka_dir,
                        str(port)], check=True, capture_output=True, timeout=300)
        self.kafka_hosts = f"127.0.0.1:{port}"

    def close(self):
        if self.kafka_dir:
            subprocess.run([os.path.join(ROOT, "scripts", "kafka", "stop.sh"), self.kafka_dir],
                           capture_output=True, timeout=60)
        procs.stop_process(self.redis_proc, 5)
        if self.pg:
            self.pg.stop()


def binary_note(path):
    """Which sluice was measured: the binary's build time and the tree's commit then."""
    if not os.path.exists(path):
        return f"{path} (missing)"
    built = datetime.datetime.fromtimestamp(os.path.getmtime(path), datetime.timezone.utc)
    head = subprocess.run(["git", "-C", ROOT, "log", "-1", "--format=%h", f"--until={built}"],
                          capture_output=True, text=True).stdout.strip()
    return f"{path} built {built:%Y-%m-%d %H:%M} UTC (tree at {head or '?'} then)"


def make_contender(name, ctx):
    if name == "pg_recvlogical":
        return PgRecvLogical(ctx)
    kind, sink = name.split("-", 1)
    return Sluice(ctx, sink) if kind == "sluice" else Debezium(ctx, sink)


def parse_args():
    p = argparse.ArgumentParser(description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--smoke", action="store_true",
                   help="tiny run (seconds) without Debezium and Kafka; for the test suite")
    p.add_argument("--contenders", help=f"comma-separated subset of {','.join(ALL)}")
    p.add_argument("--workloads", help="comma-separated subset of steady_2k,steady_20k,mixed,"
                                       "bulk,bigtx")
    p.add_argument("--out", help="results directory (default bench/results; smoke: "
                                 "build-bench/smoke)")
    p.add_argument("--sluice-bin", default=os.path.join(ROOT, "build", "sluice"))
    p.add_argument("--batch-size", type=int, default=500,
                   help="sluice batch_size and Debezium HTTP batch.max-size")
    p.add_argument("--budget-minutes", type=float, default=None,
                   help="bound on the whole run; each contender gets a share and what does "
                        "not fit is skipped and noted (default 19, smoke 4)")
    p.add_argument("--cache-dir", default=os.path.join(os.path.expanduser("~"), ".cache",
                                                       "sluice"))
    p.add_argument("--perf", action="store_true",
                   help="profile sluice with perf during each workload; reports go to OUT/perf/")
    p.add_argument("--keep-workdir", action="store_true", help="keep logs and configs")
    return p.parse_args()


def main():
    args = parse_args()
    t_start = time.monotonic()
    load_start = os.getloadavg()[0]
    started = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M")
    names = args.contenders.split(",") if args.contenders else (SMOKE if args.smoke else ALL)
    unknown = [n for n in names if n not in ALL]
    if unknown:
        sys.exit(f"bench: unknown contender(s) {unknown}; choose from {ALL}")
    workload_list = wl.workloads(args.smoke)
    if args.workloads:
        workload_list = [w for w in workload_list if w.name in args.workloads.split(",")]
    out_dir = args.out or (os.path.join(ROOT, "build-bench", "smoke") if args.smoke
                           else os.path.join(HERE, "results"))
    notes = []
    if args.smoke:
        notes.append("smoke mode: counts scaled down; Debezium and Kafka contenders skipped")
        print("bench: smoke mode (Debezium and Kafka contenders skipped)", flush=True)
    if any(n.startswith("sluice") for n in names) and not os.access(args.sluice_bin, os.X_OK):
        print(f"bench: {args.sluice_bin} is not built; sluice contenders fail", flush=True)

    workdir = tempfile.mkdtemp(prefix="sluice-bench-")
    os.chmod(workdir, 0o755)
    ctx = RunContext(args, workdir)
    contenders, results = [], []
    if args.budget_minutes is None:
        args.budget_minutes = 4.0 if args.smoke else 19.0
    budget_s = args.budget_minutes * 60
    try:
        ctx.receiver_bin = receiver.build(os.path.join(ROOT, "build-bench"))
        ctx.pg = PgServer(workdir)
        ctx.pg.start()
        wl.create_schema(ctx.pg)
        pings = runner.PingIds()
        for i, name in enumerate(names):
            elapsed = time.monotonic() - t_start
            # This contender's share of what is left, so the whole run stays inside the budget
            # whatever the earlier ones took.
            weights = [WEIGHT.get(n, DEFAULT_WEIGHT) for n in names[i:]]
            allowance_s = (budget_s - elapsed) * weights[0] / sum(weights)
            if allowance_s < 20:
                contenders.append({"name": name, "destination": "", "error":
                                   f"skipped: time budget ({args.budget_minutes:g} min)"})
                continue
            print(f"bench: {name} ({elapsed:.0f} s elapsed, allowance {allowance_s:.0f} s)",
                  flush=True)
            try:
                if name == "sluice-redis" and ctx.redis_proc is None:
                    ctx.start_redis()
                if name.endswith("-kafka") and ctx.kafka_hosts is None:
                    ctx.start_kafka()
                if name.startswith("sluice") and not os.access(args.sluice_bin, os.X_OK):
                    raise RuntimeError(f"{args.sluice_bin} is not built")
                contender = make_contender(name, ctx)
            except (RuntimeError, subprocess.SubprocessError, OSError) as e:
                contenders.append({"name": name, "destination": "", "error": str(e)})
                print(f"  {name}: {e}", flush=True)
                continue
            info, res = runner.run_contender(contender, ctx.pg, pings, workload_list,
                                             allowance_s,
                                             log=lambda m: print(m, flush=True),
                                             perf_dir=os.path.join(out_dir, "perf")
                                             if args.perf else None)
            if info.get("error"):
                print(f"  {name}: {info['error']}", flush=True)
            contenders.append(info)
            results += res
        meta = {
            "mode": "smoke" if args.smoke else "full",
            "started": started,
            "host": f"{os.cpu_count()} cores, {platform.processor() or platform.machine()}, "
                    f"{platform.platform()}",
            "postgres": ctx.pg.version(),
            "duration_s": time.monotonic() - t_start,
            "command": "python3 bench/run.py" + (" --smoke" if args.smoke else ""),
            "batch_size": args.batch_size,
            "load_average": [load_start, os.getloadavg()[0]],
            "sluice_binary": binary_note(args.sluice_bin),
            "notes": notes,
        }
    finally:
        ctx.close()
        if args.keep_workdir:
            print(f"bench: logs and configs kept in {workdir}")
        else:
            shutil.rmtree(workdir, ignore_errors=True)

    report.write_all(out_dir, meta, contenders, results, workload_list)
    print(f"bench: wrote {out_dir}/latest.md and latest.png "
          f"({time.monotonic() - t_start:.0f} s)", flush=True)
    return exit_code(args.smoke, names, contenders, results, len(workload_list))


def exit_code(smoke, names, contenders, results, n_workloads):
    """Non-zero when sluice broke: it failed to run, lost or duplicated a change, or (smoke)
    any contender delivered nothing. Peers that fail in a full run are reported, not fatal."""
    failures = []
    for c in contenders:
        must_work = smoke or c["name"].startswith("sluice")
        if c.get("error") and must_work and not c["error"].startswith(
                ("skipped", "unavailable", "time allowance")):
            failures.append(f"{c['name']}: {c['error']}")
    for r in results:
        if (smoke or r["contender"].startswith("sluice")) and r["lost"] + r["extra"] > 0:
            failures.append(f"{r['contender']} {r['workload']}: delivered {r['delivered']} of "
                            f"{r['expected']} (checksum {'ok' if r['checksum_ok'] else 'differs'}"
                            f"; stalled or lost)")
    for r in results:
        if smoke and not r["complete"] and r["lost"] + r["extra"] == 0:
            failures.append(f"{r['contender']} {r['workload']}: not complete within "
                            f"{r['drain_s']:.0f} s")
    for c in contenders:
        ran = [r for r in results if r["contender"] == c["name"]]
        if smoke and not (c.get("error") or "").startswith("unavailable") and \
                len(ran) != n_workloads:
            failures.append(f"{c['name']}: ran {len(ran)} of {n_workloads} workloads")
    if smoke and not any(r["contender"].startswith("sluice") and r["complete"] for r in results):
        failures.append("no sluice contender delivered a complete workload")
    for f in failures:
        print(f"bench: FAIL {f}", flush=True)
    if not failures:
        print(f"bench: OK ({len(results)} contender x workload runs complete)", flush=True)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
