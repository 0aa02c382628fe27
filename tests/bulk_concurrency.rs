//! One client shared by 16 threads: 100,000 messages to Postfix smtp-sink (pipelined bulk
//! sends, some multi-connection, plus single sends and settings changes running meanwhile).
//! Every message must be reported sent, and the sink must have dumped each exactly once.
//!
//! `MISSIVE_CONCURRENCY_MESSAGES=N` changes the total (default 100,000).

#[path = "support/smtp/mod.rs"]
mod support;

use std::collections::HashSet;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use missive::deliver::{CancelToken, Prepared};
use missive::message::DeliveryNotification;
use support::SmtpSink;

const THREADS: usize = 16;
const CHUNK: usize = 500;

fn prepared(k: usize) -> Prepared {
    let data = format!(
        "From: load@example.com\r\nTo: sink@example.org\r\nSubject: load-{k:06}-end\r\n\r\n\
         Message {k} of the concurrency test.\r\n"
    );
    Prepared {
        mail_from: "load@example.com".into(),
        recipients: vec!["sink@example.org".into()],
        data: Arc::new(data.into_bytes()),
        smtputf8: false,
        dsn: DeliveryNotification::default(),
    }
}

#[test]
fn sixteen_threads_share_one_client() {
    let total: usize = std::env::var("MISSIVE_CONCURRENCY_MESSAGES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(100_000);
    let sink = SmtpSink::start(&[]);
    let client = Arc::new(support::smtp_client(sink.port, Duration::from_secs(30)));
    let next = Arc::new(AtomicUsize::new(0));
    let sent = Arc::new(AtomicUsize::new(0));
    let started = Instant::now();
    let threads: Vec<_> = (0..THREADS)
        .map(|t| {
            let (client, next, sent) = (client.clone(), next.clone(), sent.clone());
            std::thread::spawn(move || {
                loop {
                    let start = next.fetch_add(CHUNK, Ordering::SeqCst);
                    if start >= total {
                        break;
                    }
                    let end = (start + CHUNK).min(total);
                    if t == 0 && start % (CHUNK * 8) == 0 {
                        // Settings change while others send: multi-connection on and off.
                        client.configure_bulk(|b| {
                            b.multi_connection = !b.multi_connection;
                            b.connections = 2;
                        });
                    }
                    if t == 1 {
                        // Single sends through the shared pool, one at a time.
                        for k in start..end {
                            client.send_prepared(&prepared(k)).unwrap();
                            sent.fetch_add(1, Ordering::SeqCst);
                        }
                        continue;
                    }
                    let items: Vec<_> = (start..end).map(|k| Ok(prepared(k))).collect();
                    let report = client.send_bulk_prepared(&items, &CancelToken::new());
                    assert_eq!(report.outcomes.len(), end - start);
                    for (i, o) in report.outcomes.iter().enumerate() {
                        assert!(o.is_sent(), "message {}: {o:?}", start + i);
                    }
                    sent.fetch_add(end - start, Ordering::SeqCst);
                }
            })
        })
        .collect();
    for t in threads {
        t.join().unwrap();
    }
    let elapsed = started.elapsed();
    assert_eq!(sent.load(Ordering::SeqCst), total);
    eprintln!(
        "{total} messages from {THREADS} threads in {:.1} s ({:.0} msg/s)",
        elapsed.as_secs_f64(),
        total as f64 / elapsed.as_secs_f64()
    );
    // Every message dumped exactly once.
    let deadline = Instant::now() + Duration::from_secs(30);
    let mut seen: HashSet<usize>;
    loop {
        let dumps = sink.dumps();
        let mut dup = 0;
        seen = HashSet::new();
        for d in &dumps {
            for part in d.split("load-").skip(1) {
                if let Some(n) = part.get(..6).and_then(|n| n.parse().ok())
                    && !seen.insert(n)
                {
                    dup += 1;
                }
            }
        }
        assert_eq!(dup, 0, "a message was delivered twice");
        if seen.len() >= total || Instant::now() > deadline {
            break;
        }
        std::thread::sleep(Duration::from_millis(200));
    }
    assert_eq!(seen.len(), total, "every message dumped");
}
