/* replan - start a plan from a previous one after the instance changed. */
#include "replan.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "regio/error.h"

static int s_fail(char *err, size_t errlen, int rc, const char *fmt, ...)
{
    if (err && errlen) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(err, errlen, fmt, ap);
        va_end(ap);
    }
    return rc;
}

static int32_t *s_seats_of(regio_plan_t *pl, int32_t o, int p)
{
    return pl->seats + ((int64_t)o * pl->P + p) * REGIO_RPP_SLOTS;
}

/* Candidate index of base placement v if it fits the learner on its own
 * (eligible, planned, free slots, right count), else -1. */
static int32_t s_fits_alone(const regio_plan_t *pl, const regio_rpp_placement_t *v)
{
    const regio_rpp_learner_t *L = &pl->r->learners[v->learner];
    int32_t k = regio_cands_find(pl->c, v->learner, v->offering);
    if (k < 0 || !(L->planned >> v->period & 1u) || (v->slots & ~(uint32_t)L->free[v->period]) ||
        __builtin_popcount(v->slots) != L->dagdelen)
        return -1;
    return k;
}

static int s_check(const regio_plan_t *pl, const regio_rpp_sol_t *base, char *err, size_t errlen)
{
    const regio_rpp_t *r = pl->r;
    for (int32_t i = 0; i < base->n; i++) {
        const regio_rpp_placement_t *v = &base->v[i];
        if (v->learner < 0 || v->learner >= r->n_learners || v->offering < 0 ||
            v->offering >= r->n_offerings || v->period < 0 || v->period >= r->n_periods)
            return s_fail(err, errlen, REGIO_EINVALID, "base placement %d: unknown learner, "
                          "period or offering", (int)i);
        regio_pick_t *b = &pl->base[(int64_t)v->learner * pl->P + v->period];
        if (b->cand != REGIO_PICK_NONE)
            return s_fail(err, errlen, REGIO_EINVALID, "base: learner %s has two placements "
                          "in period %s", r->learners[v->learner].id, r->periods[v->period].id);
        b->cand = REGIO_PICK_FREE; /* marks "seen" until decided */
    }
    return 0;
}

/* Number of v's slots whose seats are over-used (seats < 0). */
static int s_over(regio_plan_t *pl, const regio_rpp_placement_t *v)
{
    int32_t *s = s_seats_of(pl, v->offering, v->period);
    int n = 0;
    for (uint32_t m = v->slots; m; m &= m - 1)
        n += s[__builtin_ctz(m)] < 0;
    return n;
}

typedef struct {
    int32_t i;    /* base placement */
    int over;     /* over-used slots it holds */
} s_evict_t;

static int s_cmp_evict(const void *a, const void *b)
{
    const s_evict_t *x = a, *y = b;
    if (x->over != y->over)
        return y->over - x->over;
    return (x->i > y->i) - (x->i < y->i);
}

/* Drop the fewest unpinned placements that make the seats fit; keep[i] = 0
 * for each dropped one. Returns 0, REGIO_EINVALID (pinned ones alone do not
 * fit) or -ENOMEM. */
static int s_evict(regio_plan_t *pl, const regio_rpp_sol_t *base, uint32_t pinned, uint8_t *keep,
                   char *err, size_t errlen)
{
    s_evict_t *ev = malloc((size_t)(base->n ? base->n : 1) * sizeof *ev);
    int32_t n = 0;
    if (!ev)
        return -ENOMEM;
    for (int32_t i = 0; i < base->n; i++)
        if (keep[i] && !(pinned >> base->v[i].period & 1u) && s_over(pl, &base->v[i]))
            ev[n++] = (s_evict_t){.i = i, .over = s_over(pl, &base->v[i])};
    qsort(ev, (size_t)n, sizeof *ev, s_cmp_evict);
    for (int32_t j = 0; j < n; j++) {
        const regio_rpp_placement_t *v = &base->v[ev[j].i];
        if (!s_over(pl, v))
            continue;
        keep[ev[j].i] = 0;
        int32_t *s = s_seats_of(pl, v->offering, v->period);
        for (uint32_t m = v->slots; m; m &= m - 1)
            s[__builtin_ctz(m)]++;
    }
    free(ev);
    for (int32_t i = 0; i < base->n; i++)
        if (keep[i] && s_over(pl, &base->v[i]))
            return s_fail(err, errlen, REGIO_EINVALID, "base: pinned placements of period %s "
                          "exceed the seats", pl->r->periods[base->v[i].period].id);
    return 0;
}

/* Take the seats of every placement that fits on its own; keep[i] says which. */
static int s_take(regio_plan_t *pl, const regio_rpp_sol_t *base, uint32_t pinned, uint8_t *keep,
                  int32_t *cand, char *err, size_t errlen)
{
    for (int32_t i = 0; i < base->n; i++) {
        const regio_rpp_placement_t *v = &base->v[i];
        cand[i] = s_fits_alone(pl, v);
        keep[i] = cand[i] >= 0;
        if (!keep[i] && (pinned >> v->period & 1u))
            return s_fail(err, errlen, REGIO_EINVALID, "base: pinned placement of learner %s "
                          "in period %s is not feasible", pl->r->learners[v->learner].id,
                          pl->r->periods[v->period].id);
        if (!keep[i])
            continue;
        int32_t *s = s_seats_of(pl, v->offering, v->period);
        for (uint32_t m = v->slots; m; m &= m - 1)
            s[__builtin_ctz(m)]--;
    }
    return 0;
}

/* Record the outcome: kept picks in the plan and the base, forced ones free. */
static int s_commit(regio_plan_t *pl, regio_plan_work_t *w, const regio_rpp_sol_t *base,
                    const uint8_t *keep, const int32_t *cand, int32_t **focus, int32_t *n_focus,
                    regio_engine_stats_t *st)
{
    uint8_t *hit = calloc((size_t)pl->L + 1, 1);
    if (!hit)
        return -ENOMEM;
    for (int32_t i = 0; i < base->n; i++) {
        const regio_rpp_placement_t *v = &base->v[i];
        int64_t at = (int64_t)v->learner * pl->P + v->period;
        if (keep[i]) {
            pl->pick[at] = pl->base[at] = (regio_pick_t){.cand = cand[i], .slots = v->slots};
            st->base_kept++;
        } else {
            pl->base[at] = (regio_pick_t){.cand = REGIO_PICK_FREE, .slots = 0};
            hit[v->learner] = 1;
            st->forced++;
        }
    }
    int32_t n = 0;
    for (int32_t l = 0; l < pl->L; l++)
        n += hit[l];
    *focus = malloc((size_t)(n ? n : 1) * sizeof **focus);
    if (!*focus) {
        free(hit);
        return -ENOMEM;
    }
    *n_focus = 0;
    for (int32_t l = 0; l < pl->L; l++)
        if (hit[l])
            (*focus)[(*n_focus)++] = l;
    free(hit);
    for (int64_t op = 0; op < (int64_t)pl->O * pl->P; op++) {
        pl->avail[op] = 0;
        for (int t = 0; t < REGIO_RPP_SLOTS; t++)
            if (pl->seats[op * REGIO_RPP_SLOTS + t] > 0)
                pl->avail[op] |= (uint16_t)(1u << t);
    }
    for (int32_t l = 0; l < pl->L; l++)
        pl->worth[l] = regio_plan_worth(pl, w, l, pl->pick + (int64_t)l * pl->P);
    return 0;
}

int regio_replan_load(regio_plan_t *pl, regio_plan_work_t *w, const regio_rpp_sol_t *base,
                      uint32_t pinned, double margin, int32_t **focus, int32_t *n_focus,
                      regio_engine_stats_t *st, char *err, size_t errlen)
{
    size_t lp = (size_t)pl->L * pl->P;
    *focus = NULL;
    *n_focus = 0;
    if (!(pl->frozen = calloc(lp ? lp : 1, 1)))
        return -ENOMEM;
    for (size_t i = 0; i < lp; i++)
        pl->frozen[i] = (uint8_t)(pinned >> (i % (size_t)pl->P) & 1u);
    if (!base)
        return 0;
    pl->margin = margin;
    if (!(pl->base = malloc((lp ? lp : 1) * sizeof *pl->base)))
        return -ENOMEM;
    for (size_t i = 0; i < lp; i++)
        pl->base[i] = (regio_pick_t){.cand = REGIO_PICK_NONE, .slots = 0};
    int rc = s_check(pl, base, err, errlen);
    if (rc < 0)
        return rc;
    uint8_t *keep = malloc((size_t)(base->n ? base->n : 1));
    int32_t *cand = malloc((size_t)(base->n ? base->n : 1) * sizeof *cand);
    rc = -ENOMEM;
    if (keep && cand && (rc = s_take(pl, base, pinned, keep, cand, err, errlen)) == 0 &&
        (rc = s_evict(pl, base, pinned, keep, err, errlen)) == 0)
        rc = s_commit(pl, w, base, keep, cand, focus, n_focus, st);
    free(keep);
    free(cand);
    return rc;
}
