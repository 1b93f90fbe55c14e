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

typedef struct regio_service_s regio_service_t;
typedef void (*regio_service_stop_cb)(regio_service_t *svc, void *arg);

struct regio_service_s {
    uv_loop_t loop;
    void *zctx;                   /* ZeroMQ context, owned */
    uv_signal_t sig_term, sig_int;
    regio_service_stop_cb on_stop;
    void *arg;
    int stopping;                 /* a stop was requested */
    uint64_t start_ms;            /* for uptime */
};

/* Set up loop, context and signal handlers; on_stop runs once on the first
 * SIGTERM/SIGINT or regio_service_stop. Returns 0 or a negative code. */
int regio_service_init(regio_service_t *svc, regio_service_stop_cb on_stop, void *arg);

/* Create a socket of type (ZMQ_ROUTER, ZMQ_PUB, ...) and bind it
 * (bind = 1) or connect it to endpoint. Sets linger 0 and the given
 * high-water marks (0 = libzmq default). Returns 0 or -errno with *sock NULL. */
int regio_service_socket(regio_service_t *svc, int type, const char *endpoint, int bind, int hwm,
                         void **sock);

/* Run the loop until it has nothing left (after stop). Returns 0. */
int regio_service_run(regio_service_t *svc);

/* Ask the service to stop (as a signal would). Can't fail. */
void regio_service_stop(regio_service_t *svc);

/* Milliseconds since init. */
uint64_t regio_service_uptime_ms(const regio_service_t *svc);

/* Tear down context and loop; call after run returned and every socket the
 * service made is closed. */
void regio_service_close(regio_service_t *svc);

/* What a service's main() hands to regio_service_main. */
typedef struct {
    const char *name;                    /* "registry": log component, messages */
    const regio_config_entry_t *table;   /* settings table bound to the config */
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
 * stop, 1 when start-up failed. */
int regio_service_main(const regio_service_def_t *def, int argc, char **argv);

/* Wall clock in unix milliseconds. */
int64_t regio_now_ms(void);

#endif
