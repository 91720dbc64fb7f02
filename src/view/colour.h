/*
 * colour: the ANSI colours the views paint with, one per meaning, so the
 * timeline and the hexdump agree on what yellow or red says.
 *
 * Design
 *   Only the codes live here. Whether to paint at all is the caller's
 *   choice (a `colour` flag on every print function): the duplex command
 *   paints on a terminal unless NO_COLOR is set, the tests mostly do not.
 */
#ifndef VIEW_COLOUR_H
#define VIEW_COLOUR_H

#define COLOUR_OFF "\033[0m"    /* back to plain */
#define COLOUR_SEND "\033[32m"  /* green: a frame sent */
#define COLOUR_RECV "\033[36m"  /* cyan: a frame received */
#define COLOUR_CLOSE "\033[33m" /* yellow: a clean end; a frame's header */
#define COLOUR_ERR "\033[31m"   /* red: a failure, a bad frame */
#define COLOUR_DIM "\033[2m"    /* dim: blocking, waking, notes */

#endif /* VIEW_COLOUR_H */
