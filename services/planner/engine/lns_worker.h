/* lns_worker - one thread's large-neighbourhood search on one plan.
 *
 * Each iteration frees a small set of related picks, repairs them, and keeps
 * the result unless the objective dropped (or, annealing, by chance). The
 * neighbourhoods: a learner with need left plus the learners on the seats
 * of the placement it would take if it chose first (and an ejection chain
 * of those); learners close together in one period; a learner and everyone
 * placed at one of its candidate offerings, all periods (so placements can
 * shift between periods); one learner's whole year, searched exactly.
 * Moves since the best plan seen are logged, so the worker can always go
 * back to it. A worker owns its plan while it runs; with `only` set it
 * changes only the marked learners (how rebuild.h searches a cluster).
 */
#ifndef REGIO_LNS_WORKER_H
#define REGIO_LNS_WORKER_H

#include <stdint.h>

#include "plan.h"
#include "rng.h"

#define REGIO_LNS_MAX_D 48 /* picks freed per iteration, at most */

/* Read-only data every worker shares. */
typedef struct {
    int32_t *zorder;   /* learners along a Z-order curve over their homes */
    int32_t *zpos;     /* position of each learner in zorder */
    int64_t *need;     /* per learner: dagdelen needed in all */
} regio_lns_shared_t;

/* One freed pick and what it was. */
typedef struct {
    int32_t l;
    int16_t p;
    regio_pick_t old;
} regio_lns_item_t;

typedef struct {
    regio_plan_t *pl;            /* borrowed */
    regio_plan_work_t w;         /* own scratch */
    const regio_lns_shared_t *sh;
    regio_rng_t g;
    regio_lns_item_t d[REGIO_LNS_MAX_D]; /* the neighbourhood */
    int nd;
    int32_t *unmet;              /* learners with need left and candidates */
    int32_t n_unmet;
    const int32_t *focus;        /* learners to start from more often, or NULL */
    int32_t n_focus;
    const uint8_t *only;         /* per learner: when set, only learners marked 1 change,
                                    and only the focus learners are searched from (a
                                    rebuild's search; rebuild.h); NULL: all */
    double obj;                  /* objective change since the worker started */
    double best;                 /* the best value obj had */
    regio_lns_item_t *log;       /* picks changed since the best plan, oldest first */
    int64_t *starts;             /* where each logged move starts in log */
    int64_t nlog, nstart, caplog;
    double temp;                 /* annealing temperature (0: never worse) */
    int64_t iterations;          /* done, in all */
} regio_lns_worker_t;

/* How long one run lasts and how hot it is. */
typedef struct {
    int64_t iterations;    /* stop after this many (0: no limit) */
    double deadline;       /* stop at this clock value (0: no limit) */
    double temp_from;      /* temperature at the start of the run ... */
    double temp_to;        /* ... and at its end (geometric in between) */
} regio_lns_budget_t;

int regio_lns_shared_init(regio_lns_shared_t *sh, const regio_rpp_t *r);
void regio_lns_shared_free(regio_lns_shared_t *sh);

/* Set up a worker on pl. Returns 0 or -ENOMEM (then call free anyway). */
int regio_lns_worker_init(regio_lns_worker_t *x, regio_plan_t *pl, const regio_lns_shared_t *sh,
                          uint64_t seed);
void regio_lns_worker_free(regio_lns_worker_t *x);

/* Search until the budget is spent, then go back to the best plan seen.
 * Returns the objective's change over the run (>= 0). */
double regio_lns_worker_run(regio_lns_worker_t *x, const regio_lns_budget_t *b);

#endif
