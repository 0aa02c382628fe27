#!/usr/bin/env python3
"""Python package throughput, side by side with Python's own smtplib, against one Postfix
smtp-sink on loopback (a benchmark that prints figures; nothing is asserted).

  python3 benches/python_send.py [N]          (default N = 2000 messages of ~1 KB)

Uses bindings/python/src and the library MISSIVE_LIBRARY names, else target/release, else
target/debug (say which in the output: debug is several times slower). Rows:
  smtplib, 1 connection          smtplib.SMTP.send_message in a loop (the real peer)
  missive send, 1 thread         SmtpClient.send in a loop (one kept connection)
  missive send, 8 threads        one SmtpClient shared by 8 threads (a connection each)
  missive send_async + gather    asyncio.gather over N send_async (at most 64 at once)
  missive collection, 4 conns    send(collection) with use_multi_connection, 4 connections
"""
import asyncio
import email.message
import os
import smtplib
import socket
import subprocess
import sys
import threading
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "bindings", "python", "src"))
if not os.environ.get("MISSIVE_LIBRARY"):
    for prof in ("release", "debug"):
        p = os.path.join(ROOT, "target", prof, "libmissive.so")
        if os.path.exists(p):
            os.environ["MISSIVE_LIBRARY"] = p
            break

import missive  # noqa: E402
from missive.clients import MultiConnectionMode, SecurityOptions, SmtpClient  # noqa: E402

BODY = ("x" * 70 + "\n") * 14  # ~1 KB


def start_sink():
    for binary in ("/usr/sbin/smtp-sink", "/usr/lib/postfix/sbin/smtp-sink"):
        if os.path.exists(binary):
            break
    else:
        sys.exit("smtp-sink not found: apt-get install postfix")
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    cmd = [binary] + (["-u", "nobody"] if os.geteuid() == 0 else []) + \
        ["127.0.0.1:%d" % port, "256"]
    proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    for _ in range(100):
        try:
            socket.create_connection(("127.0.0.1", port), 1).close()
            return proc, port
        except OSError:
            time.sleep(0.05)
    proc.kill()
    sys.exit("smtp-sink did not start")


def row(name, n, seconds):
    print("%-32s %6d msgs  %7.2f s  %8.0f msg/s" % (name, n, seconds, n / seconds), flush=True)


def messages(n, tag):
    return [missive.MailMessage("bench@example.com", "r%d@example.com" % i,
                                "%s %d" % (tag, i), BODY) for i in range(n)]


def main():
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 2000
    sink, port = start_sink()
    print("library: %s" % os.environ.get("MISSIVE_LIBRARY"))
    try:
        plain = []
        for i in range(n):  # composed before the clock starts, as missive's are
            m = email.message.EmailMessage()
            m["From"], m["To"], m["Subject"] = "bench@example.com", "r%d@example.com" % i, "s %d" % i
            m.set_content(BODY)
            plain.append(m)
        t = time.monotonic()
        with smtplib.SMTP("127.0.0.1", port) as s:
            for m in plain:
                s.send_message(m)
        row("smtplib, 1 connection", n, time.monotonic() - t)

        client = SmtpClient("127.0.0.1", port, security_options=SecurityOptions.NONE)
        ms = messages(n, "one")
        t = time.monotonic()
        for m in ms:
            client.send(m)
        row("missive send, 1 thread", n, time.monotonic() - t)

        ms = messages(n, "threads")
        chunks = [ms[k::8] for k in range(8)]

        def work(chunk):
            for m in chunk:
                client.send(m)

        threads = [threading.Thread(target=work, args=(c,)) for c in chunks]
        t = time.monotonic()
        for th in threads:
            th.start()
        for th in threads:
            th.join()
        row("missive send, 8 threads", n, time.monotonic() - t)

        ms = messages(n, "async")

        async def gather():
            await asyncio.gather(*(client.send_async(m) for m in ms))

        t = time.monotonic()
        asyncio.run(gather())
        row("missive send_async + gather", n, time.monotonic() - t)

        coll = missive.MailMessageCollection(messages(n, "bulk"))
        client.use_multi_connection = MultiConnectionMode.ENABLE
        client.connections_quantity = 4
        t = time.monotonic()
        client.send(coll)
        row("missive collection, 4 conns", n, time.monotonic() - t)
        client.dispose()
    finally:
        sink.terminate()
        sink.wait()


if __name__ == "__main__":
    main()
