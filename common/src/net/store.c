/* store - LMDB environment helpers shared by the services. */
#include "regio/store.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/statvfs.h>
#include <time.h>
#include <unistd.h>

#include "regio/error.h"
#include "regio/file.h"

int regio_store_open(regio_store_t *s, const char *dir, size_t map_bytes, size_t map_max,
                     unsigned max_dbs)
{
    memset(s, 0, sizeof *s);
    snprintf(s->dir, sizeof s->dir, "%s", dir);
    int rc = regio_file_mkdirs(dir);
    if (rc < 0)
        return rc;
    if ((rc = mdb_env_create(&s->env)) != 0)
        goto fail_create;
    if ((rc = mdb_env_set_maxdbs(s->env, max_dbs)) != 0)
        goto fail_setup;
    if ((rc = mdb_env_set_mapsize(s->env, map_bytes)) != 0)
        goto fail_setup;
    if ((rc = mdb_env_open(s->env, dir, MDB_NOTLS, 0640)) != 0)
        goto fail_setup;
    MDB_envinfo info;
    mdb_env_info(s->env, &info);
    s->map_size = info.me_mapsize; /* an existing larger map wins */
    s->last_txnid = info.me_last_txnid;
    s->map_max = map_max > s->map_size ? map_max : s->map_size;
    return 0;
fail_setup:
    mdb_env_close(s->env);
fail_create:
    s->env = NULL;
    return rc > 0 ? -rc : rc;
}

void regio_store_close(regio_store_t *s)
{
    if (s->env)
        mdb_env_close(s->env);
    s->env = NULL;
}

int regio_store_table(MDB_txn *txn, const char *name, MDB_dbi *dbi)
{
    return mdb_dbi_open(txn, name, MDB_CREATE, dbi);
}

int regio_store_grow(regio_store_t *s)
{
    if (s->map_size >= s->map_max)
        return REGIO_EFULL;
    if (s->copying)
        return REGIO_EBUSY;
    size_t next = s->map_size * 2 > s->map_max ? s->map_max : s->map_size * 2;
    int rc = mdb_env_set_mapsize(s->env, next);
    if (rc != 0)
        return rc > 0 ? -rc : rc;
    s->map_size = next;
    return 0;
}

int regio_store_err(int rc)
{
    if (rc == MDB_MAP_FULL || rc == ENOSPC || rc == -ENOSPC || rc == EDQUOT || rc == -EDQUOT)
        return REGIO_EFULL;
    return rc > 0 ? -rc : rc;
}

/* Below this much room an EIO from a write is a full disk, not a bad one. */
#define FULL_BELOW (8u << 20)

int regio_store_failed(regio_store_t *s, int rc)
{
    int e = rc > 0 ? rc : -rc, code = regio_store_err(rc);
    struct statvfs v;
    unsigned long long room = ~0ull;
    if (statvfs(s->dir, &v) == 0)
        room = (unsigned long long)(geteuid() == 0 ? v.f_bfree : v.f_bavail) * v.f_frsize;
    if (rc == MDB_MAP_FULL)
        snprintf(s->why, sizeof s->why, "storage full: the LMDB map of %.400s is full at %zu MiB "
                 "(map-max-mb)", s->dir, s->map_size >> 20);
    else if (code == REGIO_EFULL || e == EFBIG || (e == EIO && room < FULL_BELOW)) {
        snprintf(s->why, sizeof s->why, "storage full: %s writing %.400s/data.mdb; its file system "
                 "has %llu KiB left", strerror(e), s->dir, room >> 10);
        code = REGIO_EFULL;
    } else if (rc > 0 || (rc < 0 && rc > -4096))
        snprintf(s->why, sizeof s->why, "storage error: %s writing %.400s/data.mdb", strerror(e),
                 s->dir);
    else
        snprintf(s->why, sizeof s->why, "storage error: %s (%.400s)", regio_strerror(code), s->dir);
    MDB_txn *probe; /* a failed meta page write leaves LMDB refusing everything */
    int prc = mdb_txn_begin(s->env, NULL, MDB_RDONLY, &probe);
    if (prc == 0)
        mdb_txn_abort(probe);
    else if (prc == MDB_PANIC && !s->fatal) {
        size_t k = strlen(s->why);
        snprintf(s->why + k, sizeof s->why - k, "; LMDB gave the environment up (MDB_PANIC)");
        s->fatal = 1;
    }
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    s->last_failure_ms = (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
    s->failing = 1;
    s->last_rc = rc;
    s->failures++;
    return code;
}

void regio_store_committed(regio_store_t *s)
{
    MDB_envinfo info;
    if (mdb_env_info(s->env, &info) != 0 || info.me_last_txnid == s->last_txnid)
        return;
    s->last_txnid = info.me_last_txnid;
    s->failing = 0;
}

int regio_store_write(regio_store_t *s, regio_store_fill_cb fill, void *arg)
{
    for (int attempt = 0;; attempt++) {
        MDB_txn *txn;
        int rc = mdb_txn_begin(s->env, NULL, 0, &txn);
        if (rc == 0) {
            rc = fill(arg, txn);
            if (rc == 0)
                rc = mdb_txn_commit(txn);
            else
                mdb_txn_abort(txn);
        }
        if (rc == 0) {
            regio_store_committed(s);
            return 0;
        }
        if (rc == MDB_MAP_FULL && attempt == 0) {
            int grc = regio_store_grow(s);
            if (grc == 0)
                continue;
            if (grc == REGIO_EBUSY) {
                snprintf(s->why, sizeof s->why, "busy: the LMDB map of %.400s is full and cannot "
                         "grow while a backup copies it; retry shortly", s->dir);
                return REGIO_EBUSY;
            }
        }
        return regio_store_failed(s, rc);
    }
}

void regio_store_u64_key(uint8_t out[8], uint64_t v)
{
    for (int i = 7; i >= 0; i--) {
        out[i] = (uint8_t)v;
        v >>= 8;
    }
}

uint64_t regio_store_u64_decode(const void *p)
{
    const uint8_t *b = p;
    uint64_t v = 0;
    for (int i = 0; i < 8; i++)
        v = (v << 8) | b[i];
    return v;
}

int regio_store_get_u64(MDB_txn *txn, MDB_dbi dbi, const char *key, uint64_t *v)
{
    MDB_val k = {strlen(key), (void *)key}, d;
    int rc = mdb_get(txn, dbi, &k, &d);
    *v = 0;
    if (rc == MDB_NOTFOUND)
        return 0;
    if (rc != 0)
        return rc;
    if (d.mv_size == 8)
        *v = regio_store_u64_decode(d.mv_data);
    return 0;
}

int regio_store_put_u64(MDB_txn *txn, MDB_dbi dbi, const char *key, uint64_t v)
{
    uint8_t b[8];
    regio_store_u64_key(b, v);
    MDB_val k = {strlen(key), (void *)key}, d = {8, b};
    return mdb_put(txn, dbi, &k, &d, 0);
}

int regio_store_put_msg(MDB_txn *txn, MDB_dbi dbi, const void *key, size_t klen,
                        const ProtobufCMessage *msg)
{
    MDB_val k = {klen, (void *)key}, d = {protobuf_c_message_get_packed_size(msg), NULL};
    int rc = mdb_put(txn, dbi, &k, &d, MDB_RESERVE);
    if (rc != 0)
        return rc;
    protobuf_c_message_pack(msg, d.mv_data);
    return 0;
}

void **regio_store_load_all(MDB_txn *txn, MDB_dbi dbi, const ProtobufCMessageDescriptor *desc,
                            size_t *n)
{
    MDB_stat st;
    *n = 0;
    if (mdb_stat(txn, dbi, &st) != 0)
        return NULL;
    void **v = calloc(st.ms_entries ? st.ms_entries : 1, sizeof *v);
    MDB_cursor *cur;
    if (!v || mdb_cursor_open(txn, dbi, &cur) != 0)
        return v;
    MDB_val k, d;
    for (int rc = mdb_cursor_get(cur, &k, &d, MDB_FIRST); rc == 0 && *n < st.ms_entries;
         rc = mdb_cursor_get(cur, &k, &d, MDB_NEXT)) {
        void *m = protobuf_c_message_unpack(desc, NULL, d.mv_size, d.mv_data);
        if (m)
            v[(*n)++] = m;
    }
    mdb_cursor_close(cur);
    return v;
}

void regio_store_free_all(void **v, size_t n)
{
    for (size_t i = 0; v && i < n; i++)
        protobuf_c_message_free_unpacked(v[i], NULL);
    free(v);
}
