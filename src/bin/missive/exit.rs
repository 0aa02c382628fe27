//! Exit codes (sysexits.h) and the mapping from the library's errors to them.

use std::fmt;

use missive::deliver::{DeliverError, DeliverErrorKind, QueueError, QueueErrorKind};
use missive::message::{MessageError, MessageErrorKind};
use missive::smtp::{SmtpError, SmtpErrorKind};

/// Sent (or queued when asked to queue).
pub const OK: u8 = 0;
/// Bad command line.
pub const USAGE: u8 = 64;
/// Bad message data: unparsable file, bad address, no sender, no recipients.
pub const DATAERR: u8 = 65;
/// An input file is missing or unreadable.
pub const NOINPUT: u8 = 66;
/// Every recipient was refused permanently.
pub const NOUSER: u8 = 67;
/// The server refused permanently (5xx), or TLS could not be set up as required.
pub const UNAVAILABLE: u8 = 69;
/// The queue could not be written.
pub const CANTCREAT: u8 = 73;
/// Another input/output error.
pub const IOERR: u8 = 74;
/// A temporary failure (server unreachable, timeout, 4xx, queue busy): try again later.
pub const TEMPFAIL: u8 = 75;
/// The server broke the protocol.
pub const PROTOCOL: u8 = 76;
/// Authentication failed, or a permission was refused.
pub const NOPERM: u8 = 77;
/// The configuration is unusable (no server, bad URL, unsafe config file, bad password command).
pub const CONFIG: u8 = 78;

/// The table printed by `--help` and in the man page.
pub const TABLE: &str = "\
Exit status (sysexits.h):
  0   sent (or queued, when the server was unreachable and a queue is set)
  64  usage: bad command line
  65  data: bad message (unparsable file, bad address, no sender, no recipients)
  66  no input: a file to read is missing or unreadable
  67  no user: every recipient was refused permanently
  69  unavailable: the server refused permanently (5xx), or TLS could not be set up
  73  can't create: the queue could not be written
  74  I/O error
  75  temporary failure: server unreachable, timeout, 4xx reply, queue busy; try again later
  76  protocol: the server broke the SMTP protocol
  77  permission: authentication failed, or access refused
  78  configuration: no server configured, bad URL, unsafe config file, password command failed";

/// A failure: what to print and how to exit.
#[derive(Debug)]
pub struct Failure {
    pub code: u8,
    pub message: String,
    /// A temporary SMTP failure after which queueing the message is safe (not after the final
    /// dot, when the server may have the message already).
    pub queueable: bool,
}

impl Failure {
    pub fn new(code: u8, message: impl Into<String>) -> Failure {
        Failure {
            code,
            message: message.into(),
            queueable: false,
        }
    }

    pub fn usage(message: impl Into<String>) -> Failure {
        Failure::new(USAGE, message)
    }

    pub fn config(message: impl Into<String>) -> Failure {
        Failure::new(CONFIG, message)
    }
}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

pub fn message_code(kind: MessageErrorKind) -> u8 {
    match kind {
        MessageErrorKind::NotFound => NOINPUT,
        MessageErrorKind::PermissionDenied => NOINPUT,
        MessageErrorKind::Io => IOERR,
        _ => DATAERR,
    }
}

impl From<MessageError> for Failure {
    fn from(e: MessageError) -> Failure {
        Failure::new(message_code(e.kind()), e.message())
    }
}

pub fn smtp_code(e: &SmtpError) -> u8 {
    if e.is_transient() {
        return TEMPFAIL;
    }
    match e.kind {
        SmtpErrorKind::AuthFailed
        | SmtpErrorKind::AuthUnsupported
        | SmtpErrorKind::CredentialsRequireTls
        | SmtpErrorKind::ProxyAuthFailed
        | SmtpErrorKind::TokenProvider => NOPERM,
        SmtpErrorKind::ProtocolError => PROTOCOL,
        SmtpErrorKind::AllRecipientsRejected | SmtpErrorKind::SomeRecipientsRejected => NOUSER,
        SmtpErrorKind::InvalidInput => CONFIG,
        _ => UNAVAILABLE,
    }
}

impl From<SmtpError> for Failure {
    fn from(e: SmtpError) -> Failure {
        Failure {
            code: smtp_code(&e),
            queueable: e.is_transient() && !e.outcome_unknown(),
            message: e.to_string(),
        }
    }
}

impl From<DeliverError> for Failure {
    fn from(e: DeliverError) -> Failure {
        if let Some(smtp) = e.smtp {
            return Failure::from(*smtp);
        }
        let code = match e.kind {
            DeliverErrorKind::Message(k) => message_code(k),
            DeliverErrorKind::HostNotSet | DeliverErrorKind::PickupDirectoryNotSet => CONFIG,
            DeliverErrorKind::Smtp(_) => UNAVAILABLE,
        };
        Failure::new(code, e.message)
    }
}

impl From<QueueError> for Failure {
    fn from(e: QueueError) -> Failure {
        let code = match e.kind {
            QueueErrorKind::DirectoryNotSet => CONFIG,
            QueueErrorKind::Busy => TEMPFAIL,
            QueueErrorKind::Message(k) => message_code(k),
            QueueErrorKind::Config(_) => CONFIG,
            QueueErrorKind::Io(_) => CANTCREAT,
            QueueErrorKind::UrlInvalid => CONFIG,
            QueueErrorKind::DatabaseUnavailable => TEMPFAIL,
            QueueErrorKind::Database => UNAVAILABLE,
        };
        Failure::new(code, e.message)
    }
}
