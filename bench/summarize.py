#!/usr/bin/env python3
"""bench/run.sh's report: `summarize.py RESULTS BENCHMARKS.md` writes the top of BENCHMARKS.md
from the uncached sasldb scenarios and its cached-checks section from the cached ones, each only
when run.sh measured it. The hand-written bench/profile-notes.md goes under the first table.
"""
import os
import platform
import subprocess
import sys

from benchlib import comparison, every_run, fenced, label, mb, num, of_kind, opening, para, problem_list, report, rounds, table

CACHE_BEGIN = "<!-- cache-benchmark:start -->"
CACHE_END = "<!-- cache-benchmark:end -->"
PROFILE_NOTES = os.path.join(os.path.dirname(os.path.abspath(__file__)), "profile-notes.md")
SERVERS = ("saslauthd", "authmux", "floor")


def output(*argv):
    """What a command prints, on one line, or why it printed nothing."""
    try:
        done = subprocess.run(argv, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=60, check=False)
        return " ".join(done.stdout.decode("utf-8", "replace").split()) or "unknown"
    except (OSError, subprocess.SubprocessError) as error:
        return "unavailable (%s)" % error


def first_line(*argv):
    try:
        done = subprocess.run(argv, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=60, check=False)
        return (done.stdout.decode("utf-8", "replace").splitlines() or ["unknown"])[0]
    except (OSError, subprocess.SubprocessError) as error:
        return "unavailable (%s)" % error


def package(name):
    return "%s %s" % (name, output("dpkg-query", "-W", "-f=${Version}", name))


def proc_value(path, prefix):
    try:
        with open(path, encoding="utf-8", errors="replace") as handle:
            return next((line[len(prefix):].strip(" \t:\n") for line in handle if line.startswith(prefix)), "unknown")
    except OSError:
        return "unknown"


def head(lines, runs, f):
    keys = ("concurrency", "wrong_share")
    out = opening("Benchmarks: authmux against Cyrus saslauthd", "`make bench` (bench/run.sh)", f, """
        **The ratios are what matter, not the absolute numbers**: the servers and the load client share one small,
        noisy machine, so only figures measured in the same run, in alternation, are compared. Beside saslauthd and
        authmux runs the *floor* of the protocol, a C server that answers OK without checking anything (see
        [Method](#method)): no server that checks a password answers faster on this machine with this client, and its
        CPU per check is what the protocol alone costs a server.""", runs, level="#")
    out += ["## sasldb, no cache (medians of %s of %s s)" % (rounds(f["rounds"]), f["duration"]), ""]
    out += comparison(runs, SERVERS, keys, floor="floor") + [""]
    out += para("Ratios: the server's checks/s over saslauthd's and over the floor's in the same scenario. Daemon CPU"
                " per check: the user + system time of all the daemon's processes over the whole run, warm-up"
                " included, divided by the checks its rate implies. † The floor answers OK to wrong passwords too;"
                " the load client counts those as unexpected answers, which for the floor is expected.")
    # A profile is not part of every run: its findings are written by hand and carried into each
    # new BENCHMARKS.md, so a rerun does not lose them.
    if os.path.exists(PROFILE_NOTES):
        with open(PROFILE_NOTES, encoding="utf-8") as handle:
            out += [line for line in handle.read().splitlines() if not line.startswith("<!--")] + [""]

    out += ["## Peak memory", ""]
    out += para("Read from /proc just before the daemons were stopped: VmHWM is a process's peak resident set, Pss"
                " its resident set with shared pages split between the processes that share them. saslauthd `-n 5`"
                " is a master and four forked workers, all answering requests.")
    out += table(["daemon", "processes", "peak RSS (largest VmHWM)", "sum of VmHWM", "sum of Pss at the end"],
                 [[{"saslauthd": "Cyrus saslauthd", "authmux": "authmuxd"}.get(m["server"], label(m["server"])), m["processes"],
                   mb(m["peak_rss_kb"]), mb(m["sum_hwm_kb"]), mb(m["pss_kb"])] for m in of_kind(lines, "memory")], "lrrrr")
    out += ["", "## Every run", ""] + every_run(runs, keys) + [""]
    problems = problem_list(runs)
    if problems:
        out += ["## Problems", ""] + problems + [""]

    cores = os.cpu_count()
    out += ["## Machine and versions", ""]
    out += table(["what", "value"], [
        ["date", f["date"]],
        ["CPU", "%s × %s (%s)" % (cores, proc_value("/proc/cpuinfo", "model name"), platform.machine())],
        ["memory", "%.1f GiB" % (int(proc_value("/proc/meminfo", "MemTotal:").split()[0]) / 1024 ** 2)],
        ["OS, kernel", "%s, Linux %s" % (proc_value("/etc/os-release", "PRETTY_NAME=").strip('"'), platform.release())],
        ["authmux", "`%s`, as built at the start of the run%s" % (f["commit"], "; before: `%s` (`BASELINE=%s`)" % (
            f["baseline_sha"], f["baseline"]) if f.get("baseline_sha") else "")],
        ["Swift", first_line("swift", "--version")],
        ["Cyrus saslauthd", "`%s` (Debian %s)" % (output("/usr/sbin/saslauthd", "-v"), package("sasl2-bin"))],
        ["libsasl2, Berkeley DB", "%s, %s" % (package("libsasl2-2"), package("libdb5.3"))],
        ["floor server", "bench/floor-server.c, %s" % first_line("cc", "--version")],
        ["syslog socket /dev/log", "present" if os.path.exists("/dev/log") else
         "absent: saslauthd's per-failure syslog lines are dropped (a failed connect each)"],
    ], "ll")
    out += [""]

    def indented(lines):
        return ["  " + line if line else "" for line in lines]
    concurrencies = ", ".join(str(c) for c in dict.fromkeys(run["concurrency"] for run in runs))
    shares = " and ".join("%g%%" % (100 * s) for s in dict.fromkeys(run["wrong_share"] for run in runs))
    out += ["## Method", ""]
    out += ["- Users: %s generated with the real `saslpasswd2 -f DB -p -c -u %s benchN` (password `pw-benchN` on" % (f["users"], f["realm"]),
            "  standard input), one call per user, into one Berkeley DB file that saslauthd and authmux read.",
            "- Cyrus saslauthd reads only its compiled-in sasldb path, `/etc/sasldb2`, so it runs in a private mount",
            "  namespace in which the generated file is mounted there (a bind mount; an overlay on /etc where the",
            "  host has no such file); the host's file is untouched. Its default daemon mode (no `-d`, no `-c`),",
            "  logging to syslog:", ""]
    out += indented(fenced(f["saslauthd_cmd"]))
    out += ["- authmuxd, release build, logging one line per check to a file (its normal cost):", ""]
    out += indented(fenced(f["authmuxd_cmd"]) + ["", "with this configuration:", ""] + fenced(f["config"], "yaml"))
    out += ["- The floor: `bench/floor-server.c`, %s forked processes (as many as saslauthd's) accepting on one" % f["floor_procs"],
            "  socket, each reading one request and answering OK without looking at it, then closing:", ""]
    out += indented(fenced(f["floor_build"] + "\n" + f["floor_cmd"]))
    out += ["- Before measuring, saslauthd and authmux answered OK for the first and the last user and NO for a",
            "  wrong password (`testsaslauthd`); the floor answered OK to all three.",
            "- Load: one `authtest bench` client (release build) with **one blocking thread per simulated client**,",
            "  each doing connect, write, read, close for every request exactly as libsasl2's client does: **one",
            "  connection per request**, and a full listen backlog makes connect wait, as it does for libsasl2.",
            "  Users are picked at random from the %s (a wrong password is the right one with a suffix), %s s" % (f["users"], f["warmup"]),
            "  of warm-up then %s s measured, per run:" % f["duration"], ""]
    out += indented(fenced(f["authtest_cmd"]))
    out += ["- Scenarios: concurrency %s × wrong-password share %s; in each, %s of saslauthd, authmux" % (concurrencies, shares, rounds(f["rounds"])),
            "  and the floor in alternation (A B C A B C …), the same seed for all three in a round. Medians over",
            "  the rounds. Runs with errors or unexpected answers are not dropped: they are marked ⚠ and listed.",
            "- Loopback only: Unix sockets in a temporary folder ($TMP above).",
            "- Raw results: `%s` (one JSON object per line; not committed)." % f["results"], ""]
    return out


def cached(lines, runs, f):
    out = opening("Cached checks: authmux's credential cache against `saslauthd -c`", "bench/run.sh", f, """
        %s of %s s after %s s of warm-up, the servers in alternation. Every request asks for the same user, `%s`, with
        the right password, so after the first check every answer comes from each server's cache. The floor, which
        checks nothing, runs the same load: what it reaches bounds any cache on this machine. authmuxd logged %s check
        lines, %s of them `cached=yes` (the others: the first check, and any that found the entry being written).""" % (
        rounds(f["cache_rounds"]), f["duration"], f["warmup"], f["cache_user"], num(int(f["cache_lines"])),
        num(int(f["cache_hits"]))), runs, CACHE_BEGIN)
    out += comparison(runs, ("saslauthd-c", "authmux-c", "floor"), base="saslauthd-c", floor="floor") + [""]
    problems = problem_list(runs)
    if problems:
        out += ["Problems:", ""] + problems + [""]
    out += ["Commands:", ""] + fenced("\n".join((f["cached_saslauthd_cmd"], f["cached_authmuxd_cmd"], f["cached_authtest_cmd"])))
    out += ["", "authmuxd configuration:", ""] + fenced(f["cached_config"], "yaml") + ["", CACHE_END]
    return out


def section(lines, f):
    parts, bad = [], []
    for scenario, write, begin, end in (("sasldb", head, None, None), ("cached", cached, CACHE_BEGIN, CACHE_END)):
        runs = of_kind(lines, "run", scenario=scenario)
        if runs:
            parts.append((begin, write(lines, runs, f), end))
            bad += [run for run in runs if run["problems"]]
    return parts, bad


if __name__ == "__main__":
    sys.exit(report(section))
