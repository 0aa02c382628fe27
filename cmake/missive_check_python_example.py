#!/usr/bin/env python3
"""Runs one Python example (examples/python/) against its own aiosmtpd server and checks what
arrived.

  missive_check_python_example.py SCRIPT [--rcpt ADDR[=N]]... [--expect TEXT]...
        [--mail-from ADDR] [--alternative-order TYPE,TYPE] [--same-as-file NAME]
        [--tnef] [--ical KEY=VALUE]... [--total N] [--python EXE]

A fresh aiosmtpd server (tests/support/smtp/aiosmtpd_server.py) listens on 127.0.0.1 on a
free port, so the example can keep the seed's addresses unchanged; the example runs in a
temporary directory holding test.eml and Message.eml, with MISSIVE_SMTP_HOST/PORT pointing at
the server, and must exit 0. Then:
  --python EXE         run the example with this interpreter (e.g. a venv's, with the wheel
                       installed), without PYTHONPATH or MISSIVE_LIBRARY: the installed
                       package and the library inside it are used
  --rcpt ADDR[=N]      exactly N (default 1) messages arrived with ADDR among the envelope
                       recipients
  --total N            exactly N messages arrived in all
  --expect TEXT        every message that arrived contains TEXT
  --mail-from ADDR     every envelope sender is ADDR
  --alternative-order  every message has one multipart/alternative with these parts in order
                       (read with Python's email package)
  --same-as-file NAME  every message is byte for byte the file NAME the example was given
  --tnef               every message carries application/ms-tnef, decoded by tnefparse
                       (an independent TNEF reader), whose body is not empty
  --ical KEY=VALUE     every message has a text/calendar part that the icalendar package
                       parses, with a VEVENT whose KEY (e.g. SUMMARY) is VALUE; METHOD on the
                       VCALENDAR
  --env KEY=VALUE      set in the example's environment
  --dkim-keys KEYS     every message carries DKIM signatures that dkimpy and OpenDKIM both
                       verify with the public-key records in KEYS (tests/support/py/dkim_verify.py)
"""
import argparse
import email
import json
import email.policy
import os
import shutil
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
SERVER = os.path.join(HERE, "..", "tests", "support", "smtp", "aiosmtpd_server.py")

EML = ("From: Original Sender <original@example.org>\r\n"
       "To: Original Recipient <recipient@example.org>\r\n"
       "Subject: A message loaded from an .eml file\r\n"
       "Date: Wed, 6 Mar 2024 09:00:01 +0000\r\n"
       "Message-ID: <python-example-0001@example.org>\r\n"
       "X-Example-Token: 7d2f0c4e\r\n"
       "MIME-Version: 1.0\r\n"
       "Content-Type: text/plain; charset=us-ascii\r\n"
       "\r\n"
       "This message was loaded from a file.\r\n").encode()


def fail(msg):
    print("FAIL: " + msg, file=sys.stderr)
    sys.exit(1)


def start_server(mail_dir):
    proc = subprocess.Popen([sys.executable, SERVER, "--dir", mail_dir],
                            stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    line = proc.stdout.readline()
    if not line.startswith("PORT "):
        proc.kill()
        fail("the SMTP server did not start (needs aiosmtpd: pip install aiosmtpd): %s %s"
             % (line, proc.stderr.read()))
    return proc, int(line.split()[1])


def arrived(mail_dir):
    out = []
    for name in sorted(os.listdir(mail_dir)):
        if not name.endswith(".env"):
            continue
        with open(os.path.join(mail_dir, name), encoding="utf-8") as f:
            env = [l.rstrip("\n").split(" ", 1) for l in f if " " in l]
        with open(os.path.join(mail_dir, name[:-4] + ".eml"), "rb") as f:
            data = f.read()
        out.append(({"from": next((v for k, v in env if k == "MAIL_FROM"), None),
                     "rcpts": [v for k, v in env if k == "RCPT"]}, data, name))
    return out


def check_tnef(data, name):
    msg = email.message_from_bytes(data, policy=email.policy.default)
    parts = [p for p in msg.walk() if p.get_content_type() == "application/ms-tnef"]
    if not parts:
        fail("%s: no application/ms-tnef part" % name)
    try:
        from tnefparse import TNEF
    except ImportError:
        fail("tnefparse is not installed (pip install tnefparse)")
    t = TNEF(parts[0].get_payload(decode=True))
    body = t.body or t.htmlbody or b""
    if not body:
        fail("%s: the TNEF part has no body (tnefparse read: %r)" % (name, t))
    print("ok: %s: TNEF read by tnefparse, body %d bytes" % (name, len(body)))


def check_ical(data, name, wants):
    msg = email.message_from_bytes(data, policy=email.policy.default)
    parts = [p for p in msg.walk() if p.get_content_type() == "text/calendar"]
    if not parts:
        fail("%s: no text/calendar part" % name)
    try:
        import icalendar
    except ImportError:
        fail("icalendar is not installed (pip install icalendar)")
    cal = icalendar.Calendar.from_ical(parts[0].get_payload(decode=True))
    events = [c for c in cal.walk("VEVENT")]
    if len(events) != 1:
        fail("%s: %d VEVENTs, expected 1" % (name, len(events)))
    for kv in wants:
        k, _, v = kv.partition("=")
        got = str(cal.get(k) if k == "METHOD" else events[0].get(k))
        if got != v:
            fail("%s: %s is %r, expected %r" % (name, k, got, v))
    print("ok: %s: iCalendar read by icalendar: %s" % (name, ", ".join(wants)))


def check_dkim(data, name, keys, work):
    """Both independent verifiers (dkimpy and OpenDKIM) accept every signature."""
    path = os.path.join(work, "dkim-" + os.path.basename(name))
    with open(path, "wb") as f:
        f.write(data)
    verifier = os.path.join(HERE, "..", "tests", "support", "py", "dkim_verify.py")
    out = subprocess.run([sys.executable, verifier, keys, path], stdout=subprocess.PIPE,
                         stderr=subprocess.STDOUT)
    text = out.stdout.decode("utf-8", "replace")
    if out.returncode != 0:
        fail("%s: the DKIM verifier failed: %s" % (name, text))
    sigs = json.loads(text.splitlines()[-1])["signatures"]
    if not sigs or not all(s["dkimpy"] and s["opendkim"] for s in sigs):
        fail("%s: DKIM signatures do not verify: %s" % (name, text))
    print("ok: %s: %d DKIM signature(s) verified by dkimpy and OpenDKIM" % (name, len(sigs)))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("script")
    ap.add_argument("--rcpt", action="append", default=[])
    ap.add_argument("--total", type=int)
    ap.add_argument("--expect", action="append", default=[])
    ap.add_argument("--mail-from")
    ap.add_argument("--alternative-order")
    ap.add_argument("--same-as-file")
    ap.add_argument("--tnef", action="store_true")
    ap.add_argument("--ical", action="append", default=[])
    ap.add_argument("--python")
    ap.add_argument("--env", action="append", default=[])
    ap.add_argument("--dkim-keys", default="")
    a = ap.parse_args()

    work = tempfile.mkdtemp(prefix="missive-pyex-")
    mail_dir = os.path.join(work, "mail")
    os.makedirs(mail_dir)
    for name in ("test.eml", "Message.eml"):
        with open(os.path.join(work, name), "wb") as f:
            f.write(EML)
    server, port = start_server(mail_dir)
    try:
        env = dict(os.environ, MISSIVE_SMTP_HOST="127.0.0.1", MISSIVE_SMTP_PORT=str(port))
        env.update(kv.split("=", 1) for kv in a.env)
        if a.python:
            env.pop("PYTHONPATH", None)
            env.pop("MISSIVE_LIBRARY", None)
        proc = subprocess.run([a.python or sys.executable, os.path.abspath(a.script)], cwd=work,
                              env=env,
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=120)
        sys.stdout.write(proc.stdout.decode("utf-8", "replace"))
        if proc.returncode != 0:
            fail("%s exited with %d" % (a.script, proc.returncode))
        time.sleep(0.1)
        msgs = arrived(mail_dir)
    finally:
        server.terminate()
        try:
            server.wait(5)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()

    if not msgs:
        fail("no message arrived")
    if a.total is not None and len(msgs) != a.total:
        fail("%d messages arrived, expected %d" % (len(msgs), a.total))
    for spec in a.rcpt:
        addr, _, n = spec.partition("=")
        n = int(n or 1)
        got = sum(1 for env, _, _ in msgs if addr in env["rcpts"])
        if got != n:
            fail("%d messages arrived for %s, expected %d (envelopes: %s)"
                 % (got, addr, n, [e["rcpts"] for e, _, _ in msgs]))
        print("ok: %d message(s) for %s" % (n, addr))
    for env, data, name in msgs:
        text = data.decode("utf-8", "replace")
        for want in a.expect:
            if want not in text:
                fail("%s: %r not in the message that arrived:\n%s" % (name, want, text))
        if a.mail_from and env["from"] != a.mail_from:
            fail("%s: envelope sender %r, expected %r" % (name, env["from"], a.mail_from))
        if a.alternative_order:
            m = email.message_from_bytes(data, policy=email.policy.default)
            got = [[p.get_content_type() for p in part.iter_parts()]
                   for part in m.walk() if part.get_content_type() == "multipart/alternative"]
            if got != [a.alternative_order.split(",")]:
                fail("%s: multipart/alternative parts %s, expected [%s]:\n%s"
                     % (name, got, a.alternative_order, text))
        if a.same_as_file:
            with open(os.path.join(work, a.same_as_file), "rb") as f:
                want = f.read()
            if data.replace(b"\r\n", b"\n") != want.replace(b"\r\n", b"\n"):
                fail("%s differs from %s:\n%s" % (name, a.same_as_file, text))
        if a.tnef:
            check_tnef(data, name)
        if a.ical:
            check_ical(data, name, a.ical)
        if a.dkim_keys:
            check_dkim(data, name, a.dkim_keys, work)
    print("ok: %d message(s) arrived as expected" % len(msgs))
    shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
