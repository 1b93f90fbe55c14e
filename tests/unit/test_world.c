/* test_world - the planner's mirror of registry, capacity and learners, and
 * the rpp-1 instance built from it.
 *
 * world is internal to the planner service (an executable), so this test
 * compiles world.c and world_build.c directly (unity includes below); their
 * header is found next to them.
 */
#include "../../services/planner/world.c"
#include "../../services/planner/world_build.c"

#include <criterion/criterion.h>
#include <string.h>

#include "regio/error.h"

static regio_world_t W;

static void s_setup(void)
{
    cr_assert_eq(regio_world_init(&W), 0);
}

static void s_teardown(void)
{
    regio_world_free(&W);
}

TestSuite(world, .init = s_setup, .fini = s_teardown);

/* Messages built on the stack; the world must copy what it keeps. */

static Regio__Partner s_partner(const char *id, Regio__PartnerKind kind, int on_hold)
{
    Regio__Partner p = REGIO__PARTNER__INIT;
    p.id = (char *)id;
    p.kind = kind;
    p.name = "name";
    p.lat = 51.6;
    p.lon = 5.0;
    p.on_hold = on_hold;
    return p;
}

static char *s_goals[] = {"G1", "G2"};

static Regio__Offering s_offering(const char *id, const char *partner, int withdrawn)
{
    Regio__Offering o = REGIO__OFFERING__INIT;
    o.id = (char *)id;
    o.partner = (char *)partner;
    o.form = "stage";
    o.lat = 51.65;
    o.lon = 5.05;
    o.goals = s_goals;
    o.n_goals = 2;
    o.min_age = 16;
    o.withdrawn = withdrawn;
    return o;
}

static Regio__Availability s_avail(const char *offering, const char *period, uint32_t *seats)
{
    Regio__Availability a = REGIO__AVAILABILITY__INIT;
    a.offering = (char *)offering;
    a.period = (char *)period;
    a.seats = seats;
    a.n_seats = 10;
    a.version = 1;
    return a;
}

/* Registry: P1, P2; partners pa, pb (pb on hold later); offerings o1 (pa),
 * o2 (pa, withdrawn later), o3 (pb). */
static void s_registry(void)
{
    Regio__Period p1 = REGIO__PERIOD__INIT, p2 = REGIO__PERIOD__INIT;
    p1.id = "P1";
    p1.weeks = 10;
    p2.id = "P2";
    p2.weeks = 8;
    Regio__Period *periods[] = {&p1, &p2};
    Regio__Partner pa = s_partner("pa", REGIO__PARTNER_KIND__KIND_BUSINESS, 0);
    Regio__Partner pb = s_partner("pb", REGIO__PARTNER_KIND__KIND_CIVIC, 0);
    Regio__Partner *partners[] = {&pa, &pb};
    Regio__Offering o1 = s_offering("o1", "pa", 0), o2 = s_offering("o2", "pa", 0),
                    o3 = s_offering("o3", "pb", 0);
    Regio__Offering *offerings[] = {&o1, &o2, &o3};
    Regio__RegistrySnapshot snap = REGIO__REGISTRY_SNAPSHOT__INIT;
    snap.seq = 5;
    snap.periods = periods;
    snap.n_periods = 2;
    snap.partners = partners;
    snap.n_partners = 2;
    snap.offerings = offerings;
    snap.n_offerings = 3;
    regio_envelope_t e = REGIO__ENVELOPE__INIT;
    e.body_case = REGIO__ENVELOPE__BODY_REGISTRY_SNAPSHOT;
    e.registry_snapshot = &snap;
    cr_assert_eq(regio_world_registry_snapshot(&W, &e), 0);
}

static void s_registry_change_partner(Regio__Partner *p)
{
    Regio__RegistryChange c = REGIO__REGISTRY_CHANGE__INIT;
    c.what_case = REGIO__REGISTRY_CHANGE__WHAT_PARTNER;
    c.partner = p;
    regio_envelope_t e = REGIO__ENVELOPE__INIT;
    e.body_case = REGIO__ENVELOPE__BODY_REGISTRY_CHANGE;
    e.registry_change = &c;
    cr_assert_eq(regio_world_registry_change(&W, &e), 0);
}

static void s_registry_change_offering(Regio__Offering *o)
{
    Regio__RegistryChange c = REGIO__REGISTRY_CHANGE__INIT;
    c.what_case = REGIO__REGISTRY_CHANGE__WHAT_OFFERING;
    c.offering = o;
    regio_envelope_t e = REGIO__ENVELOPE__INIT;
    e.body_case = REGIO__ENVELOPE__BODY_REGISTRY_CHANGE;
    e.registry_change = &c;
    cr_assert_eq(regio_world_registry_change(&W, &e), 0);
}

static uint32_t s_seats_a[10] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10};
static uint32_t s_seats_b[10] = {2, 2, 2, 2, 2, 2, 2, 2, 2, 2};
static uint32_t s_seats_c[10] = {0, 0, 0, 0, 7, 7, 0, 0, 0, 0};

/* Capacity: o1/P1 = a, o2/P1 = b, o3/P2 = b, o1/P2 = b (replaced below). */
static void s_capacity(void)
{
    Regio__Availability r1 = s_avail("o1", "P1", s_seats_a), r2 = s_avail("o2", "P1", s_seats_b),
                        r3 = s_avail("o3", "P2", s_seats_b), r4 = s_avail("o1", "P2", s_seats_b);
    Regio__Availability *rows[] = {&r1, &r2, &r3, &r4};
    Regio__CapacitySnapshot snap = REGIO__CAPACITY_SNAPSHOT__INIT;
    snap.rows = rows;
    snap.n_rows = 4;
    regio_envelope_t e = REGIO__ENVELOPE__INIT;
    e.body_case = REGIO__ENVELOPE__BODY_CAPACITY_SNAPSHOT;
    e.capacity_snapshot = &snap;
    cr_assert_eq(regio_world_capacity_snapshot(&W, &e), 0);
}

static void s_capacity_change(const char *offering, const char *period, uint32_t *seats,
                              const char **touched)
{
    Regio__Availability a = s_avail(offering, period, seats);
    Regio__CapacityChange c = REGIO__CAPACITY_CHANGE__INIT;
    c.what_case = REGIO__CAPACITY_CHANGE__WHAT_AVAILABILITY;
    c.availability = &a;
    regio_envelope_t e = REGIO__ENVELOPE__INIT;
    e.body_case = REGIO__ENVELOPE__BODY_CAPACITY_CHANGE;
    e.capacity_change = &c;
    cr_assert_eq(regio_world_capacity_change(&W, &e, touched), 0);
}

static uint32_t s_l_slots1[] = {0, 1, 4}, s_l_slots2[] = {2, 3}, s_l_slots9[] = {5};

static Regio__Learner s_learner(const char *id, Regio__FreeSlots **free_, size_t n_free)
{
    static Regio__Need n1 = REGIO__NEED__INIT;
    static Regio__Need *needs[] = {&n1};
    n1.goal = "G1";
    n1.dagdelen = 40;
    Regio__Learner l = REGIO__LEARNER__INIT;
    l.id = (char *)id;
    l.school = "s1";
    l.qualification = "Q1";
    l.age = 17;
    l.lat = 51.6;
    l.lon = 5.0;
    l.max_km = 30;
    l.dagdelen = 2;
    l.free = free_;
    l.n_free = n_free;
    l.needs = needs;
    l.n_needs = 1;
    return l;
}

static void s_learners(void)
{
    Regio__FreeSlots f1 = REGIO__FREE_SLOTS__INIT, f2 = REGIO__FREE_SLOTS__INIT,
                     f9 = REGIO__FREE_SLOTS__INIT;
    f1.period = "P1";
    f1.slots = s_l_slots1;
    f1.n_slots = 3;
    f2.period = "P2";
    f2.slots = s_l_slots2;
    f2.n_slots = 2;
    f9.period = "P9"; /* not in the calendar */
    f9.slots = s_l_slots9;
    f9.n_slots = 1;
    Regio__FreeSlots *fa[] = {&f1, &f9, &f2};
    Regio__FreeSlots *fb[] = {&f2};
    Regio__Learner la = s_learner("la", fa, 3), lb = s_learner("lb", fb, 1);
    cr_assert_eq(regio_world_put_learner(&W, &la), 0);
    cr_assert_eq(regio_world_put_learner(&W, &lb), 0);
}

static int32_t s_cap(const regio_rpp_t *r, const char *o, const char *p, int t)
{
    int32_t oi = regio_strtab_find(r->offering_ids, o);
    int32_t pi = regio_strtab_find(r->period_ids, p);
    cr_assert_geq(oi, 0, "offering %s missing", o);
    cr_assert_geq(pi, 0, "period %s missing", p);
    return regio_rpp_cap(r, oi, pi, t);
}

static regio_rpp_t *s_build(int *skipped)
{
    regio_rpp_weights_t ww = regio_rpp_default_weights();
    ww.km = 0.75;
    regio_rpp_t *r = NULL;
    cr_assert_eq(regio_world_build(&W, &ww, &r, skipped), 0);
    cr_assert_not_null(r);
    cr_assert_eq(r->w.km, 0.75);
    return r;
}

Test(world, empty_world_builds_an_empty_instance)
{
    int skipped = -1;
    regio_rpp_t *r = s_build(&skipped);
    cr_assert_eq(skipped, 0);
    cr_assert_eq(r->n_periods, 0);
    cr_assert_eq(r->n_offerings, 0);
    cr_assert_eq(r->n_learners, 0);
    regio_rpp_destroy(&r);
    cr_assert_eq(regio_world_has_period(&W, "P1"), 0);
}

Test(world, snapshot_fills_the_registry_part)
{
    s_registry();
    cr_assert(regio_world_has_period(&W, "P1"));
    cr_assert(regio_world_has_period(&W, "P2"));
    cr_assert_not(regio_world_has_period(&W, "P3"));
    int skipped = -1;
    regio_rpp_t *r = s_build(&skipped);
    cr_assert_eq(skipped, 0);
    cr_assert_eq(r->n_periods, 2);
    cr_assert_str_eq(r->periods[0].id, "P1");
    cr_assert_eq(r->periods[1].weeks, 8);
    cr_assert_eq(r->n_partners, 2);
    cr_assert_eq(r->partners[regio_strtab_find(r->partner_ids, "pb")].kind, REGIO_RPP_CIVIC);
    cr_assert_eq(r->n_offerings, 3);
    /* no capacity yet: no seats */
    for (int t = 0; t < 10; t++)
        cr_assert_eq(s_cap(r, "o1", "P1", t), 0);
    regio_rpp_destroy(&r);
}

Test(world, the_full_world_builds_the_expected_instance)
{
    s_registry();
    s_capacity();
    /* changes after the snapshots */
    const char *touched = NULL;
    s_capacity_change("o1", "P2", s_seats_c, &touched);
    cr_assert_str_eq(touched, "o1");
    Regio__Offering o2w = s_offering("o2", "pa", 1);
    s_registry_change_offering(&o2w);
    Regio__Partner pb_hold = s_partner("pb", REGIO__PARTNER_KIND__KIND_CIVIC, 1);
    s_registry_change_partner(&pb_hold);
    Regio__Offering o4 = s_offering("o4", "pa", 0); /* added by a change */
    s_registry_change_offering(&o4);
    s_capacity_change("o4", "P1", s_seats_b, NULL);
    s_learners();

    int skipped = -1;
    regio_rpp_t *r = s_build(&skipped);
    cr_assert_eq(skipped, 0);
    cr_assert_eq(r->n_offerings, 4);
    for (int t = 0; t < 10; t++) {
        cr_assert_eq(s_cap(r, "o1", "P1", t), (int32_t)s_seats_a[t], "o1/P1 slot %d", t);
        cr_assert_eq(s_cap(r, "o1", "P2", t), (int32_t)s_seats_c[t], "o1/P2 change not applied");
        cr_assert_eq(s_cap(r, "o2", "P1", t), 0, "withdrawn offering has seats");
        cr_assert_eq(s_cap(r, "o3", "P2", t), 0, "offering of a partner on hold has seats");
        cr_assert_eq(s_cap(r, "o4", "P1", t), 2);
        cr_assert_eq(s_cap(r, "o4", "P2", t), 0);
    }
    /* offerings keep their other fields */
    const regio_rpp_offering_t *o1 = &r->offerings[regio_strtab_find(r->offering_ids, "o1")];
    cr_assert_eq(o1->partner, regio_strtab_find(r->partner_ids, "pa"));
    cr_assert_eq(o1->n_goals, 2);
    cr_assert_eq(o1->min_age, 16);

    cr_assert_eq(r->n_learners, 2);
    int32_t la = regio_strtab_find(r->learner_ids, "la");
    cr_assert_geq(la, 0);
    const regio_rpp_learner_t *L = &r->learners[la];
    cr_assert_eq(L->planned, 0x3, "P9 must be left out, P1 and P2 kept");
    cr_assert_eq(L->free[0], 0x13);
    cr_assert_eq(L->free[1], 0x0c);
    cr_assert_eq(L->dagdelen, 2);
    cr_assert_eq(L->n_needs, 1);
    cr_assert_eq(L->needs[0].amount, 40);
    cr_assert_str_eq(regio_strtab_name(r->schools, L->school), "s1");
    int32_t lb = regio_strtab_find(r->learner_ids, "lb");
    cr_assert_eq(r->learners[lb].planned, 0x2);
    cr_assert_eq(r->learners[lb].free[0], 0);
    regio_rpp_destroy(&r);
}

Test(world, partner_back_from_hold_gets_its_seats_again)
{
    s_registry();
    s_capacity();
    Regio__Partner hold = s_partner("pb", REGIO__PARTNER_KIND__KIND_CIVIC, 1);
    s_registry_change_partner(&hold);
    regio_rpp_t *r = s_build(NULL);
    cr_assert_eq(s_cap(r, "o3", "P2", 0), 0);
    regio_rpp_destroy(&r);
    Regio__Partner back = s_partner("pb", REGIO__PARTNER_KIND__KIND_CIVIC, 0);
    s_registry_change_partner(&back);
    r = s_build(NULL);
    cr_assert_eq(s_cap(r, "o3", "P2", 0), 2);
    regio_rpp_destroy(&r);
}

Test(world, capacity_snapshot_replaces_all_earlier_rows)
{
    s_registry();
    s_capacity_change("o3", "P1", s_seats_a, NULL);
    s_capacity();
    regio_rpp_t *r = s_build(NULL);
    cr_assert_eq(s_cap(r, "o3", "P1", 9), 0, "row from before the snapshot survived");
    cr_assert_eq(s_cap(r, "o1", "P1", 9), 10);
    regio_rpp_destroy(&r);
}

Test(world, registry_snapshot_replaces_the_registry_but_keeps_learners)
{
    s_registry();
    s_learners();
    Regio__Period p3 = REGIO__PERIOD__INIT;
    p3.id = "P3";
    p3.weeks = 4;
    Regio__Period *periods[] = {&p3};
    Regio__Partner pc = s_partner("pc", REGIO__PARTNER_KIND__KIND_EDUCATION, 0);
    Regio__Partner *partners[] = {&pc};
    Regio__RegistrySnapshot snap = REGIO__REGISTRY_SNAPSHOT__INIT;
    snap.periods = periods;
    snap.n_periods = 1;
    snap.partners = partners;
    snap.n_partners = 1;
    regio_envelope_t e = REGIO__ENVELOPE__INIT;
    e.body_case = REGIO__ENVELOPE__BODY_REGISTRY_SNAPSHOT;
    e.registry_snapshot = &snap;
    cr_assert_eq(regio_world_registry_snapshot(&W, &e), 0);
    cr_assert_not(regio_world_has_period(&W, "P1"));
    cr_assert(regio_world_has_period(&W, "P3"));
    regio_rpp_t *r = s_build(NULL);
    cr_assert_eq(r->n_partners, 1);
    cr_assert_eq(r->n_offerings, 0);
    cr_assert_eq(r->n_learners, 2);
    cr_assert_eq(r->learners[0].planned, 0, "no listed period is in the new calendar");
    regio_rpp_destroy(&r);
}

Test(world, calendar_change_replaces_the_calendar)
{
    s_registry();
    Regio__Period p5 = REGIO__PERIOD__INIT;
    p5.id = "P5";
    p5.weeks = 3;
    Regio__Period *periods[] = {&p5};
    Regio__PutCalendar cal = REGIO__PUT_CALENDAR__INIT;
    cal.periods = periods;
    cal.n_periods = 1;
    Regio__RegistryChange c = REGIO__REGISTRY_CHANGE__INIT;
    c.what_case = REGIO__REGISTRY_CHANGE__WHAT_CALENDAR;
    c.calendar = &cal;
    regio_envelope_t e = REGIO__ENVELOPE__INIT;
    e.body_case = REGIO__ENVELOPE__BODY_REGISTRY_CHANGE;
    e.registry_change = &c;
    cr_assert_eq(regio_world_registry_change(&W, &e), 0);
    cr_assert(regio_world_has_period(&W, "P5"));
    cr_assert_not(regio_world_has_period(&W, "P1"));
}

Test(world, entities_the_builder_rejects_are_skipped_and_counted)
{
    s_registry();
    Regio__Partner bad_kind = s_partner("px", REGIO__PARTNER_KIND__KIND_UNSPECIFIED, 0);
    s_registry_change_partner(&bad_kind);
    Regio__Offering orphan = s_offering("o9", "nobody", 0); /* unknown partner */
    s_registry_change_offering(&orphan);
    Regio__Learner bad = s_learner("lz", NULL, 0);
    bad.dagdelen = 0; /* the rpp builder refuses it */
    cr_assert_eq(regio_world_put_learner(&W, &bad), 0);
    int skipped = 0;
    regio_rpp_t *r = s_build(&skipped);
    cr_assert_eq(skipped, 3);
    cr_assert_eq(r->n_partners, 2);
    cr_assert_eq(r->n_offerings, 3);
    cr_assert_eq(r->n_learners, 0);
    regio_rpp_destroy(&r);
}

Test(world, put_learner_copies_and_replacing_frees_the_old_copy)
{
    Regio__FreeSlots f1 = REGIO__FREE_SLOTS__INIT;
    f1.period = "P1";
    f1.slots = s_l_slots1;
    f1.n_slots = 3;
    Regio__FreeSlots *fa[] = {&f1};
    char id[] = "lr";
    Regio__Learner l = s_learner(id, fa, 1);
    cr_assert_eq(regio_world_put_learner(&W, &l), 0);
    const Regio__Learner *got = regio_world_learner(&W, "lr");
    cr_assert_not_null(got);
    cr_assert_neq(got, &l);
    cr_assert_eq(got->age, 17);
    for (int i = 0; i < 50; i++) { /* leaks here show under valgrind */
        l.age = (uint32_t)(18 + i);
        cr_assert_eq(regio_world_put_learner(&W, &l), 0);
    }
    got = regio_world_learner(&W, "lr");
    cr_assert_eq(got->age, 67);
    cr_assert_eq(got->n_free, 1);
    cr_assert_str_eq(got->free[0]->period, "P1");
    cr_assert_eq(regio_strtab_count(W.learner_ids), 1);
}

Test(world, remove_learner_then_put_again)
{
    Regio__Learner l = s_learner("lq", NULL, 0);
    cr_assert_eq(regio_world_put_learner(&W, &l), 0);
    cr_assert_eq(regio_world_remove_learner(&W, "lq"), 0);
    cr_assert_null(regio_world_learner(&W, "lq"));
    cr_assert_eq(regio_world_remove_learner(&W, "lq"), REGIO_ENOTFOUND);
    cr_assert_eq(regio_world_remove_learner(&W, "never"), REGIO_ENOTFOUND);
    regio_rpp_t *r = s_build(NULL);
    cr_assert_eq(r->n_learners, 0);
    regio_rpp_destroy(&r);
    cr_assert_eq(regio_world_put_learner(&W, &l), 0);
    cr_assert_not_null(regio_world_learner(&W, "lq"));
}

Test(world, date_exceptions_do_not_change_weekly_seats)
{
    s_registry();
    s_capacity();
    Regio__CapacityException x = REGIO__CAPACITY_EXCEPTION__INIT;
    x.offering = "o1";
    x.date = "2026-03-02";
    x.slots_closed = 3;
    Regio__CapacityChange c = REGIO__CAPACITY_CHANGE__INIT;
    c.what_case = REGIO__CAPACITY_CHANGE__WHAT_EXCEPTION;
    c.exception = &x;
    regio_envelope_t e = REGIO__ENVELOPE__INIT;
    e.body_case = REGIO__ENVELOPE__BODY_CAPACITY_CHANGE;
    e.capacity_change = &c;
    const char *touched = "x";
    cr_assert_eq(regio_world_capacity_change(&W, &e, &touched), 0);
    cr_assert_null(touched);
    regio_rpp_t *r = s_build(NULL);
    cr_assert_eq(s_cap(r, "o1", "P1", 0), 1);
    regio_rpp_destroy(&r);
}

Test(world, many_entities_grow_every_table)
{
    s_registry();
    char id[32];
    for (int i = 0; i < 600; i++) {
        snprintf(id, sizeof id, "ox%d", i);
        Regio__Offering o = s_offering(id, "pa", 0);
        s_registry_change_offering(&o);
        s_capacity_change(id, "P1", s_seats_b, NULL);
        snprintf(id, sizeof id, "lx%d", i);
        Regio__Learner l = s_learner(id, NULL, 0);
        cr_assert_eq(regio_world_put_learner(&W, &l), 0);
    }
    regio_rpp_t *r = s_build(NULL);
    cr_assert_eq(r->n_offerings, 603);
    cr_assert_eq(r->n_learners, 600);
    cr_assert_eq(s_cap(r, "ox599", "P1", 3), 2);
    regio_rpp_destroy(&r);
}
