#!/usr/bin/env python3
"""bench/passwd-file.sh's report: `passwd_file_report.py RESULTS BENCHMARKS.md` writes its section."""
import sys

from benchlib import BEFORE, comparison, fenced, label, median, ms, num, of_kind, opening, para, problem_block, report, result, rounds, table, times, total

BEGIN = "<!-- BEGIN section passwd-file (bench/passwd-file.sh) -->"
END = "<!-- END section passwd-file -->"


def spray_table(runs):
    """The real user's latency and the sprayers' answers per daemon, and the sentences they make."""
    rows, p50, p99 = [], {}, {}
    before = "authmux" + BEFORE
    for server in ("saslauthd",) + ((before,) if any(run["server"] == before for run in runs) else ()) + ("authmux",):
        real = [run for run in runs if run["server"] == server and run["role"] == "real"]
        sprayers = [run for run in runs if run["server"] == server and run["role"] == "sprayer"]
        p50[server] = median(result(run, "latency_ms", "p50") for run in real)
        p99[server] = median(result(run, "latency_ms", "p99") for run in real)
        rows.append([label(server), ms(p50[server]), ms(p99[server]),
                     "%d of %d" % (total(real, "ok"), total(real, "requests")),
                     num(median(result(run, "checks_per_s") for run in sprayers), 1),
                     num(total(real + sprayers, "errors"))])
    out = table(["daemon", "real user p50 ms", "real user p99 ms", "real user answers OK", "wrong passwords answered/s",
                 "errors"], rows, "lrrrrr") + [""]
    if p50["saslauthd"] and p50["authmux"]:
        out += ["Under the spray, the real user's median check takes %s as long with authmux as with saslauthd"
                " (p99: %s)." % (times(p50["authmux"] / p50["saslauthd"]),
                                 times(p99["authmux"] / p99["saslauthd"]) if p99["saslauthd"] and p99["authmux"] else "-")]
    return out + [""]


def section(lines, f):
    runs = of_kind(lines, "run")
    out = opening("passwd-file: authmux against `saslauthd -a shadow` (bench/passwd-file.sh)",
                  "`bench/passwd-file.sh` (part of `make bench`)", f, """
        Both daemons check the same throwaway account with the same hash (`$%s$`, Debian's default, set by chpasswd):
        saslauthd reads it from /etc/shadow, `%s` (no cache); authmux from a passwd-file holding that very line,
        with its credential cache and its memo of verified passwords off, so that both sides hash every check.
        Ratios compare runs made in alternation in this one run; absolute numbers are this machine's.""" % (
        f["hash"], f["saslauthd_cmd"]), runs, BEGIN)
    out += ["### Right passwords (medians of %s of %s + %s s)" % (rounds(f["rounds"]), f["warmup"], f["duration"]), ""]
    out += comparison(of_kind(lines, "run", scenario="throughput"), ("saslauthd", "authmux")) + [""]
    out += ["### Spray: %s clients sending wrong passwords, one real user (medians of %s)" % (f["sprayers"], rounds(f["rounds"])), ""]
    out += para("The sprayers start %s s before the real user's client, which then makes %s checks one after the other;"
                " with so few, p99 is that client's slowest check. saslauthd answers a wrong password as soon as its"
                " worker has hashed it, and the sprayer sends the next; authmux hashes it on the backend's pool and"
                " sends the answer after its failure delay (2 s by default) on a timer that holds no thread." % (
                    f["headstart"], f["real_requests"]))
    out += spray_table(of_kind(lines, "run", scenario="spray"))
    out += problem_block(runs)
    out += ["authmux configuration:", ""] + fenced(f["config"], "yaml") + [END]
    return [(BEGIN, out, END)], [run for run in runs if run["problems"]]


if __name__ == "__main__":
    sys.exit(report(section))
