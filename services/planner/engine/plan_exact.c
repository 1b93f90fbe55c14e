/* plan_exact - give one learner its best picks over all periods at once. */
#include <errno.h>
#include <stdlib.h>

#include "exact.h"
#include "plan.h"
#include "slots.h"

#define S_NODES 4000 /* search nodes per learner */

/* Options of (l, p): the current pick alone when frozen (or held at an
 * offering w is kept off); else no placement and every candidate that fits
 * the seats left (at offerings w may use). Returns how many. */
static int32_t s_options(const regio_plan_t *pl, regio_plan_work_t *w, const regio_exact_t *e,
                         int p, regio_exact_opt_t *opt)
{
    const regio_rpp_t *r = pl->r;
    const regio_rpp_learner_t *L = &r->learners[e->l];
    int64_t at = (int64_t)e->l * pl->P + p;
    regio_pick_t cur = pl->pick[at];
    regio_pick_t b = pl->base ? pl->base[at] : (regio_pick_t){.cand = REGIO_PICK_FREE};
    const regio_pick_t none = {.cand = REGIO_PICK_NONE, .slots = 0};
    int32_t n = 0, weeks = r->periods[p].weeks;
    if (!regio_plan_may_change(pl, w, e->l, p) && (L->planned >> p & 1u)) {
        if (cur.cand < 0)
            return 0;
        const regio_cand_t *cd = &pl->c->v[pl->c->start[e->l] + cur.cand];
        double fixed = ((cd->flags & REGIO_CAND_PREFERRED) ? r->w.preference : 0) -
                       r->w.km * cd->trip * weeks * regio_slots_days(cur.slots) -
                       pl->margin * regio_pick_changed(b, cur);
        fixed -= regio_plan_price(pl, e->l, p, cur);
        opt[0] = (regio_exact_opt_t){.fixed = fixed, .k = cur.cand, .slots = cur.slots};
        opt[0].ub = regio_exact_alone(e, p, cur.cand, fixed, w->credit);
        return 1;
    }
    if (!(L->planned >> p & 1u) || __builtin_popcount(L->free[p]) < L->dagdelen)
        return 0;
    double vnone = -pl->margin * regio_pick_changed(b, none);
    opt[n++] = (regio_exact_opt_t){.ub = vnone, .fixed = vnone, .k = REGIO_EXACT_NONE};
    for (int32_t k = 0; k < pl->c->start[e->l + 1] - pl->c->start[e->l]; k++) {
        const regio_cand_t *cd = &pl->c->v[pl->c->start[e->l] + k];
        if (w->allowed && !w->allowed[cd->offering])
            continue;
        uint16_t mask;
        int keep, days = regio_plan_slots(pl, e->l, p, k, regio_plan_room(pl, e->l, p, k), &mask,
                                          &keep);
        if (days < 0)
            continue;
        if (k == cur.cand && regio_slots_days(cur.slots) == days)
            mask = cur.slots;
        double fixed = ((cd->flags & REGIO_CAND_PREFERRED) ? r->w.preference : 0) -
                       r->w.km * cd->trip * weeks * days -
                       pl->margin * (b.cand != REGIO_PICK_FREE && !keep) -
                       regio_plan_price(pl, e->l, p, (regio_pick_t){.cand = k, .slots = mask});
        double ub = regio_exact_alone(e, p, k, fixed, w->credit);
        if (ub > vnone)
            opt[n++] = (regio_exact_opt_t){.ub = ub, .fixed = fixed, .k = k, .slots = mask};
    }
    return regio_exact_sort(e, opt, n);
}

static int s_room(const regio_plan_t *pl, regio_plan_work_t *w, int32_t l)
{
    int64_t need = (pl->c->start[l + 1] - pl->c->start[l] + 1) * pl->P;
    if (w->cap_opt >= need)
        return 0;
    free(w->opt);
    w->cap_opt = need > 256 ? need : 256;
    w->opt = malloc((size_t)w->cap_opt * sizeof *w->opt);
    if (!w->opt)
        w->cap_opt = 0;
    return w->opt ? 0 : -ENOMEM;
}

double regio_plan_learner_exact(regio_plan_t *pl, regio_plan_work_t *w, int32_t l)
{
    const regio_rpp_t *r = pl->r;
    if (pl->c->start[l + 1] == pl->c->start[l] || s_room(pl, w, l) < 0)
        return 0;
    double wcov = r->w.coverage + (pl->bonus ? pl->bonus[r->learners[l].school] : 0);
    regio_exact_t e = {.r = r, .c = pl->c, .memo = w->memo, .l = l, .wcov = wcov,
                       .node_limit = S_NODES};
    for (int p = 0, used = 0; p < pl->P; p++) {
        int32_t n = s_options(pl, w, &e, p, w->opt + used);
        regio_exact_add(&e, p, w->opt + used, n);
        used += n;
    }
    int choice[REGIO_RPP_MAX_PERIODS];
    double open, best = regio_exact_solve(&e, w->credit, choice, &open);
    if (e.np == 0 || best <= regio_plan_priced(pl, l) + 1e-7)
        return 0;
    double gain = 0;
    for (int d = 0; d < e.np; d++) {
        const regio_exact_opt_t *o = &e.opt[d][choice[d]];
        regio_pick_t pk = {.cand = o->k, .slots = o->k < 0 ? 0 : o->slots};
        regio_pick_t cur = pl->pick[(int64_t)l * pl->P + e.per[d]];
        if (pk.cand == cur.cand && pk.slots == cur.slots)
            continue;
        if (pk.cand != cur.cand || regio_slots_days(pk.slots) != regio_slots_days(cur.slots))
            regio_plan_refine(pl, l, e.per[d], &pk);
        gain += regio_plan_set(pl, w, l, e.per[d], pk);
    }
    return gain;
}
