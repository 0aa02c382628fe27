//! What a proxy costs: missive and curl (a real SMTP client with proxy support) side by side,
//! sending to Postfix's `smtp-sink` on 127.0.0.1 directly, through Dante (SOCKS5) and through
//! tinyproxy (HTTP CONNECT), all private instances on free loopback ports, in one run.
//!
//! Run with `cargo bench --bench proxy_overhead`. Environment:
//! - `MISSIVE_BENCH_SESSIONS=N`: one-message sessions per client and route (default 40);
//! - `MISSIVE_BENCH_MESSAGES=N`: messages over one connection for missive's throughput per
//!   route (default 5000).
//!
//! Figures:
//! - a session (connect, through the proxy when there is one; greeting, EHLO, MAIL, RCPT,
//!   DATA, QUIT) with one ~1 KB message: the median wall time of missive's
//!   `SmtpConnection::connect` + `send` + `quit`, and of a whole `curl smtp://...` process
//!   (curl's figure includes starting the process, a few ms that missive's does not);
//! - missive's throughput over one connection kept open (PIPELINING, `send_many` in batches of
//!   500): the proxy only relays bytes, so this shows what the extra hop costs per message.
//!
//! This is a program, not a timed test (`harness = false`). It needs `postfix` (smtp-sink),
//! `dante-server`, `tinyproxy` and `curl` (`scripts/install-deps.sh` installs the first three).

use std::io::Write;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use missive::smtp::{Envelope, Security, SmtpConfig, SmtpConnection, parse_proxy_url};

mod common;
use common::{Sink, require_tool};

#[path = "../tests/support/smtp/proxies.rs"]
mod proxies;

const FROM: &str = "bench@localhost";
const TO: &str = "sink@localhost";

fn message(i: usize) -> Vec<u8> {
    let mut m = Vec::new();
    write!(
        m,
        "From: <{FROM}>\r\nTo: <{TO}>\r\nDate: Tue, 24 Nov 2026 02:16:53 +0000\r\n\
         Message-Id: <{i}.proxy-bench@localhost>\r\nSubject: bench {i}\r\n\r\n"
    )
    .unwrap();
    for line in 0..13 {
        m.extend_from_slice(format!("{line}{}\r\n", "X".repeat(76)).as_bytes());
    }
    m
}

fn env_usize(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.trim().parse().ok())
        .filter(|&n| n > 0)
        .unwrap_or(default)
}

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

fn config(port: u16, proxy: Option<&str>) -> SmtpConfig {
    let mut c = SmtpConfig::new("127.0.0.1");
    c.port = port;
    c.security = Security::None;
    c.client_name = Some("bench.localhost".to_string());
    c.proxy = proxy.map(|p| parse_proxy_url(p).unwrap());
    c
}

fn missive_sessions(port: u16, proxy: Option<&str>, n: usize) -> Duration {
    let c = config(port, proxy);
    let env = Envelope::new(FROM, [TO]);
    let msg = message(0);
    let mut times = Vec::with_capacity(n);
    for _ in 0..n {
        let t = Instant::now();
        let mut conn = SmtpConnection::connect(&c).expect("connect");
        conn.send(&env, &msg).expect("send");
        conn.quit();
        times.push(t.elapsed());
    }
    median(times)
}

fn curl_sessions(curl: &std::path::Path, port: u16, proxy: Option<&str>, n: usize) -> Duration {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("msg.eml");
    std::fs::write(&file, message(0)).unwrap();
    let mut times = Vec::with_capacity(n);
    for _ in 0..n {
        let mut cmd = Command::new(curl);
        cmd.args(["-s", "-S", "--url"])
            .arg(format!("smtp://127.0.0.1:{port}/bench.localhost"))
            .args(["--mail-from", FROM, "--mail-rcpt", TO, "-T"])
            .arg(&file)
            .stdin(Stdio::null())
            .stdout(Stdio::null());
        if let Some(p) = proxy {
            cmd.args(["--proxytunnel", "-x", p]);
        }
        let t = Instant::now();
        let st = cmd.status().expect("run curl");
        times.push(t.elapsed());
        assert!(st.success(), "curl failed ({st})");
    }
    median(times)
}

fn missive_throughput(port: u16, proxy: Option<&str>, n: usize) -> f64 {
    let c = config(port, proxy);
    let env = Envelope::new(FROM, [TO]);
    let msgs: Vec<Vec<u8>> = (0..n).map(message).collect();
    let t = Instant::now();
    let mut conn = SmtpConnection::connect(&c).expect("connect");
    for chunk in msgs.chunks(500) {
        let items: Vec<(Envelope, &[u8])> =
            chunk.iter().map(|m| (env.clone(), m.as_slice())).collect();
        for r in conn.send_many(&items) {
            r.expect("send");
        }
    }
    conn.quit();
    n as f64 / t.elapsed().as_secs_f64()
}

fn main() {
    let curl = require_tool("curl", "curl");
    let sessions = env_usize("MISSIVE_BENCH_SESSIONS", 40);
    let messages = env_usize("MISSIVE_BENCH_MESSAGES", 5000);
    let sink = Sink::start(100);
    let dante = proxies::Dante::start();
    let tiny = proxies::Tinyproxy::start(None, &[]);
    let routes: [(&str, Option<String>); 3] = [
        ("direct", None),
        (
            "SOCKS5 (Dante)",
            Some(format!("socks5h://127.0.0.1:{}", dante.port)),
        ),
        (
            "HTTP CONNECT (tinyproxy)",
            Some(format!("http://127.0.0.1:{}", tiny.port)),
        ),
    ];
    println!(
        "one-message sessions to smtp-sink, median of {sessions}; missive's throughput over one \
         connection, {messages} messages"
    );
    println!(
        "{:<26} {:>16} {:>20} {:>20}",
        "route", "missive session", "curl session (proc)", "missive msgs/s"
    );
    for (name, proxy) in &routes {
        let p = proxy.as_deref();
        let m = missive_sessions(sink.port, p, sessions);
        let c = curl_sessions(&curl, sink.port, p, sessions);
        let rate = missive_throughput(sink.port, p, messages);
        println!(
            "{:<26} {:>13.2} ms {:>17.2} ms {:>20.0}",
            name,
            m.as_secs_f64() * 1e3,
            c.as_secs_f64() * 1e3,
            rate
        );
    }
}
