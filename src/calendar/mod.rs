//! Appointments as iCalendar (RFC 5545) with iTIP methods (RFC 5546): meeting requests,
//! updates and cancellations, and putting them on a message as Outlook and Gmail expect.
//!
//! Times are UTC (`...Z`), local times in an IANA zone (`TZID=` with a VTIMEZONE derived from the
//! time zone database built into the library, see [`tz`]), or dates for all-day events; never
//! floating. Date arithmetic is jiff's, through [`crate::message::date`].
#![forbid(unsafe_code)]

pub mod tz;

use std::fmt;

use crate::message::date;
use crate::message::{MailAddress, MailMessage, MessageError, RecipientKind};

pub use crate::message::date::{civil_from_days, days_from_civil};

/// What kind of calendar error it is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CalendarErrorKind {
    /// A value is out of range or malformed.
    Invalid,
    /// The time zone is not in the time zone database (or has no usable rule).
    UnknownTimeZone,
    /// Something an iTIP object needs is missing (start, end, summary, organizer).
    Incomplete,
}

/// A calendar error, with a message naming the problem.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CalendarError {
    kind: CalendarErrorKind,
    text: String,
}

impl CalendarError {
    /// An `Invalid` error with this text.
    pub fn new(text: impl Into<String>) -> Self {
        Self::with_kind(CalendarErrorKind::Invalid, text)
    }

    /// An error of `kind` with this text.
    pub fn with_kind(kind: CalendarErrorKind, text: impl Into<String>) -> Self {
        CalendarError {
            kind,
            text: text.into(),
        }
    }

    /// The kind.
    pub fn kind(&self) -> CalendarErrorKind {
        self.kind
    }

    /// The text.
    pub fn message(&self) -> &str {
        &self.text
    }
}

impl fmt::Display for CalendarError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

impl std::error::Error for CalendarError {}

/// A calendar date.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Date {
    /// Year (1-9999).
    pub year: i32,
    /// Month (1-12).
    pub month: u32,
    /// Day of the month.
    pub day: u32,
}

impl Date {
    /// The date as jiff's, when it is a valid date in years 1-9999.
    fn civil(&self) -> Option<jiff::civil::Date> {
        date::civil_date(self.year, self.month, self.day)
    }

    /// The date `days` days later (earlier when negative), or `None` when this is not a valid
    /// date or the result is outside years 1-9999.
    pub fn add_days(&self, days: i64) -> Option<Date> {
        let d = date::add_days(self.civil()?, days)?;
        let d = Date {
            year: i32::from(d.year()),
            month: d.month() as u32,
            day: d.day() as u32,
        };
        d.civil().map(|_| d)
    }

    fn validate(&self) -> Result<(), CalendarError> {
        if self.civil().is_none() {
            return Err(CalendarError::new(format!(
                "{:04}-{:02}-{:02} is not a date",
                self.year, self.month, self.day
            )));
        }
        Ok(())
    }
    fn text(&self) -> String {
        format!("{:04}{:02}{:02}", self.year, self.month, self.day)
    }
}

/// When an event starts or ends.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum EventTime {
    /// An instant, in seconds since the Unix epoch: written in UTC (`20250310T090000Z`).
    Utc(i64),
    /// A wall-clock time in an IANA time zone (`DTSTART;TZID=Europe/Berlin:20250310T090000`).
    Zoned {
        /// The IANA zone name.
        tzid: String,
        /// The local date.
        date: Date,
        /// Hour, minute, second.
        time: (u32, u32, u32),
    },
    /// A whole day (`VALUE=DATE`); an all-day event's end is the day after its last day.
    AllDay(Date),
}

impl EventTime {
    fn validate(&self) -> Result<(), CalendarError> {
        match self {
            EventTime::Utc(s) if !(0..=253_402_300_799).contains(s) => Err(CalendarError::new(
                format!("{s} is not a time between 1970 and 9999"),
            )),
            EventTime::Utc(_) => Ok(()),
            EventTime::Zoned { tzid, date, time } => {
                date.validate()?;
                if time.0 > 23 || time.1 > 59 || time.2 > 59 {
                    return Err(CalendarError::new(format!(
                        "{:02}:{:02}:{:02} is not a time of day",
                        time.0, time.1, time.2
                    )));
                }
                tz::check(tzid)
            }
            EventTime::AllDay(d) => d.validate(),
        }
    }

    /// The property line, e.g. `DTSTART;TZID=Europe/Berlin:20250310T090000`.
    fn line(&self, name: &str) -> String {
        match self {
            EventTime::Utc(s) => format!("{name}:{}", utc_text(*s)),
            EventTime::Zoned { tzid, date, time } => format!(
                "{name};TZID={tzid}:{}T{:02}{:02}{:02}",
                date.text(),
                time.0,
                time.1,
                time.2
            ),
            EventTime::AllDay(d) => format!("{name};VALUE=DATE:{}", d.text()),
        }
    }

    /// A sortable key: the written value as a civil date-time (local for zoned times); only
    /// meaningful for a valid value.
    fn key(&self) -> jiff::civil::DateTime {
        let civil = |d: &Date| d.civil().unwrap_or(jiff::civil::Date::MIN);
        match self {
            EventTime::Utc(s) => date::utc(*s),
            EventTime::Zoned { date, time, .. } => {
                let t = |v: u32| i8::try_from(v).unwrap_or(0);
                civil(date).at(t(time.0), t(time.1), t(time.2), 0)
            }
            EventTime::AllDay(d) => civil(d).at(0, 0, 0, 0),
        }
    }
}

/// Unix seconds as `YYYYMMDDTHHMMSSZ`.
pub fn utc_text(secs: i64) -> String {
    let t = date::utc(secs);
    format!(
        "{:04}{:02}{:02}T{:02}{:02}{:02}Z",
        t.year(),
        t.month(),
        t.day(),
        t.hour(),
        t.minute(),
        t.second()
    )
}

/// An attendee's role.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum AttendeeRole {
    /// `ROLE=REQ-PARTICIPANT`.
    #[default]
    Required,
    /// `ROLE=OPT-PARTICIPANT`.
    Optional,
    /// A room or equipment: `CUTYPE=RESOURCE;ROLE=NON-PARTICIPANT`.
    Resource,
}

/// An attendee.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Attendee {
    /// The address (and display name, written as CN).
    pub address: MailAddress,
    /// The role.
    pub role: AttendeeRole,
    /// Whether a reply is requested (`RSVP=TRUE`).
    pub rsvp: bool,
}

/// How often an event repeats.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Frequency {
    /// Every `interval` days.
    Daily,
    /// Every `interval` weeks.
    Weekly,
    /// Every `interval` months.
    Monthly,
}

/// When a recurrence ends.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RecurrenceEnd {
    /// After this many occurrences (`COUNT=`).
    Count(u32),
    /// At this instant, inclusive (`UNTIL=`, in UTC; as a date for all-day events).
    Until(i64),
}

/// A recurrence rule.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Recurrence {
    /// The frequency.
    pub frequency: Frequency,
    /// Every how many periods (1 or more).
    pub interval: u32,
    /// When it ends.
    pub end: RecurrenceEnd,
}

/// The event's status.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Status {
    /// `STATUS:CONFIRMED`.
    #[default]
    Confirmed,
    /// `STATUS:TENTATIVE`.
    Tentative,
    /// `STATUS:CANCELLED` (always written with METHOD:CANCEL).
    Cancelled,
}

/// The iTIP method.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Method {
    /// An invitation, or an update of one (same UID, higher SEQUENCE).
    Request,
    /// A cancellation.
    Cancel,
}

impl Method {
    /// `REQUEST` or `CANCEL`.
    pub fn as_str(self) -> &'static str {
        match self {
            Method::Request => "REQUEST",
            Method::Cancel => "CANCEL",
        }
    }
}

/// An appointment (a VEVENT).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Appointment {
    /// The stable identifier; generated once, kept across updates and cancellation.
    pub uid: String,
    /// The revision: 0 for the first request, +1 for each update ([`Appointment::bump_sequence`]).
    pub sequence: u32,
    /// The organizer (defaults to the message's From when put on a message).
    pub organizer: Option<MailAddress>,
    /// The attendees.
    pub attendees: Vec<Attendee>,
    /// SUMMARY.
    pub summary: String,
    /// DESCRIPTION.
    pub description: String,
    /// LOCATION.
    pub location: String,
    /// DTSTART.
    pub start: Option<EventTime>,
    /// DTEND.
    pub end: Option<EventTime>,
    /// RRULE.
    pub recurrence: Option<Recurrence>,
    /// A VALARM this many minutes before the start.
    pub reminder_minutes: Option<u32>,
    /// STATUS.
    pub status: Status,
    /// DTSTAMP in Unix seconds; `None` means the time of writing.
    pub dtstamp: Option<i64>,
}

impl Default for Appointment {
    fn default() -> Self {
        Appointment::new()
    }
}

/// Escapes a TEXT value (RFC 5545 3.3.11): backslash, semicolon, comma and line breaks.
pub fn escape_text(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 8);
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\\' => out.push_str("\\\\"),
            ';' => out.push_str("\\;"),
            ',' => out.push_str("\\,"),
            '\r' => {
                if chars.peek() == Some(&'\n') {
                    chars.next();
                }
                out.push_str("\\n");
            }
            '\n' => out.push_str("\\n"),
            c if c.is_control() && c != '\t' => {}
            c => out.push(c),
        }
    }
    out
}

/// A parameter value: quoted when it holds `:`, `;` or `,`; DQUOTE and controls cannot appear.
fn param_value(s: &str) -> String {
    let clean: String = s
        .chars()
        .map(|c| if c == '"' { '\'' } else { c })
        .filter(|c| !c.is_control())
        .collect();
    if clean.contains([':', ';', ',']) || clean.contains(' ') {
        format!("\"{clean}\"")
    } else {
        clean
    }
}

/// Folds a content line at 75 octets (RFC 5545 3.1), never inside a UTF-8 sequence, with CRLF.
pub fn fold(line: &str, out: &mut String) {
    let mut width = 0;
    for c in line.chars() {
        let n = c.len_utf8();
        if width + n > 75 {
            out.push_str("\r\n ");
            width = 1;
        }
        out.push(c);
        width += n;
    }
    out.push_str("\r\n");
}

fn mailto(a: &MailAddress) -> String {
    format!("mailto:{}", a.address())
}

impl Appointment {
    /// An empty appointment with a new UID.
    pub fn new() -> Self {
        Appointment {
            uid: format!(
                "{:016x}{:016x}@missive",
                crate::message::mime::random_u64(),
                crate::message::mime::random_u64()
            ),
            sequence: 0,
            organizer: None,
            attendees: Vec::new(),
            summary: String::new(),
            description: String::new(),
            location: String::new(),
            start: None,
            end: None,
            recurrence: None,
            reminder_minutes: None,
            status: Status::Confirmed,
            dtstamp: None,
        }
    }

    /// Marks the next version of the event: SEQUENCE + 1 (same UID).
    pub fn bump_sequence(&mut self) {
        self.sequence = self.sequence.saturating_add(1);
    }

    /// Adds an attendee, or updates the one with the same address.
    pub fn add_attendee(&mut self, address: MailAddress, role: AttendeeRole, rsvp: bool) {
        let key = address.address().to_lowercase();
        if let Some(a) = self
            .attendees
            .iter_mut()
            .find(|a| a.address.address().to_lowercase() == key)
        {
            a.role = role;
            a.rsvp = rsvp;
            a.address = address;
        } else {
            self.attendees.push(Attendee {
                address,
                role,
                rsvp,
            });
        }
    }

    /// Checks what a valid VEVENT needs: start and end of the same kind, end after start, a
    /// summary without control characters, an organizer when there are attendees.
    pub fn validate(&self) -> Result<(), CalendarError> {
        let start = self.start.as_ref().ok_or_else(|| {
            CalendarError::with_kind(
                CalendarErrorKind::Incomplete,
                "the appointment has no start time",
            )
        })?;
        let end = self.end.as_ref().ok_or_else(|| {
            CalendarError::with_kind(
                CalendarErrorKind::Incomplete,
                "the appointment has no end time",
            )
        })?;
        start.validate()?;
        end.validate()?;
        let same_kind = matches!(
            (start, end),
            (
                EventTime::Utc(_),
                EventTime::Utc(_) | EventTime::Zoned { .. }
            ) | (
                EventTime::Zoned { .. },
                EventTime::Utc(_) | EventTime::Zoned { .. }
            ) | (EventTime::AllDay(_), EventTime::AllDay(_))
        );
        if !same_kind {
            return Err(CalendarError::new(
                "an all-day event needs an all-day start and end; a timed event timed ones",
            ));
        }
        let comparable = matches!(
            (start, end),
            (EventTime::Utc(_), EventTime::Utc(_)) | (EventTime::AllDay(_), EventTime::AllDay(_))
        ) || matches!((start, end), (EventTime::Zoned { tzid: a, .. }, EventTime::Zoned { tzid: b, .. }) if a == b);
        if comparable && end.key() <= start.key() {
            return Err(CalendarError::new("the end is not after the start"));
        }
        if let Some(r) = &self.recurrence {
            if r.interval == 0 {
                return Err(CalendarError::new(
                    "a recurrence interval must be at least 1",
                ));
            }
            if r.end == RecurrenceEnd::Count(0) {
                return Err(CalendarError::new("a recurrence count must be at least 1"));
            }
        }
        if self.summary.trim().is_empty() {
            return Err(CalendarError::with_kind(
                CalendarErrorKind::Incomplete,
                "the appointment has no summary",
            ));
        }
        if self.uid.is_empty() || self.uid.chars().any(|c| c.is_control()) {
            return Err(CalendarError::new(
                "the UID is empty or has control characters",
            ));
        }
        Ok(())
    }

    /// The iCalendar object (CRLF line endings, folded at 75 octets) for `method`.
    pub fn to_ics(&self, method: Method) -> Result<String, CalendarError> {
        self.validate()?;
        if self.organizer.is_none() {
            return Err(CalendarError::with_kind(
                CalendarErrorKind::Incomplete,
                "an iTIP REQUEST or CANCEL needs an organizer (set one, or a From on the message)",
            ));
        }
        let (Some(start), Some(end)) = (&self.start, &self.end) else {
            return Err(CalendarError::with_kind(
                CalendarErrorKind::Incomplete,
                "the appointment has no start or end",
            ));
        };
        let mut lines = vec![
            "BEGIN:VCALENDAR".to_string(),
            format!(
                "PRODID:-//missive//missive {}//EN",
                env!("CARGO_PKG_VERSION")
            ),
            "VERSION:2.0".to_string(),
            "CALSCALE:GREGORIAN".to_string(),
            format!("METHOD:{}", method.as_str()),
        ];
        let mut zones: Vec<&str> = Vec::new();
        for t in [start, end] {
            if let EventTime::Zoned { tzid, .. } = t
                && !zones.contains(&tzid.as_str())
            {
                zones.push(tzid);
            }
        }
        for z in zones {
            lines.extend(tz::vtimezone(z)?);
        }
        lines.push("BEGIN:VEVENT".into());
        lines.push(format!("UID:{}", escape_text(&self.uid)));
        lines.push(format!("SEQUENCE:{}", self.sequence));
        lines.push(format!(
            "DTSTAMP:{}",
            utc_text(self.dtstamp.unwrap_or_else(date::now))
        ));
        lines.push(start.line("DTSTART"));
        lines.push(end.line("DTEND"));
        if let Some(r) = &self.recurrence {
            let freq = match r.frequency {
                Frequency::Daily => "DAILY",
                Frequency::Weekly => "WEEKLY",
                Frequency::Monthly => "MONTHLY",
            };
            let mut rule = format!("RRULE:FREQ={freq}");
            if r.interval > 1 {
                rule.push_str(&format!(";INTERVAL={}", r.interval));
            }
            match r.end {
                RecurrenceEnd::Count(n) => rule.push_str(&format!(";COUNT={n}")),
                RecurrenceEnd::Until(t) => {
                    if let EventTime::AllDay(_) = start {
                        let d = date::utc(t);
                        rule.push_str(&format!(
                            ";UNTIL={:04}{:02}{:02}",
                            d.year(),
                            d.month(),
                            d.day()
                        ));
                    } else {
                        rule.push_str(&format!(";UNTIL={}", utc_text(t)));
                    }
                }
            }
            lines.push(rule);
        }
        lines.push(format!("SUMMARY:{}", escape_text(&self.summary)));
        if !self.description.is_empty() {
            lines.push(format!("DESCRIPTION:{}", escape_text(&self.description)));
        }
        if !self.location.is_empty() {
            lines.push(format!("LOCATION:{}", escape_text(&self.location)));
        }
        let status = match (method, self.status) {
            (Method::Cancel, _) | (_, Status::Cancelled) => "CANCELLED",
            (_, Status::Tentative) => "TENTATIVE",
            (_, Status::Confirmed) => "CONFIRMED",
        };
        lines.push(format!("STATUS:{status}"));
        if let Some(org) = &self.organizer {
            let cn = org
                .display_name()
                .map(|n| format!(";CN={}", param_value(n)))
                .unwrap_or_default();
            lines.push(format!("ORGANIZER{cn}:{}", mailto(org)));
        }
        for a in &self.attendees {
            let (cutype, role) = match a.role {
                AttendeeRole::Required => ("INDIVIDUAL", "REQ-PARTICIPANT"),
                AttendeeRole::Optional => ("INDIVIDUAL", "OPT-PARTICIPANT"),
                AttendeeRole::Resource => ("RESOURCE", "NON-PARTICIPANT"),
            };
            let cn = a
                .address
                .display_name()
                .map(|n| format!(";CN={}", param_value(n)))
                .unwrap_or_default();
            lines.push(format!(
                "ATTENDEE;CUTYPE={cutype};ROLE={role};PARTSTAT=NEEDS-ACTION;RSVP={}{cn}:{}",
                if a.rsvp { "TRUE" } else { "FALSE" },
                mailto(&a.address)
            ));
        }
        if let Some(min) = self.reminder_minutes
            && method == Method::Request
        {
            lines.push("BEGIN:VALARM".into());
            lines.push("ACTION:DISPLAY".into());
            lines.push(format!("DESCRIPTION:{}", escape_text(&self.summary)));
            lines.push(format!("TRIGGER:-PT{min}M"));
            lines.push("END:VALARM".into());
        }
        lines.push("END:VEVENT".into());
        lines.push("END:VCALENDAR".into());
        let mut out = String::new();
        for l in &lines {
            fold(l, &mut out);
        }
        Ok(out)
    }
}

/// Puts `appt` on `msg` as a meeting request (or cancellation): every To and Cc recipient
/// becomes an ATTENDEE with `RSVP=TRUE` and `PARTSTAT=NEEDS-ACTION` (keeping the role given
/// for one already listed), the organizer defaults to From, and the calendar is added as the
/// alternate view `text/calendar; method=<METHOD>; charset=utf-8` (beside the text and HTML
/// bodies; a message without a body gets the description as its text), plus an `invite.ics`
/// attachment when `attach_ics` is set.
pub fn add_to_message(
    msg: &mut MailMessage,
    appt: &Appointment,
    method: Method,
    attach_ics: bool,
) -> Result<(), CalendarError> {
    let mut a = appt.clone();
    if a.organizer.is_none() {
        a.organizer = msg.from().cloned();
    }
    for addr in msg
        .recipients(RecipientKind::To)
        .iter()
        .chain(msg.recipients(RecipientKind::Cc))
        .cloned()
        .collect::<Vec<_>>()
    {
        let key = addr.address().to_lowercase();
        match a
            .attendees
            .iter_mut()
            .find(|x| x.address.address().to_lowercase() == key)
        {
            Some(x) => x.rsvp = true,
            None => a.attendees.push(Attendee {
                address: addr,
                role: AttendeeRole::Required,
                rsvp: true,
            }),
        }
    }
    if a.dtstamp.is_none() {
        a.dtstamp = Some(date::now());
    }
    let ics = a.to_ics(method)?;
    let msg_err = |e: MessageError| CalendarError::new(e.message());
    // Only one calendar per message: a second call replaces the first.
    msg.remove_alternate_views("text/calendar");
    msg.attachments
        .retain(|x| !(x.name == "invite.ics" && x.content_type.starts_with("text/calendar")));
    if msg.effective_bodies() == (Some(""), None) {
        let text = if a.description.is_empty() {
            a.summary.clone()
        } else {
            a.description.clone()
        };
        msg.set_body(&text);
    }
    let ct = format!("text/calendar; method={}", method.as_str());
    msg.add_alternate_view(&ct, Some("utf-8"), ics.clone().into_bytes())
        .map_err(msg_err)?;
    if attach_ics {
        msg.add_attachment("invite.ics", Some(&ct), ics.into_bytes())
            .map_err(msg_err)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folds_at_75_octets_without_splitting_characters() {
        let line = format!("SUMMARY:{}", "é".repeat(60));
        let mut out = String::new();
        fold(&line, &mut out);
        for l in out.split("\r\n").filter(|l| !l.is_empty()) {
            assert!(l.len() <= 75, "{l:?} is {} octets", l.len());
        }
        let unfolded = out.replace("\r\n ", "");
        assert_eq!(unfolded.trim_end(), line);
    }

    #[test]
    fn escapes_text() {
        assert_eq!(escape_text("a,b;c\\d\r\ne\nf"), "a\\,b\\;c\\\\d\\ne\\nf");
    }

    #[test]
    fn dates() {
        assert_eq!(utc_text(1_741_597_200), "20250310T090000Z");
        let d = |year, month, day| Date { year, month, day };
        assert_eq!(d(2024, 12, 30).add_days(3), Some(d(2025, 1, 2)));
        assert_eq!(d(2024, 2, 28).add_days(1), Some(d(2024, 2, 29)));
        assert_eq!(d(2025, 2, 29).add_days(1), None);
        assert_eq!(d(9999, 12, 31).add_days(1), None);
        assert!(d(2025, 2, 29).validate().is_err());
        assert!(d(0, 1, 1).validate().is_err());
        assert!(d(2024, 2, 29).validate().is_ok());
    }
}
