/* node - what every stateful service is made of: store, ROUTER, PUB, batches.
 *
 * A node opens its LMDB environment, binds a ROUTER for requests and a PUB
 * for its change feed, reads requests through group commit (batch.h), and
 * publishes a Status heartbeat every second on its topic, so followers
 * (follow.h) can tell whether they missed something. The service supplies
 * the domain: how to open its tables, apply a request, reply after commit.
 *
 * Every request passes the node first: a key that is not (or no longer) in
 * the principals file, and a role that authz.h does not allow to send the
 * body, are refused with ERROR_FORBIDDEN (and logged with the principal's
 * name) before the service sees them; every request that wrote gets an
 * audit entry in the same transaction (audit.h). AuditRequest is answered
 * by the node itself, and so is ResolveAlarm (an Ack, after the service's
 * resolve_alarm hook committed). So a service's batch slot must begin with
 * a regio_node_refusal_t, where the node records its refusals.
 *
 * Each store has a random store id, made when it is created and kept both
 * in the store and in a file "store-id" beside it: a store whose data is
 * gone while the file remains refuses to open (never an empty database
 * over a lost one), and followers notice a store that is not the one they
 * followed.
 *
 * Before the store is opened it is checked (store_check.h): a damaged file
 * stops the service at start with one line naming it, never a signal. A
 * clean stop seals the store's content digest beside it for the next check.
 */
#ifndef REGIO_NODE_H
#define REGIO_NODE_H

#include <lmdb.h>
#include <stdint.h>

#include "regio/audit.h"
#include "regio/backup.h"
#include "regio/batch.h"
#include "regio/config.h"
#include "regio/msg.h"
#include "regio/service.h"
#include "regio/store.h"
#include "regio/store_check.h"
#include "regio/validate.h"

/* Queue bound of the ROUTER per peer. Clients must keep fewer requests than
 * this in flight (the ingest client keeps at most a few thousand). */
#define REGIO_NODE_ROUTER_HWM 200000

/* Status entries a node can carry: its own six counters (commits, requests,
 * failed, rejected, busy, queued) first, then the service's. */
#define REGIO_NODE_STATUS_MAX 24

/* Settings every node has, as config-table entries (see config.h). c is the
 * service's config struct, which must have fields router, pub, db, map_mb,
 * map_max_mb, backup_dir, audit_days, sec, log_level and dump_config; the
 * arguments are defaults. Thirteen entries. */
#define REGIO_NODE_CONFIG_ENTRIES(c, router_def, pub_def, db_def, map_def, map_max_def)            \
    REGIO_SECURITY_CONFIG_ENTRIES(&(c)->sec),                                                      \
    {"audit-days", REGIO_CONFIG_INT, &(c)->audit_days, "90", 1, 36500,                            \
     "keep audit entries (who changed what) this many days"},                                     \
    {"router", REGIO_CONFIG_ENDPOINT, (c)->router, router_def, 0, -1, "request endpoint to bind"}, \
    {"pub", REGIO_CONFIG_ENDPOINT, (c)->pub, pub_def, 0, -1, "change feed endpoint to bind"},      \
    {"db", REGIO_CONFIG_STR, (c)->db, db_def, 0, -1, "LMDB directory"},                            \
    {"backup-dir", REGIO_CONFIG_STR, (c)->backup_dir, "", 0, -1,                                   \
     "folder for backup copies of the store (empty: <db>.backup)"},                               \
    {"map-mb", REGIO_CONFIG_INT, &(c)->map_mb, map_def, 1, 1 << 20, "initial LMDB map size (MiB)"}, \
    {"map-max-mb", REGIO_CONFIG_INT, &(c)->map_max_mb, map_max_def, 1, 1 << 24,                   \
     "LMDB map growth cap (MiB)"},                                                                 \
    {"log-level", REGIO_CONFIG_STR, (c)->log_level, "info", 0, -1, "debug, info, warn or error"},  \
    {"dump-config", REGIO_CONFIG_BOOL, &(c)->dump_config, "no", 0, -1,                             \
     "print the effective settings and exit"}

typedef struct {
    const char *name;       /* service name = PUB topic of its changes */
    const char *router;     /* request endpoint (bind) */
    const char *pub;        /* change feed endpoint (bind) */
    const char *db;         /* LMDB directory */
    size_t map_bytes, map_max_bytes;
    unsigned max_dbs;
    int pub_hwm;            /* messages queued per subscriber before dropping */
    long audit_days;        /* audit entries older than this are pruned */
    regio_batch_opts_t batch; /* apply/done/... with arg = the service */
    /* Tables whose values must decode or have a fixed size (the node adds
     * its own), ended by {NULL}; may be NULL. */
    const regio_store_check_table_t *tables;
    const char *seq_table, *seq_key; /* where the store keeps the node's seq */
    const char *backup_dir;  /* backup copies go here ("" or NULL: <db>.backup) */
    /* A backup of the store opens (1, before its copy is taken) or ends (0),
     * e.g. for the planner to hold its outbox meanwhile. May be NULL. */
    void (*on_backup)(void *arg, int open);
    /* Open tables and load state inside the first write txn: 0 or LMDB code. */
    int (*open_tables)(void *arg, MDB_txn *txn);
    /* Add service-specific counters and upstream seqs to a Status with
     * regio_node_status_add / regio_node_status_upstream (may be NULL). */
    void (*fill_status)(void *arg, Regio__Status *st);
    /* ResolveAlarm, inside the batch's write txn: have every follower of the
     * service accept its upstream as it is now (regio_follow_resolve). 0 or
     * an LMDB code. NULL for a service that follows nothing: the request is
     * then just acknowledged. */
    int (*resolve_alarm)(void *arg, MDB_txn *txn);
} regio_node_opts_t;

#define REGIO_NODE_ALARMS_MAX 8

typedef struct {
    regio_service_t *svc;
    regio_node_opts_t o;
    regio_store_t store;
    void *router, *pub;      /* owned */
    regio_batch_t *batch;
    uv_timer_t heartbeat, prune;
    uint64_t seq;            /* last committed change seq (service updates it) */
    uint64_t rejected;       /* requests answered with an error */
    uint64_t forbidden;      /* requests refused by authorisation */
    int closing, heartbeat_open;
    char store_id[REGIO_STORE_ID_LEN + 1]; /* this store's random id (hex) */
    regio_audit_t audit;
    int64_t now_ms;          /* commit time of the batch being applied */
    Regio__Status__CountersEntry ce[REGIO_NODE_STATUS_MAX]; /* a Status being built */
    Regio__Status__CountersEntry *cp[REGIO_NODE_STATUS_MAX];
    Regio__Status__UpstreamSeqEntry ue[4], *up[4];
    char *alarms[REGIO_NODE_ALARMS_MAX];
    regio_store_check_table_t check_tables[24]; /* the service's and the node's */
    int burst_open;          /* store writes failed, and not yet quiet again */
    uint64_t burst_base;     /* store failures before the open burst */
    int64_t burst_since_ms;  /* its first failure */
    uint64_t burst_refused;  /* requests answered with its errors */
    char store_alarm[800];   /* Status alarm while the store's writes fail */
    int store_open;          /* the store passed its check and opened */
    regio_backup_t *backup;  /* answers BackupRequest, owned */
    char backup_dir[REGIO_CONFIG_STR_MAX + 16];
} regio_node_t;

/* Open store, sockets and batching. Returns 0 or a negative code with one
 * line in err. On failure call regio_node_destroy. */
int regio_node_open(regio_node_t *n, regio_service_t *svc, const regio_node_opts_t *o, char *err,
                    size_t errlen);

/* Publish env on the node's topic (PUB never blocks; a slow subscriber past
 * its high-water mark misses messages and must catch up). */
void regio_node_publish(regio_node_t *n, regio_envelope_t *env);

/* Publish env under another topic. */
void regio_node_publish_topic(regio_node_t *n, const char *topic, regio_envelope_t *env);

/* Append a counter to the Status being built (inside fill_status). Extra
 * ones beyond REGIO_NODE_STATUS_MAX are dropped. key is borrowed. */
void regio_node_status_add(regio_node_t *n, Regio__Status *st, const char *key, uint64_t value);

/* Append an alarm (one line, borrowed until the Status is sent) to the
 * Status being built (inside fill_status). */
void regio_node_status_alarm(regio_node_t *n, Regio__Status *st, const char *alarm);

/* The principal who sent req (see regio_service_principal), or NULL. */
const regio_principal_t *regio_node_principal(const regio_node_t *n, const regio_msg_t *req);

/* Append the seq of a followed service to the Status being built. */
void regio_node_status_upstream(regio_node_t *n, Regio__Status *st, const char *key,
                                uint64_t seq);

/* Why a request was refused: kept in a service's batch slot by apply, sent
 * by done. code 0 means not refused. */
typedef struct {
    Regio__ErrorCode code;
    char reason[200];
    char ref[REGIO_ID_MAX + 1]; /* the id the refusal is about, or "" */
} regio_node_refusal_t;

/* Record a refusal (printf-style reason; ref may be NULL). Returns
 * REGIO_BATCH_NOWRITE, so apply can return it directly. */
int regio_node_refuse(regio_node_refusal_t *r, Regio__ErrorCode code, const char *ref,
                      const char *fmt, ...) __attribute__((format(printf, 4, 5)));

/* Record a refusal by authorisation (why from authz.h), count it and log it
 * with the principal's name. Returns REGIO_BATCH_NOWRITE. */
int regio_node_forbid(regio_node_t *n, regio_node_refusal_t *r, const regio_principal_t *p,
                      const char *ref, const char *why);

/* For done: when the batch failed (rc < 0: "<what>: <why>") or r records a
 * refusal, reply with that error, count it and return 1; otherwise 0. */
int regio_node_reply_refusal(regio_node_t *n, regio_msg_t *req, int rc,
                             const regio_node_refusal_t *r, const char *what);

/* Reply to a StatusRequest with the node's counters (the store's path only
 * to admins). */
void regio_node_reply_status(regio_node_t *n, regio_msg_t *req);

/* Reply an error after a failed commit (rc < 0) or a rejection, and count it. */
void regio_node_reply_error(regio_node_t *n, regio_msg_t *req, Regio__ErrorCode code,
                            const char *ref, const char *reason);

/* Stop reading requests and the heartbeat (in-flight batch completes). */
void regio_node_stop(regio_node_t *n);

/* The store check's options for this node's store (tables, seq). */
regio_store_check_opts_t regio_node_check_opts(const regio_node_t *n);

/* Close sockets and the store, then seal its digest (store_check.h); after
 * the loop ended. Safe on a half-open n. */
void regio_node_destroy(regio_node_t *n);

#endif
