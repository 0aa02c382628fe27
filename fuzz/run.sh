#!/usr/bin/env bash
# Builds the fuzz targets and runs each briefly: `fuzz/run.sh [seconds-per-target]` (default 60).
# Needs a nightly toolchain and cargo-fuzz (`cargo install cargo-fuzz --locked`).
# New corpus entries go to fuzz/corpus/<target> (git-ignored), seeded from fuzz/seeds/<target>;
# crashes go to fuzz/artifacts/<target>. The saved regressions in fuzz/regressions/<target> are
# replayed first.
set -euo pipefail
secs="${1:-60}"
cd "$(dirname "$0")"
targets=(reply_parser address eml proxy_url)
cargo +nightly fuzz build >/tmp/missive-fuzz-build.log 2>&1 || { tail -n 30 /tmp/missive-fuzz-build.log; echo "build failed"; exit 1; }
status=0
for t in "${targets[@]}"; do
    mkdir -p "corpus/$t"
    regs=(regressions/"$t"/*)
    if [ -e "${regs[0]}" ]; then
        echo "== $t: replaying ${#regs[@]} saved regression input(s)"
        if ! cargo +nightly fuzz run "$t" "${regs[@]}" >"/tmp/missive-fuzz-$t-regress.log" 2>&1; then
            status=1
            echo "   FAIL: see /tmp/missive-fuzz-$t-regress.log"
        fi
    fi
    echo "== $t: fuzzing for ${secs}s"
    log="/tmp/missive-fuzz-$t.log"
    if cargo +nightly fuzz run "$t" "corpus/$t" "seeds/$t" -- \
        -rss_limit_mb=2048 -max_total_time="$secs" -print_final_stats=1 >"$log" 2>&1; then
        { grep -E '^#[0-9]+[[:space:]]+DONE' "$log" || true; } | tail -n 1
    else
        status=1
        echo "   CRASH: see $log and fuzz/artifacts/$t/"
        grep -E 'panicked at|ERROR: ' "$log" | head -n 3
    fi
done
exit $status
