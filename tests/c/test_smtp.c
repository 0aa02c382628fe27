/*
 * SMTP delivery through the C API against a real server: Python aiosmtpd
 * (tests/support/smtp/aiosmtpd_server.py) on 127.0.0.1, started by the CTest fixture
 * "smtp_server" (smtp_fixture.py) with users alice:wonderland and bob:s3cret-pw.
 *
 * The fixture's directory comes from argv[1] or $MISSIVE_SMTP_FIXTURE_DIR; it holds `port` and
 * `maildir`. The server stores message n as maildir/msg-<n>.env (envelope: "MAIL_FROM x",
 * "RCPT x", "AUTH user", ... lines) and maildir/msg-<n>.eml, and replies "250 2.0.0 Ok: queued
 * as Q<n>". Several test programs (test_smtp, asan_test_smtp, valgrind_test_smtp) share the
 * server at once, so a test finds its message by the queue id of its own send result, never by
 * counting files.
 *
 * Recipients starting with "reject" are refused with 550, with "defer" with 450.
 */
#include "harness.h"

#include <arpa/inet.h>
#include <pthread.h>
#include <stdatomic.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/socket.h>
#include <sys/stat.h>

static char fixture_dir[512];
static char mail_dir[512];
static int server_port;

#define SENTINEL ((size_t)0x5eed)

/* ---- helpers ---------------------------------------------------------------------------- */

/* Reads the first line of fixture_dir/name into out (without the newline); 0 on success. */
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

/* An smtp+plain:// URL (no TLS) to the fixture server, with `userinfo@` when not NULL and a
 * `?query` when not NULL. */
static size_t server_url(char *out, size_t out_len, const char *userinfo, const char *query) {
    int n = snprintf(out, out_len, "smtp+plain://%s%s127.0.0.1:%d%s%s", userinfo ? userinfo : "",
                     userinfo ? "@" : "", server_port, query ? "?" : "", query ? query : "");
    return n > 0 ? (size_t)n : 0;
}

/* A client for the fixture server (plain text, no credentials), with short timeouts so that a
 * hung server fails the test instead of CTest's timeout. NULL on failure. */
static missive_client *make_client(void) {
    char url[256];
    size_t n = server_url(url, sizeof url, NULL, NULL);
    missive_client *c = missive_client_new();
    if (c == NULL)
        return NULL;
    if (missive_client_set_url(c, url, n) != MISSIVE_RESULT_OK ||
        missive_client_set_timeouts(c, 5000, 20000) != MISSIVE_RESULT_OK) {
        missive_client_free(c);
        return NULL;
    }
    return c;
}

/* A message from sender@example.com with the given subject and lists ((NULL) for none). */
static missive_message *make_message(const char *subject, const char *to, const char *cc,
                                     const char *bcc) {
    missive_message *m = missive_message_new();
    if (m == NULL)
        return NULL;
    if (missive_message_set_from(m, S("Sender <sender@example.com>")) != MISSIVE_RESULT_OK ||
        missive_message_set_subject(m, subject, strlen(subject)) != MISSIVE_RESULT_OK ||
        missive_message_set_body(m, S("Hello from the C tests.\n")) != MISSIVE_RESULT_OK ||
        (to && missive_message_add_recipients(m, MISSIVE_RECIPIENT_KIND_TO, to, strlen(to)) !=
                   MISSIVE_RESULT_OK) ||
        (cc && missive_message_add_recipients(m, MISSIVE_RECIPIENT_KIND_CC, cc, strlen(cc)) !=
                   MISSIVE_RESULT_OK) ||
        (bcc && missive_message_add_recipients(m, MISSIVE_RECIPIENT_KIND_BCC, bcc, strlen(bcc)) !=
                    MISSIVE_RESULT_OK)) {
        missive_message_free(m);
        return NULL;
    }
    return m;
}

/* Copies a text of a send result into buf (size-then-fill, both steps checked); returns the
 * first non-OK code, or OK. */
static missive_result result_text(const missive_send_result *r, int32_t which, char *buf,
                                  size_t buf_len) {
    size_t len = 0;
    missive_result rc = missive_send_result_text(r, which, NULL, 0, &len);
    buf[0] = '\0';
    if (rc != MISSIVE_RESULT_OK)
        return rc;
    if (len > buf_len)
        return MISSIVE_RESULT_BUFFER_TOO_SMALL;
    return missive_send_result_text(r, which, buf, buf_len, &len);
}

/* Copies a send result's own detail into buf (size-then-fill, both steps checked); returns the
 * first non-OK code, or OK. */
static missive_result result_detail(const missive_send_result *r, char *buf, size_t buf_len) {
    size_t len = 0;
    missive_result rc = missive_send_result_detail(r, NULL, 0, &len);
    buf[0] = '\0';
    if (rc != MISSIVE_RESULT_OK)
        return rc;
    if (len > buf_len)
        return MISSIVE_RESULT_BUFFER_TOO_SMALL;
    return missive_send_result_detail(r, buf, buf_len, &len);
}

/* Reads the server's file for queue id "Q<n>": maildir/msg-<n>.<ext> (malloc'd; free it). */
static char *server_file(const char *queue_id, const char *ext) {
    char path[1024];
    if (queue_id[0] != 'Q')
        return NULL;
    snprintf(path, sizeof path, "%s/msg-%s.%s", mail_dir, queue_id + 1, ext);
    return harness_read_file(path, NULL);
}

/* Number of envelope lines "RCPT <x>" in an .env text. */
static int count_rcpt_lines(const char *env) {
    int n = 0;
    for (const char *p = env; (p = strstr(p, "RCPT ")) != NULL; p++)
        if (p == env || p[-1] == '\n')
            n++;
    return n;
}

/* The envelope text has exactly the line `line` (without newline). */
static bool env_has_line(const char *env, const char *line) {
    size_t n = strlen(line);
    for (const char *p = env; (p = strstr(p, line)) != NULL; p++)
        if ((p == env || p[-1] == '\n') && (p[n] == '\n' || p[n] == '\0'))
            return true;
    return false;
}

/* The header section of a CRLF message has a line starting with `name` (e.g. "Bcc:"),
 * compared case-insensitively. */
static bool has_header_ci(const char *eml, const char *name) {
    size_t n = strlen(name);
    const char *end = strstr(eml, "\r\n\r\n");
    for (const char *line = eml; line != NULL && (end == NULL || line <= end);) {
        size_t i = 0;
        while (i < n && line[i] != '\0' &&
               (line[i] | 0x20) == (name[i] | 0x20))
            i++;
        if (i == n)
            return true;
        line = strstr(line, "\r\n");
        if (line != NULL)
            line += 2;
    }
    return false;
}

/* ---- sending a composed message ---------------------------------------------------------- */

static void test_send_composed_message(void) {
    missive_client *c = make_client();
    missive_message *m = make_message("C test_smtp composed", "To Person <to@example.org>",
                                      "cc@example.org", "Hidden <hidden@example.net>");
    missive_send_result *res = NULL;
    char text[512], queue_id[64];
    char *env = NULL, *eml = NULL;
    uint8_t *saved = NULL;
    size_t len = 0, eml_len = 0;
    REQUIRE(c != NULL && m != NULL);

    int rc = missive_client_send(c, m, &res);
    if (rc != MISSIVE_RESULT_OK)
        HARNESS_FAIL_AT(__FILE__, __LINE__, "send: %s (%s)", missive_result_str(rc), CLIENT_ERROR(c));
    REQUIRE(res != NULL);
    CHECK_STR_EQ(CLIENT_ERROR(c), "");
    CHECK(missive_send_result_delivered(res));
    CHECK(!missive_send_result_is_transient(res));
    CHECK(!missive_send_result_outcome_unknown(res));
    CHECK_EQ_INT(missive_send_result_reply_code(res), 250);
    CHECK_RESULT(result_text(res, MISSIVE_SEND_RESULT_FIELD_ENHANCED_CODE, text, sizeof text),
                 MISSIVE_RESULT_OK);
    CHECK_STR_EQ(text, "2.0.0");
    CHECK_RESULT(result_text(res, MISSIVE_SEND_RESULT_FIELD_REPLY_TEXT, text, sizeof text),
                 MISSIVE_RESULT_OK);
    CHECK_CONTAINS(text, "queued as Q");
    CHECK_NOT_CONTAINS(text, "250"); /* the text without the codes */
    REQUIRE_OK(result_text(res, MISSIVE_SEND_RESULT_FIELD_QUEUE_ID, queue_id, sizeof queue_id));
    CHECK(queue_id[0] == 'Q' && queue_id[1] >= '1' && queue_id[1] <= '9');
    CHECK_RESULT(result_text(res, MISSIVE_SEND_RESULT_FIELD_PICKUP_PATH, text, sizeof text),
                 MISSIVE_RESULT_NOT_FOUND);
    CHECK_EQ_INT(missive_send_result_accepted_count(res), 3);
    CHECK_EQ_INT(missive_send_result_rejected_count(res), 0);
    /* Accepted recipients are bare addresses, in envelope order (To, Cc, Bcc). */
    CHECK_RESULT(missive_send_result_accepted(res, 0, text, sizeof text, &len), MISSIVE_RESULT_OK);
    CHECK_STR_EQ(text, "to@example.org");
    CHECK_RESULT(missive_send_result_accepted(res, 1, text, sizeof text, &len), MISSIVE_RESULT_OK);
    CHECK_STR_EQ(text, "cc@example.org");
    CHECK_RESULT(missive_send_result_accepted(res, 2, text, sizeof text, &len), MISSIVE_RESULT_OK);
    CHECK_STR_EQ(text, "hidden@example.net");
    CHECK_EQ_INT(len, strlen("hidden@example.net") + 1);

    /* What the server stored: the envelope names all three, the message hides the Bcc. */
    env = server_file(queue_id, "env");
    REQUIRE(env != NULL);
    CHECK(env_has_line(env, "MAIL_FROM sender@example.com"));
    CHECK_EQ_INT(count_rcpt_lines(env), 3);
    CHECK(env_has_line(env, "RCPT to@example.org"));
    CHECK(env_has_line(env, "RCPT cc@example.org"));
    CHECK(env_has_line(env, "RCPT hidden@example.net"));
    CHECK(env_has_line(env, "AUTH -"));
    CHECK(env_has_line(env, "TLS no"));

    eml = server_file(queue_id, "eml");
    REQUIRE(eml != NULL);
    eml_len = strlen(eml);
    CHECK(!has_header_ci(eml, "Bcc:"));
    CHECK_NOT_CONTAINS(eml, "hidden@example.net");
    CHECK(has_header_ci(eml, "Subject: C test_smtp composed"));
    CHECK(has_header_ci(eml, "To: "));
    CHECK(has_header_ci(eml, "Cc: "));
    CHECK_CONTAINS(eml, "To Person");
    CHECK_CONTAINS(eml, "to@example.org>");
    CHECK_CONTAINS(eml, "cc@example.org");
    CHECK(has_header_ci(eml, "Message-ID: <"));
    CHECK_CONTAINS(eml, "Hello from the C tests.");

    /* The message was not changed, and what went out is what it saves as (same Message-ID and
     * date, no Bcc). */
    REQUIRE_OK(missive_message_save_buffer(m, NULL, 0, &len));
    saved = malloc(len + 1);
    REQUIRE(saved != NULL);
    REQUIRE_OK(missive_message_save_buffer(m, saved, len, &len));
    CHECK_EQ_INT(len, eml_len);
    CHECK(len == eml_len && memcmp(saved, eml, len) == 0);
    CHECK_EQ_INT(missive_message_recipient_count(m, MISSIVE_RECIPIENT_KIND_BCC), 1);

    /* The kept connection serves a second send; out_result may be NULL. */
    CHECK_RESULT(missive_client_send(c, m, NULL), MISSIVE_RESULT_OK);
cleanup:
    free(saved);
    free(env);
    free(eml);
    missive_send_result_free(res);
    missive_message_free(m);
    missive_client_free(c);
}

/* ---- refused recipients ------------------------------------------------------------------ */

static void test_some_recipients_rejected(void) {
    missive_client *c = make_client();
    missive_message *m = make_message("C test_smtp some refused", "ok@example.org, reject-me@example.org",
                                      NULL, NULL);
    missive_send_result *res = NULL;
    char text[512], queue_id[64];
    char *env = NULL;
    size_t len = 0;
    uint16_t code = 0;
    REQUIRE(c != NULL && m != NULL);

    CHECK_RESULT(missive_client_send(c, m, &res), MISSIVE_RESULT_SOME_RECIPIENTS_REJECTED);
    CHECK_CONTAINS(CLIENT_ERROR(c), "reject-me@example.org");
    REQUIRE(res != NULL);
    /* The default policy: delivered to the others. */
    CHECK(missive_send_result_delivered(res));
    CHECK_EQ_INT(missive_send_result_reply_code(res), 250);
    CHECK_EQ_INT(missive_send_result_accepted_count(res), 1);
    CHECK_RESULT(missive_send_result_accepted(res, 0, text, sizeof text, &len), MISSIVE_RESULT_OK);
    CHECK_STR_EQ(text, "ok@example.org");
    CHECK_EQ_INT(missive_send_result_rejected_count(res), 1);
    CHECK_RESULT(missive_send_result_rejected(res, 0, text, sizeof text, &len, &code), MISSIVE_RESULT_OK);
    CHECK_STR_EQ(text, "reject-me@example.org");
    CHECK_EQ_INT(len, strlen("reject-me@example.org") + 1);
    CHECK_EQ_INT(code, 550);
    /* out_code is optional. */
    CHECK_RESULT(missive_send_result_rejected(res, 0, text, sizeof text, &len, NULL), MISSIVE_RESULT_OK);
    CHECK_RESULT(missive_send_result_rejected_reply(res, 0, text, sizeof text, &len), MISSIVE_RESULT_OK);
    CHECK(strncmp(text, "550 5.1.1", 9) == 0);
    CHECK_CONTAINS(text, "Recipient address rejected");
    CHECK_CONTAINS(text, "reject-me@example.org");

    REQUIRE_OK(result_text(res, MISSIVE_SEND_RESULT_FIELD_QUEUE_ID, queue_id, sizeof queue_id));
    env = server_file(queue_id, "env");
    REQUIRE(env != NULL);
    CHECK_EQ_INT(count_rcpt_lines(env), 1);
    CHECK(env_has_line(env, "RCPT ok@example.org"));
    missive_send_result_free(res);
    res = NULL;

    /* require_all_recipients: nothing is sent. */
    REQUIRE_OK(missive_client_set_require_all_recipients(c, true));
    CHECK_RESULT(missive_client_send(c, m, &res), MISSIVE_RESULT_SOME_RECIPIENTS_REJECTED);
    CHECK_CONTAINS(CLIENT_ERROR(c), "reject-me@example.org");
    REQUIRE(res != NULL);
    CHECK(!missive_send_result_delivered(res));
    CHECK_EQ_INT(missive_send_result_rejected_count(res), 1);
    CHECK_RESULT(missive_send_result_rejected(res, 0, text, sizeof text, &len, &code), MISSIVE_RESULT_OK);
    CHECK_STR_EQ(text, "reject-me@example.org");
    CHECK_EQ_INT(code, 550);
    /* No message, so no queue id. */
    CHECK_RESULT(result_text(res, MISSIVE_SEND_RESULT_FIELD_QUEUE_ID, text, sizeof text),
                 MISSIVE_RESULT_NOT_FOUND);
    missive_send_result_free(res);
    res = NULL;
    /* Back to the default policy, the same client delivers again. */
    REQUIRE_OK(missive_client_set_require_all_recipients(c, false));
    CHECK_RESULT(missive_client_send(c, m, NULL), MISSIVE_RESULT_SOME_RECIPIENTS_REJECTED);
cleanup:
    free(env);
    missive_send_result_free(res);
    missive_message_free(m);
    missive_client_free(c);
}

static void test_all_recipients_rejected(void) {
    missive_client *c = make_client();
    missive_message *m = make_message("C test_smtp all refused", "reject-a@example.org",
                                      "reject-b@example.org", NULL);
    missive_message *d = make_message("C test_smtp deferred", "defer-a@example.org", NULL, NULL);
    missive_send_result *res = NULL;
    char text[512];
    size_t len = 0;
    uint16_t code = 0;
    REQUIRE(c != NULL && m != NULL && d != NULL);

    CHECK_RESULT(missive_client_send(c, m, &res), MISSIVE_RESULT_ALL_RECIPIENTS_REJECTED);
    CHECK_CONTAINS(CLIENT_ERROR(c), "reject-a@example.org");
    REQUIRE(res != NULL);
    CHECK(!missive_send_result_delivered(res));
    CHECK(!missive_send_result_is_transient(res)); /* 550: permanent */
    CHECK_EQ_INT(missive_send_result_accepted_count(res), 0);
    CHECK_EQ_INT(missive_send_result_rejected_count(res), 2);
    CHECK_RESULT(missive_send_result_rejected(res, 1, text, sizeof text, &len, &code), MISSIVE_RESULT_OK);
    CHECK_STR_EQ(text, "reject-b@example.org");
    CHECK_EQ_INT(code, 550);
    missive_send_result_free(res);
    res = NULL;

    /* A 450 refusal is temporary. */
    CHECK_RESULT(missive_client_send(c, d, &res), MISSIVE_RESULT_ALL_RECIPIENTS_REJECTED);
    REQUIRE(res != NULL);
    CHECK(!missive_send_result_delivered(res));
    CHECK(missive_send_result_is_transient(res));
    CHECK_RESULT(missive_send_result_rejected(res, 0, text, sizeof text, &len, &code), MISSIVE_RESULT_OK);
    CHECK_STR_EQ(text, "defer-a@example.org");
    CHECK_EQ_INT(code, 450);
    CHECK_RESULT(missive_send_result_rejected_reply(res, 0, text, sizeof text, &len), MISSIVE_RESULT_OK);
    CHECK(strncmp(text, "450 4.2.0", 9) == 0);
cleanup:
    missive_send_result_free(res);
    missive_message_free(m);
    missive_message_free(d);
    missive_client_free(c);
}

/* ---- a send result's own code and detail ----------------------------------------------- */

/* On one thread, a send result's code and detail are what the send returned and what it stored
 * as the client's error text: the same sentence, byte for byte. */
static void test_send_result_own_detail(void) {
    missive_client *c = make_client();
    missive_client *down = missive_client_new();
    missive_message *some = make_message("C test_smtp own detail some", "ok@example.org, reject-own@example.org",
                                         NULL, NULL);
    missive_message *all = make_message("C test_smtp own detail all", "reject-all-own@example.org", NULL, NULL);
    missive_message *none = make_message("C test_smtp own detail none", NULL, NULL, NULL);
    missive_message *good = make_message("C test_smtp own detail ok", "ok@example.org", NULL, NULL);
    missive_send_result *res = NULL;
    char detail[2048], client_text[2048], small[4];
    size_t len = SENTINEL;
    REQUIRE(c != NULL && down != NULL && some != NULL && all != NULL && none != NULL && good != NULL);
    REQUIRE_OK(missive_client_set_url(down, S("smtp+plain://127.0.0.1:1")));

    struct {
        missive_client *client;
        missive_message *message;
        missive_result want;
        const char *names;
    } cases[] = {
        {c, some, MISSIVE_RESULT_SOME_RECIPIENTS_REJECTED, "reject-own@example.org"},
        {c, all, MISSIVE_RESULT_ALL_RECIPIENTS_REJECTED, "reject-all-own@example.org"},
        {c, none, MISSIVE_RESULT_NO_RECIPIENTS, "recipient"},
        {down, good, MISSIVE_RESULT_CONNECT_FAILED, "127.0.0.1 port 1: the connection was refused"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        CHECK_RESULT(missive_client_send(cases[i].client, cases[i].message, &res), cases[i].want);
        REQUIRE(res != NULL);
        snprintf(client_text, sizeof client_text, "%s", CLIENT_ERROR(cases[i].client));
        CHECK_RESULT(missive_send_result_code(res), cases[i].want);
        REQUIRE_OK(result_detail(res, detail, sizeof detail));
        CHECK_STR_EQ(detail, client_text);
        CHECK_CONTAINS(detail, cases[i].names);
        /* Too small a buffer: BUFFER_TOO_SMALL with the size needed, and the detail unchanged. */
        CHECK_RESULT(missive_send_result_detail(res, small, sizeof small, &len),
                     MISSIVE_RESULT_BUFFER_TOO_SMALL);
        CHECK_EQ_INT(len, strlen(client_text) + 1);
        REQUIRE_OK(result_detail(res, detail, sizeof detail));
        CHECK_STR_EQ(detail, client_text);
        missive_send_result_free(res);
        res = NULL;
    }

    /* Delivered: OK and an empty detail. */
    REQUIRE_OK(missive_client_send(c, good, &res));
    REQUIRE(res != NULL);
    CHECK_RESULT(missive_send_result_code(res), MISSIVE_RESULT_OK);
    REQUIRE_OK(result_detail(res, detail, sizeof detail));
    CHECK_STR_EQ(detail, "");
cleanup:
    missive_send_result_free(res);
    missive_message_free(some);
    missive_message_free(all);
    missive_message_free(none);
    missive_message_free(good);
    missive_client_free(down);
    missive_client_free(c);
}

/* Two threads fail on ONE client at the same time, in different ways, many times: one sends to
 * a recipient the server refuses (a new address each time), the other a message without
 * recipients. The client's error text is whichever failed last; each send result keeps its own
 * code and detail, naming its own failure. */
#define RACE_ROUNDS 40

struct race_job {
    missive_client *client;
    int refused; /* 1: refused recipient; 0: no recipients */
    pthread_barrier_t *start;
    atomic_int *refusals_done; /* set by the refused-recipient thread when it has finished */
    int rounds;
    int client_text_other; /* times the client's error text was not this send's (the defect) */
    int wrong;  /* results whose code or detail is not this thread's own */
    int failed; /* set-up failures */
    char first_wrong[512];
};

static void *race_sends(void *arg) {
    struct race_job *job = arg;
    char to[64], detail[2048], client_text[2048];
    pthread_barrier_wait(job->start);
    /* The refused-recipient thread makes RACE_ROUNDS round trips; the other one (no network)
     * goes on for as long as those last, so the two overlap throughout. */
    for (int i = 0; job->refused ? i < RACE_ROUNDS
                                 : (i < RACE_ROUNDS || !atomic_load(job->refusals_done)) &&
                                       i < 1000000;
         i++) {
        missive_message *m;
        missive_send_result *res = NULL;
        size_t len = 0;
        missive_result want = job->refused ? MISSIVE_RESULT_ALL_RECIPIENTS_REJECTED
                                           : MISSIVE_RESULT_NO_RECIPIENTS;
        job->rounds++;
        snprintf(to, sizeof to, "reject-race-%d@example.org", i);
        m = make_message("C test_smtp race", job->refused ? to : NULL, NULL, NULL);
        if (m == NULL) {
            job->failed++;
            continue;
        }
        missive_result rc = missive_client_send(job->client, m, &res);
        missive_message_free(m);
        if (res == NULL || rc != want) {
            job->failed++;
            missive_send_result_free(res);
            continue;
        }
        if (job->refused &&
            (missive_client_error(job->client, client_text, sizeof client_text, &len) !=
                 MISSIVE_RESULT_OK ||
             strstr(client_text, to) == NULL))
            job->client_text_other++;
        int own = missive_send_result_code(res) == want &&
                  result_detail(res, detail, sizeof detail) == MISSIVE_RESULT_OK &&
                  (job->refused ? strstr(detail, to) != NULL && strstr(detail, "refused") != NULL
                                : strstr(detail, "recipient") != NULL &&
                                      strstr(detail, "reject-race") == NULL);
        if (!own) {
            if (job->wrong++ == 0)
                snprintf(job->first_wrong, sizeof job->first_wrong, "round %d: %.400s", i, detail);
        }
        missive_send_result_free(res);
    }
    if (job->refused)
        atomic_store(job->refusals_done, 1);
    return NULL;
}

static void test_concurrent_failures_keep_own_detail(void) {
    missive_client *c = make_client();
    pthread_barrier_t start;
    pthread_t threads[2];
    struct race_job jobs[2];
    atomic_int refusals_done = 0;
    int started = 0;
    REQUIRE(c != NULL);
    REQUIRE(pthread_barrier_init(&start, NULL, 2) == 0);
    for (int i = 0; i < 2; i++) {
        memset(&jobs[i], 0, sizeof jobs[i]);
        jobs[i].client = c;
        jobs[i].refused = i == 0;
        jobs[i].start = &start;
        jobs[i].refusals_done = &refusals_done;
    }
    for (; started < 2; started++)
        if (pthread_create(&threads[started], NULL, race_sends, &jobs[started]) != 0)
            break;
    if (started < 2) {
        /* The barrier would never open: nothing can run. */
        fprintf(stderr, "test_smtp: could not start thread %d\n", started);
        abort();
    }
    for (int i = 0; i < 2; i++)
        pthread_join(threads[i], NULL);
    pthread_barrier_destroy(&start);
    /* Not asserted (it depends on timing), shown to tell that the race happened: how often the
     * client's text was already the other thread's when the refused send read it. */
    fprintf(stderr, "  %d refused sends against %d sends without recipients; the client's error "
                    "text was another send's %d times\n",
            jobs[0].rounds, jobs[1].rounds, jobs[0].client_text_other);
    CHECK_EQ_INT(jobs[0].rounds, RACE_ROUNDS);
    CHECK(jobs[1].rounds >= RACE_ROUNDS);
    for (int i = 0; i < 2; i++) {
        CHECK_EQ_INT(jobs[i].failed, 0);
        if (jobs[i].wrong != 0)
            fprintf(stderr, "  thread %d: %d results not its own, first %s\n", i, jobs[i].wrong,
                    jobs[i].first_wrong);
        CHECK_EQ_INT(jobs[i].wrong, 0);
    }
cleanup:
    missive_client_free(c);
}

/* ---- send_raw, noop, capabilities, close ------------------------------------------------- */

static void test_send_raw(void) {
    static const char data[] = "Subject: C test_smtp raw\nX-Test: 1\n\n.starts with a dot\nend\n";
    static const char sent[] = "Subject: C test_smtp raw\r\nX-Test: 1\r\n\r\n.starts with a dot\r\nend\r\n";
    missive_client *c = make_client();
    missive_send_result *res = NULL;
    char queue_id[64];
    char *env = NULL, *eml = NULL;
    REQUIRE(c != NULL);

    int rc = missive_client_send_raw(c, S("raw@example.com"), S("a@example.org, B <b@example.org>"),
                                     B(data), &res);
    if (rc != MISSIVE_RESULT_OK)
        HARNESS_FAIL_AT(__FILE__, __LINE__, "send_raw: %s (%s)", missive_result_str(rc), CLIENT_ERROR(c));
    REQUIRE(res != NULL);
    CHECK(missive_send_result_delivered(res));
    CHECK_EQ_INT(missive_send_result_accepted_count(res), 2);
    REQUIRE_OK(result_text(res, MISSIVE_SEND_RESULT_FIELD_QUEUE_ID, queue_id, sizeof queue_id));
    env = server_file(queue_id, "env");
    eml = server_file(queue_id, "eml");
    REQUIRE(env != NULL && eml != NULL);
    CHECK(env_has_line(env, "MAIL_FROM raw@example.com"));
    CHECK_EQ_INT(count_rcpt_lines(env), 2);
    CHECK(env_has_line(env, "RCPT a@example.org"));
    CHECK(env_has_line(env, "RCPT b@example.org"));
    /* Line endings normalised to CRLF; the dot-stuffing undone by the server. */
    CHECK_STR_EQ(eml, sent);
    free(env);
    free(eml);
    env = eml = NULL;
    missive_send_result_free(res);
    res = NULL;

    /* (NULL, 0) mail_from is the null sender <>. */
    REQUIRE_OK(missive_client_send_raw(c, NULL, 0, S("bounce@example.org"), B(sent), &res));
    REQUIRE(res != NULL);
    REQUIRE_OK(result_text(res, MISSIVE_SEND_RESULT_FIELD_QUEUE_ID, queue_id, sizeof queue_id));
    env = server_file(queue_id, "env");
    REQUIRE(env != NULL);
    CHECK(env_has_line(env, "MAIL_FROM ") || env_has_line(env, "MAIL_FROM <>"));
    missive_send_result_free(res);
    res = NULL;

    /* Envelope errors: nothing is sent and no result is made (argument errors). */
    CHECK_RESULT(missive_client_send_raw(c, S("not an address"), S("a@example.org"), B(sent), &res),
                 MISSIVE_RESULT_INVALID_ADDRESS);
    CHECK(res == NULL);
    CHECK_CONTAINS(CLIENT_ERROR(c), "not an address");
    CHECK_RESULT(missive_client_send_raw(c, S("raw@example.com"), S("a@example.org, bad address"), B(sent), NULL),
                 MISSIVE_RESULT_INVALID_ADDRESS);
    CHECK_RESULT(missive_client_send_raw(c, S("raw@example.com"), NULL, 0, B(sent), &res),
                 MISSIVE_RESULT_NO_RECIPIENTS);
    CHECK(res == NULL);
    CHECK_RESULT(missive_client_send_raw(c, S("raw@example.com"), S(" "), B(sent), NULL),
                 MISSIVE_RESULT_NO_RECIPIENTS);
    CHECK_RESULT(missive_client_send_raw(c, S("raw@example.com"), S("\xff@example.org"), B(sent), &res),
                 MISSIVE_RESULT_INVALID_UTF8);
    CHECK(res == NULL);
cleanup:
    free(env);
    free(eml);
    missive_send_result_free(res);
    missive_client_free(c);
}

static void test_noop_capabilities_close(void) {
    missive_client *c = make_client();
    char caps[1024], small[4];
    size_t len = SENTINEL, needed = 0;
    REQUIRE(c != NULL);

    CHECK_RESULT(missive_client_noop(c), MISSIVE_RESULT_OK);
    /* Size-then-fill: ask, too small, fill. */
    REQUIRE_OK(missive_client_capabilities(c, NULL, 0, &needed));
    CHECK(needed > 1 && needed <= sizeof caps);
    memset(small, 'z', sizeof small);
    CHECK_RESULT(missive_client_capabilities(c, small, sizeof small, &len), MISSIVE_RESULT_BUFFER_TOO_SMALL);
    CHECK_EQ_INT(len, needed);
    CHECK(small[0] == 'z');
    REQUIRE(needed <= sizeof caps);
    REQUIRE_OK(missive_client_capabilities(c, caps, sizeof caps, &len));
    CHECK_EQ_INT(len, needed);
    CHECK_EQ_INT(strlen(caps) + 1, len);
    /* One per line as the server sent them. aiosmtpd 1.4 offers no PIPELINING; it does offer
     * these: */
    CHECK_CONTAINS(caps, "8BITMIME");
    CHECK_CONTAINS(caps, "SIZE 33554432");
    CHECK_CONTAINS(caps, "AUTH ");
    CHECK_NOT_CONTAINS(caps, "\r");
    CHECK_NOT_CONTAINS(caps, "250");
    CHECK(caps[len - 2] != '\n'); /* no trailing newline */

    /* close sends QUIT; the next call reconnects. Closing twice is fine. */
    CHECK_RESULT(missive_client_close(c), MISSIVE_RESULT_OK);
    CHECK_RESULT(missive_client_close(c), MISSIVE_RESULT_OK);
    CHECK_RESULT(missive_client_noop(c), MISSIVE_RESULT_OK);
    CHECK_RESULT(missive_client_close(c), MISSIVE_RESULT_OK);
    /* CHUNKING off (aiosmtpd offers none: DATA either way) and pipelining off still send. */
    REQUIRE_OK(missive_client_set_chunking(c, false));
    REQUIRE_OK(missive_client_set_pipelining(c, false));
    CHECK_RESULT(missive_client_send_raw(c, S("p@example.com"), S("x@example.org"),
                                         B("Subject: no pipelining\r\n\r\nx\r\n"), NULL),
                 MISSIVE_RESULT_OK);
cleanup:
    missive_client_free(c);
}

/* ---- credentials ------------------------------------------------------------------------- */

static void set_url(missive_client *c, const char *scheme_plain_userinfo, const char *query) {
    char url[256];
    size_t n = server_url(url, sizeof url, scheme_plain_userinfo, query);
    int rc = missive_client_set_url(c, url, n);
    if (rc != MISSIVE_RESULT_OK)
        HARNESS_FAIL_AT(__FILE__, __LINE__, "set_url(%s): %s", url, missive_result_str(rc));
}

static void test_credentials(void) {
    static const int32_t mechanisms[] = {MISSIVE_AUTH_MECHANISM_AUTO, MISSIVE_AUTH_MECHANISM_PLAIN,
                                         MISSIVE_AUTH_MECHANISM_LOGIN, MISSIVE_AUTH_MECHANISM_CRAM_MD5,
                                         MISSIVE_AUTH_MECHANISM_SCRAM_SHA256,
                                         MISSIVE_AUTH_MECHANISM_SCRAM_SHA1};
    missive_client *c = make_client();
    missive_message *m = make_message("C test_smtp authenticated", "to@example.org", NULL, NULL);
    missive_send_result *res = NULL;
    char url[256], queue_id[64];
    char *env = NULL;
    REQUIRE(c != NULL && m != NULL);

    set_url(c, "alice:wonderland", NULL);
    for (size_t i = 0; i < sizeof mechanisms / sizeof mechanisms[0]; i++) {
        REQUIRE_OK(missive_client_set_auth_mechanism(c, mechanisms[i]));
        int rc = missive_client_validate_credentials(c);
        if (rc != MISSIVE_RESULT_OK)
            HARNESS_FAIL_AT(__FILE__, __LINE__, "validate_credentials with mechanism %d: %s (%s)",
                            (int)mechanisms[i], missive_result_str(rc), CLIENT_ERROR(c));
    }
    REQUIRE_OK(missive_client_set_auth_mechanism(c, MISSIVE_AUTH_MECHANISM_AUTO));
    /* A send authenticates as alice. */
    REQUIRE_OK(missive_client_send(c, m, &res));
    REQUIRE(res != NULL);
    REQUIRE_OK(result_text(res, MISSIVE_SEND_RESULT_FIELD_QUEUE_ID, queue_id, sizeof queue_id));
    env = server_file(queue_id, "env");
    REQUIRE(env != NULL);
    CHECK(env_has_line(env, "AUTH alice"));

    /* A wrong password. */
    set_url(c, "alice:wrong", NULL);
    CHECK_RESULT(missive_client_validate_credentials(c), MISSIVE_RESULT_AUTH_FAILED);
    CHECK(CLIENT_ERROR(c)[0] != '\0');
    CHECK_NOT_CONTAINS(CLIENT_ERROR(c), "wrong");
    CHECK_RESULT(missive_client_send(c, m, NULL), MISSIVE_RESULT_AUTH_FAILED);
    CHECK_RESULT(missive_client_noop(c), MISSIVE_RESULT_AUTH_FAILED);
    /* An unknown user, and an XOAUTH2 token the server does not know. */
    set_url(c, "mallory:wonderland", "auth=PLAIN");
    CHECK_RESULT(missive_client_validate_credentials(c), MISSIVE_RESULT_AUTH_FAILED);
    set_url(c, "alice:wonderland", NULL);
    REQUIRE_OK(missive_client_set_oauth2_token(c, S("not-a-token")));
    REQUIRE_OK(missive_client_set_auth_mechanism(c, MISSIVE_AUTH_MECHANISM_XOAUTH2));
    CHECK_RESULT(missive_client_validate_credentials(c), MISSIVE_RESULT_AUTH_FAILED);
    /* (NULL, 0) removes the token: the password works again. */
    REQUIRE_OK(missive_client_set_oauth2_token(c, NULL, 0));
    REQUIRE_OK(missive_client_set_auth_mechanism(c, MISSIVE_AUTH_MECHANISM_PLAIN));
    CHECK_RESULT(missive_client_validate_credentials(c), MISSIVE_RESULT_OK);

    /* AUTO security with credentials and a server without STARTTLS: they are not sent. */
    snprintf(url, sizeof url, "smtp://alice:wonderland@127.0.0.1:%d", server_port);
    REQUIRE_OK(missive_client_set_url(c, url, strlen(url)));
    CHECK_RESULT(missive_client_validate_credentials(c), MISSIVE_RESULT_CREDENTIALS_REQUIRE_TLS);
    CHECK_RESULT(missive_client_send(c, m, NULL), MISSIVE_RESULT_CREDENTIALS_REQUIRE_TLS);
    /* SSL_EXPLICIT: the server offers no STARTTLS. */
    snprintf(url, sizeof url, "smtp+starttls://127.0.0.1:%d", server_port);
    REQUIRE_OK(missive_client_set_url(c, url, strlen(url)));
    CHECK_RESULT(missive_client_noop(c), MISSIVE_RESULT_START_TLS_NOT_OFFERED);

    /* Malformed URLs name the problem and change nothing. */
    CHECK_RESULT(missive_client_set_url(c, S("ftp://host")), MISSIVE_RESULT_INVALID_ARGUMENT);
    CHECK_CONTAINS(CLIENT_ERROR(c), "scheme");
    CHECK_RESULT(missive_client_set_url(c, NULL, 0), MISSIVE_RESULT_INVALID_ARGUMENT);
    CHECK_RESULT(missive_client_set_url(c, S("smtp://127.0.0.1:99999")), MISSIVE_RESULT_INVALID_ARGUMENT);
    CHECK_RESULT(missive_client_set_url(c, S("smtp://127.0.0.1?auth=NOPE")), MISSIVE_RESULT_INVALID_ARGUMENT);
    CHECK_RESULT(missive_client_noop(c), MISSIVE_RESULT_START_TLS_NOT_OFFERED);
cleanup:
    free(env);
    missive_send_result_free(res);
    missive_message_free(m);
    missive_client_free(c);
}

/* ---- the protocol-log callback ------------------------------------------------------------ */

struct log_ctx {
    int lines;
    int sent_ehlo;      /* a SENT line starting with EHLO */
    int received_250;   /* a RECEIVED line starting with 250 */
    int sent_auth;      /* a SENT line starting with AUTH */
    int secret_seen;    /* a line containing the password (plain or base64) */
    int bad_direction;  /* a direction that is neither SENT nor RECEIVED */
    int crlf_seen;      /* a line containing CR or LF */
    int frees;          /* calls of userdata_free with this context */
};

static bool contains_n(const char *line, size_t len, const char *needle) {
    size_t n = strlen(needle);
    for (size_t i = 0; i + n <= len; i++)
        if (memcmp(line + i, needle, n) == 0)
            return true;
    return false;
}

static void log_cb(void *userdata, int32_t direction, const char *line, size_t line_len) {
    struct log_ctx *ctx = userdata;
    ctx->lines++;
    if (direction != MISSIVE_LOG_DIRECTION_SENT && direction != MISSIVE_LOG_DIRECTION_RECEIVED)
        ctx->bad_direction++;
    if (direction == MISSIVE_LOG_DIRECTION_SENT && line_len >= 4 && memcmp(line, "EHLO", 4) == 0)
        ctx->sent_ehlo++;
    if (direction == MISSIVE_LOG_DIRECTION_SENT && line_len >= 4 && memcmp(line, "AUTH", 4) == 0)
        ctx->sent_auth++;
    if (direction == MISSIVE_LOG_DIRECTION_RECEIVED && line_len >= 3 && memcmp(line, "250", 3) == 0)
        ctx->received_250++;
    /* "s3cret-pw", base64 of "\0bob\0s3cret-pw" (PLAIN) and of "s3cret-pw" (LOGIN). */
    if (contains_n(line, line_len, "s3cret-pw") || contains_n(line, line_len, "AGJvYgBzM2NyZXQtcHc") ||
        contains_n(line, line_len, "czNjcmV0LXB3"))
        ctx->secret_seen++;
    if (memchr(line, '\r', line_len) != NULL || memchr(line, '\n', line_len) != NULL)
        ctx->crlf_seen++;
}

static void log_free(void *userdata) {
    ((struct log_ctx *)userdata)->frees++;
}

static void check_log(const char *mechanism_query) {
    struct log_ctx ctx = {0};
    missive_client *c = make_client();
    missive_message *m = make_message("C test_smtp logged", "to@example.org", NULL, NULL);
    REQUIRE(c != NULL && m != NULL);
    set_url(c, "bob:s3cret-pw", mechanism_query);
    REQUIRE_OK(missive_client_set_protocol_log(c, log_cb, &ctx, log_free));
    int rc = missive_client_send(c, m, NULL);
    if (rc != MISSIVE_RESULT_OK)
        HARNESS_FAIL_AT(__FILE__, __LINE__, "send (%s): %s (%s)", mechanism_query,
                        missive_result_str(rc), CLIENT_ERROR(c));
    CHECK(ctx.lines > 5);
    CHECK(ctx.sent_ehlo >= 1);
    CHECK(ctx.received_250 >= 1);
    CHECK(ctx.sent_auth >= 1);
    CHECK_EQ_INT(ctx.secret_seen, 0);
    CHECK_EQ_INT(ctx.bad_direction, 0);
    CHECK_EQ_INT(ctx.crlf_seen, 0);
    CHECK_EQ_INT(ctx.frees, 0); /* not before the client is done with it */
cleanup:
    missive_message_free(m);
    missive_client_free(c);
    /* Freeing the client frees the userdata, exactly once. */
    CHECK_EQ_INT(ctx.frees, 1);
}

static void test_protocol_log_plain(void) { check_log("auth=PLAIN"); }
static void test_protocol_log_login(void) { check_log("auth=LOGIN"); }
static void test_protocol_log_scram(void) { check_log("auth=SCRAM-SHA-256"); }

/* AUTO prefers SCRAM-SHA-256 when the server offers it (the fixture's SCRAM is written in
 * Python from RFC 5802, apart from the library's). */
struct scram_ctx {
    int scram_auth;
    int other_auth;
};

static void scram_log_cb(void *userdata, int32_t direction, const char *line, size_t line_len) {
    struct scram_ctx *ctx = userdata;
    static const char want[] = "AUTH SCRAM-SHA-256 <redacted>";
    if (direction != MISSIVE_LOG_DIRECTION_SENT || line_len < 5 || memcmp(line, "AUTH ", 5) != 0)
        return;
    if (line_len == sizeof want - 1 && memcmp(line, want, line_len) == 0)
        ctx->scram_auth++;
    else
        ctx->other_auth++;
}

static void test_auto_prefers_scram(void) {
    struct scram_ctx ctx = {0};
    missive_client *c = make_client();
    REQUIRE(c != NULL);
    set_url(c, "bob:s3cret-pw", NULL);
    REQUIRE_OK(missive_client_set_protocol_log(c, scram_log_cb, &ctx, NULL));
    REQUIRE_OK(missive_client_validate_credentials(c));
    CHECK_EQ_INT(ctx.scram_auth, 1);
    CHECK_EQ_INT(ctx.other_auth, 0);
    /* A wrong password: AUTH_FAILED with the server's reply. */
    set_url(c, "bob:not-it", NULL);
    CHECK_RESULT(missive_client_validate_credentials(c), MISSIVE_RESULT_AUTH_FAILED);
    CHECK_CONTAINS(CLIENT_ERROR(c), "535");
    CHECK_CONTAINS(CLIENT_ERROR(c), "SCRAM-SHA-256");
cleanup:
    missive_client_free(c);
}

/* With connection numbers on, every line starts "[N] "; two clients count from 1 each. */
struct numbered_ctx {
    int lines;
    int numbered_1; /* lines starting "[1] " */
};

static void numbered_cb(void *userdata, int32_t direction, const char *line, size_t line_len) {
    struct numbered_ctx *ctx = userdata;
    (void)direction;
    ctx->lines++;
    if (line_len >= 4 && memcmp(line, "[1] ", 4) == 0)
        ctx->numbered_1++;
}

static void test_protocol_log_connection_numbers(void) {
    struct numbered_ctx ctx = {0};
    missive_client *c = make_client();
    REQUIRE(c != NULL);
    REQUIRE_OK(missive_client_set_protocol_log(c, numbered_cb, &ctx, NULL));
    REQUIRE_OK(missive_client_set_protocol_log_connection_numbers(c, true));
    REQUIRE_OK(missive_client_noop(c));
    CHECK(ctx.lines > 2);
    CHECK_EQ_INT(ctx.numbered_1, ctx.lines);
cleanup:
    missive_client_free(c);
}

static void test_protocol_log_replaced(void) {
    struct log_ctx a = {0}, b = {0};
    missive_client *c = make_client();
    REQUIRE(c != NULL);
    REQUIRE_OK(missive_client_set_protocol_log(c, log_cb, &a, log_free));
    REQUIRE_OK(missive_client_noop(c));
    CHECK(a.sent_ehlo >= 1);
    CHECK_EQ_INT(a.frees, 0);
    /* Replacing the callback frees the old userdata (once its connection is done). */
    REQUIRE_OK(missive_client_set_protocol_log(c, log_cb, &b, log_free));
    REQUIRE_OK(missive_client_noop(c));
    CHECK_EQ_INT(a.frees, 1);
    CHECK(b.sent_ehlo >= 1); /* a new connection for the new settings */
    /* Removing it (cb NULL) frees b; userdata_free NULL is accepted. */
    REQUIRE_OK(missive_client_set_protocol_log(c, NULL, NULL, NULL));
    REQUIRE_OK(missive_client_noop(c));
    CHECK_EQ_INT(b.frees, 1);
    int lines_b = b.lines;
    REQUIRE_OK(missive_client_noop(c));
    CHECK_EQ_INT(b.lines, lines_b); /* no longer called */
    /* A callback without userdata_free. */
    REQUIRE_OK(missive_client_set_protocol_log(c, log_cb, &a, NULL));
    REQUIRE_OK(missive_client_noop(c));
    /* No callback but a userdata_free: nothing keeps the userdata, so it is freed at once. */
    {
        struct log_ctx d = {0};
        REQUIRE_OK(missive_client_set_protocol_log(c, NULL, &d, log_free));
        CHECK_EQ_INT(d.frees, 1);
    }
cleanup:
    missive_client_free(c);
    CHECK_EQ_INT(a.frees, 1);
    CHECK_EQ_INT(b.frees, 1);
}

/* ---- connection failures ----------------------------------------------------------------- */

/* ----- OAuth 2 token provider and proxies ----------------------------------------------- */

struct token_ctx {
    int calls;
    int refresh_calls;
    int frees;
    int fail;            /* return 7 with a message */
    int want_big;        /* ask for a 20000-byte buffer first */
    size_t largest_buf;  /* the largest buf_len seen */
    int secret_seen;     /* a log line with a token */
};

static int32_t token_cb(void *userdata, bool refresh, char *buf, size_t buf_len, size_t *out_len) {
    struct token_ctx *ctx = userdata;
    ctx->calls++;
    if (refresh)
        ctx->refresh_calls++;
    if (buf_len > ctx->largest_buf)
        ctx->largest_buf = buf_len;
    if (ctx->fail) {
        static const char why[] = "no network to the identity provider";
        memcpy(buf, why, sizeof why - 1);
        *out_len = sizeof why - 1;
        return 7;
    }
    if (ctx->want_big) {
        if (buf_len < 20000) {
            *out_len = 20000;
            return MISSIVE_RESULT_BUFFER_TOO_SMALL;
        }
        memset(buf, 'x', 20000);
        *out_len = 20000;
        return MISSIVE_RESULT_OK;
    }
    /* The fixture accepts only carol's "fresh-token-42": the first token is stale. */
    const char *token = refresh ? "fresh-token-42" : "stale-token-1";
    *out_len = strlen(token);
    memcpy(buf, token, *out_len);
    return MISSIVE_RESULT_OK;
}

static void token_free(void *userdata) {
    ((struct token_ctx *)userdata)->frees++;
}

static void token_log_cb(void *userdata, int32_t direction, const char *line, size_t line_len) {
    (void)direction;
    struct token_ctx *ctx = userdata;
    if (contains_n(line, line_len, "stale-token-1") || contains_n(line, line_len, "fresh-token-42"))
        ctx->secret_seen++;
}

static void test_token_provider(void) {
    struct token_ctx ctx = {0};
    struct token_ctx failing = {.fail = 1};
    struct token_ctx big = {.want_big = 1};
    missive_client *c = make_client();
    missive_message *m = make_message("C test_smtp OAuth", "to@example.org", NULL, NULL);
    REQUIRE(c != NULL && m != NULL);
    set_url(c, "carol", NULL);
    REQUIRE_OK(missive_client_set_token_provider(c, token_cb, &ctx, token_free));
    REQUIRE_OK(missive_client_set_protocol_log(c, token_log_cb, &ctx, NULL));
    int rc = missive_client_send(c, m, NULL);
    if (rc != MISSIVE_RESULT_OK)
        HARNESS_FAIL_AT(__FILE__, __LINE__, "send: %s (%s)", missive_result_str(rc), CLIENT_ERROR(c));
    /* Asked once, refused, asked once more with refresh, accepted. */
    CHECK_EQ_INT(ctx.calls, 2);
    CHECK_EQ_INT(ctx.refresh_calls, 1);
    CHECK_EQ_INT(ctx.secret_seen, 0);
    CHECK_EQ_INT(ctx.frees, 0);

    /* A provider that fails: TOKEN_PROVIDER_FAILED with its message. */
    REQUIRE_OK(missive_client_set_token_provider(c, token_cb, &failing, NULL));
    CHECK_EQ_INT(ctx.frees, 1); /* replaced: the first userdata was freed */
    CHECK_RESULT(missive_client_send(c, m, NULL), MISSIVE_RESULT_TOKEN_PROVIDER_FAILED);
    CHECK_CONTAINS(CLIENT_ERROR(c), "no network to the identity provider");
    CHECK_EQ_INT(failing.calls, 1);

    /* A token longer than the first buffer: asked again with a buffer that fits. The server
     * refuses that token (and its refresh): AUTH_FAILED. */
    REQUIRE_OK(missive_client_set_token_provider(c, token_cb, &big, NULL));
    CHECK_RESULT(missive_client_send(c, m, NULL), MISSIVE_RESULT_AUTH_FAILED);
    CHECK(big.largest_buf >= 20000);
    CHECK_EQ_INT(big.refresh_calls, 2); /* BUFFER_TOO_SMALL, then the token, both refreshing */

    /* NULL removes it: carol has no password, so AUTH fails with PLAIN. */
    REQUIRE_OK(missive_client_set_token_provider(c, NULL, NULL, NULL));
    CHECK_RESULT(missive_client_validate_credentials(c), MISSIVE_RESULT_AUTH_FAILED);
cleanup:
    missive_message_free(m);
    missive_client_free(c);
    CHECK_EQ_INT(ctx.frees, 1);
}

static void test_proxy_settings(void) {
    missive_client *c = make_client();
    missive_message *m = make_message("C test_smtp proxy", "to@example.org", NULL, NULL);
    REQUIRE(c != NULL && m != NULL);
    /* Malformed URLs: INVALID_ARGUMENT, and the password is not repeated. */
    CHECK_RESULT(missive_client_set_proxy(c, S("ftp://u:hunter2@127.0.0.1:1")),
                 MISSIVE_RESULT_INVALID_ARGUMENT);
    CHECK_NOT_CONTAINS(CLIENT_ERROR(c), "hunter2");
    CHECK_RESULT(missive_client_set_proxy(c, S("socks5://u:hunter2@127.0.0.1:notaport")),
                 MISSIVE_RESULT_INVALID_ARGUMENT);
    CHECK_NOT_CONTAINS(CLIENT_ERROR(c), "hunter2");
    /* A proxy nobody listens on (port 1 of the loopback): PROXY_FAILED, nothing sent. */
    REQUIRE_OK(missive_client_set_proxy(c, S("socks5://u:hunter2@127.0.0.1:1")));
    CHECK_RESULT(missive_client_send(c, m, NULL), MISSIVE_RESULT_PROXY_FAILED);
    CHECK_CONTAINS(CLIENT_ERROR(c), "proxy");
    CHECK_NOT_CONTAINS(CLIENT_ERROR(c), "hunter2");
    /* (NULL, 0) removes the proxy: direct again. */
    REQUIRE_OK(missive_client_set_proxy(c, NULL, 0));
    CHECK_RESULT(missive_client_send(c, m, NULL), MISSIVE_RESULT_OK);
cleanup:
    missive_message_free(m);
    missive_client_free(c);
}

static void test_connect_failed(void) {
    missive_client *c = missive_client_new();
    missive_message *m = make_message("C test_smtp unreachable", "to@example.org", NULL, NULL);
    missive_send_result *res = NULL;
    char buf[64];
    size_t len = SENTINEL;
    REQUIRE(c != NULL && m != NULL);
    /* Port 1 on the loopback: nothing listens there. */
    REQUIRE_OK(missive_client_set_url(c, S("smtp+plain://127.0.0.1:1")));
    CHECK_RESULT(missive_client_send(c, m, &res), MISSIVE_RESULT_CONNECT_FAILED);
    CHECK_CONTAINS(CLIENT_ERROR(c), "127.0.0.1");
    REQUIRE(res != NULL);
    CHECK(!missive_send_result_delivered(res));
    CHECK(!missive_send_result_outcome_unknown(res));
    CHECK_EQ_INT(missive_send_result_reply_code(res), 0);
    CHECK_EQ_INT(missive_send_result_accepted_count(res), 0);
    CHECK_RESULT(missive_send_result_text(res, MISSIVE_SEND_RESULT_FIELD_REPLY_TEXT, NULL, 0, &len),
                 MISSIVE_RESULT_NOT_FOUND);
    CHECK_EQ_INT(len, SENTINEL);
    CHECK_RESULT(missive_client_noop(c), MISSIVE_RESULT_CONNECT_FAILED);
    CHECK_RESULT(missive_client_validate_credentials(c), MISSIVE_RESULT_CONNECT_FAILED);
    CHECK_RESULT(missive_client_capabilities(c, buf, sizeof buf, &len), MISSIVE_RESULT_CONNECT_FAILED);
    CHECK_EQ_INT(len, SENTINEL);
    CHECK_RESULT(missive_client_close(c), MISSIVE_RESULT_OK);
cleanup:
    missive_send_result_free(res);
    missive_message_free(m);
    missive_client_free(c);
}

/* A listening socket that never accepts: the kernel completes the handshake, no greeting
 * comes, and the greeting timeout fires. */
static void test_greeting_timeout(void) {
    missive_client *c = missive_client_new();
    char url[128];
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in addr;
    socklen_t addr_len = sizeof addr;
    REQUIRE(c != NULL && fd >= 0);
    memset(&addr, 0, sizeof addr);
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    REQUIRE(bind(fd, (struct sockaddr *)&addr, sizeof addr) == 0);
    REQUIRE(listen(fd, 4) == 0);
    REQUIRE(getsockname(fd, (struct sockaddr *)&addr, &addr_len) == 0);
    snprintf(url, sizeof url, "smtp+plain://127.0.0.1:%d", (int)ntohs(addr.sin_port));
    REQUIRE_OK(missive_client_set_url(c, url, strlen(url)));
    REQUIRE_OK(missive_client_set_timeouts(c, 2000, 300));
    CHECK_RESULT(missive_client_noop(c), MISSIVE_RESULT_TIMEOUT);
    CHECK(CLIENT_ERROR(c)[0] != '\0');
cleanup:
    if (fd >= 0)
        close(fd);
    missive_client_free(c);
}

/* ---- send result accessors ---------------------------------------------------------------- */

static void test_send_result_accessors(void) {
    missive_client *c = make_client();
    missive_message *m = make_message("C test_smtp result", "ok@example.org, reject-x@example.org",
                                      NULL, NULL);
    missive_send_result *res = NULL;
    char buf[256], tiny[3];
    size_t len = SENTINEL;
    uint16_t code = 777;
    REQUIRE(c != NULL && m != NULL);
    CHECK_RESULT(missive_client_send(c, m, &res), MISSIVE_RESULT_SOME_RECIPIENTS_REJECTED);
    REQUIRE(res != NULL);

    /* NULL result. */
    CHECK(!missive_send_result_delivered(NULL));
    CHECK(!missive_send_result_is_transient(NULL));
    CHECK(!missive_send_result_outcome_unknown(NULL));
    CHECK_EQ_INT(missive_send_result_reply_code(NULL), 0);
    CHECK_EQ_INT(missive_send_result_accepted_count(NULL), 0);
    CHECK_EQ_INT(missive_send_result_rejected_count(NULL), 0);

    /* NULL buf (with buf_len > 0) and NULL out_len for the refused-recipient getters (test_null
     * has no refused recipient to ask about): NULL_ARGUMENT, and no output is written. */
    len = SENTINEL;
    CHECK_RESULT(missive_send_result_rejected(res, 0, NULL, sizeof buf, &len, &code),
                 MISSIVE_RESULT_NULL_ARGUMENT);
    CHECK_EQ_INT(len, SENTINEL);
    CHECK_EQ_INT(code, 777);
    CHECK_RESULT(missive_send_result_rejected(res, 0, buf, sizeof buf, NULL, &code),
                 MISSIVE_RESULT_NULL_ARGUMENT);
    CHECK_EQ_INT(code, 777);
    CHECK_RESULT(missive_send_result_rejected(NULL, 0, buf, sizeof buf, &len, &code),
                 MISSIVE_RESULT_NULL_ARGUMENT);
    CHECK_EQ_INT(len, SENTINEL);
    CHECK_EQ_INT(code, 777);
    CHECK_RESULT(missive_send_result_rejected_reply(res, 0, NULL, sizeof buf, &len),
                 MISSIVE_RESULT_NULL_ARGUMENT);
    CHECK_EQ_INT(len, SENTINEL);
    CHECK_RESULT(missive_send_result_rejected_reply(res, 0, buf, sizeof buf, NULL),
                 MISSIVE_RESULT_NULL_ARGUMENT);
    /* Asking for the size (buf NULL, 0) is fine; out_code may be NULL. */
    CHECK_RESULT(missive_send_result_rejected(res, 0, NULL, 0, &len, NULL), MISSIVE_RESULT_OK);
    CHECK_EQ_INT(len, strlen("reject-x@example.org") + 1);
    code = 777;

    /* Out of range. */
    len = SENTINEL;
    CHECK_RESULT(missive_send_result_accepted(res, 1, buf, sizeof buf, &len), MISSIVE_RESULT_INDEX_OUT_OF_RANGE);
    CHECK_EQ_INT(len, SENTINEL);
    CHECK_RESULT(missive_send_result_accepted(res, (size_t)-1, buf, sizeof buf, &len),
                 MISSIVE_RESULT_INDEX_OUT_OF_RANGE);
    CHECK_RESULT(missive_send_result_rejected(res, 1, buf, sizeof buf, &len, &code),
                 MISSIVE_RESULT_INDEX_OUT_OF_RANGE);
    CHECK_EQ_INT(code, 777);
    CHECK_EQ_INT(len, SENTINEL);
    CHECK_RESULT(missive_send_result_rejected_reply(res, 1, buf, sizeof buf, &len),
                 MISSIVE_RESULT_INDEX_OUT_OF_RANGE);
    CHECK_EQ_INT(len, SENTINEL);
    REQUIRE_OK(missive_send_result_error(res, buf, sizeof buf, &len));
    CHECK_CONTAINS(buf, "1");

    /* Unknown field, and fields this result lacks. */
    len = SENTINEL;
    CHECK_RESULT(missive_send_result_text(res, 4, buf, sizeof buf, &len), MISSIVE_RESULT_INVALID_ARGUMENT);
    CHECK_RESULT(missive_send_result_text(res, -1, buf, sizeof buf, &len), MISSIVE_RESULT_INVALID_ARGUMENT);
    CHECK_EQ_INT(len, SENTINEL);
    CHECK_RESULT(missive_send_result_text(res, MISSIVE_SEND_RESULT_FIELD_PICKUP_PATH, buf, sizeof buf, &len),
                 MISSIVE_RESULT_NOT_FOUND);
    CHECK_EQ_INT(len, SENTINEL);
    REQUIRE_OK(missive_send_result_error(res, buf, sizeof buf, &len));
    CHECK(buf[0] != '\0');

    /* Buffer sizing: ask, too small (out_len holds the size needed; buf untouched), exact. */
    REQUIRE_OK(missive_send_result_text(res, MISSIVE_SEND_RESULT_FIELD_ENHANCED_CODE, NULL, 0, &len));
    CHECK_EQ_INT(len, 6); /* "2.0.0" and the NUL */
    len = SENTINEL;
    memset(tiny, 'z', sizeof tiny);
    CHECK_RESULT(missive_send_result_text(res, MISSIVE_SEND_RESULT_FIELD_ENHANCED_CODE, tiny, sizeof tiny, &len),
                 MISSIVE_RESULT_BUFFER_TOO_SMALL);
    CHECK_EQ_INT(len, 6);
    CHECK(tiny[0] == 'z');
    {
        char exact[6];
        CHECK_RESULT(missive_send_result_text(res, MISSIVE_SEND_RESULT_FIELD_ENHANCED_CODE, exact, sizeof exact, &len),
                     MISSIVE_RESULT_OK);
        CHECK_STR_EQ(exact, "2.0.0");
    }
    len = SENTINEL;
    CHECK_RESULT(missive_send_result_accepted(res, 0, tiny, sizeof tiny, &len), MISSIVE_RESULT_BUFFER_TOO_SMALL);
    CHECK_EQ_INT(len, strlen("ok@example.org") + 1);
    len = SENTINEL;
    code = 777;
    CHECK_RESULT(missive_send_result_rejected(res, 0, tiny, sizeof tiny, &len, &code),
                 MISSIVE_RESULT_BUFFER_TOO_SMALL);
    CHECK_EQ_INT(len, strlen("reject-x@example.org") + 1);
    CHECK_EQ_INT(code, 777); /* other outputs only on success */
    len = SENTINEL;
    CHECK_RESULT(missive_send_result_rejected_reply(res, 0, tiny, sizeof tiny, &len),
                 MISSIVE_RESULT_BUFFER_TOO_SMALL);
    CHECK(len != SENTINEL && len > sizeof tiny);
    /* The error text is size-then-fill too; a successful call clears it. */
    REQUIRE_OK(missive_send_result_error(res, NULL, 0, &len));
    CHECK(len > 1);
    REQUIRE_OK(missive_send_result_accepted(res, 0, buf, sizeof buf, &len));
    REQUIRE_OK(missive_send_result_error(res, buf, sizeof buf, &len));
    CHECK_STR_EQ(buf, "");
    CHECK_EQ_INT(len, 1);
cleanup:
    missive_send_result_free(res);
    missive_message_free(m);
    missive_client_free(c);
}

static void test_pickup_result(void) {
    char dir[256] = "", path[1024];
    missive_client *c = missive_client_new();
    missive_message *m = make_message("C test_smtp pickup", "to@example.org", "cc@example.org",
                                      "hidden@example.net");
    missive_send_result *res = NULL;
    struct stat st;
    size_t len = 0;
    REQUIRE(c != NULL && m != NULL);
    REQUIRE(harness_mkdtemp(dir, sizeof dir) == 0);
    REQUIRE_OK(missive_client_set_delivery_method(c, MISSIVE_DELIVERY_METHOD_PICKUP_DIRECTORY));
    REQUIRE_OK(missive_client_set_pickup_directory(c, dir, strlen(dir)));

    REQUIRE_OK(missive_client_send(c, m, &res));
    REQUIRE(res != NULL);
    CHECK(missive_send_result_delivered(res));
    CHECK(!missive_send_result_is_transient(res));
    CHECK_EQ_INT(missive_send_result_reply_code(res), 0);
    CHECK_EQ_INT(missive_send_result_accepted_count(res), 3);
    CHECK_EQ_INT(missive_send_result_rejected_count(res), 0);
    REQUIRE_OK(result_text(res, MISSIVE_SEND_RESULT_FIELD_PICKUP_PATH, path, sizeof path));
    CHECK(strncmp(path, dir, strlen(dir)) == 0);
    len = strlen(path);
    CHECK(len > 4 && strcmp(path + len - 4, ".eml") == 0);
    CHECK(stat(path, &st) == 0 && S_ISREG(st.st_mode) && st.st_size > 0);
    CHECK_RESULT(result_text(res, MISSIVE_SEND_RESULT_FIELD_QUEUE_ID, path, sizeof path), MISSIVE_RESULT_NOT_FOUND);
    CHECK_RESULT(result_text(res, MISSIVE_SEND_RESULT_FIELD_ENHANCED_CODE, path, sizeof path), MISSIVE_RESULT_NOT_FOUND);
    CHECK_RESULT(result_text(res, MISSIVE_SEND_RESULT_FIELD_REPLY_TEXT, path, sizeof path), MISSIVE_RESULT_NOT_FOUND);
    missive_send_result_free(res);
    res = NULL;

    /* send_raw into the pickup directory too. */
    REQUIRE_OK(missive_client_send_raw(c, S("raw@example.com"), S("x@example.org"),
                                       B("Subject: raw\r\n\r\nx\r\n"), &res));
    REQUIRE(res != NULL);
    REQUIRE_OK(result_text(res, MISSIVE_SEND_RESULT_FIELD_PICKUP_PATH, path, sizeof path));
    CHECK(stat(path, &st) == 0 && S_ISREG(st.st_mode));
    CHECK_EQ_INT(missive_send_result_accepted_count(res), 1);
cleanup:
    missive_send_result_free(res);
    missive_message_free(m);
    missive_client_free(c);
    harness_rmtree(dir);
}

int main(int argc, char **argv) {
    char port_text[32];
    const char *from = argc > 1 ? argv[1] : getenv("MISSIVE_SMTP_FIXTURE_DIR");
    if (from == NULL || from[0] == '\0') {
        fprintf(stderr, "test_smtp: give the SMTP fixture directory as argv[1] or "
                        "$MISSIVE_SMTP_FIXTURE_DIR (run through ctest, which starts the server)\n");
        printf("0 passed, 1 failed\n");
        return 1;
    }
    snprintf(fixture_dir, sizeof fixture_dir, "%s", from);
    if (read_fixture_line("port", port_text, sizeof port_text) != 0 ||
        read_fixture_line("maildir", mail_dir, sizeof mail_dir) != 0 ||
        (server_port = atoi(port_text)) <= 0 || server_port > 65535) {
        fprintf(stderr, "test_smtp: no SMTP server in %s (port, maildir): did the fixture start?\n",
                fixture_dir);
        printf("0 passed, 1 failed\n");
        return 1;
    }
    RUN(test_send_composed_message);
    RUN(test_some_recipients_rejected);
    RUN(test_all_recipients_rejected);
    RUN(test_send_result_own_detail);
    RUN(test_concurrent_failures_keep_own_detail);
    RUN(test_send_raw);
    RUN(test_noop_capabilities_close);
    RUN(test_credentials);
    RUN(test_protocol_log_plain);
    RUN(test_protocol_log_login);
    RUN(test_protocol_log_scram);
    RUN(test_auto_prefers_scram);
    RUN(test_protocol_log_replaced);
    RUN(test_protocol_log_connection_numbers);
    RUN(test_token_provider);
    RUN(test_proxy_settings);
    RUN(test_connect_failed);
    RUN(test_greeting_timeout);
    RUN(test_send_result_accessors);
    RUN(test_pickup_result);
    return harness_finish();
}
