/*
 * send_dkim: a DKIM-signed message with one-click unsubscribe (RFC 8058), as mailbox providers
 * expect from bulk senders.
 *
 *   MISSIVE_DKIM_KEY       the PEM private key file (PKCS#8 "PRIVATE KEY" for RSA or Ed25519,
 *                          PKCS#1 "RSA PRIVATE KEY" for RSA)
 *   MISSIVE_DKIM_DOMAIN    the signing domain (d=), e.g. example.com
 *   MISSIVE_DKIM_SELECTOR  the selector (s=): the public key is published in DNS as
 *                          <selector>._domainkey.<domain>
 *   MISSIVE_DKIM_ALGORITHM rsa-sha256 (default) or ed25519-sha256
 *
 * Delivery as in send_message: MISSIVE_SMTP_URL for a server, else the pickup directory
 * ./outbox (or MISSIVE_PICKUP_DIR); MISSIVE_FROM and MISSIVE_TO set the addresses;
 * MISSIVE_PROXY_URL reaches the SMTP server through a proxy.
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
    fprintf(stderr, "%s failed: %s (%d): %s\n", what, missive_result_str(r), (int)r, detail);
    return 1;
}

static const char *env(const char *name, const char *fallback) {
    const char *v = getenv(name);
    return (v != NULL && v[0] != '\0') ? v : fallback;
}

#define S(literal) literal, strlen(literal)

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

    const char *key = env("MISSIVE_DKIM_KEY", NULL);
    const char *domain = env("MISSIVE_DKIM_DOMAIN", NULL);
    const char *selector = env("MISSIVE_DKIM_SELECTOR", NULL);
    const char *algorithm = env("MISSIVE_DKIM_ALGORITHM", "rsa-sha256");
    if (key == NULL || domain == NULL || selector == NULL) {
        fprintf(stderr, "set MISSIVE_DKIM_KEY (a PEM private key file), MISSIVE_DKIM_DOMAIN and "
                        "MISSIVE_DKIM_SELECTOR\n");
        status = 2;
        goto cleanup;
    }
    int32_t alg;
    if (strcmp(algorithm, "rsa-sha256") == 0) {
        alg = MISSIVE_DKIM_ALGORITHM_RSA_SHA256;
    } else if (strcmp(algorithm, "ed25519-sha256") == 0) {
        alg = MISSIVE_DKIM_ALGORITHM_ED25519_SHA256;
    } else {
        fprintf(stderr, "MISSIVE_DKIM_ALGORITHM is rsa-sha256 or ed25519-sha256, not %s\n",
                algorithm);
        status = 2;
        goto cleanup;
    }

    /* The message, with the bulk-sender unsubscribe fields. */
    const char *from = env("MISSIVE_FROM", "Newsletter <news@example.com>");
    const char *to = env("MISSIVE_TO", "receiver@example.com");
    if ((r = missive_message_set_from(message, from, strlen(from))) != MISSIVE_RESULT_OK)
        { status = report("set_from", r, NULL, message); goto cleanup; }
    if ((r = missive_message_add_recipients(message, MISSIVE_RECIPIENT_KIND_TO,
                                            to, strlen(to))) != MISSIVE_RESULT_OK)
        { status = report("add_recipients", r, NULL, message); goto cleanup; }
    if ((r = missive_message_set_subject(message, S("A signed newsletter"))) != MISSIVE_RESULT_OK)
        { status = report("set_subject", r, NULL, message); goto cleanup; }
    if ((r = missive_message_set_body(message, S("Hello,\n\nThis message is DKIM-signed.\n"))) != MISSIVE_RESULT_OK)
        { status = report("set_body", r, NULL, message); goto cleanup; }
    if ((r = missive_message_set_list_unsubscribe(message, S("https://example.com/unsubscribe?u=1"),
                                                  S("unsubscribe@example.com"), true)) != MISSIVE_RESULT_OK)
        { status = report("set_list_unsubscribe", r, NULL, message); goto cleanup; }

    /* The client: the signer, then SMTP when a server is configured, else a pickup directory. */
    if ((r = missive_client_add_dkim_signer_file(client, domain, strlen(domain), selector,
                                                 strlen(selector), key, strlen(key), alg,
                                                 MISSIVE_DKIM_FLAGS_DEFAULT)) != MISSIVE_RESULT_OK)
        { status = report("add_dkim_signer_file", r, client, NULL); goto cleanup; }
    const char *url = env("MISSIVE_SMTP_URL", NULL);
    const char *dir = env("MISSIVE_PICKUP_DIR", "outbox");
    if (url != NULL) {
        if ((r = missive_client_set_url(client, url, strlen(url))) != MISSIVE_RESULT_OK)
            { status = report("set_url", r, client, NULL); goto cleanup; }
        const char *proxy = env("MISSIVE_PROXY_URL", NULL);
        if (proxy != NULL &&
            (r = missive_client_set_proxy(client, proxy, strlen(proxy))) != MISSIVE_RESULT_OK)
            { status = report("set_proxy", r, client, NULL); goto cleanup; }
    } else if ((r = missive_client_set_delivery_method(client, MISSIVE_DELIVERY_METHOD_PICKUP_DIRECTORY)) != MISSIVE_RESULT_OK ||
               (r = missive_client_set_pickup_directory(client, dir, strlen(dir))) != MISSIVE_RESULT_OK) {
        status = report("configure client", r, client, NULL);
        goto cleanup;
    }

    if ((r = missive_client_send(client, message, &result)) != MISSIVE_RESULT_OK)
        { status = report("send", r, client, NULL); goto cleanup; }
    char where[1024];
    size_t where_len = 0;
    if (missive_send_result_text(result, MISSIVE_SEND_RESULT_FIELD_PICKUP_PATH, where, sizeof where,
                                 &where_len) == MISSIVE_RESULT_OK) {
        printf("signed (d=%s, s=%s) and delivered into the pickup directory: %s\n", domain,
               selector, where);
    } else {
        printf("signed (d=%s, s=%s) and sent over SMTP: %u\n", domain, selector,
               (unsigned)missive_send_result_reply_code(result));
    }
    status = 0;

cleanup:
    missive_send_result_free(result);
    missive_client_free(client);
    missive_message_free(message);
    return status;
}
