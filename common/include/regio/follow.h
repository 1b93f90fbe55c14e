/* follow - keep a mirror of another service's state: snapshot + change feed.
 *
 * The followed service (registry or capacity) publishes changes with a
 * gap-free seq on a PUB topic named after it, plus a Status heartbeat with
 * its current seq. A follower subscribes first, then asks for a snapshot
 * over a DEALER; changes arriving meanwhile are buffered and applied after
 * the snapshot when newer. A gap (a change or heartbeat ahead of seq + 1)
 * triggers a new snapshot. So the mirror is always some committed state of
 * the upstream, at most a heartbeat behind. A feed silent for five seconds
 * is connected afresh (libzmq gives up on a connection after a protocol
 * error, e.g. with a plain ZeroMQ process squatting the upstream's port).
 *
 * A follower also checks that its upstream is the store it followed. Every
 * store has a random store id (node.h), carried by its snapshots, changes
 * and heartbeats. The follower remembers the upstream's store id and the
 * last seq applied (its mark), and keeps the mark in the service's store so
 * it survives a restart of the follower. A snapshot, heartbeat or change
 * from another store (once one is known), or a snapshot or heartbeat whose
 * seq is behind the mark, is not applied: the follower raises an alarm
 * instead of resyncing (logged once), applies nothing more, and the mirror
 * keeps its last good state until regio_follow_resolve accepts the upstream
 * as it is now. Without this an upstream restarted on an empty store looks
 * like a region whose offerings all vanished, and the planner would cancel
 * every placement.
 *
 * Callbacks run on the loop thread; envelopes are borrowed for the call.
 */
#ifndef REGIO_FOLLOW_H
#define REGIO_FOLLOW_H

#include <stddef.h>
#include <stdint.h>

#include "regio/msg.h"
#include "regio/service.h"
#include "regio/store.h"

/* Longest alarm line (with its NUL). */
#define REGIO_FOLLOW_ALARM_MAX 256

typedef struct {
    const char *name;        /* upstream name = topic: "registry", "capacity" */
    const char *pub;         /* upstream change feed endpoint (connect) */
    const char *router;      /* upstream request endpoint (connect) */
    Regio__Envelope__BodyCase snapshot_request; /* body to ask a snapshot */
    /* Replace the mirror with this snapshot (body *_SNAPSHOT). */
    void (*on_snapshot)(void *arg, const regio_envelope_t *snap);
    /* Apply one change (body *_CHANGE), in seq order; the changes of a
     * CapacityChanges batch come one by one, each in an envelope of its own. */
    void (*on_change)(void *arg, const regio_envelope_t *change);
    void *arg;
    regio_store_t *store;    /* where the mark survives restarts (NULL: memory only) */
    MDB_dbi meta;            /* table of store for the mark (keys "follow/<name>/...") */
} regio_follow_opts_t;

/* What a follower remembers of its upstream. */
typedef struct {
    char store_id[REGIO_STORE_ID_LEN + 1]; /* "" until known: then any store is accepted */
    uint64_t seq;                          /* last upstream seq applied */
} regio_follow_mark_t;

/* How an upstream that says it is store_id at seq relates to a mark. */
typedef enum {
    REGIO_FOLLOW_SAME = 0,    /* the store followed (or none known yet), at or past the mark */
    REGIO_FOLLOW_OTHER_STORE, /* another store than the one followed */
    REGIO_FOLLOW_BEHIND,      /* the store followed, behind the mark: its seq went backwards */
} regio_follow_verdict_t;

typedef struct regio_follow_s regio_follow_t;

/* The rule itself, pure: compare (store_id, seq) with mark. A snapshot or
 * heartbeat judged other than SAME raises the alarm; so does a change from
 * another store (a change behind the mark is an old one, skipped). NULL
 * store_id counts as "". Can't fail. */
regio_follow_verdict_t regio_follow_judge(const regio_follow_mark_t *mark, const char *store_id,
                                          uint64_t seq);

/* Create a follower on svc (sockets from svc's context). NULL on failure. */
regio_follow_t *regio_follow_new(regio_service_t *svc, const regio_follow_opts_t *opts);

/* Read the mark kept in the store (when opts.store is set), connect and ask
 * for the first snapshot. Returns 0 or a negative code. */
int regio_follow_start(regio_follow_t *f);

/* Last upstream seq applied to the mirror (0 after a resolve until the
 * new snapshot). */
uint64_t regio_follow_seq(const regio_follow_t *f);

/* 1 once a snapshot has been applied (0 again after a resolve until the
 * new snapshot). A follower with an alarm stays as it was. */
int regio_follow_synced(const regio_follow_t *f);

/* Heartbeats so far whose seq equalled the mirror's: each proves the mirror
 * held everything the upstream had committed when it sent that heartbeat.
 * Heartbeats follow changes on the same feed, one a second, so two counted
 * after a moment T prove every change committed before T is in (given a
 * heartbeat takes under a second to arrive). */
uint64_t regio_follow_confirmations(const regio_follow_t *f);

/* Number of snapshots taken (1 at start, more after gaps). */
uint64_t regio_follow_resyncs(const regio_follow_t *f);

/* The alarm line ("registry: ..."), or NULL when there is none. Owned by
 * f, valid until the next call into f or callback of f. */
const char *regio_follow_alarm(const regio_follow_t *f);

/* Accept the upstream as it is now: forget the mark (in memory, and in
 * the store inside txn, which the caller commits; txn may be NULL when
 * opts.store is), clear the alarm and resync from a new snapshot, whose
 * store id and seq become the mark. Returns 0 or an LMDB code (the resync
 * has started either way). */
int regio_follow_resolve(regio_follow_t *f, MDB_txn *txn);

/* Close handles and sockets (on stop). */
void regio_follow_close(regio_follow_t *f);

/* Free after the loop ended; accepts NULL and sets *self to NULL. */
void regio_follow_destroy(regio_follow_t **self);

#endif
