/* notify_sub - the regio side of bench/notify.sh: subscribers and the company
 * system in ONE process, so the send time t0 and every receive time t1 come
 * from the same monotonic clock.
 *
 *   regio-bench-notify latency --instance REGION.json [--subscribers 1000]
 *        [--changes 50] [--warmup 3] [--grace-ms 3000] [--timeout-ms 30000]
 *        [--topics-out FILE] [--changes-out FILE] [--verbose]
 *   regio-bench-notify catchup [--max-per-request 0]
 *
 * Endpoints: REGIO_CAPACITY, REGIO_PLANNER, REGIO_NOTIFIER, REGIO_NOTIFIER_PUB
 * and REGIO_PLANNER_PUB (or --capacity, --planner, --notifier, --notifier-pub,
 * --planner-pub).
 *
 * latency: reads the plan (PlannerSnapshot), opens one SUB socket per topic
 * (every school/<id>, every partner/<id> with offerings, then learner/<id>
 * of the learners placed at the offerings about to change, then other placed
 * learners, up to --subscribers), all polled by one zmq_poll loop. Then, for
 * the busiest (offering, period) pairs one after the other: t0, send a
 * CapacityUpdate setting its seats to 0 (as a company system would), and
 * watch: the capacity ack, the planner's PlanSummary for the new plan
 * version, the notifier's status until it has logged every placement change
 * of that plan (source_seq), the log slice of the change (ReplayRequest from
 * the seq before t0), and the subscribers until each one concerned (its
 * topic is in the slice) has received its notification. Per change: first =
 * first notification of the change at any subscriber - t0; all = the last
 * notification a subscriber concerned received - t0. Prints one JSON line.
 * --changes-out writes every notification of every change (index, topic,
 * packed envelope in hex) so bench/mqtt_fanout.c can publish the same fan-out.
 *
 * catchup: replays the notifier's whole log (topic "", after_seq 0, asking
 * again after each capped answer) and prints events/s, decoding every item.
 */
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <zmq.h>

#include "regio/msg.h"
#include "regio/rpp.h"
#include "regio/rpp_json.h"
#include "regio/strtab.h"

#define TOPIC_MAX 96

typedef struct {
    char topic[TOPIC_MAX];
    void *sock;
} sub_t;

typedef struct {
    const char *capacity, *planner, *notifier, *notifier_pub, *planner_pub;
    const char *instance, *topics_out, *changes_out;
    int subscribers, changes, warmup, grace_ms, timeout_ms, verbose;
    uint32_t max_per_request;
} opts_t;

/* One measured change. */
typedef struct {
    double ack_ms, plan_ms, logged_ms, first_ms, all_ms, engine_ms, hop_first_ms, hop_all_ms;
    long placement_changes, notifications, concerned, concerned_subs, missing, bytes;
    int ok;
} result_t;

static int64_t s_now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static double s_ms(int64_t ns)
{
    return (double)ns / 1e6;
}

static const char *s_env(const char *name, const char *def)
{
    const char *v = getenv(name);
    return v && v[0] ? v : def;
}

static void *s_socket(void *ctx, int type, const char *ep)
{
    void *s = zmq_socket(ctx, type);
    int zero = 0;
    if (!s)
        return NULL;
    zmq_setsockopt(s, ZMQ_LINGER, &zero, sizeof zero);
    if (zmq_connect(s, ep) < 0) {
        fprintf(stderr, "regio-bench-notify: connect %s: %s\n", ep, zmq_strerror(zmq_errno()));
        zmq_close(s);
        return NULL;
    }
    return s;
}

static int s_cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* Nearest-rank percentile of v[0..n-1] (sorted in place). */
static double s_pct(double *v, size_t n, double p)
{
    if (n == 0)
        return NAN;
    qsort(v, n, sizeof *v, s_cmp_double);
    size_t k = (size_t)ceil(p * (double)n);
    return v[k ? k - 1 : 0];
}

/* Blocking request with a typed answer; NULL (and a message) on failure. */
static regio_envelope_t *s_request(void *dealer, regio_envelope_t *req, Regio__Envelope__BodyCase want,
                                   const char *who)
{
    regio_envelope_t *reply = NULL;
    char err[256];
    int rc = regio_msg_request(dealer, req, &reply, 10000);
    if (rc < 0) {
        fprintf(stderr, "regio-bench-notify: no answer from the %s\n", who);
        return NULL;
    }
    if (regio_msg_expect(reply, want, err, sizeof err) < 0) {
        fprintf(stderr, "regio-bench-notify: the %s answered: %s\n", who, err);
        regio__envelope__free_unpacked(reply, NULL);
        return NULL;
    }
    return reply;
}

static uint64_t s_counter(const Regio__Status *st, const char *name)
{
    for (size_t i = 0; i < st->n_counters; i++)
        if (!strcmp(st->counters[i]->key, name))
            return st->counters[i]->value;
    return 0;
}

/* Global seq and source_seq of the notifier. */
static int s_notifier_status(void *dealer, uint64_t *seq, uint64_t *source_seq)
{
    regio_envelope_t req = REGIO__ENVELOPE__INIT;
    Regio__StatusRequest sr = REGIO__STATUS_REQUEST__INIT;
    req.body_case = REGIO__ENVELOPE__BODY_STATUS_REQUEST;
    req.status_request = &sr;
    regio_envelope_t *r = s_request(dealer, &req, REGIO__ENVELOPE__BODY_STATUS, "notifier");
    if (!r)
        return -1;
    *seq = r->status->seq;
    *source_seq = s_counter(r->status, "source_seq");
    regio__envelope__free_unpacked(r, NULL);
    return 0;
}

/* Wait until the planner's outbox is empty (the plan's changes are all in the
 * notifier's log), up to timeout_ms. */
static int s_wait_outbox(void *planner, int timeout_ms)
{
    int64_t until = s_now_ns() + (int64_t)timeout_ms * 1000000;
    for (;;) {
        regio_envelope_t req = REGIO__ENVELOPE__INIT;
        Regio__StatusRequest sr = REGIO__STATUS_REQUEST__INIT;
        req.body_case = REGIO__ENVELOPE__BODY_STATUS_REQUEST;
        req.status_request = &sr;
        regio_envelope_t *r = s_request(planner, &req, REGIO__ENVELOPE__BODY_STATUS, "planner");
        if (!r)
            return -1;
        uint64_t pending = s_counter(r->status, "outbox_pending");
        uint64_t planning = s_counter(r->status, "planning");
        regio__envelope__free_unpacked(r, NULL);
        if (pending == 0 && planning == 0)
            return 0;
        if (s_now_ns() > until) {
            fprintf(stderr, "regio-bench-notify: the planner's outbox still holds %" PRIu64 " changes\n",
                    pending);
            return -1;
        }
        usleep(50 * 1000);
    }
}

static int s_send_status_request(void *dealer)
{
    regio_envelope_t req = REGIO__ENVELOPE__INIT;
    Regio__StatusRequest sr = REGIO__STATUS_REQUEST__INIT;
    req.body_case = REGIO__ENVELOPE__BODY_STATUS_REQUEST;
    req.status_request = &sr;
    return regio_msg_send(dealer, NULL, 0, &req);
}

static int s_send_replay(void *dealer, const char *topic, uint64_t after, uint32_t max)
{
    Regio__ReplayRequest rr = REGIO__REPLAY_REQUEST__INIT;
    rr.topic = (char *)topic;
    rr.after_seq = after;
    rr.max = max;
    regio_envelope_t req = REGIO__ENVELOPE__INIT;
    req.body_case = REGIO__ENVELOPE__BODY_REPLAY_REQUEST;
    req.replay_request = &rr;
    return regio_msg_send(dealer, NULL, 0, &req);
}

/* ---- catch-up ------------------------------------------------------------ */

static int s_catchup(const opts_t *o)
{
    void *ctx = zmq_ctx_new();
    void *req = s_socket(ctx, ZMQ_DEALER, o->notifier);
    uint64_t last = 0, src = 0;
    if (!req || s_notifier_status(req, &last, &src) < 0)
        return 1;
    if (last == 0) {
        fprintf(stderr, "regio-bench-notify: the notifier's log is empty\n");
        return 1;
    }
    int64_t t0 = s_now_ns();
    uint64_t after = 0, events = 0, requests = 0, chunks = 0, bytes = 0;
    while (after < last) {
        if (s_send_replay(req, "", after, o->max_per_request) < 0)
            return 1;
        requests++;
        uint64_t got = 0;
        for (int done = 0; !done;) {
            zmq_pollitem_t it = {req, 0, ZMQ_POLLIN, 0};
            if (zmq_poll(&it, 1, 10000) <= 0) {
                fprintf(stderr, "regio-bench-notify: replay stalled after seq %" PRIu64 "\n", after);
                return 1;
            }
            regio_msg_t m;
            while (!done && regio_msg_recv(req, 0, &m) == 0) {
                regio_envelope_t *e = m.env;
                if (e && e->body_case == REGIO__ENVELOPE__BODY_REPLAY_CHUNK) {
                    Regio__ReplayChunk *ch = e->replay_chunk;
                    chunks++;
                    bytes += m.size;
                    for (size_t i = 0; i < ch->n_items; i++)
                        if (ch->items[i]->seq > after)
                            after = ch->items[i]->seq, events++, got++;
                    done = ch->done;
                } else if (e && e->body_case == REGIO__ENVELOPE__BODY_ERROR) {
                    fprintf(stderr, "regio-bench-notify: replay refused: %s\n", e->error->reason);
                    return 1;
                }
                regio_msg_clear(&m);
            }
        }
        if (got == 0)
            break;
    }
    double secs = (double)(s_now_ns() - t0) / 1e9;
    printf("{\"events\": %" PRIu64 ", \"log_seq\": %" PRIu64 ", \"seconds\": %.3f, \"per_second\": %.0f, "
           "\"requests\": %" PRIu64 ", \"chunks\": %" PRIu64 ", \"bytes\": %" PRIu64
           ", \"bytes_per_event\": %.1f}\n",
           events, last, secs, (double)events / secs, requests, chunks, bytes,
           events ? (double)bytes / (double)events : 0);
    zmq_close(req);
    zmq_ctx_term(ctx);
    return events == last ? 0 : 1;
}

/* ---- latency ------------------------------------------------------------- */

typedef struct {
    int32_t key;   /* offering*periods + period */
    int count;     /* placements there */
} busy_t;

static int s_cmp_busy(const void *a, const void *b)
{
    const busy_t *x = a, *y = b;
    return x->count != y->count ? y->count - x->count : x->key - y->key;
}

/* Topics to subscribe, in priority order; returns how many. */
static int s_pick_topics(const regio_rpp_t *r, const Regio__PlannerSnapshot *snap,
                         const busy_t *picked, int n_picked, int want, regio_strtab_t *topics)
{
    char t[TOPIC_MAX];
    for (int32_t i = 0; i < regio_strtab_count(r->schools) && regio_strtab_count(topics) < want; i++) {
        snprintf(t, sizeof t, "school/%s", regio_strtab_name(r->schools, i));
        regio_strtab_intern(topics, t, NULL);
    }
    unsigned char *has = calloc((size_t)r->n_partners + 1, 1);
    for (int32_t i = 0; i < r->n_offerings; i++)
        has[r->offerings[i].partner] = 1;
    for (int32_t i = 0; i < r->n_partners && regio_strtab_count(topics) < want; i++)
        if (has[i]) {
            snprintf(t, sizeof t, "partner/%s", r->partners[i].id);
            regio_strtab_intern(topics, t, NULL);
        }
    free(has);
    /* learners at the pairs about to change, then every other placed learner */
    for (int pass = 0; pass < 2; pass++)
        for (size_t i = 0; i < snap->n_placements && regio_strtab_count(topics) < want; i++) {
            const Regio__Placement *p = snap->placements[i];
            int32_t o = regio_strtab_find(r->offering_ids, p->offering);
            int32_t per = regio_strtab_find(r->period_ids, p->period);
            int hit = 0;
            for (int k = 0; k < n_picked && o >= 0 && per >= 0; k++)
                hit |= picked[k].key == o * r->n_periods + per;
            if (pass == 0 && !hit)
                continue;
            snprintf(t, sizeof t, "learner/%s", p->learner);
            regio_strtab_intern(topics, t, NULL);
        }
    return regio_strtab_count(topics);
}

typedef struct {
    uint64_t seq;
    int32_t topic; /* index in the subscribed set, or -1 */
} logged_t;

typedef struct {
    /* per change */
    uint64_t before_seq, target_src, replay_after;
    int64_t *recv;          /* per seq after before_seq: receive time, 0 = none */
    size_t n_recv_cap;
    logged_t *log;          /* the change's slice of the log */
    size_t n_log, cap_log;
    long bytes;
    FILE *changes_out;
    int index;
} change_t;

static void s_recv_at(change_t *c, uint64_t seq, int64_t t)
{
    if (seq <= c->before_seq)
        return;
    size_t k = (size_t)(seq - c->before_seq - 1);
    if (k >= c->n_recv_cap) {
        size_t cap = c->n_recv_cap ? c->n_recv_cap : 4096;
        while (cap <= k)
            cap *= 2;
        int64_t *v = realloc(c->recv, cap * sizeof *v);
        if (!v)
            return;
        memset(v + c->n_recv_cap, 0, (cap - c->n_recv_cap) * sizeof *v);
        c->recv = v;
        c->n_recv_cap = cap;
    }
    if (!c->recv[k])
        c->recv[k] = t;
}

static int64_t s_recv_of(const change_t *c, uint64_t seq)
{
    size_t k = (size_t)(seq - c->before_seq - 1);
    return seq > c->before_seq && k < c->n_recv_cap ? c->recv[k] : 0;
}

static void s_log_add(change_t *c, const Regio__Notification *n, regio_strtab_t *topics)
{
    if (n->seq <= c->before_seq || (c->n_log && n->seq <= c->log[c->n_log - 1].seq))
        return;
    if (c->n_log == c->cap_log) {
        c->cap_log = c->cap_log ? c->cap_log * 2 : 1024;
        c->log = realloc(c->log, c->cap_log * sizeof *c->log);
    }
    c->log[c->n_log].seq = n->seq;
    c->log[c->n_log].topic = regio_strtab_find(topics, n->topic);
    c->n_log++;
    /* the envelope as the notifier publishes it (its id makes the size equal) */
    regio_envelope_t env = REGIO__ENVELOPE__INIT;
    env.id = regio_msg_next_id();
    env.body_case = REGIO__ENVELOPE__BODY_NOTIFICATION;
    env.notification = (Regio__Notification *)n;
    size_t len = regio__envelope__get_packed_size(&env);
    c->bytes += (long)len;
    if (c->changes_out) {
        uint8_t *buf = malloc(len);
        regio__envelope__pack(&env, buf);
        fprintf(c->changes_out, "%d\t%s\t", c->index, n->topic);
        for (size_t i = 0; i < len; i++)
            fprintf(c->changes_out, "%02x", buf[i]);
        fputc('\n', c->changes_out);
        free(buf);
    }
}

enum { ST_PLAN, ST_LOG, ST_REPLAY, ST_DRAIN, ST_DONE };

static int s_latency(const opts_t *o)
{
    char err[256];
    regio_rpp_t *r = NULL;
    if (regio_rpp_json_load(o->instance, &r, err, sizeof err) < 0) {
        fprintf(stderr, "regio-bench-notify: %s: %s\n", o->instance, err);
        return 2;
    }
    void *ctx = zmq_ctx_new();
    zmq_ctx_set(ctx, ZMQ_MAX_SOCKETS, o->subscribers + 64);
    void *cap = s_socket(ctx, ZMQ_DEALER, o->capacity);
    void *pln = s_socket(ctx, ZMQ_DEALER, o->planner);
    void *ntf = s_socket(ctx, ZMQ_DEALER, o->notifier);
    void *psub = s_socket(ctx, ZMQ_SUB, o->planner_pub);
    if (!cap || !pln || !ntf || !psub)
        return 1;
    zmq_setsockopt(psub, ZMQ_SUBSCRIBE, "planner", 7);

    /* the plan as it stands */
    regio_envelope_t req = REGIO__ENVELOPE__INIT;
    Regio__PlannerSnapshotRequest psr = REGIO__PLANNER_SNAPSHOT_REQUEST__INIT;
    req.body_case = REGIO__ENVELOPE__BODY_PLANNER_SNAPSHOT_REQUEST;
    req.planner_snapshot_request = &psr;
    regio_envelope_t *snap = s_request(pln, &req, REGIO__ENVELOPE__BODY_PLANNER_SNAPSHOT, "planner");
    if (!snap)
        return 1;
    const Regio__PlannerSnapshot *ps = snap->planner_snapshot;
    if (ps->n_placements == 0) {
        fprintf(stderr, "regio-bench-notify: the plan is empty: run regioctl plan --full first\n");
        return 1;
    }
    uint64_t plan_version = ps->plan_version;
    if (s_wait_outbox(pln, 120000) < 0)
        return 1;

    /* the busiest (offering, period) pairs change, one after the other */
    size_t n_keys = (size_t)r->n_offerings * (size_t)r->n_periods;
    busy_t *busy = calloc(n_keys, sizeof *busy);
    for (size_t k = 0; k < n_keys; k++)
        busy[k].key = (int32_t)k;
    for (size_t i = 0; i < ps->n_placements; i++) {
        int32_t of = regio_strtab_find(r->offering_ids, ps->placements[i]->offering);
        int32_t pe = regio_strtab_find(r->period_ids, ps->placements[i]->period);
        if (of >= 0 && pe >= 0)
            busy[of * r->n_periods + pe].count++;
    }
    qsort(busy, n_keys, sizeof *busy, s_cmp_busy);
    int total = o->warmup + o->changes;
    if ((size_t)total > n_keys)
        total = (int)n_keys;

    regio_strtab_t *topics = regio_strtab_new();
    int n_subs = s_pick_topics(r, ps, busy, total, o->subscribers, topics);
    sub_t *subs = calloc((size_t)n_subs, sizeof *subs);
    zmq_pollitem_t *items = calloc((size_t)n_subs + 3, sizeof *items);
    FILE *tf = o->topics_out ? fopen(o->topics_out, "w") : NULL;
    for (int i = 0; i < n_subs; i++) {
        snprintf(subs[i].topic, TOPIC_MAX, "%s", regio_strtab_name(topics, i));
        if (!(subs[i].sock = s_socket(ctx, ZMQ_SUB, o->notifier_pub))) {
            fprintf(stderr, "regio-bench-notify: subscriber %d: %s (file descriptors? ulimit -n)\n", i,
                    zmq_strerror(zmq_errno()));
            return 1;
        }
        zmq_setsockopt(subs[i].sock, ZMQ_SUBSCRIBE, subs[i].topic, strlen(subs[i].topic));
        items[i] = (zmq_pollitem_t){subs[i].sock, 0, ZMQ_POLLIN, 0};
        if (tf)
            fprintf(tf, "%s\n", subs[i].topic);
    }
    if (tf)
        fclose(tf);
    items[n_subs] = (zmq_pollitem_t){cap, 0, ZMQ_POLLIN, 0};
    items[n_subs + 1] = (zmq_pollitem_t){psub, 0, ZMQ_POLLIN, 0};
    items[n_subs + 2] = (zmq_pollitem_t){ntf, 0, ZMQ_POLLIN, 0};
    usleep(1500 * 1000); /* let 1,000 TCP connections and subscriptions settle */

    change_t c = {0};
    c.changes_out = o->changes_out ? fopen(o->changes_out, "w") : NULL;
    result_t *res = calloc((size_t)total, sizeof *res);
    int failures = 0, measured = 0;
    for (int ci = 0; ci < total; ci++) {
        int32_t key = busy[ci].key;
        const char *offering = r->offerings[key / r->n_periods].id;
        const char *period = r->periods[key % r->n_periods].id;
        uint64_t src0;
        if (s_notifier_status(ntf, &c.before_seq, &src0) < 0)
            return 1;
        c.index = ci;
        c.n_log = 0;
        c.bytes = 0;
        if (c.recv)
            memset(c.recv, 0, c.n_recv_cap * sizeof *c.recv);
        result_t *x = &res[ci];
        memset(x, 0, sizeof *x);

        /* t0: the company system sends the change */
        char uid[64];
        uint32_t zeros[10] = {0};
        struct timespec rt;
        clock_gettime(CLOCK_REALTIME, &rt);
        snprintf(uid, sizeof uid, "bench-notify-%d-%d", (int)getpid(), ci);
        Regio__CapacityUpdate u = REGIO__CAPACITY_UPDATE__INIT;
        u.update_id = uid;
        u.offering = (char *)offering;
        u.period = (char *)period;
        u.seats = zeros;
        u.n_seats = 10;
        u.version = (uint64_t)rt.tv_sec * 1000000000ull + (uint64_t)rt.tv_nsec;
        regio_envelope_t env = REGIO__ENVELOPE__INIT;
        env.body_case = REGIO__ENVELOPE__BODY_CAPACITY_UPDATE;
        env.capacity_update = &u;
        int64_t t0 = s_now_ns();
        if (regio_msg_send(cap, NULL, 0, &env) < 0) {
            fprintf(stderr, "regio-bench-notify: cannot send to the capacity service\n");
            return 1;
        }
        int state = ST_PLAN, acked = 0, status_out = 0;
        int64_t t_ack = 0, t_plan = 0, t_logged = 0, t_first = 0, next_status = 0;
        int64_t deadline = t0 + (int64_t)o->timeout_ms * 1000000;
        while (state != ST_DONE || !acked) {
            int64_t now = s_now_ns();
            if (now > deadline) {
                fprintf(stderr, "regio-bench-notify: change %d (%s %s) timed out in state %d\n", ci,
                        offering, period, state);
                break;
            }
            if (state == ST_LOG && !status_out && now >= next_status) {
                if (s_send_status_request(ntf) == 0)
                    status_out = 1;
                next_status = now + 2000000; /* every 2 ms */
            }
            if (state == ST_DRAIN) {
                int all = 1;
                int64_t last = 0;
                for (size_t i = 0; i < c.n_log && all; i++)
                    if (c.log[i].topic >= 0) {
                        int64_t t = s_recv_of(&c, c.log[i].seq);
                        all = t != 0;
                        last = t > last ? t : last;
                    }
                if (all || now - t_logged > (int64_t)o->grace_ms * 1000000)
                    state = ST_DONE;
            }
            int rc = zmq_poll(items, n_subs + 3, 1);
            if (rc < 0 && zmq_errno() != EINTR)
                return 1;
            if (rc <= 0)
                continue;
            for (int i = 0; i < n_subs; i++) {
                if (!(items[i].revents & ZMQ_POLLIN))
                    continue;
                regio_msg_t m;
                while (regio_msg_recv(subs[i].sock, 1, &m) == 0) {
                    int64_t t = s_now_ns();
                    size_t tl = strlen(subs[i].topic);
                    if (m.env && m.env->body_case == REGIO__ENVELOPE__BODY_NOTIFICATION &&
                        m.head_len == tl && !memcmp(m.head, subs[i].topic, tl) &&
                        m.env->notification->seq > c.before_seq) {
                        s_recv_at(&c, m.env->notification->seq, t);
                        if (!t_first)
                            t_first = t;
                    }
                    regio_msg_clear(&m);
                }
            }
            if (items[n_subs].revents & ZMQ_POLLIN) {
                regio_msg_t m;
                while (regio_msg_recv(cap, 0, &m) == 0) {
                    if (m.env && m.env->body_case == REGIO__ENVELOPE__BODY_CAPACITY_ACK) {
                        t_ack = s_now_ns();
                        acked = 1;
                    } else if (m.env && m.env->body_case == REGIO__ENVELOPE__BODY_ERROR) {
                        fprintf(stderr, "regio-bench-notify: change %d refused: %s\n", ci,
                                m.env->error->reason);
                        deadline = 0;
                    }
                    regio_msg_clear(&m);
                }
            }
            if (items[n_subs + 1].revents & ZMQ_POLLIN) {
                regio_msg_t m;
                while (regio_msg_recv(psub, 1, &m) == 0) {
                    if (m.env && m.env->body_case == REGIO__ENVELOPE__BODY_PLAN_SUMMARY &&
                        m.env->plan_summary->plan_version > plan_version && state == ST_PLAN) {
                        t_plan = s_now_ns();
                        plan_version = m.env->plan_summary->plan_version;
                        x->placement_changes = m.env->plan_summary->changed;
                        x->engine_ms = m.env->plan_summary->millis;
                        c.target_src = src0 + (uint64_t)x->placement_changes;
                        state = x->placement_changes ? ST_LOG : ST_DONE;
                        next_status = 0;
                    }
                    regio_msg_clear(&m);
                }
            }
            if (items[n_subs + 2].revents & ZMQ_POLLIN) {
                regio_msg_t m;
                while (regio_msg_recv(ntf, 0, &m) == 0) {
                    regio_envelope_t *e = m.env;
                    if (e && e->body_case == REGIO__ENVELOPE__BODY_STATUS) {
                        status_out = 0;
                        if (state == ST_LOG && s_counter(e->status, "source_seq") >= c.target_src) {
                            t_logged = s_now_ns();
                            state = ST_REPLAY;
                            c.replay_after = c.before_seq;
                            s_send_replay(ntf, "", c.replay_after, 0);
                        }
                    } else if (e && e->body_case == REGIO__ENVELOPE__BODY_REPLAY_CHUNK &&
                               state == ST_REPLAY) {
                        Regio__ReplayChunk *ch = e->replay_chunk;
                        for (size_t i = 0; i < ch->n_items; i++)
                            s_log_add(&c, ch->items[i], topics);
                        if (ch->done) {
                            uint64_t got = c.n_log ? c.log[c.n_log - 1].seq : c.before_seq;
                            if (got < ch->last_seq && got > c.replay_after) {
                                c.replay_after = got; /* capped: ask for the rest */
                                s_send_replay(ntf, "", got, 0);
                            } else {
                                state = ST_DRAIN;
                            }
                        }
                    }
                    regio_msg_clear(&m);
                }
            }
        }
        x->ok = state == ST_DONE && acked;
        x->ack_ms = acked ? s_ms(t_ack - t0) : NAN;
        x->plan_ms = t_plan ? s_ms(t_plan - t0) : NAN;
        x->logged_ms = t_logged ? s_ms(t_logged - t0) : NAN;
        x->first_ms = t_first ? s_ms(t_first - t0) : NAN;
        x->notifications = (long)c.n_log;
        x->bytes = c.bytes;
        int64_t last = 0;
        unsigned char *seen = calloc((size_t)n_subs, 1);
        for (size_t i = 0; i < c.n_log; i++) {
            if (c.log[i].topic < 0)
                continue;
            x->concerned++;
            if (!seen[c.log[i].topic]++)
                x->concerned_subs++;
            int64_t t = s_recv_of(&c, c.log[i].seq);
            if (!t)
                x->missing++;
            last = t > last ? t : last;
        }
        free(seen);
        x->all_ms = last && !x->missing ? s_ms(last - t0) : NAN;
        /* the notifier's part alone: from the planner's PlanSummary (sent right
         * after its commit, with the NotifyBatch) to the subscribers */
        x->hop_first_ms = t_first && t_plan ? s_ms(t_first - t_plan) : NAN;
        x->hop_all_ms = t_plan && !isnan(x->all_ms) ? s_ms(last - t_plan) : NAN;
        if (x->ok && x->placement_changes == 0)
            x->ok = 2; /* the replan changed nothing: no notification to time */
        if (!x->ok)
            failures++;
        if (o->verbose)
            fprintf(stderr,
                    "change %2d %s %-4s %-6s %-8s ack %6.2f ms  planned %7.2f ms (engine %5.1f)  logged %7.2f ms  "
                    "first %7.2f ms  all %7.2f ms  changes %4ld  notifications %4ld  concerned %4ld "
                    "(%ld subscribers) missing %ld\n",
                    ci, ci < o->warmup ? "warmup" : "      ", period, offering,
                    x->ok == 1 ? "ok" : x->ok == 2 ? "nochange" : "FAILED", x->ack_ms, x->plan_ms,
                    x->engine_ms, x->logged_ms, x->first_ms, x->all_ms, x->placement_changes,
                    x->notifications, x->concerned, x->concerned_subs, x->missing);
        if (ci >= o->warmup && x->ok == 1)
            measured++;
        usleep(20 * 1000);
    }
    if (c.changes_out)
        fclose(c.changes_out);

    /* summary over the measured changes */
    double *v = calloc((size_t)total + 1, sizeof *v);
#define COLLECT(field)                                                                     \
    ({                                                                                     \
        size_t n_ = 0;                                                                     \
        for (int i_ = o->warmup; i_ < total; i_++)                                         \
            if (res[i_].ok == 1 && !isnan((double)res[i_].field))                          \
                v[n_++] = (double)res[i_].field;                                           \
        n_;                                                                                \
    })
    size_t n;
    printf("{\"subscribers\": %d, \"changes\": %d, \"measured\": %d, \"failed\": %d", n_subs,
           total - o->warmup, measured, failures);
    const char *names[] = {"ack_ms", "planned_ms", "logged_ms", "first_ms", "all_ms",
                           "hop_first_ms", "hop_all_ms"};
    for (int f = 0; f < 7; f++) {
        switch (f) {
        case 0: n = COLLECT(ack_ms); break;
        case 1: n = COLLECT(plan_ms); break;
        case 2: n = COLLECT(logged_ms); break;
        case 3: n = COLLECT(first_ms); break;
        case 4: n = COLLECT(all_ms); break;
        case 5: n = COLLECT(hop_first_ms); break;
        default: n = COLLECT(hop_all_ms); break;
        }
        double p50 = s_pct(v, n, 0.5), p99 = s_pct(v, n, 0.99);
        printf(", \"%.*s_p50_ms\": %.3f, \"%.*s_p99_ms\": %.3f", (int)strlen(names[f]) - 3,
               names[f], p50, (int)strlen(names[f]) - 3, names[f], p99);
    }
    long missing = 0, notif = 0, conc = 0, pchg = 0, bytes = 0, csubs = 0;
    for (int i = o->warmup; i < total; i++)
        if (res[i].ok == 1) {
            missing += res[i].missing;
            notif += res[i].notifications;
            conc += res[i].concerned;
            csubs += res[i].concerned_subs;
            pchg += res[i].placement_changes;
            bytes += res[i].bytes;
        }
    n = COLLECT(notifications);
    double notif_p50 = s_pct(v, n, 0.5);
    n = COLLECT(engine_ms);
    double engine_p50 = s_pct(v, n, 0.5);
    double m = measured ? (double)measured : 1;
    printf(", \"engine_p50_ms\": %.1f, \"notifications_per_change_mean\": %.1f, "
           "\"notifications_per_change_p50\": %.0f, \"placement_changes_per_change_mean\": %.1f, "
           "\"concerned_per_change_mean\": %.1f, \"concerned_subscribers_per_change_mean\": %.1f, "
           "\"missing\": %ld, \"bytes_per_notification\": %.1f}\n",
           engine_p50, (double)notif / m, notif_p50, (double)pchg / m, (double)conc / m,
           (double)csubs / m, missing, notif ? (double)bytes / (double)notif : 0);
    for (int i = 0; i < n_subs; i++)
        zmq_close(subs[i].sock);
    zmq_close(cap);
    zmq_close(pln);
    zmq_close(ntf);
    zmq_close(psub);
    zmq_ctx_term(ctx);
    regio__envelope__free_unpacked(snap, NULL);
    regio_strtab_destroy(&topics);
    regio_rpp_destroy(&r);
    free(v);
    free(res);
    free(busy);
    free(subs);
    free(items);
    free(c.recv);
    free(c.log);
    return measured > 0 && missing == 0 && failures == 0 ? 0 : 1;
}

static void s_usage(void)
{
    fprintf(stderr,
            "usage: regio-bench-notify latency --instance REGION.json [--subscribers 1000] [--changes 50]\n"
            "                          [--warmup 3] [--grace-ms 3000] [--timeout-ms 30000]\n"
            "                          [--topics-out FILE] [--changes-out FILE] [--verbose]\n"
            "       regio-bench-notify catchup [--max-per-request N]\n"
            "endpoints: --capacity --planner --notifier --notifier-pub --planner-pub (or REGIO_* env)\n");
}

int main(int argc, char **argv)
{
    opts_t o = {
        .capacity = s_env("REGIO_CAPACITY", "tcp://127.0.0.1:7411"),
        .planner = s_env("REGIO_PLANNER", "tcp://127.0.0.1:7421"),
        .notifier = s_env("REGIO_NOTIFIER", "tcp://127.0.0.1:7431"),
        .notifier_pub = s_env("REGIO_NOTIFIER_PUB", "tcp://127.0.0.1:7432"),
        .planner_pub = s_env("REGIO_PLANNER_PUB", "tcp://127.0.0.1:7422"),
        .subscribers = 1000, .changes = 50, .warmup = 3, .grace_ms = 3000, .timeout_ms = 30000,
    };
    if (argc < 2) {
        s_usage();
        return 2;
    }
    const char *mode = argv[1];
    for (int i = 2; i < argc; i++) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (!strcmp(a, "--verbose")) {
            o.verbose = 1;
            continue;
        }
        if (!v) {
            s_usage();
            return 2;
        }
        i++;
        if (!strcmp(a, "--instance")) o.instance = v;
        else if (!strcmp(a, "--subscribers")) o.subscribers = atoi(v);
        else if (!strcmp(a, "--changes")) o.changes = atoi(v);
        else if (!strcmp(a, "--warmup")) o.warmup = atoi(v);
        else if (!strcmp(a, "--grace-ms")) o.grace_ms = atoi(v);
        else if (!strcmp(a, "--timeout-ms")) o.timeout_ms = atoi(v);
        else if (!strcmp(a, "--topics-out")) o.topics_out = v;
        else if (!strcmp(a, "--changes-out")) o.changes_out = v;
        else if (!strcmp(a, "--max-per-request")) o.max_per_request = (uint32_t)atol(v);
        else if (!strcmp(a, "--capacity")) o.capacity = v;
        else if (!strcmp(a, "--planner")) o.planner = v;
        else if (!strcmp(a, "--notifier")) o.notifier = v;
        else if (!strcmp(a, "--notifier-pub")) o.notifier_pub = v;
        else if (!strcmp(a, "--planner-pub")) o.planner_pub = v;
        else {
            fprintf(stderr, "regio-bench-notify: unknown option %s\n", a);
            return 2;
        }
    }
    if (!strcmp(mode, "catchup"))
        return s_catchup(&o);
    if (!strcmp(mode, "latency") && o.instance && o.subscribers > 0 && o.changes > 0 && o.warmup >= 0)
        return s_latency(&o);
    s_usage();
    return 2;
}
