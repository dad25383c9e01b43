#!/usr/bin/python3
"""Draws BENCHMARKS.md's charts: one SVG per benchmark section, in bench/charts/.

`charts.py BENCHMARKS.md` reads the tables the report scripts (summarize.py, pam_report.py, …)
wrote into BENCHMARKS.md, so a chart shows exactly the figures of the table beside it and is
redrawn whenever a section is rewritten (`make bench` runs this after every script):
- comparison tables (a "server" and a "checks/s" column): checks/s per scenario, one bar per
  server (saslauthd or Dovecot, authmux, the floor, authmux before when measured);
- spray tables (a "real user p99 ms" column): the real user's p50 and p99 per daemon, on a
  logarithmic axis, since seconds and milliseconds share it;
- the soak table: the real user's p50 and p99, and "none answered" where a daemon answered none.
It also puts one `![…](bench/charts/NAME.svg)` line under each section's heading, once.
Needs python3-matplotlib (scripts/install-deps.sh bench).
"""
import os
import re
import sys

import matplotlib

matplotlib.use("svg")
import matplotlib.pyplot as plt  # noqa: E402

CHARTS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "charts")
# What is not a benchmark's output (hand-written notes) gets no chart.
SKIP = {"cache-reading"}
COLORS = {"saslauthd": "#8c8c8c", "dovecot": "#8c8c8c", "floor": "#d9d9d9", "authmux": "#1f77b4"}
# SVGs that do not change when the figures do not: no timestamp, fixed ids.
matplotlib.rcParams["svg.hashsalt"] = "authmux"
matplotlib.rcParams["svg.fonttype"] = "none"


def sections(text):
    """(name, first line index, lines) per benchmark section: the part before the first marker
    is run.sh's sasldb section; the others are named by their markers."""
    lines = text.split("\n")
    found, name, start = [], "sasldb", 0
    for i, line in enumerate(lines):
        begin = re.match(r"<!-- (?:BEGIN section (\S+)|(cache)-benchmark:start)", line)
        end = re.match(r"<!-- (?:END section|cache-benchmark:end)", line)
        if begin and name is None:
            name, start = begin.group(1) or "cached", i
        elif begin and name == "sasldb":
            found.append((name, start, lines[start:i]))
            name, start = begin.group(1) or "cached", i
        elif end and name:
            found.append((name, start, lines[start:i + 1]))
            name = None
    return [s for s in found if s[0] not in SKIP]


def tables(lines):
    """(title, header, rows) of every Markdown table, titled by the heading above it."""
    out, title, i = [], "", 0
    while i < len(lines):
        if lines[i].startswith("#"):
            title = lines[i].lstrip("#").strip()
        if lines[i].startswith("|") and i + 1 < len(lines) and re.match(r"^\|[-:|]+\|$", lines[i + 1]):
            header = cells(lines[i])
            rows = []
            i += 2
            while i < len(lines) and lines[i].startswith("|"):
                rows.append(cells(lines[i]))
                i += 1
            out.append((title, header, rows))
            continue
        i += 1
    return out


def cells(line):
    return [c.strip() for c in line.strip().strip("|").split("|")]


def number(text):
    match = re.search(r"-?[\d,]+(?:\.\d+)?", text.replace("**", ""))
    return float(match.group(0).replace(",", "")) if match else None


def color(server):
    if server.startswith("authmux before"):
        return "#aec7e8"
    return next((c for name, c in COLORS.items() if server.startswith(name)), "#ff7f0e")


def comparison(ax, title, header, rows):
    column, rate = header.index("server"), header.index("checks/s")
    scenarios, servers = [], []
    values = {}
    for row in rows:
        scenario = ", ".join("%s %s" % (header[k], row[k]) for k in range(column))
        if scenario not in scenarios:
            scenarios.append(scenario)
        if row[column] not in servers:
            servers.append(row[column])
        values[(scenario, row[column])] = number(row[rate])
    width = 0.8 / len(servers)
    for n, server in enumerate(servers):
        xs = [i + (n - (len(servers) - 1) / 2) * width for i in range(len(scenarios))]
        ys = [values.get((s, server)) or 0 for s in scenarios]
        ax.bar(xs, ys, width, label=server, color=color(server))
    ax.set_xticks(range(len(scenarios)))
    ax.set_xticklabels(scenarios, rotation=30 if len(scenarios) > 4 else 0, ha="right" if len(scenarios) > 4 else "center", fontsize=8)
    ax.set_ylabel("checks/s")
    ax.set_title(title, fontsize=10)
    ax.legend(fontsize=8, loc="upper left", framealpha=0.9)
    ax.grid(axis="y", alpha=0.3)


def latency(ax, title, daemons, p50, p99, missing=()):
    ys = range(len(daemons))
    ax.barh([y + 0.2 for y in ys], [v or 0 for v in p50], 0.4, label="p50", color="#aec7e8")
    ax.barh([y - 0.2 for y in ys], [v or 0 for v in p99], 0.4, label="p99", color="#1f77b4")
    for y, value in zip(ys, p99):
        if value:
            ax.text(value, y - 0.2, " %s ms" % ("{:,.0f}".format(value) if value >= 10 else "%.2g" % value), va="center", fontsize=8)
    ax.set_xscale("log")
    known = [v for v in p50 + p99 if v]
    ax.set_xlim(min(known) / 2, max(known) * 4)
    for y in missing:
        # x in the axis' own coordinates: at its left edge whatever the scale.
        ax.text(0.01, y, "none answered", va="center", fontsize=8, transform=ax.get_yaxis_transform())
    ax.set_yticks(list(ys))
    ax.set_yticklabels(daemons, fontsize=8)
    ax.set_xlabel("real user's latency, ms (log scale)")
    ax.set_title(title, fontsize=10)
    ax.legend(fontsize=8)
    ax.grid(axis="x", alpha=0.3)


def plots(lines):
    """A function drawing on an axis, per chartable table of a section."""
    found = []
    for title, header, rows in tables(lines):
        if "server" in header and "checks/s" in header and "round" not in header:  # not "Every run"
            found.append(lambda ax, t=title, h=header, r=rows: comparison(ax, t, h, r))
        elif "real user p99 ms" in header:
            daemons = [row[0] for row in rows]
            p50 = [number(row[header.index("real user p50 ms")]) for row in rows]
            p99 = [number(row[header.index("real user p99 ms")]) for row in rows]
            found.append(lambda ax, t=title, d=daemons, a=p50, b=p99: latency(ax, t, d, a, b))
        elif header[1:] and header[0] == "" and any(row[0] == "real user: p99 ms" for row in rows):
            daemons = header[1:]
            by = {row[0]: row[1:] for row in rows}
            p50 = [number(v) if "none" not in v else None for v in by["real user: p50 ms"]]
            p99 = [number(v) if "none" not in v else None for v in by["real user: p99 ms"]]
            missing = [i for i, v in enumerate(p99) if v is None]
            found.append(lambda ax, t=title, d=daemons, a=p50, b=p99, m=missing: latency(ax, t, d, a, b, m))
    return found


def draw(name, lines):
    drawers = plots(lines)
    if not drawers:
        return None
    figure, axes = plt.subplots(len(drawers), 1, figsize=(9, 3.6 * len(drawers)), squeeze=False)
    for drawer, ax in zip(drawers, axes[:, 0]):
        drawer(ax)
    figure.tight_layout()
    path = os.path.join(CHARTS, name + ".svg")
    figure.savefig(path, metadata={"Date": None, "Creator": "bench/charts.py"})
    plt.close(figure)
    return path


def main():
    benchmarks = sys.argv[1] if len(sys.argv) > 1 else "BENCHMARKS.md"
    os.makedirs(CHARTS, exist_ok=True)
    with open(benchmarks, encoding="utf-8") as handle:
        text = handle.read()
    lines = text.split("\n")
    inserts = []
    for name, start, part in sections(text):
        path = draw(name, part)
        if not path:
            continue
        print("bench/charts.py: wrote %s" % os.path.relpath(path))
        reference = "![%s: checks/s and latency, from the tables below](bench/charts/%s.svg)" % (name, name)
        if reference in part:
            continue
        heading = next(i for i, line in enumerate(part) if line.startswith("## "))
        inserts.append((start + heading + 1, ["", reference]))
    for index, added in sorted(inserts, reverse=True):
        lines[index:index] = added
    with open(benchmarks, "w", encoding="utf-8") as handle:
        handle.write("\n".join(lines))


main()
