//! Forwarding: a message in one of three modes, and a raw `.eml` stream (path, file
//! descriptor, read callback) without loading it.

use std::ffi::{c_char, c_void};
use std::fs::File;
use std::io::{self, Read};
use std::path::Path;

use super::boundary::{ffi_boundary, try_arg, try_ref, try_str};
use super::client::{ClientHandle, finish_send, missive_client};
use super::message::{code_of, missive_message};
use super::result::{HasError, missive_result};
use super::send_result::missive_send_result;
use crate::deliver::ForwardMode;
use crate::message::{MailAddress, parse_address_list};

/// How `missive_client_forward` forwards a message (`mode` arguments are `int32_t`).
#[repr(C)]
#[allow(non_camel_case_types)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum missive_forward_mode {
    /// The default: a new envelope only; the message's bytes are unchanged (for a loaded,
    /// unchanged message exactly the loaded bytes, less any Bcc, X-Sender and X-Receiver
    /// fields), so DKIM signatures survive.
    Redirect = 0,
    /// A `Resent-Date`/`Resent-From`/`Resent-To`/`Resent-Message-ID` block on top of the
    /// unchanged bytes (RFC 5322 section 3.6.6). Needs the forward sender.
    Resend = 1,
    /// A new message "Fwd: subject" from the forward sender to the new recipients, with the
    /// original as a `message/rfc822` part. Needs the forward sender.
    Attach = 2,
}

/// Reads up to `len` bytes of a message into `buf`; returns the number read, 0 at the end, or
/// a negative value for an error (the forward then fails with MISSIVE_RESULT_IO and nothing is
/// delivered).
pub type missive_read_cb =
    Option<unsafe extern "C" fn(userdata: *mut c_void, buf: *mut u8, len: usize) -> i64>;

/// Parses a comma-separated recipient list; empty is MISSIVE_RESULT_NO_RECIPIENTS.
fn recipients_of(h: &ClientHandle, list: &str) -> Result<Vec<MailAddress>, missive_result> {
    match parse_address_list(list) {
        Ok(l) if l.is_empty() => {
            Err(h.fail(missive_result::NoRecipients, "the recipient list is empty"))
        }
        Ok(l) => Ok(l),
        Err(e) => Err(h.fail(code_of(e.kind()), e.message())),
    }
}

/// The envelope of a raw forward: the reverse path (empty for `<>`) and the recipients.
fn raw_envelope(
    h: &ClientHandle,
    mail_from: &str,
    recipients: &str,
) -> Result<(String, Vec<String>), missive_result> {
    let from = if mail_from.trim().is_empty() {
        String::new()
    } else {
        match MailAddress::parse(mail_from) {
            Ok(a) => a.address(),
            Err(e) => return Err(h.fail(code_of(e.kind()), e.message())),
        }
    };
    let list = recipients_of(h, recipients)?;
    Ok((from, list.iter().map(MailAddress::address).collect()))
}

/// Sets the forwarding address (e.g. `"Desk <desk@example.com>"`): the envelope sender (MAIL FROM)
/// of every forward, the `Resent-From` of RESEND and the `From` of ATTACH. (NULL, 0) clears it;
/// REDIRECT then uses the message's own Sender or From as the envelope sender, and RESEND and
/// ATTACH fail with MISSIVE_RESULT_NO_SENDER. Returns MISSIVE_RESULT_INVALID_ADDRESS for a
/// malformed address.
///
/// Ownership: borrows the arguments; the address is copied.
/// Thread safety: safe to call from several threads at once on the same client.
///
/// # Safety
/// `client` is NULL or live; `address` points to `address_len` bytes.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn missive_client_set_forward_sender(
    client: *mut missive_client,
    address: *const c_char,
    address_len: usize,
) -> missive_result {
    ffi_boundary! {
        let h = try_ref!(client.cast_const());
        let address = try_str!(h, address, address_len, "address");
        if address.trim().is_empty() {
            h.client.configure(|c| c.forward_sender = None);
            return h.ok();
        }
        match MailAddress::parse(address) {
            Ok(a) => {
                let text = a.to_string();
                h.client.configure(|c| c.forward_sender = Some(text));
                h.ok()
            }
            Err(e) => h.fail(code_of(e.kind()), e.message()),
        }
    }
}

/// Forwards `message` to `recipients` (a comma-separated address list) and nobody else, in
/// `mode` (a `missive_forward_mode`): REDIRECT (new envelope, bytes unchanged: a loaded,
/// unchanged message goes byte for byte as loaded, so DKIM signatures survive), RESEND
/// (`Resent-*` block on top) or ATTACH (a new "Fwd:" message carrying the original as
/// `message/rfc822`). The envelope sender is the forward sender
/// (`missive_client_set_forward_sender`), else, for REDIRECT, the message's Sender or From.
/// Unlike some SDKs, the original From/To are never rewritten and the original Cc/Bcc
/// recipients get nothing. Delivered by the client's delivery method, as `missive_client_send`
/// (no TNEF conversion); `*out_result` likewise.
///
/// Returns MISSIVE_RESULT_INVALID_ARGUMENT for an unknown mode, MISSIVE_RESULT_NO_RECIPIENTS for an
/// empty list, MISSIVE_RESULT_INVALID_ADDRESS, MISSIVE_RESULT_NO_SENDER (RESEND/ATTACH without a
/// forward sender, or REDIRECT of a message without sender), and the codes of
/// `missive_client_send`. Detail is stored on `client`.
///
/// Ownership: borrows `client` and `message` (not changed); the caller owns `*out_result`. NULL: a
/// NULL `client` gives MISSIVE_RESULT_NULL_ARGUMENT; a NULL `message` gives
/// MISSIVE_RESULT_NULL_ARGUMENT with detail on `client`; `out_result` may be NULL. Thread safety:
/// safe to call from several threads at once on the same client; `message` must not be changed
/// during the call.
///
/// # Safety
/// `client` is NULL or live; `message` is NULL or live; `recipients` points to
/// `recipients_len` bytes; `out_result` is NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn missive_client_forward(
    client: *mut missive_client,
    message: *const missive_message,
    mode: i32,
    recipients: *const c_char,
    recipients_len: usize,
    out_result: *mut *mut missive_send_result,
) -> missive_result {
    ffi_boundary! {
        let h = try_ref!(client.cast_const());
        let m = try_arg!(h, message, "message");
        let rcpts = try_str!(h, recipients, recipients_len, "recipients");
        let mode = match mode {
            0 => ForwardMode::Redirect,
            1 => ForwardMode::Resend,
            2 => ForwardMode::Attach,
            other => return h.fail(missive_result::InvalidArgument,
                format!("{other} is not a missive_forward_mode (0-2)")),
        };
        let list = match recipients_of(h, rcpts) {
            Ok(l) => l,
            Err(code) => return code,
        };
        let rendered = m.rendered();
        let outcome = h.client.forward_rendered(&m.msg, &rendered.bytes, mode, &list);
        // SAFETY: forwarded contract.
        unsafe { finish_send(h, outcome, out_result) }
    }
}

/// Forwards the `.eml` file at `path` (UTF-8) without loading it: a new envelope (`mail_from`, one
/// address or empty for the null sender `<>`; `recipients`, comma-separated) and the bytes
/// unchanged except that Bcc, X-Sender and X-Receiver header fields are dropped (envelope lines in
/// the file are content, never envelope). Over SMTP the content is CRLF-normalised and dot-stuffed
/// on the fly through fixed-size buffers (memory does not grow with the file), and the file's size
/// is checked against the server's SIZE limit before anything is sent
/// (MISSIVE_RESULT_MESSAGE_TOO_LARGE). With MISSIVE_DELIVERY_METHOD_PICKUP_DIRECTORY it is copied
/// into a new pickup file. `*out_result` as for `missive_client_send`.
///
/// Returns MISSIVE_RESULT_FILE_NOT_FOUND, MISSIVE_RESULT_PERMISSION_DENIED, MISSIVE_RESULT_IO (also
/// when reading fails midway: the transaction is then aborted, nothing is delivered),
/// MISSIVE_RESULT_INVALID_ADDRESS, MISSIVE_RESULT_NO_RECIPIENTS, and the codes of
/// `missive_client_send`.
///
/// Ownership: borrows the arguments for the call; the caller owns `*out_result`. NULL: a NULL
/// `client` gives MISSIVE_RESULT_NULL_ARGUMENT; strings follow the (NULL, 0) rule; `out_result` may
/// be NULL. Thread safety: safe to call from several threads at once on the same client.
///
/// # Safety
/// `client` is NULL or live; each pointer points to its length; `out_result` is NULL or
/// writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn missive_client_forward_file(
    client: *mut missive_client,
    path: *const c_char,
    path_len: usize,
    mail_from: *const c_char,
    mail_from_len: usize,
    recipients: *const c_char,
    recipients_len: usize,
    out_result: *mut *mut missive_send_result,
) -> missive_result {
    ffi_boundary! {
        let h = try_ref!(client.cast_const());
        let path = try_str!(h, path, path_len, "path");
        let from = try_str!(h, mail_from, mail_from_len, "mail_from");
        let rcpts = try_str!(h, recipients, recipients_len, "recipients");
        if path.is_empty() {
            return h.fail(missive_result::InvalidArgument, "the path is empty");
        }
        let (from, list) = match raw_envelope(h, from, rcpts) {
            Ok(e) => e,
            Err(code) => return code,
        };
        let outcome = h.client.forward_file(Path::new(path), &from, &list);
        // SAFETY: forwarded contract.
        unsafe { finish_send(h, outcome, out_result) }
    }
}

/// As `missive_client_forward_file`, reading the message from the open file descriptor `fd`,
/// from its current offset to its end. For a regular file the size (from fstat, less the
/// offset) is checked against the server's SIZE limit before anything is sent; for a pipe or
/// socket the size is unknown. `fd` is not closed; its offset is advanced past what was read.
///
/// Returns MISSIVE_RESULT_INVALID_ARGUMENT for a negative `fd`, MISSIVE_RESULT_IO for a descriptor
/// that cannot be read, and the codes of `missive_client_forward_file`.
///
/// Ownership: borrows the arguments (`fd` stays the caller's); the caller owns `*out_result`. NULL:
/// a NULL `client` gives MISSIVE_RESULT_NULL_ARGUMENT; strings follow the (NULL, 0) rule;
/// `out_result` may be NULL. Thread safety: safe to call from several threads at once on the same
/// client; `fd` must not be read by anyone else during the call.
///
/// # Safety
/// `client` is NULL or live; `fd` is an open descriptor (or negative); each pointer points to
/// its length; `out_result` is NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn missive_client_forward_fd(
    client: *mut missive_client,
    fd: i32,
    mail_from: *const c_char,
    mail_from_len: usize,
    recipients: *const c_char,
    recipients_len: usize,
    out_result: *mut *mut missive_send_result,
) -> missive_result {
    ffi_boundary! {
        let h = try_ref!(client.cast_const());
        let from = try_str!(h, mail_from, mail_from_len, "mail_from");
        let rcpts = try_str!(h, recipients, recipients_len, "recipients");
        if fd < 0 {
            return h.fail(missive_result::InvalidArgument, format!("{fd} is not a file descriptor"));
        }
        let (from, list) = match raw_envelope(h, from, rcpts) {
            Ok(e) => e,
            Err(code) => return code,
        };
        // SAFETY: the caller guarantees `fd` is open for the duration of the call; the
        // duplicate made here is owned (and closed) by us and shares the file offset.
        let borrowed = unsafe { std::os::fd::BorrowedFd::borrow_raw(fd) };
        let file = match borrowed.try_clone_to_owned() {
            Ok(owned) => File::from(owned),
            Err(e) => return h.fail(missive_result::Io, format!("cannot use file descriptor {fd}: {}", crate::message::error::io_reason(&e))),
        };
        let outcome = h.client.forward_open_file(&file, &from, &list);
        // SAFETY: forwarded contract.
        unsafe { finish_send(h, outcome, out_result) }
    }
}

/// A reader over a C read callback.
struct CallbackReader {
    cb: unsafe extern "C" fn(*mut c_void, *mut u8, usize) -> i64,
    userdata: *mut c_void,
}

impl Read for CallbackReader {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        // SAFETY: the caller of `missive_client_forward_stream` promised a valid callback that
        // writes at most `len` bytes into `buf`.
        let n = unsafe { (self.cb)(self.userdata, buf.as_mut_ptr(), buf.len()) };
        if n < 0 {
            return Err(io::Error::other(format!(
                "the read callback returned an error ({n})"
            )));
        }
        let n = n as u64;
        if n > buf.len() as u64 {
            return Err(io::Error::other(format!(
                "the read callback returned {n}, more than the {} bytes asked for",
                buf.len()
            )));
        }
        Ok(n as usize)
    }
}

/// As `missive_client_forward_file`, reading the message through `read_cb(userdata, buf, len)`
/// until it returns 0 (a negative return is an error: the transaction is aborted, nothing is
/// delivered, and the call returns MISSIVE_RESULT_IO). `size_hint` is the message's size in bytes
/// when known (checked against the server's SIZE limit before anything is sent), or negative when
/// unknown. Nothing is read before the server accepted the envelope.
///
/// `read_cb` runs on the calling thread, during this call only; it must not call functions on
/// this client. `userdata` is passed to it untouched and never freed.
///
/// Ownership: borrows the arguments for the call (nothing is retained); the caller owns
/// `*out_result`. NULL: a NULL `client` or `read_cb` gives MISSIVE_RESULT_NULL_ARGUMENT; strings
/// follow the (NULL, 0) rule; `out_result` may be NULL. Thread safety: safe to call from several
/// threads at once on the same client.
///
/// # Safety
/// `client` is NULL or live; `read_cb` is NULL or a valid function that writes at most `len`
/// bytes into `buf`; each pointer points to its length; `out_result` is NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn missive_client_forward_stream(
    client: *mut missive_client,
    read_cb: missive_read_cb,
    userdata: *mut c_void,
    size_hint: i64,
    mail_from: *const c_char,
    mail_from_len: usize,
    recipients: *const c_char,
    recipients_len: usize,
    out_result: *mut *mut missive_send_result,
) -> missive_result {
    ffi_boundary! {
        let h = try_ref!(client.cast_const());
        let Some(cb) = read_cb else {
            return h.fail(missive_result::NullArgument, "read_cb is NULL");
        };
        let from = try_str!(h, mail_from, mail_from_len, "mail_from");
        let rcpts = try_str!(h, recipients, recipients_len, "recipients");
        let (from, list) = match raw_envelope(h, from, rcpts) {
            Ok(e) => e,
            Err(code) => return code,
        };
        let mut reader = CallbackReader { cb, userdata };
        let hint = u64::try_from(size_hint).ok();
        let outcome = h.client.forward_stream(&from, &list, &mut reader, hint);
        // SAFETY: forwarded contract.
        unsafe { finish_send(h, outcome, out_result) }
    }
}
