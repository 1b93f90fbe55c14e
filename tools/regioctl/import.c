/* import - load an rpp-1 instance into the services through their interfaces.
 *
 * All or nothing for bad input: before it sends anything, every message the
 * import would send is built and checked with the services' own rules
 * (rules.h), so a file with one bad learner at its end changes nothing
 * (exit 2). A service that fails half-way (down, storage full) can still
 * leave part of an import behind; importing the file again completes it.
 *
 * Order matters: the calendar and partners must exist before offerings, the
 * capacity service only accepts seats for offerings its registry mirror
 * knows, so it waits for the mirror to reach the registry's last ack before
 * sending seats. Each phase is pipelined (pipe.h). It returns once the
 * planner's copy of the capacity service holds every seat imported, so a
 * plan asked for right after plans the whole import (the planner's mirror
 * could otherwise be up to a heartbeat behind: follow.h).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zmq.h>

#include "commands.h"
#include "ctl.h"
#include "mirror.h"
#include "pipe.h"
#include "regio/rpp.h"
#include "regio/rpp_json.h"
#include "regio/rules.h"
#include "regio/strtab.h"
#include "regio/validate.h"

/* State of one import; the scratch messages are reused by every build. */
typedef struct {
    const regio_rpp_t *r; /* the instance, borrowed */
    uint64_t reg_seq;     /* highest Ack.seq of the registry */
    uint64_t cap_seq;     /* highest CapacityAck.seq of the capacity service */
    uint64_t version;     /* capacity version of this import (unix ms) */
    int32_t *row_o;       /* capacity rows: offering index, owned */
    int16_t *row_p;       /* capacity rows: period index, owned */
    size_t n_rows;
    char **strs;        /* scratch string pointers, owned */
    Regio__Need *needs; /* scratch, owned */
    Regio__Need **need_ptrs;
    Regio__Partner partner;
    Regio__PutPartner put_partner;
    Regio__Offering offering;
    Regio__PutOffering put_offering;
    Regio__CapacityUpdate update;
    Regio__FreeSlots free[REGIO_RPP_MAX_PERIODS], *free_ptrs[REGIO_RPP_MAX_PERIODS];
    uint32_t slots[REGIO_RPP_MAX_PERIODS][REGIO_RPP_SLOTS];
    uint32_t seats[REGIO_RPP_SLOTS];
    char update_id[REGIO_ID_MAX + 1];
    Regio__Learner learner;
    Regio__PutLearner put_learner;
} s_import_t;

static int s_unexpected(const char *who, const regio_envelope_t *r, char *err, size_t errlen)
{
    snprintf(err, errlen, "the %s sent an unexpected reply (body %d)", who, (int)r->body_case);
    return REGIOCTL_EXIT_SERVICE;
}

static int s_check_registry(void *arg, size_t i, const regio_envelope_t *r, char *err,
                            size_t errlen)
{
    s_import_t *im = arg;
    if (r->body_case != REGIO__ENVELOPE__BODY_ACK || !r->ack)
        return s_unexpected("registry", r, err, errlen);
    if (r->ack->seq > im->reg_seq)
        im->reg_seq = r->ack->seq;
    return 0;
}

static int s_check_capacity(void *arg, size_t i, const regio_envelope_t *r, char *err,
                            size_t errlen)
{
    s_import_t *im = arg;
    if (r->body_case != REGIO__ENVELOPE__BODY_CAPACITY_ACK || !r->capacity_ack)
        return s_unexpected("capacity service", r, err, errlen);
    if (r->capacity_ack->seq > im->cap_seq)
        im->cap_seq = r->capacity_ack->seq;
    return 0;
}

static int s_check_planner(void *arg, size_t i, const regio_envelope_t *r, char *err, size_t errlen)
{
    if (r->body_case != REGIO__ENVELOPE__BODY_ACK)
        return s_unexpected("planner", r, err, errlen);
    return 0;
}

static int s_build_calendar(void *arg, size_t i, regio_envelope_t *env, char *err, size_t errlen)
{
    static Regio__Period periods[REGIO_RPP_MAX_PERIODS], *ptrs[REGIO_RPP_MAX_PERIODS];
    static Regio__PutCalendar cal;
    s_import_t *im = arg;
    regio__put_calendar__init(&cal);
    for (int p = 0; p < im->r->n_periods; p++) {
        regio__period__init(&periods[p]);
        periods[p].id = (char *)im->r->periods[p].id;
        periods[p].weeks = (uint32_t)im->r->periods[p].weeks;
        ptrs[p] = &periods[p];
    }
    cal.periods = ptrs;
    cal.n_periods = (size_t)im->r->n_periods;
    env->body_case = REGIO__ENVELOPE__BODY_PUT_CALENDAR;
    env->put_calendar = &cal;
    return 0;
}

static int s_build_partner(void *arg, size_t i, regio_envelope_t *env, char *err, size_t errlen)
{
    s_import_t *im = arg;
    const regio_rpp_partner_t *p = &im->r->partners[i];
    regio__partner__init(&im->partner);
    im->partner.id = (char *)p->id;
    im->partner.kind = (Regio__PartnerKind)(REGIO__PARTNER_KIND__KIND_BUSINESS + (int)p->kind);
    im->partner.name = p->name ? p->name : "";
    im->partner.country = "NL";
    im->partner.lat = p->lat;
    im->partner.lon = p->lon;
    regio__put_partner__init(&im->put_partner);
    im->put_partner.partner = &im->partner;
    env->body_case = REGIO__ENVELOPE__BODY_PUT_PARTNER;
    env->put_partner = &im->put_partner;
    return 0;
}

/* Point strs[0..n-1] at the names of tab's indexes v. */
static char **s_names(char **strs, const regio_strtab_t *tab, const int32_t *v, int n)
{
    for (int k = 0; k < n; k++)
        strs[k] = (char *)regio_strtab_name(tab, v[k]);
    return strs;
}

static int s_build_offering(void *arg, size_t i, regio_envelope_t *env, char *err, size_t errlen)
{
    s_import_t *im = arg;
    const regio_rpp_t *r = im->r;
    const regio_rpp_offering_t *o = &r->offerings[i];
    regio__offering__init(&im->offering);
    im->offering.id = (char *)o->id;
    im->offering.partner = (char *)r->partners[o->partner].id;
    im->offering.form = o->form ? o->form : "";
    im->offering.lat = o->lat;
    im->offering.lon = o->lon;
    im->offering.goals = s_names(im->strs, r->goals, o->goals, o->n_goals);
    im->offering.n_goals = (size_t)o->n_goals;
    im->offering.qualifications = s_names(im->strs + o->n_goals, r->quals, o->quals, o->n_quals);
    im->offering.n_qualifications = (size_t)o->n_quals;
    im->offering.min_age = (uint32_t)o->min_age;
    regio__put_offering__init(&im->put_offering);
    im->put_offering.offering = &im->offering;
    env->body_case = REGIO__ENVELOPE__BODY_PUT_OFFERING;
    env->put_offering = &im->put_offering;
    return 0;
}

static int s_build_update(void *arg, size_t i, regio_envelope_t *env, char *err, size_t errlen)
{
    s_import_t *im = arg;
    const regio_rpp_t *r = im->r;
    int32_t o = im->row_o[i];
    int p = im->row_p[i];
    const char *oid = r->offerings[o].id, *pid = r->periods[p].id;
    int n = snprintf(im->update_id, sizeof im->update_id, "import-%llu-%s-%s",
                     (unsigned long long)im->version, oid, pid);
    if (n < 0 || (size_t)n >= sizeof im->update_id) /* long ids: row number keeps it unique */
        snprintf(im->update_id, sizeof im->update_id, "import-%llu-row-%zu",
                 (unsigned long long)im->version, i);
    for (int t = 0; t < REGIO_RPP_SLOTS; t++)
        im->seats[t] = (uint32_t)regio_rpp_cap(r, o, p, t);
    regio__capacity_update__init(&im->update);
    im->update.update_id = im->update_id;
    im->update.offering = (char *)oid;
    im->update.period = (char *)pid;
    im->update.seats = im->seats;
    im->update.n_seats = REGIO_RPP_SLOTS;
    im->update.version = im->version;
    env->body_case = REGIO__ENVELOPE__BODY_CAPACITY_UPDATE;
    env->capacity_update = &im->update;
    return 0;
}

static void s_learner_free(s_import_t *im, const regio_rpp_learner_t *l)
{
    size_t n = 0;
    for (int p = 0; p < im->r->n_periods; p++) {
        if (!(l->planned & (1u << p)))
            continue;
        Regio__FreeSlots *f = &im->free[n];
        regio__free_slots__init(f);
        f->period = (char *)im->r->periods[p].id;
        f->slots = im->slots[n];
        for (int t = 0; t < REGIO_RPP_SLOTS; t++)
            if (l->free[p] & (1u << t))
                f->slots[f->n_slots++] = (uint32_t)t;
        im->free_ptrs[n++] = f;
    }
    im->learner.free = im->free_ptrs;
    im->learner.n_free = n;
}

static int s_build_learner(void *arg, size_t i, regio_envelope_t *env, char *err, size_t errlen)
{
    s_import_t *im = arg;
    const regio_rpp_t *r = im->r;
    const regio_rpp_learner_t *l = &r->learners[i];
    Regio__Learner *x = &im->learner;
    regio__learner__init(x);
    x->id = (char *)l->id;
    x->school = (char *)regio_strtab_name(r->schools, l->school);
    x->qualification = (char *)regio_strtab_name(r->quals, l->qual);
    x->age = (uint32_t)l->age;
    x->lat = l->lat;
    x->lon = l->lon;
    x->max_km = l->max_km;
    x->dagdelen = (uint32_t)l->dagdelen;
    s_learner_free(im, l);
    for (int k = 0; k < l->n_needs; k++) {
        regio__need__init(&im->needs[k]);
        im->needs[k].goal = (char *)regio_strtab_name(r->goals, l->needs[k].goal);
        im->needs[k].dagdelen = (uint32_t)l->needs[k].amount;
        im->need_ptrs[k] = &im->needs[k];
    }
    x->needs = im->need_ptrs;
    x->n_needs = (size_t)l->n_needs;
    char **pref = im->strs, **hist = im->strs + l->n_preferred;
    for (int k = 0; k < l->n_preferred; k++)
        pref[k] = (char *)r->partners[l->preferred[k]].id;
    for (int k = 0; k < l->n_history; k++)
        hist[k] = (char *)r->partners[l->history[k]].id;
    x->preferred_partners = pref;
    x->n_preferred_partners = (size_t)l->n_preferred;
    x->history = hist;
    x->n_history = (size_t)l->n_history;
    regio__put_learner__init(&im->put_learner);
    im->put_learner.learner = x;
    env->body_case = REGIO__ENVELOPE__BODY_PUT_LEARNER;
    env->put_learner = &im->put_learner;
    return 0;
}

/* Size the scratch arrays and list the capacity rows. Returns 0 or -1. */
static int s_prepare(s_import_t *im)
{
    const regio_rpp_t *r = im->r;
    size_t max_strs = 1, max_needs = 1;
    for (int32_t o = 0; o < r->n_offerings; o++)
        if ((size_t)(r->offerings[o].n_goals + r->offerings[o].n_quals) > max_strs)
            max_strs = (size_t)(r->offerings[o].n_goals + r->offerings[o].n_quals);
    for (int32_t l = 0; l < r->n_learners; l++) {
        const regio_rpp_learner_t *x = &r->learners[l];
        if ((size_t)(x->n_preferred + x->n_history) > max_strs)
            max_strs = (size_t)(x->n_preferred + x->n_history);
        if ((size_t)x->n_needs > max_needs)
            max_needs = (size_t)x->n_needs;
    }
    size_t max_rows = (size_t)r->n_offerings * (size_t)r->n_periods + 1;
    im->strs = calloc(max_strs, sizeof *im->strs);
    im->needs = calloc(max_needs, sizeof *im->needs);
    im->need_ptrs = calloc(max_needs, sizeof *im->need_ptrs);
    im->row_o = calloc(max_rows, sizeof *im->row_o);
    im->row_p = calloc(max_rows, sizeof *im->row_p);
    if (!im->strs || !im->needs || !im->need_ptrs || !im->row_o || !im->row_p)
        return -1;
    for (int32_t o = 0; o < r->n_offerings; o++)
        for (int p = 0; p < r->n_periods; p++) {
            int any = 0;
            for (int t = 0; t < REGIO_RPP_SLOTS; t++)
                any |= regio_rpp_cap(r, o, p, t) > 0;
            if (any) {
                im->row_o[im->n_rows] = o;
                im->row_p[im->n_rows++] = (int16_t)p;
            }
        }
    return 0;
}

static void s_release(s_import_t *im)
{
    free(im->strs);
    free(im->needs);
    free(im->need_ptrs);
    free(im->row_o);
    free(im->row_p);
}

/* Build every message of the import and check it as the services will.
 * Returns 0, or REGIOCTL_EXIT_USAGE with one line in err. */
static int s_check_all(s_import_t *im, char *err, size_t errlen)
{
    const regio_rpp_t *r = im->r;
    regio_envelope_t env = REGIO__ENVELOPE__INIT;
    s_build_calendar(im, 0, &env, err, errlen);
    const Regio__PutCalendar *cal = env.put_calendar;
    int rc = regio_rules_check_calendar(cal, err, errlen);
    for (int32_t i = 0; rc == 0 && i < r->n_partners; i++) {
        s_build_partner(im, (size_t)i, &env, err, errlen);
        rc = regio_rules_check_partner(env.put_partner->partner, err, errlen);
    }
    for (int32_t i = 0; rc == 0 && i < r->n_offerings; i++) {
        s_build_partner(im, (size_t)r->offerings[i].partner, &env, err, errlen);
        s_build_offering(im, (size_t)i, &env, err, errlen);
        rc = regio_rules_check_offering(&im->offering, &im->partner, err, errlen);
    }
    for (int32_t i = 0; rc == 0 && i < r->n_learners; i++) {
        s_build_learner(im, (size_t)i, &env, err, errlen);
        rc = regio_rules_check_learner(env.put_learner->learner, cal, err, errlen);
    }
    return rc < 0 ? REGIOCTL_EXIT_USAGE : 0;
}

static int s_phase(regioctl_t *c, regioctl_conn_t *k, s_import_t *im, size_t n,
                   regioctl_pipe_build_cb build, regioctl_pipe_check_cb check)
{
    regioctl_pipe_opts_t o = {n, REGIOCTL_PIPE_WINDOW, c->timeout_ms, build, check, im};
    char err[REGIOCTL_ERR_MAX];
    int rc = regioctl_pipe_run(k, &o, err, sizeof err);
    return rc ? regioctl_fail(c, rc, "%s", err) : 0;
}

static int s_run(regioctl_t *c, s_import_t *im)
{
    const regio_rpp_t *r = im->r;
    regioctl_conn_t reg = {0}, cap = {0}, plan = {0};
    int rc;
    if ((rc = regioctl_conn_open(c, &reg, "registry", "registry", c->registry, ZMQ_DEALER)) ||
        (rc = regioctl_conn_open(c, &cap, "capacity", "capacity service", c->capacity, ZMQ_DEALER)) ||
        (rc = regioctl_conn_open(c, &plan, "planner", "planner", c->planner, ZMQ_DEALER)))
        goto out;
    if ((rc = s_phase(c, &reg, im, 1, s_build_calendar, s_check_registry)) ||
        (rc = s_phase(c, &reg, im, (size_t)r->n_partners, s_build_partner, s_check_registry)) ||
        (rc = s_phase(c, &reg, im, (size_t)r->n_offerings, s_build_offering, s_check_registry)))
        goto out;
    if ((rc = regioctl_mirror_wait(c, &cap, "capacity service", "registry", im->reg_seq)) ||
        (rc = s_phase(c, &cap, im, im->n_rows, s_build_update, s_check_capacity)) ||
        (rc = regioctl_mirror_wait(c, &plan, "planner", "registry", im->reg_seq)) ||
        (rc = s_phase(c, &plan, im, (size_t)r->n_learners, s_build_learner, s_check_planner)) ||
        (rc = regioctl_mirror_wait(c, &plan, "planner", "capacity", im->cap_seq)))
        goto out;
out:
    regioctl_conn_close(&plan);
    regioctl_conn_close(&cap);
    regioctl_conn_close(&reg);
    return rc;
}

int regioctl_import(regioctl_t *c, int argc, char **argv)
{
    if (argc != 2 || argv[1][0] == '-')
        return regioctl_fail(c, REGIOCTL_EXIT_USAGE, "usage: regioctl import FILE.json");
    int64_t t0 = regioctl_now_ms();
    char err[REGIOCTL_ERR_MAX];
    regio_rpp_t *r = NULL;
    int rc = regio_rpp_json_load(argv[1], &r, err, sizeof err);
    if (rc < 0)
        return regioctl_fail(c, REGIOCTL_EXIT_USAGE, "%s%s%s",
                             strncmp(err, argv[1], strlen(argv[1])) ? argv[1] : "",
                             strncmp(err, argv[1], strlen(argv[1])) ? ": " : "", err);
    s_import_t *im = calloc(1, sizeof *im);
    if (!im || (im->r = r, s_prepare(im) < 0)) {
        rc = regioctl_fail(c, REGIOCTL_EXIT_SERVICE, "out of memory");
        goto out;
    }
    if ((rc = s_check_all(im, err, sizeof err)) != 0) {
        rc = regioctl_fail(c, rc, "%s: %s (nothing was imported)", argv[1], err);
        goto out;
    }
    im->version = regioctl_unix_ms();
    if ((rc = s_run(c, im)) == 0)
        printf("imported: %d periods, %d partners, %d offerings, %zu capacity rows, %d learners "
               "in %.1f s\n",
               r->n_periods, r->n_partners, r->n_offerings, im->n_rows, r->n_learners,
               (double)(regioctl_now_ms() - t0) / 1000.0);
out:
    if (im)
        s_release(im);
    free(im);
    regio_rpp_destroy(&r);
    return rc;
}
