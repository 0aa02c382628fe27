// Invite people to a meeting: an iCalendar REQUEST (Accept/Decline in Outlook, Gmail,
// Thunderbird), in a time zone, weekly, with a reminder.
using System;
using Missive;

static class SendMeetingRequest
{
    static int Main()
    {
        try
        {
            using (var client = ExampleSettings.CreateClient())
            using (var message = new MailMessage(ExampleSettings.From, ExampleSettings.To))
            using (var meeting = new Appointment())
            {
                message.Subject = "Weekly planning";
                message.Body = "Let's plan the week. Agenda to follow.\n";
                meeting.Summary = "Weekly planning";
                meeting.Location = "Room 4.2";
                meeting.Description = "Plan the week.";
                var monday = DateTime.Today.AddDays(((int)DayOfWeek.Monday - (int)DateTime.Today.DayOfWeek + 7) % 7 + 7);
                meeting.SetTimes("Europe/Berlin", monday.AddHours(9), monday.AddHours(10));
                meeting.SetRecurrence(RecurrenceFrequency.Weekly, 1, 10);
                meeting.Reminder = TimeSpan.FromMinutes(15);
                // The message's To and Cc become the attendees; the organizer is its From.
                message.AddAppointment(meeting, CalendarMethod.Request, true);
                Console.WriteLine("meeting " + meeting.Uid);
                ExampleSettings.Report(client.Send(message));
            }
            return 0;
        }
        catch (Exception e) when (e is MissiveException || e is System.IO.IOException || e is FormatException)
        {
            Console.Error.WriteLine("send failed: " + e.Message);
            return 1;
        }
    }
}
