//! Message shapes built with the model, written with `to_mime`, and checked by Python's standard
//! `email` package (tests/support/py/check_mime.py): no defects, CRLF only, lines <= 998 octets,
//! no Bcc, and the structure, addresses, bodies and attachments that were built.

#[path = "support/expect.rs"]
mod expect;
#[path = "support/shapes.rs"]
mod shapes;

use std::path::PathBuf;

use missive::message::{MimeOptions, to_mime};

/// Shapes whose output shows a library bug; each has its own ignored test below.
const KNOWN_BUGS: &[&str] = &[];

fn check_shapes(names: &[&str]) {
    let tmp = tempfile::tempdir().unwrap();
    // MISSIVE_KEEP_SHAPES=/some/dir keeps the files for inspection.
    let dir = match std::env::var_os("MISSIVE_KEEP_SHAPES") {
        Some(d) => {
            std::fs::create_dir_all(&d).unwrap();
            PathBuf::from(d)
        }
        None => tmp.path().to_path_buf(),
    };
    let mut files: Vec<PathBuf> = Vec::new();
    for name in names {
        let shape = shapes::build(name);
        let eml = to_mime(&shape.msg, &shapes::opts(name));
        files.push(expect::write_case(&dir, &shape, &eml));
    }
    let (ok, out) = expect::run_checker(&[], &files);
    println!("{out}");
    assert!(
        ok,
        "Python email checks failed for {} shape(s):\n{out}",
        names.len()
    );
    assert!(
        out.contains(&format!("OK: {} message(s) passed", names.len())),
        "unexpected checker output:\n{out}"
    );
}

#[test]
fn there_are_at_least_25_shapes() {
    assert!(shapes::NAMES.len() >= 25, "{} shapes", shapes::NAMES.len());
    let mut seen = std::collections::HashSet::new();
    for n in shapes::NAMES {
        assert!(seen.insert(*n), "duplicate shape {n}");
        assert_eq!(shapes::build(n).name, *n);
    }
}

#[test]
fn every_shape_passes_python_email_checks() {
    let names: Vec<&str> = shapes::NAMES
        .iter()
        .copied()
        .filter(|n| !KNOWN_BUGS.contains(n))
        .collect();
    check_shapes(&names);
}

#[test]
fn the_checker_catches_broken_messages() {
    // The checker itself must fail on wrong expectations and malformed bytes.
    let dir = tempfile::tempdir().unwrap();
    let mut shape = shapes::build("alternative_attachment");
    let eml = to_mime(&shape.msg, &shapes::opts(shape.name));
    shape.tree = "multipart/mixed[text/plain,application/pdf]";
    let f1 = expect::write_case(dir.path(), &shape, &eml);
    let (ok, out) = expect::run_checker(&[], &[f1]);
    assert!(!ok && out.contains("tree is"), "{out}");

    let shape = shapes::build("plain_text");
    let mut eml = to_mime(&shape.msg, &shapes::opts(shape.name));
    let pos = eml.windows(2).position(|w| w == b"\r\n").unwrap();
    eml.remove(pos); // a bare LF
    eml.extend_from_slice(b"Bcc: x@y.z\r\n");
    let f2 = expect::write_case(dir.path(), &shape, &eml);
    let (ok, out) = expect::run_checker(&[], &[f2]);
    assert!(!ok && out.contains("bare LF"), "{out}");
}

#[test]
fn output_is_deterministic() {
    for name in shapes::NAMES {
        let mut shape = shapes::build(name);
        let opts = shapes::opts(name);
        // Without a Message-ID, to_mime generates a new one each time (documented); everything
        // else must still be identical.
        if shape.msg.message_id().is_none() {
            let a = to_mime(&shape.msg, &opts);
            let b = to_mime(&shape.msg, &opts);
            let strip = |v: &[u8]| -> Vec<Vec<u8>> {
                v.split(|&c| c == b'\n')
                    .filter(|l| !l.to_ascii_lowercase().starts_with(b"message-id:"))
                    .map(<[u8]>::to_vec)
                    .collect()
            };
            assert_eq!(
                strip(&a),
                strip(&b),
                "{name}: output differs beyond the Message-ID"
            );
            shape.msg.ensure_message_id();
        }
        let a = to_mime(&shape.msg, &opts);
        let b = to_mime(&shape.msg, &opts);
        assert!(a == b, "{name}: two writes with the same options differ");
        let c = to_mime(&shape.msg.clone(), &opts);
        assert!(a == c, "{name}: a clone writes differently");
        if shape.tree.starts_with("multipart/") {
            let marker = format!("shape-{name}");
            assert!(
                a.windows(marker.len()).any(|w| w == marker.as_bytes()),
                "{name}: the fixed boundary is not used"
            );
            let other = MimeOptions {
                fixed_boundary: Some("other-prefix".into()),
                default_date: opts.default_date,
            };
            assert_ne!(
                a,
                to_mime(&shape.msg, &other),
                "{name}: boundary option ignored"
            );
        }
    }
}

#[test]
fn default_date_is_used_only_without_a_date() {
    let plain = shapes::build("plain_text");
    let a = to_mime(
        &plain.msg,
        &MimeOptions {
            fixed_boundary: None,
            default_date: Some(0),
        },
    );
    let s = String::from_utf8_lossy(&a);
    assert!(
        s.contains("Date: Thu, 1 Jan 1970 00:00:00 +0000\r\n"),
        "{s}"
    );
    let fixed = shapes::build("fixed_date_and_id");
    let b = to_mime(
        &fixed.msg,
        &MimeOptions {
            fixed_boundary: None,
            default_date: Some(0),
        },
    );
    let s = String::from_utf8_lossy(&b);
    assert!(!s.contains("1970"), "{s}");
}

#[test]
fn smtputf8_flag() {
    let s = shapes::build("smtputf8_local_part");
    assert!(s.msg.needs_smtputf8());
    for name in [
        "idn_domain",
        "non_ascii_display_names",
        "plain_text",
        "many_recipients",
    ] {
        assert!(!shapes::build(name).msg.needs_smtputf8(), "{name}");
    }
}

#[test]
fn bcc_never_written_but_kept_in_envelope() {
    let s = shapes::build("bcc_hidden");
    let out = to_mime(&s.msg, &shapes::opts(s.name));
    let text = String::from_utf8_lossy(&out).to_ascii_lowercase();
    assert!(
        !text.contains("\nbcc:") && !text.starts_with("bcc:"),
        "{text}"
    );
    assert!(!text.contains("hidden.example"));
    let (_, rcpts) = s.msg.envelope().unwrap();
    assert_eq!(
        rcpts,
        [
            "bob@example.org",
            "carol@example.org",
            "secret-bcc@hidden.example",
            "another-hidden@hidden.example"
        ]
    );
}

#[test]
fn bare_cr_in_body_becomes_crlf() {
    check_shapes(&["bare_cr_body"]);
}

#[test]
fn binary_parts_get_no_charset() {
    check_shapes(&["binary_view", "nameless_inline"]);
}
