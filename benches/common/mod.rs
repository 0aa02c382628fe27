//! What the benchmarks share: finding Postfix's tools and running `smtp-sink` on loopback.
#![allow(dead_code)] // each benchmark uses its own part of this

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// A program from Postfix's or the system's directories.
pub fn find_tool(name: &str) -> Option<PathBuf> {
    [
        format!("/usr/sbin/{name}"),
        format!("/usr/lib/postfix/sbin/{name}"),
        format!("/usr/libexec/postfix/{name}"),
        format!("/usr/bin/{name}"),
    ]
    .into_iter()
    .map(PathBuf::from)
    .find(|p| p.exists())
}

/// As [`find_tool`], or exits saying which Debian package to install.
pub fn require_tool(name: &str, package: &str) -> PathBuf {
    find_tool(name).unwrap_or_else(|| {
        eprintln!(
            "{name} not found (looked in /usr/sbin, /usr/lib/postfix/sbin, /usr/libexec/postfix, \
             /usr/bin): install it with `DEBIAN_FRONTEND=noninteractive apt-get install -y {package}`"
        );
        std::process::exit(2);
    })
}

/// A free TCP port on 127.0.0.1.
pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("bind an ephemeral port on 127.0.0.1")
}

/// Postfix `smtp-sink` on 127.0.0.1: PIPELINING advertised (its default), nothing dumped (no
/// -d/-D); stopped, by its own handle, when dropped.
pub struct Sink {
    child: Child,
    pub port: u16,
}

impl Sink {
    /// Starts the sink with a listen backlog of `backlog` and waits until it greets.
    pub fn start(backlog: u32) -> Sink {
        let bin = require_tool("smtp-sink", "postfix");
        // SAFETY: geteuid has no preconditions and cannot fail.
        let is_root = unsafe { libc::geteuid() } == 0;
        for _ in 0..5 {
            let port = free_port();
            let mut cmd = Command::new(&bin);
            if is_root {
                // smtp-sink refuses to run as root without dropping privileges.
                cmd.args(["-u", "nobody"]);
            }
            let mut child = cmd
                .arg(format!("127.0.0.1:{port}"))
                .arg(backlog.to_string())
                .stdin(Stdio::null())
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .spawn()
                .unwrap_or_else(|e| panic!("cannot start {}: {e}", bin.display()));
            let deadline = Instant::now() + Duration::from_secs(5);
            while Instant::now() < deadline {
                if let Ok(Some(_)) = child.try_wait() {
                    break; // the port was taken meanwhile: try another
                }
                if let Ok(mut s) = TcpStream::connect(("127.0.0.1", port)) {
                    let _ = s.set_read_timeout(Some(Duration::from_secs(2)));
                    let mut buf = [0u8; 512];
                    let _ = s.read(&mut buf);
                    let _ = s.write_all(b"QUIT\r\n");
                    let _ = s.read(&mut buf);
                    return Sink { child, port };
                }
                std::thread::sleep(Duration::from_millis(20));
            }
            let _ = child.kill();
            let _ = child.wait();
        }
        panic!("smtp-sink did not start");
    }

    /// The sink's user + system CPU time so far (from /proc/PID/stat), if readable.
    pub fn cpu(&self) -> Option<Duration> {
        let stat = std::fs::read_to_string(format!("/proc/{}/stat", self.child.id())).ok()?;
        // Fields after the command name (which is in parentheses and may hold spaces).
        let after = &stat[stat.rfind(')')? + 2..];
        let fields: Vec<&str> = after.split_whitespace().collect();
        // utime and stime are fields 14 and 15 of the whole line, 12 and 13 after ") ".
        let ticks: u64 =
            fields.get(11)?.parse::<u64>().ok()? + fields.get(12)?.parse::<u64>().ok()?;
        // SAFETY: sysconf has no preconditions.
        let hz = unsafe { libc::sysconf(libc::_SC_CLK_TCK) };
        let hz = if hz > 0 { hz as u64 } else { 100 };
        Some(Duration::from_micros(ticks * 1_000_000 / hz))
    }

    /// Stops the sink now.
    pub fn stop(self) {}
}

impl Drop for Sink {
    fn drop(&mut self) {
        // Only the process this program started, by its handle.
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Body size of [`build_message`]'s messages, and the `-l` given to smtp-source.
pub const PAYLOAD: usize = 1024;
/// Envelope and header sender of the benchmarks' messages.
pub const FROM: &str = "bench@localhost";
/// Envelope and header recipient of the benchmarks' messages.
pub const TO: &str = "sink@localhost";

/// One ~1 KB message, shaped like smtp-source's (and the Python clients'): a few headers, then
/// [`PAYLOAD`] bytes of body in lines of 78 characters plus CRLF. `id_tag` goes into the
/// Message-Id (`<{i}.{id_tag}@localhost>`), `subject` before the number in the Subject.
pub fn build_message(i: usize, id_tag: &str, subject: &str) -> Vec<u8> {
    let mut m = Vec::with_capacity(PAYLOAD + 256);
    write!(
        m,
        "From: <{FROM}>\r\nTo: <{TO}>\r\nDate: Tue, 24 Nov 2026 02:16:53 +0000\r\n\
         Message-Id: <{i}.{id_tag}@localhost>\r\nSubject: {subject} {i}\r\n\r\n"
    )
    .unwrap();
    let mut body = 0;
    let mut line = 0;
    while body < PAYLOAD {
        let n = (PAYLOAD - body).min(80).saturating_sub(2).max(1);
        let mut text = format!("{}", line % 10);
        while text.len() < n {
            text.push('X');
        }
        m.extend_from_slice(text.as_bytes());
        m.extend_from_slice(b"\r\n");
        body += text.len() + 2;
        line += 1;
    }
    m
}
