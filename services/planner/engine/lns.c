/* lns - greedy construction, then large-neighbourhood search. */
#include "lns.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bound.h"
#include "greedy.h"
#include "rng.h"

#define S_MAX_D 48       /* picks freed per iteration, at most */
#define S_EPS 1e-7

/* One freed pick and what it was. */
typedef struct {
    int32_t l;
    int16_t p;
    regio_pick_t old;
} s_item_t;

typedef struct {
    regio_session_t *s;
    regio_plan_t *pl;
    regio_plan_work_t *w;
    regio_rng_t g;
    const uint8_t *group;     /* per learner: which worker may touch it, or NULL */
    uint8_t gid;              /* this worker's group */
    s_item_t d[S_MAX_D];      /* the neighbourhood */
    int nd;
    int32_t *unmet;           /* learners (of this group) with need left and candidates */
    int32_t n_unmet;
    const int32_t *focus;     /* learners to start from more often, or NULL */
    int32_t n_focus;
    const int32_t *zorder;    /* learners along a space-filling curve */
    const int32_t *zpos;      /* position of each learner in zorder */
    const int64_t *need;      /* per learner: dagdelen needed in all */
    double obj;               /* objective of the current plan */
    double best;              /* objective of the best plan seen */
    s_item_t *log;            /* picks changed since the best plan, oldest first */
    int64_t *starts;          /* log index where each accepted move's items start */
    int64_t nlog, ngroup, caplog;
    double temp;              /* annealing temperature (0: only non-worsening moves) */
} s_lns_t;

static int s_mine(const s_lns_t *x, int32_t l)
{
    return !x->group || x->group[l] == x->gid;
}

static int s_changeable(const s_lns_t *x, int32_t l, int p)
{
    const regio_plan_t *pl = x->pl;
    return (pl->r->learners[l].planned >> p & 1u) && pl->c->start[l + 1] > pl->c->start[l] &&
           !(pl->frozen && pl->frozen[(int64_t)l * pl->P + p]) && s_mine(x, l);
}

/* Add (l, p) to the neighbourhood unless present, full or not changeable. */
static int s_add(s_lns_t *x, int32_t l, int p)
{
    if (x->nd >= S_MAX_D || !s_changeable(x, l, p))
        return 0;
    for (int i = 0; i < x->nd; i++)
        if (x->d[i].l == l && x->d[i].p == p)
            return 0;
    x->d[x->nd++] = (s_item_t){.l = l, .p = (int16_t)p,
                               .old = x->pl->pick[(int64_t)l * x->pl->P + p]};
    return 1;
}

/* A learner to start from: one with need left (or a focus learner). */
static int32_t s_seed_learner(s_lns_t *x)
{
    if (x->n_focus && regio_rng_below(&x->g, 4) != 0)
        return x->focus[regio_rng_below(&x->g, (uint32_t)x->n_focus)];
    for (int tries = 0; tries < 8 && x->n_unmet; tries++) {
        int32_t l = x->unmet[regio_rng_below(&x->g, (uint32_t)x->n_unmet)];
        if (x->pl->worth[l].cov < x->need[l])
            return l;
    }
    if (x->n_unmet)
        return x->unmet[regio_rng_below(&x->g, (uint32_t)x->n_unmet)];
    return -1;
}

/* A random period learner l may change, or -1. */
static int s_seed_period(s_lns_t *x, int32_t l)
{
    int ps[REGIO_RPP_MAX_PERIODS], n = 0;
    for (int p = 0; p < x->pl->P; p++)
        if (s_changeable(x, l, p))
            ps[n++] = p;
    return n ? ps[regio_rng_below(&x->g, (uint32_t)n)] : -1;
}

/* Learners placed at offering o in period p, whose slots meet mask, added
 * to the neighbourhood with probability 1/2 each (at most max). */
static void s_add_occupants(s_lns_t *x, int32_t o, int p, uint32_t mask, int max)
{
    const regio_cands_t *c = x->pl->c;
    int64_t a = c->inv_start[o], b = c->inv_start[o + 1], n = b - a;
    if (n <= 0)
        return;
    int64_t off = regio_rng_below(&x->g, (uint32_t)n);
    for (int64_t i = 0; i < n && max > 0; i++) {
        int32_t m = c->inv[a + (i + off) % n];
        regio_pick_t pk = x->pl->pick[(int64_t)m * x->pl->P + p];
        if (pk.cand < 0 || !(pk.slots & mask) || regio_plan_offering(x->pl, m, p) != o)
            continue;
        if (regio_rng_below(&x->g, 2) && s_add(x, m, p))
            max--;
    }
}

/* Neighbourhood: a learner with need left, at a period, plus the occupants
 * of the seats of one of its candidate offerings. */
static int s_op_eject(s_lns_t *x)
{
    int32_t l = s_seed_learner(x);
    int p = l < 0 ? -1 : s_seed_period(x, l);
    if (p < 0)
        return 0;
    s_add(x, l, p);
    const regio_cands_t *c = x->pl->c;
    int64_t nc = c->start[l + 1] - c->start[l];
    int rounds = 1 + (int)regio_rng_below(&x->g, 2);
    for (int r = 0; r < rounds; r++) {
        const regio_cand_t *cd = &c->v[c->start[l] + regio_rng_below(&x->g, (uint32_t)nc)];
        s_add_occupants(x, cd->offering, p, x->pl->r->learners[l].free[p],
                        1 + (int)regio_rng_below(&x->g, 4));
    }
    return x->nd;
}

/* Whether some learner of the neighbourhood holds slot t at (o, p). */
static int s_holds(const s_lns_t *x, int32_t o, int p, int t)
{
    for (int i = 0; i < x->nd; i++)
        if (x->d[i].p == p && x->d[i].old.cand >= 0 && (x->d[i].old.slots >> t & 1u) &&
            regio_plan_offering(x->pl, x->d[i].l, p) == o)
            return 1;
    return 0;
}

/* Neighbourhood: a learner with need left and the pick it would take if it
 * chose first, plus one learner on each seat of that pick it lacks. */
static int s_op_wish(s_lns_t *x)
{
    int32_t l = s_seed_learner(x);
    int p = l < 0 ? -1 : s_seed_period(x, l);
    if (p < 0)
        return 0;
    const regio_plan_t *pl = x->pl;
    regio_pick_t want, cur = pl->pick[(int64_t)l * pl->P + p];
    double v = regio_plan_wish(pl, x->w, l, p, &want);
    if (want.cand < 0 || v <= pl->worth[l].obj + S_EPS)
        return 0;
    s_add(x, l, p);
    int32_t o = regio_plan_offering(pl, l, p) >= 0 && cur.cand == want.cand
                    ? regio_plan_offering(pl, l, p)
                    : pl->c->v[pl->c->start[l] + want.cand].offering;
    uint32_t blocked = want.slots & ~(uint32_t)pl->avail[(int64_t)o * pl->P + p];
    const regio_cands_t *c = pl->c;
    for (uint32_t m = blocked; m; m &= m - 1) {
        int t = __builtin_ctz(m), seen = 0;
        int32_t pickm = -1;
        if (s_holds(x, o, p, t))
            continue;
        for (int64_t i = c->inv_start[o]; i < c->inv_start[o + 1]; i++) {
            int32_t q = c->inv[i];
            regio_pick_t pk = pl->pick[(int64_t)q * pl->P + p];
            if (q == l || pk.cand < 0 || !(pk.slots >> t & 1u) || regio_plan_offering(pl, q, p) != o)
                continue;
            if (regio_rng_below(&x->g, (uint32_t)++seen) == 0)
                pickm = q;
        }
        if (pickm >= 0)
            s_add(x, pickm, p);
    }
    return x->nd;
}

/* Neighbourhood: learners close together, in one period. */
static int s_op_area(s_lns_t *x)
{
    int32_t l = s_seed_learner(x);
    int p = l < 0 ? -1 : s_seed_period(x, l);
    if (p < 0)
        return 0;
    int want = 4 + (int)regio_rng_below(&x->g, 12);
    int32_t at = x->zpos[l], L = x->pl->L;
    s_add(x, l, p);
    for (int32_t k = 1; k < 4 * want && x->nd < want; k++) {
        int32_t i = at + ((k & 1) ? (k + 1) / 2 : -(k / 2));
        if (i >= 0 && i < L)
            s_add(x, x->zorder[i], p);
    }
    return x->nd;
}

/* Neighbourhood: a few learners close together, all their periods. */
static int s_op_group(s_lns_t *x)
{
    int32_t l = s_seed_learner(x);
    if (l < 0)
        return 0;
    int want = 2 + (int)regio_rng_below(&x->g, 6), got = 0;
    int32_t at = x->zpos[l], L = x->pl->L;
    for (int32_t k = 0; k < 4 * want && got < want && x->nd + x->pl->P <= S_MAX_D; k++) {
        int32_t i = at + ((k & 1) ? (k + 1) / 2 : -(k / 2));
        if (i < 0 || i >= L)
            continue;
        int added = 0;
        for (int p = 0; p < x->pl->P; p++)
            added += s_add(x, x->zorder[i], p);
        got += added > 0;
    }
    return x->nd;
}

/* Repair a group: each learner (in random order) takes its exact best, twice. */
static double s_repair_group(s_lns_t *x)
{
    int32_t who[S_MAX_D];
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
            d += regio_plan_learner_exact(x->pl, x->w, who[i]);
    return d;
}

/* Neighbourhood: one learner's whole year plus the occupants of a wanted seat. */
static int s_op_learner(s_lns_t *x)
{
    int32_t l = s_seed_learner(x);
    if (l < 0)
        return 0;
    for (int p = 0; p < x->pl->P; p++)
        s_add(x, l, p);
    return x->nd;
}

/* Free every pick of the neighbourhood; returns the objective's change. */
static double s_clear(s_lns_t *x)
{
    double d = 0;
    const regio_pick_t none = {.cand = REGIO_PICK_NONE, .slots = 0};
    for (int i = 0; i < x->nd; i++)
        if (x->pl->pick[(int64_t)x->d[i].l * x->pl->P + x->d[i].p].cand >= 0)
            d += regio_plan_set(x->pl, x->w, x->d[i].l, x->d[i].p, none);
    return d;
}

/* Put the old picks back (the seats they held are free again by then). */
static void s_revert(s_lns_t *x)
{
    s_clear(x);
    for (int i = 0; i < x->nd; i++)
        if (x->d[i].old.cand >= 0)
            regio_plan_set(x->pl, x->w, x->d[i].l, x->d[i].p, x->d[i].old);
}

/* Best insertion of item i; returns the objective's change. */
static double s_insert(s_lns_t *x, int i)
{
    regio_pick_t pk;
    int32_t l = x->d[i].l;
    int p = x->d[i].p;
    regio_plan_best(x->pl, x->w, l, p, &pk, NULL);
    regio_pick_t cur = x->pl->pick[(int64_t)l * x->pl->P + p];
    if (pk.cand == cur.cand && pk.slots == cur.slots)
        return 0;
    return regio_plan_set(x->pl, x->w, l, p, pk);
}

/* Insert items from..nd-1 in random order. */
static double s_repair_random(s_lns_t *x, int from)
{
    for (int i = x->nd - 1; i > from; i--) {
        int j = from + (int)regio_rng_below(&x->g, (uint32_t)(i - from + 1));
        s_item_t t = x->d[i];
        x->d[i] = x->d[j];
        x->d[j] = t;
    }
    double d = 0;
    for (int i = 0; i < x->nd; i++)
        d += s_insert(x, i);
    return d;
}

/* Insert the item with the largest regret (best minus second best) first. */
static double s_repair_regret(s_lns_t *x)
{
    double d = 0;
    for (int done = 0; done < x->nd; done++) {
        int bi = done;
        double breg = -1e300;
        for (int i = done; i < x->nd; i++) {
            regio_pick_t pk;
            double sec, best = regio_plan_best(x->pl, x->w, x->d[i].l, x->d[i].p, &pk, &sec);
            double reg = pk.cand >= 0 ? best - sec : 0;
            if (reg > breg) {
                breg = reg;
                bi = i;
            }
        }
        s_item_t t = x->d[done];
        x->d[done] = x->d[bi];
        x->d[bi] = t;
        d += s_insert(x, done);
    }
    return d;
}

/* Learners of this worker with need left and somewhere to go. */
static void s_refresh_unmet(s_lns_t *x)
{
    x->n_unmet = 0;
    for (int32_t l = 0; l < x->pl->L; l++)
        if (x->pl->worth[l].cov < x->need[l] && x->pl->c->start[l + 1] > x->pl->c->start[l] &&
            s_mine(x, l))
            x->unmet[x->n_unmet++] = l;
    if (x->n_unmet == 0) /* all needs met: still improve travel and preferences */
        for (int32_t l = 0; l < x->pl->L; l++)
            if (x->pl->c->start[l + 1] > x->pl->c->start[l] && s_mine(x, l))
                x->unmet[x->n_unmet++] = l;
}

/* Go back to the best plan seen, undoing the logged moves newest first. */
static void s_back_to_best(s_lns_t *x)
{
    while (x->ngroup > 0) {
        int64_t a = x->starts[--x->ngroup];
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
static void s_remember(s_lns_t *x)
{
    if (x->obj >= x->best - S_EPS) {
        if (x->obj > x->best)
            x->best = x->obj;
        x->nlog = x->ngroup = 0;
        return;
    }
    if (x->nlog + x->nd > x->caplog) {
        s_revert(x); /* this move first: the log can only undo older ones */
        s_back_to_best(x);
        return;
    }
    x->starts[x->ngroup++] = x->nlog;
    for (int i = 0; i < x->nd; i++)
        x->log[x->nlog++] = x->d[i];
}

/* The neighbourhoods: how to free picks and how to repair them. */
typedef enum { S_RANDOM, S_RANDOM_AFTER_FIRST, S_REGRET, S_EXACT, S_GROUP } s_repair_t;
typedef struct {
    int (*destroy)(s_lns_t *x);
    s_repair_t repair;
} s_op_t;

static const s_op_t s_ops[] = {
    {s_op_eject, S_RANDOM_AFTER_FIRST}, {s_op_wish, S_RANDOM_AFTER_FIRST},
    {s_op_wish, S_REGRET},              {s_op_area, S_RANDOM},
    {s_op_area, S_REGRET},              {s_op_learner, S_EXACT},
    {s_op_group, S_GROUP},
};
#define S_N_OPS (int)(sizeof s_ops / sizeof s_ops[0])
static int s_weight[S_N_OPS] = {3, 3, 0, 2, 2, 1, 0};
static double s_price_w[4] = {0, 0.5, 1, 1};
static double s_dbg_gain[S_N_OPS];
static int64_t s_dbg_try[S_N_OPS], s_dbg_win[S_N_OPS];

static int s_choose_op(s_lns_t *x)
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
static void s_iterate(s_lns_t *x)
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
        d += regio_plan_learner_exact(x->pl, x->w, x->d[0].l);
        break;
    case S_REGRET:
        d += s_repair_regret(x);
        break;
    case S_GROUP:
        d += s_repair_group(x);
        break;
    default:
        d += s_repair_random(x, s_ops[op].repair == S_RANDOM_AFTER_FIRST);
    }
    s_dbg_try[op]++;
    if (d > S_EPS) { s_dbg_win[op]++; s_dbg_gain[op] += d; }
    if (d >= -S_EPS || (x->temp > 0 && regio_rng_unit(&x->g) < exp(d / x->temp))) {
        x->obj += d;
        s_remember(x);
    } else {
        s_revert(x);
    }
}

/* Data every worker reads: learners along a Z-order curve, needs. */
typedef struct {
    int32_t *zorder, *zpos;
    int64_t *need;
} s_shared_t;

static void s_shared_free(s_shared_t *sh)
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

static int s_shared_init(s_shared_t *sh, const regio_rpp_t *r)
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
        s_shared_free(sh);
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

static int s_worker_init(s_lns_t *x, regio_session_t *s, regio_plan_t *pl, regio_plan_work_t *w,
                         const s_shared_t *sh, uint64_t seed)
{
    memset(x, 0, sizeof *x);
    x->s = s;
    x->pl = pl;
    x->w = w;
    x->zorder = sh->zorder;
    x->zpos = sh->zpos;
    x->need = sh->need;
    regio_rng_seed(&x->g, seed);
    x->unmet = malloc((size_t)(pl->L ? pl->L : 1) * sizeof *x->unmet);
    if (!x->unmet)
        return -ENOMEM;
    regio_plan_totals(pl, &x->obj, NULL, NULL, NULL);
    x->best = x->obj;
    x->caplog = 4096 + (int64_t)pl->L / 4;
    x->log = malloc((size_t)x->caplog * sizeof *x->log);
    x->starts = malloc((size_t)x->caplog * sizeof *x->starts);
    if (!x->log || !x->starts)
        return -ENOMEM;
    s_refresh_unmet(x);
    return 0;
}

int regio_lns_improve(regio_session_t *s, uint64_t seed, const int32_t *focus, int32_t n_focus)
{
    s_shared_t sh;
    s_lns_t x;
    int rc = s_shared_init(&sh, s->r);
    if (rc < 0)
        return rc;
    if ((rc = s_worker_init(&x, s, &s->plan, &s->work, &sh, seed)) == 0) {
        x.focus = focus;
        x.n_focus = n_focus;
        if (getenv("REGIO_PW"))
            sscanf(getenv("REGIO_PW"), "%lf,%lf,%lf,%lf", &s_price_w[0], &s_price_w[1], &s_price_w[2], &s_price_w[3]);
        if (getenv("REGIO_MIX"))
            sscanf(getenv("REGIO_MIX"), "%d,%d,%d,%d,%d,%d,%d", &s_weight[0], &s_weight[1], &s_weight[2], &s_weight[3], &s_weight[4], &s_weight[5], &s_weight[6]);
        double t0 = getenv("REGIO_T0") ? atof(getenv("REGIO_T0")) : 0;
        double t1 = getenv("REGIO_T1") ? atof(getenv("REGIO_T1")) : 1;
        double start = regio_session_clock(), span = s->deadline - start;
        while (x.n_unmet && !regio_session_done(s)) {
            if (t0 > 0 && (s->stats.iterations & 255) == 0) {
                double f = s->opts->iterations > 0
                               ? (double)s->stats.iterations / (double)s->opts->iterations
                               : (regio_session_clock() - start) / (span > 0 ? span : 1);
                x.temp = t0 * pow(t1 / t0, f < 1 ? f : 1);
            }
            s_iterate(&x);
            s->stats.iterations++;
            if ((s->stats.iterations & 2047) == 0)
                s_refresh_unmet(&x);
        }
        if (x.obj < x.best)
            s_back_to_best(&x);
        if (getenv("REGIO_LNS_STATS"))
            for (int k = 0; k < S_N_OPS; k++)
                fprintf(stderr, "op %d: tries %lld wins %lld gain %.0f\n", k, (long long)s_dbg_try[k], (long long)s_dbg_win[k], s_dbg_gain[k]);
    }
    free(x.unmet);
    free(x.log);
    free(x.starts);
    s_shared_free(&sh);
    return rc;
}

/* Default budget: about a second for 2,000 learners, growing with size. */
static double s_default_seconds(const regio_rpp_t *r, const regio_engine_opts_t *opts)
{
    if (opts->base)
        return 0.05;
    double t = 0.3 + 0.0004 * r->n_learners;
    return t < 90 ? t : 90;
}

/* Seat prices from a short run of the Lagrangian bound, to guide choices;
 * NULL when there is no time or memory for them. */
static double *s_prices(regio_session_t *s, double lower, double seconds)
{
    const regio_rpp_t *r = s->r;
    size_t n = (size_t)r->n_offerings * r->n_periods * REGIO_RPP_SLOTS;
    double *prices = calloc(n + 1, sizeof *prices);
    regio_bound_opts_t bo = regio_bound_default_opts();
    double ub;
    bo.seconds = seconds;
    bo.lower = lower;
    bo.prices = prices;
    bo.threads = s->opts->threads;
    if (s->opts->iterations > 0) { /* deterministic: a fixed number of steps */
        bo.seconds = 1e9;
        bo.iterations = 60;
    }
    if (!prices || regio_bound_compute(r, &bo, &ub) < 0) {
        free(prices);
        return NULL;
    }
    return prices;
}

int regio_lns_solve(const regio_rpp_t *r, const regio_engine_opts_t *opts, regio_rpp_sol_t *out)
{
    regio_session_t s;
    double *prices = NULL;
    int rc = regio_session_open(&s, r, opts, s_default_seconds(r, opts));
    if (rc < 0)
        return rc;
    if (opts->base)
        regio_greedy_fill(&s.plan, &s.work, s.focus, s.n_focus, opts->seed);
    else
        regio_greedy_fill(&s.plan, &s.work, NULL, 0, opts->seed);
    regio_plan_totals(&s.plan, NULL, &s.stats.first_score, NULL, NULL);
    double frac = getenv("REGIO_PRICE_FRAC") ? atof(getenv("REGIO_PRICE_FRAC")) : 0;
    if (!opts->base && frac > 0 &&
        (prices = s_prices(&s, s.stats.first_score, frac * (s.deadline - regio_session_clock())))) {
        regio_plan_t fresh;
        if (regio_plan_init(&fresh, r, &s.cands) == 0) {
            double a;
            fresh.price = prices;
            fresh.price_w = 1;
            regio_greedy_fill(&fresh, &s.work, NULL, 0, opts->seed);
            regio_plan_totals(&fresh, NULL, &a, NULL, NULL);
            if (getenv("REGIO_LNS_STATS"))
                fprintf(stderr, "greedy %.1f priced greedy %.1f\n", s.stats.first_score, a);
            if (a > s.stats.first_score) {
                regio_plan_copy(&s.plan, &fresh);
                s.stats.first_score = a;
            }
            regio_plan_free(&fresh);
        }
        s.plan.price = prices;
    }
    rc = regio_lns_improve(&s, opts->seed, s.focus, s.n_focus);
    free(prices);
    if (rc < 0) {
        regio_session_close(&s);
        return rc;
    }
    return regio_session_finish(&s, out);
}
