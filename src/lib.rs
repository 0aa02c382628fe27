//! missive: an email-sending library with a stable C ABI.
//!
//! The domain modules are safe Rust and usable as a plain Rust crate; `ffi` is the C ABI and
//! the only module that contains `unsafe` code.

pub mod calendar;
pub mod deliver;
pub mod ffi;
pub mod message;
pub mod smtp;
pub mod tnef;
