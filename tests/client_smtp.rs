//! The client's NETWORK delivery against a real server (Python aiosmtpd on 127.0.0.1): what
//! the server received is what the message model says, connections are kept and reused, and a
//! client shared by threads works. Needs `pip install aiosmtpd cryptography`.

#[path = "support/smtp/mod.rs"]
mod support;

use std::sync::{Arc, Mutex};
use std::time::Duration;

use missive::deliver::{Client, DeliverErrorKind, Delivery, DeliveryMethod, Prepared};
use missive::message::{MailAddress, MailMessage, MimeOptions, RecipientKind, eml, to_mime};
use missive::smtp::{LogDirection, Security, SmtpErrorKind};
use support::AioServer;

fn client_for(port: u16) -> Client {
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
    });
    c
}

fn message(n: usize) -> MailMessage {
    let mut m = MailMessage::new();
    m.set_from(MailAddress::parse("Sender <sender@example.com>").unwrap());
    m.add_recipients_str(
        RecipientKind::To,
        "To One <to1@example.org>, to2@example.org",
    )
    .unwrap();
    m.add_recipients_str(RecipientKind::Cc, "cc@example.org")
        .unwrap();
    m.add_recipients_str(RecipientKind::Bcc, "hidden@example.net")
        .unwrap();
    m.set_subject(&format!("message {n}")).unwrap();
    m.set_body(&format!(
        "Body of message {n}.\n.a line starting with a dot\n"
    ));
    m.ensure_message_id();
    m
}

/// A composed message arrives with the whole envelope (Bcc included), and the bytes the server
/// stored are exactly the prepared bytes, which carry no Bcc header.
#[test]
fn composed_message_arrives_with_envelope_and_exact_bytes() {
    let server = AioServer::start(&[]);
    let client = client_for(server.port);
    let msg = message(1);
    let prepared = Prepared::from_message(&msg, &MimeOptions::default()).unwrap();
    let delivery = client.send_prepared(&prepared).expect("delivered");
    let Delivery::Smtp(result) = delivery else {
        panic!("expected SMTP delivery")
    };
    assert_eq!(result.reply.code, 250);
    assert_eq!(result.accepted.len(), 4);
    assert!(result.rejected.is_empty());
    let got = server.messages();
    assert_eq!(got.len(), 1);
    assert_eq!(got[0].mail_from, "sender@example.com");
    assert_eq!(
        got[0].rcpts,
        [
            "to1@example.org",
            "to2@example.org",
            "cc@example.org",
            "hidden@example.net"
        ]
    );
    // aiosmtpd stores the content with the transparency dots removed and CRLF kept.
    assert_eq!(got[0].content, *prepared.data, "bytes received differ");
    let text = String::from_utf8_lossy(&got[0].content);
    assert!(!text.to_ascii_lowercase().contains("\nbcc:"), "{text}");
    assert!(
        text.contains("\r\n.a line starting with a dot\r\n"),
        "{text}"
    );
}

/// Three sends use one connection (one EHLO in the protocol log); changing the settings closes
/// it and the next send opens a new one.
#[test]
fn connection_is_kept_between_sends() {
    let server = AioServer::start(&[]);
    let client = client_for(server.port);
    let lines = Arc::new(Mutex::new(Vec::<String>::new()));
    let sink = lines.clone();
    client.configure(|c| {
        c.smtp.protocol_log = Some(Arc::new(move |d: LogDirection, l: &str| {
            if d == LogDirection::Sent {
                sink.lock().unwrap().push(l.to_string());
            }
        }))
    });
    for n in 0..3 {
        client.send(&message(n)).expect("delivered");
    }
    let ehlos = |v: &[String]| v.iter().filter(|l| l.starts_with("EHLO")).count();
    assert_eq!(
        ehlos(&lines.lock().unwrap()),
        1,
        "{:?}",
        lines.lock().unwrap()
    );
    assert_eq!(server.messages().len(), 3);
    // A settings change closes the kept connection (QUIT) and the next send reconnects.
    client.configure(|c| c.smtp.pipelining = false);
    client.send(&message(3)).expect("delivered");
    let sent = lines.lock().unwrap().clone();
    assert_eq!(ehlos(&sent), 2, "{sent:?}");
    assert!(sent.iter().any(|l| l == "QUIT"), "{sent:?}");
    assert_eq!(server.messages().len(), 4);
}

/// A client shared by 4 threads: every message arrives exactly once.
#[test]
fn shared_client_from_threads() {
    let server = AioServer::start(&[]);
    let client = Arc::new(client_for(server.port));
    let handles: Vec<_> = (0..4)
        .map(|t| {
            let client = client.clone();
            std::thread::spawn(move || {
                for i in 0..10 {
                    client.send(&message(t * 100 + i)).expect("delivered");
                }
            })
        })
        .collect();
    for h in handles {
        h.join().unwrap();
    }
    let got = server.messages();
    assert_eq!(got.len(), 40);
    let mut subjects: Vec<String> = got
        .iter()
        .map(|r| {
            let m = eml::load_bytes(r.content.clone()).unwrap();
            m.subject().to_string()
        })
        .collect();
    subjects.sort();
    subjects.dedup();
    assert_eq!(subjects.len(), 40, "every message exactly once");
}

/// A loaded .eml is sent as its original bytes, less its Bcc header; its Bcc still gets it.
#[test]
fn loaded_message_is_sent_as_loaded() {
    let server = AioServer::start(&[]);
    let client = client_for(server.port);
    let raw = b"From: a@example.com\r\nTo: t@example.org\r\nBcc: secret@example.net\r\n\
                Subject: as loaded\r\nDKIM-Signature: v=1; a=rsa-sha256; b=abc\r\n\r\n\
                Body line\r\n";
    let msg = eml::load_bytes(raw.to_vec()).unwrap();
    client.send(&msg).expect("delivered");
    let got = server.messages();
    assert_eq!(got[0].rcpts, ["t@example.org", "secret@example.net"]);
    let want = b"From: a@example.com\r\nTo: t@example.org\r\n\
                 Subject: as loaded\r\nDKIM-Signature: v=1; a=rsa-sha256; b=abc\r\n\r\n\
                 Body line\r\n";
    assert_eq!(got[0].content, want.to_vec());
}

/// Without a host, NETWORK delivery says so; a server that is not there gives a connect error.
#[test]
fn missing_host_and_refused_connection() {
    let client = Client::new();
    let e = client.send(&message(0)).unwrap_err();
    assert_eq!(e.kind, DeliverErrorKind::HostNotSet);
    let port = support::free_port();
    let client = client_for(port);
    let e = client.send(&message(0)).unwrap_err();
    assert_eq!(
        e.kind,
        DeliverErrorKind::Smtp(SmtpErrorKind::Connect),
        "{e}"
    );
    assert!(e.message.contains("127.0.0.1"), "{}", e.message);
}

/// The bytes sent for a composed message are the bytes `to_mime` writes for it.
#[test]
fn sent_bytes_match_to_mime() {
    let server = AioServer::start(&[]);
    let client = client_for(server.port);
    let mut msg = message(7);
    msg.set_date(Some((1_700_000_000, 60))).unwrap();
    let opts = MimeOptions {
        fixed_boundary: Some("t".into()),
        default_date: None,
    };
    client.configure(|c| c.mime = opts.clone());
    client.send(&msg).unwrap();
    assert_eq!(server.messages()[0].content, to_mime(&msg, &opts));
}
