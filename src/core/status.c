/*
 * status: names for every code, and the detail helper.
 *
 * status_name() is a switch with no default, so adding a code to the enum
 * without naming it here is a compiler warning (-Wswitch), and with -Werror
 * a build failure.
 */
#include "core/status.h"

#include <stdarg.h>
#include <stdio.h>

const char *status_name(enum status code)
{
    switch (code) {
    case STATUS_OK: return "OK";
    case STATUS_CANCELLED: return "CANCELLED";
    case STATUS_UNKNOWN: return "UNKNOWN";
    case STATUS_INVALID_ARGUMENT: return "INVALID_ARGUMENT";
    case STATUS_DEADLINE_EXCEEDED: return "DEADLINE_EXCEEDED";
    case STATUS_NOT_FOUND: return "NOT_FOUND";
    case STATUS_ALREADY_EXISTS: return "ALREADY_EXISTS";
    case STATUS_PERMISSION_DENIED: return "PERMISSION_DENIED";
    case STATUS_RESOURCE_EXHAUSTED: return "RESOURCE_EXHAUSTED";
    case STATUS_FAILED_PRECONDITION: return "FAILED_PRECONDITION";
    case STATUS_ABORTED: return "ABORTED";
    case STATUS_OUT_OF_RANGE: return "OUT_OF_RANGE";
    case STATUS_UNIMPLEMENTED: return "UNIMPLEMENTED";
    case STATUS_INTERNAL: return "INTERNAL";
    case STATUS_UNAVAILABLE: return "UNAVAILABLE";
    case STATUS_DATA_LOSS: return "DATA_LOSS";
    case STATUS_UNAUTHENTICATED: return "UNAUTHENTICATED";
    case STATUS_EOF: return "EOF";
    case STATUS_CLOSED: return "CLOSED";
    case STATUS_DEADLOCK: return "DEADLOCK";
    }
    return "?";
}

int status_is_grpc(enum status code)
{
    return code >= STATUS_OK && code <= STATUS_UNAUTHENTICATED;
}

enum status status_detail_set(struct status_detail *d, enum status code,
                              const char *fmt, ...)
{
    va_list ap;

    if (d == NULL)
        return code;
    d->code = code;
    va_start(ap, fmt);
    vsnprintf(d->text, sizeof d->text, fmt, ap);
    va_end(ap);
    return code;
}

void status_detail_clear(struct status_detail *d)
{
    if (d == NULL)
        return;
    d->code = STATUS_OK;
    d->text[0] = '\0';
}
