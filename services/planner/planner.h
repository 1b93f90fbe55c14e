/* planner - the planner service: learner requests, plans, placement changes.
 *
 * Learner requests arrive from school systems (PutLearner/RemoveLearner) and
 * are stored in LMDB. The planner follows the registry and capacity
 * services (follow.h) into its world (world.h). On PlanRequest, and after
 * capacity or offering changes once a plan exists, it builds an rpp-1
 * instance, runs the engine (engine.h) on a worker thread, diffs the result
 * against the current plan, commits plan + changes in one transaction and
 * hands the changes to the notifier through its outbox (outbox.h).
 * Who may see and change which learner, and a learner's export and
 * erasure, follow learner_rights.h.
 *
 * A round that would cancel more than max-cancel-share of the placements
 * (of learners who still ask for one) is not committed unless a PlanRequest
 * with confirm joined it: the plan stays, Status carries the alarm, waiting
 * requests get ERROR_CONFIRM_NEEDED. Followers that no longer trust their
 * upstream (follow.h) add their alarms; ResolveAlarm resolves those.
 */
#ifndef REGIO_PLANNER_H
#define REGIO_PLANNER_H

#include "regio/config.h"
#include "regio/service.h"

typedef struct {
    char router[REGIO_CONFIG_STR_MAX];    /* requests (bind) */
    char pub[REGIO_CONFIG_STR_MAX];       /* plan summaries (bind) */
    char registry_router[REGIO_CONFIG_STR_MAX], registry_pub[REGIO_CONFIG_STR_MAX];
    char capacity_router[REGIO_CONFIG_STR_MAX], capacity_pub[REGIO_CONFIG_STR_MAX];
    char notifier_router[REGIO_CONFIG_STR_MAX]; /* where changes go */
    char db[REGIO_CONFIG_STR_MAX];        /* LMDB directory */
    char backup_dir[REGIO_CONFIG_STR_MAX]; /* backup copies ("" = <db>.backup) */
    long map_mb, map_max_mb;
    long batch_max;
    char engine[REGIO_CONFIG_STR_MAX];    /* engine name ("" = default) */
    double seconds;                       /* default planning budget */
    long threads;                         /* engine threads */
    double move_margin;                   /* replanning: keep placements unless this much better */
    long replan_delay_ms;                 /* gather capacity changes this long before replanning */
    int auto_replan;                      /* replan on capacity/offering changes */
    double max_cancel_share;              /* an unconfirmed round may cancel at most this share of the plan */
    long cancel_guard_min;                /* ... once it cancels this many placements */
    double plan_seconds_max;              /* the longest budget a PlanRequest may ask for */
    double w_coverage, w_km, w_repeat, w_preference; /* score weights */
    regio_security_config_t sec;         /* keys, principals, --insecure */
    long audit_days;                     /* audit retention */
    char log_level[REGIO_CONFIG_STR_MAX];
    int dump_config;
} regio_planner_config_t;

typedef struct regio_planner_s regio_planner_t;

/* The settings table for regio_config_parse, bound to cfg. */
const regio_config_entry_t *regio_planner_config_table(regio_planner_config_t *cfg);

/* Open store, sockets, followers and outbox on svc. 0 or negative + err;
 * *out is the caller's (regio_planner_destroy), also on failure. */
int regio_planner_new(regio_service_t *svc, const regio_planner_config_t *cfg,
                      regio_planner_t **out, char *err, size_t errlen);

/* Begin a clean stop: a running plan finishes and is committed first. */
void regio_planner_stop(regio_planner_t *p);

/* Free everything; accepts NULL and sets *self to NULL. */
void regio_planner_destroy(regio_planner_t **self);

#endif
