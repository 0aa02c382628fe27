"""Exceptions, built from a library result code and the detail the library stored."""
from __future__ import annotations

import ctypes
import errno
from typing import TYPE_CHECKING, Any, Callable, List, Optional

from ._native import Result, lib

if TYPE_CHECKING:  # pragma: no cover
    from ._results import SendResult


def result_name(code: int) -> str:
    """The name of a `missive_result` code (e.g. ``"SERVER_REJECTED"``)."""
    try:
        return Result(code).name
    except ValueError:
        return "UNKNOWN_%d" % code


def result_text(code: int) -> str:
    """The library's static English text for a code."""
    raw = lib.missive_result_str(code)
    return raw.decode("utf-8", "replace") if raw else result_name(code)


def read_out(fn: Callable[..., int], *args: Any, nul: bool = True,
             guess: int = 0) -> Optional[bytes]:
    """Size-then-fill: calls ``fn(*args, buf, buf_len, out_len)`` and returns the bytes (without
    the terminating NUL when ``nul``), or None when the call fails (NOT_FOUND, ...). With
    ``guess``, the first call already passes a buffer of that size (for calls that do work,
    like talking to a server, before they know the size)."""
    need = ctypes.c_size_t(0)
    if guess:
        buf = ctypes.create_string_buffer(guess)
        rc = fn(*args, buf, guess, ctypes.byref(need))
        if rc == Result.OK:
            data = buf.raw[:need.value]
            return data[:-1] if nul and data.endswith(b"\0") else data
        if rc != Result.BUFFER_TOO_SMALL:
            return None
        rc = Result.OK
    else:
        rc = fn(*args, None, 0, ctypes.byref(need))
    for _ in range(4):
        if rc != Result.OK:
            return None
        size = need.value
        if size == 0:
            return b""
        buf = ctypes.create_string_buffer(size)
        rc = fn(*args, buf, size, ctypes.byref(need))
        if rc == Result.OK:
            data = buf.raw[:need.value]
            return data[:-1] if nul and data.endswith(b"\0") else data
        if rc != Result.BUFFER_TOO_SMALL:
            return None
        rc = Result.OK  # grew between the two calls: try again with the new size
    return None


def read_text(fn: Callable[..., int], *args: Any) -> Optional[str]:
    data = read_out(fn, *args)
    return None if data is None else data.decode("utf-8", "replace")


class MissiveError(Exception):
    """Base of the errors this package raises for a library result code.

    ``code`` is the `missive_result` number, ``code_name`` its name, ``detail`` the message the
    library stored on the handle that failed (it names the problem)."""

    def __init__(self, code: int, detail: str = "", **extra: Any) -> None:
        self.code = int(code)
        self.code_name = result_name(code)
        self.detail = detail or result_text(code)
        for k, v in extra.items():
            setattr(self, k, v)
        super().__init__("%s (%s %d)" % (self.detail, self.code_name, self.code))


class MissiveValueError(MissiveError, ValueError):
    """A bad argument: malformed address, header, media type, date, unknown option value."""


class SmtpException(MissiveError):
    """Sending failed. Beside ``code`` and ``detail``: ``reply_code`` (the server's last reply
    code, 0 when none came), ``server_reply`` (its text), ``enhanced_status_code`` (e.g.
    ``"5.7.1"``), ``transient`` (worth retrying later), ``outcome_unknown`` (the connection
    broke after the message was handed over: it may have been delivered), and ``result`` (the
    `SendResult`, or for a collection ``results``, one per message)."""

    reply_code: int = 0
    server_reply: str = ""
    enhanced_status_code: str = ""
    transient: bool = False
    outcome_unknown: bool = False
    result: Optional["SendResult"] = None
    results: Optional[List["SendResult"]] = None


class SmtpFailedRecipientException(SmtpException):
    """One refused recipient: ``failed_recipient``, with the server's ``reply_code`` and
    ``server_reply`` for it."""

    failed_recipient: str = ""


class SmtpFailedRecipientsException(SmtpFailedRecipientException):
    """The server refused some (SOME_RECIPIENTS_REJECTED: the others got the message) or all
    (ALL_RECIPIENTS_REJECTED) recipients. ``inner_exceptions`` / ``failed_recipients`` hold
    one `SmtpFailedRecipientException` per refused recipient; ``delivered`` says whether anyone
    got the message."""

    inner_exceptions: List[SmtpFailedRecipientException] = []
    delivered: bool = False

    @property
    def failed_recipients(self) -> List[SmtpFailedRecipientException]:
        return self.inner_exceptions


_VALUE_CODES = {Result.NULL_ARGUMENT, Result.INVALID_ARGUMENT, Result.INVALID_UTF8,
                Result.INVALID_ADDRESS, Result.INVALID_HEADER, Result.NO_SENDER,
                Result.NO_RECIPIENTS, Result.MALFORMED_EML, Result.TRUNCATED_EML,
                Result.MESSAGE_TOO_COMPLEX, Result.UNKNOWN_TIME_ZONE,
                Result.INCOMPLETE_APPOINTMENT, Result.INDEX_OUT_OF_RANGE,
                Result.DKIM_KEY_INVALID, Result.DKIM_SIGNER_INVALID,
                Result.LIST_UNSUBSCRIBE_INVALID, Result.QUEUE_URL_INVALID}


def error_for(code: int, detail: str, path: Optional[str] = None, smtp: bool = False,
              **extra: Any) -> BaseException:
    """The Python exception for a failed call: FileNotFoundError/PermissionError/OSError for
    file problems, a ValueError for bad input, SmtpException for delivery."""
    code = int(code)
    if code == Result.FILE_NOT_FOUND:
        return FileNotFoundError(errno.ENOENT, detail or "file not found", path)
    if code == Result.PERMISSION_DENIED:
        return PermissionError(errno.EACCES, detail or "permission denied", path)
    if code in _VALUE_CODES:
        return MissiveValueError(code, detail, **extra)
    if code in (Result.ALL_RECIPIENTS_REJECTED, Result.SOME_RECIPIENTS_REJECTED):
        return SmtpFailedRecipientsException(code, detail, **extra)
    if code == Result.IO and not smtp:
        return OSError(errno.EIO, detail, path)
    if smtp or code >= 100:
        return SmtpException(code, detail, **extra)
    return MissiveError(code, detail, **extra)


def check(code: int, error_fn: Callable[..., int], handle: Any, path: Optional[str] = None) -> None:
    """Raises the exception for ``code`` with the handle's stored detail unless it is OK."""
    if code == Result.OK:
        return
    detail = read_text(error_fn, handle) or ""
    raise error_for(code, detail, path)
