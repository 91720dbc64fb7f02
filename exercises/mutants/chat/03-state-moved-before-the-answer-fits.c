/*
 * Mutant 03 of chat: the state moved before the answer fits.
 *
 * The mistake: text() counts the TEXT before it knows the answer fits.
 * When it does not (RESOURCE_EXHAUSTED), the call failed but the session
 * moved on: the next ACK skips a number.
 * Lesson: hints.md of this exercise, hint 2: "Never change *st before you
 * know the call succeeds"; chat.h: "On failure *st is untouched".
 * From: exercises/solutions/chat.c; st->texts++ moved above answer() in
 * text().
 */
#include "chat.h"

#include <stdio.h>
#include <string.h>

/* Writes a refusal: the words, cut to fit, and the code. */
static enum status refuse(enum status code, const char *words, char *reply,
                          size_t cap)
{
    if (cap > 0)
        snprintf(reply, cap, "%s", words);
    return code;
}

/* Writes an answer. Returns OK, or RESOURCE_EXHAUSTED if it did not fit. */
static enum status answer(char *reply, size_t cap, const char *prefix,
                          const char *what)
{
    int len = snprintf(reply, cap, "%s%s", prefix, what);

    if (len >= 0 && (size_t)len < cap)
        return STATUS_OK;
    return refuse(STATUS_RESOURCE_EXHAUSTED, "", reply, cap);
}

static enum status join(struct ex_chat *st, const char *name, char *reply,
                        size_t cap)
{
    size_t len = strlen(name);
    enum status code = STATUS_OK;

    if (st->name[0] != '\0')
        return refuse(STATUS_FAILED_PRECONDITION, "already joined", reply, cap);
    if (len == 0)
        return refuse(STATUS_INVALID_ARGUMENT, "JOIN needs a name", reply, cap);
    if (len >= EX_CHAT_NAME_MAX)
        return refuse(STATUS_INVALID_ARGUMENT, "name too long", reply, cap);
    code = answer(reply, cap, "WELCOME ", name);
    if (code == STATUS_OK)
        memcpy(st->name, name, len + 1);
    return code;
}

static enum status text(struct ex_chat *st, char *reply, size_t cap)
{
    char n[16];
    enum status code = STATUS_OK;

    if (st->name[0] == '\0')
        return refuse(STATUS_FAILED_PRECONDITION, "JOIN first", reply, cap);
    snprintf(n, sizeof n, "%d", st->texts + 1);
    st->texts++; /* before we know it fits */
    code = answer(reply, cap, "ACK ", n);
    return code;
}

enum status ex_chat_reply(struct ex_chat *st, const char *msg, char *reply,
                          size_t cap)
{
    if (strncmp(msg, "JOIN ", 5) == 0)
        return join(st, msg + 5, reply, cap);
    if (strncmp(msg, "TEXT ", 5) == 0)
        return text(st, reply, cap);
    return refuse(STATUS_INVALID_ARGUMENT, "unknown message", reply, cap);
}

enum status ex_chat_end(const struct ex_chat *st, char *reply, size_t cap)
{
    if (st->name[0] == '\0')
        return answer(reply, cap, "", "");
    return answer(reply, cap, "BYE ", st->name);
}
