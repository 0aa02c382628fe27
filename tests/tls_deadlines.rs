//! Deadlines that hold however the bytes arrive: servers on 127.0.0.1 (Python `ssl`,
//! `tests/support/smtp/trickle_server.py`) that trickle a TLS record one byte every 2 s after
//! the handshake (implicit TLS and STARTTLS) or during it, and one that answers every command
//! slowly but within the command timeout. The sends go through the C API with
//! `missive_client_set_timeouts(client, 3000, 3000)` and must end with TIMEOUT within the
//! command timeout plus 1 s (asserted with slack for a loaded machine: under 6 s).

#[path = "support/smtp/mod.rs"]
mod support;

use std::ffi::{CStr, c_char};
use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::ptr;
use std::time::{Duration, Instant};

use missive::ffi::client::*;
use missive::ffi::message::*;
use missive::ffi::missive_result;
use support::{Certs, support_dir};

struct Trickle {
    child: Child,
    port: u16,
    _certs: Certs,
}

impl Trickle {
    fn start(mode: &str) -> Trickle {
        let certs = Certs::generate();
        let mut child = Command::new("python3")
            .arg(support_dir().join("trickle_server.py"))
            .arg(mode)
            .arg(certs.path("server.pem"))
            .arg(certs.path("server.key"))
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .spawn()
            .expect("spawn python3");
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut line)
            .unwrap();
        let port = line
            .trim()
            .strip_prefix("PORT ")
            .and_then(|p| p.parse().ok())
            .unwrap_or_else(|| panic!("trickle server did not start: {line:?}"));
        Trickle {
            child,
            port,
            _certs: certs,
        }
    }
}

impl Drop for Trickle {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn client_error(c: *mut missive_client) -> String {
    let mut n = 0usize;
    unsafe { missive_client_error(c, ptr::null_mut(), 0, &mut n) };
    let mut buf = vec![0u8; n];
    unsafe { missive_client_error(c, buf.as_mut_ptr().cast(), n, &mut n) };
    CStr::from_bytes_with_nul(&buf)
        .unwrap()
        .to_string_lossy()
        .into_owned()
}

/// Sends one message to 127.0.0.1:`port` with `security` and the timeouts 3000/3000 (and
/// `total_ms` when given); returns the result, the time it took and the client's error text.
fn send(
    port: u16,
    security: missive_security,
    total_ms: Option<u64>,
) -> (missive_result, Duration, String) {
    let c = missive_client_new();
    let m = missive_message_new();
    let host = "127.0.0.1";
    let set =
        |f: unsafe extern "C" fn(*mut missive_message, *const c_char, usize) -> missive_result,
         v: &str| unsafe {
            assert_eq!(f(m, v.as_ptr().cast(), v.len()), missive_result::Ok);
        };
    set(missive_message_set_from, "sender@example.com");
    set(missive_message_set_subject, "trickle");
    set(missive_message_set_body, "Hello.\n");
    unsafe {
        let to = "rcpt@example.org";
        assert_eq!(
            missive_message_add_recipients(
                m,
                missive_recipient_kind::To as i32,
                to.as_ptr().cast(),
                to.len()
            ),
            missive_result::Ok
        );
        assert_eq!(
            missive_client_set_host(c, host.as_ptr().cast(), host.len()),
            missive_result::Ok
        );
        assert_eq!(missive_client_set_port(c, port), missive_result::Ok);
        assert_eq!(
            missive_client_set_security(c, security as i32),
            missive_result::Ok
        );
        assert_eq!(
            missive_client_dangerous_accept_invalid_certs(c, true),
            missive_result::Ok
        );
        assert_eq!(
            missive_client_set_timeouts(c, 3000, 3000),
            missive_result::Ok
        );
        if let Some(t) = total_ms {
            assert_eq!(missive_client_set_total_timeout(c, t), missive_result::Ok);
        }
    }
    let started = Instant::now();
    let r = unsafe { missive_client_send(c, m, ptr::null_mut()) };
    let took = started.elapsed();
    let err = client_error(c);
    unsafe {
        missive_message_free(m);
        missive_client_free(c);
    }
    (r, took, err)
}

fn assert_timeout_within(mode: &str, security: missive_security, stage: &str) {
    let srv = Trickle::start(mode);
    let (r, took, err) = send(srv.port, security, None);
    eprintln!("{mode}: {r:?} after {:.2} s: {err}", took.as_secs_f64());
    assert_eq!(r, missive_result::Timeout, "{mode}: {err}");
    assert!(err.contains(stage), "{mode}: {err}");
    assert!(
        took >= Duration::from_millis(2500),
        "{mode}: ended after {took:?}, before the 3 s timeout could fire: {err}"
    );
    assert!(
        took < Duration::from_secs(6),
        "{mode}: the trickle kept the call alive for {took:?}"
    );
}

#[test]
fn record_trickled_after_implicit_tls_handshake_times_out() {
    assert_timeout_within("tls-record", missive_security::SslImplicit, "greeting");
}

#[test]
fn record_trickled_after_starttls_handshake_times_out() {
    assert_timeout_within("starttls-record", missive_security::SslExplicit, "EHLO");
}

#[test]
fn handshake_trickled_times_out() {
    assert_timeout_within("handshake", missive_security::SslImplicit, "TLS handshake");
}

/// Every reply arrives 1 s after its command, well within the 3 s command timeout: only the
/// total limit (2.5 s) ends the call, with TIMEOUT and a message naming that limit.
#[test]
fn total_time_limit_ends_a_call_of_slow_replies() {
    let srv = Trickle::start("slow-replies");
    let (r, took, err) = send(srv.port, missive_security::None, Some(2500));
    eprintln!(
        "slow replies: {r:?} after {:.2} s: {err}",
        took.as_secs_f64()
    );
    assert_eq!(r, missive_result::Timeout, "{err}");
    assert!(err.contains("total time limit"), "{err}");
    assert!(took >= Duration::from_millis(2400), "{took:?}: {err}");
    assert!(took < Duration::from_secs(5), "{took:?}: {err}");
    // Without the limit the same server delivers (greeting, EHLO, MAIL, RCPT, DATA, dot: ~6 s).
    let (r, took, err) = send(srv.port, missive_security::None, Some(0));
    assert_eq!(r, missive_result::Ok, "{err}");
    assert!(took >= Duration::from_secs(5), "{took:?}");
}
