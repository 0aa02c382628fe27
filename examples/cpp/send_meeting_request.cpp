// send_meeting_request: a meeting request (iCalendar REQUEST, with Accept/Decline buttons in
// Outlook and Thunderbird): Mondays 09:30-10:00 Berlin time, weekly, four times, a reminder 15
// minutes before. The message's To and Cc are the attendees.
#include "common.hpp"

int main() {
    return example::run([] {
        missive::Appointment meeting;
        meeting.set_summary("Weekly planning");
        meeting.set_location("Room 4.2");
        meeting.set_description("Plan the week.");
        meeting.set_times_local("Europe/Berlin", {2030, 1, 7, 9, 30, 0}, {2030, 1, 7, 10, 0, 0});
        meeting.set_recurrence(missive::RecurrenceFrequency::Weekly, 1, 4);
        meeting.set_reminder(15);
        missive::Message m;
        m.set_from(example::from()); // the organizer
        m.add_to(example::to());
        m.set_subject("Weekly planning");
        m.set_body("Let's plan the week. Agenda to follow.\n");
        m.add_appointment(meeting, missive::CalendarMethod::Request, true);
        std::cout << "meeting " << meeting.uid() << "\n";
        missive::Client client;
        example::configure(client);
        example::report(client.send(m));
        return 0;
    });
}
