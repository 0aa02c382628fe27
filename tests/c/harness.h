/*
 * A tiny test harness for the missive C tests: no framework, no allocation.
 *
 *   static void test_something(void) {
 *       missive_message *m = missive_message_new();
 *       REQUIRE(m != NULL);                      // on failure: report, goto cleanup
 *       CHECK_RESULT(missive_message_set_subject(m, "x", 1), MISSIVE_RESULT_OK);
 *       CHECK_EQ_INT(missive_message_recipient_count(m, 0), 0);
 *   cleanup:
 *       missive_message_free(m);
 *   }
 *   int main(void) { RUN(test_something); return harness_finish(); }
 *
 * CHECK* report file:line and the expression and carry on; REQUIRE* also `goto cleanup`, so
 * every test function needs a `cleanup:` label (when it uses REQUIRE). harness_finish() prints
 * "N passed, M failed" (tests, not checks) and returns the exit status: nonzero if any failed.
 *
 * KNOWN_BUG(cond, text) is for a library bug reported but not yet fixed: it prints a note while
 * `cond` is false and does not fail the test; when `cond` becomes true it says so, so that the
 * line can become a CHECK.
 */
#ifndef MISSIVE_TEST_HARNESS_H
#define MISSIVE_TEST_HARNESS_H

#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "missive.h"

static int harness_current_failed;   /* checks failed in the running test */
static int harness_tests_passed;
static int harness_tests_failed;
static const char *harness_current_name = "";

#define HARNESS_FAIL_AT(file, line, ...)                                                    \
    do {                                                                                    \
        fprintf(stderr, "%s:%d: [%s] ", (file), (line), harness_current_name);               \
        fprintf(stderr, __VA_ARGS__);                                                       \
        fputc('\n', stderr);                                                                \
        harness_current_failed++;                                                           \
    } while (0)

#define CHECK(cond)                                                                         \
    do {                                                                                    \
        if (!(cond))                                                                        \
            HARNESS_FAIL_AT(__FILE__, __LINE__, "CHECK failed: %s", #cond);                  \
    } while (0)

#define REQUIRE(cond)                                                                       \
    do {                                                                                    \
        if (!(cond)) {                                                                      \
            HARNESS_FAIL_AT(__FILE__, __LINE__, "REQUIRE failed: %s", #cond);                \
            goto cleanup;                                                                   \
        }                                                                                   \
    } while (0)

#define CHECK_EQ_INT(actual, expected)                                                      \
    do {                                                                                    \
        long long harness_a_ = (long long)(actual);                                         \
        long long harness_e_ = (long long)(expected);                                       \
        if (harness_a_ != harness_e_)                                                       \
            HARNESS_FAIL_AT(__FILE__, __LINE__, "CHECK_EQ_INT failed: %s == %s (%lld != %lld)", \
                            #actual, #expected, harness_a_, harness_e_);                    \
    } while (0)

#define CHECK_STR_EQ(actual, expected)                                                      \
    do {                                                                                    \
        const char *harness_a_ = (actual);                                                  \
        const char *harness_e_ = (expected);                                                \
        if (harness_a_ == NULL || strcmp(harness_a_, harness_e_) != 0)                      \
            HARNESS_FAIL_AT(__FILE__, __LINE__, "CHECK_STR_EQ failed: %s == %s (\"%s\" != \"%s\")", \
                            #actual, #expected, harness_a_ ? harness_a_ : "(null)", harness_e_); \
    } while (0)

/* `haystack` (a NUL-terminated string) contains `needle`. */
#define CHECK_CONTAINS(haystack, needle)                                                    \
    do {                                                                                    \
        const char *harness_h_ = (haystack);                                                \
        const char *harness_n_ = (needle);                                                  \
        if (harness_h_ == NULL || strstr(harness_h_, harness_n_) == NULL)                   \
            HARNESS_FAIL_AT(__FILE__, __LINE__, "CHECK_CONTAINS failed: %s contains \"%s\" (it is \"%s\")", \
                            #haystack, harness_n_, harness_h_ ? harness_h_ : "(null)");     \
    } while (0)

#define CHECK_NOT_CONTAINS(haystack, needle)                                                \
    do {                                                                                    \
        const char *harness_h_ = (haystack);                                                \
        const char *harness_n_ = (needle);                                                  \
        if (harness_h_ == NULL || strstr(harness_h_, harness_n_) != NULL)                   \
            HARNESS_FAIL_AT(__FILE__, __LINE__, "CHECK_NOT_CONTAINS failed: %s lacks \"%s\" (it is \"%s\")", \
                            #haystack, harness_n_, harness_h_ ? harness_h_ : "(null)");     \
    } while (0)

#define HARNESS_RESULT_MISMATCH(call, got, want)                                            \
    HARNESS_FAIL_AT(__FILE__, __LINE__, "%s returned %d (%s), expected %d (%s)", call,      \
                    (int)(got), missive_result_str((int32_t)(got)), (int)(want),            \
                    missive_result_str((int32_t)(want)))

#define CHECK_RESULT(call, expected)                                                        \
    do {                                                                                    \
        int harness_r_ = (int)(call);                                                       \
        int harness_x_ = (int)(expected);                                                   \
        if (harness_r_ != harness_x_)                                                       \
            HARNESS_RESULT_MISMATCH(#call, harness_r_, harness_x_);                         \
    } while (0)

#define REQUIRE_RESULT(call, expected)                                                      \
    do {                                                                                    \
        int harness_r_ = (int)(call);                                                       \
        int harness_x_ = (int)(expected);                                                   \
        if (harness_r_ != harness_x_) {                                                     \
            HARNESS_RESULT_MISMATCH(#call, harness_r_, harness_x_);                         \
            goto cleanup;                                                                   \
        }                                                                                   \
    } while (0)

#define REQUIRE_OK(call) REQUIRE_RESULT(call, MISSIVE_RESULT_OK)

#define KNOWN_BUG(cond, text)                                                               \
    do {                                                                                    \
        if (!(cond))                                                                        \
            fprintf(stderr, "%s:%d: [%s] KNOWN LIBRARY BUG (not counted as a failure): %s\n", \
                    __FILE__, __LINE__, harness_current_name, (text));                      \
        else                                                                                \
            fprintf(stderr, "%s:%d: [%s] known bug seems FIXED, make this a CHECK: %s\n",   \
                    __FILE__, __LINE__, harness_current_name, #cond);                       \
    } while (0)

#define RUN(test_fn) harness_run(#test_fn, test_fn)

static inline void harness_run(const char *name, void (*fn)(void)) {
    harness_current_name = name;
    harness_current_failed = 0;
    fn();
    if (harness_current_failed == 0) {
        harness_tests_passed++;
        printf("ok   %s\n", name);
    } else {
        harness_tests_failed++;
        printf("FAIL %s (%d failed checks)\n", name, harness_current_failed);
    }
    fflush(stdout);
}

static inline int harness_finish(void) {
    printf("%d passed, %d failed\n", harness_tests_passed, harness_tests_failed);
    return harness_tests_failed == 0 ? 0 : 1;
}

/* ---- helpers ---------------------------------------------------------------------------- */

/* A string literal as (pointer, length), as text (S) or as bytes (B). */
#define S(lit) (lit), (sizeof(lit) - 1)
#define B(lit) (const uint8_t *)(lit), (sizeof(lit) - 1)

/* Copies a handle's error text into a static buffer (overwritten by the next call). */
static inline const char *harness_error_text(missive_result (*get)(const void *, char *, size_t, size_t *),
                                             const void *handle) {
    static char text[4096];
    size_t len = 0;
    text[0] = '\0';
    if (get(handle, text, sizeof text, &len) != MISSIVE_RESULT_OK)
        strcpy(text, "<error text unavailable>");
    return text;
}

static inline missive_result harness_message_error(const void *h, char *b, size_t n, size_t *o) {
    return missive_message_error((const missive_message *)h, b, n, o);
}
static inline missive_result harness_client_error(const void *h, char *b, size_t n, size_t *o) {
    return missive_client_error((const missive_client *)h, b, n, o);
}
static inline missive_result harness_collection_error(const void *h, char *b, size_t n, size_t *o) {
    return missive_message_collection_error((const missive_message_collection *)h, b, n, o);
}

#define MESSAGE_ERROR(m) harness_error_text(harness_message_error, (m))
#define CLIENT_ERROR(c) harness_error_text(harness_client_error, (c))
#define COLLECTION_ERROR(c) harness_error_text(harness_collection_error, (c))

/* Makes a fresh temporary directory; writes its path into `out` (at least 64 bytes). */
static inline int harness_mkdtemp(char *out, size_t out_len) {
    const char *base = getenv("TMPDIR");
    if (base == NULL || base[0] == '\0')
        base = "/tmp";
    if ((size_t)snprintf(out, out_len, "%s/missive-ctest-XXXXXX", base) >= out_len)
        return -1;
    return mkdtemp(out) != NULL ? 0 : -1;
}

static inline int harness_rm_entry(const char *path, const struct stat *sb, int flag,
                                   struct FTW *ftw) {
    (void)sb;
    (void)flag;
    (void)ftw;
    return remove(path);
}

/* Removes a directory tree; "" or NULL is a no-op. */
static inline void harness_rmtree(const char *path) {
    if (path != NULL && path[0] != '\0')
        (void)nftw(path, harness_rm_entry, 16, FTW_DEPTH | FTW_PHYS);
}

/* Writes `len` bytes to a new file at `path`; 0 on success. */
static inline int harness_write_file(const char *path, const void *data, size_t len) {
    FILE *f = fopen(path, "wb");
    if (f == NULL)
        return -1;
    size_t n = fwrite(data, 1, len, f);
    return (fclose(f) == 0 && n == len) ? 0 : -1;
}

/* Reads a whole file into a malloc'd NUL-terminated buffer (free it); NULL on failure. */
static inline char *harness_read_file(const char *path, size_t *out_len) {
    FILE *f = fopen(path, "rb");
    if (f == NULL)
        return NULL;
    size_t cap = 4096, len = 0;
    char *buf = malloc(cap + 1);
    while (buf != NULL) {
        size_t n = fread(buf + len, 1, cap - len, f);
        len += n;
        if (len < cap)
            break;
        char *bigger = realloc(buf, cap * 2 + 1);
        if (bigger == NULL) {
            free(buf);
            buf = NULL;
            break;
        }
        buf = bigger;
        cap *= 2;
    }
    fclose(f);
    if (buf != NULL) {
        buf[len] = '\0';
        if (out_len != NULL)
            *out_len = len;
    }
    return buf;
}

#endif /* MISSIVE_TEST_HARNESS_H */
