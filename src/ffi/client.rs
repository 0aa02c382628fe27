//! `missive_client`: where and how messages are delivered.

use std::ffi::c_char;
use std::path::PathBuf;

use super::boundary::{copy_error, ffi_boundary, try_ref, try_str};
use super::collection::missive_message_collection;
use super::handle::{self, Handle};
use super::message::{code_of, missive_message};
use super::result::{ErrorSlot, HasError, missive_result};
use crate::deliver::{Client, DeliverError, DeliverErrorKind, DeliveryMethod};
use crate::smtp::Security;

/// An email client: the server, security and credentials, and the delivery method.
///
/// Create with `missive_client_new`, free with `missive_client_free` (exactly once).
/// Thread safety: safe to use from multiple threads simultaneously (the error text then belongs
/// to whichever call failed last).
#[allow(non_camel_case_types)]
pub struct missive_client {
    _private: [u8; 0],
}

/// How the SMTP connection is secured (`security` arguments are `int32_t` holding one of these).
#[repr(C)]
#[allow(non_camel_case_types)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum missive_security {
    /// Plain text. Credentials, if set, are sent unencrypted: choose this only on purpose.
    None = 0,
    /// STARTTLS required: the send fails when the server does not offer it.
    SslExplicit = 1,
    /// TLS from the first byte (port 465).
    SslImplicit = 2,
    /// The default: implicit TLS on port 465, else STARTTLS when offered; plain text only when
    /// it is not offered and no credentials are set.
    Auto = 3,
}

/// Where `missive_client_send` puts messages (`method` arguments are `int32_t`).
#[repr(C)]
#[allow(non_camel_case_types)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum missive_delivery_method {
    /// Over SMTP to the configured host (the default).
    Network = 0,
    /// As `.eml` files into the pickup directory.
    PickupDirectory = 1,
}

/// What a `missive_client *` points to.
#[derive(Debug, Default)]
pub(crate) struct ClientHandle {
    pub(crate) client: Client,
    error: ErrorSlot,
}

impl HasError for ClientHandle {
    fn error_slot(&self) -> &ErrorSlot {
        &self.error
    }
}

// SAFETY: `missive_client` pointers are only made by `handle::into_raw` with a ClientHandle.
unsafe impl Handle for missive_client {
    type Inner = ClientHandle;
}

const _: () = {
    const fn is_send_sync<T: Send + Sync>() {}
    is_send_sync::<ClientHandle>();
};

/// The result code for a delivery error.
pub(crate) fn deliver_code(kind: DeliverErrorKind) -> missive_result {
    match kind {
        DeliverErrorKind::Message(k) => code_of(k),
        DeliverErrorKind::PickupDirectoryNotSet => missive_result::PickupDirectoryNotSet,
        DeliverErrorKind::HostNotSet => missive_result::HostNotSet,
        DeliverErrorKind::NetworkUnavailable => missive_result::NetworkUnavailable,
    }
}

fn fail_deliver(h: &ClientHandle, e: &DeliverError) -> missive_result {
    h.fail(deliver_code(e.kind), e.message.clone())
}

/// Creates a client with default settings: NETWORK delivery, AUTO security, port 0 (the
/// default for the security option), no host, no credentials. NULL only if a panic was caught.
///
/// Thread safety: safe to call from any thread.
/// Ownership: the caller owns the result and frees it with `missive_client_free`.
#[unsafe(no_mangle)]
pub extern "C" fn missive_client_new() -> *mut missive_client {
    ffi_boundary! { handle::into_raw::<missive_client>(ClientHandle::default()) }
}

/// Frees a client. NULL is a no-op. Free exactly once, when no other thread uses it.
///
/// Thread safety: no other call on the client may be in progress.
/// Ownership: takes ownership of `client`; the pointer is invalid afterwards.
///
/// # Safety
/// `client` is NULL or live, and no call on it is in progress.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn missive_client_free(client: *mut missive_client) {
    ffi_boundary! {
        // SAFETY: forwarded contract.
        unsafe { handle::free(client) }
    }
}

/// Copies the text of the most recent failure on `client` (see `missive_message_error`).
///
/// Thread safety: safe to call from several threads at once on the same client.
///
/// # Safety
/// `client` is NULL or live; `buf` is NULL or has `buf_len` writable bytes; `out_len` writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn missive_client_error(
    client: *const missive_client,
    buf: *mut c_char,
    buf_len: usize,
    out_len: *mut usize,
) -> missive_result {
    ffi_boundary! {
        let h = try_ref!(client);
        // SAFETY: forwarded contract.
        unsafe { copy_error(h, buf, buf_len, out_len) }
    }
}

/// Sets the SMTP server's host name or IP address (UTF-8). Returns INVALID_ARGUMENT for
/// whitespace or control characters in it.
///
/// Thread safety: safe to call from several threads at once on the same client.
/// Ownership: arguments are borrowed for the call only; nothing is retained.
///
/// # Safety
/// `client` is NULL or live; `host` points to `host_len` bytes.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn missive_client_set_host(
    client: *mut missive_client,
    host: *const c_char,
    host_len: usize,
) -> missive_result {
    ffi_boundary! {
        let h = try_ref!(client.cast_const());
        let host = try_str!(h, host, host_len, "host");
        if host.chars().any(|c| c.is_whitespace() || c.is_control()) {
            return h.fail(missive_result::InvalidArgument,
                format!("{host:?} is not a host name: it contains white space or control characters"));
        }
        h.client.configure(|c| c.host = host.to_string());
        h.ok()
    }
}

/// Sets the SMTP port; 0 means the default for the security option (465 for SSL_IMPLICIT,
/// otherwise 25).
///
/// Thread safety: safe to call from several threads at once on the same client.
/// Ownership: arguments are borrowed for the call only; nothing is retained.
///
/// # Safety
/// `client` is NULL or live.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn missive_client_set_port(
    client: *mut missive_client,
    port: u16,
) -> missive_result {
    ffi_boundary! {
        let h = try_ref!(client.cast_const());
        h.client.configure(|c| c.port = port);
        h.ok()
    }
}

/// Sets the user name for SMTP authentication (UTF-8); empty means no authentication.
///
/// Thread safety: safe to call from several threads at once on the same client.
/// Ownership: arguments are borrowed for the call only; nothing is retained.
///
/// # Safety
/// `client` is NULL or live; `username` points to `username_len` bytes.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn missive_client_set_username(
    client: *mut missive_client,
    username: *const c_char,
    username_len: usize,
) -> missive_result {
    ffi_boundary! {
        let h = try_ref!(client.cast_const());
        let username = try_str!(h, username, username_len, "username");
        h.client.configure(|c| c.username = username.to_string());
        h.ok()
    }
}

/// Sets the password for SMTP authentication (UTF-8, copied; never logged).
///
/// Thread safety: safe to call from several threads at once on the same client.
///
/// # Safety
/// `client` is NULL or live; `password` points to `password_len` bytes.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn missive_client_set_password(
    client: *mut missive_client,
    password: *const c_char,
    password_len: usize,
) -> missive_result {
    ffi_boundary! {
        let h = try_ref!(client.cast_const());
        let password = try_str!(h, password, password_len, "password");
        h.client.configure(|c| c.password = password.to_string());
        h.ok()
    }
}

/// Sets the security option (`security` is a `missive_security`). Returns INVALID_ARGUMENT for
/// other values.
///
/// Thread safety: safe to call from several threads at once on the same client.
/// Ownership: arguments are borrowed for the call only; nothing is retained.
///
/// # Safety
/// `client` is NULL or live.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn missive_client_set_security(
    client: *mut missive_client,
    security: i32,
) -> missive_result {
    ffi_boundary! {
        let h = try_ref!(client.cast_const());
        let s = match security {
            0 => Security::None,
            1 => Security::SslExplicit,
            2 => Security::SslImplicit,
            3 => Security::Auto,
            other => return h.fail(missive_result::InvalidArgument,
                format!("{other} is not a missive_security (0-3)")),
        };
        h.client.configure(|c| c.security = s);
        h.ok()
    }
}

/// Sets the delivery method (`method` is a `missive_delivery_method`). Returns
/// INVALID_ARGUMENT for other values.
///
/// Thread safety: safe to call from several threads at once on the same client.
/// Ownership: arguments are borrowed for the call only; nothing is retained.
///
/// # Safety
/// `client` is NULL or live.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn missive_client_set_delivery_method(
    client: *mut missive_client,
    method: i32,
) -> missive_result {
    ffi_boundary! {
        let h = try_ref!(client.cast_const());
        let m = match method {
            0 => DeliveryMethod::Network,
            1 => DeliveryMethod::PickupDirectory,
            other => return h.fail(missive_result::InvalidArgument,
                format!("{other} is not a missive_delivery_method (0-1)")),
        };
        h.client.configure(|c| c.delivery_method = m);
        h.ok()
    }
}

/// Sets the pickup directory (a path, UTF-8) for PICKUP_DIRECTORY delivery. It is created on
/// first delivery when missing. Returns INVALID_ARGUMENT for an empty path.
///
/// Thread safety: safe to call from several threads at once on the same client.
/// Ownership: arguments are borrowed for the call only; nothing is retained.
///
/// # Safety
/// `client` is NULL or live; `path` points to `path_len` bytes.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn missive_client_set_pickup_directory(
    client: *mut missive_client,
    path: *const c_char,
    path_len: usize,
) -> missive_result {
    ffi_boundary! {
        let h = try_ref!(client.cast_const());
        let path = try_str!(h, path, path_len, "path");
        if path.is_empty() {
            return h.fail(missive_result::InvalidArgument, "the pickup directory path is empty");
        }
        h.client.configure(|c| c.pickup_directory = Some(PathBuf::from(path)));
        h.ok()
    }
}

/// Delivers `message` by the delivery method. With PICKUP_DIRECTORY, the message is written
/// atomically as a new uniquely named `.eml` file, starting with `X-Sender:` and
/// `X-Receiver:` envelope lines (Bcc recipients included) and without a Bcc header.
/// `message` is not changed (a message without a Message-ID or date is sent with the ones
/// `missive_message_message_id` / `missive_message_save_buffer` show).
///
/// Returns NO_SENDER, NO_RECIPIENTS, PICKUP_DIRECTORY_NOT_SET, HOST_NOT_SET,
/// NETWORK_UNAVAILABLE (NETWORK delivery is not in this version yet), FILE_NOT_FOUND,
/// PERMISSION_DENIED (an unwritable pickup directory), IO, INVALID_ARGUMENT (the pickup path
/// is not a directory). Detail is stored on `client`.
///
/// Thread safety: safe to call from several threads at once on the same client.
/// Ownership: arguments are borrowed for the call only; nothing is retained.
///
/// # Safety
/// `client` is NULL or live; `message` is NULL or live and not changed by another thread
/// during the call.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn missive_client_send(
    client: *mut missive_client,
    message: *const missive_message,
) -> missive_result {
    ffi_boundary! {
        let h = try_ref!(client.cast_const());
        let m = try_ref!(message);
        let prepared = match m.prepared() {
            Ok(p) => p,
            Err(e) => return h.fail(code_of(e.kind()), e.message()),
        };
        match h.client.send_prepared(&prepared) {
            Ok(_) => h.ok(),
            Err(e) => fail_deliver(h, &e),
        }
    }
}

/// Delivers every message of `collection`, in order. Every message is attempted even when an
/// earlier one fails. `*out_delivered` (when `out_delivered` is not NULL) receives the number
/// delivered.
///
/// Returns OK when all were delivered (or the collection is empty); the first failure's code
/// when none was; PARTIAL_FAILURE when some were. The error text names each failed message by
/// its index.
///
/// Thread safety: safe to call from several threads at once on the same client.
/// Ownership: arguments are borrowed for the call only; nothing is retained.
///
/// # Safety
/// `client` is NULL or live; `collection` is NULL or live and not changed during the call;
/// `out_delivered` is NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn missive_client_send_collection(
    client: *mut missive_client,
    collection: *const missive_message_collection,
    out_delivered: *mut usize,
) -> missive_result {
    ffi_boundary! {
        let h = try_ref!(client.cast_const());
        let c = try_ref!(collection);
        let mut delivered = 0usize;
        let mut failures: Vec<(usize, missive_result, String)> = Vec::new();
        for (i, m) in c.messages.iter().enumerate() {
            let r = m.prepared()
                .map_err(DeliverError::from)
                .and_then(|p| h.client.send_prepared(&p));
            match r {
                Ok(_) => delivered += 1,
                Err(e) => failures.push((i, deliver_code(e.kind), e.message)),
            }
        }
        if !out_delivered.is_null() {
            // SAFETY: checked non-NULL; the caller guarantees it is writable.
            unsafe { *out_delivered = delivered };
        }
        if failures.is_empty() {
            return h.ok();
        }
        let text = failures.iter()
            .map(|(i, _, t)| format!("message {i}: {t}"))
            .collect::<Vec<_>>()
            .join("; ");
        let code = if delivered == 0 { failures[0].1 } else { missive_result::PartialFailure };
        h.fail(code, format!("{} of {} messages not delivered: {text}", failures.len(), c.messages.len()))
    }
}
