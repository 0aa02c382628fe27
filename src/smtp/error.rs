//! Errors of the SMTP engine.

use std::fmt;
use std::io;

use super::Reply;
use crate::message::error::io_reason;

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
                lost_message(stage, &io_reason(err)),
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
                    format!("I/O error during {stage}: {}", io_reason(err)),
                )
            }
        }
    }

    pub(crate) fn from_tls(err: &rustls::Error) -> SmtpError {
        match err {
            rustls::Error::InvalidCertificate(why) => {
                SmtpError::new(SmtpErrorKind::CertificateInvalid, certificate_text(why))
            }
            rustls::Error::InvalidMessage(rustls::InvalidMessage::InvalidContentType) => {
                SmtpError::new(
                    SmtpErrorKind::Tls,
                    "the TLS handshake failed because the server did not answer in TLS",
                )
            }
            other => SmtpError::new(SmtpErrorKind::Tls, format!("TLS failed: {other}")),
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

/// The sentence for a refused server certificate: what is wrong with it, in words, and what
/// to do where the cause is common.
fn certificate_text(why: &rustls::CertificateError) -> String {
    use rustls::CertificateError as C;
    match why {
        C::NotValidForNameContext {
            expected,
            presented,
        } => {
            let names: Vec<String> = presented.iter().map(|n| presented_name(n)).collect();
            let expected = expected.to_str();
            if names.is_empty() {
                format!("the server's certificate names no host, so it is not valid for {expected}")
            } else {
                format!(
                    "the server's certificate is for {}, not {expected}: connect by a name the \
                     certificate lists",
                    names.join(" or ")
                )
            }
        }
        C::NotValidForName => {
            "the server's certificate is for another host name: connect by a name the \
             certificate lists"
                .to_string()
        }
        C::UnknownIssuer => "the server's certificate is not signed by a trusted authority \
             (self-signed or from a private CA: trust that CA with a CA file)"
            .to_string(),
        C::Expired | C::ExpiredContext { .. } => "the server's certificate has expired".to_string(),
        C::NotValidYet | C::NotValidYetContext { .. } => {
            "the server's certificate is not valid yet (check this machine's clock)".to_string()
        }
        C::Revoked => "the server's certificate has been revoked".to_string(),
        other => format!("the server's certificate was refused: {other}"),
    }
}

/// A name as webpki lists it (`DnsName("mail.example.org")`, `IpAddress(192.0.2.1)`), bare.
fn presented_name(raw: &str) -> String {
    if let Some(inner) = raw
        .strip_prefix("DnsName(\"")
        .and_then(|r| r.strip_suffix("\")"))
    {
        return inner.to_string();
    }
    if let Some(inner) = raw
        .strip_prefix("IpAddress(")
        .and_then(|r| r.strip_suffix(')'))
    {
        return inner.to_string();
    }
    raw.to_string()
}

/// A refused recipient for an error text: the server's reply, preceded by the address only
/// when the reply does not name it already (each fact once).
pub fn refused_text(addr: &str, reply: &Reply) -> String {
    let text = reply.to_string();
    if text
        .to_ascii_lowercase()
        .contains(&addr.to_ascii_lowercase())
    {
        text
    } else {
        format!("<{addr}>: {text}")
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
    /// The message, then each refused recipient with the server's reply (quoted once).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)?;
        for (i, (addr, reply)) in self.rejected.iter().enumerate() {
            let sep = if i == 0 { ": " } else { "; " };
            write!(f, "{sep}{}", refused_text(addr, reply))?;
        }
        Ok(())
    }
}

impl std::error::Error for SmtpError {}
