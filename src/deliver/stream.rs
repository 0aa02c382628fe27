//! Forwarding a raw `.eml` stream without loading it: over SMTP through the engine's streaming
//! data path (CRLF fix-up and dot-stuffing on the fly, through fixed-size buffers; BDAT chunks
//! when the server offers CHUNKING), or into the
//! pickup directory through a temporary file. Memory use does not grow with the message.
//!
//! The bytes go as they are (REDIRECT semantics: a new envelope, the message unchanged, so
//! DKIM signatures survive; with signers set on the client the forwarder's own signature is
//! added on top, see `dkim.rs`), except that `Bcc`, `X-Sender` and `X-Receiver` fields are removed
//! from the header section, as for every other delivery (see `envelope_fields`).

use std::fs::{self, File, OpenOptions};
use std::io::{self, BufWriter, Read, Seek, Write};
use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

use super::client::{Client, DeliverError, Delivery, DeliveryMethod};
use super::envelope_fields::strip_envelope_fields_reader;
use super::pickup::{PickupDelivery, pickup_envelope};
use crate::message::{MessageError, MessageErrorKind};
use crate::smtp::{Envelope, Recipient};

/// Read buffer for streamed messages.
const READ_BUFFER: usize = 64 * 1024;

/// A file name no other writer (thread or process) will pick: time, process, counter,
/// randomness. Names sort by creation time.
pub(crate) fn unique_id() -> String {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default();
    format!(
        "{:011}.{:09}.{}.{}.{:08x}",
        now.as_secs(),
        now.subsec_nanos(),
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::Relaxed),
        crate::message::mime::random_u64() as u32
    )
}

/// Syncs a directory so that renames and removals in it are durable (best effort).
pub(crate) fn sync_dir(dir: &Path) {
    if let Ok(d) = File::open(dir) {
        let _ = d.sync_all();
    }
}

/// Writes a pickup file for a streamed message into `dir` (created when missing): the
/// envelope lines, then `message` copied through a fixed-size buffer without its `Bcc`,
/// `X-Sender` and `X-Receiver` header fields (so the file holds exactly these envelope lines);
/// temporary file, fsync, rename, so a watcher never sees half a message.
pub fn write_pickup_stream(
    dir: &Path,
    mail_from: &str,
    recipients: &[String],
    message: &mut dyn Read,
) -> Result<PickupDelivery, MessageError> {
    if dir.exists() && !dir.is_dir() {
        return Err(MessageError::new(
            MessageErrorKind::InvalidArgument,
            format!("the pickup directory {} is not a directory", dir.display()),
        ));
    }
    let ctx =
        |e: &io::Error, what: &str| MessageError::from_io(e, format!("{what} {}", dir.display()));
    fs::create_dir_all(dir).map_err(|e| ctx(&e, "cannot create the pickup directory"))?;
    let id = unique_id();
    let tmp = dir.join(format!(".{id}.tmp"));
    let path = dir.join(format!("{id}.eml"));
    let res = (|| -> io::Result<()> {
        let f = OpenOptions::new().write(true).create_new(true).open(&tmp)?;
        let mut w = BufWriter::with_capacity(READ_BUFFER, f);
        w.write_all(&pickup_envelope(mail_from, recipients))?;
        io::copy(&mut strip_envelope_fields_reader(message), &mut w)?;
        let f = w.into_inner().map_err(|e| e.into_error())?;
        f.sync_all()?;
        drop(f);
        fs::rename(&tmp, &path)?;
        sync_dir(dir);
        Ok(())
    })();
    if let Err(e) = res {
        let _ = fs::remove_file(&tmp);
        return Err(ctx(&e, "cannot write into the pickup directory"));
    }
    Ok(PickupDelivery {
        path,
        mail_from: mail_from.to_string(),
        recipients: recipients.to_vec(),
    })
}

fn stream_envelope(mail_from: &str, recipients: &[String]) -> Envelope {
    Envelope {
        mail_from: mail_from.to_string(),
        recipients: recipients.iter().map(Recipient::new).collect(),
        smtputf8: !mail_from.is_ascii() || recipients.iter().any(|r| !r.is_ascii()),
        // The content is not looked at before it is sent: declare 8BITMIME when offered.
        eight_bit: true,
        dsn_ret: None,
        dsn_envid: None,
    }
}

impl Client {
    /// Forwards a raw message read from `message` to its end, without loading it: a new
    /// envelope (`mail_from`, which may be empty for the null sender, and `recipients`), the
    /// bytes unchanged except for `Bcc`, `X-Sender` and `X-Receiver` header fields. Over SMTP
    /// the content is CRLF-normalised and dot-stuffed on the fly (with CHUNKING: sent as BDAT
    /// chunks of 64 KiB, CRLF-normalised, or byte for byte under BINARYMIME); `size_hint` (when known) is
    /// checked against the server's SIZE limit before anything is sent. With pickup delivery
    /// it is copied into a new pickup file.
    ///
    /// With DKIM signers set, the message is first spooled once into an unnamed temporary file
    /// (in the system's temporary directory) while it is hashed, since the `DKIM-Signature`
    /// fields go before the bytes they cover; memory stays bounded, the disk holds one copy.
    pub fn forward_stream(
        &self,
        mail_from: &str,
        recipients: &[String],
        message: &mut dyn Read,
        size_hint: Option<u64>,
    ) -> Result<Delivery, DeliverError> {
        if recipients.is_empty() {
            return Err(MessageError::new(
                MessageErrorKind::NoRecipients,
                "the recipient list is empty",
            )
            .into());
        }
        let config = self.config();
        if !config.dkim.is_empty() {
            // The signatures go in front of the bytes they cover: spool once (bounded memory),
            // sign, then send the fields and the spooled message.
            let mut spool = super::dkim::SignedSpool::new(message, &config.dkim)?;
            let size = spool.head.len() as u64 + spool.len;
            return match config.delivery_method {
                DeliveryMethod::PickupDirectory => {
                    let dir = super::client::pickup_directory(&config)?;
                    Ok(Delivery::Pickup(write_pickup_stream(
                        dir,
                        mail_from,
                        recipients,
                        &mut spool.reader(),
                    )?))
                }
                DeliveryMethod::Network => {
                    let env = stream_envelope(mail_from, recipients);
                    self.with_smtp(|s| s.send_stream(&env, &mut spool.reader(), Some(size)))
                        .map(Delivery::Smtp)
                }
            };
        }
        match config.delivery_method {
            DeliveryMethod::PickupDirectory => {
                let dir = super::client::pickup_directory(&config)?;
                Ok(Delivery::Pickup(write_pickup_stream(
                    dir, mail_from, recipients, message,
                )?))
            }
            DeliveryMethod::Network => {
                let env = stream_envelope(mail_from, recipients);
                let mut filtered = strip_envelope_fields_reader(message);
                self.with_smtp(|s| s.send_stream(&env, &mut filtered, size_hint))
                    .map(Delivery::Smtp)
            }
        }
    }

    /// Forwards the rest of an open file, from its current position (see
    /// [`Client::forward_stream`]). For a regular file the size, known from its metadata, is
    /// checked against the server's SIZE limit before anything is sent.
    pub fn forward_open_file(
        &self,
        file: &File,
        mail_from: &str,
        recipients: &[String],
    ) -> Result<Delivery, DeliverError> {
        let mut f = file;
        let size_hint = match f.metadata() {
            Ok(m) if m.is_file() => f
                .stream_position()
                .ok()
                .map(|pos| m.len().saturating_sub(pos)),
            _ => None,
        };
        self.forward_stream(mail_from, recipients, &mut f, size_hint)
    }

    /// Forwards the `.eml` file at `path` without loading it (see [`Client::forward_stream`]).
    pub fn forward_file(
        &self,
        path: &Path,
        mail_from: &str,
        recipients: &[String],
    ) -> Result<Delivery, DeliverError> {
        let f = File::open(path)
            .map_err(|e| MessageError::from_io(&e, format!("cannot open {}", path.display())))?;
        self.forward_open_file(&f, mail_from, recipients)
    }
}
