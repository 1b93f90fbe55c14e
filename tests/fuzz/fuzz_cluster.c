/* fuzz_cluster - the four services in one process, on inproc endpoints. */
#define _GNU_SOURCE
#include "fuzz_cluster.h"

#include <errno.h>
#include <ftw.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zmq.h>

#include "capacity.h"
#include "fuzz_history.h"
#include "fuzz_reply.h"
#include "notifier.h"
#include "planner.h"
#include "registry.h"
#include "regio/log.h"
#include "regio/msg.h"
#include "regio/service.h"

#define SETUP_MS 20000

static struct {
    int up;
    regio_service_t svc;
    regio_registry_t *registry;
    regio_capacity_t *capacity;
    regio_notifier_t *notifier;
    regio_planner_t *planner;
    void *dealer[FUZZ_N_SERVICES]; /* ours, one per service ROUTER */
    char dir[64];                  /* LMDB environments (removed once open) */
    uint64_t next_id;              /* ids of the harness's own requests */
    uint64_t inputs;               /* inputs since the last start (FUZZ_RESET_EVERY) */
} s_cluster;

static int s_log_min = REGIO_LOG_ERROR;

uint64_t fuzz_cluster_source_seq;

/* Linked with --wrap=regio_log_write: every service log line comes here. */
void __wrap_regio_log_write(regio_log_level_t level, const char *file, int line, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

void __wrap_regio_log_write(regio_log_level_t level, const char *file, int line, const char *fmt, ...)
{
    char buf[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    const char *base = strrchr(file, '/');
    base = base ? base + 1 : file;
    if ((int)level >= s_log_min)
        fprintf(stderr, "fuzz-log %s:%d %s\n", base, line, buf);
    if (strstr(buf, "infeasible plan"))
        fuzz_die("the planner committed an infeasible plan (%s:%d %s)", base, line, buf);
}

static uint64_t s_ms(void)
{
    return uv_hrtime() / 1000000;
}

/* Run the loop for about ms milliseconds. */
static void s_run_for(uint64_t ms)
{
    uint64_t end = s_ms() + ms;
    while (s_ms() < end) {
        uv_run(&s_cluster.svc.loop, UV_RUN_NOWAIT);
        usleep(1000);
    }
}

/* Exchanges --------------------------------------------------------------- */

/* The next whole reply on d, or NULL when none is queued. */
static regio_envelope_t *s_recv(fuzz_service_t svc, void *d)
{
    zmq_msg_t m;
    zmq_msg_init(&m);
    if (zmq_msg_recv(&m, d, ZMQ_DONTWAIT) < 0) {
        zmq_msg_close(&m);
        return NULL;
    }
    if (zmq_msg_more(&m))
        fuzz_die("%s replied with more than one frame", fuzz_service_names[svc]);
    regio_envelope_t *e = regio__envelope__unpack(NULL, zmq_msg_size(&m), zmq_msg_data(&m));
    if (!e)
        fuzz_die("%s replied with %zu bytes that are not an Envelope", fuzz_service_names[svc],
                 zmq_msg_size(&m));
    zmq_msg_close(&m);
    return e;
}

/* Before a request: every earlier one got all its replies, so nothing may
 * be queued; anything here answered a request a second time. */
static void s_expect_nothing(fuzz_service_t svc, void *d)
{
    regio_envelope_t *e = s_recv(svc, d);
    if (e)
        fuzz_die("%s sent a reply (correlation_id %llu, body %d) to a request already answered",
                 fuzz_service_names[svc], (unsigned long long)e->correlation_id, (int)e->body_case);
}

/* The request of x[0..n-1] that rep answers: the first unanswered one
 * with rep's correlation id (ids may repeat within a batch). */
static size_t s_match(fuzz_service_t svc, const fuzz_reply_expect_t *x, const int *over, size_t n,
                      const regio_envelope_t *rep)
{
    for (size_t i = 0; i < n; i++)
        if (!over[i] && x[i].want == rep->correlation_id)
            return i;
    if (n == 1)
        return 0; /* fuzz_reply_check says what is wrong */
    fuzz_die("%s replied with correlation_id %llu, which no request of the batch has",
             fuzz_service_names[svc], (unsigned long long)rep->correlation_id);
}

/* Send n frames to svc back to back (so they share one batch) and run the
 * loop until every one is answered; aborts when a property fails. Returns
 * the (last) reply to frame 0, the caller's. */
static regio_envelope_t *s_exchange_n(fuzz_service_t svc, const uint8_t *const *frame,
                                      const size_t *len, size_t n)
{
    void *d = s_cluster.dealer[svc];
    fuzz_reply_expect_t x[FUZZ_BATCH_MAX];
    int over[FUZZ_BATCH_MAX] = {0};
    size_t left = n;
    regio_envelope_t *first = NULL;
    s_expect_nothing(svc, d);
    for (size_t i = 0; i < n; i++) {
        fuzz_reply_expect(&x[i], svc, frame[i], len[i]);
        if (zmq_send(d, frame[i], len[i], 0) < 0)
            fuzz_die("cannot send to %s: %s", fuzz_service_names[svc], zmq_strerror(zmq_errno()));
    }
    uint64_t deadline = s_ms() + FUZZ_REPLY_MS;
    while (left > 0) {
        uv_run(&s_cluster.svc.loop, UV_RUN_ONCE);
        regio_envelope_t *rep;
        while (left > 0 && (rep = s_recv(svc, d))) {
            size_t i = s_match(svc, x, over, n, rep);
            if (rep->body_case == REGIO__ENVELOPE__BODY_NOTIFY_ACK)
                fuzz_cluster_source_seq = rep->notify_ack->source_seq;
            if (fuzz_reply_check(&x[i], rep)) {
                over[i] = 1;
                left--;
            }
            if (i == 0 && over[0] && !first)
                first = rep;
            else
                regio__envelope__free_unpacked(rep, NULL);
        }
        if (left > 0 && s_ms() > deadline)
            fuzz_die("%s left %zu of %zu requests unanswered after %d ms (every request must "
                     "be answered; a ReplayRequest up to a chunk with done)",
                     fuzz_service_names[svc], left, n, FUZZ_REPLY_MS);
    }
    return first;
}

static regio_envelope_t *s_exchange(fuzz_service_t svc, const uint8_t *data, size_t len)
{
    return s_exchange_n(svc, &data, &len, 1);
}

/* Pack env (id assigned here) and exchange it. */
static regio_envelope_t *s_request(fuzz_service_t svc, regio_envelope_t *env)
{
    env->id = ++s_cluster.next_id;
    size_t n = regio__envelope__get_packed_size(env);
    uint8_t *buf = malloc(n ? n : 1);
    if (!buf)
        fuzz_die("out of memory");
    regio__envelope__pack(env, buf);
    regio_envelope_t *rep = s_exchange(svc, buf, n);
    free(buf);
    return rep;
}

/* Set-up ---------------------------------------------------------------- */

static void s_endpoint(char *out, const char *svc, const char *kind)
{
    snprintf(out, REGIO_CONFIG_STR_MAX, "inproc://fuzz-%s-%s", svc, kind);
}

static void s_db(char *out, const char *svc)
{
    snprintf(out, REGIO_CONFIG_STR_MAX, "%s/%s", s_cluster.dir, svc);
}

static void s_defaults(const regio_config_entry_t *table)
{
    char *argv[] = {"fuzz", NULL};
    char err[256];
    if (regio_config_parse(table, 1, argv, stderr, err, sizeof err) != 0)
        fuzz_die("default settings: %s", err);
}

static int s_rm(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    return remove(path);
}

static void s_open_services(void)
{
    static regio_registry_config_t rc;
    static regio_capacity_config_t cc;
    static regio_notifier_config_t nc;
    static regio_planner_config_t pc;
    char err[512];
    s_defaults(regio_registry_config_table(&rc));
    s_defaults(regio_capacity_config_table(&cc));
    s_defaults(regio_notifier_config_table(&nc));
    s_defaults(regio_planner_config_table(&pc));

    /* small maps, so that growing them (MDB_MAP_FULL, grow, redo) is fuzzed too */
    s_endpoint(rc.router, "registry", "router");
    s_endpoint(rc.pub, "registry", "pub");
    s_db(rc.db, "registry");
    rc.map_mb = 1;
    rc.map_max_mb = 1024;

    s_endpoint(cc.router, "capacity", "router");
    s_endpoint(cc.pub, "capacity", "pub");
    s_endpoint(cc.registry_router, "registry", "router");
    s_endpoint(cc.registry_pub, "registry", "pub");
    s_db(cc.db, "capacity");
    cc.map_mb = 1;
    cc.map_max_mb = 1024;

    s_endpoint(nc.router, "notifier", "router");
    s_endpoint(nc.pub, "notifier", "pub");
    s_db(nc.db, "notifier");
    nc.map_mb = 1;
    nc.map_max_mb = 1024;
    nc.replay_max = 600;  /* more than one chunk of 256 */
    nc.retain_max = 2000; /* the trim timer runs and replays can hit trimmed history */

    s_endpoint(pc.router, "planner", "router");
    s_endpoint(pc.pub, "planner", "pub");
    s_endpoint(pc.registry_router, "registry", "router");
    s_endpoint(pc.registry_pub, "registry", "pub");
    s_endpoint(pc.capacity_router, "capacity", "router");
    s_endpoint(pc.capacity_pub, "capacity", "pub");
    s_endpoint(pc.notifier_router, "notifier", "router");
    s_db(pc.db, "planner");
    pc.map_mb = 1;
    pc.map_max_mb = 1024;
    pc.seconds = FUZZ_PLAN_SECONDS;
    pc.threads = 1;
    pc.replan_delay_ms = 20;

    if (regio_registry_new(&s_cluster.svc, &rc, &s_cluster.registry, err, sizeof err) < 0 ||
        regio_capacity_new(&s_cluster.svc, &cc, &s_cluster.capacity, err, sizeof err) < 0 ||
        regio_notifier_new(&s_cluster.svc, &nc, &s_cluster.notifier, err, sizeof err) < 0 ||
        regio_planner_new(&s_cluster.svc, &pc, &s_cluster.planner, err, sizeof err) < 0)
        fuzz_die("cannot start the services: %s", err);
    /* LMDB keeps its files open and mapped: remove them now, so that no
     * run (not even one that crashes) leaves them behind. */
    nftw(s_cluster.dir, s_rm, 16, FTW_DEPTH | FTW_PHYS);
}

static void s_open_dealers(void)
{
    for (int i = 0; i < FUZZ_N_SERVICES; i++) {
        char ep[REGIO_CONFIG_STR_MAX];
        int zero = 0;
        s_endpoint(ep, fuzz_service_names[i], "router");
        if (!(s_cluster.dealer[i] = zmq_socket(s_cluster.svc.zctx, ZMQ_DEALER)) ||
            zmq_setsockopt(s_cluster.dealer[i], ZMQ_LINGER, &zero, sizeof zero) < 0 ||
            zmq_connect(s_cluster.dealer[i], ep) < 0)
            fuzz_die("cannot connect to %s: %s", ep, zmq_strerror(zmq_errno()));
    }
}

/* Send a set-up request until it is accepted: followers catch up with the
 * registry and capacity asynchronously, so NOT_READY and UNKNOWN_ID are
 * answers to retry on for a while. */
static void s_setup_one(fuzz_service_t svc, const fuzz_frame_t *fr)
{
    uint64_t deadline = s_ms() + SETUP_MS;
    for (;;) {
        regio_envelope_t *rep = s_exchange(svc, fr->data, fr->len);
        int ok = rep->body_case != REGIO__ENVELOPE__BODY_ERROR;
        Regio__ErrorCode code = ok ? 0 : rep->error->code;
        if (!ok && code != REGIO__ERROR_CODE__ERROR_NOT_READY &&
            code != REGIO__ERROR_CODE__ERROR_UNKNOWN_ID)
            fuzz_die("set-up request %s refused by %s: %s", fr->name, fuzz_service_names[svc],
                     rep->error->reason);
        if (!ok && s_ms() > deadline)
            fuzz_die("set-up request %s not accepted by %s within %d ms: %s", fr->name,
                     fuzz_service_names[svc], SETUP_MS, rep->error->reason);
        regio__envelope__free_unpacked(rep, NULL);
        if (ok)
            return;
        s_run_for(20);
    }
}

/* Status of svc: seq and upstream seq of name (0 when absent). */
static void s_status(fuzz_service_t svc, const char *upstream, uint64_t *seq, uint64_t *up)
{
    Regio__StatusRequest sr = REGIO__STATUS_REQUEST__INIT;
    regio_envelope_t env = REGIO__ENVELOPE__INIT;
    env.body_case = REGIO__ENVELOPE__BODY_STATUS_REQUEST;
    env.status_request = &sr;
    regio_envelope_t *rep = s_request(svc, &env);
    if (rep->body_case != REGIO__ENVELOPE__BODY_STATUS)
        fuzz_die("%s did not answer a StatusRequest with a Status", fuzz_service_names[svc]);
    *seq = rep->status->seq;
    *up = 0;
    for (size_t i = 0; upstream && i < rep->status->n_upstream_seq; i++)
        if (strcmp(rep->status->upstream_seq[i]->key, upstream) == 0)
            *up = rep->status->upstream_seq[i]->value;
    regio__envelope__free_unpacked(rep, NULL);
}

/* Wait until the planner mirrors the registry's and capacity's last change. */
static void s_wait_planner_synced(void)
{
    uint64_t reg, cap, up, dummy, deadline = s_ms() + SETUP_MS;
    s_status(FUZZ_REGISTRY, NULL, &reg, &dummy);
    s_status(FUZZ_CAPACITY, NULL, &cap, &dummy);
    for (;;) {
        uint64_t r_up, c_up;
        s_status(FUZZ_PLANNER, "registry", &dummy, &r_up);
        s_status(FUZZ_PLANNER, "capacity", &dummy, &c_up);
        if (r_up == reg && c_up == cap)
            return;
        if (s_ms() > deadline)
            fuzz_die("the planner did not sync within %d ms (registry %llu/%llu, capacity %llu/%llu)",
                     SETUP_MS, (unsigned long long)r_up, (unsigned long long)reg,
                     (unsigned long long)c_up, (unsigned long long)cap);
        (void)up;
        s_run_for(20);
    }
}

/* Wait until the planner's first plan reached the notifier's log. */
static void s_wait_notifier_log(void)
{
    uint64_t deadline = s_ms() + SETUP_MS;
    for (;;) {
        Regio__ReplayRequest rq = REGIO__REPLAY_REQUEST__INIT;
        regio_envelope_t env = REGIO__ENVELOPE__INIT;
        env.body_case = REGIO__ENVELOPE__BODY_REPLAY_REQUEST;
        env.replay_request = &rq;
        regio_envelope_t *rep = s_request(FUZZ_NOTIFIER, &env);
        uint64_t last = rep->body_case == REGIO__ENVELOPE__BODY_REPLAY_CHUNK
                            ? rep->replay_chunk->last_seq : 0;
        regio__envelope__free_unpacked(rep, NULL);
        if (last > 0)
            return;
        if (s_ms() > deadline)
            fuzz_die("the first plan did not reach the notifier within %d ms", SETUP_MS);
        s_run_for(20);
    }
}

/* The tiny region, through the services' own interfaces. */
static void s_seed_state(void)
{
    static const fuzz_service_t order[] = {FUZZ_REGISTRY, FUZZ_CAPACITY, FUZZ_PLANNER};
    for (size_t k = 0; k < sizeof order / sizeof order[0]; k++) {
        fuzz_frames_t f = {0};
        if (fuzz_env_requests(order[k], 1, &f) < 0)
            fuzz_die("out of memory");
        for (size_t i = 0; i < f.n; i++) {
            if (order[k] == FUZZ_PLANNER && strcmp(f.v[i].name, "plan_request") == 0)
                s_wait_planner_synced();
            s_setup_one(order[k], &f.v[i]);
        }
        fuzz_frames_free(&f);
    }
    s_wait_notifier_log();
}

static void s_start(void)
{
    const char *lv = getenv("REGIO_FUZZ_LOG");
    if (lv && regio_log_level_parse(lv) >= 0)
        s_log_min = regio_log_level_parse(lv);
    fuzz_reply_verbose = getenv("REGIO_FUZZ_VERBOSE") != NULL;
    const char *tmp = access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp";
    snprintf(s_cluster.dir, sizeof s_cluster.dir, "%s/regio-fuzz-XXXXXX", tmp);
    if (!mkdtemp(s_cluster.dir))
        fuzz_die("mkdtemp %s: %s", s_cluster.dir, strerror(errno));
    /* libFuzzer handles SIGINT and SIGTERM itself (final stats, then exit):
     * keep its handlers rather than the service's. */
    struct sigaction old_int, old_term;
    sigaction(SIGINT, NULL, &old_int);
    sigaction(SIGTERM, NULL, &old_term);
    if (regio_service_init(&s_cluster.svc, NULL, NULL) < 0)
        fuzz_die("cannot set up the loop");
    regio_security_config_t sec = {.insecure = 1}; /* the request paths, not CURVE, are fuzzed */
    char err[512];
    if (regio_service_secure(&s_cluster.svc, "fuzz", &sec, err, sizeof err) < 0)
        fuzz_die("cannot set up security: %s", err);
    uv_signal_stop(&s_cluster.svc.sig_term);
    uv_signal_stop(&s_cluster.svc.sig_int);
    sigaction(SIGINT, &old_int, NULL);
    sigaction(SIGTERM, &old_term, NULL);
    s_cluster.next_id = 1u << 20;
    fuzz_cluster_source_seq = 0;
    s_open_services();
    s_open_dealers();
    s_seed_state();
    s_cluster.up = 1;
}

static void s_count_open(uv_handle_t *h, void *arg)
{
    if (!uv_is_closing(h)) {
        ++*(int *)arg;
        fprintf(stderr, "fuzz: open after stop: %s handle %p\n", uv_handle_type_name(h->type),
                (void *)h);
    }
}

/* Stop everything as SIGTERM would, check that the loop ran dry with every
 * handle closed, and free it all (LSan then sees any leak at exit). */
static void s_stop(void)
{
    for (int i = 0; i < FUZZ_N_SERVICES; i++)
        zmq_close(s_cluster.dealer[i]);
    regio_planner_stop(s_cluster.planner);
    regio_notifier_stop(s_cluster.notifier);
    regio_capacity_stop(s_cluster.capacity);
    regio_registry_stop(s_cluster.registry);
    regio_service_stop(&s_cluster.svc);
    uint64_t deadline = s_ms() + FUZZ_REPLY_MS;
    while (uv_run(&s_cluster.svc.loop, UV_RUN_NOWAIT) != 0) {
        if (s_ms() > deadline)
            fuzz_die("the loop did not run dry within %d ms of stopping the services",
                     FUZZ_REPLY_MS);
        usleep(200);
    }
    int open = 0;
    uv_walk(&s_cluster.svc.loop, s_count_open, &open);
    if (open)
        fuzz_die("%d libuv handles still open after a clean stop", open);
    regio_planner_destroy(&s_cluster.planner);
    regio_notifier_destroy(&s_cluster.notifier);
    regio_capacity_destroy(&s_cluster.capacity);
    regio_registry_destroy(&s_cluster.registry);
    regio_service_close(&s_cluster.svc);
    s_cluster.up = 0;
}

/* Per input ---------------------------------------------------------------- */

/* The harness rule on planning budgets (see the header). Returns the frame
 * to send: data itself, or a re-packed copy in *own (the caller frees). */
static const uint8_t *s_clamp_plan(const uint8_t *data, size_t size, uint8_t **own, size_t *len)
{
    *own = NULL;
    *len = size;
    regio_envelope_t *e = regio__envelope__unpack(NULL, size, data);
    if (!e)
        return data;
    Regio__PlanRequest *rq = e->body_case == REGIO__ENVELOPE__BODY_PLAN_REQUEST ? e->plan_request : NULL;
    if (rq && rq->seconds > FUZZ_PLAN_SECONDS && rq->seconds <= 3600) {
        rq->seconds = FUZZ_PLAN_SECONDS;
        *len = regio__envelope__get_packed_size(e);
        if (!(*own = malloc(*len ? *len : 1)))
            fuzz_die("out of memory");
        regio__envelope__pack(e, *own);
    }
    regio__envelope__free_unpacked(e, NULL);
    return *own ? *own : data;
}

/* One input: restart the cluster when due, record the input, run it. */
static void s_input(void *arg, const uint8_t *data, size_t size)
{
    fuzz_service_t svc = *(const fuzz_service_t *)arg;
    const uint8_t *frame[FUZZ_BATCH_MAX];
    size_t len[FUZZ_BATCH_MAX], n = 1;
    uint8_t *own[FUZZ_BATCH_MAX] = {0};
    if (s_cluster.up && s_cluster.inputs >= FUZZ_RESET_EVERY)
        s_stop();
    if (!s_cluster.up) {
        s_start();
        s_cluster.inputs = 0;
        fuzz_history_restart();
    }
    s_cluster.inputs++;
    fuzz_history_add(data, size);
    if (size > 0 && data[0] == FUZZ_BATCH_MAGIC) {
        n = fuzz_batch_split(data, size, frame, len);
        if (n == 0)
            return;
    } else {
        frame[0] = data;
        len[0] = size;
    }
    for (size_t i = 0; i < n; i++)
        frame[i] = s_clamp_plan(frame[i], len[i], &own[i], &len[i]);
    regio_envelope_t *rep = s_exchange_n(svc, frame, len, n);
    regio__envelope__free_unpacked(rep, NULL);
    for (size_t i = 0; i < n; i++)
        free(own[i]);
}

int fuzz_cluster_one(fuzz_service_t svc, const uint8_t *data, size_t size)
{
    fuzz_history_prelude(s_input, &svc);
    s_input(&svc, data, size);
    return 0;
}
