#!/usr/bin/env bash
# bench/run.sh: authmuxd against Cyrus `saslauthd -a sasldb -n 5` on the same sasldb, both beside
# the floor of the protocol (bench/floor-server.c: answers OK to everything, in 5 processes);
# then cached checks, `saslauthd -a sasldb -c` against authmuxd with its credential cache, every
# request for one user, the floor beside them again. Writes the top of BENCHMARKS.md and its
# cached-checks section. `make bench` runs it after scripts/install-deps.sh bench.
#
# Environment (all optional):
#   ROUNDS=3 DURATION=5 WARMUP=1   rounds per scenario, each saslauthd, authmux, then the floor
#                      (A B C A B C …); seconds measured per run after WARMUP seconds of load
#   USERS=10000        users in the generated sasldb (cached in var/bench-cache/)
#   CONCURRENCIES="1 16 64"  WRONG_SHARES="0 0.5"  the uncached scenarios; CONCURRENCIES=""
#                      skips them and leaves their part of BENCHMARKS.md alone
#   CACHE_CONCURRENCIES="16 64"  CACHE_ROUNDS=$ROUNDS  the cached scenario ("" skips it)
#   CACHE_EVENT_LOOPS=1           authmuxd's limits.event_loops there
#   BASELINE=REV       also measure REV's authmuxd (built in var/bench-baseline/) as
#                      "authmux before", with authmux's configuration, right before it in every round
#   KEEP_TMP=1         keep the temporary folder (logs, sockets, sasldb) even on success
#
# Needs root or passwordless sudo: saslauthd reads only /etc/sasldb2, so it runs in a mount
# namespace of its own (bench/lib.sh, start_saslauthd). Exit status: 0 when every run went
# through; 1 on a setup failure; 3 when BENCHMARKS.md was written but some run failed or had
# errors or unexpected answers (they are listed in it).
set -euo pipefail
BENCH=bench
# shellcheck source=bench/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

ROUNDS=${ROUNDS:-3}
DURATION=${DURATION:-5}
WARMUP=${WARMUP:-1}
USERS=${USERS:-10000}
CONCURRENCIES=${CONCURRENCIES-"1 16 64"}
WRONG_SHARES=${WRONG_SHARES:-"0 0.5"}
CACHE_CONCURRENCIES=${CACHE_CONCURRENCIES-"16 64"}
CACHE_ROUNDS=${CACHE_ROUNDS:-$ROUNDS}
CACHE_EVENT_LOOPS=${CACHE_EVENT_LOOPS:-1}
REALM=bench.example
FLOOR_PROCS=5        # as many processes as saslauthd -n 5
ANSWERS_OK=floor     # its OKs to wrong passwords are expected (bench/lib.sh, measure)
need_counts ROUNDS USERS CONCURRENCIES CACHE_CONCURRENCIES CACHE_ROUNDS CACHE_EVENT_LOOPS
need_numbers DURATION WARMUP WRONG_SHARES
[ "$USERS" -ge 2 ] || die "USERS must be at least 2 (got $USERS)"
[ ${#SUDO[@]} -eq 0 ] || sudo -n true 2>/dev/null || die "not root and no passwordless sudo: saslauthd must start in a mount namespace as root"
need util-linux unshare
need mount mount
need "gcc libc6-dev" cc
install_missing
build_release
build_baseline
make_tmp amb
mkdir -p var/bench-results var/bench-cache
RESULTS=$ROOT/var/bench-results/$(date -u +%Y%m%dT%H%M%SZ).jsonl   # kept: the figures behind the report

# The sasldb: USERS users created with the real saslpasswd2, one call each (no concurrent
# writers to one Berkeley DB file). Cached by user count, realm and saslpasswd2 version.
DB=$TMP/sasldb2
SASL_PKG=$(dpkg-query -W -f='${Version}' sasl2-bin 2>/dev/null || echo unknown)
CACHED_DB=var/bench-cache/sasldb2-$REALM-$USERS-${SASL_PKG//[^A-Za-z0-9.+-]/_}
if [ -s "$CACHED_DB" ]; then
  say "using the cached sasldb of $USERS users: $CACHED_DB"
  cp "$CACHED_DB" "$DB"
else
  say "creating a sasldb of $USERS users with saslpasswd2 (one call per user; cached afterwards)"
  for ((i = 0; i < USERS; i++)); do
    printf 'pw-bench%d' "$i" | saslpasswd2 -f "$DB" -p -c -u "$REALM" "bench$i" || die "saslpasswd2 failed for bench$i"
    (( (i + 1) % 1000 && i + 1 < USERS )) || printf '    %d/%d users (%d s)\n' "$((i + 1))" "$USERS" "$SECONDS"
  done
  cp "$DB" "$CACHED_DB.tmp.$$" && mv "$CACHED_DB.tmp.$$" "$CACHED_DB"
fi
chmod 0640 "$DB"

check_answers() {  # check_answers NAME [ANSWER-TO-A-WRONG-PASSWORD]: before any load
  expect "$1" OK -u bench1 -r "$REALM" -p pw-bench1
  expect "$1" OK -u "bench$((USERS - 1))" -r "$REALM" -p "pw-bench$((USERS - 1))"
  expect "$1" "${2:-NO}" -u bench1 -r "$REALM" -p pw-bench1-wrong
}
load_args() {  # load_args ROUND: authtest bench's arguments but the socket, for conc and share
  printf '%s\n' -c "$conc" --duration "$DURATION" --warmup "$WARMUP" --generated-users "$LOAD_USERS" \
    --user-prefix bench --password-prefix pw-bench --realm "$REALM" --wrong-share "$share" --seed "$1"
}

# The floor: no server that checks a password can answer faster on this machine, and its CPU per
# check is what the protocol alone costs (accept, read, write, close).
FLOOR_BUILD="cc -O2 -o $TMP/floor-server bench/floor-server.c"
$FLOOR_BUILD || die "could not compile bench/floor-server.c"
start_daemon floor "$TMP/floor/mux" "$TMP/floor-server.log" "$TMP/floor-server" "$TMP/floor/mux" "$FLOOR_PROCS"
wait_workers floor $((FLOOR_PROCS - 1))
check_answers floor OK

if [ -n "$CONCURRENCIES" ]; then
  SASLDB=$DB start_saslauthd saslauthd "$TMP/saslauthd" -a sasldb -n 5
  check_answers saslauthd
  cat >"$TMP/authmux.yaml" <<EOF
listen:
  - protocol: saslauthd
    path: $TMP/authmux/mux
backends:
  mailusers: { type: sasldb, path: $DB }
# saslauthd runs without -c here, so authmux answers every check from the backend too; the
# cache is measured against saslauthd -c in its own scenario below. The comparison measures
# checking: saslauthd answers a wrong password at once and has no throttle, so with authmux's
# failure delay (2 s by default) and throttle the wrong passwords would measure waiting.
cache: { enabled: false }
failure_delay: { floor: 0s }
throttle: { enabled: false }
EOF
  start_daemon authmux "$TMP/authmux/mux" "$TMP/authmuxd.log" "$BIN/authmuxd" --config "$TMP/authmux.yaml" --foreground
  start_before authmux "$TMP/authmux.yaml"
  for name in $(with_before authmux); do check_answers "$name"; done

  say "uncached: concurrency $CONCURRENCIES, wrong share $WRONG_SHARES; $ROUNDS round(s) of ${WARMUP}+${DURATION} s of saslauthd, ${BASELINE_BIN:+authmux before, }authmux, floor"
  say "raw results: $RESULTS"
  LOAD_USERS=$USERS
  for conc in $CONCURRENCIES; do
    for share in $WRONG_SHARES; do
      alternate "scenario=sasldb concurrency=$conc wrong_share=$share" saslauthd authmux floor
    done
  done
  for name in saslauthd $(with_before authmux); do record_memory "$name"; done
  for name in saslauthd $(with_before authmux); do stop_daemon "$name"; done
  facts rounds "$ROUNDS" users "$USERS" realm "$REALM" saslauthd_cmd "${DAEMON_CMD[saslauthd]}" \
    authmuxd_cmd "${DAEMON_CMD[authmux]}" config "$(cat "$TMP/authmux.yaml")" \
    authtest_cmd "$BIN/authtest bench -f SOCKET $(conc=CONCURRENCY share=SHARE load_args ROUND | paste -sd ' ')"
fi

# Cached checks: daemons of their own, started only now, so the scenarios above measured servers
# without a cache. Every request is for one user with the right password, so after the first
# check both answer from memory; the floor's figures bound what any cache can reach here.
if [ -n "$CACHE_CONCURRENCIES" ]; then
  SASLDB=$DB start_saslauthd saslauthd-c "$TMP/saslauthd-c" -a sasldb -c -n 5
  expect saslauthd-c OK -u bench0 -r "$REALM" -p pw-bench0
  cat >"$TMP/authmux-cached.yaml" <<EOF
listen:
  - protocol: saslauthd
    path: $TMP/authmux-c/mux
backends:
  mailusers: { type: sasldb, path: $DB }
cache: { ttl: 10m, negative_ttl: 30s, max_entries: 10000 }
throttle: { enabled: false }
limits: { event_loops: $CACHE_EVENT_LOOPS }
EOF
  start_daemon authmux-c "$TMP/authmux-c/mux" "$TMP/authmuxd-cached.log" "$BIN/authmuxd" --config "$TMP/authmux-cached.yaml" --foreground
  start_before authmux-c "$TMP/authmux-cached.yaml"
  for name in $(with_before authmux-c); do expect "$name" OK -u bench0 -r "$REALM" -p pw-bench0; done

  say "cached: concurrency $CACHE_CONCURRENCIES; $CACHE_ROUNDS round(s) of saslauthd -c, ${BASELINE_BIN:+authmux before, }authmux with its cache, floor"
  LOAD_USERS=1 share=0
  for conc in $CACHE_CONCURRENCIES; do
    ROUNDS=$CACHE_ROUNDS alternate "scenario=cached concurrency=$conc" saslauthd-c authmux-c floor
  done
  stop_daemon authmux-c   # flushes its batched log before the lines are counted
  facts cache_rounds "$CACHE_ROUNDS" cache_user bench0 cached_saslauthd_cmd "${DAEMON_CMD[saslauthd-c]}" \
    cached_authmuxd_cmd "${DAEMON_CMD[authmux-c]}" cached_config "$(cat "$TMP/authmux-cached.yaml")" \
    cached_authtest_cmd "$BIN/authtest bench -f SOCKET $(conc=CONCURRENCY load_args ROUND | paste -sd ' ')" \
    cache_hits "$(grep -c 'cached=yes' "$TMP/authmuxd-cached.log" || true)" \
    cache_lines "$(grep -c ' check ' "$TMP/authmuxd-cached.log" || true)"
fi

facts results "$RESULTS" duration "$DURATION" warmup "$WARMUP" floor_procs "$FLOOR_PROCS" floor_build "$FLOOR_BUILD" floor_cmd "${DAEMON_CMD[floor]}"
finish summarize.py
