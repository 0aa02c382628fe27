"""The SDK's SmtpClient.send_to_queue(messages) and smtp_queue_location (from its reference
page): messages go into a durable queue directory first, and drain_queue sends what is due
(from cron, or at once as here)."""
import tempfile

import missive as ae
from missive.clients import SmtpClient, SecurityOptions

# Server settings: the only lines changed besides the imports (the seed points at
# smtp.gmail.com:995 with made-up credentials). Set by the CTest check, or by you.
import os
HOST = os.environ.get("MISSIVE_SMTP_HOST", "127.0.0.1")
PORT = int(os.environ.get("MISSIVE_SMTP_PORT", "25"))
USER = os.environ.get("MISSIVE_SMTP_USER")  # None: no AUTH
PASSWORD = os.environ.get("MISSIVE_SMTP_PASSWORD")
SECURITY = os.environ.get("MISSIVE_SMTP_SECURITY", "NONE")  # NONE, SSL_EXPLICIT, SSL_IMPLICIT, AUTO

queue_dir = tempfile.mkdtemp(prefix="missive-queue-")
client = SmtpClient(HOST, PORT, USER, PASSWORD)
client.security_options = getattr(SecurityOptions, SECURITY)
client.smtp_queue_location = queue_dir

messages = ae.MailMessageCollection()
for i in range(1, 4):
    messages.append(ae.MailMessage("from@example.com", "queued%d@example.com" % i,
                                   "Queued message %d" % i, "Sent from the queue."))
client.send_to_queue(messages)
print("queued:", client.queue_state().queued)
done = client.drain_queue()
print("delivered:", done.delivered, "remaining:", done.remaining)
assert done.delivered == 3 and done.remaining == 0, done
