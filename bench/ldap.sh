#!/usr/bin/env bash
# bench/ldap.sh: authmuxd's ldap backend (auth_method: bind) against Cyrus `saslauthd -a ldap`,
# both reading the same saslauthd.conf and asking the same throwaway slapd, in one run, with the
# floor of such a check beside them (bench/ldap-floor.c: a C server that does only the search
# and the bind, on one thread per client); writes its section of BENCHMARKS.md. `make bench`
# runs it after bench/pam.sh; `make bench-ldap` runs it alone.
#
# The directory: slapd from Debian's package on 127.0.0.1 and a free port, an mdb database in
# a temporary folder, USERS inetOrgPerson entries loaded with slapadd (authtest's generated
# users amxbench0… with passwords pw-amxbench0…). Each check is a search for (uid=%u) and a
# bind as the entry found, on both daemons. authmuxd runs with its credential cache off, as
# saslauthd runs without -c, so every check reaches the directory. slapd shares the machine's
# cores with both daemons and the load client, as it would on a small mail host.
#
# Environment (all optional): ROUNDS=3 DURATION=5 WARMUP=1 LDAP_CONCURRENCY=16 USERS=100
#   SASLAUTHD_WORKERS=5 KEEP_TMP=1 LDAP_THREADS (authmux's `threads:`; unset: its default)
#
# Exit status: 0 when every run went through; 1 on a setup failure; 3 when the section was
# written but some run had errors or unexpected answers.
# shellcheck disable=SC2015  # "A && B || die" means: die unless both hold, as intended here
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"
export PATH="/opt/swift/usr/bin:$PATH:/usr/local/sbin:/usr/sbin:/sbin"
export LC_ALL=C

ROUNDS=${ROUNDS:-3}
DURATION=${DURATION:-5}
WARMUP=${WARMUP:-1}
LDAP_CONCURRENCY=${LDAP_CONCURRENCY:-16}
USERS=${USERS:-100}
SASLAUTHD_WORKERS=${SASLAUTHD_WORKERS:-5}
KEEP_TMP=${KEEP_TMP:-0}
SASLAUTHD=/usr/sbin/saslauthd
SUFFIX="dc=example,dc=com"

BENCH=bench/ldap
# shellcheck source=bench/lib.sh
source "$ROOT/bench/lib.sh"
for n in $ROUNDS $LDAP_CONCURRENCY $USERS $SASLAUTHD_WORKERS; do [[ $n =~ ^[1-9][0-9]*$ ]] || die "bad count '$n'"; done

missing=()
command -v python3 >/dev/null 2>&1 || missing+=(python3)
[ -x "$SASLAUTHD" ] && command -v testsaslauthd >/dev/null 2>&1 || missing+=(sasl2-bin)
command -v slapd >/dev/null 2>&1 && command -v slapadd >/dev/null 2>&1 || missing+=(slapd)
command -v ldapwhoami >/dev/null 2>&1 || missing+=(ldap-utils)
command -v cc >/dev/null 2>&1 && [ -f /usr/include/ldap.h ] || missing+=(gcc libc6-dev libldap2-dev)  # bench/ldap-floor.c
MISSING+=("${missing[@]}")
install_missing

build_release

TMP=$(mktemp -d /tmp/aml.XXXXXX)
chmod 755 "$TMP"
SASL_RUN="$TMP/saslauthd"
SASL_SOCK="$SASL_RUN/mux"
SASL_CONF="$TMP/saslauthd.conf"
MUX_SOCK="$TMP/authmux/mux"
CONFIG="$TMP/authmux.yaml"
MUX_LOG="$TMP/authmuxd.log"
SLAPD_LOG="$TMP/slapd.log"
RESULTS="$TMP/results.jsonl"
SLAPD_PID=""
SASLAUTHD_PID=""
AUTHMUXD_PID=""
FLOOR_PID=""
FLOOR_BIN="$TMP/ldap-floor"
FLOOR_SOCK="$TMP/floor/mux"
SUCCEEDED=0

alive() { [ -n "$1" ] && [ -r "/proc/$1/status" ] && ! grep -q '^State:[[:space:]]*Z' "/proc/$1/status" 2>/dev/null; }

cleanup() {
  local rc=$?
  trap - EXIT INT TERM
  set +e
  if [ -n "$AUTHMUXD_PID" ] && alive "$AUTHMUXD_PID"; then kill -TERM "$AUTHMUXD_PID"; wait "$AUTHMUXD_PID" 2>/dev/null; fi
  if [ -n "$FLOOR_PID" ] && alive "$FLOOR_PID"; then kill -TERM "$FLOOR_PID"; wait "$FLOOR_PID" 2>/dev/null; fi
  # saslauthd's master signals its process group (the workers) on SIGTERM.
  if [ -n "$SASLAUTHD_PID" ] && alive "$SASLAUTHD_PID"; then kill -TERM "$SASLAUTHD_PID"; sleep 0.5; fi
  if [ -n "$SLAPD_PID" ] && alive "$SLAPD_PID"; then kill -TERM "$SLAPD_PID"; wait "$SLAPD_PID" 2>/dev/null; fi
  if [ "$SUCCEEDED" -eq 1 ] && [ "$KEEP_TMP" != 1 ]; then rm -rf "$TMP"; else echo "bench/ldap: files kept in $TMP" >&2; fi
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# ---------------------------------------------------------------------------------------------
# The directory.
PORT=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
URL="ldap://127.0.0.1:$PORT/"
mkdir -p "$TMP/db"
cat > "$TMP/slapd.conf" <<EOF
include /etc/ldap/schema/core.schema
include /etc/ldap/schema/cosine.schema
include /etc/ldap/schema/nis.schema
include /etc/ldap/schema/inetorgperson.schema
pidfile $TMP/slapd.pid
modulepath /usr/lib/ldap
moduleload back_mdb
database mdb
suffix "$SUFFIX"
rootdn "cn=admin,$SUFFIX"
rootpw admin-pw
directory $TMP/db
maxsize 104857600
index uid eq
access to attrs=userPassword by anonymous auth by self write by * none
access to * by * read
EOF
{
  printf 'dn: %s\nobjectClass: dcObject\nobjectClass: organization\no: bench\ndc: example\n\n' "$SUFFIX"
  printf 'dn: ou=people,%s\nobjectClass: organizationalUnit\nou: people\n\n' "$SUFFIX"
  for ((i = 0; i < USERS; i++)); do
    printf 'dn: uid=amxbench%d,ou=people,%s\nobjectClass: inetOrgPerson\nuid: amxbench%d\ncn: amxbench%d\nsn: bench\nuserPassword: pw-amxbench%d\n\n' \
      "$i" "$SUFFIX" "$i" "$i" "$i"
  done
} > "$TMP/users.ldif"
slapadd -q -f "$TMP/slapd.conf" -l "$TMP/users.ldif" || die "slapadd failed"
SLAPD_CMD="slapd -f $TMP/slapd.conf -h $URL -d 0"
say "starting slapd: $SLAPD_CMD ($USERS users, cleartext userPassword)"
slapd -f "$TMP/slapd.conf" -h "$URL" -d 0 >"$SLAPD_LOG" 2>&1 &
SLAPD_PID=$!
for _ in $(seq 1 100); do ldapwhoami -x -H "$URL" >/dev/null 2>&1 && break; alive "$SLAPD_PID" || break; sleep 0.1; done
ldapwhoami -x -H "$URL" >/dev/null 2>&1 || { tail -n 20 "$SLAPD_LOG" >&2; die "slapd did not start"; }

# ---------------------------------------------------------------------------------------------
# One saslauthd.conf for both daemons.
cat > "$SASL_CONF" <<EOF
ldap_servers: $URL
ldap_search_base: ou=people,$SUFFIX
ldap_filter: (uid=%u)
ldap_auth_method: bind
ldap_timeout: 5
ldap_time_limit: 5
EOF
mkdir -p "$SASL_RUN" "$(dirname "$MUX_SOCK")"
SASLAUTHD_CMD="$SASLAUTHD -a ldap -O $SASL_CONF -n $SASLAUTHD_WORKERS -m $SASL_RUN"
say "starting Cyrus saslauthd: $SASLAUTHD_CMD"
$SASLAUTHD_CMD || die "saslauthd did not start"
for _ in $(seq 1 100); do [ -s "$SASL_RUN/saslauthd.pid" ] && [ -S "$SASL_SOCK" ] && break; sleep 0.1; done
SASLAUTHD_PID=$(tr -dc 0-9 < "$SASL_RUN/saslauthd.pid" 2>/dev/null || true)
alive "$SASLAUTHD_PID" && [ -S "$SASL_SOCK" ] || die "saslauthd is not running or has no socket"

cat > "$CONFIG" <<EOF
listen:
  - protocol: saslauthd
    path: $MUX_SOCK
cache: { enabled: false }
# The comparison measures checking: saslauthd answers a wrong password at once and has no
# throttle, so with authmux's failure delay (2 s by default) and throttle the wrong passwords
# would measure waiting.
failure_delay: { floor: 0s }
throttle: { enabled: false }
backends:
  directory: { type: ldap, saslauthd_conf: $SASL_CONF${LDAP_THREADS:+, threads: $LDAP_THREADS} }
EOF
AUTHMUXD_CMD="$BIN/authmuxd --config $CONFIG --foreground"
say "starting authmuxd: $AUTHMUXD_CMD (ldap backend from the same saslauthd.conf, cache off)"
setsid "$BIN/authmuxd" --config "$CONFIG" --foreground 2>"$MUX_LOG" &
AUTHMUXD_PID=$!
for _ in $(seq 1 300); do [ -S "$MUX_SOCK" ] && break; alive "$AUTHMUXD_PID" || break; sleep 0.1; done
[ -S "$MUX_SOCK" ] || { tail -n 20 "$MUX_LOG" >&2; die "authmuxd did not start"; }

# The floor: one thread per client, so no check ever waits for a thread.
FLOOR_BUILD_CMD="cc -O2 -o ldap-floor bench/ldap-floor.c -lldap -llber -lpthread"
say "building the floor: $FLOOR_BUILD_CMD"
cc -O2 -o "$FLOOR_BIN" "$ROOT/bench/ldap-floor.c" -lldap -llber -lpthread || die "could not compile bench/ldap-floor.c"
mkdir -p "$(dirname "$FLOOR_SOCK")"
FLOOR_CMD="ldap-floor SOCKET $URL ou=people,$SUFFIX $LDAP_CONCURRENCY"
say "starting the floor: $FLOOR_CMD"
"$FLOOR_BIN" "$FLOOR_SOCK" "$URL" "ou=people,$SUFFIX" "$LDAP_CONCURRENCY" 2>"$TMP/ldap-floor.log" &
FLOOR_PID=$!
for _ in $(seq 1 100); do [ -S "$FLOOR_SOCK" ] && break; alive "$FLOOR_PID" || break; sleep 0.1; done
[ -S "$FLOOR_SOCK" ] || { cat "$TMP/ldap-floor.log" >&2; die "the floor did not start"; }

check() {  # check SOCKET USER PASSWORD EXPECTED-EXIT
  local rc=0 out
  out=$(testsaslauthd -f "$1" -u "$2" -p "$3" 2>&1) || rc=$?
  [ "$rc" -eq "$4" ] || die "testsaslauthd on $1: '$out' (exit $rc); expected exit $4"
}
for sock in "$SASL_SOCK" "$MUX_SOCK" "$FLOOR_SOCK"; do
  check "$sock" amxbench0 pw-amxbench0 0
  check "$sock" amxbench0 pw-amxbench1 255
  check "$sock" nobody pw-amxbench0 255
done
say "all three answer OK for a right password and NO for a wrong one or an unknown user"

# ---------------------------------------------------------------------------------------------
record() {  # record SERVER ROUND CONCURRENCY JSON-FILE EXIT SLAPD-TICKS DAEMON-TICKS SECONDS
  python3 - "$@" >>"$RESULTS" <<'EOF'
import json, sys
server, rnd, conc, path, rc, slapd_ticks, daemon_ticks, seconds = sys.argv[1:9]
try:
    with open(path, encoding="utf-8") as handle:
        report = json.load(handle)
except (OSError, ValueError) as error:
    report = {"first_error": "no report: %s" % error}
print(json.dumps({"server": server, "round": int(rnd), "concurrency": int(conc), "exit": int(rc), "report": report,
                  "slapd_ticks": int(slapd_ticks), "daemon_ticks": int(daemon_ticks), "seconds": float(seconds)}))
EOF
}
# CPU time (clock ticks, user + system) of the given processes so far.
ticks() { local total=0 p; for p in "$@"; do [ -r "/proc/$p/stat" ] && total=$((total + $(awk '{print $14 + $15}' "/proc/$p/stat"))); done; echo "$total"; }
# saslauthd's master and its workers share a process group.
daemon_pids() {
  case $1 in
    saslauthd) pgrep -g "$(ps -o pgid= -p "$SASLAUTHD_PID" | tr -d ' ')" ;;
    authmux) echo "$AUTHMUXD_PID" ;;
    floor) echo "$FLOOR_PID" ;;
  esac
}
say "$ROUNDS round(s) of ${WARMUP}+${DURATION} s at concurrency $LDAP_CONCURRENCY: saslauthd, authmux, then the floor"
for ((round = 1; round <= ROUNDS; round++)); do
  for server in saslauthd authmux floor; do
    case $server in saslauthd) sock=$SASL_SOCK ;; authmux) sock=$MUX_SOCK ;; floor) sock=$FLOOR_SOCK ;; esac
    out="$TMP/$server-r$round.json"; rc=0
    mapfile -t pids < <(daemon_pids "$server")
    slapd0=$(ticks "$SLAPD_PID"); daemon0=$(ticks "${pids[@]}"); start=$(date +%s.%N)
    "$BIN/authtest" bench -f "$sock" -c "$LDAP_CONCURRENCY" --generated-users "$USERS" --user-prefix amxbench \
      --password-prefix pw-amxbench --wrong-share 0.1 --seed "$round" --duration "$DURATION" --warmup "$WARMUP" \
      --json >"$out" 2>"$out.err" || rc=$?
    seconds=$(python3 -c "import sys; print(float(sys.argv[2]) - float(sys.argv[1]))" "$start" "$(date +%s.%N)")
    record "$server" "$round" "$LDAP_CONCURRENCY" "$out" "$rc" "$(( $(ticks "$SLAPD_PID") - slapd0 ))" \
      "$(( $(ticks "${pids[@]}") - daemon0 ))" "$seconds"
  done
done

say "writing the LDAP section of BENCHMARKS.md"
problems=0
python3 "$ROOT/bench/ldap_report.py" --results "$RESULTS" --out "$ROOT/BENCHMARKS.md" \
  --date "$(date -u '+%Y-%m-%d %H:%M UTC')" --commit "$COMMIT" --rounds "$ROUNDS" --duration "$DURATION" \
  --warmup "$WARMUP" --users "$USERS" --saslauthd-cmd "$SASLAUTHD_CMD" --authmuxd-cmd "$AUTHMUXD_CMD" \
  --slapd-cmd "$SLAPD_CMD" --floor-cmd "$FLOOR_CMD" --config "$CONFIG" --saslauthd-conf "$SASL_CONF" || problems=$?
SUCCEEDED=1
[ "$problems" -eq 0 ] || { KEEP_TMP=1; say "some runs had problems: see the LDAP section of BENCHMARKS.md"; exit 3; }
say "done"
