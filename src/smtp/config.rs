//! Connection settings, credentials, and `smtp://` URLs.

use std::fmt;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::AtomicU64;
use std::time::{Duration, Instant};

use super::{Security, SmtpError, SmtpErrorKind};

/// Default [`SmtpConfig::total_timeout`]: 10 minutes per call.
pub const DEFAULT_TOTAL_TIMEOUT: Duration = Duration::from_secs(600);

/// Default [`SmtpConfig::pipeline_window`]: transactions written ahead of their replies.
pub const DEFAULT_PIPELINE_WINDOW: usize = 32;

/// Direction of a protocol log line.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LogDirection {
    /// A line the client sent.
    Sent,
    /// A line the server sent.
    Received,
}

/// The protocol log callback: called with every line sent or received (without its CRLF).
/// AUTH secrets are replaced by `<redacted>`; the message content is summarised as one line
/// `<N bytes of message data>`.
pub type ProtocolLog = Arc<dyn Fn(LogDirection, &str) + Send + Sync>;

/// The secret part of [`Credentials`].
#[derive(Clone, PartialEq, Eq)]
pub enum Secret {
    /// A password (used with SCRAM-SHA-256, SCRAM-SHA-1, CRAM-MD5, PLAIN or LOGIN).
    Password(String),
    /// An OAuth 2 access token (used with OAUTHBEARER or XOAUTH2).
    OAuth2Token(String),
    /// A source of OAuth 2 access tokens, asked before each AUTH and once more, with
    /// `refresh`, after the server refused a token (used with OAUTHBEARER or XOAUTH2).
    OAuth2Provider(TokenProvider),
}

impl Secret {
    /// Whether this is an OAuth 2 token (or a source of them) rather than a password.
    pub fn is_token(&self) -> bool {
        matches!(self, Secret::OAuth2Token(_) | Secret::OAuth2Provider(_))
    }
}

/// A source of OAuth 2 access tokens: called with `refresh` = false before AUTH, and with
/// `refresh` = true when the server refused the token it gave (AUTH is then tried once more
/// with the new token). Returns the token, or a message that says why there is none (the send
/// then fails with [`SmtpErrorKind::TokenProvider`](super::SmtpErrorKind::TokenProvider)).
///
/// It runs on the thread that opens the connection. Two providers are equal when they are
/// clones of one another. `Debug` shows no token.
#[derive(Clone)]
pub struct TokenProvider(Arc<dyn Fn(bool) -> Result<String, String> + Send + Sync>);

impl TokenProvider {
    /// Wraps `f` (`f(refresh)` returns the token or an error message).
    pub fn new(f: impl Fn(bool) -> Result<String, String> + Send + Sync + 'static) -> Self {
        TokenProvider(Arc::new(f))
    }

    /// Asks for a token (`refresh`: the last one was refused).
    pub fn token(&self, refresh: bool) -> Result<String, String> {
        (self.0)(refresh)
    }
}

impl PartialEq for TokenProvider {
    fn eq(&self, other: &Self) -> bool {
        Arc::ptr_eq(&self.0, &other.0)
    }
}

impl Eq for TokenProvider {}

impl fmt::Debug for TokenProvider {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("TokenProvider(<callback>)")
    }
}

/// A user name and a password or OAuth 2 access token. `Debug` does not show the secret.
#[derive(Clone, PartialEq, Eq)]
pub struct Credentials {
    /// The user name.
    pub username: String,
    /// The password or token.
    pub secret: Secret,
}

impl Drop for Secret {
    /// The password or token is wiped from memory (every copy is a `Secret` of its own).
    fn drop(&mut self) {
        use zeroize::Zeroize;
        match self {
            Secret::Password(s) | Secret::OAuth2Token(s) => s.zeroize(),
            // The provider holds no token of its own.
            Secret::OAuth2Provider(_) => {}
        }
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Secret::Password(_) => f.write_str("Password(<redacted>)"),
            Secret::OAuth2Token(_) => f.write_str("OAuth2Token(<redacted>)"),
            Secret::OAuth2Provider(_) => f.write_str("OAuth2Provider(<callback>)"),
        }
    }
}

impl Credentials {
    /// User name and password.
    pub fn password(username: impl Into<String>, password: impl Into<String>) -> Credentials {
        Credentials {
            username: username.into(),
            secret: Secret::Password(password.into()),
        }
    }

    /// User name and OAuth 2 access token (for OAUTHBEARER or XOAUTH2).
    pub fn oauth2(username: impl Into<String>, token: impl Into<String>) -> Credentials {
        Credentials {
            username: username.into(),
            secret: Secret::OAuth2Token(token.into()),
        }
    }

    /// User name and a source of OAuth 2 access tokens (see [`TokenProvider`]).
    pub fn oauth2_provider(username: impl Into<String>, provider: TokenProvider) -> Credentials {
        Credentials {
            username: username.into(),
            secret: Secret::OAuth2Provider(provider),
        }
    }
}

impl fmt::Debug for Credentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let kind = match self.secret {
            Secret::Password(_) => "Password(<redacted>)",
            Secret::OAuth2Token(_) => "OAuth2Token(<redacted>)",
            Secret::OAuth2Provider(_) => "OAuth2Provider(<callback>)",
        };
        f.debug_struct("Credentials")
            .field("username", &self.username)
            .field("secret", &kind)
            .finish()
    }
}

/// A SASL mechanism for AUTH.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum AuthMechanism {
    /// RFC 4616 PLAIN.
    Plain,
    /// The LOGIN mechanism (user name and password as two base64 lines).
    Login,
    /// RFC 2195 CRAM-MD5.
    CramMd5,
    /// Google/Microsoft XOAUTH2 (needs an OAuth 2 token).
    XOAuth2,
    /// RFC 7677 SCRAM-SHA-256 (password; the server proves it knows the password too).
    ScramSha256,
    /// RFC 5802 SCRAM-SHA-1 (password; the server proves it knows the password too).
    ScramSha1,
    /// RFC 7628 OAUTHBEARER (needs an OAuth 2 token).
    OAuthBearer,
}

impl AuthMechanism {
    /// The mechanism's name as in the EHLO AUTH line.
    pub fn name(self) -> &'static str {
        match self {
            AuthMechanism::Plain => "PLAIN",
            AuthMechanism::Login => "LOGIN",
            AuthMechanism::CramMd5 => "CRAM-MD5",
            AuthMechanism::XOAuth2 => "XOAUTH2",
            AuthMechanism::ScramSha256 => "SCRAM-SHA-256",
            AuthMechanism::ScramSha1 => "SCRAM-SHA-1",
            AuthMechanism::OAuthBearer => "OAUTHBEARER",
        }
    }

    /// Whether the mechanism takes an OAuth 2 token (else a password).
    pub fn uses_token(self) -> bool {
        matches!(self, AuthMechanism::XOAuth2 | AuthMechanism::OAuthBearer)
    }

    /// Parses a mechanism name (case-insensitive).
    pub fn from_name(name: &str) -> Option<AuthMechanism> {
        [
            AuthMechanism::Plain,
            AuthMechanism::Login,
            AuthMechanism::CramMd5,
            AuthMechanism::XOAuth2,
            AuthMechanism::ScramSha256,
            AuthMechanism::ScramSha1,
            AuthMechanism::OAuthBearer,
        ]
        .into_iter()
        .find(|m| m.name().eq_ignore_ascii_case(name))
    }
}

/// Lowest TLS version accepted.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default, PartialOrd, Ord)]
pub enum TlsVersion {
    /// TLS 1.2 or 1.3.
    #[default]
    Tls12,
    /// TLS 1.3 only.
    Tls13,
}

/// A client certificate for TLS client authentication.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ClientCertificate {
    /// PEM file with the certificate chain, leaf first.
    pub cert_chain_file: PathBuf,
    /// PEM file with the private key (PKCS#8, PKCS#1 or SEC1).
    pub key_file: PathBuf,
}

/// TLS settings.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TlsOptions {
    /// A PEM file of extra trusted CA certificates.
    pub ca_file: Option<PathBuf>,
    /// Trust the operating system's certificate store (default true).
    pub use_system_roots: bool,
    /// Trust the bundled Mozilla roots of `webpki-roots` (default true).
    pub use_webpki_roots: bool,
    /// Lowest TLS version (default 1.2).
    pub min_version: TlsVersion,
    /// Client certificate and key, if the server wants one.
    pub client_certificate: Option<ClientCertificate>,
    /// DANGEROUS: accept any server certificate (expired, self-signed, wrong name). The
    /// handshake signatures are still verified, but the server is not authenticated, so a
    /// man in the middle can read everything, credentials included. Default false.
    pub dangerous_accept_invalid_certs: bool,
    /// Name to send as SNI and to verify the certificate against, instead of `host`.
    pub sni_override: Option<String>,
}

impl Default for TlsOptions {
    fn default() -> Self {
        TlsOptions {
            ca_file: None,
            use_system_roots: true,
            use_webpki_roots: true,
            min_version: TlsVersion::Tls12,
            client_certificate: None,
            dangerous_accept_invalid_certs: false,
            sni_override: None,
        }
    }
}

/// Everything needed to open an SMTP session.
#[derive(Clone)]
pub struct SmtpConfig {
    /// Host name or IP address (an IPv6 address may be written in brackets).
    pub host: String,
    /// TCP port; 0 means the default for `security`: 465 for SslImplicit, else 25.
    pub port: u16,
    /// How the connection is secured.
    pub security: Security,
    /// Credentials for AUTH, if any.
    pub credentials: Option<Credentials>,
    /// The AUTH mechanism; `None` picks the strongest both sides support.
    pub auth_mechanism: Option<AuthMechanism>,
    /// The EHLO name; `None` uses the machine's fully qualified name when it has one, else
    /// the address literal of the local socket address (e.g. `[192.0.2.1]`).
    pub client_name: Option<String>,
    /// Timeout for each TCP connection attempt.
    pub connect_timeout: Duration,
    /// Timeout for the server's greeting.
    pub greeting_timeout: Duration,
    /// Timeout for each reply and each write: the whole reply (or TLS handshake) must arrive
    /// within it, however slowly its bytes trickle in.
    pub command_timeout: Duration,
    /// The most one call may take in total: connecting (TCP, TLS, greeting, EHLO, STARTTLS,
    /// AUTH) plus the transactions of that call (one message, one batch of a collection, one
    /// forward or stream). Zero means no limit. Default [`DEFAULT_TOTAL_TIMEOUT`].
    pub total_timeout: Duration,
    /// TLS settings.
    pub tls: TlsOptions,
    /// Use PIPELINING when the server advertises it (default true).
    pub pipelining: bool,
    /// Send with BDAT when the server advertises CHUNKING (default true); DATA otherwise.
    pub chunking: bool,
    /// Most whole transactions (MAIL, RCPTs, BDAT ... LAST) written ahead of their replies when
    /// the server offers CHUNKING and PIPELINING (default [`DEFAULT_PIPELINE_WINDOW`]; 1 waits
    /// for each message's replies before the next is written); whatever this says, no more
    /// than 4 MiB of content besides the oldest transaction's. A connection lost with
    /// transactions in flight leaves those whose final reply is missing with an unknown
    /// outcome, so the window also bounds how many that can be.
    pub pipeline_window: usize,
    /// Fail (without sending the message) when any recipient is refused (default false).
    pub require_all_recipients: bool,
    /// Protocol log callback.
    pub protocol_log: Option<ProtocolLog>,
    /// Start each protocol log line with the number of its connection, `[N] ` (default
    /// false): connections are numbered 1, 2, ... in the order they are opened with this
    /// configuration and its clones (one client), so the lines of several connections at once
    /// can be told apart.
    pub log_connection_numbers: bool,
    /// Connections opened so far with this configuration and its clones.
    pub(crate) connections_opened: Arc<AtomicU64>,
    /// A SOCKS or HTTP CONNECT proxy to reach the server through (default none). The server's
    /// host name is resolved by the proxy (SOCKS5 with `socks5h`/`socks5`, SOCKS4a, HTTP), and
    /// TLS runs end to end through the tunnel, checked against `host`.
    pub proxy: Option<super::ProxyConfig>,
}

impl SmtpConfig {
    /// Settings for `host` with the defaults: port 0 (default port), [`Security::Auto`], no
    /// credentials, timeouts 30 s / 60 s / 120 s, a total limit of 10 minutes per call,
    /// certificates verified, pipelining on.
    pub fn new(host: impl Into<String>) -> SmtpConfig {
        SmtpConfig {
            host: host.into(),
            port: 0,
            security: Security::Auto,
            credentials: None,
            auth_mechanism: None,
            client_name: None,
            connect_timeout: Duration::from_secs(30),
            greeting_timeout: Duration::from_secs(60),
            command_timeout: Duration::from_secs(120),
            total_timeout: DEFAULT_TOTAL_TIMEOUT,
            tls: TlsOptions::default(),
            pipelining: true,
            chunking: true,
            pipeline_window: DEFAULT_PIPELINE_WINDOW,
            require_all_recipients: false,
            protocol_log: None,
            log_connection_numbers: false,
            connections_opened: Arc::new(AtomicU64::new(0)),
            proxy: None,
        }
    }

    /// The port actually used: `port`, or the default for `security` when `port` is 0.
    pub fn effective_port(&self) -> u16 {
        match (self.port, self.security) {
            (0, Security::SslImplicit) => 465,
            (0, _) => 25,
            (p, _) => p,
        }
    }

    /// When a call starting now must end: now + [`SmtpConfig::total_timeout`], or `None`
    /// without a limit.
    pub fn call_deadline(&self) -> Option<Instant> {
        (!self.total_timeout.is_zero()).then(|| Instant::now() + self.total_timeout)
    }

    /// Whether TLS starts with the first byte (SslImplicit, or Auto on port 465).
    pub fn implicit_tls(&self) -> bool {
        match self.security {
            Security::SslImplicit => true,
            Security::Auto => self.effective_port() == 465,
            _ => false,
        }
    }
}

impl fmt::Debug for SmtpConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SmtpConfig")
            .field("host", &self.host)
            .field("port", &self.port)
            .field("security", &self.security)
            .field("credentials", &self.credentials)
            .field("auth_mechanism", &self.auth_mechanism)
            .field("client_name", &self.client_name)
            .field("connect_timeout", &self.connect_timeout)
            .field("greeting_timeout", &self.greeting_timeout)
            .field("command_timeout", &self.command_timeout)
            .field("total_timeout", &self.total_timeout)
            .field("tls", &self.tls)
            .field("pipelining", &self.pipelining)
            .field("chunking", &self.chunking)
            .field("pipeline_window", &self.pipeline_window)
            .field("require_all_recipients", &self.require_all_recipients)
            .field(
                "protocol_log",
                &self.protocol_log.as_ref().map(|_| "<callback>"),
            )
            .field("log_connection_numbers", &self.log_connection_numbers)
            .field("proxy", &self.proxy)
            .finish()
    }
}

/// Parses an SMTP URL into a configuration with the defaults of [`SmtpConfig::new`].
///
/// Schemes: `smtp://` = [`Security::Auto`], `smtp+starttls://` = [`Security::SslExplicit`],
/// `smtps://` = [`Security::SslImplicit`], `smtp+plain://` = [`Security::None`]. The user
/// name and password are percent-decoded. Query parameters: `client_name=NAME` and
/// `auth=PLAIN|LOGIN|CRAM-MD5|XOAUTH2|SCRAM-SHA-256|SCRAM-SHA-1|OAUTHBEARER`. Example: `smtps://me%40example.org:s3cret@mail.example.org:465`.
pub fn parse_url(url: &str) -> Result<SmtpConfig, SmtpError> {
    parse_url_inner(url).map_err(|e| {
        // A '?', '#' or '/' left unencoded in the user name or password ends the authority
        // early, and the rest of the user-info is then read as host, port or query: an error
        // text would quote part of the password. When an '@' follows such a character, say
        // what to do without quoting anything.
        let after_scheme = url.split_once("://").map_or(url, |(_, r)| r);
        let early_end = after_scheme.find(['?', '#', '/']);
        match (early_end, after_scheme.rfind('@')) {
            (Some(end), Some(at)) if end < at => SmtpError::new(
                SmtpErrorKind::InvalidInput,
                "invalid SMTP URL: the user name or password holds a '?', '#' or '/' \
                 (percent-encode it: %3F, %23, %2F)",
            ),
            _ => e,
        }
    })
}

fn parse_url_inner(url: &str) -> Result<SmtpConfig, SmtpError> {
    let bad = |why: &str| {
        SmtpError::new(
            SmtpErrorKind::InvalidInput,
            format!("invalid SMTP URL: {why}"),
        )
    };
    let (scheme, rest) = url
        .split_once("://")
        .ok_or_else(|| bad("missing \"://\""))?;
    let security = match scheme.to_ascii_lowercase().as_str() {
        "smtp" => Security::Auto,
        "smtp+starttls" => Security::SslExplicit,
        "smtps" => Security::SslImplicit,
        "smtp+plain" => Security::None,
        other => {
            return Err(bad(&format!(
                "unknown scheme{} (smtp, smtp+starttls, smtps or smtp+plain)",
                shown_scheme(other)
            )));
        }
    };
    let (before_query, query) = match rest.split_once('?') {
        Some((a, q)) => (a, Some(q)),
        None => (rest, None),
    };
    let authority = match before_query.split_once('/') {
        Some((a, path)) => {
            if !path.is_empty() {
                return Err(bad("a path is not allowed"));
            }
            a
        }
        None => before_query,
    };
    let (userinfo, hostport) = match authority.rfind('@') {
        Some(i) => (Some(&authority[..i]), &authority[i + 1..]),
        None => (None, authority),
    };
    let (host, port) = if let Some(v6) = hostport.strip_prefix('[') {
        let end = v6.find(']').ok_or_else(|| bad("unclosed '[' in host"))?;
        let host = &v6[..end];
        let after = &v6[end + 1..];
        let port = match after {
            "" => None,
            p => Some(p.strip_prefix(':').ok_or_else(|| bad("junk after ']'"))?),
        };
        (host.to_string(), port)
    } else {
        match hostport.rsplit_once(':') {
            Some((h, p)) => (h.to_string(), Some(p)),
            None => (hostport.to_string(), None),
        }
    };
    if host.is_empty() {
        return Err(bad("missing host"));
    }
    if host
        .bytes()
        .any(|b| b <= b' ' || matches!(b, b'/' | b'@' | b'%' | b'[' | b']' | 0x7f))
    {
        return Err(bad("invalid character in host"));
    }
    let mut config = SmtpConfig::new(host);
    config.security = security;
    if let Some(p) = port {
        config.port = p.parse().map_err(|_| bad(&format!("invalid port {p:?}")))?;
    }
    if let Some(info) = userinfo {
        let (user, pass) = match info.split_once(':') {
            Some((u, p)) => (u, Some(p)),
            None => (info, None),
        };
        let user = percent_decode(user).ok_or_else(|| bad("bad percent-encoding in user name"))?;
        let pass = match pass {
            Some(p) => percent_decode(p).ok_or_else(|| bad("bad percent-encoding in password"))?,
            None => String::new(),
        };
        if user.is_empty() {
            return Err(bad("empty user name"));
        }
        config.credentials = Some(Credentials::password(user, pass));
    }
    if let Some(q) = query {
        for pair in q.split('&').filter(|p| !p.is_empty()) {
            let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
            let v = percent_decode(v).ok_or_else(|| bad("bad percent-encoding in query"))?;
            match k {
                "client_name" => config.client_name = Some(v),
                "auth" => {
                    config.auth_mechanism = Some(
                        AuthMechanism::from_name(&v)
                            .ok_or_else(|| bad(&format!("unknown auth mechanism {v:?}")))?,
                    )
                }
                other => return Err(bad(&format!("unknown parameter {other:?}"))),
            }
        }
    }
    Ok(config)
}

/// ` "scheme"` for an error text when `scheme` looks like one, else nothing: in a malformed URL
/// the text before "://" may hold a user name and password, which an error must not echo.
pub(crate) fn shown_scheme(scheme: &str) -> String {
    let looks_like_one = !scheme.is_empty()
        && scheme.len() <= 16
        && scheme
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'+' | b'-' | b'.'));
    if looks_like_one {
        format!(" {scheme:?}")
    } else {
        String::new()
    }
}

/// Decodes `%XX` escapes; `None` on a bad escape or when the result is not UTF-8. The one
/// decoder of URL parts (SMTP, proxy and queue URLs).
pub(crate) fn percent_decode(s: &str) -> Option<String> {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = bytes.get(i + 1..i + 3)?;
            let hi = (hex[0] as char).to_digit(16)?;
            let lo = (hex[1] as char).to_digit(16)?;
            out.push((hi * 16 + lo) as u8);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}
