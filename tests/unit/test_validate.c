/* test_validate - ids, coordinates, texts and dates that arrive from outside. */
#include <criterion/criterion.h>
#include <math.h>
#include <string.h>

#include "regio/error.h"
#include "regio/validate.h"

static char s_err[256];

static void s_clear(void)
{
    memset(s_err, 0, sizeof s_err);
}

TestSuite(validate, .init = s_clear);

static char *s_repeat(char *buf, char c, size_t n)
{
    memset(buf, c, n);
    buf[n] = '\0';
    return buf;
}

Test(validate, id_of_every_allowed_character_is_accepted)
{
    cr_assert_eq(regio_validate_id("abcXYZ019._:-", "offering", s_err, sizeof s_err), 0);
    cr_assert_eq(regio_validate_id("a", "offering", s_err, sizeof s_err), 0);
}

Test(validate, id_of_64_chars_is_accepted_65_is_not)
{
    char buf[80];
    cr_assert_eq(regio_validate_id(s_repeat(buf, 'a', 64), "learner", s_err, sizeof s_err), 0);
    cr_assert_eq(regio_validate_id(s_repeat(buf, 'a', 65), "learner", s_err, sizeof s_err),
                 REGIO_EINVALID);
    cr_assert_not_null(strstr(s_err, "learner"), "err: %s", s_err);
    cr_assert_not_null(strstr(s_err, "64"), "err: %s", s_err);
}

Test(validate, empty_and_null_ids_are_rejected)
{
    cr_assert_eq(regio_validate_id("", "partner p", s_err, sizeof s_err), REGIO_EINVALID);
    cr_assert_not_null(strstr(s_err, "partner p"));
    s_clear();
    cr_assert_eq(regio_validate_id(NULL, "partner p", s_err, sizeof s_err), REGIO_EINVALID);
    cr_assert_not_null(strstr(s_err, "partner p"));
}

Test(validate, slash_is_rejected_because_it_separates_topics)
{
    cr_assert_eq(regio_validate_id("a/b", "offering o7", s_err, sizeof s_err), REGIO_EINVALID);
    cr_assert_not_null(strstr(s_err, "offering o7"), "err: %s", s_err);
}

Test(validate, other_bad_characters_are_rejected)
{
    const char *bad[] = {"a b", "a\tb", "a\nb", "é", "a\x7f", "a*", "a#b", "a\"b", "a,b"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        cr_assert_eq(regio_validate_id(bad[i], "id", s_err, sizeof s_err), REGIO_EINVALID,
                     "'%s' accepted", bad[i]);
}

Test(validate, err_may_be_null_with_zero_length)
{
    cr_assert_eq(regio_validate_id("", "x", NULL, 0), REGIO_EINVALID);
    cr_assert_eq(regio_validate_latlon(NAN, 0, "x", NULL, 0), REGIO_ERANGE);
    cr_assert_eq(regio_validate_text("\x01", 10, "x", NULL, 0), REGIO_EINVALID);
}

Test(validate, err_is_truncated_to_errlen)
{
    char small[8];
    memset(small, 'Z', sizeof small);
    cr_assert_eq(regio_validate_id("", "a long description", small, sizeof small),
                 REGIO_EINVALID);
    cr_assert_eq(strlen(small), sizeof small - 1);
}

Test(validate, latlon_bounds_are_inclusive)
{
    cr_assert_eq(regio_validate_latlon(90, 180, "site", s_err, sizeof s_err), 0);
    cr_assert_eq(regio_validate_latlon(-90, -180, "site", s_err, sizeof s_err), 0);
    cr_assert_eq(regio_validate_latlon(51.645, 4.86, "site", s_err, sizeof s_err), 0);
    cr_assert_eq(regio_validate_latlon(0, 0, "site", s_err, sizeof s_err), 0);
}

Test(validate, latlon_just_outside_bounds_is_erange)
{
    const double bad[][2] = {{90.000001, 0}, {-90.000001, 0}, {0, 180.000001}, {0, -180.000001},
                             {1000, 0}, {0, -1000}};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        s_clear();
        cr_assert_eq(regio_validate_latlon(bad[i][0], bad[i][1], "learner l1", s_err,
                                           sizeof s_err),
                     REGIO_ERANGE, "(%g, %g) accepted", bad[i][0], bad[i][1]);
        cr_assert_not_null(strstr(s_err, "learner l1"), "err: %s", s_err);
    }
}

Test(validate, latlon_nan_and_infinity_are_erange)
{
    const double bad[][2] = {{NAN, 0}, {0, NAN}, {INFINITY, 0}, {0, -INFINITY}, {-NAN, -NAN}};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        cr_assert_eq(regio_validate_latlon(bad[i][0], bad[i][1], "x", s_err, sizeof s_err),
                     REGIO_ERANGE, "case %zu accepted", i);
}

Test(validate, text_up_to_max_is_accepted)
{
    cr_assert_eq(regio_validate_text("Bakkerij de Gouden Korenaar", 27, "name", s_err,
                                     sizeof s_err),
                 0);
    cr_assert_eq(regio_validate_text("", 0, "name", s_err, sizeof s_err), 0);
    cr_assert_eq(regio_validate_text(NULL, 10, "name", s_err, sizeof s_err), 0);
    /* UTF-8 bytes above 0x7f are fine */
    cr_assert_eq(regio_validate_text("Café Zuidwal", 64, "name", s_err, sizeof s_err), 0);
}

Test(validate, text_over_max_is_out_of_range)
{
    cr_assert_eq(regio_validate_text("abcd", 3, "reason", s_err, sizeof s_err), REGIO_ERANGE);
    cr_assert_not_null(strstr(s_err, "reason"), "err: %s", s_err);
    cr_assert_not_null(strstr(s_err, "3"), "err: %s", s_err);
}

Test(validate, text_with_control_characters_is_rejected)
{
    const char *bad[] = {"a\nb", "tab\there", "\x01", "del\x7f", "cr\r", "esc\x1b[31m"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        s_clear();
        cr_assert_eq(regio_validate_text(bad[i], 100, "name", s_err, sizeof s_err),
                     REGIO_EINVALID, "case %zu accepted", i);
        cr_assert_not_null(strstr(s_err, "control"), "err: %s", s_err);
    }
}

Test(validate, real_dates_are_accepted_leap_days_only_in_leap_years)
{
    const char *ok[] = {"2026-12-07", "2000-02-29", "2024-02-29", "2028-02-29", "2026-01-31",
                        "2026-04-30", "2100-12-31", "2000-01-01"};
    for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++)
        cr_assert_eq(regio_validate_date(ok[i], "date", s_err, sizeof s_err), 0, "%s: %s",
                     ok[i], s_err);
}

Test(validate, impossible_dates_are_rejected)
{
    const char *bad[] = {"2026-02-29", "2100-02-29", "1900-02-29", "2025-02-29", "2026-02-30",
                         "2026-04-31", "2026-13-01", "2026-00-10", "2026-01-00", "1999-12-31",
                         "2101-01-01", "2026-1-07",  "2026-12-7",  "2026/12/07", "2026-12-07x",
                         "+026-12-07", "2026-12- 7", "",           "yyyy-mm-dd"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        s_clear();
        cr_assert_eq(regio_validate_date(bad[i], "closure date", s_err, sizeof s_err),
                     REGIO_EINVALID, "'%s' accepted", bad[i]);
        cr_assert_not_null(strstr(s_err, "closure date"), "err: %s", s_err);
    }
    cr_assert_eq(regio_validate_date(NULL, "date", s_err, sizeof s_err), REGIO_EINVALID);
}

Test(validate, a_bad_id_is_shown_in_the_reason_with_control_characters_masked)
{
    cr_assert_eq(regio_validate_id("l/1", "learner", s_err, sizeof s_err), REGIO_EINVALID);
    cr_assert_not_null(strstr(s_err, "'l/1'"), "%s", s_err);
    cr_assert_eq(regio_validate_id("l\n1\x1b", "learner", s_err, sizeof s_err), REGIO_EINVALID);
    cr_assert_not_null(strstr(s_err, "'l?1?'"), "one line, no escape sequences: %s", s_err);
}
