//! The durable queue on PostgreSQL, against a real PostgreSQL server that each test starts
//! itself (`initdb` in a temporary directory, a free port, stopped by PID: see
//! `support/postgres.rs`) and real SMTP servers (aiosmtpd, Postfix's smtp-sink):
//!
//! - enqueue and drain, the schema created and versioned, state and listing;
//! - temporary failures with backoff, permanent failures into dead letters (scripted server);
//! - idempotent enqueue per Message-ID;
//! - queue URLs: bad ones get QUEUE_URL_INVALID, an unreachable database
//!   QUEUE_DATABASE_UNAVAILABLE, `file://` is the filesystem queue;
//! - the lease: renewed while a slow message is sent (no second drainer takes it), and taken
//!   over by another drainer when its drainer was killed;
//! - 4 drainer processes on 2,000 messages with 10 random SIGKILLs and restarts: delivered +
//!   queued + dead = input, message by message; a duplicate only for a message that was
//!   claimed by a killed worker at its kill, at most one per kill;
//! - the database restarted mid-drain: the drainers report it, wait and go on; nothing lost.
//!
//! Child drainers are this test binary re-executed with `MISSIVE_PG_DRAIN_CHILD` set, running
//! the ignored `drain_child` test. Needs `apt-get install postgresql postfix` and
//! `pip install aiosmtpd cryptography`.

#[path = "support/smtp/mod.rs"]
mod support;

#[path = "support/postgres.rs"]
mod pg;

use std::collections::HashMap;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use missive::deliver::{Client, DeliveryMethod, EntryState, QueueErrorKind, QueueUrl};
use missive::ffi::client::{
    missive_client_error, missive_client_free, missive_client_new, missive_client_set_url,
};
use missive::ffi::missive_result;
use missive::ffi::queue::{
    missive_client_drain_queue, missive_client_queue_state, missive_client_set_queue_lease,
    missive_client_set_queue_url, missive_queue_counts, missive_queue_drain_counts,
};
use missive::message::MailMessage;
use missive::smtp::Security;
use pg::Postgres;
use support::{AioServer, Certs, ScriptServer, SmtpSink, Step, expect, hello, say};

const CHILD_ENV: &str = "MISSIVE_PG_DRAIN_CHILD";

fn client_for(smtp_port: u16, queue_url: &str, lease: Duration) -> Client {
    let db = match QueueUrl::parse(queue_url).unwrap() {
        QueueUrl::Postgres(db) => db,
        other => panic!("not a database URL: {other:?}"),
    };
    let c = Client::new();
    c.configure(|c| {
        c.delivery_method = DeliveryMethod::Network;
        c.smtp.host = "127.0.0.1".into();
        c.smtp.port = smtp_port;
        c.smtp.security = Security::None;
        c.smtp.client_name = Some("client.test".into());
        c.smtp.connect_timeout = Duration::from_secs(3);
        c.smtp.command_timeout = Duration::from_secs(10);
        c.smtp.greeting_timeout = Duration::from_secs(5);
        c.queue.policy.initial_delay = Duration::from_millis(200);
        c.queue.policy.max_delay = Duration::from_secs(2);
        c.queue.policy.max_attempts = 3;
        c.queue_backend.database = Some(db);
        c.queue_backend.lease = lease;
    });
    c
}

/// A message with a unique `X-Seq: <n>` and a Bcc recipient (envelope only).
fn message(n: usize) -> MailMessage {
    let eml = format!(
        "From: sender@example.com\r\nTo: to@example.org\r\nBcc: hidden@example.net\r\n\
         Subject: pg queue {n}\r\nMessage-ID: <seq-{n}@test.example>\r\n\
         X-Seq: <{n}>\r\n\r\nmessage {n}\r\n"
    );
    missive::message::eml::load_bytes(eml.into_bytes()).unwrap()
}

/// The `X-Seq` numbers in some text, each as often as it occurs.
fn seqs(text: &str) -> Vec<usize> {
    text.match_indices("X-Seq: <")
        .filter_map(|(i, m)| {
            let rest = &text[i + m.len()..];
            rest[..rest.find('>')?].parse().ok()
        })
        .collect()
}

/// (queued X-Seqs, dead X-Seqs) as the database holds them, read with plain SQL.
fn queue_rows(pg: &Postgres, schema: &str) -> (Vec<usize>, Vec<usize>) {
    let mut c = pg.connect();
    let mut queued = Vec::new();
    let mut dead = Vec::new();
    for row in c
        .query(&format!("SELECT data, dead FROM {schema}.messages"), &[])
        .unwrap()
    {
        let data: Vec<u8> = row.get(0);
        let s = seqs(&String::from_utf8_lossy(&data));
        if row.get::<_, bool>(1) {
            dead.extend(s);
        } else {
            queued.extend(s);
        }
    }
    (queued, dead)
}

/// Run by the drainer tests in child processes: drains until the queue has nothing queued
/// or in flight (or 120 s pass), reporting an unavailable database on stderr and going on.
#[test]
#[ignore = "helper: run by the PostgreSQL queue tests in a child process"]
fn drain_child() {
    let spec = std::env::var(CHILD_ENV).expect("run by the PostgreSQL queue tests only");
    let mut parts = spec.split('|');
    let url = parts.next().unwrap();
    let port: u16 = parts.next().unwrap().parse().unwrap();
    let lease_ms: u64 = parts.next().unwrap().parse().unwrap();
    let client = client_for(port, url, Duration::from_millis(lease_ms));
    let deadline = Instant::now() + Duration::from_secs(120);
    while Instant::now() < deadline {
        match client.drain_queue(0, Some(Duration::from_secs(5))) {
            Ok(r) if r.database_unavailable.is_some() => {
                eprintln!(
                    "drainer: database unavailable after {} delivered, waiting: {}",
                    r.delivered,
                    r.database_unavailable.unwrap_or_default()
                );
                std::thread::sleep(Duration::from_millis(300));
            }
            Ok(r) => {
                println!("drain: {r:?}");
                if r.reconnects > 0 {
                    eprintln!(
                        "drainer: database unavailable for a while, reconnected {} times",
                        r.reconnects
                    );
                }
                if r.delivered + r.deferred + r.dead_lettered == 0 {
                    match client.queue_state() {
                        Ok(s) if s.queued == 0 && s.in_flight == 0 => return,
                        Ok(_) => {}
                        Err(e) => eprintln!("drainer: queue state: {e}"),
                    }
                    std::thread::sleep(Duration::from_millis(100));
                }
            }
            Err(e) if e.kind == QueueErrorKind::DatabaseUnavailable => {
                eprintln!("drainer: database unavailable, waiting: {e}");
                std::thread::sleep(Duration::from_millis(300));
            }
            Err(e) => panic!("drain failed: {e}"),
        }
    }
    panic!("the queue was not empty after 120 s");
}

fn spawn_child(url: &str, smtp_port: u16, lease_ms: u64, log: &Path) -> Child {
    let err = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(log)
        .unwrap();
    Command::new(std::env::current_exe().unwrap())
        .args([
            "--ignored",
            "--exact",
            "drain_child",
            "--nocapture",
            "--test-threads=1",
        ])
        .env(CHILD_ENV, format!("{url}|{smtp_port}|{lease_ms}"))
        .stdout(Stdio::null())
        .stderr(err)
        .spawn()
        .expect("spawn child")
}

/// Queued messages are delivered exactly once each, envelope (Bcc) and all, with no Bcc
/// field; the schema is created on first use with its version; the queue is empty afterwards.
#[test]
fn enqueue_then_drain_delivers_each_once() {
    let pg = Postgres::start();
    let server = AioServer::start(&[]);
    let client = client_for(server.port, &pg.queue_url("basic"), Duration::from_secs(30));
    let mut ids = Vec::new();
    for n in 0..5 {
        ids.push(client.send_to_queue(&message(n)).unwrap());
    }
    let st = client.queue_state().unwrap();
    assert_eq!((st.queued, st.due, st.in_flight, st.dead), (5, 5, 0, 0));
    assert_eq!(
        st.entries.iter().map(|e| e.id.clone()).collect::<Vec<_>>(),
        ids,
        "listed oldest first"
    );
    let mut c = pg.connect();
    let version: String = c
        .query_one("SELECT value FROM basic.meta WHERE key = 'version'", &[])
        .unwrap()
        .get(0);
    assert_eq!(version, "1");
    let envelope: String = c
        .query_one(
            "SELECT envelope FROM basic.messages ORDER BY seq LIMIT 1",
            &[],
        )
        .unwrap()
        .get(0);
    assert_eq!(
        envelope,
        "mail-from sender@example.com\nrcpt to@example.org\nrcpt hidden@example.net\n"
    );
    assert!(
        server.messages().is_empty(),
        "nothing sent before the drain"
    );

    let r = client.drain_queue(0, None).unwrap();
    assert_eq!(
        (r.delivered, r.deferred, r.dead_lettered, r.remaining),
        (5, 0, 0, 0)
    );
    let got = server.messages();
    assert_eq!(got.len(), 5);
    let mut seen: Vec<usize> = got
        .iter()
        .flat_map(|m| seqs(&String::from_utf8_lossy(&m.content)))
        .collect();
    seen.sort();
    assert_eq!(seen, [0, 1, 2, 3, 4]);
    for m in &got {
        assert_eq!(m.mail_from, "sender@example.com");
        assert_eq!(m.rcpts, ["to@example.org", "hidden@example.net"]);
        let text = String::from_utf8_lossy(&m.content);
        assert!(!text.contains("Bcc:"), "{text}");
    }
    let st = client.queue_state().unwrap();
    assert_eq!((st.queued, st.in_flight, st.dead), (0, 0, 0));
    // A second client in this process opens the same (existing) schema.
    let again = client_for(server.port, &pg.queue_url("basic"), Duration::from_secs(30));
    assert_eq!(again.queue_state().unwrap().queued, 0);
}

/// A 451 reschedules the message with backoff and its error; a 550 dead-letters it with the
/// reason; a message that keeps failing for now is dead-lettered after max_attempts: the same
/// decisions as the filesystem queue's.
#[test]
fn temporary_and_permanent_failures() {
    let pg = Postgres::start();
    let url = pg.queue_url("failures");
    let session = |code: &str| {
        let mut s = hello(&[]);
        s.extend([
            expect("MAIL FROM:<sender@example.com>"),
            say(code),
            expect("RSET"),
            say("250 reset"),
            expect("QUIT"),
            say("221 bye"),
        ]);
        s
    };
    let server = ScriptServer::start_sessions(vec![
        session("451 4.3.0 try later"),
        session("550 5.7.1 no thanks"),
    ]);
    let client = client_for(server.port, &url, Duration::from_secs(30));
    client.send_to_queue(&message(1)).unwrap();
    let r = client.drain_queue(0, None).unwrap();
    client.close(); // each script session ends with the client's QUIT
    assert_eq!(
        (r.delivered, r.deferred, r.dead_lettered, r.remaining),
        (0, 1, 0, 1)
    );
    let st = client.queue_state().unwrap();
    assert_eq!(
        (st.queued, st.due, st.dead),
        (1, 0, 0),
        "not due during backoff"
    );
    let e = &st.entries[0];
    assert_eq!((e.state, e.attempts), (EntryState::Queued, 1));
    assert!(e.last_error.contains("451"), "{}", e.last_error);
    // Not due yet: a drain now tries nothing.
    let r = client.drain_queue(0, None).unwrap();
    assert_eq!((r.delivered, r.deferred, r.remaining), (0, 0, 1));
    std::thread::sleep(Duration::from_millis(400));
    let r = client.drain_queue(0, None).unwrap();
    client.close();
    assert_eq!((r.dead_lettered, r.remaining), (1, 0));
    let st = client.queue_state().unwrap();
    assert_eq!((st.queued, st.dead), (0, 1));
    let e = &st.entries[0];
    assert_eq!(e.state, EntryState::Dead);
    assert!(
        e.last_error.starts_with("permanent failure") && e.last_error.contains("550"),
        "{}",
        e.last_error
    );
    drop(server.finish());

    // Three temporary failures: dead after max_attempts (3).
    let temp = |n| {
        (0..n)
            .map(|_| session("452 4.3.1 busy"))
            .collect::<Vec<_>>()
    };
    let server = ScriptServer::start_sessions(temp(3));
    let client = client_for(server.port, &url, Duration::from_secs(30));
    client.configure(|c| {
        c.queue.policy.initial_delay = Duration::ZERO;
        c.queue.policy.max_delay = Duration::ZERO;
    });
    client.send_to_queue(&message(2)).unwrap();
    let mut total = (0, 0);
    for _ in 0..3 {
        let r = client.drain_queue(0, None).unwrap();
        println!("{r:?} {:?}", client.queue_state().unwrap().entries);
        client.close();
        total.0 += r.deferred;
        total.1 += r.dead_lettered;
    }
    assert_eq!(total, (2, 1));
    drop(server.finish());
    let st = client.queue_state().unwrap();
    assert_eq!(st.dead, 2);
    assert!(
        st.entries
            .iter()
            .any(|e| e.last_error.starts_with("gave up after 3 attempts")),
        "{:?}",
        st.entries
    );
}

/// With idempotent enqueue, the same Message-ID queued twice is one message (the first's id
/// comes back), also after it was delivered; without it, two copies.
#[test]
fn idempotent_enqueue_per_message_id() {
    let pg = Postgres::start();
    let server = AioServer::start(&[]);
    let client = client_for(server.port, &pg.queue_url("idem"), Duration::from_secs(30));
    client.configure(|c| c.queue_backend.idempotent = true);
    let a = client.send_to_queue(&message(7)).unwrap();
    let b = client.send_to_queue(&message(7)).unwrap();
    assert_eq!(a, b);
    client.send_to_queue(&message(8)).unwrap();
    assert_eq!(client.queue_state().unwrap().queued, 2);
    let r = client.drain_queue(0, None).unwrap();
    assert_eq!(r.delivered, 2);
    // Delivered: enqueuing it again adds nothing.
    client.send_to_queue(&message(7)).unwrap();
    assert_eq!(client.queue_state().unwrap().queued, 0);
    assert_eq!(server.messages().len(), 2);
    // Not idempotent: a second copy is queued.
    client.configure(|c| c.queue_backend.idempotent = false);
    client.send_to_queue(&message(7)).unwrap();
    client.send_to_queue(&message(7)).unwrap();
    assert_eq!(client.queue_state().unwrap().queued, 2);
}

fn error_text(c: *mut missive::ffi::client::missive_client) -> String {
    let mut buf = vec![0u8; 4096];
    let mut n = 0usize;
    unsafe { missive_client_error(c, buf.as_mut_ptr().cast(), buf.len(), &mut n) };
    String::from_utf8_lossy(&buf[..n.saturating_sub(1)]).into_owned()
}

/// Through the C API: bad queue URLs get QUEUE_URL_INVALID naming the problem; a database
/// that cannot be reached gets QUEUE_DATABASE_UNAVAILABLE (its password never in the text);
/// a `file://` URL is the filesystem queue; a lease under 500 ms is refused.
#[test]
fn queue_urls_through_the_c_api() {
    unsafe {
        let c = missive_client_new();
        for (url, needle) in [
            ("ftp://x/y", "scheme"),
            ("/var/spool/q", "no scheme"),
            ("file://relative/path", "absolute"),
            ("file:///q?x=1", "query"),
            ("postgres://u@h/db?schema=Bad-Name", "plain identifier"),
            ("postgres://u@h/db?sslmode=maybe", "sslmode"),
        ] {
            let r = missive_client_set_queue_url(c, url.as_ptr().cast(), url.len());
            assert_eq!(r, missive_result::QueueUrlInvalid, "{url}");
            let text = error_text(c);
            assert!(text.contains(needle), "{url}: {text}");
        }
        assert_eq!(
            missive_client_set_queue_lease(c, 100),
            missive_result::InvalidArgument
        );
        // Nobody listens on this port.
        let closed = support::free_port();
        let url =
            format!("postgres://missive:s3cret@127.0.0.1:{closed}/postgres?connect_timeout=2");
        assert_eq!(
            missive_client_set_queue_url(c, url.as_ptr().cast(), url.len()),
            missive_result::Ok
        );
        let mut counts = missive_queue_counts::default();
        let r = missive_client_queue_state(c, &mut counts);
        assert_eq!(r, missive_result::QueueDatabaseUnavailable);
        let text = error_text(c);
        assert!(text.contains("unavailable"), "{text}");
        assert!(!text.contains("s3cret"), "the password leaked: {text}");

        // file:// names the filesystem queue.
        let dir = tempfile::tempdir().unwrap();
        let url = format!("file://{}", dir.path().display());
        assert_eq!(
            missive_client_set_queue_url(c, url.as_ptr().cast(), url.len()),
            missive_result::Ok
        );
        assert_eq!(
            missive_client_queue_state(c, &mut counts),
            missive_result::Ok
        );
        assert!(dir.path().join("queue").is_dir());
        let smtp = "smtp://127.0.0.1:1";
        assert_eq!(
            missive_client_set_url(c, smtp.as_ptr().cast(), smtp.len()),
            missive_result::Ok
        );
        let mut dc = missive_queue_drain_counts::default();
        assert_eq!(
            missive_client_drain_queue(c, 0, 0, &mut dc),
            missive_result::Ok
        );
        missive_client_free(c);
    }
}

/// With `sslmode=require` the queue's connections are TLS (rustls), verified against
/// `sslrootcert`: the server's own log reports them as TLS connections. Without the CA the
/// certificate is refused: a database error naming it, not "unavailable".
#[test]
fn tls_to_the_database_when_asked_for() {
    let certs = Certs::generate();
    let pg = Postgres::start_tls(&certs.path("server.pem"), &certs.path("server.key"));
    let base = format!("postgres://missive@127.0.0.1:{}/postgres", pg.port);
    let url = format!(
        "{base}?schema=tls&sslmode=require&sslrootcert={}",
        certs.path("ca.pem").display()
    );
    let client = client_for(1, &url, Duration::from_secs(30));
    let id = client.send_to_queue(&message(1)).unwrap();
    assert_eq!(client.queue_state().unwrap().entries[0].id, id);
    // Read by the server (log_connections): every connection of missive was TLS.
    let log = pg.log();
    let ours: Vec<&str> = log
        .lines()
        .filter(|l| l.contains("connection authorized") && l.contains("application_name=missive"))
        .collect();
    assert!(!ours.is_empty(), "no connection of missive logged:\n{log}");
    assert!(
        ours.iter().all(|l| l.contains("SSL enabled")),
        "a connection without TLS:\n{log}"
    );

    let unverified = client_for(
        1,
        &format!("{base}?schema=tls&sslmode=require"),
        Duration::from_secs(30),
    );
    let e = unverified.queue_state().unwrap_err();
    assert_eq!(e.kind, QueueErrorKind::Database, "{e}");
    assert!(e.message.contains("certificate"), "{e}");
}

/// The command-line tool works a PostgreSQL queue too: `--queue postgres://...` with
/// `queue enqueue`, `queue state` and `queue drain` (to aiosmtpd).
#[test]
fn the_command_line_tool_uses_a_database_queue() {
    let pg = Postgres::start();
    let server = AioServer::start(&[]);
    let url = pg.queue_url("cli");
    let dir = tempfile::tempdir().unwrap();
    let eml = dir.path().join("m.eml");
    std::fs::write(
        &eml,
        "From: sender@example.com\r\nTo: to@example.org\r\nSubject: via the CLI\r\n\
         X-Seq: <42>\r\n\r\nhello\r\n",
    )
    .unwrap();
    let cli = |args: &[&str]| {
        let out = Command::new(env!("CARGO_BIN_EXE_missive"))
            .arg("--queue")
            .arg(&url)
            .arg("--url")
            .arg(format!("smtp+plain://127.0.0.1:{}", server.port))
            .args(args)
            .env_remove("MISSIVE_SMTP_URL")
            .env_remove("MISSIVE_QUEUE_URL")
            .env("XDG_CONFIG_HOME", dir.path())
            .output()
            .unwrap();
        let text = String::from_utf8_lossy(&out.stdout).into_owned()
            + &String::from_utf8_lossy(&out.stderr);
        assert!(out.status.success(), "missive {args:?}: {text}");
        text
    };
    let id = cli(&["queue", "enqueue", eml.to_str().unwrap()]);
    assert!(!id.trim().is_empty());
    assert!(cli(&["queue", "state"]).contains("queued: 1"));
    cli(&["queue", "drain"]);
    assert!(cli(&["queue", "state"]).contains("queued: 0"));
    let got = server.messages();
    assert_eq!(got.len(), 1);
    assert_eq!(seqs(&String::from_utf8_lossy(&got[0].content)), [42]);
}

/// A row whose envelope record cannot be read (written by hand here) is never sent: the drain
/// dead-letters it with the reason, and delivers the others.
#[test]
fn a_damaged_row_is_dead_lettered_with_the_reason() {
    let pg = Postgres::start();
    let server = AioServer::start(&[]);
    let client = client_for(
        server.port,
        &pg.queue_url("damaged"),
        Duration::from_secs(30),
    );
    client.send_to_queue(&message(1)).unwrap();
    let mut c = pg.connect();
    c.execute(
        "INSERT INTO damaged.messages (id, envelope, data, enqueued_ms) \
         VALUES ('by-hand', 'rcpt x@example.org\n', 'X-Seq: <2>\r\n\r\nhi\r\n'::bytea, 0)",
        &[],
    )
    .unwrap();
    let r = client.drain_queue(0, None).unwrap();
    assert_eq!((r.delivered, r.dead_lettered, r.remaining), (1, 1, 0));
    let st = client.queue_state().unwrap();
    let dead = &st.entries[0];
    assert_eq!(
        (dead.id.as_str(), dead.state),
        ("by-hand", EntryState::Dead)
    );
    assert!(
        dead.last_error.contains("queued row is damaged")
            && dead.last_error.contains("no mail-from line"),
        "{}",
        dead.last_error
    );
    assert_eq!(server.messages().len(), 1);
}

/// A database that refuses (a role that does not exist) gets QUEUE_DATABASE_ERROR.
#[test]
fn a_refusing_database_is_an_error_not_unavailable() {
    let pg = Postgres::start();
    let url = format!("postgres://nobody@127.0.0.1:{}/postgres?schema=x", pg.port);
    let client = client_for(1, &url, Duration::from_secs(30));
    let e = client.queue_state().unwrap_err();
    assert_eq!(e.kind, QueueErrorKind::Database, "{e}");
    assert!(e.message.contains("nobody"), "{e}");
}

/// A slow send (4 s) under a 1.5 s lease: the lease is renewed, so a second drainer polling
/// meanwhile gets nothing and the message is delivered once. Then a drainer (3 s lease) is
/// killed while sending, after a renewal: within its lease nobody takes the message; after it,
/// the next drain does (counted as recovered) and delivers it.
#[test]
fn lease_is_renewed_while_sending_and_expires_when_the_drainer_dies() {
    let pg = Postgres::start();
    let url = pg.queue_url("lease");
    let lease = Duration::from_millis(1500);
    let mut slow = hello(&[]);
    slow.extend([
        expect("MAIL FROM"),
        say("250 ok"),
        expect("RCPT TO"),
        say("250 ok"),
        expect("RCPT TO"),
        say("250 ok"),
        expect("DATA"),
        say("354 go"),
        Step::ReadData,
        Step::Sleep(Duration::from_secs(4)),
        say("250 queued"),
        expect("QUIT"),
        say("221 bye"),
    ]);
    let server = ScriptServer::start_sessions(vec![slow]);
    let a = client_for(server.port, &url, lease);
    a.send_to_queue(&message(1)).unwrap();
    let drain_a = std::thread::spawn(move || a.drain_queue(0, None).unwrap());
    // The second drainer points at a port nobody listens on: if it ever claimed the message
    // it would fail to connect and report it.
    let b = client_for(support::free_port(), &url, lease);
    std::thread::sleep(Duration::from_millis(300));
    let until = Instant::now() + Duration::from_millis(3300);
    let mut polls = 0;
    let mut saw_in_flight = false;
    while Instant::now() < until {
        let r = b.drain_queue(0, None).unwrap();
        assert_eq!(
            (r.delivered, r.deferred, r.recovered, r.stopped.is_some()),
            (0, 0, 0, false),
            "the second drainer took a message under a renewed lease"
        );
        saw_in_flight |= b.queue_state().unwrap().in_flight == 1;
        polls += 1;
        std::thread::sleep(Duration::from_millis(100));
    }
    assert!(polls > 5 && saw_in_flight);
    let r = drain_a.join().unwrap();
    assert_eq!((r.delivered, r.remaining), (1, 0));
    assert!(server.finish().contains("X-Seq: <1>"));

    // A drainer killed in the middle of a send.
    let mut hang = hello(&[]);
    hang.extend([
        expect("MAIL FROM"),
        say("250 ok"),
        expect("RCPT TO"),
        say("250 ok"),
        expect("RCPT TO"),
        say("250 ok"),
        expect("DATA"),
        say("354 go"),
        Step::ReadData,
        Step::Sleep(Duration::from_secs(8)),
    ]);
    let hanging = ScriptServer::start_sessions(vec![hang]);
    let lease = Duration::from_secs(3);
    let sink = SmtpSink::start(&[]);
    let c = client_for(sink.port, &url, lease);
    c.send_to_queue(&message(2)).unwrap();
    let log = pg.dir.path().join("lease-child.log");
    let mut child = spawn_child(&url, hanging.port, lease.as_millis() as u64, &log);
    let deadline = Instant::now() + Duration::from_secs(20);
    while c.queue_state().unwrap().in_flight == 0 {
        assert!(
            Instant::now() < deadline,
            "the child never claimed the message"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    // Let it be renewed at least once (every second), then kill.
    std::thread::sleep(Duration::from_millis(1500));
    child.kill().unwrap();
    child.wait().unwrap();
    let killed_at = Instant::now();
    let r = c.drain_queue(0, None).unwrap();
    assert_eq!(
        r.delivered, 0,
        "taken while the dead drainer's lease still held"
    );
    assert!(killed_at.elapsed() < lease);
    std::thread::sleep(lease + Duration::from_millis(200));
    let r = c.drain_queue(0, None).unwrap();
    assert_eq!((r.delivered, r.recovered, r.remaining), (1, 1, 0));
    let dumps = sink.wait_dumps(1);
    assert_eq!(dumps.iter().flat_map(|d| seqs(d)).collect::<Vec<_>>(), [2]);
}

/// The messages claimed by a worker (its PID in `claimed_by`) whose lease has not ended.
fn claimed_by(pg: &Postgres, schema: &str, pid: u32) -> Vec<usize> {
    let mut c = pg.connect();
    let sql = format!(
        "SELECT data FROM {schema}.messages WHERE claim_token IS NOT NULL \
         AND claimed_by LIKE '%:' || $1"
    );
    c.query(&sql, &[&pid.to_string()])
        .unwrap()
        .iter()
        .flat_map(|r| seqs(&String::from_utf8_lossy(&r.get::<_, Vec<u8>>(0))))
        .collect()
}

/// Checks delivered + queued + dead = input, message by message; returns the duplicates
/// (each must have been claimed by a killed worker at its kill).
fn account(
    n: usize,
    delivered: &[usize],
    queued: &[usize],
    dead: &[usize],
    claimed_at_kills: &[usize],
    note: &str,
) -> usize {
    let mut count: HashMap<usize, usize> = HashMap::new();
    for s in delivered {
        *count.entry(*s).or_default() += 1;
    }
    let mut dups = 0;
    for i in 0..n {
        let d = count.get(&i).copied().unwrap_or(0);
        let q = queued.iter().filter(|&&s| s == i).count();
        let x = dead.iter().filter(|&&s| s == i).count();
        assert!(
            d + q + x >= 1,
            "message {i} lost: not delivered, queued or dead ({note})"
        );
        assert!(q + x <= 1, "message {i} twice in the queue ({note})");
        if d > 1 {
            dups += d - 1;
            let allowed = claimed_at_kills.iter().filter(|&&s| s == i).count();
            assert!(
                d - 1 <= allowed,
                "message {i} delivered {d} times but claimed by a killed worker {allowed} \
                 times ({note})"
            );
        }
    }
    dups
}

/// 4 drainer processes on one queue of 2,000 messages into smtp-sink; 10 times, at random
/// points of the drain's progress, a random worker is killed with SIGKILL and a new one
/// started. Afterwards every
/// message is delivered (or queued, or dead), and a message was delivered twice only if a
/// killed worker held its claim at the kill: at most one duplicate per kill.
#[test]
fn four_drainers_with_random_kills_lose_nothing() {
    let n = 2000;
    let kills = 10;
    let pg = Postgres::start();
    let schema = "kills";
    let url = pg.queue_url(schema);
    let sink = SmtpSink::start(&[]);
    let lease_ms = 1500;
    let enq = client_for(sink.port, &url, Duration::from_millis(lease_ms));
    let t = Instant::now();
    for i in 0..n {
        enq.send_to_queue(&message(i)).unwrap();
    }
    println!("enqueued {n} in {:?}", t.elapsed());
    let log = pg.dir.path().join("kill-children.log");
    let mut workers: Vec<Child> = (0..4)
        .map(|_| spawn_child(&url, sink.port, lease_ms, &log))
        .collect();
    let seed = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .subsec_nanos() as u64;
    let mut rng = seed | 1;
    let mut next = || {
        rng ^= rng << 13;
        rng ^= rng >> 7;
        rng ^= rng << 17;
        rng
    };
    let mut claimed_at_kills = Vec::new();
    let mut done_kills = 0;
    let started = Instant::now();
    // Kill at random points of the drain's progress (5%..85% of the messages sent, whatever
    // the machine's speed), plus 0..150 ms, a random worker each time.
    let mut marks: Vec<usize> = (0..kills)
        .map(|_| n / 20 + (next() as usize) % (n * 4 / 5))
        .collect();
    marks.sort();
    let sent = || std::fs::read_dir(sink.dir.path()).unwrap().count();
    for mark in &marks {
        while sent() < *mark {
            assert!(
                started.elapsed() < Duration::from_secs(120),
                "the drain stalled at {} of {n} (seed {seed})",
                sent()
            );
            std::thread::sleep(Duration::from_millis(5));
        }
        std::thread::sleep(Duration::from_millis(next() % 150));
        let w = (next() % 4) as usize;
        let pid = workers[w].id();
        workers[w].kill().unwrap();
        workers[w].wait().unwrap();
        // What it held when it died (its claim stays until the lease ends).
        claimed_at_kills.extend(claimed_by(&pg, schema, pid));
        done_kills += 1;
        workers[w] = spawn_child(&url, sink.port, lease_ms, &log);
    }
    assert_eq!(done_kills, kills);
    let kills_done_after = started.elapsed();
    let sent_at_last_kill = sink.dumps().len();
    for mut w in workers {
        let status = w.wait().unwrap();
        assert!(
            status.success(),
            "a drainer failed (seed {seed}): {}",
            std::fs::read_to_string(&log).unwrap_or_default()
        );
    }
    println!(
        "drained with {kills} kills in {:?} (kills over by {kills_done_after:?})",
        started.elapsed()
    );
    let dumps = sink.wait_dumps(n);
    let delivered: Vec<usize> = dumps.iter().flat_map(|d| seqs(d)).collect();
    let (queued, dead) = queue_rows(&pg, schema);
    assert!(queued.is_empty() && dead.is_empty(), "{queued:?} {dead:?}");
    let dups = account(
        n,
        &delivered,
        &queued,
        &dead,
        &claimed_at_kills,
        &format!("seed {seed}"),
    );
    assert!(dups <= kills, "{dups} duplicates after {kills} kills");
    assert!(
        sent_at_last_kill < n,
        "the kills must land while the queue is being drained ({sent_at_last_kill} of {n} \
         sent at the last kill)"
    );
    println!(
        "delivered {} transactions for {n} messages: {dups} duplicates, claimed at kills \
         {claimed_at_kills:?}",
        delivered.len()
    );
}

/// The database is stopped mid-drain and started again 2 s later: the drainers report it on
/// stderr, wait and go on; every message is delivered, none twice (the lease outlasts the
/// restart, and outcomes are recorded once the database is back).
#[test]
fn database_restart_mid_drain_loses_nothing() {
    let n = 600;
    let mut pg = Postgres::start();
    let schema = "restart";
    let url = pg.queue_url(schema);
    let sink = SmtpSink::start(&[]);
    let lease_ms = 15_000;
    let enq = client_for(sink.port, &url, Duration::from_millis(lease_ms));
    for i in 0..n {
        enq.send_to_queue(&message(i)).unwrap();
    }
    let log = pg.dir.path().join("restart-children.log");
    let workers: Vec<Child> = (0..2)
        .map(|_| spawn_child(&url, sink.port, lease_ms, &log))
        .collect();
    // Stop when a third has gone out.
    let deadline = Instant::now() + Duration::from_secs(60);
    while sink.dumps().len() < n / 3 {
        assert!(Instant::now() < deadline, "the drain did not start");
        std::thread::sleep(Duration::from_millis(20));
    }
    let old_pid = pg.pid();
    pg.stop();
    let at_stop = sink.dumps().len();
    std::thread::sleep(Duration::from_secs(2));
    pg.restart();
    assert_ne!(pg.pid(), old_pid);
    for mut w in workers {
        let status = w.wait().unwrap();
        assert!(
            status.success(),
            "a drainer failed: {}",
            std::fs::read_to_string(&log).unwrap_or_default()
        );
    }
    let report = std::fs::read_to_string(&log).unwrap_or_default();
    println!("drainers' reports:\n{report}");
    assert!(
        report.contains("database unavailable"),
        "no drainer reported the stopped database: {report}"
    );
    let dumps = sink.wait_dumps(n);
    assert!(dumps.len() > at_stop, "nothing was sent after the restart");
    let delivered: Vec<usize> = dumps.iter().flat_map(|d| seqs(d)).collect();
    let (queued, dead) = queue_rows(&pg, schema);
    assert!(queued.is_empty() && dead.is_empty(), "{queued:?} {dead:?}");
    let dups = account(n, &delivered, &queued, &dead, &[], "database restart");
    assert_eq!(dups, 0);
}
