//! TNEF (`winmail.dat`, MS-OXTNEF): writing messages as Outlook sends them, and reading the
//! TNEF part of a loaded message back into the model.
//!
//! A message with `use_tnef` set is written as `multipart/mixed` with a `text/plain` part (the
//! plain-text body) and a base64 `application/ms-tnef; name="winmail.dat"` part that carries
//! the subject, both bodies, the addresses, dates, importance and every attachment and inline
//! resource. `X-MS-TNEF-Correlator` holds the same value as `PR_TNEF_CORRELATION_KEY`.
#![forbid(unsafe_code)]

pub mod props;
pub mod reader;
pub mod writer;

use std::sync::Arc;

pub use reader::{TnefAttachment, TnefError, TnefMessage, parse};
pub use writer::{TnefOptions, write_tnef};

use crate::message::{Attachment, MailMessage, MessageError, MimeOptions};

/// The media type of a TNEF part.
pub const TNEF_CONTENT_TYPE: &str = "application/ms-tnef";

/// Writes `msg` as a TNEF message (MIME with a `winmail.dat` part). A message without a
/// Message-ID or date gets them here (the same values in the headers and in the TNEF stream).
pub fn to_tnef_mime(msg: &MailMessage, opts: &MimeOptions) -> Vec<u8> {
    let mut outer = msg.clone();
    let id = outer.ensure_message_id().to_string();
    let (date, offset) = msg.date().unwrap_or_else(|| {
        (
            opts.default_date.unwrap_or_else(crate::message::date::now),
            0,
        )
    });
    let stream = write_tnef(
        msg,
        &TnefOptions {
            message_id: &id,
            date,
        },
    );
    let (text, _) = msg.effective_bodies();
    let text = text.unwrap_or("").to_string();
    outer.date = Some((date, offset));
    outer.body = text;
    outer.html_body = None;
    outer.is_body_html = false;
    outer.alternate_views.clear();
    outer.inline_resources.clear();
    outer.use_tnef = false;
    outer.detach_source();
    outer.attachments = vec![Attachment {
        name: "winmail.dat".to_string(),
        content_type: TNEF_CONTENT_TYPE.to_string(),
        content: Arc::new(stream),
        content_id: None,
    }];
    outer
        .headers
        .retain(|h| !h.name.eq_ignore_ascii_case("X-MS-TNEF-Correlator"));
    outer.headers.push(crate::message::Header {
        name: "X-MS-TNEF-Correlator".to_string(),
        value: format!("<{id}>"),
    });
    let mut out = crate::message::mime::compose(&outer, opts);
    // The outer message always has the 2-part structure, even with an empty body.
    out.shrink_to_fit();
    out
}

fn is_tnef_part(a: &Attachment) -> bool {
    a.content_type.eq_ignore_ascii_case(TNEF_CONTENT_TYPE)
        || a.content_type
            .eq_ignore_ascii_case("application/vnd.ms-tnef")
        || a.name.eq_ignore_ascii_case("winmail.dat")
}

/// Replaces a loaded message's `winmail.dat` attachment by what it carries: the body (and HTML
/// body) and the attachments (those with a content-id become inline resources), and marks the
/// message `use_tnef` so that it is sent as TNEF again. A part that is not valid TNEF stays an
/// ordinary attachment. Returns whether a TNEF part was read.
pub fn absorb_winmail(msg: &mut MailMessage) -> bool {
    let Some(i) = msg.attachments.iter().position(is_tnef_part) else {
        return false;
    };
    let Ok(t) = parse(&msg.attachments[i].content) else {
        return false;
    };
    msg.attachments.remove(i);
    if let Some(body) = t.body.as_ref().filter(|b| !b.is_empty()) {
        msg.body = body.clone();
    }
    if let Some(html) = t.html_text().filter(|h| !h.is_empty()) {
        msg.html_body = Some(html);
        msg.is_body_html = true;
    }
    if msg.subject.is_empty()
        && let Some(s) = &t.subject
    {
        msg.subject = s.chars().filter(|c| !c.is_control()).collect();
    }
    let mut at = i;
    for a in &t.attachments {
        let name = a
            .name()
            .unwrap_or_default()
            .replace(['/', '\\'], "_")
            .chars()
            .filter(|c| !c.is_control())
            .collect::<String>();
        let content_type = a
            .mime_tag()
            .filter(|m| m.contains('/') && !m.chars().any(char::is_control))
            .unwrap_or_else(|| crate::message::guess_content_type(&name).to_string());
        let att = Attachment {
            name,
            content_type,
            content: Arc::new(a.data.clone()),
            content_id: a.content_id(),
        };
        if att.content_id.is_some() {
            msg.inline_resources.push(att);
        } else {
            msg.attachments.insert(at, att);
            at += 1;
        }
    }
    msg.use_tnef = true;
    true
}

/// Loads a message (as [`crate::message::eml::load_bytes_with`]) and reads a `winmail.dat`
/// part it carries into the model (see [`absorb_winmail`]).
pub fn load_bytes(
    bytes: Vec<u8>,
    opts: &crate::message::eml::LoadOptions,
) -> Result<MailMessage, MessageError> {
    let mut m = crate::message::eml::load_bytes_with(bytes, opts)?;
    absorb_winmail(&mut m);
    Ok(m)
}

/// [`load_bytes`] from a file.
pub fn load_path(
    path: &std::path::Path,
    opts: &crate::message::eml::LoadOptions,
) -> Result<MailMessage, MessageError> {
    let mut m = crate::message::eml::load_path_with(path, opts)?;
    absorb_winmail(&mut m);
    Ok(m)
}
