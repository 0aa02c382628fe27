//! The `missive` command-line tool, run as a program against aiosmtpd on loopback: every
//! subcommand, the exit codes, the config file's permission check, the redacted protocol log,
//! the progress bar, and two programs nobody here wrote driving the sendmail mode
//! (`git send-email` and bsd-mailx).

#[path = "support/smtp/mod.rs"]
mod support;

#[path = "support/smtp/proxies.rs"]
mod proxies;

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use mail_parser::MimeHeaders;
use support::{AioServer, Certs, free_port};

const BIN: &str = env!("CARGO_BIN_EXE_missive");

fn url(srv: &AioServer) -> String {
    format!("smtp://127.0.0.1:{}", srv.port)
}

/// The tool with a clean environment: no config file, no server or queue from the caller.
fn missive(home: &Path) -> Command {
    let mut c = Command::new(BIN);
    c.env_remove("MISSIVE_SMTP_URL")
        .env_remove("MISSIVE_QUEUE_URL")
        .env_remove("MISSIVE_PROXY_URL")
        .env("HOME", home)
        .env("XDG_CONFIG_HOME", home.join(".config"))
        .stdin(Stdio::null());
    c
}

fn run(cmd: &mut Command, stdin: Option<&[u8]>) -> Output {
    if stdin.is_some() {
        cmd.stdin(Stdio::piped());
    }
    cmd.stdout(Stdio::piped()).stderr(Stdio::piped());
    let mut child = cmd.spawn().expect("run missive");
    if let Some(input) = stdin {
        child.stdin.take().unwrap().write_all(input).unwrap();
    }
    child.wait_with_output().unwrap()
}

fn text(o: &Output) -> String {
    format!(
        "status {:?}\n--- stdout\n{}\n--- stderr\n{}",
        o.status.code(),
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

fn ok(o: Output) -> Output {
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    o
}

fn lf(b: &[u8]) -> String {
    String::from_utf8_lossy(b).replace("\r\n", "\n")
}

fn write(dir: &Path, name: &str, content: &[u8]) -> PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, content).unwrap();
    p
}

fn eml(subject: &str, to: &str) -> Vec<u8> {
    format!(
        "From: Alice <alice@example.org>\r\nTo: {to}\r\nSubject: {subject}\r\n\
         Message-ID: <{subject}@example.org>\r\nDate: Mon, 2 Mar 2026 10:00:00 +0000\r\n\r\n\
         Body of {subject}.\r\n"
    )
    .into_bytes()
}

#[test]
fn send_from_options_delivers_the_attachment_bytes() {
    let srv = AioServer::start(&["--no-auth"]);
    let home = tempfile::tempdir().unwrap();
    let bytes: Vec<u8> = (0..=255u8).cycle().take(5000).collect();
    let att = write(home.path(), "data.bin", &bytes);
    let o = ok(run(
        missive(home.path()).args([
            "--url",
            &url(&srv),
            "send",
            "--from",
            "Alice <alice@example.org>",
            "--to",
            "bob@example.org, carol@example.org",
            "--bcc",
            "dave@example.org",
            "--subject",
            "With attachment",
            "--body",
            "See the file.",
            "--header",
            "X-Test: yes",
            "--attach",
            att.to_str().unwrap(),
        ]),
        None,
    ));
    assert!(
        String::from_utf8_lossy(&o.stdout).contains("accepted for 3"),
        "{}",
        text(&o)
    );
    let got = srv.messages();
    assert_eq!(got.len(), 1);
    assert_eq!(got[0].mail_from, "alice@example.org");
    assert_eq!(
        got[0].rcpts,
        ["bob@example.org", "carol@example.org", "dave@example.org"]
    );
    let msg = mail_parser::MessageParser::default()
        .parse(&got[0].content)
        .unwrap();
    assert_eq!(msg.subject(), Some("With attachment"));
    assert_eq!(msg.header_raw("X-Test").map(str::trim), Some("yes"));
    assert!(msg.header_raw("Bcc").is_none());
    let a = msg.attachments().next().expect("an attachment");
    assert_eq!(a.attachment_name(), Some("data.bin"));
    assert_eq!(a.contents(), &bytes[..]);
    assert_eq!(msg.body_text(0).unwrap().trim(), "See the file.");
}

#[test]
fn send_through_the_proxy_of_missive_proxy_url() {
    let srv = AioServer::start(&["--no-auth"]);
    let tp = proxies::Tinyproxy::start(Some(("cliuser", "cli-pr0xy")), &[]);
    let home = tempfile::tempdir().unwrap();
    let a = eml("via proxy", "bob@example.org");
    let pa = write(home.path(), "a.eml", &a);
    ok(run(
        missive(home.path())
            .env(
                "MISSIVE_PROXY_URL",
                format!("http://cliuser:cli-pr0xy@127.0.0.1:{}", tp.port),
            )
            .args(["--url", &url(&srv), "send"])
            .arg(&pa),
        None,
    ));
    assert_eq!(srv.messages()[0].content, a);
    let log = tp.log();
    assert!(
        log.contains(&format!("CONNECT 127.0.0.1:{}", srv.port)),
        "{log}"
    );
    // A malformed proxy URL is a configuration error naming the problem, without the password.
    let o = run(
        missive(home.path())
            .args([
                "--proxy",
                "gopher://u:hunter2@h:1",
                "--url",
                &url(&srv),
                "send",
            ])
            .arg(&pa),
        None,
    );
    assert_ne!(o.status.code(), Some(0));
    let t = text(&o);
    assert!(t.contains("invalid proxy URL"), "{t}");
    assert!(!t.contains("hunter2"), "{t}");
}

#[test]
fn send_eml_files_as_they_are_and_with_an_envelope() {
    let srv = AioServer::start(&["--no-auth"]);
    let home = tempfile::tempdir().unwrap();
    let a = eml("one", "bob@example.org");
    let b = eml("two", "carol@example.org");
    let pa = write(home.path(), "a.eml", &a);
    let pb = write(home.path(), "b.eml", &b);
    let o = ok(run(
        missive(home.path())
            .args(["--url", &url(&srv), "send"])
            .args([&pa, &pb]),
        None,
    ));
    // Not a terminal: no progress bar.
    assert!(!String::from_utf8_lossy(&o.stdout).contains("sending ["));
    ok(run(
        missive(home.path())
            .args([
                "--url",
                &url(&srv),
                "send",
                "--from",
                "x@example.org",
                "--to",
                "y@example.org",
            ])
            .arg(&pa),
        None,
    ));
    let got = srv.messages();
    assert_eq!(got.len(), 3);
    assert_eq!(got[0].rcpts, ["bob@example.org"]);
    assert_eq!(got[0].content, a);
    assert_eq!(got[1].rcpts, ["carol@example.org"]);
    assert_eq!(got[1].content, b);
    assert_eq!(got[2].mail_from, "x@example.org");
    assert_eq!(got[2].rcpts, ["y@example.org"]);
    assert_eq!(got[2].content, a);
}

#[test]
fn forward_in_each_mode() {
    let srv = AioServer::start(&["--no-auth"]);
    let home = tempfile::tempdir().unwrap();
    let original = eml("fwd", "bob@example.org");
    let p = write(home.path(), "m.eml", &original);
    for mode in ["redirect", "resend", "attach"] {
        ok(run(
            missive(home.path())
                .args(["--url", &url(&srv), "forward"])
                .arg(&p)
                .args([
                    "--to",
                    "new@example.org",
                    "--mode",
                    mode,
                    "--from",
                    "fw@example.org",
                ]),
            None,
        ));
    }
    // Without --from, redirect keeps the message's own sender.
    ok(run(
        missive(home.path())
            .args(["--url", &url(&srv), "forward"])
            .arg(&p)
            .args(["--to", "new2@example.org"]),
        None,
    ));
    let got = srv.messages();
    assert_eq!(got.len(), 4);
    for m in &got[..3] {
        assert_eq!(m.rcpts, ["new@example.org"]);
        assert_eq!(m.mail_from, "fw@example.org");
    }
    assert_eq!(got[0].content, original);
    let resent = lf(&got[1].content);
    assert!(resent.starts_with("Resent-Date: "), "{resent}");
    assert!(resent.contains("Resent-From: <fw@example.org>"), "{resent}");
    assert!(got[1].content.ends_with(&original));
    let attached = lf(&got[2].content);
    assert!(attached.contains("Subject: Fwd: fwd"), "{attached}");
    assert!(attached.contains("message/rfc822"), "{attached}");
    assert!(attached.contains(&lf(&original)), "{attached}");
    assert_eq!(got[3].mail_from, "alice@example.org");
    assert_eq!(got[3].content, original);
}

fn tls_server(certs: &Certs, extra: &[&str]) -> AioServer {
    let mut args = vec![
        "--starttls",
        certs
            .path("server.pem")
            .to_str()
            .unwrap()
            .to_string()
            .leak() as &str,
        certs
            .path("server.key")
            .to_str()
            .unwrap()
            .to_string()
            .leak(),
    ];
    args.extend_from_slice(extra);
    AioServer::start(&args)
}

#[cfg(unix)]
fn chmod(p: &Path, mode: u32) {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(p, std::fs::Permissions::from_mode(mode)).unwrap();
}

#[test]
fn probe_shows_greeting_tls_certificate_keywords_and_checks_credentials() {
    let certs = Certs::generate();
    let srv = tls_server(
        &certs,
        &[
            "--auth-require-tls",
            "--user",
            "alice:s3cret",
            "--mechs",
            "PLAIN,LOGIN",
        ],
    );
    let home = tempfile::tempdir().unwrap();
    let cfg = write(
        home.path(),
        "config.toml",
        format!(
            "url = \"smtp+starttls://127.0.0.1:{}\"\nusername = \"alice\"\npassword = \"s3cret\"\nca_file = \"{}\"\n",
            srv.port,
            certs.path("ca.pem").display()
        )
        .as_bytes(),
    );
    chmod(&cfg, 0o600);
    let o = ok(run(
        missive(home.path())
            .args(["--config"])
            .arg(&cfg)
            .arg("probe"),
        None,
    ));
    let out = String::from_utf8_lossy(&o.stdout);
    assert!(out.contains("greeting: 220 "), "{out}");
    assert!(
        out.contains("tls: TLSv1.3") || out.contains("tls: TLSv1.2"),
        "{out}"
    );
    assert!(out.contains("(STARTTLS)"), "{out}");
    assert!(
        out.contains("certificate: subject CN=localhost; issuer CN=missive test CA"),
        "{out}"
    );
    assert!(out.contains("sha256: "), "{out}");
    for kw in ["SIZE 33554432", "8BITMIME", "HELP"] {
        assert!(out.lines().any(|l| l.trim() == kw), "{kw}: {out}");
    }
    assert!(
        out.lines()
            .any(|l| l.trim().starts_with("AUTH ") && l.contains("PLAIN") && l.contains("LOGIN")),
        "{out}"
    );
    assert!(out.contains("credentials: accepted for alice"), "{out}");
    assert!(srv.messages().is_empty(), "probe sends nothing");

    // A wrong password: the capabilities still show, and the exit status is 77.
    let pw = write(home.path(), "pw", b"wrong\n");
    let o = run(
        missive(home.path())
            .args(["--config"])
            .arg(&cfg)
            .args(["--password-file"])
            .arg(&pw)
            .arg("probe"),
        None,
    );
    assert_eq!(o.status.code(), Some(77), "{}", text(&o));
    let out = String::from_utf8_lossy(&o.stdout);
    assert!(
        out.contains("8BITMIME") && out.contains("credentials: refused"),
        "{out}"
    );
}

#[test]
fn config_file_with_a_password_readable_by_others_is_refused() {
    let srv = AioServer::start(&["--no-auth"]);
    let home = tempfile::tempdir().unwrap();
    let dir = home.path().join(".config/missive");
    std::fs::create_dir_all(&dir).unwrap();
    let cfg = write(
        &dir,
        "config.toml",
        format!(
            "url = \"smtp://127.0.0.1:{}\"\npassword = \"hunter2\"\nfrom = \"cfg@example.org\"\n",
            srv.port
        )
        .as_bytes(),
    );
    chmod(&cfg, 0o644);
    // Found in $XDG_CONFIG_HOME without --config.
    let o = run(missive(home.path()).arg("probe"), None);
    assert_eq!(o.status.code(), Some(78), "{}", text(&o));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("holds a password and is readable by group or others"),
        "{err}"
    );
    assert!(err.contains("chmod 600"), "{err}");
    // A URL with a password counts too.
    let cfg2 = write(
        home.path(),
        "url.toml",
        format!("url = \"smtp://u:pw@127.0.0.1:{}\"\n", srv.port).as_bytes(),
    );
    chmod(&cfg2, 0o640);
    let o = run(
        missive(home.path()).arg("--config").arg(&cfg2).arg("probe"),
        None,
    );
    assert_eq!(o.status.code(), Some(78), "{}", text(&o));
    // Private: accepted; `from` comes from the file.
    chmod(&cfg, 0o600);
    ok(run(
        missive(home.path()).args([
            "send",
            "--to",
            "b@example.org",
            "--subject",
            "s",
            "--body",
            "b",
        ]),
        None,
    ));
    assert_eq!(srv.messages()[0].mail_from, "cfg@example.org");
    // Without a password the file may be readable by anyone.
    std::fs::write(&cfg, format!("url = \"smtp://127.0.0.1:{}\"\n", srv.port)).unwrap();
    chmod(&cfg, 0o644);
    ok(run(missive(home.path()).arg("probe"), None));
    // Unknown keys are named.
    std::fs::write(&cfg, "server = \"x\"\n").unwrap();
    let o = run(missive(home.path()).arg("probe"), None);
    assert_eq!(o.status.code(), Some(78), "{}", text(&o));
    assert!(String::from_utf8_lossy(&o.stderr).contains("unknown key \"server\""));
}

#[test]
fn verbose_log_redacts_the_password() {
    let certs = Certs::generate();
    let srv = tls_server(&certs, &["--user", "alice:s3cret-pw", "--mechs", "PLAIN"]);
    let home = tempfile::tempdir().unwrap();
    let o = ok(run(
        missive(home.path()).args([
            "--url",
            &format!("smtp+starttls://alice@127.0.0.1:{}", srv.port),
            "--password-command",
            "echo s3cret-pw",
            "--ca-file",
            certs.path("ca.pem").to_str().unwrap(),
            "-v",
            "send",
            "--from",
            "alice@example.org",
            "--to",
            "b@example.org",
            "--subject",
            "v",
            "--body",
            "x",
        ]),
        None,
    ));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.lines()
            .any(|l| l.starts_with("C: AUTH PLAIN") && l.contains("<redacted>")),
        "{err}"
    );
    assert!(
        err.contains("C: STARTTLS") && err.contains("S: 250"),
        "{err}"
    );
    assert!(!err.contains("s3cret"), "{err}");
    use base64::Engine as _;
    let b64 = base64::engine::general_purpose::STANDARD.encode("\0alice\0s3cret-pw");
    assert!(!err.contains(&b64), "{err}");
    assert_eq!(srv.messages()[0].auth.as_deref(), Some("alice"));
}

#[test]
fn queue_enqueue_list_state_drain() {
    let srv = AioServer::start(&["--no-auth"]);
    let home = tempfile::tempdir().unwrap();
    let q = home.path().join("queue");
    let qurl = format!("file://{}", q.display());
    let p = write(home.path(), "m.eml", &eml("queued", "bob@example.org"));
    let o = ok(run(
        missive(home.path())
            .args(["--queue", &qurl, "queue", "enqueue"])
            .arg(&p),
        None,
    ));
    let id = String::from_utf8_lossy(&o.stdout).trim().to_string();
    assert!(!id.is_empty());
    // The environment names the queue too.
    let o = ok(run(
        missive(home.path())
            .env("MISSIVE_QUEUE_URL", &q)
            .args(["queue", "list"]),
        None,
    ));
    let out = String::from_utf8_lossy(&o.stdout);
    assert!(
        out.starts_with(&format!("{id}\tqueued\tattempts=0")),
        "{out}"
    );
    let o = ok(run(
        missive(home.path())
            .arg("--queue")
            .arg(&q)
            .args(["queue", "state"]),
        None,
    ));
    let out = String::from_utf8_lossy(&o.stdout);
    assert!(out.contains("queued: 1\ndue: 1\n"), "{out}");
    let o = ok(run(
        missive(home.path())
            .args(["--url", &url(&srv), "--queue"])
            .arg(&q)
            .args(["queue", "drain"]),
        None,
    ));
    assert!(
        String::from_utf8_lossy(&o.stdout).contains("delivered 1,"),
        "{}",
        text(&o)
    );
    let got = srv.messages();
    assert_eq!(got.len(), 1);
    assert_eq!(got[0].rcpts, ["bob@example.org"]);
    let o = ok(run(
        missive(home.path())
            .arg("--queue")
            .arg(&q)
            .args(["queue", "state"]),
        None,
    ));
    assert!(String::from_utf8_lossy(&o.stdout).contains("queued: 0"));
    // Schemes other than file and postgres are refused.
    let o = run(
        missive(home.path()).args(["--queue", "redis://localhost/0", "queue", "state"]),
        None,
    );
    assert_eq!(o.status.code(), Some(78), "{}", text(&o));
    assert!(String::from_utf8_lossy(&o.stderr).contains("the scheme \"redis\" is not supported"));
}

#[test]
fn exit_codes_and_queueing_when_the_server_is_unreachable() {
    let home = tempfile::tempdir().unwrap();
    let dead = format!("smtp://127.0.0.1:{}", free_port());
    let q = home.path().join("q");
    let send = |extra: &[&str]| {
        run(
            missive(home.path())
                .args(["--url", &dead, "--timeout", "5"])
                .args(extra)
                .args([
                    "send",
                    "--from",
                    "a@example.org",
                    "--to",
                    "b@example.org",
                    "--body",
                    "x",
                ]),
            None,
        )
    };
    let o = send(&[]);
    assert_eq!(o.status.code(), Some(75), "{}", text(&o));
    let o = send(&["--queue", q.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    assert!(
        String::from_utf8_lossy(&o.stderr).contains("queued as"),
        "{}",
        text(&o)
    );
    // The sendmail mode too.
    let o = run(
        missive(home.path())
            .env("MISSIVE_SMTP_URL", &dead)
            .args(["sendmail", "-i", "--queue"])
            .arg(&q)
            .arg("c@example.org"),
        Some(b"Subject: q\n\nqueued by sendmail\n"),
    );
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    let o = run(
        missive(home.path()).env("MISSIVE_SMTP_URL", &dead).args([
            "sendmail",
            "-i",
            "c@example.org",
        ]),
        Some(b"Subject: q\n\nnot queued\n"),
    );
    assert_eq!(o.status.code(), Some(75), "{}", text(&o));
    let o = ok(run(
        missive(home.path())
            .arg("--queue")
            .arg(&q)
            .args(["queue", "state"]),
        None,
    ));
    assert!(
        String::from_utf8_lossy(&o.stdout).contains("queued: 2"),
        "{}",
        text(&o)
    );

    // Usage errors: 64; no server: 78; a missing file: 66; a refused recipient: 67.
    let o = run(missive(home.path()).args(["send", "--frob"]), None);
    assert_eq!(o.status.code(), Some(64), "{}", text(&o));
    let o = run(missive(home.path()).args(["sendmail", "-bs"]), None);
    assert_eq!(o.status.code(), Some(64), "{}", text(&o));
    assert!(
        String::from_utf8_lossy(&o.stderr)
            .contains("-bs (SMTP on standard input) is not supported")
    );
    let o = run(
        missive(home.path()).args(["send", "--from", "a@example.org", "--to", "b@example.org"]),
        None,
    );
    assert_eq!(o.status.code(), Some(78), "{}", text(&o));
    let srv = AioServer::start(&["--no-auth"]);
    let o = run(
        missive(home.path()).args(["--url", &url(&srv), "send", "/nonexistent/x.eml"]),
        None,
    );
    assert_eq!(o.status.code(), Some(66), "{}", text(&o));
    let o = run(
        missive(home.path()).args([
            "--url",
            &url(&srv),
            "send",
            "--from",
            "a@example.org",
            "--to",
            "reject@example.org",
            "--body",
            "x",
        ]),
        None,
    );
    assert_eq!(o.status.code(), Some(67), "{}", text(&o));
    let o = run(
        missive(home.path()).args([
            "--url",
            &url(&srv),
            "send",
            "--from",
            "a@example.org",
            "--to",
            "defer@example.org",
            "--body",
            "x",
        ]),
        None,
    );
    assert_eq!(o.status.code(), Some(75), "{}", text(&o));
}

#[test]
fn sendmail_t_reads_the_message_on_stdin() {
    let srv = AioServer::start(&["--no-auth"]);
    let home = tempfile::tempdir().unwrap();
    let msg = b"From: Cron Daemon <cron@example.org>\nTo: root@example.org\nCc: ops@example.org\n\
                Bcc: hidden@example.org\nSubject: cron output\n\nline one\n.\nafter the dot\n";
    let o = ok(run(
        missive(home.path())
            .env("MISSIVE_SMTP_URL", url(&srv))
            .args(["sendmail", "-t", "-oi"]),
        Some(msg),
    ));
    assert!(
        o.stdout.is_empty() && o.stderr.is_empty(),
        "silent: {}",
        text(&o)
    );
    // Without -i a lone dot ends the message; -f sets the envelope sender.
    ok(run(
        missive(home.path())
            .env("MISSIVE_SMTP_URL", url(&srv))
            .args([
                "sendmail",
                "-t",
                "-f",
                "bounce@example.org",
                "extra@example.org",
            ]),
        Some(msg),
    ));
    let got = srv.messages();
    assert_eq!(got.len(), 2);
    assert_eq!(got[0].mail_from, "cron@example.org");
    assert_eq!(
        got[0].rcpts,
        ["root@example.org", "ops@example.org", "hidden@example.org"]
    );
    let c = lf(&got[0].content);
    assert!(!c.contains("Bcc") && !c.contains("hidden"), "{c}");
    assert!(
        c.contains("Date: ") && c.contains("Message-ID: <"),
        "added fields: {c}"
    );
    assert!(c.ends_with("line one\n.\nafter the dot\n"), "{c}");
    assert_eq!(got[1].mail_from, "bounce@example.org");
    assert_eq!(
        got[1].rcpts,
        [
            "extra@example.org",
            "root@example.org",
            "ops@example.org",
            "hidden@example.org"
        ]
    );
    assert!(
        lf(&got[1].content).ends_with("line one\n"),
        "{}",
        lf(&got[1].content)
    );
}

#[cfg(unix)]
fn sendmail_link(dir: &Path) -> PathBuf {
    let bin = dir.join("bin");
    std::fs::create_dir_all(&bin).unwrap();
    let link = bin.join("sendmail");
    std::os::unix::fs::symlink(BIN, &link).unwrap();
    link
}

#[test]
fn the_binary_run_as_sendmail_is_the_sendmail_mode() {
    let srv = AioServer::start(&["--no-auth"]);
    let home = tempfile::tempdir().unwrap();
    let link = sendmail_link(home.path());
    let mut cmd = Command::new(&link);
    cmd.env("MISSIVE_SMTP_URL", url(&srv))
        .env("HOME", home.path())
        .env("XDG_CONFIG_HOME", home.path().join(".config"))
        .args([
            "-i",
            "-F",
            "Jo Example",
            "-fjo@example.org",
            "r@example.org",
        ]);
    ok(run(&mut cmd, Some(b"Subject: via link\n\nhello\n")));
    let got = srv.messages();
    assert_eq!(got.len(), 1);
    assert_eq!(got[0].mail_from, "jo@example.org");
    assert_eq!(got[0].rcpts, ["r@example.org"]);
    let c = lf(&got[0].content);
    assert!(
        c.starts_with("From: \"Jo Example\" <jo@example.org>\n")
            || c.starts_with("From: Jo Example <jo@example.org>\n"),
        "{c}"
    );
    assert!(c.contains("Subject: via link\n\nhello\n"), "{c}");
    // --help works under that name as well.
    let o = ok(run(Command::new(&link).arg("--help"), None));
    assert!(String::from_utf8_lossy(&o.stdout).contains("-oi"));
}

#[test]
fn every_subcommand_has_help_and_the_man_pages_are_written() {
    let home = tempfile::tempdir().unwrap();
    for sub in [
        &["--help"][..],
        &["send", "--help"],
        &["forward", "--help"],
        &["probe", "--help"],
        &["queue", "--help"],
        &["queue", "enqueue", "--help"],
        &["queue", "drain", "--help"],
        &["queue", "list", "--help"],
        &["queue", "state", "--help"],
        &["sendmail", "--help"],
        &["man", "--help"],
    ] {
        let o = ok(run(missive(home.path()).args(sub), None));
        let out = String::from_utf8_lossy(&o.stdout);
        assert!(
            out.contains("Usage") || out.contains("Options"),
            "{sub:?}: {out}"
        );
    }
    let o = ok(run(missive(home.path()).args(["send", "--help"]), None));
    assert!(String::from_utf8_lossy(&o.stdout).contains("75  temporary failure"));
    let dir = home.path().join("man");
    ok(run(
        missive(home.path()).args(["man", "--dir"]).arg(&dir),
        None,
    ));
    for page in [
        "missive.1",
        "missive-send.1",
        "missive-sendmail.1",
        "missive-queue.1",
    ] {
        let t = std::fs::read_to_string(dir.join(page)).unwrap();
        assert!(t.contains(".TH"), "{page}");
    }
}

#[test]
fn progress_bar_only_on_a_terminal() {
    if Command::new("script").arg("--version").output().is_err() {
        println!(
            "SKIPPED: `script` (util-linux) is not installed: no terminal to test the progress bar on"
        );
        return;
    }
    let srv = AioServer::start(&["--no-auth"]);
    let home = tempfile::tempdir().unwrap();
    let files: Vec<String> = (0..3)
        .map(|i| {
            write(
                home.path(),
                &format!("{i}.eml"),
                &eml(&format!("p{i}"), "b@example.org"),
            )
            .display()
            .to_string()
        })
        .collect();
    let cmdline = format!("{BIN} --url {} send {}", url(&srv), files.join(" "));
    let o = ok(run(
        Command::new("script")
            .args(["-qec", &cmdline, "/dev/null"])
            .env("HOME", home.path())
            .env("XDG_CONFIG_HOME", home.path().join(".config")),
        None,
    ));
    let out = String::from_utf8_lossy(&o.stdout);
    assert!(out.contains("sending [") && out.contains("3/3"), "{out}");
    assert_eq!(srv.messages().len(), 3);
    let o = ok(run(
        missive(home.path())
            .args(["--url", &url(&srv), "send"])
            .args(&files),
        None,
    ));
    assert!(
        !String::from_utf8_lossy(&o.stdout).contains("sending ["),
        "{}",
        text(&o)
    );
    // A queue drain too.
    let q = home.path().join("q");
    for f in &files[..2] {
        ok(run(
            missive(home.path())
                .arg("--queue")
                .arg(&q)
                .args(["queue", "enqueue", f]),
            None,
        ));
    }
    let cmdline = format!(
        "{BIN} --url {} --queue {} queue drain",
        url(&srv),
        q.display()
    );
    let o = ok(run(
        Command::new("script")
            .args(["-qec", &cmdline, "/dev/null"])
            .env("HOME", home.path())
            .env("XDG_CONFIG_HOME", home.path().join(".config")),
        None,
    ));
    let out = String::from_utf8_lossy(&o.stdout);
    assert!(
        out.contains("draining [") && out.contains("delivered 2,"),
        "{out}"
    );
    assert_eq!(srv.messages().len(), 8);
}

fn git(dir: &Path, args: &[&str]) -> Output {
    let o = Command::new("git")
        .current_dir(dir)
        .env("HOME", dir)
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .args([
            "-c",
            "user.name=Pat Hacker",
            "-c",
            "user.email=pat@example.org",
        ])
        .args(args)
        .output()
        .expect("run git");
    assert!(o.status.success(), "git {args:?}: {}", text(&o));
    o
}

#[test]
fn git_send_email_delivers_a_patch_series_through_the_sendmail_mode() {
    let exec = Command::new("git").arg("--exec-path").output();
    let has = exec
        .map(|o| {
            Path::new(String::from_utf8_lossy(&o.stdout).trim())
                .join("git-send-email")
                .exists()
        })
        .unwrap_or(false);
    if !has {
        println!("SKIPPED: git send-email is not installed (Debian package git-email)");
        return;
    }
    let srv = AioServer::start(&["--no-auth"]);
    let work = tempfile::tempdir().unwrap();
    let repo = work.path();
    git(repo, &["init", "-q", "-b", "main"]);
    write(repo, "README", b"start\n");
    git(repo, &["add", "README"]);
    git(repo, &["commit", "-q", "-m", "Initial"]);
    for i in 1..=3 {
        write(
            repo,
            &format!("file{i}.txt"),
            format!("line {i}\n.\n..leading dots\n").as_bytes(),
        );
        git(repo, &["add", "."]);
        git(
            repo,
            &[
                "commit",
                "-q",
                "-m",
                &format!("Patch number {i}\n\nThe body of patch {i}."),
            ],
        );
    }
    git(repo, &["format-patch", "-q", "-3", "-o", "out"]);
    let mut patches: Vec<PathBuf> = std::fs::read_dir(repo.join("out"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    patches.sort();
    assert_eq!(patches.len(), 3);
    let sendmail_cmd = format!("{BIN} sendmail");
    let mut args = vec![
        "send-email".to_string(),
        "--quiet".to_string(),
        "--confirm=never".to_string(),
        "--suppress-cc=all".to_string(),
        "--to=list@example.org".to_string(),
        "--from=Pat Hacker <pat@example.org>".to_string(),
        format!("--sendmail-cmd={sendmail_cmd}"),
    ];
    args.extend(patches.iter().map(|p| p.display().to_string()));
    let o = Command::new("git")
        .current_dir(repo)
        .env("HOME", repo)
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("MISSIVE_SMTP_URL", url(&srv))
        .env_remove("MISSIVE_QUEUE_URL")
        .args([
            "-c",
            "user.name=Pat Hacker",
            "-c",
            "user.email=pat@example.org",
        ])
        .args(&args)
        .stdin(Stdio::null())
        .output()
        .unwrap();
    assert!(o.status.success(), "git send-email: {}", text(&o));
    let got = srv.messages();
    assert_eq!(got.len(), 3, "{}", text(&o));
    for (i, (m, patch)) in got.iter().zip(&patches).enumerate() {
        assert_eq!(m.rcpts, ["list@example.org"]);
        assert_eq!(m.mail_from, "pat@example.org");
        let received = lf(&m.content);
        let patch = std::fs::read_to_string(patch).unwrap();
        // The patch's body (after its header) arrives byte for byte.
        let body = &patch[patch.find("\n\n").unwrap() + 2..];
        let got_body = &received[received.find("\n\n").unwrap() + 2..];
        assert_eq!(got_body, body, "patch {}", i + 1);
        assert!(
            received.contains(&format!(
                "Subject: [PATCH {}/3] Patch number {}",
                i + 1,
                i + 1
            )),
            "{received}"
        );
    }
}

#[test]
fn mailx_delivers_through_the_sendmail_mode() {
    let mailx = ["/usr/bin/bsd-mailx", "/usr/bin/mailx"]
        .into_iter()
        .find(|p| Path::new(p).exists());
    let Some(mailx) = mailx else {
        println!("SKIPPED: mailx is not installed (Debian package bsd-mailx)");
        return;
    };
    let srv = AioServer::start(&["--no-auth"]);
    let home = tempfile::tempdir().unwrap();
    let link = sendmail_link(home.path());
    // bsd-mailx runs the program named by its `sendmail` variable (else /usr/sbin/sendmail).
    let rc = write(
        home.path(),
        "mailrc",
        format!("set sendmail={}\n", link.display()).as_bytes(),
    );
    let o = ok(run(
        Command::new(mailx)
            .env("HOME", home.path())
            .env("MAILRC", &rc)
            .env("MISSIVE_SMTP_URL", url(&srv))
            .env("LOGNAME", "mailuser")
            .args(["-s", "Hello from mailx", "friend@example.org"]),
        Some(b"A line from mailx.\n"),
    ));
    let _ = o;
    let got = srv.messages();
    assert_eq!(got.len(), 1, "{}", srv.server_log());
    assert_eq!(got[0].rcpts, ["friend@example.org"]);
    let c = lf(&got[0].content);
    assert!(c.contains("Subject: Hello from mailx\n"), "{c}");
    assert!(c.contains("To: friend@example.org"), "{c}");
    assert!(c.contains("A line from mailx.\n"), "{c}");
}
