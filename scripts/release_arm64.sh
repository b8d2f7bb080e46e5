# shellcheck shell=bash disable=SC2034,SC2154 # sourced: globals are shared with release.sh
# release_arm64.sh - sourced by scripts/release.sh: the linux_arm64 build. Debian's cross compiler
# (gcc-aarch64-linux-gnu) links against an arm64 Debian root that this file makes from Debian's
# arm64 -dev packages with a private apt state (apt-get download + dpkg-deb -x), so the build
# machine's package configuration is not touched (no `dpkg --add-architecture`). The static curl
# is cross-built into that root; qemu-user runs the result for the --version check.
# Uses release.sh's WORK, SRC, NAME, VERSION, JOBS, curl_version, log, die, curl_fetch_source,
# curl_build. Sets ARM64_BIN and ARM64_NOTICES. See docs/internals/release.md, "linux_arm64".

ARM64_TRIPLET=aarch64-linux-gnu
# What the static link needs (Multi-Arch: same -dev packages) and the C library to link against;
# apt adds their dependencies.
ARM64_PACKAGES=(libgrpc-dev libabsl-dev libre2-dev libc-ares-dev libprotobuf-c-dev libssl-dev
                libjansson-dev libmsgpack-dev libexpat1-dev zlib1g-dev libc6-dev)
ARM64_GLIBC_LIBS="libc.so.6 libm.so.6 libpthread.so.0 libdl.so.2 librt.so.1 ld-linux-aarch64.so.1"
# Linked against bookworm's glibc 2.36: the newest symbol version may be 2.34 (docs/internals/
# release.md, "linux_arm64"; amd64 links against 2.31).
ARM64_GLIBC_FLOOR=2.34
ARM64_BIN=
ARM64_NOTICES=
ARM64_ROOT=$WORK/arm64-root

# arm64_missing: prints why the cross build cannot run on this machine, or nothing.
arm64_missing() {
  local t
  for t in gcc strip readelf objdump; do
    if ! command -v "$ARM64_TRIPLET-$t" >/dev/null; then
      echo "no $ARM64_TRIPLET-$t (gcc-aarch64-linux-gnu)"
      return
    fi
  done
  if [ ! -f "$("$ARM64_TRIPLET-gcc" -print-file-name=libstdc++.a)" ]; then
    echo "no arm64 libstdc++.a (libstdc++-12-dev-arm64-cross)"
  elif ! arm64_qemu >/dev/null; then
    echo "no qemu-aarch64 to run the binary (qemu-user-static)"
  fi
}

arm64_qemu() {
  command -v qemu-aarch64-static || command -v qemu-aarch64
}

# arm64_root: $ARM64_ROOT holds the arm64 packages the release links against, the newest of
# bookworm (with security updates); extracted again only when a package version changed.
arm64_root() {
  local apt=$WORK/arm64-apt
  mkdir -p "$apt/lists/partial" "$apt/cache/archives/partial" "$apt/empty"
  printf 'deb http://deb.debian.org/debian bookworm main\n%s\n%s\n' \
    'deb http://deb.debian.org/debian bookworm-updates main' \
    'deb http://deb.debian.org/debian-security bookworm-security main' >"$apt/sources.list"
  : >"$apt/status" # nothing installed: apt resolves the packages' whole dependency closure
  local opts=(-o APT::Architecture=arm64 -o APT::Architectures::=arm64
              -o "Dir::Etc::SourceList=$apt/sources.list" -o "Dir::Etc::SourceParts=$apt/empty"
              -o "Dir::Etc::Preferences=$apt/empty/none"
              -o "Dir::Etc::PreferencesParts=$apt/empty" -o "Dir::State::Lists=$apt/lists"
              -o "Dir::State::status=$apt/status" -o "Dir::Cache=$apt/cache"
              -o APT::Get::List-Cleanup=0 -o APT::Install-Recommends=0 -o Debug::NoLocking=1)
  if ! apt-get "${opts[@]}" update -qq >"$apt/update.log" 2>&1; then
    if [ ! -f "$ARM64_ROOT.stamp" ] || [ ! -d "$ARM64_ROOT" ]; then
      die "apt-get update of the arm64 package lists failed (network?): $apt/update.log"
    fi
    log "linux_arm64: apt-get update failed, reusing the arm64 root of the last run"
    return 0
  fi
  local plan
  plan=$(apt-get "${opts[@]}" -s install "${ARM64_PACKAGES[@]}" 2>"$apt/plan.log" |
    sed -n 's/^Inst \([^ ]*\) (\([^ ]*\) .*/\1 \2/p' | LC_ALL=C sort) ||
    die "apt cannot resolve the arm64 packages: $apt/plan.log"
  [ -n "$plan" ] || die "apt cannot resolve the arm64 packages: $apt/plan.log"
  if [ "$plan" = "$(cat "$ARM64_ROOT.stamp" 2>/dev/null)" ] && [ -d "$ARM64_ROOT" ]; then
    return 0
  fi
  log "linux_arm64: fetching $(echo "$plan" | wc -l) arm64 packages into $ARM64_ROOT"
  apt-get "${opts[@]}" clean
  apt-get "${opts[@]}" install -d -y -qq "${ARM64_PACKAGES[@]}" >"$apt/download.log" 2>&1 ||
    die "apt-get could not download the arm64 packages: $apt/download.log"
  rm -rf "$ARM64_ROOT" "$ARM64_ROOT.stamp"
  mkdir -p "$ARM64_ROOT"
  local deb pkg ver
  : >"$ARM64_ROOT.archives"
  for deb in "$apt"/cache/archives/*.deb; do
    dpkg-deb -x "$deb" "$ARM64_ROOT" || die "dpkg-deb -x $deb failed"
    pkg=$(dpkg-deb -f "$deb" Package)
    ver=$(dpkg-deb -f "$deb" Version)
    # Which package each static archive came from, for THIRD_PARTY_NOTICES.
    dpkg-deb -c "$deb" | awk -v p="$pkg" -v v="$ver" '$6 ~ /\.a$/ {sub(/^\./, "", $6);
      print $6, p, v}' >>"$ARM64_ROOT.archives"
  done
  # Absolute symbolic links (libm.so -> /lib/...) would leave the root: point them into it.
  local link
  find "$ARM64_ROOT" -type l -lname '/*' -print0 | while IFS= read -r -d '' link; do
    ln -sfn "$ARM64_ROOT$(readlink "$link")" "$link"
  done
  echo "$plan" >"$ARM64_ROOT.stamp"
}

# arm64_release: builds, checks and describes the arm64 binary (ARM64_BIN, ARM64_NOTICES).
arm64_release() {
  local why
  why=$(arm64_missing)
  if [ -n "$why" ]; then
    [ -z "${UNICRON_RELEASE_ARCHES:-}" ] ||
      die "linux_arm64 was asked for but cannot be built: $why (scripts/deps.sh installs it)"
    log "skipping linux_arm64: $why (scripts/deps.sh installs it)"
    return 0
  fi
  arm64_root
  local root=$ARM64_ROOT

  # libcurl, cross-built into the root's /usr/local against the root's OpenSSL and zlib (so it
  # is built again whenever the root is).
  if [ ! -f "$root/usr/local/lib/libcurl.a" ]; then
    curl_fetch_source
    log "linux_arm64: building static libcurl from $CURL_SRC"
    PKG_CONFIG_PATH='' PKG_CONFIG_SYSROOT_DIR=$root \
      PKG_CONFIG_LIBDIR=$root/usr/lib/$ARM64_TRIPLET/pkgconfig:$root/usr/share/pkgconfig \
      CC="$ARM64_TRIPLET-gcc --sysroot=$root" \
      curl_build "$WORK/curl-build-arm64" /usr/local "$root" --host="$ARM64_TRIPLET"
  fi

  local build=$WORK/build-arm64
  rm -rf "$build"
  log "linux_arm64: building $NAME $VERSION (Release, static, $ARM64_TRIPLET-gcc)"
  cmake -S "$SRC" -B "$build" -DCMAKE_TOOLCHAIN_FILE="$SRC/cmake/$ARM64_TRIPLET.cmake" \
    -DUNICRON_SYSROOT="$root" -DCMAKE_BUILD_TYPE=Release -DUNICRON_TESTS=OFF \
    -DUNICRON_RELEASE_STATIC=ON -DUNICRON_STATIC_GRPC=ON -DUNICRON_CURL_ROOT="$root/usr/local" \
    >"$WORK/cmake-arm64.log" 2>&1 || die "arm64 cmake configure failed: $WORK/cmake-arm64.log"
  nice cmake --build "$build" -j"$JOBS" --target "$NAME" >"$WORK/build-arm64.log" 2>&1 ||
    die "arm64 build failed: $WORK/build-arm64.log"

  # The checks of the amd64 binary: AArch64, nothing needed outside glibc, prints its version.
  local bin=$build/$NAME lib needed floor got
  "$ARM64_TRIPLET-strip" --strip-all "$bin"
  "$ARM64_TRIPLET-readelf" -h "$bin" | grep -q 'Machine: *AArch64' ||
    die "$bin is not an AArch64 executable"
  needed=$("$ARM64_TRIPLET-readelf" -d "$bin" | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p')
  for lib in $needed; do
    case " $ARM64_GLIBC_LIBS " in
      *" $lib "*) ;;
      *) die "the arm64 $NAME needs $lib, which is not part of glibc" ;;
    esac
  done
  floor=$("$ARM64_TRIPLET-objdump" -T "$bin" | grep -o 'GLIBC_[0-9][0-9.]*' | sort -u -V | tail -1)
  floor=${floor#GLIBC_}
  [ "$(printf '%s\n' "$ARM64_GLIBC_FLOOR" "$floor" | sort -V | tail -1)" = "$ARM64_GLIBC_FLOOR" ] ||
    die "the arm64 $NAME needs glibc $floor, above its floor $ARM64_GLIBC_FLOOR:" \
      "$("$ARM64_TRIPLET-objdump" -T "$bin" | grep -F "GLIBC_$floor" | awk '{print $NF}' | xargs)"
  got=$("$(arm64_qemu)" -L "$root" "$bin" --version) ||
    die "the arm64 binary does not run under $(arm64_qemu)"
  [ "$got" = "$NAME $VERSION" ] || die "arm64 --version printed '$got', expected '$NAME $VERSION'"
  log "linux_arm64 binary: $(stat -c %s "$bin") bytes; NEEDED: ${needed//$'\n'/ };" \
    "needs glibc >= $floor (floor $ARM64_GLIBC_FLOOR)"

  # Licences: the Debian copyright file of the package each linked archive came from (the
  # root's packages, or the cross toolchain's for libstdc++ and libgcc).
  local notices=$WORK/THIRD_PARTY_NOTICES.arm64 a pkg ver
  {
    echo "$NAME $VERSION links the following libraries statically. Their licences follow."
    echo
    echo "==== libcurl $curl_version (built from Debian's source package) ===="
    cat "$root/usr/local/COPYING"
    grep -o '[^ ]*\.a\b' "$build/CMakeFiles/$NAME.dir/link.txt" | grep '^/' |
      grep -v "^$root/usr/local/" | xargs -r realpath | LC_ALL=C sort -u |
      while read -r a; do
        if [ "${a#"$root"/}" != "$a" ]; then
          awk -v f="${a#"$root"}" '$1 == f {print $2, $3; exit}' "$ARM64_ROOT.archives"
        else
          pkg=$(dpkg -S "$a" 2>/dev/null | cut -d: -f1) || continue
          [ -n "$pkg" ] && echo "$pkg $(dpkg-query -W -f='${Version}' "$pkg")"
        fi
      done | LC_ALL=C sort -u | while read -r pkg ver; do
        local copyright=$root/usr/share/doc/$pkg/copyright
        [ -f "$copyright" ] || copyright=/usr/share/doc/$pkg/copyright
        [ -f "$copyright" ] || continue
        echo
        echo "==== $pkg $ver ===="
        cat "$copyright"
      done
  } >"$notices"
  ARM64_BIN=$bin
  ARM64_NOTICES=$notices
}
