/* fuzz_rpp - checks the rpp fuzz targets share: writing, planning, feasibility.
 *
 * Header-only (static functions), included by the fuzz_rpp_* targets.
 */
#ifndef REGIO_FUZZ_RPP_H
#define REGIO_FUZZ_RPP_H

#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine.h"
#include "fuzz_env.h"
#include "regio/error.h"
#include "regio/rpp_json.h"
#include "regio/rpp_score.h"

/* LNS iterations per fuzz input: enough to exercise the search, and fast. */
#define FUZZ_LNS_ITERATIONS 20

/* r (or sol of r when sol is not NULL) as rpp-1 text; *len bytes. */
static inline char *fuzz_rpp_write(const regio_rpp_t *r, const regio_rpp_sol_t *sol, size_t *len)
{
    char *buf = NULL;
    FILE *f = open_memstream(&buf, len);
    if (!f)
        fuzz_die("open_memstream failed");
    int rc = sol ? regio_rpp_json_write_sol(r, sol, f) : regio_rpp_json_write(r, f);
    if (fclose(f) != 0 || rc < 0)
        fuzz_die("writing a parsed %s failed: %s", sol ? "solution" : "instance",
                 regio_strerror(rc));
    return buf;
}

/* Evaluate sol; dies unless it succeeds and, when must_be_feasible, is
 * feasible. Returns the report. */
static inline regio_rpp_report_t fuzz_rpp_evaluate(const regio_rpp_t *r, const regio_rpp_sol_t *sol,
                                                   int must_be_feasible, const char *what)
{
    regio_rpp_report_t rep;
    char err[512] = "";
    memset(&rep, 0, sizeof rep);
    int rc = regio_rpp_evaluate(r, sol, &rep, err, sizeof err);
    if (rc < 0)
        fuzz_die("evaluating %s failed: %s", what, regio_strerror(rc));
    if (must_be_feasible && (!rep.feasible || rep.violations != 0))
        fuzz_die("%s is infeasible (%d violations): %s", what, rep.violations, err);
    return rep;
}

/* 1 when two placements of sol share a (learner, period). */
static inline int fuzz_rpp_has_repeat(const regio_rpp_sol_t *sol)
{
    for (int32_t i = 0; i < sol->n; i++)
        for (int32_t j = 0; j < i; j++)
            if (sol->v[i].learner == sol->v[j].learner && sol->v[i].period == sol->v[j].period)
                return 1;
    return 0;
}

/* Plan r with engine name (repairing base when not NULL, keeping its pinned
 * periods) into out; returns the engine's code. Dies on codes the contract
 * does not allow, and when the plan is infeasible. */
static inline int fuzz_rpp_plan(const regio_rpp_t *r, const char *name, const regio_rpp_sol_t *base,
                                uint32_t pinned, regio_rpp_sol_t *out)
{
    char err[512] = "", what[64];
    const regio_engine_t *e = regio_engine_find(name);
    regio_engine_opts_t o = regio_engine_default_opts();
    o.iterations = FUZZ_LNS_ITERATIONS;
    o.seconds = 10;
    o.seed = 1;
    o.threads = 1;
    o.base = base;
    o.pinned = pinned;
    o.move_margin = 1000;
    o.err = err;
    o.errlen = sizeof err;
    regio_rpp_sol_init(out);
    int rc = e->solve(r, &o, out);
    if (rc == REGIO_EINVALID && base)
        return rc; /* the caller checks that base deserved it */
    if (rc < 0)
        fuzz_die("engine %s failed: %s (%s)", name, regio_strerror(rc), err);
    snprintf(what, sizeof what, "the plan of engine %s", name);
    fuzz_rpp_evaluate(r, out, 1, what);
    return 0;
}

#endif
