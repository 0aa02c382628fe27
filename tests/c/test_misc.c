/* Free functions: result texts, versions, the panic boundary. */
#include "harness.h"

#include <stdbool.h>
#include <stdint.h>

/* Every code of the header with its documented number (numbers are append-only, never reused). */
static const struct {
    missive_result code;
    int32_t number;
} all_codes[] = {
    {MISSIVE_RESULT_OK, 0},
    {MISSIVE_RESULT_NULL_ARGUMENT, 1},
    {MISSIVE_RESULT_INVALID_ARGUMENT, 2},
    {MISSIVE_RESULT_INVALID_UTF8, 3},
    {MISSIVE_RESULT_BUFFER_TOO_SMALL, 4},
    {MISSIVE_RESULT_PANIC, 5},
    {MISSIVE_RESULT_INDEX_OUT_OF_RANGE, 6},
    {MISSIVE_RESULT_NOT_FOUND, 7},
    {MISSIVE_RESULT_PENDING, 20},
    {MISSIVE_RESULT_CANCELLED, 21},
    {MISSIVE_RESULT_CONNECT_FAILED, 100},
    {MISSIVE_RESULT_TIMEOUT, 101},
    {MISSIVE_RESULT_TLS_FAILED, 102},
    {MISSIVE_RESULT_CERTIFICATE_INVALID, 103},
    {MISSIVE_RESULT_START_TLS_NOT_OFFERED, 104},
    {MISSIVE_RESULT_CONNECTION_LOST, 105},
    {MISSIVE_RESULT_OUTCOME_UNKNOWN, 106},
    {MISSIVE_RESULT_PROXY_FAILED, 110},
    {MISSIVE_RESULT_PROXY_REFUSED, 111},
    {MISSIVE_RESULT_PROXY_AUTH_FAILED, 112},
    {MISSIVE_RESULT_SERVER_REJECTED, 200},
    {MISSIVE_RESULT_AUTH_FAILED, 201},
    {MISSIVE_RESULT_AUTH_UNSUPPORTED, 202},
    {MISSIVE_RESULT_CREDENTIALS_REQUIRE_TLS, 203},
    {MISSIVE_RESULT_ALL_RECIPIENTS_REJECTED, 204},
    {MISSIVE_RESULT_SOME_RECIPIENTS_REJECTED, 205},
    {MISSIVE_RESULT_PROTOCOL_ERROR, 206},
    {MISSIVE_RESULT_SMTP_UTF8_NOT_SUPPORTED, 207},
    {MISSIVE_RESULT_MESSAGE_TOO_LARGE, 208},
    {MISSIVE_RESULT_TOKEN_PROVIDER_FAILED, 210},
    {MISSIVE_RESULT_FILE_NOT_FOUND, 300},
    {MISSIVE_RESULT_PERMISSION_DENIED, 301},
    {MISSIVE_RESULT_IO, 302},
    {MISSIVE_RESULT_MALFORMED_EML, 303},
    {MISSIVE_RESULT_TRUNCATED_EML, 304},
    {MISSIVE_RESULT_MESSAGE_TOO_COMPLEX, 305},
    {MISSIVE_RESULT_INVALID_ADDRESS, 400},
    {MISSIVE_RESULT_INVALID_HEADER, 401},
    {MISSIVE_RESULT_NO_SENDER, 402},
    {MISSIVE_RESULT_NO_RECIPIENTS, 403},
    {MISSIVE_RESULT_PICKUP_DIRECTORY_NOT_SET, 500},
    {MISSIVE_RESULT_HOST_NOT_SET, 501},
    {MISSIVE_RESULT_NETWORK_UNAVAILABLE, 502},
    {MISSIVE_RESULT_PARTIAL_FAILURE, 503},
    {MISSIVE_RESULT_QUEUE_DIRECTORY_NOT_SET, 550},
    {MISSIVE_RESULT_QUEUE_BUSY, 551},
    {MISSIVE_RESULT_QUEUE_SERVER_UNAVAILABLE, 552},
    {MISSIVE_RESULT_QUEUE_URL_INVALID, 553},
    {MISSIVE_RESULT_QUEUE_DATABASE_UNAVAILABLE, 554},
    {MISSIVE_RESULT_QUEUE_DATABASE_ERROR, 555},
    {MISSIVE_RESULT_UNKNOWN_TIME_ZONE, 600},
    {MISSIVE_RESULT_INCOMPLETE_APPOINTMENT, 601},
    {MISSIVE_RESULT_DKIM_KEY_INVALID, 700},
    {MISSIVE_RESULT_DKIM_SIGNER_INVALID, 701},
    {MISSIVE_RESULT_DKIM_SIGNING_FAILED, 702},
    {MISSIVE_RESULT_LIST_UNSUBSCRIBE_INVALID, 703},
};
#define N_CODES (sizeof all_codes / sizeof all_codes[0])

static void test_result_numbers_are_stable(void) {
    for (size_t i = 0; i < N_CODES; i++)
        CHECK_EQ_INT((int32_t)all_codes[i].code, all_codes[i].number);
}

/* The texts themselves are not part of the contract; what is: static, never NULL, one per code. */
static void test_result_str_every_code(void) {
    CHECK_STR_EQ(missive_result_str(MISSIVE_RESULT_OK), "ok");
    for (size_t i = 0; i < N_CODES; i++) {
        const char *s = missive_result_str(all_codes[i].code);
        REQUIRE(s != NULL);
        CHECK(s[0] != '\0');
        if (strcmp(s, "unknown result code") == 0)
            HARNESS_FAIL_AT(__FILE__, __LINE__, "code %d has no text", (int)all_codes[i].number);
        CHECK(missive_result_str(all_codes[i].code) == s); /* static: the same pointer */
    }
    for (size_t i = 0; i < N_CODES; i++)
        for (size_t j = i + 1; j < N_CODES; j++)
            CHECK(strcmp(missive_result_str(all_codes[i].code),
                         missive_result_str(all_codes[j].code)) != 0);
    CHECK_CONTAINS(missive_result_str(MISSIVE_RESULT_NULL_ARGUMENT), "NULL");
    CHECK_CONTAINS(missive_result_str(MISSIVE_RESULT_INVALID_UTF8), "UTF-8");
    CHECK_CONTAINS(missive_result_str(MISSIVE_RESULT_BUFFER_TOO_SMALL), "small");
    CHECK_CONTAINS(missive_result_str(MISSIVE_RESULT_PANIC), "panic");
    CHECK_CONTAINS(missive_result_str(MISSIVE_RESULT_TIMEOUT), "time");
cleanup:;
}

/* Negative and very large numbers, and every number below 1000 that this version of the header
 * does not define (codes are append-only, so later versions may define more: this table must list
 * every code the header has). */
static void test_result_str_unknown_codes(void) {
    const int32_t unknown[] = {-1, -5, 100000, 65535, INT32_MIN, INT32_MAX};
    for (size_t i = 0; i < sizeof unknown / sizeof unknown[0]; i++)
        CHECK_STR_EQ(missive_result_str(unknown[i]), "unknown result code");
    for (int32_t n = 0; n < 1000; n++) {
        bool known = false;
        for (size_t i = 0; i < N_CODES; i++)
            known = known || all_codes[i].number == n;
        if (!known && strcmp(missive_result_str(n), "unknown result code") != 0)
            HARNESS_FAIL_AT(__FILE__, __LINE__,
                            "missive_result_str(%d) is \"%s\", but the header has no code %d "
                            "(add it to all_codes)", (int)n, missive_result_str(n), (int)n);
    }
}

static void test_version_matches_header(void) {
    char expected[64];
    const char *v = missive_version();
    REQUIRE(v != NULL);
    snprintf(expected, sizeof expected, "%d.%d.%d", MISSIVE_VERSION_MAJOR, MISSIVE_VERSION_MINOR,
             MISSIVE_VERSION_PATCH);
    CHECK_STR_EQ(v, expected);
    CHECK_STR_EQ(v, MISSIVE_VERSION);
    CHECK(missive_version() == v);
cleanup:;
}

static void test_panic_is_caught(void) {
    fprintf(stderr, "(a panic message from missive_test_panic is expected below)\n");
    CHECK_RESULT(missive_test_panic(), MISSIVE_RESULT_PANIC);
    /* Again: the boundary keeps working after a caught panic. */
    CHECK_RESULT(missive_test_panic(), MISSIVE_RESULT_PANIC);
    /* And the rest of the library still works. */
    missive_message *m = missive_message_new();
    REQUIRE(m != NULL);
    CHECK_RESULT(missive_message_set_subject(m, S("after a panic")), MISSIVE_RESULT_OK);
cleanup:
    missive_message_free(m);
}

int main(void) {
    RUN(test_result_numbers_are_stable);
    RUN(test_result_str_every_code);
    RUN(test_result_str_unknown_codes);
    RUN(test_version_matches_header);
    RUN(test_panic_is_caught);
    return harness_finish();
}
