//! EML in: a loaded message is read into a lossless MIME tree ([`super::tree`]) and mapped into
//! the model. The tree stays with the message, so saving it unchanged gives back the input, and
//! an edit rewrites only the fields and parts it touches ([`super::edit`]).
//!
//! One reading: the tree decides where each header section ends and which fields it has; each
//! field's value is then decoded on its own (mail-parser's field parsers, given exactly that
//! field's bytes), so no field parser can read past its field into the body.
//!
//! What the model shows of a loaded message, as a mail client does (the rules of Python's
//! `email` `get_body` and `iter_attachments`):
//! - the text body is the first `text/plain` part found depth first, not marked as an
//!   attachment, looking only at the root of a `multipart/related`; the HTML body likewise;
//! - alternate views are the other leaves of the `multipart/alternative` holding a body;
//! - an attachment is a part with `Content-Disposition: attachment`, a named part that is not
//!   text, or an enclosed message (`message/rfc822`); an inline resource is a non-root part of
//!   a `multipart/related`;
//! - every other part (a second inline text part, a `message/delivery-status`, an unnamed
//!   binary part...) is neither: it stays in the tree and is written back as it came.

use std::borrow::Cow;
use std::path::Path;
use std::sync::Arc;

use mail_parser::decoders::base64::base64_decode;
use mail_parser::decoders::charsets::map::charset_decoder;
use mail_parser::decoders::quoted_printable::quoted_printable_decode;
use mail_parser::parsers::MessageStream;
use mail_parser::{Address as PAddress, HeaderValue};

use super::address::MailAddress;
use super::edit::{Loaded, PartPath, Provenance};
use super::error::{MessageError, MessageErrorKind};
use super::model::{AlternateView, Attachment, Header, MailMessage, Priority, STRUCTURAL_HEADERS};
use super::tree::{self, Body, ContentType, Entity, Field, Tree};

/// Largest message `load` accepts, to keep a hostile file from exhausting memory.
pub const MAX_EML_SIZE: usize = 1 << 30;

/// How a message is read.
#[derive(Clone, Copy, Debug, Default)]
pub struct LoadOptions {
    /// Refuse what a lenient reader accepts with a warning (a multipart that never closes:
    /// `TruncatedEml`).
    pub strict: bool,
}

fn malformed(detail: impl Into<String>) -> MessageError {
    MessageError::new(MessageErrorKind::MalformedEml, detail)
}

/// Loads a message from a file. The message keeps the file's bytes (see
/// [`MailMessage::original_bytes`]).
pub fn load_path(path: &Path) -> Result<MailMessage, MessageError> {
    load_path_with(path, &LoadOptions::default())
}

/// [`load_path`] with options.
pub fn load_path_with(path: &Path, opts: &LoadOptions) -> Result<MailMessage, MessageError> {
    let bytes = read_file(path)?;
    load_bytes_with(bytes, opts)
        .map_err(|e| MessageError::new(e.kind(), format!("{}: {}", path.display(), e.message())))
}

/// Reads a message file: refused when it is a directory or larger than [`MAX_EML_SIZE`].
pub fn read_file(path: &Path) -> Result<Vec<u8>, MessageError> {
    let meta = std::fs::metadata(path)
        .map_err(|e| MessageError::from_io(&e, format!("cannot open {}", path.display())))?;
    if meta.is_dir() {
        return Err(MessageError::new(
            MessageErrorKind::InvalidArgument,
            format!("{} is a directory, not a message file", path.display()),
        ));
    }
    if meta.len() > MAX_EML_SIZE as u64 {
        return Err(malformed(format!(
            "{} is {} bytes; messages over {MAX_EML_SIZE} bytes are not loaded",
            path.display(),
            meta.len()
        )));
    }
    std::fs::read(path)
        .map_err(|e| MessageError::from_io(&e, format!("cannot read {}", path.display())))
}

/// Loads a message from bytes (RFC 5322 / MIME). The message keeps the bytes.
pub fn load_bytes(bytes: Vec<u8>) -> Result<MailMessage, MessageError> {
    load_bytes_with(bytes, &LoadOptions::default())
}

/// [`load_bytes`] with options.
pub fn load_bytes_with(bytes: Vec<u8>, opts: &LoadOptions) -> Result<MailMessage, MessageError> {
    if bytes.len() > MAX_EML_SIZE {
        return Err(malformed(format!(
            "the message is {} bytes; messages over {MAX_EML_SIZE} bytes are not loaded",
            bytes.len()
        )));
    }
    let raw = Arc::new(bytes);
    let tree = tree::parse(raw.clone())?;
    if opts.strict
        && let Some((kind, w)) = tree.warnings.first()
    {
        let why = match kind {
            MessageErrorKind::TruncatedEml => ": the message is truncated",
            _ => "",
        };
        return Err(MessageError::new(*kind, format!("{w}{why}")));
    }
    let mut msg = MailMessage::new();
    read_fields(&tree, &mut msg);
    let mut prov = Provenance::default();
    read_bodies(&tree, &mut msg, &mut prov);
    let baseline = msg.clone();
    msg.source = Some(Arc::new(Loaded {
        tree,
        baseline,
        prov,
    }));
    msg.original = Some(raw);
    Ok(msg)
}

// ---- header fields ----

/// A field's value as its parsers expect it: ending with a line break.
fn value_of<'a>(f: &'a Field, raw: &'a [u8]) -> Cow<'a, [u8]> {
    let v = f.value(raw);
    if v.ends_with(b"\n") {
        Cow::Borrowed(v)
    } else {
        let mut o = v.to_vec();
        o.extend_from_slice(b"\r\n");
        Cow::Owned(o)
    }
}

/// The decoded text of an unstructured field (encoded words decoded, folding removed).
pub(crate) fn field_text(f: &Field, raw: &[u8]) -> String {
    let v = value_of(f, raw);
    let text = match MessageStream::new(&v).parse_unstructured() {
        HeaderValue::Text(t) => t.into_owned(),
        _ => String::from_utf8_lossy(&v).into_owned(),
    };
    unfold(&text)
}

/// Removes folding (CRLF before white space) and any other line breaks and control
/// characters, and trims.
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

/// The addr-spec of an obsolete route address (`@relay:mary@example.net`, RFC 5322 §4.4)
/// without its route.
fn strip_route(addr: &str) -> &str {
    let a = addr.trim();
    if a.starts_with('@')
        && let Some(colon) = a.find(':')
    {
        return &a[colon + 1..];
    }
    a
}

/// One mailbox of an address field as the model keeps it; `None` for what cannot be kept
/// (control characters...), which stays in the field's bytes only.
fn mailbox(a: &mail_parser::Addr<'_>) -> Option<MailAddress> {
    // A bare word (`To: undisclosed`) is an address without a domain, as Python's `email`
    // reads it; mail-parser gives it as a name.
    let (spec, name) = match (a.address.as_deref(), a.name.as_deref()) {
        (Some(spec), name) => (spec, name),
        (None, Some(word))
            if !word.trim().is_empty() && !word.trim().contains([' ', '\t', '"']) =>
        {
            (word.trim(), None)
        }
        _ => return None,
    };
    let spec = strip_route(spec);
    if spec.is_empty() {
        return None;
    }
    let name = name.map(unfold).filter(|n| !n.is_empty());
    MailAddress::from_loaded(spec, name.as_deref())
}

/// Every mailbox of one address field (the members of groups included).
pub(crate) fn addresses(f: &Field, raw: &[u8]) -> Vec<MailAddress> {
    let v = value_of(f, raw);
    match MessageStream::new(&v).parse_address() {
        HeaderValue::Address(PAddress::List(list)) => list.iter().filter_map(mailbox).collect(),
        HeaderValue::Address(PAddress::Group(groups)) => groups
            .iter()
            .flat_map(|g| g.addresses.iter())
            .filter_map(mailbox)
            .collect(),
        _ => Vec::new(),
    }
}

fn read_fields(tree: &Tree, msg: &mut MailMessage) {
    let raw: &[u8] = &tree.raw;
    let mut seen_from = false;
    let mut seen_sender = false;
    let mut seen_subject = false;
    let mut seen_date = false;
    let mut seen_id = false;
    for f in &tree.root.fields {
        let lower = f.name.to_ascii_lowercase();
        match lower.as_str() {
            "from" if !seen_from => {
                seen_from = true;
                msg.from = addresses(f, raw).into_iter().next();
            }
            "sender" if !seen_sender => {
                seen_sender = true;
                msg.sender = addresses(f, raw).into_iter().next();
            }
            "to" => msg.to.extend(addresses(f, raw)),
            "cc" => msg.cc.extend(addresses(f, raw)),
            "bcc" => msg.bcc.extend(addresses(f, raw)),
            "reply-to" => msg.reply_to.extend(addresses(f, raw)),
            "subject" if !seen_subject => {
                seen_subject = true;
                msg.subject = field_text(f, raw);
            }
            "date" if !seen_date => {
                seen_date = true;
                let v = value_of(f, raw);
                if let HeaderValue::DateTime(d) = MessageStream::new(&v).parse_date()
                    && d.is_valid()
                {
                    let sign = if d.tz_before_gmt { -1 } else { 1 };
                    let offset = sign * (i32::from(d.tz_hour) * 60 + i32::from(d.tz_minute));
                    msg.date = Some((d.to_timestamp(), offset.clamp(-840, 840)));
                }
            }
            "message-id" if !seen_id => {
                seen_id = true;
                let v = value_of(f, raw);
                msg.message_id = match MessageStream::new(&v).parse_id() {
                    HeaderValue::Text(t) => Some(t.into_owned()),
                    HeaderValue::TextList(l) => l.into_iter().next().map(Cow::into_owned),
                    _ => None,
                }
                .map(|id| id.trim().to_string())
                .filter(|id| !id.is_empty());
            }
            "x-priority" => match field_text(f, raw).chars().next() {
                Some('1' | '2') => msg.priority = Priority::High,
                Some('4' | '5') => msg.priority = Priority::Low,
                _ => {}
            },
            "importance" if msg.priority == Priority::Normal => {
                match field_text(f, raw).to_ascii_lowercase().as_str() {
                    "high" => msg.priority = Priority::High,
                    "low" => msg.priority = Priority::Low,
                    _ => {}
                }
            }
            // Envelope-looking lines are content, never envelope, and not custom headers.
            "x-sender" | "x-receiver" => {}
            l if STRUCTURAL_HEADERS.contains(&l) || l.starts_with("content-") => {}
            _ => msg.headers.push(Header {
                name: f.name.clone(),
                value: field_text(f, raw),
            }),
        }
    }
}

// ---- bodies ----

pub(crate) fn is_attachment(e: &Entity, raw: &[u8]) -> bool {
    disposition(e, raw).is_some_and(|d| d.mtype == "attachment")
}

/// The parsed `Content-Disposition` (its type in `mtype`, parameters in `params`).
fn disposition(e: &Entity, raw: &[u8]) -> Option<ContentType> {
    let f = e.field("content-disposition")?;
    let v = value_of(f, raw);
    let HeaderValue::ContentType(ct) = MessageStream::new(&v).parse_content_type() else {
        return None;
    };
    Some(ContentType {
        mtype: ct.c_type.trim().to_ascii_lowercase(),
        subtype: String::new(),
        params: ct
            .attributes
            .unwrap_or_default()
            .into_iter()
            .map(|a| (a.name.to_ascii_lowercase(), a.value.into_owned()))
            .collect(),
    })
}

/// The file name: the disposition's `filename`, else the content type's `name`.
fn file_name(e: &Entity, raw: &[u8]) -> Option<String> {
    let d = disposition(e, raw);
    d.as_ref()
        .and_then(|d| d.param("filename"))
        .or_else(|| e.ctype.param("name"))
        .map(unfold)
        .filter(|n| !n.is_empty())
}

/// The child at `path` (indices into multiparts; 0 into an enclosed message).
pub(crate) fn at_path<'a>(root: &'a Entity, path: &[usize]) -> Option<&'a Entity> {
    let mut e = root;
    for &i in path {
        e = match &e.body {
            Body::Multipart(mp) => &mp.parts.get(i)?.1,
            Body::Message(m) if i == 0 => m,
            _ => return None,
        };
    }
    Some(e)
}

/// Python's `_find_body`: the first `text/<want>` part depth first, skipping attachments and
/// looking only at the root of a `multipart/related`.
fn find_body(e: &Entity, raw: &[u8], want: &str, path: &mut PartPath) -> bool {
    if is_attachment(e, raw) {
        return false;
    }
    if e.ctype.mtype == "text" {
        return e.ctype.subtype == want;
    }
    let Body::Multipart(mp) = &e.body else {
        return false;
    };
    if e.ctype.subtype != "related" {
        for (i, (_, child)) in mp.parts.iter().enumerate() {
            path.push(i);
            if find_body(child, raw, want, path) {
                return true;
            }
            path.pop();
        }
        return false;
    }
    let root = related_root(e, mp, raw);
    if let Some(i) = root {
        path.push(i);
        if find_body(&mp.parts[i].1, raw, want, path) {
            return true;
        }
        path.pop();
    }
    false
}

/// The root part of a `multipart/related`: the one its `start` parameter names, else the first.
fn related_root(e: &Entity, mp: &tree::Multipart, raw: &[u8]) -> Option<usize> {
    if mp.parts.is_empty() {
        return None;
    }
    if let Some(start) = e.ctype.param("start") {
        let start = start.trim();
        if let Some(i) = mp.parts.iter().position(|(_, p)| {
            p.field("content-id")
                .is_some_and(|f| field_text(f, raw).trim() == start)
        }) {
            return Some(i);
        }
    }
    Some(0)
}

fn read_bodies(tree: &Tree, msg: &mut MailMessage, prov: &mut Provenance) {
    let raw: &[u8] = &tree.raw;
    let root = &tree.root;
    let mut text_path = Vec::new();
    if find_body(root, raw, "plain", &mut text_path) {
        if let Some(e) = at_path(root, &text_path) {
            msg.body = decode_text(e, raw);
        }
        prov.text = Some(text_path.clone());
    }
    let mut html_path = Vec::new();
    if find_body(root, raw, "html", &mut html_path) {
        if let Some(e) = at_path(root, &html_path) {
            msg.html_body = Some(decode_text(e, raw));
            msg.is_body_html = true;
        }
        prov.html = Some(html_path.clone());
    }
    // Alternate views: the other leaves of the multipart/alternative that holds a body.
    let mut body_paths: Vec<&PartPath> = Vec::new();
    body_paths.extend(prov.text.as_ref());
    body_paths.extend(prov.html.as_ref());
    let mut alt_parent: Option<PartPath> = None;
    for p in &body_paths {
        if let Some((_, parent)) = p.split_last()
            && at_path(root, parent).is_some_and(|e| e.ctype.is("multipart", "alternative"))
        {
            alt_parent = Some(parent.to_vec());
            break;
        }
    }
    if let Some(parent) = &alt_parent
        && let Some(Entity {
            body: Body::Multipart(mp),
            ..
        }) = at_path(root, parent)
    {
        for (i, (_, child)) in mp.parts.iter().enumerate() {
            let mut p = parent.clone();
            p.push(i);
            if body_paths.contains(&&p)
                || matches!(child.body, Body::Multipart(_) | Body::Message(_))
                || is_attachment(child, raw)
            {
                continue;
            }
            msg.alternate_views.push(view_of(child, raw));
            prov.views.push(p);
        }
    }
    // Attachments and inline resources.
    let mut path = Vec::new();
    collect_resources(root, raw, &mut path, false, msg, prov);
}

fn collect_resources(
    e: &Entity,
    raw: &[u8],
    path: &mut PartPath,
    in_related: bool,
    msg: &mut MailMessage,
    prov: &mut Provenance,
) {
    let taken = |prov: &Provenance, p: &PartPath| {
        prov.text.as_ref() == Some(p) || prov.html.as_ref() == Some(p) || prov.views.contains(p)
    };
    match &e.body {
        Body::Multipart(mp) => {
            let root = if e.ctype.subtype == "related" {
                related_root(e, mp, raw)
            } else {
                None
            };
            for (i, (_, child)) in mp.parts.iter().enumerate() {
                path.push(i);
                let inline = root.is_some_and(|r| r != i);
                collect_resources(child, raw, path, inline, msg, prov);
                path.pop();
            }
        }
        _ if taken(prov, path) => {}
        Body::Message(_) | Body::Leaf(_) => {
            let attachment = is_attachment(e, raw);
            let named = file_name(e, raw);
            let enclosed = e.ctype.mtype == "message"
                && matches!(e.ctype.subtype.as_str(), "rfc822" | "global");
            if !attachment && in_related && !path.is_empty() {
                let a = resource_of(e, raw, named);
                msg.inline_resources.push(a);
                prov.inline.push(path.clone());
            } else if attachment || enclosed || (named.is_some() && e.ctype.mtype != "text") {
                let a = resource_of(e, raw, named);
                msg.attachments.push(a);
                prov.attachments.push(path.clone());
            }
        }
    }
}

fn resource_of(e: &Entity, raw: &[u8], name: Option<String>) -> Attachment {
    let (content, uu_name) = decode_transfer(e, raw);
    let enclosed = e.ctype.mtype == "message";
    let name = name
        .or(uu_name)
        .unwrap_or_else(|| {
            if enclosed {
                "message.eml".to_string()
            } else {
                String::new()
            }
        })
        .chars()
        .filter(|c| !c.is_control())
        .collect();
    Attachment {
        name,
        content_type: format!("{}/{}", e.ctype.mtype, e.ctype.subtype),
        content: Arc::new(content),
        content_id: e.field("content-id").map(|f| {
            field_text(f, raw)
                .trim()
                .trim_start_matches('<')
                .trim_end_matches('>')
                .to_string()
        }),
    }
}

fn view_of(e: &Entity, raw: &[u8]) -> AlternateView {
    let mut content_type = format!("{}/{}", e.ctype.mtype, e.ctype.subtype);
    for (k, v) in &e.ctype.params {
        if k != "charset" && k != "name" {
            content_type.push_str(&format!("; {k}={v}"));
        }
    }
    if e.ctype.mtype == "text" {
        AlternateView {
            content_type,
            charset: Some("utf-8".to_string()),
            content: decode_text(e, raw).into_bytes(),
        }
    } else {
        AlternateView {
            content_type,
            charset: None,
            content: decode_transfer(e, raw).0,
        }
    }
}

/// The bytes of a leaf with its transfer encoding undone (the raw bytes when the encoding is
/// unknown or broken), and for uuencode the file name it names.
pub(crate) fn decode_transfer(e: &Entity, raw: &[u8]) -> (Vec<u8>, Option<String>) {
    let mut body = Vec::new();
    match &e.body {
        Body::Leaf(p) => body.extend_from_slice(p.bytes(raw)),
        Body::Message(m) => m.write(raw, &mut body),
        Body::Multipart(_) => e.write(raw, &mut body),
    }
    let decoded = match e.transfer_encoding(raw).as_str() {
        "base64" => base64_decode(&body),
        "quoted-printable" => quoted_printable_decode(&body),
        "x-uuencode" | "uuencode" | "x-uue" | "uue" => {
            return match uudecode(&body) {
                Some((bytes, name)) => (bytes, name),
                None => (body, None),
            };
        }
        _ => None,
    };
    (decoded.unwrap_or(body), None)
}

/// A text leaf decoded into UTF-8 from its charset (windows-1252 when it names none and the
/// bytes are not UTF-8).
pub(crate) fn decode_text(e: &Entity, raw: &[u8]) -> String {
    let (bytes, _) = decode_transfer(e, raw);
    if let Some(cs) = e.ctype.param("charset")
        && let Some(decoder) = charset_decoder(cs.trim().as_bytes())
    {
        return decoder(&bytes);
    }
    match String::from_utf8(bytes) {
        Ok(s) => s,
        Err(e) => {
            let b = e.into_bytes();
            charset_decoder(b"windows-1252")
                .map_or_else(|| String::from_utf8_lossy(&b).into_owned(), |d| d(&b))
        }
    }
}

/// Decodes uuencoded data (`begin <mode> <name>` ... `end`).
fn uudecode(data: &[u8]) -> Option<(Vec<u8>, Option<String>)> {
    let mut lines = data
        .split(|&b| b == b'\n')
        .map(|l| l.strip_suffix(b"\r").unwrap_or(l));
    let begin = lines.by_ref().find(|l| l.starts_with(b"begin "))?;
    let name = String::from_utf8_lossy(begin)
        .splitn(3, ' ')
        .nth(2)
        .map(|n| n.trim().to_string())
        .filter(|n| !n.is_empty());
    let mut out = Vec::new();
    for line in lines {
        if line == b"end" || line.is_empty() {
            if line == b"end" {
                break;
            }
            continue;
        }
        let n = usize::from((line[0].wrapping_sub(32)) & 63);
        if n == 0 {
            continue;
        }
        let chars: Vec<u8> = line[1..].iter().map(|c| c.wrapping_sub(32) & 63).collect();
        let mut decoded = Vec::with_capacity(n + 2);
        for q in chars.chunks(4) {
            let g = |i: usize| q.get(i).copied().unwrap_or(0);
            decoded.push((g(0) << 2) | (g(1) >> 4));
            decoded.push((g(1) << 4) | (g(2) >> 2));
            decoded.push((g(2) << 6) | g(3));
        }
        decoded.truncate(n);
        out.extend_from_slice(&decoded);
    }
    Some((out, name))
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
    fn unclosed_multipart_loads_with_a_warning_and_strict_refuses() {
        let eml = b"From: a@b.c\r\nContent-Type: multipart/mixed; boundary=\"XX\"\r\n\r\n--XX\r\nContent-Type: text/plain\r\n\r\nhello\r\n--XX\r\nContent-Type: application/pdf\r\nContent-Transfer-Encoding: base64\r\n\r\nJVBER";
        let m = load_bytes(eml.to_vec()).unwrap();
        assert_eq!(m.body(), "hello");
        assert_eq!(m.load_warnings().len(), 1, "{:?}", m.load_warnings());
        assert!(
            m.load_warnings()[0].contains("--XX--"),
            "{:?}",
            m.load_warnings()
        );
        let e = load_bytes_with(eml.to_vec(), &LoadOptions { strict: true }).unwrap_err();
        assert_eq!(e.kind(), MessageErrorKind::TruncatedEml);
        assert!(e.message().contains("--XX--"), "{}", e.message());
    }

    #[test]
    fn uudecode_round_trip() {
        // Python: binascii.b2a_uu(b"hello world")
        let data = b"begin 644 hello.txt\r\n,:&5L;&\\@=V]R;&0*\r\n`\r\nend\r\n";
        let (bytes, name) = uudecode(data).unwrap();
        assert_eq!(bytes, b"hello world\n");
        assert_eq!(name.as_deref(), Some("hello.txt"));
    }
}
