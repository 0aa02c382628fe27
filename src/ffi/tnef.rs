//! `use_tnef` on the client and on the message: send as TNEF (`winmail.dat`, as Outlook does).

use super::boundary::{ffi_boundary, try_mut, try_ref};
use super::client::missive_client;
use super::message::{MessageHandle, missive_message};
use super::result::{HasError, missive_result};

/// Sends every message of `client` as TNEF (`enable` true) or as ordinary MIME (false, the
/// default): each message goes out as `multipart/mixed` with a `text/plain` part and a base64
/// `application/ms-tnef; name="winmail.dat"` part carrying the subject, the text and HTML
/// bodies, addresses, dates, importance and every attachment. Applies over SMTP and into the
/// pickup directory alike; a message already in TNEF form is sent as it is. It applies when a
/// message is written for delivery (sent, sent in bulk or asynchronously, or put into the
/// queue), from the message's model; raw bytes (`missive_client_send_raw`, forwarding) and
/// messages already queued go as they are.
///
/// Returns MISSIVE_RESULT_NULL_ARGUMENT when `client` is NULL.
///
/// Ownership: borrows `client` for the call.
/// Thread safety: safe to call from several threads at once on the same client.
///
/// # Safety
/// `client` is NULL or live.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn missive_client_set_use_tnef(
    client: *mut missive_client,
    enable: bool,
) -> missive_result {
    ffi_boundary! {
        let h = try_ref!(client.cast_const());
        h.client.configure(|c| c.use_tnef = enable);
        h.ok()
    }
}

/// Writes (and sends) this message as TNEF (`enable` true) or as ordinary MIME (false), as
/// `missive_client_set_use_tnef` describes. A message loaded from an .eml that carries a
/// `winmail.dat` has it set already, so that it is sent as TNEF again when changed.
///
/// Returns MISSIVE_RESULT_NULL_ARGUMENT when `message` is NULL.
///
/// Ownership: borrows `message` for the call.
/// Thread safety: changes the handle; no other call on it may run concurrently.
///
/// # Safety
/// `message` is NULL or live and not used concurrently.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn missive_message_set_use_tnef(
    message: *mut missive_message,
    enable: bool,
) -> missive_result {
    ffi_boundary! {
        let h = try_mut!(message);
        let mut msg = h.msg.clone();
        msg.set_use_tnef(enable);
        replace_message(h, msg);
        h.ok()
    }
}

/// Whether the message is written as TNEF (set with `missive_message_set_use_tnef`, or loaded
/// from a message with a `winmail.dat`). false when `message` is NULL.
///
/// Ownership: borrows `message` for the call.
/// Thread safety: read-only; may run concurrently with other read-only calls on the same
/// handle, not with calls that change it.
///
/// # Safety
/// `message` is NULL or live.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn missive_message_use_tnef(message: *const missive_message) -> bool {
    ffi_boundary! {
        let h = try_ref!(message);
        h.msg.use_tnef()
    }
}

/// Replaces the message of a handle, dropping what was rendered from the old one; an envelope
/// given to the handle stays.
pub(crate) fn replace_message(h: &mut MessageHandle, msg: crate::message::MailMessage) {
    // A fresh handle has no rendered bytes and no error text; the call's outcome is recorded
    // on it afterwards.
    let mut fresh = MessageHandle::default();
    fresh.msg = msg;
    fresh.envelope = h.envelope.take();
    *h = fresh;
}
