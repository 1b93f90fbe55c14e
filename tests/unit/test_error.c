/* test_error - regio_strerror explains regio, errno, LMDB and ZeroMQ codes. */
#include <criterion/criterion.h>
#include <errno.h>
#include <limits.h>
#include <lmdb.h>
#include <string.h>
#include <zmq.h>

#include "regio/error.h"

Test(error, success_is_success)
{
    cr_assert_str_eq(regio_strerror(0), "success");
}

Test(error, every_own_code_has_its_own_text)
{
    const int codes[] = {REGIO_EPARSE,    REGIO_EINVALID, REGIO_ENOTFOUND, REGIO_ERANGE,
                         REGIO_EBUSY,     REGIO_ESTALE,   REGIO_EFULL,     REGIO_ETIMEOUT,
                         REGIO_EPEER,     REGIO_ETRIMMED, REGIO_ENOTREADY, REGIO_EDUPLICATE,
                         REGIO_EFORBIDDEN, REGIO_ECONFIRM, REGIO_EDAMAGED};
    size_t n = sizeof codes / sizeof codes[0];
    for (size_t i = 0; i < n; i++) {
        const char *s = regio_strerror(codes[i]);
        cr_assert_not_null(s);
        cr_assert_str_neq(s, "unknown error", "code %d", codes[i]);
        cr_assert_gt(strlen(s), 3);
        for (size_t j = 0; j < i; j++)
            cr_assert_str_neq(s, regio_strerror(codes[j]), "%d and %d share a text", codes[i],
                              codes[j]);
    }
}

Test(error, own_codes_say_what_they_mean)
{
    cr_assert_str_eq(regio_strerror(REGIO_EFULL), "storage full");
    cr_assert_str_eq(regio_strerror(REGIO_ENOTFOUND), "unknown id");
    cr_assert_not_null(strstr(regio_strerror(REGIO_ETIMEOUT), "timed out"));
}

Test(error, negative_errno_uses_the_os_text)
{
    cr_assert_str_eq(regio_strerror(-ENOMEM), strerror(ENOMEM));
    cr_assert_str_eq(regio_strerror(-ENOENT), strerror(ENOENT));
    cr_assert_str_eq(regio_strerror(-EAGAIN), strerror(EAGAIN));
}

Test(error, lmdb_codes_use_lmdb_text)
{
    cr_assert_str_eq(regio_strerror(MDB_MAP_FULL), mdb_strerror(MDB_MAP_FULL));
    cr_assert_not_null(strstr(regio_strerror(MDB_MAP_FULL), "MDB_MAP_FULL"));
    cr_assert_str_eq(regio_strerror(MDB_NOTFOUND), mdb_strerror(MDB_NOTFOUND));
    cr_assert_str_eq(regio_strerror(MDB_KEYEXIST), mdb_strerror(MDB_KEYEXIST));
    cr_assert_str_eq(regio_strerror(MDB_LAST_ERRCODE), mdb_strerror(MDB_LAST_ERRCODE));
}

Test(error, zeromq_codes_use_zeromq_text)
{
    cr_assert_str_eq(regio_strerror(-EFSM), zmq_strerror(EFSM));
    cr_assert_str_neq(regio_strerror(-EFSM), "unknown error");
    cr_assert_str_eq(regio_strerror(-ETERM), zmq_strerror(ETERM));
    cr_assert_str_eq(regio_strerror(-EMTHREAD), zmq_strerror(EMTHREAD));
}

Test(error, codes_far_outside_every_family_yield_unknown_error)
{
    cr_assert_str_eq(regio_strerror(-2000000000), "unknown error");
    cr_assert_str_eq(regio_strerror(123456), "unknown error");
    cr_assert_not_null(regio_strerror(1));
}

Test(error, unused_codes_in_regios_own_range_yield_unknown_error)
{
    /* regio's codes run from -40000 down; the header promises "unknown
     * error" for a code that is none of the three families. */
    cr_assert_str_eq(regio_strerror(-40000), "unknown error");
    cr_assert_str_eq(regio_strerror(-40999), "unknown error");
    cr_assert_str_eq(regio_strerror(-49999), "unknown error");
}

Test(error, int_min_is_unknown_error)
{
    /* negating INT_MIN overflows: the errno range check must not do that */
    cr_assert_str_eq(regio_strerror(INT_MIN), "unknown error");
}
