//! `missive_client`: where and how messages are delivered.

use std::ffi::{c_char, c_void};
use std::path::PathBuf;
use std::sync::Arc;

use zeroize::Zeroize;

use super::boundary::{
    Userdata, copy_error, ffi_boundary, try_arg, try_bytes, try_ref, try_str, write_out,
};
use super::collection::missive_message_collection;
use super::handle::{self, Handle};
use super::message::{code_of, missive_message};
use super::result::{ErrorSlot, HasError, missive_result};
use super::send_result::{SendResultHandle, missive_send_result, outcome_status};
use crate::deliver::{Client, DeliverError, DeliverErrorKind, Delivery, DeliveryMethod, Prepared};
use crate::message::{MailAddress, parse_address_list};
use crate::smtp::{
    AuthMechanism, ClientCertificate, LogDirection, Security, SmtpErrorKind, Stage, TlsVersion,
};

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
    pub(crate) client: Arc<Client>,
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
        DeliverErrorKind::Smtp(k) => smtp_code(k),
    }
}

/// The result code for an SMTP error.
pub(crate) fn smtp_code(kind: SmtpErrorKind) -> missive_result {
    match kind {
        SmtpErrorKind::Connect => missive_result::ConnectFailed,
        SmtpErrorKind::Timeout {
            stage: Stage::DataEnd,
        }
        | SmtpErrorKind::ConnectionLost {
            stage: Stage::DataEnd,
        } => missive_result::OutcomeUnknown,
        SmtpErrorKind::Timeout { .. } => missive_result::Timeout,
        SmtpErrorKind::Tls => missive_result::TlsFailed,
        SmtpErrorKind::TlsRequiredNotOffered => missive_result::StartTlsNotOffered,
        SmtpErrorKind::CertificateInvalid => missive_result::CertificateInvalid,
        SmtpErrorKind::AuthFailed => missive_result::AuthFailed,
        SmtpErrorKind::AuthUnsupported => missive_result::AuthUnsupported,
        SmtpErrorKind::CredentialsRequireTls => missive_result::CredentialsRequireTls,
        SmtpErrorKind::ServerRejected { .. } => missive_result::ServerRejected,
        SmtpErrorKind::AllRecipientsRejected => missive_result::AllRecipientsRejected,
        SmtpErrorKind::SomeRecipientsRejected => missive_result::SomeRecipientsRejected,
        SmtpErrorKind::ProtocolError => missive_result::ProtocolError,
        SmtpErrorKind::ConnectionLost { .. } => missive_result::ConnectionLost,
        SmtpErrorKind::SmtpUtf8NotSupported => missive_result::SmtpUtf8NotSupported,
        SmtpErrorKind::MessageTooLarge => missive_result::MessageTooLarge,
        SmtpErrorKind::InvalidInput => missive_result::InvalidArgument,
        SmtpErrorKind::Io => missive_result::Io,
        SmtpErrorKind::Proxy => missive_result::ProxyFailed,
        SmtpErrorKind::ProxyRefused => missive_result::ProxyRefused,
        SmtpErrorKind::ProxyAuthFailed => missive_result::ProxyAuthFailed,
        SmtpErrorKind::TokenProvider => missive_result::TokenProviderFailed,
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

/// Sets the SMTP server's host name or IP address (UTF-8). Returns MISSIVE_RESULT_INVALID_ARGUMENT
/// for whitespace or control characters in it.
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
        h.client.configure(|c| c.smtp.host = host.to_string());
        h.ok()
    }
}

/// Sets the SMTP port; 0 means the default for the security option (465 for
/// MISSIVE_SECURITY_SSL_IMPLICIT, otherwise 25).
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
        h.client.configure(|c| c.smtp.port = port);
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
        // The old password is wiped, not just freed.
        h.client.configure(|c| { c.password.zeroize(); c.password = password.to_string() });
        h.ok()
    }
}

/// Sets the security option (`security` is a `missive_security`). Returns
/// MISSIVE_RESULT_INVALID_ARGUMENT for other values.
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
        h.client.configure(|c| c.smtp.security = s);
        h.ok()
    }
}

/// Sets the delivery method (`method` is a `missive_delivery_method`). Returns
/// MISSIVE_RESULT_INVALID_ARGUMENT for other values.
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

/// Sets the pickup directory (a path, UTF-8) for MISSIVE_DELIVERY_METHOD_PICKUP_DIRECTORY delivery.
/// It is created on first delivery when missing. Returns MISSIVE_RESULT_INVALID_ARGUMENT for an
/// empty path.
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

/// Delivers `message` by the delivery method.
///
/// With NETWORK, the message goes over SMTP to the configured host, on a connection the client
/// keeps for the next send (each concurrent send uses its own). With
/// MISSIVE_DELIVERY_METHOD_PICKUP_DIRECTORY, it is written atomically as a new uniquely named
/// `.eml` file, starting with `X-Sender:` and `X-Receiver:` envelope lines (Bcc recipients
/// included). The envelope is the message's own (`missive_message_load_pickup_file`), else its
/// Sender or From and To, Cc and Bcc; never lines of its content. Either way the message goes
/// without Bcc, X-Sender and X-Receiver header fields. `message` is not changed (a message without
/// a Message-ID or date is sent with the ones `missive_message_message_id` /
/// `missive_message_save_buffer` show).
///
/// When `out_result` is not NULL, `*out_result` receives a new `missive_send_result` (on
/// success and on failure alike; NULL only for argument errors) that the caller frees: the
/// server's reply, queue id, accepted and refused recipients.
///
/// Returns MISSIVE_RESULT_OK; MISSIVE_RESULT_SOME_RECIPIENTS_REJECTED (delivered to the others
/// unless `require_all_recipients`; see the result); MISSIVE_RESULT_NO_SENDER,
/// MISSIVE_RESULT_NO_RECIPIENTS; MISSIVE_RESULT_PICKUP_DIRECTORY_NOT_SET,
/// MISSIVE_RESULT_FILE_NOT_FOUND, MISSIVE_RESULT_PERMISSION_DENIED, MISSIVE_RESULT_IO,
/// MISSIVE_RESULT_INVALID_ARGUMENT (pickup); MISSIVE_RESULT_HOST_NOT_SET,
/// MISSIVE_RESULT_CONNECT_FAILED, MISSIVE_RESULT_TIMEOUT, MISSIVE_RESULT_TLS_FAILED,
/// MISSIVE_RESULT_CERTIFICATE_INVALID, MISSIVE_RESULT_START_TLS_NOT_OFFERED,
/// MISSIVE_RESULT_CREDENTIALS_REQUIRE_TLS, MISSIVE_RESULT_AUTH_FAILED,
/// MISSIVE_RESULT_AUTH_UNSUPPORTED, MISSIVE_RESULT_SERVER_REJECTED,
/// MISSIVE_RESULT_ALL_RECIPIENTS_REJECTED, MISSIVE_RESULT_SMTP_UTF8_NOT_SUPPORTED,
/// MISSIVE_RESULT_MESSAGE_TOO_LARGE, MISSIVE_RESULT_PROTOCOL_ERROR, MISSIVE_RESULT_CONNECTION_LOST
/// (not delivered), MISSIVE_RESULT_OUTCOME_UNKNOWN (may have been delivered) (SMTP). Detail is
/// stored on `client`, and kept with this send's code in `*out_result`
/// (`missive_send_result_code`, `missive_send_result_detail`), where a concurrent send on the
/// same client cannot overwrite it.
///
/// Ownership: borrows `client` and `message`; the caller owns `*out_result`.
/// Thread safety: safe to call from several threads at once on the same client.
///
/// # Safety
/// `client` is NULL or live; `message` is NULL or live and not changed by another thread
/// during the call; `out_result` is NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn missive_client_send(
    client: *mut missive_client,
    message: *const missive_message,
    out_result: *mut *mut missive_send_result,
) -> missive_result {
    ffi_boundary! {
        let h = try_ref!(client.cast_const());
        let m = try_arg!(h, message, "message");
        let outcome = m.prepared_for(&h.client)
            .map_err(DeliverError::from)
            .and_then(|p| h.client.send_prepared(&p));
        // SAFETY: forwarded contract.
        unsafe { finish_send(h, outcome, out_result) }
    }
}

/// Stores the result object (when asked for) and turns the outcome into a code.
///
/// # Safety
/// `out_result` is NULL or writable.
pub(crate) unsafe fn finish_send(
    h: &ClientHandle,
    outcome: Result<Delivery, DeliverError>,
    out_result: *mut *mut missive_send_result,
) -> missive_result {
    let (code, detail) = outcome_status(&outcome);
    if !out_result.is_null() {
        let r = handle::into_raw::<missive_send_result>(SendResultHandle::from_outcome(&outcome));
        // SAFETY: checked non-NULL; the caller guarantees it is writable.
        unsafe { *out_result = r };
    }
    h.fail(code, detail)
}

/// Delivers every message of `collection` and reports each one: a failure of one message does
/// not stop the others. Over SMTP the messages are pipelined in batches, on one connection or,
/// with `missive_client_set_multi_connection`, on several working one shared queue; a lost
/// connection is re-opened and the send goes on. A message whose final reply was lost is
/// reported UNKNOWN (not sent twice) unless `missive_client_set_retry_policy` says otherwise.
/// The progress callback (`missive_client_set_progress_callback`) can cancel.
///
/// When `out_result` is not NULL, `*out_result` receives a new `missive_bulk_result` with one
/// outcome per message, in order (on success and on failure alike; NULL only for argument
/// errors), which the caller frees with `missive_bulk_result_free`.
///
/// Returns MISSIVE_RESULT_OK when all were delivered (or the collection is empty);
/// MISSIVE_RESULT_CANCELLED when cancelled with messages left; the first failure's code when none
/// was delivered; MISSIVE_RESULT_PARTIAL_FAILURE when some were. The error text on `client` gives
/// each reason once with the indexes of the messages it applies to (up to ten reasons, ten
/// indexes each), e.g. "none of the 3 messages was delivered: could not connect to ...".
///
/// Thread safety: safe to call from several threads at once on the same client.
/// Ownership: arguments are borrowed for the call only; the caller owns `*out_result`.
/// NULL: MISSIVE_RESULT_NULL_ARGUMENT when `client` or `collection` is NULL.
///
/// # Safety
/// `client` is NULL or live; `collection` is NULL or live and not changed during the call;
/// `out_result` is NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn missive_client_send_collection(
    client: *mut missive_client,
    collection: *const missive_message_collection,
    out_result: *mut *mut super::bulk::missive_bulk_result,
) -> missive_result {
    ffi_boundary! {
        let h = try_ref!(client.cast_const());
        // SAFETY: forwarded contract.
        unsafe { super::bulk::send_collection(h, collection, out_result) }
    }
}

/// Sets host, port, security and credentials from a URL: `smtp://` (AUTO), `smtp+starttls://`
/// (MISSIVE_SECURITY_SSL_EXPLICIT), `smtps://` (MISSIVE_SECURITY_SSL_IMPLICIT), `smtp+plain://`
/// (NONE), with optional percent-encoded `user:password@`, `:port`, and
/// `?auth=PLAIN|LOGIN|CRAM-MD5|XOAUTH2` and `&client_name=NAME`. Example:
/// `smtp+starttls://me%40example.com:secret@smtp.example.com:587`. Settings the URL does not
/// mention keep their values (the credentials are replaced).
///
/// Returns MISSIVE_RESULT_INVALID_ARGUMENT naming what is wrong with the URL; the error text never quotes the
/// user name or password (a `?` or `/` left unencoded in them is reported as such: encode them
/// as `%3F`, `%2F`).
///
/// Ownership: borrows the arguments; the URL's parts are copied.
/// Thread safety: safe to call from several threads at once on the same client.
///
/// # Safety
/// `client` is NULL or live; `url` points to `url_len` bytes.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn missive_client_set_url(
    client: *mut missive_client,
    url: *const c_char,
    url_len: usize,
) -> missive_result {
    ffi_boundary! {
        let h = try_ref!(client.cast_const());
        let url = try_str!(h, url, url_len, "url");
        let parsed = match crate::smtp::parse_url(url) {
            Ok(p) => p,
            Err(e) => return h.fail(missive_result::InvalidArgument, e.message),
        };
        h.client.configure(|c| {
            c.smtp.host = parsed.host.clone();
            c.smtp.port = parsed.port;
            c.smtp.security = parsed.security;
            if parsed.client_name.is_some() { c.smtp.client_name = parsed.client_name.clone(); }
            if parsed.auth_mechanism.is_some() { c.smtp.auth_mechanism = parsed.auth_mechanism; }
            match &parsed.credentials {
                Some(cred) => {
                    c.username = cred.username.clone();
                    match &cred.secret {
                        crate::smtp::Secret::Password(p) => { c.password.zeroize(); c.password = p.clone(); c.oauth2_token.zeroize(); c.oauth2_token = None; }
                        crate::smtp::Secret::OAuth2Token(t) => { c.oauth2_token.zeroize(); c.oauth2_token = Some(t.clone()); }
                        crate::smtp::Secret::OAuth2Provider(_) => {}
                    }
                }
                None => { c.username.clear(); c.password.zeroize(); c.oauth2_token.zeroize(); c.oauth2_token = None; }
            }
        });
        h.ok()
    }
}

/// Sets an OAuth 2 access token: AUTH then uses XOAUTH2 with the user name and this token
/// (Gmail, Office 365). `(NULL, 0)` removes it (the password is used again).
///
/// Ownership: borrows the arguments; the token is copied (never logged).
/// Thread safety: safe to call from several threads at once on the same client.
///
/// # Safety
/// `client` is NULL or live; `token` points to `token_len` bytes.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn missive_client_set_oauth2_token(
    client: *mut missive_client,
    token: *const c_char,
    token_len: usize,
) -> missive_result {
    ffi_boundary! {
        let h = try_ref!(client.cast_const());
        let token = try_str!(h, token, token_len, "token");
        h.client.configure(|c| {
            c.oauth2_token.zeroize();
            c.oauth2_token = (!token.is_empty()).then(|| token.to_string());
        });
        h.ok()
    }
}

/// Largest token accepted from a `missive_token_cb` (1 MiB).
const MAX_TOKEN: usize = 1 << 20;
/// The buffer a `missive_token_cb` is first given.
const TOKEN_BUFFER: usize = 16 * 1024;

/// Gives an OAuth 2 access token. `refresh` is false when a token is asked for before AUTH,
/// and true when the server has just refused the token this callback gave (give a fresh one:
/// AUTH is tried once more with it). Write the token (UTF-8) into `buf` (`buf_len` bytes,
/// 16384 at first), set `*out_len` to its length and return `MISSIVE_RESULT_OK` (0).
/// A token longer than `buf_len`: set `*out_len` to its length and return
/// `MISSIVE_RESULT_BUFFER_TOO_SMALL`; the callback is called again with a buffer that large
/// (up to 1 MiB). Any other return value means no token: the send fails with
/// `MISSIVE_RESULT_TOKEN_PROVIDER_FAILED`, and a message the callback wrote into `buf`
/// (`*out_len` bytes) becomes part of the client's error text.
pub type missive_token_cb = Option<
    unsafe extern "C" fn(
        userdata: *mut c_void,
        refresh: bool,
        buf: *mut c_char,
        buf_len: usize,
        out_len: *mut usize,
    ) -> i32,
>;

/// The C token callback and its userdata.
struct TokenCallback {
    cb: unsafe extern "C" fn(*mut c_void, bool, *mut c_char, usize, *mut usize) -> i32,
    data: Userdata,
}

impl TokenCallback {
    /// Calls the callback (again with a larger buffer when it asks for one).
    fn token(&self, refresh: bool) -> Result<String, String> {
        let mut cap = TOKEN_BUFFER;
        loop {
            let mut buf = vec![0u8; cap];
            let mut len = 0usize;
            // SAFETY: the caller promised `cb` is valid and may run on any thread; `buf` has
            // `cap` writable bytes and `len` is a valid place for the length.
            let code = unsafe {
                (self.cb)(
                    self.data.ptr(),
                    refresh,
                    buf.as_mut_ptr().cast(),
                    cap,
                    &mut len,
                )
            };
            if code == missive_result::BufferTooSmall as i32 && len > cap {
                if len > MAX_TOKEN {
                    return Err(format!(
                        "the token callback asked for {len} bytes (at most {MAX_TOKEN})"
                    ));
                }
                cap = len;
                continue;
            }
            let text = (len <= cap).then(|| String::from_utf8_lossy(&buf[..len]).into_owned());
            if code != 0 {
                return Err(match text {
                    Some(t) if !t.is_empty() => format!("the token callback returned {code}: {t}"),
                    _ => format!("the token callback returned {code}"),
                });
            }
            return match text {
                None => Err(format!(
                    "the token callback set a length of {len} for a {cap}-byte buffer"
                )),
                Some(_) => String::from_utf8(buf[..len].to_vec())
                    .map_err(|_| "the token callback gave a token that is not UTF-8".to_string()),
            };
        }
    }
}

/// Sets an OAuth 2 token provider: `cb` is asked for a token before each AUTH (with
/// `refresh` false), and once more with `refresh` true when the server refuses that token,
/// after which AUTH is tried once more (on a new connection when the server closed the first
/// with its refusal); a second refusal fails the send with MISSIVE_RESULT_AUTH_FAILED.
/// The token is used with OAUTHBEARER (RFC 7628) when the server offers it, else XOAUTH2, for
/// the user name set with `missive_client_set_username`; the provider wins over
/// `missive_client_set_oauth2_token` and the password. Tokens never appear in the protocol log
/// or in error texts. `cb` NULL removes the provider (and `userdata_free`, if given, is called
/// with `userdata` at once). `userdata_free` (may be NULL) is called with `userdata` once the
/// provider is replaced or the client freed, after every send that uses it has finished.
///
/// The callback runs on the thread that opens a connection (the sending thread, or a worker of
/// a collection or an asynchronous send), possibly on several at once; it must not call
/// functions on this client.
///
/// Ownership: the client keeps `userdata` until it calls `userdata_free`.
/// Thread safety: safe to call from several threads at once on the same client; `cb` and
/// `userdata` must be usable from any thread.
///
/// # Safety
/// `client` is NULL or live; `cb` is NULL or a valid function; `userdata_free` is NULL or a
/// valid function.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn missive_client_set_token_provider(
    client: *mut missive_client,
    cb: missive_token_cb,
    userdata: *mut c_void,
    userdata_free: missive_userdata_free_cb,
) -> missive_result {
    ffi_boundary! {
        let h = try_ref!(client.cast_const());
        let data = Userdata::new(userdata, userdata_free);
        let provider = cb.map(|cb| {
            let holder = Arc::new(TokenCallback { cb, data });
            crate::smtp::TokenProvider::new(move |refresh| holder.token(refresh))
        });
        h.client.configure(|c| c.token_provider = provider);
        h.ok()
    }
}

/// Sends every connection through a proxy, given as a URL: `socks5://host:port` (also
/// `socks5h://`) with an optional `user:password@`, `socks4a://[user@]host:port`,
/// `socks4://...`, or `http://[user:password@]host:port` for HTTP CONNECT (basic
/// authentication). The user name and password are percent-decoded; default ports are 1080
/// (SOCKS) and 8080 (HTTP). The SMTP host's name is resolved by the proxy (SOCKS5, SOCKS4a,
/// HTTP), and TLS (implicit or STARTTLS) runs end to end through the tunnel, the certificate
/// checked against the SMTP host's name. `(NULL, 0)` or an empty URL removes the proxy.
/// Returns MISSIVE_RESULT_INVALID_ARGUMENT for a malformed URL (the error text never repeats the password).
///
/// Failures when sending: MISSIVE_RESULT_PROXY_FAILED (the proxy is unreachable or broke its protocol),
/// MISSIVE_RESULT_PROXY_REFUSED (it refused to reach the SMTP server), MISSIVE_RESULT_PROXY_AUTH_FAILED (it refused its
/// credentials).
///
/// Ownership: borrows the arguments; the URL's parts are copied.
/// Thread safety: safe to call from several threads at once on the same client.
///
/// # Safety
/// `client` is NULL or live; `url` points to `url_len` bytes.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn missive_client_set_proxy(
    client: *mut missive_client,
    url: *const c_char,
    url_len: usize,
) -> missive_result {
    ffi_boundary! {
        let h = try_ref!(client.cast_const());
        let url = try_str!(h, url, url_len, "url");
        let proxy = if url.is_empty() {
            None
        } else {
            match crate::smtp::parse_proxy_url(url) {
                Ok(p) => Some(p),
                Err(e) => return h.fail(missive_result::InvalidArgument, e.message),
            }
        };
        h.client.configure(|c| c.smtp.proxy = proxy);
        h.ok()
    }
}

/// SMTP authentication mechanisms (`mechanism` arguments are `int32_t`).
#[repr(C)]
#[allow(non_camel_case_types)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum missive_auth_mechanism {
    /// The strongest both sides support (OAUTHBEARER, then XOAUTH2 with a token; else
    /// SCRAM-SHA-256, SCRAM-SHA-1, CRAM-MD5, PLAIN, LOGIN).
    Auto = 0,
    /// PLAIN (RFC 4616).
    Plain = 1,
    /// LOGIN.
    Login = 2,
    /// CRAM-MD5 (RFC 2195).
    CramMd5 = 3,
    /// XOAUTH2 (needs `missive_client_set_oauth2_token` or `missive_client_set_token_provider`).
    Xoauth2 = 4,
    /// SCRAM-SHA-256 (RFC 7677): the password never crosses the wire and the server's
    /// signature is verified.
    ScramSha256 = 5,
    /// SCRAM-SHA-1 (RFC 5802), as SCRAM-SHA-256 with SHA-1.
    ScramSha1 = 6,
    /// OAUTHBEARER (RFC 7628; needs a token as XOAUTH2 does).
    Oauthbearer = 7,
}

/// Chooses the AUTH mechanism (`mechanism` is a `missive_auth_mechanism`). Returns
/// MISSIVE_RESULT_INVALID_ARGUMENT for other values.
///
/// Ownership: borrows `client` for the call.
/// Thread safety: safe to call from several threads at once on the same client.
///
/// # Safety
/// `client` is NULL or live.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn missive_client_set_auth_mechanism(
    client: *mut missive_client,
    mechanism: i32,
) -> missive_result {
    ffi_boundary! {
        let h = try_ref!(client.cast_const());
        let m = match mechanism {
            0 => None,
            1 => Some(AuthMechanism::Plain),
            2 => Some(AuthMechanism::Login),
            3 => Some(AuthMechanism::CramMd5),
            4 => Some(AuthMechanism::XOAuth2),
            5 => Some(AuthMechanism::ScramSha256),
            6 => Some(AuthMechanism::ScramSha1),
            7 => Some(AuthMechanism::OAuthBearer),
            other => return h.fail(missive_result::InvalidArgument,
                format!("{other} is not a missive_auth_mechanism (0-7)")),
        };
        h.client.configure(|c| c.smtp.auth_mechanism = m);
        h.ok()
    }
}

/// Sets the name sent with EHLO (default: the machine's fully qualified name, else an address
/// literal). `(NULL, 0)` restores the default. Returns MISSIVE_RESULT_INVALID_ARGUMENT for white
/// space or control characters.
///
/// Ownership: borrows the arguments; the name is copied.
/// Thread safety: safe to call from several threads at once on the same client.
///
/// # Safety
/// `client` is NULL or live; `name` points to `name_len` bytes.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn missive_client_set_client_name(
    client: *mut missive_client,
    name: *const c_char,
    name_len: usize,
) -> missive_result {
    ffi_boundary! {
        let h = try_ref!(client.cast_const());
        let name = try_str!(h, name, name_len, "name");
        if name.chars().any(|c| c.is_whitespace() || c.is_control()) {
            return h.fail(missive_result::InvalidArgument,
                format!("{name:?} is not a host name: it contains white space or control characters"));
        }
        h.client.configure(|c| c.smtp.client_name = (!name.is_empty()).then(|| name.to_string()));
        h.ok()
    }
}

/// Sets the timeouts in milliseconds: `connect_ms` for each TCP connection attempt, `command_ms`
/// for the greeting, each command's whole reply, the whole TLS handshake, and each write. A reply
/// or handshake must be complete within `command_ms` however slowly its bytes arrive (under TLS as
/// over plain TCP), else the call ends with MISSIVE_RESULT_TIMEOUT. 0 keeps the current value
/// (defaults: 30 s connect, 60 s greeting, 120 s command). The whole call is bounded as well:
/// `missive_client_set_total_timeout`.
///
/// Ownership: borrows `client` for the call.
/// Thread safety: safe to call from several threads at once on the same client.
///
/// # Safety
/// `client` is NULL or live.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn missive_client_set_timeouts(
    client: *mut missive_client,
    connect_ms: u32,
    command_ms: u32,
) -> missive_result {
    ffi_boundary! {
        let h = try_ref!(client.cast_const());
        h.client.configure(|c| {
            if connect_ms > 0 { c.smtp.connect_timeout = std::time::Duration::from_millis(connect_ms.into()); }
            if command_ms > 0 {
                c.smtp.command_timeout = std::time::Duration::from_millis(command_ms.into());
                c.smtp.greeting_timeout = std::time::Duration::from_millis(command_ms.into());
            }
        });
        h.ok()
    }
}

/// Sets the total time limit of one call in milliseconds: connecting (TCP, TLS handshake, greeting,
/// EHLO, STARTTLS, AUTH) plus the transactions of that call — one message for `missive_client_send`
/// and the other single sends, one batch for collections, one message for each message a queue
/// drain delivers. A call still running when it passes ends with MISSIVE_RESULT_TIMEOUT (after the
/// final dot: MISSIVE_RESULT_OUTCOME_UNKNOWN). 0 means no limit; the default is 600000 (10
/// minutes). The command timeout (`missive_client_set_timeouts`) still bounds each reply.
///
/// Ownership: borrows `client` for the call.
/// NULL: a NULL `client` gives MISSIVE_RESULT_NULL_ARGUMENT.
/// Thread safety: safe to call from several threads at once on the same client.
///
/// # Safety
/// `client` is NULL or live.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn missive_client_set_total_timeout(
    client: *mut missive_client,
    total_ms: u64,
) -> missive_result {
    ffi_boundary! {
        let h = try_ref!(client.cast_const());
        h.client.configure(|c| c.smtp.total_timeout = std::time::Duration::from_millis(total_ms));
        h.ok()
    }
}

/// Trusts the CA certificates in the PEM file at `path` (in addition to the system's and the
/// built-in roots). `(NULL, 0)` removes it. The file is read when connecting; a missing or
/// unreadable file then fails the send with MISSIVE_RESULT_TLS_FAILED.
///
/// Ownership: borrows the arguments; the path is copied.
/// Thread safety: safe to call from several threads at once on the same client.
///
/// # Safety
/// `client` is NULL or live; `path` points to `path_len` bytes.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn missive_client_set_ca_file(
    client: *mut missive_client,
    path: *const c_char,
    path_len: usize,
) -> missive_result {
    ffi_boundary! {
        let h = try_ref!(client.cast_const());
        let path = try_str!(h, path, path_len, "path");
        h.client.configure(|c| c.smtp.tls.ca_file = (!path.is_empty()).then(|| PathBuf::from(path)));
        h.ok()
    }
}

/// Presents a client certificate: `cert_path` is a PEM certificate chain, `key_path` its PEM
/// private key. Both `(NULL, 0)` removes it; one empty is MISSIVE_RESULT_INVALID_ARGUMENT.
///
/// Ownership: borrows the arguments; the paths are copied.
/// Thread safety: safe to call from several threads at once on the same client.
///
/// # Safety
/// `client` is NULL or live; each path points to its length.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn missive_client_set_client_certificate(
    client: *mut missive_client,
    cert_path: *const c_char,
    cert_path_len: usize,
    key_path: *const c_char,
    key_path_len: usize,
) -> missive_result {
    ffi_boundary! {
        let h = try_ref!(client.cast_const());
        let cert = try_str!(h, cert_path, cert_path_len, "cert_path");
        let key = try_str!(h, key_path, key_path_len, "key_path");
        let value = match (cert.is_empty(), key.is_empty()) {
            (true, true) => None,
            (false, false) => Some(ClientCertificate { cert_chain_file: cert.into(), key_file: key.into() }),
            _ => return h.fail(missive_result::InvalidArgument,
                "give both the certificate and the key, or neither"),
        };
        h.client.configure(|c| c.smtp.tls.client_certificate = value);
        h.ok()
    }
}

/// Minimum TLS versions (`version` arguments are `int32_t`).
#[repr(C)]
#[allow(non_camel_case_types)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum missive_tls_version {
    /// TLS 1.2 (the default minimum).
    Tls12 = 0,
    /// TLS 1.3.
    Tls13 = 1,
}

/// Sets the minimum TLS version (`version` is a `missive_tls_version`). Returns
/// MISSIVE_RESULT_INVALID_ARGUMENT for other values.
///
/// Ownership: borrows `client` for the call.
/// Thread safety: safe to call from several threads at once on the same client.
///
/// # Safety
/// `client` is NULL or live.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn missive_client_set_min_tls_version(
    client: *mut missive_client,
    version: i32,
) -> missive_result {
    ffi_boundary! {
        let h = try_ref!(client.cast_const());
        let v = match version {
            0 => TlsVersion::Tls12,
            1 => TlsVersion::Tls13,
            other => return h.fail(missive_result::InvalidArgument,
                format!("{other} is not a missive_tls_version (0-1)")),
        };
        h.client.configure(|c| c.smtp.tls.min_version = v);
        h.ok()
    }
}

/// DANGEROUS: with `accept` true, server certificates are accepted whatever their issuer, name
/// or dates (signatures are still checked). Anyone on the network path can then read and change
/// the mail and capture credentials. For test servers only.
///
/// Ownership: borrows `client` for the call.
/// Thread safety: safe to call from several threads at once on the same client.
///
/// # Safety
/// `client` is NULL or live.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn missive_client_dangerous_accept_invalid_certs(
    client: *mut missive_client,
    accept: bool,
) -> missive_result {
    ffi_boundary! {
        let h = try_ref!(client.cast_const());
        h.client.configure(|c| c.smtp.tls.dangerous_accept_invalid_certs = accept);
        h.ok()
    }
}

/// Turns use of PIPELINING (RFC 2920) on (the default: used when the server offers it) or off
/// (for broken servers).
///
/// Ownership: borrows `client` for the call.
/// Thread safety: safe to call from several threads at once on the same client.
///
/// # Safety
/// `client` is NULL or live.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn missive_client_set_pipelining(
    client: *mut missive_client,
    enable: bool,
) -> missive_result {
    ffi_boundary! {
        let h = try_ref!(client.cast_const());
        h.client.configure(|c| c.smtp.pipelining = enable);
        h.ok()
    }
}

/// Turns use of CHUNKING (RFC 3030: the message sent with BDAT, and with PIPELINING several
/// whole transactions in flight) on (the default: used when the server offers it) or off (DATA,
/// one round trip per message; for servers whose CHUNKING is broken).
///
/// Ownership: borrows `client` for the call.
/// Thread safety: safe to call from several threads at once on the same client.
///
/// # Safety
/// `client` is NULL or live.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn missive_client_set_chunking(
    client: *mut missive_client,
    enable: bool,
) -> missive_result {
    ffi_boundary! {
        let h = try_ref!(client.cast_const());
        h.client.configure(|c| c.smtp.chunking = enable);
        h.ok()
    }
}

/// With `require` true, a message some of whose recipients are refused is not sent at all
/// (RSET; MISSIVE_RESULT_SOME_RECIPIENTS_REJECTED). The default (false) delivers to the accepted recipients
/// and reports the refused ones.
///
/// Ownership: borrows `client` for the call.
/// Thread safety: safe to call from several threads at once on the same client.
///
/// # Safety
/// `client` is NULL or live.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn missive_client_set_require_all_recipients(
    client: *mut missive_client,
    require: bool,
) -> missive_result {
    ffi_boundary! {
        let h = try_ref!(client.cast_const());
        h.client.configure(|c| c.smtp.require_all_recipients = require);
        h.ok()
    }
}

/// Direction of a protocol-log line (the `direction` argument of `missive_log_cb`).
#[repr(C)]
#[allow(non_camel_case_types)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum missive_log_direction {
    /// A line the client sent.
    Sent = 0,
    /// A line the server sent.
    Received = 1,
}

/// Receives one protocol line (without CRLF; not NUL-terminated; valid only during the call).
/// `direction` is a `missive_log_direction`.
pub type missive_log_cb = Option<
    unsafe extern "C" fn(
        userdata: *mut c_void,
        direction: i32,
        line: *const c_char,
        line_len: usize,
    ),
>;

/// Frees a callback's userdata when the callback is replaced or the client freed.
pub type missive_userdata_free_cb = Option<unsafe extern "C" fn(userdata: *mut c_void)>;

/// The C callback and its userdata (freed with `userdata_free` when the last user is gone).
struct LogCallback {
    cb: unsafe extern "C" fn(*mut c_void, i32, *const c_char, usize),
    data: Userdata,
}

/// Sets a protocol-log callback that receives every SMTP line sent and received, with AUTH
/// secrets replaced by `<redacted>` and message content summarised as one line. `cb` NULL
/// removes it (and `userdata_free`, if given, is called with `userdata` at once).
/// `userdata_free` (may be NULL) is called with `userdata` once the callback is replaced or the
/// client freed, after every send that uses it has finished.
///
/// The callback runs on the thread that called the sending function, possibly on several
/// threads at once when the client is shared; it must not call functions on this client.
///
/// Ownership: the client keeps `userdata` until it calls `userdata_free`.
/// Thread safety: safe to call from several threads at once on the same client; `cb` and
/// `userdata` must be usable from any thread.
///
/// # Safety
/// `client` is NULL or live; `cb` is NULL or a valid function; `userdata_free` is NULL or a
/// valid function.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn missive_client_set_protocol_log(
    client: *mut missive_client,
    cb: missive_log_cb,
    userdata: *mut c_void,
    userdata_free: missive_userdata_free_cb,
) -> missive_result {
    ffi_boundary! {
        let h = try_ref!(client.cast_const());
        // Without a callback nothing keeps the userdata: dropping it frees it at once.
        let data = Userdata::new(userdata, userdata_free);
        let log: Option<crate::smtp::ProtocolLog> = cb.map(|cb| {
            let holder = Arc::new(LogCallback { cb, data });
            let f: crate::smtp::ProtocolLog = Arc::new(move |dir: LogDirection, line: &str| {
                let d = match dir { LogDirection::Sent => 0, LogDirection::Received => 1 };
                // SAFETY: the caller promised `cb` is valid and may run on any thread.
                unsafe { (holder.cb)(holder.data.ptr(), d, line.as_ptr().cast(), line.len()) };
            });
            f
        });
        h.client.configure(|c| c.smtp.protocol_log = log);
        h.ok()
    }
}

/// Starts each protocol-log line (see `missive_client_set_protocol_log`) with the number of its
/// connection, `[N] ` (default off): connections are numbered 1, 2, ... in the order this
/// client opens them, so the lines of a collection sent over several connections at once can
/// be told apart (a collection over 4 connections logs `[1]` to `[4]`).
///
/// Ownership: borrows `client` for the call.
/// NULL: a NULL `client` gives MISSIVE_RESULT_NULL_ARGUMENT.
/// Thread safety: safe to call from several threads at once on the same client.
///
/// # Safety
/// `client` is NULL or live.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn missive_client_set_protocol_log_connection_numbers(
    client: *mut missive_client,
    enabled: bool,
) -> missive_result {
    ffi_boundary! {
        let h = try_ref!(client.cast_const());
        h.client.configure(|c| c.smtp.log_connection_numbers = enabled);
        h.ok()
    }
}

/// Sends raw message bytes with an explicit envelope: `mail_from` is the reverse path (one address;
/// empty for the null sender `<>`), `recipients` a comma-separated list of addresses, `data` the
/// message (sent as is, with CRLF normalisation and dot-stuffing, less any Bcc, X-Sender and
/// X-Receiver header fields: envelope lines in `data` are content, never envelope). Only NETWORK
/// and MISSIVE_DELIVERY_METHOD_PICKUP_DIRECTORY delivery apply as for `missive_client_send`, and
/// `*out_result` likewise.
///
/// Returns MISSIVE_RESULT_INVALID_ADDRESS for a malformed address, MISSIVE_RESULT_NO_RECIPIENTS for
/// an empty list, and the codes of `missive_client_send`.
///
/// Ownership: borrows the arguments (copied as needed); the caller owns `*out_result`.
/// Thread safety: safe to call from several threads at once on the same client.
///
/// # Safety
/// `client` is NULL or live; each pointer points to its length; `out_result` is NULL or
/// writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn missive_client_send_raw(
    client: *mut missive_client,
    mail_from: *const c_char,
    mail_from_len: usize,
    recipients: *const c_char,
    recipients_len: usize,
    data: *const u8,
    data_len: usize,
    out_result: *mut *mut missive_send_result,
) -> missive_result {
    ffi_boundary! {
        let h = try_ref!(client.cast_const());
        let from = try_str!(h, mail_from, mail_from_len, "mail_from");
        let rcpts = try_str!(h, recipients, recipients_len, "recipients");
        let data = try_bytes!(h, data, data_len, "data");
        let from = if from.trim().is_empty() {
            String::new()
        } else {
            match MailAddress::parse(from) {
                Ok(a) => a.address(),
                Err(e) => return h.fail(code_of(e.kind()), e.message()),
            }
        };
        let list = match parse_address_list(rcpts) {
            Ok(l) => l,
            Err(e) => return h.fail(code_of(e.kind()), e.message()),
        };
        if list.is_empty() {
            return h.fail(missive_result::NoRecipients, "the recipient list is empty");
        }
        let prepared = Prepared {
            mail_from: from,
            smtputf8: list.iter().any(MailAddress::needs_smtputf8),
            recipients: list.iter().map(MailAddress::address).collect(),
            data: Arc::new(data.to_vec()),
            dsn: Default::default(),
        };
        let outcome = h.client.send_prepared(&prepared);
        // SAFETY: forwarded contract.
        unsafe { finish_send(h, outcome, out_result) }
    }
}

/// Sends NOOP on the kept SMTP connection (connecting first when there is none): checks that the
/// server is reachable and the session usable. Returns the codes of the connection phase of
/// `missive_client_send` (MISSIVE_RESULT_HOST_NOT_SET, MISSIVE_RESULT_CONNECT_FAILED,
/// MISSIVE_RESULT_TIMEOUT, TLS errors, AUTH errors, MISSIVE_RESULT_SERVER_REJECTED).
///
/// Ownership: borrows `client` for the call.
/// Thread safety: safe to call from several threads at once on the same client.
///
/// # Safety
/// `client` is NULL or live.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn missive_client_noop(client: *mut missive_client) -> missive_result {
    ffi_boundary! {
        let h = try_ref!(client.cast_const());
        match h.client.noop() {
            Ok(_) => h.ok(),
            Err(e) => fail_deliver(h, &e),
        }
    }
}

/// Connects, secures the connection, authenticates with the configured credentials and quits,
/// on a connection of its own: MISSIVE_RESULT_OK means the credentials work. Returns the codes of
/// `missive_client_noop`, notably MISSIVE_RESULT_AUTH_FAILED.
///
/// Ownership: borrows `client` for the call.
/// Thread safety: safe to call from several threads at once on the same client.
///
/// # Safety
/// `client` is NULL or live.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn missive_client_validate_credentials(
    client: *mut missive_client,
) -> missive_result {
    ffi_boundary! {
        let h = try_ref!(client.cast_const());
        match h.client.validate_credentials() {
            Ok(()) => h.ok(),
            Err(e) => fail_deliver(h, &e),
        }
    }
}

/// Copies the server's EHLO capabilities (connecting when needed), one per line as the server
/// sent them (e.g. "PIPELINING\nSIZE 10240000\nSTARTTLS\nAUTH PLAIN LOGIN"), NUL-terminated,
/// size-then-fill. After STARTTLS these are the capabilities announced over TLS. Returns the
/// codes of `missive_client_noop`.
///
/// Ownership: borrows `client`; the text is copied into `buf`.
/// Thread safety: safe to call from several threads at once on the same client.
///
/// # Safety
/// `client` is NULL or live; `buf` is NULL or has `buf_len` writable bytes; `out_len` writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn missive_client_capabilities(
    client: *mut missive_client,
    buf: *mut c_char,
    buf_len: usize,
    out_len: *mut usize,
) -> missive_result {
    ffi_boundary! {
        let h = try_ref!(client.cast_const());
        if out_len.is_null() {
            return h.fail(missive_result::NullArgument, "out_len is NULL");
        }
        if buf.is_null() && buf_len > 0 {
            // Checked before connecting: the call could only fail.
            return h.fail(missive_result::NullArgument, format!("buf is NULL but buf_len is {buf_len}"));
        }
        match h.client.capabilities() {
            // SAFETY: forwarded contract.
            Ok(caps) => unsafe { write_out(h, caps.raw.join("\n").as_bytes(), true, buf.cast(), buf_len, out_len) },
            Err(e) => fail_deliver(h, &e),
        }
    }
}

/// Sends QUIT on the SMTP connections the client keeps and closes them (the next send opens a
/// new one). Freeing the client does this too.
///
/// Ownership: borrows `client` for the call.
/// Thread safety: safe to call from several threads at once on the same client.
///
/// # Safety
/// `client` is NULL or live.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn missive_client_close(client: *mut missive_client) -> missive_result {
    ffi_boundary! {
        let h = try_ref!(client.cast_const());
        h.client.close();
        h.ok()
    }
}

/// A DKIM signing algorithm (`algorithm` arguments are `int32_t` holding one of these).
#[repr(C)]
#[allow(non_camel_case_types)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum missive_dkim_algorithm {
    /// `rsa-sha256` (RFC 6376): a PKCS#1 `RSA PRIVATE KEY` or PKCS#8 `PRIVATE KEY` RSA key.
    RsaSha256 = 0,
    /// `ed25519-sha256` (RFC 8463): a PKCS#8 `PRIVATE KEY` Ed25519 key.
    Ed25519Sha256 = 1,
}

/// DKIM signer options, OR-ed into a `uint32_t` (0: relaxed/relaxed canonicalization).
#[repr(C)]
#[allow(non_camel_case_types)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum missive_dkim_flags {
    /// Relaxed header and body canonicalization (`c=relaxed/relaxed`), the default.
    Default = 0,
    /// Simple header canonicalization (`c=simple/...`).
    HeaderSimple = 1,
    /// Simple body canonicalization (`c=.../simple`).
    BodySimple = 2,
}

/// Maps `algorithm` and `flags` or says what is wrong with them.
fn dkim_options(
    algorithm: i32,
    flags: u32,
) -> Result<
    (
        crate::deliver::DkimAlgorithm,
        crate::deliver::DkimCanonicalization,
        crate::deliver::DkimCanonicalization,
    ),
    String,
> {
    use crate::deliver::{DkimAlgorithm, DkimCanonicalization as C};
    let algorithm = match algorithm {
        0 => DkimAlgorithm::RsaSha256,
        1 => DkimAlgorithm::Ed25519Sha256,
        other => return Err(format!("{other} is not a missive_dkim_algorithm (0-1)")),
    };
    if flags & !3 != 0 {
        return Err(format!(
            "flags {flags:#x} has bits that are not missive_dkim_flags (0-3)"
        ));
    }
    let canon = |simple: bool| if simple { C::Simple } else { C::Relaxed };
    Ok((algorithm, canon(flags & 1 != 0), canon(flags & 2 != 0)))
}

/// Stores a made signer on the client, or the error that says why it could not be made.
fn add_signer(
    h: &ClientHandle,
    made: Result<crate::deliver::DkimSigner, crate::deliver::DkimError>,
    header: crate::deliver::DkimCanonicalization,
    body: crate::deliver::DkimCanonicalization,
) -> missive_result {
    use crate::deliver::DkimErrorKind;
    match made {
        Ok(s) => {
            let s = Arc::new(s.with_canonicalization(header, body));
            h.client.configure(|c| c.dkim.push(s));
            h.ok()
        }
        Err(e) => {
            let code = match e.kind {
                DkimErrorKind::KeyInvalid => missive_result::DkimKeyInvalid,
                DkimErrorKind::InvalidArgument => missive_result::DkimSignerInvalid,
                DkimErrorKind::File(k) => code_of(k),
            };
            h.fail(code, e.message)
        }
    }
}

/// Adds a DKIM signer (RFC 6376; Ed25519 RFC 8463): from now on every message this client
/// delivers (composed, loaded, TNEF, calendar, forwarded, bulk, queued, pickup or SMTP) gets a
/// `DKIM-Signature` field for `domain` (`d=`) and `selector` (`s=`), made with the private key
/// `key_pem` (PEM text: PKCS#8 `PRIVATE KEY` for RSA or Ed25519, PKCS#1 `RSA PRIVATE KEY` for
/// RSA). Several signers may be added (e.g. RSA and Ed25519): each adds its own field, the
/// first added on top. The public key must be published at `<selector>._domainkey.<domain>`.
///
/// `algorithm` is a `missive_dkim_algorithm`; `flags` OR-s `missive_dkim_flags` (0 for
/// relaxed/relaxed). Signed fields: From, Subject, To, Cc, Date, Message-ID,
/// List-Unsubscribe and List-Unsubscribe-Post over-signed (a second one added later breaks the
/// signature), and Reply-To, Sender, In-Reply-To, References, MIME-Version, Content-Type,
/// Content-Transfer-Encoding and Resent-* fields. A signed message goes out with CRLF line
/// ends. REDIRECT forwards keep the original bytes and signatures, with this signature on top.
///
/// Returns MISSIVE_RESULT_DKIM_KEY_INVALID when the key is not a PEM private key of `algorithm`'s kind,
/// MISSIVE_RESULT_DKIM_SIGNER_INVALID for a domain or selector that is not a DNS name,
/// MISSIVE_RESULT_INVALID_ARGUMENT for
/// an unknown algorithm or flag. The key is copied, never logged or shown in error texts, and
/// wiped from memory when the signer is dropped (`missive_client_clear_dkim_signers` or
/// `missive_client_free`).
///
/// Thread safety: safe to call from several threads at once on the same client.
/// Ownership: arguments are borrowed for the call only; the key is copied.
///
/// # Safety
/// `client` is NULL or live; each pointer points to its length.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn missive_client_add_dkim_signer(
    client: *mut missive_client,
    domain: *const c_char,
    domain_len: usize,
    selector: *const c_char,
    selector_len: usize,
    key_pem: *const u8,
    key_pem_len: usize,
    algorithm: i32,
    flags: u32,
) -> missive_result {
    ffi_boundary! {
        let h = try_ref!(client.cast_const());
        let domain = try_str!(h, domain, domain_len, "domain");
        let selector = try_str!(h, selector, selector_len, "selector");
        let key = try_bytes!(h, key_pem, key_pem_len, "key_pem");
        let (algorithm, header, body) = match dkim_options(algorithm, flags) {
            Ok(o) => o,
            Err(e) => return h.fail(missive_result::InvalidArgument, e),
        };
        let made = crate::deliver::DkimSigner::from_pem(domain, selector, key, algorithm);
        add_signer(h, made, header, body)
    }
}

/// Adds a DKIM signer with the PEM private key read from the file at `path` (UTF-8); see
/// `missive_client_add_dkim_signer`. Returns also MISSIVE_RESULT_FILE_NOT_FOUND,
/// MISSIVE_RESULT_PERMISSION_DENIED or MISSIVE_RESULT_IO when the file cannot be read.
///
/// Thread safety: safe to call from several threads at once on the same client.
/// Ownership: arguments are borrowed for the call only; the key is copied.
///
/// # Safety
/// `client` is NULL or live; each pointer points to its length.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn missive_client_add_dkim_signer_file(
    client: *mut missive_client,
    domain: *const c_char,
    domain_len: usize,
    selector: *const c_char,
    selector_len: usize,
    path: *const c_char,
    path_len: usize,
    algorithm: i32,
    flags: u32,
) -> missive_result {
    ffi_boundary! {
        let h = try_ref!(client.cast_const());
        let domain = try_str!(h, domain, domain_len, "domain");
        let selector = try_str!(h, selector, selector_len, "selector");
        let path = try_str!(h, path, path_len, "path");
        if path.is_empty() {
            return h.fail(missive_result::InvalidArgument, "path is empty");
        }
        let (algorithm, header, body) = match dkim_options(algorithm, flags) {
            Ok(o) => o,
            Err(e) => return h.fail(missive_result::InvalidArgument, e),
        };
        let made = crate::deliver::DkimSigner::from_pem_file(
            domain, selector, std::path::Path::new(path), algorithm);
        add_signer(h, made, header, body)
    }
}

/// Removes every DKIM signer from the client (messages go out unsigned again); their keys are
/// wiped from memory once no send in progress uses them.
///
/// Ownership: borrows `client` for the call.
/// Thread safety: safe to call from several threads at once on the same client.
///
/// # Safety
/// `client` is NULL or live.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn missive_client_clear_dkim_signers(
    client: *mut missive_client,
) -> missive_result {
    ffi_boundary! {
        let h = try_ref!(client.cast_const());
        h.client.configure(|c| c.dkim.clear());
        h.ok()
    }
}

/// The number of DKIM signers set on the client (0 for NULL).
///
/// Ownership: borrows `client` for the call.
/// Thread safety: safe to call from several threads at once on the same client.
///
/// # Safety
/// `client` is NULL or live.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn missive_client_dkim_signer_count(client: *const missive_client) -> usize {
    ffi_boundary! {
        let h = try_ref!(client);
        h.client.config().dkim.len()
    }
}
