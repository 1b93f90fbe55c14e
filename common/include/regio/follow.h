/* follow - keep a mirror of another service's state: snapshot + change feed.
 *
 * The followed service (registry or capacity) publishes changes with a
 * gap-free seq on a PUB topic named after it, plus a Status heartbeat with
 * its current seq. A follower subscribes first, then asks for a snapshot
 * over a DEALER; changes arriving meanwhile are buffered and applied after
 * the snapshot when newer. A gap (a change or heartbeat ahead of seq + 1)
 * triggers a new snapshot. So the mirror is always some committed state of
 * the upstream, at most a heartbeat behind.
 *
 * Callbacks run on the loop thread; envelopes are borrowed for the call.
 */
#ifndef REGIO_FOLLOW_H
#define REGIO_FOLLOW_H

#include <stdint.h>

#include "regio/msg.h"
#include "regio/service.h"

typedef struct {
    const char *name;        /* upstream name = topic: "registry", "capacity" */
    const char *pub;         /* upstream change feed endpoint (connect) */
    const char *router;      /* upstream request endpoint (connect) */
    Regio__Envelope__BodyCase snapshot_request; /* body to ask a snapshot */
    /* Replace the mirror with this snapshot (body *_SNAPSHOT). */
    void (*on_snapshot)(void *arg, const regio_envelope_t *snap);
    /* Apply one change (body *_CHANGE), in seq order. */
    void (*on_change)(void *arg, const regio_envelope_t *change);
    void *arg;
} regio_follow_opts_t;

typedef struct regio_follow_s regio_follow_t;

/* Create a follower on svc (sockets from svc's context). NULL on failure. */
regio_follow_t *regio_follow_new(regio_service_t *svc, const regio_follow_opts_t *opts);

/* Connect and ask for the first snapshot. Returns 0 or a negative code. */
int regio_follow_start(regio_follow_t *f);

/* Last upstream seq applied to the mirror. */
uint64_t regio_follow_seq(const regio_follow_t *f);

/* 1 once a snapshot has been applied. */
int regio_follow_synced(const regio_follow_t *f);

/* Heartbeats so far whose seq equalled the mirror's: each proves the mirror
 * held everything the upstream had committed when it sent that heartbeat.
 * Heartbeats follow changes on the same feed, one a second, so two counted
 * after a moment T prove every change committed before T is in (given a
 * heartbeat takes under a second to arrive). */
uint64_t regio_follow_confirmations(const regio_follow_t *f);

/* Number of snapshots taken (1 at start, more after gaps). */
uint64_t regio_follow_resyncs(const regio_follow_t *f);

/* Close handles and sockets (on stop). */
void regio_follow_close(regio_follow_t *f);

/* Free after the loop ended; accepts NULL and sets *self to NULL. */
void regio_follow_destroy(regio_follow_t **self);

#endif
