"""Seed scenario "Forward EML Files Without Loading into MailMessage" (https://docs.aspose.com/email/python-net/send-email-forward-messages-smtp-python/).
The seed's block uses host, smtp_port, username, password, sender and recipients without
defining them: they are defined here. ./test.eml is streamed as it is (memory stays flat
whatever its size)."""
import missive as ae

# Server settings: the only lines changed besides the imports (the seed points at
# smtp.gmail.com:995 with made-up credentials). Set by the CTest check, or by you.
import os
HOST = os.environ.get("MISSIVE_SMTP_HOST", "127.0.0.1")
PORT = int(os.environ.get("MISSIVE_SMTP_PORT", "25"))
USER = os.environ.get("MISSIVE_SMTP_USER")  # None: no AUTH
PASSWORD = os.environ.get("MISSIVE_SMTP_PASSWORD")
SECURITY = os.environ.get("MISSIVE_SMTP_SECURITY", "NONE")  # NONE, SSL_EXPLICIT, SSL_IMPLICIT, AUTO
host, smtp_port, username, password = HOST, PORT, USER, PASSWORD
sender = "forwarder@example.com"
recipients = ["first@example.com", "second@example.com"]

client = ae.clients.smtp.SmtpClient(host, smtp_port, username, password, getattr(ae.clients.SecurityOptions, SECURITY))
file = open("test.eml", "rb")
client.forward(sender, recipients, file)
