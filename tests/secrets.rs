//! Secrets never leak: every protocol log line, error text and `Debug` output of AUTH runs
//! (PLAIN, LOGIN, CRAM-MD5 and XOAUTH2, with right and wrong secrets, against a real server,
//! Python aiosmtpd, over STARTTLS) is searched for the password and the token, raw and in the
//! base64 forms that go over the wire; SMTP URLs whose password holds an unencoded `?`, `#` or
//! `/` give an error text with no part of the user-info.

#[path = "support/smtp/mod.rs"]
mod support;

use std::sync::Arc;
use std::time::Duration;

use base64::Engine as _;
use missive::deliver::{Client, DkimAlgorithm, DkimSigner};
use missive::message::{MailAddress, MailMessage, RecipientKind};
use missive::smtp::{AuthMechanism, Secret, Security, parse_url};
use support::{AioServer, Certs, log_collector};

const USER: &str = "alice@example.test";
const PASSWORD: &str = "S3cr3t-Pa55?w#rd";
const TOKEN: &str = "ya29.S3cr3tT0kenValue";

/// Every form of a secret that must never show: raw, and base64 as PLAIN, LOGIN and XOAUTH2
/// would carry it.
fn forbidden() -> Vec<String> {
    let b64 = |s: &str| base64::engine::general_purpose::STANDARD.encode(s);
    vec![
        PASSWORD.to_string(),
        TOKEN.to_string(),
        "S3cr3t".to_string(),
        b64(PASSWORD),
        b64(&format!("\0{USER}\0{PASSWORD}")),
        b64(&format!("\0{USER}\0wrong-{PASSWORD}")),
        b64(&format!("user={USER}\x01auth=Bearer {TOKEN}\x01\x01")),
    ]
}

fn assert_clean(what: &str, text: &str) {
    for f in forbidden() {
        assert!(!text.contains(&f), "{what} shows a secret ({f:?}):\n{text}");
    }
}

fn message() -> MailMessage {
    let mut m = MailMessage::new();
    m.set_from(MailAddress::parse(USER).unwrap());
    m.add_recipient(
        RecipientKind::To,
        MailAddress::parse("r@example.test").unwrap(),
    );
    m.set_subject("secrets").unwrap();
    m.set_body("x\n");
    m
}

#[test]
fn no_secret_in_logs_errors_or_debug_output_of_auth() {
    let certs = Certs::generate();
    let user_arg = format!("{USER}:{PASSWORD}");
    let token_arg = format!("{USER}:{TOKEN}");
    let srv = AioServer::start(&[
        "--starttls",
        certs.path("server.pem").to_str().unwrap(),
        certs.path("server.key").to_str().unwrap(),
        "--auth-require-tls",
        "--auth-required",
        "--user",
        &user_arg,
        "--token",
        &token_arg,
    ]);
    let mut checked = 0;
    let cases: Vec<(Option<AuthMechanism>, bool, bool)> = vec![
        // (mechanism, use the token, right secret)
        (Some(AuthMechanism::Plain), false, true),
        (Some(AuthMechanism::Plain), false, false),
        (Some(AuthMechanism::Login), false, true),
        (Some(AuthMechanism::Login), false, false),
        (Some(AuthMechanism::CramMd5), false, true),
        (Some(AuthMechanism::CramMd5), false, false),
        (None, true, true),
        (None, true, false),
    ];
    for (mech, token, right) in cases {
        let (log, lines) = log_collector();
        let client = Client::new();
        client.configure(|c| {
            c.smtp.host = "127.0.0.1".into();
            c.smtp.port = srv.port;
            c.smtp.security = Security::SslExplicit;
            c.smtp.tls.ca_file = Some(certs.path("ca.pem"));
            c.smtp.tls.use_system_roots = false;
            c.smtp.tls.use_webpki_roots = false;
            c.smtp.command_timeout = Duration::from_secs(5);
            c.smtp.auth_mechanism = mech;
            c.smtp.protocol_log = Some(log);
            c.username = USER.into();
            let wrong = |s: &str| format!("wrong-{s}");
            if token {
                c.oauth2_token = Some(if right { TOKEN.into() } else { wrong(TOKEN) });
            } else {
                c.password = if right {
                    PASSWORD.into()
                } else {
                    wrong(PASSWORD)
                };
            }
        });
        let mut texts: Vec<(String, String)> = Vec::new();
        match client.send(&message()) {
            Ok(d) => {
                assert!(right, "{mech:?} token={token}: a wrong secret was accepted");
                texts.push(("delivery Debug".into(), format!("{d:?}")));
            }
            Err(e) => {
                assert!(!right, "{mech:?} token={token}: {e}");
                texts.push(("error Display".into(), e.to_string()));
                texts.push(("error Debug".into(), format!("{e:?}")));
            }
        }
        if let Err(e) = client.validate_credentials() {
            texts.push(("validate Display".into(), e.to_string()));
            texts.push(("validate Debug".into(), format!("{e:?}")));
        }
        let config = client.config();
        texts.push(("Client Debug".into(), format!("{client:?}")));
        texts.push(("ClientConfig Debug".into(), format!("{config:?}")));
        texts.push((
            "SmtpConfig Debug".into(),
            format!("{:?}", config.smtp_config()),
        ));
        for (_, l) in lines.lock().unwrap().iter() {
            texts.push(("log line".into(), l.clone()));
        }
        assert!(
            texts.iter().any(|(_, t)| t.contains("AUTH")),
            "the log has no AUTH line: nothing was checked"
        );
        for (what, t) in &texts {
            assert_clean(&format!("{mech:?} token={token} right={right}: {what}"), t);
            checked += 1;
        }
        // The redaction is there, not just the secret missing.
        let dbg = format!("{config:?}");
        assert!(dbg.contains("<redacted>"), "{dbg}");
    }
    assert!(checked > 40, "only {checked} texts checked");
    assert_eq!(srv.messages().len(), 4, "{}", srv.server_log());
}

#[test]
fn a_password_with_unencoded_url_characters_never_shows_in_the_error() {
    for (url, secret_parts) in [
        (
            "smtp://qbob:Zq7?Xv9@mail.example.com:587",
            &["Zq7", "Xv9", "qbob"][..],
        ),
        (
            "smtps://qbob:Kp3#Wy5@mail.example.com",
            &["Kp3", "Wy5", "qbob"][..],
        ),
        (
            "smtp://qbob:1234?5678@mail.example.com",
            &["1234", "5678", "qbob"][..],
        ),
        (
            "smtp+starttls://qbob:Mn4/Bv6@mail.example.com",
            &["Mn4", "Bv6", "qbob"][..],
        ),
        (
            "smtp://qbob:Jh2?auth=PLAIN@mail.example.com",
            &["qbob", "Jh2"][..],
        ),
    ] {
        match parse_url(url) {
            Err(e) => {
                let text = format!("{e} {e:?}");
                assert!(
                    text.contains("percent-encode"),
                    "{url}: the error does not say what to do: {text}"
                );
                for p in secret_parts {
                    assert!(
                        !text.contains(p),
                        "{url}: the error text shows {p:?}: {text}"
                    );
                }
            }
            Ok(c) => {
                // Read as meant (a '#' needs no encoding here): the user-info is the
                // credentials, never the host.
                assert_eq!(c.host, "mail.example.com", "{url}");
                let creds = c.credentials.as_ref().unwrap();
                assert_eq!(creds.username, "qbob");
                let pass = url
                    .split_once("qbob:")
                    .unwrap()
                    .1
                    .rsplit_once('@')
                    .unwrap()
                    .0;
                assert_eq!(creds.secret, Secret::Password(pass.into()), "{url}");
            }
        }
    }
    // Encoded, the same password is fine.
    let c = parse_url("smtp://bob:pa%3Fss@mail.example.com:587").unwrap();
    assert_eq!(c.host, "mail.example.com");
    assert_eq!(c.port, 587);
    let dbg = format!("{c:?}");
    assert!(!dbg.contains("pa?ss"), "{dbg}");
}

#[test]
fn dkim_keys_never_show() {
    let pem = std::fs::read(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/dkim/rsa-pkcs8.pem"),
    )
    .unwrap();
    let s = DkimSigner::from_pem("example.com", "s", &pem, DkimAlgorithm::RsaSha256).unwrap();
    let client = Client::new();
    client.configure(|c| c.dkim.push(Arc::new(s)));
    let dbg = format!("{client:?} {:?}", client.config());
    assert!(
        dbg.contains("DkimSigner") && dbg.contains("<redacted>"),
        "{dbg}"
    );
    for line in String::from_utf8(pem).unwrap().lines() {
        if !line.starts_with("-----") {
            assert!(!dbg.contains(line), "{dbg}");
        }
    }
}
