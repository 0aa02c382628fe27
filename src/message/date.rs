//! Dates and times for the whole library, on the `jiff` crate: RFC 5322 `Date:` values, civil
//! (calendar) dates, UTC date-times, FILETIMEs and "now". Calendar and TNEF code use these
//! rather than doing their own calendar arithmetic.
//!
//! Times are Unix seconds (`i64`) at the edges, as everywhere in the library. Values outside
//! the range jiff and the formats can carry are clamped to [`MIN_SECS`]..=[`MAX_SECS`], so no
//! input makes these functions fail or panic.

use jiff::civil::{Date, DateTime};
use jiff::tz::{Offset, TimeZone};
use jiff::{Span, Timestamp};

/// The earliest time handled: 0001-01-02T02:00:00Z, so that any UTC offset (up to ±25:59) keeps
/// the local date in year 1 or later (RFC 5322 has no year 0 or negative years).
pub const MIN_SECS: i64 = -62_135_503_200;
/// The latest time handled: 9999-12-30T22:00:00Z, jiff's latest timestamp (for the same reason:
/// any offset keeps the local date in year 9999).
pub const MAX_SECS: i64 = 253_402_207_200;

/// The largest UTC offset jiff represents, in minutes (25:59).
const MAX_OFFSET_MINUTES: i32 = 25 * 60 + 59;

/// 1970-01-01, day 0 of [`days_from_civil`].
const EPOCH: Date = Date::constant(1970, 1, 1);

/// Unix seconds as a jiff timestamp, clamped to [`MIN_SECS`]..=[`MAX_SECS`].
pub fn timestamp(secs: i64) -> Timestamp {
    Timestamp::from_second(secs.clamp(MIN_SECS, MAX_SECS)).unwrap_or(Timestamp::UNIX_EPOCH)
}

/// Unix seconds as the civil date and time in UTC (clamped as [`timestamp`]).
pub fn utc(secs: i64) -> DateTime {
    TimeZone::UTC.to_datetime(timestamp(secs))
}

/// Formats `secs` (UTC) as an RFC 5322 date in the zone `offset_minutes` east of UTC, e.g.
/// `Tue, 14 Nov 2023 23:13:20 +0100` (the day without a leading zero). Offsets beyond ±25:59
/// are clamped.
pub fn format_rfc5322(secs: i64, offset_minutes: i32) -> String {
    let minutes = offset_minutes.clamp(-MAX_OFFSET_MINUTES, MAX_OFFSET_MINUTES);
    let offset = Offset::from_seconds(minutes * 60).unwrap_or(Offset::UTC);
    let zdt = timestamp(secs).to_zoned_datetime(TimeZone::fixed(offset));
    // Cannot fail: the clamped range keeps the local year within 1..=9999.
    jiff::fmt::rfc2822::to_string(&zdt).unwrap_or_else(|_| "Thu, 1 Jan 1970 00:00:00 +0000".into())
}

/// Unix seconds as a Windows FILETIME: 100-nanosecond units since 1601-01-01 UTC (0 before).
pub fn filetime(secs: i64) -> u64 {
    let epoch = Date::constant(1601, 1, 1)
        .to_datetime(jiff::civil::Time::midnight())
        .to_zoned_datetime(TimeZone::UTC)
        .map(|z| z.timestamp())
        .unwrap_or(Timestamp::MIN);
    let since = timestamp(secs).duration_since(epoch).as_secs();
    u64::try_from(since).unwrap_or(0) * 10_000_000
}

/// The current time in Unix seconds.
pub fn now() -> i64 {
    Timestamp::now().as_second()
}

/// A valid date in years 1 to 9999, or `None`.
pub fn civil_date(year: i32, month: u32, day: u32) -> Option<Date> {
    if !(1..=9999).contains(&year) {
        return None;
    }
    Date::new(
        i16::try_from(year).ok()?,
        i8::try_from(month).ok()?,
        i8::try_from(day).ok()?,
    )
    .ok()
}

/// `date` plus `days` (negative to go back), or `None` beyond jiff's range.
pub fn add_days(date: Date, days: i64) -> Option<Date> {
    date.checked_add(Span::new().try_days(days).ok()?).ok()
}

/// (year, month, day) as days since 1970-01-01. A day past the end of the month rolls over
/// into the next months (31 April is 1 May); a month outside 1-12 is clamped, and a date
/// outside jiff's range (years -9999 to 9999) to its ends.
pub fn days_from_civil(y: i64, m: u32, d: u32) -> i64 {
    let year = y.clamp(-9999, 9999) as i16;
    let month = m.clamp(1, 12) as i8;
    let first = Date::new(year, month, 1).unwrap_or(EPOCH);
    let date = add_days(first, i64::from(d) - 1).unwrap_or(Date::MAX);
    EPOCH
        .until(date)
        .map(|span| i64::from(span.get_days()))
        .unwrap_or(0)
}

/// Days since 1970-01-01 as (year, month, day), clamped to jiff's range.
pub fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let date = add_days(EPOCH, days).unwrap_or(if days < 0 { Date::MIN } else { Date::MAX });
    (
        i64::from(date.year()),
        date.month() as u32,
        date.day() as u32,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates() {
        assert_eq!(format_rfc5322(0, 0), "Thu, 1 Jan 1970 00:00:00 +0000");
        assert_eq!(
            format_rfc5322(1_700_000_000, 60),
            "Tue, 14 Nov 2023 23:13:20 +0100"
        );
        assert_eq!(
            format_rfc5322(1_700_000_000, -300),
            "Tue, 14 Nov 2023 17:13:20 -0500"
        );
        assert_eq!(
            format_rfc5322(1_700_000_000, 330),
            "Wed, 15 Nov 2023 03:43:20 +0530"
        );
        assert_eq!(format_rfc5322(-1, 0), "Wed, 31 Dec 1969 23:59:59 +0000");
    }

    #[test]
    fn out_of_range_values_are_clamped_not_refused() {
        assert_eq!(
            format_rfc5322(i64::MAX, i32::MAX),
            "Fri, 31 Dec 9999 23:59:00 +2559"
        );
        assert_eq!(
            format_rfc5322(i64::MIN, i32::MIN),
            "Mon, 1 Jan 0001 00:01:00 -2559"
        );
        assert_eq!(utc(i64::MAX).to_string(), "9999-12-30T22:00:00");
    }

    #[test]
    fn range_ends_are_what_they_say() {
        let ts = |s: &str| s.parse::<Timestamp>().unwrap().as_second();
        assert_eq!(MIN_SECS, ts("0001-01-02T02:00:00Z"));
        assert_eq!(MAX_SECS, ts("9999-12-30T22:00:00Z"));
        assert_eq!(MAX_SECS, Timestamp::MAX.as_second());
    }

    #[test]
    fn filetimes() {
        assert_eq!(filetime(0), 116_444_736_000_000_000);
        assert_eq!(filetime(1_700_000_000), 133_444_736_000_000_000);
        assert_eq!(filetime(-11_644_473_600), 0);
        assert_eq!(filetime(-20_000_000_000), 0);
        assert_eq!(filetime(i64::MAX), filetime(MAX_SECS));
        assert!(filetime(MAX_SECS) > filetime(MAX_SECS - 1));
    }

    #[test]
    fn civil_days() {
        assert_eq!(days_from_civil(1970, 1, 1), 0);
        assert_eq!(days_from_civil(2025, 3, 10), 20157);
        assert_eq!(days_from_civil(1969, 12, 31), -1);
        assert_eq!(days_from_civil(2025, 2, 29), days_from_civil(2025, 3, 1));
        assert_eq!(civil_from_days(20157), (2025, 3, 10));
        assert_eq!(civil_from_days(-1), (1969, 12, 31));
        assert_eq!(civil_from_days(days_from_civil(2024, 2, 29)), (2024, 2, 29));
        assert_eq!(civil_date(2025, 2, 29), None);
        assert_eq!(civil_date(0, 1, 1), None);
        assert_eq!(
            civil_date(2024, 2, 29).and_then(|d| add_days(d, 1)),
            civil_date(2024, 3, 1)
        );
    }
}
