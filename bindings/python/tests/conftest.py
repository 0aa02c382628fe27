"""Fixtures: real SMTP servers on 127.0.0.1 (aiosmtpd from tests/support/smtp, Postfix's
smtp-sink), each started by the test that uses it and stopped by its PID.

The package is imported from bindings/python/src unless installed; MISSIVE_LIBRARY (set by
CTest) names the libmissive.so to load.
"""
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

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.abspath(os.path.join(HERE, "..", "..", ".."))
sys.path.insert(0, os.path.join(HERE, "..", "src"))
SERVER = os.path.join(ROOT, "tests", "support", "smtp", "aiosmtpd_server.py")


class Arrived:
    """One message the server stored: envelope and bytes."""

    def __init__(self, env_lines, data, name):
        self.mail_from = next((v for k, v in env_lines if k == "MAIL_FROM"), None)
        self.rcpts = [v for k, v in env_lines if k == "RCPT"]
        self.peer = next((v for k, v in env_lines if k == "PEER"), None)
        self.data = data
        self.name = name

    @property
    def message(self):
        return email.message_from_bytes(self.data, policy=email.policy.default)


class AioSmtpd:
    """aiosmtpd_server.py as a child process; messages land in `dir`."""

    def __init__(self, *args):
        self.dir = tempfile.mkdtemp(prefix="missive-pytest-")
        self.proc = subprocess.Popen([sys.executable, SERVER, "--dir", self.dir, *args],
                                     stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                     stderr=subprocess.PIPE, text=True)
        line = self.proc.stdout.readline()
        if not line.startswith("PORT "):
            self.proc.kill()
            raise RuntimeError("aiosmtpd did not start (pip install aiosmtpd): %s %s"
                               % (line, self.proc.stderr.read()))
        self.port = int(line.split()[1])

    def messages(self, wait_for=0, timeout=10.0):
        """The messages stored so far (waits until at least `wait_for` are there)."""
        deadline = time.monotonic() + timeout
        while True:
            out = []
            for name in sorted(os.listdir(self.dir)):
                if name.endswith(".env"):
                    with open(os.path.join(self.dir, name), encoding="utf-8") as f:
                        env = [l.rstrip("\n").split(" ", 1) for l in f if " " in l]
                    with open(os.path.join(self.dir, name[:-4] + ".eml"), "rb") as f:
                        out.append(Arrived(env, f.read(), name))
            if len(out) >= wait_for or time.monotonic() > deadline:
                return out
            time.sleep(0.05)

    def connections(self):
        try:
            with open(os.path.join(self.dir, "connections")) as f:
                return len(f.readlines())
        except OSError:
            return 0

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        shutil.rmtree(self.dir, ignore_errors=True)


@pytest.fixture
def smtpd():
    s = AioSmtpd()
    yield s
    s.stop()


@pytest.fixture
def slow_smtpd():
    """A server that waits 250 ms before each final reply to DATA."""
    s = AioSmtpd("--data-delay-ms", "250")
    yield s
    s.stop()


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def smtp_sink_binary():
    for p in ("/usr/sbin/smtp-sink", "/usr/lib/postfix/sbin/smtp-sink",
              "/usr/libexec/postfix/smtp-sink"):
        if os.path.exists(p):
            return p
    return None


class SmtpSink:
    """Postfix's smtp-sink (a real, pipelining SMTP server that discards what it gets, or
    dumps it with -d)."""

    def __init__(self, dump=True):
        binary = smtp_sink_binary()
        if binary is None:
            raise RuntimeError("smtp-sink not found: apt-get install postfix "
                               "(scripts/install-deps.sh)")
        self.dir = tempfile.mkdtemp(prefix="missive-sink-")
        os.chmod(self.dir, 0o777)
        for _ in range(5):
            self.port = free_port()
            cmd = [binary]
            if os.geteuid() == 0:
                cmd += ["-u", "nobody"]
            if dump:
                cmd += ["-d", os.path.join(self.dir, "%H%M%S.")]
            cmd += ["127.0.0.1:%d" % self.port, "64"]
            self.proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL,
                                         stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            deadline = time.monotonic() + 5
            while time.monotonic() < deadline and self.proc.poll() is None:
                try:
                    with socket.create_connection(("127.0.0.1", self.port), 1) as s:
                        s.recv(512)
                        s.sendall(b"QUIT\r\n")
                        s.recv(512)
                    return
                except OSError:
                    time.sleep(0.03)
            self.stop_proc()
        raise RuntimeError("smtp-sink did not start")

    def dumps(self, wait_for=0, timeout=10.0):
        deadline = time.monotonic() + timeout
        while True:
            out = []
            for name in os.listdir(self.dir):
                with open(os.path.join(self.dir, name), "rb") as f:
                    out.append(f.read())
            done = [d for d in out if d.endswith(b"\n\n") or d.endswith(b"\r\n\r\n")]
            if len(done) >= wait_for or time.monotonic() > deadline:
                return out
            time.sleep(0.05)

    def stop_proc(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()

    def stop(self):
        self.stop_proc()
        shutil.rmtree(self.dir, ignore_errors=True)


@pytest.fixture
def smtp_sink():
    s = SmtpSink()
    yield s
    s.stop()


@pytest.fixture
def client_for():
    """client_for(server) -> an SmtpClient for that server (plain SMTP), disposed afterwards."""
    from missive.clients import SecurityOptions, SmtpClient
    made = []

    def make(server, **kw):
        c = SmtpClient("127.0.0.1", server.port, security_options=SecurityOptions.NONE, **kw)
        made.append(c)
        return c

    yield make
    for c in made:
        c.dispose()
