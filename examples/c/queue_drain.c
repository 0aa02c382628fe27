/*
 * queue_drain: deliver the durable queue to MISSIVE_SMTP_URL until it is empty or
 * MISSIVE_DRAIN_SECONDS (default 60) have passed, then print one last line
 * `delivered N deferred N dead N remaining N`.
 *
 * MISSIVE_QUEUE_URL names the queue as for queue_enqueue (default ./queue). Run as many
 * drainers as you like:
 * - on a PostgreSQL queue they work at once, on any hosts: each message is claimed by one
 *   drainer under a lease (MISSIVE_QUEUE_LEASE_SECONDS, default 30), renewed while it is
 *   being sent; a drainer that dies loses its claim when the lease ends and another drainer
 *   sends the message. A database that goes away is reported, and the drainer waits for it.
 * - on a filesystem queue one drains at a time: a second drainer waits for the first.
 * Messages deferred by a temporary failure are retried after their backoff while time is left.
 *
 * Build: cc -std=c11 -Iinclude examples/c/queue_drain.c target/release/libmissive.a \
 *          -lpthread -ldl -lm -o queue_drain
 */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "missive.h"

static const char *env_or(const char *name, const char *fallback) {
    const char *v = getenv(name);
    return v != NULL && v[0] != '\0' ? v : fallback;
}

static double now_seconds(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void sleep_ms(long ms) {
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

static missive_result set_queue(missive_client *client, const char *queue) {
    if (strstr(queue, "://") != NULL)
        return missive_client_set_queue_url(client, queue, strlen(queue));
    return missive_client_set_queue_directory(client, queue, strlen(queue));
}

int main(void) {
    const char *queue = env_or("MISSIVE_QUEUE_URL", "./queue");
    const char *url = getenv("MISSIVE_SMTP_URL");
    const char *lease = getenv("MISSIVE_QUEUE_LEASE_SECONDS");
    double seconds = atof(env_or("MISSIVE_DRAIN_SECONDS", "60"));
    double deadline = now_seconds() + seconds;
    size_t delivered = 0, deferred = 0, dead = 0, remaining = 0;
    int status = 1;
    missive_client *client = missive_client_new();
    missive_result r;
    char detail[1024] = "";
    size_t len = 0;
    if (client == NULL)
        return 1;
    if (url == NULL || url[0] == '\0') {
        fprintf(stderr, "set MISSIVE_SMTP_URL, e.g. smtp+starttls://user:pass@host:587\n");
        goto done;
    }
    r = missive_client_set_url(client, url, strlen(url));
    if (r == MISSIVE_RESULT_OK)
        r = set_queue(client, queue);
    if (r == MISSIVE_RESULT_OK && lease != NULL && lease[0] != '\0')
        r = missive_client_set_queue_lease(client, (uint64_t)(atof(lease) * 1000.0));
    if (r != MISSIVE_RESULT_OK) {
        missive_client_error(client, detail, sizeof detail, &len);
        fprintf(stderr, "configuring the client failed: %s: %s\n", missive_result_str(r), detail);
        goto done;
    }
    for (;;) {
        double left = deadline - now_seconds();
        missive_queue_drain_counts c;
        missive_queue_counts st;
        if (left <= 0)
            break;
        memset(&c, 0, sizeof c);
        r = missive_client_drain_queue(client, 0, (uint64_t)(left * 1000.0) + 1, &c);
        if (r == MISSIVE_RESULT_OK || r == MISSIVE_RESULT_QUEUE_SERVER_UNAVAILABLE ||
            r == MISSIVE_RESULT_QUEUE_DATABASE_UNAVAILABLE) {
            /* (zero when the database could not be reached at all: c was cleared above) */
            delivered += c.delivered;
            deferred += c.deferred;
            dead += c.dead_lettered;
            remaining = c.remaining;
        }
        if (r == MISSIVE_RESULT_QUEUE_BUSY) {
            /* A filesystem queue drains one at a time: wait for the other drainer. */
            sleep_ms(200);
            continue;
        }
        if (r == MISSIVE_RESULT_QUEUE_DATABASE_UNAVAILABLE ||
            r == MISSIVE_RESULT_QUEUE_SERVER_UNAVAILABLE) {
            missive_client_error(client, detail, sizeof detail, &len);
            fprintf(stderr, "waiting: %s\n", detail);
            sleep_ms(1000);
            continue;
        }
        if (r != MISSIVE_RESULT_OK) {
            missive_client_error(client, detail, sizeof detail, &len);
            fprintf(stderr, "draining failed: %s: %s\n", missive_result_str(r), detail);
            goto done;
        }
        if (c.delivered + c.deferred + c.dead_lettered > 0)
            continue; /* more may be due */
        /* Nothing was due for this drainer: done when nothing is queued or in flight (other
         * drainers' claims come back to the queue if they die), else wait for the next due. */
        r = missive_client_queue_state(client, &st);
        if (r == MISSIVE_RESULT_OK) {
            remaining = st.queued + st.in_flight;
            if (remaining == 0)
                break;
        }
        sleep_ms(200);
    }
    {
        missive_queue_counts st;
        if (missive_client_queue_state(client, &st) == MISSIVE_RESULT_OK)
            remaining = st.queued + st.in_flight;
    }
    printf("delivered %zu deferred %zu dead %zu remaining %zu\n", delivered, deferred, dead,
           remaining);
    status = 0;
done:
    missive_client_free(client);
    return status;
}
