/* plan_int - what plan.c and plan_seats.c share (not part of plan.h). */
#ifndef REGIO_PLAN_INT_H
#define REGIO_PLAN_INT_H

#include <stdint.h>

#include "plan.h"

/* At set-up, with seats and left from the pins' seats: capmask (open seats
 * at all), avail (open seats left) and the occupant lists' offsets. */
void regio_plan__masks(regio_plan_t *pl);

/* At set-up, once the occupant lists exist: r's pins as picks and
 * occupants, and the pinned learners' worths. 0, -ENOMEM, or
 * REGIO_EINVALID when a pin is not among its learner's candidates. */
int regio_plan__pins(regio_plan_t *pl);

/* Take (sign -1) or give back (sign +1) the seats of pick pk at (l, p),
 * and enter or leave the list of occupants. */
void regio_plan__seats(regio_plan_t *pl, int32_t l, int p, regio_pick_t pk, int sign);

/* Slots of (o, p) (op) where l could sit if nobody else held a seat: open
 * seats, and those held for its school. */
uint32_t regio_plan__capmask(const regio_plan_t *pl, int32_t l, int64_t op);

#endif
