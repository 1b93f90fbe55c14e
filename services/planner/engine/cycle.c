/* cycle - ejection chains and cyclic exchanges in one period. */
#include "cycle.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "session.h"

#define S_EPS 1e-7
#define S_N REGIO_CYCLE_GROUP
#define S_D REGIO_CYCLE_DEPTH
#define S_PER_MEMBER 4 /* learners a member brings into the group, at most */
/* Arcs that cost what one LNS iteration does. Measured (2 threads, one
 * solve each): an LNS iteration takes 2.5 us at 300 learners, 3.6 us at
 * 2,000 and 15 us at 20,000; 8 arcs take 0.6, 0.8 and 2.0 us. */
#define S_ARCS_PER_ITERATION 40

int regio_cycle_init(regio_cycle_t *c, regio_plan_t *pl, const regio_lns_shared_t *sh,
                     uint64_t seed)
{
    memset(c, 0, sizeof *c);
    c->pl = pl;
    c->sh = sh;
    regio_rng_seed(&c->g, seed);
    c->pos = malloc((size_t)(pl->L ? pl->L : 1) * sizeof *c->pos);
    c->arc = malloc(S_N * S_N * sizeof *c->arc);
    c->move = malloc(S_N * S_N * sizeof *c->move);
    if (!c->pos || !c->arc || !c->move || regio_plan_work_init(&c->w, pl) < 0)
        return -ENOMEM;
    for (int32_t l = 0; l < pl->L; l++)
        c->pos[l] = -1;
    return 0;
}

void regio_cycle_free(regio_cycle_t *c)
{
    regio_plan_work_free(&c->w);
    free(c->pos);
    free(c->arc);
    free(c->move);
    memset(c, 0, sizeof *c);
}

static void s_join(regio_cycle_t *c, int32_t l)
{
    c->pos[l] = c->n;
    c->u[c->n++] = l;
}

/* Whether this searcher may change (l, p) (c->only, c->w.allowed). */
static int s_may(const regio_cycle_t *c, int32_t l, int p)
{
    return (!c->only || c->only[l]) && regio_plan_may_change(c->pl, &c->w, l, p);
}

/* A learner that may change at p, with need left if one turns up: -1 if none. */
static int32_t s_seed(regio_cycle_t *c, int p)
{
    const regio_plan_t *pl = c->pl;
    int32_t any = -1;
    for (int tries = 0; tries < 32 && pl->L > 0; tries++) {
        int32_t l = (int32_t)regio_rng_below(&c->g, (uint32_t)pl->L);
        if (!s_may(c, l, p))
            continue;
        if (pl->worth[l].cov < c->sh->need[l])
            return l;
        any = any < 0 ? l : any;
    }
    return any;
}

/* The group at p: a seed, then (breadth first) for each member up to
 * S_PER_MEMBER learners who hold a seat at, or could go to, one of its
 * candidate offerings, drawn at random. */
static void s_group(regio_cycle_t *c, int p)
{
    const regio_plan_t *pl = c->pl;
    c->n = 0;
    int32_t l0 = s_seed(c, p);
    if (l0 < 0)
        return;
    s_join(c, l0);
    for (int head = 0; head < c->n && c->n < S_N; head++) {
        int32_t m = c->u[head];
        int64_t k0 = pl->c->start[m], nc = pl->c->start[m + 1] - k0;
        for (int tries = 0, added = 0; tries < 4 * S_PER_MEMBER && added < S_PER_MEMBER &&
                                       c->n < S_N && nc > 0;
             tries++) {
            int32_t o = pl->c->v[k0 + regio_rng_below(&c->g, (uint32_t)nc)].offering;
            int32_t v = -1;
            if (tries & 1) { /* somebody placed there */
                int32_t k;
                const int32_t *occ = regio_plan_occupants(pl, o, p, &k);
                if (k > 0)
                    v = occ[regio_rng_below(&c->g, (uint32_t)k)];
            } else { /* somebody who could go there */
                int64_t a = pl->c->inv_start[o], b = pl->c->inv_start[o + 1];
                if (b > a)
                    v = pl->c->inv[a + (int64_t)regio_rng_below(&c->g, (uint32_t)(b - a))];
            }
            if (v >= 0 && c->pos[v] < 0 && s_may(c, v, p)) {
                s_join(c, v);
                added++;
            }
        }
    }
}

static int32_t s_off(const regio_cycle_t *c, int i, int p)
{
    return regio_plan_offering(c->pl, c->u[i], p);
}

/* Arcs: i -> j when u[i] can take u[j]'s seat (j's offering, in the seats
 * left plus j's slots), weighted by u[i]'s gain; and each member's gain
 * when it goes elsewhere (sink). */
static void s_arcs(regio_cycle_t *c, int p, double *sink, regio_pick_t *sink_pk)
{
    regio_plan_t *pl = c->pl;
    int n = c->n;
    int32_t off[S_N], at[S_N];
    uint32_t room[S_N];
    for (int j = 0; j < n; j++) {
        off[j] = s_off(c, j, p);
        room[j] = off[j] < 0 ? 0 : pl->avail[(int64_t)off[j] * pl->P + p] |
                                       pl->pick[(int64_t)c->u[j] * pl->P + p].slots;
    }
    for (int i = 0; i < n; i++) {
        int32_t l = c->u[i];
        double now = pl->worth[l].obj;
        sink[i] = regio_plan_best_away(pl, &c->w, l, p, &sink_pk[i]) - now;
        for (int j = 0; j < n; j++) /* no arc to itself or to its own offering */
            at[j] = j == i || off[j] == off[i] ? -1 : off[j];
        double *a = &c->arc[i * S_N];
        regio_plan_best_at_each(pl, &c->w, l, p, n, at, room, &c->move[i * S_N], a);
        for (int j = 0; j < n; j++)
            if (a[j] > -HUGE_VAL)
                a[j] -= now;
    }
}

/* A path's members and where its seats are. */
typedef struct {
    double gain;
    int k;
    int8_t at[S_D];
} s_path_t;

static int s_on(const s_path_t *q, int j)
{
    for (int i = 0; i < q->k; i++)
        if (q->at[i] == j)
            return 1;
    return 0;
}

/* Whether offering o is one whose seat the path takes (members 1..k-1). */
static int s_taken(const regio_cycle_t *c, const s_path_t *q, int32_t o, int p)
{
    for (int i = 1; i < q->k; i++)
        if (s_off(c, q->at[i], p) == o)
            return 1;
    return 0;
}

/* The best path or cycle: *best gets it, *cyc whether it closes back to
 * its first member (else its last member goes to its sink pick). */
static void s_search(const regio_cycle_t *c, int p, const double *sink, s_path_t *best,
                     int *cyc)
{
    int n = c->n;
    s_path_t lab[2][S_N];
    best->gain = S_EPS;
    best->k = 0;
    *cyc = 0;
    for (int j = 0; j < n; j++)
        lab[0][j] = (s_path_t){.gain = 0, .k = 1, .at = {(int8_t)j}};
    for (int k = 1; k <= S_D; k++) {
        s_path_t *cur = lab[(k - 1) & 1], *next = lab[k & 1];
        for (int j = 0; j < n; j++)
            next[j].k = 0;
        for (int j = 0; j < n; j++) {
            const s_path_t *q = &cur[j];
            if (q->k != k)
                continue;
            if (sink[j] > -HUGE_VAL && q->gain + sink[j] > best->gain) {
                *best = *q;
                best->gain = q->gain + sink[j];
                *cyc = 0;
            }
            int first = q->at[0];
            int32_t of = s_off(c, first, p);
            double back = c->arc[j * S_N + first];
            if (k >= 2 && back > -HUGE_VAL && q->gain + back > best->gain &&
                !s_taken(c, q, of, p)) {
                *best = *q;
                best->gain = q->gain + back;
                *cyc = 1;
            }
            if (k == S_D || (k > 1 && q->gain <= S_EPS))
                continue;
            for (int t = 0; t < n; t++) {
                double a = c->arc[j * S_N + t];
                if (a == -HUGE_VAL || (k == 1 && a <= S_EPS))
                    continue;
                double g = q->gain + a;
                if ((next[t].k == k + 1 && next[t].gain >= g) || s_on(q, t) ||
                    s_taken(c, q, s_off(c, t, p), p))
                    continue;
                next[t] = *q;
                next[t].gain = g;
                next[t].at[k] = (int8_t)t;
                next[t].k = k + 1;
            }
        }
    }
}

/* Apply path q at p; keep it if the objective rises, else put every pick
 * back. Returns the change (> 0, or 0). */
static double s_apply(regio_cycle_t *c, int p, const s_path_t *q, int cyc,
                      const regio_pick_t *sink_pk)
{
    regio_plan_t *pl = c->pl;
    const regio_pick_t none = {.cand = REGIO_PICK_NONE, .slots = 0};
    regio_pick_t old[S_D];
    double d = 0;
    int ok = 1;
    for (int i = 0; i < q->k; i++) {
        int32_t l = c->u[q->at[i]];
        old[i] = pl->pick[(int64_t)l * pl->P + p];
        if (old[i].cand >= 0)
            d += regio_plan_set(pl, &c->w, l, p, none);
    }
    for (int i = 0; i < q->k && ok; i++) {
        int32_t l = c->u[q->at[i]];
        regio_pick_t pk;
        if (i + 1 < q->k)
            pk = c->move[q->at[i] * S_N + q->at[i + 1]];
        else if (cyc)
            pk = c->move[q->at[i] * S_N + q->at[0]];
        else
            pk = sink_pk[q->at[i]];
        if (!regio_plan_fits(pl, l, p, pk)) {
            ok = 0;
            break;
        }
        if (pk.cand >= 0)
            d += regio_plan_set(pl, &c->w, l, p, pk);
    }
    if (ok && d > S_EPS)
        return d;
    for (int i = 0; i < q->k; i++)
        if (pl->pick[(int64_t)c->u[q->at[i]] * pl->P + p].cand >= 0)
            regio_plan_set(pl, &c->w, c->u[q->at[i]], p, none);
    for (int i = 0; i < q->k; i++)
        if (old[i].cand >= 0)
            regio_plan_set(pl, &c->w, c->u[q->at[i]], p, old[i]);
    return 0;
}

/* One graph: returns the objective's change. */
static double s_step(regio_cycle_t *c)
{
    regio_plan_t *pl = c->pl;
    double sink[S_N], d = 0;
    regio_pick_t sink_pk[S_N];
    int p = (int)regio_rng_below(&c->g, (uint32_t)pl->P);
    s_group(c, p);
    c->iterations += 1 + c->n * c->n / S_ARCS_PER_ITERATION;
    if (c->n >= 2) {
        s_path_t best;
        int cyc;
        s_arcs(c, p, sink, sink_pk);
        s_search(c, p, sink, &best, &cyc);
        if (best.k > 0) {
            c->found++;
            d = s_apply(c, p, &best, cyc, sink_pk);
            c->applied += d > 0;
        }
    }
    for (int i = 0; i < c->n; i++)
        c->pos[c->u[i]] = -1;
    c->n = 0;
    return d;
}

double regio_cycle_run(regio_cycle_t *c, const regio_lns_budget_t *b)
{
    double d = 0, w = c->pl->price_w;
    int64_t start = c->iterations;
    c->pl->price_w = 0; /* the true objective: arcs add up only without guides */
    if (c->pl->P > 0)
        for (;;) {
            if (b->iterations > 0 && c->iterations - start >= b->iterations)
                break;
            if (b->deadline > 0 && regio_session_clock() >= b->deadline)
                break;
            d += s_step(c);
        }
    c->pl->price_w = w;
    return d;
}
