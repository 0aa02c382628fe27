//! Bulk sends against real servers: Python aiosmtpd and Postfix smtp-sink (with `-d` dumps),
//! and into a pickup directory. Each test checks one outcome per message and that each outcome
//! matches what the server received.

#[path = "support/smtp/mod.rs"]
mod support;

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use missive::deliver::{Client, DeliveryMethod, Outcome, Progress};
use missive::message::{MailAddress, MailMessage, RecipientKind};
use support::{AioServer, SmtpSink};

fn message(k: usize, to: &str) -> MailMessage {
    let mut m = MailMessage::new();
    m.set_from(MailAddress::parse("bulk@example.com").unwrap());
    m.add_recipient(RecipientKind::To, MailAddress::parse(to).unwrap());
    m.set_subject(&format!("bulk-{k:05}-end")).unwrap();
    m.set_body(&format!("Message number {k}.\n"));
    m
}

fn smtp_client(port: u16) -> Client {
    support::smtp_client(port, Duration::from_secs(10))
}

/// The message numbers found in texts, with how often each occurs.
fn numbers<'a>(texts: impl Iterator<Item = &'a str>) -> HashMap<usize, usize> {
    let mut out = HashMap::new();
    for t in texts {
        for part in t.split("bulk-").skip(1) {
            if let Some(n) = part.get(..5).and_then(|n| n.parse().ok())
                && part[5..].starts_with("-end")
            {
                *out.entry(n).or_default() += 1;
            }
        }
    }
    out
}

#[test]
fn bulk_to_aiosmtpd_reports_each_message() {
    let srv = AioServer::start(&["--no-auth"]);
    let c = smtp_client(srv.port);
    let msgs: Vec<MailMessage> = (0..25)
        .map(|k| match k {
            4 => message(k, "reject-me@example.org"),
            7 => message(k, "defer-me@example.org"),
            _ => message(k, "rcpt@example.org"),
        })
        .collect();
    let report = c.send_bulk(&msgs);
    assert_eq!(report.outcomes.len(), 25);
    assert_eq!(report.sent(), 23);
    let Outcome::Failed(e4) = &report.outcomes[4] else {
        panic!("{:?}", report.outcomes[4])
    };
    let s4 = e4.smtp.as_ref().unwrap();
    assert!(!s4.is_transient());
    assert_eq!(s4.rejected[0].1.code, 550);
    let Outcome::Failed(e7) = &report.outcomes[7] else {
        panic!("{:?}", report.outcomes[7])
    };
    assert!(e7.smtp.as_ref().unwrap().is_transient());
    // Every sent message arrived once; the failed ones did not.
    let got = srv.messages();
    let contents: Vec<String> = got
        .iter()
        .map(|m| String::from_utf8_lossy(&m.content).into_owned())
        .collect();
    let seen = numbers(contents.iter().map(String::as_str));
    for (k, o) in report.outcomes.iter().enumerate() {
        let n = seen.get(&k).copied().unwrap_or(0);
        match o {
            Outcome::Sent(d) => {
                assert_eq!(n, 1, "message {k}");
                assert_eq!(d.accepted(), ["rcpt@example.org".to_string()]);
            }
            _ => assert_eq!(n, 0, "message {k}"),
        }
    }
    assert_eq!(got.len(), 23);
}

#[test]
fn multi_connection_to_smtp_sink_dumps_every_message() {
    let sink = SmtpSink::start(&[]);
    let c = smtp_client(sink.port);
    c.configure_bulk(|b| {
        b.multi_connection = true;
        b.connections = 4;
        b.batch_size = 25;
    });
    let n = 400;
    let msgs: Vec<MailMessage> = (0..n).map(|k| message(k, "rcpt@example.org")).collect();
    let report = c.send_bulk(&msgs);
    assert_eq!(
        report.sent(),
        n,
        "{:?}",
        report.outcomes.iter().find(|o| !o.is_sent())
    );
    for o in &report.outcomes {
        let Outcome::Sent(missive::deliver::Delivery::Smtp(r)) = o else {
            panic!("{o:?}")
        };
        assert_eq!(r.reply.code, 250);
    }
    let dumps = sink.wait_dumps(n);
    let seen = numbers(dumps.iter().map(String::as_str));
    assert_eq!(seen.len(), n, "every message dumped");
    assert!(seen.values().all(|&c| c == 1), "none twice");
}

#[test]
fn progress_reports_and_cancel_loses_nothing() {
    let srv = AioServer::start(&["--no-auth"]);
    let c = smtp_client(srv.port);
    let seen: Arc<Mutex<Vec<Progress>>> = Arc::default();
    let seen2 = seen.clone();
    c.configure_bulk(|b| {
        b.multi_connection = true;
        b.connections = 2;
        b.batch_size = 10;
        b.progress = Some(Arc::new(move |p: &Progress| {
            seen2.lock().unwrap().push(*p);
            p.done < 30 // cancel once 30 are done
        }));
    });
    let n = 200;
    let msgs: Vec<MailMessage> = (0..n).map(|k| message(k, "rcpt@example.org")).collect();
    let report = c.send_bulk(&msgs);
    assert!(report.cancelled);
    assert_eq!(report.outcomes.len(), n);
    assert_eq!(
        report.sent() + report.not_attempted(),
        n,
        "nothing failed or lost"
    );
    assert!(
        report.sent() >= 30 && report.not_attempted() > 0,
        "{}",
        report.sent()
    );
    // Progress counts never go down, and the totals are right.
    let seen = seen.lock().unwrap();
    assert!(!seen.is_empty());
    for w in seen.windows(2) {
        assert!(w[0].done <= w[1].done && w[0].bytes_sent <= w[1].bytes_sent);
    }
    assert!(
        seen.iter()
            .all(|p| p.total == n && p.failed == 0 && p.bytes_total > 0)
    );
    // The server has exactly the messages reported sent.
    let got = srv.messages();
    let contents: Vec<String> = got
        .iter()
        .map(|m| String::from_utf8_lossy(&m.content).into_owned())
        .collect();
    let numbers = numbers(contents.iter().map(String::as_str));
    for (k, o) in report.outcomes.iter().enumerate() {
        let expect = usize::from(o.is_sent());
        assert_eq!(
            numbers.get(&k).copied().unwrap_or(0),
            expect,
            "message {k}: {o:?}"
        );
    }
}

#[test]
fn bulk_into_pickup_directory_writes_one_file_each() {
    let dir = tempfile::tempdir().unwrap();
    let c = Client::new();
    c.configure(|cfg| {
        cfg.delivery_method = DeliveryMethod::PickupDirectory;
        cfg.pickup_directory = Some(dir.path().to_path_buf());
    });
    c.configure_bulk(|b| {
        b.multi_connection = true;
        b.connections = 3;
        b.batch_size = 4;
    });
    let mut msgs: Vec<MailMessage> = (0..30).map(|k| message(k, "rcpt@example.org")).collect();
    msgs[11].clear_recipients(RecipientKind::To);
    let report = c.send_bulk(&msgs);
    assert_eq!(report.sent(), 29);
    assert!(matches!(report.outcomes[11], Outcome::Failed(_)));
    let files: Vec<String> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| std::fs::read_to_string(e.unwrap().path()).unwrap())
        .collect();
    assert_eq!(files.len(), 29);
    let seen = numbers(files.iter().map(String::as_str));
    assert_eq!(seen.len(), 29);
    assert!(!seen.contains_key(&11));
}

/// Every connection asked for is used: with 4 connections and the default batch size, 8
/// messages open exactly 4 connections and 300 open 4 (counted by the server, aiosmtpd, and
/// by the connection numbers of the protocol log), each connection carrying its share; 3
/// messages open 3. Every message arrives once.
#[test]
fn every_connection_asked_for_is_used() {
    for (n, want) in [(8usize, 4usize), (300, 4), (3, 3)] {
        let srv = AioServer::start(&["--no-auth"]);
        let c = smtp_client(srv.port);
        let (log, lines) = support::log_collector();
        c.configure(|cfg| {
            cfg.smtp.protocol_log = Some(log);
            cfg.smtp.log_connection_numbers = true;
        });
        c.configure_bulk(|b| {
            b.multi_connection = true;
            b.connections = 4;
        });
        let msgs: Vec<MailMessage> = (0..n).map(|k| message(k, "rcpt@example.org")).collect();
        let report = c.send_bulk(&msgs);
        assert_eq!(report.sent(), n, "{n} messages");
        c.close();
        let got = srv.messages();
        assert_eq!(got.len(), n, "{n} messages");
        let contents: Vec<String> = got
            .iter()
            .map(|m| String::from_utf8_lossy(&m.content).into_owned())
            .collect();
        let seen = numbers(contents.iter().map(String::as_str));
        assert!(seen.len() == n && seen.values().all(|&c| c == 1), "{n}");
        let mut per_connection: HashMap<&str, usize> = HashMap::new();
        for m in &got {
            *per_connection.entry(m.peer.as_str()).or_default() += 1;
        }
        let connections = srv.connections();
        eprintln!("{n} messages over {connections} connections: {per_connection:?}");
        assert_eq!(connections, want, "{n} messages: connections opened");
        // The protocol log: every line carries its connection's number, 1 to `want`, and
        // each connection got one greeting and sent its share of MAIL FROMs.
        let lines = lines.lock().unwrap();
        let mut greetings: HashMap<String, usize> = HashMap::new();
        let mut mails: HashMap<String, usize> = HashMap::new();
        for (_, l) in lines.iter() {
            let (num, rest) = l
                .strip_prefix('[')
                .and_then(|r| r.split_once("] "))
                .unwrap_or_else(|| panic!("no connection number: {l:?}"));
            if rest.starts_with("220 ") {
                *greetings.entry(num.to_string()).or_default() += 1;
            }
            if rest.starts_with("MAIL FROM:") {
                *mails.entry(num.to_string()).or_default() += 1;
            }
        }
        let mut numbers: Vec<usize> = greetings.keys().map(|k| k.parse().unwrap()).collect();
        numbers.sort();
        assert_eq!(numbers, (1..=want).collect::<Vec<_>>(), "{greetings:?}");
        assert!(greetings.values().all(|&g| g == 1), "{greetings:?}");
        assert_eq!(mails.len(), want, "{mails:?}");
        assert_eq!(mails.values().sum::<usize>(), n, "{mails:?}");
        assert_eq!(per_connection.len(), want, "{n} messages: connections used");
        let (lo, hi) = (n / want, n.div_ceil(want));
        assert!(
            per_connection.values().all(|&k| k >= lo && k <= hi),
            "{n} messages shared unevenly: {per_connection:?}"
        );
    }
}
