/* node - store + ROUTER + PUB + group commit + heartbeat, shared by services. */
#include "regio/node.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <zmq.h>

#include "regio/error.h"
#include "regio/log.h"

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
    st->db_path = (char *)n->o.db;
    regio_node_status_add(n, st, "commits", commits);
    regio_node_status_add(n, st, "requests", requests);
    regio_node_status_add(n, st, "failed", failed);
    regio_node_status_add(n, st, "rejected", n->rejected);
    regio_node_status_add(n, st, "busy", busy);
    regio_node_status_add(n, st, "queued", queued);
    if (n->o.fill_status)
        n->o.fill_status(n->o.batch.arg, st);
}

void regio_node_reply_status(regio_node_t *n, regio_msg_t *req)
{
    Regio__Status st = REGIO__STATUS__INIT;
    s_fill_status(n, &st);
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
        char why[200];
        snprintf(why, sizeof why, "%s: %s", what, regio_strerror(rc));
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
    Regio__Status st = REGIO__STATUS__INIT;
    s_fill_status(n, &st);
    regio_envelope_t env = REGIO__ENVELOPE__INIT;
    env.body_case = REGIO__ENVELOPE__BODY_STATUS;
    env.status = &st;
    regio_node_publish(n, &env);
}

static int s_open_store(regio_node_t *n)
{
    int rc = regio_store_open(&n->store, n->o.db, n->o.map_bytes, n->o.map_max_bytes,
                              n->o.max_dbs);
    if (rc < 0)
        return rc;
    MDB_txn *txn;
    if ((rc = mdb_txn_begin(n->store.env, NULL, 0, &txn)) != 0)
        return regio_store_err(rc);
    if ((rc = n->o.open_tables(n->o.batch.arg, txn)) != 0) {
        mdb_txn_abort(txn);
        return regio_store_err(rc);
    }
    return regio_store_err(mdb_txn_commit(txn));
}

int regio_node_open(regio_node_t *n, regio_service_t *svc, const regio_node_opts_t *o, char *err,
                    size_t errlen)
{
    memset(n, 0, sizeof *n);
    n->svc = svc;
    n->o = *o;
    int rc = s_open_store(n);
    if (rc < 0) {
        snprintf(err, errlen, "store %s: %s", o->db, regio_strerror(rc));
        return rc;
    }
    /* A ROUTER silently drops replies to a peer past its high-water mark, so
     * keep it far above any client's window of requests in flight. */
    if ((rc = regio_service_socket(svc, ZMQ_ROUTER, o->router, 1, REGIO_NODE_ROUTER_HWM,
                                   &n->router)) < 0) {
        snprintf(err, errlen, "bind %s: %s", o->router, regio_strerror(rc));
        return rc;
    }
    if ((rc = regio_service_socket(svc, ZMQ_PUB, o->pub, 1, o->pub_hwm, &n->pub)) < 0) {
        snprintf(err, errlen, "bind %s: %s", o->pub, regio_strerror(rc));
        return rc;
    }
    n->batch = regio_batch_new(&svc->loop, n->router, &n->store, &o->batch);
    if (!n->batch) {
        snprintf(err, errlen, "out of memory");
        return -ENOMEM;
    }
    if ((rc = regio_batch_start(n->batch)) < 0) {
        snprintf(err, errlen, "cannot watch %s: %s", o->router, regio_strerror(rc));
        return rc;
    }
    uv_timer_init(&svc->loop, &n->heartbeat);
    n->heartbeat.data = n;
    n->heartbeat_open = 1;
    uv_timer_start(&n->heartbeat, s_on_heartbeat, 1000, 1000);
    return 0;
}

void regio_node_stop(regio_node_t *n)
{
    if (n->closing)
        return;
    n->closing = 1;
    if (n->heartbeat_open)
        uv_close((uv_handle_t *)&n->heartbeat, NULL);
    if (n->batch)
        regio_batch_close(n->batch, NULL);
}

void regio_node_destroy(regio_node_t *n)
{
    regio_batch_destroy(&n->batch);
    if (n->router)
        zmq_close(n->router);
    if (n->pub)
        zmq_close(n->pub);
    n->router = n->pub = NULL;
    regio_store_close(&n->store);
}
