"""Seed scenario "Send HTML Email" (https://docs.aspose.com/email/python-net/send-email-forward-messages-smtp-python/; the page embeds
https://github.com/aspose-email/Aspose.Email-Python-Dotnet/blob/master/Examples/SMTP/SettingHTMLBody.py)."""
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

#ExStart: SettingHTMLBody
eml = ae.MailMessage()
eml.subject = "Message with Html Body"
eml.is_body_html = True
eml.html_body = "<html><body>This is the <b>HTML</b>body</body></html>"
eml.from_address = "from@gmail.com"
eml.to.append(ae.MailAddress("to@gmail.com", "Recipient 1"))

#Send using Smtp Client
client = SmtpClient(HOST, PORT, USER, PASSWORD)
client.security_options = getattr(SecurityOptions, SECURITY)

client.send(eml)
#ExEnd: SettingHTMLBody
