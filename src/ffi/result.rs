//! Result codes, and the error detail that each handle keeps.

use std::ffi::c_char;
use std::sync::Mutex;

/// The outcome of a call. `MISSIVE_RESULT_OK` is 0; every other value is a failure, with detail
/// available from the handle's `_error` function. Numbers are append-only and never reused:
/// 0-99 general, 100-199 connection and TLS, 200-299 protocol and server replies,
/// 300-399 files and message data, 400-499 message content, 500-599 delivery, 600-699 calendar, 700-709 DKIM and bulk-sender headers.
#[repr(C)]
#[allow(non_camel_case_types)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum missive_result {
    /// Success.
    Ok = 0,
    /// A required pointer argument was NULL (or a (NULL, n > 0) string).
    NullArgument = 1,
    /// An argument is out of range or malformed (see the error text).
    InvalidArgument = 2,
    /// A text argument is not valid UTF-8.
    InvalidUtf8 = 3,
    /// The output buffer is too small; `*out_len` holds the size needed.
    BufferTooSmall = 4,
    /// An internal panic was caught at the boundary; the handle may be in an unspecified state.
    Panic = 5,
    /// An index is past the end of a list.
    IndexOutOfRange = 6,
    /// The requested item does not exist (e.g. a header the message lacks).
    NotFound = 7,
    /// The operation has not finished yet (`missive_operation_wait` timed out, or its outcome
    /// was asked for too early).
    Pending = 20,
    /// The operation was cancelled: messages not yet started were not attempted.
    Cancelled = 21,
    /// The TCP connection to the server could not be made (every address was tried).
    ConnectFailed = 100,
    /// A timeout fired (connect, greeting or a command); the error text names the step.
    Timeout = 101,
    /// The TLS handshake or TLS layer failed.
    TlsFailed = 102,
    /// The server's certificate was refused (untrusted, expired, wrong name).
    CertificateInvalid = 103,
    /// STARTTLS is required (MISSIVE_SECURITY_SSL_EXPLICIT) but the server does not offer it.
    StartTlsNotOffered = 104,
    /// The connection was lost before the message was handed over; it was not delivered.
    ConnectionLost = 105,
    /// The connection was lost (or timed out) after the whole message was sent and before the
    /// server's verdict: it may or may not have been delivered.
    OutcomeUnknown = 106,
    /// The proxy (`missive_client_set_proxy`) could not be reached, or broke its protocol
    /// (SOCKS or HTTP CONNECT); nothing reached the SMTP server.
    ProxyFailed = 110,
    /// The proxy refused to open the tunnel to the SMTP server (a SOCKS reply such as
    /// "connection not allowed by ruleset" or "host unreachable", or an HTTP status such as
    /// 403 or 502; the error text has it).
    ProxyRefused = 111,
    /// The proxy refused its user name and password, or wants some and none are set.
    ProxyAuthFailed = 112,
    /// The server refused a command (see the reply in the send result or error text);
    /// `missive_send_result_is_transient` tells a 4xx from a 5xx.
    ServerRejected = 200,
    /// Authentication failed (the server refused the credentials).
    AuthFailed = 201,
    /// No authentication mechanism both sides support (or the one chosen is not offered).
    AuthUnsupported = 202,
    /// Credentials are set but the connection is not encrypted, and the security option is not
    /// NONE: they were not sent.
    CredentialsRequireTls = 203,
    /// Every recipient was refused; nothing was delivered.
    AllRecipientsRejected = 204,
    /// Some recipients were refused (listed in the send result). With the default policy the
    /// message was delivered to the others; with `require_all_recipients` it was not sent.
    SomeRecipientsRejected = 205,
    /// The server's replies broke the SMTP protocol.
    ProtocolError = 206,
    /// An address needs SMTPUTF8 but the server does not offer it.
    SmtpUtf8NotSupported = 207,
    /// The message is larger than the server's advertised SIZE limit.
    MessageTooLarge = 208,
    /// The OAuth 2 token provider (`missive_client_set_token_provider`) gave no token; the
    /// error text has its message.
    TokenProviderFailed = 210,
    /// A file or directory does not exist.
    FileNotFound = 300,
    /// The operating system refused access to a file or directory.
    PermissionDenied = 301,
    /// Another I/O error.
    Io = 302,
    /// The data is not a MIME message (garbage, binary, no header section).
    MalformedEml = 303,
    /// The message ends before its MIME structure does.
    TruncatedEml = 304,
    /// The message nests MIME parts more than 100 levels deep or has more than 10,000 parts.
    MessageTooComplex = 305,
    /// An address is malformed or contains forbidden characters (CR, LF, ...).
    InvalidAddress = 400,
    /// A header name or value is malformed or would inject headers.
    InvalidHeader = 401,
    /// The message has no sender (From or Sender).
    NoSender = 402,
    /// The message has no recipients (To, Cc or Bcc).
    NoRecipients = 403,
    /// MISSIVE_DELIVERY_METHOD_PICKUP_DIRECTORY delivery without a pickup directory.
    PickupDirectoryNotSet = 500,
    /// NETWORK delivery without a host.
    HostNotSet = 501,
    /// Retired: was "network delivery not available" before SMTP delivery existed; no longer
    /// returned. Kept so the number is never reused.
    NetworkUnavailable = 502,
    /// Some messages of a collection were not delivered (see the error text for which).
    PartialFailure = 503,
    /// Queue functions without a queue directory (`missive_client_set_queue_directory`).
    QueueDirectoryNotSet = 550,
    /// Another drain of the same queue directory (in this or another process) is running.
    QueueBusy = 551,
    /// A queue drain stopped because the server could not be reached, or refused the session
    /// (TLS, certificate, credentials): the messages stay queued, no attempt counted; the
    /// drain's counts are written and the client's error text says what happened.
    QueueServerUnavailable = 552,
    /// The queue URL cannot be used (`missive_client_set_queue_url`): an unknown scheme, a
    /// `file://` URL without an absolute path, a schema name that is not a plain identifier,
    /// a PostgreSQL URL the database client cannot read, or a build without PostgreSQL
    /// support. The client's error text names the problem.
    QueueUrlInvalid = 553,
    /// The queue's database cannot be reached, or the connection to it was lost: nothing was
    /// lost, try again later (a drain's counts so far are not written).
    QueueDatabaseUnavailable = 554,
    /// The queue's database refused: credentials, permissions, a queue schema of a newer
    /// version than this library knows, or an SQL error. The client's error text has the
    /// database's code and message.
    QueueDatabaseError = 555,
    /// An IANA time zone name is not in the time zone database (or has no usable rule).
    UnknownTimeZone = 600,
    /// An appointment lacks what a calendar message needs (start, end, summary, organizer).
    IncompleteAppointment = 601,
    /// A DKIM key is not a PEM private key of the algorithm asked for (PKCS#8 `PRIVATE KEY`
    /// for RSA or Ed25519, PKCS#1 `RSA PRIVATE KEY` for RSA).
    DkimKeyInvalid = 700,
    /// A DKIM domain or selector is not a valid DNS name.
    DkimSignerInvalid = 701,
    /// A message could not be DKIM-signed on its way out; nothing was delivered.
    DkimSigningFailed = 702,
    /// A List-Unsubscribe URL or mailto address is not usable (RFC 2369, RFC 8058: one-click
    /// needs an `https://` URL).
    ListUnsubscribeInvalid = 703,
}

impl missive_result {
    /// Static English text for the code.
    pub(crate) fn text(self) -> &'static str {
        use missive_result::*;
        match self {
            Ok => "ok\0",
            NullArgument => "a required pointer argument was NULL\0",
            InvalidArgument => "an argument is out of range or malformed\0",
            InvalidUtf8 => "a text argument is not valid UTF-8\0",
            BufferTooSmall => "the output buffer is too small\0",
            Panic => "an internal error (panic) was caught\0",
            IndexOutOfRange => "the index is past the end of the list\0",
            NotFound => "the requested item does not exist\0",
            Pending => "the operation has not finished yet\0",
            Cancelled => "the operation was cancelled; messages not started were not attempted\0",
            ConnectFailed => "could not connect to the SMTP server\0",
            Timeout => "a timeout fired\0",
            TlsFailed => "TLS failed\0",
            CertificateInvalid => "the server's certificate was refused\0",
            StartTlsNotOffered => "STARTTLS is required but the server does not offer it\0",
            ConnectionLost => "the connection was lost; the message was not delivered\0",
            OutcomeUnknown => {
                "the connection was lost after the message was sent; it may have been delivered\0"
            }
            ProxyFailed => "the proxy could not be reached or broke its protocol\0",
            ProxyRefused => "the proxy refused to connect to the SMTP server\0",
            ProxyAuthFailed => "the proxy refused its credentials\0",
            ServerRejected => "the server refused the request\0",
            AuthFailed => "authentication failed\0",
            AuthUnsupported => "no usable authentication mechanism\0",
            CredentialsRequireTls => "credentials are not sent over an unencrypted connection\0",
            AllRecipientsRejected => "every recipient was refused\0",
            SomeRecipientsRejected => "some recipients were refused\0",
            ProtocolError => "the server broke the SMTP protocol\0",
            SmtpUtf8NotSupported => "the server does not support SMTPUTF8\0",
            MessageTooLarge => "the message exceeds the server's size limit\0",
            TokenProviderFailed => "the OAuth 2 token provider gave no token\0",
            FileNotFound => "the file or directory does not exist\0",
            PermissionDenied => "permission denied\0",
            Io => "an I/O error occurred\0",
            MalformedEml => "the data is not a MIME message\0",
            TruncatedEml => "the message is truncated\0",
            MessageTooComplex => "the message nests too deep or has too many parts\0",
            InvalidAddress => "the address is invalid\0",
            InvalidHeader => "the header is invalid\0",
            NoSender => "the message has no sender\0",
            NoRecipients => "the message has no recipients\0",
            PickupDirectoryNotSet => "no pickup directory is set\0",
            HostNotSet => "no SMTP host is set\0",
            NetworkUnavailable => "(retired code) network delivery not available\0",
            PartialFailure => "some messages were not delivered\0",
            QueueDirectoryNotSet => "no queue directory is set\0",
            QueueBusy => "another drain of the queue is running\0",
            QueueServerUnavailable => {
                "the queue drain stopped: the server could not be reached or refused the session; \
                 the messages stay queued\0"
            }
            QueueUrlInvalid => "the queue URL cannot be used\0",
            QueueDatabaseUnavailable => "the queue database is unavailable; try again later\0",
            QueueDatabaseError => "the queue database refused the operation\0",
            UnknownTimeZone => "unknown time zone\0",
            IncompleteAppointment => "the appointment is incomplete\0",
            DkimKeyInvalid => "the DKIM key is not a usable PEM private key\0",
            DkimSignerInvalid => "the DKIM domain or selector is invalid\0",
            DkimSigningFailed => "the message could not be DKIM-signed\0",
            ListUnsubscribeInvalid => "the List-Unsubscribe URL or address is invalid\0",
        }
    }

    /// Every code, for tests and `missive_result_str`.
    pub(crate) const ALL: &'static [missive_result] = &[
        missive_result::Ok,
        missive_result::NullArgument,
        missive_result::InvalidArgument,
        missive_result::InvalidUtf8,
        missive_result::BufferTooSmall,
        missive_result::Panic,
        missive_result::IndexOutOfRange,
        missive_result::NotFound,
        missive_result::Pending,
        missive_result::Cancelled,
        missive_result::ConnectFailed,
        missive_result::Timeout,
        missive_result::TlsFailed,
        missive_result::CertificateInvalid,
        missive_result::StartTlsNotOffered,
        missive_result::ConnectionLost,
        missive_result::OutcomeUnknown,
        missive_result::ProxyFailed,
        missive_result::ProxyRefused,
        missive_result::ProxyAuthFailed,
        missive_result::ServerRejected,
        missive_result::AuthFailed,
        missive_result::AuthUnsupported,
        missive_result::CredentialsRequireTls,
        missive_result::AllRecipientsRejected,
        missive_result::SomeRecipientsRejected,
        missive_result::ProtocolError,
        missive_result::SmtpUtf8NotSupported,
        missive_result::MessageTooLarge,
        missive_result::TokenProviderFailed,
        missive_result::FileNotFound,
        missive_result::PermissionDenied,
        missive_result::Io,
        missive_result::MalformedEml,
        missive_result::TruncatedEml,
        missive_result::MessageTooComplex,
        missive_result::InvalidAddress,
        missive_result::InvalidHeader,
        missive_result::NoSender,
        missive_result::NoRecipients,
        missive_result::PickupDirectoryNotSet,
        missive_result::HostNotSet,
        missive_result::NetworkUnavailable,
        missive_result::PartialFailure,
        missive_result::QueueDirectoryNotSet,
        missive_result::QueueBusy,
        missive_result::QueueServerUnavailable,
        missive_result::QueueUrlInvalid,
        missive_result::QueueDatabaseUnavailable,
        missive_result::QueueDatabaseError,
        missive_result::UnknownTimeZone,
        missive_result::IncompleteAppointment,
        missive_result::DkimKeyInvalid,
        missive_result::DkimSignerInvalid,
        missive_result::DkimSigningFailed,
        missive_result::ListUnsubscribeInvalid,
    ];
}

/// Static, NUL-terminated English text for a result code; never NULL. Unknown codes give
/// "unknown result code".
///
/// Thread safety: safe to call from any thread.
#[unsafe(no_mangle)]
pub extern "C" fn missive_result_str(result: i32) -> *const c_char {
    let text = missive_result::ALL
        .iter()
        .find(|r| **r as i32 == result)
        .map_or("unknown result code\0", |r| r.text());
    text.as_ptr().cast()
}

/// The detail of the most recent failed call on a handle: a call that fails stores its text,
/// a call that succeeds clears it.
#[derive(Debug, Default)]
pub(crate) struct ErrorSlot(Mutex<String>);

impl ErrorSlot {
    pub(crate) fn set(&self, text: impl Into<String>) {
        *self.0.lock().unwrap_or_else(|e| e.into_inner()) = text.into();
    }

    pub(crate) fn clear(&self) {
        self.0.lock().unwrap_or_else(|e| e.into_inner()).clear();
    }

    pub(crate) fn get(&self) -> String {
        self.0.lock().unwrap_or_else(|e| e.into_inner()).clone()
    }

    /// Records the outcome of a call: clears on MISSIVE_RESULT_OK, stores `text` otherwise; returns
    /// `code`.
    pub(crate) fn record(&self, code: missive_result, text: &str) -> missive_result {
        if code == missive_result::Ok {
            self.clear();
        } else if text.is_empty() {
            self.set(code.text().trim_end_matches('\0'));
        } else {
            self.set(text);
        }
        code
    }
}

/// Types that carry an [`ErrorSlot`].
pub(crate) trait HasError {
    fn error_slot(&self) -> &ErrorSlot;

    /// Stores `text` for a failing `code` and returns the code.
    fn fail(&self, code: missive_result, text: impl Into<String>) -> missive_result {
        let text = text.into();
        self.error_slot().record(code, &text)
    }

    /// Clears the error and returns MISSIVE_RESULT_OK.
    fn ok(&self) -> missive_result {
        self.error_slot().clear();
        missive_result::Ok
    }
}
