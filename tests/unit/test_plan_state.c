/* test_plan_state - the planner's plan by ids: put/get, diffs, rpp round trips.
 *
 * plan_state is internal to the planner service (services/planner/), which
 * is an executable, not a library; so this test compiles the module's source
 * directly (unity include below). Its header is found next to it.
 */
#include "../../services/planner/plan_state.c"

#include <criterion/criterion.h>
#include <string.h>

#include "regio/error.h"
#include "regio/rpp.h"

static Regio__PlacementChange s_entry(const char *learner, const char *period,
                                      const char *offering, const char *partner,
                                      uint32_t *slots, size_t n)
{
    Regio__PlacementChange e = REGIO__PLACEMENT_CHANGE__INIT;
    e.learner = (char *)learner;
    e.school = "s1";
    e.period = (char *)period;
    e.offering = (char *)offering;
    e.partner = (char *)partner;
    e.slots = slots;
    e.n_slots = n;
    return e;
}

static void s_put(regio_plan_state_t *p, const char *learner, const char *period,
                  const char *offering, const char *partner, uint32_t *slots, size_t n)
{
    Regio__PlacementChange e = s_entry(learner, period, offering, partner, slots, n);
    cr_assert_eq(regio_plan_state_put(p, &e), 0);
}

Test(plan_state, put_then_get_returns_a_deep_copy)
{
    regio_plan_state_t p;
    cr_assert_eq(regio_plan_state_init(&p), 0);
    char offering[] = "o1";
    uint32_t slots[] = {0, 1};
    Regio__PlacementChange e = s_entry("l1", "P1", offering, "p1", slots, 2);
    cr_assert_eq(regio_plan_state_put(&p, &e), 0);
    offering[0] = 'X';
    slots[0] = 7;
    const Regio__PlacementChange *g = regio_plan_state_get(&p, "l1", "P1");
    cr_assert_not_null(g);
    cr_assert_neq(g, &e);
    cr_assert_str_eq(g->offering, "o1");
    cr_assert_str_eq(g->partner, "p1");
    cr_assert_str_eq(g->school, "s1");
    cr_assert_eq(g->n_slots, 2);
    cr_assert_eq(g->slots[0], 0);
    cr_assert_null(regio_plan_state_get(&p, "l1", "P2"));
    cr_assert_null(regio_plan_state_get(&p, "l2", "P1"));
    regio_plan_state_free(&p);
}

Test(plan_state, put_replaces_the_entry_of_the_same_learner_and_period)
{
    regio_plan_state_t p;
    regio_plan_state_init(&p);
    uint32_t a[] = {0}, b[] = {5, 6};
    s_put(&p, "l1", "P1", "o1", "p1", a, 1);
    s_put(&p, "l1", "P2", "o3", "p1", a, 1);
    s_put(&p, "l1", "P1", "o2", "p2", b, 2);
    const Regio__PlacementChange *g = regio_plan_state_get(&p, "l1", "P1");
    cr_assert_str_eq(g->offering, "o2");
    cr_assert_eq(g->n_slots, 2);
    cr_assert_str_eq(regio_plan_state_get(&p, "l1", "P2")->offering, "o3");
    int live = 0;
    for (size_t i = 0; i < p.n; i++)
        live += p.v[i] != NULL;
    cr_assert_eq(live, 2);
    cr_assert_eq(p.live, 2, "replacing an entry does not add a placement");
    regio_plan_state_free(&p);
}

Test(plan_state, keys_do_not_mix_learner_and_period)
{
    regio_plan_state_t p;
    regio_plan_state_init(&p);
    uint32_t a[] = {0};
    s_put(&p, "ab", "c", "o1", "p1", a, 1);
    s_put(&p, "a", "bc", "o2", "p1", a, 1);
    cr_assert_str_eq(regio_plan_state_get(&p, "ab", "c")->offering, "o1");
    cr_assert_str_eq(regio_plan_state_get(&p, "a", "bc")->offering, "o2");
    regio_plan_state_free(&p);
}

Test(plan_state, many_entries_grow_past_the_first_allocation)
{
    regio_plan_state_t p;
    regio_plan_state_init(&p);
    uint32_t a[] = {3};
    char id[32];
    for (int i = 0; i < 3000; i++) {
        snprintf(id, sizeof id, "l%d", i);
        s_put(&p, id, "P1", "o1", "p1", a, 1);
    }
    for (int i = 0; i < 3000; i++) {
        snprintf(id, sizeof id, "l%d", i);
        const Regio__PlacementChange *g = regio_plan_state_get(&p, id, "P1");
        cr_assert_not_null(g, "%s lost", id);
        cr_assert_str_eq(g->learner, id);
    }
    regio_plan_state_free(&p);
    regio_plan_state_free(&p); /* twice is harmless */
}

Test(plan_state, slots_lists_the_bits_of_a_mask_in_order)
{
    uint32_t out[10];
    cr_assert_eq(regio_plan_state_slots(0, out), 0);
    cr_assert_eq(regio_plan_state_slots(0x201, out), 2);
    cr_assert_eq(out[0], 0);
    cr_assert_eq(out[1], 9);
    cr_assert_eq(regio_plan_state_slots(0xffff, out), 10, "bits above slot 9 are not slots");
    for (uint32_t t = 0; t < 10; t++)
        cr_assert_eq(out[t], t);
}

/* reason_of for the diff tests: counts calls, names the old offering. */
typedef struct {
    int calls_new, calls_old;
    char buf[64];
} why_t;

static const char *s_why(const Regio__PlacementChange *old, void *arg)
{
    why_t *w = arg;
    if (!old) {
        w->calls_new++;
        return "plan";
    }
    w->calls_old++;
    snprintf(w->buf, sizeof w->buf, "capacity changed at %s", old->offering);
    return w->buf; /* reused: the diff must copy it */
}

static const Regio__PlacementChange *s_change_of(const regio_plan_state_diff_t *d,
                                                 const char *learner, const char *period)
{
    const Regio__PlacementChange *found = NULL;
    for (size_t i = 0; i < d->n; i++)
        if (!strcmp(d->v[i]->learner, learner) && !strcmp(d->v[i]->period, period)) {
            cr_assert_null(found, "two changes for %s/%s", learner, period);
            found = d->v[i];
        }
    return found;
}

Test(plan_state, diff_yields_created_moved_and_cancelled_with_reasons)
{
    regio_plan_state_t old, np;
    regio_plan_state_init(&old);
    regio_plan_state_init(&np);
    uint32_t s01[] = {0, 1}, s10[] = {1, 0}, s2[] = {2}, s4[] = {4}, s5[] = {5};
    s_put(&old, "l1", "P1", "o1", "p1", s01, 2); /* unchanged (slots listed in another order) */
    s_put(&old, "l2", "P1", "o2", "p2", s2, 1);  /* moved to another offering */
    s_put(&old, "l3", "P1", "o3", "p3", s4, 1);  /* moved to other slots */
    s_put(&old, "l4", "P2", "o1", "p1", s2, 1);  /* cancelled */
    s_put(&np, "l1", "P1", "o1", "p1", s10, 2);
    s_put(&np, "l2", "P1", "o5", "p5", s2, 1);
    s_put(&np, "l3", "P1", "o3", "p3", s5, 1);
    s_put(&np, "l5", "P1", "o1", "p1", s4, 1); /* created */

    why_t why = {0};
    regio_plan_state_diff_t d = {0};
    cr_assert_eq(regio_plan_state_diff(&old, &np, 9, s_why, &why, &d), 0);
    cr_assert_eq(d.n, 4, "%zu changes", d.n);
    cr_assert_null(s_change_of(&d, "l1", "P1"), "unchanged entry reported");

    const Regio__PlacementChange *c = s_change_of(&d, "l5", "P1");
    cr_assert_not_null(c);
    cr_assert_eq(c->kind, REGIO__CHANGE_KIND__CHANGE_CREATED);
    cr_assert_str_eq(c->offering, "o1");
    cr_assert_str_eq(c->partner, "p1");
    cr_assert_str_eq(c->school, "s1");
    cr_assert_str_eq(c->old_offering, "");
    cr_assert_str_eq(c->reason, "plan");
    cr_assert_eq(c->plan_version, 9);
    cr_assert_eq(c->n_slots, 1);
    cr_assert_eq(c->slots[0], 4);

    c = s_change_of(&d, "l2", "P1");
    cr_assert_not_null(c);
    cr_assert_eq(c->kind, REGIO__CHANGE_KIND__CHANGE_MOVED);
    cr_assert_str_eq(c->offering, "o5");
    cr_assert_str_eq(c->partner, "p5");
    cr_assert_str_eq(c->old_offering, "o2");
    cr_assert_str_eq(c->old_partner, "p2");
    cr_assert_str_eq(c->reason, "capacity changed at o2");
    cr_assert_eq(c->plan_version, 9);

    c = s_change_of(&d, "l3", "P1");
    cr_assert_not_null(c);
    cr_assert_eq(c->kind, REGIO__CHANGE_KIND__CHANGE_MOVED);
    cr_assert_str_eq(c->offering, "o3");
    cr_assert_str_eq(c->old_offering, "o3");
    cr_assert_eq(c->n_slots, 1);
    cr_assert_eq(c->slots[0], 5);

    c = s_change_of(&d, "l4", "P2");
    cr_assert_not_null(c);
    cr_assert_eq(c->kind, REGIO__CHANGE_KIND__CHANGE_CANCELLED);
    cr_assert_str_eq(c->offering, "");
    cr_assert_str_eq(c->partner, "");
    cr_assert_eq(c->n_slots, 0);
    cr_assert_str_eq(c->old_offering, "o1");
    cr_assert_str_eq(c->old_partner, "p1");
    cr_assert_str_eq(c->school, "s1", "cancelled change must still name the school");
    cr_assert_str_eq(c->reason, "capacity changed at o1");
    cr_assert_eq(c->plan_version, 9);

    cr_assert_eq(why.calls_new, 1);
    cr_assert_eq(why.calls_old, 3);
    /* the plans themselves are untouched */
    cr_assert_str_eq(regio_plan_state_get(&old, "l4", "P2")->offering, "o1");
    cr_assert_eq(regio_plan_state_get(&old, "l4", "P2")->kind, REGIO__CHANGE_KIND__CHANGE_CREATED);
    regio_plan_state_diff_free(&d);
    cr_assert_eq(d.n, 0);
    cr_assert_null(d.v);
    regio_plan_state_free(&old);
    regio_plan_state_free(&np);
}

Test(plan_state, diff_of_a_plan_with_itself_is_empty)
{
    regio_plan_state_t p;
    regio_plan_state_init(&p);
    uint32_t s[] = {1, 3};
    s_put(&p, "l1", "P1", "o1", "p1", s, 2);
    s_put(&p, "l2", "P2", "o2", "p2", s, 1);
    why_t why = {0};
    regio_plan_state_diff_t d = {0};
    cr_assert_eq(regio_plan_state_diff(&p, &p, 2, s_why, &why, &d), 0);
    cr_assert_eq(d.n, 0);
    cr_assert_eq(why.calls_new + why.calls_old, 0);
    regio_plan_state_diff_free(&d);
    regio_plan_state_free(&p);
}

Test(plan_state, diff_from_an_empty_plan_creates_everything)
{
    regio_plan_state_t old, np;
    regio_plan_state_init(&old);
    regio_plan_state_init(&np);
    uint32_t s[] = {0};
    char id[16];
    for (int i = 0; i < 300; i++) { /* past the diff's first allocation */
        snprintf(id, sizeof id, "l%d", i);
        s_put(&np, id, "P1", "o1", "p1", s, 1);
    }
    why_t why = {0};
    regio_plan_state_diff_t d = {0};
    cr_assert_eq(regio_plan_state_diff(&old, &np, 1, s_why, &why, &d), 0);
    cr_assert_eq(d.n, 300);
    for (size_t i = 0; i < d.n; i++)
        cr_assert_eq(d.v[i]->kind, REGIO__CHANGE_KIND__CHANGE_CREATED);
    regio_plan_state_diff_free(&d);
    /* and back to empty cancels everything */
    cr_assert_eq(regio_plan_state_diff(&np, &old, 2, s_why, &why, &d), 0);
    cr_assert_eq(d.n, 300);
    for (size_t i = 0; i < d.n; i++)
        cr_assert_eq(d.v[i]->kind, REGIO__CHANGE_KIND__CHANGE_CANCELLED);
    regio_plan_state_diff_free(&d);
    regio_plan_state_free(&old);
    regio_plan_state_free(&np);
}

/* A small instance: 2 periods, 2 partners, 3 offerings, 3 learners. */
static regio_rpp_t *s_instance(void)
{
    char err[256];
    regio_rpp_t *r = regio_rpp_new("t");
    cr_assert_not_null(r);
    cr_assert_eq(regio_rpp_add_period(r, "P1", 10, err, sizeof err), 0, "%s", err);
    cr_assert_eq(regio_rpp_add_period(r, "P2", 10, err, sizeof err), 0, "%s", err);
    cr_assert_eq(regio_rpp_add_partner(r, "p1", "Bakker", "business", 51.6, 4.8, err, sizeof err),
                 0, "%s", err);
    cr_assert_eq(regio_rpp_add_partner(r, "p2", "Gemeente", "government", 51.7, 4.9, err,
                                       sizeof err),
                 0, "%s", err);
    static const char *goals[] = {"G1"};
    static int32_t cap[2 * REGIO_RPP_SLOTS];
    for (int i = 0; i < 2 * REGIO_RPP_SLOTS; i++)
        cap[i] = 3;
    const char *offs[][2] = {{"o1", "p1"}, {"o2", "p2"}, {"o3", "p1"}};
    for (int i = 0; i < 3; i++) {
        regio_rpp_offering_in_t o = {.id = offs[i][0], .partner = offs[i][1], .form = "stage",
                                     .lat = 51.65, .lon = 4.85, .goals = goals, .n_goals = 1,
                                     .cap = cap};
        cr_assert_eq(regio_rpp_add_offering(r, &o, err, sizeof err), 0, "%s", err);
    }
    static const uint16_t free_[2] = {0x3ff, 0x3ff};
    static const int amounts[] = {20};
    const char *ls[][2] = {{"l1", "s1"}, {"l2", "s2"}, {"l3", "s1"}};
    for (int i = 0; i < 3; i++) {
        regio_rpp_learner_in_t l = {.id = ls[i][0], .school = ls[i][1], .qual = "Q1",
                                    .age = 17, .lat = 51.6, .lon = 4.8, .max_km = 50,
                                    .dagdelen = 2, .planned = 3, .free = free_,
                                    .need_goals = goals, .need_amounts = amounts, .n_needs = 1};
        cr_assert_eq(regio_rpp_add_learner(r, &l, err, sizeof err), 0, "%s", err);
    }
    return r;
}

static int s_cmp_pl(const regio_rpp_placement_t *a, const regio_rpp_placement_t *b)
{
    return a->learner == b->learner && a->period == b->period && a->offering == b->offering &&
           a->slots == b->slots;
}

Test(plan_state, from_sol_names_ids_school_and_partner)
{
    regio_rpp_t *r = s_instance();
    regio_rpp_sol_t sol;
    regio_rpp_sol_init(&sol);
    int32_t l2 = regio_strtab_find(r->learner_ids, "l2");
    int16_t p2 = (int16_t)regio_strtab_find(r->period_ids, "P2");
    int32_t o2 = regio_strtab_find(r->offering_ids, "o2");
    cr_assert_eq(regio_rpp_sol_add(&sol, l2, p2, o2, 0x030), 0);
    regio_plan_state_t p;
    regio_plan_state_init(&p);
    cr_assert_eq(regio_plan_state_from_sol(&p, r, &sol), 0);
    const Regio__PlacementChange *g = regio_plan_state_get(&p, "l2", "P2");
    cr_assert_not_null(g);
    cr_assert_str_eq(g->school, "s2");
    cr_assert_str_eq(g->offering, "o2");
    cr_assert_str_eq(g->partner, "p2");
    cr_assert_eq(g->n_slots, 2);
    cr_assert_eq(g->slots[0], 4);
    cr_assert_eq(g->slots[1], 5);
    regio_plan_state_free(&p);
    regio_rpp_sol_free(&sol);
    regio_rpp_destroy(&r);
}

Test(plan_state, to_sol_and_from_sol_round_trip)
{
    regio_rpp_t *r = s_instance();
    regio_rpp_sol_t sol, back;
    regio_rpp_sol_init(&sol);
    regio_rpp_sol_init(&back);
    cr_assert_eq(regio_rpp_sol_add(&sol, 0, 0, 0, 0x003), 0);
    cr_assert_eq(regio_rpp_sol_add(&sol, 0, 1, 2, 0x300), 0);
    cr_assert_eq(regio_rpp_sol_add(&sol, 1, 1, 1, 0x00c), 0);
    cr_assert_eq(regio_rpp_sol_add(&sol, 2, 0, 1, 0x201), 0);
    regio_plan_state_t p;
    regio_plan_state_init(&p);
    cr_assert_eq(regio_plan_state_from_sol(&p, r, &sol), 0);
    cr_assert_eq(regio_plan_state_to_sol(&p, r, &back), 0);
    regio_rpp_sol_sort(&sol);
    regio_rpp_sol_sort(&back);
    cr_assert_eq(back.n, sol.n);
    for (int32_t i = 0; i < sol.n; i++)
        cr_assert(s_cmp_pl(&sol.v[i], &back.v[i]), "placement %d differs", i);
    regio_plan_state_free(&p);
    regio_rpp_sol_free(&sol);
    regio_rpp_sol_free(&back);
    regio_rpp_destroy(&r);
}

Test(plan_state, to_sol_leaves_out_what_the_instance_lacks)
{
    regio_rpp_t *r = s_instance();
    regio_plan_state_t p;
    regio_plan_state_init(&p);
    uint32_t s[] = {0, 1};
    s_put(&p, "l1", "P1", "o1", "p1", s, 2);       /* kept */
    s_put(&p, "gone", "P1", "o1", "p1", s, 2);     /* learner withdrawn */
    s_put(&p, "l2", "P9", "o1", "p1", s, 2);       /* period gone */
    s_put(&p, "l3", "P1", "o-old", "p1", s, 2);    /* offering gone */
    regio_rpp_sol_t sol;
    regio_rpp_sol_init(&sol);
    cr_assert_eq(regio_plan_state_to_sol(&p, r, &sol), 0);
    cr_assert_eq(sol.n, 1);
    cr_assert_eq(sol.v[0].learner, regio_strtab_find(r->learner_ids, "l1"));
    cr_assert_eq(sol.v[0].offering, regio_strtab_find(r->offering_ids, "o1"));
    cr_assert_eq(sol.v[0].period, 0);
    cr_assert_eq(sol.v[0].slots, 0x3);
    regio_rpp_sol_free(&sol);
    regio_plan_state_free(&p);
    regio_rpp_destroy(&r);
}

/* Whether two diffs hold the same changes in the same order. */
static void s_assert_same_diff(const regio_plan_state_diff_t *a, const regio_plan_state_diff_t *b)
{
    cr_assert_eq(a->n, b->n, "%zu vs %zu changes", a->n, b->n);
    for (size_t i = 0; i < a->n; i++) {
        const Regio__PlacementChange *x = a->v[i], *y = b->v[i];
        cr_assert_eq(x->kind, y->kind, "change %zu", i);
        cr_assert_str_eq(x->learner, y->learner);
        cr_assert_str_eq(x->period, y->period);
        cr_assert_str_eq(x->school, y->school);
        cr_assert_str_eq(x->offering, y->offering);
        cr_assert_str_eq(x->partner, y->partner);
        cr_assert_str_eq(x->old_offering, y->old_offering);
        cr_assert_str_eq(x->old_partner, y->old_partner);
        cr_assert_str_eq(x->reason, y->reason);
        cr_assert_eq(x->plan_version, y->plan_version);
        cr_assert_eq(s_mask(x), s_mask(y));
    }
}

/* An old plan (by ids) that the new solution changes in every way. */
static void s_old_plan(regio_plan_state_t *old)
{
    uint32_t s01[] = {0, 1}, s89[] = {8, 9}, s45[] = {4, 5};
    regio_plan_state_init(old);
    s_put(old, "l1", "P1", "o1", "p1", s01, 2);   /* unchanged */
    s_put(old, "l1", "P2", "o3", "p1", s89, 2);   /* moved to other slots */
    s_put(old, "l2", "P2", "o1", "p1", s45, 2);   /* moved to another offering */
    s_put(old, "l3", "P1", "o2", "p2", s01, 2);   /* cancelled */
    s_put(old, "gone", "P1", "o2", "p2", s01, 2); /* learner no longer in the instance */
    s_put(old, "l3", "P7", "o2", "p2", s01, 2);   /* period no longer in the instance */
}

static regio_rpp_sol_t s_new_sol(const regio_rpp_t *r)
{
    regio_rpp_sol_t sol;
    regio_rpp_sol_init(&sol);
    int32_t l1 = regio_strtab_find(r->learner_ids, "l1"), l2 = regio_strtab_find(r->learner_ids, "l2");
    int16_t p1 = (int16_t)regio_strtab_find(r->period_ids, "P1");
    int16_t p2 = (int16_t)regio_strtab_find(r->period_ids, "P2");
    int32_t o1 = regio_strtab_find(r->offering_ids, "o1"), o2 = regio_strtab_find(r->offering_ids, "o2");
    int32_t o3 = regio_strtab_find(r->offering_ids, "o3");
    cr_assert_eq(regio_rpp_sol_add(&sol, l1, p1, o1, 0x003), 0);
    cr_assert_eq(regio_rpp_sol_add(&sol, l1, p2, o3, 0x00c), 0);
    cr_assert_eq(regio_rpp_sol_add(&sol, l2, p2, o2, 0x030), 0);
    cr_assert_eq(regio_rpp_sol_add(&sol, l2, p1, o1, 0x300), 0); /* created */
    return sol;
}

Test(plan_state, diff_sol_equals_from_sol_then_diff)
{
    regio_rpp_t *r = s_instance();
    regio_plan_state_t old, np;
    s_old_plan(&old);
    regio_rpp_sol_t sol = s_new_sol(r);
    regio_plan_state_init(&np);
    cr_assert_eq(regio_plan_state_from_sol(&np, r, &sol), 0);
    why_t w1 = {0}, w2 = {0};
    regio_plan_state_diff_t a = {0}, b = {0};
    cr_assert_eq(regio_plan_state_diff(&old, &np, 7, s_why, &w1, &a), 0);
    cr_assert_eq(regio_plan_state_diff_sol(&old, r, &sol, 7, s_why, &w2, &b), 0);
    cr_assert_eq(a.n, 6, "1 created, 2 moved, 3 cancelled; got %zu", a.n);
    s_assert_same_diff(&a, &b);
    regio_plan_state_diff_free(&a);
    regio_plan_state_diff_free(&b);
    regio_plan_state_free(&np);
    regio_plan_state_free(&old);
    regio_rpp_sol_free(&sol);
    regio_rpp_destroy(&r);
}

Test(plan_state, apply_turns_the_old_plan_into_the_new_one)
{
    regio_rpp_t *r = s_instance();
    regio_plan_state_t old, np;
    s_old_plan(&old);
    regio_rpp_sol_t sol = s_new_sol(r);
    regio_plan_state_init(&np);
    cr_assert_eq(regio_plan_state_from_sol(&np, r, &sol), 0);
    why_t why = {0};
    regio_plan_state_diff_t d = {0};
    cr_assert_eq(regio_plan_state_diff_sol(&old, r, &sol, 3, s_why, &why, &d), 0);
    cr_assert_eq(regio_plan_state_apply(&old, &d), 0);
    cr_assert_eq(old.live, np.live, "%zu vs %zu placements", old.live, np.live);
    for (size_t i = 0; i < np.n; i++) {
        const Regio__PlacementChange *e = np.v[i];
        if (!e)
            continue;
        const Regio__PlacementChange *g = regio_plan_state_get(&old, e->learner, e->period);
        cr_assert_not_null(g, "%s/%s missing", e->learner, e->period);
        cr_assert(s_same(g, e), "%s/%s differs", e->learner, e->period);
        cr_assert_str_eq(g->school, e->school);
        cr_assert_str_eq(g->partner, e->partner);
        cr_assert_eq(g->kind, REGIO__CHANGE_KIND__CHANGE_CREATED, "a plan entry is not a change");
        cr_assert_str_eq(g->reason, "");
        cr_assert_str_eq(g->old_offering, "");
    }
    cr_assert_null(regio_plan_state_get(&old, "l3", "P1"));
    cr_assert_null(regio_plan_state_get(&old, "gone", "P1"));
    /* a second diff against the applied plan finds nothing left to do */
    regio_plan_state_diff_free(&d);
    cr_assert_eq(regio_plan_state_diff_sol(&old, r, &sol, 4, s_why, &why, &d), 0);
    cr_assert_eq(d.n, 0);
    regio_plan_state_diff_free(&d);
    regio_plan_state_free(&np);
    regio_plan_state_free(&old);
    regio_rpp_sol_free(&sol);
    regio_rpp_destroy(&r);
}

Test(plan_state, remove_then_put_reuses_the_slot)
{
    regio_plan_state_t p;
    regio_plan_state_init(&p);
    uint32_t s[] = {2};
    s_put(&p, "l1", "P1", "o1", "p1", s, 1);
    s_put(&p, "l2", "P1", "o1", "p1", s, 1);
    cr_assert_eq(p.live, 2);
    cr_assert_eq(regio_plan_state_remove(&p, "l1", "P1"), 0);
    cr_assert_eq(regio_plan_state_remove(&p, "l1", "P1"), REGIO_ENOTFOUND);
    cr_assert_eq(regio_plan_state_remove(&p, "nobody", "P1"), REGIO_ENOTFOUND);
    cr_assert_eq(p.live, 1);
    cr_assert_null(regio_plan_state_get(&p, "l1", "P1"));
    size_t n = p.n;
    s_put(&p, "l1", "P1", "o2", "p1", s, 1);
    cr_assert_eq(p.n, n, "the removed slot is reused");
    cr_assert_eq(p.live, 2);
    cr_assert_str_eq(regio_plan_state_get(&p, "l1", "P1")->offering, "o2");
    regio_plan_state_free(&p);
}
