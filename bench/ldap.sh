#!/usr/bin/env bash
# bench/ldap.sh: authmuxd's ldap backend (auth_method: bind) against Cyrus `saslauthd -a ldap`,
# both reading the same saslauthd.conf and asking the same throwaway slapd, in one run, with the
# floor of such a check beside them (bench/ldap-floor.c: a C server that does only the search
# and the bind, on one thread per client); writes its section of BENCHMARKS.md. `make bench`
# runs it after bench/pam.sh; `make bench-ldap` runs it alone.
#
# The directory: slapd from Debian's package on 127.0.0.1 and a free port, an mdb database in
# a temporary folder, USERS inetOrgPerson entries loaded with slapadd (authtest's generated
# users amxbench0… with passwords pw-amxbench0…). Each check is a search for (uid=%u) and a
# bind as the entry found, on both daemons. authmuxd runs with its credential cache off, as
# saslauthd runs without -c, so every check reaches the directory; a second authmuxd,
# authmux-dn, runs the same configuration with dn_cache on (a check with a remembered DN is one
# bind). slapd shares the machine's cores with the daemons and the load client, as it would on
# a small mail host.
#
# Environment (all optional): ROUNDS=3 DURATION=5 WARMUP=1 LDAP_CONCURRENCY=16 USERS=100
#   SASLAUTHD_WORKERS=5 KEEP_TMP=1 LDAP_THREADS (authmux's `threads:`; unset: its default)
#   BASELINE=REV (also measure REV's authmuxd, built in var/bench-baseline/, as "authmux before",
#   with authmux's configuration, right before it in every round)
#
# Exit status: 0 when every run went through; 1 on a setup failure; 3 when the section was
# written but some run had errors or unexpected answers.
set -euo pipefail
BENCH=bench/ldap
# shellcheck source=bench/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

ROUNDS=${ROUNDS:-3}
DURATION=${DURATION:-5}
WARMUP=${WARMUP:-1}
LDAP_CONCURRENCY=${LDAP_CONCURRENCY:-16}
USERS=${USERS:-100}
SASLAUTHD_WORKERS=${SASLAUTHD_WORKERS:-5}
SUFFIX="dc=example,dc=com"
need_counts ROUNDS LDAP_CONCURRENCY USERS SASLAUTHD_WORKERS ${LDAP_THREADS:+LDAP_THREADS}
need_numbers DURATION WARMUP
need slapd slapd slapadd
need ldap-utils ldapwhoami
need "gcc libc6-dev libldap2-dev" cc /usr/include/ldap.h   # bench/ldap-floor.c
install_missing
build_release
build_baseline
make_tmp aml

# The directory.
PORT=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
URL="ldap://127.0.0.1:$PORT/"
mkdir -p "$TMP/db"
cat >"$TMP/slapd.conf" <<EOF
include /etc/ldap/schema/core.schema
include /etc/ldap/schema/cosine.schema
include /etc/ldap/schema/nis.schema
include /etc/ldap/schema/inetorgperson.schema
pidfile $TMP/slapd.pid
modulepath /usr/lib/ldap
moduleload back_mdb
database mdb
suffix "$SUFFIX"
rootdn "cn=admin,$SUFFIX"
rootpw admin-pw
directory $TMP/db
maxsize 104857600
index uid eq
access to attrs=userPassword by anonymous auth by self write by * none
access to * by * read
EOF
{
  printf 'dn: %s\nobjectClass: dcObject\nobjectClass: organization\no: bench\ndc: example\n\n' "$SUFFIX"
  printf 'dn: ou=people,%s\nobjectClass: organizationalUnit\nou: people\n\n' "$SUFFIX"
  for ((i = 0; i < USERS; i++)); do
    printf 'dn: uid=amxbench%d,ou=people,%s\nobjectClass: inetOrgPerson\nuid: amxbench%d\ncn: amxbench%d\nsn: bench\nuserPassword: pw-amxbench%d\n\n' \
      "$i" "$SUFFIX" "$i" "$i" "$i"
  done
} >"$TMP/users.ldif"
slapadd -q -f "$TMP/slapd.conf" -l "$TMP/users.ldif" || die "slapadd failed"
DAEMON_CMD[slapd]="slapd -f $TMP/slapd.conf -h $URL -d 0"
say "starting slapd: ${DAEMON_CMD[slapd]} ($USERS users, cleartext userPassword)"
setsid slapd -f "$TMP/slapd.conf" -h "$URL" -d 0 >"$TMP/slapd.log" 2>&1 &
DAEMON_PID[slapd]=$!
for _ in $(seq 1 100); do ldapwhoami -x -H "$URL" >/dev/null 2>&1 && break; alive "${DAEMON_PID[slapd]}" || break; sleep 0.1; done
ldapwhoami -x -H "$URL" >/dev/null 2>&1 || { tail -n 20 "$TMP/slapd.log" >&2; die "slapd did not start"; }

# One saslauthd.conf for both daemons.
cat >"$TMP/saslauthd.conf" <<EOF
ldap_servers: $URL
ldap_search_base: ou=people,$SUFFIX
ldap_filter: (uid=%u)
ldap_auth_method: bind
ldap_timeout: 5
ldap_time_limit: 5
EOF
start_saslauthd saslauthd "$TMP/saslauthd" -a ldap -O "$TMP/saslauthd.conf" -n "$SASLAUTHD_WORKERS"
cat >"$TMP/authmux.yaml" <<EOF
listen:
  - protocol: saslauthd
    path: $TMP/authmux/mux
cache: { enabled: false }
# The comparison measures checking: saslauthd answers a wrong password at once and has no
# throttle, so with authmux's failure delay (2 s by default) and throttle the wrong passwords
# would measure waiting.
failure_delay: { floor: 0s }
throttle: { enabled: false }
backends:
  directory: { type: ldap, saslauthd_conf: $TMP/saslauthd.conf${LDAP_THREADS:+, threads: $LDAP_THREADS} }
EOF
start_daemon authmux "$TMP/authmux/mux" "$TMP/authmuxd.log" "$BIN/authmuxd" --config "$TMP/authmux.yaml" --foreground
start_before authmux "$TMP/authmux.yaml"
# The same with its dn_cache on: a check whose DN a search found before is one bind.
sed -e "s|$TMP/authmux/|$TMP/authmux-dn/|" \
  -e "s|saslauthd_conf: $TMP/saslauthd.conf|saslauthd_conf: $TMP/saslauthd.conf, dn_cache: { ttl: 10m, max_entries: 100000 }|" \
  "$TMP/authmux.yaml" >"$TMP/authmux-dn.yaml"
grep -q dn_cache "$TMP/authmux-dn.yaml" || die "could not add dn_cache to $TMP/authmux-dn.yaml"
start_daemon authmux-dn "$TMP/authmux-dn/mux" "$TMP/authmuxd-dn.log" "$BIN/authmuxd" --config "$TMP/authmux-dn.yaml" --foreground

# The floor: one thread per client, so no check ever waits for a thread.
FLOOR_BUILD="cc -O2 -o $TMP/ldap-floor bench/ldap-floor.c -lldap -llber -lpthread"
$FLOOR_BUILD || die "could not compile bench/ldap-floor.c"
start_daemon floor "$TMP/floor/mux" "$TMP/ldap-floor.log" "$TMP/ldap-floor" "$TMP/floor/mux" "$URL" "ou=people,$SUFFIX" "$LDAP_CONCURRENCY"

for name in $(with_before saslauthd authmux authmux-dn floor); do
  expect "$name" OK -u amxbench0 -p pw-amxbench0
  expect "$name" NO -u amxbench0 -p pw-amxbench1
  expect "$name" NO -u nobody -p pw-amxbench0
done
say "all answer OK for a right password and NO for a wrong one or an unknown user"

load_args() {  # load_args ROUND
  printf '%s\n' -c "$LDAP_CONCURRENCY" --generated-users "$USERS" --user-prefix amxbench --password-prefix pw-amxbench \
    --wrong-share 0.1 --seed "$1" --duration "$DURATION" --warmup "$WARMUP"
}
say "$ROUNDS round(s) of ${WARMUP}+${DURATION} s at concurrency $LDAP_CONCURRENCY: saslauthd, ${BASELINE_BIN:+authmux before, }authmux, then the floor"
SIDE_PIDS=${DAEMON_PID[slapd]}   # slapd's CPU per check, beside each server's
alternate "scenario=ldap concurrency=$LDAP_CONCURRENCY" saslauthd authmux authmux-dn floor

facts rounds "$ROUNDS" duration "$DURATION" users "$USERS" slapd_cmd "${DAEMON_CMD[slapd]}" \
  saslauthd_cmd "${DAEMON_CMD[saslauthd]}" authmuxd_cmd "${DAEMON_CMD[authmux]}" floor_cmd "${DAEMON_CMD[floor]}" \
  threads "${LDAP_THREADS:-}" config "$(cat "$TMP/authmux.yaml")" dn_config "$(cat "$TMP/authmux-dn.yaml")" saslauthd_conf "$(cat "$TMP/saslauthd.conf")"
finish ldap_report.py
