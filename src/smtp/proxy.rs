//! Reaching the SMTP server through a proxy: SOCKS5 (RFC 1928, with the user name and password
//! of RFC 1929), SOCKS4a (and SOCKS4) and HTTP CONNECT (RFC 9110 section 9.3.6, with basic
//! authentication). The proxy opens a TCP tunnel; everything after it (TLS, SMTP) runs end to
//! end through the tunnel exactly as over a direct connection.
//!
//! Written here rather than with the `socks` crate: that crate opens the connection to the
//! proxy itself with no timeout and reads its replies with none, so a silent proxy would hang a
//! call past [`SmtpConfig::total_timeout`](super::SmtpConfig::total_timeout), and its errors are
//! plain I/O errors from which "the proxy refused the target" cannot be told apart from "the
//! proxy is unreachable". The three handshakes are a few dozen bytes each.

use std::fmt;
use std::io::{self, Read, Write};
use std::net::{IpAddr, TcpStream, ToSocketAddrs};
use std::time::{Duration, Instant};

use super::config::{percent_decode, shown_scheme};
use super::{SmtpError, SmtpErrorKind, Stage};

/// The proxy protocol.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ProxyKind {
    /// SOCKS5 (`socks5://` or `socks5h://`): the SMTP host's name is sent to the proxy, which
    /// resolves it (an IP address is sent as an address).
    Socks5,
    /// SOCKS4a (`socks4a://`): the host name is resolved by the proxy.
    Socks4a,
    /// SOCKS4 (`socks4://`): the host name is resolved here (IPv4 only); prefer SOCKS4a.
    Socks4,
    /// HTTP CONNECT (`http://`): the host name is resolved by the proxy.
    HttpConnect,
}

impl ProxyKind {
    fn scheme(self) -> &'static str {
        match self {
            ProxyKind::Socks5 => "socks5",
            ProxyKind::Socks4a => "socks4a",
            ProxyKind::Socks4 => "socks4",
            ProxyKind::HttpConnect => "http",
        }
    }
}

/// A proxy and its credentials. `Debug` and `Display` never show the password.
#[derive(Clone, PartialEq, Eq)]
pub struct ProxyConfig {
    /// The protocol.
    pub kind: ProxyKind,
    /// The proxy's host name or IP address (without brackets).
    pub host: String,
    /// The proxy's port.
    pub port: u16,
    /// User name (SOCKS5, HTTP basic authentication; the user id of SOCKS4/4a).
    pub username: Option<String>,
    /// Password (SOCKS5, HTTP basic authentication).
    pub password: Option<String>,
}

impl fmt::Debug for ProxyConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ProxyConfig")
            .field("kind", &self.kind)
            .field("host", &self.host)
            .field("port", &self.port)
            .field("username", &self.username)
            .field("password", &self.password.as_ref().map(|_| "<redacted>"))
            .finish()
    }
}

/// `scheme://host:port` (no user name, no password): how errors name the proxy.
impl fmt::Display for ProxyConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.host.contains(':') {
            write!(f, "{}://[{}]:{}", self.kind.scheme(), self.host, self.port)
        } else {
            write!(f, "{}://{}:{}", self.kind.scheme(), self.host, self.port)
        }
    }
}

/// Parses a proxy URL: `socks5://[user:password@]host[:port]` (also `socks5h://`),
/// `socks4a://[user@]host[:port]`, `socks4://...`, `http://[user:password@]host[:port]`. The
/// user name and password are percent-decoded. Default ports: 1080 for SOCKS, 8080 for HTTP.
/// Error texts never contain any part of the user name or password.
pub fn parse_proxy_url(url: &str) -> Result<ProxyConfig, SmtpError> {
    let bad = |why: &str| {
        SmtpError::new(
            SmtpErrorKind::InvalidInput,
            format!("invalid proxy URL: {why}"),
        )
    };
    let (scheme, rest) = url
        .split_once("://")
        .ok_or_else(|| bad("missing \"://\" (e.g. socks5://host:1080)"))?;
    let kind = match scheme.to_ascii_lowercase().as_str() {
        "socks5" | "socks5h" => ProxyKind::Socks5,
        "socks4a" => ProxyKind::Socks4a,
        "socks4" => ProxyKind::Socks4,
        "http" => ProxyKind::HttpConnect,
        "https" => {
            return Err(bad(
                "https:// proxies (TLS to the proxy) are not supported; use http://, socks5:// \
                 or socks4a:// (TLS to the SMTP server still runs end to end)",
            ));
        }
        other => {
            return Err(bad(&format!(
                "unknown scheme{} (socks5, socks5h, socks4a, socks4 or http)",
                shown_scheme(other)
            )));
        }
    };
    // The user-info ends at the last '@': a password may hold '@', '/', '?' or '#' unencoded.
    let (userinfo, hostpart) = match rest.rfind('@') {
        Some(i) => (Some(&rest[..i]), &rest[i + 1..]),
        None => (None, rest),
    };
    let hostport = match hostpart.find(['/', '?', '#']) {
        Some(i) => {
            if !matches!(&hostpart[i..], "/" | "") {
                return Err(bad(
                    "a path, query or fragment is not allowed after the port",
                ));
            }
            &hostpart[..i]
        }
        None => hostpart,
    };
    let (host, port) = if let Some(v6) = hostport.strip_prefix('[') {
        let end = v6.find(']').ok_or_else(|| bad("unclosed '[' in host"))?;
        let after = &v6[end + 1..];
        let port = match after {
            "" => None,
            p => Some(p.strip_prefix(':').ok_or_else(|| bad("junk after ']'"))?),
        };
        (v6[..end].to_string(), port)
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
        .chars()
        .any(|c| c.is_control() || c.is_whitespace() || matches!(c, '/' | '@' | '%' | '[' | ']'))
    {
        return Err(bad("invalid character in host"));
    }
    let port = match port {
        Some(p) => match p.parse::<u16>() {
            Ok(n) if n > 0 => n,
            _ => return Err(bad(&format!("invalid port {p:?}"))),
        },
        None if kind == ProxyKind::HttpConnect => 8080,
        None => 1080,
    };
    let (mut username, mut password) = (None, None);
    if let Some(info) = userinfo {
        let (u, p) = match info.split_once(':') {
            Some((u, p)) => (u, Some(p)),
            None => (info, None),
        };
        let u = percent_decode(u).ok_or_else(|| bad("bad percent-encoding in the user name"))?;
        if u.is_empty() {
            return Err(bad("empty user name"));
        }
        let p = match p {
            Some(p) => {
                Some(percent_decode(p).ok_or_else(|| bad("bad percent-encoding in the password"))?)
            }
            None => None,
        };
        if kind == ProxyKind::Socks5 && (u.len() > 255 || p.as_ref().is_some_and(|p| p.len() > 255))
        {
            return Err(bad(
                "SOCKS5 allows at most 255 bytes of user name and of password",
            ));
        }
        if matches!(kind, ProxyKind::Socks4 | ProxyKind::Socks4a) && p.is_some() {
            return Err(bad(
                "SOCKS4 has a user id but no password; use socks5:// for a password",
            ));
        }
        if u.contains('\0') || p.as_ref().is_some_and(|p| p.contains('\0')) {
            return Err(bad("NUL in the user name or password"));
        }
        username = Some(u);
        password = p;
    }
    Ok(ProxyConfig {
        kind,
        host,
        port,
        username,
        password,
    })
}

/// The handshake's reads and writes, each bounded by `deadline`.
struct Io<'a> {
    tcp: &'a mut TcpStream,
    deadline: Instant,
    proxy: &'a ProxyConfig,
}

impl Io<'_> {
    fn arm(&self) -> io::Result<()> {
        let left = self.deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return Err(io::Error::new(io::ErrorKind::TimedOut, "deadline passed"));
        }
        self.tcp.set_read_timeout(Some(left))?;
        self.tcp.set_write_timeout(Some(left))
    }

    fn write(&mut self, bytes: &[u8]) -> Result<(), SmtpError> {
        self.arm()
            .and_then(|()| self.tcp.write_all(bytes))
            .and_then(|()| self.tcp.flush())
            .map_err(|e| self.io_error(&e))
    }

    fn read_exact(&mut self, buf: &mut [u8]) -> Result<(), SmtpError> {
        let mut got = 0;
        while got < buf.len() {
            self.arm().map_err(|e| self.io_error(&e))?;
            match self.tcp.read(&mut buf[got..]) {
                Ok(0) => {
                    return Err(self.fail(
                        SmtpErrorKind::Proxy,
                        "the proxy closed the connection during its handshake",
                    ));
                }
                Ok(n) => got += n,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Err(self.io_error(&e)),
            }
        }
        Ok(())
    }

    fn fail(&self, kind: SmtpErrorKind, why: &str) -> SmtpError {
        SmtpError::new(kind, format!("proxy {}: {why}", self.proxy))
    }

    fn io_error(&self, e: &io::Error) -> SmtpError {
        if matches!(
            e.kind(),
            io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut
        ) {
            SmtpError::new(
                SmtpErrorKind::Timeout {
                    stage: Stage::Connect,
                },
                format!("proxy {}: no answer to its handshake in time", self.proxy),
            )
        } else {
            self.fail(SmtpErrorKind::Proxy, &format!("handshake failed: {e}"))
        }
    }
}

/// Opens a tunnel through `proxy` on `tcp` (connected to the proxy) to `host`:`port`, within
/// `timeout` (and `deadline`). On success the stream carries the SMTP session.
pub(crate) fn handshake(
    proxy: &ProxyConfig,
    tcp: &mut TcpStream,
    host: &str,
    port: u16,
    timeout: Duration,
    deadline: Option<Instant>,
) -> Result<(), SmtpError> {
    let mut end = Instant::now() + timeout.max(Duration::from_millis(1));
    if let Some(d) = deadline {
        end = end.min(d);
    }
    let mut io = Io {
        tcp,
        deadline: end,
        proxy,
    };
    match proxy.kind {
        ProxyKind::Socks5 => socks5(&mut io, host, port),
        ProxyKind::Socks4a => socks4(&mut io, host, port, true),
        ProxyKind::Socks4 => socks4(&mut io, host, port, false),
        ProxyKind::HttpConnect => http_connect(&mut io, host, port),
    }
}

fn socks5(io: &mut Io<'_>, host: &str, port: u16) -> Result<(), SmtpError> {
    let proxy = io.proxy;
    let with_password = proxy.username.is_some();
    // Methods: 0 = no authentication, 2 = user name and password.
    if with_password {
        io.write(&[5, 2, 0, 2])?;
    } else {
        io.write(&[5, 1, 0])?;
    }
    let mut choice = [0u8; 2];
    io.read_exact(&mut choice)?;
    if choice[0] != 5 {
        return Err(io.fail(
            SmtpErrorKind::Proxy,
            &format!(
                "not a SOCKS5 proxy (its reply starts with version {})",
                choice[0]
            ),
        ));
    }
    match choice[1] {
        0 => {}
        2 if with_password => {
            let user = proxy.username.as_deref().unwrap_or_default().as_bytes();
            let pass = proxy.password.as_deref().unwrap_or_default().as_bytes();
            let mut req = Vec::with_capacity(3 + user.len() + pass.len());
            req.push(1);
            req.push(user.len() as u8);
            req.extend_from_slice(user);
            req.push(pass.len() as u8);
            req.extend_from_slice(pass);
            io.write(&req)?;
            let mut status = [0u8; 2];
            io.read_exact(&mut status).map_err(|mut e| {
                // Some proxies hang up instead of answering a wrong password.
                if e.kind == SmtpErrorKind::Proxy {
                    e.kind = SmtpErrorKind::ProxyAuthFailed;
                    e.message = format!(
                        "proxy {proxy}: the proxy closed the connection instead of accepting \
                         the user name and password (they were probably refused)"
                    );
                }
                e
            })?;
            if status[1] != 0 {
                return Err(io.fail(
                    SmtpErrorKind::ProxyAuthFailed,
                    &format!(
                        "the proxy refused the user name and password (status {})",
                        status[1]
                    ),
                ));
            }
        }
        0xff if !with_password => {
            return Err(io.fail(
                SmtpErrorKind::ProxyAuthFailed,
                "the proxy requires authentication and no user name and password are set",
            ));
        }
        0xff => {
            return Err(io.fail(
                SmtpErrorKind::ProxyAuthFailed,
                "the proxy accepts none of the offered authentication methods",
            ));
        }
        m => {
            return Err(io.fail(
                SmtpErrorKind::Proxy,
                &format!("the proxy chose authentication method {m}, which was not offered"),
            ));
        }
    }
    let mut req = vec![5, 1, 0];
    match host.parse::<IpAddr>() {
        Ok(IpAddr::V4(ip)) => {
            req.push(1);
            req.extend_from_slice(&ip.octets());
        }
        Ok(IpAddr::V6(ip)) => {
            req.push(4);
            req.extend_from_slice(&ip.octets());
        }
        Err(_) => {
            if host.len() > 255 {
                return Err(SmtpError::new(
                    SmtpErrorKind::InvalidInput,
                    "the SMTP host name is longer than SOCKS5 allows (255 bytes)",
                ));
            }
            req.push(3);
            req.push(host.len() as u8);
            req.extend_from_slice(host.as_bytes());
        }
    }
    req.extend_from_slice(&port.to_be_bytes());
    io.write(&req)?;
    let mut head = [0u8; 4];
    io.read_exact(&mut head)?;
    if head[0] != 5 {
        return Err(io.fail(
            SmtpErrorKind::Proxy,
            "the proxy's CONNECT reply is not SOCKS5",
        ));
    }
    if head[1] != 0 {
        let why = match head[1] {
            1 => "general SOCKS server failure",
            2 => "connection not allowed by ruleset",
            3 => "network unreachable",
            4 => "host unreachable",
            5 => "connection refused",
            6 => "TTL expired",
            7 => "command not supported",
            8 => "address type not supported",
            _ => "unknown reply code",
        };
        return Err(io.fail(
            SmtpErrorKind::ProxyRefused,
            &format!(
                "the proxy refused to connect to {host} port {port}: SOCKS5 reply {} ({why})",
                head[1]
            ),
        ));
    }
    // The bound address: skip it.
    let rest = match head[3] {
        1 => 4 + 2,
        4 => 16 + 2,
        3 => {
            let mut n = [0u8; 1];
            io.read_exact(&mut n)?;
            n[0] as usize + 2
        }
        t => {
            return Err(io.fail(
                SmtpErrorKind::Proxy,
                &format!("the proxy's reply has an unknown address type {t}"),
            ));
        }
    };
    let mut skip = vec![0u8; rest];
    io.read_exact(&mut skip)
}

fn socks4(io: &mut Io<'_>, host: &str, port: u16, remote_dns: bool) -> Result<(), SmtpError> {
    let mut req = vec![4, 1];
    req.extend_from_slice(&port.to_be_bytes());
    let literal = host.parse::<IpAddr>().ok();
    let name = match literal {
        Some(IpAddr::V4(ip)) => {
            req.extend_from_slice(&ip.octets());
            None
        }
        Some(IpAddr::V6(_)) => {
            return Err(SmtpError::new(
                SmtpErrorKind::InvalidInput,
                "SOCKS4 cannot reach an IPv6 address; use a socks5:// proxy",
            ));
        }
        None if remote_dns => {
            // 0.0.0.1: "the proxy resolves the name that follows the user id" (SOCKS4a).
            req.extend_from_slice(&[0, 0, 0, 1]);
            Some(host)
        }
        None => {
            let ip = (host, port)
                .to_socket_addrs()
                .ok()
                .and_then(|mut a| {
                    a.find_map(|a| match a.ip() {
                        IpAddr::V4(v4) => Some(v4),
                        IpAddr::V6(_) => None,
                    })
                })
                .ok_or_else(|| {
                    SmtpError::new(
                        SmtpErrorKind::Connect,
                        format!("cannot resolve {host} to an IPv4 address for SOCKS4"),
                    )
                })?;
            req.extend_from_slice(&ip.octets());
            None
        }
    };
    if let Some(user) = &io.proxy.username {
        req.extend_from_slice(user.as_bytes());
    }
    req.push(0);
    if let Some(name) = name {
        req.extend_from_slice(name.as_bytes());
        req.push(0);
    }
    io.write(&req)?;
    let mut reply = [0u8; 8];
    io.read_exact(&mut reply)?;
    if reply[0] != 0 {
        return Err(io.fail(SmtpErrorKind::Proxy, "the proxy's reply is not SOCKS4"));
    }
    match reply[1] {
        0x5a => Ok(()),
        0x5c | 0x5d => Err(io.fail(
            SmtpErrorKind::ProxyAuthFailed,
            &format!(
                "the proxy refused the request: its identd check of the user id failed (reply {})",
                reply[1]
            ),
        )),
        code => Err(io.fail(
            SmtpErrorKind::ProxyRefused,
            &format!(
                "the proxy refused to connect to {host} port {port}: SOCKS4 reply {code} \
                 (request rejected or failed)"
            ),
        )),
    }
}

/// Longest HTTP response head accepted from the proxy.
const MAX_HTTP_HEAD: usize = 16 * 1024;

fn http_connect(io: &mut Io<'_>, host: &str, port: u16) -> Result<(), SmtpError> {
    let authority = if host.contains(':') {
        format!("[{host}]:{port}")
    } else {
        format!("{host}:{port}")
    };
    let mut req = format!("CONNECT {authority} HTTP/1.1\r\nHost: {authority}\r\n");
    if let Some(user) = &io.proxy.username {
        let pair = format!(
            "{user}:{}",
            io.proxy.password.as_deref().unwrap_or_default()
        );
        req.push_str(&format!(
            "Proxy-Authorization: Basic {}\r\n",
            super::auth::b64(pair.as_bytes())
        ));
    }
    req.push_str("\r\n");
    io.write(req.as_bytes())?;
    // One byte at a time: the SMTP server's greeting may follow the head at once, and must
    // stay in the socket for the session to read.
    let mut head = Vec::new();
    let mut byte = [0u8; 1];
    while !head.ends_with(b"\r\n\r\n") && !head.ends_with(b"\n\n") {
        if head.len() >= MAX_HTTP_HEAD {
            return Err(io.fail(
                SmtpErrorKind::Proxy,
                "the proxy's reply to CONNECT has no end of its header section",
            ));
        }
        io.read_exact(&mut byte)?;
        head.push(byte[0]);
    }
    let text = String::from_utf8_lossy(&head);
    let status_line = text.lines().next().unwrap_or_default().trim().to_string();
    let mut parts = status_line.splitn(3, ' ');
    let version = parts.next().unwrap_or_default();
    let code: u16 = match (version.starts_with("HTTP/"), parts.next().map(str::parse)) {
        (true, Some(Ok(c))) => c,
        _ => {
            let shown: String = status_line.chars().take(200).collect();
            return Err(io.fail(
                SmtpErrorKind::Proxy,
                &format!("not an HTTP proxy reply: {shown:?}"),
            ));
        }
    };
    let shown: String = status_line.chars().take(200).collect();
    match code {
        200..=299 => Ok(()),
        401 | 407 => Err(io.fail(
            SmtpErrorKind::ProxyAuthFailed,
            &if io.proxy.username.is_some() {
                format!("the proxy refused the user name and password: {shown}")
            } else {
                format!("the proxy requires authentication and none is set: {shown}")
            },
        )),
        _ => Err(io.fail(
            SmtpErrorKind::ProxyRefused,
            &format!("the proxy refused to connect to {authority}: {shown}"),
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_every_scheme() {
        let p = parse_proxy_url("socks5://u%40x:p%3Aw@proxy.example:1081").unwrap();
        assert_eq!(p.kind, ProxyKind::Socks5);
        assert_eq!((p.host.as_str(), p.port), ("proxy.example", 1081));
        assert_eq!(p.username.as_deref(), Some("u@x"));
        assert_eq!(p.password.as_deref(), Some("p:w"));
        assert_eq!(
            parse_proxy_url("socks5h://h").unwrap().kind,
            ProxyKind::Socks5
        );
        assert_eq!(parse_proxy_url("socks5h://h").unwrap().port, 1080);
        assert_eq!(
            parse_proxy_url("socks4a://id@h:9").unwrap().kind,
            ProxyKind::Socks4a
        );
        let h = parse_proxy_url("http://[::1]:3128/").unwrap();
        assert_eq!(
            (h.kind, h.host.as_str(), h.port),
            (ProxyKind::HttpConnect, "::1", 3128)
        );
        assert_eq!(parse_proxy_url("http://h").unwrap().port, 8080);
    }

    #[test]
    fn a_password_with_reserved_characters_never_shows_in_errors() {
        // '?', '#', '/' and '@' unencoded in the password: the user-info ends at the last '@'.
        let p = parse_proxy_url("socks5://me:pa?ss#w/o@rd@h:1080").unwrap();
        assert_eq!(p.password.as_deref(), Some("pa?ss#w/o@rd"));
        for bad in [
            "socks5://me:hunter2@h:notaport",
            "socks5://me:hunter2@",
            "ftp://me:hunter2@h",
            "socks5://me:hunter2@h:1/path",
            "socks4a://me:hunter2@h",
            "socks5://:hunter2@h",
        ] {
            let e = parse_proxy_url(bad).unwrap_err();
            assert_eq!(e.kind, SmtpErrorKind::InvalidInput, "{bad}");
            assert!(!e.message.contains("hunter2"), "{bad}: {}", e.message);
        }
        let shown = format!("{p:?} {p}");
        assert!(!shown.contains("pa?ss"), "{shown}");
    }
}
