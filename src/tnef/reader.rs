//! The TNEF reader: the subject, bodies and attachments of a `winmail.dat` stream.

use super::props::*;

/// Why a stream could not be read.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TnefError(pub String);

impl std::fmt::Display for TnefError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for TnefError {}

/// One MAPI property as read: its tag and its values (one for single-valued properties).
#[derive(Clone, Debug, PartialEq)]
pub struct Property {
    /// The property id (high word of the tag).
    pub id: u16,
    /// The property type without the multi-value flag.
    pub ty: u16,
    /// Whether the property is multi-valued.
    pub multi: bool,
    /// For named properties (id >= 0x8000), the property set GUID (as stored).
    pub guid: Option<[u8; 16]>,
    /// The raw value bytes of each value (strings with their NUL, without padding).
    pub values: Vec<Vec<u8>>,
}

impl Property {
    /// The first value as text (Unicode or 8-bit in `codepage`), without the trailing NUL.
    pub fn text(&self, codepage: u32) -> Option<String> {
        let v = self.values.first()?;
        match self.ty {
            PT_UNICODE => {
                let units: Vec<u16> = v
                    .chunks_exact(2)
                    .map(|c| u16::from_le_bytes([c[0], c[1]]))
                    .collect();
                let s = String::from_utf16_lossy(&units);
                Some(s.trim_end_matches('\0').to_string())
            }
            PT_STRING8 => Some(decode_8bit(v, codepage).trim_end_matches('\0').to_string()),
            _ => None,
        }
    }

    /// The first value as an integer (PT_SHORT, PT_LONG, PT_BOOLEAN, PT_ERROR).
    pub fn int(&self) -> Option<u32> {
        let v = self.values.first()?;
        match (self.ty, v.len()) {
            (PT_SHORT | PT_BOOLEAN, n) if n >= 2 => {
                Some(u32::from(u16::from_le_bytes([v[0], v[1]])))
            }
            (PT_LONG | PT_ERROR, n) if n >= 4 => Some(u32::from_le_bytes([v[0], v[1], v[2], v[3]])),
            _ => None,
        }
    }
}

/// An attachment of a TNEF stream.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct TnefAttachment {
    /// `attAttachTitle` (8-bit, in the stream's OEM code page).
    pub title: Option<String>,
    /// `attAttachData`, or `PR_ATTACH_DATA_BIN`/`_OBJ` from the attachment's properties.
    pub data: Vec<u8>,
    /// The attachment's MAPI properties (`attAttachment`).
    pub props: Vec<Property>,
    /// The stream's OEM code page.
    codepage: u32,
}

impl TnefAttachment {
    fn prop_text(&self, id: u16) -> Option<String> {
        self.props
            .iter()
            .find(|p| p.id == id && p.guid.is_none())
            .and_then(|p| p.text(self.codepage))
            .filter(|s| !s.is_empty())
    }

    /// The best file name: long file name, else file name, else title, else display name.
    pub fn name(&self) -> Option<String> {
        self.prop_text(PR_ATTACH_LONG_FILENAME)
            .or_else(|| self.prop_text(PR_ATTACH_FILENAME))
            .or_else(|| self.title.clone().filter(|t| !t.is_empty()))
            .or_else(|| self.prop_text(PR_DISPLAY_NAME))
    }

    /// `PR_ATTACH_MIME_TAG`.
    pub fn mime_tag(&self) -> Option<String> {
        self.prop_text(PR_ATTACH_MIME_TAG)
    }

    /// `PR_ATTACH_CONTENT_ID`.
    pub fn content_id(&self) -> Option<String> {
        self.prop_text(PR_ATTACH_CONTENT_ID)
    }
}

/// What a TNEF stream holds.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct TnefMessage {
    /// The 16-bit legacy key.
    pub key: u16,
    /// `attOemCodepage` (1252 when absent).
    pub codepage: u32,
    /// `attMessageClass`, else `PR_MESSAGE_CLASS`.
    pub message_class: Option<String>,
    /// `PR_SUBJECT`, else `attSubject`.
    pub subject: Option<String>,
    /// `PR_BODY`, else `attBody`.
    pub body: Option<String>,
    /// `PR_HTML` (bytes in `PR_INTERNET_CPID`; see [`TnefMessage::html_text`]).
    pub html: Option<Vec<u8>>,
    /// `PR_RTF_COMPRESSED`, as stored.
    pub rtf_compressed: Option<Vec<u8>>,
    /// The message's MAPI properties (`attMsgProps`).
    pub props: Vec<Property>,
    /// The attachments, in order.
    pub attachments: Vec<TnefAttachment>,
    /// How many attributes had a wrong checksum (they are still read).
    pub bad_checksums: usize,
}

impl TnefMessage {
    /// A message property by id (not named properties).
    pub fn prop(&self, id: u16) -> Option<&Property> {
        self.props.iter().find(|p| p.id == id && p.guid.is_none())
    }

    /// The HTML body as text, decoded with `PR_INTERNET_CPID` (UTF-8 when absent).
    pub fn html_text(&self) -> Option<String> {
        let html = self.html.as_ref()?;
        let cp = self
            .prop(PR_INTERNET_CPID)
            .and_then(Property::int)
            .unwrap_or(65001);
        Some(decode_8bit(html, cp).trim_end_matches('\0').to_string())
    }
}

/// Decodes 8-bit text in a Windows code page: UTF-8 (65001), Windows-1252 (1252), ASCII or
/// Latin-1 (20127, 28591); other code pages as Windows-1252, the usual Outlook default.
pub fn decode_8bit(bytes: &[u8], codepage: u32) -> String {
    const CP1252: [char; 32] = [
        '€', '\u{81}', '‚', 'ƒ', '„', '…', '†', '‡', 'ˆ', '‰', 'Š', '‹', 'Œ', '\u{8d}', 'Ž',
        '\u{8f}', '\u{90}', '‘', '’', '“', '”', '•', '–', '—', '˜', '™', 'š', '›', 'œ', '\u{9d}',
        'ž', 'Ÿ',
    ];
    match codepage {
        65001 => String::from_utf8_lossy(bytes).into_owned(),
        28591 | 20127 => bytes.iter().map(|&b| char::from(b)).collect(),
        _ => match std::str::from_utf8(bytes) {
            // 8-bit text that is valid UTF-8 and not ASCII is almost surely UTF-8.
            Ok(s) => s.to_string(),
            Err(_) => bytes
                .iter()
                .map(|&b| match b {
                    0x80..=0x9F => CP1252[usize::from(b - 0x80)],
                    b => char::from(b),
                })
                .collect(),
        },
    }
}

struct Cursor<'a> {
    data: &'a [u8],
    pos: usize,
}

impl<'a> Cursor<'a> {
    fn take(&mut self, n: usize) -> Result<&'a [u8], TnefError> {
        let end = self
            .pos
            .checked_add(n)
            .filter(|&e| e <= self.data.len())
            .ok_or_else(|| {
                TnefError(format!(
                    "the data ends inside a value at offset {}",
                    self.pos
                ))
            })?;
        let s = &self.data[self.pos..end];
        self.pos = end;
        Ok(s)
    }
    fn u16(&mut self) -> Result<u16, TnefError> {
        let b = self.take(2)?;
        Ok(u16::from_le_bytes([b[0], b[1]]))
    }
    fn u32(&mut self) -> Result<u32, TnefError> {
        let b = self.take(4)?;
        Ok(u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
    }
    fn pad4(&mut self, n: usize) -> Result<(), TnefError> {
        let pad = (4 - n % 4) % 4;
        self.take(pad.min(self.data.len() - self.pos)).map(|_| ())
    }
}

/// Reads a list of MAPI properties (MS-OXTNEF 2.1.3.4) starting at the cursor.
fn read_props(c: &mut Cursor<'_>) -> Result<Vec<Property>, TnefError> {
    let count = c.u32()? as usize;
    let mut out = Vec::with_capacity(count.min(1024));
    for _ in 0..count {
        let raw_ty = c.u16()?;
        let id = c.u16()?;
        let mut guid = None;
        if id >= 0x8000 {
            let mut g = [0u8; 16];
            g.copy_from_slice(c.take(16)?);
            guid = Some(g);
            let kind = c.u32()?;
            if kind == 0 {
                c.u32()?;
            } else {
                let len = c.u32()? as usize;
                c.take(len)?;
                c.pad4(len)?;
            }
        }
        let multi = raw_ty & MV_FLAG != 0;
        let ty = raw_ty & !MV_FLAG;
        let n = if multi { c.u32()? as usize } else { 1 };
        let mut values = Vec::with_capacity(n.min(1024));
        for _ in 0..n {
            let v = match ty {
                PT_SHORT | PT_BOOLEAN => c.take(4)?[..2].to_vec(),
                PT_LONG | PT_FLOAT | PT_ERROR => c.take(4)?.to_vec(),
                PT_DOUBLE | PT_APPTIME | PT_CURRENCY | PT_I8 | PT_SYSTIME => c.take(8)?.to_vec(),
                PT_CLSID => c.take(16)?.to_vec(),
                PT_STRING8 | PT_UNICODE | PT_BINARY | PT_OBJECT | 0 => {
                    // Single-valued variable-length properties carry a count of values first.
                    let inner = if multi { 1 } else { c.u32()? as usize };
                    let mut last = Vec::new();
                    for _ in 0..inner {
                        let len = c.u32()? as usize;
                        last = c.take(len)?.to_vec();
                        c.pad4(len)?;
                    }
                    last
                }
                PT_NULL => Vec::new(),
                other => {
                    return Err(TnefError(format!(
                        "MAPI property 0x{id:04X} has the unknown type 0x{other:04X}"
                    )));
                }
            };
            values.push(v);
        }
        out.push(Property {
            id,
            ty,
            multi,
            guid,
            values,
        });
    }
    Ok(out)
}

const PT_NULL: u16 = 0x0001;

/// Parses a TNEF stream.
///
/// Lenient where real streams are odd: a wrong checksum is counted (`bad_checksums`), not
/// fatal; bytes after the last whole attribute are ignored; a property list that cannot be
/// decoded is skipped. The signature must be right and the first attribute whole.
pub fn parse(data: &[u8]) -> Result<TnefMessage, TnefError> {
    if data.len() < 6 {
        return Err(TnefError("the data is too short for a TNEF stream".into()));
    }
    let sig = u32::from_le_bytes([data[0], data[1], data[2], data[3]]);
    if sig != TNEF_SIGNATURE {
        return Err(TnefError(format!(
            "the TNEF signature is 0x{sig:08X}, not 0x{TNEF_SIGNATURE:08X}"
        )));
    }
    let mut m = TnefMessage {
        key: u16::from_le_bytes([data[4], data[5]]),
        codepage: 1252,
        ..TnefMessage::default()
    };
    let mut pos = 6;
    let mut attrs = 0usize;
    let mut att_subject = None;
    let mut att_body = None;
    while data.len() - pos >= 11 {
        let level = data[pos];
        let id = u32::from_le_bytes([data[pos + 1], data[pos + 2], data[pos + 3], data[pos + 4]]);
        let len = u32::from_le_bytes([data[pos + 5], data[pos + 6], data[pos + 7], data[pos + 8]])
            as usize;
        let Some(end) = (pos + 9).checked_add(len).filter(|e| e + 2 <= data.len()) else {
            if attrs == 0 {
                return Err(TnefError("the first TNEF attribute is cut short".into()));
            }
            break; // trailing garbage or a truncated last attribute
        };
        let body = &data[pos + 9..end];
        let sum = u16::from_le_bytes([data[end], data[end + 1]]);
        if body.iter().fold(0u32, |s, b| s + u32::from(*b)) as u16 != sum {
            m.bad_checksums += 1;
        }
        pos = end + 2;
        attrs += 1;
        if id == ATT_ATTACH_REND_DATA {
            m.attachments.push(TnefAttachment {
                codepage: m.codepage,
                ..TnefAttachment::default()
            });
        }
        if level == LVL_ATTACHMENT {
            if m.attachments.is_empty() {
                m.attachments.push(TnefAttachment {
                    codepage: m.codepage,
                    ..TnefAttachment::default()
                });
            }
            let codepage = m.codepage;
            let Some(a) = m.attachments.last_mut() else {
                continue;
            };
            match id {
                ATT_ATTACH_TITLE => {
                    a.title = Some(
                        decode_8bit(body, codepage)
                            .trim_end_matches('\0')
                            .to_string(),
                    )
                }
                ATT_ATTACH_DATA => a.data = body.to_vec(),
                ATT_ATTACHMENT => {
                    let mut c = Cursor { data: body, pos: 0 };
                    if let Ok(props) = read_props(&mut c) {
                        for p in &props {
                            if p.id == PR_ATTACH_DATA
                                && p.guid.is_none()
                                && a.data.is_empty()
                                && let Some(v) = p.values.first()
                            {
                                // PT_OBJECT data starts with the 16-byte IID of its interface.
                                a.data = if p.ty == PT_OBJECT && v.len() >= 16 {
                                    v[16..].to_vec()
                                } else {
                                    v.clone()
                                };
                            }
                        }
                        a.props = props;
                    }
                }
                _ => {}
            }
            continue;
        }
        match id {
            ATT_OEM_CODEPAGE if body.len() >= 4 => {
                m.codepage = u32::from_le_bytes([body[0], body[1], body[2], body[3]]);
            }
            ATT_MESSAGE_CLASS => {
                m.message_class = Some(
                    decode_8bit(body, m.codepage)
                        .trim_end_matches('\0')
                        .to_string(),
                );
            }
            ATT_SUBJECT => {
                att_subject = Some(
                    decode_8bit(body, m.codepage)
                        .trim_end_matches('\0')
                        .to_string(),
                );
            }
            ATT_BODY => {
                att_body = Some(
                    decode_8bit(body, m.codepage)
                        .trim_end_matches('\0')
                        .to_string(),
                );
            }
            ATT_MSG_PROPS => {
                let mut c = Cursor { data: body, pos: 0 };
                if let Ok(props) = read_props(&mut c) {
                    m.props = props;
                }
            }
            _ => {}
        }
    }
    if attrs == 0 {
        return Err(TnefError("the TNEF stream has no attributes".into()));
    }
    let cp = m.codepage;
    m.subject = m.prop(PR_SUBJECT).and_then(|p| p.text(cp)).or(att_subject);
    m.body = m.prop(PR_BODY).and_then(|p| p.text(cp)).or(att_body);
    if m.message_class.is_none() {
        m.message_class = m.prop(PR_MESSAGE_CLASS).and_then(|p| p.text(cp));
    }
    m.html = m.prop(PR_HTML).and_then(|p| match p.ty {
        PT_BINARY => p.values.first().cloned(),
        PT_UNICODE | PT_STRING8 => p.text(cp).map(String::into_bytes),
        _ => None,
    });
    m.rtf_compressed = m
        .prop(PR_RTF_COMPRESSED)
        .and_then(|p| p.values.first().cloned());
    Ok(m)
}
