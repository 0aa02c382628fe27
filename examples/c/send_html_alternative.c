/*
 * send_html_alternative: an HTML message with a plain-text alternative, sent in bulk: one
 * message per recipient, delivered together as a message collection. The HTML is the body
 * (is_body_html) and the plain text an alternate view, in that order; the message still puts
 * text/plain first in its multipart/alternative (RFC 2046 5.1.4: the richest version last).
 *
 * MISSIVE_TO is a comma-separated list of recipients (each gets a message of their own).
 * With MISSIVE_SMTP_URL set (e.g. smtp+starttls://user:password@smtp.example.com:587) the
 * messages are sent over SMTP; otherwise they are written into the pickup directory ./outbox
 * (or $MISSIVE_PICKUP_DIR). MISSIVE_FROM overrides the sender.
 * MISSIVE_PROXY_URL (socks5://user:pass@host:1080, socks4a://host:1080 or
 * http://user:pass@host:3128) reaches the SMTP server through that proxy.
 */
#define _POSIX_C_SOURCE 200809L /* strdup, strtok_r */

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "missive.h"

#define S(literal) literal, strlen(literal)

static const char *env_or(const char *name, const char *fallback) {
    const char *v = getenv(name);
    return v != NULL && v[0] != '\0' ? v : fallback;
}

static void print_error(const char *what, missive_result r, const char *detail) {
    /* The library's sentence names the problem; the code's static text when there is none. */
    fprintf(stderr, "%s: %s\n", what, detail[0] != '\0' ? detail : missive_result_str(r));
}

static missive_result configure(missive_client *client) {
    const char *url = getenv("MISSIVE_SMTP_URL");
    const char *dir = env_or("MISSIVE_PICKUP_DIR", "outbox");
    missive_result r;
    if (url != NULL && url[0] != '\0') {
        const char *proxy = getenv("MISSIVE_PROXY_URL");
        if ((r = missive_client_set_url(client, url, strlen(url))) != MISSIVE_RESULT_OK ||
            proxy == NULL || proxy[0] == '\0')
            return r;
        return missive_client_set_proxy(client, proxy, strlen(proxy));
    }
    if ((r = missive_client_set_delivery_method(client, MISSIVE_DELIVERY_METHOD_PICKUP_DIRECTORY)) !=
        MISSIVE_RESULT_OK)
        return r;
    return missive_client_set_pickup_directory(client, dir, strlen(dir));
}

int main(void) {
    int status = 1;
    missive_result r;
    char detail[1024] = "";
    size_t detail_len = 0;
    missive_client *client = missive_client_new();
    missive_message_collection *batch = missive_message_collection_new();
    missive_message *message = NULL;
    missive_bulk_result *outcomes = NULL;
    char *list = NULL;
    if (client == NULL || batch == NULL) {
        fprintf(stderr, "out of memory\n");
        goto cleanup;
    }
    const char *from = env_or("MISSIVE_FROM", "Sender Name <sender@example.com>");
    const char *plain = "Hello,\n\nThis is the plain-text version of the newsletter.\n";
    list = strdup(env_or("MISSIVE_TO", "first@example.com,second@example.com"));
    if (list == NULL) goto cleanup;

    /* One message per recipient; the collection keeps a copy of each. */
    for (char *save = NULL, *to = strtok_r(list, ",", &save); to != NULL;
         to = strtok_r(NULL, ",", &save)) {
        message = missive_message_new();
        if (message == NULL) goto cleanup;
        /* HTML body (is_body_html) + a plain-text alternate view = multipart/alternative.
         * (set_body with the plain text and set_html_body with the HTML make the same.) */
        if ((r = missive_message_set_from(message, from, strlen(from))) != MISSIVE_RESULT_OK ||
            (r = missive_message_add_recipients(message, MISSIVE_RECIPIENT_KIND_TO, to,
                                                strlen(to))) != MISSIVE_RESULT_OK ||
            (r = missive_message_set_subject(message, S("Our newsletter"))) != MISSIVE_RESULT_OK ||
            (r = missive_message_set_body(message,
                 S("<html><body><p>Hello,</p><p>This is the <b>HTML</b> version of the "
                   "newsletter.</p></body></html>"))) != MISSIVE_RESULT_OK ||
            (r = missive_message_set_is_body_html(message, true)) != MISSIVE_RESULT_OK ||
            (r = missive_message_add_alternate_view(message, S("text/plain"), NULL, 0,
                 (const uint8_t *)plain, strlen(plain))) != MISSIVE_RESULT_OK) {
            missive_message_error(message, detail, sizeof detail, &detail_len);
            print_error("compose", r, detail);
            goto cleanup;
        }
        if ((r = missive_message_collection_add(batch, message)) != MISSIVE_RESULT_OK) {
            missive_message_collection_error(batch, detail, sizeof detail, &detail_len);
            print_error("collection_add", r, detail);
            goto cleanup;
        }
        missive_message_free(message);
        message = NULL;
    }

    if ((r = configure(client)) != MISSIVE_RESULT_OK) {
        missive_client_error(client, detail, sizeof detail, &detail_len);
        print_error("configure client", r, detail);
        goto cleanup;
    }
    /* One outcome per message, in order. */
    r = missive_client_send_collection(client, batch, &outcomes);
    printf("delivered %zu of %zu messages\n",
           missive_bulk_result_count(outcomes, MISSIVE_BULK_STATUS_SENT),
           missive_bulk_result_len(outcomes));
    for (size_t i = 0; i < missive_bulk_result_len(outcomes); i++) {
        if (missive_bulk_result_message_error(outcomes, i, detail, sizeof detail, &detail_len) ==
                MISSIVE_RESULT_OK && detail[0] != '\0')
            fprintf(stderr, "message %zu: %s\n", i, detail);
    }
    if (r != MISSIVE_RESULT_OK) {
        missive_client_error(client, detail, sizeof detail, &detail_len);
        print_error("send_collection", r, detail);
        goto cleanup;
    }
    status = 0;

cleanup:
    missive_bulk_result_free(outcomes);
    free(list);
    missive_message_free(message);
    missive_message_collection_free(batch);
    missive_client_free(client);
    return status;
}
