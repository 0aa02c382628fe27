//! Fuzzes `missive::smtp::parse_reply`, the SMTP reply parser.
//!
//! The parser's contract (src/smtp/reply.rs): a pure function that never panics; it returns
//! `(reply, used)` for one complete reply at the start of the input, or `Incomplete` when more
//! bytes are needed, or a definite error. The reply code is three digits with the first in
//! 1..=5, so 100..=599 (1xx is accepted by the parser even though SMTP servers never send it).
//!
//! Invariants checked here:
//! - `0 < used <= input.len()`, `input[used - 1] == b'\n'`;
//! - the number of lines equals the number of LFs in `input[..used]`, 1..=MAX_REPLY_LINES,
//!   each line (with its ending) at most MAX_REPLY_LINE bytes;
//! - every consumed line starts with the reply's code; the last one is `NNN`, `NNN ...`, the
//!   others `NNN-...`;
//! - `enhanced`, when present, has a class equal to `code / 100` and is 2, 4 or 5;
//! - `text()`, `queue_id()`, `Display` and the predicates do not panic, and exactly one of
//!   the class predicates (or none, for 1xx) holds;
//! - incremental use, as `SmtpConnection::read_reply` does it (append the bytes read, parse
//!   the whole buffer again): every strict prefix of a complete reply is `Incomplete`; once the
//!   reply is complete, the result is the same whatever follows; a definite error stays the
//!   same error when more bytes arrive;
//! - a sequence of replies can be consumed one after the other, the buffer being drained by
//!   `used` each time, with the same results as parsing each remaining suffix.
#![no_main]

use libfuzzer_sys::fuzz_target;
use missive::smtp::{MAX_REPLY_LINE, MAX_REPLY_LINES, ParseError, Reply, parse_reply};

fn check_reply(input: &[u8], reply: &Reply, used: usize) {
    assert!(used > 0, "a reply consumed no bytes");
    assert!(used <= input.len(), "consumed {used} of {} bytes", input.len());
    assert_eq!(input[used - 1], b'\n', "a reply must end with a line ending");
    assert!(
        (100..=599).contains(&reply.code),
        "code {} outside 100..=599",
        reply.code
    );
    let consumed = &input[..used];
    let n_lf = consumed.iter().filter(|&&b| b == b'\n').count();
    assert_eq!(reply.lines.len(), n_lf, "one line per LF consumed");
    assert!(!reply.lines.is_empty() && reply.lines.len() <= MAX_REPLY_LINES);
    let code_digits = reply.code.to_string();
    let raw_lines: Vec<&[u8]> = consumed[..used - 1].split(|&b| b == b'\n').collect();
    assert_eq!(raw_lines.len(), reply.lines.len());
    for (i, raw) in raw_lines.iter().enumerate() {
        assert!(raw.len() < MAX_REPLY_LINE, "line {i} too long: {}", raw.len());
        assert!(raw.starts_with(code_digits.as_bytes()), "line {i} has another code");
        let last = i + 1 == raw_lines.len();
        let sep = raw.get(3).copied();
        let sep_ok = if last {
            matches!(sep, None | Some(b' ') | Some(b'\r'))
        } else {
            sep == Some(b'-')
        };
        assert!(sep_ok, "line {i}: separator {sep:?}, last={last}");
    }
    if let Some((class, _subject, _detail)) = reply.enhanced {
        assert!(matches!(class, 2 | 4 | 5), "enhanced class {class}");
        assert_eq!(u16::from(class), reply.code / 100);
    }
    let classes = [
        reply.is_positive(),
        reply.is_intermediate(),
        reply.is_transient(),
        reply.is_permanent(),
    ];
    let n_classes = classes.iter().filter(|&&c| c).count();
    assert_eq!(n_classes, usize::from(reply.code >= 200), "code {}", reply.code);
    let text = reply.text();
    assert_eq!(text.matches('\n').count() + 1, reply.lines.len());
    if let Some(id) = reply.queue_id() {
        assert!(!id.is_empty() && id.len() <= 128);
        assert!(!id.contains(char::is_whitespace), "queue id {id:?}");
    }
    let shown = reply.to_string();
    assert!(shown.starts_with(&code_digits));
    // Rebuilding the reply from its parts gives the same reply.
    assert_eq!(&Reply::new(reply.code, reply.lines.clone()), reply);
}

fn same_result(
    a: &Result<(Reply, usize), ParseError>,
    b: &Result<(Reply, usize), ParseError>,
) -> bool {
    match (a, b) {
        (Ok(x), Ok(y)) => x == y,
        // The message of a Malformed error may quote a different window of the input; the
        // kind of error is what must not change.
        (Err(ParseError::Malformed(_)), Err(ParseError::Malformed(_))) => true,
        (Err(x), Err(y)) => x == y,
        _ => false,
    }
}

fuzz_target!(|data: &[u8]| {
    // The first byte (when present) chooses the chunk size of the incremental feed; the rest
    // is the stream from the server.
    let (chunk, input) = match data.split_first() {
        Some((&c, rest)) => (usize::from(c % 64) + 1, rest),
        None => (1, data),
    };

    let whole = parse_reply(input);
    match &whole {
        Ok((reply, used)) => check_reply(input, reply, *used),
        Err(ParseError::Incomplete) => {
            // Nothing definite yet: no complete bad line, and no line too long so far.
            assert!(input.len() < MAX_REPLY_LINE || input.contains(&b'\n'));
        }
        Err(_) => {}
    }

    // Incremental feed, as read_reply does: append `chunk` bytes, parse the whole buffer.
    let mut end = 0usize;
    let mut buf: Vec<u8> = Vec::new();
    loop {
        let next_end = (end + chunk).min(input.len());
        buf.extend_from_slice(&input[end..next_end]);
        end = next_end;
        let partial = parse_reply(&buf);
        match (&partial, &whole) {
            (Err(ParseError::Incomplete), Ok((_, used))) => {
                assert!(end < *used, "Incomplete although the reply was in the buffer");
            }
            (Err(ParseError::Incomplete), Err(_)) => {}
            (Ok((_, used)), _) => {
                assert!(*used <= end);
                assert!(
                    same_result(&partial, &whole),
                    "reply found in a prefix differs from the reply in the whole input"
                );
                break;
            }
            (Err(e), _) => {
                assert!(
                    same_result(&partial, &whole),
                    "error {e:?} on a prefix but {whole:?} on the whole input"
                );
                break;
            }
        }
        if end == input.len() {
            break;
        }
    }

    // A pipelined stream of replies: drain `used` bytes after each one.
    let mut rest = input;
    let mut count = 0usize;
    while let Ok((reply, used)) = parse_reply(rest) {
        check_reply(rest, &reply, used);
        rest = &rest[used..];
        count += 1;
        if count > 10_000 {
            break;
        }
    }
});
