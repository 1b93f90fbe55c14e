/* outbox - deliver placement changes to the notifier exactly once.
 *
 * Changes are appended to the planner's LMDB "outbox" table inside the same
 * transaction that commits the plan, numbered by a gap-free source_seq.
 * The outbox sends them in NotifyBatch messages (one batch in flight) until
 * the notifier acknowledges; acknowledged entries are deleted. After a crash
 * of either side the unacknowledged ones are sent again and the notifier,
 * which remembers the highest source_seq it logged, skips the repeats.
 */
#ifndef REGIO_PLANNER_OUTBOX_H
#define REGIO_PLANNER_OUTBOX_H

#include <lmdb.h>
#include <stdint.h>

#include "regio/msg.h"
#include "regio/service.h"
#include "regio/store.h"

typedef struct regio_outbox_s regio_outbox_t;

/* Create an outbox over the given tables (opened by the caller; meta keys
 * "outbox_next" and "outbox_acked" are the outbox's). NULL on failure. */
regio_outbox_t *regio_outbox_new(regio_service_t *svc, regio_store_t *store, MDB_dbi outbox,
                                 MDB_dbi meta, const char *notifier_router);

/* Load counters (inside a txn), connect and start sending. 0 or negative. */
int regio_outbox_start(regio_outbox_t *ob, MDB_txn *txn);

/* Append changes inside the caller's write txn. Returns 0 or an LMDB code.
 * Call regio_outbox_commit() once the txn committed, to send. */
int regio_outbox_append(regio_outbox_t *ob, MDB_txn *txn, Regio__PlacementChange *const *v,
                        size_t n);

/* The txn with the appended changes committed (ok = 1) or was aborted. */
void regio_outbox_commit(regio_outbox_t *ob, int ok);

/* The source_seq of the newest change appended so far, counting those in
 * a write txn not yet committed (0: none ever). Can't fail. */
uint64_t regio_outbox_last(const regio_outbox_t *ob);

/* Hold (1) or resume (0) sending. While a backup of the planner's store is
 * open nothing new reaches the notifier, so a notifier backup taken then
 * holds no change the planner's copy does not (common.proto, BackupRequest).
 * A batch already in flight may still be logged: the copy has it too. */
void regio_outbox_hold(regio_outbox_t *ob, int hold);

/* Changes not yet acknowledged by the notifier. */
uint64_t regio_outbox_pending(const regio_outbox_t *ob);

/* Stop sending and close handles. */
void regio_outbox_close(regio_outbox_t *ob);

/* Free after the loop ended; accepts NULL and sets *self to NULL. */
void regio_outbox_destroy(regio_outbox_t **self);

#endif
