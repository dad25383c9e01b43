#!/bin/sh
# Installs the Debian packages a make target needs, only those that are missing.
# Usage: scripts/install-deps.sh run|test|bench
set -eu

case "${1:-test}" in
  run)   packages="libdb-dev sasl2-bin libpam0g-dev libldap2-dev" ;;
  # prometheus: promtool, which validates the metrics exposition; systemd: systemd-socket-activate
  # and systemd-analyze (socket activation and the shipped units), both in Debian 12's packages.
  test)  packages="libdb-dev sasl2-bin libsasl2-dev libsasl2-modules libpam0g-dev libpam-modules libpam-runtime libpam-wrapper login util-linux passwd libldap2-dev slapd ldap-utils openssl gcc libc6-dev prometheus systemd" ;;
  bench) packages="libdb-dev sasl2-bin libsasl2-dev libsasl2-modules libpam0g-dev libpam-modules passwd libldap2-dev slapd ldap-utils gcc libc6-dev procps" ;;
  *) echo "usage: $0 run|test|bench" >&2; exit 2 ;;
esac

missing=""
for package in $packages; do
  status=$(dpkg-query -W -f='${Status}' "$package" 2>/dev/null || true)
  case "$status" in
    *"install ok installed"*) ;;
    *) missing="$missing $package" ;;
  esac
done

if ! command -v swift >/dev/null 2>&1 && [ -x /opt/swift/usr/bin/swift ]; then
  echo "note: swift is at /opt/swift/usr/bin but not on PATH; the Makefile adds it" >&2
fi

[ -z "$missing" ] && exit 0

if [ "$(id -u)" -eq 0 ]; then sudo=""; else sudo="sudo"; fi
echo "installing:$missing"
$sudo env DEBIAN_FRONTEND=noninteractive apt-get update -q
$sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends $missing
