/* A program outside the missive tree: composes a message, delivers it into the pickup
 * directory argv[1] and checks that one .eml file with the subject arrived there. */
#include <dirent.h>
#include <stdio.h>
#include <string.h>

#include <missive.h>

#define S(literal) literal, strlen(literal)

int main(int argc, char **argv) {
    if (argc != 2) return 2;
    if (strcmp(missive_version(), MISSIVE_VERSION) != 0) {
        fprintf(stderr, "library %s, header %s\n", missive_version(), MISSIVE_VERSION);
        return 1;
    }
    missive_message *m = missive_message_new();
    missive_client *c = missive_client_new();
    missive_send_result *res = NULL;
    int status = 1;
    if (missive_message_set_from(m, S("a@example.com")) == MISSIVE_RESULT_OK &&
        missive_message_add_recipients(m, MISSIVE_RECIPIENT_KIND_TO, S("b@example.com")) ==
            MISSIVE_RESULT_OK &&
        missive_message_set_subject(m, S("installed")) == MISSIVE_RESULT_OK &&
        missive_client_set_delivery_method(c, MISSIVE_DELIVERY_METHOD_PICKUP_DIRECTORY) ==
            MISSIVE_RESULT_OK &&
        missive_client_set_pickup_directory(c, argv[1], strlen(argv[1])) == MISSIVE_RESULT_OK &&
        missive_client_send(c, m, &res) == MISSIVE_RESULT_OK && missive_send_result_delivered(res)) {
        char path[1024];
        size_t n = 0;
        if (missive_send_result_text(res, MISSIVE_SEND_RESULT_FIELD_PICKUP_PATH, path, sizeof path,
                                     &n) == MISSIVE_RESULT_OK) {
            FILE *f = fopen(path, "rb");
            char buf[4096];
            size_t got = f ? fread(buf, 1, sizeof buf - 1, f) : 0;
            if (f) fclose(f);
            buf[got] = '\0';
            if (strstr(buf, "Subject: installed") != NULL) {
                printf("ok: %s\n", path);
                status = 0;
            }
        }
    }
    if (status != 0) fprintf(stderr, "delivery into %s failed\n", argv[1]);
    missive_send_result_free(res);
    missive_client_free(c);
    missive_message_free(m);
    return status;
}
