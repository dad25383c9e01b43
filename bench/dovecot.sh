#!/usr/bin/env bash
# bench/dovecot.sh: authmux's Dovecot auth door against Dovecot's own auth service (the anchor:
# what Postfix and Exim ask when they authenticate "the Dovecot way"), with the protocol's
# floor beside them (bench/dovecot-floor.c); writes its section of BENCHMARKS.md. `make bench`
# runs it after bench/ldap.sh; `make bench-dovecot` runs it alone.
#
# The users: USERS of authtest's generated users (bench0@bench.example … with passwords
# pw-bench0 …), in a sasldb written by the real saslpasswd2 for authmux and in a passwd-file
# with the same passwords in Dovecot's PLAIN scheme for Dovecot: each server's plaintext store,
# neither hashing. Dovecot: `dovecot -F` from Debian's dovecot-core with only its auth service
# (no IMAP or POP3), its auth cache off and no failure delay; authmux: the same, its cache off,
# no failure delay, no throttle. Three loads, as Postfix and Exim ask: one connection per
# client kept for all its checks (Postfix's smtpd), and one connection per check (Exim) with
# 16 and with 64 clients. Every password is right: Dovecot sends failures from a timer that
# ticks every 500 ms even with auth_failure_delay = 0, so with wrong passwords in the load its
# figures would measure that wait (a 10% share cut it to a few checks per second), not its
# checking.
#
# Environment (all optional): ROUNDS=3 DURATION=5 WARMUP=1 USERS=100 KEEP_TMP=1
#
# Exit status: 0 when every run went through; 1 on a setup failure; 3 when the section was
# written but some run had errors or unexpected answers.
set -euo pipefail
BENCH=bench/dovecot
# shellcheck source=bench/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

ROUNDS=${ROUNDS:-3}
DURATION=${DURATION:-5}
WARMUP=${WARMUP:-1}
USERS=${USERS:-100}
REALM=bench.example
need_counts ROUNDS USERS
need_numbers DURATION WARMUP
need dovecot-core dovecot doveadm
need "gcc libc6-dev" cc
install_missing
build_release
make_tmp amd

say "writing $USERS users to a sasldb (saslpasswd2) and a Dovecot passwd-file"
for ((i = 0; i < USERS; i++)); do
  printf '%s' "pw-bench$i" | saslpasswd2 -p -c -f "$TMP/sasldb2" -u "$REALM" "bench$i"
  printf 'bench%d@%s:{PLAIN}pw-bench%d\n' "$i" "$REALM" "$i"
done >"$TMP/dovecot-users"
chmod 0644 "$TMP/sasldb2" "$TMP/dovecot-users"

mkdir -p "$TMP/dovecot-run" "$TMP/dovecot" "$TMP/authmux" "$TMP/floor"
dovecot_conf "passdb {
  driver = passwd-file
  args = scheme=PLAIN username_format=%u $TMP/dovecot-users
}" >"$TMP/dovecot.conf"
start_daemon dovecot "$TMP/dovecot/auth-client" "$TMP/dovecot.stderr" dovecot -F -c "$TMP/dovecot.conf"

cat >"$TMP/authmux.yaml" <<CONF
listen:
  - protocol: dovecot
    path: $TMP/authmux/auth-client
backends:
  mailusers: { type: sasldb, path: $TMP/sasldb2 }
# As Dovecot runs here: no cache, no failure delay (and no throttle, which Dovecot's auth
# service does not have), so both measure checking, not waiting.
cache: { enabled: false }
failure_delay: { floor: 0s }
throttle: { enabled: false }
CONF
start_daemon authmux "$TMP/authmux/auth-client" "$TMP/authmuxd.log" "$BIN/authmuxd" --config "$TMP/authmux.yaml" --foreground

cc -O2 -o "$TMP/dovecot-floor" bench/dovecot-floor.c -lpthread || die "could not compile bench/dovecot-floor.c"
start_daemon floor "$TMP/floor/auth-client" "$TMP/dovecot-floor.log" "$TMP/dovecot-floor" "$TMP/floor/auth-client" 64
ANSWERS_OK=floor

for name in dovecot authmux; do
  expect_dovecot "$name" OK "bench0@$REALM" pw-bench0
  expect_dovecot "$name" NO "bench0@$REALM" pw-bench1
  expect_dovecot "$name" NO "nobody@$REALM" pw-bench0
done
expect_dovecot floor OK "bench0@$REALM" pw-bench0
say "Dovecot and authmux answer OK for a right password and FAIL for a wrong one or an unknown user"

PATTERN=persistent CONCURRENCY=16
load_args() {  # load_args ROUND
  printf '%s\n' --protocol dovecot -c "$CONCURRENCY" --generated-users "$USERS" --user-prefix bench --password-prefix pw-bench \
    --realm "$REALM" -s smtp --wrong-share 0 --seed "$1" --duration "$DURATION" --warmup "$WARMUP"
  [ "$PATTERN" != persistent ] || printf '%s\n' --persistent
}
for load in persistent:16 per-check:16 per-check:64; do
  PATTERN=${load%%:*} CONCURRENCY=${load##*:}
  say "$PATTERN connections, $CONCURRENCY clients: $ROUNDS round(s) of ${WARMUP}+${DURATION} s of Dovecot, authmux, the floor"
  alternate "scenario=dovecot pattern=$PATTERN concurrency=$CONCURRENCY" dovecot authmux floor
done

facts rounds "$ROUNDS" duration "$DURATION" users "$USERS" dovecot_cmd "${DAEMON_CMD[dovecot]}" \
  dovecot_version "$(dovecot --version)" authmuxd_cmd "${DAEMON_CMD[authmux]}" floor_cmd "${DAEMON_CMD[floor]}" \
  config "$(cat "$TMP/authmux.yaml")" dovecot_conf "$(cat "$TMP/dovecot.conf")"
finish dovecot_report.py
