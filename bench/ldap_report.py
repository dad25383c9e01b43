#!/usr/bin/env python3
"""bench/ldap.sh's report: `ldap_report.py RESULTS BENCHMARKS.md` writes the LDAP section."""
import sys

from benchlib import comparison, fenced, median, of_kind, opening, para, problem_block, report, rounds, us, us_per_check

BEGIN = "<!-- BEGIN section ldap (bench/ldap.sh) -->"
END = "<!-- END section ldap -->"


def section(lines, f):
    runs = of_kind(lines, "run")
    out = opening("LDAP: authmux against `saslauthd -a ldap` (bench/ldap.sh)", "`bench/ldap.sh` (part of `make bench`)", f, """
        Both daemons read the same saslauthd.conf and ask the same throwaway slapd (`%s`, mdb, %s users) on this
        machine: every check is a search for `(uid=%%u)` and a bind as the entry found. 10%% of the passwords sent are
        wrong. saslauthd: `%s` (no cache). authmux: the ldap backend with `saslauthd_conf:` pointing at the same file,
        its credential cache off, %s. The floor (`%s`, bench/ldap-floor.c) is a C server that does only what such a
        check must: one thread per client blocked in `accept`, the search and the bind with libldap's synchronous
        calls, the answer; no log line, no escaping, no timeouts, no failover, no thread hand-off. slapd, the servers
        and the load client share the machine's cores. Medians of %s of %s s, in alternation.""" % (
        f["slapd_cmd"], f["users"], f["saslauthd_cmd"], "%s threads" % f["threads"] if f["threads"] else "its default threads",
        f["floor_cmd"], rounds(f["rounds"]), f["duration"]), runs, BEGIN)
    slapd = ("slapd CPU µs per check", lambda these: us(median(us_per_check(run, "side_cpu_s") for run in these)))
    out += comparison(runs, ("saslauthd", "authmux", "authmux-dn", "floor"), floor="floor", extra=[slapd]) + [""]
    if f.get("dn_config"):
        out += para("*authmux, dn_cache on* is a second authmuxd with `dn_cache: { ttl: 10m, max_entries: 100000 }`:"
                    " once a user's DN was found, a right password is one bind, no search; a wrong one binds, fails,"
                    " and searches once more (the same entry: the answer is no, without a second bind).")
    out += para("CPU per check: each process's user + system time over the whole run, warm-up included, divided by"
                " the checks that run's rate implies; the directory's share is what an LDAP check costs most."
                " saslauthd binds as its search identity again before every search (its connection was last bound as"
                " the previous user), so each of its checks costs slapd three operations; authmux searches on"
                " connections that stay bound as the search identity and binds users on others: two operations. With"
                " slapd on the same two cores, its share bounds every server, the floor included, which is why the"
                " ratios here stay well below the sasldb ones.")
    out += problem_block(runs)
    out += ["saslauthd.conf (both daemons):", ""] + fenced(f["saslauthd_conf"]) + [""]
    out += ["authmux configuration (`%s`):" % f["authmuxd_cmd"], ""] + fenced(f["config"], "yaml") + [END]
    return [(BEGIN, out, END)], [run for run in runs if run["problems"]]


if __name__ == "__main__":
    sys.exit(report(section))
