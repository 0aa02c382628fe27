//! The durable queue: send_to_queue then drain against aiosmtpd; temporary failures with
//! backoff, permanent failures and exhausted attempts into dead/ (scripted fault server);
//! partial recipient refusals; an unreachable server; a second drain refused while one runs.
//! Needs `pip install aiosmtpd cryptography`.

#[path = "support/smtp/mod.rs"]
mod support;

use std::time::Duration;

use missive::deliver::{
    Client, DeliverErrorKind, DeliveryMethod, EntryState, QueueErrorKind, QueuePolicy,
    QueueSettings,
};
use missive::ffi::client::{
    missive_client_error, missive_client_free, missive_client_new, missive_client_set_url,
};
use missive::ffi::missive_result;
use missive::ffi::queue::{
    missive_client_drain_queue, missive_client_set_queue_directory, missive_queue_drain_counts,
};
use missive::message::eml::load_bytes;
use missive::message::{
    DeliveryNotification, DsnNotify, DsnReturn, MailAddress, MailMessage, RecipientKind,
};
use missive::smtp::{Security, SmtpErrorKind};
use support::{AioServer, ScriptServer, Step, expect, hello, say};

fn client_for(port: u16, queue: &std::path::Path) -> Client {
    let c = Client::new();
    c.configure(|c| {
        c.delivery_method = DeliveryMethod::Network;
        c.smtp.host = "127.0.0.1".into();
        c.smtp.port = port;
        c.smtp.security = Security::None;
        c.smtp.client_name = Some("client.test".into());
        c.smtp.connect_timeout = Duration::from_secs(3);
        c.smtp.command_timeout = Duration::from_secs(5);
        c.smtp.greeting_timeout = Duration::from_secs(5);
        c.queue = QueueSettings {
            directory: Some(queue.to_path_buf()),
            policy: QueuePolicy {
                initial_delay: Duration::from_millis(200),
                max_delay: Duration::from_secs(2),
                max_attempts: 3,
            },
        };
    });
    c
}

fn message(n: usize, to: &str) -> MailMessage {
    let mut m = MailMessage::new();
    m.set_from(MailAddress::parse("Sender <sender@example.com>").unwrap());
    m.add_recipients_str(RecipientKind::To, to).unwrap();
    m.add_recipients_str(RecipientKind::Bcc, "hidden@example.net")
        .unwrap();
    m.set_subject(&format!("queued {n}")).unwrap();
    m.add_header("X-Seq", &n.to_string()).unwrap();
    m.set_body(&format!("Body {n}\n.dot line\n"));
    m
}

/// Queued messages survive in the directory until a drain delivers each exactly once, with
/// its whole envelope (Bcc included) and no Bcc header; the queue is empty afterwards.
#[test]
fn queued_messages_are_delivered_once_by_drain() {
    let server = AioServer::start(&[]);
    let dir = tempfile::tempdir().unwrap();
    let client = client_for(server.port, dir.path());
    for n in 0..5 {
        client.send_to_queue(&message(n, "to@example.org")).unwrap();
    }
    let st = client.queue_state().unwrap();
    assert_eq!((st.queued, st.due, st.in_flight, st.dead), (5, 5, 0, 0));
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
    for (n, m) in got.iter().enumerate() {
        let text = String::from_utf8_lossy(&m.content);
        assert!(
            text.contains(&format!("X-Seq: {n}\r\n")),
            "oldest first: {text}"
        );
        assert!(!text.contains("Bcc:"));
        assert_eq!(m.rcpts, ["to@example.org", "hidden@example.net"]);
    }
    let st = client.queue_state().unwrap();
    assert_eq!((st.queued, st.in_flight, st.dead), (0, 0, 0));
    // max_messages limits a drain.
    for n in 5..8 {
        client.send_to_queue(&message(n, "to@example.org")).unwrap();
    }
    let r = client.drain_queue(2, None).unwrap();
    assert_eq!((r.delivered, r.remaining), (2, 1));
}

fn session_refusing_mail(code: &str) -> Vec<Step> {
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
}

fn session_accepting() -> Vec<Step> {
    let mut s = hello(&[]);
    s.extend([
        expect("MAIL FROM:<sender@example.com>"),
        say("250 ok"),
        expect("RCPT TO:<to@example.org>"),
        say("250 ok"),
        expect("RCPT TO:<hidden@example.net>"),
        say("250 ok"),
        expect("DATA"),
        say("354 go"),
        Step::ReadData,
        say("250 2.0.0 queued as Q1"),
        expect("QUIT"),
        say("221 bye"),
    ]);
    s
}

/// A 4xx reschedules the message with backoff: attempts and the last error are stored beside
/// it, it is not due before its time, and a later drain delivers it.
#[test]
fn temporary_failure_is_retried_with_backoff() {
    let server = ScriptServer::start_sessions(vec![
        session_refusing_mail("451 4.3.0 try again later"),
        session_accepting(),
    ]);
    let dir = tempfile::tempdir().unwrap();
    let client = client_for(server.port, dir.path());
    client.send_to_queue(&message(1, "to@example.org")).unwrap();
    let r = client.drain_queue(0, None).unwrap();
    assert_eq!((r.delivered, r.deferred, r.remaining), (0, 1, 1));
    let st = client.queue_state().unwrap();
    assert_eq!((st.queued, st.due), (1, 0), "not due during its backoff");
    let e = &st.entries[0];
    assert_eq!(e.state, EntryState::Queued);
    assert_eq!(e.attempts, 1);
    assert!(e.last_error.contains("451"), "{}", e.last_error);
    let state_file = dir.path().join("queue").join(format!("{}.state", e.id));
    let text = std::fs::read_to_string(&state_file).unwrap();
    assert!(text.contains("attempts=1"), "{text}");
    // Not due yet: a drain now leaves it alone.
    let r = client.drain_queue(0, None).unwrap();
    assert_eq!((r.delivered, r.deferred, r.remaining), (0, 0, 1));
    std::thread::sleep(Duration::from_millis(250));
    client.close(); // the script's first session ends with the client's QUIT
    let r = client.drain_queue(0, None).unwrap();
    assert_eq!((r.delivered, r.remaining), (1, 0));
    assert!(!state_file.exists(), "state removed with the message");
    client.close();
    let got = server.finish();
    assert!(got.contains("X-Seq: 1"), "{got}");
}

/// A 5xx moves the message to dead/ with the reason beside it; too many 4xx do too.
#[test]
fn permanent_failure_and_exhausted_attempts_are_dead_lettered() {
    let server = ScriptServer::start_sessions(vec![
        session_refusing_mail("550 5.7.1 sender refused"),
        session_refusing_mail("451 4.3.0 later"),
        session_refusing_mail("451 4.3.0 later"),
        session_refusing_mail("452 4.3.1 still later"),
    ]);
    let dir = tempfile::tempdir().unwrap();
    let client = client_for(server.port, dir.path());
    client.configure(|c| {
        c.queue.policy.initial_delay = Duration::ZERO;
        c.queue.policy.max_delay = Duration::ZERO;
    });
    client.send_to_queue(&message(1, "to@example.org")).unwrap();
    let r = client.drain_queue(0, None).unwrap();
    assert_eq!((r.dead_lettered, r.remaining), (1, 0));
    client.close();
    client.send_to_queue(&message(2, "to@example.org")).unwrap();
    for expect_dead in [0, 0, 1] {
        let r = client.drain_queue(0, None).unwrap();
        client.close();
        assert_eq!(r.dead_lettered, expect_dead, "{r:?}");
    }
    let st = client.queue_state().unwrap();
    assert_eq!((st.queued, st.in_flight, st.dead), (0, 0, 2));
    let reasons: Vec<String> = st
        .entries
        .iter()
        .map(|e| {
            assert_eq!(e.state, EntryState::Dead);
            std::fs::read_to_string(dir.path().join("dead").join(format!("{}.reason", e.id)))
                .unwrap()
        })
        .collect();
    assert!(
        reasons[0].contains("permanent failure") && reasons[0].contains("550"),
        "{reasons:?}"
    );
    assert!(
        reasons[1].contains("gave up after 3 attempts") && reasons[1].contains("452"),
        "{reasons:?}"
    );
    // The dead letters keep the message.
    let dead_msg = std::fs::read_to_string(
        dir.path()
            .join("dead")
            .join(format!("{}.queued", st.entries[0].id)),
    )
    .unwrap();
    assert!(dead_msg.contains("X-Seq: 1"));
    server.finish();
}

/// Delivered to the accepting recipient; the 4xx-refused one is queued again on its own and
/// the 5xx-refused one is dead-lettered.
#[test]
fn partially_refused_recipients_are_split() {
    let mut s = hello(&[]);
    s.extend([
        expect("MAIL FROM:<sender@example.com>"),
        say("250 ok"),
        expect("RCPT TO:<ok@example.org>"),
        say("250 ok"),
        expect("RCPT TO:<later@example.org>"),
        say("450 4.2.1 mailbox busy"),
        expect("RCPT TO:<never@example.org>"),
        say("550 5.1.1 no such user"),
        expect("RCPT TO:<hidden@example.net>"),
        say("250 ok"),
        expect("DATA"),
        say("354 go"),
        Step::ReadData,
        say("250 2.0.0 queued as Q1"),
        expect("QUIT"),
        say("221 bye"),
    ]);
    let server = ScriptServer::start(s);
    let dir = tempfile::tempdir().unwrap();
    let client = client_for(server.port, dir.path());
    client
        .send_to_queue(&message(
            1,
            "ok@example.org, later@example.org, never@example.org",
        ))
        .unwrap();
    let r = client.drain_queue(0, None).unwrap();
    client.close();
    assert_eq!((r.delivered, r.remaining), (1, 1));
    let st = client.queue_state().unwrap();
    assert_eq!((st.queued, st.dead), (1, 1));
    let queued = std::fs::read_to_string(
        dir.path()
            .join("queue")
            .join(format!("{}.queued", st.entries[0].id)),
    )
    .unwrap();
    assert!(
        queued.starts_with(
            "missive-queue 2 52\nmail-from sender@example.com\nrcpt later@example.org\n"
        ),
        "{queued}"
    );
    assert!(!queued.contains("rcpt ok@example.org"));
    assert_eq!(st.entries[0].attempts, 1);
    assert!(
        st.entries[1].last_error.contains("never@example.org"),
        "{:?}",
        st.entries[1]
    );
    server.finish();
}

/// An unreachable server (a closed port: bound to port 0, then closed) stops the drain
/// without spending an attempt, and the report says why; through the C API the drain returns
/// QUEUE_SERVER_UNAVAILABLE with its counts written and the connection error on the client.
#[test]
fn unreachable_server_stops_drain_without_counting() {
    let dir = tempfile::tempdir().unwrap();
    let port = support::free_port();
    let client = client_for(port, dir.path());
    client.send_to_queue(&message(1, "to@example.org")).unwrap();
    client.send_to_queue(&message(2, "to@example.org")).unwrap();
    let r = client.drain_queue(0, None).unwrap();
    assert_eq!((r.delivered, r.deferred, r.remaining), (0, 0, 2));
    let stop = r.stopped.expect("the drain says why it stopped");
    assert_eq!(stop.kind, DeliverErrorKind::Smtp(SmtpErrorKind::Connect));
    assert!(
        stop.message.contains("could not connect"),
        "{}",
        stop.message
    );

    // The same through the C API.
    let c = missive_client_new();
    let url = format!("smtp+plain://127.0.0.1:{port}");
    let qdir = dir.path().to_str().unwrap();
    let mut counts = missive_queue_drain_counts {
        delivered: 99,
        deferred: 99,
        dead_lettered: 99,
        recovered: 99,
        remaining: 99,
    };
    let (code, text) = unsafe {
        assert_eq!(
            missive_client_set_url(c, url.as_ptr().cast(), url.len()),
            missive_result::Ok
        );
        assert_eq!(
            missive_client_set_queue_directory(c, qdir.as_ptr().cast(), qdir.len()),
            missive_result::Ok
        );
        let code = missive_client_drain_queue(c, 0, 0, &mut counts);
        let mut buf = [0u8; 1024];
        let mut n = 0usize;
        missive_client_error(c, buf.as_mut_ptr().cast(), buf.len(), &mut n);
        missive_client_free(c);
        (
            code,
            String::from_utf8_lossy(&buf[..n.saturating_sub(1)]).into_owned(),
        )
    };
    assert_eq!(code, missive_result::QueueServerUnavailable, "{text}");
    assert_eq!(
        counts,
        missive_queue_drain_counts {
            delivered: 0,
            deferred: 0,
            dead_lettered: 0,
            recovered: 0,
            remaining: 2
        }
    );
    assert!(text.contains("could not connect"), "{text}");
    let st = client.queue_state().unwrap();
    assert!(
        st.entries.iter().all(|e| e.attempts == 0),
        "{:?}",
        st.entries
    );
    assert!(
        st.entries[0].last_error.contains("connect"),
        "{:?}",
        st.entries[0]
    );
}

/// One drain at a time per directory: with the lock held elsewhere, a drain is refused.
#[test]
fn concurrent_drain_is_refused_and_settings_are_checked() {
    let dir = tempfile::tempdir().unwrap();
    let client = client_for(support::free_port(), dir.path());
    client.send_to_queue(&message(1, "to@example.org")).unwrap();
    let lock = std::fs::File::create(dir.path().join(".lock")).unwrap();
    lock.lock().unwrap();
    let e = client.drain_queue(0, None).unwrap_err();
    assert_eq!(e.kind, QueueErrorKind::Busy, "{e}");
    drop(lock);
    let c2 = Client::new();
    let e = c2.send_to_queue(&message(1, "to@example.org")).unwrap_err();
    assert_eq!(e.kind, QueueErrorKind::DirectoryNotSet);
    c2.configure(|c| c.queue.directory = Some(dir.path().to_path_buf()));
    let e = c2.drain_queue(0, None).unwrap_err();
    assert!(matches!(e.kind, QueueErrorKind::Config(_)), "{e}");
    assert_eq!(c2.queue_state().unwrap().queued, 1);
}

/// DSN options (NOTIFY, RET, ENVID) are kept in the queue file and sent by the drain.
#[test]
fn dsn_options_survive_the_queue() {
    let mut s = hello(&["DSN"]);
    s.extend([
        expect("MAIL FROM:<sender@example.com> RET=HDRS ENVID=q-1"),
        say("250 ok"),
        expect("RCPT TO:<to@example.org> NOTIFY=SUCCESS,FAILURE"),
        say("250 ok"),
        expect("RCPT TO:<hidden@example.net> NOTIFY=SUCCESS,FAILURE"),
        say("250 ok"),
        expect("DATA"),
        say("354 go"),
        Step::ReadData,
        say("250 2.0.0 queued as Q1"),
        expect("QUIT"),
        say("221 bye"),
    ]);
    let server = ScriptServer::start(s);
    let dir = tempfile::tempdir().unwrap();
    let client = client_for(server.port, dir.path());
    let mut m = message(1, "to@example.org");
    m.set_delivery_notification(DeliveryNotification {
        notify: DsnNotify {
            success: true,
            failure: true,
            ..DsnNotify::default()
        },
        ret: Some(DsnReturn::Headers),
        envelope_id: Some("q-1".into()),
    })
    .unwrap();
    client.send_to_queue(&m).unwrap();
    let r = client.drain_queue(0, None).unwrap();
    assert_eq!(r.delivered, 1, "{r:?}");
    client.close();
    server.finish();
}

/// A loaded, unchanged .eml whose content begins with `X-Sender` / `X-Receiver` lines: the
/// queue file's envelope is the message's own (From; To), the drain's MAIL FROM and RCPT TO
/// (as the server received them) never include the forged addresses, and the delivered
/// message carries neither field.
#[test]
fn forged_envelope_lines_in_a_queued_message_are_never_envelope() {
    let server = AioServer::start(&[]);
    let dir = tempfile::tempdir().unwrap();
    let client = client_for(server.port, dir.path());
    let raw = "X-Sender: spoofed@evil.example\r\nX-Receiver: hidden@evil.example\r\n\
               From: Sender <sender@example.com>\r\nTo: to@example.org\r\n\
               Subject: forged envelope\r\nX-Seq: 1\r\n\r\nbody\r\nX-Receiver: body line\r\n";
    let m = load_bytes(raw.as_bytes().to_vec()).unwrap();
    assert!(m.original_bytes().is_some(), "sent as loaded");
    let id = client.send_to_queue(&m).unwrap();
    let file = std::fs::read(dir.path().join("queue").join(format!("{id}.queued"))).unwrap();
    assert!(
        file.starts_with(
            b"missive-queue 2 49\nmail-from sender@example.com\nrcpt to@example.org\n"
        ),
        "{}",
        String::from_utf8_lossy(&file)
    );
    let r = client.drain_queue(0, None).unwrap();
    assert_eq!((r.delivered, r.dead_lettered), (1, 0), "{r:?}");
    let got = server.messages();
    assert_eq!(got.len(), 1);
    assert_eq!(got[0].mail_from, "sender@example.com");
    assert_eq!(got[0].rcpts, ["to@example.org"]);
    let text = String::from_utf8_lossy(&got[0].content);
    assert!(!text.contains("evil.example"), "{text}");
    assert!(!text.contains("X-Sender"), "{text}");
    assert!(text.contains("Subject: forged envelope\r\n"), "{text}");
    assert!(
        text.contains("\r\n\r\nbody\r\nX-Receiver: body line\r\n"),
        "the body is untouched: {text}"
    );
}

/// Files in the layout of earlier versions (envelope lines in front of the message, `.eml`)
/// are never sent: the next drain moves them into dead/ with a reason saying why, and the
/// state lists them until then.
#[test]
fn files_of_the_old_layout_are_dead_lettered_not_sent() {
    let server = AioServer::start(&[]);
    let dir = tempfile::tempdir().unwrap();
    let client = client_for(server.port, dir.path());
    client.send_to_queue(&message(1, "to@example.org")).unwrap();
    let old = "X-Sender: sender@example.com\r\nX-Receiver: to@example.org\r\n\
               X-Sender: spoofed@evil.example\r\nX-Receiver: hidden@evil.example\r\n\
               From: sender@example.com\r\nTo: to@example.org\r\nSubject: old\r\n\r\nold\r\n";
    std::fs::write(
        dir.path()
            .join("queue/00000000001.000000000.1.0.legacy.eml"),
        old,
    )
    .unwrap();
    std::fs::write(
        dir.path()
            .join("inflight/00000000001.000000000.1.1.legacy.eml"),
        old,
    )
    .unwrap();
    let st = client.queue_state().unwrap();
    assert_eq!((st.queued, st.in_flight, st.dead), (2, 1, 0), "{st:?}");
    assert!(
        st.entries
            .iter()
            .any(|e| e.last_error.contains("earlier version")),
        "{st:?}"
    );
    let r = client.drain_queue(0, None).unwrap();
    assert_eq!(
        (r.delivered, r.dead_lettered, r.remaining),
        (1, 2, 0),
        "{r:?}"
    );
    let got = server.messages();
    assert_eq!(got.len(), 1, "only the message of this version is sent");
    assert!(String::from_utf8_lossy(&got[0].content).contains("X-Seq: 1\r\n"));
    assert!(
        got.iter()
            .all(|m| !m.rcpts.iter().any(|r| r.contains("evil")))
    );
    let st = client.queue_state().unwrap();
    assert_eq!((st.queued, st.in_flight, st.dead), (0, 0, 2), "{st:?}");
    for id in [
        "00000000001.000000000.1.0.legacy",
        "00000000001.000000000.1.1.legacy",
    ] {
        let kept =
            std::fs::read_to_string(dir.path().join("dead").join(format!("{id}.eml"))).unwrap();
        assert_eq!(kept, old, "the dead letter keeps the file as it was");
        let reason =
            std::fs::read_to_string(dir.path().join("dead").join(format!("{id}.reason"))).unwrap();
        assert!(reason.contains("earlier version"), "{reason}");
    }
}
