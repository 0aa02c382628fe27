//! The DATA encoding: CRLF normalisation and dot-stuffing, streamed without copying the message.

/// Feeds `f` with the transmitted form of `data`, in pieces: every bare LF and bare CR becomes
/// CRLF, a dot at the start of a line is doubled, and the result ends with CRLF (added when
/// missing). The terminating `.` CRLF is not included. The pieces borrow from `data` where
/// possible, so the message is never copied as a whole.
pub(crate) fn encode<E>(data: &[u8], mut f: impl FnMut(&[u8]) -> Result<(), E>) -> Result<(), E> {
    let mut run_start = 0usize;
    let mut at_line_start = true;
    let mut i = 0usize;
    while i < data.len() {
        let b = data[i];
        match b {
            b'\r' | b'\n' => {
                if run_start < i {
                    f(&data[run_start..i])?;
                }
                f(b"\r\n")?;
                // CRLF counts as one line ending; a lone CR or LF too.
                i += if b == b'\r' && data.get(i + 1) == Some(&b'\n') {
                    2
                } else {
                    1
                };
                run_start = i;
                at_line_start = true;
                continue;
            }
            b'.' if at_line_start => {
                if run_start < i {
                    f(&data[run_start..i])?;
                }
                f(b".")?;
                // The dot itself starts the next run.
                run_start = i;
            }
            _ => {}
        }
        at_line_start = false;
        i += 1;
    }
    if run_start < data.len() {
        f(&data[run_start..])?;
    }
    if !at_line_start {
        f(b"\r\n")?;
    }
    Ok(())
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
}
