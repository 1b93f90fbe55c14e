/* lns - the default engine: construction, then large-neighbourhood search.
 *
 * Construction: a greedy plan (greedy.h), then, while 30% of the budget
 * lasts (45% from 1,000 learners), seat prices from the Lagrangian bound
 * (bound.h; from 1,000 learners over each learner's 16 most promising
 * candidates, which keeps a round short in dense regions) and a second
 * greedy plan that pays those prices when choosing; the better plan starts
 * the search, whose moves pay them too. Where fewer than ten rounds of
 * prices would fit there are none, and the search gets the time. The
 * search (lns_worker.h) anneals: early on it accepts some worse moves,
 * later almost none, and it always returns the best plan it saw.
 * Once it has cooled a little, part of each epoch goes to rebuilds
 * (rebuild.h: a cluster of learners planned afresh) and to cycles
 * (cycle.h: ejection chains and cyclic exchanges), as much as they gain
 * per second against the plain search; not while it is hot, where their
 * uphill-only gains would quench the walk. Replans use neither. A long
 * search whose best has stalled starts cooling again from warm (the
 * summary's reheats). Every evaluation is incremental (plan.h).
 *
 * With two or more threads each thread searches its own copy of the plan
 * with its own seed; after every epoch (0.2 s, or 20,000 iterations per
 * thread) all copies become the best one (ties to the lowest thread), so a
 * run with --iterations is deterministic for any thread count. In regions
 * of 1,000 learners or more, epochs last 0.04 s and the best copy first
 * crosses with the others: every group of learners another walk placed
 * better (groups share no seats) comes along (plan.h, regio_plan_cross;
 * the summary's crossed). A long timed
 * search turns the threads into islands once they have done enough
 * iterations per learner: each walks on its own, and the copies meet only
 * when the search re-heats and at the end (the summary's islands_seconds).
 * In a big region (10,000 learners or more) the threads instead split the
 * region into slabs every epoch, a slab each, cut at a new angle each time,
 * and their changes are merged: both threads' work counts (the summary's
 * slab_epochs).
 */
#ifndef REGIO_LNS_H
#define REGIO_LNS_H

#include "engine.h"
#include "session.h"

/* The "lns" engine (see engine.h for the contract). */
int regio_lns_solve(const regio_rpp_t *r, const regio_engine_opts_t *opts, regio_rpp_sol_t *out);

/* Improve s->plan in place until the session's budget is spent, with one
 * thread and the given seed; focus (may be NULL) are learners to start
 * neighbourhoods from more often. Returns 0 or -ENOMEM. */
int regio_lns_improve(regio_session_t *s, uint64_t seed, const int32_t *focus, int32_t n_focus);

/* As regio_lns_improve, covering only the part fa..fb (0..1) of the cooling
 * schedule (later parts are cooler: fewer worse moves accepted). */
int regio_lns_search(regio_session_t *s, uint64_t seed, const int32_t *focus, int32_t n_focus,
                     double fa, double fb);

#endif
