"""Seed scenario "How to Send Bulk Emails" (https://docs.aspose.com/email/python-net/send-email-forward-messages-smtp-python/)."""
import missive as ae
from missive.clients import SmtpClient, SecurityOptions
from missive import MailMessage, MailMessageCollection

# Server settings: the only lines changed besides the imports (the seed points at
# smtp.gmail.com:995 with made-up credentials). Set by the CTest check, or by you.
import os
HOST = os.environ.get("MISSIVE_SMTP_HOST", "127.0.0.1")
PORT = int(os.environ.get("MISSIVE_SMTP_PORT", "25"))
USER = os.environ.get("MISSIVE_SMTP_USER")  # None: no AUTH
PASSWORD = os.environ.get("MISSIVE_SMTP_PASSWORD")
SECURITY = os.environ.get("MISSIVE_SMTP_SECURITY", "NONE")  # NONE, SSL_EXPLICIT, SSL_IMPLICIT, AUTO

# Create individual email messages
message1 = MailMessage("from@gmail.com", "to1@gmail.com", "Bulk Email - Message 1", "Hello, this is message 1.")
message2 = MailMessage("from@gmail.com", "to2@gmail.com", "Bulk Email - Message 2", "Hello, this is message 2.")
message3 = MailMessage("from@gmail.com", "to3@gmail.com", "Bulk Email - Message 3", "Hello, this is message 3.")

# Add messages to a collection
many_messages = MailMessageCollection()
many_messages.append(message1)
many_messages.append(message2)
many_messages.append(message3)

# Configure SMTP client
client = SmtpClient(HOST, PORT, USER, PASSWORD)
client.security_options = getattr(SecurityOptions, SECURITY)

# Send all messages in bulk
client.send(many_messages)
