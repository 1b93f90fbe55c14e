/* feed_index - the feed's sessions: found by routing id, and by topic.
 *
 * A session is one subscriber connection on the feed's ROUTER, named by the
 * routing id the ROUTER gave it. It holds 1..REGIO_MAX_SUBSCRIBE_TOPICS patterns:
 * an exact topic, a prefix ending in '/', or "" for everything, matched
 * segment-wise as regio_authz_covers does. regio_feed_index_match finds
 * every session with a pattern that covers a topic by looking up the topic's
 * own prefixes (one per segment boundary), so its cost grows with the
 * sessions found, not with the sessions there are.
 *
 * Ownership: the index owns its sessions. A session pointer stays valid
 * until the session is removed or the index destroyed; the index writes only
 * the fields marked "index" below, the feed (feed.c) the others.
 * Pure memory: no I/O, no logging.
 */
#ifndef REGIO_FEED_INDEX_H
#define REGIO_FEED_INDEX_H

#include <stddef.h>
#include <stdint.h>

#include "regio/limits.h"
#include "regio/msg.h"
#include "regio/principal.h"

typedef struct regio_feed_session_s regio_feed_session_t;

struct regio_feed_session_s {
    uint8_t rid[REGIO_MSG_HEAD_MAX];   /* index: the ROUTER's routing id */
    size_t rid_len;                    /* index */
    char key[REGIO_KEY_TEXT + 1];      /* the subscriber's CURVE key (Z85; "" when insecure) */
    uint64_t start_seq;                /* log seq when the session began (the Ack's seq) */
    uint64_t sub_id;                   /* envelope id of its last Subscribe */
    uint64_t renewed_ms;               /* loop time of its last Subscribe (the lease) */
    const regio_principal_t *who;      /* cached principal, valid while who_gen is current */
    uint64_t who_gen;                  /* service reload count the cache belongs to, plus one */
    int cut;                           /* fell behind: owed one cut-off Error, nothing else */
    char cut_topic[REGIO_TOPIC_MAX];   /* the first notification it missed */
    uint64_t cut_topic_seq, cut_seq;
    int32_t pat[REGIO_MAX_SUBSCRIBE_TOPICS];  /* index: its patterns' entries */
    int n_pat;                         /* index */
    uint64_t mark;                     /* index: last match that found it */
    regio_feed_session_t *next;        /* index: same routing-id bucket */
    size_t slot;                       /* index: position in the session table */
};

typedef struct regio_feed_index_s regio_feed_index_t;

/* An empty index for at most max sessions (>= 1). Returns 0 with *out the
 * caller's (regio_feed_index_destroy), or -ENOMEM. */
int regio_feed_index_new(size_t max, regio_feed_index_t **out);

/* Free the index and every session; accepts NULL and sets *self to NULL. */
void regio_feed_index_destroy(regio_feed_index_t **self);

/* The session of routing id rid, or NULL. */
regio_feed_session_t *regio_feed_index_find(const regio_feed_index_t *ix, const void *rid,
                                            size_t len);

/* A new zeroed session for rid (which must not have one), without patterns.
 * Returns 0 with *out borrowed, REGIO_EBUSY when max sessions exist,
 * REGIO_ERANGE when len is 0 or above REGIO_MSG_HEAD_MAX, or -ENOMEM. */
int regio_feed_index_add(regio_feed_index_t *ix, const void *rid, size_t len,
                         regio_feed_session_t **out);

/* Replace s's patterns with patterns[0..n-1] (n <= REGIO_MAX_SUBSCRIBE_TOPICS,
 * each shorter than REGIO_TOPIC_MAX; duplicates count once). Returns 0,
 * REGIO_ERANGE (nothing changed), or -ENOMEM (s is then left without
 * patterns, so it matches nothing). */
int regio_feed_index_set(regio_feed_index_t *ix, regio_feed_session_t *s,
                         const char *const *patterns, size_t n);

/* Remove s and free it; s is invalid afterwards. */
void regio_feed_index_remove(regio_feed_index_t *ix, regio_feed_session_t *s);

/* Every session with a pattern covering topic, each once, into *out: an
 * array borrowed until the next match or a change to the index. Returns
 * how many. Can't fail. */
size_t regio_feed_index_match(regio_feed_index_t *ix, const char *topic,
                              regio_feed_session_t *const **out);

/* Number of sessions, and the size of the session table: slot(i) for i <
 * slots is a session or NULL. Removing the session at slot i leaves the
 * others where they are, so a loop over the slots may remove as it goes. */
size_t regio_feed_index_count(const regio_feed_index_t *ix);
size_t regio_feed_index_slots(const regio_feed_index_t *ix);
regio_feed_session_t *regio_feed_index_slot(const regio_feed_index_t *ix, size_t i);

#endif
