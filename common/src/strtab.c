/* strtab - interned strings with dense indexes (open addressing, FNV-1a). */
#include "regio/strtab.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

struct regio_strtab_s {
    char **names;     /* index -> owned string */
    int32_t count;    /* strings in the table */
    int32_t cap;      /* capacity of names */
    int32_t *slots;   /* hash slot -> index + 1 (0 = empty) */
    uint32_t nslots;  /* power of two, kept at least 2x count */
};

static uint32_t s_hash(const char *s)
{
    uint32_t h = 2166136261u;
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 16777619u;
    return h;
}

static int s_rehash(regio_strtab_t *t, uint32_t nslots)
{
    int32_t *slots = calloc(nslots, sizeof *slots);
    if (!slots)
        return -ENOMEM;
    for (int32_t i = 0; i < t->count; i++) {
        uint32_t h = s_hash(t->names[i]) & (nslots - 1);
        while (slots[h])
            h = (h + 1) & (nslots - 1);
        slots[h] = i + 1;
    }
    free(t->slots);
    t->slots = slots;
    t->nslots = nslots;
    return 0;
}

regio_strtab_t *regio_strtab_new(void)
{
    regio_strtab_t *t = calloc(1, sizeof *t);
    if (!t)
        return NULL;
    if (s_rehash(t, 64) < 0) {
        free(t);
        return NULL;
    }
    return t;
}

void regio_strtab_destroy(regio_strtab_t **self)
{
    if (!self || !*self)
        return;
    regio_strtab_t *t = *self;
    for (int32_t i = 0; i < t->count; i++)
        free(t->names[i]);
    free(t->names);
    free(t->slots);
    free(t);
    *self = NULL;
}

int32_t regio_strtab_find(const regio_strtab_t *t, const char *s)
{
    uint32_t h = s_hash(s) & (t->nslots - 1);
    while (t->slots[h]) {
        int32_t i = t->slots[h] - 1;
        if (strcmp(t->names[i], s) == 0)
            return i;
        h = (h + 1) & (t->nslots - 1);
    }
    return -1;
}

int32_t regio_strtab_intern(regio_strtab_t *t, const char *s, int *added)
{
    int32_t i = regio_strtab_find(t, s);
    if (added)
        *added = i < 0;
    if (i >= 0)
        return i;
    if ((uint32_t)(t->count + 1) * 2 > t->nslots && s_rehash(t, t->nslots * 2) < 0)
        return -ENOMEM;
    if (t->count == t->cap) {
        int32_t cap = t->cap ? t->cap * 2 : 64;
        char **names = realloc(t->names, (size_t)cap * sizeof *names);
        if (!names)
            return -ENOMEM;
        t->names = names;
        t->cap = cap;
    }
    char *copy = strdup(s);
    if (!copy)
        return -ENOMEM;
    i = t->count++;
    t->names[i] = copy;
    uint32_t h = s_hash(s) & (t->nslots - 1);
    while (t->slots[h])
        h = (h + 1) & (t->nslots - 1);
    t->slots[h] = i + 1;
    return i;
}

const char *regio_strtab_name(const regio_strtab_t *t, int32_t i)
{
    return t->names[i];
}

int32_t regio_strtab_count(const regio_strtab_t *t)
{
    return t->count;
}
