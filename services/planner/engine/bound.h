/* bound - an upper bound on the best score of an rpp-1 or rpp-2 instance.
 *
 * Lagrangian relaxation of the seats: every (offering, period, slot) seat
 * gets a price >= 0; each learner then plans alone, exactly, paying the
 * prices of the seats it uses (the coverage caps tie its periods together,
 * so its periods are searched jointly, with pruning). The sum of those
 * optima plus the prices of all seats bounds every feasible plan from above,
 * for any prices; subgradient steps lower it. The best value seen is
 * returned, so the bound is valid whenever the search stops. When a
 * learner's search hits its node limit, the best bound of what it left
 * open counts instead of its optimum (still valid, a little weaker).
 *
 * rpp-2: a pin is its learner's only option in its period; refused
 * pairings are no candidates; where a school holds seats, its learners pay
 * a price of their own for them (at most the open seat's), others may use
 * only the open seats, and the reservation rule's rows are relaxed with
 * both prices (bound_step.c).
 */
#ifndef REGIO_BOUND_H
#define REGIO_BOUND_H

#include <stdint.h>

#include "cand.h"
#include "regio/rpp.h"

typedef struct {
    double seconds;   /* time budget (<= 0: automatic) */
    int iterations;   /* subgradient steps at most (<= 0: 3,000) */
    double lower;     /* score of a known feasible plan (steers the step size; 0 if none) */
    int threads;      /* <= 0: 1 */
    int64_t nodes;    /* search nodes per learner and round (<= 0: 20,000); fewer are
                         faster but give a weaker bound */
    int patience;     /* rounds without a new best before the step size halves (<= 0: 5);
                         more takes longer but ends lower (10 gains ~0.1% at 2,000
                         learners given 12 s instead of 8) */
    double *prices;   /* when not NULL: n_offerings * n_periods * 10 entries that get the
                         seat prices of the best bound, [(o*P + p)*10 + t] */
    int min_rounds;   /* <= 0: off. > 0: the first round (every learner once) gets
                         seconds / min_rounds; when it would take longer (judged from each
                         thread's pace after every 255 of its learners; a thread with
                         fewer never judges) the run stops there with *ub = DBL_MAX and
                         prices untouched, as too few rounds would fit to move them */
} regio_bound_opts_t;

regio_bound_opts_t regio_bound_default_opts(void);

/* Compute an upper bound on the optimum of r into *ub (DBL_MAX: none, when
 * no round finished in time). Returns 0 or -ENOMEM. */
int regio_bound_compute(const regio_rpp_t *r, const regio_bound_opts_t *o, double *ub);

/* As regio_bound_compute, with r's candidates already built (cand.h; they
 * must have been built without extra offerings). */
int regio_bound_run(const regio_rpp_t *r, const regio_cands_t *c, const regio_bound_opts_t *o,
                    double *ub);

#endif
