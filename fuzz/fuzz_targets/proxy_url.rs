//! Fuzzes `missive::smtp::parse_proxy_url`, which reads URLs that carry a password.
//!
//! Invariants:
//! - it never panics, and every error is an `InvalidInput` error;
//! - a parsed proxy has a non-empty host without white space, '/', '@' or control characters,
//!   and a non-zero port;
//! - the password never shows: not in an error text, nor in `Debug` or `Display` of the parsed
//!   proxy (checked when it is at least 8 bytes long and does not also appear in the part of
//!   the URL after its last '@', which error texts may quote, nor in the error text the same
//!   URL gives with another password: fixed wording);
//! - `Display` (`scheme://host:port`, no credentials) parses again to the same kind, host and
//!   port.
#![no_main]

use libfuzzer_sys::fuzz_target;
use missive::smtp::{SmtpErrorKind, parse_proxy_url};

/// Where the raw password of `url` is (between the first ':' of the user-info and its last
/// '@'), when it is long enough to look for and appears nowhere else.
fn password(url: &str) -> Option<std::ops::Range<usize>> {
    let (scheme, rest) = url.split_once("://")?;
    let at = rest.rfind('@')?;
    let (info, after) = (&rest[..at], &rest[at + 1..]);
    let colon = info.find(':')?;
    let pass = &info[colon + 1..];
    let start = scheme.len() + 3 + colon + 1;
    let scheme = scheme.to_ascii_lowercase();
    (pass.len() >= 8 && !after.contains(pass) && !scheme.contains(&pass.to_ascii_lowercase()))
        .then_some(start..start + pass.len())
}

fuzz_target!(|data: &[u8]| {
    let Ok(url) = std::str::from_utf8(data) else {
        return;
    };
    let secret = password(url);
    match parse_proxy_url(url) {
        Err(e) => {
            assert_eq!(e.kind, SmtpErrorKind::InvalidInput, "{url:?}: {e}");
            if let Some(range) = secret
                && e.message.contains(&url[range.clone()])
            {
                // Unless the same text is there whatever the password is (a fixed wording).
                let p = &url[range.clone()];
                let mut other = url.to_string();
                other.replace_range(range, &"Z".repeat(p.len()));
                let e2 = parse_proxy_url(&other).err();
                assert!(
                    e2.is_some_and(|e2| e2.message.contains(p)),
                    "{url:?}: the error shows the password: {e}"
                );
            }
        }
        Ok(p) => {
            assert!(!p.host.is_empty(), "{url:?}");
            assert!(
                !p.host
                    .chars()
                    .any(|c| c.is_whitespace() || c.is_control() || c == '/' || c == '@'),
                "{url:?}: host {:?}",
                p.host
            );
            assert_ne!(p.port, 0, "{url:?}");
            let shown = format!("{p:?} {p}");
            if let Some(pass) = p.password.as_deref().filter(|s| s.len() >= 8)
                && shown.contains(pass)
            {
                // Unless it is there whatever the password is (in the host, user name or port).
                let mut q = p.clone();
                q.password = Some("Z".repeat(pass.len()));
                assert!(
                    format!("{q:?} {q}").contains(pass),
                    "{url:?}: shown {shown}"
                );
            }
            let again = parse_proxy_url(&p.to_string())
                .unwrap_or_else(|e| panic!("{url:?}: Display {p} does not parse again: {e}"));
            assert_eq!(
                (again.kind, &again.host, again.port),
                (p.kind, &p.host, p.port),
                "{url:?}"
            );
        }
    }
});
