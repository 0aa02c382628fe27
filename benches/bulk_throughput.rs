//! Bulk throughput over 4 connections: missive's multi-connection bulk send
//! (`Client::send_bulk_prepared`, 4 workers on one shared queue, pipelined batches) against
//! Postfix's `smtp-source -s 4` (4 parallel sessions), both sending 20,000 messages of ~1 KB to
//! the same Postfix `smtp-sink` on 127.0.0.1, in one run. Prints msgs/s of each and the ratio.
//!
//! Run with `cargo bench --bench bulk_throughput`. Environment:
//! - `MISSIVE_BENCH_MESSAGES=N` (default 20000), `MISSIVE_BENCH_CONNECTIONS=N` (default 4),
//!   `MISSIVE_BENCH_BATCH=N` (default 100), `MISSIVE_BENCH_ROUNDS=N` (default 1; medians).
//!
//! Wall time is measured from before the first connection to after the last QUIT for both (the
//! smtp-source time is that of its whole process); the messages are built beforehand, untimed.
//! Needs `apt-get install postfix` (smtp-sink and smtp-source). Same sink start-up approach as
//! `benches/smtp_throughput.rs`.

use std::process::{Command, Stdio};
use std::sync::Arc;
use std::time::Instant;

use missive::deliver::{CancelToken, Client, DeliveryMethod, Prepared};
use missive::message::DeliveryNotification;
use missive::smtp::Security;

mod common;
use common::{FROM, PAYLOAD, Sink, TO, require_tool};

fn env_usize(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn build_message(i: usize) -> Prepared {
    Prepared {
        mail_from: FROM.into(),
        recipients: vec![TO.into()],
        data: Arc::new(common::build_message(i, "bulk", "bulk")),
        smtputf8: false,
        dsn: DeliveryNotification::default(),
    }
}

fn run_missive(
    port: u16,
    items: &[Result<Prepared, missive::deliver::DeliverError>],
    conns: usize,
    batch: usize,
) -> f64 {
    // A new client each round: connections are opened inside the timed part.
    let client = Client::new();
    client.configure(|c| {
        c.delivery_method = DeliveryMethod::Network;
        c.smtp.host = "127.0.0.1".into();
        c.smtp.port = port;
        c.smtp.security = Security::None;
    });
    client.configure_bulk(|b| {
        b.multi_connection = true;
        b.connections = conns;
        b.batch_size = batch;
    });
    let start = Instant::now();
    let report = client.send_bulk_prepared(items, &CancelToken::new());
    client.close();
    let wall = start.elapsed();
    assert_eq!(report.sent(), items.len(), "every message sent");
    items.len() as f64 / wall.as_secs_f64()
}

fn run_smtp_source(port: u16, n: usize, conns: usize) -> f64 {
    let bin = require_tool("smtp-source", "postfix");
    let start = Instant::now();
    let out = Command::new(&bin)
        .args([
            "-s",
            &conns.to_string(),
            "-m",
            &n.to_string(),
            "-d",
            "-l",
            &PAYLOAD.to_string(),
            "-M",
            "localhost",
            "-f",
            FROM,
            "-t",
            TO,
            &format!("127.0.0.1:{port}"),
        ])
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

fn median(v: &mut [f64]) -> f64 {
    v.sort_by(|a, b| a.total_cmp(b));
    v[v.len() / 2]
}

fn main() {
    let n = env_usize("MISSIVE_BENCH_MESSAGES", 20_000);
    let conns = env_usize("MISSIVE_BENCH_CONNECTIONS", 4);
    let batch = env_usize("MISSIVE_BENCH_BATCH", 100);
    let rounds = env_usize("MISSIVE_BENCH_ROUNDS", 1).max(1);
    let items: Vec<_> = (0..n).map(|i| Ok(build_message(i))).collect();
    let sink = Sink::start(64);
    println!(
        "bulk_throughput: {n} messages of ~{} bytes, {conns} connections, smtp-sink on 127.0.0.1:{}",
        items[0].as_ref().map_or(0, |p: &Prepared| p.data.len()),
        sink.port
    );
    let (mut ms, mut ss) = (Vec::new(), Vec::new());
    for round in 0..rounds {
        if round % 2 == 1 {
            ss.push(run_smtp_source(sink.port, n, conns));
        }
        ms.push(run_missive(sink.port, &items, conns, batch));
        if round % 2 == 0 {
            ss.push(run_smtp_source(sink.port, n, conns));
        }
    }
    let (m, s) = (median(&mut ms), median(&mut ss));
    println!("missive (multi-connection, batch {batch}): {m:.0} msgs/s");
    println!("smtp-source -s {conns}:                  {s:.0} msgs/s");
    println!(
        "ratio missive / smtp-source: {:.2}x (target >= 1.8x)",
        m / s
    );
}
