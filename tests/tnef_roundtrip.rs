//! TNEF (winmail.dat) output checked by three independent readers: PyPI `tnefparse` (with
//! Python's `email` package for the outer MIME), Debian's `tnef` and `ytnef` (`ytnef-tools`).
//! Messages go through the pickup directory and through real SMTP servers (Python aiosmtpd and
//! Postfix smtp-sink); what the server stored is what is decoded.

#[path = "support/smtp/mod.rs"]
mod support;

use std::path::{Path, PathBuf};
use std::process::Command;

use missive::deliver::{Client, DeliveryMethod};
use missive::message::{MailAddress, MailMessage, Priority, RecipientKind};
use support::{AioServer, SmtpSink};

fn tool(name: &str, package: &str) -> PathBuf {
    for dir in ["/usr/bin", "/usr/local/bin", "/bin"] {
        let p = Path::new(dir).join(name);
        if p.exists() {
            return p;
        }
    }
    panic!("{name} is not installed: apt-get install -y {package}");
}

fn python() -> String {
    std::env::var("PYTHON").unwrap_or_else(|_| "python3".to_string())
}

fn script() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/support/py/tnef_decode.py")
}

/// What one reader found.
#[derive(Debug, Default)]
struct Found {
    subject: Option<String>,
    body: Option<String>,
    html: Option<String>,
    /// (name, bytes)
    attachments: Vec<(String, Vec<u8>)>,
}

fn read_opt(p: &Path) -> Option<String> {
    std::fs::read(p)
        .ok()
        .map(|b| String::from_utf8(b).expect("UTF-8"))
}

/// The three readers' views of the winmail.dat in `eml`, and tnefparse's extra facts.
struct Decoded {
    dir: tempfile::TempDir,
    tnefparse: Found,
    tnef: Found,
    ytnef: Found,
}

impl Decoded {
    fn fact(&self, name: &str) -> Option<String> {
        read_opt(&self.dir.path().join("py").join(name))
    }
}

fn decode(eml: &[u8]) -> Decoded {
    let mut dir = tempfile::tempdir().unwrap();
    if std::env::var_os("MISSIVE_KEEP_TNEF").is_some() {
        dir.disable_cleanup(true);
        eprintln!("decoded in {}", dir.path().display());
    }
    let eml_path = dir.path().join("message.eml");
    std::fs::write(&eml_path, eml).unwrap();
    // 1. Python email + tnefparse.
    let py = dir.path().join("py");
    std::fs::create_dir_all(&py).unwrap();
    let out = Command::new(python())
        .arg(script())
        .arg(&eml_path)
        .arg(&py)
        .output()
        .expect("run python3");
    assert!(
        out.status.success(),
        "tnef_decode.py failed (pip install tnefparse):\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let mut tp = Found {
        subject: read_opt(&py.join("mapi_subject")),
        body: read_opt(&py.join("body")),
        html: read_opt(&py.join("html")),
        ..Found::default()
    };
    let n: usize = read_opt(&py.join("att_count")).unwrap().parse().unwrap();
    for i in 0..n {
        tp.attachments.push((
            read_opt(&py.join(format!("att/{i}.name"))).unwrap_or_default(),
            std::fs::read(py.join(format!("att/{i}.data"))).unwrap(),
        ));
    }
    let winmail = py.join("winmail.dat");

    // 2. Debian tnef: list, then extract (files and the text body).
    let tnef_bin = tool("tnef", "tnef");
    let tdir = dir.path().join("tnef");
    std::fs::create_dir_all(&tdir).unwrap();
    let list = Command::new(&tnef_bin)
        .args(["--list", "-f"])
        .arg(&winmail)
        .output()
        .unwrap();
    assert!(
        list.status.success(),
        "tnef --list failed: {}",
        String::from_utf8_lossy(&list.stderr)
    );
    let x = Command::new(&tnef_bin)
        .arg("-C")
        .arg(&tdir)
        .args(["--save-body=body", "--body-pref=t", "-f"])
        .arg(&winmail)
        .output()
        .unwrap();
    assert!(
        x.status.success(),
        "tnef failed: {}",
        String::from_utf8_lossy(&x.stderr)
    );
    let mut tn = Found::default();
    for line in String::from_utf8(list.stdout).unwrap().lines() {
        // `tnef --list` prints "title | long file name" for some attachments.
        let name = line.rsplit("\t|\t").next().unwrap_or(line);
        let bytes = std::fs::read(tdir.join(name))
            .unwrap_or_else(|e| panic!("tnef listed {name:?} but did not extract it: {e}"));
        tn.attachments.push((name.to_string(), bytes));
    }
    tn.body = read_opt(&tdir.join("body.txt"));

    // 3. ytnef: print (subject) and extract attachments.
    let ydir = dir.path().join("ytnef");
    std::fs::create_dir_all(&ydir).unwrap();
    let print = Command::new(tool("ytnefprint", "ytnef-tools"))
        .arg(&winmail)
        .output()
        .unwrap();
    let printed = String::from_utf8_lossy(&print.stdout).into_owned();
    std::fs::write(dir.path().join("ytnefprint.txt"), &printed).unwrap();
    let y = Command::new(tool("ytnef", "ytnef-tools"))
        .arg("-f")
        .arg(&ydir)
        .arg(&winmail)
        .output()
        .unwrap();
    assert!(
        y.status.success(),
        "ytnef failed: {}",
        String::from_utf8_lossy(&y.stderr)
    );
    let mut yt = Found {
        subject: printed
            .lines()
            .find_map(|l| l.trim().strip_prefix("Subject: ").map(str::to_string)),
        // "-- Message Body (N bytes) --\n...\n-- End Body --"
        body: printed
            .split_once("-- Message Body (")
            .and_then(|(_, rest)| {
                let (_, body) = rest.split_once(" bytes) --\n")?;
                Some(body.split_once("\n-- End Body --")?.0.to_string())
            }),
        ..Found::default()
    };
    let mut names: Vec<_> = std::fs::read_dir(&ydir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    for name in names {
        let bytes = std::fs::read(ydir.join(&name)).unwrap();
        yt.attachments.push((name, bytes));
    }
    Decoded {
        dir,
        tnefparse: tp,
        tnef: tn,
        ytnef: yt,
    }
}

fn addr(s: &str) -> MailAddress {
    MailAddress::parse(s).unwrap()
}

fn message(
    subject: &str,
    body: &str,
    html: Option<&str>,
    attachments: &[(&str, Vec<u8>)],
) -> MailMessage {
    let mut m = MailMessage::new();
    m.set_from(addr("Sender Name <sender@example.com>"));
    m.add_recipient(RecipientKind::To, addr("Rcpt One <one@example.org>"));
    m.add_recipient(RecipientKind::Cc, addr("two@example.org"));
    m.add_recipient(RecipientKind::Bcc, addr("hidden@example.org"));
    m.set_subject(subject).unwrap();
    m.set_body(body);
    if let Some(h) = html {
        m.set_html_body(Some(h));
    }
    for (name, data) in attachments {
        m.add_attachment(name, None, data.clone()).unwrap();
    }
    m.set_use_tnef(true);
    m
}

fn pseudo_random(n: usize, seed: u64) -> Vec<u8> {
    let mut x = seed | 1;
    (0..n)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            (x >> 24) as u8
        })
        .collect()
}

/// Checks every reader against the message.
fn check(eml: &[u8], msg: &MailMessage) -> Decoded {
    let d = decode(eml);
    let (text, html) = msg.effective_bodies();
    // Outer MIME, as Python's email package sees it.
    assert_eq!(d.fact("outer_content_type").unwrap(), "multipart/mixed");
    assert_eq!(
        d.fact("outer_part_types").unwrap(),
        "text/plain,application/ms-tnef"
    );
    assert_eq!(d.fact("outer_tnef_name_param").unwrap(), "winmail.dat");
    assert_eq!(d.fact("outer_tnef_cte").unwrap(), "base64");
    assert_eq!(d.fact("outer_subject_header").unwrap(), msg.subject());
    let correlator = d.fact("outer_correlator").unwrap();
    let message_id = d.fact("outer_message_id").unwrap();
    assert_eq!(correlator, message_id);
    // tnefparse strips the trailing NUL of binary values; the key is the Message-ID.
    assert_eq!(d.fact("correlation_key").unwrap(), correlator);
    assert_eq!(d.fact("internet_message_id").unwrap(), message_id);
    assert_eq!(d.fact("bad_checksums").unwrap(), "0", "checksums");
    assert_eq!(d.fact("sender_email").unwrap(), "sender@example.com");
    let rcpts = d.fact("recipients").unwrap();
    assert_eq!(
        rcpts, "one@example.org\ntwo@example.org",
        "recipient table (no Bcc)"
    );
    let winmail = std::fs::read(d.dir.path().join("py/winmail.dat")).unwrap();
    let utf16: Vec<u8> = "hidden".encode_utf16().flat_map(u16::to_le_bytes).collect();
    for needle in [b"hidden".as_slice(), &utf16] {
        assert!(
            !winmail.windows(needle.len()).any(|w| w == needle),
            "Bcc in winmail.dat"
        );
    }
    if !msg.subject().is_empty() {
        // attSubject (8-bit, in the declared code page) and PR_SUBJECT_W (Unicode).
        assert_eq!(d.fact("subject").as_deref(), Some(msg.subject()));
    }
    assert_eq!(
        d.tnefparse.subject.as_deref(),
        Some(msg.subject()).filter(|s| !s.is_empty())
    );
    assert_eq!(
        d.ytnef.subject.as_deref(),
        Some(msg.subject()).filter(|s| !s.is_empty()),
        "ytnefprint subject"
    );
    let text = text.filter(|t| !t.is_empty());
    assert_eq!(d.tnefparse.body.as_deref(), text, "tnefparse body");
    assert_eq!(d.tnef.body.as_deref(), text, "tnef --save-body");
    assert_eq!(
        d.ytnef.body.as_deref().map(|b| b.replace("\r\n", "\n")),
        text.map(|b| b.replace("\r\n", "\n")),
        "ytnefprint body"
    );
    assert_eq!(d.tnefparse.html.as_deref(), html, "tnefparse HTML");
    let expected: Vec<(String, Vec<u8>)> = msg
        .attachments()
        .iter()
        .map(|a| (a.name.clone(), a.content.to_vec()))
        .collect();
    assert_eq!(
        d.tnefparse.attachments.len(),
        expected.len(),
        "tnefparse count"
    );
    for (i, a) in msg.attachments().iter().enumerate() {
        // PR_ATTACH_MIME_TAG as tnefparse reads it.
        assert_eq!(
            d.fact(&format!("att/{i}.mime")).as_deref(),
            Some(a.content_type.as_str()),
            "MIME tag of {}",
            a.name
        );
    }
    for (got, want) in d.tnefparse.attachments.iter().zip(&expected) {
        assert_eq!(got.0, want.0, "tnefparse name");
        assert!(got.1 == want.1, "tnefparse bytes of {}", want.0);
    }
    for (reader, found) in [("tnef", &d.tnef), ("ytnef", &d.ytnef)] {
        let mut got: Vec<_> = found.attachments.iter().collect();
        got.sort();
        let mut want: Vec<_> = expected.iter().collect();
        want.sort();
        assert_eq!(got.len(), want.len(), "{reader} attachment count");
        for (g, w) in got.iter().zip(&want) {
            assert_eq!(g.0, w.0, "{reader} name");
            assert!(g.1 == w.1, "{reader} bytes of {}", w.0);
        }
    }
    d
}

fn five_attachments() -> Vec<(&'static str, Vec<u8>)> {
    vec![
        ("report.pdf", pseudo_random(70_000, 1)),
        ("notes.txt", b"plain text\r\nline 2\n".to_vec()),
        ("image.png", pseudo_random(1234, 2)),
        ("zeros.bin", vec![0u8; 4096]),
        ("odd-size.dat", pseudo_random(3, 3)),
    ]
}

#[test]
fn pickup_zero_one_five_attachments_ascii() {
    let dir = tempfile::tempdir().unwrap();
    let client = Client::new();
    client.configure(|c| {
        c.delivery_method = DeliveryMethod::PickupDirectory;
        c.pickup_directory = Some(dir.path().to_path_buf());
    });
    let cases = [
        message("No attachments", "Hello,\r\nplain body.\r\n", None, &[]),
        message(
            "One attachment",
            "See attached.\r\n",
            Some("<p>See <b>attached</b>.</p>"),
            &[("data.bin", pseudo_random(10_001, 7))],
        ),
        message(
            "Five attachments",
            "Five files.\r\n",
            None,
            &five_attachments(),
        ),
    ];
    for msg in &cases {
        let d = client.send(msg).unwrap();
        let missive::deliver::Delivery::Pickup(p) = d else {
            panic!("not a pickup delivery")
        };
        let eml = std::fs::read(&p.path).unwrap();
        check(&eml, msg);
    }
}

#[test]
fn pickup_non_ascii_subject_body_and_names() {
    let dir = tempfile::tempdir().unwrap();
    let client = Client::new();
    client.configure(|c| {
        c.delivery_method = DeliveryMethod::PickupDirectory;
        c.pickup_directory = Some(dir.path().to_path_buf());
    });
    let msg = message(
        "Grüße – 会議の資料 ✓",
        "Hallo Jürgen,\r\nanbei die Unterlagen: 日本語のテキスト. €100\r\n",
        Some("<p>Grüße, <i>日本語</i> €</p>"),
        &[("überblick.txt", "Inhalt: äöü\n".as_bytes().to_vec())],
    );
    let d = client.send(&msg).unwrap();
    let missive::deliver::Delivery::Pickup(p) = d else {
        panic!()
    };
    check(&std::fs::read(&p.path).unwrap(), &msg);
}

fn smtp_client(port: u16) -> Client {
    let client = support::smtp_client(port, std::time::Duration::from_secs(30));
    // The client's use_tnef: messages composed without it go out as TNEF too.
    client.configure(|c| c.use_tnef = true);
    client
}

#[test]
fn aiosmtpd_client_use_tnef_ascii_and_non_ascii() {
    let srv = AioServer::start(&["--no-auth"]);
    let client = smtp_client(srv.port);
    let mut cases = vec![
        message("Plain", "Only text.\r\n", None, &[]),
        message(
            "Ein Anhang: Größe",
            "Text mit Umlauten: äöü ß\r\n",
            Some("<p>ÄÖÜ</p>"),
            &[("tabelle.csv", "a;b\r\n1;2\r\n".as_bytes().to_vec())],
        ),
        message(
            "Five files",
            "Five.\r\n",
            Some("<b>five</b>"),
            &five_attachments(),
        ),
    ];
    let mut high = message("High importance", "Urgent.\r\n", None, &[]);
    high.set_priority(Priority::High);
    cases.push(high);
    for m in &mut cases {
        m.set_use_tnef(false); // the client's setting does it
        client.send(m).unwrap();
    }
    let got = srv.messages();
    assert_eq!(got.len(), cases.len());
    for (r, m) in got.iter().zip(&cases) {
        assert_eq!(r.rcpts.len(), 3, "envelope keeps Bcc");
        let d = check(&r.content, m);
        if m.priority() == Priority::High {
            assert_eq!(d.fact("importance").as_deref(), Some("2"));
        } else {
            assert_eq!(d.fact("importance").as_deref(), Some("1"));
        }
    }
}

#[test]
fn postfix_smtp_sink_five_mb_attachment_non_ascii() {
    let sink = SmtpSink::start(&[]);
    let client = smtp_client(sink.port);
    let big = pseudo_random(5 * 1024 * 1024 + 17, 99);
    let mut files = five_attachments();
    files.push(("big.bin", big));
    let msg = message(
        "Fünf Megabyte – 大きい",
        "Große Datei anbei.\r\n",
        None,
        &files,
    );
    client.send(&msg).unwrap();
    let dumps = sink.wait_dumps(1);
    // smtp-sink writes its own X- lines first, then the message as received.
    check(dumps[0].as_bytes(), &msg);
}

// ---- the reader ----

const FIXTURES: &[&str] = &[
    "two-files.tnef",
    "MAPI_ATTACH_DATA_OBJ.tnef",
    "umlaut.tnef",
    "unicode-mapi-attr.tnef",
    "unicode-mapi-attr-name.tnef",
    "body.tnef",
    "triples.tnef",
    "data-before-name.tnef",
    "multi-value-attribute.tnef",
    "long-filename.tnef",
    "garbage-at-end.tnef",
    "ytnef-winmail.tnef",
];

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/tnef")
        .join(name)
}

#[test]
fn reader_agrees_with_tnefparse_tnef_and_ytnef_on_outlook_samples() {
    use std::os::unix::ffi::OsStrExt;
    for name in FIXTURES {
        let path = fixture(name);
        let data = std::fs::read(&path).unwrap();
        let ours = missive::tnef::parse(&data).unwrap_or_else(|e| panic!("{name}: {e}"));
        let dir = tempfile::tempdir().unwrap();
        // tnefparse
        let out = Command::new(python())
            .arg(script())
            .arg(&path)
            .arg(dir.path())
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{name}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let fact = |f: &str| read_opt(&dir.path().join(f));
        let n: usize = fact("att_count").unwrap().parse().unwrap();
        assert_eq!(
            ours.attachments.len(),
            n,
            "{name}: attachment count vs tnefparse"
        );
        for (i, a) in ours.attachments.iter().enumerate() {
            let tp_name = fact(&format!("att/{i}.name")).unwrap_or_default();
            assert_eq!(
                a.name().unwrap_or_default(),
                tp_name,
                "{name}: name of #{i}"
            );
            let tp_data = std::fs::read(dir.path().join(format!("att/{i}.data"))).unwrap();
            // tnefparse drops trailing NULs of PR_ATTACH_DATA_OBJ values; attAttachData is exact.
            let trimmed = {
                let end = a.data.iter().rposition(|&b| b != 0).map_or(0, |p| p + 1);
                &a.data[..end]
            };
            assert!(
                a.data == tp_data || trimmed == tp_data.as_slice(),
                "{name}: bytes of #{i} ({} vs tnefparse {})",
                a.data.len(),
                tp_data.len()
            );
        }
        // tnefparse takes PR_PREVIEW (0x3FD9, "uncompressed body") as the body when there is
        // no PR_BODY; missive does not (a preview is a truncated excerpt).
        let preview = ours.prop(0x3FD9).and_then(|p| p.text(ours.codepage));
        if ours.body.is_none() && preview.is_some() {
            assert_eq!(preview, fact("body"), "{name}: preview vs tnefparse");
        } else {
            // (tnefparse keeps the NUL that ends an attBody; the text is the same)
            let tp_body = fact("body").map(|b| b.trim_end_matches('\0').to_string());
            assert_eq!(ours.body, tp_body, "{name}: body vs tnefparse");
        }
        assert_eq!(ours.html_text(), fact("html"), "{name}: HTML vs tnefparse");

        // Debian tnef: the same files, byte for byte.
        let tdir = dir.path().join("tnef");
        std::fs::create_dir_all(&tdir).unwrap();
        let list = Command::new(tool("tnef", "tnef"))
            .args(["--list", "-f"])
            .arg(&path)
            .output()
            .unwrap();
        Command::new(tool("tnef", "tnef"))
            .arg("-C")
            .arg(&tdir)
            .args(["--overwrite", "-f"])
            .arg(&path)
            .output()
            .unwrap();
        let listed: Vec<&[u8]> = list
            .stdout
            .split(|&b| b == b'\n')
            .filter(|l| !l.is_empty() && !l.starts_with(b"ERROR"))
            .map(|l| {
                l.windows(3)
                    .rposition(|w| w == b"\t|\t")
                    .map_or(l, |p| &l[p + 3..])
            })
            .collect();
        let mut named: Vec<_> = ours
            .attachments
            .iter()
            .filter(|a| a.name().is_some())
            .collect();
        if listed.is_empty() {
            named.clear(); // tnef stopped at an error (garbage at the end); tnefparse agreed
        }
        assert_eq!(named.len(), listed.len(), "{name}: files listed by tnef");
        for (a, file) in named.iter().zip(&listed) {
            let extracted = std::fs::read(tdir.join(std::ffi::OsStr::from_bytes(file)))
                .unwrap_or_else(|e| panic!("{name}: tnef did not extract {file:?}: {e}"));
            assert!(extracted == a.data, "{name}: tnef's bytes of {file:?}");
        }

        // ytnef: every file it saves (other than the calendar it makes from an appointment)
        // is one of ours, byte for byte.
        let ydir = dir.path().join("ytnef");
        std::fs::create_dir_all(&ydir).unwrap();
        let y = Command::new(tool("ytnef", "ytnef-tools"))
            .arg("-f")
            .arg(&ydir)
            .arg(&path)
            .output()
            .unwrap();
        assert!(y.status.success(), "{name}: ytnef failed");
        for e in std::fs::read_dir(&ydir).unwrap() {
            let e = e.unwrap();
            if e.path()
                .extension()
                .is_some_and(|x| x == "ics" || x == "vcf")
            {
                continue;
            }
            let bytes = std::fs::read(e.path()).unwrap();
            assert!(
                ours.attachments.iter().any(|a| a.data == bytes),
                "{name}: ytnef saved {:?} ({} bytes), which the reader does not have",
                e.file_name(),
                bytes.len()
            );
        }
    }
}

#[test]
fn loading_a_tnef_message_exposes_body_and_attachments_and_resends_as_tnef() {
    let mut msg = message(
        "Wiederladen ✓",
        "Körper.\r\n",
        Some("<p>Körper</p>"),
        &five_attachments(),
    );
    msg.add_inline_resource("logo@x", "logo.png", None, pseudo_random(300, 5))
        .unwrap();
    msg.set_message_id(Some("reload-1@example.com")).unwrap();
    msg.set_date(Some((1_700_000_000, 0))).unwrap();
    let eml = missive::deliver::render(&msg, &Default::default());
    let loaded = missive::tnef::load_bytes(eml.clone(), &Default::default()).unwrap();
    assert!(loaded.use_tnef());
    assert_eq!(loaded.subject(), msg.subject());
    assert_eq!(loaded.body(), msg.body());
    assert_eq!(loaded.html_body(), msg.html_body());
    assert_eq!(
        loaded.attachments(),
        msg.attachments(),
        "attachments, byte for byte"
    );
    assert_eq!(loaded.inline_resources(), msg.inline_resources());
    assert_eq!(loaded.message_id(), Some("reload-1@example.com"));

    // Unchanged: sent as it was loaded (TNEF). Changed: written as TNEF again.
    let dir = tempfile::tempdir().unwrap();
    let client = Client::new();
    client.configure(|c| {
        c.delivery_method = DeliveryMethod::PickupDirectory;
        c.pickup_directory = Some(dir.path().to_path_buf());
    });
    let mut changed = loaded.clone();
    changed
        .add_attachment("added.txt", None, b"new file".to_vec())
        .unwrap();
    for m in [&loaded, &changed] {
        let missive::deliver::Delivery::Pickup(p) = client.send(m).unwrap() else {
            panic!()
        };
        let d = decode(&std::fs::read(&p.path).unwrap());
        let names: Vec<_> = d
            .tnefparse
            .attachments
            .iter()
            .map(|a| a.0.as_str())
            .collect();
        let mut want: Vec<_> = m.attachments().iter().map(|a| a.name.as_str()).collect();
        want.push("logo.png");
        assert_eq!(names, want);
        assert_eq!(d.tnefparse.body.as_deref(), Some(msg.body()));
    }
    assert!(changed.attachments().iter().any(|a| a.name == "added.txt"));
}

#[test]
fn checksums_and_no_empty_attributes() {
    let msg = message("", "", None, &[("empty.txt", Vec::new())]);
    let stream = missive::tnef::write_tnef(
        &msg,
        &missive::tnef::TnefOptions {
            message_id: "x@y",
            date: 0,
        },
    );
    assert_eq!(&stream[..4], &0x223E_9F78u32.to_le_bytes());
    let mut pos = 6;
    let mut ids = Vec::new();
    while pos < stream.len() {
        let id = u32::from_le_bytes(stream[pos + 1..pos + 5].try_into().unwrap());
        let len = u32::from_le_bytes(stream[pos + 5..pos + 9].try_into().unwrap()) as usize;
        assert!(len > 0, "attribute 0x{id:08X} is empty");
        let body = &stream[pos + 9..pos + 9 + len];
        let sum = u16::from_le_bytes(stream[pos + 9 + len..pos + 11 + len].try_into().unwrap());
        assert_eq!(body.iter().map(|&b| u32::from(b)).sum::<u32>() as u16, sum);
        ids.push(id);
        pos += 11 + len;
    }
    assert_eq!(pos, stream.len());
    assert_eq!(
        &ids[..3],
        &[0x0008_9006, 0x0006_9007, 0x0007_8008],
        "version, codepage, class first"
    );
    assert!(
        !ids.contains(&0x0006_800F),
        "no attAttachData for an empty file"
    );
    assert!(ids.contains(&0x0006_9002) && ids.contains(&0x0006_9005));
}
