//! The SMTP wire: reply parser, commands, transport (TCP, rustls), authentication, session.
//!
//! This module knows nothing about C or about the message model: the caller hands it an
//! [`Envelope`] and the message bytes.
//!
//! ```no_run
//! use missive::smtp::{Credentials, Envelope, Security, SmtpClient, SmtpConfig};
//! let mut config = SmtpConfig::new("mail.example.org");
//! config.port = 587;
//! config.security = Security::SslExplicit;
//! config.credentials = Some(Credentials::password("me@example.org", "secret"));
//! let mut client = SmtpClient::new(config);
//! let env = Envelope::new("me@example.org", ["you@example.net"]);
//! let result = client.send(&env, b"Subject: hi\r\n\r\nHello\r\n")?;
//! println!("queued as {:?}", result.reply.queue_id());
//! # Ok::<(), missive::smtp::SmtpError>(())
//! ```
#![forbid(unsafe_code)]

mod auth;
mod caps;
mod client;
mod config;
mod connection;
mod data;
mod envelope;
mod error;
mod proxy;
mod reply;
mod tls;

pub use caps::Capabilities;
pub use client::{DEFAULT_IDLE_CHECK, SmtpClient};
pub(crate) use config::percent_decode;
pub use config::{
    AuthMechanism, ClientCertificate, Credentials, DEFAULT_PIPELINE_WINDOW, DEFAULT_TOTAL_TIMEOUT,
    LogDirection, ProtocolLog, Secret, SmtpConfig, TlsOptions, TlsVersion, TokenProvider,
    parse_url,
};
pub use connection::{SmtpConnection, TlsInfo};
pub use envelope::{DsnNotify, DsnRet, Envelope, Recipient, SendResult};
pub use error::{SmtpError, SmtpErrorKind, Stage, refused_text};
pub use proxy::{ProxyConfig, ProxyKind, parse_proxy_url};
pub use reply::{MAX_REPLY_LINE, MAX_REPLY_LINES, ParseError, Reply, parse_reply};
/// The rustls client configuration for TLS options (also used for the queue database).
#[cfg(feature = "postgres")]
pub(crate) use tls::client_config as tls_client_config;

/// How the connection to the SMTP server is secured.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum Security {
    /// Plain text; credentials may be sent in the clear because the user chose this.
    None,
    /// STARTTLS is required: fail when the server does not offer it.
    SslExplicit,
    /// TLS from the first byte (usually port 465).
    SslImplicit,
    /// Implicit TLS on port 465, STARTTLS when offered, plain text only without credentials.
    #[default]
    Auto,
}

/// Checks the configuration's credentials: connects (with TLS as configured), authenticates,
/// and quits. Without credentials it only checks that a session can be opened.
pub fn validate_credentials(config: &SmtpConfig) -> Result<(), SmtpError> {
    let conn = SmtpConnection::connect(config)?;
    conn.quit();
    Ok(())
}
