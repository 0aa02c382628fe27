//! Writing a loaded message after changes: only what changed is rewritten.
//!
//! A loaded message keeps its MIME tree ([`super::tree`]) and a copy of the model as it was
//! loaded (the baseline). Writing compares the model with the baseline:
//! - a changed header (From, To, Subject, a custom header...) rewrites only the fields of that
//!   name in the top-level header section; every other field keeps its bytes;
//! - a changed text or HTML body re-renders only the leaf it came from (its other fields, such
//!   as Content-ID, stay);
//! - an added body, view, inline resource or attachment goes into the multipart that holds its
//!   kind (the `multipart/alternative`, `related` or `mixed`), which is created around the
//!   existing part when the message has none; a removed one takes its part out;
//! - every part the change does not touch, including parts the model does not interpret
//!   (`message/*`, `multipart/signed`, unknown types), is written back byte for byte.
//!
//! New bytes use the message's own line break (CRLF, or LF for a file that uses LF).

use std::collections::HashMap;

use mail_builder::headers::HeaderType;
use mail_builder::headers::message_id::MessageId;
use mail_builder::headers::raw::Raw;
use mail_builder::headers::text::Text;

use super::mime::{self, MimeOptions};
use super::model::{Header, MailMessage, Priority};
use super::tree::{self, Body, Entity, Field, Multipart, Piece, Tree};

/// Child indices from the root (0 steps into an enclosed message).
pub(crate) type PartPath = Vec<usize>;

/// Which part of the tree each item of the baseline model came from.
#[derive(Clone, Debug, Default)]
pub(crate) struct Provenance {
    pub text: Option<PartPath>,
    pub html: Option<PartPath>,
    pub views: Vec<PartPath>,
    pub attachments: Vec<PartPath>,
    pub inline: Vec<PartPath>,
}

/// What a loaded message keeps: its tree, the model as loaded, and where each item came from.
#[derive(Debug)]
pub(crate) struct Loaded {
    pub tree: Tree,
    pub baseline: MailMessage,
    pub prov: Provenance,
}

/// Writes a loaded message with the model's changes applied to its tree.
pub(crate) fn render(msg: &MailMessage, src: &Loaded, opts: &MimeOptions) -> Vec<u8> {
    let eol = src.tree.eol();
    let mut ed = Editor {
        raw: &src.tree.raw,
        root: &src.tree.root,
        eol,
        plan: HashMap::new(),
        fixed: opts.fixed_boundary.clone(),
        n: 0,
    };
    if ed.plan_bodies(msg, &src.baseline, &src.prov).is_none() {
        return mime::compose(msg, opts);
    }
    let root_seq = ed.rebuild(src.tree.root.clone(), &mut Vec::new(), true);
    let Ok::<[Entity; 1], _>([mut root]) = root_seq.try_into() else {
        return mime::compose(msg, opts);
    };
    edit_header(&src.tree.raw, &mut root, msg, &src.baseline, opts, eol);
    end_lines(&mut root.fields, &src.tree.raw, eol);
    let raw: &[u8] = &src.tree.raw;
    let mut out = Vec::with_capacity(raw.len() + 1024);
    out.extend_from_slice(src.tree.prefix.bytes(raw));
    root.write(raw, &mut out);
    out
}

#[derive(Default)]
struct NodePlan {
    replace: Option<Entity>,
    remove: bool,
    before: Vec<Entity>,
    after: Vec<Entity>,
    append: Vec<Entity>,
    /// New multiparts around the node: (rank, subtype, parts before it, parts after it).
    wraps: Vec<(u8, &'static str, Vec<Entity>, Vec<Entity>)>,
}

struct Editor<'a> {
    raw: &'a [u8],
    root: &'a Entity,
    eol: &'static [u8],
    plan: HashMap<PartPath, NodePlan>,
    fixed: Option<String>,
    n: u32,
}

fn wrap_rank(subtype: &str) -> u8 {
    match subtype {
        "alternative" => 0,
        "related" => 1,
        _ => 2,
    }
}

impl<'a> Editor<'a> {
    fn node(&mut self, path: &[usize]) -> &mut NodePlan {
        self.plan.entry(path.to_vec()).or_default()
    }

    fn at(&self, path: &[usize]) -> Option<&'a Entity> {
        super::eml::at_path(self.root, path)
    }

    fn parent_is(&self, path: &[usize], subtype: &str) -> bool {
        match path.split_last() {
            Some((_, parent)) => self
                .at(parent)
                .is_some_and(|p| p.ctype.is("multipart", subtype)),
            None => false,
        }
    }

    fn wrap(
        &mut self,
        path: &[usize],
        subtype: &'static str,
        before: Vec<Entity>,
        after: Vec<Entity>,
    ) {
        let rank = wrap_rank(subtype);
        let node = self.node(path);
        match node.wraps.iter_mut().find(|w| w.1 == subtype) {
            Some(w) => {
                w.2.extend(before);
                w.3.extend(after);
            }
            None => {
                node.wraps.push((rank, subtype, before, after));
                node.wraps.sort_by_key(|w| w.0);
            }
        }
    }

    /// Converts CRLF output of the MIME writer into the message's line break and reads it as
    /// an entity of new bytes.
    fn new_entity(&self, bytes: Vec<u8>) -> Entity {
        let bytes = if self.eol == b"\n" {
            crlf_to_lf(&bytes)
        } else {
            bytes
        };
        owned(bytes)
    }

    /// A body part rewritten: the content fields of `new` in place of the old ones, the
    /// other fields (Content-ID, Content-Description, or a root's whole header) kept.
    fn replace_leaf(&self, old: &Entity, new_bytes: Vec<u8>, is_root: bool) -> Entity {
        let new = self.new_entity(new_bytes);
        let is_content = |f: &Field| f.is("content-type") || f.is("content-transfer-encoding");
        let mut fields = Vec::with_capacity(old.fields.len() + 2);
        let mut placed = false;
        let mut new_fields = new.fields;
        if is_root && !old.fields.iter().any(|f| f.is("mime-version")) {
            new_fields.insert(0, self.field("MIME-Version", "1.0"));
        }
        for f in &old.fields {
            if is_content(f) {
                if !placed {
                    fields.append(&mut new_fields);
                    placed = true;
                }
            } else {
                fields.push(f.clone());
            }
        }
        fields.append(&mut new_fields);
        end_lines(&mut fields, self.raw, self.eol);
        Entity {
            fields,
            sep: self.sep_of(old),
            body: new.body,
            ctype: new.ctype,
        }
    }

    fn sep_of(&self, e: &Entity) -> Piece {
        match &e.sep {
            Piece::Span(s, t) if s == t => Piece::Owned(self.eol.to_vec()),
            Piece::Owned(v) if v.is_empty() => Piece::Owned(self.eol.to_vec()),
            other => other.clone(),
        }
    }

    fn field(&self, name: &str, value: &str) -> Field {
        let mut raw = format!("{name}: {value}").into_bytes();
        raw.extend_from_slice(self.eol);
        Field::new(name, raw)
    }

    fn boundary(&mut self) -> String {
        self.n += 1;
        match &self.fixed {
            Some(prefix) => format!("=_{prefix}_e{}", self.n),
            None => format!("=_missive_{:016x}_{}", mime::random_u64(), self.n),
        }
    }

    /// Where a new body part goes when the message has no text or HTML body it can edit: first
    /// in a `multipart/mixed` root, else first in a new one around the whole message (never
    /// inside a signed, encrypted, report or other multipart whose parts have fixed roles).
    fn add_body(&mut self, part: Entity) {
        let root = self.root;
        // A root marked as an attachment hides every body inside it from readers.
        let attachment = super::eml::is_attachment(root, self.raw);
        match &root.body {
            Body::Multipart(mp)
                if root.ctype.is("multipart", "mixed") && !mp.parts.is_empty() && !attachment =>
            {
                self.node(&[0]).before.push(part);
            }
            _ => self.wrap(&[], "mixed", vec![part], Vec::new()),
        }
    }

    /// Whether the part at `path` lies inside a signed or encrypted multipart, whose bytes must
    /// not change (a signature covers them).
    fn protected(&self, path: &[usize]) -> bool {
        (0..path.len()).any(|n| {
            self.at(&path[..n]).is_some_and(|e| {
                e.ctype.is("multipart", "signed") || e.ctype.is("multipart", "encrypted")
            })
        })
    }

    /// Plans the body changes; `None` when they cannot be made on the tree.
    fn plan_bodies(
        &mut self,
        msg: &MailMessage,
        base: &MailMessage,
        prov: &Provenance,
    ) -> Option<()> {
        let (t_new, h_new) = msg.effective_bodies();
        let (t_old, h_old) = base.effective_bodies();
        // A body inside a signed or encrypted part is read, never rewritten: a new one goes
        // beside it.
        let unprotected = |p: &Option<PartPath>| p.clone().filter(|p| !self.protected(p));
        // A protected body stays what readers find first unless the new one goes in front of
        // everything (`add_body`).
        let text_hidden = prov.text.is_some() && unprotected(&prov.text).is_none();
        let html_hidden = prov.html.is_some() && unprotected(&prov.html).is_none();
        let prov = &Provenance {
            text: unprotected(&prov.text),
            html: unprotected(&prov.html),
            views: prov.views.clone(),
            attachments: prov.attachments.clone(),
            inline: prov.inline.clone(),
        };
        let t_new = t_new.filter(|t| !t.is_empty() || prov.text.is_some());
        if t_new != t_old {
            match (&prov.text, t_new) {
                (Some(p), Some(t)) => {
                    let old = self.at(p)?;
                    let e = self.replace_leaf(
                        old,
                        mime::part_bytes(mime::text_part("text/plain", t)),
                        p.is_empty(),
                    );
                    self.node(p).replace = Some(e);
                }
                (Some(p), None) if !p.is_empty() => self.node(p).remove = true,
                (Some(_), None) => return None,
                (None, Some(t)) => {
                    let part = self.new_entity(mime::part_bytes(mime::text_part("text/plain", t)));
                    match &prov.html {
                        _ if text_hidden => self.add_body(part),
                        Some(h) if self.parent_is(h, "alternative") => {
                            self.node(h).before.push(part);
                        }
                        Some(h) => self.wrap(h, "alternative", vec![part], Vec::new()),
                        None => self.add_body(part),
                    }
                }
                (None, None) => {}
            }
        }
        if h_new != h_old {
            match (&prov.html, h_new) {
                (Some(p), Some(h)) => {
                    let old = self.at(p)?;
                    let e = self.replace_leaf(
                        old,
                        mime::part_bytes(mime::text_part("text/html", h)),
                        p.is_empty(),
                    );
                    self.node(p).replace = Some(e);
                }
                (Some(p), None) if !p.is_empty() => self.node(p).remove = true,
                (Some(_), None) => return None,
                (None, Some(h)) => {
                    let part = self.new_entity(mime::part_bytes(mime::text_part("text/html", h)));
                    match &prov.text {
                        _ if html_hidden => self.add_body(part),
                        Some(t) if self.parent_is(t, "alternative") => {
                            self.node(t).after.push(part);
                        }
                        Some(t) => self.wrap(t, "alternative", Vec::new(), vec![part]),
                        None => self.add_body(part),
                    }
                }
                (None, None) => {}
            }
        }
        // Alternate views.
        let (removed, added) = diff(&base.alternate_views, &msg.alternate_views);
        for i in removed {
            self.node(&prov.views[i]).remove = true;
        }
        for v in added {
            let rank = mime::alternative_rank(&v.content_type);
            let part = self.new_entity(mime::part_bytes(mime::view_part(v)));
            // The body part the view sits beside: HTML (plain text before it), else text.
            let anchor = match rank {
                0 => prov.html.clone().or_else(|| prov.text.clone()),
                _ => prov.text.clone().or_else(|| prov.html.clone()),
            };
            let Some(anchor) = anchor else {
                self.add_body(part);
                continue;
            };
            let before = rank == 0 && prov.html.as_ref() == Some(&anchor);
            if self.parent_is(&anchor, "alternative") {
                if before {
                    self.node(&anchor).before.push(part);
                } else {
                    let parent = anchor[..anchor.len() - 1].to_vec();
                    self.node(&parent).append.push(part);
                }
            } else if before {
                self.wrap(&anchor, "alternative", vec![part], Vec::new());
            } else {
                self.wrap(&anchor, "alternative", Vec::new(), vec![part]);
            }
        }
        // Inline resources.
        let (removed, added) = diff(&base.inline_resources, &msg.inline_resources);
        for i in removed {
            self.node(&prov.inline[i]).remove = true;
        }
        if !added.is_empty() {
            let parts: Vec<Entity> = added
                .iter()
                .map(|a| self.new_entity(mime::part_bytes(mime::resource_part(a, true))))
                .collect();
            let body = prov.html.clone().or_else(|| prov.text.clone());
            match body {
                Some(b) => {
                    // The related multipart whose root holds the body, else a new one around
                    // the body (or around its alternative).
                    let related = (0..b.len())
                        .rev()
                        .find(|&n| {
                            self.at(&b[..n])
                                .is_some_and(|e| e.ctype.is("multipart", "related"))
                        })
                        .map(|n| b[..n].to_vec());
                    match related {
                        Some(r) => self.node(&r).append.extend(parts),
                        None => {
                            let target = if self.parent_is(&b, "alternative") {
                                b[..b.len() - 1].to_vec()
                            } else {
                                b
                            };
                            self.wrap(&target, "related", Vec::new(), parts);
                        }
                    }
                }
                None => {
                    for p in parts {
                        self.add_attachment(p);
                    }
                }
            }
        }
        // Attachments.
        let (removed, added) = diff(&base.attachments, &msg.attachments);
        for i in removed {
            self.node(&prov.attachments[i]).remove = true;
        }
        for a in added {
            let part = self.new_entity(mime::part_bytes(mime::resource_part(a, false)));
            self.add_attachment(part);
        }
        if self.plan.get(&Vec::new()).is_some_and(|n| n.remove) {
            return None;
        }
        Some(())
    }

    fn add_attachment(&mut self, part: Entity) {
        if self.root.ctype.is("multipart", "mixed") && matches!(self.root.body, Body::Multipart(_))
        {
            self.node(&[]).append.push(part);
        } else {
            self.wrap(&[], "mixed", Vec::new(), vec![part]);
        }
    }

    /// The entity with the plan applied; several entities when parts go beside it, none when
    /// it is removed.
    fn rebuild(&mut self, e: Entity, path: &mut PartPath, is_root: bool) -> Vec<Entity> {
        let mut np = self.plan.remove(path.as_slice()).unwrap_or_default();
        if np.remove {
            np.before.append(&mut np.after);
            return np.before;
        }
        let replaced = np.replace.is_some();
        let mut node = np.replace.take().unwrap_or(e);
        if !replaced
            && !self.plan.is_empty()
            && let Body::Multipart(mp) = &mut node.body
        {
            let old = std::mem::take(&mut mp.parts);
            let mut parts: Vec<(Piece, Entity)> = Vec::with_capacity(old.len());
            for (i, (delim, child)) in old.into_iter().enumerate() {
                path.push(i);
                let seq = self.rebuild(child, path, false);
                path.pop();
                let mut delim = Some(delim);
                for c in seq {
                    let d = match delim.take() {
                        Some(d) => d,
                        None => self.delimiter(&mp.boundary, false),
                    };
                    parts.push((d, c));
                }
            }
            mp.parts = parts;
        }
        if !np.append.is_empty()
            && let Body::Multipart(mp) = &mut node.body
        {
            for a in np.append {
                let first = mp.parts.is_empty() && mp.preamble.bytes(self.raw).is_empty();
                let d = self.delimiter(&mp.boundary, first);
                mp.parts.push((d, a));
            }
            // A multipart that never closed is closed now that parts follow its last one.
            if mp.close.bytes(self.raw).is_empty() {
                let mut close = self.eol.to_vec();
                close.extend_from_slice(format!("--{}--", mp.boundary).as_bytes());
                close.extend_from_slice(self.eol);
                mp.close = Piece::Owned(close);
            }
        }
        for (_, subtype, before, after) in np.wraps {
            node = self.wrap_node(node, subtype, before, after, is_root);
        }
        let mut out = np.before;
        out.push(node);
        out.extend(np.after);
        out
    }

    fn delimiter(&self, boundary: &str, first: bool) -> Piece {
        let mut d = Vec::with_capacity(boundary.len() + 6);
        if !first {
            d.extend_from_slice(self.eol);
        }
        d.extend_from_slice(b"--");
        d.extend_from_slice(boundary.as_bytes());
        d.extend_from_slice(self.eol);
        Piece::Owned(d)
    }

    /// A new multipart around `node`. Around the root, the message's own fields stay on the
    /// new root and only the content fields go with the old root into the new part.
    fn wrap_node(
        &mut self,
        mut node: Entity,
        subtype: &'static str,
        before: Vec<Entity>,
        after: Vec<Entity>,
        is_root: bool,
    ) -> Entity {
        let boundary = self.boundary();
        let mut outer: Vec<Field> = Vec::new();
        // Where the new Content-Type goes: where the old content fields were.
        let mut ct_at = 0;
        if is_root {
            let is_content = |f: &Field| f.name.to_ascii_lowercase().starts_with("content-");
            ct_at = node
                .fields
                .iter()
                .position(is_content)
                .unwrap_or(node.fields.len());
            let (content, other): (Vec<Field>, Vec<Field>) = std::mem::take(&mut node.fields)
                .into_iter()
                .partition(is_content);
            node.fields = content;
            outer = other;
            if !outer.iter().any(|f| f.is("mime-version")) {
                outer.insert(ct_at.min(outer.len()), self.field("MIME-Version", "1.0"));
                ct_at += 1;
            }
        }
        node.sep = self.sep_of(&node);
        end_lines(&mut node.fields, self.raw, self.eol);
        end_lines(&mut outer, self.raw, self.eol);
        let mut ct = format!("Content-Type: multipart/{subtype};").into_bytes();
        ct.extend_from_slice(self.eol);
        ct.extend_from_slice(format!("\tboundary=\"{boundary}\"").as_bytes());
        ct.extend_from_slice(self.eol);
        outer.insert(ct_at.min(outer.len()), Field::new("Content-Type", ct));
        let mut parts = Vec::new();
        for (i, e) in before.into_iter().chain([node]).chain(after).enumerate() {
            parts.push((self.delimiter(&boundary, i == 0), e));
        }
        let mut close = self.eol.to_vec();
        close.extend_from_slice(format!("--{boundary}--").as_bytes());
        close.extend_from_slice(self.eol);
        Entity {
            fields: outer,
            sep: Piece::Owned(self.eol.to_vec()),
            ctype: tree::ContentType {
                mtype: "multipart".into(),
                subtype: subtype.into(),
                params: vec![("boundary".into(), boundary.clone())],
            },
            body: Body::Multipart(Multipart {
                boundary,
                preamble: Piece::empty(),
                parts,
                close: Piece::Owned(close),
                epilogue: Piece::empty(),
            }),
        }
    }
}

/// Which items of `old` are gone from `new` (indices into `old`) and which items of `new` are
/// not in `old`, matching equal items in order.
fn diff<'n, T: PartialEq>(old: &[T], new: &'n [T]) -> (Vec<usize>, Vec<&'n T>) {
    let mut used = vec![false; new.len()];
    let mut removed = Vec::new();
    let mut from = 0;
    for (i, o) in old.iter().enumerate() {
        match new[from..].iter().position(|n| n == o) {
            Some(k) => {
                used[from + k] = true;
                from += k + 1;
            }
            None => removed.push(i),
        }
    }
    let added = new
        .iter()
        .zip(&used)
        .filter(|(_, u)| !**u)
        .map(|(n, _)| n)
        .collect();
    (removed, added)
}

fn crlf_to_lf(b: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'\r' && b.get(i + 1) == Some(&b'\n') {
            i += 1;
            continue;
        }
        out.push(b[i]);
        i += 1;
    }
    out
}

/// A part of new bytes read as an entity whose pieces own their bytes.
fn owned(bytes: Vec<u8>) -> Entity {
    let raw = std::sync::Arc::new(bytes);
    match tree::parse(raw.clone()) {
        Ok(t) => own(t.root, &raw),
        Err(_) => Entity {
            fields: Vec::new(),
            sep: Piece::empty(),
            body: Body::Leaf(Piece::Owned(raw.as_ref().clone())),
            ctype: tree::ContentType {
                mtype: "application".into(),
                subtype: "octet-stream".into(),
                params: Vec::new(),
            },
        },
    }
}

fn own_piece(p: Piece, raw: &[u8]) -> Piece {
    match p {
        Piece::Span(s, e) => Piece::Owned(raw[s..e].to_vec()),
        o => o,
    }
}

fn own(e: Entity, raw: &[u8]) -> Entity {
    Entity {
        fields: e
            .fields
            .into_iter()
            .map(|f| Field {
                name: f.name,
                raw: own_piece(f.raw, raw),
                value_at: f.value_at,
            })
            .collect(),
        sep: own_piece(e.sep, raw),
        body: match e.body {
            Body::Leaf(p) => Body::Leaf(own_piece(p, raw)),
            Body::Message(m) => Body::Message(Box::new(own(*m, raw))),
            Body::Multipart(mp) => Body::Multipart(Multipart {
                boundary: mp.boundary,
                preamble: own_piece(mp.preamble, raw),
                parts: mp
                    .parts
                    .into_iter()
                    .map(|(d, p)| (own_piece(d, raw), own(p, raw)))
                    .collect(),
                close: own_piece(mp.close, raw),
                epilogue: own_piece(mp.epilogue, raw),
            }),
        },
        ctype: e.ctype,
    }
}

// ---- the top-level header section ----

/// Gives every field a final line break (a field of a loaded message may end the data without
/// one): edits put fields, or an empty line, after it.
fn end_lines(fields: &mut [Field], raw: &[u8], eol: &[u8]) {
    for f in fields {
        let bytes = f.raw.bytes(raw);
        if !bytes.ends_with(b"\n") {
            let mut owned = bytes.to_vec();
            owned.extend_from_slice(eol);
            f.raw = Piece::Owned(owned);
        }
    }
}

/// Replaces every field called one of `names` by `new` (at the first one's place; new fields
/// go before the content fields when there was none).
fn set_fields(fields: &mut Vec<Field>, names: &[&str], new: Vec<Field>) {
    let pos = fields
        .iter()
        .position(|f| names.iter().any(|n| f.is(n)))
        .unwrap_or_else(|| {
            fields
                .iter()
                .position(|f| {
                    f.is("mime-version") || f.name.to_ascii_lowercase().starts_with("content-")
                })
                .unwrap_or(fields.len())
        });
    let removed_before = fields[..pos.min(fields.len())]
        .iter()
        .filter(|f| names.iter().any(|n| f.is(n)))
        .count();
    fields.retain(|f| !names.iter().any(|n| f.is(n)));
    let at = (pos - removed_before).min(fields.len());
    fields.splice(at..at, new);
}

fn crlf_to_eol(b: &[u8], eol: &[u8]) -> Vec<u8> {
    if eol == b"\n" {
        crlf_to_lf(b)
    } else {
        b.to_vec()
    }
}

fn edit_header(
    src_raw: &[u8],
    root: &mut Entity,
    msg: &MailMessage,
    base: &MailMessage,
    opts: &MimeOptions,
    eol: &'static [u8],
) {
    let field = |name: &str, value: HeaderType<'_>| {
        let raw = mime::render_field(name, &value);
        let raw = if eol == b"\n" { crlf_to_lf(&raw) } else { raw };
        Field::new(name, raw)
    };
    let f = &mut root.fields;
    if msg.from != base.from {
        let new = msg
            .from
            .iter()
            .map(|a| field("From", mime::address_value(std::slice::from_ref(a))));
        set_fields(f, &["from"], new.collect());
    }
    if msg.sender != base.sender {
        let new = msg
            .sender
            .iter()
            .map(|a| field("Sender", mime::address_value(std::slice::from_ref(a))));
        set_fields(f, &["sender"], new.collect());
    }
    for (name, new, old) in [
        ("To", &msg.to, &base.to),
        ("Cc", &msg.cc, &base.cc),
        ("Reply-To", &msg.reply_to, &base.reply_to),
    ] {
        // Addresses added after the loaded ones go onto the end of the last field, which
        // keeps the field's bytes (groups, comments, what the model could not read) as they are.
        if new != old
            && new.starts_with(old)
            && let Some(last) = f.iter().rposition(|x| x.is(name))
            && f[last].raw.bytes(src_raw).get(name.len()) == Some(&b':')
            && !f[last].value(src_raw).trim_ascii().is_empty()
        {
            let rendered = mime::render_field(name, &mime::address_value(&new[old.len()..]));
            let value = rendered[name.len() + 1..].trim_ascii_end();
            let mut raw = f[last].raw.bytes(src_raw).to_vec();
            let body_end = raw.len() - (raw.len() - raw.trim_ascii_end().len());
            let tail = raw.split_off(body_end);
            raw.push(b',');
            raw.extend_from_slice(eol);
            raw.extend_from_slice(&crlf_to_eol(value, eol));
            raw.extend_from_slice(if tail.is_empty() { eol } else { &tail });
            // Only when the field then reads as its old addresses and the new ones (a field
            // that ends inside a broken address would swallow them): else it is rewritten.
            let appended = Field {
                name: f[last].name.clone(),
                value_at: f[last].value_at,
                raw: Piece::Owned(raw),
            };
            let mut want = super::eml::addresses(&f[last], src_raw);
            want.extend_from_slice(&new[old.len()..]);
            if super::eml::addresses(&appended, &[]) == want {
                f[last] = appended;
                continue;
            }
        }
        if new != old {
            let fields = if new.is_empty() {
                Vec::new()
            } else {
                vec![field(name, mime::address_value(new))]
            };
            set_fields(f, &[&name.to_ascii_lowercase()], fields);
        }
    }
    if msg.bcc != base.bcc {
        // Bcc is never written, as for a composed message.
        set_fields(f, &["bcc"], Vec::new());
    }
    if msg.subject != base.subject {
        set_fields(
            f,
            &["subject"],
            vec![field("Subject", Text::new(msg.subject.clone()).into())],
        );
    }
    // A loaded message keeps the fields it has: a Date or Message-ID it lacks is added only
    // when one is set.
    if msg.date != base.date {
        let (secs, offset) = msg
            .date
            .unwrap_or_else(|| (opts.default_date.unwrap_or_else(super::date::now), 0));
        let value = Raw::new(mime::format_rfc5322_date(secs, offset));
        set_fields(f, &["date"], vec![field("Date", value.into())]);
    }
    if msg.message_id != base.message_id {
        let id = msg
            .message_id
            .clone()
            .unwrap_or_else(|| mime::generate_message_id(msg.from.as_ref()));
        set_fields(
            f,
            &["message-id"],
            vec![field("Message-ID", MessageId::new(id).into())],
        );
    }
    if msg.priority != base.priority {
        let new = match msg.priority {
            Priority::Normal => Vec::new(),
            Priority::High => vec![
                field("X-Priority", Raw::new("1 (Highest)").into()),
                field("Importance", Raw::new("high").into()),
            ],
            Priority::Low => vec![
                field("X-Priority", Raw::new("5 (Lowest)").into()),
                field("Importance", Raw::new("low").into()),
            ],
        };
        set_fields(f, &["x-priority", "importance"], new);
    }
    if msg.headers != base.headers {
        let mut names: Vec<String> = Vec::new();
        for h in msg.headers.iter().chain(&base.headers) {
            let l = h.name.to_ascii_lowercase();
            if !names.contains(&l) {
                names.push(l);
            }
        }
        let of = |list: &[Header], n: &str| -> Vec<Header> {
            list.iter()
                .filter(|h| h.name.eq_ignore_ascii_case(n))
                .cloned()
                .collect()
        };
        for n in names {
            let new = of(&msg.headers, &n);
            if new != of(&base.headers, &n) {
                let fields = new
                    .iter()
                    .map(|h| field(&h.name, mime::custom_value(h)))
                    .collect();
                set_fields(f, &[&n], fields);
            }
        }
    }
}
