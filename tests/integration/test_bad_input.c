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
#include "regio/limits.h"
#include "regio/msg.h"

static pid_t s_pids[4];
static void *s_ctx;
static void *s_notif_planner, *s_cap_p2; /* as the planner's key, as partner p2 */
static char s_keys[600];
static const char *s_names[] = {"admin", "registry", "capacity", "planner", "notifier", "p2"};
static const char *s_roles[] = {"admin", "service:registry", "service:capacity",
                                "service:planner", "service:notifier", "partner:p2"};
static regio_keypair_t s_kp[6];
static void *s_reg, *s_cap, *s_plan, *s_notif;
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

/* Send env (the same envelope: a retry) while the answer is ERROR_NOT_READY,
 * for up to 10 s; returns the final reply. */
static regio_envelope_t *s_final(void *sock, regio_envelope_t *env, const char *what)
{
    for (int i = 0; i < 200; i++) {
        regio_envelope_t *rep = NULL;
        cr_assert_eq(regio_msg_request(sock, env, &rep, 5000), 0, "%s: no reply", what);
        if (rep->body_case != REGIO__ENVELOPE__BODY_ERROR ||
            rep->error->code != REGIO__ERROR_CODE__ERROR_NOT_READY)
            return rep;
        cr_assert_gt(rep->error->retry_after_ms, 0, "%s: NOT_READY with a retry hint", what);
        regio__envelope__free_unpacked(rep, NULL);
        usleep(50000);
    }
    cr_assert_fail("%s: still NOT_READY after 10 s", what);
    return NULL;
}

/* As s_expect_error, for an answer that may first be ERROR_NOT_READY. */
static void s_expect_final_error(void *sock, regio_envelope_t *env, Regio__ErrorCode code,
                                 const char *what)
{
    regio_envelope_t *rep = s_final(sock, env, what);
    cr_assert_eq(rep->body_case, REGIO__ENVELOPE__BODY_ERROR, "%s: expected an error reply", what);
    cr_expect_eq(rep->error->code, code, "%s: code %d, want %d (%s)", what, rep->error->code, code,
                 rep->error->reason);
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

/* One write of each kind, valid, in storage that outlives the call: a test
 * changes a field and sends env. Strings are borrowed. */
typedef struct {
    regio_envelope_t env;
    Regio__Partner partner;
    Regio__PutPartner put_partner;
    Regio__Offering offering;
    Regio__PutOffering put_offering;
    Regio__Learner learner;
    Regio__PutLearner put_learner;
} s_write_t;

static regio_envelope_t *s_put_partner(s_write_t *w, const char *id)
{
    regio__partner__init(&w->partner);
    w->partner.id = (char *)id;
    w->partner.kind = REGIO__PARTNER_KIND__KIND_BUSINESS;
    w->partner.name = "Warehouse";
    w->partner.lat = 51.6;
    w->partner.lon = 4.8;
    regio__put_partner__init(&w->put_partner);
    w->put_partner.partner = &w->partner;
    regio__envelope__init(&w->env);
    w->env.body_case = REGIO__ENVELOPE__BODY_PUT_PARTNER;
    w->env.put_partner = &w->put_partner;
    return &w->env;
}

static regio_envelope_t *s_put_offering(s_write_t *w, const char *id, const char *partner)
{
    regio__offering__init(&w->offering);
    w->offering.id = (char *)id;
    w->offering.partner = (char *)partner;
    w->offering.form = "simulatie";
    w->offering.lat = 51.6;
    w->offering.lon = 4.8;
    regio__put_offering__init(&w->put_offering);
    w->put_offering.offering = &w->offering;
    regio__envelope__init(&w->env);
    w->env.body_case = REGIO__ENVELOPE__BODY_PUT_OFFERING;
    w->env.put_offering = &w->put_offering;
    return &w->env;
}

static regio_envelope_t *s_put_learner(s_write_t *w, const char *id)
{
    regio__learner__init(&w->learner);
    w->learner.id = (char *)id;
    w->learner.school = "s1";
    w->learner.qualification = "25472";
    w->learner.age = 17;
    w->learner.lat = 51.6;
    w->learner.lon = 4.8;
    w->learner.max_km = 10;
    w->learner.dagdelen = 2;
    regio__put_learner__init(&w->put_learner);
    w->put_learner.learner = &w->learner;
    regio__envelope__init(&w->env);
    w->env.body_case = REGIO__ENVELOPE__BODY_PUT_LEARNER;
    w->env.put_learner = &w->put_learner;
    return &w->env;
}

/* Pack env and turn every 'Z' of the packed bytes into a 0 byte: protobuf-c
 * cannot pack a string holding a NUL, a hostile peer can send one. */
static size_t s_pack_with_nul(const regio_envelope_t *env, uint8_t *buf, size_t cap)
{
    cr_assert_leq(regio__envelope__get_packed_size(env), cap);
    size_t n = regio__envelope__pack(env, buf);
    for (size_t i = 0; i < n; i++)
        if (buf[i] == 'Z')
            buf[i] = 0;
    return n;
}

static void s_setup(void)
{
    cr_assert_not_null(mkdtemp(s_dir));
    s_pick_ports();
    s_make_keys();
    char *reg[] = {"--router", s_ep(1), "--pub", s_ep(2), NULL};
    char *cap[] = {"--router", s_ep(11), "--pub", s_ep(12), "--registry-router", s_ep(1),
                   "--registry-pub", s_ep(2), NULL};
    char *notif[] = {"--router", s_ep(31), "--pub", s_ep(32), NULL};
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
    s_write_t w;
    regio__envelope__free_unpacked(s_ok(s_reg, s_put_partner(&w, "p1"), "partner"), NULL);
    regio_envelope_t *rep = s_ok(s_reg, s_put_offering(&w, "o1", "p1"), "offering");
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
    s_expect_final_error(s_cap, &env, REGIO__ERROR_CODE__ERROR_UNKNOWN_ID, "unknown offering");
    s_update(&u, "u1", "o1", "P9", seats, 10, 1);
    s_expect_final_error(s_cap, &env, REGIO__ERROR_CODE__ERROR_UNKNOWN_ID, "unknown period");
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

static void s_exception(Regio__CapacityException *x, const char *id, const char *off,
                        const char *date, uint32_t closed)
{
    regio__capacity_exception__init(x);
    x->update_id = (char *)id;
    x->offering = (char *)off;
    x->date = (char *)date;
    x->slots_closed = closed;
    x->reason = "inventory";
}

Test(bad_input, closures_need_real_calendar_dates)
{
    s_seed_registry();
    Regio__CapacityException x;
    regio_envelope_t env = REGIO__ENVELOPE__INIT;
    env.body_case = REGIO__ENVELOPE__BODY_CAPACITY_EXCEPTION;
    env.capacity_exception = &x;
    uint64_t seq0 = s_status_seq(s_cap);
    const char *bad[] = {"2026-02-29", "2100-02-29", "2026-04-31", "2026-13-01", "2026-12-7"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        s_exception(&x, "x1", "o1", bad[i], 3);
        s_expect_error(s_cap, &env, REGIO__ERROR_CODE__ERROR_INVALID, bad[i]);
    }
    cr_expect_eq(s_status_seq(s_cap), seq0, "no impossible date was stored");
    s_exception(&x, "x1", "o1", "2028-02-29", 3);
    regio__envelope__free_unpacked(s_ok(s_cap, &env, "a leap day"), NULL);
}

Test(bad_input, lists_and_texts_past_their_limits_are_out_of_range_and_name_the_limit)
{
    s_seed_registry();
    uint64_t seq0 = s_status_seq(s_reg);
    static char *sectors[1000000];
    for (size_t i = 0; i < sizeof sectors / sizeof sectors[0]; i++)
        sectors[i] = "x";
    s_write_t w;
    regio_envelope_t *env = s_put_partner(&w, "p1");
    w.partner.sectors = sectors;
    w.partner.n_sectors = 1000000;
    regio_envelope_t *rep = NULL;
    cr_assert_eq(regio_msg_request(s_reg, env, &rep, 10000), 0);
    cr_assert_eq(rep->body_case, REGIO__ENVELOPE__BODY_ERROR, "a million sectors accepted");
    cr_expect_eq(rep->error->code, REGIO__ERROR_CODE__ERROR_OUT_OF_RANGE, "%s", rep->error->reason);
    char want[64];
    snprintf(want, sizeof want, "at most %d", REGIO_MAX_SECTORS);
    cr_expect(strstr(rep->error->reason, "sectors") && strstr(rep->error->reason, want), "%s",
              rep->error->reason);
    regio__envelope__free_unpacked(rep, NULL);
    char name[REGIO_NAME_MAX + 2];
    memset(name, 'n', sizeof name - 1);
    name[sizeof name - 1] = '\0';
    w.partner.n_sectors = 0;
    w.partner.name = name;
    s_expect_error(s_reg, env, REGIO__ERROR_CODE__ERROR_OUT_OF_RANGE, "a name too long");
    cr_expect_eq(s_status_seq(s_reg), seq0, "nothing was written");

    Regio__Need needs[REGIO_MAX_NEEDS + 1], *np[REGIO_MAX_NEEDS + 1];
    char goals[REGIO_MAX_NEEDS + 1][8];
    for (int i = 0; i <= REGIO_MAX_NEEDS; i++) {
        regio__need__init(&needs[i]);
        snprintf(goals[i], sizeof goals[i], "G%d", i);
        needs[i].goal = goals[i];
        np[i] = &needs[i];
    }
    env = s_put_learner(&w, "l1");
    w.learner.needs = np;
    w.learner.n_needs = REGIO_MAX_NEEDS + 1;
    s_expect_error(s_plan, env, REGIO__ERROR_CODE__ERROR_OUT_OF_RANGE, "too many needs");
}

Test(bad_input, an_offering_at_a_site_its_partner_does_not_have_is_unknown_id)
{
    s_seed_registry();
    uint64_t seq0 = s_status_seq(s_reg);
    s_write_t w;
    regio_envelope_t *env = s_put_offering(&w, "o2", "p1");
    w.offering.site = "dock-9";
    s_expect_error(s_reg, env, REGIO__ERROR_CODE__ERROR_UNKNOWN_ID, "site dock-9 of p1");
    cr_expect_eq(s_status_seq(s_reg), seq0, "nothing was written");
}

Test(bad_input, notify_batches_and_closure_reasons_are_bounded)
{
    static Regio__PlacementChange c[REGIO_MAX_NOTIFY_CHANGES + 1];
    static Regio__PlacementChange *cp[REGIO_MAX_NOTIFY_CHANGES + 1];
    for (int i = 0; i <= REGIO_MAX_NOTIFY_CHANGES; i++) {
        regio__placement_change__init(&c[i]);
        c[i].learner = "l1";
        c[i].school = "s1";
        c[i].period = "P1";
        cp[i] = &c[i];
    }
    Regio__NotifyBatch b = REGIO__NOTIFY_BATCH__INIT;
    b.first_source_seq = 1;
    b.changes = cp;
    b.n_changes = REGIO_MAX_NOTIFY_CHANGES + 1;
    regio_envelope_t env = REGIO__ENVELOPE__INIT;
    env.body_case = REGIO__ENVELOPE__BODY_NOTIFY_BATCH;
    env.notify_batch = &b;
    s_expect_error(s_notif_planner, &env, REGIO__ERROR_CODE__ERROR_OUT_OF_RANGE, "too many changes");
    uint32_t slots[11] = {0};
    c[0].slots = slots;
    c[0].n_slots = 11;
    b.n_changes = 1;
    s_expect_error(s_notif_planner, &env, REGIO__ERROR_CODE__ERROR_OUT_OF_RANGE, "11 slots");
    cr_expect_eq(s_status_seq(s_notif), 0, "nothing logged");

    s_seed_registry();
    char reason[REGIO_REASON_MAX + 2];
    memset(reason, 'r', sizeof reason - 1);
    reason[sizeof reason - 1] = '\0';
    Regio__CapacityException x;
    s_exception(&x, "x1", "o1", "2026-12-07", 3);
    x.reason = reason;
    env.body_case = REGIO__ENVELOPE__BODY_CAPACITY_EXCEPTION;
    env.capacity_exception = &x;
    s_expect_error(s_cap, &env, REGIO__ERROR_CODE__ERROR_OUT_OF_RANGE, "a reason too long");
}

/* Send raw frame bytes; the reply must be an error with code, correlated
 * with want_id. */
static void s_raw_error(void *sock, const void *frame, size_t len, uint64_t want_id,
                        Regio__ErrorCode code, const char *what)
{
    cr_assert_eq(zmq_send(sock, frame, len, 0), (int)len);
    zmq_pollitem_t it = {sock, 0, ZMQ_POLLIN, 0};
    cr_assert_eq(zmq_poll(&it, 1, 5000), 1, "%s: no reply", what);
    regio_msg_t m;
    cr_assert_eq(regio_msg_recv(sock, 0, &m), 0);
    cr_assert_not_null(m.env, "%s: reply does not decode", what);
    cr_expect_eq(m.env->correlation_id, want_id, "%s: correlation id %llu", what,
                 (unsigned long long)m.env->correlation_id);
    cr_assert_eq(m.env->body_case, REGIO__ENVELOPE__BODY_ERROR, "%s", what);
    cr_expect_eq(m.env->error->code, code, "%s: code %d (%s)", what, m.env->error->code,
                 m.env->error->reason);
    regio_msg_clear(&m);
}

Test(bad_input, an_undecodable_frame_is_answered_under_the_id_it_starts_with)
{
    /* id 4242 (varint 92 21), then put_partner (field 21) cut short */
    const uint8_t junk[] = {0x08, 0x92, 0x21, 0xaa, 0x01, 0x7f};
    void *socks[] = {s_reg, s_cap, s_plan, s_notif};
    for (int i = 0; i < 4; i++)
        s_raw_error(socks[i], junk, sizeof junk, 4242, REGIO__ERROR_CODE__ERROR_BAD_MESSAGE,
                    "cut-short frame");
    const uint8_t noid[] = {0xaa, 0x01, 0x7f};
    s_raw_error(s_reg, noid, sizeof noid, 0, REGIO__ERROR_CODE__ERROR_BAD_MESSAGE,
                "a frame without a leading id");
}

Test(bad_input, an_envelope_without_a_body_is_a_bad_message_everywhere)
{
    regio_envelope_t env = REGIO__ENVELOPE__INIT; /* id and nothing else */
    void *socks[] = {s_reg, s_cap, s_plan, s_notif};
    for (int i = 0; i < 4; i++)
        s_expect_error(socks[i], &env, REGIO__ERROR_CODE__ERROR_BAD_MESSAGE, "no body");
}

Test(bad_input, a_string_with_a_nul_byte_is_refused_and_overwrites_nothing)
{
    s_seed_registry();
    uint64_t seq0 = s_status_seq(s_reg);
    s_write_t w;
    regio_envelope_t *env = s_put_partner(&w, "p1Zevil"); /* "p1" to protobuf-c */
    w.partner.name = "Overwritten";
    env->id = 777;
    uint8_t buf[256];
    size_t n = s_pack_with_nul(env, buf, sizeof buf);
    s_raw_error(s_reg, buf, n, 777, REGIO__ERROR_CODE__ERROR_INVALID, "partner id with a NUL");
    cr_expect_eq(s_status_seq(s_reg), seq0, "p1 was not overwritten");
    Regio__RegistrySnapshotRequest rq = REGIO__REGISTRY_SNAPSHOT_REQUEST__INIT;
    regio_envelope_t q = REGIO__ENVELOPE__INIT;
    q.body_case = REGIO__ENVELOPE__BODY_REGISTRY_SNAPSHOT_REQUEST;
    q.registry_snapshot_request = &rq;
    regio_envelope_t *snap = s_ok(s_reg, &q, "snapshot");
    cr_assert_eq(snap->registry_snapshot->n_partners, 1);
    cr_expect_str_eq(snap->registry_snapshot->partners[0]->name, "Warehouse");
    regio__envelope__free_unpacked(snap, NULL);

    Regio__CapacityUpdate u;
    uint32_t seats[10] = {1, 1, 1, 1, 1, 1, 1, 1, 1, 1};
    s_update(&u, "u1", "o1Zx", "P1", seats, 10, 1);
    env->body_case = REGIO__ENVELOPE__BODY_CAPACITY_UPDATE;
    env->capacity_update = &u;
    n = s_pack_with_nul(env, buf, sizeof buf);
    s_raw_error(s_cap, buf, n, 777, REGIO__ERROR_CODE__ERROR_INVALID, "offering with a NUL");
}

/* Send env; it must be acked with ref. */
static void s_expect_ack_ref(void *sock, regio_envelope_t *env, const char *ref)
{
    regio_envelope_t *rep = s_ok(sock, env, ref);
    cr_assert_eq(rep->body_case, REGIO__ENVELOPE__BODY_ACK);
    cr_expect_str_eq(rep->ack->ref, ref, "Ack.ref names the id acknowledged");
    regio__envelope__free_unpacked(rep, NULL);
}

Test(bad_input, acks_name_the_id_they_acknowledge)
{
    s_seed_registry();
    s_write_t w;
    s_expect_ack_ref(s_reg, s_put_partner(&w, "p7"), "p7");
    s_expect_ack_ref(s_reg, s_put_offering(&w, "o7", "p7"), "o7");
    Regio__WithdrawOffering wd = REGIO__WITHDRAW_OFFERING__INIT;
    wd.id = "o7";
    w.env.body_case = REGIO__ENVELOPE__BODY_WITHDRAW_OFFERING;
    w.env.withdraw_offering = &wd;
    s_expect_ack_ref(s_reg, &w.env, "o7");
    s_expect_ack_ref(s_plan, s_put_learner(&w, "l7"), "l7");
    Regio__RemoveLearner rl = REGIO__REMOVE_LEARNER__INIT;
    rl.id = "l7";
    w.env.body_case = REGIO__ENVELOPE__BODY_REMOVE_LEARNER;
    w.env.remove_learner = &rl;
    s_expect_ack_ref(s_plan, &w.env, "l7");
}

static uint64_t s_unix_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

Test(bad_input, versions_far_ahead_of_the_clock_are_out_of_range)
{
    s_seed_registry();
    uint32_t seats[10] = {1, 1, 1, 1, 1, 1, 1, 1, 1, 1};
    Regio__CapacityUpdate u;
    regio_envelope_t env = REGIO__ENVELOPE__INIT;
    env.body_case = REGIO__ENVELOPE__BODY_CAPACITY_UPDATE;
    env.capacity_update = &u;
    uint64_t seq0 = s_status_seq(s_cap);
    /* nanoseconds, as regio-load once sent: a million times ahead */
    s_update(&u, "u-ns", "o1", "P1", seats, 10, s_unix_ms() * 1000000);
    regio_envelope_t *rep = NULL;
    cr_assert_eq(regio_msg_request(s_cap, &env, &rep, 5000), 0);
    cr_assert_eq(rep->body_case, REGIO__ENVELOPE__BODY_ERROR, "a version from the far future");
    cr_expect_eq(rep->error->code, REGIO__ERROR_CODE__ERROR_OUT_OF_RANGE);
    cr_expect(strstr(rep->error->reason, "version-skew-ms 300000"), "%s", rep->error->reason);
    regio__envelope__free_unpacked(rep, NULL);
    s_update(&u, "u-10min", "o1", "P1", seats, 10, s_unix_ms() + 10 * 60 * 1000);
    s_expect_error(s_cap, &env, REGIO__ERROR_CODE__ERROR_OUT_OF_RANGE, "10 minutes ahead");
    cr_expect_eq(s_status_seq(s_cap), seq0, "the key is not blocked");
    s_update(&u, "u-1min", "o1", "P1", seats, 10, s_unix_ms() + 60 * 1000);
    regio__envelope__free_unpacked(s_ok(s_cap, &env, "a minute ahead is within the skew"), NULL);
}

Test(bad_input, an_equal_version_is_a_duplicate_with_the_same_seats_and_stale_with_others)
{
    s_seed_registry();
    uint32_t seats[10] = {2, 2, 2, 2, 2, 2, 2, 2, 2, 2};
    Regio__CapacityUpdate u;
    regio_envelope_t env = REGIO__ENVELOPE__INIT;
    env.body_case = REGIO__ENVELOPE__BODY_CAPACITY_UPDATE;
    env.capacity_update = &u;
    s_update(&u, "v-first", "o1", "P1", seats, 10, 1000);
    regio_envelope_t *rep = s_ok(s_cap, &env, "first");
    uint64_t seq = rep->capacity_ack->seq;
    regio__envelope__free_unpacked(rep, NULL);
    s_update(&u, "v-again", "o1", "P1", seats, 10, 1000);
    for (int i = 0; i < 2; i++) { /* and its own retry */
        rep = s_ok(s_cap, &env, "same version, same seats, new id");
        cr_expect_eq(rep->capacity_ack->status, REGIO__ACK_STATUS__ACK_DUPLICATE);
        cr_expect_eq(rep->capacity_ack->version, 1000);
        cr_expect_eq(rep->capacity_ack->seq, seq, "nothing new was applied");
        regio__envelope__free_unpacked(rep, NULL);
    }
    seats[0] = 3;
    s_update(&u, "v-other", "o1", "P1", seats, 10, 1000);
    s_expect_error(s_cap, &env, REGIO__ERROR_CODE__ERROR_STALE_VERSION, "same version, other seats");
    cr_expect_eq(s_status_seq(s_cap), seq, "exactly one change");
}

/* The exceptions in the capacity service's snapshot. */
static size_t s_closures(void)
{
    Regio__CapacitySnapshotRequest rq = REGIO__CAPACITY_SNAPSHOT_REQUEST__INIT;
    regio_envelope_t q = REGIO__ENVELOPE__INIT;
    q.body_case = REGIO__ENVELOPE__BODY_CAPACITY_SNAPSHOT_REQUEST;
    q.capacity_snapshot_request = &rq;
    regio_envelope_t *snap = s_ok(s_cap, &q, "capacity snapshot");
    size_t n = snap->capacity_snapshot->n_exceptions;
    regio__envelope__free_unpacked(snap, NULL);
    return n;
}

/* The next CapacityChange on the capacity feed (heartbeats skipped). */
static regio_envelope_t *s_next_change(void *sub)
{
    for (int i = 0; i < 50; i++) {
        zmq_pollitem_t it = {sub, 0, ZMQ_POLLIN, 0};
        cr_assert_eq(zmq_poll(&it, 1, 5000), 1, "nothing published");
        regio_msg_t m;
        cr_assert_eq(regio_msg_recv(sub, 1, &m), 0);
        if (m.env && m.env->body_case == REGIO__ENVELOPE__BODY_CAPACITY_CHANGE)
            return m.env;
        regio_msg_clear(&m);
    }
    cr_assert_fail("no capacity change published");
    return NULL;
}

Test(bad_input, a_closure_is_undone_by_slots_closed_0_and_both_are_published)
{
    s_seed_registry();
    void *sub = zmq_socket(s_ctx, ZMQ_SUB);
    int zero = 0;
    zmq_setsockopt(sub, ZMQ_LINGER, &zero, sizeof zero);
    zmq_setsockopt(sub, ZMQ_SUBSCRIBE, "capacity", 8);
    regio_curve_t c = {&s_kp[0], s_kp[2].public_key, NULL}; /* admin, to capacity */
    cr_assert_eq(regio_curve_apply(sub, &c, 0), 0);
    cr_assert_eq(zmq_connect(sub, s_ep(12)), 0);
    regio_envelope_t *hb = NULL;
    while (!hb) { /* subscribed once a heartbeat arrives */
        zmq_pollitem_t it = {sub, 0, ZMQ_POLLIN, 0};
        cr_assert_eq(zmq_poll(&it, 1, 5000), 1, "no heartbeat");
        regio_msg_t m;
        cr_assert_eq(regio_msg_recv(sub, 1, &m), 0);
        hb = m.env;
    }
    regio__envelope__free_unpacked(hb, NULL);

    Regio__CapacityException x;
    regio_envelope_t env = REGIO__ENVELOPE__INIT;
    env.body_case = REGIO__ENVELOPE__BODY_CAPACITY_EXCEPTION;
    env.capacity_exception = &x;
    s_exception(&x, "close-1", "o1", "2026-12-07", 3);
    regio__envelope__free_unpacked(s_ok(s_cap, &env, "close"), NULL);
    cr_expect_eq(s_closures(), 1);
    regio_envelope_t *ch = s_next_change(sub);
    cr_expect_eq(ch->capacity_change->exception->slots_closed, 3);
    regio__envelope__free_unpacked(ch, NULL);

    s_exception(&x, "open-1", "o1", "2026-12-07", 0);
    regio_envelope_t *rep = s_ok(s_cap, &env, "open again");
    cr_expect_eq(rep->capacity_ack->status, REGIO__ACK_STATUS__ACK_APPLIED);
    regio__envelope__free_unpacked(rep, NULL);
    cr_expect_eq(s_closures(), 0, "the day is open again");
    ch = s_next_change(sub);
    cr_expect_str_eq(ch->capacity_change->exception->date, "2026-12-07");
    cr_expect_eq(ch->capacity_change->exception->slots_closed, 0, "the opening is published");
    regio__envelope__free_unpacked(ch, NULL);
    s_exception(&x, "x4", "o1", "2026-12-07", 4);
    s_expect_error(s_cap, &env, REGIO__ERROR_CODE__ERROR_OUT_OF_RANGE, "slots_closed 4");
    zmq_close(sub);
}

Test(bad_input, an_offering_just_acked_by_the_registry_is_never_unknown_to_capacity)
{
    s_seed_registry();
    uint32_t seats[10] = {1, 1, 1, 1, 1, 1, 1, 1, 1, 1};
    for (int i = 0; i < 30; i++) {
        char oid[32], uid[32];
        snprintf(oid, sizeof oid, "fresh-%d", i);
        snprintf(uid, sizeof uid, "u-fresh-%d", i);
        s_write_t w;
        regio__envelope__free_unpacked(s_ok(s_reg, s_put_offering(&w, oid, "p1"), oid), NULL);
        /* at once, as a client that just got the registry's ack would */
        Regio__CapacityUpdate u;
        s_update(&u, uid, oid, "P1", seats, 10, 1);
        w.env.body_case = REGIO__ENVELOPE__BODY_CAPACITY_UPDATE;
        w.env.capacity_update = &u;
        regio_envelope_t *rep = s_final(s_cap, &w.env, oid);
        cr_assert_eq(rep->body_case, REGIO__ENVELOPE__BODY_CAPACITY_ACK, "%s: %s", oid,
                     rep->error ? rep->error->reason : "");
        regio__envelope__free_unpacked(rep, NULL);
    }
}
