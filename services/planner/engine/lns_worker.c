/* lns_worker - one thread's large-neighbourhood search over its share of a plan. */
#include "lns_worker.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "session.h"

#define S_EPS 1e-7

static int s_changeable(const regio_lns_worker_t *x, int32_t l, int p)
{
    return (!x->only || x->only[l]) && regio_plan_may_change(x->pl, &x->w, l, p);
}

/* Add (l, p) to the neighbourhood unless present, full or not changeable. */
static int s_add(regio_lns_worker_t *x, int32_t l, int p)
{
    if (x->nd >= REGIO_LNS_MAX_D || !s_changeable(x, l, p))
        return 0;
    for (int i = 0; i < x->nd; i++)
        if (x->d[i].l == l && x->d[i].p == p)
            return 0;
    x->d[x->nd++] = (regio_lns_item_t){.l = l, .p = (int16_t)p,
                               .old = x->pl->pick[(int64_t)l * x->pl->P + p]};
    return 1;
}

/* A learner to start from: one with need left (or a focus learner). */
static int32_t s_seed_learner(regio_lns_worker_t *x)
{
    if (x->n_focus && !x->only && regio_rng_below(&x->g, 4) != 0)
        return x->focus[regio_rng_below(&x->g, (uint32_t)x->n_focus)];
    for (int tries = 0; tries < 8 && x->n_unmet; tries++) {
        int32_t l = x->unmet[regio_rng_below(&x->g, (uint32_t)x->n_unmet)];
        if (x->pl->worth[l].cov < x->sh->need[l])
            return l;
    }
    if (x->n_unmet)
        return x->unmet[regio_rng_below(&x->g, (uint32_t)x->n_unmet)];
    return -1;
}

/* A random period learner l may change, or -1. */
static int s_seed_period(regio_lns_worker_t *x, int32_t l)
{
    int ps[REGIO_RPP_MAX_PERIODS], n = 0;
    for (int p = 0; p < x->pl->P; p++)
        if (s_changeable(x, l, p))
            ps[n++] = p;
    return n ? ps[regio_rng_below(&x->g, (uint32_t)n)] : -1;
}

/* Learners placed at offering o in period p, whose slots meet mask, added
 * to the neighbourhood with probability 1/2 each (at most max). */
static void s_add_occupants(regio_lns_worker_t *x, int32_t o, int p, uint32_t mask, int max)
{
    int32_t n;
    const int32_t *occ = regio_plan_occupants(x->pl, o, p, &n);
    if (n <= 0)
        return;
    int32_t off = (int32_t)regio_rng_below(&x->g, (uint32_t)n);
    for (int32_t i = 0; i < n && max > 0; i++) {
        int32_t m = occ[(i + off) % n];
        if ((x->pl->pick[(int64_t)m * x->pl->P + p].slots & mask) && regio_rng_below(&x->g, 2) &&
            s_add(x, m, p))
            max--;
    }
}

/* Neighbourhood: a learner with need left, at a period, plus the occupants
 * of the seats of one of its candidate offerings. */
static int s_op_eject(regio_lns_worker_t *x)
{
    int32_t l = s_seed_learner(x);
    int p = l < 0 ? -1 : s_seed_period(x, l);
    if (p < 0)
        return 0;
    s_add(x, l, p);
    const regio_cands_t *c = x->pl->c;
    int64_t nc = c->start[l + 1] - c->start[l];
    int rounds = nc > 0 ? 1 + (int)regio_rng_below(&x->g, 2) : 0; /* none without candidates */
    for (int r = 0; r < rounds; r++) {
        const regio_cand_t *cd = &c->v[c->start[l] + regio_rng_below(&x->g, (uint32_t)nc)];
        s_add_occupants(x, cd->offering, p, x->pl->r->learners[l].free[p],
                        1 + (int)regio_rng_below(&x->g, 4));
    }
    return x->nd;
}

/* Whether some learner of the neighbourhood holds slot t at (o, p). */
static int s_holds(const regio_lns_worker_t *x, int32_t o, int p, int t)
{
    for (int i = 0; i < x->nd; i++)
        if (x->d[i].p == p && x->d[i].old.cand >= 0 && (x->d[i].old.slots >> t & 1u) &&
            regio_plan_offering(x->pl, x->d[i].l, p) == o)
            return 1;
    return 0;
}

/* Whether want is at the offering l holds at p now (the chain would loop). */
static int s_same_offering(const regio_lns_worker_t *x, int32_t l, int p, regio_pick_t want)
{
    return x->pl->pick[(int64_t)l * x->pl->P + p].cand == want.cand;
}

/* Add, for each slot of pick want of (l, p) that has no seat left, one
 * learner holding it (at random). Returns how many were added. */
static int s_add_blockers(regio_lns_worker_t *x, int32_t l, int p, regio_pick_t want)
{
    const regio_plan_t *pl = x->pl;
    int32_t o = pl->c->v[pl->c->start[l] + want.cand].offering;
    uint32_t blocked = want.slots & ~regio_plan_avail(pl, l, (int64_t)o * pl->P + p);
    int added = 0;
    for (uint32_t m = blocked; m; m &= m - 1) {
        int t = __builtin_ctz(m), seen = 0;
        int32_t pickm = -1, nocc;
        if (s_holds(x, o, p, t))
            continue;
        const int32_t *occ = regio_plan_occupants(pl, o, p, &nocc);
        for (int32_t i = 0; i < nocc; i++) {
            int32_t q = occ[i];
            if (q == l || !(pl->pick[(int64_t)q * pl->P + p].slots >> t & 1u))
                continue;
            if (regio_rng_below(&x->g, (uint32_t)++seen) == 0)
                pickm = q;
        }
        added += pickm >= 0 && s_add(x, pickm, p);
    }
    return added;
}

/* The pick (l, p) would take if it chose first, when that beats what it has. */
static int s_wants(regio_lns_worker_t *x, int32_t l, int p, regio_pick_t *want)
{
    double v = regio_plan_wish(x->pl, &x->w, l, p, want);
    return want->cand >= 0 && v > regio_plan_priced(x->pl, l) + S_EPS;
}

/* Neighbourhood: a learner with need left and the pick it would take if it
 * chose first, plus one learner on each seat of that pick it lacks. */
/* Start of the wish neighbourhoods: a learner with need left and a period
 * where it wants another pick (*want), added; 0 when there is none. */
static int s_seed_wish(regio_lns_worker_t *x, int32_t *l, int *p, regio_pick_t *want)
{
    *l = s_seed_learner(x);
    *p = *l < 0 ? -1 : s_seed_period(x, *l);
    if (*p < 0 || !s_wants(x, *l, *p, want))
        return 0;
    s_add(x, *l, *p);
    return 1;
}

static int s_op_wish(regio_lns_worker_t *x)
{
    int32_t l;
    int p;
    regio_pick_t want;
    if (!s_seed_wish(x, &l, &p, &want))
        return 0;
    s_add_blockers(x, l, p, want);
    return x->nd;
}

/* Neighbourhood: an ejection chain. As s_op_wish, then the last learner
 * pushed out goes for its own wish, pushing out others, up to 3 links;
 * repaired in the order of the chain. */
static int s_op_chain(regio_lns_worker_t *x)
{
    int32_t l;
    int p;
    regio_pick_t want;
    if (!s_seed_wish(x, &l, &p, &want))
        return 0;
    for (int link = 0; link < 3; link++) {
        int before = x->nd;
        if (s_add_blockers(x, l, p, want) == 0)
            break;
        l = x->d[x->nd - 1].l;
        if (!s_wants(x, l, p, &want) ||
            s_same_offering(x, l, p, want) || x->nd == before)
            break;
    }
    return x->nd;
}

/* Neighbourhood: learners close together, in one period. */
static int s_op_area(regio_lns_worker_t *x)
{
    int32_t l = s_seed_learner(x);
    int p = l < 0 ? -1 : s_seed_period(x, l);
    if (p < 0)
        return 0;
    int want = 4 + (int)regio_rng_below(&x->g, 12);
    int32_t at = x->sh->zpos[l], L = x->pl->L;
    s_add(x, l, p);
    for (int32_t k = 1; k < 4 * want && x->nd < want; k++) {
        int32_t i = at + ((k & 1) ? (k + 1) / 2 : -(k / 2));
        if (i >= 0 && i < L)
            s_add(x, x->sh->zorder[i], p);
    }
    return x->nd;
}

/* Neighbourhood: a learner with need left, one of its candidate offerings,
 * and the learners placed there in any period; all their periods (so that
 * placements can shift between periods, not only between offerings). */
static int s_op_offering(regio_lns_worker_t *x)
{
    int32_t l = s_seed_learner(x);
    if (l < 0)
        return 0;
    const regio_plan_t *pl = x->pl;
    int64_t nc = pl->c->start[l + 1] - pl->c->start[l];
    if (nc <= 0)
        return 0; /* need left but no offering at all: nothing to reshuffle (found by fuzzing) */
    int32_t o = pl->c->v[pl->c->start[l] + regio_rng_below(&x->g, (uint32_t)nc)].offering;
    int want = 2 + (int)regio_rng_below(&x->g, 6);
    for (int p = 0; p < pl->P; p++)
        s_add(x, l, p);
    for (int p0 = (int)regio_rng_below(&x->g, (uint32_t)pl->P), k = 0; k < pl->P; k++) {
        int p = (p0 + k) % pl->P;
        int32_t n;
        const int32_t *occ = regio_plan_occupants(pl, o, p, &n);
        for (int32_t i = 0; i < n && want > 0 && x->nd + pl->P <= REGIO_LNS_MAX_D; i++) {
            int32_t q = occ[(i + k) % n], added = 0;
            for (int pp = 0; pp < pl->P; pp++)
                added += s_add(x, q, pp);
            want -= added > 0;
        }
    }
    return x->nd;
}

/* Repair a group: each learner (in random order) takes its exact best, twice. */
static double s_repair_group(regio_lns_worker_t *x)
{
    int32_t who[REGIO_LNS_MAX_D];
    int n = 0;
    for (int i = 0; i < x->nd; i++)
        if (n == 0 || who[n - 1] != x->d[i].l)
            who[n++] = x->d[i].l;
    for (int i = n - 1; i > 0; i--) {
        int j = (int)regio_rng_below(&x->g, (uint32_t)(i + 1));
        int32_t t = who[i];
        who[i] = who[j];
        who[j] = t;
    }
    double d = 0;
    for (int round = 0; round < 2; round++)
        for (int i = 0; i < n; i++)
            d += regio_plan_learner_exact(x->pl, &x->w, who[i]);
    return d;
}

/* Neighbourhood: one learner's whole year plus the occupants of a wanted seat. */
static int s_op_learner(regio_lns_worker_t *x)
{
    int32_t l = s_seed_learner(x);
    if (l < 0)
        return 0;
    for (int p = 0; p < x->pl->P; p++)
        s_add(x, l, p);
    return x->nd;
}

/* Free every pick of the neighbourhood; returns the objective's change. */
static double s_clear(regio_lns_worker_t *x)
{
    double d = 0;
    const regio_pick_t none = {.cand = REGIO_PICK_NONE, .slots = 0};
    for (int i = 0; i < x->nd; i++)
        if (x->pl->pick[(int64_t)x->d[i].l * x->pl->P + x->d[i].p].cand >= 0)
            d += regio_plan_set(x->pl, &x->w, x->d[i].l, x->d[i].p, none);
    return d;
}

/* Put the old picks back (the seats they held are free again by then). */
static void s_revert(regio_lns_worker_t *x)
{
    s_clear(x);
    for (int i = 0; i < x->nd; i++)
        if (x->d[i].old.cand >= 0)
            regio_plan_set(x->pl, &x->w, x->d[i].l, x->d[i].p, x->d[i].old);
}

/* Best insertion of item i; returns the objective's change. */
static double s_insert(regio_lns_worker_t *x, int i)
{
    regio_pick_t pk;
    int32_t l = x->d[i].l;
    int p = x->d[i].p;
    regio_plan_best(x->pl, &x->w, l, p, &pk, NULL);
    regio_pick_t cur = x->pl->pick[(int64_t)l * x->pl->P + p];
    if (pk.cand == cur.cand && pk.slots == cur.slots)
        return 0;
    return regio_plan_set(x->pl, &x->w, l, p, pk);
}

/* Insert items from..nd-1 in random order. */
static double s_repair_random(regio_lns_worker_t *x, int from)
{
    for (int i = x->nd - 1; i > from; i--) {
        int j = from + (int)regio_rng_below(&x->g, (uint32_t)(i - from + 1));
        regio_lns_item_t t = x->d[i];
        x->d[i] = x->d[j];
        x->d[j] = t;
    }
    double d = 0;
    for (int i = 0; i < x->nd; i++)
        d += s_insert(x, i);
    return d;
}

/* Whether moving (l, p) from offering was to offering now (-1: none) can
 * change the best pick of item it: the same learner (its other periods
 * changed), or the same period with a candidate at either offering (its
 * seats there changed). Nothing else regio_plan_best reads moves. */
static int s_touches(const regio_lns_worker_t *x, const regio_lns_item_t *it, int32_t l, int p,
                     int32_t was, int32_t now)
{
    if (it->l == l)
        return 1;
    if (it->p != p)
        return 0;
    return (was >= 0 && regio_cands_find(x->pl->c, it->l, was) >= 0) ||
           (now >= 0 && regio_cands_find(x->pl->c, it->l, now) >= 0);
}

/* Insert the item with the largest regret (best minus second best) first.
 * Each item's regret is kept until an insertion touches it (s_touches),
 * which makes this the same as re-asking every item at every step, at a
 * fraction of the cost. */
static double s_repair_regret(regio_lns_worker_t *x)
{
    double d = 0, reg[REGIO_LNS_MAX_D];
    regio_pick_t pick[REGIO_LNS_MAX_D];
    uint8_t stale[REGIO_LNS_MAX_D];
    memset(stale, 1, sizeof stale);
    for (int done = 0; done < x->nd; done++) {
        int bi = done;
        double breg = -1e300;
        for (int i = done; i < x->nd; i++) {
            if (stale[i]) {
                double sec, best =
                    regio_plan_best(x->pl, &x->w, x->d[i].l, x->d[i].p, &pick[i], &sec);
                reg[i] = pick[i].cand >= 0 ? best - sec : 0;
                stale[i] = 0;
            }
            if (reg[i] > breg) {
                breg = reg[i];
                bi = i;
            }
        }
        regio_lns_item_t t = x->d[done];
        x->d[done] = x->d[bi];
        x->d[bi] = t;
        double tr = reg[done];
        reg[done] = reg[bi];
        reg[bi] = tr;
        regio_pick_t tp = pick[done];
        pick[done] = pick[bi];
        pick[bi] = tp;
        int32_t l = x->d[done].l;
        int p = x->d[done].p;
        regio_pick_t cur = x->pl->pick[(int64_t)l * x->pl->P + p];
        if (pick[done].cand == cur.cand && pick[done].slots == cur.slots)
            continue; /* nothing moved: every kept regret still holds */
        int32_t was = regio_plan_offering(x->pl, l, p);
        d += regio_plan_set(x->pl, &x->w, l, p, pick[done]);
        int32_t now = regio_plan_offering(x->pl, l, p);
        for (int i = done + 1; i < x->nd; i++)
            stale[i] |= (uint8_t)s_touches(x, &x->d[i], l, p, was, now);
    }
    return d;
}

/* Learners with need left and somewhere to go. */
static void s_refresh_unmet(regio_lns_worker_t *x)
{
    int32_t n = x->only ? x->n_focus : x->pl->L;
    const int64_t *start = x->pl->c->start;
    x->n_unmet = 0;
    for (int32_t i = 0; i < n; i++) {
        int32_t l = x->only ? x->focus[i] : i;
        if (x->pl->worth[l].cov < x->sh->need[l] && start[l + 1] > start[l])
            x->unmet[x->n_unmet++] = l;
    }
    if (x->n_unmet == 0) /* all needs met: still improve travel and preferences */
        for (int32_t i = 0; i < n; i++) {
            int32_t l = x->only ? x->focus[i] : i;
            if (start[l + 1] > start[l])
                x->unmet[x->n_unmet++] = l;
        }
}

/* Go back to the best plan seen, undoing the logged moves newest first. */
static void s_back_to_best(regio_lns_worker_t *x)
{
    while (x->nstart > 0) {
        int64_t a = x->starts[--x->nstart];
        x->nd = 0;
        for (int64_t i = a; i < x->nlog; i++)
            x->d[x->nd++] = x->log[i];
        s_revert(x);
        x->nlog = a;
    }
    x->obj = x->best;
}

/* After an accepted move: a new best clears the log, else the move is
 * logged so that it can be undone; a full log sends the search back. */
static void s_remember(regio_lns_worker_t *x)
{
    if (x->obj >= x->best - S_EPS) {
        if (x->obj > x->best)
            x->best = x->obj;
        x->nlog = x->nstart = 0;
        return;
    }
    if (x->nlog + x->nd > x->caplog) {
        s_revert(x); /* this move first: the log can only undo older ones */
        s_back_to_best(x);
        return;
    }
    x->starts[x->nstart++] = x->nlog;
    for (int i = 0; i < x->nd; i++)
        x->log[x->nlog++] = x->d[i];
}

/* The neighbourhoods: how to free picks and how to repair them. */
typedef enum { S_RANDOM, S_RANDOM_AFTER_FIRST, S_IN_ORDER, S_REGRET, S_EXACT, S_GROUP } s_repair_t;
typedef struct {
    int (*destroy)(regio_lns_worker_t *x);
    s_repair_t repair;
} s_op_t;

static const s_op_t s_ops[] = {
    {s_op_eject, S_RANDOM_AFTER_FIRST}, {s_op_wish, S_RANDOM_AFTER_FIRST},
    {s_op_area, S_RANDOM},              {s_op_area, S_REGRET},
    {s_op_learner, S_EXACT},            {s_op_chain, S_IN_ORDER},
    {s_op_offering, S_GROUP},
};
#define S_N_OPS (int)(sizeof s_ops / sizeof s_ops[0])
/* How often each neighbourhood is drawn. Measured per op at 2,000 learners
 * (1 s, one thread), wish, chain, area and the exact learner gain 6-12M of
 * score per second of search, eject, area+regret and offering 2-3M; these
 * weights favour the first group. Against {3,3,2,2,1,3,4}: equal at 300
 * learners and at 2,000 with 5 s, +0.2% at 2,000 with 1 s, +1.4% at 20,000. */
static const int s_weight[S_N_OPS] = {1, 6, 3, 1, 3, 5, 1};
static const double s_price_w[4] = {0, 0.5, 1, 1}; /* guide strength, drawn per move */

static int s_choose_op(regio_lns_worker_t *x)
{
    int total = 0;
    for (int i = 0; i < S_N_OPS; i++)
        total += s_weight[i];
    int r = (int)regio_rng_below(&x->g, (uint32_t)total);
    for (int i = 0; i < S_N_OPS; i++)
        if ((r -= s_weight[i]) < 0)
            return i;
    return 0;
}

/* One iteration: free a neighbourhood, repair it, keep it unless worse. */
static void s_iterate(regio_lns_worker_t *x)
{
    x->nd = 0;
    if (x->pl->price)
        x->pl->price_w = s_price_w[regio_rng_below(&x->g, 4)];
    int op = s_choose_op(x);
    if (s_ops[op].destroy(x) == 0)
        return;
    double d = s_clear(x);
    switch (s_ops[op].repair) {
    case S_EXACT:
        d += regio_plan_learner_exact(x->pl, &x->w, x->d[0].l);
        break;
    case S_REGRET:
        d += s_repair_regret(x);
        break;
    case S_GROUP:
        d += s_repair_group(x);
        break;
    case S_IN_ORDER:
        for (int i = 0; i < x->nd; i++)
            d += s_insert(x, i);
        break;
    default:
        d += s_repair_random(x, s_ops[op].repair == S_RANDOM_AFTER_FIRST);
    }
    if (d >= -S_EPS || (x->temp > 0 && regio_rng_unit(&x->g) < exp(d / x->temp))) {
        x->obj += d;
        s_remember(x);
    } else {
        s_revert(x);
    }
}

void regio_lns_shared_free(regio_lns_shared_t *sh)
{
    free(sh->zorder);
    free(sh->zpos);
    free(sh->need);
    memset(sh, 0, sizeof *sh);
}

static uint64_t s_spread(uint32_t v)
{
    uint64_t x = v & 0xffffu;
    x = (x | (x << 8)) & 0x00ff00ffu;
    x = (x | (x << 4)) & 0x0f0f0f0fu;
    x = (x | (x << 2)) & 0x33333333u;
    x = (x | (x << 1)) & 0x55555555u;
    return x;
}

static int s_cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return (x > y) - (x < y);
}

int regio_lns_shared_init(regio_lns_shared_t *sh, const regio_rpp_t *r)
{
    int32_t L = r->n_learners;
    size_t n = L ? (size_t)L : 1;
    memset(sh, 0, sizeof *sh);
    uint64_t *key = malloc(n * sizeof *key);
    sh->zorder = malloc(n * sizeof *sh->zorder);
    sh->zpos = malloc(n * sizeof *sh->zpos);
    sh->need = calloc(n, sizeof *sh->need);
    if (!key || !sh->zorder || !sh->zpos || !sh->need) {
        free(key);
        regio_lns_shared_free(sh);
        return -ENOMEM;
    }
    double la0 = 90, la1 = -90, lo0 = 180, lo1 = -180;
    for (int32_t l = 0; l < L; l++) {
        const regio_rpp_learner_t *x = &r->learners[l];
        la0 = x->lat < la0 ? x->lat : la0;
        la1 = x->lat > la1 ? x->lat : la1;
        lo0 = x->lon < lo0 ? x->lon : lo0;
        lo1 = x->lon > lo1 ? x->lon : lo1;
        for (int i = 0; i < x->n_needs; i++)
            sh->need[l] += x->needs[i].amount;
    }
    double sla = la1 > la0 ? 65535.0 / (la1 - la0) : 0, slo = lo1 > lo0 ? 65535.0 / (lo1 - lo0) : 0;
    for (int32_t l = 0; l < L; l++) {
        uint32_t a = (uint32_t)((r->learners[l].lat - la0) * sla);
        uint32_t b = (uint32_t)((r->learners[l].lon - lo0) * slo);
        key[l] = ((s_spread(a) | (s_spread(b) << 1)) << 32) | (uint32_t)l;
    }
    qsort(key, (size_t)L, sizeof *key, s_cmp_u64);
    for (int32_t i = 0; i < L; i++) {
        sh->zorder[i] = (int32_t)(key[i] & 0xffffffffu);
        sh->zpos[sh->zorder[i]] = i;
    }
    free(key);
    return 0;
}


int regio_lns_worker_init(regio_lns_worker_t *x, regio_plan_t *pl, const regio_lns_shared_t *sh,
                          uint64_t seed)
{
    memset(x, 0, sizeof *x);
    x->pl = pl;
    x->sh = sh;
    regio_rng_seed(&x->g, seed);
    x->caplog = 4096 + (int64_t)pl->L / 4;
    x->unmet = malloc((size_t)(pl->L ? pl->L : 1) * sizeof *x->unmet);
    x->log = malloc((size_t)x->caplog * sizeof *x->log);
    x->starts = malloc((size_t)x->caplog * sizeof *x->starts);
    if (!x->unmet || !x->log || !x->starts || regio_plan_work_init(&x->w, pl) < 0)
        return -ENOMEM;
    s_refresh_unmet(x);
    return 0;
}

void regio_lns_worker_free(regio_lns_worker_t *x)
{
    regio_plan_work_free(&x->w);
    free(x->unmet);
    free(x->log);
    free(x->starts);
    x->unmet = NULL;
    x->log = NULL;
    x->starts = NULL;
}

double regio_lns_worker_run(regio_lns_worker_t *x, const regio_lns_budget_t *b)
{
    double start = b->deadline > 0 ? regio_session_clock() : 0, from = x->obj;
    x->best = x->obj;
    x->nlog = x->nstart = 0;
    s_refresh_unmet(x);
    for (int64_t i = 0; x->n_unmet; i++) {
        if ((i & 255) == 0) {
            double f = b->iterations > 0 ? (double)i / (double)b->iterations : 0;
            if (b->deadline > 0) {
                double now = regio_session_clock();
                if (now >= b->deadline)
                    break;
                f = (now - start) / (b->deadline - start);
            }
            x->temp = b->temp_from > 0 ? b->temp_from * pow(b->temp_to / b->temp_from, f) : 0;
        }
        if (b->iterations > 0 && i >= b->iterations)
            break;
        s_iterate(x);
        x->iterations++;
        if (i % (2048 + x->pl->L / 4) == 2047) /* O(learners): not too often */
            s_refresh_unmet(x);
    }
    if (x->obj < x->best)
        s_back_to_best(x);
    return x->obj - from;
}
