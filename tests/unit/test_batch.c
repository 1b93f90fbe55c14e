/* test_batch - group commit on a real libuv loop, inproc ZeroMQ and LMDB.
 *
 * A DEALER (the test) sends Ack envelopes whose ref says what apply does:
 *   "w:KEY"   write KEY = seq            -> REGIO_BATCH_WROTE
 *   "r:KEY"   read KEY, write nothing    -> REGIO_BATCH_NOWRITE
 *   "fail"    an LMDB error              -> MDB_INCOMPATIBLE
 *   "big:KEY" write an 80 KiB value      -> WROTE, or MDB_MAP_FULL
 * seq is the request's index in the fixture's arrays. done replies with an
 * Ack (rc 0) or an error; the loop is driven with UV_RUN_NOWAIT until the
 * expected replies are in or a deadline passes.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <zmq.h>

#include "regio/batch.h"
#include "regio/error.h"
#include "regio/msg.h"
#include "regio/store.h"

#define NREQ 512
#define BIG (80 * 1024)

enum { K_NONE, K_WRITE, K_READ, K_FAIL, K_BIG };

/* Per-request scratch: apply allocates mem for writes, release frees it. */
typedef struct {
    int kind;
    char *mem;
} slot_t;

typedef struct {
    void *zctx, *router, *dealer;
    uv_loop_t loop;
    regio_store_t store;
    MDB_dbi dbi;
    regio_batch_t *b;
    char dir[128];
    /* what the callbacks saw, by request seq */
    int begins, applies, dones, flushes, flush_committed, closed;
    int allocs, frees, releases, precommits, precommit_fail, pending;
    int done_rc[NREQ];
    int done_called[NREQ];
    int done_saw_write[NREQ]; /* a read txn inside done saw the write */
    int apply_saw[NREQ];      /* a read inside apply saw the key */
    /* replies received by the dealer, by correlated seq */
    int replies;
    int reply_ok[NREQ];       /* 1 ack, -1 error */
    int reply_code[NREQ];     /* error code of an error reply */
    uint32_t reply_retry[NREQ];
    uint64_t req_id[NREQ];
} fx_t;

static fx_t F;

static long s_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1000L + ts.tv_nsec / 1000000L;
}

static int s_kind(const char *ref)
{
    if (!strncmp(ref, "w:", 2))
        return K_WRITE;
    if (!strncmp(ref, "r:", 2))
        return K_READ;
    if (!strcmp(ref, "fail"))
        return K_FAIL;
    if (!strncmp(ref, "big:", 4))
        return K_BIG;
    return K_NONE;
}

static const char *s_key(const char *ref)
{
    return strchr(ref, ':') + 1;
}

static void s_begin(void *arg)
{
    fx_t *f = arg;
    f->begins++;
    f->pending = 0; /* writes of this attempt */
}

/* Once per transaction: store how many writes it holds under "count". */
static int s_precommit(void *arg, MDB_txn *txn)
{
    fx_t *f = arg;
    f->precommits++;
    if (f->precommit_fail)
        return MDB_BAD_VALSIZE;
    uint64_t total = 0;
    int rc = regio_store_get_u64(txn, f->dbi, "count", &total);
    return rc ? rc : regio_store_put_u64(txn, f->dbi, "count", total + (uint64_t)f->pending);
}

static void s_release(void *arg, void *slot)
{
    fx_t *f = arg;
    slot_t *s = slot;
    f->releases++;
    if (s->mem) {
        free(s->mem);
        f->frees++;
        s->mem = NULL;
    }
}

static int s_apply(void *arg, MDB_txn *txn, regio_msg_t *req, void *slot)
{
    fx_t *f = arg;
    f->applies++;
    int kind = req->env && req->env->ack ? s_kind(req->env->ack->ref) : K_NONE;
    slot_t *sl = slot;
    cr_assert_null(sl->mem, "slot not zeroed before apply");
    sl->kind = kind;
    if (kind == K_NONE)
        return REGIO_BATCH_NOWRITE;
    uint64_t seq = req->env->ack->seq;
    const char *ref = req->env->ack->ref;
    switch (kind) {
    case K_WRITE: {
        sl->mem = malloc(16);
        f->allocs++;
        f->pending++;
        int rc = regio_store_put_u64(txn, f->dbi, s_key(ref), seq);
        return rc ? rc : REGIO_BATCH_WROTE;
    }
    case K_READ: {
        uint64_t v = 0;
        regio_store_get_u64(txn, f->dbi, s_key(ref), &v);
        f->apply_saw[seq] = v != 0;
        return REGIO_BATCH_NOWRITE;
    }
    case K_FAIL:
        return MDB_INCOMPATIBLE;
    case K_BIG: {
        static char blob[BIG];
        memset(blob, 'b', sizeof blob);
        MDB_val k = {strlen(s_key(ref)), (void *)s_key(ref)}, d = {sizeof blob, blob};
        int rc = mdb_put(txn, f->dbi, &k, &d, 0);
        return rc ? rc : REGIO_BATCH_WROTE;
    }
    }
    return REGIO_BATCH_NOWRITE;
}

static int s_committed(fx_t *f, const char *key)
{
    MDB_txn *txn;
    cr_assert_eq(mdb_txn_begin(f->store.env, NULL, MDB_RDONLY, &txn), 0);
    MDB_val k = {strlen(key), (void *)key}, d;
    int rc = mdb_get(txn, f->dbi, &k, &d);
    mdb_txn_abort(txn);
    return rc == 0;
}

static void s_done(void *arg, regio_msg_t *req, void *slot, int rc)
{
    fx_t *f = arg;
    f->dones++;
    if (!req->env) {
        regio_msg_reply_error(f->router, req, REGIO__ERROR_CODE__ERROR_BAD_MESSAGE, NULL, "bad");
        return;
    }
    uint64_t seq = req->env->ack ? req->env->ack->seq : 0;
    cr_assert_lt(seq, NREQ);
    f->done_called[seq]++;
    f->done_rc[seq] = rc;
    int kind = ((slot_t *)slot)->kind;
    if (rc == 0 && (kind == K_WRITE || kind == K_BIG))
        f->done_saw_write[seq] = s_committed(f, s_key(req->env->ack->ref));
    if (rc < 0) {
        regio_msg_reply_error(f->router, req, regio_msg_error_code(rc), NULL, "%s",
                              regio_strerror(rc));
        return;
    }
    Regio__Ack ack = REGIO__ACK__INIT;
    ack.seq = seq;
    regio_envelope_t e = REGIO__ENVELOPE__INIT;
    e.body_case = REGIO__ENVELOPE__BODY_ACK;
    e.ack = &ack;
    regio_msg_reply(f->router, req, &e);
}

static void s_flush(void *arg, int committed)
{
    fx_t *f = arg;
    f->flushes++;
    f->flush_committed += committed;
}

static void s_setup_store(size_t map, size_t max)
{
    regio_store_close(&F.store);
    int rc = regio_store_open(&F.store, F.dir, map, max, 4);
    cr_assert_eq(rc, 0, "%s", regio_strerror(rc));
    MDB_txn *txn;
    cr_assert_eq(mdb_txn_begin(F.store.env, NULL, 0, &txn), 0);
    cr_assert_eq(regio_store_table(txn, "kv", &F.dbi), 0);
    cr_assert_eq(mdb_txn_commit(txn), 0);
}

static void s_setup(void)
{
    memset(&F, 0, sizeof F);
    strcpy(F.dir, "/tmp/regio-test-batch-XXXXXX");
    cr_assert_not_null(mkdtemp(F.dir));
    s_setup_store(1024 * 1024, 1024 * 1024);
    cr_assert_eq(uv_loop_init(&F.loop), 0);
    F.zctx = zmq_ctx_new();
    F.router = zmq_socket(F.zctx, ZMQ_ROUTER);
    F.dealer = zmq_socket(F.zctx, ZMQ_DEALER);
    int zero = 0, big = 100000;
    zmq_setsockopt(F.router, ZMQ_LINGER, &zero, sizeof zero);
    zmq_setsockopt(F.dealer, ZMQ_LINGER, &zero, sizeof zero);
    zmq_setsockopt(F.dealer, ZMQ_SNDHWM, &big, sizeof big);
    zmq_setsockopt(F.router, ZMQ_RCVHWM, &big, sizeof big);
    cr_assert_eq(zmq_bind(F.router, "inproc://batch"), 0);
    cr_assert_eq(zmq_connect(F.dealer, "inproc://batch"), 0);
}

static void s_on_closed(void *arg)
{
    ((fx_t *)arg)->closed++;
}

static void s_teardown(void)
{
    if (F.b) {
        regio_batch_close(F.b, s_on_closed);
        long deadline = s_now_ms() + 2000;
        while (!F.closed && s_now_ms() < deadline)
            uv_run(&F.loop, UV_RUN_NOWAIT);
        regio_batch_destroy(&F.b);
    }
    uv_run(&F.loop, UV_RUN_NOWAIT);
    cr_expect_eq(uv_loop_close(&F.loop), 0, "handles left open on the loop");
    zmq_close(F.dealer);
    zmq_close(F.router);
    zmq_ctx_term(F.zctx);
    regio_store_close(&F.store);
    char cmd[256];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", F.dir);
    (void)system(cmd);
}

TestSuite(batch, .init = s_setup, .fini = s_teardown, .timeout = 30);

static regio_batch_t *s_new_q(size_t max, long window_us, size_t queue_max, unsigned retry_ms)
{
    regio_batch_opts_t o = {.max = max, .window_us = window_us, .slot_size = sizeof(slot_t),
                            .queue_max = queue_max, .busy_retry_ms = retry_ms,
                            .apply = s_apply, .done = s_done, .begin = s_begin,
                            .precommit = s_precommit, .release = s_release,
                            .flush = s_flush, .arg = &F};
    F.b = regio_batch_new(&F.loop, F.router, &F.store, &o);
    cr_assert_not_null(F.b);
    return F.b;
}

static regio_batch_t *s_new(size_t max, long window_us)
{
    return s_new_q(max, window_us, 0, 0);
}

/* Send request seq with this ref from the dealer. */
static void s_send(uint64_t seq, const char *ref)
{
    cr_assert_lt(seq, NREQ);
    Regio__Ack ack = REGIO__ACK__INIT;
    ack.seq = seq;
    ack.ref = (char *)ref;
    regio_envelope_t e = REGIO__ENVELOPE__INIT;
    e.body_case = REGIO__ENVELOPE__BODY_ACK;
    e.ack = &ack;
    cr_assert_eq(regio_msg_send(F.dealer, NULL, 0, &e), 0);
    F.req_id[seq] = e.id;
}

/* Read every reply queued on the dealer. */
static void s_collect(void)
{
    regio_msg_t m;
    while (regio_msg_recv(F.dealer, 0, &m) == 0) {
        cr_assert_not_null(m.env);
        int seq = -1;
        for (int i = 0; i < NREQ; i++)
            if (F.req_id[i] && F.req_id[i] == m.env->correlation_id)
                seq = i;
        cr_assert_geq(seq, 0, "reply to no request");
        F.reply_ok[seq] = m.env->body_case == REGIO__ENVELOPE__BODY_ACK ? 1 : -1;
        if (m.env->body_case == REGIO__ENVELOPE__BODY_ERROR) {
            F.reply_code[seq] = (int)m.env->error->code;
            F.reply_retry[seq] = m.env->error->retry_after_ms;
        }
        F.replies++;
        regio_msg_clear(&m);
    }
}

/* Run the loop until `want` replies are in, or fail after ms. */
static void s_run_until_replies(int want, int ms)
{
    long deadline = s_now_ms() + ms;
    while (F.replies < want) {
        cr_assert_lt(s_now_ms(), deadline, "only %d of %d replies", F.replies, want);
        uv_run(&F.loop, UV_RUN_NOWAIT);
        s_collect();
        zmq_pollitem_t it = {F.dealer, 0, ZMQ_POLLIN, 0};
        zmq_poll(&it, 1, 1);
    }
}

static void s_counters(uint64_t *commits, uint64_t *requests, uint64_t *failed)
{
    regio_batch_counters(F.b, commits, requests, failed);
}

Test(batch, one_request_is_applied_committed_and_answered)
{
    s_new(16, 0);
    cr_assert_eq(regio_batch_start(F.b), 0);
    s_send(1, "w:alpha");
    s_run_until_replies(1, 3000);
    cr_assert_eq(F.reply_ok[1], 1);
    cr_assert_eq(F.done_rc[1], 0);
    cr_assert(s_committed(&F, "alpha"));
    uint64_t c, r, fl;
    s_counters(&c, &r, &fl);
    cr_assert_eq(c, 1);
    cr_assert_eq(r, 1);
    cr_assert_eq(fl, 0);
    cr_assert_eq(F.flushes, 1);
    cr_assert_eq(F.flush_committed, 1);
}

Test(batch, pipelined_requests_share_few_transactions)
{
    s_new(64, 0);
    const int n = 300;
    char ref[32];
    for (int i = 0; i < n; i++) {
        snprintf(ref, sizeof ref, "w:k%03d", i);
        s_send((uint64_t)i, ref);
    }
    cr_assert_eq(regio_batch_start(F.b), 0);
    s_run_until_replies(n, 5000);
    uint64_t c, r, fl;
    s_counters(&c, &r, &fl);
    cr_assert_eq(r, (uint64_t)n);
    cr_assert_eq(fl, 0);
    cr_assert_geq(c, (uint64_t)(n + 63) / 64, "more than max requests in one transaction");
    cr_assert_leq(c, 10, "%llu commits for %d pipelined requests", (unsigned long long)c, n);
    cr_assert_eq(F.begins, (int)c);
    for (int i = 0; i < n; i++) {
        cr_assert_eq(F.reply_ok[i], 1, "request %d", i);
        cr_assert_eq(F.done_called[i], 1, "done of %d ran %d times", i, F.done_called[i]);
    }
}

Test(batch, done_runs_after_the_commit_is_visible)
{
    s_new(64, 0);
    char ref[32];
    for (int i = 0; i < 20; i++) {
        snprintf(ref, sizeof ref, "w:vis%d", i);
        s_send((uint64_t)i, ref);
    }
    cr_assert_eq(regio_batch_start(F.b), 0);
    s_run_until_replies(20, 3000);
    for (int i = 0; i < 20; i++)
        cr_assert_eq(F.done_saw_write[i], 1, "done of %d ran before its write was durable", i);
}

Test(batch, later_request_sees_an_earlier_write_of_the_same_batch)
{
    s_new(64, 0);
    s_send(1, "w:shared");
    s_send(2, "r:shared");
    s_send(3, "r:never-written");
    cr_assert_eq(regio_batch_start(F.b), 0);
    s_run_until_replies(3, 3000);
    uint64_t c, r, fl;
    s_counters(&c, &r, &fl);
    cr_assert_eq(c, 1, "the three requests were not one batch");
    cr_assert_eq(F.apply_saw[2], 1);
    cr_assert_eq(F.apply_saw[3], 0);
}

Test(batch, nowrite_requests_are_answered_with_rc_zero)
{
    s_new(8, 0);
    cr_assert_eq(regio_batch_start(F.b), 0);
    s_send(4, "r:nothing");
    s_send(5, "plain"); /* K_NONE: NOWRITE */
    s_run_until_replies(2, 3000);
    cr_assert_eq(F.reply_ok[4], 1);
    cr_assert_eq(F.reply_ok[5], 1);
    cr_assert_eq(F.done_rc[4], 0);
    cr_assert_eq(F.done_rc[5], 0);
    uint64_t c, r, fl;
    s_counters(&c, &r, &fl);
    cr_assert_eq(fl, 0);
    cr_assert_eq(r, 2);
}

Test(batch, undecodable_request_still_gets_done)
{
    s_new(8, 0);
    cr_assert_eq(regio_batch_start(F.b), 0);
    const uint8_t junk[] = {0x08, 0xff};
    zmq_send(F.dealer, junk, sizeof junk, 0);
    long deadline = s_now_ms() + 3000;
    regio_msg_t m = {0};
    int rc = -EAGAIN;
    while (rc == -EAGAIN && s_now_ms() < deadline) {
        uv_run(&F.loop, UV_RUN_NOWAIT);
        rc = regio_msg_recv(F.dealer, 0, &m);
    }
    cr_assert_eq(rc, 0, "no reply to a bad message");
    cr_assert_eq(m.env->body_case, REGIO__ENVELOPE__BODY_ERROR);
    cr_assert_eq(m.env->error->code, REGIO__ERROR_CODE__ERROR_BAD_MESSAGE);
    regio_msg_clear(&m);
    cr_assert_eq(F.dones, 1);
}

Test(batch, an_lmdb_error_fails_the_whole_batch_and_keeps_nothing)
{
    s_new(64, 0);
    s_send(0, "w:a");
    s_send(1, "w:b");
    s_send(2, "fail");
    s_send(3, "w:c");
    cr_assert_eq(regio_batch_start(F.b), 0);
    s_run_until_replies(4, 3000);
    for (int i = 0; i < 4; i++) {
        cr_assert_eq(F.done_called[i], 1);
        cr_assert_lt(F.done_rc[i], 0, "request %d got rc %d", i, F.done_rc[i]);
        cr_assert_eq(F.reply_ok[i], -1);
    }
    cr_assert_eq(F.done_rc[0], MDB_INCOMPATIBLE);
    cr_assert_not(s_committed(&F, "a"));
    cr_assert_not(s_committed(&F, "b"));
    cr_assert_not(s_committed(&F, "c"));
    uint64_t c, r, fl;
    s_counters(&c, &r, &fl);
    cr_assert_eq(c, 0);
    cr_assert_eq(r, 4);
    cr_assert_eq(fl, 4);
    cr_assert_eq(F.flushes, 1);
    cr_assert_eq(F.flush_committed, 0);

    /* the next batch works again */
    s_send(5, "w:d");
    s_run_until_replies(5, 3000);
    cr_assert_eq(F.done_rc[5], 0);
    cr_assert(s_committed(&F, "d"));
}

Test(batch, map_full_grows_the_map_and_reapplies_the_batch)
{
    s_setup_store(64 * 1024, 1024 * 1024);
    size_t before = F.store.map_size;
    s_new(8, 0);
    s_send(0, "w:small");
    s_send(1, "big:blob");
    cr_assert_eq(regio_batch_start(F.b), 0);
    s_run_until_replies(2, 3000);
    cr_assert_eq(F.done_rc[0], 0, "rc %s", regio_strerror(F.done_rc[0]));
    cr_assert_eq(F.done_rc[1], 0, "rc %s", regio_strerror(F.done_rc[1]));
    cr_assert_gt(F.store.map_size, before);
    cr_assert_eq(F.begins, 2, "begin runs once per attempt");
    cr_assert_eq(F.applies, 4, "the whole batch is re-applied");
    cr_assert(s_committed(&F, "small"));
    cr_assert(s_committed(&F, "blob"));
}

Test(batch, map_full_at_the_cap_fails_the_batch_with_efull)
{
    s_setup_store(64 * 1024, 64 * 1024);
    s_new(8, 0);
    s_send(0, "w:small");
    s_send(1, "big:blob");
    cr_assert_eq(regio_batch_start(F.b), 0);
    s_run_until_replies(2, 3000);
    cr_assert_eq(F.done_rc[0], REGIO_EFULL);
    cr_assert_eq(F.done_rc[1], REGIO_EFULL);
    cr_assert_not(s_committed(&F, "small"));
}

static uint64_t s_stored(const char *key)
{
    MDB_txn *txn;
    cr_assert_eq(mdb_txn_begin(F.store.env, NULL, MDB_RDONLY, &txn), 0);
    uint64_t v = 0;
    cr_assert_eq(regio_store_get_u64(txn, F.dbi, key, &v), 0);
    mdb_txn_abort(txn);
    return v;
}

Test(batch, precommit_runs_once_per_transaction_and_commits_with_it)
{
    s_new(64, 0);
    for (int i = 0; i < 5; i++) {
        char ref[16];
        snprintf(ref, sizeof ref, "w:c%d", i);
        s_send((uint64_t)i, ref);
    }
    s_send(5, "r:c0");
    cr_assert_eq(regio_batch_start(F.b), 0);
    s_run_until_replies(6, 3000);
    uint64_t c, r, fl;
    s_counters(&c, &r, &fl);
    cr_assert_eq(c, 1);
    cr_assert_eq(F.precommits, 1);
    cr_assert_eq(s_stored("count"), 5);
}

Test(batch, failing_precommit_fails_the_batch_and_keeps_nothing)
{
    F.precommit_fail = 1;
    s_new(64, 0);
    s_send(0, "w:pa");
    s_send(1, "w:pb");
    cr_assert_eq(regio_batch_start(F.b), 0);
    s_run_until_replies(2, 3000);
    cr_assert_eq(F.done_rc[0], MDB_BAD_VALSIZE);
    cr_assert_eq(F.done_rc[1], MDB_BAD_VALSIZE);
    cr_assert_not(s_committed(&F, "pa"));
    cr_assert_not(s_committed(&F, "count"));
}

Test(batch, precommit_is_not_called_when_an_apply_failed)
{
    s_new(64, 0);
    s_send(0, "w:n0");
    s_send(1, "fail");
    cr_assert_eq(regio_batch_start(F.b), 0);
    s_run_until_replies(2, 3000);
    cr_assert_eq(F.precommits, 0);
}

Test(batch, release_frees_every_slot_after_done)
{
    s_new(4, 0);
    for (int i = 0; i < 10; i++) {
        char ref[16];
        snprintf(ref, sizeof ref, "w:m%d", i);
        s_send((uint64_t)i, ref);
    }
    cr_assert_eq(regio_batch_start(F.b), 0);
    s_run_until_replies(10, 3000);
    cr_assert_eq(F.allocs, 10);
    cr_assert_eq(F.frees, 10, "%d of 10 slot allocations freed", F.frees);
    cr_assert_geq(F.releases, 10);
}

Test(batch, release_runs_before_a_map_full_retry_reapplies)
{
    s_setup_store(64 * 1024, 1024 * 1024);
    s_new(8, 0);
    s_send(0, "w:before");
    s_send(1, "big:blob");
    cr_assert_eq(regio_batch_start(F.b), 0);
    s_run_until_replies(2, 3000);
    cr_assert_eq(F.done_rc[0], 0);
    cr_assert_eq(F.allocs, 2, "w:before was applied twice");
    cr_assert_eq(F.frees, 2, "the first attempt's allocation leaked");
    cr_assert_eq(s_stored("count"), 1, "pending count not reset by begin");
}

/* Send 5, let the batcher read them, send 5 more, count the commits. */
static uint64_t s_two_bursts(long window_us)
{
    s_new(1000, window_us);
    cr_assert_eq(regio_batch_start(F.b), 0);
    char ref[32];
    for (int i = 0; i < 5; i++) {
        snprintf(ref, sizeof ref, "w:x%d", i);
        s_send((uint64_t)i, ref);
    }
    /* until the ROUTER has nothing left: the batcher holds the 5 */
    long deadline = s_now_ms() + 2000;
    int ev = ZMQ_POLLIN;
    size_t len = sizeof ev;
    while (s_now_ms() < deadline) {
        uv_run(&F.loop, UV_RUN_NOWAIT);
        zmq_getsockopt(F.router, ZMQ_EVENTS, &ev, &len);
        if (!(ev & ZMQ_POLLIN))
            break;
    }
    cr_assert_not(ev & ZMQ_POLLIN, "batcher did not read");
    for (int i = 5; i < 10; i++) {
        snprintf(ref, sizeof ref, "w:x%d", i);
        s_send((uint64_t)i, ref);
    }
    s_run_until_replies(10, 5000);
    uint64_t c, r, fl;
    s_counters(&c, &r, &fl);
    cr_assert_eq(r, 10);
    return c;
}

Test(batch, window_groups_requests_that_arrive_within_it)
{
    uint64_t commits = s_two_bursts(300000);
    cr_assert_eq(commits, 1, "a 300 ms window still made %llu commits",
                 (unsigned long long)commits);
}

Test(batch, without_a_window_each_burst_commits_alone)
{
    uint64_t commits = s_two_bursts(0);
    cr_assert_eq(commits, 2);
}

Test(batch, window_delays_the_reply_until_it_expires)
{
    s_new(1000, 200000);
    cr_assert_eq(regio_batch_start(F.b), 0);
    long t0 = s_now_ms();
    s_send(0, "w:late");
    s_run_until_replies(1, 3000);
    long took = s_now_ms() - t0;
    cr_assert_geq(took, 190, "replied after %ld ms, inside the window", took);
}

Test(batch, full_batch_commits_without_waiting_for_the_window)
{
    s_new(4, 10 * 1000 * 1000); /* 10 s window */
    for (int i = 0; i < 4; i++) {
        char ref[16];
        snprintf(ref, sizeof ref, "w:f%d", i);
        s_send((uint64_t)i, ref);
    }
    cr_assert_eq(regio_batch_start(F.b), 0);
    s_run_until_replies(4, 2000);
}

/* Run the loop until the ROUTER has nothing left to read. */
static void s_run_until_read(void)
{
    long deadline = s_now_ms() + 2000;
    int ev = ZMQ_POLLIN;
    size_t len = sizeof ev;
    while (s_now_ms() < deadline) {
        uv_run(&F.loop, UV_RUN_NOWAIT);
        zmq_getsockopt(F.router, ZMQ_EVENTS, &ev, &len);
        if (!(ev & ZMQ_POLLIN))
            return;
    }
    cr_assert_fail("batcher did not read");
}

Test(batch, batch_that_fills_during_the_window_commits_at_once)
{
    s_new(4, 10 * 1000 * 1000); /* 10 s window: only a full batch ends it early */
    cr_assert_eq(regio_batch_start(F.b), 0);
    s_send(0, "w:e0");
    s_run_until_read();
    cr_assert_eq(F.dones, 0);
    for (int i = 1; i < 4; i++) {
        char ref[16];
        snprintf(ref, sizeof ref, "w:e%d", i);
        s_send((uint64_t)i, ref);
    }
    s_run_until_replies(4, 2000);
    uint64_t c, r, fl;
    s_counters(&c, &r, &fl);
    cr_assert_eq(c, 1);
}

Test(batch, requests_past_the_queue_bound_are_answered_busy)
{
    s_new_q(2, 0, 4, 35);
    for (int i = 0; i < 10; i++) {
        char ref[16];
        snprintf(ref, sizeof ref, "w:q%d", i);
        s_send((uint64_t)i, ref);
    }
    cr_assert_eq(regio_batch_start(F.b), 0);
    s_run_until_replies(10, 3000);
    int acks = 0, busy = 0;
    for (int i = 0; i < 10; i++) {
        if (F.reply_ok[i] == 1) {
            acks++;
            cr_assert_eq(F.done_rc[i], 0);
        } else {
            busy++;
            cr_assert_eq(F.reply_code[i], REGIO__ERROR_CODE__ERROR_BUSY, "request %d", i);
            cr_assert_eq(F.reply_retry[i], 35);
            cr_assert_eq(F.done_called[i], 0, "a BUSY request reached done");
        }
    }
    cr_assert_eq(acks, 4, "the queue holds 4");
    cr_assert_eq(busy, 6);
    uint64_t nbusy = 0;
    size_t queued = 99;
    regio_batch_load(F.b, &nbusy, &queued);
    cr_assert_eq(nbusy, 6);
    cr_assert_eq(queued, 0);
    /* the BUSY ones are not written */
    for (int i = 0; i < 10; i++) {
        char key[16];
        snprintf(key, sizeof key, "q%d", i);
        cr_assert_eq(s_committed(&F, key), F.reply_ok[i] == 1, "%s", key);
    }
}

Test(batch, queued_requests_beyond_one_batch_are_all_answered)
{
    /* more queued than max, and nothing new arriving: the rest must not wait
     * for another message to wake the batcher */
    s_new_q(3, 0, 100, 0);
    for (int i = 0; i < 10; i++) {
        char ref[16];
        snprintf(ref, sizeof ref, "w:r%d", i);
        s_send((uint64_t)i, ref);
    }
    cr_assert_eq(regio_batch_start(F.b), 0);
    s_run_until_replies(10, 3000);
    uint64_t c, r, fl;
    s_counters(&c, &r, &fl);
    cr_assert_eq(r, 10);
    cr_assert_eq(c, 4, "batches of at most 3");
}

Test(batch, close_answers_requests_waiting_in_the_window)
{
    s_new(1000, 10 * 1000 * 1000);
    cr_assert_eq(regio_batch_start(F.b), 0);
    s_send(0, "w:p0");
    s_send(1, "w:p1");
    long deadline = s_now_ms() + 2000;
    int ev = ZMQ_POLLIN;
    size_t len = sizeof ev;
    while (s_now_ms() < deadline) {
        uv_run(&F.loop, UV_RUN_NOWAIT);
        zmq_getsockopt(F.router, ZMQ_EVENTS, &ev, &len);
        if (!(ev & ZMQ_POLLIN))
            break;
    }
    cr_assert_eq(F.dones, 0, "the window did not hold the requests");
    regio_batch_close(F.b, s_on_closed);
    cr_assert_eq(F.dones, 2, "close left read requests unanswered");
    cr_assert(s_committed(&F, "p0"));
    s_run_until_replies(2, 2000);
    deadline = s_now_ms() + 2000;
    while (!F.closed && s_now_ms() < deadline)
        uv_run(&F.loop, UV_RUN_NOWAIT);
    cr_assert_eq(F.closed, 1);
    regio_batch_destroy(&F.b);
    cr_assert_null(F.b);
    cr_assert_eq(uv_loop_close(&F.loop), 0, "handles left open on the loop");
    cr_assert_eq(uv_loop_init(&F.loop), 0); /* for teardown */
}

Test(batch, close_without_start_still_finishes)
{
    s_new(8, 0);
    regio_batch_close(F.b, s_on_closed);
    long deadline = s_now_ms() + 1000;
    while (!F.closed && s_now_ms() < deadline)
        uv_run(&F.loop, UV_RUN_NOWAIT);
    cr_assert_eq(F.closed, 1, "close_cb never ran for a batcher that was never started");
    regio_batch_destroy(&F.b);
}

Test(batch, destroy_accepts_null)
{
    regio_batch_t *b = NULL;
    regio_batch_destroy(&b);
    regio_batch_destroy(NULL);
    cr_assert_null(b);
}
