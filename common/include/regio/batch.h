/* batch - group commit: many requests, one durable LMDB transaction.
 *
 * A service's ROUTER socket is drained into a bounded queue (queue_max
 * requests); past that bound a request is answered ERROR_BUSY with a retry
 * hint at once instead of growing memory. Batches of up to max requests are
 * taken from the queue, one per loop turn (after waiting up to window_us for
 * the batch to fill, when a window is set). Each
 * request's apply callback runs inside one write transaction, in arrival
 * order, so a later request sees an earlier one's writes. Then the
 * transaction commits, and only then does each request's done callback run
 * (to reply and publish). So an acknowledgement always follows a durable
 * commit, and a failed commit acknowledges nothing.
 *
 * apply returns:
 *   REGIO_BATCH_WROTE    changed the transaction; done(rc=0) after commit
 *   REGIO_BATCH_NOWRITE  validated and rejected, or a read; wrote nothing;
 *                        done(rc=0) after commit (reads then see committed
 *                        state)
 *   anything else        an LMDB or errno code (either sign): the
 *                        transaction is aborted. On
 *                        MDB_MAP_FULL the map is grown and the whole batch
 *                        re-applied once; otherwise (or if growing fails)
 *                        every request gets done(rc<0) and nothing is kept.
 * A failed commit (a full disk, an I/O error) is the same: done(rc<0) for
 * each, with rc REGIO_EFULL for a full map or disk (store.h says how it is
 * told apart), and store->why saying why in one line.
 * apply must not reply or publish; done must not write to LMDB.
 */
#ifndef REGIO_BATCH_H
#define REGIO_BATCH_H

#include <lmdb.h>
#include <stddef.h>
#include <uv.h>

#include "regio/msg.h"
#include "regio/store.h"
#include "regio/zwatch.h"

/* NOWRITE is far from any errno or LMDB code, so apply can pass those through. */
enum { REGIO_BATCH_WROTE = 0, REGIO_BATCH_NOWRITE = 0x40000000 };

/* slot: this request's scratch (slot_size bytes, zeroed before apply). */
typedef int (*regio_batch_apply_cb)(void *arg, MDB_txn *txn, regio_msg_t *req, void *slot);
typedef void (*regio_batch_done_cb)(void *arg, regio_msg_t *req, void *slot, int rc);
/* Called after every apply of a transaction succeeded, before the commit,
 * for writes that belong once per transaction (e.g. a sequence counter).
 * Returns 0 or an LMDB code (which aborts the transaction). */
typedef int (*regio_batch_precommit_cb)(void *arg, MDB_txn *txn);
/* Frees what apply allocated in a slot, and leaves it so that a second call
 * is harmless (NULL the pointers). Called before a slot is re-used and after
 * done. May be NULL when apply allocates nothing. */
typedef void (*regio_batch_release_cb)(void *arg, void *slot);
/* Called at the start of every transaction attempt (a map-full retry
 * re-applies the batch), so a service can reset its pending counters. */
typedef void (*regio_batch_begin_cb)(void *arg);
/* Called once per batch after all done callbacks (e.g. to flush publishes). */
typedef void (*regio_batch_flush_cb)(void *arg, int committed);

typedef struct {
    size_t max;          /* most requests per transaction (>= 1) */
    size_t queue_max;    /* most requests held before answering BUSY (0 = 8 * max) */
    unsigned busy_retry_ms; /* retry hint sent with BUSY (0 = 20) */
    long window_us;      /* wait this long for more after the first; 0 = no wait */
    size_t slot_size;    /* bytes of per-request scratch */
    regio_batch_apply_cb apply;
    regio_batch_done_cb done;
    regio_batch_begin_cb begin; /* may be NULL */
    regio_batch_precommit_cb precommit; /* may be NULL */
    regio_batch_release_cb release; /* may be NULL */
    regio_batch_flush_cb flush; /* may be NULL */
    void *arg;
} regio_batch_opts_t;

typedef struct regio_batch_s regio_batch_t;

/* Create a batcher reading from ROUTER sock (watched on loop) and committing
 * to store. Returns NULL when out of memory. */
regio_batch_t *regio_batch_new(uv_loop_t *loop, void *sock, regio_store_t *store,
                               const regio_batch_opts_t *opts);

/* Start watching the socket. Returns 0 or a negative code. */
int regio_batch_start(regio_batch_t *b);

/* Stop reading (requests already read are committed first: a batch is
 * never left half-done) and close handles; the socket stays the caller's.
 * done_cb runs when the handles are closed. */
void regio_batch_close(regio_batch_t *b, void (*done_cb)(void *arg));

/* Destroy after close finished; accepts NULL and sets *self to NULL. */
void regio_batch_destroy(regio_batch_t **self);

/* Transactions committed and requests handled so far (for status). */
void regio_batch_counters(const regio_batch_t *b, uint64_t *commits, uint64_t *requests,
                          uint64_t *failed);

/* Requests answered BUSY so far, and requests queued right now. */
void regio_batch_load(const regio_batch_t *b, uint64_t *busy, size_t *queued);

/* Kick the socket watcher after sending on the socket outside done. */
void regio_batch_kick(regio_batch_t *b);

#endif
