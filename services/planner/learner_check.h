/* learner_check - validation of a learner request from a school system. */
#ifndef REGIO_PLANNER_LEARNER_CHECK_H
#define REGIO_PLANNER_LEARNER_CHECK_H

#include <stddef.h>

#include "regio/msg.h"
#include "world.h"

/* Check every field of l against the rules of rpp-1 and the calendar of w
 * (periods in `free` must exist once the registry is synced: pass
 * calendar_known = 0 before that). Returns 0, or REGIO_EINVALID /
 * REGIO_ERANGE / REGIO_ENOTFOUND with one line in err naming the field. */
int regio_learner_check(const regio_world_t *w, int calendar_known, const Regio__Learner *l,
                        char *err, size_t errlen);

#endif
