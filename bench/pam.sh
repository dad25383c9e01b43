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
#   BASELINE=REV (also measure REV's authmuxd, built in var/bench-baseline/, as "authmux before",
#   with authmux's configuration, right before it in every round of every scenario)
#
# Needs root: it creates a system user and /etc/pam.d/authmux-bench, and removes both at the
# end, however the script ends. Exit status: 0 when every run went through; 1 on a setup
# failure; 3 when the section was written but some run had errors or unexpected answers.
set -euo pipefail
BENCH=bench/pam
# shellcheck source=bench/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

ROUNDS=${ROUNDS:-3}
DURATION=${DURATION:-5}
WARMUP=${WARMUP:-1}
PAM_CONCURRENCIES=${PAM_CONCURRENCIES:-"1 16"}
SPRAYERS=${SPRAYERS:-50}
SPRAY_HEADSTART=${SPRAY_HEADSTART:-3}
REAL_REQUESTS=${REAL_REQUESTS:-5}
CACHED_CONCURRENCIES=${CACHED_CONCURRENCIES:-"16 64"}
SERVICE=authmux-bench
PAM_FILE=/etc/pam.d/$SERVICE
BENCH_USER=amxbench0              # authtest's generated user 0 with --user-prefix amxbench
PASSWORD=pw-amxbench0             # and --password-prefix pw-amxbench
ACCOUNT=(--generated-users 1 --user-prefix amxbench --password-prefix pw-amxbench -s "$SERVICE")
CREATED_USER=0
[ "$(id -u)" -eq 0 ] || die "needs root: it creates a system user and $PAM_FILE (and saslauthd -a pam needs root to read /etc/shadow)"
need_counts ROUNDS SPRAYERS REAL_REQUESTS PAM_CONCURRENCIES CACHED_CONCURRENCIES
need_numbers DURATION WARMUP SPRAY_HEADSTART
need iproute2 ss
need passwd useradd chpasswd
need libpam-runtime /etc/pam.d/common-auth
install_missing
build_release
build_baseline
make_tmp amp
on_exit() {
  rm -f "$PAM_FILE"
  [ "$CREATED_USER" -eq 0 ] || userdel "$BENCH_USER" 2>/dev/null
}

# The account and the service: what /etc/pam.d/smtp holds on a stock Debian host.
if id "$BENCH_USER" >/dev/null 2>&1; then die "user $BENCH_USER already exists (left by an interrupted run? remove it with userdel $BENCH_USER)"; fi
[ -e "$PAM_FILE" ] && die "$PAM_FILE already exists (left by an interrupted run? remove it)"
useradd --system --no-create-home --shell /usr/sbin/nologin "$BENCH_USER"
CREATED_USER=1
printf '%s:%s\n' "$BENCH_USER" "$PASSWORD" | chpasswd
printf '@include common-auth\n@include common-account\n' >"$PAM_FILE"
HASH_KIND=$(getent shadow "$BENCH_USER" | cut -d: -f2 | cut -d'$' -f2)
say "user $BENCH_USER (password hash \$$HASH_KIND\$…), service $PAM_FILE (common-auth, common-account)"

start_authmuxd() {  # start_authmuxd NAME CACHE(true|false), and the baseline beside it (start_before)
  cat >"$TMP/$1.yaml" <<EOF
listen:
  - protocol: saslauthd
    path: $TMP/$1/mux
cache: { enabled: $2 }
# saslauthd has no throttle, and the sprayers guess the real user's own account: with the
# throttle, the real user's checks would wait behind their guesses. The failure delay keeps
# its default (3 s on a route through PAM): a timer that holds no thread, as the spray shows.
throttle: { enabled: false }
backends:
  system: { type: pam, services: [ $SERVICE ] }
EOF
  start_daemon "$1" "$TMP/$1/mux" "$TMP/$1.log" "$BIN/authmuxd" --config "$TMP/$1.yaml" --foreground
  start_before "$1" "$TMP/$1.yaml"
}
load_args() {  # load_args ROUND: right passwords at concurrency conc
  printf '%s\n' -c "$conc" "${ACCOUNT[@]}" --wrong-share 0 --duration "$DURATION" --warmup "$WARMUP"
}

start_saslauthd saslauthd "$TMP/saslauthd" -a pam -n 5
start_authmuxd authmux false
for name in $(with_before saslauthd authmux); do
  expect "$name" OK -u "$BENCH_USER" -p "$PASSWORD" -s "$SERVICE"
  expect "$name" NO -u "$BENCH_USER" -p "$PASSWORD-wrong" -s "$SERVICE"
done

say "throughput: $ROUNDS round(s) of ${WARMUP}+${DURATION} s at concurrency $PAM_CONCURRENCIES, saslauthd then ${BASELINE_BIN:+authmux before, then }authmux"
for conc in $PAM_CONCURRENCIES; do alternate "scenario=throughput concurrency=$conc" saslauthd authmux; done

# The sprayers run until stopped; the real user's client makes REAL_REQUESTS checks in a row
# after SPRAY_HEADSTART seconds, once the sprayers have filled the daemon's queue.
say "spray: $SPRAYERS clients with wrong passwords, one real user making $REAL_REQUESTS checks; $ROUNDS round(s)"
for ((round = 1; round <= ROUNDS; round++)); do
  for server in $(with_before saslauthd authmux); do
    sock=${DAEMON_SOCK[$server]} out=$TMP/spray-$server-r$round rc=0
    "$BIN/authtest" bench -f "$sock" -c "$SPRAYERS" "${ACCOUNT[@]}" --wrong-share 1 --duration 3600 --warmup 0 \
      --timeout 600 --seed "$round" --json >"$out.json" 2>"$out.err" &
    spray_pid=$!
    sleep "$SPRAY_HEADSTART"
    measure "scenario=spray role=real round=$round" "$server" -f "$sock" -c 1 "${ACCOUNT[@]}" --wrong-share 0 \
      --requests "$REAL_REQUESTS" --warmup 0 --timeout 600
    # authtest prints its report on SIGINT (the measured part so far), like Ctrl-C.
    kill -INT "$spray_pid" 2>/dev/null || true
    wait "$spray_pid" || rc=$?
    record "scenario=spray role=sprayer round=$round server=$server" "$out" "$rc" --stopped
    # Let the daemon drain the sprayers' last requests before the next run.
    for _ in $(seq 1 300); do
      [ "$(ss -xH state connected src "$sock" 2>/dev/null | wc -l)" -eq 0 ] && break
      sleep 0.1
    done
  done
done

# Cache hits: a second pair of daemons, both with their caches. The checks below fill each
# cache, so the measured checks are all answered from memory.
start_saslauthd saslauthd-c "$TMP/saslauthd-c" -a pam -n 5 -c
start_authmuxd authmux-c true
for name in $(with_before saslauthd-c authmux-c); do expect "$name" OK -u "$BENCH_USER" -p "$PASSWORD" -s "$SERVICE"; done
say "cached: $ROUNDS round(s) of ${WARMUP}+${DURATION} s at concurrency $CACHED_CONCURRENCIES"
for conc in $CACHED_CONCURRENCIES; do alternate "scenario=cached concurrency=$conc" saslauthd-c authmux-c; done
stop_daemon authmux-c   # flushes its batched log before the lines are counted

facts rounds "$ROUNDS" duration "$DURATION" warmup "$WARMUP" sprayers "$SPRAYERS" real_requests "$REAL_REQUESTS" \
  headstart "$SPRAY_HEADSTART" hash "$HASH_KIND" saslauthd_cmd "${DAEMON_CMD[saslauthd]}" \
  cached_saslauthd_cmd "${DAEMON_CMD[saslauthd-c]}" config "$(cat "$TMP/authmux.yaml")" \
  cached_hits "$(grep -c 'cached=yes' "$TMP/authmux-c.log" || true)" cached_lines "$(grep -c ' check ' "$TMP/authmux-c.log" || true)"
finish pam_report.py
