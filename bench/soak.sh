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
set -euo pipefail
BENCH=bench/soak
# shellcheck source=bench/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

SOAK_SECONDS=${SOAK_SECONDS:-60}
IDLE=${IDLE:-1000}
SPRAYERS=${SPRAYERS:-50}
READ_TIMEOUT=${READ_TIMEOUT:-5s}
QUIET=${QUIET:-5}
GRACE=${GRACE:-30}
SOAK_DAEMONS=${SOAK_DAEMONS:-"authmux saslauthd"}
SERVICE=soak
REALM=soak.example
ARCH_DIR=/usr/lib/$(gcc -print-multiarch 2>/dev/null || echo x86_64-linux-gnu)
PAM_MATRIX=$ARCH_DIR/pam_wrapper/pam_matrix.so
PAM_MODULES=$ARCH_DIR/security
need_counts SOAK_SECONDS IDLE SPRAYERS QUIET GRACE
[[ $READ_TIMEOUT =~ ^[0-9]+(ms|s|m)?$ ]] || die "READ_TIMEOUT must be a duration such as 5s (got '$READ_TIMEOUT')"
for d in $SOAK_DAEMONS; do case $d in authmux|saslauthd) ;; *) die "SOAK_DAEMONS: unknown daemon '$d'";; esac; done
need iproute2 ss
need libpam-wrapper "$PAM_MATRIX"
need libpam-modules "$PAM_MODULES/pam_faildelay.so"
install_missing
[ -e "$PAM_MATRIX" ] || die "pam_matrix not found at $PAM_MATRIX (package libpam-wrapper)"

# 1,000 idle connections plus the clients need more descriptors than a default 1024: raise the
# limit for this shell, so for the daemons and the idle holder it starts.
NOFILE_NEEDED=8192
if [ "$(ulimit -n)" != unlimited ] && [ "$(ulimit -n)" -lt "$NOFILE_NEEDED" ]; then
  ulimit -n "$NOFILE_NEEDED" 2>/dev/null || die "ulimit -n is $(ulimit -n) and cannot be raised to $NOFILE_NEEDED (hard limit $(ulimit -Hn))"
fi
build_release
make_tmp ams

# Users and stores, all throwaway. PAM (pam_matrix): the real user soakreal0 and the sprayed
# users soakspray0…; the sasldb: soaksasl0, a user PAM does not know.
PAM_DIR=$TMP/pam.d
PASSDB=$TMP/passdb
mkdir -p "$PAM_DIR"
{
  printf 'soakreal0:pw-soakreal0:%s\n' "$SERVICE"
  for ((i = 0; i < SPRAYERS; i++)); do printf 'soakspray%d:pw-soakspray%d:%s\n' "$i" "$i" "$SERVICE"; done
} >"$PASSDB"
printf 'auth optional %s/pam_faildelay.so delay=2000000\nauth required %s passdb=%s\naccount required %s passdb=%s\n' \
  "$PAM_MODULES" "$PAM_MATRIX" "$PASSDB" "$PAM_MATRIX" "$PASSDB" >"$PAM_DIR/$SERVICE"
printf 'auth required %s/pam_deny.so\naccount required %s/pam_deny.so\n' "$PAM_MODULES" "$PAM_MODULES" >"$PAM_DIR/other"
printf 'pw-soaksasl0' | saslpasswd2 -f "$TMP/sasldb2" -p -c -u "$REALM" soaksasl0 || die "saslpasswd2 failed"
PAM_ENV=(LD_PRELOAD=libpam_wrapper.so PAM_WRAPPER=1 "PAM_WRAPPER_SERVICE_DIR=$PAM_DIR")

# authmux: every check goes through the sasldb first, then PAM (users the sasldb does not know),
# as the example configuration routes its realm. The credential cache is off so that every
# check runs PAM, as saslauthd runs without -c.
cat >"$TMP/authmux.yaml" <<EOF
listen:
  - protocol: saslauthd
    path: $TMP/authmux/mux
realms:
  default: $REALM
limits:
  read_timeout: $READ_TIMEOUT      # idle connections are closed after this
  max_connections: 4096            # the default: above $IDLE idle + $((SPRAYERS + 1)) clients
# failure_delay keeps its default (3 s on a route through PAM, pam_faildelay's 2 s within it): a
# timer that holds no thread, so the sprayers' waiting answers cost only their connections.
cache: { enabled: false }
backends:
  local: { type: sasldb, path: $TMP/sasldb2 }
  system: { type: pam, service: "%s", services: [ $SERVICE ], identity: bare, threads: 4 }
routes:
  - use: [ local, system ]
EOF
"$BIN/authmuxd" check-config --config "$TMP/authmux.yaml" >"$TMP/check-config.out" 2>&1 || { cat "$TMP/check-config.out" >&2; die "authmuxd check-config refused $TMP/authmux.yaml"; }

sample() {  # sample PID...: "fds rss_kb" summed over the processes
  local fds=0 rss=0 pid
  for pid in "$@"; do
    fds=$((fds + $(find "/proc/$pid/fd" -mindepth 1 -maxdepth 1 2>/dev/null | wc -l)))
    rss=$((rss + $(status_kb VmRSS "$pid")))
  done
  echo "$fds $rss"
}
ask() {  # ask TESTSASLAUTHD-ARGS...: the answer of the daemon soak_one is soaking
  timeout 30 testsaslauthd -f "${DAEMON_SOCK[$daemon]}" -s "$SERVICE" "$@" 2>&1 || true
}

soak_one() {  # soak_one DAEMON: one soak against a fresh daemon, recorded in RESULTS
  local daemon=$1 dir=$TMP/$1 sock backlog pids=() start end t0 elapsed pid status holder_pid spray_pid real_pid killed=()
  local -A rc=()
  mkdir -p "$dir"
  if [ "$daemon" = authmux ]; then
    start_daemon authmux "$TMP/authmux/mux" "$dir/daemon.log" env "${PAM_ENV[@]}" "$BIN/authmuxd" --config "$TMP/authmux.yaml" --foreground
  else
    # -d keeps it in the foreground, logging to stderr; pam_wrapper's environment reaches the
    # workers it forks.
    start_daemon saslauthd "$dir/run/mux" "$dir/daemon.log" env "${PAM_ENV[@]}" "$SASLAUTHD" -a pam -n 5 -d -m "$dir/run"
    wait_workers saslauthd 4
  fi
  sock=${DAEMON_SOCK[$daemon]}
  expect "$daemon" OK -u soakreal0 -p pw-soakreal0 -s "$SERVICE"
  expect "$daemon" NO -u soakreal0 -p wrong-password -s "$SERVICE"
  [ "$daemon" != authmux ] || expect "$daemon" OK -u soaksasl0 -p pw-soaksasl0 -s "$SERVICE"
  # The listen backlog: connections that wait there count as connected for the idle holder.
  # Found by the daemon's pid: authmuxd binds through /proc/self/fd, so ss shows no path.
  backlog=$(ss -xlnpH 2>/dev/null | awk -v pid="pid=${DAEMON_PID[$daemon]}," 'index($0, pid) { print $4; exit }')
  sleep 1
  mapfile -t pids < <(pids_of "${DAEMON_PID[$daemon]}")
  start=$(sample "${pids[@]}")
  say "$daemon: answers OK/NO as expected; start: fds rss_kb = $start (processes: ${pids[*]})"

  # One sample a second from now until the daemon stops: "elapsed fds rss_kb".
  ( t=0; while :; do echo "$t $(sample "${pids[@]}")"; sleep 1; t=$((t + 1)); done ) >"$dir/samples" &
  SAMPLER_PID=$!
  t0=$SECONDS
  python3 "$ROOT/bench/idle_holder.py" "$sock" -n "$IDLE" --ready-file "$dir/holder.ready" >"$dir/holder.json" 2>"$dir/holder.err" &
  holder_pid=$!
  for _ in $(seq 1 100); do [ -e "$dir/holder.ready" ] && break; alive "$holder_pid" || break; sleep 0.1; done
  "$BIN/authtest" bench -f "$sock" -c "$SPRAYERS" --generated-users "$SPRAYERS" --user-prefix soakspray \
    --password-prefix pw-soakspray -s "$SERVICE" --wrong-share 1 --duration "$SOAK_SECONDS" --warmup 0 \
    --timeout $((SOAK_SECONDS + GRACE)) --json >"$dir/spray.json" 2>"$dir/spray.err" &
  spray_pid=$!
  "$BIN/authtest" bench -f "$sock" -c 1 --generated-users 1 --user-prefix soakreal --password-prefix pw-soakreal \
    -s "$SERVICE" --wrong-share 0 --duration "$SOAK_SECONDS" --warmup 0 --timeout $((SOAK_SECONDS + GRACE)) --json \
    >"$dir/real.json" 2>"$dir/real.err" &
  real_pid=$!
  say "$daemon: $IDLE idle connections (holder $holder_pid), $SPRAYERS sprayers ($spray_pid), one real user ($real_pid) for $SOAK_SECONDS s"
  while [ $((SECONDS - t0)) -lt "$SOAK_SECONDS" ]; do sleep 1; done

  # Stop: the clients first (SIGINT: stop sending, finish what is in flight, report), then the
  # idle holder, whose closing connections unblock a daemon stalled on them.
  for pid in "$spray_pid" "$real_pid"; do ! alive "$pid" || kill -INT "$pid" 2>/dev/null || true; done
  sleep 1
  kill -TERM "$holder_pid" 2>/dev/null || true
  for pid in "$holder_pid" "$spray_pid" "$real_pid"; do
    while alive "$pid" && [ $((SECONDS - t0)) -lt $((SOAK_SECONDS + GRACE)) ]; do sleep 0.2; done
    if alive "$pid"; then kill -KILL "$pid" 2>/dev/null || true; killed+=("$pid"); fi
    status=0; wait "$pid" 2>/dev/null || status=$?
    rc[$pid]=$status
  done
  elapsed=$((SECONDS - t0))
  say "$daemon: load stopped after $elapsed s${killed[*]:+ (killed after the grace period: ${killed[*]})}"
  record "daemon=$daemon role=spray" "$dir/spray" "${rc[$spray_pid]}" --stopped
  record "daemon=$daemon role=real" "$dir/real" "${rc[$real_pid]}" --stopped

  local after_real after_wrong after_sasl=-
  after_real=$(ask -u soakreal0 -p pw-soakreal0)
  after_wrong=$(ask -u soakreal0 -p wrong-password)
  [ "$daemon" != authmux ] || after_sasl=$(ask -u soaksasl0 -p pw-soaksasl0)
  sleep "$QUIET"
  end=$(sample "${pids[@]}")
  kill -KILL "$SAMPLER_PID" 2>/dev/null || true; wait "$SAMPLER_PID" 2>/dev/null || true
  say "$daemon: after the load and $QUIET s of quiet: fds rss_kb = $end; after the soak it answers: ${after_real//$'\n'/ } / ${after_wrong//$'\n'/ }"
  json_line soak daemon "$daemon" cmd "${DAEMON_CMD[$daemon]}" dir "$dir" processes "${#pids[@]}" \
    backlog "${backlog:--}" start "$start" end "$end" elapsed "$elapsed" killed "${#killed[@]}" \
    after_real "$after_real" after_wrong "$after_wrong" after_sasl "$after_sasl"
  stop_daemon "$daemon"   # flushes authmuxd's log batch
}

for daemon in $SOAK_DAEMONS; do soak_one "$daemon"; done
facts seconds "$SOAK_SECONDS" idle "$IDLE" sprayers "$SPRAYERS" quiet "$QUIET" grace "$GRACE" nofile "$(ulimit -n)" \
  config "$(cat "$TMP/authmux.yaml")" pam_service "$(cat "$PAM_DIR/$SERVICE")"
finish soak_report.py
