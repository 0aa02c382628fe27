//! Test servers for the SMTP engine tests, all on 127.0.0.1 only:
//! - [`AioServer`]: Python aiosmtpd (`aiosmtpd_server.py` beside this file) as a child process;
//! - [`SmtpSink`]: Postfix's `smtp-sink` as a child process;
//! - [`ScriptServer`]: a scripted fault server on a thread, for faults real servers won't make.
//!
//! A missing server binary or Python module panics with the package to install.
#![allow(dead_code)]

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use missive::deliver::{Client, DeliveryMethod};
use missive::smtp::{LogDirection, ProtocolLog, Security};

/// A client that delivers over plain SMTP (no TLS) to 127.0.0.1:`port`, waiting at most
/// `command_timeout` for each reply; the other settings are the defaults.
pub fn smtp_client(port: u16, command_timeout: Duration) -> Client {
    let c = Client::new();
    c.configure(|cfg| {
        cfg.delivery_method = DeliveryMethod::Network;
        cfg.smtp.host = "127.0.0.1".into();
        cfg.smtp.port = port;
        cfg.smtp.security = Security::None;
        cfg.smtp.command_timeout = command_timeout;
    });
    c
}

pub fn support_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/support/smtp")
}

fn python() -> String {
    std::env::var("MISSIVE_TEST_PYTHON").unwrap_or_else(|_| "python3".to_string())
}

fn require_python_modules() {
    let ok = Command::new(python())
        .args(["-c", "import aiosmtpd, cryptography"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .map(|s| s.success())
        .unwrap_or(false);
    assert!(
        ok,
        "the SMTP tests need Python 3 with aiosmtpd and cryptography: run `pip install aiosmtpd cryptography`"
    );
}

/// The protocol log lines collected by [`log_collector`].
pub type LogLines = Arc<Mutex<Vec<(LogDirection, String)>>>;

/// Collects the protocol log.
pub fn log_collector() -> (ProtocolLog, LogLines) {
    let lines = Arc::new(Mutex::new(Vec::new()));
    let sink = lines.clone();
    let log: ProtocolLog =
        Arc::new(move |dir, line: &str| sink.lock().unwrap().push((dir, line.to_string())));
    (log, lines)
}

/// Test certificates: ca.pem; server.pem/key signed by the CA (localhost, 127.0.0.1);
/// self.pem/key self-signed; client.pem/key signed by the CA.
pub struct Certs {
    pub dir: tempfile::TempDir,
}

impl Certs {
    pub fn generate() -> Certs {
        require_python_modules();
        let dir = tempfile::tempdir().unwrap();
        let st = Command::new(python())
            .arg(support_dir().join("aiosmtpd_server.py"))
            .arg("--gen-certs")
            .arg(dir.path())
            .status()
            .expect("run python3");
        assert!(st.success(), "certificate generation failed");
        Certs { dir }
    }

    pub fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }
}

/// One message as stored by the aiosmtpd server.
#[derive(Debug, Default)]
pub struct Received {
    pub mail_from: String,
    pub mail_opts: Vec<String>,
    pub rcpts: Vec<String>,
    pub rcpt_opts: Vec<String>,
    pub tls: bool,
    pub auth: Option<String>,
    /// The client's address and port: which connection the message came over.
    pub peer: String,
    pub content: Vec<u8>,
}

/// Python aiosmtpd, killed on drop.
pub struct AioServer {
    child: Child,
    pub port: u16,
    pub dir: tempfile::TempDir,
}

impl AioServer {
    pub fn start(args: &[&str]) -> AioServer {
        require_python_modules();
        let dir = tempfile::tempdir().unwrap();
        let stderr = std::fs::File::create(dir.path().join("server.log")).unwrap();
        let mut child = Command::new(python())
            .arg(support_dir().join("aiosmtpd_server.py"))
            .arg("--dir")
            .arg(dir.path())
            .args(args)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(stderr)
            .spawn()
            .expect("spawn python3");
        let stdout = child.stdout.take().unwrap();
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let mut line = String::new();
            let _ = BufReader::new(stdout).read_line(&mut line);
            let _ = tx.send(line);
        });
        let line = rx.recv_timeout(Duration::from_secs(20)).unwrap_or_default();
        let port = line
            .trim()
            .strip_prefix("PORT ")
            .and_then(|p| p.parse().ok());
        let Some(port) = port else {
            let _ = child.kill();
            let _ = child.wait();
            let log = std::fs::read_to_string(dir.path().join("server.log")).unwrap_or_default();
            panic!("aiosmtpd server did not start (stdout {line:?}); its log:\n{log}");
        };
        AioServer { child, port, dir }
    }

    pub fn server_log(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("server.log")).unwrap_or_default()
    }

    /// The connections the server accepted so far.
    pub fn connections(&self) -> usize {
        std::fs::read_to_string(self.dir.path().join("connections"))
            .map(|t| t.lines().count())
            .unwrap_or(0)
    }

    /// The messages received so far, in order.
    pub fn messages(&self) -> Vec<Received> {
        let mut out = Vec::new();
        for n in 1.. {
            let env = self.dir.path().join(format!("msg-{n}.env"));
            let Ok(text) = std::fs::read_to_string(&env) else {
                break;
            };
            let mut r = Received {
                content: std::fs::read(self.dir.path().join(format!("msg-{n}.eml"))).unwrap(),
                ..Received::default()
            };
            for line in text.lines() {
                let (k, v) = line.split_once(' ').unwrap_or((line, ""));
                match k {
                    "MAIL_FROM" => r.mail_from = v.to_string(),
                    "MAIL_OPT" => r.mail_opts.push(v.to_string()),
                    "RCPT" => r.rcpts.push(v.to_string()),
                    "RCPT_OPT" => r.rcpt_opts.push(v.to_string()),
                    "TLS" => r.tls = v == "yes",
                    "AUTH" => r.auth = (v != "-").then(|| v.to_string()),
                    "PEER" => r.peer = v.to_string(),
                    _ => {}
                }
            }
            out.push(r);
        }
        out
    }
}

impl Drop for AioServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A free port on 127.0.0.1 (for servers that cannot bind port 0 themselves).
pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

fn smtp_sink_binary() -> PathBuf {
    let candidates = [
        "/usr/sbin/smtp-sink",
        "/usr/lib/postfix/sbin/smtp-sink",
        "/usr/libexec/postfix/smtp-sink",
    ];
    for c in candidates {
        if Path::new(c).exists() {
            return PathBuf::from(c);
        }
    }
    panic!(
        "smtp-sink not found (looked in {candidates:?}): install Postfix, e.g. `apt-get install -y postfix`"
    );
}

/// Postfix smtp-sink, killed on drop. Each transaction is dumped into `dir`.
pub struct SmtpSink {
    child: Child,
    pub port: u16,
    pub dir: tempfile::TempDir,
}

impl SmtpSink {
    pub fn start(extra: &[&str]) -> SmtpSink {
        let bin = smtp_sink_binary();
        let dir = tempfile::tempdir().unwrap();
        let is_root = Command::new("id")
            .arg("-u")
            .output()
            .map(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
            .unwrap_or(false);
        let mut cmd = Command::new(bin);
        if is_root {
            // smtp-sink must drop privileges when run as root; the dump dir must be writable.
            cmd.args(["-u", "nobody"]);
            let _ = Command::new("chmod").arg("777").arg(dir.path()).status();
        }
        for _ in 0..5 {
            let port = free_port();
            let mut child = cmd
                .arg("-d")
                .arg(format!("{}/%H%M%S.", dir.path().display()))
                .args(extra)
                .arg(format!("127.0.0.1:{port}"))
                .arg("10")
                .stdin(Stdio::null())
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .spawn()
                .expect("spawn smtp-sink");
            let deadline = Instant::now() + Duration::from_secs(5);
            while Instant::now() < deadline {
                if let Ok(Some(_)) = child.try_wait() {
                    break; // port taken by someone else: retry with another
                }
                if let Ok(mut s) = TcpStream::connect(("127.0.0.1", port)) {
                    // Be a polite probe: read the greeting and quit.
                    let _ = s.set_read_timeout(Some(Duration::from_secs(2)));
                    let mut buf = [0u8; 512];
                    let _ = s.read(&mut buf);
                    let _ = s.write_all(b"QUIT\r\n");
                    let _ = s.read(&mut buf);
                    return SmtpSink { child, port, dir };
                }
                std::thread::sleep(Duration::from_millis(30));
            }
            let _ = child.kill();
            let _ = child.wait();
            cmd = Command::new(smtp_sink_binary());
            if is_root {
                cmd.args(["-u", "nobody"]);
            }
        }
        panic!("smtp-sink did not start");
    }

    /// The dumped transactions (each a file's text), in no particular order.
    pub fn dumps(&self) -> Vec<String> {
        let mut out = Vec::new();
        if let Ok(rd) = std::fs::read_dir(self.dir.path()) {
            for e in rd.flatten() {
                if let Ok(t) = std::fs::read(e.path()) {
                    out.push(String::from_utf8_lossy(&t).into_owned());
                }
            }
        }
        out
    }

    /// Waits until `n` dumps exist (smtp-sink writes them asynchronously), then returns them.
    pub fn wait_dumps(&self, n: usize) -> Vec<String> {
        let deadline = Instant::now() + Duration::from_secs(5);
        loop {
            let d = self.dumps();
            let complete = d
                .iter()
                .filter(|t| t.ends_with("\n\n") || t.ends_with("\r\n\r\n"))
                .count();
            if complete >= n || Instant::now() > deadline {
                return d;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

impl Drop for SmtpSink {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// One step of a [`ScriptServer`] session.
#[derive(Clone, Debug)]
pub enum Step {
    /// Send these bytes as they are.
    Send(String),
    /// Read one line; it must start with this prefix (case-insensitive).
    Expect(String),
    /// Read message data up to and including the line ".".
    ReadData,
    /// Read exactly this many bytes (a BDAT chunk).
    ReadChunk(usize),
    /// Wait.
    Sleep(Duration),
    /// Read until the client closes the connection.
    ReadToEnd,
}

/// `Step::Send` of one reply line (CRLF added).
pub fn say(line: &str) -> Step {
    Step::Send(format!("{line}\r\n"))
}

/// `Step::Expect`.
pub fn expect(prefix: &str) -> Step {
    Step::Expect(prefix.to_string())
}

/// The usual start of a session: greeting and EHLO with the given capability lines.
pub fn hello(caps: &[&str]) -> Vec<Step> {
    let mut ehlo = String::from("250");
    if caps.is_empty() {
        ehlo.push_str(" fault.test\r\n");
    } else {
        ehlo.push_str("-fault.test\r\n");
        for (i, c) in caps.iter().enumerate() {
            let sep = if i + 1 == caps.len() { ' ' } else { '-' };
            ehlo.push_str(&format!("250{sep}{c}\r\n"));
        }
    }
    vec![
        say("220 fault.test ESMTP"),
        expect("EHLO "),
        Step::Send(ehlo),
    ]
}

/// A scripted server for one or more sequential connections, on a thread.
pub struct ScriptServer {
    pub port: u16,
    received: Arc<Mutex<Vec<u8>>>,
    handle: Option<JoinHandle<Result<(), String>>>,
}

impl ScriptServer {
    pub fn start(steps: Vec<Step>) -> ScriptServer {
        ScriptServer::start_sessions(vec![steps])
    }

    /// Serves each script on its own connection, in order.
    pub fn start_sessions(sessions: Vec<Vec<Step>>) -> ScriptServer {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let received = Arc::new(Mutex::new(Vec::new()));
        let rec = received.clone();
        let handle = std::thread::spawn(move || {
            for steps in sessions {
                listener.set_nonblocking(false).unwrap();
                let (sock, _) = accept_timeout(&listener, Duration::from_secs(10))?;
                run_session(sock, &steps, &rec)?;
            }
            Ok(())
        });
        ScriptServer {
            port,
            received,
            handle: Some(handle),
        }
    }

    /// Everything received so far, as text.
    pub fn received(&self) -> String {
        String::from_utf8_lossy(&self.received.lock().unwrap()).into_owned()
    }

    /// Waits for the script to end; panics if it did not go as written.
    pub fn finish(mut self) -> String {
        let res = self
            .handle
            .take()
            .unwrap()
            .join()
            .expect("script thread panicked");
        let got = self.received();
        if let Err(e) = res {
            panic!("fault server script failed: {e}\nreceived:\n{got}");
        }
        got
    }
}

fn accept_timeout(
    listener: &TcpListener,
    timeout: Duration,
) -> Result<(TcpStream, std::net::SocketAddr), String> {
    listener.set_nonblocking(true).unwrap();
    let deadline = Instant::now() + timeout;
    loop {
        match listener.accept() {
            Ok((s, a)) => {
                s.set_nonblocking(false).unwrap();
                return Ok((s, a));
            }
            Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => {
                if Instant::now() > deadline {
                    return Err("no connection arrived".to_string());
                }
                std::thread::sleep(Duration::from_millis(5));
            }
            Err(e) => return Err(e.to_string()),
        }
    }
}

fn run_session(sock: TcpStream, steps: &[Step], rec: &Arc<Mutex<Vec<u8>>>) -> Result<(), String> {
    sock.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
    let mut writer = sock.try_clone().unwrap();
    let mut reader = BufReader::new(sock);
    let read_line = |reader: &mut BufReader<TcpStream>| -> Result<String, String> {
        let mut line = Vec::new();
        let n = reader
            .read_until(b'\n', &mut line)
            .map_err(|e| format!("read: {e}"))?;
        rec.lock().unwrap().extend_from_slice(&line);
        if n == 0 {
            return Err("client closed the connection".to_string());
        }
        Ok(String::from_utf8_lossy(&line).into_owned())
    };
    for step in steps {
        match step {
            Step::Send(s) => writer
                .write_all(s.as_bytes())
                .map_err(|e| format!("write: {e}"))?,
            Step::Expect(prefix) => {
                let line = read_line(&mut reader)?;
                if !line
                    .to_ascii_uppercase()
                    .starts_with(&prefix.to_ascii_uppercase())
                {
                    return Err(format!("expected {prefix:?}, got {line:?}"));
                }
            }
            Step::ReadData => loop {
                let line = read_line(&mut reader)?;
                if line == ".\r\n" {
                    break;
                }
            },
            Step::ReadChunk(n) => {
                let mut chunk = vec![0u8; *n];
                reader
                    .read_exact(&mut chunk)
                    .map_err(|e| format!("read chunk: {e}"))?;
                rec.lock().unwrap().extend_from_slice(&chunk);
            }
            Step::Sleep(d) => std::thread::sleep(*d),
            Step::ReadToEnd => {
                let mut rest = Vec::new();
                let _ = reader.read_to_end(&mut rest);
                rec.lock().unwrap().extend_from_slice(&rest);
            }
        }
    }
    Ok(())
}
