/* plan - a plan under construction, scored incrementally. */
#include "plan.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "plan_int.h"
#include "slots.h"

#define S_EPS 1e-9

static inline const regio_cand_t *s_cand(const regio_plan_t *pl, int32_t l, int32_t k)
{
    return &pl->c->v[pl->c->start[l] + k];
}

static inline int64_t s_min64(int64_t a, int64_t b)
{
    return a < b ? a : b;
}

int regio_plan_init(regio_plan_t *pl, const regio_rpp_t *r, const regio_cands_t *c)
{
    regio_rpp_seats_t st = {0};
    memset(pl, 0, sizeof *pl);
    pl->r = r;
    pl->c = c;
    pl->P = r->n_periods;
    pl->L = r->n_learners;
    pl->O = r->n_offerings;
    for (int32_t l = 0; l < r->n_learners; l++)
        if (r->learners[l].n_needs > pl->max_needs)
            pl->max_needs = r->learners[l].n_needs;
    size_t lp = (size_t)pl->L * (size_t)pl->P, op = (size_t)pl->O * (size_t)pl->P;
    int rc = regio_rpp_seats_init(&st, r, 1);
    pl->seats = st.open;
    pl->left = st.left;
    pl->pick = malloc((lp ? lp : 1) * sizeof *pl->pick);
    pl->avail = calloc(op ? op : 1, sizeof *pl->avail);
    pl->capmask = calloc(op ? op : 1, sizeof *pl->capmask);
    pl->worth = calloc(pl->L ? (size_t)pl->L : 1, sizeof *pl->worth);
    pl->occ_start = calloc(op + 1, sizeof *pl->occ_start);
    pl->occ_n = calloc(op ? op : 1, sizeof *pl->occ_n);
    if (rc < 0 || !pl->pick || !pl->avail || !pl->capmask || !pl->worth || !pl->occ_start ||
        !pl->occ_n)
        goto fail_nomem;
    for (size_t i = 0; i < lp; i++)
        pl->pick[i] = (regio_pick_t){.cand = REGIO_PICK_NONE, .slots = 0};
    regio_slots_min(0, 0, NULL); /* build the slot tables before threads start */
    regio_plan__masks(pl);
    if (!(pl->occ = malloc((size_t)(pl->occ_start[op] ? pl->occ_start[op] : 1) * sizeof *pl->occ)))
        goto fail_nomem;
    if ((rc = regio_plan__pins(pl)) < 0)
        goto fail;
    return 0;
fail_nomem:
    rc = -ENOMEM;
fail:
    regio_plan_free(pl);
    return rc;
}

void regio_plan_free(regio_plan_t *pl)
{
    free(pl->pick);
    free(pl->seats);
    free(pl->left);
    free(pl->avail);
    free(pl->capmask);
    free(pl->worth);
    free(pl->occ_start);
    free(pl->occ);
    free(pl->occ_n);
    free(pl->base);
    free(pl->frozen);
    free(pl->bonus);
    memset(pl, 0, sizeof *pl);
}

void regio_plan_copy(regio_plan_t *dst, const regio_plan_t *src)
{
    size_t lp = (size_t)src->L * src->P, op = (size_t)src->O * src->P;
    memcpy(dst->pick, src->pick, lp * sizeof *dst->pick);
    memcpy(dst->seats, src->seats, op * REGIO_RPP_SLOTS * sizeof *dst->seats);
    if (src->left)
        memcpy(dst->left, src->left, (size_t)src->r->n_res * REGIO_RPP_SLOTS * sizeof *dst->left);
    memcpy(dst->avail, src->avail, op * sizeof *dst->avail);
    memcpy(dst->worth, src->worth, (size_t)src->L * sizeof *dst->worth);
    memcpy(dst->occ_n, src->occ_n, op * sizeof *dst->occ_n);
    memcpy(dst->occ, src->occ, (size_t)src->occ_start[op] * sizeof *dst->occ);
}

int regio_plan_work_init(regio_plan_work_t *w, const regio_plan_t *pl)
{
    size_t n = pl->max_needs > 0 ? (size_t)pl->max_needs : 1;
    w->allowed = NULL;
    w->opt = NULL;
    w->cap_opt = 0;
    w->credit = calloc(n, sizeof *w->credit);
    w->credit2 = calloc(n, sizeof *w->credit2);
    w->memo = regio_exact_memo_new();
    w->cand_at = malloc((size_t)(pl->O > 0 ? pl->O : 1) * sizeof *w->cand_at);
    for (int32_t o = 0; w->cand_at && o < pl->O; o++)
        w->cand_at[o] = -1;
    if (!w->credit || !w->credit2 || !w->memo || !w->cand_at) {
        regio_plan_work_free(w);
        return -ENOMEM;
    }
    return 0;
}

void regio_plan_work_free(regio_plan_work_t *w)
{
    free(w->credit);
    free(w->credit2);
    free(w->opt);
    free(w->cand_at);
    w->cand_at = NULL;
    regio_exact_memo_free(w->memo);
    w->memo = NULL;
    w->credit = w->credit2 = NULL;
    w->opt = NULL;
    w->cap_opt = 0;
}

/* Add a placement's credit (add dagdelen per listed goal) into credit. */
static void s_credit(const regio_plan_t *pl, int32_t l, const regio_cand_t *cd, int32_t add,
                     int64_t *credit)
{
    if (pl->c->wide[l]) {
        regio_cands_credit_wide(pl->r, l, cd, add, credit);
        return;
    }
    for (uint64_t m = cd->needs; m; m &= m - 1)
        credit[__builtin_ctzll(m)] += add;
}

static int64_t s_cov(const regio_rpp_learner_t *L, const int64_t *credit)
{
    int64_t cov = 0;
    for (int i = 0; i < L->n_needs; i++)
        cov += s_min64(L->needs[i].amount, credit[i]);
    return cov;
}

/* Repeats of learner l with picks pk: a placement at a partner in the
 * history or in an earlier period's placement. */
static int s_repeats(const regio_plan_t *pl, int32_t l, const regio_pick_t *pk)
{
    int32_t seen[REGIO_RPP_MAX_PERIODS];
    int n = 0, rep = 0;
    for (int p = 0; p < pl->P; p++) {
        if (pk[p].cand < 0)
            continue;
        const regio_cand_t *cd = s_cand(pl, l, pk[p].cand);
        int hit = (cd->flags & REGIO_CAND_HISTORY) != 0;
        for (int i = 0; i < n && !hit; i++)
            hit = seen[i] == cd->partner;
        rep += hit;
        seen[n++] = cd->partner;
    }
    return rep;
}

static regio_worth_t s_finish(const regio_plan_t *pl, int32_t l, int64_t cov, double travel,
                              int rep, int pref, int changes)
{
    const regio_rpp_weights_t *W = &pl->r->w;
    regio_worth_t v;
    v.cov = cov;
    v.score = W->coverage * (double)cov - W->km * travel - W->repeat * rep +
              W->preference * pref;
    v.obj = v.score - pl->margin * changes;
    if (pl->bonus)
        v.obj += pl->bonus[pl->r->learners[l].school] * (double)cov;
    return v;
}

regio_worth_t regio_plan_worth(const regio_plan_t *pl, regio_plan_work_t *w, int32_t l,
                               const regio_pick_t *pk)
{
    const regio_rpp_learner_t *L = &pl->r->learners[l];
    double travel = 0;
    int pref = 0, changes = 0;
    memset(w->credit, 0, (size_t)L->n_needs * sizeof *w->credit);
    for (int p = 0; p < pl->P; p++) {
        if (pl->base)
            changes += regio_pick_changed(pl->base[(int64_t)l * pl->P + p], pk[p]);
        if (pk[p].cand < 0)
            continue;
        const regio_cand_t *cd = s_cand(pl, l, pk[p].cand);
        int32_t weeks = pl->r->periods[p].weeks;
        s_credit(pl, l, cd, weeks * L->dagdelen, w->credit);
        travel += cd->trip * weeks * regio_slots_days(pk[p].slots);
        pref += (cd->flags & REGIO_CAND_PREFERRED) != 0;
    }
    return s_finish(pl, l, s_cov(L, w->credit), travel, s_repeats(pl, l, pk), pref, changes);
}

double regio_plan_set(regio_plan_t *pl, regio_plan_work_t *w, int32_t l, int p, regio_pick_t pk)
{
    regio_pick_t *cur = &pl->pick[(int64_t)l * pl->P + p];
    regio_plan__seats(pl, l, p, *cur, +1);
    regio_plan__seats(pl, l, p, pk, -1);
    *cur = pk;
    regio_worth_t v = regio_plan_worth(pl, w, l, pl->pick + (int64_t)l * pl->P);
    double d = v.obj - pl->worth[l].obj;
    pl->worth[l] = v;
    return d;
}

/* Learner l with period p left out: what every candidate at p adds to. */
typedef struct {
    int64_t cov;     /* coverage of the other periods */
    double travel;   /* their travel */
    int rep, pref;   /* their repeats and preferred placements */
    int changes;     /* their changes against the base plan */
    double price;    /* minus their price terms (0 without prices) */
    int32_t partner[REGIO_RPP_MAX_PERIODS]; /* partner per other period, -1 none */
} s_others_t;

static void s_others(const regio_plan_t *pl, regio_plan_work_t *w, int32_t l, int p,
                     s_others_t *x)
{
    const regio_rpp_learner_t *L = &pl->r->learners[l];
    regio_pick_t pk[REGIO_RPP_MAX_PERIODS];
    memcpy(pk, pl->pick + (int64_t)l * pl->P, (size_t)pl->P * sizeof *pk);
    pk[p] = (regio_pick_t){.cand = REGIO_PICK_NONE, .slots = 0};
    memset(w->credit, 0, (size_t)L->n_needs * sizeof *w->credit);
    x->travel = 0;
    x->pref = x->changes = 0;
    x->price = 0;
    for (int q = 0; q < pl->P; q++) {
        x->partner[q] = -1;
        if (q != p && pl->base)
            x->changes += regio_pick_changed(pl->base[(int64_t)l * pl->P + q], pk[q]);
        if (pk[q].cand < 0)
            continue;
        const regio_cand_t *cd = s_cand(pl, l, pk[q].cand);
        int32_t weeks = pl->r->periods[q].weeks;
        s_credit(pl, l, cd, weeks * L->dagdelen, w->credit);
        x->travel += cd->trip * weeks * regio_slots_days(pk[q].slots);
        x->pref += (cd->flags & REGIO_CAND_PREFERRED) != 0;
        x->partner[q] = cd->partner;
        x->price -= regio_plan_price(pl, l, q, pk[q]);
    }
    x->cov = s_cov(L, w->credit);
    x->rep = s_repeats(pl, l, pk);
}

/* Coverage with candidate cd added (add dagdelen per goal) to the others. */
static int64_t s_cov_with(const regio_plan_t *pl, regio_plan_work_t *w, int32_t l,
                          const s_others_t *x, const regio_cand_t *cd, int32_t add)
{
    const regio_rpp_learner_t *L = &pl->r->learners[l];
    if (pl->c->wide[l]) {
        memcpy(w->credit2, w->credit, (size_t)L->n_needs * sizeof *w->credit);
        regio_cands_credit_wide(pl->r, l, cd, add, w->credit2);
        return s_cov(L, w->credit2);
    }
    int64_t cov = x->cov;
    for (uint64_t m = cd->needs; m; m &= m - 1) {
        int i = __builtin_ctzll(m);
        int64_t a = L->needs[i].amount, cr = w->credit[i];
        cov += s_min64(a, cr + add) - s_min64(a, cr);
    }
    return cov;
}

/* Repeats with candidate k (partner cd) at period p, others as in x. */
static int s_rep_with(const regio_plan_t *pl, int32_t l, int p, const s_others_t *x,
                      int32_t k, const regio_cand_t *cd)
{
    int clash = 0;
    for (int q = 0; q < pl->P && !clash; q++)
        clash = q != p && x->partner[q] == cd->partner;
    if (!clash)
        return x->rep + ((cd->flags & REGIO_CAND_HISTORY) != 0);
    regio_pick_t pk[REGIO_RPP_MAX_PERIODS];
    memcpy(pk, pl->pick + (int64_t)l * pl->P, (size_t)pl->P * sizeof *pk);
    pk[p] = (regio_pick_t){.cand = k, .slots = 1};
    return s_repeats(pl, l, pk);
}

int regio_plan_slots(const regio_plan_t *pl, int32_t l, int p, int32_t k, uint32_t a,
                     uint16_t *mask, int *keep)
{
    *keep = 0;
    if (pl->base) {
        regio_pick_t b = pl->base[(int64_t)l * pl->P + p];
        if (b.cand == k && !(b.slots & ~a)) {
            *mask = b.slots;
            *keep = 1;
            return regio_slots_days(b.slots);
        }
    }
    return regio_slots_min(a, pl->r->learners[l].dagdelen, mask);
}

void regio_plan_refine(const regio_plan_t *pl, int32_t l, int p, regio_pick_t *pk)
{
    if (pk->cand < 0)
        return;
    if (pl->base) {
        regio_pick_t b = pl->base[(int64_t)l * pl->P + p];
        if (b.cand == pk->cand && b.slots == pk->slots)
            return;
    }
    int32_t o = s_cand(pl, l, pk->cand)->offering;
    regio_slots_pick(regio_plan_room(pl, l, p, pk->cand), pl->r->learners[l].dagdelen,
                     pl->seats + ((int64_t)o * pl->P + p) * REGIO_RPP_SLOTS, &pk->slots);
}

/* Where s_best looks: at every offering within the seats left (seats 1)
 * or as if nobody held one (seats 0). With away set, not at l's current
 * offering, and l's own seats do not count as free. */
typedef struct {
    int seats;
    int away;
} s_where_t;

/* What every candidate of (l, p) is weighed against: l's other periods
 * (s_others), its current and base picks, and its free slots at p. */
typedef struct {
    int32_t l;
    int p;
    regio_pick_t cur, b;
    s_others_t x;
    int32_t weeks, add;
    uint32_t freem;   /* free slots at p (0 when p is not planned) */
    int room;         /* whether freem holds a placement's dagdelen */
} s_pcx_t;

static void s_pcx(const regio_plan_t *pl, regio_plan_work_t *w, int32_t l, int p, s_pcx_t *c)
{
    const regio_rpp_learner_t *L = &pl->r->learners[l];
    c->l = l;
    c->p = p;
    c->cur = pl->pick[(int64_t)l * pl->P + p];
    c->b = pl->base ? pl->base[(int64_t)l * pl->P + p] : (regio_pick_t){.cand = REGIO_PICK_FREE};
    s_others(pl, w, l, p, &c->x);
    c->weeks = pl->r->periods[p].weeks;
    c->add = c->weeks * L->dagdelen;
    c->freem = (L->planned >> p & 1u) ? L->free[p] : 0;
    c->room = __builtin_popcount(c->freem) >= L->dagdelen;
}

/* l's objective (less price terms) with candidate k at p on slots chosen
 * from a (the learner's free slots are applied here); -HUGE_VAL when no
 * placement there fits. */
static double s_try(const regio_plan_t *pl, regio_plan_work_t *w, const s_pcx_t *c, int32_t k,
                    uint32_t a, regio_pick_t *pk)
{
    const regio_cand_t *cd = s_cand(pl, c->l, k);
    uint16_t mask;
    int keep, days = regio_plan_slots(pl, c->l, c->p, k, a & c->freem, &mask, &keep);
    if (days < 0)
        return -HUGE_VAL;
    int64_t cov = s_cov_with(pl, w, c->l, &c->x, cd, c->add);
    regio_worth_t v = s_finish(pl, c->l, cov, c->x.travel + cd->trip * c->weeks * days,
                               s_rep_with(pl, c->l, c->p, &c->x, k, cd),
                               c->x.pref + ((cd->flags & REGIO_CAND_PREFERRED) != 0),
                               c->x.changes + (pl->base && c->b.cand != REGIO_PICK_FREE && !keep));
    *pk = (regio_pick_t){.cand = k, .slots = mask};
    return v.obj - regio_plan_price(pl, c->l, c->p, *pk) + c->x.price;
}

/* A pick at the current offering with as many days keeps the current
 * slots: no churn. Returns whether it did. */
static int s_calm(const s_pcx_t *c, regio_pick_t *out)
{
    if (out->cand < 0 || out->cand != c->cur.cand ||
        regio_slots_days(out->slots) != regio_slots_days(c->cur.slots))
        return 0;
    out->slots = c->cur.slots;
    return 1;
}

/* regio_plan_best, regio_plan_wish and regio_plan_best_away. */
static double s_best(const regio_plan_t *pl, regio_plan_work_t *w, int32_t l, int p,
                     regio_pick_t *out, double *second, s_where_t wh)
{
    s_pcx_t c;
    s_pcx(pl, w, l, p, &c);
    const regio_pick_t none = {.cand = REGIO_PICK_NONE, .slots = 0};
    regio_worth_t v0 = s_finish(pl, l, c.x.cov, c.x.travel, c.x.rep, c.x.pref,
                                c.x.changes + regio_pick_changed(c.b, none));
    double best = v0.obj + c.x.price, sec = -1e300;
    int32_t here = c.cur.cand >= 0 ? s_cand(pl, l, c.cur.cand)->offering : -1;
    *out = none;
    int64_t n = c.room ? pl->c->start[l + 1] - pl->c->start[l] : 0;
    /* the current pick first, so that ties keep it */
    for (int64_t j = -1; j < n; j++) {
        int32_t k = j < 0 ? c.cur.cand : (int32_t)j;
        if (k < 0 || (j >= 0 && k == c.cur.cand))
            continue;
        const regio_cand_t *cd = s_cand(pl, l, k);
        if ((wh.away && cd->offering == here) || (w->allowed && !w->allowed[cd->offering]))
            continue;
        int64_t op = (int64_t)cd->offering * pl->P + p;
        uint32_t a = wh.seats                    ? regio_plan_avail(pl, l, op)
                     : regio_plan_holds(pl, op) ? regio_plan__capmask(pl, l, op)
                                                : pl->capmask[op];
        if (k == c.cur.cand)
            a |= c.cur.slots;
        regio_pick_t pk;
        double val = s_try(pl, w, &c, k, a, &pk);
        if (val == -HUGE_VAL)
            continue;
        if (val > best + S_EPS || (j < 0 && val >= best - S_EPS)) {
            sec = best;
            best = val;
            *out = pk;
        } else if (val > sec) {
            sec = val;
        }
    }
    if (!s_calm(&c, out) && wh.seats)
        regio_plan_refine(pl, l, p, out);
    if (second)
        *second = sec;
    return best;
}

double regio_plan_best(const regio_plan_t *pl, regio_plan_work_t *w, int32_t l, int p,
                       regio_pick_t *out, double *second)
{
    return s_best(pl, w, l, p, out, second, (s_where_t){.seats = 1});
}

void regio_plan_best_at_each(const regio_plan_t *pl, regio_plan_work_t *w, int32_t l, int p,
                             int n, const int32_t *o, const uint32_t *room, regio_pick_t *out,
                             double *val)
{
    s_pcx_t c;
    s_pcx(pl, w, l, p, &c);
    const regio_cand_t *v = pl->c->v + pl->c->start[l];
    int32_t nc = (int32_t)(pl->c->start[l + 1] - pl->c->start[l]);
    for (int32_t k = 0; k < nc; k++)
        w->cand_at[v[k].offering] = k;
    for (int j = 0; j < n; j++) {
        int32_t k = o[j] >= 0 ? w->cand_at[o[j]] : -1;
        out[j] = (regio_pick_t){.cand = REGIO_PICK_NONE, .slots = 0};
        val[j] = -HUGE_VAL;
        if (k < 0 || (w->allowed && !w->allowed[o[j]]))
            continue;
        int64_t op = (int64_t)o[j] * pl->P + p;
        uint32_t a = room[j] | (k == c.cur.cand ? c.cur.slots : 0) |
                     (regio_plan_holds(pl, op) ? regio_plan_held(pl, l, op) : 0);
        if (c.room || k == c.cur.cand) {
            regio_pick_t pk;
            double v = s_try(pl, w, &c, k, a, &pk);
            if (v > -HUGE_VAL) {
                val[j] = v;
                out[j] = pk;
                s_calm(&c, &out[j]);
            }
        }
    }
    for (int32_t k = 0; k < nc; k++)
        w->cand_at[v[k].offering] = -1;
}

double regio_plan_best_away(const regio_plan_t *pl, regio_plan_work_t *w, int32_t l, int p,
                            regio_pick_t *out)
{
    return s_best(pl, w, l, p, out, NULL, (s_where_t){.seats = 1, .away = 1});
}

double regio_plan_wish(const regio_plan_t *pl, regio_plan_work_t *w, int32_t l, int p,
                       regio_pick_t *out)
{
    return s_best(pl, w, l, p, out, NULL, (s_where_t){.seats = 0});
}

double regio_plan_learner_greedy(regio_plan_t *pl, regio_plan_work_t *w, int32_t l)
{
    double total = regio_plan_learner_exact(pl, w, l);
    for (int round = 0; round < 2 * pl->P + 2; round++) {
        double gain = S_EPS * 10;
        int bp = -1;
        regio_pick_t bpk = {0};
        for (int p = 0; p < pl->P; p++) {
            if (!regio_plan_changeable(pl, l, p))
                continue;
            regio_pick_t pk;
            double g = regio_plan_best(pl, w, l, p, &pk, NULL) - regio_plan_priced(pl, l);
            regio_pick_t cur = pl->pick[(int64_t)l * pl->P + p];
            if (g > gain && (pk.cand != cur.cand || pk.slots != cur.slots)) {
                gain = g;
                bp = p;
                bpk = pk;
            }
        }
        if (bp < 0)
            break;
        total += regio_plan_set(pl, w, l, bp, bpk);
    }
    return total;
}

double regio_plan_price(const regio_plan_t *pl, int32_t l, int p, regio_pick_t pk)
{
    if (!pl->price || pk.cand < 0 || pl->price_w == 0)
        return 0;
    const double *pr =
        pl->price + ((int64_t)s_cand(pl, l, pk.cand)->offering * pl->P + p) * REGIO_RPP_SLOTS;
    double v = 0;
    for (uint32_t m = pk.slots; m; m &= m - 1)
        v += pr[__builtin_ctz(m)];
    return pl->price_w * v;
}

double regio_plan_priced(const regio_plan_t *pl, int32_t l)
{
    double v = pl->worth[l].obj;
    for (int p = 0; pl->price && p < pl->P; p++)
        v -= regio_plan_price(pl, l, p, pl->pick[(int64_t)l * pl->P + p]);
    return v;
}

void regio_plan_refresh(regio_plan_t *pl, regio_plan_work_t *w)
{
    for (int32_t l = 0; l < pl->L; l++)
        pl->worth[l] = regio_plan_worth(pl, w, l, pl->pick + (int64_t)l * pl->P);
}

static int32_t s_root(int32_t *up, int32_t l)
{
    while (up[l] != l)
        l = up[l] = up[up[l]];
    return l;
}

static int s_differs(const regio_plan_t *a, const regio_plan_t *b, int32_t l)
{
    const regio_pick_t *x = a->pick + (int64_t)l * a->P, *y = b->pick + (int64_t)l * a->P;
    for (int p = 0; p < a->P; p++)
        if (x[p].cand != y[p].cand || x[p].slots != y[p].slots)
            return 1;
    return 0;
}

double regio_plan_cross(regio_plan_t *dst, regio_plan_work_t *w, const regio_plan_t *src,
                        int64_t *groups)
{
    const regio_pick_t none = {.cand = REGIO_PICK_NONE, .slots = 0};
    int P = dst->P;
    int64_t nop = (int64_t)dst->O * P;
    int32_t *up = malloc(((size_t)dst->L + 1) * sizeof *up);      /* union-find; -1: same */
    int32_t *first = malloc(((size_t)nop + 1) * sizeof *first);   /* a learner at (o, p) */
    double *gain = calloc((size_t)dst->L + 1, sizeof *gain);      /* per group root */
    double d = 0;
    if (groups)
        *groups = 0;
    if (!up || !first || !gain)
        goto done;
    for (int64_t op = 0; op < nop; op++)
        first[op] = -1;
    for (int32_t l = 0; l < dst->L; l++)
        up[l] = s_differs(dst, src, l) ? l : -1;
    for (int32_t l = 0; l < dst->L; l++)
        for (int p = 0; up[l] >= 0 && p < P; p++)
            for (int side = 0; side < 2; side++) {
                int32_t o = regio_plan_offering(side ? src : dst, l, p);
                if (o < 0)
                    continue;
                int32_t *f = &first[(int64_t)o * P + p];
                if (*f < 0)
                    *f = l;
                else
                    up[s_root(up, l)] = s_root(up, *f);
            }
    for (int32_t l = 0; l < dst->L; l++)
        if (up[l] >= 0)
            gain[s_root(up, l)] += src->worth[l].obj - dst->worth[l].obj;
    /* free the seats of every moving group, then take src's picks */
    for (int pass = 0; pass < 2; pass++)
        for (int32_t l = 0; l < dst->L; l++) {
            if (up[l] < 0 || gain[s_root(up, l)] <= S_EPS)
                continue;
            if (pass == 1 && groups && s_root(up, l) == l)
                (*groups)++;
            for (int p = 0; p < P; p++)
                d += regio_plan_set(dst, w, l, p, pass ? src->pick[(int64_t)l * P + p] : none);
        }
done:
    free(up);
    free(first);
    free(gain);
    return d;
}

void regio_plan_totals(const regio_plan_t *pl, double *obj, double *score, int64_t *cov,
                       int32_t *placements)
{
    double o = 0, s = 0;
    int64_t c = 0;
    int32_t n = 0;
    for (int32_t l = 0; l < pl->L; l++) {
        o += pl->worth[l].obj;
        s += pl->worth[l].score;
        c += pl->worth[l].cov;
    }
    for (int64_t i = 0; i < (int64_t)pl->L * pl->P; i++)
        n += pl->pick[i].cand >= 0;
    if (obj)
        *obj = o;
    if (score)
        *score = s;
    if (cov)
        *cov = c;
    if (placements)
        *placements = n;
}

int regio_plan_to_sol(const regio_plan_t *pl, regio_rpp_sol_t *sol)
{
    for (int32_t l = 0; l < pl->L; l++)
        for (int p = 0; p < pl->P; p++) {
            regio_pick_t pk = pl->pick[(int64_t)l * pl->P + p];
            if (pk.cand < 0)
                continue;
            if (regio_rpp_sol_add(sol, l, (int16_t)p, s_cand(pl, l, pk.cand)->offering,
                                  pk.slots) < 0)
                return -ENOMEM;
        }
    return 0;
}
