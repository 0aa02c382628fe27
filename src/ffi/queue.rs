//! The durable on-disk queue: `send_to_queue`, drain, state.

use std::ffi::c_char;
use std::path::PathBuf;
use std::time::Duration;

use super::boundary::{ffi_boundary, try_arg, try_ref, try_str, write_out};
use super::client::{ClientHandle, deliver_code, missive_client};
use super::message::{code_of, missive_message};
use super::result::{HasError, missive_result};
use crate::deliver::{EntryState, MIN_LEASE, QueueError, QueueErrorKind, QueueUrl};

/// What `missive_client_drain_queue` did.
#[repr(C)]
#[allow(non_camel_case_types)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct missive_queue_drain_counts {
    /// Messages delivered (and removed from the queue).
    pub delivered: usize,
    /// Messages that failed temporarily and were rescheduled (backoff).
    pub deferred: usize,
    /// Messages moved to the dead-letter folder (permanent failure or attempts exhausted).
    pub dead_lettered: usize,
    /// Messages found in flight (left by a process that died) and put back first.
    pub recovered: usize,
    /// Messages still queued afterwards (due or not).
    pub remaining: usize,
}

/// What `missive_client_queue_state` found.
#[repr(C)]
#[allow(non_camel_case_types)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct missive_queue_counts {
    /// Messages waiting (due or not).
    pub queued: usize,
    /// Of those, the ones due now.
    pub due: usize,
    /// Messages being delivered (or left by a process that died, until the next drain).
    pub in_flight: usize,
    /// Messages in the dead-letter folder.
    pub dead_lettered: usize,
    /// The earliest next attempt of a queued message, in milliseconds since the Unix epoch;
    /// 0 when the queue is empty.
    pub next_attempt_unix_ms: u64,
}

fn queue_code(kind: QueueErrorKind) -> missive_result {
    match kind {
        QueueErrorKind::DirectoryNotSet => missive_result::QueueDirectoryNotSet,
        QueueErrorKind::Busy => missive_result::QueueBusy,
        QueueErrorKind::Message(k) => code_of(k),
        QueueErrorKind::Config(k) => deliver_code(k),
        QueueErrorKind::Io(std::io::ErrorKind::NotFound) => missive_result::FileNotFound,
        QueueErrorKind::Io(std::io::ErrorKind::PermissionDenied) => {
            missive_result::PermissionDenied
        }
        QueueErrorKind::Io(_) => missive_result::Io,
        QueueErrorKind::UrlInvalid => missive_result::QueueUrlInvalid,
        QueueErrorKind::DatabaseUnavailable => missive_result::QueueDatabaseUnavailable,
        QueueErrorKind::Database => missive_result::QueueDatabaseError,
    }
}

fn fail_queue(h: &ClientHandle, e: QueueError) -> missive_result {
    h.fail(queue_code(e.kind), e.message)
}

/// Sets the queue directory (a path, UTF-8; created when missing) used by
/// `missive_client_send_to_queue`, `missive_client_drain_queue` and
/// `missive_client_queue_state`. Inside it: `queue/` (messages waiting, each `ID.queued` —
/// an envelope record, then the message — with an `ID.state` sidecar holding attempts, next
/// attempt and last error), `inflight/` (the message being delivered), `dead/` (dead letters,
/// each with an `ID.reason` file). The envelope is only ever read from the record, never from
/// the message. Replaces a queue set by `missive_client_set_queue_url`. Returns
/// MISSIVE_RESULT_INVALID_ARGUMENT for an empty path.
///
/// Ownership: borrows the arguments; the path is copied.
/// NULL: a NULL `client` gives MISSIVE_RESULT_NULL_ARGUMENT; `path` follows the (NULL, 0) rule.
/// Thread safety: safe to call from several threads at once on the same client.
///
/// # Safety
/// `client` is NULL or live; `path` points to `path_len` bytes.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn missive_client_set_queue_directory(
    client: *mut missive_client,
    path: *const c_char,
    path_len: usize,
) -> missive_result {
    ffi_boundary! {
        let h = try_ref!(client.cast_const());
        let path = try_str!(h, path, path_len, "path");
        if path.is_empty() {
            return h.fail(missive_result::InvalidArgument, "the queue directory path is empty");
        }
        h.client.configure(|c| {
            c.queue.directory = Some(PathBuf::from(path));
            c.queue_backend.database = None;
        });
        h.ok()
    }
}

/// Names the queue by URL (UTF-8), instead of `missive_client_set_queue_directory`:
///
/// - `file:///absolute/path` — the filesystem queue in that directory (exactly as
///   `missive_client_set_queue_directory` with the path): one machine, one drain at a time
///   (a second one gets MISSIVE_RESULT_QUEUE_BUSY).
/// - `postgres://user:password@host:port/database?schema=NAME` (also `postgresql://`) — the
///   queue in a PostgreSQL database, shared by any number of senders and drainers in any
///   number of processes and hosts. `schema` (default `missive`; lower-case letters, digits,
///   `_`) holds the queue's tables, created on first use. Other parameters go to the
///   database client: `sslmode=require` (or `verify-ca`, `verify-full`) connects by TLS
///   (rustls; the server's certificate is verified against the system and Mozilla roots and
///   `sslrootcert=/path/ca.pem` when given); `connect_timeout=SECONDS` (default 10);
///   `host=/socket/directory` for a Unix socket. The password is never put into messages.
///
/// The URL is checked now (MISSIVE_RESULT_QUEUE_URL_INVALID names the problem); the database is first
/// reached by the next queue call, which returns MISSIVE_RESULT_QUEUE_DATABASE_UNAVAILABLE when it cannot be
/// and MISSIVE_RESULT_QUEUE_DATABASE_ERROR when it refuses (credentials, permissions, a newer schema).
///
/// Semantics shared by both backends: `missive_client_send_to_queue` is durable when it
/// returns MISSIVE_RESULT_OK (a file fsynced and renamed; one committed transaction); retries with
/// exponential backoff, temporary and permanent failures, dead letters with their reason,
/// `missive_client_queue_state` and `missive_client_queue_list` behave alike. A database
/// queue's drains each claim one message at a time under a lease
/// (`missive_client_set_queue_lease`), so no message is handed to two drainers at once.
///
/// Ownership: borrows the arguments; the URL is copied.
/// NULL: a NULL `client` gives MISSIVE_RESULT_NULL_ARGUMENT; `url` follows the (NULL, 0) rule.
/// Thread safety: safe to call from several threads at once on the same client.
///
/// # Safety
/// `client` is NULL or live; `url` points to `url_len` bytes.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn missive_client_set_queue_url(
    client: *mut missive_client,
    url: *const c_char,
    url_len: usize,
) -> missive_result {
    ffi_boundary! {
        let h = try_ref!(client.cast_const());
        let url = try_str!(h, url, url_len, "url");
        if url.is_empty() {
            return h.fail(missive_result::QueueUrlInvalid, "the queue URL is empty");
        }
        match QueueUrl::parse(url) {
            Ok(QueueUrl::Directory(dir)) => h.client.configure(|c| {
                c.queue.directory = Some(dir);
                c.queue_backend.database = None;
            }),
            Ok(QueueUrl::Postgres(db)) => {
                if !cfg!(feature = "postgres") {
                    return h.fail(missive_result::QueueUrlInvalid,
                        "this build of missive has no PostgreSQL support");
                }
                h.client.configure(|c| c.queue_backend.database = Some(db));
            }
            Err(e) => return fail_queue(h, e),
        }
        h.ok()
    }
}

/// Sets the lease of a database queue's claims, in milliseconds: how long a drainer holds a
/// message it claimed before another drainer may take it. While the message is being sent
/// the drainer renews the lease every third of it, so a long send keeps its claim; a drainer
/// that dies (or loses the database) loses its claim when the lease ends, and the message is
/// sent by another (possibly a second time, if the first had sent it). Default 30000; at
/// least 500 (MISSIVE_RESULT_INVALID_ARGUMENT otherwise). Ignored by the filesystem queue (one drain at a
/// time, a dead drainer's message is taken back by the next drain at once).
///
/// Ownership: takes only values.
/// NULL: a NULL `client` gives MISSIVE_RESULT_NULL_ARGUMENT.
/// Thread safety: safe to call from several threads at once on the same client.
///
/// # Safety
/// `client` is NULL or live.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn missive_client_set_queue_lease(
    client: *mut missive_client,
    lease_ms: u64,
) -> missive_result {
    ffi_boundary! {
        let h = try_ref!(client.cast_const());
        let lease = Duration::from_millis(lease_ms);
        if lease < MIN_LEASE {
            return h.fail(missive_result::InvalidArgument,
                format!("the lease ({lease_ms} ms) is shorter than {} ms", MIN_LEASE.as_millis()));
        }
        h.client.configure(|c| c.queue_backend.lease = lease);
        h.ok()
    }
}

/// Makes `missive_client_send_to_queue` idempotent per Message-ID (`idempotent` true) or not
/// (false, the default). When on, a message whose Message-ID is already in the queue —
/// queued, in flight or dead, or (on a database queue) delivered — is not added again and
/// the call returns MISSIVE_RESULT_OK: retrying an enqueue whose outcome was unknown (a crash, a lost
/// connection) adds no second copy. Every message then needs a Message-ID: a composed one is
/// given one when it has none (`missive_message_message_id` reads it); a loaded message
/// without one gets MISSIVE_RESULT_INVALID_ARGUMENT.
///
/// Ownership: takes only values.
/// NULL: a NULL `client` gives MISSIVE_RESULT_NULL_ARGUMENT.
/// Thread safety: safe to call from several threads at once on the same client.
///
/// # Safety
/// `client` is NULL or live.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn missive_client_set_queue_idempotent(
    client: *mut missive_client,
    idempotent: bool,
) -> missive_result {
    ffi_boundary! {
        let h = try_ref!(client.cast_const());
        h.client.configure(|c| c.queue_backend.idempotent = idempotent);
        h.ok()
    }
}

/// Sets the queue's retry policy: after the n-th failed attempt the next one is due
/// `initial_delay_ms * 2^(n-1)` later, at most `max_delay_ms`; after `max_attempts` failed
/// attempts the message is dead-lettered. Defaults: 60000 ms, 3600000 ms, 20. Returns
/// MISSIVE_RESULT_INVALID_ARGUMENT when `max_attempts` is 0 or `max_delay_ms < initial_delay_ms`.
///
/// Ownership: takes only values; nothing is retained but the numbers.
/// NULL: a NULL `client` gives MISSIVE_RESULT_NULL_ARGUMENT.
/// Thread safety: safe to call from several threads at once on the same client.
///
/// # Safety
/// `client` is NULL or live.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn missive_client_set_queue_retry(
    client: *mut missive_client,
    initial_delay_ms: u64,
    max_delay_ms: u64,
    max_attempts: u32,
) -> missive_result {
    ffi_boundary! {
        let h = try_ref!(client.cast_const());
        if max_attempts == 0 {
            return h.fail(missive_result::InvalidArgument, "max_attempts must be at least 1");
        }
        if max_delay_ms < initial_delay_ms {
            return h.fail(missive_result::InvalidArgument,
                format!("max_delay_ms ({max_delay_ms}) is less than initial_delay_ms ({initial_delay_ms})"));
        }
        h.client.configure(|c| {
            c.queue.policy.initial_delay = Duration::from_millis(initial_delay_ms);
            c.queue.policy.max_delay = Duration::from_millis(max_delay_ms);
            c.queue.policy.max_attempts = max_attempts;
        });
        h.ok()
    }
}

/// Writes `message` durably into the queue and returns. On a filesystem queue: a new file
/// (temporary name, fsync, atomic rename, directory fsync); on a database queue: one row in
/// one committed transaction. Either holds the envelope (Bcc recipients included; the one
/// `missive_message_load_pickup_file` gave, if any) in a record of its own, and the message as
/// it will be sent (no Bcc, X-Sender or X-Receiver field). Nothing is sent:
/// `missive_client_drain_queue` delivers it. Once this returns MISSIVE_RESULT_OK the message survives a crash
/// or kill of the process. With `missive_client_set_queue_idempotent`, a message whose
/// Message-ID is already in the queue is not added again (MISSIVE_RESULT_OK).
///
/// Returns MISSIVE_RESULT_QUEUE_DIRECTORY_NOT_SET, MISSIVE_RESULT_NO_SENDER, MISSIVE_RESULT_NO_RECIPIENTS, MISSIVE_RESULT_FILE_NOT_FOUND,
/// MISSIVE_RESULT_PERMISSION_DENIED, MISSIVE_RESULT_IO; for a database queue MISSIVE_RESULT_QUEUE_DATABASE_UNAVAILABLE (nothing was
/// queued, or the commit's answer was lost: try again, idempotently to be sure of one copy),
/// MISSIVE_RESULT_QUEUE_DATABASE_ERROR, MISSIVE_RESULT_QUEUE_URL_INVALID. Detail is stored on `client`.
///
/// Ownership: borrows `client` and `message` (not changed; its bytes are copied into the
/// queue).
/// NULL: a NULL `client` gives MISSIVE_RESULT_NULL_ARGUMENT; a NULL `message` gives MISSIVE_RESULT_NULL_ARGUMENT with detail
/// on `client`.
/// Thread safety: safe to call from several threads (and processes) at once, also while a
/// drain runs; `message` must not be changed during the call.
///
/// # Safety
/// `client` is NULL or live; `message` is NULL or live.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn missive_client_send_to_queue(
    client: *mut missive_client,
    message: *const missive_message,
) -> missive_result {
    ffi_boundary! {
        let h = try_ref!(client.cast_const());
        let m = try_arg!(h, message, "message");
        let prepared = match m.prepared_for(&h.client) {
            Ok(p) => p,
            Err(e) => return h.fail(code_of(e.kind()), e.message()),
        };
        match h.client.enqueue_prepared(&prepared) {
            Ok(_) => h.ok(),
            Err(e) => fail_queue(h, e),
        }
    }
}

/// Delivers due messages of the queue, oldest first, by the client's delivery method: at most
/// `max_messages` (0: no limit), starting no new message once `time_budget_ms` has passed (0:
/// no limit). Each message is tried at most once per call. A delivered message leaves the
/// queue; a temporary failure (4xx, lost connection, timeout) reschedules it with exponential
/// backoff (`missive_client_set_queue_retry`); a permanent failure (5xx) or the last allowed
/// attempt makes it a dead letter with the reason. When the server cannot be reached, or
/// refuses the session (TLS, certificate, credentials), the drain stops early without
/// counting an attempt and returns MISSIVE_RESULT_QUEUE_SERVER_UNAVAILABLE, with the connection error in the
/// client's error text and the counts written: the messages stay queued. Recipients refused
/// while others accepted the message are queued again on their own (temporary) or
/// dead-lettered.
///
/// Filesystem queue: one drain runs at a time per directory, across processes (another gets
/// MISSIVE_RESULT_QUEUE_BUSY); messages a killed process left in flight are put back first (`recovered`).
///
/// Database queue: any number of drains run at once, in any processes on any hosts. Each
/// claims one due message at a time (`FOR UPDATE SKIP LOCKED`) under a lease
/// (`missive_client_set_queue_lease`, renewed while the message is sent), so no message is
/// handed to two drains at once; a message whose drainer died is taken by a drain once the
/// lease ends (`recovered`). When the connection to the database is lost while a sent
/// message's outcome is being recorded, the drain reconnects and tries again for up to the
/// lease; when the database cannot be reached otherwise, it returns
/// MISSIVE_RESULT_QUEUE_DATABASE_UNAVAILABLE: with the counts up to then written when it was lost between
/// two messages (`remaining` 0: not known), without when it could not be reached at all.
/// Call again later.
///
/// Crash safety: a process killed at any point loses no message and re-sends at most the one
/// message it had in flight (when it died after the server accepted that message and before
/// the queue recorded it).
///
/// Returns MISSIVE_RESULT_OK (also when some messages were deferred or dead-lettered: see the counts),
/// MISSIVE_RESULT_QUEUE_SERVER_UNAVAILABLE (the drain stopped: see above), MISSIVE_RESULT_QUEUE_DIRECTORY_NOT_SET,
/// MISSIVE_RESULT_QUEUE_BUSY (another drain of the directory is running), MISSIVE_RESULT_HOST_NOT_SET,
/// MISSIVE_RESULT_PICKUP_DIRECTORY_NOT_SET, MISSIVE_RESULT_IO, MISSIVE_RESULT_QUEUE_DATABASE_UNAVAILABLE, MISSIVE_RESULT_QUEUE_DATABASE_ERROR.
/// `*out_counts` (when not NULL) is written on MISSIVE_RESULT_OK, on MISSIVE_RESULT_QUEUE_SERVER_UNAVAILABLE, and on
/// MISSIVE_RESULT_QUEUE_DATABASE_UNAVAILABLE when the database was lost mid-drain (else left as it was);
/// `remaining` counts the messages still queued, due or not (on a database queue also those
/// other drains hold).
///
/// Ownership: borrows `client`; `*out_counts` is the caller's struct, filled in.
/// NULL: a NULL `client` gives MISSIVE_RESULT_NULL_ARGUMENT; `out_counts` may be NULL.
/// Thread safety: safe to call from several threads at once on the same client (a second
/// concurrent drain of the same directory returns MISSIVE_RESULT_QUEUE_BUSY; of the same database queue it
/// works beside the first).
///
/// # Safety
/// `client` is NULL or live; `out_counts` is NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn missive_client_drain_queue(
    client: *mut missive_client,
    max_messages: usize,
    time_budget_ms: u64,
    out_counts: *mut missive_queue_drain_counts,
) -> missive_result {
    ffi_boundary! {
        let h = try_ref!(client.cast_const());
        let budget = (time_budget_ms > 0).then(|| Duration::from_millis(time_budget_ms));
        match h.client.drain_queue(max_messages, budget) {
            Ok(r) => {
                let stopped = r.stopped.clone();
                let lost = r.database_unavailable.clone();
                if !out_counts.is_null() {
                    // SAFETY: checked non-NULL; the caller guarantees it is writable.
                    unsafe {
                        *out_counts = missive_queue_drain_counts {
                            delivered: r.delivered,
                            deferred: r.deferred,
                            dead_lettered: r.dead_lettered,
                            recovered: r.recovered,
                            remaining: r.remaining,
                        }
                    };
                }
                match (stopped, lost) {
                    (_, Some(why)) => h.fail(missive_result::QueueDatabaseUnavailable, why),
                    (Some(s), None) => h.fail(missive_result::QueueServerUnavailable, s.message),
                    (None, None) => h.ok(),
                }
            }
            Err(e) => fail_queue(h, e),
        }
    }
}

/// Counts the queue's messages: queued (and due now), in flight, dead-lettered, and the
/// earliest next attempt. On a database queue, "in flight" is a message claimed under a lease
/// that has not ended; one whose lease ended counts as queued (due).
///
/// Returns MISSIVE_RESULT_OK, MISSIVE_RESULT_QUEUE_DIRECTORY_NOT_SET, MISSIVE_RESULT_IO, MISSIVE_RESULT_QUEUE_DATABASE_UNAVAILABLE, MISSIVE_RESULT_QUEUE_DATABASE_ERROR;
/// MISSIVE_RESULT_NULL_ARGUMENT when `out_counts` is NULL.
///
/// Ownership: borrows `client`; `*out_counts` is the caller's struct, filled in on
/// MISSIVE_RESULT_OK only. NULL: a NULL `client` or `out_counts` gives
/// MISSIVE_RESULT_NULL_ARGUMENT. Thread safety: safe to call from several threads at once on the
/// same client, also during a drain (the counts are then a snapshot).
///
/// # Safety
/// `client` is NULL or live; `out_counts` is NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn missive_client_queue_state(
    client: *mut missive_client,
    out_counts: *mut missive_queue_counts,
) -> missive_result {
    ffi_boundary! {
        let h = try_ref!(client.cast_const());
        if out_counts.is_null() {
            return h.fail(missive_result::NullArgument, "out_counts is NULL");
        }
        match h.client.queue_state() {
            Ok(s) => {
                // SAFETY: checked non-NULL; the caller guarantees it is writable.
                unsafe {
                    *out_counts = missive_queue_counts {
                        queued: s.queued,
                        due: s.due,
                        in_flight: s.in_flight,
                        dead_lettered: s.dead,
                        next_attempt_unix_ms: s.next_attempt_ms,
                    }
                };
                h.ok()
            }
            Err(e) => fail_queue(h, e),
        }
    }
}

/// Lists the queue's messages as text, one line each (size-then-fill, NUL-terminated):
/// `ID<TAB>STATE<TAB>ATTEMPTS<TAB>NEXT_ATTEMPT_UNIX_MS<TAB>LAST_ERROR<LF>`, where STATE is
/// `queued`, `inflight` or `dead` (for dead letters LAST_ERROR is the reason). Queued messages
/// come first, oldest first. The queue may change between a sizing call and a filling call:
/// on MISSIVE_RESULT_BUFFER_TOO_SMALL ask again.
///
/// Returns MISSIVE_RESULT_OK, MISSIVE_RESULT_BUFFER_TOO_SMALL, MISSIVE_RESULT_QUEUE_DIRECTORY_NOT_SET, MISSIVE_RESULT_IO, MISSIVE_RESULT_QUEUE_DATABASE_UNAVAILABLE,
/// MISSIVE_RESULT_QUEUE_DATABASE_ERROR.
///
/// Ownership: borrows `client`; the text is copied into the caller's `buf`.
/// NULL: a NULL `client` or `out_len` gives MISSIVE_RESULT_NULL_ARGUMENT; `buf` may be NULL with
/// `buf_len` 0 to ask the size.
/// Thread safety: safe to call from several threads at once on the same client.
///
/// # Safety
/// `client` is NULL or live; `buf` is NULL or points to `buf_len` writable bytes; `out_len` is
/// NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn missive_client_queue_list(
    client: *mut missive_client,
    buf: *mut c_char,
    buf_len: usize,
    out_len: *mut usize,
) -> missive_result {
    ffi_boundary! {
        let h = try_ref!(client.cast_const());
        let state = match h.client.queue_state() {
            Ok(s) => s,
            Err(e) => return fail_queue(h, e),
        };
        let mut text = String::new();
        for e in &state.entries {
            let st = match e.state {
                EntryState::Queued => "queued",
                EntryState::InFlight => "inflight",
                EntryState::Dead => "dead",
            };
            let err: String = e.last_error.chars()
                .map(|c| if c.is_control() { ' ' } else { c })
                .collect();
            text.push_str(&format!("{}\t{st}\t{}\t{}\t{err}\n", e.id, e.attempts, e.next_attempt_ms));
        }
        // SAFETY: forwarded contract.
        unsafe { write_out(h, text.as_bytes(), true, buf.cast(), buf_len, out_len) }
    }
}
