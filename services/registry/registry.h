/* registry - the registry service: partners, sites, offerings, the calendar.
 *
 * Owns its LMDB environment; answers on a ROUTER socket; publishes every
 * committed change as a RegistryChange on topic "registry" of its PUB
 * socket, in gap-free seq order, plus a Status heartbeat every second so
 * followers notice when they missed the last change.
 */
#ifndef REGIO_REGISTRY_H
#define REGIO_REGISTRY_H

#include "regio/config.h"
#include "regio/service.h"

typedef struct {
    char router[REGIO_CONFIG_STR_MAX]; /* request endpoint (bind) */
    char pub[REGIO_CONFIG_STR_MAX];    /* change feed endpoint (bind) */
    char db[REGIO_CONFIG_STR_MAX];     /* LMDB directory */
    char backup_dir[REGIO_CONFIG_STR_MAX]; /* backup copies ("" = <db>.backup) */
    long map_mb;                       /* initial LMDB map size */
    long map_max_mb;                   /* map growth cap */
    long batch_max;                    /* requests per transaction */
    regio_security_config_t sec;         /* keys, principals, --insecure */
    long audit_days;                     /* audit retention */
    char log_level[REGIO_CONFIG_STR_MAX];
    int dump_config;
} regio_registry_config_t;

typedef struct regio_registry_s regio_registry_t;

/* The settings table for regio_config_parse, bound to cfg. */
const regio_config_entry_t *regio_registry_config_table(regio_registry_config_t *cfg);

/* Open the store and sockets on svc's loop. Returns 0 or a negative code
 * with one line in err; *out is the caller's (regio_registry_destroy). */
int regio_registry_new(regio_service_t *svc, const regio_registry_config_t *cfg,
                       regio_registry_t **out, char *err, size_t errlen);

/* Stop serving (svc's stop callback): handles close, the loop drains. */
void regio_registry_stop(regio_registry_t *r);

/* Close sockets and LMDB; accepts NULL and sets *self to NULL. */
void regio_registry_destroy(regio_registry_t **self);

#endif
