/* exact - one learner's best plan over all its periods, searched exactly.
 *
 * A learner's periods interact only through its own coverage caps and
 * repeats, so its best combination of one option per period is found by a
 * depth-first search over the periods in order, pruned with each option's
 * value on its own (coverage is capped, so an option never adds more with
 * others than alone; repeats only subtract). What the periods after a depth
 * can add depends only on the credit so far (capped at each need) and the
 * partners used, so a memo of those states prunes every path that reaches a
 * state already reached with at least the same value. Both the bound (options priced
 * by Lagrange multipliers) and the search (options limited to seats left)
 * use it.
 */
#ifndef REGIO_EXACT_H
#define REGIO_EXACT_H

#include <stdint.h>

#include "cand.h"
#include "regio/rpp.h"

#define REGIO_EXACT_NONE -1 /* the "no placement" option */

/* One option in one period. */
typedef struct {
    double ub;      /* upper bound on what it adds to any combination */
    double fixed;   /* what it adds besides coverage and repeats */
    int32_t k;      /* candidate index, or REGIO_EXACT_NONE */
    uint16_t slots; /* the slots it uses */
} regio_exact_opt_t;

/* Scratch that remembers the search states already seen (regio_exact_memo_new);
 * one per thread. */
typedef struct regio_exact_memo_s regio_exact_memo_t;

typedef struct {
    const regio_rpp_t *r;
    const regio_cands_t *c;
    regio_exact_memo_t *memo; /* may be NULL: no memo (slower on learners with many options) */
    int32_t l;
    double wcov;               /* value per covered dagdeel */
    int64_t node_limit;        /* search nodes before settling for a bound */
    double relax_from;         /* combinations of options from which the relaxation is
                                  solved first (<= 0: 4,096; smaller searches are cheap) */
    int64_t memo_after;        /* nodes before the memo is used (<= 0: 256) */
    int np;                    /* periods with options, in period order */
    int per[REGIO_RPP_MAX_PERIODS];
    regio_exact_opt_t *opt[REGIO_RPP_MAX_PERIODS]; /* each sorted by ub, best first,
                                                      the none option among them */
    int32_t nopt[REGIO_RPP_MAX_PERIODS];
} regio_exact_t;

/* Upper bound of option k alone (coverage of its goals, capped, plus fixed,
 * minus a repeat when its partner is in the history) for period p. credit
 * is scratch of n_needs entries (left zeroed). */
double regio_exact_alone(const regio_exact_t *e, int p, int32_t k, double fixed, int64_t *credit);

/* Sort one period's options of e's learner (best ub first) and drop those
 * that can never beat the kept ones; returns how many remain. */
int32_t regio_exact_sort(const regio_exact_t *e, regio_exact_opt_t *opt, int32_t n);

/* Append period p with its n options (sorted by regio_exact_sort; opt is
 * borrowed) as e's next depth; nothing when n <= 0. Periods go in order. */
void regio_exact_add(regio_exact_t *e, int p, regio_exact_opt_t *opt, int32_t n);

/* A memo for one thread's searches, or NULL without memory. Free with
 * regio_exact_memo_free (accepts NULL). */
regio_exact_memo_t *regio_exact_memo_new(void);
void regio_exact_memo_free(regio_exact_memo_t *m);

/* Search. choice[d] gets the option index chosen at depth d. Returns the
 * best value found; *open gets the bound of subtrees cut off by the node
 * limit (-DBL_MAX when none was: the result is then exact). credit is
 * scratch of n_needs entries, zeroed on entry and on return. */
double regio_exact_solve(const regio_exact_t *e, int64_t *credit, int *choice, double *open);

/* Change of covered dagdelen when candidate k's credit (add per goal) is
 * added (sign 1) to or removed (sign -1) from credit. */
int64_t regio_exact_credit(const regio_exact_t *e, int32_t k, int64_t add, int sign,
                           int64_t *credit);

#endif
