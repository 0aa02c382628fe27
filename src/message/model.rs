//! The message model: what a user composes, independent of how it is encoded.

use std::path::Path;
use std::sync::Arc;

use super::address::{MailAddress, parse_address_list};
use super::error::{MessageError, MessageErrorKind};
use super::mime_types::guess_content_type;

/// How urgent a message is; written as `X-Priority` and `Importance`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Priority {
    /// No priority headers are written.
    #[default]
    Normal,
    /// `X-Priority: 5 (Lowest)`, `Importance: low`.
    Low,
    /// `X-Priority: 1 (Highest)`, `Importance: high`.
    High,
}

/// When the receiving servers should send delivery status notifications (RFC 3461 NOTIFY).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct DsnNotify {
    /// Notify on successful delivery.
    pub success: bool,
    /// Notify on failure.
    pub failure: bool,
    /// Notify when delivery is delayed.
    pub delay: bool,
    /// Never notify (excludes the other three).
    pub never: bool,
}

impl DsnNotify {
    /// True when no option was chosen: the server's default applies and no NOTIFY is sent.
    pub fn is_default(&self) -> bool {
        *self == DsnNotify::default()
    }
}

/// What a failure notification carries back (RFC 3461 RET).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DsnReturn {
    /// The whole message.
    Full,
    /// The headers only.
    Headers,
}

/// Delivery-notification options, used by SMTP delivery when the server offers DSN.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct DeliveryNotification {
    /// NOTIFY for every recipient.
    pub notify: DsnNotify,
    /// RET on MAIL FROM.
    pub ret: Option<DsnReturn>,
    /// ENVID on MAIL FROM.
    pub envelope_id: Option<String>,
}

/// Another representation of the body (RFC 2046 multipart/alternative), e.g. `text/calendar`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AlternateView {
    /// The media type with any parameters but the charset, e.g. `text/calendar; method=REQUEST`.
    pub content_type: String,
    /// The charset of `content` when it is text; `None` for binary content.
    pub charset: Option<String>,
    /// The content, in `charset` when it is text.
    pub content: Vec<u8>,
}

/// A file carried by the message: an attachment, or an inline resource referenced by content-id.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Attachment {
    /// The file name shown to the recipient (may be empty for inline resources).
    pub name: String,
    /// The media type, e.g. `application/pdf`.
    pub content_type: String,
    /// The bytes.
    pub content: Arc<Vec<u8>>,
    /// The content-id (without angle brackets), for inline resources referenced as `cid:`.
    pub content_id: Option<String>,
}

/// A header that is not one of the message's structural fields.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Header {
    /// The field name, e.g. `X-Mailer`.
    pub name: String,
    /// The unfolded value (UTF-8; encoded as RFC 2047 words on output when not ASCII).
    pub value: String,
}

/// Header names the model owns: custom headers may not set them.
pub(crate) const STRUCTURAL_HEADERS: &[&str] = &[
    "from",
    "sender",
    "to",
    "cc",
    "bcc",
    "reply-to",
    "subject",
    "date",
    "message-id",
    "mime-version",
    "content-type",
    "content-transfer-encoding",
    "content-disposition",
    "content-id",
    "x-priority",
    "importance",
];

/// An email message.
///
/// Bodies: `body` is the plain-text body and `html_body` the HTML body. With only one of them,
/// the message is a single part of that type; with both, a `multipart/alternative`. As in the
/// `System.Net.Mail` tradition, setting `is_body_html` with no HTML body makes `body` itself the
/// HTML body. Alternate views go into the same `multipart/alternative`, after the bodies.
#[derive(Clone, Debug, Default)]
pub struct MailMessage {
    pub(crate) from: Option<MailAddress>,
    pub(crate) sender: Option<MailAddress>,
    pub(crate) to: Vec<MailAddress>,
    pub(crate) cc: Vec<MailAddress>,
    pub(crate) bcc: Vec<MailAddress>,
    pub(crate) reply_to: Vec<MailAddress>,
    pub(crate) subject: String,
    pub(crate) body: String,
    pub(crate) html_body: Option<String>,
    pub(crate) is_body_html: bool,
    pub(crate) alternate_views: Vec<AlternateView>,
    pub(crate) attachments: Vec<Attachment>,
    pub(crate) inline_resources: Vec<Attachment>,
    pub(crate) headers: Vec<Header>,
    pub(crate) priority: Priority,
    /// Seconds since the Unix epoch, and the offset from UTC in minutes.
    pub(crate) date: Option<(i64, i32)>,
    pub(crate) message_id: Option<String>,
    pub(crate) dsn: DeliveryNotification,
    /// The bytes this message was loaded from, while it is unchanged since loading.
    pub(crate) original: Option<Arc<Vec<u8>>>,
    /// Written as TNEF (`winmail.dat`, see `crate::tnef`); set on loading a TNEF message.
    pub(crate) use_tnef: bool,
    /// A loaded message's MIME tree and the model as loaded: changes are written into the tree
    /// (see `super::edit`), so what was not changed keeps its bytes.
    pub(crate) source: Option<Arc<super::edit::Loaded>>,
}

/// Two messages are equal when their model is; the original bytes of a loaded message do not count.
impl PartialEq for MailMessage {
    fn eq(&self, o: &Self) -> bool {
        self.from == o.from
            && self.sender == o.sender
            && self.to == o.to
            && self.cc == o.cc
            && self.bcc == o.bcc
            && self.reply_to == o.reply_to
            && self.subject == o.subject
            && self.body == o.body
            && self.html_body == o.html_body
            && self.is_body_html == o.is_body_html
            && self.alternate_views == o.alternate_views
            && self.attachments == o.attachments
            && self.inline_resources == o.inline_resources
            && self.headers == o.headers
            && self.priority == o.priority
            && self.date == o.date
            && self.message_id == o.message_id
            && self.dsn == o.dsn
            && self.use_tnef == o.use_tnef
    }
}

/// Which recipient list an address goes into.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RecipientKind {
    /// `To:`
    To,
    /// `Cc:`
    Cc,
    /// Blind copy: in the envelope, never in the headers.
    Bcc,
    /// `Reply-To:` (not a recipient of this message, but a list of the same shape).
    ReplyTo,
}

fn reject_header_controls(value: &str, what: &str) -> Result<(), MessageError> {
    if let Some(c) = value.chars().find(|c| c.is_control() && *c != '\t') {
        return Err(MessageError::new(
            MessageErrorKind::InvalidHeader,
            format!(
                "the {what} contains the control character U+{:04X}; CR and LF would inject headers",
                c as u32
            ),
        ));
    }
    Ok(())
}

/// Validates a content type of the form `type/subtype[; params]` without control characters.
fn validate_content_type(ct: &str) -> Result<(), MessageError> {
    reject_header_controls(ct, "content type")?;
    let essence = ct.split(';').next().unwrap_or("").trim();
    let mut parts = essence.splitn(2, '/');
    let (t, s) = (parts.next().unwrap_or(""), parts.next().unwrap_or(""));
    let token = |x: &str| {
        !x.is_empty()
            && x.chars()
                .all(|c| c.is_ascii_alphanumeric() || "!#$&-^_.+".contains(c))
    };
    if !token(t) || !token(s) {
        return Err(MessageError::new(
            MessageErrorKind::InvalidArgument,
            format!("{ct:?} is not a media type of the form type/subtype"),
        ));
    }
    Ok(())
}

impl MailMessage {
    /// An empty message.
    pub fn new() -> Self {
        Self::default()
    }

    /// Any change makes the message differ from the bytes it was loaded from.
    fn touch(&mut self) {
        self.original = None;
    }

    // ---- addresses ----

    /// Sets `From:`.
    pub fn set_from(&mut self, address: MailAddress) {
        self.touch();
        self.from = Some(address);
    }

    /// Sets `Sender:` (also the envelope sender when set).
    pub fn set_sender(&mut self, address: Option<MailAddress>) {
        self.touch();
        self.sender = address;
    }

    /// The `From:` address.
    pub fn from(&self) -> Option<&MailAddress> {
        self.from.as_ref()
    }

    /// The `Sender:` address.
    pub fn sender(&self) -> Option<&MailAddress> {
        self.sender.as_ref()
    }

    fn list_mut(&mut self, kind: RecipientKind) -> &mut Vec<MailAddress> {
        match kind {
            RecipientKind::To => &mut self.to,
            RecipientKind::Cc => &mut self.cc,
            RecipientKind::Bcc => &mut self.bcc,
            RecipientKind::ReplyTo => &mut self.reply_to,
        }
    }

    /// The addresses of one list.
    pub fn recipients(&self, kind: RecipientKind) -> &[MailAddress] {
        match kind {
            RecipientKind::To => &self.to,
            RecipientKind::Cc => &self.cc,
            RecipientKind::Bcc => &self.bcc,
            RecipientKind::ReplyTo => &self.reply_to,
        }
    }

    /// Adds one address to a list.
    pub fn add_recipient(&mut self, kind: RecipientKind, address: MailAddress) {
        self.touch();
        self.list_mut(kind).push(address);
    }

    /// Parses a comma-separated list and adds every address; adds none if any is invalid.
    pub fn add_recipients_str(
        &mut self,
        kind: RecipientKind,
        list: &str,
    ) -> Result<usize, MessageError> {
        let parsed = parse_address_list(list)?;
        if parsed.is_empty() {
            return Err(MessageError::new(
                MessageErrorKind::InvalidAddress,
                "the address list is empty",
            ));
        }
        let n = parsed.len();
        self.touch();
        self.list_mut(kind).extend(parsed);
        Ok(n)
    }

    /// Removes every address from a list.
    pub fn clear_recipients(&mut self, kind: RecipientKind) {
        self.touch();
        self.list_mut(kind).clear();
    }

    // ---- subject and bodies ----

    /// Sets the subject (any UTF-8 without control characters).
    pub fn set_subject(&mut self, subject: &str) -> Result<(), MessageError> {
        reject_header_controls(subject, "subject")?;
        self.touch();
        self.subject = subject.to_string();
        Ok(())
    }

    /// The subject.
    pub fn subject(&self) -> &str {
        &self.subject
    }

    /// Sets the body; it is HTML when `is_body_html` is set and no separate HTML body exists.
    pub fn set_body(&mut self, body: &str) {
        self.touch();
        self.body = body.to_string();
    }

    /// The body as set.
    pub fn body(&self) -> &str {
        &self.body
    }

    /// Sets the HTML body (and `is_body_html`); `None` removes it.
    pub fn set_html_body(&mut self, html: Option<&str>) {
        self.touch();
        self.html_body = html.map(str::to_string);
        self.is_body_html = html.is_some();
    }

    /// The HTML body, if one was set.
    pub fn html_body(&self) -> Option<&str> {
        self.html_body.as_deref()
    }

    /// Whether the message has an HTML body (see the type's docs).
    pub fn is_body_html(&self) -> bool {
        self.is_body_html
    }

    /// Marks `body` as HTML (when no separate HTML body is set).
    pub fn set_is_body_html(&mut self, html: bool) {
        self.touch();
        self.is_body_html = html;
    }

    /// The effective (plain text, HTML) bodies, after applying the `is_body_html` rule.
    pub fn effective_bodies(&self) -> (Option<&str>, Option<&str>) {
        match (&self.html_body, self.is_body_html) {
            (Some(html), _) => {
                let text = (!self.body.is_empty()).then_some(self.body.as_str());
                (text, Some(html.as_str()))
            }
            (None, true) => (None, Some(self.body.as_str())),
            (None, false) => (Some(self.body.as_str()), None),
        }
    }

    /// Adds an alternate view. `content_type` is `type/subtype[; params]`; `charset` applies to
    /// text content (`utf-8` when `None` and the type is `text/*`).
    pub fn add_alternate_view(
        &mut self,
        content_type: &str,
        charset: Option<&str>,
        content: Vec<u8>,
    ) -> Result<(), MessageError> {
        validate_content_type(content_type)?;
        if content_type.to_ascii_lowercase().contains("charset=") {
            return Err(MessageError::new(
                MessageErrorKind::InvalidArgument,
                "give the charset as its own argument, not inside the content type",
            ));
        }
        let is_text = content_type
            .trim_start()
            .to_ascii_lowercase()
            .starts_with("text/");
        let charset = match charset {
            Some(c) => {
                reject_header_controls(c, "charset")?;
                if c.is_empty()
                    || !c
                        .chars()
                        .all(|ch| ch.is_ascii_alphanumeric() || "-_.:+".contains(ch))
                {
                    return Err(MessageError::new(
                        MessageErrorKind::InvalidArgument,
                        format!("{c:?} is not a charset name"),
                    ));
                }
                Some(c.to_ascii_lowercase())
            }
            None if is_text => Some("utf-8".to_string()),
            None => None,
        };
        if matches!(charset.as_deref(), Some("utf-8" | "us-ascii"))
            && std::str::from_utf8(&content).is_err()
        {
            return Err(MessageError::new(
                MessageErrorKind::InvalidArgument,
                "the alternate view's content is not valid UTF-8",
            ));
        }
        self.touch();
        self.alternate_views.push(AlternateView {
            content_type: content_type.trim().to_string(),
            charset,
            content,
        });
        Ok(())
    }

    /// Removes every alternate view of this media type (`text/calendar`; parameters and case
    /// do not matter); returns how many were removed.
    pub fn remove_alternate_views(&mut self, media_type: &str) -> usize {
        let want = media_type
            .split(';')
            .next()
            .unwrap_or("")
            .trim()
            .to_ascii_lowercase();
        let essence = |v: &AlternateView| {
            v.content_type
                .split(';')
                .next()
                .unwrap_or("")
                .trim()
                .to_ascii_lowercase()
        };
        let before = self.alternate_views.len();
        self.alternate_views.retain(|v| essence(v) != want);
        let removed = before - self.alternate_views.len();
        if removed > 0 {
            self.touch();
        }
        removed
    }

    /// The alternate views.
    pub fn alternate_views(&self) -> &[AlternateView] {
        &self.alternate_views
    }

    // ---- attachments ----

    fn make_attachment(
        name: &str,
        content_type: Option<&str>,
        content: Vec<u8>,
        content_id: Option<&str>,
    ) -> Result<Attachment, MessageError> {
        reject_header_controls(name, "attachment name")?;
        if name.contains('/') || name.contains('\\') {
            return Err(MessageError::new(
                MessageErrorKind::InvalidArgument,
                format!("the attachment name {name:?} contains a path separator"),
            ));
        }
        let content_type = match content_type {
            Some(ct) if !ct.trim().is_empty() => {
                validate_content_type(ct)?;
                ct.trim().to_string()
            }
            _ => guess_content_type(name).to_string(),
        };
        let content_id = match content_id {
            Some(cid) => {
                let cid = cid.trim().trim_start_matches('<').trim_end_matches('>');
                if cid.is_empty()
                    || !cid
                        .chars()
                        .all(|c| c.is_ascii_graphic() && !"<>\"()[]\\,;:".contains(c))
                {
                    return Err(MessageError::new(
                        MessageErrorKind::InvalidArgument,
                        format!("{cid:?} is not a valid content-id"),
                    ));
                }
                Some(cid.to_string())
            }
            None => None,
        };
        Ok(Attachment {
            name: name.to_string(),
            content_type,
            content: Arc::new(content),
            content_id,
        })
    }

    /// Adds an attachment from bytes. The content type is guessed from `name` when `None`.
    pub fn add_attachment(
        &mut self,
        name: &str,
        content_type: Option<&str>,
        content: Vec<u8>,
    ) -> Result<(), MessageError> {
        if name.trim().is_empty() {
            return Err(MessageError::new(
                MessageErrorKind::InvalidArgument,
                "an attachment needs a file name",
            ));
        }
        let a = Self::make_attachment(name, content_type, content, None)?;
        self.touch();
        self.attachments.push(a);
        Ok(())
    }

    /// Adds an attachment read from a file now; `name` defaults to the file's name.
    pub fn add_attachment_file(
        &mut self,
        path: &Path,
        name: Option<&str>,
        content_type: Option<&str>,
    ) -> Result<(), MessageError> {
        let content = std::fs::read(path).map_err(|e| {
            MessageError::from_io(&e, format!("cannot read attachment {}", path.display()))
        })?;
        let default_name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        self.add_attachment(name.unwrap_or(&default_name), content_type, content)
    }

    /// Adds an inline resource (an image referenced from the HTML body as `cid:<content_id>`).
    pub fn add_inline_resource(
        &mut self,
        content_id: &str,
        name: &str,
        content_type: Option<&str>,
        content: Vec<u8>,
    ) -> Result<(), MessageError> {
        let a = Self::make_attachment(name, content_type, content, Some(content_id))?;
        self.touch();
        self.inline_resources.push(a);
        Ok(())
    }

    /// The attachments.
    pub fn attachments(&self) -> &[Attachment] {
        &self.attachments
    }

    /// The inline resources.
    pub fn inline_resources(&self) -> &[Attachment] {
        &self.inline_resources
    }

    // ---- headers ----

    /// Adds a custom header. The name must be printable ASCII without `:` and must not be one the
    /// model owns (From, To, Subject, Content-Type, ...); the value must not contain CR or LF.
    pub fn add_header(&mut self, name: &str, value: &str) -> Result<(), MessageError> {
        let name = name.trim();
        if name.is_empty() || !name.bytes().all(|b| (33..=126).contains(&b) && b != b':') {
            return Err(MessageError::new(
                MessageErrorKind::InvalidHeader,
                format!("{name:?} is not a valid header name (printable ASCII, no spaces or ':')"),
            ));
        }
        if name.len() > 76 {
            return Err(MessageError::new(
                MessageErrorKind::InvalidHeader,
                format!("the header name {name:?} is longer than 76 characters"),
            ));
        }
        let lower = name.to_ascii_lowercase();
        if lower == "x-sender" || lower == "x-receiver" {
            return Err(MessageError::new(
                MessageErrorKind::InvalidHeader,
                format!(
                    "{name} is an envelope line of the pickup-directory format, not a header: \
                     it is never sent (set the sender and the recipients instead)"
                ),
            ));
        }
        if STRUCTURAL_HEADERS.contains(&lower.as_str()) || lower.starts_with("content-") {
            return Err(MessageError::new(
                MessageErrorKind::InvalidHeader,
                format!("{name} is set through its own property, not as a custom header"),
            ));
        }
        reject_header_controls(value, &format!("value of header {name}"))?;
        if let Some(word) = value
            .split([' ', '\t'])
            .find(|w| w.len() + name.len() + 2 > 900)
        {
            return Err(MessageError::new(
                MessageErrorKind::InvalidHeader,
                format!(
                    "the value of header {name} has a {}-character run without white space; \
                     it cannot be folded into lines of at most 998 octets",
                    word.len()
                ),
            ));
        }
        self.touch();
        self.headers.push(Header {
            name: name.to_string(),
            value: value.trim().to_string(),
        });
        Ok(())
    }

    /// The custom headers, in order.
    pub fn headers(&self) -> &[Header] {
        &self.headers
    }

    /// The first custom header with this name (case-insensitive).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|h| h.name.eq_ignore_ascii_case(name))
            .map(|h| h.value.as_str())
    }

    /// Removes every custom header with this name; returns how many were removed.
    pub fn remove_header(&mut self, name: &str) -> usize {
        let before = self.headers.len();
        self.headers.retain(|h| !h.name.eq_ignore_ascii_case(name));
        let removed = before - self.headers.len();
        if removed > 0 {
            self.touch();
        }
        removed
    }

    /// Sets the bulk-sender unsubscribe fields (RFC 2369, RFC 8058): `List-Unsubscribe` with
    /// `url` (`https://` or `http://`) and/or `mailto` (an address, or a `mailto:` URL with
    /// its query), and, when `one_click` is true, `List-Unsubscribe-Post:
    /// List-Unsubscribe=One-Click`, which needs an `https://` URL. Both `None` removes the
    /// fields. Replaces any such fields the message had. URLs must be ASCII (percent-encode
    /// the rest), without spaces, `<`, `>`, `"` or an unencoded `,`.
    pub fn set_list_unsubscribe(
        &mut self,
        url: Option<&str>,
        mailto: Option<&str>,
        one_click: bool,
    ) -> Result<(), MessageError> {
        let bad = |why: String| MessageError::new(MessageErrorKind::ListUnsubscribeInvalid, why);
        let url = url.map(str::trim).filter(|u| !u.is_empty());
        let mailto = mailto.map(str::trim).filter(|m| !m.is_empty());
        let uri_chars = |what: &str, v: &str| -> Result<(), MessageError> {
            if let Some(c) = v
                .chars()
                .find(|c| !c.is_ascii_graphic() || matches!(c, '<' | '>' | '"' | ','))
            {
                return Err(bad(format!(
                    "the List-Unsubscribe {what} {v:?} holds {c:?}: only printable ASCII \
                     without spaces, '<', '>', '\"' or ',' (percent-encode the rest)"
                )));
            }
            if v.len() > 800 {
                return Err(bad(format!(
                    "the List-Unsubscribe {what} is {} characters long (at most 800)",
                    v.len()
                )));
            }
            Ok(())
        };
        let mut entries = Vec::new();
        if let Some(u) = url {
            uri_chars("URL", u)?;
            let lower = u.to_ascii_lowercase();
            let rest = if let Some(r) = lower.strip_prefix("https://") {
                r
            } else if let Some(r) = lower.strip_prefix("http://") {
                if one_click {
                    return Err(bad(format!(
                        "one-click unsubscribe (RFC 8058) needs an https:// URL, not {u:?}"
                    )));
                }
                r
            } else {
                return Err(bad(format!(
                    "the List-Unsubscribe URL {u:?} is not an https:// or http:// URL"
                )));
            };
            if rest.is_empty() || rest.starts_with(['/', '?', '#']) {
                return Err(bad(format!("the List-Unsubscribe URL {u:?} has no host")));
            }
            entries.push(format!("<{u}>"));
        }
        if let Some(m) = mailto {
            let full = if m.len() >= 7 && m[..7].eq_ignore_ascii_case("mailto:") {
                m.to_string()
            } else {
                format!("mailto:{m}")
            };
            uri_chars("mailto", &full)?;
            let addr = full[7..].split('?').next().unwrap_or("");
            match addr.split_once('@') {
                Some((l, d)) if !l.is_empty() && !d.is_empty() && !d.contains('@') => {}
                _ => {
                    return Err(bad(format!(
                        "the List-Unsubscribe mailto {m:?} is not an address (local@domain)"
                    )));
                }
            }
            entries.push(format!("<{full}>"));
        }
        if one_click && url.is_none() {
            return Err(bad(
                "one-click unsubscribe (RFC 8058) needs an https:// URL; only a mailto was given"
                    .to_string(),
            ));
        }
        self.remove_header("List-Unsubscribe");
        self.remove_header("List-Unsubscribe-Post");
        if entries.is_empty() {
            return Ok(());
        }
        self.add_header("List-Unsubscribe", &entries.join(", "))?;
        if one_click {
            self.add_header("List-Unsubscribe-Post", "List-Unsubscribe=One-Click")?;
        }
        Ok(())
    }

    // ---- the rest ----

    /// Sets the priority.
    pub fn set_priority(&mut self, priority: Priority) {
        self.touch();
        self.priority = priority;
    }

    /// The priority.
    pub fn priority(&self) -> Priority {
        self.priority
    }

    /// Sets the date (seconds since the epoch, UTC offset in minutes); `None` means "now" at
    /// sending time.
    pub fn set_date(&mut self, date: Option<(i64, i32)>) -> Result<(), MessageError> {
        if let Some((secs, offset)) = date {
            if !(-14 * 60..=14 * 60).contains(&offset) {
                return Err(MessageError::new(
                    MessageErrorKind::InvalidArgument,
                    format!("a UTC offset of {offset} minutes is out of range (-840..=840)"),
                ));
            }
            if !(0..=253_402_300_799).contains(&secs) {
                return Err(MessageError::new(
                    MessageErrorKind::InvalidArgument,
                    format!("{secs} is not a date between 1970 and 9999"),
                ));
            }
        }
        self.touch();
        self.date = date;
        Ok(())
    }

    /// The date, when set.
    pub fn date(&self) -> Option<(i64, i32)> {
        self.date
    }

    /// Sets the Message-ID (with or without angle brackets); `None` means generated when sent.
    pub fn set_message_id(&mut self, id: Option<&str>) -> Result<(), MessageError> {
        let id = match id {
            Some(raw) => {
                let id = raw.trim().trim_start_matches('<').trim_end_matches('>');
                let valid = !id.is_empty()
                    && id.len() <= 900
                    && id.contains('@')
                    && id
                        .chars()
                        .all(|c| c.is_ascii_graphic() && !"<>\"()[]\\,;: ".contains(c));
                if !valid {
                    return Err(MessageError::new(
                        MessageErrorKind::InvalidHeader,
                        format!("{raw:?} is not a valid Message-ID (expected id-left@id-right)"),
                    ));
                }
                Some(id.to_string())
            }
            None => None,
        };
        self.touch();
        self.message_id = id;
        Ok(())
    }

    /// The Message-ID (without angle brackets), when set or loaded.
    pub fn message_id(&self) -> Option<&str> {
        self.message_id.as_deref()
    }

    /// Gives the message a Message-ID now if it has none, and returns it.
    pub fn ensure_message_id(&mut self) -> &str {
        if self.message_id.is_none() {
            self.message_id = Some(super::mime::generate_message_id(self.from.as_ref()));
        }
        self.message_id.as_deref().unwrap_or_default()
    }

    /// Sends the message as TNEF (`winmail.dat`, as Outlook does): see `crate::tnef`.
    pub fn set_use_tnef(&mut self, use_tnef: bool) {
        self.touch();
        self.use_tnef = use_tnef;
    }

    /// Whether the message is written as TNEF (set, or loaded from a TNEF message).
    pub fn use_tnef(&self) -> bool {
        self.use_tnef
    }

    /// Sets the delivery-notification options.
    pub fn set_delivery_notification(
        &mut self,
        dsn: DeliveryNotification,
    ) -> Result<(), MessageError> {
        if dsn.notify.never && (dsn.notify.success || dsn.notify.failure || dsn.notify.delay) {
            return Err(MessageError::new(
                MessageErrorKind::InvalidArgument,
                "NEVER cannot be combined with SUCCESS, FAILURE or DELAY",
            ));
        }
        if let Some(id) = &dsn.envelope_id
            && (id.is_empty()
                || id.len() > 100
                || !id
                    .bytes()
                    .all(|b| (33..=126).contains(&b) && b != b'+' && b != b'='))
        {
            return Err(MessageError::new(
                MessageErrorKind::InvalidArgument,
                format!("{id:?} is not a valid ENVID (1-100 printable ASCII, no '+' or '=')"),
            ));
        }
        self.dsn = dsn;
        Ok(())
    }

    /// The delivery-notification options.
    pub fn delivery_notification(&self) -> &DeliveryNotification {
        &self.dsn
    }

    /// Whether an address of the message has a non-ASCII local part (needs SMTPUTF8).
    pub fn needs_smtputf8(&self) -> bool {
        self.from
            .iter()
            .chain(self.sender.iter())
            .chain(self.to.iter())
            .chain(self.cc.iter())
            .chain(self.bcc.iter())
            .chain(self.reply_to.iter())
            .any(MailAddress::needs_smtputf8)
    }

    /// The bytes the message was loaded from, while it has not been changed since.
    pub fn original_bytes(&self) -> Option<&Arc<Vec<u8>>> {
        self.original.as_ref()
    }

    /// Whether the message was loaded (changed since or not), rather than composed.
    pub fn is_loaded(&self) -> bool {
        self.source.is_some()
    }

    /// What the loader accepted leniently (e.g. a multipart that never closes), one sentence
    /// each; empty for a composed message.
    pub fn load_warnings(&self) -> Vec<String> {
        self.source.as_ref().map_or_else(Vec::new, |s| {
            s.tree.warnings.iter().map(|(_, w)| w.clone()).collect()
        })
    }

    /// Forgets the loaded MIME tree: the message is written as a new one from the model.
    pub fn detach_source(&mut self) {
        self.original = None;
        self.source = None;
    }

    /// The envelope: the reverse path (Sender, else From) and every To, Cc and Bcc address once
    /// (duplicates compared case-insensitively), in that order.
    pub fn envelope(&self) -> Result<(String, Vec<String>), MessageError> {
        let from = self.sender.as_ref().or(self.from.as_ref()).ok_or_else(|| {
            MessageError::new(
                MessageErrorKind::NoSender,
                "the message has no sender: set From (or Sender)",
            )
        })?;
        let mut seen = std::collections::HashSet::new();
        let mut rcpts = Vec::new();
        for a in self.to.iter().chain(&self.cc).chain(&self.bcc) {
            let addr = a.address();
            if seen.insert(addr.to_lowercase()) {
                rcpts.push(addr);
            }
        }
        if rcpts.is_empty() {
            return Err(MessageError::new(
                MessageErrorKind::NoRecipients,
                "the message has no recipients: add a To, Cc or Bcc address",
            ));
        }
        Ok((from.address(), rcpts))
    }
}
