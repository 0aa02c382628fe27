// Invite people to a meeting: an iCalendar REQUEST (Accept/Decline in Outlook, Gmail,
// Thunderbird), in a time zone, weekly, with a reminder.
package main

import (
	"context"
	"fmt"
	"os"
	"time"

	missive "example.invalid/missive/bindings/go"
	"example.invalid/missive/examples/go/internal/settings"
)

func run() error {
	client, err := settings.Client()
	if err != nil {
		return err
	}
	defer client.Close()
	m := missive.NewMessage()
	defer m.Close()
	meeting := missive.NewAppointment()
	defer meeting.Close()
	now := time.Now()
	monday := time.Date(now.Year(), now.Month(), now.Day()+7+(8-int(now.Weekday()))%7, 9, 0, 0, 0, time.UTC)
	for _, err := range []error{
		m.SetFrom(settings.From()), // the organizer
		m.AddTo(settings.To()),     // the attendees: the message's To and Cc
		m.SetSubject("Weekly planning"),
		m.SetBody("Let's plan the week. Agenda to follow.\n"),
		meeting.SetSummary("Weekly planning"),
		meeting.SetLocation("Room 4.2"),
		meeting.SetDescription("Plan the week."),
		meeting.SetLocalTimes("Europe/Berlin", monday, monday.Add(time.Hour)),
		meeting.SetRecurrence(missive.FrequencyWeekly, 1, 10, time.Time{}),
		meeting.SetReminder(15 * time.Minute),
		m.AddAppointment(meeting, missive.CalendarRequest, true),
	} {
		if err != nil {
			return err
		}
	}
	uid, _ := meeting.UID()
	fmt.Println("meeting", uid)
	r, err := client.Send(context.Background(), m)
	if err != nil {
		return err
	}
	settings.Report(r)
	return nil
}

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}
