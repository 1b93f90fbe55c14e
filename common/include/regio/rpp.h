/* rpp - the rpp-1 planning problem in memory: instance, solution, change.
 *
 * The in-memory form of ../shared/spec/rpp.md. Everything is indexed by dense
 * ints (periods, partners, offerings, learners, goals, qualifications,
 * schools) so that the planner's hot loops never touch strings.
 *
 * An instance is built through the regio_rpp_add_* calls, in this order:
 * periods, then partners, then offerings and learners. Each add validates its
 * input against the format's rules and either adds the whole entity or
 * nothing (the instance stays as it was; only after -ENOMEM may some goal,
 qualification or school codes stay interned, unused). The JSON reader (rpp_json.h) and
 * the planner service both build instances this way, so the rules live here
 * once.
 *
 * Ownership: the instance owns every string and array it holds; input
 * structs passed to add_* are borrowed only for the call.
 */
#ifndef REGIO_RPP_H
#define REGIO_RPP_H

#include <stddef.h>
#include <stdint.h>

#include "regio/strtab.h"

#define REGIO_RPP_SLOTS 10       /* weekly slots: t = 2*day + part */
#define REGIO_RPP_MAX_PERIODS 32 /* periods fit a uint32_t bitmask */
#define REGIO_RPP_MAX_SEATS 100000
#define REGIO_RPP_ALL_SLOTS 0x3ffu

/* Partner kinds: the six "praktijken". */
typedef enum {
    REGIO_RPP_BUSINESS = 0,
    REGIO_RPP_GOVERNMENT,
    REGIO_RPP_INSTITUTION,
    REGIO_RPP_KNOWLEDGE,
    REGIO_RPP_CIVIC,
    REGIO_RPP_EDUCATION,
    REGIO_RPP_KIND_COUNT
} regio_rpp_kind_t;

/* Score weights; defaults are those of the spec. */
typedef struct {
    double coverage;   /* per dagdeel of need covered */
    double km;         /* per km travelled */
    double repeat;     /* per placement at a partner seen before */
    double preference; /* per placement at a preferred partner */
} regio_rpp_weights_t;

typedef struct {
    const char *id; /* owned by the instance's period id table */
    int weeks;      /* weeks in this period, 1..53 */
} regio_rpp_period_t;

typedef struct {
    const char *id;   /* owned by the instance's partner id table */
    char *name;       /* display name, owned */
    regio_rpp_kind_t kind;
    double lat, lon;  /* main site, degrees */
} regio_rpp_partner_t;

typedef struct {
    const char *id;   /* owned by the instance's offering id table */
    int32_t partner;  /* partner index */
    char *form;       /* form of learning place, owned (free text) */
    double lat, lon;  /* site of the offering, degrees */
    int32_t *goals;   /* goal indexes, owned */
    int n_goals;
    int32_t *quals;   /* qualification indexes, owned; empty = open to all */
    int n_quals;
    int min_age;      /* learners younger than this are not eligible */
    int32_t *cap;     /* n_periods * 10 seats: cap[p*10 + slot], owned */
} regio_rpp_offering_t;

typedef struct {
    int32_t goal; /* goal index */
    int amount;   /* dagdelen still needed, >= 0 */
} regio_rpp_need_t;

typedef struct {
    const char *id;       /* pseudonymous id, owned by the learner id table */
    int32_t school;       /* school index */
    int32_t qual;         /* qualification index */
    int age;
    double lat, lon;      /* home, degrees */
    double max_km;        /* furthest offering the learner can reach */
    int dagdelen;         /* slots each placement uses, 1..10 */
    uint32_t planned;     /* bit p set: period p is listed in `free` */
    uint16_t *free;       /* n_periods slot masks, owned */
    regio_rpp_need_t *needs; /* owned */
    int n_needs;
    int32_t *preferred;   /* partner indexes (unknown ids dropped), owned */
    int n_preferred;
    int32_t *history;     /* partner indexes (unknown ids dropped), owned */
    int n_history;
} regio_rpp_learner_t;

typedef struct {
    char *name;                     /* instance name, owned */
    regio_rpp_weights_t w;
    regio_rpp_period_t *periods;    /* in planning order */
    int n_periods;
    regio_rpp_partner_t *partners;
    int32_t n_partners;
    regio_rpp_offering_t *offerings;
    int32_t n_offerings;
    regio_rpp_learner_t *learners;
    int32_t n_learners;
    regio_strtab_t *period_ids, *partner_ids, *offering_ids, *learner_ids;
    regio_strtab_t *goals, *quals, *schools; /* interned codes */
    int32_t cap_partners, cap_offerings, cap_learners; /* array capacities */
} regio_rpp_t;

/* Input for regio_rpp_add_offering; all pointers borrowed for the call. */
typedef struct {
    const char *id, *partner, *form;
    double lat, lon;
    const char *const *goals;
    int n_goals;
    const char *const *quals;
    int n_quals;
    int min_age;
    const int32_t *cap; /* n_periods * 10 seats, or NULL for none */
} regio_rpp_offering_in_t;

/* Input for regio_rpp_add_learner; all pointers borrowed for the call. */
typedef struct {
    const char *id, *school, *qual;
    int age;
    double lat, lon, max_km;
    int dagdelen;
    uint32_t planned;       /* bit p: period p listed in free */
    const uint16_t *free;   /* n_periods slot masks */
    const char *const *need_goals;
    const int *need_amounts;
    int n_needs;
    const char *const *preferred;
    int n_preferred;
    const char *const *history;
    int n_history;
} regio_rpp_learner_in_t;

/* One placement: a learner at an offering in a period, on some slots. */
typedef struct {
    int32_t learner;
    int32_t offering;
    int16_t period;
    uint16_t slots; /* bit t set: weekly slot t used */
} regio_rpp_placement_t;

typedef struct {
    regio_rpp_placement_t *v; /* owned */
    int32_t n, cap;
} regio_rpp_sol_t;

/* An rpp-1-change: see the spec. */
typedef struct {
    uint32_t pinned;             /* bit p: period p is pinned */
    int32_t *cap_offering;       /* rows: offering index */
    int16_t *cap_period;         /* rows: period index */
    int32_t *cap_seats;          /* rows * 10 seats */
    int n_cap;
    int32_t *withdrawn;          /* offering indexes */
    int n_withdrawn;
} regio_rpp_change_t;

/* Default weights of the spec (100, 0.5, 500, 200). */
regio_rpp_weights_t regio_rpp_default_weights(void);

/* Create an empty instance named name (may be NULL). NULL when out of memory. */
regio_rpp_t *regio_rpp_new(const char *name);

/* Free an instance; accepts NULL and sets *self to NULL. */
void regio_rpp_destroy(regio_rpp_t **self);

/* Add a period. Must come before partners, offerings and learners.
 * Errors: REGIO_EDUPLICATE (id exists), REGIO_ERANGE (weeks outside 1..53 or
 * more than REGIO_RPP_MAX_PERIODS), REGIO_EINVALID (adding after offerings or
 * learners), -ENOMEM. err (errlen bytes, may be NULL) gets one line why. */
int regio_rpp_add_period(regio_rpp_t *r, const char *id, int weeks, char *err, size_t errlen);

/* Add a partner. kind is a string of the spec ("business", ...).
 * Errors: REGIO_EDUPLICATE, REGIO_EINVALID (unknown kind, empty id),
 * REGIO_ERANGE (lat/lon), -ENOMEM. */
int regio_rpp_add_partner(regio_rpp_t *r, const char *id, const char *name, const char *kind,
                          double lat, double lon, char *err, size_t errlen);

/* Add an offering. Errors: REGIO_EDUPLICATE, REGIO_ENOTFOUND (partner),
 * REGIO_ERANGE (lat/lon, min_age outside 0..REGIO_MAX_AGE, seats outside
 * 0..REGIO_RPP_MAX_SEATS), REGIO_EINVALID (empty id, NULL list items),
 * -ENOMEM. A goal listed twice counts twice, as in rpp_check.py. */
int regio_rpp_add_offering(regio_rpp_t *r, const regio_rpp_offering_in_t *in, char *err,
                           size_t errlen);

/* Add a learner. Unknown partners in preferred/history are dropped (they can
 * never match). Errors: REGIO_EDUPLICATE (id, or a need goal listed twice),
 * REGIO_ERANGE (age outside 0..REGIO_MAX_AGE, dagdelen outside 1..10, negative or
 * non-finite max_km, negative need amounts, lat/lon, free slots above 9,
 * planned bits beyond n_periods), REGIO_EINVALID (empty id, missing school
 * or qualification, free slots in a period not planned), -ENOMEM. */
int regio_rpp_add_learner(regio_rpp_t *r, const regio_rpp_learner_in_t *in, char *err,
                          size_t errlen);

/* Return the kind's spec name ("business", ...), or NULL if out of range. */
const char *regio_rpp_kind_name(int kind);

/* Parse a kind name; returns the kind or -1. */
int regio_rpp_kind_parse(const char *s);

/* Deep copy of an instance (the replanner mutates capacity on a copy).
 * NULL when out of memory. */
regio_rpp_t *regio_rpp_clone(const regio_rpp_t *r);

/* Seats of offering o in period p, slot t. */
static inline int32_t regio_rpp_cap(const regio_rpp_t *r, int32_t o, int p, int t)
{
    return r->offerings[o].cap[p * REGIO_RPP_SLOTS + t];
}

/* Great-circle distance in km (haversine, radius 6371.0), as the checker. */
double regio_rpp_dist_km(double lat1, double lon1, double lat2, double lon2);

/* Whether learner l may be placed at offering o at all (qualification, age,
 * distance with the checker's 1e-6 km tolerance). Can't fail. */
int regio_rpp_eligible(const regio_rpp_t *r, int32_t l, int32_t o);

/* The two halves of regio_rpp_eligible, for callers that need the
 * distance anyway: qualification and age; and whether km (from
 * regio_rpp_dist_km) is within l's max_km. eligible == qualified && within. */
int regio_rpp_qualified(const regio_rpp_t *r, int32_t l, int32_t o);
int regio_rpp_within(const regio_rpp_t *r, int32_t l, double km);

/* Solutions ------------------------------------------------------------- */

/* Initialise an empty solution (no allocation yet). */
void regio_rpp_sol_init(regio_rpp_sol_t *s);

/* Free the placements of s and make it empty again. */
void regio_rpp_sol_free(regio_rpp_sol_t *s);

/* Append a placement. Returns 0 or -ENOMEM. */
int regio_rpp_sol_add(regio_rpp_sol_t *s, int32_t learner, int16_t period, int32_t offering,
                      uint16_t slots);

/* Copy src into dst (dst is freed first). Returns 0 or -ENOMEM. */
int regio_rpp_sol_copy(regio_rpp_sol_t *dst, const regio_rpp_sol_t *src);

/* Sort placements by (learner, period), then offering and slots: the
 * canonical order for output and comparison. Can't fail. */
void regio_rpp_sol_sort(regio_rpp_sol_t *s);

/* Changes --------------------------------------------------------------- */

/* Apply a change to r in place: capacity rows replace seats, withdrawn
 * offerings lose all seats outside pinned periods (as rpp_check.py does; the
 * spec's text says "all seats"). Returns 0, or (r then untouched)
 * REGIO_EINVALID when a row changes a pinned period, REGIO_ENOTFOUND for an
 * offering or period index out of range, REGIO_ERANGE for seats outside
 * 0..REGIO_RPP_MAX_SEATS. */
int regio_rpp_change_apply(regio_rpp_t *r, const regio_rpp_change_t *c, char *err, size_t errlen);

/* Free a change's arrays; the struct itself is the caller's. */
void regio_rpp_change_free(regio_rpp_change_t *c);

#endif
