/* capacity - the capacity service: seats per offering, period and slot.
 *
 * Company systems send CapacityUpdate / CapacityException over a DEALER,
 * administrators CapacityReset. Each is validated against the registry
 * mirror (the offering and period must exist; one the mirror lacks is
 * NOT_READY until lag.h can tell it is unknown), de-duplicated by its
 * update_id (kept for dedup-hours), ordered by version per (offering,
 * period) (unix ms, at most version-skew-ms ahead of this clock), written
 * in a group-committed LMDB transaction, and acknowledged only after that
 * commit. Every applied change (a closure, an opening and a reset too) is
 * published as a CapacityChange on topic "capacity".
 */
#ifndef REGIO_CAPACITY_H
#define REGIO_CAPACITY_H

#include "regio/config.h"
#include "regio/service.h"

typedef struct {
    char router[REGIO_CONFIG_STR_MAX];   /* request endpoint (bind) */
    char pub[REGIO_CONFIG_STR_MAX];      /* change feed (bind) */
    char registry_router[REGIO_CONFIG_STR_MAX]; /* registry requests (connect) */
    char registry_pub[REGIO_CONFIG_STR_MAX];    /* registry feed (connect) */
    char db[REGIO_CONFIG_STR_MAX];       /* LMDB directory */
    char backup_dir[REGIO_CONFIG_STR_MAX]; /* backup copies ("" = <db>.backup) */
    long map_mb, map_max_mb;             /* LMDB map: initial and cap */
    long batch_max;                      /* updates per transaction */
    long batch_window_us;                /* wait for more before committing */
    long queue_max;                      /* held updates before answering BUSY */
    long dedup_hours;                    /* how long update ids are remembered */
    long version_skew_ms;                /* most a version may be ahead of the clock */
    regio_security_config_t sec;         /* keys, principals, --insecure */
    long audit_days;                     /* audit retention */
    char log_level[REGIO_CONFIG_STR_MAX];
    int dump_config;
} regio_capacity_config_t;

typedef struct regio_capacity_s regio_capacity_t;

/* The settings table for regio_config_parse, bound to cfg. */
const regio_config_entry_t *regio_capacity_config_table(regio_capacity_config_t *cfg);

/* Open store, sockets and the registry mirror on svc. 0 or negative + err;
 * *out is the caller's (regio_capacity_destroy), also on failure. */
int regio_capacity_new(regio_service_t *svc, const regio_capacity_config_t *cfg,
                       regio_capacity_t **out, char *err, size_t errlen);

/* Begin a clean stop: the batch in flight commits, handles close. */
void regio_capacity_stop(regio_capacity_t *c);

/* Close sockets and LMDB; accepts NULL and sets *self to NULL. */
void regio_capacity_destroy(regio_capacity_t **self);

#endif
