/* session - what every engine's solve shares: candidates, the plan, the
 * clock, progress reports and the base plan of a replan.
 *
 * An engine opens a session (which finds candidates, sets up the plan and,
 * when opts.base is given, loads the base plan: pinned periods frozen, still
 * feasible placements kept, the rest marked forced), improves
 * session.plan as it likes, and finishes (the plan becomes the solution).
 */
#ifndef REGIO_SESSION_H
#define REGIO_SESSION_H

#include <stdint.h>

#include "cand.h"
#include "engine.h"
#include "plan.h"

typedef struct {
    const regio_rpp_t *r;           /* borrowed */
    const regio_engine_opts_t *opts;/* borrowed */
    regio_cands_t cands;
    regio_plan_t plan;
    regio_plan_work_t work;         /* scratch for the calling thread */
    double t0;                      /* regio_session_clock() at open */
    double deadline;                /* clock value at which to stop */
    int64_t iter_limit;             /* stop after this many iterations (0: by the clock);
                                       opts->iterations unless a phase narrows it */
    double last_report;             /* clock value of the last progress call */
    int stop;                       /* set once progress asked to stop */
    int32_t *focus;                 /* replanning: learners with a forced pick */
    int32_t n_focus;
    regio_engine_stats_t stats;
} regio_session_t;

/* Seconds on a monotonic clock. */
double regio_session_clock(void);

/* Open a session for r with opts; default_seconds is the engine's budget
 * when opts->seconds <= 0 (counted from the end of the set-up; an explicit
 * opts->seconds counts from the start). Returns 0, REGIO_EINVALID (a base
 * placement names something r lacks, or a pinned one no longer fits;
 * opts->err says which) or -ENOMEM. On error nothing needs closing. */
int regio_session_open(regio_session_t *s, const regio_rpp_t *r, const regio_engine_opts_t *opts,
                       double default_seconds);

/* Whether the budget is spent (time or iterations, or a stop asked for by
 * the progress callback, which it calls at most 5 times a second). */
int regio_session_done(regio_session_t *s);

/* Write the plan into out, fill opts->stats, and close. Returns 0 or -ENOMEM
 * (the session is closed either way). */
int regio_session_finish(regio_session_t *s, regio_rpp_sol_t *out);

/* Free everything; safe to call twice. */
void regio_session_close(regio_session_t *s);

#endif
