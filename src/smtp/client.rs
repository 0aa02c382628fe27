//! A client that keeps one SMTP session open between sends and reconnects transparently.

use std::time::{Duration, Instant};

use super::{Envelope, SendResult, SmtpConfig, SmtpConnection, SmtpError, SmtpErrorKind, Stage};

/// Idle time after which the session is checked with NOOP before it is reused.
pub const DEFAULT_IDLE_CHECK: Duration = Duration::from_secs(5);

/// Sends messages over one kept-alive [`SmtpConnection`].
///
/// The connection is opened on the first send. Before a send on a connection idle for longer
/// than [`SmtpClient::set_idle_check`] (default [`DEFAULT_IDLE_CHECK`]), NOOP checks it; if the
/// server closed it, a new one is opened. If a reused connection turns out to be closed while
/// nothing of the message had been sent yet (lost connection or 421 before DATA), the client
/// reconnects and tries once more. A failed transaction is followed by RSET. Dropping the
/// client (or [`SmtpClient::close`]) sends QUIT.
///
/// Each call ([`SmtpClient::send`], [`SmtpClient::send_stream`], [`SmtpClient::send_many`],
/// [`SmtpClient::connection`]) ends within [`SmtpConfig::total_timeout`], the connection it
/// opens (or checks) and its reconnection included.
pub struct SmtpClient {
    config: SmtpConfig,
    conn: Option<SmtpConnection>,
    idle_check: Duration,
}

/// Whether the error guarantees that nothing of the message reached the server.
fn nothing_sent(e: &SmtpError) -> bool {
    match e.kind {
        SmtpErrorKind::ConnectionLost { stage } => {
            matches!(stage, Stage::Mail | Stage::Rcpt | Stage::Data)
        }
        SmtpErrorKind::ServerRejected { stage: Stage::Mail } => {
            e.reply.as_ref().is_some_and(|r| r.code == 421)
        }
        _ => false,
    }
}

impl SmtpClient {
    /// A client for `config`; nothing is connected yet.
    pub fn new(config: SmtpConfig) -> SmtpClient {
        SmtpClient {
            config,
            conn: None,
            idle_check: DEFAULT_IDLE_CHECK,
        }
    }

    /// Sets the idle time after which a kept connection is checked with NOOP before reuse.
    pub fn set_idle_check(&mut self, idle: Duration) {
        self.idle_check = idle;
    }

    /// The configuration.
    pub fn config(&self) -> &SmtpConfig {
        &self.config
    }

    /// Whether a connection is currently kept open (it may still have been closed by the
    /// server without notice).
    pub fn is_connected(&self) -> bool {
        self.conn.as_ref().is_some_and(|c| !c.is_broken())
    }

    /// The kept connection, opened (or checked and reopened) as needed.
    pub fn connection(&mut self) -> Result<&mut SmtpConnection, SmtpError> {
        self.ensure(self.config.call_deadline())?;
        self.end_call();
        match self.conn.as_mut() {
            Some(c) => Ok(c),
            None => Err(SmtpError::new(SmtpErrorKind::Connect, "not connected")),
        }
    }

    /// Returns whether an existing connection is reused. The connection is left with
    /// `deadline` pinned: the caller unpins it when its call is over.
    fn ensure(&mut self, deadline: Option<Instant>) -> Result<bool, SmtpError> {
        if let Some(c) = &mut self.conn {
            c.pin_deadline(deadline);
            let dead = c.is_broken() || (c.idle_time() >= self.idle_check && c.noop().is_err());
            c.unpin();
            if !dead {
                c.pin_deadline(deadline);
                return Ok(true);
            }
            self.conn = None;
        }
        let mut c = SmtpConnection::connect_by(&self.config, deadline)?;
        c.pin_deadline(deadline);
        self.conn = Some(c);
        Ok(false)
    }

    /// Ends a call: the kept connection no longer shares its deadline.
    fn end_call(&mut self) {
        if let Some(c) = &mut self.conn {
            c.unpin();
        }
    }

    /// Sends one message (see [`SmtpConnection::send`]).
    pub fn send(&mut self, envelope: &Envelope, message: &[u8]) -> Result<SendResult, SmtpError> {
        let deadline = self.config.call_deadline();
        let res = self.send_by(envelope, message, deadline);
        self.end_call();
        res
    }

    fn send_by(
        &mut self,
        envelope: &Envelope,
        message: &[u8],
        deadline: Option<Instant>,
    ) -> Result<SendResult, SmtpError> {
        let reused = self.ensure(deadline)?;
        let res = match self.conn.as_mut() {
            Some(c) => c.send(envelope, message),
            None => return Err(SmtpError::new(SmtpErrorKind::Connect, "not connected")),
        };
        match res {
            Err(e) if reused && nothing_sent(&e) => {
                // The server had dropped the kept connection: try once on a fresh one.
                self.conn = None;
                self.ensure(deadline)?;
                match self.conn.as_mut() {
                    Some(c) => c.send(envelope, message),
                    None => Err(e),
                }
            }
            other => other,
        }
    }

    /// Sends one message read from a stream (see [`SmtpConnection::send_stream`]). When a kept
    /// connection turns out to be closed before anything was read from `message`, it is sent
    /// once more on a new connection.
    pub fn send_stream(
        &mut self,
        envelope: &Envelope,
        message: &mut dyn std::io::Read,
        size_hint: Option<u64>,
    ) -> Result<SendResult, SmtpError> {
        let deadline = self.config.call_deadline();
        let res = self.send_stream_by(envelope, message, size_hint, deadline);
        self.end_call();
        res
    }

    fn send_stream_by(
        &mut self,
        envelope: &Envelope,
        message: &mut dyn std::io::Read,
        size_hint: Option<u64>,
        deadline: Option<Instant>,
    ) -> Result<SendResult, SmtpError> {
        let reused = self.ensure(deadline)?;
        let res = match self.conn.as_mut() {
            Some(c) => c.send_stream(envelope, message, size_hint),
            None => return Err(SmtpError::new(SmtpErrorKind::Connect, "not connected")),
        };
        match res {
            Err(e) if reused && nothing_sent(&e) => {
                self.conn = None;
                self.ensure(deadline)?;
                match self.conn.as_mut() {
                    Some(c) => c.send_stream(envelope, message, size_hint),
                    None => Err(e),
                }
            }
            other => other,
        }
    }

    /// Sends several messages (see [`SmtpConnection::send_many`]). Messages of which nothing
    /// was sent because the connection was lost are retried once on a new connection.
    pub fn send_many(&mut self, items: &[(Envelope, &[u8])]) -> Vec<Result<SendResult, SmtpError>> {
        let deadline = self.config.call_deadline();
        let res = self.send_many_by(items, deadline);
        self.end_call();
        res
    }

    fn send_many_by(
        &mut self,
        items: &[(Envelope, &[u8])],
        deadline: Option<Instant>,
    ) -> Vec<Result<SendResult, SmtpError>> {
        if let Err(e) = self.ensure(deadline) {
            return items.iter().map(|_| Err(e.clone())).collect();
        }
        let mut results = match self.conn.as_mut() {
            Some(c) => c.send_many(items),
            None => return Vec::new(),
        };
        let broken = self.conn.as_ref().is_none_or(|c| c.is_broken());
        let retry: Vec<usize> = results
            .iter()
            .enumerate()
            .filter(|(_, r)| r.as_ref().err().is_some_and(nothing_sent))
            .map(|(i, _)| i)
            .collect();
        if broken && !retry.is_empty() {
            self.conn = None;
            if self.ensure(deadline).is_ok() {
                let again: Vec<(Envelope, &[u8])> =
                    retry.iter().map(|&i| items[i].clone()).collect();
                if let Some(c) = self.conn.as_mut() {
                    for (slot, res) in retry.iter().zip(c.send_many(&again)) {
                        results[*slot] = res;
                    }
                }
            }
        }
        results
    }

    /// Sends QUIT and closes the kept connection, if any.
    pub fn close(&mut self) {
        if let Some(c) = self.conn.take() {
            c.quit();
        }
    }
}

impl Drop for SmtpClient {
    fn drop(&mut self) {
        self.close();
    }
}
