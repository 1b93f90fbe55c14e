/* test_audit - the audit trail: append, read, and renaming an erased id. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "regio/audit.h"
#include "regio/error.h"
#include "regio/validate.h"
#include "store_fixture.h"

static store_fixture_t F;

static void s_setup(void)
{
    store_fixture_open(&F, NULL, NULL, 0);
}

static void s_teardown(void)
{
    store_fixture_close(&F);
}

TestSuite(audit, .init = s_setup, .fini = s_teardown, .timeout = 30);

Test(audit, rename_ref_replaces_exactly_that_ref_and_keeps_the_rest)
{
    regio_audit_t a;
    MDB_txn *txn;
    cr_assert_eq(mdb_txn_begin(F.s.env, NULL, 0, &txn), 0);
    cr_assert_eq(regio_audit_open(&a, txn), 0);
    const regio_principal_t *p = regio_principal_anonymous();
    const char *refs[] = {"l1", "l10", "l1", "o1/P1"};
    for (int i = 0; i < 4; i++)
        cr_assert_eq(regio_audit_append(&a, txn, p, "planner", "put_learner", refs[i], 1000 + i), 0);
    size_t n = 0;
    char err[200];
    cr_assert_eq(regio_validate_id("erased-0123456789abcdef", "tombstone", err, sizeof err), 0,
                 "a tombstone is a valid id wherever an id goes");
    cr_assert_eq(regio_audit_rename_ref(&a, txn, "l1", "erased-0123456789abcdef", &n), 0);
    cr_assert_eq(n, 2);
    uint8_t cursor[16] = {0};
    Regio__AuditEntry **v;
    size_t k;
    int done;
    cr_assert_eq(regio_audit_read(&a, txn, 0, "", 10, cursor, &v, &k, &done), 0);
    cr_assert_eq(k, 4);
    const char *want[] = {"erased-0123456789abcdef", "l10", "erased-0123456789abcdef", "o1/P1"};
    for (size_t i = 0; i < k; i++) {
        cr_assert_str_eq(v[i]->ref, want[i]);
        cr_assert_eq(v[i]->time_ms, 1000 + (int64_t)i, "who and when stay");
        cr_assert_str_eq(v[i]->who, "anonymous");
        regio__audit_entry__free_unpacked(v[i], NULL);
    }
    free(v);
    cr_assert_eq(regio_audit_rename_ref(&a, txn, "l1", "erased-0123456789abcdef", &n), 0);
    cr_assert_eq(n, 0, "renaming again finds nothing");
    cr_assert_eq(regio_audit_rename_ref(&a, txn, "l10", "erased-0123456789abcdef", &n),
                 REGIO_EDUPLICATE, "two learners never share a tombstone");
    cr_assert_eq(regio_audit_rename_ref(&a, txn, "l10", "o1/P1", &n), REGIO_EDUPLICATE);
    cr_assert_eq(regio_audit_read(&a, txn, 0, "", 10, (uint8_t[16]){0}, &v, &k, &done), 0);
    cr_assert_str_eq(v[1]->ref, "l10", "a refused rename writes nothing");
    for (size_t i = 0; i < k; i++)
        regio__audit_entry__free_unpacked(v[i], NULL);
    free(v);
    mdb_txn_abort(txn);
}
