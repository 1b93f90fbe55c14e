/* planner - learner requests in, plans out, changes to the notifier. */
#include "planner.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zmq.h>

#include "engine.h"
#include "learner_rights.h"
#include "outbox.h"
#include "plan_state.h"
#include "regio/authz.h"
#include "regio/error.h"
#include "regio/follow.h"
#include "regio/log.h"
#include "regio/node.h"
#include "regio/privacy.h"
#include "regio/rpp_score.h"
#include "regio/rules.h"
#include "regio/validate.h"
#include "world.h"

#define WAITERS_MAX 64

typedef struct {
    uint8_t head[REGIO_MSG_HEAD_MAX]; /* ROUTER identity of the requester */
    size_t head_len;
    uint64_t request_id;
} waiter_t;

/* One planning round: built on the loop, solved on a worker thread. */
typedef struct {
    regio_planner_t *p;
    uv_work_t work;
    regio_rpp_t *r;
    regio_rpp_sol_t base, out;
    regio_engine_opts_t opts;
    int full, rc;
    int confirm;               /* a coordinator confirmed: may cancel any share of the plan */
    size_t cancels;            /* placements cancelled of learners who still ask for one */
    double millis;             /* in the engine */
    double build_ms;           /* building the instance and the base plan, on the loop */
    double diff_ms;            /* finding the changes and the score, on the worker thread */
    uint64_t version;          /* plan version this round commits */
    regio_plan_state_diff_t diff; /* changes to the current plan, found on the worker thread */
    regio_rpp_report_t rep;    /* the new plan's score, ditto */
    char reason[160];          /* default reason of this round's changes */
    uint64_t upstream[2];      /* registry and capacity seq of the instance */
    regio_strtab_t *changed;   /* offerings whose capacity changed */
    waiter_t waiters[WAITERS_MAX];
    int n_waiters;
} job_t;

struct regio_planner_s {
    regio_node_t node;         /* node.seq = plan version */
    regio_planner_config_t cfg;
    MDB_dbi learners, plan_db, outbox_db, meta;
    regio_world_t world;
    regio_plan_state_t plan;
    regio_follow_t *registry, *capacity;
    regio_outbox_t *outbox;
    const regio_engine_t *engine;
    job_t *job;                /* running round, or NULL */
    job_t *next;               /* requests gathered for the round after */
    uv_timer_t replan;
    int replan_armed, closing;
    Regio__PlanSummary last;   /* summary of the last committed round */
    uint64_t plan_upstream[2]; /* registry and capacity seq the plan was built on */
    uint64_t rounds, learner_puts, held;
    int round_asked;           /* a PlanRequest is in the batch being applied */
    char hold_alarm[160];      /* why the last round was held, "" once one commits */
};

typedef struct {
    regio_node_refusal_t no; /* why it was refused, if it was */
    Regio__LearnerErased erased; /* an erase's answer; its tombstone points at tomb */
    char tomb[REGIO_TOMBSTONE_LEN + 1];
} slot_t;

const regio_config_entry_t *regio_planner_config_table(regio_planner_config_t *c)
{
    static regio_config_entry_t t[40];
    regio_config_entry_t v[] = {
        REGIO_NODE_CONFIG_ENTRIES(c, "tcp://127.0.0.1:7421", "tcp://127.0.0.1:7422", "var/planner", "256", "16384"),
        {"registry-router", REGIO_CONFIG_ENDPOINT, c->registry_router, "tcp://127.0.0.1:7401", 0, -1, "registry requests"},
        {"registry-pub", REGIO_CONFIG_ENDPOINT, c->registry_pub, "tcp://127.0.0.1:7402", 0, -1, "registry change feed"},
        {"capacity-router", REGIO_CONFIG_ENDPOINT, c->capacity_router, "tcp://127.0.0.1:7411", 0, -1, "capacity requests"},
        {"capacity-pub", REGIO_CONFIG_ENDPOINT, c->capacity_pub, "tcp://127.0.0.1:7412", 0, -1, "capacity change feed"},
        {"notifier-router", REGIO_CONFIG_ENDPOINT, c->notifier_router, "tcp://127.0.0.1:7431", 0, -1, "notifier requests"},
        {"batch-max", REGIO_CONFIG_INT, &c->batch_max, "1024", 1, 65536, "requests per transaction"},
        {"engine", REGIO_CONFIG_STR, c->engine, "", 0, -1, "planning engine (empty = default)"},
        {"seconds", REGIO_CONFIG_DOUBLE, &c->seconds, "0", 0, 3600, "planning time budget (0 = engine default)"},
        {"threads", REGIO_CONFIG_INT, &c->threads, "2", 1, 64, "engine threads"},
        {"move-margin", REGIO_CONFIG_DOUBLE, &c->move_margin, "10000", 0, 1000000000, "replanning keeps a feasible placement unless moving gains this much score (cancelling: twice)"},
        {"replan-delay-ms", REGIO_CONFIG_INT, &c->replan_delay_ms, "200", 0, 600000, "gather capacity changes this long before replanning"},
        {"auto-replan", REGIO_CONFIG_BOOL, &c->auto_replan, "yes", 0, -1, "replan when capacity or offerings change"},
        {"max-cancel-share", REGIO_CONFIG_DOUBLE, &c->max_cancel_share, "0.05", 0, 1, "a round that would cancel more than this share of the placements is held until regioctl plan --confirm"},
        {"cancel-guard-min", REGIO_CONFIG_INT, &c->cancel_guard_min, "10", 0, 1000000000, "a round that cancels fewer placements than this is never held"},
        {"plan-seconds-max", REGIO_CONFIG_DOUBLE, &c->plan_seconds_max, "60", 1, 3600, "longest planning budget a PlanRequest may ask for"},
        {"w-coverage", REGIO_CONFIG_DOUBLE, &c->w_coverage, "100", 0, 1000000, "score weight per dagdeel of need covered"},
        {"w-km", REGIO_CONFIG_DOUBLE, &c->w_km, "0.5", 0, 1000000, "score weight per km travelled"},
        {"w-repeat", REGIO_CONFIG_DOUBLE, &c->w_repeat, "500", 0, 1000000, "score penalty per repeated partner"},
        {"w-preference", REGIO_CONFIG_DOUBLE, &c->w_preference, "200", 0, 1000000, "score bonus per preferred partner"},
        {0},
    };
    _Static_assert(sizeof v <= sizeof t, "the settings table outgrew its copy");
    memcpy(t, v, sizeof v);
    return t;
}

static int s_reject(slot_t *s, Regio__ErrorCode code, const char *ref, const char *reason)
{
    return regio_node_refuse(&s->no, code, ref, "%s", reason);
}

/* Planning rounds ------------------------------------------------------- */

static void s_start_round(regio_planner_t *p);

static job_t *s_job_new(regio_planner_t *p)
{
    job_t *j = calloc(1, sizeof *j);
    if (!j)
        return NULL;
    j->p = p;
    j->work.data = j;
    regio_rpp_sol_init(&j->base);
    regio_rpp_sol_init(&j->out);
    j->changed = regio_strtab_new();
    snprintf(j->reason, sizeof j->reason, "plan");
    j->opts = regio_engine_default_opts();
    if (p->cfg.seconds > 0)
        j->opts.seconds = p->cfg.seconds;
    j->opts.threads = (int)p->cfg.threads;
    if (!j->changed) {
        free(j);
        return NULL;
    }
    return j;
}

static void s_job_free(job_t *j)
{
    if (!j)
        return;
    regio_rpp_destroy(&j->r);
    regio_rpp_sol_free(&j->base);
    regio_rpp_sol_free(&j->out);
    regio_strtab_destroy(&j->changed);
    regio_plan_state_diff_free(&j->diff);
    free(j);
}

/* The round to add requests to: the pending one, created when needed. */
static job_t *s_next(regio_planner_t *p)
{
    if (!p->next)
        p->next = s_job_new(p);
    return p->next;
}

static void s_reply_waiters(regio_planner_t *p, job_t *j, regio_envelope_t *env)
{
    for (int i = 0; i < j->n_waiters; i++) {
        env->id = 0;
        env->correlation_id = j->waiters[i].request_id;
        regio_msg_send(p->node.router, j->waiters[i].head, j->waiters[i].head_len, env);
    }
    j->n_waiters = 0;
    regio_batch_kick(p->node.batch);
}

static void s_fail_waiters(regio_planner_t *p, job_t *j, Regio__ErrorCode code, const char *why)
{
    Regio__Error err = REGIO__ERROR__INIT;
    err.code = code;
    err.reason = (char *)why;
    err.retry_after_ms = code == REGIO__ERROR_CODE__ERROR_NOT_READY ? 500 : 0;
    regio_envelope_t env = REGIO__ENVELOPE__INIT;
    env.body_case = REGIO__ENVELOPE__BODY_ERROR;
    env.error = &err;
    s_reply_waiters(p, j, &env);
}

static const char *s_reason_of(const Regio__PlacementChange *old, void *arg);

/* On a worker thread: plan, then find the changes and the score, so that
 * the loop only has to commit. The loop leaves p->plan alone meanwhile
 * (only s_after changes it), so reading it here is safe. */
static void s_work(uv_work_t *w)
{
    job_t *j = w->data;
    uint64_t t0 = uv_hrtime();
    j->rc = j->p->engine->solve(j->r, &j->opts, &j->out);
    j->millis = (double)(uv_hrtime() - t0) / 1e6;
    if (j->rc < 0)
        return;
    j->version = j->p->plan.version + 1;
    j->rc = regio_plan_state_diff_sol(&j->p->plan, j->r, &j->out, j->version, s_reason_of, j,
                                      &j->diff);
    if (j->rc == 0)
        regio_rpp_evaluate(j->r, &j->out, &j->rep, NULL, 0);
    for (size_t i = 0; j->rc == 0 && i < j->diff.n; i++) /* a withdrawn learner's are as asked */
        j->cancels += j->diff.v[i]->kind == REGIO__CHANGE_KIND__CHANGE_CANCELLED &&
                      regio_strtab_find(j->r->learner_ids, j->diff.v[i]->learner) >= 0;
    j->diff_ms = (double)(uv_hrtime() - t0) / 1e6 - j->millis;
}

static const char *s_reason_of(const Regio__PlacementChange *old, void *arg)
{
    job_t *j = arg;
    static char buf[200];
    if (old && regio_strtab_find(j->changed, old->offering) >= 0) {
        snprintf(buf, sizeof buf, "capacity changed at %s", old->offering);
        return buf;
    }
    if (old && regio_strtab_find(j->r->offering_ids, old->offering) < 0) {
        snprintf(buf, sizeof buf, "offering %s no longer available", old->offering);
        return buf;
    }
    if (old && regio_strtab_find(j->r->learner_ids, old->learner) < 0)
        return "learner request withdrawn";
    return j->reason;
}

/* Write the stored plan's entries that d changes (a cancelled one is
 * deleted). The stored plan equals the plan in memory after every commit,
 * so the changes are all it needs. */
static int s_write_changes(regio_planner_t *p, MDB_txn *txn, const regio_plan_state_diff_t *d)
{
    int rc = 0;
    for (size_t i = 0; rc == 0 && i < d->n; i++) {
        const Regio__PlacementChange *c = d->v[i];
        char key[160];
        int kl = regio_plan_state_key(key, sizeof key, c->learner, c->period);
        if (kl < 0)
            return REGIO_EINVALID;
        if (c->kind == REGIO__CHANGE_KIND__CHANGE_CANCELLED) {
            MDB_val k = {(size_t)kl, key};
            rc = mdb_del(txn, p->plan_db, &k, NULL);
            rc = rc == MDB_NOTFOUND ? 0 : rc;
        } else {
            Regio__PlacementChange e = regio_plan_state_entry(c);
            rc = regio_store_put_msg(txn, p->plan_db, key, (size_t)kl, &e.base);
        }
    }
    return rc;
}

typedef struct {
    regio_planner_t *p;
    const regio_plan_state_diff_t *d;
    uint64_t version;
    const uint64_t *upstream;
} persist_t;

static int s_persist_fill(void *arg, MDB_txn *txn)
{
    persist_t *w = arg;
    regio_planner_t *p = w->p;
    regio_outbox_commit(p->outbox, 0); /* a map-full retry appends again */
    int rc = s_write_changes(p, txn, w->d);
    if (rc == 0)
        rc = regio_outbox_append(p->outbox, txn, w->d->v, w->d->n);
    if (rc == 0)
        rc = regio_store_put_u64(txn, p->meta, "plan_version", w->version);
    if (rc == 0)
        rc = regio_store_put_u64(txn, p->meta, "plan_registry_seq", w->upstream[0]);
    if (rc == 0)
        rc = regio_store_put_u64(txn, p->meta, "plan_capacity_seq", w->upstream[1]);
    return rc;
}

/* Store the changes to the plan and append them to the outbox, in one txn. */
static int s_persist(regio_planner_t *p, const regio_plan_state_diff_t *d, uint64_t version,
                     const uint64_t upstream[2])
{
    persist_t w = {p, d, version, upstream};
    int rc = regio_store_write(&p->node.store, s_persist_fill, &w);
    regio_outbox_commit(p->outbox, rc == 0);
    return rc;
}

static void s_summarise(regio_planner_t *p, job_t *j)
{
    const regio_rpp_report_t *rep = &j->rep;
    Regio__PlanSummary *s = &p->last;
    regio__plan_summary__init(s);
    s->score = rep->score;
    s->coverage = (uint64_t)rep->coverage;
    s->coverage_share = rep->coverage_share;
    s->travel_km = rep->travel_km;
    s->repeats = (uint64_t)rep->repeats;
    s->preference = (uint64_t)rep->preference;
    s->placements = (uint32_t)rep->placements;
    s->learners_placed = (uint32_t)rep->learners_placed;
    s->learners = (uint32_t)rep->learners;
    s->school_share_min = rep->school_share_min;
    s->school_share_max = rep->school_share_max;
    s->changed = (uint32_t)j->diff.n;
    s->millis = j->millis;
    s->plan_version = j->version;
    s->engine = (char *)p->engine->name;
    if (!rep->feasible)
        REGIO_ERROR("msg=\"engine returned an infeasible plan\" violations=%d", rep->violations);
}

/* Read the stored plan back into memory (after applying a commit to the
 * plan in memory failed half-way). 0 or an error. */
static int s_reload_plan(regio_planner_t *p)
{
    MDB_txn *txn;
    regio_plan_state_t np;
    int rc = mdb_txn_begin(p->node.store.env, NULL, MDB_RDONLY, &txn);
    if (rc != 0)
        return regio_store_err(rc);
    size_t n;
    void **v = regio_store_load_all(txn, p->plan_db, &regio__placement_change__descriptor, &n);
    mdb_txn_abort(txn);
    rc = regio_plan_state_init(&np);
    for (size_t i = 0; rc == 0 && i < n; i++)
        rc = regio_plan_state_put(&np, v[i]);
    regio_store_free_all(v, n);
    if (rc < 0) {
        regio_plan_state_free(&np);
        return rc;
    }
    np.version = p->plan.version;
    regio_plan_state_free(&p->plan);
    p->plan = np;
    return 0;
}

/* Hold a round that would cancel more than max-cancel-share of the plan
 * (and at least cancel-guard-min placements) unless a coordinator confirmed
 * it: the plan stays, the alarm says why, the waiters get
 * ERROR_CONFIRM_NEEDED. Returns 1 when held. Nothing re-runs a held round:
 * the next one comes with the next change or request. */
static int s_hold(regio_planner_t *p, job_t *j)
{
    size_t m = p->plan.live;
    if (j->confirm || j->cancels < (size_t)p->cfg.cancel_guard_min ||
        (double)j->cancels <= p->cfg.max_cancel_share * (double)m)
        return 0;
    char alarm[sizeof p->hold_alarm], why[300];
    snprintf(alarm, sizeof alarm, "a round would cancel %zu of %zu placements; regioctl plan "
             "--confirm", j->cancels, m);
    if (strcmp(alarm, p->hold_alarm) != 0)
        REGIO_WARN("msg=\"round held: it would cancel too much of the plan\" cancels=%zu "
                   "placements=%zu max_cancel_share=%g", j->cancels, m, p->cfg.max_cancel_share);
    snprintf(p->hold_alarm, sizeof p->hold_alarm, "%s", alarm);
    p->held++;
    snprintf(why, sizeof why, "this round would cancel %zu of %zu placements, more than "
             "max-cancel-share %g; the plan is kept; regioctl plan --confirm lets it through",
             j->cancels, m, p->cfg.max_cancel_share);
    s_fail_waiters(p, j, REGIO__ERROR_CODE__ERROR_CONFIRM_NEEDED, why);
    return 1;
}

/* On the loop: commit the round's changes (the store first, then the plan
 * in memory), publish the summary and answer the waiters. */
static void s_after(uv_work_t *w, int status)
{
    job_t *j = w->data;
    regio_planner_t *p = j->p;
    p->job = NULL;
    int rc = status < 0 ? status : j->rc;
    uint64_t t0 = uv_hrtime();
    if (rc == 0 && !s_hold(p, j) && (rc = s_persist(p, &j->diff, j->version, j->upstream)) == 0) {
        if (regio_plan_state_apply(&p->plan, &j->diff) < 0) {
            int rrc = s_reload_plan(p);
            REGIO_ERROR("msg=\"out of memory applying a committed plan; reloaded it from the "
                        "store\" reload=\"%s\"", rrc == 0 ? "ok" : regio_strerror(rrc));
        }
        p->plan.version = j->version;
        p->node.seq = j->version;
        p->plan_upstream[0] = j->upstream[0];
        p->plan_upstream[1] = j->upstream[1];
        p->rounds++;
        p->hold_alarm[0] = '\0';
        s_summarise(p, j);
        REGIO_INFO("msg=\"plan committed\" version=%llu score=%.1f coverage=%.4f placed=%u/%u "
                   "changes=%zu ms=%.1f build_ms=%.1f diff_ms=%.1f commit_ms=%.1f",
                   (unsigned long long)j->version, p->last.score, p->last.coverage_share,
                   p->last.learners_placed, p->last.learners, j->diff.n, j->millis, j->build_ms,
                   j->diff_ms, (double)(uv_hrtime() - t0) / 1e6);
        regio_envelope_t env = REGIO__ENVELOPE__INIT;
        env.body_case = REGIO__ENVELOPE__BODY_PLAN_SUMMARY;
        env.plan_summary = &p->last;
        s_reply_waiters(p, j, &env);
        regio_node_publish(&p->node, &env);
    }
    if (rc < 0) {
        const char *text = p->node.store.failing ? p->node.store.why : regio_strerror(rc);
        if (!p->node.store.failing) /* a failing store is logged once per burst by the node */
            REGIO_ERROR("msg=\"planning round failed\" reason=\"%s\"", text);
        char why[800];
        snprintf(why, sizeof why, "planning failed: %s", text);
        s_fail_waiters(p, j, regio_msg_error_code(rc), why);
    }
    s_job_free(j);
    if (p->next && !p->closing)
        s_start_round(p);
}

static void s_start_round(regio_planner_t *p)
{
    job_t *j = p->next;
    if (!j || p->job || p->closing)
        return;
    p->next = NULL;
    if (!regio_follow_synced(p->registry) || !regio_follow_synced(p->capacity)) {
        const char *alarm = NULL; /* a copy that will not come until someone resolves it */
        regio_follow_t *up[2] = {p->registry, p->capacity};
        for (int i = 0; i < 2; i++)
            if (!regio_follow_synced(up[i]) && regio_follow_alarm(up[i]))
                alarm = regio_follow_alarm(up[i]);
        if (alarm)
            s_fail_waiters(p, j, REGIO__ERROR_CODE__ERROR_CONFIRM_NEEDED, alarm);
        else
            s_fail_waiters(p, j, REGIO__ERROR_CODE__ERROR_NOT_READY,
                           "registry or capacity not synced yet; retry shortly");
        s_job_free(j);
        return;
    }
    j->upstream[0] = regio_follow_seq(p->registry);
    j->upstream[1] = regio_follow_seq(p->capacity);
    regio_rpp_weights_t ww = {p->cfg.w_coverage, p->cfg.w_km, p->cfg.w_repeat, p->cfg.w_preference};
    uint64_t t0 = uv_hrtime();
    int skipped = 0, rc = regio_world_build(&p->world, &ww, &j->r, &skipped);
    if (rc == 0 && !j->full)
        rc = regio_plan_state_to_sol(&p->plan, j->r, &j->base);
    j->build_ms = (double)(uv_hrtime() - t0) / 1e6;
    if (rc < 0) {
        s_fail_waiters(p, j, REGIO__ERROR_CODE__ERROR_INTERNAL, "out of memory building the instance");
        s_job_free(j);
        return;
    }
    if (!j->full && p->plan.version > 0) {
        j->opts.base = &j->base;
        j->opts.move_margin = p->cfg.move_margin;
    }
    p->job = j;
    if ((rc = uv_queue_work(&p->node.svc->loop, &j->work, s_work, s_after)) < 0) {
        p->job = NULL;
        s_fail_waiters(p, j, REGIO__ERROR_CODE__ERROR_INTERNAL, "cannot start a planning thread");
        s_job_free(j);
    }
}

/* Ask for a round (or join the pending one). waiter may be NULL. */
static void s_want_round(regio_planner_t *p, const regio_msg_t *waiter, const Regio__PlanRequest *rq)
{
    job_t *j = s_next(p);
    if (!j) {
        if (waiter)
            regio_msg_reply_error(p->node.router, waiter, REGIO__ERROR_CODE__ERROR_INTERNAL, NULL,
                                  "out of memory");
        return;
    }
    if (rq) {
        j->full |= rq->full;
        j->confirm |= rq->confirm;
        if (rq->seconds > 0)
            j->opts.seconds = rq->seconds;
        if (rq->seed)
            j->opts.seed = rq->seed;
    }
    if (waiter && j->n_waiters < WAITERS_MAX) {
        waiter_t *wt = &j->waiters[j->n_waiters++];
        memcpy(wt->head, waiter->head, waiter->head_len);
        wt->head_len = waiter->head_len;
        wt->request_id = waiter->env->id;
    } else if (waiter) {
        regio_msg_reply_error(p->node.router, waiter, REGIO__ERROR_CODE__ERROR_BUSY, NULL,
                              "too many plan requests waiting");
    }
    s_start_round(p);
}

/* Replanning on upstream changes ---------------------------------------- */

static void s_on_replan(uv_timer_t *t)
{
    regio_planner_t *p = t->data;
    p->replan_armed = 0;
    s_start_round(p);
}

/* Note that offering changed (NULL: everything may have) and schedule a
 * repair round, once a plan exists. */
static void s_upstream_changed(regio_planner_t *p, const char *offering, const char *why)
{
    if (!p->cfg.auto_replan || p->plan.version == 0 || p->closing)
        return;
    job_t *j = s_next(p);
    if (!j)
        return;
    if (offering)
        regio_strtab_intern(j->changed, offering, NULL);
    snprintf(j->reason, sizeof j->reason, "%s", why);
    if (!p->replan_armed) {
        p->replan_armed = 1;
        uv_timer_start(&p->replan, s_on_replan, (uint64_t)p->cfg.replan_delay_ms, 0);
    }
}

static void s_on_registry_snapshot(void *arg, const regio_envelope_t *e)
{
    regio_planner_t *p = arg;
    if (regio_world_registry_snapshot(&p->world, e) < 0)
        REGIO_ERROR("msg=\"registry mirror out of memory\"");
    if (e->registry_snapshot->seq != p->plan_upstream[0]) /* moved since the plan */
        s_upstream_changed(p, NULL, "replanned after registry changes");
}

static void s_on_registry_change(void *arg, const regio_envelope_t *e)
{
    regio_planner_t *p = arg;
    if (regio_world_registry_change(&p->world, e) < 0)
        REGIO_ERROR("msg=\"registry mirror out of memory\"");
    const Regio__RegistryChange *c = e->registry_change;
    if (c->what_case == REGIO__REGISTRY_CHANGE__WHAT_OFFERING)
        s_upstream_changed(p, c->offering->id, "replanned after an offering changed");
}

static void s_on_capacity_snapshot(void *arg, const regio_envelope_t *e)
{
    regio_planner_t *p = arg;
    if (regio_world_capacity_snapshot(&p->world, e) < 0)
        REGIO_ERROR("msg=\"capacity mirror out of memory\"");
    if (e->capacity_snapshot->seq != p->plan_upstream[1]) /* moved since the plan */
        s_upstream_changed(p, NULL, "replanned after capacity changes");
}

static void s_on_capacity_change(void *arg, const regio_envelope_t *e)
{
    regio_planner_t *p = arg;
    const char *offering = NULL;
    if (regio_world_capacity_change(&p->world, e, &offering) < 0)
        REGIO_ERROR("msg=\"capacity mirror out of memory\"");
    if (offering)
        s_upstream_changed(p, offering, "replanned after capacity change");
}

/* Requests ---------------------------------------------------------------- */

/* Refuse (FORBIDDEN) unless who may act on learner id: the school the
 * planner holds id under (as of txn; none: anyone may find nothing), and
 * new_school when given, must be who's. For a caller that is not staff,
 * held (REGIO_ID_MAX + 1 bytes, may be NULL) receives that school. Returns
 * 0, REGIO_BATCH_NOWRITE or an LMDB code. */
static int s_owned(regio_planner_t *p, MDB_txn *txn, const regio_principal_t *who, const char *id,
                   const char *new_school, char *held_out, slot_t *s)
{
    char own[REGIO_ID_MAX + 1], *held = held_out ? held_out : own, why[300];
    held[0] = '\0';
    if (regio_authz_reads_all(who))
        return 0;
    int rc = regio_rights_school(txn, p->learners, p->plan_db, id, held, REGIO_ID_MAX + 1);
    if (rc != 0)
        return rc;
    if (held[0] && regio_rights_check(who, id, held, why, sizeof why) < 0)
        return regio_node_forbid(&p->node, &s->no, who, id, why);
    if (new_school && regio_rights_check(who, id, new_school, why, sizeof why) < 0)
        return regio_node_forbid(&p->node, &s->no, who, id, why);
    return 0;
}

static int s_put_learner(regio_planner_t *p, MDB_txn *txn, const regio_principal_t *who,
                         Regio__PutLearner *pl, slot_t *s)
{
    char err[200];
    if (!pl->learner)
        return s_reject(s, REGIO__ERROR_CODE__ERROR_BAD_MESSAGE, NULL, "put_learner without learner");
    static const Regio__PutCalendar none = REGIO__PUT_CALENDAR__INIT; /* synced, no calendar */
    const Regio__PutCalendar *cal = !regio_follow_synced(p->registry) ? NULL
                                    : p->world.calendar ? p->world.calendar : &none;
    int rc = regio_rules_check_learner(pl->learner, cal, err, sizeof err);
    if (rc < 0)
        return s_reject(s, regio_msg_error_code(rc), pl->learner->id, err);
    const char *id = pl->learner->id;
    if (regio_privacy_tombstone_ok(id))
        return s_reject(s, REGIO__ERROR_CODE__ERROR_INVALID, id,
                        "ids erased-<16 hex digits> name erased learners; choose another id");
    if ((rc = s_owned(p, txn, who, id, pl->learner->school, NULL, s)) != 0)
        return rc;
    pl->learner->lat = regio_privacy_home_round(pl->learner->lat); /* kept no finer than ~100 m */
    pl->learner->lon = regio_privacy_home_round(pl->learner->lon);
    return regio_store_put_msg(txn, p->learners, id, strlen(id), &pl->learner->base);
}

static int s_remove_learner(regio_planner_t *p, MDB_txn *txn, const regio_principal_t *who,
                            Regio__RemoveLearner *rl, slot_t *s)
{
    MDB_val k = {strlen(rl->id), rl->id};
    int owned = s_owned(p, txn, who, rl->id, NULL, NULL, s);
    if (owned != 0)
        return owned;
    int rc = rl->id[0] ? mdb_del(txn, p->learners, &k, NULL) : MDB_NOTFOUND;
    if (rc == MDB_NOTFOUND)
        return s_reject(s, REGIO__ERROR_CODE__ERROR_UNKNOWN_ID, rl->id, "no such learner");
    return rc;
}

/* 0, or a refusal when id is not a well-formed learner id. */
static int s_learner_id(const char *id, slot_t *s)
{
    char err[200];
    int rc = regio_validate_id(id, "learner", err, sizeof err);
    return rc < 0 ? s_reject(s, regio_msg_error_code(rc), NULL, err) : 0;
}

/* What an erase checks before it looks at the store; the tombstone (given
 * or drawn) lands in s->tomb. 0 or a refusal. */
static int s_erase_check(regio_planner_t *p, const Regio__LearnerEraseRequest *rq, slot_t *s)
{
    int rc = s_learner_id(rq->id, s);
    if (rc != 0)
        return rc;
    if (p->job || p->round_asked)
        return s_reject(s, REGIO__ERROR_CODE__ERROR_NOT_READY, rq->id,
                        "a planning round is running; erase once it has committed");
    if (rq->tombstone[0] && !regio_privacy_tombstone_ok(rq->tombstone))
        return s_reject(s, REGIO__ERROR_CODE__ERROR_INVALID, NULL,
                        "tombstone must be erased-<16 lowercase hex digits>");
    snprintf(s->tomb, sizeof s->tomb, "%s", rq->tombstone);
    if (!s->tomb[0] && regio_privacy_tombstone_new(s->tomb, sizeof s->tomb) < 0)
        return s_reject(s, REGIO__ERROR_CODE__ERROR_INTERNAL, NULL, "no randomness for a tombstone");
    regio__learner_erased__init(&s->erased);
    s->erased.tombstone = s->tomb;
    return 0;
}

/* Erase learner id: its request, its placements (the changes that cancel
 * them go out under the real id, so the school's and partners' systems can
 * drop them; the notifier's erase renames them afterwards, see
 * privacy.proto) and the id in the audit trail. Not while a planning round
 * runs or is about to start in this batch: it planned with the learner and
 * would put the id back. */
static int s_erase_learner(regio_planner_t *p, MDB_txn *txn, const regio_principal_t *who,
                           const Regio__LearnerEraseRequest *rq, slot_t *s)
{
    char held[REGIO_ID_MAX + 1];
    int rc = s_erase_check(p, rq, s);
    if (rc != 0 || (rc = s_owned(p, txn, who, rq->id, NULL, held, s)) != 0)
        return rc;
    if (!held[0] && !regio_authz_reads_all(who))
        return REGIO_BATCH_NOWRITE; /* nothing here a school may erase: the audit trail's
                                       refs to an id it does not hold are a coordinator's */
    size_t renamed = 0; /* first: when it refuses, nothing is written */
    rc = regio_audit_rename_ref(&p->node.audit, txn, rq->id, s->tomb, &renamed);
    if (rc == REGIO_EDUPLICATE)
        return s_reject(s, REGIO__ERROR_CODE__ERROR_INVALID, s->tomb,
                        "the tombstone names an erased learner already; erase with another one");
    MDB_val k = {strlen(rq->id), rq->id};
    if (rc != 0 || ((rc = mdb_del(txn, p->learners, &k, NULL)) != 0 && rc != MDB_NOTFOUND))
        return rc;
    s->erased.records = rc == 0;
    s->erased.audit_entries = (uint32_t)renamed;
    regio_plan_state_diff_t d = {0};
    rc = regio_rights_cancel(txn, p->plan_db, rq->id, p->plan.version, &d);
    if (rc == 0 && d.n)
        rc = regio_outbox_append(p->outbox, txn, d.v, d.n);
    s->erased.placements = (uint32_t)d.n;
    s->erased.source_seq = regio_outbox_last(p->outbox);
    regio_plan_state_diff_free(&d);
    return rc ? rc : REGIO_BATCH_WROTE;
}

/* Refuse unless who may read learner id's data. */
static int s_export_learner(regio_planner_t *p, MDB_txn *txn, const regio_principal_t *who,
                            const Regio__LearnerExportRequest *rq, slot_t *s)
{
    int rc = s_learner_id(rq->id, s);
    if (rc == 0)
        rc = s_owned(p, txn, who, rq->id, NULL, NULL, s);
    return rc ? rc : REGIO_BATCH_NOWRITE;
}

static int s_apply(void *arg, MDB_txn *txn, regio_msg_t *req, void *slot)
{
    regio_planner_t *p = arg;
    slot_t *s = slot;
    regio_envelope_t *e = req->env;
    const regio_principal_t *who = regio_node_principal(&p->node, req);
    switch (e->body_case) {
    case REGIO__ENVELOPE__BODY_PUT_LEARNER: return s_put_learner(p, txn, who, e->put_learner, s);
    case REGIO__ENVELOPE__BODY_REMOVE_LEARNER:
        return s_remove_learner(p, txn, who, e->remove_learner, s);
    case REGIO__ENVELOPE__BODY_LEARNER_ERASE_REQUEST:
        return s_erase_learner(p, txn, who, e->learner_erase_request, s);
    case REGIO__ENVELOPE__BODY_LEARNER_EXPORT_REQUEST:
        return s_export_learner(p, txn, who, e->learner_export_request, s);
    case REGIO__ENVELOPE__BODY_PLAN_REQUEST:
        if (!(e->plan_request->seconds >= 0 && e->plan_request->seconds <= p->cfg.plan_seconds_max))
            return regio_node_refuse(&s->no, REGIO__ERROR_CODE__ERROR_OUT_OF_RANGE, NULL,
                                     "seconds must be within 0..%g (plan-seconds-max)",
                                     p->cfg.plan_seconds_max);
        p->round_asked = 1;
        return REGIO_BATCH_NOWRITE;
    case REGIO__ENVELOPE__BODY_PLANNER_SNAPSHOT_REQUEST:
    case REGIO__ENVELOPE__BODY_STATUS_REQUEST: return REGIO_BATCH_NOWRITE;
    default:
        return s_reject(s, REGIO__ERROR_CODE__ERROR_UNSUPPORTED, NULL,
                        "the planner does not handle this message");
    }
}

/* The plan and the learner requests, as far as the caller may see them
 * (learner_rights.h). */
static void s_reply_snapshot(regio_planner_t *p, regio_msg_t *req)
{
    const regio_principal_t *who = regio_node_principal(&p->node, req);
    size_t nl = (size_t)regio_strtab_count(p->world.learner_ids), k = 0;
    Regio__Learner **ls = calloc(nl ? nl : 1, sizeof *ls);
    Regio__Placement *pv = calloc(p->plan.n ? p->plan.n : 1, sizeof *pv);
    Regio__Placement **pp = calloc(p->plan.n ? p->plan.n : 1, sizeof *pp);
    if (!ls || !pv || !pp) {
        regio_node_reply_error(&p->node, req, REGIO__ERROR_CODE__ERROR_INTERNAL, NULL, "out of memory");
        goto out;
    }
    for (size_t i = 0; i < nl; i++)
        if (p->world.learners[i] && regio_rights_sees_learner(who, p->world.learners[i]))
            ls[k++] = p->world.learners[i];
    Regio__PlannerSnapshot snap = REGIO__PLANNER_SNAPSHOT__INIT;
    Regio__Weights w = REGIO__WEIGHTS__INIT;
    w.coverage = p->cfg.w_coverage;
    w.km = p->cfg.w_km;
    w.repeat = p->cfg.w_repeat;
    w.preference = p->cfg.w_preference;
    snap.weights = &w;
    snap.plan_version = p->plan.version;
    snap.learners = ls;
    snap.n_learners = k;
    for (size_t i = 0; i < p->plan.n; i++) {
        const Regio__PlacementChange *e = p->plan.v[i];
        if (!e || !regio_rights_sees_placement(who, &p->world, e))
            continue;
        regio__placement__init(&pv[snap.n_placements]);
        pv[snap.n_placements].learner = e->learner;
        pv[snap.n_placements].period = e->period;
        pv[snap.n_placements].offering = e->offering;
        pv[snap.n_placements].slots = e->slots;
        pv[snap.n_placements].n_slots = e->n_slots;
        pp[snap.n_placements] = &pv[snap.n_placements];
        snap.n_placements++;
    }
    snap.placements = pp;
    regio_envelope_t env = REGIO__ENVELOPE__INIT;
    env.body_case = REGIO__ENVELOPE__BODY_PLANNER_SNAPSHOT;
    env.planner_snapshot = &snap;
    regio_msg_reply(p->node.router, req, &env);
out:
    free(ls);
    free(pv);
    free(pp);
}

static void s_reply_export(regio_planner_t *p, regio_msg_t *req)
{
    Regio__LearnerExport x = REGIO__LEARNER_EXPORT__INIT;
    if (regio_rights_export(&p->world, &p->plan, req->env->learner_export_request->id, &x) < 0) {
        regio_node_reply_error(&p->node, req, REGIO__ERROR_CODE__ERROR_INTERNAL, NULL, "out of memory");
        return;
    }
    regio_envelope_t env = REGIO__ENVELOPE__INIT;
    env.body_case = REGIO__ENVELOPE__BODY_LEARNER_EXPORT;
    env.learner_export = &x;
    regio_msg_reply(p->node.router, req, &env);
    free(x.placements);
}

/* After an erase committed: forget the learner in memory too, and answer. */
static void s_reply_erased(regio_planner_t *p, regio_msg_t *req, slot_t *s)
{
    const char *id = req->env->learner_erase_request->id;
    regio_world_remove_learner(&p->world, id); /* absent: nothing to do */
    regio_plan_state_remove_learner(&p->plan, id);
    REGIO_INFO("msg=\"learner erased\" tombstone=%s records=%u placements=%u audit_entries=%u",
               s->tomb, s->erased.records, s->erased.placements, s->erased.audit_entries);
    regio_envelope_t env = REGIO__ENVELOPE__INIT;
    env.body_case = REGIO__ENVELOPE__BODY_LEARNER_ERASED;
    env.learner_erased = &s->erased;
    regio_msg_reply(p->node.router, req, &env);
}

static void s_done(void *arg, regio_msg_t *req, void *slot, int rc)
{
    regio_planner_t *p = arg;
    slot_t *s = slot;
    if (regio_node_reply_refusal(&p->node, req, rc, &s->no, "not stored"))
        return;
    regio_envelope_t *e = req->env;
    Regio__Ack ack = REGIO__ACK__INIT;
    switch (e->body_case) {
    case REGIO__ENVELOPE__BODY_LEARNER_EXPORT_REQUEST: s_reply_export(p, req); return;
    case REGIO__ENVELOPE__BODY_LEARNER_ERASE_REQUEST: s_reply_erased(p, req, s); return;
    case REGIO__ENVELOPE__BODY_PLAN_REQUEST: s_want_round(p, req, e->plan_request); return;
    case REGIO__ENVELOPE__BODY_PLANNER_SNAPSHOT_REQUEST: s_reply_snapshot(p, req); return;
    case REGIO__ENVELOPE__BODY_STATUS_REQUEST: regio_node_reply_status(&p->node, req); return;
    case REGIO__ENVELOPE__BODY_PUT_LEARNER:
        rc = regio_world_put_learner(&p->world, e->put_learner->learner);
        p->learner_puts++;
        ack.ref = e->put_learner->learner->id;
        break;
    case REGIO__ENVELOPE__BODY_REMOVE_LEARNER:
        rc = regio_world_remove_learner(&p->world, e->remove_learner->id);
        ack.ref = e->remove_learner->id;
        break;
    default: break;
    }
    if (rc == -ENOMEM)
        REGIO_ERROR("msg=\"out of memory updating learners\"");
    regio_envelope_t env = REGIO__ENVELOPE__INIT;
    env.body_case = REGIO__ENVELOPE__BODY_ACK;
    env.ack = &ack;
    regio_msg_reply(p->node.router, req, &env);
}

/* An erase appends to the outbox inside the batch's txn: start each
 * attempt from the committed outbox, and send once the batch committed. */
static void s_begin(void *arg)
{
    regio_planner_t *p = arg;
    p->round_asked = 0;
    if (p->outbox)
        regio_outbox_commit(p->outbox, 0);
}

static void s_flush(void *arg, int committed)
{
    regio_planner_t *p = arg;
    if (p->outbox)
        regio_outbox_commit(p->outbox, committed);
}

/* Life cycle -------------------------------------------------------------- */

static void s_fill_status(void *arg, Regio__Status *st)
{
    regio_planner_t *p = arg;
    regio_node_status_add(&p->node, st, "rounds", p->rounds);
    regio_node_status_add(&p->node, st, "learners", (uint64_t)regio_strtab_count(p->world.learner_ids));
    regio_node_status_add(&p->node, st, "placements", p->last.placements);
    regio_node_status_add(&p->node, st, "outbox_pending", p->outbox ? regio_outbox_pending(p->outbox) : 0);
    regio_node_status_add(&p->node, st, "planning", p->job != NULL);
    regio_node_status_upstream(&p->node, st, "registry", p->registry ? regio_follow_seq(p->registry) : 0);
    regio_node_status_upstream(&p->node, st, "capacity", p->capacity ? regio_follow_seq(p->capacity) : 0);
    regio_node_status_add(&p->node, st, "held", p->held);
    regio_follow_t *up[2] = {p->registry, p->capacity};
    for (int i = 0; i < 2; i++)
        if (up[i] && regio_follow_alarm(up[i]))
            regio_node_status_alarm(&p->node, st, regio_follow_alarm(up[i]));
    if (p->hold_alarm[0])
        regio_node_status_alarm(&p->node, st, p->hold_alarm);
}

/* ResolveAlarm: both followers accept their upstreams as they are now. The
 * plan was built on the old ones, so any snapshot now is news to it. */
static int s_resolve_alarm(void *arg, MDB_txn *txn)
{
    regio_planner_t *p = arg;
    int rc = regio_follow_resolve(p->registry, txn);
    int rc2 = regio_follow_resolve(p->capacity, txn);
    p->plan_upstream[0] = p->plan_upstream[1] = UINT64_MAX;
    return rc ? rc : rc2;
}

/* Load learners and the committed plan into memory. */
static int s_load(regio_planner_t *p, MDB_txn *txn)
{
    size_t n;
    void **v = regio_store_load_all(txn, p->learners, &regio__learner__descriptor, &n);
    int rc = 0;
    for (size_t i = 0; rc == 0 && i < n; i++)
        rc = regio_world_put_learner(&p->world, v[i]);
    regio_store_free_all(v, n);
    v = regio_store_load_all(txn, p->plan_db, &regio__placement_change__descriptor, &n);
    for (size_t i = 0; rc == 0 && i < n; i++)
        rc = regio_plan_state_put(&p->plan, v[i]);
    regio_store_free_all(v, n);
    if (rc == 0)
        rc = regio_store_get_u64(txn, p->meta, "plan_version", &p->plan.version);
    if (rc == 0)
        rc = regio_store_get_u64(txn, p->meta, "plan_registry_seq", &p->plan_upstream[0]);
    if (rc == 0)
        rc = regio_store_get_u64(txn, p->meta, "plan_capacity_seq", &p->plan_upstream[1]);
    p->node.seq = p->plan.version;
    return rc;
}

/* The notifier must not log changes a backup of this store would miss. */
static void s_on_backup(void *arg, int open)
{
    regio_planner_t *p = arg;
    if (p->outbox)
        regio_outbox_hold(p->outbox, open);
}

/* What the store check (store_check.h) holds each table's values to. */
static const regio_store_check_table_t s_tables[] = {
    {"learners", &regio__learner__descriptor, 0},
    {"plan", &regio__placement_change__descriptor, 0},
    {"outbox", &regio__placement_change__descriptor, 0},
    {NULL, NULL, 0},
};

static int s_open_tables(void *arg, MDB_txn *txn)
{
    regio_planner_t *p = arg;
    int rc;
    if ((rc = regio_store_table(txn, "learners", &p->learners)) != 0 ||
        (rc = regio_store_table(txn, "plan", &p->plan_db)) != 0 ||
        (rc = regio_store_table(txn, "outbox", &p->outbox_db)) != 0 ||
        (rc = regio_store_table(txn, "meta", &p->meta)) != 0)
        return rc;
    return s_load(p, txn);
}

static int s_start_outbox(regio_planner_t *p, char *err, size_t errlen)
{
    p->outbox = regio_outbox_new(p->node.svc, &p->node.store, p->outbox_db, p->meta,
                                 p->cfg.notifier_router);
    MDB_txn *txn;
    int rc = p->outbox ? mdb_txn_begin(p->node.store.env, NULL, MDB_RDONLY, &txn) : -ENOMEM;
    if (rc == 0) {
        rc = regio_outbox_start(p->outbox, txn);
        mdb_txn_abort(txn);
    }
    if (rc != 0)
        snprintf(err, errlen, "outbox to %s: %s", p->cfg.notifier_router,
                 regio_strerror(regio_store_err(rc)));
    return rc ? regio_store_err(rc) : 0;
}

int regio_planner_new(regio_service_t *svc, const regio_planner_config_t *cfg,
                      regio_planner_t **out, char *err, size_t errlen)
{
    regio_planner_t *p = calloc(1, sizeof *p);
    *out = p;
    if (!p || regio_world_init(&p->world) < 0 || regio_plan_state_init(&p->plan) < 0)
        return -ENOMEM;
    p->cfg = *cfg;
    if (!(p->engine = regio_engine_find(cfg->engine[0] ? cfg->engine : NULL))) {
        snprintf(err, errlen, "unknown engine '%s'", cfg->engine);
        return REGIO_EINVALID;
    }
    regio_node_opts_t o = {
        .name = "planner", .router = cfg->router, .pub = cfg->pub, .db = cfg->db,
        .map_bytes = (size_t)cfg->map_mb << 20, .map_max_bytes = (size_t)cfg->map_max_mb << 20,
        .max_dbs = 8, .pub_hwm = 1000, .audit_days = cfg->audit_days,
        .batch = {.max = (size_t)cfg->batch_max, .slot_size = sizeof(slot_t), .apply = s_apply,
                  .done = s_done, .begin = s_begin, .flush = s_flush, .arg = p},
        .open_tables = s_open_tables, .fill_status = s_fill_status,
        .backup_dir = cfg->backup_dir, .tables = s_tables, .seq_table = "meta", .seq_key = "plan_version",
        .on_backup = s_on_backup,
        .resolve_alarm = s_resolve_alarm,
    };
    int rc = regio_node_open(&p->node, svc, &o, err, errlen);
    if (rc < 0 || (rc = s_start_outbox(p, err, errlen)) < 0)
        return rc;
    regio_follow_opts_t fr = {"registry", cfg->registry_pub, cfg->registry_router,
                              REGIO__ENVELOPE__BODY_REGISTRY_SNAPSHOT_REQUEST,
                              s_on_registry_snapshot, s_on_registry_change, p,
                              &p->node.store, p->meta};
    regio_follow_opts_t fc = {"capacity", cfg->capacity_pub, cfg->capacity_router,
                              REGIO__ENVELOPE__BODY_CAPACITY_SNAPSHOT_REQUEST,
                              s_on_capacity_snapshot, s_on_capacity_change, p,
                              &p->node.store, p->meta};
    if (!(p->registry = regio_follow_new(svc, &fr)) || !(p->capacity = regio_follow_new(svc, &fc)) ||
        (rc = regio_follow_start(p->registry)) < 0 || (rc = regio_follow_start(p->capacity)) < 0) {
        snprintf(err, errlen, "cannot follow registry/capacity");
        return rc < 0 ? rc : -ENOMEM;
    }
    uv_timer_init(&svc->loop, &p->replan);
    p->replan.data = p;
    REGIO_INFO("msg=\"planner open\" plan_version=%llu learners=%d placements=%zu engine=%s "
               "outbox_pending=%llu", (unsigned long long)p->plan.version,
               regio_strtab_count(p->world.learner_ids), p->plan.live, p->engine->name,
               (unsigned long long)regio_outbox_pending(p->outbox));
    return 0;
}

void regio_planner_stop(regio_planner_t *p)
{
    if (p->closing)
        return;
    p->closing = 1; /* a running round still commits in s_after */
    regio_node_stop(&p->node);
    if (p->registry)
        regio_follow_close(p->registry);
    if (p->capacity)
        regio_follow_close(p->capacity);
    if (p->outbox)
        regio_outbox_close(p->outbox);
    if (p->replan.data)
        uv_close((uv_handle_t *)&p->replan, NULL);
}

void regio_planner_destroy(regio_planner_t **self)
{
    if (!self || !*self)
        return;
    regio_planner_t *p = *self;
    s_job_free(p->next);
    regio_follow_destroy(&p->registry);
    regio_follow_destroy(&p->capacity);
    regio_outbox_destroy(&p->outbox);
    regio_node_destroy(&p->node);
    regio_world_free(&p->world);
    regio_plan_state_free(&p->plan);
    free(p);
    *self = NULL;
}
