/* learner_log - find, show and rename one learner's entries in the notifier's log. */
#define _GNU_SOURCE /* memmem */
#include "learner_log.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "regio/authz.h"
#include "regio/error.h"
#include "regio/log.h"
#include "regio/validate.h"
#include "topic_index.h"

void regio_learner_log_free(Regio__Notification **v, size_t n)
{
    for (size_t i = 0; v && i < n; i++)
        regio__notification__free_unpacked(v[i], NULL);
    free(v);
}

/* Append nt to (*v, *n, *cap). 0 or -ENOMEM. */
static int s_push(Regio__Notification ***v, size_t *n, size_t *cap, Regio__Notification *nt)
{
    if (*n == *cap) {
        size_t c = *cap ? *cap * 2 : 16;
        Regio__Notification **nv = realloc(*v, c * sizeof *nv);
        if (!nv)
            return -ENOMEM;
        *v = nv;
        *cap = c;
    }
    (*v)[(*n)++] = nt;
    return 0;
}

int regio_learner_log_find(const regio_learner_log_t *t, MDB_txn *txn, const char *id,
                           Regio__Notification ***out, size_t *n)
{
    *out = NULL;
    *n = 0;
    size_t cap = 0, len = strlen(id);
    MDB_cursor *cur;
    int rc = len ? mdb_cursor_open(txn, t->log, &cur) : MDB_NOTFOUND;
    if (rc != 0)
        return rc == MDB_NOTFOUND ? 0 : rc;
    MDB_val k, d;
    for (rc = mdb_cursor_get(cur, &k, &d, MDB_FIRST); rc == 0;
         rc = mdb_cursor_get(cur, &k, &d, MDB_NEXT)) {
        if (!memmem(d.mv_data, d.mv_size, id, len))
            continue; /* most entries are about someone else: skip decoding them */
        Regio__Notification *nt = regio__notification__unpack(NULL, d.mv_size, d.mv_data);
        if (!nt || !nt->change || strcmp(nt->change->learner, id) != 0) {
            regio__notification__free_unpacked(nt, NULL);
            continue;
        }
        if (s_push(out, n, &cap, nt) < 0) {
            regio__notification__free_unpacked(nt, NULL);
            rc = -ENOMEM;
            break;
        }
    }
    mdb_cursor_close(cur);
    if (rc == MDB_NOTFOUND)
        return 0;
    regio_learner_log_free(*out, *n);
    *out = NULL;
    *n = 0;
    return rc;
}

/* Move topic learner/<id>'s counter to learner/<tomb>. *moved says whether
 * there was one. 0, REGIO_EDUPLICATE or an LMDB code. */
static int s_move_topic(const regio_learner_log_t *t, MDB_txn *txn, const char *from,
                        const char *to, int *moved)
{
    uint64_t last = 0, taken = 0;
    int rc;
    *moved = 0;
    if ((rc = regio_store_get_u64(txn, t->topic_seq, from, &last)) != 0 || last == 0)
        return rc;
    if ((rc = regio_store_get_u64(txn, t->topic_seq, to, &taken)) != 0)
        return rc;
    if (taken)
        return REGIO_EDUPLICATE;
    MDB_val k = {strlen(from), (void *)from};
    if ((rc = mdb_del(txn, t->topic_seq, &k, NULL)) != 0)
        return rc;
    *moved = 1;
    return regio_store_put_u64(txn, t->topic_seq, to, last);
}

/* Rewrite entry nt (at its seq) under topic `to` with change.learner =
 * tomb; when its topic changes, move its index key too. */
static int s_rename_entry(const regio_learner_log_t *t, MDB_txn *txn, Regio__Notification *nt,
                          const char *to, const char *tomb)
{
    char ikey[REGIO_TOPIC_KEY_MAX];
    uint8_t key[8]; /* the entry's seq: its key in the log, its value in the index */
    int rc;
    regio_store_u64_key(key, nt->seq);
    if (strcmp(nt->topic, to) != 0) {
        MDB_val ik = {regio_topic_index_key(ikey, nt->topic, nt->topic_seq), ikey}, iv = {8, key};
        if ((rc = mdb_del(txn, t->topic_index, &ik, NULL)) != 0 && rc != MDB_NOTFOUND)
            return rc;
        ik.mv_size = regio_topic_index_key(ikey, to, nt->topic_seq);
        if ((rc = mdb_put(txn, t->topic_index, &ik, &iv, 0)) != 0)
            return rc;
    }
    char *topic = nt->topic, *learner = nt->change->learner;
    nt->topic = (char *)to;
    nt->change->learner = (char *)tomb;
    rc = regio_store_put_msg(txn, t->log, key, 8, &nt->base);
    nt->topic = topic;
    nt->change->learner = learner;
    return rc;
}

int regio_learner_log_rename(const regio_learner_log_t *t, MDB_txn *txn, Regio__Notification **v,
                             size_t n, const char *id, const char *tombstone, size_t *topics)
{
    char from[REGIO_TOPIC_MAX], to[REGIO_TOPIC_MAX];
    snprintf(from, sizeof from, "learner/%s", id);
    snprintf(to, sizeof to, "learner/%s", tombstone);
    int moved, rc = s_move_topic(t, txn, from, to, &moved);
    *topics = (size_t)moved;
    for (size_t i = 0; rc == 0 && i < n; i++)
        rc = s_rename_entry(t, txn, v[i], strcmp(v[i]->topic, from) == 0 ? to : v[i]->topic,
                            tombstone);
    return rc;
}

/* Whether who may see or erase all of v; else forbid into no. */
static int s_allowed(regio_node_t *node, const regio_principal_t *who, const char *id,
                     Regio__Notification **v, size_t n, regio_node_refusal_t *no)
{
    char what[REGIO_ID_MAX + 16], why[300];
    snprintf(what, sizeof what, "learner %s", id);
    for (size_t i = 0; i < n; i++)
        if (regio_authz_school(who, v[i]->change->school, what, why, sizeof why) < 0) {
            regio_node_forbid(node, no, who, id, why);
            return 0;
        }
    return 1;
}

/* The request's id and tombstone checked into out; 0 or a refusal. */
static int s_check_erase(const Regio__LearnerEraseRequest *rq, uint64_t logged,
                         regio_node_refusal_t *no, regio_learner_log_erased_t *out)
{
    char err[200];
    int rc = regio_validate_id(rq->id, "learner", err, sizeof err);
    if (rc < 0)
        return regio_node_refuse(no, regio_msg_error_code(rc), NULL, "%s", err);
    if (logged < rq->after_source_seq)
        return regio_node_refuse(no, REGIO__ERROR_CODE__ERROR_NOT_READY, rq->id,
                                 "the planner's changes up to source_seq %llu are not logged yet",
                                 (unsigned long long)rq->after_source_seq);
    if (rq->tombstone[0] && !regio_privacy_tombstone_ok(rq->tombstone))
        return regio_node_refuse(no, REGIO__ERROR_CODE__ERROR_INVALID, NULL,
                                 "tombstone must be erased-<16 lowercase hex digits>");
    snprintf(out->tomb, sizeof out->tomb, "%s", rq->tombstone);
    if (!out->tomb[0] && regio_privacy_tombstone_new(out->tomb, sizeof out->tomb) < 0)
        return regio_node_refuse(no, REGIO__ERROR_CODE__ERROR_INTERNAL, NULL,
                                 "no randomness for a tombstone");
    regio__learner_erased__init(&out->erased);
    out->erased.tombstone = out->tomb;
    return 0;
}

int regio_learner_log_erase(regio_node_t *node, const regio_learner_log_t *t, MDB_txn *txn,
                            const regio_msg_t *req, uint64_t logged, regio_node_refusal_t *no,
                            regio_learner_log_erased_t *out)
{
    const Regio__LearnerEraseRequest *rq = req->env->learner_erase_request;
    int rc = s_check_erase(rq, logged, no, out);
    if (rc != 0)
        return rc;
    Regio__Notification **v;
    size_t n, topics = 0;
    if ((rc = regio_learner_log_find(t, txn, rq->id, &v, &n)) != 0)
        return rc;
    if (!s_allowed(node, regio_node_principal(node, req), rq->id, v, n, no)) {
        regio_learner_log_free(v, n);
        return REGIO_BATCH_NOWRITE;
    }
    rc = regio_learner_log_rename(t, txn, v, n, rq->id, out->tomb, &topics);
    regio_learner_log_free(v, n);
    if (rc == REGIO_EDUPLICATE)
        return regio_node_refuse(no, REGIO__ERROR_CODE__ERROR_INVALID, out->tomb,
                                 "the tombstone names a topic already; erase with another one");
    out->erased.log_entries = (uint32_t)n;
    out->erased.topics = (uint32_t)topics;
    return rc ? rc : REGIO_BATCH_WROTE;
}

void regio_learner_log_reply_erased(regio_node_t *node, const regio_msg_t *req,
                                    const regio_learner_log_erased_t *e)
{
    REGIO_INFO("msg=\"learner erased\" tombstone=%s log_entries=%u topics=%u", e->tomb,
               e->erased.log_entries, e->erased.topics);
    regio_envelope_t env = REGIO__ENVELOPE__INIT;
    env.body_case = REGIO__ENVELOPE__BODY_LEARNER_ERASED;
    env.learner_erased = (Regio__LearnerErased *)&e->erased;
    regio_msg_reply(node->router, req, &env);
}

void regio_learner_log_reply_export(regio_node_t *node, const regio_learner_log_t *t,
                                    regio_msg_t *req)
{
    const char *id = req->env->learner_export_request->id;
    regio_node_refusal_t no = {0};
    char err[200];
    Regio__Notification **v = NULL;
    size_t n = 0;
    MDB_txn *txn;
    int rc = regio_validate_id(id, "learner", err, sizeof err);
    if (rc < 0) {
        regio_node_reply_error(node, req, regio_msg_error_code(rc), NULL, err);
        return;
    }
    if ((rc = mdb_txn_begin(node->store.env, NULL, MDB_RDONLY, &txn)) == 0) {
        rc = regio_learner_log_find(t, txn, id, &v, &n);
        mdb_txn_abort(txn);
    }
    if (rc != 0) {
        regio_node_reply_error(node, req, REGIO__ERROR_CODE__ERROR_INTERNAL, NULL,
                               "cannot read the log");
        return;
    }
    if (!s_allowed(node, regio_node_principal(node, req), id, v, n, &no)) {
        regio_node_reply_refusal(node, req, 0, &no, "");
        regio_learner_log_free(v, n);
        return;
    }
    Regio__LearnerExport x = REGIO__LEARNER_EXPORT__INIT;
    x.id = (char *)id;
    x.service = "notifier";
    x.notifications = v;
    x.n_notifications = n;
    regio_envelope_t env = REGIO__ENVELOPE__INIT;
    env.body_case = REGIO__ENVELOPE__BODY_LEARNER_EXPORT;
    env.learner_export = &x;
    regio_msg_reply(node->router, req, &env);
    regio_learner_log_free(v, n);
}
