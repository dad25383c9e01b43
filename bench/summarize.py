#!/usr/bin/env python3
"""Helper of bench/run.sh (Python 3 standard library only).

Subcommands:
  record  wrap one `authtest bench --json` result (or its failure) into a JSON line
  rss     read peak and current memory of the daemons from /proc, before they are stopped
  report  turn the JSON lines and the run's facts into BENCHMARKS.md
  cache-report  put the cached-checks scenario's section into BENCHMARKS.md
"""

import argparse
import datetime
import json
import os
import platform
import statistics
import subprocess
import sys

SERVERS = ("saslauthd", "authmux", "floor")
LABELS = {"saslauthd": "saslauthd", "authmux": "authmux", "floor": "floor"}
# The cached-checks scenario (issue 6): saslauthd -c against authmux's credential cache.
CACHED_SERVERS = ("saslauthd-c", "authmux-c", "floor")
CACHE_MARK_START = "<!-- cache-benchmark:start -->"
CACHE_MARK_END = "<!-- cache-benchmark:end -->"

# Targets of issue 3, checked in the report so that a miss is visible at a glance.
TARGET_RATIO = 2.0
TARGET_RATIO_CONCURRENCIES = (16, 64)
TARGET_RSS_MB = 40.0


# ---------------------------------------------------------------------------------------------
# record

def cmd_record(args):
    with open(args.stdout_file, encoding="utf-8", errors="replace") as handle:
        raw = handle.read().strip()
    try:
        with open(args.stderr_file, encoding="utf-8", errors="replace") as handle:
            stderr = handle.read().strip()
    except OSError:
        stderr = ""

    line = {
        "time": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
        "server": args.server,
        "concurrency": args.concurrency,
        "wrong_share": args.wrong_share,
        "round": args.round,
        "exit_code": args.exit_code,
        "wall_s": args.wall,
        "daemon_cpu_s": args.daemon_cpu,
        "daemon_cpu_percent": round(100.0 * args.daemon_cpu / args.wall, 1) if args.wall > 0 else None,
        "daemon_alive_after": args.daemon_alive == 1,
        # Idle (+ iowait) share of the whole machine over the same call, from /proc/stat.
        "machine_idle_percent": args.machine_idle if args.machine_idle is not None and args.machine_idle >= 0 else None,
        "result": None,
        "problems": [],
    }
    result = None
    if raw:
        try:
            result = json.loads(raw.splitlines()[-1])
        except ValueError:
            result = None
    if not isinstance(result, dict) or "checks_per_s" not in result:
        how = "exit %d" % args.exit_code
        if args.exit_code > 128:
            how += ", killed by signal %d%s" % (args.exit_code - 128, " (SIGSEGV: a crash)" if args.exit_code == 139 else "")
        line["problems"].append("authtest bench printed no JSON result (%s)" % how)
        if raw:
            line["stdout"] = raw[-2000:]
    else:
        line["result"] = result
        # The floor answers OK to every request: with wrong passwords in the mix, authtest counts
        # those OKs as unexpected answers and exits 1. That is the floor's nature, not a problem,
        # as long as it never answered NO and nothing failed.
        floor_oks = (args.server == "floor" and args.wrong_share > 0 and result.get("unexpected", 0) > 0
                     and result.get("no", 0) == 0 and result.get("errors", 0) == 0)
        if floor_oks:
            line["unexpected_expected"] = True
        if args.exit_code != 0 and not (floor_oks and args.exit_code == 1):
            line["problems"].append("authtest bench exited %d" % args.exit_code)
        if result.get("errors", 0) > 0:
            line["problems"].append("%d errors" % result["errors"])
        if result.get("unexpected", 0) > 0 and not floor_oks:
            line["problems"].append("%d unexpected answers" % result["unexpected"])
        if args.server == "floor" and result.get("no", 0) > 0:
            line["problems"].append("the floor server answered NO %d times (it only ever answers OK)" % result["no"])
        if result.get("requests", 0) <= 0:
            line["problems"].append("no request completed")
        if result.get("first_error"):
            line["first_error"] = result["first_error"]
    if not line["daemon_alive_after"]:
        line["problems"].append("the %s daemon was not running after this run" % args.server)
    if stderr and line["problems"]:
        line["stderr"] = stderr[-2000:]

    with open(args.out, "a", encoding="utf-8") as handle:
        handle.write(json.dumps(line, sort_keys=True) + "\n")

    label = "%-9s c=%-2d wrong=%-3s round %d" % (args.server, args.concurrency, fmt_share(args.wrong_share), args.round)
    if result is not None and "checks_per_s" in result:
        lat = result.get("latency_ms", {})
        print("  %s: %8.0f checks/s  p99 %7.3f ms  client CPU %5.1f%%  daemon CPU %5.1f%%  (OK %d, NO %d, errors %d, unexpected %d%s)" % (
            label, result["checks_per_s"], lat.get("p99", 0.0), result.get("client_cpu_percent", 0.0),
            line["daemon_cpu_percent"] or 0.0, result.get("ok", 0), result.get("no", 0),
            result.get("errors", 0), result.get("unexpected", 0),
            ": the floor's OKs to wrong passwords, expected" if line.get("unexpected_expected") else ""), flush=True)
    else:
        print("  %s: FAILED" % label, flush=True)
    if line["problems"]:
        bar = "!" * 78
        print(bar, file=sys.stderr)
        print("!!! PROBLEM in %s: %s" % (label, "; ".join(line["problems"])), file=sys.stderr)
        if line.get("first_error"):
            print("!!! first error: %s" % line["first_error"], file=sys.stderr)
        if stderr:
            print("!!! authtest stderr: %s" % stderr[-500:], file=sys.stderr)
        print(bar, file=sys.stderr, flush=True)
        return 3
    return 0


# ---------------------------------------------------------------------------------------------
# rss

def proc_status(pid):
    fields = {}
    try:
        with open("/proc/%d/status" % pid, encoding="ascii", errors="replace") as handle:
            for text in handle:
                key, _, value = text.partition(":")
                fields[key] = value.strip()
    except OSError:
        return None
    return fields


def kb(fields, key):
    value = fields.get(key, "0 kB").split()
    return int(value[0]) if value else 0


def pss_kb(pid):
    try:
        with open("/proc/%d/smaps_rollup" % pid, encoding="ascii", errors="replace") as handle:
            for text in handle:
                if text.startswith("Pss:"):
                    return int(text.split()[1])
    except OSError:
        pass
    return None


def children_of(pid):
    found = []
    for name in os.listdir("/proc"):
        if not name.isdigit():
            continue
        fields = proc_status(int(name))
        if fields and fields.get("PPid") == str(pid) and not fields.get("State", "").startswith("Z"):
            found.append(int(name))
    return sorted(found)


def process_memory(pid):
    fields = proc_status(pid)
    if fields is None or fields.get("State", "").startswith("Z"):
        return None
    return {
        "pid": pid,
        "name": fields.get("Name", "?"),
        "vm_hwm_kb": kb(fields, "VmHWM"),
        "vm_rss_kb": kb(fields, "VmRSS"),
        "pss_kb": pss_kb(pid),
        "threads": int(fields.get("Threads", "0") or 0),
    }


def cmd_rss(args):
    out = {"read_at": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds")}
    authmux = process_memory(args.authmuxd) if args.authmuxd else None
    out["authmux"] = {"processes": [authmux] if authmux else []}
    sasl = []
    if args.saslauthd:
        master = process_memory(args.saslauthd)
        if master:
            sasl.append(master)
        for child in children_of(args.saslauthd):
            memory = process_memory(child)
            if memory:
                sasl.append(memory)
    out["saslauthd"] = {"processes": sasl}
    for key in ("authmux", "saslauthd"):
        procs = out[key]["processes"]
        out[key]["count"] = len(procs)
        out[key]["max_vm_hwm_kb"] = max((p["vm_hwm_kb"] for p in procs), default=0)
        out[key]["sum_vm_hwm_kb"] = sum(p["vm_hwm_kb"] for p in procs)
        out[key]["sum_vm_rss_kb"] = sum(p["vm_rss_kb"] for p in procs)
        pss = [p["pss_kb"] for p in procs]
        out[key]["sum_pss_kb"] = sum(pss) if pss and None not in pss else None
    with open(args.out, "w", encoding="utf-8") as handle:
        json.dump(out, handle, indent=2, sort_keys=True)
    print("  authmuxd : peak RSS (VmHWM) %.1f MB, RSS now %.1f MB" % (
        out["authmux"]["max_vm_hwm_kb"] / 1024, out["authmux"]["sum_vm_rss_kb"] / 1024))
    print("  saslauthd: %d processes, largest peak RSS (VmHWM) %.1f MB, sum of RSS now %.1f MB" % (
        out["saslauthd"]["count"], out["saslauthd"]["max_vm_hwm_kb"] / 1024, out["saslauthd"]["sum_vm_rss_kb"] / 1024))
    return 0


# ---------------------------------------------------------------------------------------------
# report

def fmt_share(share):
    return "%g%%" % (share * 100)


def run_command(argv):
    try:
        done = subprocess.run(argv, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=60, check=False)
        return done.stdout.decode("utf-8", "replace").strip()
    except (OSError, subprocess.SubprocessError) as error:
        return "unavailable (%s)" % error


def machine_facts():
    model = "unknown"
    try:
        with open("/proc/cpuinfo", encoding="utf-8", errors="replace") as handle:
            for text in handle:
                if text.lower().startswith("model name"):
                    model = text.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    mem_kb = 0
    try:
        with open("/proc/meminfo", encoding="ascii") as handle:
            for text in handle:
                if text.startswith("MemTotal:"):
                    mem_kb = int(text.split()[1])
    except OSError:
        pass
    os_name = platform.system()
    try:
        with open("/etc/os-release", encoding="utf-8") as handle:
            for text in handle:
                if text.startswith("PRETTY_NAME="):
                    os_name = text.split("=", 1)[1].strip().strip('"')
    except OSError:
        pass
    return {
        "cores": os.cpu_count(),
        "cpu_model": model,
        "memory_gib": mem_kb / 1024 / 1024,
        "kernel": platform.release(),
        "arch": platform.machine(),
        "os": os_name,
    }


def dpkg_version(package):
    text = run_command(["dpkg-query", "-W", "-f=${Version}", package])
    return text if text and "no packages found" not in text and "unavailable" not in text else "not installed"


def load_runs(path):
    runs = []
    with open(path, encoding="utf-8") as handle:
        for text in handle:
            text = text.strip()
            if text:
                runs.append(json.loads(text))
    return runs


def median(values):
    values = [v for v in values if v is not None]
    return statistics.median(values) if values else None


def num(value, digits=0):
    if value is None:
        return "–"
    if digits == 0:
        return "{:,.0f}".format(value)
    return "{:,.{d}f}".format(value, d=digits)


def mb(kilobytes):
    return None if kilobytes is None else kilobytes / 1024


def per_check_us(run):
    """Daemon CPU per check in microseconds (warm-up included on both sides, approximately)."""
    res = run.get("result")
    if not res or not run.get("wall_s") or not res.get("checks_per_s") or run.get("daemon_cpu_s") is None:
        return None
    return 1e6 * run["daemon_cpu_s"] / (res["checks_per_s"] * run["wall_s"])


def client_per_check_us(run):
    """The load client's CPU per check in microseconds, over the measured window."""
    res = run.get("result")
    if not res or not res.get("checks_per_s") or res.get("client_cpu_percent") is None:
        return None
    return res["client_cpu_percent"] * 1e4 / res["checks_per_s"]


def busy_percent(run, cores):
    res = run.get("result")
    if not res or run.get("daemon_cpu_percent") is None or not cores:
        return None
    return (res.get("client_cpu_percent", 0.0) + run["daemon_cpu_percent"]) / cores


def other_percent(run, cores):
    """Share of the machine that went neither to the client, nor to the daemon, nor to idle: other
    processes and kernel threads. A few percent normally; much more means another load ran."""
    busy, idle = busy_percent(run, cores), run.get("machine_idle_percent")
    if busy is None or idle is None:
        return None
    return max(0.0, 100.0 - busy - idle)


OTHER_LOAD_LIMIT = 10.0  # percent of the machine; above it a run is reported as possibly disturbed


def summarize(runs, cores):
    """Medians per (concurrency, wrong share, server), in first-seen scenario order."""
    order = []
    groups = {}
    for run in runs:
        scenario = (run["concurrency"], run["wrong_share"])
        if scenario not in order:
            order.append(scenario)
        groups.setdefault(scenario + (run["server"],), []).append(run)
    table = []
    for scenario in order:
        row = {"concurrency": scenario[0], "wrong_share": scenario[1]}
        for server in SERVERS:
            group = groups.get(scenario + (server,), [])
            results = [r["result"] for r in group if r.get("result")]
            row[server] = {
                "runs": group,
                "n": len(results),
                "problems": sum(1 for r in group if r["problems"]),
                "checks_per_s": median([r["checks_per_s"] for r in results]),
                "p50": median([r["latency_ms"]["p50"] for r in results]),
                "p99": median([r["latency_ms"]["p99"] for r in results]),
                "p999": median([r["latency_ms"]["p999"] for r in results]),
                "max": median([r["latency_ms"]["max"] for r in results]),
                "mean": median([r["latency_ms"].get("mean") for r in results]),
                "client_cpu": median([r.get("client_cpu_percent") for r in results]),
                "daemon_cpu": median([r.get("daemon_cpu_percent") for r in group if r.get("result")]),
                "us_per_check": median([per_check_us(r) for r in group]),
                "client_us": median([client_per_check_us(r) for r in group]),
                "busy": median([busy_percent(r, cores) for r in group]),
                "idle": median([r.get("machine_idle_percent") for r in group if r.get("result")]),
            }
        s = row["saslauthd"]["checks_per_s"]
        for server, key in (("authmux", "ratio"), ("floor", "floor_ratio")):
            other = row[server]["checks_per_s"]
            row[key] = (other / s) if s and other is not None else None
        table.append(row)
    return table


def flag(cell, stats):
    return cell + (" ⚠" if stats["problems"] else "")


def times(value):
    return ("%.2f×" % value) if value is not None else "–"


def span(values, digits=0, suffix=""):
    """'a–b' over the values that are known (one number when they round alike), or '–'."""
    values = [v for v in values if v is not None]
    if not values:
        return "–"
    low, high = num(min(values), digits), num(max(values), digits)
    return (low if low == high else "%s–%s" % (low, high)) + suffix


def three(row, key, digits=0):
    return " / ".join(num(row[server][key], digits) for server in SERVERS)


def limits_section(w, table, cores):
    """'What limits authmux here': only what this run's medians show, no profile behind it."""
    w("## What limits authmux here")
    w("")
    w("Computed by the script from this run's medians (no profile behind it). CPU per check is")
    w("user + system time divided by the checks answered: for the daemon, all its processes")
    w("together, warm-up included; for the load client, over the measured window. Machine busy is")
    w("client + daemon CPU in percent of all cores; machine idle is the whole machine's idle time")
    w("(/proc/stat, iowait included) over the same runs; the rest went to other processes and")
    w("kernel threads. At a target concurrency, the CPU available per check at 2× saslauthd's")
    w("checks/s is %s cores × 10⁶ µs / (2 × saslauthd's checks/s), for the client and the daemon" % cores)
    w("together (other processes and kernel work outside them come on top, so it is an upper")
    w("bound); what is left for authmuxd subtracts the least the client spent per check in any run")
    w("of that scenario.")
    w("")
    w("| concurrency | wrong passwords | daemon CPU µs per check (saslauthd / authmux / floor) | client CPU µs per check (in saslauthd / authmux / floor runs) | machine busy % (saslauthd / authmux / floor) | machine idle % (saslauthd / authmux / floor) | CPU µs per check available at 2× saslauthd | of which left for authmuxd |")
    w("|---:|---:|---:|---:|---:|---:|---:|---:|")
    budgets = []
    for row in table:
        s, a = row["saslauthd"], row["authmux"]
        budget = left = client = None
        if row["concurrency"] in TARGET_RATIO_CONCURRENCIES and s["checks_per_s"] and cores:
            budget = cores * 1e6 / (TARGET_RATIO * s["checks_per_s"])
            clients = [row[x]["client_us"] for x in SERVERS if row[x]["client_us"] is not None]
            if clients:
                client = min(clients)
                left = budget - client
            budgets.append((row, budget, client, left))
        w("| %d | %s | %s | %s | %s | %s | %s | %s |" % (
            row["concurrency"], fmt_share(row["wrong_share"]), three(row, "us_per_check", 1),
            three(row, "client_us", 1), three(row, "busy"), three(row, "idle"), num(budget, 1), num(left, 1)))
    w("")

    for conc in sorted({row["concurrency"] for row in table}):
        rows = [row for row in table if row["concurrency"] == conc
                and row["authmux"]["us_per_check"] is not None and row["saslauthd"]["us_per_check"] is not None]
        if not rows:
            continue
        text = "- **Daemon CPU per check, c=%d:** authmuxd %s µs, saslauthd %s µs" % (
            conc, span([row["authmux"]["us_per_check"] for row in rows], 1),
            span([row["saslauthd"]["us_per_check"] for row in rows], 1))
        floors = [row for row in rows if row["floor"]["us_per_check"] is not None]
        if floors:
            text += ", the floor %s µs" % span([row["floor"]["us_per_check"] for row in floors], 1)
        text += " (%s wrong): authmuxd's is %s saslauthd's" % (
            " and ".join(fmt_share(row["wrong_share"]) for row in rows),
            span([row["authmux"]["us_per_check"] / row["saslauthd"]["us_per_check"] for row in rows if row["saslauthd"]["us_per_check"]], 2, "×"))
        if floors:
            text += ("; above the floor's, which only accepts, reads, writes and closes, authmuxd spends %s µs"
                     " and saslauthd %s µs" % (
                         span([row["authmux"]["us_per_check"] - row["floor"]["us_per_check"] for row in floors], 1),
                         span([row["saslauthd"]["us_per_check"] - row["floor"]["us_per_check"] for row in floors], 1)))
        w(text + ".")
    clients_a = [(row["authmux"]["client_us"], row["authmux"]["us_per_check"]) for row in table
                 if row["authmux"]["client_us"] is not None and row["authmux"]["us_per_check"] is not None]
    if clients_a:
        w("- **The load client** (one blocking thread per simulated client) used, per check, %s µs of CPU"
          " in the saslauthd runs, %s µs in the authmux runs and %s µs in the floor runs; in the authmux"
          " runs that was %s of the client + daemon CPU per check." % (
              span([row["saslauthd"]["client_us"] for row in table], 1), span([row["authmux"]["client_us"] for row in table], 1),
              span([row["floor"]["client_us"] for row in table], 1),
              span([100.0 * c / (c + d) for c, d in clients_a if c + d > 0], 0, " %")))
    for conc in sorted({row["concurrency"] for row in table}):
        rows = [row for row in table if row["concurrency"] == conc]
        busy = [row["authmux"]["busy"] for row in rows]
        if all(b is None for b in busy):
            continue
        idle = [row["authmux"]["idle"] for row in rows]
        others = "saslauthd runs %s, floor runs %s" % (
            span([row["saslauthd"]["busy"] for row in rows], 0, " %"), span([row["floor"]["busy"] for row in rows], 0, " %"))
        idle_known = all(i is not None for i in idle)
        idle_text = ""
        if idle_known:
            idle_text = "; the machine was idle %s of the time (saslauthd runs %s, floor runs %s)" % (
                span(idle, 0, " %"), span([row["saslauthd"]["idle"] for row in rows], 0, " %"),
                span([row["floor"]["idle"] for row in rows], 0, " %"))
        if conc == 1:
            w("- **Machine, c=1:** client + daemon used %s of the cores in the authmux runs%s. With one"
              " request in flight, checks/s is one over the round trip (mean %s ms for authmux, %s ms for"
              " saslauthd, %s ms for the floor), which adds both sides' CPU per check and the wake-ups"
              " between them." % (
                  span(busy, 0, " %"), idle_text, span([row["authmux"]["mean"] for row in rows], 3),
                  span([row["saslauthd"]["mean"] for row in rows], 3), span([row["floor"]["mean"] for row in rows], 3)))
        elif idle_known and all(i < 5 for i in idle):
            w("- **Machine, c=%d:** client + daemon used %s of the cores in the authmux runs (%s)%s: the"
              " cores were busy, so checks/s there is set by CPU per check, the client's and the daemon's"
              " (and whatever else ran) together." % (conc, span(busy, 0, " %"), others, idle_text))
        elif idle_known:
            w("- **Machine, c=%d:** client + daemon used %s of the cores in the authmux runs (%s)%s. With"
              " %d requests in flight, idle cores mean that requests waited on something other than CPU:"
              " CPU per check alone does not set authmux's checks/s there." % (
                  conc, span(busy, 0, " %"), others, idle_text, conc))
        elif all(b is not None and round(b) >= 90 for b in busy):
            w("- **Machine, c=%d:** client + daemon used %s of the cores in the authmux runs (%s): the"
              " cores were (nearly) full, so checks/s there is set by the client's and the daemon's CPU"
              " per check together." % (conc, span(busy, 0, " %"), others))
        else:
            w("- **Machine, c=%d:** client + daemon used %s of the cores in the authmux runs (%s)." % (
                conc, span(busy, 0, " %"), others))
    for row, budget, client, left in budgets:
        a = row["authmux"]["us_per_check"]
        where = "c=%d, %s wrong" % (row["concurrency"], fmt_share(row["wrong_share"]))
        head = ("- **2× at %s** = %s checks/s: %s µs of CPU per check for client and daemon together" % (
            where, num(TARGET_RATIO * row["saslauthd"]["checks_per_s"]), num(budget, 1)))
        if left is None:
            w(head + "; the client's cost is unknown.")
        elif left <= 0:
            w(head + "; the client alone used %s µs, so no server reaches 2× here with this client on this"
                     " machine (the floor reached %s)." % (num(client, 1), times(row["floor_ratio"])))
        elif a is None:
            w(head + "; %s µs are left for authmuxd." % num(left, 1))
        elif a > left:
            w(head + "; after the client's %s µs, %s µs are left for authmuxd, which used %s µs: it would have to"
                     " spend %.0f %% less per check, if the client's cost per check stayed as measured"
                     " (the floor reached %s)." % (
                         num(client, 1), num(left, 1), num(a, 1), 100.0 * (a - left) / a, times(row["floor_ratio"])))
        elif row["ratio"] is not None and row["ratio"] >= TARGET_RATIO:
            w(head + "; after the client's %s µs, %s µs are left for authmuxd, which used %s µs: it fits, and"
                     " the run measured %s." % (num(client, 1), num(left, 1), num(a, 1), times(row["ratio"])))
        else:
            w(head + "; after the client's %s µs, %s µs are left for authmuxd, which used %s µs: its CPU per check"
                     " fits, so CPU alone does not explain a ratio of %s." % (
                         num(client, 1), num(left, 1), num(a, 1), times(row["ratio"])))
    w("")
    # Profile findings are written by hand in bench/profile-notes.md (a profile is not part of
    # every run), and carried into each new BENCHMARKS.md so a rerun does not lose them.
    notes_path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "profile-notes.md")
    if os.path.exists(notes_path):
        with open(notes_path, encoding="utf-8") as notes:
            body = [line for line in notes.read().splitlines() if not line.startswith("<!--")]
        for line in body:
            w(line)
    else:
        w("<!-- profile notes -->")
    w("")


def carried_sections(path):
    """The `<!-- BEGIN section … -->` … `<!-- END section … -->` blocks of the existing file."""
    if not os.path.exists(path):
        return []
    blocks, current = [], None
    with open(path, encoding="utf-8") as handle:
        for line in handle.read().splitlines():
            if line.startswith("<!-- BEGIN section "):
                current = [line]
            elif current is not None:
                current.append(line)
                if line.startswith("<!-- END section "):
                    blocks.extend([""] + current)
                    current = None
    return blocks


def cmd_report(args):
    runs = load_runs(args.results)
    with open(args.rss, encoding="utf-8") as handle:
        rss = json.load(handle)
    machine = machine_facts()
    cores = machine["cores"]
    table = summarize(runs, cores)
    problems = [r for r in runs if r["problems"]]

    # The checkout as it was built at the start of the run (run.sh passes it), not as it is now.
    commit = args.commit or run_command(["git", "-C", args.repo, "rev-parse", "HEAD"])
    describe = args.describe or run_command(["git", "-C", args.repo, "describe", "--always", "--dirty", "--tags"])
    swift_version = run_command([args.swift, "--version"]).splitlines()
    swift_version = swift_version[0] if swift_version else "unknown"
    sasl_version = " ".join(run_command([args.saslauthd_bin, "-v"]).split())
    cc_version = run_command(["cc", "--version"]).splitlines()
    cc_version = cc_version[0] if cc_version else "unknown"

    def tidy(text):
        """Machine-specific paths out of the commands: the temporary folder and the checkout."""
        if args.tmp:
            text = text.replace(args.tmp.rstrip("/"), "$TMP")
        return text.replace(args.repo.rstrip("/") + "/", "./")

    rounds = "%d round%s" % (args.rounds, "" if args.rounds == 1 else "s")
    out = []
    w = out.append
    w("# Benchmarks: authmux against Cyrus saslauthd")
    w("")
    w("Written by `make bench` (bench/run.sh) on %s. **The ratios are what matter, not the absolute" % args.date)
    w("numbers**: the servers and the load client share one small, noisy machine, so only figures")
    w("measured in the same run, in alternation, are compared. Beside saslauthd and authmux runs the")
    w("*floor* of this protocol: a C server that answers OK without checking anything (see")
    w("[Method](#method)), which shows how far above saslauthd a server can get on this machine with")
    w("this client.")
    w("")
    if args.source_changed:
        w("> **Note: the sources changed while this run measured** (a commit or an edit under Sources/ or")
        w("> in Package.swift). The figures are for the binaries built at the start, from `%s`." % describe)
        w("")
    if problems:
        w("> **⚠ %d run(s) had errors, unexpected answers or failed; they are listed under" % len(problems))
        w("> [Problems](#problems) and marked ⚠ in the tables. Runs that still gave figures are in")
        w("> the medians; runs that gave none are left out of them.**")
        w("")

    w("## Summary (medians of %s of %g s each)" % (rounds, args.duration))
    w("")
    w("| concurrency | wrong passwords | saslauthd checks/s | authmux checks/s | authmux / saslauthd | floor checks/s | floor / saslauthd | saslauthd p99 ms | authmux p99 ms | floor p99 ms | daemon CPU µs per check (saslauthd / authmux / floor) | client CPU % (saslauthd / authmux / floor) | machine busy % (saslauthd / authmux / floor) |")
    w("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for row in table:
        s, a, f = row["saslauthd"], row["authmux"], row["floor"]
        w("| %d | %s | %s | %s | **%s** | %s | %s | %s | %s | %s | %s | %s | %s |" % (
            row["concurrency"], fmt_share(row["wrong_share"]),
            flag(num(s["checks_per_s"]), s), flag(num(a["checks_per_s"]), a), times(row["ratio"]),
            flag(num(f["checks_per_s"]), f), times(row["floor_ratio"]),
            num(s["p99"], 3), num(a["p99"], 3), num(f["p99"], 3),
            three(row, "us_per_check", 1), three(row, "client_cpu", 1), three(row, "busy")))
    w("")
    w("Client CPU is the load client's, in percent of one core; it runs one blocking thread per")
    w("simulated client, so it can use several cores (up to %d %% here). Daemon CPU per check is the" % (100 * (cores or 1)))
    w("daemon's user + system time (all saslauthd processes together; all floor processes together)")
    w("divided by the checks answered, warm-up included. Machine busy is client + daemon CPU in")
    w("percent of all %s cores: near 100 they compete for the cores, and checks/s then measure the" % cores)
    w("pair, while CPU per check still compares the daemons.")
    saturated = ["c=%d/%s (%s)" % (row["concurrency"], fmt_share(row["wrong_share"]),
                                   ", ".join(x for x in SERVERS if round(row[x]["busy"] or 0) >= 90))
                 for row in table if any(round(row[x]["busy"] or 0) >= 90 for x in SERVERS)]
    if saturated:
        w("")
        w("**Note:** the machine was at least 90 %% busy in %s." % ", ".join(saturated))
    disturbed = {}
    for run in runs:
        other = other_percent(run, cores)
        if other is not None and other > OTHER_LOAD_LIMIT:
            key = "c=%d/%s round %d" % (run["concurrency"], fmt_share(run["wrong_share"]), run["round"])
            disturbed.setdefault(key, []).append("%s %.0f %%" % (run["server"], other))
    if disturbed:
        w("")
        w("**Note: possibly disturbed runs.** In these, more than %.0f %% of the machine went neither to the" % OTHER_LOAD_LIMIT)
        w("load client, nor to the daemon, nor to idle (other processes or kernel threads; a few percent")
        w("is usual): %s. Compare their rounds with care." % "; ".join(
            "%s (%s)" % (key, ", ".join(values)) for key, values in disturbed.items()))
    w("")

    # Targets of issue 3, and where the floor stands at the same concurrencies.
    w("### Against the targets of issue 3")
    w("")
    w("| target | measured | met |")
    w("|---|---|:-:|")
    for conc in TARGET_RATIO_CONCURRENCIES:
        rows = [row for row in table if row["concurrency"] == conc]
        if not rows:
            continue
        for row in rows:
            ratio = row["ratio"]
            w("| ≥ %.0f× saslauthd's checks/s, c=%d, %s wrong | %s | %s |" % (
                TARGET_RATIO, row["concurrency"], fmt_share(row["wrong_share"]), times(ratio),
                "yes" if ratio is not None and ratio >= TARGET_RATIO else "**no**"))
            sp, ap = row["saslauthd"]["p99"], row["authmux"]["p99"]
            w("| lower p99 than saslauthd, c=%d, %s wrong | %s ms vs %s ms | %s |" % (
                row["concurrency"], fmt_share(row["wrong_share"]), num(ap, 3), num(sp, 3),
                "yes" if ap is not None and sp is not None and ap < sp else "**no**"))
        floor = [row["floor_ratio"] for row in rows]
        known = [r for r in floor if r is not None]
        if not known:
            verdict = "not measured"
        elif all(r >= TARGET_RATIO for r in known):
            verdict = "the floor is above %.0f× here, so the protocol itself does not rule it out" % TARGET_RATIO
        elif all(r < TARGET_RATIO for r in known):
            verdict = "even the floor, which checks nothing, stays below %.0f× on this machine" % TARGET_RATIO
        else:
            verdict = "the floor is on both sides of %.0f×" % TARGET_RATIO
        w("| for reference: the floor's checks/s ÷ saslauthd's, c=%d | %s: %s | n/a |" % (
            conc, ", ".join("%s at %s wrong" % (times(row["floor_ratio"]), fmt_share(row["wrong_share"])) for row in rows),
            verdict))
    peak = mb(rss["authmux"]["max_vm_hwm_kb"])
    w("| authmuxd peak RSS < %.0f MB | %s MB | %s |" % (
        TARGET_RSS_MB, num(peak, 1), "yes" if peak and peak < TARGET_RSS_MB else "**no**"))
    w("")

    limits_section(w, table, cores)

    w("## Peak memory over the whole run")
    w("")
    w("Read from /proc/PID/status (VmHWM = peak resident set, VmRSS = resident now) and")
    w("/proc/PID/smaps_rollup (Pss = resident with shared pages split between the processes that")
    w("share them) just before the daemons were stopped. saslauthd `-n 5` is a master plus four")
    w("forked children, all five accepting requests.")
    w("")
    w("| daemon | processes | peak RSS (largest VmHWM) | sum of VmHWM | sum of VmRSS at the end | sum of Pss at the end |")
    w("|---|---:|---:|---:|---:|---:|")
    for key, label in (("saslauthd", "Cyrus saslauthd"), ("authmux", "authmuxd")):
        r = rss[key]
        w("| %s | %d | %s MB | %s MB | %s MB | %s MB |" % (
            label, r["count"], num(mb(r["max_vm_hwm_kb"]), 1), num(mb(r["sum_vm_hwm_kb"]), 1),
            num(mb(r["sum_vm_rss_kb"]), 1), num(mb(r["sum_pss_kb"]), 1)))
    w("")
    sasl_procs = rss["saslauthd"]["processes"]
    if sasl_procs:
        w("saslauthd per process (VmHWM / VmRSS MB): " + ", ".join(
            "%d: %s / %s" % (p["pid"], num(mb(p["vm_hwm_kb"]), 1), num(mb(p["vm_rss_kb"]), 1)) for p in sasl_procs) + ".")
        w("")

    w("## Every run")
    w("")
    w("Rounds alternate saslauthd, authmux and the floor (A B C A B C …) within each scenario. Daemon")
    w("CPU is the daemon's user + system time over the whole `authtest bench` call (warm-up included),")
    w("in percent of one core; the machine has %s cores for the daemon and the load client together." % cores)
    w("Machine idle is the whole machine's idle time (/proc/stat) over the same call; other load is what")
    w("is left of the machine after client, daemon and idle (other processes, kernel threads), in bold")
    w("above %.0f %%." % OTHER_LOAD_LIMIT)
    w("† The floor answers OK to wrong passwords too: those OKs are counted as unexpected answers")
    w("(and make `authtest bench` exit 1), which for the floor is expected and not a problem.")
    w("")
    for row in table:
        w("### Concurrency %d, %s wrong passwords" % (row["concurrency"], fmt_share(row["wrong_share"])))
        w("")
        w("| server | round | checks/s | OK | NO | errors | unexpected | p50 ms | p90 ms | p99 ms | p99.9 ms | max ms | client CPU % | daemon CPU % | daemon µs/check | client µs/check | machine idle % | other load % |")
        w("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
        runs_here = sorted((run for server in SERVERS for run in row[server]["runs"]),
                           key=lambda r: (r["round"], SERVERS.index(r["server"])))
        for run in runs_here:
            res = run.get("result")
            mark = " ⚠" if run["problems"] else ""
            if not res:
                w("| %s%s | %d | failed | | | | | | | | | | | | | | | |" % (run["server"], mark, run["round"]))
                continue
            lat = res["latency_ms"]
            other = other_percent(run, cores)
            w("| %s%s | %d | %s | %d | %d | %d | %d%s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |" % (
                run["server"], mark, run["round"], num(res["checks_per_s"]), res["ok"], res["no"], res["errors"], res["unexpected"],
                " †" if run.get("unexpected_expected") else "",
                num(lat["p50"], 3), num(lat["p90"], 3), num(lat["p99"], 3), num(lat["p999"], 3), num(lat["max"], 3),
                num(res.get("client_cpu_percent"), 1), num(run.get("daemon_cpu_percent"), 1), num(per_check_us(run), 1),
                num(client_per_check_us(run), 1), num(run.get("machine_idle_percent")),
                ("**%s**" % num(other)) if other is not None and other > OTHER_LOAD_LIMIT else num(other)))
        for server in SERVERS:
            m = row[server]
            if not m["runs"]:
                continue
            w("| **median %s** | | %s | | | | | %s | | %s | %s | %s | %s | %s | %s | %s | | |" % (
                LABELS[server], num(m["checks_per_s"]), num(m["p50"], 3), num(m["p99"], 3), num(m["p999"], 3), num(m["max"], 3),
                num(m["client_cpu"], 1), num(m["daemon_cpu"], 1), num(m["us_per_check"], 1), num(m["client_us"], 1)))
        w("")

    if problems:
        w("## Problems")
        w("")
        for run in problems:
            w("- %s, concurrency %d, %s wrong, round %d: %s%s" % (
                run["server"], run["concurrency"], fmt_share(run["wrong_share"]), run["round"], "; ".join(run["problems"]),
                (" (first error: `%s`)" % run["first_error"]) if run.get("first_error") else ""))
        w("")

    w("## Machine and versions")
    w("")
    w("| what | value |")
    w("|---|---|")
    w("| date | %s |" % args.date)
    w("| CPU | %s × %s (%s) |" % (cores, machine["cpu_model"], machine["arch"]))
    w("| memory | %.1f GiB |" % machine["memory_gib"])
    w("| OS, kernel | %s, Linux %s |" % (machine["os"], machine["kernel"]))
    w("| authmux | `%s` (commit %s), as built at the start of the run%s |" % (
        describe, commit, "; **the sources changed during the run**" if args.source_changed else ""))
    w("| Swift | %s |" % swift_version)
    w("| Cyrus saslauthd | `%s` (Debian sasl2-bin %s) |" % (sasl_version, dpkg_version("sasl2-bin")))
    w("| saslpasswd2, libsasl2 | libsasl2-2 %s |" % dpkg_version("libsasl2-2"))
    w("| Berkeley DB | libdb5.3 %s |" % dpkg_version("libdb5.3"))
    w("| floor server | bench/floor-server.c, %s |" % cc_version)
    w("| syslog socket /dev/log | %s |" % ("present" if os.path.exists("/dev/log") else
        "absent: saslauthd's per-failure syslog lines are dropped (a failed connect each)"))
    w("")

    w("## Method")
    w("")
    w("- Users: %d generated with the real `saslpasswd2 -f DB -p -c -u %s benchN` (password `pw-benchN` on" % (args.users, args.realm))
    w("  standard input), one call per user, into one Berkeley DB file that saslauthd and authmux read.")
    w("- Cyrus saslauthd reads only its compiled-in sasldb path (`/etc/sasldb2`): its sasldb mechanism")
    w("  never passes a `sasldb_path` option to the database code, and `-O` is not used by it. So it")
    w("  runs in a private mount namespace in which the generated file is mounted as `/etc/sasldb2`")
    w("  (a bind mount; an overlay on /etc where the host has no such file); the host's file is")
    w("  untouched. Started in its default daemon mode (no `-d`, no `-c`), logging to syslog:")
    w("")
    w("  ```")
    w("  %s" % tidy(args.saslauthd_cmd))
    w("  ```")
    w("- authmuxd, release build, logging one line per check to a file (its normal cost):")
    w("")
    w("  ```")
    w("  %s" % tidy(args.authmuxd_cmd))
    w("  ```")
    w("")
    w("  with this configuration:")
    w("")
    w("  ```yaml")
    with open(args.config, encoding="utf-8") as handle:
        for text in handle.read().rstrip().splitlines():
            w("  " + tidy(text))
    w("  ```")
    w("- The floor of this protocol: `bench/floor-server.c`, %d forked processes (as many as" % args.floor_procs)
    w("  saslauthd's) accepting on one socket, each reading one request and answering OK without")
    w("  looking at it, then closing. No server that checks a password can answer faster on this")
    w("  machine with this client, so its checks/s show how far above saslauthd any server can get")
    w("  here (DESIGN.md, \"Performance\"), and its CPU per check is what the protocol alone costs a")
    w("  server (accept, read, write, close). It answers OK to wrong passwords too, which the load")
    w("  client counts as unexpected answers; for the floor they are expected and not a problem.")
    if args.floor_cmd:
        w("")
        w("  ```")
        if args.floor_build_cmd:
            w("  %s" % tidy(args.floor_build_cmd))
        w("  %s" % tidy(args.floor_cmd))
        w("  ```")
    w("- Before measuring, saslauthd and authmux answered OK for a bench user and NO for a wrong")
    w("  password (`testsaslauthd` for saslauthd, `authtest` for authmux); the floor answered OK to both.")
    w("- Load: one `authtest bench` client (release build) with **one blocking thread per simulated")
    w("  client** (c threads at concurrency c), each doing connect, write, read, close for every request")
    w("  exactly as libsasl2's client does: **one connection per request**, and a full listen backlog")
    w("  makes connect wait, as it does for libsasl2. Users are picked at random from the %d (a wrong" % args.users)
    w("  password is the right one with a suffix), %g s warm-up then %g s measured, per run:" % (args.warmup, args.duration))
    w("")
    w("  ```")
    w("  %s" % tidy(args.authtest_cmd))
    w("  ```")
    w("- Scenarios: concurrency %s × wrong-password share %s; in each, %s of saslauthd, authmux" % (
        ", ".join(str(c) for c in args.concurrencies), " and ".join(fmt_share(s) for s in args.shares), rounds))
    w("  and the floor in alternation (A B C A B C …), the same seed for all three in a round. Medians")
    w("  over the rounds.")
    w("- Runs with errors or unexpected answers (an OK where NO was due or the reverse; for the floor,")
    w("  a NO or an error) are not dropped: they are marked ⚠ and listed.")
    w("- Loopback only: Unix sockets in a temporary folder.")
    w("- Raw results: `var/bench-results/%s.jsonl` (one JSON object per run; not committed)." % args.stamp)
    w("")

    # Sections written by the other benchmark scripts (bench/pam.sh…) are carried over, so
    # each script can be rerun alone without losing the others' figures.
    out.extend(carried_sections(args.out))

    with open(args.out, "w", encoding="utf-8") as handle:
        handle.write("\n".join(out) + "\n")

    # The same summary on the console.
    print()
    print("%-6s %-7s %12s %12s %8s %12s %8s %10s %10s %10s" % (
        "conc.", "wrong", "saslauthd/s", "authmux/s", "ratio", "floor/s", "floor", "p99 sasl", "p99 mux", "p99 floor"))
    for row in table:
        s, a, f = row["saslauthd"], row["authmux"], row["floor"]
        print("%-6d %-7s %12s %12s %8s %12s %8s %10s %10s %10s%s" % (
            row["concurrency"], fmt_share(row["wrong_share"]), num(s["checks_per_s"]), num(a["checks_per_s"]),
            ("%.2fx" % row["ratio"]) if row["ratio"] is not None else "-", num(f["checks_per_s"]),
            ("%.2fx" % row["floor_ratio"]) if row["floor_ratio"] is not None else "-",
            num(s["p99"], 3), num(a["p99"], 3), num(f["p99"], 3),
            "   <-- PROBLEMS" if s["problems"] or a["problems"] or f["problems"] else ""))
    print()
    print("daemon CPU us per check (saslauthd / authmux / floor), client us per check (same order):")
    for row in table:
        print("  c=%-3d %-4s  daemon %s   client %s" % (
            row["concurrency"], fmt_share(row["wrong_share"]), three(row, "us_per_check", 1), three(row, "client_us", 1)))
    return 0


# ---------------------------------------------------------------------------------------------
# cache-report

def cmd_cache_report(args):
    """Medians of checks/s per concurrency for saslauthd -c and authmux with its cache, on one
    user (every check after the first is a cache hit on both sides), as a section of its own."""
    runs = load_runs(args.results) if os.path.exists(args.results) else []
    problems = [run for run in runs if run.get("problems")]
    lines = [CACHE_MARK_START, "", "## Cached checks: authmux's credential cache against `saslauthd -c`", ""]
    lines.append("Measured %s on %s (%s), %d round(s) of %g s after %g s of warm-up, the servers in "
                 "alternation. Every request asks for the same user, `%s`, with the right password, so"
                 " after the first check every answer comes from each server's cache." % (
                     args.date, platform.node() or "this machine", args.describe or "this build", args.rounds,
                     args.duration, args.warmup, args.user))
    lines += ["", "| concurrency | saslauthd -c checks/s | authmux cache checks/s | ratio | target | floor checks/s | floor / saslauthd -c "
              "| authmux / floor | p99 ms saslauthd / authmux / floor |",
              "|---|---|---|---|---|---|---|---|---|"]
    verdicts = []
    floor_ratios = []
    for conc in args.concurrencies:
        row = {}
        for server in CACHED_SERVERS:
            group = [run for run in runs if run["server"] == server and run["concurrency"] == conc and run.get("result")]
            row[server] = (median([run["result"]["checks_per_s"] for run in group]),
                           median([run["result"].get("latency_ms", {}).get("p99") for run in group]))
        s_rate, a_rate, f_rate = row["saslauthd-c"][0], row["authmux-c"][0], row["floor"][0]
        ratio = a_rate / s_rate if s_rate and a_rate else None
        floor_ratio = f_rate / s_rate if s_rate and f_rate else None
        floor_ratios.append((conc, floor_ratio))
        met = ratio is not None and ratio >= TARGET_RATIO
        verdicts.append(met)
        lines.append("| %d | %s | %s | %s | %s | %s | %s | %s | %s / %s / %s |" % (
            conc, num(s_rate), num(a_rate), times(ratio), "≥ %g× %s" % (TARGET_RATIO, "met" if met else "**missed**"),
            num(f_rate), times(floor_ratio), times(a_rate / f_rate if a_rate and f_rate else None),
            num(row["saslauthd-c"][1], 3), num(row["authmux-c"][1], 3), num(row["floor"][1], 3)))
    lines.append("")
    below = [(conc, r) for conc, r in floor_ratios if r is not None and r < TARGET_RATIO]
    if below:
        lines.append("The floor (`bench/floor-server.c`: accepts, reads, answers OK without checking anything, in %d"
                     " processes) reached only %s saslauthd -c's checks/s at %s clients in this run: on this machine no"
                     " server, however little it does per check, answers %g× as many checks as saslauthd -c there." % (
                         args.floor_procs, " and ".join(times(r) for _, r in below), " and ".join(str(c) for c, _ in below), TARGET_RATIO))
        lines.append("")
    if args.check_lines >= 0:
        lines.append("authmuxd logged %s check lines during these runs, %s of them `cached=yes` (the rest are the"
                     " first check of the run and any check that found the entry being written)." % (
                         num(args.check_lines), num(args.hit_lines)))
        lines.append("")
    lines += ["Commands:", "", "```", args.saslauthd_cmd, args.authmuxd_cmd, args.authtest_cmd, "```", "",
              "authmuxd configuration:", "", "```yaml"]
    with open(args.config, encoding="utf-8") as handle:
        lines += handle.read().rstrip("\n").splitlines()
    lines += ["```", ""]
    if problems:
        lines.append("Problems:")
        lines.append("")
        for run in problems:
            lines.append("- %s c=%d round %d: %s" % (run["server"], run["concurrency"], run["round"], "; ".join(run["problems"])))
        lines.append("")
    lines.append(CACHE_MARK_END)
    section = "\n".join(lines) + "\n"

    try:
        with open(args.out, encoding="utf-8") as handle:
            text = handle.read()
    except OSError:
        text = "# Benchmarks\n"
    start, end = text.find(CACHE_MARK_START), text.find(CACHE_MARK_END)
    if start >= 0 and end > start:
        text = text[:start] + section + text[end + len(CACHE_MARK_END):].lstrip("\n")
    else:
        text = text.rstrip("\n") + "\n\n" + section
    with open(args.out, "w", encoding="utf-8") as handle:
        handle.write(text)
    for conc, met in zip(args.concurrencies, verdicts):
        print("cache scenario c=%d: target %s" % (conc, "met" if met else "MISSED"))
    return 3 if problems else 0


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)

    rec = sub.add_parser("record")
    rec.add_argument("--out", required=True)
    rec.add_argument("--server", required=True, choices=SERVERS + CACHED_SERVERS)
    rec.add_argument("--concurrency", type=int, required=True)
    rec.add_argument("--wrong-share", type=float, required=True)
    rec.add_argument("--round", type=int, required=True)
    rec.add_argument("--exit-code", type=int, required=True)
    rec.add_argument("--stdout-file", required=True)
    rec.add_argument("--stderr-file", required=True)
    rec.add_argument("--wall", type=float, required=True)
    rec.add_argument("--daemon-cpu", type=float, required=True)
    rec.add_argument("--daemon-alive", type=int, required=True)
    rec.add_argument("--machine-idle", type=float, default=None)

    rss = sub.add_parser("rss")
    rss.add_argument("--authmuxd", type=int, default=0)
    rss.add_argument("--saslauthd", type=int, default=0)
    rss.add_argument("--out", required=True)

    rep = sub.add_parser("report")
    rep.add_argument("--results", required=True)
    rep.add_argument("--rss", required=True)
    rep.add_argument("--out", required=True)
    rep.add_argument("--repo", required=True)
    rep.add_argument("--tmp", default="")
    rep.add_argument("--date", required=True)
    rep.add_argument("--stamp", required=True)
    rep.add_argument("--rounds", type=int, required=True)
    rep.add_argument("--duration", type=float, required=True)
    rep.add_argument("--warmup", type=float, required=True)
    rep.add_argument("--users", type=int, required=True)
    rep.add_argument("--realm", required=True)
    rep.add_argument("--concurrencies", type=int, nargs="+", required=True)
    rep.add_argument("--shares", type=float, nargs="+", required=True)
    rep.add_argument("--config", required=True)
    rep.add_argument("--swift", default="swift")
    rep.add_argument("--saslauthd-bin", default="/usr/sbin/saslauthd")
    rep.add_argument("--saslauthd-cmd", required=True)
    rep.add_argument("--authmuxd-cmd", required=True)
    rep.add_argument("--authtest-cmd", required=True)
    rep.add_argument("--floor-build-cmd", default="")
    rep.add_argument("--floor-cmd", default="")
    rep.add_argument("--floor-procs", type=int, default=5)
    rep.add_argument("--commit", default="")
    rep.add_argument("--describe", default="")
    rep.add_argument("--source-changed", type=int, default=0)

    cache = sub.add_parser("cache-report")
    cache.add_argument("--results", required=True)
    cache.add_argument("--out", required=True)
    cache.add_argument("--date", required=True)
    cache.add_argument("--rounds", type=int, required=True)
    cache.add_argument("--duration", type=float, required=True)
    cache.add_argument("--warmup", type=float, required=True)
    cache.add_argument("--concurrencies", type=int, nargs="+", required=True)
    cache.add_argument("--user", required=True)
    cache.add_argument("--saslauthd-cmd", required=True)
    cache.add_argument("--authmuxd-cmd", required=True)
    cache.add_argument("--config", required=True)
    cache.add_argument("--authtest-cmd", required=True)
    cache.add_argument("--hit-lines", type=int, default=-1)
    cache.add_argument("--check-lines", type=int, default=-1)
    cache.add_argument("--describe", default="")
    cache.add_argument("--floor-procs", type=int, default=5)

    args = parser.parse_args()
    handler = {"record": cmd_record, "rss": cmd_rss, "report": cmd_report, "cache-report": cmd_cache_report}[args.command]
    return handler(args)


if __name__ == "__main__":
    sys.exit(main())
