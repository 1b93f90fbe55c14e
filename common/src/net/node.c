/* node - store + ROUTER + PUB + group commit + heartbeat, shared by services. */
#include "regio/node.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>
#include <zmq.h>

#include "regio/authz.h"
#include "regio/error.h"
#include "regio/file.h"
#include "regio/log.h"

#define AUDIT_CHUNK 512          /* entries per AuditChunk */
#define AUDIT_REPLY_MAX 100000   /* most entries one AuditRequest gets */
#define PRUNE_EVERY_MS 3600000   /* audit retention pass */
#define PRUNE_MAX 100000         /* entries deleted per pass */
#define BURST_QUIET_MS 5000      /* writes succeeding this long end a failure burst */

void regio_node_status_add(regio_node_t *n, Regio__Status *st, const char *key, uint64_t value)
{
    size_t i = st->n_counters;
    if (i >= REGIO_NODE_STATUS_MAX)
        return;
    regio__status__counters_entry__init(&n->ce[i]);
    n->ce[i].key = (char *)key;
    n->ce[i].value = value;
    n->cp[i] = &n->ce[i];
    st->counters = n->cp;
    st->n_counters = i + 1;
}

void regio_node_status_upstream(regio_node_t *n, Regio__Status *st, const char *key, uint64_t seq)
{
    size_t i = st->n_upstream_seq;
    if (i >= 4)
        return;
    regio__status__upstream_seq_entry__init(&n->ue[i]);
    n->ue[i].key = (char *)key;
    n->ue[i].value = seq;
    n->up[i] = &n->ue[i];
    st->upstream_seq = n->up;
    st->n_upstream_seq = i + 1;
}

void regio_node_status_alarm(regio_node_t *n, Regio__Status *st, const char *alarm)
{
    if (st->n_alarms >= REGIO_NODE_ALARMS_MAX)
        return;
    n->alarms[st->n_alarms++] = (char *)alarm;
    st->alarms = n->alarms;
}

const regio_principal_t *regio_node_principal(const regio_node_t *n, const regio_msg_t *req)
{
    return regio_service_principal(n->svc, req->key);
}

/* A store's write failures come in bursts: log when one begins, and when
 * writes have succeeded for BURST_QUIET_MS since its last failure; never
 * each failed request (store.h). Runs after every batch and on the
 * heartbeat, so the timers' writes are watched too. */
static void s_watch_store(regio_node_t *n)
{
    const regio_store_t *s = &n->store;
    if (!n->burst_open && s->failures != n->burst_base) {
        n->burst_open = 1;
        n->burst_since_ms = s->last_failure_ms;
        n->burst_refused = 0;
        REGIO_ERROR("msg=\"store writes failing\" db=%s reason=\"%s\" then=\"writes are "
                    "answered with this error until they succeed; logged again once they have "
                    "for %d s\"", n->o.db, s->why, BURST_QUIET_MS / 1000);
    }
    if (n->burst_open && !s->failing && regio_now_ms() - s->last_failure_ms >= BURST_QUIET_MS) {
        REGIO_WARN("msg=\"store writes succeed again\" db=%s failed_transactions=%llu "
                   "refused_requests=%llu seconds=%.1f last_reason=\"%s\"", n->o.db,
                   (unsigned long long)(s->failures - n->burst_base),
                   (unsigned long long)n->burst_refused,
                   (double)(s->last_failure_ms - n->burst_since_ms) / 1000.0, s->why);
        n->burst_open = 0;
        n->burst_base = s->failures;
    }
}

static void s_fill_status(regio_node_t *n, Regio__Status *st)
{
    uint64_t commits = 0, requests = 0, failed = 0, busy = 0;
    size_t queued = 0;
    if (n->batch) {
        regio_batch_counters(n->batch, &commits, &requests, &failed);
        regio_batch_load(n->batch, &busy, &queued);
    }
    st->service = (char *)n->o.name;
    st->seq = n->seq;
    st->uptime_ms = regio_service_uptime_ms(n->svc);
    st->store_id = n->store_id;
    regio_node_status_add(n, st, "commits", commits);
    regio_node_status_add(n, st, "requests", requests);
    regio_node_status_add(n, st, "failed", failed);
    regio_node_status_add(n, st, "rejected", n->rejected);
    regio_node_status_add(n, st, "busy", busy);
    regio_node_status_add(n, st, "queued", queued);
    regio_node_status_add(n, st, "forbidden", n->forbidden);
    regio_node_status_add(n, st, "refused_handshakes", regio_zap_refused(n->svc->zap));
    regio_node_status_add(n, st, "store_failures", n->store.failures);
    if (n->burst_open) {
        time_t t = (time_t)(n->burst_since_ms / 1000);
        struct tm tm;
        char when[32];
        strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%SZ", gmtime_r(&t, &tm));
        snprintf(n->store_alarm, sizeof n->store_alarm, "store writes %s since %s: %s",
                 n->store.failing ? "failing" : "failed", when, n->store.why);
        regio_node_status_alarm(n, st, n->store_alarm);
    }
    if (n->o.fill_status)
        n->o.fill_status(n->o.batch.arg, st);
}

void regio_node_reply_status(regio_node_t *n, regio_msg_t *req)
{
    Regio__Status st = REGIO__STATUS__INIT;
    s_fill_status(n, &st);
    const regio_principal_t *p = regio_node_principal(n, req);
    char who[REGIO_ID_MAX + REGIO_PRINCIPAL_PREFIXES * REGIO_TOPIC_MAX + 2] = "";
    if (p) {
        size_t k = (size_t)snprintf(who, sizeof who, "%s ", p->name);
        regio_principal_role_text(p, who + k, sizeof who - k);
        if (p->role == REGIO_ROLE_ADMIN)
            st.db_path = (char *)n->o.db;
    }
    st.principal = who;
    regio_envelope_t env = REGIO__ENVELOPE__INIT;
    env.body_case = REGIO__ENVELOPE__BODY_STATUS;
    env.status = &st;
    regio_msg_reply(n->router, req, &env);
}

void regio_node_reply_error(regio_node_t *n, regio_msg_t *req, Regio__ErrorCode code,
                            const char *ref, const char *reason)
{
    n->rejected++;
    regio_msg_reply_error(n->router, req, code, ref, "%s", reason);
}

int regio_node_refuse(regio_node_refusal_t *r, Regio__ErrorCode code, const char *ref,
                      const char *fmt, ...)
{
    r->code = code;
    snprintf(r->ref, sizeof r->ref, "%s", ref ? ref : "");
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(r->reason, sizeof r->reason, fmt, ap);
    va_end(ap);
    return REGIO_BATCH_NOWRITE;
}

int regio_node_reply_refusal(regio_node_t *n, regio_msg_t *req, int rc,
                             const regio_node_refusal_t *r, const char *what)
{
    if (rc < 0) {
        char why[800];
        snprintf(why, sizeof why, "%s: %s", what,
                 n->store.failing || rc == REGIO_EBUSY ? n->store.why : regio_strerror(rc));
        regio_node_reply_error(n, req, regio_msg_error_code(rc), NULL, why);
        return 1;
    }
    if (r->code) {
        regio_node_reply_error(n, req, r->code, r->ref[0] ? r->ref : NULL, r->reason);
        return 1;
    }
    return 0;
}

void regio_node_publish_topic(regio_node_t *n, const char *topic, regio_envelope_t *env)
{
    int rc = regio_msg_send(n->pub, topic, strlen(topic), env);
    if (rc < 0 && rc != -EAGAIN)
        REGIO_WARN("msg=\"publish failed\" topic=%s reason=\"%s\"", topic, regio_strerror(rc));
}

void regio_node_publish(regio_node_t *n, regio_envelope_t *env)
{
    regio_node_publish_topic(n, n->o.name, env);
}

static void s_on_heartbeat(uv_timer_t *t)
{
    regio_node_t *n = t->data;
    s_watch_store(n);
    if (n->store.fatal && !n->svc->failed) { /* here, not inside a batch that is closing */
        REGIO_ERROR("msg=\"store unusable, stopping\" db=%s reason=\"%s\" then=\"exit status 1; "
                    "a restart re-reads the store from disk\"", n->o.db, n->store.why);
        regio_service_fail(n->svc);
        return;
    }
    Regio__Status st = REGIO__STATUS__INIT;
    s_fill_status(n, &st);
    regio_envelope_t env = REGIO__ENVELOPE__INIT;
    env.body_case = REGIO__ENVELOPE__BODY_STATUS;
    env.status = &st;
    regio_node_publish(n, &env);
}

int regio_node_forbid(regio_node_t *n, regio_node_refusal_t *r, const regio_principal_t *p,
                      const char *ref, const char *why)
{
    n->forbidden++;
    REGIO_WARN("msg=\"refused\" who=%s fingerprint=%s ref=%s reason=\"%s\"", p->name,
               p->fingerprint, ref ? ref : "", why);
    return regio_node_refuse(r, REGIO__ERROR_CODE__ERROR_FORBIDDEN, ref, "%s", why);
}

/* Requests: authorisation first, audit after a write ------------------- */

static int s_refuse_here(regio_node_t *n, regio_msg_t *req, void *slot, Regio__ErrorCode code,
                         const regio_principal_t *p, const char *why)
{
    if (code == REGIO__ERROR_CODE__ERROR_FORBIDDEN) {
        n->forbidden++;
        REGIO_WARN("msg=\"refused\" who=%s fingerprint=%s action=%s reason=\"%s\"",
                   p ? p->name : "unknown-key", p ? p->fingerprint : "none",
                   req->env ? regio_authz_action(req->env->body_case) : "none", why);
    }
    return regio_node_refuse(slot, code, NULL, "%s", why);
}

/* ResolveAlarm: the service's followers accept their upstreams as they are
 * now; audited like a write when the service follows something. */
static int s_resolve_alarm(regio_node_t *n, MDB_txn *txn)
{
    if (!n->o.resolve_alarm)
        return REGIO_BATCH_NOWRITE;
    int rc = n->o.resolve_alarm(n->o.batch.arg, txn);
    return rc ? rc : REGIO_BATCH_WROTE;
}

static int s_apply(void *arg, MDB_txn *txn, regio_msg_t *req, void *slot)
{
    regio_node_t *n = arg;
    char why[300];
    const char *bad_why;
    Regio__ErrorCode bad = regio_msg_check(req, &bad_why);
    if (bad)
        return s_refuse_here(n, req, slot, bad, NULL, bad_why);
    const regio_principal_t *p = regio_node_principal(n, req);
    if (!p)
        return s_refuse_here(n, req, slot, REGIO__ERROR_CODE__ERROR_FORBIDDEN, NULL,
                             "this key is no longer in the principals file");
    int rc = regio_authz_request(p, req->env->body_case, why, sizeof why);
    if (rc == REGIO_ENOTFOUND)
        return s_refuse_here(n, req, slot, REGIO__ERROR_CODE__ERROR_UNSUPPORTED, p, why);
    if (rc < 0)
        return s_refuse_here(n, req, slot, REGIO__ERROR_CODE__ERROR_FORBIDDEN, p, why);
    if (req->env->body_case == REGIO__ENVELOPE__BODY_AUDIT_REQUEST ||
        req->env->body_case == REGIO__ENVELOPE__BODY_BACKUP_REQUEST)
        return REGIO_BATCH_NOWRITE; /* answered by the node in s_done */
    if (req->env->body_case == REGIO__ENVELOPE__BODY_RESOLVE_ALARM)
        rc = s_resolve_alarm(n, txn); /* acknowledged by the node in s_done */
    else
        rc = n->o.batch.apply(n->o.batch.arg, txn, req, slot);
    if (rc != REGIO_BATCH_WROTE)
        return rc;
    char ref[160];
    regio_audit_ref(req->env, ref, sizeof ref);
    int arc = regio_audit_append(&n->audit, txn, p, n->o.name,
                                 regio_authz_action(req->env->body_case), ref, n->now_ms);
    return arc ? arc : REGIO_BATCH_WROTE;
}

static void s_reply_audit(regio_node_t *n, regio_msg_t *req)
{
    Regio__AuditRequest *q = req->env->audit_request;
    size_t left = q->max && q->max < AUDIT_REPLY_MAX ? q->max : AUDIT_REPLY_MAX;
    uint8_t cursor[16] = {0};
    MDB_txn *txn;
    if (mdb_txn_begin(n->store.env, NULL, MDB_RDONLY, &txn) != 0) {
        regio_node_reply_error(n, req, REGIO__ERROR_CODE__ERROR_INTERNAL, NULL,
                               "cannot open a read transaction");
        return;
    }
    for (int done = 0; !done;) {
        Regio__AuditEntry **v;
        size_t k;
        size_t want = left < AUDIT_CHUNK ? left : AUDIT_CHUNK;
        int rc = regio_audit_read(&n->audit, txn, q->since_ms, q->who ? q->who : "", want, cursor,
                                  &v, &k, &done);
        if (rc != 0)
            done = 1;
        left -= k;
        done |= left == 0;
        Regio__AuditChunk ch = REGIO__AUDIT_CHUNK__INIT;
        ch.entries = v;
        ch.n_entries = k;
        ch.done = done;
        regio_envelope_t env = REGIO__ENVELOPE__INIT;
        env.body_case = REGIO__ENVELOPE__BODY_AUDIT_CHUNK;
        env.audit_chunk = &ch;
        regio_msg_reply(n->router, req, &env);
        for (size_t i = 0; i < k; i++)
            regio__audit_entry__free_unpacked(v[i], NULL);
        free(v);
    }
    mdb_txn_abort(txn);
}

static void s_done(void *arg, regio_msg_t *req, void *slot, int rc)
{
    regio_node_t *n = arg;
    n->burst_refused += rc < 0;
    const regio_node_refusal_t *no = slot;
    if (rc == 0 && !no->code && req->env->body_case == REGIO__ENVELOPE__BODY_AUDIT_REQUEST) {
        s_reply_audit(n, req);
        return;
    }
    if (rc == 0 && !no->code && req->env->body_case == REGIO__ENVELOPE__BODY_RESOLVE_ALARM) {
        Regio__Ack ack = REGIO__ACK__INIT;
        ack.seq = n->seq;
        regio_envelope_t env = REGIO__ENVELOPE__INIT;
        env.body_case = REGIO__ENVELOPE__BODY_ACK;
        env.ack = &ack;
        regio_msg_reply(n->router, req, &env);
        return;
    }
    if (rc == 0 && !no->code && req->env->body_case == REGIO__ENVELOPE__BODY_BACKUP_REQUEST) {
        regio_backup_handle(n->backup, n->router, req);
        return;
    }
    n->o.batch.done(n->o.batch.arg, req, slot, rc);
}

static void s_begin(void *arg)
{
    regio_node_t *n = arg;
    n->now_ms = regio_now_ms();
    if (n->o.batch.begin)
        n->o.batch.begin(n->o.batch.arg);
}

static int s_precommit(void *arg, MDB_txn *txn)
{
    regio_node_t *n = arg;
    return n->o.batch.precommit ? n->o.batch.precommit(n->o.batch.arg, txn) : 0;
}

static void s_release(void *arg, void *slot)
{
    regio_node_t *n = arg;
    if (n->o.batch.release)
        n->o.batch.release(n->o.batch.arg, slot);
}

static void s_flush_batch(void *arg, int committed)
{
    regio_node_t *n = arg;
    s_watch_store(n);
    if (n->o.batch.flush)
        n->o.batch.flush(n->o.batch.arg, committed);
}

/* Store, store id and audit trail ---------------------------------------- */

static int s_new_store_id(char out[REGIO_STORE_ID_LEN + 1])
{
    uint8_t b[REGIO_STORE_ID_LEN / 2];
    if (getrandom(b, sizeof b, 0) != (ssize_t)sizeof b)
        return -errno;
    for (size_t i = 0; i < sizeof b; i++)
        snprintf(out + 2 * i, 3, "%02x", b[i]);
    return 0;
}

/* The store id kept inside the store, made on first open; *made says so. */
static int s_store_id(regio_node_t *n, MDB_txn *txn, int *made)
{
    MDB_dbi dbi;
    int rc = regio_store_table(txn, "node", &dbi);
    if (rc != 0)
        return rc;
    MDB_val k = {8, "store_id"}, d;
    *made = 0;
    if ((rc = mdb_get(txn, dbi, &k, &d)) == 0 && d.mv_size == REGIO_STORE_ID_LEN) {
        memcpy(n->store_id, d.mv_data, REGIO_STORE_ID_LEN);
        n->store_id[REGIO_STORE_ID_LEN] = '\0';
        return 0;
    }
    if (rc != 0 && rc != MDB_NOTFOUND)
        return rc;
    if ((rc = s_new_store_id(n->store_id)) < 0)
        return rc;
    *made = 1;
    d = (MDB_val){REGIO_STORE_ID_LEN, n->store_id};
    return mdb_put(txn, dbi, &k, &d, 0);
}

static void s_lost_data(const regio_node_t *n, const char *path, const char *marker, char *err,
                        size_t errlen)
{
    snprintf(err, errlen, "the store in %s has lost its data: %s names store %.32s, but the data "
             "file holds none; restore it from a backup (./regio restore) or, to start empty on "
             "purpose, remove %s", n->o.db, path, marker, path);
}

/* Compare the id inside the store with the file beside it. 0, or an error
 * with err set: data lost while the file remains, or another store's file. */
static int s_check_marker(regio_node_t *n, int made, char *err, size_t errlen)
{
    char path[REGIO_CONFIG_STR_MAX + 16], *marker = NULL;
    snprintf(path, sizeof path, "%s/store-id", n->o.db);
    int rc = regio_file_read(path, &marker, NULL);
    if (rc == -ENOENT)
        return regio_file_write_atomic(path, n->store_id, REGIO_STORE_ID_LEN);
    if (rc < 0) {
        snprintf(err, errlen, "%s: %s", path, strerror(-rc));
        return rc;
    }
    rc = strncmp(marker, n->store_id, REGIO_STORE_ID_LEN) == 0 ? 0 : REGIO_EINVALID;
    if (rc < 0 && made)
        s_lost_data(n, path, marker, err, errlen);
    else if (rc < 0)
        snprintf(err, errlen, "%s names store %.32s, but the data file is store %s: the folder "
                 "mixes two stores", path, marker, n->store_id);
    free(marker);
    return rc;
}

regio_store_check_opts_t regio_node_check_opts(const regio_node_t *n)
{
    regio_store_check_opts_t o = {n->check_tables, n->o.seq_table, n->o.seq_key};
    return o;
}

/* The service's typed tables and the node's own, for the store check. */
static void s_check_tables(regio_node_t *n)
{
    size_t k = 0, max = sizeof n->check_tables / sizeof n->check_tables[0] - 2;
    for (const regio_store_check_table_t *t = n->o.tables; t && t->name && k < max; t++)
        n->check_tables[k++] = *t;
    n->check_tables[k++] = (regio_store_check_table_t){"audit", &regio__audit_entry__descriptor, 0};
    n->check_tables[k] = (regio_store_check_table_t){NULL, NULL, 0};
}

/* Prove the store whole before LMDB maps it (store_check.h); a store that
 * is gone while its store-id file remains is refused before LMDB would
 * make an empty one in its place. */
static int s_check_store(regio_node_t *n, char *err, size_t errlen)
{
    s_check_tables(n);
    regio_store_check_opts_t co = regio_node_check_opts(n);
    regio_store_check_t c;
    int rc = regio_store_check(n->o.db, &co, &c, err, errlen);
    if (rc == REGIO_EDAMAGED) {
        size_t k = strlen(err);
        snprintf(err + k, errlen - k, "; restore it from a backup (./regio restore DIR)");
    }
    if (rc < 0)
        return rc;
    char path[REGIO_CONFIG_STR_MAX + 16], *marker = NULL;
    snprintf(path, sizeof path, "%s/store-id", n->o.db);
    if (!c.exists && regio_file_read(path, &marker, NULL) == 0) {
        s_lost_data(n, path, marker, err, errlen);
        free(marker);
        return REGIO_EDAMAGED;
    }
    if (c.exists)
        REGIO_INFO("msg=\"store checked\" db=%s tables=%llu entries=%llu bytes=%llu digest=%s "
                   "verified=%s ms=%.1f", n->o.db, (unsigned long long)c.tables,
                   (unsigned long long)c.entries, (unsigned long long)c.size, c.digest,
                   c.verified ? "yes" : "no (not closed cleanly since the last seal)", c.ms);
    return 0;
}

static int s_open_store(regio_node_t *n, char *err, size_t errlen)
{
    int rc = s_check_store(n, err, errlen);
    if (rc < 0)
        return rc;
    rc = regio_store_open(&n->store, n->o.db, n->o.map_bytes, n->o.map_max_bytes,
                              n->o.max_dbs + 2);
    if (rc < 0) {
        snprintf(err, errlen, "store %s: %s", n->o.db, regio_strerror(rc));
        return rc;
    }
    MDB_txn *txn;
    int made = 0;
    if ((rc = mdb_txn_begin(n->store.env, NULL, 0, &txn)) != 0)
        goto fail;
    if ((rc = s_store_id(n, txn, &made)) != 0 || (rc = regio_audit_open(&n->audit, txn)) != 0 ||
        (rc = n->o.open_tables(n->o.batch.arg, txn)) != 0) {
        mdb_txn_abort(txn);
        goto fail;
    }
    if ((rc = mdb_txn_commit(txn)) != 0)
        goto fail;
    if ((rc = s_check_marker(n, made, err, errlen)) == 0)
        n->store_open = 1;
    return rc;
fail:
    rc = regio_store_err(rc);
    snprintf(err, errlen, "store %s: %s", n->o.db, regio_strerror(rc));
    return rc;
}

typedef struct {
    regio_node_t *n;
    size_t pruned;
} prune_t;

static int s_prune_fill(void *arg, MDB_txn *txn)
{
    prune_t *p = arg;
    int64_t before = regio_now_ms() - p->n->o.audit_days * 86400000L;
    p->pruned = 0;
    return regio_audit_prune(&p->n->audit, txn, before, PRUNE_MAX, &p->pruned);
}

/* Audit retention; a failed write is noted in the store and logged once by
 * the heartbeat (s_watch_store). */
static void s_on_prune(uv_timer_t *t)
{
    prune_t p = {t->data, 0};
    if (regio_store_write(&p.n->store, s_prune_fill, &p) == 0 && p.pruned > 0)
        REGIO_INFO("msg=\"pruned audit entries\" n=%zu older_than_days=%ld", p.pruned,
                   p.n->o.audit_days);
}

static void s_on_backup(void *arg, int open, const char *what)
{
    regio_node_t *n = arg;
    REGIO_INFO("msg=\"%s\" db=%s folder=%s", what, n->o.db, n->backup_dir);
    if (n->o.on_backup)
        n->o.on_backup(n->o.batch.arg, open);
}

/* Backups (backup.h): copies go to backup-dir, or <db>.backup. */
static int s_open_backup(regio_node_t *n)
{
    if (n->o.backup_dir && n->o.backup_dir[0])
        snprintf(n->backup_dir, sizeof n->backup_dir, "%s", n->o.backup_dir);
    else
        snprintf(n->backup_dir, sizeof n->backup_dir, "%s.backup", n->o.db);
    regio_backup_opts_t bo = {n->o.name, &n->store, n->backup_dir, regio_node_check_opts(n),
                              s_on_backup, n};
    n->backup = regio_backup_new(&n->svc->loop, &bo);
    return n->backup ? 0 : -ENOMEM;
}

int regio_node_open(regio_node_t *n, regio_service_t *svc, const regio_node_opts_t *o, char *err,
                    size_t errlen)
{
    memset(n, 0, sizeof *n);
    n->svc = svc;
    n->o = *o;
    if (n->o.audit_days <= 0)
        n->o.audit_days = 90;
    int rc = s_open_store(n, err, errlen);
    if (rc < 0)
        return rc;
    /* A ROUTER silently drops replies to a peer past its high-water mark, so
     * keep it far above any client's window of requests in flight. */
    if ((rc = regio_service_bind(svc, ZMQ_ROUTER, o->router, REGIO_NODE_ROUTER_HWM,
                                 REGIO_ZAP_REQUESTS, &n->router)) < 0) {
        snprintf(err, errlen, "bind %s: %s", o->router, regio_strerror(rc));
        return rc;
    }
    if ((rc = regio_service_bind(svc, ZMQ_PUB, o->pub, o->pub_hwm, REGIO_ZAP_FEED, &n->pub)) < 0) {
        snprintf(err, errlen, "bind %s: %s", o->pub, regio_strerror(rc));
        return rc;
    }
    regio_batch_opts_t bo = o->batch;
    bo.apply = s_apply;
    bo.done = s_done;
    bo.begin = s_begin;
    bo.precommit = s_precommit;
    bo.release = s_release;
    bo.flush = s_flush_batch;
    bo.arg = n;
    if (bo.slot_size < sizeof(regio_node_refusal_t))
        bo.slot_size = sizeof(regio_node_refusal_t);
    n->batch = regio_batch_new(&svc->loop, n->router, &n->store, &bo);
    if (!n->batch) {
        snprintf(err, errlen, "out of memory");
        return -ENOMEM;
    }
    if ((rc = regio_batch_start(n->batch)) < 0) {
        snprintf(err, errlen, "cannot watch %s: %s", o->router, regio_strerror(rc));
        return rc;
    }
    if ((rc = s_open_backup(n)) < 0) {
        snprintf(err, errlen, "out of memory");
        return rc;
    }
    uv_timer_init(&svc->loop, &n->heartbeat);
    uv_timer_init(&svc->loop, &n->prune);
    n->heartbeat.data = n->prune.data = n;
    n->heartbeat_open = 1;
    uv_timer_start(&n->heartbeat, s_on_heartbeat, 1000, 1000);
    uv_timer_start(&n->prune, s_on_prune, 60000, PRUNE_EVERY_MS);
    REGIO_INFO("msg=\"store open\" db=%s store_id=%s", o->db, n->store_id);
    return 0;
}

void regio_node_stop(regio_node_t *n)
{
    if (n->closing)
        return;
    n->closing = 1;
    if (n->heartbeat_open) {
        uv_close((uv_handle_t *)&n->heartbeat, NULL);
        uv_close((uv_handle_t *)&n->prune, NULL);
    }
    if (n->batch)
        regio_batch_close(n->batch, NULL);
    regio_backup_close(n->backup);
}

void regio_node_destroy(regio_node_t *n)
{
    regio_batch_destroy(&n->batch);
    regio_backup_destroy(&n->backup);
    if (n->router)
        zmq_close(n->router);
    if (n->pub)
        zmq_close(n->pub);
    n->router = n->pub = NULL;
    regio_store_close(&n->store);
    if (!n->store_open)
        return;
    n->store_open = 0;
    regio_store_check_opts_t co = regio_node_check_opts(n);
    regio_store_check_t c;
    char err[600];
    if (regio_store_check_seal(n->o.db, &co, &c, err, sizeof err) < 0)
        REGIO_ERROR("msg=\"store not sealed\" reason=\"%s\"", err);
    else
        REGIO_INFO("msg=\"store sealed\" db=%s txn=%llu digest=%s ms=%.1f", n->o.db,
                   (unsigned long long)c.txnid, c.digest, c.ms);
}
