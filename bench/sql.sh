#!/usr/bin/env bash
# bench/sql.sh: authmux's sql backend against Dovecot's own SQL passdb, both on the same
# PostgreSQL table, through the Dovecot protocol on both sides, with the floor of a check
# against that database beside them (bench/sql-floor.c); writes its section of BENCHMARKS.md.
# `make bench` runs it after bench/dovecot.sh; `make bench-sql` runs it alone.
#
# The database: a throwaway PostgreSQL cluster (Debian's postgresql, run as its postgres
# account) on 127.0.0.1, Postfix Admin's `mailbox` table with USERS users (bench0@bench.example
# … with passwords pw-bench0 …) in Dovecot's PLAIN scheme: the figures are the SQL path, not a
# hash function. Dovecot: `dovecot -F` with only its auth service, `passdb { driver = sql }`
# through dovecot-pgsql with 16 connections, its auth cache off and no failure delay; authmux:
# its Dovecot door, a sql backend with 16 connections, the credential cache off, no failure
# delay, no throttle. The load: 16 clients of `authtest bench --protocol dovecot --persistent`
# (as Postfix's smtpd asks), every password right (Dovecot answers failures from a 500 ms
# timer; see bench/dovecot.sh). The floor: 16 threads, each with its own libpq connection, the
# prepared query and a comparison of its answer, nothing else. Database CPU per check: the
# postgres processes' CPU time over each run divided by the checks of that run.
#
# Environment (all optional): ROUNDS=3 DURATION=5 WARMUP=1 USERS=100 KEEP_TMP=1
#
# Exit status: 0 when every run went through; 1 on a setup failure; 3 when the section was
# written but some run had errors or unexpected answers.
set -euo pipefail
BENCH=bench/sql
# shellcheck source=bench/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

ROUNDS=${ROUNDS:-3}
DURATION=${DURATION:-5}
WARMUP=${WARMUP:-1}
USERS=${USERS:-100}
CONCURRENCY=16
REALM=bench.example
DBPASS=bench-db-pass
need_counts ROUNDS USERS
need_numbers DURATION WARMUP
need dovecot-core dovecot doveadm
need dovecot-pgsql /usr/lib/dovecot/modules/auth/libdriver_pgsql.so
need postgresql /usr/lib/postgresql
need "gcc libc6-dev libpq-dev" cc /usr/include/postgresql/libpq-fe.h
install_missing
PGBIN=$(find /usr/lib/postgresql -maxdepth 3 -name postgres -path '*/bin/*' | sort -V | tail -n 1)
PGBIN=${PGBIN%/postgres}
[ -x "$PGBIN/initdb" ] || die "no PostgreSQL server binaries under /usr/lib/postgresql"
build_release
make_tmp sql

# PostgreSQL runs as its own account (it refuses root), in a folder of the run's.
as_postgres=()
if [ "$(id -u)" -eq 0 ]; then as_postgres=(setpriv --reuid=postgres --regid=postgres --init-groups --); fi
mkdir -p "$TMP/pg"
[ ${#as_postgres[@]} -eq 0 ] || chown postgres:postgres "$TMP/pg"
say "initdb in $TMP/pg"
"${as_postgres[@]}" "$PGBIN/initdb" -D "$TMP/pg/data" -U postgres -E UTF8 --no-sync --auth-local=trust >"$TMP/initdb.log" 2>&1 ||
  { tail -n 20 "$TMP/initdb.log" >&2; die "initdb failed"; }
printf 'local all all trust\nhost all all 127.0.0.1/32 scram-sha-256\n' >"$TMP/pg/data/pg_hba.conf"
PGPORT=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
start_daemon postgres "$TMP/pg/.s.PGSQL.$PGPORT" "$TMP/postgres.log" "${as_postgres[@]}" "$PGBIN/postgres" -D "$TMP/pg/data" \
  -p "$PGPORT" -k "$TMP/pg" -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=100
for _ in $(seq 1 100); do "$PGBIN/pg_isready" -q -h "$TMP/pg" -p "$PGPORT" && break; sleep 0.1; done
psql_run() { "$PGBIN/psql" -X -q -v ON_ERROR_STOP=1 -h "$TMP/pg" -p "$PGPORT" -U postgres "$@"; }
psql_run -d postgres -c "CREATE DATABASE authmux" -c "CREATE ROLE authmux LOGIN PASSWORD '$DBPASS'"
say "writing $USERS users to mailbox"
psql_run -d authmux -c "CREATE TABLE mailbox (username varchar(255) PRIMARY KEY, password varchar(255), active boolean NOT NULL)" \
  -c "INSERT INTO mailbox SELECT 'bench' || i || '@$REALM', '{PLAIN}pw-bench' || i, true FROM generate_series(0, $((USERS - 1))) i" \
  -c "GRANT SELECT ON mailbox TO authmux" -c "ANALYZE mailbox"

# The postgres processes, for the database's CPU time: the server and every backend it runs.
pg_pids() { pids_of "${DAEMON_PID[postgres]}"; }

mkdir -p "$TMP/dovecot-run" "$TMP/dovecot" "$TMP/authmux"
cat >"$TMP/dovecot-sql.conf.ext" <<CONF
driver = pgsql
connect = host=127.0.0.1 port=$PGPORT dbname=authmux user=authmux password=$DBPASS maxconns=$CONCURRENCY
default_pass_scheme = PLAIN
password_query = SELECT password FROM mailbox WHERE username = '%u' AND active = true
CONF
chmod 0644 "$TMP/dovecot-sql.conf.ext"
dovecot_conf "passdb {
  driver = sql
  args = $TMP/dovecot-sql.conf.ext
}" >"$TMP/dovecot.conf"
start_daemon dovecot "$TMP/dovecot/auth-client" "$TMP/dovecot.stderr" dovecot -F -c "$TMP/dovecot.conf"

cat >"$TMP/authmux.yaml" <<CONF
listen:
  - protocol: dovecot
    path: $TMP/authmux/auth-client
backends:
  db:
    type: sql
    driver: postgresql
    hosts: [ "127.0.0.1:$PGPORT" ]
    database: authmux
    user: authmux
    password: "$DBPASS"
    connections: $CONCURRENCY
    allow_weak_schemes: true        # PLAIN, as Dovecot's default_pass_scheme: the SQL path, not a hash
    password_query: "SELECT password FROM mailbox WHERE username = %{user} AND active = true"
# As Dovecot runs here: no cache, no failure delay, no throttle.
cache: { enabled: false }
failure_delay: { floor: 0s }
throttle: { enabled: false }
CONF
start_daemon authmux "$TMP/authmux/auth-client" "$TMP/authmuxd.log" "$BIN/authmuxd" --config "$TMP/authmux.yaml" --foreground

cc -O2 -o "$TMP/sql-floor" bench/sql-floor.c -I/usr/include/postgresql -lpq -lpthread || die "could not compile bench/sql-floor.c"
FLOOR_QUERY="SELECT password FROM mailbox WHERE username = \$1 AND active = true"
FLOOR_CONN="host=127.0.0.1 port=$PGPORT dbname=authmux user=authmux password=$DBPASS"

for name in dovecot authmux; do
  expect_dovecot "$name" OK "bench0@$REALM" pw-bench0
  expect_dovecot "$name" NO "bench0@$REALM" pw-bench1
  expect_dovecot "$name" NO "nobody@$REALM" pw-bench0
done
say "Dovecot and authmux answer OK for a right password and FAIL for a wrong one or an unknown user"

load_args() {  # load_args ROUND
  printf '%s\n' --protocol dovecot -c "$CONCURRENCY" --generated-users "$USERS" --user-prefix bench --password-prefix pw-bench \
    --realm "$REALM" -s smtp --wrong-share 0 --seed "$1" --duration "$DURATION" --warmup "$WARMUP" --persistent
}
# A first load, not measured, so that both servers hold their database connections before the
# runs: the CPU of the postgres backends serving them is read from those processes.
for name in dovecot authmux; do
  mapfile -t args < <(load_args 0)
  "$BIN/authtest" bench -f "${DAEMON_SOCK[$name]}" "${args[@]}" --duration 2 >/dev/null 2>&1 || true
done

# floor_run ROUND: the floor, with the database's CPU around it, recorded as a run of server
# "floor" (authtest's result fields it has: checks/s, requests, unexpected = wrong comparisons).
floor_run() {
  local out=$TMP/run-$((RUNS += 1)) t0 t1 p0 p1 pids=() line checks seconds failures rc=0
  mapfile -t pids < <(pg_pids)
  p0=$(pg_total_ticks); t0=$(date +%s.%N)
  "$TMP/sql-floor" "$FLOOR_CONN" "$FLOOR_QUERY" "$USERS" "$CONCURRENCY" "$WARMUP" "$DURATION" >"$out.out" 2>"$out.err" || rc=$?
  sleep 0.3   # the floor's backends exit as it disconnects: their time reaches the server once reaped
  t1=$(date +%s.%N); p1=$(pg_total_ticks)
  line=$(cat "$out.out")
  read -r _ checks _ seconds _ failures <<<"$line" || true
  python3 - "$out.json" "${checks:-0}" "${seconds:-0}" "${failures:-0}" <<'PY'
import json, sys
path, checks, seconds, failures = sys.argv[1], int(sys.argv[2]), float(sys.argv[3]), int(sys.argv[4])
rate = checks / seconds if seconds > 0 else 0
json.dump({"checks_per_s": rate, "requests": checks, "ok": checks - failures, "no": 0, "errors": 0,
           "unexpected": failures, "latency_ms": {}}, open(path, "w"))
PY
  # The floor's own warm-up and connection set-up count too, as for the servers' runs.
  record "scenario=sql concurrency=$CONCURRENCY round=$1 server=floor" "$out" "$rc" --seconds "$t0" "$t1" --side-ticks $((p1 - p0))
}
# All the CPU the postgres processes have used: the live ones', and the server's children that
# have exited (cutime + cstime of the postmaster).
pg_total_ticks() {
  local stat fields
  stat=$(cat "/proc/${DAEMON_PID[postgres]}/stat")
  read -r -a fields <<<"${stat##*) }"
  echo $(($(cpu_ticks $(pg_pids)) + fields[13] + fields[14]))
}

say "$CONCURRENCY clients, persistent connections: $ROUNDS round(s) of ${WARMUP}+${DURATION} s of Dovecot, authmux, the floor"
for ((round = 1; round <= ROUNDS; round++)); do
  for server in dovecot authmux; do
    mapfile -t args < <(load_args "$round")
    SIDE_PIDS=$(pg_pids | tr '\n' ' ') measure "scenario=sql concurrency=$CONCURRENCY round=$round" "$server" -f "${DAEMON_SOCK[$server]}" "${args[@]}"
  done
  floor_run "$round"
done

# How many database connections each server kept: authmux sends waiting queries together, so
# it may use fewer than it is allowed.
open_connections() { psql_run -d authmux -t -A -c "SELECT count(*) FROM pg_stat_activity WHERE usename = 'authmux' AND application_name $1"; }
facts authmux_connections "$(open_connections "= 'authmuxd'")" dovecot_connections "$(open_connections "<> 'authmuxd'")" \
  rounds "$ROUNDS" duration "$DURATION" users "$USERS" concurrency "$CONCURRENCY" dovecot_cmd "${DAEMON_CMD[dovecot]}" \
  dovecot_version "$(dovecot --version)" postgres_version "$("$PGBIN/postgres" --version)" authmuxd_cmd "${DAEMON_CMD[authmux]}" \
  floor_cmd "sql-floor CONNINFO '$FLOOR_QUERY' $USERS $CONCURRENCY $WARMUP $DURATION" \
  config "$(sed "s/$DBPASS/…/" "$TMP/authmux.yaml")" dovecot_conf "$(cat "$TMP/dovecot.conf")" \
  dovecot_sql_conf "$(sed "s/$DBPASS/…/" "$TMP/dovecot-sql.conf.ext")"
finish sql_report.py
