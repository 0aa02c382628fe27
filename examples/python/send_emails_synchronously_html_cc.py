"""Seed scenario "Send Emails Synchronously", the sample the page embeds
(https://docs.aspose.com/email/python-net/send-email-forward-messages-smtp-python/; https://github.com/aspose-email/Aspose.Email-Python-Dotnet/blob/master/Examples/SMTP/SendEmailSynchronously.py): an HTML body, two To and two Cc recipients."""
import missive as ae
from missive.clients.smtp import SmtpClient
from missive.clients import SecurityOptions
from missive import MailMessage

# Server settings: the only lines changed besides the imports (the seed points at
# smtp.gmail.com:995 with made-up credentials). Set by the CTest check, or by you.
import os
HOST = os.environ.get("MISSIVE_SMTP_HOST", "127.0.0.1")
PORT = int(os.environ.get("MISSIVE_SMTP_PORT", "25"))
USER = os.environ.get("MISSIVE_SMTP_USER")  # None: no AUTH
PASSWORD = os.environ.get("MISSIVE_SMTP_PASSWORD")
SECURITY = os.environ.get("MISSIVE_SMTP_SECURITY", "NONE")  # NONE, SSL_EXPLICIT, SSL_IMPLICIT, AUTO

#ExStart: SendEmailSynchronously
eml = ae.MailMessage()
eml.subject = "New MailMessage created with Aspose.Email for Python"
eml.html_body = "<b>This line is in bold </b> while this is normal text"
eml.from_address = "from@domain.com"

eml.to.append(ae.MailAddress("to@domain.com", "Recipient 1"))
eml.to.append(ae.MailAddress("to2@domain.com", "Recipient 2"))

eml.cc.append(ae.MailAddress("cc1@domain.com", "Recipient 3"))
eml.cc.append(ae.MailAddress("cc2@domain.com", "Recipient 4"))

#Send using Smtp Client
client = SmtpClient(HOST, PORT, USER, PASSWORD)
client.security_options = getattr(SecurityOptions, SECURITY)
client.send(eml)
#ExEnd: SendEmailSynchronously
