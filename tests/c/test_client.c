/* missive_client: settings, delivery errors, pickup-directory delivery end to end. */
#include "harness.h"

#include <dirent.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/stat.h>

/* The number of entries in `dir` (not . or ..); with `first_eml`, the path of the first .eml. */
static int count_entries(const char *dir, int *n_eml, char *first_eml, size_t first_len) {
    DIR *d = opendir(dir);
    struct dirent *e;
    int n = 0;
    if (n_eml)
        *n_eml = 0;
    if (d == NULL)
        return -1;
    while ((e = readdir(d)) != NULL) {
        size_t len = strlen(e->d_name);
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
            continue;
        n++;
        if (len > 4 && strcmp(e->d_name + len - 4, ".eml") == 0 && e->d_name[0] != '.') {
            if (n_eml && (*n_eml)++ == 0 && first_eml)
                snprintf(first_eml, first_len, "%s/%s", dir, e->d_name);
        }
    }
    closedir(d);
    return n;
}

/* The header section of `text` (up to the first empty line), as a new string (free it). */
static char *header_section(const char *text) {
    const char *end = strstr(text, "\r\n\r\n");
    size_t n = end ? (size_t)(end - text) + 2 : strlen(text);
    char *h = malloc(n + 1);
    if (h) {
        memcpy(h, text, n);
        h[n] = '\0';
    }
    return h;
}

/* Whether some line of `headers` starts with `prefix` (case-sensitive). */
static bool has_line(const char *headers, const char *prefix) {
    size_t n = strlen(prefix);
    for (const char *p = headers; p && *p;) {
        if (strncmp(p, prefix, n) == 0)
            return true;
        p = strstr(p, "\r\n");
        if (p)
            p += 2;
    }
    return false;
}

static bool has_line_ci(const char *headers, const char *prefix) {
    size_t n = strlen(prefix);
    for (const char *p = headers; p && *p;) {
        size_t i = 0;
        while (i < n && p[i] && ((p[i] | 0x20) == (prefix[i] | 0x20)))
            i++;
        if (i == n)
            return true;
        p = strstr(p, "\r\n");
        if (p)
            p += 2;
    }
    return false;
}

static missive_message *make_message(void) {
    missive_message *m = missive_message_new();
    if (m == NULL)
        return NULL;
    if (missive_message_set_from(m, S("Alice <alice@example.com>")) != MISSIVE_RESULT_OK ||
        missive_message_add_recipients(m, MISSIVE_RECIPIENT_KIND_TO, S("Bob <bob@example.com>")) !=
            MISSIVE_RESULT_OK ||
        missive_message_set_subject(m, S("Pickup test")) != MISSIVE_RESULT_OK ||
        missive_message_set_body(m, S("Body of the pickup test.\r\n")) != MISSIVE_RESULT_OK) {
        missive_message_free(m);
        return NULL;
    }
    return m;
}

static missive_client *make_pickup_client(const char *dir) {
    missive_client *c = missive_client_new();
    if (c == NULL)
        return NULL;
    if (missive_client_set_delivery_method(c, MISSIVE_DELIVERY_METHOD_PICKUP_DIRECTORY) !=
            MISSIVE_RESULT_OK ||
        missive_client_set_pickup_directory(c, dir, strlen(dir)) != MISSIVE_RESULT_OK) {
        missive_client_free(c);
        return NULL;
    }
    return c;
}

static void test_settings(void) {
    missive_client *c = missive_client_new();
    REQUIRE(c != NULL);

    CHECK_RESULT(missive_client_set_host(c, S("smtp.example.com")), MISSIVE_RESULT_OK);
    CHECK_RESULT(missive_client_set_host(c, S("192.0.2.1")), MISSIVE_RESULT_OK);
    CHECK_RESULT(missive_client_set_host(c, S("bad host")), MISSIVE_RESULT_INVALID_ARGUMENT);
    CHECK_CONTAINS(CLIENT_ERROR(c), "white space");
    CHECK_RESULT(missive_client_set_host(c, S("evil\r\nRCPT TO:<x@y>")), MISSIVE_RESULT_INVALID_ARGUMENT);
    CHECK_CONTAINS(CLIENT_ERROR(c), "control");
    CHECK_RESULT(missive_client_set_host(c, S("tab\there")), MISSIVE_RESULT_INVALID_ARGUMENT);
    CHECK_RESULT(missive_client_set_host(c, S("\xff")), MISSIVE_RESULT_INVALID_UTF8);
    CHECK_CONTAINS(CLIENT_ERROR(c), "host");
    CHECK_RESULT(missive_client_set_host(c, NULL, 3), MISSIVE_RESULT_NULL_ARGUMENT);
    CHECK_CONTAINS(CLIENT_ERROR(c), "host");
    /* A success clears the error text. */
    CHECK_RESULT(missive_client_set_host(c, NULL, 0), MISSIVE_RESULT_OK);
    CHECK_STR_EQ(CLIENT_ERROR(c), "");

    CHECK_RESULT(missive_client_set_port(c, 0), MISSIVE_RESULT_OK);
    CHECK_RESULT(missive_client_set_port(c, 587), MISSIVE_RESULT_OK);
    CHECK_RESULT(missive_client_set_port(c, 65535), MISSIVE_RESULT_OK);

    CHECK_RESULT(missive_client_set_username(c, S("user@example.com")), MISSIVE_RESULT_OK);
    CHECK_RESULT(missive_client_set_username(c, NULL, 0), MISSIVE_RESULT_OK);
    CHECK_RESULT(missive_client_set_username(c, S("\xc3")), MISSIVE_RESULT_INVALID_UTF8);
    CHECK_CONTAINS(CLIENT_ERROR(c), "username");
    CHECK_RESULT(missive_client_set_username(c, NULL, 1), MISSIVE_RESULT_NULL_ARGUMENT);
    CHECK_RESULT(missive_client_set_password(c, S("s3cret p\xc3\xa4ss")), MISSIVE_RESULT_OK);
    CHECK_RESULT(missive_client_set_password(c, NULL, 0), MISSIVE_RESULT_OK);
    CHECK_RESULT(missive_client_set_password(c, S("\xff\xfe")), MISSIVE_RESULT_INVALID_UTF8);
    CHECK_CONTAINS(CLIENT_ERROR(c), "password");
    CHECK_NOT_CONTAINS(CLIENT_ERROR(c), "\xff"); /* never echoes the secret */
    CHECK_RESULT(missive_client_set_password(c, NULL, 8), MISSIVE_RESULT_NULL_ARGUMENT);

    for (int32_t s = MISSIVE_SECURITY_NONE; s <= MISSIVE_SECURITY_AUTO; s++)
        CHECK_RESULT(missive_client_set_security(c, s), MISSIVE_RESULT_OK);
    CHECK_RESULT(missive_client_set_security(c, 4), MISSIVE_RESULT_INVALID_ARGUMENT);
    CHECK_CONTAINS(CLIENT_ERROR(c), "missive_security");
    CHECK_RESULT(missive_client_set_security(c, -1), MISSIVE_RESULT_INVALID_ARGUMENT);

    CHECK_RESULT(missive_client_set_delivery_method(c, MISSIVE_DELIVERY_METHOD_NETWORK), MISSIVE_RESULT_OK);
    CHECK_RESULT(missive_client_set_delivery_method(c, MISSIVE_DELIVERY_METHOD_PICKUP_DIRECTORY),
                 MISSIVE_RESULT_OK);
    CHECK_RESULT(missive_client_set_delivery_method(c, 2), MISSIVE_RESULT_INVALID_ARGUMENT);
    CHECK_CONTAINS(CLIENT_ERROR(c), "missive_delivery_method");
    CHECK_RESULT(missive_client_set_delivery_method(c, INT32_MIN), MISSIVE_RESULT_INVALID_ARGUMENT);

    CHECK_RESULT(missive_client_set_pickup_directory(c, S("/tmp/somewhere")), MISSIVE_RESULT_OK);
    CHECK_RESULT(missive_client_set_pickup_directory(c, NULL, 0), MISSIVE_RESULT_INVALID_ARGUMENT);
    CHECK_CONTAINS(CLIENT_ERROR(c), "empty");
    CHECK_RESULT(missive_client_set_pickup_directory(c, S("")), MISSIVE_RESULT_INVALID_ARGUMENT);
    CHECK_RESULT(missive_client_set_pickup_directory(c, S("/tmp/\xff")), MISSIVE_RESULT_INVALID_UTF8);
    CHECK_RESULT(missive_client_set_pickup_directory(c, NULL, 2), MISSIVE_RESULT_NULL_ARGUMENT);
cleanup:
    missive_client_free(c);
}

static void test_client_error_size_then_fill(void) {
    missive_client *c = missive_client_new();
    char buf[512], small[8];
    size_t len = 0, len2 = 0;
    REQUIRE(c != NULL);
    REQUIRE_OK(missive_client_error(c, NULL, 0, &len));
    CHECK_EQ_INT(len, 1); /* empty: just the NUL */
    CHECK_RESULT(missive_client_set_security(c, 99), MISSIVE_RESULT_INVALID_ARGUMENT);
    REQUIRE_OK(missive_client_error(c, NULL, 0, &len));
    REQUIRE(len > sizeof small && len <= sizeof buf);
    memset(small, 'z', sizeof small);
    CHECK_RESULT(missive_client_error(c, small, sizeof small, &len2), MISSIVE_RESULT_BUFFER_TOO_SMALL);
    CHECK_EQ_INT(len2, len);
    for (size_t i = 0; i < sizeof small; i++)
        CHECK(small[i] == 'z');
    memset(buf, 'z', sizeof buf);
    CHECK_RESULT(missive_client_error(c, buf, len - 1, &len2), MISSIVE_RESULT_BUFFER_TOO_SMALL);
    CHECK(buf[0] == 'z');
    CHECK_RESULT(missive_client_error(c, buf, len, &len2), MISSIVE_RESULT_OK);
    CHECK_EQ_INT(len2, len);
    CHECK_EQ_INT(strlen(buf), len - 1);
    CHECK(buf[len] == 'z');
    CHECK_CONTAINS(buf, "99");
    CHECK_RESULT(missive_client_error(c, NULL, 4, &len2), MISSIVE_RESULT_NULL_ARGUMENT);
    CHECK_RESULT(missive_client_error(c, buf, sizeof buf, NULL), MISSIVE_RESULT_NULL_ARGUMENT);
    /* The failed copies did not replace the text. */
    CHECK_CONTAINS(CLIENT_ERROR(c), "99");
cleanup:
    missive_client_free(c);
}

static void test_network_delivery_errors(void) {
    missive_client *c = missive_client_new();
    missive_message *m = make_message();
    REQUIRE(c != NULL && m != NULL);
    /* Default: NETWORK delivery, no host. */
    CHECK_RESULT(missive_client_send(c, m, NULL), MISSIVE_RESULT_HOST_NOT_SET);
    CHECK_CONTAINS(CLIENT_ERROR(c), "host");
    /* A loopback address and a closed port: no DNS and no network, even once SMTP lands. */
    REQUIRE_OK(missive_client_set_host(c, S("127.0.0.1")));
    REQUIRE_OK(missive_client_set_port(c, 1));
    CHECK_RESULT(missive_client_send(c, m, NULL), MISSIVE_RESULT_CONNECT_FAILED);
    CHECK_CONTAINS(CLIENT_ERROR(c), "127.0.0.1");
    /* The message's own error text is untouched by the client's failures. */
    CHECK_STR_EQ(MESSAGE_ERROR(m), "");
cleanup:
    missive_message_free(m);
    missive_client_free(c);
}

static void test_message_errors_on_send(void) {
    char dir[256] = "";
    missive_client *c = NULL;
    missive_message *m = missive_message_new();
    REQUIRE(m != NULL);
    REQUIRE(harness_mkdtemp(dir, sizeof dir) == 0);
    c = make_pickup_client(dir);
    REQUIRE(c != NULL);

    CHECK_RESULT(missive_client_send(c, m, NULL), MISSIVE_RESULT_NO_SENDER);
    CHECK_CONTAINS(CLIENT_ERROR(c), "sender");
    REQUIRE_OK(missive_message_add_recipients(m, MISSIVE_RECIPIENT_KIND_TO, S("bob@example.com")));
    CHECK_RESULT(missive_client_send(c, m, NULL), MISSIVE_RESULT_NO_SENDER);
    REQUIRE_OK(missive_message_clear_recipients(m, MISSIVE_RECIPIENT_KIND_TO));
    REQUIRE_OK(missive_message_set_from(m, S("alice@example.com")));
    CHECK_RESULT(missive_client_send(c, m, NULL), MISSIVE_RESULT_NO_RECIPIENTS);
    CHECK_CONTAINS(CLIENT_ERROR(c), "recipients");
    /* Reply-To is not a recipient. */
    REQUIRE_OK(missive_message_add_recipients(m, MISSIVE_RECIPIENT_KIND_REPLY_TO, S("r@example.com")));
    CHECK_RESULT(missive_client_send(c, m, NULL), MISSIVE_RESULT_NO_RECIPIENTS);
    CHECK_EQ_INT(count_entries(dir, NULL, NULL, 0), 0);
    /* A Bcc alone is enough; Sender alone is a sender. */
    REQUIRE_OK(missive_message_add_recipients(m, MISSIVE_RECIPIENT_KIND_BCC, S("hidden@example.com")));
    CHECK_RESULT(missive_client_send(c, m, NULL), MISSIVE_RESULT_OK);
    CHECK_STR_EQ(CLIENT_ERROR(c), "");
    missive_message_free(m);
    m = missive_message_new();
    REQUIRE(m != NULL);
    REQUIRE_OK(missive_message_set_sender(m, S("bulk@example.com")));
    REQUIRE_OK(missive_message_add_recipients(m, MISSIVE_RECIPIENT_KIND_CC, S("cc@example.com")));
    CHECK_RESULT(missive_client_send(c, m, NULL), MISSIVE_RESULT_OK);
    CHECK_EQ_INT(count_entries(dir, NULL, NULL, 0), 2);
cleanup:
    missive_message_free(m);
    missive_client_free(c);
    harness_rmtree(dir);
}

static void test_pickup_directory_not_set(void) {
    missive_client *c = missive_client_new();
    missive_message *m = make_message();
    REQUIRE(c != NULL && m != NULL);
    REQUIRE_OK(missive_client_set_delivery_method(c, MISSIVE_DELIVERY_METHOD_PICKUP_DIRECTORY));
    CHECK_RESULT(missive_client_send(c, m, NULL), MISSIVE_RESULT_PICKUP_DIRECTORY_NOT_SET);
    CHECK_CONTAINS(CLIENT_ERROR(c), "pickup directory");
cleanup:
    missive_message_free(m);
    missive_client_free(c);
}

static void test_pickup_end_to_end(void) {
    char dir[256] = "", outbox[300], file[600], id[256], id_after[256];
    missive_client *c = NULL;
    missive_message *m = make_message();
    char *text = NULL, *headers = NULL;
    size_t len = 0;
    int n_eml = 0;
    REQUIRE(m != NULL);
    REQUIRE(harness_mkdtemp(dir, sizeof dir) == 0);
    /* The pickup directory does not exist yet: it is created on first delivery. */
    snprintf(outbox, sizeof outbox, "%s/outbox", dir);
    c = make_pickup_client(outbox);
    REQUIRE(c != NULL);

    REQUIRE_OK(missive_message_add_recipients(m, MISSIVE_RECIPIENT_KIND_CC, S("Carol <carol@example.org>")));
    REQUIRE_OK(missive_message_add_recipients(m, MISSIVE_RECIPIENT_KIND_BCC, S("Dave <dave@example.net>")));
    REQUIRE_OK(missive_message_add_header(m, S("X-Campaign"), S("c-tests")));
    REQUIRE_OK(missive_message_message_id(m, id, sizeof id, &len));

    REQUIRE_OK(missive_client_send(c, m, NULL));
    CHECK_STR_EQ(CLIENT_ERROR(c), "");

    /* Exactly one file, an .eml, and no temporary left behind. */
    CHECK_EQ_INT(count_entries(outbox, &n_eml, file, sizeof file), 1);
    REQUIRE(n_eml == 1);
    text = harness_read_file(file, NULL);
    REQUIRE(text != NULL);
    headers = header_section(text);
    REQUIRE(headers != NULL);

    /* The envelope first. */
    CHECK(strncmp(text, "X-Sender: ", 10) == 0);
    CHECK(strncmp(text, "X-Sender: alice@example.com\r\n", 29) == 0);
    CHECK(has_line(headers, "X-Receiver: bob@example.com\r\n"));
    CHECK(has_line(headers, "X-Receiver: carol@example.org\r\n"));
    CHECK(has_line(headers, "X-Receiver: dave@example.net\r\n"));
    /* No Bcc header, and the Bcc address only in its X-Receiver line. */
    CHECK(!has_line_ci(headers, "Bcc:"));
    {
        const char *first = strstr(text, "dave@example.net");
        CHECK(first != NULL && strstr(first + 1, "dave@example.net") == NULL);
        CHECK_NOT_CONTAINS(text, "Dave");
    }
    /* The message itself. */
    CHECK(has_line(headers, "From: "));
    CHECK(has_line(headers, "To: "));
    CHECK(has_line(headers, "Cc: "));
    CHECK(has_line(headers, "Subject: Pickup test\r\n"));
    CHECK(has_line(headers, "X-Campaign: c-tests\r\n"));
    CHECK(has_line(headers, "Date: "));
    CHECK(has_line(headers, "Message-ID: <"));
    CHECK_CONTAINS(headers, id); /* the id message_id showed before sending */
    CHECK_CONTAINS(text, "\r\n\r\nBody of the pickup test.");

    /* The message is not changed by sending. */
    REQUIRE_OK(missive_message_message_id(m, id_after, sizeof id_after, &len));
    CHECK_STR_EQ(id_after, id);
    CHECK_EQ_INT(missive_message_recipient_count(m, MISSIVE_RECIPIENT_KIND_BCC), 1);

    /* A second send makes a second, differently named file. */
    REQUIRE_OK(missive_client_send(c, m, NULL));
    CHECK_EQ_INT(count_entries(outbox, &n_eml, NULL, 0), 2);
    CHECK_EQ_INT(n_eml, 2);
cleanup:
    free(text);
    free(headers);
    missive_message_free(m);
    missive_client_free(c);
    harness_rmtree(dir);
}

static void test_pickup_loaded_message_drops_bcc(void) {
    static const char eml[] =
        "From: Alice <alice@example.com>\r\n"
        "To: bob@example.com\r\n"
        "Bcc: Secret <secret@example.com>,\r\n"
        " other-secret@example.com\r\n"
        "Subject: loaded\r\n"
        "Message-ID: <loaded-2@example.com>\r\n"
        "\r\n"
        "Bcc: this line is body text and stays\r\n";
    char dir[256] = "", file[600];
    missive_client *c = NULL;
    missive_message *m = missive_message_new();
    char *text = NULL, *headers = NULL;
    int n_eml = 0;
    REQUIRE(m != NULL);
    REQUIRE(harness_mkdtemp(dir, sizeof dir) == 0);
    c = make_pickup_client(dir);
    REQUIRE(c != NULL);
    REQUIRE_OK(missive_message_load_bytes(m, (const uint8_t *)eml, sizeof eml - 1));
    REQUIRE_OK(missive_client_send(c, m, NULL));
    CHECK_EQ_INT(count_entries(dir, &n_eml, file, sizeof file), 1);
    REQUIRE(n_eml == 1);
    text = harness_read_file(file, NULL);
    REQUIRE(text != NULL);
    headers = header_section(text);
    REQUIRE(headers != NULL);
    CHECK(has_line(headers, "X-Receiver: bob@example.com\r\n"));
    CHECK(has_line(headers, "X-Receiver: secret@example.com\r\n"));
    CHECK(has_line(headers, "X-Receiver: other-secret@example.com\r\n"));
    CHECK(!has_line_ci(headers, "Bcc:"));
    CHECK_NOT_CONTAINS(headers, "Secret <");
    CHECK_NOT_CONTAINS(headers, "\r\n other-secret@example.com"); /* the folded Bcc line */
    CHECK(has_line(headers, "Message-ID: <loaded-2@example.com>"));
    CHECK_CONTAINS(text, "\r\n\r\nBcc: this line is body text and stays\r\n");
cleanup:
    free(text);
    free(headers);
    missive_message_free(m);
    missive_client_free(c);
    harness_rmtree(dir);
}

/* The number of lines of `headers` that start with `prefix` (ASCII case ignored). */
static int count_lines_ci(const char *headers, const char *prefix) {
    size_t n = strlen(prefix);
    int count = 0;
    for (const char *p = headers; p && *p;) {
        size_t i = 0;
        while (i < n && p[i] && ((p[i] | 0x20) == (prefix[i] | 0x20)))
            i++;
        if (i == n)
            count++;
        p = strstr(p, "\r\n");
        if (p)
            p += 2;
    }
    return count;
}

/* Copies an envelope address with the size-then-fill pattern into `buf`; "" on failure. */
static const char *envelope_text(const missive_message *m, long index, char *buf, size_t n) {
    size_t len = 0;
    missive_result r = index < 0 ? missive_message_envelope_sender(m, buf, n, &len)
                                 : missive_message_envelope_recipient(m, (size_t)index, buf, n,
                                                                      &len);
    return r == MISSIVE_RESULT_OK ? buf : "";
}

/* A pickup file loaded with missive_message_load_pickup_file: its envelope is readable, and
 * re-delivered it gives a file with exactly that envelope (one X-Sender, its X-Receivers, the
 * Bcc-only one included); the forged lines after the envelope never count, as envelope or as
 * message. A loaded .eml with forged lines gives one X-Sender line, its own. */
static void test_pickup_file_loaded_with_its_envelope(void) {
    static const char pickup[] = "X-Sender: desk@example.com\r\n"
                                 "X-Receiver: bob@example.com\r\n"
                                 "X-Receiver: audit@example.net\r\n"
                                 "X-Sender: spoofed@evil.example\r\n"
                                 "X-Receiver: hidden@evil.example\r\n"
                                 "From: Alice <alice@example.com>\r\n"
                                 "To: bob@example.com\r\n"
                                 "Subject: from a pickup file\r\n"
                                 "\r\n"
                                 "X-Receiver: a body line, kept\r\n";
    /* The message part of `pickup`, as an .eml someone might load. */
    const char *eml = pickup + strlen("X-Sender: desk@example.com\r\n"
                                      "X-Receiver: bob@example.com\r\n"
                                      "X-Receiver: audit@example.net\r\n");
    char dir[256] = "", in[600], file[600], buf[128];
    missive_client *c = NULL;
    missive_message *m = missive_message_new();
    char *text = NULL, *headers = NULL;
    int n_eml = 0;
    REQUIRE(m != NULL);
    REQUIRE(harness_mkdtemp(dir, sizeof dir) == 0);
    snprintf(in, sizeof in, "%s/in.pickup", dir);
    REQUIRE(harness_write_file(in, pickup, sizeof pickup - 1) == 0);
    REQUIRE_OK(missive_message_load_pickup_file(m, in, strlen(in)));
    CHECK_STR_EQ(envelope_text(m, -1, buf, sizeof buf), "desk@example.com");
    CHECK_EQ_INT(missive_message_envelope_recipient_count(m), 2);
    CHECK_STR_EQ(envelope_text(m, 0, buf, sizeof buf), "bob@example.com");
    CHECK_STR_EQ(envelope_text(m, 1, buf, sizeof buf), "audit@example.net");
    CHECK_RESULT(missive_message_envelope_recipient(m, 2, buf, sizeof buf, &(size_t){0}),
                 MISSIVE_RESULT_INDEX_OUT_OF_RANGE);
    REQUIRE(remove(in) == 0);

    c = make_pickup_client(dir);
    REQUIRE(c != NULL);
    REQUIRE_OK(missive_client_send(c, m, NULL));
    CHECK_EQ_INT(count_entries(dir, &n_eml, file, sizeof file), 1);
    REQUIRE(n_eml == 1);
    text = harness_read_file(file, NULL);
    REQUIRE(text != NULL);
    headers = header_section(text);
    REQUIRE(headers != NULL);
    CHECK_EQ_INT(count_lines_ci(headers, "X-Sender:"), 1);
    CHECK_EQ_INT(count_lines_ci(headers, "X-Receiver:"), 2);
    CHECK(strncmp(headers, "X-Sender: desk@example.com\r\n"
                           "X-Receiver: bob@example.com\r\n"
                           "X-Receiver: audit@example.net\r\n"
                           "From: Alice <alice@example.com>\r\n",
                  strlen("X-Sender: desk@example.com\r\n"
                         "X-Receiver: bob@example.com\r\n"
                         "X-Receiver: audit@example.net\r\n"
                         "From: Alice <alice@example.com>\r\n")) == 0);
    CHECK_NOT_CONTAINS(text, "evil.example");
    CHECK_CONTAINS(text, "\r\n\r\nX-Receiver: a body line, kept\r\n");
    REQUIRE(remove(file) == 0);
    free(text);
    free(headers);
    text = headers = NULL;

    /* The same message loaded as an .eml: its header fields make the envelope. */
    REQUIRE_OK(missive_message_load_bytes(m, (const uint8_t *)eml, strlen(eml)));
    CHECK_EQ_INT(missive_message_envelope_recipient_count(m), 0);
    CHECK_RESULT(missive_message_envelope_sender(m, buf, sizeof buf, &(size_t){0}),
                 MISSIVE_RESULT_NOT_FOUND);
    REQUIRE_OK(missive_client_send(c, m, NULL));
    CHECK_EQ_INT(count_entries(dir, &n_eml, file, sizeof file), 1);
    REQUIRE(n_eml == 1);
    text = harness_read_file(file, NULL);
    REQUIRE(text != NULL);
    headers = header_section(text);
    REQUIRE(headers != NULL);
    CHECK_EQ_INT(count_lines_ci(headers, "X-Sender:"), 1);
    CHECK_EQ_INT(count_lines_ci(headers, "X-Receiver:"), 1);
    CHECK(has_line(headers, "X-Sender: alice@example.com\r\n"));
    CHECK(has_line(headers, "X-Receiver: bob@example.com\r\n"));
    CHECK_NOT_CONTAINS(text, "evil.example");

    /* Not a pickup file (no X-Sender first line): refused with the reason. */
    snprintf(in, sizeof in, "%s/plain.eml", dir);
    REQUIRE(harness_write_file(in, strstr(eml, "From:"), strlen(strstr(eml, "From:"))) == 0);
    CHECK_RESULT(missive_message_load_pickup_file(m, in, strlen(in)),
                 MISSIVE_RESULT_MALFORMED_EML);
    CHECK_CONTAINS(MESSAGE_ERROR(m), "X-Sender");
cleanup:
    free(text);
    free(headers);
    missive_message_free(m);
    missive_client_free(c);
    harness_rmtree(dir);
}

static void test_pickup_directory_errors(void) {
    char dir[256] = "", path[512];
    missive_client *c = NULL;
    missive_message *m = make_message();
    REQUIRE(m != NULL);
    REQUIRE(harness_mkdtemp(dir, sizeof dir) == 0);
    c = make_pickup_client(dir);
    REQUIRE(c != NULL);

    /* INVALID_ARGUMENT: the pickup path is a regular file. */
    snprintf(path, sizeof path, "%s/plain-file", dir);
    REQUIRE(harness_write_file(path, "x", 1) == 0);
    REQUIRE_OK(missive_client_set_pickup_directory(c, path, strlen(path)));
    CHECK_RESULT(missive_client_send(c, m, NULL), MISSIVE_RESULT_INVALID_ARGUMENT);
    CHECK_CONTAINS(CLIENT_ERROR(c), "not a directory");
    CHECK_CONTAINS(CLIENT_ERROR(c), "plain-file");

    /* A path under a regular file (ENOTDIR): the library reports IO. */
    snprintf(path, sizeof path, "%s/plain-file/x", dir);
    REQUIRE_OK(missive_client_set_pickup_directory(c, path, strlen(path)));
    CHECK_RESULT(missive_client_send(c, m, NULL), MISSIVE_RESULT_IO);
    CHECK_CONTAINS(CLIENT_ERROR(c), "plain-file/x");

    /* PERMISSION_DENIED: an unwritable pickup directory (permission bits do not stop root). */
    snprintf(path, sizeof path, "%s/read-only", dir);
    REQUIRE(mkdir(path, 0500) == 0);
    REQUIRE_OK(missive_client_set_pickup_directory(c, path, strlen(path)));
    if (geteuid() != 0) {
        CHECK_RESULT(missive_client_send(c, m, NULL), MISSIVE_RESULT_PERMISSION_DENIED);
        CHECK_CONTAINS(CLIENT_ERROR(c), "read-only");
        snprintf(path, sizeof path, "%s/read-only/sub", dir);
        REQUIRE_OK(missive_client_set_pickup_directory(c, path, strlen(path)));
        CHECK_RESULT(missive_client_send(c, m, NULL), MISSIVE_RESULT_PERMISSION_DENIED);
    } else {
        printf("note: running as root: pickup PERMISSION_DENIED not checked (root ignores "
               "permission bits); the ENOTDIR case above gives IO instead\n");
        CHECK_RESULT(missive_client_send(c, m, NULL), MISSIVE_RESULT_OK);
    }
cleanup:
    missive_message_free(m);
    missive_client_free(c);
    harness_rmtree(dir);
}

/* missive_client is documented as safe to use from several threads at once. */
#define N_THREADS 4
#define SENDS_PER_THREAD 8

struct send_job {
    missive_client *client;
    const missive_message *message;
    int failures;
};

static void *send_many(void *arg) {
    struct send_job *job = arg;
    for (int i = 0; i < SENDS_PER_THREAD; i++)
        if (missive_client_send(job->client, job->message, NULL) != MISSIVE_RESULT_OK)
            job->failures++;
    return NULL;
}

static void test_concurrent_sends(void) {
    char dir[256] = "";
    missive_client *c = NULL;
    missive_message *msgs[N_THREADS] = {0};
    pthread_t threads[N_THREADS];
    struct send_job jobs[N_THREADS];
    int started = 0, n_eml = 0;
    REQUIRE(harness_mkdtemp(dir, sizeof dir) == 0);
    c = make_pickup_client(dir);
    REQUIRE(c != NULL);
    for (int i = 0; i < N_THREADS; i++) {
        /* Messages must not be used concurrently: one per thread. */
        msgs[i] = make_message();
        REQUIRE(msgs[i] != NULL);
        jobs[i] = (struct send_job){.client = c, .message = msgs[i], .failures = 0};
    }
    for (; started < N_THREADS; started++)
        REQUIRE(pthread_create(&threads[started], NULL, send_many, &jobs[started]) == 0);
cleanup:
    for (int i = 0; i < started; i++) {
        pthread_join(threads[i], NULL);
        CHECK_EQ_INT(jobs[i].failures, 0);
    }
    if (started == N_THREADS) {
        CHECK_EQ_INT(count_entries(dir, &n_eml, NULL, 0), N_THREADS * SENDS_PER_THREAD);
        CHECK_EQ_INT(n_eml, N_THREADS * SENDS_PER_THREAD);
    }
    for (int i = 0; i < N_THREADS; i++)
        missive_message_free(msgs[i]);
    missive_client_free(c);
    harness_rmtree(dir);
}

static void test_null_handle_detail(void) {
    missive_client *c = missive_client_new();
    REQUIRE(c != NULL);
    CHECK_RESULT(missive_client_send(c, NULL, NULL), MISSIVE_RESULT_NULL_ARGUMENT);
    /* The error text on the client names the NULL argument. */
    CHECK_CONTAINS(CLIENT_ERROR(c), "message");
    CHECK_CONTAINS(CLIENT_ERROR(c), "NULL");
cleanup:
    missive_client_free(c);
}

int main(void) {
    RUN(test_settings);
    RUN(test_client_error_size_then_fill);
    RUN(test_network_delivery_errors);
    RUN(test_message_errors_on_send);
    RUN(test_pickup_directory_not_set);
    RUN(test_pickup_end_to_end);
    RUN(test_pickup_loaded_message_drops_bcc);
    RUN(test_pickup_file_loaded_with_its_envelope);
    RUN(test_pickup_directory_errors);
    RUN(test_concurrent_sends);
    RUN(test_null_handle_detail);
    return harness_finish();
}
