/*
 * send_html: send an HTML message.
 *
 * With MISSIVE_SMTP_URL set (e.g. smtp+starttls://user:password@smtp.example.com:587) the
 * message is sent over SMTP; otherwise it is written into the pickup directory ./outbox (or
 * $MISSIVE_PICKUP_DIR). MISSIVE_FROM and MISSIVE_TO override the sender and recipient.
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
    if (client != NULL) {
        missive_client_error(client, detail, sizeof detail, &len);
    } else if (message != NULL) {
        missive_message_error(message, detail, sizeof detail, &len);
    }
    /* The library's sentence names the problem; the code's static text when there is none. */
    fprintf(stderr, "%s: %s\n", what, detail[0] != '\0' ? detail : missive_result_str(r));
    return 1;
}

static const char *env_or(const char *name, const char *fallback) {
    const char *v = getenv(name);
    return v != NULL && v[0] != '\0' ? v : fallback;
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
    missive_message *message = missive_message_new();
    missive_client *client = missive_client_new();
    missive_send_result *result = NULL;
    if (message == NULL || client == NULL) {
        fprintf(stderr, "out of memory\n");
        goto cleanup;
    }
    const char *from = env_or("MISSIVE_FROM", "Sender Name <sender@example.com>");
    const char *to = env_or("MISSIVE_TO", "receiver@example.com");
    /* The body is HTML: set it with set_body and turn is_body_html on (System.Net.Mail's
     * IsBodyHtml), or use missive_message_set_html_body. */
    if ((r = missive_message_set_from(message, from, strlen(from))) != MISSIVE_RESULT_OK ||
        (r = missive_message_add_recipients(message, MISSIVE_RECIPIENT_KIND_TO, to, strlen(to))) !=
            MISSIVE_RESULT_OK ||
        (r = missive_message_set_subject(message, S("An HTML message from missive"))) !=
            MISSIVE_RESULT_OK ||
        (r = missive_message_set_body(message,
             S("<html><body><h1>Hello</h1><p>This message is <b>HTML</b>.</p></body></html>"))) !=
            MISSIVE_RESULT_OK ||
        (r = missive_message_set_is_body_html(message, true)) != MISSIVE_RESULT_OK)
        { status = report("compose", r, NULL, message); goto cleanup; }

    if ((r = configure(client)) != MISSIVE_RESULT_OK)
        { status = report("configure client", r, client, NULL); goto cleanup; }
    if ((r = missive_client_send(client, message, &result)) != MISSIVE_RESULT_OK)
        { status = report("send", r, client, NULL); goto cleanup; }

    char text[1024] = "";
    size_t text_len = 0;
    if (missive_send_result_text(result, MISSIVE_SEND_RESULT_FIELD_PICKUP_PATH, text, sizeof text,
                                 &text_len) == MISSIVE_RESULT_OK) {
        printf("delivered into the pickup directory: %s\n", text);
    } else {
        missive_send_result_text(result, MISSIVE_SEND_RESULT_FIELD_REPLY_TEXT, text, sizeof text,
                                 &text_len);
        printf("sent over SMTP: %u %s\n", (unsigned)missive_send_result_reply_code(result), text);
    }
    status = 0;

cleanup:
    missive_send_result_free(result);
    missive_client_free(client);
    missive_message_free(message);
    return status;
}
