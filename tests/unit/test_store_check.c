/* test_store_check - a store is proven whole, or refused with one line. */
#define _GNU_SOURCE /* memmem */
#include <criterion/criterion.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "regio/error.h"
#include "regio/planner.pb-c.h"
#include "regio/store.h"
#include "regio/store_check.h"

static char s_dir[128];

static void s_setup(void)
{
    strcpy(s_dir, "/tmp/regio-test-check-XXXXXX");
    cr_assert_not_null(mkdtemp(s_dir));
}

static void s_teardown(void)
{
    char cmd[256];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", s_dir);
    (void)system(cmd);
}

TestSuite(store_check, .init = s_setup, .fini = s_teardown, .timeout = 60);

static const regio_store_check_table_t s_tables[] = {
    {"items", &regio__placement_change__descriptor, 0},
    {"rows", NULL, 16},
    {NULL, NULL, 0},
};
static const regio_store_check_opts_t s_opts = {s_tables, "meta", "seq"};

/* A store with n protobuf items, n fixed rows, a seq and a store id; every
 * third item deleted again, so the free list is not empty. */
static void s_make(int n)
{
    regio_store_t s;
    cr_assert_eq(regio_store_open(&s, s_dir, 8u << 20, 8u << 20, 8), 0);
    MDB_txn *txn;
    MDB_dbi items, rows, meta, node;
    cr_assert_eq(mdb_txn_begin(s.env, NULL, 0, &txn), 0);
    cr_assert_eq(regio_store_table(txn, "items", &items), 0);
    cr_assert_eq(regio_store_table(txn, "rows", &rows), 0);
    cr_assert_eq(regio_store_table(txn, "meta", &meta), 0);
    cr_assert_eq(regio_store_table(txn, "node", &node), 0);
    for (int i = 0; i < n; i++) {
        char key[32], learner[32];
        snprintf(key, sizeof key, "k%06d", i);
        snprintf(learner, sizeof learner, "learner-%d", i);
        Regio__PlacementChange c = REGIO__PLACEMENT_CHANGE__INIT;
        c.learner = learner;
        c.offering = "o1";
        c.plan_version = (uint64_t)i;
        cr_assert_eq(regio_store_put_msg(txn, items, key, strlen(key), &c.base), 0);
        uint8_t row[16] = {0};
        memcpy(row, &i, sizeof i);
        MDB_val k = {strlen(key), key}, d = {16, row};
        cr_assert_eq(mdb_put(txn, rows, &k, &d, 0), 0);
    }
    cr_assert_eq(regio_store_put_u64(txn, meta, "seq", (uint64_t)n), 0);
    MDB_val k = {8, "store_id"}, d = {32, "0123456789abcdef0123456789abcdef"};
    cr_assert_eq(mdb_put(txn, node, &k, &d, 0), 0);
    cr_assert_eq(mdb_txn_commit(txn), 0);
    cr_assert_eq(mdb_txn_begin(s.env, NULL, 0, &txn), 0);
    for (int i = 0; i < n; i += 3) {
        char key[32];
        snprintf(key, sizeof key, "k%06d", i);
        MDB_val kk = {strlen(key), key};
        cr_assert_eq(mdb_del(txn, items, &kk, NULL), 0);
    }
    cr_assert_eq(mdb_txn_commit(txn), 0);
    regio_store_close(&s);
}

static char *s_path(const char *name)
{
    static char p[256];
    snprintf(p, sizeof p, "%s/%s", s_dir, name);
    return p;
}

static long s_size(void)
{
    struct stat st;
    cr_assert_eq(stat(s_path("data.mdb"), &st), 0);
    return (long)st.st_size;
}

/* Overwrite len bytes at off with byte b (or flip them when b < 0). */
static void s_damage(long off, size_t len, int b)
{
    int fd = open(s_path("data.mdb"), O_RDWR);
    cr_assert_geq(fd, 0);
    uint8_t buf[8192];
    cr_assert_leq(len, sizeof buf);
    cr_assert_eq(pread(fd, buf, len, off), (ssize_t)len);
    for (size_t i = 0; i < len; i++)
        buf[i] = b < 0 ? (uint8_t)~buf[i] : (uint8_t)b;
    cr_assert_eq(pwrite(fd, buf, len, off), (ssize_t)len);
    close(fd);
}

static int s_check(regio_store_check_t *out, char *err, size_t n)
{
    err[0] = '\0';
    return regio_store_check(s_dir, &s_opts, out, err, n);
}

Test(store_check, a_missing_store_is_new_not_damaged)
{
    regio_store_check_t out;
    char err[512];
    cr_assert_eq(s_check(&out, err, sizeof err), 0, "%s", err);
    cr_assert_eq(out.exists, 0);
}

Test(store_check, a_whole_store_reports_its_counts_seq_and_id)
{
    s_make(3000);
    regio_store_check_t out;
    char err[512];
    cr_assert_eq(s_check(&out, err, sizeof err), 0, "%s", err);
    cr_assert_eq(out.exists, 1);
    cr_assert_eq(out.tables, 4);
    cr_assert_eq(out.entries, 2000 + 3000 + 1 + 1);
    cr_assert_eq(out.seq, 3000);
    cr_assert_str_eq(out.store_id, "0123456789abcdef0123456789abcdef");
    cr_assert_eq(strlen(out.digest), 16);
    cr_assert_eq(out.verified, 0, "no digest file yet");
    cr_assert_gt(out.txnid, 0);
}

Test(store_check, a_sealed_store_verifies_and_a_flipped_value_is_found)
{
    s_make(3000);
    regio_store_check_t out, again;
    char err[512];
    cr_assert_eq(regio_store_check_seal(s_dir, &s_opts, &out, err, sizeof err), 0, "%s", err);
    cr_assert_eq(s_check(&again, err, sizeof err), 0, "%s", err);
    cr_assert_eq(again.verified, 1);
    cr_assert_str_eq(again.digest, out.digest);
    /* a byte inside a fixed-size row: no structure notices, the digest does */
    char *data;
    size_t len;
    FILE *f = fopen(s_path("data.mdb"), "rb");
    cr_assert_not_null(f);
    data = malloc((size_t)s_size());
    len = fread(data, 1, (size_t)s_size(), f);
    fclose(f);
    char *hit = memmem(data, len, "k001500", 7);
    cr_assert_not_null(hit);
    long off = hit - data;
    free(data);
    s_damage(off + 7, 1, -1); /* the row value follows its key on the leaf */
    int rc = s_check(&again, err, sizeof err);
    cr_assert_eq(rc, REGIO_EDAMAGED, "%s", err);
    cr_assert(strstr(err, "data.mdb is damaged"), "%s", err);
}

Test(store_check, truncations_and_zeroed_meta_pages_are_refused_with_one_line)
{
    s_make(3000);
    long size = s_size();
    struct {
        const char *what;
        long truncate_to;  /* or -1 */
        long zero_at, zero_len;
    } cases[] = {
        {"empty", 0, -1, 0},
        {"one page", 4096, -1, 0},
        {"half", size / 2, -1, 0},
        {"last page gone", size - 4096, -1, 0},
        {"meta 0 zeroed", -1, 0, 4096},
        {"meta 1 zeroed", -1, 4096, 4096},
    };
    char orig[600];
    snprintf(orig, sizeof orig, "cp '%s' '%s.orig'", s_path("data.mdb"), s_path("data.mdb"));
    cr_assert_eq(system(orig), 0);
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char cmd[600];
        snprintf(cmd, sizeof cmd, "cp '%s.orig' '%s'", s_path("data.mdb"), s_path("data.mdb"));
        cr_assert_eq(system(cmd), 0);
        if (cases[i].truncate_to >= 0)
            cr_assert_eq(truncate(s_path("data.mdb"), cases[i].truncate_to), 0);
        else
            s_damage(cases[i].zero_at, (size_t)cases[i].zero_len, 0);
        regio_store_check_t out;
        char err[512];
        int rc = s_check(&out, err, sizeof err);
        cr_assert_eq(rc, REGIO_EDAMAGED, "%s: rc %d: %s", cases[i].what, rc, err);
        cr_assert_null(strchr(err, '\n'), "one line");
        cr_assert(strstr(err, "data.mdb"), "%s: names the file: %s", cases[i].what, err);
    }
}

Test(store_check, a_value_that_does_not_decode_is_found_without_a_digest)
{
    s_make(100);
    regio_store_t s;
    cr_assert_eq(regio_store_open(&s, s_dir, 8u << 20, 8u << 20, 8), 0);
    MDB_txn *txn;
    MDB_dbi items;
    cr_assert_eq(mdb_txn_begin(s.env, NULL, 0, &txn), 0);
    cr_assert_eq(regio_store_table(txn, "items", &items), 0);
    MDB_val k = {4, "zzzz"}, d = {3, "\xff\xff\xff"};
    cr_assert_eq(mdb_put(txn, items, &k, &d, 0), 0);
    cr_assert_eq(mdb_txn_commit(txn), 0);
    regio_store_close(&s);
    regio_store_check_t out;
    char err[512];
    cr_assert_eq(s_check(&out, err, sizeof err), REGIO_EDAMAGED);
    cr_assert(strstr(err, "table items"), "%s", err);
}
