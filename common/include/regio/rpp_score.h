/* rpp_score - feasibility and score of an rpp-1 solution, as rpp_check.py
 * (of an rpp-1 or rpp-2 instance: reservations, refusals and pins count).
 *
 * The reference is ../shared/tools/rpp_check.py; this module computes the
 * same figures in C so the planner can report them and tests can compare
 * both. Per-learner scoring is exposed because the score is a sum over
 * learners: the engine's incremental scoring builds on it.
 */
#ifndef REGIO_RPP_SCORE_H
#define REGIO_RPP_SCORE_H

#include <stddef.h>
#include <stdint.h>

#include "regio/rpp.h"

/* The checker's report (same names as rpp_check.py --json). Figures are
 * not rounded: the checker prints score and travel_km to 3 decimals and the
 * shares to 6; before rounding both agree to the last bit. */
typedef struct {
    int feasible;            /* 1 when no hard rule is broken */
    int violations;          /* number of broken hard rules */
    double score;
    int64_t coverage;        /* dagdelen of need covered */
    int64_t need_total;      /* dagdelen of need in all */
    double coverage_share;
    double travel_km;
    int64_t repeats;
    int64_t preference;
    int32_t placements;
    int32_t learners_placed;
    int32_t learners;
    double school_share_min; /* lowest per-school coverage share */
    double school_share_max;
    int32_t pins;            /* rpp-2: the instance's pins */
    int64_t reserved_seats_used; /* rpp-2: placement-slots on seats held for their own school */
} regio_rpp_report_t;

/* Check s against r and fill rep. violations counts every entry of the
 * checker's error list (placement rules in solution order, then one per
 * overfull offering/period/slot, counting reservations, then one per pin s
 * does not hold exactly); placements whose indexes are out of range
 * count as "unknown" and, as in the checker, are not scored. Infeasible
 * placements are scored like feasible ones. When first_err is not NULL it
 * receives the checker's first violation line (or ""). Returns 0 (even when
 * infeasible: see rep->feasible), or -ENOMEM. */
int regio_rpp_evaluate(const regio_rpp_t *r, const regio_rpp_sol_t *s, regio_rpp_report_t *rep,
                       char *first_err, size_t errlen);

/* Score of one learner's placements pl[0..n-1], which must all belong to
 * learner l and have indexes in range; order does not matter (repeats are
 * counted per partner; cost is quadratic in n, which is small).
 * Returns the learner's share of the total score; coverage_out (may be NULL)
 * receives the covered dagdelen. Feasibility is not checked. Can't fail. */
double regio_rpp_learner_score(const regio_rpp_t *r, int32_t l, const regio_rpp_placement_t *pl,
                               int n, int64_t *coverage_out);

/* Per-school coverage shares: fills share[school] (size r->schools count) and
 * returns 0, or -ENOMEM. Schools without needs get 1.0. */
int regio_rpp_school_shares(const regio_rpp_t *r, const regio_rpp_sol_t *s, double *share);

/* Number of (learner, period) keys whose placement differs between a and b
 * (as rpp_check.py --base reports it). Returns the count or -ENOMEM. */
int64_t regio_rpp_changed(const regio_rpp_sol_t *a, const regio_rpp_sol_t *b);

#endif
