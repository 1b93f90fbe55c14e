/* bound_int - what bound.c and bound_step.c share (not part of bound.h).
 *
 * Prices: an open seat's per (offering, period, slot), [(o*P + p)*10 + t];
 * rpp-2, a held seat's per reservation and slot, [i*10 + t], which its
 * school's learners pay where the school holds seats (never above the open
 * seat's price there: a learner could always take an open one instead). */
#ifndef REGIO_BOUND_INT_H
#define REGIO_BOUND_INT_H

#include <stdint.h>

#include "regio/rpp.h"

/* The seats' part of the Lagrangian value: every open seat at its price,
 * every held seat at its own. */
double regio_bound__seat_term(const regio_rpp_t *r, const double *price, const double *hprice);

/* One projected subgradient step on both kinds of prices, given the seats
 * a round used (use: all learners, per (o, p, t); use_held: per
 * reservation and slot, its school's learners where it holds seats);
 * scratch has a place per reservation and slot. Returns 0 when the prices
 * cannot move. */
int regio_bound__step(const regio_rpp_t *r, double *price, double *hprice, const int32_t *use,
                      const int32_t *use_held, double *scratch, double lag, double target,
                      double theta);

#endif
