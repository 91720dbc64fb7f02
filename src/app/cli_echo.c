/*
 * cli_echo: the echo's messages over a real socket (see cli_echo.h).
 */
#include "app/cli_echo.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "scenarios/call.h"

enum status cli_echo_send(struct stream_end *e, int i, long long size,
                          struct status_detail *why)
{
    char text[CALL_TEXT_MAX];
    uint8_t *big = NULL;
    enum status st = STATUS_OK;

    if (size < 0) {
        int len = message_text(i, text, sizeof text);

        return stream_send(e, text, (size_t)len, why);
    }
    big = malloc(size > 0 ? (size_t)size : 1);
    if (big == NULL)
        return status_detail_set(why, STATUS_RESOURCE_EXHAUSTED,
                                 "no memory for %lld bytes", size);
    memset(big, 'x', (size_t)size);
    st = stream_send(e, big, (size_t)size, why);
    free(big);
    return st;
}

long cli_echo_size_asked(const struct frame_msg *msg)
{
    char digits[16];
    char *end = NULL;
    long n = -1;

    if (msg->length < 6 || msg->length > 5 + 10 ||
        memcmp(msg->data, "size:", 5) != 0)
        return -1;
    memcpy(digits, msg->data + 5, msg->length - 5);
    digits[msg->length - 5] = '\0';
    n = strtol(digits, &end, 10);
    return *end == '\0' && n >= 0 ? n : -1;
}

enum status cli_echo_reply(struct stream_end *e, const struct frame_msg *msg,
                           unsigned long long *sent,
                           struct status_detail *why)
{
    char out[CALL_TEXT_MAX + 8];
    long size = cli_echo_size_asked(msg);
    enum status st = STATUS_OK;
    int len = 0;

    if (size >= 0) {
        st = cli_echo_send(e, 0, size, why);
        if (st == STATUS_OK && sent != NULL)
            *sent += (unsigned long long)size;
        return st;
    }
    if (msg->length > CALL_TEXT_MAX)
        len = snprintf(out, sizeof out, "echo: %lu bytes",
                       (unsigned long)msg->length);
    else
        len = snprintf(out, sizeof out, "echo: %.*s", (int)msg->length,
                       (const char *)msg->data);
    st = stream_send(e, out, (size_t)len, why);
    if (st == STATUS_OK && sent != NULL)
        *sent += (unsigned long long)len;
    return st;
}
