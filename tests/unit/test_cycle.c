/* test_cycle - ejection chains and cyclic exchanges on an improvement
 * graph: they find the exchanges no single move can make, never lower the
 * objective, keep the plan feasible and scored right, and leave frozen
 * picks alone. */
#include <criterion/criterion.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cycle.h"
#include "plan_fixture.h"
#include "regio/rpp_json.h"

/* Two offerings with one seat each (slots 0-1, P1) at the same place; x
 * and y need mostly what the other's offering teaches. */
static const char s_two_seats[] =
    "{\"format\":\"rpp-1\",\"name\":\"two-seats\",\"periods\":[{\"id\":\"P1\",\"weeks\":10}],"
    "\"partners\":[{\"id\":\"pA\",\"kind\":\"business\",\"name\":\"A\",\"lat\":51.6,\"lon\":4.8},"
    "{\"id\":\"pB\",\"kind\":\"business\",\"name\":\"B\",\"lat\":51.6,\"lon\":4.8}],"
    "\"offerings\":["
    "{\"id\":\"oA\",\"partner\":\"pA\",\"form\":\"beroepsopleidend\",\"lat\":51.6,\"lon\":4.8,"
    "\"goals\":[\"GA\"],\"qualifications\":[],\"min_age\":16,"
    "\"capacity\":{\"P1\":[1,1,0,0,0,0,0,0,0,0]}},"
    "{\"id\":\"oB\",\"partner\":\"pB\",\"form\":\"beroepsopleidend\",\"lat\":51.6,\"lon\":4.8,"
    "\"goals\":[\"GB\"],\"qualifications\":[],\"min_age\":16,"
    "\"capacity\":{\"P1\":[1,1,0,0,0,0,0,0,0,0]}}],"
    "\"learners\":["
    "{\"id\":\"x\",\"school\":\"s1\",\"qualification\":\"q\",\"age\":17,\"lat\":51.6,\"lon\":4.8,"
    "\"max_km\":15,\"dagdelen\":2,\"free\":{\"P1\":[0,1]},\"needs\":{\"GA\":20,\"GB\":%d}},"
    "{\"id\":\"y\",\"school\":\"s1\",\"qualification\":\"q\",\"age\":17,\"lat\":51.6,\"lon\":4.8,"
    "\"max_km\":15,\"dagdelen\":2,\"free\":{\"P1\":[0,1]},\"needs\":{\"GB\":%d,\"GA\":%d}}]}";

/* The plan of the two-seat region with x at offering ox and y at oy (-1: none). */
static void s_two_seats_setup(fx_plan_t *f, int x_gb, int y_gb, int y_ga, int32_t ox, int32_t oy)
{
    char text[sizeof s_two_seats + 64], err[256] = "";
    snprintf(text, sizeof text, s_two_seats, x_gb, y_gb, y_ga);
    cr_assert_eq(regio_rpp_json_parse(text, strlen(text), &f->r, err, sizeof err), 0, "%s", err);
    cr_assert_eq(regio_cands_build(f->r, NULL, 1, &f->c), 0);
    cr_assert_eq(regio_plan_init(&f->pl, f->r, &f->c), 0);
    cr_assert_eq(regio_plan_work_init(&f->w, &f->pl), 0);
    cr_assert_eq(regio_lns_shared_init(&f->sh, f->r), 0);
    int32_t at[2] = {ox, oy};
    for (int32_t l = 0; l < 2; l++) {
        if (at[l] < 0)
            continue;
        int32_t k = 0;
        while (f->c.v[f->c.start[l] + k].offering != at[l])
            k++;
        cr_assert_lt(f->c.start[l] + k, f->c.start[l + 1], "no candidate at the offering");
        regio_plan_set(&f->pl, &f->w, l, 0, (regio_pick_t){.cand = k, .slots = 0x3});
    }
    fx_plan_check(&f->pl);
}

/* Neither learner can move alone (each other seat is taken); swapping
 * raises both: a cycle of two. */
Test(cycle, swaps_two_learners_no_single_move_helps)
{
    fx_plan_t f;
    regio_cycle_t c;
    s_two_seats_setup(&f, 1, 20, 1, 1, 0); /* x at oB, y at oA: 1 dagdeel each */
    cr_assert_eq(f.pl.worth[0].cov + f.pl.worth[1].cov, 2);
    cr_assert_eq(regio_cycle_init(&c, &f.pl, &f.sh, 1), 0);
    regio_lns_budget_t b = {.iterations = 50};
    double gain = regio_cycle_run(&c, &b);
    fx_plan_check(&f.pl);
    cr_assert_eq(f.pl.worth[0].cov + f.pl.worth[1].cov, 40, "not swapped: coverage %ld",
                 (long)(f.pl.worth[0].cov + f.pl.worth[1].cov));
    cr_assert(fabs(gain - 38 * f.r->w.coverage) < 1e-6, "gain %.3f", gain);
    cr_assert_eq(c.applied, 1);
    regio_cycle_free(&c);
    fx_plan_teardown(&f);
}

/* x has no seat and wants y's; y does a little worse at the free seat:
 * a chain (x takes y's seat, y moves on) gains, y moving alone loses. */
Test(cycle, a_chain_places_a_learner_by_moving_another_on)
{
    fx_plan_t f;
    regio_cycle_t c;
    s_two_seats_setup(&f, 1, 18, 20, -1, 0); /* x nowhere, y at oA (20) */
    cr_assert_eq(f.pl.worth[1].cov, 20);
    cr_assert_eq(regio_cycle_init(&c, &f.pl, &f.sh, 2), 0);
    regio_lns_budget_t b = {.iterations = 50};
    double gain = regio_cycle_run(&c, &b);
    fx_plan_check(&f.pl);
    cr_assert_eq(regio_plan_offering(&f.pl, 0, 0), 0, "x did not take oA");
    cr_assert_eq(regio_plan_offering(&f.pl, 1, 0), 1, "y did not move on to oB");
    cr_assert(fabs(gain - (20 + 18 - 20) * f.r->w.coverage) < 1e-6, "gain %.3f", gain);
    regio_cycle_free(&c);
    fx_plan_teardown(&f);
}

/* Search graphs with a budget, checking after each call. */
static void s_rounds(fx_plan_t *f, regio_cycle_t *c, int rounds)
{
    regio_lns_budget_t b = {.iterations = 400};
    for (int i = 0; i < rounds; i++) {
        double before = fx_plan_obj(&f->pl);
        double gain = regio_cycle_run(c, &b);
        double after = fx_plan_obj(&f->pl);
        cr_assert_geq(gain, 0, "gain %.12g", gain);
        cr_assert(fabs(after - before - gain) <= 1e-6 * fabs(after), "gain %.3f, change %.3f",
                  gain, after - before);
        fx_plan_check(&f->pl);
        for (int32_t l = 0; l < f->pl.L; l++)
            cr_assert_eq(c->pos[l], -1, "learner %d still in a group", l);
    }
}

Test(cycle, raises_a_greedy_plan_and_keeps_it_feasible)
{
    for (uint64_t seed = 1; seed <= 3; seed++) {
        fx_plan_t f;
        regio_cycle_t c;
        fx_plan_setup(&f, 150, seed);
        double first = fx_plan_obj(&f.pl);
        cr_assert_eq(regio_cycle_init(&c, &f.pl, &f.sh, seed), 0);
        s_rounds(&f, &c, 10);
        cr_assert_gt(c.applied, 0, "seed %lu: no exchange improved a greedy plan",
                     (unsigned long)seed);
        cr_assert_gt(fx_plan_obj(&f.pl), first);
        regio_cycle_free(&c);
        fx_plan_teardown(&f);
    }
}

Test(cycle, frozen_picks_never_move)
{
    fx_plan_t f;
    regio_cycle_t c;
    fx_plan_setup(&f, 150, 4);
    regio_pick_t *before = fx_plan_freeze(&f);
    cr_assert_eq(regio_cycle_init(&c, &f.pl, &f.sh, 4), 0);
    s_rounds(&f, &c, 10);
    cr_assert_gt(c.applied, 0);
    fx_plan_assert_frozen_kept(&f, before);
    regio_cycle_free(&c);
    fx_plan_teardown(&f);
}

/* The arcs' weights: the best pick at one offering, for many offerings at
 * once, is what placing the learner there scores, fits the room, and at
 * the offering of the learner's best pick matches regio_plan_best. */
Test(cycle, best_at_each_scores_what_the_pick_scores_and_agrees_with_the_best)
{
    fx_plan_t f;
    fx_plan_setup(&f, 200, 5);
    regio_plan_t *pl = &f.pl;
    int checked = 0, best_seen = 0;
    for (int32_t l = 0; l < pl->L; l++) {
        const regio_rpp_learner_t *L = &f.r->learners[l];
        for (int p = 0; p < pl->P; p++) {
            int64_t n = f.c.start[l + 1] - f.c.start[l];
            if (n == 0)
                continue;
            int m = n < 24 ? (int)n : 24;
            int32_t o[25];
            uint32_t room[25];
            regio_pick_t out[25];
            double val[25];
            for (int j = 0; j < m; j++) {
                o[j] = f.c.v[f.c.start[l] + j].offering;
                room[j] = pl->avail[(int64_t)o[j] * pl->P + p];
            }
            o[m] = -1; /* no offering: no pick */
            room[m] = 0x3ff;
            regio_plan_best_at_each(pl, &f.w, l, p, m + 1, o, room, out, val);
            cr_assert(val[m] == -HUGE_VAL && out[m].cand == REGIO_PICK_NONE);
            regio_pick_t cur = pl->pick[(int64_t)l * pl->P + p], bpk;
            double best = regio_plan_best(pl, &f.w, l, p, &bpk, NULL);
            for (int j = 0; j < m; j++) {
                uint32_t own = cur.cand == j ? cur.slots : 0;
                if (val[j] == -HUGE_VAL) {
                    cr_assert(!(L->planned >> p & 1u) ||
                              __builtin_popcount((room[j] | own) & L->free[p]) < L->dagdelen);
                    continue;
                }
                cr_assert_eq(out[j].cand, j);
                cr_assert_eq(out[j].slots & ~((room[j] | own) & L->free[p]), 0);
                cr_assert_eq(__builtin_popcount(out[j].slots), L->dagdelen);
                cr_assert_leq(val[j], best + 1e-6);
                if (bpk.cand == j) {
                    cr_assert(fabs(val[j] - best) <= 1e-6 * fabs(best) + 1e-6, "%f vs %f",
                              val[j], best);
                    best_seen++;
                }
                double was = pl->worth[l].obj;
                regio_plan_set(pl, &f.w, l, p, out[j]);
                cr_assert(fabs(pl->worth[l].obj - val[j]) <= 1e-6 * fabs(val[j]) + 1e-6,
                          "learner %d period %d: placed %f, said %f", l, p, pl->worth[l].obj,
                          val[j]);
                regio_plan_set(pl, &f.w, l, p, cur);
                cr_assert(fabs(pl->worth[l].obj - was) <= 1e-9 * fabs(was) + 1e-9);
                checked++;
            }
        }
    }
    cr_assert_gt(checked, 100);
    cr_assert_gt(best_seen, 10);
    fx_plan_check(pl);
    fx_plan_teardown(&f);
}
