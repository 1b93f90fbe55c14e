/* outbox - at-least-once sending + notifier-side dedup = exactly-once log. */
#include "outbox.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <zmq.h>

#include "regio/limits.h"
#include "regio/log.h"
#include "regio/zwatch.h"

#define BATCH 500 /* changes per NotifyBatch: a few hundred kilobytes at most */
_Static_assert(BATCH <= REGIO_MAX_NOTIFY_CHANGES, "the notifier refuses larger batches");
#define RESEND_MS 2000

struct regio_outbox_s {
    regio_service_t *svc;
    regio_store_t *store;
    MDB_dbi outbox, meta;
    void *dealer;
    regio_zwatch_t watch;
    uv_timer_t timer;
    uint64_t next, pending_next; /* next source_seq to assign */
    uint64_t acked;              /* notifier logged everything up to this */
    uint64_t in_flight_until;    /* last source_seq sent and not acked, 0 = none */
    uint64_t sent_at;            /* loop time of the last send */
    int held;                    /* a backup is open: send nothing */
    uint64_t refusals;           /* batches refused since the last ack */
    int closing;
};

static void s_send(regio_outbox_t *ob)
{
    if (ob->closing || ob->held || ob->acked + 1 >= ob->next)
        return;
    MDB_txn *txn;
    MDB_cursor *cur;
    if (mdb_txn_begin(ob->store->env, NULL, MDB_RDONLY, &txn) != 0)
        return;
    mdb_cursor_open(txn, ob->outbox, &cur);
    Regio__PlacementChange *items[BATCH];
    size_t n = 0;
    uint8_t key[8];
    regio_store_u64_key(key, ob->acked + 1);
    MDB_val k = {8, key}, d;
    int rc = mdb_cursor_get(cur, &k, &d, MDB_SET_RANGE);
    uint64_t first = rc == 0 ? regio_store_u64_decode(k.mv_data) : 0;
    while (rc == 0 && n < BATCH) {
        Regio__PlacementChange *c = regio__placement_change__unpack(NULL, d.mv_size, d.mv_data);
        if (!c)
            break;
        items[n++] = c;
        rc = mdb_cursor_get(cur, &k, &d, MDB_NEXT);
    }
    mdb_cursor_close(cur);
    mdb_txn_abort(txn);
    if (n > 0) {
        Regio__NotifyBatch b = REGIO__NOTIFY_BATCH__INIT;
        b.first_source_seq = first;
        b.changes = items;
        b.n_changes = n;
        regio_envelope_t env = REGIO__ENVELOPE__INIT;
        env.body_case = REGIO__ENVELOPE__BODY_NOTIFY_BATCH;
        env.notify_batch = &b;
        if (regio_msg_send(ob->dealer, NULL, 0, &env) == 0) {
            ob->in_flight_until = first + n - 1;
            ob->sent_at = uv_now(&ob->svc->loop);
        }
        regio_zwatch_kick(&ob->watch);
    }
    for (size_t i = 0; i < n; i++)
        regio__placement_change__free_unpacked(items[i], NULL);
}

typedef struct {
    regio_outbox_t *ob;
    uint64_t upto;
} acked_t;

static int s_acked_fill(void *arg, MDB_txn *txn)
{
    acked_t *a = arg;
    for (uint64_t s = a->ob->acked + 1; s <= a->upto; s++) {
        uint8_t key[8];
        regio_store_u64_key(key, s);
        MDB_val k = {8, key};
        int rc = mdb_del(txn, a->ob->outbox, &k, NULL);
        if (rc != 0 && rc != MDB_NOTFOUND)
            return rc;
    }
    return regio_store_put_u64(txn, a->ob->meta, "outbox_acked", a->upto);
}

/* Delete what the notifier has logged, remember how far it got. 0, or the
 * write failed (noted in the store) and the entries stay to be sent again. */
static int s_acked(regio_outbox_t *ob, uint64_t upto)
{
    if (upto <= ob->acked)
        return 0;
    if (upto >= ob->next)
        upto = ob->next - 1;
    acked_t a = {ob, upto};
    int rc = regio_store_write(ob->store, s_acked_fill, &a);
    if (rc == 0)
        ob->acked = upto;
    return rc;
}

static void s_on_reply(regio_zwatch_t *w, void *sock, void *arg)
{
    regio_outbox_t *ob = arg;
    regio_msg_t m;
    while (regio_msg_recv(sock, 0, &m) == 0) {
        regio_envelope_t *e = m.env;
        if (e && e->body_case == REGIO__ENVELOPE__BODY_NOTIFY_ACK) {
            if (s_acked(ob, e->notify_ack->source_seq) < 0) {
                regio_msg_clear(&m);
                return; /* the store cannot write: resend on the timer, not at once */
            }
            if (ob->refusals)
                REGIO_INFO("msg=\"notifier takes batches again\" refused=%llu",
                           (unsigned long long)ob->refusals);
            ob->refusals = 0;
            ob->in_flight_until = 0;
        } else if (e && e->body_case == REGIO__ENVELOPE__BODY_ERROR) {
            if (!ob->refusals++) /* once until a batch is acknowledged again */
                REGIO_WARN("msg=\"notifier refused a batch; resending every %d ms\" code=%d "
                           "reason=\"%s\"", RESEND_MS, e->error->code, e->error->reason);
            ob->sent_at = uv_now(&ob->svc->loop); /* in flight still: the timer resends */
            regio_msg_clear(&m);
            return; /* not at once: a full disk stays full a while */
        }
        regio_msg_clear(&m);
    }
    s_send(ob);
}

static void s_on_timer(uv_timer_t *t)
{
    regio_outbox_t *ob = t->data;
    uint64_t now = uv_now(&ob->svc->loop);
    if (ob->in_flight_until && now - ob->sent_at < RESEND_MS)
        return;
    if (ob->in_flight_until && !ob->store->failing && !ob->refusals) /* those are logged once */
        REGIO_INFO("msg=\"no ack from notifier, resending\" from=%llu",
                   (unsigned long long)(ob->acked + 1));
    ob->in_flight_until = 0;
    s_send(ob);
}

regio_outbox_t *regio_outbox_new(regio_service_t *svc, regio_store_t *store, MDB_dbi outbox,
                                 MDB_dbi meta, const char *notifier_router)
{
    regio_outbox_t *ob = calloc(1, sizeof *ob);
    if (!ob)
        return NULL;
    ob->svc = svc;
    ob->store = store;
    ob->outbox = outbox;
    ob->meta = meta;
    char err[512];
    if (regio_service_connect(svc, ZMQ_DEALER, notifier_router, 0, "notifier", &ob->dealer, err,
                              sizeof err) < 0) {
        REGIO_ERROR("msg=\"cannot connect to the notifier\" reason=\"%s\"", err);
        free(ob);
        return NULL;
    }
    return ob;
}

int regio_outbox_start(regio_outbox_t *ob, MDB_txn *txn)
{
    int rc;
    if ((rc = regio_store_get_u64(txn, ob->meta, "outbox_next", &ob->next)) != 0 ||
        (rc = regio_store_get_u64(txn, ob->meta, "outbox_acked", &ob->acked)) != 0)
        return rc;
    if (ob->next == 0)
        ob->next = 1;
    ob->pending_next = ob->next;
    if ((rc = regio_zwatch_start(&ob->watch, &ob->svc->loop, ob->dealer, s_on_reply, ob)) < 0)
        return rc;
    uv_timer_init(&ob->svc->loop, &ob->timer);
    ob->timer.data = ob;
    uv_timer_start(&ob->timer, s_on_timer, 200, 500);
    return 0;
}

int regio_outbox_append(regio_outbox_t *ob, MDB_txn *txn, Regio__PlacementChange *const *v,
                        size_t n)
{
    for (size_t i = 0; i < n; i++) {
        uint8_t key[8];
        regio_store_u64_key(key, ob->pending_next);
        int rc = regio_store_put_msg(txn, ob->outbox, key, 8, &v[i]->base);
        if (rc != 0)
            return rc;
        ob->pending_next++;
    }
    return regio_store_put_u64(txn, ob->meta, "outbox_next", ob->pending_next);
}

void regio_outbox_commit(regio_outbox_t *ob, int ok)
{
    if (ok)
        ob->next = ob->pending_next;
    ob->pending_next = ob->next;
    if (ok && !ob->in_flight_until)
        s_send(ob);
}

uint64_t regio_outbox_last(const regio_outbox_t *ob)
{
    return ob->pending_next - 1;
}

void regio_outbox_hold(regio_outbox_t *ob, int hold)
{
    ob->held = hold;
    if (!hold && !ob->in_flight_until)
        s_send(ob);
}

uint64_t regio_outbox_pending(const regio_outbox_t *ob)
{
    return ob->next - 1 - ob->acked;
}

void regio_outbox_close(regio_outbox_t *ob)
{
    if (ob->closing)
        return;
    ob->closing = 1;
    if (ob->timer.data) {
        uv_timer_stop(&ob->timer);
        uv_close((uv_handle_t *)&ob->timer, NULL);
    }
    regio_zwatch_close(&ob->watch, NULL);
}

void regio_outbox_destroy(regio_outbox_t **self)
{
    if (!self || !*self)
        return;
    if ((*self)->dealer)
        zmq_close((*self)->dealer);
    free(*self);
    *self = NULL;
}
