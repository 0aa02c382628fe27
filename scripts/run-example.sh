#!/usr/bin/env bash
# The main job: build missive, build examples/c/send_message.c against it and run it.
# With no server configured the message is delivered into ./outbox (a pickup directory).
set -euo pipefail
cd "$(dirname "$0")/.."
target="${CARGO_TARGET_DIR:-$PWD/target}"
cargo build --release --lib
mkdir -p "$target/examples-c"
cc -std=c11 -Wall -Wextra -Werror -Iinclude examples/c/send_message.c \
   "$target/release/libmissive.a" -lpthread -ldl -lm -o "$target/examples-c/send_message"
"$target/examples-c/send_message"
