/* learner_rights - the planner's scope rules per principal, and one learner's data. */
#include "learner_rights.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "regio/authz.h"
#include "regio/error.h"

/* The school of the first plan entry under prefix, into school. */
static int s_plan_school(MDB_txn *txn, MDB_dbi plan, const char *prefix, size_t kl, char *school,
                         size_t n)
{
    MDB_cursor *cur;
    int rc = mdb_cursor_open(txn, plan, &cur);
    if (rc != 0)
        return rc;
    MDB_val k = {kl, (void *)prefix}, d;
    rc = mdb_cursor_get(cur, &k, &d, MDB_SET_RANGE);
    if (rc == 0 && k.mv_size > kl && memcmp(k.mv_data, prefix, kl) == 0) {
        Regio__PlacementChange *e = regio__placement_change__unpack(NULL, d.mv_size, d.mv_data);
        if (e)
            snprintf(school, n, "%s", e->school);
        regio__placement_change__free_unpacked(e, NULL);
    }
    mdb_cursor_close(cur);
    return rc == MDB_NOTFOUND ? 0 : rc;
}

int regio_rights_school(MDB_txn *txn, MDB_dbi learners, MDB_dbi plan, const char *id, char *school,
                        size_t n)
{
    school[0] = '\0';
    char prefix[160];
    int kl = regio_plan_state_key(prefix, sizeof prefix, id, "");
    if (!id[0] || kl < 0)
        return 0; /* no such id can be stored */
    MDB_val k = {strlen(id), (void *)id}, d;
    int rc = mdb_get(txn, learners, &k, &d);
    if (rc == MDB_NOTFOUND)
        return s_plan_school(txn, plan, prefix, (size_t)kl, school, n);
    if (rc != 0)
        return rc;
    Regio__Learner *l = regio__learner__unpack(NULL, d.mv_size, d.mv_data);
    if (l)
        snprintf(school, n, "%s", l->school);
    regio__learner__free_unpacked(l, NULL);
    return 0;
}

int regio_rights_check(const regio_principal_t *p, const char *id, const char *school, char *why,
                       size_t n)
{
    char what[REGIO_ID_MAX + 16];
    snprintf(what, sizeof what, "learner %s", id);
    return regio_authz_school(p, school, what, why, n);
}

int regio_rights_sees_learner(const regio_principal_t *p, const Regio__Learner *l)
{
    if (regio_authz_reads_all(p))
        return 1;
    return p->role == REGIO_ROLE_SCHOOL && strcmp(l->school, p->scope) == 0;
}

/* The partner of offering o as the registry mirror knows it, else as the
 * plan entry recorded it. */
static const char *s_partner_of(const regio_world_t *w, const Regio__PlacementChange *e)
{
    int32_t i = regio_strtab_find(w->offering_ids, e->offering);
    return i >= 0 && w->offerings[i] ? w->offerings[i]->partner : e->partner;
}

int regio_rights_sees_placement(const regio_principal_t *p, const regio_world_t *w,
                                const Regio__PlacementChange *e)
{
    if (regio_authz_reads_all(p))
        return 1;
    if (p->role == REGIO_ROLE_SCHOOL)
        return strcmp(e->school, p->scope) == 0;
    return p->role == REGIO_ROLE_PARTNER && strcmp(s_partner_of(w, e), p->scope) == 0;
}

int regio_rights_cancel(MDB_txn *txn, MDB_dbi plan, const char *id, uint64_t plan_version,
                        regio_plan_state_diff_t *d)
{
    char prefix[160];
    int kl = regio_plan_state_key(prefix, sizeof prefix, id, "");
    MDB_cursor *cur;
    int rc;
    if (kl < 0 || !id[0])
        return 0; /* no such key can be stored */
    if ((rc = mdb_cursor_open(txn, plan, &cur)) != 0)
        return rc;
    MDB_val k = {(size_t)kl, prefix}, v;
    for (rc = mdb_cursor_get(cur, &k, &v, MDB_SET_RANGE);
         rc == 0 && k.mv_size > (size_t)kl && memcmp(k.mv_data, prefix, (size_t)kl) == 0;
         rc = mdb_cursor_get(cur, &k, &v, MDB_GET_CURRENT)) {
        Regio__PlacementChange *e = regio__placement_change__unpack(NULL, v.mv_size, v.mv_data);
        if (!e) {
            rc = REGIO_EPARSE;
            break;
        }
        rc = regio_plan_state_cancel(d, e, REGIO_RIGHTS_ERASED_REASON, plan_version);
        regio__placement_change__free_unpacked(e, NULL);
        if (rc != 0 || (rc = mdb_cursor_del(cur, 0)) != 0)
            break;
    }
    mdb_cursor_close(cur);
    return rc == MDB_NOTFOUND || rc == 0 || rc == EINVAL ? 0 : rc;
}

int regio_rights_export(const regio_world_t *w, const regio_plan_state_t *plan, const char *id,
                        Regio__LearnerExport *x)
{
    x->id = (char *)id;
    x->service = "planner";
    x->learner = (Regio__Learner *)regio_world_learner(w, id);
    x->n_placements = 0;
    x->placements = calloc(plan->live ? plan->live : 1, sizeof *x->placements);
    if (!x->placements)
        return -ENOMEM;
    for (size_t i = 0; i < plan->n; i++)
        if (plan->v[i] && strcmp(plan->v[i]->learner, id) == 0)
            x->placements[x->n_placements++] = plan->v[i];
    return 0;
}
