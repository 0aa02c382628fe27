//! Pickup-directory delivery: each message becomes one `.eml` file that an MTA (IIS SMTP,
//! Exchange, a watcher of your own) picks up and sends.
//!
//! File format: the envelope first, as `X-Sender: <reverse-path>` and one
//! `X-Receiver: <address>` line per recipient (Bcc recipients included), then the message
//! exactly as it would go on the wire: without `Bcc`, and without `X-Sender` or `X-Receiver`
//! fields of its own, so a file has exactly one `X-Sender` line and exactly the envelope's
//! `X-Receiver` lines. Envelope-looking lines inside a message are content, never envelope.

use std::borrow::Cow;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

use super::envelope_fields::strip_envelope_fields;
use crate::message::{
    DeliveryNotification, MailMessage, MessageError, MessageErrorKind, MimeOptions, to_mime,
};

/// What a pickup delivery wrote.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PickupDelivery {
    /// The file that was written.
    pub path: PathBuf,
    /// The envelope sender.
    pub mail_from: String,
    /// The envelope recipients.
    pub recipients: Vec<String>,
}

/// A message ready to deliver: the envelope and the bytes that go on the wire.
#[derive(Clone, Debug)]
pub struct Prepared {
    /// The reverse path (MAIL FROM).
    pub mail_from: String,
    /// The recipients (RCPT TO), each once.
    pub recipients: Vec<String>,
    /// The message as it goes on the wire (no Bcc, X-Sender or X-Receiver field).
    pub data: Arc<Vec<u8>>,
    /// Whether an address needs SMTPUTF8.
    pub smtputf8: bool,
    /// Delivery-status-notification options.
    pub dsn: DeliveryNotification,
}

impl Prepared {
    /// Prepares `msg`. A message loaded from an .eml and not changed since is sent as its
    /// original bytes (so signatures survive), minus any Bcc, X-Sender and X-Receiver fields.
    pub fn from_message(msg: &MailMessage, opts: &MimeOptions) -> Result<Self, MessageError> {
        Self::with_bytes(msg, message_bytes(msg, opts))
    }

    /// Prepares `msg` with bytes already written for it (by `to_mime`, or the loaded bytes),
    /// its envelope made from its header fields (Sender or From; To, Cc and Bcc). Bcc,
    /// X-Sender and X-Receiver fields in the bytes are removed.
    pub fn with_bytes(msg: &MailMessage, bytes: Arc<Vec<u8>>) -> Result<Self, MessageError> {
        let (mail_from, recipients) = msg.envelope()?;
        Ok(Self::assemble(msg, bytes, mail_from, recipients))
    }

    fn assemble(
        msg: &MailMessage,
        bytes: Arc<Vec<u8>>,
        mail_from: String,
        recipients: Vec<String>,
    ) -> Self {
        let data = match strip_envelope_fields(&bytes) {
            Cow::Borrowed(_) => bytes,
            Cow::Owned(stripped) => Arc::new(stripped),
        };
        let smtputf8 = msg.needs_smtputf8()
            || !mail_from.is_ascii()
            || recipients.iter().any(|r| !r.is_ascii());
        Prepared {
            mail_from,
            recipients,
            data,
            smtputf8,
            dsn: msg.delivery_notification().clone(),
        }
    }
}

/// The saved form of `msg`: its loaded bytes while unchanged, else its MIME output.
pub(crate) fn message_bytes(msg: &MailMessage, opts: &MimeOptions) -> Arc<Vec<u8>> {
    match msg.original_bytes() {
        Some(original) => original.clone(),
        None => Arc::new(to_mime(msg, opts)),
    }
}

/// The envelope lines that start a pickup file.
pub fn pickup_envelope(mail_from: &str, recipients: &[String]) -> Vec<u8> {
    let mut head = Vec::with_capacity(64 + recipients.len() * 48);
    head.extend_from_slice(b"X-Sender: ");
    head.extend_from_slice(mail_from.as_bytes());
    head.extend_from_slice(b"\r\n");
    for r in recipients {
        head.extend_from_slice(b"X-Receiver: ");
        head.extend_from_slice(r.as_bytes());
        head.extend_from_slice(b"\r\n");
    }
    head
}

/// A file name no other writer (thread or process) will pick: time, process, counter, randomness.
fn unique_name() -> String {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default();
    format!(
        "{}.{:09}.{}.{}.{:016x}.eml",
        now.as_secs(),
        now.subsec_nanos(),
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::Relaxed),
        crate::message::mime::random_u64()
    )
}

/// Writes a prepared message into `dir` as a new, uniquely named `.eml` file, atomically
/// (temporary file, fsync, rename). The directory is created when missing.
pub fn deliver_to_pickup(dir: &Path, p: &Prepared) -> Result<PickupDelivery, MessageError> {
    if dir.exists() && !dir.is_dir() {
        return Err(MessageError::new(
            MessageErrorKind::InvalidArgument,
            format!("the pickup directory {} is not a directory", dir.display()),
        ));
    }
    std::fs::create_dir_all(dir).map_err(|e| {
        MessageError::from_io(
            &e,
            format!("cannot create the pickup directory {}", dir.display()),
        )
    })?;
    let head = pickup_envelope(&p.mail_from, &p.recipients);
    // The message never adds envelope lines of its own (nor a Bcc) to the file.
    let message = strip_envelope_fields(&p.data);
    let path = dir.join(unique_name());
    super::atomic_write(&path, &[&head, &message]).map_err(|e| {
        MessageError::from_io(
            &e,
            format!("cannot write into the pickup directory {}", dir.display()),
        )
    })?;
    Ok(PickupDelivery {
        path,
        mail_from: p.mail_from.clone(),
        recipients: p.recipients.clone(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn delivered_bytes_lose_envelope_fields() {
        let raw =
            b"X-Sender: evil@x.example\r\nFrom: a@b.c\r\nBcc: x@y.z\r\nTo: t@u.v\r\n\r\nbody\r\n";
        let m = crate::message::eml::load_bytes(raw.to_vec()).unwrap();
        let p = Prepared::from_message(&m, &MimeOptions::default()).unwrap();
        assert_eq!(&p.data[..], b"From: a@b.c\r\nTo: t@u.v\r\n\r\nbody\r\n");
    }
}
