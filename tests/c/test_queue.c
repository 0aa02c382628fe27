/*
 * The durable queue through the C API, drained to the CTest fixture's aiosmtpd server (see
 * test_smtp.c), which refuses recipients starting with "reject" (550) and "defer" (450).
 *
 * send_to_queue writes files and sends nothing; a drain delivers, defers (4xx, with backoff:
 * not due again at once) and dead-letters (5xx, with the reason); the state and the listing
 * say so; settings are checked.
 */
#include "harness.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/socket.h>
#include <unistd.h>

static char fixture_dir[512];
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

static missive_message *make_message(const char *to) {
    missive_message *m = missive_message_new();
    if (m == NULL)
        return NULL;
    if (missive_message_set_from(m, S("sender@example.com")) != MISSIVE_RESULT_OK ||
        missive_message_add_recipients(m, MISSIVE_RECIPIENT_KIND_TO, to, strlen(to)) !=
            MISSIVE_RESULT_OK ||
        missive_message_set_subject(m, S("C test_queue")) != MISSIVE_RESULT_OK ||
        missive_message_set_body(m, S("queued from C\n")) != MISSIVE_RESULT_OK) {
        missive_message_free(m);
        return NULL;
    }
    return m;
}

/* The queue listing (malloc'd, size-then-fill), or NULL. */
static char *queue_list(missive_client *c) {
    size_t need = 0;
    char *buf;
    if (missive_client_queue_list(c, NULL, 0, &need) != MISSIVE_RESULT_OK || need == 0)
        return NULL;
    buf = malloc(need);
    if (buf == NULL)
        return NULL;
    if (missive_client_queue_list(c, buf, need, &need) != MISSIVE_RESULT_OK) {
        free(buf);
        return NULL;
    }
    return buf;
}

static void test_queue_drain_defer_dead(void) {
    missive_client *c = missive_client_new();
    missive_message *ok = make_message("to@example.org");
    missive_message *later = make_message("defer-me@example.org");
    missive_message *never = make_message("reject-me@example.org");
    missive_queue_drain_counts d;
    missive_queue_counts q;
    char dir[256] = "", url[128], small[4];
    char *list = NULL;
    size_t need = 0;
    REQUIRE(c != NULL && ok != NULL && later != NULL && never != NULL);
    REQUIRE(harness_mkdtemp(dir, sizeof dir) == 0);
    snprintf(url, sizeof url, "smtp+plain://127.0.0.1:%d", server_port);
    REQUIRE_OK(missive_client_set_url(c, url, strlen(url)));

    CHECK_RESULT(missive_client_send_to_queue(c, ok), MISSIVE_RESULT_QUEUE_DIRECTORY_NOT_SET);
    CHECK_RESULT(missive_client_queue_state(c, &q), MISSIVE_RESULT_QUEUE_DIRECTORY_NOT_SET);
    CHECK_RESULT(missive_client_set_queue_directory(c, NULL, 0), MISSIVE_RESULT_INVALID_ARGUMENT);
    REQUIRE_OK(missive_client_set_queue_directory(c, dir, strlen(dir)));
    CHECK_RESULT(missive_client_set_queue_retry(c, 1000, 10, 3), MISSIVE_RESULT_INVALID_ARGUMENT);
    CHECK_RESULT(missive_client_set_queue_retry(c, 1000, 2000, 0), MISSIVE_RESULT_INVALID_ARGUMENT);
    REQUIRE_OK(missive_client_set_queue_retry(c, 60000, 120000, 5));

    REQUIRE_OK(missive_client_send_to_queue(c, ok));
    REQUIRE_OK(missive_client_send_to_queue(c, ok));
    REQUIRE_OK(missive_client_send_to_queue(c, later));
    REQUIRE_OK(missive_client_send_to_queue(c, never));
    REQUIRE_OK(missive_client_queue_state(c, &q));
    CHECK_EQ_INT(q.queued, 4);
    CHECK_EQ_INT(q.due, 4);
    CHECK_EQ_INT(q.in_flight, 0);
    CHECK_EQ_INT(q.dead_lettered, 0);
    CHECK(q.next_attempt_unix_ms > 0);

    /* Listing: size-then-fill; a small buffer is left untouched. */
    memcpy(small, "abc", 4);
    CHECK_RESULT(missive_client_queue_list(c, small, sizeof small, &need),
                 MISSIVE_RESULT_BUFFER_TOO_SMALL);
    CHECK(need > sizeof small);
    CHECK_STR_EQ(small, "abc");

    REQUIRE_OK(missive_client_drain_queue(c, 0, 10000, &d));
    CHECK_EQ_INT(d.delivered, 2);
    CHECK_EQ_INT(d.deferred, 1);
    CHECK_EQ_INT(d.dead_lettered, 1);
    CHECK_EQ_INT(d.recovered, 0);
    CHECK_EQ_INT(d.remaining, 1);

    REQUIRE_OK(missive_client_queue_state(c, &q));
    CHECK_EQ_INT(q.queued, 1);
    CHECK_EQ_INT(q.due, 0); /* backing off for a minute */
    CHECK_EQ_INT(q.dead_lettered, 1);
    list = queue_list(c);
    REQUIRE(list != NULL);
    CHECK_CONTAINS(list, "\tqueued\t1\t");
    CHECK_CONTAINS(list, "450");
    CHECK_CONTAINS(list, "\tdead\t0\t0\tpermanent failure");
    CHECK_CONTAINS(list, "550");

    /* Not due: a second drain delivers nothing and leaves it queued. */
    REQUIRE_OK(missive_client_drain_queue(c, 0, 0, &d));
    CHECK_EQ_INT(d.delivered, 0);
    CHECK_EQ_INT(d.deferred, 0);
    CHECK_EQ_INT(d.remaining, 1);
cleanup:
    free(list);
    missive_message_free(ok);
    missive_message_free(later);
    missive_message_free(never);
    missive_client_free(c);
    if (dir[0] != '\0')
        harness_rmtree(dir);
}

static void test_drain_needs_a_host(void) {
    missive_client *c = missive_client_new();
    missive_message *m = make_message("to@example.org");
    missive_queue_drain_counts d;
    char dir[256] = "";
    REQUIRE(c != NULL && m != NULL);
    REQUIRE(harness_mkdtemp(dir, sizeof dir) == 0);
    REQUIRE_OK(missive_client_set_queue_directory(c, dir, strlen(dir)));
    REQUIRE_OK(missive_client_send_to_queue(c, m));
    memset(&d, 0xab, sizeof d);
    CHECK_RESULT(missive_client_drain_queue(c, 0, 0, &d), MISSIVE_RESULT_HOST_NOT_SET);
    CHECK_EQ_INT(d.delivered, (size_t)0xabababababababab); /* untouched on failure */
cleanup:
    missive_message_free(m);
    missive_client_free(c);
    if (dir[0] != '\0')
        harness_rmtree(dir);
}

/* Queue URLs: each bad one gets QUEUE_URL_INVALID with a text naming the problem (and the
 * queue set before stays); file:// is the directory queue; a short lease is refused; with
 * idempotent enqueue, the same message queued twice is one message, delivered once. */
static void test_queue_url_lease_idempotent(void) {
    missive_client *c = missive_client_new();
    missive_message *m = make_message("url-once@example.org");
    missive_queue_counts st;
    missive_queue_drain_counts d;
    char dir[256] = "", url[512], smtp[64];
    static const char *bad[][2] = {
        {"ftp://example.com/q", "scheme"},
        {"queue", "no scheme"},
        {"file://relative/q", "absolute"},
        {"postgres://u@h/db?schema=Drop;Table", "plain identifier"},
        {"postgres://u@h/db?sslmode=sometimes", "sslmode"},
    };
    REQUIRE(c != NULL && m != NULL);
    REQUIRE(harness_mkdtemp(dir, sizeof dir) == 0);
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        CHECK_RESULT(missive_client_set_queue_url(c, bad[i][0], strlen(bad[i][0])),
                     MISSIVE_RESULT_QUEUE_URL_INVALID);
        CHECK_CONTAINS(CLIENT_ERROR(c), bad[i][1]);
    }
    CHECK_RESULT(missive_client_queue_state(c, &st), MISSIVE_RESULT_QUEUE_DIRECTORY_NOT_SET);
    CHECK_RESULT(missive_client_set_queue_lease(c, 499), MISSIVE_RESULT_INVALID_ARGUMENT);
    REQUIRE_OK(missive_client_set_queue_lease(c, 500));
    snprintf(url, sizeof url, "file://%s", dir);
    REQUIRE_OK(missive_client_set_queue_url(c, url, strlen(url)));
    REQUIRE_OK(missive_client_set_queue_idempotent(c, true));
    REQUIRE_OK(missive_client_send_to_queue(c, m));
    REQUIRE_OK(missive_client_send_to_queue(c, m));
    REQUIRE_OK(missive_client_queue_state(c, &st));
    CHECK_EQ_INT(st.queued, (size_t)1);
    snprintf(smtp, sizeof smtp, "smtp+plain://127.0.0.1:%d", server_port);
    REQUIRE_OK(missive_client_set_url(c, smtp, strlen(smtp)));
    REQUIRE_OK(missive_client_drain_queue(c, 0, 0, &d));
    CHECK_EQ_INT(d.delivered, (size_t)1);
    /* Delivered: the same Message-ID is still not queued again. */
    REQUIRE_OK(missive_client_send_to_queue(c, m));
    REQUIRE_OK(missive_client_queue_state(c, &st));
    CHECK_EQ_INT(st.queued, (size_t)0);
cleanup:
    missive_message_free(m);
    missive_client_free(c);
    if (dir[0] != '\0')
        harness_rmtree(dir);
}

/* A port on 127.0.0.1 nobody listens on: bound to port 0, then closed. -1 on failure. */
static int closed_port(void) {
    struct sockaddr_in a;
    socklen_t alen = sizeof a;
    int port = -1, fd = socket(AF_INET, SOCK_STREAM, 0);
    if (fd < 0)
        return -1;
    memset(&a, 0, sizeof a);
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (bind(fd, (struct sockaddr *)&a, sizeof a) == 0 &&
        getsockname(fd, (struct sockaddr *)&a, &alen) == 0)
        port = ntohs(a.sin_port);
    close(fd);
    return port;
}

/* A closed port (bound to port 0, then closed): the drain stops with its own code, the counts
 * written and the connection error on the client; the messages stay queued, no attempt spent. */
static void test_drain_server_unreachable(void) {
    missive_client *c = missive_client_new();
    missive_message *m = make_message("to@example.org");
    missive_queue_drain_counts d;
    missive_queue_counts q;
    char dir[256] = "", url[128], err[512];
    char *list = NULL;
    size_t n = 0;
    int port;
    REQUIRE(c != NULL && m != NULL);
    REQUIRE(harness_mkdtemp(dir, sizeof dir) == 0);
    port = closed_port();
    REQUIRE(port > 0);
    snprintf(url, sizeof url, "smtp+plain://127.0.0.1:%d", port);
    REQUIRE_OK(missive_client_set_url(c, url, strlen(url)));
    REQUIRE_OK(missive_client_set_queue_directory(c, dir, strlen(dir)));
    REQUIRE_OK(missive_client_send_to_queue(c, m));
    REQUIRE_OK(missive_client_send_to_queue(c, m));
    memset(&d, 0xab, sizeof d);
    CHECK_RESULT(missive_client_drain_queue(c, 0, 0, &d),
                 MISSIVE_RESULT_QUEUE_SERVER_UNAVAILABLE);
    CHECK_EQ_INT(d.delivered, 0);
    CHECK_EQ_INT(d.deferred, 0);
    CHECK_EQ_INT(d.dead_lettered, 0);
    CHECK_EQ_INT(d.recovered, 0);
    CHECK_EQ_INT(d.remaining, 2);
    REQUIRE_OK(missive_client_error(c, err, sizeof err, &n));
    CHECK_CONTAINS(err, "could not connect");
    CHECK_CONTAINS(err, "stay queued");
    REQUIRE_OK(missive_client_queue_state(c, &q));
    CHECK_EQ_INT(q.queued, 2);
    CHECK_EQ_INT(q.due, 2);
    list = queue_list(c);
    REQUIRE(list != NULL);
    CHECK_CONTAINS(list, "\tqueued\t0\t");
cleanup:
    free(list);
    missive_message_free(m);
    missive_client_free(c);
    if (dir[0] != '\0')
        harness_rmtree(dir);
}

int main(int argc, char **argv) {
    char port_text[32];
    const char *from = argc > 1 ? argv[1] : getenv("MISSIVE_SMTP_FIXTURE_DIR");
    if (from == NULL || from[0] == '\0') {
        fprintf(stderr, "test_queue: give the SMTP fixture directory as argv[1] or "
                        "$MISSIVE_SMTP_FIXTURE_DIR (run through ctest)\n");
        printf("0 passed, 1 failed\n");
        return 1;
    }
    snprintf(fixture_dir, sizeof fixture_dir, "%s", from);
    if (read_fixture_line("port", port_text, sizeof port_text) != 0 ||
        (server_port = atoi(port_text)) <= 0 || server_port > 65535) {
        fprintf(stderr, "test_queue: no SMTP server in %s\n", fixture_dir);
        printf("0 passed, 1 failed\n");
        return 1;
    }
    RUN(test_queue_drain_defer_dead);
    RUN(test_drain_needs_a_host);
    RUN(test_drain_server_unreachable);
    RUN(test_queue_url_lease_idempotent);
    return harness_finish();
}
