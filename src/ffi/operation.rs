//! `missive_operation`: a send running in the background (`missive_client_send_async`,
//! `missive_client_send_collection_async`), with a completion callback, wait, cancel and its
//! outcomes.

use std::ffi::{c_char, c_void};
use std::sync::{Arc, OnceLock};
use std::time::Duration;

use super::boundary::{Userdata, copy_error, ffi_boundary, try_arg, try_ref};
use super::bulk::{BulkResultHandle, missive_bulk_result, prepare_all};
use super::client::{ClientHandle, missive_client, missive_userdata_free_cb};
use super::collection::missive_message_collection;
use super::handle::{self, Handle};
use super::message::missive_message;
use super::result::{ErrorSlot, HasError, missive_result};
use crate::deliver::{BulkReport, CompletionFn, DeliverError, Operation, Prepared};

/// A send running in the background on a thread the library owns.
///
/// Made by `missive_client_send_async` and `missive_client_send_collection_async`; free with
/// `missive_operation_free` (exactly once). Freeing it before it completes does not stop the
/// send (call `missive_operation_cancel` first for that): the send goes on, and the completion
/// callback still runs exactly once.
/// Thread safety: safe to use from multiple threads simultaneously.
#[allow(non_camel_case_types)]
pub struct missive_operation {
    _private: [u8; 0],
}

/// Called exactly once when an operation completes, on the library's worker thread for the
/// operation. `code` is the operation's result code (as `missive_operation_result_code`);
/// `result` holds one outcome per message, is borrowed, and is valid only during the call (the
/// same outcomes stay available from `missive_operation_result` while the operation handle
/// lives). The callback must not block for long; it may call any missive function, including
/// `missive_operation_free` on its own operation, but waiting on its own operation from the
/// callback deadlocks.
pub type missive_completion_cb = Option<
    unsafe extern "C" fn(
        userdata: *mut c_void,
        code: missive_result,
        result: *const missive_bulk_result,
    ),
>;

/// What a `missive_operation *` points to.
pub(crate) struct OperationHandle {
    op: Operation,
    result: Arc<OnceLock<BulkResultHandle>>,
    error: ErrorSlot,
}

impl HasError for OperationHandle {
    fn error_slot(&self) -> &ErrorSlot {
        &self.error
    }
}

// SAFETY: `missive_operation` pointers are only made by `handle::into_raw` with an
// OperationHandle.
unsafe impl Handle for missive_operation {
    type Inner = OperationHandle;
}

const _: () = {
    const fn is_send_sync<T: Send + Sync>() {}
    is_send_sync::<OperationHandle>();
};

impl OperationHandle {
    fn done_result(&self) -> Option<&BulkResultHandle> {
        if self.op.is_done() {
            self.result.get()
        } else {
            None
        }
    }
}

/// The completion callback and its userdata; `userdata_free` runs when it is dropped.
struct Completion {
    cb: missive_completion_cb,
    data: Userdata,
}

/// Starts the operation and writes the handle.
///
/// # Safety
/// `out_op` is writable (checked non-NULL by the caller).
unsafe fn start(
    h: &ClientHandle,
    items: Vec<Result<Prepared, DeliverError>>,
    single: bool,
    completion: Completion,
    out_op: *mut *mut missive_operation,
) -> missive_result {
    let result: Arc<OnceLock<BulkResultHandle>> = Arc::new(OnceLock::new());
    let slot = result.clone();
    let on_done: CompletionFn = Box::new(move |report: &BulkReport| {
        let r = slot.get_or_init(|| BulkResultHandle::from_report(report, single));
        if let Some(cb) = completion.cb {
            // SAFETY: the caller promised `cb` is valid and may run on the worker thread.
            unsafe {
                cb(
                    completion.data.ptr(),
                    r.code,
                    handle::as_handle::<missive_bulk_result>(r),
                )
            };
        }
        drop(completion); // userdata_free, after the callback
    });
    match h.client.send_bulk_async(items, Some(on_done)) {
        Ok(op) => {
            let oh = OperationHandle {
                op,
                result,
                error: ErrorSlot::default(),
            };
            // SAFETY: the caller checked `out_op` and it is writable.
            unsafe { *out_op = handle::into_raw::<missive_operation>(oh) };
            h.ok()
        }
        Err((e, on_done)) => {
            // The callback has not run and will not: keep the promise that neither it nor
            // userdata_free is called when the start fails (the closure is leaked, not dropped).
            std::mem::forget(on_done);
            h.fail(
                missive_result::Io,
                format!(
                    "cannot start a worker thread: {}",
                    crate::message::error::io_reason(&e)
                ),
            )
        }
    }
}

/// Starts sending `message` in the background and returns at once with `*out_op`, an operation
/// the caller frees with `missive_operation_free`. The message is copied (prepared) before the
/// call returns: the caller may change or free it at once.
///
/// `cb` (may be NULL) is called exactly once when the send completes, on a worker thread the
/// library owns (see `missive_completion_cb`); then `userdata_free` (may be NULL) is called with
/// `userdata`. The operation's code is that of `missive_client_send` for the message
/// (MISSIVE_RESULT_CANCELLED when cancelled before it started).
///
/// Returns MISSIVE_RESULT_OK when started; MISSIVE_RESULT_NULL_ARGUMENT when `client`, `message` or
/// `out_op` is NULL; MISSIVE_RESULT_IO when no thread could be started. On failure `*out_op` is not
/// written and neither `cb` nor `userdata_free` is ever called (the caller keeps `userdata`).
///
/// Ownership: borrows `client` and `message` for the call (the operation keeps what it needs,
/// so the client may be freed before the operation completes); the operation keeps `userdata`
/// until it calls `userdata_free`; the caller owns `*out_op`.
/// Thread safety: safe to call from several threads at once on the same client; `cb` and
/// `userdata` must be usable from another thread.
///
/// # Safety
/// `client` is NULL or live; `message` is NULL or live and not changed during the call;
/// `cb` and `userdata_free` are NULL or valid functions; `out_op` is NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn missive_client_send_async(
    client: *mut missive_client,
    message: *const missive_message,
    cb: missive_completion_cb,
    userdata: *mut c_void,
    userdata_free: missive_userdata_free_cb,
    out_op: *mut *mut missive_operation,
) -> missive_result {
    ffi_boundary! {
        let h = try_ref!(client.cast_const());
        let m = try_arg!(h, message, "message");
        if out_op.is_null() {
            return h.fail(missive_result::NullArgument, "out_op is NULL");
        }
        let items = vec![m.prepared_for(&h.client).map_err(DeliverError::from)];
        let completion = Completion { cb, data: Userdata::new(userdata, userdata_free) };
        // SAFETY: `out_op` checked non-NULL; the caller guarantees it is writable.
        unsafe { start(h, items, true, completion, out_op) }
    }
}

/// Starts sending every message of `collection` in the background (as
/// `missive_client_send_collection`, with the client's multi-connection, retry and progress
/// settings) and returns at once with `*out_op`, which the caller frees with
/// `missive_operation_free`. The messages are copied (prepared) before the call returns.
///
/// `cb` (may be NULL) is called exactly once when every message has its outcome, on a worker
/// thread the library owns (see `missive_completion_cb`); then `userdata_free` (may be NULL) is
/// called with `userdata`. The progress callback, if set, also runs on the library's threads.
///
/// Returns MISSIVE_RESULT_OK when started; MISSIVE_RESULT_NULL_ARGUMENT when `client`, `collection`
/// or `out_op` is NULL; MISSIVE_RESULT_IO when no thread could be started. On failure `*out_op` is
/// not written and neither `cb` nor `userdata_free` is ever called.
///
/// Ownership: borrows `client` and `collection` for the call (the operation keeps what it
/// needs); the operation keeps `userdata` until it calls `userdata_free`; the caller owns
/// `*out_op`.
/// Thread safety: safe to call from several threads at once on the same client; `cb` and
/// `userdata` must be usable from another thread.
///
/// # Safety
/// `client` is NULL or live; `collection` is NULL or live and not changed during the call;
/// `cb` and `userdata_free` are NULL or valid functions; `out_op` is NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn missive_client_send_collection_async(
    client: *mut missive_client,
    collection: *const missive_message_collection,
    cb: missive_completion_cb,
    userdata: *mut c_void,
    userdata_free: missive_userdata_free_cb,
    out_op: *mut *mut missive_operation,
) -> missive_result {
    ffi_boundary! {
        let h = try_ref!(client.cast_const());
        let c = try_arg!(h, collection, "collection");
        if out_op.is_null() {
            return h.fail(missive_result::NullArgument, "out_op is NULL");
        }
        let items = prepare_all(c, &h.client);
        let completion = Completion { cb, data: Userdata::new(userdata, userdata_free) };
        // SAFETY: `out_op` checked non-NULL; the caller guarantees it is writable.
        unsafe { start(h, items, false, completion, out_op) }
    }
}

/// Waits until the operation completes (and its completion callback has returned), at most
/// `timeout_ms` milliseconds; a negative `timeout_ms` waits without limit, 0 only checks.
/// Returns MISSIVE_RESULT_PENDING when the time ran out first, else the operation's code (as
/// `missive_operation_result_code`). MISSIVE_RESULT_NULL_ARGUMENT when `op` is NULL.
///
/// Ownership: borrows `op` for the call. Thread safety: safe to call from several threads at
/// once; never from the operation's own completion callback (it would wait for itself).
///
/// # Safety
/// `op` is NULL or live.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn missive_operation_wait(
    op: *const missive_operation,
    timeout_ms: i64,
) -> missive_result {
    ffi_boundary! {
        let h = try_ref!(op);
        let timeout = u64::try_from(timeout_ms).ok().map(Duration::from_millis);
        if h.op.wait(timeout).is_none() {
            return h.fail(missive_result::Pending,
                format!("the operation did not complete within {timeout_ms} ms"));
        }
        match h.result.get() {
            Some(r) if r.code == missive_result::Ok => h.ok(),
            Some(r) => h.fail(r.code, r.summary.clone()),
            None => h.fail(missive_result::Panic, "the operation ended without outcomes"),
        }
    }
}

/// Cancels the operation: batches already being sent finish, messages not yet started are reported
/// MISSIVE_BULK_STATUS_NOT_ATTEMPTED, and the completion callback still runs once. Does nothing
/// when the operation is already done. Returns MISSIVE_RESULT_OK; MISSIVE_RESULT_NULL_ARGUMENT when
/// `op` is NULL.
///
/// Ownership: borrows `op` for the call. Thread safety: safe to call from any thread, also from
/// the progress and completion callbacks.
///
/// # Safety
/// `op` is NULL or live.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn missive_operation_cancel(op: *const missive_operation) -> missive_result {
    ffi_boundary! {
        let h = try_ref!(op);
        h.op.cancel();
        h.ok()
    }
}

/// Whether the operation has completed (its completion callback has returned); false when `op`
/// is NULL.
///
/// Ownership: borrows `op` for the call. Thread safety: safe to call from any thread.
///
/// # Safety
/// `op` is NULL or live.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn missive_operation_is_done(op: *const missive_operation) -> bool {
    ffi_boundary! { try_ref!(op).op.is_done() }
}

/// The operation's code: MISSIVE_RESULT_PENDING while it runs; then as `missive_bulk_result_code`
/// (for `missive_client_send_async`, the code `missive_client_send` would have returned).
/// MISSIVE_RESULT_NULL_ARGUMENT when `op` is NULL.
///
/// Ownership: borrows `op` for the call. Thread safety: safe to call from any thread.
///
/// # Safety
/// `op` is NULL or live.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn missive_operation_result_code(
    op: *const missive_operation,
) -> missive_result {
    ffi_boundary! {
        let h = try_ref!(op);
        h.done_result().map_or(missive_result::Pending, |r| r.code)
    }
}

/// Borrows the outcomes (one per message, in order; one for `missive_client_send_async`) once
/// the operation is done; NULL while it runs or when `op` is NULL. Valid until the operation is
/// freed; never free it with `missive_bulk_result_free`.
///
/// Ownership: borrowed from `op`. Thread safety: safe to call from any thread; the result never
/// changes once available.
///
/// # Safety
/// `op` is NULL or live.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn missive_operation_result(
    op: *const missive_operation,
) -> *const missive_bulk_result {
    ffi_boundary! {
        let h = try_ref!(op);
        match h.done_result() {
            Some(r) => handle::as_handle::<missive_bulk_result>(r),
            None => std::ptr::null(),
        }
    }
}

/// Copies the text of the most recent failure of a call on `op` (e.g. the summary of failed
/// messages after `missive_operation_wait`), see `missive_message_error`.
///
/// Ownership: borrows `op`; the text is copied into `buf`. Thread safety: safe from any thread.
///
/// # Safety
/// `op` is NULL or live; `buf` is NULL or has `buf_len` writable bytes; `out_len` writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn missive_operation_error(
    op: *const missive_operation,
    buf: *mut c_char,
    buf_len: usize,
    out_len: *mut usize,
) -> missive_result {
    ffi_boundary! {
        let h = try_ref!(op);
        // SAFETY: forwarded contract.
        unsafe { copy_error(h, buf, buf_len, out_len) }
    }
}

/// Frees the operation handle. NULL is a no-op. Freeing before completion does not cancel:
/// the send goes on in the background and the completion callback still runs exactly once
/// (call `missive_operation_cancel` first to stop it). Pointers from `missive_operation_result`
/// become invalid.
///
/// Ownership: takes ownership of `op`; the pointer is invalid afterwards.
/// Thread safety: no other call on `op` may be in progress; may be called from the completion
/// callback.
///
/// # Safety
/// `op` is NULL or live, and freed exactly once.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn missive_operation_free(op: *mut missive_operation) {
    ffi_boundary! {
        // SAFETY: forwarded contract.
        unsafe { handle::free(op) }
    }
}
