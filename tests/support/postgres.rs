//! A private PostgreSQL server for tests: Debian's `postgresql` package (installed by
//! `scripts/install-deps.sh`), `initdb` into a temporary directory, the server on a free port
//! of 127.0.0.1 with its Unix socket in that directory, stopped by its PID.
//!
//! PostgreSQL refuses to run as root: as root, the server and `initdb` run as the `postgres`
//! user (created by the package) through `setpriv`, and the directory is given to that user.
#![allow(dead_code)]

use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// The PostgreSQL binaries directory (`MISSIVE_TEST_PG_BIN`, else the newest Debian one).
pub fn pg_bin() -> PathBuf {
    if let Ok(dir) = std::env::var("MISSIVE_TEST_PG_BIN") {
        return PathBuf::from(dir);
    }
    let mut versions: Vec<u32> = std::fs::read_dir("/usr/lib/postgresql")
        .map(|rd| {
            rd.flatten()
                .filter_map(|e| e.file_name().to_str()?.parse().ok())
                .collect()
        })
        .unwrap_or_default();
    versions.sort();
    match versions.last() {
        Some(v) => PathBuf::from(format!("/usr/lib/postgresql/{v}/bin")),
        None => panic!(
            "PostgreSQL not found under /usr/lib/postgresql: install it, e.g. \
             `apt-get install -y postgresql` (scripts/install-deps.sh does)"
        ),
    }
}

fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
        .unwrap_or(false)
}

/// A command run as the `postgres` user when we are root (PostgreSQL refuses root).
fn as_server_user(program: &Path) -> Command {
    if is_root() {
        let mut c = Command::new("setpriv");
        c.args([
            "--reuid=postgres",
            "--regid=postgres",
            "--clear-groups",
            "--",
        ])
        .arg(program);
        c
    } else {
        Command::new(program)
    }
}

/// A running PostgreSQL server; stopped (by PID) on drop.
pub struct Postgres {
    child: Option<Child>,
    pub port: u16,
    /// Holds the data directory and the socket.
    pub dir: tempfile::TempDir,
    /// Started with TLS on (`server.crt`, `server.key` in `dir`).
    tls: bool,
}

impl Postgres {
    /// Creates a cluster (user `missive`, trust authentication on loopback) and starts it.
    pub fn start() -> Postgres {
        Self::start_inner(None)
    }

    /// As [`Postgres::start`], with TLS on (`ssl=on`) with this certificate and key (PEM).
    pub fn start_tls(cert: &Path, key: &Path) -> Postgres {
        Self::start_inner(Some((cert, key)))
    }

    fn start_inner(tls: Option<(&Path, &Path)>) -> Postgres {
        let dir = tempfile::tempdir().unwrap();
        if let Some((cert, key)) = tls {
            use std::os::unix::fs::PermissionsExt;
            std::fs::copy(cert, dir.path().join("server.crt")).unwrap();
            std::fs::copy(key, dir.path().join("server.key")).unwrap();
            // PostgreSQL refuses a key that others can read.
            std::fs::set_permissions(
                dir.path().join("server.key"),
                std::fs::Permissions::from_mode(0o600),
            )
            .unwrap();
        }
        if is_root() {
            let status = Command::new("chown")
                .args(["-R", "postgres:postgres"])
                .arg(dir.path())
                .status()
                .expect("chown");
            assert!(
                status.success(),
                "chown of the test cluster directory failed"
            );
        }
        let data = dir.path().join("data");
        let out = as_server_user(&pg_bin().join("initdb"))
            // A directory the server's user may enter (the test's may be root's own).
            .current_dir(dir.path())
            .arg("-D")
            .arg(&data)
            .args(["-U", "missive", "--auth=trust", "-E", "UTF8", "--no-sync"])
            .stdin(Stdio::null())
            .output()
            .expect("run initdb");
        assert!(
            out.status.success(),
            "initdb failed: {}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        let mut pg = Postgres {
            child: None,
            port: 0,
            dir,
            tls: tls.is_some(),
        };
        pg.launch();
        pg
    }

    fn data(&self) -> PathBuf {
        self.dir.path().join("data")
    }

    /// Starts the server on a free port (tried again on another port if it was taken).
    fn launch(&mut self) {
        for _ in 0..5 {
            let port = if self.port != 0 {
                self.port
            } else {
                super_free_port()
            };
            let log =
                std::fs::File::create(self.dir.path().join(format!("server-{port}.log"))).unwrap();
            let mut child = as_server_user(&pg_bin().join("postgres"))
                .current_dir(self.dir.path())
                .arg("-D")
                .arg(self.data())
                .args(["-p", &port.to_string()])
                .args(["-c", "listen_addresses=127.0.0.1"])
                .arg("-c")
                .arg(format!(
                    "unix_socket_directories={}",
                    self.dir.path().display()
                ))
                .args(["-c", "max_connections=100", "-c", "fsync=on"])
                .args(if self.tls {
                    vec![
                        "-c".to_string(),
                        "ssl=on".to_string(),
                        "-c".to_string(),
                        "log_connections=on".to_string(),
                        "-c".to_string(),
                        format!(
                            "ssl_cert_file={}",
                            self.dir.path().join("server.crt").display()
                        ),
                        "-c".to_string(),
                        format!(
                            "ssl_key_file={}",
                            self.dir.path().join("server.key").display()
                        ),
                    ]
                } else {
                    Vec::new()
                })
                .stdin(Stdio::null())
                .stdout(Stdio::null())
                .stderr(log)
                .spawn()
                .expect("spawn postgres");
            let deadline = Instant::now() + Duration::from_secs(30);
            let mut exited = false;
            while Instant::now() < deadline {
                if let Ok(Some(_)) = child.try_wait() {
                    exited = true;
                    break;
                }
                if TcpStream::connect(("127.0.0.1", port)).is_ok() && self.ready(port) {
                    self.port = port;
                    self.child = Some(child);
                    return;
                }
                std::thread::sleep(Duration::from_millis(50));
            }
            if !exited {
                let _ = child.kill();
            }
            let _ = child.wait();
            if self.port != 0 {
                // A restart on the same port: wait for the port to be free again.
                std::thread::sleep(Duration::from_millis(500));
            }
        }
        panic!(
            "PostgreSQL did not start: see {}",
            self.dir.path().display()
        );
    }

    /// Whether the server accepts queries (not "starting up").
    fn ready(&self, port: u16) -> bool {
        let url = format!("host=127.0.0.1 port={port} user=missive dbname=postgres");
        postgres::Client::connect(&url, postgres::NoTls)
            .and_then(|mut c| c.simple_query("SELECT 1"))
            .is_ok()
    }

    /// What the server logged (all its runs).
    pub fn log(&self) -> String {
        let mut out = String::new();
        for e in std::fs::read_dir(self.dir.path()).unwrap().flatten() {
            let name = e.file_name().to_string_lossy().into_owned();
            if name.starts_with("server-") && name.ends_with(".log") {
                out.push_str(&std::fs::read_to_string(e.path()).unwrap_or_default());
            }
        }
        out
    }

    /// The server's PID.
    pub fn pid(&self) -> u32 {
        self.child.as_ref().map(|c| c.id()).unwrap_or(0)
    }

    /// A queue URL for this server (database `postgres`, the given schema).
    pub fn queue_url(&self, schema: &str) -> String {
        format!(
            "postgres://missive@127.0.0.1:{}/postgres?schema={schema}",
            self.port
        )
    }

    /// A plain client connection, for checking what the queue holds.
    pub fn connect(&self) -> postgres::Client {
        let url = format!(
            "host=127.0.0.1 port={} user=missive dbname=postgres",
            self.port
        );
        postgres::Client::connect(&url, postgres::NoTls).expect("connect to the test server")
    }

    /// Stops the server (SIGINT to its PID: fast shutdown, clients disconnected) and waits.
    pub fn stop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = Command::new("kill")
                .args(["-INT", &child.id().to_string()])
                .status();
            let deadline = Instant::now() + Duration::from_secs(30);
            while Instant::now() < deadline {
                if let Ok(Some(_)) = child.try_wait() {
                    return;
                }
                std::thread::sleep(Duration::from_millis(50));
            }
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    /// Starts the stopped server again, on the same port.
    pub fn restart(&mut self) {
        self.launch();
    }
}

fn super_free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

impl Drop for Postgres {
    fn drop(&mut self) {
        self.stop();
    }
}
