#!/usr/bin/env python3
"""Turn bench/pam.sh's JSON lines into the PAM section of BENCHMARKS.md.

The section sits between two marker comments; it replaces the previous one, or is appended.
bench/summarize.py carries such marked sections over when it rewrites the file, so the sasldb
and PAM benchmarks can be rerun independently. Exit status 3 when a run had errors or
unexpected answers (the section is written anyway, with the runs marked).
"""
import argparse
import sys

from benchsection import fenced, median, num, publish

BEGIN = "<!-- BEGIN section pam (bench/pam.sh) -->"
END = "<!-- END section pam -->"








def ratio(a, b):
    return "**%.2f×**" % (a / b) if a and b else "-"


def problem(entry):
    report = entry["report"]
    if entry["role"] == "sprayer":
        # Sprayers are stopped by a signal; only errors and OK answers to wrong passwords count.
        return report.get("errors", 1) > 0 or report.get("unexpected", 1) > 0
    return entry["exit"] != 0 or report.get("errors", 1) > 0 or report.get("unexpected", 1) > 0


def section(runs, args):
    out = []
    w = out.append
    w(BEGIN)
    w("## PAM: authmux against `saslauthd -a pam` (bench/pam.sh)")
    w("")
    w("Written by `bench/pam.sh` (part of `make bench`) on %s, build `%s`. Both daemons check the same" % (args.date, args.commit))
    w("throwaway account (password hash `$%s$`, Debian's default) through the same service file," % args.hash)
    w("`@include common-auth` + `@include common-account` (pam_unix), as a stock `/etc/pam.d/smtp` does.")
    w("saslauthd: `%s` (no cache). authmux: the pam backend with its defaults (4 threads), its" % args.saslauthd_cmd)
    w("credential cache off so that both sides run PAM for every check (the last table has both caches on).")
    w("Ratios compare runs made in alternation in this one run; absolute numbers are this machine's.")
    w("")
    w("### Right passwords (medians of %d rounds of %s + %s s)" % (args.rounds, args.warmup, args.duration))
    w("")
    w("| concurrency | saslauthd checks/s | authmux checks/s | authmux / saslauthd | saslauthd p99 ms | authmux p99 ms |")
    w("|---:|---:|---:|---:|---:|---:|")
    through = [r for r in runs if r["scenario"] == "throughput"]
    for conc in sorted({r["concurrency"] for r in through}):
        cells = {}
        for server in ("saslauthd", "authmux"):
            mine = [r["report"] for r in through if r["server"] == server and r["concurrency"] == conc]
            cells[server] = (median([m.get("checks_per_s") for m in mine]),
                             median([m.get("latency_ms", {}).get("p99") for m in mine]))
        w("| %d | %s | %s | %s | %s | %s |" % (
            conc, num(cells["saslauthd"][0], 1), num(cells["authmux"][0], 1),
            ratio(cells["authmux"][0], cells["saslauthd"][0]), num(cells["saslauthd"][1], 1), num(cells["authmux"][1], 1)))
    w("")
    w("### Spray: %d clients sending wrong passwords, one real user (medians of %d rounds)" % (args.sprayers, args.rounds))
    w("")
    w("The sprayers start %s s before the real user's client, which then makes %d checks one after" % (args.headstart, args.real_requests))
    w("the other; with so few, p99 is that client's slowest check. pam_unix asks for a 2 s delay after")
    w("every failure (libpam varies it by up to 50 %): saslauthd's worker sleeps it; authmux answers every")
    w("failure on a route through PAM after its failure delay, 3 s by default, on a timer that holds no thread.")
    w("")
    w("| daemon | real user p50 ms | real user p99 ms | real user answers OK | wrong passwords answered/s | errors |")
    w("|---|---:|---:|---:|---:|---:|")
    spray = [r for r in runs if r["scenario"] == "spray"]
    p50 = {}
    rate = {}
    for server in ("saslauthd", "authmux"):
        real = [r["report"] for r in spray if r["server"] == server and r["role"] == "real"]
        sprayers = [r["report"] for r in spray if r["server"] == server and r["role"] == "sprayer"]
        p50[server] = median([m.get("latency_ms", {}).get("p50") for m in real])
        rate[server] = median([m.get("checks_per_s") for m in sprayers])
        oks = sum(m.get("ok", 0) for m in real)
        total = sum(m.get("requests", 0) for m in real)
        errors = sum(m.get("errors", 0) for m in real + sprayers)
        w("| %s | %s | %s | %d of %d | %s | %d |" % (
            server, num(p50[server], 1), num(median([m.get("latency_ms", {}).get("p99") for m in real]), 1),
            oks, total, num(rate[server], 1), errors))
    w("")
    if p50["saslauthd"] and p50["authmux"]:
        w("Under the spray, the real user's median check is **%.0f×** faster with authmux." % (p50["saslauthd"] / p50["authmux"]))
    if rate["saslauthd"] and rate["authmux"]:
        w("The sprayers get %.1f× as many answers from authmux as from saslauthd: saslauthd slows them only by" % (rate["authmux"] / rate["saslauthd"]))
        w("stalling everyone, and authmux's per-answer delay does not limit how many connections guess at once.")
        w("authmux's throttle (`throttle:`, off in this comparison because saslauthd has none) lengthens the delays of a user's repeated failures.")
    w("")
    w("### Cache hits: `saslauthd -a pam -c` against authmux's credential cache (medians of %d rounds)" % args.rounds)
    w("")
    w("saslauthd: `%s`; authmux: the same pam backend with `cache: { enabled: true }` (ttl 10m)." % args.cached_saslauthd_cmd)
    w("One right-password check fills each cache before the measured runs; %s of authmuxd's %s check" % (
        "{:,}".format(args.cached_hits), "{:,}".format(args.cached_lines)))
    w("lines in this scenario say `cached=yes`.")
    w("")
    w("| concurrency | saslauthd -c checks/s | authmux cached checks/s | authmux / saslauthd | saslauthd p99 ms | authmux p99 ms |")
    w("|---:|---:|---:|---:|---:|---:|")
    cached = [r for r in runs if r["scenario"] == "cached"]
    for conc in sorted({r["concurrency"] for r in cached}):
        cells = {}
        for server in ("saslauthd", "authmux"):
            mine = [r["report"] for r in cached if r["server"] == server and r["concurrency"] == conc]
            cells[server] = (median([m.get("checks_per_s") for m in mine]),
                             median([m.get("latency_ms", {}).get("p99") for m in mine]))
        w("| %d | %s | %s | %s | %s | %s |" % (
            conc, num(cells["saslauthd"][0], 1), num(cells["authmux"][0], 1),
            ratio(cells["authmux"][0], cells["saslauthd"][0]), num(cells["saslauthd"][1], 3), num(cells["authmux"][1], 3)))
    w("")
    bad = [r for r in runs if problem(r)]
    if bad:
        w("**Problems** (runs with errors, unexpected answers or a failed exit):")
        w("")
        for r in bad:
            w("- ⚠ %s %s round %d, %s: exit %d, %s" % (
                r["scenario"], r["server"], r["round"], r["role"], r["exit"], r["report"].get("first_error") or r["report"]))
        w("")
    w("authmux configuration:")
    w("")
    out.extend(fenced(args.config, "yaml"))
    w(END)
    return out, bad


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    for name in ("--results", "--out", "--date", "--commit", "--hash", "--saslauthd-cmd", "--authmuxd-cmd", "--config",
                 "--cached-saslauthd-cmd", "--cached-config"):
        parser.add_argument(name, required=True)
    for name in ("--rounds", "--sprayers", "--real-requests", "--cached-hits", "--cached-lines"):
        parser.add_argument(name, type=int, required=True)
    for name in ("--duration", "--warmup", "--headstart"):
        parser.add_argument(name, required=True)
    args = parser.parse_args()
    return publish(args, section, BEGIN, END)


if __name__ == "__main__":
    sys.exit(main())
