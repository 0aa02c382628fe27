"""missive: send email from Python through the missive library (Rust, over its C ABI).

The names and shapes follow Aspose.Email for Python's ``SmtpClient`` pages, so their samples run
with only the import line changed::

    import missive as ae
    from missive.clients import SmtpClient, SecurityOptions
    from missive import MailMessage, MailMessageCollection

Beyond them: ``await client.send_async(message_or_collection)`` on asyncio, a result per
message, exceptions that carry the server's reply, and sends from many threads at once (the
GIL is released while the library works).
"""
from __future__ import annotations

from ._errors import (MissiveError, MissiveValueError, SmtpException,
                      SmtpFailedRecipientException, SmtpFailedRecipientsException)
from ._message import (AlternateView, Attachment, ContentType, DeliveryNotificationOptions,
                       HeaderCollection, LinkedResource, MailAddress, MailAddressCollection,
                       MailMessage, MailMessageCollection, MailPriority)
from ._native import Result, lib
from ._results import BulkResult, DeliveryStatus, RejectedRecipient, SendResult
from . import calendar, clients  # noqa: E402  (ae.clients.smtp.SmtpClient, ae.calendar...)


def library_version() -> str:
    """The version of the loaded libmissive."""
    return (lib.missive_version() or b"").decode()


__version__ = "0.1.0"

__all__ = [
    "AlternateView", "Attachment", "BulkResult", "ContentType", "DeliveryNotificationOptions",
    "DeliveryStatus", "HeaderCollection", "LinkedResource", "MailAddress",
    "MailAddressCollection", "MailMessage", "MailMessageCollection", "MailPriority",
    "MissiveError", "MissiveValueError", "RejectedRecipient", "Result", "SendResult",
    "SmtpException", "SmtpFailedRecipientException", "SmtpFailedRecipientsException",
    "calendar", "clients", "library_version",
]
