/* learner_rights - who may see and change which learner in the planner, and
 * what the planner holds on one learner (right of access, right to erasure).
 *
 * Admins, coordinators and services see and change every learner. A school
 * (school:<id>) sees and changes only the learners it holds: those whose
 * stored request names it, and the placements of those learners. A partner
 * (partner:<id>) sees only the placements at its own offerings (as the
 * registry mirror knows each offering's partner) and no learner request at
 * all: no home, no age, no free slots.
 *
 * Ownership: nothing here keeps a pointer past the call; what an export
 * message points at is borrowed from the world and the plan.
 */
#ifndef REGIO_PLANNER_LEARNER_RIGHTS_H
#define REGIO_PLANNER_LEARNER_RIGHTS_H

#include <lmdb.h>

#include "plan_state.h"
#include "regio/msg.h"
#include "regio/principal.h"
#include "world.h"

/* Reason carried by the changes that cancel an erased learner's placements. */
#define REGIO_RIGHTS_ERASED_REASON "learner erased on request"

/* The school the planner holds learner id under, as of txn: its stored
 * request's, or else (a removed request whose placements wait for the next
 * round) its placements'. Writes it to school (n bytes); "" when the planner
 * holds nothing on id. Returns 0 or an LMDB code. */
int regio_rights_school(MDB_txn *txn, MDB_dbi learners, MDB_dbi plan, const char *id, char *school,
                        size_t n);

/* Whether p may change or read learner id of school `school`: admins,
 * coordinators and school:<school>. 0, or REGIO_EFORBIDDEN with the reason
 * in why, which does not name the learner's school. */
int regio_rights_check(const regio_principal_t *p, const char *id, const char *school, char *why,
                       size_t n);

/* Whether a planner snapshot for p carries learner l / placement e. */
int regio_rights_sees_learner(const regio_principal_t *p, const Regio__Learner *l);
int regio_rights_sees_placement(const regio_principal_t *p, const regio_world_t *w,
                                const Regio__PlacementChange *e);

/* Delete learner id's placements from the plan table in txn and append the
 * changes that cancel them to d (reason REGIO_RIGHTS_ERASED_REASON, stamped
 * plan_version). Returns 0, -ENOMEM or an LMDB code. */
int regio_rights_cancel(MDB_txn *txn, MDB_dbi plan, const char *id, uint64_t plan_version,
                        regio_plan_state_diff_t *d);

/* Fill x with what the planner holds on id: its request (borrowed from w)
 * and its placements (borrowed from plan; x->placements is allocated: free
 * it with free()). Returns 0 or -ENOMEM. */
int regio_rights_export(const regio_world_t *w, const regio_plan_state_t *plan, const char *id,
                        Regio__LearnerExport *x);

#endif
