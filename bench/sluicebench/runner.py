"""Drives one contender through the workloads and measures it."""
import os
import signal
import subprocess
import time

from . import workloads as wl
from .contenders import Unavailable

PING_TABLE = "bench_ping"


class PingIds:
    """Ids for readiness pings; bench_ping is never truncated while a contender runs."""

    def __init__(self):
        self.next = 0

    def take(self):
        self.next += 1
        return self.next


def wait_ready(contender, pg, pings, timeout_s):
    """Inserts a ping row every half second until one arrives: the contender is streaming.
    Returns seconds to first arrival, or None."""
    t0 = time.monotonic()
    while time.monotonic() - t0 < timeout_s:
        if not contender.alive():
            return None
        pg.psql(f"INSERT INTO {PING_TABLE} VALUES ({pings.take()}, 'ping')")
        deadline = time.monotonic() + 0.5
        while time.monotonic() < deadline:
            if contender.receiver.table(PING_TABLE)[0]["count"] > 0:
                return time.monotonic() - t0
            time.sleep(0.02)
    return None


class Profile:
    """`perf record -g` attached to the contender for one workload, then a text report of the
    hottest symbols in perf_dir/<contender>-<workload>.txt."""

    def __init__(self, pid, perf_dir, label):
        os.makedirs(perf_dir, exist_ok=True)
        self.data = os.path.join(perf_dir, f"{label}.perf.data")
        self.text = os.path.join(perf_dir, f"{label}.txt")
        self.proc = subprocess.Popen(["perf", "record", "-q", "-F", "499", "-g", "-p", str(pid),
                                      "-o", self.data], stdout=subprocess.DEVNULL,
                                     stderr=subprocess.DEVNULL)

    def finish(self):
        self.proc.send_signal(signal.SIGINT)
        self.proc.wait(timeout=60)
        with open(self.text, "w") as f:
            subprocess.run(["perf", "report", "-i", self.data, "--stdio", "--no-children",
                            "--percent-limit", "1.5", "-g", "none"], stdout=f,
                           stderr=subprocess.DEVNULL, timeout=300)
        os.remove(self.data)


def measure(contender, pg, workload, deadline, perf_dir=None):
    """Runs one workload against a started contender and waits for its changes until the
    workload's drain time or the contender's `deadline` (monotonic) ends; returns a result
    dict. With perf_dir, sluice is profiled during the workload (which then costs more CPU)."""
    profile = None
    if perf_dir and contender.name.startswith("sluice"):
        profile = Profile(contender.proc.pid, perf_dir, f"{contender.name}-{workload.name}")
    cpu0, _ = contender.meter.mark()
    written = workload.run(pg)
    # Longer than http_pull's 30 s visibility timeout, after which unacked messages return.
    idle_s = 90 if workload.name == "bigtx" else 45
    drain_s = max(5.0, min(workload.drain_seconds, deadline - time.monotonic()))
    got, timed_out = contender.receiver.wait_for(workload.table, written.count, drain_s, idle_s)
    if got >= written.count:
        time.sleep(0.3)  # let duplicates, if any, show up before counting
    cpu1, peak_rss = contender.meter.mark()
    if profile:
        profile.finish()
    table, stats = contender.receiver.table(workload.table, percentiles=True)
    count = table["count"]
    checksum_ok = count == written.count and int(table["checksum"]) == written.checksum
    span_s = (table.get("last_arrival_us", 0) - table.get("first_commit_us", 0)) / 1e6
    lat = table.get("latency_us", {})
    return {
        "contender": contender.name,
        "workload": workload.name,
        "expected": written.count,
        "delivered": count,
        "deliveries": table.get("deliveries", 0),
        "complete": checksum_ok,
        "lost": 0 if timed_out else max(0, written.count - count),
        "timed_out": timed_out,
        "idle_s": idle_s,
        "drain_s": drain_s,
        "extra": max(0, count - written.count),
        "checksum_ok": checksum_ok,
        "generator_rate": written.rate,
        "throughput": count / span_s if span_s > 0 and count else 0.0,
        "span_s": span_s,
        "latency_ms": {k: v / 1000.0 for k, v in lat.items()},
        "cpu_s": cpu1 - cpu0,
        "cpu_s_per_million": (cpu1 - cpu0) / count * 1e6 if count else None,
        "peak_rss_mib": peak_rss,
        "problems": stats.get("problems", 0),
        "last_error": stats.get("last_error", ""),
        "alive": contender.alive(),
    }


def run_contender(contender, pg, pings, workload_list, allowance_s, log, perf_dir=None):
    """Starts the contender, runs the workloads within allowance_s seconds (what does not fit
    is skipped and noted), stops it. Returns (info, results)."""
    deadline = time.monotonic() + allowance_s
    ready_timeout_s = min(120.0, allowance_s / 3)
    info = {"name": contender.name, "destination": contender.destination, "error": None}
    results = []
    wl.reset_tables(pg)
    try:
        contender.start()
        info["version"] = contender.version
        ready = wait_ready(contender, pg, pings, ready_timeout_s)
        if ready is None:
            info["error"] = (f"not streaming within {ready_timeout_s:.0f} s "
                             f"(exited: {not contender.alive()}); see {contender.log_path}")
            return info, results
        info["ready_s"] = ready
        log(f"  {contender.name}: streaming after {ready:.1f} s")
        for w in workload_list:
            if time.monotonic() + 5 > deadline:
                skipped = [x.name for x in workload_list[workload_list.index(w):]]
                info["error"] = f"time allowance ({allowance_s:.0f} s) used up; skipped " + \
                    ", ".join(skipped)
                break
            r = measure(contender, pg, w, deadline, perf_dir)
            results.append(r)
            lat = r["latency_ms"]
            state = "ok" if r["complete"] else "TIMED OUT" if r["timed_out"] else "INCOMPLETE"
            log(f"  {contender.name} {w.name}: {r['delivered']}/{r['expected']} "
                f"{state}, {r['throughput']:,.0f}/s, "
                f"p50 {lat.get('p50', 0):.1f} ms p99 {lat.get('p99', 0):.1f} ms, "
                f"cpu {r['cpu_s']:.1f} s, rss {r['peak_rss_mib']:.0f} MiB"
                + (f", problems {r['problems']}: {r['last_error']}" if r["problems"] else ""))
            if not r["alive"]:
                info["error"] = f"exited during {w.name}; see {contender.log_path}"
                break
        info["lifetime_peak_rss_mib"] = contender.meter.lifetime_peak_rss_mib()
    except Unavailable as e:
        info["error"] = f"unavailable: {e}"
    except Exception as e:  # one contender's failure must not end the others' runs
        info["error"] = f"{type(e).__name__}: {e}"
    finally:
        t_stop = time.monotonic()
        contender.stop()
        log(f"  {contender.name}: stopped in {time.monotonic() - t_stop:.1f} s")
    return info, results
