/* world - the planner's view of the region: registry + capacity + learners.
 *
 * Registry and capacity parts are mirrors fed by follow.h; learners come
 * from school systems (and from the planner's own LMDB at start). The world
 * owns deep copies of every message it holds. regio_world_build() turns the
 * current view into an rpp-1 instance for the engine: withdrawn offerings
 * and offerings of partners on hold get no seats; learners' free periods
 * that are not in the calendar are left out.
 */
#ifndef REGIO_PLANNER_WORLD_H
#define REGIO_PLANNER_WORLD_H

#include "regio/msg.h"
#include "regio/rpp.h"
#include "regio/strtab.h"

typedef struct {
    regio_strtab_t *partner_ids;  /* id -> index into partners */
    Regio__Partner **partners;    /* owned; NULL for a slot not in use */
    regio_strtab_t *offering_ids;
    Regio__Offering **offerings;  /* owned */
    Regio__PutCalendar *calendar; /* owned, NULL before any */
    regio_strtab_t *cap_keys;     /* "offering\x1fperiod" -> index into seats */
    uint32_t (*seats)[10];
    regio_strtab_t *learner_ids;
    Regio__Learner **learners;    /* owned; NULL when removed */
    size_t cap_partners, cap_offerings, cap_seats, cap_learners;
} regio_world_t;

/* Empty world. Returns 0 or -ENOMEM. */
int regio_world_init(regio_world_t *w);

/* Free everything the world holds. */
void regio_world_free(regio_world_t *w);

/* Replace the registry part with a RegistrySnapshot envelope. 0 or -ENOMEM. */
int regio_world_registry_snapshot(regio_world_t *w, const regio_envelope_t *e);

/* Apply one RegistryChange envelope. 0 or -ENOMEM. */
int regio_world_registry_change(regio_world_t *w, const regio_envelope_t *e);

/* Replace the capacity part with a CapacitySnapshot envelope. 0 or -ENOMEM. */
int regio_world_capacity_snapshot(regio_world_t *w, const regio_envelope_t *e);

/* Apply one CapacityChange envelope; *offering (may be NULL) receives the
 * offering id it touched (borrowed from e). 0 or -ENOMEM. */
int regio_world_capacity_change(regio_world_t *w, const regio_envelope_t *e,
                                const char **offering);

/* Insert or replace a learner (deep copy). 0 or -ENOMEM. */
int regio_world_put_learner(regio_world_t *w, const Regio__Learner *l);

/* Remove a learner; 0, or REGIO_ENOTFOUND. */
int regio_world_remove_learner(regio_world_t *w, const char *id);

/* The learner with this id, or NULL. Borrowed until it is replaced. */
const Regio__Learner *regio_world_learner(const regio_world_t *w, const char *id);

/* 1 when the calendar has this period id. */
int regio_world_has_period(const regio_world_t *w, const char *id);

/* Build an rpp-1 instance of the current world with weights ww. *out is the
 * caller's. Entities the builder rejects are skipped and counted in
 * *skipped (may be NULL). Returns 0 or -ENOMEM. */
int regio_world_build(const regio_world_t *w, const regio_rpp_weights_t *ww, regio_rpp_t **out,
                      int *skipped);

#endif
