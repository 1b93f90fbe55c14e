/* follow - a subscriber to the capacity service's change feed, for
 * bench/ingest.sh: the planner follows that feed in a running cluster, and
 * with CURVE every change it receives is a message encrypted for it.
 *
 *   regio-bench-follow [--insecure] [--pub EP] [--keys DIR]
 *
 * Subscribes to topic "capacity" on the capacity PUB socket (--pub, or
 * REGIO_CAPACITY_PUB, default tcp://127.0.0.1:7412), as the admin key of
 * REGIO_KEYS (or --keys) unless --insecure or REGIO_INSECURE=1, and decodes
 * every envelope, as a follower does, without keeping anything. Runs until
 * SIGTERM or SIGINT, then prints {"messages": N, "changes": C} and exits 0;
 * 2 on bad usage or keys.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zmq.h>

#include "regio/curve.h"
#include "regio/msg.h"

static volatile sig_atomic_t s_stop;

static void s_on_signal(int sig)
{
    (void)sig;
    s_stop = 1;
}

/* A SUB socket on ep, with CURVE as the admin of keys unless insecure. */
static void *s_subscribe(void *ctx, const char *ep, const char *keys, int insecure)
{
    regio_keypair_t kp;
    char server[REGIO_KEY_TEXT + 1], err[1024];
    regio_curve_t curve = {insecure ? NULL : &kp, server, NULL};
    if (!insecure && regio_keys_client(keys, NULL, "capacity", &kp, server, err, sizeof err) < 0) {
        fprintf(stderr, "regio-bench-follow: %s\n", err);
        return NULL;
    }
    void *sub = zmq_socket(ctx, ZMQ_SUB);
    int zero = 0, hwm = 1000000;
    zmq_setsockopt(sub, ZMQ_LINGER, &zero, sizeof zero);
    zmq_setsockopt(sub, ZMQ_RCVHWM, &hwm, sizeof hwm);
    zmq_setsockopt(sub, ZMQ_SUBSCRIBE, "capacity", 8);
    if (regio_curve_apply(sub, &curve, 0) < 0 || zmq_connect(sub, ep) < 0) {
        fprintf(stderr, "regio-bench-follow: cannot subscribe to %s\n", ep);
        zmq_close(sub);
        return NULL;
    }
    return sub;
}

int main(int argc, char **argv)
{
    const char *ep = getenv("REGIO_CAPACITY_PUB"), *keys = getenv("REGIO_KEYS");
    const char *ins = getenv("REGIO_INSECURE");
    int insecure = ins && strcmp(ins, "1") == 0;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--insecure"))
            insecure = 1;
        else if (!strcmp(argv[i], "--pub") && i + 1 < argc)
            ep = argv[++i];
        else if (!strcmp(argv[i], "--keys") && i + 1 < argc)
            keys = argv[++i];
        else {
            fprintf(stderr, "usage: regio-bench-follow [--insecure] [--pub EP] [--keys DIR]\n");
            return 2;
        }
    }
    signal(SIGTERM, s_on_signal);
    signal(SIGINT, s_on_signal);
    void *ctx = zmq_ctx_new();
    void *sub = s_subscribe(ctx, ep ? ep : "tcp://127.0.0.1:7412", keys ? keys : "var/keys", insecure);
    if (!sub) {
        zmq_ctx_term(ctx);
        return 2;
    }
    unsigned long long messages = 0, changes = 0;
    while (!s_stop) {
        zmq_pollitem_t it = {sub, 0, ZMQ_POLLIN, 0};
        if (zmq_poll(&it, 1, 200) <= 0)
            continue;
        regio_msg_t m;
        while (regio_msg_recv(sub, 1, &m) == 0) {
            messages++;
            if (m.env && m.env->body_case == REGIO__ENVELOPE__BODY_CAPACITY_CHANGE)
                changes++;
            else if (m.env && m.env->body_case == REGIO__ENVELOPE__BODY_CAPACITY_CHANGES)
                changes += m.env->capacity_changes->n_changes;
            regio_msg_clear(&m);
        }
    }
    printf("{\"messages\": %llu, \"changes\": %llu}\n", messages, changes);
    zmq_close(sub);
    zmq_ctx_term(ctx);
    return 0;
}
