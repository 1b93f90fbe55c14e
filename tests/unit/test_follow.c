/* test_follow - a follower against a fake upstream on inproc ZeroMQ.
 *
 * The test plays the upstream with plain sockets (the service runs
 * --insecure): an XPUB for the change feed and heartbeats (its
 * subscription message says the follower is listening) and a ROUTER that
 * answers snapshot requests with whatever store id and seq a case wants.
 * The loop is driven with UV_RUN_NOWAIT. The follower keeps its mark in a
 * temporary LMDB store, so a case can restart it on the same store.
 */
#include <criterion/criterion.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <zmq.h>

#include "regio/follow.h"
#include "regio/service.h"
#include "regio/store.h"

#define A "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
#define B "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"
#define PUB_EP "inproc://follow-test-pub"
#define ROUTER_EP "inproc://follow-test-router"

typedef struct {
    regio_service_t svc;
    void *pub, *router;    /* the fake upstream */
    regio_follow_t *f;
    regio_store_t store;
    MDB_dbi meta;
    char dir[64];
    int snapshots, changes;
    uint64_t last_change;  /* seq of the last change applied */
} fx_t;

static fx_t F;

static long s_now_ms(void)
{
    return (long)(uv_hrtime() / 1000000);
}

static void s_turn(void)
{
    uv_run(&F.svc.loop, UV_RUN_NOWAIT);
    struct timespec ts = {0, 1000000L};
    nanosleep(&ts, NULL);
}

/* Drive the loop for ms milliseconds. */
static void s_pump(int ms)
{
    for (long end = s_now_ms() + ms; s_now_ms() < end;)
        s_turn();
}

static void s_on_snapshot(void *arg, const regio_envelope_t *e)
{
    F.snapshots++;
}

static void s_on_change(void *arg, const regio_envelope_t *e)
{
    F.changes++;
    F.last_change = e->registry_change->seq;
}

static void s_follow_start(void)
{
    regio_follow_opts_t o = {"registry", PUB_EP, ROUTER_EP,
                             REGIO__ENVELOPE__BODY_REGISTRY_SNAPSHOT_REQUEST, s_on_snapshot,
                             s_on_change, NULL, &F.store, F.meta};
    cr_assert_not_null(F.f = regio_follow_new(&F.svc, &o));
    cr_assert_eq(regio_follow_start(F.f), 0);
    /* the follower listens once its subscription reached the feed */
    char sub[32];
    long end = s_now_ms() + 5000;
    int n = -1;
    while (!(n > 0 && sub[0] == 1) && s_now_ms() < end) { /* 1: subscribe, 0: a gone one */
        s_turn();
        n = zmq_recv(F.pub, sub, sizeof sub, ZMQ_DONTWAIT);
    }
    cr_assert(n > 0 && sub[0] == 1, "the follower subscribed to the feed");
}

static void s_follow_stop(void)
{
    regio_follow_close(F.f);
    s_pump(20);
    regio_follow_destroy(&F.f);
    regio_msg_t m; /* requests the stopped follower left unanswered */
    while (regio_msg_recv(F.router, 1, &m) == 0)
        regio_msg_clear(&m);
}

static void s_setup(void)
{
    memset(&F, 0, sizeof F);
    snprintf(F.dir, sizeof F.dir, "/tmp/regio-test-follow-XXXXXX");
    cr_assert_not_null(mkdtemp(F.dir));
    cr_assert_eq(regio_store_open(&F.store, F.dir, 1 << 20, 1 << 24, 4), 0);
    MDB_txn *txn;
    cr_assert_eq(mdb_txn_begin(F.store.env, NULL, 0, &txn), 0);
    cr_assert_eq(regio_store_table(txn, "meta", &F.meta), 0);
    cr_assert_eq(mdb_txn_commit(txn), 0);
    regio_security_config_t sec = {.insecure = 1};
    char err[256];
    cr_assert_eq(regio_service_init(&F.svc, NULL, NULL), 0);
    cr_assert_eq(regio_service_secure(&F.svc, "planner", &sec, err, sizeof err), 0, "%s", err);
    int zero = 0;
    F.pub = zmq_socket(F.svc.zctx, ZMQ_XPUB);
    F.router = zmq_socket(F.svc.zctx, ZMQ_ROUTER);
    zmq_setsockopt(F.pub, ZMQ_LINGER, &zero, sizeof zero);
    zmq_setsockopt(F.router, ZMQ_LINGER, &zero, sizeof zero);
    int one = 1; /* every subscription, also a restarted follower's same topic */
    zmq_setsockopt(F.pub, ZMQ_XPUB_VERBOSE, &one, sizeof one);
    cr_assert_eq(zmq_bind(F.pub, PUB_EP), 0);
    cr_assert_eq(zmq_bind(F.router, ROUTER_EP), 0);
    s_follow_start();
}

static void s_teardown(void)
{
    if (F.f)
        s_follow_stop();
    regio_service_stop(&F.svc);
    s_pump(20);
    zmq_close(F.pub);
    zmq_close(F.router);
    regio_service_close(&F.svc);
    regio_store_close(&F.store);
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf %s", F.dir);
    cr_expect_eq(system(cmd), 0);
}

/* The upstream --------------------------------------------------------- */

/* Wait up to ms for a snapshot request; answer it with store id at seq.
 * Returns 1 when one came. */
static int s_serve_snapshot(const char *store_id, uint64_t seq, int ms)
{
    regio_msg_t m;
    for (long end = s_now_ms() + ms; s_now_ms() < end;) {
        s_turn();
        if (regio_msg_recv(F.router, 1, &m) != 0)
            continue;
        int asked = m.env && m.env->body_case == REGIO__ENVELOPE__BODY_REGISTRY_SNAPSHOT_REQUEST;
        if (asked) {
            Regio__RegistrySnapshot snap = REGIO__REGISTRY_SNAPSHOT__INIT;
            snap.seq = seq;
            snap.store_id = (char *)store_id;
            regio_envelope_t env = REGIO__ENVELOPE__INIT;
            env.body_case = REGIO__ENVELOPE__BODY_REGISTRY_SNAPSHOT;
            env.registry_snapshot = &snap;
            regio_msg_reply(F.router, &m, &env);
        }
        regio_msg_clear(&m);
        if (asked) {
            s_pump(20);
            return 1;
        }
    }
    return 0;
}

static void s_publish(regio_envelope_t *env)
{
    cr_assert_eq(regio_msg_send(F.pub, "registry", 8, env), 0);
    s_pump(30);
}

static void s_change(const char *store_id, uint64_t seq)
{
    Regio__PutCalendar cal = REGIO__PUT_CALENDAR__INIT;
    Regio__RegistryChange ch = REGIO__REGISTRY_CHANGE__INIT;
    ch.seq = seq;
    ch.store_id = (char *)store_id;
    ch.what_case = REGIO__REGISTRY_CHANGE__WHAT_CALENDAR;
    ch.calendar = &cal;
    regio_envelope_t env = REGIO__ENVELOPE__INIT;
    env.body_case = REGIO__ENVELOPE__BODY_REGISTRY_CHANGE;
    env.registry_change = &ch;
    s_publish(&env);
}

static void s_heartbeat(const char *store_id, uint64_t seq)
{
    Regio__Status st = REGIO__STATUS__INIT;
    st.service = "registry";
    st.seq = seq;
    st.store_id = (char *)store_id;
    regio_envelope_t env = REGIO__ENVELOPE__INIT;
    env.body_case = REGIO__ENVELOPE__BODY_STATUS;
    env.status = &st;
    s_publish(&env);
}

/* Synced from store A at seq 5, then change 6 applied. */
static void s_synced_at_6(void)
{
    cr_assert(s_serve_snapshot(A, 5, 3000));
    cr_assert(regio_follow_synced(F.f));
    s_change(A, 6);
    cr_assert_eq(F.changes, 1);
    cr_assert_eq(regio_follow_seq(F.f), 6);
}

/* The rule ------------------------------------------------------------- */

Test(follow, judge_accepts_any_store_until_one_is_known)
{
    regio_follow_mark_t m = {"", 40};
    cr_assert_eq(regio_follow_judge(&m, A, 0), REGIO_FOLLOW_SAME);
    cr_assert_eq(regio_follow_judge(&m, NULL, 0), REGIO_FOLLOW_SAME);
}

Test(follow, judge_refuses_another_store_and_a_seq_gone_back)
{
    regio_follow_mark_t m = {A, 40};
    cr_assert_eq(regio_follow_judge(&m, A, 40), REGIO_FOLLOW_SAME);
    cr_assert_eq(regio_follow_judge(&m, A, 41), REGIO_FOLLOW_SAME);
    cr_assert_eq(regio_follow_judge(&m, A, 39), REGIO_FOLLOW_BEHIND);
    cr_assert_eq(regio_follow_judge(&m, B, 41), REGIO_FOLLOW_OTHER_STORE);
    cr_assert_eq(regio_follow_judge(&m, "", 41), REGIO_FOLLOW_OTHER_STORE);
    cr_assert_eq(regio_follow_judge(&m, NULL, 41), REGIO_FOLLOW_OTHER_STORE);
}

/* The follower --------------------------------------------------------- */

TestSuite(follower, .init = s_setup, .fini = s_teardown, .timeout = 60);

Test(follower, applies_the_changes_of_the_store_it_synced_from)
{
    s_synced_at_6();
    s_change(A, 7);
    s_heartbeat(A, 7);
    cr_assert_eq(F.changes, 2);
    cr_assert_null(regio_follow_alarm(F.f));
}

Test(follower, a_change_from_another_store_raises_the_alarm_and_nothing_is_applied)
{
    s_synced_at_6();
    s_change(B, 7);
    cr_assert_eq(F.changes, 1, "the other store's change is not applied");
    const char *alarm = regio_follow_alarm(F.f);
    cr_assert_not_null(alarm);
    cr_assert(strncmp(alarm, "registry: ", 10) == 0, "%s", alarm);
    cr_assert(strstr(alarm, B) && strstr(alarm, "plan --confirm"), "%s", alarm);
    s_change(A, 7); /* not even the old store's, while the alarm stands */
    cr_assert_eq(F.changes, 1);
    cr_assert_eq(regio_follow_seq(F.f), 6, "the mirror keeps its last good state");
}

Test(follower, a_heartbeat_from_another_store_raises_the_alarm_instead_of_resyncing)
{
    s_synced_at_6();
    s_heartbeat(B, 0);
    cr_assert_not_null(regio_follow_alarm(F.f));
    cr_assert_not(s_serve_snapshot(B, 0, 1500), "no snapshot is asked for");
    cr_assert_eq(F.snapshots, 1);
    cr_assert(regio_follow_synced(F.f), "the mirror stays usable");
}

Test(follower, a_seq_gone_back_raises_the_alarm)
{
    s_synced_at_6();
    s_heartbeat(A, 3);
    const char *alarm = regio_follow_alarm(F.f);
    cr_assert_not_null(alarm);
    cr_assert(strstr(alarm, "went back from 6 to 3"), "%s", alarm);
    cr_assert_not(s_serve_snapshot(A, 3, 1500), "no snapshot is asked for");
}

Test(follower, a_heartbeat_ahead_still_resyncs_from_the_same_store)
{
    s_synced_at_6();
    s_heartbeat(A, 9);
    cr_assert(s_serve_snapshot(A, 9, 3000));
    cr_assert_eq(F.snapshots, 2);
    cr_assert_eq(regio_follow_seq(F.f), 9);
    cr_assert_null(regio_follow_alarm(F.f));
}

Test(follower, a_snapshot_from_another_store_is_not_applied)
{
    s_synced_at_6();
    s_heartbeat(A, 9); /* a gap: resync */
    cr_assert(s_serve_snapshot(B, 9, 3000));
    cr_assert_eq(F.snapshots, 1);
    cr_assert_not_null(regio_follow_alarm(F.f));
    cr_assert_eq(regio_follow_seq(F.f), 6);
}

Test(follower, resolve_accepts_the_upstream_as_it_is_now)
{
    s_synced_at_6();
    s_heartbeat(B, 0);
    cr_assert_not_null(regio_follow_alarm(F.f));
    cr_assert_eq(regio_follow_resolve(F.f, NULL), 0);
    cr_assert_null(regio_follow_alarm(F.f));
    cr_assert_not(regio_follow_synced(F.f), "not synced until the new snapshot");
    cr_assert(s_serve_snapshot(B, 0, 3000));
    cr_assert(regio_follow_synced(F.f));
    s_change(B, 1);
    cr_assert_eq(F.changes, 2);
    cr_assert_eq(F.last_change, 1);
    s_change(A, 2); /* and now the old store is the stranger */
    cr_assert_not_null(regio_follow_alarm(F.f));
}

Test(follower, the_mark_survives_a_restart_of_the_follower)
{
    s_synced_at_6();
    s_heartbeat(A, 6); /* the mark is written at most once per heartbeat */
    s_follow_stop();
    s_follow_start();
    cr_assert(s_serve_snapshot(B, 0, 3000));
    cr_assert_eq(F.snapshots, 1, "the empty store's snapshot is not applied");
    cr_assert_not(regio_follow_synced(F.f));
    cr_assert(strstr(regio_follow_alarm(F.f), A), "%s", regio_follow_alarm(F.f));
    s_follow_stop();
    s_follow_start();
    cr_assert(s_serve_snapshot(A, 4, 3000)); /* the same store, restored from an old backup */
    cr_assert_eq(F.snapshots, 1);
    cr_assert(strstr(regio_follow_alarm(F.f), "went back from 6 to 4"), "%s",
              regio_follow_alarm(F.f));
}

Test(follower, a_resolve_is_kept_in_the_store)
{
    s_synced_at_6();
    s_heartbeat(B, 0);
    MDB_txn *txn;
    cr_assert_eq(mdb_txn_begin(F.store.env, NULL, 0, &txn), 0);
    cr_assert_eq(regio_follow_resolve(F.f, txn), 0);
    cr_assert_eq(mdb_txn_commit(txn), 0);
    s_follow_stop(); /* restarted before the new snapshot came */
    s_follow_start();
    cr_assert(s_serve_snapshot(B, 0, 3000));
    cr_assert_null(regio_follow_alarm(F.f));
    cr_assert(regio_follow_synced(F.f));
}

Test(follower, the_alarm_is_logged_once)
{
    char path[96];
    snprintf(path, sizeof path, "%s/stderr", F.dir);
    int saved = dup(2), fd = open(path, O_CREAT | O_WRONLY | O_TRUNC, 0600);
    fflush(stderr);
    dup2(fd, 2);
    s_synced_at_6();
    for (int i = 0; i < 5; i++)
        s_heartbeat(B, (uint64_t)i);
    s_change(B, 7);
    fflush(stderr);
    dup2(saved, 2);
    close(fd);
    close(saved);
    FILE *in = fopen(path, "r");
    cr_assert_not_null(in);
    char line[1024];
    int n = 0;
    while (fgets(line, sizeof line, in))
        n += strstr(line, "upstream is not the store followed") != NULL;
    fclose(in);
    cr_assert_eq(n, 1);
}
