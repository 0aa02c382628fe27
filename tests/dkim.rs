//! DKIM signing of every message a client delivers, checked by two verifiers missive did not
//! write: dkimpy (PyPI, with a stub DNS function that answers from the test key records) and
//! OpenDKIM (Debian's `opendkim` in test mode with `TestPublicKeys`), both run by
//! `tests/support/py/dkim_verify.py`. Covered: every message shape of the MIME tests, TNEF, a
//! meeting request, a loaded-and-edited message, RESEND, ATTACH and REDIRECT forwards, a streamed
//! forward, the queue, pickup files, and a 300-message bulk send over 4 connections to a real
//! SMTP server (aiosmtpd) on loopback. A changed body byte or an added header must make both
//! verifiers fail.

#[path = "support/shapes.rs"]
mod shapes;
#[path = "support/smtp/mod.rs"]
mod support;

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Arc;

use missive::calendar::{Appointment, EventTime, Method, add_to_message};
use missive::deliver::{
    Client, DkimAlgorithm, DkimErrorKind, DkimSigner, ForwardMode, load_pickup_bytes,
};
use missive::message::{MailAddress, MailMessage, MessageErrorKind, RecipientKind, eml};
use support::AioServer;

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/dkim")
}

fn key(name: &str) -> Vec<u8> {
    std::fs::read(fixtures().join(name)).unwrap()
}

fn rsa_pkcs1() -> DkimSigner {
    DkimSigner::from_pem(
        "example.com",
        "rsa1",
        &key("rsa-pkcs1.pem"),
        DkimAlgorithm::RsaSha256,
    )
    .unwrap()
}

fn rsa_pkcs8() -> DkimSigner {
    DkimSigner::from_pem(
        "example.com",
        "rsa8",
        &key("rsa-pkcs8.pem"),
        DkimAlgorithm::RsaSha256,
    )
    .unwrap()
}

fn ed25519() -> DkimSigner {
    DkimSigner::from_pem(
        "example.com",
        "ed",
        &key("ed25519.pem"),
        DkimAlgorithm::Ed25519Sha256,
    )
    .unwrap()
}

#[derive(Debug)]
struct Sig {
    d: String,
    s: String,
    a: String,
    h: String,
    dkimpy: bool,
    opendkim: bool,
    text: String,
}

/// Runs both verifiers on each file; one list of signatures per file, in order.
fn verify(files: &[PathBuf]) -> Vec<Vec<Sig>> {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/support/py/dkim_verify.py");
    let python = std::env::var("MISSIVE_TEST_PYTHON").unwrap_or_else(|_| "python3".into());
    let mut out = Vec::new();
    // In chunks: the argument list stays short.
    for chunk in files.chunks(100) {
        let o = Command::new(&python)
            .arg(&script)
            .arg(fixtures().join("keys.txt"))
            .args(chunk)
            .output()
            .expect("run python3");
        let stderr = String::from_utf8_lossy(&o.stderr);
        assert!(
            o.status.success(),
            "dkim_verify.py failed (needs `pip install dkimpy` and Debian's opendkim): {stderr}"
        );
        for line in String::from_utf8(o.stdout).unwrap().lines() {
            let v: serde_json::Value = serde_json::from_str(line).unwrap();
            let sigs = v["signatures"]
                .as_array()
                .unwrap()
                .iter()
                .map(|s| Sig {
                    d: s["d"].as_str().unwrap_or("").into(),
                    s: s["s"].as_str().unwrap_or("").into(),
                    a: s["a"].as_str().unwrap_or("").into(),
                    h: s["h"].as_str().unwrap_or("").into(),
                    dkimpy: s["dkimpy"].as_bool().unwrap(),
                    opendkim: s["opendkim"].as_bool().unwrap(),
                    text: s["opendkim_text"].as_str().unwrap_or("").into(),
                })
                .collect();
            out.push(sigs);
        }
    }
    assert_eq!(out.len(), files.len());
    out
}

/// Asserts that each file carries exactly `expect` signatures (selector list, top first), and
/// that every one verifies in both verifiers.
fn assert_all_verify(files: &[PathBuf], expect: &[&str]) {
    let results = verify(files);
    let mut failures = Vec::new();
    for (f, sigs) in files.iter().zip(&results) {
        let selectors: Vec<&str> = sigs.iter().map(|s| s.s.as_str()).collect();
        if let Some(keep) = std::env::var_os("MISSIVE_KEEP_DKIM") {
            // Keeps the messages for inspection.
            std::fs::create_dir_all(&keep).unwrap();
            std::fs::copy(f, Path::new(&keep).join(f.file_name().unwrap())).unwrap();
        }
        if selectors != expect {
            failures.push(format!("{}: selectors {selectors:?}", f.display()));
            continue;
        }
        for s in sigs {
            assert_eq!(s.d, "example.com");
            if !(s.dkimpy && s.opendkim) {
                failures.push(format!(
                    "{}: s={} a={} dkimpy={} opendkim={} ({})",
                    f.display(),
                    s.s,
                    s.a,
                    s.dkimpy,
                    s.opendkim,
                    s.text
                ));
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} messages failed:\n{}",
        failures.len(),
        files.len(),
        failures.join("\n")
    );
}

fn pickup_client(dir: &Path, signers: Vec<DkimSigner>) -> Client {
    let c = Client::new();
    c.configure(|cfg| {
        cfg.delivery_method = missive::deliver::DeliveryMethod::PickupDirectory;
        cfg.pickup_directory = Some(dir.to_path_buf());
        cfg.forward_sender = Some("forwarder@example.com".into());
        cfg.dkim = signers.into_iter().map(Arc::new).collect();
    });
    c
}

fn delivered_file(d: &missive::deliver::Delivery) -> PathBuf {
    match d {
        missive::deliver::Delivery::Pickup(p) => p.path.clone(),
        other => panic!("not a pickup delivery: {other:?}"),
    }
}

fn addr(s: &str) -> MailAddress {
    MailAddress::parse(s).unwrap()
}

#[test]
fn every_shape_and_every_path_verifies_with_rsa_and_ed25519() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("outbox");
    let c = pickup_client(&out, vec![rsa_pkcs1(), ed25519()]);
    let mut files = Vec::new();
    // Every message shape of the MIME tests.
    for name in shapes::NAMES {
        let shape = shapes::build(name);
        let d = c.send(&shape.msg).unwrap_or_else(|e| panic!("{name}: {e}"));
        files.push(delivered_file(&d));
    }
    // TNEF: the client writes every message as winmail.dat.
    let tnef = pickup_client(&out, vec![rsa_pkcs1(), ed25519()]);
    tnef.configure(|cfg| cfg.use_tnef = true);
    files.push(delivered_file(
        &tnef
            .send(&shapes::build("alternative_attachment").msg)
            .unwrap(),
    ));
    // A meeting request.
    let mut m = shapes::build("plain_text").msg;
    let mut a = Appointment::new();
    a.summary = "Planning".into();
    a.start = Some(EventTime::Utc(1_900_000_000));
    a.end = Some(EventTime::Utc(1_900_003_600));
    a.dtstamp = Some(1_740_000_000);
    add_to_message(&mut m, &a, Method::Request, true).unwrap();
    files.push(delivered_file(&c.send(&m).unwrap()));
    // A loaded message, sent unchanged and after an edit.
    let fixtures_eml = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/eml");
    for f in ["outlook_attachments.eml", "thunderbird_inline.eml"] {
        let mut loaded = eml::load_path(&fixtures_eml.join(f)).unwrap();
        files.push(delivered_file(&c.send(&loaded).unwrap()));
        loaded.set_subject("Edited after loading").unwrap();
        loaded
            .set_list_unsubscribe(Some("https://example.com/u/1"), None, true)
            .unwrap();
        files.push(delivered_file(&c.send(&loaded).unwrap()));
    }
    // Forwards: RESEND and ATTACH are new bytes; REDIRECT keeps the bytes and gets our
    // signatures on top.
    let original = shapes::build("mixed_related_alternative").msg;
    for mode in [
        ForwardMode::Resend,
        ForwardMode::Attach,
        ForwardMode::Redirect,
    ] {
        let d = c
            .forward(&original, mode, &[addr("carol@example.net")])
            .unwrap();
        files.push(delivered_file(&d));
    }
    // A streamed forward (spooled and signed).
    let raw = std::fs::read(&files[0]).unwrap();
    let (env, _) = load_pickup_bytes(&raw, &Default::default()).unwrap();
    let plain = strip_to_message(&raw);
    let d = c
        .forward_stream(
            &env.mail_from,
            &["dave@example.net".to_string()],
            &mut &plain[..],
            None,
        )
        .unwrap();
    let streamed = delivered_file(&d);
    // The queue: signed when the drain delivers.
    let q = pickup_client(&out, vec![rsa_pkcs1(), ed25519()]);
    q.configure(|cfg| cfg.queue.directory = Some(tmp.path().join("queue")));
    q.send_to_queue(&shapes::build("html_only").msg).unwrap();
    let before: Vec<PathBuf> = list(&out);
    let report = q.drain_queue(0, None).unwrap();
    assert_eq!(report.delivered, 1, "{report:?}");
    let after = list(&out);
    let queued: Vec<PathBuf> = after.into_iter().filter(|p| !before.contains(p)).collect();
    assert_eq!(queued.len(), 1);
    files.extend(queued);

    assert_all_verify(&files, &["rsa1", "ed"]);
    // The streamed forward of a signed message: our two on top of the two it had.
    assert_all_verify(&[streamed], &["rsa1", "ed", "rsa1", "ed"]);

    // The signed fields include the over-signed ones (listed twice).
    let sigs = &verify(&files[..1])[0];
    for s in sigs {
        let h = s.h.to_ascii_lowercase();
        let h: Vec<&str> = h.split(':').collect();
        for f in [
            "from",
            "subject",
            "to",
            "cc",
            "date",
            "message-id",
            "list-unsubscribe",
            "list-unsubscribe-post",
        ] {
            assert!(
                h.iter().filter(|x| **x == f).count() >= 2,
                "{f} not over-signed in h={h:?}"
            );
        }
    }
}

fn list(dir: &Path) -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "eml"))
        .collect();
    v.sort();
    v
}

/// A pickup file's message, without its X-Sender / X-Receiver lines.
fn strip_to_message(raw: &[u8]) -> Vec<u8> {
    let mut i = 0;
    while raw[i..].starts_with(b"X-Sender:") || raw[i..].starts_with(b"X-Receiver:") {
        i += raw[i..].iter().position(|&b| b == b'\n').unwrap() + 1;
    }
    raw[i..].to_vec()
}

#[test]
fn a_changed_body_byte_or_an_added_header_fails_both_verifiers() {
    let tmp = tempfile::tempdir().unwrap();
    let c = pickup_client(tmp.path(), vec![rsa_pkcs8(), ed25519()]);
    let mut m = shapes::build("plain_text").msg;
    m.set_list_unsubscribe(
        Some("https://example.com/unsubscribe?u=42"),
        Some("unsubscribe@example.com?subject=unsubscribe"),
        true,
    )
    .unwrap();
    let good = delivered_file(&c.send(&m).unwrap());
    assert_all_verify(std::slice::from_ref(&good), &["rsa8", "ed"]);
    let raw = std::fs::read(&good).unwrap();
    // Unfolded.
    let text = String::from_utf8_lossy(&raw).replace("\r\n ", " ");
    assert!(
        text.contains(
            "List-Unsubscribe: <https://example.com/unsubscribe?u=42>, \
             <mailto:unsubscribe@example.com?subject=unsubscribe>\r\n"
        ),
        "{text}"
    );
    assert!(text.contains("List-Unsubscribe-Post: List-Unsubscribe=One-Click\r\n"));

    // One body byte changed.
    let body_at = find(&raw, b"\r\n\r\n").unwrap() + 4;
    let mut bad_body = raw.clone();
    let i = body_at
        + bad_body[body_at..]
            .iter()
            .position(|b| b.is_ascii_lowercase())
            .unwrap();
    bad_body[i] = bad_body[i].to_ascii_uppercase();
    // A second List-Unsubscribe added below the signed one (over-signing must catch it).
    let mut added = raw[..body_at - 2].to_vec();
    added.extend_from_slice(b"List-Unsubscribe: <https://evil.example/x>\r\n");
    added.extend_from_slice(&raw[body_at - 2..]);
    // The signed List-Unsubscribe changed.
    let changed = String::from_utf8(raw.clone())
        .unwrap()
        .replace("u=42", "u=43")
        .into_bytes();
    let files: Vec<PathBuf> = [("body", bad_body), ("added", added), ("changed", changed)]
        .into_iter()
        .map(|(n, b)| {
            let p = tmp.path().join(format!("{n}.tampered"));
            std::fs::write(&p, b).unwrap();
            p
        })
        .collect();
    for (f, sigs) in files.iter().zip(verify(&files)) {
        assert_eq!(sigs.len(), 2, "{}", f.display());
        for s in sigs {
            assert!(
                !s.dkimpy && !s.opendkim,
                "{}: s={} still verifies (dkimpy={} opendkim={})",
                f.display(),
                s.s,
                s.dkimpy,
                s.opendkim
            );
        }
    }
}

#[test]
fn fields_a_forwarder_adds_later_do_not_break_the_signature() {
    let tmp = tempfile::tempdir().unwrap();
    let c = pickup_client(tmp.path(), vec![rsa_pkcs8(), ed25519()]);
    let good = delivered_file(&c.send(&shapes::build("plain_text").msg).unwrap());
    let raw = strip_to_message(&std::fs::read(&good).unwrap());
    // A RESEND by someone downstream puts Resent-* fields and a Received field on top; a list
    // may add Sender. None of them was in the message, so none is in h=.
    let mut forwarded =
        b"Resent-From: fwd@example.net\r\nResent-Date: Mon, 30 Nov 2026 10:00:00 +0000\r\n\
Received: from a by b; Mon, 30 Nov 2026 10:00:00 +0000\r\nSender: list@example.net\r\n"
            .to_vec();
    forwarded.extend_from_slice(&raw);
    let p = tmp.path().join("forwarded.later");
    std::fs::write(&p, forwarded).unwrap();
    assert_all_verify(&[p], &["rsa8", "ed"]);
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

#[test]
fn bulk_of_300_over_4_connections_is_signed_and_verifies() {
    let srv = AioServer::start(&["--no-auth"]);
    let c = Client::new();
    c.configure(|cfg| {
        cfg.smtp.host = "127.0.0.1".into();
        cfg.smtp.port = srv.port;
        cfg.smtp.security = missive::smtp::Security::None;
        cfg.dkim = vec![Arc::new(rsa_pkcs8()), Arc::new(ed25519())];
    });
    c.configure_bulk(|b| {
        b.multi_connection = true;
        b.connections = 4;
    });
    let msgs: Vec<MailMessage> = (0..300)
        .map(|k| {
            let mut m = MailMessage::new();
            m.set_from(addr("News <news@example.com>"));
            m.add_recipient(RecipientKind::To, addr(&format!("r{k}@example.org")));
            m.set_subject(&format!("Newsletter {k}")).unwrap();
            m.set_body(&format!("Issue {k}.\n\nWith a line.\n"));
            m.set_list_unsubscribe(
                Some(&format!("https://example.com/u/{k}")),
                Some("unsubscribe@example.com"),
                true,
            )
            .unwrap();
            m
        })
        .collect();
    let report = c.send_bulk(&msgs);
    assert_eq!(report.sent(), 300, "{report:?}");
    assert_eq!(srv.connections(), 4);
    let got = srv.messages();
    assert_eq!(got.len(), 300);
    let dir = tempfile::tempdir().unwrap();
    let files: Vec<PathBuf> = got
        .iter()
        .enumerate()
        .map(|(i, r)| {
            let p = dir.path().join(format!("{i}.eml"));
            std::fs::write(&p, &r.content).unwrap();
            p
        })
        .collect();
    assert_all_verify(&files, &["rsa8", "ed"]);
}

#[test]
fn smtp_send_and_streamed_forward_verify() {
    let srv = AioServer::start(&["--no-auth"]);
    let c = Client::new();
    c.configure(|cfg| {
        cfg.smtp.host = "127.0.0.1".into();
        cfg.smtp.port = srv.port;
        cfg.smtp.security = missive::smtp::Security::None;
        cfg.dkim = vec![Arc::new(ed25519())];
    });
    // Bare LF line ends in a loaded file: signed as the CRLF form that goes out.
    let lf = b"From: a@example.com\nTo: b@example.org\nSubject: lf\n\nline one\nline two\n";
    let m = eml::load_bytes(lf.to_vec()).unwrap();
    c.send(&m).unwrap();
    let tmp = tempfile::tempdir().unwrap();
    let f = tmp.path().join("in.eml");
    std::fs::write(&f, lf).unwrap();
    c.forward_file(&f, "a@example.com", &["z@example.org".to_string()])
        .unwrap();
    let got = srv.messages();
    assert_eq!(got.len(), 2);
    let files: Vec<PathBuf> = got
        .iter()
        .enumerate()
        .map(|(i, r)| {
            let p = tmp.path().join(format!("{i}.eml"));
            std::fs::write(&p, &r.content).unwrap();
            p
        })
        .collect();
    assert_all_verify(&files, &["ed"]);
}

#[test]
fn bad_keys_and_names_are_refused_without_showing_the_key() {
    let ec = key("ec-sec1.pem");
    let rsa = key("rsa-pkcs1.pem");
    let ed = key("ed25519.pem");
    let cases: Vec<(&[u8], DkimAlgorithm, &str)> = vec![
        (&ec, DkimAlgorithm::RsaSha256, "SEC1"),
        (&ec, DkimAlgorithm::Ed25519Sha256, "SEC1"),
        (&rsa, DkimAlgorithm::Ed25519Sha256, "PKCS#1"),
        (&ed, DkimAlgorithm::RsaSha256, "not an RSA private key"),
        (b"not a key at all", DkimAlgorithm::RsaSha256, "not a PEM"),
        (
            b"-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n",
            DkimAlgorithm::RsaSha256,
            "not an RSA",
        ),
    ];
    for (pem, alg, says) in cases {
        let e = DkimSigner::from_pem("example.com", "s", pem, alg).unwrap_err();
        assert_eq!(e.kind, DkimErrorKind::KeyInvalid, "{e:?}");
        assert!(e.message.contains(says), "{:?} lacks {says:?}", e.message);
        // No line of the key's base64 in the text.
        for line in String::from_utf8_lossy(pem).lines().filter(|l| l.len() > 8) {
            assert!(
                !e.message.contains(line),
                "{} shows key material",
                e.message
            );
        }
    }
    for (d, s) in [
        ("", "s"),
        ("example.com", ""),
        ("exa mple.com", "s"),
        ("example.com", "s;x=1"),
    ] {
        let e = DkimSigner::from_pem(d, s, &rsa, DkimAlgorithm::RsaSha256).unwrap_err();
        assert_eq!(e.kind, DkimErrorKind::InvalidArgument, "{d:?} {s:?}: {e:?}");
    }
    let e = DkimSigner::from_pem_file(
        "example.com",
        "s",
        Path::new("/nonexistent/key.pem"),
        DkimAlgorithm::RsaSha256,
    )
    .unwrap_err();
    assert_eq!(e.kind, DkimErrorKind::File(MessageErrorKind::NotFound));
    // Debug never shows the key.
    let dbg = format!("{:?}", rsa_pkcs1());
    assert!(dbg.contains("<redacted>") && dbg.contains("rsa1"), "{dbg}");
    let c = Client::new();
    c.configure(|cfg| cfg.dkim.push(Arc::new(rsa_pkcs1())));
    let dbg = format!("{:?}", c.config());
    for line in String::from_utf8_lossy(&rsa)
        .lines()
        .filter(|l| l.len() > 8)
    {
        assert!(!dbg.contains(line));
    }
}

#[test]
fn list_unsubscribe_is_checked() {
    let mut m = shapes::build("plain_text").msg;
    let bad: &[(Option<&str>, Option<&str>, bool, &str)] = &[
        (Some("http://example.com/u"), None, true, "https"),
        (Some("ftp://example.com/u"), None, false, "not an https"),
        (Some("https:///u"), None, false, "no host"),
        (Some("https://example.com/a b"), None, false, "' '"),
        (Some("https://example.com/a,b"), None, false, "','"),
        (Some("https://exämple.com/"), None, false, "'ä'"),
        (None, Some("unsubscribe"), false, "not an address"),
        (None, Some("u@example.com"), true, "only a mailto"),
    ];
    for (url, mailto, one_click, says) in bad {
        let e = m
            .set_list_unsubscribe(*url, *mailto, *one_click)
            .unwrap_err();
        assert_eq!(e.kind(), MessageErrorKind::ListUnsubscribeInvalid);
        assert!(
            e.message().contains(says),
            "{:?} lacks {says:?}",
            e.message()
        );
    }
    m.set_list_unsubscribe(None, Some("mailto:u@example.com"), false)
        .unwrap();
    assert_eq!(m.header("List-Unsubscribe"), Some("<mailto:u@example.com>"));
    assert_eq!(m.header("List-Unsubscribe-Post"), None);
    m.set_list_unsubscribe(Some("https://example.com/u"), None, true)
        .unwrap();
    assert_eq!(
        m.header("List-Unsubscribe"),
        Some("<https://example.com/u>")
    );
    assert_eq!(
        m.header("List-Unsubscribe-Post"),
        Some("List-Unsubscribe=One-Click")
    );
    m.set_list_unsubscribe(None, None, false).unwrap();
    assert_eq!(m.header("List-Unsubscribe"), None);
    assert_eq!(m.header("List-Unsubscribe-Post"), None);
}
