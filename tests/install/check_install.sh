#!/usr/bin/env bash
# Installs missive from a CMake build into a fresh prefix and builds an outside C/C++ project
# against it both usual ways: CMake's find_package(missive) (static, shared and C++ targets)
# and pkg-config (shared and static). Runs every program it builds.
#
#   check_install.sh BUILD_DIR WORK_DIR GENERATOR C_COMPILER
set -euo pipefail
build="$1" work="$2" generator="$3" cc="$4"
here="$(cd "$(dirname "$0")" && pwd)"
rm -rf "$work"
mkdir -p "$work"
prefix="$work/prefix"

echo "== cmake --install $build --prefix $prefix"
cmake --install "$build" --prefix "$prefix" >/dev/null
for f in include/missive.h include/missive.hpp; do
  [ -f "$prefix/$f" ] || { echo "FAIL: $f not installed"; exit 1; }
done
config="$(find "$prefix" -name missiveConfig.cmake)"
pc="$(find "$prefix" -name missive.pc)"
[ -n "$config" ] || { echo "FAIL: no missiveConfig.cmake"; exit 1; }
[ -n "$pc" ] || { echo "FAIL: no missive.pc"; exit 1; }
ls "$(dirname "$(dirname "$pc")")"/libmissive.a "$(dirname "$(dirname "$pc")")"/libmissive.so
# The command-line tool and its man pages (built unless MISSIVE_BUILD_CLI is off).
if grep -q '^MISSIVE_BUILD_CLI:BOOL=ON' "$build/CMakeCache.txt"; then
  [ -x "$prefix/bin/missive" ] || { echo "FAIL: bin/missive not installed"; exit 1; }
  "$prefix/bin/missive" --version | grep -q '^missive ' \
    || { echo "FAIL: the installed missive does not run"; exit 1; }
  for page in missive.1 missive-send.1 missive-sendmail.1; do
    [ -f "$prefix/share/man/man1/$page" ] || { echo "FAIL: man page $page not installed"; exit 1; }
  done
fi

echo "== find_package(missive)"
cmake -S "$here/project" -B "$work/consumer" -G "$generator" -DCMAKE_PREFIX_PATH="$prefix" \
  -DCMAKE_C_COMPILER="$cc" >/dev/null
cmake --build "$work/consumer"
mkdir -p "$work/outbox-static" "$work/outbox-shared"
"$work/consumer/consumer_static" "$work/outbox-static"
# (CMake gives the build-tree program an RPATH to the imported library's directory.)
"$work/consumer/consumer_shared" "$work/outbox-shared"
"$work/consumer/consumer_cpp"
static_deps=$(ldd "$work/consumer/consumer_static")
if grep -q libmissive <<<"$static_deps"; then
  echo "FAIL: consumer_static depends on libmissive.so"; exit 1
fi
# (ldd's output is captured first: `ldd | grep -q` under pipefail fails when grep exits early.)
shared_deps=$(ldd "$work/consumer/consumer_shared")
grep -q "libmissive.so => $prefix" <<<"$shared_deps" \
  || { echo "FAIL: consumer_shared does not load the installed libmissive.so"; echo "$shared_deps"; exit 1; }

echo "== pkg-config"
command -v pkg-config >/dev/null \
  || { echo "FAIL: pkg-config not found: apt-get install pkg-config (or run scripts/install-deps.sh)"; exit 1; }
export PKG_CONFIG_PATH="$(dirname "$pc")"
pkg-config --exists missive || { echo "FAIL: pkg-config does not find missive"; exit 1; }
[ "$(pkg-config --modversion missive)" = "$(sed -n 's/^#define MISSIVE_VERSION "\(.*\)"/\1/p' "$prefix/include/missive.h")" ] \
  || { echo "FAIL: pkg-config version differs from the header"; exit 1; }
libdir="$(pkg-config --variable=libdir missive)"
# shellcheck disable=SC2046
"$cc" -std=c11 -D_XOPEN_SOURCE=700 -Wall -Wextra -Werror $(pkg-config --cflags missive) \
  "$here/project/consumer.c" $(pkg-config --libs missive) -o "$work/pc_shared"
mkdir -p "$work/outbox-pc-shared" "$work/outbox-pc-static"
# No rpath of our own and no LD_LIBRARY_PATH: the one in missive.pc's Libs finds the library.
env -u LD_LIBRARY_PATH "$work/pc_shared" "$work/outbox-pc-shared"
pc_shared_deps=$(ldd "$work/pc_shared")
grep -q "libmissive.so => $prefix" <<<"$pc_shared_deps" \
  || { echo "FAIL: pc_shared does not load the installed libmissive.so"; echo "$pc_shared_deps"; exit 1; }
# Static: the archive itself, then what pkg-config --static adds for Rust's std.
# shellcheck disable=SC2046
"$cc" -std=c11 -D_XOPEN_SOURCE=700 -Wall -Wextra -Werror $(pkg-config --cflags missive) \
  "$here/project/consumer.c" "$libdir/libmissive.a" $(pkg-config --static --libs-only-l missive | sed 's/-lmissive//') \
  -o "$work/pc_static"
"$work/pc_static" "$work/outbox-pc-static"
pc_static_deps=$(ldd "$work/pc_static")
if grep -q libmissive <<<"$pc_static_deps"; then
  echo "FAIL: pc_static depends on libmissive.so"; exit 1
fi
echo "install check passed: find_package (static, shared, C++) and pkg-config (shared, static)"
