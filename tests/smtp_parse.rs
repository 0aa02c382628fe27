//! Pure parts of the SMTP engine: reply parser (including a no-panic fuzz loop), URL parser,
//! queue ids, EHLO capabilities.

use missive::smtp::{
    AuthMechanism, Capabilities, MAX_REPLY_LINE, MAX_REPLY_LINES, ParseError, Reply, Secret,
    Security, SmtpErrorKind, parse_reply, parse_url,
};

#[test]
fn reply_parser_accepts_valid_replies() {
    let (r, n) = parse_reply(b"220 mx.example.org ESMTP Postfix\r\n").unwrap();
    assert_eq!((r.code, n), (220, 34));
    assert_eq!(r.text(), "mx.example.org ESMTP Postfix");
    // Multi-line, bare LF, code alone, trailing bytes left unconsumed.
    let input = b"250-one\n250-2.1.0 two\r\n250\r\n354 next";
    let (r, n) = parse_reply(input).unwrap();
    assert_eq!(r.lines, vec!["one", "2.1.0 two", ""]);
    assert_eq!(&input[n..], b"354 next");
    assert_eq!(
        r.enhanced, None,
        "enhanced code only counts on the first line"
    );
    let (r, _) = parse_reply(b"550 5.1.1 <x@y>: Recipient address rejected\r\n").unwrap();
    assert_eq!(r.enhanced, Some((5, 1, 1)));
    assert!(r.is_permanent() && !r.is_transient());
    assert_eq!(r.text(), "<x@y>: Recipient address rejected");
    // Class mismatch: not an enhanced code.
    let (r, _) = parse_reply(b"250 5.1.1 odd\r\n").unwrap();
    assert_eq!(r.enhanced, None);
    // Invalid UTF-8 is replaced, not rejected.
    let (r, _) = parse_reply(b"250 caf\xe9\r\n").unwrap();
    assert_eq!(r.lines[0], "caf\u{fffd}");
}

#[test]
fn reply_parser_rejects_garbage() {
    assert_eq!(parse_reply(b""), Err(ParseError::Incomplete));
    assert_eq!(parse_reply(b"250 partial"), Err(ParseError::Incomplete));
    assert_eq!(parse_reply(b"250-more\r\n"), Err(ParseError::Incomplete));
    for bad in [
        &b"25\r\n"[..],
        b"abc def\r\n",
        b"2500 x\r\n",
        b"650 x\r\n",
        b"250_x\r\n",
        b"\r\n",
        b"250-a\r\n220 b\r\n",
    ] {
        assert!(
            matches!(parse_reply(bad), Err(ParseError::Malformed(_))),
            "{:?}",
            String::from_utf8_lossy(bad)
        );
    }
    let mut long = b"250 ".to_vec();
    long.resize(MAX_REPLY_LINE + 10, b'x');
    assert_eq!(parse_reply(&long), Err(ParseError::LineTooLong));
    long.extend_from_slice(b"\r\n");
    assert_eq!(parse_reply(&long), Err(ParseError::LineTooLong));
    let many = b"250-x\r\n".repeat(MAX_REPLY_LINES + 1);
    assert_eq!(parse_reply(&many), Err(ParseError::TooManyLines));
}

#[test]
fn reply_parser_never_panics_on_random_input() {
    // xorshift: deterministic pseudo-random inputs biased towards SMTP-looking bytes.
    let mut state: u64 = 0x9E37_79B9_7F4A_7C15;
    let mut next = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    let alphabet = b"0123456789 -\r\n.25abc\xff\x00";
    let mut ok = 0;
    for _ in 0..50_000 {
        let len = (next() % 64) as usize;
        let input: Vec<u8> = (0..len)
            .map(|_| {
                let r = next();
                if r % 4 == 0 {
                    (r >> 8) as u8
                } else {
                    alphabet[(r >> 8) as usize % alphabet.len()]
                }
            })
            .collect();
        if let Ok((reply, used)) = parse_reply(&input) {
            assert!(used <= input.len());
            assert!((100..600).contains(&reply.code));
            let _ = (reply.text(), reply.queue_id(), reply.to_string());
            ok += 1;
        }
    }
    assert!(ok > 0, "the generator should produce some valid replies");
}

#[test]
fn queue_ids_of_common_servers() {
    let q = |s: &str| Reply::new(250, vec![s.to_string()]).queue_id();
    assert_eq!(q("2.0.0 Ok: queued as 4ABC").as_deref(), Some("4ABC"));
    assert_eq!(
        q("OK id=1kXyZa-0003Ab-Cd").as_deref(),
        Some("1kXyZa-0003Ab-Cd")
    );
    assert_eq!(
        q("2.0.0 x8ABC123 Message accepted for delivery").as_deref(),
        Some("x8ABC123")
    );
    assert_eq!(q("OK"), None);
}

#[test]
fn capabilities_from_ehlo() {
    let r = Reply::new(
        250,
        [
            "mx.example.org Hello",
            "SIZE 10240000",
            "PIPELINING",
            "8BITMIME",
            "smtputf8",
            "DSN",
            "ENHANCEDSTATUSCODES",
            "AUTH PLAIN login CRAM-MD5",
            "AUTH=LOGIN XOAUTH2",
            "STARTTLS",
            "CHUNKING",
            "X-UNKNOWN stuff",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect(),
    );
    let c = Capabilities::from_ehlo(&r);
    assert_eq!(c.server_name, "mx.example.org Hello");
    assert_eq!(c.size, Some(10_240_000));
    assert!(c.pipelining && c.eight_bit_mime && c.smtputf8 && c.dsn && c.enhanced_status_codes);
    assert!(c.starttls && c.chunking);
    assert_eq!(c.auth, vec!["PLAIN", "LOGIN", "CRAM-MD5", "XOAUTH2"]);
    assert_eq!(c.raw.len(), 11);
    let c = Capabilities::from_ehlo(&Reply::new(250, vec!["x".into(), "SIZE".into()]));
    assert_eq!(c.size, Some(0));
    assert!(!c.pipelining);
}

#[test]
fn smtp_urls() {
    let c = parse_url("smtp://mail.example.org").unwrap();
    assert_eq!(
        (c.host.as_str(), c.port, c.security),
        ("mail.example.org", 0, Security::Auto)
    );
    assert_eq!(c.effective_port(), 25);
    assert!(c.credentials.is_none());

    let c = parse_url("smtps://me%40example.org:p%3Ass%20w@mail.example.org").unwrap();
    assert_eq!(c.security, Security::SslImplicit);
    assert_eq!(c.effective_port(), 465);
    let creds = c.credentials.unwrap();
    assert_eq!(creds.username, "me@example.org");
    assert_eq!(creds.secret, Secret::Password("p:ss w".into()));

    let c = parse_url("smtp+starttls://u:p@[::1]:587/?client_name=me.example&auth=login").unwrap();
    assert_eq!(
        (c.host.as_str(), c.port, c.security),
        ("::1", 587, Security::SslExplicit)
    );
    assert_eq!(c.client_name.as_deref(), Some("me.example"));
    assert_eq!(c.auth_mechanism, Some(AuthMechanism::Login));

    assert_eq!(
        parse_url("smtp+plain://h:2525").unwrap().security,
        Security::None
    );

    for bad in [
        "http://x",
        "smtp://",
        "smtp://h:99999",
        "smtp://h:port",
        "smtp://u:%zz@h",
        "smtp://h/path",
        "smtp://h?bogus=1",
        "mail.example.org",
        "smtp://[::1",
    ] {
        let e = parse_url(bad)
            .err()
            .unwrap_or_else(|| panic!("{bad} should fail"));
        assert_eq!(e.kind, SmtpErrorKind::InvalidInput, "{bad}");
    }
    // Debug output never shows the password.
    let c = parse_url("smtp://user:hunter2@h").unwrap();
    assert!(!format!("{c:?}").contains("hunter2"));
}
