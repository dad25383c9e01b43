#!/usr/bin/env python3
"""Helper of bench/run.sh (Python 3 standard library only).

Subcommands:
  record  wrap one `authtest bench --json` result (or its failure) into a JSON line
  rss     read peak and current memory of the daemons from /proc, before they are stopped
  report  turn the JSON lines and the run's facts into BENCHMARKS.md
"""

import argparse
import datetime
import json
import os
import platform
import statistics
import subprocess
import sys

SERVERS = ("saslauthd", "authmux")

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
        if args.exit_code != 0:
            line["problems"].append("authtest bench exited %d" % args.exit_code)
        if result.get("errors", 0) > 0:
            line["problems"].append("%d errors" % result["errors"])
        if result.get("unexpected", 0) > 0:
            line["problems"].append("%d unexpected answers" % result["unexpected"])
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
        print("  %s: %8.0f checks/s  p99 %7.3f ms  client CPU %5.1f%%  daemon CPU %5.1f%%  (OK %d, NO %d, errors %d, unexpected %d)" % (
            label, result["checks_per_s"], lat.get("p99", 0.0), result.get("client_cpu_percent", 0.0),
            line["daemon_cpu_percent"] or 0.0, result.get("ok", 0), result.get("no", 0),
            result.get("errors", 0), result.get("unexpected", 0)), flush=True)
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


def busy_percent(run, cores):
    res = run.get("result")
    if not res or run.get("daemon_cpu_percent") is None or not cores:
        return None
    return (res.get("client_cpu_percent", 0.0) + run["daemon_cpu_percent"]) / cores


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
                "client_cpu": median([r.get("client_cpu_percent") for r in results]),
                "daemon_cpu": median([r.get("daemon_cpu_percent") for r in group if r.get("result")]),
                "us_per_check": median([per_check_us(r) for r in group]),
                "busy": median([busy_percent(r, cores) for r in group]),
            }
        a, b = row["saslauthd"]["checks_per_s"], row["authmux"]["checks_per_s"]
        row["ratio"] = (b / a) if a and b is not None else None
        table.append(row)
    return table


def flag(cell, stats):
    return cell + (" ⚠" if stats["problems"] else "")


def cmd_report(args):
    runs = load_runs(args.results)
    with open(args.rss, encoding="utf-8") as handle:
        rss = json.load(handle)
    machine = machine_facts()
    table = summarize(runs, machine["cores"])
    problems = [r for r in runs if r["problems"]]

    commit = run_command(["git", "-C", args.repo, "rev-parse", "HEAD"])
    describe = run_command(["git", "-C", args.repo, "describe", "--always", "--dirty", "--tags"])
    swift_version = run_command([args.swift, "--version"]).splitlines()
    swift_version = swift_version[0] if swift_version else "unknown"
    sasl_version = " ".join(run_command([args.saslauthd_bin, "-v"]).split())

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
    w("numbers**: both servers and the load client share one small, noisy machine, so only figures")
    w("measured in the same run, in alternation, are compared.")
    w("")
    if problems:
        w("> **⚠ %d run(s) had errors, unexpected answers or failed; they are listed under" % len(problems))
        w("> [Problems](#problems) and marked ⚠ in the tables. Runs that still gave figures are in")
        w("> the medians; runs that gave none are left out of them.**")
        w("")

    w("## Summary (medians of %s of %g s each)" % (rounds, args.duration))
    w("")
    w("| concurrency | wrong passwords | saslauthd checks/s | authmux checks/s | authmux / saslauthd | saslauthd p99 ms | authmux p99 ms | client CPU % (saslauthd / authmux) | daemon CPU µs per check (saslauthd / authmux) | machine busy % (saslauthd / authmux) |")
    w("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for row in table:
        s, a = row["saslauthd"], row["authmux"]
        w("| %d | %s | %s | %s | **%s** | %s | %s | %s / %s | %s / %s | %s / %s |" % (
            row["concurrency"], fmt_share(row["wrong_share"]),
            flag(num(s["checks_per_s"]), s), flag(num(a["checks_per_s"]), a),
            ("%.2f×" % row["ratio"]) if row["ratio"] is not None else "–",
            num(s["p99"], 3), num(a["p99"], 3), num(s["client_cpu"], 1), num(a["client_cpu"], 1),
            num(s["us_per_check"], 1), num(a["us_per_check"], 1), num(s["busy"]), num(a["busy"])))
    w("")
    w("Client CPU is the load client's, in percent of one core (it runs one event-loop thread, so")
    w("near 100 it would be the bottleneck). Daemon CPU per check is the daemon's user + system time")
    w("(all saslauthd processes together) divided by the checks answered, warm-up included. Machine")
    w("busy is client + daemon CPU in percent of all %s cores: near 100 the two compete for the" % machine["cores"])
    w("cores, and checks/s then measure the pair, while CPU per check still compares the daemons.")
    saturated = ["c=%d/%s" % (row["concurrency"], fmt_share(row["wrong_share"])) for row in table
                 if any((row[x]["busy"] or 0) >= 90 for x in SERVERS)]
    if saturated:
        w("")
        w("**Note:** the machine was at least 90 %% busy in %s." % ", ".join(saturated))
    w("")

    # Targets of issue 3.
    w("### Against the targets of issue 3")
    w("")
    w("| target | measured | met |")
    w("|---|---|:-:|")
    for row in table:
        if row["concurrency"] not in TARGET_RATIO_CONCURRENCIES:
            continue
        ratio = row["ratio"]
        w("| ≥ %.0f× saslauthd's checks/s, c=%d, %s wrong | %s | %s |" % (
            TARGET_RATIO, row["concurrency"], fmt_share(row["wrong_share"]),
            ("%.2f×" % ratio) if ratio is not None else "–",
            "yes" if ratio is not None and ratio >= TARGET_RATIO else "**no**"))
        sp, ap = row["saslauthd"]["p99"], row["authmux"]["p99"]
        w("| lower p99 than saslauthd, c=%d, %s wrong | %s ms vs %s ms | %s |" % (
            row["concurrency"], fmt_share(row["wrong_share"]), num(ap, 3), num(sp, 3),
            "yes" if ap is not None and sp is not None and ap < sp else "**no**"))
    peak = mb(rss["authmux"]["max_vm_hwm_kb"])
    w("| authmuxd peak RSS < %.0f MB | %s MB | %s |" % (
        TARGET_RSS_MB, num(peak, 1), "yes" if peak and peak < TARGET_RSS_MB else "**no**"))
    w("")

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
    w("Rounds alternate saslauthd then authmux (A B A B …) within each scenario. Daemon CPU is the")
    w("daemon's user + system time over the whole `authtest bench` call (warm-up included), in")
    w("percent of one core; the machine has %s cores for the daemon and the load client together." % machine["cores"])
    w("")
    for row in table:
        w("### Concurrency %d, %s wrong passwords" % (row["concurrency"], fmt_share(row["wrong_share"])))
        w("")
        w("| server | round | checks/s | OK | NO | errors | unexpected | p50 ms | p90 ms | p99 ms | p99.9 ms | max ms | client CPU % | daemon CPU % | daemon µs/check |")
        w("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
        runs_here = sorted(row["saslauthd"]["runs"] + row["authmux"]["runs"], key=lambda r: (r["round"], SERVERS.index(r["server"])))
        for run in runs_here:
            res = run.get("result")
            mark = " ⚠" if run["problems"] else ""
            if not res:
                w("| %s%s | %d | failed | | | | | | | | | | | | |" % (run["server"], mark, run["round"]))
                continue
            lat = res["latency_ms"]
            w("| %s%s | %d | %s | %d | %d | %d | %d | %s | %s | %s | %s | %s | %s | %s | %s |" % (
                run["server"], mark, run["round"], num(res["checks_per_s"]), res["ok"], res["no"], res["errors"], res["unexpected"],
                num(lat["p50"], 3), num(lat["p90"], 3), num(lat["p99"], 3), num(lat["p999"], 3), num(lat["max"], 3),
                num(res.get("client_cpu_percent"), 1), num(run.get("daemon_cpu_percent"), 1), num(per_check_us(run), 1)))
        s, a = row["saslauthd"], row["authmux"]
        for label, m in (("saslauthd", s), ("authmux", a)):
            w("| **median %s** | | %s | | | | | %s | | %s | %s | %s | %s | %s | %s |" % (
                label, num(m["checks_per_s"]), num(m["p50"], 3), num(m["p99"], 3), num(m["p999"], 3), num(m["max"], 3),
                num(m["client_cpu"], 1), num(m["daemon_cpu"], 1), num(m["us_per_check"], 1)))
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
    w("| CPU | %s × %s (%s) |" % (machine["cores"], machine["cpu_model"], machine["arch"]))
    w("| memory | %.1f GiB |" % machine["memory_gib"])
    w("| OS, kernel | %s, Linux %s |" % (machine["os"], machine["kernel"]))
    w("| authmux | `%s` (commit %s) |" % (describe, commit))
    w("| Swift | %s |" % swift_version)
    w("| Cyrus saslauthd | `%s` (Debian sasl2-bin %s) |" % (sasl_version, dpkg_version("sasl2-bin")))
    w("| saslpasswd2, libsasl2 | libsasl2-2 %s |" % dpkg_version("libsasl2-2"))
    w("| Berkeley DB | libdb5.3 %s |" % dpkg_version("libdb5.3"))
    w("| syslog socket /dev/log | %s |" % ("present" if os.path.exists("/dev/log") else
        "absent: saslauthd's per-failure syslog lines are dropped (a failed connect each)"))
    w("")

    w("## Method")
    w("")
    w("- Users: %d generated with the real `saslpasswd2 -f DB -p -c -u %s benchN` (password `pw-benchN` on" % (args.users, args.realm))
    w("  standard input), one call per user, into one Berkeley DB file that both servers read.")
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
    w("- Before measuring, each server answered OK for a bench user and NO for a wrong password")
    w("  (`testsaslauthd` for saslauthd, `authtest` for authmux).")
    w("- Load: one `authtest bench` client (release build, one event-loop thread), **one connection per")
    w("  request** as libsasl2 does, users picked at random from the %d (a wrong password is the" % args.users)
    w("  right one with a suffix), %g s warm-up then %g s measured, per run:" % (args.warmup, args.duration))
    w("")
    w("  ```")
    w("  %s" % tidy(args.authtest_cmd))
    w("  ```")
    w("- Scenarios: concurrency %s × wrong-password share %s; in each, %s of saslauthd then" % (
        ", ".join(str(c) for c in args.concurrencies), " and ".join(fmt_share(s) for s in args.shares), rounds))
    w("  authmux (A B A B …), the same seed for both servers in a round. Medians over the rounds.")
    w("- Runs with errors or unexpected answers (an OK where NO was due or the reverse) are not")
    w("  dropped: they are marked ⚠ and listed.")
    w("- Loopback only: Unix sockets in a temporary folder.")
    w("- Raw results: `var/bench-results/%s.jsonl` (one JSON object per run; not committed)." % args.stamp)
    w("")

    with open(args.out, "w", encoding="utf-8") as handle:
        handle.write("\n".join(out) + "\n")

    # The same summary on the console.
    print()
    print("%-6s %-7s %12s %12s %8s %10s %10s" % ("conc.", "wrong", "saslauthd/s", "authmux/s", "ratio", "p99 sasl", "p99 mux"))
    for row in table:
        s, a = row["saslauthd"], row["authmux"]
        print("%-6d %-7s %12s %12s %8s %10s %10s%s" % (
            row["concurrency"], fmt_share(row["wrong_share"]), num(s["checks_per_s"]), num(a["checks_per_s"]),
            ("%.2fx" % row["ratio"]) if row["ratio"] is not None else "-", num(s["p99"], 3), num(a["p99"], 3),
            "   <-- PROBLEMS" if s["problems"] or a["problems"] else ""))
    return 0


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)

    rec = sub.add_parser("record")
    rec.add_argument("--out", required=True)
    rec.add_argument("--server", required=True, choices=SERVERS)
    rec.add_argument("--concurrency", type=int, required=True)
    rec.add_argument("--wrong-share", type=float, required=True)
    rec.add_argument("--round", type=int, required=True)
    rec.add_argument("--exit-code", type=int, required=True)
    rec.add_argument("--stdout-file", required=True)
    rec.add_argument("--stderr-file", required=True)
    rec.add_argument("--wall", type=float, required=True)
    rec.add_argument("--daemon-cpu", type=float, required=True)
    rec.add_argument("--daemon-alive", type=int, required=True)

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

    args = parser.parse_args()
    handler = {"record": cmd_record, "rss": cmd_rss, "report": cmd_report}[args.command]
    return handler(args)


if __name__ == "__main__":
    sys.exit(main())
