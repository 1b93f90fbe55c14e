/* replan - start a plan from a previous one after the instance changed.
 *
 * Keeps every base placement that still fits (pinned periods never move),
 * and marks the rest forced: those learners are the replanner's focus. The
 * objective then charges a margin for every other pick that moves away from
 * the base, so a later search moves an unforced placement only when that
 * gains more than the margin.
 */
#ifndef REGIO_REPLAN_H
#define REGIO_REPLAN_H

#include <stddef.h>
#include <stdint.h>

#include "engine.h"
#include "plan.h"

/* Load base (may be NULL: nothing to keep) into the empty plan pl and set
 * its extras: frozen picks in pinned periods, base picks and the margin.
 * When several still-eligible base placements no longer fit the seats, the
 * fewest are dropped. *focus (caller frees) gets the learners that lost a
 * placement, ascending. Returns 0, REGIO_EINVALID (a placement names a
 * learner, period or offering r lacks, repeats a (learner, period), or a
 * pinned placement no longer fits; err says which) or -ENOMEM. */
int regio_replan_load(regio_plan_t *pl, regio_plan_work_t *w, const regio_rpp_sol_t *base,
                      uint32_t pinned, double margin, int32_t **focus, int32_t *n_focus,
                      regio_engine_stats_t *st, char *err, size_t errlen);

/* The base placements regio_replan_load would drop (same rules, without
 * candidates or a plan: cheap, to know whom to search candidates for),
 * appended to dropped (initialised by the caller). Returns 0,
 * REGIO_EINVALID (as regio_replan_load) or -ENOMEM. */
int regio_replan_forced(const regio_rpp_t *r, const regio_rpp_sol_t *base, uint32_t pinned,
                        regio_rpp_sol_t *dropped, char *err, size_t errlen);

#endif
