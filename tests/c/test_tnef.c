/* use_tnef on the message and the client: TNEF (winmail.dat) output, and reading it back. */
#include "harness.h"

#include <dirent.h>
#include <stdbool.h>
#include <stdint.h>

static const uint8_t blob[] = {0x00, 0x01, 0xff, 0x7f, 0x80, 0x00, 0x0d, 0x0a, 0x42};

static missive_message *compose(void) {
    missive_message *m = missive_message_new();
    if (m == NULL)
        return NULL;
    if (missive_message_set_from(m, S("Sender <sender@example.com>")) != MISSIVE_RESULT_OK ||
        missive_message_add_recipients(m, MISSIVE_RECIPIENT_KIND_TO, S("to@example.org")) !=
            MISSIVE_RESULT_OK ||
        missive_message_set_subject(m, S("Gr\xc3\xbc\xc3\x9f" "e TNEF")) != MISSIVE_RESULT_OK ||
        missive_message_set_body(m, S("Body text \xe2\x82\xac\r\n")) != MISSIVE_RESULT_OK ||
        missive_message_add_attachment(m, S("blob.bin"), NULL, 0, blob, sizeof blob) !=
            MISSIVE_RESULT_OK ||
        missive_message_add_attachment(m, S("note.txt"), S("text/plain"), B("hello\n")) !=
            MISSIVE_RESULT_OK) {
        missive_message_free(m);
        return NULL;
    }
    return m;
}

/* Saves a message into a malloc'd NUL-terminated buffer. */
static char *save(const missive_message *m, size_t *len) {
    if (missive_message_save_buffer(m, NULL, 0, len) != MISSIVE_RESULT_OK)
        return NULL;
    char *buf = malloc(*len + 1);
    if (buf == NULL)
        return NULL;
    if (missive_message_save_buffer(m, (uint8_t *)buf, *len, len) != MISSIVE_RESULT_OK) {
        free(buf);
        return NULL;
    }
    buf[*len] = '\0';
    return buf;
}

static void test_message_use_tnef_writes_winmail_dat(void) {
    missive_message *m = compose();
    missive_message *back = missive_message_new();
    char *eml = NULL;
    size_t len = 0;
    REQUIRE(m != NULL && back != NULL);
    CHECK(!missive_message_use_tnef(m));
    REQUIRE_OK(missive_message_set_use_tnef(m, true));
    CHECK(missive_message_use_tnef(m));
    eml = save(m, &len);
    REQUIRE(eml != NULL);
    CHECK_CONTAINS(eml, "multipart/mixed");
    CHECK_CONTAINS(eml, "application/ms-tnef");
    CHECK_CONTAINS(eml, "winmail.dat");
    CHECK_CONTAINS(eml, "X-MS-TNEF-Correlator: <");
    CHECK_NOT_CONTAINS(eml, "filename=\"blob.bin\""); /* inside the TNEF stream, not MIME */

    /* Loaded back: the TNEF part's attachments and body are the message's again. */
    REQUIRE_OK(missive_message_load_bytes(back, (const uint8_t *)eml, len));
    CHECK(missive_message_use_tnef(back));
    CHECK_EQ_INT(missive_message_part_count(back, MISSIVE_PART_KIND_ATTACHMENT), 2);
    uint8_t got[64];
    size_t got_len = 0;
    REQUIRE_OK(missive_message_part_field(back, MISSIVE_PART_KIND_ATTACHMENT, 0,
                                          MISSIVE_PART_FIELD_CONTENT, got, sizeof got, &got_len));
    CHECK_EQ_INT(got_len, sizeof blob);
    CHECK(memcmp(got, blob, sizeof blob) == 0);
    char body[128];
    size_t body_len = 0;
    REQUIRE_OK(missive_message_body(back, body, sizeof body, &body_len));
    CHECK_STR_EQ(body, "Body text \xe2\x82\xac\r\n");

    /* Turned off again: ordinary MIME. */
    free(eml);
    eml = NULL;
    REQUIRE_OK(missive_message_set_use_tnef(m, false));
    eml = save(m, &len);
    REQUIRE(eml != NULL);
    CHECK_NOT_CONTAINS(eml, "ms-tnef");
    CHECK_CONTAINS(eml, "blob.bin");
cleanup:
    free(eml);
    missive_message_free(m);
    missive_message_free(back);
}

static void test_client_use_tnef_into_pickup_directory(void) {
    char dir[256] = "";
    missive_message *m = compose();
    missive_client *c = missive_client_new();
    char *file = NULL;
    REQUIRE(m != NULL && c != NULL);
    REQUIRE(harness_mkdtemp(dir, sizeof dir) == 0);
    REQUIRE_OK(missive_client_set_delivery_method(c, MISSIVE_DELIVERY_METHOD_PICKUP_DIRECTORY));
    REQUIRE_OK(missive_client_set_pickup_directory(c, dir, strlen(dir)));
    REQUIRE_OK(missive_client_set_use_tnef(c, true));
    REQUIRE_OK(missive_client_send(c, m, NULL));
    DIR *d = opendir(dir);
    REQUIRE(d != NULL);
    struct dirent *e;
    char path[600] = "";
    while ((e = readdir(d)) != NULL)
        if (strstr(e->d_name, ".eml") != NULL)
            snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
    closedir(d);
    REQUIRE(path[0] != '\0');
    size_t len = 0;
    file = harness_read_file(path, &len);
    REQUIRE(file != NULL);
    CHECK_CONTAINS(file, "X-Receiver: to@example.org");
    CHECK_CONTAINS(file, "application/ms-tnef");
    CHECK_CONTAINS(file, "X-MS-TNEF-Correlator");
    /* The message itself was not changed by the client's setting. */
    CHECK(!missive_message_use_tnef(m));
cleanup:
    free(file);
    missive_message_free(m);
    missive_client_free(c);
    harness_rmtree(dir);
}

static void test_null_handles(void) {
    CHECK_RESULT(missive_client_set_use_tnef(NULL, true), MISSIVE_RESULT_NULL_ARGUMENT);
    CHECK_RESULT(missive_message_set_use_tnef(NULL, true), MISSIVE_RESULT_NULL_ARGUMENT);
    CHECK(!missive_message_use_tnef(NULL));
}

int main(void) {
    RUN(test_message_use_tnef_writes_winmail_dat);
    RUN(test_client_use_tnef_into_pickup_directory);
    RUN(test_null_handles);
    return harness_finish();
}
