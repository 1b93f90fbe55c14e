/* ingest - at-least-once sending + server-side dedup by update_id = exactly once. */
#include "regio/ingest.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <zmq.h>

#include "regio/error.h"
#include "regio/msg.h"
#include "regio/validate.h"

typedef struct {
    char update_id[REGIO_ID_MAX + 1];
    char offering[REGIO_ID_MAX + 1];
    char period[REGIO_ID_MAX + 1];
    uint32_t seats[10];
    uint64_t version;
    uint64_t last_env;    /* envelope of the last send (whole-message errors) */
    int64_t due_ms;       /* next resend, or INT64_MAX while waiting to be sent */
    int64_t first_us;     /* first send, for latency */
    int sends;            /* times sent */
    int backoff_ms;
    int used;
} entry_t;

struct regio_ingest_s {
    regio_ingest_opts_t o;
    void *ctx, *sock;
    int own_ctx;          /* the context is ours to terminate */
    entry_t *e;           /* window entries */
    size_t n_used;
    int *free_list;       /* indexes of unused entries (a stack) */
    int n_free;
    int *ready;           /* entries waiting for their first send (FIFO) */
    int n_ready;
    int64_t next_due;     /* earliest resend of any entry: scan only then */
    int64_t *slot_idx;    /* open addressing: update_id -> entry index (-1 empty) */
    size_t n_slots;
    regio_ingest_stats_t st;
};

static int64_t s_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int64_t s_now_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static size_t s_hash(const regio_ingest_t *c, const char *id)
{
    uint64_t h = 1469598103934665603ull;
    for (; *id; id++)
        h = (h ^ (unsigned char)*id) * 1099511628211ull;
    return (size_t)h & (c->n_slots - 1);
}

static void s_map_put(regio_ingest_t *c, int64_t idx)
{
    size_t h = s_hash(c, c->e[idx].update_id);
    while (c->slot_idx[h] >= 0)
        h = (h + 1) & (c->n_slots - 1);
    c->slot_idx[h] = idx;
}

/* Entry of an open update with this id, or -1. */
static int64_t s_map_get(const regio_ingest_t *c, const char *id)
{
    for (size_t h = s_hash(c, id); c->slot_idx[h] >= 0; h = (h + 1) & (c->n_slots - 1))
        if (strcmp(c->e[c->slot_idx[h]].update_id, id) == 0)
            return c->slot_idx[h];
    return -1;
}

/* Remove entry idx, re-inserting the rest of its cluster (linear probing). */
static void s_map_del(regio_ingest_t *c, int64_t idx)
{
    size_t h = s_hash(c, c->e[idx].update_id);
    while (c->slot_idx[h] >= 0 && c->slot_idx[h] != idx)
        h = (h + 1) & (c->n_slots - 1);
    if (c->slot_idx[h] < 0)
        return;
    c->slot_idx[h] = -1;
    for (h = (h + 1) & (c->n_slots - 1); c->slot_idx[h] >= 0; h = (h + 1) & (c->n_slots - 1)) {
        int64_t moved = c->slot_idx[h];
        c->slot_idx[h] = -1;
        s_map_put(c, moved);
    }
}

regio_ingest_t *regio_ingest_new(const regio_ingest_opts_t *opts)
{
    if (!opts->endpoint)
        return NULL;
    regio_ingest_t *c = calloc(1, sizeof *c);
    if (!c)
        return NULL;
    c->o = *opts;
    c->next_due = INT64_MAX;
    if (c->o.window <= 0)
        c->o.window = 1000;
    if (c->o.resend_ms <= 0)
        c->o.resend_ms = 2000;
    if (c->o.max_backoff_ms <= 0)
        c->o.max_backoff_ms = 2000;
    if (c->o.batch <= 0)
        c->o.batch = 64;
    if (c->o.batch > REGIO_MAX_CAPACITY_UPDATES)
        c->o.batch = REGIO_MAX_CAPACITY_UPDATES;
    for (c->n_slots = 16; c->n_slots < (size_t)c->o.window * 4; c->n_slots *= 2)
        ;
    c->e = calloc((size_t)c->o.window, sizeof *c->e);
    c->free_list = malloc(sizeof *c->free_list * (size_t)c->o.window);
    c->ready = malloc(sizeof *c->ready * (size_t)c->o.window);
    c->slot_idx = malloc(c->n_slots * sizeof *c->slot_idx);
    c->own_ctx = !c->o.zctx;
    c->ctx = c->own_ctx ? zmq_ctx_new() : c->o.zctx;
    c->sock = c->ctx ? zmq_socket(c->ctx, ZMQ_DEALER) : NULL;
    if (!c->e || !c->free_list || !c->ready || !c->slot_idx || !c->sock) {
        regio_ingest_destroy(&c);
        return NULL;
    }
    for (int i = 0; i < c->o.window; i++)
        c->free_list[c->n_free++] = c->o.window - 1 - i;
    memset(c->slot_idx, 0xff, c->n_slots * sizeof *c->slot_idx);
    int zero = 0, hwm = c->o.window * 4;
    zmq_setsockopt(c->sock, ZMQ_LINGER, &zero, sizeof zero);
    zmq_setsockopt(c->sock, ZMQ_SNDHWM, &hwm, sizeof hwm);
    zmq_setsockopt(c->sock, ZMQ_RCVHWM, &hwm, sizeof hwm);
    if (regio_curve_apply(c->sock, &c->o.curve, 0) < 0 || zmq_connect(c->sock, c->o.endpoint) < 0) {
        regio_ingest_destroy(&c);
        return NULL;
    }
    return c;
}

void regio_ingest_destroy(regio_ingest_t **self)
{
    if (!self || !*self)
        return;
    regio_ingest_t *c = *self;
    if (c->sock)
        zmq_close(c->sock);
    if (c->ctx && c->own_ctx)
        zmq_ctx_term(c->ctx);
    free(c->e);
    free(c->free_list);
    free(c->ready);
    free(c->slot_idx);
    free(c);
    *self = NULL;
}

static void s_due(regio_ingest_t *c, entry_t *e, int64_t at)
{
    e->due_ms = at;
    if (at < c->next_due)
        c->next_due = at;
}

/* Send entries idx[0..n-1] as one message. */
static void s_send(regio_ingest_t *c, const int *idx, int n, int64_t now)
{
    Regio__CapacityUpdate u[REGIO_MAX_CAPACITY_UPDATES], *up[REGIO_MAX_CAPACITY_UPDATES];
    for (int i = 0; i < n; i++) {
        entry_t *e = &c->e[idx[i]];
        regio__capacity_update__init(&u[i]);
        u[i].update_id = e->update_id;
        u[i].offering = e->offering;
        u[i].period = e->period;
        u[i].seats = e->seats;
        u[i].n_seats = 10;
        u[i].version = e->version;
        up[i] = &u[i];
    }
    Regio__CapacityUpdates many = REGIO__CAPACITY_UPDATES__INIT;
    regio_envelope_t env = REGIO__ENVELOPE__INIT;
    if (c->o.batch == 1) {
        env.body_case = REGIO__ENVELOPE__BODY_CAPACITY_UPDATE;
        env.capacity_update = &u[0];
    } else {
        many.updates = up;
        many.n_updates = (size_t)n;
        env.body_case = REGIO__ENVELOPE__BODY_CAPACITY_UPDATES;
        env.capacity_updates = &many;
    }
    int rc = regio_msg_send(c->sock, NULL, 0, &env);
    for (int i = 0; i < n; i++) {
        entry_t *e = &c->e[idx[i]];
        if (rc < 0) {
            s_due(c, e, now + 10); /* high-water mark: try again shortly */
            continue;
        }
        c->st.sent++;
        c->st.resent += e->sends > 0;
        e->sends++;
        e->last_env = env.id;
        s_due(c, e, now + c->o.resend_ms);
    }
}

/* Send the ready queue in messages of up to batch updates; a partial last
 * message only when all = 1. */
static void s_send_ready(regio_ingest_t *c, int all, int64_t now)
{
    int done = 0;
    while (c->n_ready - done >= c->o.batch || (all && c->n_ready > done)) {
        int n = c->n_ready - done < c->o.batch ? c->n_ready - done : c->o.batch;
        s_send(c, c->ready + done, n, now);
        done += n;
    }
    memmove(c->ready, c->ready + done, sizeof *c->ready * (size_t)(c->n_ready - done));
    c->n_ready -= done;
}

static void s_final(regio_ingest_t *c, int64_t idx, int status, uint64_t version, uint64_t seq,
                    const char *why)
{
    entry_t *e = &c->e[idx];
    if (status == 0)
        c->st.applied++;
    else if (status == 1)
        c->st.duplicates++;
    else
        c->st.failed++;
    if (c->o.on_result)
        c->o.on_result(c->o.arg, e->update_id, status, version, seq, s_now_us() - e->first_us,
                       why);
    s_map_del(c, idx);
    e->used = 0;
    c->n_used--;
    c->free_list[c->n_free++] = (int)idx;
}

static int s_error_rc(Regio__ErrorCode code)
{
    return code == REGIO__ERROR_CODE__ERROR_STALE_VERSION  ? REGIO_ESTALE
           : code == REGIO__ERROR_CODE__ERROR_UNKNOWN_ID   ? REGIO_ENOTFOUND
           : code == REGIO__ERROR_CODE__ERROR_OUT_OF_RANGE ? REGIO_ERANGE
           : code == REGIO__ERROR_CODE__ERROR_STORAGE_FULL ? REGIO_EFULL
                                                           : REGIO_EPEER;
}

/* An error for one update: retry BUSY/NOT_READY later, else final. */
static void s_on_error(regio_ingest_t *c, int64_t idx, const Regio__Error *err, int64_t now)
{
    entry_t *e = &c->e[idx];
    if (err->code == REGIO__ERROR_CODE__ERROR_BUSY || err->code == REGIO__ERROR_CODE__ERROR_NOT_READY) {
        c->st.busy++;
        e->backoff_ms = e->backoff_ms ? e->backoff_ms * 2 : 10;
        if (e->backoff_ms > c->o.max_backoff_ms)
            e->backoff_ms = c->o.max_backoff_ms;
        int wait = (int)err->retry_after_ms > e->backoff_ms ? (int)err->retry_after_ms : e->backoff_ms;
        s_due(c, e, now + wait);
        return;
    }
    s_final(c, idx, s_error_rc(err->code), 0, 0, err->reason);
}

static void s_on_result(regio_ingest_t *c, const char *id, const Regio__Error *err, int dup,
                        uint64_t version, uint64_t seq, int64_t now)
{
    int64_t idx = s_map_get(c, id);
    if (idx < 0)
        return; /* an answer to an update already final */
    if (err)
        s_on_error(c, idx, err, now);
    else
        s_final(c, idx, dup, version, seq, "");
}

static void s_on_reply(regio_ingest_t *c, const regio_envelope_t *r, int64_t now)
{
    switch (r->body_case) {
    case REGIO__ENVELOPE__BODY_CAPACITY_ACK:
        s_on_result(c, r->capacity_ack->update_id, NULL,
                    r->capacity_ack->status == REGIO__ACK_STATUS__ACK_DUPLICATE,
                    r->capacity_ack->version, r->capacity_ack->seq, now);
        return;
    case REGIO__ENVELOPE__BODY_CAPACITY_RESULTS:
        for (size_t i = 0; i < r->capacity_results->n_results; i++) {
            const Regio__CapacityResult *x = r->capacity_results->results[i];
            s_on_result(c, x->update_id, x->error,
                        x->status == REGIO__ACK_STATUS__ACK_DUPLICATE, x->version, x->seq, now);
        }
        return;
    case REGIO__ENVELOPE__BODY_ERROR: /* the whole message: every update in it */
        for (int i = 0; i < c->o.window; i++)
            if (c->e[i].used && c->e[i].last_env == r->correlation_id)
                s_on_error(c, i, r->error, now);
        return;
    default:
        return;
    }
}

/* Send what is due, then wait up to wait_ms for replies and handle them. */
static void s_pump(regio_ingest_t *c, int wait_ms, int send_all)
{
    int64_t now = s_now(), next = now + wait_ms;
    s_send_ready(c, send_all, now);
    if (c->next_due <= now) { /* resends are due: collect them, find the next */
        c->next_due = INT64_MAX;
        int due[REGIO_MAX_CAPACITY_UPDATES], n = 0;
        for (int i = 0; i < c->o.window; i++) {
            entry_t *e = &c->e[i];
            if (e->used && e->due_ms <= now) {
                due[n++] = i;
                if (n == c->o.batch) {
                    s_send(c, due, n, now);
                    n = 0;
                }
            } else if (e->used && e->due_ms < c->next_due) {
                c->next_due = e->due_ms;
            }
        }
        if (n)
            s_send(c, due, n, now);
    }
    if (c->next_due < next)
        next = c->next_due;
    zmq_pollitem_t it = {c->sock, 0, ZMQ_POLLIN, 0};
    long t = next > now ? (long)(next - now) : 0;
    if (zmq_poll(&it, 1, t) <= 0)
        return;
    regio_msg_t m;
    now = s_now();
    while (regio_msg_recv(c->sock, 0, &m) == 0) {
        if (m.env)
            s_on_reply(c, m.env, now);
        regio_msg_clear(&m);
    }
}

int regio_ingest_update(regio_ingest_t *c, const char *update_id, const char *offering,
                        const char *period, const uint32_t seats[10], uint64_t version,
                        int timeout_ms)
{
    if (strlen(update_id) > REGIO_ID_MAX || strlen(offering) > REGIO_ID_MAX ||
        strlen(period) > REGIO_ID_MAX || s_map_get(c, update_id) >= 0)
        return REGIO_EINVALID;
    int64_t deadline = s_now() + timeout_ms;
    while (c->n_used == (size_t)c->o.window) {
        if (s_now() >= deadline)
            return REGIO_ETIMEOUT;
        s_pump(c, 50, 1);
    }
    int idx = c->free_list[--c->n_free];
    entry_t *e = &c->e[idx];
    memset(e, 0, sizeof *e);
    strcpy(e->update_id, update_id);
    strcpy(e->offering, offering);
    strcpy(e->period, period);
    memcpy(e->seats, seats, sizeof e->seats);
    e->version = version;
    e->first_us = s_now_us();
    e->due_ms = INT64_MAX;
    e->used = 1;
    c->n_used++;
    s_map_put(c, idx);
    c->ready[c->n_ready++] = idx;
    if (c->n_ready >= c->o.batch)
        s_pump(c, 0, 0); /* a full message: send it, take in replies already there */
    return 0;
}

int regio_ingest_flush(regio_ingest_t *c, int timeout_ms)
{
    int64_t deadline = s_now() + timeout_ms;
    while (c->n_used > 0) {
        int64_t left = deadline - s_now();
        if (left <= 0)
            return REGIO_ETIMEOUT;
        s_pump(c, left < 100 ? (int)left : 100, 1);
    }
    return 0;
}

size_t regio_ingest_open(const regio_ingest_t *c)
{
    return c->n_used;
}

regio_ingest_stats_t regio_ingest_stats(const regio_ingest_t *c)
{
    return c->st;
}
