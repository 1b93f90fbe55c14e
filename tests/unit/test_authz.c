/* test_authz - the rules: roles per request, own things, topics, feeds. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "regio/authz.h"
#include "regio/error.h"

static char s_why[512];

static regio_principal_t s_as(const char *name, const char *role)
{
    regio_principal_t p = {0};
    snprintf(p.name, sizeof p.name, "%s", name);
    cr_assert_eq(regio_principal_parse_role(role, &p, s_why, sizeof s_why), 0, "%s", s_why);
    return p;
}

#define B(x) REGIO__ENVELOPE__BODY_##x

Test(authz, partners_send_capacity_but_no_registry_writes_or_plans)
{
    regio_principal_t p = s_as("p1", "partner:p1");
    cr_expect_eq(regio_authz_request(&p, B(CAPACITY_UPDATE), s_why, sizeof s_why), 0);
    cr_expect_eq(regio_authz_request(&p, B(CAPACITY_EXCEPTION), s_why, sizeof s_why), 0);
    cr_expect_eq(regio_authz_request(&p, B(PUT_OFFERING), s_why, sizeof s_why), REGIO_EFORBIDDEN);
    cr_expect_not_null(strstr(s_why, "p1"), "the refusal names the principal: %s", s_why);
    cr_expect_not_null(strstr(s_why, "coordinators"), "and the rule: %s", s_why);
    cr_expect_eq(regio_authz_request(&p, B(PLAN_REQUEST), s_why, sizeof s_why), REGIO_EFORBIDDEN);
    cr_expect_eq(regio_authz_request(&p, B(PUT_LEARNER), s_why, sizeof s_why), REGIO_EFORBIDDEN);
}

Test(authz, only_the_planners_key_sends_notify_batches)
{
    regio_principal_t planner = s_as("planner", "service:planner");
    regio_principal_t capacity = s_as("capacity", "service:capacity");
    regio_principal_t admin = s_as("root", "admin");
    cr_expect_eq(regio_authz_request(&planner, B(NOTIFY_BATCH), s_why, sizeof s_why), 0);
    cr_expect_eq(regio_authz_request(&capacity, B(NOTIFY_BATCH), s_why, sizeof s_why),
                 REGIO_EFORBIDDEN);
    cr_expect_eq(regio_authz_request(&admin, B(NOTIFY_BATCH), s_why, sizeof s_why),
                 REGIO_EFORBIDDEN);
}

Test(authz, backups_are_for_admins_only)
{
    regio_principal_t admin = s_as("root", "admin"), coord = s_as("c", "coordinator");
    regio_principal_t planner = s_as("planner", "service:planner");
    cr_expect_eq(regio_authz_request(&admin, B(BACKUP_REQUEST), s_why, sizeof s_why), 0);
    cr_expect_eq(regio_authz_request(&coord, B(BACKUP_REQUEST), s_why, sizeof s_why),
                 REGIO_EFORBIDDEN, "a backup holds every learner: not even coordinators");
    cr_expect_not_null(strstr(s_why, "admins only"), "%s", s_why);
    cr_expect_eq(regio_authz_request(&planner, B(BACKUP_REQUEST), s_why, sizeof s_why),
                 REGIO_EFORBIDDEN);
    cr_expect_str_eq(regio_authz_action(B(BACKUP_REQUEST)), "backup");
}

Test(authz, a_body_without_a_rule_is_taken_by_nobody)
{
    regio_principal_t admin = s_as("root", "admin");
    cr_expect_eq(regio_authz_request(&admin, B(ACK), s_why, sizeof s_why), REGIO_ENOTFOUND);
    cr_expect_eq(regio_authz_request(&admin, B(PLAN_SUMMARY), s_why, sizeof s_why), REGIO_ENOTFOUND);
    cr_expect_eq(regio_authz_request(regio_principal_anonymous(), B(NOTIFY_BATCH), s_why,
                                     sizeof s_why), 0, "--insecure keeps every path open");
}

Test(authz, own_things_are_a_partners_own_and_coordinators_are_everyones)
{
    regio_principal_t p1 = s_as("p1", "partner:p1"), s1 = s_as("s1", "school:s1");
    regio_principal_t coord = s_as("c", "coordinator");
    cr_expect_eq(regio_authz_partner(&p1, "p1", "offering o1", s_why, sizeof s_why), 0);
    cr_expect_eq(regio_authz_partner(&p1, "p10", "offering o9", s_why, sizeof s_why),
                 REGIO_EFORBIDDEN);
    cr_expect_not_null(strstr(s_why, "o9"), "%s", s_why);
    cr_expect_eq(regio_authz_partner(&s1, "s1", "offering o1", s_why, sizeof s_why),
                 REGIO_EFORBIDDEN, "a school is no partner, even with the same id");
    cr_expect_eq(regio_authz_school(&s1, "s1", "learner l1", s_why, sizeof s_why), 0);
    cr_expect_eq(regio_authz_school(&s1, "s2", "learner l2", s_why, sizeof s_why),
                 REGIO_EFORBIDDEN);
    cr_expect_eq(regio_authz_school(&coord, "s2", "learner l2", s_why, sizeof s_why), 0);
    cr_expect_eq(regio_authz_partner(&coord, "p2", "offering o2", s_why, sizeof s_why), 0);
}

Test(authz, topics_match_whole_segments)
{
    regio_principal_t s1 = s_as("s1", "school:s1"), p1 = s_as("p1", "partner:p1");
    regio_principal_t sub = s_as("feed", "subscriber:partner/p1,school/");
    cr_expect(regio_authz_topic(&s1, "school/s1", "s1"));
    cr_expect_not(regio_authz_topic(&s1, "school/s10", "s10"));
    cr_expect(regio_authz_topic(&s1, "learner/l7", "s1"), "its own learner");
    cr_expect_not(regio_authz_topic(&s1, "learner/l8", "s2"), "another school's learner");
    cr_expect_not(regio_authz_topic(&s1, "partner/p1", "s1"));
    cr_expect(regio_authz_topic(&p1, "partner/p1", "s1"));
    cr_expect_not(regio_authz_topic(&p1, "partner/p10", "s1"));
    cr_expect(regio_authz_topic(&sub, "partner/p1", ""));
    cr_expect_not(regio_authz_topic(&sub, "partner/p10", ""));
    cr_expect(regio_authz_topic(&sub, "school/s4", ""));
    cr_expect_not(regio_authz_topic(&sub, "learner/l1", ""));
}

Test(authz, subscriptions_that_can_never_yield_are_refused)
{
    regio_principal_t s1 = s_as("s1", "school:s1"), p1 = s_as("p1", "partner:p1");
    cr_expect_eq(regio_authz_subscribe(&s1, "school/s1", s_why, sizeof s_why), 0);
    cr_expect_eq(regio_authz_subscribe(&s1, "learner/", s_why, sizeof s_why), 0);
    cr_expect_eq(regio_authz_subscribe(&s1, "", s_why, sizeof s_why), 0, "all, filtered");
    cr_expect_eq(regio_authz_subscribe(&s1, "school/s2", s_why, sizeof s_why), REGIO_EFORBIDDEN);
    cr_expect_eq(regio_authz_subscribe(&p1, "partner/p2", s_why, sizeof s_why), REGIO_EFORBIDDEN);
    cr_expect_eq(regio_authz_subscribe(&p1, "school/", s_why, sizeof s_why), REGIO_EFORBIDDEN);
}

Test(authz, feeds_and_whole_reads_are_for_services_coordinators_and_admins)
{
    regio_principal_t svc = s_as("planner", "service:planner"), c = s_as("c", "coordinator");
    regio_principal_t s1 = s_as("s1", "school:s1"), sub = s_as("f", "subscriber:school/");
    cr_expect(regio_authz_feed(&svc));
    cr_expect(regio_authz_feed(&c));
    cr_expect_not(regio_authz_feed(&s1));
    cr_expect_not(regio_authz_feed(&sub));
    cr_expect(regio_authz_reads_all(&c));
    cr_expect_not(regio_authz_reads_all(&s1));
}
