/* test_exact - one learner's best combination of options, against brute force.
 *
 * The search drops dominated options (regio_exact_sort), solves a
 * relaxation without repeats between the learner's own periods first,
 * prunes with bounds and (with a memo) with states seen before; none of
 * that may change the optimum. Every learner of
 * small generated regions gets options with random fixed parts (so that
 * options covering the same needs differ), and the search must find exactly
 * the value of the best of all combinations of the unpruned options.
 */
#include <criterion/criterion.h>
#include <float.h>
#include <math.h>

#include "cand.h"
#include "engine_fixture.h"
#include "exact.h"
#include "regio/rpp.h"
#include "rng.h"

#define S_MAX_OPT 64

typedef struct {
    regio_exact_t e;
    regio_exact_opt_t all[REGIO_RPP_MAX_PERIODS][S_MAX_OPT]; /* before pruning */
    int32_t nall[REGIO_RPP_MAX_PERIODS];
    regio_exact_opt_t kept[REGIO_RPP_MAX_PERIODS][S_MAX_OPT];
} s_case_t;

/* Options of learner l: none, and each candidate with a random fixed part
 * (a preferred partner's bonus minus travel, roughly). Returns 0 when the
 * learner has none worth searching. */
static int s_case(s_case_t *x, const regio_rpp_t *r, const regio_cands_t *c, int32_t l,
                  regio_rng_t *g, int64_t *credit)
{
    memset(x, 0, sizeof *x);
    x->e = (regio_exact_t){.r = r, .c = c, .l = l, .wcov = r->w.coverage, .node_limit = INT64_MAX};
    int64_t nc = c->start[l + 1] - c->start[l];
    if (nc == 0 || nc + 1 > S_MAX_OPT)
        return 0;
    for (int p = 0; p < r->n_periods; p++) {
        if (!(r->learners[l].planned >> p & 1u))
            continue;
        int d = x->e.np++;
        x->e.per[d] = p;
        x->all[d][x->nall[d]++] = (regio_exact_opt_t){.k = REGIO_EXACT_NONE};
        for (int32_t k = 0; k < nc; k++) {
            double fixed = -600 + (double)regio_rng_below(g, 900);
            double ub = regio_exact_alone(&x->e, p, k, fixed, credit);
            if (ub > 0)
                x->all[d][x->nall[d]++] = (regio_exact_opt_t){.ub = ub, .fixed = fixed, .k = k};
        }
        memcpy(x->kept[d], x->all[d], (size_t)x->nall[d] * sizeof x->all[d][0]);
        x->e.opt[d] = x->kept[d];
        x->e.nopt[d] = regio_exact_sort(&x->e, x->kept[d], x->nall[d]);
    }
    return x->e.np > 0;
}

/* Value of one option per period (opts[d]), coverage capped, repeats and all. */
static double s_value(const regio_exact_t *e, const regio_exact_opt_t *const *opts, int64_t *credit)
{
    const regio_rpp_t *r = e->r;
    const regio_rpp_learner_t *L = &r->learners[e->l];
    double v = 0;
    memset(credit, 0, (size_t)L->n_needs * sizeof *credit);
    for (int d = 0; d < e->np; d++) {
        v += opts[d]->fixed;
        if (opts[d]->k < 0)
            continue;
        const regio_cand_t *cd = &e->c->v[e->c->start[e->l] + opts[d]->k];
        int64_t add = (int64_t)r->periods[e->per[d]].weeks * L->dagdelen;
        v += e->wcov * (double)regio_exact_credit(e, opts[d]->k, add, 1, credit);
        int rep = (cd->flags & REGIO_CAND_HISTORY) != 0;
        for (int q = 0; q < d; q++)
            rep |= opts[q]->k >= 0 && e->c->v[e->c->start[e->l] + opts[q]->k].partner == cd->partner;
        v -= r->w.repeat * rep;
    }
    memset(credit, 0, (size_t)L->n_needs * sizeof *credit); /* scratch is left zeroed */
    return v;
}

/* The best value over every combination of the unpruned options. */
static double s_brute(const s_case_t *x, int64_t *credit)
{
    int idx[REGIO_RPP_MAX_PERIODS] = {0};
    const regio_exact_opt_t *opts[REGIO_RPP_MAX_PERIODS];
    double best = -DBL_MAX;
    for (;;) {
        for (int d = 0; d < x->e.np; d++)
            opts[d] = &x->all[d][idx[d]];
        double v = s_value(&x->e, opts, credit);
        best = v > best ? v : best;
        int d = 0;
        while (d < x->e.np && ++idx[d] == x->nall[d])
            idx[d++] = 0;
        if (d == x->e.np)
            return best;
    }
}

/* Call fn for every learner with options in the regions of seeds 1..seeds
 * with offerings and periods as given (few partners: kinds repeat and
 * partners collide; many offerings: enough combinations for the search to
 * try its relaxation first). */
typedef void (*s_fn_t)(s_case_t *x, uint64_t seed, int32_t l, int64_t *credit, void *arg);

static void s_each_case(uint64_t seeds, int offerings, int periods, s_fn_t fn, void *arg)
{
    int64_t credit[8] = {0}; /* scratch the calls expect zeroed */
    for (uint64_t seed = 1; seed <= seeds; seed++) {
        fx_params_t fp = {.learners = 12, .offerings = offerings, .periods = periods,
                          .max_seats = 2, .seed = seed};
        regio_rpp_t *r = fx_region(&fp);
        regio_cands_t c;
        cr_assert_eq(regio_cands_build(r, NULL, 1, &c), 0);
        regio_rng_t g;
        regio_rng_seed(&g, seed * 7919);
        for (int32_t l = 0; l < r->n_learners; l++) {
            s_case_t x;
            cr_assert_leq(r->learners[l].n_needs, 8);
            if (s_case(&x, r, &c, l, &g, credit))
                fn(&x, seed, l, credit, arg);
        }
        regio_cands_free(&c);
        regio_rpp_destroy(&r);
    }
}

typedef struct {
    int searched, multi;
} s_tally_t;

/* Solve x as configured; the value must be want's and the choice worth it. */
static void s_solve_as(s_case_t *x, uint64_t seed, int32_t l, int64_t *credit, double want,
                       const char *how)
{
    int choice[REGIO_RPP_MAX_PERIODS];
    double open, got = regio_exact_solve(&x->e, credit, choice, &open);
    cr_assert(fabs(got - want) < 1e-6, "%s, seed %d learner %d: search %.3f, brute force %.3f",
              how, (int)seed, l, got, want);
    cr_assert_leq(open, got, "%s: an unlimited search is exact", how);
    const regio_exact_opt_t *opts[REGIO_RPP_MAX_PERIODS];
    for (int d = 0; d < x->e.np; d++)
        opts[d] = &x->e.opt[d][choice[d]];
    cr_assert(fabs(s_value(&x->e, opts, credit) - got) < 1e-6,
              "%s, seed %d learner %d: the choice is not worth what the search says", how,
              (int)seed, l);
}

static void s_check_optimum(s_case_t *x, uint64_t seed, int32_t l, int64_t *credit, void *arg)
{
    s_tally_t *t = arg;
    double combos = 1;
    for (int d = 0; d < x->e.np; d++)
        combos *= x->nall[d];
    if (combos > 3e5)
        return;
    double want = s_brute(x, credit);
    s_solve_as(x, seed, l, credit, want, "defaults, no memo");
    regio_exact_memo_t *memo = regio_exact_memo_new();
    cr_assert_not_null(memo);
    x->e.memo = memo;
    s_solve_as(x, seed, l, credit, want, "defaults, memo");
    x->e.relax_from = 1; /* the relaxation and the memo on every search, however small */
    x->e.memo_after = 1;
    s_solve_as(x, seed, l, credit, want, "relaxation and memo always");
    s_solve_as(x, seed, l, credit, want, "again (the memo is per search)");
    x->e.memo = NULL;
    regio_exact_memo_free(memo);
    t->searched++;
    int placed = 0;
    for (int d = 0; d < x->e.np; d++)
        placed += x->nall[d] > 1;
    t->multi += placed >= 2;
}

Test(exact, finds_the_brute_force_optimum)
{
    s_tally_t t = {0};
    s_each_case(40, 14, 4, s_check_optimum, &t);
    s_each_case(30, 48, 3, s_check_optimum, &t);
    cr_assert_geq(t.searched, 100, "only %d learners searched: the fixture lost its point",
                  t.searched);
    cr_assert_geq(t.multi, 20, "only %d plans over several periods", t.multi);
}

static void s_check_cut(s_case_t *x, uint64_t seed, int32_t l, int64_t *credit, void *arg)
{
    int choice[REGIO_RPP_MAX_PERIODS];
    double open, full = regio_exact_solve(&x->e, credit, choice, &open);
    regio_exact_memo_t *memo = regio_exact_memo_new();
    cr_assert_not_null(memo);
    for (int thorough = 0; thorough < 2; thorough++) {
        x->e.node_limit = 3;
        x->e.memo = thorough ? memo : NULL;
        x->e.relax_from = thorough;
        x->e.memo_after = thorough;
        double cut = regio_exact_solve(&x->e, credit, choice, &open);
        cr_assert_leq(cut, full + 1e-6, "a cut search found more than the optimum");
        cr_assert_geq(fmax(cut, open), full - 1e-6,
                      "seed %d learner %d: cut off at %.3f with bound %.3f below the optimum %.3f",
                      (int)seed, l, cut, open, full);
    }
    x->e.memo = NULL;
    regio_exact_memo_free(memo);
}

Test(exact, a_node_limit_gives_a_bound_on_the_optimum)
{
    s_each_case(20, 14, 4, s_check_cut, NULL);
    s_each_case(10, 48, 3, s_check_cut, NULL);
}
