/* exact - one learner's best plan over all its periods, searched exactly. */
#include "exact.h"

#include <float.h>
#include <stdlib.h>
#include <string.h>

int64_t regio_exact_credit(const regio_exact_t *e, int32_t k, int64_t add, int sign,
                           int64_t *credit)
{
    const regio_rpp_learner_t *L = &e->r->learners[e->l];
    const regio_cand_t *cd = &e->c->v[e->c->start[e->l] + k];
    int64_t d = 0;
    if (!e->c->wide[e->l]) {
        for (uint64_t m = cd->needs; m; m &= m - 1) {
            int i = __builtin_ctzll(m);
            int64_t a = L->needs[i].amount, before = credit[i] < a ? credit[i] : a;
            credit[i] += sign * add;
            d += (credit[i] < a ? credit[i] : a) - before;
        }
        return d;
    }
    const regio_rpp_offering_t *O = &e->r->offerings[cd->offering];
    for (int i = 0; i < L->n_needs; i++) {
        int mult = 0;
        for (int j = 0; j < O->n_goals; j++)
            mult += O->goals[j] == L->needs[i].goal;
        if (!mult)
            continue;
        int64_t a = L->needs[i].amount, before = credit[i] < a ? credit[i] : a;
        credit[i] += sign * mult * add;
        d += (credit[i] < a ? credit[i] : a) - before;
    }
    return d;
}

double regio_exact_alone(const regio_exact_t *e, int p, int32_t k, double fixed, int64_t *credit)
{
    const regio_rpp_t *r = e->r;
    const regio_cand_t *cd = &e->c->v[e->c->start[e->l] + k];
    int64_t add = (int64_t)r->periods[p].weeks * r->learners[e->l].dagdelen;
    int64_t cov = regio_exact_credit(e, k, add, 1, credit);
    regio_exact_credit(e, k, add, -1, credit);
    return e->wcov * (double)cov + fixed - ((cd->flags & REGIO_CAND_HISTORY) ? r->w.repeat : 0);
}

static int s_cmp(const void *a, const void *b)
{
    double x = ((const regio_exact_opt_t *)a)->ub, y = ((const regio_exact_opt_t *)b)->ub;
    return (x < y) - (x > y);
}

void regio_exact_sort(regio_exact_opt_t *opt, int32_t n)
{
    qsort(opt, (size_t)n, sizeof *opt, s_cmp);
}

typedef struct {
    const regio_exact_t *e;
    int64_t *credit;
    double rest[REGIO_RPP_MAX_PERIODS + 1]; /* best ub summed from depth on */
    int pick[REGIO_RPP_MAX_PERIODS];
    int *best_pick;
    double best, open;
    int64_t nodes;
} s_dfs_t;

static int s_repeat(const s_dfs_t *s, int depth, const regio_cand_t *cd)
{
    if (cd->flags & REGIO_CAND_HISTORY)
        return 1;
    const regio_exact_t *e = s->e;
    for (int d = 0; d < depth; d++) {
        int32_t k = e->opt[d][s->pick[d]].k;
        if (k >= 0 && e->c->v[e->c->start[e->l] + k].partner == cd->partner)
            return 1;
    }
    return 0;
}

static void s_dfs(s_dfs_t *s, int depth, double cur)
{
    const regio_exact_t *e = s->e;
    if (depth == e->np) {
        if (cur > s->best) {
            s->best = cur;
            memcpy(s->best_pick, s->pick, (size_t)e->np * sizeof *s->pick);
        }
        return;
    }
    if (++s->nodes > e->node_limit) {
        if (cur + s->rest[depth] > s->open)
            s->open = cur + s->rest[depth];
        return;
    }
    const regio_rpp_t *r = e->r;
    int64_t add = (int64_t)r->periods[e->per[depth]].weeks * r->learners[e->l].dagdelen;
    for (int32_t i = 0; i < e->nopt[depth]; i++) {
        const regio_exact_opt_t *o = &e->opt[depth][i];
        if (cur + o->ub + s->rest[depth + 1] <= s->best)
            break;
        s->pick[depth] = i;
        if (o->k < 0) {
            s_dfs(s, depth + 1, cur + o->fixed);
            continue;
        }
        const regio_cand_t *cd = &e->c->v[e->c->start[e->l] + o->k];
        int64_t dc = regio_exact_credit(e, o->k, add, 1, s->credit);
        double v = e->wcov * (double)dc + o->fixed - r->w.repeat * s_repeat(s, depth, cd);
        s_dfs(s, depth + 1, cur + v);
        regio_exact_credit(e, o->k, add, -1, s->credit);
    }
}

double regio_exact_solve(const regio_exact_t *e, int64_t *credit, int *choice, double *open)
{
    s_dfs_t s = {.e = e, .credit = credit, .best_pick = choice, .best = -DBL_MAX,
                 .open = -DBL_MAX};
    memset(credit, 0, (size_t)e->r->learners[e->l].n_needs * sizeof *credit);
    s.rest[e->np] = 0;
    for (int d = e->np - 1; d >= 0; d--)
        s.rest[d] = s.rest[d + 1] + (e->nopt[d] ? e->opt[d][0].ub : 0);
    for (int d = 0; d < e->np; d++)
        choice[d] = 0;
    s_dfs(&s, 0, 0);
    *open = s.open;
    return s.best;
}
