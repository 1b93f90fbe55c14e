/* fuzz_env - the tiny example as rpp-1 text and as the requests that build it. */
#include "fuzz_env.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "regio/msg.h"
#include "regio/rpp_json.h"

const char *const fuzz_service_names[FUZZ_N_SERVICES] = {"registry", "capacity", "notifier",
                                                         "planner"};

/* ../shared/spec/examples/tiny-1.json */
const char fuzz_tiny_json[] =
    "{\n"
    "  \"format\": \"rpp-1\",\n"
    "  \"name\": \"tiny-1\",\n"
    "  \"weights\": {\"coverage\": 100, \"km\": 0.5, \"repeat\": 500, \"preference\": 200},\n"
    "  \"periods\": [{\"id\": \"P1\", \"weeks\": 10}, {\"id\": \"P2\", \"weeks\": 10}],\n"
    "  \"partners\": [\n"
    "    {\"id\": \"p1\", \"kind\": \"business\", \"name\": \"Warehouse Oosterhout\", \"lat\": 51.645, \"lon\": 4.860},\n"
    "    {\"id\": \"p2\", \"kind\": \"business\", \"name\": \"Transport Breda\", \"lat\": 51.589, \"lon\": 4.776},\n"
    "    {\"id\": \"p3\", \"kind\": \"education\", \"name\": \"Logistics simulator, school Breda\", \"lat\": 51.586, \"lon\": 4.792}\n"
    "  ],\n"
    "  \"offerings\": [\n"
    "    {\"id\": \"o1\", \"partner\": \"p1\", \"form\": \"beroepsopleidend\", \"lat\": 51.645, \"lon\": 4.860,\n"
    "     \"goals\": [\"LOG-W1\", \"LOG-W2\"], \"qualifications\": [\"25472\"], \"min_age\": 16,\n"
    "     \"capacity\": {\"P1\": [2,2,0,0,2,2,0,0,0,0], \"P2\": [1,1,1,1,1,1,0,0,0,0]}},\n"
    "    {\"id\": \"o2\", \"partner\": \"p2\", \"form\": \"beroepsopleidend\", \"lat\": 51.589, \"lon\": 4.776,\n"
    "     \"goals\": [\"LOG-W3\"], \"qualifications\": [\"25472\"], \"min_age\": 18,\n"
    "     \"capacity\": {\"P1\": [1,1,1,1,1,1,1,1,1,1], \"P2\": [1,1,1,1,1,1,1,1,1,1]}},\n"
    "    {\"id\": \"o3\", \"partner\": \"p3\", \"form\": \"simulatie\", \"lat\": 51.586, \"lon\": 4.792,\n"
    "     \"goals\": [\"LOG-W1\", \"LOG-W2\", \"LOG-W3\"], \"qualifications\": [], \"min_age\": 0,\n"
    "     \"capacity\": {\"P1\": [8,8,8,8,8,8,8,8,8,8]}}\n"
    "  ],\n"
    "  \"learners\": [\n"
    "    {\"id\": \"l1\", \"school\": \"s1\", \"qualification\": \"25472\", \"age\": 17, \"lat\": 51.590, \"lon\": 4.780,\n"
    "     \"max_km\": 15, \"dagdelen\": 4, \"free\": {\"P1\": [0,1,4,5], \"P2\": [2,3,6,7]},\n"
    "     \"needs\": {\"LOG-W1\": 60, \"LOG-W2\": 40, \"LOG-W3\": 40}, \"preferred_partners\": [\"p1\"], \"history\": []},\n"
    "    {\"id\": \"l2\", \"school\": \"s1\", \"qualification\": \"25472\", \"age\": 19, \"lat\": 51.600, \"lon\": 4.800,\n"
    "     \"max_km\": 10, \"dagdelen\": 4, \"free\": {\"P1\": [0,1,2,3,4,5], \"P2\": [0,1,2,3,4,5]},\n"
    "     \"needs\": {\"LOG-W1\": 40, \"LOG-W3\": 40}, \"preferred_partners\": [], \"history\": [\"p2\"]},\n"
    "    {\"id\": \"l3\", \"school\": \"s2\", \"qualification\": \"25180\", \"age\": 16, \"lat\": 51.580, \"lon\": 4.790,\n"
    "     \"max_km\": 5, \"dagdelen\": 2, \"free\": {\"P1\": [8,9]},\n"
    "     \"needs\": {\"LOG-W1\": 20}, \"preferred_partners\": [], \"history\": []}\n"
    "  ]\n"
    "}\n";

/* ../shared/spec/examples/tiny-1.solution.json */
const char fuzz_tiny_solution_json[] =
    "{\"format\": \"rpp-1-solution\", \"instance\": \"tiny-1\",\n"
    " \"placements\": [\n"
    "  {\"learner\": \"l1\", \"period\": \"P1\", \"offering\": \"o1\", \"slots\": [0,1,4,5]},\n"
    "  {\"learner\": \"l2\", \"period\": \"P1\", \"offering\": \"o3\", \"slots\": [0,1,2,3]},\n"
    "  {\"learner\": \"l2\", \"period\": \"P2\", \"offering\": \"o2\", \"slots\": [0,1,4,5]},\n"
    "  {\"learner\": \"l3\", \"period\": \"P1\", \"offering\": \"o3\", \"slots\": [8,9]}\n"
    " ]}\n";

/* The change of ../shared/spec/rpp.md, with ids of the tiny instance. */
const char fuzz_tiny_change_json[] =
    "{\"format\": \"rpp-1-change\", \"instance\": \"tiny-1\",\n"
    " \"pinned_periods\": [\"P1\"],\n"
    " \"capacity\": [{\"offering\": \"o1\", \"period\": \"P2\", \"capacity\": [0,0,2,2,2,2,0,0,0,0]}],\n"
    " \"withdrawn_offerings\": [\"o2\"]}\n";

void fuzz_die(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fputs("fuzz: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
    abort();
}

regio_rpp_t *fuzz_tiny(void)
{
    char err[256];
    regio_rpp_t *r;
    if (regio_rpp_json_parse(fuzz_tiny_json, strlen(fuzz_tiny_json), &r, err, sizeof err) < 0)
        fuzz_die("the embedded tiny example does not parse: %s", err);
    return r;
}

int fuzz_frames_add(fuzz_frames_t *f, const char *name, const void *env)
{
    if (f->n == f->cap) {
        size_t cap = f->cap ? f->cap * 2 : 32;
        fuzz_frame_t *v = realloc(f->v, cap * sizeof *v);
        if (!v)
            return -ENOMEM;
        f->v = v;
        f->cap = cap;
    }
    fuzz_frame_t *fr = &f->v[f->n];
    fr->len = regio__envelope__get_packed_size(env);
    if (!(fr->data = malloc(fr->len ? fr->len : 1)))
        return -ENOMEM;
    regio__envelope__pack(env, fr->data);
    snprintf(fr->name, sizeof fr->name, "%s", name);
    f->n++;
    return 0;
}

void fuzz_frames_free(fuzz_frames_t *f)
{
    for (size_t i = 0; i < f->n; i++)
        free(f->v[i].data);
    free(f->v);
    memset(f, 0, sizeof *f);
}

size_t fuzz_batch_split(const uint8_t *data, size_t size, const uint8_t **frame, size_t *len)
{
    size_t n = 0, at = 1;
    while (n < FUZZ_BATCH_MAX && at < size) {
        size_t l = data[at++];
        frame[n] = data + at;
        len[n] = l < size - at ? l : size - at;
        at += len[n++];
    }
    return n;
}

size_t fuzz_batch_join(const uint8_t *const *frame, const size_t *len, size_t n, uint8_t *out,
                       size_t max)
{
    size_t at = 1;
    if (max < 1)
        return 0;
    out[0] = FUZZ_BATCH_MAGIC;
    for (size_t i = 0, k = 0; i < n && k < FUZZ_BATCH_MAX; i++) {
        if (len[i] > 255 || at + 1 + len[i] > max)
            continue;
        out[at++] = (uint8_t)len[i];
        memcpy(out + at, frame[i], len[i]);
        at += len[i];
        k++;
    }
    return at > 1 ? at : 0;
}

/* Builders --------------------------------------------------------------- */

/* What one builder needs: the instance, the output, the next envelope id. */
typedef struct {
    const regio_rpp_t *r;
    fuzz_frames_t *out;
    uint64_t id;
    int rc;
} s_ctx_t;

/* Add env (body already set) under a name made of fmt. */
static void s_add(s_ctx_t *x, regio_envelope_t *env, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void s_add(s_ctx_t *x, regio_envelope_t *env, const char *fmt, ...)
{
    char name[64];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(name, sizeof name, fmt, ap);
    va_end(ap);
    env->id = ++x->id;
    if (x->rc == 0)
        x->rc = fuzz_frames_add(x->out, name, env);
}

static void s_calendar(s_ctx_t *x)
{
    Regio__Period pv[REGIO_RPP_MAX_PERIODS], *pp[REGIO_RPP_MAX_PERIODS];
    for (int i = 0; i < x->r->n_periods; i++) {
        regio__period__init(&pv[i]);
        pv[i].id = (char *)x->r->periods[i].id;
        pv[i].weeks = (uint32_t)x->r->periods[i].weeks;
        pp[i] = &pv[i];
    }
    Regio__PutCalendar c = REGIO__PUT_CALENDAR__INIT;
    c.periods = pp;
    c.n_periods = (size_t)x->r->n_periods;
    regio_envelope_t env = REGIO__ENVELOPE__INIT;
    env.body_case = REGIO__ENVELOPE__BODY_PUT_CALENDAR;
    env.put_calendar = &c;
    s_add(x, &env, "put_calendar");
}

/* Partners; with_sites adds a site and sectors to the first one. */
static void s_partners(s_ctx_t *x, int with_sites)
{
    for (int32_t i = 0; i < x->r->n_partners; i++) {
        const regio_rpp_partner_t *rp = &x->r->partners[i];
        Regio__Partner p = REGIO__PARTNER__INIT;
        Regio__Site site = REGIO__SITE__INIT, *sites[1] = {&site};
        char *sectors[2] = {"logistics", "transport"};
        p.id = (char *)rp->id;
        p.kind = (Regio__PartnerKind)(rp->kind + 1);
        p.name = rp->name ? rp->name : "";
        p.country = "NL";
        p.lat = rp->lat;
        p.lon = rp->lon;
        if (with_sites) {
            site.id = "site1";
            site.name = "depot";
            site.lat = rp->lat + 0.01;
            site.lon = rp->lon;
            p.sites = sites;
            p.n_sites = 1;
            p.sectors = sectors;
            p.n_sectors = 2;
        }
        Regio__PutPartner pp = REGIO__PUT_PARTNER__INIT;
        pp.partner = &p;
        regio_envelope_t env = REGIO__ENVELOPE__INIT;
        env.body_case = REGIO__ENVELOPE__BODY_PUT_PARTNER;
        env.put_partner = &pp;
        s_add(x, &env, "put_partner_%s%s", rp->id, with_sites ? "_sites" : "");
        if (with_sites)
            break;
    }
}

static void s_offerings(s_ctx_t *x)
{
    for (int32_t i = 0; i < x->r->n_offerings; i++) {
        const regio_rpp_offering_t *ro = &x->r->offerings[i];
        char *goals[64], *quals[64];
        int ng = ro->n_goals < 64 ? ro->n_goals : 64, nq = ro->n_quals < 64 ? ro->n_quals : 64;
        for (int k = 0; k < ng; k++)
            goals[k] = (char *)regio_strtab_name(x->r->goals, ro->goals[k]);
        for (int k = 0; k < nq; k++)
            quals[k] = (char *)regio_strtab_name(x->r->quals, ro->quals[k]);
        Regio__Offering o = REGIO__OFFERING__INIT;
        o.id = (char *)ro->id;
        o.partner = (char *)x->r->partners[ro->partner].id;
        o.form = ro->form ? ro->form : "";
        o.lat = ro->lat;
        o.lon = ro->lon;
        o.goals = goals;
        o.n_goals = (size_t)ng;
        o.qualifications = quals;
        o.n_qualifications = (size_t)nq;
        o.min_age = (uint32_t)ro->min_age;
        Regio__PutOffering po = REGIO__PUT_OFFERING__INIT;
        po.offering = &o;
        regio_envelope_t env = REGIO__ENVELOPE__INIT;
        env.body_case = REGIO__ENVELOPE__BODY_PUT_OFFERING;
        env.put_offering = &po;
        s_add(x, &env, "put_offering_%s", ro->id);
    }
}

static void s_capacity(s_ctx_t *x)
{
    for (int32_t i = 0; i < x->r->n_offerings; i++) {
        const regio_rpp_offering_t *ro = &x->r->offerings[i];
        for (int p = 0; p < x->r->n_periods; p++) {
            uint32_t seats[REGIO_RPP_SLOTS];
            char uid[96];
            for (int t = 0; t < REGIO_RPP_SLOTS; t++)
                seats[t] = (uint32_t)regio_rpp_cap(x->r, i, p, t);
            snprintf(uid, sizeof uid, "u-%s-%s", ro->id, x->r->periods[p].id);
            Regio__CapacityUpdate u = REGIO__CAPACITY_UPDATE__INIT;
            u.update_id = uid;
            u.offering = (char *)ro->id;
            u.period = (char *)x->r->periods[p].id;
            u.seats = seats;
            u.n_seats = REGIO_RPP_SLOTS;
            u.version = 1;
            regio_envelope_t env = REGIO__ENVELOPE__INIT;
            env.body_case = REGIO__ENVELOPE__BODY_CAPACITY_UPDATE;
            env.capacity_update = &u;
            s_add(x, &env, "capacity_update_%s_%s", ro->id, x->r->periods[p].id);
        }
    }
}

static void s_learners(s_ctx_t *x)
{
    const regio_rpp_t *r = x->r;
    for (int32_t i = 0; i < r->n_learners; i++) {
        const regio_rpp_learner_t *rl = &r->learners[i];
        Regio__FreeSlots fv[REGIO_RPP_MAX_PERIODS], *fp[REGIO_RPP_MAX_PERIODS];
        uint32_t slots[REGIO_RPP_MAX_PERIODS][REGIO_RPP_SLOTS];
        Regio__Need nv[64], *np[64];
        char *pref[64], *hist[64];
        Regio__Learner l = REGIO__LEARNER__INIT;
        for (int p = 0; p < r->n_periods; p++) {
            if (!(rl->planned >> p & 1u))
                continue;
            Regio__FreeSlots *f = &fv[l.n_free];
            regio__free_slots__init(f);
            f->period = (char *)r->periods[p].id;
            f->slots = slots[l.n_free];
            for (uint32_t t = 0; t < REGIO_RPP_SLOTS; t++)
                if (rl->free[p] >> t & 1u)
                    f->slots[f->n_slots++] = t;
            fp[l.n_free++] = f;
        }
        for (int k = 0; k < rl->n_needs && k < 64; k++) {
            regio__need__init(&nv[k]);
            nv[k].goal = (char *)regio_strtab_name(r->goals, rl->needs[k].goal);
            nv[k].dagdelen = (uint32_t)rl->needs[k].amount;
            np[l.n_needs++] = &nv[k];
        }
        for (int k = 0; k < rl->n_preferred && k < 64; k++)
            pref[l.n_preferred_partners++] = (char *)r->partners[rl->preferred[k]].id;
        for (int k = 0; k < rl->n_history && k < 64; k++)
            hist[l.n_history++] = (char *)r->partners[rl->history[k]].id;
        l.id = (char *)rl->id;
        l.school = (char *)regio_strtab_name(r->schools, rl->school);
        l.qualification = (char *)regio_strtab_name(r->quals, rl->qual);
        l.age = (uint32_t)rl->age;
        l.lat = rl->lat;
        l.lon = rl->lon;
        l.max_km = rl->max_km;
        l.dagdelen = (uint32_t)rl->dagdelen;
        l.free = fp;
        l.needs = np;
        l.preferred_partners = pref;
        l.history = hist;
        Regio__PutLearner pl = REGIO__PUT_LEARNER__INIT;
        pl.learner = &l;
        regio_envelope_t env = REGIO__ENVELOPE__INIT;
        env.body_case = REGIO__ENVELOPE__BODY_PUT_LEARNER;
        env.put_learner = &pl;
        s_add(x, &env, "put_learner_%s", rl->id);
    }
}

/* A body without fields (requests for snapshots and status). */
static void s_empty(s_ctx_t *x, Regio__Envelope__BodyCase bc, const char *name)
{
    Regio__StatusRequest st = REGIO__STATUS_REQUEST__INIT;
    Regio__RegistrySnapshotRequest rs = REGIO__REGISTRY_SNAPSHOT_REQUEST__INIT;
    Regio__CapacitySnapshotRequest cs = REGIO__CAPACITY_SNAPSHOT_REQUEST__INIT;
    Regio__PlannerSnapshotRequest ps = REGIO__PLANNER_SNAPSHOT_REQUEST__INIT;
    regio_envelope_t env = REGIO__ENVELOPE__INIT;
    env.body_case = bc;
    env.status_request = &st;
    if (bc == REGIO__ENVELOPE__BODY_REGISTRY_SNAPSHOT_REQUEST)
        env.registry_snapshot_request = &rs;
    else if (bc == REGIO__ENVELOPE__BODY_CAPACITY_SNAPSHOT_REQUEST)
        env.capacity_snapshot_request = &cs;
    else if (bc == REGIO__ENVELOPE__BODY_PLANNER_SNAPSHOT_REQUEST)
        env.planner_snapshot_request = &ps;
    s_add(x, &env, "%s", name);
}

static void s_registry_extra(s_ctx_t *x)
{
    s_partners(x, 1);
    Regio__WithdrawOffering w = REGIO__WITHDRAW_OFFERING__INIT;
    w.id = "o3";
    regio_envelope_t env = REGIO__ENVELOPE__INIT;
    env.body_case = REGIO__ENVELOPE__BODY_WITHDRAW_OFFERING;
    env.withdraw_offering = &w;
    s_add(x, &env, "withdraw_offering_o3");
    s_empty(x, REGIO__ENVELOPE__BODY_REGISTRY_SNAPSHOT_REQUEST, "registry_snapshot_request");
}

static void s_capacity_extra(s_ctx_t *x)
{
    Regio__CapacityException e = REGIO__CAPACITY_EXCEPTION__INIT;
    e.update_id = "x-o1-20261207";
    e.offering = "o1";
    e.date = "2026-12-07";
    e.slots_closed = 3;
    e.reason = "inventory";
    regio_envelope_t env = REGIO__ENVELOPE__INIT;
    env.body_case = REGIO__ENVELOPE__BODY_CAPACITY_EXCEPTION;
    env.capacity_exception = &e;
    s_add(x, &env, "capacity_exception_o1");
    e.update_id = "x-o1-20261207-open";
    e.slots_closed = 0; /* open again */
    s_add(x, &env, "capacity_exception_o1_open");
    Regio__CapacityReset r = REGIO__CAPACITY_RESET__INIT;
    r.update_id = "r-o1-P1";
    r.offering = "o1";
    r.period = "P1";
    env.body_case = REGIO__ENVELOPE__BODY_CAPACITY_RESET;
    env.capacity_reset = &r;
    s_add(x, &env, "capacity_reset_o1_P1");
    s_empty(x, REGIO__ENVELOPE__BODY_CAPACITY_SNAPSHOT_REQUEST, "capacity_snapshot_request");
}

static void s_plan_request(s_ctx_t *x, int full, const char *name)
{
    Regio__PlanRequest rq = REGIO__PLAN_REQUEST__INIT;
    rq.full = full;
    rq.seconds = 0.002;
    rq.seed = 7;
    regio_envelope_t env = REGIO__ENVELOPE__INIT;
    env.body_case = REGIO__ENVELOPE__BODY_PLAN_REQUEST;
    env.plan_request = &rq;
    s_add(x, &env, "%s", name);
}

/* A learner's export and erasure (privacy.proto); both services take them. */
static void s_learner_rights(s_ctx_t *x, const char *id, uint64_t after_source_seq)
{
    Regio__LearnerExportRequest q = REGIO__LEARNER_EXPORT_REQUEST__INIT;
    q.id = (char *)id;
    regio_envelope_t env = REGIO__ENVELOPE__INIT;
    env.body_case = REGIO__ENVELOPE__BODY_LEARNER_EXPORT_REQUEST;
    env.learner_export_request = &q;
    s_add(x, &env, "learner_export_%s", id);
    Regio__LearnerEraseRequest e = REGIO__LEARNER_ERASE_REQUEST__INIT;
    e.id = (char *)id;
    e.tombstone = "erased-0123456789abcdef";
    e.after_source_seq = after_source_seq;
    env.body_case = REGIO__ENVELOPE__BODY_LEARNER_ERASE_REQUEST;
    env.learner_erase_request = &e;
    s_add(x, &env, "learner_erase_%s", id);
}

static void s_planner_extra(s_ctx_t *x)
{
    Regio__RemoveLearner rl = REGIO__REMOVE_LEARNER__INIT;
    rl.id = "l3";
    regio_envelope_t env = REGIO__ENVELOPE__INIT;
    env.body_case = REGIO__ENVELOPE__BODY_REMOVE_LEARNER;
    env.remove_learner = &rl;
    s_add(x, &env, "remove_learner_l3");
    s_plan_request(x, 1, "plan_request_full");
    s_empty(x, REGIO__ENVELOPE__BODY_PLANNER_SNAPSHOT_REQUEST, "planner_snapshot_request");
    s_learner_rights(x, "l2", 0);
}

static void s_replay(s_ctx_t *x, const char *topic, uint64_t after, uint32_t max, const char *name)
{
    Regio__ReplayRequest rq = REGIO__REPLAY_REQUEST__INIT;
    rq.topic = (char *)topic;
    rq.after_seq = after;
    rq.max = max;
    regio_envelope_t env = REGIO__ENVELOPE__INIT;
    env.body_case = REGIO__ENVELOPE__BODY_REPLAY_REQUEST;
    env.replay_request = &rq;
    s_add(x, &env, "%s", name);
}

static void s_notifier_extra(s_ctx_t *x)
{
    uint32_t slots[4] = {0, 1, 4, 5};
    Regio__PlacementChange c = REGIO__PLACEMENT_CHANGE__INIT, *cp[1] = {&c};
    c.kind = REGIO__CHANGE_KIND__CHANGE_MOVED;
    c.learner = "l1";
    c.school = "s1";
    c.period = "P1";
    c.offering = "o1";
    c.partner = "p1";
    c.slots = slots;
    c.n_slots = 4;
    c.old_offering = "o3";
    c.old_partner = "p3";
    c.reason = "plan";
    c.plan_version = 1;
    Regio__NotifyBatch b = REGIO__NOTIFY_BATCH__INIT;
    b.first_source_seq = 1;
    b.changes = cp;
    b.n_changes = 1;
    regio_envelope_t env = REGIO__ENVELOPE__INIT;
    env.body_case = REGIO__ENVELOPE__BODY_NOTIFY_BATCH;
    env.notify_batch = &b;
    s_add(x, &env, "notify_batch_moved");
    s_replay(x, "school/s1", 0, 0, "replay_school_s1");
    s_replay(x, "learner/l1", 1, 0, "replay_learner_l1_after_1");
    s_replay(x, "", 0, 2, "replay_all_max_2");
    s_learner_rights(x, "l1", 1);
}

int fuzz_env_requests(fuzz_service_t svc, int setup, fuzz_frames_t *out)
{
    regio_rpp_t *r = fuzz_tiny();
    s_ctx_t x = {.r = r, .out = out};
    switch (svc) {
    case FUZZ_REGISTRY:
        s_calendar(&x);
        s_partners(&x, 0);
        s_offerings(&x);
        if (!setup)
            s_registry_extra(&x);
        break;
    case FUZZ_CAPACITY:
        s_capacity(&x);
        if (!setup)
            s_capacity_extra(&x);
        break;
    case FUZZ_PLANNER:
        s_learners(&x);
        s_plan_request(&x, 0, "plan_request");
        if (!setup)
            s_planner_extra(&x);
        break;
    case FUZZ_NOTIFIER:
        if (!setup)
            s_notifier_extra(&x);
        break;
    default:
        break;
    }
    if (!setup)
        s_empty(&x, REGIO__ENVELOPE__BODY_STATUS_REQUEST, "status_request");
    regio_rpp_destroy(&r);
    return x.rc;
}
