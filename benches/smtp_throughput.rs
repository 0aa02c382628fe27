//! SMTP throughput over one connection: missive against Postfix's `smtp-source`, both sending
//! to the same Postfix `smtp-sink` on 127.0.0.1, in one run.
//!
//! Run with `cargo bench --bench smtp_throughput`. Environment:
//! - `MISSIVE_BENCH_MESSAGES=N`: messages per client (default 20000);
//! - `MISSIVE_BENCH_BATCH=N`: messages per `send_many` call (default 500);
//! - `MISSIVE_BENCH_ROUNDS=N`: measure each client N times, alternating which goes first, and
//!   compare the medians (default 1; the machine's load from other work makes single runs
//!   noisy);
//! - `MISSIVE_BENCH_ONLY=missive|smtp-source`: run one side only (for profiling).
//!
//! This is a program, not a timed test (`harness = false`). It needs Postfix's test tools:
//! `apt-get install postfix` (they are `/usr/sbin/smtp-sink` and `/usr/sbin/smtp-source`).
//!
//! What is measured, for each client:
//! - wall time from before the connection is opened to after QUIT, so connection set-up and
//!   teardown are included for both (smtp-source's time is that of its whole process);
//! - client CPU time (user + system): `getrusage(RUSAGE_SELF)` around missive's work (the
//!   messages are built beforehand, untimed), `getrusage(RUSAGE_CHILDREN)` around the
//!   smtp-source child (the sink is a child too, but it is only reaped at the very end);
//! - the sink's CPU time during each phase, from /proc/PID/stat, to show whether the sink
//!   rather than the client is the bottleneck.
//!
//! Each message costs one round trip for missive: the body, the final dot and the next message's
//! MAIL/RCPT/DATA go in one write, and then it waits for the 354. smtp-source does not pipeline,
//! so it costs four round trips per message. On a small VM, where the client and the sink run
//! matters a lot. When they run on two vCPUs, each wake-up crosses vCPUs and costs about 3 times
//! the CPU it costs when both share one vCPU: compare a plain run with
//! `taskset -c 0 target/release/deps/smtp_throughput-*`. Report both figures.

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use missive::smtp::{Envelope, Security, SmtpConfig, SmtpConnection};

mod common;
use common::{FROM, PAYLOAD, Sink, TO, build_message, require_tool};

const DEFAULT_MESSAGES: usize = 20_000;
const DEFAULT_BATCH: usize = 500;
/// Payload size given to `smtp-source -l`; it adds about 150 bytes of headers.
/// User and system CPU time of `who` (RUSAGE_SELF or RUSAGE_CHILDREN) so far.
#[derive(Clone, Copy)]
struct Cpu {
    user: Duration,
    sys: Duration,
}

impl std::ops::Sub for Cpu {
    type Output = Cpu;
    fn sub(self, o: Cpu) -> Cpu {
        Cpu {
            user: self.user.saturating_sub(o.user),
            sys: self.sys.saturating_sub(o.sys),
        }
    }
}

fn rusage_cpu(who: libc::c_int) -> Cpu {
    // SAFETY: getrusage writes into the zeroed struct we pass; `who` is a valid constant.
    let mut ru: libc::rusage = unsafe { std::mem::zeroed() };
    let rc = unsafe { libc::getrusage(who, &mut ru) };
    assert_eq!(rc, 0, "getrusage failed");
    let tv = |t: libc::timeval| {
        Duration::from_secs(t.tv_sec as u64) + Duration::from_micros(t.tv_usec as u64)
    };
    Cpu {
        user: tv(ru.ru_utime),
        sys: tv(ru.ru_stime),
    }
}

struct Figures {
    messages: usize,
    wall: Duration,
    cpu: Cpu,
    sink_cpu: Option<Duration>,
}

impl Figures {
    fn rate(&self) -> f64 {
        self.messages as f64 / self.wall.as_secs_f64()
    }
    fn per_msg(&self, d: Duration) -> f64 {
        d.as_secs_f64() * 1e6 / self.messages as f64
    }
    fn cpu_us(&self) -> f64 {
        self.per_msg(self.cpu.user + self.cpu.sys)
    }
    fn sink_us(&self) -> Option<f64> {
        self.sink_cpu
            .map(|d| d.as_secs_f64() * 1e6 / self.messages as f64)
    }
}

fn env_usize(name: &str, default: usize) -> usize {
    match std::env::var(name) {
        Ok(v) => v
            .trim()
            .parse()
            .ok()
            .filter(|&n| n > 0)
            .unwrap_or_else(|| panic!("{name}={v:?} is not a positive number")),
        Err(_) => default,
    }
}

fn run_missive(sink: &Sink, messages: &[Vec<u8>], batch: usize) -> Figures {
    let envelope = Envelope::new(FROM, [TO]);
    // Everything handed to send_many is built before the clock starts.
    let items: Vec<(Envelope, &[u8])> = messages
        .iter()
        .map(|m| (envelope.clone(), m.as_slice()))
        .collect();
    let mut config = SmtpConfig::new("127.0.0.1");
    config.port = sink.port;
    config.security = Security::None;
    config.client_name = Some("localhost".to_string());

    let sink_before = sink.cpu();
    let cpu_before = rusage_cpu(libc::RUSAGE_SELF);
    let start = Instant::now();
    let mut conn = SmtpConnection::connect(&config).expect("connect to smtp-sink");
    assert!(
        conn.capabilities().pipelining,
        "smtp-sink did not advertise PIPELINING: {:?}",
        conn.capabilities()
    );
    let mut failures = 0usize;
    let mut first_failure = None;
    for chunk in items.chunks(batch) {
        for r in conn.send_many(chunk) {
            if let Err(e) = r {
                failures += 1;
                first_failure.get_or_insert(e);
            }
        }
    }
    conn.quit();
    let wall = start.elapsed();
    let cpu = rusage_cpu(libc::RUSAGE_SELF) - cpu_before;
    let sink_cpu = sink
        .cpu()
        .zip(sink_before)
        .map(|(a, b)| a.saturating_sub(b));
    if let Some(e) = first_failure {
        eprintln!(
            "missive: {failures} of {} messages failed; first: {e}",
            items.len()
        );
        std::process::exit(1);
    }
    Figures {
        messages: items.len(),
        wall,
        cpu,
        sink_cpu,
    }
}

/// smtp-source flags:
/// - `-s 1`: one session (no parallelism);
/// - `-m N`: N messages in all;
/// - `-d`: don't disconnect after a message, send the next one over the same connection
///   (without it smtp-source opens one connection per message);
/// - `-l 1024`: 1024 bytes of payload (plus ~150 bytes of From/To/Date/Message-Id headers);
/// - `-M localhost`: HELO name and address domain, so it doesn't look up the host name;
/// - `-f`/`-t`: the same sender and recipient as missive's envelope.
///
/// smtp-source has no PIPELINING support (its man page says so): it waits for each reply.
fn source_args(port: u16, n: usize) -> Vec<String> {
    [
        "-s",
        "1",
        "-m",
        &n.to_string(),
        "-d",
        "-l",
        &PAYLOAD.to_string(),
        "-M",
        "localhost",
        "-f",
        FROM,
        "-t",
        TO,
        &format!("127.0.0.1:{port}"),
    ]
    .iter()
    .map(|s| s.to_string())
    .collect()
}

fn run_smtp_source(sink: &Sink, n: usize) -> Figures {
    let bin = require_tool("smtp-source", "postfix");
    let args = source_args(sink.port, n);
    let sink_before = sink.cpu();
    let cpu_before = rusage_cpu(libc::RUSAGE_CHILDREN);
    let start = Instant::now();
    let out = Command::new(&bin)
        .args(&args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .output()
        .unwrap_or_else(|e| panic!("cannot run {}: {e}", bin.display()));
    let wall = start.elapsed();
    let cpu = rusage_cpu(libc::RUSAGE_CHILDREN) - cpu_before;
    let sink_cpu = sink
        .cpu()
        .zip(sink_before)
        .map(|(a, b)| a.saturating_sub(b));
    if !out.status.success() {
        eprintln!(
            "smtp-source failed ({}): {}{}",
            out.status,
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        std::process::exit(1);
    }
    Figures {
        messages: n,
        wall,
        cpu,
        sink_cpu,
    }
}

fn main() {
    // `cargo bench` passes `--bench`; ignore all arguments.
    let n = env_usize("MISSIVE_BENCH_MESSAGES", DEFAULT_MESSAGES);
    let batch = env_usize("MISSIVE_BENCH_BATCH", DEFAULT_BATCH);
    let rounds = env_usize("MISSIVE_BENCH_ROUNDS", 1);
    let only = std::env::var("MISSIVE_BENCH_ONLY").unwrap_or_default();
    if !Path::new("/proc/self").exists() {
        eprintln!("note: /proc is not mounted; the sink's CPU time will not be shown");
    }
    let (run_m, run_s) = match only.as_str() {
        "" => (true, true),
        "missive" => (true, false),
        "smtp-source" => (false, true),
        other => panic!("MISSIVE_BENCH_ONLY={other:?}: expected missive or smtp-source"),
    };
    if run_s {
        require_tool("smtp-source", "postfix");
    }

    let messages: Vec<Vec<u8>> = (0..n).map(|i| build_message(i, "bench", "bench")).collect();
    let avg = messages.iter().map(Vec::len).sum::<usize>() / n.max(1);
    let sink = Sink::start(16);
    println!(
        "smtp_throughput: {n} messages of ~{avg} bytes per client, one connection each, \
         smtp-sink on 127.0.0.1:{} (PIPELINING advertised, no dumps)",
        sink.port
    );
    println!("missive: send_many in batches of {batch}; Security::None");
    println!("smtp-source {}", source_args(sink.port, n).join(" "));

    let mut ms: Vec<Figures> = Vec::new();
    let mut ss: Vec<Figures> = Vec::new();
    for round in 0..rounds {
        // Alternate the order so that neither client always runs first.
        if round % 2 == 1 && run_s {
            ss.push(run_smtp_source(&sink, n));
        }
        if run_m {
            ms.push(run_missive(&sink, &messages, batch));
        }
        if round % 2 == 0 && run_s {
            ss.push(run_smtp_source(&sink, n));
        }
    }
    sink.stop();

    let fmt_sink = |f: &Figures| {
        f.sink_us()
            .map(|u| format!("{u:.1}"))
            .unwrap_or_else(|| "n/a".to_string())
    };
    println!();
    println!(
        "{:<12} {:>9} {:>8} {:>9} {:>11} {:>17} {:>9}",
        "client", "messages", "wall s", "msgs/s", "client CPU", "(user + sys)", "sink CPU"
    );
    println!(
        "{:<12} {:>9} {:>8} {:>9} {:>11} {:>17} {:>9}",
        "", "", "", "", "µs/msg", "µs/msg", "µs/msg"
    );
    let row = |name: &str, f: &Figures| {
        println!(
            "{:<12} {:>9} {:>8.3} {:>9.0} {:>11.2} {:>17} {:>9}",
            name,
            f.messages,
            f.wall.as_secs_f64(),
            f.rate(),
            f.cpu_us(),
            format!(
                "({:.2} + {:.2})",
                f.per_msg(f.cpu.user),
                f.per_msg(f.cpu.sys)
            ),
            fmt_sink(f)
        );
    };
    for round in 0..rounds {
        if let Some(f) = ms.get(round) {
            row("missive", f);
        }
        if let Some(f) = ss.get(round) {
            row("smtp-source", f);
        }
    }
    // With several rounds, the comparison uses the median rate and median CPU of each client.
    let median = |v: &[Figures], key: &dyn Fn(&Figures) -> f64| -> Option<f64> {
        let mut xs: Vec<f64> = v.iter().map(key).collect();
        xs.sort_by(|a, b| a.total_cmp(b));
        xs.get(xs.len() / 2).copied()
    };
    let m_rate = median(&ms, &|f| f.rate());
    let s_rate = median(&ss, &|f| f.rate());
    let m_cpu = median(&ms, &|f| f.cpu_us());
    let s_cpu = median(&ss, &|f| f.cpu_us());
    if rounds > 1 {
        println!(
            "median of {rounds} rounds: missive {:.0} msgs/s, {:.2} µs/msg; smtp-source {:.0} msgs/s, {:.2} µs/msg",
            m_rate.unwrap_or(f64::NAN),
            m_cpu.unwrap_or(f64::NAN),
            s_rate.unwrap_or(f64::NAN),
            s_cpu.unwrap_or(f64::NAN)
        );
    }
    if let (Some(mr), Some(sr), Some(mc)) = (m_rate, s_rate, m_cpu) {
        let ratio = mr / sr;
        println!();
        println!("ratio missive/smtp-source (msgs/s): {ratio:.2}x   (target >= 3.5x)");
        println!("missive client CPU: {mc:.2} µs/msg   (target <= 15 µs/msg)");
        let ok = ratio >= 3.5 && mc <= 15.0;
        println!("targets: {}", if ok { "MET" } else { "NOT MET" });
    }
}
