#!/usr/bin/env bash
# bench/soak.sh: hold a daemon under hostile load for a bounded time and watch what it keeps.
# `make soak` runs it (not part of `make test` or `make bench`).
#
# Against one authmuxd (a sasldb backend and a pam backend chained, PAM run by pam_wrapper +
# pam_matrix), then against Cyrus `saslauthd -a pam -n 5` on the same PAM service, each for
# SOAK_SECONDS:
#   idle      IDLE (1,000) connections that send nothing; any the server closes is re-opened at
#             once (bench/idle_holder.py). authmuxd closes them at limits.read_timeout.
#   spray     SPRAYERS (50) `authtest bench` clients sending wrong passwords without pause; the
#             PAM service has pam_faildelay (2 s), as pam_unix asks after every failure
#   real      one `authtest bench -c 1` client checking a real user, one check after another;
#             its p50/p99 and checks/s are the figures that matter
# The daemon's open file descriptors and RSS are sampled before the load (start), every second
# (peak) and after the load stopped and QUIET seconds passed (end); authtest's errors and the
# daemon's log warnings and errors are counted by message. Writes its section of BENCHMARKS.md.
#
# Environment (all optional): SOAK_SECONDS=60 IDLE=1000 SPRAYERS=50 READ_TIMEOUT=5s QUIET=5
#   GRACE=30 (seconds a client may take to stop after the soak before it is killed)
#   SOAK_DAEMONS="authmux saslauthd" KEEP_TMP=1
#
# Needs no root: PAM runs through pam_wrapper on service files in a temporary folder, the
# sasldb and both sockets are there too. Only PIDs this script started are signalled.
# Exit status: 0 when everything went through cleanly; 1 on a setup failure; 3 when the section
# was written but authmux had errors, unexpected answers or log warnings/errors (saslauthd's
# stall is the comparison, not a failure of this script).
# shellcheck disable=SC2015  # "A && B || true": B's failure is ignored too, as intended here
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"
export PATH="/opt/swift/usr/bin:$PATH:/usr/local/sbin:/usr/sbin:/sbin"
export LC_ALL=C

SOAK_SECONDS=${SOAK_SECONDS:-60}
IDLE=${IDLE:-1000}
SPRAYERS=${SPRAYERS:-50}
READ_TIMEOUT=${READ_TIMEOUT:-5s}
QUIET=${QUIET:-5}
GRACE=${GRACE:-30}
SOAK_DAEMONS=${SOAK_DAEMONS:-"authmux saslauthd"}
KEEP_TMP=${KEEP_TMP:-0}
SASLAUTHD=/usr/sbin/saslauthd
SERVICE=soak
REALM=soak.example
ARCH_DIR=/usr/lib/$(gcc -print-multiarch 2>/dev/null || echo x86_64-linux-gnu)
PAM_MATRIX=$ARCH_DIR/pam_wrapper/pam_matrix.so
PAM_MODULES=$ARCH_DIR/security

BENCH=bench/soak
# shellcheck source=bench/lib.sh
source "$ROOT/bench/lib.sh"
for n in $SOAK_SECONDS $IDLE $SPRAYERS $QUIET $GRACE; do [[ $n =~ ^[1-9][0-9]*$ ]] || die "bad count '$n' (whole numbers >= 1)"; done
[[ $READ_TIMEOUT =~ ^[0-9]+(ms|s|m)?$ ]] || die "READ_TIMEOUT must be a duration such as 5s (got '$READ_TIMEOUT')"
for d in $SOAK_DAEMONS; do case $d in authmux|saslauthd) ;; *) die "SOAK_DAEMONS: unknown daemon '$d'";; esac; done

missing=()
command -v python3 >/dev/null 2>&1 || missing+=(python3)
command -v ss >/dev/null 2>&1 || missing+=(iproute2)
{ [ -x "$SASLAUTHD" ] && command -v testsaslauthd >/dev/null 2>&1 && command -v saslpasswd2 >/dev/null 2>&1; } || missing+=(sasl2-bin)
[ -e "$PAM_MATRIX" ] || missing+=(libpam-wrapper)
[ -e "$PAM_MODULES/pam_faildelay.so" ] || missing+=(libpam-modules)
MISSING+=("${missing[@]}")
install_missing
[ -e "$PAM_MATRIX" ] || die "pam_matrix not found at $PAM_MATRIX (package libpam-wrapper)"

# 1,000 idle connections plus the clients need more descriptors than a default 1024: raise the
# limit for this shell, so for the daemons and the idle holder it starts.
NOFILE_NEEDED=8192
if [ "$(ulimit -n)" != unlimited ] && [ "$(ulimit -n)" -lt "$NOFILE_NEEDED" ]; then
  ulimit -n "$NOFILE_NEEDED" 2>/dev/null || die "ulimit -n is $(ulimit -n) and cannot be raised to $NOFILE_NEEDED (hard limit $(ulimit -Hn))"
fi
NOFILE=$(ulimit -n)

build_release

TMP=$(mktemp -d /tmp/ams.XXXXXX)
chmod 755 "$TMP"
PAM_DIR="$TMP/pam.d"
PASSDB="$TMP/passdb"
SASLDB="$TMP/sasldb2"
CONFIG="$TMP/authmux.yaml"
RESULTS="$TMP/results.jsonl"
SOAK_PID=""
CLIENT_PIDS=()
SAMPLER_PID=""
SUCCEEDED=0

alive() { [ -n "$1" ] && [ -r "/proc/$1/status" ] && ! grep -q '^State:[[:space:]]*Z' "/proc/$1/status" 2>/dev/null; }
children_of() {
  local parent=$1 status
  for status in /proc/[0-9]*/status; do
    if grep -q "^PPid:[[:space:]]*$parent\$" "$status" 2>/dev/null && ! grep -q '^State:[[:space:]]*Z' "$status" 2>/dev/null; then
      status=${status#/proc/}; printf '%s\n' "${status%/status}"
    fi
  done
}
stop_pid() {  # SIGTERM, then up to 10 s, then SIGKILL; only a pid this script started
  [ -n "$1" ] && alive "$1" || return 0
  kill -TERM "$1" 2>/dev/null || true
  for _ in $(seq 1 100); do alive "$1" || break; sleep 0.1; done
  alive "$1" && kill -KILL "$1" 2>/dev/null || true
  wait "$1" 2>/dev/null || true
}
stop_daemon() {
  local pid workers=()
  [ -n "$SOAK_PID" ] || return 0
  mapfile -t workers < <(children_of "$SOAK_PID")
  stop_pid "$SOAK_PID"   # saslauthd's master signals its process group (its workers) itself
  for pid in "${workers[@]}"; do
    for _ in $(seq 1 50); do alive "$pid" || break; sleep 0.1; done
    alive "$pid" && kill -KILL "$pid" 2>/dev/null || true
  done
  SOAK_PID=""
}
cleanup() {
  local rc=$? pid
  trap - EXIT INT TERM
  set +e
  for pid in "${CLIENT_PIDS[@]}" "$SAMPLER_PID"; do [ -n "$pid" ] && alive "$pid" && kill -KILL "$pid" 2>/dev/null; done
  stop_daemon
  if [ "$SUCCEEDED" -eq 1 ] && [ "$KEEP_TMP" != 1 ]; then rm -rf "$TMP"; else echo "bench/soak: files kept in $TMP" >&2; fi
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# ---------------------------------------------------------------------------------------------
# Users and stores, all throwaway. PAM (pam_matrix): the real user soakreal0 and the sprayed
# users soakspray0…; the sasldb: soaksasl0, a user PAM does not know.
mkdir -p "$PAM_DIR"
{
  printf 'soakreal0:pw-soakreal0:%s\n' "$SERVICE"
  for ((i = 0; i < SPRAYERS; i++)); do printf 'soakspray%d:pw-soakspray%d:%s\n' "$i" "$i" "$SERVICE"; done
} > "$PASSDB"
printf 'auth optional %s/pam_faildelay.so delay=2000000\nauth required %s passdb=%s\naccount required %s passdb=%s\n' \
  "$PAM_MODULES" "$PAM_MATRIX" "$PASSDB" "$PAM_MATRIX" "$PASSDB" > "$PAM_DIR/$SERVICE"
printf 'auth required %s/pam_deny.so\naccount required %s/pam_deny.so\n' "$PAM_MODULES" "$PAM_MODULES" > "$PAM_DIR/other"
printf 'pw-soaksasl0' | saslpasswd2 -f "$SASLDB" -p -c -u "$REALM" soaksasl0 || die "saslpasswd2 failed"
PAM_ENV=(LD_PRELOAD=libpam_wrapper.so PAM_WRAPPER=1 "PAM_WRAPPER_SERVICE_DIR=$PAM_DIR")

# authmux: every check goes through the sasldb first, then PAM (users the sasldb does not know),
# as the example configuration routes its realm. The credential cache is off so that every
# check runs PAM, as saslauthd runs without -c.
MUX_SOCK="$TMP/authmux/mux"
mkdir -p "$TMP/authmux"
cat > "$CONFIG" <<EOF
listen:
  - protocol: saslauthd
    path: $MUX_SOCK
realms:
  default: $REALM
limits:
  read_timeout: $READ_TIMEOUT      # idle connections are closed after this
  max_connections: 4096            # the default: above $IDLE idle + $((SPRAYERS + 1)) clients
# failure_delay keeps its default (3 s on a route through PAM, pam_faildelay's 2 s within it): a
# timer that holds no thread, so the sprayers' waiting answers cost only their connections.
cache: { enabled: false }
backends:
  local: { type: sasldb, path: $SASLDB }
  system: { type: pam, service: "%s", services: [ $SERVICE ], identity: bare, threads: 4 }
routes:
  - use: [ local, system ]
EOF
"$BIN/authmuxd" check-config --config "$CONFIG" >"$TMP/check-config.out" 2>&1 || { cat "$TMP/check-config.out" >&2; die "authmuxd check-config refused $CONFIG"; }

# ---------------------------------------------------------------------------------------------
sample() {  # sample PID...: "fds rss_kb" summed over the processes
  local fds=0 rss=0 pid n r
  for pid in "$@"; do
    # shellcheck disable=SC2012  # counting entries, names do not matter
    n=$(ls "/proc/$pid/fd" 2>/dev/null | wc -l) || n=0
    r=$(awk '/^VmRSS:/ { print $2 }' "/proc/$pid/status" 2>/dev/null) || r=0
    fds=$((fds + n)); rss=$((rss + ${r:-0}))
  done
  echo "$fds $rss"
}
daemon_pids() { echo "$SOAK_PID"; children_of "$SOAK_PID"; }

check() {  # check SOCKET USER PASSWORD: prints testsaslauthd's answer
  timeout 30 testsaslauthd -f "$1" -u "$2" -p "$3" -s "$SERVICE" 2>&1 || true
}

soak_one() {  # soak_one DAEMON: one soak against a fresh daemon; appends its JSON line to RESULTS
  local daemon=$1 sock log cmd pids start end holder_pid spray_pid real_pid t0 elapsed
  local backlog pre_real pre_wrong pre_sasl post_real post_wrong post_sasl killed=()
  local dir="$TMP/$daemon"
  mkdir -p "$dir"
  log="$dir/daemon.log"
  if [ "$daemon" = authmux ]; then
    sock=$MUX_SOCK
    cmd="env ${PAM_ENV[*]} $BIN/authmuxd --config $CONFIG --foreground"
    setsid env "${PAM_ENV[@]}" "$BIN/authmuxd" --config "$CONFIG" --foreground >/dev/null 2>"$log" &
  else
    sock="$dir/run/mux"
    mkdir -p "$dir/run"
    cmd="env ${PAM_ENV[*]} $SASLAUTHD -a pam -n 5 -d -m $dir/run"
    # -d keeps it in the foreground (its pid is $!) and logs to stderr; pam_wrapper's
    # environment reaches the workers it forks.
    setsid env "${PAM_ENV[@]}" "$SASLAUTHD" -a pam -n 5 -d -m "$dir/run" >"$log" 2>&1 &
  fi
  SOAK_PID=$!
  say "$daemon: $cmd (pid $SOAK_PID)"
  for _ in $(seq 1 300); do [ -S "$sock" ] && break; alive "$SOAK_PID" || break; sleep 0.1; done
  [ -S "$sock" ] || { tail -n 20 "$log" >&2; die "$daemon did not start"; }
  if [ "$daemon" = saslauthd ]; then
    for _ in $(seq 1 50); do [ "$(children_of "$SOAK_PID" | wc -l)" -ge 4 ] && break; sleep 0.1; done
  fi

  # The listen backlog: connections that wait there count as connected for the idle holder.
  backlog=$(ss -xlnH 2>/dev/null | awk -v p="$sock" '$5 == p { print $4; exit }')
  pre_real=$(check "$sock" soakreal0 pw-soakreal0)
  pre_wrong=$(check "$sock" soakreal0 wrong-password)
  pre_sasl=-
  [ "$daemon" = authmux ] && pre_sasl=$(check "$sock" soaksasl0 pw-soaksasl0)
  case "$pre_real" in *OK*) ;; *) die "$daemon: the real user is not accepted before the soak: $pre_real";; esac
  case "$pre_wrong" in *NO*) ;; *) die "$daemon: a wrong password is not refused before the soak: $pre_wrong";; esac
  case "$pre_sasl" in -|*OK*) ;; *) die "$daemon: the sasldb user is not accepted before the soak: $pre_sasl";; esac
  sleep 1
  mapfile -t pids < <(daemon_pids)
  start=$(sample "${pids[@]}")
  say "$daemon: answers OK/NO as expected; start: fds rss_kb = $start (processes: ${pids[*]})"

  # One sample a second from now until the daemon stops: "elapsed fds rss_kb".
  ( t=0; while :; do echo "$t $(sample "${pids[@]}")"; sleep 1; t=$((t + 1)); done ) >"$dir/samples" &
  SAMPLER_PID=$!

  t0=$SECONDS
  python3 "$ROOT/bench/idle_holder.py" "$sock" -n "$IDLE" --ready-file "$dir/holder.ready" >"$dir/holder.json" 2>"$dir/holder.err" &
  holder_pid=$!
  for _ in $(seq 1 100); do [ -e "$dir/holder.ready" ] && break; alive "$holder_pid" || break; sleep 0.1; done
  local timeout_s=$((SOAK_SECONDS + GRACE))
  "$BIN/authtest" bench -f "$sock" -c "$SPRAYERS" --generated-users "$SPRAYERS" --user-prefix soakspray \
    --password-prefix pw-soakspray -s "$SERVICE" --wrong-share 1 --duration "$SOAK_SECONDS" --warmup 0 \
    --timeout "$timeout_s" --json >"$dir/spray.json" 2>"$dir/spray.err" &
  spray_pid=$!
  "$BIN/authtest" bench -f "$sock" -c 1 --generated-users 1 --user-prefix soakreal --password-prefix pw-soakreal \
    -s "$SERVICE" --wrong-share 0 --duration "$SOAK_SECONDS" --warmup 0 --timeout "$timeout_s" --json \
    >"$dir/real.json" 2>"$dir/real.err" &
  real_pid=$!
  CLIENT_PIDS=("$holder_pid" "$spray_pid" "$real_pid")
  say "$daemon: $IDLE idle connections (holder $holder_pid), $SPRAYERS sprayers ($spray_pid), one real user ($real_pid) for $SOAK_SECONDS s"
  while [ $((SECONDS - t0)) -lt "$SOAK_SECONDS" ]; do sleep 1; done

  # Stop: the clients first (SIGINT: stop sending, finish what is in flight, report), then the
  # idle holder, whose closing connections unblock a daemon stalled on them.
  for pid in "$spray_pid" "$real_pid"; do alive "$pid" && kill -INT "$pid" 2>/dev/null || true; done
  sleep 1
  kill -TERM "$holder_pid" 2>/dev/null || true
  for pid in "$holder_pid" "$spray_pid" "$real_pid"; do
    while alive "$pid" && [ $((SECONDS - t0)) -lt $((SOAK_SECONDS + GRACE)) ]; do sleep 0.2; done
    if alive "$pid"; then kill -KILL "$pid" 2>/dev/null || true; killed+=("$pid"); fi
    wait "$pid" 2>/dev/null || true
  done
  elapsed=$((SECONDS - t0))
  CLIENT_PIDS=()
  say "$daemon: load stopped after $elapsed s${killed[*]:+ (killed after the grace period: ${killed[*]})}"

  post_real=$(check "$sock" soakreal0 pw-soakreal0)
  post_wrong=$(check "$sock" soakreal0 wrong-password)
  post_sasl=-
  [ "$daemon" = authmux ] && post_sasl=$(check "$sock" soaksasl0 pw-soaksasl0)
  sleep "$QUIET"
  end=$(sample "${pids[@]}")
  kill -KILL "$SAMPLER_PID" 2>/dev/null || true; wait "$SAMPLER_PID" 2>/dev/null || true; SAMPLER_PID=""
  say "$daemon: after the load and $QUIET s of quiet: fds rss_kb = $end; after the soak it answers: ${post_real//$'\n'/ } / ${post_wrong//$'\n'/ }"
  stop_daemon   # flushes authmuxd's log batch

  python3 - "$daemon" "$cmd" "$dir" "$start" "$end" "$elapsed" "${#killed[@]}" "$pre_real" "$pre_wrong" "$pre_sasl" \
    "$post_real" "$post_wrong" "$post_sasl" "${#pids[@]}" "${backlog:--}" >>"$RESULTS" <<'EOF'
import json, sys
daemon, cmd, d, start, end, elapsed, killed, pre_real, pre_wrong, pre_sasl, post_real, post_wrong, post_sasl, procs, backlog = sys.argv[1:16]
def report(name):
    try:
        with open("%s/%s" % (d, name), encoding="utf-8") as handle:
            return json.load(handle)
    except (OSError, ValueError) as error:
        return {"first_error": "no report: %s" % error}
def text(name):
    try:
        with open("%s/%s" % (d, name), encoding="utf-8", errors="replace") as handle:
            return handle.read().strip()
    except OSError:
        return ""
samples = []
for line in text("samples").splitlines():
    parts = line.split()
    if len(parts) == 3:
        samples.append([int(p) for p in parts])
fds, rss = (int(x) for x in start.split())
efds, erss = (int(x) for x in end.split())
print(json.dumps({
    "daemon": daemon, "cmd": cmd, "processes": int(procs), "backlog": backlog, "elapsed_s": int(elapsed), "killed": int(killed),
    "start": {"fds": fds, "rss_kb": rss}, "end": {"fds": efds, "rss_kb": erss},
    "peak": {"fds": max([s[1] for s in samples] + [fds]), "rss_kb": max([s[2] for s in samples] + [rss])},
    "samples": samples,
    "checks": {"before": [pre_real, pre_wrong, pre_sasl], "after": [post_real, post_wrong, post_sasl]},
    "holder": report("holder.json"), "spray": report("spray.json"), "real": report("real.json"),
    "stderr": {"holder": text("holder.err"), "spray": text("spray.err"), "real": text("real.err")},
    "log": "%s/daemon.log" % d,
}))
EOF
}

for daemon in $SOAK_DAEMONS; do soak_one "$daemon"; done

say "writing the soak section of BENCHMARKS.md"
problems=0
python3 "$ROOT/bench/soak_report.py" --results "$RESULTS" --out "$ROOT/BENCHMARKS.md" \
  --date "$(date -u '+%Y-%m-%d %H:%M UTC')" --commit "$COMMIT" --seconds "$SOAK_SECONDS" --idle "$IDLE" \
  --sprayers "$SPRAYERS" --quiet "$QUIET" --grace "$GRACE" --nofile "$NOFILE" --config "$CONFIG" \
  --pam-service "$PAM_DIR/$SERVICE" || problems=$?
SUCCEEDED=1
[ "$problems" -eq 0 ] || { KEEP_TMP=1; say "authmux had problems under the soak: see the soak section of BENCHMARKS.md"; exit 3; }
say "done"
