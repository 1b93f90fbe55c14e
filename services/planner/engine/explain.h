/* explain - why a learner's need stays unmet in a plan.
 *
 * For every (learner, goal) whose credit stays below the need, the first
 * reason that holds, from the most basic up: no offering anywhere lists the
 * goal for the learner's qualification; none of those is within max_km;
 * the learner is too young for all that remain; the learner (or its school,
 * or the partner) declined all that remain (rpp-2's refusals); they have no
 * seats on the learner's free slots; the seats left there are held for
 * other schools by agreement (rpp-2's reservations); all eligible seats on
 * the learner's free slots are taken (with how many other learners hold
 * them), all of them by pins; or the learner's periods went to other goals
 * (every planned period already has a placement, or a pin); or, last,
 * seats remain but taking one would not raise the score (travel, a
 * repeated partner).
 */
#ifndef REGIO_EXPLAIN_H
#define REGIO_EXPLAIN_H

#include <stdint.h>
#include <stdio.h>

#include "regio/rpp.h"

/* Reasons, in the order they are tested. */
typedef enum {
    REGIO_EXPLAIN_NO_QUALIFICATION = 0, /* no offering for the goal accepts the qualification */
    REGIO_EXPLAIN_TOO_FAR,              /* none within max_km */
    REGIO_EXPLAIN_TOO_YOUNG,            /* too young for all that remain */
    REGIO_EXPLAIN_DECLINED,             /* all that remain are refused pairings */
    REGIO_EXPLAIN_NO_SEATS,             /* none has seats on the learner's free slots */
    REGIO_EXPLAIN_HELD,                 /* the seats left are held for other schools */
    REGIO_EXPLAIN_SEATS_TAKEN,          /* all such seats are taken by other learners */
    REGIO_EXPLAIN_PINNED,               /* ... every one of them by a pin */
    REGIO_EXPLAIN_PERIODS_USED,         /* every free period holds a placement for other goals */
    REGIO_EXPLAIN_PERIODS_PINNED,       /* ... every one of them a pin */
    REGIO_EXPLAIN_NOT_PLANNED,          /* the learner has no period to plan */
    REGIO_EXPLAIN_NOT_CHOSEN,           /* seats remain, but the plan found them not worth it */
    REGIO_EXPLAIN_COUNT
} regio_explain_reason_t;

typedef struct {
    int32_t learner;
    int32_t goal;        /* goal index */
    int64_t missing;     /* dagdelen short of the need */
    regio_explain_reason_t reason;
    int32_t competing;   /* SEATS_TAKEN, PINNED: other learners placed on those seats */
    int32_t school;      /* HELD: a school the seats are held for (school index), else -1 */
    int32_t offerings;   /* offerings that passed the earlier tests */
    double km;           /* TOO_FAR: distance to the nearest that accepts the qualification */
    int age;             /* TOO_YOUNG: the lowest min_age among those */
} regio_explain_t;

/* The reason's text, e.g. "none within max_km" (HELD: "seats held for
 * another school by agreement"; regio_explain_write names the school). */
const char *regio_explain_reason_text(regio_explain_reason_t reason);

/* Explain every unmet need of sol (a feasible plan of r). *out (caller
 * frees) gets *n entries, by learner then goal. Returns 0 or -ENOMEM. */
int regio_explain_run(const regio_rpp_t *r, const regio_rpp_sol_t *sol, regio_explain_t **out,
                      int32_t *n);

/* Explain and write a JSON list of {learner, goal, missing_dagdelen,
 * reason, detail} to f; *n_unmet (may be NULL) gets the count. Returns 0,
 * -ENOMEM or -EIO. */
int regio_explain_write(const regio_rpp_t *r, const regio_rpp_sol_t *sol, FILE *f,
                        int32_t *n_unmet);

#endif
