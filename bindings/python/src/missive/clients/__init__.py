"""Mail clients: ``SmtpClient`` and its options (as ``aspose.email.clients``)."""
from __future__ import annotations

from .._client import (MultiConnectionMode, Operation, QueueDrainResult, QueueState,
                       SecurityOptions, SendProgress, SmtpClient)
from . import base, smtp  # noqa: E402

__all__ = ["MultiConnectionMode", "Operation", "QueueDrainResult", "QueueState",
           "SecurityOptions", "SendProgress", "SmtpClient", "base", "smtp"]
