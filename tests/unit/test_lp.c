/* test_lp - the exact MIP model and reading CBC's answer back. */
#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bound.h"
#include "cand.h"
#include "decide.h"
#include "engine.h"
#include "engine_fixture.h"
#include "lp.h"
#include "regio/error.h"
#include "regio/rpp.h"
#include "regio/rpp_json.h"
#include "regio/rpp_score.h"

static char *s_write_model(const regio_rpp_t *r, size_t *len)
{
    char *buf = NULL;
    FILE *f = open_memstream(&buf, len);
    cr_assert_eq(regio_lp_write(r, f), 0);
    fclose(f);
    return buf;
}

Test(lp, model_has_every_section_and_one_row_per_learner_period)
{
    regio_rpp_t *r = fx_region_simple(12, 10, 3);
    size_t len;
    char *lp = s_write_model(r, &len);
    cr_assert(strstr(lp, "Maximize\n") && strstr(lp, "Subject To\n") && strstr(lp, "Bounds\n") &&
              strstr(lp, "Binaries\n") && strstr(lp, "End\n"));
    cr_assert(strstr(lp, " cap_"), "no seat rows");
    cr_assert(strstr(lp, " cov_"), "no coverage rows");
    for (char *line = strtok(lp, "\n"); line; line = strtok(NULL, "\n"))
        cr_assert_lt(strlen(line), 510, "line too long for LP readers");
    free(lp);
    regio_rpp_destroy(&r);
}

Test(lp, reads_a_cbc_solution_back)
{
    regio_rpp_t *r = fx_region_simple(12, 10, 3);
    char path[] = "/tmp/regio-test-lp-XXXXXX";
    int fd = mkstemp(path);
    FILE *f = fdopen(fd, "w");
    /* a learner's first candidate in its first planned period, two slots */
    regio_cands_t c;
    cr_assert_eq(regio_cands_build(r, NULL, 1, &c), 0);
    int l = 0;
    while (l < r->n_learners && (c.start[l + 1] == c.start[l] || !r->learners[l].planned))
        l++;
    cr_assert_lt(l, r->n_learners);
    int p = __builtin_ctz(r->learners[l].planned);
    fprintf(f, "Optimal - objective value 123.0\n");
    fprintf(f, "      0 x_%d_%d_0                 1                  0\n", l, p);
    fprintf(f, "      1 y_%d_%d_0_3               1                  0\n", l, p);
    fprintf(f, "      2 y_%d_%d_0_4               1                  0\n", l, p);
    fprintf(f, "      3 y_%d_%d_0_5          1e-10                  0\n", l, p);
    fprintf(f, "      4 c_%d_0                  40                  0\n", l);
    fclose(f);
    regio_rpp_sol_t sol;
    char err[128];
    regio_rpp_sol_init(&sol);
    cr_assert_eq(regio_lp_read_cbc(r, path, &sol, err, sizeof err), 0, "%s", err);
    cr_assert_eq(sol.n, 1);
    cr_assert_eq(sol.v[0].learner, l);
    cr_assert_eq(sol.v[0].period, p);
    cr_assert_eq(sol.v[0].offering, c.v[c.start[l]].offering);
    cr_assert_eq(sol.v[0].slots, (1u << 3) | (1u << 4));
    regio_cands_free(&c);
    regio_rpp_sol_free(&sol);
    regio_rpp_sol_init(&sol);
    f = fopen(path, "w");
    fprintf(f, "no solution here\n");
    fclose(f);
    cr_assert_eq(regio_lp_read_cbc(r, path, &sol, err, sizeof err), REGIO_EPARSE);
    regio_rpp_sol_free(&sol);
    unlink(path);
    regio_rpp_destroy(&r);
}

/* CBC's proven optimum of r's model: its plan into *sol, its objective into
 * *obj. dir is a scratch directory. */
static void s_cbc_optimum(const regio_rpp_t *r, const char *dir, regio_rpp_sol_t *sol, double *obj)
{
    char cmd[1024], lp[256], out[256], err[256] = "";
    snprintf(lp, sizeof lp, "%s/m.lp", dir);
    snprintf(out, sizeof out, "%s/s.txt", dir);
    FILE *f = fopen(lp, "w");
    cr_assert_eq(regio_lp_write(r, f), 0);
    fclose(f);
    snprintf(cmd, sizeof cmd, "cbc %s sec 60 solve solu %s >/dev/null 2>&1", lp, out);
    cr_assert_eq(system(cmd), 0);
    regio_rpp_sol_init(sol);
    cr_assert_eq(regio_lp_read_cbc(r, out, sol, err, sizeof err), 0, "%s", err);
    f = fopen(out, "r");
    cr_assert_eq(fscanf(f, "Optimal - objective value %lf", obj), 1, "CBC did not prove optimality");
    fclose(f);
    *obj = fabs(*obj);
}

/* CBC's optimum of r's model is a feasible plan whose checked score equals
 * CBC's objective; our plan never beats it, and our upper bound (bound.h)
 * is never below it. Returns the optimum. Takes r. */
static double s_optimum_between(regio_rpp_t *r, const char *dir, const char *what)
{
    regio_rpp_sol_t cbc, ours;
    regio_rpp_report_t rc, ro;
    char err[256] = "";
    double obj = 0, ub = 0;
    s_cbc_optimum(r, dir, &cbc, &obj);
    cr_assert_eq(regio_rpp_evaluate(r, &cbc, &rc, err, sizeof err), 0);
    cr_assert(rc.feasible, "%s: CBC's plan breaks a rule: %s", what, err);
    cr_assert(fabs(obj - rc.score) < 1e-3 * (1 + obj), "%s: model %.3f, checker %.3f", what, obj,
              rc.score);
    regio_engine_opts_t o = regio_engine_default_opts();
    o.iterations = 3000;
    regio_rpp_sol_init(&ours);
    cr_assert_eq(regio_engine_find(NULL)->solve(r, &o, &ours), 0);
    cr_assert_eq(regio_rpp_evaluate(r, &ours, &ro, NULL, 0), 0);
    cr_assert_leq(ro.score, rc.score + 1e-6, "%s: beat the optimum?", what);
    regio_bound_opts_t bo = regio_bound_default_opts();
    bo.iterations = 200;
    bo.lower = ro.score;
    cr_assert_eq(regio_bound_compute(r, &bo, &ub), 0);
    cr_assert_geq(ub, rc.score - 1e-6, "%s: bound %.3f below CBC's optimum %.3f", what, ub,
                  rc.score);
    cr_log_info("%s: ours %.1f, CBC's optimum %.1f, our bound %.1f", what, ro.score, rc.score,
                ub);
    regio_rpp_sol_free(&cbc);
    regio_rpp_sol_free(&ours);
    regio_rpp_destroy(&r);
    return rc.score;
}

/* When CBC is installed: s_optimum_between on several regions, so the bound
 * meets optima where seats are contested and where they are not; then the
 * same regions with rpp-2's decisions (the model's pins, refusals and
 * held-seat rows), and tiny-2, whose optimum our search finds. */
Test(lp, cbc_optimum_is_feasible_and_lies_between_our_plan_and_our_bound)
{
    /* ./regio installs coinor-cbc: a missing solver fails, it is not skipped */
    cr_assert_eq(system("command -v cbc >/dev/null 2>&1"), 0, "cbc (coinor-cbc) is not installed");
    char dir[] = "/tmp/regio-test-cbc-XXXXXX", cmd[1024], what[64], err[256] = "";
    cr_assert_not_null(mkdtemp(dir));
    const struct { int learners, offerings; uint64_t seed; } regions[] = {
        {25, 15, 5}, {30, 8, 6}, {40, 12, 7}};
    for (size_t i = 0; i < 2 * sizeof regions / sizeof regions[0]; i++) {
        size_t k = i % (sizeof regions / sizeof regions[0]);
        int decided = i >= sizeof regions / sizeof regions[0];
        regio_rpp_t *r = fx_region_simple(regions[k].learners, regions[k].offerings,
                                          regions[k].seed);
        regio_gen_decide_params_t dp = {.pins = 0.2, .forbidden = 0.2, .reserved = 0.4,
                                        .seed = regions[k].seed};
        if (decided)
            cr_assert_eq(regio_gen_decide(r, &dp, NULL, err, sizeof err), 0, "%s", err);
        snprintf(what, sizeof what, "region %zu%s", k, decided ? " decided" : "");
        s_optimum_between(r, dir, what);
    }
    regio_rpp_t *r = NULL;
    cr_assert_eq(regio_rpp_json_load(REGIO_SHARED_DIR "/spec/examples/tiny-2.json", &r, err,
                                     sizeof err), 0, "%s", err);
    regio_rpp_sol_t sol;
    regio_rpp_report_t rep;
    regio_engine_opts_t o = regio_engine_default_opts();
    o.iterations = 2000;
    regio_rpp_sol_init(&sol);
    cr_assert_eq(regio_engine_find(NULL)->solve(r, &o, &sol), 0);
    cr_assert_eq(regio_rpp_evaluate(r, &sol, &rep, NULL, 0), 0);
    double best = s_optimum_between(r, dir, "tiny-2");
    cr_assert(fabs(best - rep.score) < 1e-3, "tiny-2: CBC's optimum %.3f, our plan %.3f", best,
              rep.score);
    regio_rpp_sol_free(&sol);
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    cr_assert_eq(system(cmd), 0);
}
