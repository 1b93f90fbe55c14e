/* decide - what coordinators decided, added to a region: rpp-2's pins,
 * refusals and reservations, drawn so that the instance stays valid.
 *
 * Pins are placements of a feasible plan (the greedy engine's), so they
 * fit the seats together; refusals are pairings the learner could take
 * (its candidates, cand.h); reservations hold up to half of an offering's
 * seats for the school of a learner who could go there. Every decision
 * goes through the model's add_* calls, which judge it as rpp_check.py
 * does; one that would break a rule (a pin on seats now held for another
 * school, or on a pairing now refused) is left out and counted.
 * Same instance, params and seed: same decisions.
 */
#ifndef REGIO_GEN_DECIDE_H
#define REGIO_GEN_DECIDE_H

#include <stdint.h>

#include "regio/rpp.h"

typedef struct {
    double pins;      /* share of the plan's placements pinned, 0..1 */
    double forbidden; /* share of learners who decline one pairing they could take, 0..1 */
    double reserved;  /* share of offerings holding seats for one school, 0..1 */
    uint64_t seed;
} regio_gen_decide_params_t;

/* What regio_gen_decide added, and what it left out. */
typedef struct {
    int32_t pins, pins_left_out;
    int32_t forbidden;
    int32_t reservations;
} regio_gen_decide_stats_t;

/* Add decisions to r, which has none yet. st (may be NULL) gets the
 * counts. Returns 0, -ENOMEM, or the first error of the model other than a
 * rule broken by a pin (err then says which). */
int regio_gen_decide(regio_rpp_t *r, const regio_gen_decide_params_t *p,
                     regio_gen_decide_stats_t *st, char *err, size_t errlen);

#endif
