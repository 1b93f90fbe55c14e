/* ctl - what every regioctl command shares: endpoints, connections, errors.
 *
 * Exit codes are part of the interface (scripts switch on them):
 *   0 done, 1 a service refused or did not answer, 2 bad usage or input,
 *   3 the notifier's history was trimmed (fetch a snapshot).
 * Every failure prints exactly one line "regioctl: <command>: <why>" to
 * stderr; output meant for people goes to stdout.
 */
#ifndef REGIOCTL_CTL_H
#define REGIOCTL_CTL_H

#include <stddef.h>
#include <stdint.h>

#include "regio/curve.h"
#include "regio/msg.h"

enum {
    REGIOCTL_EXIT_OK = 0,
    REGIOCTL_EXIT_SERVICE = 1,  /* refused, timed out, unreachable */
    REGIOCTL_EXIT_USAGE = 2,    /* bad flags, arguments or input file */
    REGIOCTL_EXIT_SNAPSHOT = 3, /* ERROR_SNAPSHOT_NEEDED from the notifier */
};

#define REGIOCTL_DEFAULT_TIMEOUT_MS 10000
#define REGIOCTL_ERR_MAX 512

/* Global settings of one run; filled by main from env and flags. */
typedef struct {
    const char *registry;     /* registry ROUTER endpoint */
    const char *capacity;     /* capacity ROUTER endpoint */
    const char *planner;      /* planner ROUTER endpoint */
    const char *notifier;     /* notifier ROUTER endpoint (replay) */
    const char *notifier_pub; /* notifier PUB endpoint (live notifications) */
    int timeout_ms;           /* per request, or idle time for subscribe */
    int timeout_set;          /* 1 when --timeout-ms was given explicitly */
    const char *cmd;          /* current subcommand, prefixes messages */
    void *zctx;               /* ZeroMQ context, owned */
    const char *keys;         /* folder of the services' public keys (REGIO_KEYS) */
    const char *key;          /* own secret key file (REGIO_KEY; default <keys>/admin.key) */
    int insecure;             /* plain ZeroMQ, for services run with --insecure */
    regio_keypair_t kp;       /* own keys, read for each connection */
} regioctl_t;

/* A DEALER (or SUB) connected to one service, named for messages. */
typedef struct {
    void *sock;           /* owned; closed by regioctl_conn_close */
    void *monitor;        /* PAIR reading sock's handshake events, owned (or NULL) */
    const char *name;     /* "registry", ... (borrowed, static) */
    const char *endpoint; /* borrowed from regioctl_t */
} regioctl_conn_t;

/* Print "regioctl: <cmd>: <message>" to stderr and return code, so a
 * command can `return regioctl_fail(c, 2, ...)`. Can't fail. */
int regioctl_fail(const regioctl_t *c, int code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Open a socket of type (ZMQ_DEALER or ZMQ_SUB) connected to endpoint, with
 * linger 0 and generous high-water marks: a CURVE client with the run's key
 * that trusts only <keys>/<peer>.pub (peer: "registry", "capacity",
 * "planner", "notifier"), unless c->insecure. name is for messages.
 * Returns 0, or an exit code after printing why (a malformed endpoint or a
 * missing key file is a usage error; endpoints as regio_config_check_endpoint
 * judges them). */
int regioctl_conn_open(regioctl_t *c, regioctl_conn_t *k, const char *peer, const char *name,
                       const char *endpoint, int type);

/* Why nothing came back, from k's handshake events: writes a sentence and
 * returns 1 when the service refused our key or the handshake failed, 0
 * when the events say nothing (then the service may simply be down). */
int regioctl_conn_why(regioctl_conn_t *k, char *out, size_t n);

/* Close k's socket; accepts a closed k. */
void regioctl_conn_close(regioctl_conn_t *k);

/* Describe an error body as one line: "<reason> (<code name>)", prefixed
 * with "<ref>: " when the reason does not mention ref. Can't fail. */
void regioctl_error_text(const Regio__Error *e, char *out, size_t n);

/* Whether an error body asks to try again later (BUSY, NOT_READY). */
int regioctl_error_retryable(const Regio__Error *e);

/* Send req and wait for its reply with body want, retrying BUSY and
 * NOT_READY answers (after retry_after_ms) until timeout_ms has passed.
 * On 0, *reply is the caller's (free with regio__envelope__free_unpacked).
 * Otherwise err holds one line (service named, error code in brackets) and
 * the return value is the exit code: 1, or 3 for SNAPSHOT_NEEDED. */
int regioctl_call(regioctl_conn_t *k, regio_envelope_t *req, Regio__Envelope__BodyCase want,
                  regio_envelope_t **reply, int timeout_ms, char *err, size_t errlen);

/* As regioctl_call, printing err through regioctl_fail on failure. */
int regioctl_request(const regioctl_t *c, regioctl_conn_t *k, regio_envelope_t *req,
                     Regio__Envelope__BodyCase want, regio_envelope_t **reply, int timeout_ms);

/* Monotonic milliseconds (for deadlines) and wall-clock unix ms. */
int64_t regioctl_now_ms(void);
uint64_t regioctl_unix_ms(void);

/* Strict number parsing: the whole string must be the number. Return 0 or
 * -1 when s is not one (or is out of [min, max] for the int form). */
int regioctl_parse_u64(const char *s, uint64_t *out);
int regioctl_parse_int(const char *s, long min, long max, long *out);
int regioctl_parse_double(const char *s, double *out);

/* Whether arg is option name, alone or as "name=value". */
int regioctl_opt_is(const char *arg, const char *name);

/* The value of option argv[*i] ("--name value" or "--name=value"):
 * advances *i past a separate value. Returns NULL after printing a usage
 * error when the value is missing. */
const char *regioctl_opt_value(const regioctl_t *c, int argc, char **argv, int *i);

#endif
