//! The SMTP wire: reply parser, commands, transport (TCP, rustls), authentication, session.
#![forbid(unsafe_code)]

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
