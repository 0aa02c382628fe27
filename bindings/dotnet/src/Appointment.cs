// Appointment: a meeting (iCalendar VEVENT) over a native missive_appointment.
using System;
using System.Text;

namespace Missive
{
    public enum CalendarMethod { Request = 0, Cancel = 1 }
    public enum AppointmentStatus { Confirmed = 0, Tentative = 1, Cancelled = 2 }
    public enum AttendeeRole { Required = 0, Optional = 1, Resource = 2 }
    public enum RecurrenceFrequency { None = 0, Daily = 1, Weekly = 2, Monthly = 3 }

    /// <summary>A meeting to send as a request or cancellation
    /// (<see cref="MailMessage.AddAppointment"/>). Dispose it; Dispose twice is harmless.</summary>
    public sealed class Appointment : IDisposable
    {
        readonly AppointmentHandle handle;
        string summary, description, location;
        AppointmentStatus status;

        public Appointment()
        {
            handle = Native.missive_appointment_new();
            if (handle == null || handle.IsInvalid) throw new OutOfMemoryException("missive_appointment_new failed");
        }

        public string Summary { get => summary; set { SetText(0, value); summary = value; } }
        public string Description { get => description; set { SetText(1, value); description = value; } }
        public string Location { get => location; set { SetText(2, value); location = value; } }

        /// <summary>The UID (unique, generated; set it to update an appointment sent before).</summary>
        public string Uid
        {
            get
            {
                string s; var h = H;
                Check(Native.FetchText((byte[] b, UIntPtr n, out UIntPtr o) => Native.missive_appointment_uid(h, b, n, out o), out s));
                return s;
            }
            set => SetText(3, value);
        }

        /// <summary>Start and end as instants (written in UTC).</summary>
        public void SetTimes(DateTimeOffset start, DateTimeOffset end) =>
            Check(Native.missive_appointment_set_times_utc(H, start.ToUnixTimeSeconds(), end.ToUnixTimeSeconds()));

        /// <summary>Start and end as wall-clock times in the IANA zone <paramref name="timeZoneId"/>
        /// (e.g. "Europe/Berlin").</summary>
        public void SetTimes(string timeZoneId, DateTime localStart, DateTime localEnd)
        {
            var tz = Native.Utf8(timeZoneId);
            Check(Native.missive_appointment_set_times_local(H, tz, Native.Len(tz), Parts(localStart), Parts(localEnd)));
        }

        static int[] Parts(DateTime t) => new[] { t.Year, t.Month, t.Day, t.Hour, t.Minute, t.Second };

        /// <summary>An all-day event from <paramref name="date"/> for <paramref name="days"/> days.</summary>
        public void SetAllDay(DateTime date, int days = 1) =>
            Check(Native.missive_appointment_set_all_day(H, date.Year, (uint)date.Month, (uint)date.Day, (uint)days));

        /// <summary>The organizer (without one, the message's From).</summary>
        public MailAddress Organizer
        {
            set { var b = Native.Utf8(value?.ToString()); Check(Native.missive_appointment_set_organizer(H, b, Native.Len(b))); }
        }

        /// <summary>Adds an attendee besides the message's To and Cc (rooms, optional people).</summary>
        public void AddAttendee(MailAddress address, AttendeeRole role = AttendeeRole.Optional, bool rsvp = true)
        {
            var b = Native.Utf8(address?.ToString() ?? throw new ArgumentNullException(nameof(address)));
            Check(Native.missive_appointment_add_attendee(H, b, Native.Len(b), (int)role, rsvp));
        }

        public AppointmentStatus Status
        {
            get => status;
            set { Check(Native.missive_appointment_set_status(H, (int)value)); status = value; }
        }

        /// <summary>A reminder before the start; null removes it.</summary>
        public TimeSpan? Reminder
        {
            set => Check(Native.missive_appointment_set_reminder(H, value.HasValue ? (int)value.Value.TotalMinutes : -1));
        }

        /// <summary>Repeats every <paramref name="interval"/> periods, <paramref name="count"/> times.</summary>
        public void SetRecurrence(RecurrenceFrequency frequency, int interval, int count) =>
            Check(Native.missive_appointment_set_recurrence(H, (int)frequency, (uint)interval, (uint)count, 0));

        /// <summary>Repeats every <paramref name="interval"/> periods until <paramref name="until"/>.</summary>
        public void SetRecurrence(RecurrenceFrequency frequency, int interval, DateTimeOffset until) =>
            Check(Native.missive_appointment_set_recurrence(H, (int)frequency, (uint)interval, 0, until.ToUnixTimeSeconds()));

        /// <summary>For an update or cancellation of an appointment already sent: raises SEQUENCE.</summary>
        public int IncrementSequence()
        {
            uint seq;
            Check(Native.missive_appointment_increment_sequence(H, out seq));
            return (int)seq;
        }

        /// <summary>The iCalendar object (text/calendar).</summary>
        public string ToIcs(CalendarMethod method = CalendarMethod.Request)
        {
            byte[] b; var h = H;
            Check(Native.FetchBytes((byte[] buf, UIntPtr n, out UIntPtr o) => Native.missive_appointment_to_ics(h, (int)method, buf, n, out o), false, out b));
            return Encoding.UTF8.GetString(b);
        }

        public string LastError
        {
            get { var h = H; return Native.ErrorText((byte[] b, UIntPtr n, out UIntPtr o) => Native.missive_appointment_error(h, b, n, out o)); }
        }

        public void Dispose() => handle.Dispose();

        internal AppointmentHandle H
        {
            get
            {
                if (handle.IsClosed) throw new ObjectDisposedException(nameof(Appointment));
                return handle;
            }
        }

        void SetText(int field, string value)
        {
            var b = Native.Utf8(value);
            Check(Native.missive_appointment_set_text(H, field, b, Native.Len(b)));
        }

        void Check(MissiveResult r)
        {
            if (r != MissiveResult.Ok) throw new MissiveException(r, LastError);
        }
    }
}
