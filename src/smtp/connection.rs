//! One SMTP session: TCP/TLS transport, greeting, EHLO, STARTTLS, AUTH, mail transactions.

use std::io::{self, BufWriter, Read, Write};
use std::net::{IpAddr, Shutdown, SocketAddr, TcpStream, ToSocketAddrs};
use std::time::{Duration, Instant};

use rustls::{ClientConnection, StreamOwned};

use super::auth;
use super::config::{AuthMechanism, LogDirection, Secret, SmtpConfig};
use super::data;
use super::envelope::{Envelope, SendResult, xtext};
use super::error::lost_message;
use super::proxy;
use super::reply::{ParseError, parse_reply};
use super::tls;
use super::{Capabilities, Reply, Security, SmtpError, SmtpErrorKind, Stage};
use crate::message::error::io_reason;

mod chunking;

/// Size of the write buffer used for the message content.
const DATA_BUFFER: usize = 64 * 1024;
/// Bytes read from the socket at a time.
const READ_CHUNK: usize = 8192;
/// How a reply timeout is described.
const NO_REPLY: &str = "no complete reply from the server";
/// Longest wait for the reply to QUIT.
const QUIT_TIMEOUT: Duration = Duration::from_secs(5);

enum Stream {
    Plain(TcpStream),
    Tls(Box<StreamOwned<ClientConnection, TcpStream>>),
    Closed,
}

impl Stream {
    fn tcp(&self) -> Option<&TcpStream> {
        match self {
            Stream::Plain(s) => Some(s),
            Stream::Tls(s) => Some(&s.sock),
            Stream::Closed => None,
        }
    }
}

fn not_connected() -> io::Error {
    io::Error::new(io::ErrorKind::NotConnected, "connection closed")
}

fn timed_out() -> io::Error {
    io::Error::new(io::ErrorKind::TimedOut, "deadline passed")
}

/// Sets the socket's read timeout to the time left until `deadline` (an error once it has
/// passed). `in_force` remembers the timeout last set: the system call is skipped when that one
/// outlasts the time left by at most 5%, which saves a system call per reply on a busy
/// connection.
fn arm_read(tcp: &TcpStream, deadline: Instant, in_force: &mut Option<Duration>) -> io::Result<()> {
    let now = Instant::now();
    if now >= deadline {
        return Err(timed_out());
    }
    let remaining = (deadline - now).max(Duration::from_millis(1));
    let ok = in_force.is_some_and(|t| {
        t >= remaining && t - remaining <= (remaining / 20).max(Duration::from_millis(1))
    });
    if !ok {
        tcp.set_read_timeout(Some(remaining))?;
        *in_force = Some(remaining);
    }
    Ok(())
}

/// Sets the socket's write timeout for one write: `timeout`, or the time left until `deadline`
/// when that is shorter (an error once it has passed). `in_force` as for [`arm_read`].
fn arm_write(
    tcp: &TcpStream,
    timeout: Duration,
    deadline: Option<Instant>,
    in_force: &mut Option<Duration>,
) -> io::Result<()> {
    let mut t = timeout.max(Duration::from_millis(1));
    if let Some(d) = deadline {
        let now = Instant::now();
        if now >= d {
            return Err(timed_out());
        }
        t = t.min((d - now).max(Duration::from_millis(1)));
    }
    let ok = in_force.is_some_and(|f| f >= t && f - t <= (t / 20).max(Duration::from_millis(1)));
    if !ok {
        tcp.set_write_timeout(Some(t))?;
        *in_force = Some(t);
    }
    Ok(())
}

/// Writes to the stream with each write bounded by the command timeout and the call's
/// deadline.
struct DeadlineWriter<'a> {
    stream: &'a mut Stream,
    timeout: Duration,
    deadline: Option<Instant>,
    in_force: &'a mut Option<Duration>,
}

impl Write for DeadlineWriter<'_> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        if let Some(tcp) = self.stream.tcp() {
            arm_write(tcp, self.timeout, self.deadline, self.in_force)?;
        }
        self.stream.write(buf)
    }

    fn flush(&mut self) -> io::Result<()> {
        if let Some(tcp) = self.stream.tcp() {
            arm_write(tcp, self.timeout, self.deadline, self.in_force)?;
        }
        self.stream.flush()
    }
}

/// Writes the TLS records rustls has queued.
fn flush_tls(conn: &mut ClientConnection, tcp: &mut TcpStream) -> io::Result<()> {
    while conn.wants_write() {
        if conn.write_tls(tcp)? == 0 {
            return Err(io::Error::new(
                io::ErrorKind::WriteZero,
                "the connection closed while writing",
            ));
        }
    }
    tcp.flush()
}

/// Reads TLS records from the socket and processes them once; a rustls error becomes an
/// `InvalidData` I/O error carrying it (after a last try to send the alert).
fn read_tls_once(
    conn: &mut ClientConnection,
    tcp: &mut TcpStream,
    deadline: Instant,
    in_force: &mut Option<Duration>,
) -> io::Result<usize> {
    arm_read(tcp, deadline, in_force)?;
    let n = loop {
        match conn.read_tls(tcp) {
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {
                arm_read(tcp, deadline, in_force)?;
            }
            other => break other?,
        }
    };
    if let Err(e) = conn.process_new_packets() {
        let _ = conn.write_tls(tcp);
        return Err(io::Error::new(io::ErrorKind::InvalidData, e));
    }
    Ok(n)
}

impl Stream {
    /// Reads what has arrived, waiting no later than `deadline`. Under TLS the wait is bounded
    /// for the whole read, not per socket read: rustls needs a whole record before it yields
    /// any of it, and a server trickling a record's bytes must not stretch the wait.
    fn read_by(
        &mut self,
        buf: &mut [u8],
        deadline: Instant,
        in_force: &mut Option<Duration>,
    ) -> io::Result<usize> {
        match self {
            Stream::Plain(s) => {
                arm_read(s, deadline, in_force)?;
                s.read(buf)
            }
            Stream::Tls(s) => {
                let s = &mut **s;
                loop {
                    match s.conn.reader().read(buf) {
                        Err(e) if e.kind() == io::ErrorKind::WouldBlock => {}
                        other => return other,
                    }
                    flush_tls(&mut s.conn, &mut s.sock)?;
                    read_tls_once(&mut s.conn, &mut s.sock, deadline, in_force)?;
                }
            }
            Stream::Closed => Err(not_connected()),
        }
    }
}

impl Read for Stream {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        match self {
            Stream::Plain(s) => s.read(buf),
            Stream::Tls(s) => s.read(buf),
            Stream::Closed => Err(not_connected()),
        }
    }
}

impl Write for Stream {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        match self {
            Stream::Plain(s) => s.write(buf),
            Stream::Tls(s) => s.write(buf),
            Stream::Closed => Err(not_connected()),
        }
    }

    fn flush(&mut self) -> io::Result<()> {
        match self {
            Stream::Plain(s) => s.flush(),
            Stream::Tls(s) => s.flush(),
            Stream::Closed => Err(not_connected()),
        }
    }
}

/// The content of one transaction: bytes in memory, or a reader streamed through a fixed-size
/// buffer.
enum Body<'a> {
    Bytes(&'a [u8]),
    Stream(&'a mut dyn Read),
}

/// Size of the read buffer for streamed content (memory stays flat whatever the size).
const STREAM_BUFFER: usize = 64 * 1024;

/// Commands of one prepared transaction.
struct Prepared {
    mail: String,
    rcpts: Vec<(String, String)>,
    /// BDAT with `BODY=BINARYMIME`: the content goes byte for byte.
    binary: bool,
}

/// What a TLS session negotiated (see [`SmtpConnection::tls_info`]).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TlsInfo {
    /// The protocol version, e.g. `TLSv1.3`.
    pub protocol_version: String,
    /// The cipher suite, e.g. `TLS13_AES_256_GCM_SHA384`.
    pub cipher_suite: String,
    /// The server's certificate chain as it was presented (DER), leaf first.
    pub peer_certificates: Vec<Vec<u8>>,
}

/// An open SMTP session, greeted, EHLO'd, secured and authenticated as configured.
///
/// Dropping it sends QUIT (best effort).
pub struct SmtpConnection {
    config: SmtpConfig,
    stream: Stream,
    rbuf: Vec<u8>,
    /// Bytes of `rbuf` already parsed (replies are consumed without shifting the buffer).
    rpos: usize,
    /// Scratch space for socket reads, allocated once (not zeroed per read).
    rtmp: Box<[u8]>,
    /// The read timeout last set on the socket, to skip the system call when it would not
    /// change.
    read_timeout: Option<Duration>,
    /// Likewise the write timeout.
    write_timeout: Option<Duration>,
    /// When the current call must end (see [`SmtpConfig::total_timeout`]).
    deadline: Option<Instant>,
    /// The deadline was set by the caller ([`SmtpClient`](super::SmtpClient)) for a call that
    /// spans several of this connection's methods: they keep it instead of starting their own.
    pinned: bool,
    /// Output buffer for message data, reused between messages.
    wbuf: Vec<u8>,
    caps: Capabilities,
    greeting: Reply,
    client_name: String,
    encrypted: bool,
    broken: bool,
    /// The server announced that it is closing the connection (421).
    closing: bool,
    /// Transactions started on this connection so far.
    transactions: u64,
    last_used: Instant,
    /// This connection's number (1, 2, ... per configuration; see
    /// [`SmtpConfig::log_connection_numbers`]).
    number: u64,
    /// A token from the provider to use as it is: on the way in, the refreshed token for a
    /// second connection; on the way out, the refreshed token when the connection was lost
    /// before the server could judge it.
    refreshed_token: Option<String>,
}

impl SmtpConnection {
    /// Connects to the server and prepares the session: TCP (each resolved address in turn),
    /// implicit TLS if configured, greeting, EHLO (HELO fallback), STARTTLS as the security
    /// mode requires, EHLO again, and AUTH when credentials are configured.
    ///
    /// All of it must end within [`SmtpConfig::total_timeout`].
    pub fn connect(config: &SmtpConfig) -> Result<SmtpConnection, SmtpError> {
        Self::connect_by(config, config.call_deadline())
    }

    /// As [`SmtpConnection::connect`], ending by `deadline`.
    pub(crate) fn connect_by(
        config: &SmtpConfig,
        deadline: Option<Instant>,
    ) -> Result<SmtpConnection, SmtpError> {
        Self::connect_with_token(config, deadline, None)
    }

    /// As [`SmtpConnection::connect_by`]; `refreshed`: a token the provider already gave after
    /// a refusal on a connection the server then closed, used as it is (no more asking).
    fn connect_with_token(
        config: &SmtpConfig,
        deadline: Option<Instant>,
        refreshed: Option<String>,
    ) -> Result<SmtpConnection, SmtpError> {
        let second_try = refreshed.is_some();
        if let Some(name) = &config.client_name
            && (name.is_empty() || name.bytes().any(|b| b <= b' ' || b == 0x7f))
        {
            return Err(SmtpError::new(
                SmtpErrorKind::InvalidInput,
                format!("invalid client name {name:?}"),
            ));
        }
        let tcp = open_tcp(config, deadline)?;
        let client_name = match &config.client_name {
            Some(n) => n.clone(),
            None => default_client_name(tcp.local_addr().ok()),
        };
        let mut conn = SmtpConnection {
            config: config.clone(),
            stream: Stream::Plain(tcp),
            rbuf: Vec::new(),
            rpos: 0,
            rtmp: vec![0u8; READ_CHUNK].into_boxed_slice(),
            // open_tcp sets the command timeout.
            read_timeout: Some(config.command_timeout.max(Duration::from_millis(1))),
            write_timeout: Some(config.command_timeout.max(Duration::from_millis(1))),
            deadline,
            pinned: true,
            wbuf: Vec::new(),
            caps: Capabilities::default(),
            greeting: Reply::new(220, Vec::new()),
            client_name,
            encrypted: false,
            broken: false,
            closing: false,
            transactions: 0,
            last_used: Instant::now(),
            number: config
                .connections_opened
                .fetch_add(1, std::sync::atomic::Ordering::Relaxed)
                + 1,
            refreshed_token: refreshed,
        };
        if config.implicit_tls() {
            conn.start_tls_on_stream()?;
        }
        let greeting = match conn.read_reply(Stage::Greeting, config.greeting_timeout) {
            Ok(g) => g,
            Err(mut e) => {
                // A server on an implicit-TLS port waits for the client's TLS hello and says
                // nothing: the common cause of a missing greeting.
                if !conn.encrypted
                    && matches!(e.kind, SmtpErrorKind::Timeout { .. })
                    && !e.message.contains("total time limit")
                {
                    e.message = format!(
                        "the server sent no greeting within {}: if port {} expects implicit \
                         TLS (usually port 465), choose implicit TLS instead of STARTTLS or no TLS",
                        seconds(config.greeting_timeout),
                        config.effective_port()
                    );
                }
                return Err(e);
            }
        };
        if greeting.code != 220 {
            conn.broken = true;
            return Err(SmtpError::with_reply(
                SmtpErrorKind::ServerRejected {
                    stage: Stage::Greeting,
                },
                "the server refused the session in its greeting",
                greeting,
            ));
        }
        conn.greeting = greeting;
        conn.ehlo(true)?;
        if !conn.encrypted {
            match config.security {
                Security::None => {}
                Security::SslImplicit => unreachable_security()?,
                Security::SslExplicit | Security::Auto => {
                    if conn.caps.starttls {
                        conn.starttls()?;
                    } else if config.security == Security::SslExplicit {
                        conn.close();
                        return Err(SmtpError::new(
                            SmtpErrorKind::TlsRequiredNotOffered,
                            "the server does not offer STARTTLS, which the security option requires \
                             (on port 465 choose implicit TLS)",
                        ));
                    } else if config.credentials.is_some() {
                        conn.close();
                        return Err(SmtpError::new(
                            SmtpErrorKind::CredentialsRequireTls,
                            "the server does not offer STARTTLS, and the password is not sent over \
                             an unencrypted connection (set the security option to none to allow it)",
                        ));
                    }
                }
            }
        }
        if config.credentials.is_some()
            && let Err(e) = conn.authenticate()
        {
            // A token refused, a fresh one given, and the connection lost meanwhile: once more
            // on a new connection with that token.
            let retry = conn.refreshed_token.take().filter(|_| !second_try);
            conn.close();
            if let Some(token) = retry {
                return Self::connect_with_token(config, deadline, Some(token));
            }
            return Err(e);
        }
        conn.last_used = Instant::now();
        conn.unpin();
        Ok(conn)
    }

    /// Makes the following calls share `deadline` instead of each starting its own, until
    /// [`SmtpConnection::unpin`].
    pub(crate) fn pin_deadline(&mut self, deadline: Option<Instant>) {
        self.deadline = deadline;
        self.pinned = true;
    }

    /// Ends [`SmtpConnection::pin_deadline`].
    pub(crate) fn unpin(&mut self) {
        self.deadline = None;
        self.pinned = false;
    }

    /// Starts a call: a new deadline unless one is pinned.
    fn begin_call(&mut self) {
        if !self.pinned {
            self.deadline = self.config.call_deadline();
        }
    }

    /// The stream, with each write bounded by the command timeout and the call's deadline.
    fn writer(&mut self) -> DeadlineWriter<'_> {
        DeadlineWriter {
            stream: &mut self.stream,
            timeout: self.config.command_timeout,
            deadline: self.deadline,
            in_force: &mut self.write_timeout,
        }
    }

    /// What the server advertised in its (last) EHLO reply.
    pub fn capabilities(&self) -> &Capabilities {
        &self.caps
    }

    /// The server's greeting.
    pub fn greeting(&self) -> &Reply {
        &self.greeting
    }

    /// Whether the session is protected by TLS.
    pub fn is_encrypted(&self) -> bool {
        self.encrypted
    }

    /// The TLS session's details (protocol version, cipher suite, the server's certificate
    /// chain), or `None` on an unencrypted connection.
    pub fn tls_info(&self) -> Option<TlsInfo> {
        let Stream::Tls(s) = &self.stream else {
            return None;
        };
        let conn = &s.conn;
        Some(TlsInfo {
            protocol_version: conn
                .protocol_version()
                .map(|v| match v {
                    rustls::ProtocolVersion::TLSv1_3 => "TLSv1.3".to_string(),
                    rustls::ProtocolVersion::TLSv1_2 => "TLSv1.2".to_string(),
                    other => format!("{other:?}"),
                })
                .unwrap_or_default(),
            cipher_suite: conn
                .negotiated_cipher_suite()
                .map(|c| format!("{:?}", c.suite()))
                .unwrap_or_default(),
            peer_certificates: conn
                .peer_certificates()
                .map(|certs| certs.iter().map(|c| c.as_ref().to_vec()).collect())
                .unwrap_or_default(),
        })
    }

    /// Whether the connection is known to be unusable (lost, timed out, protocol error, 421).
    pub fn is_broken(&self) -> bool {
        self.broken
    }

    /// Time since the last command completed.
    pub fn idle_time(&self) -> Duration {
        self.last_used.elapsed()
    }

    /// Sends NOOP; fails unless the server answers 2xx.
    pub fn noop(&mut self) -> Result<Reply, SmtpError> {
        self.begin_call();
        let r = self.command("NOOP", Stage::Noop)?;
        if r.is_positive() {
            Ok(r)
        } else {
            Err(SmtpError::with_reply(
                SmtpErrorKind::ServerRejected { stage: Stage::Noop },
                "NOOP failed",
                r,
            ))
        }
    }

    /// Sends RSET; fails unless the server answers 2xx (the connection is then marked broken).
    pub fn rset(&mut self) -> Result<Reply, SmtpError> {
        self.begin_call();
        let r = self.command("RSET", Stage::Rset)?;
        if r.is_positive() {
            Ok(r)
        } else {
            self.broken = true;
            Err(SmtpError::with_reply(
                SmtpErrorKind::ServerRejected { stage: Stage::Rset },
                "RSET failed",
                r,
            ))
        }
    }

    /// Sends one message: MAIL FROM, RCPT TO for each recipient, DATA and the content
    /// (CRLF-normalised and dot-stuffed on the fly). With PIPELINING, MAIL, the RCPTs and DATA
    /// go in one write. When the server offers CHUNKING (and [`SmtpConfig::chunking`] is on),
    /// the content goes with `BDAT <size> LAST` instead of DATA, CRLF-normalised without
    /// dot-stuffing (byte for byte as `BODY=BINARYMIME` when offered and the envelope is 8-bit),
    /// MAIL, RCPTs and BDAT in one write. Refused recipients are reported in
    /// [`SendResult::rejected`] when at least one was accepted (unless
    /// `require_all_recipients`). After a failed transaction the session is RSET so it can be
    /// reused.
    pub fn send(&mut self, envelope: &Envelope, message: &[u8]) -> Result<SendResult, SmtpError> {
        self.begin_call();
        self.ensure_usable()?;
        let prepared = self.prepare(envelope, message)?;
        if self.use_chunking() {
            let items = [(envelope.clone(), message)];
            return self
                .send_many_chunked(&items, &[Ok(prepared)])
                .pop()
                .unwrap_or_else(|| Err(chunking::not_written()));
        }
        self.transact(&prepared, &mut Body::Bytes(message), false, None)
            .0
    }

    /// Sends one message read from `message` to its end, as [`SmtpConnection::send`] does but
    /// without holding it in memory: it is read, CRLF-normalised and dot-stuffed through a
    /// fixed-size buffer. `size_hint` (the message's size, when known) is checked against the
    /// server's SIZE limit before anything is sent and declared as `SIZE=`. Nothing is read
    /// from `message` before the server accepted DATA. When reading fails midway, the
    /// connection is closed without ending the data, so the server discards the partial
    /// message, and the error (kind `Io`) says so.
    pub fn send_stream(
        &mut self,
        envelope: &Envelope,
        message: &mut dyn Read,
        size_hint: Option<u64>,
    ) -> Result<SendResult, SmtpError> {
        self.begin_call();
        self.ensure_usable()?;
        let prepared = self.prepare_sized(envelope, || size_hint)?;
        if self.use_chunking() {
            return self.transact_stepwise(&prepared, &mut Body::Stream(message));
        }
        self.transact(&prepared, &mut Body::Stream(message), false, None)
            .0
    }

    /// Sends several messages on this session. With PIPELINING, the next message's MAIL FROM,
    /// RCPTs and DATA follow the previous message's final dot in the same write. With CHUNKING
    /// and PIPELINING, up to [`SmtpConfig::pipeline_window`] whole transactions (MAIL, RCPTs,
    /// `BDAT <size> LAST` and the content) are written before their replies are read; a
    /// connection lost with transactions in flight leaves only those whose final reply is
    /// missing with an unknown outcome ([`SmtpError::outcome_unknown`]). Returns one result
    /// per item, in order.
    pub fn send_many(&mut self, items: &[(Envelope, &[u8])]) -> Vec<Result<SendResult, SmtpError>> {
        self.begin_call();
        let prepared: Vec<Result<Prepared, SmtpError>> = items
            .iter()
            .map(|(env, msg)| self.prepare(env, msg))
            .collect();
        if self.use_chunking() {
            return self.send_many_chunked(items, &prepared);
        }
        let mut results = Vec::with_capacity(items.len());
        let mut written = false;
        for (i, p) in prepared.iter().enumerate() {
            let p = match p {
                Ok(p) => p,
                Err(e) => {
                    results.push(Err(e.clone()));
                    written = false;
                    continue;
                }
            };
            if let Err(e) = self.ensure_usable() {
                results.push(Err(e));
                written = false;
                continue;
            }
            let next = if self.use_pipelining() {
                prepared.get(i + 1).and_then(|n| n.as_ref().ok())
            } else {
                None
            };
            let (res, next_written) = self.transact(p, &mut Body::Bytes(items[i].1), written, next);
            results.push(res);
            written = next_written;
        }
        results
    }

    /// Sends QUIT and closes the connection.
    pub fn quit(mut self) {
        self.close();
    }

    fn close(&mut self) {
        // QUIT gets its own short wait, whatever was left of the call.
        self.unpin();
        if !self.broken {
            if self.send_line("QUIT", "QUIT", Stage::Quit).is_ok() {
                let timeout = self.config.command_timeout.min(QUIT_TIMEOUT);
                let _ = self.read_reply(Stage::Quit, timeout);
            }
            self.broken = true;
        }
        self.abandon();
    }

    /// Closes the socket without QUIT.
    fn abandon(&mut self) {
        self.broken = true;
        if let Some(tcp) = self.stream.tcp() {
            let _ = tcp.shutdown(Shutdown::Both);
        }
        self.stream = Stream::Closed;
    }

    fn ensure_usable(&self) -> Result<(), SmtpError> {
        if self.broken {
            return Err(SmtpError::new(
                SmtpErrorKind::ConnectionLost { stage: Stage::Mail },
                "the connection is closed (it was lost or failed earlier); nothing was sent",
            ));
        }
        Ok(())
    }

    fn use_pipelining(&self) -> bool {
        self.config.pipelining && self.caps.pipelining
    }

    /// Whether a protocol log is set (to skip formatting lines nobody reads).
    fn logging(&self) -> bool {
        self.config.protocol_log.is_some()
    }

    fn log(&self, dir: LogDirection, line: &str) {
        if let Some(cb) = &self.config.protocol_log {
            if self.config.log_connection_numbers {
                cb(dir, &format!("[{}] {line}", self.number));
            } else {
                cb(dir, line);
            }
        }
    }

    /// This connection's number: 1, 2, ... in the order connections were opened with its
    /// configuration (and its clones).
    pub fn number(&self) -> u64 {
        self.number
    }

    // ----- low-level I/O -------------------------------------------------------------------

    fn io_error(&mut self, stage: Stage, err: &io::Error) -> SmtpError {
        self.broken = true;
        SmtpError::from_io(stage, err)
    }

    fn write_all(&mut self, bytes: &[u8], stage: Stage) -> Result<(), SmtpError> {
        let mut w = self.writer();
        let res = w.write_all(bytes).and_then(|()| w.flush());
        res.map_err(|e| self.io_error(stage, &e))
    }

    /// Sends one command line; `log_as` is what the protocol log shows (secrets redacted).
    fn send_line(&mut self, line: &str, log_as: &str, stage: Stage) -> Result<(), SmtpError> {
        self.log(LogDirection::Sent, log_as);
        let mut buf = Vec::with_capacity(line.len() + 2);
        buf.extend_from_slice(line.as_bytes());
        buf.extend_from_slice(b"\r\n");
        self.write_all(&buf, stage)
    }

    /// Sends several command lines in one write (pipelining).
    fn send_lines(&mut self, lines: &[&str], stage: Stage) -> Result<(), SmtpError> {
        let mut buf = Vec::new();
        for l in lines {
            self.log(LogDirection::Sent, l);
            buf.extend_from_slice(l.as_bytes());
            buf.extend_from_slice(b"\r\n");
        }
        self.write_all(&buf, stage)
    }

    fn command(&mut self, line: &str, stage: Stage) -> Result<Reply, SmtpError> {
        self.send_line(line, line, stage)?;
        self.read_reply(stage, self.config.command_timeout)
    }

    /// The error for a wait that ran out: the reply's own `timeout`, or the call's total limit
    /// when that came first.
    fn timeout_error(
        &mut self,
        stage: Stage,
        timeout: Duration,
        call_limit: bool,
        what: &str,
    ) -> SmtpError {
        self.abandon();
        let message = if call_limit {
            format!(
                "the call's total time limit ({}) ran out during {stage}",
                seconds(self.config.total_timeout)
            )
        } else {
            format!("{what} within {} during {stage}", seconds(timeout))
        };
        SmtpError::new(SmtpErrorKind::Timeout { stage }, message)
    }

    /// The deadline of a wait of at most `timeout` starting now, capped by the call's deadline;
    /// and whether the call's deadline is the one that applies.
    fn wait_deadline(&self, timeout: Duration) -> (Instant, bool) {
        let own = Instant::now() + timeout;
        match self.deadline {
            Some(d) if d < own => (d, true),
            _ => (own, false),
        }
    }

    /// Reads one complete reply, within `timeout` in total (and within the call's deadline),
    /// however its bytes arrive.
    fn read_reply(&mut self, stage: Stage, timeout: Duration) -> Result<Reply, SmtpError> {
        let (deadline, call_limit) = self.wait_deadline(timeout);
        loop {
            match parse_reply(&self.rbuf[self.rpos..]) {
                Ok((reply, used)) => {
                    self.rpos += used;
                    if self.rpos == self.rbuf.len() {
                        self.rbuf.clear();
                        self.rpos = 0;
                    }
                    if self.logging() {
                        let n = reply.lines.len();
                        for (i, line) in reply.lines.iter().enumerate() {
                            let sep = if i + 1 == n { ' ' } else { '-' };
                            self.log(
                                LogDirection::Received,
                                format!("{}{}{}", reply.code, sep, line).trim_end(),
                            );
                        }
                    }
                    if reply.code == 421 {
                        // "Service not available, closing transmission channel".
                        self.broken = true;
                        self.closing = true;
                    }
                    self.last_used = Instant::now();
                    return Ok(reply);
                }
                Err(ParseError::Incomplete) => {}
                Err(e) => {
                    let pending = &self.rbuf[self.rpos..];
                    let shown =
                        String::from_utf8_lossy(&pending[..pending.len().min(200)]).into_owned();
                    self.log(LogDirection::Received, shown.trim_end());
                    self.abandon();
                    return Err(SmtpError::new(
                        SmtpErrorKind::ProtocolError,
                        format!("invalid reply from the server during {stage}: {e}: {shown:?}"),
                    ));
                }
            }
            if Instant::now() >= deadline {
                return Err(self.timeout_error(stage, timeout, call_limit, NO_REPLY));
            }
            if self.rpos > 0 && self.rpos == self.rbuf.len() {
                self.rbuf.clear();
                self.rpos = 0;
            }
            match self
                .stream
                .read_by(&mut self.rtmp, deadline, &mut self.read_timeout)
            {
                Ok(0) => {
                    self.abandon();
                    return Err(SmtpError::new(
                        SmtpErrorKind::ConnectionLost { stage },
                        lost_message(stage, "the server closed the connection"),
                    ));
                }
                Ok(n) => self.rbuf.extend_from_slice(&self.rtmp[..n]),
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e)
                    if matches!(
                        e.kind(),
                        io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut
                    ) =>
                {
                    return Err(self.timeout_error(stage, timeout, call_limit, NO_REPLY));
                }
                Err(e) => {
                    let err = self.io_error(stage, &e);
                    self.abandon();
                    return Err(err);
                }
            }
        }
    }

    // ----- session setup -------------------------------------------------------------------

    fn ehlo(&mut self, allow_helo: bool) -> Result<(), SmtpError> {
        let name = self.client_name.clone();
        let r = self.command(&format!("EHLO {name}"), Stage::Ehlo)?;
        if r.is_positive() {
            self.caps = Capabilities::from_ehlo(&r);
            return Ok(());
        }
        if r.is_permanent() && allow_helo {
            let r2 = self.command(&format!("HELO {name}"), Stage::Ehlo)?;
            if r2.is_positive() {
                self.caps = Capabilities {
                    esmtp: false,
                    server_name: r2.lines.first().cloned().unwrap_or_default(),
                    ..Capabilities::default()
                };
                return Ok(());
            }
            return Err(SmtpError::with_reply(
                SmtpErrorKind::ServerRejected { stage: Stage::Ehlo },
                "the server refused both EHLO and HELO",
                r2,
            ));
        }
        Err(SmtpError::with_reply(
            SmtpErrorKind::ServerRejected { stage: Stage::Ehlo },
            "the server refused EHLO",
            r,
        ))
    }

    fn starttls(&mut self) -> Result<(), SmtpError> {
        let r = self.command("STARTTLS", Stage::StartTls)?;
        if r.code != 220 {
            self.abandon();
            return Err(SmtpError::with_reply(
                SmtpErrorKind::ServerRejected {
                    stage: Stage::StartTls,
                },
                "the server refused STARTTLS",
                r,
            ));
        }
        if self.rpos < self.rbuf.len() {
            // Bytes after the 220 were sent in the clear and must not be trusted (injection).
            self.abandon();
            return Err(SmtpError::new(
                SmtpErrorKind::ProtocolError,
                "the server sent data after its STARTTLS reply, before the TLS handshake",
            ));
        }
        self.start_tls_on_stream()?;
        // RFC 3207: forget everything learnt before TLS and ask again.
        self.caps = Capabilities::default();
        self.ehlo(false)
    }

    fn start_tls_on_stream(&mut self) -> Result<(), SmtpError> {
        let tcp = match std::mem::replace(&mut self.stream, Stream::Closed) {
            Stream::Plain(tcp) => tcp,
            other => {
                self.stream = other;
                return Err(SmtpError::new(SmtpErrorKind::Tls, "TLS is already active"));
            }
        };
        let cfg = tls::client_config(&self.config.tls)?;
        let name = tls::server_name(&self.config.host, &self.config.tls)?;
        let mut conn = ClientConnection::new(cfg, name).map_err(|e| SmtpError::from_tls(&e))?;
        let mut tcp = tcp;
        // The whole handshake gets one command timeout (and stays within the call's deadline),
        // however the server's records trickle in.
        let timeout = self.config.command_timeout;
        let (deadline, call_limit) = self.wait_deadline(timeout);
        let res = (|| {
            while conn.is_handshaking() {
                arm_write(&tcp, timeout, Some(deadline), &mut self.write_timeout)?;
                flush_tls(&mut conn, &mut tcp)?;
                if !conn.is_handshaking() {
                    break;
                }
                if read_tls_once(&mut conn, &mut tcp, deadline, &mut self.read_timeout)? == 0 {
                    return Err(io::Error::new(
                        io::ErrorKind::UnexpectedEof,
                        "the server closed the connection during the TLS handshake",
                    ));
                }
            }
            arm_write(&tcp, timeout, Some(deadline), &mut self.write_timeout)?;
            flush_tls(&mut conn, &mut tcp)
        })();
        if let Err(e) = res {
            self.broken = true;
            let _ = tcp.shutdown(Shutdown::Both);
            if matches!(
                e.kind(),
                io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut
            ) {
                return Err(self.timeout_error(
                    Stage::TlsHandshake,
                    timeout,
                    call_limit,
                    "the TLS handshake did not complete",
                ));
            }
            let mut err = SmtpError::from_io(Stage::TlsHandshake, &e);
            let plain_answer = matches!(
                e.get_ref().and_then(|i| i.downcast_ref::<rustls::Error>()),
                Some(rustls::Error::InvalidMessage(
                    rustls::InvalidMessage::InvalidContentType
                ))
            );
            if plain_answer && self.config.implicit_tls() {
                // The server answered the hello with its plain-text greeting ("220 ...").
                err.message = format!(
                    "the TLS handshake failed because the server answered in plain text: port {} \
                     expects STARTTLS or no TLS, not implicit TLS (implicit TLS is usually port \
                     465, STARTTLS 587)",
                    self.config.effective_port()
                );
                return Err(err);
            }
            if matches!(
                err.kind,
                SmtpErrorKind::ConnectionLost { .. } | SmtpErrorKind::Io
            ) {
                err.kind = SmtpErrorKind::Tls;
                err.message = format!("the TLS handshake failed: {}", io_reason(&e));
            }
            return Err(err);
        }
        self.stream = Stream::Tls(Box::new(StreamOwned::new(conn, tcp)));
        self.encrypted = true;
        Ok(())
    }

    fn authenticate(&mut self) -> Result<(), SmtpError> {
        let Some(creds) = self.config.credentials.clone() else {
            return Ok(());
        };
        if !self.encrypted && self.config.security != Security::None {
            return Err(SmtpError::new(
                SmtpErrorKind::CredentialsRequireTls,
                "refusing to send credentials over an unencrypted connection",
            ));
        }
        let mech = auth::choose(&self.caps, &creds, self.config.auth_mechanism)?;
        let user = creds.username.as_str();
        match &creds.secret {
            Secret::Password(pass) => self.auth_password(mech, user, pass),
            Secret::OAuth2Token(token) => self.auth_token(mech, user, token),
            Secret::OAuth2Provider(provider) => {
                if let Some(token) = self.refreshed_token.take() {
                    // The second connection, with the token refreshed on the first.
                    return self.auth_token(mech, user, &token).map_err(|mut e| {
                        e.message = format!(
                            "{} (with a refreshed token, on a new connection: the server \
                             closed the first after refusing a token)",
                            e.message
                        );
                        e
                    });
                }
                let token = ask_token(provider, false, None)?;
                match self.auth_token(mech, user, &token) {
                    // The server refused the token: ask for a fresh one and try once more.
                    Err(e) if e.kind == SmtpErrorKind::AuthFailed => {
                        let token = ask_token(provider, true, Some(&e))?;
                        if self.broken {
                            // It closed the connection with its refusal (421 after the 535).
                            self.refreshed_token = Some(token);
                            return Err(e);
                        }
                        self.auth_token(mech, user, &token).map_err(|mut e2| {
                            if self.broken && e2.reply.as_ref().is_none_or(|r| r.code == 421) {
                                // Lost before the server judged the new token.
                                self.refreshed_token = Some(token);
                            }
                            e2.message = format!(
                                "{} (after a refreshed token; the first was refused too)",
                                e2.message
                            );
                            e2
                        })
                    }
                    other => other,
                }
            }
        }
    }

    /// AUTH with a password.
    fn auth_password(
        &mut self,
        mech: AuthMechanism,
        user: &str,
        pass: &str,
    ) -> Result<(), SmtpError> {
        let final_reply = match mech {
            AuthMechanism::Plain => {
                let line = format!("AUTH PLAIN {}", auth::b64(&auth::plain(user, pass)));
                self.send_line(&line, "AUTH PLAIN <redacted>", Stage::Auth)?;
                self.read_reply(Stage::Auth, self.config.command_timeout)?
            }
            AuthMechanism::Login => {
                let r = self.command("AUTH LOGIN", Stage::Auth)?;
                self.expect_334(r)?;
                self.send_line(&auth::b64(user.as_bytes()), "<redacted>", Stage::Auth)?;
                let r = self.read_reply(Stage::Auth, self.config.command_timeout)?;
                self.expect_334(r)?;
                self.send_line(&auth::b64(pass.as_bytes()), "<redacted>", Stage::Auth)?;
                self.read_reply(Stage::Auth, self.config.command_timeout)?
            }
            AuthMechanism::CramMd5 => {
                let r = self.command("AUTH CRAM-MD5", Stage::Auth)?;
                let r = self.expect_334(r)?;
                let Some(challenge) = r.lines.first().and_then(|l| auth::unb64(l)) else {
                    let _ = self.command("*", Stage::Auth);
                    return Err(SmtpError::with_reply(
                        SmtpErrorKind::ProtocolError,
                        "the CRAM-MD5 challenge is not valid base64",
                        r,
                    ));
                };
                let resp = auth::b64(auth::cram_md5(user, pass, &challenge).as_bytes());
                self.send_line(&resp, "<redacted>", Stage::Auth)?;
                self.read_reply(Stage::Auth, self.config.command_timeout)?
            }
            AuthMechanism::ScramSha256 | AuthMechanism::ScramSha1 => {
                return self.auth_scram(mech, user, pass);
            }
            AuthMechanism::XOAuth2 | AuthMechanism::OAuthBearer => {
                return Err(SmtpError::new(
                    SmtpErrorKind::AuthUnsupported,
                    format!(
                        "AUTH {} needs an OAuth 2 token, not a password",
                        mech.name()
                    ),
                ));
            }
        };
        self.finish_auth(mech, final_reply)
    }

    /// Ends an exchange: success on 2xx, else the AUTH error (cancelling a pending challenge).
    fn finish_auth(&mut self, mech: AuthMechanism, final_reply: Reply) -> Result<(), SmtpError> {
        if final_reply.is_positive() {
            return Ok(());
        }
        if final_reply.code == 334 {
            let _ = self.command("*", Stage::Auth);
        }
        Err(auth_error(mech, final_reply))
    }

    /// SCRAM-SHA-256 or SCRAM-SHA-1 (RFC 5802, RFC 7677) with rsasl: client-first as the
    /// initial response, client-final (the proof) after the server-first challenge, then the
    /// server's signature is verified before the final reply counts. A server that does not
    /// prove it knows the password fails the AUTH even if it accepts the client.
    fn auth_scram(&mut self, mech: AuthMechanism, user: &str, pass: &str) -> Result<(), SmtpError> {
        use rsasl::prelude::{Mechname, SASLClient, SASLConfig, State};
        let local = |why: String| SmtpError::new(SmtpErrorKind::InvalidInput, why);
        let config = SASLConfig::with_credentials(None, user.to_string(), pass.to_string())
            .map_err(|e| local(format!("SCRAM cannot be set up: {e}")))?;
        let name = Mechname::parse(mech.name().as_bytes())
            .map_err(|e| local(format!("SCRAM mechanism name: {e}")))?;
        let mut session = SASLClient::new(config)
            .start_suggested(&[name])
            .map_err(|e| local(format!("SCRAM cannot start: {e}")))?;
        let timeout = self.config.command_timeout;
        let mut first = Vec::new();
        session
            .step64(None, &mut first)
            .map_err(|e| local(format!("SCRAM client-first message: {e}")))?;
        let line = format!("AUTH {} {}", mech.name(), String::from_utf8_lossy(&first));
        self.send_line(
            &line,
            &format!("AUTH {} <redacted>", mech.name()),
            Stage::Auth,
        )?;
        let r = self.read_reply(Stage::Auth, timeout)?;
        if r.code != 334 {
            return self.finish_auth(mech, r);
        }
        let challenge = r.lines.first().map(|l| l.trim()).unwrap_or_default();
        let mut proof = Vec::new();
        if let Err(e) = session.step64(Some(challenge.as_bytes()), &mut proof) {
            let _ = self.command("*", Stage::Auth);
            return Err(SmtpError::with_reply(
                SmtpErrorKind::ProtocolError,
                format!("the server's {} challenge is invalid ({e})", mech.name()),
                r,
            ));
        }
        self.send_line(&String::from_utf8_lossy(&proof), "<redacted>", Stage::Auth)?;
        let r = self.read_reply(Stage::Auth, timeout)?;
        if r.code != 334 {
            if r.is_positive() {
                // Accepted, but without the server-final message: the server never proved
                // that it knows the password.
                self.abandon();
                return Err(SmtpError::with_reply(
                    SmtpErrorKind::AuthFailed,
                    format!(
                        "AUTH {} was accepted without the server's signature, so the server                          was not authenticated; the connection was closed",
                        mech.name()
                    ),
                    r,
                ));
            }
            return self.finish_auth(mech, r);
        }
        let server_final = r.lines.first().map(|l| l.trim()).unwrap_or_default();
        let mut rest = Vec::new();
        match session.step64(Some(server_final.as_bytes()), &mut rest) {
            Ok(State::Finished(_)) => {}
            Ok(State::Running) | Err(_) => {
                // Wrong signature: whoever answers does not know the password. Cancel.
                let _ = self.command("*", Stage::Auth);
                self.abandon();
                return Err(SmtpError::with_reply(
                    SmtpErrorKind::AuthFailed,
                    format!(
                        "the server's {} signature does not verify: it does not know the                          password (an impostor?); authentication was cancelled and the                          connection closed",
                        mech.name()
                    ),
                    r,
                ));
            }
        }
        self.send_line("", "", Stage::Auth)?;
        let r = self.read_reply(Stage::Auth, timeout)?;
        self.finish_auth(mech, r)
    }

    /// AUTH with an OAuth 2 token (OAUTHBEARER or XOAUTH2).
    fn auth_token(
        &mut self,
        mech: AuthMechanism,
        user: &str,
        token: &str,
    ) -> Result<(), SmtpError> {
        let timeout = self.config.command_timeout;
        let (initial, error_ack) = match mech {
            AuthMechanism::XOAuth2 => (auth::xoauth2(user, token), ""),
            AuthMechanism::OAuthBearer => {
                let host = self
                    .config
                    .host
                    .trim_start_matches('[')
                    .trim_end_matches(']');
                let port = self.config.effective_port();
                // RFC 7628 3.2.3: an error challenge is answered with a lone ^A.
                (auth::oauthbearer(user, host, port, token), "AQ==")
            }
            other => {
                return Err(SmtpError::new(
                    SmtpErrorKind::AuthUnsupported,
                    format!(
                        "AUTH {} needs a password, not an OAuth 2 token",
                        other.name()
                    ),
                ));
            }
        };
        let line = format!("AUTH {} {}", mech.name(), auth::b64(&initial));
        self.send_line(
            &line,
            &format!("AUTH {} <redacted>", mech.name()),
            Stage::Auth,
        )?;
        let mut r = self.read_reply(Stage::Auth, timeout)?;
        if r.code == 334 {
            // The server sent an error description; the acknowledgement gets the final reply.
            self.send_line(error_ack, error_ack, Stage::Auth)?;
            r = self.read_reply(Stage::Auth, timeout)?;
        }
        self.finish_auth(mech, r)
    }

    /// Continues an AUTH exchange only after a 334 challenge.
    fn expect_334(&mut self, r: Reply) -> Result<Reply, SmtpError> {
        if r.code == 334 {
            Ok(r)
        } else {
            Err(auth_error_named("AUTH", r))
        }
    }

    // ----- transactions --------------------------------------------------------------------

    fn prepare(&self, env: &Envelope, message: &[u8]) -> Result<Prepared, SmtpError> {
        let size = if self.binary_body(env) {
            message.len() as u64
        } else if self.use_chunking() {
            data::chunking_len(message)
        } else {
            data::encoded_len(message)
        };
        self.prepare_sized(env, || Some(size))
    }

    /// As `prepare`, with the message size given by `size` (asked only when the server has a
    /// SIZE limit; `None` when unknown).
    fn prepare_sized(
        &self,
        env: &Envelope,
        size: impl FnOnce() -> Option<u64>,
    ) -> Result<Prepared, SmtpError> {
        let invalid = |m: String| SmtpError::new(SmtpErrorKind::InvalidInput, m);
        if env.recipients.is_empty() {
            return Err(invalid("the envelope has no recipients".to_string()));
        }
        check_address(&env.mail_from, env.smtputf8, true)?;
        for r in &env.recipients {
            check_address(&r.address, env.smtputf8, false)?;
        }
        if env.smtputf8 && !self.caps.smtputf8 {
            return Err(SmtpError::new(
                SmtpErrorKind::SmtpUtf8NotSupported,
                "the message needs SMTPUTF8 but the server does not support it",
            ));
        }
        let mut mail = format!("MAIL FROM:<{}>", env.mail_from);
        if let Some(limit) = self.caps.size
            && let Some(size) = size()
        {
            if limit > 0 && size > limit {
                return Err(SmtpError::new(
                    SmtpErrorKind::MessageTooLarge,
                    format!(
                        "the message is {size} bytes, larger than the server's limit of {limit} bytes"
                    ),
                ));
            }
            mail.push_str(&format!(" SIZE={size}"));
        }
        let binary = self.binary_body(env);
        if binary {
            mail.push_str(" BODY=BINARYMIME");
        } else if env.eight_bit && self.caps.eight_bit_mime {
            mail.push_str(" BODY=8BITMIME");
        }
        if env.smtputf8 {
            mail.push_str(" SMTPUTF8");
        }
        if self.caps.dsn {
            match env.dsn_ret {
                Some(super::DsnRet::Full) => mail.push_str(" RET=FULL"),
                Some(super::DsnRet::Headers) => mail.push_str(" RET=HDRS"),
                None => {}
            }
            if let Some(id) = &env.dsn_envid {
                mail.push_str(&format!(" ENVID={}", xtext(id)));
            }
        }
        let mut rcpts: Vec<(String, String)> = Vec::new();
        for r in &env.recipients {
            if rcpts.iter().any(|(a, _)| *a == r.address) {
                continue;
            }
            let mut cmd = format!("RCPT TO:<{}>", r.address);
            if self.caps.dsn
                && let Some(n) = r.notify.and_then(|n| n.param())
            {
                cmd.push_str(&format!(" NOTIFY={n}"));
            }
            rcpts.push((r.address.clone(), cmd));
        }
        Ok(Prepared {
            mail,
            rcpts,
            binary,
        })
    }

    fn data_in_pipeline(&self) -> bool {
        // With require_all_recipients, DATA waits for the RCPT replies: after a 354 there is
        // no way to abort the message without sending it.
        self.use_pipelining() && !self.config.require_all_recipients
    }

    fn pipelined_commands<'a>(&self, p: &'a Prepared) -> Vec<&'a str> {
        let mut cmds: Vec<&str> = vec![p.mail.as_str()];
        cmds.extend(p.rcpts.iter().map(|(_, c)| c.as_str()));
        if self.data_in_pipeline() {
            cmds.push("DATA");
        }
        cmds
    }

    /// Runs one transaction. `written`: its commands were already sent (after the previous
    /// final dot). `next`: a transaction whose commands may follow this one's final dot.
    /// Returns the result and whether `next`'s commands were written.
    fn transact(
        &mut self,
        p: &Prepared,
        message: &mut Body<'_>,
        written: bool,
        next: Option<&Prepared>,
    ) -> (Result<SendResult, SmtpError>, bool) {
        let mut next_written = false;
        let res = self.transact_inner(p, message, written, next, &mut next_written);
        (res, next_written)
    }

    fn transact_inner(
        &mut self,
        p: &Prepared,
        message: &mut Body<'_>,
        written: bool,
        next: Option<&Prepared>,
        next_written: &mut bool,
    ) -> Result<SendResult, SmtpError> {
        self.transactions += 1;
        let pipelined = self.use_pipelining();
        let data_in_pipeline = self.data_in_pipeline();
        let timeout = self.config.command_timeout;
        if pipelined && !written {
            let cmds = self.pipelined_commands(p);
            self.send_lines(&cmds, Stage::Mail)?;
        }
        let mail_reply = if pipelined {
            self.read_reply(Stage::Mail, timeout)?
        } else {
            self.command(&p.mail, Stage::Mail)?
        };
        if !mail_reply.is_positive() && (!pipelined || self.broken) {
            self.rset_after_failure();
            return Err(SmtpError::with_reply(
                SmtpErrorKind::ServerRejected { stage: Stage::Mail },
                "the server refused the sender (MAIL FROM)",
                mail_reply,
            ));
        }
        let mut accepted = Vec::new();
        let mut rejected = Vec::new();
        for (addr, cmd) in &p.rcpts {
            let r = if pipelined {
                self.read_reply(Stage::Rcpt, timeout)?
            } else {
                self.command(cmd, Stage::Rcpt)?
            };
            if r.is_positive() {
                accepted.push(addr.clone());
            } else {
                rejected.push((addr.clone(), r));
            }
            if self.broken {
                break;
            }
        }
        let data_reply = if data_in_pipeline && !self.broken {
            Some(self.read_reply(Stage::Data, timeout)?)
        } else {
            None
        };
        let failure = if !mail_reply.is_positive() {
            Some(SmtpError::with_reply(
                SmtpErrorKind::ServerRejected { stage: Stage::Mail },
                "the server refused the sender (MAIL FROM)",
                mail_reply,
            ))
        } else if accepted.is_empty() {
            // The replies follow, one per recipient (SmtpError's Display).
            Some(SmtpError::new(
                SmtpErrorKind::AllRecipientsRejected,
                "the server refused every recipient",
            ))
        } else if !rejected.is_empty() && self.config.require_all_recipients {
            Some(SmtpError::new(
                SmtpErrorKind::SomeRecipientsRejected,
                format!(
                    "the server refused {} of {} recipients, so nothing was sent (every recipient \
                     is required)",
                    rejected.len(),
                    p.rcpts.len()
                ),
            ))
        } else {
            None
        };
        if let Some(mut err) = failure {
            err.rejected = rejected;
            if let Some(dr) = data_reply
                && dr.code == 354
            {
                // A misbehaving server accepted DATA without a valid recipient: end the
                // data at once, with no content.
                self.log(LogDirection::Sent, ".");
                if self.write_all(b".\r\n", Stage::DataEnd).is_ok() {
                    let _ = self.read_reply(Stage::DataEnd, timeout);
                }
            }
            self.rset_after_failure();
            return Err(err);
        }
        if self.broken {
            return Err(SmtpError::new(
                SmtpErrorKind::ConnectionLost { stage: Stage::Rcpt },
                "the server is closing the connection (421)",
            ));
        }
        let data_reply = match data_reply {
            Some(r) => r,
            None => self.command("DATA", Stage::Data).map_err(|mut e| {
                e.rejected = rejected.clone();
                e
            })?,
        };
        if data_reply.code != 354 {
            self.rset_after_failure();
            let mut err = SmtpError::with_reply(
                SmtpErrorKind::ServerRejected { stage: Stage::Data },
                "the server refused DATA",
                data_reply,
            );
            err.rejected = rejected;
            return Err(err);
        }
        let with_rejected = |mut e: SmtpError, rejected: &Vec<(String, Reply)>| {
            e.rejected = rejected.clone();
            e
        };
        self.write_body(message, next)
            .map_err(|e| with_rejected(e, &rejected))?;
        *next_written = next.is_some();
        let reply = self
            .read_reply(Stage::DataEnd, timeout)
            .map_err(|e| with_rejected(e, &rejected))?;
        if !reply.is_positive() {
            let mut err = SmtpError::with_reply(
                SmtpErrorKind::ServerRejected {
                    stage: Stage::DataEnd,
                },
                "the server refused the message",
                reply,
            );
            err.rejected = rejected;
            return Err(err);
        }
        Ok(SendResult {
            reply,
            accepted,
            rejected,
        })
    }

    /// Streams the content, the final dot, and `next`'s pipelined commands in one flush.
    fn write_body(
        &mut self,
        body: &mut Body<'_>,
        next: Option<&Prepared>,
    ) -> Result<(), SmtpError> {
        let message = match body {
            Body::Bytes(m) => *m,
            Body::Stream(r) => return self.write_stream(&mut **r),
        };
        let next_cmds: Vec<&str> = next.map(|n| self.pipelined_commands(n)).unwrap_or_default();
        if self.logging() {
            let size = data::encoded_len(message);
            self.log(
                LogDirection::Sent,
                &format!("<{size} bytes of message data>"),
            );
            self.log(LogDirection::Sent, ".");
            for c in &next_cmds {
                self.log(LogDirection::Sent, c);
            }
        }
        // One buffer, reused from message to message: the encoded data, the final dot and the
        // next transaction's commands go out in as few writes as the size allows.
        let mut buf = std::mem::take(&mut self.wbuf);
        buf.clear();
        let mut w = self.writer();
        let stream = &mut w;
        let mut res = data::encode(message, |piece| {
            if buf.len() + piece.len() > DATA_BUFFER && !buf.is_empty() {
                stream.write_all(&buf)?;
                buf.clear();
            }
            if piece.len() > DATA_BUFFER {
                stream.write_all(piece)
            } else {
                buf.extend_from_slice(piece);
                Ok(())
            }
        });
        if res.is_ok() {
            buf.extend_from_slice(b".\r\n");
            for c in &next_cmds {
                buf.extend_from_slice(c.as_bytes());
                buf.extend_from_slice(b"\r\n");
            }
            res = stream.write_all(&buf).and_then(|()| stream.flush());
        }
        if buf.capacity() > 4 * DATA_BUFFER {
            buf = Vec::new();
        }
        self.wbuf = buf;
        res.map_err(|e| self.io_error(Stage::DataBody, &e))
    }

    /// Streams the content of `reader` and the final dot. A read error closes the connection
    /// without the final dot: the server must not take a truncated message for a whole one.
    fn write_stream(&mut self, reader: &mut dyn Read) -> Result<(), SmtpError> {
        let mut read_error: Option<io::Error> = None;
        let mut total = 0u64;
        let res = {
            let mut w = BufWriter::with_capacity(DATA_BUFFER, self.writer());
            let mut buf = vec![0u8; STREAM_BUFFER];
            let mut enc = data::Encoder::new();
            let mut emit = |piece: &[u8]| {
                total += piece.len() as u64;
                w.write_all(piece)
            };
            let mut res = Ok(());
            loop {
                let n = match reader.read(&mut buf) {
                    Ok(0) => break,
                    Ok(n) => n,
                    Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                    Err(e) => {
                        read_error = Some(e);
                        break;
                    }
                };
                res = enc.feed(&buf[..n], &mut emit);
                if res.is_err() {
                    break;
                }
            }
            if res.is_ok() && read_error.is_none() {
                res = enc.finish(&mut emit).and_then(|()| w.write_all(b".\r\n"));
                if res.is_ok() {
                    res = w.flush();
                }
            }
            res
        };
        if let Some(e) = read_error {
            self.abandon();
            return Err(SmtpError::new(
                SmtpErrorKind::Io,
                format!(
                    "reading the message failed after {total} bytes were sent ({}); the \
                     connection was closed without ending the data, so nothing was delivered",
                    io_reason(&e)
                ),
            ));
        }
        self.log(
            LogDirection::Sent,
            &format!("<{total} bytes of message data>"),
        );
        self.log(LogDirection::Sent, ".");
        res.map_err(|e| self.io_error(Stage::DataBody, &e))
    }

    fn rset_after_failure(&mut self) {
        if !self.broken {
            let _ = self.rset();
        }
    }
}

impl Drop for SmtpConnection {
    fn drop(&mut self) {
        self.close();
    }
}

fn unreachable_security() -> Result<(), SmtpError> {
    Err(SmtpError::new(
        SmtpErrorKind::Tls,
        "implicit TLS was not started",
    ))
}

/// Asks the token provider for a token; `refused`: the error of the token just refused.
fn ask_token(
    provider: &super::TokenProvider,
    refresh: bool,
    refused: Option<&SmtpError>,
) -> Result<String, SmtpError> {
    let when = match refused {
        Some(e) => format!(" after the server refused the first token ({})", e.message),
        None => String::new(),
    };
    let token = provider.token(refresh).map_err(|why| {
        SmtpError::new(
            SmtpErrorKind::TokenProvider,
            format!("the OAuth 2 token provider gave no token{when}: {why}"),
        )
    })?;
    if token.is_empty() {
        return Err(SmtpError::new(
            SmtpErrorKind::TokenProvider,
            format!("the OAuth 2 token provider gave an empty token{when}"),
        ));
    }
    if token.bytes().any(|b| b < b' ' || b == 0x7f) {
        return Err(SmtpError::new(
            SmtpErrorKind::TokenProvider,
            format!("the OAuth 2 token provider gave a token with a control character{when}"),
        ));
    }
    Ok(token)
}

fn auth_error(mech: AuthMechanism, r: Reply) -> SmtpError {
    auth_error_named(&format!("AUTH {}", mech.name()), r)
}

fn auth_error_named(what: &str, r: Reply) -> SmtpError {
    let kind = match r.code {
        504 => SmtpErrorKind::AuthUnsupported,
        _ => SmtpErrorKind::AuthFailed,
    };
    let message = if r.code == 535 {
        format!("the user name or password was refused ({what})")
    } else {
        format!("authentication failed ({what})")
    };
    SmtpError::with_reply(kind, message, r)
}

fn check_address(addr: &str, smtputf8: bool, may_be_empty: bool) -> Result<(), SmtpError> {
    let invalid = |why: &str| {
        SmtpError::new(
            SmtpErrorKind::InvalidInput,
            format!("invalid address {addr:?}: {why}"),
        )
    };
    if addr.is_empty() && !may_be_empty {
        return Err(invalid("empty"));
    }
    if addr.len() > 998 {
        return Err(invalid("too long"));
    }
    if addr
        .bytes()
        .any(|b| b < b' ' || b == 0x7f || b == b'<' || b == b'>')
    {
        return Err(invalid("contains a control character or angle bracket"));
    }
    if !smtputf8 && !addr.is_ascii() {
        return Err(invalid(
            "contains non-ASCII characters, which need a server that offers SMTPUTF8",
        ));
    }
    Ok(())
}

fn open_tcp(config: &SmtpConfig, deadline: Option<Instant>) -> Result<TcpStream, SmtpError> {
    let host = config.host.trim_start_matches('[').trim_end_matches(']');
    if host.is_empty() {
        return Err(SmtpError::new(
            SmtpErrorKind::InvalidInput,
            "no SMTP host configured",
        ));
    }
    let port = config.effective_port();
    let Some(proxy) = &config.proxy else {
        return connect_tcp(config, host, port, deadline);
    };
    // The proxy's own address is resolved here; the SMTP host's name goes to the proxy.
    let mut tcp = connect_tcp(config, &proxy.host, proxy.port, deadline).map_err(|mut e| {
        if e.kind == SmtpErrorKind::Connect {
            e.kind = SmtpErrorKind::Proxy;
            e.message = format!("cannot reach the proxy {proxy}: {}", e.message);
        }
        e
    })?;
    proxy::handshake(
        proxy,
        &mut tcp,
        host,
        port,
        config.command_timeout,
        deadline,
    )?;
    let t = Some(config.command_timeout.max(Duration::from_millis(1)));
    let _ = tcp.set_write_timeout(t);
    let _ = tcp.set_read_timeout(t);
    Ok(tcp)
}

/// A TCP connection to `host`:`port` (each resolved address in turn), with the command
/// timeout set for reads and writes.
fn connect_tcp(
    config: &SmtpConfig,
    host: &str,
    port: u16,
    deadline: Option<Instant>,
) -> Result<TcpStream, SmtpError> {
    let addrs: Vec<SocketAddr> = match (host, port).to_socket_addrs() {
        Ok(a) => a.collect(),
        Err(e) => {
            let why = io_reason(&e);
            let why = why
                .strip_prefix("failed to lookup address information: ")
                .unwrap_or(&why)
                .to_lowercase();
            return Err(SmtpError::new(
                SmtpErrorKind::Connect,
                format!("could not find the host {host} (check the name): {why}"),
            ));
        }
    };
    if addrs.is_empty() {
        return Err(SmtpError::new(
            SmtpErrorKind::Connect,
            format!("could not find the host {host}: it has no address"),
        ));
    }
    let timeout = if config.connect_timeout.is_zero() {
        Duration::from_secs(30)
    } else {
        config.connect_timeout
    };
    let mut failures = Vec::new();
    for addr in &addrs {
        let timeout = match deadline {
            Some(d) => {
                let left = d.saturating_duration_since(Instant::now());
                if left.is_zero() {
                    failures.push((*addr, "the call's total time limit ran out".to_string()));
                    break;
                }
                timeout.min(left)
            }
            None => timeout,
        };
        match TcpStream::connect_timeout(addr, timeout) {
            Ok(tcp) => {
                let _ = tcp.set_nodelay(true);
                let t = Some(config.command_timeout.max(Duration::from_millis(1)));
                let _ = tcp.set_write_timeout(t);
                let _ = tcp.set_read_timeout(t);
                return Ok(tcp);
            }
            Err(e) => failures.push((*addr, connect_failure(&e, timeout))),
        }
    }
    Err(SmtpError::new(
        SmtpErrorKind::Connect,
        connect_text(host, port, &failures),
    ))
}

/// Why one address refused a connection, with the usual cause.
fn connect_failure(e: &io::Error, timeout: Duration) -> String {
    match e.kind() {
        io::ErrorKind::ConnectionRefused => "the connection was refused (nothing listens on that \
             port; SMTP submission is port 587 with STARTTLS or 465 with implicit TLS)"
            .to_string(),
        io::ErrorKind::TimedOut | io::ErrorKind::WouldBlock => format!(
            "no answer within {} (the host is down, or a firewall drops the connection)",
            seconds(timeout)
        ),
        _ => io_reason(e),
    }
}

/// The text of a failed connection: each reason once (all addresses of a name usually fail the
/// same way), and a hint for port 25, which many networks block.
pub(crate) fn connect_text(host: &str, port: u16, failures: &[(SocketAddr, String)]) -> String {
    let mut reasons: Vec<&str> = Vec::new();
    for (_, why) in failures {
        if !reasons.contains(&why.as_str()) {
            reasons.push(why);
        }
    }
    let why = if reasons.len() <= 1 {
        reasons.first().map_or(String::new(), |r| r.to_string())
    } else {
        failures
            .iter()
            .map(|(addr, why)| format!("{}: {why}", addr.ip()))
            .collect::<Vec<_>>()
            .join("; ")
    };
    let mut text = format!("could not connect to {host} port {port}: {why}");
    if port == 25 && failures.iter().any(|(_, w)| w.starts_with("no answer")) {
        text.push_str(
            "; many networks block outgoing port 25: to submit mail use port 587 (STARTTLS) or \
             465 (implicit TLS)",
        );
    }
    text
}

/// A duration for people: "1.5 s", "30 s".
pub(crate) fn seconds(d: Duration) -> String {
    let ms = d.as_millis();
    if ms.is_multiple_of(1000) {
        format!("{} s", ms / 1000)
    } else {
        let s = format!("{:.3}", d.as_secs_f64());
        format!("{} s", s.trim_end_matches('0'))
    }
}

/// The machine's fully qualified name if it has one, else the address literal of `local`.
fn default_client_name(local: Option<SocketAddr>) -> String {
    if let Some(fqdn) = machine_fqdn() {
        return fqdn;
    }
    match local.map(|a| a.ip()) {
        Some(IpAddr::V4(ip)) => format!("[{ip}]"),
        Some(IpAddr::V6(ip)) => match ip.to_ipv4_mapped() {
            Some(v4) => format!("[{v4}]"),
            None => format!("[IPv6:{ip}]"),
        },
        None => "[127.0.0.1]".to_string(),
    }
}

fn machine_fqdn() -> Option<String> {
    let candidates = [
        std::fs::read_to_string("/proc/sys/kernel/hostname").ok(),
        std::fs::read_to_string("/etc/hostname").ok(),
        std::env::var("HOSTNAME").ok(),
    ];
    candidates
        .into_iter()
        .flatten()
        .map(|s| s.trim().to_ascii_lowercase())
        .find(|name| {
            name.contains('.')
                && !name.starts_with("localhost")
                && !name.starts_with('.')
                && !name.ends_with('.')
                && name.len() <= 253
                && name
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'.' || b == b'-')
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn addr(s: &str) -> SocketAddr {
        s.parse().unwrap()
    }

    #[test]
    fn durations_read_as_seconds() {
        assert_eq!(seconds(Duration::from_millis(1500)), "1.5 s");
        assert_eq!(seconds(Duration::from_secs(30)), "30 s");
        assert_eq!(seconds(Duration::from_millis(250)), "0.25 s");
    }

    #[test]
    fn port_25_timeouts_say_the_port_may_be_blocked() {
        let why = connect_failure(
            &io::Error::from(io::ErrorKind::TimedOut),
            Duration::from_secs(10),
        );
        let t = connect_text("mx.example.org", 25, &[(addr("192.0.2.1:25"), why)]);
        assert_eq!(
            t,
            "could not connect to mx.example.org port 25: no answer within 10 s (the host is down, \
             or a firewall drops the connection); many networks block outgoing port 25: to submit \
             mail use port 587 (STARTTLS) or 465 (implicit TLS)"
        );
    }

    #[test]
    fn one_reason_for_all_addresses_is_said_once() {
        let refused = connect_failure(
            &io::Error::from(io::ErrorKind::ConnectionRefused),
            Duration::from_secs(1),
        );
        let t = connect_text(
            "localhost",
            2525,
            &[
                (addr("127.0.0.1:2525"), refused.clone()),
                (addr("[::1]:2525"), refused.clone()),
            ],
        );
        assert_eq!(
            t,
            format!("could not connect to localhost port 2525: {refused}")
        );
        let other = io_reason(&io::Error::from_raw_os_error(101));
        let t = connect_text(
            "localhost",
            2525,
            &[
                (addr("127.0.0.1:2525"), refused.clone()),
                (addr("[::1]:2525"), other.clone()),
            ],
        );
        assert_eq!(
            t,
            format!("could not connect to localhost port 2525: 127.0.0.1: {refused}; ::1: {other}")
        );
        assert!(!t.contains("os error"), "{t}");
    }
}
