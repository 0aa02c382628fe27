//! The sendmail-compatible mode: `missive sendmail [options] [recipient...]`, or this program
//! run under the name `sendmail`. Reads a message on standard input and delivers it (or queues
//! it when the server cannot be reached and a queue is set), as Postfix's and msmtp's
//! `sendmail` do. Silent on success.

use std::io::{Cursor, Read};
use std::path::PathBuf;
use std::sync::Arc;

use missive::deliver::Prepared;
use missive::message::mime::{format_rfc5322_date, generate_message_id};
use missive::message::{MailAddress, RecipientKind, eml, parse_address_list};

use crate::exit::{self, Failure};
use crate::send::{find_header_end, warn_rejected};
use crate::settings::{GlobalInput, Settings};

pub const LONG_ABOUT: &str = "\
Reads a message on standard input and delivers it to the configured server, as Postfix's and \
msmtp's sendmail do; also chosen when this program runs under the name `sendmail` (a symlink). \
Silent on success. When the server cannot be reached (or answers with a temporary failure) and \
a queue is set (--queue, MISSIVE_QUEUE_URL or the config file), the message is queued and the \
exit status is 0; `missive queue drain` (or `sendmail -q`) sends it later. With a queue and no \
server configured, messages are queued.

Options (clustered as getopt does, e.g. -ti, -fme@example.org):
  -t            add the To, Cc and Bcc recipients of the message's header (Bcc is removed)
  -i, -oi       a line with a single dot does not end the message
  -f ADDR, -r ADDR
                envelope sender (default: the config file's from, else the message's
                Sender/From, else LOGNAME@host); -f '<>' is the null sender
  -F NAME       display name for the From field added to a message without one
  -v            print the SMTP conversation on standard error (secrets redacted)
  -q            deliver the queue (as missive queue drain)
  -bp           list the queue (as missive queue list)
  -odq          queue the message without trying the server
  -bm, -odb, -odi, -oem, -oep, -oeq, -oew, -om, -o7, -o8, -B TYPE, -h N, -L LABEL, -U, -G, -n, -m
                accepted (no effect: a relay client delivers at once and reports errors by
                exit status)
  -N, -R, -V    (DSN) refused: not available in this mode
  -bd, -bi, -bs, -bt, -bv, -bh, -bH, -bD, -I, -C, -X, -O, other -o and -b options
                refused with a message naming the option
Long options: --url, --config, --username, --password-file, --password-command, --queue,
--ca-file, --timeout, --verbose (as for every subcommand), --help.

Missing From, Date and Message-ID fields are added, as Postfix does. Recipients may be given \
as comma-separated lists.";

#[derive(Debug, Default)]
struct Opts {
    global: GlobalInput,
    extract: bool,
    ignore_dots: bool,
    sender: Option<String>,
    full_name: Option<String>,
    recipients: Vec<String>,
    run_queue: bool,
    list_queue: bool,
    queue_only: bool,
    help: bool,
}

/// Options that take an argument (attached or as the next word).
const WITH_ARG: &[char] = &[
    'B', 'C', 'F', 'f', 'h', 'L', 'N', 'O', 'o', 'R', 'r', 'V', 'X', 'b',
];

fn long_opt(
    o: &mut Opts,
    name: &str,
    value: Option<String>,
    rest: &mut dyn Iterator<Item = String>,
) -> Result<(), Failure> {
    let mut val = |n: &str| -> Result<String, Failure> {
        value
            .clone()
            .or_else(|| rest.next())
            .ok_or_else(|| Failure::usage(format!("--{n} needs a value")))
    };
    match name {
        "url" => o.global.url = Some(val(name)?),
        "config" => o.global.config = Some(PathBuf::from(val(name)?)),
        "username" => o.global.username = Some(val(name)?),
        "password-file" => o.global.password_file = Some(PathBuf::from(val(name)?)),
        "password-command" => o.global.password_command = Some(val(name)?),
        "queue" => o.global.queue = Some(val(name)?),
        "ca-file" => o.global.ca_file = Some(PathBuf::from(val(name)?)),
        "timeout" => {
            let v = val(name)?;
            o.global.timeout = Some(
                v.parse()
                    .map_err(|_| Failure::usage(format!("--timeout {v:?}: not a number")))?,
            )
        }
        "verbose" => o.global.verbose = true,
        "help" => o.help = true,
        other => {
            return Err(Failure::usage(format!(
                "option --{other} is not supported (see missive sendmail --help)"
            )));
        }
    }
    Ok(())
}

fn short_opt(o: &mut Opts, c: char, arg: Option<String>) -> Result<(), Failure> {
    let refuse = |what: &str| {
        Err(Failure::usage(format!(
            "option -{c}{} ({what}) is not supported by missive sendmail",
            arg.as_deref().unwrap_or("")
        )))
    };
    match c {
        't' => o.extract = true,
        'i' => o.ignore_dots = true,
        'v' => o.global.verbose = true,
        'U' | 'G' | 'n' | 'm' => {}
        'f' | 'r' => {
            let a = arg.unwrap_or_default();
            o.sender = Some(if a == "<>" { String::new() } else { a });
        }
        'F' => o.full_name = arg,
        'h' | 'L' | 'B' => {}
        'q' => o.run_queue = true,
        'b' => match arg.as_deref() {
            Some("m") => {}
            Some("p") => o.list_queue = true,
            Some("d") => return refuse("daemon mode"),
            Some("i") => return refuse("alias database"),
            Some("s") => return refuse("SMTP on standard input"),
            Some("v") => return refuse("address verification"),
            _ => return refuse("mode"),
        },
        'o' => match arg.as_deref().unwrap_or("") {
            "i" => o.ignore_dots = true,
            "m" | "7" | "8" | "db" | "di" | "em" | "ep" | "eq" | "ew" => {}
            "dq" => o.queue_only = true,
            _ => return refuse("option"),
        },
        'N' | 'R' | 'V' => return refuse("delivery status notification"),
        'I' => return refuse("alias database"),
        'C' => return refuse("a sendmail configuration file; use --config"),
        'X' => return refuse("traffic log; use -v"),
        'O' => return refuse("option"),
        _ => return refuse("unknown option"),
    }
    Ok(())
}

fn parse(args: &[String]) -> Result<Opts, Failure> {
    let mut o = Opts::default();
    let mut it = args.iter().cloned();
    while let Some(a) = it.next() {
        if a == "--" {
            o.recipients.extend(it.by_ref());
            break;
        }
        if let Some(long) = a.strip_prefix("--") {
            let (name, value) = match long.split_once('=') {
                Some((n, v)) => (n.to_string(), Some(v.to_string())),
                None => (long.to_string(), None),
            };
            long_opt(&mut o, &name, value, &mut it)?;
            continue;
        }
        if a.len() > 1 && a.starts_with('-') {
            let chars: Vec<char> = a[1..].chars().collect();
            let mut i = 0;
            while i < chars.len() {
                let c = chars[i];
                if WITH_ARG.contains(&c) {
                    let attached: String = chars[i + 1..].iter().collect();
                    let arg = if !attached.is_empty() {
                        Some(attached)
                    } else if c == 'b' || c == 'o' {
                        None
                    } else {
                        Some(it.next().ok_or_else(|| {
                            Failure::usage(format!("option -{c} needs an argument"))
                        })?)
                    };
                    short_opt(&mut o, c, arg)?;
                    break;
                }
                if c == 'q' {
                    // -q, -q30m: process the queue (any interval is ignored).
                    short_opt(&mut o, c, None)?;
                    break;
                }
                short_opt(&mut o, c, None)?;
                i += 1;
            }
            continue;
        }
        o.recipients.push(a);
    }
    // The environment, as clap reads it for the other subcommands.
    if o.global.url.is_none() {
        o.global.url = std::env::var("MISSIVE_SMTP_URL").ok();
    }
    if o.global.queue.is_none() {
        o.global.queue = std::env::var("MISSIVE_QUEUE_URL").ok();
    }
    Ok(o)
}

/// LF or CRLF in, CRLF out.
fn crlf(data: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(data.len() + data.len() / 32);
    let mut prev = 0u8;
    for &b in data {
        if b == b'\n' && prev != b'\r' {
            out.push(b'\r');
        }
        out.push(b);
        prev = b;
    }
    out
}

/// The message up to a line with a single dot (when dots are not ignored).
fn cut_at_dot(data: &[u8]) -> &[u8] {
    let mut start = 0;
    while start < data.len() {
        let end = data[start..]
            .iter()
            .position(|&b| b == b'\n')
            .map(|p| start + p + 1)
            .unwrap_or(data.len());
        let line = &data[start..end];
        if line == b".\n" || line == b".\r\n" || line == b"." {
            return &data[..start];
        }
        start = end;
    }
    data
}

fn has_field(header: &[u8], name: &str) -> bool {
    header.split(|&b| b == b'\n').any(|line| {
        line.len() > name.len()
            && line[..name.len()].eq_ignore_ascii_case(name.as_bytes())
            && line[name.len()] == b':'
    })
}

fn login_address() -> String {
    let user = std::env::var("LOGNAME")
        .or_else(|_| std::env::var("USER"))
        .unwrap_or_else(|_| "nobody".to_string());
    let host = std::fs::read_to_string("/proc/sys/kernel/hostname")
        .map(|h| h.trim().to_string())
        .ok()
        .filter(|h| !h.is_empty())
        .unwrap_or_else(|| "localhost".to_string());
    format!("{user}@{host}")
}

pub fn run(args: &[String]) -> Result<u8, Failure> {
    let o = parse(args)?;
    if o.help {
        crate::print_sendmail_help();
        return Ok(exit::OK);
    }
    let settings = Settings::load(&o.global)?;
    if o.run_queue {
        return crate::send::drain(
            &settings,
            &crate::send::DrainArgs {
                max: 0,
                budget: None,
            },
        );
    }
    if o.list_queue {
        return crate::send::list(&settings);
    }
    let mut raw = Vec::new();
    std::io::stdin().read_to_end(&mut raw).map_err(|e| {
        Failure::new(
            exit::IOERR,
            format!(
                "cannot read standard input: {}",
                missive::message::error::io_reason(&e)
            ),
        )
    })?;
    let mut body: &[u8] = &raw;
    if !o.ignore_dots {
        body = cut_at_dot(body);
    }
    // A leading mbox "From " line is not part of the message.
    if body.starts_with(b"From ") {
        let nl = body
            .iter()
            .position(|&b| b == b'\n')
            .map_or(body.len(), |p| p + 1);
        body = &body[nl..];
    }
    let mut data = crlf(body);
    let header_end = find_header_end(&data).unwrap_or(data.len());
    let header = data[..header_end].to_vec();
    let mut head = header.clone();
    head.extend_from_slice(b"\r\n\r\n");
    let parsed = eml::load_bytes(head).ok();

    let mut recipients: Vec<String> = Vec::new();
    let mut push = |a: String| {
        if !recipients.iter().any(|r| r.eq_ignore_ascii_case(&a)) {
            recipients.push(a);
        }
    };
    for r in &o.recipients {
        for a in parse_address_list(r)? {
            push(a.address());
        }
    }
    if o.extract {
        let msg = parsed.as_ref().ok_or_else(|| {
            Failure::new(exit::DATAERR, "-t: the message's header cannot be read")
        })?;
        for kind in [RecipientKind::To, RecipientKind::Cc, RecipientKind::Bcc] {
            for a in msg.recipients(kind) {
                push(a.address());
            }
        }
    }
    if recipients.is_empty() {
        return Err(Failure::usage(
            "no recipients: give them as arguments, or use -t to read them from the message",
        ));
    }
    let header_from = parsed
        .as_ref()
        .and_then(|m| m.sender().or(m.from()).map(|a| a.address()));
    let mail_from = match (&o.sender, &settings.from, &header_from) {
        (Some(s), _, _) if s.is_empty() => String::new(),
        (Some(s), _, _) => MailAddress::parse(s)?.address(),
        (None, Some(s), _) => MailAddress::parse(s)?.address(),
        (None, None, Some(h)) => h.clone(),
        (None, None, None) => login_address(),
    };

    // Fields Postfix adds to a message without them.
    let mut added = Vec::new();
    if !has_field(&header, "From") {
        let from = if mail_from.is_empty() {
            login_address()
        } else {
            mail_from.clone()
        };
        let addr = MailAddress::new(&from, o.full_name.as_deref())?;
        let mut out = b"From: ".to_vec();
        let a = mail_builder::headers::address::Address::new_address(
            addr.display_name().map(str::to_string),
            addr.address(),
        );
        mail_builder::headers::Header::write_header(&a, &mut out, 6);
        added.extend_from_slice(&out);
    }
    if !has_field(&header, "Date") {
        let now = missive::message::date::now();
        added.extend_from_slice(format!("Date: {}\r\n", format_rfc5322_date(now, 0)).as_bytes());
    }
    if !has_field(&header, "Message-ID") {
        let addr = MailAddress::parse(&mail_from).ok();
        added.extend_from_slice(
            format!("Message-ID: <{}>\r\n", generate_message_id(addr.as_ref())).as_bytes(),
        );
    }
    if !added.is_empty() {
        added.extend_from_slice(&data);
        data = added;
    }

    let smtputf8 = !mail_from.is_ascii() || recipients.iter().any(|r| !r.is_ascii());
    let prepared = Prepared {
        mail_from: mail_from.clone(),
        recipients: recipients.clone(),
        data: Arc::new(data),
        smtputf8,
        dsn: Default::default(),
    };
    let queue = settings.queue()?;
    if o.queue_only || (!settings.has_server() && queue.is_some()) {
        let client = settings.queue_client()?;
        let id = client.enqueue_prepared(&prepared)?;
        if settings.verbose {
            eprintln!("sendmail: queued as {id}");
        }
        return Ok(exit::OK);
    }
    let client = settings.client()?;
    let len = prepared.data.len() as u64;
    let result = client.forward_stream(
        &mail_from,
        &recipients,
        &mut Cursor::new(prepared.data.as_slice()),
        Some(len),
    );
    match result {
        Ok(d) => {
            warn_rejected(&d);
            Ok(exit::OK)
        }
        Err(e) => {
            let f = Failure::from(e);
            if f.queueable && queue.is_some() {
                let id = client.enqueue_prepared(&prepared)?;
                eprintln!("sendmail: {}; queued as {id}", f.message);
                return Ok(exit::OK);
            }
            Err(f)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(args: &[&str]) -> Result<Opts, Failure> {
        parse(&args.iter().map(|s| s.to_string()).collect::<Vec<_>>())
    }

    #[test]
    fn getopt_style() {
        let o = p(&[
            "-ti",
            "-fme@example.org",
            "-F",
            "Me",
            "-oi",
            "a@example.org",
        ])
        .unwrap();
        assert!(o.extract && o.ignore_dots);
        assert_eq!(o.sender.as_deref(), Some("me@example.org"));
        assert_eq!(o.full_name.as_deref(), Some("Me"));
        assert_eq!(o.recipients, ["a@example.org"]);
        let o = p(&[
            "-f",
            "<>",
            "--queue=/q",
            "-odi",
            "-oem",
            "--",
            "-odd@example.org",
        ])
        .unwrap();
        assert_eq!(o.sender.as_deref(), Some(""));
        assert_eq!(o.global.queue.as_deref(), Some("/q"));
        assert_eq!(o.recipients, ["-odd@example.org"]);
        for bad in [
            &["-bs"][..],
            &["-bd"],
            &["-N", "never"],
            &["-C", "x"],
            &["-oQ/x"],
            &["--frob"],
        ] {
            let e = p(bad).unwrap_err();
            assert_eq!(e.code, exit::USAGE);
            assert!(e.message.contains("not supported"), "{}", e.message);
        }
    }

    #[test]
    fn dots_and_line_ends() {
        assert_eq!(cut_at_dot(b"a\n.\nb\n"), b"a\n");
        assert_eq!(cut_at_dot(b"a\n..\nb\n"), b"a\n..\nb\n");
        assert_eq!(crlf(b"a\nb\r\nc"), b"a\r\nb\r\nc");
        assert!(has_field(b"Subject: x\r\nfrom: y\r\n", "From"));
        assert!(!has_field(b"Subject: From: x\r\n", "From"));
    }
}
