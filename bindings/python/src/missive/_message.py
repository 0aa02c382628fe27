"""The mail model: MailMessage and what it holds, over the library's `missive_message`."""
from __future__ import annotations

import ctypes
import datetime as _dt
import enum
import os
from email.utils import parseaddr
from typing import (IO, Any, Iterable, Iterator, List, Optional, Union,
                    overload)

from ._errors import MissiveValueError, check, read_out, read_text
from ._handle import Handle
from ._native import (DsnNotify, DsnRet, PartField, PartKind, Priority, RecipientKind, Result,
                      lib)

PathLike = Union[str, "os.PathLike[str]"]
_SPECIALS = set('()<>[]:;@\\,."')


def _b(text: Optional[str]) -> bytes:
    return b"" if text is None else text.encode("utf-8")


def _is_path(x: Any) -> bool:
    return isinstance(x, (str, os.PathLike))


class MailAddress:
    """An address with an optional display name: ``MailAddress("a@b.example", "Ann")``.

    ``address`` is the mailbox (``user``@``host``), ``display_name`` the name shown. A single
    string ``"Ann <a@b.example>"`` is parsed as well. ``str()`` gives ``Ann <a@b.example>``
    (the name quoted when it needs to be)."""

    def __init__(self, address: str, display_name: Optional[str] = None) -> None:
        if not isinstance(address, str):
            raise TypeError("MailAddress: address must be a str, not %s" % type(address).__name__)
        if display_name is None and "<" in address:
            name, addr = parseaddr(address)
            if not addr:
                raise MissiveValueError(Result.INVALID_ADDRESS,
                                        "not an address: %r" % address)
            address, display_name = addr, name
        self.address = address.strip()
        self.display_name = display_name or ""

    @property
    def user(self) -> str:
        return self.address.rpartition("@")[0]

    @property
    def host(self) -> str:
        return self.address.rpartition("@")[2]

    def __str__(self) -> str:
        if not self.display_name:
            return self.address
        name = self.display_name
        if any(c in _SPECIALS for c in name):
            name = '"%s"' % name.replace("\\", "\\\\").replace('"', '\\"')
        return "%s <%s>" % (name, self.address)

    def __repr__(self) -> str:
        return "MailAddress(%r, %r)" % (self.address, self.display_name)

    def __eq__(self, other: object) -> bool:
        if isinstance(other, str):
            try:
                other = MailAddress._from_formatted(other)
            except ValueError:
                return False
        if not isinstance(other, MailAddress):
            return NotImplemented
        return self.address.lower() == other.address.lower()

    def __hash__(self) -> int:
        return hash(self.address.lower())

    @staticmethod
    def _from_formatted(text: str) -> "MailAddress":
        name, addr = parseaddr(text)
        return MailAddress(addr or text, name or None)


AddressLike = Union[MailAddress, str]


def _fmt(addr: AddressLike) -> str:
    if isinstance(addr, MailAddress):
        return str(addr)
    if isinstance(addr, str):
        return addr
    raise TypeError("an address is a str or a MailAddress, not %s" % type(addr).__name__)


class MailAddressCollection:
    """A list of addresses. A message's ``to``, ``cc``, ``bcc`` and ``reply_to_list`` are live
    views of the message (``append`` adds to the message at once; bad addresses raise
    ValueError naming the address); ``MailAddressCollection()`` on its own is a plain list."""

    def __init__(self, items: Iterable[AddressLike] = (), *, _message: Optional["MailMessage"] = None,
                 _kind: int = 0) -> None:
        self._message = _message
        self._kind = _kind
        self._items: List[MailAddress] = []
        for a in items:
            self.append(a)

    def _list(self) -> List[MailAddress]:
        m = self._message
        if m is None:
            return list(self._items)
        with m._h.lock.read():
            n = lib.missive_message_recipient_count(m._h.ptr, self._kind)
            out = []
            for i in range(n):
                text = read_text(lib.missive_message_recipient, m._h.ptr, self._kind, i)
                if text is not None:
                    out.append(MailAddress._from_formatted(text))
        return out

    def append(self, address: AddressLike) -> None:
        """Adds one address (a MailAddress, or a string: one address or a comma-separated
        list)."""
        m = self._message
        if m is None:
            if isinstance(address, str):
                self._items.extend(MailAddress._from_formatted(a) for a in _split(address))
            else:
                self._items.append(address)
            return
        m._add_recipients(self._kind, _fmt(address))

    add = append

    def extend(self, addresses: Iterable[AddressLike]) -> None:
        for a in addresses:
            self.append(a)

    def clear(self) -> None:
        m = self._message
        if m is None:
            self._items.clear()
            return
        with m._h.lock.write():
            check(lib.missive_message_clear_recipients(m._h.ptr, self._kind),
                  lib.missive_message_error, m._h.ptr)

    def remove(self, address: AddressLike) -> None:
        """Removes the first address equal to ``address`` (ValueError when absent)."""
        items = self._list()
        target = address if isinstance(address, MailAddress) else MailAddress(address)
        items.remove(target)
        self.clear()
        self.extend(items)

    def __iter__(self) -> Iterator[MailAddress]:
        return iter(self._list())

    def __len__(self) -> int:
        m = self._message
        if m is None:
            return len(self._items)
        with m._h.lock.read():
            return int(lib.missive_message_recipient_count(m._h.ptr, self._kind))

    def __getitem__(self, i: int) -> MailAddress:
        return self._list()[i]

    def __contains__(self, address: object) -> bool:
        return any(a == address for a in self._list())

    def __str__(self) -> str:
        return ", ".join(str(a) for a in self._list())

    def __repr__(self) -> str:
        return "MailAddressCollection(%r)" % self._list()


def _split(text: str) -> List[str]:
    """Splits a comma-separated address list, keeping commas inside quotes."""
    out: List[str] = []
    cur: List[str] = []
    quoted, angle = False, 0
    for ch in text:
        if ch == '"':
            quoted = not quoted
        elif ch == "<" and not quoted:
            angle += 1
        elif ch == ">" and not quoted:
            angle -= 1
        if ch == "," and not quoted and angle <= 0:
            out.append("".join(cur).strip())
            cur = []
        else:
            cur.append(ch)
    if "".join(cur).strip():
        out.append("".join(cur).strip())
    return [a for a in out if a]


class MailPriority(enum.IntEnum):
    """The message's priority (X-Priority / Importance)."""
    NORMAL = Priority.NORMAL
    LOW = Priority.LOW
    HIGH = Priority.HIGH


class DeliveryNotificationOptions(enum.IntFlag):
    """When the server should send delivery-status notifications (DSN)."""
    NONE = 0
    ON_SUCCESS = DsnNotify.SUCCESS
    ON_FAILURE = DsnNotify.FAILURE
    DELAY = DsnNotify.DELAY
    NEVER = DsnNotify.NEVER


class ContentType:
    """A media type with parameters: ``ContentType("text/html; charset=utf-8")``;
    ``media_type``, ``char_set``, ``name``, ``parameters``."""

    def __init__(self, content_type: str = "application/octet-stream") -> None:
        parts = [p.strip() for p in content_type.split(";")]
        self.media_type = parts[0].lower() or "application/octet-stream"
        self.parameters = {}
        for p in parts[1:]:
            if "=" in p:
                k, v = p.split("=", 1)
                self.parameters[k.strip().lower()] = v.strip().strip('"')

    @property
    def char_set(self) -> Optional[str]:
        return self.parameters.get("charset")

    @char_set.setter
    def char_set(self, value: Optional[str]) -> None:
        if value is None:
            self.parameters.pop("charset", None)
        else:
            self.parameters["charset"] = value

    @property
    def name(self) -> Optional[str]:
        return self.parameters.get("name")

    @name.setter
    def name(self, value: Optional[str]) -> None:
        if value is None:
            self.parameters.pop("name", None)
        else:
            self.parameters["name"] = value

    def _without_charset(self) -> str:
        return "; ".join([self.media_type] + ["%s=%s" % (k, v) for k, v in self.parameters.items()
                                              if k != "charset"])

    def __str__(self) -> str:
        return "; ".join([self.media_type] + ["%s=%s" % kv for kv in self.parameters.items()])

    def __repr__(self) -> str:
        return "ContentType(%r)" % str(self)


def _content_type(ct: Union[str, ContentType, None], default: str) -> ContentType:
    if ct is None:
        return ContentType(default)
    if isinstance(ct, ContentType):
        return ct
    return ContentType(ct)


def _read_source(source: Union[bytes, bytearray, memoryview, IO[bytes], IO[str]]) -> bytes:
    if isinstance(source, (bytes, bytearray, memoryview)):
        return bytes(source)
    data = source.read()
    return data.encode("utf-8") if isinstance(data, str) else bytes(data)


class AlternateView:
    """Another form of the body (plain text beside HTML, an iCalendar request, ...).

    ``AlternateView.create_alternate_view_from_string(text, content_type)`` makes one from a
    string (``text/plain`` when no type is given); ``AlternateView(data_or_stream_or_path,
    content_type)`` from bytes, a binary stream or a file. Add it with
    ``message.alternate_views.append(view)`` or ``message.add_alternate_view(view)``."""

    def __init__(self, content: Union[bytes, IO[bytes], PathLike, None] = None,
                 content_type: Union[str, ContentType, None] = None) -> None:
        if content is None:
            data = b""
        elif _is_path(content):
            with open(os.fspath(content), "rb") as f:  # type: ignore[arg-type]
                data = f.read()
        else:
            data = _read_source(content)  # type: ignore[arg-type]
        self.content_type = _content_type(content_type, "application/octet-stream")
        self.content = data
        self.linked_resources: List["LinkedResource"] = []
        self._appointment: Optional[Any] = None
        self._method: int = 0

    @classmethod
    def create_alternate_view_from_string(cls, content: str,
                                          content_type: Union[str, ContentType, None] = None
                                          ) -> "AlternateView":
        """A view holding ``content`` (a str), ``text/plain`` unless ``content_type`` says
        otherwise; its charset is the one the type names, else UTF-8."""
        ct = _content_type(content_type, "text/plain")
        if ct.char_set is None and ct.media_type.startswith("text/"):
            ct.char_set = "utf-8"
        view = cls(None, ct)
        view.content = content.encode(ct.char_set or "utf-8")
        return view

    from_string = create_alternate_view_from_string

    @property
    def media_type(self) -> str:
        return self.content_type.media_type

    @property
    def text(self) -> str:
        return self.content.decode(self.content_type.char_set or "utf-8", "replace")

    def __repr__(self) -> str:
        return "<AlternateView %s, %d bytes>" % (self.content_type, len(self.content))


class Attachment:
    """A file carried by the message.

    ``Attachment(path)`` or ``Attachment(path, content_type)`` reads a file
    (FileNotFoundError when it is missing); ``Attachment(stream_or_bytes, name)`` or
    ``Attachment(stream_or_bytes, name, content_type)`` takes the content from memory. The
    media type is guessed from the name when not given."""

    def __init__(self, content: Union[bytes, IO[bytes], PathLike],
                 name: Optional[str] = None,
                 content_type: Union[str, ContentType, None] = None) -> None:
        self._path: Optional[str] = None
        if _is_path(content):
            path = os.fspath(content)  # type: ignore[arg-type]
            if not os.path.isfile(path):
                raise FileNotFoundError(2, "attachment file not found", path)
            self._path = path
            if name is not None and "/" in name and content_type is None:
                # Attachment(path, "text/plain"): the seed's (file, media type) form.
                content_type, name = name, None
            self.name = name or os.path.basename(path)
            self._data: Optional[bytes] = None
        else:
            if not name:
                raise ValueError("Attachment from memory needs a name")
            self.name = name
            self._data = _read_source(content)  # type: ignore[arg-type]
        self.content_type = _content_type(content_type, "") if content_type else None

    @property
    def content(self) -> bytes:
        if self._data is None and self._path is not None:
            with open(self._path, "rb") as f:
                return f.read()
        return self._data or b""

    def __repr__(self) -> str:
        return "<Attachment %r %s>" % (self.name, self.content_type or "")


class LinkedResource:
    """An inline resource (an image the HTML body shows as ``<img src="cid:ID">``):
    ``LinkedResource(path_or_bytes_or_stream, content_type)``, with ``content_id`` (set it to
    the ID the HTML uses) and an optional ``name``."""

    def __init__(self, content: Union[bytes, IO[bytes], PathLike],
                 content_type: Union[str, ContentType, None] = None,
                 content_id: Optional[str] = None, name: Optional[str] = None) -> None:
        if _is_path(content):
            path = os.fspath(content)  # type: ignore[arg-type]
            with open(path, "rb") as f:
                self.content = f.read()
            name = name or os.path.basename(path)
        else:
            self.content = _read_source(content)  # type: ignore[arg-type]
        self.content_type = _content_type(content_type, "") if content_type else None
        self.name = name
        import uuid
        self.content_id = content_id or uuid.uuid4().hex

    def __repr__(self) -> str:
        return "<LinkedResource cid:%s %s>" % (self.content_id, self.content_type or "")


class _PartCollection:
    """A live view of one kind of part of a message."""

    _kind: int

    def __init__(self, message: "MailMessage") -> None:
        self._m = message

    def __len__(self) -> int:
        with self._m._h.lock.read():
            return int(lib.missive_message_part_count(self._m._h.ptr, self._kind))

    def _field(self, i: int, which: int, text: bool = True) -> Optional[Any]:
        data = read_out(lib.missive_message_part_field, self._m._h.ptr, self._kind, i, which,
                        nul=text)
        if data is None:
            return None
        return data.decode("utf-8", "replace") if text else data

    def __iter__(self) -> Iterator[Any]:
        return iter([self[i] for i in range(len(self))])

    def __getitem__(self, i: int) -> Any:
        n = len(self)
        if i < 0:
            i += n
        if not 0 <= i < n:
            raise IndexError("part index out of range")
        with self._m._h.lock.read():
            return self._make(i)

    def _make(self, i: int) -> Any:  # pragma: no cover - overridden
        raise NotImplementedError


class AlternateViewCollection(_PartCollection):
    """``message.alternate_views``: append AlternateView objects; iterate to read them back."""
    _kind = PartKind.ALTERNATE_VIEW

    def append(self, view: AlternateView) -> None:
        self._m.add_alternate_view(view)

    add = append

    def _make(self, i: int) -> AlternateView:
        ct = ContentType(self._field(i, PartField.CONTENT_TYPE) or "application/octet-stream")
        cs = self._field(i, PartField.CHARSET)
        if cs:
            ct.char_set = cs
        view = AlternateView(None, ct)
        view.content = self._field(i, PartField.CONTENT, text=False) or b""
        return view


class AttachmentCollection(_PartCollection):
    """``message.attachments``: append Attachment objects; iterate to read them back."""
    _kind = PartKind.ATTACHMENT

    def append(self, attachment: Attachment) -> None:
        self._m.add_attachment(attachment)

    add = append

    def _make(self, i: int) -> Attachment:
        name = self._field(i, PartField.NAME) or "attachment-%d" % (i + 1)
        data = self._field(i, PartField.CONTENT, text=False) or b""
        return Attachment(data, name, self._field(i, PartField.CONTENT_TYPE))


class LinkedResourceCollection(_PartCollection):
    """``message.linked_resources`` (also on an AlternateView): inline resources."""
    _kind = PartKind.INLINE_RESOURCE

    def append(self, resource: LinkedResource) -> None:
        self._m.add_linked_resource(resource)

    add = append

    def _make(self, i: int) -> LinkedResource:
        return LinkedResource(self._field(i, PartField.CONTENT, text=False) or b"",
                              self._field(i, PartField.CONTENT_TYPE),
                              self._field(i, PartField.CONTENT_ID),
                              self._field(i, PartField.NAME))


class HeaderCollection:
    """``message.headers``: custom header fields. ``headers.add(name, value)`` or
    ``headers[name] = value`` adds one; ``headers[name]`` / ``headers.get(name)`` reads the
    first of that name (fields the message sets itself, like Subject, are its properties)."""

    def __init__(self, message: "MailMessage") -> None:
        self._m = message

    def add(self, name: str, value: str) -> None:
        nb, vb = _b(name), _b(value)
        with self._m._h.lock.write():
            check(lib.missive_message_add_header(self._m._h.ptr, nb, len(nb), vb, len(vb)),
                  lib.missive_message_error, self._m._h.ptr)

    append = add
    __setitem__ = add

    def get(self, name: str, default: Optional[str] = None) -> Optional[str]:
        nb = _b(name)
        with self._m._h.lock.read():
            v = read_text(lib.missive_message_header, self._m._h.ptr, nb, len(nb))
        return default if v is None else v

    def __getitem__(self, name: str) -> str:
        v = self.get(name)
        if v is None:
            raise KeyError(name)
        return v

    def __contains__(self, name: object) -> bool:
        return isinstance(name, str) and self.get(name) is not None


class MailMessage:
    """An email message: ``MailMessage()`` or ``MailMessage(from, to, subject, body)``.

    Properties: ``subject``, ``body``, ``html_body``, ``is_body_html``, ``from_address``
    (a str or MailAddress), ``sender``, ``to``/``cc``/``bcc``/``reply_to_list`` (address
    lists), ``headers``, ``priority``, ``date``, ``message_id``, ``alternate_views``,
    ``attachments``, ``linked_resources``, ``use_tnef``. ``MailMessage.load(path_or_file)``
    reads an .eml (kept byte for byte: saved or sent unchanged it is what was loaded);
    ``save(path_or_file)`` writes one.

    Not for concurrent change from several threads (sending it from several threads at once
    is fine); ``close()`` or a ``with`` block frees it early."""

    def __init__(self, from_address: Optional[AddressLike] = None,
                 to: Union[AddressLike, Iterable[AddressLike], None] = None,
                 subject: Optional[str] = None, body: Optional[str] = None,
                 *, _ptr: Optional[int] = None) -> None:
        self._h = Handle(_ptr if _ptr is not None else lib.missive_message_new(),
                         lib.missive_message_free, "message")
        self._priority = MailPriority.NORMAL
        self._dsn = DeliveryNotificationOptions.NONE
        if from_address is not None:
            self.from_address = from_address  # type: ignore[assignment]
        if to is not None:
            if isinstance(to, (str, MailAddress)):
                self.to.append(to)
            else:
                self.to.extend(to)
        if subject is not None:
            self.subject = subject
        if body is not None:
            self.body = body

    # -- handle ------------------------------------------------------------------------------
    def close(self) -> None:
        """Frees the native message now (later use raises ValueError)."""
        self._h.close()

    dispose = close

    def __enter__(self) -> "MailMessage":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    def _check(self, code: int, path: Optional[str] = None) -> None:
        check(code, lib.missive_message_error, self._h.ptr, path)

    def _set_text(self, fn: Any, value: Optional[str]) -> None:
        data = _b(value)
        with self._h.lock.write():
            self._check(fn(self._h.ptr, data, len(data)))

    def _get_text(self, fn: Any) -> str:
        with self._h.lock.read():
            return read_text(fn, self._h.ptr) or ""

    def _add_recipients(self, kind: int, text: str) -> None:
        self._set_text(lambda p, d, n: lib.missive_message_add_recipients(p, kind, d, n), text)

    # -- load / save ------------------------------------------------------------------------
    @classmethod
    def load(cls, source: Union[PathLike, IO[bytes], bytes], strict: bool = False) -> "MailMessage":
        """Reads an .eml from a path, a binary file object or bytes. FileNotFoundError for a
        missing file, ValueError for one that is not a message (with ``strict``, also for
        what lenient loading repairs; see ``load_warnings``)."""
        m = cls()
        with m._h.lock.write():
            if strict:
                m._check(lib.missive_message_set_strict_loading(m._h.ptr, True))
            if _is_path(source):
                path = os.fspath(source)  # type: ignore[arg-type]
                pb = _b(path)
                m._check(lib.missive_message_load_file(m._h.ptr, pb, len(pb)), path)
            else:
                data = _read_source(source)  # type: ignore[arg-type]
                m._check(lib.missive_message_load_bytes(m._h.ptr, data, len(data)))
        return m

    @classmethod
    def from_bytes(cls, data: bytes) -> "MailMessage":
        return cls.load(data)

    @classmethod
    def load_pickup_file(cls, path: PathLike) -> "MailMessage":
        """Reads a file a pickup-directory delivery wrote, with its envelope
        (``envelope_sender``, ``envelope_recipients``)."""
        m = cls()
        p = os.fspath(path)
        pb = _b(p)
        with m._h.lock.write():
            m._check(lib.missive_message_load_pickup_file(m._h.ptr, pb, len(pb)), p)
        return m

    @property
    def envelope_sender(self) -> Optional[str]:
        with self._h.lock.read():
            return read_text(lib.missive_message_envelope_sender, self._h.ptr)

    @property
    def envelope_recipients(self) -> List[str]:
        with self._h.lock.read():
            n = lib.missive_message_envelope_recipient_count(self._h.ptr)
            return [read_text(lib.missive_message_envelope_recipient, self._h.ptr, i) or ""
                    for i in range(n)]

    def clear_envelope(self) -> None:
        with self._h.lock.write():
            self._check(lib.missive_message_clear_envelope(self._h.ptr))

    @property
    def load_warnings(self) -> List[str]:
        """What lenient loading repaired, one line each."""
        with self._h.lock.read():
            text = read_text(lib.missive_message_load_warnings, self._h.ptr) or ""
        return [l for l in text.splitlines() if l]

    def to_bytes(self) -> bytes:
        """The message as it would be saved (.eml bytes)."""
        with self._h.lock.read():
            need = ctypes.c_size_t(0)
            self._check(lib.missive_message_save_buffer(self._h.ptr, None, 0, ctypes.byref(need)))
            for _ in range(4):
                buf = ctypes.create_string_buffer(max(need.value, 1))
                rc = lib.missive_message_save_buffer(self._h.ptr, buf, need.value,
                                                     ctypes.byref(need))
                if rc != Result.BUFFER_TOO_SMALL:
                    self._check(rc)
                    return buf.raw[:need.value]
            self._check(rc)
        return b""  # pragma: no cover

    __bytes__ = to_bytes

    def save(self, target: Union[PathLike, IO[bytes]]) -> None:
        """Writes the message as .eml to a path or a binary file object."""
        if _is_path(target):
            path = os.fspath(target)  # type: ignore[arg-type]
            pb = _b(path)
            with self._h.lock.read():
                self._check(lib.missive_message_save_file(self._h.ptr, pb, len(pb)), path)
        else:
            target.write(self.to_bytes())  # type: ignore[union-attr]

    def clone(self) -> "MailMessage":
        """An independent copy."""
        with self._h.lock.read():
            p = lib.missive_message_clone(self._h.ptr)
        m = MailMessage(_ptr=p)
        m._priority = self._priority
        return m

    __copy__ = clone

    def __deepcopy__(self, memo: Any) -> "MailMessage":
        return self.clone()

    # -- fields -----------------------------------------------------------------------------
    @property
    def subject(self) -> str:
        return self._get_text(lib.missive_message_subject)

    @subject.setter
    def subject(self, value: str) -> None:
        self._set_text(lib.missive_message_set_subject, value)

    @property
    def body(self) -> str:
        """The plain-text body."""
        return self._get_text(lib.missive_message_body)

    @body.setter
    def body(self, value: str) -> None:
        self._set_text(lib.missive_message_set_body, value)

    @property
    def html_body(self) -> str:
        return self._get_text(lib.missive_message_html_body)

    @html_body.setter
    def html_body(self, value: str) -> None:
        self._set_text(lib.missive_message_set_html_body, value)

    @property
    def is_body_html(self) -> bool:
        with self._h.lock.read():
            return bool(lib.missive_message_is_body_html(self._h.ptr))

    @is_body_html.setter
    def is_body_html(self, value: bool) -> None:
        with self._h.lock.write():
            self._check(lib.missive_message_set_is_body_html(self._h.ptr, bool(value)))

    @property
    def from_address(self) -> Optional[MailAddress]:
        """The From address (set it from a str or a MailAddress)."""
        text = self._get_text(lib.missive_message_from)
        return MailAddress._from_formatted(text) if text else None

    @from_address.setter
    def from_address(self, value: AddressLike) -> None:
        self._set_text(lib.missive_message_set_from, _fmt(value))

    from_ = from_address

    @property
    def sender(self) -> None:
        raise AttributeError("MailMessage.sender is write-only")

    @sender.setter
    def sender(self, value: AddressLike) -> None:
        self._set_text(lib.missive_message_set_sender, _fmt(value))

    @property
    def to(self) -> MailAddressCollection:
        return MailAddressCollection(_message=self, _kind=RecipientKind.TO)

    @to.setter
    def to(self, value: Union[AddressLike, Iterable[AddressLike]]) -> None:
        self._replace(RecipientKind.TO, value)

    @property
    def cc(self) -> MailAddressCollection:
        return MailAddressCollection(_message=self, _kind=RecipientKind.CC)

    @cc.setter
    def cc(self, value: Union[AddressLike, Iterable[AddressLike]]) -> None:
        self._replace(RecipientKind.CC, value)

    @property
    def bcc(self) -> MailAddressCollection:
        return MailAddressCollection(_message=self, _kind=RecipientKind.BCC)

    @bcc.setter
    def bcc(self, value: Union[AddressLike, Iterable[AddressLike]]) -> None:
        self._replace(RecipientKind.BCC, value)

    @property
    def reply_to_list(self) -> MailAddressCollection:
        return MailAddressCollection(_message=self, _kind=RecipientKind.REPLY_TO)

    @reply_to_list.setter
    def reply_to_list(self, value: Union[AddressLike, Iterable[AddressLike]]) -> None:
        self._replace(RecipientKind.REPLY_TO, value)

    def _replace(self, kind: int, value: Union[AddressLike, Iterable[AddressLike]]) -> None:
        items = [value] if isinstance(value, (str, MailAddress)) else list(value)
        view = MailAddressCollection(_message=self, _kind=kind)
        if isinstance(value, MailAddressCollection) and value._message is self and value._kind == kind:
            return
        view.clear()
        view.extend(items)

    @property
    def headers(self) -> HeaderCollection:
        return HeaderCollection(self)

    def set_list_unsubscribe(self, url: Optional[str] = None, mailto: Optional[str] = None,
                             one_click: bool = True) -> None:
        """Sets ``List-Unsubscribe`` (RFC 2369) from an http(s) URL and/or a mailto address;
        with ``one_click`` also ``List-Unsubscribe-Post: List-Unsubscribe=One-Click``
        (RFC 8058, which needs an https URL). Signed when the client has a DKIM signer.
        Raises ValueError naming the problem."""
        u, m = _b(url), _b(mailto)
        with self._h.lock.write():
            self._check(lib.missive_message_set_list_unsubscribe(self._h.ptr, u or None, len(u),
                                                                 m or None, len(m),
                                                                 bool(one_click)))

    @property
    def priority(self) -> MailPriority:
        return self._priority

    @priority.setter
    def priority(self, value: MailPriority) -> None:
        with self._h.lock.write():
            self._check(lib.missive_message_set_priority(self._h.ptr, int(value)))
        self._priority = MailPriority(value)

    @property
    def date(self) -> None:
        raise AttributeError("MailMessage.date is write-only (read the Date header of the "
                             "saved message)")

    @date.setter
    def date(self, value: _dt.datetime) -> None:
        if value.tzinfo is None:
            value = value.astimezone()  # naive: the machine's local time
        off = value.utcoffset() or _dt.timedelta(0)
        with self._h.lock.write():
            self._check(lib.missive_message_set_date(self._h.ptr, int(value.timestamp()),
                                                     int(off.total_seconds() // 60)))

    @property
    def message_id(self) -> str:
        return self._get_text(lib.missive_message_message_id)

    @message_id.setter
    def message_id(self, value: str) -> None:
        self._set_text(lib.missive_message_set_message_id, value)

    @property
    def use_tnef(self) -> bool:
        """Send this message as TNEF (winmail.dat), whatever the client says."""
        with self._h.lock.read():
            return bool(lib.missive_message_use_tnef(self._h.ptr))

    @use_tnef.setter
    def use_tnef(self, value: bool) -> None:
        with self._h.lock.write():
            self._check(lib.missive_message_set_use_tnef(self._h.ptr, bool(value)))

    @property
    def needs_smtputf8(self) -> bool:
        with self._h.lock.read():
            return bool(lib.missive_message_needs_smtputf8(self._h.ptr))

    @property
    def delivery_notification_options(self) -> DeliveryNotificationOptions:
        return self._dsn

    @delivery_notification_options.setter
    def delivery_notification_options(self, value: DeliveryNotificationOptions) -> None:
        self.set_delivery_notification(value)

    def set_delivery_notification(self, notify: DeliveryNotificationOptions,
                                  return_full: Optional[bool] = None,
                                  envelope_id: Optional[str] = None) -> None:
        """DSN options: ``notify`` flags, return the full message or headers only, ENVID."""
        ret = DsnRet.DEFAULT if return_full is None else (DsnRet.FULL if return_full
                                                          else DsnRet.HEADERS)
        eb = _b(envelope_id)
        with self._h.lock.write():
            self._check(lib.missive_message_set_delivery_notification(
                self._h.ptr, int(notify), int(ret), eb, len(eb)))
        self._dsn = DeliveryNotificationOptions(notify)

    # -- parts ------------------------------------------------------------------------------
    @property
    def alternate_views(self) -> AlternateViewCollection:
        return AlternateViewCollection(self)

    @property
    def attachments(self) -> AttachmentCollection:
        return AttachmentCollection(self)

    @property
    def linked_resources(self) -> LinkedResourceCollection:
        return LinkedResourceCollection(self)

    def add_alternate_view(self, view: AlternateView) -> None:
        """Adds an alternate view (an appointment's ``request_apointment()`` view becomes the
        message's meeting request, with its text/calendar part)."""
        if not isinstance(view, AlternateView):
            raise TypeError("add_alternate_view takes an AlternateView")
        if view._appointment is not None:
            appt = view._appointment
            with self._h.lock.write(), appt._h.lock.read():
                self._check(lib.missive_message_add_appointment(self._h.ptr, appt._h.ptr,
                                                                view._method, False))
            return
        ct = view.content_type
        tb = _b(ct._without_charset())
        cb = _b(ct.char_set)
        with self._h.lock.write():
            self._check(lib.missive_message_add_alternate_view(self._h.ptr, tb, len(tb), cb,
                                                               len(cb), view.content,
                                                               len(view.content)))
        for r in view.linked_resources:
            self.add_linked_resource(r)

    def add_attachment(self, attachment: Attachment) -> None:
        ct = _b(str(attachment.content_type)) if attachment.content_type else b""
        nb = _b(attachment.name)
        with self._h.lock.write():
            if attachment._path is not None:
                pb = _b(attachment._path)
                self._check(lib.missive_message_add_attachment_file(
                    self._h.ptr, pb, len(pb), nb, len(nb), ct, len(ct)), attachment._path)
            else:
                data = attachment._data or b""
                self._check(lib.missive_message_add_attachment(
                    self._h.ptr, nb, len(nb), ct, len(ct), data, len(data)))

    def add_linked_resource(self, resource: LinkedResource) -> None:
        ib = _b(resource.content_id)
        nb = _b(resource.name)
        ct = _b(str(resource.content_type)) if resource.content_type else b""
        with self._h.lock.write():
            self._check(lib.missive_message_add_inline_resource(
                self._h.ptr, ib, len(ib), nb, len(nb), ct, len(ct), resource.content,
                len(resource.content)))

    def __repr__(self) -> str:
        try:
            return "<MailMessage %r>" % self.subject
        except ValueError:
            return "<MailMessage (closed)>"


class MailMessageCollection:
    """A list of messages to send at once: ``append``, ``len``, iteration, indexing.

    ``client.send(collection)`` sends them all (over several connections with
    ``use_multi_connection``) and gives one result per message."""

    def __init__(self, messages: Iterable[MailMessage] = ()) -> None:
        self._items: List[MailMessage] = list(messages)

    def append(self, message: MailMessage) -> None:
        if not isinstance(message, MailMessage):
            raise TypeError("MailMessageCollection holds MailMessage objects")
        self._items.append(message)

    add = append

    def extend(self, messages: Iterable[MailMessage]) -> None:
        for m in messages:
            self.append(m)

    def __len__(self) -> int:
        return len(self._items)

    def __iter__(self) -> Iterator[MailMessage]:
        return iter(self._items)

    @overload
    def __getitem__(self, i: int) -> MailMessage: ...

    @overload
    def __getitem__(self, i: slice) -> List[MailMessage]: ...

    def __getitem__(self, i):  # type: ignore[no-untyped-def]
        return self._items[i]

    def clear(self) -> None:
        self._items.clear()

    def _native(self) -> Handle:
        """A `missive_message_collection` holding copies of the messages (caller closes it)."""
        h = Handle(lib.missive_message_collection_new(), lib.missive_message_collection_free,
                   "message collection")
        for m in self._items:
            with m._h.lock.read():
                rc = lib.missive_message_collection_add(h.ptr, m._h.ptr)
            if rc != Result.OK:
                detail = read_text(lib.missive_message_collection_error, h.ptr) or ""
                h.close()
                raise MissiveValueError(rc, detail)
        n = lib.missive_message_collection_len(h.ptr)
        if n != len(self._items) or (n and not lib.missive_message_collection_get(h.ptr, n - 1)):
            h.close()
            raise RuntimeError("missive: the native collection holds %d of %d messages"
                               % (n, len(self._items)))
        return h

    def __repr__(self) -> str:
        return "<MailMessageCollection of %d>" % len(self)
