#!/usr/bin/env bash
# Runs every test: installs what it needs, checks formatting and lints, runs the Rust tests
# (unit, integration, real SMTP servers on loopback) and the CTest suite (C tests, ASan+UBSan,
# valgrind).
set -euo pipefail
cd "$(dirname "$0")/.."
start=$(date +%s)

scripts/install-deps.sh

echo "== cargo fmt --check"
cargo fmt --all -- --check
echo "== cargo clippy -D warnings"
cargo clippy --all-targets --quiet -- -D warnings
echo "== cargo test (unit, integration and doc tests; benches are built by clippy, not run)"
cargo test
echo "== CTest"
build="${MISSIVE_BUILD_DIR:-build/test}"
# Reuse the debug build cargo test just made instead of a second, release build.
cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Debug -DMISSIVE_CARGO_PROFILE=dev \
  -DMISSIVE_BUILD_TESTS=ON >/dev/null
cmake --build "$build"
ctest --test-dir "$build" --output-on-failure -j2

echo "all tests passed in $(( $(date +%s) - start )) s"
