//! Fuzzes the address parsers: `MailAddress::parse` and `parse_address_list`.
//!
//! Invariants checked on every address that parses:
//! - `address()` is `local_part() + "@" + domain()`, contains '@', and neither it nor
//!   `to_string()` nor the display name contains CR, LF, NUL or any control character other
//!   than TAB (the parser rejects those: they are how header injection happens);
//! - the local part is 1..=64 bytes, the address at most 254 bytes, the domain is ASCII
//!   (punycode), `needs_smtputf8()` is "the local part is not ASCII";
//! - the display name, when present, is non-empty and has no surrounding whitespace;
//! - round trips: `parse(to_string())`, `parse(address())` (without the name),
//!   `parse("<" + address() + ">")` and `MailAddress::new(address(), display_name())` give the
//!   same address, and parsing is idempotent;
//! - every error is an `InvalidAddress` error;
//! - for a list: each element satisfies the above, and re-parsing the elements joined by ", "
//!   gives the same list.
#![no_main]

use libfuzzer_sys::fuzz_target;
use missive::message::{MailAddress, MessageErrorKind, parse_address_list};

fn no_controls(what: &str, s: &str) {
    assert!(
        !s.chars().any(|c| c.is_control() && c != '\t'),
        "{what} {s:?} contains a control character"
    );
    assert!(!s.contains(['\r', '\n', '\0']), "{what} {s:?}");
}

fn check(a: &MailAddress, input: &str) {
    let addr = a.address();
    assert!(addr.contains('@'), "{addr:?} from {input:?}");
    assert_eq!(addr, format!("{}@{}", a.local_part(), a.domain()));
    no_controls("address", &addr);
    let shown = a.to_string();
    no_controls("to_string", &shown);
    assert!(!a.local_part().is_empty() && a.local_part().len() <= 64, "{addr:?}");
    assert!(addr.len() <= 254, "{} bytes: {addr:?}", addr.len());
    assert!(!a.domain().is_empty());
    assert!(a.domain().is_ascii(), "domain {:?} is not ASCII", a.domain());
    assert_eq!(a.needs_smtputf8(), !a.local_part().is_ascii());
    if let Some(name) = a.display_name() {
        no_controls("display name", name);
        assert!(!name.is_empty(), "empty display name from {input:?}");
        assert_eq!(name, name.trim(), "untrimmed display name from {input:?}");
    }

    // Round trips.
    let again = MailAddress::parse(&shown)
        .unwrap_or_else(|e| panic!("{shown:?} (from {input:?}) does not re-parse: {e:?}"));
    assert_eq!(&again, a, "parse(to_string()) differs; input {input:?}, shown {shown:?}");
    let bare = MailAddress::parse(&addr)
        .unwrap_or_else(|e| panic!("address {addr:?} (from {input:?}) does not re-parse: {e:?}"));
    assert_eq!(bare.address(), addr);
    assert_eq!(bare.display_name(), None);
    // fuzz/regressions/address/quoted-gt-in-local-part: the angle-bracket form parses too.
    {
        let angled = format!("<{addr}>");
        let angled_parsed = MailAddress::parse(&angled)
            .unwrap_or_else(|e| panic!("{angled:?} (from {input:?}) does not parse: {e:?}"));
        assert_eq!(angled_parsed.address(), addr, "input {input:?}");
    }
    let rebuilt = MailAddress::new(&addr, a.display_name())
        .unwrap_or_else(|e| panic!("MailAddress::new({addr:?}) fails: {e:?}"));
    assert_eq!(&rebuilt, a);
}

fuzz_target!(|data: &[u8]| {
    let Ok(input) = std::str::from_utf8(data) else {
        return;
    };
    match MailAddress::parse(input) {
        Ok(a) => check(&a, input),
        Err(e) => assert_eq!(e.kind(), MessageErrorKind::InvalidAddress, "{e:?}"),
    }
    match parse_address_list(input) {
        Ok(list) => {
            for a in &list {
                check(a, input);
            }
            let joined = list
                .iter()
                .map(|a| a.to_string())
                .collect::<Vec<_>>()
                .join(", ");
            let again = parse_address_list(&joined)
                .unwrap_or_else(|e| panic!("list {joined:?} (from {input:?}) fails: {e:?}"));
            assert_eq!(again, list, "list round trip; input {input:?}, joined {joined:?}");
        }
        Err(e) => assert_eq!(e.kind(), MessageErrorKind::InvalidAddress, "{e:?}"),
    }
});
