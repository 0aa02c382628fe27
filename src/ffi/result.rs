//! Result codes, and the error detail that each handle keeps.

use std::ffi::c_char;
use std::sync::Mutex;

/// The outcome of a call. `MISSIVE_RESULT_OK` is 0; every other value is a failure, with detail
/// available from the handle's `_error` function. Numbers are append-only and never reused:
/// 0-99 general, 100-199 connection and TLS, 200-299 protocol and server replies,
/// 300-399 files and message data, 400-499 message content, 500-599 delivery.
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
    /// An address is malformed or contains forbidden characters (CR, LF, ...).
    InvalidAddress = 400,
    /// A header name or value is malformed or would inject headers.
    InvalidHeader = 401,
    /// The message has no sender (From or Sender).
    NoSender = 402,
    /// The message has no recipients (To, Cc or Bcc).
    NoRecipients = 403,
    /// PICKUP_DIRECTORY delivery without a pickup directory.
    PickupDirectoryNotSet = 500,
    /// NETWORK delivery without a host.
    HostNotSet = 501,
    /// NETWORK delivery is not available in this version (pickup-directory delivery is).
    NetworkUnavailable = 502,
    /// Some messages of a collection were not delivered (see the error text for which).
    PartialFailure = 503,
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
            FileNotFound => "the file or directory does not exist\0",
            PermissionDenied => "permission denied\0",
            Io => "an I/O error occurred\0",
            MalformedEml => "the data is not a MIME message\0",
            TruncatedEml => "the message is truncated\0",
            InvalidAddress => "the address is invalid\0",
            InvalidHeader => "the header is invalid\0",
            NoSender => "the message has no sender\0",
            NoRecipients => "the message has no recipients\0",
            PickupDirectoryNotSet => "no pickup directory is set\0",
            HostNotSet => "no SMTP host is set\0",
            NetworkUnavailable => "network delivery is not available in this version\0",
            PartialFailure => "some messages were not delivered\0",
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
        missive_result::FileNotFound,
        missive_result::PermissionDenied,
        missive_result::Io,
        missive_result::MalformedEml,
        missive_result::TruncatedEml,
        missive_result::InvalidAddress,
        missive_result::InvalidHeader,
        missive_result::NoSender,
        missive_result::NoRecipients,
        missive_result::PickupDirectoryNotSet,
        missive_result::HostNotSet,
        missive_result::NetworkUnavailable,
        missive_result::PartialFailure,
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

    /// Records the outcome of a call: clears on OK, stores `text` otherwise; returns `code`.
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

    /// Clears the error and returns OK.
    fn ok(&self) -> missive_result {
        self.error_slot().clear();
        missive_result::Ok
    }
}
