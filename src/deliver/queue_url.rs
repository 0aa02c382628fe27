//! Queue URLs: `file:///absolute/path` (the filesystem queue) and `postgres://...` (the
//! PostgreSQL queue), and the settings of a database queue (lease, idempotent enqueue).

use std::path::PathBuf;
use std::time::Duration;

use super::queue::{QueueError, QueueErrorKind};
use crate::smtp::percent_decode;

/// The default lease of a database queue's claim: how long a drainer may hold a message
/// before another may take it (renewed while the message is being sent).
pub const DEFAULT_LEASE: Duration = Duration::from_secs(30);

/// The shortest lease accepted.
pub const MIN_LEASE: Duration = Duration::from_millis(500);

/// A PostgreSQL queue, as named by a `postgres://` queue URL.
#[derive(Clone, PartialEq, Eq)]
pub struct DatabaseQueue {
    /// The connection URL as given, without the parameters missive reads itself (`schema`,
    /// `sslrootcert`), for the PostgreSQL client.
    pub connect_url: String,
    /// The schema that holds the queue's tables (`?schema=`, default `missive`).
    pub schema: String,
    /// TLS to the database (`sslmode=require`, `verify-ca` or `verify-full`): by rustls,
    /// verifying the server's certificate against the system's roots, the Mozilla roots, and
    /// `sslrootcert` when given.
    pub tls: bool,
    /// A PEM file of extra trusted roots (`?sslrootcert=`).
    pub root_cert: Option<PathBuf>,
}

impl std::fmt::Debug for DatabaseQueue {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Never the password.
        f.debug_struct("DatabaseQueue")
            .field("url", &redact_url(&self.connect_url))
            .field("schema", &self.schema)
            .field("tls", &self.tls)
            .finish()
    }
}

/// A URL with its password replaced by `***`, for messages. The user-info is taken to end at
/// the last `@`, so that a password holding an unencoded `/`, `?` or `#` is hidden too (a query
/// value holding `@` is then hidden with it: more, never less).
pub fn redact_url(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_string();
    };
    match rest.rfind('@') {
        Some(at) => match rest[..at].split_once(':') {
            Some((user, _)) => format!("{scheme}://{user}:***{}", &rest[at..]),
            None => url.to_string(),
        },
        None => url.to_string(),
    }
}

/// Where the queue is and how a database queue's drains hold their messages.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct QueueBackendSettings {
    /// A PostgreSQL queue (set by a `postgres://` URL); when `None`, the queue is the
    /// directory of [`QueueSettings::directory`](super::QueueSettings::directory).
    pub database: Option<DatabaseQueue>,
    /// How long a drainer holds a claimed message of a database queue before another may take
    /// it; renewed every third of it while the message is being sent. Default 30 s.
    pub lease: Duration,
    /// Enqueue at most once per Message-ID: a message whose Message-ID is already in the
    /// queue is not added again.
    pub idempotent: bool,
}

impl Default for QueueBackendSettings {
    fn default() -> Self {
        QueueBackendSettings {
            database: None,
            lease: DEFAULT_LEASE,
            idempotent: false,
        }
    }
}

/// A queue named by URL.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum QueueUrl {
    /// `file:///absolute/path`: the filesystem queue in that directory.
    Directory(PathBuf),
    /// `postgres://` or `postgresql://`: the queue in a PostgreSQL database.
    Postgres(DatabaseQueue),
}

fn bad_url(message: String) -> QueueError {
    QueueError {
        kind: QueueErrorKind::UrlInvalid,
        message,
    }
}

impl QueueUrl {
    /// Parses a queue URL: `file:///absolute/path` (also `file://localhost/path`), or
    /// `postgres://user:pass@host:port/db?schema=NAME` (`postgresql://` too; `schema`
    /// defaults to `missive` and must be a plain identifier; every other parameter goes to the
    /// PostgreSQL client, e.g. `sslmode`, `connect_timeout`, `host=/socket/dir`).
    pub fn parse(url: &str) -> Result<QueueUrl, QueueError> {
        let Some((scheme, rest)) = url.split_once("://") else {
            return Err(bad_url(format!(
                "the queue URL {:?} has no scheme (expected file:///path or postgres://...)",
                redact_url(url)
            )));
        };
        match scheme.to_ascii_lowercase().as_str() {
            "file" => {
                let path = rest.strip_prefix("localhost").unwrap_or(rest);
                if !path.starts_with('/') {
                    return Err(bad_url(format!(
                        "the file queue URL {url:?} names no absolute path (expected \
                         file:///absolute/path; a host other than localhost is not allowed)"
                    )));
                }
                if path.contains(['?', '#']) {
                    return Err(bad_url(format!(
                        "the file queue URL {url:?} has a query or fragment; a file queue takes none"
                    )));
                }
                let path = percent_decode(path).ok_or_else(|| {
                    bad_url(format!("the file queue URL {url:?} has a bad %-escape"))
                })?;
                Ok(QueueUrl::Directory(PathBuf::from(path)))
            }
            "postgres" | "postgresql" => {
                let (base, query) = match rest.split_once('?') {
                    Some((b, q)) => (b, Some(q)),
                    None => (rest, None),
                };
                let mut schema = "missive".to_string();
                let mut root_cert = None;
                let mut tls = false;
                let mut kept = Vec::new();
                for pair in query.unwrap_or("").split('&').filter(|p| !p.is_empty()) {
                    let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
                    let v_dec = percent_decode(v).ok_or_else(|| {
                        bad_url(format!(
                            "the queue URL {:?} has a bad %-escape in {k}",
                            redact_url(url)
                        ))
                    })?;
                    match k {
                        "schema" => schema = v_dec,
                        "sslrootcert" => root_cert = Some(PathBuf::from(v_dec)),
                        "sslmode" => {
                            match v_dec.as_str() {
                                "disable" | "prefer" | "allow" => tls = false,
                                "require" | "verify-ca" | "verify-full" => tls = true,
                                other => {
                                    return Err(bad_url(format!(
                                        "the queue URL's sslmode {other:?} is not one of \
                                         disable, prefer, require, verify-ca, verify-full"
                                    )));
                                }
                            }
                            // The client verifies the certificate itself (rustls).
                            let mode = if tls { "require" } else { "disable" };
                            kept.push(format!("sslmode={mode}"));
                        }
                        _ => kept.push(pair.to_string()),
                    }
                }
                let ident_ok = !schema.is_empty()
                    && schema.len() <= 63
                    && schema
                        .chars()
                        .next()
                        .is_some_and(|c| c.is_ascii_lowercase() || c == '_')
                    && schema
                        .chars()
                        .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
                if !ident_ok {
                    return Err(bad_url(format!(
                        "the queue URL's schema {schema:?} is not a plain identifier \
                         (lower-case letters, digits and _, not starting with a digit, at \
                         most 63 characters)"
                    )));
                }
                let mut connect_url = format!("{scheme}://{base}");
                if !kept.is_empty() {
                    connect_url.push('?');
                    connect_url.push_str(&kept.join("&"));
                }
                Ok(QueueUrl::Postgres(DatabaseQueue {
                    connect_url,
                    schema,
                    tls,
                    root_cert,
                }))
            }
            _ => Err(bad_url(format!(
                "the queue URL {:?}: the scheme {scheme:?} is not supported (expected \
                 file:///absolute/path or postgres://user:password@host:port/database)",
                redact_url(url)
            ))),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn redaction_hides_a_password_with_unencoded_delimiters() {
        for (url, want) in [
            (
                "postgres://u:secret@h:5432/db",
                "postgres://u:***@h:5432/db",
            ),
            ("postgres://u:se/cret@h/db", "postgres://u:***@h/db"),
            (
                "postgres://u:se?cr#et@h/db?schema=s",
                "postgres://u:***@h/db?schema=s",
            ),
            ("postgres://u@h/db", "postgres://u@h/db"),
            ("postgres://h/db", "postgres://h/db"),
        ] {
            assert_eq!(redact_url(url), want, "{url}");
        }
    }

    #[test]
    fn queue_urls_parse_or_name_the_problem() {
        assert_eq!(
            QueueUrl::parse("file:///var/spool/app").unwrap(),
            QueueUrl::Directory(PathBuf::from("/var/spool/app"))
        );
        assert_eq!(
            QueueUrl::parse("file://localhost/a%20b").unwrap(),
            QueueUrl::Directory(PathBuf::from("/a b"))
        );
        let QueueUrl::Postgres(db) = QueueUrl::parse(
            "postgres://u:p%40ss@db:5432/mail?schema=q_1&sslmode=verify-full&sslrootcert=/ca.pem&connect_timeout=3",
        )
        .unwrap() else {
            panic!("not postgres")
        };
        assert_eq!(db.schema, "q_1");
        assert!(db.tls);
        assert_eq!(db.root_cert, Some(PathBuf::from("/ca.pem")));
        assert_eq!(
            db.connect_url,
            "postgres://u:p%40ss@db:5432/mail?sslmode=require&connect_timeout=3"
        );
        assert!(!format!("{db:?}").contains("p%40ss"), "{db:?}");
        let QueueUrl::Postgres(db) = QueueUrl::parse("postgresql://h/db").unwrap() else {
            panic!("not postgres")
        };
        assert_eq!((db.schema.as_str(), db.tls), ("missive", false));
        for (url, why) in [
            ("mysql://h/db", "not supported"),
            ("no-scheme", "no scheme"),
            ("file://host/q", "absolute"),
            ("postgres://h/db?schema=", "plain identifier"),
            ("postgres://h/db?schema=1abc", "plain identifier"),
            ("postgres://h/db?schema=a%2", "%-escape"),
            ("postgres://h/db?sslmode=yes", "sslmode"),
        ] {
            let e = QueueUrl::parse(url).unwrap_err();
            assert_eq!(e.kind, QueueErrorKind::UrlInvalid);
            assert!(e.message.contains(why), "{url}: {}", e.message);
        }
        assert_eq!(
            redact_url("postgres://me:secret@h:5432/db?x=1"),
            "postgres://me:***@h:5432/db?x=1"
        );
        assert_eq!(redact_url("postgres://me@h/db"), "postgres://me@h/db");
    }
}
