#!/usr/bin/env python3
"""bench/dovecot.sh's report: `dovecot_report.py RESULTS BENCHMARKS.md` writes the Dovecot section."""
import sys

from benchlib import (comparison, fenced, median, ms, of_kind, opening, para, problem_block, ratio, report, result, rounds, scenarios,
                      table, times)

BEGIN = "<!-- BEGIN section dovecot (bench/dovecot.sh) -->"
END = "<!-- END section dovecot -->"


def targets(runs):
    """Issue 16's targets: at least 2x Dovecot's checks/s and a lower p99, in every load."""
    rows = []
    for (pattern, concurrency), group in scenarios(runs, ("pattern", "concurrency")):
        def med(server, key, sub=None):
            return median(result(run, key, sub) for run in group if run["server"] == server)
        rate = ratio(med("authmux", "checks_per_s"), med("dovecot", "checks_per_s"))
        p99 = (med("authmux", "latency_ms", "p99"), med("dovecot", "latency_ms", "p99"))
        rows.append(["≥ 2× Dovecot's checks/s, %s, %s clients" % (pattern, concurrency), times(rate),
                     "yes" if rate is not None and rate >= 2 else "**no**"])
        rows.append(["lower p99 than Dovecot, %s, %s clients" % (pattern, concurrency), "%s ms vs %s ms" % (ms(p99[0]), ms(p99[1])),
                     "yes" if None not in p99 and p99[0] < p99[1] else "**no**"])
        floor = ratio(med("floor", "checks_per_s"), med("dovecot", "checks_per_s"))
        rows.append(["for reference: the floor's checks/s ÷ Dovecot's, %s, %s clients" % (pattern, concurrency), times(floor) + (
            ": below 2×, so no server that answers this protocol can meet 2× here" if floor is not None and floor < 2 else ""), "n/a"])
    return table(["target", "measured", "met"], rows, "llc")


def section(lines, f):
    runs = of_kind(lines, "run")
    out = opening("Dovecot's auth protocol: authmux against Dovecot's auth service (bench/dovecot.sh)", "`bench/dovecot.sh` (part of `make bench`)", f, """
        What Postfix (`smtpd_sasl_type = dovecot`) and Exim (`driver = dovecot`) ask. Dovecot %s (`%s`) with only its auth
        service, a passwd-file of %s users in its PLAIN scheme, its auth cache off and no failure delay; authmux's Dovecot
        door over a sasldb with the same users and passwords (written by saslpasswd2), its cache off, no failure delay
        and no throttle: each server checks a plaintext store. The floor (`%s`, bench/dovecot-floor.c) is a C server that
        sends the handshake and answers OK to every AUTH line without reading it, one thread per connection. The load
        client is `authtest bench --protocol dovecot` with PLAIN: *persistent* keeps one connection per client for all its
        checks, as Postfix's smtpd does; *per-check* opens one per check, as Exim does. Every password is right: Dovecot
        answers failures from a timer that ticks every 500 ms even with `auth_failure_delay = 0`, so wrong passwords would
        measure that wait (with 10%% of them wrong it managed a few checks per second), not its checking.
        Medians of %s of %s s, in alternation.""" % (
        f["dovecot_version"], f["dovecot_cmd"], f["users"], f["floor_cmd"], rounds(f["rounds"]), f["duration"]), runs, BEGIN)
    out += comparison(runs, ("dovecot", "authmux", "floor"), keys=("pattern", "concurrency"), base="dovecot", floor="floor") + [""]
    out += ["Against the targets of the Dovecot door's issue:", ""] + targets(runs) + [""]
    out += para("CPU per check: each server's user + system time over the whole run (Dovecot: all its processes), warm-up"
                " included, divided by the checks that run's rate implies. † The floor answers OK to wrong passwords too;"
                " the load client counts those as unexpected answers, which for the floor is expected.")
    out += problem_block(runs)
    out += ["Dovecot's configuration:", ""] + fenced(f["dovecot_conf"]) + [""]
    out += ["authmux configuration (`%s`):" % f["authmuxd_cmd"], ""] + fenced(f["config"], "yaml") + [END]
    return [(BEGIN, out, END)], [run for run in runs if run["problems"]]


if __name__ == "__main__":
    sys.exit(report(section))
