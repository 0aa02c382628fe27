//! `missive_bulk_result`: one outcome per message of a collection; the client's bulk settings
//! (multi-connection, retry policy, progress callback).

use std::ffi::{c_char, c_void};
use std::sync::Arc;

use super::boundary::{Userdata, copy_error, ffi_boundary, try_arg, try_ref, write_out};
use super::client::{ClientHandle, missive_client, missive_userdata_free_cb};
use super::collection::missive_message_collection;
use super::handle::{self, Handle};
use super::result::{ErrorSlot, HasError, missive_result};
use super::send_result::{SendResultHandle, missive_send_result};
use crate::deliver::{
    BulkReport, CancelToken, DeliverError, MAX_BATCH_SIZE, MAX_CONNECTIONS, Outcome, Prepared,
    Progress,
};

/// What happened to one message of a bulk send (`out_status` of `missive_bulk_result_item`,
/// and the `status` argument of `missive_bulk_result_count`, as `int32_t`).
#[repr(C)]
#[allow(non_camel_case_types)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum missive_bulk_status {
    /// Delivered (accepted by the server, or written into the pickup directory).
    Sent = 0,
    /// Not delivered: the server refused it, or it could not be sent (see the code, the send
    /// result's reply and `missive_send_result_is_transient`).
    Failed = 1,
    /// The connection was lost after the whole message was sent and before the server's
    /// verdict: it may or may not have been delivered. Not sent again unless the retry policy
    /// says so.
    Unknown = 2,
    /// Not sent at all: the send was cancelled before this message was started.
    NotAttempted = 3,
}

/// The outcomes of a bulk send, one per message in the collection's order: status, result
/// code, error text and a send result (the server's reply, recipients) for each.
///
/// Made by `missive_client_send_collection`; free with `missive_bulk_result_free`. Those of an
/// operation (`missive_operation_result`) belong to the operation.
/// Thread safety: safe to use from multiple threads simultaneously (it never changes).
#[allow(non_camel_case_types)]
pub struct missive_bulk_result {
    _private: [u8; 0],
}

/// One message's outcome; its code and text are those of its send result.
#[derive(Debug)]
pub(crate) struct BulkItem {
    status: missive_bulk_status,
    result: SendResultHandle,
}

/// What a `missive_bulk_result *` points to.
#[derive(Debug)]
pub(crate) struct BulkResultHandle {
    items: Vec<BulkItem>,
    pub(crate) code: missive_result,
    pub(crate) summary: String,
    cancelled: bool,
    error: ErrorSlot,
}

impl HasError for BulkResultHandle {
    fn error_slot(&self) -> &ErrorSlot {
        &self.error
    }
}

// SAFETY: `missive_bulk_result` pointers are only made by `handle::into_raw` or
// `handle::as_handle` with a BulkResultHandle.
unsafe impl Handle for missive_bulk_result {
    type Inner = BulkResultHandle;
}

const _: () = {
    const fn is_send_sync<T: Send + Sync>() {}
    is_send_sync::<BulkResultHandle>();
};

impl BulkResultHandle {
    /// The C view of a report. `single`: the report of one message, whose code becomes the
    /// overall code.
    pub(crate) fn from_report(report: &BulkReport, single: bool) -> Self {
        let items: Vec<BulkItem> = report.outcomes.iter().map(item_of).collect();
        let total = items.len();
        let not_sent: Vec<(usize, &BulkItem)> = items
            .iter()
            .enumerate()
            .filter(|(_, it)| it.status != missive_bulk_status::Sent)
            .collect();
        let sent = total - not_sent.len();
        let not_attempted = items
            .iter()
            .filter(|it| it.status == missive_bulk_status::NotAttempted)
            .count();
        let (code, summary) = if single && total == 1 {
            (items[0].result.code, items[0].result.detail.clone())
        } else if not_sent.is_empty() {
            (missive_result::Ok, String::new())
        } else {
            // Each reason once, with the messages it applies to (a server that cannot be reached
            // fails every message the same way).
            let mut groups: Vec<(&str, Vec<usize>)> = Vec::new();
            for (i, it) in not_sent
                .iter()
                .filter(|(_, it)| it.status != missive_bulk_status::NotAttempted)
            {
                match groups.iter_mut().find(|(t, _)| *t == it.result.detail) {
                    Some((_, idx)) => idx.push(*i),
                    None => groups.push((&it.result.detail, vec![*i])),
                }
            }
            let text = if sent == 0 && not_attempted == 0 && groups.len() == 1 {
                if total == 1 {
                    format!("the message was not delivered: {}", groups[0].0)
                } else {
                    format!(
                        "none of the {total} messages was delivered: {}",
                        groups[0].0
                    )
                }
            } else {
                let mut text = format!("{} of {total} messages not delivered", not_sent.len());
                if not_attempted > 0 {
                    text.push_str(&format!(" ({not_attempted} not attempted: cancelled)"));
                }
                let listed: Vec<String> = groups
                    .iter()
                    .take(10)
                    .map(|(why, idx)| {
                        let shown: Vec<String> =
                            idx.iter().take(10).map(|i| i.to_string()).collect();
                        let label = if idx.len() == 1 {
                            "message"
                        } else {
                            "messages"
                        };
                        let more = if idx.len() > 10 {
                            format!(" and {} more", idx.len() - 10)
                        } else {
                            String::new()
                        };
                        format!("{label} {}{more}: {why}", shown.join(", "))
                    })
                    .collect();
                if !listed.is_empty() {
                    text.push_str(": ");
                    text.push_str(&listed.join("; "));
                }
                if groups.len() > 10 {
                    text.push_str(&format!("; and {} other reasons", groups.len() - 10));
                }
                text
            };
            let code = if report.cancelled && not_attempted > 0 {
                missive_result::Cancelled
            } else if sent == 0 {
                not_sent[0].1.result.code
            } else {
                missive_result::PartialFailure
            };
            (code, text)
        };
        BulkResultHandle {
            items,
            code,
            summary,
            cancelled: report.cancelled,
            error: ErrorSlot::default(),
        }
    }
}

fn item_of(o: &Outcome) -> BulkItem {
    match o {
        Outcome::Sent(d) => BulkItem {
            status: missive_bulk_status::Sent,
            result: SendResultHandle::from_outcome(&Ok(d.clone())),
        },
        Outcome::Failed(e) | Outcome::Unknown(e) => BulkItem {
            status: if matches!(o, Outcome::Unknown(_)) {
                missive_bulk_status::Unknown
            } else {
                missive_bulk_status::Failed
            },
            result: SendResultHandle::from_outcome(&Err(e.clone())),
        },
        Outcome::NotAttempted => BulkItem {
            status: missive_bulk_status::NotAttempted,
            result: SendResultHandle::not_attempted(),
        },
    }
}

/// The prepared messages of a collection (each an error when it cannot be written).
pub(crate) fn prepare_all(
    c: &super::collection::CollectionHandle,
    client: &crate::deliver::Client,
) -> Vec<Result<Prepared, DeliverError>> {
    c.messages
        .iter()
        .map(|m| m.prepared_for(client).map_err(DeliverError::from))
        .collect()
}

/// Sends a collection and reports it (the body of `missive_client_send_collection`).
///
/// # Safety
/// `collection` is NULL or live and not changed during the call; `out_result` is NULL or
/// writable.
pub(crate) unsafe fn send_collection(
    h: &ClientHandle,
    collection: *const missive_message_collection,
    out_result: *mut *mut missive_bulk_result,
) -> missive_result {
    let c = try_arg!(h, collection, "collection");
    let items = prepare_all(c, &h.client);
    let report = h.client.send_bulk_prepared(&items, &CancelToken::new());
    let r = BulkResultHandle::from_report(&report, false);
    let (code, summary) = (r.code, r.summary.clone());
    if !out_result.is_null() {
        // SAFETY: checked non-NULL; the caller guarantees it is writable.
        unsafe { *out_result = handle::into_raw::<missive_bulk_result>(r) };
    }
    if code == missive_result::Ok {
        h.ok()
    } else {
        h.fail(code, summary)
    }
}

/// Frees a bulk result made by `missive_client_send_collection`. NULL is a no-op. Never free
/// the result of an operation (`missive_operation_result`): the operation owns it.
///
/// Ownership: takes ownership of `result`; the pointer and the send results borrowed from it
/// are invalid afterwards.
/// Thread safety: no other call on the result may be in progress.
///
/// # Safety
/// `result` is NULL or live, owned by the caller, and freed exactly once.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn missive_bulk_result_free(result: *mut missive_bulk_result) {
    ffi_boundary! {
        // SAFETY: forwarded contract.
        unsafe { handle::free(result) }
    }
}

/// The number of outcomes (the number of messages sent together); 0 when `result` is NULL.
///
/// Ownership: borrows `result` for the call. Thread safety: safe from any thread.
///
/// # Safety
/// `result` is NULL or live.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn missive_bulk_result_len(result: *const missive_bulk_result) -> usize {
    ffi_boundary! { try_ref!(result).items.len() }
}

/// The number of messages with `status` (a `missive_bulk_status`); 0 for an unknown status or when
/// `result` is NULL. SENT + FAILED + UNKNOWN + MISSIVE_BULK_STATUS_NOT_ATTEMPTED =
/// `missive_bulk_result_len`.
///
/// Ownership: borrows `result` for the call. Thread safety: safe from any thread.
///
/// # Safety
/// `result` is NULL or live.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn missive_bulk_result_count(
    result: *const missive_bulk_result,
    status: i32,
) -> usize {
    ffi_boundary! {
        let h = try_ref!(result);
        h.items.iter().filter(|it| it.status as i32 == status).count()
    }
}

/// The overall code: MISSIVE_RESULT_OK when every message was sent (or there were none);
/// MISSIVE_RESULT_CANCELLED when the send was cancelled and some messages were not attempted; the
/// first failure's code when none was sent; MISSIVE_RESULT_PARTIAL_FAILURE otherwise. For a
/// single-message operation, that message's code. MISSIVE_RESULT_NULL_ARGUMENT when `result` is
/// NULL.
///
/// Ownership: borrows `result` for the call. Thread safety: safe from any thread.
///
/// # Safety
/// `result` is NULL or live.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn missive_bulk_result_code(
    result: *const missive_bulk_result,
) -> missive_result {
    ffi_boundary! { try_ref!(result).code }
}

/// Whether the send was cancelled (by `missive_operation_cancel` or the progress callback).
/// False when `result` is NULL.
///
/// Ownership: borrows `result` for the call. Thread safety: safe from any thread.
///
/// # Safety
/// `result` is NULL or live.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn missive_bulk_result_was_cancelled(
    result: *const missive_bulk_result,
) -> bool {
    ffi_boundary! { try_ref!(result).cancelled }
}

/// The outcome of message `index`: `*out_status` (when not NULL) receives its
/// `missive_bulk_status`, `*out_code` (when not NULL) its result code (MISSIVE_RESULT_OK when sent;
/// MISSIVE_RESULT_SOME_RECIPIENTS_REJECTED when sent to only some; the failure's code,
/// MISSIVE_RESULT_OUTCOME_UNKNOWN for UNKNOWN; MISSIVE_RESULT_CANCELLED for
/// MISSIVE_BULK_STATUS_NOT_ATTEMPTED). Returns MISSIVE_RESULT_INDEX_OUT_OF_RANGE past the end.
///
/// Ownership: borrows `result` for the call; writes the outputs. Thread safety: safe from any
/// thread.
///
/// # Safety
/// `result` is NULL or live; `out_status` and `out_code` are NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn missive_bulk_result_item(
    result: *const missive_bulk_result,
    index: usize,
    out_status: *mut i32,
    out_code: *mut missive_result,
) -> missive_result {
    ffi_boundary! {
        let h = try_ref!(result);
        let Some(it) = h.items.get(index) else {
            return h.fail(missive_result::IndexOutOfRange,
                format!("index {index} is past the end of {} outcomes", h.items.len()));
        };
        if !out_status.is_null() {
            // SAFETY: checked non-NULL; the caller guarantees it is writable.
            unsafe { *out_status = it.status as i32 };
        }
        if !out_code.is_null() {
            // SAFETY: checked non-NULL; the caller guarantees it is writable.
            unsafe { *out_code = it.result.code };
        }
        h.ok()
    }
}

/// Borrows the send result of message `index` (reply code and text, enhanced code, queue id,
/// transient flag, outcome-unknown flag, accepted and refused recipients; all empty for
/// MISSIVE_BULK_STATUS_NOT_ATTEMPTED), with the message's own code and text
/// (`missive_send_result_code`, `missive_send_result_detail`). NULL when `result` is NULL or `index` is out of range.
///
/// Ownership: borrowed: valid while `result` lives; never free it.
/// Thread safety: safe from any thread.
///
/// # Safety
/// `result` is NULL or live.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn missive_bulk_result_get(
    result: *const missive_bulk_result,
    index: usize,
) -> *const missive_send_result {
    ffi_boundary! {
        let h = try_ref!(result);
        match h.items.get(index) {
            Some(it) => handle::as_handle::<missive_send_result>(&it.result),
            None => std::ptr::null(),
        }
    }
}

/// Copies why message `index` was not delivered (empty when it was), NUL-terminated,
/// size-then-fill. Returns MISSIVE_RESULT_INDEX_OUT_OF_RANGE past the end.
///
/// Ownership: borrows `result`; the text is copied into `buf`. Thread safety: safe from any
/// thread.
///
/// # Safety
/// `result` is NULL or live; `buf` is NULL or has `buf_len` writable bytes; `out_len` writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn missive_bulk_result_message_error(
    result: *const missive_bulk_result,
    index: usize,
    buf: *mut c_char,
    buf_len: usize,
    out_len: *mut usize,
) -> missive_result {
    ffi_boundary! {
        let h = try_ref!(result);
        let Some(it) = h.items.get(index) else {
            return h.fail(missive_result::IndexOutOfRange,
                format!("index {index} is past the end of {} outcomes", h.items.len()));
        };
        // SAFETY: forwarded contract.
        unsafe { write_out(h, it.result.detail.as_bytes(), true, buf.cast(), buf_len, out_len) }
    }
}

/// Copies the text of the most recent failure of a call on `result` (see
/// `missive_message_error`).
///
/// Ownership: borrows `result`; the text is copied into `buf`. Thread safety: safe from any
/// thread.
///
/// # Safety
/// `result` is NULL or live; `buf` is NULL or has `buf_len` writable bytes; `out_len` writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn missive_bulk_result_error(
    result: *const missive_bulk_result,
    buf: *mut c_char,
    buf_len: usize,
    out_len: *mut usize,
) -> missive_result {
    ffi_boundary! {
        let h = try_ref!(result);
        // SAFETY: forwarded contract.
        unsafe { copy_error(h, buf, buf_len, out_len) }
    }
}

/// Sends collections over several connections at once (`missive_client_set_connections` of
/// them, 4 by default), all working one shared queue of messages; off by default (one
/// connection). Applies to `missive_client_send_collection` and the `_async` sends.
///
/// Ownership: borrows `client` for the call. NULL: MISSIVE_RESULT_NULL_ARGUMENT when `client` is
/// NULL. Thread safety: safe to call from several threads at once on the same client; a send
/// already running keeps the settings it started with.
///
/// # Safety
/// `client` is NULL or live.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn missive_client_set_multi_connection(
    client: *mut missive_client,
    enabled: bool,
) -> missive_result {
    ffi_boundary! {
        let h = try_ref!(client.cast_const());
        h.client.configure_bulk(|b| b.multi_connection = enabled);
        h.ok()
    }
}

/// Sets the number of connections used with multi-connection sending (1 to 64; default 4). A
/// collection of at least that many messages opens exactly that many connections, each sending its
/// share (fewer messages: one connection each). Returns MISSIVE_RESULT_INVALID_ARGUMENT outside
/// that range.
///
/// Ownership: borrows `client` for the call. NULL: MISSIVE_RESULT_NULL_ARGUMENT when `client` is
/// NULL. Thread safety: safe to call from several threads at once on the same client.
///
/// # Safety
/// `client` is NULL or live.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn missive_client_set_connections(
    client: *mut missive_client,
    connections: usize,
) -> missive_result {
    ffi_boundary! {
        let h = try_ref!(client.cast_const());
        if connections == 0 || connections > MAX_CONNECTIONS {
            return h.fail(missive_result::InvalidArgument,
                format!("connections must be 1 to {MAX_CONNECTIONS}, not {connections}"));
        }
        h.client.configure_bulk(|b| b.connections = connections);
        h.ok()
    }
}

/// Sets the most messages per batch of a collection send (1 to 10000; default 100). A
/// collection of n messages sent over c connections (`missive_client_set_connections`, with
/// multi-connection on; else 1) goes in batches of ceil(n / c) messages, at most this many:
/// every connection asked for is used when there are at least c messages. Each connection
/// pipelines the transactions of its batch; progress is reported after each batch. Returns
/// MISSIVE_RESULT_INVALID_ARGUMENT outside that range.
///
/// Ownership: borrows `client` for the call.
/// NULL: a NULL `client` gives MISSIVE_RESULT_NULL_ARGUMENT.
/// Thread safety: safe to call from several threads at once on the same client; a collection
/// send already running keeps the size it started with.
///
/// # Safety
/// `client` is NULL or live.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn missive_client_set_batch_size(
    client: *mut missive_client,
    batch_size: usize,
) -> missive_result {
    ffi_boundary! {
        let h = try_ref!(client.cast_const());
        if batch_size == 0 || batch_size > MAX_BATCH_SIZE {
            return h.fail(missive_result::InvalidArgument,
                format!("batch_size must be 1 to {MAX_BATCH_SIZE}, not {batch_size}"));
        }
        h.client.configure_bulk(|b| b.batch_size = batch_size);
        h.ok()
    }
}

/// Sets when messages of a collection are sent again. `max_attempts` (at least 1; default 1, no
/// retry) bounds the attempts per message after transient failures (4xx replies, a connection lost
/// while the content was being sent). `retry_unknown` (default false) also resends, within
/// `max_attempts`, a message whose outcome is unknown (the connection was lost after its end was
/// sent): it may then be delivered twice. Without it such a message is reported UNKNOWN. Messages
/// of which nothing was sent when a connection was lost are always resent on a new connection (they
/// cannot arrive twice). Returns MISSIVE_RESULT_INVALID_ARGUMENT for 0.
///
/// Ownership: borrows `client` for the call. NULL: MISSIVE_RESULT_NULL_ARGUMENT when `client` is
/// NULL. Thread safety: safe to call from several threads at once on the same client.
///
/// # Safety
/// `client` is NULL or live.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn missive_client_set_retry_policy(
    client: *mut missive_client,
    max_attempts: u32,
    retry_unknown: bool,
) -> missive_result {
    ffi_boundary! {
        let h = try_ref!(client.cast_const());
        if max_attempts == 0 {
            return h.fail(missive_result::InvalidArgument, "max_attempts must be at least 1");
        }
        h.client.configure_bulk(|b| {
            b.retry.max_attempts = max_attempts;
            b.retry.retry_unknown = retry_unknown;
        });
        h.ok()
    }
}

/// Progress of a bulk send, as given to `missive_progress_cb`. The counts never decrease from
/// one call to the next.
#[repr(C)]
#[allow(non_camel_case_types)]
#[derive(Clone, Copy, Debug, Default)]
pub struct missive_progress {
    /// Messages with a final outcome (sent, failed or unknown).
    pub done: usize,
    /// Messages sent.
    pub sent: usize,
    /// Messages failed or with an unknown outcome.
    pub failed: usize,
    /// Messages in the send.
    pub total: usize,
    /// Bytes of the messages sent.
    pub bytes_sent: u64,
    /// Bytes of all the messages.
    pub bytes_total: u64,
}

/// Receives the progress of a bulk send (`progress` is valid only during the call). Return 0 to go
/// on, nonzero to cancel: messages not yet started are then reported
/// MISSIVE_BULK_STATUS_NOT_ATTEMPTED.
pub type missive_progress_cb =
    Option<unsafe extern "C" fn(userdata: *mut c_void, progress: *const missive_progress) -> i32>;

/// The C callback and its userdata (freed with `userdata_free` when the last user is gone).
struct ProgressCallback {
    cb: unsafe extern "C" fn(*mut c_void, *const missive_progress) -> i32,
    data: Userdata,
}

/// Sets a progress callback for collection sends (`missive_client_send_collection` and
/// `missive_client_send_collection_async`), called after each batch of messages (up to 100)
/// with the counts so far; returning nonzero cancels the send. `cb` NULL removes it (and
/// `userdata_free`, if given, is called with `userdata` at once). `userdata_free` (may be NULL)
/// is called once the callback is replaced or the client freed, after every send that uses it
/// has finished.
///
/// The callback runs on the thread that called `missive_client_send_collection`, or, with
/// multi-connection sending or an `_async` send, on a worker thread the library owns; never on
/// two threads at once for the same send. It must not free the client.
///
/// Ownership: the client keeps `userdata` until it calls `userdata_free`. NULL:
/// MISSIVE_RESULT_NULL_ARGUMENT when `client` is NULL. Thread safety: safe to call from several
/// threads at once on the same client; `cb` and `userdata` must be usable from any thread.
///
/// # Safety
/// `client` is NULL or live; `cb` and `userdata_free` are NULL or valid functions.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn missive_client_set_progress_callback(
    client: *mut missive_client,
    cb: missive_progress_cb,
    userdata: *mut c_void,
    userdata_free: missive_userdata_free_cb,
) -> missive_result {
    ffi_boundary! {
        let h = try_ref!(client.cast_const());
        // Without a callback nothing keeps the userdata: dropping it frees it at once.
        let data = Userdata::new(userdata, userdata_free);
        let progress: Option<crate::deliver::ProgressFn> = cb.map(|cb| {
            let holder = Arc::new(ProgressCallback { cb, data });
            let f: crate::deliver::ProgressFn = Arc::new(move |p: &Progress| {
                let c = missive_progress {
                    done: p.done,
                    sent: p.sent,
                    failed: p.failed,
                    total: p.total,
                    bytes_sent: p.bytes_sent,
                    bytes_total: p.bytes_total,
                };
                // SAFETY: the caller promised `cb` is valid and may run on any thread.
                unsafe { (holder.cb)(holder.data.ptr(), &c) == 0 }
            });
            f
        });
        h.client.configure_bulk(|b| b.progress = progress);
        h.ok()
    }
}
