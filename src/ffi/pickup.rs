//! Loading a pickup file into a `missive_message`, and the envelope a message can carry apart
//! from its header fields.
//!
//! A pickup file's envelope (`X-Sender`, `X-Receiver` lines) is read by an explicit call only,
//! never by the .eml loaders: envelope-looking lines inside a message are content. The message
//! handle keeps the envelope, and every delivery of it uses that envelope (MAIL FROM, RCPT TO,
//! Bcc recipients included) instead of the addresses of its header fields, until
//! `missive_message_clear_envelope` or another load.

use std::ffi::c_char;
use std::path::Path;

use super::boundary::{ffi_boundary, try_mut, try_ref, try_str, write_out};
use super::message::{code_of, missive_message};
use super::result::{HasError, missive_result};
use crate::deliver::load_pickup_file;

/// Replaces the contents of `message` with the pickup file at `path` (UTF-8, not
/// NUL-terminated) — the format pickup delivery writes: an `X-Sender:` line, the
/// `X-Receiver:` lines right after it, then the message — and gives the message the file's
/// envelope. The message is what follows the envelope lines, without `Bcc`, `X-Sender` or
/// `X-Receiver` fields of its own (those are content, never envelope); it is read as
/// `missive_message_load_file` reads a message (strict loading when set, a `winmail.dat` part)
/// and keeps its bytes as a loaded .eml does.
///
/// While the message has an envelope, every delivery of it (`missive_client_send`,
/// `missive_client_send_async`, collections, `missive_client_send_to_queue`) sends it with
/// MAIL FROM the file's `X-Sender` and RCPT TO its `X-Receiver` addresses — Bcc recipients
/// included — and not to the addresses of its From/To/Cc fields. The envelope stays when the
/// message is otherwise changed, and is copied by `missive_message_clone` and into
/// collections; `missive_message_clear_envelope` removes it, and `missive_message_load_file` /
/// `_load_bytes` drop it. Forwarding uses the recipients it is given, as always. Read it with
/// `missive_message_envelope_sender`, `_envelope_recipient_count` and `_envelope_recipient`.
///
/// Returns MISSIVE_RESULT_FILE_NOT_FOUND, MISSIVE_RESULT_PERMISSION_DENIED, MISSIVE_RESULT_IO,
/// MISSIVE_RESULT_INVALID_ARGUMENT (an empty path, a directory), MISSIVE_RESULT_MALFORMED_EML (not
/// a pickup file: no `X-Sender` first line or no `X-Receiver` after it; or the message is not one),
/// MISSIVE_RESULT_INVALID_ADDRESS (an envelope address), and the codes of
/// `missive_message_load_file`; on failure `message` is unchanged.
///
/// Ownership: arguments are borrowed for the call only; nothing is retained.
/// NULL: a NULL `message` gives MISSIVE_RESULT_NULL_ARGUMENT; `path` follows the (NULL, 0) rule.
/// Thread safety: changes the handle; no other call on it may run concurrently.
///
/// # Safety
/// `message` is NULL or live and not used concurrently; `path` points to `path_len` bytes.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn missive_message_load_pickup_file(
    message: *mut missive_message,
    path: *const c_char,
    path_len: usize,
) -> missive_result {
    ffi_boundary! {
        let h = try_mut!(message);
        let path = try_str!(h, path, path_len, "path");
        if path.is_empty() { return h.fail(missive_result::InvalidArgument, "path is empty"); }
        let opts = h.load_options();
        match load_pickup_file(Path::new(path), &opts) {
            Ok((envelope, m)) => { h.replace_loaded(m, Some(envelope)); h.ok() }
            Err(e) => h.fail(code_of(e.kind()), e.message()),
        }
    }
}

/// Copies the envelope sender of `message` (the reverse path MAIL FROM uses: a bare address, empty
/// for the null sender `<>`), NUL-terminated, size-then-fill. MISSIVE_RESULT_NOT_FOUND when the
/// message has no envelope of its own (it is then sent from its Sender or From).
///
/// Ownership: borrows `message`; the text is copied into `buf`. NULL: a NULL `message` or `out_len`
/// gives MISSIVE_RESULT_NULL_ARGUMENT; `buf` may be NULL only with `buf_len` 0. Thread safety:
/// read-only; may run concurrently with other read-only calls on the same handle, not with calls
/// that change it.
///
/// # Safety
/// `message` is NULL or live; `buf` is NULL or has `buf_len` writable bytes; `out_len` is NULL
/// or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn missive_message_envelope_sender(
    message: *const missive_message,
    buf: *mut c_char,
    buf_len: usize,
    out_len: *mut usize,
) -> missive_result {
    ffi_boundary! {
        let h = try_ref!(message);
        let Some(env) = &h.envelope else {
            return h.fail(missive_result::NotFound, "the message has no envelope of its own");
        };
        // SAFETY: forwarded contract.
        unsafe { write_out(h, env.mail_from.as_bytes(), true, buf.cast(), buf_len, out_len) }
    }
}

/// The number of envelope recipients of `message` (RCPT TO of its deliveries); 0 when it has
/// no envelope of its own (it is then sent to its To, Cc and Bcc addresses).
///
/// Ownership: borrows `message` for the call.
/// NULL: a NULL `message` gives 0.
/// Thread safety: read-only; may run concurrently with other read-only calls on the same
/// handle, not with calls that change it.
///
/// # Safety
/// `message` is NULL or live.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn missive_message_envelope_recipient_count(
    message: *const missive_message,
) -> usize {
    ffi_boundary! {
        let h = try_ref!(message);
        h.envelope.as_ref().map_or(0, |e| e.recipients.len())
    }
}

/// Copies envelope recipient `index` of `message` (a bare address), NUL-terminated, size-then-fill.
/// Returns MISSIVE_RESULT_INDEX_OUT_OF_RANGE past the last one (and for every index when the
/// message has no envelope).
///
/// Ownership: borrows `message`; the text is copied into `buf`. NULL: a NULL `message` or `out_len`
/// gives MISSIVE_RESULT_NULL_ARGUMENT; `buf` may be NULL only with `buf_len` 0. Thread safety:
/// read-only; may run concurrently with other read-only calls on the same handle, not with calls
/// that change it.
///
/// # Safety
/// `message` is NULL or live; `buf` is NULL or has `buf_len` writable bytes; `out_len` is NULL
/// or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn missive_message_envelope_recipient(
    message: *const missive_message,
    index: usize,
    buf: *mut c_char,
    buf_len: usize,
    out_len: *mut usize,
) -> missive_result {
    ffi_boundary! {
        let h = try_ref!(message);
        let list = h.envelope.as_ref().map_or(&[][..], |e| &e.recipients[..]);
        let Some(a) = list.get(index) else {
            return h.fail(missive_result::IndexOutOfRange,
                format!("index {index} is past the end of an envelope of {} recipient(s)", list.len()));
        };
        // SAFETY: forwarded contract.
        unsafe { write_out(h, a.as_bytes(), true, buf.cast(), buf_len, out_len) }
    }
}

/// Removes the envelope `message` was given by `missive_message_load_pickup_file`: its
/// deliveries use the addresses of its header fields again (Sender or From; To, Cc, Bcc).
/// Nothing else changes (a loaded message stays unchanged). MISSIVE_RESULT_OK when it had none.
///
/// Ownership: borrows `message` for the call.
/// NULL: a NULL `message` gives MISSIVE_RESULT_NULL_ARGUMENT.
/// Thread safety: changes the handle; no other call on it may run concurrently.
///
/// # Safety
/// `message` is NULL or live and not used concurrently.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn missive_message_clear_envelope(
    message: *mut missive_message,
) -> missive_result {
    ffi_boundary! {
        let h = try_mut!(message);
        h.envelope = None;
        h.ok()
    }
}
