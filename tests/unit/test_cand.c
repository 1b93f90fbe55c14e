/* test_cand - each learner's candidate offerings. */
#include <criterion/criterion.h>
#include <math.h>
#include <string.h>

#include "cand.h"
#include "engine_fixture.h"
#include "regio/rpp.h"

/* The definition, by brute force over all pairs. */
static int s_should(const regio_rpp_t *r, int32_t l, int32_t o)
{
    const regio_rpp_learner_t *L = &r->learners[l];
    const regio_rpp_offering_t *O = &r->offerings[o];
    int useful = 0, room = 0;
    for (int j = 0; j < O->n_goals; j++)
        for (int i = 0; i < L->n_needs; i++)
            useful |= L->needs[i].goal == O->goals[j] && L->needs[i].amount > 0;
    for (int i = 0; i < L->n_preferred; i++)
        useful |= L->preferred[i] == O->partner;
    for (int p = 0; p < r->n_periods; p++) {
        int n = 0;
        for (int t = 0; t < REGIO_RPP_SLOTS; t++)
            n += (L->free[p] >> t & 1u) && regio_rpp_cap(r, o, p, t) > 0;
        room |= (L->planned >> p & 1u) && n >= L->dagdelen;
    }
    return useful && room && regio_rpp_eligible(r, l, o);
}

Test(cand, candidates_are_exactly_the_useful_eligible_offerings)
{
    for (uint64_t seed = 1; seed <= 3; seed++) {
        regio_rpp_t *r = fx_region_simple(150, 120, seed);
        regio_cands_t c;
        cr_assert_eq(regio_cands_build(r, NULL, (int)seed, &c), 0);
        int64_t expected = 0;
        for (int32_t l = 0; l < r->n_learners; l++)
            for (int32_t o = 0; o < r->n_offerings; o++) {
                int32_t k = regio_cands_find(&c, l, o);
                int want = s_should(r, l, o);
                expected += want;
                cr_assert_eq(k >= 0, want, "learner %d offering %d", (int)l, (int)o);
                if (k < 0)
                    continue;
                const regio_cand_t *cd = &c.v[c.start[l] + k];
                const regio_rpp_learner_t *L = &r->learners[l];
                double d = regio_rpp_dist_km(L->lat, L->lon, r->offerings[o].lat,
                                             r->offerings[o].lon);
                cr_assert(fabs(cd->trip - 2 * d) < 1e-9);
                cr_assert_eq(cd->partner, r->offerings[o].partner);
            }
        cr_assert_eq(c.start[r->n_learners], expected);
        for (int32_t o = 0; o < r->n_offerings; o++) /* the inverse lists agree */
            for (int64_t i = c.inv_start[o]; i < c.inv_start[o + 1]; i++)
                cr_assert_geq(regio_cands_find(&c, c.inv[i], o), 0);
        regio_cands_free(&c);
        regio_rpp_destroy(&r);
    }
}

/* regio_cands_top keeps what a capped build keeps, in offering order. */
Test(cand, top_keeps_the_candidates_a_capped_build_keeps)
{
    for (uint64_t seed = 1; seed <= 3; seed++) {
        regio_rpp_t *r = fx_region_simple(150, 120, seed);
        regio_cands_t all, top, capped;
        cr_assert_eq(regio_cands_build(r, NULL, 1, &all), 0);
        cr_assert_eq(regio_cands_top(r, &all, 3, &top), 0);
        cr_assert_eq(regio_cands_build_some(r, NULL, NULL, 3, 1, &capped), 0);
        int cut = 0;
        for (int32_t l = 0; l < r->n_learners; l++) {
            int64_t n = all.start[l + 1] - all.start[l], m = top.start[l + 1] - top.start[l];
            cut += n > 3;
            cr_assert_eq(m, n < 3 ? n : 3, "learner %d: %lld of %lld kept", (int)l,
                         (long long)m, (long long)n);
            cr_assert_eq(capped.start[l + 1] - capped.start[l], m);
            cr_assert_eq(top.wide[l], all.wide[l]);
            for (int64_t k = 0; k < m; k++) {
                const regio_cand_t *t = &top.v[top.start[l] + k];
                const regio_cand_t *b = &capped.v[capped.start[l] + k];
                cr_assert(k == 0 || t[-1].offering < t->offering, "learner %d: not by offering",
                          (int)l);
                cr_assert_eq(t->offering, b->offering, "learner %d keeps another offering",
                             (int)l);
                int32_t i = regio_cands_find(&all, l, t->offering);
                cr_assert_geq(i, 0);
                cr_assert_eq(memcmp(t, &all.v[all.start[l] + i], sizeof *t), 0);
            }
        }
        cr_assert_gt(cut, 0, "seed %d: no learner had more than 3 candidates", (int)seed);
        for (int32_t o = 0; o < r->n_offerings; o++) /* the inverse lists agree */
            for (int64_t i = top.inv_start[o]; i < top.inv_start[o + 1]; i++)
                cr_assert_geq(regio_cands_find(&top, top.inv[i], o), 0);
        cr_assert_eq(top.inv_start[r->n_offerings], top.start[r->n_learners]);
        regio_cands_free(&all);
        regio_cands_free(&top);
        regio_cands_free(&capped);
        regio_rpp_destroy(&r);
    }
}

Test(cand, a_repeated_goal_switches_the_learner_to_the_wide_path)
{
    regio_rpp_t *r = regio_rpp_new("wide");
    cr_assert_eq(regio_rpp_add_period(r, "P1", 10, NULL, 0), 0);
    cr_assert_eq(regio_rpp_add_partner(r, "p1", "A", "business", 51.6, 4.8, NULL, 0), 0);
    static const char *twice[] = {"G", "G"}, *once[] = {"G"};
    int32_t cap[REGIO_RPP_SLOTS] = {1, 1, 1, 1, 1, 1, 1, 1, 1, 1};
    regio_rpp_offering_in_t oin = {.id = "o1", .partner = "p1", .lat = 51.6, .lon = 4.8,
                                   .goals = twice, .n_goals = 2, .cap = cap};
    cr_assert_eq(regio_rpp_add_offering(r, &oin, NULL, 0), 0);
    static const int amounts[] = {100};
    uint16_t free[1] = {0x3ff};
    regio_rpp_learner_in_t lin = {.id = "l1", .school = "s", .qual = "Q", .age = 17, .lat = 51.6,
                                  .lon = 4.8, .max_km = 10, .dagdelen = 2, .planned = 1,
                                  .free = free, .need_goals = once, .need_amounts = amounts,
                                  .n_needs = 1};
    cr_assert_eq(regio_rpp_add_learner(r, &lin, NULL, 0), 0);
    regio_cands_t c;
    cr_assert_eq(regio_cands_build(r, NULL, 1, &c), 0);
    cr_assert_eq(c.start[1], 1);
    cr_assert_eq(c.wide[0], 1);
    int64_t credit[1] = {0};
    regio_cands_credit_wide(r, 0, &c.v[0], 20, credit);
    cr_assert_eq(credit[0], 40, "a goal listed twice counts twice, as the checker does");
    regio_cands_free(&c);
    regio_rpp_destroy(&r);
}
