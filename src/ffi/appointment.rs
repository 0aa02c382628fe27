//! `missive_appointment`: a meeting (VEVENT) to send as an iCalendar meeting request.

use std::ffi::c_char;

use super::boundary::{copy_error, ffi_boundary, try_arg, try_mut, try_ref, try_str, write_out};
use super::handle::{self, Handle};
use super::message::{code_of, missive_message};
use super::result::{ErrorSlot, HasError, missive_result};
use crate::calendar::{
    Appointment, AttendeeRole, CalendarError, CalendarErrorKind, Date, EventTime, Frequency,
    Method, Recurrence, RecurrenceEnd, Status,
};
use crate::message::MailAddress;

/// An appointment: summary, description, location, start and end (UTC, an IANA time zone, or
/// whole days), organizer, attendees, recurrence, reminder, status, and a stable UID and
/// SEQUENCE. Put it on a message with `missive_message_add_appointment`.
///
/// Create with `missive_appointment_new`, free with `missive_appointment_free` (exactly once).
/// Thread safety: may be moved between threads; must not be used concurrently.
#[allow(non_camel_case_types)]
pub struct missive_appointment {
    _private: [u8; 0],
}

/// An attendee's role (`role` arguments are `int32_t` holding one of these).
#[repr(C)]
#[allow(non_camel_case_types)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum missive_attendee_role {
    /// A required participant (`ROLE=REQ-PARTICIPANT`).
    Required = 0,
    /// An optional participant (`ROLE=OPT-PARTICIPANT`).
    Optional = 1,
    /// A room or equipment (`CUTYPE=RESOURCE;ROLE=NON-PARTICIPANT`).
    Resource = 2,
}

/// The iTIP method of a calendar (`method` arguments are `int32_t` holding one of these).
#[repr(C)]
#[allow(non_camel_case_types)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum missive_calendar_method {
    /// An invitation, or an update (same UID, SEQUENCE raised with
    /// `missive_appointment_increment_sequence`).
    Request = 0,
    /// A cancellation (STATUS:MISSIVE_RESULT_CANCELLED).
    Cancel = 1,
}

/// How often an appointment repeats (`frequency` arguments are `int32_t`).
#[repr(C)]
#[allow(non_camel_case_types)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum missive_recurrence_frequency {
    /// It does not repeat (removes a recurrence).
    None = 0,
    /// Every `interval` days.
    Daily = 1,
    /// Every `interval` weeks.
    Weekly = 2,
    /// Every `interval` months.
    Monthly = 3,
}

/// An appointment's status (`status` arguments are `int32_t`).
#[repr(C)]
#[allow(non_camel_case_types)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum missive_appointment_status {
    /// `STATUS:CONFIRMED` (the default).
    Confirmed = 0,
    /// `STATUS:TENTATIVE`.
    Tentative = 1,
    /// `STATUS:MISSIVE_RESULT_CANCELLED`.
    Cancelled = 2,
}

/// What a `missive_appointment *` points to.
#[derive(Debug)]
pub(crate) struct AppointmentHandle {
    appt: Appointment,
    error: ErrorSlot,
}

impl HasError for AppointmentHandle {
    fn error_slot(&self) -> &ErrorSlot {
        &self.error
    }
}

// SAFETY: `missive_appointment` pointers are only made by `handle::into_raw` with an
// AppointmentHandle.
unsafe impl Handle for missive_appointment {
    type Inner = AppointmentHandle;
}

const _: () = {
    const fn is_send<T: Send>() {}
    is_send::<AppointmentHandle>();
};

/// The result code for a calendar error.
fn calendar_code(e: &CalendarError) -> missive_result {
    match e.kind() {
        CalendarErrorKind::Invalid => missive_result::InvalidArgument,
        CalendarErrorKind::UnknownTimeZone => missive_result::UnknownTimeZone,
        CalendarErrorKind::Incomplete => missive_result::IncompleteAppointment,
    }
}

fn method_of(h: &impl HasError, method: i32) -> Result<Method, missive_result> {
    match method {
        0 => Ok(Method::Request),
        1 => Ok(Method::Cancel),
        other => Err(h.fail(
            missive_result::InvalidArgument,
            format!("{other} is not a missive_calendar_method (0-1)"),
        )),
    }
}

/// Creates an appointment with a new, unique UID, SEQUENCE 0, DTSTAMP now and status
/// CONFIRMED. NULL only if a panic was caught.
///
/// Ownership: the caller owns the result and frees it with `missive_appointment_free`.
/// Thread safety: safe to call from any thread.
#[unsafe(no_mangle)]
pub extern "C" fn missive_appointment_new() -> *mut missive_appointment {
    ffi_boundary! {
        let mut appt = Appointment::new();
        // Fixed now, so that every rendering of this version has the same DTSTAMP.
        appt.dtstamp = Some(crate::message::date::now());
        handle::into_raw::<missive_appointment>(AppointmentHandle { appt, error: ErrorSlot::default() })
    }
}

/// Frees an appointment. NULL is a no-op. Free exactly once.
///
/// Ownership: takes ownership of `appointment`; the pointer is invalid afterwards.
/// Thread safety: no other call on the handle may be in progress.
///
/// # Safety
/// `appointment` is NULL or live and not in use by another thread.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn missive_appointment_free(appointment: *mut missive_appointment) {
    ffi_boundary! {
        // SAFETY: forwarded contract.
        unsafe { handle::free(appointment) }
    }
}

/// Copies the text of the most recent failure on `appointment` (empty after a success), as
/// `missive_message_error` does. Returns MISSIVE_RESULT_NULL_ARGUMENT when `appointment` or
/// `out_len` is NULL; MISSIVE_RESULT_BUFFER_TOO_SMALL.
///
/// Ownership: borrows its arguments for the call; copies into `buf`.
/// Thread safety: read-only; not concurrently with calls that change the handle.
///
/// # Safety
/// `appointment` is NULL or live; `buf` is NULL or has `buf_len` writable bytes; `out_len` is
/// NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn missive_appointment_error(
    appointment: *const missive_appointment,
    buf: *mut c_char,
    buf_len: usize,
    out_len: *mut usize,
) -> missive_result {
    ffi_boundary! {
        let h = try_ref!(appointment);
        // SAFETY: forwarded contract.
        unsafe { copy_error(h, buf, buf_len, out_len) }
    }
}

/// Which text field `missive_appointment_set_text` sets (`field` arguments are `int32_t`).
#[repr(C)]
#[allow(non_camel_case_types)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum missive_appointment_text {
    /// SUMMARY (the title; required).
    Summary = 0,
    /// DESCRIPTION (line breaks allowed).
    Description = 1,
    /// LOCATION.
    Location = 2,
    /// UID: replace the generated one, e.g. to update or cancel an appointment sent earlier.
    Uid = 3,
}

/// Sets a text field (`field` is a `missive_appointment_text`; UTF-8, copied). Line breaks are kept
/// in DESCRIPTION and escaped when written. Returns MISSIVE_RESULT_INVALID_ARGUMENT for an unknown
/// field, an empty UID or a UID with control characters; MISSIVE_RESULT_NULL_ARGUMENT for a NULL
/// `appointment` or (NULL, n > 0) text.
///
/// Ownership: borrows its arguments for the call; the text is copied.
/// Thread safety: changes the handle; no other call on it may run concurrently.
///
/// # Safety
/// `appointment` is NULL or live and not used concurrently; `text` points to `text_len` bytes.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn missive_appointment_set_text(
    appointment: *mut missive_appointment,
    field: i32,
    text: *const c_char,
    text_len: usize,
) -> missive_result {
    ffi_boundary! {
        let h = try_mut!(appointment);
        let text = try_str!(h, text, text_len, "text");
        match field {
            0 => h.appt.summary = text.to_string(),
            1 => h.appt.description = text.to_string(),
            2 => h.appt.location = text.to_string(),
            3 => {
                if text.trim().is_empty() || text.chars().any(char::is_control) {
                    return h.fail(missive_result::InvalidArgument,
                        "a UID must be non-empty and without control characters");
                }
                h.appt.uid = text.trim().to_string();
            }
            other => return h.fail(missive_result::InvalidArgument,
                format!("{other} is not a missive_appointment_text (0-3)")),
        }
        h.ok()
    }
}

/// Copies the UID (NUL-terminated) into `buf` with the size-then-fill pattern: `*out_len` receives
/// the bytes needed including the NUL; `buf = NULL, buf_len = 0` asks. Returns
/// MISSIVE_RESULT_NULL_ARGUMENT when `appointment` or `out_len` is NULL;
/// MISSIVE_RESULT_BUFFER_TOO_SMALL.
///
/// Ownership: borrows its arguments for the call; copies into `buf`.
/// Thread safety: read-only; not concurrently with calls that change the handle.
///
/// # Safety
/// `appointment` is NULL or live; `buf` is NULL or has `buf_len` writable bytes; `out_len` is
/// NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn missive_appointment_uid(
    appointment: *const missive_appointment,
    buf: *mut c_char,
    buf_len: usize,
    out_len: *mut usize,
) -> missive_result {
    ffi_boundary! {
        let h = try_ref!(appointment);
        let uid = h.appt.uid.clone();
        // SAFETY: forwarded contract.
        unsafe { write_out(h, uid.as_bytes(), true, buf.cast(), buf_len, out_len) }
    }
}

/// Raises SEQUENCE by one, for an update or a cancellation of an appointment already sent (the
/// UID stays), and sets DTSTAMP to now. `*out_sequence` (when `out_sequence` is not NULL)
/// receives the new value. Returns MISSIVE_RESULT_NULL_ARGUMENT when `appointment` is NULL.
///
/// Ownership: borrows its arguments for the call.
/// Thread safety: changes the handle; no other call on it may run concurrently.
///
/// # Safety
/// `appointment` is NULL or live and not used concurrently; `out_sequence` is NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn missive_appointment_increment_sequence(
    appointment: *mut missive_appointment,
    out_sequence: *mut u32,
) -> missive_result {
    ffi_boundary! {
        let h = try_mut!(appointment);
        h.appt.bump_sequence();
        h.appt.dtstamp = Some(crate::message::date::now());
        if !out_sequence.is_null() {
            // SAFETY: checked non-NULL; the caller guarantees it is writable.
            unsafe { *out_sequence = h.appt.sequence };
        }
        h.ok()
    }
}

/// Sets the organizer (one mailbox, `Name <a@b>`). Without one, the message's From is used when the
/// appointment is added to a message. Returns MISSIVE_RESULT_INVALID_ADDRESS for a malformed
/// address; MISSIVE_RESULT_NULL_ARGUMENT for a NULL `appointment` or (NULL, n > 0) address.
///
/// Ownership: borrows its arguments for the call; the address is copied.
/// Thread safety: changes the handle; no other call on it may run concurrently.
///
/// # Safety
/// `appointment` is NULL or live and not used concurrently; `address` points to `address_len`
/// bytes.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn missive_appointment_set_organizer(
    appointment: *mut missive_appointment,
    address: *const c_char,
    address_len: usize,
) -> missive_result {
    ffi_boundary! {
        let h = try_mut!(appointment);
        let address = try_str!(h, address, address_len, "address");
        match MailAddress::parse(address) {
            Ok(a) => { h.appt.organizer = Some(a); h.ok() }
            Err(e) => h.fail(code_of(e.kind()), e.message()),
        }
    }
}

/// Adds an attendee (one mailbox) with a `missive_attendee_role` and whether a reply is requested;
/// an attendee with the same address is updated instead. The message's To and Cc recipients are
/// added as required attendees with RSVP when the appointment is put on a message, so list here
/// only the others (optional attendees, rooms). Returns MISSIVE_RESULT_INVALID_ADDRESS,
/// MISSIVE_RESULT_INVALID_ARGUMENT (unknown role), MISSIVE_RESULT_NULL_ARGUMENT.
///
/// Ownership: borrows its arguments for the call; the address is copied.
/// Thread safety: changes the handle; no other call on it may run concurrently.
///
/// # Safety
/// `appointment` is NULL or live and not used concurrently; `address` points to `address_len`
/// bytes.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn missive_appointment_add_attendee(
    appointment: *mut missive_appointment,
    address: *const c_char,
    address_len: usize,
    role: i32,
    rsvp: bool,
) -> missive_result {
    ffi_boundary! {
        let h = try_mut!(appointment);
        let address = try_str!(h, address, address_len, "address");
        let role = match role {
            0 => AttendeeRole::Required,
            1 => AttendeeRole::Optional,
            2 => AttendeeRole::Resource,
            other => return h.fail(missive_result::InvalidArgument,
                format!("{other} is not a missive_attendee_role (0-2)")),
        };
        match MailAddress::parse(address) {
            Ok(a) => { h.appt.add_attendee(a, role, rsvp); h.ok() }
            Err(e) => h.fail(code_of(e.kind()), e.message()),
        }
    }
}

/// Sets start and end as instants (seconds since the Unix epoch), written in UTC. Returns
/// MISSIVE_RESULT_INVALID_ARGUMENT when `end` is not after `start` or either is outside 1970-9999;
/// MISSIVE_RESULT_NULL_ARGUMENT when `appointment` is NULL.
///
/// Ownership: borrows `appointment` for the call.
/// Thread safety: changes the handle; no other call on it may run concurrently.
///
/// # Safety
/// `appointment` is NULL or live and not used concurrently.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn missive_appointment_set_times_utc(
    appointment: *mut missive_appointment,
    start: i64,
    end: i64,
) -> missive_result {
    ffi_boundary! {
        let h = try_mut!(appointment);
        let range = 0..=253_402_300_799;
        if !range.contains(&start) || !range.contains(&end) {
            return h.fail(missive_result::InvalidArgument, "a time is outside 1970-9999");
        }
        if end <= start {
            return h.fail(missive_result::InvalidArgument, "the end is not after the start");
        }
        h.appt.start = Some(EventTime::Utc(start));
        h.appt.end = Some(EventTime::Utc(end));
        h.ok()
    }
}

/// Sets start and end as wall-clock times in the IANA time zone `tzid` (e.g. `Europe/Berlin`;
/// UTF-8): `start` and `end` each point to six `int32_t` values, year, month, day, hour, minute,
/// second. The calendar carries `TZID=` and a VTIMEZONE derived from the IANA time zone database
/// built into the library (the machine's zoneinfo is not used). Returns
/// MISSIVE_RESULT_UNKNOWN_TIME_ZONE when `tzid` is not a zone name, or names a zone whose current
/// rule cannot be written as a VTIMEZONE (the error text says so); MISSIVE_RESULT_INVALID_ARGUMENT
/// for an impossible date or time or an end not after the start; MISSIVE_RESULT_NULL_ARGUMENT when
/// a pointer is NULL.
///
/// Ownership: borrows its arguments for the call; `tzid` is copied.
/// Thread safety: changes the handle; no other call on it may run concurrently.
///
/// # Safety
/// `appointment` is NULL or live and not used concurrently; `tzid` points to `tzid_len`
/// bytes; `start` and `end` are NULL or point to 6 readable `int32_t`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn missive_appointment_set_times_local(
    appointment: *mut missive_appointment,
    tzid: *const c_char,
    tzid_len: usize,
    start: *const i32,
    end: *const i32,
) -> missive_result {
    ffi_boundary! {
        let h = try_mut!(appointment);
        let tzid = try_str!(h, tzid, tzid_len, "tzid");
        if start.is_null() || end.is_null() {
            return h.fail(missive_result::NullArgument, "start or end is NULL");
        }
        // SAFETY: checked non-NULL; the caller guarantees 6 readable values each.
        let (s, e) = unsafe { (std::slice::from_raw_parts(start, 6), std::slice::from_raw_parts(end, 6)) };
        let zoned = |v: &[i32]| -> Result<EventTime, CalendarError> {
            if v[1..].iter().any(|x| *x < 0) {
                return Err(CalendarError::new("a negative month, day or time"));
            }
            Ok(EventTime::Zoned {
                tzid: tzid.to_string(),
                date: Date { year: v[0], month: v[1] as u32, day: v[2] as u32 },
                time: (v[3] as u32, v[4] as u32, v[5] as u32),
            })
        };
        let mut appt = h.appt.clone();
        let r = zoned(s).and_then(|s| Ok((s, zoned(e)?))).and_then(|(s, e)| {
            appt.start = Some(s);
            appt.end = Some(e);
            check_times(&appt)
        });
        match r {
            Ok(()) => { h.appt = appt; h.ok() }
            Err(e) => h.fail(calendar_code(&e), e.message()),
        }
    }
}

/// Validates the times only (the rest may still be missing).
fn check_times(appt: &Appointment) -> Result<(), CalendarError> {
    let mut probe = appt.clone();
    probe.summary = "x".into();
    probe.validate()
}

/// Makes an all-day event: from the date `year`-`month`-`day` for `days` whole days (1 or more;
/// written as `VALUE=DATE`, the end being the day after the last). Returns
/// MISSIVE_RESULT_INVALID_ARGUMENT for an impossible date or `days` of 0;
/// MISSIVE_RESULT_NULL_ARGUMENT when `appointment` is NULL.
///
/// Ownership: borrows `appointment` for the call.
/// Thread safety: changes the handle; no other call on it may run concurrently.
///
/// # Safety
/// `appointment` is NULL or live and not used concurrently.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn missive_appointment_set_all_day(
    appointment: *mut missive_appointment,
    year: i32,
    month: u32,
    day: u32,
    days: u32,
) -> missive_result {
    ffi_boundary! {
        let h = try_mut!(appointment);
        if days == 0 || days > 3660 {
            return h.fail(missive_result::InvalidArgument, "days must be 1-3660");
        }
        let start = Date { year, month, day };
        let mut appt = h.appt.clone();
        appt.start = Some(EventTime::AllDay(start));
        // An impossible start is refused below; the end is then the start itself.
        let end = start.add_days(i64::from(days)).unwrap_or(start);
        appt.end = Some(EventTime::AllDay(end));
        match check_times(&appt) {
            Ok(()) => { h.appt = appt; h.ok() }
            Err(e) => h.fail(calendar_code(&e), e.message()),
        }
    }
}

/// Sets the recurrence: `frequency` is a `missive_recurrence_frequency` (NONE removes it), every
/// `interval` periods (1 or more), ending after `count` occurrences (when `count` > 0) or at the
/// instant `until` (seconds since the epoch, inclusive; when `count` is 0). Returns
/// MISSIVE_RESULT_INVALID_ARGUMENT for an unknown frequency, `interval` 0, or neither/both of
/// `count` and `until`; MISSIVE_RESULT_NULL_ARGUMENT when `appointment` is NULL.
///
/// Ownership: borrows `appointment` for the call.
/// Thread safety: changes the handle; no other call on it may run concurrently.
///
/// # Safety
/// `appointment` is NULL or live and not used concurrently.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn missive_appointment_set_recurrence(
    appointment: *mut missive_appointment,
    frequency: i32,
    interval: u32,
    count: u32,
    until: i64,
) -> missive_result {
    ffi_boundary! {
        let h = try_mut!(appointment);
        let frequency = match frequency {
            0 => { h.appt.recurrence = None; return h.ok(); }
            1 => Frequency::Daily,
            2 => Frequency::Weekly,
            3 => Frequency::Monthly,
            other => return h.fail(missive_result::InvalidArgument,
                format!("{other} is not a missive_recurrence_frequency (0-3)")),
        };
        if interval == 0 {
            return h.fail(missive_result::InvalidArgument, "interval must be at least 1");
        }
        let end = match (count, until) {
            (0, u) if u > 0 => RecurrenceEnd::Until(u),
            (n, 0) if n > 0 => RecurrenceEnd::Count(n),
            _ => return h.fail(missive_result::InvalidArgument,
                "give exactly one of count (> 0) and until (> 0)"),
        };
        h.appt.recurrence = Some(Recurrence { frequency, interval, end });
        h.ok()
    }
}

/// Sets a reminder (a VALARM) `minutes` before the start; a negative value removes it.
/// Returns MISSIVE_RESULT_NULL_ARGUMENT when `appointment` is NULL.
///
/// Ownership: borrows `appointment` for the call.
/// Thread safety: changes the handle; no other call on it may run concurrently.
///
/// # Safety
/// `appointment` is NULL or live and not used concurrently.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn missive_appointment_set_reminder(
    appointment: *mut missive_appointment,
    minutes: i32,
) -> missive_result {
    ffi_boundary! {
        let h = try_mut!(appointment);
        h.appt.reminder_minutes = u32::try_from(minutes).ok();
        h.ok()
    }
}

/// Sets the status (`status` is a `missive_appointment_status`). Returns
/// MISSIVE_RESULT_INVALID_ARGUMENT for other values; MISSIVE_RESULT_NULL_ARGUMENT when
/// `appointment` is NULL.
///
/// Ownership: borrows `appointment` for the call.
/// Thread safety: changes the handle; no other call on it may run concurrently.
///
/// # Safety
/// `appointment` is NULL or live and not used concurrently.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn missive_appointment_set_status(
    appointment: *mut missive_appointment,
    status: i32,
) -> missive_result {
    ffi_boundary! {
        let h = try_mut!(appointment);
        h.appt.status = match status {
            0 => Status::Confirmed,
            1 => Status::Tentative,
            2 => Status::Cancelled,
            other => return h.fail(missive_result::InvalidArgument,
                format!("{other} is not a missive_appointment_status (0-2)")),
        };
        h.ok()
    }
}

/// Copies the appointment as an iCalendar object (`text/calendar`, CRLF lines folded at 75 octets,
/// not NUL-terminated) for `method` (a `missive_calendar_method`) into `buf`, with the
/// size-then-fill pattern. The attendees are the ones added to the appointment (the message's
/// recipients are added only by `missive_message_add_appointment`). Returns
/// MISSIVE_RESULT_INCOMPLETE_APPOINTMENT (no start, end, summary or organizer: the error text says
/// which), MISSIVE_RESULT_UNKNOWN_TIME_ZONE, MISSIVE_RESULT_INVALID_ARGUMENT (bad method),
/// MISSIVE_RESULT_BUFFER_TOO_SMALL, MISSIVE_RESULT_NULL_ARGUMENT (`appointment` or `out_len` NULL).
///
/// Ownership: borrows its arguments for the call; copies into `buf`.
/// Thread safety: read-only; not concurrently with calls that change the handle.
///
/// # Safety
/// `appointment` is NULL or live; `buf` is NULL or has `buf_len` writable bytes; `out_len` is
/// NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn missive_appointment_to_ics(
    appointment: *const missive_appointment,
    method: i32,
    buf: *mut u8,
    buf_len: usize,
    out_len: *mut usize,
) -> missive_result {
    ffi_boundary! {
        let h = try_ref!(appointment);
        let method = match method_of(h, method) { Ok(m) => m, Err(code) => return code };
        match h.appt.to_ics(method) {
            // SAFETY: forwarded contract.
            Ok(ics) => unsafe { write_out(h, ics.as_bytes(), false, buf, buf_len, out_len) },
            Err(e) => h.fail(calendar_code(&e), e.message()),
        }
    }
}

/// Puts `appointment` on `message` as a meeting request or cancellation (`method` is a
/// `missive_calendar_method`): the calendar goes in as the alternate view `text/calendar;
/// method=REQUEST|CANCEL; charset=utf-8` beside the text and HTML bodies, and also as an
/// `invite.ics` attachment when `attach_ics` is true. Every To and Cc recipient of the message (add
/// them first) becomes an ATTENDEE with RSVP=TRUE and PARTSTAT=NEEDS-ACTION; the organizer defaults
/// to the message's From. A second call replaces the calendar. Returns
/// MISSIVE_RESULT_INCOMPLETE_APPOINTMENT, MISSIVE_RESULT_UNKNOWN_TIME_ZONE,
/// MISSIVE_RESULT_INVALID_ARGUMENT (bad method; the error text says which),
/// MISSIVE_RESULT_NULL_ARGUMENT (either handle NULL); the error text is stored on `message`, which
/// is unchanged on failure.
///
/// Ownership: borrows both handles for the call; the calendar is copied into the message.
/// Thread safety: changes `message`; no other call on it may run concurrently. `appointment`
/// is only read.
///
/// # Safety
/// `message` is NULL or live and not used concurrently; `appointment` is NULL or live.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn missive_message_add_appointment(
    message: *mut missive_message,
    appointment: *const missive_appointment,
    method: i32,
    attach_ics: bool,
) -> missive_result {
    ffi_boundary! {
        let h = try_mut!(message);
        let a = try_arg!(&*h, appointment, "appointment");
        let method = match method_of(&*h, method) { Ok(m) => m, Err(code) => return code };
        let mut msg = h.msg.clone();
        match crate::calendar::add_to_message(&mut msg, &a.appt, method, attach_ics) {
            Ok(()) => { super::tnef::replace_message(h, msg); h.ok() }
            Err(e) => h.fail(calendar_code(&e), e.message()),
        }
    }
}
