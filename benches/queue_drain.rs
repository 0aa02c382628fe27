//! Drain throughput of the durable queue with 1, 2 and 4 workers, the PostgreSQL queue beside
//! the filesystem queue, in one run; and the enqueue rate of each.
//!
//! Run with `cargo bench --bench queue_drain`. `MISSIVE_QUEUE_BENCH_MESSAGES=N` sets the
//! messages per drain (default 300); `MISSIVE_QUEUE_BENCH_LATENCY_MS` the latency added each
//! way between the drainers and the SMTP server (default 10).
//!
//! The peer is Postfix's `smtp-sink` behind that latency, so that the network, not the CPU,
//! bounds a worker: Shopify's Toxiproxy (`toxiproxy-server`, a `latency` toxic on both
//! directions) when it is installed, else a small relay of this benchmark that holds every
//! chunk for the latency before passing it on (the report says which). PostgreSQL is a private
//! server started here (`initdb` in a temporary directory, as for `tests/queue_postgres.rs`),
//! reached directly on loopback with its default durability (fsync on).
//!
//! Workers are threads of this process, each with its own client (its own SMTP connection and
//! database connections), each calling `drain_queue` until the queue is empty. On the
//! filesystem queue only one drain runs at a time per directory: the other workers get `Busy`
//! and wait, so more workers do not help there; that is what the filesystem rows show.

#[path = "../tests/support/postgres.rs"]
mod pg;

mod common;

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::Path;
use std::sync::mpsc;
use std::time::{Duration, Instant};

use missive::deliver::{Client, DeliveryMethod, QueueErrorKind, QueueUrl};
use missive::message::MailMessage;
use missive::smtp::Security;

fn message(n: usize) -> MailMessage {
    let body = "Queued for the benchmark. ".repeat(40);
    let eml = format!(
        "From: sender@example.com\r\nTo: to@example.org\r\nSubject: bench {n}\r\n\
         Message-ID: <bench-{n}@example.com>\r\n\r\n{body}\r\n"
    );
    missive::message::eml::load_bytes(eml.into_bytes()).unwrap()
}

enum Backend<'a> {
    File(&'a Path),
    Postgres(&'a str),
}

fn client(smtp_port: u16, backend: &Backend) -> Client {
    let c = Client::new();
    c.configure(|c| {
        c.delivery_method = DeliveryMethod::Network;
        c.smtp.host = "127.0.0.1".into();
        c.smtp.port = smtp_port;
        c.smtp.security = Security::None;
        c.smtp.client_name = Some("bench.test".into());
        match backend {
            Backend::File(dir) => c.queue.directory = Some(dir.to_path_buf()),
            Backend::Postgres(url) => match QueueUrl::parse(url).unwrap() {
                QueueUrl::Postgres(db) => c.queue_backend.database = Some(db),
                QueueUrl::Directory(_) => unreachable!(),
            },
        }
    });
    c
}

/// Enqueues `n` messages; returns messages per second.
fn enqueue(c: &Client, n: usize) -> f64 {
    let msgs: Vec<MailMessage> = (0..n).map(message).collect();
    let t = Instant::now();
    for m in &msgs {
        c.send_to_queue(m).unwrap();
    }
    n as f64 / t.elapsed().as_secs_f64()
}

/// Drains with `workers` threads until the queue is empty; returns (messages per second,
/// messages delivered).
fn drain(smtp_port: u16, backend: &Backend, workers: usize) -> (f64, usize) {
    let t = Instant::now();
    let delivered: usize = std::thread::scope(|s| {
        let handles: Vec<_> = (0..workers)
            .map(|_| {
                s.spawn(|| {
                    let c = client(smtp_port, backend);
                    let mut delivered = 0;
                    loop {
                        match c.drain_queue(0, None) {
                            Ok(r) => {
                                assert!(r.stopped.is_none(), "{r:?}");
                                delivered += r.delivered;
                                if r.delivered == 0 {
                                    let st = c.queue_state().unwrap();
                                    if st.queued == 0 && st.in_flight == 0 {
                                        return delivered;
                                    }
                                    std::thread::sleep(Duration::from_millis(5));
                                }
                            }
                            Err(e) if e.kind == QueueErrorKind::Busy => {
                                if c.queue_state().unwrap().queued == 0 {
                                    return delivered;
                                }
                                std::thread::sleep(Duration::from_millis(5));
                            }
                            Err(e) => panic!("drain: {e}"),
                        }
                    }
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).sum()
    });
    (delivered as f64 / t.elapsed().as_secs_f64(), delivered)
}

/// Latency in front of the sink: Toxiproxy, or the relay below.
enum Latency {
    Toxiproxy {
        child: std::process::Child,
        port: u16,
    },
    Relay {
        port: u16,
    },
}

impl Latency {
    fn port(&self) -> u16 {
        match self {
            Latency::Toxiproxy { port, .. } | Latency::Relay { port } => *port,
        }
    }

    fn name(&self) -> &'static str {
        match self {
            Latency::Toxiproxy { .. } => "Toxiproxy latency toxic",
            Latency::Relay { .. } => "the benchmark's own delaying relay (no Toxiproxy found)",
        }
    }
}

impl Drop for Latency {
    fn drop(&mut self) {
        if let Latency::Toxiproxy { child, .. } = self {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

fn find_toxiproxy() -> Option<std::path::PathBuf> {
    [
        "/usr/local/bin/toxiproxy-server",
        "/usr/bin/toxiproxy-server",
    ]
    .into_iter()
    .map(std::path::PathBuf::from)
    .find(|p| p.exists())
    .or_else(|| {
        let home = std::env::var("HOME").ok()?;
        let p = Path::new(&home).join("go/bin/toxiproxy-server");
        p.exists().then_some(p)
    })
}

/// One HTTP/1.1 request to Toxiproxy's API; returns the response body.
fn http(api: u16, method: &str, path: &str, body: &str) -> String {
    let mut s = TcpStream::connect(("127.0.0.1", api)).unwrap();
    write!(
        s,
        "{method} {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n\
         Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    )
    .unwrap();
    let mut out = String::new();
    s.read_to_string(&mut out).unwrap();
    let (head, body) = out.split_once("\r\n\r\n").unwrap_or((&out, ""));
    assert!(
        head.starts_with("HTTP/1.1 2"),
        "toxiproxy {method} {path}: {head}"
    );
    body.to_string()
}

fn start_latency(upstream: u16, ms: u64) -> Latency {
    if let Some(bin) = find_toxiproxy() {
        let api = common::free_port();
        let child = std::process::Command::new(bin)
            .args(["-host", "127.0.0.1", "-port", &api.to_string()])
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap();
        let deadline = Instant::now() + Duration::from_secs(10);
        while TcpStream::connect(("127.0.0.1", api)).is_err() {
            assert!(Instant::now() < deadline, "toxiproxy-server did not start");
            std::thread::sleep(Duration::from_millis(20));
        }
        let port = common::free_port();
        http(
            api,
            "POST",
            "/proxies",
            &format!(
                r#"{{"name":"smtp","listen":"127.0.0.1:{port}","upstream":"127.0.0.1:{upstream}","enabled":true}}"#
            ),
        );
        for stream in ["upstream", "downstream"] {
            http(
                api,
                "POST",
                "/proxies/smtp/toxics",
                &format!(
                    r#"{{"name":"lat_{stream}","type":"latency","stream":"{stream}","attributes":{{"latency":{ms},"jitter":0}}}}"#
                ),
            );
        }
        return Latency::Toxiproxy { child, port };
    }
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    std::thread::spawn(move || {
        for client in listener.incoming().flatten() {
            let Ok(server) = TcpStream::connect(("127.0.0.1", upstream)) else {
                continue;
            };
            let _ = client.set_nodelay(true);
            let _ = server.set_nodelay(true);
            let (c2, s2) = (client.try_clone().unwrap(), server.try_clone().unwrap());
            pump(client, server, ms);
            pump(s2, c2, ms);
        }
    });
    Latency::Relay { port }
}

/// Copies `from` to `to`, each chunk held `ms` after it was read (in order, without holding
/// back the reading).
fn pump(mut from: TcpStream, mut to: TcpStream, ms: u64) {
    let (tx, rx) = mpsc::channel::<(Instant, Vec<u8>)>();
    std::thread::spawn(move || {
        let mut buf = vec![0u8; 64 * 1024];
        loop {
            match from.read(&mut buf) {
                Ok(0) | Err(_) => break,
                Ok(n) => {
                    if tx.send((Instant::now(), buf[..n].to_vec())).is_err() {
                        break;
                    }
                }
            }
        }
    });
    std::thread::spawn(move || {
        for (at, chunk) in rx {
            let due = at + Duration::from_millis(ms);
            let now = Instant::now();
            if due > now {
                std::thread::sleep(due - now);
            }
            if to.write_all(&chunk).is_err() {
                break;
            }
        }
        let _ = to.shutdown(std::net::Shutdown::Write);
    });
}

fn main() {
    let n: usize = std::env::var("MISSIVE_QUEUE_BENCH_MESSAGES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(300);
    let latency_ms: u64 = std::env::var("MISSIVE_QUEUE_BENCH_LATENCY_MS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(10);
    let sink = common::Sink::start(256);
    let latency = start_latency(sink.port, latency_ms);
    let smtp = latency.port();
    let postgres = pg::Postgres::start();
    let url = postgres.queue_url("bench");
    let dir = tempfile::tempdir().unwrap();

    println!(
        "queue drain into smtp-sink behind {latency_ms} ms each way ({}), {n} messages per run",
        latency.name()
    );
    let file_rate = enqueue(&client(smtp, &Backend::File(dir.path())), n);
    let (r, _) = drain(smtp, &Backend::File(dir.path()), 1);
    let _ = r; // warm-up of the sink path, not reported
    let pg_rate = enqueue(&client(smtp, &Backend::Postgres(&url)), n);
    let _ = drain(smtp, &Backend::Postgres(&url), 4);
    println!();
    println!("enqueue (one client, sequential, each durable before the next):");
    println!("  filesystem  {file_rate:8.0} msg/s");
    println!("  postgresql  {pg_rate:8.0} msg/s");
    println!();
    println!("drain (msg/s; x1 = rate against 1 worker of the same backend):");
    println!("  workers   filesystem        postgresql");
    let mut base = (0.0, 0.0);
    for workers in [1, 2, 4] {
        enqueue(&client(smtp, &Backend::File(dir.path())), n);
        let (f, fd) = drain(smtp, &Backend::File(dir.path()), workers);
        enqueue(&client(smtp, &Backend::Postgres(&url)), n);
        let (p, pd) = drain(smtp, &Backend::Postgres(&url), workers);
        assert_eq!((fd, pd), (n, n), "every message delivered once");
        if workers == 1 {
            base = (f, p);
        }
        println!(
            "  {workers:>7}   {f:7.1} (x{:.2})    {p:7.1} (x{:.2})",
            f / base.0,
            p / base.1
        );
    }
}
