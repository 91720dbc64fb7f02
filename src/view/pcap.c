/*
 * pcap: a connection's bytes as a capture file (see pcap.h).
 *
 * Design
 *   Each packet is a 20-byte IPv4 header, a 20-byte TCP header and the
 *   payload, written at once. Every multi-byte field of the file is
 *   little-endian (the magic number says so to readers); the packet's
 *   own headers are in network order. The TCP window is always 65535:
 *   the capture shows the bytes, not the kernel's flow control.
 *   pcap_write_trace cuts each direction's bytes by its events: it walks
 *   the trace once and, for each event that put bytes out, writes that
 *   many of its direction's kept bytes. Wireshark reassembles a TCP
 *   stream before it dissects it, so a cut that falls inside a frame
 *   moves only a timestamp, never what the frames say.
 */
#include "view/pcap.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/sched.h"
#include "core/trace.h"

/* What fits in one IPv4 datagram after the two headers. */
#define PCAP_MAX_PAYLOAD (65535 - 40)

enum { TCP_FIN = 0x01, TCP_SYN = 0x02, TCP_RST = 0x04, TCP_PSH = 0x08,
       TCP_ACK = 0x10 };

struct pcap {
    struct sched_mutex mu;
    FILE *f;
    uint16_t port[2];  /* [0] the client's, [1] the server's */
    uint32_t next[2];  /* each sender's next sequence number */
    int ended[2];      /* FIN or RST sent */
    uint16_t ip_id;
    int failed;        /* a write failed */
};

static void put16le(uint8_t *b, uint32_t v)
{
    b[0] = (uint8_t)v;
    b[1] = (uint8_t)(v >> 8);
}

static void put32le(uint8_t *b, uint32_t v)
{
    put16le(b, v);
    put16le(b + 2, v >> 16);
}

static void put16be(uint8_t *b, uint32_t v)
{
    b[0] = (uint8_t)(v >> 8);
    b[1] = (uint8_t)v;
}

static void put32be(uint8_t *b, uint32_t v)
{
    put16be(b, v >> 16);
    put16be(b + 2, v);
}

/* The Internet checksum's running sum of n bytes. */
static uint32_t sum_bytes(uint32_t sum, const uint8_t *b, size_t n)
{
    size_t i = 0;

    for (i = 0; i + 1 < n; i += 2)
        sum += (uint32_t)b[i] << 8 | b[i + 1];
    if (n % 2)
        sum += (uint32_t)b[n - 1] << 8;
    return sum;
}

static uint16_t fold(uint32_t sum)
{
    while (sum >> 16)
        sum = (sum & 0xffff) + (sum >> 16);
    return (uint16_t)~sum;
}

/* One packet from dir's sender: flags, payload. Needs mu held. */
static void packet_locked(struct pcap *p, int dir, int64_t t_ns,
                          uint8_t flags, const uint8_t *data, size_t n)
{
    uint8_t rec[16], h[40], pseudo[12];
    uint32_t sum = 0;
    int64_t t = t_ns < 0 ? 0 : t_ns;

    put32le(rec, (uint32_t)(t / 1000000000));
    put32le(rec + 4, (uint32_t)(t % 1000000000));
    put32le(rec + 8, (uint32_t)(40 + n));
    put32le(rec + 12, (uint32_t)(40 + n));
    memset(h, 0, sizeof h);
    h[0] = 0x45;
    put16be(h + 2, (uint32_t)(40 + n));
    put16be(h + 4, p->ip_id++);
    put16be(h + 6, 0x4000); /* don't fragment */
    h[8] = 64;
    h[9] = 6; /* TCP */
    put32be(h + 12, 0x7f000001);
    put32be(h + 16, 0x7f000001);
    put16be(h + 10, fold(sum_bytes(0, h, 20)));
    put16be(h + 20, p->port[dir]);
    put16be(h + 22, p->port[1 - dir]);
    put32be(h + 24, p->next[dir]);
    put32be(h + 28, (flags & TCP_ACK) ? p->next[1 - dir] : 0);
    h[32] = 5 << 4;
    h[33] = flags;
    put16be(h + 34, 65535);
    memcpy(pseudo, h + 12, 8);
    pseudo[8] = 0;
    pseudo[9] = 6;
    put16be(pseudo + 10, (uint32_t)(20 + n));
    sum = sum_bytes(sum_bytes(sum_bytes(0, pseudo, 12), h + 20, 20), data,
                    n);
    put16be(h + 36, fold(sum));
    if (fwrite(rec, 1, sizeof rec, p->f) != sizeof rec ||
        fwrite(h, 1, sizeof h, p->f) != sizeof h ||
        (n > 0 && fwrite(data, 1, n, p->f) != n))
        p->failed = 1;
    p->next[dir] += (uint32_t)n + ((flags & (TCP_SYN | TCP_FIN)) ? 1 : 0);
}

enum status pcap_create(const char *path, struct pcap **out,
                        struct status_detail *why)
{
    uint8_t hdr[24];
    struct pcap *p = calloc(1, sizeof *p);

    if (p == NULL)
        return status_detail_set(why, STATUS_RESOURCE_EXHAUSTED,
                                 "out of memory");
    p->f = fopen(path, "wb");
    if (p->f == NULL) {
        int err = errno;

        free(p);
        return status_detail_set(why, STATUS_UNAVAILABLE,
                                 "cannot write the capture to %s: %s", path,
                                 strerror(err));
    }
    put32le(hdr, 0xa1b23c4d); /* pcap with nanosecond timestamps */
    put16le(hdr + 4, 2);
    put16le(hdr + 6, 4);
    put32le(hdr + 8, 0);
    put32le(hdr + 12, 0);
    put32le(hdr + 16, 262144);
    put32le(hdr + 20, 101); /* LINKTYPE_RAW: IPv4 packets */
    if (fwrite(hdr, 1, sizeof hdr, p->f) != sizeof hdr)
        p->failed = 1;
    sched_mutex_init(&p->mu);
    *out = p;
    return STATUS_OK;
}

void pcap_handshake(struct pcap *p, uint16_t client_port,
                    uint16_t server_port, int64_t t_ns)
{
    sched_mutex_lock(&p->mu);
    p->port[0] = client_port;
    p->port[1] = server_port;
    p->next[0] = 1000;
    p->next[1] = 5000;
    p->ended[0] = p->ended[1] = 0;
    packet_locked(p, PCAP_C2S, t_ns, TCP_SYN, NULL, 0);
    packet_locked(p, PCAP_S2C, t_ns, TCP_SYN | TCP_ACK, NULL, 0);
    packet_locked(p, PCAP_C2S, t_ns, TCP_ACK, NULL, 0);
    sched_mutex_unlock(&p->mu);
}

void pcap_data(struct pcap *p, int dir, int64_t t_ns, const uint8_t *buf,
               size_t n)
{
    sched_mutex_lock(&p->mu);
    while (n > 0 && !p->ended[dir]) {
        size_t k = n < PCAP_MAX_PAYLOAD ? n : PCAP_MAX_PAYLOAD;

        packet_locked(p, dir, t_ns, TCP_PSH | TCP_ACK, buf, k);
        buf += k;
        n -= k;
    }
    sched_mutex_unlock(&p->mu);
}

static void end_with(struct pcap *p, int dir, int64_t t_ns, uint8_t flags)
{
    sched_mutex_lock(&p->mu);
    if (!p->ended[dir]) {
        packet_locked(p, dir, t_ns, flags, NULL, 0);
        p->ended[dir] = 1;
    }
    sched_mutex_unlock(&p->mu);
}

void pcap_fin(struct pcap *p, int dir, int64_t t_ns)
{
    end_with(p, dir, t_ns, TCP_FIN | TCP_ACK);
}

void pcap_reset(struct pcap *p, int dir, int64_t t_ns)
{
    end_with(p, dir, t_ns, TCP_RST | TCP_ACK);
}

/* The direction an event names: PCAP_C2S, PCAP_S2C, or -1. */
static int event_dir(const struct trace_event *e)
{
    if (strcmp(e->dir, "c2s") == 0)
        return PCAP_C2S;
    if (strcmp(e->dir, "s2c") == 0)
        return PCAP_S2C;
    return -1;
}

/* The bytes event e put on its pipe: 0 when it put none. */
static size_t event_bytes(const struct trace_event *e, int h2)
{
    if (!h2 && e->kind == TRACE_SEND)
        return 5 + (size_t)e->length;
    if (h2 && e->kind == TRACE_NOTE)
        return 9 + (size_t)e->length;
    return 0;
}

void pcap_write_trace(struct pcap *p, const struct trace *t, int h2,
                      uint16_t client_port, uint16_t server_port,
                      int64_t base_ns, uint64_t kept[2], uint64_t total[2])
{
    const struct trace_wire *w[2] = {NULL, NULL};
    size_t off[2] = {0, 0}, i = 0, n = 0;
    int64_t scale = trace_in_steps(t) ? 1000 : 1, last = 0;
    int d = 0;

    for (i = 0; i < TRACE_WIRES; i++) {
        const struct trace_wire *s = trace_wire_at(t, (int)i);

        if (strcmp(s->name, "c2s") == 0 && w[0] == NULL)
            w[0] = s;
        else if (strcmp(s->name, "s2c") == 0 && w[1] == NULL)
            w[1] = s;
    }
    pcap_handshake(p, client_port, server_port, base_ns);
    for (i = 0; i < trace_length(t); i++) {
        const struct trace_event *e = trace_event_at(t, i);

        d = event_dir(e);
        /* The raw wire's ends of a direction close its pipe: a FIN. */
        if (!h2 && (e->kind == TRACE_CLOSE_SEND || e->kind == TRACE_FINISH)) {
            d = e->kind == TRACE_CLOSE_SEND ? PCAP_C2S : PCAP_S2C;
            if (w[d] == NULL || off[d] == w[d]->len)
                pcap_fin(p, d, base_ns + e->t_ns * scale);
            continue;
        }
        n = d < 0 ? 0 : event_bytes(e, h2);
        if (n == 0 || w[d] == NULL)
            continue;
        if (h2 && d == PCAP_C2S && off[d] == 0)
            n += 24; /* the client's connection preface */
        n = n < w[d]->len - off[d] ? n : w[d]->len - off[d];
        last = base_ns + e->t_ns * scale;
        pcap_data(p, d, last, w[d]->bytes + off[d], n);
        off[d] += n;
    }
    for (d = 0; d < 2; d++) {
        if (w[d] != NULL && off[d] < w[d]->len) /* not matched to an event */
            pcap_data(p, d, last, w[d]->bytes + off[d], w[d]->len - off[d]);
        pcap_fin(p, d, last);
        if (kept != NULL)
            kept[d] = w[d] != NULL ? w[d]->len : 0;
        if (total != NULL)
            total[d] = w[d] != NULL ? w[d]->total : 0;
    }
}

enum status pcap_close(struct pcap *p, struct status_detail *why)
{
    int failed = 0;

    if (p == NULL)
        return STATUS_OK;
    failed = p->failed;
    if (fclose(p->f) != 0)
        failed = 1;
    sched_mutex_destroy(&p->mu);
    free(p);
    if (failed)
        return status_detail_set(why, STATUS_UNAVAILABLE,
                                 "a write to the capture failed");
    return STATUS_OK;
}
