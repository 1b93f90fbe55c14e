/* export - the services' current state as an rpp-1 instance and solution.
 *
 * Snapshots of registry, capacity and planner are rebuilt into an instance
 * with the rpp builder (which checks every rule of the format), so what is
 * written is what rpp_check.py and our own solvers read. Withdrawn offerings
 * and offerings of partners on hold get no seats; per-date capacity
 * exceptions have no place in rpp-1 and are left out.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zmq.h>

#include "commands.h"
#include "ctl.h"
#include "regio/error.h"
#include "regio/rpp.h"
#include "regio/rpp_json.h"
#include "regio/strtab.h"

typedef struct {
    const char *instance_path, *solution_path, *name;
    regio_envelope_t *reg, *cap, *plan; /* snapshots, owned */
    regio_rpp_t *r;                     /* rebuilt instance, owned */
    regio_rpp_sol_t sol;
    char err[REGIOCTL_ERR_MAX];
} s_export_t;

static int s_fetch(regioctl_t *c, s_export_t *x)
{
    regioctl_conn_t reg = {0}, cap = {0}, plan = {0};
    Regio__RegistrySnapshotRequest rr = REGIO__REGISTRY_SNAPSHOT_REQUEST__INIT;
    Regio__CapacitySnapshotRequest cr = REGIO__CAPACITY_SNAPSHOT_REQUEST__INIT;
    Regio__PlannerSnapshotRequest pr = REGIO__PLANNER_SNAPSHOT_REQUEST__INIT;
    regio_envelope_t e1 = REGIO__ENVELOPE__INIT, e2 = REGIO__ENVELOPE__INIT,
                     e3 = REGIO__ENVELOPE__INIT;
    e1.body_case = REGIO__ENVELOPE__BODY_REGISTRY_SNAPSHOT_REQUEST;
    e1.registry_snapshot_request = &rr;
    e2.body_case = REGIO__ENVELOPE__BODY_CAPACITY_SNAPSHOT_REQUEST;
    e2.capacity_snapshot_request = &cr;
    e3.body_case = REGIO__ENVELOPE__BODY_PLANNER_SNAPSHOT_REQUEST;
    e3.planner_snapshot_request = &pr;
    int rc;
    if ((rc = regioctl_conn_open(c, &reg, "registry", "registry", c->registry, ZMQ_DEALER)) ||
        (rc = regioctl_conn_open(c, &cap, "capacity", "capacity service", c->capacity, ZMQ_DEALER)) ||
        (rc = regioctl_conn_open(c, &plan, "planner", "planner", c->planner, ZMQ_DEALER)) ||
        (rc = regioctl_request(c, &reg, &e1, REGIO__ENVELOPE__BODY_REGISTRY_SNAPSHOT, &x->reg,
                               c->timeout_ms)) ||
        (rc = regioctl_request(c, &cap, &e2, REGIO__ENVELOPE__BODY_CAPACITY_SNAPSHOT, &x->cap,
                               c->timeout_ms)) ||
        (rc = regioctl_request(c, &plan, &e3, REGIO__ENVELOPE__BODY_PLANNER_SNAPSHOT, &x->plan,
                               c->timeout_ms)))
        goto out;
out:
    regioctl_conn_close(&plan);
    regioctl_conn_close(&cap);
    regioctl_conn_close(&reg);
    return rc;
}

/* Seats of every offering of the registry snapshot, n_periods*10 each, by
 * registry order; NULL when out of memory. */
static int32_t *s_seats(s_export_t *x, regio_strtab_t *ids)
{
    const Regio__RegistrySnapshot *rs = x->reg->registry_snapshot;
    const Regio__CapacitySnapshot *cs = x->cap->capacity_snapshot;
    size_t stride = (size_t)x->r->n_periods * REGIO_RPP_SLOTS;
    int32_t *seats = calloc(rs->n_offerings * stride + 1, sizeof *seats);
    if (!seats)
        return NULL;
    for (size_t i = 0; i < cs->n_rows; i++) {
        const Regio__Availability *a = cs->rows[i];
        int32_t o = regio_strtab_find(ids, a->offering);
        int32_t p = regio_strtab_find(x->r->period_ids, a->period);
        if (o < 0 || p < 0 || a->n_seats != REGIO_RPP_SLOTS)
            continue; /* rows of unknown offerings or periods plan nothing */
        for (int t = 0; t < REGIO_RPP_SLOTS; t++)
            seats[(size_t)o * stride + (size_t)p * REGIO_RPP_SLOTS + (size_t)t] =
                (int32_t)a->seats[t];
    }
    return seats;
}

static int s_partners(s_export_t *x, regio_strtab_t *on_hold)
{
    const Regio__RegistrySnapshot *rs = x->reg->registry_snapshot;
    for (size_t i = 0; i < rs->n_periods; i++)
        if (regio_rpp_add_period(x->r, rs->periods[i]->id, (int)rs->periods[i]->weeks, x->err,
                                 sizeof x->err) < 0)
            return -1;
    for (size_t i = 0; i < rs->n_partners; i++) {
        const Regio__Partner *p = rs->partners[i];
        const char *kind = regio_rpp_kind_name((int)p->kind - REGIO__PARTNER_KIND__KIND_BUSINESS);
        if (!kind) {
            snprintf(x->err, sizeof x->err, "partner %s: kind %d has no rpp-1 name", p->id,
                     (int)p->kind);
            return -1;
        }
        if (regio_rpp_add_partner(x->r, p->id, p->name, kind, p->lat, p->lon, x->err,
                                  sizeof x->err) < 0)
            return -1;
        if (p->on_hold && regio_strtab_intern(on_hold, p->id, NULL) < 0)
            return -1;
    }
    return 0;
}

static int s_offerings(s_export_t *x, regio_strtab_t *on_hold)
{
    const Regio__RegistrySnapshot *rs = x->reg->registry_snapshot;
    regio_strtab_t *ids = regio_strtab_new();
    int32_t *seats = NULL;
    int rc = -1;
    if (!ids)
        goto out;
    for (size_t i = 0; i < rs->n_offerings; i++)
        if (regio_strtab_intern(ids, rs->offerings[i]->id, NULL) < 0)
            goto out;
    if (!(seats = s_seats(x, ids)))
        goto out;
    size_t stride = (size_t)x->r->n_periods * REGIO_RPP_SLOTS;
    for (size_t i = 0; i < rs->n_offerings; i++) {
        const Regio__Offering *o = rs->offerings[i];
        int closed = o->withdrawn || regio_strtab_find(on_hold, o->partner) >= 0;
        regio_rpp_offering_in_t in = {.id = o->id,
                                      .partner = o->partner,
                                      .form = o->form,
                                      .lat = o->lat,
                                      .lon = o->lon,
                                      .goals = (const char *const *)o->goals,
                                      .n_goals = (int)o->n_goals,
                                      .quals = (const char *const *)o->qualifications,
                                      .n_quals = (int)o->n_qualifications,
                                      .min_age = (int)o->min_age,
                                      .cap = closed ? NULL : seats + i * stride};
        if (regio_rpp_add_offering(x->r, &in, x->err, sizeof x->err) < 0)
            goto out;
    }
    rc = 0;
out:
    if (rc < 0 && !x->err[0])
        snprintf(x->err, sizeof x->err, "out of memory");
    free(seats);
    regio_strtab_destroy(&ids);
    return rc;
}

/* Add one learner of the planner snapshot. */
static int s_learner(s_export_t *x, const Regio__Learner *l)
{
    uint16_t free_mask[REGIO_RPP_MAX_PERIODS] = {0};
    uint32_t planned = 0;
    for (size_t i = 0; i < l->n_free; i++) {
        int32_t p = regio_strtab_find(x->r->period_ids, l->free[i]->period);
        if (p < 0) {
            snprintf(x->err, sizeof x->err, "learner %s: free period %s is not in the calendar",
                     l->id, l->free[i]->period);
            return -1;
        }
        planned |= 1u << p;
        for (size_t k = 0; k < l->free[i]->n_slots; k++)
            if (l->free[i]->slots[k] < REGIO_RPP_SLOTS)
                free_mask[p] |= (uint16_t)(1u << l->free[i]->slots[k]);
    }
    const char **goals = calloc(l->n_needs + 1, sizeof *goals);
    int *amounts = calloc(l->n_needs + 1, sizeof *amounts);
    int rc = -1;
    if (!goals || !amounts) {
        snprintf(x->err, sizeof x->err, "out of memory");
        goto out;
    }
    for (size_t k = 0; k < l->n_needs; k++) {
        goals[k] = l->needs[k]->goal;
        amounts[k] = (int)l->needs[k]->dagdelen;
    }
    regio_rpp_learner_in_t in = {.id = l->id,
                                 .school = l->school,
                                 .qual = l->qualification,
                                 .age = (int)l->age,
                                 .lat = l->lat,
                                 .lon = l->lon,
                                 .max_km = l->max_km,
                                 .dagdelen = (int)l->dagdelen,
                                 .planned = planned,
                                 .free = free_mask,
                                 .need_goals = goals,
                                 .need_amounts = amounts,
                                 .n_needs = (int)l->n_needs,
                                 .preferred = (const char *const *)l->preferred_partners,
                                 .n_preferred = (int)l->n_preferred_partners,
                                 .history = (const char *const *)l->history,
                                 .n_history = (int)l->n_history};
    rc = regio_rpp_add_learner(x->r, &in, x->err, sizeof x->err) < 0 ? -1 : 0;
out:
    free(goals);
    free(amounts);
    return rc;
}

static int s_placements(s_export_t *x)
{
    const Regio__PlannerSnapshot *ps = x->plan->planner_snapshot;
    for (size_t i = 0; i < ps->n_placements; i++) {
        const Regio__Placement *p = ps->placements[i];
        int32_t l = regio_strtab_find(x->r->learner_ids, p->learner);
        int32_t o = regio_strtab_find(x->r->offering_ids, p->offering);
        int32_t per = regio_strtab_find(x->r->period_ids, p->period);
        if (l < 0 || o < 0 || per < 0) {
            snprintf(x->err, sizeof x->err,
                     "placement of learner %s in %s at %s refers to an unknown %s", p->learner,
                     p->period, p->offering,
                     l < 0   ? "learner"
                     : o < 0 ? "offering"
                             : "period");
            return -1;
        }
        uint16_t mask = 0;
        for (size_t k = 0; k < p->n_slots; k++)
            if (p->slots[k] < REGIO_RPP_SLOTS)
                mask |= (uint16_t)(1u << p->slots[k]);
        if (regio_rpp_sol_add(&x->sol, l, (int16_t)per, o, mask) < 0) {
            snprintf(x->err, sizeof x->err, "out of memory");
            return -1;
        }
    }
    regio_rpp_sol_sort(&x->sol);
    return 0;
}

static int s_build(s_export_t *x)
{
    if (!(x->r = regio_rpp_new(x->name))) {
        snprintf(x->err, sizeof x->err, "out of memory");
        return -1;
    }
    const Regio__PlannerSnapshot *ps = x->plan->planner_snapshot;
    if (ps->weights) {
        x->r->w.coverage = ps->weights->coverage;
        x->r->w.km = ps->weights->km;
        x->r->w.repeat = ps->weights->repeat;
        x->r->w.preference = ps->weights->preference;
    }
    regio_strtab_t *on_hold = regio_strtab_new();
    int rc = !on_hold || s_partners(x, on_hold) < 0 || s_offerings(x, on_hold) < 0 ? -1 : 0;
    if (!on_hold)
        snprintf(x->err, sizeof x->err, "out of memory");
    regio_strtab_destroy(&on_hold);
    for (size_t i = 0; rc == 0 && i < ps->n_learners; i++)
        rc = s_learner(x, ps->learners[i]);
    return rc == 0 ? s_placements(x) : rc;
}

/* Write through a temporary file so a failed export leaves no half file;
 * "-" is stdout. Returns 0 or an exit code after printing why. */
static int s_write(regioctl_t *c, s_export_t *x, const char *path, int sol)
{
    if (strcmp(path, "-") == 0) {
        int rc = sol ? regio_rpp_json_write_sol(x->r, &x->sol, stdout)
                     : regio_rpp_json_write(x->r, stdout);
        return rc < 0 ? regioctl_fail(c, REGIOCTL_EXIT_SERVICE, "stdout: %s", regio_strerror(rc))
                      : 0;
    }
    char tmp[4096];
    snprintf(tmp, sizeof tmp, "%s.tmp", path);
    FILE *f = fopen(tmp, "w");
    if (!f)
        return regioctl_fail(c, REGIOCTL_EXIT_USAGE, "%s: %s", path, strerror(errno));
    int rc = sol ? regio_rpp_json_write_sol(x->r, &x->sol, f) : regio_rpp_json_write(x->r, f);
    if (fclose(f) != 0 && rc == 0)
        rc = -errno;
    if (rc == 0 && rename(tmp, path) != 0)
        rc = -errno;
    if (rc < 0) {
        remove(tmp);
        return regioctl_fail(c, REGIOCTL_EXIT_USAGE, "%s: %s", path, regio_strerror(rc));
    }
    return 0;
}

static int s_args(regioctl_t *c, int argc, char **argv, s_export_t *x)
{
    for (int i = 1; i < argc; i++) {
        const char **dst = regioctl_opt_is(argv[i], "--instance")   ? &x->instance_path
                           : regioctl_opt_is(argv[i], "--solution") ? &x->solution_path
                           : regioctl_opt_is(argv[i], "--name")     ? &x->name
                                                                    : NULL;
        if (!dst)
            return regioctl_fail(c, REGIOCTL_EXIT_USAGE,
                                 "unexpected '%s' (usage: regioctl export --instance OUT.json "
                                 "--solution OUT2.json [--name NAME])",
                                 argv[i]);
        if (!(*dst = regioctl_opt_value(c, argc, argv, &i)))
            return REGIOCTL_EXIT_USAGE;
    }
    if (!x->instance_path && !x->solution_path)
        return regioctl_fail(
            c, REGIOCTL_EXIT_USAGE,
            "nothing to write: give --instance OUT.json and/or --solution OUT2.json");
    return 0;
}

int regioctl_export(regioctl_t *c, int argc, char **argv)
{
    s_export_t x = {.name = "regio"};
    regio_rpp_sol_init(&x.sol);
    int rc = s_args(c, argc, argv, &x);
    if (rc || (rc = s_fetch(c, &x)) != 0)
        goto out;
    if (s_build(&x) < 0) {
        rc = regioctl_fail(c, REGIOCTL_EXIT_SERVICE,
                           "the services' state is not a valid rpp-1 instance: %s", x.err);
        goto out;
    }
    if ((x.instance_path && (rc = s_write(c, &x, x.instance_path, 0)) != 0) ||
        (x.solution_path && (rc = s_write(c, &x, x.solution_path, 1)) != 0))
        goto out;
    int to_stdout = (x.instance_path && strcmp(x.instance_path, "-") == 0) ||
                    (x.solution_path && strcmp(x.solution_path, "-") == 0);
    fprintf(to_stdout ? stderr : stdout, /* keep stdout pure JSON */
            "exported: %d periods, %d partners, %d offerings, %d learners, %d placements "
            "(plan %llu)\n",
            x.r->n_periods, x.r->n_partners, x.r->n_offerings, x.r->n_learners, x.sol.n,
            (unsigned long long)x.plan->planner_snapshot->plan_version);
out:
    regio_rpp_sol_free(&x.sol);
    regio_rpp_destroy(&x.r);
    if (x.reg)
        regio__envelope__free_unpacked(x.reg, NULL);
    if (x.cap)
        regio__envelope__free_unpacked(x.cap, NULL);
    if (x.plan)
        regio__envelope__free_unpacked(x.plan, NULL);
    return rc;
}
