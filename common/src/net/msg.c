/* msg - envelope framing, ids, replies and blocking requests on ZeroMQ. */
#include "regio/msg.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <zmq.h>

#include "regio/error.h"
#include "regio/wire.h"

static uint64_t s_next_id;

uint64_t regio_msg_next_id(void)
{
    if (__atomic_load_n(&s_next_id, __ATOMIC_RELAXED) == 0) {
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        uint64_t start = ((uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000) << 16;
        uint64_t zero = 0; /* the first caller seeds; racing ones keep its seed */
        __atomic_compare_exchange_n(&s_next_id, &zero, start, 0, __ATOMIC_RELAXED, __ATOMIC_RELAXED);
    }
    return __atomic_add_fetch(&s_next_id, 1, __ATOMIC_RELAXED);
}

static void s_drain_more(void *sock)
{
    int more = 1;
    size_t len = sizeof more;
    while (zmq_getsockopt(sock, ZMQ_RCVMORE, &more, &len) == 0 && more) {
        zmq_msg_t junk;
        zmq_msg_init(&junk);
        zmq_msg_recv(&junk, sock, 0);
        zmq_msg_close(&junk);
    }
}

static int s_more(void *sock)
{
    int more = 0;
    size_t len = sizeof more;
    zmq_getsockopt(sock, ZMQ_RCVMORE, &more, &len);
    return more;
}

int regio_msg_recv(void *sock, int with_head, regio_msg_t *m)
{
    memset(m, 0, sizeof *m);
    zmq_msg_t f;
    zmq_msg_init(&f);
    if (zmq_msg_recv(&f, sock, ZMQ_DONTWAIT) < 0) {
        int e = zmq_errno();
        zmq_msg_close(&f);
        return -e;
    }
    if (with_head) {
        size_t n = zmq_msg_size(&f);
        if (n > REGIO_MSG_HEAD_MAX || !s_more(sock)) {
            zmq_msg_close(&f);
            s_drain_more(sock);
            m->head_len = 0;
            return 0; /* env NULL: bad framing */
        }
        memcpy(m->head, zmq_msg_data(&f), n);
        m->head_len = n;
        zmq_msg_close(&f);
        zmq_msg_init(&f);
        if (zmq_msg_recv(&f, sock, 0) < 0) {
            int e = zmq_errno();
            zmq_msg_close(&f);
            return -e;
        }
    }
    int extra = s_more(sock);
    const char *uid = zmq_msg_gets(&f, "User-Id");
    if (uid && strlen(uid) < sizeof m->key)
        memcpy(m->key, uid, strlen(uid) + 1);
    m->size = zmq_msg_size(&f);
    if (!extra) {
        m->env = regio__envelope__unpack(NULL, m->size, zmq_msg_data(&f));
        m->frame_id = m->env ? m->env->id : regio_wire_leading_id(zmq_msg_data(&f), m->size);
        m->nul = m->env && regio_wire_has_nul(&regio__envelope__descriptor, zmq_msg_data(&f),
                                              m->size);
        if (m->nul) /* its strings read cut short: nobody may act on them */
            regio_msg_clear(m);
    }
    zmq_msg_close(&f);
    if (extra)
        s_drain_more(sock);
    return 0;
}

Regio__ErrorCode regio_msg_check(const regio_msg_t *m, const char **reason)
{
    *reason = m->nul    ? "a string holds a NUL byte (ids and texts cannot contain one)"
              : !m->env ? "not a decodable regio envelope"
              : m->env->body_case == REGIO__ENVELOPE__BODY__NOT_SET ? "envelope without a body"
                                                                   : NULL;
    if (!*reason)
        return REGIO__ERROR_CODE__ERROR_NONE;
    return m->nul ? REGIO__ERROR_CODE__ERROR_INVALID : REGIO__ERROR_CODE__ERROR_BAD_MESSAGE;
}

void regio_msg_clear(regio_msg_t *m)
{
    if (m->env)
        regio__envelope__free_unpacked(m->env, NULL);
    m->env = NULL;
}

int regio_msg_send(void *sock, const void *head, size_t head_len, regio_envelope_t *env)
{
    if (env->id == 0)
        env->id = regio_msg_next_id();
    size_t n = regio__envelope__get_packed_size(env);
    zmq_msg_t body;
    if (zmq_msg_init_size(&body, n) < 0)
        return -zmq_errno();
    regio__envelope__pack(env, zmq_msg_data(&body));
    if (head && zmq_send(sock, head, head_len, ZMQ_SNDMORE | ZMQ_DONTWAIT) < 0) {
        int e = zmq_errno();
        zmq_msg_close(&body);
        return -e;
    }
    if (zmq_msg_send(&body, sock, ZMQ_DONTWAIT) < 0) {
        int e = zmq_errno();
        zmq_msg_close(&body);
        return -e;
    }
    return 0;
}

int regio_msg_reply(void *sock, const regio_msg_t *req, regio_envelope_t *env)
{
    env->correlation_id = req->env ? req->env->id : req->frame_id;
    return regio_msg_send(sock, req->head_len ? req->head : NULL, req->head_len, env);
}

int regio_msg_reply_error(void *sock, const regio_msg_t *req, Regio__ErrorCode code,
                          const char *ref, const char *fmt, ...)
{
    char reason[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(reason, sizeof reason, fmt, ap);
    va_end(ap);
    Regio__Error err = REGIO__ERROR__INIT;
    err.code = code;
    err.reason = reason;
    err.ref = (char *)(ref ? ref : "");
    if (code == REGIO__ERROR_CODE__ERROR_BUSY || code == REGIO__ERROR_CODE__ERROR_NOT_READY)
        err.retry_after_ms = 50;
    regio_envelope_t env = REGIO__ENVELOPE__INIT;
    env.body_case = REGIO__ENVELOPE__BODY_ERROR;
    env.error = &err;
    return regio_msg_reply(sock, req, &env);
}

Regio__ErrorCode regio_msg_error_code(int rc)
{
    switch (rc) {
    case 0: return REGIO__ERROR_CODE__ERROR_NONE;
    case REGIO_EPARSE: return REGIO__ERROR_CODE__ERROR_BAD_MESSAGE;
    case REGIO_ENOTFOUND: return REGIO__ERROR_CODE__ERROR_UNKNOWN_ID;
    case REGIO_ERANGE: return REGIO__ERROR_CODE__ERROR_OUT_OF_RANGE;
    case REGIO_EINVALID:
    case REGIO_EDUPLICATE: return REGIO__ERROR_CODE__ERROR_INVALID;
    case REGIO_EBUSY: return REGIO__ERROR_CODE__ERROR_BUSY;
    case REGIO_ESTALE: return REGIO__ERROR_CODE__ERROR_STALE_VERSION;
    case REGIO_EFULL: return REGIO__ERROR_CODE__ERROR_STORAGE_FULL;
    case REGIO_ENOTREADY: return REGIO__ERROR_CODE__ERROR_NOT_READY;
    case REGIO_ETRIMMED: return REGIO__ERROR_CODE__ERROR_SNAPSHOT_NEEDED;
    case REGIO_EFORBIDDEN: return REGIO__ERROR_CODE__ERROR_FORBIDDEN;
    case REGIO_ECONFIRM: return REGIO__ERROR_CODE__ERROR_CONFIRM_NEEDED;
    default: return REGIO__ERROR_CODE__ERROR_INTERNAL;
    }
}

const char *regio_msg_error_name(Regio__ErrorCode code)
{
    static const char *const names[] = {
        "none", "bad_message", "unknown_id", "out_of_range", "invalid", "busy",
        "stale_version", "storage_full", "internal", "not_ready", "snapshot_needed",
        "unsupported", "forbidden", "confirm_needed"};
    if ((unsigned)code < sizeof names / sizeof names[0])
        return names[code];
    return "error";
}

static long s_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1000L + ts.tv_nsec / 1000000L;
}

int regio_msg_request(void *dealer, regio_envelope_t *req, regio_envelope_t **reply,
                      int timeout_ms)
{
    *reply = NULL;
    req->id = 0;
    int rc;
    long deadline = s_now_ms() + timeout_ms;
    while ((rc = regio_msg_send(dealer, NULL, 0, req)) == -EAGAIN) {
        if (s_now_ms() >= deadline)
            return REGIO_ETIMEOUT;
        zmq_pollitem_t it = {dealer, 0, ZMQ_POLLOUT, 0};
        zmq_poll(&it, 1, 10);
    }
    if (rc < 0)
        return rc;
    for (;;) {
        long left = deadline - s_now_ms();
        if (left <= 0)
            return REGIO_ETIMEOUT;
        zmq_pollitem_t it = {dealer, 0, ZMQ_POLLIN, 0};
        if (zmq_poll(&it, 1, left) < 0) {
            if (zmq_errno() == EINTR)
                continue;
            return -zmq_errno();
        }
        regio_msg_t m;
        while ((rc = regio_msg_recv(dealer, 0, &m)) == 0) {
            if (m.env && m.env->correlation_id == req->id) {
                *reply = m.env;
                return 0;
            }
            regio_msg_clear(&m);
        }
        if (rc != -EAGAIN)
            return rc;
    }
}

int regio_msg_expect(const regio_envelope_t *reply, Regio__Envelope__BodyCase want, char *err,
                     size_t errlen)
{
    if (reply->body_case == want)
        return 0;
    if (reply->body_case == REGIO__ENVELOPE__BODY_ERROR && reply->error) {
        snprintf(err, errlen, "%s: %s", regio_msg_error_name(reply->error->code),
                 reply->error->reason);
        return REGIO_EPEER;
    }
    snprintf(err, errlen, "unexpected reply (body %d)", (int)reply->body_case);
    return REGIO_EPARSE;
}

void *regio_msg_copy(const ProtobufCMessage *m)
{
    size_t n = protobuf_c_message_get_packed_size(m);
    uint8_t *buf = malloc(n ? n : 1);
    if (!buf)
        return NULL;
    protobuf_c_message_pack(m, buf);
    void *c = protobuf_c_message_unpack(m->descriptor, NULL, n, buf);
    free(buf);
    return c;
}
