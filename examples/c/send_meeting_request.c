/*
 * send_meeting_request: invite people to a meeting (an iCalendar REQUEST that Outlook, Gmail
 * and Thunderbird show with Accept/Decline buttons), in a time zone, weekly, with a reminder.
 *
 * With MISSIVE_SMTP_URL set the invitation is sent over SMTP; otherwise it is written into a
 * pickup directory (./outbox, or MISSIVE_PICKUP_DIR). MISSIVE_FROM (the organizer) and
 * MISSIVE_TO (the attendee) override the addresses.
 *
 * Build: cc -Iinclude examples/c/send_meeting_request.c -Ltarget/debug -lmissive -o send_meeting_request
 * MISSIVE_PROXY_URL (socks5://user:pass@host:1080, socks4a://host:1080 or
 * http://user:pass@host:3128) reaches the SMTP server through that proxy.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "missive.h"

#define S(literal) literal, strlen(literal)

static int report(const char *what, missive_result r, const missive_client *client,
                  const missive_message *message, const missive_appointment *appointment) {
    char detail[1024] = "";
    size_t len = 0;
    if (client != NULL)
        missive_client_error(client, detail, sizeof detail, &len);
    else if (message != NULL)
        missive_message_error(message, detail, sizeof detail, &len);
    else if (appointment != NULL)
        missive_appointment_error(appointment, detail, sizeof detail, &len);
    /* The library's sentence names the problem; the code's static text when there is none. */
    fprintf(stderr, "%s: %s\n", what, detail[0] != '\0' ? detail : missive_result_str(r));
    return 1;
}

int main(void) {
    int status = 1;
    missive_result r;
    missive_message *message = missive_message_new();
    missive_client *client = missive_client_new();
    missive_appointment *meeting = missive_appointment_new();
    if (message == NULL || client == NULL || meeting == NULL) {
        fprintf(stderr, "out of memory\n");
        goto cleanup;
    }
    const char *from = getenv("MISSIVE_FROM");
    const char *to = getenv("MISSIVE_TO");
    if (from == NULL || from[0] == '\0') from = "Olga Organizer <organizer@example.com>";
    if (to == NULL || to[0] == '\0') to = "attendee@example.com";

    /* The meeting: Mondays 09:30-10:00 Berlin time, four times, a reminder 15 minutes before,
     * and a meeting room as a resource. The To and Cc recipients become attendees. */
    const int32_t start[6] = {2030, 3, 4, 9, 30, 0};
    const int32_t end[6] = {2030, 3, 4, 10, 0, 0};
    if ((r = missive_appointment_set_text(meeting, MISSIVE_APPOINTMENT_TEXT_SUMMARY, S("Weekly planning"))) != MISSIVE_RESULT_OK ||
        (r = missive_appointment_set_text(meeting, MISSIVE_APPOINTMENT_TEXT_DESCRIPTION,
                                          S("Agenda:\n1. Last week\n2. This week"))) != MISSIVE_RESULT_OK ||
        (r = missive_appointment_set_text(meeting, MISSIVE_APPOINTMENT_TEXT_LOCATION, S("Room 4.01"))) != MISSIVE_RESULT_OK ||
        (r = missive_appointment_set_times_local(meeting, S("Europe/Berlin"), start, end)) != MISSIVE_RESULT_OK ||
        (r = missive_appointment_set_recurrence(meeting, MISSIVE_RECURRENCE_FREQUENCY_WEEKLY, 1, 4, 0)) != MISSIVE_RESULT_OK ||
        (r = missive_appointment_set_reminder(meeting, 15)) != MISSIVE_RESULT_OK ||
        (r = missive_appointment_add_attendee(meeting, S("Room 4.01 <room401@example.com>"),
                                              MISSIVE_ATTENDEE_ROLE_RESOURCE, false)) != MISSIVE_RESULT_OK)
        { status = report("appointment", r, NULL, NULL, meeting); goto cleanup; }

    if ((r = missive_message_set_from(message, S(from))) != MISSIVE_RESULT_OK ||
        (r = missive_message_add_recipients(message, MISSIVE_RECIPIENT_KIND_TO, S(to))) != MISSIVE_RESULT_OK ||
        (r = missive_message_set_subject(message, S("Invitation: Weekly planning"))) != MISSIVE_RESULT_OK ||
        (r = missive_message_set_body(message, S("You are invited to the weekly planning.\n"))) != MISSIVE_RESULT_OK ||
        (r = missive_message_add_appointment(message, meeting, MISSIVE_CALENDAR_METHOD_REQUEST, true)) != MISSIVE_RESULT_OK)
        { status = report("message", r, NULL, message, NULL); goto cleanup; }

    const char *url = getenv("MISSIVE_SMTP_URL");
    const char *dir = getenv("MISSIVE_PICKUP_DIR");
    if (dir == NULL || dir[0] == '\0') dir = "outbox";
    if (url != NULL && url[0] != '\0') {
        if ((r = missive_client_set_url(client, S(url))) != MISSIVE_RESULT_OK)
            { status = report("set_url", r, client, NULL, NULL); goto cleanup; }
        const char *proxy = getenv("MISSIVE_PROXY_URL");
        if (proxy != NULL && proxy[0] != '\0' &&
            (r = missive_client_set_proxy(client, proxy, strlen(proxy))) != MISSIVE_RESULT_OK)
            { status = report("set_proxy", r, client, NULL, NULL); goto cleanup; }
    } else if ((r = missive_client_set_delivery_method(client, MISSIVE_DELIVERY_METHOD_PICKUP_DIRECTORY)) != MISSIVE_RESULT_OK ||
               (r = missive_client_set_pickup_directory(client, S(dir))) != MISSIVE_RESULT_OK) {
        status = report("configure client", r, client, NULL, NULL);
        goto cleanup;
    }
    if ((r = missive_client_send(client, message, NULL)) != MISSIVE_RESULT_OK)
        { status = report("send", r, client, NULL, NULL); goto cleanup; }

    /* To move or cancel it later: keep the UID, raise the sequence, send again (method CANCEL
     * to cancel). */
    char uid[256];
    size_t uid_len = 0;
    if ((r = missive_appointment_uid(meeting, uid, sizeof uid, &uid_len)) != MISSIVE_RESULT_OK)
        { status = report("uid", r, NULL, NULL, meeting); goto cleanup; }
    printf("invitation %s sent%s%s\n", uid, url != NULL && url[0] != '\0' ? "" : " into ",
           url != NULL && url[0] != '\0' ? "" : dir);
    status = 0;
cleanup:
    missive_appointment_free(meeting);
    missive_client_free(client);
    missive_message_free(message);
    return status;
}
