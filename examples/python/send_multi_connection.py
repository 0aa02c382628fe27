"""Seed scenario "Send Emails with Multi-Connection Support" (https://docs.aspose.com/email/python-net/send-email-forward-messages-smtp-python/).

Two plain bugs of the seed's block are fixed here, and only these: it sets the properties on
the class (`client = ae.clients.smtp.SmtpClient`, no parentheses) instead of an instance, and
it sends `messages`, which it never defines (here: 10 messages, one collection)."""
import missive as ae

# Server settings: the only lines changed besides the imports (the seed points at
# smtp.gmail.com:995 with made-up credentials). Set by the CTest check, or by you.
import os
HOST = os.environ.get("MISSIVE_SMTP_HOST", "127.0.0.1")
PORT = int(os.environ.get("MISSIVE_SMTP_PORT", "25"))
USER = os.environ.get("MISSIVE_SMTP_USER")  # None: no AUTH
PASSWORD = os.environ.get("MISSIVE_SMTP_PASSWORD")
SECURITY = os.environ.get("MISSIVE_SMTP_SECURITY", "NONE")  # NONE, SSL_EXPLICIT, SSL_IMPLICIT, AUTO

messages = ae.MailMessageCollection()
for i in range(1, 11):
    messages.append(ae.MailMessage("from@gmail.com", "to%d@gmail.com" % i,
                                   "Multi-connection message %d" % i, "Message %d." % i))

client = ae.clients.smtp.SmtpClient()
client.host = HOST
client.username = USER
client.password = PASSWORD
client.port = PORT
client.supported_encryption = ae.clients.base.EncryptionProtocols.TLS
client.security_options = getattr(ae.clients.SecurityOptions, SECURITY)

client.connections_quantity = 5
client.use_multi_connection = ae.clients.MultiConnectionMode.ENABLE
client.send(messages)
