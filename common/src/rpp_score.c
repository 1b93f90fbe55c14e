/* rpp_score - feasibility and score of an rpp-1 solution (of an rpp-1 or
 * rpp-2 instance), as rpp_check.py. */
#include "regio/rpp_score.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A slot mask has 16 bits; capacity is counted for all of them so that a
 * bit above slot 9 (which has no seats) is reported as the checker would. */
#define S_KEYS 16

static int s_popcount(unsigned x)
{
    return __builtin_popcount(x);
}

/* Distinct days among the slots of a mask (slot t is on day t / 2). */
static int s_days(uint16_t m)
{
    return s_popcount((m | m >> 1) & 0x5555u);
}

static int s_in(const int32_t *v, int n, int32_t x)
{
    for (int i = 0; i < n; i++)
        if (v[i] == x)
            return 1;
    return 0;
}

/* Whether a placement's indexes refer to this instance at all. */
static int s_known(const regio_rpp_t *r, const regio_rpp_placement_t *pl)
{
    return pl->learner >= 0 && pl->learner < r->n_learners && pl->offering >= 0 &&
           pl->offering < r->n_offerings && pl->period >= 0 && pl->period < r->n_periods;
}

static double s_travel(const regio_rpp_t *r, const regio_rpp_placement_t *pl)
{
    const regio_rpp_learner_t *L = &r->learners[pl->learner];
    const regio_rpp_offering_t *O = &r->offerings[pl->offering];
    double d = regio_rpp_dist_km(L->lat, L->lon, O->lat, O->lon);
    return 2 * d * r->periods[pl->period].weeks * s_days(pl->slots);
}

static double s_score(const regio_rpp_weights_t *w, int64_t coverage, double travel,
                      int64_t repeats, int64_t preference)
{
    return w->coverage * (double)coverage - w->km * travel - w->repeat * (double)repeats +
           w->preference * (double)preference;
}

/* The integer terms of one learner's score. */
typedef struct {
    int64_t coverage, repeats, preference;
} s_terms_t;

/* Credit per need is summed over placements and the offerings' goals (a goal
 * listed twice counts twice, as in the checker), then capped by the need. */
static int64_t s_coverage(const regio_rpp_t *r, const regio_rpp_learner_t *L,
                          const regio_rpp_placement_t *pl, int n)
{
    int64_t cov = 0;
    for (int k = 0; k < L->n_needs; k++) {
        int64_t credit = 0;
        for (int i = 0; i < n; i++) {
            const regio_rpp_offering_t *O = &r->offerings[pl[i].offering];
            int64_t w = (int64_t)r->periods[pl[i].period].weeks * s_popcount(pl[i].slots);
            for (int g = 0; g < O->n_goals; g++)
                credit += O->goals[g] == L->needs[k].goal ? w : 0;
        }
        cov += credit < L->needs[k].amount ? credit : L->needs[k].amount;
    }
    return cov;
}

/* A placement is a repeat when its partner is in the history or was used by
 * another of the learner's placements before it. The count does not depend
 * on the order: each partner counts (uses - 1), plus 1 if in the history.
 * stamp (n_partners entries, or NULL for a quadratic scan) marks partners
 * seen with mark. */
static int64_t s_repeats(const regio_rpp_t *r, const regio_rpp_learner_t *L,
                         const regio_rpp_placement_t *pl, int n, int32_t *stamp, int32_t mark)
{
    int64_t rep = 0;
    for (int i = 0; stamp && i < L->n_history; i++)
        stamp[L->history[i]] = mark;
    for (int i = 0; i < n; i++) {
        int32_t q = r->offerings[pl[i].offering].partner;
        int seen = 0;
        if (stamp) {
            seen = stamp[q] == mark;
            stamp[q] = mark;
        } else {
            seen = s_in(L->history, L->n_history, q);
            for (int j = 0; j < i && !seen; j++)
                seen = r->offerings[pl[j].offering].partner == q;
        }
        rep += seen;
    }
    return rep;
}

static s_terms_t s_learner_terms(const regio_rpp_t *r, int32_t l, const regio_rpp_placement_t *pl,
                                 int n, int32_t *stamp)
{
    const regio_rpp_learner_t *L = &r->learners[l];
    s_terms_t t = {.coverage = s_coverage(r, L, pl, n),
                   .repeats = s_repeats(r, L, pl, n, stamp, l + 1)};
    for (int i = 0; i < n; i++)
        t.preference += s_in(L->preferred, L->n_preferred, r->offerings[pl[i].offering].partner);
    return t;
}

double regio_rpp_learner_score(const regio_rpp_t *r, int32_t l, const regio_rpp_placement_t *pl,
                               int n, int64_t *coverage_out)
{
    s_terms_t t = s_learner_terms(r, l, pl, n, NULL);
    double travel = 0.0;
    for (int i = 0; i < n; i++)
        travel += s_travel(r, &pl[i]);
    if (coverage_out)
        *coverage_out = t.coverage;
    return s_score(&r->w, t.coverage, travel, t.repeats, t.preference);
}

/* Scoring the whole solution --------------------------------------------- */

/* Known placements grouped by learner, by period within a learner (ties in
 * solution order), and the learners in order of their first placement: the
 * order in which the checker sums travel. */
typedef struct {
    regio_rpp_placement_t *v; /* grouped placements */
    int32_t *start;           /* n_learners + 1: group of l is v[start[l]..start[l+1]) */
    int32_t *order;           /* learners with placements, by first appearance */
    int32_t n_order;
} s_groups_t;

static void s_groups_free(s_groups_t *g)
{
    free(g->v);
    free(g->start);
    free(g->order);
}

/* Two stable counting sorts: by period, then by learner. */
static int s_groups_build(const regio_rpp_t *r, const regio_rpp_sol_t *s, s_groups_t *g)
{
    int32_t L = r->n_learners, n = s->n, pos[REGIO_RPP_MAX_PERIODS + 1] = {0};
    int32_t *byp = malloc(((size_t)n + 1) * sizeof *byp);
    int32_t *cur = malloc(((size_t)L + 1) * sizeof *cur);
    *g = (s_groups_t){.v = malloc(((size_t)n + 1) * sizeof *g->v),
                      .start = calloc((size_t)L + 1, sizeof *g->start),
                      .order = malloc(((size_t)L + 1) * sizeof *g->order)};
    if (!byp || !cur || !g->v || !g->start || !g->order) {
        free(byp);
        free(cur);
        s_groups_free(g);
        return -ENOMEM;
    }
    for (int32_t k = 0; k < n; k++)
        if (s_known(r, &s->v[k])) {
            pos[s->v[k].period + 1]++;
            if (g->start[s->v[k].learner + 1]++ == 0)
                g->order[g->n_order++] = s->v[k].learner;
        }
    for (int p = 0; p < REGIO_RPP_MAX_PERIODS; p++)
        pos[p + 1] += pos[p];
    for (int32_t k = 0; k < n; k++)
        if (s_known(r, &s->v[k]))
            byp[pos[s->v[k].period]++] = k;
    for (int32_t l = 0; l < L; l++)
        g->start[l + 1] += g->start[l];
    memcpy(cur, g->start, (size_t)L * sizeof *cur);
    for (int32_t j = 0; j < pos[REGIO_RPP_MAX_PERIODS]; j++)
        g->v[cur[s->v[byp[j]].learner]++] = s->v[byp[j]];
    free(byp);
    free(cur);
    return 0;
}

/* Sums of the score terms, and per school when the arrays are given. */
typedef struct {
    int64_t coverage, need_total, repeats, preference;
    double travel;
    int32_t placed;
    int64_t *school_need, *school_cov; /* n_schools entries, or NULL */
} s_totals_t;

static int s_totals(const regio_rpp_t *r, const regio_rpp_sol_t *s, s_totals_t *t)
{
    s_groups_t g;
    int32_t *stamp = calloc((size_t)r->n_partners + 1, sizeof *stamp);
    if (!stamp || s_groups_build(r, s, &g) < 0) {
        free(stamp);
        return -ENOMEM;
    }
    for (int32_t j = 0; j < g.n_order; j++) {
        int32_t l = g.order[j], m = g.start[l + 1] - g.start[l];
        const regio_rpp_placement_t *pl = g.v + g.start[l];
        for (int32_t i = 0; i < m; i++)
            t->travel += s_travel(r, &pl[i]);
        s_terms_t lt = s_learner_terms(r, l, pl, m, stamp);
        t->coverage += lt.coverage;
        t->repeats += lt.repeats;
        t->preference += lt.preference;
        if (t->school_cov)
            t->school_cov[r->learners[l].school] += lt.coverage;
    }
    t->placed = g.n_order;
    for (int32_t l = 0; l < r->n_learners; l++)
        for (int k = 0; k < r->learners[l].n_needs; k++) {
            t->need_total += r->learners[l].needs[k].amount;
            if (t->school_need)
                t->school_need[r->learners[l].school] += r->learners[l].needs[k].amount;
        }
    s_groups_free(&g);
    free(stamp);
    return 0;
}

/* Feasibility ------------------------------------------------------------ */

typedef struct {
    const regio_rpp_t *r;
    int violations;
    char *err; /* receives the first violation; may be NULL */
    size_t errlen;
    regio_rpp_seats_t seats;   /* the placements' seats, reservations counted */
    int64_t reserved_used;     /* placement-slots on seats held for their own school */
} s_check_t;

/* Count a violation of placement k; the first one is described in err. */
static void s_pl_violation(s_check_t *c, int32_t k, const regio_rpp_placement_t *pl,
                           const char *fmt, ...)
{
    if (c->violations++ > 0 || !c->err || c->errlen == 0)
        return;
    char why[160];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(why, sizeof why, fmt, ap);
    va_end(ap);
    const regio_rpp_t *r = c->r;
    if (!s_known(r, pl)) {
        snprintf(c->err, c->errlen, "placement %d: %s", (int)k, why);
        return;
    }
    snprintf(c->err, c->errlen, "placement %d (%s,%s,%s): %s", (int)k,
             r->learners[pl->learner].id, r->periods[pl->period].id,
             r->offerings[pl->offering].id, why);
}

/* A broken rule of placement c->k (a regio_rpp_why_cb). */
typedef struct {
    s_check_t *c;
    int32_t k;
    const regio_rpp_placement_t *pl;
} s_why_t;

static void s_why(void *arg, const char *why)
{
    s_why_t *w = arg;
    s_pl_violation(w->c, w->k, w->pl, "%s", why);
}

/* The rules of one placement, in the checker's order; counts its seats. */
static void s_check_placement(s_check_t *c, int32_t k, const regio_rpp_placement_t *pl,
                              uint32_t *seen, int32_t *used)
{
    const regio_rpp_t *r = c->r;
    if (!s_known(r, pl)) {
        s_pl_violation(c, k, pl, "unknown learner, offering or period");
        return;
    }
    uint32_t bit = 1u << pl->period;
    if (seen[pl->learner] & bit)
        s_pl_violation(c, k, pl, "second placement for this learner and period");
    seen[pl->learner] |= bit;
    s_why_t w = {.c = c, .k = k, .pl = pl};
    if (regio_rpp_check_placement(r, pl, s_why, &w) < 0)
        return;
    int32_t *u = used + ((size_t)pl->offering * r->n_periods + pl->period) * S_KEYS;
    for (int t = 0; t < S_KEYS; t++)
        u[t] += pl->slots >> t & 1u;
    regio_rpp_seats_take(r, &c->seats, pl->offering, pl->period, r->learners[pl->learner].school,
                         pl->slots, 1);
}

/* Whether key (o, p, t) sorts before (bo, bp, bt) as the checker's
 * sorted((offering id, period id, slot)) does. */
static int s_key_before(const regio_rpp_t *r, int32_t o, int p, int t, int32_t bo, int bp, int bt)
{
    int c = strcmp(r->offerings[o].id, r->offerings[bo].id);
    if (c == 0)
        c = strcmp(r->periods[p].id, r->periods[bp].id);
    return c < 0 || (c == 0 && t < bt);
}

/* Seats of (o, p, t) held for their own school that its placements use. */
static int64_t s_reserved_used(const s_check_t *c, int32_t o, int p, int t)
{
    const regio_rpp_t *r = c->r;
    int64_t n = 0;
    for (int32_t i = r->res_first ? r->res_first[(int64_t)o * r->n_periods + p] : -1; i >= 0;
         i = r->res[i].next) {
        int32_t left = c->seats.left[i * REGIO_RPP_SLOTS + t];
        n += r->res[i].seats[t] - (left > 0 ? left : 0);
    }
    return n;
}

/* The checker's line for the seats of key (o, p, t) with n placed. */
static void s_seats_line(const s_check_t *c, int32_t o, int p, int t, int32_t n)
{
    const regio_rpp_t *r = c->r;
    int32_t cap = t < REGIO_RPP_SLOTS ? regio_rpp_cap(r, o, p, t) : 0;
    if (n > cap) {
        snprintf(c->err, c->errlen, "capacity: offering %s period %s slot %d: %d placed, %d seats",
                 r->offerings[o].id, r->periods[p].id, t, (int)n, (int)cap);
        return;
    }
    int32_t open = cap - regio_rpp_held(r, o, p, t);
    int32_t left = c->seats.open[((int64_t)o * r->n_periods + p) * REGIO_RPP_SLOTS + t];
    snprintf(c->err, c->errlen, "reservations: offering %s period %s slot %d: %d placed on %d open "
             "seats (the rest are held for schools by agreement)", r->offerings[o].id,
             r->periods[p].id, t, (int)(open - left), (int)open);
}

/* Every (offering, period, slot) used beyond its seats, or with more on
 * open seats than are open (reservations), is one violation; the others
 * count the seats they use that are held for their own school. */
static void s_check_capacity(s_check_t *c, const int32_t *used)
{
    const regio_rpp_t *r = c->r;
    int first = c->violations == 0, found = 0;
    int32_t bo = 0, bn = 0;
    int bp = 0, bt = 0;
    for (int32_t o = 0; o < r->n_offerings; o++)
        for (int p = 0; p < r->n_periods; p++)
            for (int t = 0; t < S_KEYS; t++) {
                int64_t op = (int64_t)o * r->n_periods + p;
                int32_t n = used[op * S_KEYS + t];
                int32_t cap = t < REGIO_RPP_SLOTS ? regio_rpp_cap(r, o, p, t) : 0;
                if (n == 0)
                    continue;
                if (n <= cap) {
                    c->reserved_used += s_reserved_used(c, o, p, t);
                    if (c->seats.open[op * REGIO_RPP_SLOTS + t] >= 0)
                        continue;
                }
                c->violations++;
                if (!found || s_key_before(r, o, p, t, bo, bp, bt)) {
                    bo = o, bp = p, bt = t, bn = n;
                    found = 1;
                }
            }
    if (found && first && c->err && c->errlen > 0)
        s_seats_line(c, bo, bp, bt, bn);
}

/* Every pin the solution does not hold exactly (its last placement for the
 * pin's learner and period, as a dict keeps it) is one violation. */
static int s_check_pins(s_check_t *c, const regio_rpp_sol_t *s)
{
    const regio_rpp_t *r = c->r;
    size_t nlp = (size_t)r->n_learners * r->n_periods;
    int32_t *last = r->n_pins ? malloc((nlp ? nlp : 1) * sizeof *last) : NULL;
    if (r->n_pins && !last)
        return -ENOMEM;
    for (size_t i = 0; r->n_pins && i < nlp; i++)
        last[i] = -1;
    for (int32_t k = 0; r->n_pins && k < s->n; k++)
        if (s_known(r, &s->v[k]))
            last[(int64_t)s->v[k].learner * r->n_periods + s->v[k].period] = k;
    for (int32_t i = 0; i < r->n_pins; i++) {
        const regio_rpp_placement_t *pin = &r->pins[i];
        int32_t k = last[(int64_t)pin->learner * r->n_periods + pin->period];
        char slots[64];
        if (k >= 0 && s->v[k].offering == pin->offering && s->v[k].slots == pin->slots)
            continue;
        if (c->violations++ == 0 && c->err && c->errlen > 0)
            snprintf(c->err, c->errlen, "pin: %s in %s must be at %s slots %s",
                     r->learners[pin->learner].id, r->periods[pin->period].id,
                     r->offerings[pin->offering].id,
                     regio_rpp_slot_list(pin->slots, slots, sizeof slots));
    }
    free(last);
    return 0;
}

static int s_check(s_check_t *c, const regio_rpp_sol_t *s)
{
    const regio_rpp_t *r = c->r;
    size_t nkeys = (size_t)r->n_offerings * r->n_periods * S_KEYS;
    uint32_t *seen = calloc((size_t)r->n_learners + 1, sizeof *seen);
    int32_t *used = calloc(nkeys + 1, sizeof *used);
    int rc = seen && used ? regio_rpp_seats_init(&c->seats, r, 0) : -ENOMEM;
    if (rc == 0) {
        for (int32_t k = 0; k < s->n; k++)
            s_check_placement(c, k, &s->v[k], seen, used);
        s_check_capacity(c, used);
        rc = s_check_pins(c, s);
    }
    regio_rpp_seats_free(&c->seats);
    free(seen);
    free(used);
    return rc;
}

/* Reports ---------------------------------------------------------------- */

/* Fills share[school] from totals; returns how many schools have needs and
 * their lowest and highest share. */
static int s_shares(const regio_rpp_t *r, const s_totals_t *t, double *share, double *lo,
                    double *hi)
{
    int n = 0;
    *lo = *hi = 1.0;
    for (int32_t i = 0; i < regio_strtab_count(r->schools); i++) {
        double v = 1.0;
        if (t->school_need[i] > 0) {
            v = (double)t->school_cov[i] / (double)t->school_need[i];
            *lo = n == 0 || v < *lo ? v : *lo;
            *hi = n == 0 || v > *hi ? v : *hi;
            n++;
        }
        if (share)
            share[i] = v;
    }
    return n;
}

/* Totals with per-school arrays; the caller frees t->school_*. */
static int s_totals_by_school(const regio_rpp_t *r, const regio_rpp_sol_t *s, s_totals_t *t)
{
    size_t ns = (size_t)regio_strtab_count(r->schools) + 1;
    *t = (s_totals_t){.school_need = calloc(ns, sizeof *t->school_need),
                      .school_cov = calloc(ns, sizeof *t->school_cov)};
    if (!t->school_need || !t->school_cov || s_totals(r, s, t) < 0) {
        free(t->school_need);
        free(t->school_cov);
        return -ENOMEM;
    }
    return 0;
}

int regio_rpp_evaluate(const regio_rpp_t *r, const regio_rpp_sol_t *s, regio_rpp_report_t *rep,
                       char *first_err, size_t errlen)
{
    s_check_t c = {.r = r, .err = first_err, .errlen = errlen};
    s_totals_t t;
    if (first_err && errlen > 0)
        first_err[0] = '\0';
    if (s_check(&c, s) < 0 || s_totals_by_school(r, s, &t) < 0)
        return -ENOMEM;
    *rep = (regio_rpp_report_t){
        .feasible = c.violations == 0, .violations = c.violations,
        .score = s_score(&r->w, t.coverage, t.travel, t.repeats, t.preference),
        .coverage = t.coverage, .need_total = t.need_total,
        .coverage_share = t.need_total ? (double)t.coverage / (double)t.need_total : 1.0,
        .travel_km = t.travel, .repeats = t.repeats, .preference = t.preference,
        .placements = s->n, .learners_placed = t.placed, .learners = r->n_learners,
        .pins = r->n_pins, .reserved_seats_used = c.reserved_used};
    s_shares(r, &t, NULL, &rep->school_share_min, &rep->school_share_max);
    free(t.school_need);
    free(t.school_cov);
    return 0;
}

int regio_rpp_school_shares(const regio_rpp_t *r, const regio_rpp_sol_t *s, double *share)
{
    s_totals_t t;
    double lo, hi;
    if (s_totals_by_school(r, s, &t) < 0)
        return -ENOMEM;
    s_shares(r, &t, share, &lo, &hi);
    free(t.school_need);
    free(t.school_cov);
    return 0;
}

/* Changed placements ------------------------------------------------------ */

typedef struct {
    int32_t learner, k; /* k: index in the solution, the last one wins */
    int16_t period;
} s_key_t;

/* By (learner, period) only. */
static int s_cmp_lp(const s_key_t *x, const s_key_t *y)
{
    if (x->learner != y->learner)
        return x->learner < y->learner ? -1 : 1;
    return (x->period > y->period) - (x->period < y->period);
}

static int s_cmp_key(const void *a, const void *b)
{
    const s_key_t *x = a, *y = b;
    int c = s_cmp_lp(x, y);
    return c ? c : (x->k > y->k) - (x->k < y->k);
}

/* Keys of s sorted, so that the last of equal (learner, period) is the
 * placement a dict built in solution order would keep. */
static s_key_t *s_keys(const regio_rpp_sol_t *s)
{
    s_key_t *v = malloc(((size_t)s->n + 1) * sizeof *v);
    if (!v)
        return NULL;
    for (int32_t k = 0; k < s->n; k++)
        v[k] = (s_key_t){.learner = s->v[k].learner, .k = k, .period = s->v[k].period};
    qsort(v, (size_t)s->n, sizeof *v, s_cmp_key);
    return v;
}

/* Index of the last key equal to v[i] (same learner and period). */
static int32_t s_last(const s_key_t *v, int32_t n, int32_t i)
{
    while (i + 1 < n && v[i + 1].learner == v[i].learner && v[i + 1].period == v[i].period)
        i++;
    return i;
}

int64_t regio_rpp_changed(const regio_rpp_sol_t *a, const regio_rpp_sol_t *b)
{
    s_key_t *ka = s_keys(a), *kb = s_keys(b);
    int64_t changed = 0;
    if (!ka || !kb) {
        free(ka);
        free(kb);
        return -ENOMEM;
    }
    int32_t i = 0, j = 0;
    while (i < a->n || j < b->n) {
        int c = i >= a->n ? 1 : j >= b->n ? -1 : s_cmp_lp(&ka[i], &kb[j]);
        if (c < 0) {
            changed++;
            i = s_last(ka, a->n, i) + 1;
        } else if (c > 0) {
            changed++;
            j = s_last(kb, b->n, j) + 1;
        } else {
            i = s_last(ka, a->n, i);
            j = s_last(kb, b->n, j);
            const regio_rpp_placement_t *x = &a->v[ka[i++].k], *y = &b->v[kb[j++].k];
            changed += x->offering != y->offering || x->slots != y->slots;
        }
    }
    free(ka);
    free(kb);
    return changed;
}
