/*
 * Every function of include/missive.h with each pointer argument NULL in turn (everything else
 * valid), asserting the documented NULL behaviour: NULL_ARGUMENT for a missive_result, NULL / 0 /
 * false by return type, a no-op for _free. Text (NULL, 0) is the empty string; (NULL, n > 0) is
 * NULL_ARGUMENT. Optional pointers documented as "may be NULL" (out_result, out_code,
 * out_status, a log callback's userdata and userdata_free) are checked to be accepted as NULL.
 * A failed call writes no output: *out_len keeps its value (it is written only on OK and
 * BUFFER_TOO_SMALL), and *out_result stays NULL. CTest row null_sweep_complete checks that every
 * function of the header is called here.
 */
#include "harness.h"

#include <stdbool.h>
#include <stdint.h>

#define NA MISSIVE_RESULT_NULL_ARGUMENT
#define SENTINEL ((size_t)0x5eed)

static char dir[256];
static missive_message *m;              /* From, To, an attachment, an HTML body, a header */
static missive_client *client;           /* pickup delivery into dir */
static missive_message_collection *coll; /* one message */

static int setup(void) {
    if (harness_mkdtemp(dir, sizeof dir) != 0)
        return -1;
    m = missive_message_new();
    client = missive_client_new();
    coll = missive_message_collection_new();
    if (m == NULL || client == NULL || coll == NULL)
        return -1;
    if (missive_message_set_from(m, S("a@example.com")) != MISSIVE_RESULT_OK ||
        missive_message_add_recipients(m, 0, S("b@example.com")) != MISSIVE_RESULT_OK ||
        missive_message_set_html_body(m, S("<p>x</p>")) != MISSIVE_RESULT_OK ||
        missive_message_add_header(m, S("X-A"), S("v")) != MISSIVE_RESULT_OK ||
        missive_message_add_attachment(m, S("a.txt"), NULL, 0, (const uint8_t *)"abc", 3) !=
            MISSIVE_RESULT_OK ||
        missive_message_collection_add(coll, m) != MISSIVE_RESULT_OK ||
        missive_client_set_delivery_method(client, MISSIVE_DELIVERY_METHOD_PICKUP_DIRECTORY) !=
            MISSIVE_RESULT_OK ||
        missive_client_set_pickup_directory(client, dir, strlen(dir)) != MISSIVE_RESULT_OK)
        return -1;
    return 0;
}

static void teardown(void) {
    missive_message_free(m);
    missive_client_free(client);
    missive_message_collection_free(coll);
    harness_rmtree(dir);
}

/* ---- functions without pointer arguments ------------------------------------------------ */

static void test_no_pointer_functions(void) {
    missive_client *c = NULL;
    missive_message *msg = NULL;
    missive_message_collection *col = NULL;
    CHECK(missive_version() != NULL);
    CHECK(missive_result_str(MISSIVE_RESULT_NULL_ARGUMENT) != NULL);
    CHECK(missive_result_str(-12345) != NULL);
    CHECK_RESULT(missive_test_panic(), MISSIVE_RESULT_PANIC);
    c = missive_client_new();
    msg = missive_message_new();
    col = missive_message_collection_new();
    CHECK(c != NULL);
    CHECK(msg != NULL);
    CHECK(col != NULL);
    missive_client_free(c);
    missive_message_free(msg);
    missive_message_collection_free(col);
}

static void test_free_null_is_noop(void) {
    missive_client_free(NULL);
    missive_message_free(NULL);
    missive_message_collection_free(NULL);
    missive_bulk_result_free(NULL);
    missive_operation_free(NULL);
    CHECK(1); /* reaching here is the test */
}

/* ---- client ----------------------------------------------------------------------------- */

static void test_null_client(void) {
    char buf[64];
    size_t len = SENTINEL;

    CHECK_RESULT(missive_client_error(NULL, buf, sizeof buf, &len), NA);
    CHECK_EQ_INT(len, SENTINEL);
    CHECK_RESULT(missive_client_error(client, NULL, sizeof buf, &len), NA);
    CHECK_RESULT(missive_client_error(client, buf, sizeof buf, NULL), NA);
    CHECK_RESULT(missive_client_error(client, NULL, 0, &len), MISSIVE_RESULT_OK); /* asks */

    CHECK_RESULT(missive_client_set_host(NULL, S("smtp.example.com")), NA);
    CHECK_RESULT(missive_client_set_host(client, NULL, 4), NA);
    CHECK_RESULT(missive_client_set_host(client, NULL, 0), MISSIVE_RESULT_OK);

    CHECK_RESULT(missive_client_set_port(NULL, 25), NA);

    CHECK_RESULT(missive_client_set_username(NULL, S("user")), NA);
    CHECK_RESULT(missive_client_set_username(client, NULL, 4), NA);
    CHECK_RESULT(missive_client_set_username(client, NULL, 0), MISSIVE_RESULT_OK);

    CHECK_RESULT(missive_client_set_password(NULL, S("pass")), NA);
    CHECK_RESULT(missive_client_set_password(client, NULL, 4), NA);
    CHECK_RESULT(missive_client_set_password(client, NULL, 0), MISSIVE_RESULT_OK);

    CHECK_RESULT(missive_client_add_dkim_signer(NULL, S("example.com"), S("s"), B("pem"),
                                                MISSIVE_DKIM_ALGORITHM_RSA_SHA256, 0), NA);
    CHECK_RESULT(missive_client_add_dkim_signer(client, NULL, 3, S("s"), B("pem"),
                                                MISSIVE_DKIM_ALGORITHM_RSA_SHA256, 0), NA);
    CHECK_RESULT(missive_client_add_dkim_signer(client, S("example.com"), NULL, 1, B("pem"),
                                                MISSIVE_DKIM_ALGORITHM_RSA_SHA256, 0), NA);
    CHECK_RESULT(missive_client_add_dkim_signer(client, S("example.com"), S("s"), NULL, 3,
                                                MISSIVE_DKIM_ALGORITHM_RSA_SHA256, 0), NA);
    /* (NULL, 0) key: empty, so not a key. */
    CHECK_RESULT(missive_client_add_dkim_signer(client, S("example.com"), S("s"), NULL, 0,
                                                MISSIVE_DKIM_ALGORITHM_RSA_SHA256, 0),
                 MISSIVE_RESULT_DKIM_KEY_INVALID);
    CHECK_RESULT(missive_client_add_dkim_signer_file(NULL, S("example.com"), S("s"), S("/k.pem"),
                                                     MISSIVE_DKIM_ALGORITHM_RSA_SHA256, 0), NA);
    CHECK_RESULT(missive_client_add_dkim_signer_file(client, S("example.com"), S("s"), NULL, 6,
                                                     MISSIVE_DKIM_ALGORITHM_RSA_SHA256, 0), NA);
    CHECK_RESULT(missive_client_add_dkim_signer_file(client, S("example.com"), S("s"), NULL, 0,
                                                     MISSIVE_DKIM_ALGORITHM_RSA_SHA256, 0),
                 MISSIVE_RESULT_INVALID_ARGUMENT);
    CHECK_RESULT(missive_client_clear_dkim_signers(NULL), NA);
    CHECK_EQ_INT((int)missive_client_dkim_signer_count(NULL), 0);

    CHECK_RESULT(missive_client_set_security(NULL, MISSIVE_SECURITY_AUTO), NA);
    CHECK_RESULT(missive_client_set_delivery_method(NULL, MISSIVE_DELIVERY_METHOD_PICKUP_DIRECTORY), NA);

    CHECK_RESULT(missive_client_set_pickup_directory(NULL, dir, strlen(dir)), NA);
    CHECK_RESULT(missive_client_set_pickup_directory(client, NULL, 4), NA);

    CHECK_RESULT(missive_client_send(NULL, m, NULL), NA);
    CHECK_RESULT(missive_client_send(client, NULL, NULL), NA);

    {
        missive_bulk_result *bulk = NULL;
        CHECK_RESULT(missive_client_send_collection(NULL, coll, &bulk), NA);
        CHECK(bulk == NULL); /* outputs are written only when the call gets going */
        CHECK_RESULT(missive_client_send_collection(client, NULL, &bulk), NA);
        CHECK(bulk == NULL);
    }
    /* out_result is optional. */
    CHECK_RESULT(missive_client_send_collection(client, coll, NULL), MISSIVE_RESULT_OK);

    /* The client still works after all that. */
    CHECK_RESULT(missive_client_send(client, m, NULL), MISSIVE_RESULT_OK);

    /* (buf NULL, buf_len > 0): *out_len keeps its value. */
    len = SENTINEL;
    CHECK_RESULT(missive_client_error(client, NULL, 8, &len), NA);
    CHECK_EQ_INT(len, SENTINEL);
}

/* ---- client: SMTP settings and calls ------------------------------------------------------ */

static void dummy_log(void *userdata, int32_t direction, const char *line, size_t line_len) {
    (void)userdata;
    (void)direction;
    (void)line;
    (void)line_len;
}

static int dummy_frees;
static void dummy_free(void *userdata) {
    (void)userdata;
    dummy_frees++;
}

static void test_null_client_smtp_settings(void) {
    /* A scratch client: these settings must not disturb the shared pickup client. */
    missive_client *c = missive_client_new();
    REQUIRE(c != NULL);

    CHECK_RESULT(missive_client_set_url(NULL, S("smtp://127.0.0.1:1")), NA);
    CHECK_RESULT(missive_client_set_url(c, NULL, 5), NA);
    CHECK_RESULT(missive_client_set_url(c, NULL, 0), MISSIVE_RESULT_INVALID_ARGUMENT); /* "" */
    CHECK_RESULT(missive_client_set_url(c, S("smtp+plain://127.0.0.1:1")), MISSIVE_RESULT_OK);

    CHECK_RESULT(missive_client_set_oauth2_token(NULL, S("tok")), NA);
    CHECK_RESULT(missive_client_set_oauth2_token(c, NULL, 5), NA);
    CHECK_RESULT(missive_client_set_oauth2_token(c, NULL, 0), MISSIVE_RESULT_OK); /* removes */

    CHECK_RESULT(missive_client_set_auth_mechanism(NULL, MISSIVE_AUTH_MECHANISM_PLAIN), NA);
    CHECK_RESULT(missive_client_set_auth_mechanism(c, MISSIVE_AUTH_MECHANISM_SCRAM_SHA256),
                 MISSIVE_RESULT_OK);
    CHECK_RESULT(missive_client_set_auth_mechanism(c, 8), MISSIVE_RESULT_INVALID_ARGUMENT);

    CHECK_RESULT(missive_client_set_token_provider(NULL, NULL, NULL, NULL), NA);
    CHECK_RESULT(missive_client_set_token_provider(c, NULL, NULL, NULL), MISSIVE_RESULT_OK);

    CHECK_RESULT(missive_client_set_proxy(NULL, S("socks5://127.0.0.1:1080")), NA);
    CHECK_RESULT(missive_client_set_proxy(c, NULL, 5), NA);
    CHECK_RESULT(missive_client_set_proxy(c, NULL, 0), MISSIVE_RESULT_OK); /* removes */

    CHECK_RESULT(missive_client_set_client_name(NULL, S("client.example.com")), NA);
    CHECK_RESULT(missive_client_set_client_name(c, NULL, 5), NA);
    CHECK_RESULT(missive_client_set_client_name(c, NULL, 0), MISSIVE_RESULT_OK); /* default */

    CHECK_RESULT(missive_client_set_timeouts(NULL, 1000, 1000), NA);
    CHECK_RESULT(missive_client_set_total_timeout(NULL, 1000), NA);

    CHECK_RESULT(missive_client_set_ca_file(NULL, S("/nonexistent/ca.pem")), NA);
    CHECK_RESULT(missive_client_set_ca_file(c, NULL, 5), NA);
    CHECK_RESULT(missive_client_set_ca_file(c, NULL, 0), MISSIVE_RESULT_OK); /* removes */

    CHECK_RESULT(missive_client_set_client_certificate(NULL, S("c.pem"), S("c.key")), NA);
    CHECK_RESULT(missive_client_set_client_certificate(c, NULL, 5, S("c.key")), NA);
    CHECK_RESULT(missive_client_set_client_certificate(c, S("c.pem"), NULL, 5), NA);
    CHECK_RESULT(missive_client_set_client_certificate(c, NULL, 0, NULL, 0), MISSIVE_RESULT_OK);
    CHECK_RESULT(missive_client_set_client_certificate(c, NULL, 0, S("c.key")), MISSIVE_RESULT_INVALID_ARGUMENT);
    CHECK_RESULT(missive_client_set_client_certificate(c, S("c.pem"), NULL, 0), MISSIVE_RESULT_INVALID_ARGUMENT);

    CHECK_RESULT(missive_client_set_min_tls_version(NULL, MISSIVE_TLS_VERSION_TLS13), NA);
    CHECK_RESULT(missive_client_dangerous_accept_invalid_certs(NULL, true), NA);
    CHECK_RESULT(missive_client_set_pipelining(NULL, false), NA);
    CHECK_RESULT(missive_client_set_chunking(NULL, false), NA);
    CHECK_RESULT(missive_client_set_require_all_recipients(NULL, true), NA);

    /* The protocol log: NULL client; cb NULL removes; userdata and userdata_free may be NULL. */
    dummy_frees = 0;
    CHECK_RESULT(missive_client_set_protocol_log(NULL, dummy_log, &dummy_frees, dummy_free), NA);
    CHECK_RESULT(missive_client_set_protocol_log_connection_numbers(NULL, true), NA);
    CHECK_EQ_INT(dummy_frees, 0); /* refused: the library took no ownership */
    CHECK_RESULT(missive_client_set_protocol_log(c, dummy_log, NULL, NULL), MISSIVE_RESULT_OK);
    CHECK_RESULT(missive_client_set_protocol_log(c, dummy_log, &dummy_frees, NULL), MISSIVE_RESULT_OK);
    CHECK_RESULT(missive_client_set_protocol_log(c, NULL, NULL, NULL), MISSIVE_RESULT_OK);
    CHECK_RESULT(missive_client_set_protocol_log(c, dummy_log, &dummy_frees, dummy_free), MISSIVE_RESULT_OK);
    CHECK_EQ_INT(dummy_frees, 0);
    CHECK_RESULT(missive_client_set_protocol_log(c, NULL, NULL, NULL), MISSIVE_RESULT_OK);
    CHECK_EQ_INT(dummy_frees, 1); /* replaced: freed once */

    /* The calls that talk to the server, with a NULL client. */
    CHECK_RESULT(missive_client_noop(NULL), NA);
    CHECK_RESULT(missive_client_validate_credentials(NULL), NA);
    CHECK_RESULT(missive_client_close(NULL), NA);
    CHECK_RESULT(missive_client_close(c), MISSIVE_RESULT_OK); /* nothing to close */
cleanup:
    missive_client_free(c);
}

static void test_null_client_capabilities(void) {
    char buf[64];
    size_t len = SENTINEL;
    /* Port 1 on the loopback: nothing listens, so a call that got past its argument checks
     * would fail with CONNECT_FAILED instead of NULL_ARGUMENT. */
    missive_client *c = missive_client_new();
    REQUIRE(c != NULL);
    REQUIRE_OK(missive_client_set_url(c, S("smtp+plain://127.0.0.1:1")));
    CHECK_RESULT(missive_client_capabilities(NULL, buf, sizeof buf, &len), NA);
    CHECK_EQ_INT(len, SENTINEL);
    CHECK_RESULT(missive_client_capabilities(c, buf, sizeof buf, NULL), NA);
    /* Argument errors come before any network I/O. */
    CHECK_RESULT(missive_client_capabilities(c, NULL, sizeof buf, &len), NA);
    CHECK_EQ_INT(len, SENTINEL);
    CHECK_RESULT(missive_client_capabilities(c, NULL, 0, &len), MISSIVE_RESULT_CONNECT_FAILED);
    CHECK_EQ_INT(len, SENTINEL);
cleanup:
    missive_client_free(c);
}

static void test_null_client_send_raw(void) {
    static const char data[] = "Subject: raw\r\n\r\nbody\r\n";
    missive_send_result *res = NULL;

    CHECK_RESULT(missive_client_send_raw(NULL, S("a@example.com"), S("b@example.com"), B(data), &res), NA);
    CHECK(res == NULL);
    CHECK_RESULT(missive_client_send_raw(client, NULL, 5, S("b@example.com"), B(data), &res), NA);
    CHECK(res == NULL);
    CHECK_RESULT(missive_client_send_raw(client, S("a@example.com"), NULL, 5, B(data), &res), NA);
    CHECK(res == NULL);
    CHECK_RESULT(missive_client_send_raw(client, S("a@example.com"), S("b@example.com"), NULL, 5, &res), NA);
    CHECK(res == NULL);
    /* (NULL, 0) recipients: an empty list. */
    CHECK_RESULT(missive_client_send_raw(client, S("a@example.com"), NULL, 0, B(data), &res),
                 MISSIVE_RESULT_NO_RECIPIENTS);
    CHECK(res == NULL);
    /* (NULL, 0) mail_from is the null sender; out_result may be NULL. */
    CHECK_RESULT(missive_client_send_raw(client, NULL, 0, S("b@example.com"), B(data), NULL), MISSIVE_RESULT_OK);
    /* And with a result. */
    CHECK_RESULT(missive_client_send_raw(client, S("a@example.com"), S("b@example.com"), B(data), &res),
                 MISSIVE_RESULT_OK);
    CHECK(res != NULL);
    CHECK(missive_send_result_delivered(res));
    missive_send_result_free(res);

    /* missive_client_send: a NULL message makes no result. */
    res = NULL;
    CHECK_RESULT(missive_client_send(client, NULL, &res), NA);
    CHECK(res == NULL);
    CHECK_RESULT(missive_client_send(NULL, m, &res), NA);
    CHECK(res == NULL);
}

/* ---- send results ------------------------------------------------------------------------- */

static void test_null_send_result(void) {
    char buf[64];
    size_t len = SENTINEL;
    uint16_t code = 777;
    missive_send_result *res = NULL;
    int r;

    /* Freeing NULL is a no-op. */
    missive_send_result_free(NULL);

    /* A pickup delivery's result: one accepted recipient, none refused. */
    REQUIRE_OK(missive_client_send(client, m, &res));
    REQUIRE(res != NULL);

    CHECK(!missive_send_result_delivered(NULL));
    CHECK(missive_send_result_delivered(res));
    CHECK(!missive_send_result_is_transient(NULL));
    CHECK(!missive_send_result_outcome_unknown(NULL));
    CHECK_EQ_INT(missive_send_result_reply_code(NULL), 0);
    CHECK_RESULT(missive_send_result_code(NULL), NA);
    CHECK_RESULT(missive_send_result_code(res), MISSIVE_RESULT_OK);
    CHECK_EQ_INT(missive_send_result_accepted_count(NULL), 0);
    CHECK_EQ_INT(missive_send_result_accepted_count(res), 1);
    CHECK_EQ_INT(missive_send_result_rejected_count(NULL), 0);
    CHECK_EQ_INT(missive_send_result_rejected_count(res), 0);

    len = SENTINEL;
    CHECK_RESULT(missive_send_result_text(NULL, MISSIVE_SEND_RESULT_FIELD_PICKUP_PATH, buf, sizeof buf, &len), NA);
    CHECK_EQ_INT(len, SENTINEL);
    CHECK_RESULT(missive_send_result_text(res, MISSIVE_SEND_RESULT_FIELD_PICKUP_PATH, NULL, sizeof buf, &len), NA);
    CHECK_EQ_INT(len, SENTINEL);
    CHECK_RESULT(missive_send_result_text(res, MISSIVE_SEND_RESULT_FIELD_PICKUP_PATH, buf, sizeof buf, NULL), NA);
    CHECK_RESULT(missive_send_result_text(res, MISSIVE_SEND_RESULT_FIELD_PICKUP_PATH, NULL, 0, &len), MISSIVE_RESULT_OK);
    CHECK(len != SENTINEL && len > 1);

    len = SENTINEL;
    CHECK_RESULT(missive_send_result_accepted(NULL, 0, buf, sizeof buf, &len), NA);
    CHECK_EQ_INT(len, SENTINEL);
    CHECK_RESULT(missive_send_result_accepted(res, 0, NULL, sizeof buf, &len), NA);
    CHECK_EQ_INT(len, SENTINEL);
    CHECK_RESULT(missive_send_result_accepted(res, 0, buf, sizeof buf, NULL), NA);
    CHECK_RESULT(missive_send_result_accepted(res, 0, NULL, 0, &len), MISSIVE_RESULT_OK);
    CHECK_EQ_INT(len, strlen("b@example.com") + 1);

    /* No refused recipient here (test_smtp checks buf/out_len NULL with one): NULL result is
     * NULL_ARGUMENT; with a NULL out pointer and index 0 either complaint is right. */
    len = SENTINEL;
    CHECK_RESULT(missive_send_result_rejected(NULL, 0, buf, sizeof buf, &len, &code), NA);
    CHECK_EQ_INT(len, SENTINEL);
    CHECK_EQ_INT(code, 777);
    r = missive_send_result_rejected(res, 0, buf, sizeof buf, NULL, &code);
    CHECK(r == NA || r == MISSIVE_RESULT_INDEX_OUT_OF_RANGE);
    r = missive_send_result_rejected(res, 0, NULL, sizeof buf, &len, NULL);
    CHECK(r == NA || r == MISSIVE_RESULT_INDEX_OUT_OF_RANGE);
    CHECK_EQ_INT(len, SENTINEL);
    CHECK_RESULT(missive_send_result_rejected(res, 0, buf, sizeof buf, &len, NULL),
                 MISSIVE_RESULT_INDEX_OUT_OF_RANGE);
    CHECK_EQ_INT(code, 777);

    CHECK_RESULT(missive_send_result_rejected_reply(NULL, 0, buf, sizeof buf, &len), NA);
    CHECK_EQ_INT(len, SENTINEL);
    r = missive_send_result_rejected_reply(res, 0, buf, sizeof buf, NULL);
    CHECK(r == NA || r == MISSIVE_RESULT_INDEX_OUT_OF_RANGE);
    r = missive_send_result_rejected_reply(res, 0, NULL, sizeof buf, &len);
    CHECK(r == NA || r == MISSIVE_RESULT_INDEX_OUT_OF_RANGE);
    CHECK_EQ_INT(len, SENTINEL);

    /* A delivered send's detail is empty: just the NUL. */
    len = SENTINEL;
    CHECK_RESULT(missive_send_result_detail(NULL, buf, sizeof buf, &len), NA);
    CHECK_EQ_INT(len, SENTINEL);
    CHECK_RESULT(missive_send_result_detail(res, NULL, sizeof buf, &len), NA);
    CHECK_EQ_INT(len, SENTINEL);
    CHECK_RESULT(missive_send_result_detail(res, buf, sizeof buf, NULL), NA);
    CHECK_RESULT(missive_send_result_detail(res, NULL, 0, &len), MISSIVE_RESULT_OK);
    CHECK_EQ_INT(len, 1);
    CHECK_RESULT(missive_send_result_detail(res, buf, sizeof buf, &len), MISSIVE_RESULT_OK);
    CHECK_STR_EQ(buf, "");
    len = SENTINEL;

    CHECK_RESULT(missive_send_result_error(NULL, buf, sizeof buf, &len), NA);
    CHECK_EQ_INT(len, SENTINEL);
    CHECK_RESULT(missive_send_result_error(res, NULL, sizeof buf, &len), NA);
    CHECK_EQ_INT(len, SENTINEL);
    CHECK_RESULT(missive_send_result_error(res, buf, sizeof buf, NULL), NA);
    CHECK_RESULT(missive_send_result_error(res, NULL, 0, &len), MISSIVE_RESULT_OK);
cleanup:
    missive_send_result_free(res);
}

/* ---- collection ------------------------------------------------------------------------- */

static void test_null_collection(void) {
    char buf[64];
    size_t len = SENTINEL;
    CHECK_RESULT(missive_message_collection_add(NULL, m), NA);
    CHECK_RESULT(missive_message_collection_add(coll, NULL), NA);
    CHECK_EQ_INT(missive_message_collection_len(coll), 1);
    CHECK_EQ_INT(missive_message_collection_len(NULL), 0);
    CHECK(missive_message_collection_get(NULL, 0) == NULL);
    CHECK(missive_message_collection_get(coll, 0) != NULL);
    CHECK_RESULT(missive_message_collection_error(NULL, buf, sizeof buf, &len), NA);
    CHECK_EQ_INT(len, SENTINEL);
    CHECK_RESULT(missive_message_collection_error(coll, NULL, sizeof buf, &len), NA);
    CHECK_RESULT(missive_message_collection_error(coll, buf, sizeof buf, NULL), NA);
    CHECK_RESULT(missive_message_collection_error(coll, NULL, 0, &len), MISSIVE_RESULT_OK);
    len = SENTINEL;
    CHECK_RESULT(missive_message_collection_error(coll, NULL, 8, &len), NA);
    CHECK_EQ_INT(len, SENTINEL);
}

/* ---- message: lifecycle, load and save -------------------------------------------------- */

static void test_null_message_lifecycle(void) {
    static const char eml[] = "From: a@b.c\r\nTo: d@e.f\r\nSubject: s\r\n\r\nbody\r\n";
    char path[512], buf[64];
    size_t len = SENTINEL;
    missive_message *scratch = missive_message_new();
    REQUIRE(scratch != NULL);
    snprintf(path, sizeof path, "%s/null-sweep.eml", dir);
    REQUIRE(harness_write_file(path, eml, sizeof eml - 1) == 0);

    CHECK(missive_message_clone(NULL) == NULL);

    CHECK_RESULT(missive_message_error(NULL, buf, sizeof buf, &len), NA);
    CHECK_EQ_INT(len, SENTINEL);
    CHECK_RESULT(missive_message_error(m, NULL, sizeof buf, &len), NA);
    CHECK_RESULT(missive_message_error(m, buf, sizeof buf, NULL), NA);

    CHECK_RESULT(missive_message_load_file(NULL, path, strlen(path)), NA);
    CHECK_RESULT(missive_message_load_file(scratch, NULL, 5), NA);
    CHECK_RESULT(missive_message_load_file(scratch, path, strlen(path)), MISSIVE_RESULT_OK);

    CHECK_RESULT(missive_message_load_bytes(NULL, (const uint8_t *)eml, sizeof eml - 1), NA);
    CHECK_RESULT(missive_message_load_bytes(scratch, NULL, 5), NA);

    CHECK_RESULT(missive_message_set_strict_loading(NULL, true), NA);
    CHECK_RESULT(missive_message_set_strict_loading(NULL, false), NA);
    CHECK_RESULT(missive_message_set_strict_loading(scratch, true), MISSIVE_RESULT_OK);
    CHECK_RESULT(missive_message_load_bytes(scratch, (const uint8_t *)eml, sizeof eml - 1),
                 MISSIVE_RESULT_OK);

    snprintf(path, sizeof path, "%s/null-sweep-out.eml", dir);
    CHECK_RESULT(missive_message_save_file(NULL, path, strlen(path)), NA);
    CHECK_RESULT(missive_message_save_file(m, NULL, 5), NA);
    CHECK_RESULT(missive_message_save_file(m, path, strlen(path)), MISSIVE_RESULT_OK);

    len = SENTINEL;
    CHECK_RESULT(missive_message_save_buffer(NULL, (uint8_t *)buf, sizeof buf, &len), NA);
    CHECK_EQ_INT(len, SENTINEL);
    CHECK_RESULT(missive_message_save_buffer(m, NULL, sizeof buf, &len), NA);
    CHECK_RESULT(missive_message_save_buffer(m, (uint8_t *)buf, sizeof buf, NULL), NA);
    CHECK_RESULT(missive_message_save_buffer(m, NULL, 0, &len), MISSIVE_RESULT_OK);
cleanup:
    missive_message_free(scratch);
}

/* ---- message: a pickup file's envelope ------------------------------------------------- */

static void test_null_message_envelope(void) {
    static const char pickup[] = "X-Sender: a@b.c\r\nX-Receiver: d@e.f\r\n"
                                 "From: a@b.c\r\nTo: d@e.f\r\nSubject: s\r\n\r\nbody\r\n";
    char path[512], buf[64];
    size_t len = SENTINEL;
    missive_message *scratch = missive_message_new();
    REQUIRE(scratch != NULL);
    snprintf(path, sizeof path, "%s/null-sweep-pickup.eml", dir);
    REQUIRE(harness_write_file(path, pickup, sizeof pickup - 1) == 0);

    CHECK_RESULT(missive_message_load_pickup_file(NULL, path, strlen(path)), NA);
    CHECK_RESULT(missive_message_load_pickup_file(scratch, NULL, 5), NA);
    CHECK_EQ_INT(missive_message_envelope_recipient_count(scratch), 0);
    CHECK_RESULT(missive_message_load_pickup_file(scratch, path, strlen(path)),
                 MISSIVE_RESULT_OK);

    memset(buf, 'q', sizeof buf);
    CHECK_RESULT(missive_message_envelope_sender(NULL, buf, sizeof buf, &len), NA);
    CHECK_EQ_INT(len, SENTINEL);
    CHECK_RESULT(missive_message_envelope_sender(scratch, NULL, sizeof buf, &len), NA);
    CHECK_EQ_INT(len, SENTINEL);
    CHECK_RESULT(missive_message_envelope_sender(scratch, buf, sizeof buf, NULL), NA);
    CHECK(buf[0] == 'q');
    CHECK_RESULT(missive_message_envelope_sender(scratch, NULL, 0, &len), MISSIVE_RESULT_OK);
    CHECK_EQ_INT(len, sizeof "a@b.c");

    CHECK_EQ_INT(missive_message_envelope_recipient_count(NULL), 0);
    CHECK_EQ_INT(missive_message_envelope_recipient_count(scratch), 1);

    len = SENTINEL;
    CHECK_RESULT(missive_message_envelope_recipient(NULL, 0, buf, sizeof buf, &len), NA);
    CHECK_EQ_INT(len, SENTINEL);
    CHECK_RESULT(missive_message_envelope_recipient(scratch, 0, NULL, sizeof buf, &len), NA);
    CHECK_EQ_INT(len, SENTINEL);
    CHECK_RESULT(missive_message_envelope_recipient(scratch, 0, buf, sizeof buf, NULL), NA);
    CHECK(buf[0] == 'q');
    CHECK_RESULT(missive_message_envelope_recipient(scratch, 0, NULL, 0, &len),
                 MISSIVE_RESULT_OK);
    CHECK_EQ_INT(len, sizeof "d@e.f");

    CHECK_RESULT(missive_message_clear_envelope(NULL), NA);
    CHECK_RESULT(missive_message_clear_envelope(scratch), MISSIVE_RESULT_OK);
    CHECK_EQ_INT(missive_message_envelope_recipient_count(scratch), 0);
cleanup:
    missive_message_free(scratch);
}

/* ---- message: getters with (handle, buf, buf_len, out_len) ------------------------------ */


static void test_null_message_getters(void) {
    char buf[64];
    size_t len = SENTINEL;

    /* missive_message_from */
    len = SENTINEL;
    memset(buf, 'q', sizeof buf);
    CHECK_RESULT(missive_message_from(NULL, buf, sizeof buf, &len), NA);
    CHECK_EQ_INT(len, SENTINEL);
    CHECK_RESULT(missive_message_from(m, NULL, sizeof buf, &len), NA);
    CHECK_RESULT(missive_message_from(m, buf, sizeof buf, NULL), NA);
    CHECK(buf[0] == 'q');
    CHECK_RESULT(missive_message_from(m, NULL, 0, &len), MISSIVE_RESULT_OK);
    /* missive_message_subject */
    len = SENTINEL;
    memset(buf, 'q', sizeof buf);
    CHECK_RESULT(missive_message_subject(NULL, buf, sizeof buf, &len), NA);
    CHECK_EQ_INT(len, SENTINEL);
    CHECK_RESULT(missive_message_subject(m, NULL, sizeof buf, &len), NA);
    CHECK_RESULT(missive_message_subject(m, buf, sizeof buf, NULL), NA);
    CHECK(buf[0] == 'q');
    CHECK_RESULT(missive_message_subject(m, NULL, 0, &len), MISSIVE_RESULT_OK);
    /* missive_message_body */
    len = SENTINEL;
    memset(buf, 'q', sizeof buf);
    CHECK_RESULT(missive_message_body(NULL, buf, sizeof buf, &len), NA);
    CHECK_EQ_INT(len, SENTINEL);
    CHECK_RESULT(missive_message_body(m, NULL, sizeof buf, &len), NA);
    CHECK_RESULT(missive_message_body(m, buf, sizeof buf, NULL), NA);
    CHECK(buf[0] == 'q');
    CHECK_RESULT(missive_message_body(m, NULL, 0, &len), MISSIVE_RESULT_OK);
    /* missive_message_html_body */
    len = SENTINEL;
    memset(buf, 'q', sizeof buf);
    CHECK_RESULT(missive_message_html_body(NULL, buf, sizeof buf, &len), NA);
    CHECK_EQ_INT(len, SENTINEL);
    CHECK_RESULT(missive_message_html_body(m, NULL, sizeof buf, &len), NA);
    CHECK_RESULT(missive_message_html_body(m, buf, sizeof buf, NULL), NA);
    CHECK(buf[0] == 'q');
    CHECK_RESULT(missive_message_html_body(m, NULL, 0, &len), MISSIVE_RESULT_OK);
    /* missive_message_message_id */
    len = SENTINEL;
    memset(buf, 'q', sizeof buf);
    CHECK_RESULT(missive_message_message_id(NULL, buf, sizeof buf, &len), NA);
    CHECK_EQ_INT(len, SENTINEL);
    CHECK_RESULT(missive_message_message_id(m, NULL, sizeof buf, &len), NA);
    CHECK_RESULT(missive_message_message_id(m, buf, sizeof buf, NULL), NA);
    CHECK(buf[0] == 'q');
    CHECK_RESULT(missive_message_message_id(m, NULL, 0, &len), MISSIVE_RESULT_OK);

    len = SENTINEL;

    CHECK_RESULT(missive_message_recipient(NULL, 0, 0, buf, sizeof buf, &len), NA);
    CHECK_EQ_INT(len, SENTINEL);
    CHECK_RESULT(missive_message_recipient(m, 0, 0, NULL, sizeof buf, &len), NA);
    CHECK_RESULT(missive_message_recipient(m, 0, 0, buf, sizeof buf, NULL), NA);
    CHECK_RESULT(missive_message_recipient(m, 0, 0, NULL, 0, &len), MISSIVE_RESULT_OK);

    len = SENTINEL;
    CHECK_RESULT(missive_message_header(NULL, S("X-A"), buf, sizeof buf, &len), NA);
    CHECK_EQ_INT(len, SENTINEL);
    CHECK_RESULT(missive_message_header(m, NULL, 3, buf, sizeof buf, &len), NA);
    CHECK_RESULT(missive_message_header(m, S("X-A"), NULL, sizeof buf, &len), NA);
    CHECK_RESULT(missive_message_header(m, S("X-A"), buf, sizeof buf, NULL), NA);
    CHECK_RESULT(missive_message_header(m, S("X-A"), NULL, 0, &len), MISSIVE_RESULT_OK);
    /* (NULL, 0) is the empty name: a header the message lacks. */
    CHECK_RESULT(missive_message_header(m, NULL, 0, buf, sizeof buf, &len), MISSIVE_RESULT_NOT_FOUND);

    len = SENTINEL;
    CHECK_RESULT(missive_message_part_field(NULL, 0, 0, 0, (uint8_t *)buf, sizeof buf, &len), NA);
    CHECK_EQ_INT(len, SENTINEL);
    CHECK_RESULT(missive_message_part_field(m, 0, 0, 0, NULL, sizeof buf, &len), NA);
    CHECK_RESULT(missive_message_part_field(m, 0, 0, 0, (uint8_t *)buf, sizeof buf, NULL), NA);
    CHECK_RESULT(missive_message_part_field(m, 0, 0, 0, NULL, 0, &len), MISSIVE_RESULT_OK);

    /* missive_message_load_warnings (a composed message has none: the empty string) */
    len = SENTINEL;
    memset(buf, 'q', sizeof buf);
    CHECK_RESULT(missive_message_load_warnings(NULL, buf, sizeof buf, &len), NA);
    CHECK_EQ_INT(len, SENTINEL);
    CHECK_RESULT(missive_message_load_warnings(m, NULL, sizeof buf, &len), NA);
    CHECK_RESULT(missive_message_load_warnings(m, buf, sizeof buf, NULL), NA);
    CHECK(buf[0] == 'q');
    CHECK_RESULT(missive_message_load_warnings(m, NULL, 0, &len), MISSIVE_RESULT_OK);
    CHECK_EQ_INT(len, 1);

    CHECK_EQ_INT(missive_message_recipient_count(NULL, 0), 0);
    CHECK_EQ_INT(missive_message_recipient_count(m, 0), 1);
    CHECK_EQ_INT(missive_message_part_count(NULL, 0), 0);
    CHECK_EQ_INT(missive_message_part_count(m, 0), 1);
    CHECK(!missive_message_is_body_html(NULL));
    CHECK(missive_message_is_body_html(m));
    CHECK(!missive_message_needs_smtputf8(NULL));

    /* (buf NULL, buf_len > 0) is NULL_ARGUMENT, and *out_len is written only on OK and
     * BUFFER_TOO_SMALL: it keeps its value. Every size-then-fill getter of a message. */
    len = SENTINEL;
    CHECK_RESULT(missive_message_subject(m, NULL, 8, &len), NA);
    CHECK_EQ_INT(len, SENTINEL);
    CHECK_RESULT(missive_message_from(m, NULL, 8, &len), NA);
    CHECK_EQ_INT(len, SENTINEL);
    CHECK_RESULT(missive_message_body(m, NULL, 8, &len), NA);
    CHECK_EQ_INT(len, SENTINEL);
    CHECK_RESULT(missive_message_html_body(m, NULL, 8, &len), NA);
    CHECK_EQ_INT(len, SENTINEL);
    CHECK_RESULT(missive_message_message_id(m, NULL, 8, &len), NA);
    CHECK_EQ_INT(len, SENTINEL);
    CHECK_RESULT(missive_message_recipient(m, 0, 0, NULL, 8, &len), NA);
    CHECK_EQ_INT(len, SENTINEL);
    CHECK_RESULT(missive_message_header(m, S("X-A"), NULL, 8, &len), NA);
    CHECK_EQ_INT(len, SENTINEL);
    CHECK_RESULT(missive_message_part_field(m, 0, 0, 0, NULL, 8, &len), NA);
    CHECK_EQ_INT(len, SENTINEL);
    CHECK_RESULT(missive_message_save_buffer(m, NULL, 8, &len), NA);
    CHECK_EQ_INT(len, SENTINEL);
    CHECK_RESULT(missive_message_error(m, NULL, 8, &len), NA);
    CHECK_EQ_INT(len, SENTINEL);
    CHECK_RESULT(missive_message_load_warnings(m, NULL, 8, &len), NA);
    CHECK_EQ_INT(len, SENTINEL);
}

/* ---- message: setters ------------------------------------------------------------------- */

static void test_null_message_setters(void) {
    missive_message *t = missive_message_new();
    REQUIRE(t != NULL);

    CHECK_RESULT(missive_message_set_from(NULL, S("a@b.c")), NA);
    CHECK_RESULT(missive_message_set_from(t, NULL, 5), NA);
    /* (NULL, 0) is the empty string: not an address. */
    CHECK_RESULT(missive_message_set_from(t, NULL, 0), MISSIVE_RESULT_INVALID_ADDRESS);

    CHECK_RESULT(missive_message_set_sender(NULL, S("a@b.c")), NA);
    CHECK_RESULT(missive_message_set_sender(t, NULL, 5), NA);
    CHECK_RESULT(missive_message_set_sender(t, NULL, 0), MISSIVE_RESULT_OK);

    CHECK_RESULT(missive_message_add_recipients(NULL, 0, S("a@b.c")), NA);
    CHECK_RESULT(missive_message_add_recipients(t, 0, NULL, 5), NA);
    CHECK_RESULT(missive_message_clear_recipients(NULL, 0), NA);

    CHECK_RESULT(missive_message_set_list_unsubscribe(NULL, S("https://e.com/u"), NULL, 0, true), NA);
    CHECK_RESULT(missive_message_set_list_unsubscribe(t, NULL, 5, NULL, 0, false), NA);
    CHECK_RESULT(missive_message_set_list_unsubscribe(t, NULL, 0, NULL, 3, false), NA);
    CHECK_RESULT(missive_message_set_list_unsubscribe(t, NULL, 0, NULL, 0, false), MISSIVE_RESULT_OK);
    CHECK_RESULT(missive_message_set_subject(NULL, S("s")), NA);
    CHECK_RESULT(missive_message_set_subject(t, NULL, 5), NA);
    CHECK_RESULT(missive_message_set_subject(t, NULL, 0), MISSIVE_RESULT_OK);

    CHECK_RESULT(missive_message_set_body(NULL, S("b")), NA);
    CHECK_RESULT(missive_message_set_body(t, NULL, 5), NA);
    CHECK_RESULT(missive_message_set_body(t, NULL, 0), MISSIVE_RESULT_OK);

    CHECK_RESULT(missive_message_set_html_body(NULL, S("<p>")), NA);
    CHECK_RESULT(missive_message_set_html_body(t, NULL, 5), NA);
    CHECK_RESULT(missive_message_set_html_body(t, NULL, 0), MISSIVE_RESULT_OK);

    CHECK_RESULT(missive_message_set_is_body_html(NULL, true), NA);

    CHECK_RESULT(missive_message_add_alternate_view(NULL, S("text/plain"), NULL, 0, (const uint8_t *)"x", 1), NA);
    CHECK_RESULT(missive_message_add_alternate_view(t, NULL, 5, NULL, 0, (const uint8_t *)"x", 1), NA);
    CHECK_RESULT(missive_message_add_alternate_view(t, S("text/plain"), NULL, 5, (const uint8_t *)"x", 1), NA);
    CHECK_RESULT(missive_message_add_alternate_view(t, S("text/plain"), NULL, 0, NULL, 5), NA);
    CHECK_RESULT(missive_message_add_alternate_view(t, S("text/plain"), NULL, 0, NULL, 0), MISSIVE_RESULT_OK);

    CHECK_RESULT(missive_message_add_attachment(NULL, S("a.txt"), NULL, 0, (const uint8_t *)"x", 1), NA);
    CHECK_RESULT(missive_message_add_attachment(t, NULL, 5, NULL, 0, (const uint8_t *)"x", 1), NA);
    CHECK_RESULT(missive_message_add_attachment(t, S("a.txt"), NULL, 5, (const uint8_t *)"x", 1), NA);
    CHECK_RESULT(missive_message_add_attachment(t, S("a.txt"), NULL, 0, NULL, 5), NA);

    CHECK_RESULT(missive_message_add_attachment_file(NULL, S("/etc/hostname"), NULL, 0, NULL, 0), NA);
    CHECK_RESULT(missive_message_add_attachment_file(t, NULL, 5, NULL, 0, NULL, 0), NA);
    CHECK_RESULT(missive_message_add_attachment_file(t, S("/etc/hostname"), NULL, 5, NULL, 0), NA);
    CHECK_RESULT(missive_message_add_attachment_file(t, S("/etc/hostname"), NULL, 0, NULL, 5), NA);

    CHECK_RESULT(missive_message_add_inline_resource(NULL, S("c@x"), NULL, 0, NULL, 0, (const uint8_t *)"x", 1), NA);
    CHECK_RESULT(missive_message_add_inline_resource(t, NULL, 5, NULL, 0, NULL, 0, (const uint8_t *)"x", 1), NA);
    CHECK_RESULT(missive_message_add_inline_resource(t, S("c@x"), NULL, 5, NULL, 0, (const uint8_t *)"x", 1), NA);
    CHECK_RESULT(missive_message_add_inline_resource(t, S("c@x"), NULL, 0, NULL, 5, (const uint8_t *)"x", 1), NA);
    CHECK_RESULT(missive_message_add_inline_resource(t, S("c@x"), NULL, 0, NULL, 0, NULL, 5), NA);
    CHECK_RESULT(missive_message_add_inline_resource(t, S("c@x"), NULL, 0, NULL, 0, NULL, 0), MISSIVE_RESULT_OK);

    CHECK_RESULT(missive_message_add_header(NULL, S("X-A"), S("v")), NA);
    CHECK_RESULT(missive_message_add_header(t, NULL, 5, S("v")), NA);
    CHECK_RESULT(missive_message_add_header(t, S("X-A"), NULL, 5), NA);

    CHECK_RESULT(missive_message_set_priority(NULL, MISSIVE_PRIORITY_HIGH), NA);
    CHECK_RESULT(missive_message_set_date(NULL, 0, 0), NA);

    CHECK_RESULT(missive_message_set_message_id(NULL, S("a@b")), NA);
    CHECK_RESULT(missive_message_set_message_id(t, NULL, 5), NA);
    CHECK_RESULT(missive_message_set_message_id(t, NULL, 0), MISSIVE_RESULT_OK);

    CHECK_RESULT(missive_message_set_delivery_notification(NULL, 0, 0, NULL, 0), NA);
    CHECK_RESULT(missive_message_set_delivery_notification(t, 0, 0, NULL, 5), NA);

    /* None of the NULL_ARGUMENT calls changed anything. */
    CHECK_EQ_INT(missive_message_recipient_count(t, 0), 0);
    CHECK_EQ_INT(missive_message_part_count(t, MISSIVE_PART_KIND_ATTACHMENT), 0);
    CHECK(!missive_message_is_body_html(t));
cleanup:
    missive_message_free(t);
}

/* ---- forward and queue (missive_client_forward*, _queue*) ------------------------------- */

static int64_t null_read_cb(void *userdata, uint8_t *buf, size_t len) {
    (void)userdata;
    (void)buf;
    (void)len;
    return 0;
}

static void test_null_forward_and_queue(void) {
    missive_send_result *res = NULL;
    missive_queue_drain_counts drain;
    missive_queue_counts counts;
    size_t n = SENTINEL;

    CHECK_RESULT(missive_client_set_forward_sender(NULL, S("a@example.com")), NA);
    CHECK_RESULT(missive_client_set_forward_sender(client, NULL, 3), NA);
    CHECK_RESULT(missive_client_set_forward_sender(client, NULL, 0), MISSIVE_RESULT_OK);

    CHECK_RESULT(missive_client_forward(NULL, m, MISSIVE_FORWARD_MODE_REDIRECT, S("c@example.com"), &res), NA);
    CHECK(res == NULL);
    CHECK_RESULT(missive_client_forward(client, NULL, MISSIVE_FORWARD_MODE_REDIRECT, S("c@example.com"), &res), NA);
    CHECK(res == NULL);
    CHECK_RESULT(missive_client_forward(client, m, MISSIVE_FORWARD_MODE_REDIRECT, NULL, 4, &res), NA);
    CHECK(res == NULL);
    CHECK_RESULT(missive_client_forward(client, m, MISSIVE_FORWARD_MODE_REDIRECT, NULL, 0, &res),
                 MISSIVE_RESULT_NO_RECIPIENTS);
    CHECK(res == NULL);

    CHECK_RESULT(missive_client_forward_file(NULL, S("x.eml"), S("a@example.com"), S("c@example.com"), &res), NA);
    CHECK_RESULT(missive_client_forward_file(client, NULL, 5, S("a@example.com"), S("c@example.com"), &res), NA);
    CHECK_RESULT(missive_client_forward_file(client, S("x.eml"), NULL, 5, S("c@example.com"), &res), NA);
    CHECK_RESULT(missive_client_forward_file(client, S("x.eml"), S("a@example.com"), NULL, 5, &res), NA);
    CHECK(res == NULL);

    CHECK_RESULT(missive_client_forward_fd(NULL, 0, S("a@example.com"), S("c@example.com"), &res), NA);
    CHECK_RESULT(missive_client_forward_fd(client, 0, NULL, 5, S("c@example.com"), &res), NA);
    CHECK_RESULT(missive_client_forward_fd(client, 0, S("a@example.com"), NULL, 5, &res), NA);
    CHECK(res == NULL);

    CHECK_RESULT(missive_client_forward_stream(NULL, null_read_cb, NULL, -1, S("a@example.com"), S("c@example.com"), &res), NA);
    CHECK_RESULT(missive_client_forward_stream(client, NULL, NULL, -1, S("a@example.com"), S("c@example.com"), &res), NA);
    CHECK_RESULT(missive_client_forward_stream(client, null_read_cb, NULL, -1, NULL, 5, S("c@example.com"), &res), NA);
    CHECK_RESULT(missive_client_forward_stream(client, null_read_cb, NULL, -1, S("a@example.com"), NULL, 5, &res), NA);
    CHECK(res == NULL);

    CHECK_RESULT(missive_client_set_queue_directory(NULL, S("q")), NA);
    CHECK_RESULT(missive_client_set_queue_directory(client, NULL, 3), NA);
    CHECK_RESULT(missive_client_set_queue_retry(NULL, 1000, 2000, 3), NA);
    CHECK_RESULT(missive_client_set_queue_url(NULL, S("file:///q")), NA);
    CHECK_RESULT(missive_client_set_queue_url(client, NULL, 3), NA);
    CHECK_RESULT(missive_client_set_queue_url(client, NULL, 0), MISSIVE_RESULT_QUEUE_URL_INVALID);
    CHECK_RESULT(missive_client_set_queue_lease(NULL, 30000), NA);
    CHECK_RESULT(missive_client_set_queue_idempotent(NULL, true), NA);
    CHECK_RESULT(missive_client_send_to_queue(NULL, m), NA);
    CHECK_RESULT(missive_client_send_to_queue(client, NULL), NA);
    CHECK_RESULT(missive_client_drain_queue(NULL, 0, 0, &drain), NA);
    CHECK_RESULT(missive_client_queue_state(NULL, &counts), NA);
    CHECK_RESULT(missive_client_queue_state(client, NULL), NA);
    CHECK_RESULT(missive_client_queue_list(NULL, NULL, 0, &n), NA);
    CHECK_EQ_INT(n, SENTINEL);
    /* No queue directory on this client: out values untouched, NULL out pointers fine. */
    CHECK_RESULT(missive_client_drain_queue(client, 0, 0, NULL), MISSIVE_RESULT_QUEUE_DIRECTORY_NOT_SET);
    CHECK_RESULT(missive_client_queue_list(client, NULL, 0, NULL), MISSIVE_RESULT_QUEUE_DIRECTORY_NOT_SET);
}

/* ---- bulk results, bulk settings and operations ------------------------------------------ */

static void test_null_bulk_and_operations(void) {
    missive_bulk_result *br = NULL;
    missive_operation *op = NULL;
    int32_t status = -1;
    missive_result code = MISSIVE_RESULT_PANIC;
    size_t len = SENTINEL;
    char buf[64];

    CHECK_RESULT(missive_client_set_multi_connection(NULL, true), NA);
    CHECK_RESULT(missive_client_set_connections(NULL, 2), NA);
    CHECK_RESULT(missive_client_set_batch_size(NULL, 10), NA);
    CHECK_RESULT(missive_client_set_retry_policy(NULL, 1, false), NA);
    CHECK_RESULT(missive_client_set_progress_callback(NULL, NULL, NULL, NULL), NA);
    /* cb, userdata and userdata_free may all be NULL. */
    CHECK_RESULT(missive_client_set_progress_callback(client, NULL, NULL, NULL), MISSIVE_RESULT_OK);

    REQUIRE_OK(missive_client_send_collection(client, coll, &br));
    REQUIRE(br != NULL);
    CHECK_EQ_INT(missive_bulk_result_len(NULL), 0);
    CHECK_EQ_INT(missive_bulk_result_count(NULL, MISSIVE_BULK_STATUS_SENT), 0);
    CHECK_RESULT(missive_bulk_result_code(NULL), NA);
    CHECK(!missive_bulk_result_was_cancelled(NULL));
    CHECK_RESULT(missive_bulk_result_item(NULL, 0, &status, &code), NA);
    CHECK_EQ_INT(status, -1);
    /* out_status and out_code may be NULL. */
    CHECK_RESULT(missive_bulk_result_item(br, 0, NULL, NULL), MISSIVE_RESULT_OK);
    CHECK(missive_bulk_result_get(NULL, 0) == NULL);
    CHECK(missive_bulk_result_get(br, 0) != NULL);
    CHECK_RESULT(missive_bulk_result_message_error(NULL, 0, buf, sizeof buf, &len), NA);
    CHECK_RESULT(missive_bulk_result_message_error(br, 0, NULL, 8, &len), NA);
    CHECK_EQ_INT(len, SENTINEL);
    CHECK_RESULT(missive_bulk_result_message_error(br, 0, buf, sizeof buf, NULL), NA);
    CHECK_RESULT(missive_bulk_result_error(NULL, buf, sizeof buf, &len), NA);
    CHECK_RESULT(missive_bulk_result_error(br, NULL, 8, &len), NA);
    CHECK_EQ_INT(len, SENTINEL);

    CHECK_RESULT(missive_client_send_async(NULL, m, NULL, NULL, NULL, &op), NA);
    CHECK_RESULT(missive_client_send_async(client, NULL, NULL, NULL, NULL, &op), NA);
    CHECK_RESULT(missive_client_send_async(client, m, NULL, NULL, NULL, NULL), NA);
    CHECK(op == NULL);
    CHECK_RESULT(missive_client_send_collection_async(NULL, coll, NULL, NULL, NULL, &op), NA);
    CHECK_RESULT(missive_client_send_collection_async(client, NULL, NULL, NULL, NULL, &op), NA);
    CHECK_RESULT(missive_client_send_collection_async(client, coll, NULL, NULL, NULL, NULL), NA);
    CHECK(op == NULL);
    /* The callback and its userdata may be NULL. */
    REQUIRE_OK(missive_client_send_collection_async(client, coll, NULL, NULL, NULL, &op));
    REQUIRE(op != NULL);
    CHECK_RESULT(missive_operation_wait(NULL, -1), NA);
    CHECK_RESULT(missive_operation_wait(op, -1), MISSIVE_RESULT_OK);
    CHECK_RESULT(missive_operation_cancel(NULL), NA);
    CHECK(!missive_operation_is_done(NULL));
    CHECK(missive_operation_is_done(op));
    CHECK_RESULT(missive_operation_result_code(NULL), NA);
    CHECK(missive_operation_result(NULL) == NULL);
    CHECK(missive_operation_result(op) != NULL);
    CHECK_RESULT(missive_operation_error(NULL, buf, sizeof buf, &len), NA);
    CHECK_RESULT(missive_operation_error(op, NULL, 8, &len), NA);
    CHECK_EQ_INT(len, SENTINEL);
cleanup:
    missive_operation_free(op);
    missive_bulk_result_free(br);
}

/* ---- TNEF and appointments ------------------------------------------------------------- */

static void test_null_tnef_and_appointment(void) {
    size_t n = SENTINEL;
    uint32_t seq = 7;
    const int32_t s6[6] = {2025, 1, 1, 9, 0, 0}, e6[6] = {2025, 1, 1, 10, 0, 0};
    missive_appointment *a = missive_appointment_new();
    REQUIRE(a != NULL);
    CHECK_RESULT(missive_client_set_use_tnef(NULL, true), NA);
    CHECK_RESULT(missive_message_set_use_tnef(NULL, true), NA);
    CHECK(!missive_message_use_tnef(NULL));
    missive_appointment_free(NULL);
    CHECK_RESULT(missive_appointment_error(NULL, NULL, 0, &n), NA);
    CHECK_RESULT(missive_appointment_error(a, NULL, 0, NULL), NA);
    CHECK_RESULT(missive_appointment_set_text(NULL, 0, S("x")), NA);
    CHECK_RESULT(missive_appointment_set_text(a, 0, NULL, 1), NA);
    CHECK_RESULT(missive_appointment_set_text(a, 2, NULL, 0), MISSIVE_RESULT_OK);
    CHECK_RESULT(missive_appointment_uid(NULL, NULL, 0, &n), NA);
    CHECK_RESULT(missive_appointment_uid(a, NULL, 0, NULL), NA);
    CHECK_EQ_INT(n, SENTINEL);
    CHECK_RESULT(missive_appointment_increment_sequence(NULL, &seq), NA);
    CHECK_EQ_INT(seq, 7);
    CHECK_RESULT(missive_appointment_increment_sequence(a, NULL), MISSIVE_RESULT_OK);
    CHECK_RESULT(missive_appointment_set_organizer(NULL, S("a@example.com")), NA);
    CHECK_RESULT(missive_appointment_set_organizer(a, NULL, 3), NA);
    CHECK_RESULT(missive_appointment_add_attendee(NULL, S("a@example.com"), 0, true), NA);
    CHECK_RESULT(missive_appointment_add_attendee(a, NULL, 3, 0, true), NA);
    CHECK_RESULT(missive_appointment_set_times_utc(NULL, 0, 60), NA);
    CHECK_RESULT(missive_appointment_set_times_local(NULL, S("Europe/Berlin"), s6, e6), NA);
    CHECK_RESULT(missive_appointment_set_times_local(a, NULL, 3, s6, e6), NA);
    CHECK_RESULT(missive_appointment_set_times_local(a, S("Europe/Berlin"), NULL, e6), NA);
    CHECK_RESULT(missive_appointment_set_times_local(a, S("Europe/Berlin"), s6, NULL), NA);
    CHECK_RESULT(missive_appointment_set_all_day(NULL, 2025, 1, 1, 1), NA);
    CHECK_RESULT(missive_appointment_set_recurrence(NULL, 1, 1, 1, 0), NA);
    CHECK_RESULT(missive_appointment_set_reminder(NULL, 5), NA);
    CHECK_RESULT(missive_appointment_set_status(NULL, 0), NA);
    CHECK_RESULT(missive_appointment_to_ics(NULL, 0, NULL, 0, &n), NA);
    CHECK_EQ_INT(n, SENTINEL);
    CHECK_RESULT(missive_message_add_appointment(NULL, a, 0, false), NA);
    CHECK_RESULT(missive_message_add_appointment(m, NULL, 0, false), NA);
    CHECK_EQ_INT(missive_message_part_count(m, MISSIVE_PART_KIND_ALTERNATE_VIEW), 0);
cleanup:
    missive_appointment_free(a);
}

int main(void) {
    if (setup() != 0) {
        fprintf(stderr, "setup failed\n");
        teardown();
        printf("0 passed, 1 failed\n");
        return 1;
    }
    RUN(test_no_pointer_functions);
    RUN(test_free_null_is_noop);
    RUN(test_null_client);
    RUN(test_null_client_smtp_settings);
    RUN(test_null_client_capabilities);
    RUN(test_null_client_send_raw);
    RUN(test_null_send_result);
    RUN(test_null_collection);
    RUN(test_null_bulk_and_operations);
    RUN(test_null_message_lifecycle);
    RUN(test_null_message_envelope);
    RUN(test_null_message_getters);
    RUN(test_null_message_setters);
    RUN(test_null_tnef_and_appointment);
    RUN(test_null_forward_and_queue);
    teardown();
    return harness_finish();
}
