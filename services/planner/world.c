/* world - mirrors of registry and capacity plus learners, built into rpp-1. */
#include "world.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "regio/error.h"
#include "regio/log.h"

static void s_free_msg(void *m)
{
    if (m)
        protobuf_c_message_free_unpacked(m, NULL);
}

/* Make room for index i in a pointer array of *cap entries. */
static int s_grow(void ***v, size_t *cap, size_t elem, int32_t i)
{
    if ((size_t)i < *cap)
        return 0;
    size_t cap2 = *cap ? *cap : 256;
    while (cap2 <= (size_t)i)
        cap2 *= 2;
    void *nv = realloc(*v, cap2 * elem);
    if (!nv)
        return -ENOMEM;
    memset((char *)nv + *cap * elem, 0, (cap2 - *cap) * elem);
    *v = nv;
    *cap = cap2;
    return 0;
}

/* Store a copy of m under id in (ids, v); replaces and frees an old one. */
static int s_put(regio_strtab_t *ids, void ***v, size_t *cap, const char *id,
                 const ProtobufCMessage *m)
{
    int32_t i = regio_strtab_intern(ids, id, NULL);
    if (i < 0 || s_grow(v, cap, sizeof(void *), i) < 0)
        return -ENOMEM;
    void *c = regio_msg_copy(m);
    if (!c)
        return -ENOMEM;
    s_free_msg((*v)[i]);
    (*v)[i] = c;
    return 0;
}

int regio_world_init(regio_world_t *w)
{
    memset(w, 0, sizeof *w);
    w->partner_ids = regio_strtab_new();
    w->offering_ids = regio_strtab_new();
    w->cap_keys = regio_strtab_new();
    w->learner_ids = regio_strtab_new();
    if (!w->partner_ids || !w->offering_ids || !w->cap_keys || !w->learner_ids) {
        regio_world_free(w);
        return -ENOMEM;
    }
    return 0;
}

static void s_free_registry(regio_world_t *w)
{
    for (size_t i = 0; w->partners && i < w->cap_partners; i++)
        s_free_msg(w->partners[i]);
    for (size_t i = 0; w->offerings && i < w->cap_offerings; i++)
        s_free_msg(w->offerings[i]);
    free(w->partners);
    free(w->offerings);
    s_free_msg(w->calendar);
    w->partners = NULL;
    w->offerings = NULL;
    w->calendar = NULL;
    w->cap_partners = w->cap_offerings = 0;
    regio_strtab_destroy(&w->partner_ids);
    regio_strtab_destroy(&w->offering_ids);
}

void regio_world_free(regio_world_t *w)
{
    s_free_registry(w);
    for (size_t i = 0; w->learners && i < w->cap_learners; i++)
        s_free_msg(w->learners[i]);
    free(w->learners);
    free(w->seats);
    regio_strtab_destroy(&w->cap_keys);
    regio_strtab_destroy(&w->learner_ids);
    memset(w, 0, sizeof *w);
}

int regio_world_registry_snapshot(regio_world_t *w, const regio_envelope_t *e)
{
    const Regio__RegistrySnapshot *s = e->registry_snapshot;
    s_free_registry(w);
    w->partner_ids = regio_strtab_new();
    w->offering_ids = regio_strtab_new();
    if (!w->partner_ids || !w->offering_ids)
        return -ENOMEM;
    Regio__PutCalendar cal = REGIO__PUT_CALENDAR__INIT;
    cal.periods = s->periods;
    cal.n_periods = s->n_periods;
    if (s->n_periods && !(w->calendar = regio_msg_copy(&cal.base)))
        return -ENOMEM;
    int rc = 0;
    for (size_t i = 0; rc == 0 && i < s->n_partners; i++)
        rc = s_put(w->partner_ids, (void ***)&w->partners, &w->cap_partners, s->partners[i]->id,
                   &s->partners[i]->base);
    for (size_t i = 0; rc == 0 && i < s->n_offerings; i++)
        rc = s_put(w->offering_ids, (void ***)&w->offerings, &w->cap_offerings,
                   s->offerings[i]->id, &s->offerings[i]->base);
    return rc;
}

int regio_world_registry_change(regio_world_t *w, const regio_envelope_t *e)
{
    const Regio__RegistryChange *c = e->registry_change;
    switch (c->what_case) {
    case REGIO__REGISTRY_CHANGE__WHAT_PARTNER:
        return s_put(w->partner_ids, (void ***)&w->partners, &w->cap_partners, c->partner->id,
                     &c->partner->base);
    case REGIO__REGISTRY_CHANGE__WHAT_OFFERING:
        return s_put(w->offering_ids, (void ***)&w->offerings, &w->cap_offerings,
                     c->offering->id, &c->offering->base);
    case REGIO__REGISTRY_CHANGE__WHAT_CALENDAR: {
        Regio__PutCalendar *cal = regio_msg_copy(&c->calendar->base);
        if (!cal)
            return -ENOMEM;
        s_free_msg(w->calendar);
        w->calendar = cal;
        return 0;
    }
    default:
        return 0;
    }
}

static int s_put_seats(regio_world_t *w, const Regio__Availability *a)
{
    char key[160];
    snprintf(key, sizeof key, "%s\x1f%s", a->offering, a->period);
    int32_t i = regio_strtab_intern(w->cap_keys, key, NULL);
    if (i < 0 || s_grow((void ***)&w->seats, &w->cap_seats, sizeof *w->seats, i) < 0)
        return -ENOMEM;
    for (int t = 0; t < 10; t++)
        w->seats[i][t] = (size_t)t < a->n_seats ? a->seats[t] : 0;
    return 0;
}

int regio_world_capacity_snapshot(regio_world_t *w, const regio_envelope_t *e)
{
    const Regio__CapacitySnapshot *s = e->capacity_snapshot;
    regio_strtab_destroy(&w->cap_keys);
    free(w->seats);
    w->seats = NULL;
    w->cap_seats = 0;
    if (!(w->cap_keys = regio_strtab_new()))
        return -ENOMEM;
    for (size_t i = 0; i < s->n_rows; i++)
        if (s_put_seats(w, s->rows[i]) < 0)
            return -ENOMEM;
    return 0;
}

int regio_world_capacity_change(regio_world_t *w, const regio_envelope_t *e,
                                const char **offering)
{
    const Regio__CapacityChange *c = e->capacity_change;
    if (offering)
        *offering = NULL;
    if (c->what_case != REGIO__CAPACITY_CHANGE__WHAT_AVAILABILITY)
        return 0; /* date exceptions do not change weekly seats */
    if (offering)
        *offering = c->availability->offering;
    return s_put_seats(w, c->availability);
}

int regio_world_put_learner(regio_world_t *w, const Regio__Learner *l)
{
    return s_put(w->learner_ids, (void ***)&w->learners, &w->cap_learners, l->id, &l->base);
}

int regio_world_remove_learner(regio_world_t *w, const char *id)
{
    int32_t i = regio_strtab_find(w->learner_ids, id);
    if (i < 0 || !w->learners[i])
        return REGIO_ENOTFOUND;
    s_free_msg(w->learners[i]);
    w->learners[i] = NULL;
    return 0;
}

const Regio__Learner *regio_world_learner(const regio_world_t *w, const char *id)
{
    int32_t i = regio_strtab_find(w->learner_ids, id);
    return i < 0 ? NULL : w->learners[i];
}

int regio_world_has_period(const regio_world_t *w, const char *id)
{
    for (size_t i = 0; w->calendar && i < w->calendar->n_periods; i++)
        if (strcmp(w->calendar->periods[i]->id, id) == 0)
            return 1;
    return 0;
}
