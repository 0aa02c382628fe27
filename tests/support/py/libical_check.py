"""Checks an iCalendar object with libical (Debian gir1.2-ical-3.0 + python3-gi), for missive's tests.

Usage: /usr/bin/python3 libical_check.py INVITE.ICS
Parses with libical, runs its iTIP restriction checks (icalcomponent_check_restrictions) and
fails on any X-LIC-ERROR. Prints facts as KEY=VALUE lines: METHOD, UID, SEQUENCE, DTSTART_UTC
and DTEND_UTC (local times converted with the object's own VTIMEZONE by libical), OCCURRENCES
(the first 20 starts of the recurrence, expanded by libical).
"""
import sys

try:
    import gi
    gi.require_version("ICalGLib", "3.0")
    from gi.repository import ICalGLib as I
except (ImportError, ValueError) as e:
    sys.exit(f"libical for Python is missing ({e}): apt-get install -y gir1.2-ical-3.0 python3-gi")

text = open(sys.argv[1], "rb").read().decode("utf-8")
cal = I.Component.new_from_string(text)
if cal is None:
    sys.exit("libical could not parse the object")
cal.check_restrictions()
errors = [line for line in cal.as_ical_string().replace("\r\n ", "").splitlines() if line.startswith("X-LIC-ERROR")]
if errors or cal.count_errors():
    sys.exit("libical errors:\n" + "\n".join(errors))

ev = cal.get_first_component(I.ComponentKind.VEVENT_COMPONENT)
zones = {}
tzc = cal.get_first_component(I.ComponentKind.VTIMEZONE_COMPONENT)
while tzc is not None:
    tz = I.Timezone.new()
    tz.set_component(tzc.clone())
    zones[tz.get_tzid()] = tz
    tzc = cal.get_next_component(I.ComponentKind.VTIMEZONE_COMPONENT)
utc = I.Timezone.get_utc_timezone()


def prop_time(kind):
    p = ev.get_first_property(kind)
    if p is None:
        return None, None
    t = p.get_value().get_datetime() if hasattr(p.get_value(), "get_datetime") else None
    tzid = p.get_parameter_as_string("TZID")
    return t, tzid


def to_utc(kind, getter):
    t = getter()
    p = ev.get_first_property(kind)
    tzid = p.get_parameter_as_string("TZID") if p is not None else None
    if t.is_date():
        return t.as_ical_string()
    if tzid:
        if tzid not in zones:
            sys.exit(f"TZID {tzid} has no VTIMEZONE")
        t.set_timezone(zones[tzid])
    elif not t.is_utc():
        sys.exit("floating time")
    u = t.convert_to_zone(utc)
    return u.as_ical_string()


print("METHOD=" + I.property_method_to_string(cal.get_method()) if hasattr(I, "property_method_to_string") else "METHOD=" + cal.get_first_property(I.PropertyKind.METHOD_PROPERTY).get_value_as_string())
print("UID=" + ev.get_uid())
print("SEQUENCE=" + str(ev.get_sequence()))
print("DTSTART_UTC=" + to_utc(I.PropertyKind.DTSTART_PROPERTY, ev.get_dtstart))
print("DTEND_UTC=" + to_utc(I.PropertyKind.DTEND_PROPERTY, ev.get_dtend))
rr = ev.get_first_property(I.PropertyKind.RRULE_PROPERTY)
if rr is not None:
    start = ev.get_dtstart()
    p = ev.get_first_property(I.PropertyKind.DTSTART_PROPERTY)
    tzid = p.get_parameter_as_string("TZID")
    if tzid:
        start.set_timezone(zones[tzid])
    it = I.RecurIterator.new(rr.get_rrule(), start)
    occ = []
    t = it.next()
    while t is not None and not t.is_null_time() and len(occ) < 20:
        occ.append(t.as_ical_string())
        t = it.next()
    print("OCCURRENCES=" + ",".join(occ))
