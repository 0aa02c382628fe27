//! Pickup-directory delivery through `Client`: file format, concurrency, Bcc handling of loaded
//! messages, and failures that must leave nothing behind.

#[path = "support/expect.rs"]
mod expect;
#[path = "support/shapes.rs"]
mod shapes;

use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Instant;

use missive::deliver::{Client, DeliverErrorKind, DeliveryMethod, load_pickup_file};
use missive::message::eml::load_bytes;
use missive::message::{MailMessage, MessageErrorKind, RecipientKind};
use shapes::addr;

fn pickup_client(dir: Option<&Path>, shape_name: &str) -> Client {
    let c = Client::new();
    c.configure(|cfg| {
        cfg.delivery_method = DeliveryMethod::PickupDirectory;
        cfg.pickup_directory = dir.map(Path::to_path_buf);
        cfg.mime = shapes::opts(shape_name);
    });
    c
}

fn entries(dir: &Path) -> Vec<PathBuf> {
    match std::fs::read_dir(dir) {
        Ok(rd) => rd.map(|e| e.unwrap().path()).collect(),
        Err(_) => Vec::new(),
    }
}

/// Splits a pickup file into (X-Sender, X-Receivers, message bytes).
fn split_pickup(bytes: &[u8]) -> (String, Vec<String>, &[u8]) {
    let mut pos = 0;
    let mut sender = None;
    let mut rcpts = Vec::new();
    loop {
        let end = bytes[pos..]
            .windows(2)
            .position(|w| w == b"\r\n")
            .expect("CRLF")
            + pos;
        let line = std::str::from_utf8(&bytes[pos..end]).unwrap_or("");
        if pos == 0 {
            sender = Some(
                line.strip_prefix("X-Sender: ")
                    .expect("starts with X-Sender")
                    .to_string(),
            );
        } else if let Some(r) = line.strip_prefix("X-Receiver: ") {
            rcpts.push(r.to_string());
        } else {
            break;
        }
        pos = end + 2;
    }
    (sender.unwrap(), rcpts, &bytes[pos..])
}

#[test]
fn pickup_file_is_envelope_then_message_without_bcc() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("pickup"); // created on first delivery
    let work = tempfile::tempdir().unwrap();
    let mut files = Vec::new();
    for name in [
        "bcc_hidden",
        "deep_nesting",
        "non_ascii_display_names",
        "many_recipients",
    ] {
        let mut shape = shapes::build(name);
        if name == "bcc_hidden" {
            // A Bcc that repeats a To address (other case) is delivered once.
            shape
                .msg
                .add_recipient(RecipientKind::Bcc, addr("BOB@example.org", None));
        }
        let client = pickup_client(Some(&dir), name);
        let d = pickup_of(client.send(&shape.msg).unwrap());
        assert_eq!(d.path.parent(), Some(dir.as_path()));
        assert!(
            d.path.extension().is_some_and(|e| e == "eml"),
            "{:?}",
            d.path
        );
        let bytes = std::fs::read(&d.path).unwrap();
        let (sender, rcpts, message) = split_pickup(&bytes);
        let m = &shape.msg;
        let want_sender = m.sender().or(m.from()).unwrap().address();
        let mut want_rcpts: Vec<String> = Vec::new();
        for a in m
            .recipients(RecipientKind::To)
            .iter()
            .chain(m.recipients(RecipientKind::Cc))
            .chain(m.recipients(RecipientKind::Bcc))
        {
            if !want_rcpts
                .iter()
                .any(|r| r.eq_ignore_ascii_case(&a.address()))
            {
                want_rcpts.push(a.address());
            }
        }
        assert_eq!(sender, want_sender, "{name}");
        assert_eq!(rcpts, want_rcpts, "{name}");
        assert_eq!(d.recipients, want_rcpts);
        assert_eq!(d.mail_from, want_sender);
        if name == "bcc_hidden" {
            assert_eq!(rcpts.len(), 4, "{rcpts:?}");
            assert!(rcpts.contains(&"secret-bcc@hidden.example".to_string()));
            let text = String::from_utf8_lossy(message);
            assert!(!text.contains("hidden.example"), "Bcc leaked:\n{text}");
        }
        files.push(expect::write_pickup_case(
            work.path(),
            &shape,
            &bytes,
            &sender,
            &rcpts,
        ));
    }
    assert_eq!(entries(&dir).len(), 4);
    let (ok, out) = expect::run_checker(&["--envelope"], &files);
    println!("{out}");
    assert!(ok, "{out}");
}

fn marker_message(id: usize) -> MailMessage {
    let mut m = MailMessage::new();
    m.set_from(addr("load@example.com", None));
    m.add_recipient(
        RecipientKind::To,
        addr(&format!("r{}@example.org", id % 13), None),
    );
    m.add_recipient(RecipientKind::Bcc, addr("audit@example.net", None));
    m.set_subject(&format!("load test {id}")).unwrap();
    m.add_header("X-Marker", &format!("marker-{id:05}"))
        .unwrap();
    m.set_body(&format!(
        "Body of message {id}.\nSome filler text to make it a little longer.\nEND-{id:05}\n"
    ));
    m
}

#[test]
fn ten_thousand_messages_from_four_threads() {
    const THREADS: usize = 4;
    const PER_THREAD: usize = 2_500;
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("pickup");
    let client = Arc::new(pickup_client(Some(&dir), "load"));
    let start = Instant::now();
    let handles: Vec<_> = (0..THREADS)
        .map(|t| {
            let client = Arc::clone(&client);
            std::thread::spawn(move || {
                let mut paths = Vec::with_capacity(PER_THREAD);
                for i in 0..PER_THREAD {
                    let id = t * PER_THREAD + i;
                    let d = pickup_of(
                        client
                            .send(&marker_message(id))
                            .unwrap_or_else(|e| panic!("message {id}: {e}")),
                    );
                    paths.push(d.path);
                }
                paths
            })
        })
        .collect();
    let mut returned = HashSet::new();
    for h in handles {
        for p in h.join().expect("a sender thread panicked") {
            assert!(
                returned.insert(p.clone()),
                "two sends reported the same path {p:?}"
            );
        }
    }
    let write_time = start.elapsed();
    let all = entries(&dir);
    let leftovers: Vec<_> = all
        .iter()
        .filter(|p| p.file_name().unwrap().to_string_lossy().starts_with('.'))
        .collect();
    assert!(
        leftovers.is_empty(),
        "temporary files left: {:?}",
        &leftovers[..leftovers.len().min(5)]
    );
    let emls: Vec<_> = all
        .iter()
        .filter(|p| p.extension().is_some_and(|e| e == "eml"))
        .collect();
    assert_eq!(
        emls.len(),
        THREADS * PER_THREAD,
        "{} entries in total",
        all.len()
    );
    assert_eq!(all.len(), emls.len(), "files other than .eml present");
    let mut seen = HashSet::new();
    for p in &emls {
        assert!(returned.contains(*p), "{p:?} was not reported by send");
        let bytes = std::fs::read(p).unwrap();
        let (sender, rcpts, msg) = split_pickup(&bytes);
        assert_eq!(sender, "load@example.com", "{p:?}");
        assert_eq!(rcpts.len(), 2, "{p:?}");
        assert_eq!(rcpts[1], "audit@example.net");
        let text = std::str::from_utf8(msg).unwrap_or_else(|_| panic!("{p:?} is not UTF-8"));
        let marker_line = text
            .lines()
            .find_map(|l| l.strip_prefix("X-Marker: "))
            .unwrap_or_else(|| panic!("{p:?} has no X-Marker header"));
        let id: usize = marker_line
            .trim()
            .strip_prefix("marker-")
            .and_then(|s| s.parse().ok())
            .unwrap_or_else(|| panic!("{p:?}: bad marker {marker_line:?}"));
        assert!(rcpts[0] == format!("r{}@example.org", id % 13), "{p:?}");
        assert!(
            text.contains(&format!("Subject: load test {id}\r\n")),
            "{p:?}"
        );
        let end = format!("Some filler text to make it a little longer.\r\nEND-{id:05}\r\n");
        assert!(
            text.ends_with(&end),
            "{p:?} is incomplete: ends with {:?}",
            &text[text.len().saturating_sub(80)..]
        );
        assert!(!text.to_ascii_lowercase().contains("\r\nbcc:"), "{p:?}");
        assert!(seen.insert(id), "marker {id} appears twice");
    }
    assert_eq!(seen.len(), THREADS * PER_THREAD);
    assert!((0..THREADS * PER_THREAD).all(|i| seen.contains(&i)));
    println!(
        "10,000 pickup deliveries from {THREADS} threads: {:.2?} to write, {:.2?} with verification",
        write_time,
        start.elapsed()
    );
}

const WITH_BCC: &[&str] = &[
    "Return-Path: <alice@example.com>\r\n",
    "From: Alice <alice@example.com>\r\n",
    "To: bob@example.org\r\n",
    "BCC: hidden1@example.net,\r\n",
    "\thidden2@example.net\r\n",
    "Subject: loaded message\r\n",
    "Date: Mon, 4 Mar 2024 10:00:00 +0000\r\n",
    "Message-ID: <loaded@example.com>\r\n",
    "X-Signed-Looking: keep    these   spaces\r\n",
    "MIME-Version: 1.0\r\n",
    "Content-Type: text/plain; charset=us-ascii\r\n",
    "\r\n",
    "Bcc: this line is body text and stays\r\n",
    "Goodbye.\r\n",
];

#[test]
fn loaded_message_is_delivered_byte_for_byte_without_bcc() {
    let original: Vec<u8> = WITH_BCC.concat().into_bytes();
    let expected_message: Vec<u8> = WITH_BCC
        .iter()
        .enumerate()
        .filter(|(i, _)| ![3, 4].contains(i))
        .map(|(_, l)| *l)
        .collect::<String>()
        .into_bytes();
    let m = load_bytes(original.clone()).unwrap();
    assert_eq!(m.recipients(RecipientKind::Bcc).len(), 2);
    let tmp = tempfile::tempdir().unwrap();
    let client = pickup_client(Some(tmp.path()), "loaded");
    let d = pickup_of(client.send(&m).unwrap());
    let bytes = std::fs::read(&d.path).unwrap();
    let (sender, rcpts, message) = split_pickup(&bytes);
    assert_eq!(sender, "alice@example.com");
    assert_eq!(
        rcpts,
        [
            "bob@example.org",
            "hidden1@example.net",
            "hidden2@example.net"
        ]
    );
    assert!(
        message == expected_message.as_slice(),
        "delivered:\n{}\nexpected:\n{}",
        String::from_utf8_lossy(message),
        String::from_utf8_lossy(&expected_message)
    );
    // A change to the loaded message means it is written anew (and still without Bcc).
    let mut changed = m.clone();
    changed.set_subject("changed").unwrap();
    let d2 = pickup_of(client.send(&changed).unwrap());
    let bytes2 = std::fs::read(&d2.path).unwrap();
    let (_, rcpts2, message2) = split_pickup(&bytes2);
    assert_eq!(rcpts2.len(), 3);
    let text = String::from_utf8_lossy(message2);
    assert!(text.contains("Subject: changed\r\n"), "{text}");
    assert!(!text.contains("hidden"), "{text}");
}

fn no_file_left(dir: &Path) {
    let left = entries(dir);
    assert!(left.is_empty(), "files left behind: {left:?}");
}

#[test]
fn unwritable_pickup_directory() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("locked");
    std::fs::create_dir(&dir).unwrap();
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o555)).unwrap();
    let probe = dir.join("probe");
    let privileged = std::fs::write(&probe, b"x").is_ok();
    let _ = std::fs::remove_file(&probe);
    let msg = shapes::build("plain_text").msg;
    if !privileged {
        let err = pickup_client(Some(&dir), "x").send(&msg).unwrap_err();
        std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o755)).unwrap();
        println!(
            "unprivileged: read-only directory gives {:?}: {}",
            err.kind, err.message
        );
        assert_eq!(
            err.kind,
            DeliverErrorKind::Message(MessageErrorKind::PermissionDenied),
            "{}",
            err.message
        );
        assert!(
            err.message.contains(&dir.display().to_string()),
            "{}",
            err.message
        );
        no_file_left(&dir);
    } else {
        // Running as root: permissions do not stop us. Use a path whose parent is a regular file.
        std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o755)).unwrap();
        let file = tmp.path().join("plain-file");
        std::fs::write(&file, b"not a directory").unwrap();
        let bad = file.join("pickup");
        let err = pickup_client(Some(&bad), "x").send(&msg).unwrap_err();
        println!(
            "privileged (root): pickup path under a regular file gives {:?}: {}",
            err.kind, err.message
        );
        assert_eq!(
            err.kind,
            DeliverErrorKind::Message(MessageErrorKind::Io),
            "{}",
            err.message
        );
        assert!(err.message.contains("plain-file"), "{}", err.message);
        assert_eq!(std::fs::read(&file).unwrap(), b"not a directory");
        let mut names: Vec<_> = entries(tmp.path());
        names.sort();
        assert_eq!(names, [dir.clone(), file.clone()]);
    }
    no_file_left(&dir);
}

#[test]
fn pickup_path_that_is_a_file_is_invalid_argument() {
    let tmp = tempfile::tempdir().unwrap();
    let file = tmp.path().join("pickup.txt");
    std::fs::write(&file, b"keep me").unwrap();
    let err = pickup_client(Some(&file), "x")
        .send(&shapes::build("plain_text").msg)
        .unwrap_err();
    assert_eq!(
        err.kind,
        DeliverErrorKind::Message(MessageErrorKind::InvalidArgument),
        "{}",
        err.message
    );
    assert!(err.message.contains("not a directory"), "{}", err.message);
    assert_eq!(std::fs::read(&file).unwrap(), b"keep me");
    assert_eq!(entries(tmp.path()), [file]);
}

#[test]
fn no_pickup_directory_set() {
    let err = pickup_client(None, "x")
        .send(&shapes::build("plain_text").msg)
        .unwrap_err();
    assert_eq!(err.kind, DeliverErrorKind::PickupDirectoryNotSet);
    assert!(
        err.message.to_ascii_lowercase().contains("pickup"),
        "{}",
        err.message
    );
}

#[test]
fn no_sender_and_no_recipients() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("pickup");
    std::fs::create_dir(&dir).unwrap();
    let client = pickup_client(Some(&dir), "x");

    let mut no_sender = MailMessage::new();
    no_sender.add_recipient(RecipientKind::To, addr("bob@example.org", None));
    no_sender.set_body("x");
    let err = client.send(&no_sender).unwrap_err();
    assert_eq!(
        err.kind,
        DeliverErrorKind::Message(MessageErrorKind::NoSender),
        "{}",
        err.message
    );
    assert!(err.message.contains("sender"), "{}", err.message);
    no_file_left(&dir);

    let mut no_rcpt = MailMessage::new();
    no_rcpt.set_from(addr("alice@example.com", None));
    no_rcpt.add_recipient(RecipientKind::ReplyTo, addr("r@example.com", None)); // not a recipient
    no_rcpt.set_body("x");
    let err = client.send(&no_rcpt).unwrap_err();
    assert_eq!(
        err.kind,
        DeliverErrorKind::Message(MessageErrorKind::NoRecipients),
        "{}",
        err.message
    );
    assert!(err.message.contains("recipient"), "{}", err.message);
    no_file_left(&dir);

    // Sender only via Sender: is enough; Bcc only is enough.
    let mut ok = MailMessage::new();
    ok.set_sender(Some(addr("s@example.com", None)));
    ok.add_recipient(RecipientKind::Bcc, addr("b@example.com", None));
    let d = pickup_of(client.send(&ok).unwrap());
    assert_eq!(d.mail_from, "s@example.com");
    assert_eq!(entries(&dir).len(), 1);

    // A pickup directory that does not exist yet is not created for a failing message.
    let missing = tmp.path().join("never");
    let err = pickup_client(Some(&missing), "x")
        .send(&no_sender)
        .unwrap_err();
    assert_eq!(
        err.kind,
        DeliverErrorKind::Message(MessageErrorKind::NoSender)
    );
    assert!(!missing.exists());
}

#[test]
fn every_bcc_field_is_stripped_from_a_loaded_message() {
    // RFC 5322 allows one Bcc field; a message with two must still leak neither.
    let raw = "From: a@example.com\r\nBcc: one@hidden.example\r\nTo: t@example.org\r\n\
               bcc: two@hidden.example\r\nSubject: s\r\n\r\nbody\r\n";
    let m = load_bytes(raw.as_bytes().to_vec()).unwrap();
    let tmp = tempfile::tempdir().unwrap();
    let d = pickup_of(pickup_client(Some(tmp.path()), "x").send(&m).unwrap());
    let bytes = std::fs::read(&d.path).unwrap();
    let (_, rcpts, message) = split_pickup(&bytes);
    assert_eq!(
        message,
        b"From: a@example.com\r\nTo: t@example.org\r\nSubject: s\r\n\r\nbody\r\n"
    );
    println!("envelope recipients with two Bcc fields: {rcpts:?}");
    assert!(rcpts.contains(&"t@example.org".to_string()));
}

#[test]
fn repeated_address_fields_keep_every_address() {
    let raw = "From: a@example.com\r\nBcc: one@hidden.example\r\nTo: t@example.org\r\n\
               bcc: two@hidden.example\r\nTo: u@example.org\r\nSubject: s\r\n\r\nbody\r\n";
    let m = load_bytes(raw.as_bytes().to_vec()).unwrap();
    let (_, rcpts) = m.envelope().unwrap();
    assert_eq!(
        rcpts,
        [
            "t@example.org",
            "u@example.org",
            "one@hidden.example",
            "two@hidden.example"
        ]
    );
}

/// The lines of a pickup file's header section (envelope lines and the message's header),
/// up to the first empty line, unfolded lines as they are.
fn header_lines_of(file: &[u8]) -> Vec<String> {
    let text = String::from_utf8_lossy(file);
    let head = text.split("\r\n\r\n").next().unwrap_or("").to_string();
    head.split("\r\n").map(str::to_string).collect()
}

fn count_field(lines: &[String], name: &str) -> usize {
    lines
        .iter()
        .filter(|l| {
            l.split_once(':')
                .is_some_and(|(n, _)| n.trim_end().eq_ignore_ascii_case(name))
        })
        .count()
}

const FORGED: &str = "X-Sender: spoofed@evil.example\r\n\
    X-Receiver: hidden@evil.example\r\n\
    From: Alice <alice@example.com>\r\n\
    To: bob@example.org\r\n\
    x-receiver: hidden2@evil.example\r\n\
    Subject: forged envelope lines\r\n\
    \r\n\
    X-Sender: a body line, kept\r\n";

/// A loaded, unchanged message whose content begins with X-Sender / X-Receiver lines (and
/// a composed one, which cannot have such custom headers): the pickup file has exactly one X-Sender line,
/// the message's own sender, and exactly the envelope's X-Receiver lines; the message part
/// keeps everything else byte for byte, body included.
#[test]
fn forged_envelope_lines_never_reach_a_pickup_file() {
    let tmp = tempfile::tempdir().unwrap();
    let client = pickup_client(Some(tmp.path()), "forged");
    let loaded = load_bytes(FORGED.as_bytes().to_vec()).unwrap();
    assert!(loaded.original_bytes().is_some());
    let mut composed = MailMessage::new();
    composed.set_from(addr("alice@example.com", None));
    composed.add_recipient(RecipientKind::To, addr("bob@example.org", None));
    // The model refuses envelope lines as custom headers, with a reason.
    for name in ["X-Sender", "x-receiver"] {
        let e = composed
            .add_header(name, "spoofed@evil.example")
            .unwrap_err();
        assert_eq!(e.kind(), missive::message::MessageErrorKind::InvalidHeader);
        assert!(e.message().contains("envelope"), "{}", e.message());
    }
    composed.set_body("composed\n");
    for m in [&loaded, &composed] {
        let d = pickup_of(client.send(m).unwrap());
        let bytes = std::fs::read(&d.path).unwrap();
        let lines = header_lines_of(&bytes);
        assert_eq!(count_field(&lines, "X-Sender"), 1, "{lines:#?}");
        assert_eq!(count_field(&lines, "X-Receiver"), 1, "{lines:#?}");
        assert_eq!(lines[0], "X-Sender: alice@example.com");
        assert_eq!(lines[1], "X-Receiver: bob@example.org");
        let text = String::from_utf8_lossy(&bytes);
        assert!(!text.contains("evil.example"), "{text}");
    }
    let d = pickup_of(client.send(&loaded).unwrap());
    let bytes = std::fs::read(&d.path).unwrap();
    let (_, _, message) = split_pickup(&bytes);
    assert_eq!(
        message,
        b"From: Alice <alice@example.com>\r\nTo: bob@example.org\r\n\
          Subject: forged envelope lines\r\n\r\nX-Sender: a body line, kept\r\n"
    );
    // A raw stream into the pickup directory, too.
    let d = pickup_of(
        client
            .forward_stream(
                "desk@example.com",
                &["carol@example.org".to_string()],
                &mut FORGED.as_bytes(),
                None,
            )
            .unwrap(),
    );
    let lines = header_lines_of(&std::fs::read(&d.path).unwrap());
    assert_eq!(count_field(&lines, "X-Sender"), 1, "{lines:#?}");
    assert_eq!(count_field(&lines, "X-Receiver"), 1, "{lines:#?}");
    assert_eq!(
        lines[..2],
        [
            "X-Sender: desk@example.com",
            "X-Receiver: carol@example.org"
        ]
    );
}

/// `load_pickup_file` gives the envelope (Bcc recipients included) apart from the message,
/// and the message without any envelope lines; delivering it with that envelope writes the
/// same pickup file again.
#[test]
fn loading_a_pickup_file_returns_its_envelope() {
    let tmp = tempfile::tempdir().unwrap();
    let client = pickup_client(Some(tmp.path()), "loaded");
    let m = load_bytes(WITH_BCC.concat().into_bytes()).unwrap();
    let first = pickup_of(client.send(&m).unwrap());
    let file = std::fs::read(&first.path).unwrap();
    // A file written by an earlier version could carry the message's own envelope-looking
    // lines after the envelope: they are message content, and are dropped.
    let mut tampered = file.clone();
    let (_, _, message) = split_pickup(&file);
    let at = file.len() - message.len();
    tampered.splice(
        at..at,
        b"X-Sender: spoofed@evil.example\r\nBcc: more@evil.example\r\n"
            .iter()
            .copied(),
    );
    let path = tmp.path().join("tampered.eml");
    std::fs::write(&path, &tampered).unwrap();
    for p in [&first.path, &path] {
        let (env, loaded) = load_pickup_file(p, &Default::default()).unwrap();
        assert_eq!(env.mail_from, "alice@example.com");
        assert_eq!(
            env.recipients,
            [
                "bob@example.org",
                "hidden1@example.net",
                "hidden2@example.net"
            ]
        );
        assert_eq!(loaded.original_bytes().unwrap().as_slice(), message);
        assert!(loaded.recipients(RecipientKind::Bcc).is_empty());
        let again = tempfile::tempdir().unwrap();
        let c2 = pickup_client(Some(again.path()), "loaded");
        let d = pickup_of(c2.send_with_envelope(&loaded, &env).unwrap());
        assert_eq!(std::fs::read(&d.path).unwrap(), file, "same file again");
    }
    // Not a pickup file: refused with the reason.
    let plain = tmp.path().join("plain.eml");
    std::fs::write(&plain, WITH_BCC.concat()).unwrap();
    let e = load_pickup_file(&plain, &Default::default()).unwrap_err();
    assert_eq!(e.kind(), MessageErrorKind::MalformedEml);
    assert!(e.message().contains("X-Sender"), "{e}");
    let e = load_pickup_file(&tmp.path().join("missing.eml"), &Default::default()).unwrap_err();
    assert_eq!(e.kind(), MessageErrorKind::NotFound);
}

/// The pickup file a delivery wrote (these tests only deliver into pickup directories).
fn pickup_of(d: missive::deliver::Delivery) -> missive::deliver::PickupDelivery {
    match d {
        missive::deliver::Delivery::Pickup(p) => p,
        other => panic!("expected a pickup delivery, got {other:?}"),
    }
}
