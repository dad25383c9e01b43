#!/usr/bin/env python3
"""bench/sql.sh's report: `sql_report.py RESULTS BENCHMARKS.md` writes the SQL section."""
import sys

from benchlib import comparison, fenced, median, of_kind, opening, para, problem_block, ratio, report, result, rounds, table, times, us, \
    us_per_check

BEGIN = "<!-- BEGIN section sql (bench/sql.sh) -->"
END = "<!-- END section sql -->"


def database_cpu(runs):
    """The postgres processes' CPU µs per check, median over the rounds."""
    return us(median(us_per_check(run, "side_cpu_s") for run in runs))


def targets(runs):
    """Issue 21's targets: at least 1.5x Dovecot's checks/s and 80 % of the floor's."""
    def med(server):
        return median(result(run, "checks_per_s") for run in runs if run["server"] == server)
    dovecot, floor = ratio(med("authmux"), med("dovecot")), ratio(med("authmux"), med("floor"))
    return table(["target", "measured", "met"], [
        ["≥ 1.5× Dovecot's checks/s", times(dovecot), "yes" if dovecot is not None and dovecot >= 1.5 else "**no**"],
        ["≥ 80 % of the floor's checks/s", "%.0f %%" % (100 * floor) if floor is not None else "–",
         "yes" if floor is not None and floor >= 0.8 else "**no**"],
    ], "llc")


def section(lines, f):
    runs = of_kind(lines, "run")
    out = opening("SQL: authmux's sql backend against Dovecot's SQL passdb on PostgreSQL (bench/sql.sh)", "`bench/sql.sh` (part of `make bench`)", f, """
        %s, one throwaway cluster on 127.0.0.1, Postfix Admin's `mailbox` table with %s users whose passwords are in
        Dovecot's PLAIN scheme (the SQL path is measured, not a hash). Dovecot %s (`%s`) with only its auth service and
        `passdb { driver = sql }` through dovecot-pgsql, %s connections (%s open after the runs), its auth cache off and no
        failure delay; authmux's Dovecot door over a `type: sql` backend on the same table and query, %s connections at
        most (%s open after the runs: it sends the queries that wait together as one pipelined batch on one connection),
        the credential cache off, no failure delay and no throttle. The load: `authtest bench --protocol dovecot --persistent`, %s clients, every
        password right. The floor (`%s`, bench/sql-floor.c) is %s threads, each with its own libpq connection, executing
        the prepared query and comparing its answer, with no client, protocol or socket of its own: what a check against
        this database costs at the least. Medians of %s of %s s, in alternation.""" % (
        f["postgres_version"], f["users"], f["dovecot_version"], f["dovecot_cmd"], f["concurrency"], f.get("dovecot_connections", "–"),
        f["concurrency"], f.get("authmux_connections", "–"),
        f["concurrency"], f["floor_cmd"], f["concurrency"], rounds(f["rounds"]), f["duration"]), runs, BEGIN)
    out += comparison(runs, ("dovecot", "authmux", "floor"), keys=("concurrency",), base="dovecot", floor="floor",
                      extra=(("database CPU µs per check", database_cpu),)) + [""]
    out += ["Against the targets of the SQL issue:", ""] + targets(runs) + [""]
    out += para("CPU per check: the server's user + system time (Dovecot: all its processes) over the whole run, warm-up included,"
                " divided by the checks that run's rate implies; the database's is the same for the postgres processes serving the"
                " run. The floor's latency is not measured (it has no client to wait), and its own CPU is not a server's.")
    out += problem_block(runs)
    out += ["Dovecot's configuration, and its SQL file:", ""] + fenced(f["dovecot_conf"]) + [""] + fenced(f["dovecot_sql_conf"]) + [""]
    out += ["authmux configuration (`%s`):" % f["authmuxd_cmd"], ""] + fenced(f["config"], "yaml") + [END]
    return [(BEGIN, out, END)], [run for run in runs if run["problems"]]


if __name__ == "__main__":
    sys.exit(report(section))
