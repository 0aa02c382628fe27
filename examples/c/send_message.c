/*
 * send_message: compose a plain-text message and deliver it.
 *
 * With MISSIVE_SMTP_URL set (e.g. smtp+starttls://user:password@smtp.example.com:587), the
 * message is sent over SMTP. With no server configured, it is written into a pickup directory
 * (./outbox, or the directory named by MISSIVE_PICKUP_DIR) as an .eml file, ready for an MTA.
 * MISSIVE_FROM and MISSIVE_TO override the sender and recipient. MISSIVE_PROXY_URL
 * (socks5://user:pass@host:1080, socks4a://host:1080 or http://user:pass@host:3128) reaches
 * the SMTP server through that proxy.
 *
 * Build and run: ./scripts/run-example.sh
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "missive.h"

/* Prints the handle's error text for a failed call and returns 1. */
static int report(const char *what, missive_result r, const missive_client *client,
                  const missive_message *message) {
    char detail[1024] = "";
    size_t len = 0;
    if (client != NULL) {
        missive_client_error(client, detail, sizeof detail, &len);
    } else if (message != NULL) {
        missive_message_error(message, detail, sizeof detail, &len);
    }
    /* The library's sentence names the problem; the code's static text when there is none. */
    fprintf(stderr, "%s: %s\n", what, detail[0] != '\0' ? detail : missive_result_str(r));
    return 1;
}

#define S(literal) literal, strlen(literal)

int main(void) {
    int status = 1;
    missive_result r;
    missive_message *message = missive_message_new();
    missive_client *client = missive_client_new();
    missive_send_result *result = NULL;
    if (message == NULL || client == NULL) {
        fprintf(stderr, "out of memory\n");
        goto cleanup;
    }

    /* The message. */
    const char *from = getenv("MISSIVE_FROM");
    const char *to = getenv("MISSIVE_TO");
    if (from == NULL || from[0] == '\0') from = "Sender Name <sender@example.com>";
    if (to == NULL || to[0] == '\0') to = "receiver@example.com";
    if ((r = missive_message_set_from(message, from, strlen(from))) != MISSIVE_RESULT_OK)
        { status = report("set_from", r, NULL, message); goto cleanup; }
    if ((r = missive_message_add_recipients(message, MISSIVE_RECIPIENT_KIND_TO,
                                            to, strlen(to))) != MISSIVE_RESULT_OK)
        { status = report("add_recipients", r, NULL, message); goto cleanup; }
    if ((r = missive_message_set_subject(message, S("Sending email with missive"))) != MISSIVE_RESULT_OK)
        { status = report("set_subject", r, NULL, message); goto cleanup; }
    if ((r = missive_message_set_body(message, S("Hello,\n\nThis message was sent with missive.\n"))) != MISSIVE_RESULT_OK)
        { status = report("set_body", r, NULL, message); goto cleanup; }

    /* The client: SMTP when a server is configured, else a pickup directory. */
    const char *url = getenv("MISSIVE_SMTP_URL");
    const char *dir = getenv("MISSIVE_PICKUP_DIR");
    if (dir == NULL || dir[0] == '\0') dir = "outbox";
    if (url != NULL && url[0] != '\0') {
        if ((r = missive_client_set_url(client, url, strlen(url))) != MISSIVE_RESULT_OK)
            { status = report("set_url", r, client, NULL); goto cleanup; }
        const char *proxy = getenv("MISSIVE_PROXY_URL");
        if (proxy != NULL && proxy[0] != '\0' &&
            (r = missive_client_set_proxy(client, proxy, strlen(proxy))) != MISSIVE_RESULT_OK)
            { status = report("set_proxy", r, client, NULL); goto cleanup; }
    } else if ((r = missive_client_set_delivery_method(client, MISSIVE_DELIVERY_METHOD_PICKUP_DIRECTORY)) != MISSIVE_RESULT_OK ||
               (r = missive_client_set_pickup_directory(client, dir, strlen(dir))) != MISSIVE_RESULT_OK) {
        status = report("configure client", r, client, NULL);
        goto cleanup;
    }

    if ((r = missive_client_send(client, message, &result)) != MISSIVE_RESULT_OK)
        { status = report("send", r, client, NULL); goto cleanup; }

    char id[512];
    size_t id_len = 0;
    if ((r = missive_message_message_id(message, id, sizeof id, &id_len)) != MISSIVE_RESULT_OK)
        { status = report("message_id", r, NULL, message); goto cleanup; }
    char where[1024];
    size_t where_len = 0;
    if (missive_send_result_text(result, MISSIVE_SEND_RESULT_FIELD_PICKUP_PATH, where, sizeof where,
                                 &where_len) == MISSIVE_RESULT_OK) {
        printf("delivered <%s> into the pickup directory: %s\n", id, where);
    } else {
        char reply[1024] = "";
        size_t reply_len = 0;
        missive_send_result_text(result, MISSIVE_SEND_RESULT_FIELD_REPLY_TEXT, reply, sizeof reply, &reply_len);
        printf("sent <%s> over SMTP: %u %s\n", id, (unsigned)missive_send_result_reply_code(result), reply);
    }
    status = 0;

cleanup:
    missive_send_result_free(result);
    missive_client_free(client);
    missive_message_free(message);
    return status;
}
