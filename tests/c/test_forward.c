/*
 * Forwarding through the C API against the CTest fixture's aiosmtpd server (see test_smtp.c:
 * the fixture directory holds `port` and `maildir`; message n is stored as maildir/msg-<n>.env
 * and .eml, and the reply says "queued as Q<n>").
 *
 * REDIRECT of a loaded message arrives byte for byte (less its Bcc field) to the new
 * recipients only; RESEND needs the forward sender and adds the Resent-* block; ATTACH makes a
 * message/rfc822 part; raw streams from a read callback, a file descriptor and a path arrive
 * CRLF-normalised and un-stuffed; a failing callback and a too-large size hint send nothing.
 */
#include "harness.h"

#include <fcntl.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/stat.h>

static char fixture_dir[512];
static char mail_dir[512];
static int server_port;

/* A loaded message: CRLF, odd spacing, a leading dot, a Bcc field. */
static const char ORIGINAL[] =
    "DKIM-Signature: v=1; a=rsa-sha256; d=example.com; s=sel;\r\n"
    "\tb=c2lnbmF0dXJl\r\n"
    "from:   \"Orig\"   <orig@example.com>\r\n"
    "To: to@example.org\r\n"
    "Bcc: secret@example.org\r\n"
    "Subject:   C   forward\r\n"
    "Message-ID: <c-orig@example.com>\r\n"
    "\r\n"
    ".dot line\r\n"
    "end   \r\n";
/* ORIGINAL without its Bcc line. */
static const char WITHOUT_BCC[] =
    "DKIM-Signature: v=1; a=rsa-sha256; d=example.com; s=sel;\r\n"
    "\tb=c2lnbmF0dXJl\r\n"
    "from:   \"Orig\"   <orig@example.com>\r\n"
    "To: to@example.org\r\n"
    "Subject:   C   forward\r\n"
    "Message-ID: <c-orig@example.com>\r\n"
    "\r\n"
    ".dot line\r\n"
    "end   \r\n";

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

static missive_client *make_client(void) {
    char url[256];
    int n = snprintf(url, sizeof url, "smtp+plain://127.0.0.1:%d", server_port);
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

/* The server's file for the send result's queue id "Q<n>" (malloc'd), or NULL. */
static char *stored(const missive_send_result *r, const char *ext, size_t *out_len) {
    char id[64], path[1024];
    size_t len = 0;
    if (r == NULL ||
        missive_send_result_text(r, MISSIVE_SEND_RESULT_FIELD_QUEUE_ID, id, sizeof id, &len) !=
            MISSIVE_RESULT_OK ||
        id[0] != 'Q')
        return NULL;
    snprintf(path, sizeof path, "%s/msg-%s.%s", mail_dir, id + 1, ext);
    return harness_read_file(path, out_len);
}

static void test_redirect_is_byte_exact(void) {
    missive_client *c = make_client();
    missive_message *m = missive_message_new();
    missive_send_result *res = NULL;
    char *eml = NULL, *env = NULL;
    size_t len = 0;
    REQUIRE(c != NULL && m != NULL);
    REQUIRE_OK(missive_message_load_bytes(m, B(ORIGINAL)));
    CHECK_RESULT(missive_client_forward(c, m, 7, S("new@example.net"), &res),
                 MISSIVE_RESULT_INVALID_ARGUMENT);
    CHECK(res == NULL);
    CHECK_CONTAINS(CLIENT_ERROR(c), "missive_forward_mode");
    CHECK_RESULT(missive_client_forward(c, m, MISSIVE_FORWARD_MODE_REDIRECT,
                                        S("new@example.net, New Two <new2@example.net>"), &res),
                 MISSIVE_RESULT_OK);
    REQUIRE(res != NULL);
    CHECK(missive_send_result_delivered(res));
    eml = stored(res, "eml", &len);
    env = stored(res, "env", NULL);
    REQUIRE(eml != NULL && env != NULL);
    CHECK_EQ_INT(len, strlen(WITHOUT_BCC));
    CHECK(len == strlen(WITHOUT_BCC) && memcmp(eml, WITHOUT_BCC, len) == 0);
    CHECK_CONTAINS(env, "MAIL_FROM orig@example.com\n");
    CHECK_CONTAINS(env, "RCPT new@example.net\n");
    CHECK_CONTAINS(env, "RCPT new2@example.net\n");
    CHECK_NOT_CONTAINS(env, "to@example.org");
    CHECK_NOT_CONTAINS(env, "secret@example.org");
cleanup:
    free(eml);
    free(env);
    missive_send_result_free(res);
    missive_message_free(m);
    missive_client_free(c);
}

static void test_resend_and_attach(void) {
    missive_client *c = make_client();
    missive_message *m = missive_message_new();
    missive_send_result *res = NULL;
    char *eml = NULL;
    size_t len = 0;
    REQUIRE(c != NULL && m != NULL);
    REQUIRE_OK(missive_message_load_bytes(m, B(ORIGINAL)));
    /* Without a forward sender: nothing is sent. */
    CHECK_RESULT(missive_client_forward(c, m, MISSIVE_FORWARD_MODE_RESEND, S("new@example.net"), NULL),
                 MISSIVE_RESULT_NO_SENDER);
    CHECK_RESULT(missive_client_forward(c, m, MISSIVE_FORWARD_MODE_ATTACH, S("new@example.net"), NULL),
                 MISSIVE_RESULT_NO_SENDER);
    CHECK_RESULT(missive_client_set_forward_sender(c, S("not an address")),
                 MISSIVE_RESULT_INVALID_ADDRESS);
    REQUIRE_OK(missive_client_set_forward_sender(c, S("Desk <desk@example.net>")));

    REQUIRE_OK(missive_client_forward(c, m, MISSIVE_FORWARD_MODE_RESEND, S("new@example.net"), &res));
    eml = stored(res, "eml", &len);
    REQUIRE(eml != NULL);
    CHECK(strncmp(eml, "Resent-Date: ", 13) == 0);
    CHECK_CONTAINS(eml, "\r\nResent-From: ");
    CHECK_CONTAINS(eml, "desk@example.net");
    CHECK_CONTAINS(eml, "\r\nResent-To: <new@example.net>\r\n");
    CHECK_CONTAINS(eml, "\r\nResent-Message-ID: <");
    /* The original follows the block unchanged. */
    CHECK(len > strlen(WITHOUT_BCC) &&
          memcmp(eml + len - strlen(WITHOUT_BCC), WITHOUT_BCC, strlen(WITHOUT_BCC)) == 0);
    free(eml);
    eml = NULL;
    missive_send_result_free(res);
    res = NULL;

    REQUIRE_OK(missive_client_forward(c, m, MISSIVE_FORWARD_MODE_ATTACH, S("new@example.net"), &res));
    eml = stored(res, "eml", &len);
    REQUIRE(eml != NULL);
    CHECK_CONTAINS(eml, "Subject: Fwd: C   forward\r\n");
    CHECK_CONTAINS(eml, "Content-Type: multipart/mixed");
    CHECK_CONTAINS(eml, "Content-Type: message/rfc822\r\n");
    CHECK_CONTAINS(eml, WITHOUT_BCC);
    CHECK_NOT_CONTAINS(eml, "secret@example.org");
    /* Clearing the sender: REDIRECT uses the message's own From again. */
    CHECK_RESULT(missive_client_set_forward_sender(c, NULL, 0), MISSIVE_RESULT_OK);
    CHECK_RESULT(missive_client_forward(c, m, MISSIVE_FORWARD_MODE_ATTACH, S("new@example.net"), NULL),
                 MISSIVE_RESULT_NO_SENDER);
cleanup:
    free(eml);
    missive_send_result_free(res);
    missive_message_free(m);
    missive_client_free(c);
}

/* A read callback over a memory buffer, in small pieces; fails with -5 at `fail_at` (or never
 * when fail_at is 0). */
struct source {
    const char *data;
    size_t len, pos, fail_at;
    int calls;
};

static int64_t read_source(void *userdata, uint8_t *buf, size_t len) {
    struct source *s = userdata;
    size_t n = s->len - s->pos;
    s->calls++;
    if (s->fail_at != 0 && s->pos >= s->fail_at)
        return -5;
    if (n > len)
        n = len;
    if (n > 777)
        n = 777;
    memcpy(buf, s->data + s->pos, n);
    s->pos += n;
    return (int64_t)n;
}

static const char RAW[] = "From: raw@example.com\nTo: x@example.org\nSubject: raw C\n\n"
                          ".leading dot\n.\nbare CR\rline\r\nno final newline";
static const char RAW_STORED[] = "From: raw@example.com\r\nTo: x@example.org\r\nSubject: raw C\r\n\r\n"
                                 ".leading dot\r\n.\r\nbare CR\r\nline\r\nno final newline\r\n";

static void test_forward_stream_callback(void) {
    missive_client *c = make_client();
    missive_send_result *res = NULL;
    char *eml = NULL, *env = NULL;
    size_t len = 0;
    struct source src = {RAW, sizeof RAW - 1, 0, 0, 0};
    REQUIRE(c != NULL);
    REQUIRE_OK(missive_client_forward_stream(c, read_source, &src, (int64_t)(sizeof RAW - 1),
                                             S("fwd@example.net"), S("a@example.org"), &res));
    CHECK(src.calls >= 2);
    eml = stored(res, "eml", &len);
    env = stored(res, "env", NULL);
    REQUIRE(eml != NULL && env != NULL);
    CHECK(len == strlen(RAW_STORED) && memcmp(eml, RAW_STORED, len) == 0);
    CHECK_CONTAINS(env, "MAIL_FROM fwd@example.net\n");
    missive_send_result_free(res);
    res = NULL;

    /* A failing callback: IO, not delivered. */
    struct source bad = {RAW, sizeof RAW - 1, 0, 100, 0};
    CHECK_RESULT(missive_client_forward_stream(c, read_source, &bad, -1, S("fwd@example.net"),
                                               S("a@example.org"), &res),
                 MISSIVE_RESULT_IO);
    CHECK(res != NULL && !missive_send_result_delivered(res));
    CHECK_CONTAINS(CLIENT_ERROR(c), "nothing was delivered");
    missive_send_result_free(res);
    res = NULL;

    /* A size hint above the server's SIZE limit (32 MiB): refused, the callback never called. */
    struct source big = {RAW, sizeof RAW - 1, 0, 0, 0};
    CHECK_RESULT(missive_client_forward_stream(c, read_source, &big, (int64_t)1 << 30,
                                               S("fwd@example.net"), S("a@example.org"), NULL),
                 MISSIVE_RESULT_MESSAGE_TOO_LARGE);
    CHECK_EQ_INT(big.calls, 0);
    CHECK_RESULT(missive_client_forward_stream(c, read_source, &big, -1, S("not an address"),
                                               S("a@example.org"), NULL),
                 MISSIVE_RESULT_INVALID_ADDRESS);
    CHECK_RESULT(missive_client_forward_stream(c, read_source, &big, -1, S("fwd@example.net"),
                                               NULL, 0, NULL),
                 MISSIVE_RESULT_NO_RECIPIENTS);
cleanup:
    free(eml);
    free(env);
    missive_send_result_free(res);
    missive_client_free(c);
}

static void test_forward_fd_and_file(void) {
    missive_client *c = make_client();
    missive_send_result *res = NULL;
    char dir[256] = "", path[512];
    char *eml = NULL;
    size_t len = 0;
    int fd = -1;
    REQUIRE(c != NULL);
    REQUIRE(harness_mkdtemp(dir, sizeof dir) == 0);
    snprintf(path, sizeof path, "%s/raw.eml", dir);
    REQUIRE(harness_write_file(path, RAW, sizeof RAW - 1) == 0);

    fd = open(path, O_RDONLY);
    REQUIRE(fd >= 0);
    REQUIRE_OK(missive_client_forward_fd(c, fd, S(""), S("a@example.org"), &res));
    eml = stored(res, "eml", &len);
    REQUIRE(eml != NULL);
    CHECK(len == strlen(RAW_STORED) && memcmp(eml, RAW_STORED, len) == 0);
    /* The descriptor is still open, its offset at the end. */
    CHECK_EQ_INT(lseek(fd, 0, SEEK_CUR), (long long)(sizeof RAW - 1));
    CHECK_RESULT(missive_client_forward_fd(c, -1, S(""), S("a@example.org"), NULL),
                 MISSIVE_RESULT_INVALID_ARGUMENT);
    free(eml);
    eml = NULL;
    missive_send_result_free(res);
    res = NULL;

    REQUIRE_OK(missive_client_forward_file(c, path, strlen(path), S("fwd@example.net"),
                                           S("a@example.org, b@example.org"), &res));
    CHECK_EQ_INT(missive_send_result_accepted_count(res), 2);
    eml = stored(res, "eml", &len);
    REQUIRE(eml != NULL);
    CHECK(len == strlen(RAW_STORED) && memcmp(eml, RAW_STORED, len) == 0);
    snprintf(path, sizeof path, "%s/missing.eml", dir);
    CHECK_RESULT(missive_client_forward_file(c, path, strlen(path), S(""), S("a@example.org"), NULL),
                 MISSIVE_RESULT_FILE_NOT_FOUND);
cleanup:
    if (fd >= 0)
        close(fd);
    free(eml);
    missive_send_result_free(res);
    missive_client_free(c);
    if (dir[0] != '\0')
        harness_rmtree(dir);
}

int main(int argc, char **argv) {
    char port_text[32];
    const char *from = argc > 1 ? argv[1] : getenv("MISSIVE_SMTP_FIXTURE_DIR");
    if (from == NULL || from[0] == '\0') {
        fprintf(stderr, "test_forward: give the SMTP fixture directory as argv[1] or "
                        "$MISSIVE_SMTP_FIXTURE_DIR (run through ctest)\n");
        printf("0 passed, 1 failed\n");
        return 1;
    }
    snprintf(fixture_dir, sizeof fixture_dir, "%s", from);
    if (read_fixture_line("port", port_text, sizeof port_text) != 0 ||
        read_fixture_line("maildir", mail_dir, sizeof mail_dir) != 0 ||
        (server_port = atoi(port_text)) <= 0 || server_port > 65535) {
        fprintf(stderr, "test_forward: no SMTP server in %s\n", fixture_dir);
        printf("0 passed, 1 failed\n");
        return 1;
    }
    RUN(test_redirect_is_byte_exact);
    RUN(test_resend_and_attach);
    RUN(test_forward_stream_callback);
    RUN(test_forward_fd_and_file);
    return harness_finish();
}
