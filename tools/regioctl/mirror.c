/* mirror - read-your-writes across services. */
#include "mirror.h"

#include <stdio.h>
#include <string.h>
#include <time.h>
#include <zmq.h>

/* A Status from the service behind k, within timeout_ms; quiet. */
static int s_status(regioctl_conn_t *k, int timeout_ms, regio_envelope_t **rep, char *err,
                    size_t errlen)
{
    Regio__StatusRequest sr = REGIO__STATUS_REQUEST__INIT;
    regio_envelope_t req = REGIO__ENVELOPE__INIT;
    req.body_case = REGIO__ENVELOPE__BODY_STATUS_REQUEST;
    req.status_request = &sr;
    return regioctl_call(k, &req, REGIO__ENVELOPE__BODY_STATUS, rep, timeout_ms, err, errlen);
}

/* upstream_seq[name] of a Status, or 0. */
static uint64_t s_upstream(const Regio__Status *st, const char *name)
{
    for (size_t i = 0; st && i < st->n_upstream_seq; i++)
        if (st->upstream_seq[i]->key && strcmp(st->upstream_seq[i]->key, name) == 0)
            return st->upstream_seq[i]->value;
    return 0;
}

/* The alarm of the follower of upstream in a Status ("registry: ..."), or NULL. */
static const char *s_alarm(const Regio__Status *st, const char *upstream)
{
    size_t n = strlen(upstream);
    for (size_t i = 0; st && i < st->n_alarms; i++)
        if (strncmp(st->alarms[i], upstream, n) == 0 && st->alarms[i][n] == ':')
            return st->alarms[i];
    return NULL;
}

int regioctl_mirror_wait(regioctl_t *c, regioctl_conn_t *k, const char *who, const char *upstream,
                         uint64_t seq)
{
    int64_t deadline = regioctl_now_ms() + c->timeout_ms;
    uint64_t have = 0;
    char err[REGIOCTL_ERR_MAX];
    for (;;) {
        regio_envelope_t *rep;
        int64_t left = deadline - regioctl_now_ms();
        int rc = s_status(k, left > 100 ? (int)left : 100, &rep, err, sizeof err);
        if (rc)
            return regioctl_fail(c, rc, "%s", err);
        have = s_upstream(rep->status, upstream);
        const char *alarm = s_alarm(rep->status, upstream);
        if (alarm)
            fprintf(stderr, "regioctl: %s: warning: the %s's copy of the %s is held by an alarm "
                            "(it applies nothing from the %s): %s\n", c->cmd, who, upstream,
                    upstream, alarm);
        regio__envelope__free_unpacked(rep, NULL);
        if (have >= seq || alarm)
            return 0;
        if (regioctl_now_ms() + 50 > deadline)
            break;
        struct timespec ts = {0, 50 * 1000000L};
        nanosleep(&ts, NULL);
    }
    return regioctl_fail(c, REGIOCTL_EXIT_SERVICE,
                         "the %s's copy of the %s is at seq %llu, not %llu, "
                         "after %d ms (is it following the %s at the right endpoint?)",
                         who, upstream, (unsigned long long)have, (unsigned long long)seq,
                         c->timeout_ms, upstream);
}

int regioctl_mirror_alarmed(regioctl_conn_t *k, int timeout_ms)
{
    char err[REGIOCTL_ERR_MAX];
    regio_envelope_t *rep = NULL;
    if (s_status(k, timeout_ms, &rep, err, sizeof err) != 0)
        return -1;
    int alarmed = s_alarm(rep->status, "registry") || s_alarm(rep->status, "capacity");
    regio__envelope__free_unpacked(rep, NULL);
    return alarmed;
}

int regioctl_mirror_head(regioctl_t *c, const char *name, const char *endpoint, int timeout_ms,
                         uint64_t *seq)
{
    regioctl_conn_t k;
    char err[REGIOCTL_ERR_MAX];
    regio_envelope_t *rep = NULL;
    if (regioctl_conn_open(c, &k, name, name, endpoint, ZMQ_DEALER) != 0)
        return -1;
    int rc = s_status(&k, timeout_ms, &rep, err, sizeof err);
    if (rc == 0) {
        *seq = rep->status ? rep->status->seq : 0;
        regio__envelope__free_unpacked(rep, NULL);
    }
    regioctl_conn_close(&k);
    return rc == 0 ? 0 : -1;
}
