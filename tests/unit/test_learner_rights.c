/* test_learner_rights - whose learner it is, who sees what in a planner
 * snapshot, and cancelling an erased learner's placements.
 *
 * learner_rights is internal to the planner service (an executable), so
 * this test compiles it and what it uses directly (unity includes below).
 */
#include "../../services/planner/learner_rights.c"
#include "../../services/planner/plan_state.c"
#include "../../services/planner/world.c"

#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>

#include "regio/store.h"
#include "store_fixture.h"

static store_fixture_t F;
static MDB_dbi s_learners, s_plan;

static void s_setup(void)
{
    const char *names[] = {"learners", "plan"};
    MDB_dbi dbi[2];
    store_fixture_open(&F, names, dbi, 2);
    s_learners = dbi[0];
    s_plan = dbi[1];
}

static void s_teardown(void)
{
    store_fixture_close(&F);
}

TestSuite(learner_rights, .init = s_setup, .fini = s_teardown, .timeout = 30);

static regio_principal_t s_who(const char *role)
{
    regio_principal_t p = {0};
    char err[200];
    snprintf(p.name, sizeof p.name, "%s", role);
    cr_assert_eq(regio_principal_parse_role(role, &p, err, sizeof err), 0, "%s", err);
    return p;
}

static void s_put_learner(MDB_txn *txn, const char *id, const char *school)
{
    Regio__Learner l = REGIO__LEARNER__INIT;
    l.id = (char *)id;
    l.school = (char *)school;
    cr_assert_eq(regio_store_put_msg(txn, s_learners, id, strlen(id), &l.base), 0);
}

static void s_put_placement(MDB_txn *txn, const char *id, const char *school, const char *period,
                            const char *offering, const char *partner)
{
    uint32_t slots[] = {0, 1};
    Regio__PlacementChange e = REGIO__PLACEMENT_CHANGE__INIT;
    e.learner = (char *)id;
    e.school = (char *)school;
    e.period = (char *)period;
    e.offering = (char *)offering;
    e.partner = (char *)partner;
    e.slots = slots;
    e.n_slots = 2;
    char key[160];
    int kl = regio_plan_state_key(key, sizeof key, id, period);
    cr_assert_eq(regio_store_put_msg(txn, s_plan, key, (size_t)kl, &e.base), 0);
}

Test(learner_rights, the_school_is_the_records_else_the_placements_else_none)
{
    MDB_txn *txn;
    char school[REGIO_ID_MAX + 1];
    cr_assert_eq(mdb_txn_begin(F.s.env, NULL, 0, &txn), 0);
    s_put_learner(txn, "l1", "s1");
    s_put_placement(txn, "l1", "s9", "P1", "o1", "p1"); /* the record wins */
    s_put_placement(txn, "l2", "s2", "P1", "o1", "p1"); /* removed request, placement waits */
    s_put_placement(txn, "l20", "s3", "P1", "o1", "p1");
    cr_assert_eq(regio_rights_school(txn, s_learners, s_plan, "l1", school, sizeof school), 0);
    cr_assert_str_eq(school, "s1");
    cr_assert_eq(regio_rights_school(txn, s_learners, s_plan, "l2", school, sizeof school), 0);
    cr_assert_str_eq(school, "s2", "not l20's: a key prefix is not a learner");
    cr_assert_eq(regio_rights_school(txn, s_learners, s_plan, "l3", school, sizeof school), 0);
    cr_assert_str_eq(school, "");
    mdb_txn_abort(txn);
}

Test(learner_rights, only_staff_and_the_learners_own_school_pass_the_check)
{
    char why[300];
    regio_principal_t s1 = s_who("school:s1"), coord = s_who("coordinator"),
                      p1 = s_who("partner:p1");
    cr_assert_eq(regio_rights_check(&s1, "l1", "s1", why, sizeof why), 0);
    cr_assert_eq(regio_rights_check(&coord, "l3", "s2", why, sizeof why), 0);
    cr_assert_eq(regio_rights_check(&s1, "l3", "s2", why, sizeof why), REGIO_EFORBIDDEN);
    cr_assert_null(strstr(why, "s2"), "the reason does not name the other school: %s", why);
    cr_assert_eq(regio_rights_check(&p1, "l1", "s1", why, sizeof why), REGIO_EFORBIDDEN);
}

Test(learner_rights, snapshots_show_schools_their_own_and_partners_their_offerings)
{
    regio_world_t w;
    cr_assert_eq(regio_world_init(&w), 0);
    Regio__Offering o = REGIO__OFFERING__INIT;
    o.id = "o1";
    o.partner = "p1";
    Regio__RegistryChange rc = REGIO__REGISTRY_CHANGE__INIT;
    rc.what_case = REGIO__REGISTRY_CHANGE__WHAT_OFFERING;
    rc.offering = &o;
    regio_envelope_t env = REGIO__ENVELOPE__INIT;
    env.body_case = REGIO__ENVELOPE__BODY_REGISTRY_CHANGE;
    env.registry_change = &rc;
    cr_assert_eq(regio_world_registry_change(&w, &env), 0);
    Regio__Learner l = REGIO__LEARNER__INIT;
    l.id = "l1";
    l.school = "s1";
    Regio__PlacementChange at_o1 = REGIO__PLACEMENT_CHANGE__INIT, at_o2 = at_o1;
    at_o1.learner = at_o2.learner = "l1";
    at_o1.school = at_o2.school = "s1";
    at_o1.offering = "o1";
    at_o1.partner = "p7"; /* stale: the registry mirror says o1 is p1's */
    at_o2.offering = "o2";
    at_o2.partner = "p2"; /* not in the mirror: the entry's partner counts */
    regio_principal_t s1 = s_who("school:s1"), s2 = s_who("school:s2"), p1 = s_who("partner:p1"),
                      p2 = s_who("partner:p2"), svc = s_who("service:notifier");
    cr_assert(regio_rights_sees_learner(&s1, &l));
    cr_assert(regio_rights_sees_learner(&svc, &l));
    cr_assert_not(regio_rights_sees_learner(&s2, &l));
    cr_assert_not(regio_rights_sees_learner(&p1, &l), "partners see no learner records");
    cr_assert(regio_rights_sees_placement(&s1, &w, &at_o1));
    cr_assert_not(regio_rights_sees_placement(&s2, &w, &at_o1));
    cr_assert(regio_rights_sees_placement(&p1, &w, &at_o1));
    cr_assert_not(regio_rights_sees_placement(&p2, &w, &at_o1));
    cr_assert(regio_rights_sees_placement(&p2, &w, &at_o2));
    regio_world_free(&w);
}

Test(learner_rights, cancel_deletes_the_learners_placements_and_says_how)
{
    MDB_txn *txn;
    cr_assert_eq(mdb_txn_begin(F.s.env, NULL, 0, &txn), 0);
    s_put_placement(txn, "l1", "s1", "P1", "o1", "p1");
    s_put_placement(txn, "l1", "s1", "P2", "o2", "p2");
    s_put_placement(txn, "l10", "s1", "P1", "o1", "p1");
    regio_plan_state_diff_t d = {0};
    cr_assert_eq(regio_rights_cancel(txn, s_plan, "l1", 7, &d), 0);
    cr_assert_eq(d.n, 2);
    for (size_t i = 0; i < d.n; i++) {
        cr_assert_eq(d.v[i]->kind, REGIO__CHANGE_KIND__CHANGE_CANCELLED);
        cr_assert_str_eq(d.v[i]->learner, "l1");
        cr_assert_str_eq(d.v[i]->offering, "");
        cr_assert_str_eq(d.v[i]->old_offering, i ? "o2" : "o1");
        cr_assert_str_eq(d.v[i]->old_partner, i ? "p2" : "p1");
        cr_assert_str_eq(d.v[i]->reason, REGIO_RIGHTS_ERASED_REASON);
        cr_assert_eq(d.v[i]->plan_version, 7);
    }
    regio_plan_state_diff_free(&d);
    MDB_stat st;
    mdb_stat(txn, s_plan, &st);
    cr_assert_eq(st.ms_entries, 1, "l10's placement stays");
    cr_assert_eq(regio_rights_cancel(txn, s_plan, "l1", 7, &d), 0);
    cr_assert_eq(d.n, 0);
    mdb_txn_abort(txn);
}
