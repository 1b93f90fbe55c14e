/* test_store - LMDB environments: tables, u64 keys, messages, a full map. */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "regio/error.h"
#include "regio/planner.pb-c.h"
#include "regio/store.h"

static char s_dir[128];

static void s_setup(void)
{
    strcpy(s_dir, "/tmp/regio-test-store-XXXXXX");
    cr_assert_not_null(mkdtemp(s_dir));
}

static void s_teardown(void)
{
    char cmd[256];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", s_dir);
    (void)system(cmd);
}

TestSuite(store, .init = s_setup, .fini = s_teardown, .timeout = 30);

#define KIB 1024u
#define MIB (1024u * 1024u)

static void s_open(regio_store_t *s, size_t map, size_t max)
{
    int rc = regio_store_open(s, s_dir, map, max, 4);
    cr_assert_eq(rc, 0, "open: %s", regio_strerror(rc));
}

Test(store, open_creates_missing_dirs_and_close_is_idempotent)
{
    char sub[256];
    snprintf(sub, sizeof sub, "%s/a/b/env", s_dir);
    regio_store_t s;
    cr_assert_eq(regio_store_open(&s, sub, MIB, 4 * MIB, 2), 0);
    cr_assert_not_null(s.env);
    cr_assert_geq(s.map_size, MIB);
    cr_assert_eq(s.map_max, 4 * MIB);
    struct stat st;
    char data[300];
    snprintf(data, sizeof data, "%s/data.mdb", sub);
    cr_assert_eq(stat(data, &st), 0);
    regio_store_close(&s);
    cr_assert_null(s.env);
    regio_store_close(&s);
}

Test(store, open_failure_leaves_env_null)
{
    char path[256];
    snprintf(path, sizeof path, "%s/file", s_dir);
    fclose(fopen(path, "w"));
    snprintf(path, sizeof path, "%s/file/env", s_dir);
    regio_store_t s;
    cr_assert_lt(regio_store_open(&s, path, MIB, MIB, 2), 0);
    cr_assert_null(s.env);
}

Test(store, map_max_below_the_map_is_raised_to_it)
{
    regio_store_t s;
    s_open(&s, 2 * MIB, MIB);
    cr_assert_eq(s.map_max, s.map_size);
    cr_assert_eq(regio_store_grow(&s), REGIO_EFULL);
    regio_store_close(&s);
}

Test(store, u64_keys_are_big_endian_and_round_trip)
{
    uint8_t k[8];
    regio_store_u64_key(k, 0x0102030405060708ull);
    const uint8_t want[8] = {1, 2, 3, 4, 5, 6, 7, 8};
    cr_assert(memcmp(k, want, 8) == 0);
    const uint64_t vs[] = {0, 1, 255, 256, 0xffffffffull, 0x8000000000000000ull, UINT64_MAX};
    for (size_t i = 0; i < sizeof vs / sizeof vs[0]; i++) {
        regio_store_u64_key(k, vs[i]);
        cr_assert_eq(regio_store_u64_decode(k), vs[i]);
    }
}

Test(store, u64_keys_iterate_in_numeric_order)
{
    regio_store_t s;
    s_open(&s, MIB, MIB);
    MDB_txn *txn;
    MDB_dbi dbi;
    cr_assert_eq(mdb_txn_begin(s.env, NULL, 0, &txn), 0);
    cr_assert_eq(regio_store_table(txn, "seq", &dbi), 0);
    const uint64_t vs[] = {256, 1, 70000, 255, 0x100000000ull, 2, 65536, 0};
    for (size_t i = 0; i < sizeof vs / sizeof vs[0]; i++) {
        uint8_t k[8];
        regio_store_u64_key(k, vs[i]);
        MDB_val key = {8, k}, val = {1, "x"};
        cr_assert_eq(mdb_put(txn, dbi, &key, &val, 0), 0);
    }
    cr_assert_eq(mdb_txn_commit(txn), 0);
    cr_assert_eq(mdb_txn_begin(s.env, NULL, MDB_RDONLY, &txn), 0);
    MDB_cursor *cur;
    cr_assert_eq(mdb_cursor_open(txn, dbi, &cur), 0);
    MDB_val k, v;
    uint64_t prev = 0;
    int n = 0;
    for (int rc = mdb_cursor_get(cur, &k, &v, MDB_FIRST); rc == 0;
         rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT), n++) {
        uint64_t x = regio_store_u64_decode(k.mv_data);
        if (n > 0)
            cr_assert_gt(x, prev, "%llu after %llu", (unsigned long long)x,
                         (unsigned long long)prev);
        prev = x;
    }
    cr_assert_eq(n, 8);
    cr_assert_eq(prev, 0x100000000ull);
    mdb_cursor_close(cur);
    mdb_txn_abort(txn);
    regio_store_close(&s);
}

Test(store, get_u64_of_an_absent_key_is_zero)
{
    regio_store_t s;
    s_open(&s, MIB, MIB);
    MDB_txn *txn;
    MDB_dbi dbi;
    cr_assert_eq(mdb_txn_begin(s.env, NULL, 0, &txn), 0);
    cr_assert_eq(regio_store_table(txn, "meta", &dbi), 0);
    uint64_t v = 77;
    cr_assert_eq(regio_store_get_u64(txn, dbi, "seq", &v), 0);
    cr_assert_eq(v, 0);
    mdb_txn_abort(txn);
    regio_store_close(&s);
}

Test(store, put_u64_survives_commit_and_reopen)
{
    regio_store_t s;
    s_open(&s, MIB, MIB);
    MDB_txn *txn;
    MDB_dbi dbi;
    cr_assert_eq(mdb_txn_begin(s.env, NULL, 0, &txn), 0);
    cr_assert_eq(regio_store_table(txn, "meta", &dbi), 0);
    cr_assert_eq(regio_store_put_u64(txn, dbi, "seq", 0x1122334455667788ull), 0);
    cr_assert_eq(regio_store_put_u64(txn, dbi, "version", 3), 0);
    cr_assert_eq(mdb_txn_commit(txn), 0);
    regio_store_close(&s);

    s_open(&s, MIB, MIB);
    cr_assert_eq(mdb_txn_begin(s.env, NULL, 0, &txn), 0);
    cr_assert_eq(regio_store_table(txn, "meta", &dbi), 0);
    uint64_t v = 0;
    cr_assert_eq(regio_store_get_u64(txn, dbi, "seq", &v), 0);
    cr_assert_eq(v, 0x1122334455667788ull);
    cr_assert_eq(regio_store_get_u64(txn, dbi, "version", &v), 0);
    cr_assert_eq(v, 3);
    /* the stored bytes are big-endian too */
    MDB_val k = {3, "seq"}, d;
    cr_assert_eq(mdb_get(txn, dbi, &k, &d), 0);
    cr_assert_eq(d.mv_size, 8);
    cr_assert_eq(((uint8_t *)d.mv_data)[0], 0x11);
    mdb_txn_abort(txn);
    regio_store_close(&s);
}

Test(store, get_u64_of_a_value_of_another_size_is_zero)
{
    regio_store_t s;
    s_open(&s, MIB, MIB);
    MDB_txn *txn;
    MDB_dbi dbi;
    cr_assert_eq(mdb_txn_begin(s.env, NULL, 0, &txn), 0);
    cr_assert_eq(regio_store_table(txn, "meta", &dbi), 0);
    MDB_val k = {3, "odd"}, d = {3, "abc"};
    cr_assert_eq(mdb_put(txn, dbi, &k, &d, 0), 0);
    uint64_t v = 9;
    cr_assert_eq(regio_store_get_u64(txn, dbi, "odd", &v), 0);
    cr_assert_eq(v, 0);
    mdb_txn_abort(txn);
    regio_store_close(&s);
}

static Regio__Placement *s_placement(Regio__Placement *p, const char *learner, uint32_t *slots,
                                     size_t n)
{
    regio__placement__init(p);
    p->learner = (char *)learner;
    p->period = "P1";
    p->offering = "o7";
    p->slots = slots;
    p->n_slots = n;
    return p;
}

Test(store, put_msg_then_load_all_gives_every_message_in_key_order)
{
    regio_store_t s;
    s_open(&s, MIB, MIB);
    MDB_txn *txn;
    MDB_dbi dbi;
    cr_assert_eq(mdb_txn_begin(s.env, NULL, 0, &txn), 0);
    cr_assert_eq(regio_store_table(txn, "placements", &dbi), 0);
    uint32_t slots[] = {0, 1, 4};
    const char *ids[] = {"l3", "l1", "l2"};
    for (int i = 0; i < 3; i++) {
        Regio__Placement p;
        s_placement(&p, ids[i], slots, (size_t)i + 1);
        cr_assert_eq(regio_store_put_msg(txn, dbi, ids[i], 2, &p.base), 0);
    }
    /* a value that does not unpack is skipped */
    MDB_val k = {2, "zz"}, d = {2, "\x0a\xff"};
    cr_assert_eq(mdb_put(txn, dbi, &k, &d, 0), 0);
    cr_assert_eq(mdb_txn_commit(txn), 0);

    cr_assert_eq(mdb_txn_begin(s.env, NULL, MDB_RDONLY, &txn), 0);
    size_t n = 99;
    void **v = regio_store_load_all(txn, dbi, &regio__placement__descriptor, &n);
    mdb_txn_abort(txn);
    cr_assert_not_null(v);
    cr_assert_eq(n, 3);
    const char *want[] = {"l1", "l2", "l3"};
    const size_t want_slots[] = {2, 3, 1};
    for (size_t i = 0; i < n; i++) {
        Regio__Placement *p = v[i];
        cr_assert_str_eq(p->learner, want[i]);
        cr_assert_str_eq(p->offering, "o7");
        cr_assert_eq(p->n_slots, want_slots[i]);
        cr_assert_eq(p->slots[0], 0);
    }
    regio_store_free_all(v, n);
    regio_store_free_all(NULL, 0);
    regio_store_close(&s);
}

Test(store, load_all_of_an_empty_table_is_empty)
{
    regio_store_t s;
    s_open(&s, MIB, MIB);
    MDB_txn *txn;
    MDB_dbi dbi;
    cr_assert_eq(mdb_txn_begin(s.env, NULL, 0, &txn), 0);
    cr_assert_eq(regio_store_table(txn, "empty", &dbi), 0);
    size_t n = 5;
    void **v = regio_store_load_all(txn, dbi, &regio__placement__descriptor, &n);
    cr_assert_eq(n, 0);
    regio_store_free_all(v, n);
    mdb_txn_abort(txn);
    regio_store_close(&s);
}

Test(store, store_err_maps_full_conditions_to_efull)
{
    cr_assert_eq(regio_store_err(MDB_MAP_FULL), REGIO_EFULL);
    cr_assert_eq(regio_store_err(ENOSPC), REGIO_EFULL);
    cr_assert_eq(regio_store_err(-ENOSPC), REGIO_EFULL);
    cr_assert_eq(regio_store_err(EDQUOT), REGIO_EFULL);
    cr_assert_eq(regio_store_err(-EDQUOT), REGIO_EFULL);
    cr_assert_eq(regio_store_err(0), 0);
    cr_assert_eq(regio_store_err(MDB_NOTFOUND), MDB_NOTFOUND);
    cr_assert_eq(regio_store_err(EIO), -EIO, "positive errno from LMDB becomes negative");
    cr_assert_eq(regio_store_err(-EIO), -EIO);
}

/* Put 1 KiB values under "k<i>" in one transaction each, from *next on,
 * until a put or commit fails; returns the LMDB code of the failure. */
static int s_fill(regio_store_t *s, MDB_dbi dbi, int *next, int limit)
{
    static char blob[1024];
    memset(blob, 'v', sizeof blob);
    for (; *next < limit; (*next)++) {
        MDB_txn *txn;
        int rc = mdb_txn_begin(s->env, NULL, 0, &txn);
        if (rc != 0)
            return rc;
        char key[32];
        snprintf(key, sizeof key, "k%06d", *next);
        MDB_val k = {strlen(key), key}, d = {sizeof blob, blob};
        rc = mdb_put(txn, dbi, &k, &d, 0);
        if (rc != 0) {
            mdb_txn_abort(txn);
            return rc;
        }
        if ((rc = mdb_txn_commit(txn)) != 0)
            return rc;
    }
    return 0;
}

static int s_count(regio_store_t *s, MDB_dbi dbi)
{
    MDB_txn *txn;
    cr_assert_eq(mdb_txn_begin(s->env, NULL, MDB_RDONLY, &txn), 0);
    MDB_stat st;
    cr_assert_eq(mdb_stat(txn, dbi, &st), 0);
    mdb_txn_abort(txn);
    return (int)st.ms_entries;
}

static MDB_dbi s_table(regio_store_t *s, const char *name)
{
    MDB_txn *txn;
    MDB_dbi dbi;
    cr_assert_eq(mdb_txn_begin(s->env, NULL, 0, &txn), 0);
    cr_assert_eq(regio_store_table(txn, name, &dbi), 0);
    cr_assert_eq(mdb_txn_commit(txn), 0);
    return dbi;
}

Test(store, full_map_is_efull_and_keeps_earlier_commits)
{
    regio_store_t s;
    s_open(&s, 64 * KIB, 64 * KIB);
    MDB_dbi dbi = s_table(&s, "blobs");
    int next = 0;
    int rc = s_fill(&s, dbi, &next, 100000);
    cr_assert_eq(rc, MDB_MAP_FULL, "fill ended with %s", regio_strerror(rc));
    cr_assert_eq(regio_store_err(rc), REGIO_EFULL);
    cr_assert_gt(next, 0, "not even one value fitted");
    cr_assert_eq(regio_store_grow(&s), REGIO_EFULL, "grow past map_max");
    cr_assert_eq(s_count(&s, dbi), next);
    regio_store_close(&s);

    /* the aborted write left the committed ones intact */
    s_open(&s, 64 * KIB, 64 * KIB);
    dbi = s_table(&s, "blobs");
    cr_assert_eq(s_count(&s, dbi), next);
    regio_store_close(&s);
}

Test(store, grow_makes_room_up_to_map_max)
{
    regio_store_t s;
    s_open(&s, 64 * KIB, 256 * KIB);
    MDB_dbi dbi = s_table(&s, "blobs");
    int next = 0;
    cr_assert_eq(s_fill(&s, dbi, &next, 100000), MDB_MAP_FULL);
    int first_full = next;
    size_t before = s.map_size;
    cr_assert_eq(regio_store_grow(&s), 0);
    cr_assert_eq(s.map_size, before * 2);
    /* the write that failed now works */
    cr_assert_eq(s_fill(&s, dbi, &next, first_full + 1), 0);
    cr_assert_eq(s_count(&s, dbi), first_full + 1);
    MDB_envinfo info;
    mdb_env_info(s.env, &info);
    cr_assert_eq(info.me_mapsize, s.map_size);
    /* grow again until the cap, then EFULL */
    cr_assert_eq(regio_store_grow(&s), 0);
    cr_assert_eq(s.map_size, 256 * KIB);
    cr_assert_eq(regio_store_grow(&s), REGIO_EFULL);
    cr_assert_eq(s.map_size, 256 * KIB);
    regio_store_close(&s);
}

Test(store, grow_is_capped_at_map_max_not_a_power_of_two)
{
    regio_store_t s;
    s_open(&s, 64 * KIB, 100 * KIB);
    cr_assert_eq(regio_store_grow(&s), 0);
    cr_assert_eq(s.map_size, 100 * KIB);
    cr_assert_eq(regio_store_grow(&s), REGIO_EFULL);
    regio_store_close(&s);
}

Test(store, put_msg_into_a_full_map_fails_with_map_full)
{
    regio_store_t s;
    s_open(&s, 64 * KIB, 64 * KIB);
    MDB_dbi dbi = s_table(&s, "msgs");
    static uint32_t slots[4000];
    Regio__Placement p;
    s_placement(&p, "l1", slots, 4000);
    int rc = 0;
    int i;
    for (i = 0; i < 1000 && rc == 0; i++) {
        MDB_txn *txn;
        cr_assert_eq(mdb_txn_begin(s.env, NULL, 0, &txn), 0);
        char key[16];
        snprintf(key, sizeof key, "m%04d", i);
        rc = regio_store_put_msg(txn, dbi, key, strlen(key), &p.base);
        if (rc == 0)
            rc = mdb_txn_commit(txn);
        else
            mdb_txn_abort(txn);
    }
    cr_assert_eq(regio_store_err(rc), REGIO_EFULL, "got %s", regio_strerror(rc));
    cr_assert_eq(s_count(&s, dbi), i - 1);
    regio_store_close(&s);
}

/* regio_store_write's fill: n values of 64 KiB under keys k0.., in table t. */
typedef struct {
    MDB_dbi dbi;
    int n, runs;
} big_t;

static int s_fill_big(void *arg, MDB_txn *txn)
{
    big_t *f = arg;
    static char big[64 * 1024];
    f->runs++;
    int rc = regio_store_table(txn, "t", &f->dbi);
    for (int i = 0; rc == 0 && i < f->n; i++) {
        char key[16];
        snprintf(key, sizeof key, "k%d", i);
        MDB_val k = {strlen(key), key}, d = {sizeof big, big};
        rc = mdb_put(txn, f->dbi, &k, &d, 0);
    }
    return rc;
}

Test(store, write_grows_a_full_map_once_and_runs_the_fill_again)
{
    regio_store_t s;
    s_open(&s, MIB, 4 * MIB);
    big_t f = {.n = 24}; /* 1.5 MiB: more than the first map */
    cr_assert_eq(regio_store_write(&s, s_fill_big, &f), 0, "%s", s.why);
    cr_assert_eq(f.runs, 2);
    cr_assert_eq(s.map_size, 2 * MIB);
    cr_assert_eq(s.failing, 0, "a growth that succeeds is no failure");
    cr_assert_eq(s.failures, 0);
    regio_store_close(&s);
}

Test(store, write_at_the_cap_fails_as_full_naming_the_map_then_recovers)
{
    regio_store_t s;
    s_open(&s, MIB, MIB);
    big_t f = {.n = 24};
    cr_assert_eq(regio_store_write(&s, s_fill_big, &f), REGIO_EFULL);
    cr_assert_eq(s.failing, 1);
    cr_assert_eq(s.failures, 1);
    cr_assert(strstr(s.why, "storage full: the LMDB map"), "%s", s.why);
    cr_assert(strstr(s.why, "map-max-mb"), "%s", s.why);
    f.n = 2;
    cr_assert_eq(regio_store_write(&s, s_fill_big, &f), 0, "%s", s.why);
    cr_assert_eq(s.failing, 0, "a commit that wrote ends the failure");
    regio_store_close(&s);
}

Test(store, write_cannot_grow_while_a_copy_reads_the_map)
{
    regio_store_t s;
    s_open(&s, MIB, 4 * MIB);
    s.copying = 1;
    big_t f = {.n = 24};
    cr_assert_eq(regio_store_write(&s, s_fill_big, &f), REGIO_EBUSY);
    cr_assert_eq(s.map_size, MIB, "no remap under a reader");
    cr_assert(strstr(s.why, "backup"), "%s", s.why);
    s.copying = 0;
    cr_assert_eq(regio_store_write(&s, s_fill_big, &f), 0, "%s", s.why);
    regio_store_close(&s);
}

Test(store, failures_are_classified_and_name_the_os_error)
{
    regio_store_t s;
    s_open(&s, MIB, MIB);
    cr_assert_eq(regio_store_failed(&s, ENOSPC), REGIO_EFULL);
    cr_assert(strstr(s.why, "storage full: No space left on device"), "%s", s.why);
    cr_assert(strstr(s.why, "data.mdb"), "%s", s.why);
    cr_assert_eq(regio_store_failed(&s, -EDQUOT), REGIO_EFULL);
    /* /tmp has room: an EIO there is a failing disk, not a full one */
    cr_assert_eq(regio_store_failed(&s, EIO), -EIO);
    cr_assert(strstr(s.why, "storage error: Input/output error"), "%s", s.why);
    cr_assert_eq(regio_store_failed(&s, MDB_CORRUPTED), MDB_CORRUPTED);
    cr_assert(strstr(s.why, "MDB_CORRUPTED"), "%s", s.why);
    cr_assert_eq(s.failures, 4);
    cr_assert_eq(s.fatal, 0);
    regio_store_committed(&s); /* nothing written since: still failing */
    cr_assert_eq(s.failing, 1);
    regio_store_close(&s);
}
