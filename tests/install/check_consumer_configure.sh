#!/usr/bin/env bash
# A consumer's configure builds the library alone: configures SOURCE with default options (only
# the cargo profile and target dir of the calling build, so that cargo has nothing to rebuild),
# then checks that no test, example or wrapper-suite target exists, that CTest has no rows,
# and that the build gives the libraries.
#
#   check_consumer_configure.sh SOURCE WORK CARGO_PROFILE CARGO_TARGET_DIR
set -euo pipefail
src="$1" work="$2" profile="$3" target="$4"
rm -rf "$work"
cmake -S "$src" -B "$work" -G Ninja -DMISSIVE_CARGO_PROFILE="$profile" \
  -DMISSIVE_CARGO_TARGET_DIR="$target" >/dev/null
grep -q '^MISSIVE_BUILD_TESTS:BOOL=OFF' "$work/CMakeCache.txt" \
  || { echo "FAIL: MISSIVE_BUILD_TESTS is not OFF by default"; exit 1; }
targets=$(ninja -C "$work" -t targets all | cut -d: -f1)
extra=$(grep -E '(^|/)(test_|example_|cpp_gtest|cpp_header_alone|asan_|missive_dotnet)' <<<"$targets" || true)
if [ -n "$extra" ]; then
  echo "FAIL: a consumer configure would build more than the library:"; echo "$extra"; exit 1
fi
rows=$(ctest --test-dir "$work" -N | sed -n 's/^Total Tests: //p')
[ "${rows:-0}" = 0 ] || { echo "FAIL: $rows CTest rows in a consumer configure"; exit 1; }
cmake --build "$work" >/dev/null
dir="$target/$([ "$profile" = dev ] && echo debug || echo "$profile")"
ls "$dir/libmissive.a" "$dir/libmissive.so" >/dev/null
# A project that includes missive with add_subdirectory: the library alone, without the tool.
parent="$work-parent"
rm -rf "$parent" && mkdir -p "$parent/src"
cat >"$parent/src/CMakeLists.txt" <<CMAKE
cmake_minimum_required(VERSION 3.20)
project(parent C CXX)
add_subdirectory("$src" missive)
add_executable(app app.c)
target_link_libraries(app PRIVATE missive::static)
CMAKE
printf '#include "missive.h"\nint main(void) { return missive_version()[0] == 0; }\n' >"$parent/src/app.c"
cmake -S "$parent/src" -B "$parent/build" -G Ninja -DMISSIVE_CARGO_PROFILE="$profile" \
  -DMISSIVE_CARGO_TARGET_DIR="$target" >/dev/null
grep -q '^MISSIVE_BUILD_CLI:BOOL=OFF' "$parent/build/CMakeCache.txt" \
  || { echo "FAIL: add_subdirectory(missive) builds the command-line tool by default"; exit 1; }
ptargets=$(ninja -C "$parent/build" -t targets all | cut -d: -f1)
extra=$(grep -E '(^|/)(test_|example_|cpp_gtest|missive_man)' <<<"$ptargets" || true)
[ -z "$extra" ] || { echo "FAIL: add_subdirectory(missive) would build:"; echo "$extra"; exit 1; }
cmake --build "$parent/build" >/dev/null
"$parent/build/app" || { echo "FAIL: the parent's program does not run"; exit 1; }
echo "add_subdirectory(missive): the library alone (no tool, no tests), linked and run"
echo "consumer configure: the library alone ($(grep -c . <<<"$targets") ninja outputs, no test targets, no CTest rows)"
