/* test_privacy - how fine a home is kept, and tombstones for erased learners. */
#include <criterion/criterion.h>
#include <string.h>

#include "regio/privacy.h"

Test(privacy, homes_are_rounded_to_three_decimals)
{
    cr_assert_eq(regio_privacy_home_round(51.58765), 51.588);
    cr_assert_eq(regio_privacy_home_round(4.78149), 4.781);
    cr_assert_eq(regio_privacy_home_round(-0.12351), -0.124);
    cr_assert_eq(regio_privacy_home_round(180.0), 180.0);
}

Test(privacy, rounding_a_rounded_home_changes_nothing)
{
    /* a rounded value survives JSON and protobuf: rounding it again is a no-op */
    for (int i = -90000; i <= 90000; i += 7) {
        double once = regio_privacy_home_round(i / 1000.0 + 0.00049);
        cr_assert_eq(regio_privacy_home_round(once), once, "at %d", i);
    }
}

Test(privacy, fresh_tombstones_are_well_formed_and_differ)
{
    char a[REGIO_TOMBSTONE_LEN + 1], b[REGIO_TOMBSTONE_LEN + 1];
    cr_assert_eq(regio_privacy_tombstone_new(a, sizeof a), 0);
    cr_assert_eq(regio_privacy_tombstone_new(b, sizeof b), 0);
    cr_assert_eq(strlen(a), REGIO_TOMBSTONE_LEN);
    cr_assert(regio_privacy_tombstone_ok(a), "%s", a);
    cr_assert(regio_privacy_tombstone_ok(b), "%s", b);
    cr_assert_str_neq(a, b);
    cr_assert_lt(regio_privacy_tombstone_new(a, REGIO_TOMBSTONE_LEN), 0, "no room for the NUL");
}

Test(privacy, tombstone_check_refuses_anything_else)
{
    cr_assert(regio_privacy_tombstone_ok("erased-0123456789abcdef"));
    cr_assert_not(regio_privacy_tombstone_ok(NULL));
    cr_assert_not(regio_privacy_tombstone_ok(""));
    cr_assert_not(regio_privacy_tombstone_ok("l7"));
    cr_assert_not(regio_privacy_tombstone_ok("erased-0123456789ABCDEF"), "lowercase only");
    cr_assert_not(regio_privacy_tombstone_ok("erased-0123456789abcde"), "too short");
    cr_assert_not(regio_privacy_tombstone_ok("erased-0123456789abcdef0"), "too long");
    cr_assert_not(regio_privacy_tombstone_ok("erazed-0123456789abcdef"));
    cr_assert_not(regio_privacy_tombstone_ok("erased-0123456789abcdeg"));
}
