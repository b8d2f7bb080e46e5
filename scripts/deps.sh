#!/usr/bin/env bash
# Installs the Debian 12 packages the build, the tests and the demo need, when run as root;
# otherwise prints the exact apt-get line and fails. Does nothing when all are present.
set -euo pipefail

PACKAGES=(
  build-essential cmake pkg-config ca-certificates openssl python3 unzip zip
  libgrpc-dev libprotobuf-c-dev protobuf-c-compiler
  libssl-dev libcurl4-openssl-dev libjansson-dev libmsgpack-dev libexpat1-dev libcmocka-dev
  python3-boto3 python3-yaml gnupg debian-archive-keyring
  clang libclang-rt-14-dev clang-format
  # scripts/release.sh's linux_arm64: the cross compiler, its C and C++ libraries, and qemu-user
  # to run the result. The arm64 -dev packages are not installed: release_arm64.sh extracts them
  # into a private root, so no foreign architecture is added (docs/internals/release.md).
  gcc-aarch64-linux-gnu libc6-dev-arm64-cross libstdc++-12-dev-arm64-cross qemu-user-static
)

missing=()
for p in "${PACKAGES[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done
[ ${#missing[@]} -eq 0 ] && exit 0

if [ "$(id -u)" -ne 0 ]; then
  echo "missing Debian packages; install them with:" >&2
  echo "  sudo apt-get install -y ${missing[*]}" >&2
  exit 1
fi
echo "installing: ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
