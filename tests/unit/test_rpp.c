/* test_rpp - building, validating, copying and changing rpp-1 instances. */
#include <criterion/criterion.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "regio/error.h"
#include "regio/limits.h"
#include "regio/rpp.h"

/* Counts that an add_* call must leave alone when it fails. */
typedef struct {
    int32_t periods, partners, offerings, learners;
    int32_t ids[4], goals, quals, schools;
} snap_t;

static snap_t s_snap(const regio_rpp_t *r)
{
    return (snap_t){.periods = r->n_periods, .partners = r->n_partners,
                    .offerings = r->n_offerings, .learners = r->n_learners,
                    .ids = {regio_strtab_count(r->period_ids), regio_strtab_count(r->partner_ids),
                            regio_strtab_count(r->offering_ids),
                            regio_strtab_count(r->learner_ids)},
                    .goals = regio_strtab_count(r->goals), .quals = regio_strtab_count(r->quals),
                    .schools = regio_strtab_count(r->schools)};
}

static void s_assert_same(const regio_rpp_t *r, snap_t before)
{
    snap_t now = s_snap(r);
    cr_assert(memcmp(&now, &before, sizeof now) == 0, "instance changed by a failed add");
}

static const char *s_goals[] = {"G1", "G2"};
static const char *s_quals[] = {"Q1"};
static const int32_t s_cap[2 * REGIO_RPP_SLOTS] = {2, 2, 0, 0, 2, 2, 0, 0, 0, 0,
                                                   1, 1, 1, 1, 1, 1, 1, 1, 1, 1};

static regio_rpp_offering_in_t s_offering(const char *id)
{
    return (regio_rpp_offering_in_t){.id = id, .partner = "p1", .form = "stage", .lat = 51.645,
                                     .lon = 4.86, .goals = s_goals, .n_goals = 2,
                                     .quals = s_quals, .n_quals = 1, .min_age = 16,
                                     .cap = s_cap};
}

static const uint16_t s_free[2] = {0x33, 0x0cc}; /* P1: 0,1,4,5  P2: 2,3,6,7 */
static const char *s_need_goals[] = {"G1", "G3"};
static const int s_need_amounts[] = {60, 40};
static const char *s_pref[] = {"p1", "nobody"};
static const char *s_hist[] = {"p2"};

static regio_rpp_learner_in_t s_learner(const char *id)
{
    return (regio_rpp_learner_in_t){.id = id, .school = "s1", .qual = "Q1", .age = 17,
                                    .lat = 51.59, .lon = 4.78, .max_km = 15, .dagdelen = 4,
                                    .planned = 3, .free = s_free, .need_goals = s_need_goals,
                                    .need_amounts = s_need_amounts, .n_needs = 2,
                                    .preferred = s_pref, .n_preferred = 2, .history = s_hist,
                                    .n_history = 1};
}

/* Two periods, two partners, one offering o1, one learner l1. */
static regio_rpp_t *s_base(void)
{
    regio_rpp_t *r = regio_rpp_new("unit");
    cr_assert_not_null(r);
    cr_assert_eq(regio_rpp_add_period(r, "P1", 10, NULL, 0), 0);
    cr_assert_eq(regio_rpp_add_period(r, "P2", 8, NULL, 0), 0);
    cr_assert_eq(regio_rpp_add_partner(r, "p1", "Warehouse", "business", 51.645, 4.86, NULL, 0), 0);
    cr_assert_eq(regio_rpp_add_partner(r, "p2", "School", "education", 51.5, 4.7, NULL, 0), 0);
    regio_rpp_offering_in_t o = s_offering("o1");
    cr_assert_eq(regio_rpp_add_offering(r, &o, NULL, 0), 0);
    regio_rpp_learner_in_t l = s_learner("l1");
    cr_assert_eq(regio_rpp_add_learner(r, &l, NULL, 0), 0);
    return r;
}

Test(rpp, builds_an_instance_with_dense_indexes)
{
    regio_rpp_t *r = s_base();
    cr_assert_eq(r->n_periods, 2);
    cr_assert_eq(r->periods[1].weeks, 8);
    cr_assert_str_eq(r->periods[1].id, "P2");
    cr_assert_eq(r->partners[1].kind, REGIO_RPP_EDUCATION);
    const regio_rpp_offering_t *o = &r->offerings[0];
    cr_assert_eq(o->partner, 0);
    cr_assert_eq(regio_rpp_cap(r, 0, 0, 4), 2);
    cr_assert_eq(regio_rpp_cap(r, 0, 1, 9), 1);
    cr_assert_str_eq(regio_strtab_name(r->goals, o->goals[1]), "G2");
    const regio_rpp_learner_t *l = &r->learners[0];
    cr_assert_eq(l->free[1], 0x0cc);
    cr_assert_eq(l->needs[1].goal, regio_strtab_find(r->goals, "G3"));
    cr_assert_eq(l->needs[1].amount, 40);
    cr_assert_eq(l->n_preferred, 1, "unknown preferred partner is dropped");
    cr_assert_eq(l->preferred[0], 0);
    cr_assert_eq(l->history[0], 1);
    cr_assert_eq(regio_strtab_count(r->goals), 3);
    regio_rpp_destroy(&r);
    cr_assert_null(r);
    regio_rpp_destroy(&r); /* NULL is fine */
}

Test(rpp, default_weights_are_the_spec_ones)
{
    regio_rpp_weights_t w = regio_rpp_default_weights();
    cr_assert(w.coverage == 100.0 && w.km == 0.5 && w.repeat == 500.0 && w.preference == 200.0);
    regio_rpp_t *r = regio_rpp_new(NULL);
    cr_assert(r->w.km == 0.5);
    cr_assert_null(r->name);
    regio_rpp_destroy(&r);
}

Test(rpp, kinds_parse_and_name_both_ways)
{
    for (int k = 0; k < REGIO_RPP_KIND_COUNT; k++)
        cr_assert_eq(regio_rpp_kind_parse(regio_rpp_kind_name(k)), k);
    cr_assert_eq(regio_rpp_kind_parse("Business"), -1);
    cr_assert_null(regio_rpp_kind_name(REGIO_RPP_KIND_COUNT));
    cr_assert_null(regio_rpp_kind_name(-1));
}

Test(rpp, rejects_bad_periods_without_change)
{
    regio_rpp_t *r = regio_rpp_new("p");
    char err[128];
    cr_assert_eq(regio_rpp_add_period(r, "P1", 10, err, sizeof err), 0);
    snap_t s = s_snap(r);
    cr_assert_eq(regio_rpp_add_period(r, "P1", 10, err, sizeof err), REGIO_EDUPLICATE);
    cr_assert_eq(regio_rpp_add_period(r, "P2", 0, err, sizeof err), REGIO_ERANGE);
    cr_assert_str_eq(err, "period P2: weeks 0 out of range 1..53");
    cr_assert_eq(regio_rpp_add_period(r, "P2", 54, err, sizeof err), REGIO_ERANGE);
    cr_assert_eq(regio_rpp_add_period(r, "", 5, err, sizeof err), REGIO_EINVALID);
    cr_assert_eq(regio_rpp_add_period(r, NULL, 5, err, sizeof err), REGIO_EINVALID);
    s_assert_same(r, s);
    char id[8];
    for (int p = 2; p <= REGIO_RPP_MAX_PERIODS; p++) {
        snprintf(id, sizeof id, "P%d", p);
        cr_assert_eq(regio_rpp_add_period(r, id, 1, NULL, 0), 0);
    }
    s = s_snap(r);
    cr_assert_eq(regio_rpp_add_period(r, "P33", 1, err, sizeof err), REGIO_ERANGE);
    s_assert_same(r, s);
    regio_rpp_destroy(&r);
}

Test(rpp, periods_cannot_come_after_offerings)
{
    regio_rpp_t *r = s_base();
    snap_t s = s_snap(r);
    cr_assert_eq(regio_rpp_add_period(r, "P3", 10, NULL, 0), REGIO_EINVALID);
    s_assert_same(r, s);
    regio_rpp_destroy(&r);
}

Test(rpp, rejects_bad_partners_without_change)
{
    regio_rpp_t *r = s_base();
    snap_t s = s_snap(r);
    char err[128];
    cr_assert_eq(regio_rpp_add_partner(r, "p1", "x", "business", 51, 4, err, sizeof err),
                 REGIO_EDUPLICATE);
    cr_assert_eq(regio_rpp_add_partner(r, "p3", "x", "shop", 51, 4, err, sizeof err),
                 REGIO_EINVALID);
    cr_assert_str_eq(err, "partner p3: unknown kind 'shop'");
    cr_assert_eq(regio_rpp_add_partner(r, "p3", "x", "civic", 90.5, 4, err, sizeof err),
                 REGIO_ERANGE);
    cr_assert_eq(regio_rpp_add_partner(r, "p3", "x", "civic", 51, -180.1, err, sizeof err),
                 REGIO_ERANGE);
    cr_assert_eq(regio_rpp_add_partner(r, "p3", "x", "civic", NAN, 4, err, sizeof err),
                 REGIO_ERANGE);
    s_assert_same(r, s);
    cr_assert_eq(regio_rpp_add_partner(r, "p3", NULL, "civic", -90, 180, err, sizeof err), 0);
    cr_assert_str_eq(r->partners[2].name, "");
    regio_rpp_destroy(&r);
}

Test(rpp, rejects_bad_offerings_without_change)
{
    regio_rpp_t *r = s_base();
    snap_t s = s_snap(r);
    char err[160];
    const char *new_goals[] = {"NEW-GOAL"};
    int32_t cap[20] = {0};
    regio_rpp_offering_in_t o = s_offering("o1");
    cr_assert_eq(regio_rpp_add_offering(r, &o, err, sizeof err), REGIO_EDUPLICATE);
    o = s_offering("o2");
    o.goals = new_goals;
    o.n_goals = 1;
    o.partner = "p9";
    cr_assert_eq(regio_rpp_add_offering(r, &o, err, sizeof err), REGIO_ENOTFOUND);
    cr_assert_str_eq(err, "offering o2: unknown partner 'p9'");
    o.partner = "p1";
    o.lat = -91;
    cr_assert_eq(regio_rpp_add_offering(r, &o, err, sizeof err), REGIO_ERANGE);
    o.lat = 51;
    o.min_age = -1;
    cr_assert_eq(regio_rpp_add_offering(r, &o, err, sizeof err), REGIO_ERANGE);
    o.min_age = 0;
    o.cap = cap;
    cap[13] = -1;
    cr_assert_eq(regio_rpp_add_offering(r, &o, err, sizeof err), REGIO_ERANGE);
    cap[13] = REGIO_RPP_MAX_SEATS + 1;
    cr_assert_eq(regio_rpp_add_offering(r, &o, err, sizeof err), REGIO_ERANGE);
    cr_assert(strstr(err, "period P2 slot 3"), "%s", err);
    s_assert_same(r, s);
    cr_assert_eq(regio_strtab_find(r->goals, "NEW-GOAL"), -1);
    cap[13] = REGIO_RPP_MAX_SEATS;
    cr_assert_eq(regio_rpp_add_offering(r, &o, err, sizeof err), 0);
    o = s_offering("o3"); /* no capacity at all, open to all */
    o.cap = NULL;
    o.n_quals = 0;
    cr_assert_eq(regio_rpp_add_offering(r, &o, err, sizeof err), 0);
    cr_assert_eq(regio_rpp_cap(r, 2, 1, 9), 0);
    regio_rpp_destroy(&r);
}

Test(rpp, rejects_bad_learners_without_change)
{
    regio_rpp_t *r = s_base();
    snap_t s = s_snap(r);
    char err[160];
    regio_rpp_learner_in_t l = s_learner("l1");
    cr_assert_eq(regio_rpp_add_learner(r, &l, err, sizeof err), REGIO_EDUPLICATE);
    l = s_learner("l2");
    l.school = "new-school";
    l.dagdelen = 0;
    cr_assert_eq(regio_rpp_add_learner(r, &l, err, sizeof err), REGIO_ERANGE);
    cr_assert_str_eq(err, "learner l2: dagdelen 0 out of range 1..10");
    l.dagdelen = 11;
    cr_assert_eq(regio_rpp_add_learner(r, &l, err, sizeof err), REGIO_ERANGE);
    l = s_learner("l2");
    l.lon = 181;
    cr_assert_eq(regio_rpp_add_learner(r, &l, err, sizeof err), REGIO_ERANGE);
    l = s_learner("l2");
    l.max_km = -1;
    cr_assert_eq(regio_rpp_add_learner(r, &l, err, sizeof err), REGIO_ERANGE);
    l = s_learner("l2");
    l.age = -3;
    cr_assert_eq(regio_rpp_add_learner(r, &l, err, sizeof err), REGIO_ERANGE);
    l.age = REGIO_MAX_AGE + 1; /* the services' bound: an instance they refuse is refused here */
    cr_assert_eq(regio_rpp_add_learner(r, &l, err, sizeof err), REGIO_ERANGE);
    s_assert_same(r, s);
    regio_rpp_destroy(&r);
}

Test(rpp, rejects_bad_learner_lists_without_change)
{
    regio_rpp_t *r = s_base();
    snap_t s = s_snap(r);
    char err[160];
    const char *dup_goals[] = {"NEW", "G9", "NEW"};
    const int amounts[] = {1, 2, 3}, negative[] = {1, -2, 3};
    const uint16_t wide[2] = {0x433, 0}, unplanned[2] = {0x3, 0x3};
    regio_rpp_learner_in_t l = s_learner("l2");
    l.need_goals = dup_goals;
    l.need_amounts = amounts;
    l.n_needs = 3;
    cr_assert_eq(regio_rpp_add_learner(r, &l, err, sizeof err), REGIO_EDUPLICATE);
    cr_assert_str_eq(err, "learner l2: need NEW listed twice");
    l.n_needs = 2;
    l.need_amounts = negative;
    cr_assert_eq(regio_rpp_add_learner(r, &l, err, sizeof err), REGIO_ERANGE);
    l = s_learner("l2");
    l.free = wide;
    cr_assert_eq(regio_rpp_add_learner(r, &l, err, sizeof err), REGIO_ERANGE);
    l.free = unplanned;
    l.planned = 1;
    cr_assert_eq(regio_rpp_add_learner(r, &l, err, sizeof err), REGIO_EINVALID);
    l.planned = 4; /* period 2 does not exist */
    cr_assert_eq(regio_rpp_add_learner(r, &l, err, sizeof err), REGIO_ERANGE);
    s_assert_same(r, s);
    cr_assert_eq(regio_strtab_find(r->goals, "NEW"), -1);
    regio_rpp_destroy(&r);
}

Test(rpp, learner_may_be_planned_with_no_free_slots)
{
    regio_rpp_t *r = s_base();
    const uint16_t none[2] = {0, 0};
    regio_rpp_learner_in_t l = s_learner("l2");
    l.free = none;
    l.planned = 1;
    l.n_needs = l.n_preferred = l.n_history = 0;
    cr_assert_eq(regio_rpp_add_learner(r, &l, NULL, 0), 0);
    cr_assert_eq(r->learners[1].planned, 1u);
    cr_assert_eq(r->learners[1].n_needs, 0);
    regio_rpp_destroy(&r);
}

Test(rpp, distance_is_the_checkers_to_the_bit)
{
    /* Values printed by rpp_check.haversine_km with repr(). */
    cr_assert(regio_rpp_dist_km(51.59, 4.78, 51.645, 4.86) == 8.240716621276208);
    cr_assert(regio_rpp_dist_km(52.37, 4.89, 51.92, 4.48) == 57.327626699359236);
    cr_assert(regio_rpp_dist_km(0, 0, 0, 180) == 20015.086796020572);
    cr_assert(regio_rpp_dist_km(51.5, 4.5, 51.5, 4.5) == 0.0);
}

Test(rpp, eligibility_checks_qualification_age_and_distance)
{
    regio_rpp_t *r = s_base();
    cr_assert(regio_rpp_eligible(r, 0, 0));
    r->learners[0].age = 15;
    cr_assert_not(regio_rpp_eligible(r, 0, 0));
    r->learners[0].age = 16;
    r->learners[0].max_km = 8.24;
    cr_assert_not(regio_rpp_eligible(r, 0, 0));
    r->learners[0].max_km = 8.240716; /* within the 1e-6 km tolerance */
    cr_assert(regio_rpp_eligible(r, 0, 0));
    r->learners[0].qual = regio_strtab_intern(r->quals, "Q2", NULL);
    cr_assert_not(regio_rpp_eligible(r, 0, 0));
    r->offerings[0].n_quals = 0; /* open to all */
    cr_assert(regio_rpp_eligible(r, 0, 0));
    regio_rpp_destroy(&r);
}

/* The halves the candidate builder uses: qualified (qualification, age)
 * and within (a distance against max_km) make up eligible. */
Test(rpp, eligible_is_qualified_and_within)
{
    regio_rpp_t *r = s_base();
    double km = regio_rpp_dist_km(r->learners[0].lat, r->learners[0].lon, r->offerings[0].lat,
                                  r->offerings[0].lon);
    cr_assert(regio_rpp_qualified(r, 0, 0) && regio_rpp_within(r, 0, km));
    r->learners[0].max_km = km - 1e-5;
    cr_assert(regio_rpp_qualified(r, 0, 0));
    cr_assert_not(regio_rpp_within(r, 0, km));
    cr_assert_not(regio_rpp_eligible(r, 0, 0));
    r->learners[0].max_km = km;
    r->learners[0].age = 15;
    cr_assert(regio_rpp_within(r, 0, km));
    cr_assert_not(regio_rpp_qualified(r, 0, 0));
    cr_assert_not(regio_rpp_eligible(r, 0, 0));
    regio_rpp_destroy(&r);
}

Test(rpp, clone_is_deep_and_equal)
{
    regio_rpp_t *r = s_base();
    regio_rpp_t *c = regio_rpp_clone(r);
    cr_assert_not_null(c);
    cr_assert_str_eq(c->name, "unit");
    cr_assert_eq(c->n_learners, 1);
    cr_assert_neq(c->learners[0].id, r->learners[0].id);
    cr_assert_str_eq(c->learners[0].id, "l1");
    cr_assert_eq(regio_strtab_find(c->offering_ids, "o1"), 0);
    cr_assert_eq(c->learners[0].needs[1].goal, r->learners[0].needs[1].goal);
    cr_assert_str_eq(c->partners[0].name, "Warehouse");
    c->offerings[0].cap[0] = 7;
    cr_assert_eq(regio_rpp_cap(r, 0, 0, 0), 2);
    cr_assert_eq(regio_rpp_cap(c, 0, 0, 0), 7);
    regio_rpp_learner_in_t l = s_learner("l2");
    cr_assert_eq(regio_rpp_add_learner(c, &l, NULL, 0), 0, "a clone can grow");
    cr_assert_eq(r->n_learners, 1);
    regio_rpp_destroy(&c);
    regio_rpp_destroy(&r);
}

Test(rpp, solutions_grow_copy_and_sort)
{
    regio_rpp_sol_t s, t;
    regio_rpp_sol_init(&s);
    regio_rpp_sol_init(&t);
    for (int i = 0; i < 100; i++)
        cr_assert_eq(regio_rpp_sol_add(&s, (i * 37) % 10, (int16_t)(i % 3), i, 0x3), 0);
    cr_assert_eq(regio_rpp_sol_copy(&t, &s), 0);
    cr_assert_eq(t.n, 100);
    regio_rpp_sol_sort(&t);
    for (int i = 1; i < t.n; i++) {
        const regio_rpp_placement_t *a = &t.v[i - 1], *b = &t.v[i];
        cr_assert(a->learner < b->learner || (a->learner == b->learner && a->period <= b->period));
    }
    cr_assert_eq(s.v[1].learner, 7, "the copy is sorted, not the source");
    regio_rpp_sol_free(&s);
    cr_assert_eq(s.n, 0);
    cr_assert_eq(regio_rpp_sol_copy(&t, &s), 0);
    cr_assert_eq(t.n, 0);
    regio_rpp_sol_free(&t);
}

static regio_rpp_change_t s_change(int32_t *off, int16_t *per, int32_t *seats, int n)
{
    return (regio_rpp_change_t){.cap_offering = off, .cap_period = per, .cap_seats = seats,
                                .n_cap = n};
}

Test(rpp, change_replaces_a_capacity_row)
{
    regio_rpp_t *r = s_base();
    int32_t off[1] = {0}, seats[10] = {0, 0, 3, 3, 3, 3, 0, 0, 0, 0};
    int16_t per[1] = {1};
    regio_rpp_change_t c = s_change(off, per, seats, 1);
    cr_assert_eq(regio_rpp_change_apply(r, &c, NULL, 0), 0);
    cr_assert_eq(regio_rpp_cap(r, 0, 1, 0), 0);
    cr_assert_eq(regio_rpp_cap(r, 0, 1, 2), 3);
    cr_assert_eq(regio_rpp_cap(r, 0, 0, 0), 2, "other periods keep their seats");
    regio_rpp_destroy(&r);
}

Test(rpp, withdrawn_offering_keeps_only_pinned_seats)
{
    regio_rpp_t *r = s_base();
    int32_t withdrawn[1] = {0};
    regio_rpp_change_t c = {.pinned = 1, .withdrawn = withdrawn, .n_withdrawn = 1};
    cr_assert_eq(regio_rpp_change_apply(r, &c, NULL, 0), 0);
    cr_assert_eq(regio_rpp_cap(r, 0, 0, 0), 2);
    for (int t = 0; t < REGIO_RPP_SLOTS; t++)
        cr_assert_eq(regio_rpp_cap(r, 0, 1, t), 0);
    regio_rpp_destroy(&r);
}

Test(rpp, change_of_a_pinned_period_is_rejected_untouched)
{
    regio_rpp_t *r = s_base();
    int32_t before[20], off[2] = {0, 0}, seats[20] = {5, 5, 5};
    int16_t per[2] = {1, 0};
    int32_t withdrawn[1] = {0};
    memcpy(before, r->offerings[0].cap, sizeof before);
    regio_rpp_change_t c = s_change(off, per, seats, 2);
    c.pinned = 1;
    c.withdrawn = withdrawn;
    c.n_withdrawn = 1;
    char err[160];
    cr_assert_eq(regio_rpp_change_apply(r, &c, err, sizeof err), REGIO_EINVALID);
    cr_assert(strstr(err, "pinned"), "%s", err);
    cr_assert(memcmp(before, r->offerings[0].cap, sizeof before) == 0);
    off[1] = 9; /* unknown offering */
    per[1] = 1;
    cr_assert_eq(regio_rpp_change_apply(r, &c, err, sizeof err), REGIO_ENOTFOUND);
    cr_assert(memcmp(before, r->offerings[0].cap, sizeof before) == 0);
    regio_rpp_destroy(&r);
}

Test(rpp, change_free_releases_and_zeroes)
{
    regio_rpp_change_t c = {.cap_offering = calloc(2, 4), .cap_period = calloc(2, 2),
                            .cap_seats = calloc(20, 4), .n_cap = 2, .withdrawn = calloc(1, 4),
                            .n_withdrawn = 1, .pinned = 3};
    regio_rpp_change_free(&c);
    cr_assert_null(c.cap_offering);
    cr_assert_eq(c.n_cap, 0);
    cr_assert_eq(c.pinned, 0u);
}
