# CMake toolchain file: cross-builds the provider for linux_arm64 with Debian's cross compiler
# (gcc-aarch64-linux-gnu) against an arm64 Debian root (scripts/release_arm64.sh extracts one).
#   cmake -DCMAKE_TOOLCHAIN_FILE=cmake/aarch64-linux-gnu.cmake -DUNICRON_SYSROOT=<arm64 root> ...
# Headers, .a archives and pkg-config files come from the root only; programs (protoc-c) from the
# build machine. libstdc++.a and libgcc come with the cross compiler (libstdc++-12-dev-arm64-cross).
set(CMAKE_SYSTEM_NAME Linux)
set(CMAKE_SYSTEM_PROCESSOR aarch64)
set(CMAKE_C_COMPILER aarch64-linux-gnu-gcc)
set(CMAKE_STRIP aarch64-linux-gnu-strip CACHE FILEPATH "")

# The root is a cache variable of the top-level configure; try_compile projects get it through
# CMAKE_TRY_COMPILE_PLATFORM_VARIABLES.
list(APPEND CMAKE_TRY_COMPILE_PLATFORM_VARIABLES UNICRON_SYSROOT)
if(NOT UNICRON_SYSROOT OR NOT EXISTS "${UNICRON_SYSROOT}/usr/lib/aarch64-linux-gnu")
  message(FATAL_ERROR "aarch64-linux-gnu.cmake needs -DUNICRON_SYSROOT=<an arm64 Debian root "
                      "with the -dev packages> (scripts/release_arm64.sh makes one)")
endif()
set(CMAKE_SYSROOT "${UNICRON_SYSROOT}")
set(CMAKE_FIND_ROOT_PATH "${UNICRON_SYSROOT}")
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_PACKAGE ONLY)

# pkg-config (FindPkgConfig runs the build machine's) reads the root's .pc files only, the ones
# in /usr/local first (release_arm64.sh installs its static libcurl there), and prefixes their
# -I/-L paths with the root.
set(ENV{PKG_CONFIG_LIBDIR} "${UNICRON_SYSROOT}/usr/local/lib/pkgconfig:\
${UNICRON_SYSROOT}/usr/lib/aarch64-linux-gnu/pkgconfig:${UNICRON_SYSROOT}/usr/share/pkgconfig")
set(ENV{PKG_CONFIG_SYSROOT_DIR} "${UNICRON_SYSROOT}")
set(ENV{PKG_CONFIG_PATH} "")
