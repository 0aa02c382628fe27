//! The SMTP envelope: sender, recipients, and per-transaction options.

use super::Reply;

/// DSN RET parameter (RFC 3461): what a bounce should contain.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DsnRet {
    /// The whole message.
    Full,
    /// The headers only.
    Headers,
}

/// DSN NOTIFY flags for one recipient (RFC 3461). `never` excludes the others.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct DsnNotify {
    /// NOTIFY=NEVER.
    pub never: bool,
    /// SUCCESS.
    pub success: bool,
    /// FAILURE.
    pub failure: bool,
    /// DELAY.
    pub delay: bool,
}

impl DsnNotify {
    /// The NOTIFY parameter value, or `None` when no flag is set.
    pub fn param(&self) -> Option<String> {
        if self.never {
            return Some("NEVER".to_string());
        }
        let flags: Vec<&str> = [
            (self.success, "SUCCESS"),
            (self.failure, "FAILURE"),
            (self.delay, "DELAY"),
        ]
        .into_iter()
        .filter_map(|(on, name)| on.then_some(name))
        .collect();
        (!flags.is_empty()).then(|| flags.join(","))
    }
}

/// One recipient of the envelope.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Recipient {
    /// The address, without angle brackets.
    pub address: String,
    /// DSN NOTIFY flags (sent only when the server advertises DSN).
    pub notify: Option<DsnNotify>,
}

impl Recipient {
    /// A recipient without DSN flags.
    pub fn new(address: impl Into<String>) -> Recipient {
        Recipient {
            address: address.into(),
            notify: None,
        }
    }
}

/// Sender, recipients and options of one mail transaction.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Envelope {
    /// The reverse path, without angle brackets (empty for the null sender `<>`).
    pub mail_from: String,
    /// The recipients, in order. Exact duplicates are sent once.
    pub recipients: Vec<Recipient>,
    /// The message or an address needs SMTPUTF8 (fails when the server lacks it).
    pub smtputf8: bool,
    /// The message has 8-bit content: `BODY=8BITMIME` when the server supports it.
    pub eight_bit: bool,
    /// DSN RET (sent only when the server advertises DSN).
    pub dsn_ret: Option<DsnRet>,
    /// DSN ENVID (xtext-encoded; sent only when the server advertises DSN).
    pub dsn_envid: Option<String>,
}

impl Envelope {
    /// An envelope from `from` to the given addresses, with no options.
    pub fn new<I, S>(from: impl Into<String>, to: I) -> Envelope
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        Envelope {
            mail_from: from.into(),
            recipients: to.into_iter().map(|a| Recipient::new(a)).collect(),
            ..Envelope::default()
        }
    }
}

/// The outcome of a successful send.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SendResult {
    /// The server's reply to the end of data (see [`Reply::queue_id`]).
    pub reply: Reply,
    /// The recipients the server accepted.
    pub accepted: Vec<String>,
    /// The recipients the server refused, each with its reply.
    pub rejected: Vec<(String, Reply)>,
}

/// Encodes a string as xtext (RFC 3461 §4).
pub(crate) fn xtext(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if (33..=126).contains(&b) && b != b'+' && b != b'=' {
            out.push(b as char);
        } else {
            out.push_str(&format!("+{b:02X}"));
        }
    }
    out
}
