//! Header fields that name envelope recipients or the envelope sender: `Bcc`, `X-Sender` and
//! `X-Receiver`. The envelope of a delivery never comes from a message's content: these fields,
//! when a message carries them in its top-level header section, are content, and they are
//! removed from every message that is delivered (over SMTP, into a pickup directory, through the
//! queue, forwarded), so that a recipient never sees the blind copies and a pickup file never
//! holds envelope lines other than its own.
//!
//! This is the one place that decides which lines go: [`strip_envelope_fields`] for bytes in
//! memory and [`strip_envelope_fields_reader`] for streams both run [`HeaderFilter`].

use std::borrow::Cow;
use std::io::{self, BufRead, BufReader, Read};

/// The fields removed from delivered messages (lower case).
const ENVELOPE_FIELDS: [&[u8]; 3] = [b"bcc", b"x-sender", b"x-receiver"];

/// The most bytes of one header line read at a time by the stream filter. A longer line is
/// passed on (or dropped) in pieces, by the decision made on its first piece, so memory stays
/// bounded whatever the input.
const LINE_PIECE: u64 = 64 * 1024;

/// Read buffer for streamed messages.
const READ_BUFFER: usize = 64 * 1024;

/// Whether a header line (from its start) begins one of [`ENVELOPE_FIELDS`]: the name before
/// the colon, compared without regard to case, with any spaces or tabs before the colon
/// ignored (RFC 5322 obsolete syntax, which mail readers accept).
pub(crate) fn is_envelope_field(line: &[u8]) -> bool {
    let Some(colon) = line.iter().position(|&b| b == b':') else {
        return false;
    };
    let mut name = &line[..colon];
    while let [rest @ .., b' ' | b'\t'] = name {
        name = rest;
    }
    ENVELOPE_FIELDS.iter().any(|f| name.eq_ignore_ascii_case(f))
}

/// Whether a line (from its start) is a header field: a name of printable ASCII other than
/// `:`, optional white space, then `:` (the message layer's reading, `message::tree`).
fn is_field(line: &[u8]) -> bool {
    let Some(colon) = line.iter().position(|&b| b == b':') else {
        return false;
    };
    let mut name = &line[..colon];
    while let [rest @ .., b' ' | b'\t'] = name {
        name = rest;
    }
    !name.is_empty() && name.iter().all(|&b| (33..=126).contains(&b))
}

const BOM: &[u8] = b"\xEF\xBB\xBF";

/// What to do with one line of a message, seen from its start.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum LineAction {
    Keep,
    Drop,
    /// The first line starts with a byte-order mark, which is not part of the message: the
    /// line is kept without it.
    DropBom,
    /// The empty line that ends the header section: kept, and everything after it too.
    EndOfHeader,
}

/// Walks the header section line by line and says which lines are kept: a field named in
/// [`ENVELOPE_FIELDS`] is dropped with its folded continuation lines; everything else, and
/// everything from the end of the header section on, is kept byte for byte. The header section
/// ends where the message layer ends it: at the empty line, or at a line that is neither a
/// field nor a continuation. A leading byte-order mark and mbox `From ` line, which a loaded
/// file may start with, are not part of the message and are dropped.
#[derive(Debug, Default)]
struct HeaderFilter {
    dropping: bool,
    /// How many lines were seen.
    lines: usize,
}

impl HeaderFilter {
    /// The action for a line of the header section, given its start (at least its first
    /// piece).
    fn line(&mut self, start: &[u8]) -> LineAction {
        self.lines += 1;
        if self.lines == 1 {
            let rest = start.strip_prefix(BOM).unwrap_or(start);
            if rest.starts_with(b"From ") && !is_field(rest) {
                return LineAction::Drop;
            }
            if rest.len() < start.len() {
                self.dropping = is_envelope_field(rest);
                return if self.dropping {
                    LineAction::Drop
                } else {
                    LineAction::DropBom
                };
            }
        }
        if start == b"\r\n" || start == b"\n" {
            return LineAction::EndOfHeader;
        }
        let continuation = matches!(start.first(), Some(b' ' | b'\t'));
        if !continuation && !is_field(start) {
            return LineAction::EndOfHeader;
        }
        if !matches!(start.first(), Some(b' ' | b'\t')) {
            self.dropping = is_envelope_field(start);
        }
        if self.dropping {
            LineAction::Drop
        } else {
            LineAction::Keep
        }
    }
}

/// `bytes` without `Bcc`, `X-Sender` and `X-Receiver` fields in the top-level header section
/// (with their folded lines); every other byte as it was. Borrowed when there is nothing to
/// remove.
pub fn strip_envelope_fields(bytes: &[u8]) -> Cow<'_, [u8]> {
    let mut filter = HeaderFilter::default();
    let mut kept: Vec<(usize, usize)> = Vec::new();
    let mut dropped = false;
    let mut pos = 0;
    while pos < bytes.len() {
        let end = bytes[pos..]
            .iter()
            .position(|&b| b == b'\n')
            .map_or(bytes.len(), |p| pos + p + 1);
        match filter.line(&bytes[pos..end]) {
            LineAction::Keep => kept.push((pos, end)),
            LineAction::Drop => dropped = true,
            LineAction::DropBom => {
                kept.push((pos + BOM.len(), end));
                dropped = true;
            }
            LineAction::EndOfHeader => {
                kept.push((pos, bytes.len()));
                break;
            }
        }
        pos = end;
    }
    if !dropped {
        return Cow::Borrowed(bytes);
    }
    let mut out = Vec::with_capacity(bytes.len());
    for (a, b) in kept {
        out.extend_from_slice(&bytes[a..b]);
    }
    Cow::Owned(out)
}

/// A reader that yields `inner` without `Bcc`, `X-Sender` and `X-Receiver` fields in the
/// header section (see [`strip_envelope_fields`]). Memory stays bounded: header lines are read
/// in pieces of at most 64 KiB, and the body is passed through as it comes.
pub struct EnvelopeFieldsStripped<R> {
    inner: BufReader<R>,
    filter: HeaderFilter,
    /// The piece of the current line to hand out, and how much of it was handed out.
    piece: Vec<u8>,
    piece_pos: usize,
    /// Whether the next piece starts a line.
    at_line_start: bool,
    /// The current line's action (for the pieces after its first).
    action: LineAction,
    in_body: bool,
}

/// Wraps `inner` so that `Bcc`, `X-Sender` and `X-Receiver` header fields are removed while
/// it is read.
pub fn strip_envelope_fields_reader<R: Read>(inner: R) -> EnvelopeFieldsStripped<R> {
    EnvelopeFieldsStripped {
        inner: BufReader::with_capacity(READ_BUFFER, inner),
        filter: HeaderFilter::default(),
        piece: Vec::new(),
        piece_pos: 0,
        at_line_start: true,
        action: LineAction::Keep,
        in_body: false,
    }
}

impl<R: Read> Read for EnvelopeFieldsStripped<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        loop {
            if self.piece_pos < self.piece.len() {
                let n = buf.len().min(self.piece.len() - self.piece_pos);
                buf[..n].copy_from_slice(&self.piece[self.piece_pos..self.piece_pos + n]);
                self.piece_pos += n;
                return Ok(n);
            }
            if self.in_body {
                self.piece = Vec::new();
                return self.inner.read(buf);
            }
            self.piece.clear();
            self.piece_pos = 0;
            let n = (&mut self.inner)
                .take(LINE_PIECE)
                .read_until(b'\n', &mut self.piece)?;
            if n == 0 {
                return Ok(0);
            }
            if self.at_line_start {
                self.action = self.filter.line(&self.piece);
            }
            self.at_line_start = self.piece.ends_with(b"\n");
            match self.action {
                LineAction::Keep => {}
                LineAction::Drop => self.piece.clear(),
                LineAction::DropBom => {
                    // Only the line's first piece starts with the mark.
                    if self.piece.starts_with(BOM) {
                        self.piece.drain(..BOM.len());
                    }
                    self.action = LineAction::Keep;
                }
                LineAction::EndOfHeader => self.in_body = true,
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const RAW: &[u8] = b"X-Sender: spoofed@evil.example\r\nFrom: a@b.c\r\n\
        Bcc: x@y.z,\r\n w@v.u\r\nx-receiver : hidden@evil.example\r\nTo: t@u.v\r\n\
        X-Senders: kept@example.org\r\n\r\nBcc: stays in body\r\nX-Receiver: stays too\r\n";
    const STRIPPED: &[u8] = b"From: a@b.c\r\nTo: t@u.v\r\nX-Senders: kept@example.org\r\n\
        \r\nBcc: stays in body\r\nX-Receiver: stays too\r\n";

    fn through_reader(raw: &[u8], chunk: usize) -> Vec<u8> {
        let mut r = strip_envelope_fields_reader(raw);
        let mut out = Vec::new();
        let mut buf = vec![0u8; chunk];
        loop {
            let n = r.read(&mut buf).unwrap();
            if n == 0 {
                return out;
            }
            out.extend_from_slice(&buf[..n]);
        }
    }

    #[test]
    fn strips_envelope_fields_only_in_the_header() {
        assert_eq!(&*strip_envelope_fields(RAW), STRIPPED);
        for chunk in [1, 3, 7, 4096] {
            assert_eq!(through_reader(RAW, chunk), STRIPPED, "chunk {chunk}");
        }
    }

    #[test]
    fn mbox_line_and_byte_order_mark_are_not_delivered() {
        for (raw, want) in [
            (
                &b"From someone@example.com Fri Mar  8 12:00:00 2024\r\nFrom: a@b\r\nBcc: c@d\r\n\r\nbody\r\n"[..],
                &b"From: a@b\r\n\r\nbody\r\n"[..],
            ),
            (
                b"\xEF\xBB\xBFFrom x@y Fri Mar  8 12:00:00 2024\nTo: a@b\n\nb",
                b"To: a@b\n\nb",
            ),
            (b"\xEF\xBB\xBFSubject: s\r\n\r\nb", b"Subject: s\r\n\r\nb"),
            (b"\xEF\xBB\xBFBcc: s\r\nTo: t@u\r\n\r\nb", b"To: t@u\r\n\r\nb"),
        ] {
            assert_eq!(&*strip_envelope_fields(raw), want);
            for chunk in [1, 2, 5, 4096] {
                assert_eq!(through_reader(raw, chunk), want, "chunk {chunk}");
            }
        }
    }

    /// The header section ends where the message layer ends it: a line that is not a field
    /// starts the body, so a `Bcc:` line after it is body text and stays.
    #[test]
    fn header_ends_at_a_line_that_is_not_a_field() {
        let raw = b"Subject: s\r\nthis is prose\r\nBcc: body text\r\n\r\nmore";
        assert_eq!(&*strip_envelope_fields(raw), &raw[..]);
        assert_eq!(through_reader(raw, 3), raw.to_vec());
    }

    #[test]
    fn untouched_bytes_are_borrowed() {
        let plain = b"Subject: x\nTo: a@b\n\nX-Sender: body\n";
        assert!(matches!(strip_envelope_fields(plain), Cow::Borrowed(_)));
        assert_eq!(through_reader(plain, 5), plain.to_vec());
        for odd in [&b"Subject: no end"[..], b"", b"\r\n", b"X-Receiver: a@b"] {
            let want: &[u8] = if odd.starts_with(b"X-") { b"" } else { odd };
            assert_eq!(&*strip_envelope_fields(odd), want);
            assert_eq!(through_reader(odd, 2), want);
        }
    }

    #[test]
    fn a_long_header_is_filtered_to_its_end() {
        // Far more header than one piece: a field after it is still removed, and a long
        // dropped field goes whole.
        let mut raw = Vec::new();
        let long = "v".repeat(200_000);
        raw.extend_from_slice(format!("X-Long: {long}\r\n").as_bytes());
        raw.extend_from_slice(format!("Bcc: {long}\r\n").as_bytes());
        for i in 0..20_000 {
            raw.extend_from_slice(format!("X-Filler-{i}: some value\r\n").as_bytes());
        }
        raw.extend_from_slice(b"X-Receiver: late@evil.example\r\nSubject: s\r\n\r\nbody\r\n");
        let out = through_reader(&raw, 8192);
        assert_eq!(out, strip_envelope_fields(&raw).into_owned());
        let text = String::from_utf8(out).unwrap();
        assert!(!text.contains("late@evil.example"));
        assert!(!text.contains("Bcc:"));
        assert!(text.contains(&format!("X-Long: {long}\r\n")));
        assert!(text.ends_with("Subject: s\r\n\r\nbody\r\n"));
    }
}
