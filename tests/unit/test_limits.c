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

Test(limits, registry_proto_quotes_limits_h)
{
    s_quotes("registry.proto", "repeated Site sites", "at most ", REGIO_MAX_SITES);
    s_quotes("registry.proto", "repeated string sectors", "at most ", REGIO_MAX_SECTORS);
    s_quotes("registry.proto", "repeated string sectors", "each at most ", REGIO_SECTOR_MAX);
    s_quotes("registry.proto", "string name = 3;", "at most ", REGIO_NAME_MAX);
    s_quotes("registry.proto", "string name = 2;", "at most ", REGIO_NAME_MAX);
    s_quotes("registry.proto", "string country = 4;", "at most ", REGIO_COUNTRY_MAX);
    s_quotes("registry.proto", "string form = 3;", "at most ", REGIO_FORM_MAX);
    s_quotes("registry.proto", "repeated string goals", "at most ", REGIO_MAX_GOALS);
    s_quotes("registry.proto", "repeated string qualifications", "at most ",
             REGIO_MAX_QUALIFICATIONS);
    s_quotes("registry.proto", "uint32 min_age", "0..", REGIO_MAX_AGE);
    s_quotes("registry.proto", "1..32 periods", "1..", REGIO_RPP_MAX_PERIODS);
    s_quotes("registry.proto", "1..32 periods", "1..", REGIO_MAX_WEEKS);
}

Test(limits, planner_notifier_and_capacity_protos_quote_limits_h)
{
    s_quotes("planner.proto", "uint32 age", "0..", REGIO_MAX_AGE);
    s_quotes("planner.proto", "double max_km", "0..", REGIO_MAX_KM);
    s_quotes("planner.proto", "repeated FreeSlots free", "at most ", REGIO_RPP_MAX_PERIODS);
    s_quotes("planner.proto", "repeated Need needs", "at most ", REGIO_MAX_NEEDS);
    s_quotes("planner.proto", "repeated Need needs", "dagdelen 0..", REGIO_MAX_NEED_DAGDELEN);
    s_quotes("planner.proto", "repeated string preferred_partners", "at most ",
             REGIO_MAX_PREFERRED);
    s_quotes("planner.proto", "repeated string history", "at most ", REGIO_MAX_HISTORY);
    s_quotes("notifier.proto", "repeated PlacementChange changes", "at most ",
             REGIO_MAX_NOTIFY_CHANGES);
    s_quotes("capacity.proto", "1..1024 updates per message", "1..", REGIO_MAX_CAPACITY_UPDATES);
    s_quotes("capacity.proto", "string reason = 5;", "at most ", REGIO_REASON_MAX);
    s_quotes("capacity.proto", "repeated uint32 seats = 4;", "each 0..", REGIO_RPP_MAX_SEATS);
    s_quotes("common.proto", "is 1..64 bytes", "1..", REGIO_ID_MAX);
}
