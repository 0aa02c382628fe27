/*
 * send_bulk: send a collection of messages and print one outcome per message.
 *
 * With MISSIVE_SMTP_URL set (e.g. smtp+starttls://user:password@smtp.example.com:587) the
 * messages are sent over SMTP, pipelined on one connection; otherwise each is written into a
 * pickup directory (./outbox, or MISSIVE_PICKUP_DIR) as an .eml file. MISSIVE_FROM and
 * MISSIVE_TO override the addresses; MISSIVE_COUNT the number of messages (default 10).
 *
 * Build: cc -std=c11 -Iinclude examples/c/send_bulk.c target/release/libmissive.a \
 *          -lpthread -ldl -lm -o send_bulk
 * MISSIVE_PROXY_URL (socks5://user:pass@host:1080, socks4a://host:1080 or
 * http://user:pass@host:3128) reaches the SMTP server through that proxy.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "missive.h"

#define S(literal) literal, strlen(literal)

static const char *env_or(const char *name, const char *fallback) {
    const char *v = getenv(name);
    return v != NULL && v[0] != '\0' ? v : fallback;
}

static const char *status_name(int32_t s) {
    switch (s) {
    case MISSIVE_BULK_STATUS_SENT: return "sent";
    case MISSIVE_BULK_STATUS_FAILED: return "failed";
    case MISSIVE_BULK_STATUS_UNKNOWN: return "unknown (may have been delivered)";
    default: return "not attempted";
    }
}

int main(void) {
    int status = 1, count = atoi(env_or("MISSIVE_COUNT", "10"));
    const char *url = getenv("MISSIVE_SMTP_URL");
    const char *from = env_or("MISSIVE_FROM", "Sender <sender@example.com>");
    const char *to = env_or("MISSIVE_TO", "receiver@example.com");
    const char *dir = env_or("MISSIVE_PICKUP_DIR", "outbox");
    missive_client *client = missive_client_new();
    missive_message_collection *coll = missive_message_collection_new();
    missive_bulk_result *result = NULL;
    missive_result r;
    char detail[1024] = "";
    size_t len = 0;
    if (client == NULL || coll == NULL)
        goto done;
    if (url != NULL && url[0] != '\0') {
        r = missive_client_set_url(client, url, strlen(url));
        const char *proxy = getenv("MISSIVE_PROXY_URL");
        if (r == MISSIVE_RESULT_OK && proxy != NULL && proxy[0] != '\0')
            r = missive_client_set_proxy(client, proxy, strlen(proxy));
    } else {
        r = missive_client_set_delivery_method(client, MISSIVE_DELIVERY_METHOD_PICKUP_DIRECTORY);
        if (r == MISSIVE_RESULT_OK)
            r = missive_client_set_pickup_directory(client, dir, strlen(dir));
    }
    if (r != MISSIVE_RESULT_OK) {
        missive_client_error(client, detail, sizeof detail, &len);
        fprintf(stderr, "configuring the client failed: %s\n", detail[0] != '\0' ? detail : missive_result_str(r));
        goto done;
    }
    for (int i = 0; i < count; i++) {
        char subject[64];
        int n = snprintf(subject, sizeof subject, "Bulk message %d of %d", i + 1, count);
        missive_message *m = missive_message_new();
        if (m == NULL || missive_message_set_from(m, from, strlen(from)) != MISSIVE_RESULT_OK ||
            missive_message_add_recipients(m, MISSIVE_RECIPIENT_KIND_TO, to, strlen(to)) !=
                MISSIVE_RESULT_OK ||
            missive_message_set_subject(m, subject, (size_t)n) != MISSIVE_RESULT_OK ||
            missive_message_set_body(m, S("Sent in bulk with missive.\n")) != MISSIVE_RESULT_OK ||
            missive_message_collection_add(coll, m) != MISSIVE_RESULT_OK) {
            fprintf(stderr, "composing message %d failed\n", i);
            missive_message_free(m);
            goto done;
        }
        missive_message_free(m); /* the collection holds a copy */
    }
    r = missive_client_send_collection(client, coll, &result);
    for (size_t i = 0; result != NULL && i < missive_bulk_result_len(result); i++) {
        int32_t st = 0;
        missive_result code = MISSIVE_RESULT_OK;
        char why[512] = "";
        missive_bulk_result_item(result, i, &st, &code);
        missive_bulk_result_message_error(result, i, why, sizeof why, &len);
        printf("message %zu: %s%s%s\n", i, status_name(st), why[0] ? ": " : "", why);
    }
    if (r != MISSIVE_RESULT_OK) {
        missive_client_error(client, detail, sizeof detail, &len);
        fprintf(stderr, "send_collection: %s\n", detail[0] != '\0' ? detail : missive_result_str(r));
        goto done;
    }
    printf("all %d messages delivered (%s)\n", count, url ? "SMTP" : dir);
    status = 0;
done:
    missive_bulk_result_free(result);
    missive_message_collection_free(coll);
    missive_client_free(client);
    return status;
}
