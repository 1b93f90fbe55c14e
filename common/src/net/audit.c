/* audit - the trail of committed changes, per service store. */
#define _GNU_SOURCE /* memmem */
#include "regio/audit.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "regio/error.h"
#include "regio/store.h"

int regio_audit_open(regio_audit_t *a, MDB_txn *txn)
{
    memset(a, 0, sizeof *a);
    int rc = mdb_dbi_open(txn, "audit", MDB_CREATE, &a->dbi);
    if (rc != 0)
        return rc;
    MDB_cursor *cur;
    if ((rc = mdb_cursor_open(txn, a->dbi, &cur)) != 0)
        return rc;
    MDB_val k, d;
    rc = mdb_cursor_get(cur, &k, &d, MDB_LAST);
    if (rc == 0 && k.mv_size == 16) {
        a->last_ms = (int64_t)regio_store_u64_decode(k.mv_data);
        a->counter = regio_store_u64_decode((uint8_t *)k.mv_data + 8);
    }
    mdb_cursor_close(cur);
    return rc == MDB_NOTFOUND || rc == 0 ? 0 : rc;
}

int regio_audit_append(regio_audit_t *a, MDB_txn *txn, const regio_principal_t *p,
                       const char *service, const char *action, const char *ref, int64_t now_ms)
{
    char role[REGIO_ID_MAX + REGIO_PRINCIPAL_PREFIXES * REGIO_TOPIC_MAX];
    regio_principal_role_text(p, role, sizeof role);
    Regio__AuditEntry e = REGIO__AUDIT_ENTRY__INIT;
    e.time_ms = now_ms;
    e.who = (char *)p->name;
    e.fingerprint = (char *)p->fingerprint;
    e.role = role;
    e.action = (char *)action;
    e.ref = (char *)ref;
    e.service = (char *)service;
    if (now_ms > a->last_ms)
        a->last_ms = now_ms;
    uint8_t key[16];
    regio_store_u64_key(key, (uint64_t)a->last_ms);
    regio_store_u64_key(key + 8, ++a->counter);
    MDB_val k = {16, key}, d = {protobuf_c_message_get_packed_size(&e.base), NULL};
    int rc = mdb_put(txn, a->dbi, &k, &d, MDB_APPEND | MDB_RESERVE);
    if (rc == 0)
        protobuf_c_message_pack(&e.base, d.mv_data);
    return rc;
}

void regio_audit_ref(const regio_envelope_t *e, char *out, size_t n)
{
    out[0] = '\0';
    switch (e->body_case) {
    case REGIO__ENVELOPE__BODY_PUT_PARTNER:
        snprintf(out, n, "%s", e->put_partner->partner ? e->put_partner->partner->id : "");
        break;
    case REGIO__ENVELOPE__BODY_PUT_OFFERING:
        snprintf(out, n, "%s", e->put_offering->offering ? e->put_offering->offering->id : "");
        break;
    case REGIO__ENVELOPE__BODY_WITHDRAW_OFFERING: snprintf(out, n, "%s", e->withdraw_offering->id); break;
    case REGIO__ENVELOPE__BODY_PUT_CALENDAR: snprintf(out, n, "calendar"); break;
    case REGIO__ENVELOPE__BODY_CAPACITY_UPDATE:
        snprintf(out, n, "%s/%s", e->capacity_update->offering, e->capacity_update->period);
        break;
    case REGIO__ENVELOPE__BODY_CAPACITY_UPDATES:
        snprintf(out, n, "%zu updates", e->capacity_updates->n_updates);
        break;
    case REGIO__ENVELOPE__BODY_CAPACITY_RESET:
        snprintf(out, n, "%s/%s", e->capacity_reset->offering, e->capacity_reset->period);
        break;
    case REGIO__ENVELOPE__BODY_CAPACITY_EXCEPTION:
        snprintf(out, n, "%s/%s", e->capacity_exception->offering, e->capacity_exception->date);
        break;
    case REGIO__ENVELOPE__BODY_PUT_LEARNER:
        snprintf(out, n, "%s", e->put_learner->learner ? e->put_learner->learner->id : "");
        break;
    case REGIO__ENVELOPE__BODY_REMOVE_LEARNER: snprintf(out, n, "%s", e->remove_learner->id); break;
    case REGIO__ENVELOPE__BODY_LEARNER_ERASE_REQUEST: /* never the id it erases */
        snprintf(out, n, "%s", e->learner_erase_request->tombstone);
        break;
    case REGIO__ENVELOPE__BODY_NOTIFY_BATCH:
        snprintf(out, n, "source_seq %llu+%zu",
                 (unsigned long long)e->notify_batch->first_source_seq, e->notify_batch->n_changes);
        break;
    default: break;
    }
}

int regio_audit_read(const regio_audit_t *a, MDB_txn *txn, int64_t since_ms, const char *who,
                     size_t max, uint8_t cursor[16], Regio__AuditEntry ***out, size_t *n,
                     int *done)
{
    *out = NULL;
    *n = 0;
    *done = 0;
    static const uint8_t zero[16];
    uint8_t start[16];
    memcpy(start, cursor, 16);
    if (memcmp(cursor, zero, 16) == 0)
        regio_store_u64_key(start, (uint64_t)(since_ms > 0 ? since_ms : 0));
    Regio__AuditEntry **v = calloc(max ? max : 1, sizeof *v);
    MDB_cursor *cur;
    int rc = v ? mdb_cursor_open(txn, a->dbi, &cur) : ENOMEM;
    if (rc != 0) {
        free(v);
        return rc > 0 ? -rc : rc;
    }
    MDB_val k = {16, start}, d;
    rc = mdb_cursor_get(cur, &k, &d, MDB_SET_RANGE);
    if (rc == 0 && memcmp(cursor, zero, 16) != 0 && memcmp(k.mv_data, cursor, 16) == 0)
        rc = mdb_cursor_get(cur, &k, &d, MDB_NEXT); /* the cursor key was sent already */
    for (; rc == 0 && *n < max; rc = mdb_cursor_get(cur, &k, &d, MDB_NEXT)) {
        memcpy(cursor, k.mv_data, 16);
        Regio__AuditEntry *e = regio__audit_entry__unpack(NULL, d.mv_size, d.mv_data);
        if (e && (!who[0] || strcmp(e->who, who) == 0))
            v[(*n)++] = e;
        else if (e)
            regio__audit_entry__free_unpacked(e, NULL);
    }
    mdb_cursor_close(cur);
    *done = rc == MDB_NOTFOUND;
    *out = v;
    return rc == 0 || rc == MDB_NOTFOUND ? 0 : rc;
}

/* Count the entries whose ref is exactly ref, and when to is not NULL
 * rewrite them with ref `to`. The keys are gathered first and rewritten
 * after the scan, so the cursor never walks pages it is changing. 0 or an
 * LMDB code. */
static int s_each_ref(const regio_audit_t *a, MDB_txn *txn, const char *ref, const char *to,
                      size_t *n)
{
    *n = 0;
    MDB_cursor *cur;
    int rc = mdb_cursor_open(txn, a->dbi, &cur);
    if (rc != 0)
        return rc;
    size_t len = strlen(ref), cap = 0;
    uint8_t (*keys)[16] = NULL;
    MDB_val k, d;
    for (rc = mdb_cursor_get(cur, &k, &d, MDB_FIRST); rc == 0;
         rc = mdb_cursor_get(cur, &k, &d, MDB_NEXT)) {
        if (!len || k.mv_size != 16 || !memmem(d.mv_data, d.mv_size, ref, len))
            continue; /* cheap: most entries are about something else */
        Regio__AuditEntry *e = regio__audit_entry__unpack(NULL, d.mv_size, d.mv_data);
        int match = e && strcmp(e->ref, ref) == 0;
        regio__audit_entry__free_unpacked(e, NULL);
        if (!match)
            continue;
        if (*n == cap) {
            cap = cap ? 2 * cap : 64;
            void *grown = realloc(keys, cap * sizeof *keys);
            if (!grown) {
                rc = ENOMEM;
                break;
            }
            keys = grown;
        }
        memcpy(keys[(*n)++], k.mv_data, 16);
    }
    mdb_cursor_close(cur);
    rc = rc == MDB_NOTFOUND ? 0 : rc;
    for (size_t i = 0; rc == 0 && to && i < *n; i++) {
        MDB_val key = {16, keys[i]}, val;
        if ((rc = mdb_get(txn, a->dbi, &key, &val)) != 0)
            break;
        Regio__AuditEntry *e = regio__audit_entry__unpack(NULL, val.mv_size, val.mv_data);
        if (!e) {
            rc = EINVAL;
            break;
        }
        char *was = e->ref;
        e->ref = (char *)to;
        MDB_val nv = {protobuf_c_message_get_packed_size(&e->base), NULL};
        rc = mdb_put(txn, a->dbi, &key, &nv, MDB_RESERVE);
        if (rc == 0)
            protobuf_c_message_pack(&e->base, nv.mv_data);
        e->ref = was;
        regio__audit_entry__free_unpacked(e, NULL);
    }
    free(keys);
    return rc;
}

int regio_audit_rename_ref(const regio_audit_t *a, MDB_txn *txn, const char *from,
                           const char *to, size_t *n)
{
    size_t taken = 0;
    int rc = s_each_ref(a, txn, to, NULL, &taken);
    if (rc == 0 && taken > 0 && (rc = s_each_ref(a, txn, from, NULL, n)) == 0 && *n > 0)
        rc = REGIO_EDUPLICATE; /* both name someone: renaming would merge them */
    *n = 0;
    return rc || taken ? rc : s_each_ref(a, txn, from, to, n);
}

int regio_audit_prune(const regio_audit_t *a, MDB_txn *txn, int64_t before_ms, size_t max,
                      size_t *n)
{
    *n = 0;
    MDB_cursor *cur;
    int rc = mdb_cursor_open(txn, a->dbi, &cur);
    if (rc != 0)
        return rc;
    MDB_val k, d;
    for (rc = mdb_cursor_get(cur, &k, &d, MDB_FIRST); rc == 0 && *n < max;
         rc = mdb_cursor_get(cur, &k, &d, MDB_GET_CURRENT)) {
        if (k.mv_size != 16 || (int64_t)regio_store_u64_decode(k.mv_data) >= before_ms)
            break;
        if ((rc = mdb_cursor_del(cur, 0)) != 0)
            break;
        (*n)++;
    }
    mdb_cursor_close(cur);
    return rc == 0 || rc == MDB_NOTFOUND || rc == EINVAL ? 0 : rc;
}
