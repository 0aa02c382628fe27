//! Network faults from a real tool: Shopify's Toxiproxy between missive and a private Postfix
//! (`smtpd`, which offers CHUNKING and PIPELINING; see tests/support/smtp/postfix.rs), on
//! loopback. Each run sends a collection over 4 connections with CHUNKING (BDAT, whole
//! transactions in flight) and, for the reset and stall faults, also with DATA (CHUNKING
//! switched off on the client), while Toxiproxy resets connections mid-transfer (limit_data,
//! reset_peer), stalls the replies (timeout), slices every packet into single bytes (slicer) or
//! limits the bandwidth. Afterwards every message's outcome is checked against what Postfix
//! queued, found by its Message-ID with `postcat`:
//!
//! - reported sent: queued exactly once (0 lost);
//! - reported failed: not queued;
//! - reported unknown: queued at most once;
//! - nothing queued twice, nothing queued that was not sent (0 silently duplicated).
//!
//! Each run also checks that the fault struck (Postfix saw more connections than asked for, or
//! the lost ones in its log). Needs root (Postfix), Postfix and `toxiproxy-server`
//! (scripts/install-deps.sh).

#[path = "support/smtp/postfix.rs"]
mod postfix;

#[path = "support/toxiproxy.rs"]
mod toxiproxy;

use std::collections::HashMap;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use missive::deliver::{BulkReport, Client, DeliveryMethod, Outcome};
use missive::message::{MailAddress, MailMessage, RecipientKind};
use missive::smtp::Security;
use postfix::Postfix;
use serde_json::json;
use toxiproxy::{Proxy, Toxiproxy};

/// Postfix for these runs: no slowdown or disconnect after many errors in one session (each
/// cut transfer counts as one in smtpd's books).
/// Four sessions (greeting, EHLO, QUIT; no mail) are opened at once straight to Postfix first,
/// so that four smtpd processes are ready: a busy machine's first start of one takes long
/// enough to meet the faults before the greeting.
fn postfix() -> Postfix {
    let pf = Postfix::start_with(&[
        "smtpd_soft_error_limit = 1000",
        "smtpd_hard_error_limit = 1000",
        // Messages are held, never delivered: without this, cleanup's flow control pauses
        // each new message for up to 1 s once its tokens are spent.
        "in_flow_delay = 0",
        "smtpd_timeout = 30s",
    ]);
    std::thread::scope(|s| {
        for _ in 0..4 {
            s.spawn(|| {
                let mut c = missive::smtp::SmtpConfig::new("127.0.0.1");
                c.port = pf.port;
                c.security = Security::None;
                missive::smtp::SmtpConnection::connect(&c)
                    .expect("warm-up session")
                    .quit();
            });
        }
    });
    pf
}

fn client(port: u16, chunking: bool, timeout: Duration) -> Client {
    let c = Client::new();
    c.configure(|cfg| {
        cfg.delivery_method = DeliveryMethod::Network;
        cfg.smtp.host = "127.0.0.1".into();
        cfg.smtp.port = port;
        cfg.smtp.security = Security::None;
        cfg.smtp.chunking = chunking;
        cfg.smtp.connect_timeout = Duration::from_secs(3);
        cfg.smtp.greeting_timeout = timeout;
        cfg.smtp.command_timeout = timeout;
    });
    c.configure_bulk(|b| {
        b.multi_connection = true;
        b.connections = 4;
        // Small batches: a connection lost costs a batch, and the next one reconnects.
        b.batch_size = 10;
    });
    c
}

/// The Message-ID of message `k` of run `tag`.
fn message_id(tag: &str, k: usize) -> String {
    format!("fault-{tag}-{k:04}@missive.test")
}

fn messages(tag: &str, n: usize, body_lines: usize) -> Vec<MailMessage> {
    (0..n)
        .map(|k| {
            let mut m = MailMessage::new();
            m.set_from(MailAddress::parse("sender@example.test").unwrap());
            m.add_recipient(
                RecipientKind::To,
                MailAddress::parse("rcpt@example.test").unwrap(),
            );
            m.set_subject(&format!("fault run {tag} message {k}"))
                .unwrap();
            m.set_message_id(Some(&message_id(tag, k))).unwrap();
            let mut body = String::new();
            for l in 0..body_lines {
                // A leading dot on some lines: DATA stuffs it, BDAT must not.
                body.push_str(&format!(
                    ".line {l} of message {k}: 0123456789 abcdefghij\n"
                ));
            }
            m.set_body(&body);
            m
        })
        .collect()
}

/// Waits until Postfix has finished with every message it was still receiving (its incoming
/// queue is empty and the hold queue stopped growing).
fn settle(pf: &Postfix) {
    let incoming = pf.dir.path().join("spool/incoming");
    let deadline = Instant::now() + Duration::from_secs(20);
    let mut last = (usize::MAX, Instant::now());
    loop {
        let busy = std::fs::read_dir(&incoming)
            .map(|rd| rd.flatten().count())
            .unwrap_or(0);
        let held = pf.held_ids().len();
        if held != last.0 {
            last = (held, Instant::now());
        }
        if busy == 0 && last.1.elapsed() > Duration::from_millis(400) {
            return;
        }
        assert!(Instant::now() < deadline, "Postfix did not settle");
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// How often each Message-ID of run `tag` is in the hold queue (read with postcat).
fn queued_counts(pf: &Postfix, tag: &str, n: usize) -> Vec<usize> {
    let ids = pf.held_ids();
    let mut text = String::new();
    for group in ids.chunks(100) {
        let out = Command::new("/usr/sbin/postcat")
            .arg("-c")
            .arg(pf.config_dir())
            .arg("-h")
            .arg("-q")
            .args(group)
            .stdin(Stdio::null())
            .output()
            .expect("run postcat");
        assert!(
            out.status.success(),
            "postcat: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        text.push_str(&String::from_utf8_lossy(&out.stdout));
    }
    let mut found: HashMap<usize, usize> = HashMap::new();
    let mut headers = 0;
    for line in text.lines() {
        let Some(v) = line.strip_prefix("Message-ID: <") else {
            continue;
        };
        headers += 1;
        let prefix = format!("fault-{tag}-");
        let k: usize = v
            .strip_prefix(&prefix)
            .and_then(|r| r.get(..4))
            .and_then(|d| d.parse().ok())
            .unwrap_or_else(|| panic!("a queued message that is not ours: {line}"));
        assert!(k < n, "{line}");
        *found.entry(k).or_default() += 1;
    }
    assert_eq!(
        headers,
        ids.len(),
        "one Message-ID per queued message:\n{text}"
    );
    (0..n)
        .map(|k| found.get(&k).copied().unwrap_or(0))
        .collect()
}

/// Checks every outcome against the queue; returns (sent, failed, unknown).
fn check(pf: &Postfix, tag: &str, report: &BulkReport, n: usize) -> (usize, usize, usize) {
    settle(pf);
    let counts = queued_counts(pf, tag, n);
    assert_eq!(report.outcomes.len(), n);
    let (mut sent, mut failed, mut unknown) = (0, 0, 0);
    for (k, (o, &c)) in report.outcomes.iter().zip(&counts).enumerate() {
        match o {
            Outcome::Sent(_) => {
                sent += 1;
                assert_eq!(c, 1, "{tag}: message {k} reported sent, queued {c} times");
            }
            Outcome::Failed(e) => {
                failed += 1;
                assert_eq!(
                    c, 0,
                    "{tag}: message {k} reported failed ({}), but queued {c} times",
                    e.message
                );
            }
            Outcome::Unknown(e) => {
                unknown += 1;
                assert!(
                    c <= 1,
                    "{tag}: message {k} reported unknown ({}), queued {c} times",
                    e.message
                );
            }
            Outcome::NotAttempted => panic!("{tag}: message {k} was not attempted"),
        }
    }
    let first_failure = report.outcomes.iter().find_map(|o| match o {
        Outcome::Failed(e) | Outcome::Unknown(e) => Some(e.message.clone()),
        _ => None,
    });
    eprintln!("{tag}: first failure: {first_failure:?}");
    eprintln!(
        "{tag}: {n} messages: {sent} sent, {failed} failed, {unknown} unknown ({} of them \
         queued); {} connections",
        report
            .outcomes
            .iter()
            .zip(&counts)
            .filter(|(o, c)| matches!(o, Outcome::Unknown(_)) && **c == 1)
            .count(),
        connections(pf)
    );
    (sent, failed, unknown)
}

/// SMTP sessions Postfix saw, besides the four warm-up ones.
fn connections(pf: &Postfix) -> usize {
    pf.maillog()
        .matches(": connect from unknown[127.0.0.1]")
        .count()
        .saturating_sub(4)
}

/// Runs `n` messages through `proxy` with `toxics` added before the send.
fn run(
    pf: &Postfix,
    proxy: &Proxy<'_>,
    tag: &str,
    chunking: bool,
    n: usize,
    body_lines: usize,
) -> (usize, usize, usize) {
    let c = client(proxy.port, chunking, Duration::from_secs(2));
    let report = c.send_bulk(&messages(tag, n, body_lines));
    c.close();
    check(pf, tag, &report, n)
}

#[test]
fn connections_cut_mid_transfer_lose_and_duplicate_nothing() {
    let tp = Toxiproxy::start();
    for chunking in [true, false] {
        let pf = postfix();
        let proxy = tp.proxy(&format!("cut-{chunking}"), pf.port);
        // Every connection is closed after 24 KB from the client: in the middle of a message
        // (about 2.3 KB each), with others in flight.
        proxy.add_toxic("cut", "limit_data", "upstream", json!({"bytes": 24_000}));
        let tag = if chunking { "cutb" } else { "cutd" };
        let (sent, _, _) = run(&pf, &proxy, tag, chunking, 120, 30);
        assert!(sent > 0, "nothing got through");
        assert!(connections(&pf) > 4, "the cuts did not strike");
        pf.wait_log_line(&["lost connection after"]);
        let log = pf.maillog();
        if chunking {
            assert!(log.contains("bdat="), "BDAT was used");
            assert!(!log.contains(" data="), "DATA was not used");
        } else {
            assert!(!log.contains("bdat="), "DATA only");
        }
    }
}

#[test]
fn replies_cut_leave_only_unanswered_messages_unknown() {
    let tp = Toxiproxy::start();
    let pf = postfix();
    let proxy = tp.proxy("replies", pf.port);
    // The server's side is closed after 2 KB of replies: messages the server accepted lose
    // their verdict in flight.
    proxy.add_toxic("cut", "limit_data", "downstream", json!({"bytes": 2_000}));
    let (sent, _, unknown) = run(&pf, &proxy, "reply", true, 100, 4);
    assert!(sent > 0, "nothing got through");
    assert!(
        unknown > 0,
        "a cut with transactions in flight leaves some unknown"
    );
}

/// Sends `n` messages of run `tag` while `fault` runs beside the send once 20 of them were
/// queued.
fn run_with(
    pf: &Postfix,
    proxy: &Proxy<'_>,
    tag: &str,
    chunking: bool,
    n: usize,
    fault: impl FnOnce() + Send,
) -> (usize, usize, usize) {
    let c = client(proxy.port, chunking, Duration::from_millis(1500));
    let msgs = messages(tag, n, 10);
    let report = std::thread::scope(|s| {
        let sender = s.spawn(|| c.send_bulk(&msgs));
        let deadline = Instant::now() + Duration::from_secs(20);
        while pf.held_ids().len() < 20 && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(5));
        }
        fault();
        sender.join().unwrap()
    });
    c.close();
    check(pf, tag, &report, n)
}

#[test]
fn connections_reset_by_peer_lose_and_duplicate_nothing() {
    let tp = Toxiproxy::start();
    for chunking in [true, false] {
        let pf = postfix();
        let proxy = tp.proxy(&format!("reset-{chunking}"), pf.port);
        proxy.add_toxic("lat-up", "latency", "upstream", json!({"latency": 5}));
        proxy.add_toxic("lat-down", "latency", "downstream", json!({"latency": 5}));
        let tag = if chunking { "rstb" } else { "rstd" };
        // Once mail flows, the next bytes from the client on each connection are swallowed and
        // the connection reset (RST) 100 ms later; new connections pass again 300 ms on.
        let (sent, _, _) = run_with(&pf, &proxy, tag, chunking, 200, || {
            proxy.add_toxic("rst", "reset_peer", "upstream", json!({"timeout": 100}));
            std::thread::sleep(Duration::from_millis(300));
            proxy.remove_toxic("rst");
        });
        assert!(sent > 0, "nothing got through");
        assert!(connections(&pf) > 4, "the resets did not strike");
    }
}

#[test]
fn stalled_replies_time_out_and_lose_and_duplicate_nothing() {
    let tp = Toxiproxy::start();
    for chunking in [true, false] {
        let pf = postfix();
        let proxy = tp.proxy(&format!("stall-{chunking}"), pf.port);
        proxy.add_toxic("lat-down", "latency", "downstream", json!({"latency": 5}));
        let tag = if chunking { "stallb" } else { "stalld" };
        // Once mail flows, the replies stop (data dropped, connections kept open) for 1 s: the
        // waits for them run out (1.5 s) and the workers reconnect.
        let (sent, failed, unknown) = run_with(&pf, &proxy, tag, chunking, 200, || {
            proxy.add_toxic("stall", "timeout", "downstream", json!({"timeout": 0}));
            std::thread::sleep(Duration::from_secs(1));
            proxy.remove_toxic("stall");
        });
        assert!(sent > 0, "nothing got through");
        assert!(
            failed + unknown > 0 && connections(&pf) > 4,
            "the stall did not strike"
        );
    }
}

#[test]
fn single_byte_packets_and_a_bandwidth_limit_deliver_everything_once() {
    let tp = Toxiproxy::start();
    let pf = postfix();
    let proxy = tp.proxy("slice", pf.port);
    for stream in ["upstream", "downstream"] {
        proxy.add_toxic(
            &format!("slice-{stream}"),
            "slicer",
            stream,
            json!({"average_size": 1, "size_variation": 0, "delay": 0}),
        );
    }
    let n = 40;
    let (sent, _, _) = run(&pf, &proxy, "slice", true, n, 10);
    assert_eq!(sent, n, "slicing loses nothing");

    let pf = postfix();
    let proxy = tp.proxy("bandwidth", pf.port);
    proxy.add_toxic("lat-up", "latency", "upstream", json!({"latency": 10}));
    proxy.add_toxic("lat-down", "latency", "downstream", json!({"latency": 10}));
    // 200 KB/s towards the server: the 120 KB of this run take well over half a second.
    proxy.add_toxic("bw", "bandwidth", "upstream", json!({"rate": 200}));
    let n = 50;
    let started = Instant::now();
    let (sent, _, _) = run(&pf, &proxy, "bw", true, n, 40);
    assert_eq!(sent, n, "a slow link loses nothing");
    assert!(
        started.elapsed() > Duration::from_millis(400),
        "the bandwidth limit did not strike"
    );
}
