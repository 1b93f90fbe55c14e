/* checker_fixture - run rpp_check.py from a test and compare its report
 * with ours; scratch files and text edits for JSON cases. Header-only
 * (static functions), for tests. */
#ifndef REGIO_TEST_CHECKER_FIXTURE_H
#define REGIO_TEST_CHECKER_FIXTURE_H

#include <cjson/cJSON.h>
#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "regio/rpp.h"
#include "regio/rpp_json.h"
#include "regio/rpp_score.h"

#define CHECKER REGIO_SHARED_DIR "/tools/rpp_check.py"

/* A text edit of a valid instance that breaks a rule (code 0: it does not). */
typedef struct {
    const char *from, *to; /* the first from becomes to */
    int code;              /* what the reader returns */
    const char *says;      /* a piece of the error line */
} ck_case_t;

/* A scratch file name unique to this test process. */
static inline const char *ck_tmp(char *buf, size_t len, const char *what)
{
    snprintf(buf, len, "/tmp/regio-test.%d.%s", (int)getpid(), what);
    return buf;
}

static inline void ck_put_file(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    cr_assert_not_null(f);
    fputs(text, f);
    fclose(f);
}

/* text with the first `from` replaced by `to`; the caller frees. */
static inline char *ck_replace(const char *text, const char *from, const char *to)
{
    const char *at = strstr(text, from);
    cr_assert_not_null(at, "test bug: '%s' not in the text", from);
    size_t n = strlen(text) - strlen(from) + strlen(to);
    char *out = malloc(n + 1);
    size_t head = (size_t)(at - text);
    memcpy(out, text, head);
    strcpy(out + head, to);
    strcat(out, at + strlen(from));
    return out;
}

/* Run the checker (with --json) and parse its report; *status gets the exit
 * code (0 feasible, 1 infeasible, 2 bad input; then the report is NULL). */
static inline cJSON *ck_checker(const char *inst, const char *sol, const char *change,
                        const char *base, int *status)
{
    char cmd[2048];
    if (change)
        snprintf(cmd, sizeof cmd,
                 "python3 '%s' '%s' '%s' --change '%s' --base '%s' --json 2>/dev/null", CHECKER,
                 inst, sol, change, base);
    else
        snprintf(cmd, sizeof cmd, "python3 '%s' '%s' '%s' --json 2>/dev/null", CHECKER, inst, sol);
    FILE *p = popen(cmd, "r");
    cr_assert_not_null(p);
    static char out[1 << 16];
    size_t n = fread(out, 1, sizeof out - 1, p);
    out[n] = '\0';
    int st = pclose(p);
    *status = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
    return *status == 2 ? NULL : cJSON_Parse(out);
}

static inline double ck_num(const cJSON *o, const char *key)
{
    const cJSON *it = cJSON_GetObjectItemCaseSensitive(o, key);
    cr_assert(cJSON_IsNumber(it), "checker report lacks %s", key);
    return it->valuedouble;
}

/* Our report against the checker's (which rounds to 3 or 6 decimals). */
static inline void ck_like_checker(const regio_rpp_report_t *rep, const cJSON *py)
{
    cr_assert_not_null(py, "checker gave no report");
    cr_assert_eq(rep->feasible, cJSON_IsTrue(cJSON_GetObjectItem(py, "feasible")));
    cr_assert(fabs(rep->score - ck_num(py, "score")) <= 0.0005 + 1e-12 * fabs(rep->score),
              "score %.6f vs checker %.6f", rep->score, ck_num(py, "score"));
    cr_assert(fabs(rep->travel_km - ck_num(py, "travel_km")) <= 0.0005 + 1e-12 * rep->travel_km);
    cr_assert_eq(rep->coverage, (int64_t)ck_num(py, "coverage"));
    cr_assert(fabs(rep->coverage_share - ck_num(py, "coverage_share")) <= 5e-7);
    cr_assert_eq(rep->repeats, (int64_t)ck_num(py, "repeats"));
    cr_assert_eq(rep->preference, (int64_t)ck_num(py, "preference"));
    cr_assert_eq(rep->placements, (int32_t)ck_num(py, "placements"));
    cr_assert_eq(rep->learners_placed, (int32_t)ck_num(py, "learners_placed"));
    cr_assert_eq(rep->learners, (int32_t)ck_num(py, "learners"));
    cr_assert(fabs(rep->school_share_min - ck_num(py, "school_share_min")) <= 5e-7);
    cr_assert(fabs(rep->school_share_max - ck_num(py, "school_share_max")) <= 5e-7);
    cr_assert_eq(rep->pins, (int32_t)ck_num(py, "pins"));
    cr_assert_eq(rep->reserved_seats_used, (int64_t)ck_num(py, "reserved_seats_used"));
    int errors = cJSON_GetArraySize(cJSON_GetObjectItem(py, "errors"));
    if (errors < 50)
        cr_assert_eq(rep->violations, errors, "violations %d vs checker %d", rep->violations,
                     errors);
}

static inline regio_rpp_t *ck_load(const char *path)
{
    regio_rpp_t *r = NULL;
    char err[256];
    int rc = regio_rpp_json_load(path, &r, err, sizeof err);
    cr_assert_eq(rc, 0, "%s: %s", path, err);
    return r;
}

static inline regio_rpp_report_t ck_eval(const regio_rpp_t *r, const regio_rpp_sol_t *s,
                                         char *first, size_t len)
{
    regio_rpp_report_t rep;
    cr_assert_eq(regio_rpp_evaluate(r, s, &rep, first, len), 0);
    return rep;
}

#endif
