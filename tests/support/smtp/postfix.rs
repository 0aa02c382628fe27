//! A private, throw-away Postfix instance for the SMTP engine tests.
//!
//! [`Postfix::start`] builds a complete Postfix configuration in a temporary directory (its own
//! `config_directory`, `queue_directory`, `data_directory` and `maillog_file`), makes a test CA
//! and a server certificate with the `openssl` CLI, and starts it with
//! `postfix -c DIR/etc start`. The system's /etc/postfix and /var/spool/postfix are never
//! touched. Only `smtpd` listens, on 127.0.0.1 and a free port, with STARTTLS.
//!
//! Every accepted message is put on hold (`smtpd_data_restrictions = check_client_access
//! static:HOLD`), so nothing is ever delivered or relayed: it stays in the private hold queue,
//! where [`Postfix::queued`] reads the envelope and the content back with `postcat`, by the
//! queue id from the server's final reply.
//!
//! Recipient access table (`check_recipient_access texthash:`): `reject@example.test` gets
//! `550 5.1.1`, `defer@example.test` gets `450 4.2.1`; everything else is accepted
//! (127.0.0.1 is in `mynetworks`).
//!
//! Start-up takes a fraction of a second: the queue directories are made here (as
//! postfix-files lists them) and `quick-start` skips postfix-script's slow integrity checks;
//! the config files are backdated because Postfix waits ~2 s for a file modified within the
//! last second. `master -w` (run by `postfix start`) returns once the port is bound.
//!
//! Dropping the guard runs `postfix -c DIR/etc stop`, waits for the master and every daemon
//! of this instance (found by their working directory, the private queue) to exit, and kills
//! leftovers of this instance only, by PID. A watchdog shell (own process group) stops the
//! instance if the test process is killed before its guards run. Needs root (Postfix's master
//! must start as root) and `apt-get install -y postfix openssl`.
#![allow(dead_code)]

use std::net::TcpListener;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

const POSTFIX: &str = "/usr/sbin/postfix";
const POSTCAT: &str = "/usr/sbin/postcat";
const SMTPD: &str = "/usr/lib/postfix/sbin/smtpd";

/// The recipient access table (texthash: needs no postmap).
const RECIPIENT_ACCESS: &str = "\
reject@example.test 550 5.1.1 no such user here
defer@example.test 450 4.2.1 mailbox busy, try later
";

/// master.cf: only what smtpd and cleanup need; nothing runs chrooted.
const MASTER_CF: &str = "\
cleanup   unix  n       -       n       -       0       cleanup
qmgr      unix  n       -       n       300     1       qmgr
tlsmgr    unix  -       -       n       1000?   1       tlsmgr
rewrite   unix  -       -       n       -       -       trivial-rewrite
bounce    unix  -       -       n       -       0       bounce
defer     unix  -       -       n       -       0       bounce
trace     unix  -       -       n       -       0       bounce
verify    unix  -       -       n       -       1       verify
proxymap  unix  -       -       n       -       -       proxymap
anvil     unix  -       -       n       -       1       anvil
scache    unix  -       -       n       -       1       scache
postlog   unix-dgram n  -       n       -       1       postlogd
";

fn require_tools() {
    for (path, hint) in [
        (POSTFIX, "apt-get install -y postfix"),
        (POSTCAT, "apt-get install -y postfix"),
        (SMTPD, "apt-get install -y postfix"),
    ] {
        assert!(
            Path::new(path).exists(),
            "{path} not found: the Postfix tests need a real Postfix; install it with \
             `DEBIAN_FRONTEND=noninteractive {hint}`"
        );
    }
    let openssl = Command::new("openssl")
        .arg("version")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .map(|s| s.success())
        .unwrap_or(false);
    assert!(
        openssl,
        "the Postfix tests need the openssl CLI: `apt-get install -y openssl`"
    );
    let uid = Command::new("id")
        .arg("-u")
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string())
        .unwrap_or_default();
    assert_eq!(
        uid, "0",
        "the Postfix tests start a private Postfix instance, whose master daemon must be \
         started as root; run them as root (e.g. in the CI container)"
    );
}

fn run(cmd: &mut Command, what: &str) {
    let out = cmd
        .stdin(Stdio::null())
        .output()
        .unwrap_or_else(|e| panic!("cannot run {what}: {e}"));
    assert!(
        out.status.success(),
        "{what} failed ({}):\n{}{}",
        out.status,
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

/// Makes `ca.pem` (a self-signed test CA) and `server.pem`/`server.key` (signed by the CA,
/// for `localhost` and `127.0.0.1`) in `dir`, with the openssl CLI (EC P-256: fast).
fn make_certs(dir: &Path) {
    let p = |n: &str| dir.join(n);
    run(
        Command::new("openssl")
            .args(["req", "-x509", "-newkey", "ec"])
            .args(["-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"])
            .arg("-keyout")
            .arg(p("ca.key"))
            .arg("-out")
            .arg(p("ca.pem"))
            .args(["-days", "2", "-subj", "/CN=missive test CA"])
            .args(["-addext", "basicConstraints=critical,CA:TRUE"])
            .args(["-addext", "keyUsage=critical,keyCertSign,cRLSign"]),
        "openssl req (CA)",
    );
    run(
        Command::new("openssl")
            .args(["req", "-newkey", "ec"])
            .args(["-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"])
            .arg("-keyout")
            .arg(p("server.key"))
            .arg("-out")
            .arg(p("server.csr"))
            .args(["-subj", "/CN=localhost"]),
        "openssl req (server)",
    );
    std::fs::write(
        p("server.ext"),
        "subjectAltName=DNS:localhost,IP:127.0.0.1\n\
         basicConstraints=critical,CA:FALSE\n\
         keyUsage=critical,digitalSignature\n\
         extendedKeyUsage=serverAuth\n",
    )
    .unwrap();
    run(
        Command::new("openssl")
            .args(["x509", "-req", "-days", "2", "-set_serial", "2"])
            .arg("-in")
            .arg(p("server.csr"))
            .arg("-CA")
            .arg(p("ca.pem"))
            .arg("-CAkey")
            .arg(p("ca.key"))
            .arg("-extfile")
            .arg(p("server.ext"))
            .arg("-out")
            .arg(p("server.pem")),
        "openssl x509 (sign server certificate)",
    );
}

/// One message in the private queue, as `postcat` shows it.
#[derive(Debug, Clone)]
pub struct Queued {
    /// The queue id (also the file name in the queue).
    pub id: String,
    /// Which queue it is in (`hold` for every accepted message).
    pub queue: String,
    /// The envelope sender (`sender:` record).
    pub sender: String,
    /// The envelope recipients (`recipient:` records), in order.
    pub recipients: Vec<String>,
    /// Every envelope record line, as postcat printed it.
    pub envelope: Vec<String>,
    /// The Received: header Postfix prepended, unfolded into one line.
    pub received: String,
    /// The content after that Received: header, exactly as stored: lines end in LF.
    pub content: Vec<u8>,
}

impl Queued {
    /// Whether an envelope record line equals `line`.
    pub fn has_record(&self, line: &str) -> bool {
        self.envelope.iter().any(|l| l == line)
    }
}

/// A running private Postfix instance; stopped (and its processes reaped) on drop.
pub struct Postfix {
    /// The instance's root: etc/ (config, certificates), spool/ (queue), data/, maillog.
    pub dir: tempfile::TempDir,
    /// The smtpd port on 127.0.0.1.
    pub port: u16,
    running: bool,
    /// Stops the instance if this test process dies without running destructors.
    watchdog: Option<Child>,
}

impl Postfix {
    /// Starts an instance with the default test configuration.
    pub fn start() -> Postfix {
        Postfix::start_with(&[])
    }

    /// Starts an instance; `extra_main_cf` lines are appended to main.cf (later settings win).
    pub fn start_with(extra_main_cf: &[&str]) -> Postfix {
        require_tools();
        let dir = tempfile::Builder::new()
            .prefix("missive-postfix-")
            .tempdir()
            .unwrap();
        let root = dir.path().to_path_buf();
        // The postfix user must be able to reach the queue; the queue itself must be root's.
        chmod(&root, 0o755);
        let etc = root.join("etc");
        let spool = root.join("spool");
        std::fs::create_dir(&etc).unwrap();
        chmod(&etc, 0o755);
        make_queue(&root);
        make_certs(&etc);
        std::fs::write(etc.join("recipient_access"), RECIPIENT_ACCESS).unwrap();
        let r = root.display();
        let mut main_cf = format!(
            "\
compatibility_level = 3.6
queue_directory = {r}/spool
data_directory = {r}/data
maillog_file = {r}/maillog
maillog_file_prefixes = {r}
myhostname = postfix.test
mydomain = postfix.test
myorigin = postfix.test
mydestination =
relayhost =
inet_interfaces = 127.0.0.1
inet_protocols = ipv4
mynetworks = 127.0.0.0/8
alias_maps =
alias_database =
biff = no
smtputf8_enable = yes
smtpd_peername_lookup = no
smtpd_banner = $myhostname ESMTP missive-test
local_header_rewrite_clients =
smtpd_recipient_restrictions = check_recipient_access texthash:{r}/etc/recipient_access, permit_mynetworks, reject
smtpd_data_restrictions = check_client_access static:HOLD
smtpd_tls_cert_file = {r}/etc/server.pem
smtpd_tls_key_file = {r}/etc/server.key
smtpd_tls_security_level = may
smtpd_tls_received_header = yes
smtpd_tls_loglevel = 1
"
        );
        for l in extra_main_cf {
            main_cf.push_str(l);
            main_cf.push('\n');
        }
        std::fs::write(etc.join("main.cf"), main_cf).unwrap();
        let mut pf = Postfix {
            dir,
            port: 0,
            running: false,
            watchdog: None,
        };
        // The port is picked free and then handed to Postfix: retry if someone took it.
        let mut last_log = String::new();
        for _ in 0..4 {
            // Skip postfix-script's integrity checks (post-install create-missing runs dozens
            // of processes, seconds on a busy machine): make_queue made what they would.
            std::fs::write(spool.join("quick-start"), "").unwrap();
            let port = free_port();
            std::fs::write(
                etc.join("master.cf"),
                format!("127.0.0.1:{port} inet n - n - - smtpd\n{MASTER_CF}"),
            )
            .unwrap();
            backdate_files(&etc);
            let started = Command::new(POSTFIX)
                .arg("-c")
                .arg(&etc)
                .arg("start")
                .stdin(Stdio::null())
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .status()
                .map(|s| s.success())
                .unwrap_or(false);
            if started && pf.master_pid().is_some() {
                pf.port = port;
                pf.running = true;
                pf.watchdog = Some(spawn_watchdog(&etc));
                return pf;
            }
            // postfix(1) has no terminal: its diagnostics went to the maillog file.
            last_log = pf.maillog();
            pf.running = true; // stop whatever may have started
            pf.stop();
        }
        panic!("the private Postfix instance did not start; its log:\n{last_log}");
    }

    /// The instance's config directory (for `postfix -c` / `postcat -c`).
    pub fn config_dir(&self) -> PathBuf {
        self.dir.path().join("etc")
    }

    /// The test CA that signed the server certificate.
    pub fn ca_file(&self) -> PathBuf {
        self.dir.path().join("etc/ca.pem")
    }

    fn spool(&self) -> PathBuf {
        self.dir.path().join("spool")
    }

    /// The master daemon's PID, from the instance's pid file.
    pub fn master_pid(&self) -> Option<i32> {
        std::fs::read_to_string(self.spool().join("pid/master.pid"))
            .ok()
            .and_then(|s| s.trim().parse().ok())
    }

    /// The whole maillog so far.
    pub fn maillog(&self) -> String {
        std::fs::read(self.dir.path().join("maillog"))
            .map(|b| String::from_utf8_lossy(&b).into_owned())
            .unwrap_or_default()
    }

    /// Waits (postlogd writes asynchronously) until a maillog line contains every one of
    /// `parts`; returns that line. Panics with the log after 10 s.
    pub fn wait_log_line(&self, parts: &[&str]) -> String {
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            let log = self.maillog();
            if let Some(l) = log.lines().find(|l| parts.iter().all(|p| l.contains(p))) {
                return l.to_string();
            }
            if Instant::now() > deadline {
                panic!("no maillog line with all of {parts:?}; the log:\n{log}");
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// The queue ids of the messages in the hold queue, sorted.
    pub fn held_ids(&self) -> Vec<String> {
        let mut ids: Vec<String> = std::fs::read_dir(self.spool().join("hold"))
            .map(|rd| {
                rd.flatten()
                    .map(|e| e.file_name().to_string_lossy().into_owned())
                    .collect()
            })
            .unwrap_or_default();
        ids.sort();
        ids
    }

    /// The queued message with this id, read back with `postcat`. Panics if there is none.
    pub fn queued(&self, id: &str) -> Queued {
        let postcat = |flags: &str| -> Vec<u8> {
            let out = Command::new(POSTCAT)
                .arg("-c")
                .arg(self.config_dir())
                .arg(flags)
                .arg("-q")
                .arg(id)
                .stdin(Stdio::null())
                .output()
                .expect("run postcat");
            assert!(
                out.status.success(),
                "postcat {flags} -q {id} failed: {}; queue holds {:?}; log:\n{}",
                String::from_utf8_lossy(&out.stderr),
                self.held_ids(),
                self.maillog()
            );
            out.stdout
        };
        let env_text = String::from_utf8(postcat("-e")).expect("UTF-8 envelope");
        let mut q = Queued {
            id: id.to_string(),
            queue: String::new(),
            sender: String::new(),
            recipients: Vec::new(),
            envelope: Vec::new(),
            received: String::new(),
            content: Vec::new(),
        };
        for line in env_text.lines() {
            if let Some(rest) = line.strip_prefix("*** ENVELOPE RECORDS ") {
                q.queue = rest.split('/').next().unwrap_or_default().to_string();
                continue;
            }
            if line.starts_with("*** ") {
                continue;
            }
            if let Some(s) = line.strip_prefix("sender: ") {
                q.sender = s.to_string();
            } else if line == "sender:" {
                q.sender = String::new();
            } else if let Some(r) = line.strip_prefix("recipient: ") {
                q.recipients.push(r.to_string());
            }
            q.envelope.push(line.to_string());
        }
        let content = postcat("-bh");
        assert!(
            content.starts_with(b"Received: "),
            "content does not start with Postfix's Received header: {}",
            String::from_utf8_lossy(&content)
        );
        // The Received header ends at the first line that is not a continuation.
        let mut end = 0;
        loop {
            let nl = content[end..]
                .iter()
                .position(|&b| b == b'\n')
                .expect("unterminated header")
                + end
                + 1;
            end = nl;
            if !matches!(content.get(end), Some(b' ' | b'\t')) {
                break;
            }
        }
        q.received = String::from_utf8_lossy(&content[..end])
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ");
        q.content = content[end..].to_vec();
        q
    }

    /// Stops the instance: `postfix stop`, then waits until the master and every daemon of
    /// this instance are gone; SIGKILLs leftovers of this instance (by PID) after 5 s.
    pub fn stop(&mut self) {
        if let Some(mut w) = self.watchdog.take() {
            let _ = w.kill();
            let _ = w.wait();
        }
        if !self.running {
            return;
        }
        self.running = false;
        let master = self.master_pid();
        let _ = Command::new(POSTFIX)
            .arg("-c")
            .arg(self.config_dir())
            .arg("stop")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status();
        let spool = self.spool().canonicalize().unwrap_or_else(|_| self.spool());
        let deadline = Instant::now() + Duration::from_secs(5);
        loop {
            let mut alive = instance_processes(&spool);
            if let Some(m) = master
                && is_alive(m)
                && !alive.contains(&m)
            {
                alive.push(m);
            }
            if alive.is_empty() {
                return;
            }
            if Instant::now() > deadline {
                for pid in alive {
                    let _ = Command::new("kill")
                        .args(["-KILL", &pid.to_string()])
                        .stderr(Stdio::null())
                        .status();
                }
                return;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

impl Drop for Postfix {
    fn drop(&mut self) {
        self.stop();
    }
}

/// The numeric id of `name` in /etc/passwd or /etc/group (third field).
fn lookup_id(file: &str, name: &str) -> u32 {
    let text = std::fs::read_to_string(file).unwrap_or_default();
    text.lines()
        .map(|l| l.split(':').collect::<Vec<_>>())
        .find(|f| f.len() > 2 && f[0] == name)
        .and_then(|f| f[2].parse().ok())
        .unwrap_or_else(|| {
            panic!("no {name:?} in {file}: reinstall Postfix (`apt-get install -y postfix`)")
        })
}

/// Creates the queue and data directories as Postfix's postfix-files lists them (what
/// `post-install create-missing` would do), owned by `mail_owner` (postfix) and
/// `setgid_group` (postdrop).
fn make_queue(root: &Path) {
    let owner = lookup_id("/etc/passwd", "postfix");
    let postdrop = lookup_id("/etc/group", "postdrop");
    let spool = root.join("spool");
    std::fs::create_dir(&spool).unwrap();
    chmod(&spool, 0o755);
    let dirs: &[(&str, u32, Option<u32>, u32)] = &[
        ("spool/active", owner, None, 0o700),
        ("spool/bounce", owner, None, 0o700),
        ("spool/corrupt", owner, None, 0o700),
        ("spool/defer", owner, None, 0o700),
        ("spool/deferred", owner, None, 0o700),
        ("spool/flush", owner, None, 0o700),
        ("spool/hold", owner, None, 0o700),
        ("spool/incoming", owner, None, 0o700),
        ("spool/private", owner, None, 0o700),
        ("spool/maildrop", owner, Some(postdrop), 0o730),
        ("spool/public", owner, Some(postdrop), 0o710),
        ("spool/pid", 0, None, 0o755),
        ("spool/saved", owner, None, 0o700),
        ("spool/trace", owner, None, 0o700),
        ("data", owner, None, 0o700),
    ];
    for (name, uid, gid, mode) in dirs {
        let p = root.join(name);
        std::fs::create_dir(&p).unwrap();
        std::os::unix::fs::chown(&p, Some(*uid), *gid).unwrap();
        chmod(&p, *mode);
    }
}

/// A shell in its own process group that runs `postfix -c ETC stop` once this test process
/// is gone: the safety net for a test binary killed (timeout, SIGKILL) before its guards ran.
/// Postfix's master runs in its own session, so nothing else would stop it.
fn spawn_watchdog(etc: &Path) -> Child {
    let script = format!(
        "while kill -0 {pid} 2>/dev/null; do sleep 0.5; done; exec {POSTFIX} -c \"$1\" stop",
        pid = std::process::id()
    );
    Command::new("/bin/sh")
        .arg("-c")
        .arg(script)
        .arg("watchdog")
        .arg(etc)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .process_group(0)
        .spawn()
        .expect("spawn the watchdog shell")
}

/// Postfix waits (about 2 s) for a configuration file changed within the last second to
/// "settle" before it reads it: date the freshly written files a minute back.
fn backdate_files(dir: &Path) {
    let past = std::time::SystemTime::now() - Duration::from_secs(60);
    for e in std::fs::read_dir(dir).unwrap().flatten() {
        let f = std::fs::File::options().write(true).open(e.path()).unwrap();
        f.set_modified(past).unwrap();
    }
}

fn chmod(p: &Path, mode: u32) {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(p, std::fs::Permissions::from_mode(mode)).unwrap();
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// Whether `pid` exists and is not a zombie.
fn is_alive(pid: i32) -> bool {
    match std::fs::read_to_string(format!("/proc/{pid}/stat")) {
        Ok(stat) => {
            // "pid (comm) S ...": the state follows the last ')'.
            let state = stat
                .rsplit_once(')')
                .and_then(|(_, rest)| rest.trim_start().chars().next());
            !matches!(state, Some('Z' | 'X') | None)
        }
        Err(_) => false,
    }
}

/// Live processes whose working directory is this instance's queue: Postfix daemons chdir
/// to `queue_directory`, so these are exactly this instance's master and daemons.
fn instance_processes(spool: &Path) -> Vec<i32> {
    let mut out = Vec::new();
    let Ok(rd) = std::fs::read_dir("/proc") else {
        return out;
    };
    for e in rd.flatten() {
        let Some(pid) = e.file_name().to_str().and_then(|s| s.parse::<i32>().ok()) else {
            continue;
        };
        if let Ok(cwd) = std::fs::read_link(e.path().join("cwd"))
            && cwd.starts_with(spool)
            && is_alive(pid)
        {
            out.push(pid);
        }
    }
    out
}
