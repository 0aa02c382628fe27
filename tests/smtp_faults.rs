//! SMTP engine against a scripted fault server (std TcpListener on 127.0.0.1): faults real
//! servers won't make on demand. Each one must end in a specific error, with no hang.

#[path = "support/smtp/mod.rs"]
mod support;

use std::time::{Duration, Instant};

use missive::smtp::{
    AuthMechanism, Credentials, DsnNotify, DsnRet, Envelope, LogDirection, Recipient, Security,
    SmtpClient, SmtpConfig, SmtpConnection, SmtpErrorKind, Stage,
};
use support::{ScriptServer, Step, expect, hello, log_collector, say};

fn cfg(port: u16) -> SmtpConfig {
    let mut c = SmtpConfig::new("127.0.0.1");
    c.port = port;
    c.security = Security::None;
    c.client_name = Some("client.test".to_string());
    c.connect_timeout = Duration::from_secs(2);
    c.greeting_timeout = Duration::from_secs(2);
    c.command_timeout = Duration::from_secs(2);
    c
}

fn env(to: &[&str]) -> Envelope {
    Envelope::new("a@x.test", to.iter().copied())
}

fn script(parts: Vec<Vec<Step>>) -> Vec<Step> {
    parts.into_iter().flatten().collect()
}

fn quit() -> Vec<Step> {
    vec![expect("QUIT"), say("221 bye")]
}

#[test]
fn greeting_421_is_transient_server_rejection() {
    let srv = ScriptServer::start(vec![say("421 4.3.2 too busy, try later")]);
    let err = SmtpConnection::connect(&cfg(srv.port))
        .err()
        .expect("must fail");
    assert_eq!(
        err.kind,
        SmtpErrorKind::ServerRejected {
            stage: Stage::Greeting
        }
    );
    assert_eq!(err.reply.as_ref().unwrap().code, 421);
    assert!(err.is_transient());
    assert!(err.message.contains("too busy"), "{}", err.message);
    srv.finish();
}

#[test]
fn slow_greeting_times_out() {
    let srv = ScriptServer::start(vec![
        Step::Sleep(Duration::from_millis(1500)),
        say("220 late"),
    ]);
    let mut c = cfg(srv.port);
    c.greeting_timeout = Duration::from_millis(300);
    let t = Instant::now();
    let err = SmtpConnection::connect(&c).err().expect("must fail");
    assert_eq!(
        err.kind,
        SmtpErrorKind::Timeout {
            stage: Stage::Greeting
        }
    );
    assert!(
        t.elapsed() < Duration::from_secs(1),
        "took {:?}",
        t.elapsed()
    );
    assert!(err.is_transient());
}

#[test]
fn garbage_greeting_is_protocol_error() {
    let srv = ScriptServer::start(vec![say("HTTP/1.1 400 Bad Request")]);
    let err = SmtpConnection::connect(&cfg(srv.port))
        .err()
        .expect("must fail");
    assert_eq!(err.kind, SmtpErrorKind::ProtocolError);
    assert!(err.message.contains("HTTP/1.1"), "{}", err.message);
}

#[test]
fn overlong_reply_line_is_protocol_error() {
    let long = format!("220 {}", "x".repeat(10_000));
    let srv = ScriptServer::start(vec![say(&long)]);
    let err = SmtpConnection::connect(&cfg(srv.port))
        .err()
        .expect("must fail");
    assert_eq!(err.kind, SmtpErrorKind::ProtocolError);
    assert!(err.message.contains("longer than"), "{}", err.message);
}

#[test]
fn connect_refused_is_connect_error() {
    let port = support::free_port();
    let err = SmtpConnection::connect(&cfg(port))
        .err()
        .expect("must fail");
    assert_eq!(err.kind, SmtpErrorKind::Connect);
    assert!(err.message.contains("127.0.0.1"), "{}", err.message);
}

#[test]
fn ehlo_rejected_falls_back_to_helo() {
    let srv = ScriptServer::start(script(vec![
        vec![
            say("220 old.test"),
            expect("EHLO client.test"),
            say("502 5.5.1 unrecognized"),
        ],
        vec![expect("HELO client.test"), say("250 old.test")],
        // No ESMTP parameters after HELO, even though the envelope asks for 8BITMIME.
        vec![
            expect("MAIL FROM:<a@x.test>\r"),
            say("250 ok"),
            expect("RCPT TO:<b@y.test>\r"),
            say("250 ok"),
        ],
        vec![
            expect("DATA"),
            say("354 go"),
            Step::ReadData,
            say("250 queued as HELO1"),
        ],
        quit(),
    ]));
    let mut conn = SmtpConnection::connect(&cfg(srv.port)).unwrap();
    assert!(!conn.capabilities().esmtp);
    let mut e = env(&["b@y.test"]);
    e.eight_bit = true;
    let res = conn.send(&e, b"Subject: x\r\n\r\nbody\r\n").unwrap();
    assert_eq!(res.reply.queue_id().as_deref(), Some("HELO1"));
    conn.quit();
    srv.finish();
}

#[test]
fn mail_from_4xx_and_5xx_then_rset() {
    let srv = ScriptServer::start(script(vec![
        hello(&["SIZE 1000"]),
        vec![
            expect("MAIL FROM:<a@x.test> SIZE=13"),
            say("451 4.3.0 try later"),
        ],
        vec![expect("RSET"), say("250 ok")],
        vec![expect("MAIL FROM:"), say("550 5.7.1 sender refused")],
        vec![expect("RSET"), say("250 ok")],
        quit(),
    ]));
    let mut conn = SmtpConnection::connect(&cfg(srv.port)).unwrap();
    let err = conn
        .send(&env(&["b@y.test"]), b"hello world\n")
        .unwrap_err();
    assert_eq!(
        err.kind,
        SmtpErrorKind::ServerRejected { stage: Stage::Mail }
    );
    assert!(err.is_transient());
    assert_eq!(err.reply.as_ref().unwrap().enhanced, Some((4, 3, 0)));
    let err = conn
        .send(&env(&["b@y.test"]), b"hello world\n")
        .unwrap_err();
    assert_eq!(
        err.kind,
        SmtpErrorKind::ServerRejected { stage: Stage::Mail }
    );
    assert!(!err.is_transient());
    assert!(err.message.contains("sender refused"));
    conn.quit();
    srv.finish();
}

#[test]
fn rcpt_rejections_lockstep_partial_and_all() {
    let srv = ScriptServer::start(script(vec![
        hello(&["ENHANCEDSTATUSCODES"]),
        // Partial: one accepted, one refused, one duplicate skipped.
        vec![expect("MAIL FROM:<a@x.test>\r"), say("250 ok")],
        vec![expect("RCPT TO:<good@y.test>"), say("250 ok")],
        vec![
            expect("RCPT TO:<bad@y.test>"),
            say("550 5.1.1 no such user"),
        ],
        vec![
            expect("DATA"),
            say("354 go"),
            Step::ReadData,
            say("250 2.0.0 Ok: queued as P1"),
        ],
        // All refused.
        vec![expect("MAIL FROM:"), say("250 ok")],
        vec![
            expect("RCPT TO:<bad@y.test>"),
            say("550 5.1.1 no such user"),
        ],
        vec![
            expect("RCPT TO:<busy@y.test>"),
            say("452 4.2.2 mailbox full"),
        ],
        vec![expect("RSET"), say("250 ok")],
        quit(),
    ]));
    let mut conn = SmtpConnection::connect(&cfg(srv.port)).unwrap();
    let res = conn
        .send(&env(&["good@y.test", "bad@y.test", "good@y.test"]), b"x\n")
        .unwrap();
    assert_eq!(res.accepted, vec!["good@y.test"]);
    assert_eq!(res.rejected.len(), 1);
    assert_eq!(res.rejected[0].0, "bad@y.test");
    assert_eq!(res.rejected[0].1.code, 550);
    assert_eq!(res.rejected[0].1.enhanced, Some((5, 1, 1)));
    assert_eq!(res.rejected[0].1.text(), "no such user");
    let err = conn
        .send(&env(&["bad@y.test", "busy@y.test"]), b"x\n")
        .unwrap_err();
    assert_eq!(err.kind, SmtpErrorKind::AllRecipientsRejected);
    assert_eq!(err.rejected.len(), 2);
    assert!(!err.is_transient(), "one refusal is permanent");
    conn.quit();
    let got = srv.finish();
    assert_eq!(
        got.matches("RCPT TO:<good@y.test>").count(),
        1,
        "duplicate recipient sent twice"
    );
}

#[test]
fn data_command_and_final_dot_rejections() {
    let srv = ScriptServer::start(script(vec![
        hello(&[]),
        vec![expect("MAIL"), say("250 ok"), expect("RCPT"), say("250 ok")],
        vec![expect("DATA"), say("554 5.5.1 no valid recipients")],
        vec![expect("RSET"), say("250 ok")],
        vec![expect("MAIL"), say("250 ok"), expect("RCPT"), say("250 ok")],
        vec![
            expect("DATA"),
            say("354 go"),
            Step::ReadData,
            say("552 5.3.4 message too big"),
        ],
        vec![expect("MAIL"), say("250 ok"), expect("RCPT"), say("250 ok")],
        vec![
            expect("DATA"),
            say("354 go"),
            Step::ReadData,
            say("451 4.3.0 local error"),
        ],
        quit(),
    ]));
    let mut conn = SmtpConnection::connect(&cfg(srv.port)).unwrap();
    let err = conn.send(&env(&["b@y.test"]), b"x\n").unwrap_err();
    assert_eq!(
        err.kind,
        SmtpErrorKind::ServerRejected { stage: Stage::Data }
    );
    let err = conn.send(&env(&["b@y.test"]), b"x\n").unwrap_err();
    assert_eq!(
        err.kind,
        SmtpErrorKind::ServerRejected {
            stage: Stage::DataEnd
        }
    );
    assert!(!err.is_transient());
    assert!(!err.outcome_unknown());
    let err = conn.send(&env(&["b@y.test"]), b"x\n").unwrap_err();
    assert_eq!(
        err.kind,
        SmtpErrorKind::ServerRejected {
            stage: Stage::DataEnd
        }
    );
    assert!(err.is_transient());
    conn.quit();
    srv.finish();
}

#[test]
fn drop_before_final_reply_is_outcome_unknown() {
    let srv = ScriptServer::start(script(vec![
        hello(&[]),
        vec![expect("MAIL"), say("250 ok"), expect("RCPT"), say("250 ok")],
        vec![expect("DATA"), say("354 go"), Step::ReadData],
    ]));
    let mut conn = SmtpConnection::connect(&cfg(srv.port)).unwrap();
    let err = conn.send(&env(&["b@y.test"]), b"x\n").unwrap_err();
    assert_eq!(
        err.kind,
        SmtpErrorKind::ConnectionLost {
            stage: Stage::DataEnd
        }
    );
    assert!(err.outcome_unknown());
    assert!(err.message.contains("outcome unknown"), "{}", err.message);
    assert!(conn.is_broken());
    let again = conn.send(&env(&["b@y.test"]), b"x\n").unwrap_err();
    assert_eq!(
        again.kind,
        SmtpErrorKind::ConnectionLost { stage: Stage::Mail }
    );
    srv.finish();
}

#[test]
fn no_final_reply_times_out_as_outcome_unknown() {
    let srv = ScriptServer::start(script(vec![
        hello(&[]),
        vec![expect("MAIL"), say("250 ok"), expect("RCPT"), say("250 ok")],
        vec![
            expect("DATA"),
            say("354 go"),
            Step::ReadData,
            Step::Sleep(Duration::from_millis(1200)),
        ],
    ]));
    let mut c = cfg(srv.port);
    c.command_timeout = Duration::from_millis(400);
    let mut conn = SmtpConnection::connect(&c).unwrap();
    let t = Instant::now();
    let err = conn.send(&env(&["b@y.test"]), b"x\n").unwrap_err();
    assert_eq!(
        err.kind,
        SmtpErrorKind::Timeout {
            stage: Stage::DataEnd
        }
    );
    assert!(err.outcome_unknown());
    assert!(t.elapsed() < Duration::from_millis(1100));
    srv.finish();
}

#[test]
fn drop_mid_data_is_connection_lost_before_end() {
    let srv = ScriptServer::start(script(vec![
        hello(&[]),
        vec![expect("MAIL"), say("250 ok"), expect("RCPT"), say("250 ok")],
        vec![expect("DATA"), say("354 go"), expect("Subject")],
    ]));
    let mut c = cfg(srv.port);
    c.command_timeout = Duration::from_secs(3);
    let mut conn = SmtpConnection::connect(&c).unwrap();
    // Large enough that the server closes (with unread data: RST) while we are writing.
    let mut msg = b"Subject: big\r\n\r\n".to_vec();
    for _ in 0..200_000 {
        msg.extend_from_slice(
            b"0123456789012345678901234567890123456789012345678901234567890123456789\r\n",
        );
    }
    let t = Instant::now();
    let err = conn.send(&env(&["b@y.test"]), &msg).unwrap_err();
    assert_eq!(
        err.kind,
        SmtpErrorKind::ConnectionLost {
            stage: Stage::DataBody
        },
        "{err}"
    );
    assert!(!err.outcome_unknown());
    assert!(err.is_transient());
    assert!(t.elapsed() < Duration::from_secs(3));
    srv.finish();
}

#[test]
fn pipelining_sends_envelope_in_one_write() {
    // The server reads MAIL, RCPT, RCPT and DATA before answering anything: a lockstep client
    // would wait forever for the MAIL reply.
    let srv = ScriptServer::start(script(vec![
        hello(&["PIPELINING", "SIZE 0", "8BITMIME"]),
        vec![
            expect("MAIL FROM:<a@x.test> SIZE=3 BODY=8BITMIME"),
            expect("RCPT TO:<b@y.test>"),
            expect("RCPT TO:<c@y.test>"),
            expect("DATA"),
        ],
        vec![
            say("250 ok"),
            say("250 ok"),
            say("550 5.1.1 unknown c"),
            say("354 go"),
        ],
        vec![Step::ReadData, say("250 2.0.0 Ok: queued as PIPE1")],
        quit(),
    ]));
    let mut conn = SmtpConnection::connect(&cfg(srv.port)).unwrap();
    assert!(conn.capabilities().pipelining);
    let mut e = env(&["b@y.test", "c@y.test"]);
    e.eight_bit = true;
    let res = conn.send(&e, b"\xe9\n").unwrap();
    assert_eq!(res.accepted, vec!["b@y.test"]);
    assert_eq!(res.rejected[0].0, "c@y.test");
    assert_eq!(res.reply.queue_id().as_deref(), Some("PIPE1"));
    conn.quit();
    srv.finish();
}

#[test]
fn send_many_pipelines_next_mail_after_final_dot() {
    let srv = ScriptServer::start(script(vec![
        hello(&["PIPELINING"]),
        vec![
            expect("MAIL FROM:<a@x.test>"),
            expect("RCPT TO:<b@y.test>"),
            expect("DATA"),
        ],
        vec![say("250 ok"), say("250 ok"), say("354 go"), Step::ReadData],
        // The next transaction arrives before the reply to the first final dot.
        vec![
            expect("MAIL FROM:<a@x.test>"),
            expect("RCPT TO:<c@y.test>"),
            expect("DATA"),
        ],
        vec![
            say("250 queued as ONE"),
            say("250 ok"),
            say("250 ok"),
            say("354 go"),
            Step::ReadData,
        ],
        vec![say("250 queued as TWO")],
        quit(),
    ]));
    let mut conn = SmtpConnection::connect(&cfg(srv.port)).unwrap();
    let items = vec![
        (env(&["b@y.test"]), &b"one\n"[..]),
        (env(&["c@y.test"]), &b"two\n"[..]),
    ];
    let res = conn.send_many(&items);
    assert_eq!(res.len(), 2);
    assert_eq!(
        res[0].as_ref().unwrap().reply.queue_id().as_deref(),
        Some("ONE")
    );
    assert_eq!(
        res[1].as_ref().unwrap().reply.queue_id().as_deref(),
        Some("TWO")
    );
    conn.quit();
    let got = srv.finish();
    assert!(
        got.contains("one\r\n.\r\nMAIL FROM:<a@x.test>\r\nRCPT TO:<c@y.test>\r\nDATA\r\n"),
        "{got}"
    );
}

#[test]
fn pipelining_all_rejected_then_data_refused() {
    let srv = ScriptServer::start(script(vec![
        hello(&["PIPELINING"]),
        vec![expect("MAIL"), expect("RCPT"), expect("DATA")],
        vec![
            say("250 ok"),
            say("550 5.1.1 unknown"),
            say("554 5.5.1 no valid recipients"),
        ],
        vec![expect("RSET"), say("250 ok")],
        quit(),
    ]));
    let mut conn = SmtpConnection::connect(&cfg(srv.port)).unwrap();
    let err = conn
        .send(&env(&["b@y.test"]), b"secret body\n")
        .unwrap_err();
    assert_eq!(err.kind, SmtpErrorKind::AllRecipientsRejected);
    assert_eq!(err.rejected[0].1.code, 550);
    conn.quit();
    let got = srv.finish();
    assert!(!got.contains("secret body"), "data was sent: {got}");
}

#[test]
fn misbehaving_pipelining_server_354_without_recipients() {
    // The server accepts DATA although it refused every recipient: the client must end the
    // data at once without sending the message, then RSET.
    let srv = ScriptServer::start(script(vec![
        hello(&["PIPELINING"]),
        vec![expect("MAIL"), expect("RCPT"), expect("DATA")],
        vec![
            say("250 ok"),
            say("550 5.1.1 unknown"),
            say("354 go ahead anyway"),
        ],
        vec![expect(".\r\n"), say("554 no recipients")],
        vec![expect("RSET"), say("250 ok")],
        quit(),
    ]));
    let mut conn = SmtpConnection::connect(&cfg(srv.port)).unwrap();
    let err = conn
        .send(&env(&["b@y.test"]), b"secret body\n")
        .unwrap_err();
    assert_eq!(err.kind, SmtpErrorKind::AllRecipientsRejected);
    conn.quit();
    let got = srv.finish();
    assert!(!got.contains("secret body"), "data was sent: {got}");
}

#[test]
fn misbehaving_pipelining_server_missing_replies_times_out() {
    let srv = ScriptServer::start(script(vec![
        hello(&["PIPELINING"]),
        vec![
            expect("MAIL"),
            expect("RCPT"),
            expect("DATA"),
            say("250 ok"),
        ],
        vec![Step::Sleep(Duration::from_millis(1000))],
    ]));
    let mut c = cfg(srv.port);
    c.command_timeout = Duration::from_millis(300);
    let mut conn = SmtpConnection::connect(&c).unwrap();
    let err = conn.send(&env(&["b@y.test"]), b"x\n").unwrap_err();
    assert_eq!(err.kind, SmtpErrorKind::Timeout { stage: Stage::Rcpt });
    srv.finish();
}

#[test]
fn require_all_recipients_with_pipelining_sends_nothing() {
    let srv = ScriptServer::start(script(vec![
        hello(&["PIPELINING"]),
        // DATA is not pipelined with require_all_recipients.
        vec![expect("MAIL"), expect("RCPT TO:<b@"), expect("RCPT TO:<c@")],
        vec![say("250 ok"), say("250 ok"), say("450 4.2.1 try later")],
        vec![expect("RSET"), say("250 ok")],
        quit(),
    ]));
    let mut c = cfg(srv.port);
    c.require_all_recipients = true;
    let mut conn = SmtpConnection::connect(&c).unwrap();
    let err = conn
        .send(&env(&["b@y.test", "c@y.test"]), b"secret body\n")
        .unwrap_err();
    assert_eq!(err.kind, SmtpErrorKind::SomeRecipientsRejected);
    assert_eq!(err.rejected.len(), 1);
    assert!(err.is_transient());
    conn.quit();
    let got = srv.finish();
    assert!(!got.contains("DATA") && !got.contains("secret"), "{got}");
}

#[test]
fn dsn_size_and_smtputf8_parameters() {
    let srv = ScriptServer::start(script(vec![
        hello(&["DSN", "SIZE 100000", "SMTPUTF8", "8BITMIME"]),
        vec![
            expect("MAIL FROM:<ä@x.test> SIZE=6 SMTPUTF8 RET=HDRS ENVID=id+2B1+3Dx\r\n"),
            say("250 ok"),
        ],
        vec![
            expect("RCPT TO:<b@y.test> NOTIFY=SUCCESS,FAILURE\r\n"),
            say("250 ok"),
        ],
        vec![expect("RCPT TO:<ö@y.test>\r\n"), say("250 ok")],
        vec![expect("DATA"), say("354 go"), Step::ReadData, say("250 ok")],
        quit(),
    ]));
    let mut conn = SmtpConnection::connect(&cfg(srv.port)).unwrap();
    let e = Envelope {
        mail_from: "ä@x.test".into(),
        recipients: vec![
            Recipient {
                address: "b@y.test".into(),
                notify: Some(DsnNotify {
                    success: true,
                    failure: true,
                    ..DsnNotify::default()
                }),
            },
            Recipient::new("ö@y.test"),
        ],
        smtputf8: true,
        eight_bit: false,
        dsn_ret: Some(DsnRet::Headers),
        dsn_envid: Some("id+1=x".into()),
    };
    conn.send(&e, b"a\nb\n").unwrap();
    conn.quit();
    srv.finish();
}

#[test]
fn message_too_large_refused_up_front() {
    let srv = ScriptServer::start(script(vec![hello(&["SIZE 10"]), quit()]));
    let mut conn = SmtpConnection::connect(&cfg(srv.port)).unwrap();
    let err = conn
        .send(&env(&["b@y.test"]), b"0123456789abcdef")
        .unwrap_err();
    assert_eq!(err.kind, SmtpErrorKind::MessageTooLarge);
    conn.quit();
    let got = srv.finish();
    assert!(!got.contains("MAIL"), "{got}");
}

#[test]
fn smtputf8_not_supported() {
    let srv = ScriptServer::start(script(vec![hello(&["8BITMIME"]), quit()]));
    let mut conn = SmtpConnection::connect(&cfg(srv.port)).unwrap();
    let mut e = env(&["ü@y.test"]);
    e.smtputf8 = true;
    let err = conn.send(&e, b"x").unwrap_err();
    assert_eq!(err.kind, SmtpErrorKind::SmtpUtf8NotSupported);
    conn.quit();
    srv.finish();
}

#[test]
fn auto_without_starttls_never_sends_credentials() {
    let srv = ScriptServer::start(script(vec![
        hello(&["AUTH PLAIN LOGIN"]),
        vec![Step::ReadToEnd],
    ]));
    let (log, lines) = log_collector();
    let mut c = cfg(srv.port);
    c.security = Security::Auto;
    c.credentials = Some(Credentials::password("user", "hunter2"));
    c.protocol_log = Some(log);
    let err = SmtpConnection::connect(&c).err().expect("must fail");
    assert_eq!(err.kind, SmtpErrorKind::CredentialsRequireTls);
    let got = srv.finish();
    assert!(!got.contains("AUTH") && !got.contains("hunter2"), "{got}");
    let lines = lines.lock().unwrap();
    assert!(
        !lines
            .iter()
            .any(|(d, l)| *d == LogDirection::Sent && l.contains("AUTH")),
        "{lines:?}"
    );
}

#[test]
fn explicit_tls_refuses_server_without_starttls() {
    let srv = ScriptServer::start(script(vec![hello(&["AUTH PLAIN"]), vec![Step::ReadToEnd]]));
    let mut c = cfg(srv.port);
    c.security = Security::SslExplicit;
    c.credentials = Some(Credentials::password("user", "hunter2"));
    let err = SmtpConnection::connect(&c).err().expect("must fail");
    assert_eq!(err.kind, SmtpErrorKind::TlsRequiredNotOffered);
    let got = srv.finish();
    assert!(!got.contains("AUTH") && !got.contains("MAIL"), "{got}");
}

#[test]
fn starttls_refused_fails_without_credentials_leak() {
    let srv = ScriptServer::start(script(vec![
        hello(&["STARTTLS", "AUTH PLAIN"]),
        vec![expect("STARTTLS"), say("454 4.7.0 TLS not available")],
        vec![Step::ReadToEnd],
    ]));
    let mut c = cfg(srv.port);
    c.security = Security::Auto;
    c.credentials = Some(Credentials::password("user", "hunter2"));
    let err = SmtpConnection::connect(&c).err().expect("must fail");
    assert_eq!(
        err.kind,
        SmtpErrorKind::ServerRejected {
            stage: Stage::StartTls
        }
    );
    let got = srv.finish();
    assert!(!got.contains("AUTH"), "{got}");
}

#[test]
fn starttls_response_injection_is_refused() {
    let srv = ScriptServer::start(script(vec![
        hello(&["STARTTLS"]),
        vec![
            expect("STARTTLS"),
            Step::Send("220 go ahead\r\n250 injected\r\n".into()),
        ],
        vec![Step::ReadToEnd],
    ]));
    let mut c = cfg(srv.port);
    c.security = Security::SslExplicit;
    let err = SmtpConnection::connect(&c).err().expect("must fail");
    assert_eq!(err.kind, SmtpErrorKind::ProtocolError);
    srv.finish();
}

#[test]
fn cram_md5_rfc2195_exchange_and_redacted_log() {
    let srv = ScriptServer::start(script(vec![
        hello(&["AUTH LOGIN PLAIN CRAM-MD5"]),
        vec![
            expect("AUTH CRAM-MD5"),
            say("334 PDE4OTYuNjk3MTcwOTUyQHBvc3RvZmZpY2UucmVzdG9uLm1jaS5uZXQ+"),
        ],
        vec![
            expect("dGltIGI5MTNhNjAyYzdlZGE3YTQ5NWI0ZTZlNzMzNGQzODkw\r\n"),
            say("235 2.7.0 ok"),
        ],
        quit(),
    ]));
    let (log, lines) = log_collector();
    let mut c = cfg(srv.port);
    c.credentials = Some(Credentials::password("tim", "tanstaaftanstaaf"));
    c.protocol_log = Some(log);
    SmtpConnection::connect(&c).unwrap().quit();
    srv.finish();
    let lines = lines.lock().unwrap();
    assert!(lines.contains(&(LogDirection::Sent, "AUTH CRAM-MD5".to_string())));
    assert!(lines.contains(&(LogDirection::Sent, "<redacted>".to_string())));
    assert!(
        !lines.iter().any(|(_, l)| l.contains("dGltIGI5")),
        "{lines:?}"
    );
}

#[test]
fn auth_secrets_are_redacted_in_protocol_log() {
    // PLAIN, LOGIN and XOAUTH2, each named explicitly, over plain text (Security::None).
    let user_b64 = "dXNlcg=="; // "user"
    let pass_b64 = "aHVudGVyMg=="; // "hunter2"
    let cases: Vec<(AuthMechanism, Credentials, Vec<Step>)> = vec![
        (
            AuthMechanism::Plain,
            Credentials::password("user", "hunter2"),
            vec![expect("AUTH PLAIN AHVzZXIAaHVudGVyMg==\r\n"), say("235 ok")],
        ),
        (
            AuthMechanism::Login,
            Credentials::password("user", "hunter2"),
            vec![
                expect("AUTH LOGIN\r\n"),
                say("334 VXNlcm5hbWU6"),
                expect(user_b64),
                say("334 UGFzc3dvcmQ6"),
                expect(pass_b64),
                say("235 ok"),
            ],
        ),
        (
            AuthMechanism::XOAuth2,
            Credentials::oauth2("user", "tok3n"),
            vec![
                expect("AUTH XOAUTH2 dXNlcj11c2VyAWF1dGg9QmVhcmVyIHRvazNuAQE=\r\n"),
                say("235 ok"),
            ],
        ),
    ];
    for (mech, creds, steps) in cases {
        let srv = ScriptServer::start(script(vec![
            hello(&["AUTH PLAIN LOGIN XOAUTH2"]),
            steps,
            quit(),
        ]));
        let (log, lines) = log_collector();
        let mut c = cfg(srv.port);
        c.credentials = Some(creds);
        c.auth_mechanism = Some(mech);
        c.protocol_log = Some(log);
        SmtpConnection::connect(&c).unwrap().quit();
        srv.finish();
        let lines = lines.lock().unwrap();
        for (_, l) in lines.iter() {
            for secret in [
                "hunter2",
                "aHVudGVyMg",
                "AHVzZXIA",
                "tok3n",
                "dXNlcj11c2Vy",
                user_b64,
            ] {
                assert!(!l.contains(secret), "{mech:?}: secret in log line {l:?}");
            }
        }
        assert!(
            lines.iter().any(|(_, l)| l.contains("<redacted>")),
            "{mech:?}: {lines:?}"
        );
    }
}

#[test]
fn auth_failure_and_unsupported() {
    let srv = ScriptServer::start(script(vec![
        hello(&["AUTH PLAIN"]),
        vec![expect("AUTH PLAIN"), say("535 5.7.8 bad credentials")],
        quit(),
    ]));
    let mut c = cfg(srv.port);
    c.credentials = Some(Credentials::password("user", "wrong"));
    let err = SmtpConnection::connect(&c).err().expect("must fail");
    assert_eq!(err.kind, SmtpErrorKind::AuthFailed);
    assert_eq!(err.reply.as_ref().unwrap().code, 535);
    srv.finish();

    // A token needs XOAUTH2, which this server lacks.
    let srv = ScriptServer::start(script(vec![hello(&["AUTH PLAIN LOGIN"]), quit()]));
    let mut c = cfg(srv.port);
    c.credentials = Some(Credentials::oauth2("user", "tok"));
    let err = SmtpConnection::connect(&c).err().expect("must fail");
    assert_eq!(err.kind, SmtpErrorKind::AuthUnsupported);
    srv.finish();
}

fn one_transaction(id: &str) -> Vec<Step> {
    vec![
        expect("MAIL"),
        say("250 ok"),
        expect("RCPT"),
        say("250 ok"),
        expect("DATA"),
        say("354 go"),
        Step::ReadData,
        say(&format!("250 queued as {id}")),
    ]
}

#[test]
fn client_reconnects_when_server_closed_idle_connection() {
    // Session 1 ends (server closes) after one message; the client notices at MAIL of the
    // next message, before any of its data was sent, and retries on session 2.
    let srv = ScriptServer::start_sessions(vec![
        script(vec![hello(&[]), one_transaction("S1")]),
        script(vec![hello(&[]), one_transaction("S2"), quit()]),
    ]);
    let mut client = SmtpClient::new(cfg(srv.port));
    client.set_idle_check(Duration::from_secs(3600));
    let r1 = client.send(&env(&["b@y.test"]), b"one\n").unwrap();
    assert_eq!(r1.reply.queue_id().as_deref(), Some("S1"));
    std::thread::sleep(Duration::from_millis(100));
    let r2 = client.send(&env(&["b@y.test"]), b"two\n").unwrap();
    assert_eq!(r2.reply.queue_id().as_deref(), Some("S2"));
    drop(client); // QUIT
    let got = srv.finish();
    assert_eq!(got.matches("two\r\n").count(), 1, "{got}");
}

#[test]
fn client_checks_idle_connection_with_noop_and_quits_on_drop() {
    let srv = ScriptServer::start_sessions(vec![
        script(vec![
            hello(&[]),
            one_transaction("S1"),
            vec![expect("NOOP"), say("421 4.4.2 idle timeout")],
        ]),
        script(vec![
            hello(&[]),
            one_transaction("S2"),
            vec![expect("NOOP"), say("250 ok")],
            quit(),
        ]),
    ]);
    let mut client = SmtpClient::new(cfg(srv.port));
    client.set_idle_check(Duration::ZERO);
    assert_eq!(
        client
            .send(&env(&["b@y.test"]), b"1\n")
            .unwrap()
            .reply
            .queue_id()
            .as_deref(),
        Some("S1")
    );
    assert_eq!(
        client
            .send(&env(&["b@y.test"]), b"2\n")
            .unwrap()
            .reply
            .queue_id()
            .as_deref(),
        Some("S2")
    );
    assert!(client.is_connected());
    // Idle again: NOOP succeeds, so session 2 is kept.
    client.connection().unwrap();
    drop(client);
    srv.finish();
}

#[test]
fn client_quits_on_drop_and_rsets_after_failure() {
    let srv = ScriptServer::start(script(vec![
        hello(&[]),
        vec![expect("MAIL"), say("250 ok"), expect("RCPT"), say("550 no")],
        vec![expect("RSET"), say("250 ok")],
        one_transaction("OK2"),
        quit(),
    ]));
    let mut client = SmtpClient::new(cfg(srv.port));
    let err = client.send(&env(&["b@y.test"]), b"1\n").unwrap_err();
    assert_eq!(err.kind, SmtpErrorKind::AllRecipientsRejected);
    assert_eq!(
        client
            .send(&env(&["b@y.test"]), b"2\n")
            .unwrap()
            .reply
            .queue_id()
            .as_deref(),
        Some("OK2")
    );
    drop(client);
    let got = srv.finish();
    assert!(got.ends_with("QUIT\r\n"), "{got}");
}

#[test]
fn client_retries_on_421_at_mail_of_reused_connection() {
    let srv = ScriptServer::start_sessions(vec![
        script(vec![
            hello(&["PIPELINING"]),
            one_transaction("S1"),
            vec![expect("MAIL"), say("421 4.4.2 closing")],
        ]),
        script(vec![hello(&["PIPELINING"]), one_transaction("S2"), quit()]),
    ]);
    let mut client = SmtpClient::new(cfg(srv.port));
    client.set_idle_check(Duration::from_secs(3600));
    client.send(&env(&["b@y.test"]), b"1\n").unwrap();
    assert_eq!(
        client
            .send(&env(&["b@y.test"]), b"2\n")
            .unwrap()
            .reply
            .queue_id()
            .as_deref(),
        Some("S2")
    );
    drop(client);
    srv.finish();
}

// ----- CHUNKING: replies real servers do not give on demand ------------------------------------

/// The client side of one pipelined BDAT transaction of `msg` from a@x.test to `to`.
fn bdat_transaction(to: &str, msg: &[u8]) -> Vec<Step> {
    vec![
        expect("MAIL FROM:<a@x.test>"),
        expect(&format!("RCPT TO:<{to}>")),
        expect(&format!("BDAT {} LAST\r\n", msg.len())),
        Step::ReadChunk(msg.len()),
    ]
}

#[test]
fn binarymime_content_goes_byte_for_byte() {
    // Bare LF, bare CR, a NUL and 8-bit text: sent exactly as they are under BINARYMIME.
    let msg = "Subject: bin\r\n\r\nnul \0 bare lf\nbare cr\r caf\u{e9}".as_bytes();
    let srv = ScriptServer::start(script(vec![
        hello(&["PIPELINING", "CHUNKING", "BINARYMIME", "8BITMIME"]),
        vec![
            expect("MAIL FROM:<a@x.test> BODY=BINARYMIME\r\n"),
            expect("RCPT TO:<b@x.test>"),
            expect(&format!("BDAT {} LAST\r\n", msg.len())),
            Step::ReadChunk(msg.len()),
            say("250 2.1.0 ok"),
            say("250 2.1.5 ok"),
            say("250 2.0.0 queued as BIN1"),
        ],
        quit(),
    ]));
    let mut e = env(&["b@x.test"]);
    e.eight_bit = true;
    let mut conn = SmtpConnection::connect(&cfg(srv.port)).unwrap();
    let r = conn.send(&e, msg).unwrap();
    assert_eq!(r.reply.queue_id().as_deref(), Some("BIN1"));
    conn.quit();
    let got = srv.finish();
    assert!(
        got.contains(std::str::from_utf8(msg).unwrap()),
        "sent byte for byte: {got:?}"
    );
}

#[test]
fn a_mail_refused_out_of_sequence_behind_a_failure_is_sent_again_after_rset() {
    // A server that keeps the failed transaction open: the MAIL pipelined behind it gets 503.
    let m1 = b"Subject: one\r\n\r\none\r\n";
    let m2 = b"Subject: two\r\n\r\ntwo\r\n";
    let srv = ScriptServer::start(script(vec![
        hello(&["PIPELINING", "CHUNKING"]),
        bdat_transaction("b@x.test", m1),
        bdat_transaction("c@x.test", m2),
        vec![
            say("250 2.1.0 ok"),
            say("550 5.1.1 no such user"),
            say("554 5.5.1 no valid recipients"),
            say("503 5.5.1 nested MAIL command"),
            say("503 5.5.1 need MAIL command"),
            say("503 5.5.1 need RCPT command"),
            expect("RSET"),
            say("250 2.0.0 ok"),
        ],
        bdat_transaction("c@x.test", m2),
        vec![
            say("250 2.1.0 ok"),
            say("250 2.1.5 ok"),
            say("250 2.0.0 queued as TWO"),
        ],
        quit(),
    ]));
    let mut conn = SmtpConnection::connect(&cfg(srv.port)).unwrap();
    let items: Vec<(Envelope, &[u8])> = vec![(env(&["b@x.test"]), m1), (env(&["c@x.test"]), m2)];
    let res = conn.send_many(&items);
    let e = res[0].as_ref().expect_err("refused");
    assert_eq!(e.kind, SmtpErrorKind::AllRecipientsRejected, "{e}");
    let r = res[1].as_ref().expect("sent the second time");
    assert_eq!(r.reply.queue_id().as_deref(), Some("TWO"));
    conn.quit();
    srv.finish();
}

#[test]
fn a_421_in_the_window_leaves_the_later_messages_undelivered_not_unknown() {
    let m = b"Subject: m\r\n\r\nm\r\n";
    let srv = ScriptServer::start(script(vec![
        hello(&["PIPELINING", "CHUNKING"]),
        bdat_transaction("b@x.test", m),
        bdat_transaction("c@x.test", m),
        bdat_transaction("d@x.test", m),
        vec![
            say("250 2.1.0 ok"),
            say("250 2.1.5 ok"),
            say("250 2.0.0 queued as ONE"),
            say("421 4.3.2 shutting down"),
        ],
    ]));
    let mut conn = SmtpConnection::connect(&cfg(srv.port)).unwrap();
    let items: Vec<(Envelope, &[u8])> = vec![
        (env(&["b@x.test"]), m),
        (env(&["c@x.test"]), m),
        (env(&["d@x.test"]), m),
    ];
    let res = conn.send_many(&items);
    assert_eq!(
        res[0].as_ref().unwrap().reply.queue_id().as_deref(),
        Some("ONE")
    );
    for (i, r) in res.iter().enumerate().skip(1) {
        let e = r.as_ref().expect_err("not delivered");
        assert!(!e.outcome_unknown(), "message {i}: {e}");
        assert!(e.is_transient(), "message {i}: {e}");
    }
    assert_eq!(
        res[1].as_ref().err().unwrap().reply.as_ref().unwrap().code,
        421
    );
    assert_eq!(
        res[2].as_ref().err().unwrap().kind,
        SmtpErrorKind::ConnectionLost { stage: Stage::Mail }
    );
    srv.finish();
}

#[test]
fn a_connection_lost_with_transactions_in_flight_leaves_only_unanswered_ones_unknown() {
    let m = b"Subject: m\r\n\r\nm\r\n";
    let srv = ScriptServer::start(script(vec![
        hello(&["PIPELINING", "CHUNKING"]),
        bdat_transaction("b@x.test", m),
        bdat_transaction("c@x.test", m),
        bdat_transaction("d@x.test", m),
        bdat_transaction("e@x.test", m),
        vec![
            say("250 2.1.0 ok"),
            say("250 2.1.5 ok"),
            say("250 2.0.0 queued as ONE"),
            // The second sender is refused; then the connection drops.
            say("550 5.7.1 sender refused"),
        ],
    ]));
    let mut conn = SmtpConnection::connect(&cfg(srv.port)).unwrap();
    let items: Vec<(Envelope, &[u8])> = ["b@x.test", "c@x.test", "d@x.test", "e@x.test"]
        .iter()
        .map(|to| (env(&[to]), &m[..]))
        .collect();
    let res = conn.send_many(&items);
    assert!(res[0].is_ok(), "{:?}", res[0]);
    let e = res[1].as_ref().expect_err("refused");
    assert_eq!(
        e.kind,
        SmtpErrorKind::ServerRejected { stage: Stage::Mail },
        "a refused sender is known not delivered: {e}"
    );
    for (i, r) in res.iter().enumerate().skip(2) {
        let e = r.as_ref().expect_err("no reply");
        assert!(e.outcome_unknown(), "message {i}: {e}");
    }
    srv.finish();
}

#[test]
fn chunking_client_reconnects_when_server_closed_idle_connection() {
    // As above with CHUNKING: the first message of a later call on the kept connection waits
    // for its envelope's replies before its content, so the closed connection shows at MAIL
    // (nothing sent, sent again on session 2), not after a whole BDAT (outcome unknown).
    let caps = ["PIPELINING", "CHUNKING"];
    let one = b"Subject: 1\r\n\r\none\r\n";
    let two = b"Subject: 2\r\n\r\ntwo\r\n";
    let three = b"Subject: 3\r\n\r\nthree\r\n";
    let srv = ScriptServer::start_sessions(vec![
        script(vec![
            hello(&caps),
            bdat_transaction("b@y.test", one),
            vec![
                say("250 2.1.0 ok"),
                say("250 2.1.5 ok"),
                say("250 2.0.0 queued as S1"),
            ],
        ]),
        script(vec![
            hello(&caps),
            // Both messages of the retried call are written before any reply: a fresh
            // connection needs no check.
            bdat_transaction("b@y.test", two),
            bdat_transaction("b@y.test", three),
            vec![
                say("250 2.1.0 ok"),
                say("250 2.1.5 ok"),
                say("250 2.0.0 queued as S2"),
                say("250 2.1.0 ok"),
                say("250 2.1.5 ok"),
                say("250 2.0.0 queued as S3"),
            ],
            quit(),
        ]),
    ]);
    let mut client = SmtpClient::new(cfg(srv.port));
    client.set_idle_check(Duration::from_secs(3600));
    let r1 = client.send(&env(&["b@y.test"]), one).unwrap();
    assert_eq!(r1.reply.queue_id().as_deref(), Some("S1"));
    std::thread::sleep(Duration::from_millis(100));
    let items: Vec<(Envelope, &[u8])> = vec![
        (env(&["b@y.test"]), &two[..]),
        (env(&["b@y.test"]), &three[..]),
    ];
    let res = client.send_many(&items);
    let ids: Vec<Option<String>> = res
        .iter()
        .map(|r| r.as_ref().unwrap().reply.queue_id())
        .collect();
    assert_eq!(ids, [Some("S2".to_string()), Some("S3".to_string())]);
    drop(client);
    let got = srv.finish();
    assert_eq!(got.matches("\r\ntwo\r\n").count(), 1, "{got}");
}
