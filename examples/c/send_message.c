/*
 * send_message: compose a plain-text message and deliver it.
 *
 * With no server configured, the message is written into a pickup directory (./outbox, or the
 * directory named by MISSIVE_PICKUP_DIR) as an .eml file, ready for an MTA to pick up.
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
    fprintf(stderr, "%s failed: %s (%d): %s\n", what, missive_result_str(r), (int)r, detail);
    return 1;
}

#define S(literal) literal, strlen(literal)

int main(void) {
    int status = 1;
    missive_result r;
    missive_message *message = missive_message_new();
    missive_client *client = missive_client_new();
    if (message == NULL || client == NULL) {
        fprintf(stderr, "out of memory\n");
        goto cleanup;
    }

    /* The message. */
    if ((r = missive_message_set_from(message, S("Sender Name <sender@example.com>"))) != MISSIVE_RESULT_OK)
        { status = report("set_from", r, NULL, message); goto cleanup; }
    if ((r = missive_message_add_recipients(message, MISSIVE_RECIPIENT_KIND_TO,
                                            S("receiver@example.com"))) != MISSIVE_RESULT_OK)
        { status = report("add_recipients", r, NULL, message); goto cleanup; }
    if ((r = missive_message_set_subject(message, S("Sending email with missive"))) != MISSIVE_RESULT_OK)
        { status = report("set_subject", r, NULL, message); goto cleanup; }
    if ((r = missive_message_set_body(message, S("Hello,\n\nThis message was sent with missive.\n"))) != MISSIVE_RESULT_OK)
        { status = report("set_body", r, NULL, message); goto cleanup; }

    /* The client: a pickup directory unless a server is configured. */
    const char *dir = getenv("MISSIVE_PICKUP_DIR");
    if (dir == NULL || dir[0] == '\0') dir = "outbox";
    if ((r = missive_client_set_delivery_method(client, MISSIVE_DELIVERY_METHOD_PICKUP_DIRECTORY)) != MISSIVE_RESULT_OK ||
        (r = missive_client_set_pickup_directory(client, dir, strlen(dir))) != MISSIVE_RESULT_OK)
        { status = report("configure client", r, client, NULL); goto cleanup; }

    if ((r = missive_client_send(client, message)) != MISSIVE_RESULT_OK)
        { status = report("send", r, client, NULL); goto cleanup; }

    char id[512];
    size_t id_len = 0;
    if ((r = missive_message_message_id(message, id, sizeof id, &id_len)) != MISSIVE_RESULT_OK)
        { status = report("message_id", r, NULL, message); goto cleanup; }
    printf("delivered <%s> into the pickup directory %s/\n", id, dir);
    status = 0;

cleanup:
    missive_client_free(client);
    missive_message_free(message);
    return status;
}
