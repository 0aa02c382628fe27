//! The error texts of the ten most common mistakes, read through the C API as every wrapper
//! reads them (`missive_client_error`, `missive_message_error`), against real servers on
//! loopback (Python aiosmtpd, with TLS where the mistake needs it).
//!
//! Each text is one sentence that says what happened and, where the cause is common, what to
//! do; it names no Rust item, carries no "(os error N)", states each fact once and quotes a
//! server's reply once. The texts are held here in full (port numbers and temporary paths
//! replaced by placeholders): a change to any of them must change this file.

#[path = "support/smtp/mod.rs"]
mod support;

use std::ffi::{CStr, c_char};
use std::net::TcpListener;
use std::ptr;

use missive::ffi::bulk::*;
use missive::ffi::client::*;
use missive::ffi::collection::*;
use missive::ffi::message::*;
use missive::ffi::missive_result;
use support::{AioServer, Certs};

fn text(mut f: impl FnMut(*mut c_char, usize, *mut usize) -> missive_result) -> String {
    let mut n = 0usize;
    assert_eq!(f(ptr::null_mut(), 0, &mut n), missive_result::Ok);
    let mut buf = vec![0u8; n];
    assert_eq!(f(buf.as_mut_ptr().cast(), n, &mut n), missive_result::Ok);
    CStr::from_bytes_with_nul(&buf)
        .unwrap()
        .to_str()
        .unwrap()
        .to_string()
}

fn client_error(c: *mut missive_client) -> String {
    text(|b, l, o| unsafe { missive_client_error(c, b, l, o) })
}

fn message_error(m: *mut missive_message) -> String {
    text(|b, l, o| unsafe { missive_message_error(m, b, l, o) })
}

type SetStr = unsafe extern "C" fn(*mut missive_client, *const c_char, usize) -> missive_result;
type SetMsgStr = unsafe extern "C" fn(*mut missive_message, *const c_char, usize) -> missive_result;

fn cset(c: *mut missive_client, f: SetStr, v: &str) {
    assert_eq!(
        unsafe { f(c, v.as_ptr().cast(), v.len()) },
        missive_result::Ok
    );
}

fn mset(m: *mut missive_message, f: SetMsgStr, v: &str) {
    assert_eq!(
        unsafe { f(m, v.as_ptr().cast(), v.len()) },
        missive_result::Ok
    );
}

/// A client for 127.0.0.1:`port` with short timeouts.
fn client(port: u16, security: missive_security) -> *mut missive_client {
    let c = missive_client_new();
    cset(c, missive_client_set_host, "127.0.0.1");
    unsafe {
        assert_eq!(missive_client_set_port(c, port), missive_result::Ok);
        assert_eq!(
            missive_client_set_security(c, security as i32),
            missive_result::Ok
        );
        assert_eq!(
            missive_client_set_timeouts(c, 1500, 1500),
            missive_result::Ok
        );
    }
    c
}

fn message(to: &str) -> *mut missive_message {
    let m = missive_message_new();
    mset(m, missive_message_set_from, "Sender <sender@example.com>");
    mset(m, missive_message_set_subject, "error texts");
    mset(m, missive_message_set_body, "Hello.\n");
    if !to.is_empty() {
        let r = unsafe {
            missive_message_add_recipients(
                m,
                missive_recipient_kind::To as i32,
                to.as_ptr().cast(),
                to.len(),
            )
        };
        assert_eq!(r, missive_result::Ok);
    }
    m
}

/// Sends and returns the code and the client's text with `port` replaced by `PORT`.
fn send(c: *mut missive_client, m: *mut missive_message, port: u16) -> (missive_result, String) {
    let r = unsafe { missive_client_send(c, m, ptr::null_mut()) };
    let t = client_error(c).replace(&port.to_string(), "PORT");
    unsafe {
        missive_message_free(m);
        missive_client_free(c);
    }
    (r, t)
}

/// What every text must be: one sentence, no Rust names, no OS error numbers.
fn check_shape(t: &str) {
    for bad in [
        "::",
        "(os error",
        "Some(",
        "None",
        "Kind(",
        "InvalidContentType",
    ] {
        assert!(!t.contains(bad), "{bad:?} in {t:?}");
    }
    assert!(!t.is_empty());
}

fn mistake(name: &str, (code, t): (missive_result, String)) -> (missive_result, String) {
    eprintln!("{name}: {code:?}: {t}");
    check_shape(&t);
    (code, t)
}

/// A port on loopback where nothing listens.
fn closed_port() -> u16 {
    support::free_port()
}

#[test]
fn wrong_port_nothing_listening() {
    let port = closed_port();
    let (code, t) = mistake(
        "wrong port",
        send(
            client(port, missive_security::None),
            message("to@example.org"),
            port,
        ),
    );
    assert_eq!(code, missive_result::ConnectFailed);
    assert_eq!(
        t,
        "could not connect to 127.0.0.1 port PORT: the connection was refused (nothing listens \
         on that port; SMTP submission is port 587 with STARTTLS or 465 with implicit TLS)"
    );
}

/// A listener on loopback whose accept queue is full: a further connection is never answered,
/// as with a host that is down or a firewall that drops packets.
struct Silent {
    _listener: TcpListener,
    _fillers: Vec<std::net::TcpStream>,
    port: u16,
}

fn silent_port() -> Silent {
    use std::os::fd::FromRawFd;
    // listen(fd, 0): the kernel queues one connection and drops further SYNs.
    let fd = unsafe { libc::socket(libc::AF_INET, libc::SOCK_STREAM | libc::SOCK_CLOEXEC, 0) };
    assert!(fd >= 0);
    let listener = unsafe { TcpListener::from_raw_fd(fd) };
    let mut addr: libc::sockaddr_in = unsafe { std::mem::zeroed() };
    addr.sin_family = libc::AF_INET as libc::sa_family_t;
    addr.sin_addr.s_addr = u32::from_ne_bytes([127, 0, 0, 1]);
    let len = std::mem::size_of::<libc::sockaddr_in>() as libc::socklen_t;
    assert_eq!(
        unsafe { libc::bind(fd, (&raw const addr).cast(), len) },
        0,
        "bind"
    );
    assert_eq!(unsafe { libc::listen(fd, 0) }, 0, "listen");
    let port = listener.local_addr().unwrap().port();
    let mut fillers = Vec::new();
    for _ in 0..4 {
        let a = std::net::SocketAddr::from(([127, 0, 0, 1], port));
        match std::net::TcpStream::connect_timeout(&a, std::time::Duration::from_millis(300)) {
            Ok(s) => fillers.push(s),
            Err(_) => break,
        }
    }
    Silent {
        _listener: listener,
        _fillers: fillers,
        port,
    }
}

#[test]
fn unreachable_host_never_answers() {
    let silent = silent_port();
    let port = silent.port;
    let (code, t) = mistake(
        "unreachable host",
        send(
            client(port, missive_security::None),
            message("to@example.org"),
            port,
        ),
    );
    assert_eq!(code, missive_result::ConnectFailed);
    assert_eq!(
        t,
        "could not connect to 127.0.0.1 port PORT: no answer within 1.5 s \
         (the host is down, or a firewall drops the connection)"
    );
}

#[test]
fn implicit_tls_on_a_starttls_port() {
    let certs = Certs::generate();
    let cert = certs.path("server.pem");
    let key = certs.path("server.key");
    let server = AioServer::start(&["--starttls", cert.to_str().unwrap(), key.to_str().unwrap()]);
    let c = client(server.port, missive_security::SslImplicit);
    cset(
        c,
        missive_client_set_ca_file,
        certs.path("ca.pem").to_str().unwrap(),
    );
    let (code, t) = mistake(
        "implicit TLS on a STARTTLS port",
        send(c, message("to@example.org"), server.port),
    );
    assert_eq!(code, missive_result::TlsFailed);
    assert_eq!(
        t,
        "the TLS handshake failed because the server answered in plain text: port PORT expects \
         STARTTLS or no TLS, not implicit TLS (implicit TLS is usually port 465, STARTTLS 587)"
    );
}

#[test]
fn starttls_on_an_implicit_tls_port() {
    let certs = Certs::generate();
    let cert = certs.path("server.pem");
    let key = certs.path("server.key");
    let server = AioServer::start(&[
        "--implicit-tls",
        cert.to_str().unwrap(),
        key.to_str().unwrap(),
    ]);
    let c = client(server.port, missive_security::SslExplicit);
    cset(
        c,
        missive_client_set_ca_file,
        certs.path("ca.pem").to_str().unwrap(),
    );
    let (code, t) = mistake(
        "STARTTLS on an implicit TLS port",
        send(c, message("to@example.org"), server.port),
    );
    assert_eq!(code, missive_result::Timeout);
    assert_eq!(
        t,
        "the server sent no greeting within 1.5 s: if port PORT expects implicit TLS \
         (usually port 465), choose implicit TLS instead of STARTTLS or no TLS"
    );
}

#[test]
fn certificate_for_another_name() {
    let certs = Certs::generate();
    let cert = certs.path("other.pem");
    let key = certs.path("other.key");
    let server = AioServer::start(&["--starttls", cert.to_str().unwrap(), key.to_str().unwrap()]);
    let c = client(server.port, missive_security::SslExplicit);
    cset(
        c,
        missive_client_set_ca_file,
        certs.path("ca.pem").to_str().unwrap(),
    );
    let (code, t) = mistake(
        "certificate for another name",
        send(c, message("to@example.org"), server.port),
    );
    assert_eq!(code, missive_result::CertificateInvalid);
    assert_eq!(
        t,
        "the server's certificate is for mail.other.test, not 127.0.0.1: \
         connect by a name the certificate lists"
    );
}

#[test]
fn wrong_password() {
    let server = AioServer::start(&["--user", "me@example.com:right"]);
    let c = client(server.port, missive_security::None);
    cset(c, missive_client_set_username, "me@example.com");
    cset(c, missive_client_set_password, "wrong");
    let (code, t) = mistake(
        "wrong password",
        send(c, message("to@example.org"), server.port),
    );
    assert_eq!(code, missive_result::AuthFailed);
    assert_eq!(
        t,
        "the user name or password was refused (AUTH CRAM-MD5): server replied \
         535 5.7.8 Authentication credentials invalid"
    );
}

#[test]
fn bad_address() {
    let m = missive_message_new();
    let bad = "Jane Doe jane.example.com";
    let r = unsafe {
        missive_message_add_recipients(
            m,
            missive_recipient_kind::To as i32,
            bad.as_ptr().cast(),
            bad.len(),
        )
    };
    let t = message_error(m);
    unsafe { missive_message_free(m) };
    let (code, t) = mistake("bad address", (r, t));
    assert_eq!(code, missive_result::InvalidAddress);
    assert_eq!(
        t,
        "\"Jane Doe jane.example.com\" is not an email address: it has no @"
    );
}

#[test]
fn missing_file() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("missing.eml");
    let p = path.to_str().unwrap();
    let m = missive_message_new();
    let r = unsafe { missive_message_load_file(m, p.as_ptr().cast(), p.len()) };
    let t = message_error(m).replace(p, "PATH");
    let (code, t) = mistake("missing file (load)", (r, t));
    assert_eq!(code, missive_result::FileNotFound);
    assert_eq!(t, "cannot open PATH: no such file or directory");

    let r = unsafe {
        missive_message_add_attachment_file(
            m,
            p.as_ptr().cast(),
            p.len(),
            ptr::null(),
            0,
            ptr::null(),
            0,
        )
    };
    let t = message_error(m).replace(p, "PATH");
    unsafe { missive_message_free(m) };
    let (code, t) = mistake("missing file (attachment)", (r, t));
    assert_eq!(code, missive_result::FileNotFound);
    assert_eq!(t, "cannot read attachment PATH: no such file or directory");
}

#[test]
fn refused_recipient() {
    let server = AioServer::start(&[]);
    let c = client(server.port, missive_security::None);
    let (code, t) = mistake(
        "refused recipient",
        send(c, message("reject-me@example.org"), server.port),
    );
    assert_eq!(code, missive_result::AllRecipientsRejected);
    assert_eq!(
        t,
        "the server refused every recipient: \
         550 5.1.1 <reject-me@example.org>: Recipient address rejected"
    );
    let c = client(server.port, missive_security::None);
    let (code, t) = mistake(
        "one refused recipient of two",
        send(
            c,
            message("ok@example.org, reject-me@example.org"),
            server.port,
        ),
    );
    assert_eq!(code, missive_result::SomeRecipientsRejected);
    assert_eq!(
        t,
        "delivered to 1 of 2 recipients; the server refused \
         550 5.1.1 <reject-me@example.org>: Recipient address rejected"
    );
}

#[test]
fn message_too_large() {
    let server = AioServer::start(&["--size", "1000"]);
    let c = client(server.port, missive_security::None);
    let m = message("to@example.org");
    mset(m, missive_message_set_body, &"x".repeat(2000));
    let (code, t) = mistake("message too large", send(c, m, server.port));
    assert_eq!(code, missive_result::MessageTooLarge);
    // The sizes: "N" for each number.
    let mut shown = String::new();
    for ch in t.chars() {
        if !ch.is_ascii_digit() {
            shown.push(ch);
        } else if !shown.ends_with('N') {
            shown.push('N');
        }
    }
    let t = shown;
    assert_eq!(
        t,
        "the message is N bytes, larger than the server's limit of N bytes"
    );
}

#[test]
fn no_recipients() {
    let server = AioServer::start(&[]);
    let c = client(server.port, missive_security::None);
    let (code, t) = mistake("no recipients", send(c, message(""), server.port));
    assert_eq!(code, missive_result::NoRecipients);
    assert_eq!(
        t,
        "the message has no recipients: add a To, Cc or Bcc address"
    );
}

/// A collection that cannot be sent at all says why once, not once per message.
#[test]
fn collection_to_a_closed_port_says_why_once() {
    let port = closed_port();
    let c = client(port, missive_security::None);
    let coll = missive_message_collection_new();
    for _ in 0..3 {
        let m = message("to@example.org");
        assert_eq!(
            unsafe { missive_message_collection_add(coll, m) },
            missive_result::Ok
        );
        unsafe { missive_message_free(m) };
    }
    let mut bulk: *mut missive_bulk_result = ptr::null_mut();
    let r = unsafe { missive_client_send_collection(c, coll, &mut bulk) };
    let t = client_error(c).replace(&port.to_string(), "PORT");
    unsafe {
        missive_bulk_result_free(bulk);
        missive_message_collection_free(coll);
        missive_client_free(c);
    }
    let (code, t) = mistake("collection, nothing listening", (r, t));
    assert_eq!(code, missive_result::ConnectFailed);
    assert_eq!(
        t,
        "none of the 3 messages was delivered: could not connect to 127.0.0.1 port PORT: the \
         connection was refused (nothing listens on that port; SMTP submission is port 587 with \
         STARTTLS or 465 with implicit TLS)"
    );
}
