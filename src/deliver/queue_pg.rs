//! The durable queue in PostgreSQL: one queue that drainers in any number of processes and
//! hosts fill and drain at once, each message handed to one drainer at a time.
//!
//! The queue lives in a schema of its own (`?schema=` of the queue URL, default `missive`),
//! created on first use under an advisory lock and versioned in `<schema>.meta`:
//!
//! ```text
//! messages       one row per queued or dead message: the envelope record (the same record as
//!                a filesystem queue file's: mail-from, rcpt and dsn lines), the message bytes,
//!                attempts, next attempt, last error (for dead letters: the reason), and the
//!                claim: a token, the lease's end and who holds it (`host:pid`)
//! delivered_ids  Message-IDs of delivered messages enqueued idempotently: a later enqueue of
//!                the same Message-ID is not added again (rows may be pruned by the operator)
//! meta           version = the schema version (a newer schema than this build knows is refused)
//! ```
//!
//! `send_to_queue` is one INSERT (one transaction). A drain claims one due message at a time:
//! an UPDATE of the oldest due, unclaimed (or expired-lease) row chosen with
//! `FOR UPDATE SKIP LOCKED`, which sets a fresh random claim token and the lease's end
//! (`lease` from now, by the database's clock). While the message is being sent, a second
//! connection of the drain renews the lease every third of it. Delivered: the row is deleted;
//! deferred or dead: the row is updated and the claim cleared, in each case only while the
//! claim token is still this drain's. A drainer that dies holds its one claim until the lease
//! ends; then the next drain takes the message (counted as recovered) and sends it again. So
//! a message is delivered twice only when its drainer died (or lost the database for longer
//! than the lease) after the server took it and before the row was deleted.
//!
//! When the connection to the database is lost, an operation that records what happened to
//! a sent message reconnects and tries again for up to one lease (a restart of the database
//! does not make a delivered message go out again); any other operation fails with
//! `DatabaseUnavailable` and the caller may drain again later.

use std::sync::{Arc, Condvar, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use postgres::error::SqlState;
use postgres::{Client as PgClient, Config, NoTls};

use super::pickup::Prepared;
use super::queue::{
    Claim, DrainSession, EntryState, QueueEntry, QueueError, QueueErrorKind, QueueState,
    QueueStore, envelope_record, parse_record,
};
use super::queue_url::{DatabaseQueue, redact_url};

/// The schema version this build writes and reads.
const SCHEMA_VERSION: i32 = 1;

/// Milliseconds since the epoch by the database's clock: every drainer on every host agrees
/// on when a lease ends and a message is due.
const NOW_MS: &str = "(extract(epoch from clock_timestamp()) * 1000)::bigint";

/// Opens the PostgreSQL queue (connecting, and creating the schema on first use).
pub(crate) fn open(db: &DatabaseQueue, lease: Duration) -> Result<Box<dyn QueueStore>, QueueError> {
    let store = PgQueue {
        db: db.clone(),
        lease,
    };
    // Connect now: a queue that cannot be reached is reported by the call that names it.
    let conn = store.connect()?;
    store.give_back(conn);
    Ok(Box::new(store))
}

/// The state a new row starts with.
struct NewRow<'a> {
    dead: bool,
    attempts: u32,
    last_error: &'a str,
    delay: Duration,
}

impl NewRow<'_> {
    const FRESH: NewRow<'static> = NewRow {
        dead: false,
        attempts: 0,
        last_error: "",
        delay: Duration::ZERO,
    };
}

/// A PostgreSQL queue: where to connect and the lease of its drains' claims.
struct PgQueue {
    db: DatabaseQueue,
    lease: Duration,
}

/// Idle connections kept between calls, per queue (connection URL, schema, TLS roots): a
/// process-wide pool, so that a client enqueuing many messages connects once.
static IDLE: Mutex<Vec<(String, PgClient)>> = Mutex::new(Vec::new());

/// Schemas this process has already checked or created.
static READY: Mutex<Vec<String>> = Mutex::new(Vec::new());

/// The most idle connections kept per queue.
const MAX_IDLE: usize = 4;

fn pool_key(db: &DatabaseQueue) -> String {
    // Everything that decides how the connection was made (the trusted roots too).
    format!(
        "{}#{}#{}#{:?}",
        db.connect_url, db.schema, db.tls, db.root_cert
    )
}

fn err(kind: QueueErrorKind, message: String) -> QueueError {
    QueueError { kind, message }
}

/// The TLS failure (certificate refused, handshake failed) behind a connection error, if that
/// is what it was: a refusal, not an outage.
fn tls_failure(e: &postgres::Error) -> Option<String> {
    let mut src: Option<&(dyn std::error::Error + 'static)> = std::error::Error::source(e);
    while let Some(err) = src {
        if let Some(t) = err.downcast_ref::<rustls::Error>() {
            return Some(t.to_string());
        }
        if let Some(io) = err.downcast_ref::<std::io::Error>()
            && let Some(t) = io.get_ref().and_then(|i| i.downcast_ref::<rustls::Error>())
        {
            return Some(t.to_string());
        }
        src = err.source();
    }
    None
}

/// Whether a database error means the connection or the server is gone for now (try again
/// later), rather than a refusal.
fn is_unavailable(e: &postgres::Error) -> bool {
    if tls_failure(e).is_some() {
        return false;
    }
    if e.is_closed() {
        return true;
    }
    match e.code() {
        Some(code) => {
            code.code().starts_with("08") // connection exceptions
                || *code == SqlState::ADMIN_SHUTDOWN
                || *code == SqlState::CRASH_SHUTDOWN
                || *code == SqlState::CANNOT_CONNECT_NOW
                || *code == SqlState::TOO_MANY_CONNECTIONS
        }
        // No server error: I/O (refused, reset, timed out) or the connection closed.
        None => e.as_db_error().is_none(),
    }
}

impl PgQueue {
    fn table(&self, name: &str) -> String {
        format!("{}.{name}", self.db.schema)
    }

    fn db_err(&self, e: &postgres::Error, what: &str) -> QueueError {
        let detail = match e.as_db_error() {
            Some(d) => format!("{}: {}", d.code().code(), d.message()),
            None => {
                let mut s = e.to_string();
                let mut src = std::error::Error::source(e);
                while let Some(inner) = src {
                    s.push_str(": ");
                    s.push_str(&inner.to_string());
                    src = inner.source();
                }
                s
            }
        };
        if is_unavailable(e) {
            err(
                QueueErrorKind::DatabaseUnavailable,
                format!(
                    "the queue database {} is unavailable ({what}): {detail}",
                    redact_url(&self.db.connect_url)
                ),
            )
        } else {
            err(
                QueueErrorKind::Database,
                format!(
                    "the queue database {} refused ({what}): {detail}",
                    redact_url(&self.db.connect_url)
                ),
            )
        }
    }

    /// A new connection, with the schema made ready.
    fn new_connection(&self) -> Result<PgClient, QueueError> {
        let mut config: Config = self.db.connect_url.parse().map_err(|e: postgres::Error| {
            err(
                QueueErrorKind::UrlInvalid,
                format!(
                    "the queue URL {} cannot be used: {e}",
                    redact_url(&self.db.connect_url)
                ),
            )
        })?;
        if config.get_connect_timeout().is_none() {
            config.connect_timeout(Duration::from_secs(10));
        }
        if config.get_application_name().is_none() {
            config.application_name("missive");
        }
        let mut conn = if self.db.tls {
            let opts = crate::smtp::TlsOptions {
                ca_file: self.db.root_cert.clone(),
                ..crate::smtp::TlsOptions::default()
            };
            let tls_config = crate::smtp::tls_client_config(&opts).map_err(|e| {
                err(
                    QueueErrorKind::UrlInvalid,
                    format!("TLS to the queue database cannot be set up: {e}"),
                )
            })?;
            let tls = tokio_postgres_rustls::MakeRustlsConnect::new((*tls_config).clone());
            config.connect(tls)
        } else {
            config.connect(NoTls)
        }
        .map_err(|e| self.db_err(&e, "connecting"))?;
        let key = pool_key(&self.db);
        let ready = READY
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .contains(&key);
        if !ready {
            self.prepare_schema(&mut conn)?;
            READY.lock().unwrap_or_else(|e| e.into_inner()).push(key);
        }
        Ok(conn)
    }

    /// Creates the schema when missing, checks its version.
    fn prepare_schema(&self, conn: &mut PgClient) -> Result<(), QueueError> {
        let s = &self.db.schema;
        let mut tx = conn
            .transaction()
            .map_err(|e| self.db_err(&e, "starting a transaction"))?;
        // One creator at a time, across processes and hosts.
        tx.execute(
            "SELECT pg_advisory_xact_lock(hashtext($1))",
            &[&format!("missive schema {s}")],
        )
        .map_err(|e| self.db_err(&e, "locking the schema"))?;
        let exists: bool = tx
            .query_one(
                "SELECT to_regclass($1) IS NOT NULL",
                &[&format!("{s}.meta")],
            )
            .map_err(|e| self.db_err(&e, "looking for the schema"))?
            .get(0);
        let version = if exists {
            tx.query_opt(
                &format!("SELECT value::integer FROM {s}.meta WHERE key = 'version'"),
                &[],
            )
            .map_err(|e| self.db_err(&e, "reading the schema version"))?
            .map(|row| row.get::<_, i32>(0))
        } else {
            None
        };
        match version {
            Some(v) if v == SCHEMA_VERSION => {}
            Some(v) if v > SCHEMA_VERSION => {
                return Err(err(
                    QueueErrorKind::Database,
                    format!(
                        "the queue schema {s} has version {v}, newer than this build of \
                         missive knows ({SCHEMA_VERSION}): update missive"
                    ),
                ));
            }
            _ => {
                tx.batch_execute(&format!(
                    "CREATE SCHEMA IF NOT EXISTS {s};
                     CREATE TABLE IF NOT EXISTS {s}.meta (
                        key text PRIMARY KEY,
                        value text NOT NULL);
                     CREATE TABLE IF NOT EXISTS {s}.messages (
                        seq bigserial PRIMARY KEY,
                        id text NOT NULL UNIQUE,
                        message_id text,
                        envelope text NOT NULL,
                        data bytea NOT NULL,
                        dead boolean NOT NULL DEFAULT false,
                        attempts integer NOT NULL DEFAULT 0,
                        next_attempt_ms bigint NOT NULL DEFAULT 0,
                        last_error text NOT NULL DEFAULT '',
                        claim_token bigint,
                        claimed_by text,
                        lease_until_ms bigint NOT NULL DEFAULT 0,
                        enqueued_ms bigint NOT NULL);
                     CREATE INDEX IF NOT EXISTS messages_live ON {s}.messages (seq)
                        WHERE NOT dead;
                     CREATE UNIQUE INDEX IF NOT EXISTS messages_message_id
                        ON {s}.messages (message_id) WHERE message_id IS NOT NULL;
                     CREATE TABLE IF NOT EXISTS {s}.delivered_ids (
                        message_id text PRIMARY KEY,
                        delivered_ms bigint NOT NULL);
                     INSERT INTO {s}.meta (key, value) VALUES ('version', '{SCHEMA_VERSION}')
                        ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value;"
                ))
                .map_err(|e| self.db_err(&e, "creating the queue schema"))?;
            }
        }
        tx.commit()
            .map_err(|e| self.db_err(&e, "creating the queue schema"))
    }

    /// An idle connection of the pool, or a new one.
    fn connect(&self) -> Result<PgClient, QueueError> {
        let key = pool_key(&self.db);
        let idle = {
            let mut pool = IDLE.lock().unwrap_or_else(|e| e.into_inner());
            pool.iter()
                .position(|(k, _)| *k == key)
                .map(|i| pool.swap_remove(i).1)
        };
        match idle {
            Some(c) if !c.is_closed() => Ok(c),
            _ => self.new_connection(),
        }
    }

    fn give_back(&self, conn: PgClient) {
        if conn.is_closed() {
            return;
        }
        let key = pool_key(&self.db);
        let mut pool = IDLE.lock().unwrap_or_else(|e| e.into_inner());
        if pool.iter().filter(|(k, _)| *k == key).count() < MAX_IDLE {
            pool.push((key, conn));
        }
    }

    /// Runs `f` on a pooled connection; the connection goes back unless it broke.
    fn with_conn<R>(
        &self,
        f: impl FnOnce(&mut PgClient) -> Result<R, QueueError>,
    ) -> Result<R, QueueError> {
        let mut conn = self.connect()?;
        let r = f(&mut conn);
        self.give_back(conn);
        r
    }

    fn insert(
        &self,
        conn: &mut PgClient,
        p: &Prepared,
        key: Option<&str>,
        row: NewRow<'_>,
    ) -> Result<Option<String>, QueueError> {
        let NewRow {
            dead,
            attempts,
            last_error,
            delay,
        } = row;
        let record = envelope_record(p)?;
        let id = super::stream::unique_id();
        let sql = format!(
            "INSERT INTO {t} (id, message_id, envelope, data, dead, attempts, next_attempt_ms, \
             last_error, enqueued_ms) \
             SELECT $1, $2, $3, $4, $5, $6, CASE WHEN $7::bigint = 0 THEN 0 ELSE {NOW_MS} + $7 END, \
             $8, {NOW_MS} \
             WHERE $2::text IS NULL OR NOT EXISTS \
               (SELECT 1 FROM {d} WHERE message_id = $2) \
             ON CONFLICT (message_id) WHERE message_id IS NOT NULL DO NOTHING \
             RETURNING id",
            t = self.table("messages"),
            d = self.table("delivered_ids"),
        );
        let row = conn
            .query_opt(
                &sql,
                &[
                    &id,
                    &key,
                    &record,
                    &&p.data[..],
                    &dead,
                    &(attempts as i32),
                    &(delay.as_millis() as i64),
                    &last_error,
                ],
            )
            .map_err(|e| self.db_err(&e, "enqueuing"))?;
        Ok(row.map(|r| r.get(0)))
    }
}

impl QueueStore for PgQueue {
    fn enqueue(&self, p: &Prepared, key: Option<&str>) -> Result<String, QueueError> {
        self.with_conn(|conn| {
            if let Some(id) = self.insert(conn, p, key, NewRow::FRESH)? {
                return Ok(id);
            }
            // Idempotent and already there: the id of the one queued, or of the one delivered.
            let k = key.unwrap_or_default();
            let row = conn
                .query_opt(
                    &format!(
                        "SELECT id FROM {} WHERE message_id = $1",
                        self.table("messages")
                    ),
                    &[&k],
                )
                .map_err(|e| self.db_err(&e, "enqueuing"))?;
            Ok(match row {
                Some(r) => r.get(0),
                None => format!("delivered:{k}"),
            })
        })
    }

    fn state(&self) -> Result<QueueState, QueueError> {
        self.with_conn(|conn| {
            let sql = format!(
                "SELECT id, dead, attempts, next_attempt_ms, last_error, \
                 (claim_token IS NOT NULL AND lease_until_ms > n.now) AS inflight, n.now \
                 FROM {} CROSS JOIN (SELECT {NOW_MS} AS now) n ORDER BY seq",
                self.table("messages")
            );
            let rows = conn
                .query(&sql, &[])
                .map_err(|e| self.db_err(&e, "reading the queue"))?;
            let mut st = QueueState::default();
            let (mut queued, mut inflight, mut dead) = (Vec::new(), Vec::new(), Vec::new());
            for row in rows {
                let now = row.get::<_, i64>(6).max(0) as u64;
                let next = row.get::<_, i64>(3).max(0) as u64;
                let mut entry = QueueEntry {
                    id: row.get(0),
                    state: EntryState::Queued,
                    attempts: row.get::<_, i32>(2).max(0) as u32,
                    next_attempt_ms: next,
                    last_error: row.get(4),
                };
                if row.get::<_, bool>(1) {
                    entry.state = EntryState::Dead;
                    entry.next_attempt_ms = 0;
                    st.dead += 1;
                    dead.push(entry);
                } else if row.get::<_, bool>(5) {
                    entry.state = EntryState::InFlight;
                    st.in_flight += 1;
                    inflight.push(entry);
                } else {
                    st.queued += 1;
                    if next <= now {
                        st.due += 1;
                    }
                    let t = if next == 0 { now } else { next };
                    if st.next_attempt_ms == 0 || t < st.next_attempt_ms {
                        st.next_attempt_ms = t;
                    }
                    queued.push(entry);
                }
            }
            st.entries = queued;
            st.entries.append(&mut inflight);
            st.entries.append(&mut dead);
            Ok(st)
        })
    }

    fn drain(&self) -> Result<Box<dyn DrainSession + '_>, QueueError> {
        let conn = self.connect()?;
        let renewer = Renewer::start(self);
        Ok(Box::new(PgDrain {
            q: self,
            conn: Some(conn),
            recovered: 0,
            reconnects: 0,
            deferred: Vec::new(),
            renewer,
        }))
    }
}

/// The claim being renewed, shared with the renewing thread.
#[derive(Default)]
struct RenewState {
    /// (row, claim token) of the message being sent.
    current: Option<(i64, i64)>,
    stop: bool,
}

/// A thread with its own connection that extends the lease of the drain's current claim
/// every third of the lease.
struct Renewer {
    shared: Arc<(Mutex<RenewState>, Condvar)>,
    thread: Option<JoinHandle<()>>,
}

impl Renewer {
    fn start(q: &PgQueue) -> Renewer {
        let shared = Arc::new((Mutex::new(RenewState::default()), Condvar::new()));
        let q2 = PgQueue {
            db: q.db.clone(),
            lease: q.lease,
        };
        let s2 = shared.clone();
        let thread = std::thread::Builder::new()
            .name("missive-lease".into())
            .spawn(move || renew_loop(q2, s2))
            .ok();
        Renewer { shared, thread }
    }

    fn set(&self, current: Option<(i64, i64)>) {
        let (m, cv) = &*self.shared;
        m.lock().unwrap_or_else(|e| e.into_inner()).current = current;
        cv.notify_all();
    }
}

impl Drop for Renewer {
    fn drop(&mut self) {
        {
            let (m, cv) = &*self.shared;
            m.lock().unwrap_or_else(|e| e.into_inner()).stop = true;
            cv.notify_all();
        }
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

fn renew_loop(q: PgQueue, shared: Arc<(Mutex<RenewState>, Condvar)>) {
    let every = (q.lease / 3).max(Duration::from_millis(100));
    let sql = format!(
        "UPDATE {} SET lease_until_ms = {NOW_MS} + $3 WHERE seq = $1 AND claim_token = $2",
        q.table("messages")
    );
    let mut conn: Option<PgClient> = None;
    let (m, cv) = &*shared;
    let mut guard = m.lock().unwrap_or_else(|e| e.into_inner());
    loop {
        // Wait a third of the lease (or until told to stop).
        let deadline = Instant::now() + every;
        while !guard.stop {
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                break;
            }
            guard = cv
                .wait_timeout(guard, left)
                .unwrap_or_else(|e| e.into_inner())
                .0;
        }
        if guard.stop {
            break;
        }
        let Some((seq, token)) = guard.current else {
            continue;
        };
        drop(guard);
        if conn.as_ref().is_none_or(|c| c.is_closed()) {
            conn = q.connect().ok();
        }
        if let Some(c) = conn.as_mut()
            && c.execute(&sql, &[&seq, &token, &(q.lease.as_millis() as i64)])
                .is_err()
        {
            conn = None; // reconnect on the next round
        }
        guard = m.lock().unwrap_or_else(|e| e.into_inner());
    }
    drop(guard);
    if let Some(c) = conn {
        q.give_back(c);
    }
}

/// One drain of a PostgreSQL queue.
struct PgDrain<'q> {
    q: &'q PgQueue,
    conn: Option<PgClient>,
    recovered: usize,
    reconnects: usize,
    /// Messages this drain put back (deferred): not tried again by the same drain, as the
    /// filesystem queue's drain tries each message once.
    deferred: Vec<i64>,
    renewer: Renewer,
}

impl PgDrain<'_> {
    /// Runs `f` on the drain's connection; when the connection is lost, reconnects and tries
    /// again until `patience` has passed (zero: no second try).
    fn run<R>(
        &mut self,
        patience: Duration,
        mut f: impl FnMut(&PgQueue, &mut PgClient) -> Result<R, QueueError>,
    ) -> Result<R, QueueError> {
        let started = Instant::now();
        let mut wait = Duration::from_millis(100);
        let mut lost = false;
        loop {
            let attempt = match self.conn.as_mut() {
                Some(c) if !c.is_closed() => f(self.q, c),
                _ => match self.q.connect() {
                    Ok(c) => {
                        if lost {
                            self.reconnects += 1;
                        }
                        let c = self.conn.insert(c);
                        f(self.q, c)
                    }
                    Err(e) => Err(e),
                },
            };
            match attempt {
                Err(e) if e.kind == QueueErrorKind::DatabaseUnavailable => {
                    self.conn = None;
                    lost = true;
                    if started.elapsed() + wait >= patience {
                        return Err(e);
                    }
                    std::thread::sleep(wait);
                    wait = (wait * 2).min(Duration::from_secs(2));
                }
                other => return other,
            }
        }
    }

    /// How long recording an outcome keeps trying through a lost connection: as long as the
    /// claim holds.
    fn patience(&self) -> Duration {
        self.q.lease.saturating_sub(Duration::from_millis(200))
    }
}

impl Drop for PgDrain<'_> {
    fn drop(&mut self) {
        self.renewer.set(None);
        if let Some(c) = self.conn.take() {
            self.q.give_back(c);
        }
    }
}

impl DrainSession for PgDrain<'_> {
    fn started(&self) -> (usize, usize) {
        (self.recovered, 0)
    }

    fn claim_next(&mut self) -> Result<Option<Claim>, QueueError> {
        let token = crate::message::mime::random_u64() as i64;
        let lease = self.q.lease.as_millis() as i64;
        let worker = worker_name();
        let t = self.q.table("messages");
        let sql = format!(
            "UPDATE {t} m SET claim_token = $1, lease_until_ms = {NOW_MS} + $2, claimed_by = $3 \
             FROM (SELECT seq, claim_token AS old FROM {t} \
                   WHERE NOT dead AND next_attempt_ms <= {NOW_MS} AND lease_until_ms <= {NOW_MS} \
                   AND seq <> ALL($4) \
                   ORDER BY seq LIMIT 1 FOR UPDATE SKIP LOCKED) c \
             WHERE m.seq = c.seq \
             RETURNING m.seq, m.id, m.envelope, m.data, m.attempts, m.next_attempt_ms, \
                       c.old IS NOT NULL"
        );
        let tried = self.deferred.clone();
        let row = self.run(Duration::ZERO, |q, c| {
            c.query_opt(&sql, &[&token, &lease, &worker, &tried])
                .map_err(|e| q.db_err(&e, "claiming a message"))
        })?;
        let Some(row) = row else {
            return Ok(None);
        };
        let seq: i64 = row.get(0);
        if row.get::<_, bool>(6) {
            self.recovered += 1;
        }
        let envelope: String = row.get(2);
        let data: Vec<u8> = row.get(3);
        self.renewer.set(Some((seq, token)));
        Ok(Some(Claim {
            id: row.get(1),
            attempts: row.get::<_, i32>(4).max(0) as u32,
            message: parse_record(&envelope, data),
            next_attempt_ms: row.get::<_, i64>(5).max(0) as u64,
            row: seq,
            token,
        }))
    }

    fn delivered(&mut self, c: &Claim) -> Result<(), QueueError> {
        self.renewer.set(None);
        let (seq, token) = (c.row, c.token);
        let t = self.q.table("messages");
        let d = self.q.table("delivered_ids");
        let sql = format!(
            "WITH gone AS (DELETE FROM {t} WHERE seq = $1 AND claim_token = $2 \
                           RETURNING message_id) \
             INSERT INTO {d} (message_id, delivered_ms) \
             SELECT message_id, {NOW_MS} FROM gone WHERE message_id IS NOT NULL \
             ON CONFLICT (message_id) DO NOTHING"
        );
        let patience = self.patience();
        self.run(patience, |q, conn| {
            conn.execute(&sql, &[&seq, &token])
                .map(|_| ())
                .map_err(|e| q.db_err(&e, "recording a delivery"))
        })
    }

    fn defer(
        &mut self,
        c: &Claim,
        attempts: u32,
        last_error: &str,
        delay: Duration,
    ) -> Result<(), QueueError> {
        self.renewer.set(None);
        let (seq, token) = (c.row, c.token);
        self.deferred.push(seq);
        // Put back untried (the drain stopped): due as it was.
        let untried = delay.is_zero() && attempts == c.attempts;
        let sql = format!(
            "UPDATE {} SET attempts = $3, last_error = $4, \
             next_attempt_ms = CASE WHEN $6 THEN next_attempt_ms ELSE {NOW_MS} + $5 END, \
             claim_token = NULL, lease_until_ms = 0 \
             WHERE seq = $1 AND claim_token = $2",
            self.q.table("messages")
        );
        let patience = self.patience();
        let delay_ms = delay.as_millis() as i64;
        self.run(patience, |q, conn| {
            conn.execute(
                &sql,
                &[
                    &seq,
                    &token,
                    &(attempts as i32),
                    &last_error,
                    &delay_ms,
                    &untried,
                ],
            )
            .map(|_| ())
            .map_err(|e| q.db_err(&e, "rescheduling a message"))
        })
    }

    fn dead_letter(&mut self, c: &Claim, reason: &str) -> Result<(), QueueError> {
        self.renewer.set(None);
        let (seq, token) = (c.row, c.token);
        let sql = format!(
            "UPDATE {} SET dead = true, last_error = $3, claim_token = NULL, \
             lease_until_ms = 0, next_attempt_ms = 0 \
             WHERE seq = $1 AND claim_token = $2",
            self.q.table("messages")
        );
        let patience = self.patience();
        self.run(patience, |q, conn| {
            conn.execute(&sql, &[&seq, &token, &reason])
                .map(|_| ())
                .map_err(|e| q.db_err(&e, "dead-lettering a message"))
        })
    }

    fn requeue(
        &mut self,
        p: &Prepared,
        attempts: u32,
        last_error: &str,
        delay: Duration,
    ) -> Result<(), QueueError> {
        let patience = self.patience();
        self.run(patience, |q, conn| {
            q.insert(
                conn,
                p,
                None,
                NewRow {
                    dead: false,
                    attempts,
                    last_error,
                    delay,
                },
            )
            .map(|_| ())
        })
    }

    fn add_dead(&mut self, p: &Prepared, reason: &str) -> Result<(), QueueError> {
        let patience = self.patience();
        self.run(patience, |q, conn| {
            q.insert(
                conn,
                p,
                None,
                NewRow {
                    dead: true,
                    last_error: reason,
                    ..NewRow::FRESH
                },
            )
            .map(|_| ())
        })
    }

    fn reconnects(&self) -> usize {
        self.reconnects
    }

    fn stored_as(&self) -> &'static str {
        "row"
    }

    fn remaining(&mut self) -> Result<usize, QueueError> {
        let sql = format!(
            "SELECT count(*) FROM {} WHERE NOT dead",
            self.q.table("messages")
        );
        let patience = self.patience();
        self.run(patience, |q, conn| {
            conn.query_one(&sql, &[])
                .map(|r| r.get::<_, i64>(0).max(0) as usize)
                .map_err(|e| q.db_err(&e, "counting the queue"))
        })
    }
}

/// This drainer, for the `claimed_by` column: `host:pid`.
fn worker_name() -> String {
    static NAME: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    NAME.get_or_init(|| {
        let host = std::fs::read_to_string("/proc/sys/kernel/hostname")
            .ok()
            .or_else(|| std::env::var("HOSTNAME").ok())
            .map(|h| h.trim().to_string())
            .filter(|h| !h.is_empty())
            .unwrap_or_else(|| "unknown-host".to_string());
        format!("{host}:{}", std::process::id())
    })
    .clone()
}
