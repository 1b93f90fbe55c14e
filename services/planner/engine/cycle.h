/* cycle - ejection chains and cyclic exchanges in one period, found on an
 * improvement graph.
 *
 * The LNS's chains follow one path at random, three links at most. Here a
 * group of learners who compete for the same offerings in one period gets
 * a graph instead: an arc u -> v when u could take v's seat (v's offering,
 * in the slots v gives up plus the seats left there), weighted by what u
 * gains or loses by it. A path u1 -> u2 -> ... -> uk, where each takes the
 * next one's seat and the last goes elsewhere (or nowhere), or a cycle back
 * to u1, changes the plan by the sum of its arcs. The best such path or
 * cycle of up to 6 learners whose seats lie at distinct offerings is found
 * by a label-correcting search that extends only paths with a positive sum
 * so far (every improving cycle has a starting point where all its prefix
 * sums are positive), then applied if the objective rises.
 *
 * Why: in the 300-learner region of bench/planner.sh, CBC's plan differs
 * from ours in one knot of 40 hospitality learners; the gain is a sum of
 * large gains and losses (one learner +8,800, another -7,400) that no
 * short random chain finds. Cycles did not close that gap (the knot's
 * exchanges span periods), but they pay on large regions, where the LNS
 * is far from a local optimum: +0.4% at 2,000 learners with the default
 * budget, +2.7% at 20,000 (lns.c).
 *
 * A cycle searcher owns its scratch and borrows the plan; one thread uses
 * it at a time.
 */
#ifndef REGIO_CYCLE_H
#define REGIO_CYCLE_H

#include <stdint.h>

#include "lns_worker.h"

#define REGIO_CYCLE_GROUP 40 /* learners in a graph, at most */
#define REGIO_CYCLE_DEPTH 6  /* learners on a path, at most */

typedef struct {
    regio_plan_t *pl;              /* borrowed */
    const regio_lns_shared_t *sh;  /* borrowed */
    regio_plan_work_t w;           /* w.allowed: offerings it may use (NULL: all) */
    const uint8_t *only;           /* per learner: when set, only learners marked 1 change
                                      (NULL: all); borrowed */
    regio_rng_t g;
    int32_t *pos;                  /* per learner: index in the group, or -1 */
    int32_t u[REGIO_CYCLE_GROUP];  /* the group */
    int n;
    double *arc;                   /* n*n gains (-HUGE_VAL: no arc) */
    regio_pick_t *move;            /* n*n: u's pick on the arc */
    int64_t iterations;            /* work done, in all: per graph 1 + arcs / 40 (one LNS
                                      iteration costs about as much as 40 arcs) */
    int64_t found, applied;        /* improving paths found, and applied */
} regio_cycle_t;

/* Set up on pl. Returns 0 or -ENOMEM (then call free anyway). */
int regio_cycle_init(regio_cycle_t *c, regio_plan_t *pl, const regio_lns_shared_t *sh,
                     uint64_t seed);
void regio_cycle_free(regio_cycle_t *c);

/* Search graphs until the budget is spent (b->iterations counts as
 * c->iterations does; temperatures are not used: only improvements are
 * applied). Returns the objective's change (> 0, or 0). */
double regio_cycle_run(regio_cycle_t *c, const regio_lns_budget_t *b);

#endif
