#!/usr/bin/env python3
"""Turn bench/ldap.sh's JSON lines into the LDAP section of BENCHMARKS.md.

The section sits between two marker comments; it replaces the previous one, or is appended.
bench/summarize.py carries such marked sections over when it rewrites the file, so each
benchmark can be rerun on its own. Exit status 3 when a run had errors or unexpected answers
(the section is written anyway, with the runs marked).
"""
import argparse
import os
import re
import sys

from benchsection import fenced, median, num, publish

BEGIN = "<!-- BEGIN section ldap (bench/ldap.sh) -->"
END = "<!-- END section ldap -->"
SERVERS = ("saslauthd", "authmux", "floor")


def problem(entry):
    report = entry["report"]
    return entry["exit"] != 0 or report.get("errors", 1) > 0 or report.get("unexpected", 1) > 0


def section(runs, args):
    out = []
    w = out.append
    w(BEGIN)
    w("## LDAP: authmux against `saslauthd -a ldap` (bench/ldap.sh)")
    w("")
    w("Written by `bench/ldap.sh` (part of `make bench`) on %s, build `%s`. Both daemons read the same" % (args.date, args.commit))
    w("saslauthd.conf and ask the same throwaway slapd (`%s`, mdb, %d users) on this machine:" % (args.slapd_cmd, args.users))
    w("every check is a search for `(uid=%u)` and a bind as the entry found. 10% of the passwords sent are wrong.")
    threads = re.search(r"threads: *(\d+)", args.config_text)
    w("saslauthd: `%s` (no cache). authmux: the ldap backend with `saslauthd_conf:` pointing at the same" % args.saslauthd_cmd)
    w("file, its credential cache off, %s. The floor (`%s`, bench/ldap-floor.c) is" % (
        "%s threads" % threads.group(1) if threads else "its default threads", args.floor_cmd))
    w("a C server that does only what such a check must: one thread per client blocked in `accept`, the")
    w("search and the bind with libldap's synchronous calls, the answer; no log line, no escaping, no")
    w("timeouts, no failover, no thread hand-off. slapd, the servers and the load client share the")
    w("machine's cores. Ratios compare runs made in alternation in this one run.")
    w("")
    w("| concurrency | server | checks/s (median of %d × %s s) | p50 ms | p99 ms | answers OK / NO | errors, unexpected |" % (args.rounds, args.duration))
    w("|---:|---|---:|---:|---:|---:|---:|")
    rates = {}
    for conc in sorted({r["concurrency"] for r in runs}):
        for server in SERVERS:
            mine = [r["report"] for r in runs if r["server"] == server and r["concurrency"] == conc]
            if not mine:
                continue
            rates[(server, conc)] = median([m.get("checks_per_s") for m in mine])
            w("| %d | %s | %s | %s | %s | %d / %d | %d, %d |" % (
                conc, server, num(rates[(server, conc)], 1),
                num(median([m.get("latency_ms", {}).get("p50") for m in mine]), 2),
                num(median([m.get("latency_ms", {}).get("p99") for m in mine]), 2),
                sum(m.get("ok", 0) for m in mine), sum(m.get("no", 0) for m in mine),
                sum(m.get("errors", 0) for m in mine), sum(m.get("unexpected", 0) for m in mine)))
    w("")
    for conc in sorted({r["concurrency"] for r in runs}):
        a, s, f = rates.get(("authmux", conc)), rates.get(("saslauthd", conc)), rates.get(("floor", conc))
        if a and s:
            w("At %d concurrent clients authmux answers **%.2f×** as many checks per second as saslauthd -a ldap." % (conc, a / s))
        if f and s:
            w("The floor answers %.2f× as many as saslauthd%s." % (
                f / s, "; authmux reaches %.0f %% of the floor" % (100 * a / f) if a else ""))
    w("")
    hz = os.sysconf("SC_CLK_TCK")
    w("CPU per check (µs; each process's user + system time over the whole run, warm-up included, divided")
    w("by the checks that rate implies): the directory's share is what an LDAP check costs most.")
    w("")
    w("| server | slapd µs/check | server µs/check |")
    w("|---|---:|---:|")
    cpu = {}
    for server in SERVERS:
        mine = [r for r in runs if r["server"] == server and r.get("seconds")]
        if not mine:
            continue
        def per_check(key):
            return median([r[key] / hz * 1e6 / (r["report"]["checks_per_s"] * r["seconds"])
                           for r in mine if r["report"].get("checks_per_s")])
        cpu[server] = (per_check("slapd_ticks"), per_check("daemon_ticks"))
        w("| %s | %s | %s |" % (server, num(cpu[server][0]), num(cpu[server][1])))
    w("")
    w("saslauthd binds as its search identity again before every search (its connection was last bound")
    w("as the previous user), so each of its checks costs slapd three operations; authmux searches on")
    w("connections that stay bound as the search identity and binds users on others: two operations.")
    w("With slapd on the same two cores, its share bounds every server, the floor included, which is why")
    w("the ratio here stays well below the sasldb one: the floor spends little CPU of its own, yet slapd's")
    w("work per check, the load client's and the cores' idle moments between wake-ups leave it short of")
    w("what its own cost alone would allow.")
    w("")
    bad = [r for r in runs if problem(r)]
    if bad:
        w("**Problems** (runs with errors, unexpected answers or a failed exit):")
        w("")
        for r in bad:
            w("- ⚠ %s round %d: exit %d, %s" % (r["server"], r["round"], r["exit"], r["report"].get("first_error") or r["report"]))
        w("")
    w("saslauthd.conf (both daemons):")
    w("")
    out.extend(fenced(args.saslauthd_conf))
    w("")
    w("authmux configuration (`%s`):" % args.authmuxd_cmd)
    w("")
    out.extend(fenced(args.config, "yaml"))
    w(END)
    return out, bad


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    for name in ("--results", "--out", "--date", "--commit", "--saslauthd-cmd", "--authmuxd-cmd", "--slapd-cmd",
                 "--floor-cmd", "--config", "--saslauthd-conf"):
        parser.add_argument(name, required=True)
    for name in ("--rounds", "--users"):
        parser.add_argument(name, type=int, required=True)
    for name in ("--duration", "--warmup"):
        parser.add_argument(name, required=True)
    args = parser.parse_args()
    with open(args.config, encoding="utf-8") as handle:
        args.config_text = handle.read()
    return publish(args, section, BEGIN, END, shown=lambda line: line.startswith("|") or "×" in line)


if __name__ == "__main__":
    sys.exit(main())
