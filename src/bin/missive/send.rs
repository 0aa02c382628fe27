//! `send`, `forward` and `queue`.

use std::fs::File;
use std::io::{Cursor, Read};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use clap::Args;
use missive::deliver::{
    Client, Delivery, EntryState, Envelope, ForwardMode, Prepared, resent_fields,
};
use missive::message::{MailAddress, MailMessage, RecipientKind, eml, parse_address_list};

use crate::exit::{self, Failure};
use crate::settings::Settings;
use crate::{Mode, progress};

#[derive(Args, Debug)]
pub struct SendArgs {
    /// The sender (From; default: `from` in the config file)
    #[arg(long, value_name = "ADDRESS")]
    pub from: Option<String>,
    /// A recipient (repeatable; a comma-separated list is split)
    #[arg(long, value_name = "ADDRESS")]
    pub to: Vec<String>,
    /// A Cc recipient (repeatable)
    #[arg(long, value_name = "ADDRESS")]
    pub cc: Vec<String>,
    /// A Bcc recipient (repeatable; never shown in the message)
    #[arg(long, value_name = "ADDRESS")]
    pub bcc: Vec<String>,
    /// The subject
    #[arg(long, short = 's')]
    pub subject: Option<String>,
    /// The plain-text body
    #[arg(long, conflicts_with = "body_file")]
    pub body: Option<String>,
    /// Read the plain-text body from a file (`-`: standard input)
    #[arg(long, value_name = "FILE")]
    pub body_file: Option<PathBuf>,
    /// An HTML body (with the plain text as its alternative)
    #[arg(long, value_name = "FILE")]
    pub html_file: Option<PathBuf>,
    /// Attach a file (repeatable; media type from the extension)
    #[arg(long, value_name = "FILE")]
    pub attach: Vec<PathBuf>,
    /// Add a header field, 'Name: value' (repeatable)
    #[arg(long, value_name = "'NAME: VALUE'")]
    pub header: Vec<String>,
    /// Send the message as TNEF (winmail.dat), for Outlook recipients
    #[arg(long)]
    pub tnef: bool,
    /// .eml files to send as they are (the envelope from their header fields, or --from/--to)
    #[arg(value_name = "FILE.eml")]
    pub files: Vec<PathBuf>,
}

#[derive(Args, Debug)]
pub struct ForwardArgs {
    /// The .eml file to forward
    #[arg(value_name = "FILE.eml")]
    pub file: PathBuf,
    /// A new recipient (repeatable; the only recipients of the forward)
    #[arg(long, required = true, value_name = "ADDRESS")]
    pub to: Vec<String>,
    /// How the message is forwarded
    #[arg(long, value_enum, default_value_t = Mode::Redirect)]
    pub mode: Mode,
    /// The forwarding address (MAIL FROM; Resent-From or From for resend and attach;
    /// default: `from` in the config file, else the message's own sender for redirect)
    #[arg(long, value_name = "ADDRESS")]
    pub from: Option<String>,
}

#[derive(Args, Debug)]
pub struct EnqueueArgs {
    /// The envelope sender (default: the message's Sender or From)
    #[arg(long, value_name = "ADDRESS")]
    pub from: Option<String>,
    /// The recipients (default: the message's To, Cc and Bcc)
    #[arg(long, value_name = "ADDRESS")]
    pub to: Vec<String>,
    /// .eml files (`-`: standard input)
    #[arg(value_name = "FILE.eml", required = true)]
    pub files: Vec<PathBuf>,
}

#[derive(Args, Debug)]
pub struct DrainArgs {
    /// Deliver at most this many messages (default: every due message)
    #[arg(long, value_name = "N", default_value_t = 0)]
    pub max: usize,
    /// Start no new delivery after this many seconds
    #[arg(long, value_name = "SECONDS")]
    pub budget: Option<u64>,
}

/// Addresses from repeatable options, each of which may be a comma-separated list.
pub fn addresses(values: &[String]) -> Result<Vec<MailAddress>, Failure> {
    let mut out = Vec::new();
    for v in values {
        out.extend(parse_address_list(v)?);
    }
    Ok(out)
}

fn read_text(path: &Path) -> Result<String, Failure> {
    let bytes = if path.as_os_str() == "-" {
        let mut b = Vec::new();
        std::io::stdin().read_to_end(&mut b).map_err(|e| {
            Failure::new(
                exit::IOERR,
                format!(
                    "cannot read standard input: {}",
                    missive::message::error::io_reason(&e)
                ),
            )
        })?;
        b
    } else {
        std::fs::read(path).map_err(|e| {
            Failure::new(
                exit::NOINPUT,
                format!(
                    "cannot read {}: {}",
                    path.display(),
                    missive::message::error::io_reason(&e)
                ),
            )
        })?
    };
    String::from_utf8(bytes).map_err(|_| {
        Failure::new(
            exit::DATAERR,
            format!("{} is not UTF-8 text", path.display()),
        )
    })
}

fn compose(settings: &Settings, a: &SendArgs) -> Result<MailMessage, Failure> {
    let mut msg = MailMessage::new();
    let from = a
        .from
        .clone()
        .or_else(|| settings.from.clone())
        .ok_or_else(|| Failure::usage("no sender: use --from (or from in the config file)"))?;
    msg.set_from(MailAddress::parse(&from)?);
    for (kind, list) in [
        (RecipientKind::To, &a.to),
        (RecipientKind::Cc, &a.cc),
        (RecipientKind::Bcc, &a.bcc),
    ] {
        for addr in addresses(list)? {
            msg.add_recipient(kind, addr);
        }
    }
    if a.to.is_empty() && a.cc.is_empty() && a.bcc.is_empty() {
        return Err(Failure::usage("no recipients: use --to, --cc or --bcc"));
    }
    msg.set_subject(a.subject.as_deref().unwrap_or(""))?;
    let body = match (&a.body, &a.body_file) {
        (Some(b), _) => b.clone(),
        (None, Some(f)) => read_text(f)?,
        (None, None) => String::new(),
    };
    msg.set_body(&body);
    if let Some(h) = &a.html_file {
        let html = read_text(h)?;
        msg.set_html_body(Some(&html));
    }
    for path in &a.attach {
        msg.add_attachment_file(path, None, None)?;
    }
    for h in &a.header {
        let (name, value) = h
            .split_once(':')
            .ok_or_else(|| Failure::usage(format!("--header {h:?}: expected 'Name: value'")))?;
        msg.add_header(name.trim(), value.trim())?;
    }
    if a.tnef {
        msg.set_use_tnef(true);
    }
    Ok(msg)
}

/// A loaded file prepared with its envelope: the header fields', overridden by `from` / `to`.
fn prepare_file(
    client: &Client,
    path: &Path,
    from: Option<&str>,
    to: &[String],
) -> Result<Prepared, Failure> {
    let msg = if path.as_os_str() == "-" {
        let mut b = Vec::new();
        std::io::stdin().read_to_end(&mut b).map_err(|e| {
            Failure::new(
                exit::IOERR,
                format!(
                    "cannot read standard input: {}",
                    missive::message::error::io_reason(&e)
                ),
            )
        })?;
        eml::load_bytes(b)?
    } else {
        eml::load_path(path)?
    };
    if from.is_none() && to.is_empty() {
        return Ok(client.prepare(&msg)?);
    }
    let mail_from = match from {
        Some(f) => MailAddress::parse(f)?.address(),
        None => msg
            .sender()
            .or(msg.from())
            .map(|a| a.address())
            .ok_or_else(|| {
                Failure::new(
                    exit::DATAERR,
                    format!("{}: no Sender or From: use --from", path.display()),
                )
            })?,
    };
    let recipients: Vec<String> = if to.is_empty() {
        [RecipientKind::To, RecipientKind::Cc, RecipientKind::Bcc]
            .iter()
            .flat_map(|k| msg.recipients(*k).iter().map(|a| a.address()))
            .collect()
    } else {
        addresses(to)?.iter().map(|a| a.address()).collect()
    };
    let bytes = match msg.original_bytes() {
        Some(b) => b.clone(),
        None => Arc::new(missive::deliver::render(&msg, &client.config().mime)),
    };
    let env = Envelope {
        mail_from,
        recipients,
    };
    Ok(Prepared::with_envelope(&msg, bytes, &env)?)
}

/// What one delivery did, for people.
pub fn describe(d: &Delivery) -> String {
    match d {
        Delivery::Smtp(r) => format!(
            "accepted for {} recipient(s): {}",
            r.accepted.len(),
            r.reply
        ),
        Delivery::Pickup(p) => format!("written to {}", p.path.display()),
    }
}

/// Warns about recipients the server refused while accepting the message.
pub fn warn_rejected(d: &Delivery) {
    for (addr, reply) in d.rejected() {
        eprintln!("missive: warning: <{addr}> refused: {reply}");
    }
}

/// Sends one prepared message; on a temporary failure with a queue set, queues it instead.
fn deliver(
    settings: &Settings,
    client: &Client,
    p: &Prepared,
    name: &str,
    bar: Option<&indicatif::ProgressBar>,
) -> Result<(), Failure> {
    match client.send_prepared(p) {
        Ok(d) => {
            warn_rejected(&d);
            let line = format!("{name}: {}", describe(&d));
            match bar {
                // Printed above the bar, which stays at the bottom.
                Some(b) => b.println(line),
                None => println!("{line}"),
            }
            Ok(())
        }
        Err(e) => {
            let f = Failure::from(e);
            if f.queueable && settings.queue()?.is_some() {
                let id = client.enqueue_prepared(p)?;
                eprintln!("missive: {name}: {}; queued as {id}", f.message);
                return Ok(());
            }
            Err(f)
        }
    }
}

pub fn send(settings: &Settings, a: &SendArgs) -> Result<u8, Failure> {
    let client = settings.client()?;
    if a.files.is_empty() {
        let msg = compose(settings, a)?;
        let p = client.prepare(&msg)?;
        deliver(settings, &client, &p, "message", None)?;
        return Ok(exit::OK);
    }
    let composing = a.subject.is_some()
        || a.body.is_some()
        || a.body_file.is_some()
        || a.html_file.is_some()
        || !a.attach.is_empty()
        || !a.header.is_empty()
        || !a.cc.is_empty()
        || !a.bcc.is_empty()
        || a.tnef;
    if composing {
        return Err(Failure::usage(
            "files are sent as they are: --subject, --body, --body-file, --html-file, --attach, \
             --header, --cc, --bcc and --tnef apply to a message made from options only",
        ));
    }
    let from = a.from.as_deref();
    let bar = if a.files.len() > 1 {
        progress(a.files.len() as u64, "sending")
    } else {
        None
    };
    let mut worst = exit::OK;
    for path in &a.files {
        let name = path.display().to_string();
        let result = prepare_file(&client, path, from, &a.to)
            .and_then(|p| deliver(settings, &client, &p, &name, bar.as_ref()));
        if let Err(f) = result {
            let line = format!("missive: {name}: {}", f.message);
            match &bar {
                Some(b) => b.println(line),
                None => eprintln!("{line}"),
            }
            if worst == exit::OK {
                worst = f.code;
            }
        }
        if let Some(b) = &bar {
            b.inc(1);
        }
    }
    if let Some(b) = bar {
        b.finish();
    }
    Ok(worst)
}

/// The sender of a message read from the start of a file: its Sender or From.
fn header_sender(path: &Path) -> Result<Option<String>, Failure> {
    let mut f = File::open(path).map_err(|e| {
        Failure::new(
            exit::NOINPUT,
            format!(
                "cannot open {}: {}",
                path.display(),
                missive::message::error::io_reason(&e)
            ),
        )
    })?;
    let mut head = Vec::new();
    let mut buf = [0u8; 8192];
    loop {
        let n = f.read(&mut buf).map_err(|e| {
            Failure::new(
                exit::IOERR,
                format!(
                    "cannot read {}: {}",
                    path.display(),
                    missive::message::error::io_reason(&e)
                ),
            )
        })?;
        if n == 0 {
            break;
        }
        head.extend_from_slice(&buf[..n]);
        if let Some(end) = find_header_end(&head) {
            head.truncate(end);
            break;
        }
        if head.len() > 1 << 20 {
            break;
        }
    }
    head.extend_from_slice(b"\r\n\r\n");
    let msg = eml::load_bytes(head)?;
    Ok(msg.sender().or(msg.from()).map(|a| a.address()))
}

/// Where the header section ends (the offset of its blank line), if it does within `data`.
pub fn find_header_end(data: &[u8]) -> Option<usize> {
    let mut i = 0;
    while i < data.len() {
        let line_end = data[i..].iter().position(|&b| b == b'\n').map(|p| i + p)?;
        let line = &data[i..line_end];
        if line.is_empty() || line == b"\r" {
            return Some(i);
        }
        i = line_end + 1;
    }
    None
}

/// Reads through a progress bar for large forwards (over 1 MiB) when stdout is a terminal.
fn with_progress<'a>(reader: Box<dyn Read + 'a>, len: u64) -> Box<dyn Read + 'a> {
    if len < (1 << 20) {
        return reader;
    }
    match progress(len, "forwarding") {
        Some(bar) => Box::new(bar.wrap_read(reader)),
        None => reader,
    }
}

pub fn forward(settings: &Settings, a: &ForwardArgs) -> Result<u8, Failure> {
    let client = settings.client()?;
    let recipients = addresses(&a.to)?;
    if recipients.is_empty() {
        return Err(Failure::usage("no recipients: use --to"));
    }
    let forwarder = a.from.clone().or_else(|| settings.from.clone());
    let rcpts: Vec<String> = recipients.iter().map(|r| r.address()).collect();
    let open = || {
        File::open(&a.file).map_err(|e| {
            Failure::new(
                exit::NOINPUT,
                format!(
                    "cannot open {}: {}",
                    a.file.display(),
                    missive::message::error::io_reason(&e)
                ),
            )
        })
    };
    let delivery = match a.mode {
        Mode::Redirect => {
            let mail_from = match &forwarder {
                Some(f) => MailAddress::parse(f)?.address(),
                None => header_sender(&a.file)?.ok_or_else(|| {
                    Failure::new(
                        exit::DATAERR,
                        "the message has no Sender or From: use --from",
                    )
                })?,
            };
            let f = open()?;
            let len = f.metadata().map(|m| m.len()).unwrap_or(0);
            let mut r = with_progress(Box::new(f), len);
            client.forward_stream(&mail_from, &rcpts, &mut r, Some(len))
        }
        Mode::Resend => {
            let sender = forwarder.ok_or_else(|| {
                Failure::usage("--mode resend needs the forwarding address: --from (or from in the config file)")
            })?;
            let sender = MailAddress::parse(&sender)?;
            let block = resent_fields(&sender, &recipients);
            let f = open()?;
            let len = f.metadata().map(|m| m.len()).unwrap_or(0) + block.len() as u64;
            let mut r = with_progress(Box::new(Cursor::new(block).chain(f)), len);
            client.forward_stream(&sender.address(), &rcpts, &mut r, Some(len))
        }
        Mode::Attach => {
            let sender = forwarder.ok_or_else(|| {
                Failure::usage("--mode attach needs the forwarding address: --from (or from in the config file)")
            })?;
            MailAddress::parse(&sender)?;
            client.configure(|c| c.forward_sender = Some(sender));
            let msg = eml::load_path(&a.file)?;
            client.forward(&msg, ForwardMode::Attach, &recipients)
        }
    }?;
    warn_rejected(&delivery);
    println!("{}: {}", a.file.display(), describe(&delivery));
    Ok(exit::OK)
}

pub fn enqueue(settings: &Settings, a: &EnqueueArgs) -> Result<u8, Failure> {
    let client = settings.queue_client()?;
    for path in &a.files {
        let p = prepare_file(&client, path, a.from.as_deref(), &a.to)?;
        let id = client.enqueue_prepared(&p)?;
        println!("{id}");
    }
    Ok(exit::OK)
}

pub fn drain(settings: &Settings, a: &DrainArgs) -> Result<u8, Failure> {
    let client = settings.client()?;
    settings.require_queue()?;
    let budget = a.budget.map(Duration::from_secs);
    let due = client.queue_state()?.due as u64;
    let bar = progress(
        if a.max > 0 {
            due.min(a.max as u64)
        } else {
            due
        },
        "draining",
    );
    let report = match &bar {
        None => client.drain_queue(a.max, budget)?,
        Some(bar) => {
            // One message at a time, to move the bar.
            let started = std::time::Instant::now();
            let mut total = missive::deliver::DrainReport::default();
            loop {
                if a.max > 0 && total.delivered + total.deferred + total.dead_lettered >= a.max {
                    break;
                }
                let left = budget.map(|b| b.saturating_sub(started.elapsed()));
                if left.is_some_and(|l| l.is_zero()) {
                    break;
                }
                let r = client.drain_queue(1, left)?;
                total.recovered += r.recovered;
                total.delivered += r.delivered;
                total.deferred += r.deferred;
                total.dead_lettered += r.dead_lettered;
                total.remaining = r.remaining;
                let n = r.delivered + r.deferred + r.dead_lettered;
                if n == 0 {
                    break;
                }
                bar.inc(n as u64);
            }
            bar.finish();
            total
        }
    };
    println!(
        "delivered {}, deferred {}, dead-lettered {}, recovered {}, remaining {}",
        report.delivered, report.deferred, report.dead_lettered, report.recovered, report.remaining
    );
    Ok(if report.deferred > 0 {
        exit::TEMPFAIL
    } else if report.dead_lettered > 0 {
        exit::UNAVAILABLE
    } else {
        exit::OK
    })
}

fn when(ms: u64) -> String {
    if ms == 0 {
        return "now".to_string();
    }
    missive::message::mime::format_rfc5322_date((ms / 1000) as i64, 0)
}

pub fn list(settings: &Settings) -> Result<u8, Failure> {
    let client = settings.queue_client()?;
    let st = client.queue_state()?;
    for e in &st.entries {
        let state = match e.state {
            EntryState::Queued => "queued",
            EntryState::InFlight => "in-flight",
            EntryState::Dead => "dead",
        };
        let mut line = format!("{}\t{state}\tattempts={}", e.id, e.attempts);
        if e.state == EntryState::Queued {
            line.push_str(&format!("\tnext={}", when(e.next_attempt_ms)));
        }
        if !e.last_error.is_empty() {
            line.push_str(&format!("\t{}", e.last_error));
        }
        println!("{line}");
    }
    Ok(exit::OK)
}

pub fn state(settings: &Settings) -> Result<u8, Failure> {
    let client = settings.queue_client()?;
    let st = client.queue_state()?;
    println!("queued: {}", st.queued);
    println!("due: {}", st.due);
    println!("in-flight: {}", st.in_flight);
    println!("dead: {}", st.dead);
    if st.queued > 0 {
        println!("next attempt: {}", when(st.next_attempt_ms));
    }
    Ok(exit::OK)
}
