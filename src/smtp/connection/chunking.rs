//! CHUNKING (RFC 3030): messages sent with `BDAT`, several whole transactions in flight.
//!
//! With CHUNKING and PIPELINING, a transaction is written in one go — `MAIL`, the `RCPT`s,
//! `BDAT <size> LAST` and the content — and up to [`SmtpConfig::pipeline_window`] of them (and
//! at most 4 MiB of content besides the oldest) are written before the first replies are read:
//! the replies of the earlier messages are read while the later ones are still on their way.
//! Each message's outcome stays its own:
//!
//! - its replies all arrived: sent, or refused with the refusing reply;
//! - the connection was lost (or a reply timed out) after its last byte was written and before
//!   its final reply arrived: outcome unknown (`DataEnd`), unless a reply already showed that
//!   the server could not accept it (sender or every recipient refused);
//! - the connection was lost before its last byte was written, or the server closed it (421)
//!   before its turn: not delivered (lost at `MAIL`/`RCPT`, or during the content).
//!
//! On a connection that already carried a transaction before this call (kept between calls,
//! so the server may have closed it while it sat idle), the first message waits for its
//! envelope's replies before its content goes, as with DATA: a connection found closed then
//! costs nothing but a new connection, instead of leaving a message outcome-unknown.
//!
//! After a refused transaction the server may keep the transaction open, and a `MAIL` written
//! behind it may then be refused as out of sequence (503): such a message is written again
//! after `RSET`, once. With `require_all_recipients`, or without PIPELINING, each message's
//! envelope is answered before its content is sent (no window).
//!
//! With BINARYMIME offered and 8-bit content, the content is declared `BODY=BINARYMIME` and sent
//! byte for byte; otherwise it is CRLF-normalised on the fly (no dot-stuffing: the chunk size
//! delimits it).
//!
//! [`SmtpConfig::pipeline_window`]: super::SmtpConfig::pipeline_window

use std::collections::VecDeque;
use std::io::{self, Read, Write};

use super::{Body, DATA_BUFFER, Prepared, STREAM_BUFFER, SmtpConnection};
use crate::smtp::config::LogDirection;
use crate::smtp::data;
use crate::smtp::envelope::{Envelope, SendResult};
use crate::smtp::{Reply, SmtpError, SmtpErrorKind, Stage};

/// Most unanswered `BDAT` chunks of one streamed message (each up to [`STREAM_BUFFER`] bytes)
/// before the oldest reply is read: the replies must never fill the socket buffers while the
/// content is still being written.
const STREAM_CHUNKS_IN_FLIGHT: usize = 16;

/// Most content bytes written ahead of their replies (besides the oldest transaction, which
/// may be larger): with large messages the window holds fewer of them, so that a lost
/// connection leaves less outcome-unknown and the server's replies are read as they come.
const WINDOW_BYTES: u64 = 4 << 20;

/// A transaction written and not yet answered.
struct Flight {
    /// Index into the items.
    item: usize,
    /// Its content's size.
    bytes: u64,
    /// Whether the message was written after a refused transaction whose state the server may
    /// have kept (a 503 to its `MAIL` then means "write it again after RSET").
    after_failure: bool,
}

/// How one written transaction ended.
enum Ended {
    Done(Result<SendResult, SmtpError>),
    /// Refused as out of sequence behind a failed transaction: write it again after RSET.
    Again,
}

impl SmtpConnection {
    /// Whether messages go with BDAT: CHUNKING offered and not switched off.
    pub(super) fn use_chunking(&self) -> bool {
        self.config.chunking && self.caps.chunking
    }

    /// Whether the content of a message with this envelope is declared `BODY=BINARYMIME` and
    /// sent byte for byte.
    pub(super) fn binary_body(&self, env: &Envelope) -> bool {
        self.use_chunking() && self.caps.binarymime && env.eight_bit
    }

    /// How many whole transactions may be written ahead of their replies.
    fn window(&self) -> usize {
        if self.use_pipelining() && !self.config.require_all_recipients {
            self.config.pipeline_window.max(1)
        } else {
            1
        }
    }

    /// Sends the prepared messages with BDAT (see the module documentation).
    pub(super) fn send_many_chunked(
        &mut self,
        items: &[(Envelope, &[u8])],
        prepared: &[Result<Prepared, SmtpError>],
    ) -> Vec<Result<SendResult, SmtpError>> {
        let n = items.len();
        let mut results: Vec<Option<Result<SendResult, SmtpError>>> = vec![None; n];
        if self.window() == 1 {
            for (i, p) in prepared.iter().enumerate() {
                results[i] = Some(match p {
                    Err(e) => Err(e.clone()),
                    Ok(p) => self
                        .ensure_usable()
                        .and_then(|()| self.transact_stepwise(p, &mut Body::Bytes(items[i].1))),
                });
            }
            return results.into_iter().flatten().collect();
        }
        let window = self.window();
        let mut pending: VecDeque<usize> = (0..n).collect();
        if self.transactions > 0 {
            // The connection sat idle since its last transaction, and the server may have
            // closed it meanwhile without a word. A message written whole into a connection
            // that then turns out closed would be outcome-unknown; so the first one waits for
            // its envelope's replies before its content goes (as with DATA), which tells a
            // dead connection (nothing sent: sent again on a new one) from a live one.
            while let Some(i) = pending.pop_front() {
                match &prepared[i] {
                    Err(e) => results[i] = Some(Err(e.clone())),
                    Ok(p) => {
                        results[i] = Some(self.transact_stepwise(p, &mut Body::Bytes(items[i].1)));
                        break;
                    }
                }
            }
        }
        let mut written_again = vec![false; n];
        let mut in_flight: VecDeque<Flight> = VecDeque::new();
        let mut in_flight_bytes = 0u64;
        // A transaction was refused and the session has not been reset since.
        let mut dirty = false;
        // The server announced it is closing (421): later transactions were not processed.
        let mut closing = false;
        loop {
            // Fill the window (not behind a refusal, until the window drained and RSET ran).
            while in_flight.len() < window
                && (in_flight_bytes < WINDOW_BYTES || in_flight.is_empty())
                && !self.broken
                && (!dirty || in_flight.is_empty())
            {
                if dirty {
                    // The window drained after a refusal: reset the session first.
                    dirty = false;
                    if self.rset().is_err() {
                        break;
                    }
                }
                let Some(i) = pending.pop_front() else {
                    break;
                };
                let p = match &prepared[i] {
                    Ok(p) => p,
                    Err(e) => {
                        results[i] = Some(Err(e.clone()));
                        continue;
                    }
                };
                let bytes = match self.write_transaction(p, items[i].1) {
                    Ok(bytes) => bytes,
                    Err(e) => {
                        results[i] = Some(Err(e));
                        break;
                    }
                };
                in_flight_bytes += bytes;
                in_flight.push_back(Flight {
                    item: i,
                    bytes,
                    after_failure: false,
                });
            }
            let Some(f) = in_flight.pop_front() else {
                break;
            };
            in_flight_bytes -= f.bytes;
            let Ok(p) = &prepared[f.item] else {
                continue;
            };
            let ended = if closing {
                Ended::Done(Err(SmtpError::new(
                    SmtpErrorKind::ConnectionLost { stage: Stage::Mail },
                    "the server closed the connection (421) before this message's turn; it was \
                     not delivered",
                )))
            } else {
                self.read_transaction(p, f.after_failure)
            };
            match ended {
                Ended::Again if !written_again[f.item] => {
                    written_again[f.item] = true;
                    pending.push_front(f.item);
                }
                Ended::Again => {
                    results[f.item] = Some(Err(SmtpError::new(
                        SmtpErrorKind::ServerRejected { stage: Stage::Mail },
                        "the server refused MAIL FROM as out of sequence twice",
                    )));
                }
                Ended::Done(res) => {
                    closing |= self.closing;
                    if res.is_err() && !self.broken && !dirty {
                        dirty = true;
                        for later in in_flight.iter_mut() {
                            later.after_failure = true;
                        }
                    }
                    results[f.item] = Some(res);
                }
            }
        }
        // Whatever was not written: the connection is gone.
        results
            .into_iter()
            .enumerate()
            .map(|(i, r)| match (r, &prepared[i]) {
                (Some(r), _) => r,
                (None, Err(e)) => Err(e.clone()),
                (None, Ok(_)) => Err(not_written()),
            })
            .collect()
    }

    /// Writes one whole transaction: MAIL, the RCPTs, `BDAT <size> LAST` and the content.
    /// Returns the content's size. On failure the connection is broken and the error says how
    /// far it got (nothing of the content: lost at MAIL; some of it: during the content; its
    /// last byte is never written).
    fn write_transaction(&mut self, p: &Prepared, message: &[u8]) -> Result<u64, SmtpError> {
        self.transactions += 1;
        let size = if p.binary {
            message.len() as u64
        } else {
            data::chunking_len(message)
        };
        let bdat = format!("BDAT {size} LAST");
        if self.logging() {
            self.log(LogDirection::Sent, &p.mail);
            for (_, c) in &p.rcpts {
                self.log(LogDirection::Sent, c);
            }
            self.log(LogDirection::Sent, &bdat);
            self.log(
                LogDirection::Sent,
                &format!("<{size} bytes of message data>"),
            );
        }
        let mut buf = std::mem::take(&mut self.wbuf);
        buf.clear();
        buf.extend_from_slice(p.mail.as_bytes());
        buf.extend_from_slice(b"\r\n");
        for (_, c) in &p.rcpts {
            buf.extend_from_slice(c.as_bytes());
            buf.extend_from_slice(b"\r\n");
        }
        buf.extend_from_slice(bdat.as_bytes());
        buf.extend_from_slice(b"\r\n");
        let mut content_written = false;
        let res = {
            let mut w = self.writer();
            let mut put = |piece: &[u8]| -> io::Result<()> {
                if buf.len() + piece.len() > DATA_BUFFER && !buf.is_empty() {
                    content_written = true;
                    w.write_all(&buf)?;
                    buf.clear();
                }
                if piece.len() > DATA_BUFFER {
                    content_written = true;
                    w.write_all(piece)
                } else {
                    buf.extend_from_slice(piece);
                    Ok(())
                }
            };
            let mut res = if p.binary {
                put(message)
            } else {
                data::encode_chunking(message, &mut put)
            };
            if res.is_ok() {
                content_written = true;
                res = w.write_all(&buf).and_then(|()| w.flush());
            }
            res
        };
        if buf.capacity() > 4 * DATA_BUFFER {
            buf = Vec::new();
        }
        self.wbuf = buf;
        res.map_err(|e| {
            let stage = if content_written && size > 0 {
                Stage::DataBody
            } else {
                Stage::Mail
            };
            // Broken: nothing more is ever written, so a partial chunk is followed by nothing.
            // Unless the write timed out, the replies already on their way to the messages
            // in flight are still read.
            let err = self.io_error(stage, &e);
            if matches!(err.kind, SmtpErrorKind::Timeout { .. }) {
                self.abandon();
            } else if let Some(tcp) = self.stream.tcp() {
                let _ = tcp.shutdown(std::net::Shutdown::Write);
            }
            err
        })?;
        Ok(size)
    }

    /// Reads the replies of one written transaction (MAIL, each RCPT, the BDAT) and decides
    /// its outcome.
    fn read_transaction(&mut self, p: &Prepared, after_failure: bool) -> Ended {
        let timeout = self.config.command_timeout;
        // The whole transaction was written: without its final reply the outcome is unknown.
        let mail = match self.read_reply(Stage::DataEnd, timeout) {
            Ok(r) => r,
            Err(e) => return Ended::Done(Err(e)),
        };
        if mail.code == 421 {
            return Ended::Done(Err(SmtpError::with_reply(
                SmtpErrorKind::ServerRejected { stage: Stage::Mail },
                "the server is closing the connection; the message was not delivered",
                mail,
            )));
        }
        let mail_ok = mail.is_positive();
        let mail_refused = || {
            SmtpError::with_reply(
                SmtpErrorKind::ServerRejected { stage: Stage::Mail },
                "the server refused the sender (MAIL FROM)",
                mail.clone(),
            )
        };
        let mut accepted = Vec::new();
        let mut rejected: Vec<(String, Reply)> = Vec::new();
        for (addr, _) in &p.rcpts {
            match self.read_reply(Stage::DataEnd, timeout) {
                Ok(r) if r.code == 421 => {
                    let mut e = SmtpError::new(
                        SmtpErrorKind::ConnectionLost { stage: Stage::Rcpt },
                        "the server is closing the connection (421); the message was not delivered",
                    );
                    e.rejected = rejected;
                    return Ended::Done(Err(e));
                }
                Ok(r) if r.is_positive() => accepted.push(addr.clone()),
                Ok(r) => rejected.push((addr.clone(), r)),
                Err(_) if !mail_ok => return Ended::Done(Err(mail_refused())),
                Err(mut e) => {
                    e.rejected = rejected;
                    return Ended::Done(Err(e));
                }
            }
        }
        let end = self.read_reply(Stage::DataEnd, timeout);
        if !mail_ok {
            if after_failure && mail.code == 503 {
                return Ended::Again;
            }
            let mut e = mail_refused();
            e.rejected = rejected;
            return Ended::Done(Err(e));
        }
        if accepted.is_empty() {
            return Ended::Done(Err(all_refused(rejected)));
        }
        let reply = match end {
            Ok(r) => r,
            Err(mut e) => {
                e.rejected = rejected;
                return Ended::Done(Err(e));
            }
        };
        Ended::Done(finish(reply, accepted, rejected))
    }

    /// One transaction whose envelope is answered before the content is sent (no window):
    /// without PIPELINING, with `require_all_recipients`, and for streamed content.
    pub(super) fn transact_stepwise(
        &mut self,
        p: &Prepared,
        body: &mut Body<'_>,
    ) -> Result<SendResult, SmtpError> {
        self.transactions += 1;
        let timeout = self.config.command_timeout;
        let pipelined = self.use_pipelining();
        let mail = if pipelined {
            let mut cmds: Vec<&str> = vec![p.mail.as_str()];
            cmds.extend(p.rcpts.iter().map(|(_, c)| c.as_str()));
            self.send_lines(&cmds, Stage::Mail)?;
            self.read_reply(Stage::Mail, timeout)?
        } else {
            self.command(&p.mail, Stage::Mail)?
        };
        if !mail.is_positive() && (!pipelined || self.broken) {
            self.rset_after_failure();
            return Err(SmtpError::with_reply(
                SmtpErrorKind::ServerRejected { stage: Stage::Mail },
                "the server refused the sender (MAIL FROM)",
                mail,
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
            if self.broken {
                let mut e = SmtpError::new(
                    SmtpErrorKind::ConnectionLost { stage: Stage::Rcpt },
                    "the server is closing the connection (421)",
                );
                e.rejected = rejected;
                return Err(e);
            }
            if r.is_positive() {
                accepted.push(addr.clone());
            } else {
                rejected.push((addr.clone(), r));
            }
        }
        let failure = if !mail.is_positive() {
            Some(SmtpError::with_reply(
                SmtpErrorKind::ServerRejected { stage: Stage::Mail },
                "the server refused the sender (MAIL FROM)",
                mail,
            ))
        } else if accepted.is_empty() {
            Some(all_refused(std::mem::take(&mut rejected)))
        } else if !rejected.is_empty() && self.config.require_all_recipients {
            Some(SmtpError::new(
                SmtpErrorKind::SomeRecipientsRejected,
                format!(
                    "the server refused {} of {} recipients; nothing was sent (require_all_recipients)",
                    rejected.len(),
                    p.rcpts.len()
                ),
            ))
        } else {
            None
        };
        if let Some(mut err) = failure {
            if err.rejected.is_empty() {
                err.rejected = rejected;
            }
            self.rset_after_failure();
            return Err(err);
        }
        let with_rejected = |mut e: SmtpError, rejected: &[(String, Reply)]| {
            e.rejected = rejected.to_vec();
            e
        };
        let reply = match body {
            Body::Bytes(m) => {
                let m: &[u8] = m;
                let size = if p.binary {
                    m.len() as u64
                } else {
                    data::chunking_len(m)
                };
                let bdat = format!("BDAT {size} LAST");
                self.log(LogDirection::Sent, &bdat);
                self.log(
                    LogDirection::Sent,
                    &format!("<{size} bytes of message data>"),
                );
                self.write_chunk(&bdat, m, p.binary)
                    .map_err(|e| with_rejected(e, &rejected))?;
                self.read_reply(Stage::DataEnd, timeout)
                    .map_err(|e| with_rejected(e, &rejected))?
            }
            Body::Stream(r) => self
                .stream_chunks(&mut **r, p.binary)
                .map_err(|e| with_rejected(e, &rejected))?,
        };
        let res = finish(reply, accepted, rejected);
        if res.is_err() {
            self.rset_after_failure();
        }
        res
    }

    /// Writes `BDAT ...` and the content of one chunk (CRLF-normalised unless `binary`). A
    /// failure breaks the connection: a partial chunk is never followed by anything.
    fn write_chunk(
        &mut self,
        command: &str,
        content: &[u8],
        binary: bool,
    ) -> Result<(), SmtpError> {
        let mut buf = std::mem::take(&mut self.wbuf);
        buf.clear();
        buf.extend_from_slice(command.as_bytes());
        buf.extend_from_slice(b"\r\n");
        let res = {
            let mut w = self.writer();
            let mut put = |piece: &[u8]| -> io::Result<()> {
                if buf.len() + piece.len() > DATA_BUFFER && !buf.is_empty() {
                    w.write_all(&buf)?;
                    buf.clear();
                }
                if piece.len() > DATA_BUFFER {
                    w.write_all(piece)
                } else {
                    buf.extend_from_slice(piece);
                    Ok(())
                }
            };
            let mut res = if binary {
                put(content)
            } else {
                data::encode_chunking(content, &mut put)
            };
            if res.is_ok() {
                res = w.write_all(&buf).and_then(|()| w.flush());
            }
            res
        };
        if buf.capacity() > 4 * DATA_BUFFER {
            buf = Vec::new();
        }
        self.wbuf = buf;
        res.map_err(|e| {
            let err = self.io_error(Stage::DataBody, &e);
            self.abandon();
            err
        })
    }

    /// Streams the content of `reader` as BDAT chunks of at most [`STREAM_BUFFER`] bytes, the
    /// last one marked LAST (read ahead by one chunk); with PIPELINING up to
    /// [`STREAM_CHUNKS_IN_FLIGHT`] chunks go unanswered. Returns the reply to the last chunk.
    /// A read error closes the connection without the last chunk: the server discards the
    /// partial message.
    fn stream_chunks(&mut self, reader: &mut dyn Read, binary: bool) -> Result<Reply, SmtpError> {
        let timeout = self.config.command_timeout;
        let pipelined = self.use_pipelining();
        let mut enc = data::Encoder::chunking();
        let mut inbuf = vec![0u8; STREAM_BUFFER];
        let mut total = 0u64;
        // Reads the next chunk's content (empty at the end); CRLF-normalised unless binary.
        let mut next_chunk = |out: &mut Vec<u8>| -> io::Result<()> {
            out.clear();
            loop {
                let n = match reader.read(&mut inbuf) {
                    Ok(0) => {
                        if !binary {
                            enc.finish(&mut |p: &[u8]| -> io::Result<()> {
                                out.extend_from_slice(p);
                                Ok(())
                            })?;
                        }
                        return Ok(());
                    }
                    Ok(n) => n,
                    Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                    Err(e) => return Err(e),
                };
                if binary {
                    out.extend_from_slice(&inbuf[..n]);
                } else {
                    enc.feed(&inbuf[..n], &mut |p: &[u8]| -> io::Result<()> {
                        out.extend_from_slice(p);
                        Ok(())
                    })?;
                }
                if !out.is_empty() {
                    return Ok(());
                }
            }
        };
        let mut cur = Vec::with_capacity(STREAM_BUFFER + 2);
        let mut next = Vec::with_capacity(STREAM_BUFFER + 2);
        let mut outstanding = 0usize;
        let read_failed = |conn: &mut SmtpConnection, e: io::Error, total: u64| {
            conn.abandon();
            SmtpError::new(
                SmtpErrorKind::Io,
                format!(
                    "reading the message failed after {total} bytes were sent ({e}); the \
                     connection was closed without the last chunk, so nothing was delivered"
                ),
            )
        };
        if let Err(e) = next_chunk(&mut cur) {
            return Err(read_failed(self, e, total));
        }
        loop {
            let last = if cur.is_empty() {
                true
            } else {
                if let Err(e) = next_chunk(&mut next) {
                    return Err(read_failed(self, e, total));
                }
                next.is_empty()
            };
            let cmd = if last {
                format!("BDAT {} LAST", cur.len())
            } else {
                format!("BDAT {}", cur.len())
            };
            self.log(LogDirection::Sent, &cmd);
            self.log(
                LogDirection::Sent,
                &format!("<{} bytes of message data>", cur.len()),
            );
            // The chunk is already in its transmitted form.
            self.write_chunk(&cmd, &cur, true)?;
            total += cur.len() as u64;
            outstanding += 1;
            if last {
                break;
            }
            std::mem::swap(&mut cur, &mut next);
            while outstanding > 0 && (!pipelined || outstanding >= STREAM_CHUNKS_IN_FLIGHT) {
                let r = self.read_reply(Stage::DataBody, timeout)?;
                outstanding -= 1;
                if !r.is_positive() {
                    return self.chunk_refused(r, outstanding);
                }
            }
        }
        // The last chunk went out: every reply still missing leaves the outcome unknown.
        while outstanding > 1 {
            let r = self.read_reply(Stage::DataEnd, timeout)?;
            outstanding -= 1;
            if !r.is_positive() {
                return self.chunk_refused(r, outstanding);
            }
        }
        self.read_reply(Stage::DataEnd, timeout)
    }

    /// A chunk before the last was refused: the replies to the chunks behind it are read (the
    /// server discards them) and the message is reported refused.
    fn chunk_refused(&mut self, reply: Reply, outstanding: usize) -> Result<Reply, SmtpError> {
        for _ in 0..outstanding {
            if self
                .read_reply(Stage::DataBody, self.config.command_timeout)
                .is_err()
            {
                break;
            }
        }
        Err(SmtpError::with_reply(
            SmtpErrorKind::ServerRejected {
                stage: Stage::DataEnd,
            },
            "the server refused the message (BDAT)",
            reply,
        ))
    }
}

/// The error of a message not written because the connection was lost (or closed) first.
pub(super) fn not_written() -> SmtpError {
    SmtpError::new(
        SmtpErrorKind::ConnectionLost { stage: Stage::Mail },
        "the connection was lost before this message was sent; it was not delivered",
    )
}

fn all_refused(rejected: Vec<(String, Reply)>) -> SmtpError {
    let detail = rejected
        .first()
        .map(|(_, r)| r.to_string())
        .unwrap_or_default();
    let mut e = SmtpError::new(
        SmtpErrorKind::AllRecipientsRejected,
        format!("the server refused every recipient (first: {detail})"),
    );
    e.rejected = rejected;
    e
}

/// The outcome from the final reply.
fn finish(
    reply: Reply,
    accepted: Vec<String>,
    rejected: Vec<(String, Reply)>,
) -> Result<SendResult, SmtpError> {
    if reply.is_positive() {
        return Ok(SendResult {
            reply,
            accepted,
            rejected,
        });
    }
    let mut e = SmtpError::with_reply(
        SmtpErrorKind::ServerRejected {
            stage: Stage::DataEnd,
        },
        "the server refused the message",
        reply,
    );
    e.rejected = rejected;
    Err(e)
}
