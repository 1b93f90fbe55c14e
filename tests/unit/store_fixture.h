/* store_fixture - a throwaway LMDB store in /tmp for one test, with the
 * tables the test names opened. Header-only, for tests. */
#ifndef REGIO_TEST_STORE_FIXTURE_H
#define REGIO_TEST_STORE_FIXTURE_H

#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "regio/store.h"

typedef struct {
    char dir[128];  /* its folder, removed by store_fixture_close */
    regio_store_t s;
} store_fixture_t;

/* Open a fresh store and its n tables names[i] into dbi[i]. */
static inline void store_fixture_open(store_fixture_t *f, const char *const *names, MDB_dbi *dbi,
                                      int n)
{
    strcpy(f->dir, "/tmp/regio-test-XXXXXX");
    cr_assert_not_null(mkdtemp(f->dir));
    cr_assert_eq(regio_store_open(&f->s, f->dir, 1u << 20, 16u << 20, 8), 0);
    MDB_txn *txn;
    cr_assert_eq(mdb_txn_begin(f->s.env, NULL, 0, &txn), 0);
    for (int i = 0; i < n; i++)
        cr_assert_eq(regio_store_table(txn, names[i], &dbi[i]), 0);
    cr_assert_eq(mdb_txn_commit(txn), 0);
}

static inline void store_fixture_close(store_fixture_t *f)
{
    regio_store_close(&f->s);
    char cmd[256];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", f->dir);
    (void)system(cmd);
}

#endif
