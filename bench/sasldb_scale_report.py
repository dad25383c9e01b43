#!/usr/bin/env python3
"""bench/sasldb-scale.sh's report: `sasldb_scale_report.py RESULTS BENCHMARKS.md` writes its section."""
import json
import sys

from benchlib import comparison, fenced, label, mb, median, ms, num, of_kind, opening, para, problem_block, report, result, table, times

BEGIN = "<!-- BEGIN section sasldb-scale (bench/sasldb-scale.sh) -->"
END = "<!-- END section sasldb-scale -->"


def section(lines, f):
    runs = of_kind(lines, "run")
    users = int(f["users"])
    out = opening("sasldb at scale: %s users changing under load (bench/sasldb-scale.sh)" % format(users, ","),
                  "`bench/sasldb-scale.sh` (part of `make bench`)", f, """
        authmuxd and `%s` check the same sasldb of %s users (written with db5.3_load), %s clients, every check a
        right password for a user drawn at random, credential cache off. *churn*: a writer runs saslpasswd2 on
        another user every %s s for the whole run. The machine was shared with other builds while this ran:
        the ratios, measured in alternation in this one run, say more than the absolute figures.""" % (
        f["saslauthd_cmd"], format(users, ","), f["concurrency"], f["churn_interval"]), runs, BEGIN)
    out += comparison(runs, ("saslauthd", "authmux"), keys=("scenario",)) + [""]
    steady = median(result(r, "checks_per_s") for r in runs if r["scenario"] == "steady" and r["server"] == "authmux")
    churn = median(result(r, "checks_per_s") for r in runs if r["scenario"] == "churn" and r["server"] == "authmux")
    refused = sum((result(r, "no") or 0) + (result(r, "errors") or 0) for r in runs if r["server"] == "authmux")
    if steady and churn:
        out += para("Under churn authmux keeps %s of its steady checks/s; it refused %d valid checks in all its runs "
                    "(target: at least 80 %%, none refused)." % ("%.0f %%" % (100 * churn / steady), refused))
    rows = []
    first = {}
    for line in of_kind(lines, "first_check"):
        data = json.loads(line["result"])
        first[line["server"]] = data
        rows.append([label(line["server"]), ms(data["steady"]["p50"]), ms(data["steady"]["p99"]),
                     ms(data["after_change"]["p50"]), ms(data["after_change"]["p99"]), ms(data["after_change"]["max"]),
                     str(data["refused"])])
    if rows:
        out += ["### The first check after a change (%s changes, one client)" % f["first_rounds"], ""]
        out += para("Each round: saslpasswd2 changes user `churn`, then one check of a random valid user is sent at once and timed;"
                    " then, 50 ms later, another with no change before it (*steady*). One Python client, one connection per"
                    " check, so both columns carry the same client overhead.")
        out += table(["server", "steady p50 ms", "steady p99 ms", "after a change p50 ms", "after a change p99 ms",
                      "after a change max ms", "refused"], rows, "lrrrrrr") + [""]
        mine = first.get("authmux")
        if mine and mine["steady"]["p99"]:
            out += para("authmux's first check after a change: p99 %s of its steady p99 (target: within 2×)." % times(
                mine["after_change"]["p99"] / mine["steady"]["p99"]))
    memory = {line["server"]: line for line in of_kind(lines, "memory")}
    started, small = int(f["started_rss_kb"]), int(f["small_rss_kb"])
    out += ["### Start-up and memory", ""]
    out += table(["", "authmux", "saslauthd"], [
        ["start-up until the first check is answered", "%s s" % f["startup_s"], "–"],
        ["RSS after start-up", mb(started), "–"],
        ["RSS with a one-user file", mb(small), "–"],
        ["RSS per 100,000 users", mb((started - small) * 100000 / users), "–"],
        ["peak RSS over the run (largest process)", mb(int(memory.get("authmux", {}).get("peak_rss_kb", 0))),
         mb(int(memory.get("saslauthd", {}).get("peak_rss_kb", 0)))],
        ["whole reads of the file over the run", f.get("reads", "–"), "–"],
    ], "lrr") + [""]
    out += problem_block(runs)
    out += ["authmux configuration:", ""] + fenced(f["config"], "yaml") + [END]
    return [(BEGIN, out, END)], [run for run in runs if run["problems"]]


if __name__ == "__main__":
    sys.exit(report(section))
