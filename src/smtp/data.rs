//! The DATA encoding (CRLF normalisation and dot-stuffing) and the BDAT one (CRLF normalisation
//! only), streamed without copying the message.

/// Feeds `f` with the transmitted form of `data`, in pieces: every bare LF and bare CR becomes
/// CRLF, a dot at the start of a line is doubled, and the result ends with CRLF (added when
/// missing). The terminating `.` CRLF is not included. The pieces borrow from `data` where
/// possible, so the message is never copied as a whole.
pub(crate) fn encode<E>(data: &[u8], mut f: impl FnMut(&[u8]) -> Result<(), E>) -> Result<(), E> {
    let mut enc = Encoder::new();
    enc.feed(data, &mut f)?;
    enc.finish(&mut f)
}

/// The streaming form of [`encode`]: the message is fed in pieces of any size (a CRLF or a
/// leading dot may straddle two pieces) and the output is the same as `encode` of the whole.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Encoder {
    /// Double a dot at the start of a line (DATA); BDAT sends the lines as they are.
    stuff_dots: bool,
    at_line_start: bool,
    /// The previous piece ended with CR (already written as CRLF): an LF first is its pair.
    pending_cr: bool,
}

impl Encoder {
    pub(crate) fn new() -> Encoder {
        Encoder {
            stuff_dots: true,
            at_line_start: true,
            pending_cr: false,
        }
    }

    /// The BDAT form: CRLF normalisation without dot-stuffing (a chunk's length delimits it).
    pub(crate) fn chunking() -> Encoder {
        Encoder {
            stuff_dots: false,
            at_line_start: true,
            pending_cr: false,
        }
    }

    /// Feeds the next piece of the message. Runs of complete CRLF lines are passed on whole;
    /// the pieces are split only at a bare CR or LF (written as CRLF) and at a leading dot.
    pub(crate) fn feed<E>(
        &mut self,
        data: &[u8],
        f: &mut impl FnMut(&[u8]) -> Result<(), E>,
    ) -> Result<(), E> {
        if data.is_empty() {
            return Ok(());
        }
        let mut i = 0usize;
        if self.pending_cr {
            self.pending_cr = false;
            if data[0] == b'\n' {
                i = 1;
            }
        }
        let mut run_start = i;
        while i < data.len() {
            if self.at_line_start {
                if self.stuff_dots && data[i] == b'.' {
                    if run_start < i {
                        f(&data[run_start..i])?;
                    }
                    f(b".")?;
                    // The dot itself starts the next run.
                    run_start = i;
                }
                self.at_line_start = false;
            }
            let Some(off) = memchr::memchr2(b'\r', b'\n', &data[i..]) else {
                break; // the rest is one run, up to the end of the piece
            };
            let j = i + off;
            if data[j] == b'\r' && data.get(j + 1) == Some(&b'\n') {
                // CRLF: already as it must be; it stays in the run.
                i = j + 2;
            } else {
                // A lone CR or LF counts as a line ending and is written as CRLF.
                if run_start < j {
                    f(&data[run_start..j])?;
                }
                f(b"\r\n")?;
                // A CR ending the piece may be the first half of a CRLF split across pieces.
                self.pending_cr = data[j] == b'\r' && j + 1 == data.len();
                i = j + 1;
                run_start = i;
            }
            self.at_line_start = true;
        }
        if run_start < data.len() {
            f(&data[run_start..])?;
        }
        Ok(())
    }

    /// Ends the message: CRLF when the last line lacks one (not the terminating `.` CRLF).
    pub(crate) fn finish<E>(
        &mut self,
        f: &mut impl FnMut(&[u8]) -> Result<(), E>,
    ) -> Result<(), E> {
        if !self.at_line_start {
            self.at_line_start = true;
            f(b"\r\n")?;
        }
        Ok(())
    }
}

/// Feeds `f` with the BDAT form of `data`: as [`encode`], without dot-stuffing.
pub(crate) fn encode_chunking<E>(
    data: &[u8],
    mut f: impl FnMut(&[u8]) -> Result<(), E>,
) -> Result<(), E> {
    let mut enc = Encoder::chunking();
    enc.feed(data, &mut f)?;
    enc.finish(&mut f)
}

/// The number of bytes [`encode_chunking`] produces for `data`.
pub(crate) fn chunking_len(data: &[u8]) -> u64 {
    let mut n = 0u64;
    let _ = encode_chunking::<()>(data, |piece| {
        n += piece.len() as u64;
        Ok(())
    });
    n
}

/// The number of bytes [`encode`] produces for `data`.
pub(crate) fn encoded_len(data: &[u8]) -> u64 {
    let mut n = 0u64;
    let _ = encode::<()>(data, |piece| {
        n += piece.len() as u64;
        Ok(())
    });
    n
}

#[cfg(test)]
mod tests {
    use super::*;

    fn enc(data: &[u8]) -> Vec<u8> {
        let mut out = Vec::new();
        encode::<()>(data, |p| {
            out.extend_from_slice(p);
            Ok(())
        })
        .unwrap();
        assert_eq!(encoded_len(data), out.len() as u64);
        out
    }

    #[test]
    fn normalises_and_stuffs() {
        assert_eq!(enc(b""), b"");
        assert_eq!(enc(b"a"), b"a\r\n");
        assert_eq!(enc(b"a\nb\rc\r\n"), b"a\r\nb\r\nc\r\n");
        assert_eq!(enc(b".\n..x\r\n.\r.y"), b"..\r\n...x\r\n..\r\n..y\r\n");
        assert_eq!(enc(b"\r\r\n\n"), b"\r\n\r\n\r\n");
        assert_eq!(enc(b"x.y\n.\n"), b"x.y\r\n..\r\n");
    }

    #[test]
    fn chunking_normalises_without_stuffing() {
        let enc = |data: &[u8]| {
            let mut out = Vec::new();
            encode_chunking::<()>(data, |p| {
                out.extend_from_slice(p);
                Ok(())
            })
            .unwrap();
            assert_eq!(chunking_len(data), out.len() as u64);
            out
        };
        assert_eq!(enc(b""), b"");
        assert_eq!(enc(b".\n..x\r\n.\r.y"), b".\r\n..x\r\n.\r\n.y\r\n");
        assert_eq!(enc(b"a\nb\rc\r\n"), b"a\r\nb\r\nc\r\n");
    }

    #[test]
    fn streaming_matches_whole_at_every_split() {
        let samples: [&[u8]; 4] = [
            b".\n..x\r\n.\r.y",
            b"a\r\n.b\r\r\n\n.",
            b"\r\n.\r\n\r.\n",
            b"line\r",
        ];
        for data in samples {
            let whole = enc(data);
            for a in 0..=data.len() {
                for b in a..=data.len() {
                    let mut out = Vec::new();
                    let mut push = |p: &[u8]| -> Result<(), ()> {
                        out.extend_from_slice(p);
                        Ok(())
                    };
                    let mut e = Encoder::new();
                    for piece in [&data[..a], &data[a..b], &data[b..]] {
                        e.feed(piece, &mut push).unwrap();
                    }
                    e.finish(&mut push).unwrap();
                    assert_eq!(out, whole, "split at {a},{b} of {data:?}");
                }
            }
        }
    }
}
