/* notify_hop - the notifier's own hop, with CURVE and without, interleaved.
 *
 *   regio-bench-hop --curve ROUTER,FEED --insecure ROUTER,FEED [--count 1000]
 *                   [--warmup 20] [--subscribers 1000] [--all-topics] [--gap-ms 2]
 *
 * Two notifiers run side by side, one with CURVE (keys from REGIO_KEYS: this
 * program sends as <keys>/planner.key, the only key that may, and
 * subscribes as <keys>/admin.key) and one with --insecure; nothing else
 * runs. On each, --subscribers DEALERs subscribe on the feed: one to
 * school/s1, one to partner/p1, the others to learner/l<k> (with
 * --all-topics every one to "", so every notification goes to all). Then
 * --count times per notifier, alternately, so both see the same machine:
 * t0, a NotifyBatch of one change (learner l<i>, school s1, partner p1: three
 * notifications) is sent as the planner would, and the loop waits for the
 * NotifyAck and for every delivery due. Per sample: ack = NotifyAck - t0
 * (the request's hop and an LMDB commit with fsync), first = first
 * delivery - t0, all = last delivery - t0, and feed = last delivery -
 * NotifyAck: the feed's part alone (the notifier acks, then delivers), free
 * of the disk's noise. Prints one JSON line per side and one with CURVE's
 * cost (the difference of each percentile).
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

#define SAMPLE_TIMEOUT_NS 5000000000LL

typedef struct {
    const char *name;             /* "curve" or "insecure" */
    int insecure;
    void *req;                    /* DEALER to the notifier's router, as the planner */
    void **subs;                  /* DEALERs on the feed */
    char (*topics)[64];           /* each one's pattern */
    zmq_pollitem_t *items;        /* subs, then req */
    int n_subs;
    uint64_t next_src;            /* next source_seq to send */
    double *ack, *first, *all, *feed; /* ms per sample */
    size_t n;
    long missing;
} side_t;

typedef struct {
    const char *keys;
    int count, warmup, n_subs, all_topics, gap_ms;
} opts_t;

static int64_t s_now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/* A DEALER to ep: CURVE as <keys>/<who>.key unless the side is insecure. */
static void *s_dealer(void *ctx, const opts_t *o, const side_t *sd, const char *ep, const char *who)
{
    regio_keypair_t kp;
    char server[REGIO_KEY_TEXT + 1], key[1024], err[1024];
    snprintf(key, sizeof key, "%s/%s.key", o->keys, who);
    if (!sd->insecure && regio_keys_client(o->keys, key, "notifier", &kp, server, err, sizeof err) < 0) {
        fprintf(stderr, "regio-bench-hop: %s\n", err);
        return NULL;
    }
    void *s = zmq_socket(ctx, ZMQ_DEALER);
    int zero = 0, big = 1000000;
    zmq_setsockopt(s, ZMQ_LINGER, &zero, sizeof zero);
    zmq_setsockopt(s, ZMQ_RCVHWM, &big, sizeof big);
    regio_curve_t c = {sd->insecure ? NULL : &kp, server, NULL};
    if (regio_curve_apply(s, &c, 0) < 0 || zmq_connect(s, ep) < 0) {
        fprintf(stderr, "regio-bench-hop: connect %s: %s\n", ep, zmq_strerror(zmq_errno()));
        zmq_close(s);
        return NULL;
    }
    return s;
}

/* Send env on sock and wait up to 10 s for a reply with body want. */
static regio_envelope_t *s_call(void *sock, regio_envelope_t *env, Regio__Envelope__BodyCase want)
{
    regio_envelope_t *r = NULL;
    char err[256];
    if (regio_msg_request(sock, env, &r, 10000) < 0 || regio_msg_expect(r, want, err, sizeof err) < 0) {
        fprintf(stderr, "regio-bench-hop: %s\n", r ? err : "no answer from the notifier");
        if (r)
            regio__envelope__free_unpacked(r, NULL);
        return NULL;
    }
    return r;
}

/* Wait (10 s at most) for the Ack of the Subscribe just sent on sock. */
static int s_await_ack(void *sock)
{
    for (int64_t until = s_now_ns() + 10000000000LL; s_now_ns() < until;) {
        regio_msg_t m;
        if (zmq_poll(&(zmq_pollitem_t){sock, 0, ZMQ_POLLIN, 0}, 1, 100) <= 0)
            continue;
        while (regio_msg_recv(sock, 0, &m) == 0) {
            int ack = m.env && m.env->body_case == REGIO__ENVELOPE__BODY_ACK;
            regio_msg_clear(&m);
            if (ack)
                return 1;
        }
    }
    fprintf(stderr, "regio-bench-hop: no Ack from the feed\n");
    return 0;
}

/* Renew every subscriber's lease (the Acks are read and dropped with the rest). */
static void s_renew(side_t *sd)
{
    for (int k = 0; k < sd->n_subs; k++) {
        char *topics[] = {sd->topics[k]};
        regio_msg_subscribe(sd->subs[k], topics, 1, NULL);
    }
}

/* Open side sd's subscribers and learn where its log's source_seq stands. */
static int s_open(void *ctx, const opts_t *o, side_t *sd, const char *router, const char *feed)
{
    sd->subs = calloc((size_t)o->n_subs, sizeof *sd->subs);
    sd->topics = calloc((size_t)o->n_subs, sizeof *sd->topics);
    sd->items = calloc((size_t)o->n_subs + 1, sizeof *sd->items);
    sd->ack = calloc((size_t)(o->count + o->warmup), sizeof(double));
    sd->first = calloc((size_t)(o->count + o->warmup), sizeof(double));
    sd->all = calloc((size_t)(o->count + o->warmup), sizeof(double));
    sd->feed = calloc((size_t)(o->count + o->warmup), sizeof(double));
    sd->n_subs = o->n_subs;
    if (!(sd->req = s_dealer(ctx, o, sd, router, "planner")))
        return -1;
    for (int k = 0; k < o->n_subs; k++) {
        char *topic = sd->topics[k];
        if (o->all_topics)
            topic[0] = '\0';
        else if (k < 2)
            snprintf(topic, sizeof *sd->topics, "%s", k == 0 ? "school/s1" : "partner/p1");
        else
            snprintf(topic, sizeof *sd->topics, "learner/l%d", k - 2);
        if (!(sd->subs[k] = s_dealer(ctx, o, sd, feed, "admin")))
            return -1;
        if (regio_msg_subscribe(sd->subs[k], &topic, 1, NULL) < 0 || !s_await_ack(sd->subs[k]))
            return -1;
        sd->items[k] = (zmq_pollitem_t){sd->subs[k], 0, ZMQ_POLLIN, 0};
    }
    sd->items[o->n_subs] = (zmq_pollitem_t){sd->req, 0, ZMQ_POLLIN, 0};
    Regio__StatusRequest sr = REGIO__STATUS_REQUEST__INIT;
    regio_envelope_t env = REGIO__ENVELOPE__INIT;
    env.body_case = REGIO__ENVELOPE__BODY_STATUS_REQUEST;
    env.status_request = &sr;
    regio_envelope_t *r = s_call(sd->req, &env, REGIO__ENVELOPE__BODY_STATUS);
    if (!r)
        return -1;
    for (size_t i = 0; i < r->status->n_counters; i++)
        if (!strcmp(r->status->counters[i]->key, "source_seq"))
            sd->next_src = r->status->counters[i]->value + 1;
    regio__envelope__free_unpacked(r, NULL);
    return 0;
}

static int s_send_change(side_t *sd, int i)
{
    char learner[32];
    uint32_t slots[] = {0, 1};
    snprintf(learner, sizeof learner, "l%d", sd->n_subs > 2 ? i % (sd->n_subs - 2) : 0);
    Regio__PlacementChange ch = REGIO__PLACEMENT_CHANGE__INIT, *chs[] = {&ch};
    ch.kind = REGIO__CHANGE_KIND__CHANGE_CREATED;
    ch.learner = learner;
    ch.school = "s1";
    ch.period = "P1";
    ch.offering = "o1";
    ch.partner = "p1";
    ch.slots = slots;
    ch.n_slots = 2;
    ch.reason = "bench";
    ch.plan_version = (uint64_t)i + 1;
    Regio__NotifyBatch b = REGIO__NOTIFY_BATCH__INIT;
    b.first_source_seq = sd->next_src++;
    b.changes = chs;
    b.n_changes = 1;
    regio_envelope_t env = REGIO__ENVELOPE__INIT;
    env.body_case = REGIO__ENVELOPE__BODY_NOTIFY_BATCH;
    env.notify_batch = &b;
    return regio_msg_send(sd->req, NULL, 0, &env);
}

/* One sample on side sd: send, then wait for the ack and every delivery. */
static int s_sample(const opts_t *o, side_t *sd, int i)
{
    int due = o->all_topics ? 3 * o->n_subs : 3, got = 0, acked = 0;
    int64_t t0 = s_now_ns(), t_ack = 0, t_first = 0, t_last = 0;
    if (s_send_change(sd, i) < 0)
        return -1;
    while ((got < due || !acked) && s_now_ns() - t0 < SAMPLE_TIMEOUT_NS) {
        if (zmq_poll(sd->items, sd->n_subs + 1, 100) <= 0)
            continue;
        for (int k = 0; k <= sd->n_subs; k++) {
            if (!(sd->items[k].revents & ZMQ_POLLIN))
                continue;
            regio_msg_t m;
            while (regio_msg_recv(sd->items[k].socket, 0, &m) == 0) {
                int64_t t = s_now_ns();
                Regio__Envelope__BodyCase b = m.env ? m.env->body_case : 0;
                if (b == REGIO__ENVELOPE__BODY_NOTIFY_ACK)
                    acked = 1, t_ack = t;
                else if (b == REGIO__ENVELOPE__BODY_NOTIFICATION)
                    got++, t_first = t_first ? t_first : t, t_last = t;
                else if (b == REGIO__ENVELOPE__BODY_ERROR)
                    fprintf(stderr, "regio-bench-hop: %s: %s\n", sd->name, m.env->error->reason);
                regio_msg_clear(&m);
            }
        }
    }
    sd->missing += due - got;
    sd->ack[sd->n] = acked ? (double)(t_ack - t0) / 1e6 : NAN;
    sd->first[sd->n] = t_first ? (double)(t_first - t0) / 1e6 : NAN;
    sd->all[sd->n] = got == due ? (double)(t_last - t0) / 1e6 : NAN;
    sd->feed[sd->n] = got == due && acked ? (double)(t_last - t_ack) / 1e6 : NAN;
    sd->n++;
    return 0;
}

static int s_cmp(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return isnan(x) ? !isnan(y) : isnan(y) ? -1 : (x > y) - (x < y);
}

/* Nearest-rank percentile of v (sorted in place; NaN last, not counted). */
static double s_pct(double *v, size_t n, double p)
{
    qsort(v, n, sizeof *v, s_cmp);
    while (n && isnan(v[n - 1]))
        n--;
    if (!n)
        return NAN;
    size_t k = (size_t)ceil(p * (double)n);
    return v[k ? k - 1 : 0];
}

#define N_FIGURES 12 /* ack, first, all, feed x p50, p99, p99.9 */
static const char *const s_names[] = {"ack", "first", "all", "feed"};
static const char *const s_ps[] = {"p50", "p99", "p999"};

/* The figures of values v (one JSON line, named name; extra fields first). */
static void s_print(const char *name, const char *extra, const double v[N_FIGURES])
{
    printf("{\"side\": \"%s\"%s", name, extra);
    for (int i = 0; i < N_FIGURES; i++)
        printf(", \"%s_%s_ms\": %.3f", s_names[i / 3], s_ps[i % 3], v[i]);
    printf("}\n");
}

static void s_figures(const side_t *sd, double out[N_FIGURES])
{
    double *v[] = {sd->ack, sd->first, sd->all, sd->feed};
    const double ps[] = {0.5, 0.99, 0.999};
    for (int i = 0; i < N_FIGURES; i++)
        out[i] = s_pct(v[i / 3], sd->n, ps[i % 3]);
}

/* "ROUTER,FEED" into its two endpoints. */
static int s_pair(char *arg, const char **router, const char **feed)
{
    char *comma = strchr(arg, ',');
    if (!comma)
        return -1;
    *comma = '\0';
    *router = arg;
    *feed = comma + 1;
    return 0;
}

int main(int argc, char **argv)
{
    opts_t o = {.count = 1000, .warmup = 20, .n_subs = 1000, .gap_ms = 2};
    const char *ep[2][2] = {{NULL, NULL}, {NULL, NULL}};
    const char *v = getenv("REGIO_KEYS");
    o.keys = v && v[0] ? v : "var/keys";
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        char *val = i + 1 < argc ? argv[i + 1] : NULL;
        int side = !strcmp(a, "--insecure");
        if (!strcmp(a, "--all-topics")) {
            o.all_topics = 1;
        } else if (val && (side || !strcmp(a, "--curve"))) {
            if (s_pair(val, &ep[side][0], &ep[side][1]) < 0)
                break;
            i++;
        } else if (val && !strcmp(a, "--count")) {
            o.count = atoi(argv[++i]);
        } else if (val && !strcmp(a, "--warmup")) {
            o.warmup = atoi(argv[++i]);
        } else if (val && !strcmp(a, "--subscribers")) {
            o.n_subs = atoi(argv[++i]);
        } else if (val && !strcmp(a, "--gap-ms")) {
            o.gap_ms = atoi(argv[++i]);
        } else {
            ep[0][0] = NULL;
            break;
        }
    }
    if (!ep[0][0] || !ep[1][0] || o.count < 1 || o.warmup < 0 || o.n_subs < 3) {
        fprintf(stderr, "usage: regio-bench-hop --curve ROUTER,FEED --insecure ROUTER,FEED "
                        "[--count 1000] [--warmup 20] [--subscribers 1000] [--all-topics] "
                        "[--gap-ms 2]\n");
        return 2;
    }
    void *ctx = zmq_ctx_new();
    zmq_ctx_set(ctx, ZMQ_MAX_SOCKETS, 2 * o.n_subs + 64);
    side_t sd[2] = {{.name = "curve"}, {.name = "insecure", .insecure = 1}};
    for (int s = 0; s < 2; s++)
        if (s_open(ctx, &o, &sd[s], ep[s][0], ep[s][1]) < 0)
            return 1;
    usleep(200 * 1000);
    int64_t renew_at = s_now_ns() + (int64_t)REGIO_FEED_RENEW_MS * 1000000;
    for (int i = 0; i < o.warmup + o.count; i++)
        for (int s = 0; s < 2; s++) {
            if (i == o.warmup)
                sd[s].n = 0, sd[s].missing = 0; /* what came before was the warm-up */
            if (s_now_ns() > renew_at) { /* keep the sessions: their lease is 30 s */
                s_renew(&sd[0]);
                s_renew(&sd[1]);
                renew_at = s_now_ns() + (int64_t)REGIO_FEED_RENEW_MS * 1000000;
            }
            if (s_sample(&o, &sd[(i + s) % 2], i) < 0) /* who goes first alternates too */
                return 1;
            usleep((useconds_t)o.gap_ms * 1000);
        }
    double pc[3][N_FIGURES];
    for (int s = 0; s < 2; s++) {
        char extra[160];
        snprintf(extra, sizeof extra, ", \"samples\": %zu, \"subscribers\": %d, \"all_topics\": %d, "
                 "\"missing\": %ld", sd[s].n, sd[s].n_subs, o.all_topics, sd[s].missing);
        s_figures(&sd[s], pc[s]);
        s_print(sd[s].name, extra, pc[s]);
    }
    for (int i = 0; i < N_FIGURES; i++)
        pc[2][i] = pc[0][i] - pc[1][i];
    s_print("curve_cost", "", pc[2]);
    for (int s = 0; s < 2; s++) {
        for (int k = 0; k < sd[s].n_subs; k++)
            zmq_close(sd[s].subs[k]);
        zmq_close(sd[s].req);
    }
    zmq_ctx_term(ctx);
    return sd[0].missing || sd[1].missing ? 1 : 0;
}
