"""queue_enqueue: puts MISSIVE_COUNT messages (default 10) into the durable queue and prints
each one's Message-ID on a line of its own. Nothing is sent: queue_drain.py delivers them.

MISSIVE_QUEUE_URL names the queue (default ./queue, a directory): a path or
file:///absolute/path for the filesystem queue (one machine), or
postgres://user:password@host:5432/database?schema=missive for a PostgreSQL queue that many
senders and drainers on many hosts share. MISSIVE_FROM and MISSIVE_TO override the addresses.
Enqueues are idempotent per Message-ID.
"""
import os

import missive as ae
from missive.clients import SmtpClient

url = os.environ.get("MISSIVE_QUEUE_URL") or "queue"
count = int(os.environ.get("MISSIVE_COUNT") or "10")
sender = os.environ.get("MISSIVE_FROM") or "Sender Name <sender@example.com>"
to = os.environ.get("MISSIVE_TO") or "receiver@example.com"

with SmtpClient() as client:
    if "://" in url:
        client.queue_url = url
    else:
        client.queue_directory = url
    client.set_queue_idempotent(True)
    for i in range(count):
        m = ae.MailMessage(sender, to, "Queued message %d of %d" % (i + 1, count),
                           "Queued with missive, delivered by a drainer.\n")
        client.send_to_queue(m)
        print(m.message_id, flush=True)
