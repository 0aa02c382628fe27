//! Raw `.eml` forward throughput and peak memory: missive's `forward_file` against
//! `curl -T FILE smtp://...`, both sending the same generated file to the same Postfix
//! `smtp-sink` on 127.0.0.1, in one run.
//!
//! Run with `cargo bench --bench forward_throughput`. Environment:
//! - `MISSIVE_FWD_BENCH_SIZES_MIB=200,1024`: file sizes in MiB (default 200 and 1024);
//! - `MISSIVE_FWD_BENCH_ROUNDS=N`: runs per side and size, alternating which goes first; the
//!   medians are compared (default 3);
//! - `MISSIVE_FWD_BENCH_DIR=/tmp`: where the files are generated (removed afterwards).
//!
//! Each side runs as its own process, so that its peak RSS is its own: missive is this bench
//! binary re-executed with `MISSIVE_FWD_BENCH_CHILD` set (it then forwards one file and
//! exits), curl is curl. Wall time is from spawn to exit for both (process start-up included
//! for both); peak RSS is `ru_maxrss` from `wait4` of that child. The file is read once before
//! the runs so both read it from the page cache. The file has CRLF line endings and lines
//! starting with dots, so both clients do the same work (dot-stuffing; curl does no CRLF
//! conversion without `--crlf`).
//!
//! Needs Postfix's smtp-sink (`apt-get install postfix`) and curl.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use missive::deliver::{Client, DeliveryMethod};
use missive::smtp::Security;

mod common;
use common::{Sink, require_tool};

const CHILD_ENV: &str = "MISSIVE_FWD_BENCH_CHILD";
const FROM: &str = "bench@localhost";
const TO: &str = "sink@localhost";

/// Writes a message of about `size` bytes: headers, then CRLF lines of 76 characters, every
/// 50th starting with a dot.
fn generate(path: &Path, size: u64) {
    let f = std::fs::File::create(path).expect("create the bench file");
    let mut w = std::io::BufWriter::with_capacity(1 << 20, f);
    write!(
        w,
        "From: {FROM}\r\nTo: {TO}\r\nSubject: forward throughput\r\nMessage-ID: <bench@localhost>\r\n\
         MIME-Version: 1.0\r\nContent-Type: text/plain; charset=us-ascii\r\n\r\n"
    )
    .unwrap();
    let mut written = 0u64;
    let mut i = 0u64;
    let plain = format!(
        "{}\r\n",
        &"abcdefghijklmnopqrstuvwxyz0123456789".repeat(3)[..76]
    );
    let dotted = format!(".{}", &plain[1..]);
    while written < size {
        let line = if i.is_multiple_of(50) {
            &dotted
        } else {
            &plain
        };
        w.write_all(line.as_bytes()).unwrap();
        written += line.len() as u64;
        i += 1;
    }
    w.flush().unwrap();
}

/// The child: forwards one file and exits.
fn child_main(spec: &str) {
    let (path, port) = spec.split_once('|').expect("PATH|PORT");
    let client = Client::new();
    client.configure(|c| {
        c.delivery_method = DeliveryMethod::Network;
        c.smtp.host = "127.0.0.1".into();
        c.smtp.port = port.parse().expect("port");
        c.smtp.security = Security::None;
        c.smtp.client_name = Some("bench.localhost".into());
        c.smtp.command_timeout = Duration::from_secs(120);
    });
    if let Err(e) = client.forward_file(Path::new(path), FROM, &[TO.to_string()]) {
        eprintln!("forward failed: {e}");
        std::process::exit(1);
    }
    client.close();
}

/// One run of one client.
struct Run {
    wall: Duration,
    /// User + system CPU time of the client process.
    cpu: Duration,
    /// Peak RSS in KiB.
    rss_kib: u64,
}

/// Waits for `child` with wait4: the run's figures, and whether it exited with 0.
fn wait_rusage(child: Child, start: Instant) -> (Run, bool) {
    let pid = child.id() as libc::pid_t;
    let mut status = 0;
    // SAFETY: wait4 writes into the zeroed rusage and the status int we pass; `pid` is our own
    // child, not yet reaped (Child::wait is never called on it).
    let mut ru: libc::rusage = unsafe { std::mem::zeroed() };
    let rc = unsafe { libc::wait4(pid, &mut status, 0, &mut ru) };
    let elapsed = start.elapsed();
    assert_eq!(rc, pid, "wait4 failed");
    std::mem::forget(child); // already reaped
    let ok = libc::WIFEXITED(status) && libc::WEXITSTATUS(status) == 0;
    let tv = |t: libc::timeval| {
        Duration::from_secs(t.tv_sec as u64) + Duration::from_micros(t.tv_usec as u64)
    };
    let run = Run {
        wall: elapsed,
        cpu: tv(ru.ru_utime) + tv(ru.ru_stime),
        rss_kib: ru.ru_maxrss as u64,
    };
    (run, ok)
}

fn run_missive(path: &Path, port: u16) -> Run {
    let start = Instant::now();
    let child = Command::new(std::env::current_exe().unwrap())
        .env(CHILD_ENV, format!("{}|{port}", path.display()))
        .stdin(Stdio::null())
        .spawn()
        .expect("re-execute the bench");
    let (run, ok) = wait_rusage(child, start);
    assert!(ok, "missive forward failed");
    run
}

fn run_curl(curl: &Path, path: &Path, port: u16) -> Run {
    let start = Instant::now();
    let child = Command::new(curl)
        .args(["-sS", "-T"])
        .arg(path)
        .arg(format!("smtp://127.0.0.1:{port}"))
        .args(["--mail-from", FROM, "--mail-rcpt", TO])
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .spawn()
        .expect("run curl");
    let (run, ok) = wait_rusage(child, start);
    assert!(ok, "curl failed");
    run
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(|a, b| a.total_cmp(b));
    v[v.len() / 2]
}

fn main() {
    if let Ok(spec) = std::env::var(CHILD_ENV) {
        child_main(&spec);
        return;
    }
    if std::env::args().any(|a| a == "--list") {
        return; // `cargo test --benches` asks for the list of tests
    }
    let sizes: Vec<u64> = std::env::var("MISSIVE_FWD_BENCH_SIZES_MIB")
        .unwrap_or_else(|_| "200,1024".to_string())
        .split(',')
        .filter_map(|s| s.trim().parse().ok())
        .collect();
    let rounds: usize = std::env::var("MISSIVE_FWD_BENCH_ROUNDS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(3)
        .max(1);
    let dir =
        PathBuf::from(std::env::var("MISSIVE_FWD_BENCH_DIR").unwrap_or_else(|_| "/tmp".into()));
    let curl = require_tool("curl", "curl");
    let sink = Sink::start(16);
    println!(
        "{:>9} {:>8} {:>10} {:>10} {:>7} {:>9} {:>13} runs (wall s)",
        "size MiB", "client", "MiB/s", "median s", "ratio", "CPU s", "peak RSS KiB"
    );
    for mib in sizes {
        let path = dir.join(format!(
            "missive-forward-bench-{}-{mib}.eml",
            std::process::id()
        ));
        generate(&path, mib << 20);
        let len = std::fs::metadata(&path).unwrap().len();
        // Into the page cache for both.
        std::io::copy(
            &mut std::fs::File::open(&path).unwrap(),
            &mut std::io::sink(),
        )
        .unwrap();
        let (mut runs_m, mut runs_c) = (Vec::new(), Vec::new());
        for r in 0..rounds {
            let order = if r % 2 == 0 {
                [true, false]
            } else {
                [false, true]
            };
            for missive_side in order {
                if missive_side {
                    runs_m.push(run_missive(&path, sink.port));
                } else {
                    runs_c.push(run_curl(&curl, &path, sink.port));
                }
            }
        }
        let _ = std::fs::remove_file(&path);
        let wall = |v: &[Run]| median(v.iter().map(|r| r.wall.as_secs_f64()).collect());
        let cpu = |v: &[Run]| median(v.iter().map(|r| r.cpu.as_secs_f64()).collect());
        let rss = |v: &[Run]| v.iter().map(|r| r.rss_kib).max().unwrap_or(0);
        let all = |v: &[Run]| {
            v.iter()
                .map(|r| format!("{:.3}", r.wall.as_secs_f64()))
                .collect::<Vec<_>>()
                .join(",")
        };
        let (m, c) = (wall(&runs_m), wall(&runs_c));
        let mb = len as f64 / (1 << 20) as f64;
        let rm = rss(&runs_m);
        for (name, v, ratio) in [("missive", &runs_m, c / m), ("curl", &runs_c, 1.0)] {
            println!(
                "{mib:>9} {name:>8} {:>10.1} {:>10.3} {:>7.3} {:>9.3} {:>13} {}",
                mb / wall(v),
                wall(v),
                ratio,
                cpu(v),
                rss(v),
                all(v)
            );
        }
        let ok_speed = c / m >= 0.95;
        let ok_rss = rm <= 8 * 1024;
        println!(
            "{mib:>9} targets: throughput >= 0.95x curl: {}; peak RSS <= 8 MB: {}",
            if ok_speed { "met" } else { "NOT met" },
            if ok_rss { "met" } else { "NOT met" }
        );
    }
    sink.stop();
}
