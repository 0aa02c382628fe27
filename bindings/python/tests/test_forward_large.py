"""A 1 GiB .eml forwarded to Postfix's smtp-sink in flat memory: as an open file (the library
reads the descriptor) and as a Python stream (read through the callback). Each forward runs in
a child process that reports its peak resident set size (VmHWM); the 1 GiB forwards must peak within
64 MiB of a 1 MiB forward's."""
import os
import subprocess
import sys

import pytest

from conftest import HERE, SmtpSink

CHILD = r'''
import io, os, sys, time
from missive.clients import SmtpClient, SecurityOptions
port, kind, mib = int(sys.argv[1]), sys.argv[2], int(sys.argv[3])
HEAD = b"From: a@example.com\r\nTo: b@example.com\r\nSubject: large\r\n\r\n"
LINE = b"." + b"x" * 75 + b"\r\n"  # a leading dot on every line: dot-stuffed on the way
CHUNK = LINE * (1024 * 1024 // len(LINE))

class Generated(io.RawIOBase):
    def __init__(self, total):
        self.left, self.head = total, HEAD
    def readable(self):
        return True
    def readinto(self, b):
        if self.head:
            n = len(self.head); b[:n] = self.head; self.head = b""; return n
        if self.left <= 0:
            return 0
        n = min(len(b), len(CHUNK), self.left)
        b[:n] = CHUNK[:n]; self.left -= n
        return n

c = SmtpClient("127.0.0.1", port, security_options=SecurityOptions.NONE)
t = time.monotonic()
if kind == "file":
    path = sys.argv[4]
    with open(path, "wb") as f:
        f.write(HEAD)
        for _ in range(mib):
            f.write(CHUNK)
    try:
        with open(path, "rb") as f:
            r = c.forward("s@example.com", "big@example.com", f)
    finally:
        os.unlink(path)
else:
    r = c.forward("s@example.com", "big@example.com", io.BufferedReader(Generated(mib * len(CHUNK))))
# VmHWM: this process's peak resident set (ru_maxrss would carry the parent's over exec).
hwm = next(int(l.split()[1]) for l in open("/proc/self/status") if l.startswith("VmHWM:"))
print(r.reply_code, round(time.monotonic() - t, 1), hwm)
'''


def peak(port, kind, mib, tmp_path):
    out = subprocess.check_output([sys.executable, "-c", CHILD, str(port), kind, str(mib),
                                   str(tmp_path / ("big-%d.eml" % mib))],
                                  env=dict(os.environ, PYTHONPATH=os.path.join(HERE, "..", "src")),
                                  text=True, timeout=600)
    code, seconds, kib = out.split()
    assert code == "250", out
    return float(seconds), int(kib)


@pytest.mark.parametrize("kind", ["file", "stream"])
def test_one_gib_forward_in_flat_memory(kind, tmp_path):
    sink = SmtpSink(dump=False)  # smtp-sink discards what it receives
    try:
        _, small = peak(sink.port, kind, 1, tmp_path)
        seconds, big = peak(sink.port, kind, 1024, tmp_path)
    finally:
        sink.stop()
    print("forward %s: 1 MiB peak RSS %d KiB; 1 GiB peak RSS %d KiB (%.1f s)"
          % (kind, small, big, seconds))
    assert big - small < 64 * 1024, "1 GiB forward peaked %d KiB above a 1 MiB one" % (big - small)
