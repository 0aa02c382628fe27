//! The message handle through the C API: what a refused change does to what was saved.

use std::ffi::c_char;
use std::ptr;

use missive::ffi::message::*;
use missive::ffi::missive_result;

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
