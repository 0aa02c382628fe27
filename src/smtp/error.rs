//! Errors of the SMTP engine.

use std::fmt;
use std::io;

use super::Reply;

/// The step of the SMTP session at which something happened.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Stage {
    /// Resolving the host name and opening the TCP connection.
    Connect,
    /// The TLS handshake (implicit TLS or after STARTTLS).
    TlsHandshake,
    /// Waiting for the server's greeting.
    Greeting,
    /// EHLO (or the HELO fallback).
    Ehlo,
    /// The STARTTLS command.
    StartTls,
    /// AUTH and its exchanges.
    Auth,
    /// MAIL FROM.
    Mail,
    /// RCPT TO.
    Rcpt,
    /// The DATA command (before the 354 reply).
    Data,
    /// Sending the message content, before the final dot was completely sent.
    DataBody,
    /// After the final dot was sent: waiting for the server's verdict on the message.
    /// Losing the connection here means the outcome is unknown.
    DataEnd,
    /// RSET.
    Rset,
    /// NOOP.
    Noop,
    /// QUIT.
    Quit,
}

impl fmt::Display for Stage {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let s = match self {
            Stage::Connect => "connect",
            Stage::TlsHandshake => "TLS handshake",
            Stage::Greeting => "greeting",
            Stage::Ehlo => "EHLO",
            Stage::StartTls => "STARTTLS",
            Stage::Auth => "AUTH",
            Stage::Mail => "MAIL FROM",
            Stage::Rcpt => "RCPT TO",
            Stage::Data => "DATA",
            Stage::DataBody => "message data",
            Stage::DataEnd => "end of data",
            Stage::Rset => "RSET",
            Stage::Noop => "NOOP",
            Stage::Quit => "QUIT",
        };
        f.write_str(s)
    }
}

/// What kind of failure an [`SmtpError`] is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum SmtpErrorKind {
    /// The host could not be resolved or no address accepted a TCP connection.
    Connect,
    /// The server did not answer (or accept data) within the configured timeout.
    Timeout {
        /// Where the timeout happened.
        stage: Stage,
    },
    /// TLS failed (handshake, configuration, or a TLS protocol error).
    Tls,
    /// STARTTLS was required (or needed to protect credentials) but the server does not offer it.
    TlsRequiredNotOffered,
    /// The server's certificate was refused.
    CertificateInvalid,
    /// The server refused the credentials.
    AuthFailed,
    /// No usable AUTH mechanism (or the server offers no AUTH at all).
    AuthUnsupported,
    /// The connection is not encrypted and credentials would have been sent in the clear.
    CredentialsRequireTls,
    /// The server answered a command with an error reply (see [`SmtpError::reply`]).
    ServerRejected {
        /// The command that was refused.
        stage: Stage,
    },
    /// Every recipient was refused (each one is in [`SmtpError::rejected`]).
    AllRecipientsRejected,
    /// Some recipients were refused and `require_all_recipients` is set: nothing was sent.
    SomeRecipientsRejected,
    /// The server sent something that is not a valid SMTP reply, or an unexpected one.
    ProtocolError,
    /// The server closed the connection (or it broke). With `stage` = [`Stage::DataEnd`]
    /// the final dot had been sent: the message may or may not have been accepted.
    ConnectionLost {
        /// Where the connection was lost.
        stage: Stage,
    },
    /// The envelope needs SMTPUTF8 and the server does not offer it.
    SmtpUtf8NotSupported,
    /// The message is larger than the server's advertised SIZE limit.
    MessageTooLarge,
    /// The caller's input is unusable (bad address, bad URL, bad configuration, bad file).
    InvalidInput,
    /// Another I/O error.
    Io,
    /// The proxy could not be reached, or it broke its protocol (SOCKS or HTTP CONNECT).
    Proxy,
    /// The proxy refused to open the tunnel to the SMTP server (its reply is in the message).
    ProxyRefused,
    /// The proxy refused the proxy user name and password (or wants some and none are set).
    ProxyAuthFailed,
    /// The OAuth 2 token provider gave no token (its message says why).
    TokenProvider,
}

/// An error of the SMTP engine: its kind, a human-readable message, and the server's reply
/// when there was one.
#[derive(Clone, Debug)]
pub struct SmtpError {
    /// What kind of failure this is.
    pub kind: SmtpErrorKind,
    /// A human-readable description.
    pub message: String,
    /// The server's reply that caused the error, if any.
    pub reply: Option<Reply>,
    /// Recipients refused during the transaction, each with the server's reply.
    pub rejected: Vec<(String, Reply)>,
}

impl SmtpError {
    /// Creates an error without a reply.
    pub fn new(kind: SmtpErrorKind, message: impl Into<String>) -> SmtpError {
        SmtpError {
            kind,
            message: message.into(),
            reply: None,
            rejected: Vec::new(),
        }
    }

    /// Creates an error carrying the server's reply; the message gets the reply appended.
    pub fn with_reply(kind: SmtpErrorKind, message: impl Into<String>, reply: Reply) -> SmtpError {
        let message = format!("{}: server replied {}", message.into(), reply);
        SmtpError {
            kind,
            message,
            reply: Some(reply),
            rejected: Vec::new(),
        }
    }

    pub(crate) fn from_io(stage: Stage, err: &io::Error) -> SmtpError {
        use io::ErrorKind as K;
        match err.kind() {
            K::WouldBlock | K::TimedOut => SmtpError::new(
                SmtpErrorKind::Timeout { stage },
                format!("timed out during {stage}"),
            ),
            K::UnexpectedEof
            | K::ConnectionReset
            | K::ConnectionAborted
            | K::BrokenPipe
            | K::NotConnected => SmtpError::new(
                SmtpErrorKind::ConnectionLost { stage },
                lost_message(stage, &err.to_string()),
            ),
            _ => {
                if let Some(tls) = err
                    .get_ref()
                    .and_then(|e| e.downcast_ref::<rustls::Error>())
                {
                    return SmtpError::from_tls(tls);
                }
                SmtpError::new(
                    SmtpErrorKind::Io,
                    format!("I/O error during {stage}: {err}"),
                )
            }
        }
    }

    pub(crate) fn from_tls(err: &rustls::Error) -> SmtpError {
        match err {
            rustls::Error::InvalidCertificate(why) => SmtpError::new(
                SmtpErrorKind::CertificateInvalid,
                format!("the server's certificate was refused: {why:?}"),
            ),
            other => SmtpError::new(SmtpErrorKind::Tls, format!("TLS error: {other}")),
        }
    }

    /// True when a later retry may succeed: network failures, timeouts, lost connections and
    /// 4xx replies. Check [`SmtpError::outcome_unknown`] before retrying a send.
    pub fn is_transient(&self) -> bool {
        match self.kind {
            SmtpErrorKind::Connect
            | SmtpErrorKind::Proxy
            | SmtpErrorKind::ProxyRefused
            | SmtpErrorKind::Timeout { .. }
            | SmtpErrorKind::ConnectionLost { .. }
            | SmtpErrorKind::Io => true,
            SmtpErrorKind::AllRecipientsRejected | SmtpErrorKind::SomeRecipientsRejected => {
                !self.rejected.is_empty() && self.rejected.iter().all(|(_, r)| r.is_transient())
            }
            _ => self.reply.as_ref().is_some_and(|r| r.is_transient()),
        }
    }

    /// True when the final dot of the message had been sent and no verdict arrived (lost
    /// connection or timeout): the server may have accepted the message. Resending may
    /// deliver it twice.
    pub fn outcome_unknown(&self) -> bool {
        matches!(
            self.kind,
            SmtpErrorKind::ConnectionLost {
                stage: Stage::DataEnd
            } | SmtpErrorKind::Timeout {
                stage: Stage::DataEnd
            }
        )
    }
}

pub(crate) fn lost_message(stage: Stage, detail: &str) -> String {
    if stage == Stage::DataEnd {
        format!(
            "connection lost after the end of the message was sent, before the server's reply; \
             outcome unknown, the message may have been delivered ({detail})"
        )
    } else {
        format!("connection lost during {stage} ({detail})")
    }
}

impl fmt::Display for SmtpError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)?;
        for (addr, reply) in &self.rejected {
            write!(f, "; <{addr}> refused: {reply}")?;
        }
        Ok(())
    }
}

impl std::error::Error for SmtpError {}
