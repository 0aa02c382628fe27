//! Sending through real proxies started per test on loopback (tests/support/smtp/proxies.rs):
//! Dante (`danted`, SOCKS5 and SOCKS4a) and tinyproxy (HTTP CONNECT with basic
//! authentication), to a real SMTP server (aiosmtpd) with STARTTLS and with implicit TLS, the
//! certificate checked against the SMTP host's name through the tunnel. Also proxies that
//! refuse the target, refuse the credentials, are not there, and one (scripted: no real proxy
//! does it on demand) that drops the tunnel in the middle of DATA.
//!
//! Needs `apt-get install -y dante-server tinyproxy` and `pip install aiosmtpd cryptography`.

#[path = "support/smtp/mod.rs"]
mod support;

#[path = "support/smtp/proxies.rs"]
mod proxies;

use std::time::Duration;

use missive::smtp::{
    Envelope, ProxyKind, Security, SmtpConfig, SmtpConnection, SmtpErrorKind, Stage,
    parse_proxy_url,
};
use proxies::{Dante, DroppingRelay, Pproxy, Tinyproxy};
use support::{AioServer, Certs, LogLines, log_collector};

enum Tls {
    StartTls,
    Implicit,
}

fn smtp_server(certs: &Certs, tls: Tls, cert: &str) -> AioServer {
    let c = certs.path(&format!("{cert}.pem"));
    let k = certs.path(&format!("{cert}.key"));
    let flag = match tls {
        Tls::StartTls => "--starttls",
        Tls::Implicit => "--implicit-tls",
    };
    AioServer::start(&[
        flag,
        c.to_str().unwrap(),
        k.to_str().unwrap(),
        "--no-auth",
        "--require-starttls",
    ])
}

/// To `localhost` (the name the proxy resolves and the certificate is checked against),
/// trusting only the test CA.
fn cfg(port: u16, security: Security, certs: &Certs, proxy: &str) -> (SmtpConfig, LogLines) {
    let mut c = SmtpConfig::new("localhost");
    c.port = port;
    c.security = security;
    c.client_name = Some("client.test".to_string());
    c.connect_timeout = Duration::from_secs(5);
    c.command_timeout = Duration::from_secs(10);
    c.tls.ca_file = Some(certs.path("ca.pem"));
    c.tls.use_system_roots = false;
    c.tls.use_webpki_roots = false;
    c.proxy = Some(parse_proxy_url(proxy).unwrap());
    let (log, lines) = log_collector();
    c.protocol_log = Some(log);
    (c, lines)
}

/// A message with content that shows any damage: long lines, dots, 8-bit-free.
fn message(tag: &str) -> Vec<u8> {
    let mut m =
        format!("Subject: through a proxy ({tag})\r\nFrom: a@example.test\r\n\r\n").into_bytes();
    for i in 0..2000 {
        m.extend_from_slice(format!(".line {i} {}\r\n", "x".repeat(i % 97)).as_bytes());
    }
    m
}

fn send_and_check(c: &SmtpConfig, srv: &AioServer, tag: &str) {
    let mut conn = SmtpConnection::connect(c).unwrap_or_else(|e| panic!("{tag}: {e}"));
    assert!(conn.is_encrypted(), "{tag}: TLS through the tunnel");
    let msg = message(tag);
    conn.send(&Envelope::new("a@example.test", ["b@example.test"]), &msg)
        .unwrap_or_else(|e| panic!("{tag}: {e}"));
    conn.quit();
    let got = srv.messages();
    let m = got.last().expect("a message");
    assert!(m.tls, "{tag}: the server saw TLS");
    assert_eq!(m.content, msg, "{tag}: the content arrived intact");
}

#[test]
fn socks5_through_dante_with_starttls_and_implicit_tls() {
    let certs = Certs::generate();
    let dante = Dante::start();
    let proxy = format!("socks5://127.0.0.1:{}", dante.port);
    let srv = smtp_server(&certs, Tls::StartTls, "server");
    let (c, _) = cfg(srv.port, Security::SslExplicit, &certs, &proxy);
    send_and_check(&c, &srv, "socks5 starttls");
    let srv2 = smtp_server(&certs, Tls::Implicit, "server");
    let (c, _) = cfg(srv2.port, Security::SslImplicit, &certs, &proxy);
    send_and_check(&c, &srv2, "socks5 implicit");
    // socks5h:// is the same: the name goes to the proxy.
    let (c, _) = cfg(
        srv.port,
        Security::SslExplicit,
        &certs,
        &format!("socks5h://127.0.0.1:{}", dante.port),
    );
    send_and_check(&c, &srv, "socks5h starttls");
    // Dante logged the tunnels: the server's port was reached through it.
    let log = dante.log();
    assert!(
        log.contains(&format!(".{}", srv.port)) && log.contains(&format!(".{}", srv2.port)),
        "{log}"
    );
}

#[test]
fn socks4_through_dante() {
    // Dante speaks SOCKS4 but not the 4a extension (it takes 0.0.0.1 for an address): SOCKS4
    // with an address here, SOCKS4a's request bytes in `socks4a_sends_the_name_to_the_proxy`.
    let certs = Certs::generate();
    let dante = Dante::start();
    let srv = smtp_server(&certs, Tls::StartTls, "server");
    let (mut c, _) = cfg(
        srv.port,
        Security::SslExplicit,
        &certs,
        &format!("socks4://missive@127.0.0.1:{}", dante.port),
    );
    c.host = "127.0.0.1".to_string();
    send_and_check(&c, &srv, "socks4 starttls");
}

#[test]
fn socks4a_sends_the_name_to_the_proxy() {
    // A scripted SOCKS4a peer: checks the request bytes, then refuses (reply 91).
    use std::io::{Read, Write};
    let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = l.local_addr().unwrap().port();
    let peer = std::thread::spawn(move || {
        let (mut s, _) = l.accept().unwrap();
        let mut req = vec![0u8; 8 + "missive".len() + 1 + "mail.example.test".len() + 1];
        s.read_exact(&mut req).unwrap();
        s.write_all(&[0, 91, 0, 0, 0, 0, 0, 0]).unwrap();
        req
    });
    let certs = Certs::generate();
    let (mut c, _) = cfg(
        587,
        Security::SslExplicit,
        &certs,
        &format!("socks4a://missive@127.0.0.1:{port}"),
    );
    c.host = "mail.example.test".to_string();
    let err = SmtpConnection::connect(&c).err().expect("must fail");
    assert_eq!(err.kind, SmtpErrorKind::ProxyRefused, "{err}");
    assert!(err.message.contains("SOCKS4 reply 91"), "{err}");
    let req = peer.join().unwrap();
    let mut want = vec![4, 1, 0x02, 0x4b, 0, 0, 0, 1];
    want.extend_from_slice(b"missive\0mail.example.test\0");
    assert_eq!(req, want);
}

#[test]
fn socks5_sends_the_name_to_the_proxy_and_its_refusal_is_reported() {
    // A scripted SOCKS5 peer: checks the CONNECT request carries the host name (address type
    // 3), then answers "connection not allowed by ruleset" (2).
    use std::io::{Read, Write};
    let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = l.local_addr().unwrap().port();
    let peer = std::thread::spawn(move || {
        let (mut s, _) = l.accept().unwrap();
        let mut hello = [0u8; 3];
        s.read_exact(&mut hello).unwrap();
        s.write_all(&[5, 0]).unwrap();
        let mut req = vec![0u8; 4 + 1 + "mail.example.test".len() + 2];
        s.read_exact(&mut req).unwrap();
        s.write_all(&[5, 2, 0, 1, 0, 0, 0, 0, 0, 0]).unwrap();
        (hello, req)
    });
    let certs = Certs::generate();
    let (mut c, _) = cfg(
        465,
        Security::SslImplicit,
        &certs,
        &format!("socks5h://127.0.0.1:{port}"),
    );
    c.host = "mail.example.test".to_string();
    let err = SmtpConnection::connect(&c).err().expect("must fail");
    assert_eq!(err.kind, SmtpErrorKind::ProxyRefused, "{err}");
    assert!(err.message.contains("not allowed by ruleset"), "{err}");
    let (hello, req) = peer.join().unwrap();
    assert_eq!(
        hello,
        [5, 1, 0],
        "only 'no authentication' offered without a user"
    );
    let mut want = vec![5, 1, 0, 3, 17];
    want.extend_from_slice(b"mail.example.test");
    want.extend_from_slice(&465u16.to_be_bytes());
    assert_eq!(req, want);
}

#[test]
fn socks5_with_user_and_password_through_pproxy() {
    let certs = Certs::generate();
    let srv = smtp_server(&certs, Tls::Implicit, "server");
    let px = Pproxy::start_socks5("puser", "pp4ss-w0rd");
    // A wrong password first (pproxy remembers an address once it authenticated).
    let (c, _) = cfg(
        srv.port,
        Security::SslImplicit,
        &certs,
        &format!("socks5://puser:nope@127.0.0.1:{}", px.port),
    );
    let err = SmtpConnection::connect(&c).err().expect("must fail");
    assert_eq!(err.kind, SmtpErrorKind::ProxyAuthFailed, "{err}");
    assert!(!format!("{err:?}").contains("nope"), "{err:?}");
    let (c, _) = cfg(
        srv.port,
        Security::SslImplicit,
        &certs,
        &format!("socks5://puser:pp4ss-w0rd@127.0.0.1:{}", px.port),
    );
    send_and_check(&c, &srv, "socks5 user/password implicit");
}

#[test]
fn http_connect_through_tinyproxy_with_basic_auth() {
    let certs = Certs::generate();
    let tp = Tinyproxy::start(Some(("proxyuser", "pr0xy-s3cret")), &[]);
    let proxy = format!("http://proxyuser:pr0xy-s3cret@127.0.0.1:{}", tp.port);
    let srv = smtp_server(&certs, Tls::StartTls, "server");
    let (c, lines) = cfg(srv.port, Security::SslExplicit, &certs, &proxy);
    send_and_check(&c, &srv, "http starttls");
    let srv2 = smtp_server(&certs, Tls::Implicit, "server");
    let (c2, _) = cfg(srv2.port, Security::SslImplicit, &certs, &proxy);
    send_and_check(&c2, &srv2, "http implicit");
    let log = tp.log();
    assert!(log.contains("CONNECT"), "{log}");
    // The proxy's password shows nowhere of ours.
    let ours = format!(
        "{c:?} {:?}",
        lines
            .lock()
            .unwrap()
            .iter()
            .map(|(_, l)| l)
            .collect::<Vec<_>>()
    );
    assert!(!ours.contains("pr0xy-s3cret"), "{ours}");
}

#[test]
fn the_certificate_is_checked_through_the_tunnel() {
    let certs = Certs::generate();
    let dante = Dante::start();
    // A self-signed certificate: refused, as it would be without the proxy.
    let srv = smtp_server(&certs, Tls::StartTls, "self");
    let (c, _) = cfg(
        srv.port,
        Security::SslExplicit,
        &certs,
        &format!("socks5://127.0.0.1:{}", dante.port),
    );
    let err = SmtpConnection::connect(&c).err().expect("must fail");
    assert_eq!(err.kind, SmtpErrorKind::CertificateInvalid, "{err}");
    // The right certificate checked against another name than the SMTP host's: refused.
    let srv = smtp_server(&certs, Tls::Implicit, "server");
    let (mut c, _) = cfg(
        srv.port,
        Security::SslImplicit,
        &certs,
        &format!("socks5://127.0.0.1:{}", dante.port),
    );
    c.tls.sni_override = Some("mail.elsewhere.test".to_string());
    let err = SmtpConnection::connect(&c).err().expect("must fail");
    assert_eq!(err.kind, SmtpErrorKind::CertificateInvalid, "{err}");
    assert!(srv.messages().is_empty());
}

#[test]
fn a_dante_that_refuses_the_target_gives_proxy_refused() {
    let certs = Certs::generate();
    let dante = Dante::start_refusing();
    let srv = smtp_server(&certs, Tls::StartTls, "server");
    for url in [
        format!("socks5://127.0.0.1:{}", dante.port),
        format!("socks4a://127.0.0.1:{}", dante.port),
    ] {
        let (c, _) = cfg(srv.port, Security::SslExplicit, &certs, &url);
        let err = SmtpConnection::connect(&c).err().expect("must fail");
        assert_eq!(err.kind, SmtpErrorKind::ProxyRefused, "{url}: {err}");
        assert!(
            err.message.contains("refused to connect to localhost"),
            "{err}"
        );
    }
    assert!(
        err_text_mentions_ruleset(&dante, srv.port),
        "dante log:\n{}",
        dante.log()
    );
    assert_eq!(srv.connections(), 0, "nothing reached the SMTP server");
}

fn err_text_mentions_ruleset(dante: &Dante, _port: u16) -> bool {
    dante.log().contains("block")
}

#[test]
fn socks5_to_a_closed_port_gives_proxy_refused_with_the_reason() {
    let certs = Certs::generate();
    let dante = Dante::start();
    let closed = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let (c, _) = cfg(
        closed,
        Security::SslExplicit,
        &certs,
        &format!("socks5://127.0.0.1:{}", dante.port),
    );
    let err = SmtpConnection::connect(&c).err().expect("must fail");
    assert_eq!(err.kind, SmtpErrorKind::ProxyRefused, "{err}");
    assert!(err.message.contains("connection refused"), "{err}");
}

#[test]
fn tinyproxy_refusals_and_wrong_credentials() {
    let certs = Certs::generate();
    let srv = smtp_server(&certs, Tls::StartTls, "server");
    // Only another port may be reached: 403.
    let tp = Tinyproxy::start(None, &[srv.port.wrapping_add(1).max(1)]);
    let (c, _) = cfg(
        srv.port,
        Security::SslExplicit,
        &certs,
        &format!("http://127.0.0.1:{}", tp.port),
    );
    let err = SmtpConnection::connect(&c).err().expect("must fail");
    assert_eq!(err.kind, SmtpErrorKind::ProxyRefused, "{err}");
    assert!(err.message.contains("403"), "{err}");
    // Basic authentication: wrong password, and none at all.
    let tp = Tinyproxy::start(Some(("proxyuser", "right-pass")), &[]);
    let (c, _) = cfg(
        srv.port,
        Security::SslExplicit,
        &certs,
        &format!("http://proxyuser:wrong-pass@127.0.0.1:{}", tp.port),
    );
    let err = SmtpConnection::connect(&c).err().expect("must fail");
    assert_eq!(err.kind, SmtpErrorKind::ProxyAuthFailed, "{err}");
    // tinyproxy answers a wrong password with 401 (and a missing one with 407).
    assert!(err.message.contains("401"), "{err}");
    assert!(!format!("{err} {err:?}").contains("wrong-pass"), "{err}");
    let (c, _) = cfg(
        srv.port,
        Security::SslExplicit,
        &certs,
        &format!("http://127.0.0.1:{}", tp.port),
    );
    let err = SmtpConnection::connect(&c).err().expect("must fail");
    assert_eq!(err.kind, SmtpErrorKind::ProxyAuthFailed, "{err}");
    assert!(err.message.contains("407"), "{err}");
    assert_eq!(srv.connections(), 0, "nothing reached the SMTP server");
}

#[test]
fn an_unreachable_proxy_gives_proxy_failed() {
    let certs = Certs::generate();
    let nothing = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let (c, _) = cfg(
        25,
        Security::SslExplicit,
        &certs,
        &format!("socks5://127.0.0.1:{nothing}"),
    );
    let err = SmtpConnection::connect(&c).err().expect("must fail");
    assert_eq!(err.kind, SmtpErrorKind::Proxy, "{err}");
    assert!(err.message.contains("cannot reach the proxy"), "{err}");
}

#[test]
fn a_silent_proxy_times_out_instead_of_hanging() {
    // Accepts the TCP connection and never answers the SOCKS5 greeting.
    let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = l.local_addr().unwrap().port();
    let holder = std::thread::spawn(move || {
        let (s, _) = l.accept().unwrap();
        std::thread::sleep(Duration::from_secs(4));
        drop(s);
    });
    let certs = Certs::generate();
    let (mut c, _) = cfg(
        25,
        Security::SslExplicit,
        &certs,
        &format!("socks5://127.0.0.1:{port}"),
    );
    c.command_timeout = Duration::from_millis(800);
    let started = std::time::Instant::now();
    let err = SmtpConnection::connect(&c).err().expect("must fail");
    let took = started.elapsed();
    assert_eq!(
        err.kind,
        SmtpErrorKind::Timeout {
            stage: Stage::Connect
        },
        "{err}"
    );
    assert!(took < Duration::from_secs(3), "took {took:?}");
    assert!(err.message.contains("proxy"), "{err}");
    holder.join().unwrap();
}

#[test]
fn a_proxy_that_drops_mid_data_loses_the_message_visibly() {
    let certs = Certs::generate();
    let srv = smtp_server(&certs, Tls::StartTls, "server");
    // Cut after ~200 KB from the client: well into a 24 MB message's DATA.
    let relay = DroppingRelay::start(200_000);
    let (c, _) = cfg(
        srv.port,
        Security::SslExplicit,
        &certs,
        &format!("http://127.0.0.1:{}", relay.port),
    );
    let mut conn = SmtpConnection::connect(&c).unwrap();
    // Larger than loopback's socket buffers on both sides of the relay (a few MB each, grown by
    // autotuning): a smaller message can be written whole before the cut reaches the sender,
    // and then fails at the end of the data (outcome unknown) instead of in its body.
    let mut msg = b"Subject: big\r\n\r\n".to_vec();
    while msg.len() < 24_000_000 {
        msg.extend_from_slice(
            b"0123456789abcdefghijklmnopqrstuvwxyz0123456789abcdefghijklmnop\r\n",
        );
    }
    let err = conn
        .send(&Envelope::new("a@example.test", ["b@example.test"]), &msg)
        .expect_err("must fail");
    assert!(relay.dropped.load(std::sync::atomic::Ordering::Relaxed));
    assert_eq!(
        err.kind,
        SmtpErrorKind::ConnectionLost {
            stage: Stage::DataBody
        },
        "{err}"
    );
    assert!(!err.outcome_unknown());
    std::thread::sleep(Duration::from_millis(300));
    assert!(srv.messages().is_empty(), "no partial message was accepted");
    // The CONNECT named the SMTP host: the proxy resolves it.
    assert_eq!(
        relay.requests.lock().unwrap()[0],
        format!("CONNECT localhost:{} HTTP/1.1", srv.port)
    );
}

#[test]
fn bulk_over_four_connections_through_dante_with_a_token_provider() {
    use missive::deliver::Client;
    use missive::message::{MailAddress, MailMessage, RecipientKind};
    use missive::smtp::TokenProvider;
    use std::sync::{Arc, Mutex};
    let certs = Certs::generate();
    let dante = Dante::start();
    let cert = certs.path("server.pem");
    let key = certs.path("server.key");
    // One valid token; the provider's first answer on each connection is stale.
    let srv = AioServer::start(&[
        "--starttls",
        cert.to_str().unwrap(),
        key.to_str().unwrap(),
        "--token",
        "bulk@example.test:fresh",
        "--mechs",
        "OAUTHBEARER",
    ]);
    let asked = Arc::new(Mutex::new(Vec::new()));
    let seen = asked.clone();
    let provider = TokenProvider::new(move |refresh| {
        seen.lock().unwrap().push(refresh);
        Ok(if refresh { "fresh" } else { "stale" }.to_string())
    });
    let client = Client::new();
    client.configure(|c| {
        c.smtp.host = "localhost".into();
        c.smtp.port = srv.port;
        c.smtp.security = Security::SslExplicit;
        c.smtp.tls.ca_file = Some(certs.path("ca.pem"));
        c.smtp.tls.use_system_roots = false;
        c.smtp.tls.use_webpki_roots = false;
        c.smtp.proxy =
            Some(parse_proxy_url(&format!("socks5://127.0.0.1:{}", dante.port)).unwrap());
        c.username = "bulk@example.test".into();
        c.token_provider = Some(provider);
    });
    client.configure_bulk(|b| {
        b.multi_connection = true;
        b.connections = 4;
        b.batch_size = 10;
    });
    let n = 120;
    let msgs: Vec<MailMessage> = (0..n)
        .map(|k| {
            let mut m = MailMessage::new();
            m.set_from(MailAddress::parse("bulk@example.test").unwrap());
            m.add_recipients_str(RecipientKind::To, "r@example.test")
                .unwrap();
            m.set_subject(&format!("bulk {k}")).unwrap();
            m.set_body("through SOCKS5, four connections at once\n");
            m
        })
        .collect();
    let report = client.send_bulk(&msgs);
    assert_eq!(
        report.sent(),
        n,
        "{:?}",
        report.outcomes.iter().find(|o| !o.is_sent())
    );
    assert_eq!(srv.messages().len(), n);
    assert!(srv.messages().iter().all(|m| m.tls));
    // Each connection asked once, was refused, and asked once more with refresh.
    let asked = asked.lock().unwrap();
    let connections = srv.connections();
    assert_eq!(connections, 4, "one connection per worker");
    assert_eq!(asked.len(), 2 * connections, "{asked:?}");
    assert_eq!(asked.iter().filter(|r| **r).count(), connections);
}

#[test]
fn the_proxy_url_fuzz_findings_stay_fixed() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz/regressions/proxy_url");
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        let bytes = std::fs::read(&path).unwrap();
        let Ok(url) = std::str::from_utf8(&bytes) else {
            continue;
        };
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        let result = parse_proxy_url(url);
        match name.as_str() {
            // U+008F in the host: refused.
            "c1-control-in-host" => assert!(result.is_err(), "{name}"),
            // A long "scheme" (which may hold a password) is not quoted.
            "long-scheme-holding-the-password" => {
                let e = result.expect_err(&name);
                assert!(!e.message.contains("proxy.ex"), "{name}: {}", e.message);
            }
            _ => {}
        }
    }
}

#[test]
fn proxy_urls_parse_and_redact() {
    let p = parse_proxy_url("socks5://u:p%40ss@127.0.0.1:1080").unwrap();
    assert_eq!(p.kind, ProxyKind::Socks5);
    assert_eq!(p.password.as_deref(), Some("p@ss"));
    assert!(!format!("{p:?}").contains("p@ss"));
    assert_eq!(p.to_string(), "socks5://127.0.0.1:1080");
}
