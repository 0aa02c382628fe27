//! A private Dovecot authentication server, for Postfix's SASL (`smtpd_sasl_type = dovecot`).
//!
//! [`DovecotAuth::start`] writes a Dovecot configuration into a temporary directory (its own
//! `base_dir`, `state_dir`, log file and password file; no protocols, so nothing listens on a
//! port) and runs `dovecot -F -c FILE` in the foreground as a child process. Its only service
//! is `auth`, with a client socket in the directory ([`DovecotAuth::socket`]) for Postfix's
//! `smtpd_sasl_path`. Mechanisms: PLAIN, LOGIN, SCRAM-SHA-1, SCRAM-SHA-256; users come from a
//! passwd-file with `{PLAIN}` passwords (Dovecot derives the SCRAM keys from them).
//!
//! Dropping the guard stops the master with SIGTERM (it stops its own children) and waits for
//! it; SIGKILL after 5 s. Needs root (Dovecot's master drops to its `dovecot`/`dovenull` users)
//! and `apt-get install -y dovecot-core`.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

const DOVECOT: &str = "/usr/sbin/dovecot";

/// A running private Dovecot auth server; stopped on drop.
pub struct DovecotAuth {
    pub dir: tempfile::TempDir,
    child: Child,
}

impl DovecotAuth {
    /// Starts it with `users` as (user name, password) pairs.
    pub fn start(users: &[(&str, &str)]) -> DovecotAuth {
        assert!(
            Path::new(DOVECOT).exists(),
            "{DOVECOT} not found: the SCRAM tests need Dovecot's SASL server; install it with \
             `DEBIAN_FRONTEND=noninteractive apt-get install -y dovecot-core`"
        );
        let dir = tempfile::Builder::new()
            .prefix("missive-dovecot-")
            .tempdir()
            .unwrap();
        let root = dir.path();
        // Postfix's smtpd (user postfix) must reach the socket.
        set_mode(root, 0o755);
        std::fs::create_dir(root.join("run")).unwrap();
        let mut passwd = String::new();
        for (u, p) in users {
            passwd.push_str(&format!("{u}:{{PLAIN}}{p}\n"));
        }
        std::fs::write(root.join("users"), passwd).unwrap();
        let r = root.display();
        let name = root.file_name().unwrap().to_string_lossy().into_owned();
        let conf = format!(
            "\
base_dir = {r}/run
state_dir = {r}/run
instance_name = {name}
log_path = {r}/dovecot.log
protocols = none
listen = 127.0.0.1
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login scram-sha-1 scram-sha-256
auth_verbose = yes
passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {r}/users
}}
userdb {{
  driver = static
  args = uid=65534 gid=65534 home=/nonexistent
}}
service auth {{
  unix_listener {r}/auth-client {{
    mode = 0666
  }}
}}
"
        );
        std::fs::write(root.join("dovecot.conf"), conf).unwrap();
        let child = Command::new(DOVECOT)
            .arg("-F")
            .arg("-c")
            .arg(root.join("dovecot.conf"))
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("run dovecot");
        let mut d = DovecotAuth { dir, child };
        let deadline = Instant::now() + Duration::from_secs(15);
        while !d.socket().exists() {
            if Instant::now() > deadline || matches!(d.child.try_wait(), Ok(Some(_))) {
                panic!("Dovecot did not start; its log:\n{}", d.log());
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        d
    }

    /// The auth client socket (for `smtpd_sasl_path`).
    pub fn socket(&self) -> PathBuf {
        self.dir.path().join("auth-client")
    }

    /// Dovecot's log so far.
    pub fn log(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("dovecot.log")).unwrap_or_default()
    }
}

impl Drop for DovecotAuth {
    fn drop(&mut self) {
        let pid = self.child.id().to_string();
        let _ = Command::new("kill")
            .args(["-TERM", &pid])
            .stderr(Stdio::null())
            .status();
        let deadline = Instant::now() + Duration::from_secs(5);
        loop {
            if let Ok(Some(_)) = self.child.try_wait() {
                return;
            }
            if Instant::now() > deadline {
                let _ = self.child.kill();
                let _ = self.child.wait();
                return;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

fn set_mode(p: &Path, mode: u32) {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(p, std::fs::Permissions::from_mode(mode)).unwrap();
}
