//! `probe`: connect, show what the server offers, check the credentials; send nothing.

use missive::smtp::{SmtpConnection, validate_credentials};

use crate::exit::{self, Failure};
use crate::settings::Settings;

pub fn probe(settings: &Settings) -> Result<u8, Failure> {
    let config = settings.smtp_config()?;
    println!("server: {}:{}", config.host, config.effective_port());
    // First without credentials, so that the capabilities show even when AUTH fails.
    let mut anonymous = config.clone();
    anonymous.credentials = None;
    let conn = SmtpConnection::connect(&anonymous)?;
    println!("greeting: {}", conn.greeting());
    match conn.tls_info() {
        Some(tls) => {
            let how = if config.implicit_tls() {
                "implicit TLS"
            } else {
                "STARTTLS"
            };
            println!("tls: {} {} ({how})", tls.protocol_version, tls.cipher_suite);
            for (i, der) in tls.peer_certificates.iter().enumerate() {
                let label = if i == 0 { "certificate" } else { "  issued by" };
                match cert::summary(der) {
                    Some(s) => println!(
                        "{label}: subject {}; issuer {}; valid {} to {}",
                        s.subject, s.issuer, s.not_before, s.not_after
                    ),
                    None => println!("{label}: (unparsed, {} bytes)", der.len()),
                }
                if i == 0 {
                    println!("  sha256: {}", cert::fingerprint(der));
                }
            }
        }
        None => println!("tls: none (the connection is not encrypted)"),
    }
    let caps = conn.capabilities().clone();
    if caps.esmtp {
        println!("ehlo: {}", caps.server_name);
        for kw in &caps.raw {
            println!("  {kw}");
        }
    } else {
        println!("ehlo: refused (the server answered HELO only)");
    }
    conn.quit();
    match &config.credentials {
        None => {
            println!("credentials: not checked (no user name set)");
            Ok(exit::OK)
        }
        Some(creds) => match validate_credentials(&config) {
            Ok(()) => {
                println!("credentials: accepted for {}", creds.username);
                Ok(exit::OK)
            }
            Err(e) => {
                println!("credentials: refused for {}: {e}", creds.username);
                Ok(exit::smtp_code(&e))
            }
        },
    }
}

/// Just enough DER to show a certificate's subject, issuer and validity.
mod cert {
    pub struct Summary {
        pub subject: String,
        pub issuer: String,
        pub not_before: String,
        pub not_after: String,
    }

    /// One DER element: (tag, content, rest).
    fn element(input: &[u8]) -> Option<(u8, &[u8], &[u8])> {
        let tag = *input.first()?;
        let first = *input.get(1)? as usize;
        let (len, header) = if first < 0x80 {
            (first, 2)
        } else {
            let n = first & 0x7f;
            if n == 0 || n > 4 {
                return None;
            }
            let mut len = 0usize;
            for b in input.get(2..2 + n)? {
                len = (len << 8) | *b as usize;
            }
            (len, 2 + n)
        };
        let content = input.get(header..header + len)?;
        Some((tag, content, &input[header + len..]))
    }

    fn name(mut content: &[u8]) -> String {
        let mut parts = Vec::new();
        while let Some((_, set, rest)) = element(content) {
            content = rest;
            let mut set = set;
            while let Some((_, atv, rest)) = element(set) {
                set = rest;
                let Some((0x06, oid, value)) = element(atv) else {
                    continue;
                };
                let Some((_, value, _)) = element(value) else {
                    continue;
                };
                let key = match oid {
                    [0x55, 0x04, 0x03] => "CN",
                    [0x55, 0x04, 0x06] => "C",
                    [0x55, 0x04, 0x07] => "L",
                    [0x55, 0x04, 0x08] => "ST",
                    [0x55, 0x04, 0x0a] => "O",
                    [0x55, 0x04, 0x0b] => "OU",
                    _ => continue,
                };
                parts.push(format!("{key}={}", String::from_utf8_lossy(value)));
            }
        }
        if parts.is_empty() {
            "(empty)".to_string()
        } else {
            parts.join(", ")
        }
    }

    fn time(tag: u8, v: &[u8]) -> String {
        let s = String::from_utf8_lossy(v);
        let full = match tag {
            0x17 if s.len() >= 12 => {
                let yy: u32 = s[..2].parse().unwrap_or(0);
                format!("{}{}", if yy < 50 { "20" } else { "19" }, s)
            }
            _ => s.to_string(),
        };
        if full.len() >= 14 {
            format!(
                "{}-{}-{} {}:{}:{} UTC",
                &full[..4],
                &full[4..6],
                &full[6..8],
                &full[8..10],
                &full[10..12],
                &full[12..14]
            )
        } else {
            full
        }
    }

    pub fn summary(der: &[u8]) -> Option<Summary> {
        let (_, cert, _) = element(der)?;
        let (_, tbs, _) = element(cert)?;
        let (tag, _, mut rest) = element(tbs)?;
        if tag == 0xa0 {
            rest = element(rest)?.2; // the serial number after the version
        }
        let (_, _, rest) = element(rest)?; // signature algorithm
        let (_, issuer, rest) = element(rest)?;
        let (_, validity, rest) = element(rest)?;
        let (_, subject, _) = element(rest)?;
        let (t1, nb, v) = element(validity)?;
        let (t2, na, _) = element(v)?;
        Some(Summary {
            subject: name(subject),
            issuer: name(issuer),
            not_before: time(t1, nb),
            not_after: time(t2, na),
        })
    }

    pub fn fingerprint(der: &[u8]) -> String {
        let d = ring::digest::digest(&ring::digest::SHA256, der);
        d.as_ref()
            .iter()
            .map(|b| format!("{b:02X}"))
            .collect::<Vec<_>>()
            .join(":")
    }
}
