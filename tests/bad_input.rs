//! Bad input: garbage and truncated EML, missing files, header injection, invalid names, content
//! types and content-ids, and a property-style loop that must never panic.

#[path = "support/shapes.rs"]
mod shapes;

use std::panic::{AssertUnwindSafe, catch_unwind};

use missive::message::eml::{LoadOptions, load_bytes, load_bytes_with, load_path};
use missive::message::{
    MailAddress, MailMessage, MessageError, MessageErrorKind, RecipientKind, to_mime,
};
use shapes::Rng;

/// Loads strictly: what a lenient load accepts with a warning is refused.
fn load_err(bytes: &[u8]) -> MessageError {
    match load_bytes_with(bytes.to_vec(), &LoadOptions { strict: true }) {
        Ok(m) => panic!(
            "{:?} loaded as a message: {m:?}",
            String::from_utf8_lossy(&bytes[..bytes.len().min(80)])
        ),
        Err(e) => e,
    }
}

fn assert_err(e: &MessageError, kind: MessageErrorKind, needles: &[&str]) {
    assert_eq!(e.kind(), kind, "{}", e.message());
    let msg = e.message().to_ascii_lowercase();
    assert!(
        needles
            .iter()
            .any(|n| msg.contains(&n.to_ascii_lowercase())),
        "message {:?} names none of {needles:?}",
        e.message()
    );
}

#[test]
fn garbage_is_malformed() {
    let mut rng = Rng::new(99);
    let mut random = rng.bytes(512);
    random[0] = 0x9c; // not a header name character
    assert_err(
        &load_err(&random),
        MessageErrorKind::MalformedEml,
        &["not a header", "nul"],
    );
    assert_err(&load_err(b""), MessageErrorKind::MalformedEml, &["empty"]);
    assert_err(
        &load_err(b"  \r\n\t\n \n"),
        MessageErrorKind::MalformedEml,
        &["empty"],
    );
    assert_err(
        &load_err(b"\0\0\0\x01binary\0data"),
        MessageErrorKind::MalformedEml,
        &["nul", "not a header"],
    );
    assert_err(
        &load_err(b"Subject: fine\r\nX-Bin: a\0b\r\n\r\nbody"),
        MessageErrorKind::MalformedEml,
        &["line 2", "nul"],
    );
    assert_err(
        &load_err(b"Dear Bob, this is a letter and not a header section.\r\nRegards\r\n\r\nBody"),
        MessageErrorKind::MalformedEml,
        &["line 1 is not a header"],
    );
    assert_err(
        &load_err(b"Subject: ok\r\nthen some prose without a colon\r\n\r\nbody"),
        MessageErrorKind::MalformedEml,
        &["line 2 is not a header"],
    );
    assert_err(
        &load_err(b" folded: first\r\n\r\n"),
        MessageErrorKind::MalformedEml,
        &["folded"],
    );
    assert_err(
        &load_err(b": no name\r\n\r\n"),
        MessageErrorKind::MalformedEml,
        &["not a header"],
    );
}

/// Read leniently (the default), what a strict load refuses loads as Python's `email` and
/// MimeKit read it, with a warning naming the problem.
#[test]
fn lenient_load_keeps_what_it_can_with_warnings() {
    let unclosed = b"From: a@example.com\r\nContent-Type: multipart/mixed; boundary=\"OUTER\"\r\n\r\n\
--OUTER\r\nContent-Type: text/plain\r\n\r\nhello\r\n--OUTER\r\nContent-Type: text/plain\r\n\r\nsecond\r\n";
    let m = load_bytes(unclosed.to_vec()).unwrap();
    assert_eq!(m.body(), "hello");
    let w = m.load_warnings();
    assert_eq!(w.len(), 1, "{w:?}");
    assert!(w[0].contains("--OUTER--"), "{w:?}");
    // Saved unchanged, it is the bytes it came from; it reloads.
    let saved = to_mime(&m, &Default::default());
    assert_eq!(saved, unclosed);
    load_bytes(saved).unwrap();

    let prose = b"Subject: ok\r\nthen some prose without a colon\r\n\r\nbody";
    let m = load_bytes(prose.to_vec()).unwrap();
    assert_eq!(m.subject(), "ok");
    assert!(m.body().starts_with("then some prose"), "{:?}", m.body());
    assert!(
        m.load_warnings()[0].contains("line 2"),
        "{:?}",
        m.load_warnings()
    );
}

#[test]
fn multipart_without_closing_boundary_is_truncated() {
    let eml = b"From: a@example.com\r\nTo: b@example.org\r\nSubject: t\r\nMIME-Version: 1.0\r\n\
Content-Type: multipart/mixed; boundary=\"OUTER\"\r\n\r\n--OUTER\r\nContent-Type: text/plain\r\n\r\n\
hello\r\n--OUTER\r\nContent-Type: text/plain\r\n\r\nsecond part, then the file ends\r\n";
    assert_err(
        &load_err(eml),
        MessageErrorKind::TruncatedEml,
        &["--OUTER--"],
    );
}

#[test]
fn nested_multipart_truncated_inside_is_truncated() {
    let eml = b"From: a@example.com\r\nTo: b@example.org\r\nSubject: t\r\nMIME-Version: 1.0\r\n\
Content-Type: multipart/mixed; boundary=\"OUTER\"\r\n\r\n--OUTER\r\n\
Content-Type: multipart/alternative; boundary=\"INNER\"\r\n\r\n--INNER\r\nContent-Type: text/plain\r\n\r\n\
plain\r\n--INNER\r\nContent-Type: text/html\r\n\r\n<p>cut he";
    let e = load_err(eml);
    assert_err(
        &e,
        MessageErrorKind::TruncatedEml,
        &["--INNER--", "--OUTER--"],
    );
    assert!(e.message().contains("truncated"), "{}", e.message());
}

#[test]
fn truncated_base64_attachment_is_truncated() {
    // A shape's output cut in the middle of its base64 attachment.
    let s = shapes::build("alternative_attachment");
    let out = to_mime(&s.msg, &shapes::opts(s.name));
    let pdf_at = out
        .windows(15)
        .position(|w| w == b"application/pdf")
        .unwrap();
    let cut = pdf_at + (out.len() - pdf_at) / 2;
    let e = load_err(&out[..cut]);
    assert_err(
        &e,
        MessageErrorKind::TruncatedEml,
        &["--=_shape-alternative_attachment"],
    );
    // The untruncated output loads.
    load_bytes(out).unwrap();
}

#[test]
fn missing_file_and_directory() {
    let tmp = tempfile::tempdir().unwrap();
    let missing = tmp.path().join("nope.eml");
    let e = load_path(&missing).unwrap_err();
    assert_eq!(e.kind(), MessageErrorKind::NotFound, "{}", e.message());
    assert!(e.message().contains("nope.eml"), "{}", e.message());
    let e = load_path(tmp.path()).unwrap_err();
    assert_eq!(
        e.kind(),
        MessageErrorKind::InvalidArgument,
        "{}",
        e.message()
    );
    assert!(e.message().contains("directory"), "{}", e.message());
    // A file with garbage names the file and the problem.
    let bad = tmp.path().join("bad.eml");
    std::fs::write(&bad, b"just some words\r\n").unwrap();
    let e = load_path(&bad).unwrap_err();
    assert_eq!(e.kind(), MessageErrorKind::MalformedEml);
    assert!(
        e.message().contains("bad.eml") && e.message().contains("not a header"),
        "{}",
        e.message()
    );
}

const INJECTIONS: &[&str] = &[
    "hello\r\nBcc: victim@example.com",
    "hello\nX-Injected: yes",
    "hello\rthere",
    "nul\0byte",
    "\r\n",
];

#[test]
fn subject_and_header_values_reject_line_breaks() {
    let mut m = MailMessage::new();
    for v in INJECTIONS {
        let e = m.set_subject(v).unwrap_err();
        assert_eq!(e.kind(), MessageErrorKind::InvalidHeader, "{v:?}");
        assert!(e.message().contains("control character"), "{}", e.message());
        let e = m.add_header("X-Test", v).unwrap_err();
        assert_eq!(e.kind(), MessageErrorKind::InvalidHeader, "{v:?}");
        assert!(e.message().contains("X-Test"), "{}", e.message());
        let e = m
            .add_attachment(&format!("a{v}.txt"), None, b"x".to_vec())
            .unwrap_err();
        assert_eq!(e.kind(), MessageErrorKind::InvalidHeader, "{v:?}");
        let e = m
            .set_message_id(Some(&format!("id{v}@example.com")))
            .unwrap_err();
        assert_eq!(e.kind(), MessageErrorKind::InvalidHeader, "{v:?}");
    }
    // Nothing was changed by the failed calls.
    assert_eq!(m, MailMessage::new());
    // Tabs are fine.
    m.set_subject("a\tb").unwrap();
    m.add_header("X-Test", "a\tb").unwrap();
}

#[test]
fn addresses_and_display_names_reject_line_breaks() {
    for v in INJECTIONS {
        let e = MailAddress::new("a@example.com", Some(&format!("Name{v}"))).unwrap_err();
        assert_eq!(e.kind(), MessageErrorKind::InvalidAddress, "{v:?}");
        assert!(e.message().contains("control character"), "{}", e.message());
        let e = MailAddress::new(&format!("a{v}@example.com"), None).unwrap_err();
        assert_eq!(e.kind(), MessageErrorKind::InvalidAddress, "{v:?}");
        let e = MailAddress::parse(&format!("Name <a@example.com>{v}")).unwrap_err();
        assert_eq!(e.kind(), MessageErrorKind::InvalidAddress, "{v:?}");
        let mut m = MailMessage::new();
        let e = m
            .add_recipients_str(
                RecipientKind::To,
                &format!("x@example.com, Name{v} <a@example.com>"),
            )
            .unwrap_err();
        assert_eq!(e.kind(), MessageErrorKind::InvalidAddress, "{v:?}");
        assert!(
            m.recipients(RecipientKind::To).is_empty(),
            "partial list added"
        );
    }
    let e = MailAddress::parse("a@example.com\r\n").unwrap_err();
    assert!(e.message().contains("CR"), "{}", e.message());
}

#[test]
fn header_names_are_validated() {
    let mut m = MailMessage::new();
    for name in [
        "X Bad",
        "X:Bad",
        "X-Ünïcode",
        "",
        " ",
        "X-\tTab",
        "X-Bad\r\nBcc",
        &"X".repeat(77),
    ] {
        let e = m.add_header(name, "v").unwrap_err();
        assert_eq!(e.kind(), MessageErrorKind::InvalidHeader, "{name:?}");
    }
    for name in [
        "From",
        "to",
        "CC",
        "Bcc",
        "BCC",
        "Reply-To",
        "Subject",
        "Date",
        "Message-ID",
        "MIME-Version",
        "Content-Type",
        "content-transfer-encoding",
        "Content-Disposition",
        "Content-ID",
        "Sender",
        "X-Priority",
        "Importance",
    ] {
        let e = m.add_header(name, "v").unwrap_err();
        assert_eq!(e.kind(), MessageErrorKind::InvalidHeader, "{name:?}");
        assert!(e.message().contains("own property"), "{}", e.message());
    }
    assert!(m.headers().is_empty());
    m.add_header(&"X".repeat(76), "v").unwrap();
}

#[test]
fn content_types_and_content_ids_are_validated() {
    let mut m = MailMessage::new();
    for ct in [
        "nonsense",
        "text/",
        "/plain",
        "text/pl ain",
        "text plain",
        "tëxt/plain",
        "text/plain\r\nX: y",
    ] {
        let e = m
            .add_attachment("a.bin", Some(ct), b"x".to_vec())
            .unwrap_err();
        assert!(
            matches!(
                e.kind(),
                MessageErrorKind::InvalidArgument | MessageErrorKind::InvalidHeader
            ),
            "{ct:?}: {e:?}"
        );
        if !ct.contains('\n') {
            assert_eq!(e.kind(), MessageErrorKind::InvalidArgument, "{ct:?}");
            assert!(e.message().contains("type/subtype"), "{}", e.message());
        }
        let e = m.add_alternate_view(ct, None, b"x".to_vec()).unwrap_err();
        assert!(
            matches!(
                e.kind(),
                MessageErrorKind::InvalidArgument | MessageErrorKind::InvalidHeader
            ),
            "{ct:?}"
        );
    }
    let e = m
        .add_alternate_view("text/plain; charset=utf-8", None, b"x".to_vec())
        .unwrap_err();
    assert_eq!(e.kind(), MessageErrorKind::InvalidArgument);
    let e = m
        .add_alternate_view("text/plain", Some("utf 8"), b"x".to_vec())
        .unwrap_err();
    assert_eq!(e.kind(), MessageErrorKind::InvalidArgument);
    let e = m
        .add_alternate_view("text/plain", None, vec![0xff, 0xfe])
        .unwrap_err();
    assert_eq!(e.kind(), MessageErrorKind::InvalidArgument);
    assert!(e.message().contains("UTF-8"), "{}", e.message());
    for cid in ["", "<>", "a b", "a<b", "a\"b", "a,b", "a;b", "ü@x", "a@[b]"] {
        let e = m
            .add_inline_resource(cid, "i.png", None, b"x".to_vec())
            .unwrap_err();
        assert_eq!(e.kind(), MessageErrorKind::InvalidArgument, "{cid:?}");
        assert!(e.message().contains("content-id"), "{}", e.message());
    }
    let e = m
        .add_attachment("dir/a.txt", None, b"x".to_vec())
        .unwrap_err();
    assert_eq!(e.kind(), MessageErrorKind::InvalidArgument);
    let e = m.add_attachment("  ", None, b"x".to_vec()).unwrap_err();
    assert_eq!(e.kind(), MessageErrorKind::InvalidArgument);
    assert!(
        m.attachments().is_empty()
            && m.inline_resources().is_empty()
            && m.alternate_views().is_empty()
    );
}

/// Loads `bytes`, catching panics; returns a description of a panic.
fn load_no_panic(bytes: &[u8]) -> Result<Result<(), MessageErrorKind>, String> {
    let v = bytes.to_vec();
    catch_unwind(AssertUnwindSafe(move || {
        load_bytes_with(v, &LoadOptions { strict: true })
            .map(|_| ())
            .map_err(|e| e.kind())
    }))
    .map_err(|p| {
        p.downcast_ref::<String>()
            .cloned()
            .or_else(|| p.downcast_ref::<&str>().map(|s| s.to_string()))
            .unwrap_or_default()
    })
}

#[test]
fn random_and_mutated_input_never_panics() {
    let mut rng = Rng::new(2024);
    let mut panics: Vec<String> = Vec::new();
    let mut kinds = std::collections::BTreeMap::<String, usize>::new();
    let mut record =
        |input: &[u8], what: String, r: Result<Result<(), MessageErrorKind>, String>| match r {
            Ok(Ok(())) => *kinds.entry("Ok".into()).or_default() += 1,
            Ok(Err(k)) => *kinds.entry(format!("{k:?}")).or_default() += 1,
            Err(p) => panics.push(format!(
                "{what}: panic {p:?} on {:?}",
                String::from_utf8_lossy(&input[..input.len().min(120)])
            )),
        };
    // 2,000 random byte strings, some starting like a header section.
    for i in 0..2000 {
        let len = rng.below(600);
        let mut b = rng.bytes(len);
        if i % 3 == 0 {
            let mut h = b"Content-Type: multipart/mixed; boundary=x\r\n\r\n--x\r\n".to_vec();
            h.extend_from_slice(&b);
            b = h;
        } else if i % 3 == 1 {
            // Mostly printable.
            const ALPHABET: &[u8] = b" :\r\n-=?abcXYZ;<>\"@";
            for c in &mut b {
                *c = ALPHABET[(*c as usize) % ALPHABET.len()];
            }
        }
        let r = load_no_panic(&b);
        record(&b, format!("random #{i}"), r);
    }
    // 2,000 mutations of valid output.
    let sources: Vec<Vec<u8>> = [
        "alternative_attachment",
        "mixed_related_alternative",
        "non_ascii_display_names",
        "calendar_view",
        "custom_headers",
        "deep_nesting",
    ]
    .iter()
    .map(|n| to_mime(&shapes::build(n).msg, &shapes::opts(n)))
    .collect();
    for i in 0..2000 {
        let src = &sources[i % sources.len()];
        let mut b = src.clone();
        match i % 4 {
            0 => b.truncate(rng.below(b.len())),
            1 => {
                for _ in 0..1 + rng.below(8) {
                    let p = rng.below(b.len());
                    b[p] ^= 1 << rng.below(8);
                }
            }
            2 => {
                for _ in 0..1 + rng.below(8) {
                    let p = rng.below(b.len());
                    b[p] = [b'\r', b'\n', b'-', b':', b'=', b'"', 0, 0xff][rng.below(8)];
                }
            }
            _ => {
                let p = rng.below(b.len());
                let q = (p + rng.below(400)).min(b.len());
                b.drain(p..q);
                b.truncate(b.len() - rng.below(b.len() / 4 + 1));
            }
        }
        let r = load_no_panic(&b);
        record(&b, format!("mutation #{i}"), r);
    }
    println!("outcomes of 4,000 inputs: {kinds:?}");
    assert!(
        panics.is_empty(),
        "{} panics:\n{}",
        panics.len(),
        panics[..panics.len().min(10)].join("\n")
    );
    assert_eq!(kinds.values().sum::<usize>(), 4000);
    assert!(
        kinds.contains_key("MalformedEml") && kinds.contains_key("TruncatedEml"),
        "{kinds:?}"
    );
}

/// A header value with a run of non-blank characters too long to fold within 998 octets is
/// refused with a message that says why, and nothing is added.
#[test]
fn unfoldable_header_value_is_refused() {
    let mut m = MailMessage::new();
    let token: String = std::iter::repeat_n('x', 1200).collect();
    let e = m.add_header("X-Token", &token).unwrap_err();
    assert_eq!(e.kind(), MessageErrorKind::InvalidHeader);
    assert!(e.message().contains("998"), "{}", e.message());
    assert!(m.headers().is_empty());
    // The same run split by spaces folds fine.
    let spaced: String = token
        .as_bytes()
        .chunks(100)
        .map(|c| std::str::from_utf8(c).unwrap())
        .collect::<Vec<_>>()
        .join(" ");
    m.add_header("X-Token", &spaced).unwrap();
}
