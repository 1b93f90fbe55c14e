/* plan_seats - a plan's seats: open and held ones, the pins placed at set-up,
 * and which picks fit (plan.h). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "plan.h"
#include "plan_int.h"
#include "regio/error.h"

static inline const regio_cand_t *s_cand(const regio_plan_t *pl, int32_t l, int32_t k)
{
    return &pl->c->v[pl->c->start[l] + k];
}

/* Masks of the open seats: those with any at all (capmask) and those left
 * (avail); and room in the occupant lists for every seat of each (o, p). */
void regio_plan__masks(regio_plan_t *pl)
{
    const regio_rpp_t *r = pl->r;
    for (int32_t o = 0; o < pl->O; o++)
        for (int p = 0; p < pl->P; p++) {
            int64_t op = (int64_t)o * pl->P + p, seats = 0; /* an occupant holds one at least */
            for (int t = 0; t < REGIO_RPP_SLOTS; t++) {
                int32_t cap = regio_rpp_cap(r, o, p, t);
                seats += cap;
                if (cap - (r->res_first ? regio_rpp_held(r, o, p, t) : 0) > 0)
                    pl->capmask[op] |= (uint16_t)(1u << t);
                if (pl->seats[op * REGIO_RPP_SLOTS + t] > 0)
                    pl->avail[op] |= (uint16_t)(1u << t);
            }
            pl->occ_start[op + 1] = pl->occ_start[op] + seats;
        }
}

/* Put r's pins in the plan (their seats are taken already); worths of the
 * pinned learners. REGIO_EINVALID when a pin is not a candidate. */
int regio_plan__pins(regio_plan_t *pl)
{
    const regio_rpp_t *r = pl->r;
    regio_plan_work_t w;
    for (int32_t k = 0; k < r->n_pins; k++) {
        const regio_rpp_placement_t *v = &r->pins[k];
        int32_t cand = regio_cands_find(pl->c, v->learner, v->offering);
        int64_t op = (int64_t)v->offering * pl->P + v->period;
        if (cand < 0)
            return REGIO_EINVALID;
        pl->pick[(int64_t)v->learner * pl->P + v->period] =
            (regio_pick_t){.cand = cand, .slots = v->slots};
        pl->occ[pl->occ_start[op] + pl->occ_n[op]++] = v->learner;
    }
    if (r->n_pins == 0)
        return 0;
    if (regio_plan_work_init(&w, pl) < 0)
        return -ENOMEM;
    for (int32_t k = 0; k < r->n_pins; k++) {
        int32_t l = r->pins[k].learner;
        pl->worth[l] = regio_plan_worth(pl, &w, l, pl->pick + (int64_t)l * pl->P);
    }
    regio_plan_work_free(&w);
    return 0;
}

uint32_t regio_plan_held(const regio_plan_t *pl, int32_t l, int64_t op)
{
    const regio_rpp_t *r = pl->r;
    int32_t school = r->learners[l].school;
    for (int32_t i = r->res_first ? r->res_first[op] : -1; i >= 0; i = r->res[i].next) {
        if (r->res[i].school != school)
            continue;
        uint32_t m = 0;
        for (int t = 0; t < REGIO_RPP_SLOTS; t++)
            m |= (uint32_t)(pl->left[i * REGIO_RPP_SLOTS + t] > 0) << t;
        return m;
    }
    return 0;
}

/* Slots of (o, p) where l could sit if nobody else held a seat: open
 * seats, and those held for its school. */
uint32_t regio_plan__capmask(const regio_plan_t *pl, int32_t l, int64_t op)
{
    const regio_rpp_t *r = pl->r;
    uint32_t m = pl->capmask[op];
    int32_t school = r->learners[l].school;
    for (int32_t i = r->res_first ? r->res_first[op] : -1; i >= 0; i = r->res[i].next)
        for (int t = 0; t < REGIO_RPP_SLOTS && r->res[i].school == school; t++)
            m |= (uint32_t)(r->res[i].seats[t] > 0) << t;
    return m;
}

/* Seats of pick pk at (l, p) where the school holds some (the rule of
 * rpp.h), sign as regio_plan__seats; avail follows. */
static void s_held_seats(regio_plan_t *pl, int32_t l, int p, regio_pick_t pk, int sign)
{
    int32_t o = s_cand(pl, l, pk.cand)->offering;
    int64_t op = (int64_t)o * pl->P + p;
    regio_rpp_seats_t st = {.open = pl->seats, .left = pl->left};
    regio_rpp_seats_take(pl->r, &st, o, p, pl->r->learners[l].school, pk.slots, -sign);
    for (uint32_t m = pk.slots; m; m &= m - 1) {
        int t = __builtin_ctz(m);
        if (pl->seats[op * REGIO_RPP_SLOTS + t] > 0)
            pl->avail[op] |= (uint16_t)(1u << t);
        else
            pl->avail[op] &= (uint16_t) ~(1u << t);
    }
}

/* Take (sign -1) or give back (sign +1) the seats of pick pk at (l, p),
 * and enter or leave the list of occupants. */
void regio_plan__seats(regio_plan_t *pl, int32_t l, int p, regio_pick_t pk, int sign)
{
    if (pk.cand < 0)
        return;
    int64_t op = (int64_t)s_cand(pl, l, pk.cand)->offering * pl->P + p;
    int32_t *occ = pl->occ + pl->occ_start[op];
    if (sign < 0) {
        occ[pl->occ_n[op]++] = l;
    } else {
        int32_t i = 0;
        while (occ[i] != l)
            i++;
        occ[i] = occ[--pl->occ_n[op]];
    }
    if (regio_plan_holds(pl, op)) {
        s_held_seats(pl, l, p, pk, sign);
        return;
    }
    int32_t *s = pl->seats + op * REGIO_RPP_SLOTS;
    for (uint32_t m = pk.slots; m; m &= m - 1) {
        int t = __builtin_ctz(m);
        s[t] += sign;
        if (s[t] > 0)
            pl->avail[op] |= (uint16_t)(1u << t);
        else
            pl->avail[op] &= (uint16_t) ~(1u << t);
    }
}

int regio_plan_fits(const regio_plan_t *pl, int32_t l, int p, regio_pick_t pk)
{
    if (pk.cand < 0)
        return 1;
    const regio_rpp_learner_t *L = &pl->r->learners[l];
    regio_pick_t old = pl->pick[(int64_t)l * pl->P + p];
    int32_t o = s_cand(pl, l, pk.cand)->offering;
    uint32_t a = regio_plan_avail(pl, l, (int64_t)o * pl->P + p);
    if (old.cand == pk.cand)
        a |= old.slots;
    return (L->planned >> p & 1u) && !(pk.slots & ~a) && !(pk.slots & ~(uint32_t)L->free[p]) &&
           __builtin_popcount(pk.slots) == L->dagdelen;
}

uint32_t regio_plan_room(const regio_plan_t *pl, int32_t l, int p, int32_t k)
{
    const regio_rpp_learner_t *L = &pl->r->learners[l];
    regio_pick_t cur = pl->pick[(int64_t)l * pl->P + p];
    uint32_t a = regio_plan_avail(pl, l, (int64_t)s_cand(pl, l, k)->offering * pl->P + p);
    if (cur.cand == k)
        a |= cur.slots;
    return (L->planned >> p & 1u) ? a & L->free[p] : 0;
}

void regio_plan_sync(regio_plan_t *pl, regio_plan_work_t *w)
{
    regio_rpp_seats_t st = {.open = pl->seats, .left = pl->left};
    regio_rpp_seats_reset(&st, pl->r);
    for (int32_t l = 0; l < pl->L; l++)
        for (int p = 0; p < pl->P; p++) {
            int32_t o = regio_plan_offering(pl, l, p);
            if (o >= 0)
                regio_rpp_seats_take(pl->r, &st, o, p, pl->r->learners[l].school,
                                     pl->pick[(int64_t)l * pl->P + p].slots, 1);
        }
    for (int64_t op = 0; op < (int64_t)pl->O * pl->P; op++) {
        pl->avail[op] = 0;
        pl->occ_n[op] = 0;
        for (int t = 0; t < REGIO_RPP_SLOTS; t++)
            if (pl->seats[op * REGIO_RPP_SLOTS + t] > 0)
                pl->avail[op] |= (uint16_t)(1u << t);
    }
    for (int32_t l = 0; l < pl->L; l++)
        for (int p = 0; p < pl->P; p++) {
            int32_t o = regio_plan_offering(pl, l, p);
            if (o >= 0) {
                int64_t op = (int64_t)o * pl->P + p;
                pl->occ[pl->occ_start[op] + pl->occ_n[op]++] = l;
            }
        }
    regio_plan_refresh(pl, w);
}
