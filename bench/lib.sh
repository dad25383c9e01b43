# shellcheck shell=bash
# shellcheck disable=SC2034  # BIN and COMMIT are for the scripts that source this file
# bench/lib.sh: what bench/run.sh, bench/pam.sh, bench/ldap.sh and bench/soak.sh share. Sourced after the
# script has defined say(); sets nothing until a function is called.

# install_missing PACKAGE...: installs the given Debian packages (none: does nothing), through
# sudo when not root.
install_missing() {
  [ $# -gt 0 ] || return 0
  local sudo=()
  [ "$(id -u)" -eq 0 ] || sudo=(sudo -n)
  say "installing: $*"
  "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -q
  "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "$@"
}

# build_release: builds authmuxd and authtest in release mode; sets BIN (their folder) and
# COMMIT (what was built, as git describes it).
build_release() {
  say "building authmuxd and authtest (release)"
  swift build -c release --product authmuxd
  swift build -c release --product authtest
  BIN=$(swift build -c release --show-bin-path)
  COMMIT=$(git -C "$ROOT" describe --always --dirty --tags 2>/dev/null || echo unknown)
}
