/* test_learner_check - every rule a learner request from a school must meet.
 *
 * learner_check is internal to the planner service (an executable), so this
 * test compiles its source, and world.c for regio_world_has_period, directly
 * (unity includes below); their headers are found next to them.
 */
#include "../../services/planner/learner_check.c"
#include "../../services/planner/world.c"

#include <criterion/criterion.h>
#include <math.h>
#include <string.h>

#include "regio/error.h"

static regio_world_t s_world;
static char s_err[256];

/* A learner that passes every rule; tests break one rule each. */
static uint32_t s_slots1[] = {0, 1, 4, 5}, s_slots2[] = {2, 3};
static Regio__FreeSlots s_f1, s_f2;
static Regio__FreeSlots *t_free[2];
static Regio__Need s_n1, s_n2;
static Regio__Need *t_needs[2];
static char *s_pref[] = {"p1", "p2"};
static char *s_hist[] = {"p3"};
static Regio__Learner s_l;

static void s_setup(void)
{
    cr_assert_eq(regio_world_init(&s_world), 0);
    Regio__Period p1 = REGIO__PERIOD__INIT, p2 = REGIO__PERIOD__INIT;
    p1.id = "P1";
    p1.weeks = 10;
    p2.id = "P2";
    p2.weeks = 10;
    Regio__Period *periods[] = {&p1, &p2};
    Regio__RegistrySnapshot snap = REGIO__REGISTRY_SNAPSHOT__INIT;
    snap.periods = periods;
    snap.n_periods = 2;
    regio_envelope_t e = REGIO__ENVELOPE__INIT;
    e.body_case = REGIO__ENVELOPE__BODY_REGISTRY_SNAPSHOT;
    e.registry_snapshot = &snap;
    cr_assert_eq(regio_world_registry_snapshot(&s_world, &e), 0);

    regio__free_slots__init(&s_f1);
    s_f1.period = "P1";
    s_f1.slots = s_slots1;
    s_f1.n_slots = 4;
    regio__free_slots__init(&s_f2);
    s_f2.period = "P2";
    s_f2.slots = s_slots2;
    s_f2.n_slots = 2;
    t_free[0] = &s_f1;
    t_free[1] = &s_f2;
    regio__need__init(&s_n1);
    s_n1.goal = "G1";
    s_n1.dagdelen = 60;
    regio__need__init(&s_n2);
    s_n2.goal = "G2";
    s_n2.dagdelen = 40;
    t_needs[0] = &s_n1;
    t_needs[1] = &s_n2;
    regio__learner__init(&s_l);
    s_l.id = "l42";
    s_l.school = "school-7";
    s_l.qualification = "25180";
    s_l.age = 17;
    s_l.lat = 51.69;
    s_l.lon = 5.30;
    s_l.max_km = 25;
    s_l.dagdelen = 2;
    s_l.free = t_free;
    s_l.n_free = 2;
    s_l.needs = t_needs;
    s_l.n_needs = 2;
    s_l.preferred_partners = s_pref;
    s_l.n_preferred_partners = 2;
    s_l.history = s_hist;
    s_l.n_history = 1;
    memset(s_err, 0, sizeof s_err);
}

static void s_teardown(void)
{
    regio_world_free(&s_world);
}

TestSuite(learner_check, .init = s_setup, .fini = s_teardown);

static int s_check(int known)
{
    memset(s_err, 0, sizeof s_err);
    return regio_learner_check(&s_world, known, &s_l, s_err, sizeof s_err);
}

/* The check fails with code, and err names the learner and `word`. */
static void s_rejected(int code, const char *word)
{
    int rc = s_check(1);
    cr_assert_eq(rc, code, "got %d (%s), want %d: %s", rc, regio_strerror(rc), code, s_err);
    cr_assert_not_null(strstr(s_err, "l42"), "err does not name the learner: %s", s_err);
    if (word)
        cr_assert_not_null(strstr(s_err, word), "err lacks '%s': %s", word, s_err);
}

Test(learner_check, valid_learner_passes)
{
    cr_assert_eq(s_check(1), 0, "%s", s_err);
    cr_assert_eq(s_check(0), 0, "%s", s_err);
}

Test(learner_check, edge_values_pass)
{
    s_l.age = 120;
    s_l.max_km = 1000;
    s_l.dagdelen = 10;
    s_slots1[0] = 9;
    cr_assert_eq(s_check(1), 0, "%s", s_err);
    s_l.age = 0;
    s_l.max_km = 0;
    s_l.dagdelen = 1;
    s_l.n_free = 0;
    s_l.n_needs = 0;
    cr_assert_eq(s_check(1), 0, "%s", s_err);
}

Test(learner_check, age_above_120_is_erange)
{
    s_l.age = 121;
    s_rejected(REGIO_ERANGE, "age");
}

Test(learner_check, max_km_outside_0_to_1000_is_erange)
{
    const double bad[] = {1000.5, -1, NAN, INFINITY};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        s_l.max_km = bad[i];
        s_rejected(REGIO_ERANGE, "max_km");
    }
}

Test(learner_check, dagdelen_outside_1_to_10_is_erange)
{
    s_l.dagdelen = 0;
    s_rejected(REGIO_ERANGE, "dagdelen");
    s_l.dagdelen = 11;
    s_rejected(REGIO_ERANGE, "dagdelen");
}

Test(learner_check, period_listed_twice_in_free_is_einvalid)
{
    s_f2.period = "P1";
    s_rejected(REGIO_EINVALID, "P1");
}

Test(learner_check, slot_above_9_is_erange)
{
    s_slots2[1] = 10;
    s_rejected(REGIO_ERANGE, "P2");
}

Test(learner_check, huge_slot_number_is_erange_not_a_shift_overflow)
{
    s_slots2[1] = 40;
    s_rejected(REGIO_ERANGE, NULL);
    s_slots2[1] = 0xffffffffu;
    s_rejected(REGIO_ERANGE, NULL);
}

Test(learner_check, slot_listed_twice_is_erange)
{
    s_slots1[2] = 1; /* {0, 1, 1, 5} */
    s_rejected(REGIO_ERANGE, "P1");
}

Test(learner_check, goal_listed_twice_is_einvalid)
{
    s_n2.goal = "G1";
    s_rejected(REGIO_EINVALID, "G1");
}

Test(learner_check, unknown_period_is_enotfound_once_the_calendar_is_known)
{
    s_f2.period = "P9";
    s_rejected(REGIO_ENOTFOUND, "P9");
    cr_assert_eq(s_check(0), 0, "before the registry sync any period is accepted: %s", s_err);
}

Test(learner_check, more_than_32_free_periods_is_erange)
{
    Regio__FreeSlots fs[33];
    Regio__FreeSlots *v[33];
    char ids[33][8];
    for (int i = 0; i < 33; i++) {
        regio__free_slots__init(&fs[i]);
        snprintf(ids[i], sizeof ids[i], "P%d", i);
        fs[i].period = ids[i];
        v[i] = &fs[i];
    }
    s_l.free = v;
    s_l.n_free = 33;
    cr_assert_eq(s_check(0), REGIO_ERANGE, "%s", s_err);
    cr_assert_not_null(strstr(s_err, "l42"), "%s", s_err);
}

Test(learner_check, more_than_64_needs_is_erange)
{
    Regio__Need n[65];
    Regio__Need *v[65];
    char goals[65][8];
    for (int i = 0; i < 65; i++) {
        regio__need__init(&n[i]);
        snprintf(goals[i], sizeof goals[i], "G%d", i);
        n[i].goal = goals[i];
        n[i].dagdelen = 1;
        v[i] = &n[i];
    }
    s_l.needs = v;
    s_l.n_needs = 65;
    s_rejected(REGIO_ERANGE, NULL);
    s_l.n_needs = 64;
    cr_assert_eq(s_check(1), 0, "%s", s_err);
}

Test(learner_check, need_amount_above_100000_is_erange)
{
    s_n1.dagdelen = 100001;
    s_rejected(REGIO_ERANGE, "G1");
    s_n1.dagdelen = 100000;
    cr_assert_eq(s_check(1), 0, "%s", s_err);
}

Test(learner_check, bad_learner_id_is_einvalid)
{
    char long_id[66];
    memset(long_id, 'x', 65);
    long_id[65] = '\0'; /* 65 characters: one too many */
    const char *bad[] = {"", "a/b", "has space", long_id};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        s_l.id = (char *)bad[i];
        cr_assert_eq(s_check(1), REGIO_EINVALID, "'%s' accepted", bad[i]);
        cr_assert_not_null(strstr(s_err, "learner"), "%s", s_err);
    }
}

Test(learner_check, bad_nested_ids_are_einvalid_and_name_the_field)
{
    struct {
        char **field;
        const char *word;
    } cases[] = {
        {&s_l.school, "school"},      {&s_l.qualification, "qualification"},
        {&s_f1.period, "period"},     {&s_n1.goal, "goal"},
        {&s_pref[1], "preferred"},    {&s_hist[0], "history"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char *keep = *cases[i].field;
        *cases[i].field = "bad/id";
        int rc = s_check(0);
        *cases[i].field = keep;
        cr_assert_eq(rc, REGIO_EINVALID, "%s: got %d", cases[i].word, rc);
        cr_assert_not_null(strstr(s_err, cases[i].word), "err lacks '%s': %s", cases[i].word,
                           s_err);
    }
}

Test(learner_check, coordinates_out_of_range_are_erange)
{
    s_l.lat = 91;
    cr_assert_eq(s_check(1), REGIO_ERANGE);
    s_l.lat = 51;
    s_l.lon = NAN;
    cr_assert_eq(s_check(1), REGIO_ERANGE);
}

Test(learner_check, too_many_preferred_or_history_partners_is_erange)
{
    static char *many[257];
    for (int i = 0; i < 257; i++)
        many[i] = "p1";
    s_l.preferred_partners = many;
    s_l.n_preferred_partners = 65;
    cr_assert_eq(s_check(1), REGIO_ERANGE);
    s_l.n_preferred_partners = 64;
    cr_assert_eq(s_check(1), 0, "%s", s_err);
    s_l.history = many;
    s_l.n_history = 257;
    cr_assert_eq(s_check(1), REGIO_ERANGE);
    s_l.n_history = 256;
    cr_assert_eq(s_check(1), 0, "%s", s_err);
}
