/* capacity - availability updates: validated, de-duplicated, ordered, durable. */
#include "capacity.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zmq.h>

#include "regio/authz.h"
#include "regio/error.h"
#include "regio/follow.h"
#include "regio/log.h"
#include "regio/node.h"
#include "regio/rpp.h"
#include "regio/validate.h"
#include "lag.h"
#include "registry_mirror.h"

#define TOPIC "capacity"
#define KEY_MAX (2 * REGIO_ID_MAX + 2)
#define PRUNE_EVERY_MS 10000
#define PRUNE_MAX 500000 /* ids scanned per pass */

struct regio_capacity_s {
    regio_node_t node;
    MDB_dbi avail, exceptions, updates, meta;
    char prune_from[REGIO_ID_MAX + 1]; /* where the next pruning pass resumes */
    void *snap_mem[3];     /* arrays behind a snapshot reply being built */
    uint64_t pending_seq;
    regio_follow_t *registry;
    regio_registry_mirror_t mirror;
    const regio_principal_t *who; /* sender of the request being applied */
    regio_lag_t *lag;      /* requests that named an id the mirror lacked */
    long dedup_ms;
    long skew_ms;          /* versions further ahead of the clock are refused */
    uv_timer_t prune;
    uint64_t applied, duplicates, stale, pruned;
};

/* An availability row as stored: fixed size, so reading the version of the
 * row an update replaces costs no decoding. Key: offering 0x1f period. */
typedef struct {
    uint64_t version;
    uint32_t seats[REGIO_RPP_SLOTS];
} row_t;

typedef struct slot_s {
    regio_node_refusal_t no; /* why it was refused, if it was */
    int duplicate;         /* re-ack of an applied update_id */
    uint64_t seq;          /* change seq (or the original one for a duplicate) */
    uint64_t version;      /* stored version after this update */
    uint32_t seats[REGIO_RPP_SLOTS]; /* CapacityReset: the seats kept, to publish */
    struct slot_s *items;  /* CapacityUpdates: one result per update, owned */
    size_t n_items;
} slot_t;

const regio_config_entry_t *regio_capacity_config_table(regio_capacity_config_t *c)
{
    static regio_config_entry_t t[24];
    regio_config_entry_t v[] = {
        REGIO_NODE_CONFIG_ENTRIES(c, "tcp://127.0.0.1:7411", "tcp://127.0.0.1:7412", "var/capacity", "256", "16384"),
        {"registry-router", REGIO_CONFIG_ENDPOINT, c->registry_router, "tcp://127.0.0.1:7401", 0, -1, "registry requests"},
        {"registry-pub", REGIO_CONFIG_ENDPOINT, c->registry_pub, "tcp://127.0.0.1:7402", 0, -1, "registry change feed"},
        {"batch-max", REGIO_CONFIG_INT, &c->batch_max, "4096", 1, 1 << 20, "updates per transaction"},
        {"queue-max", REGIO_CONFIG_INT, &c->queue_max, "65536", 1, 1 << 24, "updates held in memory; past it senders get BUSY with a retry hint"},
        {"batch-window-us", REGIO_CONFIG_INT, &c->batch_window_us, "0", 0, 1000000, "wait this long for more updates before committing"},
        {"dedup-hours", REGIO_CONFIG_INT, &c->dedup_hours, "72", 1, 24 * 365, "how long update ids are remembered for retries"},
        {"version-skew-ms", REGIO_CONFIG_INT, &c->version_skew_ms, "300000", 0, 365L * 24 * 3600 * 1000, "refuse versions further ahead of this clock (unix ms), so a client's wrong clock cannot block a key"},
        {0},
    };
    _Static_assert(sizeof v <= sizeof t, "the settings table outgrew its copy");
    memcpy(t, v, sizeof v);
    return t;
}

/* Refuse with a printf-style reason, recorded in the slot for done. */
#define REJECT(s, ...) regio_node_refuse(&(s)->no, __VA_ARGS__)

static size_t s_key(char *out, const char *a, const char *b)
{
    return (size_t)snprintf(out, KEY_MAX, "%s%c%s", a, 0x1f, b);
}

/* 1 when update_id was applied before (slot filled), 0 if new, <0 LMDB. */
static int s_seen(regio_capacity_t *c, MDB_txn *txn, const char *id, slot_t *s)
{
    MDB_val k = {strlen(id), (void *)id}, d;
    int rc = mdb_get(txn, c->updates, &k, &d);
    if (rc == MDB_NOTFOUND)
        return 0;
    if (rc != 0)
        return rc;
    s->duplicate = 1;
    if (d.mv_size >= 24) {
        s->seq = regio_store_u64_decode((char *)d.mv_data + 8);
        s->version = regio_store_u64_decode((char *)d.mv_data + 16);
    }
    return 1;
}

/* Remember update_id with s's seq and version, for retries. */
static int s_record(regio_capacity_t *c, MDB_txn *txn, const char *id, const slot_t *s)
{
    uint8_t v[24];
    int64_t now = regio_now_ms();
    regio_store_u64_key(v, (uint64_t)now);
    regio_store_u64_key(v + 8, s->seq);
    regio_store_u64_key(v + 16, s->version);
    MDB_val k = {strlen(id), (void *)id}, d = {24, v};
    return mdb_put(txn, c->updates, &k, &d, 0); /* seq is stored once per txn */
}

/* A change applied: the next seq, and update_id remembered with it. */
static int s_remember(regio_capacity_t *c, MDB_txn *txn, const char *id, slot_t *s)
{
    s->seq = ++c->pending_seq;
    return s_record(c, txn, id, s);
}

/* Whether an id the registry mirror lacks is unknown for good (lag.h). */
static int s_settled(regio_capacity_t *c, const char *update_id, const char *id)
{
    return regio_lag_settled(c->lag, update_id, id, regio_follow_confirmations(c->registry));
}

/* Common checks of an update or exception; 0 or a rejection. */
static int s_check_target(regio_capacity_t *c, const char *update_id, const char *offering,
                          slot_t *s)
{
    char err[320];
    if (regio_validate_id(update_id, "update_id", err, sizeof err) < 0)
        return REJECT(s, REGIO__ERROR_CODE__ERROR_INVALID, update_id, "%s", err);
    if (regio_validate_id(offering, "offering", err, sizeof err) < 0)
        return REJECT(s, REGIO__ERROR_CODE__ERROR_INVALID, update_id, "%s", err);
    if (!regio_follow_synced(c->registry)) {
        const char *alarm = regio_follow_alarm(c->registry);
        return REJECT(s, REGIO__ERROR_CODE__ERROR_NOT_READY, update_id, "registry not synced %s",
                      alarm ? alarm : "yet; retry shortly");
    }
    int known = regio_registry_mirror_offering(&c->mirror, offering);
    if (known < 0 && !s_settled(c, update_id, offering))
        return REJECT(s, REGIO__ERROR_CODE__ERROR_NOT_READY, offering,
                        "offering %s is not in this service's copy of the registry (yet?); "
                        "retry", offering);
    if (known < 0)
        return REJECT(s, REGIO__ERROR_CODE__ERROR_UNKNOWN_ID, offering,
                        "offering %s does not exist in the registry", offering);
    if (known == 0)
        return REJECT(s, REGIO__ERROR_CODE__ERROR_INVALID, offering,
                        "offering %s is withdrawn", offering);
    char what[REGIO_ID_MAX + 16];
    snprintf(what, sizeof what, "offering %s", offering);
    if (regio_authz_partner(c->who, regio_registry_mirror_partner(&c->mirror, offering), what, err,
                            sizeof err) < 0)
        return regio_node_forbid(&c->node, &s->no, c->who, offering, err);
    return 0;
}

static int s_update(regio_capacity_t *c, MDB_txn *txn, Regio__CapacityUpdate *u, slot_t *s)
{
    int rc = s_check_target(c, u->update_id, u->offering, s);
    if (rc != 0)
        return rc;
    if ((rc = s_seen(c, txn, u->update_id, s)) != 0)
        return rc < 0 ? rc : REGIO_BATCH_NOWRITE;
    int period = regio_registry_mirror_period(&c->mirror, u->period);
    if (!period && !s_settled(c, u->update_id, u->period))
        return REJECT(s, REGIO__ERROR_CODE__ERROR_NOT_READY, u->period,
                        "period '%s' is not in this service's copy of the calendar (yet?); retry",
                        u->period);
    if (!period)
        return REJECT(s, REGIO__ERROR_CODE__ERROR_UNKNOWN_ID, u->period,
                        "period '%s' is not in the calendar", u->period);
    if (u->n_seats != REGIO_RPP_SLOTS)
        return REJECT(s, REGIO__ERROR_CODE__ERROR_OUT_OF_RANGE, u->update_id,
                        "seats must have exactly 10 entries (weekly slots), got %zu", u->n_seats);
    for (size_t i = 0; i < u->n_seats; i++)
        if (u->seats[i] > REGIO_RPP_MAX_SEATS)
            return REJECT(s, REGIO__ERROR_CODE__ERROR_OUT_OF_RANGE, u->update_id,
                            "seats[%zu] = %u above %d", i, u->seats[i], REGIO_RPP_MAX_SEATS);
    if (u->version == 0)
        return REJECT(s, REGIO__ERROR_CODE__ERROR_OUT_OF_RANGE, u->update_id,
                        "version must be > 0");
    uint64_t now = (uint64_t)regio_now_ms();
    if (u->version > now + (uint64_t)c->skew_ms) /* one bad clock would hold the key for good */
        return REJECT(s, REGIO__ERROR_CODE__ERROR_OUT_OF_RANGE, u->update_id,
                        "version %llu is %llu ms ahead of this service's clock, more than "
                        "version-skew-ms %ld (versions are unix milliseconds)",
                        (unsigned long long)u->version, (unsigned long long)(u->version - now),
                        c->skew_ms);
    char key[KEY_MAX];
    MDB_val k = {s_key(key, u->offering, u->period), key}, d;
    if ((rc = mdb_get(txn, c->avail, &k, &d)) == 0) {
        row_t old;
        memcpy(&old, d.mv_data, d.mv_size < sizeof old ? d.mv_size : sizeof old);
        uint64_t have = d.mv_size == sizeof old ? old.version : 0;
        if (have == u->version && !memcmp(old.seats, u->seats, sizeof old.seats)) {
            /* the same update under another id (a resend by a new process): nothing
             * changes; its seq is now's, at or after the one that stored it */
            s->duplicate = 1;
            s->version = have;
            s->seq = c->pending_seq;
            return s_record(c, txn, u->update_id, s);
        }
        if (have >= u->version)
            return REJECT(s, REGIO__ERROR_CODE__ERROR_STALE_VERSION, u->update_id,
                            "version %llu is not newer than stored version %llu",
                            (unsigned long long)u->version, (unsigned long long)have);
    } else if (rc != MDB_NOTFOUND) {
        return rc;
    }
    row_t row = {.version = u->version};
    memcpy(row.seats, u->seats, sizeof row.seats);
    d = (MDB_val){sizeof row, &row};
    if ((rc = mdb_put(txn, c->avail, &k, &d, 0)) != 0)
        return rc;
    s->version = u->version;
    return s_remember(c, txn, u->update_id, s);
}

/* Forget the stored version of a key: its seats stay, the next update wins. */
static int s_reset(regio_capacity_t *c, MDB_txn *txn, Regio__CapacityReset *x, slot_t *s)
{
    char err[200];
    int rc = s_check_target(c, x->update_id, x->offering, s);
    if (rc != 0)
        return rc;
    if ((rc = s_seen(c, txn, x->update_id, s)) != 0)
        return rc < 0 ? rc : REGIO_BATCH_NOWRITE;
    if (regio_validate_id(x->period, "period", err, sizeof err) < 0)
        return REJECT(s, REGIO__ERROR_CODE__ERROR_INVALID, x->update_id, "%s", err);
    char key[KEY_MAX];
    MDB_val k = {s_key(key, x->offering, x->period), key}, d;
    row_t row;
    if ((rc = mdb_get(txn, c->avail, &k, &d)) == MDB_NOTFOUND || (rc == 0 && d.mv_size != sizeof row))
        return REJECT(s, REGIO__ERROR_CODE__ERROR_UNKNOWN_ID, x->offering,
                      "no seats stored for %s in %s: nothing to reset", x->offering, x->period);
    if (rc != 0)
        return rc;
    memcpy(&row, d.mv_data, sizeof row);
    row.version = 0;
    d = (MDB_val){sizeof row, &row};
    if ((rc = mdb_put(txn, c->avail, &k, &d, 0)) != 0)
        return rc;
    memcpy(s->seats, row.seats, sizeof s->seats);
    s->version = 0;
    return s_remember(c, txn, x->update_id, s);
}

static int s_exception(regio_capacity_t *c, MDB_txn *txn, Regio__CapacityException *x, slot_t *s)
{
    int rc = s_check_target(c, x->update_id, x->offering, s);
    if (rc != 0)
        return rc;
    if ((rc = s_seen(c, txn, x->update_id, s)) != 0)
        return rc < 0 ? rc : REGIO_BATCH_NOWRITE;
    char err[200];
    if (regio_validate_date(x->date, "date", err, sizeof err) < 0)
        return REJECT(s, REGIO__ERROR_CODE__ERROR_INVALID, x->update_id, "%s", err);
    if (x->slots_closed > 3)
        return REJECT(s, REGIO__ERROR_CODE__ERROR_OUT_OF_RANGE, x->update_id,
                        "slots_closed must be 0 (open again), 1 (morning), 2 (afternoon) or 3 "
                        "(whole day)");
    if ((rc = regio_validate_text(x->reason, REGIO_REASON_MAX, "reason", err, sizeof err)) < 0)
        return REJECT(s, regio_msg_error_code(rc), x->update_id, "%s", err);
    char key[KEY_MAX];
    size_t kl = s_key(key, x->offering, x->date);
    MDB_val k = {kl, key};
    if (x->slots_closed == 0) /* open again: no closure left to keep */
        rc = mdb_del(txn, c->exceptions, &k, NULL);
    else
        rc = regio_store_put_msg(txn, c->exceptions, key, kl, &x->base);
    if (rc != 0 && rc != MDB_NOTFOUND)
        return rc;
    return s_remember(c, txn, x->update_id, s);
}

/* Each update of a CapacityUpdates message on its own, with its own result. */
static int s_updates(regio_capacity_t *c, MDB_txn *txn, Regio__CapacityUpdates *m, slot_t *s)
{
    if (m->n_updates == 0 || m->n_updates > REGIO_MAX_CAPACITY_UPDATES)
        return REJECT(s, REGIO__ERROR_CODE__ERROR_OUT_OF_RANGE, NULL,
                        "updates: %zu listed, needs 1..%d", m->n_updates,
                        REGIO_MAX_CAPACITY_UPDATES);
    if (!(s->items = calloc(m->n_updates, sizeof *s->items)))
        return -ENOMEM;
    s->n_items = m->n_updates;
    int wrote = 0;
    for (size_t i = 0; i < m->n_updates; i++) {
        int rc = s_update(c, txn, m->updates[i], &s->items[i]);
        if (rc != REGIO_BATCH_WROTE && rc != REGIO_BATCH_NOWRITE)
            return rc;
        wrote |= rc == REGIO_BATCH_WROTE;
    }
    return wrote ? REGIO_BATCH_WROTE : REGIO_BATCH_NOWRITE;
}

static void s_release(void *arg, void *slot)
{
    slot_t *s = slot;
    free(s->items);
    s->items = NULL;
    s->n_items = 0;
}

static int s_apply(void *arg, MDB_txn *txn, regio_msg_t *req, void *slot)
{
    regio_capacity_t *c = arg;
    slot_t *s = slot;
    regio_envelope_t *e = req->env;
    c->who = regio_node_principal(&c->node, req);
    switch (e->body_case) {
    case REGIO__ENVELOPE__BODY_CAPACITY_UPDATE: return s_update(c, txn, e->capacity_update, s);
    case REGIO__ENVELOPE__BODY_CAPACITY_UPDATES: return s_updates(c, txn, e->capacity_updates, s);
    case REGIO__ENVELOPE__BODY_CAPACITY_EXCEPTION:
        return s_exception(c, txn, e->capacity_exception, s);
    case REGIO__ENVELOPE__BODY_CAPACITY_RESET: return s_reset(c, txn, e->capacity_reset, s);
    case REGIO__ENVELOPE__BODY_CAPACITY_SNAPSHOT_REQUEST:
    case REGIO__ENVELOPE__BODY_STATUS_REQUEST: return REGIO_BATCH_NOWRITE;
    default:
        return REJECT(s, REGIO__ERROR_CODE__ERROR_UNSUPPORTED, NULL,
                        "the capacity service does not handle this message");
    }
}

/* All availability rows as messages; strings and seats point into the
 * read transaction's pages, so free only the arrays, before it ends. */
/* Whether who may see the rows of offering (a partner sees its own). */
static int s_visible(regio_capacity_t *c, const regio_principal_t *who, const char *offering)
{
    if (regio_authz_reads_all(who))
        return 1;
    const char *partner = regio_registry_mirror_partner(&c->mirror, offering);
    return partner && who->role == REGIO_ROLE_PARTNER && strcmp(partner, who->scope) == 0;
}

static void s_load_rows(regio_capacity_t *c, MDB_txn *txn, Regio__CapacitySnapshot *snap,
                        const regio_principal_t *who)
{
    MDB_stat st;
    MDB_cursor *cur;
    snap->n_rows = 0;
    if (mdb_stat(txn, c->avail, &st) != 0 || mdb_cursor_open(txn, c->avail, &cur) != 0)
        return;
    size_t n = st.ms_entries ? st.ms_entries : 1;
    Regio__Availability *a = calloc(n, sizeof *a);
    Regio__Availability **pa = calloc(n, sizeof *pa);
    char *names = calloc(n, KEY_MAX + 1);
    uint32_t *seats = calloc(n, sizeof(uint32_t) * REGIO_RPP_SLOTS);
    MDB_val k, d;
    for (int rc = a && pa && names && seats ? mdb_cursor_get(cur, &k, &d, MDB_FIRST) : -1;
         rc == 0 && snap->n_rows < n; rc = mdb_cursor_get(cur, &k, &d, MDB_NEXT)) {
        row_t row;
        size_t i = snap->n_rows;
        char *name = names + i * (KEY_MAX + 1), *sep;
        if (d.mv_size != sizeof row || k.mv_size > KEY_MAX)
            continue;
        memcpy(&row, d.mv_data, sizeof row);
        memcpy(name, k.mv_data, k.mv_size);
        if (!(sep = memchr(name, 0x1f, k.mv_size)))
            continue;
        *sep = '\0';
        if (!s_visible(c, who, name))
            continue;
        regio__availability__init(&a[i]);
        a[i].offering = name;
        a[i].period = sep + 1;
        a[i].version = row.version;
        a[i].seats = seats + i * REGIO_RPP_SLOTS;
        a[i].n_seats = REGIO_RPP_SLOTS;
        memcpy(a[i].seats, row.seats, sizeof row.seats);
        pa[i] = &a[i];
        snap->n_rows++;
    }
    mdb_cursor_close(cur);
    snap->rows = pa;
    c->snap_mem[0] = a, c->snap_mem[1] = names, c->snap_mem[2] = seats;
}

static void s_reply_snapshot(regio_capacity_t *c, regio_msg_t *req)
{
    MDB_txn *txn;
    if (mdb_txn_begin(c->node.store.env, NULL, MDB_RDONLY, &txn) != 0) {
        regio_node_reply_error(&c->node, req, REGIO__ERROR_CODE__ERROR_INTERNAL, NULL,
                               "cannot open a read transaction");
        return;
    }
    const regio_principal_t *who = regio_node_principal(&c->node, req);
    Regio__CapacitySnapshot snap = REGIO__CAPACITY_SNAPSHOT__INIT;
    regio_store_get_u64(txn, c->meta, "seq", &snap.seq);
    snap.store_id = c->node.store_id;
    s_load_rows(c, txn, &snap, who);
    snap.exceptions = (Regio__CapacityException **)regio_store_load_all(
        txn, c->exceptions, &regio__capacity_exception__descriptor, &snap.n_exceptions);
    mdb_txn_abort(txn);
    size_t kept = 0; /* exceptions of offerings the caller may see */
    for (size_t i = 0; i < snap.n_exceptions; i++) {
        if (s_visible(c, who, snap.exceptions[i]->offering))
            snap.exceptions[kept++] = snap.exceptions[i];
        else
            regio__capacity_exception__free_unpacked(snap.exceptions[i], NULL);
    }
    snap.n_exceptions = kept;
    regio_envelope_t env = REGIO__ENVELOPE__INIT;
    env.body_case = REGIO__ENVELOPE__BODY_CAPACITY_SNAPSHOT;
    env.capacity_snapshot = &snap;
    regio_msg_reply(c->node.router, req, &env);
    free(snap.rows);
    for (int i = 0; i < 3; i++)
        free(c->snap_mem[i]), c->snap_mem[i] = NULL;
    regio_store_free_all((void **)snap.exceptions, snap.n_exceptions);
}

/* ch, with a, as the change that applying u made (borrows u's strings). */
static void s_change_of(const Regio__CapacityUpdate *u, uint64_t seq, Regio__CapacityChange *ch,
                        Regio__Availability *a)
{
    regio__capacity_change__init(ch);
    regio__availability__init(a);
    ch->seq = seq;
    a->offering = u->offering;
    a->period = u->period;
    a->n_seats = u->n_seats;
    a->seats = u->seats;
    a->version = u->version;
    ch->what_case = REGIO__CAPACITY_CHANGE__WHAT_AVAILABILITY;
    ch->availability = a;
}

static void s_publish_change(regio_capacity_t *c, const Regio__CapacityUpdate *u,
                             const Regio__CapacityException *x, uint64_t seq)
{
    Regio__CapacityChange ch = REGIO__CAPACITY_CHANGE__INIT;
    Regio__Availability a;
    ch.seq = seq;
    if (u) {
        s_change_of(u, seq, &ch, &a);
    } else {
        ch.what_case = REGIO__CAPACITY_CHANGE__WHAT_EXCEPTION;
        ch.exception = (Regio__CapacityException *)x;
    }
    ch.store_id = c->node.store_id; /* followers check whose change it is */
    regio_envelope_t env = REGIO__ENVELOPE__INIT;
    env.body_case = REGIO__ENVELOPE__BODY_CAPACITY_CHANGE;
    env.capacity_change = &ch;
    regio_node_publish(&c->node, &env);
}

static void s_done_updates(regio_capacity_t *c, regio_msg_t *req, slot_t *s);

/* The changes of one CapacityUpdates request as one message on the feed. */
static void s_publish_changes(regio_capacity_t *c, Regio__CapacityChange **cp, size_t n)
{
    if (n == 0)
        return;
    Regio__CapacityChanges all = REGIO__CAPACITY_CHANGES__INIT;
    all.changes = cp;
    all.n_changes = n;
    regio_envelope_t env = REGIO__ENVELOPE__INIT;
    env.body_case = REGIO__ENVELOPE__BODY_CAPACITY_CHANGES;
    env.capacity_changes = &all;
    regio_node_publish(&c->node, &env);
}

static void s_done(void *arg, regio_msg_t *req, void *slot, int rc)
{
    regio_capacity_t *c = arg;
    slot_t *s = slot;
    c->stale += rc == 0 && s->no.code == REGIO__ERROR_CODE__ERROR_STALE_VERSION;
    if (regio_node_reply_refusal(&c->node, req, rc, &s->no, "not applied"))
        return;
    Regio__Envelope__BodyCase bc = req->env->body_case;
    if (bc == REGIO__ENVELOPE__BODY_CAPACITY_SNAPSHOT_REQUEST) {
        s_reply_snapshot(c, req);
        return;
    }
    if (bc == REGIO__ENVELOPE__BODY_STATUS_REQUEST) {
        regio_node_reply_status(&c->node, req);
        return;
    }
    if (bc == REGIO__ENVELOPE__BODY_CAPACITY_UPDATES) {
        s_done_updates(c, req, s);
        return;
    }
    const Regio__CapacityUpdate *u = NULL;
    const Regio__CapacityException *x = NULL;
    Regio__CapacityUpdate kept = REGIO__CAPACITY_UPDATE__INIT; /* what a reset publishes */
    Regio__CapacityAck ack = REGIO__CAPACITY_ACK__INIT;
    if (bc == REGIO__ENVELOPE__BODY_CAPACITY_UPDATE) {
        u = req->env->capacity_update;
        ack.update_id = u->update_id;
    } else if (bc == REGIO__ENVELOPE__BODY_CAPACITY_RESET) {
        const Regio__CapacityReset *r = req->env->capacity_reset;
        kept.offering = r->offering;
        kept.period = r->period;
        kept.seats = s->seats;
        kept.n_seats = REGIO_RPP_SLOTS;
        u = &kept;
        ack.update_id = r->update_id;
    } else {
        x = req->env->capacity_exception;
        ack.update_id = x->update_id;
    }
    ack.status = s->duplicate ? REGIO__ACK_STATUS__ACK_DUPLICATE : REGIO__ACK_STATUS__ACK_APPLIED;
    ack.seq = s->seq;
    ack.version = s->version;
    regio_envelope_t env = REGIO__ENVELOPE__INIT;
    env.body_case = REGIO__ENVELOPE__BODY_CAPACITY_ACK;
    env.capacity_ack = &ack;
    regio_msg_reply(c->node.router, req, &env);
    if (s->duplicate) {
        c->duplicates++;
        return;
    }
    c->applied++;
    s_publish_change(c, u, x, s->seq);
}

/* One result per update of a CapacityUpdates message; the applied ones go
 * on the feed together, as one CapacityChanges. */
static void s_done_updates(regio_capacity_t *c, regio_msg_t *req, slot_t *s)
{
    Regio__CapacityUpdates *m = req->env->capacity_updates;
    Regio__CapacityResult *rs = calloc(s->n_items, sizeof *rs);
    Regio__CapacityResult **rp = calloc(s->n_items, sizeof *rp);
    Regio__Error *es = calloc(s->n_items, sizeof *es);
    Regio__CapacityChange *cs = calloc(s->n_items, sizeof *cs), **cp = calloc(s->n_items, sizeof *cp);
    Regio__Availability *as = calloc(s->n_items, sizeof *as);
    size_t n_changes = 0;
    if (!rs || !rp || !es || !cs || !cp || !as) {
        regio_node_reply_error(&c->node, req, REGIO__ERROR_CODE__ERROR_INTERNAL, NULL,
                               "out of memory building the reply (the updates were applied)");
        goto out;
    }
    for (size_t i = 0; i < s->n_items; i++) {
        slot_t *it = &s->items[i];
        regio__capacity_result__init(&rs[i]);
        rs[i].update_id = m->updates[i]->update_id;
        rs[i].seq = it->seq;
        rs[i].version = it->version;
        rs[i].status = it->duplicate ? REGIO__ACK_STATUS__ACK_DUPLICATE : REGIO__ACK_STATUS__ACK_APPLIED;
        rp[i] = &rs[i];
        if (it->no.code) {
            regio__error__init(&es[i]);
            es[i].code = it->no.code;
            es[i].reason = it->no.reason;
            es[i].ref = it->no.ref;
            es[i].retry_after_ms = it->no.code == REGIO__ERROR_CODE__ERROR_NOT_READY ? 50 : 0;
            rs[i].error = &es[i];
            c->stale += it->no.code == REGIO__ERROR_CODE__ERROR_STALE_VERSION;
            c->node.rejected++;
        } else if (it->duplicate) {
            c->duplicates++;
        } else {
            c->applied++;
            s_change_of(m->updates[i], it->seq, &cs[n_changes], &as[n_changes]);
            cs[n_changes].store_id = c->node.store_id;
            cp[n_changes] = &cs[n_changes];
            n_changes++;
        }
    }
    s_publish_changes(c, cp, n_changes);
    Regio__CapacityResults res = REGIO__CAPACITY_RESULTS__INIT;
    res.results = rp;
    res.n_results = s->n_items;
    regio_envelope_t env = REGIO__ENVELOPE__INIT;
    env.body_case = REGIO__ENVELOPE__BODY_CAPACITY_RESULTS;
    env.capacity_results = &res;
    regio_msg_reply(c->node.router, req, &env);
out:
    free(rs);
    free(rp);
    free(es);
    free(cs);
    free(cp);
    free(as);
}

static void s_begin(void *arg)
{
    regio_capacity_t *c = arg;
    c->pending_seq = c->node.seq;
}

static int s_precommit(void *arg, MDB_txn *txn)
{
    regio_capacity_t *c = arg;
    if (c->pending_seq == c->node.seq)
        return 0;
    return regio_store_put_u64(txn, c->meta, "seq", c->pending_seq);
}

static void s_flush(void *arg, int committed)
{
    regio_capacity_t *c = arg;
    if (committed)
        c->node.seq = c->pending_seq;
    c->pending_seq = c->node.seq;
}

/* Forget update ids older than the dedup window. Each pass scans a bounded
 * stretch of the table, resuming where the last one stopped, so the loop is
 * never held for long however many ids are kept. */
static void s_on_prune(uv_timer_t *t)
{
    regio_capacity_t *c = t->data;
    MDB_txn *txn;
    MDB_cursor *cur;
    if (mdb_txn_begin(c->node.store.env, NULL, 0, &txn) != 0)
        return;
    if (mdb_cursor_open(txn, c->updates, &cur) != 0) {
        mdb_txn_abort(txn);
        return;
    }
    uint64_t horizon = (uint64_t)(regio_now_ms() - c->dedup_ms);
    MDB_val k = {strlen(c->prune_from), c->prune_from}, d;
    int n = 0, rc = mdb_cursor_get(cur, &k, &d, k.mv_size ? MDB_SET_RANGE : MDB_FIRST);
    for (int scanned = 0; rc == 0 && scanned < PRUNE_MAX; scanned++) {
        if (d.mv_size >= 8 && regio_store_u64_decode(d.mv_data) < horizon) {
            mdb_cursor_del(cur, 0);
            n++;
            rc = mdb_cursor_get(cur, &k, &d, MDB_GET_CURRENT); /* the next one, after a del */
        } else {
            rc = mdb_cursor_get(cur, &k, &d, MDB_NEXT);
        }
    }
    if (rc == 0 && k.mv_size < sizeof c->prune_from)
        snprintf(c->prune_from, sizeof c->prune_from, "%.*s", (int)k.mv_size, (char *)k.mv_data);
    else
        c->prune_from[0] = '\0'; /* reached the end: next pass starts over */
    mdb_cursor_close(cur);
    if ((rc = mdb_txn_commit(txn)) != 0) {
        regio_store_failed(&c->node.store, rc); /* logged once per burst by the node */
        return;
    }
    regio_store_committed(&c->node.store);
    if (n > 0) {
        c->pruned += (uint64_t)n;
        REGIO_INFO("msg=\"pruned update ids\" n=%d", n);
    }
}

static void s_fill_status(void *arg, Regio__Status *st)
{
    regio_capacity_t *c = arg;
    regio_node_status_add(&c->node, st, "applied", c->applied);
    regio_node_status_add(&c->node, st, "duplicates", c->duplicates);
    regio_node_status_add(&c->node, st, "stale", c->stale);
    regio_node_status_add(&c->node, st, "pruned", c->pruned);
    regio_node_status_upstream(&c->node, st, "registry", regio_follow_seq(c->registry));
    if (regio_follow_alarm(c->registry))
        regio_node_status_alarm(&c->node, st, regio_follow_alarm(c->registry));
}

static int s_resolve_alarm(void *arg, MDB_txn *txn)
{
    regio_capacity_t *c = arg;
    return regio_follow_resolve(c->registry, txn);
}

/* What the store check (store_check.h) holds each table's values to. */
static const regio_store_check_table_t s_tables[] = {
    {"avail", NULL, sizeof(row_t)},
    {"exceptions", &regio__capacity_exception__descriptor, 0},
    {"updates", NULL, 24},
    {NULL, NULL, 0},
};

static int s_open_tables(void *arg, MDB_txn *txn)
{
    regio_capacity_t *c = arg;
    int rc;
    if ((rc = regio_store_table(txn, "avail", &c->avail)) != 0 ||
        (rc = regio_store_table(txn, "exceptions", &c->exceptions)) != 0 ||
        (rc = regio_store_table(txn, "updates", &c->updates)) != 0 ||
        (rc = regio_store_table(txn, "meta", &c->meta)) != 0)
        return rc;
    rc = regio_store_get_u64(txn, c->meta, "seq", &c->node.seq);
    c->pending_seq = c->node.seq;
    return rc;
}

static void s_on_registry_snapshot(void *arg, const regio_envelope_t *e)
{
    regio_capacity_t *c = arg;
    if (regio_registry_mirror_snapshot(&c->mirror, e) < 0)
        REGIO_ERROR("msg=\"registry mirror out of memory\"");
}

static void s_on_registry_change(void *arg, const regio_envelope_t *e)
{
    regio_capacity_t *c = arg;
    if (regio_registry_mirror_change(&c->mirror, e) < 0)
        REGIO_ERROR("msg=\"registry mirror out of memory\"");
}

int regio_capacity_new(regio_service_t *svc, const regio_capacity_config_t *cfg,
                       regio_capacity_t **out, char *err, size_t errlen)
{
    regio_capacity_t *c = calloc(1, sizeof *c);
    *out = c;
    if (!c || regio_registry_mirror_init(&c->mirror) < 0 || !(c->lag = regio_lag_new()))
        return -ENOMEM;
    c->dedup_ms = cfg->dedup_hours * 3600L * 1000L;
    c->skew_ms = cfg->version_skew_ms;
    regio_node_opts_t o = {
        .name = TOPIC, .router = cfg->router, .pub = cfg->pub, .db = cfg->db,
        .map_bytes = (size_t)cfg->map_mb << 20, .map_max_bytes = (size_t)cfg->map_max_mb << 20,
        .max_dbs = 8, .pub_hwm = 1000000, .audit_days = cfg->audit_days,
        .batch = {.max = (size_t)cfg->batch_max, .window_us = cfg->batch_window_us,
                  .queue_max = (size_t)cfg->queue_max, .slot_size = sizeof(slot_t),
                  .apply = s_apply, .done = s_done, .begin = s_begin, .precommit = s_precommit,
                  .release = s_release, .flush = s_flush, .arg = c},
        .open_tables = s_open_tables, .fill_status = s_fill_status,
        .backup_dir = cfg->backup_dir, .tables = s_tables, .seq_table = "meta", .seq_key = "seq",
        .resolve_alarm = s_resolve_alarm,
    };
    int rc = regio_node_open(&c->node, svc, &o, err, errlen);
    if (rc < 0)
        return rc;
    regio_follow_opts_t fo = {"registry", cfg->registry_pub, cfg->registry_router,
                              REGIO__ENVELOPE__BODY_REGISTRY_SNAPSHOT_REQUEST,
                              s_on_registry_snapshot, s_on_registry_change, c,
                              &c->node.store, c->meta};
    if (!(c->registry = regio_follow_new(svc, &fo)) || (rc = regio_follow_start(c->registry)) < 0) {
        snprintf(err, errlen, "cannot follow the registry at %s", cfg->registry_router);
        return rc < 0 ? rc : -ENOMEM;
    }
    uv_timer_init(&svc->loop, &c->prune);
    c->prune.data = c;
    uv_timer_start(&c->prune, s_on_prune, 5000, PRUNE_EVERY_MS);
    REGIO_INFO("msg=\"capacity open\" seq=%llu db=%s router=%s pub=%s window_us=%ld",
               (unsigned long long)c->node.seq, cfg->db, cfg->router, cfg->pub,
               cfg->batch_window_us);
    return 0;
}

void regio_capacity_stop(regio_capacity_t *c)
{
    regio_node_stop(&c->node);
    if (c->registry)
        regio_follow_close(c->registry);
    if (c->prune.data)
        uv_close((uv_handle_t *)&c->prune, NULL);
}

void regio_capacity_destroy(regio_capacity_t **self)
{
    if (!self || !*self)
        return;
    regio_capacity_t *c = *self;
    regio_follow_destroy(&c->registry);
    regio_node_destroy(&c->node);
    regio_registry_mirror_free(&c->mirror);
    regio_lag_destroy(&c->lag);
    free(c);
    *self = NULL;
}
