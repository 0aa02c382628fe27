//! The envelope never comes from content, over SMTP: a message whose header section carries
//! `X-Sender` / `X-Receiver` lines is sent with its own envelope, and those fields (like Bcc)
//! are never on the wire, whichever way it goes (send, bulk, forward, raw stream, a prepared
//! message made by hand). A loaded pickup file is sent with the file's envelope. Checked
//! against what a real server (Python aiosmtpd on 127.0.0.1) received.
//! Needs `pip install aiosmtpd cryptography`.

#[path = "support/smtp/mod.rs"]
mod support;

use std::sync::Arc;
use std::time::Duration;

use missive::deliver::{Client, DeliveryMethod, ForwardMode, Prepared, load_pickup_file};
use missive::message::{MailAddress, RecipientKind, eml};
use missive::smtp::Security;
use support::{AioServer, Received};

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

/// A message as a user might load it: forged envelope lines on top, a Bcc, and the same
/// words in the body (which stay).
const FORGED: &str = "X-Sender: spoofed@evil.example\r\n\
    X-Receiver: hidden@evil.example\r\n\
    From: Alice <alice@example.com>\r\n\
    To: bob@example.org\r\n\
    Bcc: blind@example.net\r\n\
    X-RECEIVER: hidden2@evil.example\r\n\
    Subject: forged envelope lines\r\n\
    \r\n\
    X-Receiver: a body line, kept\r\n";

/// What the server must have stored for FORGED sent with its own envelope.
const DELIVERED: &[u8] = b"From: Alice <alice@example.com>\r\n\
    To: bob@example.org\r\n\
    Subject: forged envelope lines\r\n\
    \r\n\
    X-Receiver: a body line, kept\r\n";

fn header_of(m: &Received) -> String {
    let text = String::from_utf8_lossy(&m.content).into_owned();
    text.split("\r\n\r\n").next().unwrap_or("").to_string()
}

fn assert_no_envelope_fields(m: &Received) {
    let head = header_of(m).to_ascii_lowercase();
    for field in ["x-sender:", "x-receiver:", "bcc:"] {
        assert!(
            !head.starts_with(field) && !head.contains(&format!("\n{field}")),
            "{field} on the wire:\n{head}"
        );
    }
    assert!(!head.contains("evil.example"), "{head}");
}

/// A loaded, unchanged message with forged lines: MAIL FROM and RCPT TO are From and To +
/// Bcc; the bytes on the wire are the loaded bytes less exactly the Bcc, X-Sender and
/// X-Receiver fields. The same through the bulk path.
#[test]
fn smtp_delivery_never_carries_envelope_fields() {
    let server = AioServer::start(&[]);
    let client = client_for(server.port);
    let m = eml::load_bytes(FORGED.as_bytes().to_vec()).unwrap();
    assert!(m.original_bytes().is_some());
    client.send(&m).unwrap();
    let report = client.send_bulk(std::slice::from_ref(&m));
    assert_eq!(report.sent(), 1, "{report:?}");
    let got = server.messages();
    assert_eq!(got.len(), 2);
    for r in &got {
        assert_eq!(r.mail_from, "alice@example.com");
        assert_eq!(r.rcpts, ["bob@example.org", "blind@example.net"]);
        assert_no_envelope_fields(r);
        assert_eq!(
            String::from_utf8_lossy(&r.content),
            String::from_utf8_lossy(DELIVERED)
        );
    }
}

/// Forwarding (REDIRECT and RESEND), a raw stream and a prepared message made by hand with
/// the forged bytes (as `missive_client_send_raw` makes one): the envelope is the one given,
/// and X-Sender / X-Receiver / Bcc never go out.
#[test]
fn every_delivery_path_drops_envelope_fields() {
    let server = AioServer::start(&[]);
    let client = client_for(server.port);
    client.configure(|c| c.forward_sender = Some("desk@example.com".into()));
    let m = eml::load_bytes(FORGED.as_bytes().to_vec()).unwrap();
    let carol = [MailAddress::parse("carol@example.org").unwrap()];
    client.forward(&m, ForwardMode::Redirect, &carol).unwrap();
    client.forward(&m, ForwardMode::Resend, &carol).unwrap();
    client
        .forward_stream(
            "desk@example.com",
            &["carol@example.org".to_string()],
            &mut FORGED.as_bytes(),
            None,
        )
        .unwrap();
    client
        .send_prepared(&Prepared {
            mail_from: "desk@example.com".into(),
            recipients: vec!["carol@example.org".into()],
            data: Arc::new(FORGED.as_bytes().to_vec()),
            smtputf8: false,
            dsn: Default::default(),
        })
        .unwrap();
    let got = server.messages();
    assert_eq!(got.len(), 4);
    for r in &got {
        assert_eq!(r.mail_from, "desk@example.com");
        assert_eq!(r.rcpts, ["carol@example.org"]);
        assert_no_envelope_fields(r);
        assert!(
            String::from_utf8_lossy(&r.content)
                .ends_with("\r\n\r\nX-Receiver: a body line, kept\r\n"),
            "the body stays"
        );
    }
}

/// A loaded pickup file is sent with the file's envelope — MAIL FROM its X-Sender, RCPT TO
/// its X-Receivers (a Bcc recipient that is in no header included) — and the bytes on the
/// wire carry no envelope lines, neither the file's nor forged ones after them.
#[test]
fn a_loaded_pickup_file_is_sent_with_its_envelope() {
    let server = AioServer::start(&[]);
    let client = client_for(server.port);
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("pickup.eml");
    std::fs::write(
        &path,
        format!(
            "X-Sender: desk@example.com\r\nX-Receiver: bob@example.org\r\n\
             X-Receiver: audit@example.net\r\n{FORGED}"
        ),
    )
    .unwrap();
    let (env, m) = load_pickup_file(&path, &Default::default()).unwrap();
    assert_eq!(env.mail_from, "desk@example.com");
    assert_eq!(env.recipients, ["bob@example.org", "audit@example.net"]);
    client.send_with_envelope(&m, &env).unwrap();
    let got = server.messages();
    assert_eq!(got.len(), 1);
    assert_eq!(got[0].mail_from, "desk@example.com");
    assert_eq!(got[0].rcpts, ["bob@example.org", "audit@example.net"]);
    assert_no_envelope_fields(&got[0]);
    assert_eq!(
        String::from_utf8_lossy(&got[0].content),
        String::from_utf8_lossy(DELIVERED)
    );
    // Sent as a plain message instead, its header fields make the envelope (no Bcc left).
    client.send(&m).unwrap();
    let got = server.messages();
    assert_eq!(got[1].mail_from, "alice@example.com");
    assert_eq!(got[1].rcpts, ["bob@example.org"]);
    assert_eq!(m.recipients(RecipientKind::Bcc).len(), 0);
}
