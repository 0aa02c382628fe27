//! Forwarding a raw `.eml` stream without loading it: from a path, a file descriptor (a pipe)
//! and a reader, against aiosmtpd (exact stored bytes), Postfix smtp-sink, and the scripted
//! fault server for the SIZE check and a failing reader. Needs `pip install aiosmtpd
//! cryptography` and Postfix's smtp-sink.

#[path = "support/smtp/mod.rs"]
mod support;

use std::io::{self, Read, Write};
use std::time::Duration;

use missive::deliver::{Client, DeliverErrorKind, Delivery, DeliveryMethod};
use missive::smtp::{Security, SmtpErrorKind};
use support::{AioServer, ScriptServer, SmtpSink, Step, expect, hello, say};

fn client_for(port: u16) -> Client {
    let c = Client::new();
    c.configure(|c| {
        c.delivery_method = DeliveryMethod::Network;
        c.smtp.host = "127.0.0.1".into();
        c.smtp.port = port;
        c.smtp.security = Security::None;
        c.smtp.client_name = Some("client.test".into());
        c.smtp.connect_timeout = Duration::from_secs(3);
        c.smtp.command_timeout = Duration::from_secs(10);
        c.smtp.greeting_timeout = Duration::from_secs(10);
    });
    c
}

/// About `size` bytes of message with every awkward line ending and dot: bare LF, bare CR,
/// CRLF, lines that are a single dot, lines starting with dots, a Bcc field, no final newline.
fn awkward_message(size: usize) -> Vec<u8> {
    let mut m = b"From: raw@example.com\nTo: someone@example.org\nBcc: hidden@example.org\n\tfolded-bcc@example.org\nSubject: raw stream\r\nMessage-ID: <raw-1@example.com>\n\n".to_vec();
    let mut i = 0usize;
    while m.len() < size {
        let line: &[u8] = match i % 7 {
            0 => b".leading dot, LF\n",
            1 => b".\n",
            2 => b"..two dots, CRLF\r\n",
            3 => b"plain text with a bare CR\r",
            4 => b"x\r\n",
            5 => b".\r\n",
            _ => b"a longer line of ordinary text to make up the bulk of the message body\n",
        };
        m.extend_from_slice(line);
        i += 1;
    }
    m.extend_from_slice(b"last line without newline");
    m
}

/// What the server must store: every line ending CRLF, Bcc gone, a final CRLF added.
fn normalised(raw: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(raw.len() + raw.len() / 16);
    let mut i = 0;
    while i < raw.len() {
        match raw[i] {
            b'\r' => {
                out.extend_from_slice(b"\r\n");
                if raw.get(i + 1) == Some(&b'\n') {
                    i += 1;
                }
            }
            b'\n' => out.extend_from_slice(b"\r\n"),
            b => out.push(b),
        }
        i += 1;
    }
    if !out.ends_with(b"\r\n") {
        out.extend_from_slice(b"\r\n");
    }
    let bcc = b"Bcc: hidden@example.org\r\n\tfolded-bcc@example.org\r\n";
    let at = out.windows(bcc.len()).position(|w| w == bcc).unwrap();
    out.drain(at..at + bcc.len());
    out
}

/// A 3 MiB file with bare LFs, bare CRs and leading dots, forwarded from its path, arrives
/// CRLF-normalised and un-stuffed exactly (aiosmtpd stores the DATA as received, unstuffed).
#[test]
fn file_with_bare_lf_and_dots_arrives_normalised() {
    let server = AioServer::start(&[]);
    let client = client_for(server.port);
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("big.eml");
    let raw = awkward_message(3 << 20);
    std::fs::write(&path, &raw).unwrap();
    let d = client
        .forward_file(
            &path,
            "fwd@example.net",
            &["a@example.org".into(), "b@example.org".into()],
        )
        .expect("forwarded");
    assert!(matches!(d, Delivery::Smtp(_)));
    let got = server.messages();
    assert_eq!(got.len(), 1);
    assert_eq!(got[0].mail_from, "fwd@example.net");
    assert_eq!(got[0].rcpts, ["a@example.org", "b@example.org"]);
    assert!(
        got[0].mail_opts.iter().any(|o| o.starts_with("SIZE=")),
        "SIZE declared: {:?}",
        got[0].mail_opts
    );
    let expected = normalised(&raw);
    assert_eq!(got[0].content.len(), expected.len());
    assert!(got[0].content == expected, "content differs");
}

/// From a pipe (size unknown) through `forward_open_file`, to Postfix's smtp-sink; and the
/// null sender. The sink's dump holds the whole message.
#[test]
fn pipe_to_smtp_sink_with_null_sender() {
    let sink = SmtpSink::start(&[]);
    let client = client_for(sink.port);
    let raw = awkward_message(256 << 10);
    let (reader, mut writer) = io::pipe().unwrap();
    let data = raw.clone();
    let feeder = std::thread::spawn(move || {
        for chunk in data.chunks(7777) {
            writer.write_all(chunk).unwrap();
        }
    });
    let file: std::fs::File = std::os::fd::OwnedFd::from(reader).into();
    client
        .forward_open_file(&file, "", &["sink@example.org".into()])
        .expect("forwarded");
    feeder.join().unwrap();
    let dumps = sink.wait_dumps(1);
    assert_eq!(dumps.len(), 1, "one transaction");
    let d = &dumps[0];
    assert!(
        d.contains("Message-ID: <raw-1@example.com>"),
        "{}",
        &d[..d.len().min(400)]
    );
    assert!(d.contains("last line without newline"));
    assert!(!d.contains("hidden@example.org"), "Bcc stripped");
    // Lines of the awkward body survive un-stuffed (smtp-sink dumps the message as received,
    // un-stuffed, with LF endings or CRLF depending on version: compare per line).
    let count = |hay: &str, needle: &str| hay.matches(needle).count();
    let body_lines = normalised(&raw);
    let body = String::from_utf8_lossy(&body_lines);
    assert_eq!(
        count(d, "..two dots, CRLF"),
        count(&body, "..two dots, CRLF"),
        "dot lines un-stuffed"
    );
}

/// The server's SIZE limit is checked before anything is sent: the file is bigger, the
/// client quits after EHLO (the script fails if it sends MAIL).
#[test]
fn size_limit_refused_before_sending() {
    let mut steps = hello(&["SIZE 1000", "PIPELINING"]);
    steps.extend([expect("QUIT"), say("221 bye")]);
    let server = ScriptServer::start(steps);
    let client = client_for(server.port);
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("big.eml");
    std::fs::write(&path, awkward_message(5000)).unwrap();
    let e = client
        .forward_file(&path, "fwd@example.net", &["a@example.org".into()])
        .unwrap_err();
    assert_eq!(
        e.kind,
        DeliverErrorKind::Smtp(SmtpErrorKind::MessageTooLarge),
        "{e}"
    );
    client.close();
    let got = server.finish();
    assert!(!got.contains("MAIL FROM"), "{got}");
}

/// A reader that fails midway: the connection is closed without the final dot, so the server
/// never takes the truncated message; the error says nothing was delivered.
#[test]
fn failing_reader_aborts_without_final_dot() {
    struct Failing(usize);
    impl Read for Failing {
        fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
            if self.0 == 0 {
                return Err(io::Error::other("disk on fire"));
            }
            let n = buf.len().min(self.0).min(1000);
            buf[..n].fill(b'x');
            buf[n - 1] = b'\n';
            self.0 -= n;
            Ok(n)
        }
    }
    let mut steps = hello(&[]);
    steps.extend([
        expect("MAIL FROM:<fwd@example.net>"),
        say("250 ok"),
        expect("RCPT TO:<a@example.org>"),
        say("250 ok"),
        expect("DATA"),
        say("354 go"),
        Step::ReadToEnd,
    ]);
    let server = ScriptServer::start(steps);
    let client = client_for(server.port);
    let e = client
        .forward_stream(
            "fwd@example.net",
            &["a@example.org".into()],
            &mut (&b"Subject: failing\r\n\r\n"[..]).chain(Failing(300_000)),
            None,
        )
        .unwrap_err();
    assert_eq!(e.kind, DeliverErrorKind::Smtp(SmtpErrorKind::Io), "{e}");
    assert!(e.message.contains("nothing was delivered"), "{e}");
    assert!(e.message.contains("disk on fire"), "{e}");
    let got = server.finish();
    assert!(
        got.len() >= 200_000,
        "the content was streamed: {}",
        got.len()
    );
    assert!(!got.contains("\r\n.\r\n"), "no final dot was sent");
}

/// Pickup delivery of a stream: envelope lines, then the bytes as they were (Bcc removed).
#[test]
fn stream_into_pickup_directory() {
    let dir = tempfile::tempdir().unwrap();
    let client = Client::new();
    client.configure(|c| {
        c.delivery_method = DeliveryMethod::PickupDirectory;
        c.pickup_directory = Some(dir.path().to_path_buf());
    });
    let raw = awkward_message(100_000);
    let d = client
        .forward_stream(
            "fwd@example.net",
            &["a@example.org".into()],
            &mut &raw[..],
            None,
        )
        .unwrap();
    let Delivery::Pickup(p) = d else {
        panic!("not pickup")
    };
    let file = std::fs::read(&p.path).unwrap();
    let head = b"X-Sender: fwd@example.net\r\nX-Receiver: a@example.org\r\n";
    assert!(file.starts_with(head));
    let bcc = b"Bcc: hidden@example.org\n\tfolded-bcc@example.org\n";
    let at = raw.windows(bcc.len()).position(|w| w == bcc).unwrap();
    let expected = [&raw[..at], &raw[at + bcc.len()..]].concat();
    assert_eq!(&file[head.len()..], &expected[..]);
    // Only the file itself: no temporary left behind.
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
}
