/* lag - whether an id the registry mirror lacks is unknown, or not here yet.
 *
 * The capacity service checks offerings and periods against its mirror of
 * the registry, which lags it: a client that has just had a new offering
 * acknowledged by the registry can reach the capacity service before the
 * change does. Such an update must be answered ERROR_NOT_READY (retry), not
 * ERROR_UNKNOWN_ID (final). The rule: the first time a request (by its
 * update_id) names an id the mirror lacks, note how often the follower had
 * confirmed the mirror complete (regio_follow_confirmations); when a retry
 * of that update_id finds two more confirmations and still no id, every
 * change committed before the first attempt, the one that made the id
 * included, would be in: the id is unknown for good.
 *
 * Memory is a fixed table: an entry pushed out by another (or by a flood of
 * made-up ids) only means that request waits its two heartbeats again:
 * more NOT_READY, never a wrong UNKNOWN_ID.
 */
#ifndef REGIO_CAPACITY_LAG_H
#define REGIO_CAPACITY_LAG_H

#include <stdint.h>

typedef struct regio_lag_s regio_lag_t;

/* An empty table, or NULL when out of memory. */
regio_lag_t *regio_lag_new(void);

/* Free; accepts NULL and sets *self to NULL. */
void regio_lag_destroy(regio_lag_t **self);

/* For a request update_id that names missing (an offering or period the
 * mirror lacks), given the follower's confirmations now: 1 when missing is
 * unknown for good, 0 when the mirror may still be behind. Can't fail. */
int regio_lag_settled(regio_lag_t *l, const char *update_id, const char *missing,
                      uint64_t confirmations);

#endif
