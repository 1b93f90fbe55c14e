/* rebuild - plan a cluster of learners afresh, the rest of the plan fixed. */
#include "rebuild.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "greedy.h"
#include "session.h"

#define S_EPS 1e-7
#define S_MIN 8             /* learners per cluster, at least ... */
#define S_SPREAD 12         /* ... plus up to this many less one */
#define S_MAX (S_MIN + S_SPREAD)
#define S_ITERS_PER 30      /* sub-search iterations per cluster member */
#define S_POOL 512          /* learners looked at per cluster member, at most */

int regio_rebuild_init(regio_rebuild_t *rb, regio_plan_t *pl, const regio_lns_shared_t *sh,
                       uint64_t seed)
{
    memset(rb, 0, sizeof *rb);
    rb->pl = pl;
    rb->sh = sh;
    regio_rng_seed(&rb->g, seed);
    rb->mark = calloc((size_t)(pl->L ? pl->L : 1), 1);
    rb->members = malloc(S_MAX * sizeof *rb->members);
    rb->saved = malloc((size_t)S_MAX * (size_t)pl->P * sizeof *rb->saved);
    if (!rb->mark || !rb->members || !rb->saved)
        return -ENOMEM;
    int rc = regio_lns_worker_init(&rb->sub, pl, sh, regio_rng_next(&rb->g));
    rb->sub.only = rb->mark;
    rb->sub.focus = rb->members;
    return rc;
}

void regio_rebuild_free(regio_rebuild_t *rb)
{
    regio_lns_worker_free(&rb->sub);
    free(rb->mark);
    free(rb->members);
    free(rb->saved);
    rb->mark = NULL;
    rb->members = NULL;
    rb->saved = NULL;
}

static int s_has_cands(const regio_plan_t *pl, int32_t l)
{
    return pl->c->start[l + 1] > pl->c->start[l];
}

static void s_join(regio_rebuild_t *rb, int32_t l)
{
    rb->mark[l] = 1;
    rb->members[rb->n++] = l;
}

/* A learner with need left (after a few tries: any with candidates), or -1. */
static int32_t s_seed(regio_rebuild_t *rb)
{
    const regio_plan_t *pl = rb->pl;
    int32_t any = -1;
    for (int tries = 0; tries < 32 && pl->L > 0; tries++) {
        int32_t l = (int32_t)regio_rng_below(&rb->g, (uint32_t)pl->L);
        if (rb->mark[l] || !s_has_cands(pl, l))
            continue;
        if (pl->worth[l].cov < rb->sh->need[l])
            return l;
        any = any < 0 ? l : any;
    }
    return any;
}

/* Learners placed, in any period, at offering o; appended to pool unless
 * in the cluster already (duplicates are harmless). */
static int s_pool_offering(const regio_rebuild_t *rb, int32_t o, int32_t *pool, int n)
{
    for (int p = 0; p < rb->pl->P; p++) {
        int32_t k;
        const int32_t *occ = regio_plan_occupants(rb->pl, o, p, &k);
        for (int32_t i = 0; i < k && n < S_POOL; i++)
            if (!rb->mark[occ[i]])
                pool[n++] = occ[i];
    }
    return n;
}

/* The cluster: a seed learner, then (breadth first) for each member the
 * learners placed where it is placed and at two of its candidate
 * offerings, up to half of the room left per member, at random. */
static void s_cluster(regio_rebuild_t *rb)
{
    const regio_plan_t *pl = rb->pl;
    int want = S_MIN + (int)regio_rng_below(&rb->g, S_SPREAD);
    int32_t pool[S_POOL];
    rb->n = 0;
    for (int head = 0; rb->n < want;) {
        if (head == rb->n) { /* nobody left to grow from: a fresh seed */
            int32_t l = s_seed(rb);
            if (l < 0)
                break;
            s_join(rb, l);
        }
        int32_t l = rb->members[head++];
        int n = 0;
        for (int p = 0; p < pl->P; p++) {
            int32_t o = regio_plan_offering(pl, l, p);
            if (o >= 0)
                n = s_pool_offering(rb, o, pool, n);
        }
        int64_t nc = pl->c->start[l + 1] - pl->c->start[l];
        for (int i = 0; i < 2 && nc > 0; i++) {
            int64_t k = pl->c->start[l] + regio_rng_below(&rb->g, (uint32_t)nc);
            n = s_pool_offering(rb, pl->c->v[k].offering, pool, n);
        }
        int take = (want - rb->n) / 2 > 1 ? (want - rb->n) / 2 : 1;
        for (int i = 0; i < n && take > 0 && rb->n < want; i++) {
            int j = i + (int)regio_rng_below(&rb->g, (uint32_t)(n - i));
            int32_t m = pool[j];
            pool[j] = pool[i];
            if (!rb->mark[m] && s_has_cands(pl, m)) {
                s_join(rb, m);
                take--;
            }
        }
    }
}

/* Set every pick of the cluster that may change to none; returns the
 * objective's change. */
static double s_clear(regio_rebuild_t *rb)
{
    regio_plan_t *pl = rb->pl;
    const regio_pick_t none = {.cand = REGIO_PICK_NONE, .slots = 0};
    double d = 0;
    for (int i = 0; i < rb->n; i++)
        for (int p = 0; p < pl->P; p++)
            if (pl->pick[(int64_t)rb->members[i] * pl->P + p].cand >= 0 &&
                regio_plan_changeable(pl, rb->members[i], p))
                d += regio_plan_set(pl, &rb->sub.w, rb->members[i], p, none);
    return d;
}

/* Put the saved picks back. */
static void s_restore(regio_rebuild_t *rb)
{
    regio_plan_t *pl = rb->pl;
    s_clear(rb);
    for (int i = 0; i < rb->n; i++)
        for (int p = 0; p < pl->P; p++) {
            regio_pick_t pk = rb->saved[i * pl->P + p];
            if (pk.cand >= 0 && regio_plan_changeable(pl, rb->members[i], p))
                regio_plan_set(pl, &rb->sub.w, rb->members[i], p, pk);
        }
}

/* One rebuild; returns the objective's change (>= 0). */
static double s_rebuild(regio_rebuild_t *rb, const regio_lns_budget_t *b)
{
    regio_plan_t *pl = rb->pl;
    s_cluster(rb);
    if (rb->n == 0) {
        rb->iterations++; /* nobody to rebuild: still a step, so budgets in iterations end */
        return 0;
    }
    for (int i = 0; i < rb->n; i++)
        memcpy(&rb->saved[i * pl->P], &pl->pick[(int64_t)rb->members[i] * pl->P],
               (size_t)pl->P * sizeof *rb->saved);
    double d = s_clear(rb);
    d += regio_greedy_fill(pl, &rb->sub.w, rb->members, rb->n, regio_rng_next(&rb->g));
    regio_lns_budget_t sb = *b;
    int64_t before = rb->sub.iterations;
    sb.iterations = (int64_t)S_ITERS_PER * rb->n;
    if (b->iterations > 0 && b->iterations < sb.iterations)
        sb.iterations = b->iterations;
    rb->sub.n_focus = rb->n;
    d += regio_lns_worker_run(&rb->sub, &sb);
    rb->iterations += rb->sub.iterations - before + 1;
    rb->tried++;
    if (d < -S_EPS) {
        s_restore(rb);
        rb->undone++;
        d = 0;
    } else {
        rb->kept += d > S_EPS;
    }
    for (int i = 0; i < rb->n; i++)
        rb->mark[rb->members[i]] = 0;
    return d;
}

double regio_rebuild_run(regio_rebuild_t *rb, const regio_lns_budget_t *b)
{
    double d = 0;
    int64_t start = rb->iterations;
    for (;;) {
        if (b->iterations > 0 && rb->iterations - start >= b->iterations)
            break;
        if (b->deadline > 0 && regio_session_clock() >= b->deadline)
            break;
        regio_lns_budget_t left = *b;
        if (b->iterations > 0)
            left.iterations = b->iterations - (rb->iterations - start);
        d += s_rebuild(rb, &left);
    }
    return d;
}
