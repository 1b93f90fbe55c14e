/* replan - start a plan from a previous one after the instance changed.
 *
 * Keeps every base placement that still fits (pinned periods never move),
 * and marks the rest forced: those learners are the replanner's focus. The
 * objective then charges a margin for every other pick that moves away from
 * the base (two when the learner is left without a placement there), so a
 * later search moves an unforced placement only when that gains more than
 * the margin, and cancels one only for more than twice it.
 */
#ifndef REGIO_REPLAN_H
#define REGIO_REPLAN_H

#include <stddef.h>
#include <stdint.h>

#include "engine.h"
#include "plan.h"

/* Which base placements stay: keep[i] (base->n entries, the caller's) = 1
 * for every placement that still fits on its own (eligible, planned, on
 * free slots, not declined; where the instance pins the learner, only the
 * pin itself); where those no longer fit the seats left by the pins (the
 * reservation rule counted), the fewest unpinned ones (those holding most
 * over-used open seats first) get 0. Cheap: needs no
 * candidates or plan, so a replan knows whom to search candidates for.
 * Returns 0, REGIO_EINVALID (a placement names a learner, period or
 * offering r lacks, repeats a (learner, period), or a pinned placement no
 * longer fits; err says which) or -ENOMEM. */
int regio_replan_decide(const regio_rpp_t *r, const regio_rpp_sol_t *base, uint32_t pinned,
                        uint8_t *keep, char *err, size_t errlen);

/* Load base (may be NULL: nothing to keep) into the empty plan pl, whose
 * candidates hold base's offerings (cand.h, built with base as extra), and
 * set its extras: frozen picks in pinned periods, base picks and the
 * margin. keep is regio_replan_decide's answer for base (unused when base
 * is NULL). *focus (caller frees) gets the learners that lost a
 * placement, ascending. Returns 0 or -ENOMEM. */
int regio_replan_load(regio_plan_t *pl, regio_plan_work_t *w, const regio_rpp_sol_t *base,
                      const uint8_t *keep, uint32_t pinned, double margin, int32_t **focus,
                      int32_t *n_focus, regio_engine_stats_t *st);

#endif
