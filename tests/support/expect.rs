//! Writes a shape's output and its expectation file for `tests/support/py/check_mime.py`.
//!
//! The expectation is JSON written by hand (no serde): strings escaped per RFC 8259.
#![allow(dead_code)]

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::Command;

use missive::message::{MailAddress, MailMessage, RecipientKind};

use crate::shapes::{DEFAULT_DATE, Shape};

pub fn json_str(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if (c as u32) < 0x20 => {
                let _ = write!(out, "\\u{:04x}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

fn json_opt(s: Option<&str>) -> String {
    s.map_or_else(|| "null".to_string(), json_str)
}

fn json_list(items: impl IntoIterator<Item = String>) -> String {
    format!("[{}]", items.into_iter().collect::<Vec<_>>().join(","))
}

fn json_addrs(list: &[MailAddress]) -> String {
    json_list(list.iter().map(|a| {
        format!(
            "[{},{}]",
            json_opt(a.display_name()),
            json_str(&a.address())
        )
    }))
}

/// One leaf of the expected MIME tree.
fn leaf_text(ct: &str, text: &str, params: &[(&str, &str)]) -> String {
    let params = json_list(
        params
            .iter()
            .map(|(k, v)| format!("[{},{}]", json_str(k), json_str(v))),
    );
    format!(
        "{{\"ct\":{},\"text\":{},\"params\":{}}}",
        json_str(ct),
        json_str(text),
        params
    )
}

/// Writes `<dir>/<name>.eml`, `<name>.json` and the `.bin` files with expected part bytes.
pub fn write_case(dir: &Path, shape: &Shape, eml: &[u8]) -> PathBuf {
    let name = shape.name;
    let m: &MailMessage = &shape.msg;
    let eml_path = dir.join(format!("{name}.eml"));
    std::fs::write(&eml_path, eml).unwrap();
    let mut leaves = Vec::new();
    let (text, html) = m.effective_bodies();
    if let Some(t) = text {
        leaves.push(leaf_text("text/plain", t, &[("charset", "utf-8")]));
    } else if html.is_none() {
        leaves.push(leaf_text("text/plain", "", &[]));
    }
    if let Some(h) = html {
        leaves.push(leaf_text("text/html", h, &[("charset", "utf-8")]));
    }
    let mut nbin = 0;
    let mut bin = |bytes: &[u8]| {
        nbin += 1;
        let f = format!("{name}.part{nbin}.bin");
        std::fs::write(dir.join(&f), bytes).unwrap();
        f
    };
    for v in m.alternate_views() {
        let (essence, params) = match v.content_type.split_once(';') {
            Some((e, p)) => (e.trim().to_string(), p.to_string()),
            None => (v.content_type.clone(), String::new()),
        };
        let mut ps: Vec<(String, String)> = params
            .split(';')
            .filter_map(|p| p.split_once('='))
            .map(|(k, v)| (k.trim().to_string(), v.trim().trim_matches('"').to_string()))
            .collect();
        if let Some(cs) = &v.charset {
            ps.push(("charset".into(), cs.clone()));
        }
        let ps_ref: Vec<(&str, &str)> = ps.iter().map(|(a, b)| (a.as_str(), b.as_str())).collect();
        match (&v.charset, std::str::from_utf8(&v.content)) {
            (Some(_), Ok(s)) if essence.starts_with("text/") => {
                leaves.push(leaf_text(&essence, s, &ps_ref))
            }
            _ => {
                let f = bin(&v.content);
                let params = json_list(
                    ps_ref
                        .iter()
                        .map(|(k, v)| format!("[{},{}]", json_str(k), json_str(v))),
                );
                // Binary content has no charset parameter.
                let absent = if v.charset.is_none() {
                    "[\"charset\"]"
                } else {
                    "[]"
                };
                leaves.push(format!(
                    "{{\"ct\":{},\"file\":{},\"params\":{},\"absent_params\":{absent}}}",
                    json_str(&essence),
                    json_str(&f),
                    params
                ));
            }
        }
    }
    for (list, disposition) in [
        (m.inline_resources(), "inline"),
        (m.attachments(), "attachment"),
    ] {
        for a in list {
            let f = bin(&a.content);
            let absent = if a.content_type.starts_with("text/") {
                "[]"
            } else {
                "[\"charset\"]"
            };
            leaves.push(format!(
                "{{\"ct\":{},\"file\":{},\"filename\":{},\"cid\":{},\"disposition\":{},\"absent_params\":{absent}}}",
                json_str(&a.content_type),
                json_str(&f),
                json_opt((!a.name.is_empty()).then_some(a.name.as_str())),
                json_opt(a.content_id.as_deref()),
                json_str(disposition)
            ));
        }
    }
    let mut headers: Vec<String> = m
        .headers()
        .iter()
        .map(|h| format!("[{},{}]", json_str(&h.name), json_str(&h.value)))
        .collect();
    headers.extend(
        shape
            .extra_headers
            .iter()
            .map(|(n, v)| format!("[{},{}]", json_str(n), json_str(v))),
    );
    let mut absent_headers = shape.absent_headers.clone();
    absent_headers.push("Bcc".into());
    let (ts, off) = m.date().unwrap_or((DEFAULT_DATE, 0));
    let json = format!(
        "{{\"name\":{},\"tree\":{},\"subject\":{},\"from\":{},\"sender\":{},\"to\":{},\"cc\":{},\
         \"reply_to\":{},\"bcc\":{},\"headers\":{},\"absent_headers\":{},\"raw_contains\":{},\
         \"raw_absent\":{},\"date\":[{ts},{off}],\"smtputf8\":{},\"message_id\":{},\"leaves\":{}}}",
        json_str(name),
        json_str(shape.tree),
        json_str(m.subject()),
        json_addrs(m.from().map(std::slice::from_ref).unwrap_or(&[])),
        json_addrs(m.sender().map(std::slice::from_ref).unwrap_or(&[])),
        json_addrs(m.recipients(RecipientKind::To)),
        json_addrs(m.recipients(RecipientKind::Cc)),
        json_addrs(m.recipients(RecipientKind::ReplyTo)),
        json_addrs(m.recipients(RecipientKind::Bcc)),
        json_list(headers),
        json_list(absent_headers.iter().map(|h| json_str(h))),
        json_list(shape.raw_contains.iter().map(|h| json_str(h))),
        json_list(shape.raw_absent.iter().map(|h| json_str(h))),
        m.needs_smtputf8(),
        json_opt(m.message_id()),
        json_list(leaves),
    );
    std::fs::write(dir.join(format!("{name}.json")), json).unwrap();
    eml_path
}

pub fn script() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/support/py/check_mime.py")
}

/// Runs the checker on `files` (extra `args` first); returns (success, combined output).
pub fn run_checker(args: &[&str], files: &[PathBuf]) -> (bool, String) {
    let python = std::env::var("MISSIVE_TEST_PYTHON").unwrap_or_else(|_| "python3".into());
    let out = Command::new(python)
        .arg(script())
        .args(args)
        .args(files)
        .output()
        .expect("python3 must be installed to run the MIME checks");
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    (out.status.success(), text)
}

/// Like [`write_case`], for a pickup file: the expectation also names the envelope.
pub fn write_pickup_case(
    dir: &Path,
    shape: &Shape,
    file_bytes: &[u8],
    sender: &str,
    receivers: &[String],
) -> PathBuf {
    let path = write_case(dir, shape, file_bytes);
    let json_path = dir.join(format!("{}.json", shape.name));
    let json = std::fs::read_to_string(&json_path).unwrap();
    let envelope = format!(
        "{{\"envelope\":{{\"sender\":{},\"receivers\":{}}},",
        json_str(sender),
        json_list(receivers.iter().map(|r| json_str(r)))
    );
    std::fs::write(&json_path, json.replacen('{', &envelope, 1)).unwrap();
    path
}
