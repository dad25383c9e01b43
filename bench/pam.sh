#!/usr/bin/env bash
# bench/pam.sh: authmuxd's pam backend against Cyrus `saslauthd -a pam -n 5`, on the same
# throwaway account and the same PAM service (Debian's common-auth/common-account: pam_unix,
# yescrypt), in one run; writes its section of BENCHMARKS.md. `make bench` runs it after
# bench/run.sh; `make bench-pam` runs it alone.
#
# Three scenarios, each against both daemons in alternation:
#   throughput  checks/s and latency of right passwords at each of PAM_CONCURRENCIES, no cache
#               on either side
#   spray       SPRAYERS clients send wrong passwords without pause (pam_unix asks for a
#               2 s delay after each) while one client checks the real user REAL_REQUESTS
#               times, one after the other; that client's p50/p99 is the figure that matters
#   cached      right passwords again at each of CACHED_CONCURRENCIES, against
#               `saslauthd -a pam -c` and authmuxd with its credential cache: cache hits
#
# Environment (all optional): ROUNDS=3 DURATION=5 WARMUP=1 PAM_CONCURRENCIES="1 16"
#   SPRAYERS=50 SPRAY_HEADSTART=3 REAL_REQUESTS=5 CACHED_CONCURRENCIES="16 64" KEEP_TMP=1
#
# Needs root: it creates a system user and /etc/pam.d/authmux-bench, and removes both at the
# end, however the script ends. Exit status: 0 when every run went through; 1 on a setup
# failure; 3 when the section was written but some run had errors or unexpected answers.
# shellcheck disable=SC2015  # "A && B || die" means: die unless both hold, as intended here
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"
export PATH="/opt/swift/usr/bin:$PATH:/usr/local/sbin:/usr/sbin:/sbin"
export LC_ALL=C

ROUNDS=${ROUNDS:-3}
DURATION=${DURATION:-5}
WARMUP=${WARMUP:-1}
PAM_CONCURRENCIES=${PAM_CONCURRENCIES:-"1 16"}
SPRAYERS=${SPRAYERS:-50}
SPRAY_HEADSTART=${SPRAY_HEADSTART:-3}
REAL_REQUESTS=${REAL_REQUESTS:-5}
CACHED_CONCURRENCIES=${CACHED_CONCURRENCIES:-"16 64"}
KEEP_TMP=${KEEP_TMP:-0}
SASLAUTHD=/usr/sbin/saslauthd
SERVICE=authmux-bench
PAM_FILE=/etc/pam.d/$SERVICE
BENCH_USER=amxbench0              # authtest's generated user 0 with --user-prefix amxbench
PASSWORD=pw-amxbench0             # and --password-prefix pw-amxbench

BENCH=bench/pam
# shellcheck source=bench/lib.sh
source "$ROOT/bench/lib.sh"
[ "$(id -u)" -eq 0 ] || die "needs root: it creates a system user and $PAM_FILE (and saslauthd -a pam needs root to read /etc/shadow)"
for n in $ROUNDS $SPRAYERS $REAL_REQUESTS $PAM_CONCURRENCIES $CACHED_CONCURRENCIES; do [[ $n =~ ^[1-9][0-9]*$ ]] || die "bad count '$n'"; done

missing=()
command -v python3 >/dev/null 2>&1 || missing+=(python3)
command -v ss >/dev/null 2>&1 || missing+=(iproute2)
[ -x "$SASLAUTHD" ] && command -v testsaslauthd >/dev/null 2>&1 || missing+=(sasl2-bin)
command -v useradd >/dev/null 2>&1 && command -v chpasswd >/dev/null 2>&1 || missing+=(passwd)
[ -e /etc/pam.d/common-auth ] || missing+=(libpam-runtime)
MISSING+=("${missing[@]}")
install_missing

build_release

TMP=$(mktemp -d /tmp/amp.XXXXXX)
chmod 755 "$TMP"
SASL_RUN="$TMP/saslauthd"
SASL_SOCK="$SASL_RUN/mux"
MUX_SOCK="$TMP/authmux/mux"
CONFIG="$TMP/authmux.yaml"
MUX_LOG="$TMP/authmuxd.log"
RESULTS="$TMP/results.jsonl"
CSASL_RUN="$TMP/saslauthd-c"
CSASL_SOCK="$CSASL_RUN/mux"
CMUX_SOCK="$TMP/authmux-c/mux"
CCONFIG="$TMP/authmux-cached.yaml"
CMUX_LOG="$TMP/authmuxd-cached.log"
SASLAUTHD_PID=""
AUTHMUXD_PID=""
CSASLAUTHD_PID=""
CAUTHMUXD_PID=""
CREATED_USER=0
SUCCEEDED=0

alive() { [ -n "$1" ] && [ -r "/proc/$1/status" ] && ! grep -q '^State:[[:space:]]*Z' "/proc/$1/status" 2>/dev/null; }
stop_pid() {  # SIGTERM, then wait up to 10 s (the daemons are not this shell's children)
  [ -n "$1" ] && alive "$1" || return 0
  kill -TERM "$1" 2>/dev/null || true
  for _ in $(seq 1 100); do alive "$1" || return 0; sleep 0.1; done
  kill -KILL "$1" 2>/dev/null || true
}

cleanup() {
  local rc=$?
  trap - EXIT INT TERM
  set +e
  # Sprayers and measurers are children of this script; take them down first.
  for job in $(jobs -p); do kill -TERM "$job" 2>/dev/null; done
  for pid in "$AUTHMUXD_PID" "$CAUTHMUXD_PID"; do stop_pid "$pid"; done
  # saslauthd's master signals its process group (the workers) on SIGTERM.
  for pid in "$SASLAUTHD_PID" "$CSASLAUTHD_PID"; do
    if [ -n "$pid" ] && alive "$pid"; then kill -TERM "$pid"; sleep 0.5; fi
  done
  rm -f "$PAM_FILE"
  [ "$CREATED_USER" -eq 1 ] && userdel "$BENCH_USER" 2>/dev/null
  if [ "$SUCCEEDED" -eq 1 ] && [ "$KEEP_TMP" != 1 ]; then rm -rf "$TMP"; else echo "bench/pam: files kept in $TMP" >&2; fi
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# ---------------------------------------------------------------------------------------------
# The account and the service: what /etc/pam.d/smtp holds on a stock Debian host.
if id "$BENCH_USER" >/dev/null 2>&1; then die "user $BENCH_USER already exists (left by an interrupted run? remove it with userdel $BENCH_USER)"; fi
[ -e "$PAM_FILE" ] && die "$PAM_FILE already exists (left by an interrupted run? remove it)"
useradd --system --no-create-home --shell /usr/sbin/nologin "$BENCH_USER"
CREATED_USER=1
printf '%s:%s\n' "$BENCH_USER" "$PASSWORD" | chpasswd
printf '@include common-auth\n@include common-account\n' > "$PAM_FILE"
HASH_KIND=$(getent shadow "$BENCH_USER" | cut -d: -f2 | cut -d'$' -f2)
say "user $BENCH_USER (password hash \$$HASH_KIND\$…), service $PAM_FILE (common-auth, common-account)"

# ---------------------------------------------------------------------------------------------
start_saslauthd() {  # start_saslauthd RUN-DIR EXTRA-FLAGS: prints the master's pid
  local run=$1 extra=$2 pid
  mkdir -p "$run"
  # shellcheck disable=SC2086  # EXTRA-FLAGS is empty or -c
  "$SASLAUTHD" -a pam -n 5 $extra -m "$run" >&2 || die "saslauthd did not start"
  for _ in $(seq 1 100); do [ -s "$run/saslauthd.pid" ] && [ -S "$run/mux" ] && break; sleep 0.1; done
  pid=$(tr -dc 0-9 < "$run/saslauthd.pid" 2>/dev/null || true)
  alive "$pid" && [ -S "$run/mux" ] || die "saslauthd ($run) is not running or has no socket"
  echo "$pid"
}
start_authmuxd() {  # start_authmuxd CONFIG SOCKET LOG CACHE(true|false): prints its pid
  local config=$1 sock=$2 log=$3 cache=$4 pid
  mkdir -p "$(dirname "$sock")"
  cat >"$config" <<EOF
listen:
  - protocol: saslauthd
    path: $sock
cache: { enabled: $cache }
# saslauthd has no throttle, and the sprayers guess the real user's own account: with the
# throttle, the real user's checks would wait behind their guesses. The failure delay keeps
# its default (3 s on a route through PAM): a timer that holds no thread, as the spray shows.
throttle: { enabled: false }
backends:
  system: { type: pam, services: [ $SERVICE ] }
EOF
  # Its stdout must not be this function's: the caller reads that until it closes.
  setsid "$BIN/authmuxd" --config "$config" --foreground >/dev/null 2>"$log" &
  pid=$!
  for _ in $(seq 1 300); do [ -S "$sock" ] && break; alive "$pid" || break; sleep 0.1; done
  [ -S "$sock" ] || { tail -n 20 "$log" >&2; die "authmuxd ($config) did not start"; }
  echo "$pid"
}

SASLAUTHD_CMD="$SASLAUTHD -a pam -n 5 -m $SASL_RUN"
say "starting Cyrus saslauthd: $SASLAUTHD_CMD"
SASLAUTHD_PID=$(start_saslauthd "$SASL_RUN" "")
AUTHMUXD_CMD="$BIN/authmuxd --config $CONFIG --foreground"
say "starting authmuxd: $AUTHMUXD_CMD (pam backend with its defaults; cache off, as saslauthd runs without -c)"
AUTHMUXD_PID=$(start_authmuxd "$CONFIG" "$MUX_SOCK" "$MUX_LOG" false)

check() {  # check SOCKET PASSWORD EXPECTED-EXIT
  local rc=0 out
  out=$(testsaslauthd -f "$1" -u "$BENCH_USER" -p "$2" -s "$SERVICE" 2>&1) || rc=$?
  [ "$rc" -eq "$3" ] || die "testsaslauthd on $1: '$out' (exit $rc); expected exit $3"
}
for sock in "$SASL_SOCK" "$MUX_SOCK"; do
  check "$sock" "$PASSWORD" 0
  check "$sock" "$PASSWORD-wrong" 255
done
say "both daemons answer OK for the right password and NO for a wrong one"

# ---------------------------------------------------------------------------------------------
load_args() {  # load_args SOCKET CONCURRENCY WRONG-SHARE ARGS...: arguments of one authtest bench run
  local sock=$1 conc=$2 share=$3; shift 3
  printf '%s\n' bench -f "$sock" -c "$conc" --generated-users 1 --user-prefix amxbench \
    --password-prefix pw-amxbench -s "$SERVICE" --wrong-share "$share" --json "$@"
}
load() {  # load SOCKET CONCURRENCY WRONG-SHARE ARGS...: one authtest bench run, JSON on stdout
  local args
  mapfile -t args < <(load_args "$@")
  "$BIN/authtest" "${args[@]}"
}
record() {  # record SCENARIO SERVER ROUND CONCURRENCY ROLE JSON-FILE EXIT
  python3 - "$@" >>"$RESULTS" <<'EOF'
import json, sys
scenario, server, rnd, conc, role, path, rc = sys.argv[1:8]
try:
    with open(path, encoding="utf-8") as handle:
        report = json.load(handle)
except (OSError, ValueError) as error:
    report = {"first_error": "no report: %s" % error}
print(json.dumps({"scenario": scenario, "server": server, "round": int(rnd), "concurrency": int(conc),
                  "role": role, "exit": int(rc), "report": report}))
EOF
}
server_socket() { if [ "$1" = saslauthd ]; then echo "$SASL_SOCK"; else echo "$MUX_SOCK"; fi; }
# measure SCENARIO CONCURRENCIES SASLAUTHD-SOCKET AUTHMUX-SOCKET: ROUNDS timed runs per
# concurrency, saslauthd then authmux in each round, every right password, each recorded.
measure() {
  local scenario=$1 concurrencies=$2 conc round server sock out rc
  for conc in $concurrencies; do
    for ((round = 1; round <= ROUNDS; round++)); do
      for server in saslauthd authmux; do
        if [ "$server" = saslauthd ]; then sock=$3; else sock=$4; fi
        out="$TMP/$scenario-$server-c$conc-r$round.json"; rc=0
        load "$sock" "$conc" 0 --duration "$DURATION" --warmup "$WARMUP" >"$out" 2>"$out.err" || rc=$?
        record "$scenario" "$server" "$round" "$conc" real "$out" "$rc"
      done
    done
  done
}

say "throughput: $ROUNDS round(s) of ${WARMUP}+${DURATION} s at concurrency $PAM_CONCURRENCIES, saslauthd then authmux"
measure throughput "$PAM_CONCURRENCIES" "$SASL_SOCK" "$MUX_SOCK"

# The sprayers run until stopped; the real user's client makes REAL_REQUESTS checks in a row
# after SPRAY_HEADSTART seconds, once the sprayers have filled the daemon's queue.
say "spray: $SPRAYERS clients with wrong passwords, one real user making $REAL_REQUESTS checks; $ROUNDS round(s)"
for ((round = 1; round <= ROUNDS; round++)); do
  for server in saslauthd authmux; do
    sock=$(server_socket $server)
    spray="$TMP/spray-$server-r$round.json"; real="$TMP/real-$server-r$round.json"; rc=0 src=0
    # Started directly (not through a function, which would fork a subshell), so that $! is
    # authtest itself and the signals below reach it.
    mapfile -t spray_args < <(load_args "$sock" "$SPRAYERS" 1 --duration 3600 --warmup 0 --timeout 600 --seed "$round")
    "$BIN/authtest" "${spray_args[@]}" >"$spray" 2>"$spray.err" &
    spray_pid=$!
    sleep "$SPRAY_HEADSTART"
    load "$sock" 1 0 --requests "$REAL_REQUESTS" --warmup 0 --timeout 600 >"$real" 2>"$real.err" || rc=$?
    # authtest prints its report on SIGINT (the measured part so far), like Ctrl-C.
    kill -INT "$spray_pid" 2>/dev/null || true
    wait "$spray_pid" || src=$?
    record spray "$server" "$round" 1 real "$real" "$rc"
    record spray "$server" "$round" "$SPRAYERS" sprayer "$spray" "$src"
    # Let the daemon drain the sprayers' last requests before the next run.
    for _ in $(seq 1 300); do
      [ "$(ss -xH state connected src "$sock" 2>/dev/null | wc -l)" -eq 0 ] && break
      sleep 0.1
    done
  done
done

# Cache hits: a second pair of daemons, both with their caches. The check below fills each
# cache, so the measured checks are all answered from memory.
CSASLAUTHD_CMD="$SASLAUTHD -a pam -n 5 -c -m $CSASL_RUN"
say "cached: starting $CSASLAUTHD_CMD and authmuxd with its cache"
CSASLAUTHD_PID=$(start_saslauthd "$CSASL_RUN" -c)
CAUTHMUXD_PID=$(start_authmuxd "$CCONFIG" "$CMUX_SOCK" "$CMUX_LOG" true)
for sock in "$CSASL_SOCK" "$CMUX_SOCK"; do check "$sock" "$PASSWORD" 0; done
say "cached: $ROUNDS round(s) of ${WARMUP}+${DURATION} s at concurrency $CACHED_CONCURRENCIES"
measure cached "$CACHED_CONCURRENCIES" "$CSASL_SOCK" "$CMUX_SOCK"
# Only authmuxd's last lines may still be in its 50 ms log batch; stop it to flush them.
stop_pid "$CAUTHMUXD_PID"; CAUTHMUXD_PID=""
CACHED_HITS=$(grep -c 'cached=yes' "$CMUX_LOG" || true)
CACHED_LINES=$(grep -c ' check ' "$CMUX_LOG" || true)

say "writing the PAM section of BENCHMARKS.md"
problems=0
python3 "$ROOT/bench/pam_report.py" --results "$RESULTS" --out "$ROOT/BENCHMARKS.md" \
  --date "$(date -u '+%Y-%m-%d %H:%M UTC')" --commit "$COMMIT" --rounds "$ROUNDS" --duration "$DURATION" \
  --warmup "$WARMUP" --sprayers "$SPRAYERS" --real-requests "$REAL_REQUESTS" --headstart "$SPRAY_HEADSTART" \
  --hash "$HASH_KIND" --saslauthd-cmd "$SASLAUTHD_CMD" --authmuxd-cmd "$AUTHMUXD_CMD" --config "$CONFIG" \
  --cached-saslauthd-cmd "$CSASLAUTHD_CMD" --cached-config "$CCONFIG" --cached-hits "$CACHED_HITS" \
  --cached-lines "$CACHED_LINES" || problems=$?
SUCCEEDED=1
[ "$problems" -eq 0 ] || { KEEP_TMP=1; say "some runs had problems: see the PAM section of BENCHMARKS.md"; exit 3; }
say "done"
