//! EML in (mail-parser) and out (save).

use std::io::Write;
use std::path::Path;
use std::sync::Arc;

use mail_parser::{
    Address as PAddress, HeaderName, HeaderValue, Message, MessageParser, MessagePart, MimeHeaders,
    PartType,
};

use super::address::MailAddress;
use super::error::{MessageError, MessageErrorKind};
use super::mime::{MimeOptions, to_mime};
use super::model::{AlternateView, Attachment, Header, MailMessage, Priority, STRUCTURAL_HEADERS};

/// Largest message `load` accepts, to keep a hostile file from exhausting memory.
pub const MAX_EML_SIZE: usize = 1 << 30;

fn malformed(detail: impl Into<String>) -> MessageError {
    MessageError::new(MessageErrorKind::MalformedEml, detail)
}

/// Loads a message from a file. The message keeps the file's bytes (see
/// [`MailMessage::original_bytes`]).
pub fn load_path(path: &Path) -> Result<MailMessage, MessageError> {
    let meta = std::fs::metadata(path)
        .map_err(|e| MessageError::from_io(&e, format!("cannot open {}", path.display())))?;
    if meta.is_dir() {
        return Err(MessageError::new(
            MessageErrorKind::InvalidArgument,
            format!("{} is a directory, not an .eml file", path.display()),
        ));
    }
    if meta.len() > MAX_EML_SIZE as u64 {
        return Err(malformed(format!(
            "{} is {} bytes; messages over {MAX_EML_SIZE} bytes are not loaded",
            path.display(),
            meta.len()
        )));
    }
    let bytes = std::fs::read(path)
        .map_err(|e| MessageError::from_io(&e, format!("cannot read {}", path.display())))?;
    load_bytes(bytes)
        .map_err(|e| MessageError::new(e.kind(), format!("{}: {}", path.display(), e.message())))
}

/// Loads a message from bytes (RFC 5322 / MIME). The message keeps the bytes.
pub fn load_bytes(bytes: Vec<u8>) -> Result<MailMessage, MessageError> {
    check_header_section(&bytes)?;
    // Structured fields get their parsers; every other field is read as unstructured text, so
    // that encoded words in unknown headers are decoded and folding is removed.
    let parsed = MessageParser::new()
        .with_mime_headers()
        .with_date_headers()
        .with_address_headers()
        .with_message_ids()
        .header_text(HeaderName::Subject)
        .default_header_text()
        .parse(&bytes[..])
        .ok_or_else(|| malformed("the data is not a MIME message"))?;
    check_multiparts(&parsed, &bytes)?;
    let mut msg = map_message(&parsed)?;
    drop(parsed);
    msg.original = Some(Arc::new(bytes));
    Ok(msg)
}

/// Checks that the data starts with a well-formed header section: every line up to the first
/// empty one is a `Name: value` field or a folded continuation, with no NUL bytes.
fn check_header_section(bytes: &[u8]) -> Result<(), MessageError> {
    if bytes.iter().all(|b| b.is_ascii_whitespace()) {
        return Err(malformed("the data is empty"));
    }
    let mut fields = 0usize;
    let mut start = 0usize;
    let mut line_no = 0usize;
    while start < bytes.len() {
        let end = bytes[start..]
            .iter()
            .position(|&b| b == b'\n')
            .map_or(bytes.len(), |p| start + p);
        let mut line = &bytes[start..end];
        if line.last() == Some(&b'\r') {
            line = &line[..line.len() - 1];
        }
        line_no += 1;
        if line.is_empty() {
            break;
        }
        if line.contains(&0) {
            return Err(malformed(format!(
                "line {line_no} of the header section contains a NUL byte"
            )));
        }
        if line_no == 1 && line.starts_with(b"From ") {
            // An mbox separator line.
        } else if line[0] == b' ' || line[0] == b'\t' {
            if fields == 0 {
                return Err(malformed(
                    "the data starts with a folded line, not a header",
                ));
            }
        } else {
            let colon = line.iter().position(|&b| b == b':');
            let valid =
                colon.is_some_and(|c| c > 0 && line[..c].iter().all(|&b| (33..=126).contains(&b)));
            if !valid {
                let shown = String::from_utf8_lossy(&line[..line.len().min(40)]).into_owned();
                return Err(malformed(format!(
                    "line {line_no} is not a header field (expected 'Name: value'): {shown:?}"
                )));
            }
            fields += 1;
        }
        start = end + 1;
    }
    if fields == 0 {
        return Err(malformed("the data has no header fields"));
    }
    Ok(())
}

/// A multipart whose closing boundary never comes is a truncated message.
fn check_multiparts(msg: &Message<'_>, raw: &[u8]) -> Result<(), MessageError> {
    for part in &msg.parts {
        if let PartType::Multipart(_) = part.body {
            let Some(ct) = part.content_type() else {
                continue;
            };
            let Some(boundary) = ct.attribute("boundary") else {
                return Err(malformed(format!(
                    "a multipart/{} part has no boundary parameter",
                    ct.subtype().unwrap_or("?")
                )));
            };
            let closing = format!("--{boundary}--");
            let region = &raw[(part.offset_body as usize).min(raw.len())..];
            if !contains(region, closing.as_bytes()) {
                return Err(MessageError::new(
                    MessageErrorKind::TruncatedEml,
                    format!(
                        "the multipart/{} part never closes (no {closing:?} line): the message is truncated",
                        ct.subtype().unwrap_or("?")
                    ),
                ));
            }
        }
        if let PartType::Message(inner) = &part.body {
            check_multiparts(inner, inner.raw_message())?;
        }
    }
    Ok(())
}

fn contains(hay: &[u8], needle: &[u8]) -> bool {
    !needle.is_empty() && hay.windows(needle.len()).any(|w| w == needle)
}

/// Every address of every field called `name` (a header may occur more than once).
fn all_addresses(
    p: &Message<'_>,
    name: HeaderName<'static>,
) -> Result<Vec<MailAddress>, MessageError> {
    let label = name.as_str().to_string();
    let mut out = Vec::new();
    for value in p.header_values(name) {
        if let HeaderValue::Address(a) = value {
            out.extend(map_addresses(Some(a), &label)?);
        }
    }
    Ok(out)
}

fn map_addresses(
    value: Option<&PAddress<'_>>,
    header: &str,
) -> Result<Vec<MailAddress>, MessageError> {
    let mut out = Vec::new();
    let Some(value) = value else {
        return Ok(out);
    };
    for addr in value.iter() {
        let Some(a) = addr.address.as_deref() else {
            continue;
        };
        let parsed = MailAddress::new(a, addr.name.as_deref()).map_err(|e| {
            MessageError::new(e.kind(), format!("in the {header} header: {}", e.message()))
        })?;
        out.push(parsed);
    }
    Ok(out)
}

fn first_address(
    value: Option<&PAddress<'_>>,
    header: &str,
) -> Result<Option<MailAddress>, MessageError> {
    Ok(map_addresses(value, header)?.into_iter().next())
}

/// The value of a header as text: decoded for unstructured fields, else the raw value unfolded.
fn header_text(raw: &[u8], h: &mail_parser::Header<'_>) -> String {
    if let HeaderValue::Text(t) = &h.value {
        return unfold(t);
    }
    let start = (h.offset_start as usize).min(raw.len());
    let end = (h.offset_end as usize).clamp(start, raw.len());
    unfold(&String::from_utf8_lossy(&raw[start..end]))
}

/// Removes folding (CRLF before white space) and any other line breaks, and trims.
fn unfold(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for piece in value.split(['\r', '\n']) {
        if !piece.is_empty() {
            if !out.is_empty() && (piece.starts_with(' ') || piece.starts_with('\t')) {
                out.push(' ');
                out.push_str(piece.trim_start());
            } else {
                out.push_str(piece);
            }
        }
    }
    out.chars()
        .filter(|c| !c.is_control() || *c == '\t')
        .collect::<String>()
        .trim()
        .to_string()
}

fn map_message(p: &Message<'_>) -> Result<MailMessage, MessageError> {
    let mut msg = MailMessage::new();
    msg.from = first_address(p.from(), "From")?;
    msg.sender = first_address(p.sender(), "Sender")?;
    msg.to = all_addresses(p, HeaderName::To)?;
    msg.cc = all_addresses(p, HeaderName::Cc)?;
    msg.bcc = all_addresses(p, HeaderName::Bcc)?;
    msg.reply_to = all_addresses(p, HeaderName::ReplyTo)?;
    msg.subject = p
        .subject()
        .unwrap_or("")
        .chars()
        .filter(|c| !c.is_control() || *c == '\t')
        .collect();
    if let Some(d) = p.date()
        && d.is_valid()
    {
        let sign = if d.tz_before_gmt { -1 } else { 1 };
        let offset = sign * (i32::from(d.tz_hour) * 60 + i32::from(d.tz_minute));
        msg.date = Some((d.to_timestamp(), offset.clamp(-840, 840)));
    }
    msg.message_id = p.message_id().map(str::to_string);
    let raw = p.raw_message();
    for h in p.root_part().headers() {
        let name = h.name.as_str();
        let lower = name.to_ascii_lowercase();
        match lower.as_str() {
            "x-priority" => {
                let v = header_text(raw, h);
                match v.trim().chars().next() {
                    Some('1' | '2') => msg.priority = Priority::High,
                    Some('4' | '5') => msg.priority = Priority::Low,
                    _ => {}
                }
            }
            "importance" if msg.priority == Priority::Normal => {
                let v = header_text(raw, h).to_ascii_lowercase();
                if v == "high" {
                    msg.priority = Priority::High;
                } else if v == "low" {
                    msg.priority = Priority::Low;
                }
            }
            // The pickup format's envelope lines are not headers of the message.
            "x-sender" | "x-receiver" => {}
            l if STRUCTURAL_HEADERS.contains(&l) => {}
            _ => {
                if matches!(h.name, HeaderName::Other(_)) || !is_mapped(&h.name) {
                    msg.headers.push(Header {
                        name: name.to_string(),
                        value: header_text(raw, h),
                    });
                }
            }
        }
    }
    let mut walker = Walker {
        msg: &p.parts,
        raw,
        out: &mut msg,
        text_set: false,
        html_set: false,
    };
    walker.body_position(0)?;
    // A winmail.dat part: its body and attachments become the message's.
    crate::tnef::absorb_winmail(&mut msg);
    Ok(msg)
}

/// Header names that are read into dedicated fields of the model.
fn is_mapped(name: &HeaderName<'_>) -> bool {
    matches!(
        name,
        HeaderName::From
            | HeaderName::Sender
            | HeaderName::To
            | HeaderName::Cc
            | HeaderName::Bcc
            | HeaderName::ReplyTo
            | HeaderName::Subject
            | HeaderName::Date
            | HeaderName::MessageId
            | HeaderName::MimeVersion
            | HeaderName::ContentType
            | HeaderName::ContentTransferEncoding
            | HeaderName::ContentDisposition
            | HeaderName::ContentId
    )
}

struct Walker<'a, 'x> {
    msg: &'a [MessagePart<'x>],
    raw: &'a [u8],
    out: &'a mut MailMessage,
    text_set: bool,
    html_set: bool,
}

fn essence(part: &MessagePart<'_>) -> (String, String) {
    match part.content_type() {
        Some(ct) => (
            ct.ctype().to_ascii_lowercase(),
            ct.subtype().unwrap_or("").to_ascii_lowercase(),
        ),
        None => ("text".into(), "plain".into()),
    }
}

fn is_attachment(part: &MessagePart<'_>) -> bool {
    part.content_disposition()
        .is_some_and(|cd| cd.ctype().eq_ignore_ascii_case("attachment"))
}

impl<'a, 'x> Walker<'a, 'x> {
    fn part(&self, id: usize) -> Result<&'a MessagePart<'x>, MessageError> {
        let parts: &'a [MessagePart<'x>] = self.msg;
        parts
            .get(id)
            .ok_or_else(|| malformed(format!("MIME part {id} is missing")))
    }

    /// A part where the message body is expected.
    fn body_position(&mut self, id: usize) -> Result<(), MessageError> {
        let part = self.part(id)?;
        let (t, s) = essence(part);
        if let PartType::Multipart(children) = &part.body {
            let children = children.clone();
            return match s.as_str() {
                "alternative" => {
                    for c in children {
                        self.alternative_child(c as usize)?;
                    }
                    Ok(())
                }
                "related" => {
                    let mut it = children.into_iter();
                    if let Some(first) = it.next() {
                        self.body_position(first as usize)?;
                    }
                    for c in it {
                        self.resource(c as usize, true)?;
                    }
                    Ok(())
                }
                _ => {
                    // mixed and any other multipart: the first body-like part is the body.
                    let mut it = children.into_iter().peekable();
                    if let Some(&first) = it.peek() {
                        let fp = self.part(first as usize)?;
                        let (ft, _) = essence(fp);
                        let bodylike = (ft == "text" || ft == "multipart") && !is_attachment(fp);
                        if bodylike {
                            it.next();
                            self.body_position(first as usize)?;
                        }
                    }
                    for c in it {
                        self.resource(c as usize, false)?;
                    }
                    Ok(())
                }
            };
        }
        if is_attachment(part) || t != "text" {
            return self.resource(id, false);
        }
        match s.as_str() {
            "plain" if !self.text_set => {
                self.out.body = text_of(part);
                self.text_set = true;
            }
            "html" if !self.html_set => {
                self.out.html_body = Some(text_of(part));
                self.out.is_body_html = true;
                self.html_set = true;
            }
            _ => self.view(part),
        }
        Ok(())
    }

    fn alternative_child(&mut self, id: usize) -> Result<(), MessageError> {
        let part = self.part(id)?;
        let (t, s) = essence(part);
        if matches!(part.body, PartType::Multipart(_)) {
            return self.body_position(id);
        }
        match (t.as_str(), s.as_str()) {
            ("text", "plain") if !self.text_set => self.body_position(id),
            ("text", "html") if !self.html_set => self.body_position(id),
            _ => {
                self.view(part);
                Ok(())
            }
        }
    }

    fn view(&mut self, part: &MessagePart<'_>) {
        let (t, s) = essence(part);
        let mut content_type = format!("{t}/{s}");
        let mut charset = None;
        if let Some(ct) = part.content_type()
            && let Some(attrs) = ct.attributes()
        {
            for a in attrs {
                if a.name.eq_ignore_ascii_case("charset") {
                    charset = Some(a.value.to_ascii_lowercase());
                } else if !a.name.eq_ignore_ascii_case("name") {
                    content_type.push_str(&format!("; {}={}", a.name, a.value));
                }
            }
        }
        let content = match &part.body {
            // mail-parser decodes text into UTF-8, whatever the charset was.
            PartType::Text(t) | PartType::Html(t) => {
                charset = Some("utf-8".to_string());
                t.as_bytes().to_vec()
            }
            _ => part.contents().to_vec(),
        };
        if t == "text" && charset.is_none() {
            charset = Some("utf-8".to_string());
        }
        self.out.alternate_views.push(AlternateView {
            content_type,
            charset,
            content,
        });
    }

    fn resource(&mut self, id: usize, inline: bool) -> Result<(), MessageError> {
        let part = self.part(id)?;
        if let PartType::Multipart(children) = &part.body {
            // A nested multipart among attachments: take its leaves as attachments.
            for c in children.clone() {
                self.resource(c as usize, inline)?;
            }
            return Ok(());
        }
        let (t, s) = essence(part);
        let content = match &part.body {
            PartType::Message(m) => m.raw_message().to_vec(),
            PartType::Text(_) | PartType::Html(_) => {
                // Text attachments: the transfer encoding undone, in the original charset.
                raw_decoded(self.raw, part)
            }
            _ => part.contents().to_vec(),
        };
        let name = part
            .attachment_name()
            .map(str::to_string)
            .unwrap_or_else(|| {
                if matches!(part.body, PartType::Message(_)) {
                    "message.eml".to_string()
                } else {
                    String::new()
                }
            });
        let a = Attachment {
            name,
            content_type: format!("{t}/{s}"),
            content: Arc::new(content),
            content_id: part
                .content_id()
                .map(|c| c.trim_start_matches('<').trim_end_matches('>').to_string()),
        };
        if inline {
            self.out.inline_resources.push(a);
        } else {
            self.out.attachments.push(a);
        }
        Ok(())
    }
}

fn text_of(part: &MessagePart<'_>) -> String {
    match &part.body {
        PartType::Text(t) | PartType::Html(t) => t.to_string(),
        _ => String::from_utf8_lossy(part.contents()).into_owned(),
    }
}

/// The bytes of a part with the transfer encoding undone but no charset conversion (mail-parser
/// converts text parts to UTF-8; attachments must come back byte for byte).
fn raw_decoded(raw: &[u8], part: &MessagePart<'_>) -> Vec<u8> {
    use mail_parser::Encoding;
    use mail_parser::decoders::{base64::base64_decode, quoted_printable::quoted_printable_decode};
    let start = (part.offset_body as usize).min(raw.len());
    let end = (part.offset_end as usize).clamp(start, raw.len());
    let body = &raw[start..end];
    let decoded = match part.encoding {
        Encoding::Base64 => base64_decode(body),
        Encoding::QuotedPrintable => quoted_printable_decode(body),
        Encoding::None => Some(body.to_vec()),
    };
    decoded.unwrap_or_else(|| part.contents().to_vec())
}

/// Writes the message as MIME into `out`.
pub fn save_to_writer(
    msg: &MailMessage,
    opts: &MimeOptions,
    mut out: impl Write,
) -> std::io::Result<()> {
    out.write_all(&to_mime(msg, opts))
}

/// Saves the message to a file atomically (a temporary file in the same directory, then rename).
pub fn save_path(msg: &MailMessage, opts: &MimeOptions, path: &Path) -> Result<(), MessageError> {
    let bytes = to_mime(msg, opts);
    crate::deliver::atomic_write(path, &[&bytes])
        .map_err(|e| MessageError::from_io(&e, format!("cannot write {}", path.display())))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rejects_garbage() {
        for bad in [
            &b""[..],
            b"   \r\n",
            b"\x00\x01\x02binary",
            b"this is just a sentence\r\n\r\nbody",
            b" folded first\r\nA: b\r\n\r\n",
            b"Subject: a\x00b\r\n\r\nx",
        ] {
            let e = load_bytes(bad.to_vec()).unwrap_err();
            assert_eq!(e.kind(), MessageErrorKind::MalformedEml, "{bad:?}");
        }
    }

    #[test]
    fn unknown_headers_are_decoded_and_unfolded() {
        let m = load_bytes(
            b"From: a@b.c\r\nX-Note: =?utf-8?B?R3LDvMOfZSBhdXMgS8O2bG4=?=\r\nX-Fold: a\r\n b\r\n\r\nhi"
                .to_vec(),
        )
        .unwrap();
        assert_eq!(m.header("X-Note"), Some("Grüße aus Köln"));
        assert_eq!(m.header("X-Fold"), Some("a b"));
    }

    #[test]
    fn detects_truncation() {
        let eml = b"From: a@b.c\r\nContent-Type: multipart/mixed; boundary=\"XX\"\r\n\r\n--XX\r\nContent-Type: text/plain\r\n\r\nhello\r\n--XX\r\nContent-Type: application/pdf\r\nContent-Transfer-Encoding: base64\r\n\r\nJVBER";
        let e = load_bytes(eml.to_vec()).unwrap_err();
        assert_eq!(e.kind(), MessageErrorKind::TruncatedEml);
        assert!(e.message().contains("--XX--"), "{}", e.message());
    }
}
