//! Regression tests of the message layer: one test per case the corpus test or a review turned
//! up (messages in tests/fixtures/eml/regress/, see the README there). Where the check is about
//! what a reader sees, Python's `email` package reads the output independently.
//!
//! Needs Python 3 (`PYTHON` names the interpreter, default `python3`); the SMTP checks need
//! `pip install aiosmtpd cryptography`.

#[path = "support/smtp/mod.rs"]
mod support;

use std::path::Path;
use std::process::Command;
use std::time::Duration;

use missive::deliver::{Client, Delivery, DeliveryMethod};
use missive::message::eml::{LoadOptions, load_bytes, load_bytes_with};
use missive::message::{
    MailAddress, MailMessage, MessageErrorKind, MimeOptions, RecipientKind, to_mime,
};
use serde_json::Value;
use support::AioServer;

// ---------------------------------------------------------------------------------------------
// Helpers

fn fixture(name: &str) -> Vec<u8> {
    let p = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/eml/regress")
        .join(name);
    std::fs::read(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

fn load(name: &str) -> MailMessage {
    load_bytes(fixture(name)).unwrap_or_else(|e| panic!("{name}: {e}"))
}

fn opts() -> MimeOptions {
    MimeOptions {
        fixed_boundary: Some("regress".into()),
        default_date: Some(1_709_899_200),
    }
}

fn save(msg: &MailMessage) -> Vec<u8> {
    to_mime(msg, &opts())
}

fn addrs(msg: &MailMessage, kind: RecipientKind) -> Vec<String> {
    msg.recipients(kind).iter().map(|a| a.address()).collect()
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

fn contains(hay: &[u8], needle: &[u8]) -> bool {
    find(hay, needle).is_some()
}

/// Functions every Python script gets: `msg(i)` reads the i-th input with `policy.default`,
/// `tree(m)` lists `[depth, content type]` depth first, `defects(m)` the defect names of every
/// part, `out(v)` prints the result as JSON.
const PY_PRELUDE: &str = r#"
import email, email.policy, json, sys
from email.utils import getaddresses

def raw(i):
    with open(sys.argv[1 + i], "rb") as f:
        return f.read()

def msg(i):
    return email.message_from_bytes(raw(i), policy=email.policy.default)

def tree(m, d=0):
    out = [[d, m.get_content_type()]]
    if m.is_multipart():
        for p in m.get_payload():
            out += tree(p, d + 1)
    return out

def defects(m):
    names = set()
    for p in m.walk():
        names.update(type(d).__name__ for d in p.defects)
    return sorted(names)

def out(v):
    print(json.dumps(v))
"#;

/// Runs `script` (after [`PY_PRELUDE`]) with each input written to a file, and returns the JSON
/// it printed.
fn python(script: &str, inputs: &[&[u8]]) -> Value {
    let dir = tempfile::tempdir().unwrap();
    let mut args = Vec::new();
    for (i, bytes) in inputs.iter().enumerate() {
        let p = dir.path().join(format!("in{i}.eml"));
        std::fs::write(&p, bytes).unwrap();
        args.push(p);
    }
    let py = std::env::var("PYTHON").unwrap_or_else(|_| "python3".into());
    let out = Command::new(&py)
        .arg("-c")
        .arg(format!("{PY_PRELUDE}\n{script}"))
        .args(&args)
        .output()
        .unwrap_or_else(|e| panic!("cannot run {py} (set PYTHON to a Python 3): {e}"));
    assert!(
        out.status.success(),
        "python failed:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "python printed no JSON ({e}): {}",
            String::from_utf8_lossy(&out.stdout)
        )
    })
}

/// The header fields of the top-level header section, each with its continuation lines and
/// line break, and the body (after the empty line).
fn split_message(raw: &[u8]) -> (Vec<&[u8]>, &[u8]) {
    let mut fields: Vec<&[u8]> = Vec::new();
    let mut pos = 0;
    let mut start = 0;
    while pos < raw.len() {
        let end = raw[pos..]
            .iter()
            .position(|&b| b == b'\n')
            .map_or(raw.len(), |p| pos + p + 1);
        let line = &raw[pos..end];
        if line == b"\r\n" || line == b"\n" {
            if pos > start {
                fields.push(&raw[start..pos]);
            }
            return (fields, &raw[end..]);
        }
        if !matches!(line.first(), Some(b' ' | b'\t')) && pos > start {
            fields.push(&raw[start..pos]);
            start = pos;
        }
        pos = end;
    }
    (fields, &[])
}

fn field_is(field: &[u8], name: &str) -> bool {
    field.len() > name.len()
        && field[..name.len()].eq_ignore_ascii_case(name.as_bytes())
        && field[name.len()] == b':'
}

/// The bytes of the body part whose header section contains `needle`: from just after the
/// delimiter line before it to the line break before the next delimiter line.
fn part_with<'a>(raw: &'a [u8], needle: &[u8]) -> &'a [u8] {
    let at = find(raw, needle)
        .unwrap_or_else(|| panic!("no {:?} in the message", String::from_utf8_lossy(needle)));
    let delim = find_last(&raw[..at], b"\n--").expect("a delimiter line before the part");
    let start = delim + 1 + raw[delim + 1..].iter().position(|&b| b == b'\n').unwrap() + 1;
    let end = find(&raw[at..], b"\r\n--").map_or(raw.len(), |p| at + p);
    &raw[start..end]
}

fn find_last(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).rposition(|w| w == needle)
}

/// Splits a pickup file into (X-Receiver lines, message bytes).
fn split_pickup(bytes: &[u8]) -> (Vec<String>, &[u8]) {
    let mut pos = 0;
    let mut rcpts = Vec::new();
    loop {
        let end = find(&bytes[pos..], b"\r\n").expect("CRLF") + pos;
        let line = std::str::from_utf8(&bytes[pos..end]).unwrap_or("");
        if let Some(r) = line.strip_prefix("X-Receiver: ") {
            rcpts.push(r.to_string());
        } else if !line.starts_with("X-Sender: ") {
            break;
        }
        pos = end + 2;
    }
    (rcpts, &bytes[pos..])
}

/// Delivers `msg` into a new pickup directory; returns the X-Receiver lines and the message
/// bytes of the file written.
fn deliver_pickup(msg: &MailMessage) -> (Vec<String>, Vec<u8>) {
    let tmp = tempfile::tempdir().unwrap();
    let client = Client::new();
    client.configure(|c| {
        c.delivery_method = DeliveryMethod::PickupDirectory;
        c.pickup_directory = Some(tmp.path().to_path_buf());
    });
    let Delivery::Pickup(d) = client.send(msg).expect("pickup delivery") else {
        panic!("expected a pickup delivery")
    };
    let bytes = std::fs::read(&d.path).unwrap();
    let (rcpts, message) = split_pickup(&bytes);
    (rcpts, message.to_vec())
}

fn smtp_client(port: u16) -> Client {
    let c = support::smtp_client(port, Duration::from_secs(5));
    c.configure(|c| {
        c.smtp.client_name = Some("client.test".into());
        c.smtp.connect_timeout = Duration::from_secs(3);
        c.smtp.greeting_timeout = Duration::from_secs(5);
    });
    c
}

fn composed() -> MailMessage {
    let mut m = MailMessage::new();
    m.set_from(MailAddress::parse("Alice <alice@example.com>").unwrap());
    m.add_recipients_str(RecipientKind::To, "Bob <bob@example.net>")
        .unwrap();
    m.set_subject("composed").unwrap();
    m.set_message_id(Some("composed@example.com")).unwrap();
    m
}

// ---------------------------------------------------------------------------------------------
// Header section: what is a field and what is not

const HIDDEN_BCC: [&str; 3] = ["hidden_bcc_Z.eml", "hidden_bcc_A.eml", "hidden_bcc_M.eml"];

/// After a Date ending in a military zone letter comes the empty line: the `Bcc:` and
/// `Subject:` lines after it are body, not fields, and the hidden address is in no envelope.
#[test]
fn hidden_bcc_stays_body_and_off_the_envelope() {
    for name in HIDDEN_BCC {
        let msg = load(name);
        assert_eq!(msg.subject(), "visible", "{name}");
        assert!(addrs(&msg, RecipientKind::Bcc).is_empty(), "{name}");
        let (_, rcpts) = msg.envelope().unwrap();
        assert_eq!(rcpts, ["r@b.example"], "{name}");
        assert!(msg.body().contains("hidden@evil.example"), "{name}");

        let (receivers, data) = deliver_pickup(&msg);
        assert_eq!(receivers, ["r@b.example"], "{name}: X-Receiver lines");
        assert_eq!(data, fixture(name), "{name}: pickup message bytes");
    }
}

/// The same over SMTP to aiosmtpd on loopback: the server gets no RCPT TO for the hidden
/// address, and Python reads the received message as the loader does.
#[test]
fn hidden_bcc_is_not_sent_over_smtp() {
    let server = AioServer::start(&["--no-auth"]);
    let client = smtp_client(server.port);
    for name in HIDDEN_BCC {
        client.send(&load(name)).expect("delivered");
    }
    let got = server.messages();
    assert_eq!(got.len(), HIDDEN_BCC.len());
    for (name, m) in HIDDEN_BCC.iter().zip(&got) {
        assert_eq!(m.rcpts, ["r@b.example"], "{name}: RCPT TO");
        assert_eq!(m.content, fixture(name), "{name}: bytes received");
        let v = python(
            "m = msg(0); out([str(m['subject']), m['bcc'] is None, m.get_content()])",
            &[&m.content],
        );
        assert_eq!(v[0], "visible", "{name}");
        assert_eq!(v[1], true, "{name}: Python sees a Bcc field");
        assert!(
            v[2].as_str().unwrap().contains("Bcc: hidden@evil.example"),
            "{name}: {v}"
        );
    }
}

#[test]
fn route_address_is_its_addr_spec() {
    let msg = load("route_addr.eml");
    assert_eq!(addrs(&msg, RecipientKind::To), ["mary@example.net"]);
    assert_eq!(save(&msg), fixture("route_addr.eml"));
}

#[test]
fn white_space_before_colon_is_still_the_field() {
    let msg = load("ws_before_colon.eml");
    let to = msg.recipients(RecipientKind::To);
    assert_eq!(to.len(), 1, "{to:?}");
    assert_eq!(to[0].address(), "mary@example.net");
    assert_eq!(to[0].display_name(), Some("Mary"));
    assert_eq!(save(&msg), fixture("ws_before_colon.eml"));
}

/// A byte order mark or an mbox `From ` line before the first field: the message loads with
/// the real fields, neither becomes a header, and saving unchanged gives back the bytes.
#[test]
fn bom_and_mbox_from_line_load_and_save_byte_exact() {
    for (name, subject) in [
        ("bom.eml", "byte order mark"),
        ("mbox_from.eml", "mbox from line"),
    ] {
        let msg = load(name);
        assert_eq!(msg.subject(), subject, "{name}");
        assert_eq!(
            msg.from().map(MailAddress::address).as_deref(),
            Some("alice@example.com"),
            "{name}"
        );
        assert_eq!(
            addrs(&msg, RecipientKind::To),
            ["bob@example.net"],
            "{name}"
        );
        assert_eq!(msg.message_id().map(|s| s.contains('@')), Some(true));
        for h in msg.headers() {
            assert!(
                !h.name.starts_with('\u{feff}') && !h.name.contains(' '),
                "{name}: header {:?}",
                h.name
            );
            assert!(!h.value.contains("someone@example.com"), "{name}: {h:?}");
        }
        assert!(msg.body().starts_with("The "), "{name}: {:?}", msg.body());
        assert!(msg.load_warnings().is_empty(), "{name}");
        assert_eq!(save(&msg), fixture(name), "{name}: saved unchanged");
    }
}

/// What goes on the wire (pickup file, SMTP DATA) is a message: it starts with a header field,
/// never with the mbox `From ` line or a byte order mark.
#[test]
fn mbox_from_line_and_bom_are_not_delivered() {
    let server = AioServer::start(&["--no-auth"]);
    let client = smtp_client(server.port);
    let names = ["bom.eml", "mbox_from.eml"];
    for name in names {
        let msg = load(name);
        let mut edited = msg.clone();
        edited.set_subject("edited").unwrap();
        for (what, m) in [("unchanged", &msg), ("edited", &edited)] {
            let (_, data) = deliver_pickup(m);
            assert!(
                data.starts_with(b"From: Alice"),
                "{name} ({what}): pickup file message starts {:?}",
                String::from_utf8_lossy(&data[..40])
            );
        }
        client.send(&msg).expect("delivered");
    }
    for (name, m) in names.iter().zip(server.messages()) {
        assert!(
            m.content.starts_with(b"From: Alice"),
            "{name}: SMTP DATA starts {:?}",
            String::from_utf8_lossy(&m.content[..40])
        );
    }
}

// ---------------------------------------------------------------------------------------------
// Truncated multiparts

fn check_unclosed(name: &str, boundary: &str) {
    let bytes = fixture(name);
    let msg = load(name);
    let warnings = msg.load_warnings();
    let missing = format!("--{boundary}--");
    assert!(
        warnings.iter().any(|w| w.contains(&missing)),
        "{name}: no warning naming {missing:?}: {warnings:?}"
    );
    let e = load_bytes_with(bytes.clone(), &LoadOptions { strict: true }).unwrap_err();
    assert_eq!(e.kind(), MessageErrorKind::TruncatedEml, "{name}: {e}");
    assert_eq!(save(&msg), bytes, "{name}: saved unchanged");

    let mut edited = msg.clone();
    edited.set_body("A new text body.\n");
    let out = save(&edited);
    let reloaded = load_bytes(out.clone()).unwrap_or_else(|e| panic!("{name}: reload: {e}"));
    assert!(
        reloaded.body().contains("A new text body."),
        "{name}: {:?}",
        reloaded.body()
    );
    let v = python(
        "a, b = msg(0), msg(1)\n\
         body = b.get_body(('plain',))\n\
         out({'new': sorted(set(defects(b)) - set(defects(a))),\n\
              'body': body.get_content() if body is not None else None,\n\
              'atts': [p.get_filename() for p in b.iter_attachments()]})",
        &[&bytes, &out],
    );
    assert_eq!(v["new"], serde_json::json!([]), "{name}: new defects: {v}");
    assert!(
        v["body"]
            .as_str()
            .unwrap_or("")
            .contains("A new text body."),
        "{name}: {v}"
    );
}

#[test]
fn unclosed_multipart_warns_refuses_strict_and_edits_cleanly() {
    check_unclosed("unclosed_multipart.eml", "XXbound");
    let msg = load("unclosed_multipart.eml");
    let a = msg.attachments();
    assert_eq!(a.len(), 1, "{a:?}");
    assert_eq!(a[0].name, "data.bin");
    assert_eq!(*a[0].content, (0u8..48).collect::<Vec<_>>());
}

#[test]
fn unclosed_related_warns_refuses_strict_and_edits_cleanly() {
    check_unclosed("unclosed_related.eml", "REL");
    let msg = load("unclosed_related.eml");
    assert!(msg.html_body().is_some_and(|h| h.contains("cid:logo")));
    let r = msg.inline_resources();
    assert_eq!(r.len(), 1, "{r:?}");
    assert_eq!(r[0].content_id.as_deref(), Some("logo@example.com"));
}

// ---------------------------------------------------------------------------------------------
// Parts the model reads

#[test]
fn rfc822_holding_multipart_is_one_attachment_kept_on_edit() {
    let bytes = fixture("nested_rfc822_multipart.eml");
    let msg = load_bytes_with(bytes.clone(), &LoadOptions { strict: true }).expect("strict load");
    assert!(msg.load_warnings().is_empty(), "{:?}", msg.load_warnings());
    let a = msg.attachments();
    assert_eq!(a.len(), 1, "{a:?}");
    assert_eq!(a[0].content_type.split(';').next(), Some("message/rfc822"));
    assert_eq!(a[0].name, "fwd.eml");
    let start = find(&bytes, b"From: Carol").unwrap();
    let end = find(&bytes, b"\r\n--outer--").unwrap();
    assert_eq!(
        String::from_utf8_lossy(&a[0].content),
        String::from_utf8_lossy(&bytes[start..end]),
        "the attachment is the enclosed message"
    );
    assert_eq!(msg.body().trim_end(), "See the forwarded message.");

    let mut edited = msg.clone();
    edited.add_recipient(
        RecipientKind::To,
        MailAddress::parse("dave@example.org").unwrap(),
    );
    let out = save(&edited);
    let needle = b"Content-Type: message/rfc822";
    assert_eq!(
        String::from_utf8_lossy(part_with(&out, needle)),
        String::from_utf8_lossy(part_with(&bytes, needle)),
        "the message/rfc822 part changed"
    );
    let v = python(
        "m = msg(0); p = m.get_payload()[1]\n\
         out([p.get_content_type(), p.get('content-transfer-encoding'),\n\
              p.get_payload()[0]['subject'], getaddresses(m.get_all('to'))])",
        &[&out],
    );
    assert_eq!(v[0], "message/rfc822");
    assert!(v[1].is_null(), "{v}");
    assert_eq!(v[2], "inner");
    assert!(v[3].to_string().contains("dave@example.org"), "{v}");
}

#[test]
fn uuencoded_attachment_is_the_decoded_file() {
    // The file the fixture's part encodes (binascii.b2a_uu).
    let mut file = b"Hello from a uuencoded file.\n".to_vec();
    file.extend((0u8..=255).step_by(7));
    let msg = load("uuencode.eml");
    let a = msg.attachments();
    assert_eq!(a.len(), 1, "{a:?}");
    assert_eq!(a[0].name, "hello.bin");
    assert_eq!(*a[0].content, file);
    let v = python(
        "p = next(msg(0).iter_attachments()); out(list(p.get_payload(decode=True)))",
        &[&fixture("uuencode.eml")],
    );
    assert_eq!(v, serde_json::json!(file), "Python decodes another file");
}

#[test]
fn content_type_text_without_subtype_is_the_body() {
    let msg = load("ctype_text_nosubtype.eml");
    assert_eq!(msg.body().trim_end(), "The Content-Type has no subtype.");
    assert!(msg.attachments().is_empty());
    assert!(msg.html_body().is_none());
}

#[test]
fn iso_2022_jp_subject_is_decoded() {
    let msg = load("iso2022jp_subject.eml");
    assert_eq!(msg.subject(), "日本語の件名です");
    let v = python(
        "out(str(msg(0)['subject']))",
        &[&fixture("iso2022jp_subject.eml")],
    );
    assert_eq!(v, "日本語の件名です");
}

#[test]
fn delivery_status_report_survives_a_body_edit() {
    let bytes = fixture("delivery_status.eml");
    let mut msg = load("delivery_status.eml");
    msg.set_body("The body was replaced.\n");
    let out = save(&msg);
    for needle in [
        &b"Content-Type: message/delivery-status"[..],
        b"Content-Type: message/rfc822",
    ] {
        assert_eq!(
            String::from_utf8_lossy(part_with(&out, needle)),
            String::from_utf8_lossy(part_with(&bytes, needle)),
            "{} part changed",
            String::from_utf8_lossy(needle)
        );
    }
    let v = python(
        "m = msg(0)\n\
         ds = [p for p in m.walk() if p.get_content_type() == 'message/delivery-status']\n\
         out({'root': m.get_content_type(), 'report_type': m.get_param('report-type'),\n\
              'cte': [p.get('content-transfer-encoding') for p in ds],\n\
              'body': m.get_body(('plain',)).get_content()})",
        &[&out],
    );
    assert_eq!(v["root"], "multipart/report", "{v}");
    assert_eq!(v["report_type"], "delivery-status", "{v}");
    assert_eq!(v["cte"], serde_json::json!([null]), "{v}");
    assert!(
        v["body"]
            .as_str()
            .unwrap()
            .contains("The body was replaced."),
        "{v}"
    );
}

#[test]
fn loose_html_in_mixed_stays_a_part_after_an_edit() {
    let bytes = fixture("loose_html_in_mixed.eml");
    let msg = load("loose_html_in_mixed.eml");
    let names: Vec<&str> = msg.attachments().iter().map(|a| a.name.as_str()).collect();
    assert_eq!(names, ["doc.pdf"]);
    let needle = b"Content-Type: text/html";
    for (what, edit) in [("set subject", 0), ("set body", 1), ("add attachment", 2)] {
        let mut m = msg.clone();
        match edit {
            0 => m.set_subject("edited").unwrap(),
            1 => m.set_body("A new plain body.\n"),
            _ => m
                .add_attachment("more.txt", Some("text/plain"), b"more\n".to_vec())
                .unwrap(),
        }
        let out = save(&m);
        assert_eq!(
            String::from_utf8_lossy(part_with(&out, needle)),
            String::from_utf8_lossy(part_with(&bytes, needle)),
            "{what}: the text/html part changed"
        );
        let reloaded = load_bytes(out.clone()).unwrap();
        let mut want = vec!["doc.pdf"];
        if edit == 2 {
            want.push("more.txt");
        }
        let names: Vec<&str> = reloaded
            .attachments()
            .iter()
            .map(|a| a.name.as_str())
            .collect();
        assert_eq!(names, want, "{what}");
        let v = python(
            "out([p.get_filename() for p in msg(0).iter_attachments()])",
            &[&out],
        );
        assert_eq!(v, serde_json::json!(want), "{what}: Python's attachments");
    }
}

// ---------------------------------------------------------------------------------------------
// What an attachment is

#[test]
fn attachments_and_inline_resources_by_shape() {
    const PNG: &str = "iVBORw0KGgo=";
    let inner = "From: c@example.org\r\nSubject: inner\r\n\r\nInner.\r\n";
    // (shape, part, expected attachments, expected inline resources), each as (name, type).
    type Want = &'static [(&'static str, &'static str)];
    let cases: Vec<(&str, String, Want, Want)> = vec![
        (
            "text file with disposition attachment",
            "Content-Type: text/plain; charset=us-ascii\r\n\
             Content-Disposition: attachment; filename=\"notes.txt\"\r\n\r\nnotes\r\n"
                .into(),
            &[("notes.txt", "text/plain")],
            &[],
        ),
        (
            "named image without disposition",
            format!(
                "Content-Type: image/png; name=\"pic.png\"\r\n\
                 Content-Transfer-Encoding: base64\r\n\r\n{PNG}\r\n"
            ),
            &[("pic.png", "image/png")],
            &[],
        ),
        (
            "inline image in multipart/related",
            format!(
                "Content-Type: multipart/related; boundary=\"REL\"\r\n\r\n\
                 --REL\r\nContent-Type: text/html\r\n\r\n<img src=\"cid:logo@x\">\r\n\
                 --REL\r\nContent-Type: image/png; name=\"logo.png\"\r\n\
                 Content-ID: <logo@x>\r\nContent-Disposition: inline; filename=\"logo.png\"\r\n\
                 Content-Transfer-Encoding: base64\r\n\r\n{PNG}\r\n--REL--\r\n"
            ),
            &[],
            &[("logo.png", "image/png")],
        ),
        (
            "nameless inline application/octet-stream",
            "Content-Type: application/octet-stream\r\nContent-Disposition: inline\r\n\
             Content-Transfer-Encoding: base64\r\n\r\nAAEC\r\n"
                .into(),
            &[],
            &[],
        ),
        (
            "message/rfc822",
            format!("Content-Type: message/rfc822\r\n\r\n{inner}"),
            &[("", "message/rfc822")],
            &[],
        ),
    ];
    let mut failures = Vec::new();
    for (shape, part, want_att, want_inline) in cases {
        let raw = format!(
            "From: a@example.com\r\nTo: b@example.net\r\nSubject: shape\r\nMIME-Version: 1.0\r\n\
             Content-Type: multipart/mixed; boundary=\"MIX\"\r\n\r\n\
             --MIX\r\nContent-Type: text/plain\r\n\r\nThe body.\r\n--MIX\r\n{part}--MIX--\r\n"
        );
        let msg = load_bytes(raw.into_bytes()).unwrap_or_else(|e| panic!("{shape}: {e}"));
        let seen = |v: &[missive::message::Attachment]| -> Vec<(String, String)> {
            v.iter()
                .map(|a| {
                    let t = a.content_type.split(';').next().unwrap_or("").trim();
                    (a.name.clone(), t.to_ascii_lowercase())
                })
                .collect()
        };
        let want = |v: Want| -> Vec<(String, String)> {
            v.iter()
                .map(|(n, t)| (n.to_string(), t.to_string()))
                .collect()
        };
        let (got_att, got_inline) = (seen(msg.attachments()), seen(msg.inline_resources()));
        // A message/rfc822 attachment without a file name may be given one: compare types only.
        let names_match = |got: &[(String, String)], want: &[(String, String)]| {
            got.len() == want.len()
                && got
                    .iter()
                    .zip(want)
                    .all(|(g, w)| g.1 == w.1 && (w.0.is_empty() || g.0 == w.0))
        };
        if !names_match(&got_att, &want(want_att)) || !names_match(&got_inline, &want(want_inline))
        {
            failures.push(format!(
                "{shape}: attachments {got_att:?} (want {want_att:?}), inline {got_inline:?} \
                 (want {want_inline:?})"
            ));
        }
        assert_eq!(msg.body().trim_end(), "The body.", "{shape}");
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

// ---------------------------------------------------------------------------------------------
// Edits rewrite only what they touch

const SIGNED: &[u8] = b"DKIM-Signature: v=1; a=rsa-sha256; c=relaxed/relaxed; d=example.com;\r\n\
\x20s=sel; h=from:to:subject:date:message-id;\r\n\
\tbh=47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=;\r\n\
\x20b=dGhpcyBpcyBub3QgYSByZWFsIHNpZ25hdHVyZSBqdXN0IHRlc3QgZGF0YQ==\r\n\
From: Alice <alice@example.com>\r\n\
To: Bob <bob@example.net>\r\n\
Subject: =?UTF-8?Q?Gr=C3=BC=C3=9Fe_aus?=\r\n =?UTF-8?Q?_K=C3=B6ln?=\r\n\
Date: Fri, 8 Mar 2024 12:00:00 +0000\r\n\
Message-ID: <signed@example.com>\r\n\
X-Custom:   spaced   value\r\n\
MIME-Version: 1.0\r\n\
Content-Type: text/plain; charset=utf-8\r\n\
Content-Transfer-Encoding: 8bit\r\n\
\r\n\
Hallo aus K\xC3\xB6ln.\r\n";

#[test]
fn set_subject_rewrites_only_the_subject_field() {
    let mut msg = load_bytes(SIGNED.to_vec()).unwrap();
    assert!(msg.load_warnings().is_empty(), "{:?}", msg.load_warnings());
    assert!(msg.header("DKIM-Signature").is_some());
    assert_eq!(msg.subject(), "Grüße aus Köln");
    msg.set_subject("Neuer Betreff").unwrap();
    let out = save(&msg);
    let (in_fields, in_body) = split_message(SIGNED);
    let (out_fields, out_body) = split_message(&out);
    let others = |f: &[&[u8]]| -> Vec<String> {
        f.iter()
            .filter(|f| !field_is(f, "Subject"))
            .map(|f| String::from_utf8_lossy(f).into_owned())
            .collect()
    };
    assert_eq!(others(&out_fields), others(&in_fields));
    assert_eq!(
        out_fields.iter().filter(|f| field_is(f, "Subject")).count(),
        1
    );
    assert_eq!(out_body, in_body);
    let v = python("out(str(msg(0)['subject']))", &[&out]);
    assert_eq!(v, "Neuer Betreff");
}

#[test]
fn add_to_keeps_a_group_field_and_appends() {
    let input = b"From: Alice <alice@example.com>\r\n\
To: undisclosed-recipients:;\r\n\
Subject: group\r\n\
Date: Fri, 8 Mar 2024 12:00:00 +0000\r\n\
Message-ID: <group@example.com>\r\n\
\r\n\
Body.\r\n";
    let mut msg = load_bytes(input.to_vec()).unwrap();
    assert!(addrs(&msg, RecipientKind::To).is_empty());
    msg.add_recipient(
        RecipientKind::To,
        MailAddress::parse("Carol <carol@example.org>").unwrap(),
    );
    let out = save(&msg);
    let (in_fields, in_body) = split_message(input);
    let (out_fields, out_body) = split_message(&out);
    let to: Vec<&&[u8]> = out_fields.iter().filter(|f| field_is(f, "To")).collect();
    assert_eq!(to.len(), 1, "{}", String::from_utf8_lossy(&out));
    let to = String::from_utf8_lossy(to[0]);
    assert!(
        to.starts_with("To: undisclosed-recipients:;"),
        "the group was not kept: {to:?}"
    );
    assert!(to.contains("carol@example.org"), "{to:?}");
    let others = |f: &[&[u8]]| -> Vec<Vec<u8>> {
        f.iter()
            .filter(|f| !field_is(f, "To"))
            .map(|f| f.to_vec())
            .collect()
    };
    assert_eq!(others(&out_fields), others(&in_fields));
    assert_eq!(out_body, in_body);
    let v = python(
        "m = msg(0); out([a for _, a in getaddresses(m.get_all('to'))])",
        &[&out],
    );
    assert!(
        v.as_array()
            .unwrap()
            .iter()
            .any(|a| a == "carol@example.org"),
        "{v}"
    );
    assert_eq!(
        addrs(&load_bytes(out).unwrap(), RecipientKind::To),
        ["carol@example.org"]
    );
}

#[test]
fn html_body_added_to_a_text_message_makes_alternative_text_first() {
    let input = b"From: Alice <alice@example.com>\r\n\
To: Bob <bob@example.net>\r\n\
Subject: text only\r\n\
Date: Fri, 8 Mar 2024 12:00:00 +0000\r\n\
Message-ID: <text-only@example.com>\r\n\
MIME-Version: 1.0\r\n\
Content-Type: text/plain; charset=us-ascii; format=flowed\r\n\
\r\n\
The original text, kept as it was.\r\n\
Second line.\r\n";
    let mut msg = load_bytes(input.to_vec()).unwrap();
    msg.set_html_body(Some("<p>The new HTML.</p>"));
    let out = save(&msg);
    let (_, in_body) = split_message(input);
    let text_part = [
        &b"Content-Type: text/plain; charset=us-ascii; format=flowed\r\n\r\n"[..],
        in_body,
    ]
    .concat();
    assert!(
        contains(&out, &text_part),
        "the text part's bytes changed:\n{}",
        String::from_utf8_lossy(&out)
    );
    let v = python(
        "m = msg(0)\n\
         out({'tree': tree(m), 'defects': defects(m),\n\
              'plain': m.get_body(('plain',)).get_content(),\n\
              'html': m.get_body(('html',)).get_content()})",
        &[&out],
    );
    assert_eq!(
        v["tree"],
        serde_json::json!([
            [0, "multipart/alternative"],
            [1, "text/plain"],
            [1, "text/html"]
        ]),
        "{v}"
    );
    assert_eq!(v["defects"], serde_json::json!([]), "{v}");
    assert!(
        v["plain"]
            .as_str()
            .unwrap()
            .starts_with("The original text")
    );
    assert!(v["html"].as_str().unwrap().contains("The new HTML."));
}

/// Additions to a loaded `multipart/mixed[alternative[text, html], pdf]`: an inline image goes
/// into a new `multipart/related` around the alternative, an attachment at the end of the mixed,
/// a calendar view at the end of the alternative; every original part keeps its bytes, and
/// Python reads the result with no defect. Taking the view out again removes only that part.
#[test]
fn additions_go_where_their_kind_lives_and_keep_every_other_byte() {
    let input = b"From: Alice <alice@example.com>\r\n\
To: Bob <bob@example.net>\r\n\
Subject: report\r\n\
MIME-Version: 1.0\r\n\
Content-Type: multipart/mixed; boundary=\"M\"\r\n\
\r\n\
--M\r\n\
Content-Type: multipart/alternative; boundary=\"A\"\r\n\
\r\n\
--A\r\n\
Content-Type: text/plain; charset=us-ascii\r\n\
\r\n\
See the logo.\r\n\
--A\r\n\
Content-Type: text/html; charset=us-ascii\r\n\
\r\n\
<p>See <img src=\"cid:logo@x\"></p>\r\n\
--A--\r\n\
--M\r\n\
Content-Type: application/pdf; name=\"r.pdf\"\r\n\
Content-Disposition: attachment; filename=\"r.pdf\"\r\n\
Content-Transfer-Encoding: base64\r\n\
\r\n\
JVBERi0xLjQK\r\n\
--M--\r\n";
    let mut msg = load_bytes(input.to_vec()).unwrap();
    assert_eq!(msg.attachments().len(), 1);
    msg.add_inline_resource("logo@x", "logo.png", None, vec![0x89, b'P', b'N', b'G'])
        .unwrap();
    msg.add_attachment("notes.txt", None, b"notes".to_vec())
        .unwrap();
    msg.add_alternate_view(
        "text/calendar; method=REQUEST",
        None,
        b"BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n".to_vec(),
    )
    .unwrap();
    let out = save(&msg);
    for kept in [
        &b"Content-Type: text/plain; charset=us-ascii\r\n\r\nSee the logo.\r\n"[..],
        b"Content-Type: text/html; charset=us-ascii\r\n\r\n<p>See <img src=\"cid:logo@x\"></p>\r\n",
        b"Content-Transfer-Encoding: base64\r\n\r\nJVBERi0xLjQK\r\n--M",
        b"From: Alice <alice@example.com>\r\nTo: Bob <bob@example.net>\r\nSubject: report\r\n",
    ] {
        assert!(
            contains(&out, kept),
            "lost {:?} in:\n{}",
            String::from_utf8_lossy(kept),
            String::from_utf8_lossy(&out)
        );
    }
    let v = python(
        "m = msg(0)\n\
         atts = [(p.get_content_type(), p.get_filename()) for p in m.iter_attachments()]\n\
         out({'tree': tree(m), 'defects': defects(m), 'atts': atts,\n\
              'html': m.get_body(('html',)).get_content()})",
        &[&out],
    );
    assert_eq!(
        v["tree"],
        serde_json::json!([
            [0, "multipart/mixed"],
            [1, "multipart/related"],
            [2, "multipart/alternative"],
            [3, "text/plain"],
            [3, "text/html"],
            [3, "text/calendar"],
            [2, "image/png"],
            [1, "application/pdf"],
            [1, "text/plain"]
        ]),
        "{v}"
    );
    assert_eq!(v["defects"], serde_json::json!([]), "{v}");
    assert_eq!(
        v["atts"],
        serde_json::json!([["application/pdf", "r.pdf"], ["text/plain", "notes.txt"]]),
        "{v}"
    );
    // The reloaded model shows what was added.
    let again = load_bytes(out.clone()).unwrap();
    assert_eq!(again.inline_resources().len(), 1);
    assert_eq!(again.attachments().len(), 2);
    assert_eq!(again.alternate_views().len(), 1);
    // A view taken out again (as a meeting update does) removes only its part.
    let mut less = again.clone();
    less.remove_alternate_views("text/calendar");
    let out2 = save(&less);
    assert!(
        !contains(&out2, b"text/calendar"),
        "{}",
        String::from_utf8_lossy(&out2)
    );
    let (_, body1) = split_message(&out);
    let (_, body2) = split_message(&out2);
    assert!(body2.len() < body1.len());
    let again2 = load_bytes(out2).unwrap();
    assert_eq!(again2.alternate_views().len(), 0);
    assert_eq!(again2.attachments().len(), 2);
}

// ---------------------------------------------------------------------------------------------
// Composed messages

/// Scenario 4: an HTML body with a plain-text alternate view is written text/plain first.
#[test]
fn composed_html_body_with_plain_view_writes_plain_first() {
    let mut m = composed();
    m.set_body("<p>The HTML body.</p>");
    m.set_is_body_html(true);
    m.add_alternate_view("text/plain", None, b"The plain view.".to_vec())
        .unwrap();
    let out = to_mime(&m, &opts());
    let v = python(
        "m = msg(0); out({'tree': tree(m), 'defects': defects(m)})",
        &[&out],
    );
    assert_eq!(
        v["tree"],
        serde_json::json!([
            [0, "multipart/alternative"],
            [1, "text/plain"],
            [1, "text/html"]
        ]),
        "{v}"
    );
    assert_eq!(v["defects"], serde_json::json!([]), "{v}");
}

#[test]
fn composed_rfc822_attachment_is_not_base64() {
    let inner = "From: Carol <carol@example.org>\r\nTo: alice@example.com\r\nSubject: inner\r\n\
                 MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n\
                 Content-Transfer-Encoding: 8bit\r\n\r\nGrüße.\r\n";
    let mut m = composed();
    m.set_body("See the attached message.");
    m.add_attachment("fwd.eml", Some("message/rfc822"), inner.as_bytes().to_vec())
        .unwrap();
    let out = to_mime(&m, &opts());
    let v = python(
        "m = msg(0); p = next(m.iter_attachments())\n\
         out({'type': p.get_content_type(), 'cte': p.get('content-transfer-encoding'),\n\
              'subject': p.get_payload()[0]['subject'], 'defects': defects(m)})",
        &[&out],
    );
    assert_eq!(v["type"], "message/rfc822", "{v}");
    let cte = v["cte"].as_str().unwrap_or("7bit").to_ascii_lowercase();
    assert!(cte == "7bit" || cte == "8bit", "{v}");
    assert_eq!(v["subject"], "inner", "{v}");
    assert_eq!(v["defects"], serde_json::json!([]), "{v}");
}

#[test]
fn composed_utf8_text_attachment_has_charset() {
    let text = "Grüße aus Köln — ✓\n";
    let mut m = composed();
    m.set_body("See the notes.");
    m.add_attachment("notes.txt", Some("text/plain"), text.as_bytes().to_vec())
        .unwrap();
    let out = to_mime(&m, &opts());
    let v = python(
        "p = next(msg(0).iter_attachments())\n\
         out([p.get_content_type(), p.get_content_charset(), p.get_content()])",
        &[&out],
    );
    assert_eq!(v[0], "text/plain", "{v}");
    assert_eq!(v[1], "utf-8", "{v}");
    assert_eq!(v[2].as_str().unwrap().replace("\r\n", "\n"), text);
}

// ---------------------------------------------------------------------------------------------
// Limits

/// `levels` multiparts, each inside the one before, around a text leaf of `leaf` bytes.
fn nested(levels: usize, leaf: usize) -> Vec<u8> {
    let mut s = b"From: a@example.com\r\nTo: b@example.net\r\nSubject: nested\r\n".to_vec();
    for i in 0..levels {
        s.extend_from_slice(
            format!("Content-Type: multipart/mixed; boundary=\"b{i}\"\r\n\r\n--b{i}\r\n")
                .as_bytes(),
        );
    }
    s.extend_from_slice(b"Content-Type: text/plain\r\n\r\n");
    s.extend(std::iter::repeat_n(b'x', leaf));
    s.extend_from_slice(b"\r\n");
    for i in (0..levels).rev() {
        s.extend_from_slice(format!("--b{i}--\r\n").as_bytes());
    }
    s
}

/// One multipart holding `parts` text parts.
fn siblings(parts: usize) -> Vec<u8> {
    let mut s = b"From: a@example.com\r\nTo: b@example.net\r\nSubject: wide\r\n\
                  Content-Type: multipart/mixed; boundary=\"w\"\r\n\r\n"
        .to_vec();
    for i in 0..parts {
        s.extend_from_slice(
            format!("--w\r\nContent-Type: text/plain\r\n\r\npart {i}\r\n").as_bytes(),
        );
    }
    s.extend_from_slice(b"--w--\r\n");
    s
}

#[test]
fn nesting_beyond_the_limit_is_too_complex() {
    for levels in [101, 10_000] {
        let e = load_bytes(nested(levels, 10)).unwrap_err();
        assert_eq!(e.kind(), MessageErrorKind::TooComplex, "{levels}: {e}");
    }
}

#[test]
fn nesting_at_the_limit_loads() {
    let bytes = nested(missive::message::tree::MAX_DEPTH, 10);
    let msg = load_bytes(bytes.clone()).expect("100 levels load");
    assert_eq!(msg.body().trim_end(), "x".repeat(10));
    assert!(msg.load_warnings().is_empty(), "{:?}", msg.load_warnings());
    assert_eq!(save(&msg), bytes);
}

#[test]
fn too_many_parts_is_too_complex() {
    let e = load_bytes(siblings(10_001)).unwrap_err();
    assert_eq!(e.kind(), MessageErrorKind::TooComplex, "{e}");
    // The limit counts the parts, not the message (the root multipart) itself.
    let max = missive::message::tree::MAX_PARTS;
    let msg = load_bytes(siblings(max)).expect("MAX_PARTS parts load");
    assert_eq!(msg.body().trim_end(), "part 0");
}

// ---------------------------------------------------------------------------------------------
// Layering

/// The message layer stands on its own: no file of src/message uses the delivery, TNEF,
/// calendar, SMTP or C layers (comments may name them).
#[test]
fn message_layer_uses_no_upper_layer() {
    // The check itself finds uses and passes over comments.
    let sample = "use crate::{\n    message::x,\n    tnef::y,\n};\n\
                  // crate::deliver in a comment\n/* crate::smtp */ let q = '\"';\n\
                  fn f() { crate::ffi::g(); }\n/// see `crate::calendar`\n";
    let found = upper_layer_uses(sample);
    assert_eq!(found.len(), 2, "{found:?}");
    assert!(found.iter().any(|f| f.contains("names tnef")), "{found:?}");
    assert!(
        found.iter().any(|f| f.contains("crate::ffi::g")),
        "{found:?}"
    );

    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("src/message");
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "rs"))
        .collect();
    files.sort();
    assert!(files.len() > 3, "{files:?}");
    let mut found = Vec::new();
    for f in &files {
        let text = std::fs::read_to_string(f).unwrap();
        let name = f.file_name().unwrap().to_string_lossy();
        found.extend(
            upper_layer_uses(&text)
                .into_iter()
                .map(|u| format!("{name}: {u}")),
        );
    }
    assert!(
        found.is_empty(),
        "the message layer uses an upper layer:\n{}",
        found.join("\n")
    );
}

const UPPER_LAYERS: [&str; 5] = ["deliver", "tnef", "calendar", "smtp", "ffi"];

/// Where Rust source `text` names an upper layer outside comments: `crate::deliver...`,
/// `super::super::deliver...`, or inside a `crate::{...}` group (over several lines too).
fn upper_layer_uses(text: &str) -> Vec<String> {
    let code = strip_comments(text);
    let mut found = Vec::new();
    for (n, line) in code.lines().enumerate() {
        let compact: String = line.split_whitespace().collect();
        for m in UPPER_LAYERS {
            if compact.contains(&format!("crate::{m}"))
                || compact.contains(&format!("super::super::{m}"))
            {
                found.push(format!("line {}: {}", n + 1, line.trim()));
            }
        }
    }
    let compact: String = code.split_whitespace().collect();
    let mut rest = compact.as_str();
    while let Some(at) = rest.find("crate::{") {
        let group = &rest[at + "crate::{".len()..];
        let mut depth = 1;
        let end = group
            .char_indices()
            .find(|&(_, c)| {
                depth += match c {
                    '{' => 1,
                    '}' => -1,
                    _ => 0,
                };
                depth == 0
            })
            .map_or(group.len(), |(i, _)| i);
        let group = &group[..end];
        for m in UPPER_LAYERS {
            if group
                .split(['{', '}', ','])
                .any(|t| t == m || t.starts_with(&format!("{m}::")))
            {
                found.push(format!("use crate::{{{group}}} names {m}"));
            }
        }
        rest = &rest[at + 1..];
    }
    found
}

/// `text` with `//` line comments and `/* */` block comments blanked (line breaks kept), string
/// and char literals left as they are.
fn strip_comments(text: &str) -> String {
    let b = text.as_bytes();
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'/' if b.get(i + 1) == Some(&b'/') => {
                while i < b.len() && b[i] != b'\n' {
                    i += 1;
                }
            }
            b'/' if b.get(i + 1) == Some(&b'*') => {
                let mut depth = 0;
                while i < b.len() {
                    if b[i] == b'/' && b.get(i + 1) == Some(&b'*') {
                        depth += 1;
                        i += 2;
                    } else if b[i] == b'*' && b.get(i + 1) == Some(&b'/') {
                        depth -= 1;
                        i += 2;
                        if depth == 0 {
                            break;
                        }
                    } else {
                        if b[i] == b'\n' {
                            out.push('\n');
                        }
                        i += 1;
                    }
                }
            }
            b'"' => {
                let start = i;
                i += 1;
                while i < b.len() && b[i] != b'"' {
                    i += if b[i] == b'\\' { 2 } else { 1 };
                }
                i = (i + 1).min(b.len());
                out.push_str(&text[start..i]);
            }
            // A char literal ('"', '\'', '\u{..}'); a lifetime has no closing quote.
            b'\'' => {
                let rest = &text[i + 1..];
                let len = if let Some(esc) = rest.strip_prefix('\\') {
                    esc.find('\'').map(|p| p + 1)
                } else {
                    rest.chars()
                        .next()
                        .filter(|c| rest[c.len_utf8()..].starts_with('\''))
                        .map(|c| c.len_utf8())
                };
                let end = len.map_or(i + 1, |l| i + 1 + l + 1);
                out.push_str(&text[i..end]);
                i = end;
            }
            _ => {
                let c = text[i..].chars().next().unwrap();
                out.push(c);
                i += c.len_utf8();
            }
        }
    }
    out
}
