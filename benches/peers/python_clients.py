#!/usr/bin/env python3
"""Python SMTP clients for benches/latency_peers.rs: the standard library's smtplib (one
connection, one message after the other) and aiosmtplib (asyncio; C connections at once, each
sending its share of the messages over one kept session).

Usage: python_clients.py smtplib|aiosmtplib HOST PORT MESSAGES CONCURRENCY

The messages are built before the clock starts (~1 KB each, shaped like the Rust benchmark's).
Prints one line: "elapsed <seconds> sent <n>", the time from before the first connection to
after the last QUIT. Exits 1 when any message was refused.
"""
import asyncio
import sys
import time

FROM = "bench@localhost"
TO = "sink@localhost"
PAYLOAD = 1024


def build(i):
    head = (
        f"From: <{FROM}>\r\nTo: <{TO}>\r\nDate: Tue, 24 Nov 2026 02:16:53 +0000\r\n"
        f"Message-Id: <{i}.py@localhost>\r\nSubject: bench {i}\r\n\r\n"
    )
    body, line, n = [], 0, 0
    while n < PAYLOAD:
        k = max(min(PAYLOAD - n, 80) - 2, 1)
        text = (str(line % 10) + "X" * k)[:k]
        body.append(text + "\r\n")
        n += len(text) + 2
        line += 1
    return (head + "".join(body)).encode()


def run_smtplib(host, port, msgs):
    import smtplib

    start = time.perf_counter()
    s = smtplib.SMTP(host, port, local_hostname="localhost")
    for m in msgs:
        refused = s.sendmail(FROM, [TO], m)
        if refused:
            sys.exit(f"refused: {refused}")
    s.quit()
    return time.perf_counter() - start


def run_aiosmtplib(host, port, msgs, concurrency):
    import aiosmtplib

    async def worker(share):
        smtp = aiosmtplib.SMTP(hostname=host, port=port, local_hostname="localhost",
                               start_tls=False, use_tls=False)
        await smtp.connect()
        for m in share:
            errors, _ = await smtp.sendmail(FROM, [TO], m)
            if errors:
                raise RuntimeError(f"refused: {errors}")
        await smtp.quit()

    async def main():
        shares = [msgs[k::concurrency] for k in range(concurrency)]
        await asyncio.gather(*(worker(s) for s in shares if s))

    start = time.perf_counter()
    asyncio.run(main())
    return time.perf_counter() - start


def main():
    mode, host, port, n, conc = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5])
    msgs = [build(i) for i in range(n)]
    if mode == "smtplib":
        elapsed = run_smtplib(host, port, msgs)
    elif mode == "aiosmtplib":
        elapsed = run_aiosmtplib(host, port, msgs, conc)
    else:
        sys.exit(f"unknown mode {mode}")
    print(f"elapsed {elapsed:.6f} sent {n}")


if __name__ == "__main__":
    main()
