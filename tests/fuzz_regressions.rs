//! Replays the inputs the `eml` fuzz target found (`fuzz/regressions/eml/`) and its seeds
//! through the same invariants, so a fixed bug stays fixed without a nightly toolchain.

#[path = "support/eml_invariants.rs"]
mod eml_invariants;

use std::path::Path;

fn replay(dir: &Path) -> usize {
    let mut n = 0;
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        let data = std::fs::read(&path).unwrap();
        let r = std::panic::catch_unwind(|| eml_invariants::check(&data));
        assert!(r.is_ok(), "{} breaks an invariant", path.display());
        n += 1;
    }
    n
}

#[test]
fn eml_fuzz_regressions_and_seeds_hold() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz");
    let regressions = replay(&root.join("regressions/eml"));
    let seeds = replay(&root.join("seeds/eml"));
    assert!(
        regressions >= 1 && seeds >= 10,
        "{regressions} regressions, {seeds} seeds"
    );
}
