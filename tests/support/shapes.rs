//! Message shapes shared by `mime_shapes.rs` and `eml_roundtrip.rs`.
//!
//! Every shape is built with the public model API. Next to the message, a shape carries what
//! the test author (not the library) expects of its MIME output: the tree of content types,
//! strings that must / must not appear in the raw bytes, and extra header values.
#![allow(dead_code)]

use missive::message::{
    DeliveryNotification, DsnNotify, DsnReturn, MailAddress, MailMessage, MimeOptions, Priority,
    RecipientKind,
};

/// The date written when a shape has none (2024-03-01 12:00:00 UTC).
pub const DEFAULT_DATE: i64 = 1_709_294_400;

pub struct Shape {
    pub name: &'static str,
    pub msg: MailMessage,
    /// Expected content-type tree, e.g. `multipart/mixed[text/plain,application/pdf]`.
    pub tree: &'static str,
    /// Byte strings that must appear in the raw output.
    pub raw_contains: Vec<String>,
    /// Byte strings that must not appear in the raw output (case-insensitive).
    pub raw_absent: Vec<String>,
    /// Header values (decoded) that must be present, beyond the custom headers of the model.
    pub extra_headers: Vec<(String, String)>,
    /// Header names that must not be present.
    pub absent_headers: Vec<String>,
}

pub fn opts(name: &str) -> MimeOptions {
    MimeOptions {
        fixed_boundary: Some(format!("shape-{name}")),
        default_date: Some(DEFAULT_DATE),
    }
}

/// A tiny xorshift64* PRNG (no crates).
pub struct Rng(pub u64);

impl Rng {
    pub fn new(seed: u64) -> Self {
        Rng(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1)
    }
    pub fn next_u64(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.0 = x;
        x.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    pub fn below(&mut self, n: usize) -> usize {
        if n == 0 {
            0
        } else {
            (self.next_u64() % n as u64) as usize
        }
    }
    pub fn bytes(&mut self, n: usize) -> Vec<u8> {
        let mut v = Vec::with_capacity(n + 8);
        while v.len() < n {
            v.extend_from_slice(&self.next_u64().to_le_bytes());
        }
        v.truncate(n);
        v
    }
}

pub fn addr(a: &str, name: Option<&str>) -> MailAddress {
    MailAddress::new(a, name).unwrap_or_else(|e| panic!("address {a:?}: {e}"))
}

fn fake_png(seed: u64, n: usize) -> Vec<u8> {
    let mut v = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR".to_vec();
    v.extend(Rng::new(seed).bytes(n));
    v
}

fn fake_jpeg(seed: u64, n: usize) -> Vec<u8> {
    let mut v = b"\xFF\xD8\xFF\xE0\0\x10JFIF\0".to_vec();
    v.extend(Rng::new(seed).bytes(n));
    v.extend_from_slice(b"\xFF\xD9");
    v
}

fn fake_pdf(seed: u64) -> Vec<u8> {
    let mut v =
        b"%PDF-1.4\n%\xE2\xE3\xCF\xD3\n1 0 obj\n<< /Type /Catalog >>\nendobj\nstream\n".to_vec();
    v.extend(Rng::new(seed).bytes(3000));
    v.extend_from_slice(b"\nendstream\n%%EOF\n");
    v
}

fn fake_zip(seed: u64) -> Vec<u8> {
    let mut v = b"PK\x03\x04\x14\0\0\0\x08\0".to_vec();
    v.extend(Rng::new(seed).bytes(1500));
    v.extend_from_slice(b"PK\x05\x06\0\0\0\0\0\0\0\0");
    v
}

/// A text file with bare LF line ends, trailing spaces and tabs, a lone CR and no final newline.
pub fn tricky_text_file() -> Vec<u8> {
    b"first line   \nsecond\tline\t\n\n   indented\nmixed\r\nends\rhere  \n.\nFrom the start\nlast line without newline  "
        .to_vec()
}

/// A calendar invitation (CRLF lines as RFC 5545 wants).
pub fn calendar() -> String {
    "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//missive//tests//EN\r\nMETHOD:REQUEST\r\n\
     BEGIN:VEVENT\r\nUID:event-1@example.com\r\nDTSTAMP:20240301T120000Z\r\n\
     DTSTART:20240305T090000Z\r\nDTEND:20240305T100000Z\r\nSUMMARY:Planning – Überblick\r\n\
     ORGANIZER;CN=Alice:mailto:alice@example.com\r\n\
     ATTENDEE;CN=Bob;RSVP=TRUE:mailto:bob@example.org\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"
        .to_string()
}

fn base() -> MailMessage {
    let mut m = MailMessage::new();
    m.set_from(addr("alice@example.com", Some("Alice Sender")));
    m.add_recipient(
        RecipientKind::To,
        addr("bob@example.org", Some("Bob Receiver")),
    );
    m
}

fn shape(name: &'static str, msg: MailMessage, tree: &'static str) -> Shape {
    Shape {
        name,
        msg,
        tree,
        raw_contains: Vec::new(),
        raw_absent: Vec::new(),
        extra_headers: Vec::new(),
        absent_headers: Vec::new(),
    }
}

/// Every shape name, in order.
pub const NAMES: &[&str] = &[
    "plain_text",
    "html_only",
    "html_via_is_body_html",
    "alternative",
    "alternative_attachment",
    "mixed_related_alternative",
    "inline_images_only",
    "nameless_inline",
    "many_attachment_types",
    "large_attachment",
    "text_attachment_exact",
    "latin1_text_attachment",
    "non_ascii_filename",
    "non_ascii_subject",
    "non_ascii_display_names",
    "idn_domain",
    "smtputf8_local_part",
    "long_body_lines",
    "long_subject",
    "long_header_values",
    "long_unbreakable_header",
    "custom_headers",
    "priority_high",
    "priority_low",
    "reply_to_and_sender",
    "bcc_hidden",
    "many_recipients",
    "empty_body",
    "whitespace_body",
    "dot_and_from_lines",
    "bare_cr_body",
    "calendar_view",
    "binary_view",
    "deep_nesting",
    "fixed_date_and_id",
    "dsn_options",
];

pub fn build(name: &str) -> Shape {
    match name {
        "plain_text" => {
            let mut m = base();
            m.set_subject("Plain text").unwrap();
            m.set_body("Hello Bob,\n\nthis is a plain text message.\nBye\n");
            shape("plain_text", m, "text/plain")
        }
        "html_only" => {
            let mut m = base();
            m.set_subject("HTML only").unwrap();
            m.set_html_body(Some(
                "<html><body><p>Only <b>HTML</b> here</p></body></html>",
            ));
            shape("html_only", m, "text/html")
        }
        "html_via_is_body_html" => {
            let mut m = base();
            m.set_subject("HTML via flag").unwrap();
            m.set_body("<p>The body <i>itself</i> is HTML</p>\n");
            m.set_is_body_html(true);
            shape("html_via_is_body_html", m, "text/html")
        }
        "alternative" => {
            let mut m = base();
            m.set_subject("Alternative").unwrap();
            m.set_body("Plain version\n");
            m.set_html_body(Some("<p>HTML version</p>"));
            shape(
                "alternative",
                m,
                "multipart/alternative[text/plain,text/html]",
            )
        }
        "alternative_attachment" => {
            let mut m = base();
            m.set_subject("Alternative with attachment").unwrap();
            m.set_body("See the attached report.\n");
            m.set_html_body(Some("<p>See the attached <b>report</b>.</p>"));
            m.add_attachment("report.pdf", None, fake_pdf(1)).unwrap();
            shape(
                "alternative_attachment",
                m,
                "multipart/mixed[multipart/alternative[text/plain,text/html],application/pdf]",
            )
        }
        "mixed_related_alternative" => {
            let mut m = base();
            m.set_subject("Related and mixed").unwrap();
            m.set_body("Logo below, report attached.\n");
            m.set_html_body(Some("<p>Logo: <img src=\"cid:logo@example.com\"></p>"));
            m.add_inline_resource("logo@example.com", "logo.png", None, fake_png(2, 800))
                .unwrap();
            m.add_attachment("report.pdf", Some("application/pdf"), fake_pdf(3))
                .unwrap();
            shape(
                "mixed_related_alternative",
                m,
                "multipart/mixed[multipart/related[multipart/alternative[text/plain,text/html],image/png],application/pdf]",
            )
        }
        "inline_images_only" => {
            let mut m = base();
            m.set_subject("Inline images").unwrap();
            m.set_html_body(Some(
                "<p><img src=\"cid:img1\"> and <img src=\"cid:img2.part@local\"></p>",
            ));
            m.add_inline_resource("img1", "one.png", Some("image/png"), fake_png(4, 300))
                .unwrap();
            m.add_inline_resource("<img2.part@local>", "two.gif", None, {
                let mut v = b"GIF89a".to_vec();
                v.extend(Rng::new(5).bytes(200));
                v
            })
            .unwrap();
            shape(
                "inline_images_only",
                m,
                "multipart/related[text/html,image/png,image/gif]",
            )
        }
        "nameless_inline" => {
            // An inline resource may have no file name (only a content-id).
            let mut m = base();
            m.set_subject("Nameless inline image").unwrap();
            m.set_html_body(Some("<img src=\"cid:anon@example.com\">"));
            m.add_inline_resource("anon@example.com", "", Some("image/png"), fake_png(17, 256))
                .unwrap();
            shape(
                "nameless_inline",
                m,
                "multipart/related[text/html,image/png]",
            )
        }
        "many_attachment_types" => {
            let mut m = base();
            m.set_subject("Many attachment types").unwrap();
            m.set_body("Five files attached.\n");
            m.add_attachment("doc.pdf", None, fake_pdf(6)).unwrap();
            m.add_attachment("picture.png", None, fake_png(7, 2000))
                .unwrap();
            m.add_attachment("notes.txt", None, tricky_text_file())
                .unwrap();
            m.add_attachment("archive.zip", None, fake_zip(8)).unwrap();
            m.add_attachment("README", None, Rng::new(9).bytes(777))
                .unwrap();
            let mut s = shape(
                "many_attachment_types",
                m,
                "multipart/mixed[text/plain,application/pdf,image/png,text/plain,application/zip,application/octet-stream]",
            );
            s.raw_contains.push("application/zip".into());
            s
        }
        "large_attachment" => {
            let mut m = base();
            m.set_subject("Large attachment").unwrap();
            m.set_body("Five megabytes of noise attached.\n");
            m.add_attachment(
                "noise.bin",
                Some("application/octet-stream"),
                Rng::new(10).bytes(5 * 1024 * 1024),
            )
            .unwrap();
            shape(
                "large_attachment",
                m,
                "multipart/mixed[text/plain,application/octet-stream]",
            )
        }
        "text_attachment_exact" => {
            let mut m = base();
            m.set_subject("Text attachment").unwrap();
            m.set_body("The attached text must come back byte for byte.\n");
            m.add_attachment("exact.txt", Some("text/plain"), tricky_text_file())
                .unwrap();
            m.add_attachment(
                "table.csv",
                Some("text/csv"),
                b"a,b,c\r\n1,2,3\r\n\"x, y\",\xC3\xA9t\xC3\xA9,end \r\n".to_vec(),
            )
            .unwrap();
            shape(
                "text_attachment_exact",
                m,
                "multipart/mixed[text/plain,text/plain,text/csv]",
            )
        }
        "latin1_text_attachment" => {
            // A text file in ISO-8859-1: not UTF-8. Bytes must be kept as they are.
            let mut m = base();
            m.set_subject("Latin-1 text attachment").unwrap();
            m.set_body("A Latin-1 file is attached.\n");
            m.add_attachment(
                "latin1.txt",
                Some("text/plain"),
                b"caf\xE9 cr\xE8me br\xFBl\xE9e\n\xA3 5\n".to_vec(),
            )
            .unwrap();
            shape(
                "latin1_text_attachment",
                m,
                "multipart/mixed[text/plain,text/plain]",
            )
        }
        "non_ascii_filename" => {
            let mut m = base();
            m.set_subject("Non-ASCII file name").unwrap();
            m.set_body("Résumé attached.\n");
            m.add_attachment("Résumé – 2024 (final).pdf", None, fake_pdf(11))
                .unwrap();
            m.add_attachment(
                "日本語のファイル名.txt",
                None,
                "テキスト\n".as_bytes().to_vec(),
            )
            .unwrap();
            shape(
                "non_ascii_filename",
                m,
                "multipart/mixed[text/plain,application/pdf,text/plain]",
            )
        }
        "non_ascii_subject" => {
            let mut m = base();
            m.set_subject("会議の議題 🎉 Café déjà vu – naïve Ærøskøbing")
                .unwrap();
            m.set_body("Subject test\n");
            let mut s = shape("non_ascii_subject", m, "text/plain");
            s.raw_absent.push("🎉".into());
            s
        }
        "non_ascii_display_names" => {
            let mut m = MailMessage::new();
            m.set_from(addr("joerg@example.com", Some("Jörg Müller")));
            m.add_recipient(
                RecipientKind::To,
                addr("tanaka@example.jp", Some("田中 太郎")),
            );
            m.add_recipient(
                RecipientKind::To,
                addr("zoe@example.fr", Some("Zoë, the \"Boss\"")),
            );
            m.add_recipient(
                RecipientKind::Cc,
                addr("emoji@example.net", Some("Emoji 😀 Person")),
            );
            m.add_recipient(RecipientKind::Cc, addr("plain@example.net", None));
            m.set_subject("Names").unwrap();
            m.set_body("Display names test\n");
            shape("non_ascii_display_names", m, "text/plain")
        }
        "idn_domain" => {
            let mut m = MailMessage::new();
            m.set_from(addr("info@bücher.example", Some("Bücher")));
            m.add_recipient(RecipientKind::To, addr("kunde@müller.example", None));
            m.set_subject("IDN").unwrap();
            m.set_body("IDN domains\n");
            let mut s = shape("idn_domain", m, "text/plain");
            s.raw_contains.push("info@xn--bcher-kva.example".into());
            s.raw_contains.push("kunde@xn--mller-kva.example".into());
            s.raw_absent.push("bücher.example".into());
            s
        }
        "smtputf8_local_part" => {
            let mut m = MailMessage::new();
            m.set_from(addr("alice@example.com", None));
            m.add_recipient(RecipientKind::To, addr("用户@example.cn", Some("User")));
            m.set_subject("SMTPUTF8").unwrap();
            m.set_body("Non-ASCII local part\n");
            shape("smtputf8_local_part", m, "text/plain")
        }
        "long_body_lines" => {
            let mut m = base();
            m.set_subject("Long lines").unwrap();
            let long: String = (0..2500).map(|i| (b'a' + (i % 26) as u8) as char).collect();
            let long_utf8: String = "ü".repeat(1200);
            m.set_body(&format!("start\n{long}\n{long_utf8}\nend\n"));
            m.set_html_body(Some(&format!("<p>{long}</p><p>{}</p>", "x".repeat(3000))));
            shape(
                "long_body_lines",
                m,
                "multipart/alternative[text/plain,text/html]",
            )
        }
        "long_subject" => {
            let mut m = base();
            let mut subj = String::new();
            let words = [
                "alpha",
                "Ünïcödé",
                "beta",
                "日本語",
                "gamma",
                "emoji🙂",
                "delta",
            ];
            let mut i = 0;
            while subj.chars().count() < 500 {
                subj.push_str(words[i % words.len()]);
                subj.push(' ');
                i += 1;
            }
            let subj: String = subj
                .chars()
                .take(500)
                .collect::<String>()
                .trim_end()
                .to_string();
            m.set_subject(&subj).unwrap();
            m.set_body("Long subject\n");
            shape("long_subject", m, "text/plain")
        }
        "long_header_values" => {
            let mut m = base();
            m.set_subject("Long headers").unwrap();
            m.set_body("Long custom header values\n");
            let words: Vec<String> = (0..200).map(|i| format!("word{i}")).collect();
            m.add_header("X-Long-Ascii", &words.join(" ")).unwrap();
            let nonascii: Vec<String> = (0..120).map(|i| format!("wört{i}")).collect();
            m.add_header("X-Long-Utf8", &nonascii.join(" ")).unwrap();
            shape("long_header_values", m, "text/plain")
        }
        "long_unbreakable_header" => {
            // 880 ASCII characters without whitespace: cannot be folded, but fits within 998
            // octets (add_header refuses runs that would not; see tests/bad_input.rs).
            let mut m = base();
            m.set_subject("Unbreakable header").unwrap();
            m.set_body("Unbreakable header value\n");
            let token: String = (0..880).map(|i| (b'A' + (i % 26) as u8) as char).collect();
            m.add_header("X-Token", &token).unwrap();
            shape("long_unbreakable_header", m, "text/plain")
        }
        "custom_headers" => {
            let mut m = base();
            m.set_subject("Custom headers").unwrap();
            m.set_body("Custom headers\n");
            m.add_header("X-Mailer", "missive-tests/1.0").unwrap();
            m.add_header(
                "List-Unsubscribe",
                "<mailto:unsubscribe@example.com?subject=unsub>, <https://example.com/unsub?id=42>",
            )
            .unwrap();
            m.add_header("List-Unsubscribe-Post", "List-Unsubscribe=One-Click")
                .unwrap();
            m.add_header("X-Note", "Grüße aus Köln").unwrap();
            m.add_header("X-Campaign-ID", "  spring-2024  ").unwrap();
            let mut s = shape("custom_headers", m, "text/plain");
            // The value is trimmed.
            s.extra_headers
                .push(("X-Campaign-ID".into(), "spring-2024".into()));
            s
        }
        "priority_high" => {
            let mut m = base();
            m.set_subject("Urgent").unwrap();
            m.set_body("High priority\n");
            m.set_priority(Priority::High);
            let mut s = shape("priority_high", m, "text/plain");
            s.extra_headers
                .push(("X-Priority".into(), "1 (Highest)".into()));
            s.extra_headers.push(("Importance".into(), "high".into()));
            s
        }
        "priority_low" => {
            let mut m = base();
            m.set_subject("Whenever").unwrap();
            m.set_body("Low priority\n");
            m.set_priority(Priority::Low);
            let mut s = shape("priority_low", m, "text/plain");
            s.extra_headers
                .push(("X-Priority".into(), "5 (Lowest)".into()));
            s.extra_headers.push(("Importance".into(), "low".into()));
            s
        }
        "reply_to_and_sender" => {
            let mut m = base();
            m.set_sender(Some(addr("secretary@example.com", Some("The Secretary"))));
            m.add_recipient(
                RecipientKind::ReplyTo,
                addr("replies@example.com", Some("Replies")),
            );
            m.add_recipient(RecipientKind::ReplyTo, addr("archive@example.com", None));
            m.set_subject("Reply-To and Sender").unwrap();
            m.set_body("Reply to someone else\n");
            shape("reply_to_and_sender", m, "text/plain")
        }
        "bcc_hidden" => {
            let mut m = base();
            m.add_recipient(RecipientKind::Cc, addr("carol@example.org", None));
            m.add_recipient(
                RecipientKind::Bcc,
                addr("secret-bcc@hidden.example", Some("Secret Person")),
            );
            m.add_recipient(
                RecipientKind::Bcc,
                addr("another-hidden@hidden.example", None),
            );
            m.set_subject("Bcc").unwrap();
            m.set_body("Nobody sees the blind copies\n");
            let mut s = shape("bcc_hidden", m, "text/plain");
            s.raw_absent.push("hidden.example".into());
            s.raw_absent.push("Secret Person".into());
            s.absent_headers.push("Bcc".into());
            s
        }
        "many_recipients" => {
            let mut m = MailMessage::new();
            m.set_from(addr("list@example.com", None));
            for i in 0..200 {
                let name = format!("Recipient Number {i}");
                m.add_recipient(
                    RecipientKind::To,
                    addr(
                        &format!("user{i}@domain{}.example", i % 7),
                        if i % 3 == 0 { None } else { Some(&name) },
                    ),
                );
            }
            m.set_subject("Two hundred recipients").unwrap();
            m.set_body("Many recipients\n");
            shape("many_recipients", m, "text/plain")
        }
        "empty_body" => {
            let mut m = base();
            m.set_subject("Empty").unwrap();
            shape("empty_body", m, "text/plain")
        }
        "whitespace_body" => {
            let mut m = base();
            m.set_subject("Whitespace").unwrap();
            m.set_body("  \n\n\t\n   \n\n");
            shape("whitespace_body", m, "text/plain")
        }
        "dot_and_from_lines" => {
            let mut m = base();
            m.set_subject("Dots").unwrap();
            m.set_body(".\n.leading dot\n..two dots\nFrom the desk of Alice\nFrom: not a header\n>From quoted\n.\n");
            m.set_html_body(Some(".<p>\nFrom here</p>\n."));
            shape(
                "dot_and_from_lines",
                m,
                "multipart/alternative[text/plain,text/html]",
            )
        }
        "bare_cr_body" => {
            let mut m = base();
            m.set_subject("Bare CR").unwrap();
            m.set_body("one\rtwo\r\nthree\nfour\r");
            shape("bare_cr_body", m, "text/plain")
        }
        "calendar_view" => {
            let mut m = base();
            m.set_subject("Invitation: Planning").unwrap();
            m.set_body("You are invited.\n");
            m.set_html_body(Some("<p>You are <b>invited</b>.</p>"));
            m.add_alternate_view(
                "text/calendar; method=REQUEST",
                None,
                calendar().into_bytes(),
            )
            .unwrap();
            let mut s = shape(
                "calendar_view",
                m,
                "multipart/alternative[text/plain,text/html,text/calendar]",
            );
            s.raw_contains.push("text/calendar; method=".into());
            s
        }
        "binary_view" => {
            let mut m = base();
            m.set_subject("Binary view").unwrap();
            m.set_body("Text version\n");
            m.add_alternate_view("application/octet-stream", None, Rng::new(12).bytes(1000))
                .unwrap();
            shape(
                "binary_view",
                m,
                "multipart/alternative[text/plain,application/octet-stream]",
            )
        }
        "deep_nesting" => {
            let mut m = base();
            m.add_recipient(RecipientKind::Cc, addr("carol@example.org", Some("Carol")));
            m.set_subject("Deep nesting").unwrap();
            m.set_body("Plain\n");
            m.set_html_body(Some("<p><img src=\"cid:a@x\"><img src=\"cid:b@x\"></p>"));
            m.add_alternate_view(
                "text/calendar; method=REQUEST",
                Some("utf-8"),
                calendar().into_bytes(),
            )
            .unwrap();
            m.add_inline_resource("a@x", "a.png", None, fake_png(13, 500))
                .unwrap();
            m.add_inline_resource("b@x", "b.jpg", None, fake_jpeg(14, 600))
                .unwrap();
            m.add_attachment("one.pdf", None, fake_pdf(15)).unwrap();
            m.add_attachment("two.txt", None, tricky_text_file())
                .unwrap();
            m.add_attachment("three.zip", None, fake_zip(16)).unwrap();
            shape(
                "deep_nesting",
                m,
                "multipart/mixed[multipart/related[multipart/alternative[text/plain,text/html,text/calendar],image/png,image/jpeg],application/pdf,text/plain,application/zip]",
            )
        }
        "fixed_date_and_id" => {
            let mut m = base();
            m.set_subject("Fixed").unwrap();
            m.set_body("Fixed date and id\n");
            m.set_date(Some((1_700_000_000, 60))).unwrap();
            m.set_message_id(Some("<fixed-id.1234@example.com>"))
                .unwrap();
            let mut s = shape("fixed_date_and_id", m, "text/plain");
            s.extra_headers
                .push(("Message-ID".into(), "<fixed-id.1234@example.com>".into()));
            s.extra_headers
                .push(("Date".into(), "Tue, 14 Nov 2023 23:13:20 +0100".into()));
            s
        }
        "dsn_options" => {
            let mut m = base();
            m.set_subject("DSN").unwrap();
            m.set_body("Delivery notifications requested\n");
            m.set_delivery_notification(DeliveryNotification {
                notify: DsnNotify {
                    success: true,
                    failure: true,
                    delay: false,
                    never: false,
                },
                ret: Some(DsnReturn::Headers),
                envelope_id: Some("env-42".into()),
            })
            .unwrap();
            let mut s = shape("dsn_options", m, "text/plain");
            // DSN options go in the SMTP envelope, never in the message.
            s.raw_absent.push("env-42".into());
            s.raw_absent.push("NOTIFY".into());
            s
        }
        other => panic!("unknown shape {other}"),
    }
}
