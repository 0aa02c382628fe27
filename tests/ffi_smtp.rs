//! The C API's SMTP functions, called as C calls them, against a real server (Python aiosmtpd
//! on 127.0.0.1): send with a result object, refused recipients, send_raw, noop, capabilities,
//! validate_credentials, set_url, and the protocol-log callback with its userdata_free.

#[path = "support/smtp/mod.rs"]
mod support;

use std::ffi::{CStr, c_char, c_void};
use std::ptr;
use std::sync::Mutex;

use missive::ffi::client::*;
use missive::ffi::message::*;
use missive::ffi::missive_result;
use missive::ffi::send_result::*;
use support::AioServer;

/// Calls a size-then-fill text getter and returns the text.
fn text(mut f: impl FnMut(*mut c_char, usize, *mut usize) -> missive_result) -> Option<String> {
    let mut n = 0usize;
    if f(ptr::null_mut(), 0, &mut n) != missive_result::Ok {
        return None;
    }
    let mut buf = vec![0u8; n];
    assert_eq!(f(buf.as_mut_ptr().cast(), n, &mut n), missive_result::Ok);
    Some(
        CStr::from_bytes_with_nul(&buf)
            .unwrap()
            .to_str()
            .unwrap()
            .to_string(),
    )
}

fn client_error(c: *mut missive_client) -> String {
    text(|b, l, o| unsafe { missive_client_error(c, b, l, o) }).unwrap()
}

struct Fixture {
    server: AioServer,
    client: *mut missive_client,
    message: *mut missive_message,
}

impl Fixture {
    fn new(args: &[&str]) -> Fixture {
        let server = AioServer::start(args);
        let client = missive_client_new();
        let url = format!("smtp+plain://127.0.0.1:{}", server.port);
        unsafe {
            assert_eq!(
                missive_client_set_url(client, url.as_ptr().cast(), url.len()),
                missive_result::Ok
            );
            assert_eq!(
                missive_client_set_timeouts(client, 3000, 5000),
                missive_result::Ok
            );
        }
        let message = missive_message_new();
        let set = |f: unsafe extern "C" fn(
            *mut missive_message,
            *const c_char,
            usize,
        ) -> missive_result,
                   v: &str| unsafe {
            assert_eq!(f(message, v.as_ptr().cast(), v.len()), missive_result::Ok);
        };
        set(missive_message_set_from, "Sender <sender@example.com>");
        set(missive_message_set_subject, "over the C API");
        set(missive_message_set_body, "Hello from C.\n");
        Fixture {
            server,
            client,
            message,
        }
    }

    fn add(&self, kind: missive_recipient_kind, list: &str) {
        unsafe {
            assert_eq!(
                missive_message_add_recipients(
                    self.message,
                    kind as i32,
                    list.as_ptr().cast(),
                    list.len()
                ),
                missive_result::Ok
            );
        }
    }
}

impl Drop for Fixture {
    fn drop(&mut self) {
        unsafe {
            missive_message_free(self.message);
            missive_client_free(self.client);
        }
    }
}

#[test]
fn send_gives_a_result_with_reply_and_recipients() {
    let f = Fixture::new(&[]);
    f.add(missive_recipient_kind::To, "to@example.org");
    f.add(missive_recipient_kind::Bcc, "hidden@example.net");
    let mut result: *mut missive_send_result = ptr::null_mut();
    let r = unsafe { missive_client_send(f.client, f.message, &mut result) };
    assert_eq!(r, missive_result::Ok, "{}", client_error(f.client));
    assert!(!result.is_null());
    unsafe {
        assert!(missive_send_result_delivered(result));
        assert_eq!(missive_send_result_reply_code(result), 250);
        assert_eq!(missive_send_result_accepted_count(result), 2);
        assert_eq!(missive_send_result_rejected_count(result), 0);
        let enhanced =
            text(|b, l, o| missive_send_result_text(result, 1, b, l, o)).expect("enhanced code");
        assert_eq!(enhanced, "2.0.0");
        // The test server's final reply is "250 2.0.0 Ok: queued as Q<n>".
        let queue_id = text(|b, l, o| missive_send_result_text(result, 2, b, l, o));
        assert_eq!(queue_id.as_deref(), Some("Q1"));
        let second = text(|b, l, o| missive_send_result_accepted(result, 1, b, l, o)).unwrap();
        assert_eq!(second, "hidden@example.net");
        missive_send_result_free(result);
    }
    let got = f.server.messages();
    assert_eq!(got[0].rcpts, ["to@example.org", "hidden@example.net"]);
    // What was sent is what the message saves as, and carries no Bcc header.
    let saved = unsafe {
        let mut n = 0usize;
        assert_eq!(
            missive_message_save_buffer(f.message, ptr::null_mut(), 0, &mut n),
            missive_result::Ok
        );
        let mut buf = vec![0u8; n];
        assert_eq!(
            missive_message_save_buffer(f.message, buf.as_mut_ptr(), n, &mut n),
            missive_result::Ok
        );
        String::from_utf8(buf).unwrap()
    };
    assert_eq!(got[0].content, saved.as_bytes());
    assert!(!saved.to_ascii_lowercase().contains("bcc:"));
}

#[test]
fn refused_recipients_are_reported_one_by_one() {
    let f = Fixture::new(&[]);
    f.add(
        missive_recipient_kind::To,
        "ok@example.org, reject-me@example.org",
    );
    let mut result: *mut missive_send_result = ptr::null_mut();
    let r = unsafe { missive_client_send(f.client, f.message, &mut result) };
    assert_eq!(r, missive_result::SomeRecipientsRejected);
    assert!(client_error(f.client).contains("reject-me@example.org"));
    unsafe {
        assert!(missive_send_result_delivered(result));
        assert_eq!(missive_send_result_rejected_count(result), 1);
        let mut code = 0u16;
        let addr = text(|b, l, o| missive_send_result_rejected(result, 0, b, l, o, &mut code));
        assert_eq!(addr.as_deref(), Some("reject-me@example.org"));
        assert_eq!(code, 550);
        let reply = text(|b, l, o| missive_send_result_rejected_reply(result, 0, b, l, o)).unwrap();
        assert!(reply.starts_with("550 5.1.1"), "{reply}");
        missive_send_result_free(result);
    }
    assert_eq!(f.server.messages()[0].rcpts, ["ok@example.org"]);

    // With require_all_recipients nothing is sent.
    unsafe {
        assert_eq!(
            missive_client_set_require_all_recipients(f.client, true),
            missive_result::Ok
        );
        let mut result: *mut missive_send_result = ptr::null_mut();
        let r = missive_client_send(f.client, f.message, &mut result);
        assert_eq!(r, missive_result::SomeRecipientsRejected);
        assert!(!missive_send_result_delivered(result));
        missive_send_result_free(result);
    }
    assert_eq!(f.server.messages().len(), 1, "nothing more was delivered");

    // Every recipient refused.
    let f2 = Fixture::new(&[]);
    f2.add(missive_recipient_kind::To, "reject-a@example.org");
    let r = unsafe { missive_client_send(f2.client, f2.message, ptr::null_mut()) };
    assert_eq!(r, missive_result::AllRecipientsRejected);
}

#[test]
fn send_raw_noop_and_capabilities() {
    let f = Fixture::new(&[]);
    let from = "raw@example.com";
    let rcpts = "a@example.org, B <b@example.org>";
    let data = b"Subject: raw\nX-Test: 1\n\n.starts with a dot\nend\n";
    let mut result: *mut missive_send_result = ptr::null_mut();
    let r = unsafe {
        missive_client_send_raw(
            f.client,
            from.as_ptr().cast(),
            from.len(),
            rcpts.as_ptr().cast(),
            rcpts.len(),
            data.as_ptr(),
            data.len(),
            &mut result,
        )
    };
    assert_eq!(r, missive_result::Ok, "{}", client_error(f.client));
    unsafe { missive_send_result_free(result) };
    let got = f.server.messages();
    assert_eq!(got[0].mail_from, "raw@example.com");
    assert_eq!(got[0].rcpts, ["a@example.org", "b@example.org"]);
    // Line endings normalised to CRLF, the dot-stuffing undone by the server.
    assert_eq!(
        got[0].content,
        b"Subject: raw\r\nX-Test: 1\r\n\r\n.starts with a dot\r\nend\r\n"
    );

    assert_eq!(unsafe { missive_client_noop(f.client) }, missive_result::Ok);
    let caps = text(|b, l, o| unsafe { missive_client_capabilities(f.client, b, l, o) }).unwrap();
    assert!(caps.lines().any(|l| l == "8BITMIME"), "{caps}");
    assert!(caps.lines().any(|l| l.starts_with("SIZE")), "{caps}");

    // Bad envelope input.
    let bad = "not an address";
    let r = unsafe {
        missive_client_send_raw(
            f.client,
            bad.as_ptr().cast(),
            bad.len(),
            rcpts.as_ptr().cast(),
            rcpts.len(),
            data.as_ptr(),
            data.len(),
            ptr::null_mut(),
        )
    };
    assert_eq!(r, missive_result::InvalidAddress);
    let r = unsafe {
        missive_client_send_raw(
            f.client,
            from.as_ptr().cast(),
            from.len(),
            ptr::null(),
            0,
            data.as_ptr(),
            data.len(),
            ptr::null_mut(),
        )
    };
    assert_eq!(r, missive_result::NoRecipients);
}

#[test]
fn credentials_are_validated() {
    let f = Fixture::new(&["--user", "alice:wonderland"]);
    let set = |url: &str| unsafe {
        assert_eq!(
            missive_client_set_url(f.client, url.as_ptr().cast(), url.len()),
            missive_result::Ok
        );
    };
    set(&format!(
        "smtp+plain://alice:wonderland@127.0.0.1:{}",
        f.server.port
    ));
    assert_eq!(
        unsafe { missive_client_validate_credentials(f.client) },
        missive_result::Ok,
        "{}",
        client_error(f.client)
    );
    set(&format!(
        "smtp+plain://alice:wrong@127.0.0.1:{}",
        f.server.port
    ));
    assert_eq!(
        unsafe { missive_client_validate_credentials(f.client) },
        missive_result::AuthFailed
    );
    // AUTO refuses to send credentials over a connection without STARTTLS.
    set(&format!(
        "smtp://alice:wonderland@127.0.0.1:{}",
        f.server.port
    ));
    assert_eq!(
        unsafe { missive_client_validate_credentials(f.client) },
        missive_result::CredentialsRequireTls
    );
    // A malformed URL names the problem.
    let bad = "ftp://host";
    assert_eq!(
        unsafe { missive_client_set_url(f.client, bad.as_ptr().cast(), bad.len()) },
        missive_result::InvalidArgument
    );
    assert!(client_error(f.client).contains("scheme \"ftp\""));
    // Text before "://" that is not a scheme may hold a password: it is never echoed.
    let bad = "me:hunter2@mail.example.org://x";
    assert_eq!(
        unsafe { missive_client_set_url(f.client, bad.as_ptr().cast(), bad.len()) },
        missive_result::InvalidArgument
    );
    let text = client_error(f.client);
    assert!(text.contains("unknown scheme"), "{text}");
    assert!(!text.contains("hunter2"), "{text}");
}

static LOG: Mutex<Vec<(i32, String)>> = Mutex::new(Vec::new());
static FREED: Mutex<Vec<usize>> = Mutex::new(Vec::new());

unsafe extern "C" fn log_cb(
    userdata: *mut c_void,
    direction: i32,
    line: *const c_char,
    len: usize,
) {
    let bytes = unsafe { std::slice::from_raw_parts(line.cast::<u8>(), len) };
    assert_eq!(userdata as usize, 0x5eed);
    LOG.lock()
        .unwrap()
        .push((direction, String::from_utf8_lossy(bytes).into_owned()));
}

unsafe extern "C" fn free_cb(userdata: *mut c_void) {
    FREED.lock().unwrap().push(userdata as usize);
}

#[test]
fn protocol_log_callback_redacts_and_frees_userdata() {
    let f = Fixture::new(&["--user", "bob:s3cret-pw"]);
    let url = format!("smtp+plain://bob:s3cret-pw@127.0.0.1:{}", f.server.port);
    unsafe {
        assert_eq!(
            missive_client_set_url(f.client, url.as_ptr().cast(), url.len()),
            missive_result::Ok
        );
        assert_eq!(
            missive_client_set_protocol_log(
                f.client,
                Some(log_cb),
                0x5eed as *mut c_void,
                Some(free_cb)
            ),
            missive_result::Ok
        );
    }
    f.add(missive_recipient_kind::To, "to@example.org");
    let r = unsafe { missive_client_send(f.client, f.message, ptr::null_mut()) };
    assert_eq!(r, missive_result::Ok, "{}", client_error(f.client));
    let log = LOG.lock().unwrap().clone();
    assert!(
        log.iter().any(|(d, l)| *d == 0 && l.starts_with("EHLO")),
        "{log:?}"
    );
    assert!(
        log.iter().any(|(d, l)| *d == 1 && l.starts_with("250")),
        "{log:?}"
    );
    assert!(
        log.iter().any(|(d, l)| *d == 0 && l.starts_with("AUTH")),
        "{log:?}"
    );
    use base64::Engine as _;
    let b64 = base64::engine::general_purpose::STANDARD.encode("\0bob\0s3cret-pw");
    for (_, l) in &log {
        assert!(
            !l.contains("s3cret-pw") && !l.contains(&b64),
            "secret in log: {l}"
        );
    }
    assert!(FREED.lock().unwrap().is_empty(), "freed too early");
    // Replacing the callback frees the old userdata once its connections are closed.
    unsafe {
        assert_eq!(
            missive_client_set_protocol_log(f.client, None, ptr::null_mut(), None),
            missive_result::Ok
        );
    }
    assert_eq!(*FREED.lock().unwrap(), [0x5eed]);
}
