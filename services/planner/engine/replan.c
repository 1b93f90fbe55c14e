/* replan - start a plan from a previous one after the instance changed. */
#include "replan.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "regio/error.h"

/* What deciding which base placements stay works on. */
typedef struct {
    const regio_rpp_t *r;
    const regio_rpp_sol_t *base;
    uint32_t pinned;
    regio_rpp_seats_t seats; /* left by the pins and the kept placements; open seats may
                                go below 0 while deciding */
    uint8_t *keep;   /* per base placement */
    char *err;
    size_t errlen;
} s_decide_t;

static int s_fail(const s_decide_t *d, int rc, const char *fmt, ...)
{
    if (d->err && d->errlen) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(d->err, d->errlen, fmt, ap);
        va_end(ap);
    }
    return rc;
}

/* Base placement v takes (n = 1) or gives back (n = -1) its seats. */
static void s_take_seats(s_decide_t *d, const regio_rpp_placement_t *v, int n)
{
    regio_rpp_seats_take(d->r, &d->seats, v->offering, v->period,
                         d->r->learners[v->learner].school, v->slots, n);
}

/* Whether base placement v fits its learner on its own (planned, free
 * slots, right count, eligible, not declined). */
static int s_fits_alone(const s_decide_t *d, const regio_rpp_placement_t *v)
{
    return regio_rpp_check_placement(d->r, v, NULL, NULL) == 0;
}

/* Whether v is at a (learner, period) that a pin decides (its seats are the
 * pin's, taken already). */
static int s_at_pin(const s_decide_t *d, const regio_rpp_placement_t *v)
{
    return d->r->learners[v->learner].pins >> v->period & 1u;
}

/* Every id in range and at most one placement per (learner, period). */
static int s_check(const s_decide_t *d)
{
    const regio_rpp_t *r = d->r;
    uint32_t *seen = calloc((size_t)r->n_learners + 1, sizeof *seen);
    int rc = seen ? 0 : -ENOMEM;
    for (int32_t i = 0; i < d->base->n && rc == 0; i++) {
        const regio_rpp_placement_t *v = &d->base->v[i];
        if (v->learner < 0 || v->learner >= r->n_learners || v->offering < 0 ||
            v->offering >= r->n_offerings || v->period < 0 || v->period >= r->n_periods)
            rc = s_fail(d, REGIO_EINVALID, "base placement %d: unknown learner, period or "
                        "offering", (int)i);
        else if (seen[v->learner] >> v->period & 1u)
            rc = s_fail(d, REGIO_EINVALID, "base: learner %s has two placements in period %s",
                        r->learners[v->learner].id, r->periods[v->period].id);
        else
            seen[v->learner] |= 1u << v->period;
    }
    free(seen);
    return rc;
}

/* Number of v's slots whose open seats are over-used (below 0) and that v
 * would give an open seat back on (its school does not sit on its own held
 * seats there). */
static int s_over(const s_decide_t *d, const regio_rpp_placement_t *v)
{
    const regio_rpp_t *r = d->r;
    const int32_t *open =
        d->seats.open + ((int64_t)v->offering * r->n_periods + v->period) * REGIO_RPP_SLOTS;
    int32_t i = regio_rpp_reservation_find(r, v->offering, v->period,
                                           r->learners[v->learner].school);
    int n = 0;
    for (uint32_t m = v->slots & REGIO_RPP_ALL_SLOTS; m; m &= m - 1) {
        int t = __builtin_ctz(m);
        n += open[t] < 0 && (i < 0 || d->seats.left[i * REGIO_RPP_SLOTS + t] < 0);
    }
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

/* Take the seats of every placement that fits on its own. One where a pin
 * decides stays only when it is the pin (whose seats are taken already). */
static int s_take(s_decide_t *d)
{
    for (int32_t i = 0; i < d->base->n; i++) {
        const regio_rpp_placement_t *v = &d->base->v[i];
        const regio_rpp_placement_t *pin =
            s_at_pin(d, v) ? &d->r->pins[d->r->pin_at[(int64_t)v->learner * d->r->n_periods +
                                                       v->period]]
                           : NULL;
        d->keep[i] = (uint8_t)(pin ? pin->offering == v->offering && pin->slots == v->slots
                                   : s_fits_alone(d, v));
        if (!d->keep[i] && (d->pinned >> v->period & 1u))
            return s_fail(d, REGIO_EINVALID, "base: pinned placement of learner %s in period "
                          "%s is not feasible", d->r->learners[v->learner].id,
                          d->r->periods[v->period].id);
        if (d->keep[i] && !pin)
            s_take_seats(d, v, 1);
    }
    return 0;
}

/* Drop the fewest unpinned placements that make the seats fit (those
 * holding most over-used seats first). */
static int s_evict(s_decide_t *d)
{
    const regio_rpp_sol_t *base = d->base;
    s_evict_t *ev = malloc((size_t)(base->n ? base->n : 1) * sizeof *ev);
    int32_t n = 0;
    if (!ev)
        return -ENOMEM;
    for (int32_t i = 0; i < base->n; i++)
        if (d->keep[i] && !(d->pinned >> base->v[i].period & 1u) && !s_at_pin(d, &base->v[i]) &&
            s_over(d, &base->v[i]))
            ev[n++] = (s_evict_t){.i = i, .over = s_over(d, &base->v[i])};
    qsort(ev, (size_t)n, sizeof *ev, s_cmp_evict);
    for (int32_t j = 0; j < n; j++) {
        const regio_rpp_placement_t *v = &base->v[ev[j].i];
        if (!s_over(d, v))
            continue;
        d->keep[ev[j].i] = 0;
        s_take_seats(d, v, -1);
    }
    free(ev);
    for (int32_t i = 0; i < base->n; i++)
        if (d->keep[i] && !s_at_pin(d, &base->v[i]) && s_over(d, &base->v[i]))
            return s_fail(d, REGIO_EINVALID, "base: pinned placements of period %s exceed the "
                          "seats", d->r->periods[base->v[i].period].id);
    return 0;
}

static int s_decide(s_decide_t *d)
{
    int rc = s_check(d);
    if (rc == 0)
        rc = s_take(d);
    if (rc == 0)
        rc = s_evict(d);
    return rc;
}

/* Learners with a dropped placement, ascending, into a new array. */
static int s_dropped(const s_decide_t *d, int32_t **out, int32_t *n)
{
    uint8_t *hit = calloc((size_t)d->r->n_learners + 1, 1);
    *n = 0;
    *out = NULL;
    if (!hit)
        return -ENOMEM;
    for (int32_t i = 0; i < d->base->n; i++)
        if (!d->keep[i])
            hit[d->base->v[i].learner] = 1;
    for (int32_t l = 0; l < d->r->n_learners; l++)
        *n += hit[l];
    if ((*out = malloc((size_t)(*n ? *n : 1) * sizeof **out)))
        for (int32_t l = 0, k = 0; l < d->r->n_learners; l++)
            if (hit[l])
                (*out)[k++] = l;
    free(hit);
    return *out ? 0 : -ENOMEM;
}

int regio_replan_decide(const regio_rpp_t *r, const regio_rpp_sol_t *base, uint32_t pinned,
                        uint8_t *keep, char *err, size_t errlen)
{
    s_decide_t d = {.r = r, .base = base, .pinned = pinned, .keep = keep, .err = err,
                    .errlen = errlen};
    int rc = regio_rpp_seats_init(&d.seats, r, 1);
    if (rc == 0)
        rc = s_decide(&d);
    regio_rpp_seats_free(&d.seats);
    return rc;
}

/* Record the outcome in the plan: kept picks in the plan and the base,
 * dropped ones free to change (the seats follow in regio_plan_sync). */
static void s_commit(regio_plan_t *pl, s_decide_t *d, regio_engine_stats_t *st)
{
    for (int32_t i = 0; i < d->base->n; i++) {
        const regio_rpp_placement_t *v = &d->base->v[i];
        int64_t at = (int64_t)v->learner * pl->P + v->period;
        int32_t k = d->keep[i] ? regio_cands_find(pl->c, v->learner, v->offering) : -1;
        if (d->keep[i] && k < 0) /* not a candidate (should not happen): drop it */
            d->keep[i] = 0;
        if (d->keep[i]) {
            pl->pick[at] = pl->base[at] = (regio_pick_t){.cand = k, .slots = v->slots};
            st->base_kept++;
        } else {
            pl->base[at] = (regio_pick_t){.cand = REGIO_PICK_FREE, .slots = 0};
            st->forced++;
        }
    }
}

int regio_replan_load(regio_plan_t *pl, regio_plan_work_t *w, const regio_rpp_sol_t *base,
                      const uint8_t *keep, uint32_t pinned, double margin, int32_t **focus,
                      int32_t *n_focus, regio_engine_stats_t *st)
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
    /* the candidates hold every eligible base offering (built with base as extra) */
    s_decide_t d = {.r = pl->r, .base = base, .pinned = pinned};
    if (!(d.keep = malloc((size_t)(base->n ? base->n : 1))))
        return -ENOMEM;
    memcpy(d.keep, keep, (size_t)base->n);
    s_commit(pl, &d, st);
    regio_plan_sync(pl, w);
    int rc = s_dropped(&d, focus, n_focus);
    free(d.keep);
    return rc;
}
