//! A loaded message as a tree of MIME entities that keeps every byte it was read from.
//!
//! Each entity is its header fields (each field's raw bytes, folding and all), the line that
//! ends the header section, and a body: a leaf's encoded bytes, a multipart's preamble,
//! delimiter lines, parts, closing delimiter and epilogue, or a `message/rfc822` entity. The
//! pieces of an entity partition the bytes it was read from, so writing an untouched tree gives
//! back the input byte for byte, and an edit replaces only the pieces it touches.
//!
//! Reading follows RFC 5322 and RFC 2046 the way Python's `email` and MimeKit do: the header
//! section ends at the first empty line (or at the first line that is not a field, which then
//! starts the body); a boundary delimiter is a line that is exactly `--boundary`, optionally
//! `--`, then white space; a delimiter of an enclosing multipart ends every part inside it, so
//! a multipart that never closes ends where its parent's next delimiter starts. One pass over
//! the lines: loading is linear in the input.

use std::collections::HashMap;
use std::ops::Range;
use std::sync::Arc;

use mail_parser::HeaderValue;
use mail_parser::parsers::MessageStream;

use super::error::{MessageError, MessageErrorKind};

/// The deepest nesting of multiparts and enclosed messages a loaded message may have.
pub const MAX_DEPTH: usize = 100;
/// The most MIME entities a loaded message may have.
pub const MAX_PARTS: usize = 10_000;

/// Some bytes of the output: a range of the loaded bytes, or new bytes.
#[derive(Clone, Debug)]
pub(crate) enum Piece {
    /// Bytes `start..end` of the loaded message.
    Span(usize, usize),
    /// Bytes written by an edit.
    Owned(Vec<u8>),
}

impl Piece {
    pub(crate) fn empty() -> Self {
        Piece::Span(0, 0)
    }

    fn span(r: Range<usize>) -> Self {
        Piece::Span(r.start, r.end)
    }

    pub(crate) fn bytes<'a>(&'a self, raw: &'a [u8]) -> &'a [u8] {
        match self {
            Piece::Span(s, e) => &raw[*s..*e],
            Piece::Owned(v) => v,
        }
    }
}

/// One header field.
#[derive(Clone, Debug)]
pub(crate) struct Field {
    /// The name as written, without white space before the colon.
    pub name: String,
    /// The whole field: name, colon, value, continuation lines and the final line break.
    pub raw: Piece,
    /// Where the value starts within `raw` (just past the colon).
    pub value_at: usize,
}

impl Field {
    /// A new field from complete bytes (`Name: value` with its line break).
    pub(crate) fn new(name: &str, raw: Vec<u8>) -> Self {
        Field {
            name: name.to_string(),
            value_at: name.len() + 1,
            raw: Piece::Owned(raw),
        }
    }

    pub(crate) fn is(&self, name: &str) -> bool {
        self.name.eq_ignore_ascii_case(name)
    }

    /// The value's bytes, folding and final line break included.
    pub(crate) fn value<'a>(&'a self, raw: &'a [u8]) -> &'a [u8] {
        let b = self.raw.bytes(raw);
        &b[self.value_at.min(b.len())..]
    }
}

/// A parsed `Content-Type` (lower-case type and subtype; parameter names lower-case).
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct ContentType {
    pub mtype: String,
    pub subtype: String,
    pub params: Vec<(String, String)>,
}

impl ContentType {
    fn plain() -> Self {
        ContentType {
            mtype: "text".into(),
            subtype: "plain".into(),
            params: Vec::new(),
        }
    }

    fn rfc822() -> Self {
        ContentType {
            mtype: "message".into(),
            subtype: "rfc822".into(),
            params: Vec::new(),
        }
    }

    pub(crate) fn param(&self, name: &str) -> Option<&str> {
        self.params
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    pub(crate) fn is(&self, mtype: &str, subtype: &str) -> bool {
        self.mtype == mtype && self.subtype == subtype
    }

    /// Parses the value of a `Content-Type` field; `None` when it names no type.
    pub(crate) fn parse(value: &[u8]) -> Option<Self> {
        let strict_params = params_follow_semicolon(value);
        let HeaderValue::ContentType(ct) = MessageStream::new(value).parse_content_type() else {
            return None;
        };
        let mtype = ct.c_type.trim().to_ascii_lowercase();
        if mtype.is_empty() {
            return None;
        }
        // `Content-Type: text` (no subtype) is read as text/plain, as mail clients do.
        let subtype = match ct.c_subtype.as_deref().map(str::trim) {
            Some(s) if !s.is_empty() => s.to_ascii_lowercase(),
            _ if mtype == "text" => "plain".to_string(),
            _ => return None,
        };
        // Parameters count only after a `;` (RFC 2045 §5.1), as Python's `email` reads them.
        let params = if strict_params { ct.attributes } else { None };
        let params = params
            .unwrap_or_default()
            .into_iter()
            .map(|a| (a.name.to_ascii_lowercase(), a.value.into_owned()))
            .collect();
        Some(ContentType {
            mtype,
            subtype,
            params,
        })
    }
}

/// Whether what follows `type/subtype` in a Content-Type value is empty, a comment or starts
/// with `;`: `multipart/mixed boundary=x` has no parameters.
fn params_follow_semicolon(value: &[u8]) -> bool {
    let v = value.trim_ascii_start();
    let end = v
        .iter()
        .position(|&b| !(b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`{|}~/".contains(&b)))
        .unwrap_or(v.len());
    let rest = v[end..].trim_ascii_start();
    rest.is_empty() || rest[0] == b';' || rest[0] == b'('
}

/// What an entity's body is.
#[derive(Clone, Debug)]
pub(crate) enum Body {
    /// Content, still transfer-encoded.
    Leaf(Piece),
    /// A multipart.
    Multipart(Multipart),
    /// A whole message (`message/rfc822`, `message/global`).
    Message(Box<Entity>),
}

/// The body of a multipart entity.
#[derive(Clone, Debug)]
pub(crate) struct Multipart {
    pub boundary: String,
    pub preamble: Piece,
    /// Each part after its delimiter (the delimiter includes the line break before it).
    pub parts: Vec<(Piece, Entity)>,
    /// The closing delimiter with the line break before and after it; empty when the message
    /// never closed the multipart.
    pub close: Piece,
    pub epilogue: Piece,
}

/// One MIME entity: header fields, the line ending the header section, the body.
#[derive(Clone, Debug)]
pub(crate) struct Entity {
    pub fields: Vec<Field>,
    /// The empty line after the header section (empty when the body started without one).
    pub sep: Piece,
    pub body: Body,
    /// The content type in force (the default when the field is missing or unreadable).
    pub ctype: ContentType,
}

impl Entity {
    /// The first field with this name.
    pub(crate) fn field(&self, name: &str) -> Option<&Field> {
        self.fields.iter().find(|f| f.is(name))
    }

    /// Writes the entity.
    pub(crate) fn write(&self, raw: &[u8], out: &mut Vec<u8>) {
        for f in &self.fields {
            out.extend_from_slice(f.raw.bytes(raw));
        }
        out.extend_from_slice(self.sep.bytes(raw));
        match &self.body {
            Body::Leaf(p) => out.extend_from_slice(p.bytes(raw)),
            Body::Message(m) => m.write(raw, out),
            Body::Multipart(mp) => {
                out.extend_from_slice(mp.preamble.bytes(raw));
                for (delim, part) in &mp.parts {
                    out.extend_from_slice(delim.bytes(raw));
                    part.write(raw, out);
                }
                out.extend_from_slice(mp.close.bytes(raw));
                out.extend_from_slice(mp.epilogue.bytes(raw));
            }
        }
    }

    /// The transfer encoding, lower-case (`7bit` when absent).
    pub(crate) fn transfer_encoding(&self, raw: &[u8]) -> String {
        self.field("content-transfer-encoding")
            .map(|f| {
                String::from_utf8_lossy(f.value(raw))
                    .split(['(', ';'])
                    .next()
                    .unwrap_or("")
                    .trim()
                    .to_ascii_lowercase()
            })
            .filter(|s| !s.is_empty())
            .unwrap_or_else(|| "7bit".to_string())
    }
}

/// A loaded message: the bytes and the tree over them.
#[derive(Clone, Debug)]
pub(crate) struct Tree {
    pub raw: Arc<Vec<u8>>,
    /// Bytes before the header section that are not part of the message: a byte-order mark
    /// and/or an mbox `From ` line.
    pub prefix: Piece,
    pub root: Entity,
    /// What a lenient reading had to accept (e.g. a multipart that never closes), with the
    /// code a strict reading refuses it with.
    pub warnings: Vec<(MessageErrorKind, String)>,
}

fn malformed(detail: impl Into<String>) -> MessageError {
    MessageError::new(MessageErrorKind::MalformedEml, detail)
}

/// A line: `start..content_end` without its line break, `content_end..end` the break.
#[derive(Clone, Copy)]
struct Line {
    start: usize,
    content_end: usize,
    end: usize,
}

struct Parser<'a> {
    raw: &'a [u8],
    /// Open multipart boundaries, innermost last.
    stack: Vec<Vec<u8>>,
    /// How many open multiparts use each boundary.
    open: HashMap<Vec<u8>, usize>,
    entities: usize,
    warnings: Vec<(MessageErrorKind, String)>,
}

/// What ended a run of lines.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Stop {
    Eof,
    /// A delimiter of the open multipart at this stack index; `close` for `--boundary--`.
    Delimiter {
        level: usize,
        close: bool,
    },
}

impl<'a> Parser<'a> {
    fn line(&self, at: usize) -> Option<Line> {
        if at >= self.raw.len() {
            return None;
        }
        let end = memchr::memchr(b'\n', &self.raw[at..]).map_or(self.raw.len(), |p| at + p + 1);
        let mut content_end = end;
        if content_end > at && self.raw[content_end - 1] == b'\n' {
            content_end -= 1;
            if content_end > at && self.raw[content_end - 1] == b'\r' {
                content_end -= 1;
            }
        }
        Some(Line {
            start: at,
            content_end,
            end,
        })
    }

    /// Whether a line is a delimiter of an open multipart (the innermost one with that
    /// boundary).
    fn delimiter(&self, l: Line) -> Option<Stop> {
        if self.open.is_empty() {
            return None;
        }
        let text = &self.raw[l.start..l.content_end];
        let rest = text.strip_prefix(b"--")?;
        let mut n = rest.len();
        while n > 0 && matches!(rest[n - 1], b' ' | b'\t') {
            n -= 1;
        }
        let rest = &rest[..n];
        // As Python's `email` reads it: the outermost multipart whose delimiter (or closing
        // delimiter) the line is wins, so an inner boundary that extends an outer one
        // (`a--` inside `a`) never hides the outer's delimiter.
        let level = |b: &[u8]| {
            if self.open.contains_key(b) {
                self.stack.iter().position(|s| s == b)
            } else {
                None
            }
        };
        let open = level(rest).map(|level| Stop::Delimiter {
            level,
            close: false,
        });
        let close = rest
            .strip_suffix(b"--")
            .and_then(level)
            .map(|level| Stop::Delimiter { level, close: true });
        match (open, close) {
            (Some(Stop::Delimiter { level: a, .. }), Some(Stop::Delimiter { level: b, .. }))
                if b < a =>
            {
                close
            }
            (Some(o), _) => Some(o),
            (None, c) => c,
        }
    }

    /// Where a delimiter piece starts: with the line break before the line, unless that
    /// break belongs to something before `floor`.
    fn piece_start(&self, line_start: usize, floor: usize) -> usize {
        let mut s = line_start;
        if s > floor && self.raw[s - 1] == b'\n' {
            s -= 1;
            if s > floor && self.raw[s - 1] == b'\r' {
                s -= 1;
            }
        }
        s
    }

    /// Skips lines from `at` until a delimiter of an open multipart; returns where the content
    /// ends (the delimiter piece's start), the line, and what stopped it.
    fn scan(&self, at: usize) -> (usize, Option<Line>, Stop) {
        let mut pos = at;
        while let Some(l) = self.line(pos) {
            if self.raw[l.start] == b'-'
                && let Some(stop) = self.delimiter(l)
            {
                return (self.piece_start(l.start, at), Some(l), stop);
            }
            pos = l.end;
        }
        (self.raw.len(), None, Stop::Eof)
    }

    fn push_boundary(&mut self, b: Vec<u8>) {
        *self.open.entry(b.clone()).or_insert(0) += 1;
        self.stack.push(b);
    }

    fn pop_boundary(&mut self) {
        if let Some(b) = self.stack.pop()
            && let Some(n) = self.open.get_mut(&b)
        {
            *n -= 1;
            if *n == 0 {
                self.open.remove(&b);
            }
        }
    }

    /// Reads the header section from `at`. Returns the fields, the separator and where the
    /// body starts; stops early (no separator, empty body) at a delimiter line.
    fn header(&mut self, at: usize, top: bool) -> Result<(Vec<Field>, Piece, usize), MessageError> {
        let mut fields: Vec<Field> = Vec::new();
        let mut pos = at;
        let mut line_no = 0usize;
        while let Some(l) = self.line(pos) {
            line_no += 1;
            let text = &self.raw[l.start..l.content_end];
            if text.is_empty() {
                return Ok((fields, Piece::span(l.start..l.end), l.end));
            }
            if !top && text[0] == b'-' && self.delimiter(l).is_some() {
                return Ok((fields, Piece::empty(), l.start));
            }
            if text[0] == b' ' || text[0] == b'\t' {
                if let Some(f) = fields.last_mut() {
                    if top && text.contains(&0) {
                        return Err(malformed(format!(
                            "line {line_no} of the header section contains a NUL byte"
                        )));
                    }
                    if let Piece::Span(_, e) = &mut f.raw {
                        *e = l.end;
                    }
                    pos = l.end;
                    continue;
                }
                if top {
                    return Err(malformed(
                        "the data starts with a folded line, not a header",
                    ));
                }
                return Ok((fields, Piece::empty(), l.start));
            }
            match field_name(text) {
                Some((name, colon)) => {
                    if top && text.contains(&0) {
                        return Err(malformed(format!(
                            "line {line_no} of the header section contains a NUL byte"
                        )));
                    }
                    fields.push(Field {
                        name,
                        raw: Piece::span(l.start..l.end),
                        value_at: colon + 1,
                    });
                }
                None => {
                    if top && fields.is_empty() {
                        let shown = String::from_utf8_lossy(&text[..text.len().min(40)]);
                        return Err(malformed(format!(
                            "line {line_no} is not a header field (expected 'Name: value'): {shown:?}"
                        )));
                    }
                    // Not a field: the body starts here, without an empty line (as Python's
                    // `email` reads it).
                    if top {
                        let shown = String::from_utf8_lossy(&text[..text.len().min(40)]);
                        self.warnings.push((MessageErrorKind::MalformedEml, format!(
                            "line {line_no} is not a header field and no empty line came before it: {shown:?} is read as the first line of the body"
                        )));
                    }
                    return Ok((fields, Piece::empty(), l.start));
                }
            }
            pos = l.end;
        }
        Ok((fields, Piece::empty(), self.raw.len()))
    }

    /// Reads one entity starting at `at`. It ends at a delimiter of an open multipart or at
    /// the end of the data; returns the entity and where it ends.
    fn entity(
        &mut self,
        at: usize,
        depth: usize,
        default: &ContentType,
        top: bool,
    ) -> Result<(Entity, usize), MessageError> {
        self.entities += 1;
        // The root is the message, not one of its parts.
        if self.entities > MAX_PARTS + 1 {
            return Err(MessageError::new(
                MessageErrorKind::TooComplex,
                format!("the message has more than {MAX_PARTS} MIME parts"),
            ));
        }
        if depth > MAX_DEPTH {
            return Err(MessageError::new(
                MessageErrorKind::TooComplex,
                format!(
                    "the message nests multiparts or messages more than {MAX_DEPTH} levels deep"
                ),
            ));
        }
        let (fields, sep, body_at) = self.header(at, top)?;
        let ctype = fields
            .iter()
            .find(|f| f.is("content-type"))
            .and_then(|f| ContentType::parse(f.value(self.raw)))
            .unwrap_or_else(|| default.clone());
        let mut entity = Entity {
            fields,
            sep,
            body: Body::Leaf(Piece::empty()),
            ctype,
        };
        let boundary = entity
            .ctype
            .param("boundary")
            .filter(|b| !b.is_empty())
            .map(|b| b.as_bytes().to_vec());
        if entity.ctype.mtype == "multipart"
            && let Some(boundary) = boundary
        {
            let child_default = if entity.ctype.subtype == "digest" {
                ContentType::rfc822()
            } else {
                ContentType::plain()
            };
            let subtype = entity.ctype.subtype.clone();
            let (mp, end) = self.multipart(body_at, depth, boundary, &subtype, &child_default)?;
            entity.body = Body::Multipart(mp);
            return Ok((entity, end));
        }
        let encoding = if matches!(entity.ctype.mtype.as_str(), "message") {
            entity.transfer_encoding(self.raw)
        } else {
            String::new()
        };
        if entity.ctype.mtype == "message"
            && matches!(entity.ctype.subtype.as_str(), "rfc822" | "global")
            && matches!(encoding.as_str(), "7bit" | "8bit" | "binary")
            && body_at < self.raw.len()
        {
            let (inner, end) = self.entity(body_at, depth + 1, &ContentType::plain(), false)?;
            if !inner.fields.is_empty() {
                entity.body = Body::Message(Box::new(inner));
                return Ok((entity, end));
            }
            // Not a message after all: read it as content.
            entity.body = Body::Leaf(Piece::span(body_at..end));
            return Ok((entity, end));
        }
        let (end, _, _) = self.scan(body_at);
        entity.body = Body::Leaf(Piece::span(body_at..end));
        Ok((entity, end))
    }

    fn multipart(
        &mut self,
        at: usize,
        depth: usize,
        boundary: Vec<u8>,
        subtype: &str,
        child_default: &ContentType,
    ) -> Result<(Multipart, usize), MessageError> {
        let name = String::from_utf8_lossy(&boundary).into_owned();
        self.push_boundary(boundary);
        let level = self.stack.len() - 1;
        let mut mp = Multipart {
            boundary: name,
            preamble: Piece::empty(),
            parts: Vec::new(),
            close: Piece::empty(),
            epilogue: Piece::empty(),
        };
        // The preamble runs to the first delimiter.
        let (mut end, mut line, mut stop) = self.scan(at);
        mp.preamble = Piece::span(at..end);
        let result = loop {
            match (stop, line) {
                (Stop::Delimiter { level: l, close }, Some(dl)) if l == level => {
                    if close {
                        mp.close = Piece::span(end..dl.end);
                        // The epilogue runs to an enclosing delimiter or the end.
                        self.pop_boundary();
                        let (e_end, _, _) = self.scan(dl.end);
                        mp.epilogue = Piece::span(dl.end..e_end);
                        return Ok((mp, e_end));
                    }
                    // Several delimiter lines in a row delimit one part (Python's `email` reads
                    // no empty parts between them).
                    let mut dl = dl;
                    while let Some(next) = self.line(dl.end)
                        && self.delimiter(next)
                            == Some(Stop::Delimiter {
                                level,
                                close: false,
                            })
                    {
                        dl = next;
                    }
                    let delim = Piece::span(end..dl.end);
                    let (part, part_end) = self.entity(dl.end, depth + 1, child_default, false)?;
                    mp.parts.push((delim, part));
                    end = part_end;
                    line = self.line(self.skip_break(end));
                    stop = line.and_then(|l| self.delimiter(l)).unwrap_or(Stop::Eof);
                }
                _ => break end,
            }
        };
        // Ended by an enclosing multipart's delimiter or by the end of the data: this one
        // never closed.
        self.warnings.push((MessageErrorKind::TruncatedEml, format!(
            "the multipart/{subtype} with boundary {:?} never closes (no \"--{}--\" line); read as if it did",
            mp.boundary, mp.boundary
        )));
        self.pop_boundary();
        Ok((mp, result))
    }

    /// The start of the delimiter line at the piece starting at `at` (past its line break).
    fn skip_break(&self, at: usize) -> usize {
        let mut p = at;
        if self.raw.get(p) == Some(&b'\r') && self.raw.get(p + 1) == Some(&b'\n') {
            p += 2;
        } else if self.raw.get(p) == Some(&b'\n') {
            p += 1;
        }
        p
    }
}

/// The name of a header field line and the index of its colon: printable ASCII other than
/// `:`, then optional white space (obsolete syntax, RFC 5322 §4.5), then `:`.
fn field_name(line: &[u8]) -> Option<(String, usize)> {
    let colon = memchr::memchr(b':', line)?;
    let mut n = colon;
    while n > 0 && matches!(line[n - 1], b' ' | b'\t') {
        n -= 1;
    }
    let name = &line[..n];
    if name.is_empty() || !name.iter().all(|&b| (33..=126).contains(&b)) {
        return None;
    }
    Some((String::from_utf8_lossy(name).into_owned(), colon))
}

/// Reads `raw` into a tree.
pub(crate) fn parse(raw: Arc<Vec<u8>>) -> Result<Tree, MessageError> {
    if raw.iter().all(|b| b.is_ascii_whitespace()) {
        return Err(malformed("the data is empty"));
    }
    let mut at = 0usize;
    if raw.starts_with(b"\xEF\xBB\xBF") {
        at = 3;
    }
    // An mbox separator (`From sender date`), not a field such as `From : a@b`.
    if raw[at..].starts_with(b"From ")
        && memchr::memchr(b'\n', &raw[at..])
            .map(|p| &raw[at..at + p])
            .or(Some(&raw[at..]))
            .and_then(field_name)
            .is_none()
    {
        at = memchr::memchr(b'\n', &raw[at..]).map_or(raw.len(), |p| at + p + 1);
    }
    let mut p = Parser {
        raw: &raw,
        stack: Vec::new(),
        open: HashMap::new(),
        entities: 0,
        warnings: Vec::new(),
    };
    let (root, end) = p.entity(at, 0, &ContentType::plain(), true)?;
    if root.fields.is_empty() {
        return Err(malformed("the data has no header fields"));
    }
    if end != raw.len() {
        return Err(malformed(format!(
            "the MIME structure could not be read past byte {end}"
        )));
    }
    let warnings = std::mem::take(&mut p.warnings);
    Ok(Tree {
        prefix: Piece::Span(0, at),
        raw,
        root,
        warnings,
    })
}

impl Tree {
    /// Writes the tree (prefix included).
    #[cfg(test)]
    pub(crate) fn write(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(self.raw.len() + 256);
        out.extend_from_slice(self.prefix.bytes(&self.raw));
        self.root.write(&self.raw, &mut out);
        out
    }

    /// The line break the message uses (CRLF unless its first line ends with a bare LF).
    pub(crate) fn eol(&self) -> &'static [u8] {
        let at = match &self.prefix {
            Piece::Span(_, e) => *e,
            Piece::Owned(_) => 0,
        };
        match memchr::memchr(b'\n', &self.raw[at..]) {
            Some(p) if p > 0 && self.raw[at + p - 1] == b'\r' => b"\r\n",
            Some(_) => b"\n",
            None => b"\r\n",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn roundtrip(s: &[u8]) -> Tree {
        let t = parse(Arc::new(s.to_vec())).unwrap();
        assert_eq!(t.write(), s, "{}", String::from_utf8_lossy(s));
        t
    }

    #[test]
    fn leaf_and_multipart_round_trip() {
        roundtrip(b"From: a@b.c\r\nSubject: x\r\n\r\nhello\r\n");
        roundtrip(b"From: a@b.c\nSubject: x\n\nhello\n");
        roundtrip(b"From: a@b.c\r\nSubject: no body\r\n");
        let t = roundtrip(
            b"From: a@b.c\r\nContent-Type: multipart/mixed; boundary=\"XX\"\r\n\r\npre\r\n--XX\r\nContent-Type: text/plain\r\n\r\nhello\r\n--XX\r\n\r\nsecond\r\n--XX--\r\nepilogue\r\n",
        );
        let Body::Multipart(mp) = &t.root.body else {
            panic!("not multipart")
        };
        assert_eq!(mp.parts.len(), 2);
        let Body::Leaf(p) = &mp.parts[0].1.body else {
            panic!()
        };
        assert_eq!(p.bytes(&t.raw), b"hello");
        assert!(t.warnings.is_empty());
    }

    #[test]
    fn unclosed_inner_ends_at_outer_delimiter() {
        let t = roundtrip(
            b"From: a@b.c\r\nContent-Type: multipart/mixed; boundary=out\r\n\r\n--out\r\nContent-Type: multipart/related; boundary=in\r\n\r\n--in\r\n\r\ninner\r\n--out\r\nContent-Type: text/plain\r\n\r\nlast\r\n--out--\r\n",
        );
        let Body::Multipart(mp) = &t.root.body else {
            panic!()
        };
        assert_eq!(mp.parts.len(), 2);
        assert_eq!(t.warnings.len(), 1, "{:?}", t.warnings);
    }

    #[test]
    fn nested_message_with_multipart() {
        let t = roundtrip(
            b"From: a@b.c\r\nContent-Type: multipart/mixed; boundary=o\r\n\r\n--o\r\nContent-Type: message/rfc822\r\n\r\nFrom: x@y.z\r\nContent-Type: multipart/alternative; boundary=i\r\n\r\n--i\r\n\r\nt\r\n--i\r\nContent-Type: text/html\r\n\r\n<p>h</p>\r\n--i--\r\n\r\n--o--\r\n",
        );
        let Body::Multipart(mp) = &t.root.body else {
            panic!()
        };
        let Body::Message(inner) = &mp.parts[0].1.body else {
            panic!()
        };
        assert!(matches!(&inner.body, Body::Multipart(m) if m.parts.len() == 2));
        assert!(t.warnings.is_empty(), "{:?}", t.warnings);
    }

    #[test]
    fn from_with_space_before_colon_is_a_field_not_an_mbox_line() {
        let t = roundtrip(b"From : a@b.c\r\nTo: d@e.f\r\n\r\nb");
        assert_eq!(t.root.fields.len(), 2);
        assert_eq!(t.root.fields[0].name, "From");
    }

    #[test]
    fn prefix_and_obsolete_names() {
        let t = roundtrip(
            b"\xEF\xBB\xBFFrom x@y Fri Mar  8 12:00:00 2024\r\nTo    : Mary <m@x.y>\r\n\r\nb",
        );
        assert_eq!(t.root.fields[0].name, "To");
        assert_eq!(t.root.fields[0].value(&t.raw), b" Mary <m@x.y>\r\n");
    }

    #[test]
    fn deep_nesting_is_refused_quickly() {
        let mut s = b"From: a@b.c\r\n".to_vec();
        for i in 0..10_000 {
            s.extend_from_slice(
                format!("Content-Type: multipart/mixed; boundary=b{i}\r\n\r\n--b{i}\r\n")
                    .as_bytes(),
            );
        }
        let t = std::time::Instant::now();
        let e = parse(Arc::new(s)).unwrap_err();
        assert_eq!(e.kind(), MessageErrorKind::TooComplex);
        assert!(t.elapsed().as_millis() < 1000);
    }
}
