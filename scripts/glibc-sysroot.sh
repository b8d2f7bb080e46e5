#!/usr/bin/env bash
# glibc-sysroot.sh DEB_ARCH DIR: a sysroot holding Debian 11's (bullseye) glibc 2.31 for the
# Debian architecture DEB_ARCH (amd64; arm64 works the same way), in DIR/root. scripts/release.sh
# compiles and links the release against it, so the binary needs glibc 2.31, not the build
# machine's (docs/internals/release.md, "glibc floor"); tests/e2e/test_release.py runs the binary
# on its libc. Prints DIR/root on stdout.
#
# libc6, libc6-dev and linux-libc-dev come from bullseye + bullseye-security through apt-get with
# a private sources list and state directory (the system's apt configuration is not touched).
# apt checks the Release files against debian-archive-keyring (signed-by) and the packages against
# their hashes there. dpkg-deb -x unpacks them; absolute symlinks (libpthread.so ->
# /lib/x86_64-linux-gnu/libpthread.so.0) are made relative, or the linker would follow them to
# the build machine's libc. A finished DIR/root (DIR/root/.complete) is reused without network;
# delete DIR to fetch the current bullseye-security versions.
set -euo pipefail
[ $# -eq 2 ] || { echo "usage: $0 DEB_ARCH DIR" >&2; exit 2; }
ARCH=$1
DIR=$2
ROOTFS=$DIR/root
SUITE=bullseye
KEYRING=/usr/share/keyrings/debian-archive-keyring.gpg
die() { echo "glibc-sysroot: $*" >&2; exit 1; }

if [ -f "$ROOTFS/.complete" ]; then
  echo "$ROOTFS"
  exit 0
fi
case $ARCH in
  amd64 | arm64) ;;
  *) die "unsupported Debian architecture '$ARCH' (amd64, arm64)" ;;
esac
[ -f "$KEYRING" ] || die "needs $KEYRING (package debian-archive-keyring, scripts/deps.sh)"
command -v apt-get >/dev/null && command -v dpkg-deb >/dev/null || die "needs apt-get and dpkg-deb"

apt_dir=$DIR/apt
rm -rf "$apt_dir" "$ROOTFS"
mkdir -p "$apt_dir/lists/partial" "$apt_dir/cache/archives/partial" "$apt_dir/debs" "$ROOTFS"
{
  echo "deb [arch=$ARCH signed-by=$KEYRING] http://deb.debian.org/debian $SUITE main"
  echo "deb [arch=$ARCH signed-by=$KEYRING] http://deb.debian.org/debian-security $SUITE-security main"
} >"$apt_dir/sources.list"
# No dpkg status: nothing the build machine has installed influences what is picked.
apt_opts=(-o "Dir::Etc::SourceList=$apt_dir/sources.list" -o "Dir::Etc::SourceParts=/nonexistent"
          -o "Dir::State::Lists=$apt_dir/lists" -o "Dir::Cache=$apt_dir/cache"
          -o "Dir::State::status=/dev/null" -o "APT::Get::List-Cleanup=0"
          -o "APT::Architecture=$ARCH" -o "APT::Architectures=$ARCH" -o "APT::Sandbox::User=root")
log=$apt_dir/apt.log
echo "glibc-sysroot: fetching $SUITE's libc6, libc6-dev, linux-libc-dev ($ARCH)" >&2
apt-get "${apt_opts[@]}" update >"$log" 2>&1 ||
  die "apt-get update of $SUITE failed (network? see $log)"
(cd "$apt_dir/debs" &&
  apt-get "${apt_opts[@]}" download "libc6:$ARCH" "libc6-dev:$ARCH" "linux-libc-dev:$ARCH") \
  >>"$log" 2>&1 || die "apt-get download failed (see $log)"
versions=""
for deb in "$apt_dir"/debs/*.deb; do
  dpkg-deb -x "$deb" "$ROOTFS"
  versions="$versions $(dpkg-deb -f "$deb" Package)=$(dpkg-deb -f "$deb" Version)"
done
case $versions in
  *" libc6=2.31-"*) ;;
  *) die "expected glibc 2.31 from $SUITE, got:$versions" ;;
esac
find "$ROOTFS" -type l -lname '/*' | while IFS= read -r link; do
  target=$(readlink "$link")
  ln -sfn "$(realpath -m --relative-to="$(dirname "$link")" "$ROOTFS$target")" "$link"
done
echo "${versions# }" >"$ROOTFS/.complete"
rm -rf "$apt_dir/lists" "$apt_dir/cache"
echo "$ROOTFS"
