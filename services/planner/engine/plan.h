/* plan - a plan under construction, scored incrementally.
 *
 * Holds one pick per (learner, period), the seats left per (offering,
 * period, slot) and each learner's worth (its share of the score). The score
 * is a sum over learners and seats are the only coupling, so changing one
 * pick costs O(the learner's data): seats of one offering, the learner's
 * own needs and periods; never a recount.
 *
 * rpp-2: a plan starts with the instance's pins in it, and never changes
 * them (regio_plan_changeable). Seats are counted with the reservation
 * rule (rpp.h): `seats` and `avail` are the open seats, and a learner also
 * finds the seats held for its school that its school's learners leave
 * free (regio_plan_avail). Refused pairings are no candidates (cand.h).
 *
 * The search maximises an objective that is the score plus optional extras:
 * a per-school bonus per covered dagdeel (fairness) and a margin charged for
 * every pick that differs from a base plan (replanning). Without extras the
 * objective is the score.
 *
 * Threads: calls that touch disjoint learners whose candidates lie in
 * disjoint offerings may run concurrently on one plan; everything else needs
 * the caller's exclusion.
 */
#ifndef REGIO_PLAN_H
#define REGIO_PLAN_H

#include <stdint.h>

#include "cand.h"
#include "exact.h"
#include "regio/rpp.h"

#define REGIO_PICK_NONE -1 /* no placement */
#define REGIO_PICK_FREE -2 /* in a base plan: the old pick is gone, any pick is free */

typedef struct {
    int32_t cand;   /* index among the learner's candidates, or REGIO_PICK_* */
    uint16_t slots; /* weekly slots used; 0 without a placement */
} regio_pick_t;

typedef struct {
    double obj;   /* what the search maximises: score plus extras */
    double score; /* the learner's share of the rpp-1 score */
    int64_t cov;  /* dagdelen of need covered */
} regio_worth_t;

typedef struct {
    const regio_rpp_t *r;      /* borrowed for the plan's life */
    const regio_cands_t *c;    /* borrowed for the plan's life */
    int P;                     /* periods */
    int32_t L, O;              /* learners, offerings */
    int max_needs;             /* largest n_needs, for scratch arrays */
    regio_pick_t *pick;        /* L*P picks, [l*P + p] */
    int32_t *seats;            /* O*P*10 open seats left, [(o*P + p)*10 + t] (regio_rpp_seats_t) */
    int32_t *left;             /* per reservation of r, * 10: seats it still holds free for its
                                  school (regio_rpp_seats_t); NULL when r has none */
    uint16_t *avail;           /* O*P: bit t set while open seats are left at t */
    uint16_t *capmask;         /* O*P: bit t set when the offering has open seats at t at all */
    regio_worth_t *worth;      /* per learner, kept current by regio_plan_set */
    int64_t *occ_start;        /* O*P+1 offsets into occ: room for every seat of (o, p) */
    int32_t *occ;              /* learners placed at each (o, p), unordered */
    int32_t *occ_n;            /* O*P: how many */
    /* extras of the objective; NULL / 0 when unused */
    regio_pick_t *base;        /* L*P picks of a base plan; differing costs margin */
    double margin;             /* cost of one changed pick */
    uint8_t *frozen;           /* L*P: 1 = this pick never changes (pinned periods) */
    double *bonus;             /* per school: objective per covered dagdeel */
    /* a guide for choices only (never part of the objective) */
    const double *price;       /* O*P*10 seat prices (e.g. Lagrange multipliers), or NULL */
    double price_w;            /* how much of the price a pick pays when choosing */
} regio_plan_t;

/* Scratch space for one thread's evaluations. */
typedef struct {
    const uint8_t *allowed; /* per offering: 0 = this thread places nobody there and
                               moves nobody away from there (the choices below skip it;
                               see regio_plan_may_change); NULL: every offering. Borrowed. */
    int64_t *credit;        /* max_needs */
    int64_t *credit2;       /* max_needs */
    regio_exact_opt_t *opt; /* options of one learner's periods */
    int64_t cap_opt;
    regio_exact_memo_t *memo; /* for regio_plan_learner_exact (NULL: searched without) */
    int32_t *cand_at;       /* O entries, all -1 between calls: one learner's candidate
                               per offering, while regio_plan_best_at_each runs */
} regio_plan_work_t;

/* Set up a plan for r with candidates c that holds r's pins and nothing
 * else (every other seat free). Returns 0, -ENOMEM, or REGIO_EINVALID when
 * a pin's offering is not among its learner's candidates (c was built
 * without r's pins); then pl holds nothing to free. */
int regio_plan_init(regio_plan_t *pl, const regio_rpp_t *r, const regio_cands_t *c);

/* Free the plan's arrays, extras included; safe on a zeroed plan. */
void regio_plan_free(regio_plan_t *pl);

/* Make dst a copy of src's picks, seats and worths (dst initialised for the
 * same instance; extras are shared pointers, not copied). Can't fail. */
void regio_plan_copy(regio_plan_t *dst, const regio_plan_t *src);

/* Cross two plans of the same instance and candidates into dst. The
 * learners placed differently fall into groups: two of them are in one
 * group when either plan has both at one offering in one period. No seat
 * is shared across groups, except with learners placed the same in both,
 * so every group can take either plan's picks and the seats still fit;
 * each group whose picks in src are worth more takes them. dst's
 * objective rises by the returned amount (>= 0; 0 too when out of memory,
 * then dst is unchanged). *groups (may be NULL) gets how many groups moved. */
double regio_plan_cross(regio_plan_t *dst, regio_plan_work_t *w, const regio_plan_t *src,
                        int64_t *groups);

/* Allocate scratch for pl (allowed NULL: every offering); returns 0 or -ENOMEM. */
int regio_plan_work_init(regio_plan_work_t *w, const regio_plan_t *pl);
void regio_plan_work_free(regio_plan_work_t *w);

/* Worth of learner l if its picks were pk[0..P-1]. Seats are not checked. */
regio_worth_t regio_plan_worth(const regio_plan_t *pl, regio_plan_work_t *w, int32_t l,
                               const regio_pick_t *pk);

/* Change the pick of (l, p) to pk: the old pick's seats are freed, the new
 * one's taken, l's worth updated. The caller has checked the seats (every
 * slot of pk.slots has a seat at pk's offering, counting the seats the old
 * pick frees). Returns the change of the objective. */
double regio_plan_set(regio_plan_t *pl, regio_plan_work_t *w, int32_t l, int p, regio_pick_t pk);

/* The best pick for (l, p) with l's other periods as they are, among
 * placements that fit the seats left (the seats of l's current pick at p
 * count as free): fewest days, then the slots with most seats left (or the
 * base plan's slots when they still fit). *out gets it (cand NONE when no
 * placement is best); returns l's objective with it (less the price terms
 * of its picks when prices guide: see regio_plan_priced). *second (may be NULL)
 * gets the objective of the best pick at another offering (or of no
 * placement), for regret. Can't fail. */
double regio_plan_best(const regio_plan_t *pl, regio_plan_work_t *w, int32_t l, int p,
                       regio_pick_t *out, double *second);

/* Like regio_plan_best, but as if no other learner held a seat: the pick
 * (l, p) would take if it could choose first. */
double regio_plan_wish(const regio_plan_t *pl, regio_plan_work_t *w, int32_t l, int p,
                       regio_pick_t *out);

/* Like regio_plan_best, but only at one offering, for each of n in turn:
 * o[j] within room[j] (the slots where the caller reckons a seat is free at
 * (o[j], p), say the seats left plus those another learner would give up;
 * l's own current seats there count as free too). val[j] gets l's
 * objective with the best pick there and out[j] the pick, or -HUGE_VAL and
 * NONE when no candidate at o[j] fits (or o[j] < 0). What does not depend
 * on the offering is worked out once. Can't fail. */
void regio_plan_best_at_each(const regio_plan_t *pl, regio_plan_work_t *w, int32_t l, int p,
                             int n, const int32_t *o, const uint32_t *room, regio_pick_t *out,
                             double *val);

/* Like regio_plan_best, but l leaves its current offering at p and gives
 * up its seats there: the best pick elsewhere, or none. */
double regio_plan_best_away(const regio_plan_t *pl, regio_plan_work_t *w, int32_t l, int p,
                            regio_pick_t *out);

/* Give learner l its best picks in all periods it may change, greedily: the
 * period whose best pick gains most first, until nothing gains. Returns the
 * change of the objective. */
double regio_plan_learner_greedy(regio_plan_t *pl, regio_plan_work_t *w, int32_t l);

/* Give learner l the best combination of picks over all the periods it may
 * change, searched exactly (exact.h) among placements that fit the seats
 * left; applied only when it raises l's objective. Returns the change of
 * the objective (>= 0), or -ENOMEM... never: without memory it does
 * nothing and returns 0. */
double regio_plan_learner_exact(regio_plan_t *pl, regio_plan_work_t *w, int32_t l);

/* Price term of pick pk at (l, p): price_w times the prices of its seats
 * (0 without prices). */
double regio_plan_price(const regio_plan_t *pl, int32_t l, int p, regio_pick_t pk);

/* l's objective minus the price terms of its current picks: what choices
 * compare against while prices guide them. */
double regio_plan_priced(const regio_plan_t *pl, int32_t l);

/* Recompute every learner's worth (after the extras changed). */
void regio_plan_refresh(regio_plan_t *pl, regio_plan_work_t *w);

/* After picks were written directly (not by regio_plan_set): recompute
 * what follows from them: the seats, avail, the occupants, the worths. */
void regio_plan_sync(regio_plan_t *pl, regio_plan_work_t *w);

/* Sum of worths over all learners, and placements; any out pointer may be NULL. */
void regio_plan_totals(const regio_plan_t *pl, double *obj, double *score, int64_t *cov,
                       int32_t *placements);

/* Append pl's placements to sol (sorted by learner, period). Returns 0 or -ENOMEM. */
int regio_plan_to_sol(const regio_plan_t *pl, regio_rpp_sol_t *sol);

/* Learners placed at offering o in period p (*n of them; order arbitrary);
 * valid until the plan changes. */
static inline const int32_t *regio_plan_occupants(const regio_plan_t *pl, int32_t o, int p,
                                                  int32_t *n)
{
    int64_t op = (int64_t)o * pl->P + p;
    *n = pl->occ_n[op];
    return pl->occ + pl->occ_start[op];
}

/* Offering of (l, p), or -1 without a placement. */
static inline int32_t regio_plan_offering(const regio_plan_t *pl, int32_t l, int p)
{
    int32_t k = pl->pick[(int64_t)l * pl->P + p].cand;
    return k < 0 ? -1 : pl->c->v[pl->c->start[l] + k].offering;
}

/* Whether the pick of (l, p) may change: l is planned in p, has
 * candidates, is not pinned there, and (l, p) is not frozen. */
static inline int regio_plan_changeable(const regio_plan_t *pl, int32_t l, int p)
{
    const regio_rpp_learner_t *L = &pl->r->learners[l];
    return ((L->planned & ~L->pins) >> p & 1u) && pl->c->start[l + 1] > pl->c->start[l] &&
           !(pl->frozen && pl->frozen[(int64_t)l * pl->P + p]);
}

/* Slots of (o, p) (op = o*P + p) where learner l's school holds seats its
 * learners leave free; 0 where it holds none. */
uint32_t regio_plan_held(const regio_plan_t *pl, int32_t l, int64_t op);

/* Whether some school holds seats at (o, p) (op = o*P + p). */
static inline int regio_plan_holds(const regio_plan_t *pl, int64_t op)
{
    return pl->left && pl->r->res_first[op] >= 0;
}

/* Slots of (o, p) (op = o*P + p) where learner l finds a seat now: an open
 * one, or one its school holds free (the seats of l's own pick there are
 * the caller's to add). */
static inline uint32_t regio_plan_avail(const regio_plan_t *pl, int32_t l, int64_t op)
{
    return pl->avail[op] | (regio_plan_holds(pl, op) ? regio_plan_held(pl, l, op) : 0u);
}

/* Whether the thread owning scratch w may change the pick of (l, p): it is
 * changeable and not at an offering w is kept off (w->allowed). */
static inline int regio_plan_may_change(const regio_plan_t *pl, const regio_plan_work_t *w,
                                        int32_t l, int p)
{
    if (!regio_plan_changeable(pl, l, p))
        return 0;
    int32_t o = w->allowed ? regio_plan_offering(pl, l, p) : -1;
    return o < 0 || w->allowed[o];
}

/* How many margins pick pk costs against the base plan's pick b: 0 when
 * it is the same or b is REGIO_PICK_FREE, 2 when it cancels a base
 * placement (the learner loses its place, which is worse than moving: a
 * forced learner may take a kept learner's seat only for twice the gain),
 * 1 for any other change. */
static inline int regio_pick_changed(regio_pick_t b, regio_pick_t pk)
{
    if (b.cand == REGIO_PICK_FREE)
        return 0;
    if (b.cand >= 0 && pk.cand < 0)
        return 2;
    return b.cand != pk.cand || (pk.cand >= 0 && b.slots != pk.slots);
}

/* Slots of l's free slots at period p where candidate k has seats left
 * (the seats of l's own pick at p count as free). */
uint32_t regio_plan_room(const regio_plan_t *pl, int32_t l, int p, int32_t k);

/* Slots for candidate k at (l, p) within room a: the base plan's slots when
 * k is the base pick and they fit (*keep = 1), else the fewest days.
 * Returns the days, or -1 when k does not fit. */
int regio_plan_slots(const regio_plan_t *pl, int32_t l, int p, int32_t k, uint32_t a,
                     uint16_t *mask, int *keep);

/* Among the fewest-day slot sets for pick pk, take the one that leaves most
 * room (unless pk keeps the base plan's slots). */
void regio_plan_refine(const regio_plan_t *pl, int32_t l, int p, regio_pick_t *pk);

/* Whether pick pk of learner l fits the seats left at period p (the seats
 * of l's current pick at p count as free). */
int regio_plan_fits(const regio_plan_t *pl, int32_t l, int p, regio_pick_t pk);

#endif
