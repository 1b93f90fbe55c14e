/* plan_fixture - a generated region with a greedy first plan, and the
 * checks every neighbourhood test makes: the plan is feasible, and its
 * incremental score is the checker's. Header-only, for tests. */
#ifndef REGIO_TEST_PLAN_FIXTURE_H
#define REGIO_TEST_PLAN_FIXTURE_H

#include <criterion/criterion.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cand.h"
#include "engine_fixture.h"
#include "greedy.h"
#include "lns_worker.h"
#include "plan.h"
#include "regio/rpp.h"
#include "regio/rpp_score.h"

typedef struct {
    regio_rpp_t *r;
    regio_cands_t c;
    regio_plan_t pl;
    regio_plan_work_t w;
    regio_lns_shared_t sh;
} fx_plan_t;

/* A region of n learners with a greedy first plan. */
static inline void fx_plan_setup(fx_plan_t *f, int n, uint64_t seed)
{
    f->r = fx_region_simple(n, n / 2, seed);
    cr_assert_eq(regio_cands_build(f->r, NULL, 1, &f->c), 0);
    cr_assert_eq(regio_plan_init(&f->pl, f->r, &f->c), 0);
    cr_assert_eq(regio_plan_work_init(&f->w, &f->pl), 0);
    cr_assert_eq(regio_lns_shared_init(&f->sh, f->r), 0);
    regio_greedy_fill(&f->pl, &f->w, NULL, 0, seed);
}

static inline void fx_plan_teardown(fx_plan_t *f)
{
    regio_lns_shared_free(&f->sh);
    regio_plan_work_free(&f->w);
    regio_plan_free(&f->pl);
    regio_cands_free(&f->c);
    regio_rpp_destroy(&f->r);
}

static inline double fx_plan_obj(const regio_plan_t *pl)
{
    double obj;
    regio_plan_totals(pl, &obj, NULL, NULL, NULL);
    return obj;
}

/* The plan is feasible and its incremental score is the checker's. */
static inline void fx_plan_check(const regio_plan_t *pl)
{
    regio_rpp_sol_t sol;
    regio_rpp_report_t rep;
    char err[256] = "";
    double score;
    int64_t cov;
    regio_rpp_sol_init(&sol);
    cr_assert_eq(regio_plan_to_sol(pl, &sol), 0);
    cr_assert_eq(regio_rpp_evaluate(pl->r, &sol, &rep, err, sizeof err), 0);
    cr_assert(rep.feasible, "the plan is not feasible: %s", err);
    regio_plan_totals(pl, NULL, &score, &cov, NULL);
    cr_assert(fabs(score - rep.score) <= 1e-6 * fabs(rep.score), "score %.6f, recount %.6f",
              score, rep.score);
    cr_assert_eq(cov, rep.coverage);
    for (int64_t i = 0; i < (int64_t)pl->O * pl->P * REGIO_RPP_SLOTS; i++)
        cr_assert_geq(pl->seats[i], 0);
    regio_rpp_sol_free(&sol);
}

/* Freeze P1 and a third of the other picks (the plan frees the flags);
 * returns a copy of every pick to compare with later (caller frees). */
static inline regio_pick_t *fx_plan_freeze(fx_plan_t *f)
{
    size_t n = (size_t)f->pl.L * f->pl.P;
    f->pl.frozen = calloc(n, 1);
    cr_assert_not_null(f->pl.frozen);
    for (size_t i = 0; i < n; i++)
        f->pl.frozen[i] = i % (size_t)f->pl.P == 0 || i % 3 == 0;
    regio_pick_t *before = malloc(n * sizeof *before);
    cr_assert_not_null(before);
    memcpy(before, f->pl.pick, n * sizeof *before);
    return before;
}

/* Every frozen pick is as in before (from fx_plan_freeze); frees before. */
static inline void fx_plan_assert_frozen_kept(const fx_plan_t *f, regio_pick_t *before)
{
    for (size_t i = 0; i < (size_t)f->pl.L * f->pl.P; i++)
        if (f->pl.frozen[i])
            cr_assert(before[i].cand == f->pl.pick[i].cand &&
                          before[i].slots == f->pl.pick[i].slots,
                      "frozen pick %zu moved", i);
    free(before);
}

#endif
