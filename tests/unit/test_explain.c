/* test_explain - reasons for needs that stay unmet. */
#include <criterion/criterion.h>
#include <string.h>

#include "explain.h"
#include "regio/rpp.h"
#include "regio/rpp_json.h"

static void s_offering(regio_rpp_t *r, const char *id, const char *goal, const char *qual,
                       int min_age, double lat, int32_t seats)
{
    const char *goals[] = {goal}, *quals[] = {qual};
    int32_t cap[REGIO_RPP_SLOTS];
    for (int t = 0; t < REGIO_RPP_SLOTS; t++)
        cap[t] = t < 4 ? seats : 0; /* Monday and Tuesday */
    regio_rpp_offering_in_t in = {.id = id, .partner = "p1", .lat = lat, .lon = 4.8,
                                  .goals = goals, .n_goals = 1, .quals = quals,
                                  .n_quals = qual ? 1 : 0, .min_age = min_age, .cap = cap};
    cr_assert_eq(regio_rpp_add_offering(r, &in, NULL, 0), 0);
}

static void s_learner(regio_rpp_t *r, const char *id, const char *goal, int age, uint16_t free)
{
    const char *goals[] = {goal};
    static const int amounts[] = {40};
    uint16_t f[1] = {free};
    regio_rpp_learner_in_t in = {.id = id, .school = "s", .qual = "Q1", .age = age, .lat = 51.6,
                                 .lon = 4.8, .max_km = 10, .dagdelen = 4, .planned = free ? 1 : 0,
                                 .free = f, .need_goals = goals, .need_amounts = amounts,
                                 .n_needs = 1};
    cr_assert_eq(regio_rpp_add_learner(r, &in, NULL, 0), 0);
}

static regio_explain_reason_t s_reason_of(const regio_explain_t *v, int32_t n, int32_t l)
{
    for (int32_t i = 0; i < n; i++)
        if (v[i].learner == l)
            return v[i].reason;
    return REGIO_EXPLAIN_COUNT;
}

Test(explain, each_reason_is_found)
{
    regio_rpp_t *r = regio_rpp_new("why");
    cr_assert_eq(regio_rpp_add_period(r, "P1", 10, NULL, 0), 0);
    cr_assert_eq(regio_rpp_add_partner(r, "p1", "A", "business", 51.6, 4.8, NULL, 0), 0);
    s_offering(r, "o-qual", "GQ", "Q9", 0, 51.6, 1);   /* wrong qualification */
    s_offering(r, "o-far", "GF", NULL, 0, 52.6, 1);    /* 111 km away */
    s_offering(r, "o-age", "GA", NULL, 18, 51.6, 1);   /* 18+ */
    s_offering(r, "o-none", "GN", NULL, 0, 51.6, 0);   /* no seats at all */
    s_offering(r, "o-taken", "GT", NULL, 0, 51.6, 1);  /* one seat: two learners want it */
    s_learner(r, "l-qual", "GQ", 17, 0x0f);
    s_learner(r, "l-far", "GF", 17, 0x0f);
    s_learner(r, "l-age", "GA", 17, 0x0f);
    s_learner(r, "l-none", "GN", 17, 0x0f);
    s_learner(r, "l-taken1", "GT", 17, 0x0f);
    s_learner(r, "l-taken2", "GT", 17, 0x0f);
    s_learner(r, "l-unplanned", "GT", 17, 0);
    regio_rpp_sol_t sol;
    regio_rpp_sol_init(&sol);
    cr_assert_eq(regio_rpp_sol_add(&sol, 4, 0, 4, 0x0f), 0); /* l-taken1 holds the seat */
    regio_explain_t *v;
    int32_t n;
    cr_assert_eq(regio_explain_run(r, &sol, &v, &n), 0);
    cr_assert_eq(n, 6, "every learner but l-taken1 misses its need");
    cr_assert_eq(s_reason_of(v, n, 0), REGIO_EXPLAIN_NO_QUALIFICATION);
    cr_assert_eq(s_reason_of(v, n, 1), REGIO_EXPLAIN_TOO_FAR);
    cr_assert_eq(s_reason_of(v, n, 2), REGIO_EXPLAIN_TOO_YOUNG);
    cr_assert_eq(s_reason_of(v, n, 3), REGIO_EXPLAIN_NO_SEATS);
    cr_assert_eq(s_reason_of(v, n, 5), REGIO_EXPLAIN_SEATS_TAKEN);
    cr_assert_eq(s_reason_of(v, n, 6), REGIO_EXPLAIN_NOT_PLANNED);
    for (int32_t i = 0; i < n; i++)
        if (v[i].learner == 5) {
            cr_assert_eq(v[i].competing, 1);
            cr_assert_eq(v[i].missing, 40);
        }
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    int32_t unmet;
    cr_assert_eq(regio_explain_write(r, &sol, f, &unmet), 0);
    fclose(f);
    cr_assert_eq(unmet, 6);
    cr_assert(strstr(buf, "\"reason\":\"none within max_km\""), "%s", buf);
    cr_assert(strstr(buf, "\"missing_dagdelen\":40"));
    free(buf);
    free(v);
    regio_rpp_sol_free(&sol);
    regio_rpp_destroy(&r);
}

/* rpp-2's causes: a refusal, seats held for another school, a pin on the
 * seat, a pin in the learner's only period. o-held's seats are all held
 * for school s-other; o-pin has one seat, pinned for l-pin. */
Test(explain, names_refusals_held_seats_and_pins)
{
    static const char *text =
        "{\"format\": \"rpp-2\", \"periods\": [{\"id\": \"P1\", \"weeks\": 10}],"
        " \"partners\": [{\"id\": \"p1\", \"kind\": \"business\", \"lat\": 51.6, \"lon\": 4.8}],"
        " \"offerings\": ["
        "{\"id\": \"o-dec\", \"partner\": \"p1\", \"lat\": 51.6, \"lon\": 4.8, \"goals\": [\"GD\"],"
        " \"capacity\": {\"P1\": [1,1,1,1,0,0,0,0,0,0]}},"
        " {\"id\": \"o-held\", \"partner\": \"p1\", \"lat\": 51.6, \"lon\": 4.8,"
        " \"goals\": [\"GH\"],"
        " \"capacity\": {\"P1\": [1,1,1,1,0,0,0,0,0,0]}},"
        " {\"id\": \"o-pin\", \"partner\": \"p1\", \"lat\": 51.6, \"lon\": 4.8,"
        " \"goals\": [\"GP\", \"GX\"], \"capacity\": {\"P1\": [1,1,1,1,0,0,0,0,0,0]}}],"
        " \"learners\": ["
        "{\"id\": \"l-dec\", \"school\": \"s\", \"qualification\": \"q\", \"age\": 17,"
        " \"lat\": 51.6, \"lon\": 4.8, \"max_km\": 10, \"dagdelen\": 4,"
        " \"free\": {\"P1\": [0,1,2,3]}, \"needs\": {\"GD\": 40}},"
        " {\"id\": \"l-held\", \"school\": \"s\", \"qualification\": \"q\", \"age\": 17,"
        " \"lat\": 51.6, \"lon\": 4.8, \"max_km\": 10, \"dagdelen\": 4,"
        " \"free\": {\"P1\": [0,1,2,3]}, \"needs\": {\"GH\": 40}},"
        " {\"id\": \"l-want\", \"school\": \"s\", \"qualification\": \"q\", \"age\": 17,"
        " \"lat\": 51.6, \"lon\": 4.8, \"max_km\": 10, \"dagdelen\": 4,"
        " \"free\": {\"P1\": [0,1,2,3]}, \"needs\": {\"GP\": 40}},"
        " {\"id\": \"l-pin\", \"school\": \"s\", \"qualification\": \"q\", \"age\": 17,"
        " \"lat\": 51.6, \"lon\": 4.8, \"max_km\": 10, \"dagdelen\": 4,"
        " \"free\": {\"P1\": [0,1,2,3]}, \"needs\": {\"GP\": 40, \"GD\": 40}}],"
        " \"reservations\": [{\"offering\": \"o-held\", \"period\": \"P1\","
        " \"school\": \"s-other\","
        " \"seats\": [1,1,1,1,0,0,0,0,0,0]}],"
        " \"forbidden\": [{\"learner\": \"l-dec\", \"offering\": \"o-dec\"}],"
        " \"pins\": [{\"learner\": \"l-pin\", \"period\": \"P1\", \"offering\": \"o-pin\","
        " \"slots\": [0,1,2,3]}]}";
    regio_rpp_t *r = NULL;
    char err[256] = "";
    cr_assert_eq(regio_rpp_json_parse(text, strlen(text), &r, err, sizeof err), 0, "%s", err);
    regio_rpp_sol_t sol;
    regio_rpp_sol_init(&sol);
    cr_assert_eq(regio_rpp_sol_add(&sol, 3, 0, 2, 0x0f), 0); /* the pin */
    regio_explain_t *v;
    int32_t n;
    cr_assert_eq(regio_explain_run(r, &sol, &v, &n), 0);
    cr_assert_eq(s_reason_of(v, n, 0), REGIO_EXPLAIN_DECLINED);
    cr_assert_eq(s_reason_of(v, n, 1), REGIO_EXPLAIN_HELD);
    cr_assert_eq(s_reason_of(v, n, 2), REGIO_EXPLAIN_PINNED);
    cr_assert_eq(s_reason_of(v, n, 3), REGIO_EXPLAIN_PERIODS_PINNED, "l-pin misses GD");
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    cr_assert_eq(regio_explain_write(r, &sol, f, NULL), 0);
    fclose(f);
    cr_assert(strstr(buf, "\"reason\":\"declined\""), "%s", buf);
    cr_assert(strstr(buf, "\"reason\":\"seats held for school s-other by agreement\""), "%s", buf);
    cr_assert(strstr(buf, "\"reason\":\"the slot is pinned for another learner\""), "%s", buf);
    cr_assert(strstr(buf, "pinned to a placement"), "%s", buf);
    free(buf);
    free(v);
    regio_rpp_sol_free(&sol);
    regio_rpp_destroy(&r);
}
