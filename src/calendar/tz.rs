//! VTIMEZONE components from the IANA time zone database bundled into the library by the `jiff`
//! crate: no file of the machine is read (not /usr/share/zoneinfo, not `TZDIR`), so the output
//! is the same everywhere. A zone is written with its current rule as STANDARD and DAYLIGHT
//! sub-components with yearly RRULEs from 1970 on, or as one STANDARD without daylight time.
//!
//! The current rule is the zone's POSIX-style rule (the TZif footer, RFC 8536 section 3.3),
//! read back from the zone's transitions in years after every zone's explicit transitions,
//! where that rule alone applies. Each kind of transition must fall in the same month at the
//! same local time every year: on one weekday within the same seven days of the month (e.g. the
//! last Sunday, the second Sunday, or the Saturday before the last Sunday), or on one date.

use jiff::Timestamp;
use jiff::civil::{Date, DateTime, Weekday};
use jiff::tz::{Offset, TimeZone, TimeZoneDatabase};

use super::{CalendarError, CalendarErrorKind};

/// The years the rule is read from: after the last explicit transition of any zone (in the
/// 2080s), before 2300 (no century year in between), and enough of them for a day of the month
/// to fall on every weekday.
const RULE_YEARS: std::ops::Range<i16> = 2201..2241;

/// The zone named `tzid` (an IANA name such as `Europe/Berlin`; ASCII case is ignored), from
/// the bundled database.
pub fn zone(tzid: &str) -> Result<TimeZone, CalendarError> {
    let unknown = || {
        CalendarError::with_kind(
            CalendarErrorKind::UnknownTimeZone,
            format!("unknown time zone {tzid:?}: not an IANA time zone name (e.g. Europe/Berlin)"),
        )
    };
    let tz = TimeZoneDatabase::bundled()
        .get(tzid)
        .map_err(|_| unknown())?;
    if tz.is_unknown() {
        return Err(unknown());
    }
    Ok(tz)
}

/// Whether `tzid` names a zone of the bundled database.
pub fn valid_tzid(tzid: &str) -> bool {
    zone(tzid).is_ok()
}

/// On which day of its month a transition falls every year.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Day {
    /// On `weekday`, within the seven days of the month from `first` (counting from the start
    /// when positive; back from the end when negative, -1 being the last day).
    Weekday { weekday: Weekday, first: i8 },
    /// On this day of the month.
    Fixed(i8),
}

/// One kind of transition of a zone's rule: when it happens and the offset it changes to.
#[derive(Clone, Debug, PartialEq, Eq)]
struct Onset {
    month: i8,
    day: Day,
    /// Local wall-clock time (in the offset before the transition): hour, minute, second.
    time: (i8, i8, i8),
    from: Offset,
    to: Offset,
    name: String,
    dst: bool,
}

/// A zone's current rule.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Rule {
    /// No transitions: one offset.
    Fixed { offset: Offset, name: String },
    /// Two transitions a year (daylight time first).
    Yearly([Onset; 2]),
}

impl Onset {
    /// The date of this transition in `year`.
    fn date_in(&self, year: i16) -> Option<Date> {
        let first = Date::new(year, self.month, 1).ok()?;
        match self.day {
            Day::Fixed(d) => Date::new(year, self.month, d).ok(),
            Day::Weekday { weekday, first: f } => {
                let start = if f > 0 {
                    f
                } else {
                    first.days_in_month() + 1 + f
                };
                (start..start + 7)
                    .filter_map(|d| Date::new(year, self.month, d).ok())
                    .find(|d| d.weekday() == weekday)
            }
        }
    }

    /// `BYMONTH=...;BY...` of the yearly RRULE.
    fn rrule_parts(&self) -> String {
        let month = self.month;
        match self.day {
            Day::Fixed(d) => format!("BYMONTH={month};BYMONTHDAY={d}"),
            Day::Weekday { weekday, first } => {
                let wd = weekday_code(weekday);
                match first {
                    1 | 8 | 15 | 22 => format!("BYMONTH={month};BYDAY={}{wd}", first / 7 + 1),
                    -7 => format!("BYMONTH={month};BYDAY=-1{wd}"),
                    _ => {
                        let days: Vec<String> = (first..first + 7).map(|d| d.to_string()).collect();
                        format!("BYMONTH={month};BYDAY={wd};BYMONTHDAY={}", days.join(","))
                    }
                }
            }
        }
    }
}

fn weekday_code(w: Weekday) -> &'static str {
    match w {
        Weekday::Sunday => "SU",
        Weekday::Monday => "MO",
        Weekday::Tuesday => "TU",
        Weekday::Wednesday => "WE",
        Weekday::Thursday => "TH",
        Weekday::Friday => "FR",
        Weekday::Saturday => "SA",
    }
}

/// One observed transition: local date-time before it, offsets, name, DST flag.
struct Seen {
    local: DateTime,
    from: Offset,
    to: Offset,
    name: String,
    dst: bool,
}

/// The transitions of `tz` in [`RULE_YEARS`].
fn transitions(tz: &TimeZone) -> Result<(Vec<Seen>, Timestamp), CalendarError> {
    let utc = |year: i16| {
        Date::constant(year, 1, 1)
            .to_datetime(jiff::civil::Time::midnight())
            .to_zoned_datetime(TimeZone::UTC)
            .map(|z| z.timestamp())
            .map_err(|e| CalendarError::new(e.to_string()))
    };
    let (start, end) = (utc(RULE_YEARS.start)?, utc(RULE_YEARS.end)?);
    let mut from = tz.to_offset(start);
    let mut seen = Vec::new();
    for t in tz.following(start) {
        if t.timestamp() >= end {
            break;
        }
        seen.push(Seen {
            local: from.to_datetime(t.timestamp()),
            from,
            to: t.offset(),
            name: t.abbreviation().to_string(),
            dst: t.dst().is_dst(),
        });
        from = t.offset();
    }
    Ok((seen, start))
}

/// The one transition rule that all of `seen` (one per year) follow, if there is one.
fn onset(seen: &[&Seen]) -> Option<Onset> {
    let first = seen.first()?;
    let same = seen.iter().all(|s| {
        s.local.month() == first.local.month()
            && s.local.time() == first.local.time()
            && (s.from, s.to, s.dst) == (first.from, first.to, first.dst)
            && s.name == first.name
    });
    if !same || seen.len() != RULE_YEARS.len() {
        return None;
    }
    let days: Vec<i8> = seen.iter().map(|s| s.local.day()).collect();
    let span = |v: &[i8]| (*v.iter().min().unwrap_or(&0), *v.iter().max().unwrap_or(&0));
    let day = if seen.iter().all(|s| s.local.day() == first.local.day()) {
        Day::Fixed(first.local.day())
    } else if seen
        .iter()
        .all(|s| s.local.weekday() == first.local.weekday())
    {
        // Counted from the start or from the end of the month, the days span one week.
        let from_end: Vec<i8> = seen
            .iter()
            .map(|s| s.local.day() - s.local.days_in_month() - 1)
            .collect();
        let weekday = first.local.weekday();
        // Preferred: the n-th or the last weekday of the month; then any seven days.
        match (span(&days), span(&from_end)) {
            ((lo @ (1 | 8 | 15 | 22), hi), _) if hi - lo == 6 => {
                Day::Weekday { weekday, first: lo }
            }
            (_, (-7, -1)) => Day::Weekday { weekday, first: -7 },
            ((lo, hi), _) if hi - lo == 6 => Day::Weekday { weekday, first: lo },
            (_, (lo, hi)) if hi - lo == 6 => Day::Weekday { weekday, first: lo },
            _ => return None,
        }
    } else {
        return None;
    };
    let t = first.local.time();
    Some(Onset {
        month: first.local.month(),
        day,
        time: (t.hour(), t.minute(), t.second()),
        from: first.from,
        to: first.to,
        name: first.name.clone(),
        dst: first.dst,
    })
}

/// The current rule of the zone `tzid`.
fn rule(tzid: &str) -> Result<Rule, CalendarError> {
    let tz = zone(tzid)?;
    let (seen, start) = transitions(&tz)?;
    if seen.is_empty() {
        let info = tz.to_offset_info(start);
        return Ok(Rule::Fixed {
            offset: info.offset(),
            name: info.abbreviation().to_string(),
        });
    }
    let no_rule = || {
        CalendarError::with_kind(
            CalendarErrorKind::UnknownTimeZone,
            format!(
                "the current rule of {tzid} is not one this library can write as a VTIMEZONE \
                 (two transitions a year, each in the same month on one weekday or date)"
            ),
        )
    };
    // Alternating transitions: the even ones are one kind, the odd ones the other.
    let even: Vec<&Seen> = seen.iter().step_by(2).collect();
    let odd: Vec<&Seen> = seen.iter().skip(1).step_by(2).collect();
    let (a, b) = (
        onset(&even).ok_or_else(no_rule)?,
        onset(&odd).ok_or_else(no_rule)?,
    );
    if a.from != b.to || a.to != b.from {
        return Err(no_rule());
    }
    // Daylight time first, then by month.
    let mut pair = [a, b];
    pair.sort_by_key(|o| (!o.dst, o.month));
    Ok(Rule::Yearly(pair))
}

/// Checks that `tzid` is a zone this library can write as a VTIMEZONE.
pub fn check(tzid: &str) -> Result<(), CalendarError> {
    rule(tzid).map(|_| ())
}

fn offset_text(offset: Offset) -> String {
    let secs = offset.seconds();
    let sign = if secs < 0 { '-' } else { '+' };
    let a = secs.unsigned_abs();
    if !a.is_multiple_of(60) {
        format!("{sign}{:02}{:02}{:02}", a / 3600, a % 3600 / 60, a % 60)
    } else {
        format!("{sign}{:02}{:02}", a / 3600, a % 3600 / 60)
    }
}

/// The local date-time of the onset's first occurrence in 1970, as `19700329T020000`.
fn first_onset(o: &Onset) -> Result<String, CalendarError> {
    let d = o
        .date_in(1970)
        .ok_or_else(|| CalendarError::new("the zone's rule has no date in 1970"))?;
    let (h, m, s) = o.time;
    Ok(format!(
        "1970{:02}{:02}T{h:02}{m:02}{s:02}",
        d.month(),
        d.day()
    ))
}

/// The VTIMEZONE component for `tzid` as content lines (not folded).
pub fn vtimezone(tzid: &str) -> Result<Vec<String>, CalendarError> {
    let mut lines = vec!["BEGIN:VTIMEZONE".to_string(), format!("TZID:{tzid}")];
    match rule(tzid)? {
        Rule::Fixed { offset, name } => {
            lines.push("BEGIN:STANDARD".into());
            lines.push("DTSTART:19700101T000000".into());
            lines.push(format!("TZOFFSETFROM:{}", offset_text(offset)));
            lines.push(format!("TZOFFSETTO:{}", offset_text(offset)));
            lines.push(format!("TZNAME:{}", super::escape_text(&name)));
            lines.push("END:STANDARD".into());
        }
        Rule::Yearly(onsets) => {
            for o in &onsets {
                let kind = if o.dst { "DAYLIGHT" } else { "STANDARD" };
                lines.push(format!("BEGIN:{kind}"));
                lines.push(format!("DTSTART:{}", first_onset(o)?));
                lines.push(format!("RRULE:FREQ=YEARLY;{}", o.rrule_parts()));
                lines.push(format!("TZOFFSETFROM:{}", offset_text(o.from)));
                lines.push(format!("TZOFFSETTO:{}", offset_text(o.to)));
                lines.push(format!("TZNAME:{}", super::escape_text(&o.name)));
                lines.push(format!("END:{kind}"));
            }
        }
    }
    lines.push("END:VTIMEZONE".into());
    Ok(lines)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(tzid: &str) -> String {
        vtimezone(tzid).unwrap().join("\n")
    }

    #[test]
    fn berlin_new_york_and_fixed_zones() {
        assert_eq!(
            text("Europe/Berlin"),
            "BEGIN:VTIMEZONE\nTZID:Europe/Berlin\n\
             BEGIN:DAYLIGHT\nDTSTART:19700329T020000\nRRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU\n\
             TZOFFSETFROM:+0100\nTZOFFSETTO:+0200\nTZNAME:CEST\nEND:DAYLIGHT\n\
             BEGIN:STANDARD\nDTSTART:19701025T030000\nRRULE:FREQ=YEARLY;BYMONTH=10;BYDAY=-1SU\n\
             TZOFFSETFROM:+0200\nTZOFFSETTO:+0100\nTZNAME:CET\nEND:STANDARD\nEND:VTIMEZONE"
        );
        let ny = text("America/New_York");
        assert!(ny.contains("DTSTART:19700308T020000\nRRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=2SU\n"));
        assert!(ny.contains("DTSTART:19701101T020000\nRRULE:FREQ=YEARLY;BYMONTH=11;BYDAY=1SU\n"));
        assert!(ny.contains("TZOFFSETFROM:-0400\nTZOFFSETTO:-0500\nTZNAME:EST\n"));
        assert_eq!(
            text("Asia/Kolkata"),
            "BEGIN:VTIMEZONE\nTZID:Asia/Kolkata\nBEGIN:STANDARD\nDTSTART:19700101T000000\n\
             TZOFFSETFROM:+0530\nTZOFFSETTO:+0530\nTZNAME:IST\nEND:STANDARD\nEND:VTIMEZONE"
        );
        // Southern hemisphere: daylight time starts in October.
        let syd = text("Australia/Sydney");
        assert!(syd.contains("BEGIN:DAYLIGHT\nDTSTART:19701004T020000\n"));
        assert!(syd.contains("RRULE:FREQ=YEARLY;BYMONTH=4;BYDAY=1SU\n"));
    }

    #[test]
    fn transitions_off_the_nth_weekday_and_at_midnight() {
        // Nuuk: M3.5.0/-1, i.e. Saturday 23:00 before the last Sunday of March.
        let nuuk = text("America/Nuuk");
        assert!(
            nuuk.contains("RRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=SA;BYMONTHDAY=24,25,26,27,28,29,30\n"),
            "{nuuk}"
        );
        assert!(nuuk.contains("DTSTART:19700328T230000\n"), "{nuuk}");
        // Santiago: M9.1.6/24, i.e. midnight at the end of the first Saturday of September.
        let scl = text("America/Santiago");
        assert!(
            scl.contains("RRULE:FREQ=YEARLY;BYMONTH=9;BYDAY=SU;BYMONTHDAY=2,3,4,5,6,7,8\n"),
            "{scl}"
        );
    }

    #[test]
    fn every_rule_found_matches_the_zone() {
        // For each zone the library writes, the onsets it derived give jiff's own transitions.
        let mut written = 0;
        for name in TimeZoneDatabase::bundled().available() {
            let name = name.as_str();
            let Ok(Rule::Yearly(onsets)) = rule(name) else {
                continue;
            };
            written += 1;
            let tz = zone(name).unwrap();
            for year in [1970, 2100, 2199, 2300, 2500] {
                for o in &onsets {
                    let (h, m, s) = o.time;
                    let local = o.date_in(year).unwrap().at(h, m, s, 0);
                    let at = o.from.to_timestamp(local).unwrap();
                    if year >= 2100 {
                        let before = at - jiff::SignedDuration::from_secs(1);
                        assert_eq!(tz.to_offset(at), o.to, "{name} {year}");
                        assert_eq!(tz.to_offset(before), o.from, "{name} {year}");
                    }
                }
            }
        }
        assert!(written > 100, "{written}");
    }

    #[test]
    fn unknown_names_and_paths_are_refused() {
        for bad in [
            "../etc/passwd",
            "/etc/passwd",
            "Mars/Olympus_Mons",
            "",
            "Etc/Unknown",
            "Europe/../Europe/Berlin",
        ] {
            assert!(!valid_tzid(bad), "{bad}");
            assert_eq!(
                vtimezone(bad).unwrap_err().kind(),
                CalendarErrorKind::UnknownTimeZone
            );
        }
        assert!(valid_tzid("America/Argentina/Buenos_Aires"));
        assert!(valid_tzid("UTC"));
    }

    /// Run in a child process with `TZDIR` pointing at a directory whose `Europe/Berlin` is
    /// Tokyo's zone file (when the machine has one): what a system lookup would read.
    #[test]
    fn output_does_not_depend_on_the_machine_tzdata() {
        if std::env::var_os("MISSIVE_TZ_CHILD").is_some() {
            println!("<<{}>>", text("Europe/Berlin"));
            return;
        }
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir(dir.path().join("Europe")).unwrap();
        if let Ok(tokyo) = std::fs::read("/usr/share/zoneinfo/Asia/Tokyo") {
            std::fs::write(dir.path().join("Europe/Berlin"), tokyo).unwrap();
        }
        let out = std::process::Command::new(std::env::current_exe().unwrap())
            .args([
                "--exact",
                "calendar::tz::tests::output_does_not_depend_on_the_machine_tzdata",
                "--nocapture",
                "--test-threads=1",
            ])
            .env("MISSIVE_TZ_CHILD", "1")
            .env("TZDIR", dir.path())
            .output()
            .unwrap();
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert!(out.status.success(), "{stdout}");
        let want = text("Europe/Berlin");
        assert!(want.contains("TZNAME:CEST"));
        assert!(stdout.contains(&format!("<<{want}>>")), "{stdout}");
    }
}
