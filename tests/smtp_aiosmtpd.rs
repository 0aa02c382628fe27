//! SMTP engine against a real server: Python aiosmtpd (tests/support/smtp/aiosmtpd_server.py),
//! started per test on 127.0.0.1 with an ephemeral port. Needs `pip install aiosmtpd cryptography`.

#[path = "support/smtp/mod.rs"]
mod support;

use std::time::Duration;

use missive::smtp::{
    AuthMechanism, ClientCertificate, Credentials, Envelope, LogDirection, Security, SmtpClient,
    SmtpConfig, SmtpConnection, SmtpErrorKind, TlsVersion, validate_credentials,
};
use support::{AioServer, Certs, log_collector};

fn cfg(port: u16, security: Security) -> SmtpConfig {
    let mut c = SmtpConfig::new("127.0.0.1");
    c.port = port;
    c.security = security;
    c.client_name = Some("client.test".to_string());
    c.connect_timeout = Duration::from_secs(3);
    c.greeting_timeout = Duration::from_secs(5);
    c.command_timeout = Duration::from_secs(5);
    c
}

/// Trust only the test CA (no system roots), so nothing depends on the machine's store.
fn trust_test_ca(c: &mut SmtpConfig, certs: &Certs) {
    c.tls.ca_file = Some(certs.path("ca.pem"));
    c.tls.use_system_roots = false;
    c.tls.use_webpki_roots = false;
}

#[test]
fn plain_send_normalises_line_endings_and_dot_stuffs() {
    let srv = AioServer::start(&["--no-auth"]);
    let mut conn = SmtpConnection::connect(&cfg(srv.port, Security::None)).unwrap();
    assert!(!conn.is_encrypted());
    assert_eq!(conn.capabilities().size, Some(33554432));
    let msg = b"Subject: dots\n\n.leading dot\r\n..two\rbare cr\nlast line without newline";
    let env = Envelope::new(
        "sender@example.test",
        ["rcpt@example.test", "other@example.test"],
    );
    let res = conn.send(&env, msg).unwrap();
    assert_eq!(
        res.accepted,
        vec!["rcpt@example.test", "other@example.test"]
    );
    assert!(res.rejected.is_empty());
    assert_eq!(res.reply.queue_id().as_deref(), Some("Q1"));
    conn.quit();
    let got = srv.messages();
    assert_eq!(got.len(), 1);
    let m = &got[0];
    assert_eq!(m.mail_from, "sender@example.test");
    assert_eq!(m.rcpts, vec!["rcpt@example.test", "other@example.test"]);
    assert!(
        m.mail_opts.iter().any(|o| o.starts_with("SIZE=")),
        "{:?}",
        m.mail_opts
    );
    assert_eq!(
        String::from_utf8_lossy(&m.content),
        "Subject: dots\r\n\r\n.leading dot\r\n..two\r\nbare cr\r\nlast line without newline\r\n"
    );
    assert!(!m.tls);
}

#[test]
fn partial_recipients_are_reported_and_all_rejected_resets() {
    let srv = AioServer::start(&["--no-auth"]);
    let mut conn = SmtpConnection::connect(&cfg(srv.port, Security::None)).unwrap();
    let env = Envelope::new(
        "s@example.test",
        [
            "ok@example.test",
            "reject-me@example.test",
            "defer-me@example.test",
        ],
    );
    let res = conn.send(&env, b"Subject: partial\r\n\r\nhi\r\n").unwrap();
    assert_eq!(res.accepted, vec!["ok@example.test"]);
    assert_eq!(res.rejected.len(), 2);
    assert_eq!(res.rejected[0].0, "reject-me@example.test");
    assert_eq!(res.rejected[0].1.code, 550);
    assert_eq!(res.rejected[0].1.enhanced, Some((5, 1, 1)));
    assert_eq!(res.rejected[1].1.code, 450);
    // All refused: error, then the session is still usable (RSET).
    let env = Envelope::new(
        "s@example.test",
        ["reject-a@example.test", "reject-b@example.test"],
    );
    let err = conn.send(&env, b"x\r\n").unwrap_err();
    assert_eq!(err.kind, SmtpErrorKind::AllRecipientsRejected);
    assert_eq!(err.rejected.len(), 2);
    let env = Envelope::new("s@example.test", ["after@example.test"]);
    conn.send(&env, b"Subject: after\r\n\r\nx\r\n").unwrap();
    conn.quit();
    let got = srv.messages();
    assert_eq!(got.len(), 2);
    assert_eq!(got[0].rcpts, vec!["ok@example.test"]);
    assert_eq!(got[1].rcpts, vec!["after@example.test"]);
}

#[test]
fn require_all_recipients_sends_nothing() {
    let srv = AioServer::start(&["--no-auth"]);
    let mut c = cfg(srv.port, Security::None);
    c.require_all_recipients = true;
    let mut conn = SmtpConnection::connect(&c).unwrap();
    let env = Envelope::new(
        "s@example.test",
        ["ok@example.test", "reject-me@example.test"],
    );
    let err = conn.send(&env, b"x\r\n").unwrap_err();
    assert_eq!(err.kind, SmtpErrorKind::SomeRecipientsRejected);
    assert_eq!(err.rejected[0].0, "reject-me@example.test");
    conn.quit();
    assert!(srv.messages().is_empty());
}

#[test]
fn eight_bit_and_smtputf8() {
    let srv = AioServer::start(&["--no-auth", "--smtputf8"]);
    let mut conn = SmtpConnection::connect(&cfg(srv.port, Security::None)).unwrap();
    assert!(conn.capabilities().smtputf8 && conn.capabilities().eight_bit_mime);
    let mut env = Envelope::new("jörg@exämple.test", ["zoë@exämple.test"]);
    env.smtputf8 = true;
    env.eight_bit = true;
    let body = "Subject: Grüße\r\n\r\nÄÖÜ\r\n";
    conn.send(&env, body.as_bytes()).unwrap();
    conn.quit();
    let got = srv.messages();
    assert_eq!(got[0].mail_from, "jörg@exämple.test");
    assert_eq!(got[0].rcpts, vec!["zoë@exämple.test"]);
    assert!(
        got[0].mail_opts.contains(&"SMTPUTF8".to_string()),
        "{:?}",
        got[0].mail_opts
    );
    assert!(
        got[0].mail_opts.contains(&"BODY=8BITMIME".to_string()),
        "{:?}",
        got[0].mail_opts
    );
    assert_eq!(got[0].content, body.as_bytes());
}

#[test]
fn smtputf8_refused_when_server_lacks_it() {
    let srv = AioServer::start(&["--no-auth"]);
    let mut conn = SmtpConnection::connect(&cfg(srv.port, Security::None)).unwrap();
    let mut env = Envelope::new("jörg@exämple.test", ["zoë@exämple.test"]);
    env.smtputf8 = true;
    let err = conn.send(&env, b"x\r\n").unwrap_err();
    assert_eq!(err.kind, SmtpErrorKind::SmtpUtf8NotSupported);
    conn.quit();
    assert!(srv.messages().is_empty());
}

#[test]
fn message_too_large_for_advertised_size() {
    let srv = AioServer::start(&["--no-auth", "--size", "100"]);
    let mut conn = SmtpConnection::connect(&cfg(srv.port, Security::None)).unwrap();
    let env = Envelope::new("s@example.test", ["r@example.test"]);
    let err = conn.send(&env, &[b'x'; 200]).unwrap_err();
    assert_eq!(err.kind, SmtpErrorKind::MessageTooLarge);
    assert!(err.message.contains("100"), "{}", err.message);
    conn.send(&env, b"small\r\n").unwrap();
    conn.quit();
    assert_eq!(srv.messages().len(), 1);
}

/// AUTH over STARTTLS (Security::Auto), each mechanism against aiosmtpd, which requires TLS
/// for AUTH and AUTH for MAIL.
#[test]
fn auth_mechanisms_over_starttls() {
    let certs = Certs::generate();
    let cert = certs.path("server.pem");
    let key = certs.path("server.key");
    let cases = [
        (
            Some(AuthMechanism::Plain),
            Credentials::password("alice", "pa:ss w0rd"),
            "alice",
        ),
        (
            Some(AuthMechanism::Login),
            Credentials::password("alice", "pa:ss w0rd"),
            "alice",
        ),
        (None, Credentials::password("alice", "pa:ss w0rd"), "alice"), // picks CRAM-MD5
        (
            None,
            Credentials::oauth2("bob@example.test", "ya29.token"),
            "bob@example.test",
        ),
    ];
    for (mech, creds, who) in cases {
        let srv = AioServer::start(&[
            "--starttls",
            cert.to_str().unwrap(),
            key.to_str().unwrap(),
            "--auth-require-tls",
            "--auth-required",
            "--user",
            "alice:pa:ss w0rd",
            "--token",
            "bob@example.test:ya29.token",
        ]);
        let (log, lines) = log_collector();
        let mut c = cfg(srv.port, Security::Auto);
        trust_test_ca(&mut c, &certs);
        c.credentials = Some(creds.clone());
        c.auth_mechanism = mech;
        c.protocol_log = Some(log);
        let mut conn = SmtpConnection::connect(&c)
            .unwrap_or_else(|e| panic!("{mech:?}: {e}\n{}", srv.server_log()));
        assert!(conn.is_encrypted());
        let env = Envelope::new("s@example.test", ["r@example.test"]);
        conn.send(&env, b"Subject: auth\r\n\r\nx\r\n").unwrap();
        conn.quit();
        let got = srv.messages();
        assert_eq!(got.len(), 1);
        assert!(got[0].tls);
        assert_eq!(got[0].auth.as_deref(), Some(who), "{mech:?}");
        let lines = lines.lock().unwrap();
        let expected_mech = match mech {
            Some(m) => m.name(),
            None if who == "alice" => "CRAM-MD5",
            None => "XOAUTH2",
        };
        assert!(
            lines.iter().any(|(d, l)| *d == LogDirection::Sent
                && l.starts_with(&format!("AUTH {expected_mech}"))),
            "{lines:?}"
        );
        // STARTTLS happened before AUTH, and EHLO was repeated after it.
        let sent: Vec<&str> = lines
            .iter()
            .filter(|(d, _)| *d == LogDirection::Sent)
            .map(|(_, l)| l.as_str())
            .collect();
        let tls_at = sent.iter().position(|l| *l == "STARTTLS").unwrap();
        let auth_at = sent.iter().position(|l| l.starts_with("AUTH")).unwrap();
        assert!(
            tls_at < auth_at && sent[tls_at + 1].starts_with("EHLO"),
            "{sent:?}"
        );
        for (_, l) in lines.iter() {
            assert!(
                !l.contains("pa:ss") && !l.contains("ya29"),
                "secret in log: {l}"
            );
        }
    }
}

#[test]
fn wrong_password_is_auth_failed_and_validate_credentials() {
    let certs = Certs::generate();
    let srv = AioServer::start(&[
        "--implicit-tls",
        certs.path("server.pem").to_str().unwrap(),
        certs.path("server.key").to_str().unwrap(),
        "--user",
        "alice:right",
        "--mechs",
        "PLAIN,LOGIN",
    ]);
    let mut c = cfg(srv.port, Security::SslImplicit);
    trust_test_ca(&mut c, &certs);
    c.credentials = Some(Credentials::password("alice", "wrong"));
    let err = validate_credentials(&c).unwrap_err();
    assert_eq!(err.kind, SmtpErrorKind::AuthFailed);
    assert_eq!(err.reply.as_ref().unwrap().code, 535);
    c.credentials = Some(Credentials::password("alice", "right"));
    validate_credentials(&c).unwrap();
    // A mechanism the server does not offer.
    c.auth_mechanism = Some(AuthMechanism::CramMd5);
    assert_eq!(
        validate_credentials(&c).unwrap_err().kind,
        SmtpErrorKind::AuthUnsupported
    );
}

#[test]
fn implicit_tls_with_custom_ca_and_tls13_minimum() {
    let certs = Certs::generate();
    let srv = AioServer::start(&[
        "--no-auth",
        "--implicit-tls",
        certs.path("server.pem").to_str().unwrap(),
        certs.path("server.key").to_str().unwrap(),
    ]);
    let mut c = cfg(srv.port, Security::SslImplicit);
    trust_test_ca(&mut c, &certs);
    c.tls.min_version = TlsVersion::Tls13;
    let mut conn = SmtpConnection::connect(&c).unwrap();
    assert!(conn.is_encrypted());
    conn.send(
        &Envelope::new("s@example.test", ["r@example.test"]),
        b"tls\r\n",
    )
    .unwrap();
    conn.quit();
    // Verified by DNS name too: SNI "localhost" matches the certificate's DNS name, while
    // the connection still goes to 127.0.0.1.
    c.tls.sni_override = Some("localhost".into());
    let mut conn = SmtpConnection::connect(&c).unwrap();
    conn.send(
        &Envelope::new("s@example.test", ["r2@example.test"]),
        b"tls2\r\n",
    )
    .unwrap();
    conn.quit();
    let got = srv.messages();
    assert_eq!(got.len(), 2);
    assert!(got.iter().all(|m| m.tls));
}

#[test]
fn untrusted_certificate_refused_unless_dangerous_switch() {
    let certs = Certs::generate();
    let srv = AioServer::start(&[
        "--no-auth",
        "--starttls",
        certs.path("self.pem").to_str().unwrap(),
        certs.path("self.key").to_str().unwrap(),
    ]);
    let mut c = cfg(srv.port, Security::SslExplicit);
    // Default trust (system + webpki roots) plus the test CA: the self-signed cert is in none.
    c.tls.ca_file = Some(certs.path("ca.pem"));
    let err = SmtpConnection::connect(&c).err().expect("must refuse");
    assert_eq!(err.kind, SmtpErrorKind::CertificateInvalid, "{err}");
    c.tls.dangerous_accept_invalid_certs = true;
    let mut conn = SmtpConnection::connect(&c).unwrap();
    assert!(conn.is_encrypted());
    conn.send(
        &Envelope::new("s@example.test", ["r@example.test"]),
        b"x\r\n",
    )
    .unwrap();
    conn.quit();
    assert!(srv.messages()[0].tls);
}

#[test]
fn wrong_host_name_is_refused() {
    let certs = Certs::generate();
    let srv = AioServer::start(&[
        "--no-auth",
        "--implicit-tls",
        certs.path("server.pem").to_str().unwrap(),
        certs.path("server.key").to_str().unwrap(),
    ]);
    let mut c = cfg(srv.port, Security::SslImplicit);
    trust_test_ca(&mut c, &certs);
    c.tls.sni_override = Some("mail.example.org".into());
    let err = SmtpConnection::connect(&c).err().expect("must refuse");
    assert_eq!(err.kind, SmtpErrorKind::CertificateInvalid, "{err}");
}

#[test]
fn client_certificate_is_presented() {
    let certs = Certs::generate();
    let srv = AioServer::start(&[
        "--no-auth",
        "--implicit-tls",
        certs.path("server.pem").to_str().unwrap(),
        certs.path("server.key").to_str().unwrap(),
        "--client-ca",
        certs.path("ca.pem").to_str().unwrap(),
    ]);
    let mut c = cfg(srv.port, Security::SslImplicit);
    trust_test_ca(&mut c, &certs);
    let err = SmtpConnection::connect(&c)
        .err()
        .expect("server requires a client certificate");
    assert!(
        matches!(
            err.kind,
            SmtpErrorKind::Tls | SmtpErrorKind::ConnectionLost { .. }
        ),
        "{err}"
    );
    c.tls.client_certificate = Some(ClientCertificate {
        cert_chain_file: certs.path("client.pem"),
        key_file: certs.path("client.key"),
    });
    let mut conn = SmtpConnection::connect(&c).unwrap();
    conn.send(
        &Envelope::new("s@example.test", ["r@example.test"]),
        b"x\r\n",
    )
    .unwrap();
    conn.quit();
    assert_eq!(srv.messages().len(), 1);
}

#[test]
fn explicit_tls_refuses_server_without_starttls() {
    let srv = AioServer::start(&["--no-auth"]);
    let c = cfg(srv.port, Security::SslExplicit);
    let err = SmtpConnection::connect(&c).err().expect("must refuse");
    assert_eq!(err.kind, SmtpErrorKind::TlsRequiredNotOffered);
    assert!(err.message.contains("STARTTLS"));
}

#[test]
fn auto_refuses_credentials_in_clear_but_none_allows_them() {
    // aiosmtpd advertising AUTH without TLS.
    let srv = AioServer::start(&["--user", "alice:secret", "--mechs", "PLAIN,LOGIN"]);
    let (log, lines) = log_collector();
    let mut c = cfg(srv.port, Security::Auto);
    c.credentials = Some(Credentials::password("alice", "secret"));
    c.protocol_log = Some(log);
    let err = SmtpConnection::connect(&c).err().expect("must refuse");
    assert_eq!(err.kind, SmtpErrorKind::CredentialsRequireTls);
    assert!(
        !lines
            .lock()
            .unwrap()
            .iter()
            .any(|(d, l)| *d == LogDirection::Sent && l.starts_with("AUTH"))
    );
    // Auto without credentials: plain text is fine.
    c.credentials = None;
    let mut conn = SmtpConnection::connect(&c).unwrap();
    assert!(!conn.is_encrypted());
    conn.send(
        &Envelope::new("s@example.test", ["r@example.test"]),
        b"auto\r\n",
    )
    .unwrap();
    conn.quit();
    // Security::None: the user chose plain text, so AUTH is sent.
    c.security = Security::None;
    c.credentials = Some(Credentials::password("alice", "secret"));
    let mut conn = SmtpConnection::connect(&c).unwrap();
    conn.send(
        &Envelope::new("s@example.test", ["r@example.test"]),
        b"none\r\n",
    )
    .unwrap();
    conn.quit();
    let got = srv.messages();
    assert_eq!(got.len(), 2);
    assert_eq!(got[0].auth, None);
    assert_eq!(got[1].auth.as_deref(), Some("alice"));
}

#[test]
fn client_keeps_connection_for_several_sends() {
    let srv = AioServer::start(&["--no-auth"]);
    let (log, lines) = log_collector();
    let mut c = cfg(srv.port, Security::None);
    c.protocol_log = Some(log);
    let mut client = SmtpClient::new(c);
    for i in 0..3 {
        let env = Envelope::new("s@example.test", [format!("r{i}@example.test")]);
        client
            .send(&env, format!("Subject: {i}\r\n\r\nbody {i}\r\n").as_bytes())
            .unwrap();
    }
    drop(client);
    let lines = lines.lock().unwrap();
    let ehlos = lines
        .iter()
        .filter(|(d, l)| *d == LogDirection::Sent && l.starts_with("EHLO"))
        .count();
    assert_eq!(ehlos, 1, "one session for three messages");
    assert_eq!(lines.last().map(|(_, l)| l.as_str()), Some("221 Bye"));
    let got = srv.messages();
    assert_eq!(got.len(), 3);
    assert_eq!(got[2].rcpts, vec!["r2@example.test"]);
}
