/* test_engine - the planning engines: incremental scoring, feasibility,
 * edge cases, determinism and replanning. */
#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bound.h"
#include "cand.h"
#include "engine.h"
#include "engine_fixture.h"
#include "plan.h"
#include "regio/rpp.h"
#include "regio/rpp_json.h"
#include "regio/rpp_score.h"
#include "regio/error.h"
#include "rng.h"

#define CHECKER REGIO_SHARED_DIR "/tools/rpp_check.py"

static void s_near(double a, double b, const char *what)
{
    cr_assert(fabs(a - b) <= 1e-6 * (fabs(b) > 1 ? fabs(b) : 1), "%s: %.9f != %.9f", what, a, b);
}

/* Solve r with engine name and options; checks feasibility; returns the report. */
static regio_rpp_report_t s_solve(const regio_rpp_t *r, const char *name,
                                  const regio_engine_opts_t *o, regio_rpp_sol_t *sol)
{
    regio_rpp_report_t rep;
    char err[256] = "";
    regio_rpp_sol_init(sol);
    cr_assert_eq(regio_engine_find(name)->solve(r, o, sol), 0);
    cr_assert_eq(regio_rpp_evaluate(r, sol, &rep, err, sizeof err), 0);
    cr_assert(rep.feasible, "%s plan infeasible: %s", name, err);
    return rep;
}

static regio_engine_opts_t s_opts(int64_t iterations, uint64_t seed)
{
    regio_engine_opts_t o = regio_engine_default_opts();
    o.iterations = iterations;
    o.seed = seed;
    o.threads = 1;
    return o;
}

/* A random pick for (l, p) that fits the seats, or NONE. */
static regio_pick_t s_random_pick(const regio_plan_t *pl, regio_rng_t *g, int32_t l, int p)
{
    regio_pick_t none = {.cand = REGIO_PICK_NONE, .slots = 0};
    int64_t nc = pl->c->start[l + 1] - pl->c->start[l];
    if (nc == 0 || regio_rng_below(g, 5) == 0)
        return none;
    regio_pick_t pk = {.cand = (int32_t)regio_rng_below(g, (uint32_t)nc)};
    regio_pick_t cur = pl->pick[(int64_t)l * pl->P + p];
    int32_t o = pl->c->v[pl->c->start[l] + pk.cand].offering;
    uint32_t a = pl->avail[(int64_t)o * pl->P + p] | (cur.cand == pk.cand ? cur.slots : 0);
    a &= pl->r->learners[l].free[p];
    int need = pl->r->learners[l].dagdelen;
    if (__builtin_popcount(a) < need)
        return none;
    uint32_t m = 0;
    while (__builtin_popcount(m) < need) {
        int t = (int)regio_rng_below(g, REGIO_RPP_SLOTS);
        if (a >> t & 1u)
            m |= 1u << t;
    }
    pk.slots = (uint16_t)m;
    return pk;
}

static void s_compare_recount(const regio_plan_t *pl, double running)
{
    regio_rpp_sol_t sol;
    regio_rpp_report_t rep;
    char err[256] = "";
    double obj, score;
    int64_t cov;
    regio_rpp_sol_init(&sol);
    cr_assert_eq(regio_plan_to_sol(pl, &sol), 0);
    cr_assert_eq(regio_rpp_evaluate(pl->r, &sol, &rep, err, sizeof err), 0);
    cr_assert(rep.feasible, "random moves broke feasibility: %s", err);
    regio_plan_totals(pl, &obj, &score, &cov, NULL);
    s_near(score, rep.score, "incremental score vs recount");
    s_near(running, rep.score, "sum of deltas vs recount");
    cr_assert_eq(cov, rep.coverage);
    regio_rpp_sol_free(&sol);
}

/* A plan over a small region (fx_region_simple(60, 40, seed)), empty, with
 * its scratch and a random stream. */
typedef struct {
    regio_rpp_t *r;
    regio_cands_t c;
    regio_plan_t pl;
    regio_plan_work_t w;
    regio_rng_t g;
} s_small_t;

static void s_small_open(s_small_t *f, uint64_t seed)
{
    f->r = fx_region_simple(60, 40, seed);
    cr_assert_eq(regio_cands_build(f->r, NULL, 1, &f->c), 0);
    cr_assert_eq(regio_plan_init(&f->pl, f->r, &f->c), 0);
    cr_assert_eq(regio_plan_work_init(&f->w, &f->pl), 0);
    regio_rng_seed(&f->g, seed);
}

static void s_small_close(s_small_t *f)
{
    regio_plan_work_free(&f->w);
    regio_plan_free(&f->pl);
    regio_cands_free(&f->c);
    regio_rpp_destroy(&f->r);
}

Test(engine, incremental_score_equals_full_recount_after_many_random_moves)
{
    for (uint64_t seed = 1; seed <= 3; seed++) {
        s_small_t f;
        s_small_open(&f, seed);
        double running = 0;
        for (int i = 1; i <= 6000; i++) {
            int32_t l = (int32_t)regio_rng_below(&f.g, (uint32_t)f.r->n_learners);
            int p = (int)regio_rng_below(&f.g, (uint32_t)f.r->n_periods);
            if (!(f.r->learners[l].planned >> p & 1u))
                continue;
            regio_pick_t pk = s_random_pick(&f.pl, &f.g, l, p);
            cr_assert(regio_plan_fits(&f.pl, l, p, pk));
            running += regio_plan_set(&f.pl, &f.w, l, p, pk);
            if (i % 1000 == 0)
                s_compare_recount(&f.pl, running);
        }
        s_small_close(&f);
    }
}

/* The replanning margin: a kept base placement that moves costs one
 * margin, one that is cancelled (the learner loses its place) two, and an
 * unchanged one none; the score itself never pays it. */
Test(engine, cancelling_a_base_placement_costs_twice_the_margin_of_moving_it)
{
    s_small_t f;
    s_small_open(&f, 4);
    const regio_rpp_t *r = f.r;
    regio_plan_t *pl = &f.pl;
    for (int i = 0; i < 3000; i++) { /* some placements to keep */
        int32_t l = (int32_t)regio_rng_below(&f.g, (uint32_t)r->n_learners);
        int p = (int)regio_rng_below(&f.g, (uint32_t)r->n_periods);
        if (r->learners[l].planned >> p & 1u)
            regio_plan_set(pl, &f.w, l, p, s_random_pick(pl, &f.g, l, p));
    }
    size_t lp = (size_t)pl->L * pl->P;
    pl->base = malloc(lp * sizeof *pl->base);
    cr_assert_not_null(pl->base);
    memcpy(pl->base, pl->pick, lp * sizeof *pl->base);
    pl->margin = 1000;
    int moved = 0, cancelled = 0;
    regio_pick_t pk[REGIO_RPP_MAX_PERIODS];
    for (int32_t l = 0; l < pl->L; l++)
        for (int p = 0; p < pl->P; p++) {
            regio_pick_t b = pl->base[(int64_t)l * pl->P + p];
            if (b.cand < 0)
                continue;
            memcpy(pk, pl->pick + (int64_t)l * pl->P, (size_t)pl->P * sizeof *pk);
            regio_worth_t v = regio_plan_worth(pl, &f.w, l, pk);
            cr_assert_float_eq(v.obj, v.score, 1e-6, "unchanged picks pay no margin");
            pk[p] = (regio_pick_t){.cand = REGIO_PICK_NONE, .slots = 0};
            v = regio_plan_worth(pl, &f.w, l, pk);
            cr_assert_float_eq(v.obj, v.score - 2 * pl->margin, 1e-6, "a cancel costs two margins");
            cancelled++;
            int64_t nc = f.c.start[l + 1] - f.c.start[l];
            if (nc > 1) { /* another offering, same slots: a move */
                pk[p] = (regio_pick_t){.cand = (b.cand + 1) % (int32_t)nc, .slots = b.slots};
                v = regio_plan_worth(pl, &f.w, l, pk);
                cr_assert_float_eq(v.obj, v.score - pl->margin, 1e-6, "a move costs one margin");
                moved++;
            }
        }
    cr_assert_gt(cancelled, 10);
    cr_assert_gt(moved, 10);
    s_small_close(&f);
}

/* Random moves on pl, each kept only when it raises the objective. */
static void s_climb(regio_plan_t *pl, regio_plan_work_t *w, regio_rng_t *g, int moves)
{
    for (int i = 0; i < moves; i++) {
        int32_t l = (int32_t)regio_rng_below(g, (uint32_t)pl->L);
        int p = (int)regio_rng_below(g, (uint32_t)pl->P);
        regio_pick_t old = pl->pick[(int64_t)l * pl->P + p];
        if (!(pl->r->learners[l].planned >> p & 1u))
            continue;
        if (regio_plan_set(pl, w, l, p, s_random_pick(pl, g, l, p)) <= 0)
            regio_plan_set(pl, w, l, p, old); /* frees the new pick's seats, takes the old */
    }
}

/* Two walks from one plan, crossed: the result is feasible, scored right,
 * at least as good as either (each group of learners placed differently
 * takes the better side), and strictly better than both somewhere. */
Test(engine, crossing_two_plans_keeps_the_better_side_of_every_group)
{
    int above_both = 0;
    for (uint64_t seed = 1; seed <= 4; seed++) {
        regio_rpp_t *r = fx_region_simple(300, 150, seed);
        regio_cands_t c;
        regio_plan_t a, b;
        regio_plan_work_t w;
        regio_rng_t g;
        cr_assert_eq(regio_cands_build(r, NULL, 1, &c), 0);
        cr_assert_eq(regio_plan_init(&a, r, &c), 0);
        cr_assert_eq(regio_plan_init(&b, r, &c), 0);
        cr_assert_eq(regio_plan_work_init(&w, &a), 0);
        regio_rng_seed(&g, seed);
        s_climb(&a, &w, &g, 3000);
        regio_plan_copy(&b, &a);
        s_climb(&a, &w, &g, 3000);
        s_climb(&b, &w, &g, 3000);
        double va, vb, vx, sx;
        regio_plan_totals(&a, &va, NULL, NULL, NULL);
        regio_plan_totals(&b, &vb, NULL, NULL, NULL);
        cr_assert_eq(regio_plan_cross(&a, &w, &a, NULL), 0, "a plan crossed with itself moves");
        int64_t groups = 0;
        double gain = regio_plan_cross(&a, &w, &b, &groups);
        regio_plan_totals(&a, &vx, NULL, NULL, NULL);
        s_near(vx - va, gain, "cross gain vs objective change");
        cr_assert_geq(vx, va - 1e-6);
        cr_assert_geq(vx, vb - 1e-6, "seed %lu: crossed %.3f below the other walk %.3f",
                      (unsigned long)seed, vx, vb);
        cr_assert_eq(groups > 0, gain > 0);
        above_both += vx > (va > vb ? va : vb) + 1e-6;
        regio_plan_totals(&a, NULL, &sx, NULL, NULL);
        s_compare_recount(&a, sx); /* feasible, and its score is the checker's */
        regio_plan_copy(&b, &a);
        cr_assert_eq(regio_plan_cross(&b, &w, &a, NULL), 0, "equal plans cross to a change");
        regio_plan_work_free(&w);
        regio_plan_free(&a);
        regio_plan_free(&b);
        regio_cands_free(&c);
        regio_rpp_destroy(&r);
    }
    cr_assert_gt(above_both, 0, "crossing never beat both walks");
}

Test(engine, every_plan_is_feasible_on_synthetic_regions_of_several_seeds)
{
    for (uint64_t seed = 1; seed <= 6; seed++) {
        regio_rpp_t *r = fx_region_simple(80 + 20 * (int)seed, 50, seed);
        regio_rpp_sol_t a, b;
        regio_engine_stats_t st;
        regio_engine_opts_t o = s_opts(4000, seed);
        o.stats = &st;
        regio_rpp_report_t g = s_solve(r, "greedy", &o, &a);
        s_near(st.score, g.score, "greedy's own score");
        regio_rpp_report_t l = s_solve(r, "lns", &o, &b);
        s_near(st.score, l.score, "lns's own score");
        cr_assert_geq(l.score, g.score - 1e-6, "the search made the plan worse");
        cr_assert_gt(l.placements, 0);
        regio_rpp_sol_free(&a);
        regio_rpp_sol_free(&b);
        regio_rpp_destroy(&r);
    }
}

/* Run rpp_check.py on r and sol; returns its score (asserts feasible). */
static double s_checker(const regio_rpp_t *r, const regio_rpp_sol_t *sol)
{
    char ipath[] = "/tmp/regio-test-engine-XXXXXX", spath[64], cmd[512], out[4096] = "";
    int fd = mkstemp(ipath);
    cr_assert_geq(fd, 0);
    FILE *f = fdopen(fd, "w");
    cr_assert_eq(regio_rpp_json_write(r, f), 0);
    fclose(f);
    snprintf(spath, sizeof spath, "%s.sol", ipath);
    f = fopen(spath, "w");
    cr_assert_eq(regio_rpp_json_write_sol(r, sol, f), 0);
    fclose(f);
    snprintf(cmd, sizeof cmd, "python3 %s %s %s --json", CHECKER, ipath, spath);
    FILE *p = popen(cmd, "r");
    cr_assert_not_null(p);
    size_t n = fread(out, 1, sizeof out - 1, p);
    out[n] = 0;
    int status = pclose(p);
    unlink(ipath);
    unlink(spath);
    cr_assert_eq(status, 0, "rpp_check.py: %s", out);
    cr_assert(strstr(out, "\"feasible\": true"), "rpp_check.py: %s", out);
    const char *s = strstr(out, "\"score\": ");
    cr_assert_not_null(s);
    return atof(s + 9);
}

Test(engine, plans_pass_the_reference_checker)
{
    for (uint64_t seed = 11; seed <= 12; seed++) {
        regio_rpp_t *r = fx_region_simple(120, 60, seed);
        regio_rpp_sol_t sol;
        regio_engine_opts_t o = s_opts(3000, seed);
        regio_rpp_report_t rep = s_solve(r, NULL, &o, &sol);
        double checked = s_checker(r, &sol);
        cr_assert(fabs(checked - rep.score) < 0.01, "checker %.3f, ours %.3f", checked,
                  rep.score);
        regio_rpp_sol_free(&sol);
        regio_rpp_destroy(&r);
    }
}

Test(engine, no_capacity_at_all_gives_an_empty_plan)
{
    fx_params_t fp = {.learners = 50, .offerings = 30, .periods = 4, .max_seats = 0, .seed = 5};
    regio_rpp_t *r = fx_region(&fp);
    regio_rpp_sol_t sol;
    regio_engine_opts_t o = s_opts(500, 1);
    regio_rpp_report_t rep = s_solve(r, "lns", &o, &sol);
    cr_assert_eq(rep.placements, 0);
    cr_assert_eq(rep.score, 0);
    regio_rpp_sol_free(&sol);
    regio_rpp_destroy(&r);
}

Test(engine, one_learner_gets_its_exact_optimum)
{
    for (uint64_t seed = 1; seed <= 20; seed++) {
        fx_params_t fp = {.learners = 1, .offerings = 40, .periods = 4, .max_seats = 2,
                          .seed = seed};
        regio_rpp_t *r = fx_region(&fp);
        regio_rpp_sol_t sol;
        regio_engine_opts_t o = s_opts(300, seed);
        regio_rpp_report_t rep = s_solve(r, "lns", &o, &sol);
        regio_bound_opts_t bo = regio_bound_default_opts();
        double ub;
        bo.iterations = 1; /* no competition: the first (price-free) round is exact */
        cr_assert_eq(regio_bound_compute(r, &bo, &ub), 0);
        cr_assert(fabs(ub - rep.score) < 1e-3, "seed %d: plan %.3f, exact %.3f", (int)seed,
                  rep.score, ub);
        regio_rpp_sol_free(&sol);
        regio_rpp_destroy(&r);
    }
}

Test(engine, learners_without_free_slots_get_nothing)
{
    regio_rpp_t *r = regio_rpp_new("nofree");
    cr_assert_eq(regio_rpp_add_period(r, "P1", 10, NULL, 0), 0);
    cr_assert_eq(regio_rpp_add_partner(r, "p1", "A", "business", 51.6, 4.8, NULL, 0), 0);
    static const char *goals[] = {"G"};
    int32_t cap[REGIO_RPP_SLOTS] = {5, 5, 5, 5, 5, 5, 5, 5, 5, 5};
    regio_rpp_offering_in_t oin = {.id = "o1", .partner = "p1", .lat = 51.6, .lon = 4.8,
                                   .goals = goals, .n_goals = 1, .cap = cap};
    cr_assert_eq(regio_rpp_add_offering(r, &oin, NULL, 0), 0);
    static const int amounts[] = {40};
    uint16_t none[1] = {0}, few[1] = {0x3};
    regio_rpp_learner_in_t a = {.id = "unlisted", .school = "s", .qual = "Q", .age = 17,
                                .lat = 51.6, .lon = 4.8, .max_km = 10, .dagdelen = 4,
                                .planned = 0, .free = none, .need_goals = goals,
                                .need_amounts = amounts, .n_needs = 1};
    regio_rpp_learner_in_t b = a;
    b.id = "too-few-slots";
    b.planned = 1;
    b.free = few;
    cr_assert_eq(regio_rpp_add_learner(r, &a, NULL, 0), 0);
    cr_assert_eq(regio_rpp_add_learner(r, &b, NULL, 0), 0);
    regio_rpp_sol_t sol;
    regio_engine_opts_t o = s_opts(200, 1);
    regio_rpp_report_t rep = s_solve(r, "lns", &o, &sol);
    cr_assert_eq(rep.placements, 0);
    regio_rpp_sol_free(&sol);
    regio_rpp_destroy(&r);
}

Test(engine, a_period_with_every_offering_closed_stays_empty)
{
    regio_rpp_t *r = fx_region_simple(80, 40, 9);
    for (int32_t o = 0; o < r->n_offerings; o++)
        for (int t = 0; t < REGIO_RPP_SLOTS; t++)
            r->offerings[o].cap[2 * REGIO_RPP_SLOTS + t] = 0; /* period P3 */
    regio_rpp_sol_t sol;
    regio_engine_opts_t o = s_opts(2000, 1);
    regio_rpp_report_t rep = s_solve(r, "lns", &o, &sol);
    cr_assert_gt(rep.placements, 0);
    for (int32_t i = 0; i < sol.n; i++)
        cr_assert_neq(sol.v[i].period, 2);
    regio_rpp_sol_free(&sol);
    regio_rpp_destroy(&r);
}

Test(engine, same_seed_and_iterations_give_the_same_plan)
{
    regio_rpp_t *r = fx_region_simple(150, 60, 4);
    for (int threads = 1; threads <= 2; threads++) {
        regio_rpp_sol_t a, b;
        regio_engine_opts_t o = s_opts(5000, 77);
        o.threads = threads;
        s_solve(r, "lns", &o, &a);
        s_solve(r, "lns", &o, &b);
        cr_assert_eq(regio_rpp_changed(&a, &b), 0, "threads %d: same seed, other plan", threads);
        regio_rpp_sol_free(&a);
        regio_rpp_sol_free(&b);
    }
    regio_rpp_destroy(&r);
}

/* A long timed search on two threads lets them walk as islands; the plan
 * it returns is still the best copy's, whole and consistent. */
Test(engine, a_timed_search_on_two_threads_searches_as_islands_and_returns_a_whole_plan)
{
    regio_rpp_t *r = fx_region_simple(150, 60, 4);
    regio_rpp_sol_t a;
    regio_engine_stats_t st;
    regio_engine_opts_t o = s_opts(0, 5);
    o.seconds = 1.5;
    o.threads = 2;
    o.stats = &st;
    regio_rpp_report_t rep = s_solve(r, "lns", &o, &a);
    cr_assert_gt(st.islands_s, 0, "the threads never searched on their own");
    cr_assert_lt(st.islands_s, o.seconds);
    s_near(st.score, rep.score, "lns's own score");
    cr_assert_geq(rep.score, st.first_score - 1e-6, "the search made the plan worse");
    regio_rpp_sol_free(&a);
    regio_rpp_destroy(&r);
}

/* A big region on two threads searches in slabs (lns.c): each thread
 * changes only its own slab's learners and seats, and the slabs' changes
 * are merged after every epoch. The merged plan must be feasible, its
 * incremental score must be the checker's, the search must not lose what
 * the construction found, and a run counting iterations must stay
 * deterministic. */
Test(engine, big_regions_search_in_slabs_whose_merged_plans_are_whole_and_deterministic)
{
    regio_rpp_t *r = fx_region_simple(10000, 300, 12);
    regio_rpp_sol_t a, b;
    regio_engine_stats_t st;
    regio_engine_opts_t o = s_opts(60000, 9);
    o.threads = 2;
    o.stats = &st;
    regio_rpp_report_t rep = s_solve(r, "lns", &o, &a);
    cr_assert_gt(st.slab_epochs, 1, "no epoch searched in slabs");
    s_near(st.score, rep.score, "lns's own score after merging slabs");
    cr_assert_gt(rep.score, st.first_score, "the slab search did not raise the plan");
    s_solve(r, "lns", &o, &b);
    cr_assert_eq(regio_rpp_changed(&a, &b), 0, "same seed and iterations, other plan");
    regio_rpp_sol_free(&a);
    regio_rpp_sol_free(&b);
    regio_rpp_destroy(&r);
}

/* Withdraw the offerings of every 7th placement outside period P1. */
static void s_withdraw(const regio_rpp_sol_t *base, regio_rpp_change_t *c)
{
    memset(c, 0, sizeof *c);
    c->pinned = 1u; /* P1 happened already */
    c->withdrawn = malloc((size_t)base->n * sizeof *c->withdrawn);
    for (int32_t i = 0; i < base->n; i += 7)
        if (base->v[i].period != 0)
            c->withdrawn[c->n_withdrawn++] = base->v[i].offering;
}

static int s_withdrawn(const regio_rpp_change_t *c, int32_t o)
{
    for (int i = 0; i < c->n_withdrawn; i++)
        if (c->withdrawn[i] == o)
            return 1;
    return 0;
}

Test(engine, replanning_keeps_pinned_and_unforced_placements)
{
    regio_rpp_t *r = fx_region_simple(150, 60, 21);
    regio_rpp_sol_t base, sol;
    regio_engine_opts_t o = s_opts(4000, 3);
    s_solve(r, "lns", &o, &base);
    regio_rpp_change_t ch;
    s_withdraw(&base, &ch);
    cr_assert_gt(ch.n_withdrawn, 0);
    regio_rpp_t *r2 = regio_rpp_clone(r);
    cr_assert_eq(regio_rpp_change_apply(r2, &ch, NULL, 0), 0);
    regio_engine_stats_t st;
    o.base = &base;
    o.pinned = ch.pinned;
    o.move_margin = 1e12; /* nothing unforced may move */
    o.stats = &st;
    s_solve(r2, "lns", &o, &sol);
    cr_assert_gt(st.forced, 0);
    int32_t forced = 0;
    for (int32_t i = 0; i < base.n; i++) {
        const regio_rpp_placement_t *b = &base.v[i];
        int gone = b->period != 0 && s_withdrawn(&ch, b->offering), found = 0;
        forced += gone;
        for (int32_t j = 0; j < sol.n; j++)
            if (sol.v[j].learner == b->learner && sol.v[j].period == b->period)
                found = sol.v[j].offering == b->offering && sol.v[j].slots == b->slots;
        cr_assert(gone || found, "placement %d moved without being forced", (int)i);
    }
    cr_assert_eq(st.forced, forced);
    for (int32_t j = 0; j < sol.n; j++) /* nothing new in the pinned period */
        if (sol.v[j].period == 0) {
            int in_base = 0;
            for (int32_t i = 0; i < base.n; i++)
                in_base |= base.v[i].learner == sol.v[j].learner && base.v[i].period == 0;
            cr_assert(in_base);
        }
    regio_rpp_sol_free(&base);
    regio_rpp_sol_free(&sol);
    regio_rpp_change_free(&ch);
    regio_rpp_destroy(&r2);
    regio_rpp_destroy(&r);
}

Test(engine, replanning_rejects_a_base_that_names_unknown_learners)
{
    regio_rpp_t *r = fx_region_simple(30, 20, 2);
    regio_rpp_sol_t base, sol;
    regio_rpp_sol_init(&base);
    regio_rpp_sol_init(&sol);
    cr_assert_eq(regio_rpp_sol_add(&base, 999, 0, 0, 0x3), 0);
    char err[128] = "";
    regio_engine_opts_t o = s_opts(100, 1);
    o.base = &base;
    o.err = err;
    o.errlen = sizeof err;
    cr_assert_eq(regio_engine_find(NULL)->solve(r, &o, &sol), REGIO_EINVALID);
    cr_assert(strlen(err) > 0);
    regio_rpp_sol_free(&base);
    regio_rpp_sol_free(&sol);
    regio_rpp_destroy(&r);
}

Test(engine, fairness_raises_the_lowest_school_and_keeps_99_percent)
{
    regio_rpp_t *r = fx_region_simple(200, 50, 17);
    regio_rpp_sol_t sol;
    regio_engine_stats_t st;
    regio_engine_opts_t o = s_opts(20000, 5);
    o.fair = 1;
    o.stats = &st;
    double shares[8];
    regio_rpp_report_t rep = s_solve(r, "lns", &o, &sol);
    cr_assert_geq(st.fair_min_after, st.fair_min_before);
    cr_assert_geq(rep.score, 0.99 * st.fair_score_before - 1e-6, "gave up more than 1%%");
    cr_assert_eq(regio_rpp_school_shares(r, &sol, shares), 0);
    double low = 1;
    for (int32_t i = 0; i < regio_strtab_count(r->schools); i++)
        low = shares[i] < low ? shares[i] : low;
    s_near(low, st.fair_min_after, "reported lowest share");
    regio_rpp_sol_free(&sol);
    regio_rpp_destroy(&r);
}
