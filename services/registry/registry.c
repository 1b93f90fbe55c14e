/* registry - partners, sites, offerings and the calendar, durable and published. */
#include "registry.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zmq.h>

#include "regio/batch.h"
#include "regio/error.h"
#include "regio/log.h"
#include "regio/msg.h"
#include "regio/node.h"
#include "regio/rules.h"
#include "regio/store.h"
#include "regio/validate.h"
#include "regio/zwatch.h"

#define TOPIC "registry"

struct regio_registry_s {
    regio_node_t node;     /* store, sockets, batching; node.seq = last change */
    MDB_dbi partners, offerings, meta;
    uint64_t pending_seq;  /* seq as the open transaction will leave it */
};

/* Per-request scratch, filled by apply and used by done. */
typedef struct {
    regio_node_refusal_t no; /* why it was refused, if it was */
    uint64_t seq;            /* the change's seq when it wrote */
} slot_t;

const regio_config_entry_t *regio_registry_config_table(regio_registry_config_t *c)
{
    static regio_config_entry_t t[15];
    regio_config_entry_t v[] = {
        REGIO_NODE_CONFIG_ENTRIES(c, "tcp://127.0.0.1:7401", "tcp://127.0.0.1:7402", "var/registry", "64", "4096"),
        {"batch-max", REGIO_CONFIG_INT, &c->batch_max, "512", 1, 65536, "requests per transaction"},
        {0},
    };
    _Static_assert(sizeof v <= sizeof t, "the settings table outgrew its copy");
    memcpy(t, v, sizeof v);
    return t;
}

static int s_reject(slot_t *s, Regio__ErrorCode code, const char *ref, const char *reason)
{
    return regio_node_refuse(&s->no, code, ref, "%s", reason);
}

static int s_reject_rc(slot_t *s, int rc, const char *ref, const char *reason)
{
    return s_reject(s, regio_msg_error_code(rc), ref, reason);
}

static int s_bump(regio_registry_t *r, MDB_txn *txn, slot_t *s)
{
    s->seq = ++r->pending_seq;
    return regio_store_put_u64(txn, r->meta, "seq", r->pending_seq);
}

static int s_put_calendar(regio_registry_t *r, MDB_txn *txn, Regio__PutCalendar *c, slot_t *s)
{
    char err[256];
    int rc = regio_rules_check_calendar(c, err, sizeof err);
    if (rc < 0)
        return s_reject_rc(s, rc, NULL, err);
    if ((rc = regio_store_put_msg(txn, r->meta, "calendar", 8, &c->base)) != 0)
        return rc;
    return s_bump(r, txn, s);
}

static int s_put_partner(regio_registry_t *r, MDB_txn *txn, Regio__PutPartner *pp, slot_t *s)
{
    char err[256];
    if (!pp->partner)
        return s_reject(s, REGIO__ERROR_CODE__ERROR_BAD_MESSAGE, NULL, "put_partner without partner");
    int rc = regio_rules_check_partner(pp->partner, err, sizeof err);
    if (rc < 0)
        return s_reject_rc(s, rc, pp->partner->id, err);
    const char *id = pp->partner->id;
    if ((rc = regio_store_put_msg(txn, r->partners, id, strlen(id), &pp->partner->base)) != 0)
        return rc;
    return s_bump(r, txn, s);
}

/* The stored partner id (NULL when absent: *rc 0, or an LMDB/errno code);
 * the caller frees it. */
static Regio__Partner *s_load_partner(regio_registry_t *r, MDB_txn *txn, const char *id, int *rc)
{
    MDB_val k = {strlen(id), (void *)id}, d;
    if ((*rc = mdb_get(txn, r->partners, &k, &d)) != 0) {
        *rc = *rc == MDB_NOTFOUND ? 0 : *rc;
        return NULL;
    }
    Regio__Partner *p = regio__partner__unpack(NULL, d.mv_size, d.mv_data);
    if (!p)
        *rc = -EIO;
    return p;
}

static int s_put_offering(regio_registry_t *r, MDB_txn *txn, Regio__PutOffering *po, slot_t *s)
{
    char err[256];
    if (!po->offering)
        return s_reject(s, REGIO__ERROR_CODE__ERROR_BAD_MESSAGE, NULL, "put_offering without offering");
    const Regio__Offering *o = po->offering;
    int rc = 0;
    Regio__Partner *partner = o->partner[0] ? s_load_partner(r, txn, o->partner, &rc) : NULL;
    if (rc != 0)
        return rc;
    rc = regio_rules_check_offering(o, partner, err, sizeof err);
    if (partner)
        regio__partner__free_unpacked(partner, NULL);
    if (rc < 0)
        return s_reject_rc(s, rc, o->id, err);
    if ((rc = regio_store_put_msg(txn, r->offerings, o->id, strlen(o->id), &o->base)) != 0)
        return rc;
    return s_bump(r, txn, s);
}

static int s_withdraw(regio_registry_t *r, MDB_txn *txn, Regio__WithdrawOffering *w, slot_t *s)
{
    char err[256];
    int rc = regio_validate_id(w->id, "offering", err, sizeof err);
    if (rc < 0)
        return s_reject_rc(s, rc, w->id, err);
    MDB_val k = {strlen(w->id), w->id}, d;
    if (mdb_get(txn, r->offerings, &k, &d) != 0)
        return s_reject(s, REGIO__ERROR_CODE__ERROR_UNKNOWN_ID, w->id, "offering does not exist");
    Regio__Offering *o = regio__offering__unpack(NULL, d.mv_size, d.mv_data);
    if (!o)
        return -EIO;
    o->withdrawn = 1;
    rc = regio_store_put_msg(txn, r->offerings, w->id, strlen(w->id), &o->base);
    regio__offering__free_unpacked(o, NULL);
    return rc ? rc : s_bump(r, txn, s);
}

static int s_apply(void *arg, MDB_txn *txn, regio_msg_t *req, void *slot)
{
    regio_registry_t *r = arg;
    slot_t *s = slot;
    regio_envelope_t *e = req->env;
    switch (e->body_case) {
    case REGIO__ENVELOPE__BODY_PUT_CALENDAR: return s_put_calendar(r, txn, e->put_calendar, s);
    case REGIO__ENVELOPE__BODY_PUT_PARTNER: return s_put_partner(r, txn, e->put_partner, s);
    case REGIO__ENVELOPE__BODY_PUT_OFFERING: return s_put_offering(r, txn, e->put_offering, s);
    case REGIO__ENVELOPE__BODY_WITHDRAW_OFFERING: return s_withdraw(r, txn, e->withdraw_offering, s);
    case REGIO__ENVELOPE__BODY_REGISTRY_SNAPSHOT_REQUEST:
    case REGIO__ENVELOPE__BODY_STATUS_REQUEST: return REGIO_BATCH_NOWRITE;
    default:
        return s_reject(s, REGIO__ERROR_CODE__ERROR_UNSUPPORTED, NULL,
                        "the registry does not handle this message");
    }
}

static void s_publish_change(regio_registry_t *r, const regio_envelope_t *req, uint64_t seq)
{
    Regio__RegistryChange ch = REGIO__REGISTRY_CHANGE__INIT;
    Regio__Offering *withdrawn = NULL;
    ch.seq = seq;
    ch.store_id = r->node.store_id;
    switch (req->body_case) {
    case REGIO__ENVELOPE__BODY_PUT_CALENDAR:
        ch.what_case = REGIO__REGISTRY_CHANGE__WHAT_CALENDAR;
        ch.calendar = req->put_calendar;
        break;
    case REGIO__ENVELOPE__BODY_PUT_PARTNER:
        ch.what_case = REGIO__REGISTRY_CHANGE__WHAT_PARTNER;
        ch.partner = req->put_partner->partner;
        break;
    case REGIO__ENVELOPE__BODY_PUT_OFFERING:
        ch.what_case = REGIO__REGISTRY_CHANGE__WHAT_OFFERING;
        ch.offering = req->put_offering->offering;
        break;
    case REGIO__ENVELOPE__BODY_WITHDRAW_OFFERING: {
        MDB_txn *txn;
        if (mdb_txn_begin(r->node.store.env, NULL, MDB_RDONLY, &txn) != 0)
            return;
        MDB_val k = {strlen(req->withdraw_offering->id), req->withdraw_offering->id}, d;
        if (mdb_get(txn, r->offerings, &k, &d) == 0)
            withdrawn = regio__offering__unpack(NULL, d.mv_size, d.mv_data);
        mdb_txn_abort(txn);
        if (!withdrawn)
            return;
        ch.what_case = REGIO__REGISTRY_CHANGE__WHAT_OFFERING;
        ch.offering = withdrawn;
        break;
    }
    default:
        return;
    }
    regio_envelope_t env = REGIO__ENVELOPE__INIT;
    env.body_case = REGIO__ENVELOPE__BODY_REGISTRY_CHANGE;
    env.registry_change = &ch;
    regio_node_publish(&r->node, &env);
    if (withdrawn)
        regio__offering__free_unpacked(withdrawn, NULL);
}

static void s_reply_snapshot(regio_registry_t *r, regio_msg_t *req)
{
    MDB_txn *txn;
    if (mdb_txn_begin(r->node.store.env, NULL, MDB_RDONLY, &txn) != 0) {
        regio_node_reply_error(&r->node, req, REGIO__ERROR_CODE__ERROR_INTERNAL, NULL,
                               "cannot open a read transaction");
        return;
    }
    Regio__RegistrySnapshot snap = REGIO__REGISTRY_SNAPSHOT__INIT;
    snap.store_id = r->node.store_id;
    regio_store_get_u64(txn, r->meta, "seq", &snap.seq);
    Regio__PutCalendar *cal = NULL;
    MDB_val k = {8, "calendar"}, d;
    if (mdb_get(txn, r->meta, &k, &d) == 0)
        cal = regio__put_calendar__unpack(NULL, d.mv_size, d.mv_data);
    if (cal) {
        snap.n_periods = cal->n_periods;
        snap.periods = cal->periods;
    }
    snap.partners = (Regio__Partner **)regio_store_load_all(txn, r->partners, &regio__partner__descriptor,
                                                  &snap.n_partners);
    snap.offerings = (Regio__Offering **)regio_store_load_all(txn, r->offerings,
                                                    &regio__offering__descriptor, &snap.n_offerings);
    mdb_txn_abort(txn);
    regio_envelope_t env = REGIO__ENVELOPE__INIT;
    env.body_case = REGIO__ENVELOPE__BODY_REGISTRY_SNAPSHOT;
    env.registry_snapshot = &snap;
    regio_msg_reply(r->node.router, req, &env);
    regio_store_free_all((void **)snap.partners, snap.n_partners);
    regio_store_free_all((void **)snap.offerings, snap.n_offerings);
    if (cal)
        regio__put_calendar__free_unpacked(cal, NULL);
}

/* The id a write names, for its Ack (a calendar has none). */
static const char *s_ref(const regio_envelope_t *e)
{
    switch (e->body_case) {
    case REGIO__ENVELOPE__BODY_PUT_PARTNER: return e->put_partner->partner->id;
    case REGIO__ENVELOPE__BODY_PUT_OFFERING: return e->put_offering->offering->id;
    case REGIO__ENVELOPE__BODY_WITHDRAW_OFFERING: return e->withdraw_offering->id;
    default: return "";
    }
}

static void s_done(void *arg, regio_msg_t *req, void *slot, int rc)
{
    regio_registry_t *r = arg;
    slot_t *s = slot;
    if (regio_node_reply_refusal(&r->node, req, rc, &s->no, "not written"))
        return;
    switch (req->env->body_case) {
    case REGIO__ENVELOPE__BODY_REGISTRY_SNAPSHOT_REQUEST: s_reply_snapshot(r, req); return;
    case REGIO__ENVELOPE__BODY_STATUS_REQUEST: regio_node_reply_status(&r->node, req); return;
    default: break;
    }
    Regio__Ack ack = REGIO__ACK__INIT;
    ack.seq = s->seq;
    ack.ref = (char *)s_ref(req->env);
    regio_envelope_t env = REGIO__ENVELOPE__INIT;
    env.body_case = REGIO__ENVELOPE__BODY_ACK;
    env.ack = &ack;
    regio_msg_reply(r->node.router, req, &env);
    s_publish_change(r, req->env, s->seq);
}

static void s_begin(void *arg)
{
    regio_registry_t *r = arg;
    r->pending_seq = r->node.seq;
}

static void s_flush(void *arg, int committed)
{
    regio_registry_t *r = arg;
    if (committed)
        r->node.seq = r->pending_seq;
    r->pending_seq = r->node.seq;
}

/* What the store check (store_check.h) holds each table's values to. */
static const regio_store_check_table_t s_tables[] = {
    {"partners", &regio__partner__descriptor, 0},
    {"offerings", &regio__offering__descriptor, 0},
    {NULL, NULL, 0},
};

static int s_open_tables(void *arg, MDB_txn *txn)
{
    regio_registry_t *r = arg;
    int rc;
    if ((rc = regio_store_table(txn, "partners", &r->partners)) != 0 ||
        (rc = regio_store_table(txn, "offerings", &r->offerings)) != 0 ||
        (rc = regio_store_table(txn, "meta", &r->meta)) != 0)
        return rc;
    rc = regio_store_get_u64(txn, r->meta, "seq", &r->node.seq);
    r->pending_seq = r->node.seq;
    return rc;
}

int regio_registry_new(regio_service_t *svc, const regio_registry_config_t *cfg,
                       regio_registry_t **out, char *err, size_t errlen)
{
    regio_registry_t *r = calloc(1, sizeof *r);
    *out = r;
    if (!r)
        return -ENOMEM;
    regio_node_opts_t o = {
        .name = TOPIC, .router = cfg->router, .pub = cfg->pub, .db = cfg->db,
        .map_bytes = (size_t)cfg->map_mb << 20, .map_max_bytes = (size_t)cfg->map_max_mb << 20,
        .max_dbs = 4, .pub_hwm = 100000, .audit_days = cfg->audit_days,
        .batch = {.max = (size_t)cfg->batch_max, .slot_size = sizeof(slot_t), .apply = s_apply,
                  .done = s_done, .begin = s_begin, .flush = s_flush, .arg = r},
        .open_tables = s_open_tables,
        .backup_dir = cfg->backup_dir, .tables = s_tables, .seq_table = "meta", .seq_key = "seq",
    };
    int rc = regio_node_open(&r->node, svc, &o, err, errlen);
    if (rc == 0)
        REGIO_INFO("msg=\"registry open\" seq=%llu db=%s router=%s pub=%s",
                   (unsigned long long)r->node.seq, cfg->db, cfg->router, cfg->pub);
    return rc;
}

void regio_registry_stop(regio_registry_t *r)
{
    regio_node_stop(&r->node);
}

void regio_registry_destroy(regio_registry_t **self)
{
    if (!self || !*self)
        return;
    regio_node_destroy(&(*self)->node);
    free(*self);
    *self = NULL;
}
