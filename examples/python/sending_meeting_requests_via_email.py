"""Seed scenario "Send Meeting Requests via Email" (https://docs.aspose.com/email/python-net/send-email-forward-messages-smtp-python/; the page embeds
https://github.com/aspose-email/Aspose.Email-Python-Dotnet/blob/master/Examples/SMTP/SendingMeetingRequestsViaEmail.py). The start and end are naive datetimes: this
machine's local time, written with its time zone."""
import missive as ae
from missive.clients.smtp import SmtpClient
from missive.clients import SecurityOptions
from missive import MailMessage
from missive.calendar import Appointment

import datetime as dt
from datetime import timedelta

# Server settings: the only lines changed besides the imports (the seed points at
# smtp.gmail.com:995 with made-up credentials). Set by the CTest check, or by you.
import os
HOST = os.environ.get("MISSIVE_SMTP_HOST", "127.0.0.1")
PORT = int(os.environ.get("MISSIVE_SMTP_PORT", "25"))
USER = os.environ.get("MISSIVE_SMTP_USER")  # None: no AUTH
PASSWORD = os.environ.get("MISSIVE_SMTP_PASSWORD")
SECURITY = os.environ.get("MISSIVE_SMTP_SECURITY", "NONE")  # NONE, SSL_EXPLICIT, SSL_IMPLICIT, AUTO

#ExStart: SendingMeetingRequestsViaEmail
eml = ae.MailMessage()
eml.from_address = "from@gmail.com"
eml.to.append(ae.MailAddress("to@gmail.com", "Recipient 1"))

#Create Appointment instance
app = Appointment("Room 112", dt.datetime(2018, 5, 27, 22, 12, 11), dt.date(2018, 5, 28), eml.from_address, eml.to);
app.summary = "Release Meetting";
app.description = "Discuss for the next release"

eml.add_alternate_view(app.request_apointment())

#Send using Smtp Client
client = SmtpClient(HOST, PORT, USER, PASSWORD)
client.security_options = getattr(SecurityOptions, SECURITY)

client.send(eml)
#ExEnd: SendingMeetingRequestsViaEmail
