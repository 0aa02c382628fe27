/* missive_appointment: iCalendar output, meeting requests on messages, every error code. */
#include "harness.h"

#include <stdbool.h>
#include <stdint.h>

static const char *appt_error(const missive_appointment *a) {
    static char text[1024];
    size_t len = 0;
    text[0] = '\0';
    if (missive_appointment_error(a, text, sizeof text, &len) != MISSIVE_RESULT_OK)
        strcpy(text, "<error text unavailable>");
    return text;
}

/* The calendar as a malloc'd NUL-terminated string, or NULL. */
static char *ics(const missive_appointment *a, int32_t method) {
    size_t len = 0;
    if (missive_appointment_to_ics(a, method, NULL, 0, &len) != MISSIVE_RESULT_OK)
        return NULL;
    char *buf = malloc(len + 1);
    if (buf == NULL)
        return NULL;
    size_t again = 0;
    if (len > 0 && missive_appointment_to_ics(a, method, (uint8_t *)buf, len - 1, &again) !=
                       MISSIVE_RESULT_BUFFER_TOO_SMALL) {
        free(buf);
        return NULL;
    }
    if (missive_appointment_to_ics(a, method, (uint8_t *)buf, len, &again) != MISSIVE_RESULT_OK ||
        again != len) {
        free(buf);
        return NULL;
    }
    buf[len] = '\0';
    return buf;
}

static missive_appointment *meeting(void) {
    missive_appointment *a = missive_appointment_new();
    if (a == NULL)
        return NULL;
    const int32_t start[6] = {2025, 7, 10, 9, 0, 0}, end[6] = {2025, 7, 10, 10, 30, 0};
    if (missive_appointment_set_text(a, MISSIVE_APPOINTMENT_TEXT_SUMMARY, S("Planning, Q3; \xc3\xbc")) !=
            MISSIVE_RESULT_OK ||
        missive_appointment_set_text(a, MISSIVE_APPOINTMENT_TEXT_DESCRIPTION, S("Line 1\nLine 2")) !=
            MISSIVE_RESULT_OK ||
        missive_appointment_set_text(a, MISSIVE_APPOINTMENT_TEXT_LOCATION, S("Room 4")) !=
            MISSIVE_RESULT_OK ||
        missive_appointment_set_times_local(a, S("Europe/Berlin"), start, end) != MISSIVE_RESULT_OK ||
        missive_appointment_add_attendee(a, S("room@example.org"), MISSIVE_ATTENDEE_ROLE_RESOURCE,
                                         false) != MISSIVE_RESULT_OK ||
        missive_appointment_set_reminder(a, 15) != MISSIVE_RESULT_OK) {
        missive_appointment_free(a);
        return NULL;
    }
    return a;
}

static void test_ics_output(void) {
    missive_appointment *a = meeting();
    char *text = NULL;
    REQUIRE(a != NULL);
    /* No organizer yet: incomplete. */
    size_t len = 0;
    CHECK_RESULT(missive_appointment_to_ics(a, MISSIVE_CALENDAR_METHOD_REQUEST, NULL, 0, &len),
                 MISSIVE_RESULT_INCOMPLETE_APPOINTMENT);
    CHECK_CONTAINS(appt_error(a), "organizer");
    REQUIRE_OK(missive_appointment_set_organizer(a, S("Olga <olga@example.com>")));
    text = ics(a, MISSIVE_CALENDAR_METHOD_REQUEST);
    REQUIRE(text != NULL);
    CHECK_CONTAINS(text, "BEGIN:VCALENDAR\r\n");
    CHECK_CONTAINS(text, "METHOD:REQUEST\r\n");
    CHECK_CONTAINS(text, "TZID:Europe/Berlin\r\n");
    CHECK_CONTAINS(text, "DTSTART;TZID=Europe/Berlin:20250710T090000\r\n");
    CHECK_CONTAINS(text, "SUMMARY:Planning\\, Q3\\; \xc3\xbc\r\n");
    CHECK_CONTAINS(text, "DESCRIPTION:Line 1\\nLine 2\r\n");
    CHECK_CONTAINS(text, "CUTYPE=RESOURCE;ROLE=NON-PARTICIPANT");
    CHECK_CONTAINS(text, "TRIGGER:-PT15M\r\n");
    CHECK_CONTAINS(text, "SEQUENCE:0\r\n");
    CHECK_CONTAINS(text, "ORGANIZER;CN=Olga:mailto:olga@example.com\r\n");
    free(text);
    text = NULL;

    /* UID: stable, settable; an update raises SEQUENCE; CANCEL. */
    char uid[256];
    size_t uid_len = 0;
    REQUIRE_OK(missive_appointment_uid(a, NULL, 0, &uid_len));
    CHECK(uid_len > 1);
    REQUIRE_OK(missive_appointment_set_text(a, MISSIVE_APPOINTMENT_TEXT_UID, S("fixed-uid@example.com")));
    REQUIRE_OK(missive_appointment_uid(a, uid, sizeof uid, &uid_len));
    CHECK_STR_EQ(uid, "fixed-uid@example.com");
    CHECK_EQ_INT(uid_len, strlen("fixed-uid@example.com") + 1);
    uint32_t seq = 0;
    REQUIRE_OK(missive_appointment_increment_sequence(a, &seq));
    CHECK_EQ_INT(seq, 1);
    REQUIRE_OK(missive_appointment_increment_sequence(a, NULL));
    text = ics(a, MISSIVE_CALENDAR_METHOD_CANCEL);
    REQUIRE(text != NULL);
    CHECK_CONTAINS(text, "METHOD:CANCEL\r\n");
    CHECK_CONTAINS(text, "STATUS:CANCELLED\r\n");
    CHECK_CONTAINS(text, "SEQUENCE:2\r\n");
    CHECK_CONTAINS(text, "UID:fixed-uid@example.com\r\n");
    CHECK_NOT_CONTAINS(text, "VALARM");
    /* Every line at most 75 octets. */
    for (const char *p = text; *p != '\0';) {
        const char *eol = strstr(p, "\r\n");
        REQUIRE(eol != NULL);
        CHECK(eol - p <= 75);
        p = eol + 2;
    }
cleanup:
    free(text);
    missive_appointment_free(a);
}

static void test_all_day_recurring_and_status(void) {
    missive_appointment *a = missive_appointment_new();
    char *text = NULL;
    REQUIRE(a != NULL);
    REQUIRE_OK(missive_appointment_set_organizer(a, S("olga@example.com")));
    REQUIRE_OK(missive_appointment_set_text(a, MISSIVE_APPOINTMENT_TEXT_SUMMARY, S("Holiday")));
    REQUIRE_OK(missive_appointment_set_all_day(a, 2025, 12, 31, 2));
    REQUIRE_OK(missive_appointment_set_recurrence(a, MISSIVE_RECURRENCE_FREQUENCY_WEEKLY, 2, 3, 0));
    REQUIRE_OK(missive_appointment_set_status(a, MISSIVE_APPOINTMENT_STATUS_TENTATIVE));
    text = ics(a, MISSIVE_CALENDAR_METHOD_REQUEST);
    REQUIRE(text != NULL);
    CHECK_CONTAINS(text, "DTSTART;VALUE=DATE:20251231\r\n");
    CHECK_CONTAINS(text, "DTEND;VALUE=DATE:20260102\r\n");
    CHECK_CONTAINS(text, "RRULE:FREQ=WEEKLY;INTERVAL=2;COUNT=3\r\n");
    CHECK_CONTAINS(text, "STATUS:TENTATIVE\r\n");
    free(text);
    text = NULL;
    REQUIRE_OK(missive_appointment_set_times_utc(a, 1741597200, 1741600800));
    REQUIRE_OK(missive_appointment_set_recurrence(a, MISSIVE_RECURRENCE_FREQUENCY_DAILY, 1, 0, 1742000000));
    text = ics(a, MISSIVE_CALENDAR_METHOD_REQUEST);
    REQUIRE(text != NULL);
    CHECK_CONTAINS(text, "DTSTART:20250310T090000Z\r\n");
    CHECK_CONTAINS(text, "RRULE:FREQ=DAILY;UNTIL=20250315T005320Z\r\n");
    free(text);
    text = NULL;
    REQUIRE_OK(missive_appointment_set_recurrence(a, MISSIVE_RECURRENCE_FREQUENCY_NONE, 0, 0, 0));
    text = ics(a, MISSIVE_CALENDAR_METHOD_REQUEST);
    REQUIRE(text != NULL);
    CHECK_NOT_CONTAINS(text, "RRULE");
cleanup:
    free(text);
    missive_appointment_free(a);
}

static void test_errors(void) {
    missive_appointment *a = missive_appointment_new();
    REQUIRE(a != NULL);
    const int32_t s[6] = {2025, 1, 1, 9, 0, 0}, e[6] = {2025, 1, 1, 10, 0, 0};
    const int32_t bad[6] = {2025, 2, 30, 9, 0, 0};
    CHECK_RESULT(missive_appointment_set_times_local(a, S("Mars/Olympus_Mons"), s, e),
                 MISSIVE_RESULT_UNKNOWN_TIME_ZONE);
    CHECK_CONTAINS(appt_error(a), "time zone");
    CHECK_RESULT(missive_appointment_set_times_local(a, S("../../etc/passwd"), s, e),
                 MISSIVE_RESULT_UNKNOWN_TIME_ZONE);
    CHECK_RESULT(missive_appointment_set_times_local(a, S("Europe/Berlin"), bad, e),
                 MISSIVE_RESULT_INVALID_ARGUMENT);
    CHECK_RESULT(missive_appointment_set_times_local(a, S("Europe/Berlin"), e, s),
                 MISSIVE_RESULT_INVALID_ARGUMENT);
    CHECK_RESULT(missive_appointment_set_times_local(a, S("Europe/Berlin"), NULL, s),
                 MISSIVE_RESULT_NULL_ARGUMENT);
    CHECK_RESULT(missive_appointment_set_times_local(a, NULL, 3, s, e), MISSIVE_RESULT_NULL_ARGUMENT);
    CHECK_RESULT(missive_appointment_set_times_local(a, "\xff", 1, s, e), MISSIVE_RESULT_INVALID_UTF8);
    CHECK_RESULT(missive_appointment_set_times_utc(a, 100, 50), MISSIVE_RESULT_INVALID_ARGUMENT);
    CHECK_RESULT(missive_appointment_set_times_utc(a, -1, 50), MISSIVE_RESULT_INVALID_ARGUMENT);
    CHECK_RESULT(missive_appointment_set_all_day(a, 2025, 2, 29, 1), MISSIVE_RESULT_INVALID_ARGUMENT);
    CHECK_RESULT(missive_appointment_set_all_day(a, 2025, 2, 1, 0), MISSIVE_RESULT_INVALID_ARGUMENT);
    CHECK_RESULT(missive_appointment_set_recurrence(a, 9, 1, 1, 0), MISSIVE_RESULT_INVALID_ARGUMENT);
    CHECK_RESULT(missive_appointment_set_recurrence(a, 1, 0, 1, 0), MISSIVE_RESULT_INVALID_ARGUMENT);
    CHECK_RESULT(missive_appointment_set_recurrence(a, 1, 1, 1, 5), MISSIVE_RESULT_INVALID_ARGUMENT);
    CHECK_RESULT(missive_appointment_set_recurrence(a, 1, 1, 0, 0), MISSIVE_RESULT_INVALID_ARGUMENT);
    CHECK_RESULT(missive_appointment_set_status(a, 7), MISSIVE_RESULT_INVALID_ARGUMENT);
    CHECK_RESULT(missive_appointment_set_text(a, 9, S("x")), MISSIVE_RESULT_INVALID_ARGUMENT);
    CHECK_RESULT(missive_appointment_set_text(a, MISSIVE_APPOINTMENT_TEXT_UID, NULL, 0),
                 MISSIVE_RESULT_INVALID_ARGUMENT);
    CHECK_RESULT(missive_appointment_set_text(a, MISSIVE_APPOINTMENT_TEXT_SUMMARY, NULL, 2),
                 MISSIVE_RESULT_NULL_ARGUMENT);
    CHECK_RESULT(missive_appointment_set_organizer(a, S("not an address")), MISSIVE_RESULT_INVALID_ADDRESS);
    CHECK_RESULT(missive_appointment_add_attendee(a, S("x@example.org"), 5, true),
                 MISSIVE_RESULT_INVALID_ARGUMENT);
    CHECK_RESULT(missive_appointment_add_attendee(a, S("bad\r\n@x"), 0, true),
                 MISSIVE_RESULT_INVALID_ADDRESS);
    size_t len = 0;
    CHECK_RESULT(missive_appointment_to_ics(a, 5, NULL, 0, &len), MISSIVE_RESULT_INVALID_ARGUMENT);
    CHECK_RESULT(missive_appointment_to_ics(a, 0, NULL, 0, &len),
                 MISSIVE_RESULT_INCOMPLETE_APPOINTMENT);
    CHECK_CONTAINS(appt_error(a), "no start");
    CHECK_RESULT(missive_appointment_to_ics(a, 0, NULL, 0, NULL),
                 MISSIVE_RESULT_INCOMPLETE_APPOINTMENT);
    CHECK_RESULT(missive_appointment_uid(a, NULL, 0, NULL), MISSIVE_RESULT_NULL_ARGUMENT);
    /* A success clears the error text. */
    REQUIRE_OK(missive_appointment_set_reminder(a, -1));
    CHECK_STR_EQ(appt_error(a), "");
cleanup:
    missive_appointment_free(a);
}

static void test_meeting_request_on_message(void) {
    missive_appointment *a = meeting();
    missive_message *m = missive_message_new();
    char *eml = NULL;
    REQUIRE(a != NULL && m != NULL);
    REQUIRE_OK(missive_message_set_from(m, S("Olga <olga@example.com>")));
    REQUIRE_OK(missive_message_add_recipients(m, MISSIVE_RECIPIENT_KIND_TO, S("tom@example.org")));
    REQUIRE_OK(missive_message_add_recipients(m, MISSIVE_RECIPIENT_KIND_CC, S("carl@example.org")));
    REQUIRE_OK(missive_message_set_subject(m, S("Invitation")));
    REQUIRE_OK(missive_message_set_body(m, S("Please come.")));
    CHECK_RESULT(missive_message_add_appointment(m, a, 3, false), MISSIVE_RESULT_INVALID_ARGUMENT);
    CHECK_RESULT(missive_message_add_appointment(m, NULL, 0, false), MISSIVE_RESULT_NULL_ARGUMENT);
    CHECK_CONTAINS(MESSAGE_ERROR(m), "appointment");
    CHECK_EQ_INT(missive_message_part_count(m, MISSIVE_PART_KIND_ALTERNATE_VIEW), 0);
    REQUIRE_OK(missive_message_add_appointment(m, a, MISSIVE_CALENDAR_METHOD_REQUEST, true));
    CHECK_EQ_INT(missive_message_part_count(m, MISSIVE_PART_KIND_ALTERNATE_VIEW), 1);
    CHECK_EQ_INT(missive_message_part_count(m, MISSIVE_PART_KIND_ATTACHMENT), 1);
    size_t len = 0;
    REQUIRE_OK(missive_message_save_buffer(m, NULL, 0, &len));
    eml = malloc(len + 1);
    REQUIRE(eml != NULL);
    REQUIRE_OK(missive_message_save_buffer(m, (uint8_t *)eml, len, &len));
    eml[len] = '\0';
    CHECK_CONTAINS(eml, "multipart/alternative");
    CHECK_CONTAINS(eml, "text/calendar");
    CHECK_CONTAINS(eml, "method=REQUEST");
    CHECK_CONTAINS(eml, "invite.ics");
    /* A second call (the cancellation) replaces the calendar. */
    REQUIRE_OK(missive_message_add_appointment(m, a, MISSIVE_CALENDAR_METHOD_CANCEL, false));
    CHECK_EQ_INT(missive_message_part_count(m, MISSIVE_PART_KIND_ALTERNATE_VIEW), 1);
    CHECK_EQ_INT(missive_message_part_count(m, MISSIVE_PART_KIND_ATTACHMENT), 0);
    uint8_t ct[128];
    size_t ct_len = 0;
    REQUIRE_OK(missive_message_part_field(m, MISSIVE_PART_KIND_ALTERNATE_VIEW, 0,
                                          MISSIVE_PART_FIELD_CONTENT_TYPE, ct, sizeof ct, &ct_len));
    CHECK_CONTAINS((const char *)ct, "method=CANCEL");
cleanup:
    free(eml);
    missive_message_free(m);
    missive_appointment_free(a);
}

int main(void) {
    RUN(test_ics_output);
    RUN(test_all_day_recurring_and_status);
    RUN(test_errors);
    RUN(test_meeting_request_on_message);
    return harness_finish();
}
