#!/usr/bin/env python3
"""Runs one example program against the CTest SMTP fixture and checks what arrived.

  missive_check_example.py --to ADDR[,ADDR...] [--expect TEXT]... [--per-recipient N]
                           [--alternative-order TYPE,TYPE...]
                           [--env NAME=VALUE]... [--eml | --eml-input] -- COMMAND [ARGS...]

The fixture directory comes from $MISSIVE_SMTP_FIXTURE_DIR (files `port` and `maildir`; the
server stores message n as maildir/msg-<n>.env, with one "RCPT address" line per recipient,
and maildir/msg-<n>.eml). The example runs with MISSIVE_SMTP_URL=smtp+plain://127.0.0.1:PORT,
MISSIVE_TO=the --to list and MISSIVE_FROM set; it must exit 0. Then exactly one message must
have arrived for each --to address (N with --per-recipient; the addresses are unique to the
test, so tests sharing the server do not see each other's mail), and each must contain every
--expect text. --env sets more environment variables for the example. --alternative-order
names media types that must be the parts of the message's multipart/alternative, in that order
(read with Python's `email` from the bytes that arrived).

With --proxy, a private tinyproxy (Debian's `tinyproxy`: HTTP CONNECT, basic authentication)
is started on a free loopback port for the run, the example gets MISSIVE_PROXY_URL naming it
with its user name and password, and its log must show the CONNECT to the SMTP server.

With --eml, an .eml file addressed to the --to addresses is written first and passed to the
command (in place of an argument "{eml}", else appended); the message that arrives must be byte
for byte that file (a loaded, unchanged message is sent as it was loaded). --eml-input passes
the file the same way without comparing.

With --dkim-keys KEYS (public-key records, see tests/fixtures/dkim/keys.txt), every message
that arrived must carry DKIM signatures that dkimpy and OpenDKIM both verify
(tests/support/py/dkim_verify.py).
"""
import json
import argparse
import contextlib
import email
import email.policy
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import uuid

TINYPROXY = "/usr/bin/tinyproxy"
PROXY_USER, PROXY_PASSWORD = "missive", "pr0xy-pw"


@contextlib.contextmanager
def tinyproxy():
    """A private tinyproxy on a free port: yields (port, log path); stopped (SIGTERM) after."""
    if not os.path.exists(TINYPROXY):
        fail("%s not found: apt-get install tinyproxy, or run scripts/install-deps.sh" % TINYPROXY)
    d = tempfile.mkdtemp(prefix="missive-example-proxy-")
    os.chmod(d, 0o755)
    log = os.path.join(d, "tinyproxy.log")
    open(log, "w").close()
    os.chmod(log, 0o666)  # tinyproxy drops to nobody before it opens its log
    proc = None
    try:
        for _ in range(4):
            with socket.socket() as s:
                s.bind(("127.0.0.1", 0))
                port = s.getsockname()[1]
            conf = os.path.join(d, "tinyproxy.conf")
            with open(conf, "w") as f:
                f.write("Port %d\nListen 127.0.0.1\nTimeout 30\nLogFile \"%s\"\nLogLevel Connect\n"
                        "MaxClients 20\nAllow 127.0.0.1\nBasicAuth %s %s\nUser nobody\n"
                        "Group nogroup\n" % (port, log, PROXY_USER, PROXY_PASSWORD))
            proc = subprocess.Popen([TINYPROXY, "-d", "-c", conf], stdin=subprocess.DEVNULL,
                                    stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            deadline = time.time() + 10
            while time.time() < deadline and proc.poll() is None:
                try:
                    socket.create_connection(("127.0.0.1", port), timeout=1).close()
                    break
                except OSError:
                    time.sleep(0.02)
            else:
                proc.kill()
                proc.wait()
                proc = None
                continue
            if proc.poll() is None:
                break
            proc = None
        if proc is None:
            fail("tinyproxy did not start")
        yield port, log
    finally:
        if proc is not None:
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        shutil.rmtree(d, ignore_errors=True)


def fail(msg):
    print("FAIL: " + msg, file=sys.stderr)
    sys.exit(1)


def alternative_parts(data):
    """The media types of the parts of each multipart/alternative in `data`, in order."""
    msg = email.message_from_bytes(data, policy=email.policy.default)
    return [[p.get_content_type() for p in part.iter_parts()]
            for part in msg.walk() if part.get_content_type() == "multipart/alternative"]


def run(command, env):
    proc = subprocess.run(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                          timeout=120)
    sys.stdout.write(proc.stdout.decode("utf-8", "replace"))
    if proc.returncode != 0:
        fail("%s exited with %d" % (command[0], proc.returncode))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--to", required=True)
    ap.add_argument("--expect", action="append", default=[])
    ap.add_argument("--eml", action="store_true")
    ap.add_argument("--eml-input", action="store_true")
    ap.add_argument("--per-recipient", type=int, default=1)
    ap.add_argument("--env", action="append", default=[])
    ap.add_argument("--alternative-order", default="")
    ap.add_argument("--dkim-keys", default="")
    ap.add_argument("--proxy", action="store_true")
    ap.add_argument("command", nargs=argparse.REMAINDER)
    a = ap.parse_args()
    command = [c for c in a.command if c != "--"] if a.command[:1] == ["--"] else a.command
    if not command:
        fail("no command")

    fixture = os.environ.get("MISSIVE_SMTP_FIXTURE_DIR", "")
    try:
        with open(os.path.join(fixture, "port")) as f:
            port = int(f.read().strip())
        with open(os.path.join(fixture, "maildir")) as f:
            maildir = f.read().strip()
    except (OSError, ValueError) as e:
        fail("no SMTP fixture in MISSIVE_SMTP_FIXTURE_DIR=%r (CTest's smtp_server fixture "
             "provides it; needs Python aiosmtpd: pip install aiosmtpd): %s" % (fixture, e))

    recipients = [r.strip() for r in a.to.split(",") if r.strip()]
    eml_bytes = None
    if a.eml or a.eml_input:
        token = uuid.uuid4().hex
        eml_bytes = ("From: Example Sender <sender@example.com>\r\n"
                     "To: " + ", ".join(recipients) + "\r\n"
                     "Subject: A message loaded from an .eml file\r\n"
                     "Date: Wed, 6 Mar 2024 09:00:01 +0000\r\n"
                     "Message-ID: <" + token + "@example.com>\r\n"
                     "X-Example-Token: " + token + "\r\n"
                     "MIME-Version: 1.0\r\n"
                     "Content-Type: text/plain; charset=us-ascii\r\n"
                     "\r\n"
                     "This message was loaded from a file and sent unchanged.\r\n").encode()
        path = os.path.abspath("example-%s.eml" % token)
        with open(path, "wb") as f:
            f.write(eml_bytes)
        command = ([path if c == "{eml}" else c for c in command] if "{eml}" in command
                   else command + [path])
        if a.eml_input:
            eml_bytes = None

    env = dict(os.environ)
    env["MISSIVE_SMTP_URL"] = "smtp+plain://127.0.0.1:%d" % port
    env["MISSIVE_TO"] = ",".join(recipients)
    env["MISSIVE_FROM"] = "Example Sender <sender@example.com>"
    env.pop("MISSIVE_PICKUP_DIR", None)
    for kv in a.env:
        k, _, v = kv.partition("=")
        env[k] = v
    if a.proxy:
        with tinyproxy() as (proxy_port, proxy_log):
            env["MISSIVE_PROXY_URL"] = "http://%s:%s@127.0.0.1:%d" % (
                PROXY_USER, PROXY_PASSWORD, proxy_port)
            run(command, env)
            with open(proxy_log, encoding="utf-8", errors="replace") as f:
                logged = f.read()
        want = "CONNECT 127.0.0.1:%d" % port
        if want not in logged:
            fail("the proxy did not carry the session (no %r in its log):\n%s" % (want, logged))
        print("ok: the session went through the proxy (%s)" % want)
    else:
        run(command, env)

    # The server writes msg-<n>.env last (atomically), before it replies: all are there now.
    found = {r: [] for r in recipients}
    for name in os.listdir(maildir):
        if not name.endswith(".env"):
            continue
        with open(os.path.join(maildir, name), encoding="utf-8") as f:
            rcpts = [l.split(" ", 1)[1].strip() for l in f if l.startswith("RCPT ")]
        for r in recipients:
            if r in rcpts:
                found[r].append(os.path.join(maildir, name[:-4] + ".eml"))
    for r, emls in sorted(found.items()):
        if len(emls) != a.per_recipient:
            fail("%d messages arrived for %s, expected %d" % (len(emls), r, a.per_recipient))
        for eml in emls:
            with open(eml, "rb") as f:
                data = f.read()
            for text in a.expect:
                if text.encode() not in data:
                    fail("%s: %r not in the message that arrived:\n%s"
                         % (r, text, data.decode("utf-8", "replace")))
            if a.alternative_order:
                want = a.alternative_order.split(",")
                got = alternative_parts(data)
                if got != [want]:
                    fail("%s: the multipart/alternative parts are %s, expected one multipart/"
                         "alternative with %s in that order:\n%s"
                         % (r, got, want, data.decode("utf-8", "replace")))
            if a.dkim_keys:
                verifier = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..",
                                        "tests", "support", "py", "dkim_verify.py")
                out = subprocess.run([sys.executable, verifier, a.dkim_keys, eml],
                                     stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
                text = out.stdout.decode("utf-8", "replace")
                if out.returncode != 0:
                    fail("%s: the DKIM verifier failed: %s" % (r, text))
                sigs = json.loads(text.splitlines()[-1])["signatures"]
                if not sigs or not all(s["dkimpy"] and s["opendkim"] for s in sigs):
                    fail("%s: DKIM signatures do not verify: %s" % (r, text))
                print("ok: %s: %d DKIM signature(s) verified by dkimpy and OpenDKIM"
                      % (r, len(sigs)))
            if eml_bytes is not None and data.replace(b"\r\n", b"\n") != eml_bytes.replace(b"\r\n", b"\n"):
                fail("the message that arrived differs from the loaded file:\n%s"
                     % data.decode("utf-8", "replace"))
        print("ok: %s received %s" % (r, ", ".join(sorted(os.path.basename(e) for e in emls))))


if __name__ == "__main__":
    main()
