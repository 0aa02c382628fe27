//! Errors of the message model.

use std::fmt;
use std::io;

/// What went wrong, in a form the C layer maps to a result code.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MessageErrorKind {
    /// An argument is out of its documented range or malformed.
    InvalidArgument,
    /// An address could not be parsed or contains forbidden characters.
    InvalidAddress,
    /// A header name or value is malformed or would inject other headers.
    InvalidHeader,
    /// A file or directory does not exist.
    NotFound,
    /// The operating system refused access.
    PermissionDenied,
    /// Any other I/O failure.
    Io,
    /// The bytes are not a MIME message (garbage, binary, no header section).
    MalformedEml,
    /// The message ends before its MIME structure does (a multipart without its closing boundary).
    TruncatedEml,
    /// The message nests MIME parts deeper, or has more of them, than the loader's documented
    /// limits (`tree::MAX_DEPTH`, `tree::MAX_PARTS`).
    TooComplex,
    /// A message to be delivered has no sender (neither From nor Sender).
    NoSender,
    /// A message to be delivered has no recipient (To, Cc or Bcc).
    NoRecipients,
    /// A message could not be DKIM-signed on its way out (see `deliver::dkim`).
    DkimSigningFailed,
    /// A `List-Unsubscribe` URL or mailto address is not usable (RFC 2369, RFC 8058).
    ListUnsubscribeInvalid,
}

/// An error with a message that names the problem.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MessageError {
    kind: MessageErrorKind,
    message: String,
}

impl MessageError {
    /// Creates an error of `kind` with the human-readable `message`.
    pub fn new(kind: MessageErrorKind, message: impl Into<String>) -> Self {
        MessageError {
            kind,
            message: message.into(),
        }
    }

    /// Maps an I/O error, naming what was being done (`context`, e.g. "cannot read /x/y.eml").
    pub fn from_io(err: &io::Error, context: impl fmt::Display) -> Self {
        let kind = match err.kind() {
            io::ErrorKind::NotFound => MessageErrorKind::NotFound,
            io::ErrorKind::PermissionDenied | io::ErrorKind::ReadOnlyFilesystem => {
                MessageErrorKind::PermissionDenied
            }
            _ => MessageErrorKind::Io,
        };
        MessageError::new(kind, format!("{context}: {}", io_reason(err)))
    }

    /// The kind of failure.
    pub fn kind(&self) -> MessageErrorKind {
        self.kind
    }

    /// The human-readable description.
    pub fn message(&self) -> &str {
        &self.message
    }
}

impl fmt::Display for MessageError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for MessageError {}

/// An I/O error as a clause for an error text: the operating system's description in lower case
/// ("no such file or directory"), without Rust's " (os error N)" suffix, which means nothing
/// to a C, Go or .NET user.
pub fn io_reason(err: &io::Error) -> String {
    let text = err.to_string();
    let text = match (err.raw_os_error(), text.rfind(" (os error ")) {
        (Some(_), Some(at)) if text.ends_with(')') => text[..at].to_string(),
        _ => text,
    };
    lower_first(&text)
}

/// `text` with its first letter in lower case, unless the first word is an acronym ("TLS").
fn lower_first(text: &str) -> String {
    let mut chars = text.chars();
    match (chars.next(), chars.next()) {
        (Some(a), Some(b)) if a.is_uppercase() && !b.is_uppercase() => a
            .to_lowercase()
            .chain(text[a.len_utf8()..].chars())
            .collect(),
        _ => text.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn io_reasons_carry_no_os_error_numbers() {
        let e = io::Error::from_raw_os_error(2);
        assert_eq!(io_reason(&e), "no such file or directory");
        let e = io::Error::from_raw_os_error(111);
        assert_eq!(io_reason(&e), "connection refused");
        let e = io::Error::other("TLS went wrong");
        assert_eq!(io_reason(&e), "TLS went wrong");
    }
}
