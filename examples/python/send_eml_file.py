"""Seed scenario "Send a Pre-Composed EML File via SMTP" (https://docs.aspose.com/email/python-net/send-email-forward-messages-smtp-python/).
Sends ./test.eml as it is (the CTest check writes one and compares what arrives)."""
import missive as ae

# Server settings: the only lines changed besides the imports (the seed points at
# smtp.gmail.com:995 with made-up credentials). Set by the CTest check, or by you.
import os
HOST = os.environ.get("MISSIVE_SMTP_HOST", "127.0.0.1")
PORT = int(os.environ.get("MISSIVE_SMTP_PORT", "25"))
USER = os.environ.get("MISSIVE_SMTP_USER")  # None: no AUTH
PASSWORD = os.environ.get("MISSIVE_SMTP_PASSWORD")
SECURITY = os.environ.get("MISSIVE_SMTP_SECURITY", "NONE")  # NONE, SSL_EXPLICIT, SSL_IMPLICIT, AUTO

message = ae.MailMessage.load("test.eml")

# Send this message using SmtpClient
client = ae.clients.SmtpClient(HOST, USER, PASSWORD)
client.port = PORT
client.security_options = getattr(ae.clients.SecurityOptions, SECURITY)
client.send(message)
