//! SMTP replies (RFC 5321 §4.2) and a pure, panic-free reply parser.

use std::fmt;

/// Longest reply line accepted, in bytes, including the line ending.
pub const MAX_REPLY_LINE: usize = 4096;
/// Most lines accepted in one (multi-line) reply.
pub const MAX_REPLY_LINES: usize = 256;

/// One complete SMTP reply, possibly made of several lines.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Reply {
    /// The three-digit reply code, e.g. 250.
    pub code: u16,
    /// The RFC 3463 enhanced status code of the first line (`class.subject.detail`), when the
    /// first line starts with one whose class matches the reply code.
    pub enhanced: Option<(u8, u16, u16)>,
    /// The text of each line, after the code and the separator, exactly as received (including
    /// any enhanced status code), decoded as UTF-8 with invalid bytes replaced.
    pub lines: Vec<String>,
}

impl Reply {
    /// Builds a reply from its parts (mainly for tests and callers that synthesise replies).
    pub fn new(code: u16, lines: Vec<String>) -> Reply {
        let enhanced = lines
            .first()
            .and_then(|l| parse_enhanced(code, l).map(|(e, _)| e));
        Reply {
            code,
            enhanced,
            lines,
        }
    }

    /// True for 2xx replies.
    pub fn is_positive(&self) -> bool {
        (200..300).contains(&self.code)
    }

    /// True for 3xx replies (e.g. 354 after DATA, 334 during AUTH).
    pub fn is_intermediate(&self) -> bool {
        (300..400).contains(&self.code)
    }

    /// True for 4xx replies: a later retry may succeed.
    pub fn is_transient(&self) -> bool {
        (400..500).contains(&self.code)
    }

    /// True for 5xx replies.
    pub fn is_permanent(&self) -> bool {
        (500..600).contains(&self.code)
    }

    /// The text of the reply: the lines joined with `\n`, each without its enhanced status
    /// code prefix.
    pub fn text(&self) -> String {
        let mut out = String::new();
        for (i, line) in self.lines.iter().enumerate() {
            if i > 0 {
                out.push('\n');
            }
            match parse_enhanced(self.code, line) {
                Some((_, rest)) => out.push_str(rest),
                None => out.push_str(line),
            }
        }
        out
    }

    /// The queue identifier the server gave to an accepted message, when the reply text shows
    /// one in a known form: Postfix `Ok: queued as 4ABC`, Exim `OK id=1abc-000-XY`,
    /// Sendmail `x8ABC123 Message accepted for delivery`, or a generic `queued as X`.
    pub fn queue_id(&self) -> Option<String> {
        fn clean(tok: &str) -> Option<String> {
            let t = tok.trim_matches(|c: char| {
                matches!(c, '(' | ')' | '<' | '>' | ',' | ';' | '.' | '[' | ']')
            });
            if t.is_empty() || t.len() > 128 {
                None
            } else {
                Some(t.to_string())
            }
        }
        let text = self.text();
        let lower = text.to_ascii_lowercase();
        for key in ["queued as ", "id="] {
            if let Some(pos) = lower.find(key) {
                let after = &text[pos + key.len()..];
                if let Some(tok) = after.split_whitespace().next() {
                    return clean(tok);
                }
            }
        }
        if lower.contains("message accepted for delivery")
            && let Some(tok) = text.split_whitespace().next()
            && !tok.eq_ignore_ascii_case("message")
        {
            return clean(tok);
        }
        None
    }
}

impl fmt::Display for Reply {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.code)?;
        for (i, line) in self.lines.iter().enumerate() {
            if i == 0 {
                write!(f, " {line}")?;
            } else {
                write!(f, " / {line}")?;
            }
        }
        Ok(())
    }
}

/// Why [`parse_reply`] could not return a reply.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ParseError {
    /// The input ends before the reply does: read more bytes and try again.
    Incomplete,
    /// A line is longer than [`MAX_REPLY_LINE`].
    LineTooLong,
    /// The reply has more than [`MAX_REPLY_LINES`] lines.
    TooManyLines,
    /// A line does not look like `NNN<sep>text` (the string says what was wrong).
    Malformed(String),
}

impl fmt::Display for ParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ParseError::Incomplete => write!(f, "incomplete reply"),
            ParseError::LineTooLong => write!(f, "reply line longer than {MAX_REPLY_LINE} bytes"),
            ParseError::TooManyLines => write!(f, "reply with more than {MAX_REPLY_LINES} lines"),
            ParseError::Malformed(why) => write!(f, "malformed reply: {why}"),
        }
    }
}

impl std::error::Error for ParseError {}

/// Parses one complete reply from the start of `input`.
///
/// Returns the reply and the number of bytes it took (so the caller can drop them from its
/// buffer), or [`ParseError::Incomplete`] when more input is needed. Lines end with CRLF; a
/// bare LF is accepted too. This is a pure function that never panics, whatever the input.
pub fn parse_reply(input: &[u8]) -> Result<(Reply, usize), ParseError> {
    let mut pos = 0usize;
    let mut code: Option<u16> = None;
    let mut lines: Vec<String> = Vec::new();
    loop {
        let rest = input.get(pos..).unwrap_or(&[]);
        let nl = match rest.iter().position(|&b| b == b'\n') {
            Some(i) => i,
            None => {
                if rest.len() >= MAX_REPLY_LINE {
                    return Err(ParseError::LineTooLong);
                }
                return Err(ParseError::Incomplete);
            }
        };
        if nl + 1 > MAX_REPLY_LINE {
            return Err(ParseError::LineTooLong);
        }
        let mut line = &rest[..nl];
        if let Some((&b'\r', head)) = line.split_last() {
            line = head;
        }
        let (line_code, last, text) = parse_line(line)?;
        if let Some(c) = code
            && c != line_code
        {
            return Err(ParseError::Malformed(format!(
                "reply code changed from {c} to {line_code} within one reply"
            )));
        }
        code = Some(line_code);
        if lines.len() >= MAX_REPLY_LINES {
            return Err(ParseError::TooManyLines);
        }
        lines.push(text);
        pos += nl + 1;
        if last {
            return Ok((Reply::new(line_code, lines), pos));
        }
    }
}

/// Parses one line without its ending: returns the code, whether it is the last line, and text.
fn parse_line(line: &[u8]) -> Result<(u16, bool, String), ParseError> {
    let digits = match line.get(..3) {
        Some(d) => d,
        None => {
            return Err(ParseError::Malformed(format!(
                "line too short: {:?}",
                String::from_utf8_lossy(line)
            )));
        }
    };
    let ok = matches!(digits[0], b'1'..=b'5')
        && digits[1].is_ascii_digit()
        && digits[2].is_ascii_digit();
    if !ok {
        return Err(ParseError::Malformed(format!(
            "no reply code at start of line: {:?}",
            String::from_utf8_lossy(&line[..line.len().min(64)])
        )));
    }
    let code = u16::from(digits[0] - b'0') * 100
        + u16::from(digits[1] - b'0') * 10
        + u16::from(digits[2] - b'0');
    let (last, text) = match line.get(3) {
        None => (true, &[][..]),
        Some(b' ') => (true, &line[4..]),
        Some(b'-') => (false, &line[4..]),
        Some(other) => {
            return Err(ParseError::Malformed(format!(
                "unexpected byte 0x{other:02x} after reply code {code}"
            )));
        }
    };
    Ok((code, last, String::from_utf8_lossy(text).into_owned()))
}

/// Splits an enhanced status code (`x.y.z `) off the start of a reply line whose class
/// (`x`) matches the first digit of `code`; returns it and the remaining text.
fn parse_enhanced(code: u16, line: &str) -> Option<((u8, u16, u16), &str)> {
    let (head, rest) = match line.find(' ') {
        Some(i) => (&line[..i], &line[i + 1..]),
        None => (line, ""),
    };
    let mut parts = head.split('.');
    let class: u8 = parse_small(parts.next()?, 1)?.try_into().ok()?;
    let subject = parse_small(parts.next()?, 3)?;
    let detail = parse_small(parts.next()?, 3)?;
    if parts.next().is_some() || !matches!(class, 2 | 4 | 5) || u16::from(class) != code / 100 {
        return None;
    }
    Some(((class, subject, detail), rest))
}

fn parse_small(s: &str, max_digits: usize) -> Option<u16> {
    if s.is_empty() || s.len() > max_digits || !s.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    s.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn single_and_multi_line() {
        let (r, n) = parse_reply(b"250 2.0.0 Ok: queued as 4ABC\r\nextra").unwrap();
        assert_eq!(n, 30);
        assert_eq!(r.code, 250);
        assert_eq!(r.enhanced, Some((2, 0, 0)));
        assert_eq!(r.text(), "Ok: queued as 4ABC");
        assert_eq!(r.queue_id().as_deref(), Some("4ABC"));
        let (r, _) = parse_reply(b"250-mx.example\r\n250-SIZE 100\r\n250 PIPELINING\r\n").unwrap();
        assert_eq!(r.lines, vec!["mx.example", "SIZE 100", "PIPELINING"]);
        assert_eq!(parse_reply(b"250-a\r\n250"), Err(ParseError::Incomplete));
        assert!(matches!(
            parse_reply(b"250-a\r\n251 b\r\n"),
            Err(ParseError::Malformed(_))
        ));
        assert!(matches!(
            parse_reply(b"hello\r\n"),
            Err(ParseError::Malformed(_))
        ));
        assert_eq!(parse_reply(&[b'2'; 5000]), Err(ParseError::LineTooLong));
    }
}
