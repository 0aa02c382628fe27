/* DKIM signers on the client and the List-Unsubscribe fields on a message, through the C ABI.
 * A signed pickup file is checked by dkimpy and OpenDKIM (tests/support/py/dkim_verify.py). */
#include "harness.h"

#include <dirent.h>
#include <stdbool.h>
#include <stdint.h>

#ifndef MISSIVE_SOURCE_DIR
#error "MISSIVE_SOURCE_DIR must name the source tree"
#endif
#define FIXTURE(name) MISSIVE_SOURCE_DIR "/tests/fixtures/dkim/" name

/* Reads a whole file into a malloc'd buffer. */
static uint8_t *read_file(const char *path, size_t *len) {
    FILE *f = fopen(path, "rb");
    if (f == NULL)
        return NULL;
    uint8_t *buf = malloc(65536);
    *len = buf ? fread(buf, 1, 65536, f) : 0;
    fclose(f);
    return buf;
}

static void test_signers_are_checked(void) {
    missive_client *c = missive_client_new();
    size_t rsa_len = 0, ec_len = 0;
    uint8_t *rsa = read_file(FIXTURE("rsa-pkcs1.pem"), &rsa_len);
    uint8_t *ec = read_file(FIXTURE("ec-sec1.pem"), &ec_len);
    REQUIRE(c != NULL && rsa != NULL && ec != NULL);
    CHECK_EQ_INT((int)missive_client_dkim_signer_count(c), 0);
    REQUIRE_OK(missive_client_add_dkim_signer(c, S("example.com"), S("rsa1"), rsa, rsa_len,
                                              MISSIVE_DKIM_ALGORITHM_RSA_SHA256,
                                              MISSIVE_DKIM_FLAGS_DEFAULT));
    REQUIRE_OK(missive_client_add_dkim_signer_file(c, S("example.com"), S("ed"),
                                                   S(FIXTURE("ed25519.pem")),
                                                   MISSIVE_DKIM_ALGORITHM_ED25519_SHA256,
                                                   MISSIVE_DKIM_FLAGS_HEADER_SIMPLE |
                                                       MISSIVE_DKIM_FLAGS_BODY_SIMPLE));
    CHECK_EQ_INT((int)missive_client_dkim_signer_count(c), 2);

    /* Every documented error, each with a text that names the problem. */
    CHECK_RESULT(missive_client_add_dkim_signer(c, S("example.com"), S("s"), rsa, rsa_len, 7, 0),
                 MISSIVE_RESULT_INVALID_ARGUMENT);
    CHECK_CONTAINS(CLIENT_ERROR(c), "missive_dkim_algorithm");
    CHECK_RESULT(missive_client_add_dkim_signer(c, S("example.com"), S("s"), rsa, rsa_len,
                                                MISSIVE_DKIM_ALGORITHM_RSA_SHA256, 8),
                 MISSIVE_RESULT_INVALID_ARGUMENT);
    CHECK_CONTAINS(CLIENT_ERROR(c), "missive_dkim_flags");
    CHECK_RESULT(missive_client_add_dkim_signer(c, S("example.com"), S("s"), ec, ec_len,
                                                MISSIVE_DKIM_ALGORITHM_RSA_SHA256, 0),
                 MISSIVE_RESULT_DKIM_KEY_INVALID);
    CHECK_CONTAINS(CLIENT_ERROR(c), "SEC1");
    CHECK_RESULT(missive_client_add_dkim_signer(c, S("example.com"), S("s"), rsa, rsa_len,
                                                MISSIVE_DKIM_ALGORITHM_ED25519_SHA256, 0),
                 MISSIVE_RESULT_DKIM_KEY_INVALID);
    CHECK_CONTAINS(CLIENT_ERROR(c), "ed25519-sha256");
    CHECK_NOT_CONTAINS(CLIENT_ERROR(c), "MII"); /* no base64 of the key */
    CHECK_RESULT(missive_client_add_dkim_signer(c, S("exa mple.com"), S("s"), rsa, rsa_len,
                                                MISSIVE_DKIM_ALGORITHM_RSA_SHA256, 0),
                 MISSIVE_RESULT_DKIM_SIGNER_INVALID);
    CHECK_CONTAINS(CLIENT_ERROR(c), "domain");
    CHECK_RESULT(missive_client_add_dkim_signer(c, S("example.com"), S(""), rsa, rsa_len,
                                                MISSIVE_DKIM_ALGORITHM_RSA_SHA256, 0),
                 MISSIVE_RESULT_DKIM_SIGNER_INVALID);
    CHECK_CONTAINS(CLIENT_ERROR(c), "selector");
    CHECK_RESULT(missive_client_add_dkim_signer_file(c, S("example.com"), S("s"),
                                                     S("/nonexistent/missive/key.pem"),
                                                     MISSIVE_DKIM_ALGORITHM_RSA_SHA256, 0),
                 MISSIVE_RESULT_FILE_NOT_FOUND);
    CHECK_CONTAINS(CLIENT_ERROR(c), "/nonexistent/missive/key.pem");
    CHECK_EQ_INT((int)missive_client_dkim_signer_count(c), 2); /* failures add nothing */
    REQUIRE_OK(missive_client_clear_dkim_signers(c));
    CHECK_EQ_INT((int)missive_client_dkim_signer_count(c), 0);
cleanup:
    free(rsa);
    free(ec);
    missive_client_free(c);
}

static void test_list_unsubscribe(void) {
    missive_message *m = missive_message_new();
    char buf[256];
    size_t n = 0;
    REQUIRE(m != NULL);
    CHECK_RESULT(missive_message_set_list_unsubscribe(m, S("http://example.com/u"), NULL, 0, true),
                 MISSIVE_RESULT_LIST_UNSUBSCRIBE_INVALID);
    CHECK_CONTAINS(MESSAGE_ERROR(m), "https");
    CHECK_RESULT(missive_message_set_list_unsubscribe(m, NULL, 0, S("not-an-address"), false),
                 MISSIVE_RESULT_LIST_UNSUBSCRIBE_INVALID);
    CHECK_RESULT(missive_message_header(m, S("List-Unsubscribe"), buf, sizeof buf, &n),
                 MISSIVE_RESULT_NOT_FOUND);
    REQUIRE_OK(missive_message_set_list_unsubscribe(m, S("https://example.com/u?id=7"),
                                                    S("unsub@example.com"), true));
    REQUIRE_OK(missive_message_header(m, S("List-Unsubscribe"), buf, sizeof buf, &n));
    CHECK_STR_EQ(buf, "<https://example.com/u?id=7>, <mailto:unsub@example.com>");
    REQUIRE_OK(missive_message_header(m, S("List-Unsubscribe-Post"), buf, sizeof buf, &n));
    CHECK_STR_EQ(buf, "List-Unsubscribe=One-Click");
    REQUIRE_OK(missive_message_set_list_unsubscribe(m, NULL, 0, NULL, 0, false));
    CHECK_RESULT(missive_message_header(m, S("List-Unsubscribe"), buf, sizeof buf, &n),
                 MISSIVE_RESULT_NOT_FOUND);
cleanup:
    missive_message_free(m);
}

/* Sends a signed message into a pickup directory and has dkimpy and OpenDKIM verify it. */
static void test_signed_pickup_file_verifies(void) {
    char dir[256] = "", file[600] = "", cmd[2048];
    missive_client *c = missive_client_new();
    missive_message *m = missive_message_new();
    REQUIRE(c != NULL && m != NULL);
    REQUIRE(harness_mkdtemp(dir, sizeof dir) == 0);
    REQUIRE_OK(missive_client_set_delivery_method(c, MISSIVE_DELIVERY_METHOD_PICKUP_DIRECTORY));
    REQUIRE_OK(missive_client_set_pickup_directory(c, dir, strlen(dir)));
    REQUIRE_OK(missive_client_add_dkim_signer_file(c, S("example.com"), S("rsa8"),
                                                   S(FIXTURE("rsa-pkcs8.pem")),
                                                   MISSIVE_DKIM_ALGORITHM_RSA_SHA256, 0));
    REQUIRE_OK(missive_client_add_dkim_signer_file(c, S("example.com"), S("ed"),
                                                   S(FIXTURE("ed25519.pem")),
                                                   MISSIVE_DKIM_ALGORITHM_ED25519_SHA256, 0));
    REQUIRE_OK(missive_message_set_from(m, S("News <news@example.com>")));
    REQUIRE_OK(missive_message_add_recipients(m, MISSIVE_RECIPIENT_KIND_TO, S("r@example.org")));
    REQUIRE_OK(missive_message_set_subject(m, S("Signed from C")));
    REQUIRE_OK(missive_message_set_body(m, S("Hello\nfrom C.\n")));
    REQUIRE_OK(missive_message_set_list_unsubscribe(m, S("https://example.com/u/1"),
                                                    S("unsub@example.com"), true));
    REQUIRE_OK(missive_client_send(c, m, NULL));
    {
        DIR *d = opendir(dir);
        struct dirent *e;
        REQUIRE(d != NULL);
        while ((e = readdir(d)) != NULL)
            if (strstr(e->d_name, ".eml") != NULL)
                snprintf(file, sizeof file, "%s/%s", dir, e->d_name);
        closedir(d);
    }
    REQUIRE(file[0] != '\0');
    snprintf(cmd, sizeof cmd,
             "python3 '%s/tests/support/py/dkim_verify.py' '%s' '%s' > '%s/verdict.json'",
             MISSIVE_SOURCE_DIR, FIXTURE("keys.txt"), file, dir);
    REQUIRE(system(cmd) == 0);
    {
        char verdict[8192] = "";
        char path[600];
        snprintf(path, sizeof path, "%s/verdict.json", dir);
        FILE *f = fopen(path, "r");
        REQUIRE(f != NULL);
        size_t n = fread(verdict, 1, sizeof verdict - 1, f);
        fclose(f);
        verdict[n] = '\0';
        CHECK_CONTAINS(verdict, "\"s\": \"rsa8\"");
        CHECK_CONTAINS(verdict, "\"s\": \"ed\"");
        CHECK_CONTAINS(verdict, "\"dkimpy\": true");
        CHECK_CONTAINS(verdict, "\"opendkim\": true");
        CHECK_NOT_CONTAINS(verdict, "false");
        CHECK_CONTAINS(verdict, "List-Unsubscribe-Post");
    }
cleanup:
    if (dir[0] != '\0')
        harness_rmtree(dir);
    missive_message_free(m);
    missive_client_free(c);
}

int main(void) {
    RUN(test_signers_are_checked);
    RUN(test_list_unsubscribe);
    RUN(test_signed_pickup_file_verifies);
    return harness_finish();
}
