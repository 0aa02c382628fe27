//! `missive_send_result`: what happened to one message.

use std::ffi::c_char;

use super::boundary::{copy_error, ffi_boundary, try_ref, write_out};
use super::client::deliver_code;
use super::handle::{self, Handle};
use super::result::{ErrorSlot, HasError, missive_result};
use crate::deliver::{DeliverError, Delivery};
use crate::smtp::Reply;

/// The outcome of sending one message: whether it was delivered, the server's final reply
/// (code, enhanced status code, text, queue id), and the accepted and refused recipients.
///
/// Made by `missive_client_send` (and the other send functions) on success and on failure;
/// free with `missive_send_result_free`.
/// Its own result code and detail (`missive_send_result_code`, `missive_send_result_detail`) say
/// why this send failed, whatever other sends on the same client do meanwhile.
/// Thread safety: safe to use from multiple threads simultaneously (the outcome never changes;
/// the error text describes the last failed lookup on it, e.g. a text it does not have).
#[allow(non_camel_case_types)]
pub struct missive_send_result {
    _private: [u8; 0],
}

/// What a `missive_send_result *` points to.
#[derive(Debug)]
pub(crate) struct SendResultHandle {
    /// The send's own code: what the send function returned for it.
    pub(crate) code: missive_result,
    /// The send's own detail: the text the client's error got for it; empty when OK.
    pub(crate) detail: String,
    delivered: bool,
    reply: Option<Reply>,
    transient: bool,
    outcome_unknown: bool,
    accepted: Vec<String>,
    rejected: Vec<(String, Reply)>,
    pickup_path: Option<String>,
    error: ErrorSlot,
}

impl Default for SendResultHandle {
    fn default() -> Self {
        SendResultHandle {
            code: missive_result::Ok,
            detail: String::new(),
            delivered: false,
            reply: None,
            transient: false,
            outcome_unknown: false,
            accepted: Vec::new(),
            rejected: Vec::new(),
            pickup_path: None,
            error: ErrorSlot::default(),
        }
    }
}

/// The result code and detail sentence of a send's outcome: MISSIVE_RESULT_OK and "" when every
/// recipient accepted it; else the code and the text a failing call stores (never empty). The
/// one place that says what a send's code and text are: the client's error text, the send
/// result and a bulk message's error all take them from here.
pub(crate) fn outcome_status(outcome: &Result<Delivery, DeliverError>) -> (missive_result, String) {
    let (code, text) = match outcome {
        Ok(d) if d.rejected().is_empty() => return (missive_result::Ok, String::new()),
        Ok(d) => {
            let list = d
                .rejected()
                .iter()
                .map(|(a, r)| crate::smtp::refused_text(a, r))
                .collect::<Vec<_>>()
                .join("; ");
            (
                missive_result::SomeRecipientsRejected,
                format!(
                    "delivered to {} of {} recipients; the server refused {list}",
                    d.accepted().len(),
                    d.accepted().len() + d.rejected().len()
                ),
            )
        }
        Err(e) => (deliver_code(e.kind), e.message.clone()),
    };
    if text.is_empty() {
        // As `ErrorSlot::record` does for a failure without text.
        (code, code.text().trim_end_matches('\0').to_string())
    } else {
        (code, text)
    }
}

impl SendResultHandle {
    pub(crate) fn from_outcome(outcome: &Result<Delivery, DeliverError>) -> Self {
        let (code, detail) = outcome_status(outcome);
        let base = SendResultHandle {
            code,
            detail,
            ..Default::default()
        };
        match outcome {
            Ok(Delivery::Pickup(p)) => SendResultHandle {
                delivered: true,
                accepted: p.recipients.clone(),
                pickup_path: Some(p.path.display().to_string()),
                ..base
            },
            Ok(Delivery::Smtp(r)) => SendResultHandle {
                delivered: true,
                reply: Some(r.reply.clone()),
                accepted: r.accepted.clone(),
                rejected: r.rejected.clone(),
                ..base
            },
            Err(e) => match &e.smtp {
                Some(s) => SendResultHandle {
                    delivered: false,
                    reply: s.reply.clone(),
                    transient: s.is_transient(),
                    outcome_unknown: s.outcome_unknown(),
                    rejected: s.rejected.clone(),
                    ..base
                },
                None => base,
            },
        }
    }

    /// A message that was never attempted (a cancelled bulk send).
    pub(crate) fn not_attempted() -> Self {
        SendResultHandle {
            code: missive_result::Cancelled,
            detail: "not attempted: the send was cancelled".into(),
            ..Default::default()
        }
    }
}

impl HasError for SendResultHandle {
    fn error_slot(&self) -> &ErrorSlot {
        &self.error
    }
}

// SAFETY: `missive_send_result` pointers are only made by `handle::into_raw` with a
// SendResultHandle.
unsafe impl Handle for missive_send_result {
    type Inner = SendResultHandle;
}

const _: () = {
    const fn is_send_sync<T: Send + Sync>() {}
    is_send_sync::<SendResultHandle>();
};

/// Frees a send result. NULL is a no-op.
///
/// Ownership: takes ownership of `result`; the pointer is invalid afterwards.
/// Thread safety: no other call on the result may be in progress.
///
/// # Safety
/// `result` is NULL or live, and freed exactly once.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn missive_send_result_free(result: *mut missive_send_result) {
    ffi_boundary! {
        // SAFETY: forwarded contract.
        unsafe { handle::free(result) }
    }
}

/// Whether the message was delivered (handed to the server, or written to the pickup
/// directory). False when `result` is NULL.
///
/// Ownership: borrows `result` for the call. Thread safety: safe from any thread.
///
/// # Safety
/// `result` is NULL or live.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn missive_send_result_delivered(result: *const missive_send_result) -> bool {
    ffi_boundary! { try_ref!(result).delivered }
}

/// Whether a failure was temporary (a 4xx reply, a timeout, a lost connection): trying again
/// later may succeed. False when delivered, for permanent (5xx) failures, and when `result` is
/// NULL.
///
/// Ownership: borrows `result` for the call. Thread safety: safe from any thread.
///
/// # Safety
/// `result` is NULL or live.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn missive_send_result_is_transient(
    result: *const missive_send_result,
) -> bool {
    ffi_boundary! { try_ref!(result).transient }
}

/// Whether the connection was lost after the whole message was sent and before the server's
/// verdict, so the message may or may not have been delivered. False when `result` is NULL.
///
/// Ownership: borrows `result` for the call. Thread safety: safe from any thread.
///
/// # Safety
/// `result` is NULL or live.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn missive_send_result_outcome_unknown(
    result: *const missive_send_result,
) -> bool {
    ffi_boundary! { try_ref!(result).outcome_unknown }
}

/// The final SMTP reply code (e.g. 250, 451, 550); 0 when there is none (pickup delivery, a
/// failure before any reply, every recipient refused — then each refused recipient has its own
/// code, see `missive_send_result_rejected`) or `result` is NULL.
///
/// Ownership: borrows `result` for the call. Thread safety: safe from any thread.
///
/// # Safety
/// `result` is NULL or live.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn missive_send_result_reply_code(result: *const missive_send_result) -> u16 {
    ffi_boundary! { try_ref!(result).reply.as_ref().map_or(0, |r| r.code) }
}

/// The send's own result code, fixed when the result was made: MISSIVE_RESULT_OK when every
/// recipient accepted the message; otherwise the code the send function returned for this send
/// (e.g. MISSIVE_RESULT_CONNECT_FAILED, MISSIVE_RESULT_ALL_RECIPIENTS_REJECTED,
/// MISSIVE_RESULT_SOME_RECIPIENTS_REJECTED), or for a bulk message its
/// `missive_bulk_result_item` code (MISSIVE_RESULT_CANCELLED when not attempted).
/// MISSIVE_RESULT_NULL_ARGUMENT when `result` is NULL.
///
/// Unlike `missive_client_error`, which another thread's send on the same client may overwrite,
/// this belongs to the one send.
///
/// Ownership: borrows `result` for the call. Thread safety: safe from any thread.
///
/// # Safety
/// `result` is NULL or live.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn missive_send_result_code(
    result: *const missive_send_result,
) -> missive_result {
    ffi_boundary! { try_ref!(result).code }
}

/// Copies why this send failed, NUL-terminated, size-then-fill: the same sentence the send
/// stored as the client's error text (`missive_client_error`), fixed when the result was made,
/// e.g. "could not connect to 127.0.0.1:25: Connection refused"; for a bulk message the same
/// text as `missive_bulk_result_message_error`. Empty (`*out_len` 1) when the code is
/// MISSIVE_RESULT_OK. Other threads' sends on the same client never change it.
///
/// Ownership: borrows `result`; the text is copied into `buf`. Thread safety: safe from any
/// thread.
///
/// # Safety
/// `result` is NULL or live; `buf` is NULL or has `buf_len` writable bytes; `out_len` writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn missive_send_result_detail(
    result: *const missive_send_result,
    buf: *mut c_char,
    buf_len: usize,
    out_len: *mut usize,
) -> missive_result {
    ffi_boundary! {
        let h = try_ref!(result);
        // SAFETY: forwarded contract.
        unsafe { write_out(h, h.detail.as_bytes(), true, buf.cast(), buf_len, out_len) }
    }
}

/// Which text of a send result `missive_send_result_text` copies (as `int32_t`).
#[repr(C)]
#[allow(non_camel_case_types)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum missive_send_result_field {
    /// The final reply's text, lines joined with "\n" (without the codes).
    ReplyText = 0,
    /// The enhanced status code, e.g. "2.0.0" (MISSIVE_RESULT_NOT_FOUND when the server sent none).
    EnhancedCode = 1,
    /// The server's queue id from the final reply, e.g. Postfix's "4ABC123"
    /// (MISSIVE_RESULT_NOT_FOUND when the reply carries none).
    QueueId = 2,
    /// The path of the file written by pickup-directory delivery (MISSIVE_RESULT_NOT_FOUND
    /// otherwise).
    PickupPath = 3,
}

/// Copies one text of the result (`which` is a `missive_send_result_field`), NUL-terminated,
/// size-then-fill. Returns MISSIVE_RESULT_NOT_FOUND when the result has no such text;
/// MISSIVE_RESULT_INVALID_ARGUMENT for an unknown `which`.
///
/// Ownership: borrows `result`; the text is copied into `buf`. Thread safety: safe from any
/// thread.
///
/// # Safety
/// `result` is NULL or live; `buf` is NULL or has `buf_len` writable bytes; `out_len` writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn missive_send_result_text(
    result: *const missive_send_result,
    which: i32,
    buf: *mut c_char,
    buf_len: usize,
    out_len: *mut usize,
) -> missive_result {
    ffi_boundary! {
        let h = try_ref!(result);
        let text = match which {
            0 => h.reply.as_ref().map(|r| r.lines.join("\n")),
            1 => h.reply.as_ref().and_then(|r| r.enhanced).map(|(a, b, c)| format!("{a}.{b}.{c}")),
            2 => h.reply.as_ref().and_then(|r| r.queue_id()),
            3 => h.pickup_path.clone(),
            other => return h.fail(missive_result::InvalidArgument,
                format!("{other} is not a missive_send_result_field (0-3)")),
        };
        let Some(text) = text else {
            return h.fail(missive_result::NotFound, "the send result has no such text");
        };
        // SAFETY: forwarded contract.
        unsafe { write_out(h, text.as_bytes(), true, buf.cast(), buf_len, out_len) }
    }
}

/// The number of recipients the server accepted (all of them for pickup delivery); 0 when
/// `result` is NULL.
///
/// Ownership: borrows `result` for the call. Thread safety: safe from any thread.
///
/// # Safety
/// `result` is NULL or live.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn missive_send_result_accepted_count(
    result: *const missive_send_result,
) -> usize {
    ffi_boundary! { try_ref!(result).accepted.len() }
}

/// Copies the address of accepted recipient `index`, NUL-terminated, size-then-fill.
/// Returns MISSIVE_RESULT_INDEX_OUT_OF_RANGE.
///
/// Ownership: borrows `result`; the text is copied into `buf`. Thread safety: safe from any
/// thread.
///
/// # Safety
/// `result` is NULL or live; `buf` is NULL or has `buf_len` writable bytes; `out_len` writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn missive_send_result_accepted(
    result: *const missive_send_result,
    index: usize,
    buf: *mut c_char,
    buf_len: usize,
    out_len: *mut usize,
) -> missive_result {
    ffi_boundary! {
        let h = try_ref!(result);
        let Some(a) = h.accepted.get(index) else {
            return h.fail(missive_result::IndexOutOfRange,
                format!("index {index} is past the end of {} accepted recipients", h.accepted.len()));
        };
        // SAFETY: forwarded contract.
        unsafe { write_out(h, a.as_bytes(), true, buf.cast(), buf_len, out_len) }
    }
}

/// The number of recipients the server refused; 0 when `result` is NULL.
///
/// Ownership: borrows `result` for the call. Thread safety: safe from any thread.
///
/// # Safety
/// `result` is NULL or live.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn missive_send_result_rejected_count(
    result: *const missive_send_result,
) -> usize {
    ffi_boundary! { try_ref!(result).rejected.len() }
}

/// Copies refused recipient `index`: its address, NUL-terminated, size-then-fill, and (when
/// `out_code` is not NULL) the reply code the server gave it. Returns
/// MISSIVE_RESULT_INDEX_OUT_OF_RANGE. `missive_send_result_rejected_reply` gives the reply's text.
///
/// Ownership: borrows `result`; the text is copied into `buf`. Thread safety: safe from any
/// thread.
///
/// # Safety
/// `result` is NULL or live; `buf` is NULL or has `buf_len` writable bytes; `out_len` writable;
/// `out_code` is NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn missive_send_result_rejected(
    result: *const missive_send_result,
    index: usize,
    buf: *mut c_char,
    buf_len: usize,
    out_len: *mut usize,
    out_code: *mut u16,
) -> missive_result {
    ffi_boundary! {
        let h = try_ref!(result);
        let Some((addr, reply)) = h.rejected.get(index) else {
            return h.fail(missive_result::IndexOutOfRange,
                format!("index {index} is past the end of {} refused recipients", h.rejected.len()));
        };
        // SAFETY: forwarded contract.
        let r = unsafe { write_out(h, addr.as_bytes(), true, buf.cast(), buf_len, out_len) };
        if r == missive_result::Ok && !out_code.is_null() {
            // SAFETY: checked non-NULL; the caller guarantees it is writable.
            unsafe { *out_code = reply.code };
        }
        r
    }
}

/// Copies the server's reply to refused recipient `index` as text: code, enhanced code and
/// text, e.g. "550 5.1.1 <x@example.com>: Recipient address rejected", NUL-terminated,
/// size-then-fill. Returns MISSIVE_RESULT_INDEX_OUT_OF_RANGE.
///
/// Ownership: borrows `result`; the text is copied into `buf`. Thread safety: safe from any
/// thread.
///
/// # Safety
/// `result` is NULL or live; `buf` is NULL or has `buf_len` writable bytes; `out_len` writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn missive_send_result_rejected_reply(
    result: *const missive_send_result,
    index: usize,
    buf: *mut c_char,
    buf_len: usize,
    out_len: *mut usize,
) -> missive_result {
    ffi_boundary! {
        let h = try_ref!(result);
        let Some((_, reply)) = h.rejected.get(index) else {
            return h.fail(missive_result::IndexOutOfRange,
                format!("index {index} is past the end of {} refused recipients", h.rejected.len()));
        };
        // SAFETY: forwarded contract.
        unsafe { write_out(h, reply.to_string().as_bytes(), true, buf.cast(), buf_len, out_len) }
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
pub unsafe extern "C" fn missive_send_result_error(
    result: *const missive_send_result,
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
