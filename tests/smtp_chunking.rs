//! CHUNKING (RFC 3030) against a real server that offers it: a private Postfix `smtpd` (see
//! tests/support/smtp/postfix.rs). Messages go with BDAT, many transactions in flight; each
//! test checks, message by message, the outcome against what Postfix queued (envelope and
//! content read back with `postcat`) and what it logged.

#[path = "support/smtp/mod.rs"]
mod support;

#[path = "support/smtp/postfix.rs"]
mod postfix;

use std::io::Read;
use std::time::Duration;

use missive::smtp::{
    Envelope, LogDirection, Security, SmtpClient, SmtpConfig, SmtpConnection, SmtpErrorKind, Stage,
};
use postfix::Postfix;
use support::log_collector;

fn cfg(pf: &Postfix) -> SmtpConfig {
    let mut c = SmtpConfig::new("127.0.0.1");
    c.port = pf.port;
    c.security = Security::None;
    c.client_name = Some("client.test".to_string());
    c.command_timeout = Duration::from_secs(10);
    c
}

/// Postfix refusing the sender `refused@example.test` at MAIL FROM (not delayed to RCPT TO),
/// with no slowdown after errors.
fn postfix() -> Postfix {
    Postfix::start_with(&[
        "smtpd_delay_reject = no",
        "smtpd_sender_restrictions = check_sender_access inline:{refused@example.test=REJECT}",
        "smtpd_soft_error_limit = 1000",
        "smtpd_hard_error_limit = 1000",
        // Messages are held, never delivered: without this, cleanup's flow control pauses
        // each new message for up to 1 s once its tokens are spent.
        "in_flow_delay = 0",
    ])
}

/// What Postfix stores for `sent`: lines end in LF, a final line ending added when missing.
fn as_stored(sent: &[u8]) -> String {
    let mut text = String::from_utf8(sent.to_vec())
        .unwrap()
        .replace("\r\n", "\n")
        .replace('\r', "\n");
    if !text.ends_with('\n') {
        text.push('\n');
    }
    text
}

#[derive(Clone, Copy, Debug, PartialEq)]
enum Kind {
    Ok,
    SenderRefused,
    AllRefused,
    SomeRefused,
}

fn kind(k: usize) -> Kind {
    match k % 7 {
        3 => Kind::SenderRefused,
        5 => Kind::AllRefused,
        6 => Kind::SomeRefused,
        _ => Kind::Ok,
    }
}

#[test]
fn a_window_of_transactions_has_exact_outcomes_per_message() {
    let pf = postfix();
    let (log, lines) = log_collector();
    let mut c = cfg(&pf);
    c.protocol_log = Some(log);
    let mut client = SmtpClient::new(c);
    let caps = client.connection().unwrap().capabilities().clone();
    assert!(caps.chunking && caps.pipelining, "{caps:?}");
    let n = 60;
    let envelopes: Vec<Envelope> = (0..n)
        .map(|k| match kind(k) {
            Kind::Ok => Envelope::new("s@example.test", [format!("r{k}@example.test")]),
            Kind::SenderRefused => Envelope::new("refused@example.test", ["r@example.test"]),
            Kind::AllRefused => Envelope::new("s@example.test", ["reject@example.test"]),
            Kind::SomeRefused => Envelope::new(
                "s@example.test",
                [
                    "reject@example.test".to_string(),
                    format!("r{k}@example.test"),
                ],
            ),
        })
        .collect();
    // Leading dots (BDAT must not stuff them), bare LF and CR (normalised), no final newline.
    let bodies: Vec<String> = (0..n)
        .map(|k| {
            format!(
                "Subject: chunk {k}\r\nMessage-ID: <chunk-{k}@client.test>\r\n\r\n.dot {k}\n..two\r\
                 lone cr\r\n{}\r\nend",
                "x".repeat(k * 37)
            )
        })
        .collect();
    let items: Vec<(Envelope, &[u8])> = envelopes
        .iter()
        .cloned()
        .zip(bodies.iter().map(|b| b.as_bytes()))
        .collect();
    let results = client.send_many(&items);
    drop(client);
    assert_eq!(results.len(), n);
    let mut ids = Vec::new();
    for (k, r) in results.iter().enumerate() {
        match kind(k) {
            Kind::Ok | Kind::SomeRefused => {
                let r = r.as_ref().unwrap_or_else(|e| panic!("message {k}: {e}"));
                let id = r.reply.queue_id().expect("queue id");
                let q = pf.queued(&id);
                assert_eq!(q.sender, "s@example.test", "message {k}");
                assert_eq!(q.recipients, [format!("r{k}@example.test")], "message {k}");
                assert_eq!(
                    String::from_utf8_lossy(&q.content),
                    as_stored(bodies[k].as_bytes()),
                    "message {k}"
                );
                if kind(k) == Kind::SomeRefused {
                    assert_eq!(r.rejected.len(), 1, "message {k}");
                    assert_eq!(r.rejected[0].1.code, 550, "message {k}");
                } else {
                    assert!(r.rejected.is_empty(), "message {k}");
                }
                ids.push(id);
            }
            Kind::SenderRefused => {
                let e = r.as_ref().expect_err("sender refused");
                assert_eq!(
                    e.kind,
                    SmtpErrorKind::ServerRejected { stage: Stage::Mail },
                    "message {k}: {e}"
                );
                assert_eq!(e.reply.as_ref().unwrap().code, 554, "message {k}: {e}");
            }
            Kind::AllRefused => {
                let e = r.as_ref().expect_err("every recipient refused");
                assert_eq!(
                    e.kind,
                    SmtpErrorKind::AllRecipientsRejected,
                    "message {k}: {e}"
                );
                assert_eq!(e.rejected[0].1.code, 550, "message {k}: {e}");
            }
        }
    }
    // Exactly the accepted messages were queued, each once.
    ids.sort();
    let mut unique = ids.clone();
    unique.dedup();
    assert_eq!(unique, ids);
    assert_eq!(pf.held_ids(), ids);
    pf.wait_log_line(&["disconnect from unknown[127.0.0.1]", "bdat="]);
    let log = pf.maillog();
    assert!(!log.contains("improper command pipelining"), "{log}");
    assert!(!log.contains(" data="), "DATA was never used:\n{log}");
    // Transactions were in flight: at least two BDATs were written before the first reply to
    // a MAIL FROM was read.
    let lines = lines.lock().unwrap();
    let first_reply = lines
        .iter()
        .position(|(d, l)| *d == LogDirection::Received && l.starts_with("250 2.1.0"))
        .expect("a MAIL reply");
    let bdats_before = lines[..first_reply]
        .iter()
        .filter(|(d, l)| *d == LogDirection::Sent && l.starts_with("BDAT "))
        .count();
    assert!(bdats_before >= 2, "{lines:?}");
}

#[test]
fn require_all_recipients_sends_nothing_when_one_is_refused() {
    let pf = postfix();
    let mut c = cfg(&pf);
    c.require_all_recipients = true;
    let mut client = SmtpClient::new(c);
    let items: Vec<(Envelope, &[u8])> = vec![
        (
            Envelope::new("s@example.test", ["ok@example.test", "reject@example.test"]),
            b"Subject: partial\r\n\r\nnot sent\r\n",
        ),
        (
            Envelope::new("s@example.test", ["ok@example.test"]),
            b"Subject: whole\r\n\r\nsent\r\n",
        ),
    ];
    let results = client.send_many(&items);
    drop(client);
    let e = results[0].as_ref().expect_err("refused");
    assert_eq!(e.kind, SmtpErrorKind::SomeRecipientsRejected, "{e}");
    let r = results[1].as_ref().expect("sent");
    let id = r.reply.queue_id().unwrap();
    assert_eq!(pf.held_ids(), std::slice::from_ref(&id));
    assert_eq!(
        String::from_utf8_lossy(&pf.queued(&id).content),
        "Subject: whole\n\nsent\n"
    );
}

/// A reader that hands out `data` in pieces of `step` bytes, then fails if `fail` is set.
struct Pieces {
    data: Vec<u8>,
    pos: usize,
    step: usize,
    fail: bool,
}

impl Read for Pieces {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        if self.pos == self.data.len() {
            if self.fail {
                return Err(std::io::Error::other("disk went away"));
            }
            return Ok(0);
        }
        let n = self.step.min(buf.len()).min(self.data.len() - self.pos);
        buf[..n].copy_from_slice(&self.data[self.pos..self.pos + n]);
        self.pos += n;
        Ok(n)
    }
}

#[test]
fn a_stream_goes_as_several_bdat_chunks_and_a_failed_read_sends_no_last() {
    let pf = postfix();
    let (log, lines) = log_collector();
    let mut c = cfg(&pf);
    c.protocol_log = Some(log);
    let mut conn = SmtpConnection::connect(&c).unwrap();
    let mut msg = b"Subject: streamed\r\nMessage-ID: <stream@client.test>\r\n\r\n".to_vec();
    for i in 0..6000 {
        msg.extend_from_slice(format!(".line {i} with a leading dot\n").as_bytes());
    }
    let size = msg.len() as u64;
    let env = Envelope::new("s@example.test", ["r@example.test"]);
    let mut reader = Pieces {
        data: msg.clone(),
        pos: 0,
        step: 10_000,
        fail: false,
    };
    let res = conn.send_stream(&env, &mut reader, Some(size)).unwrap();
    let id = res.reply.queue_id().unwrap();
    assert_eq!(
        String::from_utf8_lossy(&pf.queued(&id).content),
        as_stored(&msg)
    );
    {
        let lines = lines.lock().unwrap();
        let chunks: Vec<&str> = lines
            .iter()
            .filter(|(d, l)| *d == LogDirection::Sent && l.starts_with("BDAT "))
            .map(|(_, l)| l.as_str())
            .collect();
        assert!(chunks.len() >= 3, "{chunks:?}");
        assert!(chunks.last().unwrap().ends_with(" LAST"), "{chunks:?}");
        assert!(
            chunks[..chunks.len() - 1]
                .iter()
                .all(|c| !c.ends_with("LAST")),
            "{chunks:?}"
        );
    }

    // A reader failing midway: the connection is closed before the LAST chunk.
    let mut failing = Pieces {
        data: msg.clone(),
        pos: 0,
        step: 10_000,
        fail: true,
    };
    let err = conn
        .send_stream(&env, &mut failing, Some(size))
        .expect_err("a failed read");
    assert_eq!(err.kind, SmtpErrorKind::Io, "{err}");
    assert!(err.message.contains("disk went away"), "{err}");
    pf.wait_log_line(&["lost connection after BDAT"]);
    assert_eq!(pf.held_ids(), [id], "the partial message was not queued");
}

#[test]
fn a_raw_forward_goes_with_bdat_and_arrives_unchanged() {
    use missive::deliver::{Client, Delivery, DeliveryMethod};
    let pf = postfix();
    let client = Client::new();
    client.configure(|c| {
        c.delivery_method = DeliveryMethod::Network;
        c.smtp = cfg(&pf);
    });
    // A DKIM-signed-looking message with a Bcc (removed on the way), 8-bit text and leading
    // dots, some 200 KB: several chunks.
    let mut raw = b"DKIM-Signature: v=1; a=rsa-sha256; d=example.test; b=abc\r\n\
        From: a@example.test\r\nBcc: hidden@example.test\r\nSubject: forwarded\r\n\r\n"
        .to_vec();
    for i in 0..4000 {
        raw.extend_from_slice(format!(".caf\u{e9} line {i} of the forwarded body\r\n").as_bytes());
    }
    let size = raw.len() as u64;
    let d = client
        .forward_stream(
            "fwd@example.test",
            &["r@example.test".to_string()],
            &mut &raw[..],
            Some(size),
        )
        .unwrap();
    let Delivery::Smtp(r) = d else {
        panic!("over SMTP")
    };
    client.close();
    let q = pf.queued(&r.reply.queue_id().unwrap());
    assert_eq!(q.sender, "fwd@example.test");
    assert_eq!(q.recipients, ["r@example.test"]);
    let without_bcc = String::from_utf8(raw)
        .unwrap()
        .replace("Bcc: hidden@example.test\r\n", "");
    assert_eq!(
        String::from_utf8_lossy(&q.content),
        as_stored(without_bcc.as_bytes())
    );
    let line = pf.wait_log_line(&["disconnect from unknown[127.0.0.1]", "bdat="]);
    assert!(!line.contains(" data="), "{line}");
    // Postfix took it as 8-bit MIME (BODY=8BITMIME was declared).
    assert!(
        q.has_record("named_attribute: encoding=8bit"),
        "{:?}",
        q.envelope
    );
}

#[test]
fn large_messages_keep_at_most_4_mib_in_flight() {
    let pf = postfix();
    let (log, lines) = log_collector();
    let mut c = cfg(&pf);
    c.protocol_log = Some(log);
    let mut conn = SmtpConnection::connect(&c).unwrap();
    // Six messages of 1.5 MB: the window holds three (4.5 MB, the third crossing 4 MiB).
    let bodies: Vec<Vec<u8>> = (0..6)
        .map(|k| {
            let mut m = format!("Subject: large {k}\r\n\r\n").into_bytes();
            while m.len() < 1_500_000 {
                m.extend_from_slice(
                    b"0123456789012345678901234567890123456789012345678901234567890123456789\r\n",
                );
            }
            m
        })
        .collect();
    let env = Envelope::new("s@example.test", ["r@example.test"]);
    let items: Vec<(Envelope, &[u8])> = bodies.iter().map(|b| (env.clone(), &b[..])).collect();
    let results = conn.send_many(&items);
    conn.quit();
    for (k, r) in results.iter().enumerate() {
        let r = r.as_ref().unwrap_or_else(|e| panic!("message {k}: {e}"));
        let q = pf.queued(&r.reply.queue_id().unwrap());
        assert_eq!(
            q.content.len(),
            as_stored(&bodies[k]).len(),
            "message {k} arrived whole"
        );
    }
    let lines = lines.lock().unwrap();
    let first_reply = lines
        .iter()
        .position(|(d, l)| *d == LogDirection::Received && l.starts_with("250 2.1.0"))
        .expect("a MAIL reply");
    let bdats_before = lines[..first_reply]
        .iter()
        .filter(|(d, l)| *d == LogDirection::Sent && l.starts_with("BDAT "))
        .count();
    assert_eq!(bdats_before, 3, "{:?}", &lines[..first_reply]);
}

#[test]
fn the_c_api_switches_chunking_off_and_on() {
    use missive::ffi::client::*;
    use missive::ffi::missive_result;
    let pf = postfix();
    let client = missive_client_new();
    let url = format!("smtp+plain://127.0.0.1:{}", pf.port);
    let send = |subject: &str| {
        let data = format!("Subject: {subject}\r\n\r\nbody\r\n");
        let (from, rcpts) = ("s@example.test", "r@example.test");
        let r = unsafe {
            missive_client_send_raw(
                client,
                from.as_ptr().cast(),
                from.len(),
                rcpts.as_ptr().cast(),
                rcpts.len(),
                data.as_ptr(),
                data.len(),
                std::ptr::null_mut(),
            )
        };
        assert_eq!(r, missive_result::Ok);
        // A new session for each send, so each shows in its own disconnect line.
        assert_eq!(unsafe { missive_client_close(client) }, missive_result::Ok);
    };
    unsafe {
        assert_eq!(
            missive_client_set_url(client, url.as_ptr().cast(), url.len()),
            missive_result::Ok
        );
    }
    send("default");
    pf.wait_log_line(&["disconnect from", "mail=1 rcpt=1 bdat=1 quit=1"]);
    assert_eq!(
        unsafe { missive_client_set_chunking(client, false) },
        missive_result::Ok
    );
    send("chunking off");
    pf.wait_log_line(&["disconnect from", "mail=1 rcpt=1 data=1 quit=1"]);
    assert_eq!(
        unsafe { missive_client_set_chunking(client, true) },
        missive_result::Ok
    );
    send("chunking on");
    unsafe { missive_client_free(client) };
    assert_eq!(
        unsafe { missive_client_set_chunking(std::ptr::null_mut(), true) },
        missive_result::NullArgument
    );
    // The third session used BDAT again (postlogd writes asynchronously: wait for it).
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    while pf.maillog().matches("mail=1 rcpt=1 bdat=1 quit=1").count() < 2 {
        assert!(std::time::Instant::now() < deadline, "{}", pf.maillog());
        std::thread::sleep(Duration::from_millis(20));
    }
    assert_eq!(pf.held_ids().len(), 3);
}
