//! The message handle through the C API: what a refused change does to what was saved, and
//! the envelope a loaded pickup file gives a message.

use std::ffi::c_char;
use std::ptr;

use missive::ffi::message::*;
use missive::ffi::missive_result;
use missive::ffi::pickup::*;

fn saved(m: *mut missive_message) -> Vec<u8> {
    let mut n = 0usize;
    unsafe {
        assert_eq!(
            missive_message_save_buffer(m, ptr::null_mut(), 0, &mut n),
            missive_result::Ok
        );
        let mut buf = vec![0u8; n];
        assert_eq!(
            missive_message_save_buffer(m, buf.as_mut_ptr(), n, &mut n),
            missive_result::Ok
        );
        buf
    }
}

/// A refused change leaves the message exactly as it was saved: same bytes, same generated
/// Message-ID; an accepted change makes new bytes.
#[test]
fn refused_changes_keep_the_saved_message() {
    let m = missive_message_new();
    let set =
        |f: unsafe extern "C" fn(*mut missive_message, *const c_char, usize) -> missive_result,
         v: &str| unsafe { f(m, v.as_ptr().cast(), v.len()) };
    assert_eq!(
        set(missive_message_set_from, "a@example.com"),
        missive_result::Ok
    );
    assert_eq!(set(missive_message_set_subject, "kept"), missive_result::Ok);
    let before = saved(m);
    unsafe {
        let (n, v) = ("Content-Type", "text/evil");
        assert_eq!(
            missive_message_add_header(m, n.as_ptr().cast(), n.len(), v.as_ptr().cast(), v.len()),
            missive_result::InvalidHeader
        );
        assert_eq!(
            missive_message_set_date(m, 0, 100_000),
            missive_result::InvalidArgument
        );
        let id = "no-at-sign";
        assert_eq!(
            missive_message_set_message_id(m, id.as_ptr().cast(), id.len()),
            missive_result::InvalidHeader
        );
    }
    assert_eq!(
        set(missive_message_set_subject, "bad\r\nBcc: x@y.z"),
        missive_result::InvalidHeader
    );
    assert_eq!(
        saved(m),
        before,
        "a refused change altered the saved message"
    );
    assert_eq!(
        set(missive_message_set_subject, "changed"),
        missive_result::Ok
    );
    let after = saved(m);
    assert_ne!(after, before);
    assert!(String::from_utf8_lossy(&after).contains("Subject: changed"));
    unsafe { missive_message_free(m) };
}

fn text(
    m: *const missive_message,
    f: impl Fn(*const missive_message, *mut c_char, usize, *mut usize) -> missive_result,
) -> Result<String, missive_result> {
    let mut n = 0usize;
    let r = f(m, ptr::null_mut(), 0, &mut n);
    if r != missive_result::Ok {
        return Err(r);
    }
    let mut buf = vec![0u8; n];
    let r = f(m, buf.as_mut_ptr().cast(), n, &mut n);
    if r != missive_result::Ok {
        return Err(r);
    }
    buf.pop(); // the NUL
    Ok(String::from_utf8(buf).unwrap())
}

fn envelope_of(m: *const missive_message) -> Option<(String, Vec<String>)> {
    let sender = text(m, |m, b, l, n| unsafe {
        missive_message_envelope_sender(m, b, l, n)
    })
    .ok()?;
    let count = unsafe { missive_message_envelope_recipient_count(m) };
    let rcpts = (0..count)
        .map(|i| {
            text(m, |m, b, l, n| unsafe {
                missive_message_envelope_recipient(m, i, b, l, n)
            })
            .unwrap()
        })
        .collect();
    Some((sender, rcpts))
}

/// The (X-Sender, X-Receivers) of the one pickup file in `dir`, and its message part; the
/// file is removed.
fn take_pickup_file(dir: &std::path::Path) -> (String, Vec<String>, String) {
    let files: Vec<_> = std::fs::read_dir(dir).unwrap().flatten().collect();
    assert_eq!(files.len(), 1, "{files:?}");
    let t = std::fs::read_to_string(files[0].path()).unwrap();
    std::fs::remove_file(files[0].path()).unwrap();
    let mut lines = t.split_inclusive("\r\n");
    let mut sender = String::new();
    let mut rcpts = Vec::new();
    let mut used = 0;
    for l in lines.by_ref() {
        if let Some(v) = l.strip_prefix("X-Sender: ") {
            assert!(sender.is_empty(), "two X-Sender lines:\n{t}");
            sender = v.trim_end().to_string();
        } else if let Some(v) = l.strip_prefix("X-Receiver: ") {
            rcpts.push(v.trim_end().to_string());
        } else {
            break;
        }
        used += l.len();
    }
    (sender, rcpts, t[used..].to_string())
}

/// `missive_message_load_pickup_file` gives the message the file's envelope: readable with the
/// envelope getters, used by `missive_client_send` and the queue (Bcc recipients included,
/// forged lines of the message ignored), kept through changes and clones, removed by
/// `missive_message_clear_envelope` and by loading an .eml.
#[test]
fn a_loaded_pickup_file_keeps_its_envelope() {
    use missive::ffi::client::*;
    use missive::ffi::queue::*;
    let tmp = tempfile::tempdir().unwrap();
    let file = tmp.path().join("in.eml");
    std::fs::write(
        &file,
        "X-Sender: desk@example.com\r\nX-Receiver: bob@example.org\r\n\
         X-Receiver: audit@example.net\r\nX-Sender: spoofed@evil.example\r\n\
         X-Receiver: hidden@evil.example\r\nFrom: Alice <alice@example.com>\r\n\
         To: bob@example.org\r\nSubject: from a pickup file\r\n\r\nbody\r\n",
    )
    .unwrap();
    let out = tmp.path().join("out");
    let out_s = out.to_str().unwrap();
    let m = missive_message_new();
    let c = missive_client_new();
    let path = file.to_str().unwrap();
    unsafe {
        assert_eq!(envelope_of(m), None, "a new message has none");
        assert_eq!(
            missive_message_load_pickup_file(m, path.as_ptr().cast(), path.len()),
            missive_result::Ok
        );
        let want = (
            "desk@example.com".to_string(),
            vec![
                "bob@example.org".to_string(),
                "audit@example.net".to_string(),
            ],
        );
        assert_eq!(envelope_of(m), Some(want.clone()));
        let message = "From: Alice <alice@example.com>\r\nTo: bob@example.org\r\n\
                       Subject: from a pickup file\r\n\r\nbody\r\n";
        assert_eq!(String::from_utf8(saved(m)).unwrap(), message);
        let mut n = 0;
        assert_eq!(
            missive_message_envelope_recipient(m, 2, ptr::null_mut(), 0, &mut n),
            missive_result::IndexOutOfRange
        );

        assert_eq!(missive_client_set_delivery_method(c, 1), missive_result::Ok);
        assert_eq!(
            missive_client_set_pickup_directory(c, out_s.as_ptr().cast(), out_s.len()),
            missive_result::Ok
        );
        assert_eq!(
            missive_client_send(c, m, ptr::null_mut()),
            missive_result::Ok
        );
        let (s, r, body) = take_pickup_file(&out);
        assert_eq!((s, r), want.clone(), "sent with the file's envelope");
        assert_eq!(body, message);

        // Through the queue too.
        let q = tmp.path().join("queue");
        let q_s = q.to_str().unwrap();
        assert_eq!(
            missive_client_set_queue_directory(c, q_s.as_ptr().cast(), q_s.len()),
            missive_result::Ok
        );
        assert_eq!(missive_client_send_to_queue(c, m), missive_result::Ok);
        assert_eq!(
            missive_client_drain_queue(c, 0, 0, ptr::null_mut()),
            missive_result::Ok
        );
        let (s, r, _) = take_pickup_file(&out);
        assert_eq!((s, r), want.clone(), "queued with the file's envelope");

        // A change and a copy keep it.
        let subject = "changed";
        assert_eq!(
            missive_message_set_subject(m, subject.as_ptr().cast(), subject.len()),
            missive_result::Ok
        );
        let copy = missive_message_clone(m);
        assert_eq!(envelope_of(copy), Some(want.clone()));
        assert_eq!(
            missive_client_send(c, copy, ptr::null_mut()),
            missive_result::Ok
        );
        let (s, r, body) = take_pickup_file(&out);
        assert_eq!((s, r), want.clone());
        assert!(body.contains("Subject: changed\r\n"), "{body}");

        // Cleared: the header fields make the envelope.
        assert_eq!(missive_message_clear_envelope(copy), missive_result::Ok);
        assert_eq!(envelope_of(copy), None);
        assert_eq!(missive_message_envelope_recipient_count(copy), 0);
        assert_eq!(
            missive_client_send(c, copy, ptr::null_mut()),
            missive_result::Ok
        );
        let (s, r, _) = take_pickup_file(&out);
        assert_eq!(
            (s.as_str(), r.as_slice()),
            ("alice@example.com", &["bob@example.org".to_string()][..])
        );

        // Loading an .eml replaces the envelope too.
        let eml = tmp.path().join("plain.eml");
        std::fs::write(&eml, message).unwrap();
        let eml_s = eml.to_str().unwrap();
        assert_eq!(
            missive_message_load_file(m, eml_s.as_ptr().cast(), eml_s.len()),
            missive_result::Ok
        );
        assert_eq!(envelope_of(m), None);

        // Not a pickup file: refused, and the message is unchanged.
        assert_eq!(
            missive_message_load_pickup_file(m, eml_s.as_ptr().cast(), eml_s.len()),
            missive_result::MalformedEml
        );
        assert_eq!(String::from_utf8(saved(m)).unwrap(), message);
        missive_message_free(copy);
        missive_client_free(c);
        missive_message_free(m);
    }
}
