"""Ownership of one native handle, and a readers-writer lock around its use.

ctypes releases the GIL during each foreign call, so two Python threads really can be inside
the library at once. The C ABI allows concurrent read-only calls on a message but no call
alongside one that changes it; the lock keeps to that (sending a message is a read).
"""
from __future__ import annotations

import threading
from typing import Any, Callable, Optional


class RWLock:
    """Many readers or one writer."""

    def __init__(self) -> None:
        self._cond = threading.Condition(threading.Lock())
        self._readers = 0
        self._writer = False

    def read(self) -> "_Guard":
        return _Guard(self._acquire_read, self._release_read)

    def write(self) -> "_Guard":
        return _Guard(self._acquire_write, self._release_write)

    def _acquire_read(self) -> None:
        with self._cond:
            while self._writer:
                self._cond.wait()
            self._readers += 1

    def _release_read(self) -> None:
        with self._cond:
            self._readers -= 1
            if self._readers == 0:
                self._cond.notify_all()

    def _acquire_write(self) -> None:
        with self._cond:
            while self._writer or self._readers:
                self._cond.wait()
            self._writer = True

    def _release_write(self) -> None:
        with self._cond:
            self._writer = False
            self._cond.notify_all()


class _Guard:
    __slots__ = ("_acq", "_rel")

    def __init__(self, acq: Callable[[], None], rel: Callable[[], None]) -> None:
        self._acq, self._rel = acq, rel

    def __enter__(self) -> None:
        self._acq()

    def __exit__(self, *exc: Any) -> None:
        self._rel()


class Handle:
    """Owns a pointer; frees it exactly once (on `close()`, leaving a `with` block, or when
    garbage-collected)."""

    _free: Callable[[Any], None]

    def __init__(self, ptr: Optional[int], free: Callable[[Any], None], what: str) -> None:
        if not ptr:
            raise MemoryError("missive: %s could not be created" % what)
        self._ptr: Optional[int] = ptr
        self._free = free
        self._what = what
        self.lock = RWLock()

    @property
    def ptr(self) -> int:
        p = self._ptr
        if not p:
            raise ValueError("missive: this %s was closed" % self._what)
        return p

    def close(self) -> None:
        with self.lock.write():
            p, self._ptr = self._ptr, None
        if p:
            self._free(p)

    def __del__(self) -> None:
        p = getattr(self, "_ptr", None)
        if p:
            self._ptr = None
            self._free(p)
