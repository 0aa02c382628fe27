//! Meeting requests: appointments written as iCalendar, put on messages, sent through a real
//! SMTP server (Python aiosmtpd), and checked as received with PyPI `icalendar` (plus the iTIP
//! rules: method parameter = METHOD, attendees with RSVP, no floating times, a VTIMEZONE for each
//! TZID, 75-octet folding) and libical (its own iTIP restriction checks, and the local times
//! converted to UTC through the VTIMEZONE missive wrote).

#[path = "support/smtp/mod.rs"]
mod support;

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use missive::calendar::{
    Appointment, AttendeeRole, Date, EventTime, Frequency, Method, Recurrence, RecurrenceEnd,
    add_to_message,
};
use missive::deliver::{Client, DeliveryMethod};
use missive::message::{MailAddress, MailMessage, RecipientKind};
use support::AioServer;

fn py_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/support/py")
}

fn facts(stdout: &[u8]) -> HashMap<String, Vec<String>> {
    let mut m: HashMap<String, Vec<String>> = HashMap::new();
    for line in String::from_utf8_lossy(stdout).lines() {
        if let Some((k, v)) = line.split_once('=') {
            m.entry(k.to_string()).or_default().push(v.to_string());
        }
    }
    m
}

/// Facts from icalendar (key) and libical (`LIBICAL_` + key) about the message as received.
fn verify(eml: &[u8]) -> HashMap<String, Vec<String>> {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("m.eml");
    std::fs::write(&path, eml).unwrap();
    let out = Command::new(std::env::var("PYTHON").unwrap_or_else(|_| "python3".into()))
        .arg(py_dir().join("ical_check.py"))
        .arg(&path)
        .arg(dir.path())
        .output()
        .expect("python3");
    assert!(
        out.status.success(),
        "icalendar check failed (pip install icalendar):\n{}\n{}",
        String::from_utf8_lossy(&out.stderr),
        String::from_utf8_lossy(eml)
    );
    let mut f = facts(&out.stdout);
    // libical through GObject introspection lives in Debian's own Python.
    let system_python = ["/usr/bin/python3", "/bin/python3"]
        .into_iter()
        .find(|p| Path::new(p).exists())
        .expect("Debian's /usr/bin/python3 is needed for libical: apt-get install -y python3-gi");
    let out = Command::new(system_python)
        .arg(py_dir().join("libical_check.py"))
        .arg(dir.path().join("invite.ics"))
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "libical check failed (apt-get install -y gir1.2-ical-3.0 python3-gi):\n{}\n{}",
        String::from_utf8_lossy(&out.stderr),
        std::fs::read_to_string(dir.path().join("invite.ics")).unwrap()
    );
    for (k, v) in facts(&out.stdout) {
        f.insert(format!("LIBICAL_{k}"), v);
    }
    f
}

fn one<'a>(f: &'a HashMap<String, Vec<String>>, k: &str) -> &'a str {
    f.get(k)
        .and_then(|v| v.first())
        .unwrap_or_else(|| panic!("no {k} in {f:?}"))
}

fn addr(s: &str) -> MailAddress {
    MailAddress::parse(s).unwrap()
}

fn base_message() -> MailMessage {
    let mut m = MailMessage::new();
    m.set_from(addr("Olga Organizer <olga@example.com>"));
    m.add_recipient(RecipientKind::To, addr("Tom To <tom@example.org>"));
    m.add_recipient(RecipientKind::To, addr("\"Doe, Jane\" <jane@example.org>"));
    m.add_recipient(RecipientKind::Cc, addr("carl@example.org"));
    m.set_subject("Planning").unwrap();
    m.set_body("Let's plan.\r\n");
    m.set_html_body(Some("<p>Let's plan.</p>"));
    m
}

fn appointment(start: EventTime, end: EventTime) -> Appointment {
    let mut a = Appointment::new();
    a.summary = "Quarterly planning".into();
    a.description = "Agenda:\n1. Budget, costs; \\ risks\n2. Überblick".into();
    a.location = "Room 4, Building B".into();
    a.start = Some(start);
    a.end = Some(end);
    a.dtstamp = Some(1_740_000_000);
    a.add_attendee(addr("opt@example.org"), AttendeeRole::Optional, false);
    a.add_attendee(
        addr("Beamer Room <room4@example.org>"),
        AttendeeRole::Resource,
        false,
    );
    a
}

fn zoned(tzid: &str, y: i32, m: u32, d: u32, h: u32, min: u32) -> EventTime {
    EventTime::Zoned {
        tzid: tzid.into(),
        date: Date {
            year: y,
            month: m,
            day: d,
        },
        time: (h, min, 0),
    }
}

fn utc(y: i64, m: u32, d: u32, h: i64) -> EventTime {
    EventTime::Utc(missive::calendar::days_from_civil(y, m, d) * 86_400 + h * 3600)
}

/// Sends each message through aiosmtpd and returns the stored bytes.
fn send_all(msgs: &[MailMessage]) -> Vec<Vec<u8>> {
    let srv = AioServer::start(&["--no-auth"]);
    let client = Client::new();
    client.configure(|c| {
        c.smtp = missive::smtp::SmtpConfig::new("127.0.0.1");
        c.smtp.port = srv.port;
        c.smtp.security = missive::smtp::Security::None;
        c.delivery_method = DeliveryMethod::Network;
    });
    for m in msgs {
        client.send(m).unwrap();
    }
    let got = srv.messages();
    assert_eq!(got.len(), msgs.len());
    got.into_iter().map(|r| r.content).collect()
}

#[test]
fn utc_request_with_roles_reminder_and_invite_attachment() {
    let mut a = appointment(utc(2025, 3, 10, 9), utc(2025, 3, 10, 10));
    a.reminder_minutes = Some(15);
    let mut m = base_message();
    add_to_message(&mut m, &a, Method::Request, true).unwrap();
    let f = verify(&send_all(&[m])[0]);
    assert_eq!(one(&f, "METHOD"), "REQUEST");
    assert_eq!(one(&f, "LIBICAL_METHOD"), "REQUEST");
    assert_eq!(one(&f, "UID"), a.uid);
    assert_eq!(one(&f, "SEQUENCE"), "0");
    assert_eq!(one(&f, "STATUS"), "CONFIRMED");
    assert_eq!(one(&f, "DTSTART"), "20250310T090000Z");
    assert_eq!(one(&f, "LIBICAL_DTSTART_UTC"), "20250310T090000Z");
    assert_eq!(one(&f, "LIBICAL_DTEND_UTC"), "20250310T100000Z");
    assert_eq!(one(&f, "TRIGGER"), "-PT15M");
    assert_eq!(one(&f, "ATTACHMENT"), "invite.ics");
    assert_eq!(one(&f, "ORGANIZER"), "mailto:olga@example.com");
    // Escaping round trip: icalendar gives back the text as written.
    assert_eq!(one(&f, "DESCRIPTION"), a.description.replace('\n', "\\n"));
    assert_eq!(one(&f, "LOCATION"), a.location);
    let mut att = f["ATTENDEE"].clone();
    att.sort();
    assert_eq!(
        att,
        vec![
            "mailto:carl@example.org|REQ-PARTICIPANT|INDIVIDUAL|TRUE|NEEDS-ACTION|",
            "mailto:jane@example.org|REQ-PARTICIPANT|INDIVIDUAL|TRUE|NEEDS-ACTION|Doe, Jane",
            "mailto:opt@example.org|OPT-PARTICIPANT|INDIVIDUAL|FALSE|NEEDS-ACTION|",
            "mailto:room4@example.org|NON-PARTICIPANT|RESOURCE|FALSE|NEEDS-ACTION|Beamer Room",
            "mailto:tom@example.org|REQ-PARTICIPANT|INDIVIDUAL|TRUE|NEEDS-ACTION|Tom To",
        ]
    );
}

#[test]
fn time_zones_get_vtimezones_that_libical_converts_correctly() {
    let cases = [
        // (zone, local start, expected UTC start per libical)
        (
            zoned("Europe/Berlin", 2025, 7, 10, 9, 0),
            "20250710T070000Z",
        ),
        (
            zoned("Europe/Berlin", 2025, 1, 10, 9, 0),
            "20250110T080000Z",
        ),
        (
            zoned("America/New_York", 2025, 1, 15, 9, 0),
            "20250115T140000Z",
        ),
        (
            zoned("America/New_York", 2025, 6, 15, 9, 0),
            "20250615T130000Z",
        ),
        (zoned("Asia/Kolkata", 2025, 6, 15, 9, 0), "20250615T033000Z"),
        (
            zoned("Australia/Sydney", 2025, 1, 15, 9, 0),
            "20250114T220000Z",
        ),
        // Rules on the weekday before the last Sunday (RRULE with BYDAY and BYMONTHDAY): Nuuk
        // changes on Saturday 23:00, Jerusalem on Friday 02:00 (28 March 2025).
        (zoned("America/Nuuk", 2025, 3, 30, 9, 0), "20250330T100000Z"),
        (
            zoned("Asia/Jerusalem", 2025, 3, 27, 9, 0),
            "20250327T070000Z",
        ),
        (
            zoned("Asia/Jerusalem", 2025, 3, 28, 9, 0),
            "20250328T060000Z",
        ),
    ];
    let msgs: Vec<MailMessage> = cases
        .iter()
        .map(|(start, _)| {
            let EventTime::Zoned { tzid, date, .. } = start else {
                unreachable!()
            };
            let end = zoned(tzid, date.year, date.month, date.day, 10, 30);
            let mut m = base_message();
            add_to_message(
                &mut m,
                &appointment(start.clone(), end),
                Method::Request,
                false,
            )
            .unwrap();
            m
        })
        .collect();
    for (eml, (start, want)) in send_all(&msgs).iter().zip(&cases) {
        let f = verify(eml);
        let EventTime::Zoned { tzid, .. } = start else {
            unreachable!()
        };
        assert_eq!(one(&f, "TZIDS"), tzid.as_str());
        assert!(one(&f, "DTSTART").ends_with(&format!("@{tzid}")));
        assert_eq!(one(&f, "LIBICAL_DTSTART_UTC"), *want, "{tzid}");
    }
}

#[test]
fn all_day_and_recurring_events() {
    let mut all_day = appointment(
        EventTime::AllDay(Date {
            year: 2025,
            month: 12,
            day: 24,
        }),
        EventTime::AllDay(Date {
            year: 2025,
            month: 12,
            day: 27,
        }),
    );
    all_day.recurrence = Some(Recurrence {
        frequency: Frequency::Daily,
        interval: 1,
        end: RecurrenceEnd::Until(missive::calendar::days_from_civil(2025, 12, 26) * 86_400),
    });
    let mut weekly = appointment(
        zoned("Europe/Berlin", 2025, 3, 17, 9, 0),
        zoned("Europe/Berlin", 2025, 3, 17, 10, 0),
    );
    weekly.recurrence = Some(Recurrence {
        frequency: Frequency::Weekly,
        interval: 1,
        end: RecurrenceEnd::Count(4),
    });
    let mut monthly = appointment(utc(2025, 1, 31, 12), utc(2025, 1, 31, 13));
    monthly.recurrence = Some(Recurrence {
        frequency: Frequency::Monthly,
        interval: 2,
        end: RecurrenceEnd::Until(missive::calendar::days_from_civil(2025, 12, 31) * 86_400),
    });
    let msgs: Vec<MailMessage> = [&all_day, &weekly, &monthly]
        .iter()
        .map(|a| {
            let mut m = base_message();
            add_to_message(&mut m, a, Method::Request, false).unwrap();
            m
        })
        .collect();
    let got = send_all(&msgs);
    let f = verify(&got[0]);
    assert_eq!(one(&f, "ALLDAY"), "True");
    assert_eq!(one(&f, "DTSTART"), "20251224");
    assert_eq!(one(&f, "RRULE"), "FREQ=DAILY;UNTIL=20251226");
    assert_eq!(one(&f, "LIBICAL_OCCURRENCES"), "20251224,20251225,20251226");
    let f = verify(&got[1]);
    assert_eq!(one(&f, "RRULE"), "FREQ=WEEKLY;COUNT=4");
    // Local 09:00 every week, across the switch to summer time on 30 March.
    assert_eq!(
        one(&f, "LIBICAL_OCCURRENCES"),
        "20250317T090000,20250324T090000,20250331T090000,20250407T090000"
    );
    let f = verify(&got[2]);
    // (icalendar writes the rule parts in its own order)
    let mut parts: Vec<&str> = one(&f, "RRULE").split(';').collect();
    parts.sort();
    assert_eq!(
        parts,
        ["FREQ=MONTHLY", "INTERVAL=2", "UNTIL=20251231T000000Z"]
    );
    assert!(one(&f, "LIBICAL_OCCURRENCES").starts_with("20250131T120000Z"));
}

#[test]
fn update_and_cancel_keep_the_uid_and_raise_the_sequence() {
    let mut a = appointment(utc(2025, 5, 5, 14), utc(2025, 5, 5, 15));
    let mut request = base_message();
    add_to_message(&mut request, &a, Method::Request, false).unwrap();
    a.bump_sequence();
    a.start = Some(utc(2025, 5, 6, 14));
    a.end = Some(utc(2025, 5, 6, 15));
    let mut update = base_message();
    update.set_subject("Updated: Planning").unwrap();
    add_to_message(&mut update, &a, Method::Request, false).unwrap();
    a.bump_sequence();
    let mut cancel = base_message();
    cancel.set_subject("Cancelled: Planning").unwrap();
    add_to_message(&mut cancel, &a, Method::Cancel, true).unwrap();
    let got = send_all(&[request, update, cancel]);
    let (r, u, c) = (verify(&got[0]), verify(&got[1]), verify(&got[2]));
    assert_eq!(one(&r, "UID"), one(&u, "UID"));
    assert_eq!(one(&u, "UID"), one(&c, "UID"));
    assert_eq!(
        (
            one(&r, "SEQUENCE"),
            one(&u, "SEQUENCE"),
            one(&c, "SEQUENCE")
        ),
        ("0", "1", "2")
    );
    assert_eq!(one(&u, "DTSTART"), "20250506T140000Z");
    assert_eq!(one(&c, "METHOD"), "CANCEL");
    assert_eq!(one(&c, "LIBICAL_METHOD"), "CANCEL");
    assert_eq!(one(&c, "STATUS"), "CANCELLED");
    let text = String::from_utf8_lossy(&got[2]);
    assert!(text.contains("method=CANCEL") || text.contains("method=\"CANCEL\""));
}

#[test]
fn long_and_non_ascii_text_is_folded_at_75_octets() {
    let mut a = appointment(utc(2025, 3, 10, 9), utc(2025, 3, 10, 10));
    a.summary =
        "Überprüfung der Jahresplanung – 年度計画の確認, Teil 2; mit Anhängen \\ Notizen".into();
    a.description = "Zeile eins\nZeile zwei: ".to_string() + &"äöü€ 日本 ".repeat(40);
    let mut m = base_message();
    add_to_message(&mut m, &a, Method::Request, false).unwrap();
    let f = verify(&send_all(&[m])[0]);
    assert_eq!(one(&f, "SUMMARY"), a.summary);
    assert_eq!(one(&f, "DESCRIPTION"), a.description.replace('\n', "\\n"));
}

#[test]
fn invalid_appointments_are_refused() {
    let mut m = base_message();
    let mut a = appointment(utc(2025, 3, 10, 10), utc(2025, 3, 10, 9));
    assert!(
        add_to_message(&mut m, &a, Method::Request, false).is_err(),
        "end before start"
    );
    a.end = None;
    assert!(
        add_to_message(&mut m, &a, Method::Request, false).is_err(),
        "no end"
    );
    a.start = Some(zoned("Mars/Olympus_Mons", 2025, 1, 1, 9, 0));
    a.end = Some(zoned("Mars/Olympus_Mons", 2025, 1, 1, 10, 0));
    assert!(
        add_to_message(&mut m, &a, Method::Request, false).is_err(),
        "unknown zone"
    );
    a.start = Some(zoned("../../etc/passwd", 2025, 1, 1, 9, 0));
    assert!(
        add_to_message(&mut m, &a, Method::Request, false).is_err(),
        "path as zone"
    );
    a.start = Some(EventTime::AllDay(Date {
        year: 2025,
        month: 2,
        day: 30,
    }));
    assert!(
        add_to_message(&mut m, &a, Method::Request, false).is_err(),
        "30 February"
    );
    assert!(m.alternate_views().is_empty(), "nothing added on failure");
}
