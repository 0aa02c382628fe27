//! Where the tool's settings come from: the command line, the environment, and the config file
//! (`--config FILE`, else `$XDG_CONFIG_HOME/missive/config.toml`, else
//! `~/.config/missive/config.toml`). The command line and the environment win over the file.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::time::Duration;

use missive::deliver::{Client, QueueUrl};
use missive::smtp::{LogDirection, ProtocolLog, Secret, SmtpConfig, parse_url};

use crate::exit::Failure;

/// The keys a config file may hold.
const KEYS: &[&str] = &[
    "url",
    "username",
    "password",
    "password_command",
    "from",
    "queue",
    "ca_file",
    "proxy",
];

/// Options every subcommand takes (see `main.rs` for their help text).
#[derive(Clone, Debug, Default)]
pub struct GlobalInput {
    pub url: Option<String>,
    pub config: Option<PathBuf>,
    pub username: Option<String>,
    pub password_file: Option<PathBuf>,
    pub password_command: Option<String>,
    pub queue: Option<String>,
    pub ca_file: Option<PathBuf>,
    pub proxy: Option<String>,
    pub timeout: Option<u64>,
    pub verbose: bool,
}

/// The settings in force.
#[derive(Debug, Default)]
pub struct Settings {
    pub url: Option<String>,
    pub username: Option<String>,
    password: Option<String>,
    password_command: Option<String>,
    password_file: Option<PathBuf>,
    pub from: Option<String>,
    pub queue: Option<String>,
    pub ca_file: Option<PathBuf>,
    pub proxy: Option<String>,
    pub timeout: Option<u64>,
    pub verbose: bool,
}

fn default_config_path() -> Option<PathBuf> {
    let base = match std::env::var_os("XDG_CONFIG_HOME") {
        Some(x) if !x.is_empty() => PathBuf::from(x),
        _ => PathBuf::from(std::env::var_os("HOME")?).join(".config"),
    };
    Some(base.join("missive").join("config.toml"))
}

/// Whether an SMTP URL carries a password (`scheme://user:password@host`).
fn url_has_password(url: &str) -> bool {
    let rest = url.split_once("://").map(|(_, r)| r).unwrap_or(url);
    let authority = rest.split(['/', '?']).next().unwrap_or("");
    authority
        .rsplit_once('@')
        .is_some_and(|(info, _)| info.contains(':'))
}

fn read_config(path: &Path) -> Result<toml::Table, Failure> {
    let text = std::fs::read_to_string(path).map_err(|e| {
        Failure::config(format!(
            "cannot read the config file {}: {}",
            path.display(),
            missive::message::error::io_reason(&e)
        ))
    })?;
    let table: toml::Table = text
        .parse()
        .map_err(|e| Failure::config(format!("config file {}: {e}", path.display())))?;
    for (key, value) in &table {
        if !KEYS.contains(&key.as_str()) {
            return Err(Failure::config(format!(
                "config file {}: unknown key {key:?} (known keys: {})",
                path.display(),
                KEYS.join(", ")
            )));
        }
        if !value.is_str() {
            return Err(Failure::config(format!(
                "config file {}: {key} must be a string",
                path.display()
            )));
        }
    }
    let holds_secret = table.contains_key("password")
        || ["url", "proxy"].iter().any(|k| {
            table
                .get(*k)
                .and_then(|v| v.as_str())
                .is_some_and(url_has_password)
        });
    if holds_secret {
        check_private(path)?;
    }
    Ok(table)
}

#[cfg(unix)]
fn check_private(path: &Path) -> Result<(), Failure> {
    use std::os::unix::fs::PermissionsExt;
    let mode = std::fs::metadata(path)
        .map_err(|e| Failure::config(format!("cannot stat {}: {e}", path.display())))?
        .permissions()
        .mode();
    if mode & 0o077 != 0 {
        return Err(Failure::config(format!(
            "refusing the config file {}: it holds a password and is readable by group or \
             others (mode {:04o}); make it private with `chmod 600 {}`, or use password_command",
            path.display(),
            mode & 0o7777,
            path.display()
        )));
    }
    Ok(())
}

#[cfg(not(unix))]
fn check_private(_path: &Path) -> Result<(), Failure> {
    Ok(())
}

impl Settings {
    /// Reads the config file (when there is one) under the command line's options.
    pub fn load(g: &GlobalInput) -> Result<Settings, Failure> {
        let file = match &g.config {
            Some(p) => Some(read_config(p)?),
            None => match default_config_path() {
                Some(p) if p.exists() => Some(read_config(&p)?),
                _ => None,
            },
        };
        let key = |k: &str| -> Option<String> {
            file.as_ref()
                .and_then(|t| t.get(k))
                .and_then(|v| v.as_str())
                .map(str::to_string)
        };
        Ok(Settings {
            url: g
                .url
                .clone()
                .filter(|u| !u.is_empty())
                .or_else(|| key("url")),
            username: g.username.clone().or_else(|| key("username")),
            password: key("password"),
            password_command: g
                .password_command
                .clone()
                .or_else(|| key("password_command")),
            password_file: g.password_file.clone(),
            from: key("from"),
            queue: g
                .queue
                .clone()
                .filter(|q| !q.is_empty())
                .or_else(|| key("queue")),
            ca_file: g
                .ca_file
                .clone()
                .or_else(|| key("ca_file").map(PathBuf::from)),
            proxy: g
                .proxy
                .clone()
                .filter(|p| !p.is_empty())
                .or_else(|| key("proxy")),
            timeout: g.timeout,
            verbose: g.verbose,
        })
    }

    /// The queue, when one is set: a directory path, a `file:///path` URL or a
    /// `postgres://` URL.
    pub fn queue(&self) -> Result<Option<QueueUrl>, Failure> {
        let Some(q) = &self.queue else {
            return Ok(None);
        };
        queue_path(q).map(Some)
    }

    /// The queue, or the error that says none is set.
    pub fn require_queue(&self) -> Result<QueueUrl, Failure> {
        self.queue()?.ok_or_else(|| {
            Failure::config(
                "no queue is set: use --queue DIR, MISSIVE_QUEUE_URL, or queue in the config file",
            )
        })
    }

    /// The password: from `--password-file`, else the password command, else the config
    /// file's `password`, else the URL's.
    fn password(&self) -> Result<Option<String>, Failure> {
        if let Some(p) = &self.password_file {
            let text = std::fs::read_to_string(p).map_err(|e| {
                Failure::config(format!(
                    "cannot read the password file {}: {}",
                    p.display(),
                    missive::message::error::io_reason(&e)
                ))
            })?;
            return Ok(Some(text.trim_end_matches(['\r', '\n']).to_string()));
        }
        if let Some(cmd) = &self.password_command {
            let out = Command::new("/bin/sh")
                .args(["-c", cmd])
                .stdin(Stdio::null())
                .stderr(Stdio::inherit())
                .output()
                .map_err(|e| {
                    Failure::config(format!(
                        "cannot run the password command: {}",
                        missive::message::error::io_reason(&e)
                    ))
                })?;
            if !out.status.success() {
                return Err(Failure::config(format!(
                    "the password command failed ({})",
                    out.status
                )));
            }
            let text = String::from_utf8(out.stdout)
                .map_err(|_| Failure::config("the password command's output is not UTF-8"))?;
            let first = text.lines().next().unwrap_or("").to_string();
            return Ok(Some(first));
        }
        Ok(self.password.clone())
    }

    /// Whether a server is configured.
    pub fn has_server(&self) -> bool {
        self.url.is_some()
    }

    /// The SMTP settings from the URL, with credentials, CA file, timeouts and log.
    pub fn smtp_config(&self) -> Result<SmtpConfig, Failure> {
        let url = self.url.as_deref().ok_or_else(|| {
            Failure::config(
                "no SMTP server is set: use --url, MISSIVE_SMTP_URL, or url in the config file \
                 (e.g. smtp+starttls://user@mail.example.org:587)",
            )
        })?;
        let mut smtp = parse_url(url).map_err(|e| Failure::config(e.message))?;
        let (url_user, url_pass) = match smtp.credentials.take() {
            Some(c) => {
                let pass = match &c.secret {
                    Secret::Password(p) | Secret::OAuth2Token(p) => p.clone(),
                    // A URL never holds a token provider.
                    Secret::OAuth2Provider(_) => String::new(),
                };
                (Some(c.username), (!pass.is_empty()).then_some(pass))
            }
            None => (None, None),
        };
        let username = self.username.clone().or(url_user);
        if let Some(user) = username.filter(|u| !u.is_empty()) {
            let password = self.password()?.or(url_pass).ok_or_else(|| {
                Failure::config(format!(
                    "a user name ({user}) is set but no password: use --password-file, \
                     --password-command, or password / password_command in the config file"
                ))
            })?;
            smtp.credentials = Some(missive::smtp::Credentials::password(user, password));
        }
        if let Some(ca) = &self.ca_file {
            smtp.tls.ca_file = Some(ca.clone());
        }
        if let Some(p) = &self.proxy {
            smtp.proxy =
                Some(missive::smtp::parse_proxy_url(p).map_err(|e| Failure::config(e.message))?);
        }
        if let Some(t) = self.timeout {
            let t = Duration::from_secs(t.max(1));
            smtp.connect_timeout = t;
            smtp.greeting_timeout = t;
            smtp.command_timeout = t;
        }
        if self.verbose {
            let log: ProtocolLog = Arc::new(|dir, line: &str| {
                let arrow = match dir {
                    LogDirection::Sent => "C:",
                    LogDirection::Received => "S:",
                };
                eprintln!("{arrow} {line}");
            });
            smtp.protocol_log = Some(log);
        }
        Ok(smtp)
    }

    /// A client for the configured server (and queue, when one is set).
    pub fn client(&self) -> Result<Client, Failure> {
        let smtp = self.smtp_config()?;
        self.client_with(smtp)
    }

    /// A client with the given SMTP settings (and the queue, when one is set).
    pub fn client_with(&self, mut smtp: SmtpConfig) -> Result<Client, Failure> {
        let queue = self.queue()?;
        let client = Client::new();
        let creds = smtp.credentials.take();
        client.configure(|c| {
            c.smtp = smtp;
            if let Some(cr) = creds {
                c.username = cr.username;
                c.password = match &cr.secret {
                    Secret::Password(p) | Secret::OAuth2Token(p) => p.clone(),
                    Secret::OAuth2Provider(_) => String::new(),
                };
            }
            apply_queue(c, queue);
        });
        Ok(client)
    }

    /// A client for queue operations that need no server (enqueue, list, state).
    pub fn queue_client(&self) -> Result<Client, Failure> {
        let queue = self.require_queue()?;
        let client = Client::new();
        client.configure(|c| apply_queue(c, Some(queue)));
        Ok(client)
    }
}

/// Sets the client's queue (none, a directory, or a database).
fn apply_queue(c: &mut missive::deliver::ClientConfig, queue: Option<QueueUrl>) {
    match queue {
        None => {
            c.queue.directory = None;
            c.queue_backend.database = None;
        }
        Some(QueueUrl::Directory(dir)) => {
            c.queue.directory = Some(dir);
            c.queue_backend.database = None;
        }
        Some(QueueUrl::Postgres(db)) => c.queue_backend.database = Some(db),
    }
}

/// A queue given as a path, a `file://` URL or a `postgres://` URL (see
/// [`QueueUrl::parse`]).
pub fn queue_path(q: &str) -> Result<QueueUrl, Failure> {
    if !q.contains("://") {
        return Ok(QueueUrl::Directory(PathBuf::from(q)));
    }
    QueueUrl::parse(q).map_err(|e| Failure::config(format!("queue URL: {}", e.message)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_with_passwords() {
        assert!(url_has_password("smtp://me:pw@host:25"));
        assert!(!url_has_password("smtp://me@host:25"));
        assert!(!url_has_password("smtp://host:25"));
    }

    #[test]
    fn queue_urls() {
        let dir = |p: &str| QueueUrl::Directory(PathBuf::from(p));
        assert_eq!(queue_path("/q").unwrap(), dir("/q"));
        assert_eq!(queue_path("file:///q/x").unwrap(), dir("/q/x"));
        assert_eq!(queue_path("rel/q").unwrap(), dir("rel/q"));
        match queue_path("postgres://u:pw@db.example:5432/mail?schema=q1").unwrap() {
            QueueUrl::Postgres(db) => assert_eq!(db.schema, "q1"),
            other => panic!("{other:?}"),
        }
        assert!(
            queue_path("redis://h/0")
                .unwrap_err()
                .message
                .contains("not supported")
        );
        assert!(queue_path("file://other/q").is_err());
    }
}
