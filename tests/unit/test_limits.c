/* test_limits - the .proto comments quote the bounds limits.h defines.
 *
 * A client is written from the .proto files; the services enforce
 * limits.h. Each check finds the field's line and the bound on it, so a
 * bound changed in one place and not the other fails here. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "regio/file.h"
#include "regio/limits.h"
#include "regio/rpp.h"

/* The line of proto/regio/<file> holding field must also hold "<word><n>". */
static void s_quotes(const char *file, const char *field, const char *word, long n)
{
    char path[512], want[64];
    snprintf(path, sizeof path, "%s/proto/regio/%s", REGIO_SOURCE_DIR, file);
    char *text = NULL;
    cr_assert_eq(regio_file_read(path, &text, NULL), 0, "%s", path);
    char *at = strstr(text, field);
    cr_assert_not_null(at, "%s: no line with '%s'", file, field);
    char *end = strchr(at, '\n');
    if (end)
        *end = '\0';
    snprintf(want, sizeof want, "%s%ld", word, n);
    cr_expect_not_null(strstr(at, want), "%s: '%s' should say '%s': %s", file, field, want, at);
    free(text);
}

/* Where each bound is quoted: file, a text on the field's line, the words
 * before the number, the number. */
static const struct {
    const char *file, *field, *word;
    long n;
} s_quoted[] = {
    {"registry.proto", "repeated Site sites", "at most ", REGIO_MAX_SITES},
    {"registry.proto", "repeated string sectors", "at most ", REGIO_MAX_SECTORS},
    {"registry.proto", "repeated string sectors", "each at most ", REGIO_SECTOR_MAX},
    {"registry.proto", "string name = 3;", "at most ", REGIO_NAME_MAX},
    {"registry.proto", "string name = 2;", "at most ", REGIO_NAME_MAX},
    {"registry.proto", "string country = 4;", "at most ", REGIO_COUNTRY_MAX},
    {"registry.proto", "string form = 3;", "at most ", REGIO_FORM_MAX},
    {"registry.proto", "repeated string goals", "at most ", REGIO_MAX_GOALS},
    {"registry.proto", "repeated string qualifications", "at most ", REGIO_MAX_QUALIFICATIONS},
    {"registry.proto", "uint32 min_age", "0..", REGIO_MAX_AGE},
    {"registry.proto", "1..32 periods", "1..", REGIO_RPP_MAX_PERIODS},
    {"registry.proto", "1..32 periods", "1..", REGIO_MAX_WEEKS},
    {"planner.proto", "uint32 age", "0..", REGIO_MAX_AGE},
    {"planner.proto", "double max_km", "0..", REGIO_MAX_KM},
    {"planner.proto", "repeated FreeSlots free", "at most ", REGIO_RPP_MAX_PERIODS},
    {"planner.proto", "repeated Need needs", "at most ", REGIO_MAX_NEEDS},
    {"planner.proto", "repeated Need needs", "dagdelen 0..", REGIO_MAX_NEED_DAGDELEN},
    {"planner.proto", "repeated string preferred_partners", "at most ", REGIO_MAX_PREFERRED},
    {"planner.proto", "repeated string history", "at most ", REGIO_MAX_HISTORY},
    {"notifier.proto", "repeated PlacementChange changes", "at most ", REGIO_MAX_NOTIFY_CHANGES},
    {"capacity.proto", "1..1024 updates per message", "1..", REGIO_MAX_CAPACITY_UPDATES},
    {"capacity.proto", "string reason = 5;", "at most ", REGIO_REASON_MAX},
    {"capacity.proto", "repeated uint32 seats = 4;", "each 0..", REGIO_RPP_MAX_SEATS},
    {"common.proto", "is 1..64 bytes", "1..", REGIO_ID_MAX},
};

Test(limits, every_bound_the_protos_quote_is_the_one_limits_h_defines)
{
    for (size_t i = 0; i < sizeof s_quoted / sizeof s_quoted[0]; i++)
        s_quotes(s_quoted[i].file, s_quoted[i].field, s_quoted[i].word, s_quoted[i].n);
}
