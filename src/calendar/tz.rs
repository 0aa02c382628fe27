//! VTIMEZONE components derived from the system's time zone database: the POSIX TZ rule in the
//! footer of a TZif (version 2+) file in /usr/share/zoneinfo (RFC 8536 section 3.3), written as
//! STANDARD and DAYLIGHT sub-components with yearly RRULEs. The rule is the zone's current one,
//! valid for events from the year the rule took effect on.

use super::{CalendarError, CalendarErrorKind};

/// Where TZif files are looked up (`TZDIR` overrides, as in the C library).
fn zoneinfo_dir() -> std::path::PathBuf {
    std::env::var_os("TZDIR")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|| "/usr/share/zoneinfo".into())
}

/// Checks that `tzid` looks like an IANA name (Area/Location): no path tricks.
pub fn valid_tzid(tzid: &str) -> bool {
    !tzid.is_empty()
        && tzid.len() <= 64
        && !tzid.starts_with('/')
        && tzid
            .split('/')
            .all(|seg| !seg.is_empty() && seg != "." && seg != "..")
        && tzid
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "/_+-".contains(c))
}

/// Reads the POSIX TZ string from the footer of the zone's TZif file.
pub fn posix_rule(tzid: &str) -> Result<String, CalendarError> {
    if !valid_tzid(tzid) {
        return Err(CalendarError::with_kind(
            CalendarErrorKind::UnknownTimeZone,
            format!("{tzid:?} is not an IANA time zone name (e.g. Europe/Berlin)"),
        ));
    }
    let path = zoneinfo_dir().join(tzid);
    let data = std::fs::read(&path).map_err(|e| {
        CalendarError::with_kind(
            CalendarErrorKind::UnknownTimeZone,
            format!(
                "unknown time zone {tzid:?}: cannot read {} ({e})",
                path.display()
            ),
        )
    })?;
    if data.len() < 44 || &data[..4] != b"TZif" || data[4] < b'2' {
        return Err(CalendarError::new(format!(
            "{} is not a TZif file of version 2 or later",
            path.display()
        )));
    }
    // The footer is the last line: "\n<TZ string>\n".
    let body = data
        .strip_suffix(b"\n")
        .ok_or_else(|| CalendarError::new(format!("{} has no TZ footer", path.display())))?;
    let start = body
        .iter()
        .rposition(|&b| b == b'\n')
        .ok_or_else(|| CalendarError::new(format!("{} has no TZ footer", path.display())))?;
    let rule = std::str::from_utf8(&body[start + 1..])
        .map_err(|_| CalendarError::new(format!("{} has a malformed footer", path.display())))?;
    if rule.is_empty() {
        return Err(CalendarError::new(format!(
            "{tzid} has no POSIX rule for current times; it cannot be described as a VTIMEZONE"
        )));
    }
    Ok(rule.to_string())
}

/// A transition rule `Mm.w.d[/time]`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Transition {
    month: u32,
    week: u32,
    weekday: u32,
    /// Seconds after local midnight (in the offset in effect before the transition).
    time: i32,
}

/// A parsed POSIX TZ string.
#[derive(Clone, Debug, PartialEq, Eq)]
struct Posix {
    std_name: String,
    /// Seconds east of UTC.
    std_offset: i32,
    dst: Option<(String, i32, Transition, Transition)>,
}

struct P<'a> {
    s: &'a [u8],
    i: usize,
}

impl P<'_> {
    fn peek(&self) -> Option<u8> {
        self.s.get(self.i).copied()
    }
    fn name(&mut self) -> Option<String> {
        let start = self.i;
        if self.peek() == Some(b'<') {
            let end = self.s[start..].iter().position(|&b| b == b'>')? + start;
            self.i = end + 1;
            return Some(String::from_utf8_lossy(&self.s[start + 1..end]).into_owned());
        }
        while self.peek().is_some_and(|b| b.is_ascii_alphabetic()) {
            self.i += 1;
        }
        (self.i - start >= 3).then(|| String::from_utf8_lossy(&self.s[start..self.i]).into_owned())
    }
    fn num(&mut self) -> Option<i32> {
        let start = self.i;
        while self.peek().is_some_and(|b| b.is_ascii_digit()) {
            self.i += 1;
        }
        std::str::from_utf8(&self.s[start..self.i])
            .ok()?
            .parse()
            .ok()
    }
    /// `[+-]hh[:mm[:ss]]` in seconds.
    fn time(&mut self) -> Option<i32> {
        let sign = match self.peek() {
            Some(b'-') => {
                self.i += 1;
                -1
            }
            Some(b'+') => {
                self.i += 1;
                1
            }
            _ => 1,
        };
        let mut secs = self.num()? * 3600;
        for mul in [60, 1] {
            if self.peek() == Some(b':') {
                self.i += 1;
                secs += self.num()? * mul;
            } else {
                break;
            }
        }
        Some(sign * secs)
    }
    fn transition(&mut self) -> Option<Transition> {
        if self.peek() != Some(b'M') {
            return None; // Jn and n forms are not used by current zones
        }
        self.i += 1;
        let month = self.num()? as u32;
        (self.peek() == Some(b'.')).then_some(())?;
        self.i += 1;
        let week = self.num()? as u32;
        (self.peek() == Some(b'.')).then_some(())?;
        self.i += 1;
        let weekday = self.num()? as u32;
        let mut time = 7200;
        if self.peek() == Some(b'/') {
            self.i += 1;
            time = self.time()?;
        }
        ((1..=12).contains(&month) && (1..=5).contains(&week) && weekday <= 6).then_some(
            Transition {
                month,
                week,
                weekday,
                time,
            },
        )
    }
}

fn parse_posix(rule: &str) -> Option<Posix> {
    let mut p = P {
        s: rule.as_bytes(),
        i: 0,
    };
    let std_name = p.name()?;
    // POSIX offsets are west of UTC; iCalendar's are east.
    let std_offset = -p.time()?;
    if p.peek().is_none() {
        return Some(Posix {
            std_name,
            std_offset,
            dst: None,
        });
    }
    let dst_name = p.name()?;
    let dst_offset = if p.peek() != Some(b',') {
        -p.time()?
    } else {
        std_offset + 3600
    };
    (p.peek() == Some(b',')).then_some(())?;
    p.i += 1;
    let start = p.transition()?;
    (p.peek() == Some(b',')).then_some(())?;
    p.i += 1;
    let end = p.transition()?;
    p.peek().is_none().then_some(Posix {
        std_name,
        std_offset,
        dst: Some((dst_name, dst_offset, start, end)),
    })
}

fn offset_text(secs: i32) -> String {
    let sign = if secs < 0 { '-' } else { '+' };
    let a = secs.unsigned_abs();
    if !a.is_multiple_of(60) {
        format!("{sign}{:02}{:02}{:02}", a / 3600, a % 3600 / 60, a % 60)
    } else {
        format!("{sign}{:02}{:02}", a / 3600, a % 3600 / 60)
    }
}

/// The local date-time of the first transition of the rule in 1970, as `19700329T020000`.
fn first_onset(t: Transition) -> Result<String, CalendarError> {
    let day = super::nth_weekday(1970, t.month, t.week, t.weekday);
    if !(0..86_400).contains(&t.time) {
        return Err(CalendarError::new(
            "the zone's transition time is outside 00:00-24:00; not supported",
        ));
    }
    Ok(format!(
        "1970{:02}{:02}T{:02}{:02}{:02}",
        t.month,
        day,
        t.time / 3600,
        t.time % 3600 / 60,
        t.time % 60
    ))
}

fn byday(t: Transition) -> String {
    const DAYS: [&str; 7] = ["SU", "MO", "TU", "WE", "TH", "FR", "SA"];
    let n = if t.week == 5 { -1 } else { t.week as i32 };
    format!("{n}{}", DAYS[t.weekday as usize])
}

/// The VTIMEZONE component for `tzid` as content lines (not folded), derived from its TZif file.
pub fn vtimezone(tzid: &str) -> Result<Vec<String>, CalendarError> {
    let rule = posix_rule(tzid)?;
    let posix = parse_posix(&rule).ok_or_else(|| {
        CalendarError::new(format!(
            "the rule {rule:?} of {tzid} is not one this library can write as a VTIMEZONE"
        ))
    })?;
    let mut lines = vec!["BEGIN:VTIMEZONE".to_string(), format!("TZID:{tzid}")];
    match &posix.dst {
        None => {
            lines.push("BEGIN:STANDARD".into());
            lines.push("DTSTART:19700101T000000".into());
            lines.push(format!("TZOFFSETFROM:{}", offset_text(posix.std_offset)));
            lines.push(format!("TZOFFSETTO:{}", offset_text(posix.std_offset)));
            lines.push(format!("TZNAME:{}", super::escape_text(&posix.std_name)));
            lines.push("END:STANDARD".into());
        }
        Some((dst_name, dst_offset, start, end)) => {
            lines.push("BEGIN:DAYLIGHT".into());
            lines.push(format!("DTSTART:{}", first_onset(*start)?));
            lines.push(format!(
                "RRULE:FREQ=YEARLY;BYMONTH={};BYDAY={}",
                start.month,
                byday(*start)
            ));
            lines.push(format!("TZOFFSETFROM:{}", offset_text(posix.std_offset)));
            lines.push(format!("TZOFFSETTO:{}", offset_text(*dst_offset)));
            lines.push(format!("TZNAME:{}", super::escape_text(dst_name)));
            lines.push("END:DAYLIGHT".into());
            lines.push("BEGIN:STANDARD".into());
            lines.push(format!("DTSTART:{}", first_onset(*end)?));
            lines.push(format!(
                "RRULE:FREQ=YEARLY;BYMONTH={};BYDAY={}",
                end.month,
                byday(*end)
            ));
            lines.push(format!("TZOFFSETFROM:{}", offset_text(*dst_offset)));
            lines.push(format!("TZOFFSETTO:{}", offset_text(posix.std_offset)));
            lines.push(format!("TZNAME:{}", super::escape_text(&posix.std_name)));
            lines.push("END:STANDARD".into());
        }
    }
    lines.push("END:VTIMEZONE".into());
    Ok(lines)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_rules() {
        let p = parse_posix("CET-1CEST,M3.5.0,M10.5.0/3").unwrap();
        assert_eq!(p.std_offset, 3600);
        let (name, off, s, e) = p.dst.unwrap();
        assert_eq!((name.as_str(), off), ("CEST", 7200));
        assert_eq!((s.month, s.week, s.weekday, s.time), (3, 5, 0, 7200));
        assert_eq!(e.time, 10800);
        let p = parse_posix("<+0530>-5:30").unwrap();
        assert_eq!((p.std_name.as_str(), p.std_offset), ("+0530", 19800));
        assert!(parse_posix("EST5EDT,J60,J300").is_none());
        assert_eq!(first_onset(s).unwrap(), "19700329T020000");
    }

    #[test]
    fn rejects_paths() {
        assert!(!valid_tzid("../etc/passwd"));
        assert!(!valid_tzid("/etc/passwd"));
        assert!(valid_tzid("America/Argentina/Buenos_Aires"));
    }
}
