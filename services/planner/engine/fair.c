/* fair - raise the lowest school's coverage share at a bounded cost. */
#include "fair.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "lns.h"

#define S_ROUNDS 8

/* Per school: covered and needed dagdelen. */
static void s_school_sums(const regio_plan_t *pl, int64_t *cov, int64_t *need)
{
    const regio_rpp_t *r = pl->r;
    int32_t ns = regio_strtab_count(r->schools);
    memset(cov, 0, (size_t)ns * sizeof *cov);
    memset(need, 0, (size_t)ns * sizeof *need);
    for (int32_t l = 0; l < pl->L; l++) {
        const regio_rpp_learner_t *L = &r->learners[l];
        cov[L->school] += pl->worth[l].cov;
        for (int i = 0; i < L->n_needs; i++)
            need[L->school] += L->needs[i].amount;
    }
}

/* Lowest share and the school that has it (-1 when no school has needs). */
static double s_lowest(const regio_plan_t *pl, int64_t *cov, int64_t *need, int32_t *which)
{
    int32_t ns = regio_strtab_count(pl->r->schools);
    double low = 1.0;
    *which = -1;
    s_school_sums(pl, cov, need);
    for (int32_t i = 0; i < ns; i++)
        if (need[i] > 0 && (double)cov[i] / (double)need[i] < low) {
            low = (double)cov[i] / (double)need[i];
            *which = i;
        }
    return low;
}

double regio_fair_min_share(const regio_plan_t *pl)
{
    int32_t ns = regio_strtab_count(pl->r->schools), which;
    int64_t *cov = malloc(((size_t)ns + 1) * sizeof *cov);
    int64_t *need = malloc(((size_t)ns + 1) * sizeof *need);
    double low = cov && need ? s_lowest(pl, cov, need, &which) : NAN;
    free(cov);
    free(need);
    return low;
}

/* Set the budget of round k of n: an equal share of what is left. */
static void s_slice(regio_session_t *s, int k, int n, double deadline, int64_t iters)
{
    if (iters > 0)
        s->iter_limit = s->stats.iterations + (iters - s->stats.iterations) / (n - k);
    else
        s->deadline = regio_session_clock() + (deadline - regio_session_clock()) / (n - k);
}

typedef struct {
    regio_plan_t best;      /* the fairest plan within the score floor */
    double best_min, floor;
    int64_t *cov, *need;
    double *bonus;          /* per school, owned by s->plan while the phase runs */
} s_fair_t;

static void s_round(regio_session_t *s, s_fair_t *f, double *step, uint64_t seed)
{
    regio_plan_t *pl = &s->plan;
    int32_t low_school;
    double score;
    s_lowest(pl, f->cov, f->need, &low_school);
    if (low_school >= 0)
        f->bonus[low_school] += *step;
    regio_plan_refresh(pl, &s->work);
    regio_lns_search(s, seed, NULL, 0, 0.6, 1.0);
    regio_plan_totals(pl, NULL, &score, NULL, NULL);
    double low = s_lowest(pl, f->cov, f->need, &low_school);
    if (score >= f->floor && low > f->best_min + 1e-12) {
        f->best_min = low;
        regio_plan_copy(&f->best, pl);
        *step *= 1.5;
    } else if (score < f->floor) {
        int32_t ns = regio_strtab_count(s->r->schools);
        for (int32_t i = 0; i < ns; i++)
            f->bonus[i] *= 0.5;
        *step *= 0.5;
        regio_plan_copy(pl, &f->best); /* go on from the fairest good plan */
    }
}

int regio_fair_improve(regio_session_t *s, uint64_t seed)
{
    regio_plan_t *pl = &s->plan;
    int32_t ns = regio_strtab_count(s->r->schools), which;
    s_fair_t f = {0};
    double score0, deadline = s->deadline;
    int64_t iters = s->iter_limit;
    f.cov = malloc(((size_t)ns + 1) * sizeof *f.cov);
    f.need = malloc(((size_t)ns + 1) * sizeof *f.need);
    f.bonus = calloc((size_t)ns + 1, sizeof *f.bonus);
    int rc = f.cov && f.need && f.bonus ? regio_plan_init(&f.best, s->r, pl->c) : -ENOMEM;
    if (rc == 0) {
        regio_plan_copy(&f.best, pl);
        regio_plan_totals(pl, NULL, &score0, NULL, NULL);
        s->stats.fair_score_before = score0;
        f.floor = score0 - (1 - REGIO_FAIR_KEEP) * fabs(score0);
        f.best_min = s->stats.fair_min_before = s_lowest(pl, f.cov, f.need, &which);
        double step = s->r->w.coverage > 0 ? s->r->w.coverage : 100; /* per dagdeel */
        pl->bonus = f.bonus;
        for (int k = 0; k < S_ROUNDS && !s->stop; k++) {
            s_slice(s, k, S_ROUNDS, deadline, iters);
            s_round(s, &f, &step, seed + (uint64_t)k + 1);
        }
        pl->bonus = NULL;
        regio_plan_copy(pl, &f.best);
        regio_plan_refresh(pl, &s->work);
        s->stats.fair_min_after = f.best_min;
        regio_plan_free(&f.best);
    }
    s->deadline = deadline;
    s->iter_limit = iters;
    free(f.bonus);
    free(f.cov);
    free(f.need);
    return rc;
}
