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
    uint64_t env_id;      /* stable across resends: a late reply still counts */
    int64_t due_ms;       /* next (re)send */
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
    int64_t next_due;     /* earliest due_ms of any entry: scan only then */
    int64_t *ids;         /* open addressing: env_id -> entry index (-1 empty) */
    uint64_t *keys;
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

static size_t s_hash(const regio_ingest_t *c, uint64_t id)
{
    return (size_t)((id * 0x9e3779b97f4a7c15ull) >> 20) & (c->n_slots - 1);
}

static void s_map_put(regio_ingest_t *c, uint64_t id, int64_t idx)
{
    size_t h = s_hash(c, id);
    while (c->ids[h] >= 0 && c->keys[h] != id)
        h = (h + 1) & (c->n_slots - 1);
    c->keys[h] = id;
    c->ids[h] = idx;
}

static int64_t s_map_get(const regio_ingest_t *c, uint64_t id)
{
    for (size_t h = s_hash(c, id); c->ids[h] >= 0; h = (h + 1) & (c->n_slots - 1))
        if (c->keys[h] == id)
            return c->ids[h];
    return -1;
}

/* Remove id, re-inserting the rest of its cluster (linear probing). */
static void s_map_del(regio_ingest_t *c, uint64_t id)
{
    size_t h = s_hash(c, id);
    while (c->ids[h] >= 0 && c->keys[h] != id)
        h = (h + 1) & (c->n_slots - 1);
    if (c->ids[h] < 0)
        return;
    c->ids[h] = -1;
    for (h = (h + 1) & (c->n_slots - 1); c->ids[h] >= 0; h = (h + 1) & (c->n_slots - 1)) {
        int64_t idx = c->ids[h];
        uint64_t k = c->keys[h];
        c->ids[h] = -1;
        s_map_put(c, k, idx);
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
    for (c->n_slots = 16; c->n_slots < (size_t)c->o.window * 4; c->n_slots *= 2)
        ;
    c->e = calloc((size_t)c->o.window, sizeof *c->e);
    c->free_list = malloc(sizeof *c->free_list * (size_t)c->o.window);
    for (int i = 0; c->free_list && i < c->o.window; i++)
        c->free_list[c->n_free++] = c->o.window - 1 - i;
    c->ids = malloc(c->n_slots * sizeof *c->ids);
    c->keys = malloc(c->n_slots * sizeof *c->keys);
    c->own_ctx = !c->o.zctx;
    c->ctx = c->own_ctx ? zmq_ctx_new() : c->o.zctx;
    c->sock = c->ctx ? zmq_socket(c->ctx, ZMQ_DEALER) : NULL;
    if (!c->e || !c->free_list || !c->ids || !c->keys || !c->sock) {
        regio_ingest_destroy(&c);
        return NULL;
    }
    memset(c->ids, 0xff, c->n_slots * sizeof *c->ids);
    int zero = 0, hwm = c->o.window * 4;
    zmq_setsockopt(c->sock, ZMQ_LINGER, &zero, sizeof zero);
    zmq_setsockopt(c->sock, ZMQ_SNDHWM, &hwm, sizeof hwm);
    zmq_setsockopt(c->sock, ZMQ_RCVHWM, &hwm, sizeof hwm);
    if (zmq_connect(c->sock, c->o.endpoint) < 0) {
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
    free(c->ids);
    free(c->keys);
    free(c);
    *self = NULL;
}

static void s_due(regio_ingest_t *c, entry_t *e, int64_t at)
{
    e->due_ms = at;
    if (at < c->next_due)
        c->next_due = at;
}

static void s_send(regio_ingest_t *c, entry_t *e, int64_t now)
{
    Regio__CapacityUpdate u = REGIO__CAPACITY_UPDATE__INIT;
    u.update_id = e->update_id;
    u.offering = e->offering;
    u.period = e->period;
    u.seats = e->seats;
    u.n_seats = 10;
    u.version = e->version;
    regio_envelope_t env = REGIO__ENVELOPE__INIT;
    env.id = e->env_id;
    env.body_case = REGIO__ENVELOPE__BODY_CAPACITY_UPDATE;
    env.capacity_update = &u;
    if (regio_msg_send(c->sock, NULL, 0, &env) < 0) {
        s_due(c, e, now + 10); /* high-water mark: try again shortly */
        return;
    }
    c->st.sent++;
    c->st.resent += e->sends > 0;
    e->sends++;
    s_due(c, e, now + c->o.resend_ms);
}

static void s_final(regio_ingest_t *c, entry_t *e, int status, uint64_t version, const char *why)
{
    if (status == 0)
        c->st.applied++;
    else if (status == 1)
        c->st.duplicates++;
    else
        c->st.failed++;
    if (c->o.on_result)
        c->o.on_result(c->o.arg, e->update_id, status, version, s_now_us() - e->first_us, why);
    s_map_del(c, e->env_id);
    e->used = 0;
    c->n_used--;
    c->free_list[c->n_free++] = (int)(e - c->e);
}

static void s_on_reply(regio_ingest_t *c, const regio_envelope_t *r, int64_t now)
{
    int64_t idx = s_map_get(c, r->correlation_id);
    if (idx < 0)
        return; /* an answer to an update already final */
    entry_t *e = &c->e[idx];
    if (r->body_case == REGIO__ENVELOPE__BODY_CAPACITY_ACK) {
        int dup = r->capacity_ack->status == REGIO__ACK_STATUS__ACK_DUPLICATE;
        s_final(c, e, dup, r->capacity_ack->version, "");
        return;
    }
    if (r->body_case != REGIO__ENVELOPE__BODY_ERROR) {
        s_final(c, e, REGIO_EPARSE, 0, "unexpected reply");
        return;
    }
    Regio__ErrorCode code = r->error->code;
    if (code == REGIO__ERROR_CODE__ERROR_BUSY || code == REGIO__ERROR_CODE__ERROR_NOT_READY) {
        c->st.busy++;
        e->backoff_ms = e->backoff_ms ? e->backoff_ms * 2 : 10;
        if (e->backoff_ms > c->o.max_backoff_ms)
            e->backoff_ms = c->o.max_backoff_ms;
        int wait = (int)r->error->retry_after_ms > e->backoff_ms ? (int)r->error->retry_after_ms
                                                                  : e->backoff_ms;
        s_due(c, e, now + wait);
        return;
    }
    int rc = code == REGIO__ERROR_CODE__ERROR_STALE_VERSION ? REGIO_ESTALE
             : code == REGIO__ERROR_CODE__ERROR_UNKNOWN_ID  ? REGIO_ENOTFOUND
             : code == REGIO__ERROR_CODE__ERROR_OUT_OF_RANGE ? REGIO_ERANGE
                                                             : REGIO_EPEER;
    s_final(c, e, rc, 0, r->error->reason);
}

/* Send what is due, then wait up to wait_ms for replies and handle them. */
static void s_pump(regio_ingest_t *c, int wait_ms)
{
    int64_t now = s_now(), next = now + wait_ms;
    if (c->next_due <= now) { /* something is due: (re)send it, find the next */
        c->next_due = INT64_MAX;
        for (int i = 0; i < c->o.window; i++) {
            entry_t *e = &c->e[i];
            if (e->used && e->due_ms <= now)
                s_send(c, e, now);
            if (e->used && e->due_ms < c->next_due)
                c->next_due = e->due_ms;
        }
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
        strlen(period) > REGIO_ID_MAX)
        return REGIO_EINVALID;
    int64_t deadline = s_now() + timeout_ms;
    while (c->n_used == (size_t)c->o.window) {
        if (s_now() >= deadline)
            return REGIO_ETIMEOUT;
        s_pump(c, 50);
    }
    entry_t *e = &c->e[c->free_list[--c->n_free]];
    memset(e, 0, sizeof *e);
    strcpy(e->update_id, update_id);
    strcpy(e->offering, offering);
    strcpy(e->period, period);
    memcpy(e->seats, seats, sizeof e->seats);
    e->version = version;
    e->env_id = regio_msg_next_id();
    e->first_us = s_now_us();
    e->used = 1;
    c->n_used++;
    s_map_put(c, e->env_id, e - c->e);
    s_send(c, e, s_now());
    s_pump(c, 0); /* take in replies that are already there */
    return 0;
}

int regio_ingest_flush(regio_ingest_t *c, int timeout_ms)
{
    int64_t deadline = s_now() + timeout_ms;
    while (c->n_used > 0) {
        int64_t left = deadline - s_now();
        if (left <= 0)
            return REGIO_ETIMEOUT;
        s_pump(c, left < 100 ? (int)left : 100);
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
