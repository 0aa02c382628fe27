//! Asynchronous sends (`Client::send_bulk_async`): the completion function runs exactly once,
//! wait with a timeout, cancel, and dropping the operation handle before completion.

#[path = "support/smtp/mod.rs"]
mod support;

use std::net::TcpListener;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use missive::deliver::{BulkReport, Client, DeliverError, Outcome, Prepared};
use missive::message::{MailAddress, MailMessage, MimeOptions, RecipientKind};
use support::AioServer;

fn prepared(k: usize) -> Result<Prepared, DeliverError> {
    let mut m = MailMessage::new();
    m.set_from(MailAddress::parse("async@example.com").unwrap());
    m.add_recipient(
        RecipientKind::To,
        MailAddress::parse("rcpt@example.org").unwrap(),
    );
    m.set_subject(&format!("async-{k:04}-end")).unwrap();
    m.set_body("hello\n");
    Ok(Prepared::from_message(&m, &MimeOptions::default()).unwrap())
}

fn client(port: u16) -> Arc<Client> {
    let c = support::smtp_client(port, Duration::from_secs(10));
    c.configure(|cfg| cfg.smtp.greeting_timeout = Duration::from_millis(1500));
    Arc::new(c)
}

fn counter() -> (Arc<AtomicUsize>, missive::deliver::CompletionFn) {
    let calls = Arc::new(AtomicUsize::new(0));
    let c = calls.clone();
    let f: missive::deliver::CompletionFn = Box::new(move |_r: &BulkReport| {
        c.fetch_add(1, Ordering::SeqCst);
    });
    (calls, f)
}

#[test]
fn completion_runs_once_and_wait_returns_the_outcomes() {
    let srv = AioServer::start(&["--no-auth"]);
    let c = client(srv.port);
    let (calls, f) = counter();
    let op = c
        .send_bulk_async((0..20).map(prepared).collect(), Some(f))
        .map_err(|(e, _)| e)
        .unwrap();
    let report = op
        .wait(Some(Duration::from_secs(30)))
        .expect("done in time");
    assert!(op.is_done());
    assert_eq!(report.sent(), 20);
    assert_eq!(
        calls.load(Ordering::SeqCst),
        1,
        "completion ran once before wait returned"
    );
    // Waiting again returns the same outcomes at once, and the completion does not run again.
    assert_eq!(op.wait(Some(Duration::ZERO)).unwrap().sent(), 20);
    std::thread::sleep(Duration::from_millis(50));
    assert_eq!(calls.load(Ordering::SeqCst), 1);
    assert_eq!(srv.messages().len(), 20);
}

#[test]
fn wait_times_out_while_the_server_is_silent() {
    // A server that accepts and never greets: the send takes the greeting timeout.
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let c = client(port);
    let (calls, f) = counter();
    let op = c
        .send_bulk_async(vec![prepared(0)], Some(f))
        .map_err(|(e, _)| e)
        .unwrap();
    let t = Instant::now();
    assert!(op.wait(Some(Duration::from_millis(200))).is_none());
    let waited = t.elapsed();
    assert!(waited >= Duration::from_millis(190) && waited < Duration::from_millis(1400));
    assert!(!op.is_done() && op.report().is_none());
    assert_eq!(calls.load(Ordering::SeqCst), 0);
    let report = op.wait(None).unwrap();
    assert!(
        matches!(report.outcomes[0], Outcome::Failed(_)),
        "{report:?}"
    );
    assert_eq!(calls.load(Ordering::SeqCst), 1);
    drop(listener);
}

#[test]
fn cancel_leaves_unstarted_messages_not_attempted() {
    let srv = AioServer::start(&["--no-auth"]);
    let c = client(srv.port);
    c.configure_bulk(|b| b.batch_size = 2);
    let (calls, f) = counter();
    let n = 300;
    let op = c
        .send_bulk_async((0..n).map(prepared).collect(), Some(f))
        .map_err(|(e, _)| e)
        .unwrap();
    op.cancel();
    let report = op.wait(Some(Duration::from_secs(30))).unwrap();
    assert!(report.cancelled);
    assert_eq!(report.outcomes.len(), n);
    assert_eq!(report.sent() + report.not_attempted(), n);
    assert!(report.not_attempted() > 0);
    assert_eq!(calls.load(Ordering::SeqCst), 1);
    // The server has exactly the sent ones, and they are a prefix (one connection, in order).
    let got = srv.messages();
    assert_eq!(got.len(), report.sent());
    for (k, o) in report.outcomes.iter().enumerate() {
        assert_eq!(o.is_sent(), k < report.sent(), "message {k}");
    }
}

#[test]
fn dropping_the_handle_does_not_stop_the_send() {
    let srv = AioServer::start(&["--no-auth"]);
    let c = client(srv.port);
    let (tx, rx) = std::sync::mpsc::channel();
    let f: missive::deliver::CompletionFn = Box::new(move |r: &BulkReport| {
        tx.send(r.sent()).unwrap();
    });
    let op = c
        .send_bulk_async((0..5).map(prepared).collect(), Some(f))
        .map_err(|(e, _)| e)
        .unwrap();
    drop(op);
    drop(c); // the operation keeps the client alive
    assert_eq!(rx.recv_timeout(Duration::from_secs(30)).unwrap(), 5);
    assert!(
        rx.recv_timeout(Duration::from_millis(100)).is_err(),
        "only once"
    );
    assert_eq!(srv.messages().len(), 5);
}
