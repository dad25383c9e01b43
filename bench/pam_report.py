#!/usr/bin/env python3
"""bench/pam.sh's report: `pam_report.py RESULTS BENCHMARKS.md` writes the PAM section."""
import sys

from benchlib import BEFORE, comparison, fenced, label, median, ms, num, of_kind, opening, para, problem_block, report, result, rounds, table, times, total

BEGIN = "<!-- BEGIN section pam (bench/pam.sh) -->"
END = "<!-- END section pam -->"


def spray_table(runs):
    """The real user's latency and the sprayers' answers per daemon, and the sentences they make."""
    rows, p50, rate = [], {}, {}
    before = "authmux" + BEFORE
    for server in ("saslauthd",) + ((before,) if any(run["server"] == before for run in runs) else ()) + ("authmux",):
        real = [run for run in runs if run["server"] == server and run["role"] == "real"]
        sprayers = [run for run in runs if run["server"] == server and run["role"] == "sprayer"]
        p50[server] = median(result(run, "latency_ms", "p50") for run in real)
        rate[server] = median(result(run, "checks_per_s") for run in sprayers)
        rows.append([label(server), ms(p50[server]), ms(median(result(run, "latency_ms", "p99") for run in real)),
                     "%d of %d" % (total(real, "ok"), total(real, "requests")), num(rate[server], 1),
                     num(total(real + sprayers, "errors"))])
    out = table(["daemon", "real user p50 ms", "real user p99 ms", "real user answers OK", "wrong passwords answered/s",
                 "errors"], rows, "lrrrrr") + [""]
    if p50["saslauthd"] and p50["authmux"]:
        out += ["Under the spray, the real user's median check is **%.0f×** faster with authmux." % (p50["saslauthd"] / p50["authmux"])]
    if p50.get(before) and p50["authmux"]:
        out += ["With authmux, the real user's median check takes %s as long as with %s (after/before)." % (
            times(p50["authmux"] / p50[before]), label(before))]
    if rate["saslauthd"] and rate["authmux"]:
        out += para("The sprayers get %.1f× as many answers from authmux as from saslauthd: saslauthd slows them only by"
                    " stalling everyone, and authmux's failure delay does not limit how many connections guess at once."
                    " authmux's throttle (`throttle:`, off in this comparison because saslauthd has none) does: it lets"
                    " one guess per delay reach PAM per account, and lengthens the delays of repeated failures." % (
                        rate["authmux"] / rate["saslauthd"]))
    return out


def section(lines, f):
    runs = of_kind(lines, "run")
    out = opening("PAM: authmux against `saslauthd -a pam` (bench/pam.sh)", "`bench/pam.sh` (part of `make bench`)", f, """
        Both daemons check the same throwaway account (password hash `$%s$`, Debian's default) through the same
        service file, `@include common-auth` + `@include common-account` (pam_unix), as a stock `/etc/pam.d/smtp`
        does. saslauthd: `%s` (no cache). authmux: the pam backend with its defaults (4 threads), its credential cache
        off so that both sides run PAM for every check (the last table has both caches on). Ratios compare runs made
        in alternation in this one run; absolute numbers are this machine's.""" % (f["hash"], f["saslauthd_cmd"]),
        runs, BEGIN)
    out += ["### Right passwords (medians of %s of %s + %s s)" % (rounds(f["rounds"]), f["warmup"], f["duration"]), ""]
    out += comparison(of_kind(lines, "run", scenario="throughput"), ("saslauthd", "authmux")) + [""]
    out += ["### Spray: %s clients sending wrong passwords, one real user (medians of %s)" % (f["sprayers"], rounds(f["rounds"])), ""]
    out += para("The sprayers start %s s before the real user's client, which then makes %s checks one after the other;"
                " with so few, p99 is that client's slowest check. pam_unix asks for a 2 s delay after every failure"
                " (libpam varies it by up to 50 %%): saslauthd's worker sleeps it; authmux answers every failure on a"
                " route through PAM after its failure delay, 3 s by default, on a timer that holds no thread." % (
                    f["headstart"], f["real_requests"]))
    out += spray_table(of_kind(lines, "run", scenario="spray"))
    out += ["### Cache hits: `saslauthd -a pam -c` against authmux's credential cache (medians of %s)" % rounds(f["rounds"]), ""]
    out += para("saslauthd: `%s`; authmux: the same pam backend with `cache: { enabled: true }` (ttl 10m). One"
                " right-password check fills each cache before the measured runs; %s of authmuxd's %s check lines in"
                " this scenario say `cached=yes`." % (
                    f["cached_saslauthd_cmd"], num(int(f["cached_hits"])), num(int(f["cached_lines"]))))
    out += comparison(of_kind(lines, "run", scenario="cached"), ("saslauthd-c", "authmux-c"), base="saslauthd-c") + [""]
    out += problem_block(runs)
    out += ["authmux configuration:", ""] + fenced(f["config"], "yaml") + [END]
    return [(BEGIN, out, END)], [run for run in runs if run["problems"]]


if __name__ == "__main__":
    sys.exit(report(section))
