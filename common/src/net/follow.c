/* follow - a consistent mirror of a service: snapshot, then gap-free changes. */
#include "regio/follow.h"

#include <stdlib.h>
#include <string.h>
#include <zmq.h>

#include "regio/log.h"
#include "regio/zwatch.h"

#define BUFFER_MAX 200000
#define RETRY_MS 1000

struct regio_follow_s {
    regio_follow_opts_t o;
    regio_service_t *svc;
    void *sub, *dealer;
    regio_zwatch_t sub_watch, dealer_watch;
    uv_timer_t retry;
    uint64_t seq;
    int synced;
    int syncing;
    uint64_t request_id;         /* the snapshot request we wait for */
    regio_envelope_t **buffer;   /* changes seen while syncing */
    size_t n_buffer;
    uint64_t resyncs;
    uint64_t confirmations;      /* heartbeats that found the mirror complete */
    int closing;
};

static void s_on_retry(uv_timer_t *t);

static uint64_t s_change_seq(const regio_envelope_t *e)
{
    switch (e->body_case) {
    case REGIO__ENVELOPE__BODY_REGISTRY_CHANGE: return e->registry_change->seq;
    case REGIO__ENVELOPE__BODY_CAPACITY_CHANGE: return e->capacity_change->seq;
    case REGIO__ENVELOPE__BODY_REGISTRY_SNAPSHOT: return e->registry_snapshot->seq;
    case REGIO__ENVELOPE__BODY_CAPACITY_SNAPSHOT: return e->capacity_snapshot->seq;
    case REGIO__ENVELOPE__BODY_STATUS: return e->status->seq;
    default: return 0;
    }
}

static void s_clear_buffer(regio_follow_t *f)
{
    for (size_t i = 0; i < f->n_buffer; i++)
        regio__envelope__free_unpacked(f->buffer[i], NULL);
    f->n_buffer = 0;
}

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

static void s_apply_change(regio_follow_t *f, regio_envelope_t *e)
{
    uint64_t seq = s_change_seq(e);
    if (seq <= f->seq)
        return;
    if (seq != f->seq + 1) {
        REGIO_INFO("msg=\"gap in feed, resyncing\" upstream=%s have=%llu got=%llu", f->o.name,
                   (unsigned long long)f->seq, (unsigned long long)seq);
        s_request_snapshot(f);
        return;
    }
    f->o.on_change(f->o.arg, e);
    f->seq = seq;
}

static void s_on_sub(regio_zwatch_t *w, void *sock, void *arg)
{
    regio_follow_t *f = arg;
    regio_msg_t m;
    for (int i = 0; i < 4096 && regio_msg_recv(sock, 1, &m) == 0; i++) {
        regio_envelope_t *e = m.env;
        if (!e)
            continue;
        int is_change = e->body_case == REGIO__ENVELOPE__BODY_REGISTRY_CHANGE ||
                        e->body_case == REGIO__ENVELOPE__BODY_CAPACITY_CHANGE;
        if (f->syncing) {
            if (is_change && f->n_buffer < BUFFER_MAX) {
                f->buffer[f->n_buffer++] = e;
                continue;
            }
        } else if (is_change) {
            s_apply_change(f, e);
        } else if (e->body_case == REGIO__ENVELOPE__BODY_STATUS && e->status->seq == f->seq) {
            f->confirmations++;
        } else if (e->body_case == REGIO__ENVELOPE__BODY_STATUS) {
            REGIO_INFO("msg=\"heartbeat ahead of mirror, resyncing\" upstream=%s have=%llu "
                       "upstream_seq=%llu", f->o.name, (unsigned long long)f->seq,
                       (unsigned long long)e->status->seq);
            s_request_snapshot(f);
        }
        regio_msg_clear(&m);
    }
}

static void s_on_dealer(regio_zwatch_t *w, void *sock, void *arg)
{
    regio_follow_t *f = arg;
    regio_msg_t m;
    while (regio_msg_recv(sock, 0, &m) == 0) {
        regio_envelope_t *e = m.env;
        int snap = e && (e->body_case == REGIO__ENVELOPE__BODY_REGISTRY_SNAPSHOT ||
                         e->body_case == REGIO__ENVELOPE__BODY_CAPACITY_SNAPSHOT);
        if (snap && f->syncing && e->correlation_id == f->request_id) {
            uv_timer_stop(&f->retry);
            f->o.on_snapshot(f->o.arg, e);
            f->seq = s_change_seq(e);
            f->synced = 1;
            f->syncing = 0;
            REGIO_INFO("msg=\"mirror synced\" upstream=%s seq=%llu buffered=%zu", f->o.name,
                       (unsigned long long)f->seq, f->n_buffer);
            for (size_t i = 0; i < f->n_buffer && !f->syncing; i++)
                s_apply_change(f, f->buffer[i]);
            s_clear_buffer(f);
        }
        regio_msg_clear(&m);
    }
}

static void s_on_retry(uv_timer_t *t)
{
    regio_follow_t *f = t->data;
    if (f->syncing && !f->closing)
        s_request_snapshot(f);
}

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
    f->retry.data = f;
    return f;
}

int regio_follow_start(regio_follow_t *f)
{
    int rc;
    char err[512];
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
    s_request_snapshot(f);
    return 0;
}

uint64_t regio_follow_seq(const regio_follow_t *f)
{
    return f->seq;
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

void regio_follow_close(regio_follow_t *f)
{
    if (f->closing)
        return;
    f->closing = 1;
    uv_timer_stop(&f->retry);
    uv_close((uv_handle_t *)&f->retry, NULL);
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
