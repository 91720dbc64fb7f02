/*
 * h2_headers: the header blocks of a gRPC call on HTTP/2, as gRPC's
 * PROTOCOL-HTTP2.md spells them.
 *
 * Design
 *   Each list is built into a struct h2_header_list that owns the text of
 *   its values, so it lives exactly as long as the nghttp2_submit_* call
 *   that copies it. grpc-message is percent-encoded: every byte outside
 *   printable ASCII (0x20-0x7E), and '%' itself, becomes %XX.
 */
#include <stdio.h>
#include <string.h>

#include "h2/h2_internal.h"

static void add(struct h2_header_list *h, const char *name, const char *value)
{
    nghttp2_nv *nv = &h->nv[h->n++];

    nv->name = (uint8_t *)(uintptr_t)name;
    nv->namelen = strlen(name);
    nv->value = (uint8_t *)(uintptr_t)value;
    nv->valuelen = strlen(value);
    nv->flags = NGHTTP2_NV_FLAG_NONE;
}

/*
 * grpc-timeout: at most 8 digits and a unit: nanoseconds, milliseconds or
 * seconds, the finest that fits. gRPC wants a positive value, so a
 * deadline already past is sent as 1n.
 */
static void format_timeout(char *out, size_t cap, int64_t ns)
{
    int64_t ms = ns / 1000000;

    if (ns <= 0)
        snprintf(out, cap, "1n");
    else if (ns < 100000000)
        snprintf(out, cap, "%lldn", (long long)ns);
    else if (ms < 100000000)
        snprintf(out, cap, "%lldm", (long long)ms);
    else
        snprintf(out, cap, "%lldS", (long long)(ms / 1000 % 100000000));
}

/*
 * grpc-timeout's value: 1 to 8 ASCII digits and a unit (H hours, M
 * minutes, S seconds, m milliseconds, u microseconds, n nanoseconds), as
 * gRPC's PROTOCOL-HTTP2.md spells it. Anything else is read as no
 * deadline (SCHED_NO_DEADLINE): lenient where grpc-go's server refuses
 * the request ("malformed grpc-timeout").
 */
int64_t h2_parse_timeout(const uint8_t *value, size_t len)
{
    static const char units[] = "HMSmun";
    static const int64_t ns_per[] = {3600000000000LL, 60000000000LL,
                                     1000000000LL, 1000000LL, 1000LL, 1LL};
    const char *unit = NULL;
    int64_t n = 0;
    size_t i = 0;

    if (len < 2 || len > 9 || value[len - 1] == '\0')
        return SCHED_NO_DEADLINE;
    unit = strchr(units, value[len - 1]);
    if (unit == NULL)
        return SCHED_NO_DEADLINE;
    for (i = 0; i + 1 < len; i++) {
        if (value[i] < '0' || value[i] > '9')
            return SCHED_NO_DEADLINE;
        n = n * 10 + (value[i] - '0');
    }
    /* 99,999,999 hours do not fit in int64 nanoseconds: never, then. */
    if (n > INT64_MAX / ns_per[unit - units])
        return SCHED_NO_DEADLINE;
    return n * ns_per[unit - units];
}

void h2_request_headers(struct h2_header_list *h, int64_t timeout_ns)
{
    h2_request_headers_at(h, "", timeout_ns);
}

void h2_request_headers_at(struct h2_header_list *h, const char *path,
                           int64_t timeout_ns)
{
    h->n = 0;
    add(h, ":method", "POST");
    add(h, ":scheme", "http");
    add(h, ":path", path[0] != '\0' ? path : "/chat.ChatService/Chat");
    add(h, ":authority", "duplex");
    add(h, "content-type", "application/grpc");
    add(h, "te", "trailers");
    if (timeout_ns != SCHED_NO_DEADLINE) {
        format_timeout(h->timeout, sizeof h->timeout, timeout_ns);
        add(h, "grpc-timeout", h->timeout);
    }
}

void h2_response_headers(struct h2_header_list *h)
{
    h->n = 0;
    add(h, ":status", "200");
    add(h, "content-type", "application/grpc");
}

void h2_trailers(struct h2_header_list *h, const struct status_detail *st,
                 int trailers_only)
{
    if (trailers_only)
        h2_response_headers(h);
    else
        h->n = 0;
    snprintf(h->status, sizeof h->status, "%d", (int)st->code);
    add(h, "grpc-status", h->status);
    if (st->text[0] != '\0') {
        h2_percent_encode(h->message, sizeof h->message, st->text);
        add(h, "grpc-message", h->message);
    }
}

void h2_percent_encode(char *out, size_t cap, const char *text)
{
    static const char hex[] = "0123456789ABCDEF";
    size_t o = 0;

    for (; *text != '\0' && o + 4 <= cap; text++) {
        unsigned char b = (unsigned char)*text;

        if (b >= 0x20 && b <= 0x7e && b != '%') {
            out[o++] = (char)b;
        } else {
            out[o++] = '%';
            out[o++] = hex[b >> 4];
            out[o++] = hex[b & 15];
        }
    }
    out[o] = '\0';
}

static int hex_value(uint8_t c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    return -1;
}

/* A '%' not followed by two hex digits is kept as it is (gRPC's rule). */
void h2_percent_decode(char *out, size_t cap, const uint8_t *in, size_t len)
{
    size_t i = 0, o = 0;

    for (i = 0; i < len && o + 1 < cap; i++) {
        int hi = i + 2 < len && in[i] == '%' ? hex_value(in[i + 1]) : -1;
        int lo = hi >= 0 ? hex_value(in[i + 2]) : -1;

        if (lo >= 0) {
            out[o++] = (char)(hi << 4 | lo);
            i += 2;
        } else {
            out[o++] = (char)in[i];
        }
    }
    out[o] = '\0';
}
