"""SmtpClient over the library's `missive_client`: sync sends (the GIL is released while the
library works), asyncio sends on the library's operations, forward, pickup and queue."""
from __future__ import annotations

import asyncio
import ctypes
import enum
import io
import itertools
import os
import threading
import weakref
from dataclasses import dataclass
from typing import IO, Any, Callable, Dict, Iterable, List, Optional, Union, overload

from ._errors import MissiveValueError, check, error_for, read_text
from ._handle import Handle
from ._message import (AddressLike, MailAddress, MailMessage, MailMessageCollection, _b,
                       _fmt, _is_path)
from ._native import (AuthMechanism, DeliveryMethod, DkimAlgorithm, DkimFlags,
                      ForwardMode as _NativeForwardMode,
                      LogDirection, QueueCounts, QueueDrainCounts, Result,
                      Security, TlsVersion, lib, missive_completion_cb, missive_log_cb,
                      missive_progress_cb, missive_read_cb, missive_token_cb,
                      missive_userdata_free_cb)
from ._results import BulkResult, SendResult, bulk_result_from, take_send_result


class SecurityOptions(enum.IntEnum):
    """How the connection is secured: NONE (plain), SSL_EXPLICIT (STARTTLS, required),
    SSL_IMPLICIT (TLS from the first byte, port 465), AUTO (STARTTLS when offered)."""
    NONE = Security.NONE
    SSL_EXPLICIT = Security.SSL_EXPLICIT
    SSL_IMPLICIT = Security.SSL_IMPLICIT
    AUTO = Security.AUTO


class MultiConnectionMode(enum.IntEnum):
    """Whether a collection is sent over several connections at once."""
    ENABLE = 1
    DISABLE = 0


class SmtpDeliveryMethod(enum.IntEnum):
    """NETWORK sends over SMTP; SPECIFIED_PICKUP_DIRECTORY writes .eml files into
    ``pickup_directory_location``. PICKUP_DIRECTORY_FROM_IIS does not exist outside Windows
    and is refused with ValueError."""
    NETWORK = DeliveryMethod.NETWORK
    SPECIFIED_PICKUP_DIRECTORY = DeliveryMethod.PICKUP_DIRECTORY
    PICKUP_DIRECTORY_FROM_IIS = 2


class EncryptionProtocols(enum.IntFlag):
    """TLS versions a client accepts (flags; the values of .NET's SslProtocols). The library
    speaks TLS 1.2 and 1.3 only: the lowest version named sets the minimum, TLS (1.0) and
    TLS11 meaning 1.2; SSL2/SSL3 alone are refused with ValueError."""
    NONE = 0
    SSL2 = 12
    SSL3 = 48
    TLS = 192
    TLS11 = 768
    TLS12 = 3072
    TLS13 = 12288


class ForwardMode(enum.IntEnum):
    """How ``forward`` sends: REDIRECT (new envelope, the bytes unchanged, so signatures
    survive), RESEND (a Resent-* block on top), ATTACH (a new "Fwd:" message carrying the
    original)."""
    REDIRECT = _NativeForwardMode.REDIRECT
    RESEND = _NativeForwardMode.RESEND
    ATTACH = _NativeForwardMode.ATTACH


class SaslMechanism(enum.IntEnum):
    AUTO = AuthMechanism.AUTO
    PLAIN = AuthMechanism.PLAIN
    LOGIN = AuthMechanism.LOGIN
    CRAM_MD5 = AuthMechanism.CRAM_MD5
    XOAUTH2 = AuthMechanism.XOAUTH2


@dataclass
class QueueDrainResult:
    """What ``drain_queue`` did."""
    delivered: int
    deferred: int
    dead_lettered: int
    recovered: int
    remaining: int


@dataclass
class QueueState:
    """The state of the queue directory."""
    queued: int
    due: int
    in_flight: int
    dead_lettered: int
    next_attempt_unix_ms: int


@dataclass
class SendProgress:
    """How far a collection send is (given to ``on_progress``)."""
    done: int
    sent: int
    failed: int
    total: int
    bytes_sent: int
    bytes_total: int


# NULL function pointers (ctypes does not take None for a function-pointer argument).
_NO_FREE = missive_userdata_free_cb()
_NO_COMPLETION = missive_completion_cb()
_NO_LOG = missive_log_cb()
_NO_PROGRESS = missive_progress_cb()
_NO_TOKEN = missive_token_cb()

# ---- callbacks: one module-level trampoline per kind; userdata is a key into _callbacks, ----
# ---- released by the library through userdata_free (so a callback outlives its client) ----
_callbacks: Dict[int, Any] = {}
_keys = itertools.count(1)


def _register(obj: Any) -> int:
    key = next(_keys)
    _callbacks[key] = obj
    return key


@missive_userdata_free_cb
def _userdata_free(userdata: Optional[int]) -> None:
    _callbacks.pop(userdata or 0, None)


@missive_progress_cb
def _progress_trampoline(userdata: Optional[int], progress: Any) -> int:
    fn = _callbacks.get(userdata or 0)
    if fn is None:
        return 0
    try:
        p = progress.contents
        go_on = fn(SendProgress(p.done, p.sent, p.failed, p.total, p.bytes_sent, p.bytes_total))
        return 1 if go_on is False else 0
    except BaseException:  # an exception cannot cross into the library: cancel instead
        return 1


@missive_log_cb
def _log_trampoline(userdata: Optional[int], direction: int, line: Any, length: int) -> None:
    fn = _callbacks.get(userdata or 0)
    if fn is None:
        return
    try:
        text = ctypes.string_at(line, length).decode("utf-8", "replace")
        fn("S" if direction == LogDirection.SENT else "R", text)
    except BaseException:
        pass


@missive_token_cb
def _token_trampoline(userdata: Optional[int], refresh: bool, buf: int, buf_len: int,
                      out_len: Any) -> int:
    fn = _callbacks.get(userdata or 0)
    try:
        if fn is None:
            raise RuntimeError("the token provider is gone")
        if hasattr(fn, "get_access_token"):  # the SDK's ITokenProvider shape
            token = fn.get_access_token(bool(refresh))
            token = getattr(token, "access_token", token)
        else:
            token = fn(bool(refresh))
        data = token.encode("utf-8") if isinstance(token, str) else bytes(token)
        out_len[0] = len(data)
        if len(data) > buf_len:
            return int(Result.BUFFER_TOO_SMALL)
        ctypes.memmove(buf, data, len(data))
        return int(Result.OK)
    except BaseException as e:  # no exception may cross into the library: say why instead
        msg = ("token provider failed: %s" % e).encode("utf-8", "replace")[:buf_len]
        ctypes.memmove(buf, msg, len(msg))
        out_len[0] = len(msg)
        return int(Result.TOKEN_PROVIDER_FAILED)


@missive_completion_cb
def _completion_trampoline(userdata: Optional[int], code: int, result: Optional[int]) -> None:
    # Runs on a library worker thread, with the GIL. The result is borrowed for this call:
    # copy it, then hand it to the event loop's thread.
    entry = _callbacks.pop(userdata or 0, None)
    if entry is None:
        return
    loop, fut, single = entry
    try:
        outcome: Any = bulk_result_from(result) if result else BulkResult(code, [])
    except BaseException as e:  # pragma: no cover - copying failed
        outcome = e
    try:
        loop.call_soon_threadsafe(_resolve, fut, int(code), outcome, single)
    except RuntimeError:
        pass  # the loop is closed: nobody is waiting any more


def _resolve(fut: "asyncio.Future[Any]", code: int, outcome: Any, single: bool) -> None:
    if fut.done():
        return
    if isinstance(outcome, BaseException):
        fut.set_exception(outcome)
        return
    if single:
        r = outcome[0] if len(outcome) else SendResult(code=code, error=outcome.error)
        exc = r.exception()
        fut.set_exception(exc) if exc is not None else fut.set_result(r)
    else:
        exc = outcome.exception()
        fut.set_exception(exc) if exc is not None else fut.set_result(outcome)


class _Reader:
    """Feeds a Python binary stream to `missive_client_forward_stream`."""

    def __init__(self, stream: IO[bytes]) -> None:
        self.stream = stream
        self.error: Optional[BaseException] = None

    def read(self, buf: int, size: int) -> int:
        try:
            data = self.stream.read(size)
            if isinstance(data, str):
                data = data.encode("utf-8")
            if not data:
                return 0
            n = len(data)
            ctypes.memmove(buf, data, n)
            return n
        except BaseException as e:
            self.error = e
            return -1


@missive_read_cb
def _read_trampoline(userdata: Optional[int], buf: int, size: int) -> int:
    reader = _callbacks.get(userdata or 0)
    return -1 if reader is None else reader.read(buf, size)


class _InstanceSettings(type):
    """Refuses settings assigned on the class itself (``SmtpClient.host = ...``, as one block
    of the seed's page does): that would silently replace the property for every client."""

    def __setattr__(cls, name: str, value: Any) -> None:
        if isinstance(getattr(cls, name, None), property):
            raise TypeError("%s is a setting of a client, not of the class: make one first, "
                            "client = %s(), then client.%s = ..." % (name, cls.__name__, name))
        super().__setattr__(name, value)


class SmtpClient(metaclass=_InstanceSettings):
    """Sends messages over SMTP (or into a pickup directory, or a queue directory).

    Constructors as in the SDK: ``SmtpClient()``, ``SmtpClient(host)``,
    ``SmtpClient(host, port)``, ``SmtpClient(host, username, password)``,
    ``SmtpClient(host, port, username, password[, security_options])``, plus
    ``SmtpClient(host, port, security_options)`` and keyword arguments.

    One client may be shared by many threads: each concurrent send uses its own connection
    (opened when needed, kept for the next send) and the GIL is released while the library
    works. ``await client.send_async(...)`` sends on asyncio. Use it as a context manager (or
    call ``dispose()``) to close its connections and free it."""

    def __init__(self, host: Optional[str] = None, *args: Any, port: Optional[int] = None,
                 username: Optional[str] = None, password: Optional[str] = None,
                 security_options: Optional[SecurityOptions] = None) -> None:
        self._h = Handle(lib.missive_client_new(), lib.missive_client_free, "client")
        self._forward_lock = threading.Lock()
        self._host: Optional[str] = None
        self._port: Optional[int] = None
        self._username: Optional[str] = None
        self._password: Optional[str] = None
        self._security = SecurityOptions.AUTO
        self._timeout: Optional[int] = None
        self._encryption = EncryptionProtocols.NONE
        self._use_tnef = False
        self._multi = MultiConnectionMode.DISABLE
        self._connections = 4
        self._delivery = SmtpDeliveryMethod.NETWORK
        self._pickup: Optional[str] = None
        self._queue: Optional[str] = None
        self._queue_url: Optional[str] = None
        self._token_provider: Any = None
        self._proxy: Optional[str] = None
        self._max_async = 64
        self._async_gates: "weakref.WeakKeyDictionary[Any, asyncio.Semaphore]" = \
            weakref.WeakKeyDictionary()
        strings: List[str] = []
        for a in args:
            if isinstance(a, SecurityOptions):
                security_options = a
            elif isinstance(a, bool):
                raise TypeError("SmtpClient: a bool argument is not supported (use "
                                "security_options)")
            elif isinstance(a, int) and port is None and not strings:
                port = a
            elif isinstance(a, str) or a is None:
                strings.append(a)  # type: ignore[arg-type]
            else:
                raise TypeError("SmtpClient: unexpected argument %r" % (a,))
        if len(strings) > 2:
            raise TypeError("SmtpClient: too many string arguments (host, username, password)")
        if strings:
            username = strings[0]
        if len(strings) > 1:
            password = strings[1]
        if host is not None:
            self.host = host
        if port is not None:
            self.port = port
        if username is not None:
            self.username = username
        if password is not None:
            self.password = password
        if security_options is not None:
            self.security_options = security_options

    # -- lifetime ---------------------------------------------------------------------------
    def dispose(self) -> None:
        """Closes the kept connections (QUIT) and frees the client."""
        if self._h._ptr:
            self._call(lib.missive_client_close)
        self._h.close()  # waits for calls in progress on other threads

    def __enter__(self) -> "SmtpClient":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.dispose()

    def close_connections(self) -> None:
        """Sends QUIT on the connections kept for reuse (the client stays usable)."""
        self._check(self._call(lib.missive_client_close))

    # -- helpers ----------------------------------------------------------------------------
    def _call(self, fn: Any, *args: Any) -> Any:
        """Calls ``fn(client, *args)``; `dispose()` waits until no call is in progress."""
        with self._h.lock.read():
            return fn(self._h.ptr, *args)

    def _check(self, code: int, path: Optional[str] = None) -> None:
        if code != Result.OK:
            with self._h.lock.read():
                check(code, lib.missive_client_error, self._h.ptr, path)

    def _set_str(self, fn: Any, value: Optional[str]) -> None:
        data = _b(value)
        self._check(self._call(fn, data, len(data)))

    # -- settings ---------------------------------------------------------------------------
    @property
    def host(self) -> Optional[str]:
        return self._host

    @host.setter
    def host(self, value: str) -> None:
        self._set_str(lib.missive_client_set_host, value)
        self._host = value

    @property
    def port(self) -> int:
        """The port; unset, the default for the security option (465 implicit TLS, else 25)."""
        if self._port:
            return self._port
        return 465 if self._security == SecurityOptions.SSL_IMPLICIT else 25

    @port.setter
    def port(self, value: int) -> None:
        if not isinstance(value, int) or not 0 <= value <= 65535:
            raise MissiveValueError(Result.INVALID_ARGUMENT, "port must be 0..65535, not %r"
                                    % (value,))
        self._check(self._call(lib.missive_client_set_port, value))
        self._port = value or None

    @property
    def username(self) -> Optional[str]:
        return self._username

    @username.setter
    def username(self, value: Optional[str]) -> None:
        self._set_str(lib.missive_client_set_username, value)
        self._username = value

    @property
    def password(self) -> Optional[str]:
        return self._password

    @password.setter
    def password(self, value: Optional[str]) -> None:
        self._set_str(lib.missive_client_set_password, value)
        self._password = value

    @property
    def security_options(self) -> SecurityOptions:
        return self._security

    @security_options.setter
    def security_options(self, value: SecurityOptions) -> None:
        self._check(self._call(lib.missive_client_set_security, int(value)))
        self._security = SecurityOptions(value)

    @property
    def timeout(self) -> int:
        """Milliseconds allowed for connecting and for each reply (default: 30 s connect,
        120 s per command)."""
        return self._timeout if self._timeout is not None else 120000

    @timeout.setter
    def timeout(self, ms: int) -> None:
        if ms <= 0:
            raise MissiveValueError(Result.INVALID_ARGUMENT, "timeout must be > 0 ms")
        self._check(self._call(lib.missive_client_set_timeouts, int(ms), int(ms)))
        self._timeout = int(ms)

    def set_timeouts(self, connect_ms: int = 0, command_ms: int = 0, total_ms: int = 0) -> None:
        """Separate limits; 0 keeps a value. ``total_ms`` bounds a whole call."""
        self._check(self._call(lib.missive_client_set_timeouts, connect_ms, command_ms))
        if total_ms:
            self._check(self._call(lib.missive_client_set_total_timeout, total_ms))

    @property
    def supported_encryption(self) -> EncryptionProtocols:
        return self._encryption

    @supported_encryption.setter
    def supported_encryption(self, value: EncryptionProtocols) -> None:
        v = EncryptionProtocols(value)
        if v & (EncryptionProtocols.TLS | EncryptionProtocols.TLS11 | EncryptionProtocols.TLS12) \
                or v == EncryptionProtocols.NONE:
            minimum = TlsVersion.TLS12
        elif v & EncryptionProtocols.TLS13:
            minimum = TlsVersion.TLS13
        else:
            raise MissiveValueError(Result.INVALID_ARGUMENT,
                                    "SSL 2 and SSL 3 are not supported; use TLS12 or TLS13")
        self._check(self._call(lib.missive_client_set_min_tls_version, int(minimum)))
        self._encryption = v

    @property
    def use_tnef(self) -> bool:
        return self._use_tnef

    @use_tnef.setter
    def use_tnef(self, value: bool) -> None:
        self._check(self._call(lib.missive_client_set_use_tnef, bool(value)))
        self._use_tnef = bool(value)

    @property
    def use_multi_connection(self) -> MultiConnectionMode:
        return self._multi

    @use_multi_connection.setter
    def use_multi_connection(self, value: Union[MultiConnectionMode, bool]) -> None:
        on = value == MultiConnectionMode.ENABLE if isinstance(value, MultiConnectionMode) \
            else bool(value)
        self._check(self._call(lib.missive_client_set_multi_connection, on))
        self._multi = MultiConnectionMode.ENABLE if on else MultiConnectionMode.DISABLE

    @property
    def connections_quantity(self) -> int:
        return self._connections

    @connections_quantity.setter
    def connections_quantity(self, value: int) -> None:
        self._check(self._call(lib.missive_client_set_connections, int(value)))
        self._connections = int(value)

    # -- DKIM ---------------------------------------------------------------------------------
    def add_dkim_signer(self, domain: str, selector: str, private_key: Union[bytes, str],
                        algorithm: DkimAlgorithm = DkimAlgorithm.RSA_SHA256,
                        flags: DkimFlags = DkimFlags.DEFAULT) -> None:
        """Signs every message this client delivers with DKIM (RFC 6376; RFC 8463 for Ed25519).

        ``private_key`` is the PEM text (PKCS#8 ``PRIVATE KEY`` for RSA and Ed25519, PKCS#1
        ``RSA PRIVATE KEY`` for RSA). Several signers may be added (e.g. RSA and Ed25519); the
        first added is on top. Raises ValueError for a key of the wrong kind or an invalid
        domain or selector."""
        d, sel = _b(domain), _b(selector)
        key = private_key.encode() if isinstance(private_key, str) else bytes(private_key)
        self._check(self._call(lib.missive_client_add_dkim_signer, d, len(d), sel, len(sel),
                               key, len(key), int(algorithm), int(flags)))

    def add_dkim_signer_file(self, domain: str, selector: str, key_path: Union[str, os.PathLike],
                             algorithm: DkimAlgorithm = DkimAlgorithm.RSA_SHA256,
                             flags: DkimFlags = DkimFlags.DEFAULT) -> None:
        """As `add_dkim_signer`, with the PEM key read from a file (FileNotFoundError when it
        is missing)."""
        path = os.fspath(key_path)
        d, sel, p = _b(domain), _b(selector), _b(path)
        self._check(self._call(lib.missive_client_add_dkim_signer_file, d, len(d), sel,
                               len(sel), p, len(p), int(algorithm), int(flags)), path)

    def clear_dkim_signers(self) -> None:
        """Removes every DKIM signer: messages go out unsigned."""
        self._check(self._call(lib.missive_client_clear_dkim_signers))

    @property
    def dkim_signer_count(self) -> int:
        """How many DKIM signers are set."""
        return int(self._call(lib.missive_client_dkim_signer_count))

    def set_batch_size(self, batch_size: int) -> None:
        """Messages a connection takes from the shared queue at a time (0: automatic)."""
        self._check(self._call(lib.missive_client_set_batch_size, int(batch_size)))

    def set_retry_policy(self, max_attempts: int, retry_unknown: bool = False) -> None:
        """Retries of transient failures within a collection send."""
        self._check(self._call(lib.missive_client_set_retry_policy, int(max_attempts),
                                                        bool(retry_unknown)))

    @property
    def delivery_method(self) -> SmtpDeliveryMethod:
        return self._delivery

    @delivery_method.setter
    def delivery_method(self, value: SmtpDeliveryMethod) -> None:
        if value == SmtpDeliveryMethod.PICKUP_DIRECTORY_FROM_IIS:
            raise MissiveValueError(Result.INVALID_ARGUMENT, "PICKUP_DIRECTORY_FROM_IIS is a "
                                    "Windows IIS feature; use SPECIFIED_PICKUP_DIRECTORY")
        self._check(self._call(lib.missive_client_set_delivery_method, int(value)))
        self._delivery = SmtpDeliveryMethod(value)

    @property
    def pickup_directory_location(self) -> Optional[str]:
        return self._pickup

    @pickup_directory_location.setter
    def pickup_directory_location(self, path: str) -> None:
        path = os.fspath(path)
        self._set_str(lib.missive_client_set_pickup_directory, path)
        self._pickup = path

    def set_url(self, url: str) -> None:
        """Host, port, security and credentials from ``smtp://``, ``smtp+starttls://``,
        ``smtps://`` or ``smtp+plain://`` URLs (``user:password@``, ``?auth=``)."""
        self._set_str(lib.missive_client_set_url, url)

    @property
    def oauth2_token(self) -> None:
        raise AttributeError("oauth2_token is write-only")

    @oauth2_token.setter
    def oauth2_token(self, token: str) -> None:
        """An OAuth 2 access token for XOAUTH2 (with ``username``)."""
        self._set_str(lib.missive_client_set_oauth2_token, token)

    def set_auth_mechanism(self, mechanism: SaslMechanism) -> None:
        self._check(self._call(lib.missive_client_set_auth_mechanism, int(mechanism)))

    def set_client_name(self, name: str) -> None:
        """The name sent in EHLO."""
        self._set_str(lib.missive_client_set_client_name, name)
        self._hello = name

    @property
    def hello_message(self) -> Optional[str]:
        """The name sent in EHLO (the SDK's name for it)."""
        return getattr(self, "_hello", None)

    @hello_message.setter
    def hello_message(self, name: str) -> None:
        self.set_client_name(name)

    @property
    def use_pipelining(self) -> bool:
        return getattr(self, "_pipelining", True)

    @use_pipelining.setter
    def use_pipelining(self, enable: bool) -> None:
        self.set_pipelining(enable)

    @property
    def default_port(self) -> int:
        """The port used when none is set: 465 for SSL_IMPLICIT, else 25."""
        return 465 if self._security == SecurityOptions.SSL_IMPLICIT else 25

    @property
    def access_token(self) -> None:
        raise AttributeError("access_token is write-only")

    @access_token.setter
    def access_token(self, token: str) -> None:
        """An OAuth 2 access token (XOAUTH2), with ``username``."""
        self._set_str(lib.missive_client_set_oauth2_token, token)

    def set_ca_file(self, path: str) -> None:
        """Trust the CA certificates in this PEM file (besides the system's)."""
        self._set_str(lib.missive_client_set_ca_file, os.fspath(path))

    def set_client_certificate(self, cert_path: str, key_path: str) -> None:
        cb, kb = _b(os.fspath(cert_path)), _b(os.fspath(key_path))
        self._check(self._call(lib.missive_client_set_client_certificate, cb, len(cb), kb,
                                                              len(kb)))

    def dangerous_accept_invalid_certs(self, accept: bool = True) -> None:
        """Accept any server certificate. For tests only."""
        self._check(self._call(lib.missive_client_dangerous_accept_invalid_certs, bool(accept)))

    def set_pipelining(self, enable: bool) -> None:
        self._check(self._call(lib.missive_client_set_pipelining, bool(enable)))
        self._pipelining = bool(enable)

    def set_chunking(self, enable: bool) -> None:
        """CHUNKING (RFC 3030: BDAT, with PIPELINING several whole messages in flight) when
        the server offers it (the default), or DATA with one round trip per message (False)."""
        self._check(self._call(lib.missive_client_set_chunking, bool(enable)))

    def set_require_all_recipients(self, require: bool) -> None:
        """With True, a refused recipient aborts the whole message (nobody gets it)."""
        self._check(self._call(lib.missive_client_set_require_all_recipients, bool(require)))

    @property
    def token_provider(self) -> Any:
        """An OAuth 2 token source, asked for a token before AUTH (XOAUTH2 or OAUTHBEARER)
        and once more with ``refresh=True`` when the server refused the token (AUTH is then
        tried once more): a callable ``provider(refresh: bool) -> str``, or an object with
        the SDK's ``get_access_token(ignore_existing_token)``. An exception it raises fails the
        send with TOKEN_PROVIDER_FAILED and its text. Set ``username`` too; None removes it."""
        return self._token_provider

    @token_provider.setter
    def token_provider(self, provider: Any) -> None:
        if provider is None:
            self._check(self._call(lib.missive_client_set_token_provider, _NO_TOKEN, None,
                                   _NO_FREE))
        else:
            key = _register(provider)
            self._check(self._call(lib.missive_client_set_token_provider, _token_trampoline,
                                   key, _userdata_free))
        self._token_provider = provider

    @property
    def proxy(self) -> Optional[str]:
        """A proxy to reach the server through: ``socks5://user:pass@host:port`` (the host
        name resolved by the proxy), ``socks4a://host:port`` or ``http://user:pass@host:port``
        (HTTP CONNECT); TLS runs end to end through it. None or "" removes it."""
        return self._proxy

    @proxy.setter
    def proxy(self, url: Optional[str]) -> None:
        self._set_str(lib.missive_client_set_proxy, url or "")
        self._proxy = url or None

    def set_protocol_log(self, log: Optional[Callable[[str, str], Any]],
                         connection_numbers: bool = False) -> None:
        """Calls ``log(direction, line)`` ("S" sent, "R" received) for every protocol line
        (secrets redacted), on the thread that does the work; None stops it."""
        if log is None:
            self._check(self._call(lib.missive_client_set_protocol_log, _NO_LOG, None,
                                                            _NO_FREE))
            return
        key = _register(log)
        self._check(self._call(lib.missive_client_set_protocol_log, _log_trampoline, key,
                                                        _userdata_free))
        self._check(self._call(lib.missive_client_set_protocol_log_connection_numbers,
                               bool(connection_numbers)))

    def set_progress_callback(self, on_progress: Optional[Callable[[SendProgress], Any]]) -> None:
        """Calls ``on_progress(SendProgress)`` as a collection send goes (on the library's
        threads); returning False cancels the messages not yet started."""
        if on_progress is None:
            self._check(self._call(lib.missive_client_set_progress_callback, _NO_PROGRESS,
                                                                 None, _NO_FREE))
            return
        key = _register(on_progress)
        self._check(self._call(lib.missive_client_set_progress_callback, _progress_trampoline,
                                                             key, _userdata_free))

    # -- queue ------------------------------------------------------------------------------
    @property
    def queue_directory(self) -> Optional[str]:
        """The directory ``send_to_queue`` writes into and ``drain_queue`` sends from."""
        return self._queue

    @queue_directory.setter
    def queue_directory(self, path: str) -> None:
        path = os.fspath(path)
        self._set_str(lib.missive_client_set_queue_directory, path)
        self._queue = path

    @property
    def queue_url(self) -> Optional[str]:
        """The queue as a URL: ``file:///var/spool/app`` (a directory, as ``queue_directory``)
        or ``postgres://user:pass@host:5432/db?schema=missive`` (a PostgreSQL queue that
        drainers in many processes and hosts share; claims are leased, see ``queue_lease``).
        Raises ValueError (QUEUE_URL_INVALID) for a URL that cannot be used."""
        return self._queue_url

    @queue_url.setter
    def queue_url(self, url: str) -> None:
        self._set_str(lib.missive_client_set_queue_url, url)
        self._queue_url = url

    def set_queue_lease(self, lease_ms: int) -> None:
        """How long a drainer of a database queue holds a claimed message (default 30000 ms,
        renewed while it is sent; at least 500)."""
        self._check(self._call(lib.missive_client_set_queue_lease, int(lease_ms)))

    def set_queue_idempotent(self, idempotent: bool = True) -> None:
        """Enqueue at most once per Message-ID."""
        self._check(self._call(lib.missive_client_set_queue_idempotent, bool(idempotent)))

    def set_queue_retry(self, initial_delay_ms: int, max_delay_ms: int, max_attempts: int) -> None:
        self._check(self._call(lib.missive_client_set_queue_retry, initial_delay_ms,
                                                       max_delay_ms, max_attempts))

    smtp_queue_location = queue_directory  # the SDK's name (set in the class body: allowed)

    def send_to_queue(self, messages: Union[MailMessage, MailMessageCollection,
                                            Iterable[MailMessage]]) -> None:
        """Puts a message (or each of a collection) into the queue directory, durably, for
        ``drain_queue`` to send."""
        items = [messages] if isinstance(messages, MailMessage) else list(messages)
        for message in items:
            with message._h.lock.read():
                self._check(self._call(lib.missive_client_send_to_queue, message._h.ptr))

    def drain_queue(self, max_messages: int = 0, time_budget_ms: int = 0) -> QueueDrainResult:
        """Sends what is due in the queue (0 = no limit). When the server cannot be reached (or
        refuses TLS or the credentials; QUEUE_SERVER_UNAVAILABLE) or a database queue cannot be
        (QUEUE_DATABASE_UNAVAILABLE) the drain stops and raises `SmtpException` whose
        ``counts`` (a `QueueDrainResult`) says what it did up to then; the messages stay
        queued."""
        c = QueueDrainCounts()
        rc = self._call(lib.missive_client_drain_queue, max_messages, time_budget_ms,
                                            ctypes.byref(c))
        counts = QueueDrainResult(c.delivered, c.deferred, c.dead_lettered, c.recovered,
                                  c.remaining)
        if rc in (Result.QUEUE_SERVER_UNAVAILABLE, Result.QUEUE_DATABASE_UNAVAILABLE):
            # The drain stopped; the C call wrote its counts (zeros when it wrote none): the
            # exception carries them as ``counts``.
            with self._h.lock.read():
                detail = read_text(lib.missive_client_error, self._h.ptr) or ""
            raise error_for(rc, detail, counts=counts)
        if rc not in (Result.OK, Result.PARTIAL_FAILURE):
            self._check(rc)
        return counts

    def queue_state(self) -> QueueState:
        c = QueueCounts()
        self._check(self._call(lib.missive_client_queue_state, ctypes.byref(c)))
        return QueueState(c.queued, c.due, c.in_flight, c.dead_lettered, c.next_attempt_unix_ms)

    def queue_list(self) -> List[str]:
        """One line per queued message."""
        return (self._fetch(lib.missive_client_queue_list) or "").splitlines()

    def _fetch(self, fn: Any, guess: int = 4096) -> str:
        need = ctypes.c_size_t(0)
        size = guess
        for _ in range(4):
            buf = ctypes.create_string_buffer(size)
            rc = self._call(fn, buf, size, ctypes.byref(need))
            if rc == Result.OK:
                return buf.value.decode("utf-8", "replace")
            if rc != Result.BUFFER_TOO_SMALL:
                self._check(rc)
            size = need.value
        self._check(rc)
        return ""  # pragma: no cover

    # -- server checks ----------------------------------------------------------------------
    def noop(self) -> None:
        """Connects if needed and sends NOOP."""
        self._check(self._call(lib.missive_client_noop))

    def validate_credentials(self) -> bool:
        """True when the server accepts the username and password (False when it refuses
        them; other failures raise)."""
        rc = self._call(lib.missive_client_validate_credentials)
        if rc == Result.AUTH_FAILED:
            return False
        self._check(rc)
        return True

    def get_capabilities(self) -> List[str]:
        """The server's EHLO keywords (``["PIPELINING", "SIZE 10240000", ...]``)."""
        return [l for l in self._fetch(lib.missive_client_capabilities).splitlines() if l]

    # -- sending ----------------------------------------------------------------------------
    def _finish(self, rc: int, out: ctypes.c_void_p) -> SendResult:
        if not out.value:
            self._check(rc)
            return SendResult(code=rc)
        # The exception's text is the send's own detail, from its result (not the client's
        # error text, which a concurrent send on the same client may have replaced).
        result = take_send_result(out, rc)
        exc = result.exception()
        if exc is not None:
            raise exc
        return result

    @overload
    def send(self, message: MailMessage) -> SendResult: ...

    @overload
    def send(self, message: MailMessageCollection) -> BulkResult: ...

    @overload
    def send(self, message: AddressLike, to: Union[AddressLike, Iterable[AddressLike]],
             subject: str, body: str) -> SendResult: ...

    def send(self, message: Any, to: Any = None, subject: Optional[str] = None,
             body: Optional[str] = None) -> Any:
        """Sends a message, a collection, or ``send(from, to, subject, body)``.

        Returns a SendResult (the server's reply and queue id) or, for a collection, a
        BulkResult with one result per message. Raises SmtpException (with the server's reply)
        when the message was not sent, SmtpFailedRecipientsException naming each refused
        recipient, ValueError for a message that cannot be sent as it is (no sender, no
        recipients)."""
        if isinstance(message, MailMessageCollection):
            return self._send_collection(message)
        if not isinstance(message, MailMessage):
            if to is None:
                raise TypeError("send() takes a MailMessage, a MailMessageCollection or "
                                "(from, to, subject, body)")
            with MailMessage(message, to, subject or "", body or "") as m:
                return self.send(m)
        out = ctypes.c_void_p()
        with message._h.lock.read():
            rc = self._call(lib.missive_client_send, message._h.ptr, ctypes.byref(out))
        return self._finish(rc, out)

    def _send_collection(self, collection: MailMessageCollection) -> BulkResult:
        native = collection._native()
        try:
            out = ctypes.c_void_p()
            rc = self._call(lib.missive_client_send_collection, native.ptr, ctypes.byref(out))
        finally:
            native.close()
        if not out.value:
            self._check(rc)
            return BulkResult(rc, [])
        try:
            bulk = bulk_result_from(out.value)
        finally:
            lib.missive_bulk_result_free(out)
        exc = bulk.exception()
        if exc is not None:
            raise exc
        return bulk

    def send_raw(self, mail_from: str, recipients: Union[str, Iterable[str]],
                 data: bytes) -> SendResult:
        """Sends ``data`` (a whole message) as it is, with this envelope."""
        rb = _b(_rcpts(recipients))
        fb = _b(mail_from)
        out = ctypes.c_void_p()
        rc = self._call(lib.missive_client_send_raw, fb, len(fb), rb, len(rb), data, len(data),
                                         ctypes.byref(out))
        return self._finish(rc, out)

    async def send_async(self, message: Union[MailMessage, MailMessageCollection]) -> Any:
        """Sends on asyncio: ``await client.send_async(message)`` gives a SendResult,
        ``await client.send_async(collection)`` a BulkResult (one result per message); the
        same exceptions as ``send``. The library sends on its own threads and completes the
        operation from its callback, resolved on this event loop's thread; the event loop is
        never blocked. Cancelling the awaiting task cancels the native operation (messages
        not yet started are not sent)."""
        loop = asyncio.get_running_loop()
        gate = self._async_gates.get(loop)
        if gate is None:
            gate = self._async_gates[loop] = asyncio.Semaphore(self._max_async)
        async with gate:
            return await self._send_async(loop, message)

    @property
    def max_async_sends(self) -> int:
        """How many ``send_async`` operations run in the library at once (default 64; each
        holds a library thread and an SMTP connection). More wait their turn on the event
        loop, so ``asyncio.gather`` over thousands of messages opens no more connections than
        this."""
        return self._max_async

    @max_async_sends.setter
    def max_async_sends(self, value: int) -> None:
        if value < 1:
            raise MissiveValueError(Result.INVALID_ARGUMENT, "max_async_sends must be >= 1")
        self._max_async = int(value)
        self._async_gates = weakref.WeakKeyDictionary()

    async def _send_async(self, loop: asyncio.AbstractEventLoop,
                          message: Union[MailMessage, MailMessageCollection]) -> Any:
        fut: asyncio.Future[Any] = loop.create_future()
        single = isinstance(message, MailMessage)
        key = _register((loop, fut, single))
        op = ctypes.c_void_p()
        if single:
            with message._h.lock.read():  # type: ignore[union-attr]
                rc = self._call(lib.missive_client_send_async, message._h.ptr,  # type: ignore[union-attr]
                                                   _completion_trampoline, key, _NO_FREE,
                                                   ctypes.byref(op))
        elif isinstance(message, MailMessageCollection):
            native = message._native()
            try:
                rc = self._call(lib.missive_client_send_collection_async, native.ptr,
                                                              _completion_trampoline, key, _NO_FREE,
                                                              ctypes.byref(op))
            finally:
                native.close()
        else:
            _callbacks.pop(key, None)
            raise TypeError("send_async takes a MailMessage or a MailMessageCollection")
        if rc != Result.OK:
            _callbacks.pop(key, None)
            self._check(rc)
        try:
            return await fut
        except asyncio.CancelledError:
            lib.missive_operation_cancel(op)
            raise
        finally:
            lib.missive_operation_free(op)

    def send_in_background(self, message: Union[MailMessage, MailMessageCollection]) -> "Operation":
        """Starts a send and returns at once with an Operation to wait on or cancel (for
        programs without asyncio)."""
        op = ctypes.c_void_p()
        if isinstance(message, MailMessage):
            with message._h.lock.read():
                rc = self._call(lib.missive_client_send_async, message._h.ptr, _NO_COMPLETION,
                                                   None, _NO_FREE, ctypes.byref(op))
        else:
            native = message._native()
            try:
                rc = self._call(lib.missive_client_send_collection_async, native.ptr,
                                                              _NO_COMPLETION, None, _NO_FREE,
                                                              ctypes.byref(op))
            finally:
                native.close()
        self._check(rc)
        return Operation(op.value or 0, isinstance(message, MailMessage))

    # -- forward ----------------------------------------------------------------------------
    def forward(self, sender: AddressLike, recipients: Union[AddressLike, Iterable[AddressLike]],
                message: Union[MailMessage, IO[bytes], str, "os.PathLike[str]"],
                mode: ForwardMode = ForwardMode.REDIRECT) -> SendResult:
        """Forwards to ``recipients`` (a string or a list) and nobody else, with ``sender`` as
        the envelope sender.

        ``message`` is a MailMessage, a path to an .eml file, or a binary file object: files
        are streamed as they are (REDIRECT: memory stays flat whatever their size). ``mode``
        RESEND or ATTACH loads a file first. The original From/To are never rewritten."""
        rb = _b(_rcpts(recipients))
        sb = _b(_fmt(sender) if sender is not None else None)
        out = ctypes.c_void_p()
        if isinstance(message, MailMessage):
            with self._forward_lock, message._h.lock.read():
                self._check(self._call(lib.missive_client_set_forward_sender, sb, len(sb)))
                rc = self._call(lib.missive_client_forward, message._h.ptr, int(mode), rb,
                                                len(rb), ctypes.byref(out))
            return self._finish(rc, out)
        if mode != ForwardMode.REDIRECT:
            with MailMessage.load(message) as loaded:  # type: ignore[arg-type]
                return self.forward(sender, recipients, loaded, mode)
        if _is_path(message):
            path = os.fspath(message)  # type: ignore[arg-type]
            pb = _b(path)
            rc = self._call(lib.missive_client_forward_file, pb, len(pb), sb, len(sb), rb,
                                                 len(rb), ctypes.byref(out))
            if rc in (Result.FILE_NOT_FOUND, Result.PERMISSION_DENIED):
                detail = ""
                if out.value:
                    detail = take_send_result(out, rc).error
                raise error_for(rc, detail or "cannot read the file", path)
            return self._finish(rc, out)
        stream: Any = message
        fd = _seekable_fd(stream)
        if fd is not None:
            # Python's buffered reader may be ahead of its logical position: start there.
            os.lseek(fd, stream.tell(), os.SEEK_SET)
            rc = self._call(lib.missive_client_forward_fd, fd, sb, len(sb), rb, len(rb),
                                               ctypes.byref(out))
            stream.seek(0, os.SEEK_END)
            return self._finish(rc, out)
        reader = _Reader(stream)
        key = _register(reader)
        try:
            size = _remaining(stream)
            rc = self._call(lib.missive_client_forward_stream, _read_trampoline, key, size, sb,
                                                   len(sb), rb, len(rb), ctypes.byref(out))
        finally:
            _callbacks.pop(key, None)
        if reader.error is not None:
            if out.value:
                lib.missive_send_result_free(out)
            raise reader.error
        return self._finish(rc, out)

    def __repr__(self) -> str:
        return "<SmtpClient %s:%d %s>" % (self._host, self.port, self._security.name)


class Operation:
    """A send running in the background (``SmtpClient.send_in_background``)."""

    def __init__(self, ptr: int, single: bool) -> None:
        self._h = Handle(ptr, lib.missive_operation_free, "operation")
        self._single = single

    def wait(self, timeout: Optional[float] = None) -> Any:
        """Waits (seconds; None = no limit) and returns the result like ``send``, raising its
        exceptions; TimeoutError when the time runs out first."""
        ms = -1 if timeout is None else int(timeout * 1000)
        rc = lib.missive_operation_wait(self._h.ptr, ms)
        if rc == Result.PENDING:
            raise TimeoutError("the send has not finished")
        return self.result()

    def cancel(self) -> None:
        lib.missive_operation_cancel(self._h.ptr)

    def done(self) -> bool:
        return bool(lib.missive_operation_is_done(self._h.ptr))

    def result(self) -> Any:
        if not self.done():
            raise RuntimeError("the send has not finished")
        code = lib.missive_operation_result_code(self._h.ptr)
        res = lib.missive_operation_result(self._h.ptr)
        if not res:
            raise error_for(code, read_text(lib.missive_operation_error, self._h.ptr) or "",
                            smtp=True)
        bulk = bulk_result_from(res)
        if self._single:
            r = bulk[0] if len(bulk) else SendResult(code=code)
            exc = r.exception()
        else:
            r, exc = bulk, bulk.exception()  # type: ignore[assignment]
        if exc is not None:
            raise exc
        return r

    def close(self) -> None:
        self._h.close()


def _rcpts(recipients: Union[AddressLike, Iterable[AddressLike]]) -> str:
    if isinstance(recipients, (str, MailAddress)):
        return _fmt(recipients)
    return ", ".join(_fmt(r) for r in recipients)


def _seekable_fd(stream: Any) -> Optional[int]:
    """The descriptor of a binary regular file (read through the library directly), else
    None (the stream is read through Python)."""
    try:
        if "b" not in getattr(stream, "mode", "") or not stream.seekable():
            return None
        return int(stream.fileno())
    except (AttributeError, OSError, ValueError, io.UnsupportedOperation):
        return None


def _remaining(stream: Any) -> int:
    try:
        here = stream.tell()
        end = stream.seek(0, os.SEEK_END)
        stream.seek(here)
        return int(end - here)
    except (AttributeError, OSError, io.UnsupportedOperation):
        return -1
