//! Shopify's Toxiproxy (a TCP proxy that injects latency, resets, stalls, slicing and bandwidth
//! limits on demand), started per test on 127.0.0.1 and a free port, configured through its
//! HTTP API (https://github.com/Shopify/toxiproxy#http-api).
//!
//! `scripts/install-deps.sh` installs it as `toxiproxy-server` (`go install
//! github.com/Shopify/toxiproxy/v2/cmd/server`); `MISSIVE_TOXIPROXY` names another binary.
//! The server is killed (by its PID) when the guard is dropped.
#![allow(dead_code)]

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// A running `toxiproxy-server`; killed on drop.
pub struct Toxiproxy {
    child: Child,
    /// The HTTP API port on 127.0.0.1.
    pub api_port: u16,
}

/// One proxy: clients connect to `port`, Toxiproxy forwards to the upstream.
pub struct Proxy<'a> {
    tp: &'a Toxiproxy,
    /// The proxy's name.
    pub name: String,
    /// Where clients connect (127.0.0.1).
    pub port: u16,
}

fn binary() -> String {
    if let Ok(b) = std::env::var("MISSIVE_TOXIPROXY") {
        return b;
    }
    for cand in [
        "/usr/local/bin/toxiproxy-server",
        "/usr/bin/toxiproxy-server",
    ] {
        if std::path::Path::new(cand).exists() {
            return cand.to_string();
        }
    }
    "toxiproxy-server".to_string()
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

impl Toxiproxy {
    /// Starts the server and waits until its API answers.
    pub fn start() -> Toxiproxy {
        let bin = binary();
        for _ in 0..4 {
            let port = free_port();
            let child = Command::new(&bin)
                .args(["-host", "127.0.0.1", "-port", &port.to_string()])
                .stdin(Stdio::null())
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .spawn()
                .unwrap_or_else(|e| {
                    panic!(
                        "cannot run {bin} ({e}): the fault tests need Shopify's Toxiproxy; \
                         run scripts/install-deps.sh (go install \
                         github.com/Shopify/toxiproxy/v2/cmd/server) or set MISSIVE_TOXIPROXY"
                    )
                });
            let mut tp = Toxiproxy {
                child,
                api_port: port,
            };
            let deadline = Instant::now() + Duration::from_secs(10);
            while Instant::now() < deadline {
                if let Ok(Some(_)) = tp.child.try_wait() {
                    break; // the port was taken: try another
                }
                if tp.try_request("GET", "/version", "").is_ok() {
                    return tp;
                }
                std::thread::sleep(Duration::from_millis(20));
            }
        }
        panic!("toxiproxy-server did not start");
    }

    fn try_request(&self, method: &str, path: &str, body: &str) -> std::io::Result<(u16, String)> {
        let mut s = TcpStream::connect(("127.0.0.1", self.api_port))?;
        s.set_read_timeout(Some(Duration::from_secs(10)))?;
        write!(
            s,
            "{method} {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n\
             Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
            body.len()
        )?;
        let mut out = String::new();
        s.read_to_string(&mut out)?;
        let status = out
            .split_whitespace()
            .nth(1)
            .and_then(|c| c.parse().ok())
            .unwrap_or(0);
        let body = out
            .split_once("\r\n\r\n")
            .map(|(_, b)| b.to_string())
            .unwrap_or_default();
        Ok((status, body))
    }

    /// Sends an API request; panics unless the status is 2xx. Returns the body.
    pub fn request(&self, method: &str, path: &str, body: &str) -> String {
        let (status, text) = self
            .try_request(method, path, body)
            .unwrap_or_else(|e| panic!("Toxiproxy API {method} {path}: {e}"));
        assert!(
            (200..300).contains(&status),
            "Toxiproxy API {method} {path} {body}: status {status}: {text}"
        );
        text
    }

    /// Creates a proxy to `127.0.0.1:upstream` listening on a free loopback port.
    pub fn proxy(&self, name: &str, upstream: u16) -> Proxy<'_> {
        let body = serde_json::json!({
            "name": name,
            "listen": "127.0.0.1:0",
            "upstream": format!("127.0.0.1:{upstream}"),
            "enabled": true,
        });
        let text = self.request("POST", "/proxies", &body.to_string());
        let v: serde_json::Value = serde_json::from_str(&text).expect("proxy JSON");
        let listen = v["listen"].as_str().expect("listen address").to_string();
        let port = listen
            .rsplit(':')
            .next()
            .and_then(|p| p.parse().ok())
            .expect("listen port");
        Proxy {
            tp: self,
            name: name.to_string(),
            port,
        }
    }
}

impl Drop for Toxiproxy {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Proxy<'_> {
    /// Adds a toxic. `stream` is "upstream" (client to server) or "downstream" (server to
    /// client); `attributes` as the toxic type defines them (latency, bandwidth, timeout,
    /// reset_peer, slicer, limit_data, ...).
    pub fn add_toxic(&self, name: &str, kind: &str, stream: &str, attributes: serde_json::Value) {
        let body = serde_json::json!({
            "name": name,
            "type": kind,
            "stream": stream,
            "toxicity": 1.0,
            "attributes": attributes,
        });
        self.tp.request(
            "POST",
            &format!("/proxies/{}/toxics", self.name),
            &body.to_string(),
        );
    }

    /// Removes a toxic.
    pub fn remove_toxic(&self, name: &str) {
        self.tp.request(
            "DELETE",
            &format!("/proxies/{}/toxics/{name}", self.name),
            "",
        );
    }
}
