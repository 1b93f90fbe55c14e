/* service - the shared skeleton of a regio service process.
 *
 * A libuv loop, a ZeroMQ context, SIGTERM/SIGINT handling and socket set-up.
 * On a signal the service's stop callback runs on the loop thread, between
 * events, so no request is half-handled: it closes its watchers and timers,
 * the loop runs dry, and regio_service_run returns 0.
 */
#ifndef REGIO_SERVICE_H
#define REGIO_SERVICE_H

#include <stddef.h>
#include <stdint.h>
#include <uv.h>

#include "regio/config.h"
#include "regio/curve.h"
#include "regio/principal.h"

/* Who a service is and whom it admits: every service's config has these. */
typedef struct {
    char keys[REGIO_CONFIG_STR_MAX];       /* folder of the services' NAME.pub files */
    char key[REGIO_CONFIG_STR_MAX];        /* own secret key file ("" = <keys>/<name>.key) */
    char principals[REGIO_CONFIG_STR_MAX]; /* principals file ("" = <keys>/principals) */
    int insecure;                          /* no CURVE at all: every caller is admin */
} regio_security_config_t;

#define REGIO_SECURITY_CONFIG_ENTRIES(s)                                                           \
    {"keys", REGIO_CONFIG_STR, (s)->keys, "var/keys", 0, -1,                                      \
     "folder with the services' public keys (NAME.pub) and the principals file"},                 \
    {"key", REGIO_CONFIG_STR, (s)->key, "", 0, -1, "own secret key file (empty: <keys>/<name>.key)"}, \
    {"principals", REGIO_CONFIG_STR, (s)->principals, "", 0, -1,                                  \
     "who may call: lines 'KEY NAME ROLE' (empty: <keys>/principals); reloaded on SIGHUP"},       \
    {"insecure", REGIO_CONFIG_BOOL, &(s)->insecure, "no", 0, -1,                                  \
     "run without CURVE: anyone who reaches the ports is admin (tests of old clients only)"}

typedef struct regio_service_s regio_service_t;
typedef void (*regio_service_stop_cb)(regio_service_t *svc, void *arg);

struct regio_service_s {
    uv_loop_t loop;
    void *zctx;                   /* ZeroMQ context, owned */
    uv_signal_t sig_term, sig_int, sig_hup;
    regio_service_stop_cb on_stop;
    void *arg;
    int stopping;                 /* a stop was requested */
    uint64_t start_ms;            /* for uptime */
    const char *name;             /* "registry", ... (static) */
    int insecure;                 /* no CURVE: every caller is anonymous admin */
    regio_keypair_t kp;           /* own keys (unset when insecure) */
    char keys_dir[REGIO_CONFIG_STR_MAX];
    char principals_path[REGIO_CONFIG_STR_MAX];
    regio_principals_t *principals; /* who may call, owned; replaced on SIGHUP */
    regio_zap_t *zap;             /* answers CURVE handshakes, owned */
    uint64_t reloads;             /* successful principal reloads */
    int failed;                   /* stopped for a fault: the process exits 1 */
};

/* Set up loop, context and signal handlers; on_stop runs once on the first
 * SIGTERM/SIGINT or regio_service_stop. Returns 0 or a negative code. */
int regio_service_init(regio_service_t *svc, regio_service_stop_cb on_stop, void *arg);

/* Load the service's key and the principals, start answering CURVE
 * handshakes (ZAP) and reload the principals on SIGHUP. With sec->insecure
 * nothing is loaded and a warning is logged. Call after init, before any
 * socket binds. Returns 0 or a negative code with one line in err. */
int regio_service_secure(regio_service_t *svc, const char *name,
                         const regio_security_config_t *sec, char *err, size_t errlen);

/* The principal behind a received message's key (regio_msg_t.key), or NULL
 * when the key is not (or no longer) in the principals file; every key is
 * the anonymous admin when insecure. Valid until the next SIGHUP reload,
 * so only within the current loop callback. */
const regio_principal_t *regio_service_principal(const regio_service_t *svc, const char *key);

/* Create a server socket of type (ZMQ_ROUTER, ZMQ_PUB, ...) bound to
 * endpoint: a CURVE server whose ZAP domain (REGIO_ZAP_REQUESTS or
 * REGIO_ZAP_FEED) decides who may connect. Sets linger 0 and the given
 * high-water marks (0 = libzmq default). Returns 0 or -errno with *sock
 * NULL. */
int regio_service_bind(regio_service_t *svc, int type, const char *endpoint, int hwm,
                       const char *domain, void **sock);

/* Create a client socket (ZMQ_DEALER, ZMQ_SUB: subscribed to nothing yet)
 * connected to endpoint, a CURVE client that trusts only the public key in
 * <keys>/<peer>.pub. Returns 0 or a negative code with one line in err. */
int regio_service_connect(regio_service_t *svc, int type, const char *endpoint, int hwm,
                          const char *peer, void **sock, char *err, size_t errlen);

/* Run the loop until it has nothing left (after stop). Returns 0. */
int regio_service_run(regio_service_t *svc);

/* Ask the service to stop (as a signal would). Can't fail. */
void regio_service_stop(regio_service_t *svc);

/* Stop the service because it cannot go on (the caller has logged why):
 * as regio_service_stop, but the process exits with status 1, so a
 * supervisor restarts it. Can't fail. */
void regio_service_fail(regio_service_t *svc);

/* Milliseconds since init. */
uint64_t regio_service_uptime_ms(const regio_service_t *svc);

/* Tear down context and loop; call after run returned and every socket the
 * service made is closed. */
void regio_service_close(regio_service_t *svc);

/* What a service's main() hands to regio_service_main. */
typedef struct {
    const char *name;                    /* "registry": log component, messages */
    const regio_config_entry_t *table;   /* settings table bound to the config */
    const regio_security_config_t *sec;  /* the config's security settings */
    const char *log_level;               /* the config's log-level string */
    const int *dump_config;              /* the config's dump-config flag */
    /* Open the service on svc; *obj is its state. 0 or negative + err. */
    int (*create)(regio_service_t *svc, void **obj, char *err, size_t errlen);
    void (*stop)(void *obj);             /* begin a clean stop (on signal) */
    void (*destroy)(void **obj);         /* free after the loop ended */
} regio_service_def_t;

/* The whole life of a service process: parse settings (exit 2 on bad ones,
 * an unknown log-level included), set up logging, create, run until
 * SIGTERM/SIGINT, destroy. Returns the process exit status: 0 after a clean
 * stop, 1 when start-up failed or the service stopped itself with
 * regio_service_fail. */
int regio_service_main(const regio_service_def_t *def, int argc, char **argv);

/* Wall clock in unix milliseconds. */
int64_t regio_now_ms(void);

#endif
