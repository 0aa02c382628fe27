/*
 * send_multi_connection: send a collection over several connections at once, in the
 * background, with a progress callback; wait for it with a timeout and print the counts.
 *
 * With MISSIVE_SMTP_URL set the messages go over SMTP on MISSIVE_CONNECTIONS connections
 * (default 4) working one shared queue; otherwise into a pickup directory (./outbox, or
 * MISSIVE_PICKUP_DIR) with as many writers. MISSIVE_COUNT sets the number (default 100).
 * The progress and completion callbacks run on worker threads the library owns.
 *
 * Build: cc -std=c11 -Iinclude examples/c/send_multi_connection.c \
 *          target/release/libmissive.a -lpthread -ldl -lm -o send_multi_connection
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

/* Called after each batch, one call at a time; return nonzero to cancel. */
static int32_t on_progress(void *userdata, const missive_progress *p) {
    (void)userdata;
    fprintf(stderr, "\rprogress: %zu/%zu done, %zu failed, %llu/%llu bytes", p->done, p->total,
            p->failed, (unsigned long long)p->bytes_sent, (unsigned long long)p->bytes_total);
    return 0;
}

/* Called exactly once when every message has its outcome. */
static void on_done(void *userdata, missive_result code, const missive_bulk_result *result) {
    (void)userdata;
    fprintf(stderr, "\ncompleted: %s, %zu sent\n", missive_result_str(code),
            missive_bulk_result_count(result, MISSIVE_BULK_STATUS_SENT));
}

int main(void) {
    int status = 1, count = atoi(env_or("MISSIVE_COUNT", "100"));
    size_t connections = (size_t)atoi(env_or("MISSIVE_CONNECTIONS", "4"));
    const char *url = getenv("MISSIVE_SMTP_URL");
    const char *from = env_or("MISSIVE_FROM", "Sender <sender@example.com>");
    const char *to = env_or("MISSIVE_TO", "receiver@example.com");
    const char *dir = env_or("MISSIVE_PICKUP_DIR", "outbox");
    missive_client *client = missive_client_new();
    missive_message_collection *coll = missive_message_collection_new();
    missive_operation *op = NULL;
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
    if (r == MISSIVE_RESULT_OK)
        r = missive_client_set_multi_connection(client, true);
    if (r == MISSIVE_RESULT_OK)
        r = missive_client_set_connections(client, connections);
    if (r == MISSIVE_RESULT_OK)
        r = missive_client_set_progress_callback(client, on_progress, NULL, NULL);
    if (r != MISSIVE_RESULT_OK) {
        missive_client_error(client, detail, sizeof detail, &len);
        fprintf(stderr, "configuring the client failed: %s\n", detail[0] != '\0' ? detail : missive_result_str(r));
        goto done;
    }
    for (int i = 0; i < count; i++) {
        char subject[64];
        int n = snprintf(subject, sizeof subject, "Message %d of %d", i + 1, count);
        missive_message *m = missive_message_new();
        if (m == NULL || missive_message_set_from(m, from, strlen(from)) != MISSIVE_RESULT_OK ||
            missive_message_add_recipients(m, MISSIVE_RECIPIENT_KIND_TO, to, strlen(to)) !=
                MISSIVE_RESULT_OK ||
            missive_message_set_subject(m, subject, (size_t)n) != MISSIVE_RESULT_OK ||
            missive_message_set_body(m, S("Sent over several connections.\n")) !=
                MISSIVE_RESULT_OK ||
            missive_message_collection_add(coll, m) != MISSIVE_RESULT_OK) {
            fprintf(stderr, "composing message %d failed\n", i);
            missive_message_free(m);
            goto done;
        }
        missive_message_free(m);
    }
    r = missive_client_send_collection_async(client, coll, on_done, NULL, NULL, &op);
    if (r != MISSIVE_RESULT_OK) {
        missive_client_error(client, detail, sizeof detail, &len);
        fprintf(stderr, "starting the send failed: %s\n", detail[0] != '\0' ? detail : missive_result_str(r));
        goto done;
    }
    /* The collection was copied: it may be freed now. Wait up to 5 minutes. */
    r = missive_operation_wait(op, 5 * 60 * 1000);
    if (r == MISSIVE_RESULT_PENDING) {
        missive_operation_cancel(op);
        r = missive_operation_wait(op, -1);
    }
    const missive_bulk_result *result = missive_operation_result(op);
    printf("sent %zu, failed %zu, unknown %zu, not attempted %zu of %zu\n",
           missive_bulk_result_count(result, MISSIVE_BULK_STATUS_SENT),
           missive_bulk_result_count(result, MISSIVE_BULK_STATUS_FAILED),
           missive_bulk_result_count(result, MISSIVE_BULK_STATUS_UNKNOWN),
           missive_bulk_result_count(result, MISSIVE_BULK_STATUS_NOT_ATTEMPTED),
           missive_bulk_result_len(result));
    if (r != MISSIVE_RESULT_OK) {
        missive_operation_error(op, detail, sizeof detail, &len);
        fprintf(stderr, "%s\n", detail[0] != '\0' ? detail : missive_result_str(r));
        goto done;
    }
    status = 0;
done:
    missive_operation_free(op);
    missive_message_collection_free(coll);
    missive_client_free(client);
    return status;
}
