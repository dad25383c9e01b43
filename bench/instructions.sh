#!/usr/bin/env bash
# bench/instructions.sh: instructions authmuxd executes per check, counted by valgrind's
# callgrind, on the paths that matter (a saslauthd check answered from sasldb, a cache hit, a
# Dovecot check on a kept connection and on a connection of its own); with BASELINE=REV the
# authmuxd of that revision on the same paths, where it has them. Writes its section of
# BENCHMARKS.md. `make bench` runs it last; `make bench-instructions` alone.
#
# Why beside the timed benchmarks: callgrind counts instructions, not seconds, so the figure is
# the same whatever else the machine is doing, and a change that saves or costs 5 % shows
# plainly where a checks/s ratio on a shared 2-core machine moves by more than that from run to
# run. It does not see the kernel (system calls, wake-ups), so it complements the timed runs.
#
# Environment (all optional): CHECKS=3000 WARMUP_CHECKS=300 USERS=1000 BASELINE=REV KEEP_TMP=1
set -euo pipefail
BENCH=bench/instructions
# shellcheck source=bench/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

CHECKS=${CHECKS:-3000}
WARMUP_CHECKS=${WARMUP_CHECKS:-300}
USERS=${USERS:-1000}
REALM=bench.example
need_counts CHECKS WARMUP_CHECKS USERS
need valgrind valgrind callgrind_control
need binutils objcopy
install_missing
build_release
build_baseline
make_tmp ami

say "writing $USERS users to a sasldb (saslpasswd2)"
for ((i = 0; i < USERS; i++)); do
  printf '%s' "pw-bench$i" | saslpasswd2 -p -c -f "$TMP/sasldb2" -u "$REALM" "bench$i"
done
chmod 0644 "$TMP/sasldb2"

# valgrind 3.19 cannot read the DWARF 5 that Swift's toolchain writes: it counts on copies of
# the binaries without debug information (symbols stay, so a profile still names functions).
objcopy --strip-debug "$BIN/authmuxd" "$TMP/authmuxd"
[ -z "$BASELINE_BIN" ] || objcopy --strip-debug "$BASELINE_BIN" "$TMP/authmuxd-before"

config() {  # config NAME PROTOCOL SOCKET CACHE: an authmux.yaml in $TMP/NAME.yaml
  cat >"$TMP/$1.yaml" <<YAML
listen:
  - protocol: $2
    path: $3
backends:
  mailusers: { type: sasldb, path: $TMP/sasldb2 }
cache: $4
failure_delay: { floor: 0s }
throttle: { enabled: false }
YAML
}

# counted NAME BINARY CONFIG: starts BINARY under callgrind as daemon NAME.
counted() {
  local socket
  socket=$(awk '$1 == "path:" { print $2; exit }' "$3")
  start_daemon "$1" "$socket" "$TMP/$1.log" valgrind --tool=callgrind --dump-instr=no \
    "--callgrind-out-file=$TMP/callgrind.$1" "$2" --config "$3" --foreground
}

# count TAGS NAME AUTHTEST-BENCH-ARGS...: warm-up checks, counters zeroed, CHECKS checks, a dump;
# records the instructions of the whole daemon (every thread) over the measured checks.
count() {
  local tags=$1 name=$2 pid dump total out requests ok errors unexpected; shift 2
  pid=${DAEMON_PID[$name]}
  "$BIN/authtest" bench -f "${DAEMON_SOCK[$name]}" "$@" -n "$WARMUP_CHECKS" --warmup 0 >/dev/null
  callgrind_control -z "$pid" >/dev/null 2>&1
  out=$TMP/$name-$((RUNS += 1)).json
  "$BIN/authtest" bench -f "${DAEMON_SOCK[$name]}" "$@" -n "$CHECKS" --warmup 0 --json >"$out"
  rm -f "$TMP/callgrind.$name".*
  callgrind_control -d "$pid" >/dev/null 2>&1
  for _ in $(seq 1 100); do dump=$(ls "$TMP/callgrind.$name".* 2>/dev/null | head -n 1) && [ -s "$dump" ] && break; sleep 0.1; done
  total=$(awk '$1 == "summary:" || $1 == "totals:" { print $2; exit }' "$dump")
  [ -n "$total" ] || die "no instruction total in $dump"
  read -r requests ok errors unexpected < <(python3 -c 'import json, sys; r = json.load(open(sys.argv[1])); print(r["requests"], r["ok"], r["errors"], r["unexpected"])' "$out")
  # shellcheck disable=SC2086  # TAGS are key=value words
  json_line instructions ${tags//=/ } server "$name" instructions "$total" requests "$requests" ok "$ok" errors "$errors" unexpected "$unexpected"
  say "$tags $name: $total instructions over $CHECKS checks"
}

users=(--generated-users "$USERS" --realm "$REALM")
config sasldb saslauthd "$TMP/sasldb/mux" "{ enabled: false }"
config cached saslauthd "$TMP/cached/mux" "{ ttl: 10m, negative_ttl: 30s, max_entries: 10000 }"
config dovecot dovecot "$TMP/dovecot/auth" "{ enabled: false }"
servers=(authmux)
[ -z "$BASELINE_BIN" ] || servers+=(authmux-before)

for server in "${servers[@]}"; do
  binary=$TMP/authmuxd; [ "$server" = authmux ] || binary=$TMP/authmuxd-before
  sed "s|$TMP/sasldb/|$TMP/$server-sasldb/|" "$TMP/sasldb.yaml" >"$TMP/$server-sasldb.yaml"
  counted "$server-sasldb" "$binary" "$TMP/$server-sasldb.yaml"
  count "scenario=sasldb concurrency=1" "$server-sasldb" -c 1 "${users[@]}"
  count "scenario=sasldb concurrency=16" "$server-sasldb" -c 16 "${users[@]}"
  stop_daemon "$server-sasldb"
  sed "s|$TMP/cached/|$TMP/$server-cached/|" "$TMP/cached.yaml" >"$TMP/$server-cached.yaml"
  counted "$server-cached" "$binary" "$TMP/$server-cached.yaml"
  count "scenario=cached concurrency=16" "$server-cached" -c 16 --generated-users 1 --realm "$REALM"
  stop_daemon "$server-cached"
  # A baseline from before the Dovecot door has no such listener: that row stays authmux's alone.
  sed "s|$TMP/dovecot/|$TMP/$server-dovecot/|" "$TMP/dovecot.yaml" >"$TMP/$server-dovecot.yaml"
  if "$binary" check-config --config "$TMP/$server-dovecot.yaml" >/dev/null 2>&1; then
    counted "$server-dovecot" "$binary" "$TMP/$server-dovecot.yaml"
    count "scenario=dovecot-persistent concurrency=16" "$server-dovecot" --protocol dovecot --persistent -c 16 "${users[@]}"
    count "scenario=dovecot-per-check concurrency=16" "$server-dovecot" --protocol dovecot -c 16 "${users[@]}"
    stop_daemon "$server-dovecot"
  fi
done

facts checks "$CHECKS" warmup_checks "$WARMUP_CHECKS" users "$USERS" valgrind "$(valgrind --version)" \
  authtest_cmd "$BIN/authtest bench -f SOCKET -n $CHECKS --warmup 0 ${users[*]} [-c 1|-c 16] [--protocol dovecot [--persistent]]" \
  config "$(cat "$TMP/sasldb.yaml")"
finish instructions_report.py
