//! Forwarding a raw `.eml` stream without loading it: over SMTP through the engine's streaming
//! data path (CRLF fix-up and dot-stuffing on the fly, through fixed-size buffers), or into the
//! pickup directory through a temporary file. Memory use does not grow with the message.
//!
//! The bytes go as they are (REDIRECT semantics: a new envelope, the message unchanged, so
//! DKIM signatures survive), except that `Bcc:` header fields are removed from the header
//! section, as for every other delivery.

use std::fs::{self, File, OpenOptions};
use std::io::{self, BufRead, BufReader, BufWriter, Read, Seek, Write};
use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

use super::client::{Client, DeliverError, Delivery, DeliveryMethod};
use super::pickup::{PickupDelivery, pickup_envelope};
use crate::message::{MessageError, MessageErrorKind};
use crate::smtp::{Envelope, Recipient};

/// The most header bytes held in memory while looking for `Bcc:` fields. A header section
/// longer than this is passed through unfiltered from that point.
pub const HEADER_LIMIT: u64 = 1 << 20;

/// Read buffer for streamed messages.
const READ_BUFFER: usize = 64 * 1024;

/// A reader that yields `inner` with the `Bcc:` fields (and their folded lines) removed from
/// the header section; every other byte is unchanged. Holds at most [`HEADER_LIMIT`] bytes.
pub struct BccStripped<R> {
    inner: BufReader<R>,
    head: Vec<u8>,
    head_pos: usize,
    started: bool,
}

/// Wraps `inner` so that `Bcc:` header fields are removed while it is read.
pub fn strip_bcc_reader<R: Read>(inner: R) -> BccStripped<R> {
    BccStripped {
        inner: BufReader::with_capacity(READ_BUFFER, inner),
        head: Vec::new(),
        head_pos: 0,
        started: false,
    }
}

impl<R: Read> BccStripped<R> {
    fn read_header(&mut self) -> io::Result<()> {
        let mut left = HEADER_LIMIT;
        let mut line = Vec::new();
        let mut skipping = false;
        loop {
            line.clear();
            let n = (&mut self.inner).take(left).read_until(b'\n', &mut line)?;
            if n == 0 {
                return Ok(());
            }
            left -= n as u64;
            let complete = line.ends_with(b"\n");
            if line == b"\r\n" || line == b"\n" || (!complete && left == 0) {
                // End of the header section (or too long a header: no more filtering).
                self.head.extend_from_slice(&line);
                return Ok(());
            }
            if !matches!(line.first(), Some(b' ' | b'\t')) {
                skipping = line.len() >= 4 && line[..4].eq_ignore_ascii_case(b"bcc:");
            }
            if !skipping {
                self.head.extend_from_slice(&line);
            }
            if !complete {
                return Ok(()); // end of input
            }
        }
    }
}

impl<R: Read> Read for BccStripped<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if !self.started {
            self.started = true;
            self.read_header()?;
        }
        if self.head_pos < self.head.len() {
            let n = buf.len().min(self.head.len() - self.head_pos);
            buf[..n].copy_from_slice(&self.head[self.head_pos..self.head_pos + n]);
            self.head_pos += n;
            if self.head_pos == self.head.len() {
                self.head = Vec::new();
                self.head_pos = 0;
            }
            return Ok(n);
        }
        self.inner.read(buf)
    }
}

/// `bytes` without `Bcc:` header fields (the same bytes when there are none).
pub(crate) fn strip_bcc_bytes(bytes: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(bytes.len());
    // Reading from a slice cannot fail.
    let _ = strip_bcc_reader(bytes).read_to_end(&mut out);
    out
}

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
/// envelope lines, then `message` copied through a fixed-size buffer; temporary file, fsync,
/// rename, so a watcher never sees half a message.
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
        io::copy(message, &mut w)?;
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
    /// bytes unchanged except for `Bcc:` header fields. Over SMTP the content is CRLF-normalised
    /// and dot-stuffed on the fly; `size_hint` (when known) is checked against the server's SIZE
    /// limit before anything is sent. With pickup delivery it is copied into a new pickup file.
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
        let mut filtered = strip_bcc_reader(message);
        match config.delivery_method {
            DeliveryMethod::PickupDirectory => {
                let dir = super::client::pickup_directory(&config)?;
                Ok(Delivery::Pickup(write_pickup_stream(
                    dir,
                    mail_from,
                    recipients,
                    &mut filtered,
                )?))
            }
            DeliveryMethod::Network => {
                let env = stream_envelope(mail_from, recipients);
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strips_bcc_only_in_the_header() {
        let raw = b"From: a@b.c\r\nBcc: x@y.z,\r\n w@v.u\r\nTo: t@u.v\r\n\r\nBcc: stays\r\n";
        assert_eq!(
            strip_bcc_bytes(raw),
            b"From: a@b.c\r\nTo: t@u.v\r\n\r\nBcc: stays\r\n".to_vec()
        );
        let plain = b"Subject: x\nTo: a@b\n\nbody\n";
        assert_eq!(strip_bcc_bytes(plain), plain.to_vec());
        assert_eq!(
            strip_bcc_bytes(b"Subject: no end"),
            b"Subject: no end".to_vec()
        );
    }
}
