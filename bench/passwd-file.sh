#!/usr/bin/env bash
# bench/passwd-file.sh: authmuxd's passwd-file backend against Cyrus `saslauthd -a shadow -n 5`,
# the only hashed local store saslauthd has, with the same yescrypt hash for the same user, in
# one run; writes its section of BENCHMARKS.md. `make bench` runs it after bench/pam.sh;
# `make bench-passwd-file` runs it alone.
#
# Two scenarios, each against both daemons in alternation, every check hashed on both sides
# (no credential cache, and the passwd-file's memo of verified passwords off):
#   throughput  checks/s and latency of right passwords at each of CONCURRENCIES
#   spray       SPRAYERS clients send wrong passwords without pause while one client checks
#               the real user REAL_REQUESTS times, one after the other; that client's p50/p99
#               is the figure that matters
#
# Environment (all optional): ROUNDS=3 DURATION=5 WARMUP=1 CONCURRENCIES="1 16" SPRAYERS=50
#   SPRAY_HEADSTART=3 REAL_REQUESTS=5 KEEP_TMP=1 BASELINE=REV (see bench/pam.sh)
#
# Needs root: it creates a system user (saslauthd -a shadow reads /etc/shadow) and removes it at
# the end, however the script ends. Exit status: 0 when every run went through; 1 on a setup
# failure; 3 when the section was written but some run had errors or unexpected answers.
set -euo pipefail
BENCH=bench/passwd-file
# shellcheck source=bench/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

ROUNDS=${ROUNDS:-3}
DURATION=${DURATION:-5}
WARMUP=${WARMUP:-1}
CONCURRENCIES=${CONCURRENCIES:-"1 16"}
SPRAYERS=${SPRAYERS:-50}
SPRAY_HEADSTART=${SPRAY_HEADSTART:-3}
REAL_REQUESTS=${REAL_REQUESTS:-5}
BENCH_USER=amxpwf0                # authtest's generated user 0 with --user-prefix amxpwf (not bench/pam.sh's amxbench0: the two may run on one host)
PASSWORD=pw-amxpwf0               # and --password-prefix pw-amxpwf
ACCOUNT=(--generated-users 1 --user-prefix amxpwf --password-prefix pw-amxpwf -s imap)
CREATED_USER=0
[ "$(id -u)" -eq 0 ] || die "needs root: it creates a system user, and saslauthd -a shadow needs root to read /etc/shadow"
need_counts ROUNDS SPRAYERS REAL_REQUESTS CONCURRENCIES
need_numbers DURATION WARMUP SPRAY_HEADSTART
need iproute2 ss
need passwd useradd chpasswd
install_missing
build_release
build_baseline
make_tmp amf
on_exit() {
  [ "$CREATED_USER" -eq 0 ] || userdel "$BENCH_USER" 2>/dev/null
}

if id "$BENCH_USER" >/dev/null 2>&1; then die "user $BENCH_USER already exists (left by an interrupted run? remove it with userdel $BENCH_USER)"; fi
useradd --system --no-create-home --shell /usr/sbin/nologin "$BENCH_USER"
CREATED_USER=1
printf '%s:%s\n' "$BENCH_USER" "$PASSWORD" | chpasswd
# The very hash /etc/shadow holds, copied into the passwd-file: both daemons run the same
# yescrypt with the same parameters.
HASH=$(getent shadow "$BENCH_USER" | cut -d: -f2)
HASH_KIND=$(cut -d'$' -f2 <<<"$HASH")
printf '%s:%s\n' "$BENCH_USER" "$HASH" >"$TMP/passwd"
chmod 600 "$TMP/passwd"
say "user $BENCH_USER (password hash \$$HASH_KIND\$…) in /etc/shadow and in $TMP/passwd"

start_authmuxd() {  # start_authmuxd NAME, and the baseline beside it (start_before)
  cat >"$TMP/$1.yaml" <<EOF2
listen:
  - protocol: saslauthd
    path: $TMP/$1/mux
# saslauthd hashes every check: so does authmuxd here (no cache, no memo of verified passwords).
cache: { enabled: false }
# saslauthd has no throttle, and the sprayers guess the real user's own account: with the
# throttle, the real user's checks would wait behind their guesses. The failure delay keeps its
# default (2 s): a timer that holds no thread.
throttle: { enabled: false }
backends:
  hashed: { type: passwd-file, path: $TMP/passwd, remember_verified: false }
routes:
  - use: [ hashed ]
EOF2
  start_daemon "$1" "$TMP/$1/mux" "$TMP/$1.log" "$BIN/authmuxd" --config "$TMP/$1.yaml" --foreground
  start_before "$1" "$TMP/$1.yaml"
}
load_args() {  # load_args ROUND: right passwords at concurrency conc
  printf '%s\n' -c "$conc" "${ACCOUNT[@]}" --wrong-share 0 --duration "$DURATION" --warmup "$WARMUP"
}

start_saslauthd saslauthd "$TMP/saslauthd" -a shadow -n 5
start_authmuxd authmux
for name in $(with_before saslauthd authmux); do
  expect "$name" OK -u "$BENCH_USER" -p "$PASSWORD" -s imap
  expect "$name" NO -u "$BENCH_USER" -p "$PASSWORD-wrong" -s imap
done

say "throughput: $ROUNDS round(s) of ${WARMUP}+${DURATION} s at concurrency $CONCURRENCIES, saslauthd then ${BASELINE_BIN:+authmux before, then }authmux"
for conc in $CONCURRENCIES; do alternate "scenario=throughput concurrency=$conc" saslauthd authmux; done

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
    kill -INT "$spray_pid" 2>/dev/null || true
    wait "$spray_pid" || rc=$?
    record "scenario=spray role=sprayer round=$round server=$server" "$out" "$rc" --stopped
    for _ in $(seq 1 300); do
      [ "$(ss -xH state connected src "$sock" 2>/dev/null | wc -l)" -eq 0 ] && break
      sleep 0.1
    done
  done
done
stop_daemon authmux   # flushes its batched log

facts rounds "$ROUNDS" duration "$DURATION" warmup "$WARMUP" sprayers "$SPRAYERS" real_requests "$REAL_REQUESTS" \
  headstart "$SPRAY_HEADSTART" hash "$HASH_KIND" saslauthd_cmd "${DAEMON_CMD[saslauthd]}" config "$(cat "$TMP/authmux.yaml")"
finish passwd_file_report.py
