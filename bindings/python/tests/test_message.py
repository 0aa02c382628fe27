"""The mail model: properties go into the library and come back; what it writes is read by
Python's own email package (an independent reader)."""
import email
import email.policy
import io

import pytest

import missive as ae
from missive import (AlternateView, Attachment, ContentType, LinkedResource, MailAddress,
                     MailMessage, MailMessageCollection, MailPriority)


def parsed(m):
    return email.message_from_bytes(m.to_bytes(), policy=email.policy.default)


def test_constructor_forms_and_properties():
    m = MailMessage("Ann <ann@example.com>", "bob@example.com", "Hello", "Body text")
    assert m.subject == "Hello"
    assert m.body == "Body text"
    assert m.from_address == MailAddress("ann@example.com")
    assert m.from_address.display_name == "Ann"
    assert [a.address for a in m.to] == ["bob@example.com"]
    m2 = MailMessage("a@example.com", ["b@example.com", MailAddress("c@example.com", "C")],
                     "s", "b")
    assert len(m2.to) == 2 and m2.to[1].display_name == "C"


def test_addresses_lists_and_quoting():
    m = MailMessage()
    m.from_address = MailAddress("from@example.com", "Doe, Jane")
    m.to.append(MailAddress("to@example.com", "Recipient 1"))
    m.to.append("x@example.com, \"Last, First\" <lf@example.com>")
    m.cc.append("cc@example.com")
    m.bcc.append("hidden@example.com")
    m.reply_to_list.append("replies@example.com")
    assert [a.address for a in m.to] == ["to@example.com", "x@example.com", "lf@example.com"]
    assert "lf@example.com" in m.to
    p = parsed(m)
    assert p["From"].addresses[0].display_name == "Doe, Jane"
    assert [a.addr_spec for a in p["To"].addresses] == ["to@example.com", "x@example.com",
                                                       "lf@example.com"]
    assert p["To"].addresses[2].display_name == "Last, First"
    assert p["Cc"].addresses[0].addr_spec == "cc@example.com"
    assert p["Reply-To"].addresses[0].addr_spec == "replies@example.com"
    assert p["Bcc"] is None  # Bcc never in the headers
    m.to.remove("x@example.com")
    assert [a.address for a in m.to] == ["to@example.com", "lf@example.com"]
    m.to.clear()
    assert len(m.to) == 0
    m.to = ["one@example.com", "two@example.com"]
    assert len(m.to) == 2


def test_bad_input_raises_value_error_naming_it():
    m = MailMessage()
    with pytest.raises(ValueError) as e:
        m.to.append("not an address")
    assert "not an address" in str(e.value) or "address" in str(e.value).lower()
    assert e.value.code_name == "INVALID_ADDRESS"
    with pytest.raises(ValueError) as e:
        m.headers.add("Bad Name", "v")
    assert e.value.code_name == "INVALID_HEADER"
    with pytest.raises(ValueError):
        m.headers.add("X-Ok", "line\r\nInjected: yes")
    with pytest.raises(ValueError):
        m.from_address = "a@b.example\r\nBcc: x@y.example"


def test_missing_files_raise_file_not_found():
    with pytest.raises(FileNotFoundError):
        MailMessage.load("/nonexistent/missive/message.eml")
    with pytest.raises(FileNotFoundError):
        Attachment("/nonexistent/missive/file.pdf")
    with pytest.raises(FileNotFoundError):
        AlternateView("/nonexistent/missive/view.txt", "text/plain")


def test_html_alternate_view_attachment_and_linked_resource(tmp_path):
    m = MailMessage("a@example.com", "b@example.com", "Parts", None)
    m.is_body_html = True
    m.html_body = "<p>Hi <img src=\"cid:logo\"></p>"
    assert m.is_body_html
    m.alternate_views.append(AlternateView.create_alternate_view_from_string("Plain version"))
    m.alternate_views.append(AlternateView.create_alternate_view_from_string(
        "BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n", ContentType("text/calendar; method=PUBLISH")))
    m.attachments.append(Attachment(io.BytesIO(b"%PDF-1.4 fake"), "report.pdf"))
    f = tmp_path / "notes.txt"
    f.write_bytes(b"notes from a file\n")
    m.attachments.append(Attachment(str(f)))
    m.linked_resources.append(LinkedResource(b"\x89PNG fake", "image/png", "logo", "logo.png"))
    assert len(m.alternate_views) >= 2
    names = [a.name for a in m.attachments]
    assert names == ["report.pdf", "notes.txt"]
    assert m.attachments[1].content == b"notes from a file\n"
    p = parsed(m)
    types = [part.get_content_type() for part in p.walk()]
    for t in ("multipart/mixed", "multipart/related", "multipart/alternative", "text/plain",
              "text/html", "text/calendar", "application/pdf", "image/png"):
        assert t in types, (t, types)
    alt = next(x for x in p.walk() if x.get_content_type() == "multipart/alternative")
    order = [x.get_content_type() for x in alt.iter_parts()]
    assert order.index("text/plain") < order.index("text/html")
    img = next(x for x in p.walk() if x.get_content_type() == "image/png")
    assert img["Content-ID"] == "<logo>"
    assert img.get_payload(decode=True) == b"\x89PNG fake"


def test_headers_priority_message_id_date():
    import datetime as dt
    m = MailMessage("a@example.com", "b@example.com", "H", "b")
    m.headers.add("X-Campaign", "spring")
    m.headers["X-Other"] = "o"
    assert m.headers["x-campaign"] == "spring"
    assert "X-Other" in m.headers and "X-Missing" not in m.headers
    with pytest.raises(KeyError):
        m.headers["X-Missing"]
    m.priority = MailPriority.HIGH
    m.message_id = "<id-1@example.com>"
    m.date = dt.datetime(2024, 3, 6, 9, 0, 1, tzinfo=dt.timezone(dt.timedelta(hours=2)))
    p = parsed(m)
    assert p["X-Campaign"] == "spring"
    assert p["X-Priority"].startswith("1")
    assert p["Message-ID"] == "<id-1@example.com>"
    assert p["Date"].datetime == dt.datetime(2024, 3, 6, 9, 0, 1,
                                             tzinfo=dt.timezone(dt.timedelta(hours=2)))


def test_load_save_roundtrip_is_byte_exact(tmp_path):
    raw = (b"From: X <x@example.org>\r\nTo: y@example.org\r\nSubject: =?utf-8?q?caf=C3=A9?=\r\n"
           b"Date: Wed, 6 Mar 2024 09:00:01 +0000\r\nMessage-ID: <r@example.org>\r\n"
           b"X-Odd:   spacing kept\r\nMIME-Version: 1.0\r\n"
           b"Content-Type: text/plain; charset=utf-8\r\n\r\nBody\r\n")
    path = tmp_path / "in.eml"
    path.write_bytes(raw)
    for source in (str(path), path, open(path, "rb"), raw):
        m = MailMessage.load(source)
        assert m.subject == "café"
        assert m.to_bytes() == raw
    out = tmp_path / "out.eml"
    m.save(str(out))
    assert out.read_bytes() == raw
    buf = io.BytesIO()
    m.save(buf)
    assert buf.getvalue() == raw
    m.subject = "changed"
    assert b"Subject: changed" in m.to_bytes() and b"X-Odd:   spacing kept" in m.to_bytes()


def test_malformed_eml_is_value_error():
    with pytest.raises(ValueError):
        MailMessage.load(b"\x00\x01 not a message at all", strict=True)


def test_collection_and_clone_and_close():
    c = MailMessageCollection()
    for i in range(3):
        c.append(MailMessage("a@example.com", "b%d@example.com" % i, "S%d" % i, "b"))
    assert len(c) == 3 and [m.subject for m in c] == ["S0", "S1", "S2"]
    with pytest.raises(TypeError):
        c.append("not a message")
    m = c[0].clone()
    m.subject = "copy"
    assert c[0].subject == "S0"
    with MailMessage() as tmp:
        tmp.subject = "x"
    with pytest.raises(ValueError):
        tmp.subject


def test_appointment_request_view_is_a_meeting_request():
    import datetime as dt
    from missive.calendar import Appointment
    icalendar = pytest.importorskip("icalendar")
    eml = ae.MailMessage()
    eml.from_address = "from@example.com"
    eml.to.append(ae.MailAddress("to@example.com", "Recipient 1"))
    app = Appointment("Room 112", dt.datetime(2018, 5, 27, 22, 12, 11), dt.date(2018, 5, 28),
                      eml.from_address, eml.to)
    app.summary = "Release Meetting"
    app.description = "Discuss for the next release"
    eml.add_alternate_view(app.request_appointment())
    cal_part = next(p for p in parsed(eml).walk() if p.get_content_type() == "text/calendar")
    cal = icalendar.Calendar.from_ical(cal_part.get_payload(decode=True))
    ev = next(iter(cal.walk("VEVENT")))
    assert str(cal["METHOD"]) == "REQUEST"
    assert str(ev["SUMMARY"]) == "Release Meetting"
    assert "to@example.com" in str(ev["ATTENDEE"])
    assert "from@example.com" in str(ev["ORGANIZER"])
    start = ev["DTSTART"].dt
    assert (start.year, start.month, start.day, start.hour, start.minute) == (2018, 5, 27, 22, 12)


def test_appointment_zones():
    import datetime as dt
    import zoneinfo
    from missive.calendar import Appointment
    berlin = zoneinfo.ZoneInfo("Europe/Berlin")
    a = Appointment("R", dt.datetime(2024, 7, 1, 10, 0, tzinfo=berlin),
                    dt.datetime(2024, 7, 1, 11, 0, tzinfo=berlin), "o@example.com")
    a.summary = "S"
    ics = a.to_ics()
    assert "DTSTART;TZID=Europe/Berlin:20240701T100000" in ics
    u = Appointment("R", dt.datetime(2024, 7, 1, 10, 0, tzinfo=dt.timezone.utc),
                    dt.datetime(2024, 7, 1, 11, 0, tzinfo=dt.timezone.utc), "o@example.com")
    u.summary = "S"
    assert "DTSTART:20240701T100000Z" in u.to_ics()
    with pytest.raises(ValueError):
        Appointment("R", dt.datetime(2024, 7, 1, 11, 0), dt.datetime(2024, 7, 1, 10, 0))


def test_naive_times_are_written_with_the_machines_zone(monkeypatch):
    import datetime as dt
    from missive.calendar import Appointment, local_zone_name
    monkeypatch.setenv("TZ", "America/New_York")
    assert local_zone_name() == "America/New_York"
    a = Appointment("R", dt.datetime(2024, 1, 15, 9, 30), dt.datetime(2024, 1, 15, 10, 0),
                    "o@example.com")
    a.summary = "S"
    ics = a.to_ics()
    assert "DTSTART;TZID=America/New_York:20240115T093000" in ics
    assert "BEGIN:VTIMEZONE" in ics and "TZID:America/New_York" in ics
