#!/usr/bin/env bash
# Missive.dll finds libmissive.so without LD_LIBRARY_PATH, run from another directory, in both
# layouts: beside Missive.dll, and runtimes/linux-x64/native/ with Missive.dll.config (Mono's
# dllmap). A layout with neither must fail with DllNotFoundException (the check can fail).
#
#   check_native_resolution.sh MONO MISSIVE_DLL PROBE_EXE DLL_CONFIG LIBMISSIVE_SO WORK
set -euo pipefail
mono="$1" dll="$2" probe="$3" config="$4" so="$5" work="$6"
rm -rf "$work"
run() { (cd / && env -u LD_LIBRARY_PATH -u MONO_PATH "$mono" "$1/NativeProbe.exe" 2>&1); }

mkdir -p "$work/beside" "$work/package/runtimes/linux-x64/native" "$work/none"
cp "$dll" "$probe" "$work/beside/" && cp "$so" "$work/beside/libmissive.so"
cp "$dll" "$probe" "$config" "$work/package/" && cp "$so" "$work/package/runtimes/linux-x64/native/libmissive.so"
cp "$dll" "$probe" "$work/none/"

out=$(run "$work/beside") || { echo "FAIL: libmissive.so beside Missive.dll not found:"; echo "$out"; exit 1; }
echo "beside Missive.dll: $out"
out=$(run "$work/package") || { echo "FAIL: runtimes/linux-x64/native/ not found:"; echo "$out"; exit 1; }
echo "runtimes/linux-x64/native + Missive.dll.config: $out"
if out=$(run "$work/none"); then
  echo "FAIL: found a libmissive.so with none in place (the check proves nothing): $out"; exit 1
fi
grep -q DllNotFoundException <<<"$out" || { echo "FAIL: unexpected error without a library:"; echo "$out"; exit 1; }
echo "no library: DllNotFoundException, as expected"
