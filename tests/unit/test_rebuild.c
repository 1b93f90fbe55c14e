/* test_rebuild - planning clusters of learners afresh: the objective never
 * drops, the plan stays feasible and scored right, frozen picks stay. */
#include <criterion/criterion.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cand.h"
#include "engine_fixture.h"
#include "greedy.h"
#include "lns_worker.h"
#include "plan.h"
#include "rebuild.h"
#include "regio/rpp.h"
#include "regio/rpp_score.h"

typedef struct {
    regio_rpp_t *r;
    regio_cands_t c;
    regio_plan_t pl;
    regio_plan_work_t w;
    regio_lns_shared_t sh;
} s_fix_t;

/* A region of n learners with a greedy first plan. */
static void s_setup(s_fix_t *f, int n, uint64_t seed)
{
    f->r = fx_region_simple(n, n / 2, seed);
    cr_assert_eq(regio_cands_build(f->r, NULL, 1, &f->c), 0);
    cr_assert_eq(regio_plan_init(&f->pl, f->r, &f->c), 0);
    cr_assert_eq(regio_plan_work_init(&f->w, &f->pl), 0);
    cr_assert_eq(regio_lns_shared_init(&f->sh, f->r), 0);
    regio_greedy_fill(&f->pl, &f->w, NULL, 0, seed);
}

static void s_teardown(s_fix_t *f)
{
    regio_lns_shared_free(&f->sh);
    regio_plan_work_free(&f->w);
    regio_plan_free(&f->pl);
    regio_cands_free(&f->c);
    regio_rpp_destroy(&f->r);
}

static double s_obj(const regio_plan_t *pl)
{
    double obj;
    regio_plan_totals(pl, &obj, NULL, NULL, NULL);
    return obj;
}

/* The plan is feasible and its incremental score is the checker's. */
static void s_check(const regio_plan_t *pl)
{
    regio_rpp_sol_t sol;
    regio_rpp_report_t rep;
    char err[256] = "";
    double score;
    int64_t cov;
    regio_rpp_sol_init(&sol);
    cr_assert_eq(regio_plan_to_sol(pl, &sol), 0);
    cr_assert_eq(regio_rpp_evaluate(pl->r, &sol, &rep, err, sizeof err), 0);
    cr_assert(rep.feasible, "rebuilds broke feasibility: %s", err);
    regio_plan_totals(pl, NULL, &score, &cov, NULL);
    cr_assert(fabs(score - rep.score) <= 1e-6 * fabs(rep.score), "score %.6f, recount %.6f",
              score, rep.score);
    cr_assert_eq(cov, rep.coverage);
    for (int64_t i = 0; i < (int64_t)pl->O * pl->P * REGIO_RPP_SLOTS; i++)
        cr_assert_geq(pl->seats[i], 0);
    regio_rpp_sol_free(&sol);
}

/* Rebuild with a budget of iterations, checking after each call. */
static void s_rebuild_rounds(s_fix_t *f, regio_rebuild_t *rb, int rounds, double temp)
{
    regio_lns_budget_t b = {.iterations = 2000, .temp_from = temp, .temp_to = temp / 10};
    for (int i = 0; i < rounds; i++) {
        double before = s_obj(&f->pl);
        double gain = regio_rebuild_run(rb, &b);
        double after = s_obj(&f->pl);
        cr_assert_geq(gain, -1e-6, "gain %.12g", gain); /* ties are kept: rounding */
        cr_assert(fabs(after - before - gain) <= 1e-6 * fabs(after), "gain %.3f, change %.3f",
                  gain, after - before);
        s_check(&f->pl);
        for (int32_t l = 0; l < f->pl.L; l++)
            cr_assert_eq(rb->mark[l], 0, "learner %d still marked", l);
    }
}

Test(rebuild, raises_a_greedy_plan_and_keeps_it_feasible)
{
    for (uint64_t seed = 1; seed <= 3; seed++) {
        s_fix_t f;
        regio_rebuild_t rb;
        s_setup(&f, 120, seed);
        double first = s_obj(&f.pl);
        cr_assert_eq(regio_rebuild_init(&rb, &f.pl, &f.sh, seed), 0);
        s_rebuild_rounds(&f, &rb, 10, 0);
        cr_assert_gt(rb.tried, 10);
        cr_assert_gt(rb.kept, 0, "seed %lu: no rebuild improved a greedy plan", (unsigned long)seed);
        cr_assert_gt(s_obj(&f.pl), first);
        regio_rebuild_free(&rb);
        s_teardown(&f);
    }
}

/* Hot sub-searches often end below where they started: those rebuilds
 * must put every old pick back exactly. */
Test(rebuild, a_rebuild_that_loses_restores_the_old_picks)
{
    s_fix_t f;
    regio_rebuild_t rb;
    s_setup(&f, 150, 7);
    cr_assert_eq(regio_rebuild_init(&rb, &f.pl, &f.sh, 7), 0);
    s_rebuild_rounds(&f, &rb, 5, 0); /* close to a local optimum first */
    size_t n = (size_t)f.pl.L * f.pl.P;
    regio_pick_t *before = malloc(n * sizeof *before);
    cr_assert_not_null(before);
    int restored = 0;
    for (int i = 0; i < 40; i++) {
        memcpy(before, f.pl.pick, n * sizeof *before);
        int64_t undone = rb.undone;
        double obj = s_obj(&f.pl);
        regio_lns_budget_t b = {.iterations = 1, .temp_from = 1e9, .temp_to = 1e9};
        regio_rebuild_run(&rb, &b); /* one rebuild, a random walk inside */
        if (rb.undone > undone) {
            cr_assert(fabs(s_obj(&f.pl) - obj) <= 1e-6 * fabs(obj));
            cr_assert_eq(memcmp(before, f.pl.pick, n * sizeof *before), 0,
                         "a rebuild without gain changed picks");
            restored++;
        }
        s_check(&f.pl);
    }
    cr_assert_gt(restored, 0, "no rebuild lost, so restoring went untested");
    free(before);
    regio_rebuild_free(&rb);
    s_teardown(&f);
}

Test(rebuild, frozen_picks_never_move)
{
    s_fix_t f;
    regio_rebuild_t rb;
    s_setup(&f, 120, 3);
    size_t n = (size_t)f.pl.L * f.pl.P;
    f.pl.frozen = calloc(n, 1); /* the plan frees it */
    cr_assert_not_null(f.pl.frozen);
    for (size_t i = 0; i < n; i++)
        f.pl.frozen[i] = i % (size_t)f.pl.P == 0 || i % 3 == 0; /* P1, and a third of the rest */
    regio_pick_t *before = malloc(n * sizeof *before);
    cr_assert_not_null(before);
    memcpy(before, f.pl.pick, n * sizeof *before);
    cr_assert_eq(regio_rebuild_init(&rb, &f.pl, &f.sh, 3), 0);
    s_rebuild_rounds(&f, &rb, 10, 0);
    cr_assert_gt(rb.kept, 0);
    for (size_t i = 0; i < n; i++)
        if (f.pl.frozen[i])
            cr_assert(before[i].cand == f.pl.pick[i].cand && before[i].slots == f.pl.pick[i].slots,
                      "frozen pick %zu moved", i);
    free(before);
    regio_rebuild_free(&rb);
    s_teardown(&f);
}
