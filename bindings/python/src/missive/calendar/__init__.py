"""Appointments (iCalendar, RFC 5545 / iTIP) to send as meeting requests:
``missive.calendar.Appointment``."""
from __future__ import annotations

import ctypes
import datetime as _dt
import enum
import os
from typing import Dict, Iterable, List, Optional, Union

from .._errors import check, read_out, read_text
from .._handle import Handle
from .._message import AddressLike, AlternateView, ContentType, MailAddress, _b, _fmt
from .._native import (AppointmentStatus as _Status, AppointmentText, AttendeeRole,
                       CalendarMethod, RecurrenceFrequency, Result, lib)

__all__ = ["Appointment", "AppointmentStatus", "AttendeeRole", "RecurrenceFrequency",
           "AppointmentMethodType"]

DateLike = Union[_dt.datetime, _dt.date]


class AppointmentStatus(enum.IntEnum):
    CONFIRMED = _Status.CONFIRMED
    TENTATIVE = _Status.TENTATIVE
    CANCELLED = _Status.CANCELLED


class AppointmentMethodType(enum.IntEnum):
    """The iTIP method of the calendar a message carries."""
    REQUEST = CalendarMethod.REQUEST
    CANCEL = CalendarMethod.CANCEL


def local_zone_name() -> Optional[str]:
    """The IANA name of this machine's time zone (``TZ``, ``/etc/timezone`` or the target of
    ``/etc/localtime``), or None when it cannot be told."""
    tz = os.environ.get("TZ", "").lstrip(":")
    if tz and "/" in tz and not tz.startswith("/"):
        return tz
    if tz.startswith("/") and "zoneinfo/" in tz:
        return tz.split("zoneinfo/", 1)[1]
    try:
        with open("/etc/timezone", encoding="utf-8") as f:
            name = f.read().strip()
            if name:
                return name
    except OSError:
        pass
    try:
        target = os.path.realpath("/etc/localtime")
        if "zoneinfo/" in target:
            return target.split("zoneinfo/", 1)[1]
    except OSError:
        pass
    return None


def _as_datetime(value: DateLike) -> _dt.datetime:
    if isinstance(value, _dt.datetime):
        return value
    if isinstance(value, _dt.date):
        return _dt.datetime(value.year, value.month, value.day)
    raise TypeError("a start or end is a datetime or a date, not %s" % type(value).__name__)


def _zone_key(tz: object) -> Optional[str]:
    """The IANA name of a tzinfo: zoneinfo's ``key``, pytz's ``zone``."""
    key = getattr(tz, "key", None) or getattr(tz, "zone", None)
    return key if isinstance(key, str) and "/" in key else None


def _fields(d: _dt.datetime) -> "ctypes.Array[ctypes.c_int32]":
    return (ctypes.c_int32 * 6)(d.year, d.month, d.day, d.hour, d.minute, d.second)


class Appointment:
    """A meeting: ``Appointment(location, start, end, organizer, attendees)``.

    ``organizer`` is a MailAddress or a string; ``attendees`` a list of them (or a message's
    ``to``). ``start``/``end`` are datetimes (or dates, meaning midnight): naive ones are this
    machine's local time and are written with its time zone (TZID and VTIMEZONE), aware ones
    with a ``zoneinfo`` zone keep that zone, other aware ones are written in UTC.

    ``summary``, ``description``, ``location``, ``uid``, ``status``, ``reminder_minutes``,
    ``set_recurrence``. ``request_apointment()`` (the SDK's spelling; also
    ``request_appointment()``) gives the alternate view to add with
    ``message.add_alternate_view(...)``: the message becomes a meeting request whose To and Cc
    are attendees too; ``cancel_appointment()`` a cancellation."""

    def __init__(self, location: str, start: DateLike, end: DateLike,
                 organizer: Optional[AddressLike] = None,
                 attendees: Optional[Iterable[AddressLike]] = None) -> None:
        self._h = Handle(lib.missive_appointment_new(), lib.missive_appointment_free,
                         "appointment")
        self._texts: Dict[int, str] = {}
        self.location = location
        self._start = _as_datetime(start)
        self._end = _as_datetime(end)
        self._set_times()
        self._organizer: Optional[MailAddress] = None
        if organizer is not None:
            self.organizer = organizer  # type: ignore[assignment]
        self._attendees: List[MailAddress] = []
        for a in attendees or ():
            self.add_attendee(a)
        self._status = AppointmentStatus.CONFIRMED

    def _check(self, code: int) -> None:
        check(code, lib.missive_appointment_error, self._h.ptr)

    def close(self) -> None:
        self._h.close()

    def __enter__(self) -> "Appointment":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- times ------------------------------------------------------------------------------
    def _set_times(self) -> None:
        s, e = self._start, self._end
        zone: Optional[str] = None
        if s.tzinfo is None and e.tzinfo is None:
            zone = local_zone_name()
            if zone is None:  # no zone name to write: the same instants, in UTC
                s, e = s.astimezone(), e.astimezone()
        elif s.tzinfo is not None and e.tzinfo is not None:
            ks, ke = _zone_key(s.tzinfo), _zone_key(e.tzinfo)
            if ks and ks == ke:
                zone = ks
        else:
            raise ValueError("start and end must both be naive or both be aware")
        with self._h.lock.write():
            if zone is not None:
                zb = _b(zone)
                rc = lib.missive_appointment_set_times_local(self._h.ptr, zb, len(zb),
                                                             _fields(s), _fields(e))
                if rc != Result.UNKNOWN_TIME_ZONE or s.tzinfo is not None:
                    self._check(rc)
                    return
                s, e = s.astimezone(), e.astimezone()  # a local zone the library lacks
            self._check(lib.missive_appointment_set_times_utc(self._h.ptr, int(s.timestamp()),
                                                              int(e.timestamp())))

    @property
    def start_date(self) -> _dt.datetime:
        return self._start

    @start_date.setter
    def start_date(self, value: DateLike) -> None:
        self._start = _as_datetime(value)
        self._set_times()

    @property
    def end_date(self) -> _dt.datetime:
        return self._end

    @end_date.setter
    def end_date(self, value: DateLike) -> None:
        self._end = _as_datetime(value)
        self._set_times()

    def set_all_day(self, day: _dt.date, days: int = 1) -> None:
        """Makes it an all-day event of ``days`` days from ``day``."""
        with self._h.lock.write():
            self._check(lib.missive_appointment_set_all_day(self._h.ptr, day.year, day.month,
                                                            day.day, days))

    # -- texts ------------------------------------------------------------------------------
    def _set_text(self, which: int, value: str) -> None:
        b = _b(value)
        with self._h.lock.write():
            self._check(lib.missive_appointment_set_text(self._h.ptr, which, b, len(b)))
        self._texts[which] = value

    @property
    def summary(self) -> str:
        return self._texts.get(AppointmentText.SUMMARY, "")

    @summary.setter
    def summary(self, value: str) -> None:
        self._set_text(AppointmentText.SUMMARY, value)

    @property
    def description(self) -> str:
        return self._texts.get(AppointmentText.DESCRIPTION, "")

    @description.setter
    def description(self, value: str) -> None:
        self._set_text(AppointmentText.DESCRIPTION, value)

    @property
    def location(self) -> str:
        return self._texts.get(AppointmentText.LOCATION, "")

    @location.setter
    def location(self, value: str) -> None:
        self._set_text(AppointmentText.LOCATION, value)

    @property
    def uid(self) -> str:
        """The stable UID (generated; set it to update or cancel an earlier request)."""
        with self._h.lock.read():
            return read_text(lib.missive_appointment_uid, self._h.ptr) or ""

    @uid.setter
    def uid(self, value: str) -> None:
        self._set_text(AppointmentText.UID, value)

    unique_id = uid

    def increment_sequence(self) -> int:
        """Bumps SEQUENCE (for an update) and returns the new value."""
        n = ctypes.c_uint32(0)
        with self._h.lock.write():
            self._check(lib.missive_appointment_increment_sequence(self._h.ptr, ctypes.byref(n)))
        return int(n.value)

    # -- people -----------------------------------------------------------------------------
    @property
    def organizer(self) -> Optional[MailAddress]:
        return self._organizer

    @organizer.setter
    def organizer(self, value: AddressLike) -> None:
        b = _b(_fmt(value))
        with self._h.lock.write():
            self._check(lib.missive_appointment_set_organizer(self._h.ptr, b, len(b)))
        self._organizer = value if isinstance(value, MailAddress) else MailAddress(value)

    @property
    def attendees(self) -> List[MailAddress]:
        return list(self._attendees)

    def add_attendee(self, address: AddressLike, role: AttendeeRole = AttendeeRole.REQUIRED,
                     rsvp: bool = True) -> None:
        b = _b(_fmt(address))
        with self._h.lock.write():
            self._check(lib.missive_appointment_add_attendee(self._h.ptr, b, len(b), int(role),
                                                             bool(rsvp)))
        self._attendees.append(address if isinstance(address, MailAddress)
                               else MailAddress(address))

    # -- other fields -----------------------------------------------------------------------
    @property
    def status(self) -> AppointmentStatus:
        return self._status

    @status.setter
    def status(self, value: AppointmentStatus) -> None:
        with self._h.lock.write():
            self._check(lib.missive_appointment_set_status(self._h.ptr, int(value)))
        self._status = AppointmentStatus(value)

    def set_reminder(self, minutes_before: int) -> None:
        """A display alarm this many minutes before the start (negative: none)."""
        with self._h.lock.write():
            self._check(lib.missive_appointment_set_reminder(self._h.ptr, int(minutes_before)))

    def set_recurrence(self, frequency: RecurrenceFrequency, interval: int = 1, count: int = 0,
                       until: Optional[_dt.datetime] = None) -> None:
        """Repeats DAILY/WEEKLY/MONTHLY every ``interval``, ``count`` times or ``until``."""
        u = int(until.timestamp()) if until is not None else 0
        with self._h.lock.write():
            self._check(lib.missive_appointment_set_recurrence(self._h.ptr, int(frequency),
                                                               interval, count, u))

    # -- output -----------------------------------------------------------------------------
    def to_ics(self, method: AppointmentMethodType = AppointmentMethodType.REQUEST) -> str:
        """The iCalendar text (VCALENDAR with METHOD)."""
        with self._h.lock.read():
            data = read_out(lib.missive_appointment_to_ics, self._h.ptr, int(method), nul=False)
            if data is None:
                n = ctypes.c_size_t(0)
                self._check(lib.missive_appointment_to_ics(self._h.ptr, int(method), None, 0,
                                                           ctypes.byref(n)))
        return (data or b"").decode("utf-8")

    def save(self, path: str, method: AppointmentMethodType = AppointmentMethodType.REQUEST) -> None:
        """Writes the .ics file."""
        with open(path, "w", encoding="utf-8", newline="") as f:
            f.write(self.to_ics(method))

    def _view(self, method: int) -> AlternateView:
        try:
            text = self.to_ics(AppointmentMethodType(method))
        except ValueError:
            text = ""  # no organizer yet: the message's From becomes it when added
        view = AlternateView.create_alternate_view_from_string(
            text, ContentType("text/calendar; method=%s" % AppointmentMethodType(method).name))
        view._appointment = self
        view._method = method
        return view

    def request_apointment(self) -> AlternateView:
        """The meeting request to add with ``message.add_alternate_view(...)`` (the SDK's
        spelling; ``request_appointment`` is the same)."""
        return self._view(CalendarMethod.REQUEST)

    request_appointment = request_apointment

    def cancel_appointment(self) -> AlternateView:
        """A cancellation of this appointment (same UID)."""
        return self._view(CalendarMethod.CANCEL)

    def __repr__(self) -> str:
        return "<Appointment %r %s..%s>" % (self.summary, self._start, self._end)
