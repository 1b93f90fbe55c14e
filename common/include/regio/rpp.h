/* rpp - the rpp-1 and rpp-2 planning problem in memory: instance, solution,
 * change.
 *
 * The in-memory form of ../shared/spec/rpp.md. Everything is indexed by dense
 * ints (periods, partners, offerings, learners, goals, qualifications,
 * schools) so that the planner's hot loops never touch strings.
 *
 * An instance is built through the regio_rpp_add_* calls, in this order:
 * periods (rpp-2: with their start dates), then partners, then offerings and
 * learners, then rpp-2's decisions: reservations, refusals (forbidden
 * pairings), and last pins. Each add validates its input against the
 * format's rules and either adds the whole entity or nothing (the instance
 * stays as it was; only after -ENOMEM may some goal, qualification or
 * school codes stay interned, unused). Pins are judged together as they
 * come: a pin that breaks a hard rule alone or with the pins before it is
 * refused, as rpp_check.py refuses the instance. The JSON reader
 * (rpp_json.h) and the planner service both build instances this way, so
 * the rules live here once (rpp.c, rpp_decisions.c).
 *
 * Seats (rpp-2): at each (offering, period, slot) a school's learners use
 * the seats reserved for that school first; the rest of them, and every
 * learner of a school without a reservation there, share the open seats
 * (the seats less all reserved ones). regio_rpp_seats_* keep that count,
 * for the checks here, the scorer and the planner alike.
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
#define REGIO_RPP_NO_DATE INT32_MIN /* a period without a start date */

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
    int32_t start;  /* rpp-2: its first Monday, in days since 1970-01-01; or REGIO_RPP_NO_DATE */
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
    uint32_t pins;        /* rpp-2: bit p set: a pin decides the placement in period p */
    int32_t forbidden;    /* rpp-2: its first refusal (index into r->forbidden), -1 none */
} regio_rpp_learner_t;

/* One placement: a learner at an offering in a period, on some slots. */
typedef struct {
    int32_t learner;
    int32_t offering;
    int16_t period;
    uint16_t slots; /* bit t set: weekly slot t used */
} regio_rpp_placement_t;

/* rpp-2: seats an agreement holds for one school; rows of the instance for
 * the same (offering, period, school) are summed into one. */
typedef struct {
    int32_t offering;
    int16_t period;
    int32_t school;                  /* school index */
    int32_t seats[REGIO_RPP_SLOTS];  /* held per slot */
    int32_t next;                    /* next reservation of the same (offering, period), -1 none */
} regio_rpp_reservation_t;

/* rpp-2: a pairing that must not be planned: the learner with every
 * offering of a partner, or with one offering. */
typedef struct {
    int32_t learner;
    int32_t partner;  /* partner index, or -1 when offering is set */
    int32_t offering; /* offering index, or -1 when partner is set */
    int32_t next;     /* the learner's next refusal, -1 none */
} regio_rpp_refusal_t;

/* Seats left as placements take them (see the top of this file). */
typedef struct {
    int32_t *open; /* n_offerings * n_periods * 10: open seats left, [(o*P + p)*10 + t];
                      below 0 when the placements break the rule */
    int32_t *left; /* n_res * 10: seats reservation i still holds free for its school,
                      [i*10 + t]; below 0 when its learners also take open seats.
                      NULL without reservations */
} regio_rpp_seats_t;

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
    /* rpp-2's decisions (none in an rpp-1 instance), each array owned */
    regio_rpp_reservation_t *res;   /* summed per (offering, period, school), in order of arrival */
    int32_t n_res, cap_res;
    int32_t *res_first;             /* n_offerings * n_periods: first reservation of (o, p), -1
                                       none; NULL without reservations */
    regio_rpp_refusal_t *forbidden;
    int32_t n_forbidden, cap_forbidden;
    regio_rpp_placement_t *pins;    /* in order of arrival */
    int32_t n_pins, cap_pins;
    int32_t *pin_at;                /* n_learners * n_periods: the pin of (l, p), -1 none; NULL
                                       without pins */
    regio_rpp_seats_t pin_seats;    /* the seats the pins leave; empty without pins */
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

/* As regio_rpp_add_period, with the period's start date (rpp-2; NULL: none):
 * an ISO 8601 date as rpp_check.py reads it (YYYY-MM-DD, and also the forms
 * Python's date.fromisoformat takes: YYYYMMDD, YYYY-Www-D, YYYYWwwD,
 * YYYY-Www, YYYYWww), a Monday, not before the end (start + 7 * weeks days)
 * of the last dated period added before. Errors as regio_rpp_add_period,
 * and REGIO_EINVALID for a start that breaks those rules. */
int regio_rpp_add_period_dated(regio_rpp_t *r, const char *id, int weeks, const char *start,
                               char *err, size_t errlen);

/* Parse an ISO date as above into days since 1970-01-01 (years 1..9999).
 * Returns 0 or REGIO_EINVALID. */
int regio_rpp_date_parse(const char *s, int32_t *days);

/* Write days (from regio_rpp_date_parse) as YYYY-MM-DD into out. */
void regio_rpp_date_format(int32_t days, char out[11]);

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

/* rpp-2's decisions: all come after the offerings and learners (adding an
 * offering or learner after one of them is REGIO_EINVALID), and pins come
 * last. Errors of each: REGIO_ENOTFOUND (an id names nothing),
 * REGIO_EINVALID (a rule of the spec or the order above), -ENOMEM; err
 * names the entity and the rule in one line, as rpp_check.py does. */

/* Add seats[10] (each >= 0) held at (offering, period) for school (a school
 * no learner has is fine: nobody can use them). Rows for the same triple
 * add up; held seats may not exceed the offering's seats at any slot
 * (REGIO_EINVALID). */
int regio_rpp_add_reservation(regio_rpp_t *r, const char *offering, const char *period,
                              const char *school, const int32_t *seats, char *err,
                              size_t errlen);

/* Forbid learner with every offering of partner, or with offering: exactly
 * one of the two is not NULL. */
int regio_rpp_add_forbidden(regio_rpp_t *r, const char *learner, const char *partner,
                            const char *offering, char *err, size_t errlen);

/* Pin learner to offering in period on slots (a 16-bit mask, as read). The
 * pin must keep every hard rule (rpp.md) alone and with the pins before it,
 * reservations and refusals included; a second pin for one (learner,
 * period) is REGIO_EDUPLICATE. */
int regio_rpp_add_pin(regio_rpp_t *r, const char *learner, const char *period,
                      const char *offering, uint16_t slots, char *err, size_t errlen);

/* Whether learner l must not be placed at offering o (a refusal of o or of
 * its partner). Can't fail. */
int regio_rpp_forbidden(const regio_rpp_t *r, int32_t l, int32_t o);

/* Seats held at (o, p), slot t, for all schools together. Can't fail. */
int32_t regio_rpp_held(const regio_rpp_t *r, int32_t o, int p, int t);

/* The reservation of school at (o, p), or -1. Can't fail. */
int32_t regio_rpp_reservation_find(const regio_rpp_t *r, int32_t o, int p, int32_t school);

/* Whether r uses anything of rpp-2 (dates, reservations, refusals, pins). */
int regio_rpp_is_v2(const regio_rpp_t *r);

/* Seats left: with_pins 0, as no placement took any (open = the seats less
 * those reserved); 1, once the pins took theirs. s gets new arrays (free
 * with regio_rpp_seats_free). Returns 0 or -ENOMEM. */
int regio_rpp_seats_init(regio_rpp_seats_t *s, const regio_rpp_t *r, int with_pins);

/* Free s's arrays; safe on a zeroed s. */
void regio_rpp_seats_free(regio_rpp_seats_t *s);

/* Make s (from regio_rpp_seats_init for r) as no placement took a seat.
 * Can't fail. */
void regio_rpp_seats_reset(regio_rpp_seats_t *s, const regio_rpp_t *r);

/* A placement of a learner of school takes (n = 1) or gives back (n = -1)
 * the seats of slots (bits 0..9) at (o, p): a seat the school holds there
 * first, else an open one. Can't fail. */
void regio_rpp_seats_take(const regio_rpp_t *r, regio_rpp_seats_t *s, int32_t o, int p,
                          int32_t school, uint32_t slots, int n);

/* Slots of (o, p) where a learner of school finds a seat in s: an open one
 * left, or one its school holds that its learners leave free. Can't fail. */
uint32_t regio_rpp_seats_room(const regio_rpp_t *r, const regio_rpp_seats_t *s, int32_t o,
                              int p, int32_t school);

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

/* Called once per broken rule, with rpp_check.py's words for it (e.g.
 * "learner too young (15 < 16)"); why is valid for the call only. */
typedef void (*regio_rpp_why_cb)(void *arg, const char *why);

/* The hard rules of placement pl on its own, in rpp_check.py's order: its
 * period planned for the learner, exactly dagdelen slots, all free,
 * qualification, age, distance, and no refusal of the pairing. pl's
 * indexes must be in range. Calls why (may be NULL) for each broken rule
 * and returns how many broke, or -1 when the period is not planned (tested
 * first: the checker then skips the rest, seats included). Seats and a
 * second placement for one (learner, period) are the caller's to judge. */
int regio_rpp_check_placement(const regio_rpp_t *r, const regio_rpp_placement_t *pl,
                              regio_rpp_why_cb why, void *arg);

/* The slots of mask m as rpp_check.py prints a list ("[0, 1, 4]") into buf;
 * returns buf. */
const char *regio_rpp_slot_list(uint16_t m, char *buf, size_t len);

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
 * REGIO_EINVALID when a row changes a pinned period, or when the seats left
 * no longer hold r's reservations or pins (rpp_check.py then refuses the
 * changed instance), REGIO_ENOTFOUND for an offering or period index out of
 * range, REGIO_ERANGE for seats outside 0..REGIO_RPP_MAX_SEATS. */
int regio_rpp_change_apply(regio_rpp_t *r, const regio_rpp_change_t *c, char *err, size_t errlen);

/* Free a change's arrays; the struct itself is the caller's. */
void regio_rpp_change_free(regio_rpp_change_t *c);

#endif
