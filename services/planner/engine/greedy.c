/* greedy - a fast feasible first plan. */
#include "greedy.h"

#include <stdlib.h>

#include "rng.h"
#include "session.h"

typedef struct {
    uint64_t key; /* candidates (high bits), then a random tie-break */
    int32_t l;
} s_order_t;

static int s_cmp(const void *a, const void *b)
{
    const s_order_t *x = a, *y = b;
    return (x->key > y->key) - (x->key < y->key);
}

double regio_greedy_fill(regio_plan_t *pl, regio_plan_work_t *w, const int32_t *learners,
                         int32_t n, uint64_t seed)
{
    if (!learners)
        n = pl->L;
    regio_rng_t g;
    regio_rng_seed(&g, seed);
    s_order_t *ord = malloc((size_t)(n ? n : 1) * sizeof *ord);
    double gain = 0;
    for (int32_t i = 0; ord && i < n; i++) {
        int32_t l = learners ? learners[i] : i;
        uint64_t nc = (uint64_t)(pl->c->start[l + 1] - pl->c->start[l]);
        ord[i] = (s_order_t){.key = (nc << 32) | (regio_rng_next(&g) >> 32), .l = l};
    }
    if (ord)
        qsort(ord, (size_t)n, sizeof *ord, s_cmp);
    for (int32_t i = 0; i < n; i++) {
        int32_t l = ord ? ord[i].l : learners ? learners[i] : i;
        if (pl->c->start[l + 1] > pl->c->start[l])
            gain += regio_plan_learner_greedy(pl, w, l);
    }
    free(ord);
    return gain;
}

int regio_greedy_solve(const regio_rpp_t *r, const regio_engine_opts_t *opts,
                       regio_rpp_sol_t *out)
{
    regio_session_t s;
    int rc = regio_session_open(&s, r, opts, 1.0);
    if (rc < 0)
        return rc;
    if (opts->base)
        regio_greedy_fill(&s.plan, &s.work, s.focus, s.n_focus, opts->seed);
    else
        regio_greedy_fill(&s.plan, &s.work, NULL, 0, opts->seed);
    regio_plan_totals(&s.plan, NULL, &s.stats.first_score, NULL, NULL);
    return regio_session_finish(&s, out);
}
