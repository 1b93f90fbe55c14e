/* batch - group commit of requests read from a ROUTER socket. */
#include "regio/batch.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "regio/error.h"

struct regio_batch_s {
    regio_batch_opts_t o;
    regio_store_t *store;
    void *sock;
    regio_zwatch_t watch;
    uv_timer_t timer;       /* batching window */
    int timer_open;
    int waiting;            /* window timer running */
    regio_msg_t *reqs;      /* o.max requests */
    char *slots;            /* o.max * slot_size scratch */
    size_t n;
    uint64_t commits, requests, failed;
    int closing, open_handles;
    void (*close_cb)(void *arg);
};

static void *s_slot(regio_batch_t *b, size_t i)
{
    return b->slots + i * b->o.slot_size;
}

static int s_apply_all(regio_batch_t *b, MDB_txn *txn)
{
    if (b->o.begin)
        b->o.begin(b->o.arg);
    for (size_t i = 0; i < b->n; i++) {
        memset(s_slot(b, i), 0, b->o.slot_size);
        int rc = b->o.apply(b->o.arg, txn, &b->reqs[i], s_slot(b, i));
        if (rc != REGIO_BATCH_WROTE && rc != REGIO_BATCH_NOWRITE)
            return rc;
    }
    return 0;
}

/* One transaction for the whole batch; on map full grow once and redo. */
static int s_commit(regio_batch_t *b)
{
    for (int attempt = 0; attempt < 2; attempt++) {
        MDB_txn *txn;
        int rc = mdb_txn_begin(b->store->env, NULL, 0, &txn);
        if (rc != 0)
            return regio_store_err(rc);
        rc = s_apply_all(b, txn);
        if (rc == 0)
            rc = mdb_txn_commit(txn);
        else
            mdb_txn_abort(txn);
        if (rc == 0)
            return 0;
        rc = regio_store_err(rc);
        if (rc != REGIO_EFULL || attempt == 1 || regio_store_grow(b->store) < 0)
            return rc;
    }
    return REGIO_EFULL;
}

static void s_flush(regio_batch_t *b)
{
    if (b->n == 0)
        return;
    int rc = s_commit(b);
    b->commits += rc == 0;
    b->requests += b->n;
    if (rc < 0)
        b->failed += b->n;
    for (size_t i = 0; i < b->n; i++) {
        b->o.done(b->o.arg, &b->reqs[i], s_slot(b, i), rc);
        regio_msg_clear(&b->reqs[i]);
    }
    b->n = 0;
    if (b->o.flush)
        b->o.flush(b->o.arg, rc == 0);
    regio_zwatch_kick(&b->watch); /* replies were sent on the socket */
}

static void s_on_timer(uv_timer_t *t)
{
    regio_batch_t *b = t->data;
    b->waiting = 0;
    s_flush(b);
}

static void s_on_readable(regio_zwatch_t *w, void *sock, void *arg)
{
    regio_batch_t *b = arg;
    while (b->n < b->o.max) {
        int rc = regio_msg_recv(sock, 1, &b->reqs[b->n]);
        if (rc < 0)
            break;
        b->n++;
    }
    if (b->n == 0)
        return;
    if (b->n < b->o.max && b->o.window_us > 0 && !b->closing) {
        if (!b->waiting) {
            b->waiting = 1;
            uv_timer_start(&b->timer, s_on_timer, (uint64_t)(b->o.window_us + 999) / 1000, 0);
        }
        return;
    }
    if (b->waiting) {
        uv_timer_stop(&b->timer);
        b->waiting = 0;
    }
    s_flush(b);
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
    if (b->o.slot_size < 1)
        b->o.slot_size = 1;
    b->store = store;
    b->sock = sock;
    b->reqs = calloc(b->o.max, sizeof *b->reqs);
    b->slots = calloc(b->o.max, b->o.slot_size);
    if (!b->reqs || !b->slots) {
        regio_batch_destroy(&b);
        return NULL;
    }
    uv_timer_init(loop, &b->timer);
    b->timer.data = b;
    b->timer_open = 1;
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
    s_flush(b); /* never leave read requests unanswered */
    b->close_cb = done_cb;
    b->open_handles = 2;
    regio_zwatch_close(&b->watch, s_on_watch_closed);
    uv_close((uv_handle_t *)&b->timer, s_on_timer_closed);
}

void regio_batch_destroy(regio_batch_t **self)
{
    if (!self || !*self)
        return;
    regio_batch_t *b = *self;
    for (size_t i = 0; i < b->n; i++)
        regio_msg_clear(&b->reqs[i]);
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

void regio_batch_kick(regio_batch_t *b)
{
    regio_zwatch_kick(&b->watch);
}
