//! `missive_message_collection`: an ordered list of messages, for sending in bulk.

use super::boundary::{ffi_boundary, try_arg, try_mut, try_ref};
use super::handle::{self, Handle};
use super::message::{MessageHandle, missive_message};
use super::result::{ErrorSlot, HasError, missive_result};

/// An ordered list of messages, sent together with `missive_client_send_collection`.
///
/// Create with `missive_message_collection_new`, free with `missive_message_collection_free`.
/// Thread safety: may be moved between threads; must not be used concurrently.
#[allow(non_camel_case_types)]
pub struct missive_message_collection {
    _private: [u8; 0],
}

/// What a `missive_message_collection *` points to. Each message is boxed so that pointers
/// handed out by `_get` stay valid while more are added.
#[derive(Debug, Default)]
pub(crate) struct CollectionHandle {
    #[allow(clippy::vec_box)] // the boxes keep `_get` pointers stable as the Vec grows
    pub(crate) messages: Vec<Box<MessageHandle>>,
    error: ErrorSlot,
}

impl HasError for CollectionHandle {
    fn error_slot(&self) -> &ErrorSlot {
        &self.error
    }
}

// SAFETY: `missive_message_collection` pointers are only made by `handle::into_raw` with a
// CollectionHandle.
unsafe impl Handle for missive_message_collection {
    type Inner = CollectionHandle;
}

const _: () = {
    const fn is_send<T: Send>() {}
    is_send::<CollectionHandle>();
};

/// Creates an empty collection; NULL only if a panic was caught. Free with
/// `missive_message_collection_free`.
///
/// Thread safety: safe to call from any thread.
/// Ownership: the caller owns the result and frees it with `missive_message_collection_free`.
#[unsafe(no_mangle)]
pub extern "C" fn missive_message_collection_new() -> *mut missive_message_collection {
    ffi_boundary! { handle::into_raw::<missive_message_collection>(CollectionHandle::default()) }
}

/// Frees a collection and the copies of the messages it holds. NULL is a no-op. Pointers
/// returned by `missive_message_collection_get` become invalid.
///
/// Thread safety: no other call on the handle may be in progress.
///
/// # Safety
/// `collection` is NULL or live, and freed exactly once.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn missive_message_collection_free(
    collection: *mut missive_message_collection,
) {
    ffi_boundary! {
        // SAFETY: forwarded contract.
        unsafe { handle::free(collection) }
    }
}

/// Appends a copy of `message`. Copies: the caller keeps `message`, may change or free it
/// afterwards without affecting the collection, and must still free it.
///
/// Returns MISSIVE_RESULT_NULL_ARGUMENT when either pointer is NULL.
///
/// Thread safety: changes the handle; no other call on it may run concurrently.
///
/// # Safety
/// `collection` is NULL or live and not used concurrently; `message` is NULL or live.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn missive_message_collection_add(
    collection: *mut missive_message_collection,
    message: *const missive_message,
) -> missive_result {
    ffi_boundary! {
        let c = try_mut!(collection);
        let m = try_arg!(c, message, "message");
        c.messages.push(Box::new(m.clone()));
        c.ok()
    }
}

/// The number of messages; 0 when `collection` is NULL.
///
/// Thread safety: read-only; may run concurrently with other read-only calls on the
/// same handle, not with calls that change it.
/// Ownership: arguments are borrowed for the call only; nothing is retained.
///
/// # Safety
/// `collection` is NULL or live.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn missive_message_collection_len(
    collection: *const missive_message_collection,
) -> usize {
    ffi_boundary! {
        let c = try_ref!(collection);
        c.messages.len()
    }
}

/// Borrows the message at `index`: valid until the collection is freed; do not free or change
/// it. NULL when `collection` is NULL or `index` is out of range.
///
/// Thread safety: read-only; may run concurrently with other read-only calls on the
/// same handle, not with calls that change it.
///
/// # Safety
/// `collection` is NULL or live.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn missive_message_collection_get(
    collection: *const missive_message_collection,
    index: usize,
) -> *const missive_message {
    ffi_boundary! {
        let c = try_ref!(collection);
        match c.messages.get(index) {
            Some(m) => handle::as_handle::<missive_message>(m),
            None => std::ptr::null(),
        }
    }
}

/// Copies the text of the most recent failure on `collection` (see `missive_message_error`).
///
/// Thread safety: read-only; may run concurrently with other read-only calls on the
/// same handle, not with calls that change it.
///
/// # Safety
/// `collection` is NULL or live; `buf` is NULL or has `buf_len` writable bytes; `out_len` is
/// NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn missive_message_collection_error(
    collection: *const missive_message_collection,
    buf: *mut std::ffi::c_char,
    buf_len: usize,
    out_len: *mut usize,
) -> missive_result {
    ffi_boundary! {
        let c = try_ref!(collection);
        // SAFETY: forwarded contract.
        unsafe { super::boundary::copy_error(c, buf, buf_len, out_len) }
    }
}
