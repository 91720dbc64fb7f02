/*
 * scenario: running any scenario of the table, checking its options, and
 * mapping its result to an exit code.
 *
 * Design
 *   Nothing here knows a scenario by name. What differs from one scenario
 *   to the next is in its struct scenario (registry.c lists them): its
 *   defaults, its documented outcome, its body and its own option check.
 *   scenario_run checks the options, bounds a run on real threads that
 *   would hang, runs the body (run_body in call.c: simulated or on real
 *   threads) and gives a failed status words where the body left none.
 */
#include "scenarios/scenario.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "scenarios/call.h"

/* On real threads, the deadline of a scenario that would hang without. */
#define SCENARIO_OS_TIMEOUT_MS 200

void scenario_say(struct scenario_result *r, const char *fmt, ...)
{
    size_t room = sizeof r->report - r->report_len;
    va_list ap;
    int n = 0;

    if (room < 2)
        return;
    va_start(ap, fmt);
    n = vsnprintf(r->report + r->report_len, room - 1, fmt, ap);
    va_end(ap);
    if (n < 0)
        return;
    r->report_len += (size_t)n < room - 1 ? (size_t)n : room - 2;
    r->report[r->report_len++] = '\n';
    r->report[r->report_len] = '\0';
}

/* The words for a status that came without any (Go's, where Go has them). */
static const char *words_for(enum status st)
{
    switch (st) {
    case STATUS_CANCELLED: return "context canceled";
    case STATUS_DEADLINE_EXCEEDED: return "context deadline exceeded";
    case STATUS_DEADLOCK: return "no thread could ever run again";
    default: return status_name(st);
    }
}

/* 1 when sc is one of the table's own scenarios, not a copy. */
static int in_table(const struct scenario *sc)
{
    size_t i = 0;

    for (i = 0; i < scenario_count(); i++)
        if (sc == scenario_at(i))
            return 1;
    return 0;
}

enum status scenario_run(const struct scenario *sc,
                         const struct scenario_options *opts,
                         struct scenario_result *r)
{
    struct scenario_options o = *opts;
    int known = in_table(sc);

    memset(r, 0, sizeof *r);
    if (!known || scenario_check(sc, opts, &r->why) != STATUS_OK) {
        if (!known)
            status_detail_set(&r->why, STATUS_INVALID_ARGUMENT,
                              "not one of scenario_at's scenarios");
        r->usage_error = 1;
        r->status = STATUS_INVALID_ARGUMENT;
        return r->status;
    }
    /*
     * On real threads a forgotten CloseSend hangs: bound it. Only the
     * mistake hangs; its fix runs as long as it needs (a slow machine, or
     * Valgrind, must not turn a correct run into DEADLINE_EXCEEDED).
     */
    if (o.os && sc->needs_deadline && o.timeout_ms <= 0 &&
        !(o.fix && sc->fix_summary != NULL))
        o.timeout_ms = SCENARIO_OS_TIMEOUT_MS;
    r->status = run_body(sc, &o, r);
    if (r->status == STATUS_OK)
        status_detail_clear(&r->why);
    else if (r->why.code != r->status || r->why.text[0] == '\0' ||
             strcmp(r->why.text, status_name(r->status)) == 0)
        status_detail_set(&r->why, r->status, "%s", words_for(r->status));
    return r->status;
}

/* The name of the first scenario that takes --clients, or NULL. */
static const char *clients_taker(void)
{
    size_t i = 0;

    for (i = 0; i < scenario_count(); i++)
        if (scenario_at(i)->takes_clients)
            return scenario_at(i)->name;
    return NULL;
}

/* The first scenario that takes --kind, or NULL. */
static const struct scenario *kind_taker(void)
{
    size_t i = 0;

    for (i = 0; i < scenario_count(); i++)
        if (scenario_at(i)->kinds != NULL)
            return scenario_at(i);
    return NULL;
}

/*
 * Checks --kind: only where sc takes one, and one of its kinds.
 * Returns STATUS_OK or STATUS_INVALID_ARGUMENT (why says what to change).
 */
static enum status check_kind(const struct scenario *sc, const char *kind,
                              struct status_detail *why)
{
    char kinds[128] = "";
    size_t i = 0;

    if (kind == NULL)
        return STATUS_OK;
    if (sc->kinds == NULL && kind_taker() == NULL)
        return status_detail_set(why, STATUS_INVALID_ARGUMENT,
                                 "--kind is for no scenario");
    if (sc->kinds == NULL)
        return status_detail_set(why, STATUS_INVALID_ARGUMENT,
                                 "--kind is for the %s scenario",
                                 kind_taker()->name);
    for (i = 0; sc->kinds[i] != NULL; i++) {
        const char *sep = ", ";

        if (strcmp(sc->kinds[i], kind) == 0)
            return STATUS_OK;
        if (i == 0)
            sep = "";
        else if (sc->kinds[i + 1] == NULL)
            sep = " or ";
        snprintf(kinds + strlen(kinds), sizeof kinds - strlen(kinds), "%s%s",
                 sep, sc->kinds[i]);
    }
    return status_detail_set(why, STATUS_INVALID_ARGUMENT,
                             "%s's --kind is %s, not '%s'", sc->name, kinds,
                             kind);
}

enum status scenario_check(const struct scenario *sc,
                           const struct scenario_options *opts,
                           struct status_detail *why)
{
    const char *taker = NULL;

    if (call_messages(sc, opts) < sc->min_messages)
        return status_detail_set(why, STATUS_INVALID_ARGUMENT,
                                 "%s needs --messages %d or more to show "
                                 "its lesson",
                                 sc->name, sc->min_messages);
    if ((opts->clients > 0 || opts->bad_client != NULL) && !sc->takes_clients) {
        taker = clients_taker();
        if (taker == NULL)
            return status_detail_set(
                why, STATUS_INVALID_ARGUMENT, "%s is for no scenario",
                opts->clients > 0 ? "--clients" : "--bad-client");
        return status_detail_set(
            why, STATUS_INVALID_ARGUMENT, "%s is for the %s scenario",
            opts->clients > 0 ? "--clients" : "--bad-client", taker);
    }
    if (check_kind(sc, opts->kind, why) != STATUS_OK)
        return STATUS_INVALID_ARGUMENT;
    return sc->check != NULL ? sc->check(sc, opts, why) : STATUS_OK;
}

const char *scenario_challenge_bad_client(const struct scenario *sc,
                                          const struct scenario_challenge *c)
{
    if (sc->challenge_bad_client == NULL)
        return NULL;
    return sc->challenge_bad_client[c - sc->challenges];
}

const struct scenario_challenge *
scenario_challenge_find(const struct scenario *sc, const char *name, int fix)
{
    const struct scenario_challenge *c = sc->challenges;

    for (; c != NULL && c->name != NULL; c++)
        if (strcmp(c->name, name) == 0 && c->fix == (fix != 0))
            return c;
    return NULL;
}

void scenario_result_free(struct scenario_result *r)
{
    if (r != NULL)
        sched_sim_result_free(&r->sim);
}

enum scenario_exit scenario_expected(const struct scenario *sc,
                                     const struct scenario_options *opts)
{
    if (sc->racy && !opts->fix)
        return SCENARIO_EXIT_OK;
    if (opts->fix && sc->fix_summary != NULL)
        return sc->expected_fix;
    if (sc->needs_deadline && (opts->timeout_ms > 0 || opts->os))
        return SCENARIO_EXIT_STATUS;
    return sc->expected;
}

enum scenario_exit scenario_exit_code(const struct scenario_result *r)
{
    if (r->usage_error)
        return SCENARIO_EXIT_USAGE;
    if (r->broken[0] != '\0')
        return SCENARIO_EXIT_BROKEN;
    if (r->simulated && r->sim.livelocked)
        return SCENARIO_EXIT_LIVELOCK;
    if (r->simulated && r->sim.deadlocked)
        return SCENARIO_EXIT_DEADLOCK;
    if (r->garbled)
        return SCENARIO_EXIT_GARBLED;
    if (r->status != STATUS_OK)
        return SCENARIO_EXIT_STATUS;
    return SCENARIO_EXIT_OK;
}
