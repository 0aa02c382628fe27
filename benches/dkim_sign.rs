//! The cost of DKIM signing, in one run:
//!
//! 1. Signing alone: missive's signer (mail-auth) against dkimpy (PyPI, the reference Python
//!    signer, in one Python process, timed inside it), for RSA-2048 and Ed25519, on messages of
//!    1 KB, 100 KB and 1 MB. Prints microseconds per signature for each and the ratio.
//! 2. End to end: a 4-connection bulk send of N messages of ~1 KB to Postfix's `smtp-sink` on
//!    127.0.0.1 without a signer, with RSA-2048, and with RSA-2048 + Ed25519. Prints msgs/s
//!    and the cost of signing as a share of the unsigned rate.
//!
//! For RSA, `openssl speed rsa2048` is printed too: the private-key operation alone, a floor no
//! signer reaches (dkimpy's RSA is pure Python).
//!
//! Run with `cargo bench --bench dkim_sign`. Environment: `MISSIVE_BENCH_MESSAGES=N` (bulk
//! messages, default 5000), `MISSIVE_BENCH_SIGNS=N` (signatures per size, default 200).
//! Needs `pip install dkimpy pynacl` and `apt-get install postfix` (smtp-sink).

use std::io::Write;
use std::path::Path;
use std::process::Command;
use std::sync::Arc;
use std::time::Instant;

use missive::deliver::{CancelToken, Client, DeliveryMethod, DkimAlgorithm, DkimSigner, Prepared};
use missive::message::DeliveryNotification;
use missive::smtp::Security;

mod common;
use common::Sink;

fn env_usize(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn fixture(name: &str) -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/dkim")
        .join(name)
}

fn message(i: usize, payload: usize) -> Vec<u8> {
    let mut m = Vec::with_capacity(payload + 256);
    write!(
        m,
        "From: <bench@example.com>\r\nTo: <sink@localhost>\r\n\
         Date: Tue, 24 Nov 2026 02:16:53 +0000\r\nMessage-Id: <{i}.dkim@example.com>\r\n\
         Subject: dkim {i}\r\n\r\n"
    )
    .unwrap();
    let mut line = 0;
    while m.len() < payload {
        let mut text = format!("{} ", line % 10);
        while text.len() < 76 {
            text.push_str("lorem ");
        }
        m.extend_from_slice(text.as_bytes());
        m.extend_from_slice(b"\r\n");
        line += 1;
    }
    m
}

fn signer(alg: DkimAlgorithm) -> DkimSigner {
    let (file, sel) = match alg {
        DkimAlgorithm::RsaSha256 => ("rsa-pkcs8.pem", "rsa8"),
        DkimAlgorithm::Ed25519Sha256 => ("ed25519.pem", "ed"),
    };
    DkimSigner::from_pem(
        "example.com",
        sel,
        &std::fs::read(fixture(file)).unwrap(),
        alg,
    )
    .unwrap()
}

/// Microseconds per signature with missive's signer.
fn missive_us(s: &DkimSigner, msg: &[u8], n: usize) -> f64 {
    let _ = s.sign(msg).unwrap(); // warm-up
    let start = Instant::now();
    for _ in 0..n {
        std::hint::black_box(s.sign(std::hint::black_box(msg)).unwrap());
    }
    start.elapsed().as_secs_f64() * 1e6 / n as f64
}

/// Microseconds per signature with dkimpy, timed inside one Python process.
fn dkimpy_us(alg: DkimAlgorithm, msg: &[u8], n: usize) -> f64 {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("m.eml");
    std::fs::write(&path, msg).unwrap();
    let (key, sel, algo) = match alg {
        DkimAlgorithm::RsaSha256 => ("rsa-pkcs8.pem", "rsa8", "rsa-sha256"),
        DkimAlgorithm::Ed25519Sha256 => ("ed25519.pem", "ed", "ed25519-sha256"),
    };
    // dkimpy takes Ed25519 keys as the base64 of the 32-byte seed (the last 32 bytes of the
    // PKCS#8 DER).
    let script = r#"
import base64, sys, time, dkim
msg = open(sys.argv[1], 'rb').read()
pem = open(sys.argv[2], 'rb').read()
algo = sys.argv[4]
if algo == 'ed25519-sha256':
    der = base64.b64decode(b''.join(l for l in pem.splitlines() if not l.startswith(b'-----')))
    key = base64.b64encode(der[-32:])
else:
    key = pem
heads = [b'from', b'subject', b'to', b'cc', b'date', b'message-id']
n = int(sys.argv[5])
dkim.sign(msg, sys.argv[3].encode(), b'example.com', key, include_headers=heads,
          signature_algorithm=algo.encode())
t = time.perf_counter()
for _ in range(n):
    dkim.sign(msg, sys.argv[3].encode(), b'example.com', key, include_headers=heads,
              signature_algorithm=algo.encode())
print((time.perf_counter() - t) * 1e6 / n)
"#;
    let out = Command::new("python3")
        .args(["-c", script])
        .arg(&path)
        .arg(fixture(key))
        .args([sel, algo, &n.to_string()])
        .output()
        .expect("run python3");
    assert!(
        out.status.success(),
        "dkimpy failed (pip install dkimpy pynacl): {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).trim().parse().unwrap()
}

/// OpenSSL's own RSA-2048 signing time (`openssl speed`), as a floor for the RSA rows: the
/// private-key operation alone, no canonicalization or hashing of the message.
fn openssl_rsa2048_us() -> Option<f64> {
    let out = Command::new("openssl")
        .args(["speed", "-seconds", "2", "rsa2048"])
        .output()
        .ok()?;
    let text = String::from_utf8_lossy(&out.stdout);
    let line = text.lines().find(|l| l.starts_with("rsa 2048 bits"))?;
    let secs: f64 = line
        .split_whitespace()
        .nth(3)?
        .trim_end_matches('s')
        .parse()
        .ok()?;
    Some(secs * 1e6)
}

fn bulk(
    port: u16,
    items: &[Result<Prepared, missive::deliver::DeliverError>],
    signers: Vec<DkimSigner>,
) -> f64 {
    let client = Client::new();
    client.configure(|c| {
        c.delivery_method = DeliveryMethod::Network;
        c.smtp.host = "127.0.0.1".into();
        c.smtp.port = port;
        c.smtp.security = Security::None;
        c.dkim = signers.into_iter().map(Arc::new).collect();
    });
    client.configure_bulk(|b| {
        b.multi_connection = true;
        b.connections = 4;
    });
    let start = Instant::now();
    let report = client.send_bulk_prepared(items, &CancelToken::new());
    client.close();
    let wall = start.elapsed();
    assert_eq!(report.sent(), items.len(), "every message sent");
    items.len() as f64 / wall.as_secs_f64()
}

fn main() {
    let signs = env_usize("MISSIVE_BENCH_SIGNS", 200);
    println!("dkim_sign: signing alone, {signs} signatures per case (relaxed/relaxed)");
    println!(
        "{:<16} {:>8} {:>14} {:>14} {:>8}",
        "algorithm", "size", "missive us/sig", "dkimpy us/sig", "ratio"
    );
    for alg in [DkimAlgorithm::RsaSha256, DkimAlgorithm::Ed25519Sha256] {
        let s = signer(alg);
        for size in [1024usize, 100 * 1024, 1024 * 1024] {
            let msg = message(0, size);
            let n = if size >= 1024 * 1024 {
                signs / 10
            } else {
                signs
            }
            .max(5);
            let m = missive_us(&s, &msg, n);
            let p = dkimpy_us(alg, &msg, n);
            println!(
                "{:<16} {:>7}K {:>14.1} {:>14.1} {:>7.1}x",
                alg.name(),
                size / 1024,
                m,
                p,
                p / m
            );
        }
    }

    if let Some(us) = openssl_rsa2048_us() {
        println!("openssl speed rsa2048 (the RSA private-key operation alone): {us:.1} us/sig");
    }

    let n = env_usize("MISSIVE_BENCH_MESSAGES", 5000);
    let items: Vec<_> = (0..n)
        .map(|i| {
            Ok(Prepared {
                mail_from: "bench@example.com".into(),
                recipients: vec!["sink@localhost".into()],
                data: Arc::new(message(i, 1024)),
                smtputf8: false,
                dsn: DeliveryNotification::default(),
            })
        })
        .collect();
    let sink = Sink::start(64);
    println!("dkim_sign: bulk of {n} messages of ~1 KB over 4 connections to smtp-sink");
    let plain = bulk(sink.port, &items, vec![]);
    let rsa = bulk(sink.port, &items, vec![signer(DkimAlgorithm::RsaSha256)]);
    let both = bulk(
        sink.port,
        &items,
        vec![
            signer(DkimAlgorithm::RsaSha256),
            signer(DkimAlgorithm::Ed25519Sha256),
        ],
    );
    println!("unsigned:              {plain:.0} msgs/s");
    println!(
        "rsa-sha256:            {rsa:.0} msgs/s ({:.0}% of unsigned)",
        rsa / plain * 100.0
    );
    println!(
        "rsa-sha256 + ed25519:  {both:.0} msgs/s ({:.0}% of unsigned)",
        both / plain * 100.0
    );
}
