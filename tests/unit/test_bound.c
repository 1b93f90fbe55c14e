/* test_bound - the Lagrangian upper bound on the optimum. */
#include <criterion/criterion.h>
#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <time.h>

#include "bound.h"
#include "decide.h"
#include "engine.h"
#include "engine_fixture.h"
#include "regio/rpp.h"
#include "regio/rpp_score.h"

static double s_plan(const regio_rpp_t *r, int64_t iterations, uint64_t seed)
{
    regio_rpp_sol_t sol;
    regio_rpp_report_t rep;
    regio_engine_opts_t o = regio_engine_default_opts();
    o.iterations = iterations;
    o.seed = seed;
    regio_rpp_sol_init(&sol);
    cr_assert_eq(regio_engine_find(NULL)->solve(r, &o, &sol), 0);
    cr_assert_eq(regio_rpp_evaluate(r, &sol, &rep, NULL, 0), 0);
    cr_assert(rep.feasible);
    regio_rpp_sol_free(&sol);
    return rep.score;
}

Test(bound, is_never_below_the_plan)
{
    for (uint64_t seed = 1; seed <= 4; seed++) {
        regio_rpp_t *r = fx_region_simple(120, 40, seed);
        double score = s_plan(r, 6000, seed), ub;
        regio_bound_opts_t bo = regio_bound_default_opts();
        bo.iterations = 60;
        bo.lower = score;
        cr_assert_eq(regio_bound_compute(r, &bo, &ub), 0);
        cr_assert_geq(ub, score, "seed %d: bound %.3f below plan %.3f", (int)seed, ub, score);
        bo.nodes = 5; /* cut every learner's search short: weaker, still a bound */
        cr_assert_eq(regio_bound_compute(r, &bo, &ub), 0);
        cr_assert_geq(ub, score, "seed %d, few nodes: bound %.3f below plan %.3f", (int)seed, ub,
                      score);
        regio_rpp_destroy(&r);
    }
}

/* Brute force: every combination of each learner's options in period 0. */
typedef struct {
    const regio_rpp_t *r;
    regio_rpp_sol_t sol;
    double best;
} s_brute_t;

static void s_try(s_brute_t *b, int32_t l)
{
    const regio_rpp_t *r = b->r;
    if (l == r->n_learners) {
        regio_rpp_report_t rep;
        cr_assert_eq(regio_rpp_evaluate(r, &b->sol, &rep, NULL, 0), 0);
        if (rep.feasible && rep.score > b->best)
            b->best = rep.score;
        return;
    }
    s_try(b, l + 1); /* no placement */
    const regio_rpp_learner_t *L = &r->learners[l];
    for (int32_t o = 0; o < r->n_offerings; o++) {
        if (!regio_rpp_eligible(r, l, o))
            continue;
        uint32_t f = L->free[0];
        for (uint32_t m = f; m; m = (m - 1) & f) {
            if (__builtin_popcount(m) != L->dagdelen)
                continue;
            regio_rpp_sol_add(&b->sol, l, 0, o, (uint16_t)m);
            s_try(b, l + 1);
            b->sol.n--;
        }
    }
}

/* Three learners, three offerings of at most one seat a slot, one period:
 * small enough for brute force. With dp (may be NULL), rpp-2's decisions
 * on top. */
static regio_rpp_t *s_small(uint64_t seed, const regio_gen_decide_params_t *dp)
{
    fx_params_t fp = {.learners = 3, .offerings = 3, .periods = 1, .max_seats = 1, .seed = seed};
    regio_rpp_t *r = fx_region(&fp);
    char err[256] = "";
    for (int32_t l = 0; l < r->n_learners; l++) { /* small choices: 6 free slots, 2 used */
        r->learners[l].planned = 1;
        r->learners[l].free[0] = 0x3f;
        r->learners[l].dagdelen = 2;
        r->learners[l].max_km = 100;
    }
    if (dp)
        cr_assert_eq(regio_gen_decide(r, dp, NULL, err, sizeof err), 0, "%s", err);
    return r;
}

/* The bound is at least the brute-force optimum of r, which the search
 * finds; returns the optimum. Takes r. */
static double s_bound_above_optimum(regio_rpp_t *r, uint64_t seed)
{
    s_brute_t b = {.r = r, .best = 0};
    regio_rpp_sol_init(&b.sol);
    s_try(&b, 0);
    regio_rpp_sol_free(&b.sol);
    double ub;
    regio_bound_opts_t bo = regio_bound_default_opts();
    bo.iterations = 200;
    bo.lower = b.best;
    cr_assert_eq(regio_bound_compute(r, &bo, &ub), 0);
    cr_assert_geq(ub, b.best - 1e-6, "seed %d: bound %.3f, optimum %.3f", (int)seed, ub,
                  b.best);
    double found = s_plan(r, 2000, seed);
    cr_assert(fabs(found - b.best) < 1e-6, "seed %d: search %.3f, optimum %.3f", (int)seed,
              found, b.best);
    regio_rpp_destroy(&r);
    return b.best;
}

Test(bound, is_at_least_the_brute_force_optimum_which_the_search_finds)
{
    for (uint64_t seed = 1; seed <= 6; seed++)
        s_bound_above_optimum(s_small(seed, NULL), seed);
}

/* With pins, refusals and seats held for schools (a whole seat each: the
 * rule binds), on many seeds: the held-seat prices never cut below the
 * optimum, and the search still finds it. */
Test(bound, stays_above_the_optimum_with_pins_refusals_and_held_seats)
{
    for (uint64_t seed = 1; seed <= 30; seed++) {
        regio_gen_decide_params_t dp = {.pins = 0.3, .forbidden = 0.3, .reserved = 0.7,
                                        .seed = seed};
        s_bound_above_optimum(s_small(seed, &dp), seed);
    }
}

Test(bound, is_never_below_the_plan_of_an_rpp_2_region)
{
    for (uint64_t seed = 1; seed <= 4; seed++) {
        regio_gen_decide_params_t dp = {.pins = 0.1, .forbidden = 0.1, .reserved = 0.3,
                                        .seed = seed};
        regio_rpp_t *r = fx_region_simple(120, 40, seed);
        char err[256] = "";
        cr_assert_eq(regio_gen_decide(r, &dp, NULL, err, sizeof err), 0, "%s", err);
        double score = s_plan(r, 6000, seed), ub;
        regio_bound_opts_t bo = regio_bound_default_opts();
        bo.iterations = 100;
        bo.lower = score;
        cr_assert_eq(regio_bound_compute(r, &bo, &ub), 0);
        cr_assert_geq(ub, score, "seed %d: bound %.3f below plan %.3f", (int)seed, ub, score);
        cr_assert_lt(ub, 1.1 * score, "seed %d: bound %.3f far above plan %.3f", (int)seed, ub,
                     score);
        regio_rpp_destroy(&r);
    }
}

/* min_rounds: a first round slower than seconds / min_rounds ends the run
 * with no bound and the prices as they were; one that fits runs on. */
Test(bound, stops_with_nothing_when_too_few_rounds_fit)
{
    regio_rpp_t *r = fx_region_simple(1200, 60, 3); /* > 255 learners: the round judges */
    size_t n = (size_t)r->n_offerings * r->n_periods * REGIO_RPP_SLOTS;
    double *price = malloc(n * sizeof *price), ub;
    cr_assert_not_null(price);
    for (size_t i = 0; i < n; i++)
        price[i] = -1; /* never a price the bound writes */
    regio_bound_opts_t bo = regio_bound_default_opts();
    bo.prices = price;
    bo.seconds = 60; /* time for many rounds, but ... */
    bo.min_rounds = 1000000000; /* ... the first one gets 60 ns */
    cr_assert_eq(regio_bound_compute(r, &bo, &ub), 0);
    cr_assert_eq(ub, DBL_MAX, "a round that cannot fit must leave no bound, got %.3f", ub);
    for (size_t i = 0; i < n; i++)
        cr_assert_eq(price[i], -1, "price %zu written although no round finished", i);
    double score = s_plan(r, 2000, 3);
    bo.min_rounds = 1;
    bo.iterations = 20;
    bo.lower = score;
    cr_assert_eq(regio_bound_compute(r, &bo, &ub), 0);
    cr_assert(ub < DBL_MAX && ub >= score, "bound %.3f, plan %.3f", ub, score);
    for (size_t i = 0; i < n; i++)
        cr_assert_geq(price[i], 0, "price %zu not written by a run that finished rounds", i);
    free(price);
    regio_rpp_destroy(&r);
}

static double s_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* A first round that min_rounds rules out stops at its pace, not at its
 * deadline: with half a round's time it gives up after about 255 of 12,000
 * learners (2%), where waiting for the deadline would take half. The
 * margin is large either way, so a noisy machine does not decide it. */
Test(bound, a_round_that_cannot_fit_stops_at_its_pace)
{
    regio_rpp_t *r = fx_region_simple(12000, 400, 5);
    regio_cands_t c;
    cr_assert_eq(regio_cands_build(r, NULL, 1, &c), 0);
    regio_bound_opts_t bo = regio_bound_default_opts();
    double ub, round = 1e300;
    bo.iterations = 1;
    bo.seconds = 600;
    for (int i = 0; i < 3; i++) { /* one whole round, the fastest of three */
        double t0 = s_now();
        cr_assert_eq(regio_bound_run(r, &c, &bo, &ub), 0);
        cr_assert(ub < DBL_MAX);
        round = fmin(round, s_now() - t0);
    }
    bo.seconds = round / 2;
    bo.min_rounds = 1;
    double t0 = s_now();
    cr_assert_eq(regio_bound_run(r, &c, &bo, &ub), 0);
    double took = s_now() - t0;
    cr_assert_eq(ub, DBL_MAX, "half a round's time cannot give a bound");
    cr_assert_lt(took, 0.3 * round, "stopped after %.4f s of a %.4f s round: at the deadline, "
                 "not at its pace", took, round);
    regio_cands_free(&c);
    regio_rpp_destroy(&r);
}
