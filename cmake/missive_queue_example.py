#!/usr/bin/env python3
"""Runs a queue_enqueue / queue_drain example pair against the CTest SMTP fixture and checks
what arrived, on one queue backend.

  missive_queue_example.py --backend file|postgres --count N --enqueue CMD... --drain CMD...

The enqueue program puts N messages into the queue named by MISSIVE_QUEUE_URL (a file:///
URL of a temporary directory, or a PostgreSQL server this script starts itself: initdb in a
temporary directory, a free port on 127.0.0.1, run as the postgres user when root, stopped by
PID) and must print N Message-IDs, one a line. Then two drainers run at once; each must exit
0 and end with `delivered N deferred N dead N remaining N`; together they must have delivered
N with nothing remaining (on a file:// queue the second waits for the first). Exactly N
messages must have arrived for the test's unique recipient, each Message-ID once.
"""
import argparse
import glob
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import uuid


def fail(msg):
    print("FAIL: " + msg, file=sys.stderr)
    sys.exit(1)


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


class Postgres:
    """A private PostgreSQL server (Debian's postgresql package)."""

    def __init__(self, top):
        bins = sorted(glob.glob("/usr/lib/postgresql/*/bin"),
                      key=lambda p: int(p.split("/")[-2]) if p.split("/")[-2].isdigit() else 0)
        if not bins:
            fail("PostgreSQL not found under /usr/lib/postgresql: apt-get install postgresql")
        self.bin = bins[-1]
        self.dir = os.path.join(top, "pg")
        os.mkdir(self.dir)
        self.prefix = []
        if os.geteuid() == 0:
            # PostgreSQL refuses to run as root.
            shutil.chown(top, "postgres", "postgres")
            shutil.chown(self.dir, "postgres", "postgres")
            self.prefix = ["setpriv", "--reuid=postgres", "--regid=postgres", "--clear-groups", "--"]
        data = os.path.join(self.dir, "data")
        subprocess.run(self.prefix + [os.path.join(self.bin, "initdb"), "-D", data, "-U",
                                      "missive", "--auth=trust", "--no-sync"],
                       check=True, stdout=subprocess.DEVNULL, cwd=self.dir)
        self.port = free_port()
        self.log = open(os.path.join(top, "postgres.log"), "wb")
        self.proc = subprocess.Popen(
            self.prefix + [os.path.join(self.bin, "postgres"), "-D", data, "-p", str(self.port),
                           "-c", "listen_addresses=127.0.0.1",
                           "-c", "unix_socket_directories=" + self.dir],
            stdout=subprocess.DEVNULL, stderr=self.log, cwd=self.dir)
        deadline = time.time() + 30
        while time.time() < deadline:
            if self.proc.poll() is not None:
                fail("postgres exited: see %s" % self.log.name)
            r = subprocess.run([os.path.join(self.bin, "pg_isready"), "-h", "127.0.0.1", "-p",
                                str(self.port)], stdout=subprocess.DEVNULL)
            if r.returncode == 0:
                return
            time.sleep(0.1)
        fail("postgres did not start")

    def stop(self):
        self.proc.send_signal(2)  # SIGINT: fast shutdown, by PID
        try:
            self.proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--backend", choices=["file", "postgres"], required=True)
    ap.add_argument("--count", type=int, default=6)
    ap.add_argument("--enqueue", nargs="+", required=True)
    ap.add_argument("--drain", nargs="+", required=True)
    a = ap.parse_args()

    fixture = os.environ.get("MISSIVE_SMTP_FIXTURE_DIR", "")
    try:
        with open(os.path.join(fixture, "port")) as f:
            port = int(f.read().strip())
        with open(os.path.join(fixture, "maildir")) as f:
            maildir = f.read().strip()
    except (OSError, ValueError) as e:
        fail("no SMTP fixture in MISSIVE_SMTP_FIXTURE_DIR=%r (CTest's smtp_server fixture "
             "provides it; needs Python aiosmtpd): %s" % (fixture, e))

    token = uuid.uuid4().hex[:12]
    rcpt = "ex-queue-%s-%s@example.com" % (a.backend, token)
    top = tempfile.mkdtemp(prefix="missive-queue-example-")
    pg = None
    try:
        if a.backend == "file":
            queue = "file://" + os.path.join(top, "queue")
        else:
            pg = Postgres(top)
            queue = "postgres://missive@127.0.0.1:%d/postgres?schema=example_%s" % (pg.port, token)
        env = dict(os.environ)
        env.update({"MISSIVE_QUEUE_URL": queue, "MISSIVE_COUNT": str(a.count),
                    "MISSIVE_TO": rcpt, "MISSIVE_FROM": "Example Sender <sender@example.com>",
                    "MISSIVE_SMTP_URL": "smtp+plain://127.0.0.1:%d" % port,
                    "MISSIVE_DRAIN_SECONDS": "60", "MISSIVE_QUEUE_LEASE_SECONDS": "5"})
        p = subprocess.run(a.enqueue, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                           timeout=120)
        sys.stdout.write(p.stdout.decode() + p.stderr.decode())
        if p.returncode != 0:
            fail("the enqueue example exited with %d" % p.returncode)
        ids = [l.strip() for l in p.stdout.decode().splitlines() if l.strip()]
        if len(ids) != a.count or len(set(ids)) != a.count or not all("@" in i for i in ids):
            fail("expected %d distinct Message-IDs, got %r" % (a.count, ids))
        drainers = [subprocess.Popen(a.drain, env=env, stdout=subprocess.PIPE,
                                     stderr=subprocess.PIPE) for _ in range(2)]
        delivered = 0
        for d in drainers:
            out, err = d.communicate(timeout=120)
            sys.stdout.write(out.decode() + err.decode())
            if d.returncode != 0:
                fail("a drainer exited with %d" % d.returncode)
            last = out.decode().strip().splitlines()[-1] if out.strip() else ""
            m = re.fullmatch(r"delivered (\d+) deferred (\d+) dead (\d+) remaining (\d+)", last)
            if not m:
                fail("a drainer's last line is %r" % last)
            if m.group(4) != "0" or m.group(3) != "0":
                fail("a drainer ended with %r" % last)
            delivered += int(m.group(1))
        if delivered != a.count:
            fail("the drainers delivered %d together, expected %d" % (delivered, a.count))
        arrived = []
        for name in os.listdir(maildir):
            if not name.endswith(".env"):
                continue
            with open(os.path.join(maildir, name), encoding="utf-8") as f:
                if ("RCPT " + rcpt) not in f.read():
                    continue
            with open(os.path.join(maildir, name[:-4] + ".eml"), "rb") as f:
                arrived.append(f.read().decode("utf-8", "replace"))
        if len(arrived) != a.count:
            fail("%d messages arrived for %s, expected %d" % (len(arrived), rcpt, a.count))
        for i in ids:
            n = sum(1 for t in arrived if ("<%s>" % i) in t)
            if n != 1:
                fail("Message-ID %s arrived %d times" % (i, n))
        print("ok: %d messages queued on %s and delivered once each by two drainers"
              % (a.count, a.backend))
    finally:
        if pg is not None:
            pg.stop()
        shutil.rmtree(top, ignore_errors=True)


if __name__ == "__main__":
    main()
