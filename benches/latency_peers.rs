//! Throughput across a real network's latency: missive and its peers side by side in one run,
//! each sending ~1 KB messages through Shopify's Toxiproxy adding 10 ms each way (a latency
//! toxic on each direction: 20 ms round trips) to real servers on 127.0.0.1:
//!
//! - Postfix `smtp-sink` (PIPELINING, no CHUNKING: the DATA path): missive over 1 connection
//!   (`SmtpConnection::send_many`) and 4 (`Client::send_bulk_prepared`, 4 connections),
//!   `smtp-source -s 1` and `-s 4`, Python's smtplib (one connection) and aiosmtplib (4
//!   connections at once, asyncio);
//! - a private Postfix `smtpd` that offers CHUNKING, configured to discard what it accepts
//!   (`smtpd_data_restrictions = check_client_access static:DISCARD`, `in_flow_delay = 0`;
//!   its cleanup still runs):
//!   missive with BDAT over 1 and 4 connections, missive with DATA (CHUNKING switched off),
//!   `smtp-source -s 1`; and missive with BDAT straight to Postfix without the proxy, which is
//!   the bound the server itself sets on this machine.
//!
//! Prints msgs/s of each and the ratios the targets are stated in. Run with
//! `cargo bench --bench latency_peers`. Environment: `MISSIVE_BENCH_MESSAGES=N` (messages for the
//! DATA-path rows, default 400), `MISSIVE_BENCH_SLOW=N` (for smtp-source -s 1 and smtplib, which
//! wait a round trip per command; default 100), `MISSIVE_BENCH_FAST=N` (for the CHUNKING rows and
//! the bound, default 1000), `MISSIVE_BENCH_LATENCY_MS=N` (each way, default 10).
//!
//! Wall time runs from before the first connection to after the last QUIT: for smtp-source that
//! of its process, for the Python clients measured inside the script (interpreter start-up and
//! imports excluded). Needs root (Postfix's master), `apt-get install postfix`,
//! `pip install aiosmtplib` and `toxiproxy-server` (scripts/install-deps.sh). On a shared
//! machine the figures move with the load: run it twice.

use std::process::{Command, Stdio};
use std::sync::Arc;
use std::time::Instant;

use missive::deliver::{CancelToken, Client, DeliveryMethod, Prepared};
use missive::message::DeliveryNotification;
use missive::smtp::{Envelope, Security, SmtpConfig, SmtpConnection};
use serde_json::json;

mod common;
use common::{FROM, PAYLOAD, Sink, TO, build_message, require_tool};

#[path = "../tests/support/smtp/postfix.rs"]
mod postfix;

#[path = "../tests/support/toxiproxy.rs"]
mod toxiproxy;

fn env_usize(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .filter(|&n| n > 0)
        .unwrap_or(default)
}

fn smtp_config(port: u16, chunking: bool) -> SmtpConfig {
    let mut c = SmtpConfig::new("127.0.0.1");
    c.port = port;
    c.security = Security::None;
    c.client_name = Some("localhost".to_string());
    c.chunking = chunking;
    c
}

/// missive over one connection: `send_many` of all the messages. `chunking`: the client's
/// setting; `bdat`: whether BDAT must be what was used (the server offers CHUNKING).
fn missive_one(port: u16, msgs: &[Vec<u8>], chunking: bool, bdat: bool) -> f64 {
    let env = Envelope::new(FROM, [TO]);
    let items: Vec<(Envelope, &[u8])> = msgs.iter().map(|m| (env.clone(), &m[..])).collect();
    let start = Instant::now();
    let mut conn = SmtpConnection::connect(&smtp_config(port, chunking)).expect("connect");
    let used_bdat = conn.capabilities().chunking && chunking;
    let results = conn.send_many(&items);
    conn.quit();
    let wall = start.elapsed();
    let failed: Vec<_> = results.iter().filter_map(|r| r.as_ref().err()).collect();
    assert!(
        failed.is_empty(),
        "{} failed; first: {}",
        failed.len(),
        failed[0]
    );
    assert_eq!(used_bdat, bdat, "BDAT used as expected");
    msgs.len() as f64 / wall.as_secs_f64()
}

/// missive's bulk send over `conns` connections.
fn missive_bulk(port: u16, msgs: &[Vec<u8>], conns: usize, chunking: bool) -> f64 {
    let items: Vec<_> = msgs
        .iter()
        .map(|m| {
            Ok(Prepared {
                mail_from: FROM.into(),
                recipients: vec![TO.into()],
                data: Arc::new(m.clone()),
                smtputf8: false,
                dsn: DeliveryNotification::default(),
            })
        })
        .collect();
    let client = Client::new();
    client.configure(|c| {
        c.delivery_method = DeliveryMethod::Network;
        c.smtp = smtp_config(port, chunking);
    });
    client.configure_bulk(|b| {
        b.multi_connection = true;
        b.connections = conns;
    });
    let start = Instant::now();
    let report = client.send_bulk_prepared(&items, &CancelToken::new());
    client.close();
    let wall = start.elapsed();
    assert_eq!(report.sent(), items.len(), "every message sent");
    items.len() as f64 / wall.as_secs_f64()
}

fn smtp_source(port: u16, n: usize, sessions: usize) -> f64 {
    let bin = require_tool("smtp-source", "postfix");
    let start = Instant::now();
    let out = Command::new(&bin)
        .args(["-s", &sessions.to_string(), "-m", &n.to_string(), "-d"])
        .args(["-l", &PAYLOAD.to_string(), "-M", "localhost"])
        .args(["-f", FROM, "-t", TO, &format!("127.0.0.1:{port}")])
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .output()
        .expect("run smtp-source");
    let wall = start.elapsed();
    assert!(
        out.status.success(),
        "smtp-source failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    n as f64 / wall.as_secs_f64()
}

fn python(mode: &str, port: u16, n: usize, concurrency: usize) -> f64 {
    let script = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/benches/peers/python_clients.py"
    );
    let out = Command::new("python3")
        .arg(script)
        .args([mode, "127.0.0.1", &port.to_string()])
        .args([n.to_string(), concurrency.to_string()])
        .stdin(Stdio::null())
        .output()
        .expect("run python3");
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{mode} failed: {text}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let secs: f64 = text
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("{mode}: unexpected output {text:?}"));
    n as f64 / secs
}

fn main() {
    let n = env_usize("MISSIVE_BENCH_MESSAGES", 400);
    let slow = env_usize("MISSIVE_BENCH_SLOW", 100);
    let fast = env_usize("MISSIVE_BENCH_FAST", 1000);
    let latency = env_usize("MISSIVE_BENCH_LATENCY_MS", 10);
    require_tool("smtp-source", "postfix");
    let msgs: Vec<Vec<u8>> = (0..fast.max(n))
        .map(|i| build_message(i, "latency", "bench"))
        .collect();

    let tp = toxiproxy::Toxiproxy::start();
    let sink = Sink::start(64);
    let pf = postfix::Postfix::start_with(&[
        "smtpd_data_restrictions = check_client_access static:DISCARD",
        "smtpd_client_connection_count_limit = 0",
        // No flow control: nothing is delivered, so the queue manager never hands cleanup the
        // tokens that would let each new message in without a 1 s pause.
        "in_flow_delay = 0",
    ]);
    let add_latency = |p: &toxiproxy::Proxy<'_>| {
        for stream in ["upstream", "downstream"] {
            p.add_toxic(
                &format!("latency-{stream}"),
                "latency",
                stream,
                json!({"latency": latency, "jitter": 0}),
            );
        }
    };
    let to_sink = tp.proxy("sink", sink.port);
    add_latency(&to_sink);
    let to_postfix = tp.proxy("postfix", pf.port);
    add_latency(&to_postfix);
    println!(
        "latency_peers: ~{} byte messages through Toxiproxy adding {latency} ms each way; \
         {n} messages per row ({slow} for the clients that wait for every reply, {fast} for \
         the CHUNKING rows)",
        msgs[0].len()
    );

    let mut rows: Vec<(String, f64)> = Vec::new();
    let mut row = |name: &str, rate: f64| {
        println!("{name:<58} {rate:>9.1} msgs/s");
        rows.push((name.to_string(), rate));
        rate
    };
    println!("\n-- smtp-sink (PIPELINING, no CHUNKING: DATA) --");
    let m1 = row(
        "missive, 1 connection",
        missive_one(to_sink.port, &msgs[..n], true, false),
    );
    let m4 = row(
        "missive, 4 connections",
        missive_bulk(to_sink.port, &msgs[..n], 4, true),
    );
    let s1 = row("smtp-source -s 1", smtp_source(to_sink.port, slow, 1));
    let s4 = row("smtp-source -s 4", smtp_source(to_sink.port, n, 4));
    let py = row(
        "Python smtplib (1 connection)",
        python("smtplib", to_sink.port, slow, 1),
    );
    let aio = row(
        "Python aiosmtplib (concurrency 4)",
        python("aiosmtplib", to_sink.port, n, 4),
    );

    println!("\n-- Postfix smtpd, discarding (PIPELINING and CHUNKING) --");
    let c1 = row(
        "missive, 1 connection, BDAT",
        missive_one(to_postfix.port, &msgs[..fast], true, true),
    );
    let c4 = row(
        "missive, 4 connections, BDAT",
        missive_bulk(to_postfix.port, &msgs[..fast], 4, true),
    );
    let d1 = row(
        "missive, 1 connection, DATA (CHUNKING off)",
        missive_one(to_postfix.port, &msgs[..n], false, false),
    );
    let ps1 = row("smtp-source -s 1", smtp_source(to_postfix.port, slow, 1));
    let bound = row(
        "bound: missive, 1 connection, BDAT, no latency",
        missive_one(pf.port, &msgs[..fast], true, true),
    );
    let bound4 = row(
        "bound: missive, 4 connections, BDAT, no latency",
        missive_bulk(pf.port, &msgs[..fast], 4, true),
    );
    drop(to_sink);
    drop(to_postfix);

    let target = |ok: bool| if ok { "met" } else { "NOT met" };
    println!("\n-- ratios --");
    println!(
        "missive 1 connection / smtp-source -s 1 (smtp-sink):    {:>6.2}x  (target >= 3.8x: {})",
        m1 / s1,
        target(m1 / s1 >= 3.8)
    );
    println!(
        "missive 1 connection / Python smtplib (smtp-sink):      {:>6.2}x  (target >= 3.8x: {})",
        m1 / py,
        target(m1 / py >= 3.8)
    );
    println!(
        "missive 4 connections / missive 1 connection:           {:>6.2}x  (target >= 3.6x: {})",
        m4 / m1,
        target(m4 / m1 >= 3.6)
    );
    println!(
        "missive 4 connections / smtp-source -s 4:               {:>6.2}x",
        m4 / s4
    );
    println!(
        "missive 4 connections / aiosmtplib (concurrency 4):     {:>6.2}x",
        m4 / aio
    );
    let vs_source = c1 / ps1;
    let vs_bound = c1 / bound;
    println!(
        "CHUNKING 1 connection / smtp-source -s 1 (Postfix):     {:>6.2}x  (target >= 10x)",
        vs_source
    );
    println!(
        "CHUNKING 1 connection / its bound without latency:      {:>6.2}   (target >= 0.80)",
        vs_bound
    );
    println!(
        "CHUNKING target (either): {}",
        target(vs_source >= 10.0 || vs_bound >= 0.8)
    );
    println!(
        "CHUNKING 1 connection / DATA 1 connection (Postfix):    {:>6.2}x",
        c1 / d1
    );
    println!(
        "CHUNKING 4 connections / its bound without latency:     {:>6.2}",
        c4 / bound4
    );
}
