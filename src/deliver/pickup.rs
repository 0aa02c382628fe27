//! Pickup-directory delivery: each message becomes one `.eml` file that an MTA (IIS SMTP,
//! Exchange, a watcher of your own) picks up and sends.
//!
//! File format: the envelope first, as `X-Sender: <reverse-path>` and one
//! `X-Receiver: <address>` line per recipient (Bcc recipients included), then the message
//! exactly as it would go on the wire: without `Bcc`, and without `X-Sender` or `X-Receiver`
//! fields of its own, so a file has exactly one `X-Sender` line and exactly the envelope's
//! `X-Receiver` lines. Envelope-looking lines inside a message are content, never envelope.
//!
//! [`load_pickup_file`] reads such a file back: the envelope apart, and the message after it.

use std::borrow::Cow;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

use super::envelope_fields::strip_envelope_fields;
use crate::message::{
    DeliveryNotification, MailAddress, MailMessage, MessageError, MessageErrorKind, MimeOptions,
    eml,
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

    /// Prepares `msg` with bytes already written for it and an envelope given apart from its
    /// header fields (e.g. the one of a loaded pickup file, see [`load_pickup_file`]): MAIL
    /// FROM and RCPT TO are exactly `envelope`'s. Bcc, X-Sender and X-Receiver fields in the
    /// bytes are removed. Fails with `NoRecipients` when the envelope has none.
    pub fn with_envelope(
        msg: &MailMessage,
        bytes: Arc<Vec<u8>>,
        envelope: &Envelope,
    ) -> Result<Self, MessageError> {
        if envelope.recipients.is_empty() {
            return Err(MessageError::new(
                MessageErrorKind::NoRecipients,
                "the envelope has no recipients",
            ));
        }
        Ok(Self::assemble(
            msg,
            bytes,
            envelope.mail_from.clone(),
            envelope.recipients.clone(),
        ))
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
        None => Arc::new(super::render(msg, opts)),
    }
}

/// The envelope of a message apart from its header fields: the reverse path (MAIL FROM; empty
/// for the null sender) and the recipients (RCPT TO), as a pickup file's `X-Sender` and
/// `X-Receiver` lines give them.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Envelope {
    /// The reverse path, a bare address (empty: the null sender `<>`).
    pub mail_from: String,
    /// The recipients, bare addresses, each once (compared without regard to case).
    pub recipients: Vec<String>,
}

/// The name of a pickup envelope line (`X-Sender` or `X-Receiver`, any case) and its value.
fn envelope_line(line: &str) -> Option<(bool, &str)> {
    let (name, value) = line.split_once(':')?;
    let name = name.trim_end_matches([' ', '\t']);
    if name.eq_ignore_ascii_case("x-sender") {
        Some((true, value.trim()))
    } else if name.eq_ignore_ascii_case("x-receiver") {
        Some((false, value.trim()))
    } else {
        None
    }
}

/// An address of a pickup envelope line, as a bare address; `<>` or nothing is the null
/// sender (allowed for `X-Sender` only).
fn envelope_address(value: &str, what: &str, null_ok: bool) -> Result<String, MessageError> {
    if value.is_empty() || value == "<>" {
        if null_ok {
            return Ok(String::new());
        }
        return Err(MessageError::new(
            MessageErrorKind::InvalidAddress,
            format!("the pickup file has an empty {what} line"),
        ));
    }
    MailAddress::parse(value).map(|a| a.address()).map_err(|e| {
        MessageError::new(
            e.kind(),
            format!("the {what} line of the pickup file: {}", e.message()),
        )
    })
}

/// Splits a pickup file into its envelope and the offset where the message starts. The
/// envelope is the first line, `X-Sender:`, and the `X-Receiver:` lines right after it; the
/// message starts at the first line that is not an `X-Receiver` line (a second `X-Sender`
/// line is part of the message, never of the envelope).
pub fn split_pickup(raw: &[u8]) -> Result<(Envelope, usize), MessageError> {
    let malformed = |detail: &str| MessageError::new(MessageErrorKind::MalformedEml, detail);
    let mut envelope = Envelope::default();
    let mut pos = 0;
    let mut first = true;
    while pos < raw.len() {
        let Some(nl) = raw[pos..].iter().position(|&b| b == b'\n') else {
            break;
        };
        let end = pos + nl + 1;
        let Ok(line) = std::str::from_utf8(&raw[pos..end]) else {
            break;
        };
        let line = line.trim_end_matches(['\r', '\n']);
        match (first, envelope_line(line)) {
            (true, Some((true, v))) => envelope.mail_from = envelope_address(v, "X-Sender", true)?,
            (true, _) => {
                return Err(malformed(
                    "not a pickup file: the first line is not an X-Sender line",
                ));
            }
            (false, Some((false, v))) => {
                let a = envelope_address(v, "X-Receiver", false)?;
                if !envelope
                    .recipients
                    .iter()
                    .any(|r| r.eq_ignore_ascii_case(&a))
                {
                    envelope.recipients.push(a);
                }
            }
            (false, _) => break,
        }
        first = false;
        pos = end;
    }
    if first {
        return Err(malformed(
            "not a pickup file: the first line is not an X-Sender line",
        ));
    }
    if envelope.recipients.is_empty() {
        return Err(malformed(
            "the pickup file has no X-Receiver line after its X-Sender line",
        ));
    }
    Ok((envelope, pos))
}

/// Loads a pickup file's bytes (the format [`deliver_to_pickup`] writes, which IIS and
/// Exchange pickup directories read): the envelope from its `X-Sender` / `X-Receiver` lines,
/// and the message that follows them, read with [`eml::load_bytes`] after any `Bcc`,
/// `X-Sender` and `X-Receiver` fields in its own header section are removed (those are never
/// envelope). The message keeps those bytes as its original bytes.
pub fn load_pickup_bytes(
    raw: &[u8],
    opts: &eml::LoadOptions,
) -> Result<(Envelope, MailMessage), MessageError> {
    let (envelope, start) = split_pickup(raw)?;
    let message = strip_envelope_fields(&raw[start..]).into_owned();
    // Read as any loaded message is (strictness, a winmail.dat part).
    let msg = crate::tnef::load_bytes(message, opts)?;
    Ok((envelope, msg))
}

/// Loads the pickup file at `path` (see [`load_pickup_bytes`]).
pub fn load_pickup_file(
    path: &Path,
    opts: &eml::LoadOptions,
) -> Result<(Envelope, MailMessage), MessageError> {
    let raw = eml::read_file(path)?;
    load_pickup_bytes(&raw, opts)
        .map_err(|e| MessageError::new(e.kind(), format!("{}: {}", path.display(), e.message())))
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
    deliver_to_pickup_signed(dir, p, &[])
}

/// [`deliver_to_pickup`] with the message DKIM-signed by `signers` (see `dkim::outgoing`).
pub(crate) fn deliver_to_pickup_signed(
    dir: &Path,
    p: &Prepared,
    signers: &[std::sync::Arc<super::dkim::DkimSigner>],
) -> Result<PickupDelivery, MessageError> {
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
    // The message never adds envelope lines of its own (nor a Bcc) to the file; it is signed
    // as it goes out.
    let message = super::dkim::outgoing(&p.data, signers)?;
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
        let m = eml::load_bytes(raw.to_vec()).unwrap();
        let p = Prepared::from_message(&m, &MimeOptions::default()).unwrap();
        assert_eq!(&p.data[..], b"From: a@b.c\r\nTo: t@u.v\r\n\r\nbody\r\n");
    }

    #[test]
    fn splits_the_envelope_from_the_message() {
        let raw = b"X-Sender: <a@example.com>\r\nX-Receiver: b@example.org\r\n\
            x-receiver: B@example.org\r\nX-Receiver: c@example.net\r\nX-Sender: evil@x.example\r\n\
            X-Receiver: hidden@x.example\r\nSubject: s\r\n\r\nbody\r\n";
        let (env, start) = split_pickup(raw).unwrap();
        assert_eq!(env.mail_from, "a@example.com");
        assert_eq!(env.recipients, ["b@example.org", "c@example.net"]);
        assert!(raw[start..].starts_with(b"X-Sender: evil@x.example\r\n"));
        let (env2, msg) = load_pickup_bytes(raw, &Default::default()).unwrap();
        assert_eq!(env2, env);
        assert_eq!(
            msg.original_bytes().unwrap().as_slice(),
            b"Subject: s\r\n\r\nbody\r\n"
        );
    }

    #[test]
    fn null_sender_and_lf_endings() {
        let (env, start) =
            split_pickup(b"X-Sender: <>\nX-Receiver: b@example.org\nTo: b@example.org\n\nx\n")
                .unwrap();
        assert_eq!(env.mail_from, "");
        assert_eq!(env.recipients, ["b@example.org"]);
        assert_eq!(start, "X-Sender: <>\nX-Receiver: b@example.org\n".len());
    }

    #[test]
    fn refuses_what_is_not_a_pickup_file() {
        for (raw, kind) in [
            (
                &b"Subject: s\r\n\r\nbody\r\n"[..],
                MessageErrorKind::MalformedEml,
            ),
            (
                b"X-Receiver: b@example.org\r\nX-Sender: a@example.com\r\n\r\n",
                MessageErrorKind::MalformedEml,
            ),
            (
                b"X-Sender: a@example.com\r\nSubject: s\r\n\r\n",
                MessageErrorKind::MalformedEml,
            ),
            (b"X-Sender: a@example.com", MessageErrorKind::MalformedEml),
            (b"", MessageErrorKind::MalformedEml),
            (
                b"X-Sender: not an address\r\nX-Receiver: b@example.org\r\n\r\n",
                MessageErrorKind::InvalidAddress,
            ),
            (
                b"X-Sender: a@example.com\r\nX-Receiver: <>\r\n\r\n",
                MessageErrorKind::InvalidAddress,
            ),
        ] {
            let e = split_pickup(raw).unwrap_err();
            assert_eq!(e.kind(), kind, "{:?}: {e}", String::from_utf8_lossy(raw));
        }
    }
}
