/* rpp_int - what the rpp module's own files share (not part of the API). */
#ifndef REGIO_RPP_INT_H
#define REGIO_RPP_INT_H

#include <stddef.h>
#include <stdint.h>

#include "regio/rpp.h"

/* Write one line to err (if any) and return rc. */
int regio_rpp__fail(char *err, size_t errlen, int rc, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* Make room for one more element in *v (n used of *cap). 0 or -ENOMEM. */
int regio_rpp__grow(void **v, int32_t *cap, int32_t n, size_t size);

/* calloc that never asks for 0 bytes (so NULL always means ENOMEM). */
void *regio_rpp__alloc(size_t n, size_t size);

/* A copy of n elements of size bytes; NULL only when out of memory. */
void *regio_rpp__dup(const void *src, size_t n, size_t size);

/* Whether any of rpp-2's decisions has been added (offerings and learners
 * must come before them). */
int regio_rpp__decided(const regio_rpp_t *r);

/* Free the decisions of r (rpp_decisions.c). */
void regio_rpp__free_decisions(regio_rpp_t *r);

/* Copy r's decisions into c, whose tables and entities are copied already.
 * 0 or -ENOMEM (then destroying c frees what was copied). */
int regio_rpp__clone_decisions(regio_rpp_t *c, const regio_rpp_t *r);

/* After r's seats changed: whether its reservations and pins still fit
 * (the pins' seats are counted again). 0, or REGIO_EINVALID with err. */
int regio_rpp__check_seats(regio_rpp_t *r, char *err, size_t errlen);

#endif
