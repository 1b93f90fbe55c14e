/* test_rpp_decisions - rpp-2's decisions in the model (dates, reservations,
 * refusals, pins): read from JSON, refused exactly when rpp_check.py
 * refuses them, scored as it scores them, written back, changed, copied. */
#include <cjson/cJSON.h>
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "regio/error.h"
#include "regio/file.h"
#include "regio/rpp.h"
#include "regio/rpp_json.h"
#include "regio/rpp_score.h"

#include "checker_fixture.h"

#define TINY2 REGIO_SHARED_DIR "/spec/examples/tiny-2.json"
#define TINY2_SOL REGIO_SHARED_DIR "/spec/examples/tiny-2.solution.json"

/* Four learners of three schools near two partners. o2 holds one seat of
 * slots 0 and 1 in P1 for school s2; l2 declined partner p1; l1 is pinned
 * at o1 in P1, on its only seats. */
static const char *s_base =
    "{\"format\": \"rpp-2\", \"name\": \"d\","
    " \"periods\": [{\"id\": \"P1\", \"weeks\": 10, \"start\": \"2027-02-01\"},"
    " {\"id\": \"P2\", \"weeks\": 10, \"start\": \"2027-04-12\"}],"
    " \"partners\": [{\"id\": \"p1\", \"kind\": \"business\", \"lat\": 51.6, \"lon\": 4.8},"
    " {\"id\": \"p2\", \"kind\": \"civic\", \"lat\": 51.6, \"lon\": 4.8}],"
    " \"offerings\": [{\"id\": \"o1\", \"partner\": \"p1\", \"lat\": 51.6, \"lon\": 4.8,"
    " \"goals\": [\"G\"], \"min_age\": 0,"
    " \"capacity\": {\"P1\": [1,1,1,1,1,1,1,1,1,1], \"P2\": [1,1,1,1,1,1,1,1,1,1]}},"
    " {\"id\": \"o2\", \"partner\": \"p2\", \"lat\": 51.6, \"lon\": 4.8, \"goals\": [\"G\"],"
    " \"capacity\": {\"P1\": [2,2,2,2,2,2,2,2,2,2]}}],"
    " \"learners\": ["
    "{\"id\": \"l1\", \"school\": \"s1\", \"qualification\": \"q\", \"age\": 17, \"lat\": 51.6,"
    " \"lon\": 4.8, \"max_km\": 10, \"dagdelen\": 2, \"free\": {\"P1\": [0,1], \"P2\": [0,1]},"
    " \"needs\": {\"G\": 40}},"
    " {\"id\": \"l2\", \"school\": \"s2\", \"qualification\": \"q\", \"age\": 17, \"lat\": 51.6,"
    " \"lon\": 4.8, \"max_km\": 10, \"dagdelen\": 2, \"free\": {\"P1\": [0,1], \"P2\": [0,1]},"
    " \"needs\": {\"G\": 40}},"
    " {\"id\": \"l3\", \"school\": \"s1\", \"qualification\": \"q\", \"age\": 17, \"lat\": 51.6,"
    " \"lon\": 4.8, \"max_km\": 10, \"dagdelen\": 2, \"free\": {\"P1\": [0,1]},"
    " \"needs\": {\"G\": 20}},"
    " {\"id\": \"l4\", \"school\": \"s3\", \"qualification\": \"q\", \"age\": 17, \"lat\": 51.6,"
    " \"lon\": 4.8, \"max_km\": 10, \"dagdelen\": 2, \"free\": {\"P1\": [0,1]},"
    " \"needs\": {\"G\": 20}}],"
    " \"reservations\": [{\"offering\": \"o2\", \"period\": \"P1\", \"school\": \"s2\","
    " \"seats\": [1,1,0,0,0,0,0,0,0,0]}],"
    " \"forbidden\": [{\"learner\": \"l2\", \"partner\": \"p1\"}],"
    " \"pins\": [{\"learner\": \"l1\", \"period\": \"P1\", \"offering\": \"o1\", \"slots\": "
    "[0,1]}]}";

static const char *s_empty_sol = "{\"format\": \"rpp-1-solution\", \"placements\": []}";

/* The checker's exit status on instance text (and an empty solution). */
static int s_checker_status(const char *text)
{
    char ipath[128], spath[128];
    int st;
    ck_put_file(ck_tmp(ipath, sizeof ipath, "dec.json"), text);
    ck_put_file(ck_tmp(spath, sizeof spath, "dec.sol.json"), s_empty_sol);
    cJSON *py = ck_checker(ipath, spath, NULL, NULL, &st);
    cJSON_Delete(py);
    unlink(ipath);
    unlink(spath);
    return st;
}

static regio_rpp_t *s_parse(const char *text, char *err, size_t len)
{
    regio_rpp_t *r = NULL;
    int rc = regio_rpp_json_parse(text, strlen(text), &r, err, len);
    cr_assert_eq(rc, 0, "%s", err);
    return r;
}

Test(rpp_decisions, reads_tiny_2_and_scores_its_solution_like_the_checker)
{
    regio_rpp_t *r = ck_load(TINY2);
    cr_assert_eq(r->n_pins, 1);
    cr_assert_eq(r->n_forbidden, 1);
    cr_assert_eq(r->n_res, 1);
    char day[11];
    regio_rpp_date_format(r->periods[1].start, day);
    cr_assert_str_eq(day, "2027-04-12");
    int32_t l2 = regio_strtab_find(r->learner_ids, "l2"),
            o2 = regio_strtab_find(r->offering_ids, "o2");
    cr_assert(regio_rpp_forbidden(r, l2, o2), "l2 declined partner p2, so offering o2");
    cr_assert_eq(r->learners[0].pins, 1u, "l1 is pinned in P1");
    regio_rpp_sol_t s;
    regio_rpp_sol_init(&s);
    char err[256] = "";
    cr_assert_eq(regio_rpp_json_load_sol(r, TINY2_SOL, &s, err, sizeof err), 0, "%s", err);
    regio_rpp_report_t rep = ck_eval(r, &s, err, sizeof err);
    int st;
    cJSON *py = ck_checker(TINY2, TINY2_SOL, NULL, NULL, &st);
    cr_assert_eq(st, 0);
    ck_like_checker(&rep, py);
    cr_assert_eq(rep.pins, 1);
    cr_assert_eq(rep.reserved_seats_used, 2, "l3 sits on the two seats held for s2");
    cJSON_Delete(py);
    regio_rpp_sol_free(&s);
    regio_rpp_destroy(&r);
}

Test(rpp_decisions, writes_rpp_2_back_and_reads_the_same_instance)
{
    char err[256], path[128], path2[128];
    regio_rpp_t *r = s_parse(s_base, err, sizeof err), *back = NULL;
    FILE *f = fopen(ck_tmp(path, sizeof path, "dec-rt.json"), "w");
    cr_assert_eq(regio_rpp_json_write(r, f), 0);
    fclose(f);
    cr_assert_eq(regio_rpp_json_load(path, &back, err, sizeof err), 0, "%s", err);
    cr_assert_eq(back->n_pins, 1);
    cr_assert_eq(back->n_forbidden, 1);
    cr_assert_eq(back->n_res, 1);
    cr_assert_eq(back->periods[0].start, r->periods[0].start);
    cr_assert_eq(memcmp(back->res[0].seats, r->res[0].seats, sizeof r->res[0].seats), 0);
    f = fopen(ck_tmp(path2, sizeof path2, "dec-rt2.json"), "w");
    cr_assert_eq(regio_rpp_json_write(back, f), 0);
    fclose(f);
    char *a, *b;
    size_t na, nb;
    cr_assert_eq(regio_file_read(path, &a, &na), 0);
    cr_assert_eq(regio_file_read(path2, &b, &nb), 0);
    cr_assert(na == nb && memcmp(a, b, na) == 0, "a second round trip changed the text");
    cr_assert_not_null(strstr(a, "\"format\": \"rpp-2\""));
    cr_assert_eq(s_checker_status(a), 1, "the checker reads what we wrote (the pin is missing)");
    free(a);
    free(b);
    unlink(path);
    unlink(path2);
    regio_rpp_destroy(&back);
    regio_rpp_destroy(&r);
}

static const ck_case_t s_bad[] = {
    {"\"2027-02-01\"", "\"2027-02-30\"", REGIO_EINVALID, "period P1: start '2027-02-30' is not"},
    {"\"2027-02-01\"", "\"2027-2-1\"", REGIO_EINVALID, "is not a YYYY-MM-DD date"},
    {"\"2027-02-01\"", "20270201", REGIO_EINVALID, "period P1: start is not a YYYY-MM-DD"},
    {"\"2027-02-01\"", "\"2027-02-02\"", REGIO_EINVALID,
     "period P1: start 2027-02-02 is not a Monday"},
    {"\"2027-04-12\"", "\"2027-04-05\"", REGIO_EINVALID, "period P2: starts before the previous"},
    {"\"2027-04-12\"", "\"2027-W53-1\"", REGIO_EINVALID, "is not a YYYY-MM-DD date"},
    {"{\"offering\": \"o2\", \"period\": \"P1\"", "{\"offering\": \"o9\", \"period\": \"P1\"",
     REGIO_ENOTFOUND, "unknown offering or period"},
    {"\"school\": \"s2\", \"seats\"", "\"seats\"", REGIO_EINVALID, "reservation 0: school missing"},
    {"[1,1,0,0,0,0,0,0,0,0]", "[1,-1,0,0,0,0,0,0,0,0]", REGIO_EINVALID,
     "seats must be 10 integers"},
    {"[1,1,0,0,0,0,0,0,0,0]", "[1,1,0,0,0,0,0,0,0]", REGIO_EINVALID, "seats must be 10 integers"},
    {"[1,1,0,0,0,0,0,0,0,0]", "[3,1,0,0,0,0,0,0,0,0]", REGIO_EINVALID,
     "reservations of offering o2 period P1 slot 0 exceed its 2 seats"},
    {"[1,1,0,0,0,0,0,0,0,0]}]",
     "[1,1,0,0,0,0,0,0,0,0]}, {\"offering\": \"o2\", \"period\": \"P1\","
     " \"school\": \"s3\", \"seats\": [0,2,0,0,0,0,0,0,0,0]}]",
     REGIO_EINVALID, "reservations of offering o2 period P1 slot 1 exceed its 2 seats"},
    {"\"period\": \"P1\", \"school\"", "\"period\": \"P2\", \"school\"", REGIO_EINVALID,
     "period P2 slot 0 exceed its 0 seats"},
    {"{\"learner\": \"l2\", \"partner\"", "{\"learner\": \"l9\", \"partner\"", REGIO_ENOTFOUND,
     "needs a known learner"},
    {"\"partner\": \"p1\"}]", "\"partner\": \"p1\", \"offering\": \"o1\"}]", REGIO_EINVALID,
     "exactly one of partner or offering"},
    {", \"partner\": \"p1\"}]", "}]", REGIO_EINVALID, "exactly one of partner or offering"},
    {"\"partner\": \"p1\"}]", "\"partner\": \"p7\"}]", REGIO_ENOTFOUND, "unknown partner 'p7'"},
    {"\"partner\": \"p1\"}]", "\"offering\": \"o7\"}]", REGIO_ENOTFOUND, "unknown offering 'o7'"},
    {"{\"learner\": \"l2\", \"partner\": \"p1\"}", "{\"learner\": \"l1\", \"offering\": \"o1\"}",
     REGIO_EINVALID, "pin 0 (l1,P1,o1): this pairing is forbidden"},
    {"\"slots\": [0,1]}", "\"slots\": [0]}", REGIO_EINVALID,
     "needs exactly 2 distinct slots, got [0]"},
    {"\"slots\": [0,1]}", "\"slots\": [0,2]}", REGIO_EINVALID, "slot outside the learner's free"},
    {"\"slots\": [0,1]}", "\"slots\": [0,10]}", REGIO_EINVALID, "pin 0: slots must be integers"},
    {"\"slots\": [0,1]}", "\"slots\": [0,0]}", REGIO_EINVALID, "pin 0: slot 0 listed twice"},
    {"\"learner\": \"l1\", \"period\": \"P1\"", "\"learner\": \"l3\", \"period\": \"P2\"",
     REGIO_EINVALID, "learner is not planned in this period"},
    {"\"offering\": \"o1\", \"slots\"", "\"offering\": \"o3\", \"slots\"", REGIO_ENOTFOUND,
     "unknown learner, offering or period"},
    {"[0,1]}]}",
     "[0,1]}, {\"learner\": \"l1\", \"period\": \"P1\", \"offering\": \"o2\","
     " \"slots\": [0,1]}]}",
     REGIO_EDUPLICATE, "pin 1 (l1,P1,o2): second placement"},
    {"[0,1]}]}",
     "[0,1]}, {\"learner\": \"l3\", \"period\": \"P1\", \"offering\": \"o1\","
     " \"slots\": [0,1]}]}",
     REGIO_EINVALID, "pin 1 (l3,P1,o1): capacity: offering o1 period P1 slot 0: 2 placed, 1 seats"},
    {"[1,1,0,0,0,0,0,0,0,0]", "[2,2,0,0,0,0,0,0,0,0]", 0, NULL}, /* holds all of o2: fine */
    {"[0,1]}]}",
     "[0,1]}, {\"learner\": \"l3\", \"period\": \"P1\", \"offering\": \"o2\","
     " \"slots\": [0,1]}, {\"learner\": \"l4\", \"period\": \"P1\", \"offering\": \"o2\","
     " \"slots\": [0,1]}]}",
     REGIO_EINVALID,
     "pin 2 (l4,P1,o2): reservations: offering o2 period P1 slot 0: 2 placed on 1 open seats"},
    {"\"min_age\": 0", "\"min_age\": 18", REGIO_EINVALID, "pin 0 (l1,P1,o1): learner too young"},
};

Test(rpp_decisions, refuses_each_invalid_instance_exactly_as_the_checker)
{
    char err[512];
    for (size_t i = 0; i < sizeof s_bad / sizeof s_bad[0]; i++) {
        char *t = ck_replace(s_base, s_bad[i].from, s_bad[i].to);
        regio_rpp_t *r = NULL;
        err[0] = '\0';
        int rc = regio_rpp_json_parse(t, strlen(t), &r, err, sizeof err);
        cr_assert_eq(rc, s_bad[i].code, "case %zu: got %d (%s)", i, rc, err);
        int st = s_checker_status(t);
        if (s_bad[i].code == 0) {
            cr_assert_neq(st, 2, "case %zu: the checker refuses what we read", i);
        } else {
            cr_assert_null(r);
            cr_assert(strstr(err, s_bad[i].says), "case %zu: '%s' does not say '%s'", i, err,
                      s_bad[i].says);
            cr_assert_null(strchr(err, '\n'), "one line");
            cr_assert_eq(st, 2, "case %zu: the checker accepts what we refuse (%s)", i, err);
        }
        regio_rpp_destroy(&r);
        free(t);
    }
}

/* What the spec's text is silent or loose about, as the checker reads it. */
static const ck_case_t s_fine[] = {
    {"\"start\": \"2027-02-01\"", "\"start\": null", 0, NULL},
    {"\"2027-02-01\"", "\"2027-W05-1\"", 0, NULL},
    {"\"2027-02-01\"", "\"20270201\"", 0, NULL},
    {"\"2027-02-01\"", "\"2027W05\"", 0, NULL},
    {"\"school\": \"s2\", \"seats\"", "\"school\": \"nobody's\", \"seats\"", 0, NULL},
    {"\"format\": \"rpp-2\"", "\"format\": \"rpp-1\"", 0, NULL},
    {", \"start\": \"2027-02-01\"", "", 0, NULL},
};

Test(rpp_decisions, accepts_what_the_checker_accepts)
{
    char err[512];
    for (size_t i = 0; i < sizeof s_fine / sizeof s_fine[0]; i++) {
        char *t = ck_replace(s_base, s_fine[i].from, s_fine[i].to);
        regio_rpp_t *r = s_parse(t, err, sizeof err);
        cr_assert_eq(r->n_pins, 1, "case %zu", i);
        cr_assert_neq(s_checker_status(t), 2, "case %zu: the checker refuses it", i);
        regio_rpp_destroy(&r);
        free(t);
    }
}

/* Solutions of s_base scored by us and by the checker. */
static const char *s_sols[] = {
    /* feasible: l2 on the seats held for s2, l3 on the open ones */
    "[{\"learner\": \"l1\", \"period\": \"P1\", \"offering\": \"o1\", \"slots\": [0,1]},"
    " {\"learner\": \"l2\", \"period\": \"P1\", \"offering\": \"o2\", \"slots\": [0,1]},"
    " {\"learner\": \"l3\", \"period\": \"P1\", \"offering\": \"o2\", \"slots\": [0,1]}]",
    /* the pin is missing */
    "[{\"learner\": \"l1\", \"period\": \"P1\", \"offering\": \"o2\", \"slots\": [0,1]}]",
    /* l2 declined p1 */
    "[{\"learner\": \"l1\", \"period\": \"P1\", \"offering\": \"o1\", \"slots\": [0,1]},"
    " {\"learner\": \"l2\", \"period\": \"P2\", \"offering\": \"o1\", \"slots\": [0,1]}]",
    /* s1 and s3 take two seats of which one is held for s2 */
    "[{\"learner\": \"l1\", \"period\": \"P1\", \"offering\": \"o1\", \"slots\": [0,1]},"
    " {\"learner\": \"l3\", \"period\": \"P1\", \"offering\": \"o2\", \"slots\": [0,1]},"
    " {\"learner\": \"l4\", \"period\": \"P1\", \"offering\": \"o2\", \"slots\": [0,1]}]",
    /* l2 overflows onto the open seat, then l3 finds none */
    "[{\"learner\": \"l1\", \"period\": \"P1\", \"offering\": \"o1\", \"slots\": [0,1]},"
    " {\"learner\": \"l2\", \"period\": \"P1\", \"offering\": \"o2\", \"slots\": [0,1]},"
    " {\"learner\": \"l3\", \"period\": \"P1\", \"offering\": \"o2\", \"slots\": [0,1]},"
    " {\"learner\": \"l4\", \"period\": \"P1\", \"offering\": \"o2\", \"slots\": [0,1]}]",
};

Test(rpp_decisions, scores_pins_refusals_and_reservations_like_the_checker)
{
    char err[512], ipath[128], spath[128], text[2048];
    regio_rpp_t *r = s_parse(s_base, err, sizeof err);
    ck_put_file(ck_tmp(ipath, sizeof ipath, "dec-score.json"), s_base);
    static const char *says[] = {"", "pin: l1 in P1 must be at o1 slots [0, 1]",
                                 "this pairing is forbidden",
                                 "reservations: offering o2 period P1 slot 0: 2 placed on 1 open",
                                 "capacity: offering o2 period P1 slot 0: 3 placed, 2 seats"};
    for (size_t i = 0; i < sizeof s_sols / sizeof s_sols[0]; i++) {
        snprintf(text, sizeof text, "{\"format\": \"rpp-1-solution\", \"placements\": %s}",
                 s_sols[i]);
        ck_put_file(ck_tmp(spath, sizeof spath, "dec-score.sol.json"), text);
        regio_rpp_sol_t s;
        regio_rpp_sol_init(&s);
        cr_assert_eq(regio_rpp_json_parse_sol(r, text, strlen(text), &s, err, sizeof err), 0);
        regio_rpp_report_t rep = ck_eval(r, &s, err, sizeof err);
        int st;
        cJSON *py = ck_checker(ipath, spath, NULL, NULL, &st);
        ck_like_checker(&rep, py);
        cr_assert(strstr(err, says[i]), "case %zu: '%s' does not say '%s'", i, err, says[i]);
        cr_assert_eq(rep.feasible, i == 0);
        cJSON_Delete(py);
        regio_rpp_sol_free(&s);
    }
    unlink(ipath);
    unlink(spath);
    regio_rpp_destroy(&r);
}

Test(rpp_decisions, a_school_uses_its_held_seats_first_and_shares_the_open_ones)
{
    char err[512];
    regio_rpp_t *r = s_parse(s_base, err, sizeof err);
    int32_t o2 = regio_strtab_find(r->offering_ids, "o2");
    int32_t s1 = regio_strtab_find(r->schools, "s1"), s2 = regio_strtab_find(r->schools, "s2");
    regio_rpp_seats_t st;
    cr_assert_eq(regio_rpp_seats_init(&st, r, 0), 0);
    cr_assert_eq(regio_rpp_seats_room(r, &st, o2, 0, s1), 0x3ffu, "one open seat at 0 and 1");
    regio_rpp_seats_take(r, &st, o2, 0, s1, 0x3, 1);
    cr_assert_eq(regio_rpp_seats_room(r, &st, o2, 0, s1), 0x3fcu, "the last seat is s2's");
    cr_assert_eq(regio_rpp_seats_room(r, &st, o2, 0, s2), 0x3ffu);
    regio_rpp_seats_take(r, &st, o2, 0, s2, 0x3, 1);
    cr_assert_eq(regio_rpp_seats_room(r, &st, o2, 0, s2), 0x3fcu);
    cr_assert_eq(st.open[o2 * 2 * 10], 0, "s2 sat on its own seat");
    regio_rpp_seats_take(r, &st, o2, 0, s2, 0x1, 1); /* s2 overflows: the rule breaks */
    cr_assert_eq(st.open[o2 * 2 * 10], -1);
    regio_rpp_seats_take(r, &st, o2, 0, s1, 0x3, -1);
    cr_assert_eq(st.open[o2 * 2 * 10], 0, "s1 left: s2's second learner has the open seat");
    regio_rpp_seats_take(r, &st, o2, 0, s2, 0x1, -1);
    cr_assert_eq(regio_rpp_seats_room(r, &st, o2, 0, s1), 0x3ffu);
    cr_assert_eq(regio_rpp_seats_room(r, &st, o2, 0, s2), 0x3ffu, "s2 may take an open seat too");
    regio_rpp_seats_free(&st);
    cr_assert_eq(regio_rpp_seats_init(&st, r, 1), 0);
    int32_t o1 = regio_strtab_find(r->offering_ids, "o1");
    cr_assert_eq(regio_rpp_seats_room(r, &st, o1, 0, s1), 0x3fcu, "the pin holds o1's last seat");
    regio_rpp_seats_free(&st);
    regio_rpp_destroy(&r);
}

/* A change is judged on the changed instance: seats below the reserved ones,
 * or below what the pins use, make it invalid (r stays as it was). */
Test(rpp_decisions, a_change_that_breaks_reservations_or_pins_is_refused_like_the_checker)
{
    char err[512], ipath[128], cpath[128], spath[128];
    static const char *changes[] = {
        "{\"format\": \"rpp-1-change\", \"capacity\": [{\"offering\": \"o2\", \"period\": \"P1\","
        " \"capacity\": [0,2,2,2,2,2,2,2,2,2]}]}",
        "{\"format\": \"rpp-1-change\", \"withdrawn_offerings\": [\"o1\"]}",
        "{\"format\": \"rpp-1-change\", \"capacity\": [{\"offering\": \"o2\", \"period\": \"P1\","
        " \"capacity\": [1,1,0,0,0,0,0,0,0,0]}]}",
    };
    static const int code[] = {REGIO_EINVALID, REGIO_EINVALID, 0};
    ck_put_file(ck_tmp(ipath, sizeof ipath, "dec-ch.json"), s_base);
    ck_put_file(ck_tmp(spath, sizeof spath, "dec-ch.sol.json"), s_empty_sol);
    for (size_t i = 0; i < sizeof changes / sizeof changes[0]; i++) {
        regio_rpp_t *r = s_parse(s_base, err, sizeof err);
        regio_rpp_change_t c;
        ck_put_file(ck_tmp(cpath, sizeof cpath, "dec-ch.change.json"), changes[i]);
        cr_assert_eq(regio_rpp_json_load_change(r, cpath, &c, err, sizeof err), 0, "%s", err);
        int32_t before = regio_rpp_cap(r, 1, 0, 0) + regio_rpp_cap(r, 0, 0, 0);
        cr_assert_eq(regio_rpp_change_apply(r, &c, err, sizeof err), code[i], "case %zu: %s", i,
                     err);
        if (code[i] < 0)
            cr_assert_eq(regio_rpp_cap(r, 1, 0, 0) + regio_rpp_cap(r, 0, 0, 0), before,
                         "a refused change left seats changed");
        int st;
        cJSON_Delete(ck_checker(ipath, spath, cpath, spath, &st));
        cr_assert_eq(st == 2, code[i] < 0, "case %zu: checker exit %d, ours %s", i, st, err);
        regio_rpp_change_free(&c);
        regio_rpp_destroy(&r);
    }
    unlink(ipath);
    unlink(cpath);
    unlink(spath);
}

Test(rpp_decisions, a_copy_keeps_every_decision)
{
    char err[512];
    regio_rpp_t *r = s_parse(s_base, err, sizeof err), *c = regio_rpp_clone(r);
    cr_assert_not_null(c);
    cr_assert_eq(c->n_pins, 1);
    cr_assert_eq(c->n_res, 1);
    cr_assert_eq(c->n_forbidden, 1);
    cr_assert_eq(c->periods[1].start, r->periods[1].start);
    cr_assert(regio_rpp_forbidden(c, 1, 0));
    cr_assert_eq(regio_rpp_reservation_find(c, 1, 0, regio_strtab_find(c->schools, "s2")), 0);
    cr_assert_eq(memcmp(c->pin_seats.open, r->pin_seats.open,
                        (size_t)r->n_offerings * r->n_periods * 10 * sizeof(int32_t)), 0);
    cr_assert_eq(c->pin_at[0], 0);
    regio_rpp_destroy(&r);
    cr_assert_eq(regio_rpp_seats_room(c, &c->pin_seats, 0, 0, 0), 0x3fcu);
    regio_rpp_destroy(&c);
}

/* Dates as Python's date.fromisoformat reads them (the checker's reader). */
Test(rpp_decisions, dates_parse_as_python_reads_them)
{
    static const char *dates[] = {
        "2027-02-01", "20270201", "2027-W05-1", "2027W051", "2027-W05", "2027W05", "2020-W53-7",
        "2027-W53-1", "2027-W00-1", "2027-W05-8", "2027-02-29", "2024-02-29", "2027-13-01",
        "0000-01-03", "0001-01-01", "9999-12-31", "9999-W52-7", "2027-2-1", " 2027-02-01",
        "2027-0201", "2027W05-1", "2027-W051", "2027-032", "2027/02/01", "", "2027-02-01T00"};
    char cmd[2048] = "python3 -c \"import datetime,sys\nfor s in sys.argv[1:]:\n"
                     " try: print((datetime.date.fromisoformat(s)-datetime.date(1970,1,1)).days)\n"
                     " except Exception: print('x')\"";
    size_t n = sizeof dates / sizeof dates[0];
    for (size_t i = 0; i < n; i++)
        snprintf(cmd + strlen(cmd), sizeof cmd - strlen(cmd), " '%s'", dates[i]);
    FILE *p = popen(cmd, "r");
    cr_assert_not_null(p);
    char line[64];
    for (size_t i = 0; i < n; i++) {
        cr_assert_not_null(fgets(line, sizeof line, p));
        int32_t days = 0;
        int rc = regio_rpp_date_parse(dates[i], &days);
        if (line[0] == 'x')
            cr_assert_eq(rc, REGIO_EINVALID, "'%s': Python refuses it, we read %d", dates[i],
                         (int)days);
        else
            cr_assert(rc == 0 && days == atoi(line), "'%s': Python %s, we %d (rc %d)", dates[i],
                      line, (int)days, rc);
    }
    pclose(p);
    char out[11];
    regio_rpp_date_format(-719162, out);
    cr_assert_str_eq(out, "0001-01-01");
    regio_rpp_date_format(2932896, out);
    cr_assert_str_eq(out, "9999-12-31");
}

/* Decisions come after offerings and learners, pins last; a refused pin
 * leaves the instance as it was. */
Test(rpp_decisions, keeps_the_order_of_adds_and_refuses_a_pin_whole)
{
    char err[256];
    regio_rpp_t *r = regio_rpp_new("order");
    static const int32_t cap[REGIO_RPP_SLOTS] = {1, 1, 1, 1, 1, 1, 1, 1, 1, 1};
    static const char *goals[] = {"G"};
    static const int amounts[] = {20};
    uint16_t free_slots[1] = {0x3};
    regio_rpp_offering_in_t o = {.id = "o1", .partner = "p1", .lat = 51.6, .lon = 4.8,
                                 .goals = goals, .n_goals = 1, .cap = cap};
    regio_rpp_learner_in_t l = {.id = "l1", .school = "s1", .qual = "q", .age = 17, .lat = 51.6,
                                .lon = 4.8, .max_km = 10, .dagdelen = 2, .planned = 1,
                                .free = free_slots, .need_goals = goals, .need_amounts = amounts,
                                .n_needs = 1};
    cr_assert_eq(regio_rpp_add_period_dated(r, "P1", 10, "2027-02-01", err, sizeof err), 0);
    cr_assert_eq(regio_rpp_add_partner(r, "p1", "A", "civic", 51.6, 4.8, err, sizeof err), 0);
    cr_assert_eq(regio_rpp_add_offering(r, &o, err, sizeof err), 0);
    cr_assert_eq(regio_rpp_add_learner(r, &l, err, sizeof err), 0);
    int32_t held[REGIO_RPP_SLOTS] = {0, 0, 1, 0, 0, 0, 0, 0, 0, 0};
    cr_assert_eq(regio_rpp_add_reservation(r, "o1", "P1", "s2", held, err, sizeof err), 0);
    l.id = "l2";
    cr_assert_eq(regio_rpp_add_learner(r, &l, err, sizeof err), REGIO_EINVALID);
    cr_assert(strstr(err, "learners must come before"), "%s", err);
    cr_assert_eq(regio_rpp_add_pin(r, "l1", "P1", "o1", 0x3, err, sizeof err), 0);
    int32_t open = r->pin_seats.open[0];
    cr_assert_eq(regio_rpp_add_pin(r, "l1", "P1", "o1", 0x3, err, sizeof err), REGIO_EDUPLICATE);
    cr_assert_eq(regio_rpp_add_forbidden(r, "l1", "p1", NULL, err, sizeof err), REGIO_EINVALID);
    cr_assert_eq(regio_rpp_add_reservation(r, "o1", "P1", "s3", held, err, sizeof err),
                 REGIO_EINVALID);
    cr_assert(strstr(err, "must come before pins"), "%s", err);
    cr_assert_eq(r->n_pins, 1);
    cr_assert_eq(r->pin_seats.open[0], open, "a refused pin took a seat");
    cr_assert_eq(r->n_res, 1);
    cr_assert_eq(r->n_forbidden, 0);
    regio_rpp_destroy(&r);
}
