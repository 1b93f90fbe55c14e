/* feed - the notifier's live feed: each subscriber gets what it may read.
 *
 * A CURVE ROUTER (ZAP domain "requests": every key in the principals file
 * may connect). A subscriber's DEALER sends Subscribe{topics}; the feed
 * checks the principal (authz.h: the Subscribe rule, and each pattern with
 * regio_authz_subscribe), keeps a session for its routing id and answers
 * Ack{seq = the log's seq when the session began}. Each logged notification
 * then goes, as one frame [envelope{notification}], to every session with a
 * covering pattern whose principal may read it at that moment
 * (regio_authz_topic, principal looked up by the session's key again after
 * every SIGHUP reload: a revoked key's session is dropped at its next
 * notification). The full wire contract is in proto/regio/notifier.proto.
 *
 * Sessions end when a send says the peer is gone (ZMQ_ROUTER_MANDATORY:
 * EHOSTUNREACH), when no Subscribe renewed them for lease_ms, when a
 * Subscribe is refused, or after a cut-off: a subscriber whose queue holds
 * hwm notifications (EAGAIN) gets nothing more but, once there is room
 * again, one Error{ERROR_BUSY, ref = the topic it missed, "you fell behind
 * at <topic> topic_seq N (seq M)..."}. So the feed holds at most hwm
 * notifications per subscriber, and their bodies are shared between
 * subscribers (one refcounted buffer per notification); the kernel holds
 * at most sndbuf bytes more per subscriber (by default what its send
 * buffer grows to, net.ipv4.tcp_wmem's maximum).
 *
 * Runs on the service's loop thread only.
 */
#ifndef REGIO_NOTIFIER_FEED_H
#define REGIO_NOTIFIER_FEED_H

#include <stddef.h>
#include <stdint.h>

#include "regio/service.h"

typedef struct {
    const char *endpoint;    /* ROUTER to bind */
    int hwm;                 /* notifications queued per subscriber before its cut-off */
    int sndbuf;              /* kernel send buffer per subscriber, bytes (0: the kernel's) */
    size_t max_sessions;     /* more Subscribe from new connections: ERROR_BUSY */
    uint64_t lease_ms;       /* a session not renewed for this long is dropped */
    const uint64_t *log_seq; /* the log's committed seq, read at each Subscribe (borrowed) */
} regio_feed_opts_t;

typedef struct {
    uint64_t sessions;  /* open now */
    uint64_t delivered; /* notifications sent to subscribers */
    uint64_t cut;       /* sessions cut off for falling behind */
    uint64_t gone;      /* sessions dropped: peer gone, lease over, key revoked */
    uint64_t refused;   /* Subscribe requests refused */
} regio_feed_counters_t;

typedef struct regio_feed_s regio_feed_t;

/* Bind the feed on svc and start reading it. Returns 0 with *out the
 * caller's, or a negative code with one line in err (*out may then be
 * non-NULL: destroy it). */
int regio_feed_new(regio_service_t *svc, const regio_feed_opts_t *o, regio_feed_t **out,
                   char *err, size_t errlen);

/* Deliver one committed notification: its topic, the school of its change
 * ("" when none), its seq and topic_seq, and *data, the packed
 * envelope{notification} of len bytes, malloc'd: the feed takes it and sets
 * *data to NULL. Can't fail (subscribers that cannot take it are cut off
 * or dropped). */
void regio_feed_deliver(regio_feed_t *f, const char *topic, const char *school, uint64_t seq,
                        uint64_t topic_seq, uint8_t **data, size_t len);

/* Counters for the notifier's status. */
void regio_feed_counters(const regio_feed_t *f, regio_feed_counters_t *c);

/* Stop reading and close the timer (on stop). Accepts NULL. */
void regio_feed_close(regio_feed_t *f);

/* Close the socket and free, after the loop ended; accepts NULL and sets
 * *self to NULL. */
void regio_feed_destroy(regio_feed_t **self);

#endif
