/* lag - a request's first miss, remembered until the mirror proves it final. */
#include "lag.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "regio/limits.h"

#define SLOTS 4096          /* requests waiting at once; more only wait longer */
#define KEY_MAX (2 * REGIO_ID_MAX + 2)
#define CONFIRMATIONS 2     /* heartbeats after the first miss that prove it */

typedef struct {
    char key[KEY_MAX];      /* update_id 0x1f missing; "" when free */
    uint64_t first;         /* confirmations at the first miss */
} entry_t;

struct regio_lag_s {
    entry_t e[SLOTS];       /* one entry per hash value: a collision replaces */
};

regio_lag_t *regio_lag_new(void)
{
    return calloc(1, sizeof(regio_lag_t));
}

void regio_lag_destroy(regio_lag_t **self)
{
    if (!self)
        return;
    free(*self);
    *self = NULL;
}

static uint32_t s_hash(const char *s)
{
    uint32_t h = 2166136261u; /* FNV-1a */
    for (; *s; s++)
        h = (h ^ (uint8_t)*s) * 16777619u;
    return h;
}

int regio_lag_settled(regio_lag_t *l, const char *update_id, const char *missing,
                      uint64_t confirmations)
{
    char key[KEY_MAX];
    snprintf(key, sizeof key, "%.*s%c%.*s", REGIO_ID_MAX, update_id, 0x1f, REGIO_ID_MAX, missing);
    entry_t *e = &l->e[s_hash(key) % SLOTS];
    if (strcmp(e->key, key) != 0) { /* a first miss */
        memcpy(e->key, key, sizeof key);
        e->first = confirmations;
        return 0;
    }
    return confirmations >= e->first + CONFIRMATIONS;
}
