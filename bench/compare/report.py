#!/usr/bin/python3
"""Writes bench/compare_opendht.sh's results as markdown and PNG plots.

  report.py RESULTS.tsv SAMPLES_DIR OUT.md PLOT_PREFIX "SIZES" "context"

RESULTS.tsv rows are "N<TAB>system<TAB>key<TAB>value" (systems "datamgmt" and
"opendht"). For each N it writes a table with both systems and the
DataMgmt advantage (x > 1: DataMgmt better, whichever way "better" points
for that metric), then plots with gnuplot: PLOT_PREFIX-nN-latency.png (CDFs
of the sequential put/get latencies) and PLOT_PREFIX-nN-throughput.png.
"""

import collections
import os
import subprocess
import sys

SYSTEMS = ("datamgmt", "opendht")
NAMES = {"datamgmt": "DataMgmt Node", "opendht": "OpenDHT 2.4.12"}


def metrics(sizes):
    """(key, label, unit, higher_is_better) rows of each table."""
    rows = [("bootstrap_s", "bootstrap: all nodes have min(N-1, 8) contacts",
             "s", False)]
    for size in sizes:
        tag = f"{int(size) // 1024} KiB" if int(size) % 1024 == 0 else \
            f"{int(size):,} B"
        for op in ("put", "get"):
            for p in ("p50", "p90", "p99"):
                rows.append((f"{size}_{op}_{p}_ms",
                             f"{op} {tag}, sequential {p}", "ms", False))
            rows.append((f"{size}_{op}_ops_s",
                         f"{op} {tag}, 20 in flight", "ops/s", True))
    for key, what in (("rest_1conn", "1 connection"),
                      ("rest_many", "many connections")):
        rows.append((f"{key}_rps", f"REST GET 1 KiB, {what}", "req/s", True))
        rows.append((f"{key}_p50_ms", f"REST GET 1 KiB, {what}, p50", "ms",
                     False))
        rows.append((f"{key}_p99_ms", f"REST GET 1 KiB, {what}, p99", "ms",
                     False))
    rows += [
        ("idle_rss_mib", "idle node RSS (median; shared libraries once)",
         "MiB", False),
        ("idle_vmrss_sum_mib", "idle node VmRSS summed over its processes",
         "MiB", False),
        ("cpu_s_per_1000_ops", "node CPU per 1,000 operations", "CPU s",
         False),
        ("churn_readable_pct", "after churn: earlier values readable", "%",
         True),
        ("churn_check_p99_ms", "after churn: get p99", "ms", False),
    ]
    return rows


def fmt(v):
    if v is None:
        return "n/a"
    if v == -1:
        return "did not finish"
    if abs(v) >= 100:
        return f"{v:,.0f}"
    if abs(v) >= 10:
        return f"{v:.1f}"
    return f"{v:.3g}" if v else "0"


def advantage(ours, theirs, higher):
    if ours is None or theirs is None or ours < 0 or theirs < 0:
        return "n/a"
    if higher:
        return f"{ours / theirs:.2f}x" if theirs else "n/a"
    return f"{theirs / ours:.2f}x" if ours else "n/a"


def load(path):
    data = collections.defaultdict(dict)  # (n, system) -> key -> value
    with open(path) as f:
        for line in f:
            parts = line.rstrip("\n").split("\t")
            if len(parts) != 4:
                continue
            n, system, key, value = parts
            try:
                data[(int(n), system)][key] = float(value)
            except ValueError:
                pass
    for d in data.values():
        if d.get("churn_check_total"):
            d["churn_readable_pct"] = (100.0 * d.get("churn_check_readable", 0)
                                       / d["churn_check_total"])
        if not d.get("churn_check_readable"):
            d.pop("churn_check_p99_ms", None)  # no read succeeded: no latency
    return data


def table(data, n, sizes):
    out = [f"| N = {n} | {NAMES['datamgmt']} | {NAMES['opendht']} | "
           "DataMgmt advantage |", "|---|---:|---:|---:|"]
    ours, theirs = data.get((n, "datamgmt"), {}), data.get((n, "opendht"), {})
    for key, label, unit, higher in metrics(sizes):
        a, b = ours.get(key), theirs.get(key)
        if a is None and b is None:
            continue
        out.append(f"| {label} ({unit}) | {fmt(a)} | {fmt(b)} | "
                   f"{advantage(a, b, higher)} |")
    out.append("")
    out.append("Operations counted per phase (done / errors):")
    out.append("")
    for system in SYSTEMS:
        d = data.get((n, system), {})
        parts = []
        for size in sizes:
            for op in ("put", "get"):
                for ph in ("seq", "conc"):
                    c, e = d.get(f"{size}_{op}_{ph}_n"), \
                        d.get(f"{size}_{op}_{ph}_errors")
                    if c is not None:
                        parts.append(f"{op} {size} B {ph} {int(c)}/{int(e or 0)}")
        if "churn_check_total" in d:
            parts.append(f"churn reads {int(d.get('churn_check_readable', 0))}"
                         f" of {int(d['churn_check_total'])}")
        out.append(f"- {NAMES[system]}: " + "; ".join(parts))
    out.append("")
    return "\n".join(out)


def plot(data, n, sizes, samples, prefix):
    """Runs gnuplot; returns the PNG paths written."""
    pngs = []
    lat_png = f"{prefix}-n{n}-latency.png"
    script = [
        "set terminal pngcairo size 1200,900 font ',10'",
        f"set output '{lat_png}'",
        f"set multiplot layout 2,{len(sizes)} title "
        f"'Sequential latency CDF, N = {n} (loopback, {os.cpu_count()} cores)'",
        "set logscale x", "set xlabel 'latency (ms)'",
        "set ylabel 'share of operations'", "set key bottom right",
        "set grid",
    ]
    for op in ("put", "get"):
        for size in sizes:
            series = []
            for system in SYSTEMS:
                f = os.path.join(samples, f"{system}-n{n}-{size}-{op}.txt")
                if os.path.exists(f) and os.path.getsize(f) > 0:
                    series.append(f"'{f}' using 1:(1.0) smooth cnormal "
                                  f"with lines lw 2 title '{NAMES[system]}'")
            script.append(f"set title '{op} {size} B'")
            script.append("plot " + ", ".join(series) if series else
                          "set label 1 'no samples' at graph .4,.5; "
                          "plot [1:2] NaN notitle; unset label 1")
    script.append("unset multiplot")
    # Throughput bars.
    tp_png = f"{prefix}-n{n}-throughput.png"
    dat = f"{prefix}-n{n}-throughput.dat"
    rows = [(f"put {s} B", f"{s}_put_ops_s") for s in sizes] + \
        [(f"get {s} B", f"{s}_get_ops_s") for s in sizes] + \
        [("REST 1 conn", "rest_1conn_rps"), ("REST many", "rest_many_rps")]
    with open(dat, "w") as f:
        for label, key in rows:
            vals = [data.get((n, s), {}).get(key, 0) or 0 for s in SYSTEMS]
            f.write(f"\"{label}\" {vals[0]} {vals[1]}\n")
    script += [
        f"set output '{tp_png}'", "set terminal pngcairo size 1000,600",
        "unset logscale", "set logscale y", "set style data histograms",
        "set style histogram clustered gap 1", "set style fill solid 0.8",
        "set xlabel ''", "set ylabel 'operations or requests per second'",
        f"set title 'Throughput, N = {n} (log scale)'", "set key top right",
        "set xtics rotate by -20", "set yrange [1:*]",
        f"plot '{dat}' using 2:xtic(1) title '{NAMES['datamgmt']}', "
        f"'' using 3 title '{NAMES['opendht']}'",
    ]
    r = subprocess.run(["gnuplot"], input="\n".join(script), text=True,
                       capture_output=True)
    if r.returncode != 0:
        sys.stderr.write(r.stderr)
    os.remove(dat)
    for png in (lat_png, tp_png):
        if os.path.exists(png):
            pngs.append(png)
    return pngs


def main():
    results, samples, out_md, prefix, sizes, context = sys.argv[1:7]
    sizes = sizes.split()
    data = load(results)
    ns = sorted({n for n, _ in data})
    md = [context, ""]
    for n in ns:
        md.append(f"## N = {n}")
        md.append("")
        md.append(table(data, n, sizes))
        for png in plot(data, n, sizes, samples, prefix):
            rel = os.path.relpath(png, os.path.dirname(out_md))
            md.append(f"![{os.path.basename(png)}]({rel})")
            md.append("")
    with open(out_md, "w") as f:
        f.write("\n".join(md) + "\n")
    for n in ns:
        print(f"\nN = {n}\n" + table(data, n, sizes).split("\n\nOperations")[0])


if __name__ == "__main__":
    main()
