//! `missive_message`: compose, load and save a message.

use std::ffi::c_char;
use std::path::Path;
use std::sync::{Arc, Mutex};

use super::boundary::{ffi_boundary, try_bytes, try_mut, try_ref, try_str, write_out};
use super::handle::{self, Handle};
use super::result::{ErrorSlot, HasError, missive_result};
use crate::deliver::{Envelope, Prepared};
use crate::message::{
    DeliveryNotification, DsnNotify, DsnReturn, MailAddress, MailMessage, MessageError,
    MessageErrorKind, MimeOptions, Priority, RecipientKind, eml,
};

/// An email message: addresses, subject, bodies, alternate views, attachments, headers.
///
/// Create with `missive_message_new`, free with `missive_message_free` (exactly once).
/// Thread safety: may be moved between threads; must not be used concurrently.
#[allow(non_camel_case_types)]
pub struct missive_message {
    _private: [u8; 0],
}

/// Which address list of a message (`kind` arguments are `int32_t` holding one of these).
#[repr(C)]
#[allow(non_camel_case_types)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum missive_recipient_kind {
    /// `To:`
    To = 0,
    /// `Cc:`
    Cc = 1,
    /// Blind copies: delivered to, never written into the headers.
    Bcc = 2,
    /// `Reply-To:`
    ReplyTo = 3,
}

/// Which list of parts (`kind` arguments are `int32_t` holding one of these).
#[repr(C)]
#[allow(non_camel_case_types)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum missive_part_kind {
    /// Attachments (`Content-Disposition: attachment`).
    Attachment = 0,
    /// Inline resources referenced from the HTML body by content-id.
    InlineResource = 1,
    /// Alternate views (other representations of the body, e.g. `text/calendar`).
    AlternateView = 2,
}

/// Message priority (`priority` arguments are `int32_t` holding one of these).
#[repr(C)]
#[allow(non_camel_case_types)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum missive_priority {
    /// No priority headers.
    Normal = 0,
    /// `X-Priority: 5`, `Importance: low`.
    Low = 1,
    /// `X-Priority: 1`, `Importance: high`.
    High = 2,
}

/// Delivery-status-notification flags (RFC 3461 NOTIFY), OR-ed into a `uint32_t`.
#[repr(C)]
#[allow(non_camel_case_types)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum missive_dsn_notify {
    /// Let the server decide (no NOTIFY parameter).
    Default = 0,
    /// Notify on success.
    Success = 1,
    /// Notify on failure.
    Failure = 2,
    /// Notify on delay.
    Delay = 4,
    /// Never notify (not combinable with the others).
    Never = 8,
}

/// What a failure notification returns (RFC 3461 RET), as `int32_t`.
#[repr(C)]
#[allow(non_camel_case_types)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum missive_dsn_ret {
    /// Let the server decide (no RET parameter).
    Default = 0,
    /// The full message.
    Full = 1,
    /// The headers only.
    Headers = 2,
}

/// What a `missive_message *` points to.
#[derive(Debug, Default)]
pub(crate) struct MessageHandle {
    pub(crate) msg: MailMessage,
    error: ErrorSlot,
    /// The MIME bytes of `msg`, made once and kept until `msg` changes, so that sizing and
    /// filling calls, and saving then sending, see the same Message-ID, date and boundaries.
    rendered: Mutex<Option<Rendered>>,
    /// Loads into this handle refuse what a lenient reading accepts with a warning.
    strict: bool,
    /// The envelope deliveries use instead of the header fields' addresses (set by loading a
    /// pickup file; see `ffi/pickup.rs`). Kept through changes of `msg`.
    pub(crate) envelope: Option<Envelope>,
}

/// A message written out, with the Message-ID it was given.
#[derive(Clone, Debug)]
pub(crate) struct Rendered {
    pub(crate) bytes: Arc<Vec<u8>>,
    pub(crate) message_id: Option<String>,
}

impl Clone for MessageHandle {
    fn clone(&self) -> Self {
        MessageHandle {
            msg: self.msg.clone(),
            error: ErrorSlot::default(),
            rendered: Mutex::new(
                self.rendered
                    .lock()
                    .unwrap_or_else(|e| e.into_inner())
                    .clone(),
            ),
            strict: self.strict,
            envelope: self.envelope.clone(),
        }
    }
}

impl MessageHandle {
    /// The message for changing; forgets the rendered bytes.
    fn edit(&mut self) -> &mut MailMessage {
        *self.rendered.get_mut().unwrap_or_else(|e| e.into_inner()) = None;
        &mut self.msg
    }

    /// Applies a change that can be refused. The rendered bytes are forgotten only when it is
    /// made: a refused change leaves the message, and the Message-ID and date it was saved
    /// with, as they were (the model's setters change nothing when they fail).
    fn try_edit(
        &mut self,
        f: impl FnOnce(&mut MailMessage) -> Result<(), MessageError>,
    ) -> missive_result {
        match f(&mut self.msg) {
            Ok(()) => {
                *self.rendered.get_mut().unwrap_or_else(|e| e.into_inner()) = None;
                self.ok()
            }
            Err(e) => self.fail(code_of(e.kind()), e.message()),
        }
    }

    /// The message as saved: the loaded bytes of an unchanged loaded message, else the MIME
    /// output (made on first use after a change, with a generated Message-ID when it has none).
    pub(crate) fn rendered(&self) -> Rendered {
        let mut slot = self.rendered.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(r) = slot.as_ref() {
            return r.clone();
        }
        let r = match self.msg.original_bytes() {
            Some(original) => Rendered {
                bytes: original.clone(),
                message_id: self.msg.message_id().map(str::to_string),
            },
            None => {
                let mut msg = self.msg.clone();
                // A composed message (or one written anew as TNEF) gets a Message-ID now; a
                // changed loaded message keeps the fields it has (none is added unasked).
                if !msg.is_loaded() || msg.use_tnef() {
                    msg.ensure_message_id();
                }
                Rendered {
                    bytes: Arc::new(crate::deliver::render(&msg, &MimeOptions::default())),
                    message_id: msg.message_id().map(str::to_string),
                }
            }
        };
        *slot = Some(r.clone());
        r
    }

    /// The message ready for delivery: its envelope (the one it was given, else the one its
    /// header fields make) and the bytes that go on the wire (the saved bytes, less any Bcc,
    /// X-Sender and X-Receiver fields a loaded message carried).
    pub(crate) fn prepared(&self) -> Result<Prepared, MessageError> {
        let rendered = self.rendered();
        match &self.envelope {
            Some(envelope) => Prepared::with_envelope(&self.msg, rendered.bytes, envelope),
            None => Prepared::with_bytes(&self.msg, rendered.bytes),
        }
    }

    /// How loads into this handle read (see `missive_message_set_strict_loading`).
    pub(crate) fn load_options(&self) -> eml::LoadOptions {
        eml::LoadOptions {
            strict: self.strict,
        }
    }

    /// Replaces the message with a loaded one and its envelope (None: from its header fields).
    pub(crate) fn replace_loaded(&mut self, msg: MailMessage, envelope: Option<Envelope>) {
        *self.edit() = msg;
        self.envelope = envelope;
    }

    /// The message ready for delivery by `client`: as [`MessageHandle::prepared`], or, when the
    /// client sends as TNEF and the message is not TNEF, written as TNEF from the model (with
    /// the Message-ID it was saved with).
    pub(crate) fn prepared_for(
        &self,
        client: &crate::deliver::Client,
    ) -> Result<Prepared, MessageError> {
        if !client.converts_to_tnef(&self.msg) {
            return self.prepared();
        }
        let mut m = self.msg.clone();
        if m.message_id().is_none() {
            m.set_message_id(self.rendered().message_id.as_deref())?;
        }
        match &self.envelope {
            Some(envelope) => {
                m.set_use_tnef(true);
                let bytes = Arc::new(crate::deliver::render(&m, &client.config().mime));
                Prepared::with_envelope(&self.msg, bytes, envelope)
            }
            None => client.prepare(&m),
        }
    }
}

impl HasError for MessageHandle {
    fn error_slot(&self) -> &ErrorSlot {
        &self.error
    }
}

// SAFETY: `missive_message` pointers are only made by `handle::into_raw` with a MessageHandle.
unsafe impl Handle for missive_message {
    type Inner = MessageHandle;
}

const _: () = {
    const fn is_send<T: Send>() {}
    is_send::<MessageHandle>();
};

/// The result code for a model error.
pub(crate) fn code_of(kind: MessageErrorKind) -> missive_result {
    match kind {
        MessageErrorKind::InvalidArgument => missive_result::InvalidArgument,
        MessageErrorKind::InvalidAddress => missive_result::InvalidAddress,
        MessageErrorKind::InvalidHeader => missive_result::InvalidHeader,
        MessageErrorKind::NotFound => missive_result::FileNotFound,
        MessageErrorKind::PermissionDenied => missive_result::PermissionDenied,
        MessageErrorKind::Io => missive_result::Io,
        MessageErrorKind::MalformedEml => missive_result::MalformedEml,
        MessageErrorKind::TruncatedEml => missive_result::TruncatedEml,
        MessageErrorKind::TooComplex => missive_result::MessageTooComplex,
        MessageErrorKind::NoSender => missive_result::NoSender,
        MessageErrorKind::NoRecipients => missive_result::NoRecipients,
        MessageErrorKind::DkimSigningFailed => missive_result::DkimSigningFailed,
        MessageErrorKind::ListUnsubscribeInvalid => missive_result::ListUnsubscribeInvalid,
    }
}

fn recipient_kind(h: &MessageHandle, kind: i32) -> Result<RecipientKind, missive_result> {
    match kind {
        0 => Ok(RecipientKind::To),
        1 => Ok(RecipientKind::Cc),
        2 => Ok(RecipientKind::Bcc),
        3 => Ok(RecipientKind::ReplyTo),
        other => Err(h.fail(
            missive_result::InvalidArgument,
            format!("{other} is not a missive_recipient_kind (0-3)"),
        )),
    }
}

/// Creates an empty message. Returns NULL only if memory is exhausted or a panic was caught.
///
/// The caller owns the result and frees it with `missive_message_free`.
/// Thread safety: safe to call from any thread.
#[unsafe(no_mangle)]
pub extern "C" fn missive_message_new() -> *mut missive_message {
    ffi_boundary! { handle::into_raw::<missive_message>(MessageHandle::default()) }
}

/// Creates an independent copy of `message` (without its error text). NULL when `message` is
/// NULL. The caller owns the copy.
///
/// Thread safety: read-only; may run concurrently with other read-only calls on the
/// same handle, not with calls that change it.
///
/// # Safety
/// `message` is NULL or a live message.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn missive_message_clone(
    message: *const missive_message,
) -> *mut missive_message {
    ffi_boundary! {
        let h = try_ref!(message);
        handle::into_raw::<missive_message>(h.clone())
    }
}

/// Frees a message. NULL is a no-op. Free exactly once; the pointer is invalid afterwards.
///
/// Thread safety: no other call on the handle may be in progress.
/// Ownership: takes ownership of `message`; the pointer is invalid afterwards.
///
/// # Safety
/// `message` is NULL or a live message not in use by another thread.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn missive_message_free(message: *mut missive_message) {
    ffi_boundary! {
        // SAFETY: forwarded contract.
        unsafe { handle::free(message) }
    }
}

/// Copies the text of the most recent failure on `message` (empty after a success) into `buf`,
/// NUL-terminated, with the size-then-fill pattern: `*out_len` receives the bytes needed
/// including the NUL; call with `buf = NULL, buf_len = 0` to ask.
///
/// Returns MISSIVE_RESULT_NULL_ARGUMENT when `message` or `out_len` is NULL;
/// MISSIVE_RESULT_BUFFER_TOO_SMALL.
///
/// Thread safety: read-only; may run concurrently with other read-only calls on the
/// same handle, not with calls that change it.
///
/// # Safety
/// `message` is NULL or live; `buf` is NULL or has `buf_len` writable bytes; `out_len` is NULL
/// or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn missive_message_error(
    message: *const missive_message,
    buf: *mut c_char,
    buf_len: usize,
    out_len: *mut usize,
) -> missive_result {
    ffi_boundary! {
        let h = try_ref!(message);
        // SAFETY: forwarded contract.
        unsafe { super::boundary::copy_error(h, buf, buf_len, out_len) }
    }
}

/// Replaces the contents of `message` with the .eml file at `path` (UTF-8, not NUL-terminated).
/// The message keeps the file's bytes: saved unchanged, it is saved byte for byte; sent
/// unchanged, those bytes go out as they are, less any Bcc, X-Sender and X-Receiver fields
/// (envelope-looking lines in a message are content, never envelope). A change afterwards
/// rewrites only the header fields or the parts it touches; every other byte stays (see the
/// README, "Loaded messages"). Addresses a mail client would still show (no domain, an odd
/// domain) are kept as written. An envelope the message had (see
/// `missive_message_load_pickup_file`) is dropped: its header fields make the envelope.
///
/// Returns MISSIVE_RESULT_FILE_NOT_FOUND, MISSIVE_RESULT_PERMISSION_DENIED, MISSIVE_RESULT_IO,
/// MISSIVE_RESULT_MALFORMED_EML (not a message; when loading strictly, also a header line that is
/// not a field), MISSIVE_RESULT_TRUNCATED_EML (when loading strictly, a multipart that never
/// closes: see `missive_message_set_strict_loading`), MISSIVE_RESULT_MESSAGE_TOO_COMPLEX
/// (multiparts or messages nested more than 100 levels deep, or more than 10,000 MIME parts),
/// MISSIVE_RESULT_INVALID_ARGUMENT (a directory); on failure `message` is unchanged.
///
/// Thread safety: changes the handle; no other call on it may run concurrently.
/// Ownership: arguments are borrowed for the call only; nothing is retained.
///
/// # Safety
/// `message` is NULL or live and not used concurrently; `path` points to `path_len` bytes.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn missive_message_load_file(
    message: *mut missive_message,
    path: *const c_char,
    path_len: usize,
) -> missive_result {
    ffi_boundary! {
        let h = try_mut!(message);
        let path = try_str!(h, path, path_len, "path");
        if path.is_empty() { return h.fail(missive_result::InvalidArgument, "path is empty"); }
        let opts = h.load_options();
        match crate::tnef::load_path(Path::new(path), &opts) {
            Ok(m) => { h.replace_loaded(m, None); h.ok() }
            Err(e) => h.fail(code_of(e.kind()), e.message()),
        }
    }
}

/// Replaces the contents of `message` with the message in `data` (copied). As
/// `missive_message_load_file` otherwise.
///
/// Thread safety: changes the handle; no other call on it may run concurrently.
///
/// # Safety
/// `message` is NULL or live and not used concurrently; `data` points to `data_len` bytes.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn missive_message_load_bytes(
    message: *mut missive_message,
    data: *const u8,
    data_len: usize,
) -> missive_result {
    ffi_boundary! {
        let h = try_mut!(message);
        let data = try_bytes!(h, data, data_len, "data");
        let opts = h.load_options();
        match crate::tnef::load_bytes(data.to_vec(), &opts) {
            Ok(m) => { h.replace_loaded(m, None); h.ok() }
            Err(e) => h.fail(code_of(e.kind()), e.message()),
        }
    }
}

/// Chooses how later `missive_message_load_file` / `missive_message_load_bytes` calls on this
/// handle read a message: leniently (`strict` false, the default: a multipart whose closing
/// delimiter is missing, or a header line that is not a field, is read as Python's `email` and
/// MimeKit read it, and a warning is kept, see `missive_message_load_warnings`) or strictly
/// (`strict` true: such a message is refused with MISSIVE_RESULT_TRUNCATED_EML or
/// MISSIVE_RESULT_MALFORMED_EML respectively, and the handle is left as it was).
///
/// Returns MISSIVE_RESULT_NULL_ARGUMENT when `message` is NULL.
///
/// Ownership: borrows `message` for the call.
/// Thread safety: changes the handle; no other call on it may run concurrently.
///
/// # Safety
/// `message` is NULL or live and not used concurrently.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn missive_message_set_strict_loading(
    message: *mut missive_message,
    strict: bool,
) -> missive_result {
    ffi_boundary! {
        let h = try_mut!(message);
        h.strict = strict;
        h.ok()
    }
}

/// Copies what the last load into this message accepted leniently (for example "the
/// multipart/mixed with boundary "XX" never closes ..."), one warning per line, NUL-terminated,
/// size-then-fill; the empty string when there were none or the message was not loaded.
///
/// Returns MISSIVE_RESULT_NULL_ARGUMENT (NULL `message` or `out_len`),
/// MISSIVE_RESULT_BUFFER_TOO_SMALL.
///
/// Ownership: borrows `message` for the call; `buf` is written, not retained.
/// Thread safety: read-only; may run concurrently with other read-only calls on the
/// same handle, not with calls that change it.
///
/// # Safety
/// `message` is NULL or live; `buf` is NULL or has `buf_len` writable bytes; `out_len` writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn missive_message_load_warnings(
    message: *const missive_message,
    buf: *mut c_char,
    buf_len: usize,
    out_len: *mut usize,
) -> missive_result {
    ffi_boundary! {
        let h = try_ref!(message);
        let text = h.msg.load_warnings().join("\n");
        // SAFETY: forwarded contract.
        unsafe { write_out(h, text.as_bytes(), true, buf.cast(), buf_len, out_len) }
    }
}

/// Saves the message as an .eml file at `path`, atomically (temporary file, fsync, rename).
/// The same bytes as `missive_message_save_buffer` gives. A composed message without a
/// Message-ID or date gets them when first saved or sent, and keeps them until it is changed;
/// a loaded one keeps the fields it has (none is added that was not set).
///
/// Returns MISSIVE_RESULT_FILE_NOT_FOUND (no such directory), MISSIVE_RESULT_PERMISSION_DENIED,
/// MISSIVE_RESULT_IO, MISSIVE_RESULT_INVALID_ARGUMENT.
///
/// Thread safety: read-only; may run concurrently with other read-only calls on the
/// same handle, not with calls that change it.
/// Ownership: arguments are borrowed for the call only; nothing is retained.
///
/// # Safety
/// `message` is NULL or live; `path` points to `path_len` bytes.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn missive_message_save_file(
    message: *const missive_message,
    path: *const c_char,
    path_len: usize,
) -> missive_result {
    ffi_boundary! {
        let h = try_ref!(message);
        let path = try_str!(h, path, path_len, "path");
        if path.is_empty() { return h.fail(missive_result::InvalidArgument, "path is empty"); }
        let bytes = h.rendered().bytes;
        match crate::deliver::atomic_write(Path::new(path), &[&bytes]) {
            Ok(()) => h.ok(),
            Err(e) => {
                let e = MessageError::from_io(&e, format!("cannot write {path}"));
                h.fail(code_of(e.kind()), e.message())
            }
        }
    }
}

/// Copies the message as MIME (.eml bytes, not NUL-terminated) into `buf` with the
/// size-then-fill pattern: `*out_len` receives the size; `buf = NULL, buf_len = 0` asks.
/// Successive calls give the same bytes while the message is unchanged.
///
/// Thread safety: read-only; may run concurrently with other read-only calls on the
/// same handle, not with calls that change it.
///
/// # Safety
/// `message` is NULL or live; `buf` is NULL or has `buf_len` writable bytes; `out_len` writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn missive_message_save_buffer(
    message: *const missive_message,
    buf: *mut u8,
    buf_len: usize,
    out_len: *mut usize,
) -> missive_result {
    ffi_boundary! {
        let h = try_ref!(message);
        let bytes = h.rendered().bytes;
        // SAFETY: forwarded contract.
        unsafe { write_out(h, &bytes, false, buf, buf_len, out_len) }
    }
}

/// Sets `From:` from one mailbox (`a@b`, `Name <a@b>`, `"Last, First" <a@b>`; UTF-8).
///
/// Returns MISSIVE_RESULT_INVALID_ADDRESS (with the reason) for a malformed address or one
/// containing CR, LF or other control characters.
///
/// Thread safety: changes the handle; no other call on it may run concurrently.
/// Ownership: arguments are borrowed for the call only; nothing is retained.
///
/// # Safety
/// `message` is NULL or live and not used concurrently; `address` points to `address_len` bytes.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn missive_message_set_from(
    message: *mut missive_message,
    address: *const c_char,
    address_len: usize,
) -> missive_result {
    ffi_boundary! {
        let h = try_mut!(message);
        let address = try_str!(h, address, address_len, "address");
        match MailAddress::parse(address) {
            Ok(a) => { h.edit().set_from(a); h.ok() }
            Err(e) => h.fail(code_of(e.kind()), e.message()),
        }
    }
}

/// Sets `Sender:` (also the envelope sender); `(NULL, 0)` or an empty string removes it.
/// Returns MISSIVE_RESULT_INVALID_ADDRESS as `missive_message_set_from`.
///
/// Thread safety: changes the handle; no other call on it may run concurrently.
/// Ownership: arguments are borrowed for the call only; nothing is retained.
///
/// # Safety
/// As `missive_message_set_from`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn missive_message_set_sender(
    message: *mut missive_message,
    address: *const c_char,
    address_len: usize,
) -> missive_result {
    ffi_boundary! {
        let h = try_mut!(message);
        let address = try_str!(h, address, address_len, "address");
        if address.trim().is_empty() { h.edit().set_sender(None); return h.ok(); }
        match MailAddress::parse(address) {
            Ok(a) => { h.edit().set_sender(Some(a)); h.ok() }
            Err(e) => h.fail(code_of(e.kind()), e.message()),
        }
    }
}

/// Adds addresses to a list: `kind` is a `missive_recipient_kind`; `addresses` is one mailbox
/// or a comma-separated list. All or none are added.
///
/// Returns MISSIVE_RESULT_INVALID_ARGUMENT for an unknown `kind`; MISSIVE_RESULT_INVALID_ADDRESS
/// (naming the bad one).
///
/// Thread safety: changes the handle; no other call on it may run concurrently.
/// NULL: a NULL handle gives the NULL value of the return type.
///
/// # Safety
/// As `missive_message_set_from`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn missive_message_add_recipients(
    message: *mut missive_message,
    kind: i32,
    addresses: *const c_char,
    addresses_len: usize,
) -> missive_result {
    ffi_boundary! {
        let h = try_mut!(message);
        let kind = match recipient_kind(h, kind) { Ok(k) => k, Err(code) => return code };
        let list = try_str!(h, addresses, addresses_len, "addresses");
        h.try_edit(|m| m.add_recipients_str(kind, list).map(|_| ()))
    }
}

/// Removes every address from one list (`kind` is a `missive_recipient_kind`).
/// Returns MISSIVE_RESULT_INVALID_ARGUMENT for an unknown `kind`.
///
/// Thread safety: changes the handle; no other call on it may run concurrently.
///
/// # Safety
/// `message` is NULL or live and not used concurrently.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn missive_message_clear_recipients(
    message: *mut missive_message,
    kind: i32,
) -> missive_result {
    ffi_boundary! {
        let h = try_mut!(message);
        let kind = match recipient_kind(h, kind) { Ok(k) => k, Err(code) => return code };
        h.edit().clear_recipients(kind);
        h.ok()
    }
}

/// The number of addresses in one list (`kind` is a `missive_recipient_kind`); 0 when
/// `message` is NULL or `kind` is unknown.
///
/// Thread safety: read-only; may run concurrently with other read-only calls on the
/// same handle, not with calls that change it.
///
/// # Safety
/// `message` is NULL or live.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn missive_message_recipient_count(
    message: *const missive_message,
    kind: i32,
) -> usize {
    ffi_boundary! {
        let h = try_ref!(message);
        match recipient_kind(h, kind) { Ok(k) => h.msg.recipients(k).len(), Err(_) => 0 }
    }
}

/// Copies one address of a list, formatted as `Name <a@b>` (or `a@b` without a name),
/// NUL-terminated, size-then-fill. Returns MISSIVE_RESULT_INDEX_OUT_OF_RANGE,
/// MISSIVE_RESULT_INVALID_ARGUMENT (kind).
///
/// Thread safety: read-only; may run concurrently with other read-only calls on the
/// same handle, not with calls that change it.
///
/// # Safety
/// `message` is NULL or live; `buf` is NULL or has `buf_len` writable bytes; `out_len` writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn missive_message_recipient(
    message: *const missive_message,
    kind: i32,
    index: usize,
    buf: *mut c_char,
    buf_len: usize,
    out_len: *mut usize,
) -> missive_result {
    ffi_boundary! {
        let h = try_ref!(message);
        let kind = match recipient_kind(h, kind) { Ok(k) => k, Err(code) => return code };
        let list = h.msg.recipients(kind);
        let Some(a) = list.get(index) else {
            return h.fail(missive_result::IndexOutOfRange,
                format!("index {index} is past the end of a list of {}", list.len()));
        };
        // SAFETY: forwarded contract.
        unsafe { write_out(h, a.to_string().as_bytes(), true, buf.cast(), buf_len, out_len) }
    }
}

/// Copies `From:` (formatted as `missive_message_recipient` does); MISSIVE_RESULT_NOT_FOUND when
/// unset.
///
/// Thread safety: read-only; may run concurrently with other read-only calls on the
/// same handle, not with calls that change it.
/// NULL: a NULL handle gives the NULL value of the return type.
///
/// # Safety
/// As `missive_message_recipient`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn missive_message_from(
    message: *const missive_message,
    buf: *mut c_char,
    buf_len: usize,
    out_len: *mut usize,
) -> missive_result {
    ffi_boundary! {
        let h = try_ref!(message);
        let Some(a) = h.msg.from() else {
            return h.fail(missive_result::NotFound, "the message has no From address");
        };
        // SAFETY: forwarded contract.
        unsafe { write_out(h, a.to_string().as_bytes(), true, buf.cast(), buf_len, out_len) }
    }
}

/// Sets the subject (UTF-8; non-ASCII is encoded on output). Returns MISSIVE_RESULT_INVALID_HEADER
/// when it contains CR, LF or another control character.
///
/// Thread safety: changes the handle; no other call on it may run concurrently.
/// Ownership: arguments are borrowed for the call only; nothing is retained.
///
/// # Safety
/// `message` is NULL or live and not used concurrently; `subject` points to `subject_len` bytes.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn missive_message_set_subject(
    message: *mut missive_message,
    subject: *const c_char,
    subject_len: usize,
) -> missive_result {
    ffi_boundary! {
        let h = try_mut!(message);
        let subject = try_str!(h, subject, subject_len, "subject");
        h.try_edit(|m| m.set_subject(subject))
    }
}

/// Copies the subject, NUL-terminated, size-then-fill.
///
/// Thread safety: read-only; may run concurrently with other read-only calls on the
/// same handle, not with calls that change it.
///
/// # Safety
/// `message` is NULL or live; `buf` is NULL or has `buf_len` writable bytes; `out_len` writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn missive_message_subject(
    message: *const missive_message,
    buf: *mut c_char,
    buf_len: usize,
    out_len: *mut usize,
) -> missive_result {
    ffi_boundary! {
        let h = try_ref!(message);
        // SAFETY: forwarded contract.
        unsafe { write_out(h, h.msg.subject().as_bytes(), true, buf.cast(), buf_len, out_len) }
    }
}

/// Sets the body. It is plain text, unless `is_body_html` is set and no separate HTML body
/// exists, in which case it is the HTML body (the `System.Net.Mail` rule).
///
/// Thread safety: changes the handle; no other call on it may run concurrently.
/// Ownership: arguments are borrowed for the call only; nothing is retained.
///
/// # Safety
/// `message` is NULL or live and not used concurrently; `body` points to `body_len` bytes.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn missive_message_set_body(
    message: *mut missive_message,
    body: *const c_char,
    body_len: usize,
) -> missive_result {
    ffi_boundary! {
        let h = try_mut!(message);
        let body = try_str!(h, body, body_len, "body");
        h.edit().set_body(body);
        h.ok()
    }
}

/// Copies the body as set (or loaded: the plain-text part), NUL-terminated, size-then-fill.
///
/// Thread safety: read-only; may run concurrently with other read-only calls on the
/// same handle, not with calls that change it.
/// NULL: a NULL handle gives the NULL value of the return type.
///
/// # Safety
/// As `missive_message_subject`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn missive_message_body(
    message: *const missive_message,
    buf: *mut c_char,
    buf_len: usize,
    out_len: *mut usize,
) -> missive_result {
    ffi_boundary! {
        let h = try_ref!(message);
        // SAFETY: forwarded contract.
        unsafe { write_out(h, h.msg.body().as_bytes(), true, buf.cast(), buf_len, out_len) }
    }
}

/// Sets the HTML body and turns `is_body_html` on. With a (plain-text) body too, the message
/// becomes `multipart/alternative`. `(NULL, 0)` removes the HTML body and turns the flag off.
///
/// Thread safety: changes the handle; no other call on it may run concurrently.
/// Ownership: arguments are borrowed for the call only; nothing is retained.
///
/// # Safety
/// `message` is NULL or live and not used concurrently; `html` points to `html_len` bytes.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn missive_message_set_html_body(
    message: *mut missive_message,
    html: *const c_char,
    html_len: usize,
) -> missive_result {
    ffi_boundary! {
        let h = try_mut!(message);
        let html_text = try_str!(h, html, html_len, "html");
        let value = if html.is_null() { None } else { Some(html_text) };
        h.edit().set_html_body(value);
        h.ok()
    }
}

/// Copies the HTML body, NUL-terminated, size-then-fill; MISSIVE_RESULT_NOT_FOUND when there is
/// none.
///
/// Thread safety: read-only; may run concurrently with other read-only calls on the
/// same handle, not with calls that change it.
/// NULL: a NULL handle gives the NULL value of the return type.
///
/// # Safety
/// As `missive_message_subject`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn missive_message_html_body(
    message: *const missive_message,
    buf: *mut c_char,
    buf_len: usize,
    out_len: *mut usize,
) -> missive_result {
    ffi_boundary! {
        let h = try_ref!(message);
        let Some(html) = h.msg.html_body() else {
            return h.fail(missive_result::NotFound, "the message has no HTML body");
        };
        // SAFETY: forwarded contract.
        unsafe { write_out(h, html.as_bytes(), true, buf.cast(), buf_len, out_len) }
    }
}

/// Sets `is_body_html` (see `missive_message_set_body`).
///
/// Thread safety: changes the handle; no other call on it may run concurrently.
/// Ownership: arguments are borrowed for the call only; nothing is retained.
///
/// # Safety
/// `message` is NULL or live and not used concurrently.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn missive_message_set_is_body_html(
    message: *mut missive_message,
    is_html: bool,
) -> missive_result {
    ffi_boundary! {
        let h = try_mut!(message);
        h.edit().set_is_body_html(is_html);
        h.ok()
    }
}

/// Whether the body is HTML; false when `message` is NULL.
///
/// Thread safety: read-only; may run concurrently with other read-only calls on the
/// same handle, not with calls that change it.
/// Ownership: arguments are borrowed for the call only; nothing is retained.
///
/// # Safety
/// `message` is NULL or live.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn missive_message_is_body_html(message: *const missive_message) -> bool {
    ffi_boundary! {
        let h = try_ref!(message);
        h.msg.is_body_html()
    }
}

/// Adds an alternate view: `content_type` like `text/calendar; method=REQUEST` (without
/// charset), `charset` like `utf-8` (`(NULL, 0)`: utf-8 for text types, none otherwise),
/// `content` bytes in that charset (copied).
///
/// Returns MISSIVE_RESULT_INVALID_ARGUMENT for a malformed media type or charset, or content that
/// is not UTF-8 when the charset is utf-8; MISSIVE_RESULT_INVALID_UTF8 for non-UTF-8 text
/// arguments.
///
/// Thread safety: changes the handle; no other call on it may run concurrently.
///
/// # Safety
/// `message` is NULL or live and not used concurrently; each pointer points to its length.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn missive_message_add_alternate_view(
    message: *mut missive_message,
    content_type: *const c_char,
    content_type_len: usize,
    charset: *const c_char,
    charset_len: usize,
    content: *const u8,
    content_len: usize,
) -> missive_result {
    ffi_boundary! {
        let h = try_mut!(message);
        let ct = try_str!(h, content_type, content_type_len, "content_type");
        let cs = try_str!(h, charset, charset_len, "charset");
        let content = try_bytes!(h, content, content_len, "content");
        let cs = if cs.is_empty() { None } else { Some(cs) };
        h.try_edit(|m| m.add_alternate_view(ct, cs, content.to_vec()))
    }
}

/// Adds an attachment from memory (copied). `name` is the file name shown to the recipient
/// (required); `content_type` `(NULL, 0)` means guessed from the name's extension.
///
/// Returns MISSIVE_RESULT_INVALID_ARGUMENT for an empty name, a name with a path separator or a
/// malformed content type; MISSIVE_RESULT_INVALID_HEADER for control characters in the name.
///
/// Thread safety: changes the handle; no other call on it may run concurrently.
///
/// # Safety
/// `message` is NULL or live and not used concurrently; each pointer points to its length.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn missive_message_add_attachment(
    message: *mut missive_message,
    name: *const c_char,
    name_len: usize,
    content_type: *const c_char,
    content_type_len: usize,
    data: *const u8,
    data_len: usize,
) -> missive_result {
    ffi_boundary! {
        let h = try_mut!(message);
        let name = try_str!(h, name, name_len, "name");
        let ct = try_str!(h, content_type, content_type_len, "content_type");
        let data = try_bytes!(h, data, data_len, "data");
        let ct = if ct.is_empty() { None } else { Some(ct) };
        h.try_edit(|m| m.add_attachment(name, ct, data.to_vec()))
    }
}

/// Adds an attachment read from the file at `path` now. `name` `(NULL, 0)` means the file's
/// own name; `content_type` `(NULL, 0)` means guessed from the name.
///
/// Returns MISSIVE_RESULT_FILE_NOT_FOUND, MISSIVE_RESULT_PERMISSION_DENIED, MISSIVE_RESULT_IO, and
/// the codes of `missive_message_add_attachment`.
///
/// Thread safety: changes the handle; no other call on it may run concurrently.
///
/// # Safety
/// As `missive_message_add_attachment`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn missive_message_add_attachment_file(
    message: *mut missive_message,
    path: *const c_char,
    path_len: usize,
    name: *const c_char,
    name_len: usize,
    content_type: *const c_char,
    content_type_len: usize,
) -> missive_result {
    ffi_boundary! {
        let h = try_mut!(message);
        let path = try_str!(h, path, path_len, "path");
        let name = try_str!(h, name, name_len, "name");
        let ct = try_str!(h, content_type, content_type_len, "content_type");
        if path.is_empty() { return h.fail(missive_result::InvalidArgument, "path is empty"); }
        let name = if name.is_empty() { None } else { Some(name) };
        let ct = if ct.is_empty() { None } else { Some(ct) };
        h.try_edit(|m| m.add_attachment_file(Path::new(path), name, ct))
    }
}

/// Adds an inline resource (typically an image the HTML body shows as `<img src="cid:ID">`).
/// `content_id` is ID, with or without angle brackets; `name` may be `(NULL, 0)`;
/// `content_type` `(NULL, 0)` means guessed from the name.
///
/// Returns MISSIVE_RESULT_INVALID_ARGUMENT for a malformed content-id or content type.
///
/// Thread safety: changes the handle; no other call on it may run concurrently.
/// Ownership: arguments are borrowed for the call only; nothing is retained.
///
/// # Safety
/// As `missive_message_add_attachment`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn missive_message_add_inline_resource(
    message: *mut missive_message,
    content_id: *const c_char,
    content_id_len: usize,
    name: *const c_char,
    name_len: usize,
    content_type: *const c_char,
    content_type_len: usize,
    data: *const u8,
    data_len: usize,
) -> missive_result {
    ffi_boundary! {
        let h = try_mut!(message);
        let cid = try_str!(h, content_id, content_id_len, "content_id");
        let name = try_str!(h, name, name_len, "name");
        let ct = try_str!(h, content_type, content_type_len, "content_type");
        let data = try_bytes!(h, data, data_len, "data");
        let ct = if ct.is_empty() { None } else { Some(ct) };
        h.try_edit(|m| m.add_inline_resource(cid, name, ct, data.to_vec()))
    }
}

fn part_kind(h: &MessageHandle, kind: i32) -> Result<missive_part_kind, missive_result> {
    match kind {
        0 => Ok(missive_part_kind::Attachment),
        1 => Ok(missive_part_kind::InlineResource),
        2 => Ok(missive_part_kind::AlternateView),
        other => Err(h.fail(
            missive_result::InvalidArgument,
            format!("{other} is not a missive_part_kind (0-2)"),
        )),
    }
}

/// The number of parts of one kind (`kind` is a `missive_part_kind`); 0 when `message` is NULL
/// or `kind` unknown.
///
/// Thread safety: read-only; may run concurrently with other read-only calls on the
/// same handle, not with calls that change it.
///
/// # Safety
/// `message` is NULL or live.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn missive_message_part_count(
    message: *const missive_message,
    kind: i32,
) -> usize {
    ffi_boundary! {
        let h = try_ref!(message);
        match part_kind(h, kind) {
            Ok(missive_part_kind::Attachment) => h.msg.attachments().len(),
            Ok(missive_part_kind::InlineResource) => h.msg.inline_resources().len(),
            Ok(missive_part_kind::AlternateView) => h.msg.alternate_views().len(),
            Err(_) => 0,
        }
    }
}

/// Which field of a part `missive_message_part_field` copies (as `int32_t`).
#[repr(C)]
#[allow(non_camel_case_types)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum missive_part_field {
    /// The file name (text; empty for alternate views).
    Name = 0,
    /// The media type (text), e.g. `image/png` or `text/calendar; method=REQUEST`.
    ContentType = 1,
    /// The content-id without angle brackets (text; MISSIVE_RESULT_NOT_FOUND when there is none).
    ContentId = 2,
    /// The bytes (not NUL-terminated).
    Content = 3,
    /// The charset of an alternate view (text; MISSIVE_RESULT_NOT_FOUND for binary content).
    Charset = 4,
}

/// Copies one field of one part with the size-then-fill pattern: text fields NUL-terminated,
/// `CONTENT` as raw bytes. Returns MISSIVE_RESULT_INDEX_OUT_OF_RANGE, MISSIVE_RESULT_NOT_FOUND (no
/// such field on that part), MISSIVE_RESULT_INVALID_ARGUMENT (`kind` or `field` unknown).
///
/// Thread safety: read-only; may run concurrently with other read-only calls on the
/// same handle, not with calls that change it.
///
/// # Safety
/// `message` is NULL or live; `buf` is NULL or has `buf_len` writable bytes; `out_len` writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn missive_message_part_field(
    message: *const missive_message,
    kind: i32,
    index: usize,
    field: i32,
    buf: *mut u8,
    buf_len: usize,
    out_len: *mut usize,
) -> missive_result {
    ffi_boundary! {
        let h = try_ref!(message);
        let kind = match part_kind(h, kind) { Ok(k) => k, Err(code) => return code };
        let count = match kind {
            missive_part_kind::Attachment => h.msg.attachments().len(),
            missive_part_kind::InlineResource => h.msg.inline_resources().len(),
            missive_part_kind::AlternateView => h.msg.alternate_views().len(),
        };
        if index >= count {
            return h.fail(missive_result::IndexOutOfRange,
                format!("index {index} is past the end of a list of {count}"));
        }
        let value: Option<(Vec<u8>, bool)> = match kind {
            missive_part_kind::AlternateView => {
                let v = &h.msg.alternate_views()[index];
                match field {
                    0 => Some((Vec::new(), true)),
                    1 => Some((v.content_type.as_bytes().to_vec(), true)),
                    2 => None,
                    3 => Some((v.content.clone(), false)),
                    4 => v.charset.as_ref().map(|c| (c.as_bytes().to_vec(), true)),
                    other => return h.fail(missive_result::InvalidArgument,
                        format!("{other} is not a missive_part_field (0-4)")),
                }
            }
            _ => {
                let a = if kind == missive_part_kind::Attachment {
                    &h.msg.attachments()[index]
                } else {
                    &h.msg.inline_resources()[index]
                };
                match field {
                    0 => Some((a.name.as_bytes().to_vec(), true)),
                    1 => Some((a.content_type.as_bytes().to_vec(), true)),
                    2 => a.content_id.as_ref().map(|c| (c.as_bytes().to_vec(), true)),
                    3 => Some((a.content.as_ref().clone(), false)),
                    4 => None,
                    other => return h.fail(missive_result::InvalidArgument,
                        format!("{other} is not a missive_part_field (0-4)")),
                }
            }
        };
        let Some((value, nul)) = value else {
            return h.fail(missive_result::NotFound, format!("that part has no field {field}"));
        };
        // SAFETY: forwarded contract.
        unsafe { write_out(h, &value, nul, buf, buf_len, out_len) }
    }
}

/// Adds a custom header. The name is printable ASCII without spaces or `:`, and not one the
/// message sets itself (From, To, Cc, Bcc, Reply-To, Sender, Subject, Date, Message-ID,
/// MIME-Version, any Content-*, X-Priority, Importance); the value is UTF-8 without CR, LF or other
/// control characters (encoded on output when not ASCII).
///
/// Returns MISSIVE_RESULT_INVALID_HEADER naming the problem.
///
/// Thread safety: changes the handle; no other call on it may run concurrently.
/// Ownership: arguments are borrowed for the call only; nothing is retained.
///
/// # Safety
/// `message` is NULL or live and not used concurrently; each pointer points to its length.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn missive_message_add_header(
    message: *mut missive_message,
    name: *const c_char,
    name_len: usize,
    value: *const c_char,
    value_len: usize,
) -> missive_result {
    ffi_boundary! {
        let h = try_mut!(message);
        let name = try_str!(h, name, name_len, "name");
        let value = try_str!(h, value, value_len, "value");
        h.try_edit(|m| m.add_header(name, value))
    }
}

/// Sets the bulk-sender unsubscribe fields (RFC 2369, RFC 8058): `List-Unsubscribe:
/// <url>, <mailto:...>` from `url` (`https://`, or `http://` without one-click) and `mailto`
/// (an address, or a `mailto:` URL with `?subject=...`), either may be `(NULL, 0)`; with
/// `one_click` also `List-Unsubscribe-Post: List-Unsubscribe=One-Click`, which needs an
/// `https://` URL (RFC 8058; mailbox providers expect it from bulk senders, and it is covered
/// by a DKIM signature when the client signs). Both `(NULL, 0)` removes the fields. Replaces
/// any List-Unsubscribe fields the message had; for a loaded message only those fields are
/// rewritten. Read back with `missive_message_header`.
///
/// Returns MISSIVE_RESULT_LIST_UNSUBSCRIBE_INVALID naming the problem (not http(s), no host, one-click
/// without an https URL, a mailto that is not an address, non-ASCII, spaces, `<`, `>`, `"` or
/// an unencoded `,`).
///
/// Thread safety: changes the handle; no other call on it may run concurrently.
/// Ownership: arguments are borrowed for the call only; nothing is retained.
///
/// # Safety
/// `message` is NULL or live and not used concurrently; each pointer points to its length.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn missive_message_set_list_unsubscribe(
    message: *mut missive_message,
    url: *const c_char,
    url_len: usize,
    mailto: *const c_char,
    mailto_len: usize,
    one_click: bool,
) -> missive_result {
    ffi_boundary! {
        let h = try_mut!(message);
        let url = try_str!(h, url, url_len, "url");
        let mailto = try_str!(h, mailto, mailto_len, "mailto");
        h.try_edit(|m| m.set_list_unsubscribe(Some(url), Some(mailto), one_click))
    }
}

/// Copies the first custom header called `name` (case-insensitive), NUL-terminated,
/// size-then-fill. Returns MISSIVE_RESULT_NOT_FOUND when the message has none.
///
/// Thread safety: read-only; may run concurrently with other read-only calls on the
/// same handle, not with calls that change it.
///
/// # Safety
/// `message` is NULL or live; `name` points to `name_len` bytes; `buf` is NULL or has `buf_len`
/// writable bytes; `out_len` writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn missive_message_header(
    message: *const missive_message,
    name: *const c_char,
    name_len: usize,
    buf: *mut c_char,
    buf_len: usize,
    out_len: *mut usize,
) -> missive_result {
    ffi_boundary! {
        let h = try_ref!(message);
        let name = try_str!(h, name, name_len, "name");
        let Some(value) = h.msg.header(name) else {
            return h.fail(missive_result::NotFound, format!("the message has no {name} header"));
        };
        // SAFETY: forwarded contract.
        unsafe { write_out(h, value.as_bytes(), true, buf.cast(), buf_len, out_len) }
    }
}

/// Sets the priority (`priority` is a `missive_priority`). Returns MISSIVE_RESULT_INVALID_ARGUMENT
/// otherwise.
///
/// Thread safety: changes the handle; no other call on it may run concurrently.
/// Ownership: arguments are borrowed for the call only; nothing is retained.
///
/// # Safety
/// `message` is NULL or live and not used concurrently.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn missive_message_set_priority(
    message: *mut missive_message,
    priority: i32,
) -> missive_result {
    ffi_boundary! {
        let h = try_mut!(message);
        let p = match priority {
            0 => Priority::Normal,
            1 => Priority::Low,
            2 => Priority::High,
            other => return h.fail(missive_result::InvalidArgument,
                format!("{other} is not a missive_priority (0-2)")),
        };
        h.edit().set_priority(p);
        h.ok()
    }
}

/// Sets the date: `unix_seconds` since 1970 (UTC) shown in the zone `utc_offset_minutes` east of
/// UTC (-840..=840). Without a date, the time of the first save or send is used.
/// Returns MISSIVE_RESULT_INVALID_ARGUMENT for an offset or year out of range.
///
/// Thread safety: changes the handle; no other call on it may run concurrently.
///
/// # Safety
/// `message` is NULL or live and not used concurrently.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn missive_message_set_date(
    message: *mut missive_message,
    unix_seconds: i64,
    utc_offset_minutes: i32,
) -> missive_result {
    ffi_boundary! {
        let h = try_mut!(message);
        h.try_edit(|m| m.set_date(Some((unix_seconds, utc_offset_minutes))))
    }
}

/// Sets the Message-ID (`id-left@id-right`, angle brackets optional); `(NULL, 0)` means one is
/// generated. Returns MISSIVE_RESULT_INVALID_HEADER for a malformed id.
///
/// Thread safety: changes the handle; no other call on it may run concurrently.
/// Ownership: arguments are borrowed for the call only; nothing is retained.
///
/// # Safety
/// `message` is NULL or live and not used concurrently; `id` points to `id_len` bytes.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn missive_message_set_message_id(
    message: *mut missive_message,
    id: *const c_char,
    id_len: usize,
) -> missive_result {
    ffi_boundary! {
        let h = try_mut!(message);
        let id = try_str!(h, id, id_len, "id");
        let value = if id.is_empty() { None } else { Some(id) };
        h.try_edit(|m| m.set_message_id(value))
    }
}

/// Copies the Message-ID (without angle brackets), NUL-terminated, size-then-fill. A composed
/// message without one is given one now: the one it will be saved and sent with while unchanged. A
/// loaded message keeps its bytes as they are: MISSIVE_RESULT_NOT_FOUND when it has none.
///
/// Thread safety: read-only; may run concurrently with other read-only calls on the
/// same handle, not with calls that change it.
///
/// # Safety
/// `message` is NULL or live; `buf` is NULL or has `buf_len` writable bytes; `out_len` writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn missive_message_message_id(
    message: *const missive_message,
    buf: *mut c_char,
    buf_len: usize,
    out_len: *mut usize,
) -> missive_result {
    ffi_boundary! {
        let h = try_ref!(message);
        let id = match h.msg.message_id() {
            Some(id) => id.to_string(),
            None => match h.rendered().message_id {
                Some(id) => id,
                None => return h.fail(missive_result::NotFound,
                    "the loaded message has no Message-ID (it is sent as loaded, without one)"),
            },
        };
        // SAFETY: forwarded contract.
        unsafe { write_out(h, id.as_bytes(), true, buf.cast(), buf_len, out_len) }
    }
}

/// Sets delivery-status-notification options, used when a server offers DSN: `notify` ORs
/// `missive_dsn_notify` flags; `ret` is a `missive_dsn_ret`; `envelope_id` `(NULL, 0)` for none.
/// Returns MISSIVE_RESULT_INVALID_ARGUMENT for unknown flags, NEVER combined with others, or a bad
/// ENVID.
///
/// Thread safety: changes the handle; no other call on it may run concurrently.
///
/// # Safety
/// `message` is NULL or live and not used concurrently; `envelope_id` points to its length.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn missive_message_set_delivery_notification(
    message: *mut missive_message,
    notify: u32,
    ret: i32,
    envelope_id: *const c_char,
    envelope_id_len: usize,
) -> missive_result {
    ffi_boundary! {
        let h = try_mut!(message);
        let envid = try_str!(h, envelope_id, envelope_id_len, "envelope_id");
        if notify & !0xF != 0 {
            return h.fail(missive_result::InvalidArgument,
                format!("notify 0x{notify:x} has bits outside missive_dsn_notify"));
        }
        let ret = match ret {
            0 => None,
            1 => Some(DsnReturn::Full),
            2 => Some(DsnReturn::Headers),
            other => return h.fail(missive_result::InvalidArgument,
                format!("{other} is not a missive_dsn_ret (0-2)")),
        };
        let dsn = DeliveryNotification {
            notify: DsnNotify {
                success: notify & 1 != 0,
                failure: notify & 2 != 0,
                delay: notify & 4 != 0,
                never: notify & 8 != 0,
            },
            ret,
            envelope_id: if envid.is_empty() { None } else { Some(envid.to_string()) },
        };
        h.try_edit(|m| m.set_delivery_notification(dsn))
    }
}

/// Whether an address of the message has a non-ASCII local part, so that sending it needs
/// the SMTPUTF8 extension. False when `message` is NULL.
///
/// Thread safety: read-only; may run concurrently with other read-only calls on the
/// same handle, not with calls that change it.
/// Ownership: arguments are borrowed for the call only; nothing is retained.
///
/// # Safety
/// `message` is NULL or live.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn missive_message_needs_smtputf8(message: *const missive_message) -> bool {
    ffi_boundary! {
        let h = try_ref!(message);
        h.msg.needs_smtputf8()
    }
}
