//! Pickup-directory delivery: each message becomes one `.eml` file that an MTA (IIS SMTP,
//! Exchange, a watcher of your own) picks up and sends.
//!
//! File format: the envelope first, as `X-Sender: <reverse-path>` and one
//! `X-Receiver: <address>` line per recipient (Bcc recipients included), then the message
//! exactly as it would go on the wire (without a Bcc header).

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

use std::sync::Arc;

use crate::message::{
    DeliveryNotification, MailMessage, MessageError, MessageErrorKind, MimeOptions,
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
    /// The message as it goes on the wire (no Bcc header).
    pub data: Arc<Vec<u8>>,
    /// Whether an address needs SMTPUTF8.
    pub smtputf8: bool,
    /// Delivery-status-notification options.
    pub dsn: DeliveryNotification,
}

impl Prepared {
    /// Prepares `msg`. A message loaded from an .eml and not changed since is sent as its
    /// original bytes (so signatures survive), minus any Bcc header.
    pub fn from_message(msg: &MailMessage, opts: &MimeOptions) -> Result<Self, MessageError> {
        let bytes = match msg.original_bytes() {
            Some(original) => original.clone(),
            None => Arc::new(super::render(msg, opts)),
        };
        Self::with_bytes(msg, bytes)
    }

    /// Prepares `msg` with bytes already written for it (by `to_mime`, or the loaded bytes);
    /// a Bcc header in them is removed.
    pub fn with_bytes(msg: &MailMessage, bytes: Arc<Vec<u8>>) -> Result<Self, MessageError> {
        let (mail_from, recipients) = msg.envelope()?;
        let data = if has_bcc_header(&bytes) {
            Arc::new(strip_bcc(&bytes))
        } else {
            bytes
        };
        Ok(Prepared {
            mail_from,
            recipients,
            data,
            smtputf8: msg.needs_smtputf8(),
            dsn: msg.delivery_notification().clone(),
        })
    }
}

/// Whether the header section has a Bcc field.
fn has_bcc_header(raw: &[u8]) -> bool {
    header_lines(raw).any(|line| line.len() >= 4 && line[..4].eq_ignore_ascii_case(b"bcc:"))
}

/// The lines of the header section (each with its line ending), up to the empty line.
fn header_lines(raw: &[u8]) -> impl Iterator<Item = &[u8]> {
    let mut pos = 0;
    std::iter::from_fn(move || {
        if pos >= raw.len() {
            return None;
        }
        let end = raw[pos..]
            .iter()
            .position(|&b| b == b'\n')
            .map_or(raw.len(), |p| pos + p + 1);
        let line = &raw[pos..end];
        if line == b"\r\n" || line == b"\n" {
            return None;
        }
        pos = end;
        Some(line)
    })
}

/// Removes Bcc header fields (with their folded lines) from the header section, leaving every
/// other byte as it was.
fn strip_bcc(raw: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(raw.len());
    let mut pos = 0;
    let mut skipping = false;
    while pos < raw.len() {
        let end = raw[pos..]
            .iter()
            .position(|&b| b == b'\n')
            .map_or(raw.len(), |p| pos + p + 1);
        let line = &raw[pos..end];
        if line == b"\r\n" || line == b"\n" {
            out.extend_from_slice(&raw[pos..]);
            return out;
        }
        let continuation = matches!(line.first(), Some(b' ' | b'\t'));
        if !continuation {
            skipping = line.len() >= 4 && line[..4].eq_ignore_ascii_case(b"bcc:");
        }
        if !skipping {
            out.extend_from_slice(line);
        }
        pos = end;
    }
    out
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
    let path = dir.join(unique_name());
    super::atomic_write(&path, &[&head, &p.data]).map_err(|e| {
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
    fn strips_only_bcc() {
        let raw =
            b"From: a@b.c\r\nBcc: x@y.z,\r\n w@v.u\r\nTo: t@u.v\r\n\r\nBcc: stays in body\r\n";
        let out = strip_bcc(raw);
        assert_eq!(
            out,
            b"From: a@b.c\r\nTo: t@u.v\r\n\r\nBcc: stays in body\r\n".to_vec()
        );
    }
}
