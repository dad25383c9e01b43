#!/usr/bin/env python3
"""What the bench reports share (Python 3.11 standard library only), and the two commands with
which bench/lib.sh fills a results file:

  benchlib.py record RESULTS TAGS OUT EXIT [OPTION...]  one `authtest bench --json` run (its
                                                        OUT.json and OUT.err) as a JSON line
  benchlib.py line RESULTS KIND KEY VALUE...            one JSON object of strings

A results file holds JSON lines of kind "run", "facts" (what a report says about the run:
commands, configurations, settings), "memory", and any a script adds. A report,
`REPORT.py RESULTS BENCHMARKS.md`, puts its section between two marker comments, replacing the
previous one or appending it; bench/summarize.py writes the part before the first marker. So
each benchmark script can be rerun alone without losing the others' sections.
"""
import argparse
import datetime
import json
import os
import statistics
import sys
import textwrap

LABELS = {"saslauthd-c": "saslauthd -c", "authmux-c": "authmux, cache on", "authmux-dn": "authmux, dn_cache on"}
BEFORE = "-before"  # with BASELINE, bench/lib.sh runs that build's authmuxd as SERVER-before beside SERVER
baseline_short = "baseline"  # the baseline's short sha, once report() has read the facts
KEY_HEADERS = {"concurrency": "clients", "wrong_share": "wrong passwords", "pattern": "connections", "scenario": "load"}
OTHER_LOAD_LIMIT = 10.0  # percent of the machine; a few percent is usual, more is another load


# ---------------------------------------------------------------------------------------------
# Results

def load(path):
    with open(path, encoding="utf-8") as handle:
        return [json.loads(line) for line in handle if line.strip()]


def of_kind(lines, kind, **tags):
    """The lines of `kind` whose tags have the given values."""
    return [line for line in lines if line.get("kind") == kind and all(line.get(k) == v for k, v in tags.items())]


def facts(lines):
    merged = {}
    for line in of_kind(lines, "facts"):
        merged.update(line)
    return merged


def result(run, key, sub=None):
    value = (run.get("result") or {}).get(key)
    return value.get(sub) if sub and isinstance(value, dict) else value


def total(runs, key):
    return sum(result(run, key) or 0 for run in runs)


def median(values):
    values = [v for v in values if v is not None]
    return statistics.median(values) if values else None


def ratio(a, b):
    return a / b if a and b else None


def us_per_check(run, key="daemon_cpu_s"):
    """CPU µs per check: the processes' CPU time over the whole `authtest bench` call (warm-up
    included) divided by the checks its rate implies over that time."""
    rate, seconds = result(run, "checks_per_s"), run.get("seconds")
    if not rate or not seconds or run.get(key) is None:
        return None
    return 1e6 * run[key] / (rate * seconds)


# ---------------------------------------------------------------------------------------------
# Numbers and tables

def num(value, digits=0):
    return "–" if value is None else "{:,.{d}f}".format(value, d=digits)


def ms(value):
    """Milliseconds, with the decimals a latency of that size needs."""
    if value is None:
        return "–"
    return num(value, 3 if value < 1 else 2 if value < 100 else 1 if value < 1000 else 0)


def mb(kilobytes):
    return num(int(kilobytes) / 1024, 1) + " MB"


def us(value):
    return num(value, 1 if value is not None and value < 1000 else 0)


def times(value):
    return "–" if value is None else "%.2f×" % value


def share(value):
    return "%g%%" % (100 * value)


def label(server):
    if server.endswith(BEFORE):
        return label(server[:-len(BEFORE)]).replace("authmux", "authmux before (%s)" % baseline_short, 1)
    return LABELS.get(server, server)


def table(header, rows, align):
    """A Markdown table; `align` has an "l" or an "r" per column."""
    lines = ["| %s |" % " | ".join(header), "|%s|" % "|".join("---:" if a == "r" else "---" for a in align)]
    return lines + ["| %s |" % " | ".join(str(cell) for cell in row) for row in rows]


def scenarios(runs, keys):
    """(values of `keys`, runs) per scenario, in the order the runs were made."""
    found = {}
    for run in runs:
        found.setdefault(tuple(run.get(k) for k in keys), []).append(run)
    return found.items()


def key_cells(keys, values):
    return [share(v) if k == "wrong_share" else str(v) for k, v in zip(keys, values)]


def comparison(runs, servers, keys=("concurrency",), base="saslauthd", floor=None, extra=()):
    """The table every report shows: per scenario (the values of `keys`), one row per server
    with the medians over its rounds of checks/s, its ratio to `base`'s and to `floor`'s in the
    same scenario, p50, p99 and daemon CPU per check, then the errors and unexpected answers of
    all its rounds. ⚠ marks a server whose runs had problems, † OKs to wrong passwords from a
    server that answers OK to everything. `extra`: (header, function of a server's runs) for
    more columns. A server's baseline (SERVER-before), when measured, gets the row above its
    own, and the server an "after/before" ratio to it. authmux's ratios are in bold."""
    measured = {run["server"] for run in runs}
    servers = [name for server in servers for name in (server + BEFORE, server) if name in measured or name == server]
    header = [KEY_HEADERS[k] for k in keys] + ["server", "checks/s", "vs " + label(base)]
    header += ["vs " + label(floor)] if floor else []
    paired = any(server.endswith(BEFORE) for server in servers)
    header += ["after/before"] if paired else []
    header += ["p50 ms", "p99 ms", "daemon CPU µs per check"] + [h for h, _ in extra] + ["errors, unexpected"]
    rows = []
    for values, group in scenarios(runs, keys):
        mine = {server: [run for run in group if run["server"] == server] for server in servers}
        rate = {server: median(result(run, "checks_per_s") for run in mine[server]) for server in servers}
        for server in (s for s in servers if mine[s]):
            these = mine[server]

            def ratio_to(other):
                value = times(ratio(rate[server], rate.get(other)))
                return "**%s**" % value if server.startswith("authmux") and not server.endswith(BEFORE) and value != "–" else value
            row = key_cells(keys, values) + [label(server), num(rate[server]) + (" ⚠" if any(r["problems"] for r in these) else "")]
            row += [ratio_to(base)] + ([ratio_to(floor)] if floor else [])
            row += [ratio_to(server + BEFORE) if server + BEFORE in rate else ""] if paired else []
            row += [ms(median(result(r, "latency_ms", "p50") for r in these)), ms(median(result(r, "latency_ms", "p99") for r in these)),
                    us(median(us_per_check(r) for r in these))]
            row += [column(these) for _, column in extra]
            row.append("%s, %s%s" % (num(total(these, "errors")), num(total(these, "unexpected")),
                                     " †" if any(r.get("answers_ok") for r in these) else ""))
            rows.append(row)
    return table(header, rows, "r" * len(keys) + "l" + "r" * (len(header) - len(keys) - 1))


def every_run(runs, keys):
    """Each run on its own, in the order they were made."""
    header = [KEY_HEADERS[k] for k in keys] + ["round", "server", "checks/s", "p50 ms", "p99 ms", "daemon CPU µs per check",
                                                "OK", "NO", "errors", "unexpected"]
    rows = [key_cells(keys, [run.get(k) for k in keys]) + [
        run.get("round"), label(run["server"]) + (" ⚠" if run["problems"] else ""), num(result(run, "checks_per_s")),
        ms(result(run, "latency_ms", "p50")), ms(result(run, "latency_ms", "p99")), us(us_per_check(run)),
        num(result(run, "ok")), num(result(run, "no")), num(result(run, "errors")),
        num(result(run, "unexpected")) + (" †" if run.get("answers_ok") else "")] for run in runs]
    return table(header, rows, "r" * (len(keys) + 1) + "l" + "r" * 8)


def problem_list(runs):
    """A line per run with problems: the run's tags, what went wrong and its first error."""
    return ["- ⚠ `%s`: %s%s" % (run["label"], "; ".join(run["problems"]),
                                " (first error: `%s`)" % run["first_error"] if run.get("first_error") else "")
            for run in runs if run["problems"]]


def problem_block(runs):
    """A section's list of runs with problems under its heading, or nothing when every run went through."""
    problems = problem_list(runs)
    return ["**Problems** (runs with errors, unexpected answers or a failed exit):", ""] + problems + [""] if problems else []


def rounds(count):
    return "%s round%s" % (count, "" if str(count) == "1" else "s")


def quoted(text):
    """A note set apart as a block quote, wrapped."""
    return ["> " + line for line in textwrap.wrap(text, 98, break_long_words=False, break_on_hyphens=False)] + [""]


def notes(f, runs):
    """The warnings that go at the top of a section: changed sources, runs with problems, and
    runs another load may have disturbed."""
    out = []
    if f.get("sources_changed") == "yes":
        out += quoted("**The sources changed while this ran**: the figures are for the binaries built at its start, `%s`." % f["commit"])
    bad = [run for run in runs if run["problems"]]
    if bad:
        out += quoted("**⚠ %d run(s) had errors, unexpected answers or failed**, listed under Problems;"
                      " those that still gave figures are in the medians." % len(bad))
    disturbed = []
    for run in runs:
        idle, seconds, client = run.get("machine_idle_percent"), run.get("seconds"), result(run, "client_cpu_percent")
        if idle is None or not seconds or client is None:
            continue
        measured = client + 100 * ((run.get("daemon_cpu_s") or 0) + (run.get("side_cpu_s") or 0)) / seconds
        other = 100 - idle - measured / (os.cpu_count() or 1)
        if other > OTHER_LOAD_LIMIT:
            disturbed.append("`%s` (%.0f %%)" % (run["label"], other))
    if disturbed:
        out += quoted("**Possibly disturbed:** in these runs more than %.0f %% of the machine went to neither the load"
                      " client, nor the processes measured, nor idle (a few percent is usual): %s." % (
                          OTHER_LOAD_LIMIT, ", ".join(disturbed)))
    return out


def para(text):
    """A paragraph of prose, wrapped (its white space as written does not matter), and the blank line after it."""
    return textwrap.wrap(" ".join(text.split()), 100, break_long_words=False, break_on_hyphens=False) + [""]


def opening(title, by, f, text, runs=(), begin=None, level="##"):
    """The start of a section: its marker, its title, who wrote it when from which build, `text`,
    what the baseline is (when one was measured), and the notes on `runs`."""
    out = ([begin] if begin else []) + ["%s %s" % (level, title), ""]
    out += para("Written by %s on %s, build `%s`. %s" % (by, f["date"], f["commit"], text))
    return out + baseline(f) + notes(f, list(runs))


def baseline(f):
    """What "authmux before" is, when the run measured a baseline (BASELINE=REV)."""
    if not f.get("baseline_sha"):
        return []
    return para("""**%s** is the authmuxd of `BASELINE=%s`, commit `%s`, built in release mode in a git worktree,
        `%s`, with the dependency versions of this checkout's Package.resolved: it runs with the same configuration as authmux (its own socket
        and log aside) and is measured in every round right before it, under the same load with the same seed.
        *after/before* is authmux's checks/s over its.""" % (
        label("authmux-before"), f["baseline"], f["baseline_sha"], f["baseline_tree"]))


def fenced(text, lang=""):
    return ["```" + lang] + text.rstrip("\n").splitlines() + ["```"]


# ---------------------------------------------------------------------------------------------
# Writing BENCHMARKS.md

def write_part(path, lines, begin=None, end=None):
    """Puts `lines` into the file: between the markers `begin` and `end` (with which `lines` start
    and end), in place of what was there, or appended; without markers, in place of all that
    comes before the first marker comment (a line starting with "<!-- ")."""
    if begin is not None and (lines[0], lines[-1]) != (begin, end):
        raise ValueError("a section must start with %r and end with %r" % (begin, end))
    text = open(path, encoding="utf-8").read() if os.path.exists(path) else "# Benchmarks\n"
    block = "\n".join(lines)
    if begin is None:
        old = text.splitlines(keepends=True)
        first = next((i for i, line in enumerate(old) if line.startswith("<!-- ")), len(old))
        text = block + "\n\n" + "".join(old[first:])
    elif begin in text and end in text:
        head, rest = text.split(begin, 1)
        text = head + block + rest.split(end, 1)[1]
    else:
        text = text.rstrip("\n") + "\n\n" + block + "\n"
    with open(path, "w", encoding="utf-8") as handle:
        handle.write(text)


def report(section):
    """The main of a report, `REPORT.py RESULTS BENCHMARKS.md`. `section(lines, facts)` returns the
    parts to write, each (begin marker or None, lines, end marker or None), and whether a run
    had problems. The run's temporary folder and the checkout are shortened to $TMP and ./ in
    what is written, and its comparison tables are printed. Exit status 3 when a run had
    problems, else 0."""
    results, out = sys.argv[1:3]
    global baseline_short
    lines = load(results)
    f = facts(lines)
    baseline_short = f.get("baseline_sha", "")[:7] or baseline_short
    parts, bad = section(lines, f)
    for begin, body, end in parts:
        text = "\n".join(body)
        if f.get("tmp"):
            text = text.replace(f["tmp"], "$TMP")
        if f.get("root"):
            text = text.replace(f["root"].rstrip("/") + "/", "./")
        body = text.split("\n")
        write_part(out, body, begin, end)
        shown = False
        for line in body:
            shown = line.startswith("|") and (shown or "| vs " in line)
            if shown:
                print(line)
    return 3 if bad else 0


# ---------------------------------------------------------------------------------------------
# The commands bench/lib.sh calls

def typed(text):
    for kind in (int, float):
        try:
            return kind(text)
        except ValueError:
            pass
    return text


def read(path):
    try:
        with open(path, encoding="utf-8", errors="replace") as handle:
            return handle.read().strip()
    except OSError:
        return ""


def cmd_record(argv):
    parser = argparse.ArgumentParser(prog="benchlib.py record")
    parser.add_argument("results")
    parser.add_argument("tags", help='"key=value …", kept as the run\'s fields and its label')
    parser.add_argument("out", help="OUT.json and OUT.err are authtest bench's output")
    parser.add_argument("exit", type=int)
    parser.add_argument("--seconds", type=float, nargs=2, metavar=("START", "END"))
    parser.add_argument("--daemon-ticks", type=int, help="CPU clock ticks of the server's processes")
    parser.add_argument("--side-ticks", type=int, help="CPU clock ticks of other processes measured")
    parser.add_argument("--machine-ticks", nargs=2, metavar=("BEFORE", "AFTER"), help='"IDLE TOTAL" of /proc/stat')
    parser.add_argument("--daemon-alive", type=int, default=1)
    parser.add_argument("--answers-ok", action="store_true", help="the server answers OK to everything")
    parser.add_argument("--stopped", action="store_true", help="the client was stopped by a signal")
    args = parser.parse_args(argv)
    hz = os.sysconf("SC_CLK_TCK")
    run = {"kind": "run", "label": args.tags, "exit": args.exit, "daemon_alive_after": args.daemon_alive == 1,
           "time": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds")}
    run.update((key, typed(value)) for key, _, value in (word.partition("=") for word in args.tags.split()))
    if args.seconds:
        run["seconds"] = round(args.seconds[1] - args.seconds[0], 3)
    if args.daemon_ticks is not None:
        run["daemon_cpu_s"] = args.daemon_ticks / hz
    if args.side_ticks is not None:
        run["side_cpu_s"] = args.side_ticks / hz
    if args.machine_ticks:
        (idle0, all0), (idle1, all1) = ([int(n) for n in ticks.split()] for ticks in args.machine_ticks)
        run["machine_idle_percent"] = round(100 * (idle1 - idle0) / (all1 - all0), 1) if all1 > all0 else None

    raw, stderr = read(args.out + ".json"), read(args.out + ".err")
    try:
        res = json.loads(raw.splitlines()[-1]) if raw else None
    except ValueError:
        res = None
    problems = []
    if not isinstance(res, dict) or "checks_per_s" not in res:
        res = None
        problems.append("authtest bench printed no result (exit %d%s)" % (
            args.exit, ", killed by signal %d" % (args.exit - 128) if args.exit > 128 else ""))
    else:
        # With wrong passwords in the mix, the OKs of a server that answers OK to everything count
        # as unexpected answers (authtest exits 1): its nature, not a problem, unless it said NO.
        expected = args.answers_ok and res.get("no", 0) == 0 and res.get("errors", 0) == 0
        run["answers_ok"] = args.answers_ok and res.get("unexpected", 0) > 0 and expected
        if args.answers_ok and res.get("no", 0):
            problems.append("answered NO %d times, though it only ever answers OK" % res["no"])
        if args.exit != 0 and not args.stopped and not (expected and args.exit == 1):
            problems.append("authtest bench exited %d" % args.exit)
        if res.get("errors", 0):
            problems.append("%d errors" % res["errors"])
        if res.get("unexpected", 0) and not expected:
            problems.append("%d unexpected answers" % res["unexpected"])
        if res.get("requests", 0) <= 0:
            problems.append("no request completed")
        if res.get("first_error"):
            run["first_error"] = res["first_error"]
    if not run["daemon_alive_after"]:
        problems.append("the server was not running after this run")
    run.update(result=res, problems=problems)
    if stderr and problems:
        run["stderr"] = stderr[-2000:]
    with open(args.results, "a", encoding="utf-8") as handle:
        handle.write(json.dumps(run, sort_keys=True) + "\n")

    if res:
        cpu = us_per_check(run)
        print("  %s: %s checks/s, p50 %s ms, p99 %s ms%s (OK %d, NO %d, errors %d, unexpected %d%s)" % (
            args.tags, num(res["checks_per_s"]), ms(result(run, "latency_ms", "p50")), ms(result(run, "latency_ms", "p99")),
            ", daemon %s µs/check" % us(cpu) if cpu is not None else "", res.get("ok", 0), res.get("no", 0),
            res.get("errors", 0), res.get("unexpected", 0), ": OKs to wrong passwords, expected" if run["answers_ok"] else ""),
              flush=True)
    if problems:
        print("!!! PROBLEM in %s: %s%s" % (args.tags, "; ".join(problems), "\n!!! authtest: " + stderr[-500:] if stderr else ""),
              file=sys.stderr, flush=True)
    return 3 if problems else 0


def cmd_line(argv):
    results, kind, pairs = argv[0], argv[1], argv[2:]
    if len(pairs) % 2:
        sys.exit("benchlib.py line: KEY without a VALUE")
    with open(results, "a", encoding="utf-8") as handle:
        handle.write(json.dumps(dict(zip(pairs[::2], pairs[1::2]), kind=kind), sort_keys=True) + "\n")
    return 0


if __name__ == "__main__":
    commands = {"record": cmd_record, "line": cmd_line}
    if len(sys.argv) < 2 or sys.argv[1] not in commands:
        sys.exit(__doc__)
    sys.exit(commands[sys.argv[1]](sys.argv[2:]))
