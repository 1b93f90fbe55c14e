/* decide - pins, refusals and reservations added to a region (see decide.h). */
#include "decide.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cand.h"
#include "engine.h"
#include "regio/error.h"
#include "rng.h"

/* Seats a reservation holds of an offering's seats at a slot: half, up. */
static int32_t s_half(int32_t seats)
{
    return (seats + 1) / 2;
}

/* The school to hold seats of (o, p) for: the school of a learner the plan
 * placed there (placed[o*P + p], -1 none), else of one who could go there;
 * -1 when nobody could. */
static int32_t s_school(const regio_rpp_t *r, const regio_cands_t *c, const int32_t *placed,
                        int32_t o, int p, regio_rng_t *g)
{
    int64_t a = c->inv_start[o], n = c->inv_start[o + 1] - a;
    int32_t l = placed[(int64_t)o * r->n_periods + p];
    if (l < 0 && n > 0)
        l = c->inv[a + regio_rng_below(g, (uint32_t)n)];
    return l < 0 ? -1 : r->learners[l].school;
}

static int s_reservations(regio_rpp_t *r, const regio_cands_t *c, const int32_t *placed,
                          double share, regio_rng_t *g, int32_t *added, char *err, size_t errlen)
{
    for (int32_t o = 0; o < r->n_offerings; o++) {
        if (regio_rng_unit(g) >= share)
            continue;
        for (int p = 0; p < r->n_periods; p++) {
            int32_t seats[REGIO_RPP_SLOTS], any = 0, school = s_school(r, c, placed, o, p, g);
            for (int t = 0; t < REGIO_RPP_SLOTS; t++)
                any |= seats[t] = s_half(regio_rpp_cap(r, o, p, t));
            if (!any || school < 0)
                continue;
            int rc = regio_rpp_add_reservation(r, r->offerings[o].id, r->periods[p].id,
                                               regio_strtab_name(r->schools, school), seats, err,
                                               errlen);
            if (rc < 0)
                return rc;
            (*added)++;
        }
    }
    return 0;
}

static int s_forbidden(regio_rpp_t *r, const regio_cands_t *c, double share, regio_rng_t *g,
                       int32_t *added, char *err, size_t errlen)
{
    for (int32_t l = 0; l < r->n_learners; l++) {
        int64_t n = c->start[l + 1] - c->start[l];
        if (regio_rng_unit(g) >= share || n == 0)
            continue;
        const regio_cand_t *cd = &c->v[c->start[l] + regio_rng_below(g, (uint32_t)n)];
        int whole = regio_rng_below(g, 2); /* the partner, or just this offering */
        int rc = regio_rpp_add_forbidden(r, r->learners[l].id,
                                         whole ? r->partners[cd->partner].id : NULL,
                                         whole ? NULL : r->offerings[cd->offering].id, err, errlen);
        if (rc < 0)
            return rc;
        (*added)++;
    }
    return 0;
}

static int s_pins(regio_rpp_t *r, const regio_rpp_sol_t *plan, double share, regio_rng_t *g,
                  regio_gen_decide_stats_t *st, char *err, size_t errlen)
{
    for (int32_t k = 0; k < plan->n; k++) {
        const regio_rpp_placement_t *v = &plan->v[k];
        if (regio_rng_unit(g) >= share)
            continue;
        int rc = regio_rpp_add_pin(r, r->learners[v->learner].id, r->periods[v->period].id,
                                   r->offerings[v->offering].id, v->slots, err, errlen);
        if (rc == REGIO_EINVALID) { /* refused or reserved since the plan was made */
            st->pins_left_out++;
            continue;
        }
        if (rc < 0)
            return rc;
        st->pins++;
    }
    return 0;
}

/* A feasible plan of r (sorted), its candidates and, per (o, p), a learner
 * it placed there (or -1). */
static int s_plan(const regio_rpp_t *r, uint64_t seed, regio_rpp_sol_t *plan, regio_cands_t *c,
                  int32_t **placed)
{
    regio_engine_opts_t o = regio_engine_default_opts();
    size_t nop = (size_t)r->n_offerings * r->n_periods;
    o.seed = seed;
    int rc = regio_engine_find("greedy")->solve(r, &o, plan);
    if (rc == 0 && (rc = regio_cands_build(r, NULL, 1, c)) == 0 &&
        !(*placed = malloc((nop ? nop : 1) * sizeof **placed))) {
        regio_cands_free(c);
        rc = -ENOMEM;
    }
    if (rc < 0)
        return rc;
    regio_rpp_sol_sort(plan);
    for (size_t i = 0; i < nop; i++)
        (*placed)[i] = -1;
    for (int32_t k = 0; k < plan->n; k++)
        (*placed)[(int64_t)plan->v[k].offering * r->n_periods + plan->v[k].period] =
            plan->v[k].learner;
    return 0;
}

int regio_gen_decide(regio_rpp_t *r, const regio_gen_decide_params_t *p,
                     regio_gen_decide_stats_t *st, char *err, size_t errlen)
{
    regio_gen_decide_stats_t local;
    regio_rpp_sol_t plan;
    regio_cands_t c;
    regio_rng_t g;
    int32_t *placed = NULL;
    st = st ? st : &local;
    memset(st, 0, sizeof *st);
    regio_rng_seed(&g, p->seed ^ 0x2d358dccaa6c78a5ull);
    regio_rpp_sol_init(&plan);
    int rc = s_plan(r, p->seed, &plan, &c, &placed);
    if (rc < 0) {
        regio_rpp_sol_free(&plan);
        snprintf(err, errlen, "planning the region: %s", regio_strerror(rc));
        return rc;
    }
    if ((rc = s_reservations(r, &c, placed, p->reserved, &g, &st->reservations, err, errlen)) ==
            0 &&
        (rc = s_forbidden(r, &c, p->forbidden, &g, &st->forbidden, err, errlen)) == 0)
        rc = s_pins(r, &plan, p->pins, &g, st, err, errlen);
    free(placed);
    regio_cands_free(&c);
    regio_rpp_sol_free(&plan);
    return rc;
}
