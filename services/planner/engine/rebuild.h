/* rebuild - plan a cluster of learners afresh, the rest of the plan fixed.
 *
 * The LNS's neighbourhoods free a few picks and repair them greedily; they
 * cannot find a better arrangement of a contested cluster (a qualification
 * whose learners all compete for the same few offerings) that needs a dozen
 * learners to change several periods at once. A rebuild picks such a
 * cluster: a learner with need left, the learners placed where it is and
 * at two of its candidates, their neighbours in turn (8-19 learners). It
 * frees their whole years, gives them greedy picks in a fresh order,
 * searches only among them (an LNS worker restricted to the cluster, 30
 * iterations per learner), and keeps the result unless the objective
 * dropped; else it puts the old picks back.
 *
 * Why: on the 300-learner region of bench/planner.sh, the plan CBC finds in
 * 10 minutes differs from ours in one 40-learner cluster of hospitality
 * learners. No change of three learners or fewer leads towards it, but
 * solving 25-learner clusters exactly (CBC) or afresh (our engine) does,
 * step by step.
 *
 * A rebuild owns its scratch and a worker; it borrows the plan. It is used
 * by one thread at a time.
 */
#ifndef REGIO_REBUILD_H
#define REGIO_REBUILD_H

#include <stdint.h>

#include "lns_worker.h"

typedef struct {
    regio_plan_t *pl;              /* borrowed */
    const regio_lns_shared_t *sh;  /* borrowed */
    regio_lns_worker_t sub;        /* the search inside a cluster */
    regio_rng_t g;
    uint8_t *mark;                 /* per learner: 1 while in the cluster */
    int32_t *members;              /* the cluster */
    int32_t n;
    regio_pick_t *saved;           /* members' picks before the rebuild, [i*P + p] */
    int64_t iterations;            /* sub-search iterations done, in all */
    int64_t tried, kept, undone;   /* rebuilds tried, kept with a gain, and undone */
} regio_rebuild_t;

/* Set up a rebuild on pl. Returns 0 or -ENOMEM (then call free anyway). */
int regio_rebuild_init(regio_rebuild_t *rb, regio_plan_t *pl, const regio_lns_shared_t *sh,
                       uint64_t seed);
void regio_rebuild_free(regio_rebuild_t *rb);

/* Rebuild clusters until the budget is spent (b->iterations counts the
 * sub-searches' iterations; b's temperatures are the sub-searches').
 * A rebuild is kept when the objective is at least as high as before (a
 * tie, to rounding, counts: it lets the plan drift across plateaus); else
 * every old pick is put back. Returns the objective's change (>= 0 up to
 * rounding). */
double regio_rebuild_run(regio_rebuild_t *rb, const regio_lns_budget_t *b);

#endif
