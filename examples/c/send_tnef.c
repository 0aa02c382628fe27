/*
 * send_tnef: send a message as Outlook does, as TNEF (a winmail.dat part carrying the body and
 * the attachments).
 *
 * With MISSIVE_SMTP_URL set (e.g. smtp+starttls://user:password@smtp.example.com:587), the
 * message is sent over SMTP; otherwise it is written into a pickup directory (./outbox, or
 * MISSIVE_PICKUP_DIR). MISSIVE_FROM and MISSIVE_TO override the sender and recipient.
 *
 * Build: cc -Iinclude examples/c/send_tnef.c -Ltarget/debug -lmissive -o send_tnef
 * MISSIVE_PROXY_URL (socks5://user:pass@host:1080, socks4a://host:1080 or
 * http://user:pass@host:3128) reaches the SMTP server through that proxy.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "missive.h"

#define S(literal) literal, strlen(literal)

static int report(const char *what, missive_result r, const missive_client *client,
                  const missive_message *message) {
    char detail[1024] = "";
    size_t len = 0;
    if (client != NULL)
        missive_client_error(client, detail, sizeof detail, &len);
    else if (message != NULL)
        missive_message_error(message, detail, sizeof detail, &len);
    /* The library's sentence names the problem; the code's static text when there is none. */
    fprintf(stderr, "%s: %s\n", what, detail[0] != '\0' ? detail : missive_result_str(r));
    return 1;
}

int main(void) {
    int status = 1;
    missive_result r;
    missive_message *message = missive_message_new();
    missive_client *client = missive_client_new();
    if (message == NULL || client == NULL) {
        fprintf(stderr, "out of memory\n");
        goto cleanup;
    }
    const char *from = getenv("MISSIVE_FROM");
    const char *to = getenv("MISSIVE_TO");
    if (from == NULL || from[0] == '\0') from = "Sender Name <sender@example.com>";
    if (to == NULL || to[0] == '\0') to = "receiver@example.com";
    static const unsigned char report_csv[] = "month;total\r\n2025-01;42\r\n";
    if ((r = missive_message_set_from(message, S(from))) != MISSIVE_RESULT_OK ||
        (r = missive_message_add_recipients(message, MISSIVE_RECIPIENT_KIND_TO, S(to))) != MISSIVE_RESULT_OK ||
        (r = missive_message_set_subject(message, S("Monthly report (TNEF)"))) != MISSIVE_RESULT_OK ||
        (r = missive_message_set_body(message, S("Hello,\n\nthe report is attached.\n"))) != MISSIVE_RESULT_OK ||
        (r = missive_message_set_html_body(message, S("<p>Hello,</p><p>the report is attached.</p>"))) != MISSIVE_RESULT_OK ||
        (r = missive_message_add_attachment(message, S("report.csv"), S("text/csv"), report_csv,
                                            sizeof report_csv - 1)) != MISSIVE_RESULT_OK)
        { status = report("compose", r, NULL, message); goto cleanup; }

    /* TNEF for every message of this client (missive_message_set_use_tnef does it for one). */
    if ((r = missive_client_set_use_tnef(client, true)) != MISSIVE_RESULT_OK)
        { status = report("set_use_tnef", r, client, NULL); goto cleanup; }

    const char *url = getenv("MISSIVE_SMTP_URL");
    const char *dir = getenv("MISSIVE_PICKUP_DIR");
    if (dir == NULL || dir[0] == '\0') dir = "outbox";
    if (url != NULL && url[0] != '\0') {
        if ((r = missive_client_set_url(client, S(url))) != MISSIVE_RESULT_OK)
            { status = report("set_url", r, client, NULL); goto cleanup; }
        const char *proxy = getenv("MISSIVE_PROXY_URL");
        if (proxy != NULL && proxy[0] != '\0' &&
            (r = missive_client_set_proxy(client, proxy, strlen(proxy))) != MISSIVE_RESULT_OK)
            { status = report("set_proxy", r, client, NULL); goto cleanup; }
    } else if ((r = missive_client_set_delivery_method(client, MISSIVE_DELIVERY_METHOD_PICKUP_DIRECTORY)) != MISSIVE_RESULT_OK ||
               (r = missive_client_set_pickup_directory(client, S(dir))) != MISSIVE_RESULT_OK) {
        status = report("configure client", r, client, NULL);
        goto cleanup;
    }
    if ((r = missive_client_send(client, message, NULL)) != MISSIVE_RESULT_OK)
        { status = report("send", r, client, NULL); goto cleanup; }
    printf("sent as TNEF %s %s\n", url != NULL && url[0] != '\0' ? "over SMTP" : "into",
           url != NULL && url[0] != '\0' ? "" : dir);
    status = 0;
cleanup:
    missive_client_free(client);
    missive_message_free(message);
    return status;
}
