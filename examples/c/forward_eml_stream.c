/*
 * forward_eml_stream: forward a raw .eml of any size without loading it into memory.
 *
 *   forward_eml_stream FILE.eml     the file, by path (its size is checked against the
 *                                   server's SIZE limit before anything is sent)
 *   forward_eml_stream -            standard input, through a read callback (size unknown)
 *
 * The message goes as it is (a new envelope; only Bcc header fields are dropped), with line
 * endings fixed up to CRLF and dot-stuffing done on the fly. Memory use stays flat whatever
 * the size.
 *
 * With MISSIVE_SMTP_URL set it goes over SMTP; otherwise into a pickup directory (./outbox, or
 * MISSIVE_PICKUP_DIR). MISSIVE_FROM is the envelope sender, MISSIVE_TO the recipients.
 * MISSIVE_PROXY_URL (socks5://user:pass@host:1080, socks4a://host:1080 or
 * http://user:pass@host:3128) reaches the SMTP server through that proxy.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "missive.h"

static int report(const char *what, missive_result r, const missive_client *client) {
    char detail[1024] = "";
    size_t len = 0;
    missive_client_error(client, detail, sizeof detail, &len);
    /* The library's sentence names the problem; the code's static text when there is none. */
    fprintf(stderr, "%s: %s\n", what, detail[0] != '\0' ? detail : missive_result_str(r));
    return 1;
}

/* The read callback: fills buf from a FILE *; 0 at the end, -1 on a read error. */
static int64_t read_file(void *userdata, uint8_t *buf, size_t len) {
    FILE *f = userdata;
    size_t n = fread(buf, 1, len, f);
    if (n == 0 && ferror(f))
        return -1;
    return (int64_t)n;
}

int main(int argc, char **argv) {
    int status = 1;
    missive_result r;
    missive_client *client = missive_client_new();
    missive_send_result *result = NULL;
    if (argc < 2) {
        fprintf(stderr, "usage: %s FILE.eml | -\n", argv[0]);
        goto cleanup;
    }
    if (client == NULL) {
        fprintf(stderr, "out of memory\n");
        goto cleanup;
    }
    const char *url = getenv("MISSIVE_SMTP_URL");
    if (url != NULL && url[0] != '\0') {
        if ((r = missive_client_set_url(client, url, strlen(url))) != MISSIVE_RESULT_OK) {
            status = report("set_url", r, client);
            goto cleanup;
        }
        const char *proxy = getenv("MISSIVE_PROXY_URL");
        if (proxy != NULL && proxy[0] != '\0' &&
            (r = missive_client_set_proxy(client, proxy, strlen(proxy))) != MISSIVE_RESULT_OK) {
            status = report("set_proxy", r, client);
            goto cleanup;
        }
    } else {
        const char *dir = getenv("MISSIVE_PICKUP_DIR");
        if (dir == NULL || dir[0] == '\0')
            dir = "outbox";
        missive_client_set_delivery_method(client, MISSIVE_DELIVERY_METHOD_PICKUP_DIRECTORY);
        if ((r = missive_client_set_pickup_directory(client, dir, strlen(dir))) != MISSIVE_RESULT_OK) {
            status = report("set_pickup_directory", r, client);
            goto cleanup;
        }
    }
    const char *from = getenv("MISSIVE_FROM");
    const char *to = getenv("MISSIVE_TO");
    if (from == NULL || from[0] == '\0')
        from = "sender@example.com";
    if (to == NULL || to[0] == '\0')
        to = "receiver@example.com";

    if (strcmp(argv[1], "-") == 0)
        r = missive_client_forward_stream(client, read_file, stdin, -1, from, strlen(from), to,
                                          strlen(to), &result);
    else
        r = missive_client_forward_file(client, argv[1], strlen(argv[1]), from, strlen(from), to,
                                        strlen(to), &result);
    if (r != MISSIVE_RESULT_OK) {
        status = report("forward", r, client);
        goto cleanup;
    }
    char where[1024] = "";
    size_t len = 0;
    if (missive_send_result_text(result, MISSIVE_SEND_RESULT_FIELD_PICKUP_PATH, where, sizeof where,
                                 &len) == MISSIVE_RESULT_OK)
        printf("forwarded into %s\n", where);
    else if (missive_send_result_text(result, MISSIVE_SEND_RESULT_FIELD_REPLY_TEXT, where,
                                      sizeof where, &len) == MISSIVE_RESULT_OK)
        printf("forwarded: %d %s\n", (int)missive_send_result_reply_code(result), where);
    status = 0;

cleanup:
    missive_send_result_free(result);
    missive_client_free(client);
    return status;
}
