/* notifier - the notifier service: a durable, gap-free log of placement changes.
 *
 * The planner sends NotifyBatch messages numbered by its outbox (source_seq);
 * each change is appended once (a resend of an already logged source_seq is
 * acknowledged, not logged again) as one Notification per topic:
 * school/<id>, learner/<id>, partner/<id> (and partner/<old> when a learner
 * moved away from a partner). Each notification has a global seq and a
 * per-topic seq, both gap-free. After the commit they are published on the
 * PUB socket as [topic][envelope]. A subscriber that was away sends a
 * ReplayRequest (topic, after_seq) and gets the missing ones from the log,
 * at most replay-max per request, streamed in chunks. A learner's export
 * and erasure read and rename its entries (learner_log.h).
 */
#ifndef REGIO_NOTIFIER_H
#define REGIO_NOTIFIER_H

#include "regio/config.h"
#include "regio/service.h"

typedef struct {
    char router[REGIO_CONFIG_STR_MAX];  /* requests + planner batches (bind) */
    char pub[REGIO_CONFIG_STR_MAX];     /* notifications (bind) */
    char db[REGIO_CONFIG_STR_MAX];      /* LMDB directory */
    char backup_dir[REGIO_CONFIG_STR_MAX]; /* backup copies ("" = <db>.backup) */
    long map_mb, map_max_mb;            /* LMDB map: initial and cap */
    long batch_max;                     /* requests per transaction */
    long pub_hwm;                       /* per-subscriber queue before it must catch up */
    long replay_max;                    /* most notifications per replay request */
    long retain_hours;                  /* trim log entries older than this (0 = keep) */
    long retain_max;                    /* keep at most this many entries (0 = no cap) */
    regio_security_config_t sec;         /* keys, principals, --insecure */
    long audit_days;                     /* audit retention */
    char log_level[REGIO_CONFIG_STR_MAX];
    int dump_config;
} regio_notifier_config_t;

typedef struct regio_notifier_s regio_notifier_t;

/* The settings table for regio_config_parse, bound to cfg. */
const regio_config_entry_t *regio_notifier_config_table(regio_notifier_config_t *cfg);

/* Open store and sockets on svc. 0 or negative + err; *out is the caller's. */
int regio_notifier_new(regio_service_t *svc, const regio_notifier_config_t *cfg,
                       regio_notifier_t **out, char *err, size_t errlen);

/* Begin a clean stop. */
void regio_notifier_stop(regio_notifier_t *n);

/* Close sockets and LMDB; accepts NULL and sets *self to NULL. */
void regio_notifier_destroy(regio_notifier_t **self);

#endif
