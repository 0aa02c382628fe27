//! The durable queue: `send_to_queue` writes a message and returns; `drain` delivers queued
//! messages with retries and exponential backoff.
//!
//! Two backends sit behind one interface ([`QueueStore`] for enqueue and state, [`DrainSession`]
//! for a drain's claims and outcomes): the filesystem queue in this file (the default) and the
//! PostgreSQL queue in `queue_pg.rs`, chosen by [`QueueUrl`](super::QueueUrl) (`file:///path`,
//! `postgres://...`). The drain loop of [`Client::drain_queue`] makes every decision (retry,
//! backoff, dead letter, partial refusals) for both, so they behave alike.
//!
//! Layout of the queue directory:
//!
//! ```text
//! queue/ID.queued    a queued message: its envelope record, then the message
//! queue/ID.state     attempts, next attempt time and last error (absent: never tried, due now)
//! inflight/ID.queued the message a drain is delivering (claimed by an atomic rename)
//! dead/ID.queued     a message that failed permanently (or ran out of attempts) ...
//! dead/ID.reason     ... and why
//! .lock              held (flock) by the one drain running at a time
//! keys/MD5           with idempotent enqueue: the id enqueued under a Message-ID (MD5 of it)
//! ```
//!
//! A `.queued` file keeps the envelope apart from the message: a first line
//! `missive-queue 2 <N>\n`, then an envelope record of exactly N bytes — `mail-from <address>`,
//! one `rcpt <address>` per recipient, and a `dsn ...` line when there are DSN options, each
//! ending in `\n` — then the message bytes, to the end of the file. The envelope is read from
//! the record only; the message is never looked at for it. Envelope-looking lines inside a
//! message (`X-Sender:`, `X-Receiver:`, or anything else) are content, never envelope, and
//! `Bcc`, `X-Sender` and `X-Receiver` fields are removed from the message when it is delivered.
//! Envelope and message are one file, so they are written, claimed, put back and dead-lettered
//! together by single atomic renames: a message is never visible without its envelope.
//!
//! Every file is written to a temporary name, fsynced and renamed (then the directory
//! fsynced). A drain claims a message by renaming it into `inflight/`; when delivered, the
//! inflight file is removed; on a temporary failure the new state is written first and the
//! message renamed back; on a permanent failure the reason is written and the message renamed
//! into `dead/`. A drain starts by moving whatever is in `inflight/` back into `queue/`: the
//! drain lock guarantees those were left by a process that died.
//!
//! Crash safety: a process killed at any point loses no message, and re-sends at most the one
//! message that was in flight (if it died after the server accepted that message and before
//! the inflight file was removed, the message is delivered again by the next drain).
//!
//! Messages left by earlier versions (`queue/ID.eml` or `inflight/ID.eml`: `X-Sender` /
//! `X-Receiver` lines in front of the message, in one stream with it) are not sent: in that
//! layout lines at the top of the message itself could pass for envelope lines, so no reading
//! of it is safe. The next drain moves each into `dead/` (as `dead/ID.eml`) with a reason that
//! says so, counted as dead-lettered; check its envelope and queue it again to send it.

use std::fs::{self, File, OpenOptions};
use std::io;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use super::atomic_write;
use super::client::{Client, DeliverError, DeliverErrorKind, Delivery, DeliveryMethod};
use super::pickup::Prepared;
use super::stream::{sync_dir, unique_id};
use crate::message::{DeliveryNotification, DsnReturn, MailMessage, MessageErrorKind};
use crate::smtp::{SmtpErrorKind, Stage};

/// Retry policy: the delay before attempt n+1 is `initial_delay * 2^(n-1)`, at most
/// `max_delay`; after `max_attempts` failed attempts the message is dead-lettered.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct QueuePolicy {
    /// Delay after the first failed attempt.
    pub initial_delay: Duration,
    /// The longest delay between attempts.
    pub max_delay: Duration,
    /// Attempts before giving up (at least 1).
    pub max_attempts: u32,
}

impl Default for QueuePolicy {
    fn default() -> Self {
        QueuePolicy {
            initial_delay: Duration::from_secs(60),
            max_delay: Duration::from_secs(3600),
            max_attempts: 20,
        }
    }
}

impl QueuePolicy {
    /// The delay after `attempts` failed attempts.
    pub fn delay_after(&self, attempts: u32) -> Duration {
        let shift = attempts.saturating_sub(1).min(30);
        self.initial_delay
            .saturating_mul(1u32 << shift)
            .min(self.max_delay)
    }
}

/// The client's queue settings.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct QueueSettings {
    /// The queue directory (created when missing).
    pub directory: Option<PathBuf>,
    /// Retries and backoff.
    pub policy: QueuePolicy,
}

/// Why a queue operation failed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum QueueErrorKind {
    /// No queue directory is set.
    DirectoryNotSet,
    /// Another drain (in this or another process) holds the queue.
    Busy,
    /// The message could not be prepared (no sender, no recipients, ...).
    Message(MessageErrorKind),
    /// The delivery settings cannot work (no host, no pickup directory): nothing was tried.
    Config(DeliverErrorKind),
    /// A file of the queue could not be read or written.
    Io(io::ErrorKind),
    /// The queue URL cannot be used (unknown scheme, relative path, bad schema name, a
    /// PostgreSQL URL the client cannot read, or a build without PostgreSQL support).
    UrlInvalid,
    /// The queue's database cannot be reached, or the connection to it was lost (try again).
    DatabaseUnavailable,
    /// The queue's database refused (credentials, permissions, a schema of a newer version,
    /// an SQL error).
    Database,
}

/// A queue failure with a message naming the problem.
#[derive(Clone, Debug)]
pub struct QueueError {
    /// The kind of failure.
    pub kind: QueueErrorKind,
    /// What happened, for people.
    pub message: String,
}

impl std::fmt::Display for QueueError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for QueueError {}

fn io_err(e: &io::Error, what: impl std::fmt::Display) -> QueueError {
    QueueError {
        kind: QueueErrorKind::Io(e.kind()),
        message: format!("{what}: {}", crate::message::error::io_reason(e)),
    }
}

/// Why a drain stopped before the queue's due messages were tried: the server could not be
/// reached, or refused the session (TLS, credentials).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DrainStop {
    /// The kind of the session failure.
    pub kind: DeliverErrorKind,
    /// What happened, for people (the connection error's text).
    pub message: String,
}

/// What a drain did.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct DrainReport {
    /// Messages delivered (and removed from the queue).
    pub delivered: usize,
    /// Messages that failed temporarily and were rescheduled.
    pub deferred: usize,
    /// Messages moved to the dead-letter folder.
    pub dead_lettered: usize,
    /// Messages found in `inflight/` (left by a process that died) and put back; on a
    /// database queue, messages taken over from a drainer whose lease had ended.
    pub recovered: usize,
    /// Times a database queue's drain lost the connection to the database and went on after
    /// reconnecting (always 0 for the filesystem queue).
    pub reconnects: usize,
    /// Messages still queued afterwards (due or not).
    pub remaining: usize,
    /// Set when the drain stopped early because no session could be opened (server
    /// unreachable, TLS or credentials refused): the message being tried and the rest stay
    /// queued, no attempt counted.
    pub stopped: Option<DrainStop>,
    /// Set when a database queue's drain lost the database between two messages and could not
    /// reconnect: why. The counts are those up to then; `remaining` is not known (0). Call
    /// again later: what was claimed comes back when its lease ends.
    pub database_unavailable: Option<String>,
}

/// Where a queued message is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum EntryState {
    /// Waiting in `queue/`.
    Queued,
    /// Being delivered (or left by a process that died, until the next drain).
    InFlight,
    /// In the dead-letter folder.
    Dead,
}

/// One message of the queue.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct QueueEntry {
    /// The message's id (its file name without the extension).
    pub id: String,
    /// Where it is.
    pub state: EntryState,
    /// Failed attempts so far.
    pub attempts: u32,
    /// When the next attempt is due (milliseconds since the epoch; 0: now).
    pub next_attempt_ms: u64,
    /// The last error (for dead messages: the reason).
    pub last_error: String,
}

/// The queue's contents.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct QueueState {
    /// Messages waiting (due or not).
    pub queued: usize,
    /// Of those, the ones due now.
    pub due: usize,
    /// Messages in flight.
    pub in_flight: usize,
    /// Dead-lettered messages.
    pub dead: usize,
    /// The earliest next attempt among queued messages (ms since the epoch; 0 when none).
    pub next_attempt_ms: u64,
    /// Every message, queued first (oldest first), then in flight, then dead.
    pub entries: Vec<QueueEntry>,
}

/// The per-message state file.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
struct State {
    attempts: u32,
    next_attempt_ms: u64,
    last_error: String,
}

impl State {
    fn parse(text: &str) -> State {
        let mut s = State::default();
        for line in text.lines() {
            match line.split_once('=') {
                Some(("attempts", v)) => s.attempts = v.parse().unwrap_or(0),
                Some(("next_attempt_ms", v)) => s.next_attempt_ms = v.parse().unwrap_or(0),
                Some(("last_error", v)) => s.last_error = v.to_string(),
                _ => {}
            }
        }
        s
    }

    fn render(&self) -> String {
        let err: String = self
            .last_error
            .chars()
            .map(|c| if c.is_control() { ' ' } else { c })
            .collect();
        format!(
            "attempts={}\nnext_attempt_ms={}\nlast_error={}\n",
            self.attempts, self.next_attempt_ms, err
        )
    }
}

/// The extension of queued message files (envelope record, then the message).
const EXT: &str = "queued";

/// The extension of message files in the layout of earlier versions (envelope lines in front
/// of the message): never sent, moved into `dead/` by the next drain.
const LEGACY_EXT: &str = "eml";

/// What a legacy file is dead-lettered with.
const LEGACY_REASON: &str = "not sent: queued by an earlier version of missive, whose queue \
    files kept the envelope as X-Sender/X-Receiver lines in front of the message, where lines \
    of the message itself could pass for envelope; check the envelope and queue the message \
    again";

/// The first line of a queued message file, before the envelope record's length.
const MAGIC: &str = "missive-queue 2 ";

fn now_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis() as u64)
        .unwrap_or(0)
}

/// An on-disk queue at a directory.
#[derive(Clone, Debug)]
pub struct Queue {
    root: PathBuf,
}

impl Queue {
    /// The queue at `root`; its folders are created when missing.
    pub fn open(root: &Path) -> Result<Queue, QueueError> {
        for sub in ["queue", "inflight", "dead"] {
            let d = root.join(sub);
            fs::create_dir_all(&d)
                .map_err(|e| io_err(&e, format!("cannot create {}", d.display())))?;
        }
        Ok(Queue {
            root: root.to_path_buf(),
        })
    }

    fn dir(&self, sub: &str) -> PathBuf {
        self.root.join(sub)
    }

    /// The message file of `id` in a folder.
    fn file(&self, sub: &str, id: &str) -> PathBuf {
        self.dir(sub).join(format!("{id}.{EXT}"))
    }

    /// Writes a prepared message into the queue, durably; returns its id.
    pub fn enqueue(&self, p: &Prepared) -> Result<String, QueueError> {
        let head = queued_head(p)?;
        let id = unique_id();
        let path = self.file("queue", &id);
        atomic_write(&path, &[&head, &p.data])
            .map_err(|e| io_err(&e, format!("cannot write {}", path.display())))?;
        Ok(id)
    }

    /// Enqueues `p` unless a message was already enqueued under the key `key` (its
    /// Message-ID): then returns that message's id. The key is recorded in `keys/` (a file
    /// named by the MD5 of the key, holding the id) after the message is written, so a crash
    /// in between can leave a second copy but never a key without its message.
    fn enqueue_once(&self, p: &Prepared, key: &str) -> Result<String, QueueError> {
        use md5::{Digest, Md5};
        let keys = self.dir("keys");
        fs::create_dir_all(&keys)
            .map_err(|e| io_err(&e, format!("cannot create {}", keys.display())))?;
        let name: String = Md5::digest(key.as_bytes())
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        let key_path = keys.join(name);
        if let Ok(id) = fs::read_to_string(&key_path) {
            return Ok(id.trim().to_string());
        }
        let id = self.enqueue(p)?;
        let written = (|| {
            let mut f = OpenOptions::new()
                .write(true)
                .create_new(true)
                .open(&key_path)?;
            io::Write::write_all(&mut f, id.as_bytes())?;
            f.sync_all()
        })();
        match written {
            Ok(()) => {
                sync_dir(&keys);
                Ok(id)
            }
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists => {
                // Another process enqueued the same Message-ID at the same moment: keep its.
                let _ = fs::remove_file(self.file("queue", &id));
                sync_dir(&self.dir("queue"));
                Ok(fs::read_to_string(&key_path)
                    .map(|t| t.trim().to_string())
                    .unwrap_or_default())
            }
            Err(e) => Err(io_err(&e, format!("cannot write {}", key_path.display()))),
        }
    }

    /// The ids of the queued message files in a folder, sorted (oldest first).
    fn ids(&self, sub: &str) -> Vec<String> {
        self.ids_with(sub, EXT)
    }

    /// The ids of the files with extension `ext` in a folder, sorted (oldest first).
    fn ids_with(&self, sub: &str, ext: &str) -> Vec<String> {
        let suffix = format!(".{ext}");
        let mut ids: Vec<String> = fs::read_dir(self.dir(sub))
            .map(|rd| {
                rd.flatten()
                    .filter_map(|e| {
                        let name = e.file_name().to_string_lossy().into_owned();
                        let id = name.strip_suffix(&suffix)?;
                        (!id.starts_with('.')).then(|| id.to_string())
                    })
                    .collect()
            })
            .unwrap_or_default();
        ids.sort();
        ids
    }

    fn state_path(&self, id: &str) -> PathBuf {
        self.dir("queue").join(format!("{id}.state"))
    }

    fn read_state(&self, id: &str) -> State {
        fs::read_to_string(self.state_path(id))
            .map(|t| State::parse(&t))
            .unwrap_or_default()
    }

    /// What is in the queue.
    pub fn state(&self) -> QueueState {
        let now = now_ms();
        let mut st = QueueState::default();
        for id in self.ids("queue") {
            let s = self.read_state(&id);
            st.queued += 1;
            if s.next_attempt_ms <= now {
                st.due += 1;
            }
            let t = if s.next_attempt_ms == 0 {
                now
            } else {
                s.next_attempt_ms
            };
            if st.next_attempt_ms == 0 || t < st.next_attempt_ms {
                st.next_attempt_ms = t;
            }
            st.entries.push(QueueEntry {
                id,
                state: EntryState::Queued,
                attempts: s.attempts,
                next_attempt_ms: s.next_attempt_ms,
                last_error: s.last_error,
            });
        }
        for id in self.ids("inflight") {
            let s = self.read_state(&id);
            st.in_flight += 1;
            st.entries.push(QueueEntry {
                id,
                state: EntryState::InFlight,
                attempts: s.attempts,
                next_attempt_ms: s.next_attempt_ms,
                last_error: s.last_error,
            });
        }
        // Files of earlier versions, waiting for the next drain to dead-letter them.
        for (sub, state) in [
            ("queue", EntryState::Queued),
            ("inflight", EntryState::InFlight),
        ] {
            for id in self.ids_with(sub, LEGACY_EXT) {
                match state {
                    EntryState::Queued => st.queued += 1,
                    _ => st.in_flight += 1,
                }
                st.entries.push(QueueEntry {
                    id,
                    state,
                    attempts: 0,
                    next_attempt_ms: 0,
                    last_error: format!("the next drain moves it to dead/: {LEGACY_REASON}"),
                });
            }
        }
        let mut dead = self.ids("dead");
        dead.extend(self.ids_with("dead", LEGACY_EXT));
        dead.sort();
        for id in dead {
            let reason = fs::read_to_string(self.dir("dead").join(format!("{id}.reason")))
                .unwrap_or_default();
            st.dead += 1;
            st.entries.push(QueueEntry {
                id,
                state: EntryState::Dead,
                attempts: 0,
                next_attempt_ms: 0,
                last_error: reason.trim_end().to_string(),
            });
        }
        st
    }

    /// Takes the drain lock, or fails with `Busy`.
    fn lock(&self) -> Result<File, QueueError> {
        let path = self.root.join(".lock");
        let f = OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&path)
            .map_err(|e| io_err(&e, format!("cannot open {}", path.display())))?;
        match f.try_lock() {
            Ok(()) => Ok(f),
            Err(fs::TryLockError::WouldBlock) => Err(QueueError {
                kind: QueueErrorKind::Busy,
                message: format!(
                    "another drain of the queue {} is running",
                    self.root.display()
                ),
            }),
            Err(fs::TryLockError::Error(e)) => Err(io_err(&e, "cannot lock the queue")),
        }
    }

    /// Moves messages left in `inflight/` back into `queue/`, and files of earlier versions
    /// into `dead/`. Call only with the lock held. Returns (recovered, dead-lettered).
    fn recover(&self) -> Result<(usize, usize), QueueError> {
        let mut n = 0;
        for id in self.ids("inflight") {
            if fs::rename(self.file("inflight", &id), self.file("queue", &id)).is_ok() {
                n += 1;
            }
        }
        if n > 0 {
            sync_dir(&self.dir("queue"));
            sync_dir(&self.dir("inflight"));
        }
        let mut legacy = 0;
        for sub in ["queue", "inflight"] {
            for id in self.ids_with(sub, LEGACY_EXT) {
                let from = self.dir(sub).join(format!("{id}.{LEGACY_EXT}"));
                let to = self.dir("dead").join(format!("{id}.{LEGACY_EXT}"));
                self.move_to_dead(&id, &from, &to, LEGACY_REASON)?;
                legacy += 1;
            }
        }
        // State files whose message is gone (a crash between removing both).
        if let Ok(rd) = fs::read_dir(self.dir("queue")) {
            for e in rd.flatten() {
                let name = e.file_name().to_string_lossy().into_owned();
                if let Some(id) = name.strip_suffix(".state")
                    && !self.file("queue", id).exists()
                {
                    let _ = fs::remove_file(e.path());
                }
            }
        }
        Ok((n, legacy))
    }

    /// Moves a claimed message into `dead/` with the reason beside it.
    fn dead_letter(&self, id: &str, reason: &str) -> Result<(), QueueError> {
        self.move_to_dead(
            id,
            &self.file("inflight", id),
            &self.file("dead", id),
            reason,
        )
    }

    /// Writes the reason, then renames the message file `from` to `to` in `dead/`; its state
    /// file goes.
    fn move_to_dead(
        &self,
        id: &str,
        from: &Path,
        to: &Path,
        reason: &str,
    ) -> Result<(), QueueError> {
        let reason_path = self.dir("dead").join(format!("{id}.reason"));
        atomic_write(&reason_path, &[reason.as_bytes(), b"\n"])
            .map_err(|e| io_err(&e, format!("cannot write {}", reason_path.display())))?;
        fs::rename(from, to)
            .map_err(|e| io_err(&e, format!("cannot move {} to dead/", from.display())))?;
        sync_dir(&self.dir("dead"));
        if let Some(parent) = from.parent() {
            sync_dir(parent);
        }
        let _ = fs::remove_file(self.state_path(id));
        Ok(())
    }

    fn defer(&self, id: &str, state: &State) -> Result<(), QueueError> {
        let sp = self.state_path(id);
        atomic_write(&sp, &[state.render().as_bytes()])
            .map_err(|e| io_err(&e, format!("cannot write {}", sp.display())))?;
        self.unclaim(id)
    }

    fn unclaim(&self, id: &str) -> Result<(), QueueError> {
        let from = self.file("inflight", id);
        fs::rename(&from, self.file("queue", id))
            .map_err(|e| io_err(&e, format!("cannot move {} back", from.display())))?;
        sync_dir(&self.dir("queue"));
        Ok(())
    }

    fn delivered(&self, id: &str) -> Result<(), QueueError> {
        let path = self.file("inflight", id);
        fs::remove_file(&path)
            .map_err(|e| io_err(&e, format!("cannot remove {}", path.display())))?;
        sync_dir(&self.dir("inflight"));
        let _ = fs::remove_file(self.state_path(id));
        Ok(())
    }
}

/// The start of a queued message file: the first line with the envelope record's length, and
/// the record: `mail-from <address>`, one `rcpt <address>` per recipient, and a `dsn` line
/// with the DSN options when there are any (ENVID hex-encoded), each ending in `\n`. Refuses
/// an envelope with no recipient, or with a control character in an address (it could not be
/// read back as written).
fn queued_head(p: &Prepared) -> Result<Vec<u8>, QueueError> {
    let record = envelope_record(p)?;
    Ok(format!("{MAGIC}{}\n{record}", record.len()).into_bytes())
}

/// The envelope record of a prepared message (see [`queued_head`]): what a database queue
/// keeps in its `envelope` column.
pub(crate) fn envelope_record(p: &Prepared) -> Result<String, QueueError> {
    let refuse = |kind, message: String| QueueError {
        kind: QueueErrorKind::Message(kind),
        message,
    };
    if p.recipients.is_empty() {
        return Err(refuse(
            MessageErrorKind::NoRecipients,
            "the envelope has no recipients".into(),
        ));
    }
    if let Some(a) = std::iter::once(&p.mail_from)
        .chain(&p.recipients)
        .find(|a| a.chars().any(char::is_control))
    {
        return Err(refuse(
            MessageErrorKind::InvalidAddress,
            format!("the envelope address {a:?} contains a control character"),
        ));
    }
    let mut record = format!("mail-from {}\n", p.mail_from);
    for r in &p.recipients {
        record.push_str(&format!("rcpt {r}\n"));
    }
    let dsn = &p.dsn;
    if dsn != &DeliveryNotification::default() {
        let n = dsn.notify;
        let flags: Vec<&str> = [
            (n.never, "never"),
            (n.success, "success"),
            (n.failure, "failure"),
            (n.delay, "delay"),
        ]
        .into_iter()
        .filter_map(|(on, name)| on.then_some(name))
        .collect();
        let ret = match dsn.ret {
            Some(DsnReturn::Full) => "full",
            Some(DsnReturn::Headers) => "hdrs",
            None => "",
        };
        let envid: String = dsn
            .envelope_id
            .as_deref()
            .unwrap_or_default()
            .bytes()
            .map(|b| format!("{b:02x}"))
            .collect();
        record.push_str(&format!(
            "dsn notify={};ret={ret};envid={envid}\n",
            flags.join(",")
        ));
    }
    Ok(record)
}

fn parse_dsn(v: &str) -> DeliveryNotification {
    let mut dsn = DeliveryNotification::default();
    for part in v.split(';') {
        match part.trim().split_once('=') {
            Some(("notify", flags)) => {
                for f in flags.split(',') {
                    match f {
                        "never" => dsn.notify.never = true,
                        "success" => dsn.notify.success = true,
                        "failure" => dsn.notify.failure = true,
                        "delay" => dsn.notify.delay = true,
                        _ => {}
                    }
                }
            }
            Some(("ret", "full")) => dsn.ret = Some(DsnReturn::Full),
            Some(("ret", "hdrs")) => dsn.ret = Some(DsnReturn::Headers),
            Some(("envid", hex)) if !hex.is_empty() => {
                let bytes: Option<Vec<u8>> = (0..hex.len())
                    .step_by(2)
                    .map(|i| u8::from_str_radix(hex.get(i..i + 2)?, 16).ok())
                    .collect();
                dsn.envelope_id = bytes.and_then(|b| String::from_utf8(b).ok());
            }
            _ => {}
        }
    }
    dsn
}

/// Reads a queued message file back: the envelope from its record only, the message from
/// what follows the record. Gives the reason when the file is not one.
fn parse_queued(mut raw: Vec<u8>) -> Result<Prepared, String> {
    let nl = raw
        .iter()
        .take(MAGIC.len() + 24)
        .position(|&b| b == b'\n')
        .ok_or("no queue header line")?;
    let len: usize = std::str::from_utf8(&raw[..nl])
        .ok()
        .and_then(|l| l.strip_prefix(MAGIC))
        .and_then(|n| n.parse().ok())
        .ok_or("the first line is not a queue header line")?;
    let start = nl + 1;
    let end = start
        .checked_add(len)
        .filter(|&e| e <= raw.len())
        .ok_or("the envelope record is cut short")?;
    let record = std::str::from_utf8(&raw[start..end])
        .map_err(|_| "the envelope record is not UTF-8")?
        .to_string();
    raw.drain(..end);
    parse_record(&record, raw)
}

/// Reads an envelope record (see [`queued_head`]) and joins it with the message bytes.
pub(crate) fn parse_record(record: &str, data: Vec<u8>) -> Result<Prepared, String> {
    if !record.ends_with('\n') {
        return Err("the envelope record does not end with a line end".into());
    }
    let mut mail_from = None;
    let mut recipients = Vec::new();
    let mut dsn = DeliveryNotification::default();
    for line in record.split_terminator('\n') {
        match line.split_once(' ') {
            Some(("mail-from", v)) if mail_from.is_none() => mail_from = Some(v.to_string()),
            Some(("rcpt", v)) if !v.is_empty() => recipients.push(v.to_string()),
            Some(("dsn", v)) => dsn = parse_dsn(v),
            _ => return Err(format!("unexpected envelope line {line:?}")),
        }
    }
    let mail_from = mail_from.ok_or("the envelope has no mail-from line")?;
    if recipients.is_empty() {
        return Err("the envelope has no rcpt line".into());
    }
    let smtputf8 = !mail_from.is_ascii() || recipients.iter().any(|r| !r.is_ascii());
    Ok(Prepared {
        mail_from,
        recipients,
        data: Arc::new(data),
        smtputf8,
        dsn,
    })
}

/// How a failed attempt counts.
enum Verdict {
    Temporary,
    Permanent,
    /// Nothing could be tried (no connection): stop this drain, keep the attempt count.
    StopDrain,
}

/// Whether an SMTP failure belongs to the session (connection, TLS, authentication) rather
/// than to the message: every message would fail the same way, so none is charged for it.
fn session_failure(kind: SmtpErrorKind) -> bool {
    let session_stage = |stage: Stage| {
        matches!(
            stage,
            Stage::Connect
                | Stage::TlsHandshake
                | Stage::Greeting
                | Stage::Ehlo
                | Stage::StartTls
                | Stage::Auth
        )
    };
    match kind {
        SmtpErrorKind::Connect
        | SmtpErrorKind::Proxy
        | SmtpErrorKind::ProxyRefused
        | SmtpErrorKind::ProxyAuthFailed
        | SmtpErrorKind::TokenProvider
        | SmtpErrorKind::Tls
        | SmtpErrorKind::TlsRequiredNotOffered
        | SmtpErrorKind::CertificateInvalid
        | SmtpErrorKind::AuthFailed
        | SmtpErrorKind::AuthUnsupported
        | SmtpErrorKind::CredentialsRequireTls => true,
        SmtpErrorKind::Timeout { stage }
        | SmtpErrorKind::ConnectionLost { stage }
        | SmtpErrorKind::ServerRejected { stage } => session_stage(stage),
        _ => false,
    }
}

fn verdict(e: &DeliverError) -> Verdict {
    match e.kind {
        DeliverErrorKind::Smtp(k) if session_failure(k) => Verdict::StopDrain,
        DeliverErrorKind::Smtp(_) => match &e.smtp {
            Some(s) if s.is_transient() => Verdict::Temporary,
            Some(_) => Verdict::Permanent,
            None => Verdict::Temporary,
        },
        DeliverErrorKind::Message(MessageErrorKind::Io)
        | DeliverErrorKind::Message(MessageErrorKind::PermissionDenied)
        | DeliverErrorKind::Message(MessageErrorKind::NotFound) => Verdict::Temporary,
        DeliverErrorKind::Message(_) => Verdict::Permanent,
        DeliverErrorKind::PickupDirectoryNotSet | DeliverErrorKind::HostNotSet => {
            Verdict::StopDrain
        }
    }
}

/// A message a drain has claimed: its id, its retry state, and the message (or why its stored
/// form cannot be read).
pub(crate) struct Claim {
    /// The message's id.
    pub id: String,
    /// Failed attempts so far.
    pub attempts: u32,
    /// The message, or why its stored form is damaged.
    pub message: Result<Prepared, String>,
    /// When it was due (ms since the epoch; 0: never tried): kept when it is put back
    /// untried.
    pub next_attempt_ms: u64,
    /// A backend's own handle on the claim: the database's row ...
    #[cfg_attr(not(feature = "postgres"), allow(dead_code))]
    pub row: i64,
    /// ... and claim token.
    #[cfg_attr(not(feature = "postgres"), allow(dead_code))]
    pub token: i64,
}

/// One drain's hold on a queue: what [`Client::drain_queue`] needs of a backend. The
/// filesystem queue and the PostgreSQL queue both implement it, so that retries, backoff,
/// dead letters and partial refusals are decided in one place for both.
pub(crate) trait DrainSession {
    /// Messages taken back from dead workers and earlier-version files dead-lettered when the
    /// drain began: (recovered, dead-lettered).
    fn started(&self) -> (usize, usize);
    /// The next due message, claimed for this drain; `None` when no due message is left.
    fn claim_next(&mut self) -> Result<Option<Claim>, QueueError>;
    /// The claimed message was delivered: it leaves the queue.
    fn delivered(&mut self, c: &Claim) -> Result<(), QueueError>;
    /// The claimed message goes back into the queue with this many attempts and this error,
    /// due again after `delay`.
    fn defer(
        &mut self,
        c: &Claim,
        attempts: u32,
        last_error: &str,
        delay: Duration,
    ) -> Result<(), QueueError>;
    /// The claimed message goes into the dead letters with the reason.
    fn dead_letter(&mut self, c: &Claim, reason: &str) -> Result<(), QueueError>;
    /// A new queued message (recipients refused for now), due after `delay`.
    fn requeue(
        &mut self,
        p: &Prepared,
        attempts: u32,
        last_error: &str,
        delay: Duration,
    ) -> Result<(), QueueError>;
    /// A new dead letter (recipients refused for good).
    fn add_dead(&mut self, p: &Prepared, reason: &str) -> Result<(), QueueError>;
    /// Messages still queued (due or not, in flight in other drains included).
    fn remaining(&mut self) -> Result<usize, QueueError>;
    /// Times the drain lost its database connection and went on after reconnecting.
    fn reconnects(&self) -> usize {
        0
    }
    /// What a queued message is stored as, for messages: "file", "row".
    fn stored_as(&self) -> &'static str {
        "file"
    }
}

/// A queue backend: where `send_to_queue` writes and what a drain works on.
pub(crate) trait QueueStore {
    /// Writes a prepared message into the queue, durably; returns its id. With `key` (a
    /// Message-ID), a message already enqueued under that key is not added again: its id is
    /// returned.
    fn enqueue(&self, p: &Prepared, key: Option<&str>) -> Result<String, QueueError>;
    /// What is in the queue.
    fn state(&self) -> Result<QueueState, QueueError>;
    /// Starts a drain.
    fn drain(&self) -> Result<Box<dyn DrainSession + '_>, QueueError>;
}

/// A drain of the filesystem queue: the lock is held for as long as it lives.
struct FileDrain<'q> {
    q: &'q Queue,
    _lock: File,
    started: (usize, usize),
    ids: std::vec::IntoIter<String>,
}

impl DrainSession for FileDrain<'_> {
    fn started(&self) -> (usize, usize) {
        self.started
    }

    fn claim_next(&mut self) -> Result<Option<Claim>, QueueError> {
        let q = self.q;
        for id in self.ids.by_ref() {
            let state = q.read_state(&id);
            if state.next_attempt_ms > now_ms() {
                continue;
            }
            let claimed = q.file("inflight", &id);
            if fs::rename(q.file("queue", &id), &claimed).is_err() {
                continue; // removed meanwhile
            }
            let raw = match fs::read(&claimed) {
                Ok(r) => r,
                Err(e) => {
                    q.unclaim(&id)?;
                    return Err(io_err(&e, format!("cannot read {}", claimed.display())));
                }
            };
            return Ok(Some(Claim {
                id,
                attempts: state.attempts,
                message: parse_queued(raw),
                next_attempt_ms: state.next_attempt_ms,
                row: 0,
                token: 0,
            }));
        }
        Ok(None)
    }

    fn delivered(&mut self, c: &Claim) -> Result<(), QueueError> {
        self.q.delivered(&c.id)
    }

    fn defer(
        &mut self,
        c: &Claim,
        attempts: u32,
        last_error: &str,
        delay: Duration,
    ) -> Result<(), QueueError> {
        let state = State {
            attempts,
            // Put back untried (the drain stopped): due as it was.
            next_attempt_ms: if delay.is_zero() && attempts == c.attempts {
                c.next_attempt_ms
            } else {
                now_ms() + delay.as_millis() as u64
            },
            last_error: last_error.to_string(),
        };
        self.q.defer(&c.id, &state)
    }

    fn dead_letter(&mut self, c: &Claim, reason: &str) -> Result<(), QueueError> {
        self.q.dead_letter(&c.id, reason)
    }

    fn requeue(
        &mut self,
        p: &Prepared,
        attempts: u32,
        last_error: &str,
        delay: Duration,
    ) -> Result<(), QueueError> {
        let q = self.q;
        let id = q.enqueue(p)?;
        let st = State {
            attempts,
            next_attempt_ms: now_ms() + delay.as_millis() as u64,
            last_error: last_error.to_string(),
        };
        let sp = q.state_path(&id);
        atomic_write(&sp, &[st.render().as_bytes()])
            .map_err(|e| io_err(&e, format!("cannot write {}", sp.display())))
    }

    fn add_dead(&mut self, p: &Prepared, reason: &str) -> Result<(), QueueError> {
        let q = self.q;
        let id = unique_id();
        let reason_path = q.dir("dead").join(format!("{id}.reason"));
        atomic_write(&reason_path, &[format!("{reason}\n").as_bytes()])
            .map_err(|e| io_err(&e, format!("cannot write {}", reason_path.display())))?;
        let path = q.file("dead", &id);
        let head = queued_head(p)?;
        atomic_write(&path, &[&head, &p.data])
            .map_err(|e| io_err(&e, format!("cannot write {}", path.display())))
    }

    fn remaining(&mut self) -> Result<usize, QueueError> {
        Ok(self.q.ids("queue").len())
    }
}

impl QueueStore for Queue {
    fn enqueue(&self, p: &Prepared, key: Option<&str>) -> Result<String, QueueError> {
        match key {
            None => Queue::enqueue(self, p),
            Some(k) => self.enqueue_once(p, k),
        }
    }

    fn state(&self) -> Result<QueueState, QueueError> {
        Ok(Queue::state(self))
    }

    fn drain(&self) -> Result<Box<dyn DrainSession + '_>, QueueError> {
        let lock = self.lock()?;
        let started = self.recover()?;
        Ok(Box::new(FileDrain {
            q: self,
            _lock: lock,
            started,
            ids: self.ids("queue").into_iter(),
        }))
    }
}

/// The Message-ID of a prepared message (without angle brackets), read from its header.
pub(crate) fn message_id_of(data: &[u8]) -> Option<String> {
    let mut lines = data.split(|&b| b == b'\n').peekable();
    while let Some(line) = lines.next() {
        let line = line.strip_suffix(b"\r").unwrap_or(line);
        if line.is_empty() {
            return None; // end of the header
        }
        let Some(colon) = line.iter().position(|&b| b == b':') else {
            continue;
        };
        if !line[..colon].eq_ignore_ascii_case(b"message-id") {
            continue;
        }
        let mut value = String::from_utf8_lossy(&line[colon + 1..]).into_owned();
        while let Some(next) = lines.peek() {
            if next.first().is_some_and(|b| *b == b' ' || *b == b'\t') {
                let next = next.strip_suffix(b"\r").unwrap_or(next);
                value.push_str(&String::from_utf8_lossy(next));
                lines.next();
            } else {
                break;
            }
        }
        let v = value
            .trim()
            .trim_start_matches('<')
            .trim_end_matches('>')
            .trim();
        return (!v.is_empty()).then(|| v.to_string());
    }
    None
}

impl Client {
    /// The configured queue backend with its settings.
    pub(crate) fn queue_store(&self) -> Result<(Box<dyn QueueStore>, QueueSettings), QueueError> {
        let config = self.config();
        let settings = config.queue.clone();
        if let Some(db) = &config.queue_backend.database {
            return Ok((
                super::queue_pg::open(db, config.queue_backend.lease)?,
                settings,
            ));
        }
        let dir = settings.directory.clone().ok_or_else(|| QueueError {
            kind: QueueErrorKind::DirectoryNotSet,
            message: "no queue directory is set".to_string(),
        })?;
        Ok((Box::new(Queue::open(&dir)?), settings))
    }

    /// Writes `msg` durably into the queue (a file: fsync, atomic rename; a database: one
    /// transaction) and returns its id; a later [`Client::drain_queue`] delivers it.
    pub fn send_to_queue(&self, msg: &MailMessage) -> Result<String, QueueError> {
        let p = self.prepare(msg).map_err(|e| QueueError {
            kind: QueueErrorKind::Message(e.kind()),
            message: e.message().to_string(),
        })?;
        self.enqueue_prepared(&p)
    }

    /// Writes a prepared message durably into the queue and returns its id. When the client
    /// asks for idempotent enqueues ([`QueueBackendSettings::idempotent`](super::QueueBackendSettings::idempotent)), a message whose
    /// Message-ID is already in the queue (queued, in flight, dead, or delivered from a
    /// database queue) is not added again: the id of the first is returned.
    pub fn enqueue_prepared(&self, p: &Prepared) -> Result<String, QueueError> {
        let idempotent = self.config().queue_backend.idempotent;
        let (q, _) = self.queue_store()?;
        let key = if idempotent {
            Some(message_id_of(&p.data).ok_or_else(|| QueueError {
                kind: QueueErrorKind::Message(MessageErrorKind::InvalidArgument),
                message:
                    "idempotent enqueue needs a Message-ID, and the message has none".to_string(),
            })?)
        } else {
            None
        };
        q.enqueue(p, key.as_deref())
    }

    /// The queue's contents.
    pub fn queue_state(&self) -> Result<QueueState, QueueError> {
        self.queue_store()?.0.state()
    }

    /// Delivers due messages of the queue, oldest first, by the configured delivery method:
    /// at most `max_messages` (0: no limit), and no new message after `budget` has passed.
    /// On a filesystem queue only one drain runs at a time per queue directory (across
    /// processes): another one fails with `Busy`, and messages left in flight by a process
    /// that died are put back first. On a database queue any number of drains run at once,
    /// each claiming one message at a time under a lease; a message whose claim's lease ran
    /// out (its drainer died) is taken by the next drain.
    ///
    /// A delivered message leaves the queue. A temporary failure (4xx, lost connection,
    /// timeout) reschedules it with exponential backoff; a permanent one (5xx, or
    /// `max_attempts` reached) moves it into `dead/` with the reason. When the session itself
    /// fails (no connection, TLS, authentication), the drain stops and the message keeps its
    /// attempt count: the problem is not the message's. The report then says why in
    /// [`DrainReport::stopped`], with its counts up to that point. A message whose outcome is unknown
    /// (connection lost after its final dot) counts as a temporary failure and is sent again.
    pub fn drain_queue(
        &self,
        max_messages: usize,
        budget: Option<Duration>,
    ) -> Result<DrainReport, QueueError> {
        let started = Instant::now();
        let (store, settings) = self.queue_store()?;
        let config = self.config();
        let unusable = match config.delivery_method {
            DeliveryMethod::Network if config.smtp.host.is_empty() => {
                Some((DeliverErrorKind::HostNotSet, "no SMTP host is set"))
            }
            DeliveryMethod::PickupDirectory if config.pickup_directory.is_none() => Some((
                DeliverErrorKind::PickupDirectoryNotSet,
                "no pickup directory is set",
            )),
            _ => None,
        };
        if let Some((kind, text)) = unusable {
            return Err(QueueError {
                kind: QueueErrorKind::Config(kind),
                message: format!("cannot drain the queue: {text}"),
            });
        }
        let mut q = store.drain()?;
        let (recovered, legacy) = q.started();
        let mut report = DrainReport {
            recovered,
            dead_lettered: legacy,
            ..DrainReport::default()
        };
        let mut done = 0usize;
        loop {
            if (max_messages > 0 && done >= max_messages)
                || budget.is_some_and(|b| started.elapsed() >= b)
            {
                break;
            }
            let claim = match q.claim_next() {
                Ok(Some(c)) => c,
                Ok(None) => break,
                Err(e) if e.kind == QueueErrorKind::DatabaseUnavailable => {
                    report.database_unavailable = Some(e.message);
                    report.recovered = q.started().0;
                    report.reconnects = q.reconnects();
                    return Ok(report);
                }
                Err(e) => return Err(e),
            };
            done += 1;
            let prepared = match &claim.message {
                Ok(p) => p,
                Err(why) => {
                    q.dead_letter(
                        &claim,
                        &format!("not sent: the queued {} is damaged: {why}", q.stored_as()),
                    )?;
                    report.dead_lettered += 1;
                    continue;
                }
            };
            let outcome = self.send_prepared(prepared);
            match outcome {
                Ok(d) => {
                    q.delivered(&claim)?;
                    report.delivered += 1;
                    if let Delivery::Smtp(r) = &d
                        && !r.rejected.is_empty()
                    {
                        // Delivered to the others: the refused recipients go on as their own
                        // entry (temporary refusals) or into dead/ (permanent ones).
                        split_refused(&mut *q, prepared, &r.rejected, claim.attempts, &settings)?;
                    }
                }
                Err(e) => {
                    let attempts = claim.attempts + 1;
                    match verdict(&e) {
                        Verdict::StopDrain => {
                            q.defer(&claim, claim.attempts, &e.message, Duration::ZERO)?;
                            report.stopped = Some(DrainStop {
                                kind: e.kind,
                                message: format!(
                                    "the drain stopped, messages stay queued: {}",
                                    e.message
                                ),
                            });
                            break;
                        }
                        Verdict::Temporary if attempts < settings.policy.max_attempts => {
                            let delay = settings.policy.delay_after(attempts);
                            q.defer(&claim, attempts, &e.message, delay)?;
                            report.deferred += 1;
                        }
                        Verdict::Temporary => {
                            q.dead_letter(
                                &claim,
                                &format!(
                                    "gave up after {attempts} attempts; last error: {}",
                                    e.message
                                ),
                            )?;
                            report.dead_lettered += 1;
                        }
                        Verdict::Permanent => {
                            q.dead_letter(&claim, &format!("permanent failure: {}", e.message))?;
                            report.dead_lettered += 1;
                        }
                    }
                }
            }
        }
        report.remaining = q.remaining()?;
        // A database drain finds expired claims as it goes.
        report.recovered = q.started().0;
        report.reconnects = q.reconnects();
        Ok(report)
    }
}

/// After a delivery some recipients refused: the temporary refusals go on as a new queued
/// message of their own, the permanent ones into the dead letters.
fn split_refused(
    q: &mut dyn DrainSession,
    p: &Prepared,
    rejected: &[(String, crate::smtp::Reply)],
    attempts_before: u32,
    settings: &QueueSettings,
) -> Result<(), QueueError> {
    let (temp, perm): (Vec<_>, Vec<_>) = rejected.iter().partition(|(_, r)| r.is_transient());
    let refused = |list: &[&(String, crate::smtp::Reply)]| {
        list.iter()
            .map(|(a, r)| format!("refused: {}", crate::smtp::refused_text(a, r)))
            .collect::<Vec<_>>()
            .join("; ")
    };
    if !temp.is_empty() {
        let mut again = p.clone();
        again.recipients = temp.iter().map(|(a, _)| a.clone()).collect();
        let attempts = attempts_before + 1;
        q.requeue(
            &again,
            attempts,
            &refused(&temp),
            settings.policy.delay_after(attempts),
        )?;
    }
    if !perm.is_empty() {
        let mut dead = p.clone();
        dead.recipients = perm.iter().map(|(a, _)| a.clone()).collect();
        q.add_dead(&dead, &format!("permanent failure: {}", refused(&perm)))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn message_id_is_read_from_the_header_only() {
        assert_eq!(
            message_id_of(b"Subject: x\r\nMessage-ID:\r\n <a@b>\r\n\r\nMessage-ID: <c@d>\r\n")
                .as_deref(),
            Some("a@b")
        );
        assert_eq!(
            message_id_of(b"Subject: x\r\n\r\nMessage-ID: <c@d>\r\n"),
            None
        );
        assert_eq!(
            message_id_of(b"message-id: <E@F>\n\nbody").as_deref(),
            Some("E@F")
        );
    }

    #[test]
    fn backoff_doubles_up_to_the_cap() {
        let p = QueuePolicy {
            initial_delay: Duration::from_secs(10),
            max_delay: Duration::from_secs(60),
            max_attempts: 5,
        };
        let d: Vec<u64> = (1..=5).map(|n| p.delay_after(n).as_secs()).collect();
        assert_eq!(d, [10, 20, 40, 60, 60]);
    }

    #[test]
    fn state_round_trips() {
        let s = State {
            attempts: 3,
            next_attempt_ms: 1234,
            last_error: "451 4.3.0 try\r\nlater".to_string(),
        };
        let back = State::parse(&s.render());
        assert_eq!(back.attempts, 3);
        assert_eq!(back.next_attempt_ms, 1234);
        assert_eq!(back.last_error, "451 4.3.0 try  later");
    }

    fn prepared(data: &[u8]) -> Prepared {
        Prepared {
            mail_from: "a@b".into(),
            recipients: vec!["c@d".into(), "e@f".into()],
            data: Arc::new(data.to_vec()),
            smtputf8: false,
            dsn: DeliveryNotification::default(),
        }
    }

    fn queued_file(p: &Prepared) -> Vec<u8> {
        let mut file = queued_head(p).unwrap();
        file.extend_from_slice(&p.data);
        file
    }

    #[test]
    fn queued_file_keeps_the_envelope_apart() {
        let p = prepared(b"Subject: x\r\n\r\nhi\r\n");
        let file = queued_file(&p);
        assert_eq!(
            file,
            b"missive-queue 2 32\nmail-from a@b\nrcpt c@d\nrcpt e@f\nSubject: x\r\n\r\nhi\r\n"
        );
        let back = parse_queued(file).unwrap();
        assert_eq!(back.mail_from, "a@b");
        assert_eq!(back.recipients, ["c@d", "e@f"]);
        assert_eq!(&back.data[..], b"Subject: x\r\n\r\nhi\r\n");
    }

    #[test]
    fn envelope_lines_in_the_message_stay_message() {
        // Whatever the message starts with, the envelope is the record's.
        let content: &[u8] =
            b"X-Sender: spoofed@evil.example\r\nX-Receiver: hidden@evil.example\r\n\
            rcpt hidden2@evil.example\nmail-from spoofed@evil.example\nmissive-queue 2 0\n\
            Subject: x\r\n\r\nhi\r\n";
        let back = parse_queued(queued_file(&prepared(content))).unwrap();
        assert_eq!(back.mail_from, "a@b");
        assert_eq!(back.recipients, ["c@d", "e@f"]);
        assert_eq!(&back.data[..], content);
    }

    #[test]
    fn damaged_or_foreign_files_are_refused() {
        let good = queued_file(&prepared(b"\r\nhi\r\n"));
        let cut = good[..20].to_vec();
        for (raw, why) in [
            (
                b"X-Sender: a@b\r\nX-Receiver: c@d\r\n\r\nhi\r\n".to_vec(),
                "queue header",
            ),
            (cut, "cut short"),
            (b"missive-queue 2 9\nrcpt c@d\nhi".to_vec(), "mail-from"),
            (b"missive-queue 2 14\nmail-from a@b\nhi".to_vec(), "rcpt"),
            (
                b"missive-queue 2 13\nmail-from a@b\nrcpt c".to_vec(),
                "line end",
            ),
            (
                b"missive-queue 2 22\nmail-from a@b\nfoo c@d\n".to_vec(),
                "unexpected",
            ),
            (
                b"missive-queue 2 99999999999999999999999\n".to_vec(),
                "queue header",
            ),
        ] {
            let e = parse_queued(raw.clone()).map(|_| ()).unwrap_err();
            assert!(
                e.contains(why),
                "{e} for {:?}",
                String::from_utf8_lossy(&raw)
            );
        }
    }

    #[test]
    fn an_envelope_that_cannot_be_written_back_is_refused() {
        let mut p = prepared(b"\r\nhi\r\n");
        p.recipients.push("x@y\nrcpt evil@example".into());
        let e = queued_head(&p).unwrap_err();
        assert_eq!(
            e.kind,
            QueueErrorKind::Message(MessageErrorKind::InvalidAddress)
        );
        p.recipients.clear();
        let e = queued_head(&p).unwrap_err();
        assert_eq!(
            e.kind,
            QueueErrorKind::Message(MessageErrorKind::NoRecipients)
        );
    }

    #[test]
    fn dsn_options_survive_the_queue_file() {
        let mut p = prepared(b"\r\nhi\r\n");
        assert_eq!(
            parse_queued(queued_file(&p)).unwrap().dsn,
            DeliveryNotification::default()
        );
        p.dsn.notify.success = true;
        p.dsn.notify.delay = true;
        p.dsn.ret = Some(DsnReturn::Headers);
        p.dsn.envelope_id = Some("id; with=odd chars".to_string());
        let back = parse_queued(queued_file(&p)).unwrap();
        assert_eq!(back.dsn, p.dsn);
        assert_eq!(back.recipients, ["c@d", "e@f"]);
        assert_eq!(&back.data[..], b"\r\nhi\r\n");
    }
}
