/* plan_state - the current plan by ids, and the diff that yields changes.
 *
 * The plan is kept by ids (not instance indexes) because each planning
 * round builds a fresh instance. Each entry is a PlacementChange message
 * (kind CREATED) so it carries the school and partner needed to notify.
 */
#ifndef REGIO_PLANNER_PLAN_STATE_H
#define REGIO_PLANNER_PLAN_STATE_H

#include "regio/msg.h"
#include "regio/rpp.h"
#include "regio/strtab.h"

typedef struct {
    Regio__PlacementChange **v; /* owned entries, NULL = removed slot */
    size_t n, cap;              /* slots in v (some may be NULL) */
    size_t live;                /* entries that are not NULL: the placements */
    regio_strtab_t *keys;       /* "learner\x1fperiod" -> index into v */
    uint64_t version;           /* bumped by every committed plan */
} regio_plan_state_t;

/* The changes between two plans, owned by the caller. */
typedef struct {
    Regio__PlacementChange **v; /* owned */
    size_t n, cap;
} regio_plan_state_diff_t;

/* Empty plan. 0 or -ENOMEM. */
int regio_plan_state_init(regio_plan_state_t *p);

/* Free all entries. */
void regio_plan_state_free(regio_plan_state_t *p);

/* Add or replace an entry (deep copy of e). 0 or -ENOMEM. */
int regio_plan_state_put(regio_plan_state_t *p, const Regio__PlacementChange *e);

/* Remove the entry of (learner, period); 0, or REGIO_ENOTFOUND. */
int regio_plan_state_remove(regio_plan_state_t *p, const char *learner, const char *period);

/* Remove every entry of learner (O(plan)); returns how many there were. */
size_t regio_plan_state_remove_learner(regio_plan_state_t *p, const char *learner);

/* The key of (learner, period), in the plan's table and in keys:
 * "learner\x1fperiod"; with period "" the prefix of all the learner's
 * keys. Returns its length, or -1 when it does not fit n bytes. */
int regio_plan_state_key(char *out, size_t n, const char *learner, const char *period);

/* The entry a plan keeps for change c (created or moved): c's learner,
 * school, period, offering, partner and slots, kind CREATED, nothing else.
 * Borrows c's strings and slots. */
Regio__PlacementChange regio_plan_state_entry(const Regio__PlacementChange *c);

/* Entry for (learner, period), or NULL. */
const Regio__PlacementChange *regio_plan_state_get(const regio_plan_state_t *p, const char *learner,
                                             const char *period);

/* Express the plan in r's indexes, for the engine to repair. Entries whose
 * learner, period or offering r lacks are left out. 0 or -ENOMEM. */
int regio_plan_state_to_sol(const regio_plan_state_t *p, const regio_rpp_t *r, regio_rpp_sol_t *sol);

/* The plan that sol (a solution of r) describes. *out must be initialised. */
int regio_plan_state_from_sol(regio_plan_state_t *out, const regio_rpp_t *r, const regio_rpp_sol_t *sol);

/* Changes from old to new: created, moved (other offering or slots),
 * cancelled. reason_of(offering id of the old placement or NULL, arg) says
 * why. plan_version is stamped on each. 0 or -ENOMEM. */
int regio_plan_state_diff(const regio_plan_state_t *old, const regio_plan_state_t *new_plan, uint64_t plan_version,
                    const char *(*reason_of)(const Regio__PlacementChange *old_entry, void *arg),
                    void *arg, regio_plan_state_diff_t *d);

/* The same changes as regio_plan_state_from_sol followed by
 * regio_plan_state_diff against old, without building the new plan: one
 * pass over sol and one over old, so a replan that changes a few
 * placements costs a lookup per placement, not a copy of the plan.
 * 0 or -ENOMEM. */
int regio_plan_state_diff_sol(const regio_plan_state_t *old, const regio_rpp_t *r,
                              const regio_rpp_sol_t *sol, uint64_t plan_version,
                              const char *(*reason_of)(const Regio__PlacementChange *old_entry, void *arg),
                              void *arg, regio_plan_state_diff_t *d);

/* Append to d the change that cancels plan entry was (as a diff would
 * write it), stamped with reason and plan_version. 0 or -ENOMEM. */
int regio_plan_state_cancel(regio_plan_state_diff_t *d, const Regio__PlacementChange *was,
                            const char *reason, uint64_t plan_version);

/* Make p the plan after the changes d (from a diff against p): created
 * and moved entries are put, cancelled ones removed. 0, or -ENOMEM with
 * the changes before the failing one applied. */
int regio_plan_state_apply(regio_plan_state_t *p, const regio_plan_state_diff_t *d);

/* Free a diff's changes. */
void regio_plan_state_diff_free(regio_plan_state_diff_t *d);

/* Slots of a mask as a list (out has room for 10); returns the count. */
size_t regio_plan_state_slots(uint16_t mask, uint32_t *out);

#endif
