#!/usr/bin/env bash
# bench/sasldb-scale.sh: a sasldb of USERS (1,000,000) users that changes under load, authmuxd
# against Cyrus `saslauthd -a sasldb -n 5` on the same file in one run: checks/s with the file
# unchanged, checks/s while a writer runs saslpasswd2 on another user every CHURN_INTERVAL
# (0.1 s), and how long the first check after a change takes (bench/first_check.py: one
# saslpasswd2, then one check at once, against a check with no change before it); authmuxd's
# start-up time (until it answers a check) and memory, and its memory with a one-user file,
# which gives the cost per 100,000 users. Writes its section of BENCHMARKS.md. `make bench` runs
# it; `make bench-sasldb-scale` alone.
#
# The file is written with db5.3_load from a generated dump (user0… with pw-user0…, realm
# scale.example), a hash database as saslpasswd2 makes, cached in var/bench-cache/.
#
# Environment (all optional): USERS=1000000 ROUNDS=3 DURATION=5 WARMUP=1 CONCURRENCY=16
#   CHURN_INTERVAL=0.1 FIRST_ROUNDS=200 KEEP_TMP=1
#
# Needs root or passwordless sudo (saslauthd, as in bench/run.sh). Exit status: 0 when every run
# went through; 1 on a setup failure; 3 when the section was written but some run had errors or
# unexpected answers.
set -euo pipefail
BENCH=bench/sasldb-scale
# shellcheck source=bench/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

USERS=${USERS:-1000000}
ROUNDS=${ROUNDS:-3}
DURATION=${DURATION:-5}
WARMUP=${WARMUP:-1}
CONCURRENCY=${CONCURRENCY:-16}
CHURN_INTERVAL=${CHURN_INTERVAL:-0.1}
FIRST_ROUNDS=${FIRST_ROUNDS:-200}
REALM=scale.example
need_counts USERS ROUNDS CONCURRENCY FIRST_ROUNDS
need_numbers DURATION WARMUP CHURN_INTERVAL
[ ${#SUDO[@]} -eq 0 ] || sudo -n true 2>/dev/null || die "not root and no passwordless sudo: saslauthd must start in a mount namespace as root"
need db5.3-util db5.3_load
need util-linux unshare
install_missing
build_release
make_tmp amsc
mkdir -p var/bench-cache

DB=$TMP/sasldb2
CACHED_DB=var/bench-cache/sasldb2-$REALM-$USERS-db5.3_load
if [ -s "$CACHED_DB" ]; then
  say "using the cached sasldb of $USERS users: $CACHED_DB"
else
  say "writing a sasldb of $USERS users with db5.3_load (cached afterwards)"
  python3 - "$USERS" "$REALM" >"$TMP/dump" <<'PY'
import sys
users, realm = int(sys.argv[1]), sys.argv[2].encode()
out = sys.stdout
out.write("VERSION=3\nformat=bytevalue\ntype=hash\nHEADER=END\n")
for i in range(users):
    out.write(" %s\n %s\n" % ((b"user%d\0%s\0userPassword" % (i, realm)).hex(), (b"pw-user%d" % i).hex()))
out.write("DATA=END\n")
PY
  db5.3_load -f "$TMP/dump" "$CACHED_DB.tmp.$$" || die "db5.3_load failed"
  rm -f "$TMP/dump"
  mv "$CACHED_DB.tmp.$$" "$CACHED_DB"
fi
cp "$CACHED_DB" "$DB"
chmod 0640 "$DB"
echo "pw-small" | saslpasswd2 -f "$TMP/small-sasldb2" -p -c -u "$REALM" user0

write_config() {  # write_config NAME FILE
  cat >"$TMP/$1.yaml" <<YAML
listen:
  - protocol: saslauthd
    path: $TMP/$1/mux
backends:
  mailusers: { type: sasldb, path: $2 }
# Every check reaches the backend, as with saslauthd without -c; wrong passwords are answered
# at once (no failure delay, no throttle), as saslauthd answers them.
cache: { enabled: false }
failure_delay: { floor: 0s }
throttle: { enabled: false }
YAML
}

# Memory with a one-user file: what authmuxd costs without the users.
write_config authmux-small "$TMP/small-sasldb2"
start_daemon authmux-small "$TMP/authmux-small/mux" "$TMP/authmux-small.log" "$BIN/authmuxd" --config "$TMP/authmux-small.yaml" --foreground
expect authmux-small OK -u user0 -r "$REALM" -p pw-small
SMALL_RSS=$(status_kb VmRSS "${DAEMON_PID[authmux-small]}")
stop_daemon authmux-small

# Start-up: from the command to the first check answered OK.
write_config authmux "$DB"
started=$(date +%s.%N)
start_daemon authmux "$TMP/authmux/mux" "$TMP/authmuxd.log" "$BIN/authmuxd" --config "$TMP/authmux.yaml" --foreground
expect authmux OK -u user1 -r "$REALM" -p pw-user1
ready=$(date +%s.%N)
STARTUP_S=$(python3 -c "print(round($ready - $started, 2))")
STARTED_RSS=$(status_kb VmRSS "${DAEMON_PID[authmux]}")
say "authmuxd answered after $STARTUP_S s with $USERS users; RSS $STARTED_RSS kB (one user: $SMALL_RSS kB)"

SASLDB=$DB start_saslauthd saslauthd "$TMP/saslauthd" -a sasldb -n 5
for name in saslauthd authmux; do
  expect "$name" OK -u "user$((USERS - 1))" -r "$REALM" -p "pw-user$((USERS - 1))"
  expect "$name" NO -u user1 -r "$REALM" -p wrong
done

load_args() {  # load_args ROUND
  printf '%s\n' -c "$CONCURRENCY" --duration "$DURATION" --warmup "$WARMUP" --generated-users "$USERS" \
    --user-prefix user --password-prefix pw-user --realm "$REALM" --wrong-share 0 --seed "$1"
}

# The writer: saslpasswd2 on user churn (checked by no one) every CHURN_INTERVAL, counting.
WRITER_PID=""
start_writer() {
  ( n=0; while :; do printf 'churn-%d' "$n" | saslpasswd2 -f "$DB" -p -c -u "$REALM" churn; n=$((n + 1)); echo "$n" >"$TMP/writes"; sleep "$CHURN_INTERVAL"; done ) &
  WRITER_PID=$!
}
stop_writer() { [ -z "$WRITER_PID" ] || { kill "$WRITER_PID" 2>/dev/null; wait "$WRITER_PID" 2>/dev/null || true; WRITER_PID=""; }; }
on_exit() { stop_writer; }

say "$ROUNDS round(s) of ${WARMUP}+${DURATION} s at $CONCURRENCY clients, saslauthd then authmux: unchanged, then with a writer every $CHURN_INTERVAL s"
alternate "scenario=steady concurrency=$CONCURRENCY" saslauthd authmux
start_writer
alternate "scenario=churn concurrency=$CONCURRENCY" saslauthd authmux
stop_writer
say "the writer made $(cat "$TMP/writes" 2>/dev/null || echo 0) changes"

say "first check after a change: $FIRST_ROUNDS changes, each followed at once by one check"
for name in saslauthd authmux; do
  out=$(python3 bench/first_check.py "${DAEMON_SOCK[$name]}" "$DB" "$REALM" "$USERS" "$FIRST_ROUNDS") || die "first_check.py failed against $name"
  json_line first_check server "$name" result "$out"
done

for name in saslauthd authmux; do record_memory "$name"; done
facts rounds "$ROUNDS" duration "$DURATION" warmup "$WARMUP" users "$USERS" realm "$REALM" concurrency "$CONCURRENCY" \
  churn_interval "$CHURN_INTERVAL" first_rounds "$FIRST_ROUNDS" startup_s "$STARTUP_S" started_rss_kb "$STARTED_RSS" \
  small_rss_kb "$SMALL_RSS" saslauthd_cmd "${DAEMON_CMD[saslauthd]}" authmuxd_cmd "${DAEMON_CMD[authmux]}" \
  config "$(cat "$TMP/authmux.yaml")" reads "$(grep -c 'sasldb file read' "$TMP/authmuxd.log" || true)"
for name in saslauthd authmux; do stop_daemon "$name"; done
finish sasldb_scale_report.py
