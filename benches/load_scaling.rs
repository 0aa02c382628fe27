//! How loading grows with nesting depth, part count and size: missive's `load_bytes` against
//! Python's `email.message_from_bytes` on the same bytes, in one run.
//!
//! Run with `cargo bench --bench load_scaling`. `PYTHON` names the interpreter (default
//! `python3`); `MISSIVE_LOAD_BENCH_RUNS=N` sets the runs per input (default 7, at most 3 for
//! the 5 MB inputs); the median is shown.
//!
//! Inputs, built in memory (CRLF): multiparts nested 25, 50 and 100 levels deep around a small
//! text leaf, and 10,000 deep (over `tree::MAX_DEPTH`: refused); one multipart with 1,000 to
//! 10,000 text parts (10,000 parts and the root are over `tree::MAX_PARTS`: refused); a 5 MB
//! text leaf under 100 levels, and under 1,000 (refused). "x2 ms" / "x2 py" are the time ratio
//! per doubling of the input's scale (levels, parts) against the row above, for missive and
//! Python (2.0 is linear). Python has no limits: for the refused inputs it reads the whole
//! message or fails (deep nesting: RecursionError), and "py/ms" compares with missive's
//! refusal, whose time includes freeing what was read before the limit was hit (a loaded
//! message is freed after its time is taken).
//!
//! Then save after an edit of the 5 MB message: unchanged, set the subject, add a 100 KB
//! attachment, each followed by `to_mime` (Python: `policy.default`, `replace_header` /
//! `add_attachment`, then `as_bytes`; the parse is not timed).
//!
//! Python runs in one process that reads every input from a temporary file and times each with
//! `time.perf_counter`.

use std::process::Command;
use std::time::Instant;

use missive::message::eml::load_bytes;
use missive::message::{MailMessage, MimeOptions, to_mime};

const MB5: usize = 5 * 1024 * 1024;
const ATTACHMENT: usize = 100 * 1024;

/// `levels` multiparts, each inside the one before, around a text leaf of about `leaf` bytes in
/// 76-character lines.
fn nested(levels: usize, leaf: usize) -> Vec<u8> {
    let mut s = Vec::with_capacity(leaf + levels * 80 + 256);
    s.extend_from_slice(b"From: a@example.com\r\nTo: b@example.net\r\nSubject: nested\r\n");
    s.extend_from_slice(b"Message-ID: <nested@example.com>\r\nMIME-Version: 1.0\r\n");
    for i in 0..levels {
        s.extend_from_slice(
            format!("Content-Type: multipart/mixed; boundary=\"b{i}\"\r\n\r\n--b{i}\r\n")
                .as_bytes(),
        );
    }
    s.extend_from_slice(b"Content-Type: text/plain; charset=us-ascii\r\n\r\n");
    let line = &b"abcdefghijklmnopqrstuvwxyz0123456789".repeat(3)[..76];
    let mut n = 0;
    while n < leaf.max(1) {
        s.extend_from_slice(line);
        s.extend_from_slice(b"\r\n");
        n += 78;
    }
    for i in (0..levels).rev() {
        s.extend_from_slice(format!("--b{i}--\r\n").as_bytes());
    }
    s
}

/// One multipart holding `parts` small text parts.
fn siblings(parts: usize) -> Vec<u8> {
    let mut s = b"From: a@example.com\r\nTo: b@example.net\r\nSubject: wide\r\n\
                  MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=\"w\"\r\n\r\n"
        .to_vec();
    for i in 0..parts {
        s.extend_from_slice(
            format!("--w\r\nContent-Type: text/plain\r\n\r\nPart {i} of the message.\r\n")
                .as_bytes(),
        );
    }
    s.extend_from_slice(b"--w--\r\n");
    s
}

struct Input {
    name: String,
    /// The scale the growth ratio is taken over (levels, parts), within a group.
    scale: f64,
    group: &'static str,
    bytes: Vec<u8>,
    runs: usize,
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(|a, b| a.total_cmp(b));
    v[v.len() / 2]
}

/// Median seconds of `runs` calls of `f` on a fresh copy of `bytes`, and the outcome.
fn time_load(bytes: &[u8], runs: usize) -> (f64, String) {
    let mut times = Vec::with_capacity(runs);
    let mut outcome = String::new();
    for _ in 0..runs {
        let copy = bytes.to_vec();
        let t = Instant::now();
        let r = load_bytes(copy);
        times.push(t.elapsed().as_secs_f64());
        outcome = match r {
            Ok(_) => "loaded".into(),
            Err(e) => format!("{:?}", e.kind()),
        };
    }
    (median(times), outcome)
}

fn time_save(msg: &MailMessage, runs: usize, edit: &dyn Fn(&mut MailMessage)) -> f64 {
    let opts = MimeOptions::default();
    let mut times = Vec::with_capacity(runs);
    for _ in 0..runs {
        let mut m = msg.clone();
        let t = Instant::now();
        edit(&mut m);
        let out = to_mime(&m, &opts);
        times.push(t.elapsed().as_secs_f64());
        assert!(out.len() >= MB5);
    }
    median(times)
}

const PY: &str = r#"
import email, email.policy, json, sys, time
from statistics import median

def timed(f, runs):
    ts, outcome = [], "loaded"
    for _ in range(runs):
        t = time.perf_counter()
        try:
            f()
        except Exception as e:
            outcome = type(e).__name__
        ts.append(time.perf_counter() - t)
    return median(ts), outcome

res = {}
for spec in sys.argv[2:]:
    path, runs = spec.rsplit(":", 1)
    data = open(path, "rb").read()
    res[path] = timed(lambda: email.message_from_bytes(data), int(runs))

path, runs = sys.argv[1].rsplit(":", 1)
data, runs = open(path, "rb").read(), int(runs)
att = bytes(range(256)) * 400
def save(edit):
    ts = []
    for _ in range(runs):
        m = email.message_from_bytes(data, policy=email.policy.default)
        t = time.perf_counter()
        edit(m)
        m.as_bytes()
        ts.append(time.perf_counter() - t)
    return median(ts)
def subject(m):
    m.replace_header("Subject", "edited")
def attach(m):
    m.add_attachment(att, maintype="application", subtype="octet-stream", filename="a.bin")
res["save"] = [save(lambda m: None), save(subject), save(attach)]
print(json.dumps(res))
"#;

fn fmt_ms(s: f64) -> String {
    if s < 0.001 {
        format!("{:.1} µs", s * 1e6)
    } else {
        format!("{:.2} ms", s * 1e3)
    }
}

fn main() {
    let runs: usize = std::env::var("MISSIVE_LOAD_BENCH_RUNS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(7)
        .max(1);
    let big_runs = runs.min(3);
    let mut inputs = Vec::new();
    for levels in [25, 50, 100, 10_000] {
        inputs.push(Input {
            name: format!("nested {levels} levels"),
            scale: levels as f64,
            group: "nested",
            bytes: nested(levels, 100),
            runs,
        });
    }
    for parts in [1_000, 2_000, 5_000, 10_000, 10_001] {
        inputs.push(Input {
            name: format!("{parts} sibling parts"),
            scale: parts as f64,
            group: "siblings",
            bytes: siblings(parts),
            runs,
        });
    }
    for levels in [100, 1_000] {
        inputs.push(Input {
            name: format!("5 MB leaf, {levels} levels"),
            scale: levels as f64,
            group: "big",
            bytes: nested(levels, MB5),
            runs: big_runs,
        });
    }

    // Python first, in one process.
    let dir = tempfile::tempdir().expect("a temporary directory");
    let mut args = Vec::new();
    for (i, inp) in inputs.iter().enumerate() {
        let p = dir.path().join(format!("in{i}.eml"));
        std::fs::write(&p, &inp.bytes).expect("write an input");
        args.push(format!("{}:{}", p.display(), inp.runs));
    }
    let big = inputs
        .iter()
        .position(|i| i.group == "big")
        .expect("the 5 MB input");
    let python = std::env::var("PYTHON").unwrap_or_else(|_| "python3".into());
    let t = Instant::now();
    let out = Command::new(&python)
        .arg("-c")
        .arg(PY)
        .arg(&args[big])
        .args(&args)
        .output()
        .unwrap_or_else(|e| panic!("cannot run {python} (set PYTHON): {e}"));
    assert!(
        out.status.success(),
        "python failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let py_wall = t.elapsed();
    let py: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON from python");
    let py_for = |i: usize| -> (f64, String) {
        let key = args[i].rsplit_once(':').unwrap().0;
        let v = &py[key];
        (
            v[0].as_f64().expect("seconds"),
            v[1].as_str().unwrap_or("?").to_string(),
        )
    };

    println!(
        "load_scaling: median of {runs} runs ({big_runs} for 5 MB); python {} ({:.1} s in all)",
        String::from_utf8_lossy(
            &Command::new(&python)
                .arg("--version")
                .output()
                .map(|o| o.stdout)
                .unwrap_or_default()
        )
        .trim(),
        py_wall.as_secs_f64()
    );
    println!();
    println!(
        "{:<24} {:>10} {:>11} {:>11} {:>11} {:>15} {:>7} {:>6} {:>6}",
        "input", "bytes", "missive", "outcome", "python", "(python)", "py/ms", "x2 ms", "x2 py"
    );
    // (group, scale, missive s, python s) of the row above, when both read it all.
    let mut prev: Option<(&str, f64, f64, f64)> = None;
    for (i, inp) in inputs.iter().enumerate() {
        let (ms, outcome) = time_load(&inp.bytes, inp.runs);
        let (ps, p_outcome) = py_for(i);
        let full = outcome == "loaded" && p_outcome == "loaded";
        // Growth per doubling of the scale against the row above in the same group.
        let growth = |now: f64, before: f64, scale: f64| {
            let doublings = (inp.scale / scale).log2();
            format!("{:.2}", (now / before).powf(1.0 / doublings))
        };
        let (g_ms, g_py) = match prev {
            Some((g, s, m0, p0)) if g == inp.group && full => {
                (growth(ms, m0, s), growth(ps, p0, s))
            }
            _ => (String::new(), String::new()),
        };
        println!(
            "{:<24} {:>10} {:>11} {:>11} {:>11} {:>15} {:>7.1} {:>6} {:>6}",
            inp.name,
            inp.bytes.len(),
            fmt_ms(ms),
            outcome,
            fmt_ms(ps),
            if p_outcome == "loaded" {
                ""
            } else {
                &p_outcome
            },
            ps / ms,
            g_ms,
            g_py
        );
        prev = full.then_some((inp.group, inp.scale, ms, ps));
    }

    // Save after an edit, 5 MB leaf under 100 levels.
    let msg = load_bytes(inputs[big].bytes.clone()).expect("the 5 MB message loads");
    let attachment: Vec<u8> = (0..ATTACHMENT).map(|i| i as u8).collect();
    let rows: [(&str, f64); 3] = [
        ("unchanged", time_save(&msg, big_runs, &|_| {})),
        (
            "set subject",
            time_save(&msg, big_runs, &|m| m.set_subject("edited").unwrap()),
        ),
        (
            "add 100 KB attachment",
            time_save(&msg, big_runs, &|m| {
                m.add_attachment("a.bin", None, attachment.clone()).unwrap()
            }),
        ),
    ];
    println!();
    println!("save after edit, {}:", inputs[big].name);
    println!(
        "{:<24} {:>11} {:>11} {:>7}",
        "edit + save", "missive", "python", "py/ms"
    );
    for (i, (name, ms)) in rows.iter().enumerate() {
        let ps = py["save"][i].as_f64().expect("seconds");
        println!(
            "{:<24} {:>11} {:>11} {:>7.1}",
            name,
            fmt_ms(*ms),
            fmt_ms(ps),
            ps / ms
        );
    }
}
