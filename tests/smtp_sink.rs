//! SMTP engine against Postfix's smtp-sink (a real PIPELINING server), started per test on
//! 127.0.0.1. Needs `apt-get install -y postfix`.

#[path = "support/smtp/mod.rs"]
mod support;

use std::time::Duration;

use missive::smtp::{
    Envelope, LogDirection, Security, SmtpClient, SmtpConfig, SmtpConnection, SmtpErrorKind, Stage,
};
use support::{SmtpSink, log_collector};

fn cfg(port: u16) -> SmtpConfig {
    let mut c = SmtpConfig::new("127.0.0.1");
    c.port = port;
    c.security = Security::None;
    c.client_name = Some("client.test".to_string());
    c.connect_timeout = Duration::from_secs(3);
    c.greeting_timeout = Duration::from_secs(5);
    c.command_timeout = Duration::from_secs(5);
    c
}

fn find<'a>(dumps: &'a [String], marker: &str) -> &'a str {
    dumps
        .iter()
        .find(|d| d.contains(marker))
        .unwrap_or_else(|| panic!("no dump with {marker:?}: {dumps:?}"))
}

#[test]
fn pipelined_send_with_dsn_and_8bitmime() {
    let sink = SmtpSink::start(&[]);
    let (log, lines) = log_collector();
    let mut c = cfg(sink.port);
    c.protocol_log = Some(log);
    let mut conn = SmtpConnection::connect(&c).unwrap();
    let caps = conn.capabilities().clone();
    assert!(
        caps.pipelining && caps.dsn && caps.eight_bit_mime && caps.enhanced_status_codes,
        "{caps:?}"
    );
    let mut env = Envelope::new("from@example.test", ["a@example.test", "b@example.test"]);
    env.eight_bit = true;
    env.dsn_ret = Some(missive::smtp::DsnRet::Full);
    env.dsn_envid = Some("ENV 1".into());
    env.recipients[0].notify = Some(missive::smtp::DsnNotify {
        never: true,
        ..Default::default()
    });
    let res = conn
        .send(&env, b"Subject: sink-one\n\n.dot\nbody\n")
        .unwrap();
    assert_eq!(res.accepted.len(), 2);
    assert_eq!(res.reply.code, 250);
    conn.quit();
    let dumps = sink.wait_dumps(1);
    let d = find(&dumps, "sink-one");
    assert!(
        d.contains("X-Mail-Args: <from@example.test> BODY=8BITMIME RET=FULL ENVID=ENV+201"),
        "{d}"
    );
    assert!(
        d.contains("X-Rcpt-Args: <a@example.test> NOTIFY=NEVER"),
        "{d}"
    );
    assert!(d.contains("X-Rcpt-Args: <b@example.test>"), "{d}");
    assert!(
        d.contains("\n.dot\n") || d.contains("\r\n.dot\r\n"),
        "dot-unstuffed line: {d}"
    );
    // Pipelined: MAIL, RCPTs and DATA were all sent before the first reply was read.
    let lines = lines.lock().unwrap();
    let mail_at = lines
        .iter()
        .position(|(_, l)| l.starts_with("MAIL FROM"))
        .unwrap();
    let kinds: Vec<LogDirection> = lines[mail_at..mail_at + 4]
        .iter()
        .map(|(d, _)| *d)
        .collect();
    assert_eq!(kinds, vec![LogDirection::Sent; 4], "{lines:?}");
}

#[test]
fn send_many_pipelined_over_one_session() {
    let sink = SmtpSink::start(&[]);
    let (log, lines) = log_collector();
    let mut c = cfg(sink.port);
    c.protocol_log = Some(log);
    let mut client = SmtpClient::new(c);
    let bodies: Vec<String> = (0..5)
        .map(|i| format!("Subject: many-{i}\r\n\r\nbody {i}\r\n"))
        .collect();
    let items: Vec<(Envelope, &[u8])> = bodies
        .iter()
        .enumerate()
        .map(|(i, b)| {
            (
                Envelope::new("from@example.test", [format!("r{i}@example.test")]),
                b.as_bytes(),
            )
        })
        .collect();
    let results = client.send_many(&items);
    assert_eq!(results.len(), 5);
    for r in &results {
        assert_eq!(r.as_ref().unwrap().reply.code, 250);
    }
    drop(client);
    let dumps = sink.wait_dumps(5);
    for i in 0..5 {
        let d = find(&dumps, &format!("many-{i}"));
        assert!(
            d.contains(&format!("X-Rcpt-Args: <r{i}@example.test>")),
            "{d}"
        );
    }
    let lines = lines.lock().unwrap();
    // After the first message's final dot, the next MAIL is sent before the dot's reply.
    let dot_at = lines
        .iter()
        .position(|(d, l)| *d == LogDirection::Sent && l == ".")
        .unwrap();
    assert_eq!(lines[dot_at + 1].0, LogDirection::Sent);
    assert!(lines[dot_at + 1].1.starts_with("MAIL FROM"), "{lines:?}");
    assert_eq!(
        lines.iter().filter(|(_, l)| l.starts_with("EHLO")).count(),
        1
    );
}

#[test]
fn lockstep_when_pipelining_not_advertised_or_disabled() {
    for (args, pipelining) in [(&["-p"][..], true), (&[][..], false)] {
        let sink = SmtpSink::start(args);
        let (log, lines) = log_collector();
        let mut c = cfg(sink.port);
        c.pipelining = pipelining;
        c.protocol_log = Some(log);
        let mut conn = SmtpConnection::connect(&c).unwrap();
        let env = Envelope::new("from@example.test", ["a@example.test", "b@example.test"]);
        conn.send(&env, b"Subject: lockstep\r\n\r\nx\r\n").unwrap();
        conn.quit();
        assert!(find(&sink.wait_dumps(1), "lockstep").contains("X-Rcpt-Args: <b@example.test>"));
        let lines = lines.lock().unwrap();
        let mail_at = lines
            .iter()
            .position(|(_, l)| l.starts_with("MAIL FROM"))
            .unwrap();
        // Each command is followed by its reply.
        for pair in lines[mail_at..mail_at + 8].chunks(2) {
            assert_eq!(
                (pair[0].0, pair[1].0),
                (LogDirection::Sent, LogDirection::Received),
                "{lines:?}"
            );
        }
    }
}

#[test]
fn soft_rejected_recipients_are_transient() {
    let sink = SmtpSink::start(&["-r", "RCPT"]);
    let mut conn = SmtpConnection::connect(&cfg(sink.port)).unwrap();
    let env = Envelope::new("from@example.test", ["a@example.test"]);
    let err = conn.send(&env, b"x\r\n").unwrap_err();
    assert_eq!(err.kind, SmtpErrorKind::AllRecipientsRejected);
    assert!(err.is_transient());
    assert_eq!(err.rejected[0].1.code, 450);
    // The session is still usable for NOOP after the RSET.
    conn.noop().unwrap();
    conn.quit();
}

#[test]
fn disconnect_after_final_dot_is_outcome_unknown() {
    let sink = SmtpSink::start(&["-q", "."]);
    let mut conn = SmtpConnection::connect(&cfg(sink.port)).unwrap();
    let env = Envelope::new("from@example.test", ["a@example.test"]);
    let err = conn
        .send(&env, b"Subject: vanish\r\n\r\nx\r\n")
        .unwrap_err();
    assert_eq!(
        err.kind,
        SmtpErrorKind::ConnectionLost {
            stage: Stage::DataEnd
        }
    );
    assert!(err.outcome_unknown());
}

#[test]
fn hard_rejected_end_of_data() {
    let sink = SmtpSink::start(&["-f", "."]);
    let mut conn = SmtpConnection::connect(&cfg(sink.port)).unwrap();
    let env = Envelope::new("from@example.test", ["a@example.test"]);
    let err = conn.send(&env, b"x\r\n").unwrap_err();
    assert_eq!(
        err.kind,
        SmtpErrorKind::ServerRejected {
            stage: Stage::DataEnd
        }
    );
    assert_eq!(err.reply.as_ref().unwrap().code, 500);
    assert_eq!(err.reply.as_ref().unwrap().enhanced, Some((5, 3, 0)));
    conn.quit();
}
