/*
 * registry: the table of scenarios, in lesson order (`duplex list` prints
 * it in this order).
 *
 * Design
 *   One row per scenario. A new scenario is one file that defines its
 *   struct scenario, its declaration in registry.h, and its row here;
 *   nothing else changes.
 *
 *   An exercise's duplex (build/exercises/NAME/duplex, built by
 *   exercises/run.sh) compiles this file again with
 *   -DREGISTRY_EXTRA=scenario_exercise: the exercise's scenario (its
 *   scenario.c, which calls the learner's code) is then the table's last
 *   row, and every command works on it as on the others.
 */
#include "scenarios/registry.h"

#include <string.h>

#ifdef REGISTRY_EXTRA
extern const struct scenario REGISTRY_EXTRA;
#endif
extern const struct scenario scenario_shared_window; /* shared-window.c */

static const struct scenario *const table[] = {
    &scenario_echo,
    &scenario_chat,
    &scenario_one_thread_client,
    &scenario_both_hot,
    &scenario_forgot_close_send,
    &scenario_concurrent_senders,
    &scenario_concurrent_senders_quota,
    &scenario_error_propagation,
    &scenario_sender_fails_first,
    &scenario_rpc_kinds,
    &scenario_eof_order,
    &scenario_context_leak,
    &scenario_pause_resume,
    &scenario_reconcile,
    &scenario_collaborate,
    &scenario_cancel_vs_drain,
    &scenario_backpressure,
    &scenario_send_after_eof,
    &scenario_hub,
    &scenario_shared_window,
#ifdef REGISTRY_EXTRA
    &REGISTRY_EXTRA,
#endif
};

#define NSCENARIOS (sizeof table / sizeof table[0])

size_t scenario_count(void)
{
    return NSCENARIOS;
}

const struct scenario *scenario_at(size_t i)
{
    return i < NSCENARIOS ? table[i] : NULL;
}

const struct scenario *scenario_find(const char *name)
{
    size_t i = 0;

    for (i = 0; i < NSCENARIOS; i++)
        if (strcmp(table[i]->name, name) == 0)
            return table[i];
    return NULL;
}
