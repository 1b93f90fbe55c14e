/* msg - regio envelopes on ZeroMQ sockets: framing, ids, replies, requests.
 *
 * Wire format: a ROUTER sees [peer identity][envelope]; a DEALER sends and
 * receives [envelope] alone; a PUB sends [topic][envelope]. The "head" below
 * is the identity or topic frame. Every envelope gets a process-unique id;
 * replies carry the request's id as correlation_id.
 *
 * Sends never block: a socket at its high-water mark yields -EAGAIN, and
 * the caller decides (drop, retry, tell the peer BUSY).
 */
#ifndef REGIO_MSG_H
#define REGIO_MSG_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include "regio/envelope.pb-c.h"

#define REGIO_MSG_HEAD_MAX 256

typedef Regio__Envelope regio_envelope_t;

typedef struct {
    uint8_t head[REGIO_MSG_HEAD_MAX]; /* identity or topic frame */
    size_t head_len;
    regio_envelope_t *env; /* decoded, owned; NULL when not decodable */
    size_t size;           /* bytes of the envelope frame */
    char key[41];          /* sender's CURVE public key (Z85, the ZAP user id), or "" */
    uint64_t frame_id;     /* env's id; when env is NULL, the id read from the frame's
                              start (regio_wire_leading_id), so an error can name it */
    int nul;               /* 1: it decoded, but a string held a NUL byte, which would
                              cut it short: env was freed (regio_msg_check says why) */
} regio_msg_t;

/* Next envelope id of this process (starts from the clock so ids of a
 * restarted process do not repeat recent ones). Can't fail. */
uint64_t regio_msg_next_id(void);

/* Receive one message without blocking. with_head: 1 for ROUTER and SUB
 * sockets (first frame is identity/topic), 0 for DEALER. Returns 0 with
 * m->env set (or NULL when the frames are not one decodable envelope, or
 * one with a NUL byte in a string: the caller answers what regio_msg_check
 * says) and m->key the sender's CURVE key when the socket is a CURVE
 * server, -EAGAIN when nothing is queued, or another negative errno. Free
 * with regio_msg_clear. */
int regio_msg_recv(void *sock, int with_head, regio_msg_t *m);

/* Whether a received request can be handled at all: 0, or the error code
 * to answer with and *reason (static) saying why: ERROR_BAD_MESSAGE when the
 * frames are not one decodable envelope or the envelope has no body,
 * ERROR_INVALID when a string in it held a NUL byte. Every service asks
 * this before it looks at the body. Can't fail. */
Regio__ErrorCode regio_msg_check(const regio_msg_t *m, const char **reason);

/* Free m's envelope; m can be reused. Accepts a cleared m. */
void regio_msg_clear(regio_msg_t *m);

/* Send env (its id is set when 0) with an optional head frame. Returns 0,
 * -EAGAIN (high-water mark), -EHOSTUNREACH (ROUTER: peer gone, with
 * ZMQ_ROUTER_MANDATORY), or another negative errno. env stays the caller's. */
int regio_msg_send(void *sock, const void *head, size_t head_len, regio_envelope_t *env);

/* Reply to req on the socket it came from: sets correlation_id to the
 * request's id (frame_id when it did not decode). As send. */
int regio_msg_reply(void *sock, const regio_msg_t *req, regio_envelope_t *env);

/* Reply with an error body: code, the id concerned (ref, may be NULL) and a
 * printf-style reason. As send. */
int regio_msg_reply_error(void *sock, const regio_msg_t *req, Regio__ErrorCode code,
                          const char *ref, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));

/* Map a regio return code to the wire error code. Can't fail. */
Regio__ErrorCode regio_msg_error_code(int rc);

/* Short lower-case name of a wire error code ("unknown_id"). Can't fail. */
const char *regio_msg_error_name(Regio__ErrorCode code);

/* Client side: send req on a DEALER and wait up to timeout_ms for the reply
 * with the matching correlation id (other messages are dropped). On 0,
 * *reply is the caller's (free with regio__envelope__free_unpacked(r, NULL)).
 * Returns REGIO_ETIMEOUT, or a negative errno. An error body is still a
 * reply: see regio_msg_expect. */
int regio_msg_request(void *dealer, regio_envelope_t *req, regio_envelope_t **reply,
                      int timeout_ms);

/* Deep copy of any protobuf message (pack + unpack with the default
 * allocator); free with protobuf_c_message_free_unpacked. NULL when out of
 * memory. */
void *regio_msg_copy(const ProtobufCMessage *m);

/* Check that reply has body `want`. Returns 0, or REGIO_EPEER with
 * "<code name>: <reason>" in err when it is an error body, or REGIO_EPARSE
 * when it is another body. */
int regio_msg_expect(const regio_envelope_t *reply, Regio__Envelope__BodyCase want, char *err,
                     size_t errlen);

#endif
