/* feed - subscriptions over a CURVE ROUTER, delivery checked per subscriber. */
#include "feed.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zmq.h>

#include "feed_index.h"
#include "regio/authz.h"
#include "regio/error.h"
#include "regio/log.h"
#include "regio/msg.h"
#include "regio/validate.h"
#include "regio/zwatch.h"

#define TICK_MS 100     /* cut-off notices retried, leases and revocations checked */
#define READ_ROUND 256  /* messages read per wake-up, to stay fair to the other sockets */

struct regio_feed_s {
    regio_service_t *svc;
    regio_feed_opts_t o;
    void *sock;                  /* the ROUTER, owned */
    regio_zwatch_t watch;
    uv_timer_t timer;
    int watching, timing;        /* handles to close */
    regio_feed_index_t *ix;
    uint64_t checked_gen;        /* reload count whose revocations the timer has applied */
    regio_feed_counters_t n;
};

/* The session's principal as the principals file says now: looked up again
 * after every reload (a pointer into the table stays valid until then). */
static const regio_principal_t *s_who(regio_feed_t *f, regio_feed_session_t *s)
{
    uint64_t gen = f->svc->reloads + 1;
    if (s->who_gen != gen) {
        s->who = regio_service_principal(f->svc, s->key);
        s->who_gen = gen;
    }
    return s->who;
}

static const char *s_name(regio_feed_t *f, regio_feed_session_t *s)
{
    const regio_principal_t *p = s_who(f, s);
    return p ? p->name : "unknown-key";
}

static void s_drop(regio_feed_t *f, regio_feed_session_t *s, const char *why, int gone)
{
    REGIO_DEBUG("msg=\"subscriber session ends\" who=%s fingerprint=%.12s reason=\"%s\"",
                s_name(f, s), s->key, why);
    f->n.gone += gone;
    regio_feed_index_remove(f->ix, s);
}

/* Send one error frame to session s. As regio_msg_send. */
static int s_send_error(regio_feed_t *f, regio_feed_session_t *s, Regio__ErrorCode code,
                        const char *ref, const char *reason)
{
    Regio__Error e = REGIO__ERROR__INIT;
    e.code = code;
    e.reason = (char *)reason;
    e.ref = (char *)ref;
    if (code == REGIO__ERROR_CODE__ERROR_BUSY)
        e.retry_after_ms = 50;
    regio_envelope_t env = REGIO__ENVELOPE__INIT;
    env.correlation_id = s->sub_id;
    env.body_case = REGIO__ENVELOPE__BODY_ERROR;
    env.error = &e;
    return regio_msg_send(f->sock, s->rid, s->rid_len, &env);
}

/* A key gone from the principals file: tell it (if its queue has room) and end. */
static void s_revoked(regio_feed_t *f, regio_feed_session_t *s)
{
    REGIO_WARN("msg=\"subscriber key revoked: no more notifications\" fingerprint=%.12s", s->key);
    s_send_error(f, s, REGIO__ERROR_CODE__ERROR_FORBIDDEN, "",
                 "this key is no longer in the principals file: no more notifications");
    s_drop(f, s, "key revoked", 1);
}

static void s_cut(regio_feed_t *f, regio_feed_session_t *s, const char *topic, uint64_t topic_seq,
                  uint64_t seq)
{
    s->cut = 1;
    snprintf(s->cut_topic, sizeof s->cut_topic, "%s", topic);
    s->cut_topic_seq = topic_seq;
    s->cut_seq = seq;
    f->n.cut++;
    REGIO_WARN("msg=\"subscriber cut off: its queue is full\" who=%s fingerprint=%.12s topic=%s "
               "topic_seq=%" PRIu64 " seq=%" PRIu64 " hwm=%d",
               s_name(f, s), s->key, topic[0] ? topic : "none", topic_seq,
               seq, f->o.hwm);
}

/* Tell a cut-off session where it fell behind, once its queue has room;
 * the session ends then (or when the peer is gone). */
static void s_notice(regio_feed_t *f, regio_feed_session_t *s)
{
    char why[REGIO_TOPIC_MAX + 160];
    if (s->cut_topic[0])
        snprintf(why, sizeof why, "you fell behind at %s topic_seq %" PRIu64 " (seq %" PRIu64 "): "
                 "subscribe again, then replay from there", s->cut_topic, s->cut_topic_seq,
                 s->cut_seq);
    else
        snprintf(why, sizeof why, "your queue was full: subscribe again, then replay");
    int rc = s_send_error(f, s, REGIO__ERROR_CODE__ERROR_BUSY, s->cut_topic, why);
    if (rc != -EAGAIN)
        s_drop(f, s, rc == 0 ? "cut off and told" : "cut off and gone", rc != 0);
}

/* Handle a send result on session s: EAGAIN cuts it off, anything else
 * but success ends it. Returns rc. */
static int s_sent(regio_feed_t *f, regio_feed_session_t *s, int rc, const char *topic,
                  uint64_t topic_seq, uint64_t seq)
{
    if (rc == -EAGAIN)
        s_cut(f, s, topic, topic_seq, seq);
    else if (rc < 0)
        s_drop(f, s, rc == -EHOSTUNREACH ? "peer gone" : regio_strerror(rc), 1);
    return rc;
}

/* Subscribe ----------------------------------------------------------------- */

/* Check a Subscribe's patterns for p: 0, or an error code with why and *ref. */
static Regio__ErrorCode s_check(const regio_principal_t *p, const Regio__Subscribe *sub, char *why,
                                size_t n, const char **ref)
{
    if (sub->n_topics == 0 || sub->n_topics > REGIO_MAX_SUBSCRIBE_TOPICS) {
        snprintf(why, n, "a Subscribe names 1 to %d topics, not %zu", REGIO_MAX_SUBSCRIBE_TOPICS,
                 sub->n_topics);
        return REGIO__ERROR_CODE__ERROR_OUT_OF_RANGE;
    }
    for (size_t i = 0; i < sub->n_topics; i++) {
        *ref = sub->topics[i];
        int rc = regio_validate_text(sub->topics[i], REGIO_TOPIC_MAX - 1, "topic", why, n);
        if (rc < 0)
            return regio_msg_error_code(rc);
        if (regio_authz_subscribe(p, sub->topics[i], why, n) < 0)
            return REGIO__ERROR_CODE__ERROR_FORBIDDEN;
    }
    *ref = NULL;
    return REGIO__ERROR_CODE__ERROR_NONE;
}

/* Find or make the session of m's connection with m's patterns. 0, or an
 * error code with why. */
static Regio__ErrorCode s_session(regio_feed_t *f, regio_msg_t *m, regio_feed_session_t **out,
                                  char *why, size_t n)
{
    const Regio__Subscribe *sub = m->env->subscribe;
    regio_feed_session_t *s = regio_feed_index_find(f->ix, m->head, m->head_len);
    if (s && s->cut) { /* owed a cut-off notice: starting over tells it as well (new Ack.seq) */
        s_drop(f, s, "subscribed again after a cut-off", 0);
        s = NULL;
    }
    int rc = 0;
    if (!s && (rc = regio_feed_index_add(f->ix, m->head, m->head_len, &s)) == 0) {
        snprintf(s->key, sizeof s->key, "%s", m->key);
        s->start_seq = *f->o.log_seq;
    }
    if (rc == 0 && (rc = regio_feed_index_set(f->ix, s, (const char *const *)sub->topics,
                                              sub->n_topics)) < 0)
        s_drop(f, s, "out of memory", 1);
    *out = rc == 0 ? s : NULL;
    if (rc == REGIO_EBUSY)
        snprintf(why, n, "the feed already serves %zu subscribers (feed-max)", f->o.max_sessions);
    else if (rc < 0)
        snprintf(why, n, "cannot keep a session: %s", regio_strerror(rc));
    return rc == 0 ? REGIO__ERROR_CODE__ERROR_NONE : rc == REGIO_EBUSY
                                                         ? REGIO__ERROR_CODE__ERROR_BUSY
                                                         : REGIO__ERROR_CODE__ERROR_INTERNAL;
}

static void s_refuse(regio_feed_t *f, regio_msg_t *m, const regio_principal_t *p,
                     Regio__ErrorCode code, const char *ref, const char *why)
{
    regio_feed_session_t *s = regio_feed_index_find(f->ix, m->head, m->head_len);
    if (s) /* a refused Subscribe ends the session */
        s_drop(f, s, "subscribe refused", 1);
    f->n.refused++;
    if (code == REGIO__ERROR_CODE__ERROR_FORBIDDEN)
        REGIO_WARN("msg=\"refused\" who=%s fingerprint=%.12s action=subscribe ref=%s "
                   "reason=\"%s\"", p ? p->name : "unknown-key", m->key[0] ? m->key : "none",
                   ref ? ref : "", why);
    regio_msg_reply_error(f->sock, m, code, ref, "%s", why);
}

static void s_subscribe(regio_feed_t *f, regio_msg_t *m)
{
    char why[400];
    const char *ref = NULL;
    const regio_principal_t *p = regio_service_principal(f->svc, m->key);
    Regio__ErrorCode code = REGIO__ERROR_CODE__ERROR_FORBIDDEN;
    regio_feed_session_t *s = NULL;
    if (!p)
        snprintf(why, sizeof why, "this key is no longer in the principals file");
    else if (regio_authz_request(p, REGIO__ENVELOPE__BODY_SUBSCRIBE, why, sizeof why) == 0 &&
             (code = s_check(p, m->env->subscribe, why, sizeof why, &ref)) == 0)
        code = s_session(f, m, &s, why, sizeof why);
    if (code) {
        s_refuse(f, m, p, code, ref, why);
        return;
    }
    s->sub_id = m->env->id;
    s->renewed_ms = uv_now(&f->svc->loop);
    Regio__Ack ack = REGIO__ACK__INIT;
    ack.seq = s->start_seq;
    regio_envelope_t env = REGIO__ENVELOPE__INIT;
    env.body_case = REGIO__ENVELOPE__BODY_ACK;
    env.ack = &ack;
    s_sent(f, s, regio_msg_reply(f->sock, m, &env), "", 0, 0);
}

static void s_on_readable(regio_zwatch_t *w, void *sock, void *arg)
{
    regio_feed_t *f = arg;
    for (int i = 0; i < READ_ROUND; i++) {
        regio_msg_t m;
        if (regio_msg_recv(sock, 1, &m) < 0)
            return;
        if (m.head_len == 0)
            ; /* no routing id: nobody to answer */
        else if (!m.env)
            regio_msg_reply_error(sock, &m, REGIO__ERROR_CODE__ERROR_BAD_MESSAGE, NULL,
                                  "not a regio envelope");
        else if (m.env->body_case == REGIO__ENVELOPE__BODY_SUBSCRIBE)
            s_subscribe(f, &m);
        else
            regio_msg_reply_error(sock, &m, REGIO__ERROR_CODE__ERROR_UNSUPPORTED, NULL,
                                  "the feed takes only Subscribe; send requests to the "
                                  "notifier's router endpoint");
        regio_msg_clear(&m);
    }
    regio_zwatch_kick(w);
}

/* Delivery ------------------------------------------------------------------ */

static void s_free_body(void *data, void *hint)
{
    (void)hint;
    free(data);
}

void regio_feed_deliver(regio_feed_t *f, const char *topic, const char *school, uint64_t seq,
                        uint64_t topic_seq, uint8_t **data, size_t len)
{
    regio_feed_session_t *const *v;
    size_t k = regio_feed_index_match(f->ix, topic, &v);
    zmq_msg_t body;
    if (k == 0 || zmq_msg_init_data(&body, *data, len, s_free_body, NULL) != 0) {
        free(*data);
        *data = NULL;
        return;
    }
    *data = NULL;
    for (size_t i = 0; i < k; i++) {
        regio_feed_session_t *s = v[i];
        const regio_principal_t *p = s->cut ? NULL : s_who(f, s);
        if (s->cut || (p && !regio_authz_topic(p, topic, school)))
            continue;
        if (!p) {
            s_revoked(f, s);
            continue;
        }
        zmq_msg_t copy; /* shares body's buffer: one copy of the bytes for every subscriber */
        zmq_msg_init(&copy);
        zmq_msg_copy(&copy, &body);
        int rc = zmq_send(f->sock, s->rid, s->rid_len, ZMQ_SNDMORE | ZMQ_DONTWAIT) < 0 ||
                         zmq_msg_send(&copy, f->sock, ZMQ_DONTWAIT) < 0
                     ? -zmq_errno()
                     : 0;
        if (rc < 0)
            zmq_msg_close(&copy);
        if (s_sent(f, s, rc, topic, topic_seq, seq) == 0)
            f->n.delivered++;
    }
    zmq_msg_close(&body);
    regio_zwatch_kick(&f->watch);
}

/* Timer: cut-off notices, leases, revocations ------------------------------ */

static void s_on_tick(uv_timer_t *t)
{
    regio_feed_t *f = t->data;
    uint64_t now = uv_now(&f->svc->loop), gen = f->svc->reloads;
    int recheck = gen != f->checked_gen;
    f->checked_gen = gen;
    for (size_t i = 0; i < regio_feed_index_slots(f->ix); i++) {
        regio_feed_session_t *s = regio_feed_index_slot(f->ix, i);
        if (!s)
            continue;
        if (s->cut)
            s_notice(f, s);
        else if (now - s->renewed_ms > f->o.lease_ms)
            s_drop(f, s, "lease over: no Subscribe renewed it", 1);
        else if (recheck && !s_who(f, s))
            s_revoked(f, s);
    }
    regio_zwatch_kick(&f->watch);
}

/* The ROUTER: a CURVE server that reports peers gone or full, bound. */
static int s_bind(regio_feed_t *f, const regio_feed_opts_t *o)
{
    int one = 1, rc = regio_service_server(f->svc, ZMQ_ROUTER, o->hwm, REGIO_ZAP_REQUESTS, &f->sock);
    if (rc < 0)
        return rc;
    if (zmq_setsockopt(f->sock, ZMQ_ROUTER_MANDATORY, &one, sizeof one) < 0 ||
        (o->sndbuf > 0 && zmq_setsockopt(f->sock, ZMQ_SNDBUF, &o->sndbuf, sizeof o->sndbuf) < 0) ||
        zmq_bind(f->sock, o->endpoint) < 0)
        return -zmq_errno();
    return 0;
}

int regio_feed_new(regio_service_t *svc, const regio_feed_opts_t *o, regio_feed_t **out,
                   char *err, size_t errlen)
{
    regio_feed_t *f = calloc(1, sizeof *f);
    *out = f;
    if (!f || regio_feed_index_new(o->max_sessions, &f->ix) < 0) {
        snprintf(err, errlen, "feed: out of memory");
        return -ENOMEM;
    }
    f->svc = svc;
    f->o = *o;
    int rc = s_bind(f, o);
    if (rc < 0) {
        snprintf(err, errlen, "bind feed %s: %s", o->endpoint, regio_strerror(rc));
        return rc;
    }
    if ((rc = regio_zwatch_start(&f->watch, &svc->loop, f->sock, s_on_readable, f)) < 0) {
        snprintf(err, errlen, "cannot watch feed %s: %s", o->endpoint, regio_strerror(rc));
        return rc;
    }
    f->watching = 1;
    uv_timer_init(&svc->loop, &f->timer);
    f->timer.data = f;
    f->timing = 1;
    f->checked_gen = svc->reloads;
    uv_timer_start(&f->timer, s_on_tick, TICK_MS, TICK_MS);
    return 0;
}

void regio_feed_counters(const regio_feed_t *f, regio_feed_counters_t *c)
{
    *c = f->n;
    c->sessions = regio_feed_index_count(f->ix);
}

void regio_feed_close(regio_feed_t *f)
{
    if (!f)
        return;
    if (f->watching)
        regio_zwatch_close(&f->watch, NULL);
    if (f->timing)
        uv_close((uv_handle_t *)&f->timer, NULL);
    f->watching = f->timing = 0;
}

void regio_feed_destroy(regio_feed_t **self)
{
    if (!self || !*self)
        return;
    regio_feed_t *f = *self;
    if (f->sock)
        zmq_close(f->sock);
    regio_feed_index_destroy(&f->ix);
    free(f);
    *self = NULL;
}
