#!/usr/bin/env python3
"""bench/soak.sh's report: `soak_report.py RESULTS BENCHMARKS.md` writes the soak section.

Every error is listed: authtest errors and unexpected answers, idle-holder connect failures,
clients killed after the grace period, and the daemons' log warnings and errors counted by
message. Exit status 3 when authmux had any of those (the section is written anyway).
"""
import collections
import json
import re
import sys

from benchlib import fenced, mb, ms, num, of_kind, opening, read, report

BEGIN = "<!-- BEGIN section soak (bench/soak.sh) -->"
END = "<!-- END section soak -->"

MUX_LINE = re.compile(r"^\S+ (trace|debug|info|notice|warning|error|critical) (.*?)(?= [A-Za-z_][A-Za-z0-9_.]*=|$)")
SASL_LINE = re.compile(r"^saslauthd\[\d+\] :(.*)$")
# saslauthd -d logs every accept and answer; these are its routine lines, not problems.
SASL_ROUTINE = re.compile(r"^(acquired accept lock|released accept lock|auth success:|auth failure:|response: |forked child|"
                          r"num_procs|mech_option|run_path|auth_mech|using accept lock file|master pid is|listening on socket|"
                          r"using process model|caught signal|exiting|child exited|master exited|pid file lock removed|accept lock file removed|"
                          r"socket removed)")


def daemons(lines):
    """Per daemon soaked, in order: its soak line, its clients' reports, and what its folder holds."""
    by = {}
    for soak in of_kind(lines, "soak"):
        clients = {run["role"]: run.get("result") or {"first_error": "no report"} for run in of_kind(lines, "run", daemon=soak["daemon"])}
        start, end = ([int(n) for n in soak[key].split()] for key in ("start", "end"))
        samples = [[int(n) for n in line.split()] for line in read(soak["dir"] + "/samples").splitlines() if len(line.split()) == 3]
        try:
            holder = json.loads(read(soak["dir"] + "/holder.json"))
        except ValueError:
            holder = {}
        by[soak["daemon"]] = dict(
            soak, real=clients.get("real", {}), spray=clients.get("spray", {}), holder=holder, samples=samples,
            elapsed=int(soak["elapsed"]), killed=int(soak["killed"]), log=soak["dir"] + "/daemon.log",
            stderr={name: read("%s/%s.err" % (soak["dir"], name)) for name in ("holder", "spray", "real")},
            start={"fds": start[0], "rss_kb": start[1]}, end={"fds": end[0], "rss_kb": end[1]},
            peak={"fds": max([s[1] for s in samples] + [start[0]]), "rss_kb": max([s[2] for s in samples] + [start[1]])})
    return by


def log_counts(run):
    """(problems, routine): Counters of log messages; problems are warnings and errors."""
    problems, routine = collections.Counter(), collections.Counter()
    try:
        handle = open(run["log"], encoding="utf-8", errors="replace")
    except OSError as error:
        problems["log unreadable: %s" % error] += 1
        return problems, routine
    with handle:
        for line in handle:
            line = line.rstrip("\n")
            if not line:
                continue
            if run["daemon"] == "authmux":
                match = MUX_LINE.match(line)
                if not match:
                    problems["(unparsed) " + line[:120]] += 1
                elif match.group(1) in ("warning", "error", "critical"):
                    problems["%s %s" % (match.group(1), match.group(2))] += 1
                else:
                    routine["%s %s" % (match.group(1), match.group(2))] += 1
            else:
                match = SASL_LINE.match(line)
                message = match.group(1) if match else line
                message = re.sub(r"\[user=[^]]*\]", "[user=…]", message)
                message = re.sub(r"\d+", "N", message)[:160]
                if match and SASL_ROUTINE.match(match.group(1)):
                    routine[message.split(":")[0] if ":" in message else message] += 1
                else:
                    problems[message] += 1
    return problems, routine


def answer(text):
    text = " ".join(text.split())
    return text if len(text) < 60 else text[:57] + "…"


def section(lines, f):
    out = []
    w = out.append
    by = daemons(lines)
    logs = {d: log_counts(r) for d, r in by.items()}
    seconds, idle, sprayers = int(f["seconds"]), int(f["idle"]), int(f["sprayers"])
    out += opening("Soak: idle connections, a password spray and one real user (bench/soak.sh)", "`bench/soak.sh` (`make soak`)", f, """
        Each daemon in turn, freshly started, for %d s: **%s idle connections** that send nothing (bench/idle_holder.py
        re-opens at once any the server closes), **%d clients sending wrong passwords** without pause (`authtest bench
        -c %d --wrong-share 1`, %d users), and **one client checking a real user**, one check after the other
        (`authtest bench -c 1 --wrong-share 0`). What was compared: the same PAM service on both daemons, run by
        pam_wrapper with pam_matrix (a password file) and `pam_faildelay.so delay=2000000`, so every wrong password asks
        for the 2 s delay pam_unix asks for. authmuxd chains a sasldb backend before PAM (the users here are PAM's, so
        each check consults both), with its defaults but for the read deadline and the cache: its failure delay answers
        every failure after 3 s, and its throttle gates each sprayed account and lengthens the delays of its repeated
        failures up to 15 s. saslauthd has one mechanism per process, so it runs `-a pam` only. Both without a
        credential cache. Descriptors and RSS: `/proc/PID/fd` and VmRSS, before the load (start), every second (peak),
        and %s s after the load stopped and the idle connections closed (end); saslauthd's are summed over its 5
        processes (shared pages counted in each). `ulimit -n` was %s for the daemons and clients. Two shared CPU cores:
        absolute figures are this machine's; both daemons ran in the same run.""" % (
        seconds, num(idle), sprayers, sprayers, sprayers, f["quiet"], f["nofile"]), begin=BEGIN)
    w("| | " + " | ".join(by) + " |")
    w("|---|" + "---:|" * len(by))

    def row(label, fn):
        w("| %s | %s |" % (label, " | ".join(fn(by[d]) for d in by)))

    def rss_growth(r):
        # A leak shows as growth after the first seconds of load, when every kind of connection
        # has been seen; the allocator's high-water mark does not.
        load = [s for s in r["samples"] if s[0] <= seconds]
        if len(load) < 4:
            return "-"
        quarter = min(load, key=lambda s: abs(s[0] - seconds / 4))
        return "%s / %s" % (mb(quarter[2]), mb(load[-1][2]))

    def real(r, key):
        rep = r["real"]
        if rep.get("requests", 0) - rep.get("errors", 0) <= 0:
            return "none answered"
        return ms(rep.get("latency_ms", {}).get(key))
    row("real user: checks answered (OK)", lambda r: "%s (%s OK)" % (num(r["real"].get("requests", 0) - r["real"].get("errors", 0)), num(r["real"].get("ok", 0))))
    row("real user: checks/s", lambda r: "{:,.1f}".format(r["real"].get("checks_per_s", 0)))
    row("real user: p50 ms", lambda r: real(r, "p50"))
    row("real user: p99 ms", lambda r: real(r, "p99"))
    row("real user: max ms", lambda r: real(r, "max"))
    row("wrong passwords answered (NO)", lambda r: "{:,} ({:,.1f}/s)".format(r["spray"].get("no", 0), r["spray"].get("checks_per_s", 0)))
    row("idle connections held: median / peak", lambda r: "{:,} / {:,}".format(int(r["holder"].get("median_held", 0)), r["holder"].get("peak_held", 0)))
    row("idle connections closed by the daemon", lambda r: num(r["holder"].get("closed_by_server", 0)))
    row("listen backlog (`ss -xl`)", lambda r: r.get("backlog", "-"))
    row("idle connect attempts refused (backlog full)", lambda r: num(sum(r["holder"].get("connect_failures", {}).values())))
    row("open fds: start / peak / end", lambda r: "%d / %s / %d" % (r["start"]["fds"], num(r["peak"]["fds"]), r["end"]["fds"]))
    row("RSS: start / peak / end", lambda r: "%s / %s / %s" % (mb(r["start"]["rss_kb"]), mb(r["peak"]["rss_kb"]), mb(r["end"]["rss_kb"])))
    row("RSS at ¼ of the soak / at its last second", rss_growth)
    row("client errors / unexpected answers", lambda r: "%d / %d" % (
        r["real"].get("errors", 0) + r["spray"].get("errors", 0), r["real"].get("unexpected", 0) + r["spray"].get("unexpected", 0)))
    row("log warnings and errors", lambda r: num(sum(logs[r["daemon"]][0].values())))
    row("after the soak (testsaslauthd): real user / wrong password", lambda r: "%s / %s" % (answer(r["after_real"]), answer(r["after_wrong"])))
    if "authmux" in by:
        row("after the soak: the sasldb user", lambda r: answer(r["after_sasl"]))
    row("load stopped after (s)", lambda r: "%d%s" % (r["elapsed"], " (%d clients killed)" % r["killed"] if r["killed"] else ""))
    w("")
    if "saslauthd" in by:
        w("saslauthd has no read deadline: each of its 5 processes accepts one idle connection and waits on it")
        w("for ever, and its listen backlog (%s) fills with more, so every other client" % by["saslauthd"].get("backlog", "-"))
        w("waits in `connect` until the idle connections close. authtest's first exchange is a connectivity")
        w("check outside the measured window; when it is still waiting at the end of the soak, no measured")
        w("check was sent (\"none answered\"). bench/pam.sh's section above has saslauthd under the spray alone.")
        w("")
    w("Every error, by source:")
    w("")
    bad = []
    for d, r in by.items():
        items = []
        for role in ("real", "spray"):
            rep = r[role]
            if rep.get("errors", 0) or rep.get("unexpected", 0) or rep.get("first_error"):
                items.append("%s client: %d errors, %d unexpected; first: %s" % (
                    role, rep.get("errors", 0), rep.get("unexpected", 0), rep.get("first_error") or "-"))
            if r["stderr"].get(role):
                items.append("%s client stderr: `%s`" % (role, answer(r["stderr"][role])))
        if r["stderr"].get("holder"):
            items.append("idle holder stderr: `%s`" % answer(r["stderr"]["holder"]))
        for name, count in sorted(r["holder"].get("connect_failures", {}).items()):
            items.append("idle holder: %s connects refused with %s (listen backlog full; retried after 50 ms)" % (num(count), name))
        if r["killed"]:
            items.append("%d client(s) still running %s s after the soak, killed" % (r["killed"], f["grace"]))
        for message, count in logs[d][0].most_common():
            items.append("log: %s × `%s`" % (num(count), message))
        w("- **%s**: %s" % (d, "none" if not items else ""))
        for item in items:
            w("  - %s" % item)
        if d == "authmux":
            problem = [i for i in items if not i.startswith("idle holder: ")]
            # The sprayers' SIGINT (sent at the end) is not an error; their errors are.
            if problem or r["killed"] or r["real"].get("ok", 0) == 0:
                bad.append(d)
    w("")
    w("Routine log lines (not errors), by message:")
    w("")
    for d in by:
        counts = logs[d][1]
        w("- %s: %s" % (d, ", ".join("%s × `%s`" % (num(c), m) for m, c in counts.most_common(8)) or "none"))
    w("")
    w("Commands:")
    w("")
    for d, r in by.items():
        w("- %s: `%s`" % (d, r["cmd"]))
    w("")
    w("authmux configuration (`limits.read_timeout` set explicitly; `max_connections` is the default 4096,")
    w("above %s idle + %d clients):" % (num(idle), sprayers + 1))
    w("")
    out.extend(fenced(f["config"], "yaml"))
    w("")
    w("PAM service (both daemons; paths are the run's temporary folder):")
    w("")
    out.extend(fenced(f["pam_service"]))
    w(END)
    return [(BEGIN, out, END)], bad


if __name__ == "__main__":
    sys.exit(report(section))
