//! Forwarding a message to new recipients, in one of three explicit modes.
//!
//! * [`ForwardMode::Redirect`] (the default): a new envelope only. The bytes are the message's
//!   own — for a loaded, unchanged message exactly the loaded bytes (less any `Bcc`,
//!   `X-Sender` or `X-Receiver` field, as for every delivery), so DKIM signatures still verify.
//! * [`ForwardMode::Resend`]: the same bytes with a `Resent-Date`, `Resent-From`, `Resent-To`
//!   and `Resent-Message-ID` block on top (RFC 5322 §3.6.6). Signatures over the original
//!   fields survive too.
//! * [`ForwardMode::Attach`]: a new message, "Fwd: subject", from the forwarding address to the
//!   new recipients, carrying the original as a `message/rfc822` part, byte for byte.
//!
//! Unlike the seed's commercial SDK, no mode rewrites the original `From`/`To` (that breaks
//! DKIM and misattributes the message) and none re-delivers to the original Cc/Bcc (a forward
//! goes to exactly the recipients given, nobody else).

use std::borrow::Cow;
use std::sync::Arc;

use mail_builder::MessageBuilder;
use mail_builder::headers::Header as _;
use mail_builder::headers::address::Address;
use mail_builder::headers::content_type::ContentType;
use mail_builder::headers::message_id::MessageId;
use mail_builder::headers::raw::Raw;
use mail_builder::headers::text::Text;
use mail_builder::mime::{BodyPart, MimePart};

use super::client::{Client, DeliverError, Delivery};
use super::envelope_fields::strip_envelope_fields;
use super::pickup::Prepared;
use crate::message::mime::{crlf, format_rfc5322_date, generate_message_id, random_u64};
use crate::message::{MailAddress, MailMessage, MessageError, MessageErrorKind};

/// How a message is forwarded (see the module documentation).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum ForwardMode {
    /// New envelope, bytes unchanged.
    #[default]
    Redirect,
    /// `Resent-*` block on top of the unchanged bytes.
    Resend,
    /// A new message with the original attached as `message/rfc822`.
    Attach,
}

fn addr(a: &MailAddress) -> Address<'static> {
    Address::new_address(a.display_name().map(str::to_string), a.address())
}

fn addr_list(v: &[MailAddress]) -> Address<'static> {
    if v.len() == 1 {
        addr(&v[0])
    } else {
        Address::new_list(v.iter().map(addr).collect())
    }
}

/// The `Resent-*` block for RESEND, each field ending in CRLF.
fn resent_block(sender: &MailAddress, recipients: &[MailAddress], date: i64) -> Vec<u8> {
    let mut out = Vec::new();
    out.extend_from_slice(b"Resent-Date: ");
    out.extend_from_slice(format_rfc5322_date(date, 0).as_bytes());
    out.extend_from_slice(b"\r\n");
    out.extend_from_slice(b"Resent-From: ");
    addr(sender).write_header(&mut out, "Resent-From: ".len());
    out.extend_from_slice(b"Resent-To: ");
    addr_list(recipients).write_header(&mut out, "Resent-To: ".len());
    out.extend_from_slice(b"Resent-Message-ID: <");
    out.extend_from_slice(generate_message_id(Some(sender)).as_bytes());
    out.extend_from_slice(b">\r\n");
    out
}

/// The `Resent-*` block that RESEND puts on top of a message (`Resent-Date` now,
/// `Resent-From` `sender`, `Resent-To` `recipients`, a new `Resent-Message-ID`), each field
/// ending in CRLF: for a caller that streams the original after it.
pub fn resent_fields(sender: &MailAddress, recipients: &[MailAddress]) -> Vec<u8> {
    resent_block(sender, recipients, crate::message::date::now())
}

/// The ATTACH message: "Fwd: subject", a short text part naming the original, and the
/// original (CRLF line endings) as a `message/rfc822` part.
fn attach_message(
    msg: &MailMessage,
    original: &[u8],
    sender: &MailAddress,
    recipients: &[MailAddress],
    date: i64,
) -> Vec<u8> {
    let subject = msg.subject().trim();
    let subject = if subject.len() >= 4 && subject[..4].eq_ignore_ascii_case("fwd:") {
        subject.to_string()
    } else {
        format!("Fwd: {subject}")
    };
    let mut summary = String::from("---------- Forwarded message ----------\n");
    if let Some(from) = msg.from() {
        summary.push_str(&format!("From: {from}\n"));
    }
    if let Some((secs, offset)) = msg.date() {
        summary.push_str(&format!("Date: {}\n", format_rfc5322_date(secs, offset)));
    }
    summary.push_str(&format!("Subject: {}\n", msg.subject()));
    let original = crate::message::mime::crlf_bytes(original);
    let encoding = if original.is_ascii() { "7bit" } else { "8bit" };
    // A boundary that cannot occur in the attached message.
    let boundary = loop {
        let b = format!("=_fwd_{:016x}{:016x}", random_u64(), random_u64());
        if !original.windows(b.len()).any(|w| w == b.as_bytes()) {
            break b;
        }
    };
    let parts = vec![
        MimePart::new(
            ContentType::new("text/plain").attribute("charset", "utf-8"),
            BodyPart::Text(Cow::Owned(crlf(&summary))),
        ),
        MimePart::new(
            ContentType::new("message/rfc822"),
            BodyPart::Binary(Cow::Owned(original)),
        )
        .transfer_encoding(encoding)
        .attachment("forwarded.eml"),
    ];
    let builder = MessageBuilder::new()
        .from(addr(sender))
        .to(addr_list(recipients))
        .subject(Text::new(subject))
        .header("Date", Raw::new(format_rfc5322_date(date, 0)))
        .message_id(MessageId::new(generate_message_id(Some(sender))))
        .body(MimePart::new(
            ContentType::new("multipart/mixed").attribute("boundary", boundary),
            parts,
        ));
    let mut out = Vec::new();
    builder.serialize(&mut out);
    out
}

/// The bytes of a forward of `msg`, whose saved form is `bytes` (the loaded bytes or its MIME
/// output). `sender` is the forwarding address (required for RESEND and ATTACH).
pub fn forward_bytes(
    msg: &MailMessage,
    bytes: &[u8],
    mode: ForwardMode,
    sender: Option<&MailAddress>,
    recipients: &[MailAddress],
) -> Result<Vec<u8>, MessageError> {
    let need_sender = || {
        sender.ok_or_else(|| {
            MessageError::new(
                MessageErrorKind::NoSender,
                "RESEND and ATTACH need the forwarding address: set the client's forward sender",
            )
        })
    };
    let original = strip_envelope_fields(bytes).into_owned();
    Ok(match mode {
        ForwardMode::Redirect => original,
        ForwardMode::Resend => {
            let mut out = resent_block(need_sender()?, recipients, crate::message::date::now());
            out.extend_from_slice(&original);
            out
        }
        ForwardMode::Attach => attach_message(
            msg,
            &original,
            need_sender()?,
            recipients,
            crate::message::date::now(),
        ),
    })
}

impl Client {
    /// Forwards `msg` to `recipients` (and nobody else) in the given mode (see the module
    /// documentation). The envelope sender is the client's forward sender when set, else (for
    /// REDIRECT only) the message's own Sender or From.
    pub fn forward(
        &self,
        msg: &MailMessage,
        mode: ForwardMode,
        recipients: &[MailAddress],
    ) -> Result<Delivery, DeliverError> {
        let bytes = match msg.original_bytes() {
            Some(b) => b.clone(),
            None => Arc::new(super::render(msg, &self.config().mime)),
        };
        self.forward_rendered(msg, &bytes, mode, recipients)
    }

    /// As [`Client::forward`], with the message's saved form given (so that a caller that
    /// already wrote it sends the same Message-ID and date).
    pub fn forward_rendered(
        &self,
        msg: &MailMessage,
        bytes: &[u8],
        mode: ForwardMode,
        recipients: &[MailAddress],
    ) -> Result<Delivery, DeliverError> {
        if recipients.is_empty() {
            return Err(MessageError::new(
                MessageErrorKind::NoRecipients,
                "the forward has no recipients",
            )
            .into());
        }
        let config = self.config();
        let sender = match &config.forward_sender {
            Some(s) => Some(MailAddress::parse(s)?),
            None => None,
        };
        let data = forward_bytes(msg, bytes, mode, sender.as_ref(), recipients)?;
        let mail_from = match (&sender, msg.sender().or(msg.from())) {
            (Some(s), _) => s.address(),
            (None, Some(own)) => own.address(),
            (None, None) => {
                return Err(MessageError::new(
                    MessageErrorKind::NoSender,
                    "the message has no Sender or From and no forward sender is set",
                )
                .into());
            }
        };
        let mut rcpts: Vec<String> = Vec::new();
        for r in recipients {
            let a = r.address();
            if !rcpts.iter().any(|x| x.eq_ignore_ascii_case(&a)) {
                rcpts.push(a);
            }
        }
        let smtputf8 = recipients.iter().any(MailAddress::needs_smtputf8)
            || sender.as_ref().is_some_and(MailAddress::needs_smtputf8)
            || (mode != ForwardMode::Attach && msg.needs_smtputf8());
        let prepared = Prepared {
            mail_from,
            recipients: rcpts,
            data: Arc::new(data),
            smtputf8,
            dsn: Default::default(),
        };
        // Sent as made: no TNEF conversion, so REDIRECT stays byte-exact.
        self.deliver_as_is(&config, &prepared)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn resent_block_shape() {
        let s = MailAddress::parse("Fwd Er <fwd@example.com>").unwrap();
        let r = [
            MailAddress::parse("a@example.org").unwrap(),
            MailAddress::parse("b@example.org").unwrap(),
        ];
        let b = String::from_utf8(resent_block(&s, &r, 0)).unwrap();
        let lines: Vec<&str> = b.split("\r\n").collect();
        assert!(lines[0].starts_with("Resent-Date: Thu, 1 Jan 1970"), "{b}");
        assert!(lines[1].starts_with("Resent-From: "), "{b}");
        assert!(lines[1].contains("<fwd@example.com>"), "{b}");
        assert!(b.contains("Resent-To: "), "{b}");
        assert!(
            b.contains("a@example.org") && b.contains("b@example.org"),
            "{b}"
        );
        assert!(b.contains("Resent-Message-ID: <"), "{b}");
        assert!(b.ends_with(">\r\n"), "{b}");
    }

    #[test]
    fn crlf_bytes_normalises() {
        assert_eq!(
            crate::message::mime::crlf_bytes(b"a\nb\rc\r\nd"),
            b"a\r\nb\r\nc\r\nd".to_vec()
        );
    }
}
