"""Writes the results: latest.json (raw), latest.md (tables, ratios, goals) and latest.png."""
import json
import os

GOALS_NOTE = "Goals are reported here, never asserted by tests."


def _fmt(v, digits=0, unit=""):
    if v is None:
        return "n/a"
    return f"{v:,.{digits}f}{unit}"


def _by(results):
    return {(r["contender"], r["workload"]): r for r in results}


def _ratio(a, b):
    return a / b if a and b else None


def ratios(results, contenders):
    """(label, value) pairs: sluice figures over each peer's on the same run."""
    by = _by(results)
    names = [c["name"] for c in contenders]
    sluices = [n for n in names if n.startswith("sluice-")]
    pairs = []
    for s in sluices:
        peers = ["pg_recvlogical"]
        sink = s.split("-", 1)[1]
        same = {"webhook": "debezium-http", "kafka": "debezium-kafka"}.get(sink)
        if same:
            peers.append(same)
        for peer in peers:
            if peer not in names:
                continue
            for w, metric, label in [("bulk", "throughput", "bulk throughput"),
                                     ("mixed", "throughput", "mixed throughput")]:
                a, b = by.get((s, w)), by.get((peer, w))
                if a and b:
                    pairs.append((f"{s} / {peer}: {label}", _ratio(a[metric], b[metric])))
            if peer.startswith("debezium"):
                for w in ("steady_2k", "bigtx"):
                    a, b = by.get((s, w)), by.get((peer, w))
                    if a and b:
                        pairs.append((f"{s} / {peer}: peak RSS, {w}",
                                      _ratio(a["peak_rss_mib"], b["peak_rss_mib"])))
                a, b = by.get((s, "bulk")), by.get((peer, "bulk"))
                if a and b:
                    pairs.append((f"{s} / {peer}: CPU per change, bulk",
                                  _ratio(a["cpu_s_per_million"], b["cpu_s_per_million"])))
    return pairs


def goals(results, contenders):
    by = _by(results)
    names = [c["name"] for c in contenders]
    rows = []
    for s in [n for n in names if n.startswith("sluice-")]:
        def get(w, key, sub=None):
            r = by.get((s, w))
            if not r:
                return None
            return r[key].get(sub) if sub else r[key]

        ceiling = by.get(("pg_recvlogical", "bulk"))
        bulk = get("bulk", "throughput")
        if ceiling and bulk:
            v = bulk / ceiling["throughput"]
            rows.append((s, "bulk >= 0.9 x pg_recvlogical", f"{v:.2f} x", v >= 0.9))
        sink = s.split("-", 1)[1]
        peer = {"webhook": "debezium-http", "kafka": "debezium-kafka"}.get(sink)
        if peer and by.get((peer, "bulk")) and bulk:
            v = bulk / by[(peer, "bulk")]["throughput"]
            rows.append((s, f"bulk >= 5 x {peer}", f"{v:.1f} x", v >= 5))
        for w, limit in (("steady_2k", 25), ("steady_20k", 100)):
            p99 = get(w, "latency_ms", "p99")
            if p99 is not None:
                rows.append((s, f"p99 at {w} < {limit} ms", f"{p99:.1f} ms", p99 < limit))
        for w, limit in (("steady_2k", 64), ("steady_20k", 64), ("bigtx", 300)):
            rss = get(w, "peak_rss_mib")
            if rss is not None:
                rows.append((s, f"peak RSS in {w} < {limit} MB", f"{rss:.0f} MiB", rss < limit))
        if peer and by.get((peer, "bigtx")) and get("bigtx", "peak_rss_mib"):
            v = get("bigtx", "peak_rss_mib") / by[(peer, "bigtx")]["peak_rss_mib"]
            rows.append((s, f"peak RSS <= 1/5 of {peer} (bigtx)", f"{v:.2f} x", v <= 0.2))
    return rows


def write_markdown(path, meta, contenders, results, workload_list):
    by = _by(results)
    out = [f"# sluice end-to-end benchmark ({meta['mode']})", ""]
    out.append(f"Run {meta['started']} UTC on {meta['host']}; Postgres {meta['postgres']}; "
               f"{meta['duration_s']:.0f} s in all. Command: `{meta['command']}`. "
               f"sluice batch_size and Debezium HTTP batch.max-size: {meta['batch_size']}.")
    if meta.get("sluice_binary"):
        out.append("")
        out.append(f"sluice measured: `{meta['sluice_binary']}`.")
    if meta.get("load_average"):
        start, end = meta["load_average"]
        out.append("")
        out.append(f"Machine load average (1 min) at start / end: {start:.1f} / {end:.1f}. "
                   "Anything above ~1 means other work shared the cores with this run, and the "
                   "figures are lower and noisier than on an idle machine.")
    out.append("")
    out.append("End to end means from the transaction's commit timestamp in Postgres to the "
               "moment the change reached the destination's reader (bench/receiver). "
               "Throughput = changes delivered / (last arrival - first commit). CPU and RSS are "
               "the contender's own processes (JVM included), sampled from /proc every 100 ms; "
               "Postgres, the load generator and the receiver are not counted. "
               "Every contender reads the same server over TCP 127.0.0.1 from its own slot on "
               "the same publication, one at a time, with the same workloads.")
    out.append("")
    out.append("| contender | destination | version | streaming after | note |")
    out.append("| --- | --- | --- | --- | --- |")
    for c in contenders:
        out.append(f"| {c['name']} | {c['destination']} | {c.get('version', '')} | "
                   f"{_fmt(c.get('ready_s'), 1, ' s')} | {c.get('error') or ''} |")
    out.append("")
    for w in workload_list:
        rows = [by[(c["name"], w.name)] for c in contenders if (c["name"], w.name) in by]
        if not rows:
            continue
        out.append(f"## {w.title}")
        out.append("")
        gen = max(r["generator_rate"] for r in rows)
        out.append(f"Postgres took the load at up to {gen:,.0f} changes/s.")
        out.append("")
        out.append("| contender | delivered / written | complete | changes/s | p50 ms | p90 ms | "
                   "p99 ms | max ms | CPU s per 1M | peak RSS MiB | changes per delivery |")
        out.append("| --- | --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
        for r in rows:
            lat = r["latency_ms"]
            if r["complete"]:
                complete = "yes"
            elif r.get("timed_out"):
                complete = f"**NO**: still arriving after {r['drain_s']:.0f} s"
            else:
                complete = (f"**NO** (missing {r['lost']:,}, extra {r['extra']:,}"
                            f"{', checksum differs' if r['lost'] == 0 and r['extra'] == 0 else ''}"
                            f"; nothing arrived for the last {r.get('idle_s', 0):.0f} s)")
            out.append(f"| {r['contender']} | {r['delivered']:,} / {r['expected']:,} | "
                       f"{complete} | {_fmt(r['throughput'])} | {_fmt(lat.get('p50'), 1)} | "
                       f"{_fmt(lat.get('p90'), 1)} | {_fmt(lat.get('p99'), 1)} | "
                       f"{_fmt(lat.get('max'), 1)} | {_fmt(r['cpu_s_per_million'], 1)} | "
                       f"{_fmt(r['peak_rss_mib'])} | "
                       f"{_fmt(r['delivered'] / r['deliveries'] if r.get('deliveries') else None, 1)} |")
        out.append("")
    pairs = ratios(results, contenders)
    if pairs:
        out += ["## Ratios sluice / peer (same run)", "", "| figure | ratio |", "| --- | ---: |"]
        out += [f"| {label} | {_fmt(v, 2, ' x')} |" for label, v in pairs]
        out.append("")
    rows = goals(results, contenders)
    if rows:
        out += ["## Goals", "", GOALS_NOTE, "", "| contender | goal | measured | met |",
                "| --- | --- | ---: | --- |"]
        out += [f"| {c} | {g} | {m} | {'yes' if ok else 'no'} |" for c, g, m, ok in rows]
        out.append("")
    if meta.get("notes"):
        out += ["## Notes", ""] + [f"- {n}" for n in meta["notes"]] + [""]
    with open(path, "w") as f:
        f.write("\n".join(out))


def write_plot(path, contenders, results):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    by = _by(results)
    names = [c["name"] for c in contenders if any(r["contender"] == c["name"] for r in results)]
    if not names:
        return
    # sluice in blues/greens, the ceiling in grey, Debezium in reds.
    palette = {"sluice": ["#1f77b4", "#2ca02c", "#17becf", "#9467bd"],
               "debezium": ["#d62728", "#ff7f0e"]}
    colors, used = {}, {"sluice": 0, "debezium": 0}
    for n in names:
        family = n.split("-")[0]
        if family in palette:
            colors[n] = palette[family][used[family] % len(palette[family])]
            used[family] += 1
        else:
            colors[n] = "#7f7f7f"
    fig, axes = plt.subplots(1, 3, figsize=(17, 5.5))

    ax = axes[0]
    for i, w in enumerate(("bulk", "mixed")):
        vals = [by[(n, w)]["throughput"] / 1000 if (n, w) in by else 0 for n in names]
        xs = [j + i * 0.4 for j in range(len(names))]
        bars = ax.bar(xs, vals, width=0.38, color=[colors[n] for n in names],
                      alpha=1.0 if i == 0 else 0.55, label=w)
        for b, n in zip(bars, names):
            r = by.get((n, w))
            if not r:
                continue
            label = f"{r['throughput'] / 1000:.0f}k" if r["complete"] else "incomplete"
            ax.text(b.get_x() + b.get_width() / 2, b.get_height(), label, ha="center",
                    va="bottom", color="black" if r["complete"] else "red", fontsize=7)
    ax.set_xticks([j + 0.2 for j in range(len(names))])
    ax.set_xticklabels(names, rotation=30, ha="right")
    ax.set_ylabel("thousand changes/s (end to end)")
    ax.set_title("Throughput: bulk (solid), mixed (light)")

    ax = axes[1]
    pcts = ("p50", "p90", "p99", "max")
    series = [(n, w) for w in ("steady_2k", "steady_20k") for n in names if (n, w) in by]
    width = 0.8 / max(1, len(series))
    for k, (n, w) in enumerate(series):
        vals = [max(by[(n, w)]["latency_ms"].get(p, 0), 0.01) for p in pcts]
        ax.bar([i + k * width for i in range(len(pcts))], vals, width=width,
               color=colors[n], alpha=1.0 if w == "steady_2k" else 0.55,
               label=f"{n} @ {w.split('_')[1]}/s")
    ax.set_xticks([i + 0.4 - width / 2 for i in range(len(pcts))])
    ax.set_xticklabels(pcts)
    if series:
        ax.set_yscale("log")
    ax.set_ylabel("commit-to-arrival latency, ms (log)")
    ax.set_title("Latency at steady 2k/s (solid) and 20k/s (light)")
    ax.legend(fontsize=7, ncol=2)

    ax = axes[2]
    for i, w in enumerate(("steady_2k", "bigtx")):
        vals = [by[(n, w)]["peak_rss_mib"] if (n, w) in by else 0 for n in names]
        bars = ax.bar([j + i * 0.4 for j in range(len(names))], vals, width=0.38,
                      color=[colors[n] for n in names], alpha=1.0 if i == 0 else 0.55)
        for b, v in zip(bars, vals):
            if v:
                ax.text(b.get_x() + b.get_width() / 2, v, f"{v:.0f}", ha="center",
                        va="bottom", fontsize=7)
    ax.set_xticks([j + 0.2 for j in range(len(names))])
    ax.set_xticklabels(names, rotation=30, ha="right")
    if any(by.get((n, w), {}).get("peak_rss_mib") for n in names for w in ("steady_2k", "bigtx")):
        ax.set_yscale("log")
    ax.set_ylabel("peak RSS, MiB (log)")
    ax.set_title("Memory: steady 2k/s (solid), 2M-row tx (light)")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def write_all(out_dir, meta, contenders, results, workload_list):
    os.makedirs(out_dir, exist_ok=True)
    with open(os.path.join(out_dir, "latest.json"), "w") as f:
        json.dump({"meta": meta, "contenders": contenders, "results": results}, f, indent=1)
    write_markdown(os.path.join(out_dir, "latest.md"), meta, contenders, results, workload_list)
    write_plot(os.path.join(out_dir, "latest.png"), contenders, results)
