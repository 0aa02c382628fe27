//! The TNEF writer (MS-OXTNEF): a message's subject, bodies, addresses, dates, importance and
//! attachments as a `winmail.dat` stream.

use super::props::*;
use crate::message::date;
use crate::message::{Attachment, MailAddress, MailMessage, Priority};

/// The OEM code page written into `attOemCodepage`; the 8-bit attributes (`attSubject`,
/// `attBody`, `attAttachTitle`) are written in it. Every MAPI string property is Unicode.
pub const OEM_CODEPAGE: u32 = 65001;

/// One MAPI property value.
#[derive(Clone, Debug)]
enum Value<'a> {
    Long(u32),
    /// Seconds since the Unix epoch, written as a FILETIME.
    Time(i64),
    Unicode(&'a str),
    Binary(&'a [u8]),
}

/// A list of MAPI properties in the TNEF encoding (MS-OXTNEF 2.1.3.4).
#[derive(Default)]
struct Props<'a>(Vec<(u16, Value<'a>)>);

impl<'a> Props<'a> {
    fn push(&mut self, id: u16, v: Value<'a>) {
        // No empty strings or binaries: a property that says nothing is left out.
        match v {
            Value::Unicode("") | Value::Binary([]) => {}
            v => self.0.push((id, v)),
        }
    }

    fn encode(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(&(self.0.len() as u32).to_le_bytes());
        for (id, v) in &self.0 {
            let ty = match v {
                Value::Long(_) => PT_LONG,
                Value::Time(_) => PT_SYSTIME,
                Value::Unicode(_) => PT_UNICODE,
                Value::Binary(_) => PT_BINARY,
            };
            out.extend_from_slice(&ty.to_le_bytes());
            out.extend_from_slice(&id.to_le_bytes());
            match v {
                Value::Long(n) => out.extend_from_slice(&n.to_le_bytes()),
                Value::Time(t) => out.extend_from_slice(&date::filetime(*t).to_le_bytes()),
                Value::Unicode(s) => {
                    let mut bytes: Vec<u8> = s.encode_utf16().flat_map(u16::to_le_bytes).collect();
                    bytes.extend_from_slice(&[0, 0]);
                    counted(out, &bytes);
                }
                Value::Binary(b) => counted(out, b),
            }
        }
    }
}

/// One value of a variable-length property: a count of 1, the length, the bytes, padding to 4.
fn counted(out: &mut Vec<u8>, bytes: &[u8]) {
    out.extend_from_slice(&1u32.to_le_bytes());
    out.extend_from_slice(&(bytes.len() as u32).to_le_bytes());
    out.extend_from_slice(bytes);
    out.resize(out.len() + (4 - bytes.len() % 4) % 4, 0);
}

/// Unix seconds as the 14-byte TNEF date (year, month, day, hour, minute, second, weekday).
/// The date-time is UTC; the weekday counts from 0 = Sunday.
fn tnef_date(secs: i64) -> [u8; 14] {
    let t = date::utc(secs);
    let fields = [
        t.year() as u16,
        t.month() as u16,
        t.day() as u16,
        t.hour() as u16,
        t.minute() as u16,
        t.second() as u16,
        t.weekday().to_sunday_zero_offset() as u16,
    ];
    let mut out = [0u8; 14];
    for (i, f) in fields.iter().enumerate() {
        out[i * 2..i * 2 + 2].copy_from_slice(&f.to_le_bytes());
    }
    out
}

/// Writes TNEF attributes with their checksums.
struct Stream(Vec<u8>);

impl Stream {
    fn attr(&mut self, level: u8, id: u32, data: &[u8]) {
        if data.is_empty() {
            return; // no zero-length attributes
        }
        let sum = data.iter().fold(0u32, |s, b| s + u32::from(*b)) as u16;
        self.0.push(level);
        self.0.extend_from_slice(&id.to_le_bytes());
        self.0.extend_from_slice(&(data.len() as u32).to_le_bytes());
        self.0.extend_from_slice(data);
        self.0.extend_from_slice(&sum.to_le_bytes());
    }
}

fn with_nul(s: &str) -> Vec<u8> {
    let mut v = s.as_bytes().to_vec();
    v.push(0);
    v
}

/// The legacy 16-bit key: any value but 0, derived from the Message-ID so output is stable.
fn key_of(message_id: &str) -> u16 {
    let k = message_id
        .bytes()
        .fold(0x5AA5u16, |k, b| k.rotate_left(5) ^ u16::from(b));
    if k == 0 { 1 } else { k }
}

/// Everything the writer needs beyond the model: the Message-ID and date the MIME headers carry.
#[derive(Clone, Debug)]
pub struct TnefOptions<'a> {
    /// The Message-ID without angle brackets.
    pub message_id: &'a str,
    /// The sending date, in seconds since the Unix epoch (UTC).
    pub date: i64,
}

/// Writes `msg` as a TNEF stream (the content of `winmail.dat`).
///
/// Message attributes: `attTnefVersion`, `attOemCodepage` (65001), `attMessageClass`
/// (`IPM.Note`), `attSubject`, `attDateSent`, `attDateModified`, `attPriority`, `attBody`,
/// `attRecipTable` (To and Cc; never Bcc) and `attMsgProps`. Attachments (then inline resources):
/// `attAttachRendData`, `attAttachTitle`, `attAttachModifyDate`, `attAttachData`, `attAttachment`.
pub fn write_tnef(msg: &MailMessage, opts: &TnefOptions<'_>) -> Vec<u8> {
    let mut s = Stream(Vec::with_capacity(
        4096 + msg
            .attachments()
            .iter()
            .chain(msg.inline_resources())
            .map(|a| a.content.len() + 512)
            .sum::<usize>(),
    ));
    s.0.extend_from_slice(&TNEF_SIGNATURE.to_le_bytes());
    s.0.extend_from_slice(&key_of(opts.message_id).to_le_bytes());
    s.attr(LVL_MESSAGE, ATT_TNEF_VERSION, &0x0001_0000u32.to_le_bytes());
    let mut cp = OEM_CODEPAGE.to_le_bytes().to_vec();
    cp.extend_from_slice(&0u32.to_le_bytes());
    s.attr(LVL_MESSAGE, ATT_OEM_CODEPAGE, &cp);
    s.attr(LVL_MESSAGE, ATT_MESSAGE_CLASS, b"IPM.Note\0");
    if !msg.subject().is_empty() {
        s.attr(LVL_MESSAGE, ATT_SUBJECT, &with_nul(msg.subject()));
    }
    let date = tnef_date(opts.date);
    s.attr(LVL_MESSAGE, ATT_DATE_SENT, &date);
    s.attr(LVL_MESSAGE, ATT_DATE_MODIFIED, &date);
    let (importance, priority, tnef_priority) = match msg.priority() {
        Priority::Low => (0u32, u32::MAX, 3u16),
        Priority::Normal => (1, 0, 2),
        Priority::High => (2, 1, 1),
    };
    s.attr(LVL_MESSAGE, ATT_PRIORITY, &tnef_priority.to_le_bytes());
    let (text, html) = msg.effective_bodies();
    if let Some(text) = text.filter(|t| !t.is_empty()) {
        s.attr(LVL_MESSAGE, ATT_BODY, text.as_bytes());
    }
    let recips: Vec<(u32, &MailAddress)> = msg
        .recipients(crate::message::RecipientKind::To)
        .iter()
        .map(|a| (1, a))
        .chain(
            msg.recipients(crate::message::RecipientKind::Cc)
                .iter()
                .map(|a| (2, a)),
        )
        .collect();
    let addresses: Vec<(String, String)> = recips
        .iter()
        .map(|(_, a)| {
            let addr = a.address();
            let name = a.display_name().unwrap_or(&addr).to_string();
            (name, addr)
        })
        .collect();
    if !recips.is_empty() {
        let mut table = (recips.len() as u32).to_le_bytes().to_vec();
        for ((kind, _), (name, addr)) in recips.iter().zip(&addresses) {
            let mut row = Props::default();
            row.push(PR_DISPLAY_NAME, Value::Unicode(name));
            row.push(PR_ADDRTYPE, Value::Unicode("SMTP"));
            row.push(PR_EMAIL_ADDRESS, Value::Unicode(addr));
            row.push(PR_SMTP_ADDRESS, Value::Unicode(addr));
            row.push(PR_RECIPIENT_TYPE, Value::Long(*kind));
            row.encode(&mut table);
        }
        s.attr(LVL_MESSAGE, ATT_RECIP_TABLE, &table);
    }

    let display = |kind: u32| {
        recips
            .iter()
            .zip(&addresses)
            .filter(|((k, _), _)| *k == kind)
            .map(|(_, (name, _))| name.as_str())
            .collect::<Vec<_>>()
            .join("; ")
    };
    let (display_to, display_cc) = (display(1), display(2));
    let sender = msg.sender().or(msg.from());
    let sender_addr = sender.map(MailAddress::address).unwrap_or_default();
    let sender_name = sender
        .and_then(|a| a.display_name().map(str::to_string))
        .unwrap_or_else(|| sender_addr.clone());
    let from = msg.from();
    let from_addr = from.map(MailAddress::address).unwrap_or_default();
    let from_name = from
        .and_then(|a| a.display_name().map(str::to_string))
        .unwrap_or_else(|| from_addr.clone());
    let bracketed = format!("<{}>", opts.message_id);
    let correlation = with_nul(&bracketed);

    let mut p = Props::default();
    p.push(PR_MESSAGE_CLASS, Value::Unicode("IPM.Note"));
    p.push(PR_SUBJECT, Value::Unicode(msg.subject()));
    p.push(PR_NORMALIZED_SUBJECT, Value::Unicode(msg.subject()));
    p.push(PR_CONVERSATION_TOPIC, Value::Unicode(msg.subject()));
    if let Some(text) = text {
        p.push(PR_BODY, Value::Unicode(text));
    }
    if let Some(html) = html {
        p.push(PR_HTML, Value::Binary(html.as_bytes()));
    }
    p.push(PR_INTERNET_CPID, Value::Long(65001));
    p.push(PR_IMPORTANCE, Value::Long(importance));
    p.push(PR_PRIORITY, Value::Long(priority));
    p.push(PR_CLIENT_SUBMIT_TIME, Value::Time(opts.date));
    p.push(PR_MESSAGE_DELIVERY_TIME, Value::Time(opts.date));
    if !sender_addr.is_empty() {
        p.push(PR_SENDER_NAME, Value::Unicode(&sender_name));
        p.push(PR_SENDER_ADDRTYPE, Value::Unicode("SMTP"));
        p.push(PR_SENDER_EMAIL_ADDRESS, Value::Unicode(&sender_addr));
    }
    if !from_addr.is_empty() {
        p.push(PR_SENT_REPRESENTING_NAME, Value::Unicode(&from_name));
        p.push(PR_SENT_REPRESENTING_ADDRTYPE, Value::Unicode("SMTP"));
        p.push(
            PR_SENT_REPRESENTING_EMAIL_ADDRESS,
            Value::Unicode(&from_addr),
        );
    }
    p.push(PR_DISPLAY_TO, Value::Unicode(&display_to));
    p.push(PR_DISPLAY_CC, Value::Unicode(&display_cc));
    p.push(PR_INTERNET_MESSAGE_ID, Value::Unicode(&bracketed));
    p.push(PR_TNEF_CORRELATION_KEY, Value::Binary(&correlation));
    let mut props = Vec::new();
    p.encode(&mut props);
    s.attr(LVL_MESSAGE, ATT_MSG_PROPS, &props);

    for a in msg.attachments().iter().chain(msg.inline_resources()) {
        write_attachment(&mut s, a, opts.date);
    }
    s.0
}

fn write_attachment(s: &mut Stream, a: &Attachment, date: i64) {
    // attAttachRendData: a file (atyp 1), position -1, no size, no flags.
    let mut rend = Vec::with_capacity(14);
    rend.extend_from_slice(&1u16.to_le_bytes());
    rend.extend_from_slice(&u32::MAX.to_le_bytes());
    rend.extend_from_slice(&0u16.to_le_bytes());
    rend.extend_from_slice(&0u16.to_le_bytes());
    rend.extend_from_slice(&0u32.to_le_bytes());
    s.attr(LVL_ATTACHMENT, ATT_ATTACH_REND_DATA, &rend);
    if !a.name.is_empty() {
        s.attr(LVL_ATTACHMENT, ATT_ATTACH_TITLE, &with_nul(&a.name));
    }
    s.attr(LVL_ATTACHMENT, ATT_ATTACH_MODIFY_DATE, &tnef_date(date));
    s.attr(LVL_ATTACHMENT, ATT_ATTACH_DATA, &a.content);
    let extension = a
        .name
        .rfind('.')
        .map(|i| &a.name[i..])
        .filter(|e| e.len() > 1)
        .unwrap_or("");
    let mut p = Props::default();
    p.push(PR_ATTACH_METHOD, Value::Long(1)); // ATTACH_BY_VALUE
    p.push(PR_ATTACH_FILENAME, Value::Unicode(&a.name));
    p.push(PR_ATTACH_LONG_FILENAME, Value::Unicode(&a.name));
    p.push(PR_DISPLAY_NAME, Value::Unicode(&a.name));
    p.push(PR_ATTACH_EXTENSION, Value::Unicode(extension));
    p.push(PR_ATTACH_MIME_TAG, Value::Unicode(&a.content_type));
    if let Some(cid) = &a.content_id {
        p.push(PR_ATTACH_CONTENT_ID, Value::Unicode(cid));
    }
    p.push(PR_ATTACH_SIZE, Value::Long(a.content.len() as u32));
    p.push(PR_RENDERING_POSITION, Value::Long(u32::MAX));
    let mut props = Vec::new();
    p.encode(&mut props);
    s.attr(LVL_ATTACHMENT, ATT_ATTACHMENT, &props);
}
