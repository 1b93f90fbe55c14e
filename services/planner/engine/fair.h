/* fair - raise the lowest school's coverage share at a bounded cost.
 *
 * Fairness between schools is a max-min goal, which does not split over
 * learners; the search handles it through a bonus per covered dagdeel for
 * the learners of the schools that lag, raised round by round for the
 * lowest school and eased whenever the score falls more than 1% below the
 * plan the phase started from. The plan with the highest lowest share that
 * keeps 99% of that score is returned.
 */
#ifndef REGIO_FAIR_H
#define REGIO_FAIR_H

#include <stdint.h>

#include "session.h"

#define REGIO_FAIR_KEEP 0.99 /* share of the score fairness may not go below */

/* Improve s->plan for fairness until the session's budget is spent.
 * Fills s->stats.fair_min_before/after. Returns 0 or -ENOMEM (the plan is
 * then as it was). */
int regio_fair_improve(regio_session_t *s, uint64_t seed);

/* Lowest coverage share over schools with needs, of plan pl (1 when none). */
double regio_fair_min_share(const regio_plan_t *pl);

#endif
