"""Settings shared by clients (as ``aspose.email.clients.base``)."""
from __future__ import annotations

from ..._client import EncryptionProtocols

__all__ = ["EncryptionProtocols"]
