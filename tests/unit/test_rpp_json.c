/* test_rpp_json - rpp-1 JSON reading and writing, checked against rpp_check.py. */
#include <cjson/cJSON.h>
#include <criterion/criterion.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "regio/error.h"
#include "regio/file.h"
#include "regio/rpp.h"
#include "regio/rpp_json.h"
#include "regio/rpp_score.h"

#include "checker_fixture.h"

#define TINY REGIO_SHARED_DIR "/spec/examples/tiny-1.json"
#define TINY_SOL REGIO_SHARED_DIR "/spec/examples/tiny-1.solution.json"

/* Helpers: checker_fixture.h. */

/* Reading the example ------------------------------------------------------ */

Test(rpp_json, reads_the_tiny_example)
{
    regio_rpp_t *r = ck_load(TINY);
    cr_assert_str_eq(r->name, "tiny-1");
    cr_assert_eq(r->n_periods, 2);
    cr_assert_eq(r->n_partners, 3);
    cr_assert_eq(r->n_offerings, 3);
    cr_assert_eq(r->n_learners, 3);
    const regio_rpp_offering_t *o3 = &r->offerings[2];
    cr_assert_eq(o3->n_quals, 0);
    cr_assert_eq(o3->n_goals, 3);
    cr_assert_eq(regio_rpp_cap(r, 2, 0, 9), 8);
    cr_assert_eq(regio_rpp_cap(r, 2, 1, 0), 0, "a period missing from capacity has no seats");
    const regio_rpp_learner_t *l3 = &r->learners[2];
    cr_assert_eq(l3->planned, 1u);
    cr_assert_eq(l3->free[0], 0x300);
    cr_assert_eq(l3->dagdelen, 2);
    cr_assert(l3->max_km == 5.0);
    cr_assert_eq(r->learners[1].n_history, 1);
    cr_assert_str_eq(regio_strtab_name(r->schools, l3->school), "s2");
    regio_rpp_destroy(&r);
}

Test(rpp_json, scores_the_tiny_solution_like_the_checker)
{
    regio_rpp_t *r = ck_load(TINY);
    regio_rpp_sol_t s;
    regio_rpp_sol_init(&s);
    char err[256];
    cr_assert_eq(regio_rpp_json_load_sol(r, TINY_SOL, &s, err, sizeof err), 0, "%s", err);
    cr_assert_eq(s.n, 4);
    regio_rpp_report_t rep = ck_eval(r, &s, err, sizeof err);
    int st;
    cJSON *py = ck_checker(TINY, TINY_SOL, NULL, NULL, &st);
    cr_assert_eq(st, 0);
    ck_like_checker(&rep, py);
    cr_assert(rep.feasible);
    cr_assert_str_eq(err, "");
    cJSON_Delete(py);
    regio_rpp_sol_free(&s);
    regio_rpp_destroy(&r);
}

Test(rpp_json, round_trip_keeps_the_score_and_the_checker_agrees)
{
    regio_rpp_t *r = ck_load(TINY), *r2 = NULL;
    regio_rpp_sol_t s, s2;
    regio_rpp_sol_init(&s);
    regio_rpp_sol_init(&s2);
    char err[256], ipath[128], spath[128];
    cr_assert_eq(regio_rpp_json_load_sol(r, TINY_SOL, &s, err, sizeof err), 0);
    FILE *f = fopen(ck_tmp(ipath, sizeof ipath, "inst.json"), "w");
    cr_assert_eq(regio_rpp_json_write(r, f), 0);
    fclose(f);
    f = fopen(ck_tmp(spath, sizeof spath, "sol.json"), "w");
    cr_assert_eq(regio_rpp_json_write_sol(r, &s, f), 0);
    fclose(f);
    cr_assert_eq(regio_rpp_json_load(ipath, &r2, err, sizeof err), 0, "%s", err);
    cr_assert_eq(regio_rpp_json_load_sol(r2, spath, &s2, err, sizeof err), 0, "%s", err);
    regio_rpp_report_t a = ck_eval(r, &s, NULL, 0), b = ck_eval(r2, &s2, NULL, 0);
    cr_assert(a.score == b.score && a.travel_km == b.travel_km, "score changed on round trip");
    cr_assert_eq(r2->n_learners, r->n_learners);
    cr_assert_eq(r2->learners[1].history[0], r->learners[1].history[0]);
    cr_assert(r2->w.km == r->w.km);
    int st;
    cJSON *py = ck_checker(ipath, spath, NULL, NULL, &st);
    cr_assert_eq(st, 0, "the checker rejects what we wrote");
    ck_like_checker(&b, py);
    cJSON_Delete(py);
    unlink(ipath);
    unlink(spath);
    regio_rpp_sol_free(&s);
    regio_rpp_sol_free(&s2);
    regio_rpp_destroy(&r);
    regio_rpp_destroy(&r2);
}

/* Validation --------------------------------------------------------------- */

/* Weights, goals, qualifications, min_age, form, P2 capacity, preferred
 * partners and history are all omitted: the checker accepts that. */
static const char *s_base =
    "{\"format\": \"rpp-1\", \"name\": \"b\","
    " \"periods\": [{\"id\": \"P1\", \"weeks\": 10}, {\"id\": \"P2\", \"weeks\": 10}],"
    " \"partners\": [{\"id\": \"p1\", \"kind\": \"business\", \"name\": \"A\", \"lat\": 51.6,"
    " \"lon\": 4.8}],"
    " \"offerings\": [{\"id\": \"o1\", \"partner\": \"p1\", \"lat\": 51.6, \"lon\": 4.8,"
    " \"capacity\": {\"P1\": [1,1,1,1,1,1,1,1,1,1]}}],"
    " \"learners\": [{\"id\": \"l1\", \"school\": \"s1\", \"qualification\": \"q\", \"age\": 17,"
    " \"lat\": 51.6, \"lon\": 4.8, \"max_km\": 10, \"dagdelen\": 2, \"free\": {\"P1\": [0,1]},"
    " \"needs\": {\"G\": 20}}]}";

static regio_rpp_t *s_parse(const char *text, int expect, char *err, size_t len)
{
    regio_rpp_t *r = (regio_rpp_t *)1;
    int rc = regio_rpp_json_parse(text, strlen(text), &r, err, len);
    cr_assert_eq(rc, expect, "got %d (%s), expected %d: %s", rc, regio_strerror(rc), expect, err);
    if (expect != 0)
        cr_assert_null(r, "a failed parse must not hand out an instance");
    return r;
}

Test(rpp_json, accepts_what_the_checker_accepts)
{
    char err[256];
    regio_rpp_t *r = s_parse(s_base, 0, err, sizeof err);
    cr_assert(r->w.coverage == 100.0 && r->w.km == 0.5, "default weights");
    cr_assert_eq(r->offerings[0].min_age, 0);
    cr_assert_eq(r->offerings[0].n_goals + r->offerings[0].n_quals, 0);
    cr_assert_str_eq(r->offerings[0].form, "");
    cr_assert_eq(regio_rpp_cap(r, 0, 1, 0), 0);
    cr_assert_eq(r->learners[0].n_preferred + r->learners[0].n_history, 0);
    regio_rpp_destroy(&r);
    char *t = ck_replace(s_base, "\"name\": \"b\",", "\"weights\": {\"km\": 2},");
    r = s_parse(t, 0, err, sizeof err);
    cr_assert(r->w.km == 2.0 && r->w.repeat == 500.0, "partial weights keep the defaults");
    cr_assert_null(r->name);
    regio_rpp_destroy(&r);
    free(t);
    t = ck_replace(s_base, ", \"free\": {\"P1\": [0,1]}, \"needs\": {\"G\": 20}", "");
    r = s_parse(t, 0, err, sizeof err);
    cr_assert_eq(r->learners[0].planned, 0u);
    cr_assert_eq(r->learners[0].n_needs, 0);
    regio_rpp_destroy(&r);
    free(t);
}

static const ck_case_t s_bad[] = {
    {"\"id\": \"l1\", ", "", REGIO_EINVALID, "learner #0: id missing"},
    {"\"needs\": {\"G\": 20}}]}",
     "\"needs\": {\"G\": 20}}, {\"id\": \"l1\", \"school\": \"s\", \"qualification\": \"q\","
     " \"age\": 17, \"lat\": 51, \"lon\": 4, \"max_km\": 1, \"dagdelen\": 1}]}",
     REGIO_EDUPLICATE, "learner l1: duplicate id"},
    {"[{\"id\": \"o1\"", "[{\"id\": \"o1\", \"partner\": \"p1\", \"lat\": 1, \"lon\": 1},"
                         " {\"id\": \"o1\"", REGIO_EDUPLICATE, "offering o1"},
    {"\"partner\": \"p1\"", "\"partner\": \"p2\"", REGIO_ENOTFOUND, "offering o1: unknown partner"},
    {"\"capacity\": {\"P1\"", "\"capacity\": {\"P3\"", REGIO_ENOTFOUND, "unknown period 'P3'"},
    {"\"free\": {\"P1\"", "\"free\": {\"P9\"", REGIO_ENOTFOUND, "learner l1: unknown period 'P9'"},
    {"[1,1,1,1,1,1,1,1,1,1]", "[1,1,1,1,1,1,1,1,1]", REGIO_EINVALID, "list of 10"},
    {"[1,1,1,1,1,1,1,1,1,1]", "[1,1,1,1,1,1,1,1,1,1,1]", REGIO_EINVALID, "list of 10"},
    {"[1,1,1,1,1,1,1,1,1,1]", "[1,1,1,-1,1,1,1,1,1,1]", REGIO_ERANGE, "offering o1"},
    {"[1,1,1,1,1,1,1,1,1,1]", "[1,1,1,100001,1,1,1,1,1,1]", REGIO_ERANGE, "out of range"},
    {"[1,1,1,1,1,1,1,1,1,1]", "[1,1,1,1.5,1,1,1,1,1,1]", REGIO_EINVALID, "not an integer"},
    {"[1,1,1,1,1,1,1,1,1,1]", "[1,1,1,\"1\",1,1,1,1,1,1]", REGIO_EINVALID, "not an integer"},
    {"[1,1,1,1,1,1,1,1,1,1]", "{\"0\": 1}", REGIO_EINVALID, "list of 10"},
    {"\"capacity\": {", "\"capacity\": {\"P1\": [0,0,0,0,0,0,0,0,0,0], ", REGIO_EDUPLICATE,
     "twice"},
    {"[0,1]}", "[0,10]}", REGIO_ERANGE, "free slot 10 in P1 out of range 0..9"},
    {"[0,1]}", "[0,-1]}", REGIO_ERANGE, "out of range"},
    {"[0,1]}", "[1,1]}", REGIO_EINVALID, "free slot 1 listed twice"},
    {"[0,1]}", "[1,1.5]}", REGIO_EINVALID, "not an integer"},
    {"[0,1]}", "[0,1], \"P1\": [2]}", REGIO_EDUPLICATE, "key \"P1\" appears twice"},
    {"\"dagdelen\": 2", "\"dagdelen\": 0", REGIO_ERANGE, "learner l1: dagdelen 0 out of range 1..10"},
    {"\"dagdelen\": 2", "\"dagdelen\": 11", REGIO_ERANGE, "dagdelen 11"},
    {"\"G\": 20", "\"G\": -5", REGIO_ERANGE, "need G is negative"},
    {"\"G\": 20", "\"G\": 2.5", REGIO_EINVALID, "need G is not an integer"},
    {"\"G\": 20", "\"G\": 20, \"G\": 30", REGIO_EDUPLICATE, "key \"G\" appears twice"},
    {"\"age\": 17", "\"age\": \"17\"", REGIO_EINVALID, "learner l1: age is not an integer"},
    {"\"age\": 17", "\"age\": 17.5", REGIO_EINVALID, "age is not an integer"},
    {"\"age\": 17, ", "", REGIO_EINVALID, "age missing"},
    {"\"max_km\": 10", "\"max_km\": \"far\"", REGIO_EINVALID, "max_km is not a number"},
    {"\"max_km\": 10", "\"max_km\": -1", REGIO_ERANGE, "max_km"},
    {"\"school\": \"s1\"", "\"school\": 3", REGIO_EINVALID, "school is not a string"},
    {"\"lat\": 51.6, \"lon\": 4.8, \"max_km\"", "\"lat\": 91, \"lon\": 4.8, \"max_km\"",
     REGIO_ERANGE, "learner l1: lat 91 out of range"},
    {"\"lat\": 51.6, \"lon\": 4.8, \"max_km\"", "\"lat\": 51.6, \"lon\": -180.5, \"max_km\"",
     REGIO_ERANGE, "lon -180.5 out of range"},
    {"\"lat\": 51.6, \"lon\": 4.8}]", "\"lat\": -90.5, \"lon\": 4.8}]", REGIO_ERANGE,
     "partner p1: lat"},
    {"\"weeks\": 10}, {", "\"weeks\": 0}, {", REGIO_ERANGE, "period P1: weeks 0 out of range"},
    {"\"weeks\": 10}, {", "\"weeks\": 54}, {", REGIO_ERANGE, "weeks 54"},
    {"\"weeks\": 10}, {", "\"weeks\": 1e10}, {", REGIO_ERANGE, "weeks"},
    {"{\"id\": \"P2\"", "{\"id\": \"P1\"", REGIO_EDUPLICATE, "period P1: duplicate id"},
    {"\"kind\": \"business\"", "\"kind\": \"shop\"", REGIO_EINVALID, "unknown kind 'shop'"},
    {"\"format\": \"rpp-1\"", "\"format\": \"rpp-3\"", REGIO_EINVALID,
     "format must be rpp-1 or rpp-2"},
    {"\"learners\"", "\"pupils\"", REGIO_EINVALID, "learners missing"},
    {"\"offerings\": [{", "\"offerings\": [7, {", REGIO_EINVALID, "item 0 is not an object"},
    {"\"name\": \"b\",", "\"weights\": {\"km\": \"half\"},", REGIO_EINVALID,
     "weights: km is not a number"},
    {"{\"format\"", "{format", REGIO_EPARSE, "not JSON"},
    {"}}]}", "}}]} x", REGIO_EPARSE, "trailing data"},
};

Test(rpp_json, rejects_each_broken_rule_with_its_code)
{
    char err[256];
    for (size_t i = 0; i < sizeof s_bad / sizeof s_bad[0]; i++) {
        char *t = ck_replace(s_base, s_bad[i].from, s_bad[i].to);
        err[0] = '\0';
        s_parse(t, s_bad[i].code, err, sizeof err);
        cr_assert(strstr(err, s_bad[i].says), "case %zu: '%s' does not say '%s'", i, err,
                  s_bad[i].says);
        cr_assert_null(strchr(err, '\n'), "one line");
        free(t);
    }
}

Test(rpp_json, rejects_more_than_32_periods)
{
    char periods[4096] = "\"periods\": [", *p = periods + strlen(periods);
    for (int i = 1; i <= 33; i++)
        p += sprintf(p, "%s{\"id\": \"P%d\", \"weeks\": 1}", i > 1 ? ", " : "", i);
    strcpy(p, "],");
    char *t = ck_replace(s_base, "\"periods\": [{\"id\": \"P1\", \"weeks\": 10}, {\"id\": \"P2\", "
                                "\"weeks\": 10}],", periods);
    char err[256];
    s_parse(t, REGIO_ERANGE, err, sizeof err);
    cr_assert(strstr(err, "period P33: more than 32 periods"), "%s", err);
    free(t);
}

Test(rpp_json, a_nul_escape_in_any_string_is_einvalid_not_a_shorter_id)
{
    const char *cases[][2] = {
        {"\"id\": \"l1\"", "\"id\": \"l1\\u0000x\""},   /* would read as l1 */
        {"\"id\": \"p1\"", "\"id\": \"p1\\u0000\""},
        {"\"name\": \"b\"", "\"name\": \"b\\u0000b\""},
        {"\"G\": 20", "\"G\\u0000\": 20"}, /* a key */
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char *t = ck_replace(s_base, cases[i][0], cases[i][1]);
        char err[256] = "";
        s_parse(t, REGIO_EINVALID, err, sizeof err);
        cr_assert(strstr(err, "u0000"), "case %zu: %s", i, err);
        free(t);
    }
    /* an escaped backslash before "u0000" is text, not a NUL */
    char *t = ck_replace(s_base, "\"name\": \"b\"", "\"name\": \"a\\\\u0000\"");
    char err[256] = "";
    regio_rpp_t *r = s_parse(t, 0, err, sizeof err);
    cr_assert_str_eq(r->name, "a\\u0000");
    regio_rpp_destroy(&r);
    free(t);
}

Test(rpp_json, load_reports_a_missing_file)
{
    regio_rpp_t *r = (regio_rpp_t *)1;
    char err[256];
    cr_assert_eq(regio_rpp_json_load("/nonexistent/x.json", &r, err, sizeof err), -ENOENT);
    cr_assert_null(r);
}

/* Solutions ---------------------------------------------------------------- */

static int s_parse_sol(const regio_rpp_t *r, regio_rpp_sol_t *s, const char *placements,
                       char *err, size_t len)
{
    char text[2048];
    snprintf(text, sizeof text,
             "{\"format\": \"rpp-1-solution\", \"instance\": \"tiny-1\", \"placements\": [%s]}",
             placements);
    return regio_rpp_json_parse_sol(r, text, strlen(text), s, err, len);
}

Test(rpp_json, solution_reader_rejects_what_it_cannot_represent)
{
    regio_rpp_t *r = ck_load(TINY);
    regio_rpp_sol_t s;
    regio_rpp_sol_init(&s);
    char err[256];
    const char *ok = "{\"learner\": \"l1\", \"period\": \"P1\", \"offering\": \"o1\", \"slots\": [0,1,4,5]}";
    cr_assert_eq(s_parse_sol(r, &s, ok, err, sizeof err), 0, "%s", err);
    cr_assert_eq(s.n, 1);
    cr_assert_eq(s.v[0].slots, 0x33);
    const struct {
        const char *pl;
        int code;
    } bad[] = {
        {"{\"learner\": \"l9\", \"period\": \"P1\", \"offering\": \"o1\", \"slots\": [0]}", REGIO_ENOTFOUND},
        {"{\"learner\": \"l1\", \"period\": \"P7\", \"offering\": \"o1\", \"slots\": [0]}", REGIO_ENOTFOUND},
        {"{\"learner\": \"l1\", \"period\": \"P1\", \"offering\": \"o8\", \"slots\": [0]}", REGIO_ENOTFOUND},
        {"{\"learner\": \"l1\", \"period\": \"P1\", \"offering\": \"o1\", \"slots\": [0,10]}", REGIO_EINVALID},
        {"{\"learner\": \"l1\", \"period\": \"P1\", \"offering\": \"o1\", \"slots\": [4,4]}", REGIO_EINVALID},
        {"{\"learner\": \"l1\", \"period\": \"P1\", \"offering\": \"o1\", \"slots\": [0.5]}", REGIO_EINVALID},
        {"{\"learner\": \"l1\", \"period\": \"P1\", \"offering\": \"o1\"}", REGIO_EINVALID},
        {"{\"learner\": \"l1\", \"period\": \"P1\", \"slots\": [1]}", REGIO_EINVALID},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        char two[1024];
        snprintf(two, sizeof two, "%s, %s", ok, bad[i].pl); /* the good one must not stay */
        cr_assert_eq(s_parse_sol(r, &s, two, err, sizeof err), bad[i].code, "case %zu", i);
        cr_assert(strstr(err, "placement 1"), "%s", err);
        cr_assert_eq(s.n, 1, "a failed parse appends nothing");
    }
    const char *wrong = "{\"format\": \"rpp-1\", \"placements\": []}";
    cr_assert_eq(regio_rpp_json_parse_sol(r, wrong, strlen(wrong), &s, err, sizeof err),
                 REGIO_EINVALID);
    const char *empty = "{\"format\": \"rpp-1-solution\"}";
    cr_assert_eq(regio_rpp_json_parse_sol(r, empty, strlen(empty), &s, err, sizeof err), 0);
    regio_rpp_sol_free(&s);
    regio_rpp_destroy(&r);
}

/* Infeasible solutions: flagged as the checker flags them. */
typedef struct {
    const char *name;
    const char *inst_from, *inst_to; /* optional edit of tiny-1 */
    const char *placements;
    const char *says;                /* piece of the first violation */
} infeasible_t;

static const infeasible_t s_infeasible[] = {
    {"capacity overflow", NULL, NULL,
     "{\"learner\": \"l1\", \"period\": \"P2\", \"offering\": \"o1\", \"slots\": [2,3,6,7]},"
     "{\"learner\": \"l2\", \"period\": \"P2\", \"offering\": \"o1\", \"slots\": [2,3,4,5]}",
     "capacity: offering o1 period P2 slot 2: 2 placed, 1 seats"},
    {"too young", NULL, NULL,
     "{\"learner\": \"l1\", \"period\": \"P2\", \"offering\": \"o2\", \"slots\": [2,3,6,7]}",
     "learner too young (17 < 18)"},
    {"too far", "\"max_km\": 10", "\"max_km\": 5",
     "{\"learner\": \"l2\", \"period\": \"P1\", \"offering\": \"o1\", \"slots\": [0,1,4,5]}",
     "6.496 km > max_km 5"},
    {"wrong slot count", NULL, NULL,
     "{\"learner\": \"l1\", \"period\": \"P1\", \"offering\": \"o1\", \"slots\": [0,1,4]}",
     "needs exactly 4 distinct slots"},
    {"second placement in a period", NULL, NULL,
     "{\"learner\": \"l1\", \"period\": \"P1\", \"offering\": \"o1\", \"slots\": [0,1,4,5]},"
     "{\"learner\": \"l1\", \"period\": \"P1\", \"offering\": \"o3\", \"slots\": [0,1,4,5]}",
     "placement 1 (l1,P1,o3): second placement"},
    {"slot not free", NULL, NULL,
     "{\"learner\": \"l1\", \"period\": \"P1\", \"offering\": \"o3\", \"slots\": [0,1,2,3]}",
     "slot outside the learner's free slots"},
    {"period not planned", NULL, NULL,
     "{\"learner\": \"l3\", \"period\": \"P2\", \"offering\": \"o3\", \"slots\": [8,9]}",
     "not planned in this period"},
    {"qualification", NULL, NULL,
     "{\"learner\": \"l3\", \"period\": \"P1\", \"offering\": \"o2\", \"slots\": [8,9]}",
     "qualification 25180 not accepted"},
};

Test(rpp_json, infeasible_solutions_are_flagged_like_the_checker)
{
    char *tiny, err[256], ipath[128], spath[128];
    cr_assert_eq(regio_file_read(TINY, &tiny, NULL), 0);
    for (size_t i = 0; i < sizeof s_infeasible / sizeof s_infeasible[0]; i++) {
        const infeasible_t *c = &s_infeasible[i];
        char *text = c->inst_from ? ck_replace(tiny, c->inst_from, c->inst_to) : strdup(tiny);
        ck_put_file(ck_tmp(ipath, sizeof ipath, "inst.json"), text);
        regio_rpp_t *r = s_parse(text, 0, err, sizeof err);
        regio_rpp_sol_t s;
        regio_rpp_sol_init(&s);
        cr_assert_eq(s_parse_sol(r, &s, c->placements, err, sizeof err), 0, "%s", err);
        FILE *f = fopen(ck_tmp(spath, sizeof spath, "sol.json"), "w");
        cr_assert_eq(regio_rpp_json_write_sol(r, &s, f), 0);
        fclose(f);
        regio_rpp_report_t rep = ck_eval(r, &s, err, sizeof err);
        cr_assert_not(rep.feasible, "%s: not flagged", c->name);
        cr_assert(strstr(err, c->says), "%s: first violation '%s'", c->name, err);
        int st;
        cJSON *py = ck_checker(ipath, spath, NULL, NULL, &st);
        cr_assert_eq(st, 1, "%s: the checker should call it infeasible", c->name);
        ck_like_checker(&rep, py);
        cJSON_Delete(py);
        regio_rpp_sol_free(&s);
        regio_rpp_destroy(&r);
        free(text);
    }
    unlink(ipath);
    unlink(spath);
    free(tiny);
}

/* A random instance and random solutions, against the checker ------------- */

static uint64_t s_rng = 88172645463325252ull;

static int s_rand(int n)
{
    s_rng ^= s_rng << 13;
    s_rng ^= s_rng >> 7;
    s_rng ^= s_rng << 17;
    return (int)(s_rng % (uint64_t)n);
}

static void s_random_offering(regio_rpp_t *r, int i)
{
    static const char *goals[] = {"A", "B", "C", "D", "A"}, *quals[] = {"Q1", "Q2", "Q3"};
    char id[16], partner[16];
    int32_t cap[3 * REGIO_RPP_SLOTS];
    for (int k = 0; k < 3 * REGIO_RPP_SLOTS; k++)
        cap[k] = s_rand(3);
    snprintf(id, sizeof id, "o%d", i);
    snprintf(partner, sizeof partner, "p%d", s_rand(8));
    regio_rpp_offering_in_t in = {.id = id, .partner = partner, .lat = 51.4 + s_rand(400) / 1000.0,
                                  .lon = 4.5 + s_rand(500) / 1000.0, .goals = goals + s_rand(3),
                                  .n_goals = 1 + s_rand(3), .quals = quals + s_rand(2),
                                  .n_quals = s_rand(2), .min_age = 15 + s_rand(4), .cap = cap};
    cr_assert_eq(regio_rpp_add_offering(r, &in, NULL, 0), 0);
}

static void s_random_learner(regio_rpp_t *r, int i)
{
    static const char *goals[] = {"A", "B", "C", "D"}, *quals[] = {"Q1", "Q2", "Q3"};
    static const char *partners[] = {"p0", "p1", "p2", "p3", "p4", "p5", "p6", "p7", "zz"};
    static const char *schools[] = {"s1", "s2", "s3"};
    char id[16];
    int amounts[4];
    uint16_t free[3];
    for (int k = 0; k < 4; k++)
        amounts[k] = 10 * s_rand(12);
    for (int p = 0; p < 3; p++)
        free[p] = (uint16_t)(s_rand(1024) | 0x3);
    snprintf(id, sizeof id, "l%d", i);
    regio_rpp_learner_in_t in = {.id = id, .school = schools[s_rand(3)], .qual = quals[s_rand(3)],
                                 .age = 15 + s_rand(5), .lat = 51.4 + s_rand(400) / 1000.0,
                                 .lon = 4.5 + s_rand(500) / 1000.0, .max_km = 5 + s_rand(30),
                                 .dagdelen = 1 + s_rand(4), .planned = (uint32_t)(1 + s_rand(7)),
                                 .free = free, .need_goals = goals + s_rand(2),
                                 .need_amounts = amounts, .n_needs = s_rand(3),
                                 .preferred = partners + s_rand(8), .n_preferred = s_rand(2),
                                 .history = partners + s_rand(7), .n_history = s_rand(3)};
    for (int p = 0; p < 3; p++)
        free[p] = (in.planned >> p & 1u) ? free[p] : 0;
    cr_assert_eq(regio_rpp_add_learner(r, &in, NULL, 0), 0);
}

/* Mostly plausible placements, with every kind of mistake now and then. */
static void s_random_solution(const regio_rpp_t *r, regio_rpp_sol_t *s)
{
    for (int32_t l = 0; l < r->n_learners; l++)
        for (int p = 0; p < r->n_periods; p++) {
            if (s_rand(3) == 0)
                continue;
            uint16_t mask = s_rand(5) ? r->learners[l].free[p] : (uint16_t)s_rand(1024);
            while (__builtin_popcount(mask) > r->learners[l].dagdelen && s_rand(10))
                mask &= (uint16_t)(mask - 1);
            int32_t o = s_rand(r->n_offerings);
            cr_assert_eq(regio_rpp_sol_add(s, l, (int16_t)p, o, mask), 0);
            if (s_rand(30) == 0)
                cr_assert_eq(regio_rpp_sol_add(s, l, (int16_t)p, s_rand(r->n_offerings), mask), 0);
        }
}

static regio_rpp_t *s_random_instance(int learners)
{
    regio_rpp_t *r = regio_rpp_new("random");
    const char *pid[] = {"P1", "P2", "P3"};
    for (int p = 0; p < 3; p++)
        cr_assert_eq(regio_rpp_add_period(r, pid[p], 5 + 3 * p, NULL, 0), 0);
    for (int i = 0; i < 8; i++) {
        char id[8];
        snprintf(id, sizeof id, "p%d", i);
        cr_assert_eq(regio_rpp_add_partner(r, id, "x", regio_rpp_kind_name(i % 6), 51.5, 4.7,
                                           NULL, 0), 0);
    }
    for (int i = 0; i < 25; i++)
        s_random_offering(r, i);
    for (int i = 0; i < learners; i++)
        s_random_learner(r, i);
    r->w = (regio_rpp_weights_t){.coverage = 90, .km = 0.7, .repeat = 300, .preference = 150};
    return r;
}

Test(rpp_json, random_solutions_score_like_the_checker)
{
    regio_rpp_t *r = s_random_instance(300);
    char ipath[128], spath[128];
    FILE *f = fopen(ck_tmp(ipath, sizeof ipath, "inst.json"), "w");
    cr_assert_eq(regio_rpp_json_write(r, f), 0);
    fclose(f);
    for (int round = 0; round < 4; round++) {
        regio_rpp_sol_t s;
        regio_rpp_sol_init(&s);
        s_random_solution(r, &s);
        f = fopen(ck_tmp(spath, sizeof spath, "sol.json"), "w");
        cr_assert_eq(regio_rpp_json_write_sol(r, &s, f), 0);
        fclose(f);
        regio_rpp_report_t rep = ck_eval(r, &s, NULL, 0);
        int st;
        cJSON *py = ck_checker(ipath, spath, NULL, NULL, &st);
        cr_assert(st == 0 || st == 1, "checker status %d", st);
        cr_assert_gt(rep.repeats, 0, "the instance should exercise repeats");
        ck_like_checker(&rep, py);
        cJSON_Delete(py);
        regio_rpp_sol_free(&s);
    }
    unlink(ipath);
    unlink(spath);
    regio_rpp_destroy(&r);
}

/* Changes ------------------------------------------------------------------ */

static const char *s_change_json =
    "{\"format\": \"rpp-1-change\", \"instance\": \"tiny-1\", \"pinned_periods\": [\"P1\"],"
    " \"capacity\": [{\"offering\": \"o1\", \"period\": \"P2\","
    " \"capacity\": [0,0,2,2,2,2,0,0,0,0]}], \"withdrawn_offerings\": [\"o2\"]}";

Test(rpp_json, change_applies_like_the_checker)
{
    char err[256], cpath[128], spath[128];
    ck_put_file(ck_tmp(cpath, sizeof cpath, "change.json"), s_change_json);
    regio_rpp_t *r = ck_load(TINY);
    regio_rpp_change_t c;
    cr_assert_eq(regio_rpp_json_load_change(r, cpath, &c, err, sizeof err), 0, "%s", err);
    cr_assert_eq(c.pinned, 1u);
    cr_assert_eq(c.n_cap, 1);
    cr_assert_eq(c.n_withdrawn, 1);
    regio_rpp_t *after = regio_rpp_clone(r);
    cr_assert_eq(regio_rpp_change_apply(after, &c, err, sizeof err), 0);
    cr_assert_eq(regio_rpp_cap(after, 0, 1, 2), 2);
    cr_assert_eq(regio_rpp_cap(after, 1, 1, 0), 0, "withdrawn o2 lost P2");
    cr_assert_eq(regio_rpp_cap(after, 1, 0, 0), 1, "but keeps pinned P1");
    regio_rpp_sol_t base, moved;
    regio_rpp_sol_init(&base);
    regio_rpp_sol_init(&moved);
    cr_assert_eq(regio_rpp_json_load_sol(r, TINY_SOL, &base, err, sizeof err), 0);
    /* l2 loses o2 in P2 and moves to o1 on slots with seats. */
    cr_assert_eq(regio_rpp_sol_copy(&moved, &base), 0);
    moved.v[2].offering = 0;
    moved.v[2].slots = 0x3c;
    FILE *f = fopen(ck_tmp(spath, sizeof spath, "sol.json"), "w");
    regio_rpp_json_write_sol(r, &moved, f);
    fclose(f);
    regio_rpp_report_t rep = ck_eval(after, &moved, err, sizeof err);
    regio_rpp_report_t old = ck_eval(after, &base, NULL, 0);
    cr_assert(rep.feasible, "%s", err);
    cr_assert_not(old.feasible, "the base solution uses withdrawn seats");
    cr_assert_eq(regio_rpp_changed(&base, &moved), 1);
    int st;
    cJSON *py = ck_checker(TINY, spath, cpath, TINY_SOL, &st);
    cr_assert_eq(st, 0);
    ck_like_checker(&rep, py);
    cr_assert_eq(regio_rpp_changed(&base, &moved), (int64_t)ck_num(py, "changed"));
    cJSON_Delete(py);
    regio_rpp_sol_free(&base);
    regio_rpp_sol_free(&moved);
    regio_rpp_change_free(&c);
    regio_rpp_destroy(&after);
    regio_rpp_destroy(&r);
    unlink(cpath);
    unlink(spath);
}

Test(rpp_json, change_of_a_pinned_period_is_rejected_like_the_checker)
{
    char err[256], cpath[128];
    char *text = ck_replace(s_change_json, "\"period\": \"P2\"", "\"period\": \"P1\"");
    ck_put_file(ck_tmp(cpath, sizeof cpath, "change.json"), text);
    regio_rpp_t *r = ck_load(TINY);
    regio_rpp_change_t c;
    cr_assert_eq(regio_rpp_json_load_change(r, cpath, &c, err, sizeof err), REGIO_EINVALID);
    cr_assert(strstr(err, "pinned"), "%s", err);
    cr_assert_null(c.cap_offering, "a failed load leaves nothing to free");
    int st;
    ck_checker(TINY, TINY_SOL, cpath, TINY_SOL, &st);
    cr_assert_eq(st, 2, "the checker refuses it too");
    free(text);
    text = ck_replace(s_change_json, "[\"o2\"]", "[\"o9\"]");
    ck_put_file(cpath, text);
    cr_assert_eq(regio_rpp_json_load_change(r, cpath, &c, err, sizeof err), REGIO_ENOTFOUND);
    cr_assert(strstr(err, "o9"), "%s", err);
    free(text);
    text = ck_replace(s_change_json, "[0,0,2,2,2,2,0,0,0,0]", "[0,0,2]");
    ck_put_file(cpath, text);
    cr_assert_eq(regio_rpp_json_load_change(r, cpath, &c, err, sizeof err), REGIO_EINVALID);
    free(text);
    regio_rpp_destroy(&r);
    unlink(cpath);
}

Test(rpp_json, writer_keeps_coordinates_to_the_last_bit)
{
    regio_rpp_t *r = s_random_instance(50), *r2 = NULL;
    r->learners[3].lat = 51.123456789012345;
    r->learners[3].max_km = 0.1 + 0.2;
    char *buf = NULL, err[256];
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    cr_assert_eq(regio_rpp_json_write(r, f), 0);
    fclose(f);
    cr_assert_eq(regio_rpp_json_parse(buf, len, &r2, err, sizeof err), 0, "%s", err);
    for (int32_t l = 0; l < r->n_learners; l++) {
        cr_assert(r->learners[l].lat == r2->learners[l].lat);
        cr_assert(r->learners[l].lon == r2->learners[l].lon);
        cr_assert(r->learners[l].max_km == r2->learners[l].max_km);
        cr_assert_eq(r->learners[l].n_history, r2->learners[l].n_history);
    }
    for (int32_t o = 0; o < r->n_offerings; o++) {
        cr_assert(r->offerings[o].lat == r2->offerings[o].lat);
        cr_assert(memcmp(r->offerings[o].cap, r2->offerings[o].cap,
                         3 * REGIO_RPP_SLOTS * sizeof(int32_t)) == 0);
    }
    free(buf);
    regio_rpp_destroy(&r);
    regio_rpp_destroy(&r2);
}
