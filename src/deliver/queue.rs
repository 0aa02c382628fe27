//! The durable on-disk queue: `send_to_queue` writes a message and returns; `drain` delivers
//! queued messages with retries and exponential backoff.
//!
//! Layout of the queue directory:
//!
//! ```text
//! queue/ID.eml      a queued message: X-Sender / X-Receiver envelope lines, then the message
//! queue/ID.state    attempts, next attempt time and last error (absent: never tried, due now)
//! inflight/ID.eml   the message a drain is delivering (claimed by an atomic rename)
//! dead/ID.eml       a message that failed permanently (or ran out of attempts) ...
//! dead/ID.reason    ... and why
//! .lock             held (flock) by the one drain running at a time
//! ```
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

use std::fs::{self, File, OpenOptions};
use std::io;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use super::atomic_write;
use super::client::{Client, DeliverError, DeliverErrorKind, Delivery, DeliveryMethod};
use super::pickup::{Prepared, pickup_envelope};
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
        message: format!("{what}: {e}"),
    }
}

/// What a drain did.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct DrainReport {
    /// Messages delivered (and removed from the queue).
    pub delivered: usize,
    /// Messages that failed temporarily and were rescheduled.
    pub deferred: usize,
    /// Messages moved to the dead-letter folder.
    pub dead_lettered: usize,
    /// Messages found in `inflight/` (left by a process that died) and put back.
    pub recovered: usize,
    /// Messages still queued afterwards (due or not).
    pub remaining: usize,
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
    /// The message's id (its file name without `.eml`).
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

    /// Writes a prepared message into the queue, durably; returns its id.
    pub fn enqueue(&self, p: &Prepared) -> Result<String, QueueError> {
        let id = unique_id();
        let head = queued_head(p);
        let path = self.dir("queue").join(format!("{id}.eml"));
        atomic_write(&path, &[&head, &p.data])
            .map_err(|e| io_err(&e, format!("cannot write {}", path.display())))?;
        Ok(id)
    }

    /// The ids of the `.eml` files in a folder, sorted (oldest first).
    fn ids(&self, sub: &str) -> Vec<String> {
        let mut ids: Vec<String> = fs::read_dir(self.dir(sub))
            .map(|rd| {
                rd.flatten()
                    .filter_map(|e| {
                        let name = e.file_name().to_string_lossy().into_owned();
                        let id = name.strip_suffix(".eml")?;
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
        for id in self.ids("dead") {
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

    /// Moves messages left in `inflight/` back into `queue/`. Call only with the lock held.
    fn recover(&self) -> usize {
        let mut n = 0;
        for id in self.ids("inflight") {
            let from = self.dir("inflight").join(format!("{id}.eml"));
            if fs::rename(&from, self.dir("queue").join(format!("{id}.eml"))).is_ok() {
                n += 1;
            }
        }
        if n > 0 {
            sync_dir(&self.dir("queue"));
            sync_dir(&self.dir("inflight"));
        }
        // State files whose message is gone (a crash between removing both).
        if let Ok(rd) = fs::read_dir(self.dir("queue")) {
            for e in rd.flatten() {
                let name = e.file_name().to_string_lossy().into_owned();
                if let Some(id) = name.strip_suffix(".state")
                    && !self.dir("queue").join(format!("{id}.eml")).exists()
                {
                    let _ = fs::remove_file(e.path());
                }
            }
        }
        n
    }

    fn dead_letter(&self, id: &str, reason: &str) -> Result<(), QueueError> {
        let reason_path = self.dir("dead").join(format!("{id}.reason"));
        atomic_write(&reason_path, &[reason.as_bytes(), b"\n"])
            .map_err(|e| io_err(&e, format!("cannot write {}", reason_path.display())))?;
        let from = self.dir("inflight").join(format!("{id}.eml"));
        fs::rename(&from, self.dir("dead").join(format!("{id}.eml")))
            .map_err(|e| io_err(&e, format!("cannot move {} to dead/", from.display())))?;
        sync_dir(&self.dir("dead"));
        sync_dir(&self.dir("inflight"));
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
        let from = self.dir("inflight").join(format!("{id}.eml"));
        fs::rename(&from, self.dir("queue").join(format!("{id}.eml")))
            .map_err(|e| io_err(&e, format!("cannot move {} back", from.display())))?;
        sync_dir(&self.dir("queue"));
        Ok(())
    }

    fn delivered(&self, id: &str) -> Result<(), QueueError> {
        let path = self.dir("inflight").join(format!("{id}.eml"));
        fs::remove_file(&path)
            .map_err(|e| io_err(&e, format!("cannot remove {}", path.display())))?;
        sync_dir(&self.dir("inflight"));
        let _ = fs::remove_file(self.state_path(id));
        Ok(())
    }
}

/// The envelope lines of a queued file: the pickup format's `X-Sender` / `X-Receiver` lines,
/// and an `X-Missive-Dsn` line with the DSN options when there are any (ENVID hex-encoded).
fn queued_head(p: &Prepared) -> Vec<u8> {
    let mut head = pickup_envelope(&p.mail_from, &p.recipients);
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
        head.extend_from_slice(
            format!(
                "X-Missive-Dsn: notify={};ret={ret};envid={envid}\r\n",
                flags.join(",")
            )
            .as_bytes(),
        );
    }
    head
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

/// Reads a queued file back: envelope lines, then the message.
fn parse_queued(raw: Vec<u8>) -> Option<Prepared> {
    let mut pos = 0;
    let mut mail_from = None;
    let mut recipients = Vec::new();
    let mut dsn = DeliveryNotification::default();
    loop {
        let end = raw[pos..].iter().position(|&b| b == b'\n')? + pos + 1;
        let line = std::str::from_utf8(&raw[pos..end]).ok()?.trim_end();
        if let Some(v) = line.strip_prefix("X-Sender:") {
            mail_from = Some(v.trim().to_string());
        } else if let Some(v) = line.strip_prefix("X-Receiver:") {
            recipients.push(v.trim().to_string());
        } else if let Some(v) = line.strip_prefix("X-Missive-Dsn:") {
            dsn = parse_dsn(v);
        } else {
            break;
        }
        pos = end;
    }
    let mail_from = mail_from?;
    if recipients.is_empty() {
        return None;
    }
    let smtputf8 = !mail_from.is_ascii() || recipients.iter().any(|r| !r.is_ascii());
    Some(Prepared {
        mail_from,
        recipients,
        data: Arc::new(raw[pos..].to_vec()),
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

impl Client {
    fn queue(&self) -> Result<(Queue, QueueSettings), QueueError> {
        let settings = self.config().queue;
        let dir = settings.directory.clone().ok_or_else(|| QueueError {
            kind: QueueErrorKind::DirectoryNotSet,
            message: "no queue directory is set".to_string(),
        })?;
        Ok((Queue::open(&dir)?, settings))
    }

    /// Writes `msg` durably into the queue (fsync, atomic rename) and returns its id; a later
    /// [`Client::drain_queue`] delivers it.
    pub fn send_to_queue(&self, msg: &MailMessage) -> Result<String, QueueError> {
        let p = self.prepare(msg).map_err(|e| QueueError {
            kind: QueueErrorKind::Message(e.kind()),
            message: e.message().to_string(),
        })?;
        self.enqueue_prepared(&p)
    }

    /// Writes a prepared message durably into the queue and returns its id.
    pub fn enqueue_prepared(&self, p: &Prepared) -> Result<String, QueueError> {
        let (q, _) = self.queue()?;
        q.enqueue(p)
    }

    /// The queue's contents.
    pub fn queue_state(&self) -> Result<QueueState, QueueError> {
        Ok(self.queue()?.0.state())
    }

    /// Delivers due messages of the queue, oldest first, by the configured delivery method:
    /// at most `max_messages` (0: no limit), and no new message after `budget` has passed.
    /// Only one drain runs at a time per queue directory (across processes): another one fails
    /// with `Busy`. Messages left in flight by a process that died are put back first.
    ///
    /// A delivered message leaves the queue. A temporary failure (4xx, lost connection,
    /// timeout) reschedules it with exponential backoff; a permanent one (5xx, or
    /// `max_attempts` reached) moves it into `dead/` with the reason. When the session itself
    /// fails (no connection, TLS, authentication), the drain stops and the message keeps its
    /// attempt count: the problem is not the message's. A message whose outcome is unknown
    /// (connection lost after its final dot) counts as a temporary failure and is sent again.
    pub fn drain_queue(
        &self,
        max_messages: usize,
        budget: Option<Duration>,
    ) -> Result<DrainReport, QueueError> {
        let started = Instant::now();
        let (q, settings) = self.queue()?;
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
        let _lock = q.lock()?;
        let mut report = DrainReport {
            recovered: q.recover(),
            ..DrainReport::default()
        };
        let mut done = 0usize;
        for id in q.ids("queue") {
            if (max_messages > 0 && done >= max_messages)
                || budget.is_some_and(|b| started.elapsed() >= b)
            {
                break;
            }
            let mut state = q.read_state(&id);
            if state.next_attempt_ms > now_ms() {
                continue;
            }
            let claimed = q.dir("inflight").join(format!("{id}.eml"));
            if fs::rename(q.dir("queue").join(format!("{id}.eml")), &claimed).is_err() {
                continue; // removed meanwhile
            }
            done += 1;
            let raw = match fs::read(&claimed) {
                Ok(r) => r,
                Err(e) => {
                    q.unclaim(&id)?;
                    return Err(io_err(&e, format!("cannot read {}", claimed.display())));
                }
            };
            let Some(prepared) = parse_queued(raw) else {
                q.dead_letter(&id, "the queued file is not a queued message (no envelope)")?;
                report.dead_lettered += 1;
                continue;
            };
            let outcome = self.send_prepared(&prepared);
            match outcome {
                Ok(d) => {
                    q.delivered(&id)?;
                    report.delivered += 1;
                    if let Delivery::Smtp(r) = &d
                        && !r.rejected.is_empty()
                    {
                        // Delivered to the others: the refused recipients go on as their own
                        // entry (temporary refusals) or into dead/ (permanent ones).
                        self.split_refused(&q, &prepared, &r.rejected, &state, &settings)?;
                    }
                }
                Err(e) => {
                    state.attempts += 1;
                    state.last_error = e.message.clone();
                    match verdict(&e) {
                        Verdict::StopDrain => {
                            state.attempts -= 1;
                            q.defer(&id, &state)?;
                            break;
                        }
                        Verdict::Temporary if state.attempts < settings.policy.max_attempts => {
                            let delay = settings.policy.delay_after(state.attempts);
                            state.next_attempt_ms = now_ms() + delay.as_millis() as u64;
                            q.defer(&id, &state)?;
                            report.deferred += 1;
                        }
                        Verdict::Temporary => {
                            q.dead_letter(
                                &id,
                                &format!(
                                    "gave up after {} attempts; last error: {}",
                                    state.attempts, e.message
                                ),
                            )?;
                            report.dead_lettered += 1;
                        }
                        Verdict::Permanent => {
                            q.dead_letter(&id, &format!("permanent failure: {}", e.message))?;
                            report.dead_lettered += 1;
                        }
                    }
                }
            }
        }
        report.remaining = q.ids("queue").len();
        Ok(report)
    }

    fn split_refused(
        &self,
        q: &Queue,
        p: &Prepared,
        rejected: &[(String, crate::smtp::Reply)],
        state: &State,
        settings: &QueueSettings,
    ) -> Result<(), QueueError> {
        let (temp, perm): (Vec<_>, Vec<_>) = rejected.iter().partition(|(_, r)| r.is_transient());
        if !temp.is_empty() {
            let mut again = p.clone();
            again.recipients = temp.iter().map(|(a, _)| a.clone()).collect();
            let id = q.enqueue(&again)?;
            let attempts = state.attempts + 1;
            let st = State {
                attempts,
                next_attempt_ms: now_ms()
                    + settings.policy.delay_after(attempts).as_millis() as u64,
                last_error: temp
                    .iter()
                    .map(|(a, r)| format!("<{a}> refused: {r}"))
                    .collect::<Vec<_>>()
                    .join("; "),
            };
            let sp = q.state_path(&id);
            atomic_write(&sp, &[st.render().as_bytes()])
                .map_err(|e| io_err(&e, format!("cannot write {}", sp.display())))?;
        }
        if !perm.is_empty() {
            let mut dead = p.clone();
            dead.recipients = perm.iter().map(|(a, _)| a.clone()).collect();
            let id = unique_id();
            let reason = perm
                .iter()
                .map(|(a, r)| format!("<{a}> refused: {r}"))
                .collect::<Vec<_>>()
                .join("; ");
            let reason_path = q.dir("dead").join(format!("{id}.reason"));
            atomic_write(
                &reason_path,
                &[format!("permanent failure: {reason}\n").as_bytes()],
            )
            .map_err(|e| io_err(&e, format!("cannot write {}", reason_path.display())))?;
            let path = q.dir("dead").join(format!("{id}.eml"));
            let head = queued_head(&dead);
            atomic_write(&path, &[&head, &dead.data])
                .map_err(|e| io_err(&e, format!("cannot write {}", path.display())))?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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

    #[test]
    fn parses_queued_file() {
        let p = parse_queued(
            b"X-Sender: a@b\r\nX-Receiver: c@d\r\nX-Receiver: e@f\r\nSubject: x\r\n\r\nhi\r\n"
                .to_vec(),
        )
        .unwrap();
        assert_eq!(p.mail_from, "a@b");
        assert_eq!(p.recipients, ["c@d", "e@f"]);
        assert_eq!(&p.data[..], b"Subject: x\r\n\r\nhi\r\n");
        assert!(parse_queued(b"Subject: x\r\n\r\n".to_vec()).is_none());
    }

    #[test]
    fn dsn_options_survive_the_queue_file() {
        let mut p =
            parse_queued(b"X-Sender: a@b\r\nX-Receiver: c@d\r\n\r\nhi\r\n".to_vec()).unwrap();
        assert_eq!(p.dsn, DeliveryNotification::default());
        p.dsn.notify.success = true;
        p.dsn.notify.delay = true;
        p.dsn.ret = Some(DsnReturn::Headers);
        p.dsn.envelope_id = Some("id; with=odd chars".to_string());
        let mut file = queued_head(&p);
        file.extend_from_slice(&p.data);
        let back = parse_queued(file).unwrap();
        assert_eq!(back.dsn, p.dsn);
        assert_eq!(back.recipients, ["c@d"]);
        assert_eq!(&back.data[..], b"\r\nhi\r\n");
    }
}
