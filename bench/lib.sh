# shellcheck shell=bash
# shellcheck disable=SC2034  # BIN, COMMIT, DAEMON_CMD… are for the scripts that source this file
# shellcheck disable=SC2015  # "A && B || die" means: die unless both hold, as intended here
# bench/lib.sh: the set-up bench/run.sh, pam.sh, ldap.sh and soak.sh share. A script sets BENCH
# (its name in messages), sources this file, checks its settings (need_counts, need_numbers),
# names what it needs (need), then calls install_missing, build_release, build_baseline and
# make_tmp. Daemons are kept by name in DAEMON_PID and DAEMON_SOCK; only processes started here
# are signalled.

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT" || exit 1
export PATH="/opt/swift/usr/bin:$PATH:/usr/local/sbin:/usr/sbin:/sbin"
export LC_ALL=C
SASLAUTHD=/usr/sbin/saslauthd
SASLAUTHD_DB=/etc/sasldb2   # SASL_DB_PATH compiled into Debian's saslauthd
KEEP_TMP=${KEEP_TMP:-0}
if [ "$(id -u)" -eq 0 ]; then SUDO=(); else SUDO=(sudo -n); fi
MISSING=()
declare -A DAEMON_PID=() DAEMON_SOCK=() DAEMON_CMD=()
TMP=""
RESULTS=""
RUNS=0
SUCCEEDED=0

say() { printf '==> %s\n' "$*"; }
die() { printf '%s: error: %s\n' "${BENCH:-bench}" "$*" >&2; exit 1; }

# need_counts NAME...: every word of each named setting is a whole number >= 1; need_numbers
# NAME...: a number >= 0 (seconds, shares).
need_counts() { settings_match '^[1-9][0-9]*$' "a whole number >= 1" "$@"; }
need_numbers() { settings_match '^[0-9]+([.][0-9]+)?$' "a number >= 0" "$@"; }
settings_match() {
  local pattern=$1 what=$2 name word; shift 2
  for name in "$@"; do
    for word in ${!name}; do [[ $word =~ $pattern ]] || die "$name: '$word' is not $what"; done
  done
}

# need PACKAGES THING...: install_missing installs PACKAGES (one or more words) unless every
# THING is a command on PATH or an existing path.
need() {
  local packages=$1 thing more=(); shift
  for thing in "$@"; do
    [ -e "$thing" ] || command -v "$thing" >/dev/null 2>&1 || { read -r -a more <<<"$packages"; MISSING+=("${more[@]}"); return 0; }
  done
}
need python3 python3
need git git
need sasl2-bin "$SASLAUTHD" testsaslauthd saslpasswd2

install_missing() {
  [ ${#MISSING[@]} -gt 0 ] || return 0
  say "installing: ${MISSING[*]}"
  "${SUDO[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -q
  "${SUDO[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${MISSING[@]}"
}

# build_release: builds authmuxd and authtest in release mode; sets BIN (their folder) and
# COMMIT (what was built, as git describes it: the report names what was measured, not what
# the checkout holds when it is written).
build_release() {
  command -v swift >/dev/null 2>&1 || die "swift is not on PATH (looked in /opt/swift/usr/bin too)"
  say "building authmuxd and authtest (release)"
  swift build -c release --product authmuxd
  swift build -c release --product authtest
  BIN=$(swift build -c release --show-bin-path)
  "$BIN/authtest" bench --help >/dev/null 2>&1 || die "$BIN/authtest has no working 'bench' subcommand"
  COMMIT=$(git -C "$ROOT" describe --always --dirty --tags 2>/dev/null || echo unknown)
  SOURCE_ID=$(source_id)
}

# build_baseline: with BASELINE (a git revision) set, builds that revision's authmuxd in release
# mode in a detached worktree, var/bench-baseline/FULL-SHA/ (made once, then reused and rebuilt
# incrementally), with the dependency versions of this checkout's Package.resolved; sets
# BASELINE_SHA and BASELINE_BIN. start_before then runs it beside authmuxd. Call after
# build_release. Without BASELINE it does nothing.
BASELINE=${BASELINE:-} BASELINE_SHA="" BASELINE_BIN=""
build_baseline() {
  local tree started=$SECONDS
  [ -n "$BASELINE" ] || return 0
  BASELINE_SHA=$(git -C "$ROOT" rev-parse --verify --quiet --end-of-options "$BASELINE^{commit}") ||
    die "BASELINE=$BASELINE does not name a commit in this repository"
  tree=$ROOT/var/bench-baseline/$BASELINE_SHA
  if [ ! -e "$tree/.git" ]; then
    say "making a worktree of $BASELINE_SHA (BASELINE=$BASELINE) in $tree"
    mkdir -p "$ROOT/var/bench-baseline"
    # --force: only to reuse this path when its folder was removed by hand (make clean) while git still lists it.
    git -C "$ROOT" worktree add --force --detach "$tree" "$BASELINE_SHA" || die "could not make a worktree in $tree"
  fi
  [ "$(git -C "$tree" rev-parse HEAD)" = "$BASELINE_SHA" ] || die "$tree is not at $BASELINE_SHA; remove it with: git worktree remove --force $tree"
  [ ! -f "$ROOT/Package.resolved" ] || cp "$ROOT/Package.resolved" "$tree/Package.resolved"
  say "building authmuxd of $BASELINE_SHA (release) in $tree"
  (cd "$tree" && swift build -c release --product authmuxd) || die "could not build authmuxd of BASELINE=$BASELINE in $tree"
  BASELINE_BIN=$(cd "$tree" && swift build -c release --show-bin-path)/authmuxd
  [ -x "$BASELINE_BIN" ] || die "no $BASELINE_BIN after building BASELINE=$BASELINE"
  say "baseline authmuxd ready in $((SECONDS - started)) s: $BASELINE_BIN"
}

# start_before NAME CONFIG: with a baseline built, starts it as NAME-before with CONFIG's content,
# its paths under $TMP/NAME/ (the socket) moved to $TMP/NAME-before/, logging to
# $TMP/NAME-before.log, once it has accepted that configuration (check-config).
start_before() {
  local name=$1-before
  [ -n "$BASELINE_BIN" ] || return 0
  sed "s|$TMP/$1/|$TMP/$name/|g" "$2" >"$TMP/$name.yaml"
  if ! "$BASELINE_BIN" check-config --config "$TMP/$name.yaml" >"$TMP/$name.check" 2>&1; then
    # A scenario for something the baseline does not have (a backend added since): measured
    # without it, and the report says nothing of a baseline.
    say "the authmuxd of BASELINE=$BASELINE rejects this scenario's configuration ($(grep -m1 -i error "$TMP/$name.check" || true)); measuring without it"
    BASELINE_BIN="" BASELINE_SHA=""
    return 0
  fi
  start_daemon "$name" "$TMP/$name/mux" "$TMP/$name.log" "$BASELINE_BIN" --config "$TMP/$name.yaml" --foreground
}

# with_before SERVER...: the SERVERs, one a line, each SERVER-before (start_before) just ahead of
# its SERVER when that daemon runs.
with_before() {
  local server
  for server in "$@"; do
    [ -z "${DAEMON_PID[$server-before]:-}" ] || echo "$server-before"
    echo "$server"
  done
}

source_id() {  # HEAD plus any uncommitted change to what the binaries are built from
  { git -C "$ROOT" rev-parse HEAD; git -C "$ROOT" diff HEAD -- Sources Package.swift Package.resolved; } 2>/dev/null | sha256sum | cut -c1-16
}

# make_tmp PREFIX: TMP, a temporary folder kept only when the run failed or KEEP_TMP=1, and
# RESULTS in it (the JSON lines the report reads); from now on every exit stops the daemons and
# calls the script's on_exit, if it has one.
make_tmp() {
  TMP=$(mktemp -d "/tmp/$1.XXXXXX")
  chmod 755 "$TMP"
  RESULTS=$TMP/results.jsonl
  trap cleanup EXIT
  trap 'echo "$BENCH: interrupted" >&2; exit 130' INT
  trap 'echo "$BENCH: terminated" >&2; exit 143' TERM
}
cleanup() {
  local rc=$? pid name
  trap - EXIT INT TERM
  set +e
  # Load clients first, so that no daemon is stopped under load.
  for pid in $(jobs -p); do is_daemon "$pid" || kill -TERM "$pid" 2>/dev/null; done
  for name in "${!DAEMON_PID[@]}"; do stop_daemon "$name"; done
  declare -F on_exit >/dev/null && on_exit
  if [ "$SUCCEEDED" -eq 1 ] && [ "$KEEP_TMP" != 1 ]; then
    rm -rf "$TMP"
  else
    echo "$BENCH: logs and files kept in $TMP" >&2
  fi
  [ "$rc" -ne 0 ] || [ "$SUCCEEDED" -eq 1 ] || rc=1
  exit "$rc"
}

# ---------------------------------------------------------------------------------------------
# Processes.
alive() {  # a zombie counts as dead: an exited daemon may wait for its reaper
  [ -n "$1" ] && [ -r "/proc/$1/status" ] && ! grep -q '^State:[[:space:]]*Z' "/proc/$1/status" 2>/dev/null
}
children_of() {
  local status
  for status in /proc/[0-9]*/status; do
    if grep -q "^PPid:[[:space:]]*$1\$" "$status" 2>/dev/null && ! grep -q '^State:[[:space:]]*Z' "$status" 2>/dev/null; then
      status=${status#/proc/}; printf '%s\n' "${status%/status}"
    fi
  done
}
pids_of() { [ -z "$1" ] || { echo "$1"; children_of "$1"; }; }   # a daemon and its workers
is_daemon() { local pid; for pid in "${DAEMON_PID[@]}"; do [ "$pid" = "$1" ] && return 0; done; return 1; }
any_alive() { local pid; for pid in "$@"; do alive "$pid" && return 0; done; return 1; }
signal() {  # signal SIG PID...: through sudo for a daemon started through it
  local sig=$1; shift
  kill -s "$sig" "$@" 2>/dev/null || [ ${#SUDO[@]} -eq 0 ] || "${SUDO[@]}" kill -s "$sig" "$@" 2>/dev/null || true
}

# start_daemon NAME SOCKET LOG COMMAND...: COMMAND in a session of its own (setsid execs it, so
# $! is the daemon, and a Ctrl-C on the terminal reaches this script, which stops the daemon in
# order, not the daemon mid-run); returns once SOCKET exists.
start_daemon() {
  local name=$1 sock=$2 log=$3; shift 3
  mkdir -p "$(dirname "$sock")"
  DAEMON_CMD[$name]="$*"
  say "starting $name: $*"
  setsid "$@" >"$log" 2>&1 &
  DAEMON_PID[$name]=$!
  DAEMON_SOCK[$name]=$sock
  for _ in $(seq 1 300); do [ -S "$sock" ] && break; alive "${DAEMON_PID[$name]}" || break; sleep 0.1; done
  [ -S "$sock" ] && alive "${DAEMON_PID[$name]}" || { tail -n 20 "$log" >&2; die "$name did not start (socket $sock)"; }
}

# start_saslauthd NAME RUN-DIR ARGS...: Cyrus saslauthd in its default daemon mode (as root,
# logging to syslog), `$SASLAUTHD ARGS -m RUN-DIR`; returns once it answers on RUN-DIR/mux
# with all its -n processes. With SASLDB set, it runs in a private mount namespace in which
# that file is /etc/sasldb2: saslauthd's sasldb mechanism reads only its compiled-in path (it
# passes the database code no sasldb_path, and -O is not used by it). The file is bind-mounted
# over the host's, or, where the host has none, put in an overlay on /etc; neither mount is
# visible outside, and the host's file is never written.
start_saslauthd() {
  local name=$1 run=$2 pid script overlay arg procs=5 previous=""; shift 2
  local cmd=("$SASLAUTHD" "$@" -m "$run")
  for arg in "$@"; do [ "$previous" != -n ] || procs=$arg; previous=$arg; done
  mkdir -p "$run"
  DAEMON_CMD[$name]="${cmd[*]}"
  if [ -n "${SASLDB:-}" ]; then
    if [ -e "$SASLAUTHD_DB" ]; then
      printf -v script 'mount --bind %q %q && exec' "$SASLDB" "$SASLAUTHD_DB"
    else
      overlay=$(mktemp -d "$TMP/etc-overlay.XXXXXX")
      mkdir "$overlay/upper" "$overlay/work"
      cp "$SASLDB" "$overlay/upper/${SASLAUTHD_DB##*/}"
      printf -v script 'mount -t overlay overlay -o lowerdir=%q,upperdir=%q,workdir=%q %q && exec' \
        "${SASLAUTHD_DB%/*}" "$overlay/upper" "$overlay/work" "${SASLAUTHD_DB%/*}"
    fi
    script+=$(printf ' %q' "${cmd[@]}")
    cmd=(unshare --mount --propagation private sh -c "$script")
    DAEMON_CMD[$name]="unshare --mount --propagation private sh -c '$script'"
  fi
  say "starting $name: ${DAEMON_CMD[$name]}"
  "${SUDO[@]}" "${cmd[@]}" || die "$name did not start (see its messages above; it logs to syslog once detached)"
  for _ in $(seq 1 100); do [ -s "$run/saslauthd.pid" ] && [ -S "$run/mux" ] && break; sleep 0.1; done
  pid=$(tr -dc 0-9 <"$run/saslauthd.pid" 2>/dev/null || true)
  alive "$pid" && [ -S "$run/mux" ] || die "$name is not running or has no socket in $run"
  DAEMON_PID[$name]=$pid
  DAEMON_SOCK[$name]=$run/mux
  if [ -n "${SASLDB:-}" ] && grep -q " $SASLAUTHD_DB \| ${SASLAUTHD_DB%/*} .* overlay " /proc/self/mountinfo; then
    die "the mount made for $name is visible outside its namespace"
  fi
  wait_workers "$name" $((procs - 1))
}

wait_workers() {  # wait_workers NAME N: up to 5 s until the daemon has N child processes
  local pid=${DAEMON_PID[$1]}
  for _ in $(seq 1 50); do [ "$(children_of "$pid" | wc -l)" -ge "$2" ] && return 0; sleep 0.1; done
  die "$1 (pid $pid) has $(children_of "$pid" | wc -l) child processes; expected $2"
}

# stop_daemon NAME: SIGTERM to the daemon and its workers (saslauthd's master would signal its
# process group itself, the floor's would not), SIGKILL to what is left after 10 s.
stop_daemon() {
  local pid=${DAEMON_PID[$1]:-} pids=()
  [ -n "$pid" ] || return 0
  unset "DAEMON_PID[$1]"
  mapfile -t pids < <(pids_of "$pid")
  signal TERM "${pids[@]}"
  for _ in $(seq 1 100); do any_alive "${pids[@]}" || break; sleep 0.1; done
  if any_alive "${pids[@]}"; then
    echo "$BENCH: $1 still running 10 s after SIGTERM; killing it" >&2
    signal KILL "${pids[@]}"
  fi
  wait "$pid" 2>/dev/null || true
}

# expect NAME OK|NO TESTSASLAUTHD-ARGS...: the daemon's answer to one request must be that.
expect() {
  local out
  out=$(timeout 30 testsaslauthd -f "${DAEMON_SOCK[$1]}" "${@:3}" 2>&1 || true)
  case "$out" in *"0: $2"*) ;; *) die "$1 answered '$out' to testsaslauthd ${*:3}; expected $2";; esac
}

# dovecot_conf PASSDB: a Dovecot with nothing but its auth service, as Postfix and Exim use it,
# its auth cache off and no failure delay, PASSDB (a `passdb { … }` block) its one store; run
# state under $TMP/dovecot-run, its client socket $TMP/dovecot/auth-client.
dovecot_conf() {
  cat <<CONF
# Dovecot with nothing but its auth service, as Postfix and Exim use it.
base_dir = $TMP/dovecot-run
state_dir = $TMP/dovecot-run
log_path = $TMP/dovecot.log
protocols =
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login
auth_cache_size = 0
auth_failure_delay = 0
$1
userdb {
  driver = static
  args = uid=nobody gid=nogroup home=/nonexistent
}
service auth {
  unix_listener $TMP/dovecot/auth-client {
    mode = 0666
  }
}
CONF
}

# expect_dovecot NAME OK|NO USER PASSWORD: one check through authtest's Dovecot client.
expect_dovecot() {
  local rc=0
  timeout 30 "$BIN/authtest" --protocol dovecot -f "${DAEMON_SOCK[$1]}" -s smtp -u "$3" -p "$4" >/dev/null 2>&1 || rc=$?
  case "$2:$rc" in OK:0 | NO:1) ;; *) die "$1 answered exit $rc to $3; expected $2";; esac
}

# ---------------------------------------------------------------------------------------------
# Sampling and recording.
cpu_ticks() {  # cpu_ticks PID...: user + system clock ticks of the processes, all their threads
  local pid stat fields total=0
  for pid in "$@"; do
    stat=$(cat "/proc/$pid/stat" 2>/dev/null) || continue
    read -r -a fields <<<"${stat##*) }"   # from field 3 on: the name may hold spaces
    total=$((total + fields[11] + fields[12]))
  done
  echo "$total"
}
machine_ticks() {  # "IDLE TOTAL": idle + iowait ticks and all ticks of the machine so far
  local user nice system idle iowait irq softirq steal
  read -r _ user nice system idle iowait irq softirq steal _ </proc/stat
  echo "$((idle + iowait)) $((user + nice + system + idle + iowait + irq + softirq + steal))"
}
status_kb() {  # status_kb FIELD PID: a /proc/PID/status field in kB (0 when gone)
  local value
  value=$(awk -v field="$1:" '$1 == field { print $2 }' "/proc/$2/status" 2>/dev/null) || true
  echo "${value:-0}"
}

# record_memory NAME: the daemon's memory before it stops, as a JSON line: its processes, the
# largest peak RSS (VmHWM) among them, their sum, and their Pss (RSS with shared pages split).
record_memory() {
  local pids=() pid hwm peak=0 sum=0 pss=0 value
  mapfile -t pids < <(pids_of "${DAEMON_PID[$1]}")
  for pid in "${pids[@]}"; do
    hwm=$(status_kb VmHWM "$pid")
    sum=$((sum + hwm)); [ "$hwm" -le "$peak" ] || peak=$hwm
    value=$(awk '$1 == "Pss:" { print $2 }' "/proc/$pid/smaps_rollup" 2>/dev/null) || true
    pss=$((pss + ${value:-0}))
  done
  json_line memory server "$1" processes "${#pids[@]}" peak_rss_kb "$peak" sum_hwm_kb "$sum" pss_kb "$pss"
}

json_line() { python3 "$ROOT/bench/benchlib.py" line "$RESULTS" "$@"; }   # json_line KIND KEY VALUE...

# facts KEY VALUE...: what the report says about the run (commands, configurations, settings),
# with the date, the build, the folders its paths are shortened from, and whether the sources
# changed while it measured.
facts() {
  local changed=no before=()
  [ "$(source_id)" = "$SOURCE_ID" ] || changed=yes
  [ -z "$BASELINE_SHA" ] || before=(baseline "$BASELINE" baseline_sha "$BASELINE_SHA" baseline_tree "$ROOT/var/bench-baseline/$BASELINE_SHA/")
  json_line facts date "$(date -u '+%Y-%m-%d %H:%M UTC')" commit "$COMMIT" tmp "$TMP" root "$ROOT" sources_changed "$changed" \
    "${before[@]}" "$@"
}

# measure TAGS SERVER AUTHTEST-BENCH-ARGS...: one `authtest bench` run, with the CPU time of the
# server's processes (and of SIDE_PIDS, as side_cpu_s) and the machine's idle time around it,
# recorded in RESULTS with TAGS ("key=value …") and server=SERVER. The server named in
# ANSWERS_OK answers OK to everything: its OKs to wrong passwords are not problems.
measure() {
  local tags=$1 server=$2 out pid pids=() side=() rc=0 alive_after=1 t0 t1 c0 c1 s0 s1 m0 m1 flags=(); shift 2
  out=$TMP/run-$((RUNS += 1))
  mapfile -t pids < <(pids_of "${DAEMON_PID[$server]}")
  read -r -a side <<<"${SIDE_PIDS:-}"
  c0=$(cpu_ticks "${pids[@]}"); s0=$(cpu_ticks "${side[@]}"); m0=$(machine_ticks); t0=$(date +%s.%N)
  # In the background and waited for, so that a Ctrl-C is acted on at once, not after the run.
  "$BIN/authtest" bench "$@" --json >"$out.json" 2>"$out.err" &
  wait $! || rc=$?
  t1=$(date +%s.%N); m1=$(machine_ticks); c1=$(cpu_ticks "${pids[@]}"); s1=$(cpu_ticks "${side[@]}")
  for pid in "${pids[@]}"; do alive "$pid" || alive_after=0; done
  [ "$server" != "${ANSWERS_OK:-}" ] || flags+=(--answers-ok)
  record "$tags server=$server" "$out" "$rc" --seconds "$t0" "$t1" --daemon-ticks $((c1 - c0)) \
    --side-ticks $((s1 - s0)) --machine-ticks "$m0" "$m1" --daemon-alive "$alive_after" "${flags[@]}"
  [ "$alive_after" -eq 1 ] || die "$server (or one of its processes) died during the run (logs in $TMP)"
}

# record TAGS OUT EXIT [OPTION...]: authtest's OUT.json and OUT.err as a JSON line in RESULTS.
record() { python3 "$ROOT/bench/benchlib.py" record "$RESULTS" "$@" || true; }

# alternate TAGS SERVER...: ROUNDS rounds of one run of each SERVER in turn (A B C A B C …), a
# baseline's (with_before) just ahead of its server, each
# `authtest bench -f SOCKET $(load_args ROUND)`, load_args being the script's.
alternate() {
  local tags=$1 round server servers=() args=(); shift
  mapfile -t servers < <(with_before "$@")
  for ((round = 1; round <= ROUNDS; round++)); do
    for server in "${servers[@]}"; do
      mapfile -t args < <(load_args "$round")
      measure "$tags round=$round" "$server" -f "${DAEMON_SOCK[$server]}" "${args[@]}"
    done
  done
}

# finish REPORT: writes the script's section of BENCHMARKS.md with bench/REPORT; exits 3 when
# it found runs with problems (they are listed in the section), else returns.
finish() {
  local rc=0
  say "writing BENCHMARKS.md (bench/$1)"
  python3 "$ROOT/bench/$1" "$RESULTS" "$ROOT/BENCHMARKS.md" || rc=$?
  [ "$rc" -eq 0 ] || [ "$rc" -eq 3 ] || die "bench/$1 failed (exit $rc); results in $RESULTS"
  SUCCEEDED=1
  if [ "$rc" -eq 3 ]; then
    KEEP_TMP=1   # the runs' authtest output and the daemons' logs stay for a look
    say "some runs had errors, unexpected answers or failed: see BENCHMARKS.md"
    exit 3
  fi
  say "done: BENCHMARKS.md written"
}
