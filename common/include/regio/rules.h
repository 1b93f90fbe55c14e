/* rules - what every calendar, partner, offering and learner must be.
 *
 * The one set of rules for the messages that describe a region: the
 * registry and the planner check each request with it before they store
 * it, and `regioctl import` checks a whole file with it before it sends
 * anything. Bounds come from limits.h, ids and texts are checked by
 * validate.h.
 *
 * Each check returns 0 or a negative regio code with one line in err that
 * names the entity and the field ("learner l3: needs: 80 listed, at most
 * 64"): REGIO_EINVALID (an id or text of the wrong shape, a duplicate, a
 * bad kind), REGIO_ERANGE (a number, a list's length or a text's length
 * past its bound), REGIO_ENOTFOUND (a reference to something that does
 * not exist). regio_msg_error_code() turns these into wire codes. The
 * messages are borrowed for the call; nothing is kept. None can fail
 * otherwise.
 */
#ifndef REGIO_RULES_H
#define REGIO_RULES_H

#include <stddef.h>

#include "regio/planner.pb-c.h"
#include "regio/registry.pb-c.h"

/* 1..REGIO_RPP_MAX_PERIODS periods, each with a valid id listed once and
 * 1..REGIO_MAX_WEEKS weeks. */
int regio_rules_check_calendar(const Regio__PutCalendar *c, char *err, size_t errlen);

/* A partner: id, one of the six kinds, coordinates, name and country
 * lengths, at most REGIO_MAX_SITES sites (each id listed once, valid
 * coordinates and name) and REGIO_MAX_SECTORS sectors. */
int regio_rules_check_partner(const Regio__Partner *p, char *err, size_t errlen);

/* An offering of partner (as stored; NULL when there is no such partner:
 * REGIO_ENOTFOUND): ids, coordinates, form length, min_age, at most
 * REGIO_MAX_GOALS goals and REGIO_MAX_QUALIFICATIONS qualifications, and a
 * site, when named, that the partner has (REGIO_ENOTFOUND otherwise). */
int regio_rules_check_offering(const Regio__Offering *o, const Regio__Partner *partner, char *err,
                               size_t errlen);

/* A learner request: ids, coordinates, age, reach, dagdelen, free slots
 * (distinct, 0..9, each period listed once), needs, preferred partners and
 * history, each list within its bound. calendar: the periods free may
 * name (REGIO_ENOTFOUND for others), or NULL while the calendar is not
 * known yet (periods are then not checked against it). */
int regio_rules_check_learner(const Regio__Learner *l, const Regio__PutCalendar *calendar,
                              char *err, size_t errlen);

#endif
