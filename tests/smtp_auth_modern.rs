//! SCRAM-SHA-256 / SCRAM-SHA-1 and OAuth 2 (token providers, OAUTHBEARER) against real servers:
//! - Postfix's smtpd with Dovecot's SASL (`smtpd_sasl_type = dovecot`), both private instances
//!   started per test on loopback (tests/support/smtp/postfix.rs, dovecot.rs): SCRAM as it is
//!   met in the field, wrong passwords refused with Postfix's reply;
//! - aiosmtpd (tests/support/smtp/aiosmtpd_server.py) with a SCRAM server written from the RFC
//!   in Python, for the faults no real server makes on demand (a wrong server signature, a
//!   success without one), and OAUTHBEARER/XOAUTH2 servers that accept one token per user, so a
//!   provider's stale first token is refused and its refreshed one accepted.
//!
//! Every test also checks that no password, token or SCRAM proof shows in the protocol log, in
//! error texts or in `Debug` output. Needs root, `apt-get install -y postfix dovecot-core
//! openssl` and `pip install aiosmtpd cryptography`.

#[path = "support/smtp/mod.rs"]
mod support;

#[path = "support/smtp/postfix.rs"]
mod postfix;

#[path = "support/smtp/dovecot.rs"]
mod dovecot;

use std::sync::{Arc, Mutex};
use std::time::Duration;

use dovecot::DovecotAuth;
use missive::smtp::{
    AuthMechanism, Credentials, Envelope, LogDirection, Security, SmtpConfig, SmtpConnection,
    SmtpErrorKind, TokenProvider,
};
use postfix::Postfix;
use support::{AioServer, Certs, LogLines, ScriptServer, expect, hello, log_collector, say};

const USER: &str = "alice@example.test";
const PASSWORD: &str = "c0rrect-h0rse,=battery";

/// Postfix with Dovecot's SASL, STARTTLS, and the instance's test CA trusted.
fn postfix_with_dovecot() -> (Postfix, DovecotAuth) {
    let dv = DovecotAuth::start(&[(USER, PASSWORD)]);
    let path = format!("smtpd_sasl_path = {}", dv.socket().display());
    let pf = Postfix::start_with(&[
        "smtpd_sasl_auth_enable = yes",
        "smtpd_sasl_type = dovecot",
        &path,
        "smtpd_tls_auth_only = yes",
    ]);
    (pf, dv)
}

fn postfix_cfg(pf: &Postfix, creds: Credentials) -> (SmtpConfig, LogLines) {
    let mut c = SmtpConfig::new("localhost");
    c.port = pf.port;
    c.security = Security::SslExplicit;
    c.client_name = Some("client.test".to_string());
    c.command_timeout = Duration::from_secs(10);
    c.tls.ca_file = Some(pf.ca_file());
    c.tls.use_system_roots = false;
    c.tls.use_webpki_roots = false;
    c.credentials = Some(creds);
    let (log, lines) = log_collector();
    c.protocol_log = Some(log);
    (c, lines)
}

fn sent_lines(lines: &LogLines) -> Vec<String> {
    lines
        .lock()
        .unwrap()
        .iter()
        .filter(|(d, _)| *d == LogDirection::Sent)
        .map(|(_, l)| l.clone())
        .collect()
}

fn all_lines(lines: &LogLines) -> String {
    lines
        .lock()
        .unwrap()
        .iter()
        .map(|(_, l)| l.as_str())
        .collect::<Vec<_>>()
        .join("\n")
}

/// Fails when any of `secrets` shows in `text` (nor its base64, for the longer ones).
fn assert_no_secret(text: &str, secrets: &[&str]) {
    for s in secrets {
        assert!(!text.contains(s), "secret {s:?} leaked into:\n{text}");
    }
}

#[test]
fn scram_sha256_against_postfix_with_dovecot_sasl() {
    let (pf, dv) = postfix_with_dovecot();
    let (c, lines) = postfix_cfg(&pf, Credentials::password(USER, PASSWORD));
    let mut conn = SmtpConnection::connect(&c).unwrap_or_else(|e| {
        panic!(
            "{e}\nprotocol:\n{}\ndovecot:\n{}\npostfix:\n{}",
            all_lines(&lines),
            dv.log(),
            pf.maillog()
        )
    });
    // Postfix offers what Dovecot has; SCRAM-SHA-256 is preferred over PLAIN and LOGIN.
    let offered = conn.capabilities().auth.join(" ");
    assert!(offered.contains("SCRAM-SHA-256"), "{offered}");
    assert!(offered.contains("PLAIN"), "{offered}");
    let res = conn
        .send(
            &Envelope::new(USER, ["bob@example.test"]),
            b"Subject: scram\r\n\r\nhello\r\n",
        )
        .unwrap();
    conn.quit();
    let sent = sent_lines(&lines);
    assert!(
        sent.iter().any(|l| l == "AUTH SCRAM-SHA-256 <redacted>"),
        "{sent:?}"
    );
    assert!(
        !sent.iter().any(|l| l.starts_with("AUTH PLAIN")),
        "{sent:?}"
    );
    // Postfix logs the mechanism and the user it authenticated.
    pf.wait_log_line(&[
        "sasl_method=SCRAM-SHA-256",
        &format!("sasl_username={USER}"),
    ]);
    let id = res.reply.queue_id().expect("queue id");
    let q = pf.queued(&id);
    assert_eq!(q.sender, USER);
    assert_no_secret(&all_lines(&lines), &[PASSWORD]);
    assert_no_secret(&format!("{c:?}"), &[PASSWORD]);
}

#[test]
fn scram_sha1_when_chosen_against_postfix_with_dovecot_sasl() {
    let (pf, _dv) = postfix_with_dovecot();
    let (mut c, lines) = postfix_cfg(&pf, Credentials::password(USER, PASSWORD));
    c.auth_mechanism = Some(AuthMechanism::ScramSha1);
    let mut conn = SmtpConnection::connect(&c).unwrap();
    conn.send(
        &Envelope::new(USER, ["bob@example.test"]),
        b"Subject: scram-sha-1\r\n\r\nhello\r\n",
    )
    .unwrap();
    conn.quit();
    assert!(
        sent_lines(&lines)
            .iter()
            .any(|l| l == "AUTH SCRAM-SHA-1 <redacted>")
    );
    pf.wait_log_line(&["sasl_method=SCRAM-SHA-1", &format!("sasl_username={USER}")]);
}

#[test]
fn scram_wrong_password_gives_auth_failed_with_postfix_reply() {
    let (pf, _dv) = postfix_with_dovecot();
    let wrong = "wr0ng-pa55word";
    let (c, lines) = postfix_cfg(&pf, Credentials::password(USER, wrong));
    let err = SmtpConnection::connect(&c).err().expect("must fail");
    assert_eq!(err.kind, SmtpErrorKind::AuthFailed, "{err}");
    let reply = err.reply.as_ref().expect("the server's reply");
    assert_eq!(reply.code, 535, "{reply}");
    assert!(err.message.contains("535"), "{}", err.message);
    assert!(err.message.contains("SCRAM-SHA-256"), "{}", err.message);
    assert!(
        sent_lines(&lines)
            .iter()
            .any(|l| l == "AUTH SCRAM-SHA-256 <redacted>")
    );
    assert_no_secret(&all_lines(&lines), &[wrong]);
    assert_no_secret(&format!("{err} {err:?}"), &[wrong]);
}

fn aio_scram(extra: &[&str]) -> (AioServer, Certs) {
    let certs = Certs::generate();
    let cert = certs.path("server.pem");
    let key = certs.path("server.key");
    let user = format!("{USER}:{PASSWORD}");
    let mut args = vec![
        "--starttls",
        cert.to_str().unwrap(),
        key.to_str().unwrap(),
        "--user",
        &user,
        "--mechs",
        "PLAIN,LOGIN,CRAM-MD5,SCRAM-SHA-1,SCRAM-SHA-256",
    ];
    args.extend_from_slice(extra);
    (AioServer::start(&args), certs)
}

fn aio_cfg(srv: &AioServer, certs: &Certs, creds: Credentials) -> (SmtpConfig, LogLines) {
    let mut c = SmtpConfig::new("localhost");
    c.port = srv.port;
    c.security = Security::SslExplicit;
    c.client_name = Some("client.test".to_string());
    c.command_timeout = Duration::from_secs(10);
    c.tls.ca_file = Some(certs.path("ca.pem"));
    c.tls.use_system_roots = false;
    c.tls.use_webpki_roots = false;
    c.credentials = Some(creds);
    let (log, lines) = log_collector();
    c.protocol_log = Some(log);
    (c, lines)
}

#[test]
fn scram_against_an_independent_implementation_both_hashes() {
    let (srv, certs) = aio_scram(&[]);
    for mech in [AuthMechanism::ScramSha256, AuthMechanism::ScramSha1] {
        let (mut c, lines) = aio_cfg(&srv, &certs, Credentials::password(USER, PASSWORD));
        c.auth_mechanism = Some(mech);
        let mut conn = SmtpConnection::connect(&c).unwrap();
        conn.send(
            &Envelope::new(USER, ["bob@example.test"]),
            b"Subject: s\r\n\r\nx\r\n",
        )
        .unwrap();
        conn.quit();
        let log = all_lines(&lines);
        assert!(
            log.contains(&format!("AUTH {} <redacted>", mech.name())),
            "{log}"
        );
        assert_no_secret(&log, &[PASSWORD]);
    }
    let got = srv.messages();
    assert_eq!(got.len(), 2);
    assert!(got.iter().all(|m| m.auth.as_deref() == Some(USER)));
}

#[test]
fn scram_escapes_a_user_name_with_comma_and_equals() {
    // RFC 5802 5.1: ',' and '=' in the user name travel as =2C and =3D.
    let certs = Certs::generate();
    let cert = certs.path("server.pem");
    let key = certs.path("server.key");
    let srv = AioServer::start(&[
        "--starttls",
        cert.to_str().unwrap(),
        key.to_str().unwrap(),
        "--user",
        "o,dd=user:pw-for-odd-user",
        "--mechs",
        "SCRAM-SHA-256",
    ]);
    let (c, _) = aio_cfg(
        &srv,
        &certs,
        Credentials::password("o,dd=user", "pw-for-odd-user"),
    );
    let mut conn = SmtpConnection::connect(&c).unwrap_or_else(|e| panic!("{e}"));
    conn.send(
        &Envelope::new("odd@example.test", ["bob@example.test"]),
        b"Subject: s\r\n\r\nx\r\n",
    )
    .unwrap();
    conn.quit();
    assert_eq!(srv.messages()[0].auth.as_deref(), Some("o,dd=user"));
}

#[test]
fn scram_is_preferred_over_cram_md5_plain_and_login() {
    let (srv, certs) = aio_scram(&[]);
    let (c, lines) = aio_cfg(&srv, &certs, Credentials::password(USER, PASSWORD));
    SmtpConnection::connect(&c).unwrap().quit();
    let sent = sent_lines(&lines);
    assert!(
        sent.iter().any(|l| l == "AUTH SCRAM-SHA-256 <redacted>"),
        "{sent:?}"
    );
}

#[test]
fn a_wrong_server_signature_fails_the_auth() {
    let (srv, certs) = aio_scram(&["--scram-fault", "bad-signature"]);
    let (c, lines) = aio_cfg(&srv, &certs, Credentials::password(USER, PASSWORD));
    let err = SmtpConnection::connect(&c).err().expect("must fail");
    assert_eq!(err.kind, SmtpErrorKind::AuthFailed, "{err}");
    assert!(err.message.contains("signature does not verify"), "{err}");
    // The client cancelled the exchange instead of answering the signature.
    let sent = sent_lines(&lines);
    assert!(sent.iter().any(|l| l == "*"), "{sent:?}");
    assert!(!sent.iter().any(|l| l.starts_with("MAIL")), "{sent:?}");
    assert!(srv.messages().is_empty());
}

#[test]
fn a_success_without_the_server_signature_fails_the_auth() {
    let (srv, certs) = aio_scram(&["--scram-fault", "no-final"]);
    let (c, _lines) = aio_cfg(&srv, &certs, Credentials::password(USER, PASSWORD));
    let err = SmtpConnection::connect(&c).err().expect("must fail");
    assert_eq!(err.kind, SmtpErrorKind::AuthFailed, "{err}");
    assert!(
        err.message.contains("without the server's signature"),
        "{err}"
    );
    assert_eq!(err.reply.as_ref().map(|r| r.code), Some(235));
}

#[test]
fn scram_wrong_password_against_the_independent_server() {
    let (srv, certs) = aio_scram(&[]);
    let (c, lines) = aio_cfg(&srv, &certs, Credentials::password(USER, "nope-nope"));
    let err = SmtpConnection::connect(&c).err().expect("must fail");
    assert_eq!(err.kind, SmtpErrorKind::AuthFailed, "{err}");
    assert_eq!(err.reply.as_ref().map(|r| r.code), Some(535));
    assert_no_secret(&all_lines(&lines), &["nope-nope"]);
}

// ----- OAuth 2 -------------------------------------------------------------------------------

const STALE: &str = "ya29.stale-token-0000000000";
const FRESH: &str = "ya29.fresh-token-1111111111";

/// A provider that gives STALE first and FRESH when asked to refresh; records the flags.
fn provider(calls: Arc<Mutex<Vec<bool>>>) -> TokenProvider {
    TokenProvider::new(move |refresh| {
        calls.lock().unwrap().push(refresh);
        Ok(if refresh { FRESH } else { STALE }.to_string())
    })
}

fn aio_oauth(mechs: &str) -> (AioServer, Certs) {
    let certs = Certs::generate();
    let cert = certs.path("server.pem");
    let key = certs.path("server.key");
    let token = format!("{USER}:{FRESH}");
    let srv = AioServer::start(&[
        "--starttls",
        cert.to_str().unwrap(),
        key.to_str().unwrap(),
        "--token",
        &token,
        "--mechs",
        mechs,
    ]);
    (srv, certs)
}

#[test]
fn token_provider_refreshes_once_after_a_refused_token_oauthbearer() {
    let (srv, certs) = aio_oauth("PLAIN,XOAUTH2,OAUTHBEARER");
    let calls = Arc::new(Mutex::new(Vec::new()));
    let (c, lines) = aio_cfg(
        &srv,
        &certs,
        Credentials::oauth2_provider(USER, provider(calls.clone())),
    );
    let mut conn = SmtpConnection::connect(&c).unwrap();
    conn.send(
        &Envelope::new(USER, ["bob@example.test"]),
        b"Subject: oauth\r\n\r\nx\r\n",
    )
    .unwrap();
    conn.quit();
    assert_eq!(*calls.lock().unwrap(), vec![false, true]);
    let sent = sent_lines(&lines);
    let auths: Vec<_> = sent.iter().filter(|l| l.starts_with("AUTH ")).collect();
    assert_eq!(
        auths,
        vec!["AUTH OAUTHBEARER <redacted>", "AUTH OAUTHBEARER <redacted>"],
        "{sent:?}"
    );
    // RFC 7628: after the error challenge the client sends ^A (AQ== in base64).
    assert!(sent.iter().any(|l| l == "AQ=="), "{sent:?}");
    // The GS2 header and the host and port reached the server.
    let seen = std::fs::read_to_string(srv.dir.path().join("oauthbearer")).unwrap();
    assert!(
        seen.lines()
            .all(|l| l == format!("user={USER} host=localhost port={}", srv.port)),
        "{seen}"
    );
    assert_eq!(srv.messages()[0].auth.as_deref(), Some(USER));
    assert_no_secret(&all_lines(&lines), &[STALE, FRESH]);
    assert_no_secret(&format!("{c:?}"), &[STALE, FRESH]);
}

#[test]
fn token_provider_refreshes_once_with_xoauth2() {
    let (srv, certs) = aio_oauth("PLAIN,XOAUTH2");
    let calls = Arc::new(Mutex::new(Vec::new()));
    let (c, lines) = aio_cfg(
        &srv,
        &certs,
        Credentials::oauth2_provider(USER, provider(calls.clone())),
    );
    SmtpConnection::connect(&c).unwrap().quit();
    assert_eq!(*calls.lock().unwrap(), vec![false, true]);
    let auths: Vec<_> = sent_lines(&lines)
        .into_iter()
        .filter(|l| l.starts_with("AUTH "))
        .collect();
    assert_eq!(auths, vec!["AUTH XOAUTH2 <redacted>"; 2]);
    assert_no_secret(&all_lines(&lines), &[STALE, FRESH]);
}

#[test]
fn a_token_refused_twice_gives_auth_failed_after_one_refresh() {
    let (srv, certs) = aio_oauth("OAUTHBEARER");
    let calls = Arc::new(Mutex::new(Vec::new()));
    let seen = calls.clone();
    let p = TokenProvider::new(move |refresh| {
        seen.lock().unwrap().push(refresh);
        Ok(STALE.to_string())
    });
    let (c, lines) = aio_cfg(&srv, &certs, Credentials::oauth2_provider(USER, p));
    let err = SmtpConnection::connect(&c).err().expect("must fail");
    assert_eq!(err.kind, SmtpErrorKind::AuthFailed, "{err}");
    assert_eq!(err.reply.as_ref().map(|r| r.code), Some(535));
    assert!(err.message.contains("refreshed token"), "{err}");
    // Asked exactly twice: once, then once with refresh; never a third time.
    assert_eq!(*calls.lock().unwrap(), vec![false, true]);
    assert_no_secret(&format!("{err} {err:?}"), &[STALE]);
    assert_no_secret(&all_lines(&lines), &[STALE]);
}

#[test]
fn a_provider_error_fails_before_any_auth_with_its_message() {
    let (srv, certs) = aio_oauth("OAUTHBEARER");
    let p = TokenProvider::new(|_| Err("the refresh token was revoked".to_string()));
    let (c, lines) = aio_cfg(&srv, &certs, Credentials::oauth2_provider(USER, p));
    let err = SmtpConnection::connect(&c).err().expect("must fail");
    assert_eq!(err.kind, SmtpErrorKind::TokenProvider, "{err}");
    assert!(
        err.message.contains("the refresh token was revoked"),
        "{err}"
    );
    assert!(
        !sent_lines(&lines).iter().any(|l| l.starts_with("AUTH")),
        "no AUTH without a token"
    );
}

#[test]
fn a_provider_failing_on_refresh_reports_the_first_refusal() {
    let (srv, certs) = aio_oauth("OAUTHBEARER");
    let p = TokenProvider::new(|refresh| {
        if refresh {
            Err("offline".to_string())
        } else {
            Ok(STALE.to_string())
        }
    });
    let (c, _lines) = aio_cfg(&srv, &certs, Credentials::oauth2_provider(USER, p));
    let err = SmtpConnection::connect(&c).err().expect("must fail");
    assert_eq!(err.kind, SmtpErrorKind::TokenProvider, "{err}");
    assert!(err.message.contains("offline"), "{err}");
    assert!(err.message.contains("535"), "{err}");
    assert_no_secret(&err.message, &[STALE]);
}

#[test]
fn the_delivery_client_uses_its_token_provider() {
    use missive::deliver::Client;
    use missive::message::{MailAddress, MailMessage, RecipientKind};
    let (srv, certs) = aio_oauth("OAUTHBEARER");
    let calls = Arc::new(Mutex::new(Vec::new()));
    let client = Client::new();
    let (log, lines) = log_collector();
    client.configure(|c| {
        c.smtp.host = "localhost".into();
        c.smtp.port = srv.port;
        c.smtp.security = Security::SslExplicit;
        c.smtp.tls.ca_file = Some(certs.path("ca.pem"));
        c.smtp.tls.use_system_roots = false;
        c.smtp.tls.use_webpki_roots = false;
        c.smtp.protocol_log = Some(log);
        c.username = USER.into();
        c.password = "not-used".into();
        c.token_provider = Some(provider(calls.clone()));
    });
    let mut msg = MailMessage::new();
    msg.set_from(MailAddress::parse(USER).unwrap());
    msg.add_recipients_str(RecipientKind::To, "bob@example.test")
        .unwrap();
    msg.set_subject("via the client").unwrap();
    msg.set_body("x");
    client.send(&msg).unwrap();
    assert_eq!(*calls.lock().unwrap(), vec![false, true]);
    assert_eq!(srv.messages().len(), 1);
    assert_no_secret(&all_lines(&lines), &[STALE, FRESH]);
    assert_no_secret(
        &format!("{:?}", client.config().token_provider),
        &[STALE, FRESH],
    );
}

/// A scripted server (no real server closes on demand after refusing a token): the first
/// connection refuses the token and closes, as some servers do (with a 421, or with nothing
/// more); the second accepts.
#[test]
fn a_server_that_closes_after_refusing_a_token_gets_the_refreshed_one_on_a_new_connection() {
    use base64::Engine as _;
    for with_421 in [true, false] {
        let mut first = hello(&["AUTH XOAUTH2"]);
        first.extend([expect("AUTH XOAUTH2 "), say("535 5.7.8 token expired")]);
        if with_421 {
            first.push(say("421 4.7.0 too many errors, closing"));
        }
        let mut second = hello(&["AUTH XOAUTH2"]);
        second.extend([
            expect("AUTH XOAUTH2 "),
            say("235 2.7.0 accepted"),
            expect("QUIT"),
            say("221 bye"),
        ]);
        let srv = ScriptServer::start_sessions(vec![first, second]);
        let calls = Arc::new(Mutex::new(Vec::new()));
        let mut c = SmtpConfig::new("127.0.0.1");
        c.port = srv.port;
        c.security = Security::None;
        c.client_name = Some("client.test".to_string());
        c.command_timeout = Duration::from_secs(5);
        c.credentials = Some(Credentials::oauth2_provider(USER, provider(calls.clone())));
        let conn = SmtpConnection::connect(&c).unwrap_or_else(|e| panic!("421 {with_421}: {e}"));
        conn.quit();
        let got = srv.finish();
        // Asked twice in all: the refreshed token went to the second connection as it was.
        assert_eq!(*calls.lock().unwrap(), vec![false, true], "421 {with_421}");
        let b64 = |t: &str| {
            base64::engine::general_purpose::STANDARD
                .encode(format!("user={USER}\x01auth=Bearer {t}\x01\x01"))
        };
        let stale_at = got
            .find(&b64(STALE))
            .expect("the stale token on the first connection");
        let fresh_at = got
            .find(&b64(FRESH))
            .expect("the fresh token on the second connection");
        assert!(stale_at < fresh_at, "{got}");
    }
}
