#!/usr/bin/env bash
# Builds the Debian package (README.md, "Install") with dpkg-deb, without network:
#   /usr/bin/callpulse                  release build, the Swift runtime and Foundation linked in
#   /lib/systemd/system/callpulse.service   deploy/callpulse.service
#   /etc/callpulse/callpulse.yml        deploy/callpulse.yml, a conffile
#   DEBIAN/                             deploy/debian/: control (Depends from the libraries the
#                                       binary links, via dpkg-shlibdeps), maintainer scripts
# The last line on stdout is the path of the .deb: .build-package/callpulse_VERSION_ARCH.deb.
# Needs `scripts/bootstrap.sh package` (dpkg-dev, libcurl4-openssl-dev); `make package` runs both.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH=/opt/swift/usr/bin:$PATH

scratch=.build-package
version=$(sed -n 's/^ *static let string = "\([^"]*\)".*/\1/p' Sources/callpulse/Version.swift)
architecture=$(dpkg --print-architecture)
if [ -z "$version" ]; then
  echo "package: no version in Sources/callpulse/Version.swift" >&2
  exit 1
fi

# Its own scratch path, so the normal release build is not relinked. --static-swift-stdlib
# links FoundationNetworking (webhooks, simulate --target) statically, and its libcurl is not
# named by the static runtime: -lcurl names it. --disable-local-rpath: no $ORIGIN runpath in a
# binary that lives in /usr/bin.
swift build -c release --product callpulse --scratch-path "$scratch" \
  --static-swift-stdlib --disable-local-rpath -Xlinker -lcurl >&2

# debian/control only for dpkg-shlibdeps; debian/callpulse/ is the package's tree.
work=$scratch/deb
root=$work/debian/callpulse
rm -rf "$work"
umask 022
install -d "$root/DEBIAN" "$root/usr/bin" "$root/lib/systemd/system" "$root/etc/callpulse"
install -m 0755 "$scratch/release/callpulse" "$root/usr/bin/callpulse"
# Debug info out (84 MB to 76 MB); the symbol table stays so a crash backtrace names functions.
strip --strip-debug "$root/usr/bin/callpulse"
install -m 0644 deploy/callpulse.service "$root/lib/systemd/system/callpulse.service"
install -m 0644 deploy/callpulse.yml "$root/etc/callpulse/callpulse.yml"
install -m 0755 deploy/debian/postinst deploy/debian/prerm deploy/debian/postrm "$root/DEBIAN/"
install -m 0644 deploy/debian/conffiles "$root/DEBIAN/conffiles"

printf 'Source: callpulse\n\nPackage: callpulse\nArchitecture: any\n' >"$work/debian/control"
depends=$(cd "$work" && dpkg-shlibdeps -O "-e$PWD/debian/callpulse/usr/bin/callpulse" | sed -n 's/^shlibs:Depends=//p')
if [ -z "$depends" ]; then
  echo "package: dpkg-shlibdeps found no libraries" >&2
  exit 1
fi
installed_size=$(du -s --apparent-size --block-size=1024 --exclude=DEBIAN "$root" | cut -f1)
sed -e "s|@VERSION@|$version|" -e "s|@ARCHITECTURE@|$architecture|" \
  -e "s|@SHLIBS_DEPENDS@|$depends|" -e "s|@INSTALLED_SIZE@|$installed_size|" \
  deploy/debian/control.in >"$root/DEBIAN/control"
# Checksums of everything but the conffiles (dpkg keeps those itself).
(cd "$root" && find . -path ./DEBIAN -prune -o -path ./etc -prune -o -type f -printf '%P\0' |
  LC_ALL=C sort -z | xargs -0 md5sum) >"$root/DEBIAN/md5sums"
chmod 0644 "$root/DEBIAN/md5sums"

# File times from the last commit, so the same tree gives the same package.
SOURCE_DATE_EPOCH=${SOURCE_DATE_EPOCH:-$(git log -1 --format=%ct 2>/dev/null || date +%s)}
export SOURCE_DATE_EPOCH
# zstd: under a second where xz takes about a minute for a 25 MB instead of 17 MB package;
# Debian 12's dpkg and apt read it.
deb=$scratch/callpulse_${version}_${architecture}.deb
dpkg-deb --root-owner-group -Zzstd --build "$root" "$deb" >&2
echo "$deb"
