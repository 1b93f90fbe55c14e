/* test_msg - envelopes over inproc ZeroMQ: framing, replies, requests, errors.
 *
 * The request tests run a small ROUTER server in a thread (regio_msg_request
 * blocks); the framing tests use PAIR or DEALER/ROUTER sockets driven from
 * the test itself, waiting with zmq_poll under a deadline.
 */
#include <criterion/criterion.h>
#include <ctype.h>
#include <errno.h>
#include <lmdb.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <zmq.h>

#include "regio/error.h"
#include "regio/msg.h"

static void *s_ctx;
static void *s_socks[8]; /* every socket a test opened, closed in teardown */
static int s_nsocks;

static void s_stop_server(void);

static void s_setup(void)
{
    s_ctx = zmq_ctx_new();
    cr_assert_not_null(s_ctx);
    s_nsocks = 0;
}

/* Runs after a failed assertion too, so the context never waits on an open
 * socket or a running server thread. */
static void s_teardown(void)
{
    s_stop_server();
    for (int i = 0; i < s_nsocks; i++)
        zmq_close(s_socks[i]);
    zmq_ctx_term(s_ctx);
}

TestSuite(msg, .init = s_setup, .fini = s_teardown, .timeout = 20);

static void *s_socket(int type)
{
    void *s = zmq_socket(s_ctx, type);
    cr_assert_not_null(s);
    cr_assert_lt(s_nsocks, 8);
    s_socks[s_nsocks++] = s;
    int zero = 0;
    zmq_setsockopt(s, ZMQ_LINGER, &zero, sizeof zero);
    return s;
}

static long s_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1000L + ts.tv_nsec / 1000000L;
}

/* Receive one message, waiting up to ms for it to arrive. */
static int s_recv_wait(void *sock, int with_head, regio_msg_t *m, int ms)
{
    long deadline = s_now_ms() + ms;
    for (;;) {
        int rc = regio_msg_recv(sock, with_head, m);
        if (rc != -EAGAIN)
            return rc;
        long left = deadline - s_now_ms();
        if (left <= 0)
            return rc;
        zmq_pollitem_t it = {sock, 0, ZMQ_POLLIN, 0};
        zmq_poll(&it, 1, left);
    }
}

static regio_envelope_t s_status_request(Regio__StatusRequest *sr)
{
    regio__status_request__init(sr);
    regio_envelope_t e = REGIO__ENVELOPE__INIT;
    e.body_case = REGIO__ENVELOPE__BODY_STATUS_REQUEST;
    e.status_request = sr;
    return e;
}

static regio_envelope_t s_remove_learner(Regio__RemoveLearner *rl, const char *id)
{
    regio__remove_learner__init(rl);
    rl->id = (char *)id;
    regio_envelope_t e = REGIO__ENVELOPE__INIT;
    e.body_case = REGIO__ENVELOPE__BODY_REMOVE_LEARNER;
    e.remove_learner = rl;
    return e;
}

/* A connected DEALER/ROUTER pair on inproc. */
static void s_pair(void **dealer, void **router, const char *ep)
{
    *router = s_socket(ZMQ_ROUTER);
    cr_assert_eq(zmq_bind(*router, ep), 0);
    *dealer = s_socket(ZMQ_DEALER);
    cr_assert_eq(zmq_connect(*dealer, ep), 0);
}

/* The test server ------------------------------------------------------- */

typedef struct {
    void *router;
    atomic_int stop;
    atomic_int handled;
} srv_t;

static void s_serve_one(srv_t *s, regio_msg_t *m)
{
    if (!m->env) {
        regio_msg_reply_error(s->router, m, REGIO__ERROR_CODE__ERROR_BAD_MESSAGE, NULL,
                              "not an envelope");
        return;
    }
    switch (m->env->body_case) {
    case REGIO__ENVELOPE__BODY_STATUS_REQUEST: {
        Regio__Status st = REGIO__STATUS__INIT;
        st.service = "srv";
        st.seq = m->env->id; /* echo, so the client can check it */
        regio_envelope_t e = REGIO__ENVELOPE__INIT;
        e.body_case = REGIO__ENVELOPE__BODY_STATUS;
        e.status = &st;
        regio_msg_reply(s->router, m, &e);
        break;
    }
    case REGIO__ENVELOPE__BODY_REMOVE_LEARNER: {
        const char *id = m->env->remove_learner->id;
        if (!strcmp(id, "silent"))
            break; /* never answers: the client times out */
        regio_msg_reply_error(s->router, m, REGIO__ERROR_CODE__ERROR_UNKNOWN_ID, id,
                              "learner %s is not known", id);
        break;
    }
    case REGIO__ENVELOPE__BODY_PLAN_REQUEST: {
        /* first a reply to some other request, which the client must skip */
        Regio__Ack ack = REGIO__ACK__INIT;
        ack.ref = "decoy";
        regio_envelope_t d = REGIO__ENVELOPE__INIT;
        d.body_case = REGIO__ENVELOPE__BODY_ACK;
        d.ack = &ack;
        d.correlation_id = m->env->id + 1000;
        regio_msg_send(s->router, m->head, m->head_len, &d);
        Regio__PlanSummary ps = REGIO__PLAN_SUMMARY__INIT;
        ps.placements = 7;
        regio_envelope_t e = REGIO__ENVELOPE__INIT;
        e.body_case = REGIO__ENVELOPE__BODY_PLAN_SUMMARY;
        e.plan_summary = &ps;
        regio_msg_reply(s->router, m, &e);
        break;
    }
    default:
        regio_msg_reply_error(s->router, m, REGIO__ERROR_CODE__ERROR_UNSUPPORTED, NULL,
                              "body %d", (int)m->env->body_case);
    }
}

static void *s_server(void *arg)
{
    srv_t *s = arg;
    while (!atomic_load(&s->stop)) {
        zmq_pollitem_t it = {s->router, 0, ZMQ_POLLIN, 0};
        zmq_poll(&it, 1, 20);
        regio_msg_t m;
        while (regio_msg_recv(s->router, 1, &m) == 0) {
            atomic_fetch_add(&s->handled, 1); /* before the reply the client waits for */
            s_serve_one(s, &m);
            regio_msg_clear(&m);
        }
    }
    return NULL;
}

typedef struct {
    srv_t srv;
    pthread_t th;
    int running;
    void *dealer;
} fixture_t;

static fixture_t s_fx;

static fixture_t *s_start(const char *ep)
{
    fixture_t *f = &s_fx;
    memset(f, 0, sizeof *f);
    s_pair(&f->dealer, &f->srv.router, ep);
    cr_assert_eq(pthread_create(&f->th, NULL, s_server, &f->srv), 0);
    f->running = 1;
    return f;
}

static void s_stop_server(void)
{
    if (!s_fx.running)
        return;
    atomic_store(&s_fx.srv.stop, 1);
    pthread_join(s_fx.th, NULL);
    s_fx.running = 0;
}

/* Requests --------------------------------------------------------------- */

Test(msg, request_gets_the_reply_with_its_correlation_id)
{
    fixture_t *f = s_start("inproc://req1");
    Regio__StatusRequest sr;
    regio_envelope_t req = s_status_request(&sr);
    req.id = 42; /* request() picks a fresh id */
    regio_envelope_t *reply = NULL;
    cr_assert_eq(regio_msg_request(f->dealer, &req, &reply, 3000), 0);
    cr_assert_not_null(reply);
    cr_assert_neq(req.id, 42);
    cr_assert_eq(reply->correlation_id, req.id);
    cr_assert_eq(reply->body_case, REGIO__ENVELOPE__BODY_STATUS);
    cr_assert_str_eq(reply->status->service, "srv");
    cr_assert_eq(reply->status->seq, req.id, "server saw another id");
    char err[128];
    cr_assert_eq(regio_msg_expect(reply, REGIO__ENVELOPE__BODY_STATUS, err, sizeof err), 0);
    regio__envelope__free_unpacked(reply, NULL);
}

Test(msg, consecutive_requests_get_distinct_ids_and_their_own_replies)
{
    fixture_t *f = s_start("inproc://req2");
    uint64_t last = 0;
    for (int i = 0; i < 20; i++) {
        Regio__StatusRequest sr;
        regio_envelope_t req = s_status_request(&sr);
        regio_envelope_t *reply = NULL;
        cr_assert_eq(regio_msg_request(f->dealer, &req, &reply, 3000), 0);
        cr_assert_gt(req.id, last);
        last = req.id;
        cr_assert_eq(reply->correlation_id, req.id);
        regio__envelope__free_unpacked(reply, NULL);
    }
    cr_assert_eq(atomic_load(&f->srv.handled), 20);
}

Test(msg, request_skips_replies_to_other_requests)
{
    fixture_t *f = s_start("inproc://req3");
    Regio__PlanRequest pr = REGIO__PLAN_REQUEST__INIT;
    regio_envelope_t req = REGIO__ENVELOPE__INIT;
    req.body_case = REGIO__ENVELOPE__BODY_PLAN_REQUEST;
    req.plan_request = &pr;
    regio_envelope_t *reply = NULL;
    cr_assert_eq(regio_msg_request(f->dealer, &req, &reply, 3000), 0);
    cr_assert_eq(reply->body_case, REGIO__ENVELOPE__BODY_PLAN_SUMMARY, "got body %d",
                 (int)reply->body_case);
    cr_assert_eq(reply->plan_summary->placements, 7);
    regio__envelope__free_unpacked(reply, NULL);
}

Test(msg, error_reply_turns_into_epeer_with_code_name_and_reason)
{
    fixture_t *f = s_start("inproc://req4");
    Regio__RemoveLearner rl;
    regio_envelope_t req = s_remove_learner(&rl, "l17");
    regio_envelope_t *reply = NULL;
    cr_assert_eq(regio_msg_request(f->dealer, &req, &reply, 3000), 0, "an error is a reply");
    cr_assert_eq(reply->body_case, REGIO__ENVELOPE__BODY_ERROR);
    cr_assert_eq(reply->error->code, REGIO__ERROR_CODE__ERROR_UNKNOWN_ID);
    cr_assert_str_eq(reply->error->ref, "l17");
    char err[128];
    cr_assert_eq(regio_msg_expect(reply, REGIO__ENVELOPE__BODY_ACK, err, sizeof err),
                 REGIO_EPEER);
    cr_assert_str_eq(err, "unknown_id: learner l17 is not known");
    regio__envelope__free_unpacked(reply, NULL);
}

Test(msg, request_without_a_reply_times_out_near_the_deadline)
{
    fixture_t *f = s_start("inproc://req5");
    Regio__RemoveLearner rl;
    regio_envelope_t req = s_remove_learner(&rl, "silent");
    regio_envelope_t *reply = (regio_envelope_t *)0x1;
    long t0 = s_now_ms();
    cr_assert_eq(regio_msg_request(f->dealer, &req, &reply, 150), REGIO_ETIMEOUT);
    long took = s_now_ms() - t0;
    cr_assert_null(reply);
    cr_assert_geq(took, 140, "gave up after %ld ms", took);
    cr_assert_lt(took, 2000, "took %ld ms", took);
}

Test(msg, request_on_an_unconnected_dealer_times_out)
{
    void *dealer = s_socket(ZMQ_DEALER);
    Regio__StatusRequest sr;
    regio_envelope_t req = s_status_request(&sr);
    regio_envelope_t *reply = NULL;
    long t0 = s_now_ms();
    cr_assert_eq(regio_msg_request(dealer, &req, &reply, 100), REGIO_ETIMEOUT);
    cr_assert_lt(s_now_ms() - t0, 2000);
    cr_assert_null(reply);
}

/* Replies and framing ------------------------------------------------------ */

Test(msg, router_sees_the_identity_and_the_reply_carries_the_request_id)
{
    void *dealer, *router;
    s_pair(&dealer, &router, "inproc://frame1");
    Regio__StatusRequest sr;
    regio_envelope_t req = s_status_request(&sr);
    cr_assert_eq(regio_msg_send(dealer, NULL, 0, &req), 0);
    cr_assert_neq(req.id, 0, "send must set the id");
    regio_msg_t m;
    cr_assert_eq(s_recv_wait(router, 1, &m, 2000), 0);
    cr_assert_not_null(m.env);
    cr_assert_gt(m.head_len, 0);
    cr_assert_eq(m.env->id, req.id);
    cr_assert_eq(m.size, regio__envelope__get_packed_size(&req));

    Regio__Ack ack = REGIO__ACK__INIT;
    ack.seq = 9;
    regio_envelope_t rep = REGIO__ENVELOPE__INIT;
    rep.body_case = REGIO__ENVELOPE__BODY_ACK;
    rep.ack = &ack;
    cr_assert_eq(regio_msg_reply(router, &m, &rep), 0);
    regio_msg_clear(&m);
    cr_assert_null(m.env);
    regio_msg_clear(&m); /* a cleared m is fine */

    regio_msg_t r;
    cr_assert_eq(s_recv_wait(dealer, 0, &r, 2000), 0);
    cr_assert_not_null(r.env);
    cr_assert_eq(r.head_len, 0);
    cr_assert_eq(r.env->correlation_id, req.id);
    cr_assert_eq(r.env->ack->seq, 9);
    regio_msg_clear(&r);
}

Test(msg, reply_error_carries_code_reason_ref_and_retry_hint)
{
    void *dealer, *router;
    s_pair(&dealer, &router, "inproc://frame2");
    const struct {
        Regio__ErrorCode code;
        const char *ref;
        uint32_t retry;
    } cases[] = {
        {REGIO__ERROR_CODE__ERROR_UNKNOWN_ID, "o7", 0},
        {REGIO__ERROR_CODE__ERROR_BUSY, NULL, 50},
        {REGIO__ERROR_CODE__ERROR_NOT_READY, "registry", 50},
        {REGIO__ERROR_CODE__ERROR_STORAGE_FULL, "", 0},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        Regio__StatusRequest sr;
        regio_envelope_t req = s_status_request(&sr);
        cr_assert_eq(regio_msg_send(dealer, NULL, 0, &req), 0);
        regio_msg_t m;
        cr_assert_eq(s_recv_wait(router, 1, &m, 2000), 0);
        cr_assert_eq(regio_msg_reply_error(router, &m, cases[i].code, cases[i].ref,
                                           "case %zu: %s", i, "why"),
                     0);
        regio_msg_clear(&m);
        regio_msg_t r;
        cr_assert_eq(s_recv_wait(dealer, 0, &r, 2000), 0);
        cr_assert_not_null(r.env);
        cr_assert_eq(r.env->correlation_id, req.id);
        cr_assert_eq(r.env->body_case, REGIO__ENVELOPE__BODY_ERROR);
        cr_assert_eq(r.env->error->code, cases[i].code);
        char want[64];
        snprintf(want, sizeof want, "case %zu: why", i);
        cr_assert_str_eq(r.env->error->reason, want);
        cr_assert_str_eq(r.env->error->ref, cases[i].ref ? cases[i].ref : "");
        cr_assert_eq(r.env->error->retry_after_ms, cases[i].retry);
        regio_msg_clear(&r);
    }
}

Test(msg, reply_error_truncates_a_long_reason)
{
    void *dealer, *router;
    s_pair(&dealer, &router, "inproc://frame3");
    Regio__StatusRequest sr;
    regio_envelope_t req = s_status_request(&sr);
    regio_msg_send(dealer, NULL, 0, &req);
    regio_msg_t m;
    cr_assert_eq(s_recv_wait(router, 1, &m, 2000), 0);
    static char longtext[2000];
    memset(longtext, 'r', sizeof longtext - 1);
    cr_assert_eq(regio_msg_reply_error(router, &m, REGIO__ERROR_CODE__ERROR_INVALID, "x", "%s",
                                       longtext),
                 0);
    regio_msg_clear(&m);
    regio_msg_t r;
    cr_assert_eq(s_recv_wait(dealer, 0, &r, 2000), 0);
    size_t n = strlen(r.env->error->reason);
    cr_assert(n > 100 && n < sizeof longtext - 1, "reason of %zu bytes", n);
    regio_msg_clear(&r);
}

Test(msg, reply_to_a_vanished_peer_is_ehostunreach)
{
    void *router = s_socket(ZMQ_ROUTER);
    int one = 1;
    zmq_setsockopt(router, ZMQ_ROUTER_MANDATORY, &one, sizeof one);
    cr_assert_eq(zmq_bind(router, "inproc://frame4"), 0);
    regio_msg_t m = {0};
    memcpy(m.head, "\0gone", 5);
    m.head_len = 5;
    Regio__Ack ack = REGIO__ACK__INIT;
    regio_envelope_t rep = REGIO__ENVELOPE__INIT;
    rep.body_case = REGIO__ENVELOPE__BODY_ACK;
    rep.ack = &ack;
    cr_assert_eq(regio_msg_reply(router, &m, &rep), -EHOSTUNREACH);
}

Test(msg, send_never_blocks_without_a_peer)
{
    void *dealer = s_socket(ZMQ_DEALER);
    Regio__StatusRequest sr;
    regio_envelope_t req = s_status_request(&sr);
    long t0 = s_now_ms();
    cr_assert_eq(regio_msg_send(dealer, NULL, 0, &req), -EAGAIN);
    cr_assert_lt(s_now_ms() - t0, 1000);
}

Test(msg, recv_with_nothing_queued_is_eagain)
{
    void *dealer, *router;
    s_pair(&dealer, &router, "inproc://frame5");
    regio_msg_t m;
    cr_assert_eq(regio_msg_recv(router, 1, &m), -EAGAIN);
    cr_assert_null(m.env);
    cr_assert_eq(regio_msg_recv(dealer, 0, &m), -EAGAIN);
}

/* PAIR sockets let a test put any frames on the wire. */
static void s_pairs(void **a, void **b, const char *ep)
{
    *b = s_socket(ZMQ_PAIR);
    cr_assert_eq(zmq_bind(*b, ep), 0);
    *a = s_socket(ZMQ_PAIR);
    cr_assert_eq(zmq_connect(*a, ep), 0);
}

static void s_send_valid(void *sock, const char *head, uint64_t seq)
{
    Regio__Ack ack = REGIO__ACK__INIT;
    ack.seq = seq;
    regio_envelope_t e = REGIO__ENVELOPE__INIT;
    e.body_case = REGIO__ENVELOPE__BODY_ACK;
    e.ack = &ack;
    cr_assert_eq(regio_msg_send(sock, head, head ? strlen(head) : 0, &e), 0);
}

Test(msg, undecodable_frame_gives_null_env)
{
    void *a, *b;
    s_pairs(&a, &b, "inproc://bad1");
    const uint8_t junk[] = {0x08, 0xff}; /* field 1 varint, cut short */
    zmq_send(a, junk, sizeof junk, 0);
    s_send_valid(a, NULL, 5);
    regio_msg_t m;
    cr_assert_eq(s_recv_wait(b, 0, &m, 2000), 0);
    cr_assert_null(m.env);
    cr_assert_eq(m.size, sizeof junk);
    cr_assert_eq(m.frame_id, 0, "no whole id to read");
    cr_assert_eq(s_recv_wait(b, 0, &m, 2000), 0);
    cr_assert_not_null(m.env, "the next good message must decode");
    cr_assert_eq(m.env->ack->seq, 5);
    regio_msg_clear(&m);
}

Test(msg, extra_frames_give_null_env_and_are_drained)
{
    void *a, *b;
    s_pairs(&a, &b, "inproc://bad2");
    /* [head][envelope][extra][extra] */
    Regio__Ack ack = REGIO__ACK__INIT;
    regio_envelope_t e = REGIO__ENVELOPE__INIT;
    e.body_case = REGIO__ENVELOPE__BODY_ACK;
    e.ack = &ack;
    uint8_t buf[64];
    size_t n = regio__envelope__pack(&e, buf);
    zmq_send(a, "topic", 5, ZMQ_SNDMORE);
    zmq_send(a, buf, n, ZMQ_SNDMORE);
    zmq_send(a, "x", 1, ZMQ_SNDMORE);
    zmq_send(a, "y", 1, 0);
    s_send_valid(a, "next", 6);
    regio_msg_t m;
    cr_assert_eq(s_recv_wait(b, 1, &m, 2000), 0);
    cr_assert_null(m.env);
    cr_assert_eq(s_recv_wait(b, 1, &m, 2000), 0);
    cr_assert_not_null(m.env, "extra frames leaked into the next message");
    cr_assert_eq(m.head_len, 4);
    cr_assert(memcmp(m.head, "next", 4) == 0);
    cr_assert_eq(m.env->ack->seq, 6);
    regio_msg_clear(&m);
}

Test(msg, missing_envelope_frame_gives_null_env)
{
    void *a, *b;
    s_pairs(&a, &b, "inproc://bad3");
    zmq_send(a, "only-a-head", 11, 0);
    s_send_valid(a, "h", 7);
    regio_msg_t m;
    cr_assert_eq(s_recv_wait(b, 1, &m, 2000), 0);
    cr_assert_null(m.env);
    cr_assert_eq(m.head_len, 0);
    cr_assert_eq(s_recv_wait(b, 1, &m, 2000), 0);
    cr_assert_not_null(m.env);
    cr_assert_eq(m.env->ack->seq, 7);
    regio_msg_clear(&m);
}

Test(msg, oversized_head_gives_null_env_and_is_drained)
{
    void *a, *b;
    s_pairs(&a, &b, "inproc://bad4");
    char head[REGIO_MSG_HEAD_MAX + 1];
    memset(head, 'h', sizeof head);
    zmq_send(a, head, sizeof head, ZMQ_SNDMORE);
    zmq_send(a, "\x08\x01", 2, 0);
    s_send_valid(a, "ok", 8);
    regio_msg_t m;
    cr_assert_eq(s_recv_wait(b, 1, &m, 2000), 0);
    cr_assert_null(m.env);
    cr_assert_eq(s_recv_wait(b, 1, &m, 2000), 0);
    cr_assert_not_null(m.env);
    cr_assert_eq(m.env->ack->seq, 8);
    regio_msg_clear(&m);
}

Test(msg, head_of_exactly_the_maximum_is_kept)
{
    void *a, *b;
    s_pairs(&a, &b, "inproc://bad5");
    char head[REGIO_MSG_HEAD_MAX + 1];
    memset(head, 'k', REGIO_MSG_HEAD_MAX);
    head[REGIO_MSG_HEAD_MAX] = '\0';
    s_send_valid(a, head, 3);
    regio_msg_t m;
    cr_assert_eq(s_recv_wait(b, 1, &m, 2000), 0);
    cr_assert_not_null(m.env);
    cr_assert_eq(m.head_len, REGIO_MSG_HEAD_MAX);
    cr_assert(memcmp(m.head, head, REGIO_MSG_HEAD_MAX) == 0);
    regio_msg_clear(&m);
}

/* Ids, copies, expect, codes ---------------------------------------------- */

Test(msg, next_id_is_nonzero_and_strictly_increasing)
{
    uint64_t a = regio_msg_next_id();
    cr_assert_neq(a, 0);
    for (int i = 0; i < 1000; i++) {
        uint64_t b = regio_msg_next_id();
        cr_assert_gt(b, a);
        a = b;
    }
}

Test(msg, copy_is_deep_and_independent)
{
    Regio__Need n1 = REGIO__NEED__INIT, n2 = REGIO__NEED__INIT;
    n1.goal = "G1";
    n1.dagdelen = 60;
    n2.goal = "G2";
    n2.dagdelen = 40;
    Regio__Need *needs[] = {&n1, &n2};
    uint32_t slots[] = {0, 1, 4};
    Regio__FreeSlots fs = REGIO__FREE_SLOTS__INIT;
    fs.period = "P1";
    fs.slots = slots;
    fs.n_slots = 3;
    Regio__FreeSlots *free_[] = {&fs};
    char id[] = "l1";
    Regio__Learner l = REGIO__LEARNER__INIT;
    l.id = id;
    l.school = "s1";
    l.lat = 51.5;
    l.needs = needs;
    l.n_needs = 2;
    l.free = free_;
    l.n_free = 1;
    Regio__Learner *c = regio_msg_copy(&l.base);
    cr_assert_not_null(c);
    cr_assert_neq(c->id, l.id);
    cr_assert_neq(c->needs[0], &n1);
    id[0] = 'X';
    n1.dagdelen = 1;
    slots[0] = 9;
    cr_assert_str_eq(c->id, "l1");
    cr_assert_str_eq(c->school, "s1");
    cr_assert_eq(c->lat, 51.5);
    cr_assert_eq(c->n_needs, 2);
    cr_assert_str_eq(c->needs[1]->goal, "G2");
    cr_assert_eq(c->needs[0]->dagdelen, 60);
    cr_assert_eq(c->n_free, 1);
    cr_assert_eq(c->free[0]->n_slots, 3);
    cr_assert_eq(c->free[0]->slots[0], 0);
    cr_assert_eq(c->free[0]->slots[2], 4);
    protobuf_c_message_free_unpacked(&c->base, NULL);
}

Test(msg, copy_of_an_empty_message_works)
{
    Regio__StatusRequest sr = REGIO__STATUS_REQUEST__INIT;
    Regio__StatusRequest *c = regio_msg_copy(&sr.base);
    cr_assert_not_null(c);
    cr_assert_eq(c->base.descriptor, &regio__status_request__descriptor);
    protobuf_c_message_free_unpacked(&c->base, NULL);
}

Test(msg, expect_of_another_body_is_eparse)
{
    Regio__Ack ack = REGIO__ACK__INIT;
    regio_envelope_t e = REGIO__ENVELOPE__INIT;
    e.body_case = REGIO__ENVELOPE__BODY_ACK;
    e.ack = &ack;
    char err[128] = "";
    cr_assert_eq(regio_msg_expect(&e, REGIO__ENVELOPE__BODY_ACK, err, sizeof err), 0);
    cr_assert_eq(regio_msg_expect(&e, REGIO__ENVELOPE__BODY_STATUS, err, sizeof err),
                 REGIO_EPARSE);
    cr_assert_gt(strlen(err), 0);
}

Test(msg, error_code_of_every_regio_code)
{
    const struct {
        int rc;
        Regio__ErrorCode code;
    } map[] = {
        {0, REGIO__ERROR_CODE__ERROR_NONE},
        {REGIO_EPARSE, REGIO__ERROR_CODE__ERROR_BAD_MESSAGE},
        {REGIO_EINVALID, REGIO__ERROR_CODE__ERROR_INVALID},
        {REGIO_ENOTFOUND, REGIO__ERROR_CODE__ERROR_UNKNOWN_ID},
        {REGIO_ERANGE, REGIO__ERROR_CODE__ERROR_OUT_OF_RANGE},
        {REGIO_EBUSY, REGIO__ERROR_CODE__ERROR_BUSY},
        {REGIO_ESTALE, REGIO__ERROR_CODE__ERROR_STALE_VERSION},
        {REGIO_EFULL, REGIO__ERROR_CODE__ERROR_STORAGE_FULL},
        {REGIO_ETIMEOUT, REGIO__ERROR_CODE__ERROR_INTERNAL},
        {REGIO_EPEER, REGIO__ERROR_CODE__ERROR_INTERNAL},
        {REGIO_ETRIMMED, REGIO__ERROR_CODE__ERROR_SNAPSHOT_NEEDED},
        {REGIO_ENOTREADY, REGIO__ERROR_CODE__ERROR_NOT_READY},
        {REGIO_EDUPLICATE, REGIO__ERROR_CODE__ERROR_INVALID},
        {-ENOMEM, REGIO__ERROR_CODE__ERROR_INTERNAL},
        {-EIO, REGIO__ERROR_CODE__ERROR_INTERNAL},
        {-123456, REGIO__ERROR_CODE__ERROR_INTERNAL},
    };
    for (size_t i = 0; i < sizeof map / sizeof map[0]; i++)
        cr_assert_eq(regio_msg_error_code(map[i].rc), map[i].code, "rc %d gave %d, want %d",
                     map[i].rc, (int)regio_msg_error_code(map[i].rc), (int)map[i].code);
}

Test(msg, error_name_matches_the_proto_enum_for_every_code)
{
    const ProtobufCEnumDescriptor *d = &regio__error_code__descriptor;
    for (unsigned i = 0; i < d->n_values; i++) {
        const char *full = d->values[i].name; /* "ERROR_UNKNOWN_ID" */
        char want[64];
        size_t k = 0;
        for (const char *p = full + strlen("ERROR_"); *p && k + 1 < sizeof want; p++)
            want[k++] = (char)tolower((unsigned char)*p);
        want[k] = '\0';
        cr_assert_str_eq(regio_msg_error_name((Regio__ErrorCode)d->values[i].value), want,
                         "code %d", d->values[i].value);
    }
    cr_assert_str_eq(regio_msg_error_name((Regio__ErrorCode)999), "error");
    cr_assert_str_eq(regio_msg_error_name((Regio__ErrorCode)-1), "error");
}

Test(msg, error_for_an_undecodable_frame_carries_the_id_at_its_start)
{
    void *router = s_socket(ZMQ_ROUTER), *dealer = s_socket(ZMQ_DEALER);
    cr_assert_eq(zmq_bind(router, "inproc://frameid"), 0);
    cr_assert_eq(zmq_connect(dealer, "inproc://frameid"), 0);
    /* id 300 (varint ac 02), then a body field cut short: does not decode */
    const uint8_t junk[] = {0x08, 0xac, 0x02, 0xa2, 0x01, 0x7f, 0x01};
    cr_assert_eq(zmq_send(dealer, junk, sizeof junk, 0), (int)sizeof junk);
    regio_msg_t m;
    cr_assert_eq(s_recv_wait(router, 1, &m, 2000), 0);
    cr_assert_null(m.env);
    cr_assert_eq(m.frame_id, 300);
    cr_assert_eq(regio_msg_reply_error(router, &m, REGIO__ERROR_CODE__ERROR_BAD_MESSAGE, NULL,
                                       "bad"), 0);
    regio_msg_t r;
    cr_assert_eq(s_recv_wait(dealer, 0, &r, 2000), 0);
    cr_assert_not_null(r.env);
    cr_assert_eq(r.env->correlation_id, 300, "a pipelining client can tell which request failed");
    regio_msg_clear(&r);
}

Test(msg, check_refuses_what_does_not_decode_or_has_no_body)
{
    const char *why = NULL;
    regio_msg_t m = {0};
    cr_assert_eq(regio_msg_check(&m, &why), REGIO__ERROR_CODE__ERROR_BAD_MESSAGE);
    cr_assert_not_null(why);
    regio_envelope_t e = REGIO__ENVELOPE__INIT;
    m.env = &e;
    cr_assert_eq(regio_msg_check(&m, &why), REGIO__ERROR_CODE__ERROR_BAD_MESSAGE);
    cr_assert_not_null(strstr(why, "body"), "%s", why);
    Regio__StatusRequest sr = REGIO__STATUS_REQUEST__INIT;
    e.body_case = REGIO__ENVELOPE__BODY_STATUS_REQUEST;
    e.status_request = &sr;
    cr_assert_eq(regio_msg_check(&m, &why), REGIO__ERROR_CODE__ERROR_NONE);
    cr_assert_null(why);
}
