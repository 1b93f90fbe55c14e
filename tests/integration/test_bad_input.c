/* Bad input against the real services: each message gets an error reply with
 * the right code, the service stays up, and nothing is half-written. The
 * services run as real processes on loopback; messages are crafted here so
 * that client-side checks (regioctl's) cannot hide a missing server check. */
#include <arpa/inet.h>
#include <criterion/criterion.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <zmq.h>

#include "regio/curve.h"
#include "regio/file.h"
#include "regio/msg.h"

static pid_t s_pids[4];
static void *s_ctx;
static void *s_reg, *s_cap, *s_plan, *s_notif;
static void *s_notif_planner, *s_cap_p2; /* as the planner's key, as partner p2 */
static char s_keys[600];
static const char *s_names[] = {"admin", "registry", "capacity", "planner", "notifier", "p2"};
static const char *s_roles[] = {"admin", "service:registry", "service:capacity",
                                "service:planner", "service:notifier", "partner:p2"};
static regio_keypair_t s_kp[6];
static char s_dir[] = "/tmp/regio-bad-XXXXXX";
static int s_ports[64];

/* Endpoint number off (0..63) on a port the kernel handed out as free. */
static char *s_ep(int off)
{
    static char buf[64][40];
    snprintf(buf[off], sizeof buf[off], "tcp://127.0.0.1:%d", s_ports[off]);
    return buf[off];
}

static void s_pick_ports(void)
{
    int fds[64];
    for (int i = 0; i < 64; i++) {
        struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
        socklen_t len = sizeof a;
        fds[i] = socket(AF_INET, SOCK_STREAM, 0);
        cr_assert(bind(fds[i], (struct sockaddr *)&a, sizeof a) == 0);
        getsockname(fds[i], (struct sockaddr *)&a, &len);
        s_ports[i] = ntohs(a.sin_port);
    }
    for (int i = 0; i < 64; i++)
        close(fds[i]);
}

static pid_t s_spawn(const char *name, char *const extra[])
{
    char bin[512], db[512];
    snprintf(bin, sizeof bin, "%s/regio-%s", REGIO_BIN_DIR, name);
    snprintf(db, sizeof db, "%s/%s", s_dir, name);
    char *argv[32] = {bin, "--db", db, "--log-level", "warn", "--keys", s_keys};
    int n = 7;
    for (int i = 0; extra[i]; i++)
        argv[n++] = extra[i];
    argv[n] = NULL;
    pid_t pid = fork();
    if (pid == 0) {
        prctl(PR_SET_PDEATHSIG, SIGKILL); /* never outlive a failed test */
        execv(bin, argv);
        _exit(127);
    }
    return pid;
}

/* Keys for the services, an admin and partner p2, and the principals file. */
static void s_make_keys(void)
{
    char err[512], principals[8192] = "", path[700];
    snprintf(s_keys, sizeof s_keys, "%s/keys", s_dir);
    for (int i = 0; i < 6; i++) {
        cr_assert_eq(regio_keys_new(s_keys, s_names[i], &s_kp[i], err, sizeof err), 0, "%s", err);
        size_t k = strlen(principals);
        snprintf(principals + k, sizeof principals - k, "%s %s %s\n", s_kp[i].public_key,
                 s_names[i], s_roles[i]);
    }
    snprintf(path, sizeof path, "%s/principals", s_keys);
    cr_assert_eq(regio_file_write_atomic(path, principals, strlen(principals)), 0);
}

/* A DEALER to the service whose key is server (an index in s_names), as
 * the principal s_names[who]. */
static void *s_dealer_as(const char *ep, int server, int who)
{
    void *s = zmq_socket(s_ctx, ZMQ_DEALER);
    int zero = 0;
    zmq_setsockopt(s, ZMQ_LINGER, &zero, sizeof zero);
    regio_curve_t c = {&s_kp[who], s_kp[server].public_key, NULL};
    cr_assert_eq(regio_curve_apply(s, &c, 0), 0);
    zmq_connect(s, ep);
    return s;
}

static void *s_dealer(const char *ep, int server)
{
    return s_dealer_as(ep, server, 0);
}

/* Send env, expect an error reply with code; returns the reply's reason. */
static void s_expect_error(void *sock, regio_envelope_t *env, Regio__ErrorCode code, const char *what)
{
    regio_envelope_t *rep = NULL;
    int rc = regio_msg_request(sock, env, &rep, 5000);
    cr_assert_eq(rc, 0, "%s: no reply (%d)", what, rc);
    cr_assert_eq(rep->body_case, REGIO__ENVELOPE__BODY_ERROR, "%s: expected an error reply", what);
    cr_expect_eq(rep->error->code, code, "%s: code %d, want %d (%s)", what, rep->error->code, code,
                 rep->error->reason);
    cr_expect_gt(strlen(rep->error->reason), 5, "%s: a human-readable reason", what);
    regio__envelope__free_unpacked(rep, NULL);
}

static regio_envelope_t *s_ok(void *sock, regio_envelope_t *env, const char *what)
{
    regio_envelope_t *rep = NULL;
    char err[256] = "";
    cr_assert_eq(regio_msg_request(sock, env, &rep, 5000), 0, "%s: no reply", what);
    cr_assert_neq(rep->body_case, REGIO__ENVELOPE__BODY_ERROR, "%s: %s", what,
                  rep->error ? rep->error->reason : err);
    return rep;
}

static uint64_t s_status_seq(void *sock)
{
    Regio__StatusRequest sr = REGIO__STATUS_REQUEST__INIT;
    regio_envelope_t env = REGIO__ENVELOPE__INIT;
    env.body_case = REGIO__ENVELOPE__BODY_STATUS_REQUEST;
    env.status_request = &sr;
    regio_envelope_t *rep = s_ok(sock, &env, "status");
    uint64_t seq = rep->status->seq;
    regio__envelope__free_unpacked(rep, NULL);
    return seq;
}

static void s_setup(void)
{
    cr_assert_not_null(mkdtemp(s_dir));
    s_pick_ports();
    s_make_keys();
    char *reg[] = {"--router", s_ep(1), "--pub", s_ep(2), NULL};
    char *cap[] = {"--router", s_ep(11), "--pub", s_ep(12), "--registry-router", s_ep(1),
                   "--registry-pub", s_ep(2), NULL};
    char *notif[] = {"--router", s_ep(31), "--feed", s_ep(32), "--pub", s_ep(33), NULL};
    char *plan[] = {"--router", s_ep(21), "--pub", s_ep(22), "--registry-router", s_ep(1),
                    "--registry-pub", s_ep(2), "--capacity-router", s_ep(11), "--capacity-pub",
                    s_ep(12), "--notifier-router", s_ep(31), NULL};
    s_pids[0] = s_spawn("registry", reg);
    s_pids[1] = s_spawn("capacity", cap);
    s_pids[2] = s_spawn("notifier", notif);
    s_pids[3] = s_spawn("planner", plan);
    s_ctx = zmq_ctx_new();
    s_reg = s_dealer(s_ep(1), 1);
    s_cap = s_dealer(s_ep(11), 2);
    s_plan = s_dealer(s_ep(21), 3);
    s_notif = s_dealer(s_ep(31), 4);
    s_notif_planner = s_dealer_as(s_ep(31), 4, 3);
    s_cap_p2 = s_dealer_as(s_ep(11), 2, 5);
    s_status_seq(s_reg); /* waits up to 5 s for each to answer */
    s_status_seq(s_cap);
    s_status_seq(s_plan);
    s_status_seq(s_notif);
}

static void s_teardown(void)
{
    void *socks[] = {s_reg, s_cap, s_plan, s_notif, s_notif_planner, s_cap_p2};
    for (int i = 0; i < 6; i++)
        zmq_close(socks[i]);
    zmq_ctx_term(s_ctx);
    for (int i = 0; i < 4; i++) {
        int st = 0;
        kill(s_pids[i], SIGTERM);
        waitpid(s_pids[i], &st, 0);
        cr_expect(WIFEXITED(st) && WEXITSTATUS(st) == 0, "service %d stops cleanly", i);
    }
    char cmd[600];
    snprintf(cmd, sizeof cmd, "rm -rf %s", s_dir);
    cr_expect_eq(system(cmd), 0);
}

TestSuite(bad_input, .init = s_setup, .fini = s_teardown, .timeout = 60);

/* Wait (deadline 5 s) until the service behind sock has seen registry seq. */
static void s_wait_mirror(void *sock, uint64_t seq, const char *who)
{
    for (int i = 0; i < 500; i++) {
        Regio__StatusRequest sr = REGIO__STATUS_REQUEST__INIT;
        regio_envelope_t q = REGIO__ENVELOPE__INIT;
        q.body_case = REGIO__ENVELOPE__BODY_STATUS_REQUEST;
        q.status_request = &sr;
        regio_envelope_t *st = s_ok(sock, &q, "status");
        uint64_t up = 0;
        for (size_t k = 0; k < st->status->n_upstream_seq; k++)
            if (strcmp(st->status->upstream_seq[k]->key, "registry") == 0)
                up = st->status->upstream_seq[k]->value;
        regio__envelope__free_unpacked(st, NULL);
        if (up >= seq)
            return;
        usleep(10000);
    }
    cr_assert_fail("the %s never saw the registry's changes", who);
}

static void s_seed_registry(void)
{
    Regio__Period p1 = REGIO__PERIOD__INIT, *pp[] = {&p1};
    p1.id = "P1";
    p1.weeks = 10;
    Regio__PutCalendar cal = REGIO__PUT_CALENDAR__INIT;
    cal.periods = pp;
    cal.n_periods = 1;
    regio_envelope_t env = REGIO__ENVELOPE__INIT;
    env.body_case = REGIO__ENVELOPE__BODY_PUT_CALENDAR;
    env.put_calendar = &cal;
    regio__envelope__free_unpacked(s_ok(s_reg, &env, "calendar"), NULL);
    Regio__Partner pa = REGIO__PARTNER__INIT;
    pa.id = "p1";
    pa.kind = REGIO__PARTNER_KIND__KIND_BUSINESS;
    pa.name = "Warehouse";
    pa.lat = 51.6;
    pa.lon = 4.8;
    Regio__PutPartner pp2 = REGIO__PUT_PARTNER__INIT;
    pp2.partner = &pa;
    env.body_case = REGIO__ENVELOPE__BODY_PUT_PARTNER;
    env.put_partner = &pp2;
    regio__envelope__free_unpacked(s_ok(s_reg, &env, "partner"), NULL);
    Regio__Offering o = REGIO__OFFERING__INIT;
    o.id = "o1";
    o.partner = "p1";
    o.form = "simulatie";
    o.lat = 51.6;
    o.lon = 4.8;
    Regio__PutOffering po = REGIO__PUT_OFFERING__INIT;
    po.offering = &o;
    env.body_case = REGIO__ENVELOPE__BODY_PUT_OFFERING;
    env.put_offering = &po;
    regio_envelope_t *rep = s_ok(s_reg, &env, "offering");
    uint64_t seq = rep->ack->seq;
    regio__envelope__free_unpacked(rep, NULL);
    /* wait (deadline) until capacity's and the planner's registry mirrors
     * have caught up: both check ids against them */
    s_wait_mirror(s_cap, seq, "capacity");
    s_wait_mirror(s_plan, seq, "planner");
}

static void s_update(Regio__CapacityUpdate *u, const char *id, const char *off, const char *per,
                     uint32_t *seats, size_t n, uint64_t version)
{
    regio__capacity_update__init(u);
    u->update_id = (char *)id;
    u->offering = (char *)off;
    u->period = (char *)per;
    u->seats = seats;
    u->n_seats = n;
    u->version = version;
}

Test(bad_input, capacity_updates_are_validated_ordered_and_deduplicated)
{
    s_seed_registry();
    uint32_t seats[10] = {1, 1, 1, 1, 1, 1, 1, 1, 1, 1};
    Regio__CapacityUpdate u;
    regio_envelope_t env = REGIO__ENVELOPE__INIT;
    env.body_case = REGIO__ENVELOPE__BODY_CAPACITY_UPDATE;
    env.capacity_update = &u;
    uint64_t seq0 = s_status_seq(s_cap);

    s_update(&u, "u1", "o1", "P1", seats, 3, 1);
    s_expect_error(s_cap, &env, REGIO__ERROR_CODE__ERROR_OUT_OF_RANGE, "3 seats");
    s_update(&u, "u1", "o404", "P1", seats, 10, 1);
    s_expect_error(s_cap, &env, REGIO__ERROR_CODE__ERROR_UNKNOWN_ID, "unknown offering");
    s_update(&u, "u1", "o1", "P9", seats, 10, 1);
    s_expect_error(s_cap, &env, REGIO__ERROR_CODE__ERROR_UNKNOWN_ID, "unknown period");
    s_update(&u, "u1", "o1", "P1", seats, 10, 0);
    s_expect_error(s_cap, &env, REGIO__ERROR_CODE__ERROR_OUT_OF_RANGE, "version 0");
    s_update(&u, "bad/id", "o1", "P1", seats, 10, 1);
    s_expect_error(s_cap, &env, REGIO__ERROR_CODE__ERROR_INVALID, "bad update id");
    seats[3] = 1000000;
    s_update(&u, "u1", "o1", "P1", seats, 10, 1);
    s_expect_error(s_cap, &env, REGIO__ERROR_CODE__ERROR_OUT_OF_RANGE, "too many seats");
    seats[3] = 1;
    cr_expect_eq(s_status_seq(s_cap), seq0, "rejected updates wrote nothing");

    s_update(&u, "u1", "o1", "P1", seats, 10, 5);
    regio_envelope_t *rep = s_ok(s_cap, &env, "valid update");
    cr_expect_eq(rep->capacity_ack->status, REGIO__ACK_STATUS__ACK_APPLIED);
    regio__envelope__free_unpacked(rep, NULL);
    rep = s_ok(s_cap, &env, "retry of the same update id");
    cr_expect_eq(rep->capacity_ack->status, REGIO__ACK_STATUS__ACK_DUPLICATE);
    regio__envelope__free_unpacked(rep, NULL);
    s_update(&u, "u2", "o1", "P1", seats, 10, 4);
    s_expect_error(s_cap, &env, REGIO__ERROR_CODE__ERROR_STALE_VERSION, "older version");
    cr_expect_eq(s_status_seq(s_cap), seq0 + 1, "exactly one update applied");
}

Test(bad_input, registry_rejects_bad_partners_and_offerings)
{
    s_seed_registry();
    uint64_t seq0 = s_status_seq(s_reg);
    Regio__Partner pa = REGIO__PARTNER__INIT;
    pa.id = "p2";
    pa.kind = 9;
    Regio__PutPartner pp = REGIO__PUT_PARTNER__INIT;
    pp.partner = &pa;
    regio_envelope_t env = REGIO__ENVELOPE__INIT;
    env.body_case = REGIO__ENVELOPE__BODY_PUT_PARTNER;
    env.put_partner = &pp;
    s_expect_error(s_reg, &env, REGIO__ERROR_CODE__ERROR_INVALID, "kind 9");
    pa.kind = REGIO__PARTNER_KIND__KIND_CIVIC;
    pa.lat = 123;
    s_expect_error(s_reg, &env, REGIO__ERROR_CODE__ERROR_OUT_OF_RANGE, "latitude 123");
    Regio__Offering o = REGIO__OFFERING__INIT;
    o.id = "o2";
    o.partner = "p404";
    Regio__PutOffering po = REGIO__PUT_OFFERING__INIT;
    po.offering = &o;
    env.body_case = REGIO__ENVELOPE__BODY_PUT_OFFERING;
    env.put_offering = &po;
    s_expect_error(s_reg, &env, REGIO__ERROR_CODE__ERROR_UNKNOWN_ID, "unknown partner");
    Regio__WithdrawOffering w = REGIO__WITHDRAW_OFFERING__INIT;
    w.id = "o404";
    env.body_case = REGIO__ENVELOPE__BODY_WITHDRAW_OFFERING;
    env.withdraw_offering = &w;
    s_expect_error(s_reg, &env, REGIO__ERROR_CODE__ERROR_UNKNOWN_ID, "withdraw unknown");
    cr_expect_eq(s_status_seq(s_reg), seq0, "nothing was written");
}

Test(bad_input, planner_rejects_bad_learners)
{
    s_seed_registry();
    Regio__Learner l = REGIO__LEARNER__INIT;
    l.id = "l1";
    l.school = "s1";
    l.qualification = "25472";
    l.age = 17;
    l.lat = 51.6;
    l.lon = 4.8;
    l.max_km = 10;
    l.dagdelen = 11;
    Regio__PutLearner pl = REGIO__PUT_LEARNER__INIT;
    pl.learner = &l;
    regio_envelope_t env = REGIO__ENVELOPE__INIT;
    env.body_case = REGIO__ENVELOPE__BODY_PUT_LEARNER;
    env.put_learner = &pl;
    s_expect_error(s_plan, &env, REGIO__ERROR_CODE__ERROR_OUT_OF_RANGE, "dagdelen 11");
    l.dagdelen = 2;
    uint32_t slots[] = {0, 12};
    Regio__FreeSlots f = REGIO__FREE_SLOTS__INIT, *fp[] = {&f};
    f.period = "P1";
    f.slots = slots;
    f.n_slots = 2;
    l.free = fp;
    l.n_free = 1;
    s_expect_error(s_plan, &env, REGIO__ERROR_CODE__ERROR_OUT_OF_RANGE, "slot 12");
    slots[1] = 1;
    f.period = "P7";
    s_expect_error(s_plan, &env, REGIO__ERROR_CODE__ERROR_UNKNOWN_ID, "period not in calendar");
    f.period = "P1";
    regio__envelope__free_unpacked(s_ok(s_plan, &env, "valid learner"), NULL);
    Regio__RemoveLearner rl = REGIO__REMOVE_LEARNER__INIT;
    rl.id = "l404";
    env.body_case = REGIO__ENVELOPE__BODY_REMOVE_LEARNER;
    env.remove_learner = &rl;
    s_expect_error(s_plan, &env, REGIO__ERROR_CODE__ERROR_UNKNOWN_ID, "remove unknown learner");
    Regio__PlanRequest pr = REGIO__PLAN_REQUEST__INIT;
    pr.seconds = -1;
    env.body_case = REGIO__ENVELOPE__BODY_PLAN_REQUEST;
    env.plan_request = &pr;
    s_expect_error(s_plan, &env, REGIO__ERROR_CODE__ERROR_OUT_OF_RANGE, "negative seconds");
}

Test(bad_input, notifier_rejects_bad_batches_and_services_refuse_foreign_messages)
{
    Regio__PlacementChange c = REGIO__PLACEMENT_CHANGE__INIT, *cp[] = {&c};
    c.learner = "l/1";
    c.school = "s1";
    c.period = "P1";
    Regio__NotifyBatch b = REGIO__NOTIFY_BATCH__INIT;
    b.first_source_seq = 1;
    b.changes = cp;
    b.n_changes = 1;
    regio_envelope_t env = REGIO__ENVELOPE__INIT;
    env.body_case = REGIO__ENVELOPE__BODY_NOTIFY_BATCH;
    env.notify_batch = &b;
    s_expect_error(s_notif_planner, &env, REGIO__ERROR_CODE__ERROR_INVALID, "bad learner id");
    c.learner = "l1";
    b.first_source_seq = 7;
    s_expect_error(s_notif_planner, &env, REGIO__ERROR_CODE__ERROR_INVALID, "source_seq gap");
    b.first_source_seq = 1;
    s_expect_error(s_notif, &env, REGIO__ERROR_CODE__ERROR_FORBIDDEN, "batch from a non-planner key");
    cr_expect_eq(s_status_seq(s_notif), 0, "nothing logged");
    /* a registry message sent to the capacity service */
    Regio__WithdrawOffering w = REGIO__WITHDRAW_OFFERING__INIT;
    w.id = "o1";
    env.body_case = REGIO__ENVELOPE__BODY_WITHDRAW_OFFERING;
    env.withdraw_offering = &w;
    s_expect_error(s_cap, &env, REGIO__ERROR_CODE__ERROR_UNSUPPORTED, "foreign message");
    s_expect_error(s_notif, &env, REGIO__ERROR_CODE__ERROR_UNSUPPORTED, "foreign message");
    s_expect_error(s_plan, &env, REGIO__ERROR_CODE__ERROR_UNSUPPORTED, "foreign message");
}

Test(bad_input, keys_and_roles_decide_who_is_answered)
{
    s_seed_registry();
    uint32_t seats[10] = {1, 1, 1, 1, 1, 1, 1, 1, 1, 1};
    Regio__CapacityUpdate u;
    regio_envelope_t env = REGIO__ENVELOPE__INIT;
    env.body_case = REGIO__ENVELOPE__BODY_CAPACITY_UPDATE;
    env.capacity_update = &u;
    uint64_t seq0 = s_status_seq(s_cap);
    s_update(&u, "p2-u1", "o1", "P1", seats, 10, 1);
    s_expect_error(s_cap_p2, &env, REGIO__ERROR_CODE__ERROR_FORBIDDEN, "p2 on p1's offering");
    cr_expect_eq(s_status_seq(s_cap), seq0, "the refused update wrote nothing");

    /* a key nobody listed, and no key at all: no handshake, so no answer */
    regio_keypair_t stranger;
    cr_assert_eq(zmq_curve_keypair(stranger.public_key, stranger.secret_key), 0);
    void *unknown = zmq_socket(s_ctx, ZMQ_DEALER), *plain = zmq_socket(s_ctx, ZMQ_DEALER);
    int zero = 0;
    zmq_setsockopt(unknown, ZMQ_LINGER, &zero, sizeof zero);
    zmq_setsockopt(plain, ZMQ_LINGER, &zero, sizeof zero);
    regio_curve_t c = {&stranger, s_kp[2].public_key, NULL};
    cr_assert_eq(regio_curve_apply(unknown, &c, 0), 0);
    zmq_connect(unknown, s_ep(11));
    zmq_connect(plain, s_ep(11));
    Regio__StatusRequest sr = REGIO__STATUS_REQUEST__INIT;
    regio_envelope_t q = REGIO__ENVELOPE__INIT, *rep = NULL;
    q.body_case = REGIO__ENVELOPE__BODY_STATUS_REQUEST;
    q.status_request = &sr;
    cr_expect_neq(regio_msg_request(unknown, &q, &rep, 1500), 0, "an unknown key gets nothing");
    cr_expect_neq(regio_msg_request(plain, &q, &rep, 1500), 0, "a client without CURVE gets nothing");
    zmq_close(unknown);
    zmq_close(plain);
    cr_expect_eq(s_status_seq(s_cap), seq0, "still nothing written");

    /* the partner's status names it, without the store's path */
    rep = s_ok(s_cap_p2, &q, "status as p2");
    cr_expect_str_eq(rep->status->principal, "p2 partner:p2");
    cr_expect_str_eq(rep->status->db_path, "", "paths are for admins");
    regio__envelope__free_unpacked(rep, NULL);
    rep = s_ok(s_cap, &q, "status as admin");
    cr_expect_neq(strlen(rep->status->db_path), 0, "an admin sees the path");
    cr_expect_eq(strlen(rep->status->store_id), 32, "a store id of 16 random bytes");
    regio__envelope__free_unpacked(rep, NULL);
}
