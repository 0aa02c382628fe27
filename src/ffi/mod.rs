//! The C ABI: thin functions that check arguments, call the core, store the error and return a
//! code. This module is the only one with `unsafe` code; raw pointers are made and turned back
//! into Rust objects only in `handle`.
#![allow(clippy::missing_safety_doc)] // every function documents its contract under "# Safety"
#![allow(non_camel_case_types)] // C names: missive_client, missive_log_cb, ...

pub mod appointment;
pub(crate) mod boundary;
pub mod bulk;
pub mod client;
pub mod collection;
pub mod forward;
pub(crate) mod handle;
pub mod message;
pub mod operation;
pub mod pickup;
pub mod queue;
pub mod result;
pub mod send_result;
pub mod tnef;

use std::ffi::c_char;

pub use result::missive_result;

/// The library's version as a static NUL-terminated string, e.g. "0.1.0". Compare with the
/// `MISSIVE_VERSION_*` macros of the header you compiled against.
///
/// Ownership: the string is static; do not free it. Never NULL.
/// Thread safety: safe to call from any thread.
#[unsafe(no_mangle)]
pub extern "C" fn missive_version() -> *const c_char {
    concat!(env!("CARGO_PKG_VERSION"), "\0").as_ptr().cast()
}

/// Test hook: panics inside the library and returns `MISSIVE_RESULT_PANIC`, showing that a
/// panic never unwinds into C. Prints the panic message to stderr. Not for production use.
///
/// Ownership: takes no arguments and owns nothing. NULL: no pointer arguments.
/// Thread safety: safe to call from any thread.
#[unsafe(no_mangle)]
pub extern "C" fn missive_test_panic() -> missive_result {
    boundary::ffi_boundary! {
        let v: Vec<u8> = Vec::new();
        let i = v.len() + 1;
        // An out-of-bounds index: a real panic, as a bug would cause.
        if v[i] == 0 { missive_result::Ok } else { missive_result::InvalidArgument }
    }
}
