//! The boundary between C and Rust: panics caught, NULL mapped by return type, text checked.

use std::ffi::c_char;

use super::result::{HasError, missive_result};

/// What a function gives back when an argument is NULL or a panic was caught, by return type.
pub(crate) trait FfiDefault {
    fn on_null() -> Self;
    fn on_panic() -> Self;
}

impl FfiDefault for missive_result {
    fn on_null() -> Self {
        missive_result::NullArgument
    }
    fn on_panic() -> Self {
        missive_result::Panic
    }
}

impl<T> FfiDefault for *mut T {
    fn on_null() -> Self {
        std::ptr::null_mut()
    }
    fn on_panic() -> Self {
        std::ptr::null_mut()
    }
}

impl<T> FfiDefault for *const T {
    fn on_null() -> Self {
        std::ptr::null()
    }
    fn on_panic() -> Self {
        std::ptr::null()
    }
}

impl FfiDefault for usize {
    fn on_null() -> Self {
        0
    }
    fn on_panic() -> Self {
        0
    }
}

impl FfiDefault for u16 {
    fn on_null() -> Self {
        0
    }
    fn on_panic() -> Self {
        0
    }
}

impl FfiDefault for bool {
    fn on_null() -> Self {
        false
    }
    fn on_panic() -> Self {
        false
    }
}

impl FfiDefault for () {
    fn on_null() -> Self {}
    fn on_panic() -> Self {}
}

/// Runs the body with panics caught: a panic becomes the return type's `on_panic` value.
macro_rules! ffi_boundary {
    ($($body:tt)*) => {
        match ::std::panic::catch_unwind(::std::panic::AssertUnwindSafe(|| { $($body)* })) {
            Ok(value) => value,
            Err(_) => $crate::ffi::boundary::FfiDefault::on_panic(),
        }
    };
}
pub(crate) use ffi_boundary;

/// Borrows a handle or returns the NULL value of the function's return type.
macro_rules! try_ref {
    ($ptr:expr) => {
        // SAFETY: the function's contract says the pointer is NULL or a live handle.
        match unsafe { $crate::ffi::handle::borrow($ptr) } {
            Some(inner) => inner,
            None => return $crate::ffi::boundary::FfiDefault::on_null(),
        }
    };
}
pub(crate) use try_ref;

/// Borrows a second handle argument; when it is NULL, stores the problem on `$owner` (the
/// handle the call is made on) and returns MISSIVE_RESULT_NULL_ARGUMENT.
macro_rules! try_arg {
    ($owner:expr, $ptr:expr, $what:expr) => {
        // SAFETY: the function's contract says the pointer is NULL or a live handle.
        match unsafe { $crate::ffi::handle::borrow($ptr) } {
            Some(inner) => inner,
            None => {
                return $crate::ffi::result::HasError::fail(
                    $owner,
                    $crate::ffi::result::missive_result::NullArgument,
                    format!("{} is NULL", $what),
                );
            }
        }
    };
}
pub(crate) use try_arg;

/// Borrows a handle mutably or returns the NULL value of the function's return type.
macro_rules! try_mut {
    ($ptr:expr) => {
        // SAFETY: the function's contract says the pointer is NULL or a live handle that is not
        // used concurrently.
        match unsafe { $crate::ffi::handle::borrow_mut($ptr) } {
            Some(inner) => inner,
            None => return $crate::ffi::boundary::FfiDefault::on_null(),
        }
    };
}
pub(crate) use try_mut;

/// Reads a (pointer, length) UTF-8 argument, or stores the problem on `$owner` and returns it.
macro_rules! try_str {
    ($owner:expr, $ptr:expr, $len:expr, $what:expr) => {
        // SAFETY: the function's contract says `$ptr` points to `$len` readable bytes.
        match unsafe { $crate::ffi::boundary::text_arg($ptr, $len, $what) } {
            Ok(s) => s,
            Err((code, text)) => {
                return $crate::ffi::result::HasError::fail($owner, code, text);
            }
        }
    };
}
pub(crate) use try_str;

/// Reads a (pointer, length) byte argument, or stores the problem on `$owner` and returns it.
macro_rules! try_bytes {
    ($owner:expr, $ptr:expr, $len:expr, $what:expr) => {
        // SAFETY: the function's contract says `$ptr` points to `$len` readable bytes.
        match unsafe { $crate::ffi::boundary::bytes_arg($ptr, $len, $what) } {
            Ok(s) => s,
            Err((code, text)) => {
                return $crate::ffi::result::HasError::fail($owner, code, text);
            }
        }
    };
}
pub(crate) use try_bytes;

/// A byte argument: `(NULL, 0)` is empty; `(NULL, n > 0)` is MISSIVE_RESULT_NULL_ARGUMENT.
///
/// # Safety
/// `ptr` is NULL or points to `len` readable bytes that stay valid for `'a`.
pub(crate) unsafe fn bytes_arg<'a>(
    ptr: *const u8,
    len: usize,
    what: &str,
) -> Result<&'a [u8], (missive_result, String)> {
    if ptr.is_null() {
        if len == 0 {
            return Ok(&[]);
        }
        return Err((
            missive_result::NullArgument,
            format!("{what} is NULL but its length is {len}"),
        ));
    }
    if len > isize::MAX as usize {
        return Err((
            missive_result::InvalidArgument,
            format!("the length of {what} ({len}) is larger than any object can be"),
        ));
    }
    // SAFETY: checked non-NULL above; the caller guarantees `len` readable bytes.
    Ok(unsafe { std::slice::from_raw_parts(ptr, len) })
}

/// A UTF-8 text argument, as [`bytes_arg`] plus UTF-8 validation.
///
/// # Safety
/// As [`bytes_arg`].
pub(crate) unsafe fn text_arg<'a>(
    ptr: *const c_char,
    len: usize,
    what: &str,
) -> Result<&'a str, (missive_result, String)> {
    // SAFETY: forwarded contract.
    let bytes = unsafe { bytes_arg(ptr.cast::<u8>(), len, what) }?;
    std::str::from_utf8(bytes).map_err(|e| {
        (
            missive_result::InvalidUtf8,
            format!(
                "{what} is not valid UTF-8 (invalid byte at offset {})",
                e.valid_up_to()
            ),
        )
    })
}

/// Copies `value` out with the size-then-fill pattern. On MISSIVE_RESULT_OK and on
/// MISSIVE_RESULT_BUFFER_TOO_SMALL, `*out_len` receives the number of bytes the full value needs in
/// `buf` (including a terminating NUL when `nul` is set); on other failures nothing is written.
/// With `buf == NULL && buf_len == 0` only the size is reported; with a buffer that is too small,
/// nothing is written to it and MISSIVE_RESULT_BUFFER_TOO_SMALL is returned.
///
/// # Safety
/// `buf` is NULL or points to `buf_len` writable bytes; `out_len` is NULL or writable.
pub(crate) unsafe fn write_out(
    owner: &impl HasError,
    value: &[u8],
    nul: bool,
    buf: *mut u8,
    buf_len: usize,
    out_len: *mut usize,
) -> missive_result {
    if out_len.is_null() {
        return owner.fail(missive_result::NullArgument, "out_len is NULL");
    }
    if buf.is_null() && buf_len > 0 {
        return owner.fail(
            missive_result::NullArgument,
            format!("buf is NULL but buf_len is {buf_len}"),
        );
    }
    let needed = value.len() + usize::from(nul);
    // SAFETY: checked non-NULL; the caller guarantees it is writable.
    unsafe { *out_len = needed };
    if buf.is_null() {
        return owner.ok();
    }
    if buf_len < needed {
        return owner.fail(
            missive_result::BufferTooSmall,
            format!("the buffer holds {buf_len} bytes; {needed} are needed"),
        );
    }
    // SAFETY: `buf` has `buf_len >= needed` writable bytes; `value` does not overlap it (it is
    // Rust-owned data).
    unsafe {
        std::ptr::copy_nonoverlapping(value.as_ptr(), buf, value.len());
        if nul {
            *buf.add(value.len()) = 0;
        }
    }
    owner.ok()
}

/// Copies the owner's error text out (size-then-fill, NUL-terminated) without disturbing it.
///
/// # Safety
/// As [`write_out`].
pub(crate) unsafe fn copy_error(
    owner: &impl HasError,
    buf: *mut c_char,
    buf_len: usize,
    out_len: *mut usize,
) -> missive_result {
    let text = owner.error_slot().get();
    // SAFETY: forwarded contract.
    let r = unsafe { write_out(owner, text.as_bytes(), true, buf.cast(), buf_len, out_len) };
    // write_out records its own outcome; the text asked for stays the handle's error.
    owner.error_slot().set(text);
    r
}

/// A C caller's callback userdata: handed to its `userdata_free` (if any) exactly once, when
/// the last holder drops it.
pub(crate) struct Userdata {
    ptr: *mut std::ffi::c_void,
    free: Option<unsafe extern "C" fn(*mut std::ffi::c_void)>,
}

// SAFETY: every function that takes a callback documents that its userdata must be usable from
// any thread (library threads run callbacks and free userdata).
unsafe impl Send for Userdata {}
// SAFETY: as above; the library only passes the pointer on, it never dereferences it.
unsafe impl Sync for Userdata {}

impl Userdata {
    pub(crate) fn new(
        ptr: *mut std::ffi::c_void,
        free: Option<unsafe extern "C" fn(*mut std::ffi::c_void)>,
    ) -> Self {
        Userdata { ptr, free }
    }

    /// The pointer, to pass to the callback.
    pub(crate) fn ptr(&self) -> *mut std::ffi::c_void {
        self.ptr
    }
}

impl Drop for Userdata {
    fn drop(&mut self) {
        if let Some(free) = self.free {
            // SAFETY: the caller supplied `free` for exactly this userdata; it runs once.
            unsafe { free(self.ptr) };
        }
    }
}
