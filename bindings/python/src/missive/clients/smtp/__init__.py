"""The SMTP client (as ``aspose.email.clients.smtp``)."""
from __future__ import annotations

from ..._client import (ForwardMode, SaslMechanism, SmtpClient, SmtpDeliveryMethod)
from ..._errors import (SmtpException, SmtpFailedRecipientException,
                        SmtpFailedRecipientsException)

__all__ = ["ForwardMode", "SaslMechanism", "SmtpClient", "SmtpDeliveryMethod", "SmtpException",
           "SmtpFailedRecipientException", "SmtpFailedRecipientsException"]
