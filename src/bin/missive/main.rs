//! `missive`: send, forward, probe and queue email from a shell, and a sendmail-compatible
//! mode (`missive sendmail`, or this binary run under the name `sendmail`).
//!
//! A user of the crate's Rust API like any other program: nothing here is part of the library.

mod exit;
mod probe;
mod send;
mod sendmail;
mod settings;

use std::io::IsTerminal;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, CommandFactory, Parser, Subcommand, ValueEnum};

use exit::Failure;
use settings::{GlobalInput, Settings};

const CONFIG_HELP: &str = "\
Configuration: the server comes from --url, else MISSIVE_SMTP_URL, else `url` in the config file
(--config FILE, else $XDG_CONFIG_HOME/missive/config.toml, else ~/.config/missive/config.toml).
The config file is TOML with the string keys url, username, password, password_command, from,
queue, ca_file and proxy; a file that holds a password (or a URL with one) must not be readable by
group or others. The password comes from --password-file, --password-command, the config file,
or the URL, in that order; it is never needed on the command line.
URLs: smtp:// (STARTTLS when offered), smtp+starttls:// (STARTTLS required), smtps:// (TLS from
the first byte), smtp+plain:// (no TLS); e.g. smtp+starttls://me%40example.org@mail.example.org:587";

#[derive(Parser, Debug)]
#[command(
    name = "missive",
    version,
    about = "Send, forward, probe and queue email; a sendmail-compatible mode",
    long_about = "Send, forward, probe and queue email over SMTP with the missive library, and \
                  deliver for programs that run `sendmail` (missive sendmail, or this program \
                  run under the name sendmail).",
    after_help = CONFIG_HELP,
    after_long_help = format!("{CONFIG_HELP}\n\n{}", exit::TABLE),
    propagate_version = true
)]
struct Cli {
    #[command(flatten)]
    global: GlobalOpts,
    #[command(subcommand)]
    cmd: Cmd,
}

#[derive(Args, Debug, Clone)]
struct GlobalOpts {
    /// The SMTP server, e.g. smtp+starttls://user@mail.example.org:587
    #[arg(
        long,
        global = true,
        env = "MISSIVE_SMTP_URL",
        hide_env_values = true,
        value_name = "URL"
    )]
    url: Option<String>,
    /// The config file (default: $XDG_CONFIG_HOME/missive/config.toml)
    #[arg(long, global = true, value_name = "FILE")]
    config: Option<PathBuf>,
    /// The user name for AUTH (default: the URL's or the config file's)
    #[arg(long, global = true, value_name = "NAME")]
    username: Option<String>,
    /// Read the password from this file (its first line)
    #[arg(long, global = true, value_name = "FILE")]
    password_file: Option<PathBuf>,
    /// Run this shell command and use the first line it prints as the password
    #[arg(long, global = true, value_name = "COMMAND")]
    password_command: Option<String>,
    /// The queue: a directory, a file:///path URL, or postgres://user:pass@host/db?schema=NAME
    #[arg(long, global = true, env = "MISSIVE_QUEUE_URL", value_name = "DIR|URL")]
    queue: Option<String>,
    /// Extra trusted CA certificates (PEM) for the server's TLS certificate
    #[arg(long, global = true, value_name = "FILE")]
    ca_file: Option<PathBuf>,
    /// Reach the server through a proxy: socks5://[user:pass@]host:port, socks4a://host:port
    /// or http://[user:pass@]host:port (HTTP CONNECT)
    #[arg(
        long,
        global = true,
        env = "MISSIVE_PROXY_URL",
        hide_env_values = true,
        value_name = "URL"
    )]
    proxy: Option<String>,
    /// Network timeout in seconds (connect, greeting, each reply)
    #[arg(long, global = true, value_name = "SECONDS")]
    timeout: Option<u64>,
    /// Print the SMTP conversation on standard error (secrets redacted)
    #[arg(short, long, global = true)]
    verbose: bool,
}

impl GlobalOpts {
    fn input(&self) -> GlobalInput {
        GlobalInput {
            url: self.url.clone(),
            config: self.config.clone(),
            username: self.username.clone(),
            password_file: self.password_file.clone(),
            password_command: self.password_command.clone(),
            queue: self.queue.clone(),
            ca_file: self.ca_file.clone(),
            proxy: self.proxy.clone(),
            timeout: self.timeout,
            verbose: self.verbose,
        }
    }
}

#[derive(Subcommand, Debug)]
enum Cmd {
    /// Send a message made from options, or .eml files as they are
    #[command(after_long_help = exit::TABLE)]
    Send(send::SendArgs),
    /// Forward an .eml file to new recipients (streamed: memory stays flat)
    #[command(after_long_help = exit::TABLE)]
    Forward(send::ForwardArgs),
    /// Connect and show the greeting, TLS, EHLO keywords, and check the credentials
    #[command(after_long_help = exit::TABLE)]
    Probe,
    /// Work on the queue (--queue or MISSIVE_QUEUE_URL)
    #[command(subcommand)]
    Queue(QueueCmd),
    /// Read a message on standard input and deliver it, as sendmail does
    #[command(
        long_about = sendmail::LONG_ABOUT,
        after_long_help = exit::TABLE,
        disable_help_flag = true
    )]
    Sendmail(SendmailArgs),
    /// Write the manual pages (missive.1 and one per subcommand)
    Man(ManArgs),
}

#[derive(Args, Debug)]
struct SendmailArgs {
    /// sendmail options and recipients (see the description)
    #[arg(
        trailing_var_arg = true,
        allow_hyphen_values = true,
        value_name = "ARGS"
    )]
    args: Vec<String>,
}

#[derive(Subcommand, Debug)]
enum QueueCmd {
    /// Put .eml files into the queue (`-` reads standard input)
    #[command(after_long_help = exit::TABLE)]
    Enqueue(send::EnqueueArgs),
    /// Deliver the due messages of the queue
    #[command(after_long_help = exit::TABLE)]
    Drain(send::DrainArgs),
    /// List the queue's messages
    List,
    /// Show how many messages are queued, due, in flight and dead
    State,
}

#[derive(Args, Debug)]
struct ManArgs {
    /// Write missive.1 and missive-<subcommand>.1 into this directory (default: print
    /// missive.1 on standard output)
    #[arg(long, value_name = "DIR")]
    dir: Option<PathBuf>,
}

/// How a forward rewrites the message.
#[derive(ValueEnum, Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Mode {
    /// A new envelope; the bytes unchanged (signatures survive)
    #[default]
    Redirect,
    /// Resent-From/To/Date/Message-ID fields on top of the unchanged bytes
    Resend,
    /// A new message with the original attached as message/rfc822 (loads the message)
    Attach,
}

/// A progress bar when standard output is a terminal; none otherwise.
pub fn progress(len: u64, what: &str) -> Option<indicatif::ProgressBar> {
    if !std::io::stdout().is_terminal() {
        return None;
    }
    let bar = indicatif::ProgressBar::new(len);
    let style = indicatif::ProgressStyle::with_template(&format!(
        "{what} [{{bar:30}}] {{pos}}/{{len}} {{msg}}"
    ))
    .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar());
    bar.set_style(style.progress_chars("=> "));
    Some(bar)
}

fn write_man(args: &ManArgs) -> Result<(), Failure> {
    let cmd = Cli::command();
    let render = |c: clap::Command| -> Result<Vec<u8>, Failure> {
        let mut out = Vec::new();
        clap_mangen::Man::new(c).render(&mut out).map_err(|e| {
            Failure::new(
                exit::IOERR,
                format!(
                    "cannot write the man page: {}",
                    missive::message::error::io_reason(&e)
                ),
            )
        })?;
        Ok(out)
    };
    match &args.dir {
        None => {
            use std::io::Write;
            let page = render(cmd)?;
            std::io::stdout()
                .write_all(&page)
                .map_err(|e| Failure::new(exit::IOERR, e.to_string()))
        }
        Some(dir) => {
            std::fs::create_dir_all(dir).map_err(|e| {
                Failure::new(
                    exit::CANTCREAT,
                    format!(
                        "cannot create {}: {}",
                        dir.display(),
                        missive::message::error::io_reason(&e)
                    ),
                )
            })?;
            let mut pages = vec![("missive.1".to_string(), render(cmd.clone())?)];
            for sub in cmd.get_subcommands() {
                let name = format!("missive-{}", sub.get_name());
                // clap names are &'static str; a handful of pages leak a few bytes once.
                let static_name: &'static str = Box::leak(name.clone().into_boxed_str());
                let sub = sub
                    .clone()
                    .name(static_name)
                    .version(env!("CARGO_PKG_VERSION"));
                pages.push((format!("{name}.1"), render(sub)?));
            }
            for (file, page) in pages {
                let path = dir.join(file);
                std::fs::write(&path, page).map_err(|e| {
                    Failure::new(
                        exit::CANTCREAT,
                        format!(
                            "cannot write {}: {}",
                            path.display(),
                            missive::message::error::io_reason(&e)
                        ),
                    )
                })?;
            }
            Ok(())
        }
    }
}

/// The options before the subcommand that take a value (for finding `sendmail` among the
/// arguments without clap, whose parser would read sendmail's options as its own).
const VALUE_OPTS: &[&str] = &[
    "--url",
    "--config",
    "--username",
    "--password-file",
    "--password-command",
    "--queue",
    "--ca-file",
    "--timeout",
];

/// When the arguments name the `sendmail` subcommand: the global options before it and the
/// arguments after it, together.
fn sendmail_args(args: &[String]) -> Option<Vec<String>> {
    let mut i = 0;
    while i < args.len() {
        let a = args[i].as_str();
        if VALUE_OPTS.contains(&a) {
            i += 2;
        } else if a.starts_with("--") && VALUE_OPTS.iter().any(|o| a.starts_with(&format!("{o}=")))
            || a == "--verbose"
            || a == "-v"
        {
            i += 1;
        } else if a == "sendmail" {
            let mut out = args[..i].to_vec();
            out.extend_from_slice(&args[i + 1..]);
            return Some(out);
        } else {
            return None;
        }
    }
    None
}

fn run_queue(settings: &Settings, op: &QueueCmd) -> Result<u8, Failure> {
    match op {
        QueueCmd::Enqueue(a) => send::enqueue(settings, a),
        QueueCmd::Drain(a) => send::drain(settings, a),
        QueueCmd::List => send::list(settings),
        QueueCmd::State => send::state(settings),
    }
}

fn run(cli: Cli) -> Result<u8, Failure> {
    if let Cmd::Man(a) = &cli.cmd {
        write_man(a)?;
        return Ok(exit::OK);
    }
    let settings = Settings::load(&cli.global.input())?;
    match &cli.cmd {
        Cmd::Send(a) => send::send(&settings, a),
        Cmd::Forward(a) => send::forward(&settings, a),
        Cmd::Probe => probe::probe(&settings),
        Cmd::Queue(op) => run_queue(&settings, op),
        Cmd::Sendmail(a) => sendmail::run(&a.args),
        Cmd::Man(_) => Ok(exit::OK),
    }
}

fn finish(result: Result<u8, Failure>, prog: &str) -> ExitCode {
    match result {
        Ok(code) => ExitCode::from(code),
        Err(f) => {
            eprintln!("{prog}: {}", f.message);
            ExitCode::from(f.code)
        }
    }
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().collect();
    let invoked_as = args
        .first()
        .map(|a| {
            std::path::Path::new(a)
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default()
        })
        .unwrap_or_default();
    if invoked_as == "sendmail" {
        return finish(sendmail::run(&args[1..]), "sendmail");
    }
    if let Some(rest) = sendmail_args(&args[1..]) {
        return finish(sendmail::run(&rest), "missive sendmail");
    }
    let cli = match Cli::try_parse_from(&args) {
        Ok(c) => c,
        Err(e) => {
            let code = if e.use_stderr() {
                exit::USAGE
            } else {
                exit::OK
            };
            let _ = e.print();
            return ExitCode::from(code);
        }
    };
    finish(run(cli), "missive")
}

/// Prints the long help of the `sendmail` subcommand (for `sendmail --help`).
pub fn print_sendmail_help() {
    let mut cmd = Cli::command();
    if let Some(sub) = cmd.find_subcommand_mut("sendmail") {
        let _ = sub.print_long_help();
    }
}
