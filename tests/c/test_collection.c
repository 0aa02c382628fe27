/* missive_message_collection: copies in, borrowed pointers out, sending in bulk. */
#include "harness.h"

#include <dirent.h>
#include <stdint.h>

static int count_eml(const char *dir) {
    DIR *d = opendir(dir);
    struct dirent *e;
    int n = 0;
    if (d == NULL)
        return -1;
    while ((e = readdir(d)) != NULL) {
        size_t len = strlen(e->d_name);
        if (e->d_name[0] != '.' && len > 4 && strcmp(e->d_name + len - 4, ".eml") == 0)
            n++;
    }
    closedir(d);
    return n;
}

static missive_message *make_message(const char *subject) {
    missive_message *m = missive_message_new();
    if (m == NULL)
        return NULL;
    if (missive_message_set_from(m, S("alice@example.com")) != MISSIVE_RESULT_OK ||
        missive_message_add_recipients(m, MISSIVE_RECIPIENT_KIND_TO, S("bob@example.com")) !=
            MISSIVE_RESULT_OK ||
        missive_message_set_subject(m, subject, strlen(subject)) != MISSIVE_RESULT_OK) {
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

static void subject_of(const missive_message *m, char *buf, size_t len) {
    size_t out = 0;
    if (missive_message_subject(m, buf, len, &out) != MISSIVE_RESULT_OK)
        snprintf(buf, len, "<no subject>");
}

static void test_add_len_get(void) {
    missive_message_collection *coll = missive_message_collection_new();
    missive_message *m = make_message("first");
    const missive_message *got = NULL;
    char subject[64];
    size_t len = 0;
    REQUIRE(coll != NULL && m != NULL);
    CHECK_EQ_INT(missive_message_collection_len(coll), 0);
    CHECK(missive_message_collection_get(coll, 0) == NULL);

    REQUIRE_OK(missive_message_collection_add(coll, m));
    /* A copy: changing the original afterwards does not affect the collection. */
    REQUIRE_OK(missive_message_set_subject(m, S("second")));
    REQUIRE_OK(missive_message_collection_add(coll, m));
    missive_message_free(m);
    m = NULL;
    CHECK_EQ_INT(missive_message_collection_len(coll), 2);

    got = missive_message_collection_get(coll, 0);
    REQUIRE(got != NULL);
    subject_of(got, subject, sizeof subject);
    CHECK_STR_EQ(subject, "first");
    got = missive_message_collection_get(coll, 1);
    REQUIRE(got != NULL);
    subject_of(got, subject, sizeof subject);
    CHECK_STR_EQ(subject, "second");
    CHECK(missive_message_collection_get(coll, 2) == NULL);
    CHECK(missive_message_collection_get(coll, SIZE_MAX) == NULL);

    /* Borrowed pointers stay valid while more are added. */
    got = missive_message_collection_get(coll, 0);
    for (int i = 0; i < 40; i++) {
        missive_message *more = make_message("more");
        REQUIRE(more != NULL);
        CHECK_RESULT(missive_message_collection_add(coll, more), MISSIVE_RESULT_OK);
        missive_message_free(more);
    }
    CHECK_EQ_INT(missive_message_collection_len(coll), 42);
    subject_of(got, subject, sizeof subject);
    CHECK_STR_EQ(subject, "first");
    CHECK_EQ_INT(missive_message_recipient_count(got, MISSIVE_RECIPIENT_KIND_TO), 1);
    /* A borrowed message can be cloned into an owned one. */
    m = missive_message_clone(got);
    REQUIRE(m != NULL);
    subject_of(m, subject, sizeof subject);
    CHECK_STR_EQ(subject, "first");

    /* The collection's error text: empty, size-then-fill. */
    REQUIRE_OK(missive_message_collection_error(coll, NULL, 0, &len));
    CHECK_EQ_INT(len, 1);
    CHECK_STR_EQ(COLLECTION_ERROR(coll), "");
    CHECK_RESULT(missive_message_collection_error(coll, subject, 0, &len), MISSIVE_RESULT_BUFFER_TOO_SMALL);
    CHECK_EQ_INT(len, 1);
    CHECK_RESULT(missive_message_collection_error(coll, NULL, 3, &len), MISSIVE_RESULT_NULL_ARGUMENT);
    CHECK_RESULT(missive_message_collection_error(coll, subject, sizeof subject, NULL),
                 MISSIVE_RESULT_NULL_ARGUMENT);
cleanup:
    missive_message_free(m);
    missive_message_collection_free(coll);
}

/* Sends the collection; *delivered receives the number of SENT outcomes. */
static missive_result send_coll(missive_client *c, const missive_message_collection *coll,
                                size_t *delivered) {
    missive_bulk_result *br = NULL;
    missive_result r = missive_client_send_collection(c, coll, &br);
    *delivered = missive_bulk_result_count(br, MISSIVE_BULK_STATUS_SENT);
    if (br != NULL && missive_bulk_result_len(br) != missive_message_collection_len(coll))
        *delivered = (size_t)-1; /* one outcome per message, always */
    missive_bulk_result_free(br);
    return r;
}

static void test_send_collection_of_three(void) {
    char dir[256] = "";
    missive_message_collection *coll = missive_message_collection_new();
    missive_client *c = NULL;
    size_t delivered = 99;
    REQUIRE(coll != NULL);
    REQUIRE(harness_mkdtemp(dir, sizeof dir) == 0);
    c = make_pickup_client(dir);
    REQUIRE(c != NULL);
    for (int i = 0; i < 3; i++) {
        char subject[32];
        snprintf(subject, sizeof subject, "bulk %d", i);
        missive_message *m = make_message(subject);
        REQUIRE(m != NULL);
        CHECK_RESULT(missive_message_collection_add(coll, m), MISSIVE_RESULT_OK);
        missive_message_free(m);
    }
    CHECK_RESULT(send_coll(c, coll, &delivered), MISSIVE_RESULT_OK);
    CHECK_EQ_INT(delivered, 3);
    CHECK_EQ_INT(count_eml(dir), 3);
    CHECK_STR_EQ(CLIENT_ERROR(c), "");
    /* out_result may be NULL. */
    CHECK_RESULT(missive_client_send_collection(c, coll, NULL), MISSIVE_RESULT_OK);
    CHECK_EQ_INT(count_eml(dir), 6);
cleanup:
    missive_client_free(c);
    missive_message_collection_free(coll);
    harness_rmtree(dir);
}

static void test_send_empty_collection(void) {
    char dir[256] = "";
    missive_message_collection *coll = missive_message_collection_new();
    missive_client *c = NULL;
    size_t delivered = 99;
    REQUIRE(coll != NULL);
    REQUIRE(harness_mkdtemp(dir, sizeof dir) == 0);
    c = make_pickup_client(dir);
    REQUIRE(c != NULL);
    CHECK_RESULT(send_coll(c, coll, &delivered), MISSIVE_RESULT_OK);
    CHECK_EQ_INT(delivered, 0);
    CHECK_EQ_INT(count_eml(dir), 0);
cleanup:
    missive_client_free(c);
    missive_message_collection_free(coll);
    harness_rmtree(dir);
}

static void test_partial_failure(void) {
    char dir[256] = "";
    missive_message_collection *coll = missive_message_collection_new();
    missive_client *c = NULL;
    missive_message *good = make_message("good");
    missive_message *bad = make_message("bad");
    size_t delivered = 99;
    REQUIRE(coll != NULL && good != NULL && bad != NULL);
    REQUIRE(harness_mkdtemp(dir, sizeof dir) == 0);
    c = make_pickup_client(dir);
    REQUIRE(c != NULL);
    REQUIRE_OK(missive_message_clear_recipients(bad, MISSIVE_RECIPIENT_KIND_TO));

    REQUIRE_OK(missive_message_collection_add(coll, good));
    REQUIRE_OK(missive_message_collection_add(coll, bad));
    REQUIRE_OK(missive_message_collection_add(coll, good));
    /* Every message is attempted even after a failure. */
    CHECK_RESULT(send_coll(c, coll, &delivered), MISSIVE_RESULT_PARTIAL_FAILURE);
    CHECK_EQ_INT(delivered, 2);
    CHECK_EQ_INT(count_eml(dir), 2);
    CHECK_CONTAINS(CLIENT_ERROR(c), "message 1");
    CHECK_CONTAINS(CLIENT_ERROR(c), "recipients");
    CHECK_NOT_CONTAINS(CLIENT_ERROR(c), "message 0");
    CHECK_NOT_CONTAINS(CLIENT_ERROR(c), "message 2");
cleanup:
    missive_message_free(good);
    missive_message_free(bad);
    missive_client_free(c);
    missive_message_collection_free(coll);
    harness_rmtree(dir);
}

static void test_total_failure_gives_first_code(void) {
    char dir[256] = "";
    missive_message_collection *coll = missive_message_collection_new();
    missive_client *c = NULL;
    missive_message *no_sender = missive_message_new();
    missive_message *no_rcpt = make_message("no recipients");
    size_t delivered = 99;
    REQUIRE(coll != NULL && no_sender != NULL && no_rcpt != NULL);
    REQUIRE(harness_mkdtemp(dir, sizeof dir) == 0);
    c = make_pickup_client(dir);
    REQUIRE(c != NULL);
    REQUIRE_OK(missive_message_add_recipients(no_sender, MISSIVE_RECIPIENT_KIND_TO, S("bob@example.com")));
    REQUIRE_OK(missive_message_clear_recipients(no_rcpt, MISSIVE_RECIPIENT_KIND_TO));
    REQUIRE_OK(missive_message_collection_add(coll, no_sender));
    REQUIRE_OK(missive_message_collection_add(coll, no_rcpt));
    CHECK_RESULT(send_coll(c, coll, &delivered), MISSIVE_RESULT_NO_SENDER);
    CHECK_EQ_INT(delivered, 0);
    CHECK_CONTAINS(CLIENT_ERROR(c), "message 0");
    CHECK_CONTAINS(CLIENT_ERROR(c), "message 1");
    CHECK_EQ_INT(count_eml(dir), 0);

    /* Delivery-level failures, too: no pickup directory set. */
    missive_client_free(c);
    c = missive_client_new();
    REQUIRE(c != NULL);
    REQUIRE_OK(missive_client_set_delivery_method(c, MISSIVE_DELIVERY_METHOD_PICKUP_DIRECTORY));
    missive_message_collection_free(coll);
    coll = missive_message_collection_new();
    REQUIRE(coll != NULL);
    REQUIRE_OK(missive_message_add_recipients(no_rcpt, MISSIVE_RECIPIENT_KIND_TO, S("bob@example.com")));
    REQUIRE_OK(missive_message_collection_add(coll, no_rcpt));
    CHECK_RESULT(send_coll(c, coll, &delivered), MISSIVE_RESULT_PICKUP_DIRECTORY_NOT_SET);
    CHECK_EQ_INT(delivered, 0);
    /* ... and NETWORK without a host. */
    REQUIRE_OK(missive_client_set_delivery_method(c, MISSIVE_DELIVERY_METHOD_NETWORK));
    CHECK_RESULT(send_coll(c, coll, &delivered), MISSIVE_RESULT_HOST_NOT_SET);
    REQUIRE_OK(missive_client_set_host(c, S("127.0.0.1"))); /* loopback, closed port */
    REQUIRE_OK(missive_client_set_port(c, 1));
    CHECK_RESULT(send_coll(c, coll, &delivered), MISSIVE_RESULT_CONNECT_FAILED);
cleanup:
    missive_message_free(no_sender);
    missive_message_free(no_rcpt);
    missive_client_free(c);
    missive_message_collection_free(coll);
    harness_rmtree(dir);
}

static void test_null_arguments(void) {
    missive_message_collection *coll = missive_message_collection_new();
    REQUIRE(coll != NULL);
    CHECK_RESULT(missive_message_collection_add(coll, NULL), MISSIVE_RESULT_NULL_ARGUMENT);
    CHECK_EQ_INT(missive_message_collection_len(coll), 0);
    /* The error text on the collection names the NULL argument. */
    CHECK_CONTAINS(COLLECTION_ERROR(coll), "message");
    CHECK_CONTAINS(COLLECTION_ERROR(coll), "NULL");
cleanup:
    missive_message_collection_free(coll);
}

int main(void) {
    RUN(test_add_len_get);
    RUN(test_send_collection_of_three);
    RUN(test_send_empty_collection);
    RUN(test_partial_failure);
    RUN(test_total_failure_gives_first_code);
    RUN(test_null_arguments);
    return harness_finish();
}
