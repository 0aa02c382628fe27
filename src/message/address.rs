//! Mail addresses: parsing, validation and internationalisation.

use std::fmt;

use super::error::{MessageError, MessageErrorKind};

/// One mailbox: an address with an optional display name.
///
/// The address is kept in the form it goes on the wire: the domain is converted to its ASCII
/// (punycode) form; a non-ASCII local part is kept as UTF-8 and marks the address as needing the
/// SMTPUTF8 extension (RFC 6531).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct MailAddress {
    local: String,
    domain: String,
    display_name: Option<String>,
}

/// The longest address RFC 5321 allows for a path (local@domain).
const MAX_ADDRESS_LEN: usize = 254;
const MAX_LOCAL_LEN: usize = 64;

impl MailAddress {
    /// Builds an address from its parts. `address` is `local@domain`, without angle brackets.
    pub fn new(address: &str, display_name: Option<&str>) -> Result<Self, MessageError> {
        let (local, domain) = split_addr_spec(address)?;
        let display_name = match display_name {
            Some(name) => {
                reject_controls(name, "display name")?;
                let name = name.trim();
                if name.is_empty() {
                    None
                } else {
                    Some(name.to_string())
                }
            }
            None => None,
        };
        Ok(MailAddress {
            local,
            domain,
            display_name,
        })
    }

    /// Parses one mailbox as a user writes it: `a@b`, `<a@b>`, `Name <a@b>`, `"Last, First" <a@b>`.
    pub fn parse(input: &str) -> Result<Self, MessageError> {
        reject_controls(input, "address")?;
        let input = input.trim();
        if input.is_empty() {
            return Err(invalid_address("the address is empty"));
        }
        if let Some(open) = find_unquoted(input, '<') {
            let rest = &input[open + 1..];
            let close = find_unquoted(rest, '>')
                .ok_or_else(|| invalid_address(format!("missing '>' in {input:?}")))?;
            if !rest[close + 1..].trim().is_empty() {
                return Err(invalid_address(format!(
                    "unexpected text after '>' in {input:?}"
                )));
            }
            let spec = rest[..close].trim();
            let name = parse_display_name(input[..open].trim())?;
            Self::new(spec, name.as_deref())
        } else {
            Self::new(input, None)
        }
    }

    /// An address read from a loaded message: validated as [`MailAddress::new`] does, but an
    /// address a mail client still shows (one without a domain, such as `undisclosed`, or with
    /// a domain that is not a host name) is kept as written rather than refused, so the model
    /// shows what Python's `email` and mail clients show. `None` for one that cannot be kept
    /// (empty, control characters, white space or specials such as `(`, `:`, `,` in it).
    pub fn from_loaded(spec: &str, display_name: Option<&str>) -> Option<Self> {
        if let Ok(a) = Self::new(spec, display_name) {
            return Some(a);
        }
        let spec = spec.trim();
        // Kept only when it can be written back as it reads: no specials (RFC 5322 §3.2.3)
        // that would make it read as something else, no white space or control characters.
        if spec.is_empty()
            || spec
                .chars()
                .any(|c| c.is_control() || c.is_whitespace() || "()<>[]:;,\\\"".contains(c))
        {
            return None;
        }
        let (local, domain) = match spec.rfind('@') {
            Some(at) => (&spec[..at], &spec[at + 1..]),
            None => (spec, ""),
        };
        let display_name = display_name
            .filter(|n| !n.chars().any(char::is_control))
            .map(str::trim)
            .filter(|n| !n.is_empty())
            .map(str::to_string);
        Some(MailAddress {
            local: local.to_string(),
            domain: domain.to_string(),
            display_name,
        })
    }

    /// The address as it goes into the SMTP envelope: `local@ascii-domain` (just the local
    /// part for an address loaded without a domain).
    pub fn address(&self) -> String {
        if self.domain.is_empty() {
            return self.local.clone();
        }
        format!("{}@{}", self.local, self.domain)
    }

    /// The local part (before the `@`), as given (possibly quoted, possibly UTF-8).
    pub fn local_part(&self) -> &str {
        &self.local
    }

    /// The domain in ASCII form (punycode for internationalised names).
    pub fn domain(&self) -> &str {
        &self.domain
    }

    /// The display name, if any.
    pub fn display_name(&self) -> Option<&str> {
        self.display_name.as_deref()
    }

    /// Whether sending to or from this address needs SMTPUTF8 (a non-ASCII local part).
    pub fn needs_smtputf8(&self) -> bool {
        !self.local.is_ascii()
    }
}

impl fmt::Display for MailAddress {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.display_name {
            Some(name) => write!(f, "{} <{}>", quote_display_name(name), self.address()),
            None => f.write_str(&self.address()),
        }
    }
}

/// Quotes a display name when it contains RFC 5322 specials, for display purposes.
fn quote_display_name(name: &str) -> String {
    let needs_quote = name
        .chars()
        .any(|c| "()<>[]:;@\\,.\"".contains(c) || c.is_ascii_control());
    if needs_quote {
        let mut out = String::with_capacity(name.len() + 2);
        out.push('"');
        for c in name.chars() {
            if c == '"' || c == '\\' {
                out.push('\\');
            }
            out.push(c);
        }
        out.push('"');
        out
    } else {
        name.to_string()
    }
}

fn invalid_address(detail: impl Into<String>) -> MessageError {
    MessageError::new(MessageErrorKind::InvalidAddress, detail)
}

/// Rejects CR, LF, NUL and other control characters: they are how header injection happens.
fn reject_controls(s: &str, what: &str) -> Result<(), MessageError> {
    if let Some(c) = s.chars().find(|c| c.is_control() && *c != '\t') {
        let name = match c {
            '\r' => "CR".to_string(),
            '\n' => "LF".to_string(),
            '\0' => "NUL".to_string(),
            other => format!("U+{:04X}", other as u32),
        };
        return Err(MessageError::new(
            MessageErrorKind::InvalidAddress,
            format!("the {what} contains a control character ({name}), which is not allowed"),
        ));
    }
    Ok(())
}

/// Finds `needle` outside double quotes.
fn find_unquoted(s: &str, needle: char) -> Option<usize> {
    let mut in_quotes = false;
    let mut escaped = false;
    for (i, c) in s.char_indices() {
        if escaped {
            escaped = false;
            continue;
        }
        match c {
            '\\' if in_quotes => escaped = true,
            '"' => in_quotes = !in_quotes,
            c if c == needle && !in_quotes => return Some(i),
            _ => {}
        }
    }
    None
}

/// Turns `"Last, First"` into `Last, First`, and leaves a bare phrase as is.
fn parse_display_name(raw: &str) -> Result<Option<String>, MessageError> {
    if raw.is_empty() {
        return Ok(None);
    }
    if let Some(inner) = raw.strip_prefix('"') {
        let mut out = String::new();
        let mut chars = inner.chars();
        let mut closed = false;
        while let Some(c) = chars.next() {
            match c {
                '\\' => match chars.next() {
                    Some(n) => out.push(n),
                    None => break,
                },
                '"' => {
                    closed = true;
                    break;
                }
                c => out.push(c),
            }
        }
        if !closed {
            return Err(invalid_address(format!(
                "unterminated quoted display name in {raw:?}"
            )));
        }
        if !chars.as_str().trim().is_empty() {
            return Err(invalid_address(format!(
                "unexpected text after the quoted display name in {raw:?}"
            )));
        }
        Ok(Some(out))
    } else {
        Ok(Some(raw.to_string()))
    }
}

/// Splits and validates `local@domain`; returns the local part and the ASCII domain.
fn split_addr_spec(spec: &str) -> Result<(String, String), MessageError> {
    reject_controls(spec, "address")?;
    let spec = spec.trim();
    if spec.is_empty() {
        return Err(invalid_address("the address is empty"));
    }
    let at = spec
        .rfind('@')
        .ok_or_else(|| invalid_address(format!("{spec:?} is not an email address: it has no @")))?;
    let (local, domain) = (&spec[..at], &spec[at + 1..]);
    validate_local(local, spec)?;
    let domain = validate_domain(domain, spec)?;
    let total = local.len() + 1 + domain.len();
    if total > MAX_ADDRESS_LEN {
        return Err(invalid_address(format!(
            "{spec:?} is {total} octets long; the limit is {MAX_ADDRESS_LEN}"
        )));
    }
    Ok((local.to_string(), domain))
}

fn is_atext(c: char) -> bool {
    c.is_ascii_alphanumeric() || "!#$%&'*+-/=?^_`{|}~".contains(c) || !c.is_ascii()
}

fn validate_local(local: &str, spec: &str) -> Result<(), MessageError> {
    if local.is_empty() {
        return Err(invalid_address(format!("{spec:?} has an empty local part")));
    }
    if local.len() > MAX_LOCAL_LEN {
        return Err(invalid_address(format!(
            "the local part of {spec:?} is {} octets long; the limit is {MAX_LOCAL_LEN}",
            local.len()
        )));
    }
    if let Some(inner) = local.strip_prefix('"') {
        // quoted-string: printable characters, with \" and \\ escaped.
        let inner = inner.strip_suffix('"').ok_or_else(|| {
            invalid_address(format!("unterminated quoted local part in {spec:?}"))
        })?;
        let mut escaped = false;
        for c in inner.chars() {
            // RFC 5321 allows only printable characters and space in a quoted local part; angle
            // brackets would be misread by servers that scan for the path's end.
            if c == '\t' || c == '<' || c == '>' {
                return Err(invalid_address(format!(
                    "the quoted local part of {spec:?} contains {c:?}, which SMTP does not carry"
                )));
            }
            if escaped {
                escaped = false;
            } else if c == '\\' {
                escaped = true;
            } else if c == '"' {
                return Err(invalid_address(format!(
                    "unescaped '\"' in the local part of {spec:?}"
                )));
            }
        }
        if escaped {
            return Err(invalid_address(format!(
                "dangling '\\' in the local part of {spec:?}"
            )));
        }
        return Ok(());
    }
    // dot-atom: atoms of atext separated by single dots.
    for atom in local.split('.') {
        if atom.is_empty() {
            return Err(invalid_address(format!(
                "the local part of {spec:?} has an empty atom (leading, trailing or double dot)"
            )));
        }
        if let Some(c) = atom.chars().find(|c| !is_atext(*c)) {
            return Err(invalid_address(format!(
                "the local part of {spec:?} contains {c:?}, which needs quoting"
            )));
        }
    }
    Ok(())
}

fn validate_domain(domain: &str, spec: &str) -> Result<String, MessageError> {
    if domain.is_empty() {
        return Err(invalid_address(format!("{spec:?} has an empty domain")));
    }
    if let Some(literal) = domain.strip_prefix('[') {
        let inner = literal
            .strip_suffix(']')
            .ok_or_else(|| invalid_address(format!("unterminated address literal in {spec:?}")))?;
        let ok = if let Some(v6) = inner.strip_prefix("IPv6:") {
            v6.parse::<std::net::Ipv6Addr>().is_ok()
        } else {
            inner.parse::<std::net::Ipv4Addr>().is_ok()
        };
        if !ok {
            return Err(invalid_address(format!(
                "{domain:?} in {spec:?} is not a valid address literal"
            )));
        }
        return Ok(domain.to_string());
    }
    let ascii = idna::domain_to_ascii_strict(domain).map_err(|_| {
        invalid_address(format!("{domain:?} in {spec:?} is not a valid domain name"))
    })?;
    if ascii.is_empty() || ascii.len() > 253 {
        return Err(invalid_address(format!(
            "{domain:?} in {spec:?} is not a valid domain name"
        )));
    }
    for label in ascii.split('.') {
        if label.is_empty()
            || label.len() > 63
            || label.starts_with('-')
            || label.ends_with('-')
            || !label.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
        {
            return Err(invalid_address(format!(
                "{domain:?} in {spec:?} is not a valid domain name (label {label:?})"
            )));
        }
    }
    Ok(ascii)
}

/// Parses a comma-separated list of mailboxes, respecting quotes.
pub fn parse_address_list(input: &str) -> Result<Vec<MailAddress>, MessageError> {
    let mut out = Vec::new();
    let mut start = 0;
    let mut in_quotes = false;
    let mut in_angle = false;
    let mut escaped = false;
    for (i, c) in input.char_indices() {
        if escaped {
            escaped = false;
            continue;
        }
        match c {
            '\\' if in_quotes => escaped = true,
            '"' => in_quotes = !in_quotes,
            '<' if !in_quotes => in_angle = true,
            '>' if !in_quotes => in_angle = false,
            ',' if !in_quotes && !in_angle => {
                let item = &input[start..i];
                if !item.trim().is_empty() {
                    out.push(MailAddress::parse(item)?);
                }
                start = i + 1;
            }
            _ => {}
        }
    }
    let item = &input[start..];
    if !item.trim().is_empty() {
        out.push(MailAddress::parse(item)?);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_common_forms() {
        let a = MailAddress::parse("a@example.com").unwrap();
        assert_eq!(a.address(), "a@example.com");
        assert_eq!(a.display_name(), None);
        let a = MailAddress::parse("  Jane Doe <jane@example.com> ").unwrap();
        assert_eq!(a.display_name(), Some("Jane Doe"));
        assert_eq!(a.address(), "jane@example.com");
        let a = MailAddress::parse("\"Doe, Jane\" <jane@example.com>").unwrap();
        assert_eq!(a.display_name(), Some("Doe, Jane"));
        let a = MailAddress::parse("<x@example.com>").unwrap();
        assert_eq!(a.display_name(), None);
        let a = MailAddress::parse("\"john smith\"@example.com").unwrap();
        assert_eq!(a.local_part(), "\"john smith\"");
        // Found by fuzzing: the closing '>' is searched outside quotes, so a display name and
        // a quoted local part with specials round-trip through to_string().
        let a = MailAddress::parse("Name <\"a,b\"@example.com>").unwrap();
        assert_eq!(a.local_part(), "\"a,b\"");
        assert_eq!(MailAddress::parse(&a.to_string()).unwrap(), a);
    }

    #[test]
    fn rejects_injection_and_junk() {
        for bad in [
            "a@example.com\r\nBcc: x@y.z",
            "Name\n <a@b.c>",
            "a\0@b.c",
            "no-at-sign",
            "@example.com",
            "a@",
            "a..b@example.com",
            ".a@example.com",
            "a b@example.com",
            "Name <a@b.c",
            "Name <a@b.c> trailing",
            "a@-bad-.com",
            "a@[300.1.1.1]",
            "\">\"@m.example",
            "<\">\"@m.example>",
            "\"a\tb\"@x.org",
            "",
        ] {
            let err = MailAddress::parse(bad).unwrap_err();
            assert_eq!(err.kind(), MessageErrorKind::InvalidAddress, "{bad:?}");
        }
    }

    #[test]
    fn internationalised() {
        let a = MailAddress::parse("Jörg <joerg@bücher.example>").unwrap();
        assert_eq!(a.domain(), "xn--bcher-kva.example");
        assert!(!a.needs_smtputf8());
        let a = MailAddress::parse("用户@例子.广告").unwrap();
        assert!(a.needs_smtputf8());
        assert!(a.domain().starts_with("xn--"));
    }

    #[test]
    fn lists() {
        let l = parse_address_list("\"Doe, J\" <j@x.org>, k@y.org,<z@w.org>").unwrap();
        assert_eq!(l.len(), 3);
        assert_eq!(l[0].display_name(), Some("Doe, J"));
        assert_eq!(l[2].address(), "z@w.org");
    }
}
