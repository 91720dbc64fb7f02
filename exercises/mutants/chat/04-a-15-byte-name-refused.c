/*
 * Mutant 04 of chat: a 15-byte name refused.
 *
 * The mistake: join() counts the name's NUL twice and refuses a name of
 * 15 bytes, the longest that fits in EX_CHAT_NAME_MAX (16) with its NUL.
 * Lesson: lesson/day-120-reading-coverage.md, "Mistakes Made", 2: a rule
 * has two outcomes and "the boundary is where bugs live"; README.md of
 * this exercise: "A name is 1 to 15 bytes".
 * From: exercises/solutions/chat.c; `len >= EX_CHAT_NAME_MAX` is
 * `len >= EX_CHAT_NAME_MAX - 1`.
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
    if (len >= EX_CHAT_NAME_MAX - 1)
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
    code = answer(reply, cap, "ACK ", n);
    if (code == STATUS_OK)
        st->texts++;
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
