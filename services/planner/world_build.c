/* world_build - turn the planner's world into an rpp-1 instance for the engine. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "regio/log.h"
#include "world.h"

static int s_add_periods(const regio_world_t *w, regio_rpp_t *r, int *skipped)
{
    char err[256];
    for (size_t i = 0; w->calendar && i < w->calendar->n_periods; i++) {
        const Regio__Period *p = w->calendar->periods[i];
        int rc = regio_rpp_add_period(r, p->id, (int)p->weeks, err, sizeof err);
        if (rc == -ENOMEM)
            return rc;
        if (rc < 0)
            (*skipped)++;
    }
    return 0;
}

static int s_add_partners(const regio_world_t *w, regio_rpp_t *r, int *skipped)
{
    char err[256];
    int32_t n = regio_strtab_count(w->partner_ids);
    for (int32_t i = 0; i < n; i++) {
        const Regio__Partner *p = w->partners[i];
        const char *kind = p ? regio_rpp_kind_name((int)p->kind - 1) : NULL;
        if (!p || !kind) {
            (*skipped)++;
            continue;
        }
        int rc = regio_rpp_add_partner(r, p->id, p->name, kind, p->lat, p->lon, err, sizeof err);
        if (rc == -ENOMEM)
            return rc;
        if (rc < 0)
            (*skipped)++;
    }
    return 0;
}

static int s_add_offering(const regio_world_t *w, regio_rpp_t *r, const Regio__Offering *o,
                          int32_t *cap, int *skipped)
{
    char err[256];
    int32_t pi = regio_strtab_find(w->partner_ids, o->partner);
    const Regio__Partner *p = pi >= 0 ? w->partners[pi] : NULL;
    int open = !o->withdrawn && p && !p->on_hold;
    memset(cap, 0, sizeof(int32_t) * (size_t)r->n_periods * 10);
    for (int k = 0; open && k < r->n_periods; k++) {
        char key[160];
        snprintf(key, sizeof key, "%s\x1f%s", o->id, r->periods[k].id);
        int32_t si = regio_strtab_find(w->cap_keys, key);
        for (int t = 0; si >= 0 && t < 10; t++)
            cap[k * 10 + t] = (int32_t)w->seats[si][t];
    }
    regio_rpp_offering_in_t in = {
        .id = o->id, .partner = o->partner, .form = o->form, .lat = o->lat, .lon = o->lon,
        .goals = (const char *const *)o->goals, .n_goals = (int)o->n_goals,
        .quals = (const char *const *)o->qualifications, .n_quals = (int)o->n_qualifications,
        .min_age = (int)o->min_age, .cap = cap,
    };
    int rc = regio_rpp_add_offering(r, &in, err, sizeof err);
    if (rc == -ENOMEM)
        return rc;
    if (rc < 0)
        (*skipped)++;
    return 0;
}

static int s_add_learner(regio_rpp_t *r, const Regio__Learner *l, int *skipped)
{
    char err[256];
    uint16_t free_mask[REGIO_RPP_MAX_PERIODS] = {0};
    uint32_t planned = 0;
    for (size_t i = 0; i < l->n_free; i++) {
        int32_t p = regio_strtab_find(r->period_ids, l->free[i]->period);
        if (p < 0)
            continue;
        planned |= 1u << p;
        for (size_t j = 0; j < l->free[i]->n_slots; j++)
            if (l->free[i]->slots[j] < 10)
                free_mask[p] |= (uint16_t)(1u << l->free[i]->slots[j]);
    }
    const char *goals[64];
    int amounts[64];
    int n_needs = l->n_needs < 64 ? (int)l->n_needs : 64;
    for (int i = 0; i < n_needs; i++) {
        goals[i] = l->needs[i]->goal;
        amounts[i] = (int)l->needs[i]->dagdelen;
    }
    regio_rpp_learner_in_t in = {
        .id = l->id, .school = l->school, .qual = l->qualification, .age = (int)l->age,
        .lat = l->lat, .lon = l->lon, .max_km = l->max_km, .dagdelen = (int)l->dagdelen,
        .planned = planned, .free = free_mask, .need_goals = goals, .need_amounts = amounts,
        .n_needs = n_needs, .preferred = (const char *const *)l->preferred_partners,
        .n_preferred = (int)l->n_preferred_partners,
        .history = (const char *const *)l->history, .n_history = (int)l->n_history,
    };
    int rc = regio_rpp_add_learner(r, &in, err, sizeof err);
    if (rc == -ENOMEM)
        return rc;
    if (rc < 0) {
        REGIO_WARN("msg=\"learner left out of the plan\" learner=%s reason=\"%s\"", l->id, err);
        (*skipped)++;
    }
    return 0;
}

int regio_world_build(const regio_world_t *w, const regio_rpp_weights_t *ww, regio_rpp_t **out,
                      int *skipped)
{
    int dummy = 0;
    if (!skipped)
        skipped = &dummy;
    *skipped = 0;
    regio_rpp_t *r = regio_rpp_new("region");
    int32_t *cap = NULL;
    int rc = -ENOMEM;
    if (!r)
        goto fail;
    r->w = *ww;
    if ((rc = s_add_periods(w, r, skipped)) < 0 || (rc = s_add_partners(w, r, skipped)) < 0)
        goto fail;
    if (!(cap = malloc(sizeof *cap * (size_t)(r->n_periods ? r->n_periods : 1) * 10))) {
        rc = -ENOMEM;
        goto fail;
    }
    int32_t no = regio_strtab_count(w->offering_ids);
    for (int32_t i = 0; i < no; i++)
        if (w->offerings[i] && (rc = s_add_offering(w, r, w->offerings[i], cap, skipped)) < 0)
            goto fail;
    int32_t nl = regio_strtab_count(w->learner_ids);
    for (int32_t i = 0; i < nl; i++)
        if (w->learners[i] && (rc = s_add_learner(r, w->learners[i], skipped)) < 0)
            goto fail;
    free(cap);
    *out = r;
    return 0;
fail:
    free(cap);
    regio_rpp_destroy(&r);
    *out = NULL;
    return rc;
}
