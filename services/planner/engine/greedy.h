/* greedy - a fast feasible first plan.
 *
 * Learners with the fewest candidate offerings choose first (they have the
 * least room to go elsewhere); each takes, period by period, the placement
 * that gains most with the seats left (regio_plan_learner_greedy).
 */
#ifndef REGIO_GREEDY_H
#define REGIO_GREEDY_H

#include <stdint.h>

#include "plan.h"

/* Give each of learners[0..n-1] (NULL: every learner) its greedy picks, in
 * order of scarcity (ties broken by seed). Returns the change of the
 * objective. Can't fail: without memory for the ordering, learners go in
 * the order given. */
double regio_greedy_fill(regio_plan_t *pl, regio_plan_work_t *w, const int32_t *learners,
                         int32_t n, uint64_t seed);

#include "engine.h"

/* The "greedy" engine: construction only (for a replan: only the learners
 * whose placements were forced to change). */
int regio_greedy_solve(const regio_rpp_t *r, const regio_engine_opts_t *opts,
                       regio_rpp_sol_t *out);

#endif
