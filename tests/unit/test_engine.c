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
#include "decide.h"
#include "engine.h"
#include "engine_fixture.h"
#include "gen.h"
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
    uint32_t a = regio_plan_avail(pl, l, (int64_t)o * pl->P + p) |
                 (cur.cand == pk.cand ? cur.slots : 0);
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

/* Checks pl against a full recount; returns the recount's report. */
static regio_rpp_report_t s_compare_recount(const regio_plan_t *pl, double running)
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
    return rep;
}

/* A plan over a small region (fx_region_simple(60, 40, seed)), empty (but
 * for pins), with its scratch and a random stream. */
typedef struct {
    regio_rpp_t *r;
    regio_cands_t c;
    regio_plan_t pl;
    regio_plan_work_t w;
    regio_rng_t g;
} s_small_t;

static void s_small_build(s_small_t *f, uint64_t seed)
{
    cr_assert_eq(regio_cands_build(f->r, NULL, 1, &f->c), 0);
    cr_assert_eq(regio_plan_init(&f->pl, f->r, &f->c), 0);
    cr_assert_eq(regio_plan_work_init(&f->w, &f->pl), 0);
    regio_rng_seed(&f->g, seed);
}

static void s_small_open(s_small_t *f, uint64_t seed)
{
    f->r = fx_region_simple(60, 40, seed);
    s_small_build(f, seed);
}

/* As s_small_open, with rpp-2's decisions: pins, refusals, and seats held
 * for schools at half the offerings. */
static void s_small_open_decided(s_small_t *f, uint64_t seed)
{
    regio_gen_decide_params_t dp = {.pins = 0.15, .forbidden = 0.2, .reserved = 0.5,
                                    .seed = seed};
    regio_gen_decide_stats_t st;
    char err[256] = "";
    f->r = fx_region_simple(60, 40, seed);
    cr_assert_eq(regio_gen_decide(f->r, &dp, &st, err, sizeof err), 0, "%s", err);
    cr_assert(st.pins > 0 && st.reservations > 0 && st.forbidden > 0);
    s_small_build(f, seed);
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

/* The same with reservations, refusals and pins: every move keeps the
 * reservation rule (the recount checks it as rpp_check.py does), pins never
 * move, and the moves do use seats held for the learners' schools. */
Test(engine, incremental_score_equals_full_recount_with_reservations_and_pins)
{
    for (uint64_t seed = 1; seed <= 3; seed++) {
        s_small_t f;
        int64_t held_used = 0;
        s_small_open_decided(&f, seed);
        double running = 0;
        regio_plan_totals(&f.pl, NULL, &running, NULL, NULL); /* the pins' score */
        for (int i = 1; i <= 6000; i++) {
            int32_t l = (int32_t)regio_rng_below(&f.g, (uint32_t)f.r->n_learners);
            int p = (int)regio_rng_below(&f.g, (uint32_t)f.r->n_periods);
            if (!regio_plan_changeable(&f.pl, l, p))
                continue;
            regio_pick_t pk = s_random_pick(&f.pl, &f.g, l, p);
            cr_assert(regio_plan_fits(&f.pl, l, p, pk));
            running += regio_plan_set(&f.pl, &f.w, l, p, pk);
            if (i % 500 == 0)
                held_used += s_compare_recount(&f.pl, running).reserved_seats_used;
        }
        cr_assert_gt(held_used, 0, "seed %d: no move used a held seat", (int)seed);
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

/* Whether r stays valid without offering o's seats outside P1: no pin
 * and no seats held there then (rpp_check.py refuses such a change). */
static int s_withdrawable(const regio_rpp_t *r, int32_t o)
{
    for (int32_t k = 0; k < r->n_pins; k++)
        if (r->pins[k].offering == o && r->pins[k].period != 0)
            return 0;
    for (int32_t i = 0; i < r->n_res; i++)
        if (r->res[i].offering == o && r->res[i].period != 0)
            return 0;
    return 1;
}

/* Withdraw the offerings of every 7th placement outside period P1. */
static void s_withdraw(const regio_rpp_t *r, const regio_rpp_sol_t *base, regio_rpp_change_t *c)
{
    memset(c, 0, sizeof *c);
    c->pinned = 1u; /* P1 happened already */
    c->withdrawn = malloc((size_t)base->n * sizeof *c->withdrawn);
    for (int32_t i = 0; i < base->n; i += 7)
        if (base->v[i].period != 0 && s_withdrawable(r, base->v[i].offering))
            c->withdrawn[c->n_withdrawn++] = base->v[i].offering;
}

static int s_withdrawn(const regio_rpp_change_t *c, int32_t o)
{
    for (int i = 0; i < c->n_withdrawn; i++)
        if (c->withdrawn[i] == o)
            return 1;
    return 0;
}

/* Plan r, withdraw some offerings, replan with a margin nothing unforced
 * can pay: only the forced placements move, P1 stays as it was, and the
 * plan is feasible (with rpp-2: pins kept, refusals and reservations
 * respected). Takes r. */
static void s_replan_keeps(regio_rpp_t *r)
{
    regio_rpp_sol_t base, sol;
    regio_engine_opts_t o = s_opts(4000, 3);
    s_solve(r, "lns", &o, &base);
    regio_rpp_change_t ch;
    s_withdraw(r, &base, &ch);
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

Test(engine, replanning_keeps_pinned_and_unforced_placements)
{
    s_replan_keeps(fx_region_simple(150, 60, 21));
}

Test(engine, replanning_an_rpp_2_instance_keeps_its_pins_and_refusals)
{
    regio_rpp_t *r = fx_region_simple(150, 60, 21);
    regio_gen_decide_params_t dp = {.pins = 0.1, .forbidden = 0.1, .reserved = 0.2, .seed = 4};
    regio_gen_decide_stats_t st;
    char err[256] = "";
    cr_assert_eq(regio_gen_decide(r, &dp, &st, err, sizeof err), 0, "%s", err);
    cr_assert(st.pins > 5 && st.forbidden > 5 && st.reservations > 5);
    s_replan_keeps(r);
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

/* rpp-2 ------------------------------------------------------------------- */

#define TINY2 REGIO_SHARED_DIR "/spec/examples/tiny-2.json"

/* What a test asks of one engine's plan besides passing the checker. */
typedef void (*s_check_fn)(const regio_rpp_t *r, const regio_rpp_sol_t *sol,
                           const regio_rpp_report_t *rep, int lns);

/* Solve r with lns and with greedy; each plan passes rpp_check.py with our
 * score and its own pins, then check (may be NULL). */
static void s_each_engine(const regio_rpp_t *r, int64_t iterations, uint64_t seed,
                          s_check_fn check)
{
    static const char *const engines[] = {"lns", "greedy"};
    for (int e = 0; e < 2; e++) {
        regio_rpp_sol_t sol;
        regio_engine_opts_t o = s_opts(iterations, seed);
        regio_rpp_report_t rep = s_solve(r, engines[e], &o, &sol);
        double checked = s_checker(r, &sol);
        cr_assert(fabs(checked - rep.score) < 0.01, "%s: checker %.3f, ours %.3f", engines[e],
                  checked, rep.score);
        cr_assert_eq(rep.pins, r->n_pins);
        if (check)
            check(r, &sol, &rep, e == 0);
        regio_rpp_sol_free(&sol);
    }
}

static void s_both_pass_the_checker(const regio_rpp_t *r, uint64_t seed)
{
    s_each_engine(r, 3000, seed, NULL);
}

Test(engine, plans_of_rpp_2_instances_pass_the_reference_checker)
{
    regio_rpp_t *r = NULL;
    char err[256] = "";
    cr_assert_eq(regio_rpp_json_load(TINY2, &r, err, sizeof err), 0, "%s", err);
    s_both_pass_the_checker(r, 1);
    regio_rpp_destroy(&r);
    for (uint64_t seed = 11; seed <= 12; seed++) { /* the fixture's, then the generator's */
        regio_gen_decide_params_t dp = {.pins = 0.1, .forbidden = 0.1, .reserved = 0.2,
                                        .seed = seed};
        r = fx_region_simple(120, 60, seed);
        cr_assert_eq(regio_gen_decide(r, &dp, NULL, err, sizeof err), 0, "%s", err);
        s_both_pass_the_checker(r, seed);
        regio_rpp_destroy(&r);
    }
    regio_gen_params_t gp;
    regio_gen_params_init(&gp);
    gp.learners = 300;
    gp.seed = 3;
    cr_assert_eq(regio_rpp_date_parse("2026-08-31", &gp.start), 0);
    char *text = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&text, &len);
    cr_assert_eq(regio_gen_write(&gp, f, NULL), 0);
    fclose(f);
    cr_assert_eq(regio_rpp_json_parse(text, len, &r, err, sizeof err), 0, "%s", err);
    regio_gen_decide_params_t dp = {.pins = 0.05, .forbidden = 0.05, .reserved = 0.03, .seed = 3};
    cr_assert_eq(regio_gen_decide(r, &dp, NULL, err, sizeof err), 0, "%s", err);
    s_both_pass_the_checker(r, 3);
    regio_rpp_destroy(&r);
    free(text);
}

/* Four learners of two schools who need goal G, in one period: o1 has one
 * seat (slots 0 and 1), o2 two; each learner can take any of them. */
static regio_rpp_t *s_edge(const char *decisions)
{
    static const char *head =
        "{\"format\": \"rpp-2\", \"periods\": [{\"id\": \"P1\", \"weeks\": 10}],"
        " \"partners\": [{\"id\": \"p1\", \"kind\": \"business\", \"lat\": 51.6, \"lon\": 4.8},"
        " {\"id\": \"p2\", \"kind\": \"civic\", \"lat\": 51.6, \"lon\": 4.8}],"
        " \"offerings\": [{\"id\": \"o1\", \"partner\": \"p1\", \"lat\": 51.6, \"lon\": 4.8,"
        " \"goals\": [\"G\"], \"capacity\": {\"P1\": [1,1,0,0,0,0,0,0,0,0]}},"
        " {\"id\": \"o2\", \"partner\": \"p2\", \"lat\": 51.6, \"lon\": 4.8, \"goals\": [\"G\"],"
        " \"capacity\": {\"P1\": [2,2,0,0,0,0,0,0,0,0]}}], \"learners\": [";
    char text[4096], err[256] = "";
    int n = snprintf(text, sizeof text, "%s", head);
    for (int i = 1; i <= 4; i++)
        n += snprintf(text + n, sizeof text - (size_t)n,
                      "%s{\"id\": \"l%d\", \"school\": \"s%d\", \"qualification\": \"q\","
                      " \"age\": 17, \"lat\": 51.6, \"lon\": 4.8, \"max_km\": 10, \"dagdelen\": 2,"
                      " \"free\": {\"P1\": [0,1]}, \"needs\": {\"G\": 20}}",
                      i > 1 ? ", " : "", i, i <= 2 ? 1 : 2);
    snprintf(text + n, sizeof text - (size_t)n, "]%s}", decisions);
    regio_rpp_t *r = NULL;
    cr_assert_eq(regio_rpp_json_parse(text, strlen(text), &r, err, sizeof err), 0, "%s", err);
    return r;
}

/* The offering of learner l (an id) in sol, or -1. */
static int32_t s_placed_at(const regio_rpp_t *r, const regio_rpp_sol_t *sol, const char *l)
{
    int32_t li = regio_strtab_find(r->learner_ids, l);
    for (int32_t k = 0; k < sol->n; k++)
        if (sol->v[k].learner == li)
            return sol->v[k].offering;
    return -1;
}

static void s_last_seat(const regio_rpp_t *r, const regio_rpp_sol_t *sol,
                        const regio_rpp_report_t *rep, int lns)
{
    cr_assert_eq(rep->placements, 3, "o1's seat is the pin's, o2 has two");
    cr_assert_eq(s_placed_at(r, sol, "l3"), 0);
    for (int32_t k = 0; k < sol->n; k++)
        cr_assert(sol->v[k].offering != 0 || sol->v[k].learner == 2, "o1 given away");
}

Test(engine, a_pin_on_the_last_seat_keeps_it_from_everyone_else)
{
    regio_rpp_t *r = s_edge(", \"pins\": [{\"learner\": \"l3\", \"period\": \"P1\","
                            " \"offering\": \"o1\", \"slots\": [0,1]}]");
    s_each_engine(r, 500, 1, s_last_seat);
    regio_rpp_destroy(&r);
}

static void s_held_offering(const regio_rpp_t *r, const regio_rpp_sol_t *sol,
                            const regio_rpp_report_t *rep, int lns)
{
    cr_assert_neq(s_placed_at(r, sol, "l1"), 1, "s1 at o2");
    cr_assert_neq(s_placed_at(r, sol, "l2"), 1, "s1 at o2");
    if (!lns) /* greedy may put s2's first learner at o1 */
        return;
    cr_assert_eq(rep->placements, 3, "o2 for s2's two, o1 for one of s1's");
    cr_assert_eq(s_placed_at(r, sol, "l3"), 1);
    cr_assert_eq(s_placed_at(r, sol, "l4"), 1);
    cr_assert_eq(rep->reserved_seats_used, 4);
}

Test(engine, seats_held_for_a_school_at_a_whole_offering_go_to_its_learners_only)
{
    regio_rpp_t *r = s_edge(", \"reservations\": [{\"offering\": \"o2\", \"period\": \"P1\","
                            " \"school\": \"s2\", \"seats\": [2,2,0,0,0,0,0,0,0,0]}]");
    s_each_engine(r, 500, 1, s_held_offering);
    regio_rpp_destroy(&r);
}

static void s_declined_all(const regio_rpp_t *r, const regio_rpp_sol_t *sol,
                           const regio_rpp_report_t *rep, int lns)
{
    cr_assert_eq(s_placed_at(r, sol, "l1"), -1, "l1 placed");
    cr_assert_eq(rep->placements, 3);
}

Test(engine, a_learner_who_declined_every_candidate_gets_nothing)
{
    regio_rpp_t *r = s_edge(", \"forbidden\": [{\"learner\": \"l1\", \"partner\": \"p1\"},"
                            " {\"learner\": \"l1\", \"offering\": \"o2\"}]");
    regio_cands_t c;
    cr_assert_eq(regio_cands_build(r, NULL, 1, &c), 0);
    cr_assert_eq(c.start[1] - c.start[0], 0, "l1 kept a candidate it declined");
    regio_cands_free(&c);
    s_each_engine(r, 500, 1, s_declined_all);
    regio_rpp_destroy(&r);
}
