//! Real proxies for the proxy tests, each a private instance on 127.0.0.1 and a free port,
//! configured in a temporary directory and run in the foreground as a child process:
//! - [`Dante`]: Debian's `dante-server` (`danted`), SOCKS4/4a/5; one that passes every
//!   CONNECT from loopback, or one whose rules refuse every target;
//! - [`Tinyproxy`]: Debian's `tinyproxy`, HTTP CONNECT, with optional basic authentication and
//!   an optional list of the only ports it may CONNECT to;
//! - [`DroppingRelay`]: a scripted HTTP CONNECT proxy of our own on a thread that cuts the
//!   tunnel after a given number of client bytes (no real proxy drops mid-DATA on demand).
//!
//! Dropping a guard stops its proxy (SIGTERM to the child by PID, SIGKILL after 5 s). Needs
//! `apt-get install -y dante-server tinyproxy`.
#![allow(dead_code)]

use std::io::{Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

const DANTED: &str = "/usr/sbin/danted";
const TINYPROXY: &str = "/usr/bin/tinyproxy";

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

fn set_mode(p: &Path, mode: u32) {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(p, std::fs::Permissions::from_mode(mode)).unwrap();
}

/// Waits until something listens on `port`, or the child exits, or 10 s pass.
fn wait_listening(child: &mut Child, port: u16) -> bool {
    let deadline = Instant::now() + Duration::from_secs(10);
    while Instant::now() < deadline {
        if TcpStream::connect(("127.0.0.1", port)).is_ok() {
            return true;
        }
        if matches!(child.try_wait(), Ok(Some(_))) {
            return false;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    false
}

fn stop(child: &mut Child) {
    let pid = child.id().to_string();
    let _ = Command::new("kill")
        .args(["-TERM", &pid])
        .stderr(Stdio::null())
        .status();
    let deadline = Instant::now() + Duration::from_secs(5);
    loop {
        if let Ok(Some(_)) = child.try_wait() {
            return;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            return;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// A private `danted`.
pub struct Dante {
    pub dir: tempfile::TempDir,
    pub port: u16,
    child: Child,
}

impl Dante {
    /// Passes every CONNECT from loopback (no authentication).
    pub fn start() -> Dante {
        Dante::start_with_rules(
            "socks pass {\n  from: 127.0.0.0/8 to: 0.0.0.0/0\n  command: connect\n  log: connect error\n}\n",
        )
    }

    /// Refuses every target ("connection not allowed by ruleset").
    pub fn start_refusing() -> Dante {
        Dante::start_with_rules(
            "socks block {\n  from: 0.0.0.0/0 to: 0.0.0.0/0\n  log: connect error\n}\n",
        )
    }

    fn start_with_rules(rules: &str) -> Dante {
        assert!(
            Path::new(DANTED).exists(),
            "{DANTED} not found: the proxy tests need Dante; `apt-get install -y dante-server`"
        );
        let dir = tempfile::Builder::new()
            .prefix("missive-dante-")
            .tempdir()
            .unwrap();
        let mut last = String::new();
        for _ in 0..4 {
            let port = free_port();
            let conf = format!(
                "logoutput: {log}\n\
                 internal: 127.0.0.1 port = {port}\n\
                 external: 127.0.0.1\n\
                 clientmethod: none\n\
                 socksmethod: none\n\
                 user.privileged: root\n\
                 user.unprivileged: nobody\n\
                 client pass {{\n  from: 127.0.0.0/8 to: 0.0.0.0/0\n  log: connect error\n}}\n\
                 {rules}",
                log = dir.path().join("danted.log").display()
            );
            let conf_path = dir.path().join("danted.conf");
            std::fs::write(&conf_path, conf).unwrap();
            let mut child = Command::new(DANTED)
                .arg("-f")
                .arg(&conf_path)
                .args(["-N", "1"])
                .stdin(Stdio::null())
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .spawn()
                .expect("run danted");
            if wait_listening(&mut child, port) {
                return Dante { dir, port, child };
            }
            stop(&mut child);
            last = std::fs::read_to_string(dir.path().join("danted.log")).unwrap_or_default();
        }
        panic!("danted did not start; its log:\n{last}");
    }

    pub fn log(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("danted.log")).unwrap_or_default()
    }
}

impl Drop for Dante {
    fn drop(&mut self) {
        stop(&mut self.child);
    }
}

/// A private `tinyproxy`.
pub struct Tinyproxy {
    pub dir: tempfile::TempDir,
    pub port: u16,
    child: Child,
}

impl Tinyproxy {
    /// `basic_auth`: the only user and password it accepts; `connect_ports`: the only ports it
    /// may CONNECT to (empty: any).
    pub fn start(basic_auth: Option<(&str, &str)>, connect_ports: &[u16]) -> Tinyproxy {
        assert!(
            Path::new(TINYPROXY).exists(),
            "{TINYPROXY} not found: the proxy tests need tinyproxy; `apt-get install -y tinyproxy`"
        );
        let dir = tempfile::Builder::new()
            .prefix("missive-tinyproxy-")
            .tempdir()
            .unwrap();
        set_mode(dir.path(), 0o755);
        let log = dir.path().join("tinyproxy.log");
        std::fs::write(&log, "").unwrap();
        // tinyproxy drops to `nobody` before it opens its log.
        set_mode(&log, 0o666);
        let mut last = String::new();
        for _ in 0..4 {
            let port = free_port();
            let mut conf = format!(
                "Port {port}\nListen 127.0.0.1\nTimeout 30\nLogFile \"{}\"\nLogLevel Connect\n\
                 MaxClients 20\nAllow 127.0.0.1\nDisableViaHeader Yes\nUser nobody\nGroup nogroup\n",
                log.display()
            );
            if let Some((u, p)) = basic_auth {
                conf.push_str(&format!("BasicAuth {u} {p}\n"));
            }
            for p in connect_ports {
                conf.push_str(&format!("ConnectPort {p}\n"));
            }
            let conf_path = dir.path().join("tinyproxy.conf");
            std::fs::write(&conf_path, conf).unwrap();
            let mut child = Command::new(TINYPROXY)
                .arg("-d")
                .arg("-c")
                .arg(&conf_path)
                .stdin(Stdio::null())
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .spawn()
                .expect("run tinyproxy");
            if wait_listening(&mut child, port) {
                return Tinyproxy { dir, port, child };
            }
            stop(&mut child);
            last = std::fs::read_to_string(&log).unwrap_or_default();
        }
        panic!("tinyproxy did not start; its log:\n{last}");
    }

    pub fn log(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("tinyproxy.log")).unwrap_or_default()
    }
}

impl Drop for Tinyproxy {
    fn drop(&mut self) {
        stop(&mut self.child);
    }
}

/// A private `pproxy` (PyPI) SOCKS5 server that wants a user name and password (RFC 1929):
/// Dante checks SOCKS5 passwords against the system's users only, which a test must not add.
/// pproxy remembers an address that authenticated once, so each test starts its own.
pub struct Pproxy {
    pub port: u16,
    child: Child,
}

impl Pproxy {
    pub fn start_socks5(user: &str, password: &str) -> Pproxy {
        let mut last = 0;
        for _ in 0..4 {
            let port = free_port();
            let mut child = Command::new("python3")
                .args(["-m", "pproxy", "-l"])
                .arg(format!("socks5://127.0.0.1:{port}#{user}:{password}"))
                .stdin(Stdio::null())
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .spawn()
                .expect("run python3 -m pproxy (pip install pproxy)");
            if wait_listening(&mut child, port) {
                return Pproxy { port, child };
            }
            stop(&mut child);
            last = port;
        }
        panic!("pproxy did not start (last port {last}); `pip install pproxy`");
    }
}

impl Drop for Pproxy {
    fn drop(&mut self) {
        stop(&mut self.child);
    }
}

/// A scripted HTTP CONNECT proxy that relays faithfully, then cuts both sides of the tunnel
/// once `drop_after` bytes came from the client after the CONNECT head.
pub struct DroppingRelay {
    pub port: u16,
    /// The CONNECT request lines it received.
    pub requests: Arc<std::sync::Mutex<Vec<String>>>,
    /// Set once it cut a tunnel.
    pub dropped: Arc<AtomicBool>,
    stop: Arc<AtomicBool>,
}

impl DroppingRelay {
    pub fn start(drop_after: usize) -> DroppingRelay {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        listener.set_nonblocking(true).unwrap();
        let requests = Arc::new(std::sync::Mutex::new(Vec::new()));
        let dropped = Arc::new(AtomicBool::new(false));
        let stop = Arc::new(AtomicBool::new(false));
        let (req2, drop2, stop2) = (requests.clone(), dropped.clone(), stop.clone());
        std::thread::spawn(move || {
            let started = Instant::now();
            while !stop2.load(Ordering::Relaxed) && started.elapsed() < Duration::from_secs(120) {
                match listener.accept() {
                    Ok((client, _)) => {
                        let (r, d) = (req2.clone(), drop2.clone());
                        std::thread::spawn(move || relay(client, drop_after, r, d));
                    }
                    Err(_) => std::thread::sleep(Duration::from_millis(10)),
                }
            }
        });
        DroppingRelay {
            port,
            requests,
            dropped,
            stop,
        }
    }
}

impl Drop for DroppingRelay {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
    }
}

fn relay(
    mut client: TcpStream,
    drop_after: usize,
    requests: Arc<std::sync::Mutex<Vec<String>>>,
    dropped: Arc<AtomicBool>,
) {
    let _ = client.set_nonblocking(false);
    let _ = client.set_read_timeout(Some(Duration::from_secs(30)));
    let mut head = Vec::new();
    let mut b = [0u8; 1];
    while !head.ends_with(b"\r\n\r\n") {
        if client.read(&mut b).unwrap_or(0) == 0 {
            return;
        }
        head.push(b[0]);
    }
    let text = String::from_utf8_lossy(&head).into_owned();
    let first = text.lines().next().unwrap_or_default().to_string();
    requests.lock().unwrap().push(first.clone());
    let target = first.split(' ').nth(1).unwrap_or_default().to_string();
    let Ok(server) = TcpStream::connect(&target) else {
        let _ = client.write_all(b"HTTP/1.1 502 Bad Gateway\r\n\r\n");
        return;
    };
    let _ = client.write_all(b"HTTP/1.1 200 Connection established\r\n\r\n");
    let up_total = Arc::new(AtomicUsize::new(0));
    let (mut c_read, mut s_write) = (client.try_clone().unwrap(), server.try_clone().unwrap());
    let (mut s_read, mut c_write) = (server, client);
    let down = std::thread::spawn(move || {
        let mut buf = [0u8; 8192];
        while let Ok(n) = s_read.read(&mut buf) {
            if n == 0 || c_write.write_all(&buf[..n]).is_err() {
                break;
            }
        }
        let _ = c_write.shutdown(Shutdown::Both);
    });
    let mut buf = [0u8; 4096];
    loop {
        let n = match c_read.read(&mut buf) {
            Ok(0) | Err(_) => break,
            Ok(n) => n,
        };
        let before = up_total.fetch_add(n, Ordering::Relaxed);
        if before + n > drop_after {
            let keep = drop_after.saturating_sub(before);
            let _ = s_write.write_all(&buf[..keep]);
            dropped.store(true, Ordering::Relaxed);
            let _ = s_write.shutdown(Shutdown::Both);
            let _ = c_read.shutdown(Shutdown::Both);
            break;
        }
        if s_write.write_all(&buf[..n]).is_err() {
            break;
        }
    }
    let _ = s_write.shutdown(Shutdown::Both);
    let _ = down.join();
}
