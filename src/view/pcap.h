/*
 * pcap: a connection's bytes as a capture file that Wireshark and tshark
 * read (the classic pcap format, nanosecond timestamps, LINKTYPE_RAW:
 * each packet an IPv4 datagram).
 *
 * A call's two directions become one TCP connection on 127.0.0.1, from
 * the client's port to the server's: a handshake (SYN, SYN+ACK, ACK),
 * the bytes of each direction in the segments they were given in (split
 * at 65,495 bytes, what fits in one IPv4 datagram), each acknowledging
 * what the other side had sent until then, and FIN or RST where the
 * caller says they happened. Sequence numbers start at fixed values
 * (client 1000, server 5000), so the same bytes give the same file.
 * Checksums are computed, so no tool flags them.
 *
 * For a real socket the caller hands over what it sent and read as it
 * happens (h2_socket's tap); for an in-process run pcap_write_trace
 * makes the segments from a trace after the run. `tshark -r FILE -d
 * tcp.port==PORT,http2` then dissects HTTP/2 (and gRPC inside it), where
 * PORT is the server's.
 *
 * Design
 *   A pcap is written as it goes (nothing kept but the counters), under
 *   one lock, so a socket's reader and writer threads may both hand over
 *   bytes. Timestamps are what the caller gives: real time for real
 *   runs, virtual time for simulated ones.
 */
#ifndef PCAP_H
#define PCAP_H

#include <stddef.h>
#include <stdint.h>

#include "core/status.h"

struct trace;

/* A capture being written; its fields are in pcap.c. */
struct pcap;

/* The directions, as the trace's: c2s and s2c. */
enum { PCAP_C2S = 0, PCAP_S2C = 1 };

/*
 * Creates path (replacing it) and writes the file header.
 * Returns one of:
 *   STATUS_OK                  *out is the capture
 *   STATUS_UNAVAILABLE         path cannot be written (why has the
 *                              system's words)
 *   STATUS_RESOURCE_EXHAUSTED  out of memory
 * *out untouched on failure. why may be NULL.
 */
enum status pcap_create(const char *path, struct pcap **out,
                        struct status_detail *why);

/*
 * Begins a connection from 127.0.0.1:client_port to
 * 127.0.0.1:server_port: its handshake (SYN, SYN+ACK, ACK) at t_ns (ns
 * since 1970). What follows is this connection's, until the next
 * handshake: one file may hold several connections, one after another.
 */
void pcap_handshake(struct pcap *p, uint16_t client_port,
                    uint16_t server_port, int64_t t_ns);

/* n bytes that direction dir sent at t_ns, as segments. */
void pcap_data(struct pcap *p, int dir, int64_t t_ns, const uint8_t *buf,
               size_t n);

/* Direction dir's sender ended it (FIN; only the first counts). */
void pcap_fin(struct pcap *p, int dir, int64_t t_ns);

/* Direction dir's sender reset the connection (RST; only the first). */
void pcap_reset(struct pcap *p, int dir, int64_t t_ns);

/*
 * Writes a whole in-process run from trace t as one connection from
 * client_port to server_port: the handshake at base_ns,
 * then each pipe's kept bytes (c2s, s2c: the trace keeps the first
 * TRACE_WIRE_MAX of each) cut where the run put them out, at their
 * events' times after base_ns, and a FIN each way (the raw wire's at
 * CloseSend and at the server's finish, which close its pipes; else at
 * the end). h2 says how the
 * bytes were put out: 0, the raw wire, one gRPC frame (5 bytes and the
 * message) per SEND event; 1, the HTTP/2 wire, the client's preface and
 * one HTTP/2 frame (9 bytes and the payload) per frame its writer noted.
 * A simulated run's times are its steps: one step is one microsecond.
 * *kept and *total (may be NULL) get, per direction, the bytes written
 * and the bytes the run sent. Call it once every thread that recorded
 * into t has been joined.
 */
void pcap_write_trace(struct pcap *p, const struct trace *t, int h2,
                      uint16_t client_port, uint16_t server_port,
                      int64_t base_ns, uint64_t kept[2], uint64_t total[2]);

/*
 * Flushes and closes the file and frees p (NULL is a no-op). Returns
 * STATUS_OK, or STATUS_UNAVAILABLE when some write failed (why says so).
 */
enum status pcap_close(struct pcap *p, struct status_detail *why);

#endif /* PCAP_H */
