//! Fuzzes the loader and the editor: `eml::load_bytes`, `to_mime` and reloading. The invariants
//! are in `tests/support/eml_invariants.rs`, shared with the replay of saved regressions.
#![no_main]

use libfuzzer_sys::fuzz_target;

#[path = "../../tests/support/eml_invariants.rs"]
mod eml_invariants;

fuzz_target!(|data: &[u8]| eml_invariants::check(data));
