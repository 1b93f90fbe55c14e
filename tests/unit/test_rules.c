/* test_rules - every rule a calendar, partner, offering and learner must meet.
 *
 * Each test starts from a message that passes and breaks one rule. Bounds
 * come from limits.h, so a test follows a bound when it moves.
 */
#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "regio/error.h"
#include "regio/limits.h"
#include "regio/rpp.h"
#include "regio/rules.h"

static Regio__Period s_p1, s_p2, *t_periods[2];
static Regio__PutCalendar s_cal;
static char s_err[256];

#define S_STR2(x) #x
#define S_STR(x) S_STR2(x) /* a limit as text, to find it in a reason */

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
    regio__period__init(&s_p1);
    s_p1.id = "P1";
    s_p1.weeks = 10;
    regio__period__init(&s_p2);
    s_p2.id = "P2";
    s_p2.weeks = 10;
    t_periods[0] = &s_p1;
    t_periods[1] = &s_p2;
    regio__put_calendar__init(&s_cal);
    s_cal.periods = t_periods;
    s_cal.n_periods = 2;
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

TestSuite(rules, .init = s_setup);

static int s_check(int known)
{
    memset(s_err, 0, sizeof s_err);
    return regio_rules_check_learner(&s_l, known ? &s_cal : NULL, s_err, sizeof s_err);
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

Test(rules, learner_valid_learner_passes)
{
    cr_assert_eq(s_check(1), 0, "%s", s_err);
    cr_assert_eq(s_check(0), 0, "%s", s_err);
}

Test(rules, learner_edge_values_pass)
{
    s_l.age = REGIO_MAX_AGE;
    s_l.max_km = REGIO_MAX_KM;
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

Test(rules, learner_age_above_the_limit_is_erange)
{
    s_l.age = REGIO_MAX_AGE + 1;
    s_rejected(REGIO_ERANGE, "age");
}

Test(rules, learner_max_km_outside_0_to_1000_is_erange)
{
    const double bad[] = {1000.5, -1, NAN, INFINITY};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        s_l.max_km = bad[i];
        s_rejected(REGIO_ERANGE, "max_km");
    }
}

Test(rules, learner_dagdelen_outside_1_to_10_is_erange)
{
    s_l.dagdelen = 0;
    s_rejected(REGIO_ERANGE, "dagdelen");
    s_l.dagdelen = 11;
    s_rejected(REGIO_ERANGE, "dagdelen");
}

Test(rules, learner_period_listed_twice_in_free_is_einvalid)
{
    s_f2.period = "P1";
    s_rejected(REGIO_EINVALID, "P1");
}

Test(rules, learner_slot_above_9_is_erange)
{
    s_slots2[1] = 10;
    s_rejected(REGIO_ERANGE, "P2");
}

Test(rules, learner_huge_slot_number_is_erange_not_a_shift_overflow)
{
    s_slots2[1] = 40;
    s_rejected(REGIO_ERANGE, NULL);
    s_slots2[1] = 0xffffffffu;
    s_rejected(REGIO_ERANGE, NULL);
}

Test(rules, learner_slot_listed_twice_is_erange)
{
    s_slots1[2] = 1; /* {0, 1, 1, 5} */
    s_rejected(REGIO_ERANGE, "P1");
}

Test(rules, learner_goal_listed_twice_is_einvalid)
{
    s_n2.goal = "G1";
    s_rejected(REGIO_EINVALID, "G1");
}

Test(rules, learner_unknown_period_is_enotfound_once_the_calendar_is_known)
{
    s_f2.period = "P9";
    s_rejected(REGIO_ENOTFOUND, "P9");
    cr_assert_eq(s_check(0), 0, "before the registry sync any period is accepted: %s", s_err);
}

Test(rules, learner_more_free_periods_than_a_calendar_has_is_erange)
{
    enum { N = REGIO_RPP_MAX_PERIODS + 1 };
    Regio__FreeSlots fs[N];
    Regio__FreeSlots *v[N];
    char ids[N][8];
    for (int i = 0; i < N; i++) {
        regio__free_slots__init(&fs[i]);
        snprintf(ids[i], sizeof ids[i], "P%d", i);
        fs[i].period = ids[i];
        v[i] = &fs[i];
    }
    s_l.free = v;
    s_l.n_free = N;
    cr_assert_eq(s_check(0), REGIO_ERANGE, "%s", s_err);
    cr_assert_not_null(strstr(s_err, "l42"), "%s", s_err);
}

Test(rules, learner_more_needs_than_the_limit_is_erange_naming_field_and_limit)
{
    enum { N = REGIO_MAX_NEEDS + 1 };
    Regio__Need n[N];
    Regio__Need *v[N];
    char goals[N][8];
    for (int i = 0; i < N; i++) {
        regio__need__init(&n[i]);
        snprintf(goals[i], sizeof goals[i], "G%d", i);
        n[i].goal = goals[i];
        n[i].dagdelen = 1;
        v[i] = &n[i];
    }
    s_l.needs = v;
    s_l.n_needs = N;
    s_rejected(REGIO_ERANGE, "needs");
    cr_assert_not_null(strstr(s_err, "at most " S_STR(REGIO_MAX_NEEDS)), "%s", s_err);
    s_l.n_needs = N - 1;
    cr_assert_eq(s_check(1), 0, "%s", s_err);
}

Test(rules, learner_need_amount_above_100000_is_erange)
{
    s_n1.dagdelen = REGIO_MAX_NEED_DAGDELEN + 1;
    s_rejected(REGIO_ERANGE, "G1");
    s_n1.dagdelen = REGIO_MAX_NEED_DAGDELEN;
    cr_assert_eq(s_check(1), 0, "%s", s_err);
}

Test(rules, learner_bad_learner_id_is_einvalid)
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

Test(rules, learner_bad_nested_ids_are_einvalid_and_name_the_field)
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

Test(rules, learner_coordinates_out_of_range_are_erange)
{
    s_l.lat = 91;
    cr_assert_eq(s_check(1), REGIO_ERANGE);
    s_l.lat = 51;
    s_l.lon = NAN;
    cr_assert_eq(s_check(1), REGIO_ERANGE);
}

Test(rules, learner_too_many_preferred_or_history_partners_is_erange)
{
    static char *many[REGIO_MAX_HISTORY + REGIO_MAX_PREFERRED + 1];
    for (size_t i = 0; i < sizeof many / sizeof many[0]; i++)
        many[i] = "p1";
    s_l.preferred_partners = many;
    s_l.n_preferred_partners = REGIO_MAX_PREFERRED + 1;
    s_rejected(REGIO_ERANGE, "preferred_partners");
    s_l.n_preferred_partners = REGIO_MAX_PREFERRED;
    cr_assert_eq(s_check(1), 0, "%s", s_err);
    s_l.history = many;
    s_l.n_history = REGIO_MAX_HISTORY + 1;
    s_rejected(REGIO_ERANGE, "history");
    s_l.n_history = REGIO_MAX_HISTORY;
    cr_assert_eq(s_check(1), 0, "%s", s_err);
}

/* Partners and offerings ---------------------------------------------------- */

static Regio__Site s_site, *t_sites[1];
static char *s_sectors[] = {"logistics"};
static Regio__Partner s_pa;
static Regio__Offering s_of;
static char *s_goals[] = {"LOG-W1"}, *s_quals[] = {"25472"};

static void s_setup_partner(void)
{
    s_setup();
    regio__site__init(&s_site);
    s_site.id = "dock-2";
    s_site.name = "Dock 2";
    s_site.lat = 51.6;
    s_site.lon = 4.8;
    t_sites[0] = &s_site;
    regio__partner__init(&s_pa);
    s_pa.id = "p1";
    s_pa.kind = REGIO__PARTNER_KIND__KIND_BUSINESS;
    s_pa.name = "Warehouse";
    s_pa.country = "NL";
    s_pa.lat = 51.6;
    s_pa.lon = 4.8;
    s_pa.sites = t_sites;
    s_pa.n_sites = 1;
    s_pa.sectors = s_sectors;
    s_pa.n_sectors = 1;
    regio__offering__init(&s_of);
    s_of.id = "o1";
    s_of.partner = "p1";
    s_of.form = "beroepsopleidend";
    s_of.lat = 51.6;
    s_of.lon = 4.8;
    s_of.goals = s_goals;
    s_of.n_goals = 1;
    s_of.qualifications = s_quals;
    s_of.n_qualifications = 1;
    s_of.min_age = 16;
    s_of.site = "dock-2";
}

TestSuite(partner_rules, .init = s_setup_partner);

/* The check fails with code, and err names the entity and `word`. */
static void s_partner_rejected(int code, const char *word)
{
    memset(s_err, 0, sizeof s_err);
    int rc = regio_rules_check_partner(&s_pa, s_err, sizeof s_err);
    cr_assert_eq(rc, code, "got %d, want %d: %s", rc, code, s_err);
    cr_assert_not_null(strstr(s_err, "partner p1"), "%s", s_err);
    cr_assert_not_null(strstr(s_err, word), "err lacks '%s': %s", word, s_err);
}

static void s_offering_rejected(const Regio__Partner *partner, int code, const char *word)
{
    memset(s_err, 0, sizeof s_err);
    int rc = regio_rules_check_offering(&s_of, partner, s_err, sizeof s_err);
    cr_assert_eq(rc, code, "got %d, want %d: %s", rc, code, s_err);
    cr_assert_not_null(strstr(s_err, "offering o1"), "%s", s_err);
    cr_assert_not_null(strstr(s_err, word), "err lacks '%s': %s", word, s_err);
}

Test(partner_rules, valid_partner_and_offering_pass)
{
    cr_assert_eq(regio_rules_check_partner(&s_pa, s_err, sizeof s_err), 0, "%s", s_err);
    cr_assert_eq(regio_rules_check_offering(&s_of, &s_pa, s_err, sizeof s_err), 0, "%s", s_err);
    s_of.site = ""; /* no site: the partner's main site */
    cr_assert_eq(regio_rules_check_offering(&s_of, &s_pa, s_err, sizeof s_err), 0, "%s", s_err);
}

Test(partner_rules, a_million_sectors_is_erange_naming_the_limit)
{
    static char *many[1000000];
    for (size_t i = 0; i < sizeof many / sizeof many[0]; i++)
        many[i] = "x";
    s_pa.sectors = many;
    s_pa.n_sectors = 1000000;
    s_partner_rejected(REGIO_ERANGE, "sectors: 1000000 listed, at most " S_STR(REGIO_MAX_SECTORS));
    s_pa.n_sectors = REGIO_MAX_SECTORS;
    cr_assert_eq(regio_rules_check_partner(&s_pa, s_err, sizeof s_err), 0, "%s", s_err);
}

Test(partner_rules, more_sites_than_the_limit_is_erange)
{
    enum { N = REGIO_MAX_SITES + 1 };
    static Regio__Site sites[N], *v[N];
    static char ids[N][8];
    for (int i = 0; i < N; i++) {
        regio__site__init(&sites[i]);
        snprintf(ids[i], sizeof ids[i], "s%d", i);
        sites[i].id = ids[i];
        v[i] = &sites[i];
    }
    s_pa.sites = v;
    s_pa.n_sites = N;
    char want[64];
    snprintf(want, sizeof want, "sites: %d listed, at most %d", N, REGIO_MAX_SITES);
    s_partner_rejected(REGIO_ERANGE, want);
    s_pa.n_sites = N - 1;
    cr_assert_eq(regio_rules_check_partner(&s_pa, s_err, sizeof s_err), 0, "%s", s_err);
}

Test(partner_rules, long_name_country_and_sector_are_erange_naming_the_field)
{
    char name[REGIO_NAME_MAX + 2];
    memset(name, 'n', sizeof name - 1);
    name[sizeof name - 1] = '\0';
    s_pa.name = name;
    s_partner_rejected(REGIO_ERANGE, "name");
    s_pa.name = "Warehouse";
    s_pa.country = "NLD";
    s_partner_rejected(REGIO_ERANGE, "country");
    s_pa.country = "NL";
    name[REGIO_SECTOR_MAX + 1] = '\0';
    s_sectors[0] = name;
    s_partner_rejected(REGIO_ERANGE, "sector");
    s_sectors[0] = "logistics";
}

Test(partner_rules, site_listed_twice_or_with_a_bad_id_is_einvalid)
{
    Regio__Site *two[] = {&s_site, &s_site};
    s_pa.sites = two;
    s_pa.n_sites = 2;
    s_partner_rejected(REGIO_EINVALID, "dock-2");
    s_pa.n_sites = 1;
    s_site.id = "dock 2";
    s_partner_rejected(REGIO_EINVALID, "site");
}

Test(partner_rules, kind_outside_the_six_is_einvalid)
{
    s_pa.kind = 7;
    s_partner_rejected(REGIO_EINVALID, "kind");
}

Test(partner_rules, offering_of_an_unknown_partner_or_site_is_enotfound)
{
    s_offering_rejected(NULL, REGIO_ENOTFOUND, "p1");
    s_of.site = "dock-9";
    s_offering_rejected(&s_pa, REGIO_ENOTFOUND, "dock-9");
}

Test(partner_rules, offering_goal_and_qualification_limits_are_erange)
{
    static char *many[REGIO_MAX_GOALS + REGIO_MAX_QUALIFICATIONS + 2];
    for (size_t i = 0; i < sizeof many / sizeof many[0]; i++)
        many[i] = "G1";
    s_of.goals = many;
    s_of.n_goals = REGIO_MAX_GOALS + 1;
    s_offering_rejected(&s_pa, REGIO_ERANGE, "goals");
    s_of.n_goals = REGIO_MAX_GOALS;
    s_of.qualifications = many;
    s_of.n_qualifications = REGIO_MAX_QUALIFICATIONS + 1;
    s_offering_rejected(&s_pa, REGIO_ERANGE, "qualifications");
    s_of.n_qualifications = REGIO_MAX_QUALIFICATIONS;
    cr_assert_eq(regio_rules_check_offering(&s_of, &s_pa, s_err, sizeof s_err), 0, "%s", s_err);
}

Test(partner_rules, offering_form_and_min_age_are_bounded)
{
    char form[REGIO_FORM_MAX + 2];
    memset(form, 'f', sizeof form - 1);
    form[sizeof form - 1] = '\0';
    s_of.form = form;
    s_offering_rejected(&s_pa, REGIO_ERANGE, "form");
    s_of.form = "simulatie";
    s_of.min_age = REGIO_MAX_AGE + 1;
    s_offering_rejected(&s_pa, REGIO_ERANGE, "min_age");
}

/* Calendars ------------------------------------------------------------------ */

Test(rules, calendar_of_1_to_32_distinct_periods_passes)
{
    cr_assert_eq(regio_rules_check_calendar(&s_cal, s_err, sizeof s_err), 0, "%s", s_err);
    s_cal.n_periods = 0;
    cr_assert_eq(regio_rules_check_calendar(&s_cal, s_err, sizeof s_err), REGIO_ERANGE);
    cr_assert_not_null(strstr(s_err, "periods"), "%s", s_err);
}

Test(rules, calendar_past_the_period_limit_is_erange)
{
    enum { N = REGIO_RPP_MAX_PERIODS + 1 };
    static Regio__Period ps[N], *v[N];
    static char ids[N][8];
    for (int i = 0; i < N; i++) {
        regio__period__init(&ps[i]);
        snprintf(ids[i], sizeof ids[i], "P%d", i);
        ps[i].id = ids[i];
        ps[i].weeks = 1;
        v[i] = &ps[i];
    }
    s_cal.periods = v;
    s_cal.n_periods = N;
    cr_assert_eq(regio_rules_check_calendar(&s_cal, s_err, sizeof s_err), REGIO_ERANGE);
    cr_assert_not_null(strstr(s_err, S_STR(REGIO_RPP_MAX_PERIODS)), "%s", s_err);
    s_cal.n_periods = N - 1;
    cr_assert_eq(regio_rules_check_calendar(&s_cal, s_err, sizeof s_err), 0, "%s", s_err);
}

Test(rules, calendar_weeks_and_duplicates_are_refused)
{
    s_p2.weeks = REGIO_MAX_WEEKS + 1;
    cr_assert_eq(regio_rules_check_calendar(&s_cal, s_err, sizeof s_err), REGIO_ERANGE);
    cr_assert_not_null(strstr(s_err, "P2"), "%s", s_err);
    s_p2.weeks = 10;
    s_p2.id = "P1";
    cr_assert_eq(regio_rules_check_calendar(&s_cal, s_err, sizeof s_err), REGIO_EINVALID);
    cr_assert_not_null(strstr(s_err, "twice"), "%s", s_err);
}
