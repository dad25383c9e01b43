#!/bin/sh
# Installs the Debian packages a make target needs, only those that are missing.
# Usage: scripts/install-deps.sh run|test|bench|deb
set -eu

case "${1:-test}" in
  run)   packages="libdb-dev sasl2-bin libpam0g-dev libldap2-dev libcrypt-dev libargon2-dev libmariadb-dev libpq-dev" ;;
  # prometheus: promtool, which validates the metrics exposition; systemd: systemd-socket-activate
  # and systemd-analyze (socket activation and the shipped units), both in Debian 12's packages;
  # db5.3-util: db5.3_load, which writes the large generated sasldb files quickly.
  # dpkg-dev (dpkg-shlibdeps), binutils (strip), lintian, man-db and adduser: the package tests
  # build, check, install and read the .deb as `make deb` does. postgresql, mariadb-server,
  # sqlite3: the servers the sql backend's tests start.
  test)  packages="libdb-dev db5.3-util sasl2-bin libsasl2-dev libsasl2-modules libpam0g-dev libpam-modules libpam-runtime libpam-wrapper login util-linux passwd libldap2-dev slapd ldap-utils openssl gcc libc6-dev libcrypt-dev libargon2-dev whois dovecot-core apache2-utils python3 postfix prometheus systemd dpkg-dev binutils lintian man-db adduser postgresql mariadb-server libmariadb-dev libpq-dev sqlite3" ;;
  # python3-matplotlib: bench/charts.py draws BENCHMARKS.md's charts from the scripts' records;
  # valgrind: bench/instructions.sh counts instructions per check; postgresql, libpq-dev and
  # dovecot-pgsql: bench/sql.sh.
  bench) packages="libdb-dev db5.3-util sasl2-bin libsasl2-dev libsasl2-modules libpam0g-dev libpam-modules passwd libldap2-dev slapd ldap-utils gcc libc6-dev procps libcrypt-dev libargon2-dev dovecot-core python3-matplotlib valgrind binutils libmariadb-dev postgresql libpq-dev dovecot-pgsql" ;;
  deb)   packages="libdb-dev libpam0g-dev libldap2-dev libcrypt-dev libargon2-dev libmariadb-dev libpq-dev dpkg-dev binutils lintian man-db python3 gzip" ;;
  *) echo "usage: $0 run|test|bench|deb" >&2; exit 2 ;;
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

if [ "$(id -u)" -eq 0 ]; then sudo=""; else sudo="sudo"; fi
if [ -n "$missing" ]; then
  echo "installing:$missing"
  $sudo env DEBIAN_FRONTEND=noninteractive apt-get update -q
  $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends $missing
fi

# Exim for the Dovecot door's tests. Debian's MTAs conflict as packages and the tests need
# Postfix too, so Exim is not installed: its package is unpacked under var/test-tools (its
# libraries do come from apt), and the account it was built to run as is created, as its
# package would. The tests run it with -C and -bs, as a child of their own.
if [ "${1:-test}" = test ]; then
  exim_root=var/test-tools/exim4
  if [ ! -x "$exim_root/usr/sbin/exim4" ]; then
    libraries=$(apt-cache depends --no-recommends --no-suggests exim4-daemon-heavy | awk '$1 == "Depends:" && $2 !~ /^</ {print $2}' | grep -v -e '^exim4' -e '^debconf' | sort -u)
    echo "unpacking exim4-daemon-heavy under $exim_root (libraries:" $libraries")"
    $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends --no-upgrade $libraries
    download=$(mktemp -d)
    chmod 755 "$download"
    if ! (cd "$download" && apt-get download -q exim4-daemon-heavy); then
      $sudo env DEBIAN_FRONTEND=noninteractive apt-get update -q
      (cd "$download" && apt-get download -q exim4-daemon-heavy)
    fi
    mkdir -p "$exim_root"
    dpkg-deb -x "$download"/exim4-daemon-heavy_*.deb "$exim_root"
    rm -rf "$download"
  fi
  getent passwd Debian-exim >/dev/null || $sudo useradd --system --user-group --no-create-home --home-dir /var/spool/exim4 --shell /usr/sbin/nologin Debian-exim
fi
