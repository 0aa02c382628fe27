//! Forwarding a message in its three modes against real servers: REDIRECT byte-exact through a
//! private Postfix (read back with postcat) and aiosmtpd; RESEND and ATTACH checked with
//! Python's `email` package as an independent reader; pickup delivery; the errors.
//! Needs root + Postfix for the Postfix test, `pip install aiosmtpd cryptography`, Python 3.

#[path = "support/smtp/mod.rs"]
mod support;

#[path = "support/smtp/postfix.rs"]
mod postfix;

use std::process::Command;
use std::time::Duration;

use missive::deliver::{Client, DeliverErrorKind, Delivery, DeliveryMethod, ForwardMode};
use missive::message::{MailAddress, MessageErrorKind, eml, parse_address_list};
use missive::smtp::Security;
use support::AioServer;

/// A loaded message shaped to catch any rewriting: a DKIM-Signature-like header, odd spacing
/// and folding, header-name case, a leading-dot body line, 8-bit text, and a Bcc field.
const ORIGINAL: &[u8] = b"DKIM-Signature: v=1; a=rsa-sha256; d=example.com; s=sel;\r\n\
\th=from:to:subject:date; bh=47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=;\r\n\
\tb=dGVzdCBzaWduYXR1cmUgdGhhdCBtdXN0IG5vdCBjaGFuZ2U=\r\n\
from:   \"Orig, Sender\"   <orig@example.com>\r\n\
To: Original To <to@example.org>\r\n\
Cc: cc-orig@example.org\r\n\
Bcc: secret-bcc@example.org\r\n\
Subject:   Quarterly   figures\r\n\
Date: Tue, 5 Mar 2024 08:30:00 +0000\r\n\
Message-ID: <orig-1@example.com>\r\n\
X-Folded: one\r\n  two   three\r\n\
MIME-Version: 1.0\r\n\
Content-Type: text/plain; charset=utf-8\r\n\
Content-Transfer-Encoding: 8bit\r\n\
\r\n\
Gr\xc3\xbc\xc3\x9fe,\r\n\
.a line that starts with a dot\r\n\
..and two\r\n\
trailing spaces   \r\n\
\r\n\
end\r\n";

/// ORIGINAL without its Bcc line: what every mode must carry.
fn original_without_bcc() -> Vec<u8> {
    let text = ORIGINAL.to_vec();
    let needle = b"Bcc: secret-bcc@example.org\r\n";
    let at = text
        .windows(needle.len())
        .position(|w| w == needle)
        .unwrap();
    [&text[..at], &text[at + needle.len()..]].concat()
}

fn client_for(port: u16) -> Client {
    let c = Client::new();
    c.configure(|c| {
        c.delivery_method = DeliveryMethod::Network;
        c.smtp.host = "127.0.0.1".into();
        c.smtp.port = port;
        c.smtp.security = Security::None;
        c.smtp.client_name = Some("client.test".into());
        c.smtp.connect_timeout = Duration::from_secs(3);
        c.smtp.command_timeout = Duration::from_secs(10);
        c.smtp.greeting_timeout = Duration::from_secs(10);
    });
    c
}

fn rcpts(list: &str) -> Vec<MailAddress> {
    parse_address_list(list).unwrap()
}

/// Runs Python with `script`, the file `path` as argv[1]; panics with its output on failure.
fn python_check(script: &str, path: &std::path::Path, extra: &[&str]) {
    let out = Command::new("python3")
        .arg("-c")
        .arg(script)
        .arg(path)
        .args(extra)
        .output()
        .expect("run python3");
    assert!(
        out.status.success(),
        "python check failed:\n{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

/// REDIRECT through a real MTA: Postfix queues exactly the loaded bytes (less Bcc), and the
/// envelope has only the new recipients (not the original To/Cc/Bcc).
#[test]
fn redirect_is_byte_exact_through_postfix() {
    let pf = postfix::Postfix::start();
    let client = client_for(pf.port);
    let msg = eml::load_bytes(ORIGINAL.to_vec()).unwrap();
    let d = client
        .forward(
            &msg,
            ForwardMode::Redirect,
            &rcpts("new1@example.net, New Two <new2@example.net>"),
        )
        .expect("forwarded");
    let Delivery::Smtp(r) = d else {
        panic!("not SMTP")
    };
    let id = r.reply.queue_id().expect("queue id").to_string();
    let q = pf.queued(&id);
    assert_eq!(q.sender, "orig@example.com");
    assert_eq!(q.recipients, ["new1@example.net", "new2@example.net"]);
    // Postfix stores lines with LF endings.
    let expected: Vec<u8> = String::from_utf8(original_without_bcc())
        .unwrap()
        .replace("\r\n", "\n")
        .into_bytes();
    assert_eq!(
        String::from_utf8_lossy(&q.content),
        String::from_utf8_lossy(&expected)
    );
    assert_eq!(q.content, expected);
}

/// REDIRECT through aiosmtpd: the stored DATA equals the loaded bytes (less Bcc) byte for
/// byte, CRLFs included; the forward sender becomes MAIL FROM.
#[test]
fn redirect_exact_bytes_and_forward_sender_via_aiosmtpd() {
    let server = AioServer::start(&[]);
    let client = client_for(server.port);
    client.configure(|c| c.forward_sender = Some("Desk <desk@example.net>".into()));
    let msg = eml::load_bytes(ORIGINAL.to_vec()).unwrap();
    client
        .forward(&msg, ForwardMode::Redirect, &rcpts("new1@example.net"))
        .expect("forwarded");
    let got = server.messages();
    assert_eq!(got.len(), 1);
    assert_eq!(got[0].mail_from, "desk@example.net");
    assert_eq!(got[0].rcpts, ["new1@example.net"]);
    assert_eq!(got[0].content, original_without_bcc());
}

const RESEND_CHECK: &str = r#"
import sys, email, email.policy
raw = open(sys.argv[1], 'rb').read()
orig = open(sys.argv[2], 'rb').read()
lines = raw.split(b'\r\n')
names = [l.split(b':')[0] for l in lines[:8] if l and l[:1] not in (b' ', b'\t')]
assert names[:4] == [b'Resent-Date', b'Resent-From', b'Resent-To', b'Resent-Message-ID'], names
idx = raw.index(b'Resent-Message-ID:')
rest = raw[raw.index(b'\r\n', idx) + 2:]
assert rest == orig, 'the original bytes do not follow the Resent block unchanged'
m = email.message_from_bytes(raw, policy=email.policy.default)
assert not m.defects, m.defects
assert m['Resent-From'].addresses[0].addr_spec == 'desk@example.net', m['Resent-From']
to = sorted(a.addr_spec for a in m['Resent-To'].addresses)
assert to == ['new1@example.net', 'new2@example.net'], to
assert m['Resent-Message-ID'].startswith('<') and '@example.net>' in m['Resent-Message-ID']
email.utils.parsedate_to_datetime(m['Resent-Date'])
assert m['Subject'] == 'Quarterly   figures' or m['Subject'] == 'Quarterly figures', m['Subject']
assert m['From'].addresses[0].addr_spec == 'orig@example.com'
assert m['Bcc'] is None
print('ok')
"#;

/// RESEND: a Resent-* block on top of the unchanged original, checked by Python.
#[test]
fn resend_adds_resent_block_checked_by_python() {
    let server = AioServer::start(&[]);
    let client = client_for(server.port);
    client.configure(|c| c.forward_sender = Some("Desk <desk@example.net>".into()));
    let msg = eml::load_bytes(ORIGINAL.to_vec()).unwrap();
    client
        .forward(
            &msg,
            ForwardMode::Resend,
            &rcpts("new1@example.net, new2@example.net"),
        )
        .expect("forwarded");
    let got = server.messages();
    assert_eq!(got.len(), 1);
    assert_eq!(got[0].mail_from, "desk@example.net");
    assert_eq!(got[0].rcpts, ["new1@example.net", "new2@example.net"]);
    let dir = tempfile::tempdir().unwrap();
    let (p, o) = (dir.path().join("got.eml"), dir.path().join("orig.eml"));
    std::fs::write(&p, &got[0].content).unwrap();
    std::fs::write(&o, original_without_bcc()).unwrap();
    python_check(RESEND_CHECK, &p, &[o.to_str().unwrap()]);
}

const ATTACH_CHECK: &str = r#"
import sys, email, email.policy, email.utils
raw = open(sys.argv[1], 'rb').read()
orig = open(sys.argv[2], 'rb').read()
assert b'\n' not in raw.replace(b'\r\n', b''), 'bare LF'
assert b'\r' not in raw.replace(b'\r\n', b''), 'bare CR'
m = email.message_from_bytes(raw, policy=email.policy.default)
assert not m.defects, m.defects
assert m.get_content_type() == 'multipart/mixed', m.get_content_type()
assert m['Subject'] == 'Fwd: Quarterly   figures' or m['Subject'] == 'Fwd: Quarterly figures', m['Subject']
assert m['From'].addresses[0].addr_spec == 'desk@example.net'
assert sorted(a.addr_spec for a in m['To'].addresses) == ['new1@example.net']
assert m['Message-ID'] and m['Date'] and m['MIME-Version'] == '1.0'
parts = m.get_payload()
assert [p.get_content_type() for p in parts] == ['text/plain', 'message/rfc822'], [p.get_content_type() for p in parts]
for p in parts:
    assert not p.defects, p.defects
assert 'Forwarded message' in parts[0].get_content()
rfc = parts[1]
assert rfc['Content-Transfer-Encoding'] in ('7bit', '8bit'), rfc['Content-Transfer-Encoding']
inner = rfc.get_payload()[0]
assert inner['Message-ID'] == '<orig-1@example.com>', inner['Message-ID']
assert inner['Bcc'] is None
# The part's bytes, cut from the raw message at the boundaries, are the original exactly.
b = m.get_boundary().encode()
pos = raw.index(b'Content-Type: message/rfc822')
body_start = raw.index(b'\r\n\r\n', pos) + 4
body_end = raw.index(b'\r\n--' + b, body_start)
part_bytes = raw[body_start:body_end]
assert part_bytes == orig, (part_bytes[-40:], orig[-40:])
print('ok')
"#;

/// ATTACH: a new "Fwd:" message with the original as message/rfc822, byte for byte, checked
/// by Python.
#[test]
fn attach_wraps_original_as_rfc822_checked_by_python() {
    let server = AioServer::start(&[]);
    let client = client_for(server.port);
    client.configure(|c| c.forward_sender = Some("Desk <desk@example.net>".into()));
    let msg = eml::load_bytes(ORIGINAL.to_vec()).unwrap();
    client
        .forward(&msg, ForwardMode::Attach, &rcpts("new1@example.net"))
        .expect("forwarded");
    let got = server.messages();
    assert_eq!(got.len(), 1);
    assert_eq!(got[0].rcpts, ["new1@example.net"]);
    let dir = tempfile::tempdir().unwrap();
    let (p, o) = (dir.path().join("got.eml"), dir.path().join("orig.eml"));
    std::fs::write(&p, &got[0].content).unwrap();
    std::fs::write(&o, original_without_bcc()).unwrap();
    python_check(ATTACH_CHECK, &p, &[o.to_str().unwrap()]);
}

/// RESEND and ATTACH need the forwarding address; nothing is sent without it. An empty
/// recipient list is refused before connecting.
#[test]
fn resend_and_attach_need_a_forward_sender() {
    // Port 9 on loopback: nothing listens; a connection attempt would give Connect errors.
    let client = client_for(9);
    let msg = eml::load_bytes(ORIGINAL.to_vec()).unwrap();
    for mode in [ForwardMode::Resend, ForwardMode::Attach] {
        let e = client
            .forward(&msg, mode, &rcpts("x@example.net"))
            .unwrap_err();
        assert_eq!(
            e.kind,
            DeliverErrorKind::Message(MessageErrorKind::NoSender),
            "{mode:?}: {e}"
        );
    }
    let e = client
        .forward(&msg, ForwardMode::Redirect, &[])
        .unwrap_err();
    assert_eq!(
        e.kind,
        DeliverErrorKind::Message(MessageErrorKind::NoRecipients)
    );
}

/// Pickup delivery of a REDIRECT: envelope lines for the new recipients, then the loaded bytes
/// exactly (less Bcc).
#[test]
fn redirect_into_pickup_directory_is_exact() {
    let dir = tempfile::tempdir().unwrap();
    let client = Client::new();
    client.configure(|c| {
        c.delivery_method = DeliveryMethod::PickupDirectory;
        c.pickup_directory = Some(dir.path().to_path_buf());
    });
    let msg = eml::load_bytes(ORIGINAL.to_vec()).unwrap();
    let d = client
        .forward(&msg, ForwardMode::Redirect, &rcpts("new1@example.net"))
        .unwrap();
    let Delivery::Pickup(p) = d else {
        panic!("not pickup")
    };
    let file = std::fs::read(&p.path).unwrap();
    let mut expected = b"X-Sender: orig@example.com\r\nX-Receiver: new1@example.net\r\n".to_vec();
    expected.extend_from_slice(&original_without_bcc());
    assert_eq!(file, expected);
}
