/* ctl - connections, one-line errors and small parsers shared by commands. */
#include "ctl.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <zmq.h>

#include "regio/config.h"
#include "regio/error.h"

int regioctl_fail(const regioctl_t *c, int code, const char *fmt, ...)
{
    char line[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);
    if (c && c->cmd)
        fprintf(stderr, "regioctl: %s: %s\n", c->cmd, line);
    else
        fprintf(stderr, "regioctl: %s\n", line);
    return code;
}

/* The run's own key pair and the peer's public key, read from their files. */
static int s_curve(regioctl_t *c, const char *peer, char server[REGIO_KEY_TEXT + 1])
{
    char err[1024];
    if (regio_keys_client(c->keys, c->key, peer, &c->kp, server, err, sizeof err) < 0)
        return regioctl_fail(c, REGIOCTL_EXIT_USAGE, "%s (own key: --key FILE or REGIO_KEY, "
                             "default <keys>/admin.key; the services' .pub files: --keys DIR or "
                             "REGIO_KEYS, default var/keys; ./regio up makes them)", err);
    return 0;
}

int regioctl_conn_open(regioctl_t *c, regioctl_conn_t *k, const char *peer, const char *name,
                       const char *endpoint, int type)
{
    k->sock = NULL;
    k->monitor = NULL;
    k->name = name;
    k->endpoint = endpoint;
    char why[200];
    if (!endpoint || !endpoint[0])
        return regioctl_fail(c, REGIOCTL_EXIT_USAGE, "no endpoint for the %s", name);
    if (regio_config_check_endpoint(endpoint, why, sizeof why) < 0) /* ZeroMQ would wrap a port */
        return regioctl_fail(c, REGIOCTL_EXIT_USAGE, "%s endpoint %s", name, why);
    char server[REGIO_KEY_TEXT + 1];
    int rc = c->insecure ? 0 : s_curve(c, peer, server);
    if (rc != 0)
        return rc;
    void *s = zmq_socket(c->zctx, type);
    if (!s)
        return regioctl_fail(c, REGIOCTL_EXIT_SERVICE, "%s: %s", name, zmq_strerror(zmq_errno()));
    int linger = 0, hwm = 100000;
    zmq_setsockopt(s, ZMQ_LINGER, &linger, sizeof linger);
    zmq_setsockopt(s, ZMQ_SNDHWM, &hwm, sizeof hwm);
    zmq_setsockopt(s, ZMQ_RCVHWM, &hwm, sizeof hwm);
    regio_curve_t cv = {c->insecure ? NULL : &c->kp, server, NULL};
    if (regio_curve_apply(s, &cv, 0) < 0) {
        zmq_close(s);
        return regioctl_fail(c, REGIOCTL_EXIT_USAGE, "%s: bad CURVE keys", name);
    }
    char mon[64];
    snprintf(mon, sizeof mon, "inproc://regioctl-monitor-%p", (void *)k);
    if (zmq_socket_monitor(s, mon, ZMQ_EVENT_HANDSHAKE_FAILED_AUTH |
                           ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL |
                           ZMQ_EVENT_HANDSHAKE_FAILED_NO_DETAIL) == 0 &&
        (k->monitor = zmq_socket(c->zctx, ZMQ_PAIR)) != NULL) {
        zmq_setsockopt(k->monitor, ZMQ_LINGER, &linger, sizeof linger);
        if (zmq_connect(k->monitor, mon) != 0) {
            zmq_close(k->monitor);
            k->monitor = NULL;
        }
    }
    if (zmq_connect(s, endpoint) != 0) {
        int e = zmq_errno();
        zmq_close(s);
        return regioctl_fail(c, REGIOCTL_EXIT_USAGE, "%s endpoint '%s': %s", name, endpoint,
                             zmq_strerror(e));
    }
    k->sock = s;
    return 0;
}

int regioctl_conn_why(regioctl_conn_t *k, char *out, size_t n)
{
    int auth = 0, other = 0;
    uint32_t status = 0;
    for (;;) {
        zmq_msg_t ev, addr;
        zmq_msg_init(&ev);
        if (!k->monitor || zmq_msg_recv(&ev, k->monitor, ZMQ_DONTWAIT) < 0) {
            zmq_msg_close(&ev);
            break;
        }
        zmq_msg_init(&addr);
        if (zmq_msg_more(&ev))
            zmq_msg_recv(&addr, k->monitor, 0);
        if (zmq_msg_size(&ev) >= 6) {
            uint16_t id;
            memcpy(&id, zmq_msg_data(&ev), 2);
            if (id == ZMQ_EVENT_HANDSHAKE_FAILED_AUTH) {
                auth = 1;
                memcpy(&status, (char *)zmq_msg_data(&ev) + 2, 4);
            } else {
                other = 1;
            }
        }
        zmq_msg_close(&ev);
        zmq_msg_close(&addr);
    }
    if (auth)
        snprintf(out, n, "the %s at %s refused our key (ZAP status %u): it is not in the "
                 "service's principals file (regioctl keys new, then ./regio reload)",
                 k->name, k->endpoint, (unsigned)status);
    else if (other)
        snprintf(out, n, "the handshake with the %s at %s failed: the public key in the keys "
                 "folder is not the service's, or one side runs --insecure and the other not",
                 k->name, k->endpoint);
    return auth || other;
}

void regioctl_conn_close(regioctl_conn_t *k)
{
    if (k && k->sock) {
        zmq_close(k->sock);
        k->sock = NULL;
    }
    if (k && k->monitor) {
        zmq_close(k->monitor);
        k->monitor = NULL;
    }
}

void regioctl_error_text(const Regio__Error *e, char *out, size_t n)
{
    const char *reason = e->reason && e->reason[0] ? e->reason : "no reason given";
    const char *ref = e->ref ? e->ref : "";
    const char *code = regio_msg_error_name(e->code);
    if (ref[0] && !strstr(reason, ref))
        snprintf(out, n, "%s: %s (%s)", ref, reason, code);
    else
        snprintf(out, n, "%s (%s)", reason, code);
}

int regioctl_error_retryable(const Regio__Error *e)
{
    return e->code == REGIO__ERROR_CODE__ERROR_BUSY ||
           e->code == REGIO__ERROR_CODE__ERROR_NOT_READY;
}

static void s_sleep_ms(int ms)
{
    struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR) {
    }
}

int regioctl_call(regioctl_conn_t *k, regio_envelope_t *req, Regio__Envelope__BodyCase want,
                  regio_envelope_t **reply, int timeout_ms, char *err, size_t errlen)
{
    *reply = NULL;
    int64_t deadline = regioctl_now_ms() + timeout_ms;
    for (;;) {
        int64_t left = deadline - regioctl_now_ms();
        regio_envelope_t *r = NULL;
        int rc = left > 0 ? regio_msg_request(k->sock, req, &r, (int)left) : REGIO_ETIMEOUT;
        if (rc == REGIO_ETIMEOUT) {
            if (!regioctl_conn_why(k, err, errlen))
                snprintf(err, errlen, "no answer from the %s at %s within %d ms (is it running?)",
                         k->name, k->endpoint, timeout_ms);
            return REGIOCTL_EXIT_SERVICE;
        }
        if (rc < 0) {
            snprintf(err, errlen, "%s at %s: %s", k->name, k->endpoint, regio_strerror(rc));
            return REGIOCTL_EXIT_SERVICE;
        }
        if (r->body_case == want) {
            *reply = r;
            return 0;
        }
        if (r->body_case == REGIO__ENVELOPE__BODY_ERROR && r->error) {
            int wait = r->error->retry_after_ms ? (int)r->error->retry_after_ms : 50;
            if (regioctl_error_retryable(r->error) && regioctl_now_ms() + wait < deadline) {
                regio__envelope__free_unpacked(r, NULL);
                s_sleep_ms(wait);
                continue;
            }
            regioctl_error_text(r->error, err, errlen);
            int code = r->error->code == REGIO__ERROR_CODE__ERROR_SNAPSHOT_NEEDED
                           ? REGIOCTL_EXIT_SNAPSHOT
                           : REGIOCTL_EXIT_SERVICE;
            regio__envelope__free_unpacked(r, NULL);
            return code;
        }
        snprintf(err, errlen, "the %s sent an unexpected reply (body %d, wanted %d)", k->name,
                 (int)r->body_case, (int)want);
        regio__envelope__free_unpacked(r, NULL);
        return REGIOCTL_EXIT_SERVICE;
    }
}

int regioctl_request(const regioctl_t *c, regioctl_conn_t *k, regio_envelope_t *req,
                     Regio__Envelope__BodyCase want, regio_envelope_t **reply, int timeout_ms)
{
    char err[REGIOCTL_ERR_MAX];
    int rc = regioctl_call(k, req, want, reply, timeout_ms, err, sizeof err);
    return rc ? regioctl_fail(c, rc, "%s", err) : 0;
}

int64_t regioctl_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

uint64_t regioctl_unix_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

int regioctl_parse_u64(const char *s, uint64_t *out)
{
    if (!s || *s < '0' || *s > '9')
        return -1;
    char *end;
    errno = 0;
    unsigned long long v = strtoull(s, &end, 10);
    if (errno || *end)
        return -1;
    *out = v;
    return 0;
}

int regioctl_parse_int(const char *s, long min, long max, long *out)
{
    if (!s || !*s)
        return -1;
    char *end;
    errno = 0;
    long v = strtol(s, &end, 10);
    if (errno || *end || v < min || v > max)
        return -1;
    *out = v;
    return 0;
}

int regioctl_parse_double(const char *s, double *out)
{
    if (!s || !*s)
        return -1;
    char *end;
    errno = 0;
    double v = strtod(s, &end);
    if (errno || *end || !isfinite(v))
        return -1;
    *out = v;
    return 0;
}

int regioctl_opt_is(const char *arg, const char *name)
{
    size_t n = strlen(name);
    return strncmp(arg, name, n) == 0 && (arg[n] == 0 || arg[n] == '=');
}

const char *regioctl_opt_value(const regioctl_t *c, int argc, char **argv, int *i)
{
    const char *eq = strchr(argv[*i], '=');
    if (eq && argv[*i][0] == '-')
        return eq + 1;
    if (*i + 1 >= argc) {
        regioctl_fail(c, REGIOCTL_EXIT_USAGE, "%s needs a value (see regioctl help)", argv[*i]);
        return NULL;
    }
    return argv[++*i];
}
