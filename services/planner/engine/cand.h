/* cand - each learner's candidate offerings, precomputed once per solve.
 *
 * A candidate is an offering the learner is eligible for (regio_rpp_eligible)
 * and has not declined (regio_rpp_forbidden) that can add to the score: it
 * lists a goal the learner still needs, or belongs to a preferred partner
 * (or it must be there: a pin's offering, or one the caller asked for, the
 * offerings of a base plan). Offerings that can only cost travel are never
 * worth a placement, so leaving them out loses nothing. Candidates are found through
 * a spatial grid, never by an all-pairs loop.
 *
 * A learner in a dense area can reach hundreds of such offerings; engines
 * keep only the REGIO_CANDS_MAX most promising (what one placement could be
 * worth on its own), which bounds memory and time per learner. The bound
 * and the exact model keep them all.
 *
 * Per candidate the hot loops get everything they need without touching the
 * instance: one day's round trip, the learner's needs it covers as a bit
 * mask, its partner and whether that partner is preferred or in the history.
 */
#ifndef REGIO_CAND_H
#define REGIO_CAND_H

#include <stdint.h>

#include "regio/rpp.h"

#define REGIO_CANDS_MAX 256     /* what engines keep per learner: the most promising */
#define REGIO_CAND_PREFERRED 1u /* partner is in the learner's preferred_partners */
#define REGIO_CAND_HISTORY 2u   /* partner is in the learner's history */

typedef struct {
    double trip;       /* km of one day's travel: 2 * distance */
    uint64_t needs;    /* bit i: learner need i (amount > 0) is a goal here */
    int32_t offering;  /* offering index */
    int32_t partner;   /* partner index of the offering */
    uint32_t flags;    /* REGIO_CAND_* */
} regio_cand_t;

typedef struct {
    int32_t n_learners;
    int32_t n_offerings;
    int64_t *start;       /* n_learners+1 offsets into v; a learner's are sorted by offering */
    regio_cand_t *v;      /* all candidates */
    uint8_t *wide;        /* per learner: 1 = coverage must be counted from the offering's goal
                             list (more than 64 needs, or an offering repeats a goal) */
    int64_t *inv_start;   /* n_offerings+1 offsets into inv */
    int32_t *inv;         /* per offering: learners that have it as a candidate, ascending */
} regio_cands_t;

/* Build all candidates of every learner of r. extra (may be NULL) is a plan
 * whose offerings become candidates of their learners when eligible, even if
 * they add nothing. threads (<= 0: 1) share the work. Returns 0 or -ENOMEM;
 * on error *c is left empty. */
int regio_cands_build(const regio_rpp_t *r, const regio_rpp_sol_t *extra, int threads,
                      regio_cands_t *c);

/* As regio_cands_build, but only learners with only[l] != 0 get their
 * candidates searched; the others get just their extra offerings (so a
 * replan can leave them where they are without finding all they could
 * reach). only NULL means everyone. max > 0 keeps at most that many per
 * learner (the most promising; extra ones are always kept). */
int regio_cands_build_some(const regio_rpp_t *r, const regio_rpp_sol_t *extra,
                           const uint8_t *only, int64_t max, int threads, regio_cands_t *c);

/* Into *dst (the caller frees it with regio_cands_free): src with each
 * learner's max (> 0) most promising candidates only (and its pins'), by the promise
 * regio_cands_build_some's max ranks with (ties: the lower offering), in
 * src's order. Cheaper searches that need not see every candidate use it, such
 * as the seat prices that guide the search. Returns 0 or -ENOMEM (*dst
 * then empty). */
int regio_cands_top(const regio_rpp_t *r, const regio_cands_t *src, int64_t max,
                    regio_cands_t *dst);

/* Free everything in c (the struct itself is the caller's); safe on a zeroed c. */
void regio_cands_free(regio_cands_t *c);

/* Index of offering o among learner l's candidates, or -1. Can't fail. */
int32_t regio_cands_find(const regio_cands_t *c, int32_t l, int32_t o);

/* Add add dagdelen of credit to credit[i] for every need i of learner l that
 * the candidate's offering lists, counting a goal listed twice twice (as the
 * checker does). Only needed when c->wide[l]; otherwise use cand->needs. */
void regio_cands_credit_wide(const regio_rpp_t *r, int32_t l, const regio_cand_t *cd, int32_t add,
                             int64_t *credit);

#endif
