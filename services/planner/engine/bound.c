/* bound - an upper bound on the best score of an rpp-1 instance. */
#include "bound.h"

#include <errno.h>
#include <float.h>
#include <math.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bound_int.h"
#include "cand.h"
#include "exact.h"
#include "slots.h"

#define S_NODES 20000  /* default search nodes per learner before settling for a bound */
#define S_EARLY 500    /* ... in the first rounds, while the prices are far off */
#define S_MAX_T 8      /* threads */

/* What the subgradient loop shares with the learner workers. */
typedef struct {
    const regio_rpp_t *r;
    const regio_cands_t *c;
    const double *price;  /* (o*P + p)*10 + t: an open seat's price */
    const double *hprice; /* per reservation * 10: the price its school's learners pay for a
                             seat it holds, never above the open seat's (rpp-2) */
    int P;
    const uint16_t *capmask; /* (o*P + p): slots with seats at all */
    uint8_t *priced;      /* (o*P + p): some seat has a price > 0 */
    int64_t nodes;        /* search nodes per learner, this round */
    int64_t full;         /* ... once the prices have settled */
    double deadline;      /* clock value at which a round gives up */
    int project;          /* 1: give up as soon as a worker's pace shows it would end late */
} s_ctx_t;

/* A worker's share: learners [l0, l1), their value and seat use. */
typedef struct {
    const s_ctx_t *x;
    int32_t l0, l1;
    double value;
    int32_t *use;         /* (o*P + p)*10 + t, this worker's learners only */
    int32_t *use_held;    /* per reservation * 10: seats its school's learners took where it
                             holds some (this worker's) */
    int exact;            /* 0 once some learner hit the node limit */
    int late;             /* 1 when the round ran out of time (its value is void) */
    regio_exact_opt_t *opt; /* scratch: options of all periods */
    regio_exact_memo_t *memo;
    int64_t *credit;      /* per need */
    int cap_opt;
} s_worker_t;

static double s_clock(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* Cheapest k slots of usable mask u with per-slot prices pr and a cost per
 * travel day; *mask gets them. Returns the cost, or DBL_MAX. */
static double s_slots(uint32_t u, int k, const double *pr, double day, uint16_t *mask)
{
    double best[6][REGIO_RPP_SLOTS + 1];
    uint8_t how[6][REGIO_RPP_SLOTS + 1]; /* 0 none, 1 first slot, 2 second, 3 both */
    for (int j = 0; j <= k; j++)
        best[0][j] = j ? DBL_MAX : 0;
    for (int d = 0; d < 5; d++) {
        int a = 2 * d, b = a + 1, ua = u >> a & 1u, ub = u >> b & 1u;
        int one = ua && (!ub || pr[a] <= pr[b]) ? 1 : ub ? 2 : 0;
        double c1 = one == 1 ? pr[a] + day : one == 2 ? pr[b] + day : DBL_MAX;
        double c2 = ua && ub ? pr[a] + pr[b] + day : DBL_MAX;
        for (int j = 0; j <= k; j++) {
            double v = best[d][j];
            uint8_t h = 0;
            if (j >= 1 && c1 < DBL_MAX && best[d][j - 1] < DBL_MAX && best[d][j - 1] + c1 < v) {
                v = best[d][j - 1] + c1;
                h = (uint8_t)one;
            }
            if (j >= 2 && c2 < DBL_MAX && best[d][j - 2] < DBL_MAX && best[d][j - 2] + c2 < v) {
                v = best[d][j - 2] + c2;
                h = 3;
            }
            best[d + 1][j] = v;
            how[d][j] = h;
        }
    }
    if (best[5][k] == DBL_MAX)
        return DBL_MAX;
    uint32_t m = 0;
    for (int d = 4, j = k; d >= 0; d--) {
        uint8_t h = how[d][j];
        if (h == 3)
            m |= 3u << (2 * d), j -= 2;
        else if (h)
            m |= 1u << (2 * d + h - 1), j -= 1;
    }
    *mask = (uint16_t)m;
    return best[5][k];
}

/* Where a school holds seats at (o, p) (op): learner l's prices there in
 * buf (a held seat's own price where its school holds some, else the open
 * seat's) and the slots it may use at all (seats held for its school, or
 * open ones: nobody else's held seats). */
static uint32_t s_held_view(const s_ctx_t *x, int32_t l, int32_t o, int p, double *buf)
{
    const regio_rpp_t *r = x->r;
    int64_t op = (int64_t)o * x->P + p;
    int32_t i = regio_rpp_reservation_find(r, o, p, r->learners[l].school);
    uint32_t m = 0;
    for (int t = 0; t < REGIO_RPP_SLOTS; t++) {
        int held = i >= 0 && r->res[i].seats[t] > 0;
        buf[t] = held ? x->hprice[i * REGIO_RPP_SLOTS + t] : x->price[op * REGIO_RPP_SLOTS + t];
        if (held || regio_rpp_cap(r, o, p, t) > regio_rpp_held(r, o, p, t))
            m |= 1u << t;
    }
    return m;
}

/* The cheapest slots (*mask) of candidate cd for learner l at period p
 * under the prices, with a travel cost of day per day; DBL_MAX when none. */
static double s_cost(const s_ctx_t *x, int32_t l, int p, const regio_cand_t *cd, double day,
                     uint16_t *mask)
{
    const regio_rpp_learner_t *L = &x->r->learners[l];
    int64_t op = (int64_t)cd->offering * x->P + p;
    double held[REGIO_RPP_SLOTS];
    if (x->r->res_first && x->r->res_first[op] >= 0)
        return s_slots(L->free[p] & s_held_view(x, l, cd->offering, p, held), L->dagdelen, held,
                       day, mask);
    uint32_t u = L->free[p] & x->capmask[op];
    if (x->priced[op])
        return s_slots(u, L->dagdelen, x->price + op * REGIO_RPP_SLOTS, day, mask);
    int days = regio_slots_min(u, L->dagdelen, mask); /* no prices here: only the days count */
    return days < 0 ? DBL_MAX : day * days;
}

/* A pin's price: its seats under the prices and its days of travel. */
static double s_pin_cost(const s_ctx_t *x, int32_t l, int p, const regio_rpp_placement_t *pin,
                         const regio_cand_t *cd, double day)
{
    const regio_rpp_t *r = x->r;
    int64_t op = (int64_t)pin->offering * x->P + p;
    double held[REGIO_RPP_SLOTS], cost = day * regio_slots_days(pin->slots);
    const double *pr = x->price + op * REGIO_RPP_SLOTS;
    if (r->res_first && r->res_first[op] >= 0) {
        s_held_view(x, l, cd->offering, p, held);
        pr = held;
    }
    for (uint32_t m = pin->slots; m; m &= m - 1)
        cost += pr[__builtin_ctz(m)];
    return cost;
}

/* The only option of a period a pin decides. Returns 1, or 0 when the
 * pin is not among the candidates (they are built with the pins). */
static int32_t s_pinned(s_worker_t *w, const regio_exact_t *e, int p, regio_exact_opt_t *opt)
{
    const s_ctx_t *x = w->x;
    const regio_rpp_t *r = x->r;
    const regio_rpp_placement_t *pin = &r->pins[r->pin_at[(int64_t)e->l * x->P + p]];
    int32_t k = regio_cands_find(x->c, e->l, pin->offering);
    if (k < 0)
        return 0;
    const regio_cand_t *cd = &x->c->v[x->c->start[e->l] + k];
    double day = r->w.km * cd->trip * r->periods[p].weeks;
    double fixed = ((cd->flags & REGIO_CAND_PREFERRED) ? r->w.preference : 0) -
                   s_pin_cost(x, e->l, p, pin, cd, day);
    opt[0] = (regio_exact_opt_t){.fixed = fixed, .k = k, .slots = pin->slots};
    opt[0].ub = regio_exact_alone(e, p, k, fixed, w->credit);
    return 1;
}

/* Options of learner l in period p under the prices: no placement, and
 * each candidate with its cheapest slots when it may add value; best first;
 * where a pin decides, the pin alone. Returns how many. */
static int32_t s_options(s_worker_t *w, const regio_exact_t *e, int p, regio_exact_opt_t *opt)
{
    const s_ctx_t *x = w->x;
    const regio_rpp_t *r = x->r;
    const regio_rpp_learner_t *L = &r->learners[e->l];
    int64_t nc = x->c->start[e->l + 1] - x->c->start[e->l];
    int32_t n = 0, weeks = r->periods[p].weeks;
    if (L->pins >> p & 1u)
        return s_pinned(w, e, p, opt);
    if (!(L->planned >> p & 1u) || __builtin_popcount(L->free[p]) < L->dagdelen)
        return 0;
    opt[n++] = (regio_exact_opt_t){.ub = 0, .fixed = 0, .k = REGIO_EXACT_NONE};
    for (int64_t k = 0; k < nc; k++) {
        const regio_cand_t *cd = &x->c->v[x->c->start[e->l] + k];
        uint16_t mask = 0;
        double day = r->w.km * cd->trip * weeks;
        double cost = s_cost(x, e->l, p, cd, day, &mask);
        if (cost == DBL_MAX)
            continue;
        double fixed = ((cd->flags & REGIO_CAND_PREFERRED) ? r->w.preference : 0) - cost;
        double ub = regio_exact_alone(e, p, (int32_t)k, fixed, w->credit);
        if (ub > 0)
            opt[n++] = (regio_exact_opt_t){.ub = ub, .fixed = fixed, .k = (int32_t)k,
                                           .slots = mask};
    }
    if (n == 1)
        return 0;
    return regio_exact_sort(e, opt, n);
}

/* Learner l's best value under the prices (or an upper bound on it when the
 * search was cut off); its chosen seats are added to w->use. */
static int s_learner(s_worker_t *w, int32_t l)
{
    const s_ctx_t *x = w->x;
    const regio_rpp_t *r = x->r;
    int64_t nc = x->c->start[l + 1] - x->c->start[l];
    if (nc == 0)
        return 0;
    if ((int64_t)w->cap_opt < (nc + 1) * x->P) {
        free(w->opt);
        w->cap_opt = (int)((nc + 1) * x->P);
        if (!(w->opt = malloc((size_t)w->cap_opt * sizeof *w->opt)))
            return -ENOMEM;
    }
    regio_exact_t e = {.r = r, .c = x->c, .memo = w->memo, .l = l, .wcov = r->w.coverage,
                       .node_limit = x->nodes};
    memset(w->credit, 0, (size_t)r->learners[l].n_needs * sizeof *w->credit);
    for (int p = 0, used = 0; p < x->P; p++) {
        int32_t n = s_options(w, &e, p, w->opt + used);
        regio_exact_add(&e, p, w->opt + used, n);
        used += n;
    }
    int choice[REGIO_RPP_MAX_PERIODS];
    double open, best = regio_exact_solve(&e, w->credit, choice, &open);
    if (e.np == 0)
        best = 0;
    if (open > best)
        w->exact = 0;
    w->value += open > best ? open : best;
    for (int d = 0; d < e.np; d++) {
        const regio_exact_opt_t *o = &e.opt[d][choice[d]];
        if (o->k < 0)
            continue;
        int32_t off = x->c->v[x->c->start[l] + o->k].offering;
        for (uint32_t m = o->slots; m; m &= m - 1)
            w->use[((int64_t)off * x->P + e.per[d]) * REGIO_RPP_SLOTS + __builtin_ctz(m)]++;
        int32_t i = r->res_first ? regio_rpp_reservation_find(r, off, e.per[d],
                                                               r->learners[l].school) : -1;
        for (uint32_t m = i >= 0 ? o->slots : 0; m; m &= m - 1)
            w->use_held[i * REGIO_RPP_SLOTS + __builtin_ctz(m)] +=
                r->res[i].seats[__builtin_ctz(m)] > 0;
    }
    return 0;
}

static void *s_work(void *arg)
{
    s_worker_t *w = arg;
    w->value = 0;
    w->exact = 1;
    w->late = 0;
    double t0 = s_clock(); /* this worker's own start: workers may run one after another */
    for (int32_t l = w->l0; l < w->l1; l++) {
        if (((l - w->l0) & 255) == 255) {
            const s_ctx_t *x = w->x;
            double now = s_clock(), done = (double)(l - w->l0) / (double)(w->l1 - w->l0);
            if (now > x->deadline || (x->project && t0 + (now - t0) / done > x->deadline)) {
                w->late = 1;
                break;
            }
        }
        if (s_learner(w, l) < 0) {
            w->value = NAN;
            break;
        }
    }
    return NULL;
}

regio_bound_opts_t regio_bound_default_opts(void)
{
    return (regio_bound_opts_t){.seconds = 0, .iterations = 0, .lower = 0, .threads = 1,
                                .prices = NULL, .nodes = 0, .patience = 0,
                                .min_rounds = 0};
}

/* Seats a round used: all learners per (o, p, t), and per reservation and
 * slot its school's where it holds seats. */
typedef struct {
    int32_t *use, *held;
    size_t nseats, nheld;
} s_use_t;

/* Solve every learner under the current prices; returns the Lagrangian
 * value without the seat term, the seats used in u, or NAN on ENOMEM. */
static double s_round(s_worker_t *w, int n, s_use_t *u)
{
    pthread_t tid[S_MAX_T];
    int started[S_MAX_T] = {0};
    for (int i = 0; i < n; i++) {
        memset(w[i].use, 0, u->nseats * sizeof *w[i].use);
        memset(w[i].use_held, 0, u->nheld * sizeof *w[i].use_held);
    }
    for (int i = 1; i < n; i++)
        started[i] = pthread_create(&tid[i], NULL, s_work, &w[i]) == 0;
    for (int i = 0; i < n; i++)
        if (!started[i])
            s_work(&w[i]);
    double v = 0;
    memset(u->use, 0, u->nseats * sizeof *u->use);
    memset(u->held, 0, u->nheld * sizeof *u->held);
    for (int i = 0; i < n; i++) {
        if (started[i])
            pthread_join(tid[i], NULL);
        v += w[i].late ? INFINITY : w[i].value;
        for (size_t s = 0; s < u->nseats; s++)
            u->use[s] += w[i].use[s];
        for (size_t s = 0; s < u->nheld; s++)
            u->held[s] += w[i].use_held[s];
    }
    return v;
}

/* Which (offering, period) blocks have a price > 0 now. */
static void s_mark_priced(const regio_rpp_t *r, s_ctx_t *x)
{
    int64_t n = (int64_t)r->n_offerings * r->n_periods;
    for (int64_t op = 0; op < n; op++) {
        uint8_t any = 0;
        for (int t = 0; t < REGIO_RPP_SLOTS; t++)
            any |= x->price[op * REGIO_RPP_SLOTS + t] > 0;
        x->priced[op] = any;
    }
}

/* The subgradient loop; *ub gets the lowest Lagrangian value seen.
 * scratch: a place per reservation and slot. */
static int s_loop(const regio_rpp_t *r, const regio_bound_opts_t *o, s_ctx_t *x, s_worker_t *w,
                  int n, s_use_t *u, double *scratch, double *ub)
{
    size_t nseats = u->nseats;
    double t0 = s_clock(), theta = 1.0;
    double secs = o->seconds > 0 ? o->seconds : 5.0 + 0.0006 * r->n_learners;
    x->deadline = t0 + (o->min_rounds > 0 ? secs / o->min_rounds : secs);
    x->project = o->min_rounds > 0; /* a first round that cannot fit stops early */
    int iters = o->iterations > 0 ? o->iterations : 3000, stall = 0;
    int patience = o->patience > 0 ? o->patience : 5;
    *ub = DBL_MAX;
    for (int it = 0; it < iters; it++) {
        /* while the prices still move a lot, cheap rounds steer them as well */
        x->nodes = theta > 0.3 && it < iters / 2 && x->full > S_EARLY ? S_EARLY : x->full;
        double lag = s_round(w, n, u);
        if (isnan(lag))
            return -ENOMEM;
        if (isinf(lag)) /* out of time mid-round */
            break;
        x->deadline = t0 + secs;
        x->project = 0;
        lag += regio_bound__seat_term(r, x->price, x->hprice);
        if (lag < *ub - 1e-9 * fabs(*ub)) {
            *ub = lag;
            stall = 0;
            if (o->prices)
                memcpy(o->prices, x->price, nseats * sizeof *o->prices);
        } else if (++stall >= patience) {
            theta /= 2;
            stall = 0;
        }
        double target = o->lower > 0 ? o->lower : 0.9 * lag;
        if (theta < 1e-4 || (*ub - target) <= 1e-6 * fabs(*ub) ||
            !regio_bound__step(r, (double *)x->price, (double *)x->hprice, u->use, u->held,
                               scratch, lag, target, theta) ||
            s_clock() - t0 > secs)
            break;
        s_mark_priced(r, x);
    }
    return 0;
}

int regio_bound_compute(const regio_rpp_t *r, const regio_bound_opts_t *o, double *ub)
{
    regio_cands_t c;
    int rc = regio_cands_build(r, NULL, o->threads, &c);
    if (rc < 0)
        return rc;
    rc = regio_bound_run(r, &c, o, ub);
    regio_cands_free(&c);
    return rc;
}

int regio_bound_run(const regio_rpp_t *r, const regio_cands_t *c, const regio_bound_opts_t *o,
                    double *ub)
{
    int rc;
    size_t nseats = (size_t)r->n_offerings * r->n_periods * REGIO_RPP_SLOTS;
    int n = o->threads < 1 ? 1 : o->threads > S_MAX_T ? S_MAX_T : o->threads, max_needs = 1;
    for (int32_t l = 0; l < r->n_learners; l++)
        max_needs = r->learners[l].n_needs > max_needs ? r->learners[l].n_needs : max_needs;
    size_t nheld = (size_t)r->n_res * REGIO_RPP_SLOTS;
    double *price = calloc(nseats + 1, sizeof *price), *hprice = calloc(nheld + 1, sizeof *hprice);
    double *scratch = calloc(nheld + 1, sizeof *scratch);
    s_use_t u = {.use = calloc(nseats + 1, sizeof *u.use),
                 .held = calloc(nheld + 1, sizeof *u.held), .nseats = nseats, .nheld = nheld};
    size_t nop = (size_t)r->n_offerings * r->n_periods + 1;
    uint16_t *capmask = calloc(nop, sizeof *capmask);
    uint8_t *priced = calloc(nop, 1);
    s_ctx_t x = {.r = r, .c = c, .price = price, .hprice = hprice, .P = r->n_periods,
                 .capmask = capmask, .priced = priced, .full = o->nodes > 0 ? o->nodes : S_NODES};
    for (int32_t off = 0; capmask && off < r->n_offerings; off++)
        for (int p = 0; p < r->n_periods; p++)
            for (int t = 0; t < REGIO_RPP_SLOTS; t++)
                if (regio_rpp_cap(r, off, p, t) > 0)
                    capmask[(size_t)off * r->n_periods + p] |= (uint16_t)(1u << t);
    s_worker_t w[S_MAX_T];
    memset(w, 0, sizeof w);
    rc = price && hprice && scratch && u.use && u.held && capmask && priced ? 0 : -ENOMEM;
    for (int i = 0; i < n && rc == 0; i++) {
        w[i] = (s_worker_t){.x = &x, .l0 = (int32_t)((int64_t)r->n_learners * i / n),
                            .l1 = (int32_t)((int64_t)r->n_learners * (i + 1) / n)};
        w[i].use = calloc(nseats + 1, sizeof *w[i].use);
        w[i].use_held = calloc(nheld + 1, sizeof *w[i].use_held);
        w[i].credit = calloc((size_t)max_needs, sizeof *w[i].credit);
        w[i].memo = regio_exact_memo_new();
        if (!w[i].use || !w[i].use_held || !w[i].credit || !w[i].memo)
            rc = -ENOMEM;
    }
    if (rc == 0 && (rc = s_loop(r, o, &x, w, n, &u, scratch, ub)) == 0 && *ub < DBL_MAX)
        *ub += 1e-9 * fabs(*ub) + 1e-6; /* round-off must never cut into a feasible score */
    for (int i = 0; i < n; i++) {
        free(w[i].use);
        free(w[i].use_held);
        free(w[i].credit);
        regio_exact_memo_free(w[i].memo);
        free(w[i].opt);
    }
    free(price);
    free(hprice);
    free(scratch);
    free(u.use);
    free(u.held);
    free(capmask);
    free(priced);
    return rc;
}
