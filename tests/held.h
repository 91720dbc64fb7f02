/*
 * held.h: what the process holds, for tests that a run leaves nothing
 * behind: its threads and descriptors (counted in /proc/self), and its
 * heap blocks (counted here).
 *
 * Include it in exactly one file of a test binary, after <cmocka.h>: it
 * defines malloc, calloc, realloc and free, which count and hand on to
 * glibc's (nghttp2's default allocator calls them too). malloc's own
 * figures (mallinfo2) also count what each thread's cache keeps, so they
 * move without a leak; a count of blocks needs no tolerance. Under a
 * sanitizer, which has its own malloc and its own leak check, nothing is
 * counted: held_heap() stays 0.
 */
#ifndef HELD_H
#define HELD_H

#include <dirent.h>
#include <stddef.h>

/* The entries of a /proc folder: "/proc/self/task", "/proc/self/fd". */
static inline int held_entries(const char *path)
{
    DIR *d = opendir(path);
    struct dirent *e = NULL;
    int n = 0;

    assert_non_null(d);
    while ((e = readdir(d)) != NULL)
        n += e->d_name[0] != '.';
    closedir(d);
    return n;
}

#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
static inline long held_heap(void)
{
    return 0;
}
#else
void *__libc_malloc(size_t n);
void *__libc_calloc(size_t k, size_t n);
void *__libc_realloc(void *p, size_t n);
void __libc_free(void *p);

static long held_blocks; /* blocks malloc'd and not yet freed */

void *malloc(size_t n)
{
    void *p = __libc_malloc(n);

    if (p != NULL)
        __atomic_add_fetch(&held_blocks, 1, __ATOMIC_RELAXED);
    return p;
}

void *calloc(size_t k, size_t n)
{
    void *p = __libc_calloc(k, n);

    if (p != NULL)
        __atomic_add_fetch(&held_blocks, 1, __ATOMIC_RELAXED);
    return p;
}

void *realloc(void *p, size_t n)
{
    void *q = __libc_realloc(p, n);

    if (p == NULL && q != NULL)
        __atomic_add_fetch(&held_blocks, 1, __ATOMIC_RELAXED);
    else if (p != NULL && n == 0 && q == NULL)
        __atomic_sub_fetch(&held_blocks, 1, __ATOMIC_RELAXED);
    return q;
}

void free(void *p)
{
    if (p != NULL)
        __atomic_sub_fetch(&held_blocks, 1, __ATOMIC_RELAXED);
    __libc_free(p);
}

/* The heap blocks this process holds now. */
static inline long held_heap(void)
{
    return __atomic_load_n(&held_blocks, __ATOMIC_RELAXED);
}
#endif

#endif /* HELD_H */
