"""What a send did: per message, and per collection. Plain Python values copied out of the
library's result handles (which are freed at once)."""
from __future__ import annotations

import ctypes
import enum
from dataclasses import dataclass, field
from typing import Any, Dict, Iterator, List, Optional, Sequence, Tuple

from ._errors import (SmtpException, SmtpFailedRecipientException,
                      SmtpFailedRecipientsException, error_for, read_text, result_name)
from ._native import BulkStatus, Result, SendResultField, lib


class DeliveryStatus(enum.IntEnum):
    """How one message of a collection fared (`missive_bulk_status`)."""
    SENT = BulkStatus.SENT
    FAILED = BulkStatus.FAILED
    UNKNOWN = BulkStatus.UNKNOWN
    NOT_ATTEMPTED = BulkStatus.NOT_ATTEMPTED


@dataclass
class RejectedRecipient:
    """A recipient the server refused, with its reply."""
    address: str
    reply_code: int
    reply: str


@dataclass
class SendResult:
    """The outcome of sending one message.

    ``code`` is the library's result code (0 = OK), ``delivered`` whether the server took the
    message for at least one recipient, ``reply_code``/``reply`` the server's final reply,
    ``enhanced_status_code`` (e.g. ``2.0.0``), ``queue_id`` (the server's id for the message
    when its reply names one), ``pickup_path`` (pickup delivery), ``accepted`` and ``rejected``
    recipients, ``transient`` (a 4xx / retry-worthy failure) and ``outcome_unknown``."""
    code: int = 0
    delivered: bool = False
    reply_code: int = 0
    reply: str = ""
    enhanced_status_code: str = ""
    queue_id: str = ""
    pickup_path: str = ""
    accepted: List[str] = field(default_factory=list)
    rejected: List[RejectedRecipient] = field(default_factory=list)
    transient: bool = False
    outcome_unknown: bool = False
    error: str = ""
    status: DeliveryStatus = DeliveryStatus.SENT

    @property
    def ok(self) -> bool:
        return self.code == Result.OK

    @property
    def code_name(self) -> str:
        return result_name(self.code)

    def exception(self) -> Optional[SmtpException]:
        """The exception this outcome raises (None when it is OK)."""
        if self.code == Result.OK:
            return None
        extra: Dict[str, Any] = dict(reply_code=self.reply_code, server_reply=self.reply,
                     enhanced_status_code=self.enhanced_status_code,
                     transient=self.transient, outcome_unknown=self.outcome_unknown,
                     result=self)
        exc = error_for(self.code, self.error, smtp=True, **extra)
        if isinstance(exc, SmtpFailedRecipientsException):
            inner = [SmtpFailedRecipientException(
                self.code, "%s refused: %s" % (r.address, r.reply),
                failed_recipient=r.address, reply_code=r.reply_code, server_reply=r.reply)
                for r in self.rejected]
            exc.inner_exceptions = inner
            exc.delivered = self.delivered
            exc.failed_recipient = inner[0].failed_recipient if inner else ""
        return exc  # type: ignore[return-value]


def _field(handle: int, which: int) -> str:
    return read_text(lib.missive_send_result_text, handle, which) or ""


def send_result_from(handle: Optional[int], code: int, status: DeliveryStatus = DeliveryStatus.SENT,
                     error: str = "") -> SendResult:
    """Copies a (borrowed or owned) `missive_send_result` into a SendResult."""
    r = SendResult(code=int(code), status=status, error=error)
    if not handle:
        return r
    # The send's own code and detail, kept on its result: another thread's failure on the same
    # client cannot replace them (the client's error text can change in between).
    r.code = int(lib.missive_send_result_code(handle))
    if r.code != Result.OK and not error:
        detail = read_text(lib.missive_send_result_detail, handle)
        if detail is None:
            # Copying it failed: the result's own error text says why.
            detail = "the send failed, and its detail could not be read: %s" % (
                read_text(lib.missive_send_result_error, handle) or "")
        r.error = detail
    r.delivered = bool(lib.missive_send_result_delivered(handle))
    r.transient = bool(lib.missive_send_result_is_transient(handle))
    r.outcome_unknown = bool(lib.missive_send_result_outcome_unknown(handle))
    r.reply_code = int(lib.missive_send_result_reply_code(handle))
    r.reply = _field(handle, SendResultField.REPLY_TEXT)
    r.enhanced_status_code = _field(handle, SendResultField.ENHANCED_CODE)
    r.queue_id = _field(handle, SendResultField.QUEUE_ID)
    r.pickup_path = _field(handle, SendResultField.PICKUP_PATH)
    for i in range(lib.missive_send_result_accepted_count(handle)):
        r.accepted.append(read_text(lib.missive_send_result_accepted, handle, i) or "")
    for i in range(lib.missive_send_result_rejected_count(handle)):
        code16 = ctypes.c_uint16(0)
        need = ctypes.c_size_t(0)
        lib.missive_send_result_rejected(handle, i, None, 0, ctypes.byref(need),
                                         ctypes.byref(code16))
        buf = ctypes.create_string_buffer(max(need.value, 1))
        lib.missive_send_result_rejected(handle, i, buf, need.value, ctypes.byref(need),
                                         ctypes.byref(code16))
        addr = buf.value.decode("utf-8", "replace")
        reply = read_text(lib.missive_send_result_rejected_reply, handle, i) or ""
        r.rejected.append(RejectedRecipient(addr, int(code16.value), reply))
    return r


def take_send_result(handle: ctypes.c_void_p, code: int) -> SendResult:
    """Copies an owned `missive_send_result` and frees it."""
    try:
        return send_result_from(handle.value, code)
    finally:
        lib.missive_send_result_free(handle)


class BulkResult(Sequence[SendResult]):
    """The outcome of sending a collection: one `SendResult` per message, in the collection's
    order (``status`` says SENT, FAILED, UNKNOWN or NOT_ATTEMPTED), plus the overall ``code``
    (OK when every message was sent) and whether the send was ``cancelled``."""

    def __init__(self, code: int, items: List[SendResult], cancelled: bool = False,
                 error: str = "", counts: Optional[dict] = None) -> None:
        self._counts = counts or {}
        self.code = int(code)
        self.items = items
        self.cancelled = cancelled
        self.error = error

    def __len__(self) -> int:
        return len(self.items)

    def __getitem__(self, i):  # type: ignore[override]
        return self.items[i]

    def __iter__(self) -> Iterator[SendResult]:
        return iter(self.items)

    def count(self, status: DeliveryStatus) -> int:  # type: ignore[override]
        """How many messages ended with ``status`` (as the library counted them)."""
        if status in self._counts:
            return self._counts[status]
        return sum(1 for r in self.items if r.status == status)

    @property
    def ok(self) -> bool:
        return self.code == Result.OK

    @property
    def sent(self) -> int:
        return self.count(DeliveryStatus.SENT)

    @property
    def failed(self) -> List[Tuple[int, SendResult]]:
        """(index, result) of every message that was not sent."""
        return [(i, r) for i, r in enumerate(self.items) if r.status != DeliveryStatus.SENT]

    def exception(self) -> Optional[SmtpException]:
        if self.code == Result.OK:
            return None
        first = next((r for r in self.items if r.code != Result.OK), None)
        detail = self.error or "%d of %d messages were not sent" % (
            len(self.items) - self.sent, len(self.items))
        if first is not None:
            detail += "; first failure: %s" % (first.error or first.reply or first.code_name)
        exc = SmtpException(self.code, detail, results=self.items,
                            reply_code=first.reply_code if first else 0,
                            server_reply=first.reply if first else "")
        return exc

    def __repr__(self) -> str:
        return "<BulkResult %s: %d sent of %d>" % (result_name(self.code), self.sent, len(self))


def bulk_result_from(handle: int) -> BulkResult:
    """Copies a (borrowed) `missive_bulk_result`."""
    code = int(lib.missive_bulk_result_code(handle))
    items = []
    for i in range(lib.missive_bulk_result_len(handle)):
        status = ctypes.c_int32(0)
        item_code = ctypes.c_int32(0)
        lib.missive_bulk_result_item(handle, i, ctypes.byref(status), ctypes.byref(item_code))
        err = ""
        if item_code.value != Result.OK:
            err = read_text(lib.missive_bulk_result_message_error, handle, i) or ""
        items.append(send_result_from(lib.missive_bulk_result_get(handle, i), item_code.value,
                                      DeliveryStatus(status.value), err))
    error = read_text(lib.missive_bulk_result_error, handle) or "" if code != Result.OK else ""
    counts = {s: int(lib.missive_bulk_result_count(handle, int(s))) for s in DeliveryStatus}
    return BulkResult(code, items, bool(lib.missive_bulk_result_was_cancelled(handle)), error,
                      counts)
