/*
 * Bulk, multi-connection and asynchronous sends through the C API: missive_bulk_result,
 * missive_client_send_collection, the multi-connection, retry and progress settings, and
 * missive_operation. Pickup delivery into a temporary directory, and SMTP against the CTest
 * fixture's aiosmtpd server (see test_smtp.c): the fixture's directory comes from
 * $MISSIVE_SMTP_FIXTURE_DIR; the server stores message n as maildir/msg-<n>.eml and replies
 * "queued as Q<n>", so each sent message is found by the queue id of its own send result.
 */
#include "harness.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static char fixture_dir[512];
static char mail_dir[512];
static int server_port;

static int read_fixture_line(const char *name, char *out, size_t out_len) {
    char path[1024];
    char *text;
    snprintf(path, sizeof path, "%s/%s", fixture_dir, name);
    text = harness_read_file(path, NULL);
    if (text == NULL)
        return -1;
    text[strcspn(text, "\r\n")] = '\0';
    int ok = (size_t)snprintf(out, out_len, "%s", text) < out_len;
    free(text);
    return ok && out[0] != '\0' ? 0 : -1;
}

static missive_client *smtp_client(int port) {
    char url[128];
    int n = snprintf(url, sizeof url, "smtp+plain://127.0.0.1:%d", port);
    missive_client *c = missive_client_new();
    if (c == NULL)
        return NULL;
    if (missive_client_set_url(c, url, (size_t)n) != MISSIVE_RESULT_OK ||
        missive_client_set_timeouts(c, 5000, 20000) != MISSIVE_RESULT_OK) {
        missive_client_free(c);
        return NULL;
    }
    return c;
}

static missive_message *make_message(int k, const char *to) {
    char subject[64];
    int n = snprintf(subject, sizeof subject, "c-bulk-%05d-end", k);
    missive_message *m = missive_message_new();
    if (m == NULL)
        return NULL;
    if (missive_message_set_from(m, S("Bulk <bulk@example.com>")) != MISSIVE_RESULT_OK ||
        missive_message_set_subject(m, subject, (size_t)n) != MISSIVE_RESULT_OK ||
        missive_message_set_body(m, S("A bulk message from the C tests.\n")) != MISSIVE_RESULT_OK ||
        missive_message_add_recipients(m, MISSIVE_RECIPIENT_KIND_TO, to, strlen(to)) !=
            MISSIVE_RESULT_OK) {
        missive_message_free(m);
        return NULL;
    }
    return m;
}

/* A collection of n messages to `to`, message `odd` (if >= 0) to `odd_to`. */
static missive_message_collection *make_collection(int n, const char *to, int odd,
                                                   const char *odd_to) {
    missive_message_collection *coll = missive_message_collection_new();
    for (int k = 0; coll != NULL && k < n; k++) {
        missive_message *m = make_message(k, k == odd ? odd_to : to);
        if (m == NULL || missive_message_collection_add(coll, m) != MISSIVE_RESULT_OK) {
            missive_message_free(m);
            missive_message_collection_free(coll);
            return NULL;
        }
        missive_message_free(m);
    }
    return coll;
}

static size_t count_files(const char *dir) {
    char cmd[600];
    snprintf(cmd, sizeof cmd, "ls -1 '%s' | grep -c '\\.eml$'", dir);
    FILE *p = popen(cmd, "r");
    unsigned long n = 0;
    if (p == NULL)
        return 0;
    if (fscanf(p, "%lu", &n) != 1)
        n = 0;
    pclose(p);
    return (size_t)n;
}

/* The server's stored content for a sent send result (by its queue id); NULL if none. */
static char *server_content(const missive_send_result *r) {
    char qid[64], path[1024];
    size_t len = 0;
    if (missive_send_result_text(r, MISSIVE_SEND_RESULT_FIELD_QUEUE_ID, qid, sizeof qid, &len) !=
            MISSIVE_RESULT_OK ||
        qid[0] != 'Q')
        return NULL;
    snprintf(path, sizeof path, "%s/msg-%s.eml", mail_dir, qid + 1);
    return harness_read_file(path, NULL);
}

/* Checks that counts add up to the length and each item is readable. */
static void check_counts(const missive_bulk_result *br, size_t n) {
    size_t sum = 0;
    CHECK_EQ_INT(missive_bulk_result_len(br), n);
    for (int s = MISSIVE_BULK_STATUS_SENT; s <= MISSIVE_BULK_STATUS_NOT_ATTEMPTED; s++)
        sum += missive_bulk_result_count(br, s);
    CHECK_EQ_INT(sum, n);
    CHECK_EQ_INT(missive_bulk_result_count(br, 99), 0);
}

/* ---- pickup ----------------------------------------------------------------------------- */

static void test_pickup_collection_outcomes(void) {
    char dir[256] = "", text[256];
    size_t len = 0;
    int32_t status = -1;
    missive_result code = MISSIVE_RESULT_PANIC;
    missive_client *c = missive_client_new();
    missive_bulk_result *br = NULL;
    missive_message_collection *coll = make_collection(6, "rcpt@example.org", -1, NULL);
    missive_message *bad = make_message(6, "rcpt@example.org");
    REQUIRE(c != NULL && coll != NULL && bad != NULL);
    REQUIRE(harness_mkdtemp(dir, sizeof dir) == 0);
    REQUIRE_OK(missive_message_clear_recipients(bad, MISSIVE_RECIPIENT_KIND_TO));
    REQUIRE_OK(missive_message_collection_add(coll, bad));
    REQUIRE_OK(missive_client_set_delivery_method(c, MISSIVE_DELIVERY_METHOD_PICKUP_DIRECTORY));
    REQUIRE_OK(missive_client_set_pickup_directory(c, dir, strlen(dir)));
    REQUIRE_OK(missive_client_set_multi_connection(c, true));
    REQUIRE_OK(missive_client_set_connections(c, 2));

    CHECK_RESULT(missive_client_send_collection(c, coll, &br), MISSIVE_RESULT_PARTIAL_FAILURE);
    REQUIRE(br != NULL);
    check_counts(br, 7);
    CHECK_EQ_INT(missive_bulk_result_count(br, MISSIVE_BULK_STATUS_SENT), 6);
    CHECK_EQ_INT(missive_bulk_result_count(br, MISSIVE_BULK_STATUS_FAILED), 1);
    CHECK_RESULT(missive_bulk_result_code(br), MISSIVE_RESULT_PARTIAL_FAILURE);
    CHECK(!missive_bulk_result_was_cancelled(br));
    CHECK_EQ_INT(count_files(dir), 6);
    CHECK_CONTAINS(CLIENT_ERROR(c), "message 6");

    CHECK_RESULT(missive_bulk_result_item(br, 0, &status, &code), MISSIVE_RESULT_OK);
    CHECK_EQ_INT(status, MISSIVE_BULK_STATUS_SENT);
    CHECK_RESULT(code, MISSIVE_RESULT_OK);
    CHECK(missive_send_result_delivered(missive_bulk_result_get(br, 0)));
    CHECK_RESULT(missive_send_result_text(missive_bulk_result_get(br, 0),
                                          MISSIVE_SEND_RESULT_FIELD_PICKUP_PATH, text, sizeof text,
                                          &len),
                 MISSIVE_RESULT_OK);
    CHECK_CONTAINS(text, dir);
    CHECK_RESULT(missive_bulk_result_item(br, 6, &status, &code), MISSIVE_RESULT_OK);
    CHECK_EQ_INT(status, MISSIVE_BULK_STATUS_FAILED);
    CHECK_RESULT(code, MISSIVE_RESULT_NO_RECIPIENTS);
    CHECK(!missive_send_result_delivered(missive_bulk_result_get(br, 6)));
    CHECK_RESULT(missive_bulk_result_message_error(br, 6, text, sizeof text, &len),
                 MISSIVE_RESULT_OK);
    CHECK_CONTAINS(text, "recipients");
    /* The message's send result carries the same code and text (one place holds them). */
    {
        char detail[256];
        size_t dlen = 0;
        CHECK_RESULT(missive_send_result_code(missive_bulk_result_get(br, 6)),
                     MISSIVE_RESULT_NO_RECIPIENTS);
        CHECK_RESULT(missive_send_result_detail(missive_bulk_result_get(br, 6), detail,
                                                sizeof detail, &dlen),
                     MISSIVE_RESULT_OK);
        CHECK_STR_EQ(detail, text);
        CHECK_RESULT(missive_send_result_code(missive_bulk_result_get(br, 0)), MISSIVE_RESULT_OK);
        CHECK_RESULT(missive_send_result_detail(missive_bulk_result_get(br, 0), detail,
                                                sizeof detail, &dlen),
                     MISSIVE_RESULT_OK);
        CHECK_STR_EQ(detail, "");
    }
    /* Size-then-fill, and past the end. */
    CHECK_RESULT(missive_bulk_result_message_error(br, 6, NULL, 0, &len), MISSIVE_RESULT_OK);
    CHECK_EQ_INT(len, strlen(text) + 1);
    CHECK_RESULT(missive_bulk_result_message_error(br, 6, text, 4, &len),
                 MISSIVE_RESULT_BUFFER_TOO_SMALL);
    CHECK_EQ_INT(len, strlen(text) + 1);
    CHECK_RESULT(missive_bulk_result_item(br, 7, &status, &code), MISSIVE_RESULT_INDEX_OUT_OF_RANGE);
    CHECK(missive_bulk_result_get(br, 7) == NULL);
    CHECK_RESULT(missive_bulk_result_error(br, text, sizeof text, &len), MISSIVE_RESULT_OK);
    CHECK_CONTAINS(text, "past the end");
    /* Argument checks. */
    CHECK_RESULT(missive_client_set_connections(c, 0), MISSIVE_RESULT_INVALID_ARGUMENT);
    CHECK_RESULT(missive_client_set_connections(c, 65), MISSIVE_RESULT_INVALID_ARGUMENT);
    CHECK_RESULT(missive_client_set_batch_size(c, 0), MISSIVE_RESULT_INVALID_ARGUMENT);
    CHECK_RESULT(missive_client_set_batch_size(c, 10001), MISSIVE_RESULT_INVALID_ARGUMENT);
    CHECK_RESULT(missive_client_set_batch_size(c, 10000), MISSIVE_RESULT_OK);
    CHECK_RESULT(missive_client_set_total_timeout(c, 0), MISSIVE_RESULT_OK);
    CHECK_RESULT(missive_client_set_retry_policy(c, 0, false), MISSIVE_RESULT_INVALID_ARGUMENT);
    CHECK_RESULT(missive_client_set_retry_policy(c, 3, true), MISSIVE_RESULT_OK);
cleanup:
    missive_bulk_result_free(br);
    missive_message_free(bad);
    missive_message_collection_free(coll);
    missive_client_free(c);
    harness_rmtree(dir);
}

/* ---- SMTP, multi-connection ------------------------------------------------------------- */

static void test_smtp_multi_connection_matches_server(void) {
    missive_client *c = smtp_client(server_port);
    missive_bulk_result *br = NULL;
    missive_message_collection *coll = make_collection(40, "rcpt@example.org", 13,
                                                       "reject-13@example.org");
    REQUIRE(c != NULL && coll != NULL);
    REQUIRE_OK(missive_client_set_multi_connection(c, true));
    REQUIRE_OK(missive_client_set_connections(c, 3));
    CHECK_RESULT(missive_client_send_collection(c, coll, &br), MISSIVE_RESULT_PARTIAL_FAILURE);
    REQUIRE(br != NULL);
    check_counts(br, 40);
    CHECK_EQ_INT(missive_bulk_result_count(br, MISSIVE_BULK_STATUS_SENT), 39);
    for (size_t k = 0; k < 40; k++) {
        int32_t status = -1;
        const missive_send_result *r = missive_bulk_result_get(br, k);
        REQUIRE_OK(missive_bulk_result_item(br, k, &status, NULL));
        if (k == 13) {
            CHECK_EQ_INT(status, MISSIVE_BULK_STATUS_FAILED);
            CHECK(!missive_send_result_is_transient(r));
            CHECK_EQ_INT(missive_send_result_rejected_count(r), 1);
            CHECK(server_content(r) == NULL);
            continue;
        }
        CHECK_EQ_INT(status, MISSIVE_BULK_STATUS_SENT);
        CHECK_EQ_INT(missive_send_result_reply_code(r), 250);
        char *content = server_content(r);
        char subject[32];
        snprintf(subject, sizeof subject, "c-bulk-%05d-end", (int)k);
        CHECK(content != NULL);
        if (content != NULL)
            CHECK_CONTAINS(content, subject);
        free(content);
    }
cleanup:
    missive_bulk_result_free(br);
    missive_message_collection_free(coll);
    missive_client_free(c);
}

/* ---- progress callback ------------------------------------------------------------------ */

struct progress_state {
    int calls;
    int freed;
    size_t last_done;
    bool monotonic;
};

static int32_t progress_cb(void *userdata, const missive_progress *p) {
    struct progress_state *s = userdata;
    if (p->done < s->last_done)
        s->monotonic = false;
    s->last_done = p->done;
    s->calls++;
    return p->done >= 20 ? 1 : 0; /* cancel after 20 */
}

static void progress_free(void *userdata) {
    ((struct progress_state *)userdata)->freed++;
}

static void test_progress_callback_cancels(void) {
    struct progress_state st = {0, 0, 0, true};
    missive_client *c = smtp_client(server_port);
    missive_bulk_result *br = NULL;
    missive_message_collection *coll = make_collection(400, "rcpt@example.org", -1, NULL);
    REQUIRE(c != NULL && coll != NULL);
    REQUIRE_OK(missive_client_set_progress_callback(c, progress_cb, &st, progress_free));
    CHECK_RESULT(missive_client_send_collection(c, coll, &br), MISSIVE_RESULT_CANCELLED);
    REQUIRE(br != NULL);
    check_counts(br, 400);
    CHECK(missive_bulk_result_was_cancelled(br));
    CHECK(missive_bulk_result_count(br, MISSIVE_BULK_STATUS_SENT) >= 20);
    CHECK(missive_bulk_result_count(br, MISSIVE_BULK_STATUS_NOT_ATTEMPTED) > 0);
    CHECK_EQ_INT(missive_bulk_result_count(br, MISSIVE_BULK_STATUS_SENT) +
                     missive_bulk_result_count(br, MISSIVE_BULK_STATUS_NOT_ATTEMPTED),
                 400);
    CHECK(st.calls >= 1 && st.monotonic);
    {
        int32_t status = -1;
        missive_result code = MISSIVE_RESULT_OK;
        REQUIRE_OK(missive_bulk_result_item(br, 399, &status, &code));
        CHECK_EQ_INT(status, MISSIVE_BULK_STATUS_NOT_ATTEMPTED);
        CHECK_RESULT(code, MISSIVE_RESULT_CANCELLED);
        CHECK_RESULT(missive_send_result_code(missive_bulk_result_get(br, 399)),
                     MISSIVE_RESULT_CANCELLED);
        CHECK(server_content(missive_bulk_result_get(br, 399)) == NULL);
    }
    CHECK_EQ_INT(st.freed, 0);
    /* Removing the callback frees its userdata. */
    REQUIRE_OK(missive_client_set_progress_callback(c, NULL, NULL, NULL));
    CHECK_EQ_INT(st.freed, 1);
cleanup:
    missive_bulk_result_free(br);
    missive_message_collection_free(coll);
    missive_client_free(c);
}

/* ---- async ------------------------------------------------------------------------------ */

struct completion_state {
    atomic_int calls;
    atomic_int freed;
    atomic_int code;
    atomic_size_t sent;
};

static void completion_cb(void *userdata, missive_result code, const missive_bulk_result *r) {
    struct completion_state *s = userdata;
    atomic_store(&s->code, (int)code);
    atomic_store(&s->sent, missive_bulk_result_count(r, MISSIVE_BULK_STATUS_SENT));
    atomic_fetch_add(&s->calls, 1);
}

static void completion_free(void *userdata) {
    struct completion_state *s = userdata;
    atomic_fetch_add(&s->freed, 1);
}

static void test_send_async_single(void) {
    struct completion_state st;
    missive_client *c = smtp_client(server_port);
    missive_message *m = make_message(1, "rcpt@example.org");
    missive_operation *op = NULL;
    atomic_init(&st.calls, 0);
    atomic_init(&st.freed, 0);
    atomic_init(&st.code, -1);
    atomic_init(&st.sent, 0);
    REQUIRE(c != NULL && m != NULL);
    REQUIRE_OK(missive_client_send_async(c, m, completion_cb, &st, completion_free, &op));
    REQUIRE(op != NULL);
    missive_message_free(m); /* the message was copied */
    m = NULL;
    CHECK_RESULT(missive_operation_wait(op, -1), MISSIVE_RESULT_OK);
    CHECK(missive_operation_is_done(op));
    CHECK_EQ_INT(atomic_load(&st.calls), 1);
    CHECK_EQ_INT(atomic_load(&st.freed), 1);
    CHECK_EQ_INT(atomic_load(&st.code), MISSIVE_RESULT_OK);
    CHECK_RESULT(missive_operation_result_code(op), MISSIVE_RESULT_OK);
    const missive_bulk_result *br = missive_operation_result(op);
    REQUIRE(br != NULL);
    CHECK_EQ_INT(missive_bulk_result_len(br), 1);
    char *content = server_content(missive_bulk_result_get(br, 0));
    CHECK(content != NULL);
    if (content != NULL)
        CHECK_CONTAINS(content, "c-bulk-00001-end");
    free(content);
cleanup:
    missive_operation_free(op);
    missive_message_free(m);
    missive_client_free(c);
}

/* A listening socket that never answers: sends to it wait for the greeting timeout. */
static int silent_server(int *port) {
    struct sockaddr_in a;
    socklen_t alen = sizeof a;
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    memset(&a, 0, sizeof a);
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (fd < 0 || bind(fd, (struct sockaddr *)&a, sizeof a) != 0 || listen(fd, 16) != 0 ||
        getsockname(fd, (struct sockaddr *)&a, &alen) != 0) {
        if (fd >= 0)
            close(fd);
        return -1;
    }
    *port = ntohs(a.sin_port);
    return fd;
}

static void test_wait_timeout_and_free_before_completion(void) {
    struct completion_state st;
    int port = 0, fd = silent_server(&port);
    missive_client *c = NULL;
    missive_message_collection *coll = make_collection(3, "rcpt@example.org", -1, NULL);
    missive_operation *op = NULL;
    char text[256];
    size_t len = 0;
    atomic_init(&st.calls, 0);
    atomic_init(&st.freed, 0);
    atomic_init(&st.code, -1);
    atomic_init(&st.sent, 0);
    REQUIRE(fd >= 0 && coll != NULL);
    c = smtp_client(port);
    REQUIRE(c != NULL);
    REQUIRE_OK(missive_client_set_timeouts(c, 2000, 300));
    REQUIRE_OK(missive_client_send_collection_async(c, coll, completion_cb, &st, completion_free,
                                                    &op));
    CHECK_RESULT(missive_operation_wait(op, 50), MISSIVE_RESULT_PENDING);
    CHECK_RESULT(missive_operation_error(op, text, sizeof text, &len), MISSIVE_RESULT_OK);
    CHECK_CONTAINS(text, "50 ms");
    CHECK(!missive_operation_is_done(op));
    CHECK(missive_operation_result(op) == NULL);
    CHECK_RESULT(missive_operation_result_code(op), MISSIVE_RESULT_PENDING);
    CHECK_RESULT(missive_operation_cancel(op), MISSIVE_RESULT_OK);
    /* Free before completion, and the client too: the callback still runs, once. */
    missive_operation_free(op);
    op = NULL;
    missive_client_free(c);
    c = NULL;
    for (int i = 0; i < 400 && atomic_load(&st.freed) == 0; i++) {
        struct timespec ts = {0, 25 * 1000 * 1000};
        nanosleep(&ts, NULL);
    }
    CHECK_EQ_INT(atomic_load(&st.calls), 1);
    CHECK_EQ_INT(atomic_load(&st.freed), 1);
    CHECK_EQ_INT(atomic_load(&st.sent), 0);
    CHECK(atomic_load(&st.code) != MISSIVE_RESULT_OK);
cleanup:
    missive_operation_free(op);
    missive_client_free(c);
    missive_message_collection_free(coll);
    if (fd >= 0)
        close(fd);
}

static void test_collection_async_cancel(void) {
    struct completion_state st;
    missive_client *c = smtp_client(server_port);
    missive_message_collection *coll = make_collection(300, "rcpt@example.org", -1, NULL);
    missive_operation *op = NULL;
    atomic_init(&st.calls, 0);
    atomic_init(&st.freed, 0);
    atomic_init(&st.code, -1);
    atomic_init(&st.sent, 0);
    REQUIRE(c != NULL && coll != NULL);
    REQUIRE_OK(missive_client_send_collection_async(c, coll, completion_cb, &st, NULL, &op));
    CHECK_RESULT(missive_operation_cancel(op), MISSIVE_RESULT_OK);
    missive_result r = missive_operation_wait(op, 60000);
    CHECK(r == MISSIVE_RESULT_CANCELLED || r == MISSIVE_RESULT_OK);
    const missive_bulk_result *br = missive_operation_result(op);
    REQUIRE(br != NULL);
    check_counts(br, 300);
    CHECK_EQ_INT(missive_bulk_result_count(br, MISSIVE_BULK_STATUS_SENT) +
                     missive_bulk_result_count(br, MISSIVE_BULK_STATUS_NOT_ATTEMPTED),
                 300);
    CHECK_EQ_INT(atomic_load(&st.calls), 1);
    CHECK_EQ_INT(atomic_load(&st.sent), missive_bulk_result_count(br, MISSIVE_BULK_STATUS_SENT));
    CHECK_RESULT(missive_operation_result_code(op), r);
cleanup:
    missive_operation_free(op);
    missive_message_collection_free(coll);
    missive_client_free(c);
}

int main(int argc, char **argv) {
    const char *d = argc > 1 ? argv[1] : getenv("MISSIVE_SMTP_FIXTURE_DIR");
    char port[16];
    RUN(test_pickup_collection_outcomes);
    if (d == NULL || snprintf(fixture_dir, sizeof fixture_dir, "%s", d) >= (int)sizeof fixture_dir ||
        read_fixture_line("port", port, sizeof port) != 0 ||
        read_fixture_line("maildir", mail_dir, sizeof mail_dir) != 0) {
        fprintf(stderr, "no SMTP fixture (MISSIVE_SMTP_FIXTURE_DIR): SMTP tests fail\n");
        printf("0 passed, 1 failed\n");
        return 1;
    }
    server_port = atoi(port);
    RUN(test_smtp_multi_connection_matches_server);
    RUN(test_progress_callback_cancels);
    RUN(test_send_async_single);
    RUN(test_wait_timeout_and_free_before_completion);
    RUN(test_collection_async_cancel);
    return harness_finish();
}
