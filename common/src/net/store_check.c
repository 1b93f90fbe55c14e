/* store_check - meta pages by pread, then a read-only walk in a child process. */
#define _GNU_SOURCE /* pipe2 */
#include "regio/store_check.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <lmdb.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "regio/error.h"
#include "regio/file.h"

/* LMDB 0.9's on-disk meta page (lmdb/mdb.c, MDB_page + MDB_meta, 64-bit):
 * a 16-byte page header whose flags say P_META, then magic, version, and
 * the free and main table records; the page size is the free table's
 * md_pad. Offsets from the start of the page. */
#define META_FLAGS 10
#define META_MAGIC 16
#define META_VERSION 20
#define META_PSIZE 40
#define META_FREE_ROOT 80
#define META_MAIN_ROOT 128
#define META_LAST_PG 136
#define META_TXNID 144
#define META_END 152
#define P_META 0x08
#define MDB_MAGIC_V 0xBEEFC0DEu
#define MDB_DATA_V 1
#define NUM_METAS 2
#define P_INVALID UINT64_MAX

#define WHY_MAX 400
#define MAX_TABLES 128
#define NAME_MAX_ 512

typedef struct {
    uint32_t psize;
    uint64_t free_root, main_root, last_pg, txnid;
} meta_t;

/* What the child tells the parent, in one write. */
typedef struct {
    int rc;              /* 0, REGIO_EDAMAGED or a negative code */
    char why[WHY_MAX];
    uint64_t txnid, entries, tables, seq, digest;
    char store_id[33];
} report_t;

static double s_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static uint64_t s_u64(const uint8_t *p)
{
    uint64_t v;
    memcpy(&v, p, 8);
    return v;
}

static uint32_t s_u32(const uint8_t *p)
{
    uint32_t v;
    memcpy(&v, p, 4);
    return v;
}

/* Meta page i at off: 0, or 1 with why set. */
static int s_meta(int fd, off_t off, int i, meta_t *m, char *why, size_t n)
{
    uint8_t b[META_END];
    ssize_t got = pread(fd, b, sizeof b, off);
    if (got != (ssize_t)sizeof b) {
        snprintf(why, n, "meta page %d is missing (the file ends before it): truncated", i);
        return 1;
    }
    uint16_t flags;
    memcpy(&flags, b + META_FLAGS, 2);
    m->psize = s_u32(b + META_PSIZE);
    if (!(flags & P_META) || s_u32(b + META_MAGIC) != MDB_MAGIC_V) {
        snprintf(why, n, "meta page %d is damaged: it is not an LMDB meta page", i);
        return 1;
    }
    if (s_u32(b + META_VERSION) != MDB_DATA_V || m->psize < 512 || m->psize > 65536 ||
        (m->psize & (m->psize - 1))) {
        snprintf(why, n, "meta page %d is damaged: version %u, page size %u", i,
                 s_u32(b + META_VERSION), m->psize);
        return 1;
    }
    m->free_root = s_u64(b + META_FREE_ROOT);
    m->main_root = s_u64(b + META_MAIN_ROOT);
    m->last_pg = s_u64(b + META_LAST_PG);
    m->txnid = s_u64(b + META_TXNID);
    if (m->last_pg < NUM_METAS - 1 || (m->free_root != P_INVALID && m->free_root > m->last_pg) ||
        (m->main_root != P_INVALID && m->main_root > m->last_pg)) {
        snprintf(why, n, "meta page %d is damaged: a root page lies past its last page", i);
        return 1;
    }
    return 0;
}

/* Step 1: both meta pages, and a file long enough for the newer one. */
static int s_precheck(const char *path, uint64_t *size, meta_t *newer, char *why, size_t n)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return -errno;
    struct stat st;
    meta_t m[2];
    int rc = fstat(fd, &st) < 0 ? -errno : 0;
    *size = (uint64_t)st.st_size;
    if (rc == 0 && st.st_size == 0) {
        snprintf(why, n, "it is empty (0 bytes): truncated, the data is gone");
        rc = 1;
    }
    if (rc == 0)
        rc = s_meta(fd, 0, 0, &m[0], why, n);
    if (rc == 0)
        rc = s_meta(fd, m[0].psize, 1, &m[1], why, n);
    close(fd);
    if (rc != 0)
        return rc;
    if (m[1].psize != m[0].psize) {
        snprintf(why, n, "its meta pages disagree on the page size (%u, %u)", m[0].psize,
                 m[1].psize);
        return 1;
    }
    /* LMDB writes transaction t's meta to page t % 2, so the two hold
     * consecutive ids (both 0 in a store never written) */
    for (int i = 0; i < 2; i++)
        if (m[i].txnid > 0 && m[i].txnid % 2 != (uint64_t)i) {
            snprintf(why, n, "meta page %d is damaged: it names transaction %" PRIu64
                     ", which belongs on the other meta page", i, m[i].txnid);
            return 1;
        }
    if ((m[0].txnid || m[1].txnid) && m[0].txnid + 1 != m[1].txnid && m[1].txnid + 1 != m[0].txnid) {
        snprintf(why, n, "its meta pages name transactions %" PRIu64 " and %" PRIu64
                 ", not two in a row: one of them is damaged", m[0].txnid, m[1].txnid);
        return 1;
    }
    *newer = m[1].txnid > m[0].txnid ? m[1] : m[0];
    uint64_t need = (newer->last_pg + 1) * newer->psize;
    if (*size < need) {
        snprintf(why, n, "it is %" PRIu64 " bytes but its meta page names %" PRIu64
                 " pages of %u bytes (%" PRIu64 " bytes): truncated", *size, newer->last_pg + 1,
                 newer->psize, need);
        return 1;
    }
    return 0;
}

/* The content digest: a 64-bit multiply-xorshift over lengths and bytes. */
static void s_mix(uint64_t *h, const void *p, size_t n)
{
    const uint8_t *b = p;
    uint64_t x = *h ^ ((uint64_t)n * 0x9E3779B97F4A7C15ull), w;
    for (; n >= 8; b += 8, n -= 8) {
        memcpy(&w, b, 8);
        x = (x ^ w) * 0xff51afd7ed558ccdull;
        x ^= x >> 32;
    }
    w = 0;
    memcpy(&w, b, n);
    x = (x ^ w) * 0xc4ceb9fe1a85ec53ull;
    *h = x ^ (x >> 29);
}

static int s_damaged(report_t *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int s_damaged(report_t *r, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(r->why, sizeof r->why, fmt, ap);
    va_end(ap);
    return r->rc = REGIO_EDAMAGED;
}

static int s_lmdb(report_t *r, int rc, const char *where)
{
    return s_damaged(r, "LMDB reports %s in %s", mdb_strerror(rc), where);
}

/* The free list: each value is a count and that many page numbers. */
static int s_walk_free(MDB_txn *txn, uint64_t last_pg, uint64_t *free_pages, report_t *r)
{
    MDB_cursor *cur;
    int rc = mdb_cursor_open(txn, 0, &cur);
    if (rc != 0)
        return s_lmdb(r, rc, "the free list");
    MDB_val k, d;
    for (rc = mdb_cursor_get(cur, &k, &d, MDB_FIRST); rc == 0;
         rc = mdb_cursor_get(cur, &k, &d, MDB_NEXT)) {
        const uint8_t *p = d.mv_data;
        uint64_t n = d.mv_size >= 8 ? s_u64(p) : 0;
        if (d.mv_size < 8 || d.mv_size != (n + 1) * 8) {
            mdb_cursor_close(cur);
            return s_damaged(r, "a free list entry has %zu bytes for %" PRIu64 " pages",
                             d.mv_size, n);
        }
        for (uint64_t i = 1; i <= n; i++) {
            uint64_t pg = s_u64(p + 8 * i);
            if (pg < NUM_METAS || pg > last_pg) {
                mdb_cursor_close(cur);
                return s_damaged(r, "the free list names page %" PRIu64 ", outside pages 2..%"
                                 PRIu64, pg, last_pg);
            }
        }
        *free_pages += n;
    }
    mdb_cursor_close(cur);
    return rc == MDB_NOTFOUND ? 0 : s_lmdb(r, rc, "the free list");
}

static const regio_store_check_table_t *s_spec(const regio_store_check_opts_t *o,
                                               const char *name)
{
    for (const regio_store_check_table_t *t = o ? o->tables : NULL; t && t->name; t++)
        if (strcmp(t->name, name) == 0)
            return t;
    return NULL;
}

/* One value of a typed table: its size, or that it decodes. */
static int s_typed(const regio_store_check_table_t *t, const MDB_val *d)
{
    if (t->size && d->mv_size != t->size)
        return 0;
    if (!t->msg)
        return 1;
    ProtobufCMessage *m = protobuf_c_message_unpack(t->msg, NULL, d->mv_size, d->mv_data);
    if (!m)
        return 0;
    protobuf_c_message_free_unpacked(m, NULL);
    return 1;
}

static void s_note(const regio_store_check_opts_t *o, const char *name, const MDB_val *k,
                   const MDB_val *d, report_t *r)
{
    if (o && o->seq_table && strcmp(name, o->seq_table) == 0 && k->mv_size == strlen(o->seq_key) &&
        memcmp(k->mv_data, o->seq_key, k->mv_size) == 0 && d->mv_size == 8) {
        const uint8_t *b = d->mv_data;
        r->seq = 0;
        for (int i = 0; i < 8; i++)
            r->seq = (r->seq << 8) | b[i];
    }
    if (strcmp(name, "node") == 0 && k->mv_size == 8 && memcmp(k->mv_data, "store_id", 8) == 0 &&
        d->mv_size == 32) {
        memcpy(r->store_id, d->mv_data, 32);
        r->store_id[32] = '\0';
    }
}

/* Every entry of one named table. */
static int s_walk_table(MDB_txn *txn, MDB_dbi dbi, const char *name,
                        const regio_store_check_opts_t *o, uint64_t *h, report_t *r)
{
    MDB_stat st;
    MDB_cursor *cur;
    int rc = mdb_stat(txn, dbi, &st);
    if (rc != 0 || (rc = mdb_cursor_open(txn, dbi, &cur)) != 0)
        return s_lmdb(r, rc, name);
    const regio_store_check_table_t *t = s_spec(o, name);
    uint64_t n = 0;
    MDB_val k, d;
    for (rc = mdb_cursor_get(cur, &k, &d, MDB_FIRST); rc == 0;
         rc = mdb_cursor_get(cur, &k, &d, MDB_NEXT)) {
        if (++n > st.ms_entries)
            break;
        s_mix(h, name, strlen(name));
        s_mix(h, k.mv_data, k.mv_size);
        s_mix(h, d.mv_data, d.mv_size);
        if (t && !s_typed(t, &d)) {
            mdb_cursor_close(cur);
            return s_damaged(r, "table %s: the value of entry %" PRIu64 " is not a valid %s", name,
                             n, t->msg ? t->msg->short_name : "fixed-size row");
        }
        s_note(o, name, &k, &d, r);
    }
    mdb_cursor_close(cur);
    if (rc != 0 && rc != MDB_NOTFOUND)
        return s_lmdb(r, rc, name);
    if (n != st.ms_entries)
        return s_damaged(r, "table %s holds %s entries than its header says (%" PRIu64 ")", name,
                         n > st.ms_entries ? "more" : "fewer", (uint64_t)st.ms_entries);
    r->entries += n;
    return 0;
}

/* Pages of one table's tree, for the page count. */
static uint64_t s_tree_pages(const MDB_stat *st)
{
    return st->ms_branch_pages + st->ms_leaf_pages + st->ms_overflow_pages;
}

/* The main table names the others; walk each. */
static int s_walk_all(MDB_txn *txn, const regio_store_check_opts_t *o, uint64_t *tree_pages,
                      report_t *r)
{
    MDB_dbi main;
    MDB_cursor *cur;
    int rc = mdb_dbi_open(txn, NULL, 0, &main);
    if (rc != 0 || (rc = mdb_cursor_open(txn, main, &cur)) != 0)
        return s_lmdb(r, rc, "the main table");
    MDB_val k, d;
    uint64_t h = 0;
    for (rc = mdb_cursor_get(cur, &k, &d, MDB_FIRST); rc == 0 && r->rc == 0;
         rc = mdb_cursor_get(cur, &k, &d, MDB_NEXT)) {
        char name[NAME_MAX_];
        if (k.mv_size == 0 || k.mv_size >= sizeof name || memchr(k.mv_data, 0, k.mv_size)) {
            s_damaged(r, "the main table has a key that is no table name");
            break;
        }
        memcpy(name, k.mv_data, k.mv_size);
        name[k.mv_size] = '\0';
        MDB_dbi dbi;
        MDB_stat st;
        int orc = mdb_dbi_open(txn, name, 0, &dbi);
        if (orc == MDB_INCOMPATIBLE) { /* a plain record in the main table */
            s_mix(&h, k.mv_data, k.mv_size);
            s_mix(&h, d.mv_data, d.mv_size);
            continue;
        }
        if (orc != 0 || (orc = mdb_stat(txn, dbi, &st)) != 0) {
            s_lmdb(r, orc, name);
            break;
        }
        *tree_pages += s_tree_pages(&st);
        r->tables++;
        s_walk_table(txn, dbi, name, o, &h, r);
    }
    mdb_cursor_close(cur);
    r->digest = h;
    if (r->rc == 0 && rc != MDB_NOTFOUND)
        s_lmdb(r, rc, "the main table");
    return r->rc;
}

/* Step 2, in the child: open read-only, walk, check the page count. */
static void s_walk(const char *dir, uint64_t size, const meta_t *m,
                   const regio_store_check_opts_t *o, report_t *r)
{
    MDB_env *env;
    MDB_txn *txn;
    int rc = mdb_env_create(&env);
    if (rc != 0) {
        r->rc = rc > 0 ? -rc : rc;
        snprintf(r->why, sizeof r->why, "%s", mdb_strerror(rc));
        return;
    }
    mdb_env_set_maxdbs(env, MAX_TABLES);
    mdb_env_set_mapsize(env, (size_t)size);
    rc = mdb_env_open(env, dir, MDB_RDONLY | MDB_NOLOCK | MDB_NOTLS, 0);
    if (rc == 0)
        rc = mdb_txn_begin(env, NULL, MDB_RDONLY, &txn);
    if (rc != 0) {
        s_lmdb(r, rc, "opening it read-only");
        mdb_env_close(env);
        return;
    }
    MDB_envinfo info;
    mdb_env_info(env, &info);
    r->txnid = (uint64_t)info.me_last_txnid;
    uint64_t free_pages = 0, tree_pages = 0;
    MDB_stat fs, ms;
    if (s_walk_free(txn, m->last_pg, &free_pages, r) == 0 && s_walk_all(txn, o, &tree_pages, r) == 0 &&
        mdb_stat(txn, 0, &fs) == 0 && mdb_stat(txn, 1, &ms) == 0) {
        uint64_t used = NUM_METAS + s_tree_pages(&fs) + s_tree_pages(&ms) + tree_pages + free_pages;
        if (used != m->last_pg + 1)
            s_damaged(r, "its trees and free list account for %" PRIu64 " pages, not the %" PRIu64
                      " its meta page names", used, m->last_pg + 1);
    }
    mdb_txn_abort(txn);
    mdb_env_close(env);
}

static int s_write_all(int fd, const void *p, size_t n)
{
    const char *b = p;
    while (n > 0) {
        ssize_t w = write(fd, b, n);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return -1;
        b += w;
        n -= (size_t)w;
    }
    return 0;
}

/* Run the walk in a child; a child killed by a signal means damage. */
static int s_walk_child(const char *dir, uint64_t size, const meta_t *m,
                        const regio_store_check_opts_t *o, report_t *r)
{
    int p[2];
    if (pipe2(p, O_CLOEXEC) < 0)
        return -errno;
    pid_t pid = fork();
    if (pid < 0) {
        int e = -errno;
        close(p[0]);
        close(p[1]);
        return e;
    }
    if (pid == 0) {
        signal(SIGBUS, SIG_DFL);
        signal(SIGSEGV, SIG_DFL);
        close(p[0]);
        s_walk(dir, size, m, o, r);
        _exit(s_write_all(p[1], r, sizeof *r) == 0 ? 0 : 3);
    }
    close(p[1]);
    size_t got = 0;
    while (got < sizeof *r) {
        ssize_t n = read(p[0], (char *)r + got, sizeof *r - got);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            break;
        got += (size_t)n;
    }
    close(p[0]);
    int status;
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
    if (WIFSIGNALED(status))
        return s_damaged(r, "a read-only walk of it died of signal %d (%s): a damaged page or "
                         "one past the end", WTERMSIG(status), strsignal(WTERMSIG(status)));
    if (got != sizeof *r || !WIFEXITED(status) || WEXITSTATUS(status) != 0)
        return s_damaged(r, "a read-only walk of it failed (exit status %d)",
                         WIFEXITED(status) ? WEXITSTATUS(status) : -1);
    return r->rc;
}

/* Compare with dir/store-digest when it names the same transaction. */
static int s_compare_digest(const char *dir, regio_store_check_t *out, report_t *r)
{
    char path[4096], *text = NULL, want[17] = "";
    unsigned long long txnid = 0;
    snprintf(path, sizeof path, "%s/store-digest", dir);
    if (regio_file_read(path, &text, NULL) < 0)
        return 0;
    int n = sscanf(text, "%llu %16s", &txnid, want);
    free(text);
    if (n != 2 || txnid != out->txnid)
        return 0;
    if (strcmp(want, out->digest) != 0)
        return s_damaged(r, "its content differs from the digest written when it was last closed "
                         "cleanly (transaction %llu): damaged at rest; or remove %s to accept it",
                         txnid, path);
    out->verified = 1;
    return 0;
}

int regio_store_check(const char *dir, const regio_store_check_opts_t *opts,
                      regio_store_check_t *out, char *err, size_t errlen)
{
    double t0 = s_now_ms();
    char path[4096];
    memset(out, 0, sizeof *out);
    snprintf(path, sizeof path, "%s/data.mdb", dir);
    report_t r;
    memset(&r, 0, sizeof r);
    meta_t m = {0};
    int rc = s_precheck(path, &out->size, &m, r.why, sizeof r.why);
    if (rc == -ENOENT)
        return 0;
    out->exists = 1;
    if (rc < 0) {
        snprintf(err, errlen, "%s: %s", path, strerror(-rc));
        return rc;
    }
    if (rc == 0)
        rc = s_walk_child(dir, out->size, &m, opts, &r);
    else
        rc = REGIO_EDAMAGED;
    if (rc == 0) {
        out->pages = m.last_pg + 1;
        out->txnid = r.txnid;
        out->entries = r.entries;
        out->tables = r.tables;
        out->seq = r.seq;
        memcpy(out->store_id, r.store_id, sizeof out->store_id);
        snprintf(out->digest, sizeof out->digest, "%016" PRIx64, r.digest);
        rc = s_compare_digest(dir, out, &r);
    }
    out->ms = s_now_ms() - t0;
    if (rc == REGIO_EDAMAGED)
        snprintf(err, errlen, "%s is damaged: %s", path, r.why);
    else if (rc < 0)
        snprintf(err, errlen, "%s: cannot check it: %s", path, r.why[0] ? r.why : regio_strerror(rc));
    return rc;
}

int regio_store_check_write_digest(const char *dir, uint64_t txnid, const char *digest)
{
    char path[4096], line[64];
    snprintf(path, sizeof path, "%s/store-digest", dir);
    int n = snprintf(line, sizeof line, "%" PRIu64 " %s\n", txnid, digest);
    return regio_file_write_atomic(path, line, (size_t)n);
}

int regio_store_check_seal(const char *dir, const regio_store_check_opts_t *opts,
                           regio_store_check_t *out, char *err, size_t errlen)
{
    int rc = regio_store_check(dir, opts, out, err, errlen);
    if (rc < 0 || !out->exists)
        return rc;
    if ((rc = regio_store_check_write_digest(dir, out->txnid, out->digest)) < 0)
        snprintf(err, errlen, "%s/store-digest: %s", dir, strerror(-rc));
    return rc;
}
