//! What a client does with a message: deliver it over SMTP or into a pickup directory.
#![forbid(unsafe_code)]

mod async_ops;
mod bulk;
mod client;
mod dkim;
mod envelope_fields;
mod forward;
mod pickup;
mod queue;
#[cfg(feature = "postgres")]
mod queue_pg;
mod queue_url;
#[cfg(not(feature = "postgres"))]
mod queue_pg {
    //! Built without the `postgres` feature: a `postgres://` queue cannot be opened.
    use super::queue::{QueueError, QueueErrorKind, QueueStore};
    use super::queue_url::DatabaseQueue;

    pub(crate) fn open(
        _db: &DatabaseQueue,
        _lease: std::time::Duration,
    ) -> Result<Box<dyn QueueStore>, QueueError> {
        Err(QueueError {
            kind: QueueErrorKind::UrlInvalid,
            message: "this build of missive has no PostgreSQL support (feature `postgres`)"
                .to_string(),
        })
    }
}
mod stream;

use std::fs::{self, File, OpenOptions};
use std::io::{self, Write};
use std::path::Path;

pub use async_ops::{CompletionFn, Operation};
pub use bulk::{
    BulkReport, BulkSettings, CancelToken, DEFAULT_BATCH_SIZE, DEFAULT_CONNECTIONS, MAX_BATCH_SIZE,
    MAX_CONNECTIONS, MAX_REQUEUES, MAX_SESSION_FAILURES, Outcome, Progress, ProgressFn,
    RetryPolicy,
};
pub use client::{
    Client, ClientConfig, DeliverError, DeliverErrorKind, Delivery, DeliveryMethod, envelope_for,
};
pub use dkim::{
    DkimAlgorithm, DkimCanonicalization, DkimError, DkimErrorKind, DkimSigner, OVERSIGNED_FIELDS,
    SIGNED_FIELDS,
};
pub use envelope_fields::{
    EnvelopeFieldsStripped, strip_envelope_fields, strip_envelope_fields_reader,
};
pub use forward::{ForwardMode, forward_bytes, resent_fields};
pub use pickup::{
    Envelope, PickupDelivery, Prepared, deliver_to_pickup, load_pickup_bytes, load_pickup_file,
    pickup_envelope, split_pickup,
};
pub use queue::{
    DrainReport, DrainStop, EntryState, Queue, QueueEntry, QueueError, QueueErrorKind, QueuePolicy,
    QueueSettings, QueueState,
};
pub use queue_url::{
    DEFAULT_LEASE, DatabaseQueue, MIN_LEASE, QueueBackendSettings, QueueUrl, redact_url,
};
pub use stream::write_pickup_stream;

/// The message as it is saved and sent: a loaded message unchanged since loading as its
/// original bytes; a TNEF message written by the `tnef` module from the model; any other as
/// MIME (a loaded message with only its changes rewritten).
pub fn render(msg: &crate::message::MailMessage, opts: &crate::message::MimeOptions) -> Vec<u8> {
    match msg.original_bytes() {
        Some(original) => original.as_ref().clone(),
        None if msg.use_tnef() => crate::tnef::to_tnef_mime(msg, opts),
        None => crate::message::to_mime(msg, opts),
    }
}

/// Saves the message (as [`render`] writes it) to a file atomically (see [`atomic_write`]).
pub fn save_path(
    msg: &crate::message::MailMessage,
    opts: &crate::message::MimeOptions,
    path: &Path,
) -> Result<(), crate::message::MessageError> {
    atomic_write(path, &[&render(msg, opts)]).map_err(|e| {
        crate::message::MessageError::from_io(&e, format!("cannot write {}", path.display()))
    })
}

/// Writes `chunks` to `path` atomically: into a new temporary file in the same directory, flushed
/// to disk with fsync, then renamed over `path`, and the directory synced. Readers see either no
/// file or the whole file, never a partial one.
pub fn atomic_write(path: &Path, chunks: &[&[u8]]) -> io::Result<()> {
    let dir = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    let file_name = path
        .file_name()
        .ok_or_else(|| io::Error::new(io::ErrorKind::InvalidInput, "the path has no file name"))?;
    let tmp = dir.join(format!(
        ".{}.{}.{:016x}.tmp",
        file_name.to_string_lossy(),
        std::process::id(),
        crate::message::mime::random_u64()
    ));
    let result = (|| {
        let mut f = OpenOptions::new().write(true).create_new(true).open(&tmp)?;
        for chunk in chunks {
            f.write_all(chunk)?;
        }
        f.sync_all()?;
        drop(f);
        fs::rename(&tmp, path)?;
        // Make the rename itself durable.
        if let Ok(d) = File::open(dir) {
            let _ = d.sync_all();
        }
        Ok(())
    })();
    if result.is_err() {
        let _ = fs::remove_file(&tmp);
    }
    result
}
