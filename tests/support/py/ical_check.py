"""Checks a meeting request as received, for missive's tests: Python's email package for the MIME
structure and PyPI icalendar for the calendar, plus the iTIP rules missive promises.

Usage: ical_check.py MESSAGE.EML OUTDIR
Fails (exit 1, reasons on stderr) unless: the text/calendar part sits in multipart/alternative
beside text/plain, its `method` parameter equals METHOD, charset is UTF-8; lines end in CRLF and
are at most 75 octets; icalendar parses it; no floating DTSTART/DTEND; every TZID has its
VTIMEZONE; UNTIL is UTC for timed events; UID, DTSTAMP (UTC), SEQUENCE and ORGANIZER are present;
every To and Cc address is an ATTENDEE with RSVP=TRUE and PARTSTAT=NEEDS-ACTION; an invite.ics
attachment, when present, is the same calendar. Writes OUTDIR/invite.ics and prints KEY=VALUE facts.
"""
import email
import email.policy
import email.utils
import sys

try:
    import icalendar
except ImportError:
    sys.exit("icalendar is missing: pip install icalendar")

problems = []


def need(cond, what):
    if not cond:
        problems.append(what)


msg = email.message_from_bytes(open(sys.argv[1], "rb").read(), policy=email.policy.default)
outdir = sys.argv[2]
cal_parts = []
for part in msg.walk():
    if part.is_multipart():
        for child in part.iter_parts():
            if child.get_content_type() == "text/calendar" and child.get_content_disposition() != "attachment":
                cal_parts.append((part, child))
need(len(cal_parts) == 1, f"expected one text/calendar view, found {len(cal_parts)}")
parent, view = cal_parts[0]
need(parent.get_content_type() == "multipart/alternative", "calendar view not in multipart/alternative")
siblings = [p.get_content_type() for p in parent.iter_parts()]
need("text/plain" in siblings, f"no text/plain beside the calendar: {siblings}")
need((view.get_param("charset") or "").lower() == "utf-8", "charset is not UTF-8")
raw = view.get_payload(decode=True)
open(f"{outdir}/invite.ics", "wb").write(raw)
for i, line in enumerate(raw.split(b"\r\n")[:-1]):
    need(len(line) <= 75, f"line {i + 1} is {len(line)} octets")
    need(b"\n" not in line and b"\r" not in line, f"line {i + 1} has a bare line break")
need(raw.endswith(b"\r\n"), "the object does not end in CRLF")
cal = icalendar.Calendar.from_ical(raw.decode("utf-8"))
method = str(cal.get("METHOD", ""))
need((view.get_param("method") or "").upper() == method.upper() and method, f"method parameter {view.get_param('method')} != METHOD:{method}")
tzids = {str(tz["TZID"]) for tz in cal.walk("VTIMEZONE")}
events = cal.walk("VEVENT")
need(len(events) == 1, f"{len(events)} VEVENTs")
ev = events[0]
for key in ("UID", "DTSTAMP", "SEQUENCE", "ORGANIZER", "DTSTART", "SUMMARY"):
    need(key in ev, f"no {key}")
need(ev["DTSTAMP"].dt.tzinfo is not None and ev["DTSTAMP"].dt.utcoffset().total_seconds() == 0, "DTSTAMP not UTC")
import datetime
for key in ("DTSTART", "DTEND"):
    if key not in ev:
        continue
    prop = ev[key]
    dt = prop.dt
    tzid = prop.params.get("TZID")
    if isinstance(dt, datetime.datetime):
        need(tzid is not None or (dt.tzinfo is not None and dt.utcoffset().total_seconds() == 0), f"{key} is floating")
        if tzid is not None:
            need(tzid in tzids, f"TZID {tzid} of {key} has no VTIMEZONE")
all_day = not isinstance(ev["DTSTART"].dt, datetime.datetime)
if "RRULE" in ev:
    until = ev["RRULE"].get("UNTIL")
    if until and not all_day:
        u = until[0]
        need(isinstance(u, datetime.datetime) and u.tzinfo is not None, "UNTIL is not UTC")
attendees = ev.get("ATTENDEE", [])
if not isinstance(attendees, list):
    attendees = [attendees]
by_addr = {}
for a in attendees:
    by_addr[str(a).lower().removeprefix("mailto:")] = a.params
rcpts = [addr.lower() for _, addr in email.utils.getaddresses(msg.get_all("To", []) + msg.get_all("Cc", []))]
for r in rcpts:
    p = by_addr.get(r)
    need(p is not None, f"{r} is not an ATTENDEE")
    if p is not None:
        need(p.get("RSVP") == "TRUE", f"{r}: RSVP is {p.get('RSVP')}")
        need(p.get("PARTSTAT") == "NEEDS-ACTION", f"{r}: PARTSTAT is {p.get('PARTSTAT')}")
for part in msg.walk():
    if part.get_filename() == "invite.ics":
        need(part.get_payload(decode=True) == raw, "invite.ics differs from the calendar view")
        need((part.get_param("method") or "").upper() == method.upper(), "invite.ics method parameter")
        print("ATTACHMENT=invite.ics")
if problems:
    sys.exit("iTIP/iCalendar problems:\n" + "\n".join(problems))
print("METHOD=" + method)
print("UID=" + str(ev["UID"]))
print("SEQUENCE=" + str(ev["SEQUENCE"]))
print("STATUS=" + str(ev.get("STATUS", "")))
print("SUMMARY=" + str(ev["SUMMARY"]))
print("DESCRIPTION=" + str(ev.get("DESCRIPTION", "")).replace("\n", "\\n"))
print("LOCATION=" + str(ev.get("LOCATION", "")))
print("DTSTART=" + ev["DTSTART"].to_ical().decode() + ("@" + ev["DTSTART"].params["TZID"] if "TZID" in ev["DTSTART"].params else ""))
print("DTEND=" + ev["DTEND"].to_ical().decode())
print("ALLDAY=" + str(all_day))
if "RRULE" in ev:
    print("RRULE=" + ev["RRULE"].to_ical().decode())
print("TZIDS=" + ",".join(sorted(tzids)))
for a in attendees:
    print("ATTENDEE=" + "|".join([str(a).lower(), a.params.get("ROLE", ""), a.params.get("CUTYPE", ""), a.params.get("RSVP", ""), a.params.get("PARTSTAT", ""), a.params.get("CN", "")]))
print("ORGANIZER=" + str(ev["ORGANIZER"]).lower())
for alarm in ev.walk("VALARM"):
    print("TRIGGER=" + alarm["TRIGGER"].to_ical().decode())
