/* test_principal - the principals file: roles, keys, duplicates, lookups. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "regio/error.h"
#include "regio/principal.h"

#define K1 "rq:rM>}U?@Lns47E1%kR.o@n%FcmmsL/@{H8]yf7"
#define K2 "Yne@$w-vo<fVvi]a<NY6T1ed:M$fCG*[IaLV{hID"
#define K3 "D:)Q[IlAW!ahhC2ac:9*A}h:p?([4%wOTJ%JR%cs"

static char s_path[64];
static char s_err[512];

static void s_write(const char *text)
{
    snprintf(s_path, sizeof s_path, "/tmp/regio-principals-XXXXXX");
    int fd = mkstemp(s_path);
    cr_assert_geq(fd, 0);
    cr_assert_eq(write(fd, text, strlen(text)), (ssize_t)strlen(text));
    close(fd);
}

static void s_fini(void)
{
    if (s_path[0])
        unlink(s_path);
}

TestSuite(principal, .fini = s_fini);

Test(principal, every_role_parses_and_prints_back_as_written)
{
    const char *roles[] = {"admin", "coordinator", "school:s1", "partner:p-7", "service:planner",
                           "subscriber:school/s1,partner/"};
    for (size_t i = 0; i < sizeof roles / sizeof roles[0]; i++) {
        regio_principal_t p = {0};
        char back[256];
        cr_assert_eq(regio_principal_parse_role(roles[i], &p, s_err, sizeof s_err), 0, "%s: %s",
                     roles[i], s_err);
        regio_principal_role_text(&p, back, sizeof back);
        cr_expect_str_eq(back, roles[i]);
    }
}

Test(principal, bad_roles_are_refused_with_a_reason)
{
    const char *bad[] = {"root", "school", "school:", "admin:x", "partner:p/1", "subscriber:",
                         "subscriber:a,,b", "school:s 1"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        regio_principal_t p = {0};
        s_err[0] = '\0';
        cr_expect_eq(regio_principal_parse_role(bad[i], &p, s_err, sizeof s_err), REGIO_EINVALID,
                     "%s", bad[i]);
        cr_expect_gt(strlen(s_err), 5, "%s has a reason", bad[i]);
    }
}

Test(principal, a_file_loads_and_keys_find_their_principal)
{
    s_write("# key name role\n\n" K1 " alice coordinator\n" K2 " s1-system school:s1 # trailing\n"
            K3 " p1 partner:p1\n");
    regio_principals_t *t;
    cr_assert_eq(regio_principals_load(s_path, &t, s_err, sizeof s_err), 0, "%s", s_err);
    cr_expect_eq(regio_principals_count(t), 3);
    const regio_principal_t *p = regio_principals_find(t, K2);
    cr_assert_not_null(p);
    cr_expect_str_eq(p->name, "s1-system");
    cr_expect_eq(p->role, REGIO_ROLE_SCHOOL);
    cr_expect_str_eq(p->scope, "s1");
    cr_expect_eq(strncmp(p->fingerprint, K2, REGIO_FINGERPRINT_LEN), 0);
    cr_expect_eq(strlen(p->fingerprint), REGIO_FINGERPRINT_LEN);
    cr_expect_null(regio_principals_find(t, "0000000000000000000000000000000000000000"));
    cr_expect_null(regio_principals_find(t, ""));
    cr_expect_eq(regio_principals_find_name(t, "p1"), regio_principals_find(t, K3));
    regio_principals_destroy(&t);
    cr_expect_null(t);
}

Test(principal, a_bad_line_names_file_and_line_and_loads_nothing)
{
    s_write(K1 " alice admin\n" K2 " bob emperor\n");
    regio_principals_t *t = (void *)1;
    cr_assert_eq(regio_principals_load(s_path, &t, s_err, sizeof s_err), REGIO_EINVALID);
    cr_expect_null(t);
    cr_expect_not_null(strstr(s_err, ":2:"), "%s", s_err);
    cr_expect_not_null(strstr(s_err, "emperor"), "%s", s_err);
}

Test(principal, duplicate_keys_and_names_are_refused)
{
    regio_principals_t *t;
    s_write(K1 " alice admin\n" K1 " bob admin\n");
    cr_expect_eq(regio_principals_load(s_path, &t, s_err, sizeof s_err), REGIO_EINVALID);
    unlink(s_path);
    s_write(K1 " alice admin\n" K2 " alice coordinator\n");
    cr_expect_eq(regio_principals_load(s_path, &t, s_err, sizeof s_err), REGIO_EINVALID);
    cr_expect_not_null(strstr(s_err, "alice"), "%s", s_err);
}

Test(principal, keys_that_are_not_z85_public_keys_are_refused)
{
    cr_expect(regio_principal_key_ok(K1));
    cr_expect_not(regio_principal_key_ok("short"));
    cr_expect_not(regio_principal_key_ok(K1 "x"));
    cr_expect_not(regio_principal_key_ok("rq:rM>}U?@Lns47E1%kR.o@n%FcmmsL/@{H8]y \""));
    s_write("not-a-key alice admin\n");
    regio_principals_t *t;
    cr_expect_eq(regio_principals_load(s_path, &t, s_err, sizeof s_err), REGIO_EINVALID);
}

Test(principal, the_anonymous_principal_is_an_unchecked_admin)
{
    const regio_principal_t *a = regio_principal_anonymous();
    cr_expect_str_eq(a->name, "anonymous");
    cr_expect_eq(a->role, REGIO_ROLE_ADMIN);
    cr_expect(a->unchecked);
}
