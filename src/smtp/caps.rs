//! ESMTP capabilities, from the EHLO reply (RFC 5321 §4.1.1.1).

use super::Reply;

/// What the server advertised in its EHLO reply. Empty after a HELO fallback.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Capabilities {
    /// Whether EHLO succeeded (false when the session fell back to HELO).
    pub esmtp: bool,
    /// The first line of the EHLO reply (the server's name and greeting).
    pub server_name: String,
    /// SIZE: `Some(0)` when advertised without a limit, `Some(n)` for a limit of n bytes.
    pub size: Option<u64>,
    /// PIPELINING (RFC 2920).
    pub pipelining: bool,
    /// 8BITMIME (RFC 6152).
    pub eight_bit_mime: bool,
    /// SMTPUTF8 (RFC 6531).
    pub smtputf8: bool,
    /// DSN (RFC 3461).
    pub dsn: bool,
    /// ENHANCEDSTATUSCODES (RFC 2034).
    pub enhanced_status_codes: bool,
    /// STARTTLS (RFC 3207).
    pub starttls: bool,
    /// CHUNKING (RFC 3030).
    pub chunking: bool,
    /// BINARYMIME (RFC 3030).
    pub binarymime: bool,
    /// AUTH mechanisms, upper-cased, in the server's order (also from the old `AUTH=` form).
    pub auth: Vec<String>,
    /// Every capability line after the first, as received.
    pub raw: Vec<String>,
}

impl Capabilities {
    /// Parses the lines of a positive EHLO reply.
    pub fn from_ehlo(reply: &Reply) -> Capabilities {
        let mut caps = Capabilities {
            esmtp: true,
            server_name: reply.lines.first().cloned().unwrap_or_default(),
            ..Capabilities::default()
        };
        for line in reply.lines.iter().skip(1) {
            caps.raw.push(line.clone());
            let mut words = line.split_whitespace();
            let Some(keyword) = words.next() else {
                continue;
            };
            let keyword = keyword.to_ascii_uppercase();
            if let Some(list) = keyword.strip_prefix("AUTH=") {
                // Old-style "AUTH=LOGIN PLAIN".
                caps.add_auth(std::iter::once(list).chain(line.split_whitespace().skip(1)));
                continue;
            }
            match keyword.as_str() {
                "SIZE" => {
                    caps.size = Some(words.next().and_then(|n| n.parse().ok()).unwrap_or(0));
                }
                "PIPELINING" => caps.pipelining = true,
                "8BITMIME" => caps.eight_bit_mime = true,
                "SMTPUTF8" => caps.smtputf8 = true,
                "DSN" => caps.dsn = true,
                "ENHANCEDSTATUSCODES" => caps.enhanced_status_codes = true,
                "STARTTLS" => caps.starttls = true,
                "CHUNKING" => caps.chunking = true,
                "BINARYMIME" => caps.binarymime = true,
                "AUTH" => caps.add_auth(words),
                _ => {}
            }
        }
        caps
    }

    fn add_auth<'a>(&mut self, mechs: impl Iterator<Item = &'a str>) {
        for m in mechs {
            let m = m.to_ascii_uppercase();
            if !m.is_empty() && !self.auth.contains(&m) {
                self.auth.push(m);
            }
        }
    }

    /// Whether the server advertised the named AUTH mechanism (case-insensitive).
    pub fn supports_auth(&self, mechanism: &str) -> bool {
        self.auth.iter().any(|m| m.eq_ignore_ascii_case(mechanism))
    }
}
