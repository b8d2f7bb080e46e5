#!/usr/bin/env bash
# Builds a release the way registry providers ship: from a clean copy of the tree, in a fresh
# Release build with everything but glibc linked statically (CMake UNICRON_RELEASE_STATIC) and
# glibc linked from Debian 11 (2.31, scripts/glibc-sysroot.sh; the binary runs on 2.31+), into
# dist/: the zip per platform, <name>_<version>_SHA256SUMS, <name>_<version>_manifest.json, a
# detached signature of the SUMS file when UNICRON_GPG_KEY names a key, and a provider network
# mirror (static JSON + the zip) under dist/mirror/. See docs/internals/release.md.
#
# Environment (all optional):
#   UNICRON_GPG_KEY            key id / e-mail for `gpg --detach-sign` of the SUMS file
#   UNICRON_MIRROR_HOST        hostname of the source address (default registry.example.com)
#   UNICRON_MIRROR_NAMESPACE   namespace of the source address (default platform)
#   UNICRON_DIST_DIR           output directory (default <repo>/dist)
#   UNICRON_RELEASE_WORK       scratch directory (default <repo>/build-release)
#   UNICRON_CURL_SRC           an unpacked curl source tree to build instead of fetching
#                              Debian's source package of the installed libcurl (apt-get source)
#   UNICRON_RELEASE_ALLOW_DIRTY=1  build uncommitted changes too (tests); releases refuse them
#   UNICRON_RELEASE_ARCHES     platforms to build (default "linux_amd64 linux_arm64"; by default
#                              linux_arm64 is skipped, saying why, without the cross toolchain)
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
NAME=terraform-provider-unicron
VERSION=$(tr -d ' \t\r\n' <"$ROOT/VERSION")
if ! [[ $VERSION =~ ^[0-9]+\.[0-9]+\.[0-9]+$ ]]; then
  echo "release: VERSION must be MAJOR.MINOR.PATCH, found '$VERSION'" >&2
  exit 1
fi
DIST=${UNICRON_DIST_DIR:-$ROOT/dist}
WORK=${UNICRON_RELEASE_WORK:-$ROOT/build-release}
HOST=${UNICRON_MIRROR_HOST:-registry.example.com}
NAMESPACE=${UNICRON_MIRROR_NAMESPACE:-platform}
ARCHES=${UNICRON_RELEASE_ARCHES:-linux_amd64 linux_arm64}
JOBS=${UNICRON_JOBS:-2}
# Stable zip metadata: every file in the zip gets the time of the last commit.
EPOCH=${SOURCE_DATE_EPOCH:-$(git -C "$ROOT" log -1 --format=%ct 2>/dev/null || echo 315532800)}
log() { echo "release: $*" >&2; }
die() { log "$*"; exit 1; }

for tool in cmake gcc zip unzip python3 readelf objdump sha256sum strip; do
  command -v "$tool" >/dev/null || die "needs $tool (scripts/deps.sh installs it)"
done

# --- 1. a clean copy of the tree: what `git add -A` would commit, no build output -------------
mkdir -p "$WORK"
SRC=$WORK/src
rm -rf "$SRC"
mkdir -p "$SRC"
if git -C "$ROOT" rev-parse --git-dir >/dev/null 2>&1; then
  dirty=$(git -C "$ROOT" status --porcelain)
  if [ -n "$dirty" ] && [ "${UNICRON_RELEASE_ALLOW_DIRTY:-}" != 1 ]; then
    die "the working tree has uncommitted changes; commit them (or UNICRON_RELEASE_ALLOW_DIRTY=1)"
  fi
  (cd "$ROOT" && git ls-files -z --cached --others --exclude-standard |
    while IFS= read -r -d '' f; do [ -e "$f" ] && printf '%s\0' "$f"; done |
    tar --null -T - -cf -) | tar -xf - -C "$SRC"
else
  (cd "$ROOT" && tar --exclude='./build*' --exclude=./dist --exclude=./.work -cf - .) |
    tar -xf - -C "$SRC"
fi

# --- 1b. glibc 2.31: compile and link against Debian 11's glibc, not the build machine's ------
# scripts/glibc-sysroot.sh fetches libc6, libc6-dev and linux-libc-dev of bullseye into a cached
# sysroot. Our code and curl are compiled against its headers; the link takes crt1/crti/crtn,
# libc.so (+ libc_nonshared.a), libpthread, libdl, libm and ld-linux from it, while the static
# archives (gRPC, absl, OpenSSL, ..., gcc 12's libstdc++ and libgcc) stay the build machine's.
# Symbols glibc 2.31 lacks are link errors; provider/release/glibc_compat.c defines the few the
# archives use. Third-party headers (/usr/include after the sysroot's) are the build machine's.
# sysroot_flags DEB_ARCH TRIPLET: sets SYSROOT, SYSROOT_CFLAGS (compile) and SYSROOT_LDFLAGS.
GLIBC_FLOOR=2.31
sysroot_flags() {
  local deb_arch=$1 triplet=$2
  SYSROOT=$("$ROOT/scripts/glibc-sysroot.sh" "$deb_arch" "$WORK/glibc-$GLIBC_FLOOR-$deb_arch") ||
    die "no glibc $GLIBC_FLOOR sysroot for $deb_arch"
  SYSROOT_CFLAGS="--sysroot=$SYSROOT -idirafter /usr/include/$triplet -idirafter /usr/include"
  # -B: crt1.o/crti.o/crtn.o; -L before gcc's own multiarch dir (/usr/lib/<triplet>, which it
  # searches even with --sysroot); --sysroot also makes ld read libc.so's absolute paths in it.
  SYSROOT_LDFLAGS="--sysroot=$SYSROOT -B$SYSROOT/usr/lib/$triplet/ -L$SYSROOT/usr/lib/$triplet"
  SYSROOT_LDFLAGS+=" -L$SYSROOT/lib/$triplet -Wl,-rpath-link,$SYSROOT/lib/$triplet"
}
sysroot_flags amd64 x86_64-linux-gnu
# no_host_libc_headers WHAT DIR: the compiler's dependency files under DIR name no header of the
# build machine's libc6-dev or linux-libc-dev (all came from the sysroot), or the release stops.
no_host_libc_headers() {
  local what=$1 dir=$2 leaked
  leaked=$(find "$dir" \( -name '*.d' -o -name '*.Plo' \) -print0 | xargs -0 -r cat |
    tr ' \\' '\n\n' | sed -n 's/:$//; /^\/usr\/include\/.*\.h$/p' | xargs -r realpath -e |
    sort -u | xargs -r dpkg -S 2>/dev/null | grep -E '^(libc6-dev|linux-libc-dev):' || true)
  grep -rqsF --include='*.d' --include='*.Plo' "$SYSROOT/usr/include/stdio.h" "$dir" ||
    die "no dependency file under $dir names the sysroot's headers: cannot check $what"
  [ -z "$leaked" ] || die "$what was compiled with the build machine's libc headers:" \
    "$(echo "$leaked" | head -5 | cut -d' ' -f2 | xargs) ..."
}

# --- 2. libcurl: a minimal static build (HTTP and HTTPS over OpenSSL, zlib) -------------------
# Debian's libcurl.a needs krb5, LDAP, GnuTLS (through librtmp), libssh2, libpsl, nghttp2 ...
# which have no static archives, so the release builds the same curl version from Debian's
# source package (with Debian's patches) with only what the provider uses.
curl_version=$(dpkg-query -W -f='${Version}' libcurl4-openssl-dev 2>/dev/null || true)
[ -n "$curl_version" ] || die "needs libcurl4-openssl-dev (scripts/deps.sh)"
# curl_fetch_source: sets CURL_SRC to an unpacked curl source tree of $curl_version (Debian's
# source package with its patches, fetched once into $WORK/curl-source) or UNICRON_CURL_SRC.
CURL_SRC=${UNICRON_CURL_SRC:-}
curl_fetch_source() {
  [ -n "$CURL_SRC" ] && return 0
  local fetch=$WORK/curl-source
  if [ "$(cat "$fetch/version" 2>/dev/null)" = "$curl_version" ] && [ -x "$fetch/curl/configure" ]
  then
    CURL_SRC=$fetch/curl
    return 0
  fi
  rm -rf "$fetch"
  mkdir -p "$fetch/lists/partial" "$fetch/cache/archives/partial"
  printf 'deb-src http://deb.debian.org/debian bookworm main\n%s\n%s\n' \
    'deb-src http://deb.debian.org/debian bookworm-updates main' \
    'deb-src http://deb.debian.org/debian-security bookworm-security main' >"$fetch/sources.list"
  # A private source list and state directory: the system's apt configuration is untouched.
  local apt_opts=(-o "Dir::Etc::SourceList=$fetch/sources.list"
                  -o "Dir::Etc::SourceParts=/nonexistent" -o "Dir::State::Lists=$fetch/lists"
                  -o "Dir::Cache=$fetch/cache" -o "APT::Get::List-Cleanup=0")
  log "fetching Debian's curl $curl_version source package"
  apt-get "${apt_opts[@]}" update -qq >/dev/null ||
    die "apt-get update of the deb-src lists failed (network?); or set UNICRON_CURL_SRC"
  (cd "$fetch" && apt-get "${apt_opts[@]}" source --download-only -qq "curl=$curl_version" \
    >/dev/null 2>&1) || die "apt-get source curl=$curl_version failed; or set UNICRON_CURL_SRC"
  # apt checked the files against the signed Sources index; dpkg-source cannot check the
  # .dsc's own signature without debian-keyring, which it only warns about (in the log).
  (cd "$fetch" &&
    dpkg-source -x --skip-debianization ./curl_*.dsc curl >"$fetch/unpack.log" 2>&1) ||
    die "dpkg-source could not unpack curl: $fetch/unpack.log"
  echo "$curl_version" >"$fetch/version"
  CURL_SRC=$fetch/curl
}

# curl_build BUILD_DIR PREFIX DESTDIR [CONFIGURE_ARGS...]: configures, builds and installs the
# library, headers and libcurl.pc of $CURL_SRC under DESTDIR (may be empty) + PREFIX; CC and
# PKG_CONFIG_* from the environment (the linux_arm64 cross build sets them).
curl_build() {
  local cbuild=$1 prefix=$2 destdir=$3
  shift 3
  rm -rf "$cbuild"
  mkdir -p "$cbuild"
  (cd "$cbuild" && nice "$CURL_SRC/configure" --prefix="$prefix" "$@" \
    --disable-shared --enable-static --with-pic --with-openssl --with-zlib \
    --without-libpsl --without-libidn2 --without-nghttp2 --without-brotli --without-zstd \
    --without-libssh2 --without-librtmp --without-gssapi --without-ca-bundle --without-ca-path \
    --with-ca-fallback --disable-ldap --disable-ldaps --disable-rtsp --disable-dict \
    --disable-telnet --disable-tftp --disable-pop3 --disable-imap --disable-smb --disable-smtp \
    --disable-gopher --disable-mqtt --disable-ftp --disable-file --disable-manual --disable-ntlm \
    --disable-docs --disable-alt-svc --disable-hsts >"$cbuild/configure.log" 2>&1) ||
    die "curl configure failed: $cbuild/configure.log"
  (cd "$cbuild" && nice make -j"$JOBS" -C lib >"$cbuild/make.log" 2>&1 &&
    make -C lib install DESTDIR="$destdir" >>"$cbuild/make.log" 2>&1 &&
    make -C include install DESTDIR="$destdir" >>"$cbuild/make.log" 2>&1 &&
    make install-pkgconfigDATA DESTDIR="$destdir" >>"$cbuild/make.log" 2>&1) ||
    die "curl build failed: $cbuild/make.log"
  cp "$CURL_SRC/COPYING" "$destdir$prefix/COPYING"
}

CURL_PREFIX=$WORK/curl-$curl_version-glibc$GLIBC_FLOOR
if [ ! -f "$CURL_PREFIX/lib/libcurl.a" ]; then
  curl_fetch_source
  log "building static libcurl from $CURL_SRC"
  # configure's link tests see the sysroot's libc and only the static OpenSSL and zlib the
  # provider links (a shared libssl would pull in the build machine's libc).
  curl_deps=$WORK/curl-deps
  rm -rf "$curl_deps"
  mkdir -p "$curl_deps"
  for a in libssl.a libcrypto.a libz.a; do ln -s "/usr/lib/x86_64-linux-gnu/$a" "$curl_deps/"; done
  curl_build "$WORK/curl-build" "$CURL_PREFIX" "" \
    CPPFLAGS="$SYSROOT_CFLAGS" LDFLAGS="$SYSROOT_LDFLAGS -L$curl_deps"
  no_host_libc_headers libcurl "$WORK/curl-build/lib"
fi

# --- 3. the provider: fresh Release build, static ---------------------------------------------
BUILD=$WORK/build
rm -rf "$BUILD"
log "building $NAME $VERSION (Release, static)"
cmake -S "$SRC" -B "$BUILD" -DCMAKE_BUILD_TYPE=Release -DUNICRON_TESTS=OFF \
  -DUNICRON_RELEASE_STATIC=ON -DUNICRON_STATIC_GRPC=ON -DUNICRON_CURL_ROOT="$CURL_PREFIX" \
  -DCMAKE_C_FLAGS="$SYSROOT_CFLAGS" -DCMAKE_EXE_LINKER_FLAGS="$SYSROOT_LDFLAGS" \
  >"$WORK/cmake.log" 2>&1 || die "cmake configure failed: $WORK/cmake.log"
nice cmake --build "$BUILD" -j"$JOBS" --target $NAME >"$WORK/build.log" 2>&1 ||
  die "build failed: $WORK/build.log"
no_host_libc_headers $NAME "$BUILD"

# --- 4. check the binary: nothing needed outside glibc, prints its version --------------------
BIN=$BUILD/$NAME
strip --strip-all "$BIN"
needed=$(readelf -d "$BIN" | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p')
for lib in $needed; do
  case $lib in
    libc.so.6 | libm.so.6 | libpthread.so.0 | libdl.so.2 | librt.so.1 | ld-linux-x86-64.so.2) ;;
    *) die "$NAME needs $lib, which is not part of glibc" ;;
  esac
done
glibc_floor=$(objdump -T "$BIN" | grep -o 'GLIBC_[0-9][0-9.]*' | sort -u -V | tail -1)
glibc_floor=${glibc_floor#GLIBC_}
newest=$(printf '%s\n' "$GLIBC_FLOOR" "$glibc_floor" | sort -V | tail -1)
[ "$newest" = "$GLIBC_FLOOR" ] ||
  die "$NAME needs glibc $glibc_floor, above the floor $GLIBC_FLOOR:" \
    "$(objdump -T "$BIN" | grep -F "GLIBC_$glibc_floor" | awk '{print $NF}' | xargs)"
got=$("$BIN" --version)
[ "$got" = "$NAME $VERSION" ] || die "--version printed '$got', expected '$NAME $VERSION'"
log "binary: $(stat -c %s "$BIN") bytes; NEEDED: $(echo $needed);" \
  "needs glibc >= $glibc_floor (floor $GLIBC_FLOOR)"

# --- 5. licences of what is linked in: every static archive's Debian copyright file ----------
notices=$WORK/THIRD_PARTY_NOTICES
{
  echo "$NAME $VERSION links the following libraries statically. Their licences follow."
  echo
  echo "==== libcurl $curl_version (built from Debian's source package) ===="
  cat "$CURL_PREFIX/COPYING"
  for pkg in $(grep -o '[^ ]*\.a\b' "$BUILD/CMakeFiles/$NAME.dir/link.txt" | grep '^/' |
    grep -v "^$CURL_PREFIX/" | xargs -r realpath | xargs -r dpkg -S 2>/dev/null |
    cut -d: -f1 | sort -u); do
    copyright=/usr/share/doc/$pkg/copyright
    [ -f "$copyright" ] || continue
    echo
    echo "==== $pkg $(dpkg-query -W -f='${Version}' "$pkg") ===="
    cat "$copyright"
  done
} >"$notices"

# --- 5b. linux_arm64: cross-built against an arm64 Debian root (scripts/release_arm64.sh) -----
case " $ARCHES " in
  *" linux_arm64 "*)
    # shellcheck source=scripts/release_arm64.sh
    . "$ROOT/scripts/release_arm64.sh"
    arm64_release
    ;;
esac

# --- 6. dist/: zip, SHA256SUMS, manifest, signature, network mirror ---------------------------
rm -rf "$DIST"
mkdir -p "$DIST"
stage=$WORK/stage
zips=()
for arch in $ARCHES; do
  case $arch in
    linux_amd64) bin=$BIN arch_notices=$notices ;;
    linux_arm64)
      [ -n "${ARM64_BIN:-}" ] || continue # skipped above, saying why
      bin=$ARM64_BIN arch_notices=$ARM64_NOTICES
      ;;
    *) die "unknown platform $arch" ;;
  esac
  rm -rf "$stage"
  mkdir -p "$stage"
  cp "$bin" "$stage/${NAME}_v$VERSION"
  for f in LICENSE CHANGELOG.md README.md; do
    [ -f "$SRC/$f" ] && cp "$SRC/$f" "$stage/"
  done
  cp "$arch_notices" "$stage/THIRD_PARTY_NOTICES"
  find "$stage" -exec touch -h -d "@$EPOCH" {} +
  zip_name=${NAME}_${VERSION}_${arch}.zip
  (cd "$stage" && LC_ALL=C ls | LC_ALL=C sort | zip -X -q "$DIST/$zip_name" -@)
  zips+=("$zip_name")
done
[ ${#zips[@]} -gt 0 ] || die "no platform was built"

manifest=${NAME}_${VERSION}_manifest.json
printf '{\n  "version": 1,\n  "metadata": {\n    "protocol_versions": ["6.0", "5.0"]\n  }\n}\n' \
  >"$DIST/$manifest"
sums=${NAME}_${VERSION}_SHA256SUMS
(cd "$DIST" && sha256sum "${zips[@]}" "$manifest" >"$sums")
if [ -n "${UNICRON_GPG_KEY:-}" ]; then
  command -v gpg >/dev/null || die "UNICRON_GPG_KEY is set but gpg is missing"
  gpg --batch --yes --local-user "$UNICRON_GPG_KEY" --detach-sign \
    --output "$DIST/$sums.sig" "$DIST/$sums" || die "gpg could not sign with $UNICRON_GPG_KEY"
  log "signed $sums with $UNICRON_GPG_KEY"
fi

# Provider network mirror protocol, static layout: <host>/<namespace>/<type>/index.json and
# <version>.json with each archive's h1: hash (Terraform's dirhash over the zip's files); the zips
# sit next to them, so the same directory also works as a packed filesystem mirror.
mirror=$DIST/mirror/$HOST/$NAMESPACE/unicron
mkdir -p "$mirror"
for z in "${zips[@]}"; do cp "$DIST/$z" "$mirror/"; done
python3 - "$mirror" "$VERSION" "${zips[@]}" <<'PY'
import base64, hashlib, json, os, sys, zipfile

mirror, version, zips = sys.argv[1], sys.argv[2], sys.argv[3:]

def h1(path):
    """Go's dirhash.Hash1 of the zip's files, as `terraform providers lock` computes it."""
    with zipfile.ZipFile(path) as z:
        names = sorted(i.filename for i in z.infolist() if not i.is_dir())
        lines = "".join("%s  %s\n" % (hashlib.sha256(z.read(n)).hexdigest(), n) for n in names)
    return "h1:" + base64.b64encode(hashlib.sha256(lines.encode()).digest()).decode()

archives = {}
for name in zips:
    platform = name[: -len(".zip")].split("_", 2)[2]
    archives[platform] = {"url": name, "hashes": [h1(os.path.join(mirror, name))]}
with open(os.path.join(mirror, "index.json"), "w") as f:
    json.dump({"versions": {version: {}}}, f, indent=2)
    f.write("\n")
with open(os.path.join(mirror, version + ".json"), "w") as f:
    json.dump({"archives": archives}, f, indent=2)
    f.write("\n")
PY

log "wrote $DIST:"
(cd "$DIST" && find . -type f | LC_ALL=C sort | sed 's/^\.\//  /' >&2)
log "source address for users: $HOST/$NAMESPACE/unicron (docs/index.md)"
