/* follow - a consistent mirror of a service: snapshot, then gap-free changes,
 * from the one store it follows. */
#include "regio/follow.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zmq.h>

#include "regio/error.h"
#include "regio/log.h"
#include "regio/zwatch.h"

#define BUFFER_MAX 200000
#define RETRY_MS 1000
#define SILENCE_MS 5000 /* no heartbeat for this long: connect afresh */

struct regio_follow_s {
    regio_follow_opts_t o;
    regio_service_t *svc;
    void *sub, *dealer;
    regio_zwatch_t sub_watch, dealer_watch;
    uv_timer_t retry;
    uv_timer_t watchdog;         /* notices a feed gone silent */
    uint64_t heard_ms;           /* loop time of the last message on the feed */
    int silent;                  /* connected afresh since the last message (log once) */
    regio_follow_mark_t mark;    /* the store followed and the last seq applied */
    uint64_t saved_seq;          /* mark.seq as last written to the store */
    int synced;
    int syncing;
    uint64_t request_id;         /* the snapshot request we wait for */
    regio_envelope_t **buffer;   /* changes seen while syncing */
    size_t n_buffer;
    uint64_t resyncs;
    char alarm[REGIO_FOLLOW_ALARM_MAX]; /* "" while the upstream is the store followed */
    uint64_t confirmations;      /* heartbeats that found the mirror complete */
    int closing;
};

static void s_on_retry(uv_timer_t *t);

regio_follow_verdict_t regio_follow_judge(const regio_follow_mark_t *mark, const char *store_id,
                                          uint64_t seq)
{
    if (!mark->store_id[0])
        return REGIO_FOLLOW_SAME;
    if (strcmp(mark->store_id, store_id ? store_id : "") != 0)
        return REGIO_FOLLOW_OTHER_STORE;
    return seq < mark->seq ? REGIO_FOLLOW_BEHIND : REGIO_FOLLOW_SAME;
}

/* Where a change, snapshot or heartbeat says it comes from: its store id
 * (returned, "" when none) and its seq. */
static const char *s_origin(const regio_envelope_t *e, uint64_t *seq)
{
    const char *id = NULL;
    *seq = 0;
    switch (e->body_case) {
    case REGIO__ENVELOPE__BODY_REGISTRY_CHANGE:
        *seq = e->registry_change->seq, id = e->registry_change->store_id;
        break;
    case REGIO__ENVELOPE__BODY_CAPACITY_CHANGE:
        *seq = e->capacity_change->seq, id = e->capacity_change->store_id;
        break;
    case REGIO__ENVELOPE__BODY_REGISTRY_SNAPSHOT:
        *seq = e->registry_snapshot->seq, id = e->registry_snapshot->store_id;
        break;
    case REGIO__ENVELOPE__BODY_CAPACITY_SNAPSHOT:
        *seq = e->capacity_snapshot->seq, id = e->capacity_snapshot->store_id;
        break;
    case REGIO__ENVELOPE__BODY_STATUS: *seq = e->status->seq, id = e->status->store_id; break;
    default: break;
    }
    return id ? id : "";
}

static void s_clear_buffer(regio_follow_t *f)
{
    for (size_t i = 0; i < f->n_buffer; i++)
        regio__envelope__free_unpacked(f->buffer[i], NULL);
    f->n_buffer = 0;
}

/* The mark in the store ------------------------------------------------- */

static void s_key(const regio_follow_t *f, const char *what, char *out, size_t n)
{
    snprintf(out, n, "follow/%s/%s", f->o.name, what);
}

static int s_put_mark(regio_follow_t *f, MDB_txn *txn)
{
    char k[96];
    s_key(f, "store_id", k, sizeof k);
    MDB_val key = {strlen(k), k}, val = {strlen(f->mark.store_id), f->mark.store_id};
    int rc = mdb_put(txn, f->o.meta, &key, &val, 0);
    s_key(f, "seq", k, sizeof k);
    return rc ? rc : regio_store_put_u64(txn, f->o.meta, k, f->mark.seq);
}

/* Write the mark in a transaction of its own (growing a full map once); a
 * failure only makes the kept mark older, so it is logged, not returned. */
static void s_save_mark(regio_follow_t *f)
{
    MDB_txn *txn;
    int rc = 0;
    if (!f->o.store)
        return;
    for (int attempt = 0; attempt < 2; attempt++) {
        if ((rc = mdb_txn_begin(f->o.store->env, NULL, 0, &txn)) == 0)
            rc = (rc = s_put_mark(f, txn)) ? (mdb_txn_abort(txn), rc) : mdb_txn_commit(txn);
        if (rc != MDB_MAP_FULL || regio_store_grow(f->o.store) < 0)
            break;
    }
    if (rc == 0)
        f->saved_seq = f->mark.seq;
    else
        REGIO_WARN("msg=\"cannot keep what the follower knows of its upstream\" upstream=%s "
                   "reason=\"%s\"", f->o.name, mdb_strerror(rc));
}

static int s_load_mark(regio_follow_t *f)
{
    MDB_txn *txn;
    char k[96];
    if (!f->o.store)
        return 0;
    int rc = mdb_txn_begin(f->o.store->env, NULL, MDB_RDONLY, &txn);
    if (rc != 0)
        return regio_store_err(rc);
    s_key(f, "store_id", k, sizeof k);
    MDB_val key = {strlen(k), k}, val;
    if (mdb_get(txn, f->o.meta, &key, &val) == 0 && val.mv_size <= REGIO_STORE_ID_LEN)
        memcpy(f->mark.store_id, val.mv_data, val.mv_size);
    s_key(f, "seq", k, sizeof k);
    rc = regio_store_get_u64(txn, f->o.meta, k, &f->mark.seq);
    mdb_txn_abort(txn);
    f->saved_seq = f->mark.seq;
    return regio_store_err(rc);
}

/* Sync, alarm ------------------------------------------------------------ */

static void s_request_snapshot(regio_follow_t *f)
{
    regio_envelope_t env = REGIO__ENVELOPE__INIT;
    Regio__RegistrySnapshotRequest rq = REGIO__REGISTRY_SNAPSHOT_REQUEST__INIT;
    Regio__CapacitySnapshotRequest cq = REGIO__CAPACITY_SNAPSHOT_REQUEST__INIT;
    env.body_case = f->o.snapshot_request;
    if (env.body_case == REGIO__ENVELOPE__BODY_REGISTRY_SNAPSHOT_REQUEST)
        env.registry_snapshot_request = &rq;
    else
        env.capacity_snapshot_request = &cq;
    if (!f->syncing)
        f->resyncs++;
    f->syncing = 1;
    if (regio_msg_send(f->dealer, NULL, 0, &env) == 0)
        f->request_id = env.id;
    regio_zwatch_kick(&f->dealer_watch);
    uv_timer_start(&f->retry, s_on_retry, RETRY_MS, 0);
}

/* Stop following: the upstream (store_id at seq) is not the store of the
 * mark. Logged once; nothing is applied until regio_follow_resolve. */
static void s_raise(regio_follow_t *f, regio_follow_verdict_t v, const char *store_id,
                    uint64_t seq)
{
    if (f->alarm[0])
        return;
    if (v == REGIO_FOLLOW_OTHER_STORE)
        snprintf(f->alarm, sizeof f->alarm,
                 "%s: now store %s at seq %llu, not the store followed (%s, seq %llu); nothing "
                 "applied since; to follow it: regioctl plan --confirm",
                 f->o.name, store_id && store_id[0] ? store_id : "(none)",
                 (unsigned long long)seq, f->mark.store_id, (unsigned long long)f->mark.seq);
    else
        snprintf(f->alarm, sizeof f->alarm,
                 "%s: seq went back from %llu to %llu (store %s); nothing applied since; to "
                 "follow it: regioctl plan --confirm",
                 f->o.name, (unsigned long long)f->mark.seq, (unsigned long long)seq,
                 f->mark.store_id);
    REGIO_ERROR("msg=\"upstream is not the store followed: applying nothing until the alarm is "
                "resolved\" upstream=%s alarm=\"%s\"", f->o.name, f->alarm);
    uv_timer_stop(&f->retry);
    f->syncing = 0;
    s_clear_buffer(f);
}

static void s_apply_change(regio_follow_t *f, regio_envelope_t *e)
{
    uint64_t seq;
    const char *id = s_origin(e, &seq);
    if (regio_follow_judge(&f->mark, id, seq) == REGIO_FOLLOW_OTHER_STORE) {
        s_raise(f, REGIO_FOLLOW_OTHER_STORE, id, seq);
        return;
    }
    if (seq <= f->mark.seq)
        return;
    if (seq != f->mark.seq + 1) {
        REGIO_INFO("msg=\"gap in feed, resyncing\" upstream=%s have=%llu got=%llu", f->o.name,
                   (unsigned long long)f->mark.seq, (unsigned long long)seq);
        s_request_snapshot(f);
        return;
    }
    f->o.on_change(f->o.arg, e);
    f->mark.seq = seq;
}

/* A heartbeat: the upstream's store and seq right now. */
static void s_on_heartbeat(regio_follow_t *f, const Regio__Status *st)
{
    regio_follow_verdict_t v = regio_follow_judge(&f->mark, st->store_id, st->seq);
    if (v != REGIO_FOLLOW_SAME) {
        s_raise(f, v, st->store_id, st->seq);
    } else if (f->synced && !f->syncing && st->seq != f->mark.seq) {
        REGIO_INFO("msg=\"heartbeat ahead of mirror, resyncing\" upstream=%s have=%llu "
                   "upstream_seq=%llu", f->o.name, (unsigned long long)f->mark.seq,
                   (unsigned long long)st->seq);
        s_request_snapshot(f);
    } else if (f->synced && !f->syncing) {
        f->confirmations++;
        if (f->saved_seq != f->mark.seq)
            s_save_mark(f); /* at most once per heartbeat, not per change */
    }
}

/* A change, or a batch of them (CapacityChanges) applied one by one, each
 * handed to on_change as if it had come alone; a gap stops the batch. */
static void s_apply(regio_follow_t *f, regio_envelope_t *e)
{
    if (e->body_case != REGIO__ENVELOPE__BODY_CAPACITY_CHANGES) {
        s_apply_change(f, e);
        return;
    }
    for (size_t i = 0; i < e->capacity_changes->n_changes && !f->syncing && !f->alarm[0]; i++) {
        regio_envelope_t one = REGIO__ENVELOPE__INIT;
        one.id = e->id;
        one.body_case = REGIO__ENVELOPE__BODY_CAPACITY_CHANGE;
        one.capacity_change = e->capacity_changes->changes[i];
        s_apply_change(f, &one);
    }
}

static void s_on_sub(regio_zwatch_t *w, void *sock, void *arg)
{
    regio_follow_t *f = arg;
    regio_msg_t m;
    for (int i = 0; i < 4096 && regio_msg_recv(sock, 1, &m) == 0; i++) {
        f->heard_ms = uv_now(&f->svc->loop);
        if (f->silent)
            REGIO_INFO("msg=\"upstream heard again\" upstream=%s", f->o.name);
        f->silent = 0;
        regio_envelope_t *e = m.env;
        int is_change = e && (e->body_case == REGIO__ENVELOPE__BODY_REGISTRY_CHANGE ||
                              e->body_case == REGIO__ENVELOPE__BODY_CAPACITY_CHANGE ||
                              e->body_case == REGIO__ENVELOPE__BODY_CAPACITY_CHANGES);
        if (!e || f->alarm[0]) {
            regio_msg_clear(&m);
            continue;
        }
        if (f->syncing && is_change) {
            if (f->n_buffer < BUFFER_MAX) {
                f->buffer[f->n_buffer++] = e;
                continue;
            }
        } else if (is_change) {
            s_apply(f, e);
        } else if (e->body_case == REGIO__ENVELOPE__BODY_STATUS) {
            s_on_heartbeat(f, e->status);
        }
        regio_msg_clear(&m);
    }
}

/* The snapshot we asked for: checked, applied, then the buffered changes. */
static void s_on_snapshot(regio_follow_t *f, const regio_envelope_t *e)
{
    uint64_t seq;
    const char *id = s_origin(e, &seq);
    uv_timer_stop(&f->retry);
    regio_follow_verdict_t v = regio_follow_judge(&f->mark, id, seq);
    if (v != REGIO_FOLLOW_SAME) {
        s_raise(f, v, id, seq);
        return;
    }
    f->o.on_snapshot(f->o.arg, e);
    f->mark.seq = seq;
    snprintf(f->mark.store_id, sizeof f->mark.store_id, "%s", id);
    f->synced = 1;
    f->syncing = 0;
    s_save_mark(f);
    REGIO_INFO("msg=\"mirror synced\" upstream=%s store_id=%s seq=%llu buffered=%zu", f->o.name,
               f->mark.store_id, (unsigned long long)seq, f->n_buffer);
    for (size_t i = 0; i < f->n_buffer && !f->syncing && !f->alarm[0]; i++)
        s_apply(f, f->buffer[i]);
    s_clear_buffer(f);
}

static void s_on_dealer(regio_zwatch_t *w, void *sock, void *arg)
{
    regio_follow_t *f = arg;
    regio_msg_t m;
    while (regio_msg_recv(sock, 0, &m) == 0) {
        regio_envelope_t *e = m.env;
        int snap = e && (e->body_case == REGIO__ENVELOPE__BODY_REGISTRY_SNAPSHOT ||
                         e->body_case == REGIO__ENVELOPE__BODY_CAPACITY_SNAPSHOT);
        if (snap && f->syncing && !f->alarm[0] && e->correlation_id == f->request_id)
            s_on_snapshot(f, e);
        regio_msg_clear(&m);
    }
}

static void s_on_retry(uv_timer_t *t)
{
    regio_follow_t *f = t->data;
    if (f->syncing && !f->closing && !f->alarm[0])
        s_request_snapshot(f);
}

/* A feed silent for SILENCE_MS (heartbeats come every second): connect
 * afresh. libzmq gives up on a connection for good after a protocol error
 * (say a plain ZeroMQ process bound the upstream's port while it
 * restarted), so without this the follower would never hear the upstream
 * again. Changes missed meanwhile show as a gap: a resync follows. */
static void s_on_watchdog(uv_timer_t *t)
{
    regio_follow_t *f = t->data;
    uint64_t now = uv_now(&f->svc->loop);
    if (f->closing || now - f->heard_ms < SILENCE_MS)
        return;
    if (!f->silent)
        REGIO_WARN("msg=\"upstream silent: connecting afresh\" upstream=%s silent_ms=%llu",
                   f->o.name, (unsigned long long)(now - f->heard_ms));
    f->silent = 1;
    f->heard_ms = now;
    zmq_disconnect(f->sub, f->o.pub);
    zmq_connect(f->sub, f->o.pub);
    zmq_disconnect(f->dealer, f->o.router);
    zmq_connect(f->dealer, f->o.router);
    regio_zwatch_kick(&f->sub_watch);
    regio_zwatch_kick(&f->dealer_watch);
}

/* Life cycle and accessors --------------------------------------------- */

regio_follow_t *regio_follow_new(regio_service_t *svc, const regio_follow_opts_t *opts)
{
    regio_follow_t *f = calloc(1, sizeof *f);
    if (!f)
        return NULL;
    f->o = *opts;
    f->svc = svc;
    f->buffer = calloc(BUFFER_MAX, sizeof *f->buffer);
    if (!f->buffer) {
        free(f);
        return NULL;
    }
    uv_timer_init(&svc->loop, &f->retry);
    uv_timer_init(&svc->loop, &f->watchdog);
    f->retry.data = f->watchdog.data = f;
    return f;
}

int regio_follow_start(regio_follow_t *f)
{
    int rc;
    char err[512];
    if ((rc = s_load_mark(f)) < 0) {
        REGIO_ERROR("msg=\"cannot read what the follower knew of its upstream\" upstream=%s "
                    "reason=\"%s\"", f->o.name, regio_strerror(rc));
        return rc;
    }
    if ((rc = regio_service_connect(f->svc, ZMQ_SUB, f->o.pub, 0, f->o.name, &f->sub, err,
                                    sizeof err)) < 0 ||
        (rc = regio_service_connect(f->svc, ZMQ_DEALER, f->o.router, 0, f->o.name, &f->dealer,
                                    err, sizeof err)) < 0) {
        REGIO_ERROR("msg=\"cannot follow\" upstream=%s reason=\"%s\"", f->o.name, err);
        return rc;
    }
    zmq_setsockopt(f->sub, ZMQ_SUBSCRIBE, f->o.name, strlen(f->o.name));
    if ((rc = regio_zwatch_start(&f->sub_watch, &f->svc->loop, f->sub, s_on_sub, f)) < 0 ||
        (rc = regio_zwatch_start(&f->dealer_watch, &f->svc->loop, f->dealer, s_on_dealer, f)) < 0)
        return rc;
    f->heard_ms = uv_now(&f->svc->loop);
    uv_timer_start(&f->watchdog, s_on_watchdog, SILENCE_MS / 5, SILENCE_MS / 5);
    s_request_snapshot(f);
    return 0;
}

int regio_follow_resolve(regio_follow_t *f, MDB_txn *txn)
{
    if (f->alarm[0])
        REGIO_WARN("msg=\"alarm resolved: following the upstream as it is now\" upstream=%s "
                   "was=\"%s\"", f->o.name, f->alarm);
    memset(&f->mark, 0, sizeof f->mark);
    f->alarm[0] = '\0';
    f->synced = 0;
    f->syncing = 0;
    s_clear_buffer(f);
    int rc = f->o.store && txn ? s_put_mark(f, txn) : 0;
    f->saved_seq = 0;
    if (!f->closing && f->dealer)
        s_request_snapshot(f);
    return rc;
}

uint64_t regio_follow_seq(const regio_follow_t *f)
{
    return f->mark.seq;
}

int regio_follow_synced(const regio_follow_t *f)
{
    return f->synced;
}

uint64_t regio_follow_confirmations(const regio_follow_t *f)
{
    return f->confirmations;
}

uint64_t regio_follow_resyncs(const regio_follow_t *f)
{
    return f->resyncs;
}

const char *regio_follow_alarm(const regio_follow_t *f)
{
    return f->alarm[0] ? f->alarm : NULL;
}

void regio_follow_close(regio_follow_t *f)
{
    if (f->closing)
        return;
    f->closing = 1;
    uv_timer_stop(&f->retry);
    uv_close((uv_handle_t *)&f->retry, NULL);
    uv_close((uv_handle_t *)&f->watchdog, NULL);
    if (f->sub)
        regio_zwatch_close(&f->sub_watch, NULL);
    if (f->dealer)
        regio_zwatch_close(&f->dealer_watch, NULL);
}

void regio_follow_destroy(regio_follow_t **self)
{
    if (!self || !*self)
        return;
    regio_follow_t *f = *self;
    s_clear_buffer(f);
    free(f->buffer);
    if (f->sub)
        zmq_close(f->sub);
    if (f->dealer)
        zmq_close(f->dealer);
    free(f);
    *self = NULL;
}
