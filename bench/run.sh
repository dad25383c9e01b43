#!/usr/bin/env bash
# bench/run.sh: compare authmuxd with Cyrus saslauthd (`-a sasldb -n 5`) on the same sasldb, and
# both with the floor of the protocol (bench/floor-server.c: answers OK to everything, 5
# processes), and write BENCHMARKS.md. `make bench` runs it after scripts/install-deps.sh bench.
#
# Environment (all optional):
#   ROUNDS=3           rounds per scenario; each round runs saslauthd, authmux, then the floor
#                      (A B C A B C …)
#   DURATION=5         measured seconds per run (after WARMUP seconds of warm-up load)
#   WARMUP=1           warm-up seconds per run
#   USERS=10000        users in the generated sasldb (cached in var/bench-cache/)
#   CONCURRENCIES="1 16 64"   WRONG_SHARES="0 0.5"   the scenarios
#   KEEP_TMP=1         keep the temporary folder (logs, sockets, sasldb) even on success
#   CACHE_CONCURRENCIES="16 64"   the cached-checks scenario: `saslauthd -a sasldb -c` against
#                      authmux with its credential cache, every request for one user; "" skips it
#   CACHE_ROUNDS=$ROUNDS          rounds of that scenario
#   CACHE_EVENT_LOOPS=1           authmuxd's limits.event_loops in that scenario
#   CONCURRENCIES=""   skips the uncached scenarios and leaves their part of BENCHMARKS.md alone
#
# Needs root (or passwordless sudo): Cyrus saslauthd's sasldb mechanism reads only its
# compiled-in /etc/sasldb2, so it runs in a private mount namespace where the generated file
# is bind-mounted over /etc/sasldb2. The host's /etc/sasldb2 is never written.
#
# Exit status: 0 when every run went through; 1 on a setup failure; 3 when BENCHMARKS.md was
# written but some run failed or had errors or unexpected answers (they are listed in it). The
# floor's OK answers to wrong passwords are its nature, not a problem: they are not counted.
# shellcheck disable=SC2015  # "A && B || die" means: die unless both hold, as intended here
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"
export PATH="/opt/swift/usr/bin:$PATH:/usr/local/sbin:/usr/sbin:/sbin"
export LC_ALL=C

ROUNDS=${ROUNDS:-3}
DURATION=${DURATION:-5}
WARMUP=${WARMUP:-1}
USERS=${USERS:-10000}
CONCURRENCIES=${CONCURRENCIES-"1 16 64"}
WRONG_SHARES=${WRONG_SHARES:-"0 0.5"}
KEEP_TMP=${KEEP_TMP:-0}
CACHE_CONCURRENCIES=${CACHE_CONCURRENCIES-"16 64"}
CACHE_ROUNDS=${CACHE_ROUNDS:-$ROUNDS}
CACHE_EVENT_LOOPS=${CACHE_EVENT_LOOPS:-1}
REALM=bench.example
USER_PREFIX=bench
PASSWORD_PREFIX=pw-bench
SASLAUTHD=/usr/sbin/saslauthd
SASLAUTHD_DB=/etc/sasldb2       # SASL_DB_PATH compiled into Debian's saslauthd
SASLAUTHD_PROCS=5
FLOOR_PROCS=5                   # as many processes as saslauthd -n 5

say() { printf '==> %s\n' "$*"; }
die() { printf 'bench: error: %s\n' "$*" >&2; exit 1; }
# shellcheck source=bench/lib.sh
source "$ROOT/bench/lib.sh"

is_uint() { [[ $1 =~ ^[0-9]+$ ]]; }
is_number() { [[ $1 =~ ^[0-9]+([.][0-9]+)?$ ]]; }
is_uint "$ROUNDS" && [ "$ROUNDS" -ge 1 ] || die "ROUNDS must be a whole number >= 1 (got '$ROUNDS')"
is_number "$DURATION" || die "DURATION must be a number of seconds (got '$DURATION')"
is_number "$WARMUP" || die "WARMUP must be a number of seconds (got '$WARMUP')"
is_uint "$USERS" && [ "$USERS" -ge 2 ] || die "USERS must be a whole number >= 2 (got '$USERS')"
for c in $CONCURRENCIES; do is_uint "$c" && [ "$c" -ge 1 ] || die "bad concurrency '$c'"; done
for w in $WRONG_SHARES; do is_number "$w" || die "bad wrong-password share '$w'"; done
for c in $CACHE_CONCURRENCIES; do is_uint "$c" && [ "$c" -ge 1 ] || die "bad cache concurrency '$c'"; done
is_uint "$CACHE_ROUNDS" && [ "$CACHE_ROUNDS" -ge 1 ] || die "CACHE_ROUNDS must be a whole number >= 1 (got '$CACHE_ROUNDS')"
is_uint "$CACHE_EVENT_LOOPS" && [ "$CACHE_EVENT_LOOPS" -ge 1 ] || die "CACHE_EVENT_LOOPS must be a whole number >= 1"

if [ "$(id -u)" -eq 0 ]; then SUDO=(); else SUDO=(sudo); fi

# ---------------------------------------------------------------------------------------------
# Tools this script needs beyond scripts/install-deps.sh bench (installed only when missing).
missing=()
command -v python3 >/dev/null 2>&1 || missing+=(python3)
command -v unshare >/dev/null 2>&1 || missing+=(util-linux)
command -v mount >/dev/null 2>&1 || missing+=(mount)
command -v git >/dev/null 2>&1 || missing+=(git)
command -v cc >/dev/null 2>&1 || missing+=(gcc libc6-dev)   # for bench/floor-server.c
{ [ -x "$SASLAUTHD" ] && command -v saslpasswd2 >/dev/null 2>&1 && command -v testsaslauthd >/dev/null 2>&1; } || missing+=(sasl2-bin)
install_missing "${missing[@]}"
command -v swift >/dev/null 2>&1 || die "swift is not on PATH (looked in /opt/swift/usr/bin too)"
if [ ${#SUDO[@]} -gt 0 ]; then
  sudo -n true 2>/dev/null || die "not root and no passwordless sudo: saslauthd must start in a mount namespace as root"
fi
grep -aq "$SASLAUTHD_DB" "$SASLAUTHD" || say "warning: $SASLAUTHD does not mention $SASLAUTHD_DB; its sasldb path may differ"

# ---------------------------------------------------------------------------------------------
source_id() {  # HEAD plus any uncommitted change to what the binaries are built from (read-only)
  { git -C "$ROOT" rev-parse HEAD; git -C "$ROOT" diff HEAD -- Sources Package.swift Package.resolved; } 2>/dev/null | sha256sum | cut -c1-16
}
# What is measured is what is built now: record it here, not when the report is written.
BUILD_COMMIT=$(git -C "$ROOT" rev-parse HEAD 2>/dev/null || echo unknown)
BUILD_DESCRIBE=$(git -C "$ROOT" describe --always --dirty --tags 2>/dev/null || echo unknown)
BUILD_SOURCE_ID=$(source_id)
build_release
[ -x "$BIN/authmuxd" ] && [ -x "$BIN/authtest" ] || die "release binaries not found in $BIN"
"$BIN/authtest" bench --help >/dev/null 2>&1 || die "$BIN/authtest has no working 'bench' subcommand"

STAMP=$(date -u +%Y%m%dT%H%M%SZ)
DATE=$(date -u '+%Y-%m-%d %H:%M UTC')
RESULTS_DIR="$ROOT/var/bench-results"
CACHE_DIR="$ROOT/var/bench-cache"
RESULTS="$RESULTS_DIR/$STAMP.jsonl"
mkdir -p "$RESULTS_DIR" "$CACHE_DIR"

TMP=$(mktemp -d /tmp/amb.XXXXXX)
chmod 755 "$TMP"
DB="$TMP/sasldb2"
SASL_RUN="$TMP/saslauthd"
SASL_SOCK="$SASL_RUN/mux"
MUX_SOCK="$TMP/authmux/mux"
CONFIG="$TMP/authmux.yaml"
MUX_LOG="$TMP/authmuxd.log"
FLOOR_BIN="$TMP/floor-server"
FLOOR_SOCK="$TMP/floor/mux"
FLOOR_LOG="$TMP/floor-server.log"
RSS_JSON="$TMP/rss.json"

AUTHMUXD_PID=""
SASLAUTHD_PID=""
SASLAUTHD_PIDS=()
FLOOR_PID=""        # the floor's first process, leader of its own session and process group
FLOOR_PIDS=()       # the processes it forked
LOAD_PID=""
SUCCEEDED=0
# The cached-checks scenario's own daemons (see "Cached checks" below).
SASLC_RUN="$TMP/saslauthd-c"
SASLC_SOCK="$SASLC_RUN/mux"
SASLC_PID=""
SASLC_PIDS=()
MUXC_SOCK="$TMP/authmux-c/mux"
MUXC_CONFIG="$TMP/authmux-cached.yaml"
MUXC_LOG="$TMP/authmuxd-cached.log"
MUXC_PID=""
CACHE_RESULTS="$RESULTS_DIR/$STAMP.cache.jsonl"
CACHE_CHECK_LINES=-1
CACHE_HIT_LINES=-1

alive() {  # a zombie (State Z) counts as dead: an exited daemon may wait for a reaper
  local pid=$1
  [ -n "$pid" ] && [ -r "/proc/$pid/status" ] && ! grep -q '^State:[[:space:]]*Z' "/proc/$pid/status" 2>/dev/null
}

children_of() {
  local parent=$1 status
  for status in /proc/[0-9]*/status; do
    if grep -q "^PPid:[[:space:]]*$parent\$" "$status" 2>/dev/null && ! grep -q '^State:[[:space:]]*Z' "$status" 2>/dev/null; then
      status=${status#/proc/}; printf '%s\n' "${status%/status}"
    fi
  done
}

wait_gone() {  # wait_gone SECONDS PID...: 0 once none is alive
  local deadline=$((SECONDS + $1)) pid any; shift
  while :; do
    any=0
    for pid in "$@"; do alive "$pid" && any=1; done
    [ $any -eq 0 ] && return 0
    [ $SECONDS -ge $deadline ] && return 1
    sleep 0.1
  done
}

stop_daemons() {
  local pid
  if [ -n "$LOAD_PID" ] && alive "$LOAD_PID"; then
    kill -TERM "$LOAD_PID" 2>/dev/null || true
    wait "$LOAD_PID" 2>/dev/null || true
  fi
  LOAD_PID=""
  if [ -n "$AUTHMUXD_PID" ]; then
    if alive "$AUTHMUXD_PID"; then
      kill -TERM "$AUTHMUXD_PID" 2>/dev/null || true
      if ! wait_gone 10 "$AUTHMUXD_PID"; then
        echo "bench: authmuxd ($AUTHMUXD_PID) ignored SIGTERM for 10 s; killing it" >&2
        kill -KILL "$AUTHMUXD_PID" 2>/dev/null || true
      fi
    fi
    wait "$AUTHMUXD_PID" 2>/dev/null || true
    AUTHMUXD_PID=""
  fi
  if [ -n "$SASLAUTHD_PID" ]; then
    # The master's SIGTERM handler signals its whole process group (the workers) too.
    if alive "$SASLAUTHD_PID"; then
      "${SUDO[@]}" kill -TERM "$SASLAUTHD_PID" 2>/dev/null || true
    fi
    if ! wait_gone 10 "$SASLAUTHD_PID" "${SASLAUTHD_PIDS[@]}"; then
      echo "bench: saslauthd processes still alive 10 s after SIGTERM; killing them" >&2
      for pid in "$SASLAUTHD_PID" "${SASLAUTHD_PIDS[@]}"; do
        alive "$pid" && "${SUDO[@]}" kill -KILL "$pid" 2>/dev/null || true
      done
    fi
    SASLAUTHD_PID=""
    SASLAUTHD_PIDS=()
  fi
}

stop_floor() {  # separate from stop_daemons: the cached-checks scenario runs the floor too
  if [ -n "$FLOOR_PID" ]; then
    # Started with setsid, so its pid is its process group; the forked processes share it.
    kill -TERM -- "-$FLOOR_PID" 2>/dev/null || true
    if ! wait_gone 10 "$FLOOR_PID" "${FLOOR_PIDS[@]}"; then
      echo "bench: floor-server processes still alive 10 s after SIGTERM; killing them" >&2
      kill -KILL -- "-$FLOOR_PID" 2>/dev/null || true
    fi
    wait "$FLOOR_PID" 2>/dev/null || true
    FLOOR_PID=""
    FLOOR_PIDS=()
  fi
}

stop_cached_daemons() {
  local pid
  if [ -n "$MUXC_PID" ]; then
    if alive "$MUXC_PID"; then kill -TERM "$MUXC_PID" 2>/dev/null || true; fi
    if ! wait_gone 10 "$MUXC_PID"; then
      echo "bench: authmuxd ($MUXC_PID) ignored SIGTERM for 10 s; killing it" >&2
      kill -KILL "$MUXC_PID" 2>/dev/null || true
    fi
    wait "$MUXC_PID" 2>/dev/null || true
    MUXC_PID=""
  fi
  if [ -n "$SASLC_PID" ]; then
    if alive "$SASLC_PID"; then "${SUDO[@]}" kill -TERM "$SASLC_PID" 2>/dev/null || true; fi
    if ! wait_gone 10 "$SASLC_PID" "${SASLC_PIDS[@]}"; then
      echo "bench: saslauthd -c processes still alive 10 s after SIGTERM; killing them" >&2
      for pid in "$SASLC_PID" "${SASLC_PIDS[@]}"; do
        alive "$pid" && "${SUDO[@]}" kill -KILL "$pid" 2>/dev/null || true
      done
    fi
    SASLC_PID=""
    SASLC_PIDS=()
  fi
}

cleanup() {
  local rc=$?
  trap - EXIT INT TERM
  set +e
  stop_cached_daemons
  stop_daemons
  stop_floor
  if [ "$SUCCEEDED" -eq 1 ] && [ "$KEEP_TMP" != 1 ]; then
    rm -rf "$TMP"
  else
    echo "bench: logs and files kept in $TMP (authmuxd.log, floor-server.log, saslauthd/, authtest-*.err, sasldb2)" >&2
    [ "$rc" -eq 0 ] && [ "$SUCCEEDED" -ne 1 ] && rc=1
  fi
  exit "$rc"
}
trap cleanup EXIT
trap 'echo "bench: interrupted" >&2; exit 130' INT
trap 'echo "bench: terminated" >&2; exit 143' TERM

# ---------------------------------------------------------------------------------------------
# The sasldb: USERS users created with the real saslpasswd2, one call each (no concurrent
# writers to one Berkeley DB file). Cached by user count, realm and saslpasswd2 version.
SASL_PKG=$(dpkg-query -W -f='${Version}' sasl2-bin 2>/dev/null || echo unknown)
CACHED_DB="$CACHE_DIR/sasldb2-$REALM-$USERS-${SASL_PKG//[^A-Za-z0-9.+-]/_}"
if [ -s "$CACHED_DB" ]; then
  say "using the cached sasldb of $USERS users: $CACHED_DB"
  cp "$CACHED_DB" "$DB"
else
  say "creating a sasldb of $USERS users with saslpasswd2 (one call per user; cached afterwards)"
  start=$SECONDS
  for ((i = 0; i < USERS; i++)); do
    printf '%s%d' "$PASSWORD_PREFIX" "$i" | saslpasswd2 -f "$DB" -p -c -u "$REALM" "$USER_PREFIX$i" \
      || die "saslpasswd2 failed for $USER_PREFIX$i"
    if (( (i + 1) % 1000 == 0 || i + 1 == USERS )); then
      printf '    %d/%d users (%d s)\n' "$((i + 1))" "$USERS" "$((SECONDS - start))"
    fi
  done
  cp "$DB" "$CACHED_DB.tmp.$$" && mv "$CACHED_DB.tmp.$$" "$CACHED_DB"
fi
chmod 0640 "$DB"

# ---------------------------------------------------------------------------------------------
# Cyrus saslauthd, default daemon mode, reading $DB as /etc/sasldb2 in a private mount namespace.
mkdir -p "$SASL_RUN"
if [ -e "$SASLAUTHD_DB" ] && [ "${BENCH_SASLDB_MOUNT:-bind}" = bind ]; then
  # shellcheck disable=SC2016
  NS_SCRIPT='mount --bind "$1" "$2" && exec "$3" -a sasldb -n "$4" -m "$5"'
  SASLAUTHD_CMD="unshare --mount --propagation private sh -c 'mount --bind $DB $SASLAUTHD_DB && exec $SASLAUTHD -a sasldb -n $SASLAUTHD_PROCS -m $SASL_RUN'"
else
  # No /etc/sasldb2 to bind over: lay an overlay on /etc (inside the namespace only) holding
  # a copy of the database under that name.
  mkdir -p "$TMP/etc-overlay/upper" "$TMP/etc-overlay/work"
  cp "$DB" "$TMP/etc-overlay/upper/$(basename "$SASLAUTHD_DB")"
  # shellcheck disable=SC2016
  NS_SCRIPT='mount -t overlay overlay -o "lowerdir=$(dirname "$2"),upperdir=$6/upper,workdir=$6/work" "$(dirname "$2")" && exec "$3" -a sasldb -n "$4" -m "$5"'
  SASLAUTHD_CMD="unshare --mount --propagation private sh -c 'mount -t overlay overlay -o lowerdir=/etc,upperdir=$TMP/etc-overlay/upper,workdir=$TMP/etc-overlay/work /etc && exec $SASLAUTHD -a sasldb -n $SASLAUTHD_PROCS -m $SASL_RUN'"
fi
say "starting Cyrus saslauthd: $SASLAUTHD_CMD"
"${SUDO[@]}" unshare --mount --propagation private sh -c "$NS_SCRIPT" sh \
  "$DB" "$SASLAUTHD_DB" "$SASLAUTHD" "$SASLAUTHD_PROCS" "$SASL_RUN" "$TMP/etc-overlay" \
  || die "saslauthd did not start (see its messages above; it logs to syslog once detached)"
for _ in $(seq 1 100); do [ -s "$SASL_RUN/saslauthd.pid" ] && [ -S "$SASL_SOCK" ] && break; sleep 0.1; done
[ -s "$SASL_RUN/saslauthd.pid" ] || die "saslauthd wrote no pid file in $SASL_RUN"
SASLAUTHD_PID=$(tr -dc 0-9 < "$SASL_RUN/saslauthd.pid")
alive "$SASLAUTHD_PID" || die "saslauthd (pid $SASLAUTHD_PID) is not running"
[ -S "$SASL_SOCK" ] || die "saslauthd socket $SASL_SOCK did not appear"
# The daemon's own /etc/sasldb2 must be our file, and the host's must not have changed.
if grep -q " $SASLAUTHD_DB " /proc/self/mountinfo || grep -q " $(dirname "$SASLAUTHD_DB") .* overlay " /proc/self/mountinfo; then
  die "the mount made for saslauthd is visible outside its namespace"
fi
for _ in $(seq 1 50); do
  mapfile -t SASLAUTHD_PIDS < <(children_of "$SASLAUTHD_PID")
  [ ${#SASLAUTHD_PIDS[@]} -ge $((SASLAUTHD_PROCS - 1)) ] && break
  sleep 0.1
done
say "saslauthd master $SASLAUTHD_PID, workers ${SASLAUTHD_PIDS[*]:-none}"

check_sasl() {  # check_sasl USER PASSWORD EXPECTED(OK|NO)
  local out
  out=$(testsaslauthd -f "$SASL_SOCK" -u "$1" -r "$REALM" -p "$2" 2>&1 || true)
  case "$out" in
    *"$3 "*|*"$3") ;;
    *) die "testsaslauthd: saslauthd answered '$out' for $1 (password $2); expected $3 (a stale cache? remove $CACHE_DIR and rerun)";;
  esac
}
LAST=$((USERS - 1))
check_sasl "${USER_PREFIX}1" "${PASSWORD_PREFIX}1" OK
check_sasl "$USER_PREFIX$LAST" "$PASSWORD_PREFIX$LAST" OK
check_sasl "${USER_PREFIX}1" "${PASSWORD_PREFIX}1-wrong" NO
say "saslauthd answers OK for ${USER_PREFIX}1 and $USER_PREFIX$LAST, NO for a wrong password"

# ---------------------------------------------------------------------------------------------
# authmuxd on the same file.
mkdir -p "$(dirname "$MUX_SOCK")"
cat > "$CONFIG" <<EOF
listen:
  - protocol: saslauthd
    path: $MUX_SOCK
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
AUTHMUXD_CMD="setsid $BIN/authmuxd --config $CONFIG --foreground 2>$MUX_LOG &"
say "starting authmuxd: $AUTHMUXD_CMD"
# In a session of its own (setsid execs it, so $! is authmuxd itself): a Ctrl-C on the terminal
# reaches this script, which then stops the daemon in order, not the daemon mid-run.
setsid "$BIN/authmuxd" --config "$CONFIG" --foreground 2>"$MUX_LOG" &
AUTHMUXD_PID=$!
sleep 0.2
[ "$(cat "/proc/$AUTHMUXD_PID/comm" 2>/dev/null)" = authmuxd ] || {
  tail -n 20 "$MUX_LOG" >&2; die "authmuxd did not start (pid $AUTHMUXD_PID is $(cat "/proc/$AUTHMUXD_PID/comm" 2>/dev/null || echo gone))"; }
for _ in $(seq 1 300); do
  [ -S "$MUX_SOCK" ] && break
  alive "$AUTHMUXD_PID" || { tail -n 20 "$MUX_LOG" >&2; die "authmuxd exited during start-up"; }
  sleep 0.1
done
[ -S "$MUX_SOCK" ] || { tail -n 20 "$MUX_LOG" >&2; die "authmuxd socket $MUX_SOCK did not appear within 30 s"; }

check_mux() {  # check_mux USER PASSWORD EXPECTED-EXIT
  local rc=0 out
  out=$("$BIN/authtest" -f "$MUX_SOCK" -u "$1" -r "$REALM" -p "$2" 2>&1) || rc=$?
  [ "$rc" -eq "$3" ] || { tail -n 20 "$MUX_LOG" >&2; die "authtest against authmuxd: '$out' (exit $rc) for $1; expected exit $3 (see $MUX_LOG)"; }
}
check_mux "${USER_PREFIX}1" "${PASSWORD_PREFIX}1" 0
check_mux "$USER_PREFIX$LAST" "$PASSWORD_PREFIX$LAST" 0
check_mux "${USER_PREFIX}1" "${PASSWORD_PREFIX}1-wrong" 1
say "authmuxd (pid $AUTHMUXD_PID) answers OK for ${USER_PREFIX}1 and $USER_PREFIX$LAST, NO for a wrong password"

# ---------------------------------------------------------------------------------------------
# The floor of the protocol: a C server that answers OK to every request without looking at it,
# in FLOOR_PROCS forked processes. No server that checks a password can answer faster here.
FLOOR_BUILD_CMD="cc -O2 -o $FLOOR_BIN bench/floor-server.c"
say "building the floor server: $FLOOR_BUILD_CMD"
cc -O2 -o "$FLOOR_BIN" "$ROOT/bench/floor-server.c" || die "could not compile bench/floor-server.c"
mkdir -p "$(dirname "$FLOOR_SOCK")"
FLOOR_CMD="setsid $FLOOR_BIN $FLOOR_SOCK $FLOOR_PROCS 2>$FLOOR_LOG &"
say "starting the floor server: $FLOOR_CMD"
# setsid execs it (this background job leads no process group), so $! is the floor's first
# process, and its pid is the process group of all FLOOR_PROCS processes.
setsid "$FLOOR_BIN" "$FLOOR_SOCK" "$FLOOR_PROCS" 2>"$FLOOR_LOG" &
FLOOR_PID=$!
sleep 0.2
[ "$(cat "/proc/$FLOOR_PID/comm" 2>/dev/null)" = floor-server ] || {
  cat "$FLOOR_LOG" >&2; die "the floor server did not start (pid $FLOOR_PID is $(cat "/proc/$FLOOR_PID/comm" 2>/dev/null || echo gone))"; }
floor_stat=$(cat "/proc/$FLOOR_PID/stat" 2>/dev/null) || die "the floor server (pid $FLOOR_PID) exited during start-up"
floor_stat=${floor_stat##*) }
read -r -a floor_fields <<<"$floor_stat"   # state, ppid, pgrp, …
if [ "${floor_fields[2]}" != "$FLOOR_PID" ]; then  # never signal a group that is not the floor's
  for pid in $(children_of "$FLOOR_PID") "$FLOOR_PID"; do kill -TERM "$pid" 2>/dev/null || true; done
  FLOOR_PID=""
  die "the floor server is not the leader of its own process group (pgrp ${floor_fields[2]})"
fi
for _ in $(seq 1 50); do [ -S "$FLOOR_SOCK" ] && break; alive "$FLOOR_PID" || break; sleep 0.1; done
[ -S "$FLOOR_SOCK" ] || { cat "$FLOOR_LOG" >&2; die "floor server socket $FLOOR_SOCK did not appear"; }
for _ in $(seq 1 50); do
  mapfile -t FLOOR_PIDS < <(children_of "$FLOOR_PID")
  [ ${#FLOOR_PIDS[@]} -ge $((FLOOR_PROCS - 1)) ] && break
  sleep 0.1
done
[ ${#FLOOR_PIDS[@]} -eq $((FLOOR_PROCS - 1)) ] || die "the floor server has ${#FLOOR_PIDS[@]} forked processes; expected $((FLOOR_PROCS - 1))"

check_floor() {  # check_floor USER PASSWORD: the floor must answer OK, whatever the password
  local rc=0 out
  out=$("$BIN/authtest" -f "$FLOOR_SOCK" -u "$1" -r "$REALM" -p "$2" 2>&1) || rc=$?
  [ "$rc" -eq 0 ] || die "authtest against the floor server: '$out' (exit $rc) for $1; expected OK"
}
check_floor "${USER_PREFIX}1" "${PASSWORD_PREFIX}1"
check_floor "${USER_PREFIX}1" "${PASSWORD_PREFIX}1-wrong"
say "floor server (pid $FLOOR_PID, forked ${FLOOR_PIDS[*]}) answers OK, to a wrong password too"

# ---------------------------------------------------------------------------------------------
# Load, in alternation.
CLK_TCK=$(getconf CLK_TCK)
cpu_ticks() {  # user + system ticks of the given processes (all their threads)
  local pid total=0 stat rest
  for pid in "$@"; do
    [ -n "$pid" ] || continue   # "/proc//stat" would be the machine's /proc/stat
    stat=$(cat "/proc/$pid/stat" 2>/dev/null) || continue
    rest=${stat##*) }
    # shellcheck disable=SC2086
    set -- $rest
    total=$((total + ${12} + ${13}))
  done
  echo "$total"
}

machine_ticks() {  # "IDLE TOTAL": idle + iowait ticks and all ticks of the whole machine, from /proc/stat
  local user nice system idle iowait irq softirq steal rest
  read -r _ user nice system idle iowait irq softirq steal rest < /proc/stat
  echo "$((idle + iowait)) $((user + nice + system + idle + iowait + irq + softirq + steal))"
}

authtest_args() {  # authtest_args SOCKET CONCURRENCY SHARE SEED
  printf '%s\n' bench -f "$1" -c "$2" --duration "$DURATION" --warmup "$WARMUP" \
    --generated-users "${RUN_USERS:-$USERS}" --user-prefix "$USER_PREFIX" --password-prefix "$PASSWORD_PREFIX" \
    --realm "$REALM" --wrong-share "$3" --seed "$4" --json
}
AUTHTEST_CMD="$BIN/authtest $(authtest_args SOCKET CONCURRENCY SHARE ROUND | tr '\n' ' ')"

PROBLEMS=0
run_one() {  # run_one SERVER CONCURRENCY SHARE ROUND
  local server=$1 conc=$2 share=$3 round=$4 sock pids rc=0 t0 t1 c0 c1 m0 m1 out err alive_after=1
  case "$server" in
    saslauthd) sock=$SASL_SOCK; pids=("$SASLAUTHD_PID" "${SASLAUTHD_PIDS[@]}");;
    authmux) sock=$MUX_SOCK; pids=("$AUTHMUXD_PID");;
    floor) sock=$FLOOR_SOCK; pids=("$FLOOR_PID" "${FLOOR_PIDS[@]}");;   # CPU summed over all of them
    saslauthd-c) sock=$SASLC_SOCK; pids=("$SASLC_PID" "${SASLC_PIDS[@]}");;
    authmux-c) sock=$MUXC_SOCK; pids=("$MUXC_PID");;
    *) die "unknown server '$server'";;
  esac
  out="$TMP/authtest-$server-c$conc-w$share-r$round.out"
  err="$TMP/authtest-$server-c$conc-w$share-r$round.err"
  mapfile -t args < <(authtest_args "$sock" "$conc" "$share" "$round")
  c0=$(cpu_ticks "${pids[@]}")
  m0=$(machine_ticks)
  t0=$(date +%s.%N)
  "$BIN/authtest" "${args[@]}" >"$out" 2>"$err" &
  LOAD_PID=$!
  wait "$LOAD_PID" || rc=$?
  LOAD_PID=""
  t1=$(date +%s.%N)
  m1=$(machine_ticks)
  c1=$(cpu_ticks "${pids[@]}")
  for pid in "${pids[@]}"; do alive "$pid" || alive_after=0; done
  python3 "$ROOT/bench/summarize.py" record --out "${RUN_RESULTS:-$RESULTS}" --server "$server" --concurrency "$conc" \
    --wrong-share "$share" --round "$round" --exit-code "$rc" --stdout-file "$out" --stderr-file "$err" \
    --wall "$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.3f", b - a }')" \
    --daemon-cpu "$(awk -v a="$c0" -v b="$c1" -v t="$CLK_TCK" 'BEGIN { printf "%.3f", (b - a) / t }')" \
    --machine-idle "$(awk -v a="$m0" -v b="$m1" 'BEGIN { split(a, x, " "); split(b, y, " ");
      printf "%.1f", (y[2] > x[2]) ? 100 * (y[1] - x[1]) / (y[2] - x[2]) : -1 }')" \
    --daemon-alive "$alive_after" || PROBLEMS=$((PROBLEMS + 1))
  [ "$alive_after" -eq 1 ] || die "the $server daemon died during the run (logs in $TMP)"
}

n_conc=$(wc -w <<<"$CONCURRENCIES"); n_share=$(wc -w <<<"$WRONG_SHARES")
total_runs=$((n_conc * n_share * ROUNDS * 3))
say "measuring: $total_runs runs of ${WARMUP}+${DURATION} s (concurrency: $CONCURRENCIES; wrong share: $WRONG_SHARES; $ROUNDS round(s) of saslauthd, authmux, floor)"
say "raw results: $RESULTS"
for conc in $CONCURRENCIES; do
  for share in $WRONG_SHARES; do
    echo "--- concurrency $conc, wrong-password share $share"
    for ((round = 1; round <= ROUNDS; round++)); do
      run_one saslauthd "$conc" "$share" "$round"
      run_one authmux "$conc" "$share" "$round"
      run_one floor "$conc" "$share" "$round"
    done
  done
done

say "peak memory of the daemons"
python3 "$ROOT/bench/summarize.py" rss --authmuxd "$AUTHMUXD_PID" --saslauthd "$SASLAUTHD_PID" --out "$RSS_JSON"
cp "$RSS_JSON" "$RESULTS_DIR/$STAMP.rss.json"
stop_daemons

# ---------------------------------------------------------------------------------------------
# Cached checks (issue 6): Cyrus saslauthd with its cache (-c) against authmuxd with its
# credential cache, every request for the same user with the right password, so after the first
# check both answer from memory. They get daemons of their own, started only now, so the
# scenarios above measured servers without a cache.
CACHE_USER="${USER_PREFIX}0"
if [ -n "$CACHE_CONCURRENCIES" ]; then
  mkdir -p "$SASLC_RUN" "$(dirname "$MUXC_SOCK")" "$TMP/etc-overlay-c/upper" "$TMP/etc-overlay-c/work"
  cp "$DB" "$TMP/etc-overlay-c/upper/$(basename "$SASLAUTHD_DB")"
  SASLC_CMD="${SASLAUTHD_CMD//$SASL_RUN/$SASLC_RUN}"
  SASLC_CMD="${SASLC_CMD/-a sasldb/-a sasldb -c}"
  say "starting Cyrus saslauthd with its cache: $SASLC_CMD"
  "${SUDO[@]}" unshare --mount --propagation private sh -c "$NS_SCRIPT -c" sh \
    "$DB" "$SASLAUTHD_DB" "$SASLAUTHD" "$SASLAUTHD_PROCS" "$SASLC_RUN" "$TMP/etc-overlay-c" \
    || die "saslauthd -c did not start"
  for _ in $(seq 1 100); do [ -s "$SASLC_RUN/saslauthd.pid" ] && [ -S "$SASLC_SOCK" ] && break; sleep 0.1; done
  [ -s "$SASLC_RUN/saslauthd.pid" ] && [ -S "$SASLC_SOCK" ] || die "saslauthd -c wrote no pid file or socket in $SASLC_RUN"
  SASLC_PID=$(tr -dc 0-9 < "$SASLC_RUN/saslauthd.pid")
  alive "$SASLC_PID" || die "saslauthd -c (pid $SASLC_PID) is not running"
  for _ in $(seq 1 50); do
    mapfile -t SASLC_PIDS < <(children_of "$SASLC_PID")
    [ ${#SASLC_PIDS[@]} -ge $((SASLAUTHD_PROCS - 1)) ] && break
    sleep 0.1
  done
  out=$(testsaslauthd -f "$SASLC_SOCK" -u "$CACHE_USER" -r "$REALM" -p "${PASSWORD_PREFIX}0" 2>&1 || true)
  case "$out" in *"OK "*|*OK) ;; *) die "saslauthd -c answered '$out' for $CACHE_USER";; esac

  cat > "$MUXC_CONFIG" <<EOF
listen:
  - protocol: saslauthd
    path: $MUXC_SOCK
backends:
  mailusers: { type: sasldb, path: $DB }
cache: { ttl: 10m, negative_ttl: 30s, max_entries: 10000 }
throttle: { enabled: false }
limits: { event_loops: $CACHE_EVENT_LOOPS }
EOF
  MUXC_CMD="setsid $BIN/authmuxd --config $MUXC_CONFIG --foreground 2>$MUXC_LOG &"
  say "starting authmuxd with its cache: $MUXC_CMD"
  setsid "$BIN/authmuxd" --config "$MUXC_CONFIG" --foreground 2>"$MUXC_LOG" &
  MUXC_PID=$!
  for _ in $(seq 1 300); do
    [ -S "$MUXC_SOCK" ] && break
    alive "$MUXC_PID" || { tail -n 20 "$MUXC_LOG" >&2; die "authmuxd (cached) exited during start-up"; }
    sleep 0.1
  done
  [ -S "$MUXC_SOCK" ] || die "authmuxd (cached) socket $MUXC_SOCK did not appear"
  "$BIN/authtest" -f "$MUXC_SOCK" -u "$CACHE_USER" -r "$REALM" -p "${PASSWORD_PREFIX}0" >/dev/null \
    || die "authmuxd (cached) refused $CACHE_USER"

  # The floor runs the same load too: what a server that checks nothing reaches against
  # saslauthd -c on this machine bounds what any cache can.
  say "measuring cached checks: concurrency $CACHE_CONCURRENCIES; $CACHE_ROUNDS round(s) of saslauthd -c, authmux with cache, the floor"
  for conc in $CACHE_CONCURRENCIES; do
    echo "--- cached checks, concurrency $conc, user $CACHE_USER"
    for ((round = 1; round <= CACHE_ROUNDS; round++)); do
      RUN_USERS=1 RUN_RESULTS=$CACHE_RESULTS run_one saslauthd-c "$conc" 0 "$round"
      RUN_USERS=1 RUN_RESULTS=$CACHE_RESULTS run_one authmux-c "$conc" 0 "$round"
      RUN_USERS=1 RUN_RESULTS=$CACHE_RESULTS run_one floor "$conc" 0 "$round"
    done
  done
  stop_cached_daemons   # flushes authmuxd's batched log before it is counted
  CACHE_CHECK_LINES=$(grep -c ' check ' "$MUXC_LOG" || true)
  CACHE_HIT_LINES=$(grep -c 'cached=yes' "$MUXC_LOG" || true)
fi

SOURCE_CHANGED=0
if [ "$(source_id)" != "$BUILD_SOURCE_ID" ]; then
  SOURCE_CHANGED=1
  say "warning: the sources changed during the run; the figures are for $BUILD_DESCRIBE as built at the start"
fi

if [ -n "$CONCURRENCIES" ]; then
say "writing BENCHMARKS.md"
# shellcheck disable=SC2086
python3 "$ROOT/bench/summarize.py" report --results "$RESULTS" --rss "$RSS_JSON" --out "$ROOT/BENCHMARKS.md" \
  --repo "$ROOT" --tmp "$TMP" --date "$DATE" --stamp "$STAMP" --rounds "$ROUNDS" --duration "$DURATION" --warmup "$WARMUP" \
  --users "$USERS" --realm "$REALM" --concurrencies $CONCURRENCIES --shares $WRONG_SHARES --config "$CONFIG" \
  --swift "$(command -v swift)" --saslauthd-bin "$SASLAUTHD" --saslauthd-cmd "$SASLAUTHD_CMD" \
  --authmuxd-cmd "$AUTHMUXD_CMD" --authtest-cmd "$AUTHTEST_CMD" \
  --floor-build-cmd "$FLOOR_BUILD_CMD" --floor-cmd "$FLOOR_CMD" --floor-procs "$FLOOR_PROCS" \
  --commit "$BUILD_COMMIT" --describe "$BUILD_DESCRIBE" --source-changed "$SOURCE_CHANGED"
fi
if [ -n "$CACHE_CONCURRENCIES" ]; then
  say "writing the cached-checks section of BENCHMARKS.md"
  # shellcheck disable=SC2086
  python3 "$ROOT/bench/summarize.py" cache-report --results "$CACHE_RESULTS" --out "$ROOT/BENCHMARKS.md" \
    --date "$DATE" --rounds "$CACHE_ROUNDS" --duration "$DURATION" --warmup "$WARMUP" \
    --concurrencies $CACHE_CONCURRENCIES --user "$CACHE_USER" --saslauthd-cmd "$SASLC_CMD" \
    --authmuxd-cmd "$MUXC_CMD" --config "$MUXC_CONFIG" \
    --authtest-cmd "$BIN/authtest $(RUN_USERS=1 authtest_args SOCKET CONCURRENCY 0 ROUND | tr '\n' ' ')" \
    --hit-lines "$CACHE_HIT_LINES" --check-lines "$CACHE_CHECK_LINES" --describe "$BUILD_DESCRIBE" --floor-procs "$FLOOR_PROCS" \
    || PROBLEMS=$((PROBLEMS + 1))
fi

if [ "$PROBLEMS" -gt 0 ]; then
  printf '\n%s\n!!! %d run(s) had errors, unexpected answers or failed: see "Problems" in BENCHMARKS.md\n%s\n' \
    '!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!' "$PROBLEMS" \
    '!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!' >&2
  SUCCEEDED=1
  KEEP_TMP=1   # the failed runs' authtest output and the daemon logs stay for a look
  say "BENCHMARKS.md written; raw results in $RESULTS"
  exit 3
fi
SUCCEEDED=1
say "done: BENCHMARKS.md written; raw results in $RESULTS"
