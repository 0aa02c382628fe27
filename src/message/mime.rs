//! MIME output: the model written as an RFC 5322 / MIME message with mail-builder.
//!
//! Structure: `multipart/mixed` (attachments) > `multipart/related` (inline resources) >
//! `multipart/alternative` (text, HTML, alternate views); each level only when needed.
//! Bcc is never written.

use std::borrow::Cow;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

use mail_builder::MessageBuilder;
use mail_builder::headers::address::Address;
use mail_builder::headers::content_type::ContentType;
use mail_builder::headers::message_id::MessageId;
use mail_builder::headers::raw::Raw;
use mail_builder::headers::text::Text;
use mail_builder::headers::{Header as _, HeaderType};
use mail_builder::mime::{BodyPart, MimePart};

use super::address::MailAddress;
use super::model::{AlternateView, Attachment, Header, MailMessage, Priority};

/// Options for writing a message.
#[derive(Clone, Debug, Default)]
pub struct MimeOptions {
    /// When set, multipart boundaries are derived from this text and a counter instead of
    /// randomness, so that output is byte-for-byte reproducible (tests).
    pub fixed_boundary: Option<String>,
    /// The date to write when the message has none (seconds since the epoch, UTC).
    /// `None` means the current time.
    pub default_date: Option<i64>,
}

/// Writes `msg` as MIME. A message without a Message-ID gets a generated one (the model is not
/// changed: call [`MailMessage::ensure_message_id`] first to know it).
///
/// A loaded message is written from its MIME tree: unchanged, as the bytes it was loaded from;
/// changed, with only the fields and parts the changes touched rewritten (see
/// [`super::edit`]). TNEF output is the `tnef` module's (`crate::tnef::to_tnef_mime`): this
/// function writes MIME only.
pub fn to_mime(msg: &MailMessage, opts: &MimeOptions) -> Vec<u8> {
    if let Some(original) = &msg.original {
        return original.as_ref().clone();
    }
    if let Some(src) = &msg.source {
        return super::edit::render(msg, src, opts);
    }
    compose(msg, opts)
}

/// Writes the model as a new message (a loaded message's tree is not used).
pub(crate) fn compose(msg: &MailMessage, opts: &MimeOptions) -> Vec<u8> {
    let mut builder = MessageBuilder::new();
    let addr =
        |a: &MailAddress| Address::new_address(a.display_name().map(str::to_string), a.address());
    let list = |v: &[MailAddress]| {
        if v.len() == 1 {
            addr(&v[0])
        } else {
            Address::new_list(v.iter().map(addr).collect())
        }
    };
    if let Some(from) = &msg.from {
        builder = builder.from(addr(from));
    }
    if let Some(sender) = &msg.sender {
        builder = builder.sender(addr(sender));
    }
    if !msg.reply_to.is_empty() {
        builder = builder.reply_to(list(&msg.reply_to));
    }
    if !msg.to.is_empty() {
        builder = builder.to(list(&msg.to));
    }
    if !msg.cc.is_empty() {
        builder = builder.cc(list(&msg.cc));
    }
    builder = builder.subject(Text::new(msg.subject.clone()));
    let (secs, offset) = msg
        .date
        .unwrap_or_else(|| (opts.default_date.unwrap_or_else(super::date::now), 0));
    builder = builder.header("Date", Raw::new(format_rfc5322_date(secs, offset)));
    let id = msg
        .message_id
        .clone()
        .unwrap_or_else(|| generate_message_id(msg.from.as_ref()));
    builder = builder.message_id(MessageId::new(id));
    match msg.priority {
        Priority::Normal => {}
        Priority::High => {
            builder = builder
                .header("X-Priority", Raw::new("1 (Highest)"))
                .header("Importance", Raw::new("high"));
        }
        Priority::Low => {
            builder = builder
                .header("X-Priority", Raw::new("5 (Lowest)"))
                .header("Importance", Raw::new("low"));
        }
    }
    for h in &msg.headers {
        builder = builder.header(h.name.clone(), custom_value(h));
    }
    let mut boundaries = Boundaries::new(opts.fixed_boundary.as_deref());
    builder = builder.body(body_tree(msg, &mut boundaries));
    let mut out = Vec::new();
    builder.serialize(&mut out);
    out
}

/// The value of a custom header: ASCII values go as they are (structured fields such as
/// List-Unsubscribe must not be encoded), unless a run without white space is too long to fold
/// within 998 octets; others as RFC 2047 encoded words.
pub(crate) fn custom_value(h: &Header) -> HeaderType<'static> {
    let foldable = longest_word(&h.value) + h.name.len() + 2 <= 900;
    if h.value.is_ascii() && foldable {
        Raw::new(h.value.clone()).into()
    } else {
        Text::new(h.value.clone()).into()
    }
}

/// One address or a list, as a header value.
pub(crate) fn address_value(v: &[MailAddress]) -> HeaderType<'static> {
    let addr =
        |a: &MailAddress| Address::new_address(a.display_name().map(str::to_string), a.address());
    if v.len() == 1 {
        addr(&v[0]).into()
    } else {
        Address::new_list(v.iter().map(addr).collect()).into()
    }
}

/// A whole header field (`Name: value` with its folding and final CRLF).
pub(crate) fn render_field(name: &str, value: &HeaderType<'_>) -> Vec<u8> {
    let mut out = Vec::with_capacity(name.len() + 64);
    out.extend_from_slice(name.as_bytes());
    out.extend_from_slice(b": ");
    value.write_header(&mut out, name.len() + 2);
    out
}

/// A part written on its own: header fields, the empty line and the encoded body.
pub(crate) fn part_bytes(part: MimePart<'static>) -> Vec<u8> {
    let mut out = Vec::new();
    part.write_part(&mut out);
    out
}

/// The length of the longest run without white space.
fn longest_word(s: &str) -> usize {
    s.split([' ', '\t']).map(str::len).max().unwrap_or(0)
}

/// Hands out multipart boundaries: random by default, reproducible with a fixed prefix.
struct Boundaries<'a> {
    fixed: Option<&'a str>,
    n: u32,
}

impl<'a> Boundaries<'a> {
    fn new(fixed: Option<&'a str>) -> Self {
        Boundaries { fixed, n: 0 }
    }

    fn content_type(&mut self, ct: &'static str) -> ContentType<'static> {
        let ct = ContentType::new(ct);
        match self.fixed {
            Some(prefix) => {
                self.n += 1;
                ct.attribute("boundary", format!("=_{prefix}_{}", self.n))
            }
            None => ct,
        }
    }
}

pub(crate) fn text_part(ct: &'static str, text: &str) -> MimePart<'static> {
    MimePart::new(
        ContentType::new(ct).attribute("charset", "utf-8"),
        BodyPart::Text(Cow::Owned(crlf(text))),
    )
}

/// Text with every line break as CRLF: a lone CR or a lone LF becomes CRLF (RFC 5322 allows no
/// other line ending, and a bare CR in 7bit text is a defect).
pub fn crlf(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + text.len() / 32);
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\r' => {
                if chars.peek() == Some(&'\n') {
                    chars.next();
                }
                out.push_str("\r\n");
            }
            '\n' => out.push_str("\r\n"),
            c => out.push(c),
        }
    }
    out
}

/// A part whose body is already base64-encoded (binary content: kept byte for byte).
fn base64_part(ct: ContentType<'static>, bytes: &[u8]) -> MimePart<'static> {
    // A Binary body keeps mail-builder from adding `charset=utf-8`; with the
    // Content-Transfer-Encoding header given, the body is written as it is.
    MimePart::new(
        ct,
        BodyPart::Binary(Cow::Owned(base64_body(bytes).into_bytes())),
    )
    .transfer_encoding("base64")
}

pub(crate) fn resource_part(a: &Attachment, inline: bool) -> MimePart<'static> {
    let mut ct = ContentType::new(a.content_type.clone());
    let lower = a.content_type.to_ascii_lowercase();
    // A text attachment with non-ASCII content says its charset (RFC 2046 §4.1.2).
    if lower.starts_with("text/")
        && !lower.contains("charset=")
        && !a.content.is_ascii()
        && std::str::from_utf8(&a.content).is_ok()
    {
        ct = ct.attribute("charset", "utf-8");
    }
    if !a.name.is_empty() {
        ct = ct.attribute("name", a.name.clone());
    }
    // Attachments are base64 (their bytes must come back exactly as given), except enclosed
    // messages: RFC 2046 §5.2.1 allows message/* only in 7bit, 8bit or binary.
    let mut part = if lower.starts_with("message/") {
        let content = crlf_bytes(&a.content);
        let cte = if content.is_ascii() { "7bit" } else { "8bit" };
        MimePart::new(ct, BodyPart::Binary(Cow::Owned(content))).transfer_encoding(cte)
    } else {
        base64_part(ct, &a.content)
    };
    part = if inline {
        let mut disposition = ContentType::new("inline");
        if !a.name.is_empty() {
            disposition = disposition.attribute("filename", a.name.clone());
        }
        part.header("Content-Disposition", disposition)
    } else {
        part.attachment(a.name.clone())
    };
    if let Some(cid) = &a.content_id {
        part = part.cid(cid.clone());
    }
    part
}

/// Base64 in 76-character lines. mail-builder writes a body verbatim when the part carries its
/// own Content-Transfer-Encoding, so parts we force to base64 are encoded here.
fn base64_body(bytes: &[u8]) -> String {
    use base64::Engine as _;
    let encoded = base64::engine::general_purpose::STANDARD.encode(bytes);
    let mut out = String::with_capacity(encoded.len() + encoded.len() / 76 * 2 + 2);
    for chunk in encoded.as_bytes().chunks(76) {
        out.push_str(std::str::from_utf8(chunk).unwrap_or_default());
        out.push_str("\r\n");
    }
    out
}

/// Bytes with every line break as CRLF (a bare CR or LF becomes CRLF); not UTF-8-checked.
pub(crate) fn crlf_bytes(data: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(data.len() + data.len() / 32);
    let mut i = 0;
    while i < data.len() {
        match data[i] {
            b'\r' => {
                out.extend_from_slice(b"\r\n");
                if data.get(i + 1) == Some(&b'\n') {
                    i += 1;
                }
            }
            b'\n' => out.extend_from_slice(b"\r\n"),
            c => out.push(c),
        }
        i += 1;
    }
    out
}

/// An alternate view as a part. Parameters given in the content type (e.g. method=REQUEST)
/// are kept verbatim.
pub(crate) fn view_part(view: &AlternateView) -> MimePart<'static> {
    let mut ct = ContentType::new(view.content_type.clone());
    if let Some((essence, params)) = view.content_type.split_once(';') {
        ct = ContentType::new(essence.trim().to_string());
        for p in params.split(';') {
            if let Some((k, v)) = p.split_once('=') {
                ct = ct.attribute(k.trim().to_string(), v.trim().trim_matches('"').to_string());
            }
        }
    }
    let utf8 = matches!(view.charset.as_deref(), Some("utf-8" | "us-ascii"));
    if let Some(cs) = &view.charset {
        ct = ct.attribute("charset", cs.clone());
    }
    match (utf8, std::str::from_utf8(&view.content)) {
        (true, Ok(s)) => MimePart::new(ct, BodyPart::Text(Cow::Owned(crlf(s)))),
        _ => base64_part(ct, &view.content),
    }
}

/// Where an alternative goes in a `multipart/alternative`: from least to most faithful
/// (RFC 2046 §5.1.4), so that clients, which show the last part they understand, show HTML
/// rather than plain text, whatever order the calls came in.
pub(crate) fn alternative_rank(content_type: &str) -> u8 {
    let essence = content_type
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
    match essence.as_str() {
        "text/plain" => 0,
        "text/html" => 1,
        _ => 2,
    }
}

fn body_tree(msg: &MailMessage, b: &mut Boundaries<'_>) -> MimePart<'static> {
    let (text, html) = msg.effective_bodies();
    let mut ranked: Vec<(u8, MimePart<'static>)> = Vec::new();
    if let Some(text) = text {
        ranked.push((0, text_part("text/plain", text)));
    }
    if let Some(html) = html {
        ranked.push((1, text_part("text/html", html)));
    }
    for view in &msg.alternate_views {
        ranked.push((alternative_rank(&view.content_type), view_part(view)));
    }
    ranked.sort_by_key(|(rank, _)| *rank);
    let mut alternatives: Vec<MimePart<'static>> = ranked.into_iter().map(|(_, p)| p).collect();
    let mut core = if alternatives.len() == 1 {
        alternatives
            .pop()
            .unwrap_or_else(|| text_part("text/plain", ""))
    } else if alternatives.is_empty() {
        text_part("text/plain", "")
    } else {
        MimePart::new(b.content_type("multipart/alternative"), alternatives)
    };
    if !msg.inline_resources.is_empty() {
        let mut parts = vec![core];
        parts.extend(msg.inline_resources.iter().map(|a| resource_part(a, true)));
        core = MimePart::new(b.content_type("multipart/related"), parts);
    }
    if !msg.attachments.is_empty() {
        let mut parts = vec![core];
        parts.extend(msg.attachments.iter().map(|a| resource_part(a, false)));
        core = MimePart::new(b.content_type("multipart/mixed"), parts);
    }
    core
}

/// Makes a Message-ID: time, process, a counter and randomness, at the sender's domain.
pub fn generate_message_id(from: Option<&MailAddress>) -> String {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or(0);
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    let random = random_u64();
    // The sender's domain when it is a host name (a loaded address may have an odd one).
    let host = |d: &str| {
        !d.is_empty()
            && d.split('.').all(|l| {
                !l.is_empty()
                    && !l.starts_with('-')
                    && !l.ends_with('-')
                    && l.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
            })
    };
    let domain = from
        .map(|a| a.domain().to_string())
        .filter(|d| host(d))
        .unwrap_or_else(|| "missive.localhost".to_string());
    format!(
        "{:x}.{:x}.{:x}.{:016x}@{}",
        nanos,
        std::process::id(),
        n,
        random,
        domain
    )
}

/// 64 bits from the OS's randomness (through the hasher's random keys), without a crate.
pub(crate) fn random_u64() -> u64 {
    use std::collections::hash_map::RandomState;
    use std::hash::{BuildHasher, Hasher};
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let mut h = RandomState::new().build_hasher();
    h.write_u64(COUNTER.fetch_add(1, Ordering::Relaxed));
    h.finish()
}

/// Formats `secs` (UTC) as an RFC 5322 date in the zone `offset_minutes` east of UTC.
pub fn format_rfc5322_date(secs: i64, offset_minutes: i32) -> String {
    super::date::format_rfc5322(secs, offset_minutes)
}
