/* test_curve - key files, CURVE sockets and the ZAP handler, on loopback. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <uv.h>
#include <zmq.h>

#include "regio/curve.h"
#include "regio/error.h"
#include "regio/file.h"
#include "regio/msg.h"

static char s_dir[] = "/tmp/regio-curve-XXXXXX";
static char s_err[512];

static void s_init(void)
{
    cr_assert_not_null(mkdtemp(s_dir));
}

static void s_fini(void)
{
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf %s", s_dir);
    cr_expect_eq(system(cmd), 0);
}

TestSuite(curve, .init = s_init, .fini = s_fini, .timeout = 30);

Test(curve, a_new_key_pair_reads_back_and_its_secret_is_private)
{
    regio_keypair_t kp, back;
    char path[256], pub[REGIO_KEY_TEXT + 1];
    cr_assert_eq(regio_keys_new(s_dir, "alice", &kp, s_err, sizeof s_err), 0, "%s", s_err);
    snprintf(path, sizeof path, "%s/alice.key", s_dir);
    struct stat st;
    cr_assert_eq(stat(path, &st), 0);
    cr_expect_eq(st.st_mode & 0777, 0600, "mode %o", st.st_mode & 0777);
    cr_assert_eq(regio_keys_read_secret(path, &back, s_err, sizeof s_err), 0, "%s", s_err);
    cr_expect_str_eq(back.public_key, kp.public_key, "the public key is derived from the secret");
    snprintf(path, sizeof path, "%s/alice.pub", s_dir);
    cr_assert_eq(regio_keys_read_public(path, pub, s_err, sizeof s_err), 0);
    cr_expect_str_eq(pub, kp.public_key);
    cr_expect_eq(regio_keys_new(s_dir, "alice", &kp, s_err, sizeof s_err), REGIO_EDUPLICATE,
                 "an existing key pair is never overwritten");
}

Test(curve, a_file_that_is_not_one_key_is_refused)
{
    char path[256], pub[REGIO_KEY_TEXT + 1];
    snprintf(path, sizeof path, "%s/bad.pub", s_dir);
    const char *bad[] = {"", "tooshort\n", "rq:rM>}U?@Lns47E1%kR.o@n%FcmmsL/@{H8]yf7\nsecond line\n"};
    for (size_t i = 0; i < 3; i++) {
        cr_assert_eq(regio_file_write_atomic(path, bad[i], strlen(bad[i])), 0);
        cr_expect_eq(regio_keys_read_public(path, pub, s_err, sizeof s_err), REGIO_EINVALID, "%zu", i);
    }
    snprintf(path, sizeof path, "%s/none.pub", s_dir);
    cr_expect_lt(regio_keys_read_public(path, pub, s_err, sizeof s_err), 0);
    cr_expect_not_null(strstr(s_err, "none.pub"), "%s", s_err);
}

/* ZAP: a server admitting only `known` --------------------------------- */

static regio_keypair_t s_server, s_known, s_stranger;
static regio_principal_t s_known_p;

static const regio_principal_t *s_find(void *arg, const char *key)
{
    return strcmp(key, s_known.public_key) == 0 ? &s_known_p : NULL;
}

static long s_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1000L + ts.tv_nsec / 1000000L;
}

/* Send "ping" from a client with kp; run the loop and read the server side
 * until deadline_ms. Returns 1 and the sender's key in key when it arrived. */
static int s_ping(void *ctx, uv_loop_t *loop, void *router, const char *ep, regio_keypair_t *kp,
                  char key[41], int deadline_ms)
{
    void *c = zmq_socket(ctx, ZMQ_DEALER);
    int zero = 0;
    zmq_setsockopt(c, ZMQ_LINGER, &zero, sizeof zero);
    regio_curve_t cv = {kp, s_server.public_key, NULL};
    cr_assert_eq(regio_curve_apply(c, &cv, 0), 0);
    cr_assert_eq(zmq_connect(c, ep), 0);
    Regio__StatusRequest sr = REGIO__STATUS_REQUEST__INIT;
    regio_envelope_t env = REGIO__ENVELOPE__INIT;
    env.body_case = REGIO__ENVELOPE__BODY_STATUS_REQUEST;
    env.status_request = &sr;
    regio_msg_send(c, NULL, 0, &env);
    int got = 0;
    for (long end = s_ms() + deadline_ms; !got && s_ms() < end;) {
        uv_run(loop, UV_RUN_NOWAIT);
        regio_msg_t m;
        if (regio_msg_recv(router, 1, &m) == 0) {
            memcpy(key, m.key, sizeof m.key);
            got = m.env != NULL;
            regio_msg_clear(&m);
        } else {
            usleep(2000);
        }
    }
    zmq_close(c);
    return got;
}

Test(curve, only_listed_keys_complete_a_handshake_and_their_key_comes_with_each_message)
{
    void *ctx = zmq_ctx_new();
    uv_loop_t loop;
    uv_loop_init(&loop);
    cr_assert_eq(zmq_curve_keypair(s_server.public_key, s_server.secret_key), 0);
    cr_assert_eq(zmq_curve_keypair(s_known.public_key, s_known.secret_key), 0);
    cr_assert_eq(zmq_curve_keypair(s_stranger.public_key, s_stranger.secret_key), 0);
    snprintf(s_known_p.name, sizeof s_known_p.name, "known");
    s_known_p.role = REGIO_ROLE_COORDINATOR;
    regio_zap_t *zap;
    cr_assert_eq(regio_zap_start(&zap, &loop, ctx, s_find, NULL), 0);
    void *router = zmq_socket(ctx, ZMQ_ROUTER);
    int zero = 0;
    zmq_setsockopt(router, ZMQ_LINGER, &zero, sizeof zero);
    regio_curve_t sv = {&s_server, NULL, REGIO_ZAP_REQUESTS};
    cr_assert_eq(regio_curve_apply(router, &sv, 1), 0);
    cr_assert_eq(zmq_bind(router, "tcp://127.0.0.1:*"), 0);
    char ep[64];
    size_t len = sizeof ep;
    zmq_getsockopt(router, ZMQ_LAST_ENDPOINT, ep, &len);

    char key[41] = "";
    cr_expect(s_ping(ctx, &loop, router, ep, &s_known, key, 5000), "a listed key gets through");
    cr_expect_str_eq(key, s_known.public_key, "its key is the message's User-Id");
    cr_expect_not(s_ping(ctx, &loop, router, ep, &s_stranger, key, 500), "a stranger does not");
    cr_expect_geq(regio_zap_refused(zap), 1);

    zmq_close(router);
    regio_zap_close(zap);
    uv_run(&loop, UV_RUN_NOWAIT);
    regio_zap_destroy(&zap);
    zmq_ctx_term(ctx);
    uv_loop_close(&loop);
}
