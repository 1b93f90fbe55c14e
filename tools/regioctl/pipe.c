/* pipe - windowed request/reply on a DEALER, replies matched by id. */
#include "pipe.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zmq.h>

#include "regio/error.h"

/* One request in flight. Ids only grow, so the array stays sorted by id. */
typedef struct {
    uint64_t id;
    size_t i;      /* request index */
    int64_t since; /* first BUSY/NOT_READY answer, 0 if none yet */
    int live;      /* 0 once answered */
} s_flight_t;

/* One request waiting to be sent again. */
typedef struct {
    size_t i;
    int64_t at;    /* send again at (monotonic ms) */
    int64_t since; /* first retryable answer */
} s_retry_t;

typedef struct {
    const regioctl_pipe_opts_t *o;
    regioctl_conn_t *k;
    s_flight_t *fl;
    size_t head, tail, cap; /* live entries are in [head, tail) */
    size_t inflight;
    s_retry_t *rq; /* FIFO of retries */
    size_t rq_head, rq_tail, rq_cap;
    size_t next;        /* next new request */
    size_t done;        /* requests answered and accepted */
    int64_t last_reply; /* monotonic ms of the last reply */
} s_pipe_t;

static int s_push_flight(s_pipe_t *p, uint64_t id, size_t i, int64_t since)
{
    if (p->head > 0 && p->head == p->tail)
        p->head = p->tail = 0;
    if (p->tail == p->cap && p->head > p->cap / 2) {
        memmove(p->fl, p->fl + p->head, (p->tail - p->head) * sizeof *p->fl);
        p->tail -= p->head;
        p->head = 0;
    }
    if (p->tail == p->cap) {
        size_t cap = p->cap ? p->cap * 2 : 1024;
        s_flight_t *v = realloc(p->fl, cap * sizeof *v);
        if (!v)
            return -ENOMEM;
        p->fl = v;
        p->cap = cap;
    }
    p->fl[p->tail++] = (s_flight_t){id, i, since, 1};
    p->inflight++;
    return 0;
}

static s_flight_t *s_find_flight(s_pipe_t *p, uint64_t id)
{
    size_t lo = p->head, hi = p->tail;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (p->fl[mid].id < id)
            lo = mid + 1;
        else
            hi = mid;
    }
    if (lo < p->tail && p->fl[lo].id == id && p->fl[lo].live)
        return &p->fl[lo];
    return NULL;
}

static void s_retire(s_pipe_t *p, s_flight_t *f)
{
    f->live = 0;
    p->inflight--;
    while (p->head < p->tail && !p->fl[p->head].live)
        p->head++;
}

static int s_push_retry(s_pipe_t *p, size_t i, int64_t at, int64_t since)
{
    if (p->rq_head > 0 && p->rq_head == p->rq_tail)
        p->rq_head = p->rq_tail = 0;
    if (p->rq_tail == p->rq_cap) {
        size_t cap = p->rq_cap ? p->rq_cap * 2 : 256;
        s_retry_t *v = realloc(p->rq, cap * sizeof *v);
        if (!v)
            return -ENOMEM;
        p->rq = v;
        p->rq_cap = cap;
    }
    p->rq[p->rq_tail++] = (s_retry_t){i, at, since};
    return 0;
}

/* Send one request (a due retry first, else the next new one). Returns 1
 * when sent, 0 when there is nothing to send or the socket is full, or an
 * exit code (negative of it) on failure. */
static int s_send_one(s_pipe_t *p, int64_t now, char *err, size_t errlen)
{
    size_t i;
    int64_t since = 0;
    int retry = p->rq_head < p->rq_tail && p->rq[p->rq_head].at <= now;
    if (retry) {
        i = p->rq[p->rq_head].i;
        since = p->rq[p->rq_head].since;
    } else if (p->next < p->o->n) {
        i = p->next;
    } else {
        return 0;
    }
    regio_envelope_t env = REGIO__ENVELOPE__INIT;
    int rc = p->o->build(p->o->arg, i, &env, err, errlen);
    if (rc)
        return -rc;
    rc = regio_msg_send(p->k->sock, NULL, 0, &env);
    if (rc == -EAGAIN)
        return 0;
    if (rc < 0) {
        snprintf(err, errlen, "%s at %s: %s", p->k->name, p->k->endpoint, regio_strerror(rc));
        return -REGIOCTL_EXIT_SERVICE;
    }
    if (retry)
        p->rq_head++;
    else
        p->next++;
    if (s_push_flight(p, env.id, i, since) < 0) {
        snprintf(err, errlen, "out of memory");
        return -REGIOCTL_EXIT_SERVICE;
    }
    return 1;
}

/* Handle one reply. Returns 0 or an exit code with err set. */
static int s_on_reply(s_pipe_t *p, const regio_envelope_t *r, int64_t now, char *err, size_t errlen)
{
    s_flight_t *f = s_find_flight(p, r->correlation_id);
    if (!f)
        return 0; /* a late reply to something we gave up on */
    size_t i = f->i;
    int64_t since = f->since;
    s_retire(p, f);
    if (r->body_case == REGIO__ENVELOPE__BODY_ERROR && r->error) {
        if (regioctl_error_retryable(r->error)) {
            if (!since)
                since = now;
            if (now - since < p->o->timeout_ms) {
                int wait = r->error->retry_after_ms ? (int)r->error->retry_after_ms : 50;
                if (s_push_retry(p, i, now + wait, since) == 0)
                    return 0;
            }
        }
        regioctl_error_text(r->error, err, errlen);
        return r->error->code == REGIO__ERROR_CODE__ERROR_SNAPSHOT_NEEDED ? REGIOCTL_EXIT_SNAPSHOT
                                                                          : REGIOCTL_EXIT_SERVICE;
    }
    int rc = p->o->check(p->o->arg, i, r, err, errlen);
    if (rc == 0)
        p->done++;
    return rc;
}

/* Receive everything queued. Returns 0 or an exit code. */
static int s_drain(s_pipe_t *p, char *err, size_t errlen)
{
    for (;;) {
        regio_msg_t m;
        int rc = regio_msg_recv(p->k->sock, 0, &m);
        if (rc == -EAGAIN)
            return 0;
        if (rc < 0) {
            snprintf(err, errlen, "%s at %s: %s", p->k->name, p->k->endpoint, regio_strerror(rc));
            return REGIOCTL_EXIT_SERVICE;
        }
        int64_t now = regioctl_now_ms();
        p->last_reply = now;
        rc = m.env ? s_on_reply(p, m.env, now, err, errlen) : 0;
        regio_msg_clear(&m);
        if (rc)
            return rc;
    }
}

/* How long to block in poll: until the next retry is due or the idle
 * deadline passes. */
static long s_wait_ms(const s_pipe_t *p, int64_t now)
{
    int64_t wait = p->last_reply + p->o->timeout_ms - now;
    if (p->rq_head < p->rq_tail && p->rq[p->rq_head].at - now < wait)
        wait = p->rq[p->rq_head].at - now;
    return wait < 0 ? 0 : (long)wait;
}

static int s_loop(s_pipe_t *p, char *err, size_t errlen)
{
    while (p->done < p->o->n) {
        int64_t now = regioctl_now_ms();
        int rc = 1, blocked = 0;
        while (p->inflight < (size_t)p->o->window && (rc = s_send_one(p, now, err, errlen)) == 1) {
        }
        if (rc < 0)
            return -rc;
        blocked = p->inflight < (size_t)p->o->window &&
                  (p->next < p->o->n || (p->rq_head < p->rq_tail && p->rq[p->rq_head].at <= now));
        if (p->inflight == 0 && !blocked && p->rq_head == p->rq_tail)
            break; /* nothing left: every request was answered */
        if ((p->inflight > 0 || blocked) && now - p->last_reply >= p->o->timeout_ms) {
            if (regioctl_conn_why(p->k, err, errlen))
                return REGIOCTL_EXIT_SERVICE;
            snprintf(err, errlen,
                     "no answer from the %s at %s within %d ms (%zu requests unanswered; is it "
                     "running?)",
                     p->k->name, p->k->endpoint, p->o->timeout_ms, p->inflight);
            return REGIOCTL_EXIT_SERVICE;
        }
        zmq_pollitem_t it = {p->k->sock, 0, (short)(ZMQ_POLLIN | (blocked ? ZMQ_POLLOUT : 0)), 0};
        if (zmq_poll(&it, 1, blocked ? 10 : s_wait_ms(p, now)) < 0 && zmq_errno() != EINTR) {
            snprintf(err, errlen, "poll: %s", zmq_strerror(zmq_errno()));
            return REGIOCTL_EXIT_SERVICE;
        }
        if ((rc = s_drain(p, err, errlen)) != 0)
            return rc;
    }
    return 0;
}

int regioctl_pipe_run(regioctl_conn_t *k, const regioctl_pipe_opts_t *o, char *err, size_t errlen)
{
    if (o->n == 0)
        return 0;
    s_pipe_t p = {0};
    p.o = o;
    p.k = k;
    p.last_reply = regioctl_now_ms();
    int rc = s_loop(&p, err, errlen);
    free(p.fl);
    free(p.rq);
    return rc;
}
