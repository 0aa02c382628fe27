/*
 * load_and_send_eml: load an .eml file and send it as it is.
 *
 *   load_and_send_eml MESSAGE.eml
 *
 * The message goes to the recipients its headers name (To, Cc, Bcc). An unchanged loaded
 * message is delivered as its original bytes (less any Bcc: header), so signatures survive.
 * With MISSIVE_SMTP_URL set (e.g. smtp+starttls://user:password@smtp.example.com:587) it is
 * sent over SMTP; otherwise it is written into the pickup directory ./outbox (or
 * $MISSIVE_PICKUP_DIR).
 * MISSIVE_PROXY_URL (socks5://user:pass@host:1080, socks4a://host:1080 or
 * http://user:pass@host:3128) reaches the SMTP server through that proxy.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "missive.h"

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

/* Configures SMTP from $MISSIVE_SMTP_URL, else the pickup directory. */
static missive_result configure(missive_client *client) {
    const char *url = getenv("MISSIVE_SMTP_URL");
    const char *dir = getenv("MISSIVE_PICKUP_DIR");
    missive_result r;
    if (url != NULL && url[0] != '\0') {
        const char *proxy = getenv("MISSIVE_PROXY_URL");
        if ((r = missive_client_set_url(client, url, strlen(url))) != MISSIVE_RESULT_OK ||
            proxy == NULL || proxy[0] == '\0')
            return r;
        return missive_client_set_proxy(client, proxy, strlen(proxy));
    }
    if (dir == NULL || dir[0] == '\0') dir = "outbox";
    if ((r = missive_client_set_delivery_method(client, MISSIVE_DELIVERY_METHOD_PICKUP_DIRECTORY)) !=
        MISSIVE_RESULT_OK)
        return r;
    return missive_client_set_pickup_directory(client, dir, strlen(dir));
}

int main(int argc, char **argv) {
    int status = 1;
    missive_result r;
    missive_message *message = missive_message_new();
    missive_client *client = missive_client_new();
    missive_send_result *result = NULL;
    if (argc != 2) {
        fprintf(stderr, "usage: %s MESSAGE.eml\n", argv[0]);
        goto cleanup;
    }
    if (message == NULL || client == NULL) {
        fprintf(stderr, "out of memory\n");
        goto cleanup;
    }
    if ((r = missive_message_load_file(message, argv[1], strlen(argv[1]))) != MISSIVE_RESULT_OK)
        { status = report("load_file", r, NULL, message); goto cleanup; }
    if ((r = configure(client)) != MISSIVE_RESULT_OK)
        { status = report("configure client", r, client, NULL); goto cleanup; }
    if ((r = missive_client_send(client, message, &result)) != MISSIVE_RESULT_OK)
        { status = report("send", r, client, NULL); goto cleanup; }

    char id[512] = "";
    size_t id_len = 0;
    missive_message_message_id(message, id, sizeof id, &id_len);
    char text[1024] = "";
    size_t text_len = 0;
    if (missive_send_result_text(result, MISSIVE_SEND_RESULT_FIELD_PICKUP_PATH, text, sizeof text,
                                 &text_len) == MISSIVE_RESULT_OK) {
        printf("delivered <%s> into the pickup directory: %s\n", id, text);
    } else {
        missive_send_result_text(result, MISSIVE_SEND_RESULT_FIELD_REPLY_TEXT, text, sizeof text,
                                 &text_len);
        printf("sent <%s> over SMTP: %u %s\n", id,
               (unsigned)missive_send_result_reply_code(result), text);
    }
    status = 0;

cleanup:
    missive_send_result_free(result);
    missive_client_free(client);
    missive_message_free(message);
    return status;
}
