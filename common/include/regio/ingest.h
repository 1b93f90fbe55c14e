/* ingest - the client library company systems use to publish availability.
 *
 * Sends availability updates to the capacity service over a DEALER, packed
 * `batch` to a CapacityUpdates message (one CapacityUpdate when batch is 1),
 * keeps up to `window` updates in flight, and tracks each one until the
 * service has answered it for good:
 *   - an ack (applied, or duplicate: the service had applied that update_id
 *     before) is final;
 *   - BUSY and NOT_READY are retried after the service's retry hint, backing
 *     off exponentially up to max_backoff_ms;
 *   - no answer within resend_ms (a lost reply, a service restart, a
 *     reconnect) is retried with the SAME update_id, which the service
 *     de-duplicates, so an update is applied exactly once however often it
 *     is sent;
 *   - any other error (unknown offering, stale version, ...) is final and
 *     reported through the result callback.
 * Updates wait in a ready queue until a message is full, the window is
 * full, or regio_ingest_flush is called: call flush after a burst.
 * Single-threaded and blocking: calls poll the socket themselves. Not
 * thread-safe; use one client per thread.
 */
#ifndef REGIO_INGEST_H
#define REGIO_INGEST_H

#include <stddef.h>
#include <stdint.h>

#include "regio/curve.h"

typedef struct regio_ingest_s regio_ingest_t;

/* Final outcome of one update: status 0 applied, 1 duplicate (this
 * update_id was applied before, e.g. by a send whose ack was lost), or a
 * negative regio code with the service's reason (borrowed for the call).
 * seq: the capacity service's change seq of the update (for a duplicate,
 * the one it was applied with; 0 when refused). latency_us: from the first
 * send to the final answer. */
typedef void (*regio_ingest_result_cb)(void *arg, const char *update_id, int status,
                                       uint64_t version, uint64_t seq, int64_t latency_us,
                                       const char *reason);

typedef struct {
    const char *endpoint;       /* capacity ROUTER, e.g. tcp://127.0.0.1:7411 */
    int window;                 /* most updates in flight (default 1000) */
    int resend_ms;              /* resend when unanswered this long (default 2000) */
    int max_backoff_ms;         /* cap of the BUSY/NOT_READY backoff (default 2000) */
    int batch;                  /* updates per message, 1..REGIO_MAX_CAPACITY_UPDATES
                                   (limits.h; default 64) */
    regio_ingest_result_cb on_result; /* may be NULL */
    void *arg;
    void *zctx;                 /* ZeroMQ context to share (borrowed; it must
                                   outlive the client), or NULL for its own */
    regio_curve_t curve;        /* own keys and the capacity service's public
                                   key (borrowed for regio_ingest_new); kp
                                   NULL: plain ZeroMQ */
} regio_ingest_opts_t;

/* Counters, for programs that report progress. */
typedef struct {
    uint64_t sent;        /* sends including resends */
    uint64_t applied;     /* final: applied now */
    uint64_t duplicates;  /* final: applied before */
    uint64_t failed;      /* final: refused */
    uint64_t resent;      /* resends after a timeout */
    uint64_t busy;        /* BUSY / NOT_READY answers */
} regio_ingest_stats_t;

/* Create a client (with its own ZeroMQ context unless opts->zctx is given:
 * many clients in one process should share one). NULL on bad options or
 * when out of memory. */
regio_ingest_t *regio_ingest_new(const regio_ingest_opts_t *opts);

/* Close the socket and free; unfinished updates are dropped (call
 * regio_ingest_flush first). Accepts NULL and sets *self to NULL. */
void regio_ingest_destroy(regio_ingest_t **self);

/* Queue one update (all arguments are copied); it is sent when a message
 * fills up (or at the next flush); blocks while the window is full,
 * answering replies meanwhile. seats has 10 entries. Returns 0, REGIO_EINVALID (an id too
 * long, or an update with this id still open), REGIO_ETIMEOUT (window never freed within timeout_ms), -ENOMEM. */
int regio_ingest_update(regio_ingest_t *c, const char *update_id, const char *offering,
                        const char *period, const uint32_t seats[10], uint64_t version,
                        int timeout_ms);

/* Wait until every queued update has its final outcome, or timeout_ms.
 * Returns 0, or REGIO_ETIMEOUT with updates still open. */
int regio_ingest_flush(regio_ingest_t *c, int timeout_ms);

/* Updates not yet final. */
size_t regio_ingest_open(const regio_ingest_t *c);

/* Current counters. */
regio_ingest_stats_t regio_ingest_stats(const regio_ingest_t *c);

#endif
