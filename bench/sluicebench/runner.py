"""Drives one contender through the workloads and measures it."""
import time

from . import workloads as wl

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


def measure(contender, pg, workload):
    """Runs one workload against a started contender; returns a result dict."""
    cpu0, _ = contender.meter.mark()
    written = workload.run(pg)
    idle_s = 90 if workload.name == "bigtx" else 20
    got = contender.receiver.wait_for(workload.table, written.count, workload.drain_seconds,
                                      idle_s)
    if got >= written.count:
        time.sleep(0.3)  # let duplicates, if any, show up before counting
    cpu1, peak_rss = contender.meter.mark()
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
        "complete": checksum_ok,
        "lost": max(0, written.count - count),
        "extra": max(0, count - written.count),
        "checksum_ok": checksum_ok,
        "generator_rate": written.rate,
        "throughput": count / span_s if span_s > 0 and count else 0.0,
        "span_s": span_s,
        "latency_ms": {k: v / 1000.0 for k, v in lat.items()},
        "cpu_s": cpu1 - cpu0,
        "cpu_s_per_million": (cpu1 - cpu0) / count * 1e6 if count else None,
        "peak_rss_mib": peak_rss,
        "malformed": stats.get("malformed", 0),
        "last_error": stats.get("last_error", ""),
        "alive": contender.alive(),
    }


def run_contender(contender, pg, pings, workload_list, ready_timeout_s, log):
    """Starts the contender, runs every workload, stops it. Returns (info, results)."""
    info = {"name": contender.name, "destination": contender.destination, "error": None}
    results = []
    wl.reset_tables(pg)
    try:
        contender.start()
        info["version"] = contender.version
        ready = wait_ready(contender, pg, pings, ready_timeout_s)
        if ready is None:
            info["error"] = (f"not streaming within {ready_timeout_s} s "
                             f"(exited: {not contender.alive()}); see {contender.log_path}")
            return info, results
        info["ready_s"] = ready
        log(f"  {contender.name}: streaming after {ready:.1f} s")
        for w in workload_list:
            r = measure(contender, pg, w)
            results.append(r)
            lat = r["latency_ms"]
            log(f"  {contender.name} {w.name}: {r['delivered']}/{r['expected']} "
                f"{'ok' if r['complete'] else 'INCOMPLETE'}, {r['throughput']:,.0f}/s, "
                f"p50 {lat.get('p50', 0):.1f} ms p99 {lat.get('p99', 0):.1f} ms, "
                f"cpu {r['cpu_s']:.1f} s, rss {r['peak_rss_mib']:.0f} MiB"
                + (f", malformed {r['malformed']}: {r['last_error']}" if r["malformed"] else ""))
            if not r["alive"]:
                info["error"] = f"exited during {w.name}; see {contender.log_path}"
                break
        info["lifetime_peak_rss_mib"] = contender.meter.lifetime_peak_rss_mib()
    except Exception as e:  # one contender's failure must not end the others' runs
        info["error"] = f"{type(e).__name__}: {e}"
    finally:
        contender.stop()
    return info, results
