/*
 * queue_enqueue: put MISSIVE_COUNT messages (default 10) into the durable queue and print each
 * one's Message-ID on a line of its own. Nothing is sent: queue_drain delivers them.
 *
 * MISSIVE_QUEUE_URL names the queue (default ./queue, a directory): a path or
 * file:///absolute/path for the filesystem queue (one machine), or
 * postgres://user:password@host:5432/database?schema=missive for a PostgreSQL queue that many
 * senders and drainers on many hosts share (`schema` is optional, default `missive`; the
 * tables are created on first use). MISSIVE_FROM and MISSIVE_TO override the addresses.
 *
 * Enqueues are idempotent per Message-ID: running it again with the same message would not
 * queue a second copy.
 *
 * Build: cc -std=c11 -Iinclude examples/c/queue_enqueue.c target/release/libmissive.a \
 *          -lpthread -ldl -lm -o queue_enqueue
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

/* A URL (scheme://...) goes to missive_client_set_queue_url, a plain path to
 * missive_client_set_queue_directory. */
static missive_result set_queue(missive_client *client, const char *queue) {
    if (strstr(queue, "://") != NULL)
        return missive_client_set_queue_url(client, queue, strlen(queue));
    return missive_client_set_queue_directory(client, queue, strlen(queue));
}

int main(void) {
    int status = 1, count = atoi(env_or("MISSIVE_COUNT", "10"));
    const char *queue = env_or("MISSIVE_QUEUE_URL", "./queue");
    const char *from = env_or("MISSIVE_FROM", "Sender <sender@example.com>");
    const char *to = env_or("MISSIVE_TO", "receiver@example.com");
    missive_client *client = missive_client_new();
    missive_result r;
    char detail[1024] = "";
    size_t len = 0;
    if (client == NULL)
        return 1;
    r = set_queue(client, queue);
    if (r == MISSIVE_RESULT_OK)
        r = missive_client_set_queue_idempotent(client, true);
    if (r != MISSIVE_RESULT_OK) {
        missive_client_error(client, detail, sizeof detail, &len);
        fprintf(stderr, "setting the queue failed: %s: %s\n", missive_result_str(r), detail);
        goto done;
    }
    for (int i = 0; i < count; i++) {
        char subject[64], id[512];
        size_t id_len = 0;
        int n = snprintf(subject, sizeof subject, "Queued message %d of %d", i + 1, count);
        missive_message *m = missive_message_new();
        if (m == NULL || missive_message_set_from(m, from, strlen(from)) != MISSIVE_RESULT_OK ||
            missive_message_add_recipients(m, MISSIVE_RECIPIENT_KIND_TO, to, strlen(to)) !=
                MISSIVE_RESULT_OK ||
            missive_message_set_subject(m, subject, (size_t)n) != MISSIVE_RESULT_OK ||
            missive_message_set_body(m, S("Queued with missive, delivered by a drainer.\n")) !=
                MISSIVE_RESULT_OK ||
            /* Gives the message its Message-ID now: the one it is queued and sent with. */
            missive_message_message_id(m, id, sizeof id, &id_len) != MISSIVE_RESULT_OK) {
            fprintf(stderr, "composing message %d failed\n", i + 1);
            missive_message_free(m);
            goto done;
        }
        r = missive_client_send_to_queue(client, m);
        missive_message_free(m);
        if (r != MISSIVE_RESULT_OK) {
            missive_client_error(client, detail, sizeof detail, &len);
            fprintf(stderr, "queuing message %d failed: %s: %s\n", i + 1, missive_result_str(r),
                    detail);
            goto done;
        }
        printf("%s\n", id);
    }
    status = 0;
done:
    missive_client_free(client);
    return status;
}
