/* lns - the default engine: greedy construction, then large-neighbourhood
 * search.
 *
 * Each iteration frees a small set of related picks (the occupants of a
 * seat a learner with unmet needs wants; learners close together; one
 * learner's whole year) and repairs them with best insertions, in random or
 * regret order. The result is kept when the objective did not drop, else the
 * old picks come back exactly. Every evaluation is incremental (plan.h).
 * With two or more threads, each thread searches its own copy with its own
 * seed and the copies meet at fixed iteration counts, the best one winning,
 * so a run with --iterations is deterministic for any thread count.
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

#endif
