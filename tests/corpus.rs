//! Corpus test of the message layer against real mail, checked by Python's `email` package.
//!
//! Corpora:
//! - `cpython`: CPython's `email` test messages (tests/fixtures/corpus/cpython/msg_*.txt);
//! - `fixtures`: tests/fixtures/eml/*.eml;
//! - `regress`: tests/fixtures/eml/regress/*.eml (one message per loader finding);
//! - `mail-parser/<dir>`: the `mail-parser` crate's own test messages (`resources/eml/<dir>/`),
//!   used in place from cargo's download, found with `cargo metadata`; skipped (with a line
//!   saying so) when they cannot be found;
//! - `extra:<dir>`: every `.eml` under each directory of `MISSIVE_CORPUS_DIR` (a path list).
//!
//! For every message: (a) load; (b) save unchanged: byte-identical to the input; (c) set the
//! subject and save: only the Subject field differs (header fields compared as raw bytes, body
//! bytes identical); (d) add a To recipient, replace the text body and save; (e) reload every
//! output. `tests/support/corpus_check.py` then compares the library's view of the fields with
//! Python's and checks the edited output for lost parts, attachments, bodies and new defects.
//!
//! The bar, per corpus: of the messages Python can parse, at least 99% load; every loaded
//! message saves byte-exact, diffs in the Subject alone, edits without loss, reloads; no field
//! disagreement. The test fails below the bar.
//!
//! Run: `cargo test --test corpus -- --nocapture` (the summary table goes to stdout and to
//! `summary.txt` in the output directory). `MISSIVE_CORPUS_OUT=/dir` keeps every input, output,
//! `manifest.jsonl` (the library's view, one JSON line per message) and `results.jsonl`
//! (Python's verdicts) there; otherwise they go to a temporary directory, kept on failure.
//! `PYTHON` names the interpreter (default `python3`).

use std::cell::Cell;
use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::panic::{self, AssertUnwindSafe};
use std::path::{Path, PathBuf};
use std::process::Command;

use missive::message::eml::load_bytes;
use missive::message::{MailAddress, MailMessage, MimeOptions, RecipientKind, to_mime};
use serde_json::{Value, json};

/// The subject set in step (c): ASCII, so that it is written as is.
const NEW_SUBJECT: &str = "Corpus edit 1";
/// Text the new body of step (d) contains; the checker looks for it.
const BODY_MARKER: &str = "Corpus edit body 2";
/// The recipient added in step (d).
const ADDED_TO: &str = "corpus-added@example.net";
/// Failing messages listed per category and corpus.
const MAX_LISTED: usize = 20;

thread_local! {
    /// Set while the library runs on corpus messages: their panics are recorded, not printed.
    static QUIET_PANICS: Cell<bool> = const { Cell::new(false) };
}

/// Runs `f`, turning a panic into an error naming it.
fn guarded<T>(what: &str, f: impl FnOnce() -> T) -> Result<T, String> {
    QUIET_PANICS.with(|q| q.set(true));
    let r = panic::catch_unwind(AssertUnwindSafe(f));
    QUIET_PANICS.with(|q| q.set(false));
    r.map_err(|p| {
        let msg = p
            .downcast_ref::<&str>()
            .map(|s| s.to_string())
            .or_else(|| p.downcast_ref::<String>().cloned())
            .unwrap_or_else(|| "(no message)".into());
        format!("{what} panicked: {msg}")
    })
}

fn install_quiet_hook() {
    let default = panic::take_hook();
    panic::set_hook(Box::new(move |info| {
        if !QUIET_PANICS.with(|q| q.get()) {
            default(info);
        }
    }));
}

// ---------------------------------------------------------------------------------------------
// Corpora

struct Corpus {
    name: String,
    root: PathBuf,
    files: Vec<PathBuf>,
}

fn files_under(dir: &Path, recursive: bool, keep: &dyn Fn(&Path) -> bool) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let Ok(entries) = std::fs::read_dir(dir) else {
        return out;
    };
    for e in entries.flatten() {
        let p = e.path();
        if p.is_dir() {
            if recursive {
                out.extend(files_under(&p, true, keep));
            }
        } else if keep(&p) {
            out.push(p);
        }
    }
    out.sort();
    out
}

fn has_ext(p: &Path, ext: &str) -> bool {
    p.extension()
        .is_some_and(|e| e.to_string_lossy().eq_ignore_ascii_case(ext))
}

/// The `mail-parser` crate's `resources/eml` directory, from `cargo metadata`.
fn mail_parser_eml_dir() -> Result<PathBuf, String> {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let manifest = Path::new(env!("CARGO_MANIFEST_DIR")).join("Cargo.toml");
    let run = |offline: bool| {
        let mut cmd = Command::new(&cargo);
        cmd.args(["metadata", "--format-version", "1", "--manifest-path"])
            .arg(&manifest);
        if offline {
            cmd.arg("--offline");
        }
        cmd.output()
    };
    let out = match run(true) {
        Ok(o) if o.status.success() => o,
        _ => run(false).map_err(|e| format!("cannot run `{cargo} metadata`: {e}"))?,
    };
    if !out.status.success() {
        return Err(format!(
            "`cargo metadata` failed: {}",
            String::from_utf8_lossy(&out.stderr).trim()
        ));
    }
    let meta: Value = serde_json::from_slice(&out.stdout)
        .map_err(|e| format!("`cargo metadata` printed no JSON: {e}"))?;
    let pkg = meta["packages"]
        .as_array()
        .and_then(|ps| ps.iter().find(|p| p["name"] == "mail-parser"))
        .ok_or("`cargo metadata` lists no package mail-parser")?;
    let manifest_path = pkg["manifest_path"]
        .as_str()
        .ok_or("mail-parser has no manifest_path")?;
    let dir = Path::new(manifest_path)
        .parent()
        .ok_or("mail-parser's manifest_path has no parent")?
        .join("resources/eml");
    if !dir.is_dir() {
        return Err(format!(
            "{} does not exist (this mail-parser {} download has no test messages)",
            dir.display(),
            pkg["version"].as_str().unwrap_or("?")
        ));
    }
    Ok(dir)
}

/// Every corpus, and a line for each one skipped.
fn corpora() -> (Vec<Corpus>, Vec<String>) {
    let repo = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut list = Vec::new();
    let mut skipped = Vec::new();

    let cpython = repo.join("tests/fixtures/corpus/cpython");
    let files = files_under(&cpython, false, &|p| {
        has_ext(p, "txt")
            && p.file_name()
                .is_some_and(|n| n.to_string_lossy().starts_with("msg_"))
    });
    assert!(!files.is_empty(), "no messages in {}", cpython.display());
    list.push(Corpus {
        name: "cpython".into(),
        root: cpython,
        files,
    });

    let fixtures = repo.join("tests/fixtures/eml");
    let files = files_under(&fixtures, false, &|p| has_ext(p, "eml"));
    assert!(!files.is_empty(), "no messages in {}", fixtures.display());
    list.push(Corpus {
        name: "fixtures".into(),
        root: fixtures,
        files,
    });

    // The regression messages of the loader's findings (hidden Bcc after a one-letter zone,
    // obsolete syntax, BOM, mbox line, unclosed multiparts...): same bar.
    let regress = repo.join("tests/fixtures/eml/regress");
    let files = files_under(&regress, false, &|p| has_ext(p, "eml"));
    assert!(!files.is_empty(), "no messages in {}", regress.display());
    list.push(Corpus {
        name: "regress".into(),
        root: regress,
        files,
    });

    match mail_parser_eml_dir() {
        Ok(dir) => {
            let mut groups: BTreeMap<String, Vec<PathBuf>> = BTreeMap::new();
            for f in files_under(&dir, true, &|p| has_ext(p, "eml")) {
                let group = f
                    .strip_prefix(&dir)
                    .ok()
                    .and_then(|r| r.components().next())
                    .filter(|_| f.parent() != Some(dir.as_path()))
                    .map(|c| c.as_os_str().to_string_lossy().into_owned())
                    .unwrap_or_else(|| ".".into());
                groups.entry(group).or_default().push(f);
            }
            if groups.is_empty() {
                skipped.push(format!(
                    "SKIPPED corpus mail-parser: no .eml file under {}",
                    dir.display()
                ));
            }
            for (group, files) in groups {
                list.push(Corpus {
                    name: format!("mail-parser/{group}"),
                    root: if group == "." {
                        dir.clone()
                    } else {
                        dir.join(&group)
                    },
                    files,
                });
            }
        }
        Err(why) => skipped.push(format!("SKIPPED corpus mail-parser: {why}")),
    }

    if let Some(dirs) = std::env::var_os("MISSIVE_CORPUS_DIR") {
        for dir in std::env::split_paths(&dirs).filter(|d| !d.as_os_str().is_empty()) {
            let files = files_under(&dir, true, &|p| has_ext(p, "eml"));
            if files.is_empty() {
                skipped.push(format!(
                    "SKIPPED MISSIVE_CORPUS_DIR {}: no .eml file there",
                    dir.display()
                ));
                continue;
            }
            list.push(Corpus {
                name: format!("extra:{}", dir.display()),
                root: dir,
                files,
            });
        }
    }
    (list, skipped)
}

// ---------------------------------------------------------------------------------------------
// Header sections

/// One header field: its lowercased name and its raw bytes, continuation lines included.
#[derive(Debug)]
struct Field {
    name: Vec<u8>,
    raw: Vec<u8>,
}

/// A message split into header fields and the rest (from the empty line on).
struct Split {
    fields: Vec<Field>,
    body: Vec<u8>,
    has_separator: bool,
}

fn split_header(b: &[u8]) -> Split {
    let mut fields: Vec<Field> = Vec::new();
    let mut pos = 0;
    while pos < b.len() {
        let end = b[pos..]
            .iter()
            .position(|&c| c == b'\n')
            .map_or(b.len(), |i| pos + i + 1);
        let line = &b[pos..end];
        let content = line
            .strip_suffix(b"\n")
            .map(|l| l.strip_suffix(b"\r").unwrap_or(l))
            .unwrap_or(line);
        if content.is_empty() {
            return Split {
                fields,
                body: b[pos..].to_vec(),
                has_separator: true,
            };
        }
        match fields.last_mut() {
            Some(last) if line[0] == b' ' || line[0] == b'\t' => last.raw.extend_from_slice(line),
            _ => {
                let name = content
                    .iter()
                    .position(|&c| c == b':')
                    .map_or(content, |i| &content[..i]);
                fields.push(Field {
                    name: name.trim_ascii_end().to_ascii_lowercase(),
                    raw: line.to_vec(),
                });
            }
        }
        pos = end;
    }
    Split {
        fields,
        body: Vec::new(),
        has_separator: false,
    }
}

fn snippet(b: &[u8]) -> String {
    let s = String::from_utf8_lossy(&b[..b.len().min(90)]);
    let more = if b.len() > 90 { "..." } else { "" };
    format!("\"{}{more}\"", s.escape_debug())
}

fn first_difference(a: &[u8], b: &[u8]) -> String {
    let i = a.iter().zip(b).take_while(|(x, y)| x == y).count();
    let from = i.saturating_sub(20);
    format!(
        "differs from byte {i} (input {} bytes, output {}): input {} output {}",
        a.len(),
        b.len(),
        snippet(&a[from..]),
        snippet(&b[from..])
    )
}

/// Step (c): the output differs from the input in the Subject field alone.
fn subject_only_diff(input: &[u8], output: &[u8], subject: &str) -> Result<(), String> {
    let a = split_header(input);
    let b = split_header(output);
    let is_subject = |f: &&Field| f.name == b"subject";
    let out_subjects: Vec<usize> = (0..b.fields.len())
        .filter(|&i| is_subject(&&b.fields[i]))
        .collect();
    if out_subjects.len() != 1 {
        return Err(format!(
            "the output has {} Subject fields",
            out_subjects.len()
        ));
    }
    let raw = &b.fields[out_subjects[0]].raw;
    let value = raw
        .iter()
        .position(|&c| c == b':')
        .map_or(&raw[..], |i| &raw[i + 1..]);
    let value: Vec<u8> = value
        .iter()
        .copied()
        .filter(|&c| c != b'\r' && c != b'\n')
        .collect();
    if value.trim_ascii() != subject.as_bytes() {
        return Err(format!("the output's Subject field is {}", snippet(raw)));
    }
    let rest_a: Vec<&Field> = a.fields.iter().filter(|f| !is_subject(f)).collect();
    let rest_b: Vec<&Field> = b.fields.iter().filter(|f| !is_subject(f)).collect();
    if let Some(i) = (0..rest_a.len().max(rest_b.len()))
        .find(|&i| rest_a.get(i).map(|f| &f.raw) != rest_b.get(i).map(|f| &f.raw))
    {
        let show = |f: Option<&&Field>| f.map_or("(none)".to_string(), |f| snippet(&f.raw));
        return Err(format!(
            "other header fields differ ({} in the input, {} in the output); the first, not \
             counting Subject: input {} output {}",
            rest_a.len(),
            rest_b.len(),
            show(rest_a.get(i)),
            show(rest_b.get(i))
        ));
    }
    let in_subjects: Vec<usize> = (0..a.fields.len())
        .filter(|&i| is_subject(&&a.fields[i]))
        .collect();
    if in_subjects.len() == 1 && in_subjects[0] != out_subjects[0] {
        return Err(format!(
            "the Subject field moved from field {} to {}",
            in_subjects[0] + 1,
            out_subjects[0] + 1
        ));
    }
    let separator_added =
        !a.has_separator && a.body.is_empty() && matches!(&b.body[..], b"\r\n" | b"\n");
    if a.body != b.body && !separator_added {
        return Err(format!(
            "the body (from the empty line on) {}",
            first_difference(&a.body, &b.body)
        ));
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// One message

#[derive(Default)]
struct Record {
    corpus: usize,
    name: String,
    id: String,
    loaded: Option<Result<(), String>>,
    exact: Option<Result<(), String>>,
    subject_only: Option<Result<(), String>>,
    edit: Option<Result<(), String>>,
    reload: Option<Result<(), String>>,
    parseable: bool,
    py_note: Option<String>,
    field_diffs: Vec<String>,
}

fn addr_list(list: &[MailAddress]) -> Vec<String> {
    list.iter().map(|a| a.address().to_lowercase()).collect()
}

/// The library's view of the fields, as the checker reads it.
fn view(msg: &MailMessage) -> Value {
    let one = |a: Option<&MailAddress>| {
        a.map(|a| vec![a.address().to_lowercase()])
            .unwrap_or_default()
    };
    json!({
        "from": one(msg.from()),
        "sender": one(msg.sender()),
        "to": addr_list(msg.recipients(RecipientKind::To)),
        "cc": addr_list(msg.recipients(RecipientKind::Cc)),
        "bcc": addr_list(msg.recipients(RecipientKind::Bcc)),
        "reply_to": addr_list(msg.recipients(RecipientKind::ReplyTo)),
        "subject": msg.subject(),
        "date": msg.date().map(|d| d.0),
        "date_offset": msg.date().map(|d| d.1),
        "message_id": msg.message_id(),
        "attachments": msg.attachments().len(),
        "body_chars": msg.body().chars().count(),
        "has_html": msg.html_body().is_some(),
    })
}

fn load(bytes: &[u8]) -> Result<MailMessage, String> {
    guarded("load_bytes", || load_bytes(bytes.to_vec()))?
        .map_err(|e| format!("{:?}: {}", e.kind(), e.message()))
}

fn save(msg: &MailMessage) -> Result<Vec<u8>, String> {
    guarded("to_mime", || to_mime(msg, &MimeOptions::default()))
}

fn write(path: &Path, bytes: &[u8]) {
    std::fs::write(path, bytes).unwrap_or_else(|e| panic!("cannot write {}: {e}", path.display()));
}

/// Steps (a) to (e) for one message; returns its record and its manifest line.
fn run_message(
    corpus: usize,
    corpus_name: &str,
    root: &Path,
    file: &Path,
    out: &Path,
) -> (Record, Value) {
    let name = file
        .strip_prefix(root)
        .unwrap_or(file)
        .to_string_lossy()
        .into_owned();
    let id = format!("{corpus_name}/{name}");
    let input =
        std::fs::read(file).unwrap_or_else(|e| panic!("cannot read {}: {e}", file.display()));
    let stem: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '.' || c == '-' {
                c
            } else {
                '_'
            }
        })
        .collect();
    let base = |what: &str| out.join(format!("{stem}.{what}.eml"));
    write(&base("in"), &input);
    let mut rec = Record {
        corpus,
        name,
        id: id.clone(),
        ..Record::default()
    };
    let mut line = json!({
        "id": id,
        "input": base("in"),
        "loaded": false,
        "view": null,
        "edited": null,
        "marker": BODY_MARKER,
        "added_to": ADDED_TO,
    });

    // (a)
    let msg = match load(&input) {
        Ok(m) => m,
        Err(e) => {
            line["error"] = json!(e);
            rec.loaded = Some(Err(e));
            return (rec, line);
        }
    };
    rec.loaded = Some(Ok(()));
    line["loaded"] = json!(true);
    line["view"] = view(&msg);
    let mut outputs: Vec<(&str, Vec<u8>)> = Vec::new();

    // (b)
    rec.exact = Some(save(&msg).and_then(|bytes| {
        write(&base("unchanged"), &bytes);
        let r = if bytes == input {
            Ok(())
        } else {
            Err(first_difference(&input, &bytes))
        };
        outputs.push(("unchanged", bytes));
        r
    }));

    // (c)
    rec.subject_only = Some((|| {
        let mut m = load(&input)?;
        guarded("set_subject", || m.set_subject(NEW_SUBJECT))?
            .map_err(|e| format!("set_subject refused: {}", e.message()))?;
        let bytes = save(&m)?;
        write(&base("subject"), &bytes);
        let r = subject_only_diff(&input, &bytes, NEW_SUBJECT);
        outputs.push(("subject", bytes));
        r
    })());

    // (d)
    rec.edit = Some((|| {
        let mut m = load(&input)?;
        guarded("add_recipients_str", || {
            m.add_recipients_str(RecipientKind::To, ADDED_TO)
        })?
        .map_err(|e| format!("add_recipients_str refused: {}", e.message()))?;
        let body = format!("{BODY_MARKER}: the text body was replaced.\r\nSecond line.\r\n");
        guarded("set_body", || m.set_body(&body))?;
        let bytes = save(&m)?;
        write(&base("edit"), &bytes);
        line["edited"] = json!(base("edit"));
        outputs.push(("edit", bytes));
        Ok(())
    })());

    // (e)
    let mut reload = Vec::new();
    for (what, bytes) in &outputs {
        if let Err(e) = load(bytes) {
            reload.push(format!("the {what} output: {e}"));
        }
    }
    if outputs.len() < 3 {
        reload.push(format!("only {} of 3 outputs were written", outputs.len()));
    }
    rec.reload = Some(if reload.is_empty() {
        Ok(())
    } else {
        Err(reload.join("; "))
    });
    (rec, line)
}

// ---------------------------------------------------------------------------------------------
// Python

fn run_checker(manifest: &Path, results: &Path) -> BTreeMap<String, Value> {
    let python = std::env::var("PYTHON").unwrap_or_else(|_| "python3".into());
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/support/corpus_check.py");
    let out = Command::new(&python)
        .arg(&script)
        .arg(manifest)
        .arg(results)
        .output()
        .unwrap_or_else(|e| panic!("cannot run {python} (set PYTHON to a Python 3): {e}"));
    assert!(
        out.status.success(),
        "{} failed:\n{}\n{}",
        script.display(),
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    let text = std::fs::read_to_string(results).expect("the checker's results");
    text.lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| {
            let v: Value = serde_json::from_str(l).expect("a JSON line from the checker");
            (v["id"].as_str().expect("an id").to_string(), v)
        })
        .collect()
}

fn strings(v: &Value) -> Vec<String> {
    v.as_array()
        .map(|a| {
            a.iter()
                .filter_map(|s| s.as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default()
}

// ---------------------------------------------------------------------------------------------
// Summary

#[derive(Default)]
struct Stats {
    msgs: usize,
    py_ok: usize,
    loaded: usize,
    loaded_py_ok: usize,
    exact: usize,
    subject_only: usize,
    edit_ok: usize,
    reload_ok: usize,
    field_msgs: usize,
    field_total: usize,
}

fn is_ok(r: &Option<Result<(), String>>) -> bool {
    matches!(r, Some(Ok(())))
}

fn why(r: &Option<Result<(), String>>) -> String {
    match r {
        Some(Err(e)) => e.clone(),
        Some(Ok(())) => String::new(),
        None => "not run".into(),
    }
}

fn pct(n: usize, d: usize) -> String {
    if d == 0 {
        "-".into()
    } else {
        format!("{:.1}%", n as f64 * 100.0 / d as f64)
    }
}

fn truncate(s: &str, n: usize) -> String {
    if s.chars().count() <= n {
        s.to_string()
    } else {
        format!("{}...", s.chars().take(n).collect::<String>())
    }
}

fn listing(report: &mut String, title: &str, items: &[String]) {
    if items.is_empty() {
        return;
    }
    let _ = writeln!(report, "  {title} ({}):", items.len());
    for it in items.iter().take(MAX_LISTED) {
        let _ = writeln!(report, "    {}", truncate(it, 300));
    }
    if items.len() > MAX_LISTED {
        let _ = writeln!(report, "    ... and {} more", items.len() - MAX_LISTED);
    }
}

#[test]
fn corpus_against_python_email() {
    install_quiet_hook();
    let (corpora, skipped) = corpora();
    let (_tmp, out_dir) = match std::env::var_os("MISSIVE_CORPUS_OUT") {
        Some(d) => {
            let d = PathBuf::from(d);
            std::fs::create_dir_all(&d).expect("MISSIVE_CORPUS_OUT");
            (None, d)
        }
        None => {
            let t = tempfile::Builder::new()
                .prefix("missive-corpus-")
                .tempdir()
                .expect("a temporary directory");
            let p = t.path().to_path_buf();
            (Some(t), p)
        }
    };

    let mut records = Vec::new();
    let mut manifest = String::new();
    for (ci, c) in corpora.iter().enumerate() {
        let dir = out_dir.join(
            c.name
                .chars()
                .map(|ch| {
                    if ch.is_ascii_alphanumeric() || ch == '-' {
                        ch
                    } else {
                        '_'
                    }
                })
                .collect::<String>(),
        );
        std::fs::create_dir_all(&dir).expect("a corpus output directory");
        for f in &c.files {
            let (rec, line) = run_message(ci, &c.name, &c.root, f, &dir);
            manifest.push_str(&line.to_string());
            manifest.push('\n');
            records.push(rec);
        }
    }
    let manifest_path = out_dir.join("manifest.jsonl");
    write(&manifest_path, manifest.as_bytes());
    let results = run_checker(&manifest_path, &out_dir.join("results.jsonl"));

    let mut edit_problems: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for rec in &mut records {
        let r = results
            .get(&rec.id)
            .unwrap_or_else(|| panic!("the checker has no result for {}", rec.id));
        rec.parseable = r["parseable"].as_bool().unwrap_or(false);
        rec.py_note = r["note"].as_str().map(str::to_string);
        rec.field_diffs = strings(&r["field_diffs"]);
        let problems = strings(&r["edit_problems"]);
        if !problems.is_empty() {
            if is_ok(&rec.edit) {
                rec.edit = Some(Err(problems.join("; ")));
            }
            edit_problems.insert(rec.id.clone(), problems);
        }
    }

    // The table, the failures, the bar.
    let mut report = String::new();
    let _ = writeln!(
        report,
        "Corpus test: load, save unchanged, set Subject, add To + set body, reload; checked by \
         Python's email.\nOutput: {}\n",
        out_dir.display()
    );
    for s in &skipped {
        let _ = writeln!(report, "{s}");
    }
    let header = format!(
        "{:<24} {:>5} {:>6} {:>16} {:>9} {:>9} {:>9} {:>9} {:>14}",
        "corpus",
        "msgs",
        "py-ok",
        "loaded (of py)",
        "exact",
        "subj-only",
        "edit-ok",
        "reload",
        "field-diff"
    );
    let _ = writeln!(report, "{header}\n{}", "-".repeat(header.len()));
    let mut total = Stats::default();
    let mut bar_failures = Vec::new();
    let mut details = String::new();
    for (ci, c) in corpora.iter().enumerate() {
        let recs: Vec<&Record> = records.iter().filter(|r| r.corpus == ci).collect();
        let mut s = Stats {
            msgs: recs.len(),
            ..Stats::default()
        };
        let (mut refused, mut inexact, mut subj, mut edit, mut reload, mut fields, mut notes) =
            (vec![], vec![], vec![], vec![], vec![], vec![], vec![]);
        for r in &recs {
            s.py_ok += r.parseable as usize;
            if let Some(n) = &r.py_note {
                notes.push(format!("{}: {n}", r.name));
            }
            if !is_ok(&r.loaded) {
                let tag = if r.parseable {
                    ""
                } else {
                    " [python cannot parse it either]"
                };
                refused.push(format!("{}: {}{tag}", r.name, why(&r.loaded)));
                continue;
            }
            s.loaded += 1;
            s.loaded_py_ok += r.parseable as usize;
            let count = |ok: bool, n: &mut usize, list: &mut Vec<String>, res| {
                if ok {
                    *n += 1;
                } else {
                    list.push(format!("{}: {}", r.name, why(res)));
                }
            };
            count(is_ok(&r.exact), &mut s.exact, &mut inexact, &r.exact);
            count(
                is_ok(&r.subject_only),
                &mut s.subject_only,
                &mut subj,
                &r.subject_only,
            );
            count(is_ok(&r.edit), &mut s.edit_ok, &mut edit, &r.edit);
            count(is_ok(&r.reload), &mut s.reload_ok, &mut reload, &r.reload);
            if !r.field_diffs.is_empty() {
                s.field_msgs += 1;
                s.field_total += r.field_diffs.len();
                for d in &r.field_diffs {
                    fields.push(format!("{}: {d}", r.name));
                }
            }
        }
        let _ = writeln!(
            report,
            "{:<24} {:>5} {:>6} {:>16} {:>9} {:>9} {:>9} {:>9} {:>14}",
            truncate(&c.name, 24),
            s.msgs,
            s.py_ok,
            format!(
                "{}/{} {}",
                s.loaded_py_ok,
                s.py_ok,
                pct(s.loaded_py_ok, s.py_ok)
            ),
            format!("{}/{}", s.exact, s.loaded),
            format!("{}/{}", s.subject_only, s.loaded),
            format!("{}/{}", s.edit_ok, s.loaded),
            format!("{}/{}", s.reload_ok, s.loaded),
            format!("{} msg, {} fld", s.field_msgs, s.field_total),
        );
        let _ = writeln!(
            details,
            "\n{} ({} messages, {}):",
            c.name,
            s.msgs,
            c.root.display()
        );
        listing(&mut details, "refused by the loader", &refused);
        listing(&mut details, "unchanged save not byte-exact", &inexact);
        listing(
            &mut details,
            "subject edit changed more than the Subject",
            &subj,
        );
        listing(&mut details, "edit failures (add To + set body)", &edit);
        listing(&mut details, "reload failures", &reload);
        listing(&mut details, "field disagreements with Python", &fields);
        listing(&mut details, "notes from the Python side", &notes);

        // The bar.
        let mut fail = |cond: bool, what: String| {
            if !cond {
                bar_failures.push(format!("{}: {what}", c.name));
            }
        };
        fail(
            s.loaded_py_ok * 100 >= s.py_ok * 99,
            format!(
                "{} of {} Python-parseable messages load (bar: 99%)",
                s.loaded_py_ok, s.py_ok
            ),
        );
        fail(
            s.exact == s.loaded,
            format!("{} of {} loaded save byte-exact", s.exact, s.loaded),
        );
        fail(
            s.subject_only == s.loaded,
            format!(
                "{} of {} loaded change only the Subject",
                s.subject_only, s.loaded
            ),
        );
        fail(
            s.edit_ok == s.loaded,
            format!("{} edit failures", s.loaded - s.edit_ok),
        );
        fail(
            s.reload_ok == s.loaded,
            format!("{} of {} loaded reload", s.reload_ok, s.loaded),
        );
        fail(
            s.field_msgs == 0,
            format!("{} field disagreements", s.field_total),
        );

        total.msgs += s.msgs;
        total.py_ok += s.py_ok;
        total.loaded += s.loaded;
        total.loaded_py_ok += s.loaded_py_ok;
        total.exact += s.exact;
        total.subject_only += s.subject_only;
        total.edit_ok += s.edit_ok;
        total.reload_ok += s.reload_ok;
        total.field_msgs += s.field_msgs;
        total.field_total += s.field_total;
    }
    let _ = writeln!(report, "{}", "-".repeat(header.len()));
    let _ = writeln!(
        report,
        "{:<24} {:>5} {:>6} {:>16} {:>9} {:>9} {:>9} {:>9} {:>14}",
        "total",
        total.msgs,
        total.py_ok,
        format!(
            "{}/{} {}",
            total.loaded_py_ok,
            total.py_ok,
            pct(total.loaded_py_ok, total.py_ok)
        ),
        format!("{}/{}", total.exact, total.loaded),
        format!("{}/{}", total.subject_only, total.loaded),
        format!("{}/{}", total.edit_ok, total.loaded),
        format!("{}/{}", total.reload_ok, total.loaded),
        format!("{} msg, {} fld", total.field_msgs, total.field_total),
    );
    let _ = writeln!(
        report,
        "\nloaded = loaded among the messages Python can parse; exact, subj-only, edit-ok and \
         reload are of the loaded messages; field-diff = messages (fields) where the library's \
         From/Sender/To/Cc/Bcc/Reply-To/Subject/Date/Message-ID differ from Python's."
    );
    report.push_str(&details);
    if bar_failures.is_empty() {
        let _ = writeln!(report, "\nThe bar is met.");
    } else {
        let _ = writeln!(report, "\nBelow the bar:");
        for f in &bar_failures {
            let _ = writeln!(report, "  {f}");
        }
    }
    write(&out_dir.join("summary.txt"), report.as_bytes());
    println!("{report}");

    if !bar_failures.is_empty() {
        if let Some(t) = _tmp {
            let kept = t.keep();
            println!("Inputs, outputs and results kept in {}", kept.display());
        }
        panic!(
            "the corpus is below the bar ({} failures; the table and the failing messages are \
             printed above)",
            bar_failures.len()
        );
    }
}

/// The instrument itself: what the Subject-only comparison accepts and rejects.
#[test]
fn subject_only_comparison() {
    let input = b"From: a@b.example\r\nSubject: old\r\n  folded\r\nX-A: 1\r\n\r\nbody\r\n";
    let ok = b"From: a@b.example\r\nSubject: new\r\nX-A: 1\r\n\r\nbody\r\n";
    assert_eq!(subject_only_diff(input, ok, "new"), Ok(()));
    let moved = b"Subject: new\r\nFrom: a@b.example\r\nX-A: 1\r\n\r\nbody\r\n";
    assert!(subject_only_diff(input, moved, "new").is_err());
    let other = b"From: a@b.example\r\nSubject: new\r\nX-A:  1\r\n\r\nbody\r\n";
    assert!(subject_only_diff(input, other, "new").is_err());
    let body = b"From: a@b.example\r\nSubject: new\r\nX-A: 1\r\n\r\nbody\n";
    assert!(subject_only_diff(input, body, "new").is_err());
    let wrong = b"From: a@b.example\r\nSubject: old\r\nX-A: 1\r\n\r\nbody\r\n";
    assert!(subject_only_diff(input, wrong, "new").is_err());
    let none = b"From: a@b.example\nX-A: 1\n\nbody\n";
    let added = b"From: a@b.example\nX-A: 1\nSubject: new\r\n\nbody\n";
    assert_eq!(subject_only_diff(none, added, "new"), Ok(()));
    let two = b"From: a@b.example\nSubject: new\nSubject: new\nX-A: 1\n\nbody\n";
    assert!(subject_only_diff(none, two, "new").is_err());
    let headers_only = b"From: a@b.example\r\nSubject: old\r\n";
    let with_sep = b"From: a@b.example\r\nSubject: new\r\n\r\n";
    assert_eq!(subject_only_diff(headers_only, with_sep, "new"), Ok(()));
}
