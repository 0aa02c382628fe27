//! Bulk delivery: many messages, one outcome each, over one or several SMTP connections.
//!
//! The messages form one shared queue. With `connections` = N, a collection of at least N
//! messages is sent over N connections (fewer messages: one connection each). Batches are sized
//! from the collection: ceil(n / connections) messages, at most [`BulkSettings::batch_size`].
//! Each worker (one per connection) starts with a batch of its own — the first batches split
//! the collection evenly, so every connection asked for is opened and used — then takes the
//! next batch from the shared queue until it is empty, and sends each batch with
//! [`SmtpClient::send_many`], pipelined when the server offers PIPELINING (with CHUNKING too,
//! up to [`SmtpConfig::pipeline_window`](crate::smtp::SmtpConfig::pipeline_window) whole BDAT
//! transactions in flight). A failure of one message does not stop the others.
//!
//! What happens on a failure:
//! - the server refused the message (4xx/5xx): `Failed`, with the reply; a 4xx is retried
//!   when [`RetryPolicy::max_attempts`] allows;
//! - the connection was lost (or the server sent 421) before anything of a message was sent:
//!   the worker reconnects and the message goes back into the queue; this does not count as an
//!   attempt (after [`MAX_REQUEUES`] such losses for one message it is `Failed`, transient);
//! - the connection was lost while the content was being sent (before the final dot): `Failed`,
//!   transient (the server cannot have accepted it), retried only within `max_attempts`;
//! - the connection was lost (or timed out) after the final dot, before the verdict: `Unknown`,
//!   because the server may have accepted the message. It is sent again only when
//!   [`RetryPolicy::retry_unknown`] is set, and may then arrive twice;
//! - no session can be opened (connect, TLS, AUTH) [`MAX_SESSION_FAILURES`] times in a row, or
//!   once with a permanent error: every message still queued is `Failed` with that error.
//!
//! Cancelling (a [`CancelToken`] or the progress callback returning `false`) lets batches in
//! flight finish; messages not yet started are `NotAttempted`. Nothing is ever dropped: there is
//! always exactly one outcome per input message.

use std::borrow::Cow;
use std::collections::VecDeque;
use std::fmt;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use super::client::{
    Client, DeliverError, DeliverErrorKind, Delivery, DeliveryMethod, envelope_for,
};
use super::dkim::outgoing;
use super::pickup::{Prepared, deliver_to_pickup_signed};
use crate::message::MailMessage;
use crate::smtp::{Envelope, SmtpClient, SmtpError, SmtpErrorKind, Stage};

/// How often one message goes back into the queue after connection losses that sent nothing of
/// it, before it is reported `Failed`.
pub const MAX_REQUEUES: u32 = 3;

/// Consecutive failures to open a session after which the remaining messages are `Failed`.
pub const MAX_SESSION_FAILURES: u32 = 3;

/// Default number of messages per pipelined batch.
pub const DEFAULT_BATCH_SIZE: usize = 100;

/// Largest batch size [`BulkSettings::batch_size`] may be set to from C.
pub const MAX_BATCH_SIZE: usize = 10_000;

/// Default number of connections when multi-connection sending is on.
pub const DEFAULT_CONNECTIONS: usize = 4;

/// Most connections one bulk send opens.
pub const MAX_CONNECTIONS: usize = 64;

/// When failed messages are sent again.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Attempts per message for transient failures (4xx replies, a connection lost while the
    /// content was sent), the first included. 1 (the default) means no retry.
    pub max_attempts: u32,
    /// Send a message again (within `max_attempts`) when its outcome is unknown (the connection
    /// was lost after the final dot): it may then be delivered twice. Off by default: such a
    /// message is reported `Unknown`.
    pub retry_unknown: bool,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            max_attempts: 1,
            retry_unknown: false,
        }
    }
}

/// Counts reported to the progress callback. They never decrease from one call to the next.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Progress {
    /// Messages with a final outcome (sent, failed or unknown).
    pub done: usize,
    /// Messages sent.
    pub sent: usize,
    /// Messages failed or with an unknown outcome.
    pub failed: usize,
    /// Messages in the bulk send.
    pub total: usize,
    /// Bytes of the messages sent.
    pub bytes_sent: u64,
    /// Bytes of all messages that could be prepared.
    pub bytes_total: u64,
}

/// A progress callback: returns `false` to cancel.
pub type ProgressFn = Arc<dyn Fn(&Progress) -> bool + Send + Sync>;

/// The client's settings for bulk sends.
#[derive(Clone)]
pub struct BulkSettings {
    /// Use several connections at once (`connections` of them).
    pub multi_connection: bool,
    /// Connections with `multi_connection` (1 to [`MAX_CONNECTIONS`]).
    pub connections: usize,
    /// Most messages per pipelined batch (at least 1; default [`DEFAULT_BATCH_SIZE`]). The
    /// batches of a collection of n messages over c connections hold ceil(n / c) messages, at
    /// most this many.
    pub batch_size: usize,
    /// When failed messages are sent again.
    pub retry: RetryPolicy,
    /// Called after each batch, one call at a time; returning `false` cancels.
    pub progress: Option<ProgressFn>,
}

impl Default for BulkSettings {
    fn default() -> Self {
        BulkSettings {
            multi_connection: false,
            connections: DEFAULT_CONNECTIONS,
            batch_size: DEFAULT_BATCH_SIZE,
            retry: RetryPolicy::default(),
            progress: None,
        }
    }
}

impl fmt::Debug for BulkSettings {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("BulkSettings")
            .field("multi_connection", &self.multi_connection)
            .field("connections", &self.connections)
            .field("batch_size", &self.batch_size)
            .field("retry", &self.retry)
            .field("progress", &self.progress.is_some())
            .finish()
    }
}

impl BulkSettings {
    /// The number of workers (connections) a bulk send of `n` messages uses: the connections
    /// asked for, or `n` when there are fewer messages.
    pub fn workers_for(&self, n: usize) -> usize {
        let wanted = if self.multi_connection {
            self.connections.clamp(1, MAX_CONNECTIONS)
        } else {
            1
        };
        wanted.min(n).max(1)
    }

    /// Messages per batch for a bulk send of `n` messages: ceil(n / workers), at most
    /// [`BulkSettings::batch_size`].
    pub fn batch_for(&self, n: usize) -> usize {
        n.div_ceil(self.workers_for(n))
            .min(self.batch_size.max(1))
            .max(1)
    }
}

/// What happened to one message of a bulk send.
#[derive(Clone, Debug)]
pub enum Outcome {
    /// Delivered (accepted by the server, or written to the pickup directory).
    Sent(Delivery),
    /// Not delivered; `DeliverError::smtp` has the reply and whether it was transient.
    Failed(DeliverError),
    /// The connection was lost after the whole message was sent and before the server's
    /// verdict: it may or may not have been delivered.
    Unknown(DeliverError),
    /// Not sent at all: the bulk send was cancelled before it started.
    NotAttempted,
}

impl Outcome {
    /// Whether the message was delivered.
    pub fn is_sent(&self) -> bool {
        matches!(self, Outcome::Sent(_))
    }

    /// The outcome as a `Result`, as a single send reports it (`NotAttempted` has no error).
    pub fn as_result(&self) -> Option<Result<Delivery, DeliverError>> {
        match self {
            Outcome::Sent(d) => Some(Ok(d.clone())),
            Outcome::Failed(e) | Outcome::Unknown(e) => Some(Err(e.clone())),
            Outcome::NotAttempted => None,
        }
    }
}

/// The outcomes of a bulk send, one per input message, in input order.
#[derive(Clone, Debug, Default)]
pub struct BulkReport {
    /// One outcome per message, in input order.
    pub outcomes: Vec<Outcome>,
    /// Whether the send was cancelled (some messages may then be `NotAttempted`).
    pub cancelled: bool,
}

impl BulkReport {
    fn count(&self, f: impl Fn(&Outcome) -> bool) -> usize {
        self.outcomes.iter().filter(|o| f(o)).count()
    }

    /// Messages sent.
    pub fn sent(&self) -> usize {
        self.count(|o| matches!(o, Outcome::Sent(_)))
    }

    /// Messages failed.
    pub fn failed(&self) -> usize {
        self.count(|o| matches!(o, Outcome::Failed(_)))
    }

    /// Messages with an unknown outcome.
    pub fn unknown(&self) -> usize {
        self.count(|o| matches!(o, Outcome::Unknown(_)))
    }

    /// Messages not attempted.
    pub fn not_attempted(&self) -> usize {
        self.count(|o| matches!(o, Outcome::NotAttempted))
    }
}

/// A flag that cancels a bulk send (shared by clones).
#[derive(Clone, Debug, Default)]
pub struct CancelToken(Arc<AtomicBool>);

impl CancelToken {
    /// A token not yet cancelled.
    pub fn new() -> Self {
        Self::default()
    }

    /// Cancels: messages not yet started will not be attempted.
    pub fn cancel(&self) {
        self.0.store(true, Ordering::SeqCst);
    }

    /// Whether [`CancelToken::cancel`] was called.
    pub fn is_cancelled(&self) -> bool {
        self.0.load(Ordering::SeqCst)
    }
}

/// Shared state of one bulk send.
struct State {
    queue: VecDeque<usize>,
    outcomes: Vec<Option<Outcome>>,
    attempts: Vec<u32>,
    requeues: Vec<u32>,
    session_failures: u32,
    abort: Option<DeliverError>,
    progress: Progress,
}

impl State {
    fn finish(&mut self, i: usize, outcome: Outcome, size: u64) {
        self.progress.done += 1;
        match &outcome {
            Outcome::Sent(_) => {
                self.progress.sent += 1;
                self.progress.bytes_sent += size;
            }
            Outcome::Failed(_) | Outcome::Unknown(_) => self.progress.failed += 1,
            Outcome::NotAttempted => self.progress.done -= 1,
        }
        self.outcomes[i] = Some(outcome);
    }
}

struct Run<'a> {
    client: &'a Client,
    items: &'a [Result<Prepared, DeliverError>],
    settings: BulkSettings,
    /// Messages per batch (see [`BulkSettings::batch_for`]).
    batch: usize,
    cancel: CancelToken,
    state: Mutex<State>,
    /// Serialises progress callbacks.
    report: Mutex<()>,
}

/// Whether a connection-level error guarantees that nothing of the message reached the server.
fn nothing_sent(e: &SmtpError) -> bool {
    match e.kind {
        SmtpErrorKind::ConnectionLost { stage } => {
            matches!(stage, Stage::Mail | Stage::Rcpt | Stage::Data)
        }
        SmtpErrorKind::ServerRejected { stage: Stage::Mail } => {
            e.reply.as_ref().is_some_and(|r| r.code == 421)
        }
        _ => false,
    }
}

impl Run<'_> {
    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn size(&self, i: usize) -> u64 {
        self.items[i].as_ref().map_or(0, |p| p.data.len() as u64)
    }

    /// Takes the next batch, or `None` when the queue is empty, cancelled or aborted.
    fn take(&self) -> Option<Vec<usize>> {
        if self.cancel.is_cancelled() {
            return None;
        }
        let mut st = self.lock();
        if st.abort.is_some() || st.queue.is_empty() {
            return None;
        }
        let n = self.batch.min(st.queue.len());
        Some(st.queue.drain(..n).collect())
    }

    /// The first batch of each of `workers` workers: the front of the queue split as evenly as
    /// the batch size allows, so that each worker has work and opens its connection.
    fn first_batches(&self, workers: usize) -> Vec<Vec<usize>> {
        let mut st = self.lock();
        let n = st.queue.len();
        (0..workers)
            .map(|k| {
                let share = n / workers + usize::from(k < n % workers);
                let take = share.min(self.batch).min(st.queue.len());
                st.queue.drain(..take).collect()
            })
            .collect()
    }

    /// Puts a batch that will not be sent back at the front of the queue.
    fn give_back(&self, batch: &[usize]) {
        let mut st = self.lock();
        for &i in batch.iter().rev() {
            st.queue.push_front(i);
        }
    }

    fn report_progress(&self) {
        let Some(cb) = &self.settings.progress else {
            return;
        };
        let _one_at_a_time = self.report.lock().unwrap_or_else(|e| e.into_inner());
        let snapshot = self.lock().progress;
        if !cb(&snapshot) {
            self.cancel.cancel();
        }
    }

    /// Records the result of one attempt at message `i`.
    fn record(&self, st: &mut State, i: usize, res: Result<Delivery, DeliverError>) {
        let size = self.size(i);
        let retry = self.settings.retry;
        match res {
            Ok(d) => st.finish(i, Outcome::Sent(d), size),
            Err(e) => {
                let smtp = e.smtp.as_deref();
                if smtp.is_some_and(nothing_sent) {
                    st.requeues[i] += 1;
                    if st.requeues[i] <= MAX_REQUEUES {
                        st.queue.push_front(i);
                    } else {
                        st.finish(i, Outcome::Failed(e), size);
                    }
                    return;
                }
                st.attempts[i] += 1;
                let unknown = smtp.is_some_and(|s| s.outcome_unknown());
                let retriable = if unknown {
                    retry.retry_unknown
                } else {
                    smtp.is_some_and(|s| s.is_transient())
                };
                if retriable && st.attempts[i] < retry.max_attempts {
                    st.queue.push_back(i);
                } else if unknown {
                    st.finish(i, Outcome::Unknown(e), size);
                } else {
                    st.finish(i, Outcome::Failed(e), size);
                }
            }
        }
    }

    /// Puts a batch back after a session could not be opened; aborts after too many.
    fn session_failed(&self, batch: &[usize], e: SmtpError) {
        let mut st = self.lock();
        for &i in batch.iter().rev() {
            st.queue.push_front(i);
        }
        st.session_failures += 1;
        if st.session_failures >= MAX_SESSION_FAILURES || !e.is_transient() {
            st.abort.get_or_insert_with(|| DeliverError::from(e));
        }
    }

    /// Sends `first`, then batches from the queue until it is empty.
    fn worker(&self, first: Vec<usize>) {
        let method = self.client.config().delivery_method;
        let mut smtp: Option<(u64, SmtpClient)> = None;
        let mut first = Some(first).filter(|b| !b.is_empty());
        if first.is_some() && (self.cancel.is_cancelled() || self.lock().abort.is_some()) {
            // Not started: back into the queue, reported as the others still queued are.
            if let Some(b) = first.take() {
                self.give_back(&b);
            }
        }
        while let Some(batch) = first.take().or_else(|| self.take()) {
            match method {
                DeliveryMethod::PickupDirectory => self.pickup_batch(&batch),
                DeliveryMethod::Network => {
                    if smtp.is_none() {
                        match self.client.checkout_smtp() {
                            Ok(s) => smtp = Some(s),
                            Err(e) => {
                                // No host set: every message fails the same way.
                                let mut st = self.lock();
                                for &i in batch.iter().rev() {
                                    st.queue.push_front(i);
                                }
                                st.abort.get_or_insert(e);
                                break;
                            }
                        }
                    }
                    if let Some((_, s)) = smtp.as_mut() {
                        self.smtp_batch(s, &batch);
                    }
                }
            }
            self.report_progress();
        }
        if let Some((generation, s)) = smtp {
            self.client.checkin_smtp(generation, s);
        }
    }

    fn pickup_batch(&self, batch: &[usize]) {
        let config = self.client.config();
        let (dir, signers) = (config.pickup_directory.clone(), config.dkim.clone());
        for &i in batch {
            let res = match (&self.items[i], &dir) {
                (Err(e), _) => Err(e.clone()),
                (Ok(_), None) => Err(DeliverError {
                    kind: DeliverErrorKind::PickupDirectoryNotSet,
                    message: "delivery method is PICKUP_DIRECTORY but no pickup directory is set"
                        .into(),
                    smtp: None,
                }),
                (Ok(p), Some(d)) => deliver_to_pickup_signed(d, p, &signers)
                    .map(Delivery::Pickup)
                    .map_err(DeliverError::from),
            };
            let mut st = self.lock();
            self.record(&mut st, i, res);
        }
    }

    fn smtp_batch(&self, smtp: &mut SmtpClient, batch: &[usize]) {
        if let Err(e) = smtp.connection() {
            self.session_failed(batch, e);
            // Let a server that refuses connections breathe before the next try.
            std::thread::sleep(Duration::from_millis(50));
            return;
        }
        let signers = self.client.config().dkim.clone();
        // Bcc, X-Sender and X-Receiver fields never go out (borrowed when there are none), and
        // with DKIM signers each message is signed here (see `dkim::outgoing`).
        let mut sendable: Vec<usize> = Vec::new();
        let mut unsigned: Vec<(usize, DeliverError)> = Vec::new();
        let mut prepared: Vec<&Prepared> = Vec::new();
        let mut data: Vec<Cow<'_, [u8]>> = Vec::new();
        for &i in batch {
            if let Ok(p) = &self.items[i] {
                match outgoing(&p.data, &signers) {
                    Ok(d) => {
                        sendable.push(i);
                        prepared.push(p);
                        data.push(d);
                    }
                    Err(e) => unsigned.push((i, DeliverError::from(e))),
                }
            }
        }
        let envelopes: Vec<(Envelope, &[u8])> = prepared
            .iter()
            .zip(&data)
            .map(|(p, d)| (envelope_for(p), &d[..]))
            .collect();
        let results = if envelopes.is_empty() {
            Vec::new()
        } else {
            smtp.send_many(&envelopes)
        };
        let mut st = self.lock();
        st.session_failures = 0;
        for &i in batch {
            if let Err(e) = &self.items[i] {
                let e = e.clone();
                st.attempts[i] += 1;
                st.finish(i, Outcome::Failed(e), 0);
            }
        }
        for (i, e) in unsigned {
            st.attempts[i] += 1;
            st.finish(i, Outcome::Failed(e), 0);
        }
        for (&i, res) in sendable.iter().zip(results) {
            let res = res.map(Delivery::Smtp).map_err(DeliverError::from);
            self.record(&mut st, i, res);
        }
    }
}

impl Client {
    /// The bulk-send settings.
    pub fn bulk_settings(&self) -> BulkSettings {
        self.bulk.read().unwrap_or_else(|e| e.into_inner()).clone()
    }

    /// Changes the bulk-send settings (kept connections stay open).
    pub fn configure_bulk<R>(&self, f: impl FnOnce(&mut BulkSettings) -> R) -> R {
        f(&mut self.bulk.write().unwrap_or_else(|e| e.into_inner()))
    }

    /// Sends every message; one outcome per message, in order. See the module documentation.
    pub fn send_bulk(&self, msgs: &[MailMessage]) -> BulkReport {
        let items: Vec<Result<Prepared, DeliverError>> = msgs
            .iter()
            .map(|m| self.prepare(m).map_err(DeliverError::from))
            .collect();
        self.send_bulk_prepared(&items, &CancelToken::new())
    }

    /// Sends prepared messages (an `Err` item is reported `Failed` with that error); one outcome
    /// per item, in order. `cancel` stops the send between batches.
    pub fn send_bulk_prepared(
        &self,
        items: &[Result<Prepared, DeliverError>],
        cancel: &CancelToken,
    ) -> BulkReport {
        let settings = self.bulk_settings();
        let n = items.len();
        let bytes_total = items
            .iter()
            .map(|p| p.as_ref().map_or(0, |p| p.data.len() as u64))
            .sum();
        let batch = settings.batch_for(n);
        let run = Run {
            client: self,
            items,
            batch,
            settings,
            cancel: cancel.clone(),
            state: Mutex::new(State {
                queue: (0..n).collect(),
                outcomes: vec![None; n],
                attempts: vec![0; n],
                requeues: vec![0; n],
                session_failures: 0,
                abort: None,
                progress: Progress {
                    total: n,
                    bytes_total,
                    ..Progress::default()
                },
            }),
            report: Mutex::new(()),
        };
        let workers = run.settings.workers_for(n);
        if n > 0 {
            let firsts = run.first_batches(workers);
            if workers <= 1 {
                for first in firsts {
                    run.worker(first);
                }
            } else {
                std::thread::scope(|s| {
                    for first in firsts {
                        let run = &run;
                        s.spawn(move || run.worker(first));
                    }
                });
            }
        }
        let mut st = run.state.into_inner().unwrap_or_else(|e| e.into_inner());
        let abort = st.abort.take();
        let outcomes = st
            .outcomes
            .into_iter()
            .map(|o| match (o, &abort) {
                (Some(o), _) => o,
                (None, Some(e)) => Outcome::Failed(e.clone()),
                (None, None) => Outcome::NotAttempted,
            })
            .collect();
        BulkReport {
            outcomes,
            cancelled: cancel.is_cancelled(),
        }
    }
}
