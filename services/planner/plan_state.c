/* plan_state - the plan by ids, conversions to and from rpp, and diffs. */
#include "plan_state.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "regio/error.h"

int regio_plan_state_key(char *out, size_t n, const char *learner, const char *period)
{
    int k = snprintf(out, n, "%s\x1f%s", learner, period);
    return k < 0 || (size_t)k >= n ? -1 : k;
}

int regio_plan_state_init(regio_plan_state_t *p)
{
    memset(p, 0, sizeof *p);
    p->keys = regio_strtab_new();
    return p->keys ? 0 : -ENOMEM;
}

void regio_plan_state_free(regio_plan_state_t *p)
{
    for (size_t i = 0; i < p->n; i++)
        if (p->v[i])
            regio__placement_change__free_unpacked(p->v[i], NULL);
    free(p->v);
    regio_strtab_destroy(&p->keys);
    p->v = NULL;
    p->n = p->cap = p->live = 0;
}

int regio_plan_state_put(regio_plan_state_t *p, const Regio__PlacementChange *e)
{
    char key[160];
    regio_plan_state_key(key, sizeof key, e->learner, e->period);
    int32_t i = regio_strtab_intern(p->keys, key, NULL);
    if (i < 0)
        return -ENOMEM;
    if ((size_t)i >= p->cap) {
        size_t cap = p->cap ? p->cap * 2 : 1024;
        Regio__PlacementChange **v = realloc(p->v, cap * sizeof *v);
        if (!v)
            return -ENOMEM;
        memset(v + p->cap, 0, (cap - p->cap) * sizeof *v);
        p->v = v;
        p->cap = cap;
    }
    Regio__PlacementChange *c = regio_msg_copy(&e->base);
    if (!c)
        return -ENOMEM;
    if (p->v[i])
        regio__placement_change__free_unpacked(p->v[i], NULL);
    else
        p->live++;
    p->v[i] = c;
    if ((size_t)i >= p->n)
        p->n = (size_t)i + 1;
    return 0;
}

const Regio__PlacementChange *regio_plan_state_get(const regio_plan_state_t *p, const char *learner,
                                             const char *period)
{
    char key[160];
    regio_plan_state_key(key, sizeof key, learner, period);
    int32_t i = regio_strtab_find(p->keys, key);
    return i < 0 || (size_t)i >= p->n ? NULL : p->v[i];
}

int regio_plan_state_remove(regio_plan_state_t *p, const char *learner, const char *period)
{
    char key[160];
    regio_plan_state_key(key, sizeof key, learner, period);
    int32_t i = regio_strtab_find(p->keys, key);
    if (i < 0 || (size_t)i >= p->n || !p->v[i])
        return REGIO_ENOTFOUND;
    regio__placement_change__free_unpacked(p->v[i], NULL);
    p->v[i] = NULL; /* the key stays interned: a later put reuses the slot */
    p->live--;
    return 0;
}

size_t regio_plan_state_remove_learner(regio_plan_state_t *p, const char *learner)
{
    size_t k = 0;
    for (size_t i = 0; i < p->n; i++)
        if (p->v[i] && strcmp(p->v[i]->learner, learner) == 0) {
            regio__placement_change__free_unpacked(p->v[i], NULL);
            p->v[i] = NULL;
            p->live--;
            k++;
        }
    return k;
}

Regio__PlacementChange regio_plan_state_entry(const Regio__PlacementChange *c)
{
    Regio__PlacementChange e = REGIO__PLACEMENT_CHANGE__INIT;
    e.learner = c->learner;
    e.school = c->school;
    e.period = c->period;
    e.offering = c->offering;
    e.partner = c->partner;
    e.n_slots = c->n_slots;
    e.slots = c->slots;
    return e;
}

int regio_plan_state_apply(regio_plan_state_t *p, const regio_plan_state_diff_t *d)
{
    for (size_t i = 0; i < d->n; i++) {
        const Regio__PlacementChange *c = d->v[i];
        if (c->kind == REGIO__CHANGE_KIND__CHANGE_CANCELLED) {
            regio_plan_state_remove(p, c->learner, c->period); /* absent: nothing to do */
        } else {
            Regio__PlacementChange e = regio_plan_state_entry(c);
            if (regio_plan_state_put(p, &e) < 0)
                return -ENOMEM;
        }
    }
    return 0;
}

size_t regio_plan_state_slots(uint16_t mask, uint32_t *out)
{
    size_t k = 0;
    for (uint32_t t = 0; t < 10; t++)
        if (mask & (1u << t))
            out[k++] = t;
    return k;
}

static uint16_t s_mask(const Regio__PlacementChange *e)
{
    uint16_t m = 0;
    for (size_t i = 0; i < e->n_slots; i++)
        if (e->slots[i] < 10)
            m |= (uint16_t)(1u << e->slots[i]);
    return m;
}

int regio_plan_state_to_sol(const regio_plan_state_t *p, const regio_rpp_t *r, regio_rpp_sol_t *sol)
{
    for (size_t i = 0; i < p->n; i++) {
        const Regio__PlacementChange *e = p->v[i];
        if (!e)
            continue;
        int32_t l = regio_strtab_find(r->learner_ids, e->learner);
        int32_t per = regio_strtab_find(r->period_ids, e->period);
        int32_t o = regio_strtab_find(r->offering_ids, e->offering);
        if (l < 0 || per < 0 || o < 0)
            continue;
        if (regio_rpp_sol_add(sol, l, (int16_t)per, o, s_mask(e)) < 0)
            return -ENOMEM;
    }
    return 0;
}

/* The entry of placement pl of a solution of r; borrows r's strings and
 * slots[10]. */
static Regio__PlacementChange s_of_placement(const regio_rpp_t *r, const regio_rpp_placement_t *pl,
                                             uint32_t *slots)
{
    const regio_rpp_learner_t *l = &r->learners[pl->learner];
    const regio_rpp_offering_t *o = &r->offerings[pl->offering];
    Regio__PlacementChange e = REGIO__PLACEMENT_CHANGE__INIT;
    e.learner = (char *)l->id;
    e.school = (char *)regio_strtab_name(r->schools, l->school);
    e.period = (char *)r->periods[pl->period].id;
    e.offering = (char *)o->id;
    e.partner = (char *)r->partners[o->partner].id;
    e.n_slots = regio_plan_state_slots(pl->slots, slots);
    e.slots = slots;
    return e;
}

int regio_plan_state_from_sol(regio_plan_state_t *out, const regio_rpp_t *r, const regio_rpp_sol_t *sol)
{
    for (int32_t i = 0; i < sol->n; i++) {
        uint32_t slots[10];
        Regio__PlacementChange e = s_of_placement(r, &sol->v[i], slots);
        if (regio_plan_state_put(out, &e) < 0)
            return -ENOMEM;
    }
    return 0;
}

/* Replace a string field of an unpacked message; unset fields point at
 * protobuf-c's static empty string, which must not be freed. */
static int s_set(char **field, const char *v)
{
    char *c = strdup(v);
    if (!c)
        return -ENOMEM;
    if (*field && *field != protobuf_c_empty_string)
        free(*field);
    *field = c;
    return 0;
}

static int s_same(const Regio__PlacementChange *a, const Regio__PlacementChange *b)
{
    return strcmp(a->offering, b->offering) == 0 && s_mask(a) == s_mask(b);
}

static int s_emit(regio_plan_state_diff_t *d, Regio__ChangeKind kind, const Regio__PlacementChange *now,
                  const Regio__PlacementChange *was, const char *reason, uint64_t version)
{
    if (d->n == d->cap) {
        size_t cap = d->cap ? d->cap * 2 : 256;
        Regio__PlacementChange **v = realloc(d->v, cap * sizeof *v);
        if (!v)
            return -ENOMEM;
        d->v = v;
        d->cap = cap;
    }
    Regio__PlacementChange *c = regio_msg_copy(&(now ? now : was)->base);
    if (!c)
        return -ENOMEM;
    d->v[d->n++] = c; /* owned by d from here, freed with it on error */
    c->kind = kind;
    c->plan_version = version;
    if (!now) { /* cancelled: no new place */
        free(c->slots);
        c->slots = NULL;
        c->n_slots = 0;
        if (s_set(&c->offering, "") < 0 || s_set(&c->partner, "") < 0)
            return -ENOMEM;
    }
    if (was && (s_set(&c->old_offering, was->offering) < 0 ||
                s_set(&c->old_partner, was->partner) < 0))
        return -ENOMEM;
    return s_set(&c->reason, reason);
}

int regio_plan_state_cancel(regio_plan_state_diff_t *d, const Regio__PlacementChange *was,
                            const char *reason, uint64_t version)
{
    return s_emit(d, REGIO__CHANGE_KIND__CHANGE_CANCELLED, NULL, was, reason, version);
}

int regio_plan_state_diff(const regio_plan_state_t *old, const regio_plan_state_t *np, uint64_t version,
                    const char *(*reason_of)(const Regio__PlacementChange *, void *), void *arg,
                    regio_plan_state_diff_t *d)
{
    int rc = 0;
    for (size_t i = 0; rc == 0 && i < np->n; i++) {
        const Regio__PlacementChange *e = np->v[i];
        if (!e)
            continue;
        const Regio__PlacementChange *was = regio_plan_state_get(old, e->learner, e->period);
        if (!was)
            rc = s_emit(d, REGIO__CHANGE_KIND__CHANGE_CREATED, e, NULL, reason_of(NULL, arg), version);
        else if (!s_same(was, e))
            rc = s_emit(d, REGIO__CHANGE_KIND__CHANGE_MOVED, e, was, reason_of(was, arg), version);
    }
    for (size_t i = 0; rc == 0 && i < old->n; i++) {
        const Regio__PlacementChange *was = old->v[i];
        if (was && !regio_plan_state_get(np, was->learner, was->period))
            rc = s_emit(d, REGIO__CHANGE_KIND__CHANGE_CANCELLED, NULL, was, reason_of(was, arg),
                        version);
    }
    return rc;
}

int regio_plan_state_diff_sol(const regio_plan_state_t *old, const regio_rpp_t *r,
                              const regio_rpp_sol_t *sol, uint64_t version,
                              const char *(*reason_of)(const Regio__PlacementChange *, void *),
                              void *arg, regio_plan_state_diff_t *d)
{
    size_t P = (size_t)r->n_periods;
    uint8_t *in_sol = calloc((size_t)r->n_learners * P + 1, 1); /* (learner, period) planned */
    if (!in_sol)
        return -ENOMEM;
    int rc = 0;
    for (int32_t i = 0; rc == 0 && i < sol->n; i++) {
        uint32_t slots[10];
        Regio__PlacementChange e = s_of_placement(r, &sol->v[i], slots);
        in_sol[(size_t)sol->v[i].learner * P + (size_t)sol->v[i].period] = 1;
        const Regio__PlacementChange *was = regio_plan_state_get(old, e.learner, e.period);
        if (!was)
            rc = s_emit(d, REGIO__CHANGE_KIND__CHANGE_CREATED, &e, NULL, reason_of(NULL, arg), version);
        else if (!s_same(was, &e))
            rc = s_emit(d, REGIO__CHANGE_KIND__CHANGE_MOVED, &e, was, reason_of(was, arg), version);
    }
    for (size_t i = 0; rc == 0 && i < old->n; i++) {
        const Regio__PlacementChange *was = old->v[i];
        if (!was)
            continue;
        int32_t l = regio_strtab_find(r->learner_ids, was->learner);
        int32_t per = regio_strtab_find(r->period_ids, was->period);
        if (l < 0 || per < 0 || !in_sol[(size_t)l * P + (size_t)per])
            rc = s_emit(d, REGIO__CHANGE_KIND__CHANGE_CANCELLED, NULL, was, reason_of(was, arg),
                        version);
    }
    free(in_sol);
    return rc;
}

void regio_plan_state_diff_free(regio_plan_state_diff_t *d)
{
    for (size_t i = 0; i < d->n; i++)
        regio__placement_change__free_unpacked(d->v[i], NULL);
    free(d->v);
    memset(d, 0, sizeof *d);
}
