/*
 * registry: every scenario, each defined in its own file (echo.c defines
 * scenario_echo, ...); registry.c lists them in lesson order for
 * scenario_at and scenario_find.
 */
#ifndef REGISTRY_H
#define REGISTRY_H

#include "scenarios/scenario.h"

extern const struct scenario scenario_echo;
extern const struct scenario scenario_chat;
extern const struct scenario scenario_one_thread_client;
extern const struct scenario scenario_both_hot;
extern const struct scenario scenario_forgot_close_send;
extern const struct scenario scenario_concurrent_senders;
extern const struct scenario scenario_concurrent_senders_quota;
extern const struct scenario scenario_error_propagation;
extern const struct scenario scenario_sender_fails_first;
extern const struct scenario scenario_rpc_kinds;
extern const struct scenario scenario_eof_order;
extern const struct scenario scenario_context_leak;
extern const struct scenario scenario_pause_resume;
extern const struct scenario scenario_reconcile;
extern const struct scenario scenario_collaborate;
extern const struct scenario scenario_cancel_vs_drain;
extern const struct scenario scenario_backpressure;
extern const struct scenario scenario_send_after_eof;
extern const struct scenario scenario_hub;

#endif /* REGISTRY_H */
