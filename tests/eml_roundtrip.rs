//! Build -> to_mime -> load_bytes -> save -> load_bytes for every shape, and hand-written .eml
//! fixtures (tests/fixtures/eml/) mapped into the model.

#[path = "support/shapes.rs"]
mod shapes;

use std::path::{Path, PathBuf};

use missive::deliver::save_path;
use missive::message::eml::{load_bytes, load_path};
use missive::message::{
    AlternateView, Attachment, DeliveryNotification, MailAddress, MailMessage, Priority,
    RecipientKind, to_mime,
};

/// Line breaks as LF: the writer turns CRLF, lone LF and lone CR into CRLF.
fn lf(s: &str) -> String {
    s.replace("\r\n", "\n").replace('\r', "\n")
}

fn lf_bytes(b: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'\r' {
            // CRLF and a lone CR both mean one line break.
            out.push(b'\n');
            i += if b.get(i + 1) == Some(&b'\n') { 2 } else { 1 };
            continue;
        }
        out.push(b[i]);
        i += 1;
    }
    out
}

fn addrs(list: &[MailAddress]) -> Vec<(Option<String>, String)> {
    list.iter()
        .map(|a| (a.display_name().map(str::to_string), a.address()))
        .collect()
}

fn view_key(v: &AlternateView) -> (String, Option<String>, Vec<u8>) {
    let text = v.content_type.to_ascii_lowercase().starts_with("text/");
    (
        v.content_type.to_ascii_lowercase(),
        v.charset.clone(),
        if text {
            lf_bytes(&v.content)
        } else {
            v.content.clone()
        },
    )
}

fn att_key(a: &Attachment) -> (String, String, Vec<u8>, Option<String>) {
    (
        a.name.clone(),
        a.content_type.clone(),
        (*a.content).clone(),
        a.content_id.clone(),
    )
}

/// Differences between what was built and what was loaded back, after the documented
/// normalisations: Bcc and DSN are not in MIME, line endings of text are CRLF on the wire, the
/// `is_body_html` rule, and the date / Message-ID the writer supplies when the model has none.
fn model_diffs(built: &MailMessage, loaded: &MailMessage, default_date: i64) -> Vec<String> {
    let mut d = Vec::new();
    macro_rules! cmp {
        ($what:expr, $a:expr, $b:expr) => {
            if $a != $b {
                d.push(format!("{}: built {:?}, loaded {:?}", $what, $a, $b));
            }
        };
    }
    cmp!(
        "from",
        built.from().map(|a| addrs(std::slice::from_ref(a))),
        loaded.from().map(|a| addrs(std::slice::from_ref(a)))
    );
    cmp!(
        "sender",
        built.sender().map(|a| addrs(std::slice::from_ref(a))),
        loaded.sender().map(|a| addrs(std::slice::from_ref(a)))
    );
    for kind in [RecipientKind::To, RecipientKind::Cc, RecipientKind::ReplyTo] {
        cmp!(
            format!("{kind:?}"),
            addrs(built.recipients(kind)),
            addrs(loaded.recipients(kind))
        );
    }
    cmp!(
        "bcc (never written)",
        0,
        loaded.recipients(RecipientKind::Bcc).len()
    );
    cmp!("subject", built.subject(), loaded.subject());
    let (bt, bh) = built.effective_bodies();
    let (lt, lh) = loaded.effective_bodies();
    cmp!("text body", bt.map(lf), lt.map(lf));
    cmp!("html body", bh.map(lf), lh.map(lf));
    cmp!(
        "alternate views",
        built
            .alternate_views()
            .iter()
            .map(view_key)
            .collect::<Vec<_>>(),
        loaded
            .alternate_views()
            .iter()
            .map(view_key)
            .collect::<Vec<_>>()
    );
    let a1: Vec<_> = built.attachments().iter().map(att_key).collect();
    let a2: Vec<_> = loaded.attachments().iter().map(att_key).collect();
    if a1 != a2 {
        d.push(format!(
            "attachments: built {:?}, loaded {:?}",
            a1.iter()
                .map(|a| (&a.0, &a.1, a.2.len(), &a.3))
                .collect::<Vec<_>>(),
            a2.iter()
                .map(|a| (&a.0, &a.1, a.2.len(), &a.3))
                .collect::<Vec<_>>()
        ));
        for (x, y) in a1.iter().zip(&a2) {
            if x.2 != y.2 {
                d.push(format!(
                    "attachment {:?} bytes differ: built {:?}, loaded {:?}",
                    x.0,
                    String::from_utf8_lossy(&x.2[..x.2.len().min(60)]),
                    String::from_utf8_lossy(&y.2[..y.2.len().min(60)])
                ));
            }
        }
    }
    let i1: Vec<_> = built.inline_resources().iter().map(att_key).collect();
    let i2: Vec<_> = loaded.inline_resources().iter().map(att_key).collect();
    cmp!(
        "inline resources",
        i1.iter()
            .map(|a| (&a.0, &a.1, a.2.len(), &a.3))
            .collect::<Vec<_>>(),
        i2.iter()
            .map(|a| (&a.0, &a.1, a.2.len(), &a.3))
            .collect::<Vec<_>>()
    );
    cmp!(
        "inline resource bytes",
        i1.iter().map(|a| &a.2).collect::<Vec<_>>(),
        i2.iter().map(|a| &a.2).collect::<Vec<_>>()
    );
    cmp!("custom headers", built.headers(), loaded.headers());
    cmp!("priority", built.priority(), loaded.priority());
    cmp!(
        "date",
        Some(built.date().unwrap_or((default_date, 0))),
        loaded.date()
    );
    match built.message_id() {
        Some(id) => cmp!("message id", Some(id), loaded.message_id()),
        None => {
            if loaded.message_id().is_none() {
                d.push("message id: none loaded, but to_mime always writes one".into());
            }
        }
    }
    cmp!(
        "dsn (not in MIME)",
        &DeliveryNotification::default(),
        loaded.delivery_notification()
    );
    d
}

fn roundtrip(name: &str) {
    let shape = shapes::build(name);
    let opts = shapes::opts(name);
    let out0 = to_mime(&shape.msg, &opts);
    let m1 = load_bytes(out0.clone()).unwrap_or_else(|e| panic!("{name}: load 1: {e}"));
    assert_eq!(
        m1.original_bytes().map(|b| b.as_slice()),
        Some(&out0[..]),
        "{name}: original bytes kept"
    );
    let dir = tempfile::tempdir().unwrap();
    let (p1, p2) = (dir.path().join("one.eml"), dir.path().join("two.eml"));
    save_path(&m1, &opts, &p1).unwrap();
    let s1 = std::fs::read(&p1).unwrap();
    assert_eq!(
        s1,
        to_mime(&m1, &opts),
        "{name}: save_path writes to_mime's bytes"
    );
    let m2 = load_path(&p1).unwrap_or_else(|e| panic!("{name}: load 2: {e}"));
    assert_eq!(m2.original_bytes().map(|b| b.as_slice()), Some(&s1[..]));
    save_path(&m2, &opts, &p2).unwrap();
    let s2 = std::fs::read(&p2).unwrap();
    let diffs = model_diffs(&shape.msg, &m1, shapes::DEFAULT_DATE);
    assert!(
        diffs.is_empty(),
        "{name}: loaded model differs from the built one:\n  {}",
        diffs.join("\n  ")
    );
    assert!(
        m1 == m2,
        "{name}: model changes on the second round trip:\n  {}",
        model_diffs(&m1, &m2, 0).join("\n  ")
    );
    if s1 != s2 {
        let (a, b) = (String::from_utf8_lossy(&s1), String::from_utf8_lossy(&s2));
        let first = a.lines().zip(b.lines()).position(|(x, y)| x != y);
        panic!("{name}: second save differs from the first (first differing line {first:?})");
    }
    // No temporary files are left beside the saved ones.
    let left: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(left.len(), 2, "{name}: {left:?}");
}

macro_rules! bug_roundtrips {
    ($($name:ident: $why:literal),* $(,)?) => {
        $( #[test] #[ignore = $why] fn $name() { roundtrip(stringify!($name)); } )*
        const BUGS: &[&str] = &[$(stringify!($name)),*];
    };
}

bug_roundtrips!();

macro_rules! roundtrips {
    ($($name:ident),* $(,)?) => {
        $( #[test] fn $name() { roundtrip(stringify!($name)); } )*
        const TESTED: &[&str] = &[$(stringify!($name)),*];
    };
}

roundtrips!(
    binary_view,
    latin1_text_attachment,
    custom_headers,
    long_header_values,
    plain_text,
    html_only,
    html_via_is_body_html,
    alternative,
    alternative_attachment,
    mixed_related_alternative,
    inline_images_only,
    nameless_inline,
    many_attachment_types,
    large_attachment,
    text_attachment_exact,
    non_ascii_filename,
    non_ascii_subject,
    non_ascii_display_names,
    idn_domain,
    smtputf8_local_part,
    long_body_lines,
    long_subject,
    long_unbreakable_header,
    priority_high,
    priority_low,
    reply_to_and_sender,
    bcc_hidden,
    many_recipients,
    empty_body,
    whitespace_body,
    dot_and_from_lines,
    bare_cr_body,
    calendar_view,
    deep_nesting,
    fixed_date_and_id,
    dsn_options,
);

#[test]
fn every_shape_is_round_tripped() {
    for n in shapes::NAMES {
        assert!(
            TESTED.contains(n) || BUGS.contains(n),
            "shape {n} has no round-trip test"
        );
    }
}

// ---------------------------------------------------------------------------------------------
// Hand-written fixtures.

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/eml")
        .join(name)
}

/// Loads a fixture through both entry points and checks that the original bytes are kept.
fn load_fixture(name: &str) -> MailMessage {
    let path = fixture(name);
    let bytes = std::fs::read(&path).unwrap();
    let m = load_path(&path).unwrap_or_else(|e| panic!("{name}: {e}"));
    assert_eq!(
        m.original_bytes().map(|b| b.as_slice()),
        Some(&bytes[..]),
        "{name}: original bytes"
    );
    let m2 = load_bytes(bytes.clone()).unwrap();
    assert!(m == m2, "{name}: load_path and load_bytes disagree");
    assert_eq!(m2.original_bytes().map(|b| b.as_slice()), Some(&bytes[..]));
    m
}

fn one(a: Option<&MailAddress>) -> (Option<String>, String) {
    let a = a.expect("address present");
    (a.display_name().map(str::to_string), a.address())
}

fn pair(name: Option<&str>, addr: &str) -> (Option<String>, String) {
    (name.map(str::to_string), addr.to_string())
}

fn text_eq(got: Option<&str>, want: &str) -> bool {
    got.is_some_and(|g| lf(g).trim_end() == want.trim_end())
}

#[test]
fn fixture_thunderbird_alternative_with_inline_image() {
    let m = load_fixture("thunderbird_inline.eml");
    assert_eq!(
        one(m.from()),
        pair(Some("Alice Sender"), "alice@example.com")
    );
    assert_eq!(
        addrs(m.recipients(RecipientKind::To)),
        [pair(Some("Bob Receiver"), "bob@example.org")]
    );
    assert_eq!(m.subject(), "Thunderbird with an inline image");
    assert_eq!(m.date(), Some((1_709_543_730, 60)));
    assert_eq!(
        m.message_id(),
        Some("3b1c2f4e-1111-4a2b-9c3d-abcdef012345@example.com")
    );
    let (text, html) = m.effective_bodies();
    assert!(
        text_eq(text, "Hello Bob,\n\nhere is the logo:\n\nAlice\n"),
        "{text:?}"
    );
    let html = html.expect("html body");
    assert!(
        html.contains("<img src=\"cid:part1.AbCdEf01.GhIjKl23@example.com\""),
        "{html}"
    );
    assert!(m.alternate_views().is_empty(), "{:?}", m.alternate_views());
    assert!(m.attachments().is_empty());
    let inl = m.inline_resources();
    assert_eq!(inl.len(), 1);
    assert_eq!(inl[0].name, "logo.png");
    assert_eq!(inl[0].content_type, "image/png");
    assert_eq!(
        inl[0].content_id.as_deref(),
        Some("part1.AbCdEf01.GhIjKl23@example.com")
    );
    assert_eq!(
        inl[0].content.as_slice(),
        b"\x89PNG\r\n\x1a\n\0\0\0\rIHDRfake-thunderbird-image"
    );
    assert!(
        m.header("User-Agent")
            .is_some_and(|v| v == "Mozilla Thunderbird")
    );
}

#[test]
fn fixture_outlook_message_with_attachments() {
    let m = load_fixture("outlook_attachments.eml");
    assert_eq!(
        one(m.from()),
        pair(Some("Doe, Jane"), "jane.doe@corp.example")
    );
    assert_eq!(
        addrs(m.recipients(RecipientKind::To)),
        [
            pair(Some("Smith, John"), "john.smith@corp.example"),
            pair(Some("Team"), "team@corp.example")
        ]
    );
    assert_eq!(
        addrs(m.recipients(RecipientKind::Cc)),
        [pair(Some("Carol"), "carol@corp.example")]
    );
    assert_eq!(m.priority(), Priority::High);
    let (text, html) = m.effective_bodies();
    assert!(
        text_eq(
            text,
            "Hi John,\n\nplease find the figures attached. This line is long enough that Outlook \
             wraps it with a soft line break.\n\nJane\n"
        ),
        "{text:?}"
    );
    assert!(
        html.is_some_and(|h| h.contains("please find the figures attached.</p>")),
        "{html:?}"
    );
    let att = m.attachments();
    assert_eq!(att.len(), 2, "{att:?}");
    assert_eq!(att[0].name, "Q1 figures.pdf");
    assert_eq!(att[0].content_type, "application/pdf");
    assert_eq!(
        att[0].content.as_slice(),
        b"%PDF-1.5\n%outlook fake pdf\n%%EOF\n"
    );
    assert_eq!(att[1].name, "notes.docx");
    assert_eq!(
        att[1].content_type,
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
    );
    assert_eq!(att[1].content.as_slice(), b"PK\x03\x04docx-bytes\x00\xff");
    assert!(m.inline_resources().is_empty());
    for (name, value) in [
        ("Thread-Topic", "Q1 figures"),
        ("Thread-Index", "AdpuQ2v1c3RhcnQxMjM0NTY3ODkw"),
        ("Accept-Language", "en-US, de-DE"),
        ("X-MS-Has-Attach", "yes"),
    ] {
        assert_eq!(m.header(name), Some(value), "{name} in {:?}", m.headers());
    }
    // Structural headers are not duplicated as custom headers.
    for h in m.headers() {
        let l = h.name.to_ascii_lowercase();
        assert!(
            ![
                "from",
                "to",
                "cc",
                "subject",
                "content-type",
                "x-priority",
                "importance",
                "mime-version"
            ]
            .contains(&l.as_str()),
            "{h:?}"
        );
    }
}

#[test]
fn fixture_unknown_headers_are_kept() {
    let m = load_fixture("unknown_headers.eml");
    assert_eq!(one(m.from()), pair(None, "alice@example.com"));
    assert_eq!(m.header("X-Mailer"), Some("Hand-Written 1.0"));
    assert_eq!(m.header("X-Spam-Score"), Some("-0.1"));
    assert_eq!(m.header("X-Custom-Empty-Looking"), Some("value"));
    assert_eq!(
        m.header("List-Unsubscribe"),
        Some("<mailto:unsub@example.com>")
    );
    assert!(m.header("Received").is_some(), "{:?}", m.headers());
    assert!(m.header("X-Folded-Header").is_some(), "{:?}", m.headers());
    // Order of unknown headers is kept.
    let names: Vec<&str> = m.headers().iter().map(|h| h.name.as_str()).collect();
    let pos = |n: &str| names.iter().position(|x| *x == n).unwrap();
    assert!(pos("X-Mailer") < pos("X-Spam-Score") && pos("X-Spam-Score") < pos("X-Folded-Header"));
    assert!(
        text_eq(Some(m.body()), "Body with unknown headers above.\n"),
        "{:?}",
        m.body()
    );
}

#[test]
fn fixture_folded_unknown_header_is_unfolded() {
    let m = load_fixture("unknown_headers.eml");
    let v = m.header("X-Folded-Header").unwrap();
    assert_eq!(v, "first part second part third part");
    for h in m.headers() {
        assert!(
            !h.value.contains(['\r', '\n']),
            "{h:?} contains a line break"
        );
    }
}

#[test]
fn fixture_quoted_printable_and_base64_bodies() {
    let m = load_fixture("qp_base64.eml");
    assert_eq!(one(m.from()), pair(Some("Jörg Müller"), "joerg@example.de"));
    let (text, html) = m.effective_bodies();
    assert!(
        text_eq(
            text,
            "Grüße aus Köln.\nA soft break, and = an equals sign.\n"
        ),
        "{text:?}"
    );
    assert!(text_eq(html, "<p>Grüße aus <b>Köln</b></p>\n"), "{html:?}");
    assert!(m.attachments().is_empty() && m.alternate_views().is_empty());
}

#[test]
fn fixture_iso_8859_1_body() {
    let m = load_fixture("latin1_body.eml");
    assert!(
        text_eq(Some(m.body()), "Café crème brûlée coûte £5.\n"),
        "{:?}",
        m.body()
    );
    assert!(!m.is_body_html());
}

#[test]
fn fixture_encoded_word_subject_and_names() {
    let m = load_fixture("encoded_subject.eml");
    assert_eq!(m.subject(), "会議の議題 🎉 and café");
    assert_eq!(
        one(m.from()),
        pair(Some("André Pirard"), "PIRARD@vm1.ulg.ac.be")
    );
    assert_eq!(
        addrs(m.recipients(RecipientKind::To)),
        [pair(Some("田中"), "tanaka@example.jp")]
    );
    assert_eq!(m.date(), Some((1_709_953_200, 540)));
    assert!(text_eq(Some(m.body()), "本文です。\n"), "{:?}", m.body());
}

#[test]
fn fixture_message_rfc822_attachment() {
    let m = load_fixture("rfc822_attachment.eml");
    assert!(
        text_eq(Some(m.body()), "See the forwarded message.\n"),
        "{:?}",
        m.body()
    );
    let att = m.attachments();
    assert_eq!(att.len(), 1, "{att:?}");
    assert_eq!(att[0].content_type, "message/rfc822");
    assert_eq!(att[0].name, "original.eml");
    let inner = String::from_utf8_lossy(&att[0].content);
    assert!(inner.starts_with("From: carol@example.net"), "{inner}");
    assert!(inner.contains("The original text."), "{inner}");
    // The attached message is itself loadable.
    let inner = load_bytes((*att[0].content).clone()).unwrap();
    assert_eq!(inner.subject(), "Original");
}

/// A loaded fixture, written out and loaded again, keeps its model (original bytes aside).
#[test]
fn fixtures_survive_a_resave() {
    let opts = shapes::opts("fixture");
    let mut failures = Vec::new();
    for name in [
        "thunderbird_inline.eml",
        "outlook_attachments.eml",
        "qp_base64.eml",
        "latin1_body.eml",
        "encoded_subject.eml",
        "rfc822_attachment.eml",
    ] {
        let m1 = load_fixture(name);
        let out = to_mime(&m1, &opts);
        let m2 = load_bytes(out.clone()).unwrap();
        if m1 != m2 {
            failures.push(format!(
                "{name}:\n    {}",
                model_diffs(&m1, &m2, 0).join("\n    ")
            ));
        }
        let m3 = load_bytes(to_mime(&m2, &opts)).unwrap();
        if m2 != m3 {
            failures.push(format!("{name}: second resave differs"));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
