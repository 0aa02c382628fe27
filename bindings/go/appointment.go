package missive

/*
#include <stdint.h>
#include "missive.h"
*/
import "C"

import (
	"runtime"
	"sync"
	"time"
	"unsafe"
)

// CalendarMethod says whether an appointment is a request or a cancellation.
type CalendarMethod int32

const (
	CalendarRequest CalendarMethod = C.MISSIVE_CALENDAR_METHOD_REQUEST
	CalendarCancel  CalendarMethod = C.MISSIVE_CALENDAR_METHOD_CANCEL
)

// AppointmentStatus is an appointment's STATUS.
type AppointmentStatus int32

const (
	StatusConfirmed AppointmentStatus = C.MISSIVE_APPOINTMENT_STATUS_CONFIRMED
	StatusTentative AppointmentStatus = C.MISSIVE_APPOINTMENT_STATUS_TENTATIVE
	StatusCancelled AppointmentStatus = C.MISSIVE_APPOINTMENT_STATUS_CANCELLED
)

// AttendeeRole is an attendee's role.
type AttendeeRole int32

const (
	RoleRequired AttendeeRole = C.MISSIVE_ATTENDEE_ROLE_REQUIRED
	RoleOptional AttendeeRole = C.MISSIVE_ATTENDEE_ROLE_OPTIONAL
	RoleResource AttendeeRole = C.MISSIVE_ATTENDEE_ROLE_RESOURCE
)

// Frequency of a recurrence.
type Frequency int32

const (
	FrequencyNone    Frequency = C.MISSIVE_RECURRENCE_FREQUENCY_NONE
	FrequencyDaily   Frequency = C.MISSIVE_RECURRENCE_FREQUENCY_DAILY
	FrequencyWeekly  Frequency = C.MISSIVE_RECURRENCE_FREQUENCY_WEEKLY
	FrequencyMonthly Frequency = C.MISSIVE_RECURRENCE_FREQUENCY_MONTHLY
)

// Appointment is a meeting (iCalendar VEVENT) to put on a message. Close frees it
// (idempotent); a finalizer frees a forgotten one.
type Appointment struct {
	mu sync.RWMutex
	p  *C.missive_appointment
}

// NewAppointment makes an appointment with a new UID.
func NewAppointment() *Appointment {
	p := C.missive_appointment_new()
	if p == nil {
		panic("missive: missive_appointment_new failed")
	}
	a := &Appointment{p: p}
	runtime.SetFinalizer(a, (*Appointment).Close)
	return a
}

// Close frees the appointment. Calling it again does nothing.
func (a *Appointment) Close() error {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.p != nil {
		C.missive_appointment_free(a.p)
		a.p = nil
		runtime.SetFinalizer(a, nil)
	}
	return nil
}

func (a *Appointment) errorText() string {
	_, s := fetchText(func(b *C.char, n C.size_t, o *C.size_t) C.enum_missive_result {
		return C.missive_appointment_error(a.p, b, n, o)
	})
	return s
}

func (a *Appointment) mutate(call func(p *C.missive_appointment) C.enum_missive_result) error {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.p == nil {
		return ErrClosed
	}
	r := Result(call(a.p))
	var err error
	if r != ResultOK {
		err = &Error{Code: r, Detail: a.errorText()}
	}
	runtime.KeepAlive(a)
	return err
}

func (a *Appointment) setText(field C.int32_t, text string) error {
	return a.mutate(func(p *C.missive_appointment) C.enum_missive_result {
		s, n := str(text)
		return C.missive_appointment_set_text(p, field, s, n)
	})
}

// SetSummary sets the meeting's title (SUMMARY).
func (a *Appointment) SetSummary(s string) error {
	return a.setText(C.MISSIVE_APPOINTMENT_TEXT_SUMMARY, s)
}

// SetDescription sets the meeting's description (DESCRIPTION).
func (a *Appointment) SetDescription(s string) error {
	return a.setText(C.MISSIVE_APPOINTMENT_TEXT_DESCRIPTION, s)
}

// SetLocation sets where the meeting is (LOCATION).
func (a *Appointment) SetLocation(s string) error {
	return a.setText(C.MISSIVE_APPOINTMENT_TEXT_LOCATION, s)
}

// SetUID replaces the generated UID (to update an appointment sent before).
func (a *Appointment) SetUID(s string) error { return a.setText(C.MISSIVE_APPOINTMENT_TEXT_UID, s) }

// SetTimes sets start and end as instants (written in UTC).
func (a *Appointment) SetTimes(start, end time.Time) error {
	return a.mutate(func(p *C.missive_appointment) C.enum_missive_result {
		return C.missive_appointment_set_times_utc(p, C.int64_t(start.Unix()), C.int64_t(end.Unix()))
	})
}

// SetLocalTimes sets start and end as wall-clock times (their year..second fields) in the
// IANA zone tzid, e.g. "Europe/Berlin" (written with TZID and a VTIMEZONE).
func (a *Appointment) SetLocalTimes(tzid string, start, end time.Time) error {
	parts := func(t time.Time) [6]C.int32_t {
		return [6]C.int32_t{C.int32_t(t.Year()), C.int32_t(t.Month()), C.int32_t(t.Day()),
			C.int32_t(t.Hour()), C.int32_t(t.Minute()), C.int32_t(t.Second())}
	}
	s, e := parts(start), parts(end)
	return a.mutate(func(p *C.missive_appointment) C.enum_missive_result {
		tz, tn := str(tzid)
		return C.missive_appointment_set_times_local(p, tz, tn, (*C.int32_t)(unsafe.Pointer(&s[0])), (*C.int32_t)(unsafe.Pointer(&e[0])))
	})
}

// SetAllDay makes an all-day event from the date of day for days days.
func (a *Appointment) SetAllDay(day time.Time, days int) error {
	return a.mutate(func(p *C.missive_appointment) C.enum_missive_result {
		return C.missive_appointment_set_all_day(p, C.int32_t(day.Year()), C.uint32_t(day.Month()), C.uint32_t(day.Day()), C.uint32_t(days))
	})
}

// SetOrganizer sets the organizer (default: the message's From).
func (a *Appointment) SetOrganizer(address string) error {
	return a.mutate(func(p *C.missive_appointment) C.enum_missive_result {
		s, n := str(address)
		return C.missive_appointment_set_organizer(p, s, n)
	})
}

// AddAttendee adds an attendee besides the message's To and Cc (rooms, optional people).
func (a *Appointment) AddAttendee(address string, role AttendeeRole, rsvp bool) error {
	return a.mutate(func(p *C.missive_appointment) C.enum_missive_result {
		s, n := str(address)
		return C.missive_appointment_add_attendee(p, s, n, C.int32_t(role), C.bool(rsvp))
	})
}

// SetStatus sets the meeting's STATUS.
func (a *Appointment) SetStatus(status AppointmentStatus) error {
	return a.mutate(func(p *C.missive_appointment) C.enum_missive_result {
		return C.missive_appointment_set_status(p, C.int32_t(status))
	})
}

// SetReminder sets a reminder before the start; a negative duration removes it.
func (a *Appointment) SetReminder(before time.Duration) error {
	minutes := int32(before / time.Minute)
	if before < 0 {
		minutes = -1
	}
	return a.mutate(func(p *C.missive_appointment) C.enum_missive_result {
		return C.missive_appointment_set_reminder(p, C.int32_t(minutes))
	})
}

// SetRecurrence repeats every interval periods, count times (count > 0) or until until.
func (a *Appointment) SetRecurrence(freq Frequency, interval, count int, until time.Time) error {
	var u int64
	if count == 0 {
		u = until.Unix()
	}
	return a.mutate(func(p *C.missive_appointment) C.enum_missive_result {
		return C.missive_appointment_set_recurrence(p, C.int32_t(freq), C.uint32_t(interval), C.uint32_t(count), C.int64_t(u))
	})
}

// IncrementSequence raises SEQUENCE (for an update or cancellation) and returns it.
func (a *Appointment) IncrementSequence() (int, error) {
	var seq C.uint32_t
	err := a.mutate(func(p *C.missive_appointment) C.enum_missive_result {
		return C.missive_appointment_increment_sequence(p, &seq)
	})
	return int(seq), err
}

func (a *Appointment) read(text bool, call func(p *C.missive_appointment, b unsafe.Pointer, n C.size_t, o *C.size_t) C.enum_missive_result) ([]byte, error) {
	a.mu.RLock()
	defer a.mu.RUnlock()
	if a.p == nil {
		return nil, ErrClosed
	}
	r, b := fetch(func(buf unsafe.Pointer, n C.size_t, o *C.size_t) C.enum_missive_result {
		return call(a.p, buf, n, o)
	}, text)
	var err error
	if r != ResultOK {
		err = &Error{Code: r, Detail: a.errorText()}
	}
	runtime.KeepAlive(a)
	return b, err
}

// UID gives the appointment's UID.
func (a *Appointment) UID() (string, error) {
	b, err := a.read(true, func(p *C.missive_appointment, buf unsafe.Pointer, n C.size_t, o *C.size_t) C.enum_missive_result {
		return C.missive_appointment_uid(p, (*C.char)(buf), n, o)
	})
	return string(b), err
}

// ICS gives the iCalendar object (text/calendar) for method.
func (a *Appointment) ICS(method CalendarMethod) ([]byte, error) {
	return a.read(false, func(p *C.missive_appointment, buf unsafe.Pointer, n C.size_t, o *C.size_t) C.enum_missive_result {
		return C.missive_appointment_to_ics(p, C.int32_t(method), (*C.uint8_t)(buf), n, o)
	})
}

// AddAppointment puts a meeting request or cancellation on m (a text/calendar alternate
// view, and invite.ics when attachICS); m's To and Cc become attendees, so add them first.
func (m *Message) AddAppointment(a *Appointment, method CalendarMethod, attachICS bool) error {
	a.mu.RLock()
	defer a.mu.RUnlock()
	if a.p == nil {
		return ErrClosed
	}
	err := m.mutate(func(p *C.missive_message) C.enum_missive_result {
		return C.missive_message_add_appointment(p, a.p, C.int32_t(method), C.bool(attachICS))
	})
	runtime.KeepAlive(a)
	return err
}

// SetUseTNEF writes (and sends) m as TNEF (winmail.dat).
func (m *Message) SetUseTNEF(enable bool) error {
	return m.mutate(func(p *C.missive_message) C.enum_missive_result {
		return C.missive_message_set_use_tnef(p, C.bool(enable))
	})
}

// UseTNEF reports whether m is written as TNEF.
func (m *Message) UseTNEF() bool {
	return messageValue(m, false, func(p *C.missive_message) bool {
		return bool(C.missive_message_use_tnef(p))
	})
}

// WithTNEF sends every message as TNEF (winmail.dat) instead of ordinary MIME.
func WithTNEF(enable bool) Option {
	return func(c *Client) error {
		return c.do(func(p *C.missive_client) C.enum_missive_result {
			return C.missive_client_set_use_tnef(p, C.bool(enable))
		})
	}
}
