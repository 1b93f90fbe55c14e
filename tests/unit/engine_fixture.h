/* engine_fixture - small synthetic rpp-1 regions for the engine's tests.
 *
 * A region is a pure function of its parameters and seed: learners and
 * offerings scattered over about 40 x 40 km, a dozen goals, a few
 * qualifications, capacity of 0..2 seats per slot, some periods closed,
 * some learners with preferences and history. Header-only (static
 * functions) so that each test file stays one translation unit.
 */
#ifndef REGIO_ENGINE_FIXTURE_H
#define REGIO_ENGINE_FIXTURE_H

#include <criterion/criterion.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "regio/rpp.h"
#include "rng.h"

typedef struct {
    int learners;
    int offerings;
    int periods;
    int max_seats;   /* seats per slot drawn from 0..max_seats */
    uint64_t seed;
} fx_params_t;

static const char *const fx_goals[] = {"G0", "G1", "G2", "G3", "G4",  "G5",
                                       "G6", "G7", "G8", "G9", "G10", "G11"};
static const char *const fx_quals[] = {"Q1", "Q2", "Q3"};
static const char *const fx_periods[] = {"P1", "P2", "P3", "P4", "P5", "P6"};

static uint16_t fx_free(regio_rng_t *g, int dagdelen)
{
    for (;;) {
        uint16_t m = (uint16_t)(regio_rng_next(g) & 0x3ff);
        if (regio_rng_below(g, 3) == 0)
            m = 0x3ff & (uint16_t)~(3u << (2 * regio_rng_below(g, 5))); /* all but one day */
        if (__builtin_popcount(m) >= dagdelen)
            return m;
    }
}

static void fx_add_offering(regio_rpp_t *r, regio_rng_t *g, const fx_params_t *fp, int i)
{
    char id[32], partner[32];
    const char *goals[3], *quals[1];
    int32_t cap[6 * REGIO_RPP_SLOTS];
    snprintf(id, sizeof id, "o%d", i);
    snprintf(partner, sizeof partner, "p%d", (int)regio_rng_below(g, (uint32_t)(fp->offerings / 2 + 1)));
    int ng = 1 + (int)regio_rng_below(g, 3);
    for (int k = 0; k < ng; k++)
        goals[k] = fx_goals[regio_rng_below(g, 12)];
    quals[0] = fx_quals[regio_rng_below(g, 3)];
    for (int p = 0; p < fp->periods; p++) {
        int closed = regio_rng_below(g, 4) == 0;
        for (int t = 0; t < REGIO_RPP_SLOTS; t++)
            cap[p * REGIO_RPP_SLOTS + t] =
                closed ? 0 : (int32_t)regio_rng_below(g, (uint32_t)fp->max_seats + 1);
    }
    static const int ages[] = {0, 0, 16, 18};
    regio_rpp_offering_in_t in = {
        .id = id, .partner = partner, .form = "stage",
        .lat = 51.4 + 0.36 * regio_rng_unit(g), .lon = 4.6 + 0.58 * regio_rng_unit(g),
        .goals = goals, .n_goals = ng, .quals = quals,
        .n_quals = regio_rng_below(g, 5) < 2 ? 0 : 1, .min_age = ages[regio_rng_below(g, 4)],
        .cap = cap};
    cr_assert_eq(regio_rpp_add_offering(r, &in, NULL, 0), 0);
}

static void fx_add_learner(regio_rpp_t *r, regio_rng_t *g, const fx_params_t *fp, int i)
{
    char id[32], school[16], pref[32], hist[32];
    const char *need_goals[4], *prefs[1] = {pref}, *hists[1] = {hist};
    int amounts[4], n_needs = 0;
    uint16_t free[6] = {0};
    uint32_t planned = 0;
    snprintf(id, sizeof id, "l%d", i);
    snprintf(school, sizeof school, "s%d", (int)regio_rng_below(g, 4));
    snprintf(pref, sizeof pref, "p%d", (int)regio_rng_below(g, (uint32_t)(fp->offerings / 2 + 1)));
    snprintf(hist, sizeof hist, "p%d", (int)regio_rng_below(g, (uint32_t)(fp->offerings / 2 + 1)));
    int dag = 2 + (int)regio_rng_below(g, 5);
    for (int p = 0; p < fp->periods; p++)
        if (regio_rng_below(g, 4) != 0) {
            planned |= 1u << p;
            free[p] = fx_free(g, dag);
        }
    int want = 1 + (int)regio_rng_below(g, 4);
    for (int k = 0; k < want; k++) {
        const char *goal = fx_goals[regio_rng_below(g, 12)];
        int dup = 0;
        for (int j = 0; j < n_needs; j++)
            dup |= strcmp(need_goals[j], goal) == 0;
        if (dup)
            continue;
        need_goals[n_needs] = goal;
        amounts[n_needs++] = 10 + 10 * (int)regio_rng_below(g, 10);
    }
    regio_rpp_learner_in_t in = {
        .id = id, .school = school, .qual = fx_quals[regio_rng_below(g, 3)],
        .age = 15 + (int)regio_rng_below(g, 5), .lat = 51.4 + 0.36 * regio_rng_unit(g),
        .lon = 4.6 + 0.58 * regio_rng_unit(g), .max_km = 5 + (double)regio_rng_below(g, 20),
        .dagdelen = dag, .planned = planned, .free = free, .need_goals = need_goals,
        .need_amounts = amounts, .n_needs = n_needs, .preferred = prefs,
        .n_preferred = regio_rng_below(g, 5) == 0, .history = hists,
        .n_history = regio_rng_below(g, 5) == 0};
    cr_assert_eq(regio_rpp_add_learner(r, &in, NULL, 0), 0);
}

/* Build a region; the caller destroys it. */
static regio_rpp_t *fx_region(const fx_params_t *fp)
{
    regio_rng_t g;
    regio_rng_seed(&g, fp->seed);
    regio_rpp_t *r = regio_rpp_new("fixture");
    cr_assert_not_null(r);
    for (int p = 0; p < fp->periods; p++)
        cr_assert_eq(regio_rpp_add_period(r, fx_periods[p], 5 + 5 * (p % 2), NULL, 0), 0);
    for (int i = 0; i <= fp->offerings / 2; i++) {
        char id[32];
        snprintf(id, sizeof id, "p%d", i);
        cr_assert_eq(regio_rpp_add_partner(r, id, id, i % 3 ? "business" : "civic",
                                           51.5, 4.8, NULL, 0), 0);
    }
    for (int i = 0; i < fp->offerings; i++)
        fx_add_offering(r, &g, fp, i);
    for (int i = 0; i < fp->learners; i++)
        fx_add_learner(r, &g, fp, i);
    return r;
}

static inline regio_rpp_t *fx_region_simple(int learners, int offerings, uint64_t seed)
{
    fx_params_t fp = {.learners = learners, .offerings = offerings, .periods = 4,
                      .max_seats = 2, .seed = seed};
    return fx_region(&fp);
}

#endif
