/*
 * forward_message: load an .eml and forward it to new recipients, in one of three modes.
 *
 *   forward_message FILE.eml [redirect|resend|attach]
 *
 * REDIRECT (the default) gives the message a new envelope and sends its bytes unchanged, so
 * DKIM signatures still verify; RESEND puts a Resent-From/To/Date/Message-ID block on top;
 * ATTACH sends a new "Fwd: subject" message with the original attached as message/rfc822.
 * Only the recipients named here get it: the original To/Cc/Bcc are not written to again.
 *
 * With MISSIVE_SMTP_URL set (e.g. smtp+starttls://user:password@smtp.example.com:587) it goes
 * over SMTP; otherwise into a pickup directory (./outbox, or MISSIVE_PICKUP_DIR).
 * MISSIVE_FROM is the forwarding address (needed by RESEND and ATTACH), MISSIVE_TO the new
 * recipients (comma-separated).
 * MISSIVE_PROXY_URL (socks5://user:pass@host:1080, socks4a://host:1080 or
 * http://user:pass@host:3128) reaches the SMTP server through that proxy.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "missive.h"

#define S(literal) literal, strlen(literal)

static int report(const char *what, missive_result r, const missive_client *client,
                  const missive_message *message) {
    char detail[1024] = "";
    size_t len = 0;
    if (client != NULL)
        missive_client_error(client, detail, sizeof detail, &len);
    else if (message != NULL)
        missive_message_error(message, detail, sizeof detail, &len);
    /* The library's sentence names the problem; the code's static text when there is none. */
    fprintf(stderr, "%s: %s\n", what, detail[0] != '\0' ? detail : missive_result_str(r));
    return 1;
}

int main(int argc, char **argv) {
    int status = 1;
    missive_result r;
    missive_message *message = missive_message_new();
    missive_client *client = missive_client_new();
    missive_send_result *result = NULL;
    int32_t mode = MISSIVE_FORWARD_MODE_REDIRECT;
    if (argc < 2) {
        fprintf(stderr, "usage: %s FILE.eml [redirect|resend|attach]\n", argv[0]);
        goto cleanup;
    }
    if (message == NULL || client == NULL) {
        fprintf(stderr, "out of memory\n");
        goto cleanup;
    }
    if (argc > 2 && strcmp(argv[2], "resend") == 0)
        mode = MISSIVE_FORWARD_MODE_RESEND;
    else if (argc > 2 && strcmp(argv[2], "attach") == 0)
        mode = MISSIVE_FORWARD_MODE_ATTACH;

    if ((r = missive_message_load_file(message, argv[1], strlen(argv[1]))) != MISSIVE_RESULT_OK) {
        status = report("load_file", r, NULL, message);
        goto cleanup;
    }

    const char *url = getenv("MISSIVE_SMTP_URL");
    if (url != NULL && url[0] != '\0') {
        if ((r = missive_client_set_url(client, url, strlen(url))) != MISSIVE_RESULT_OK) {
            status = report("set_url", r, client, NULL);
            goto cleanup;
        }
        const char *proxy = getenv("MISSIVE_PROXY_URL");
        if (proxy != NULL && proxy[0] != '\0' &&
            (r = missive_client_set_proxy(client, proxy, strlen(proxy))) != MISSIVE_RESULT_OK) {
            status = report("set_proxy", r, client, NULL);
            goto cleanup;
        }
    } else {
        const char *dir = getenv("MISSIVE_PICKUP_DIR");
        if (dir == NULL || dir[0] == '\0')
            dir = "outbox";
        missive_client_set_delivery_method(client, MISSIVE_DELIVERY_METHOD_PICKUP_DIRECTORY);
        if ((r = missive_client_set_pickup_directory(client, dir, strlen(dir))) != MISSIVE_RESULT_OK) {
            status = report("set_pickup_directory", r, client, NULL);
            goto cleanup;
        }
    }
    const char *from = getenv("MISSIVE_FROM");
    if (from != NULL && from[0] != '\0' &&
        (r = missive_client_set_forward_sender(client, from, strlen(from))) != MISSIVE_RESULT_OK) {
        status = report("set_forward_sender", r, client, NULL);
        goto cleanup;
    }
    const char *to = getenv("MISSIVE_TO");
    if (to == NULL || to[0] == '\0')
        to = "receiver@example.com";

    r = missive_client_forward(client, message, mode, to, strlen(to), &result);
    if (r != MISSIVE_RESULT_OK) {
        status = report("forward", r, client, NULL);
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
    missive_message_free(message);
    return status;
}
