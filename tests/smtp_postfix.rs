//! SMTP engine against a real MTA: a private Postfix instance (`smtpd` with STARTTLS) started
//! per test on 127.0.0.1 and a free port, with its own config, queue and log in a temporary
//! directory (see tests/support/smtp/postfix.rs). Accepted mail is put on hold, never
//! delivered; each test reads back what Postfix queued (envelope and content, with `postcat`)
//! and what it logged. Needs root and `apt-get install -y postfix openssl`.

#[path = "support/smtp/mod.rs"]
mod support;

#[path = "support/smtp/postfix.rs"]
mod postfix;

use std::time::Duration;

use missive::smtp::{
    DsnNotify, Envelope, LogDirection, Security, SmtpClient, SmtpConfig, SmtpConnection,
    SmtpErrorKind,
};
use postfix::Postfix;
use support::log_collector;

fn cfg(pf: &Postfix, security: Security) -> SmtpConfig {
    let mut c = SmtpConfig::new("127.0.0.1");
    c.port = pf.port;
    c.security = security;
    c.client_name = Some("client.test".to_string());
    c.connect_timeout = Duration::from_secs(5);
    c.greeting_timeout = Duration::from_secs(10);
    c.command_timeout = Duration::from_secs(10);
    c
}

/// Trusts only the instance's test CA, so nothing depends on the machine's store.
fn cfg_tls(pf: &Postfix, security: Security) -> SmtpConfig {
    let mut c = cfg(pf, security);
    c.tls.ca_file = Some(pf.ca_file());
    c.tls.use_system_roots = false;
    c.tls.use_webpki_roots = false;
    c
}

/// What Postfix stores for `sent`: lines end in LF (the queue keeps lines, not CRLF), dot
/// stuffing undone, and a final line ending added when the message had none.
fn as_stored(sent: &[u8]) -> Vec<u8> {
    let text = String::from_utf8(sent.to_vec())
        .unwrap()
        .replace("\r\n", "\n");
    let mut out = text.into_bytes();
    if !out.ends_with(b"\n") {
        out.push(b'\n');
    }
    out
}

fn show(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

#[test]
fn starttls_send_is_queued_with_exact_envelope_and_content() {
    let pf = Postfix::start();
    let mut c = cfg(&pf, Security::SslExplicit);
    // The test CA in addition to the usual roots, as an application would configure it.
    c.tls.ca_file = Some(pf.ca_file());
    let mut conn = SmtpConnection::connect(&c).unwrap();
    assert!(conn.is_encrypted());
    let caps = conn.capabilities().clone();
    assert!(
        caps.pipelining && caps.dsn && caps.eight_bit_mime && caps.smtputf8,
        "{caps:?}"
    );
    assert_eq!(caps.size, Some(10_240_000), "{caps:?}");
    assert!(
        !caps.starttls,
        "STARTTLS is not offered again after TLS: {caps:?}"
    );

    let long_line = "x".repeat(3000);
    let msg = format!(
        "From: Sender <sender@example.test>\n\
         To: a@example.test\r\n\
         Cc: c@example.test\r\n\
         Subject: postfix-starttls\r\n\
         Date: Mon, 02 Jan 2006 15:04:05 +0000\r\n\
         Message-ID: <starttls.1@client.test>\r\n\
         MIME-Version: 1.0\r\n\
         Content-Type: text/plain; charset=utf-8\r\n\
         Content-Transfer-Encoding: 8bit\r\n\
         \r\n\
         Gr\u{fc}\u{df}e, 8-bit body.\r\n\
         .leading dot\n\
         ..two dots\r\n\
         .\r\n\
         {long_line}\r\n\
         last line without a newline"
    );
    let mut env = Envelope::new(
        "sender@example.test",
        ["a@example.test", "c@example.test", "bcc-only@example.test"],
    );
    env.eight_bit = true;
    env.dsn_envid = Some("envid-starttls".to_string());
    env.recipients[0].notify = Some(DsnNotify {
        success: true,
        failure: true,
        ..DsnNotify::default()
    });
    let res = conn.send(&env, msg.as_bytes()).unwrap();
    assert_eq!(
        res.accepted,
        vec!["a@example.test", "c@example.test", "bcc-only@example.test"]
    );
    assert!(res.rejected.is_empty(), "{:?}", res.rejected);
    assert_eq!(res.reply.code, 250);
    assert_eq!(res.reply.enhanced, Some((2, 0, 0)));
    let id = res.reply.queue_id().expect("Postfix names the queue id");
    conn.quit();

    let q = pf.queued(&id);
    assert_eq!(q.queue, "hold");
    assert_eq!(q.sender, "sender@example.test");
    assert_eq!(
        q.recipients,
        vec!["a@example.test", "c@example.test", "bcc-only@example.test"],
        "every RCPT, the Bcc-only one included: {:?}",
        q.envelope
    );
    assert_eq!(
        show(&q.content),
        show(&as_stored(msg.as_bytes())),
        "content as Postfix stored it"
    );
    // DSN and BODY=8BITMIME reached Postfix (it keeps them in the queue file).
    assert!(
        q.has_record("named_attribute: envelope_id=envid-starttls"),
        "ENVID: {:?}",
        q.envelope
    );
    // NOTIFY=SUCCESS,FAILURE (Postfix's flags 2|4) on the first recipient only.
    let at = |rec: &str| q.envelope.iter().position(|l| l == rec);
    let notify = at("named_attribute: notify_flags=6").expect("NOTIFY flags recorded");
    assert_eq!(
        q.envelope
            .iter()
            .filter(|l| l.contains("notify_flags="))
            .count(),
        1,
        "{:?}",
        q.envelope
    );
    assert!(notify < at("recipient: a@example.test").unwrap());
    assert!(
        q.has_record("named_attribute: encoding=8bit"),
        "{:?}",
        q.envelope
    );
    // Postfix's own Received header says the message came over TLS.
    assert!(
        q.received
            .starts_with("Received: from client.test (unknown [127.0.0.1])"),
        "{}",
        q.received
    );
    assert!(
        q.received.contains("(using TLSv1.3 with cipher "),
        "{}",
        q.received
    );
    assert!(
        q.received
            .contains(&format!("by postfix.test (Postfix) with ESMTPS id {id};")),
        "{}",
        q.received
    );
}

#[test]
fn queue_id_in_final_reply_is_the_one_postfix_logged() {
    let pf = Postfix::start();
    let mut conn = SmtpConnection::connect(&cfg_tls(&pf, Security::SslExplicit)).unwrap();
    let mut ids = Vec::new();
    for n in 1..=2 {
        let msg = format!(
            "From: s@example.test\r\nTo: r@example.test\r\nSubject: id {n}\r\n\
             Message-ID: <queue-id-{n}@client.test>\r\n\r\nbody {n}\r\n"
        );
        let env = Envelope::new("s@example.test", ["r@example.test"]);
        let res = conn.send(&env, msg.as_bytes()).unwrap();
        let id = res.reply.queue_id().expect("queue id in the reply");
        // Postfix offers CHUNKING: the message went with BDAT, whose reply counts the bytes.
        assert_eq!(
            res.reply.text(),
            format!("Ok: {} bytes queued as {id}", msg.len()),
            "{}",
            res.reply
        );
        // cleanup logs the Message-ID under the queue id; smtpd logs the client under it.
        pf.wait_log_line(&[&format!("{id}: message-id=<queue-id-{n}@client.test>")]);
        pf.wait_log_line(&[&format!("{id}: client=unknown[127.0.0.1]")]);
        assert_eq!(
            show(&pf.queued(&id).content),
            show(&as_stored(msg.as_bytes()))
        );
        ids.push(id);
    }
    conn.quit();
    assert_ne!(ids[0], ids[1]);
    let mut sorted = ids.clone();
    sorted.sort();
    assert_eq!(
        pf.held_ids(),
        sorted,
        "exactly these two messages were queued"
    );
}

#[test]
fn auto_security_upgrades_to_starttls_and_none_stays_plain() {
    let pf = Postfix::start();
    let mut ids = Vec::new();
    for security in [Security::Auto, Security::None] {
        let mut c = cfg_tls(&pf, security);
        // The plain session sends with DATA, CHUNKING switched off (the other path).
        c.chunking = security != Security::None;
        let mut conn = SmtpConnection::connect(&c).unwrap();
        assert_eq!(conn.is_encrypted(), security == Security::Auto);
        if security == Security::None {
            assert!(conn.capabilities().starttls, "offered, but not used");
        }
        let msg = format!("Subject: security {security:?}\r\n\r\nhello\r\n");
        let env = Envelope::new("s@example.test", ["r@example.test"]);
        let res = conn.send(&env, msg.as_bytes()).unwrap();
        conn.quit();
        ids.push(res.reply.queue_id().unwrap());
    }
    let auto = pf.queued(&ids[0]);
    assert!(
        auto.received.contains("(using TLSv1.3 with cipher "),
        "{}",
        auto.received
    );
    assert!(
        auto.received
            .contains(&format!("with ESMTPS id {}", ids[0])),
        "{}",
        auto.received
    );
    let plain = pf.queued(&ids[1]);
    assert!(!plain.received.contains("using TLS"), "{}", plain.received);
    assert!(
        plain
            .received
            .contains(&format!("with ESMTP id {}", ids[1])),
        "{}",
        plain.received
    );
    // Postfix saw the Auto session issue STARTTLS (and BDAT), the None one not (and DATA); one
    // TLS session in all.
    pf.wait_log_line(&[
        "disconnect from unknown[127.0.0.1] ehlo=2 starttls=1 mail=1 rcpt=1 bdat=1 quit=1",
    ]);
    pf.wait_log_line(&["disconnect from unknown[127.0.0.1] ehlo=1 mail=1 rcpt=1 data=1 quit=1"]);
    let log = pf.maillog();
    let tls_sessions = log
        .lines()
        .filter(|l| l.contains("TLS connection established from unknown[127.0.0.1]: TLSv1.3"))
        .count();
    assert_eq!(tls_sessions, 1, "{log}");
}

#[test]
fn untrusted_or_misnamed_certificate_is_refused_before_any_mail() {
    let pf = Postfix::start();
    // Default trust (system and webpki roots): the test CA is unknown.
    for security in [Security::SslExplicit, Security::Auto] {
        let err = SmtpConnection::connect(&cfg(&pf, security))
            .err()
            .expect("the untrusted certificate must be refused");
        assert_eq!(
            err.kind,
            SmtpErrorKind::CertificateInvalid,
            "{security:?}: {err}"
        );
        assert!(
            err.message.contains("not signed by a trusted authority"),
            "{err}"
        );
    }
    // Trusted CA, but the name checked is not in the certificate.
    let mut c = cfg_tls(&pf, Security::SslExplicit);
    c.tls.sni_override = Some("wrong.example".to_string());
    let err = SmtpConnection::connect(&c).err().expect("name mismatch");
    assert_eq!(err.kind, SmtpErrorKind::CertificateInvalid, "{err}");
    assert!(err.message.contains(", not wrong.example:"), "{err}");
    // The same CA and the right name work (so the refusals above were about trust and name).
    SmtpConnection::connect(&cfg_tls(&pf, Security::SslExplicit))
        .unwrap()
        .quit();

    // Postfix saw three sessions that issued STARTTLS and then failed the handshake, and no
    // transaction at all.
    let fourth = "disconnect from unknown[127.0.0.1] ehlo=2 starttls=1 quit=1 commands=4";
    pf.wait_log_line(&[fourth]);
    let log = pf.maillog();
    let count = |s: &str| log.lines().filter(|l| l.contains(s)).count();
    assert_eq!(
        count("disconnect from unknown[127.0.0.1] ehlo=1 starttls=0/1 commands=1/2"),
        3,
        "three sessions ended in the TLS handshake:\n{log}"
    );
    assert_eq!(
        count("SSL_accept error from unknown[127.0.0.1]"),
        3,
        "{log}"
    );
    // The client said why, with a TLS alert: twice an unknown CA, once a bad certificate.
    assert_eq!(count("alert unknown ca"), 2, "{log}");
    assert_eq!(count("alert bad certificate"), 1, "{log}");
    assert!(
        !log.contains("mail="),
        "no MAIL FROM reached Postfix:\n{log}"
    );
    assert!(pf.held_ids().is_empty());
}

#[test]
fn send_many_pipelines_over_one_session() {
    let pf = Postfix::start();
    let (log, lines) = log_collector();
    let mut c = cfg_tls(&pf, Security::SslExplicit);
    c.protocol_log = Some(log);
    let mut client = SmtpClient::new(c);
    assert!(client.connection().unwrap().capabilities().pipelining);
    let envelopes = [
        Envelope::new("one@example.test", ["r1@example.test"]),
        Envelope::new("two@example.test", ["r2a@example.test", "r2b@example.test"]),
        Envelope::new("", ["r3@example.test"]),
        Envelope::new("four@example.test", ["r4@example.test"]),
    ];
    let bodies: Vec<String> = (0..envelopes.len())
        .map(|i| {
            format!("Subject: many-{i}\r\nMessage-ID: <many-{i}@client.test>\r\n\r\n.body {i}\r\n")
        })
        .collect();
    let items: Vec<(Envelope, &[u8])> = envelopes
        .iter()
        .cloned()
        .zip(bodies.iter().map(|b| b.as_bytes()))
        .collect();
    let results = client.send_many(&items);
    drop(client);
    assert_eq!(results.len(), 4);
    let mut ids = Vec::new();
    for (i, r) in results.iter().enumerate() {
        let r = r.as_ref().unwrap_or_else(|e| panic!("message {i}: {e}"));
        assert_eq!(r.reply.code, 250, "message {i}");
        let id = r.reply.queue_id().unwrap();
        let q = pf.queued(&id);
        assert_eq!(q.sender, envelopes[i].mail_from, "message {i}");
        let want: Vec<&str> = envelopes[i]
            .recipients
            .iter()
            .map(|r| r.address.as_str())
            .collect();
        assert_eq!(q.recipients, want, "message {i}");
        assert_eq!(
            show(&q.content),
            show(&as_stored(bodies[i].as_bytes())),
            "message {i}"
        );
        ids.push(id);
    }
    let mut unique = ids.clone();
    unique.sort();
    unique.dedup();
    assert_eq!(unique.len(), 4, "{ids:?}");
    assert_eq!(pf.held_ids(), unique);

    // One session carried all four transactions, and Postfix saw no pipelining violation.
    pf.wait_log_line(&[
        "disconnect from unknown[127.0.0.1] ehlo=2 starttls=1 mail=4 rcpt=5 bdat=4 quit=1 commands=17",
    ]);
    let log = pf.maillog();
    assert_eq!(
        log.matches(": connect from unknown[127.0.0.1]").count(),
        1,
        "{log}"
    );
    assert!(!log.contains("improper command pipelining"), "{log}");
    // Postfix offers CHUNKING: the four whole transactions (MAIL, RCPTs, BDAT ... LAST and
    // the content) were all written before the first of their replies was read.
    let lines = lines.lock().unwrap();
    let first_mail = lines
        .iter()
        .position(|(d, l)| *d == LogDirection::Sent && l.starts_with("MAIL FROM:<"))
        .expect("a MAIL FROM");
    let first_reply = first_mail
        + lines[first_mail..]
            .iter()
            .position(|(d, _)| *d == LogDirection::Received)
            .expect("a reply");
    let written: Vec<&str> = lines[first_mail..first_reply]
        .iter()
        .map(|(_, l)| l.as_str())
        .filter(|l| !l.starts_with('<'))
        .collect();
    let mail = |from: &str, i: usize| format!("MAIL FROM:<{from}> SIZE={}", bodies[i].len());
    let bdat = |i: usize| format!("BDAT {} LAST", bodies[i].len());
    assert_eq!(
        written,
        [
            mail("one@example.test", 0),
            "RCPT TO:<r1@example.test>".to_string(),
            bdat(0),
            mail("two@example.test", 1),
            "RCPT TO:<r2a@example.test>".to_string(),
            "RCPT TO:<r2b@example.test>".to_string(),
            bdat(1),
            mail("", 2),
            "RCPT TO:<r3@example.test>".to_string(),
            bdat(2),
            mail("four@example.test", 3),
            "RCPT TO:<r4@example.test>".to_string(),
            bdat(3),
        ],
        "{lines:?}"
    );
}

#[test]
fn rejected_recipients_are_reported_and_the_rest_delivered() {
    let pf = Postfix::start();
    let mut conn = SmtpConnection::connect(&cfg_tls(&pf, Security::SslExplicit)).unwrap();
    let env = Envelope::new(
        "s@example.test",
        [
            "ok1@example.test",
            "reject@example.test",
            "defer@example.test",
            "ok2@example.test",
        ],
    );
    let msg = b"Subject: partial\r\n\r\nto some\r\n";
    let res = conn.send(&env, msg).unwrap();
    assert_eq!(res.accepted, vec!["ok1@example.test", "ok2@example.test"]);
    assert_eq!(res.rejected.len(), 2, "{:?}", res.rejected);
    let (addr, r) = &res.rejected[0];
    assert_eq!(addr, "reject@example.test");
    assert_eq!(r.code, 550);
    assert_eq!(r.enhanced, Some((5, 1, 1)));
    assert!(r.is_permanent());
    assert!(r.text().contains("no such user here"), "{r}");
    let (addr, r) = &res.rejected[1];
    assert_eq!(addr, "defer@example.test");
    assert_eq!(r.code, 450);
    assert_eq!(r.enhanced, Some((4, 2, 1)));
    let q = pf.queued(&res.reply.queue_id().unwrap());
    assert_eq!(q.recipients, vec!["ok1@example.test", "ok2@example.test"]);
    assert_eq!(show(&q.content), show(&as_stored(msg)));
    pf.wait_log_line(&[
        "reject: RCPT from unknown[127.0.0.1]: 550 5.1.1 <reject@example.test>",
        "no such user here",
    ]);

    // Every recipient refused: an error listing them, nothing queued, session still usable.
    let env = Envelope::new(
        "s@example.test",
        ["reject@example.test", "defer@example.test"],
    );
    let err = conn.send(&env, b"Subject: none\r\n\r\nx\r\n").unwrap_err();
    assert_eq!(err.kind, SmtpErrorKind::AllRecipientsRejected, "{err}");
    let codes: Vec<u16> = err.rejected.iter().map(|(_, r)| r.code).collect();
    assert_eq!(codes, vec![550, 450]);
    assert!(!err.is_transient(), "one refusal is permanent");
    let env = Envelope::new("s@example.test", ["after@example.test"]);
    let after = conn.send(&env, b"Subject: after\r\n\r\nx\r\n").unwrap();
    assert_eq!(
        pf.queued(&after.reply.queue_id().unwrap()).recipients,
        vec!["after@example.test"]
    );
    conn.quit();
    assert_eq!(pf.held_ids().len(), 2);

    // require_all_recipients: one refusal means nothing is sent.
    let mut c = cfg_tls(&pf, Security::SslExplicit);
    c.require_all_recipients = true;
    let mut conn = SmtpConnection::connect(&c).unwrap();
    let env = Envelope::new("s@example.test", ["ok@example.test", "reject@example.test"]);
    let err = conn
        .send(&env, b"Subject: all or nothing\r\n\r\nx\r\n")
        .unwrap_err();
    assert_eq!(err.kind, SmtpErrorKind::SomeRecipientsRejected, "{err}");
    assert_eq!(err.rejected.len(), 1);
    assert_eq!(err.rejected[0].0, "reject@example.test");
    conn.quit();
    // Postfix saw MAIL and both RCPTs but no DATA, then RSET.
    pf.wait_log_line(&["disconnect from", "mail=1 rcpt=1/2 rset=1 quit=1"]);
    assert_eq!(pf.held_ids().len(), 2, "nothing more was queued");
}

#[test]
fn smtputf8_addresses_reach_postfix() {
    let pf = Postfix::start();
    let mut conn = SmtpConnection::connect(&cfg_tls(&pf, Security::SslExplicit)).unwrap();
    assert!(conn.capabilities().smtputf8);
    let msg = "From: Jos\u{e9} <jos\u{e9}@example.test>\r\n\
               To: =?utf-8?q?x?= <\u{7528}\u{6237}@example.test>\r\n\
               Subject: Gr\u{fc}\u{df}e \u{1f44b}\r\n\r\nUTF-8 body: \u{fc}\r\n";
    let mut env = Envelope::new(
        "jos\u{e9}@example.test",
        ["\u{7528}\u{6237}@example.test", "ascii@example.test"],
    );
    env.smtputf8 = true;
    env.eight_bit = true;
    let res = conn.send(&env, msg.as_bytes()).unwrap();
    assert_eq!(res.accepted.len(), 2);
    let q = pf.queued(&res.reply.queue_id().unwrap());
    assert_eq!(q.sender, "jos\u{e9}@example.test");
    assert_eq!(
        q.recipients,
        vec!["\u{7528}\u{6237}@example.test", "ascii@example.test"]
    );
    assert_eq!(show(&q.content), show(&as_stored(msg.as_bytes())));
    assert!(q.received.contains("with UTF8SMTPS id"), "{}", q.received);

    // Without the SMTPUTF8 flag a non-ASCII address is refused before anything is sent.
    let mut env = Envelope::new("s@example.test", ["jos\u{e9}@example.test"]);
    let err = conn.send(&env, b"x\r\n").unwrap_err();
    assert_eq!(err.kind, SmtpErrorKind::InvalidInput, "{err}");
    conn.quit();
    pf.wait_log_line(&["disconnect from", "mail=1 rcpt=2 bdat=1 quit=1"]);
    assert_eq!(pf.held_ids().len(), 1);
    drop(pf);

    // A Postfix without SMTPUTF8: refused by the client, no MAIL FROM sent.
    let pf = Postfix::start_with(&["smtputf8_enable = no"]);
    let mut conn = SmtpConnection::connect(&cfg_tls(&pf, Security::SslExplicit)).unwrap();
    assert!(!conn.capabilities().smtputf8);
    env.smtputf8 = true;
    let err = conn.send(&env, b"x\r\n").unwrap_err();
    assert_eq!(err.kind, SmtpErrorKind::SmtpUtf8NotSupported, "{err}");
    conn.quit();
    pf.wait_log_line(&["disconnect from", "ehlo=2 starttls=1 quit=1 commands=4"]);
    assert!(pf.held_ids().is_empty());
}
