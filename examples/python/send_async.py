"""Beyond the seed (whose page says async sending is not supported): 20 messages sent at once
on asyncio with `await client.send_async(...)`, then a collection in one operation, each with
its result."""
import asyncio

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


async def main() -> None:
    with SmtpClient(HOST, PORT, USER, PASSWORD) as client:
        client.security_options = getattr(SecurityOptions, SECURITY)
        messages = [ae.MailMessage("from@example.com", "async%d@example.com" % i,
                                   "Async message %d" % i, "Sent with send_async.")
                    for i in range(20)]
        results = await asyncio.gather(*(client.send_async(m) for m in messages))
        for r in results:
            print("sent:", r.reply_code, r.queue_id)

        batch = ae.MailMessageCollection(
            ae.MailMessage("from@example.com", "batch%d@example.com" % i,
                           "Async batch message %d" % i, "One of a collection.")
            for i in range(5))
        bulk = await client.send_async(batch)
        print("collection: %d of %d sent" % (bulk.sent, len(bulk)))


asyncio.run(main())
