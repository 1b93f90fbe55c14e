/* test_rebuild - planning clusters of learners afresh: the objective never
 * drops, the plan stays feasible and scored right, frozen picks stay. */
#include <criterion/criterion.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "plan_fixture.h"
#include "rebuild.h"

/* Rebuild with a budget of iterations, checking after each call. */
static void s_rebuild_rounds(fx_plan_t *f, regio_rebuild_t *rb, int rounds, double temp)
{
    regio_lns_budget_t b = {.iterations = 2000, .temp_from = temp, .temp_to = temp / 10};
    for (int i = 0; i < rounds; i++) {
        double before = fx_plan_obj(&f->pl);
        double gain = regio_rebuild_run(rb, &b);
        double after = fx_plan_obj(&f->pl);
        cr_assert_geq(gain, -1e-6, "gain %.12g", gain); /* ties are kept: rounding */
        cr_assert(fabs(after - before - gain) <= 1e-6 * fabs(after), "gain %.3f, change %.3f",
                  gain, after - before);
        fx_plan_check(&f->pl);
        for (int32_t l = 0; l < f->pl.L; l++)
            cr_assert_eq(rb->mark[l], 0, "learner %d still marked", l);
    }
}

Test(rebuild, raises_a_greedy_plan_and_keeps_it_feasible)
{
    for (uint64_t seed = 1; seed <= 3; seed++) {
        fx_plan_t f;
        regio_rebuild_t rb;
        fx_plan_setup(&f, 120, seed);
        double first = fx_plan_obj(&f.pl);
        cr_assert_eq(regio_rebuild_init(&rb, &f.pl, &f.sh, seed), 0);
        s_rebuild_rounds(&f, &rb, 10, 0);
        cr_assert_gt(rb.tried, 10);
        cr_assert_gt(rb.kept, 0, "seed %lu: no rebuild improved a greedy plan", (unsigned long)seed);
        cr_assert_gt(fx_plan_obj(&f.pl), first);
        regio_rebuild_free(&rb);
        fx_plan_teardown(&f);
    }
}

/* Hot sub-searches often end below where they started: those rebuilds
 * must put every old pick back exactly. */
Test(rebuild, a_rebuild_that_loses_restores_the_old_picks)
{
    fx_plan_t f;
    regio_rebuild_t rb;
    fx_plan_setup(&f, 150, 7);
    cr_assert_eq(regio_rebuild_init(&rb, &f.pl, &f.sh, 7), 0);
    s_rebuild_rounds(&f, &rb, 5, 0); /* close to a local optimum first */
    size_t n = (size_t)f.pl.L * f.pl.P;
    regio_pick_t *before = malloc(n * sizeof *before);
    cr_assert_not_null(before);
    int restored = 0;
    for (int i = 0; i < 40; i++) {
        memcpy(before, f.pl.pick, n * sizeof *before);
        int64_t undone = rb.undone;
        double obj = fx_plan_obj(&f.pl);
        regio_lns_budget_t b = {.iterations = 1, .temp_from = 1e9, .temp_to = 1e9};
        regio_rebuild_run(&rb, &b); /* one rebuild, a random walk inside */
        if (rb.undone > undone) {
            cr_assert(fabs(fx_plan_obj(&f.pl) - obj) <= 1e-6 * fabs(obj));
            for (size_t k = 0; k < n; k++) /* field by field: padding bytes may differ */
                cr_assert(before[k].cand == f.pl.pick[k].cand &&
                              before[k].slots == f.pl.pick[k].slots,
                          "a rebuild without gain changed pick %zu", k);
            restored++;
        }
        fx_plan_check(&f.pl);
    }
    cr_assert_gt(restored, 0, "no rebuild lost, so restoring went untested");
    free(before);
    regio_rebuild_free(&rb);
    fx_plan_teardown(&f);
}

Test(rebuild, frozen_picks_never_move)
{
    fx_plan_t f;
    regio_rebuild_t rb;
    fx_plan_setup(&f, 120, 3);
    regio_pick_t *before = fx_plan_freeze(&f);
    cr_assert_eq(regio_rebuild_init(&rb, &f.pl, &f.sh, 3), 0);
    s_rebuild_rounds(&f, &rb, 10, 0);
    cr_assert_gt(rb.kept, 0);
    fx_plan_assert_frozen_kept(&f, before);
    regio_rebuild_free(&rb);
    fx_plan_teardown(&f);
}
