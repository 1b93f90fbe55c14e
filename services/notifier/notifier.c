/* notifier - append placement changes to a gap-free log; fan out; replay. */
#include "notifier.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zmq.h>

#include "regio/error.h"
#include "regio/log.h"
#include "regio/node.h"
#include "learner_log.h"
#include "regio/rpp.h"
#include "regio/validate.h"
#include "topic_index.h"

#define TOPIC_MAX 96
#define CHUNK 256
#define TRIM_EVERY_MS 10000

typedef struct {
    char topic[TOPIC_MAX];
    uint8_t *data; /* packed envelope{notification}, owned */
    size_t len;
} pending_t;

struct regio_notifier_s {
    regio_node_t node;     /* node.seq = last global notification seq */
    MDB_dbi log, topic_index, topic_seq, meta;
    regio_learner_log_t learner_log; /* the same tables, for access and erasure */
    uint64_t pending_seq, source_seq, pending_source;
    pending_t *pending;    /* notifications to publish after commit */
    size_t n_pending, cap_pending;
    long replay_max, retain_ms, retain_max;
    uv_timer_t trim;
    uint64_t published, replayed, trimmed;
};

typedef struct {
    regio_node_refusal_t no; /* why it was refused, if it was */
    uint64_t source_seq;     /* for NotifyAck */
    regio_learner_log_erased_t erased; /* a LearnerEraseRequest's answer */
} slot_t;

const regio_config_entry_t *regio_notifier_config_table(regio_notifier_config_t *c)
{
    static regio_config_entry_t t[19];
    regio_config_entry_t v[] = {
        REGIO_NODE_CONFIG_ENTRIES(c, "tcp://127.0.0.1:7431", "tcp://127.0.0.1:7432", "var/notifier", "256", "16384"),
        {"batch-max", REGIO_CONFIG_INT, &c->batch_max, "256", 1, 65536, "requests per transaction"},
        {"pub-hwm", REGIO_CONFIG_INT, &c->pub_hwm, "10000", 1, 10000000, "queued notifications per subscriber; past it the subscriber must replay"},
        {"replay-max", REGIO_CONFIG_INT, &c->replay_max, "10000", 1, 10000000, "most notifications per replay request"},
        {"retain-hours", REGIO_CONFIG_INT, &c->retain_hours, "0", 0, 24 * 3650, "trim log entries older than this (0 = keep)"},
        {"retain-max", REGIO_CONFIG_INT, &c->retain_max, "0", 0, 1L << 40, "keep at most this many log entries (0 = no cap)"},
        {0},
    };
    _Static_assert(sizeof v <= sizeof t, "the settings table outgrew its copy");
    memcpy(t, v, sizeof v);
    return t;
}

static int s_reject(slot_t *s, Regio__ErrorCode code, const char *reason)
{
    return regio_node_refuse(&s->no, code, NULL, "%s", reason);
}

static size_t s_index_key(char *out, const char *topic, uint64_t topic_seq)
{
    return regio_topic_index_key(out, topic, topic_seq);
}

static int s_pending_add(regio_notifier_t *n, const char *topic, const regio_envelope_t *env)
{
    if (n->n_pending == n->cap_pending) {
        size_t cap = n->cap_pending ? n->cap_pending * 2 : 256;
        pending_t *p = realloc(n->pending, cap * sizeof *p);
        if (!p)
            return -ENOMEM;
        n->pending = p;
        n->cap_pending = cap;
    }
    pending_t *p = &n->pending[n->n_pending];
    p->len = regio__envelope__get_packed_size(env);
    if (!(p->data = malloc(p->len)))
        return -ENOMEM;
    regio__envelope__pack(env, p->data);
    snprintf(p->topic, sizeof p->topic, "%s", topic);
    n->n_pending++;
    return 0;
}

/* Append one notification of change under topic. */
static int s_append(regio_notifier_t *n, MDB_txn *txn, const char *topic,
                    Regio__PlacementChange *change, int64_t now)
{
    uint64_t tseq;
    int rc = regio_store_get_u64(txn, n->topic_seq, topic, &tseq);
    if (rc != 0)
        return rc;
    Regio__Notification nt = REGIO__NOTIFICATION__INIT;
    nt.seq = ++n->pending_seq;
    nt.topic = (char *)topic;
    nt.topic_seq = ++tseq;
    nt.time_ms = now;
    nt.change = change;
    uint8_t key[8], ikey[TOPIC_MAX + 9], gv[8];
    regio_store_u64_key(key, nt.seq);
    if ((rc = regio_store_put_msg(txn, n->log, key, 8, &nt.base)) != 0 ||
        (rc = regio_store_put_u64(txn, n->topic_seq, topic, tseq)) != 0)
        return rc;
    regio_store_u64_key(gv, nt.seq);
    MDB_val k = {s_index_key((char *)ikey, topic, tseq), ikey}, d = {8, gv};
    if ((rc = mdb_put(txn, n->topic_index, &k, &d, 0)) != 0)
        return rc;
    regio_envelope_t env = REGIO__ENVELOPE__INIT;
    env.body_case = REGIO__ENVELOPE__BODY_NOTIFICATION;
    env.notification = &nt;
    return s_pending_add(n, topic, &env) < 0 ? -ENOMEM : 0;
}

static int s_check_change(const Regio__PlacementChange *c, char *err, size_t n)
{
    int rc;
    if ((rc = regio_validate_id(c->learner, "change learner", err, n)) < 0 ||
        (rc = regio_validate_id(c->school, "change school", err, n)) < 0 ||
        (rc = regio_validate_id(c->period, "change period", err, n)) < 0)
        return rc;
    if (c->partner[0] && (rc = regio_validate_id(c->partner, "change partner", err, n)) < 0)
        return rc;
    if (c->offering[0] && (rc = regio_validate_id(c->offering, "change offering", err, n)) < 0)
        return rc;
    if (c->old_offering[0] &&
        (rc = regio_validate_id(c->old_offering, "change old offering", err, n)) < 0)
        return rc;
    if (c->old_partner[0] && (rc = regio_validate_id(c->old_partner, "change old partner", err, n)) < 0)
        return rc;
    if ((unsigned)c->kind > REGIO__CHANGE_KIND__CHANGE_CANCELLED) {
        snprintf(err, n, "change kind %d unknown", c->kind);
        return REGIO_ERANGE;
    }
    if (c->n_slots > REGIO_RPP_SLOTS) {
        snprintf(err, n, "change slots: %zu listed, at most %d", c->n_slots, REGIO_RPP_SLOTS);
        return REGIO_ERANGE;
    }
    return regio_validate_text(c->reason, REGIO_REASON_MAX, "change reason", err, n);
}

static int s_notify(regio_notifier_t *n, MDB_txn *txn, Regio__NotifyBatch *b, slot_t *s)
{
    char err[200];
    if (b->first_source_seq == 0)
        return s_reject(s, REGIO__ERROR_CODE__ERROR_OUT_OF_RANGE, "first_source_seq must be > 0");
    if (b->first_source_seq > n->pending_source + 1)
        return s_reject(s, REGIO__ERROR_CODE__ERROR_INVALID,
                        "source_seq gap: resend from the last acknowledged one");
    if (b->n_changes > REGIO_MAX_NOTIFY_CHANGES)
        return regio_node_refuse(&s->no, REGIO__ERROR_CODE__ERROR_OUT_OF_RANGE, NULL,
                                 "changes: %zu listed, at most %d", b->n_changes,
                                 REGIO_MAX_NOTIFY_CHANGES);
    for (size_t i = 0; i < b->n_changes; i++) {
        int rc = s_check_change(b->changes[i], err, sizeof err);
        if (rc < 0)
            return s_reject(s, regio_msg_error_code(rc), err);
    }
    int64_t now = regio_now_ms();
    for (size_t i = 0; i < b->n_changes; i++) {
        uint64_t src = b->first_source_seq + i;
        if (src <= n->pending_source)
            continue; /* a resend: logged already */
        Regio__PlacementChange *c = b->changes[i];
        char topic[TOPIC_MAX];
        const char *kinds[] = {"school", "learner", "partner", "partner"};
        const char *ids[] = {c->school, c->learner, c->partner, c->old_partner};
        for (int t = 0; t < 4; t++) {
            if (!ids[t][0] || (t == 3 && strcmp(c->old_partner, c->partner) == 0))
                continue;
            snprintf(topic, sizeof topic, "%s/%s", kinds[t], ids[t]);
            int rc = s_append(n, txn, topic, c, now);
            if (rc != 0)
                return rc;
        }
        n->pending_source = src;
    }
    s->source_seq = n->pending_source;
    int rc = regio_store_put_u64(txn, n->meta, "seq", n->pending_seq);
    return rc ? rc : regio_store_put_u64(txn, n->meta, "source_seq", n->pending_source);
}

static int s_apply(void *arg, MDB_txn *txn, regio_msg_t *req, void *slot)
{
    regio_notifier_t *n = arg;
    slot_t *s = slot;
    regio_envelope_t *e = req->env;
    switch (e->body_case) {
    case REGIO__ENVELOPE__BODY_NOTIFY_BATCH: return s_notify(n, txn, e->notify_batch, s);
    case REGIO__ENVELOPE__BODY_LEARNER_ERASE_REQUEST:
        return regio_learner_log_erase(&n->node, &n->learner_log, txn, req, n->pending_source,
                                       &s->no, &s->erased);
    case REGIO__ENVELOPE__BODY_LEARNER_EXPORT_REQUEST:
    case REGIO__ENVELOPE__BODY_REPLAY_REQUEST:
    case REGIO__ENVELOPE__BODY_STATUS_REQUEST: return REGIO_BATCH_NOWRITE;
    default:
        return s_reject(s, REGIO__ERROR_CODE__ERROR_UNSUPPORTED,
                        "the notifier does not handle this message");
    }
}

static void s_send_chunk(regio_notifier_t *n, regio_msg_t *req, Regio__Notification **items,
                         size_t k, int done, uint64_t last)
{
    Regio__ReplayChunk ch = REGIO__REPLAY_CHUNK__INIT;
    ch.items = items;
    ch.n_items = k;
    ch.done = done;
    ch.last_seq = last;
    regio_envelope_t env = REGIO__ENVELOPE__INIT;
    env.body_case = REGIO__ENVELOPE__BODY_REPLAY_CHUNK;
    env.replay_chunk = &ch;
    regio_msg_reply(n->node.router, req, &env);
    for (size_t i = 0; i < k; i++)
        regio__notification__free_unpacked(items[i], NULL);
    n->replayed += k;
}

/* Position cur at the first entry after after_seq (global log or topic
 * index). Returns 0, MDB_NOTFOUND (nothing newer), or REGIO_ETRIMMED. */
static int s_replay_seek(regio_notifier_t *n, MDB_txn *txn, MDB_cursor *cur, const char *topic,
                         uint64_t after, uint64_t last, MDB_val *k, MDB_val *d)
{
    uint64_t first;
    regio_store_get_u64(txn, n->meta, "first_seq", &first);
    uint8_t key[TOPIC_MAX + 9];
    if (!topic[0]) {
        if (after + 1 < first)
            return REGIO_ETRIMMED;
        regio_store_u64_key(key, after + 1);
        *k = (MDB_val){8, key};
        return mdb_cursor_get(cur, k, d, MDB_SET_RANGE);
    }
    if (after >= last)
        return MDB_NOTFOUND;
    *k = (MDB_val){s_index_key((char *)key, topic, after + 1), key};
    int rc = mdb_cursor_get(cur, k, d, MDB_SET_KEY); /* k must point into the db, not at key */
    return rc == MDB_NOTFOUND ? REGIO_ETRIMMED : rc; /* newer exist, this one is gone */
}

static void s_replay(regio_notifier_t *n, regio_msg_t *req)
{
    Regio__ReplayRequest *rq = req->env->replay_request;
    const char *topic = rq->topic ? rq->topic : "";
    if (strlen(topic) >= TOPIC_MAX - 1) {
        regio_node_reply_error(&n->node, req, REGIO__ERROR_CODE__ERROR_INVALID, topic, "topic too long");
        return;
    }
    MDB_txn *txn;
    MDB_cursor *cur;
    if (mdb_txn_begin(n->node.store.env, NULL, MDB_RDONLY, &txn) != 0) {
        regio_node_reply_error(&n->node, req, REGIO__ERROR_CODE__ERROR_INTERNAL, topic,
                               "cannot open a read transaction on the log");
        return;
    }
    uint64_t last = n->node.seq;
    if (topic[0])
        regio_store_get_u64(txn, n->topic_seq, topic, &last);
    mdb_cursor_open(txn, topic[0] ? n->topic_index : n->log, &cur);
    MDB_val k, d;
    int rc = s_replay_seek(n, txn, cur, topic, rq->after_seq, last, &k, &d);
    if (rc == REGIO_ETRIMMED) {
        mdb_cursor_close(cur);
        mdb_txn_abort(txn);
        regio_node_reply_error(&n->node, req, REGIO__ERROR_CODE__ERROR_SNAPSHOT_NEEDED, topic,
                               "history after this seq was trimmed: fetch the current plan "
                               "(regioctl export / PlannerSnapshotRequest), then follow from last_seq");
        return;
    }
    size_t max = rq->max && rq->max < (uint64_t)n->replay_max ? rq->max : (size_t)n->replay_max;
    Regio__Notification *items[CHUNK];
    size_t k_items = 0, sent = 0;
    size_t tlen = strlen(topic);
    while (rc == 0 && sent + k_items < max) {
        if (topic[0] && (k.mv_size != tlen + 9 || memcmp(k.mv_data, topic, tlen + 1) != 0))
            break;
        MDB_val lv = d, lk = k;
        if (topic[0]) {
            lk = (MDB_val){8, d.mv_data};
            if (mdb_get(txn, n->log, &lk, &lv) != 0)
                break;
        }
        Regio__Notification *nt = regio__notification__unpack(NULL, lv.mv_size, lv.mv_data);
        if (nt)
            items[k_items++] = nt;
        if (k_items == CHUNK) {
            s_send_chunk(n, req, items, k_items, 0, last);
            sent += k_items;
            k_items = 0;
        }
        rc = mdb_cursor_get(cur, &k, &d, MDB_NEXT);
    }
    mdb_cursor_close(cur);
    mdb_txn_abort(txn);
    s_send_chunk(n, req, items, k_items, 1, last);
}

static void s_done(void *arg, regio_msg_t *req, void *slot, int rc)
{
    regio_notifier_t *n = arg;
    slot_t *s = slot;
    if (regio_node_reply_refusal(&n->node, req, rc, &s->no, "not logged"))
        return;
    switch (req->env->body_case) {
    case REGIO__ENVELOPE__BODY_LEARNER_EXPORT_REQUEST:
        regio_learner_log_reply_export(&n->node, &n->learner_log, req);
        return;
    case REGIO__ENVELOPE__BODY_LEARNER_ERASE_REQUEST:
        regio_learner_log_reply_erased(&n->node, req, &s->erased);
        return;
    case REGIO__ENVELOPE__BODY_REPLAY_REQUEST: s_replay(n, req); return;
    case REGIO__ENVELOPE__BODY_STATUS_REQUEST: regio_node_reply_status(&n->node, req); return;
    default: break;
    }
    Regio__NotifyAck ack = REGIO__NOTIFY_ACK__INIT;
    ack.source_seq = s->source_seq;
    regio_envelope_t env = REGIO__ENVELOPE__INIT;
    env.body_case = REGIO__ENVELOPE__BODY_NOTIFY_ACK;
    env.notify_ack = &ack;
    regio_msg_reply(n->node.router, req, &env);
}

static void s_clear_pending(regio_notifier_t *n, int publish)
{
    for (size_t i = 0; i < n->n_pending; i++) {
        pending_t *p = &n->pending[i];
        if (publish) {
            zmq_send(n->node.pub, p->topic, strlen(p->topic), ZMQ_SNDMORE | ZMQ_DONTWAIT);
            zmq_send(n->node.pub, p->data, p->len, ZMQ_DONTWAIT);
            n->published++;
        }
        free(p->data);
    }
    n->n_pending = 0;
}

static void s_begin(void *arg)
{
    regio_notifier_t *n = arg;
    s_clear_pending(n, 0);
    n->pending_seq = n->node.seq;
    n->pending_source = n->source_seq;
}

static void s_flush(void *arg, int committed)
{
    regio_notifier_t *n = arg;
    if (committed) {
        n->node.seq = n->pending_seq;
        n->source_seq = n->pending_source;
    }
    s_clear_pending(n, committed);
    n->pending_seq = n->node.seq;
    n->pending_source = n->source_seq;
}

/* Retention: drop the oldest entries past the age or count limit. */
static void s_on_trim(uv_timer_t *t)
{
    regio_notifier_t *n = t->data;
    MDB_txn *txn;
    MDB_cursor *cur;
    if (mdb_txn_begin(n->node.store.env, NULL, 0, &txn) != 0)
        return;
    mdb_cursor_open(txn, n->log, &cur);
    MDB_stat st;
    mdb_stat(txn, n->log, &st);
    int64_t horizon = n->retain_ms ? regio_now_ms() - n->retain_ms : INT64_MIN;
    size_t count = st.ms_entries, dropped = 0;
    uint64_t first = 0;
    MDB_val k, d;
    int rc = mdb_cursor_get(cur, &k, &d, MDB_FIRST);
    while (rc == 0 && dropped < 100000) {
        Regio__Notification *nt = regio__notification__unpack(NULL, d.mv_size, d.mv_data);
        int old = nt && (nt->time_ms < horizon || (n->retain_max && count > (size_t)n->retain_max));
        first = regio_store_u64_decode(k.mv_data);
        if (!old) {
            if (nt)
                regio__notification__free_unpacked(nt, NULL);
            break;
        }
        uint8_t ikey[TOPIC_MAX + 9];
        MDB_val ik = {s_index_key((char *)ikey, nt->topic, nt->topic_seq), ikey};
        mdb_del(txn, n->topic_index, &ik, NULL);
        regio__notification__free_unpacked(nt, NULL);
        mdb_cursor_del(cur, 0);
        count--;
        dropped++;
        first++;
        rc = mdb_cursor_get(cur, &k, &d, MDB_GET_CURRENT);
    }
    mdb_cursor_close(cur);
    if (!dropped || regio_store_put_u64(txn, n->meta, "first_seq", first) != 0) {
        mdb_txn_abort(txn); /* nothing to trim, or no room to record it: try next time */
        return;
    }
    if ((rc = mdb_txn_commit(txn)) != 0) {
        regio_store_failed(&n->node.store, rc); /* logged once per burst by the node */
        return;
    }
    regio_store_committed(&n->node.store);
    n->trimmed += dropped;
    REGIO_INFO("msg=\"trimmed log\" dropped=%zu first_seq=%llu", dropped,
               (unsigned long long)first);
}

static void s_fill_status(void *arg, Regio__Status *st)
{
    regio_notifier_t *n = arg;
    regio_node_status_add(&n->node, st, "published", n->published);
    regio_node_status_add(&n->node, st, "replayed", n->replayed);
    regio_node_status_add(&n->node, st, "trimmed", n->trimmed);
    regio_node_status_add(&n->node, st, "source_seq", n->source_seq);
}

/* What the store check (store_check.h) holds each table's values to. */
static const regio_store_check_table_t s_tables[] = {
    {"log", &regio__notification__descriptor, 0},
    {"topic_index", NULL, 8},
    {"topic_seq", NULL, 8},
    {NULL, NULL, 0},
};

static int s_open_tables(void *arg, MDB_txn *txn)
{
    regio_notifier_t *n = arg;
    int rc;
    if ((rc = regio_store_table(txn, "log", &n->log)) != 0 ||
        (rc = regio_store_table(txn, "topic_index", &n->topic_index)) != 0 ||
        (rc = regio_store_table(txn, "topic_seq", &n->topic_seq)) != 0 ||
        (rc = regio_store_table(txn, "meta", &n->meta)) != 0 ||
        (rc = regio_store_get_u64(txn, n->meta, "seq", &n->node.seq)) != 0 ||
        (rc = regio_store_get_u64(txn, n->meta, "source_seq", &n->source_seq)) != 0)
        return rc;
    n->pending_seq = n->node.seq;
    n->pending_source = n->source_seq;
    n->learner_log = (regio_learner_log_t){n->log, n->topic_index, n->topic_seq};
    return 0;
}

int regio_notifier_new(regio_service_t *svc, const regio_notifier_config_t *cfg,
                       regio_notifier_t **out, char *err, size_t errlen)
{
    regio_notifier_t *n = calloc(1, sizeof *n);
    *out = n;
    if (!n)
        return -ENOMEM;
    n->replay_max = cfg->replay_max;
    n->retain_ms = cfg->retain_hours * 3600L * 1000L;
    n->retain_max = cfg->retain_max;
    regio_node_opts_t o = {
        .name = "notifier", .router = cfg->router, .pub = cfg->pub, .db = cfg->db,
        .map_bytes = (size_t)cfg->map_mb << 20, .map_max_bytes = (size_t)cfg->map_max_mb << 20,
        .max_dbs = 8, .pub_hwm = (int)cfg->pub_hwm, .audit_days = cfg->audit_days,
        .batch = {.max = (size_t)cfg->batch_max, .slot_size = sizeof(slot_t), .apply = s_apply,
                  .done = s_done, .begin = s_begin, .flush = s_flush, .arg = n},
        .open_tables = s_open_tables, .fill_status = s_fill_status,
        .backup_dir = cfg->backup_dir, .tables = s_tables, .seq_table = "meta", .seq_key = "seq",
    };
    int rc = regio_node_open(&n->node, svc, &o, err, errlen);
    if (rc < 0)
        return rc;
    uv_timer_init(&svc->loop, &n->trim);
    n->trim.data = n;
    if (n->retain_ms || n->retain_max)
        uv_timer_start(&n->trim, s_on_trim, 1000, TRIM_EVERY_MS);
    REGIO_INFO("msg=\"notifier open\" seq=%llu source_seq=%llu db=%s router=%s pub=%s",
               (unsigned long long)n->node.seq, (unsigned long long)n->source_seq, cfg->db,
               cfg->router, cfg->pub);
    return 0;
}

void regio_notifier_stop(regio_notifier_t *n)
{
    regio_node_stop(&n->node);
    if (n->trim.data)
        uv_close((uv_handle_t *)&n->trim, NULL);
}

void regio_notifier_destroy(regio_notifier_t **self)
{
    if (!self || !*self)
        return;
    regio_notifier_t *n = *self;
    s_clear_pending(n, 0);
    free(n->pending);
    regio_node_destroy(&n->node);
    free(n);
    *self = NULL;
}
