/* batch - group commit of requests read from a ROUTER socket, bounded queue. */
#include "regio/batch.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "regio/error.h"

#define BUSY_SCAN 1024 /* over-limit requests answered BUSY per wake-up */

struct regio_batch_s {
    regio_batch_opts_t o;
    regio_store_t *store;
    void *sock;
    regio_zwatch_t watch;
    uv_timer_t timer;       /* batching window */
    uv_idle_t drain;        /* commit queued batches, one per loop turn */
    int waiting;            /* window timer running */
    regio_msg_t *q;         /* ring of queue_max requests */
    size_t head, count;
    regio_msg_t *reqs;      /* the batch being committed: o.max requests */
    char *slots;            /* o.max * slot_size scratch */
    size_t n;
    uint64_t commits, requests, failed, busy;
    int closing, open_handles;
    void (*close_cb)(void *arg);
};

static void *s_slot(regio_batch_t *b, size_t i)
{
    return b->slots + i * b->o.slot_size;
}

/* Apply every request of the batch in txn (run again after a map growth). */
static int s_apply_all(void *arg, MDB_txn *txn)
{
    regio_batch_t *b = arg;
    if (b->o.begin)
        b->o.begin(b->o.arg);
    for (size_t i = 0; i < b->n; i++) {
        if (b->o.release)
            b->o.release(b->o.arg, s_slot(b, i)); /* a map-full retry re-applies */
        memset(s_slot(b, i), 0, b->o.slot_size);
        int rc = b->o.apply(b->o.arg, txn, &b->reqs[i], s_slot(b, i));
        if (rc != REGIO_BATCH_WROTE && rc != REGIO_BATCH_NOWRITE)
            return rc;
    }
    return b->o.precommit ? b->o.precommit(b->o.arg, txn) : 0;
}

/* Commit the next batch from the queue and answer it. */
static void s_flush(regio_batch_t *b)
{
    size_t qmax = b->o.queue_max;
    b->n = 0;
    while (b->n < b->o.max && b->count > 0) {
        b->reqs[b->n++] = b->q[b->head];
        b->head = (b->head + 1) % qmax;
        b->count--;
    }
    if (b->n == 0)
        return;
    int rc = regio_store_write(b->store, s_apply_all, b);
    b->commits += rc == 0;
    b->requests += b->n;
    if (rc < 0)
        b->failed += b->n;
    for (size_t i = 0; i < b->n; i++) {
        b->o.done(b->o.arg, &b->reqs[i], s_slot(b, i), rc);
        if (b->o.release)
            b->o.release(b->o.arg, s_slot(b, i));
        regio_msg_clear(&b->reqs[i]);
    }
    b->n = 0;
    if (b->o.flush)
        b->o.flush(b->o.arg, rc == 0);
    regio_zwatch_kick(&b->watch); /* replies were sent: re-check the socket */
}

/* Read into the queue; past its bound, answer BUSY without keeping. */
static void s_read(regio_batch_t *b, void *sock)
{
    size_t qmax = b->o.queue_max;
    while (b->count < qmax) {
        regio_msg_t *m = &b->q[(b->head + b->count) % qmax];
        if (regio_msg_recv(sock, 1, m) < 0)
            return;
        b->count++;
    }
    for (int i = 0; i < BUSY_SCAN; i++) {
        regio_msg_t m;
        if (regio_msg_recv(sock, 1, &m) < 0)
            return;
        Regio__Error err = REGIO__ERROR__INIT;
        err.code = REGIO__ERROR_CODE__ERROR_BUSY;
        err.reason = "queue full: retry after retry_after_ms";
        err.retry_after_ms = b->o.busy_retry_ms;
        regio_envelope_t env = REGIO__ENVELOPE__INIT;
        env.body_case = REGIO__ENVELOPE__BODY_ERROR;
        env.error = &err;
        regio_msg_reply(sock, &m, &env);
        regio_msg_clear(&m);
        b->busy++;
    }
}

static void s_on_drain(uv_idle_t *h);
static void s_on_window(uv_timer_t *t);

/* Decide what the queue needs next: a window to fill, or a drain turn. The
 * queue is drained by its own idle handle, not by socket readiness: once
 * everything is read, the socket stays quiet while batches remain. */
static void s_schedule(regio_batch_t *b)
{
    if (b->waiting && b->count >= b->o.max) { /* filled before the window ended */
        uv_timer_stop(&b->timer);
        b->waiting = 0;
    }
    if (b->count == 0 || b->waiting || b->closing)
        return;
    if (b->count < b->o.max && b->o.window_us > 0) {
        b->waiting = 1;
        uv_timer_start(&b->timer, s_on_window, (uint64_t)(b->o.window_us + 999) / 1000, 0);
        return;
    }
    uv_idle_start(&b->drain, s_on_drain);
}

/* One batch per loop turn, so timers, signals and other sockets get theirs. */
static void s_on_drain(uv_idle_t *h)
{
    regio_batch_t *b = h->data;
    uv_idle_stop(&b->drain);
    b->waiting = 0;
    s_flush(b);
    s_read(b, b->sock);
    s_schedule(b);
}

static void s_on_window(uv_timer_t *t)
{
    s_on_drain(&((regio_batch_t *)t->data)->drain);
}

static void s_on_readable(regio_zwatch_t *w, void *sock, void *arg)
{
    regio_batch_t *b = arg;
    s_read(b, sock);
    s_schedule(b);
}

regio_batch_t *regio_batch_new(uv_loop_t *loop, void *sock, regio_store_t *store,
                               const regio_batch_opts_t *opts)
{
    regio_batch_t *b = calloc(1, sizeof *b);
    if (!b)
        return NULL;
    b->o = *opts;
    if (b->o.max < 1)
        b->o.max = 1;
    if (b->o.queue_max < b->o.max)
        b->o.queue_max = 8 * b->o.max;
    if (b->o.busy_retry_ms == 0)
        b->o.busy_retry_ms = 20;
    if (b->o.slot_size < 1)
        b->o.slot_size = 1;
    b->store = store;
    b->sock = sock;
    b->q = calloc(b->o.queue_max, sizeof *b->q);
    b->reqs = calloc(b->o.max, sizeof *b->reqs);
    b->slots = calloc(b->o.max, b->o.slot_size);
    if (!b->q || !b->reqs || !b->slots) {
        regio_batch_destroy(&b);
        return NULL;
    }
    uv_timer_init(loop, &b->timer);
    uv_idle_init(loop, &b->drain);
    b->timer.data = b->drain.data = b;
    return b;
}

int regio_batch_start(regio_batch_t *b)
{
    return regio_zwatch_start(&b->watch, b->timer.loop, b->sock, s_on_readable, b);
}

static void s_closed_one(regio_batch_t *b)
{
    if (--b->open_handles == 0 && b->close_cb)
        b->close_cb(b->o.arg);
}

static void s_on_watch_closed(regio_zwatch_t *w)
{
    s_closed_one((regio_batch_t *)((char *)w - offsetof(regio_batch_t, watch)));
}

static void s_on_timer_closed(uv_handle_t *h)
{
    s_closed_one(h->data);
}

void regio_batch_close(regio_batch_t *b, void (*done_cb)(void *arg))
{
    if (b->closing)
        return;
    b->closing = 1;
    if (b->waiting)
        uv_timer_stop(&b->timer);
    uv_idle_stop(&b->drain);
    while (b->count > 0)
        s_flush(b); /* never leave read requests unanswered */
    b->close_cb = done_cb;
    b->open_handles = 3;
    regio_zwatch_close(&b->watch, s_on_watch_closed);
    uv_close((uv_handle_t *)&b->timer, s_on_timer_closed);
    uv_close((uv_handle_t *)&b->drain, s_on_timer_closed);
}

void regio_batch_destroy(regio_batch_t **self)
{
    if (!self || !*self)
        return;
    regio_batch_t *b = *self;
    for (size_t i = 0; b->q && i < b->count; i++)
        regio_msg_clear(&b->q[(b->head + i) % b->o.queue_max]);
    free(b->q);
    free(b->reqs);
    free(b->slots);
    free(b);
    *self = NULL;
}

void regio_batch_counters(const regio_batch_t *b, uint64_t *commits, uint64_t *requests,
                          uint64_t *failed)
{
    *commits = b->commits;
    *requests = b->requests;
    *failed = b->failed;
}

void regio_batch_load(const regio_batch_t *b, uint64_t *busy, size_t *queued)
{
    *busy = b->busy;
    *queued = b->count;
}

void regio_batch_kick(regio_batch_t *b)
{
    regio_zwatch_kick(&b->watch);
}
