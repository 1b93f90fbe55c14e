/* test_rpp_score - feasibility, score terms and per-learner scores of rpp-1 solutions. */
#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "regio/rpp.h"
#include "regio/rpp_score.h"

/* A hand-checkable instance ------------------------------------------------- */

static void s_offering(regio_rpp_t *r, const char *id, const char *partner, const char **goals,
                       int n_goals, double lat, double lon)
{
    int32_t cap[3 * REGIO_RPP_SLOTS];
    for (int i = 0; i < 3 * REGIO_RPP_SLOTS; i++)
        cap[i] = 1;
    regio_rpp_offering_in_t in = {.id = id, .partner = partner, .lat = lat, .lon = lon,
                                  .goals = goals, .n_goals = n_goals, .cap = cap};
    cr_assert_eq(regio_rpp_add_offering(r, &in, NULL, 0), 0);
}

static void s_learner(regio_rpp_t *r, const char *id, const char *school, const char **goals,
                      const int *amounts, int n_needs)
{
    static const uint16_t free[3] = {0x3ff, 0x3ff, 0x3ff};
    static const char *hist[] = {"p2"}, *pref[] = {"p1"};
    regio_rpp_learner_in_t in = {.id = id, .school = school, .qual = "Q", .age = 17,
                                 .lat = 51.58, .lon = 4.77, .max_km = 20, .dagdelen = 4,
                                 .planned = 7, .free = free, .need_goals = goals,
                                 .need_amounts = amounts, .n_needs = n_needs, .preferred = pref,
                                 .n_preferred = 1, .history = hist, .n_history = 1};
    cr_assert_eq(regio_rpp_add_learner(r, &in, NULL, 0), 0);
}

/* Periods of 10, 5 and 5 weeks; o1 (p1: G1, G2), o2 (p2: G1), o3 (p1: G3);
 * l1 (school s1) needs G1 60 and G2 10; l2 (school s2) needs G3 30; l3
 * (school s2) needs nothing. All learners have history p2, prefer p1. */
static regio_rpp_t *s_hand(void)
{
    regio_rpp_t *r = regio_rpp_new("hand");
    cr_assert_eq(regio_rpp_add_period(r, "P1", 10, NULL, 0), 0);
    cr_assert_eq(regio_rpp_add_period(r, "P2", 5, NULL, 0), 0);
    cr_assert_eq(regio_rpp_add_period(r, "P3", 5, NULL, 0), 0);
    cr_assert_eq(regio_rpp_add_partner(r, "p1", "A", "business", 51.6, 4.8, NULL, 0), 0);
    cr_assert_eq(regio_rpp_add_partner(r, "p2", "B", "civic", 51.5, 4.7, NULL, 0), 0);
    static const char *g12[] = {"G1", "G2"}, *g1[] = {"G1"}, *g3[] = {"G3"};
    s_offering(r, "o1", "p1", g12, 2, 51.60, 4.80);
    s_offering(r, "o2", "p2", g1, 1, 51.55, 4.75);
    s_offering(r, "o3", "p1", g3, 1, 51.61, 4.79);
    static const int a1[] = {60, 10}, a2[] = {30};
    s_learner(r, "l1", "s1", g12, a1, 2);
    s_learner(r, "l2", "s2", g3, a2, 1);
    s_learner(r, "l3", "s2", NULL, NULL, 0);
    return r;
}

static double s_trip(const regio_rpp_t *r, int32_t l, int32_t o, int weeks, int days)
{
    const regio_rpp_learner_t *L = &r->learners[l];
    const regio_rpp_offering_t *O = &r->offerings[o];
    return 2 * regio_rpp_dist_km(L->lat, L->lon, O->lat, O->lon) * weeks * days;
}

static regio_rpp_report_t s_eval(const regio_rpp_t *r, const regio_rpp_sol_t *s, char *err,
                                 size_t len)
{
    regio_rpp_report_t rep;
    cr_assert_eq(regio_rpp_evaluate(r, s, &rep, err, len), 0);
    return rep;
}

Test(rpp_score, counts_coverage_travel_repeats_and_preference_by_hand)
{
    regio_rpp_t *r = s_hand();
    regio_rpp_sol_t s;
    regio_rpp_sol_init(&s);
    /* In solution order P3 comes first; the checker orders by period. */
    regio_rpp_sol_add(&s, 0, 2, 2, 0x00f); /* P3 o3: p1 seen in P2 -> repeat, preferred */
    regio_rpp_sol_add(&s, 0, 0, 1, 0x00f); /* P1 o2: p2 in history -> repeat; G1 +40 */
    regio_rpp_sol_add(&s, 0, 1, 0, 0x033); /* P2 o1: preferred; G1 +20, G2 +20 */
    char err[256];
    regio_rpp_report_t rep = s_eval(r, &s, err, sizeof err);
    cr_assert(rep.feasible, "%s", err);
    cr_assert_eq(rep.coverage, 60 + 10);
    cr_assert_eq(rep.need_total, 100);
    cr_assert(fabs(rep.coverage_share - 0.7) < 1e-15);
    cr_assert_eq(rep.repeats, 2);
    cr_assert_eq(rep.preference, 2);
    double travel = s_trip(r, 0, 2, 5, 2) + s_trip(r, 0, 1, 10, 2) + s_trip(r, 0, 0, 5, 2);
    cr_assert(fabs(rep.travel_km - travel) < 1e-9);
    double score = 100.0 * 70 - 0.5 * travel - 500.0 * 2 + 200.0 * 2;
    cr_assert(fabs(rep.score - score) < 1e-9, "%.9f vs %.9f", rep.score, score);
    cr_assert_eq(rep.learners_placed, 1);
    cr_assert_eq(rep.learners, 3);
    cr_assert(rep.school_share_min == 0.0 && rep.school_share_max == 1.0);
    int64_t cov;
    double own = regio_rpp_learner_score(r, 0, s.v, s.n, &cov);
    cr_assert_eq(cov, 70);
    cr_assert(fabs(own - score) < 1e-9);
    regio_rpp_sol_free(&s);
    regio_rpp_destroy(&r);
}

Test(rpp_score, same_partner_twice_in_one_period_counts_as_a_repeat)
{
    /* Infeasible, but the checker still scores it: the second of two
     * placements at p1 is a repeat even within a period. */
    regio_rpp_t *r = s_hand();
    regio_rpp_sol_t s;
    regio_rpp_sol_init(&s);
    regio_rpp_sol_add(&s, 1, 0, 0, 0x00f);
    regio_rpp_sol_add(&s, 1, 0, 2, 0x0f0);
    char err[256];
    regio_rpp_report_t rep = s_eval(r, &s, err, sizeof err);
    cr_assert_not(rep.feasible);
    cr_assert_eq(rep.violations, 1);
    cr_assert(strstr(err, "placement 1 (l2,P1,o3): second placement"), "%s", err);
    cr_assert_eq(rep.repeats, 1);
    cr_assert_eq(rep.preference, 2);
    cr_assert_eq(rep.coverage, 30, "credit 40 capped at the need of 30");
    regio_rpp_sol_free(&s);
    regio_rpp_destroy(&r);
}

Test(rpp_score, empty_solution_is_feasible_and_scores_zero)
{
    regio_rpp_t *r = s_hand();
    regio_rpp_sol_t s;
    regio_rpp_sol_init(&s);
    char err[64] = "junk";
    regio_rpp_report_t rep = s_eval(r, &s, err, sizeof err);
    cr_assert(rep.feasible);
    cr_assert_str_eq(err, "");
    cr_assert(rep.score == 0.0 && rep.coverage == 0 && rep.coverage_share == 0.0);
    cr_assert(rep.school_share_min == 0.0 && rep.school_share_max == 0.0);
    regio_rpp_destroy(&r);
    r = regio_rpp_new("empty");
    rep = s_eval(r, &s, NULL, 0);
    cr_assert(rep.coverage_share == 1.0 && rep.school_share_min == 1.0, "no needs: share 1");
    regio_rpp_destroy(&r);
}

Test(rpp_score, unknown_indexes_are_violations_and_not_scored)
{
    regio_rpp_t *r = s_hand();
    regio_rpp_sol_t s;
    regio_rpp_sol_init(&s);
    regio_rpp_sol_add(&s, 99, 0, 0, 0x00f);
    regio_rpp_sol_add(&s, 0, 7, 0, 0x00f);
    regio_rpp_sol_add(&s, 0, 0, -1, 0x00f);
    char err[256];
    regio_rpp_report_t rep = s_eval(r, &s, err, sizeof err);
    cr_assert_eq(rep.violations, 3);
    cr_assert(strstr(err, "placement 0: unknown"), "%s", err);
    cr_assert_eq(rep.learners_placed, 0);
    cr_assert(rep.score == 0.0);
    cr_assert_eq(rep.placements, 3);
    regio_rpp_sol_free(&s);
    regio_rpp_destroy(&r);
}

Test(rpp_score, capacity_is_counted_per_offering_period_and_slot)
{
    regio_rpp_t *r = s_hand();
    regio_rpp_sol_t s;
    regio_rpp_sol_init(&s);
    regio_rpp_sol_add(&s, 0, 0, 0, 0x00f);
    regio_rpp_sol_add(&s, 1, 0, 0, 0x03c); /* slots 2 and 3 now hold 2 of 1 seat */
    regio_rpp_sol_add(&s, 2, 1, 0, 0x00f); /* another period: no clash */
    char err[256];
    regio_rpp_report_t rep = s_eval(r, &s, err, sizeof err);
    cr_assert_eq(rep.violations, 2);
    cr_assert_str_eq(err, "capacity: offering o1 period P1 slot 2: 2 placed, 1 seats");
    r->offerings[0].cap[2] = 2;
    r->offerings[0].cap[3] = 2;
    rep = s_eval(r, &s, err, sizeof err);
    cr_assert(rep.feasible, "%s", err);
    regio_rpp_sol_free(&s);
    regio_rpp_destroy(&r);
}

Test(rpp_score, school_shares_cover_each_school)
{
    regio_rpp_t *r = s_hand();
    regio_rpp_sol_t s;
    regio_rpp_sol_init(&s);
    regio_rpp_sol_add(&s, 1, 0, 2, 0x003); /* l2: G3 credit 20 of 30 */
    double share[2];
    cr_assert_eq(regio_rpp_school_shares(r, &s, share), 0);
    cr_assert(share[0] == 0.0);
    cr_assert(share[1] == 20.0 / 30.0);
    regio_rpp_report_t rep = s_eval(r, &s, NULL, 0);
    cr_assert(rep.school_share_min == share[0] && rep.school_share_max == share[1]);
    regio_rpp_sol_free(&s);
    regio_rpp_destroy(&r);
}

Test(rpp_score, changed_counts_keys_like_the_checker)
{
    regio_rpp_sol_t a, b;
    regio_rpp_sol_init(&a);
    regio_rpp_sol_init(&b);
    regio_rpp_sol_add(&a, 0, 0, 1, 0x3);
    regio_rpp_sol_add(&a, 0, 0, 2, 0x3); /* same key: the last one counts */
    regio_rpp_sol_add(&a, 1, 1, 1, 0x3);
    regio_rpp_sol_add(&b, 1, 1, 1, 0x3);
    regio_rpp_sol_add(&b, 0, 0, 2, 0x3);
    cr_assert_eq(regio_rpp_changed(&a, &b), 0);
    b.v[1].offering = 1;
    cr_assert_eq(regio_rpp_changed(&a, &b), 1);
    b.v[1].offering = 2;
    b.v[0].slots = 0x5;
    cr_assert_eq(regio_rpp_changed(&a, &b), 1);
    regio_rpp_sol_add(&b, 2, 0, 1, 0x3); /* only in b */
    regio_rpp_sol_add(&a, 3, 0, 1, 0x3); /* only in a */
    cr_assert_eq(regio_rpp_changed(&a, &b), 3);
    cr_assert_eq(regio_rpp_changed(&b, &a), 3);
    regio_rpp_sol_free(&b);
    cr_assert_eq(regio_rpp_changed(&a, &b), 3, "three keys in a");
    regio_rpp_sol_free(&a);
}

/* Random instances: learner scores add up to the total --------------------- */

static uint64_t s_rng = 0x9e3779b97f4a7c15ull;

static int s_rand(int n)
{
    s_rng ^= s_rng << 13;
    s_rng ^= s_rng >> 7;
    s_rng ^= s_rng << 17;
    return (int)(s_rng % (uint64_t)n);
}

static regio_rpp_t *s_random(int learners)
{
    static const char *goals[] = {"G1", "G2", "G3", "G4", "G1"};
    static const char *partners[] = {"q0", "q1", "q2", "q3", "q4", "q5"};
    regio_rpp_t *r = s_hand();
    for (int i = 0; i < 6; i++)
        cr_assert_eq(regio_rpp_add_partner(r, partners[i], "", "knowledge", 51, 4, NULL, 0), 0);
    for (int i = 0; i < 20; i++) {
        char id[8];
        snprintf(id, sizeof id, "x%d", i);
        s_offering(r, id, partners[s_rand(6)], goals + s_rand(3), 1 + s_rand(3),
                   51.4 + s_rand(300) / 1000.0, 4.6 + s_rand(300) / 1000.0);
    }
    for (int i = 0; i < learners; i++) {
        char id[16];
        int amounts[3] = {10 * s_rand(8), 10 * s_rand(8), 10 * s_rand(8)};
        snprintf(id, sizeof id, "y%d", i);
        s_learner(r, id, i % 2 ? "s1" : "s3", goals + s_rand(2), amounts, s_rand(4));
    }
    return r;
}

static void s_random_solution(const regio_rpp_t *r, regio_rpp_sol_t *s)
{
    for (int32_t l = 0; l < r->n_learners; l++)
        for (int16_t p = 0; p < r->n_periods; p++)
            if (s_rand(4)) {
                regio_rpp_sol_add(s, l, p, s_rand(r->n_offerings), (uint16_t)s_rand(1024));
                if (s_rand(20) == 0)
                    regio_rpp_sol_add(s, l, p, s_rand(r->n_offerings), (uint16_t)s_rand(1024));
            }
}

/* Sum of regio_rpp_learner_score over the learners of s (sorted). */
static double s_sum_learners(const regio_rpp_t *r, regio_rpp_sol_t *s, int64_t *coverage)
{
    double sum = 0.0;
    *coverage = 0;
    regio_rpp_sol_sort(s);
    for (int32_t i = 0; i < s->n;) {
        int32_t j = i;
        while (j < s->n && s->v[j].learner == s->v[i].learner)
            j++;
        int64_t cov;
        sum += regio_rpp_learner_score(r, s->v[i].learner, s->v + i, j - i, &cov);
        *coverage += cov;
        i = j;
    }
    return sum;
}

Test(rpp_score, learner_scores_sum_to_the_total)
{
    regio_rpp_t *r = s_random(400);
    for (int round = 0; round < 20; round++) {
        regio_rpp_sol_t s;
        regio_rpp_sol_init(&s);
        s_random_solution(r, &s);
        regio_rpp_report_t rep = s_eval(r, &s, NULL, 0);
        int64_t cov;
        double sum = s_sum_learners(r, &s, &cov);
        cr_assert_eq(cov, rep.coverage);
        cr_assert(fabs(sum - rep.score) <= 1e-6 * fabs(rep.score) + 1e-6,
                  "round %d: %.6f vs %.6f", round, sum, rep.score);
        cr_assert_gt(rep.repeats, 0);
        regio_rpp_sol_free(&s);
    }
    regio_rpp_destroy(&r);
}

Test(rpp_score, learner_score_does_not_depend_on_order)
{
    regio_rpp_t *r = s_random(50);
    for (int32_t l = 0; l < r->n_learners; l++) {
        regio_rpp_placement_t pl[6];
        int n = 1 + s_rand(6);
        for (int i = 0; i < n; i++)
            pl[i] = (regio_rpp_placement_t){.learner = l, .offering = s_rand(r->n_offerings),
                                            .period = (int16_t)s_rand(3),
                                            .slots = (uint16_t)s_rand(1024)};
        int64_t c1, c2;
        double a = regio_rpp_learner_score(r, l, pl, n, &c1);
        for (int i = 0; i < n / 2; i++) {
            regio_rpp_placement_t t = pl[i];
            pl[i] = pl[n - 1 - i];
            pl[n - 1 - i] = t;
        }
        double b = regio_rpp_learner_score(r, l, pl, n, &c2);
        cr_assert_eq(c1, c2);
        cr_assert(fabs(a - b) <= 1e-9 * fabs(a) + 1e-9);
        cr_assert(regio_rpp_learner_score(r, l, pl, 0, NULL) == 0.0);
    }
    regio_rpp_destroy(&r);
}
