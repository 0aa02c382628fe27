//! The loader's and editor's invariants on arbitrary input, shared by the `eml` fuzz target and
//! the replay of its saved regressions (`tests/fuzz_regressions.rs`).
//!
//! On every input that loads:
//! - saved unchanged, the message is the input byte for byte (the tree partitions the bytes);
//! - after a subject change the output reloads and shows that subject;
//! - after adding a To recipient and setting the text body, the output reloads, shows the new
//!   body (line breaks aside) and still has the added recipient.
//!
//! Every error is one of the loader's kinds (MalformedEml, TruncatedEml, TooComplex).

use missive::message::eml::load_bytes;
use missive::message::{MessageErrorKind, MimeOptions, RecipientKind, to_mime};

const BODY: &str = "fuzz body\r\nsecond line\r\n";

/// Panics when an invariant does not hold.
pub fn check(data: &[u8]) {
    let msg = match load_bytes(data.to_vec()) {
        Ok(m) => m,
        Err(e) => {
            assert!(
                matches!(
                    e.kind(),
                    MessageErrorKind::MalformedEml
                        | MessageErrorKind::TruncatedEml
                        | MessageErrorKind::TooComplex
                ),
                "unexpected error kind {:?}: {}",
                e.kind(),
                e.message()
            );
            return;
        }
    };
    let opts = MimeOptions::default();
    assert_eq!(
        to_mime(&msg, &opts),
        data,
        "unchanged save is not byte-exact"
    );

    let mut s = msg.clone();
    s.set_subject("fuzzed subject").unwrap();
    let out = to_mime(&s, &opts);
    let again = load_bytes(out).expect("a subject edit does not reload");
    assert_eq!(again.subject(), "fuzzed subject");

    let mut e = msg.clone();
    e.add_recipients_str(RecipientKind::To, "added@fuzz.example")
        .unwrap();
    e.set_body(BODY);
    let out = to_mime(&e, &opts);
    let again = load_bytes(out).expect("a body edit does not reload");
    let norm = |s: &str| s.replace("\r\n", "\n").trim_end().to_string();
    assert_eq!(
        norm(again.body()),
        norm(BODY),
        "the new body is not the body"
    );
    assert!(
        again
            .recipients(RecipientKind::To)
            .iter()
            .any(|a| a.address() == "added@fuzz.example"),
        "the added recipient is gone"
    );
}
