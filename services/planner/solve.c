/* solve - offline planning from the command line: `regio-planner --solve`. */
#include "solve.h"

#include <errno.h>
#include <float.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "bound.h"
#include "engine.h"
#include "explain.h"
#include "lp.h"
#include "regio/config.h"
#include "regio/error.h"
#include "regio/rpp.h"
#include "regio/rpp_json.h"
#include "regio/rpp_score.h"

#define S_EXIT_FAIL 1
#define S_EXIT_INPUT 2

typedef struct {
    char instance[REGIO_CONFIG_STR_MAX]; /* --solve: plan this instance */
    char alt_instance[REGIO_CONFIG_STR_MAX];
    char out[REGIO_CONFIG_STR_MAX];
    char engine[REGIO_CONFIG_STR_MAX];
    char change[REGIO_CONFIG_STR_MAX];
    char base[REGIO_CONFIG_STR_MAX];
    char explain[REGIO_CONFIG_STR_MAX];
    char export_lp[REGIO_CONFIG_STR_MAX];
    char from_cbc[REGIO_CONFIG_STR_MAX];
    double seconds, margin, bound_seconds;
    long seed, iterations, threads;
    int fair, bound, quiet;
} s_cfg_t;

static const regio_config_entry_t *s_table(s_cfg_t *c)
{
    static regio_config_entry_t t[24];
    regio_config_entry_t v[] = {
        {"solve", REGIO_CONFIG_STR, c->instance, "", 0, -1, "rpp-1 or rpp-2 instance to plan"},
        {"instance", REGIO_CONFIG_STR, c->alt_instance, "", 0, -1,
         "rpp-1 or rpp-2 instance (for --export-lp without solving)"},
        {"out", REGIO_CONFIG_STR, c->out, "", 0, -1, "write the rpp-1-solution here"},
        {"seconds", REGIO_CONFIG_DOUBLE, &c->seconds, "0", 0, -1,
         "time budget (0: the engine's default, about 1 s per 2,000 learners)"},
        {"iterations", REGIO_CONFIG_INT, &c->iterations, "0", 0, 1L << 40,
         "stop after this many iterations instead (deterministic with --seed)"},
        {"seed", REGIO_CONFIG_INT, &c->seed, "1", 0, 1L << 62, "random seed"},
        {"threads", REGIO_CONFIG_INT, &c->threads, "2", 1, 64, "worker threads"},
        {"engine", REGIO_CONFIG_STR, c->engine, "lns", 0, -1, "engine: lns or greedy"},
        {"change", REGIO_CONFIG_STR, c->change, "", 0, -1, "rpp-1-change to apply (with --base)"},
        {"base", REGIO_CONFIG_STR, c->base, "", 0, -1, "previous solution to repair"},
        {"margin", REGIO_CONFIG_DOUBLE, &c->margin, "10000", 0, -1,
         "replanning: move an unforced placement only for at least this gain, "
         "cancel one only for twice it (10000: about one placement's worth of coverage)"},
        {"explain", REGIO_CONFIG_STR, c->explain, "", 0, -1, "write why needs stay unmet (JSON)"},
        {"fair", REGIO_CONFIG_BOOL, &c->fair, "0", 0, -1,
         "raise the lowest school share, giving up at most 1% of the score"},
        {"bound", REGIO_CONFIG_BOOL, &c->bound, "0", 0, -1,
         "compute an upper bound on the optimum and the plan's gap"},
        {"bound-seconds", REGIO_CONFIG_DOUBLE, &c->bound_seconds, "0", 0, -1,
         "time for --bound (0: automatic)"},
        {"export-lp", REGIO_CONFIG_STR, c->export_lp, "", 0, -1,
         "write the exact MIP model (CPLEX LP format, for CBC)"},
        {"from-cbc", REGIO_CONFIG_STR, c->from_cbc, "", 0, -1,
         "read CBC's solution of the --export-lp model instead of planning"},
        {"quiet", REGIO_CONFIG_BOOL, &c->quiet, "0", 0, -1, "no progress line and no summary"},
        {NULL, 0, NULL, NULL, 0, 0, NULL},
    };
    memcpy(t, v, sizeof v);
    return t;
}

static double s_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static int s_input_error(const char *what, int rc, const char *err)
{
    if (err && *err && strstr(err, what)) /* the reader named the file already */
        fprintf(stderr, "regio-planner: %s\n", err);
    else
        fprintf(stderr, "regio-planner: %s: %s\n", what, err && *err ? err : regio_strerror(rc));
    return S_EXIT_INPUT;
}

static int s_progress(void *arg, double elapsed, double score, double share, int32_t placements)
{
    (void)arg;
    fprintf(stderr, "\r%7.1fs  score %.1f  coverage %.1f%%  placements %d   ", elapsed, score,
            100.0 * share, (int)placements);
    fflush(stderr);
    return 0;
}

typedef struct {
    s_cfg_t cfg;
    regio_rpp_t *r;           /* the instance, with the change applied */
    regio_rpp_change_t change;
    regio_rpp_sol_t base;     /* --base, empty without */
    regio_rpp_sol_t sol;
    regio_engine_stats_t st;
    regio_rpp_report_t rep;
    double t0, plan_s;
} s_run_t;

static int s_load(s_run_t *x)
{
    char err[512] = "";
    const char *path = *x->cfg.instance ? x->cfg.instance : x->cfg.alt_instance;
    int rc = regio_rpp_json_load(path, &x->r, err, sizeof err);
    if (rc < 0)
        return s_input_error(path, rc, err);
    if (!*x->cfg.change)
        return 0;
    if ((rc = regio_rpp_json_load_change(x->r, x->cfg.change, &x->change, err, sizeof err)) < 0)
        return s_input_error(x->cfg.change, rc, err);
    if ((rc = regio_rpp_change_apply(x->r, &x->change, err, sizeof err)) < 0)
        return s_input_error(x->cfg.change, rc, err);
    if ((rc = regio_rpp_json_load_sol(x->r, x->cfg.base, &x->base, err, sizeof err)) < 0)
        return s_input_error(x->cfg.base, rc, err);
    return 0;
}

static int s_export(s_run_t *x)
{
    FILE *f = fopen(x->cfg.export_lp, "w");
    if (!f)
        return s_input_error(x->cfg.export_lp, -errno, NULL);
    int rc = regio_lp_write(x->r, f);
    if (fclose(f) != 0 && rc == 0)
        rc = -EIO;
    if (rc < 0) {
        fprintf(stderr, "regio-planner: %s: %s\n", x->cfg.export_lp, regio_strerror(rc));
        return S_EXIT_FAIL;
    }
    return 0;
}

static int s_plan(s_run_t *x)
{
    char err[512] = "";
    double t = s_now();
    int rc;
    if (*x->cfg.from_cbc) {
        if ((rc = regio_lp_read_cbc(x->r, x->cfg.from_cbc, &x->sol, err, sizeof err)) < 0)
            return s_input_error(x->cfg.from_cbc, rc, err);
        x->plan_s = s_now() - t;
        return 0;
    }
    const regio_engine_t *e = regio_engine_find(x->cfg.engine);
    if (!e)
        return s_input_error("--engine", REGIO_ENOTFOUND, "unknown engine (lns, greedy)");
    regio_engine_opts_t o = regio_engine_default_opts();
    o.seconds = x->cfg.seconds;
    o.iterations = x->cfg.iterations;
    o.seed = (uint64_t)x->cfg.seed;
    o.threads = (int)x->cfg.threads;
    o.fair = x->cfg.fair;
    o.stats = &x->st;
    o.err = err;
    o.errlen = sizeof err;
    if (*x->cfg.base) {
        o.base = &x->base;
        o.pinned = x->change.pinned;
        o.move_margin = x->cfg.margin;
    }
    if (!x->cfg.quiet && isatty(STDERR_FILENO))
        o.progress = s_progress;
    rc = e->solve(x->r, &o, &x->sol);
    if (o.progress)
        fputc('\n', stderr);
    x->plan_s = s_now() - t;
    if (rc == REGIO_EINVALID)
        return s_input_error(x->cfg.base, rc, err);
    if (rc < 0) {
        fprintf(stderr, "regio-planner: planning failed: %s\n", regio_strerror(rc));
        return S_EXIT_FAIL;
    }
    return 0;
}

/* Check the plan as rpp_check.py would and write it out. */
static int s_write(s_run_t *x)
{
    char err[512] = "";
    regio_rpp_sol_sort(&x->sol);
    int rc = regio_rpp_evaluate(x->r, &x->sol, &x->rep, err, sizeof err);
    if (rc < 0 || !x->rep.feasible) {
        fprintf(stderr, "regio-planner: the plan is not feasible: %s\n",
                rc < 0 ? regio_strerror(rc) : err);
        return S_EXIT_FAIL;
    }
    FILE *f = fopen(x->cfg.out, "w");
    if (!f)
        return s_input_error(x->cfg.out, -errno, NULL);
    rc = regio_rpp_json_write_sol(x->r, &x->sol, f);
    if (fclose(f) != 0 && rc == 0)
        rc = -EIO;
    if (rc < 0) {
        fprintf(stderr, "regio-planner: %s: %s\n", x->cfg.out, regio_strerror(rc));
        return S_EXIT_FAIL;
    }
    return 0;
}

static int s_explain(s_run_t *x, int32_t *unmet)
{
    FILE *f = fopen(x->cfg.explain, "w");
    if (!f)
        return s_input_error(x->cfg.explain, -errno, NULL);
    int rc = regio_explain_write(x->r, &x->sol, f, unmet);
    if (fclose(f) != 0 && rc == 0)
        rc = -EIO;
    if (rc < 0) {
        fprintf(stderr, "regio-planner: %s: %s\n", x->cfg.explain, regio_strerror(rc));
        return S_EXIT_FAIL;
    }
    return 0;
}

static void s_summary(const s_run_t *x, int32_t unmet, const double *bound, double bound_s)
{
    const regio_rpp_report_t *p = &x->rep;
    printf("score: %.3f\n", p->score);
    printf("coverage_share: %.6f\n", p->coverage_share);
    printf("learners_placed: %d of %d\n", (int)p->learners_placed, (int)p->learners);
    printf("placements: %d\n", (int)p->placements);
    printf("travel_km: %.1f\n", p->travel_km);
    printf("repeats: %lld\npreference: %lld\n", (long long)p->repeats, (long long)p->preference);
    printf("school_share_min: %.6f\nschool_share_max: %.6f\n", p->school_share_min,
           p->school_share_max);
    if (regio_rpp_is_v2(x->r))
        printf("pins: %d\nreserved_seats_used: %lld\n", (int)p->pins,
               (long long)p->reserved_seats_used);
    if (!*x->cfg.from_cbc)
        printf("first_score: %.3f\niterations: %lld\nreheats: %lld\nislands_seconds: %.3f\n"
               "slab_epochs: %lld\ncrossed: %lld\nprices_seconds: %.3f\nprices_used: %d\n"
               "candidates: %lld\nsetup_seconds: %.3f\n",
               x->st.first_score, (long long)x->st.iterations, (long long)x->st.reheats,
               x->st.islands_s, (long long)x->st.slab_epochs, (long long)x->st.crossed,
               x->st.prices_s, x->st.prices_used, (long long)x->st.candidates, x->st.setup_s);
    if (*x->cfg.base)
        printf("forced: %d\nchanged: %d\nkept: %d\n", (int)x->st.forced, (int)x->st.changed,
               (int)x->st.base_kept);
    if (x->cfg.fair)
        printf("fair_min_before: %.6f\nfair_min_after: %.6f\n", x->st.fair_min_before,
               x->st.fair_min_after);
    if (*x->cfg.explain)
        printf("unmet_needs: %d\n", (int)unmet);
    if (bound && *bound >= DBL_MAX) {
        printf("bound: none\ngap: none\nbound_seconds: %.2f\n", bound_s); /* no round in time */
    } else if (bound) {
        double gap = *bound > 0 ? (*bound - p->score) / *bound : 0;
        printf("bound: %.3f\ngap: %.4f%%\nbound_seconds: %.2f\n", *bound, 100 * gap, bound_s);
    }
    printf("plan_seconds: %.3f\nseconds: %.3f\n", x->plan_s, s_now() - x->t0);
}

static int s_bound(s_run_t *x, double *ub, double *secs)
{
    regio_bound_opts_t o = regio_bound_default_opts();
    o.seconds = x->cfg.bound_seconds;
    o.lower = x->rep.score;
    o.threads = (int)x->cfg.threads;
    o.patience = 10; /* a bound is asked for: spend the time on a lower one */
    double t = s_now();
    int rc = regio_bound_compute(x->r, &o, ub);
    *secs = s_now() - t;
    if (rc < 0) {
        fprintf(stderr, "regio-planner: bound: %s\n", regio_strerror(rc));
        return S_EXIT_FAIL;
    }
    return 0;
}

static int s_args(s_run_t *x, int argc, char **argv)
{
    char err[512] = "";
    int rc = regio_config_parse(s_table(&x->cfg), argc, argv, stdout, err, sizeof err);
    if (rc == 1)
        return -1; /* --help */
    if (rc < 0)
        return s_input_error("arguments", rc, err);
    const s_cfg_t *c = &x->cfg;
    const char *why = NULL;
    if (!*c->instance && !*c->alt_instance)
        why = "give the instance with --solve FILE (or --instance FILE with --export-lp)";
    else if (*c->instance && !*c->out)
        why = "--solve needs --out FILE";
    else if (!*c->instance && !*c->export_lp)
        why = "--instance is only for --export-lp; plan with --solve";
    else if (!*c->change != !*c->base)
        why = "--change and --base go together";
    else if (*c->from_cbc && *c->base)
        why = "--from-cbc cannot replan a base";
    if (why)
        return s_input_error("arguments", REGIO_EINVALID, why);
    return 0;
}

int regio_planner_solve_main(int argc, char **argv)
{
    s_run_t x;
    memset(&x, 0, sizeof x);
    x.t0 = s_now();
    regio_rpp_sol_init(&x.base);
    regio_rpp_sol_init(&x.sol);
    int rc = s_args(&x, argc, argv);
    if (rc != 0)
        return rc < 0 ? 0 : rc;
    int32_t unmet = 0;
    double ub = 0, bound_s = 0;
    if ((rc = s_load(&x)) != 0)
        goto done;
    if (*x.cfg.export_lp && (rc = s_export(&x)) != 0)
        goto done;
    if (!*x.cfg.instance)
        goto done;
    if ((rc = s_plan(&x)) != 0 || (rc = s_write(&x)) != 0)
        goto done;
    if (*x.cfg.explain && (rc = s_explain(&x, &unmet)) != 0)
        goto done;
    if (x.cfg.bound && (rc = s_bound(&x, &ub, &bound_s)) != 0)
        goto done;
    if (!x.cfg.quiet)
        s_summary(&x, unmet, x.cfg.bound ? &ub : NULL, bound_s);
done:
    regio_rpp_sol_free(&x.sol);
    regio_rpp_sol_free(&x.base);
    regio_rpp_change_free(&x.change);
    regio_rpp_destroy(&x.r);
    return rc;
}
