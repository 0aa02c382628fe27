"""queue_drain: drains the durable queue named by MISSIVE_QUEUE_URL (as queue_enqueue.py) to
the server of MISSIVE_SMTP_URL until it is empty or MISSIVE_DRAIN_SECONDS (default 60) pass,
and prints one last line: delivered N deferred N dead N remaining N.

Any number of drainers may work one PostgreSQL queue at once (each message is leased to one;
MISSIVE_QUEUE_LEASE_SECONDS sets the lease); on a filesystem queue a second drainer waits for
the first.
"""
import os
import sys
import time

from missive import MissiveError, Result
from missive.clients import SmtpClient

url = os.environ.get("MISSIVE_QUEUE_URL") or "queue"
smtp_url = os.environ.get("MISSIVE_SMTP_URL")
if not smtp_url:
    sys.exit("set MISSIVE_SMTP_URL, e.g. smtp+starttls://user:pass@host:587")
deadline = time.monotonic() + float(os.environ.get("MISSIVE_DRAIN_SECONDS") or "60")

delivered = deferred = dead = 0
with SmtpClient() as client:
    client.set_url(smtp_url)
    if os.environ.get("MISSIVE_PROXY_URL"):
        client.proxy = os.environ["MISSIVE_PROXY_URL"]
    if "://" in url:
        client.queue_url = url
    else:
        client.queue_directory = url
    if os.environ.get("MISSIVE_QUEUE_LEASE_SECONDS"):
        client.set_queue_lease(int(float(os.environ["MISSIVE_QUEUE_LEASE_SECONDS"]) * 1000))
    while time.monotonic() < deadline:
        budget_ms = max(1, int((deadline - time.monotonic()) * 1000))
        try:
            c = client.drain_queue(0, budget_ms)
        except MissiveError as e:
            if e.code == Result.QUEUE_BUSY:  # another drainer has the directory
                time.sleep(0.2)
                continue
            if e.code in (Result.QUEUE_SERVER_UNAVAILABLE, Result.QUEUE_DATABASE_UNAVAILABLE):
                counts = getattr(e, "counts", None)  # what the drain did before it stopped
                if counts is not None:
                    delivered += counts.delivered
                    deferred += counts.deferred
                    dead += counts.dead_lettered
                print("waiting:", e, file=sys.stderr)
                time.sleep(1)
                continue
            raise
        delivered += c.delivered
        deferred += c.deferred
        dead += c.dead_lettered
        if c.delivered + c.deferred + c.dead_lettered > 0:
            continue  # more may be due
        state = client.queue_state()
        if state.queued + state.in_flight == 0:
            break
        time.sleep(0.2)
    state = client.queue_state()
    print("delivered %d deferred %d dead %d remaining %d"
          % (delivered, deferred, dead, state.queued + state.in_flight))
