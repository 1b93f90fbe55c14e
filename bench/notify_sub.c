/* notify_sub - the regio side of bench/notify.sh: subscribers and the company
 * system in ONE process, so the send time t0 and every receive time t1 come
 * from the same monotonic clock.
 *
 *   regio-bench-notify latency --instance REGION.json [--subscribers 1000]
 *        [--all-topics] [--changes 50] [--warmup 3] [--grace-ms 3000]
 *        [--timeout-ms 30000] [--topics-out FILE] [--changes-out FILE] [--verbose]
 *   regio-bench-notify catchup [--max-per-request 0]
 *
 * Endpoints: REGIO_CAPACITY, REGIO_PLANNER, REGIO_PLANNER_PUB, REGIO_NOTIFIER
 * and REGIO_NOTIFIER_FEED (or --capacity, --planner, --planner-pub,
 * --notifier, --notifier-feed). Keys as regioctl finds them: REGIO_KEYS (the
 * services' .pub files), REGIO_KEY (own secret key, default
 * <keys>/admin.key); REGIO_INSECURE=1 for services run with --insecure.
 *
 * latency: reads the plan (PlannerSnapshot), opens one DEALER per topic on
 * the notifier's feed (every school/<id>, every partner/<id> with offerings,
 * then learner/<id> of the learners placed at the offerings about to
 * change, then other placed learners, up to --subscribers), each sending
 * Subscribe{that topic} (with --all-topics: Subscribe{""}, so every
 * subscriber gets every notification: the fan-out), all polled by one
 * zmq_poll loop and renewed every REGIO_FEED_RENEW_MS. Then, for the
 * busiest (offering, period) pairs one after the other: t0, send a
 * CapacityUpdate setting its seats to 0 (as a company system would), and
 * watch: the capacity ack, the planner's PlanSummary for the new plan
 * version, the notifier's status until it has logged every placement change
 * of that plan (source_seq), the log slice of the change (ReplayRequest from
 * the seq before t0), and the subscribers until each delivery due (a
 * subscriber whose pattern covers a notification of the slice) has arrived.
 * Per change: first = first delivery - t0; all = last delivery - t0. A
 * subscriber cut off by the feed (ERROR_BUSY) counts its missing deliveries
 * as lost. Prints one JSON line. --changes-out writes every notification of
 * every change (index, topic, packed envelope in hex) so
 * bench/mqtt_fanout.c can publish the same fan-out.
 *
 * catchup: replays the notifier's whole log (topic "", after_seq 0, asking
 * again from scanned_seq after each capped answer) and prints events/s,
 * decoding every item.
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

#include "regio/curve.h"
#include "regio/msg.h"
#include "regio/rpp.h"
#include "regio/rpp_json.h"
#include "regio/strtab.h"

#define TOPIC_MAX 96

typedef struct {
    char topic[TOPIC_MAX]; /* exact topic, or "" with --all-topics */
    void *sock;            /* DEALER on the feed */
    int acked, cut;        /* its Subscribe was answered; it was cut off */
} sub_t;

typedef struct {
    const char *capacity, *planner, *notifier, *notifier_feed, *planner_pub;
    const char *instance, *topics_out, *changes_out;
    int subscribers, changes, warmup, grace_ms, timeout_ms, verbose, all_topics;
    uint32_t max_per_request;
} opts_t;

/* One measured change. */
typedef struct {
    double ack_ms, plan_ms, logged_ms, first_ms, all_ms, engine_ms, hop_first_ms, hop_all_ms;
    long placement_changes, notifications, concerned, concerned_subs, missing, bytes;
    int ok;
} result_t;

static struct {
    int insecure;
    const char *keys, *key; /* REGIO_KEYS, REGIO_KEY */
} g_sec;

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

/* A client socket to service peer (its key in <keys>/<peer>.pub), CURVE
 * unless REGIO_INSECURE=1. */
static void *s_socket(void *ctx, int type, const char *ep, const char *peer)
{
    regio_keypair_t kp;
    char server[REGIO_KEY_TEXT + 1], err[1024];
    if (!g_sec.insecure && regio_keys_client(g_sec.keys, g_sec.key, peer, &kp, server, err,
                                             sizeof err) < 0) {
        fprintf(stderr, "regio-bench-notify: %s (REGIO_KEYS, REGIO_KEY or REGIO_INSECURE=1)\n", err);
        return NULL;
    }
    void *s = zmq_socket(ctx, type);
    int zero = 0, big = 1000000;
    if (!s)
        return NULL;
    zmq_setsockopt(s, ZMQ_LINGER, &zero, sizeof zero);
    zmq_setsockopt(s, ZMQ_RCVHWM, &big, sizeof big); /* the bench is the reader that keeps up */
    regio_curve_t c = {g_sec.insecure ? NULL : &kp, server, NULL};
    if (regio_curve_apply(s, &c, 0) < 0 || zmq_connect(s, ep) < 0) {
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

/* Read the chunks answering one replay; returns items, or -1 on failure. */
static long s_replay_chunks(void *req, uint64_t *scanned, uint64_t *last, uint64_t *chunks,
                            uint64_t *bytes)
{
    long got = 0;
    for (int done = 0; !done;) {
        zmq_pollitem_t it = {req, 0, ZMQ_POLLIN, 0};
        if (zmq_poll(&it, 1, 10000) <= 0) {
            fprintf(stderr, "regio-bench-notify: replay stalled\n");
            return -1;
        }
        regio_msg_t m;
        while (!done && regio_msg_recv(req, 0, &m) == 0) {
            regio_envelope_t *e = m.env;
            if (e && e->body_case == REGIO__ENVELOPE__BODY_REPLAY_CHUNK) {
                Regio__ReplayChunk *ch = e->replay_chunk;
                (*chunks)++;
                *bytes += m.size;
                got += (long)ch->n_items;
                *scanned = ch->scanned_seq;
                *last = ch->last_seq;
                done = ch->done;
            } else if (e && e->body_case == REGIO__ENVELOPE__BODY_ERROR) {
                fprintf(stderr, "regio-bench-notify: replay refused: %s\n", e->error->reason);
                done = 1;
                got = -1;
            }
            regio_msg_clear(&m);
        }
    }
    return got;
}

static int s_catchup(const opts_t *o)
{
    void *ctx = zmq_ctx_new();
    void *req = s_socket(ctx, ZMQ_DEALER, o->notifier, "notifier");
    uint64_t last = 0, src = 0;
    if (!req || s_notifier_status(req, &last, &src) < 0)
        return 1;
    if (last == 0) {
        fprintf(stderr, "regio-bench-notify: the notifier's log is empty\n");
        return 1;
    }
    int64_t t0 = s_now_ns();
    uint64_t after = 0, events = 0, requests = 0, chunks = 0, bytes = 0, scanned = 0, end = last;
    while (after < end) {
        if (s_send_replay(req, "", after, o->max_per_request) < 0)
            return 1;
        requests++;
        long got = s_replay_chunks(req, &scanned, &end, &chunks, &bytes);
        if (got < 0)
            return 1;
        events += (uint64_t)got;
        if (scanned <= after)
            break;
        after = scanned;
    }
    double secs = (double)(s_now_ns() - t0) / 1e9;
    printf("{\"events\": %" PRIu64 ", \"log_seq\": %" PRIu64 ", \"seconds\": %.3f, \"per_second\": %.0f, "
           "\"requests\": %" PRIu64 ", \"chunks\": %" PRIu64 ", \"bytes\": %" PRIu64
           ", \"bytes_per_event\": %.1f}\n",
           events, last, secs, (double)events / secs, requests, chunks, bytes,
           events ? (double)bytes / (double)events : 0);
    zmq_close(req);
    zmq_ctx_term(ctx);
    return events >= last ? 0 : 1;
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


/* One notification of the change's slice: who should get it, who did. */
typedef struct {
    uint64_t seq;
    int32_t topic;       /* index in the subscribed set, or -1 */
    int due;             /* deliveries due: subscribers whose pattern covers it */
    int got;             /* deliveries seen */
    int64_t first, last; /* receive times of the first and the last delivery */
} logged_t;

typedef struct {
    uint64_t before_seq, target_src, replay_after;
    logged_t *log; /* the change's slice of the log, by seq - before_seq - 1 */
    size_t n_log, cap_log;
    long bytes;
    FILE *changes_out;
    int index;
} change_t;

/* The entry of seq in the change's slice, or NULL (not in the slice yet). */
static logged_t *s_logged(change_t *c, uint64_t seq)
{
    size_t k = (size_t)(seq - c->before_seq - 1);
    return seq > c->before_seq && k < c->n_log ? &c->log[k] : NULL;
}

static void s_log_add(change_t *c, const Regio__Notification *n, regio_strtab_t *topics, int all,
                      int n_subs)
{
    if (n->seq != c->before_seq + c->n_log + 1)
        return; /* already had it, or not the next one */
    if (c->n_log == c->cap_log) {
        c->cap_log = c->cap_log ? c->cap_log * 2 : 1024;
        c->log = realloc(c->log, c->cap_log * sizeof *c->log);
    }
    logged_t *x = &c->log[c->n_log++];
    memset(x, 0, sizeof *x);
    x->seq = n->seq;
    x->topic = regio_strtab_find(topics, n->topic);
    x->due = all ? n_subs : x->topic >= 0;
    /* the envelope as the notifier sends it (its id makes the size equal) */
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

/* Everything one latency run shares across its changes. */
typedef struct {
    const opts_t *o;
    void *cap, *pln, *ntf, *psub;
    sub_t *subs;
    int n_subs;
    zmq_pollitem_t *items; /* subscribers, then capacity, planner PUB, notifier */
    regio_strtab_t *topics;
    uint64_t plan_version;
    int64_t renew_at;
    /* Deliveries seen before their change's slice was known: replayed
     * into it once known (seq, receive time). */
    struct early { uint64_t seq; int64_t t; } *early;
    size_t n_early, cap_early;
} bench_t;

/* The state of one change being measured. */
typedef struct {
    int state, acked, status_out;
    int64_t t0, t_ack, t_plan, t_logged, t_first, next_status, deadline;
    change_t *c;
    result_t *x;
} run_t;

static int s_send_subscribe(sub_t *s)
{
    char *topics[] = {s->topic};
    return regio_msg_subscribe(s->sock, topics, 1, NULL);
}

/* Renew every subscriber's lease when due. */
static void s_renew(bench_t *b, int64_t now)
{
    if (now < b->renew_at)
        return;
    for (int i = 0; i < b->n_subs; i++)
        s_send_subscribe(&b->subs[i]);
    b->renew_at = now + (int64_t)REGIO_FEED_RENEW_MS * 1000000;
}

static void s_delivered(change_t *c, bench_t *b, uint64_t seq, int64_t t, int64_t *t_first)
{
    logged_t *x = s_logged(c, seq);
    if (!x) {
        if (seq <= c->before_seq)
            return;
        if (b->n_early == b->cap_early) {
            b->cap_early = b->cap_early ? 2 * b->cap_early : 4096;
            b->early = realloc(b->early, b->cap_early * sizeof *b->early);
        }
        b->early[b->n_early++] = (struct early){seq, t};
    } else {
        x->first = x->got++ ? x->first : t;
        x->last = t;
    }
    if (!*t_first)
        *t_first = t;
}

/* Read what the subscribers received. */
static void s_on_subscribers(bench_t *b, run_t *r)
{
    for (int i = 0; i < b->n_subs; i++) {
        if (!(b->items[i].revents & ZMQ_POLLIN))
            continue;
        regio_msg_t m;
        while (regio_msg_recv(b->subs[i].sock, 0, &m) == 0) {
            int64_t t = s_now_ns();
            const regio_envelope_t *e = m.env;
            if (e && e->body_case == REGIO__ENVELOPE__BODY_NOTIFICATION)
                s_delivered(r->c, b, e->notification->seq, t, &r->t_first);
            else if (e && e->body_case == REGIO__ENVELOPE__BODY_ACK)
                b->subs[i].acked = 1;
            else if (e && e->body_case == REGIO__ENVELOPE__BODY_ERROR && !b->subs[i].cut) {
                b->subs[i].cut = 1;
                fprintf(stderr, "regio-bench-notify: subscriber %s: %s\n", b->subs[i].topic,
                        e->error->reason);
            }
            regio_msg_clear(&m);
        }
    }
}

static void s_on_capacity(bench_t *b, run_t *r, int ci)
{
    regio_msg_t m;
    while (regio_msg_recv(b->cap, 0, &m) == 0) {
        if (m.env && m.env->body_case == REGIO__ENVELOPE__BODY_CAPACITY_ACK) {
            r->t_ack = s_now_ns();
            r->acked = 1;
        } else if (m.env && m.env->body_case == REGIO__ENVELOPE__BODY_ERROR) {
            fprintf(stderr, "regio-bench-notify: change %d refused: %s\n", ci, m.env->error->reason);
            r->deadline = 0;
        }
        regio_msg_clear(&m);
    }
}

static void s_on_plan(bench_t *b, run_t *r, uint64_t src0)
{
    regio_msg_t m;
    while (regio_msg_recv(b->psub, 1, &m) == 0) {
        const regio_envelope_t *e = m.env;
        if (e && e->body_case == REGIO__ENVELOPE__BODY_PLAN_SUMMARY &&
            e->plan_summary->plan_version > b->plan_version && r->state == ST_PLAN) {
            r->t_plan = s_now_ns();
            b->plan_version = e->plan_summary->plan_version;
            r->x->placement_changes = e->plan_summary->changed;
            r->x->engine_ms = e->plan_summary->millis;
            r->c->target_src = src0 + (uint64_t)r->x->placement_changes;
            r->state = r->x->placement_changes ? ST_LOG : ST_DONE;
            r->next_status = 0;
        }
        regio_msg_clear(&m);
    }
}

/* The slice is complete: deliveries that came before it was known count now. */
static void s_slice_done(bench_t *b, run_t *r)
{
    size_t keep = 0;
    for (size_t i = 0; i < b->n_early; i++) {
        logged_t *x = s_logged(r->c, b->early[i].seq);
        if (!x) {
            b->early[keep++] = b->early[i];
            continue;
        }
        int64_t t = b->early[i].t;
        x->first = x->got++ && x->first < t ? x->first : t;
        x->last = t > x->last ? t : x->last;
    }
    b->n_early = keep;
    r->state = ST_DRAIN;
}

static void s_on_notifier(bench_t *b, run_t *r)
{
    regio_msg_t m;
    change_t *c = r->c;
    while (regio_msg_recv(b->ntf, 0, &m) == 0) {
        regio_envelope_t *e = m.env;
        if (e && e->body_case == REGIO__ENVELOPE__BODY_STATUS) {
            r->status_out = 0;
            if (r->state == ST_LOG && s_counter(e->status, "source_seq") >= c->target_src) {
                r->t_logged = s_now_ns();
                r->state = ST_REPLAY;
                c->replay_after = c->before_seq;
                s_send_replay(b->ntf, "", c->replay_after, 0);
            }
        } else if (e && e->body_case == REGIO__ENVELOPE__BODY_REPLAY_CHUNK && r->state == ST_REPLAY) {
            Regio__ReplayChunk *ch = e->replay_chunk;
            for (size_t i = 0; i < ch->n_items; i++)
                s_log_add(c, ch->items[i], b->topics, b->o->all_topics, b->n_subs);
            if (ch->done && ch->scanned_seq < ch->last_seq && ch->scanned_seq > c->replay_after) {
                c->replay_after = ch->scanned_seq; /* capped: ask for the rest */
                s_send_replay(b->ntf, "", c->replay_after, 0);
            } else if (ch->done) {
                s_slice_done(b, r);
            }
        }
        regio_msg_clear(&m);
    }
}

/* Whether every delivery due for the change has arrived. */
static int s_all_in(const change_t *c)
{
    for (size_t i = 0; i < c->n_log; i++)
        if (c->log[i].got < c->log[i].due)
            return 0;
    return 1;
}

/* One step of the loop: poll, then hand what came to its handler. */
static int s_step(bench_t *b, run_t *r, int ci, uint64_t src0)
{
    int64_t now = s_now_ns();
    s_renew(b, now);
    if (r->state == ST_LOG && !r->status_out && now >= r->next_status) {
        if (s_send_status_request(b->ntf) == 0)
            r->status_out = 1;
        r->next_status = now + 2000000; /* every 2 ms */
    }
    if (r->state == ST_DRAIN && (s_all_in(r->c) || now - r->t_logged > (int64_t)b->o->grace_ms * 1000000))
        r->state = ST_DONE;
    int rc = zmq_poll(b->items, b->n_subs + 3, 1);
    if (rc < 0 && zmq_errno() != EINTR)
        return -1;
    if (rc <= 0)
        return 0;
    s_on_subscribers(b, r);
    if (b->items[b->n_subs].revents & ZMQ_POLLIN)
        s_on_capacity(b, r, ci);
    if (b->items[b->n_subs + 1].revents & ZMQ_POLLIN)
        s_on_plan(b, r, src0);
    if (b->items[b->n_subs + 2].revents & ZMQ_POLLIN)
        s_on_notifier(b, r);
    return 0;
}

/* t0: the company system sets the seats of (offering, period) to 0. */
static int s_send_change(bench_t *b, const char *offering, const char *period, int ci)
{
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
    u.version = (uint64_t)rt.tv_sec * 1000 + (uint64_t)rt.tv_nsec / 1000000; /* unix ms */
    regio_envelope_t env = REGIO__ENVELOPE__INIT;
    env.body_case = REGIO__ENVELOPE__BODY_CAPACITY_UPDATE;
    env.capacity_update = &u;
    return regio_msg_send(b->cap, NULL, 0, &env);
}

/* Fill x from the finished run. */
static void s_tally(const bench_t *b, const run_t *r, result_t *x)
{
    const change_t *c = r->c;
    x->ok = r->state == ST_DONE && r->acked;
    x->ack_ms = r->acked ? s_ms(r->t_ack - r->t0) : NAN;
    x->plan_ms = r->t_plan ? s_ms(r->t_plan - r->t0) : NAN;
    x->logged_ms = r->t_logged ? s_ms(r->t_logged - r->t0) : NAN;
    x->first_ms = r->t_first ? s_ms(r->t_first - r->t0) : NAN;
    x->notifications = (long)c->n_log;
    x->bytes = c->bytes;
    int64_t last = 0;
    unsigned char *seen = calloc((size_t)b->n_subs, 1);
    for (size_t i = 0; i < c->n_log; i++) {
        const logged_t *l = &c->log[i];
        x->concerned += l->due;
        x->missing += l->due > l->got ? l->due - l->got : 0;
        if (l->topic >= 0 && !seen[l->topic]++ && !b->o->all_topics)
            x->concerned_subs++;
        last = l->last > last ? l->last : last;
    }
    if (b->o->all_topics)
        x->concerned_subs = c->n_log ? b->n_subs : 0;
    free(seen);
    x->all_ms = last && !x->missing ? s_ms(last - r->t0) : NAN;
    /* the notifier's part alone: from the planner's PlanSummary (sent right
     * after its commit, with the NotifyBatch) to the subscribers */
    x->hop_first_ms = r->t_first && r->t_plan ? s_ms(r->t_first - r->t_plan) : NAN;
    x->hop_all_ms = r->t_plan && !isnan(x->all_ms) ? s_ms(last - r->t_plan) : NAN;
    if (x->ok && x->placement_changes == 0)
        x->ok = 2; /* the replan changed nothing: no notification to time */
}

/* Measure one change of (offering, period). Returns 0, or -1 when the
 * services stopped answering. */
static int s_measure(bench_t *b, change_t *c, result_t *x, int ci, const char *offering,
                     const char *period)
{
    uint64_t src0;
    if (s_notifier_status(b->ntf, &c->before_seq, &src0) < 0)
        return -1;
    c->index = ci;
    c->n_log = 0;
    c->bytes = 0;
    b->n_early = 0;
    memset(x, 0, sizeof *x);
    run_t r = {.c = c, .x = x, .state = ST_PLAN};
    r.t0 = s_now_ns();
    if (s_send_change(b, offering, period, ci) < 0) {
        fprintf(stderr, "regio-bench-notify: cannot send to the capacity service\n");
        return -1;
    }
    r.deadline = r.t0 + (int64_t)b->o->timeout_ms * 1000000;
    while (r.state != ST_DONE || !r.acked) {
        if (s_now_ns() > r.deadline) {
            fprintf(stderr, "regio-bench-notify: change %d (%s %s) timed out in state %d\n", ci,
                    offering, period, r.state);
            break;
        }
        if (s_step(b, &r, ci, src0) < 0)
            return -1;
    }
    s_tally(b, &r, x);
    if (b->o->verbose)
        fprintf(stderr,
                "change %2d %s %-4s %-6s %-8s ack %6.2f ms  planned %7.2f ms (engine %5.1f)  logged %7.2f ms  "
                "first %7.2f ms  all %7.2f ms  changes %4ld  notifications %4ld  due %5ld "
                "(%ld subscribers) missing %ld\n",
                ci, ci < b->o->warmup ? "warmup" : "      ", period, offering,
                x->ok == 1 ? "ok" : x->ok == 2 ? "nochange" : "FAILED", x->ack_ms, x->plan_ms,
                x->engine_ms, x->logged_ms, x->first_ms, x->all_ms, x->placement_changes,
                x->notifications, x->concerned, x->concerned_subs, x->missing);
    return 0;
}

/* Open the subscribers and wait (10 s at most) until every Subscribe is
 * acknowledged. Returns 0 or -1. */
static int s_open_subscribers(bench_t *b, void *ctx)
{
    FILE *tf = b->o->topics_out ? fopen(b->o->topics_out, "w") : NULL;
    for (int i = 0; i < b->n_subs; i++) {
        sub_t *s = &b->subs[i];
        snprintf(s->topic, TOPIC_MAX, "%s", b->o->all_topics ? "" : regio_strtab_name(b->topics, i));
        if (!(s->sock = s_socket(ctx, ZMQ_DEALER, b->o->notifier_feed, "notifier")) ||
            s_send_subscribe(s) < 0) {
            fprintf(stderr, "regio-bench-notify: subscriber %d: %s (file descriptors? ulimit -n)\n",
                    i, zmq_strerror(zmq_errno()));
            return -1;
        }
        b->items[i] = (zmq_pollitem_t){s->sock, 0, ZMQ_POLLIN, 0};
        if (tf && i < regio_strtab_count(b->topics))
            fprintf(tf, "%s\n", regio_strtab_name(b->topics, i));
    }
    if (tf)
        fclose(tf);
    b->renew_at = s_now_ns() + (int64_t)REGIO_FEED_RENEW_MS * 1000000;
    run_t idle = {0};
    change_t none = {.before_seq = UINT64_MAX};
    idle.c = &none;
    int64_t until = s_now_ns() + 10000000000LL;
    for (int acked = 0; acked < b->n_subs; acked = 0) {
        if (s_now_ns() > until) {
            fprintf(stderr, "regio-bench-notify: not every Subscribe was answered in 10 s\n");
            return -1;
        }
        if (zmq_poll(b->items, b->n_subs, 10) > 0)
            s_on_subscribers(b, &idle);
        for (int i = 0; i < b->n_subs; i++)
            acked += b->subs[i].acked;
        if (acked == b->n_subs)
            return 0;
    }
    return 0;
}

/* Print the summary over the measured changes as one JSON line. */
static void s_summary(const opts_t *o, const result_t *res, int total, int n_subs, int measured,
                      int failures)
{
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
    printf("{\"subscribers\": %d, \"all_topics\": %s, \"curve\": %s, \"changes\": %d, "
           "\"measured\": %d, \"failed\": %d", n_subs, o->all_topics ? "true" : "false",
           g_sec.insecure ? "false" : "true", total - o->warmup, measured, failures);
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
#undef COLLECT
    double m = measured ? (double)measured : 1;
    printf(", \"engine_p50_ms\": %.1f, \"notifications_per_change_mean\": %.1f, "
           "\"notifications_per_change_p50\": %.0f, \"placement_changes_per_change_mean\": %.1f, "
           "\"concerned_per_change_mean\": %.1f, \"concerned_subscribers_per_change_mean\": %.1f, "
           "\"missing\": %ld, \"bytes_per_notification\": %.1f}\n",
           engine_p50, (double)notif / m, notif_p50, (double)pchg / m, (double)conc / m,
           (double)csubs / m, missing, notif ? (double)bytes / (double)notif : 0);
    free(v);
}

/* The busiest (offering, period) pairs of the plan, busiest first. */
static busy_t *s_busiest(const regio_rpp_t *r, const Regio__PlannerSnapshot *ps, size_t *n_keys)
{
    *n_keys = (size_t)r->n_offerings * (size_t)r->n_periods;
    busy_t *busy = calloc(*n_keys, sizeof *busy);
    for (size_t k = 0; k < *n_keys; k++)
        busy[k].key = (int32_t)k;
    for (size_t i = 0; i < ps->n_placements; i++) {
        int32_t of = regio_strtab_find(r->offering_ids, ps->placements[i]->offering);
        int32_t pe = regio_strtab_find(r->period_ids, ps->placements[i]->period);
        if (of >= 0 && pe >= 0)
            busy[of * r->n_periods + pe].count++;
    }
    qsort(busy, *n_keys, sizeof *busy, s_cmp_busy);
    return busy;
}

static regio_envelope_t *s_snapshot(void *pln)
{
    regio_envelope_t req = REGIO__ENVELOPE__INIT;
    Regio__PlannerSnapshotRequest psr = REGIO__PLANNER_SNAPSHOT_REQUEST__INIT;
    req.body_case = REGIO__ENVELOPE__BODY_PLANNER_SNAPSHOT_REQUEST;
    req.planner_snapshot_request = &psr;
    regio_envelope_t *snap = s_request(pln, &req, REGIO__ENVELOPE__BODY_PLANNER_SNAPSHOT, "planner");
    if (snap && snap->planner_snapshot->n_placements == 0) {
        fprintf(stderr, "regio-bench-notify: the plan is empty: run regioctl plan --full first\n");
        regio__envelope__free_unpacked(snap, NULL);
        return NULL;
    }
    return snap;
}

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
    bench_t b = {.o = o};
    b.cap = s_socket(ctx, ZMQ_DEALER, o->capacity, "capacity");
    b.pln = s_socket(ctx, ZMQ_DEALER, o->planner, "planner");
    b.ntf = s_socket(ctx, ZMQ_DEALER, o->notifier, "notifier");
    b.psub = s_socket(ctx, ZMQ_SUB, o->planner_pub, "planner");
    if (!b.cap || !b.pln || !b.ntf || !b.psub)
        return 1;
    zmq_setsockopt(b.psub, ZMQ_SUBSCRIBE, "planner", 7);
    regio_envelope_t *snap = s_snapshot(b.pln);
    if (!snap || s_wait_outbox(b.pln, 120000) < 0)
        return 1;
    const Regio__PlannerSnapshot *ps = snap->planner_snapshot;
    b.plan_version = ps->plan_version;
    size_t n_keys;
    busy_t *busy = s_busiest(r, ps, &n_keys);
    int total = o->warmup + o->changes;
    if ((size_t)total > n_keys)
        total = (int)n_keys;
    b.topics = regio_strtab_new();
    b.n_subs = s_pick_topics(r, ps, busy, total, o->subscribers, b.topics);
    if (o->all_topics)
        b.n_subs = o->subscribers; /* every one takes "": the topics only name them */
    b.subs = calloc((size_t)b.n_subs, sizeof *b.subs);
    b.items = calloc((size_t)b.n_subs + 3, sizeof *b.items);
    if (s_open_subscribers(&b, ctx) < 0)
        return 1;
    b.items[b.n_subs] = (zmq_pollitem_t){b.cap, 0, ZMQ_POLLIN, 0};
    b.items[b.n_subs + 1] = (zmq_pollitem_t){b.psub, 0, ZMQ_POLLIN, 0};
    b.items[b.n_subs + 2] = (zmq_pollitem_t){b.ntf, 0, ZMQ_POLLIN, 0};
    usleep(200 * 1000); /* the planner's PUB has our subscription */

    change_t c = {0};
    c.changes_out = o->changes_out ? fopen(o->changes_out, "w") : NULL;
    result_t *res = calloc((size_t)total, sizeof *res);
    int failures = 0, measured = 0;
    for (int ci = 0; ci < total; ci++) {
        int32_t key = busy[ci].key;
        if (s_measure(&b, &c, &res[ci], ci, r->offerings[key / r->n_periods].id,
                      r->periods[key % r->n_periods].id) < 0)
            return 1;
        failures += !res[ci].ok;
        measured += ci >= o->warmup && res[ci].ok == 1;
        usleep(20 * 1000);
    }
    if (c.changes_out)
        fclose(c.changes_out);
    int cut = 0;
    for (int i = 0; i < b.n_subs; i++)
        cut += b.subs[i].cut;
    s_summary(o, res, total, b.n_subs, measured, failures);
    long missing = 0;
    for (int i = o->warmup; i < total; i++)
        missing += res[i].ok == 1 ? res[i].missing : 0;
    for (int i = 0; i < b.n_subs; i++)
        zmq_close(b.subs[i].sock);
    zmq_close(b.cap);
    zmq_close(b.pln);
    zmq_close(b.ntf);
    zmq_close(b.psub);
    zmq_ctx_term(ctx);
    regio__envelope__free_unpacked(snap, NULL);
    regio_strtab_destroy(&b.topics);
    regio_rpp_destroy(&r);
    free(res);
    free(busy);
    free(b.subs);
    free(b.items);
    free(b.early);
    free(c.log);
    return measured > 0 && missing == 0 && failures == 0 && cut == 0 ? 0 : 1;
}

static void s_usage(void)
{
    fprintf(stderr,
            "usage: regio-bench-notify latency --instance REGION.json [--subscribers 1000] [--all-topics]\n"
            "                          [--changes 50] [--warmup 3] [--grace-ms 3000] [--timeout-ms 30000]\n"
            "                          [--topics-out FILE] [--changes-out FILE] [--verbose]\n"
            "       regio-bench-notify catchup [--max-per-request N]\n"
            "endpoints: --capacity --planner --planner-pub --notifier --notifier-feed (or REGIO_* env);\n"
            "keys: REGIO_KEYS, REGIO_KEY, REGIO_INSECURE=1\n");
}

int main(int argc, char **argv)
{
    opts_t o = {
        .capacity = s_env("REGIO_CAPACITY", "tcp://127.0.0.1:7411"),
        .planner = s_env("REGIO_PLANNER", "tcp://127.0.0.1:7421"),
        .notifier = s_env("REGIO_NOTIFIER", "tcp://127.0.0.1:7431"),
        .notifier_feed = s_env("REGIO_NOTIFIER_FEED", "tcp://127.0.0.1:7432"),
        .planner_pub = s_env("REGIO_PLANNER_PUB", "tcp://127.0.0.1:7422"),
        .subscribers = 1000, .changes = 50, .warmup = 3, .grace_ms = 3000, .timeout_ms = 30000,
    };
    g_sec.insecure = strcmp(s_env("REGIO_INSECURE", "0"), "1") == 0;
    g_sec.keys = s_env("REGIO_KEYS", "var/keys");
    g_sec.key = s_env("REGIO_KEY", NULL);
    if (argc < 2) {
        s_usage();
        return 2;
    }
    const char *mode = argv[1];
    for (int i = 2; i < argc; i++) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (!strcmp(a, "--verbose") || !strcmp(a, "--all-topics")) {
            *(a[2] == 'v' ? &o.verbose : &o.all_topics) = 1;
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
        else if (!strcmp(a, "--notifier-feed")) o.notifier_feed = v;
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
