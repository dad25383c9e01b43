#!/usr/bin/env python3
"""bench/instructions.sh's report: `instructions_report.py RESULTS BENCHMARKS.md` writes the
instructions-per-check section of BENCHMARKS.md."""
import sys

from benchlib import fenced, num, of_kind, opening, para, report, table

BEGIN = "<!-- BEGIN section instructions (bench/instructions.sh) -->"
END = "<!-- END section instructions -->"
SCENARIOS = (
    ("sasldb", "1", "saslauthd door, sasldb, one connection per check, 1 client"),
    ("sasldb", "16", "saslauthd door, sasldb, one connection per check, 16 clients"),
    ("cached", "16", "saslauthd door, credential cache hits, 16 clients"),
    ("dovecot-persistent", "16", "Dovecot door, one kept connection per client (Postfix), 16 clients"),
    ("dovecot-per-check", "16", "Dovecot door, one connection per check (Exim), 16 clients"),
)


def per_check(lines, scenario, concurrency, server):
    for line in of_kind(lines, "instructions", scenario=scenario):
        if str(line["concurrency"]) == concurrency and line["server"].startswith(server + "-"):
            return int(line["instructions"]) / int(line["requests"]) if int(line["requests"]) else None
    return None


def section(lines, f):
    before = bool(f.get("baseline_sha"))
    # The shared paragraph on a baseline speaks of checks/s; here the ratio is of instructions.
    plain = {key: value for key, value in f.items() if not key.startswith("baseline")}
    out = opening("Instructions per check (callgrind)", "bench/instructions.sh", plain, """
        The instructions authmuxd's threads execute per check, all of them (accepting, parsing, checking, logging,
        answering, SwiftNIO and the Swift runtime), counted by valgrind's callgrind over %s checks after %s of warm-up,
        divided by the checks. Counts are the same however busy the machine is, so they show a change that a
        checks/s ratio on this shared machine cannot; they leave out the kernel (system calls, wake-ups), which the
        timed tables above include.""" % (num(int(f["checks"])), num(int(f["warmup_checks"]))), begin=BEGIN)
    if before:
        out += para("""**authmux before** is the authmuxd of `BASELINE=%s` (commit `%s`), built in release mode in a git
            worktree and counted the same way, on the paths it has. *after/before* is authmux's instructions per check
            over its: below 1 is fewer.""" % (f["baseline"], f["baseline_sha"][:12]))
    header = ["path", "authmux"] + (["authmux before", "after/before"] if before else [])
    rows, bad = [], []
    for scenario, concurrency, text in SCENARIOS:
        now = per_check(lines, scenario, concurrency, "authmux")
        if now is None:
            continue
        row = [text, num(now)]
        if before:
            then = per_check(lines, scenario, concurrency, "authmux-before")
            row += [num(then) if then else "–", "%.2f×" % (now / then) if then else "–"]
        rows.append(row)
    out += table(header, rows, "lrrr"[:len(header)]) + [""]
    for line in of_kind(lines, "instructions"):
        if int(line["errors"]) or int(line["unexpected"]) or line["ok"] != line["requests"]:
            bad.append(line)
            out += ["- ⚠ %s %s: %s of %s answered OK, %s errors, %s unexpected answers" % (
                line["scenario"], line["server"], line["ok"], line["requests"], line["errors"], line["unexpected"])]
    out += para("Load: `%s`; %s users; %s." % (f["authtest_cmd"], num(int(f["users"])), f["valgrind"]))
    out += ["authmuxd configuration (the cache and the listener change per path):", ""] + fenced(f["config"], "yaml") + ["", END]
    return [(BEGIN, out, END)], bad


if __name__ == "__main__":
    sys.exit(report(section))
