#!/bin/bash
# Builds authmux_<version>_<arch>.deb from binaries already built, with dpkg-deb.
#
# Usage: [DEB_COMPRESSION=xz|gzip] packaging/build-deb.sh BIN_DIR OUT_DIR
#   BIN_DIR holds authmuxd and authtest linked with --static-swift-stdlib (a Debian system has
#   no Swift runtime to share): `make deb` passes the release build; the tests pass the debug
#   build, to spare CI a release build of every dependency. DEB_COMPRESSION is xz (dpkg-deb's
#   default) unless the tests ask for gzip: xz takes two minutes over the debug binaries here.
#
# dpkg-deb rather than debhelper: the package is made from a tree SwiftPM has already built, so
# dh's sequence (configure, build, test, install) would have nothing to run, and its one real
# service here, the maintainer scripts' systemd snippets, is a dozen lines written out in
# packaging/debian/ in the form dh_installsystemd writes them.
set -euo pipefail

bin_dir=$(cd "$1" && pwd)
out_dir=$(mkdir -p "$2" && cd "$2" && pwd)
root=$(cd "$(dirname "$0")/.." && pwd)
packaging="$root/packaging"

# The version is written once, in Swift (see AuthmuxVersion).
version=$(sed -n 's/.*static let version = "\(.*\)".*/\1/p' "$root/Sources/AuthWire/AuthmuxVersion.swift")
[ -n "$version" ] || { echo "build-deb: no version in Sources/AuthWire/AuthmuxVersion.swift" >&2; exit 2; }
arch=$(dpkg --print-architecture)
deb="$out_dir/authmux_${version}_${arch}.deb"

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
stage="$work/stage"
umask 022
mkdir -p "$stage/DEBIAN" "$stage/usr/sbin" "$stage/usr/bin" "$stage/etc/authmux" "$stage/lib/systemd/system" \
    "$stage/usr/share/man/man8" "$stage/usr/share/man/man1" "$stage/usr/share/man/man5" "$stage/usr/share/doc/authmux/examples"

# Binaries, stripped of debug information as Debian ships them (a -dbgsym package is not made).
for pair in "authmuxd:usr/sbin" "authtest:usr/bin"; do
    name=${pair%%:*}
    install -m 0755 "$bin_dir/$name" "$stage/${pair#*:}/$name"
    strip --remove-section=.comment --remove-section=.note --strip-unneeded "$stage/${pair#*:}/$name"
done

install -m 0644 "$packaging/authmux.yaml" "$stage/etc/authmux/authmux.yaml"

# The units of examples/, pointed at the packaged binary.
for unit in authmuxd.service authmuxd.socket; do
    sed -e 's|/usr/local/sbin/authmuxd|/usr/sbin/authmuxd|g' \
        -e 's|^Documentation=.*|Documentation=man:authmuxd(8) man:authmux.yaml(5)|' \
        "$root/examples/$unit" > "$stage/lib/systemd/system/$unit"
    chmod 0644 "$stage/lib/systemd/system/$unit"
done

# Man pages: authmuxd(8) and authtest(1) from swift-argument-parser's description of the
# commands (packaging/man/, made by `make man`), authmux.yaml(5) from the README.
for page in "$packaging/man/authmuxd.8:man8" "$packaging/man/authtest.1:man1"; do
    gzip -9n < "${page%%:*}" > "$stage/usr/share/man/${page#*:}/$(basename "${page%%:*}").gz"
done
python3 "$packaging/readme-to-man.py" "$root/README.md" "$version" | gzip -9n > "$stage/usr/share/man/man5/authmux.yaml.5.gz"

# Yams, the YAML parser, compiles libyaml's C sources into the binary (its CYaml target), so
# Debian's libyaml-0-2 cannot be linked instead; lintian is told so.
mkdir -p "$stage/usr/share/lintian/overrides"
install -m 0644 "$packaging/debian/lintian-overrides" "$stage/usr/share/lintian/overrides/authmux"

doc="$stage/usr/share/doc/authmux"
install -m 0644 "$packaging/debian/copyright" "$doc/copyright"
gzip -9n < "$root/README.md" > "$doc/README.md.gz"
install -m 0644 "$root/examples/authmux.yaml" "$doc/examples/authmux.yaml"
# A native package's changelog, one entry for the tree it was built from, dated by its commit
# so two builds of one commit are the same file.
commit=$(git -C "$root" rev-parse --short HEAD 2>/dev/null || echo unknown)
date=$(git -C "$root" log -1 --format=%cD 2>/dev/null || date -R)
{
    echo "authmux ($version) unstable; urgency=medium"
    echo
    echo "  * Built from the authmux tree at commit $commit."
    echo
    echo " -- authmux maintainers <maintainers@users.noreply.r-seed-da8c7b24.example>  $date"
} | gzip -9n > "$doc/changelog.gz"
chmod 0644 "$doc"/*.gz

# Depends from the libraries the binaries link, as dpkg-shlibdeps finds them.
mkdir -p "$work/debian"
printf 'Source: authmux\n\nPackage: authmux\nArchitecture: any\n' > "$work/debian/control"
depends=$(cd "$work" && dpkg-shlibdeps -O "stage/usr/sbin/authmuxd" "stage/usr/bin/authtest" 2>/dev/null | sed -n 's/^shlibs:Depends=//p')
[ -n "$depends" ] || { echo "build-deb: dpkg-shlibdeps found no dependencies" >&2; exit 2; }
rm -rf "$work/debian"

for script in postinst prerm postrm; do install -m 0755 "$packaging/debian/$script" "$stage/DEBIAN/$script"; done
install -m 0644 "$packaging/debian/conffiles" "$stage/DEBIAN/conffiles"
size=$(du -k -s --exclude=DEBIAN "$stage" | cut -f1)
sed -e "s|@VERSION@|$version|" -e "s|@ARCH@|$arch|" -e "s|@SIZE@|$size|" -e "s|@DEPENDS@|$depends|" \
    "$packaging/debian/control.in" > "$stage/DEBIAN/control"
(cd "$stage" && find . -type f ! -path './DEBIAN/*' ! -path './etc/*' -printf '%P\0' | sort -z | xargs -0 md5sum) > "$stage/DEBIAN/md5sums"
chmod 0644 "$stage/DEBIAN/md5sums" "$stage/DEBIAN/control"

dpkg-deb --root-owner-group "-Z${DEB_COMPRESSION:-xz}" --build "$stage" "$deb" >/dev/null
echo "$deb"
