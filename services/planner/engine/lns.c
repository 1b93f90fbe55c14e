/* lns - greedy construction, then large-neighbourhood search. */
#include "lns.h"

#include <errno.h>
#include <float.h>
#include <math.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "bound.h"
#include "cycle.h"
#include "fair.h"
#include "greedy.h"
#include "lns_worker.h"
#include "rebuild.h"

#define S_MAX_THREADS 8
#define S_EPOCH_ITERS 20000  /* per thread and epoch, when counting iterations */
/* Epochs when counting time last S_EPOCH_SECONDS; S_MEET_SECONDS in
 * regions of S_CROSS_FROM learners or more whose copies meet after each,
 * where the best copy first crosses with the others (regio_plan_cross)
 * instead of only taking the better walk.
 * Measured (2 threads, default budget unless said): 5,000 learners, seeds
 * 1-3: epochs of 0.2 s, 62.30M, 65.97M, 71.19M; of 0.04 s, 62.43M,
 * 66.10M, 71.36M; of 0.04 s crossing, 62.64M, 66.20M, 71.71M (+0.2-0.7%;
 * another planner seed: +0.1-0.6%). 2,000 learners at 1.8 s, seeds 1-8:
 * 97.18% of the bound, 97.27% crossing every 0.04 s (6 of 8 higher).
 * 300 learners at 5 s, seeds 1-8: means 2,516,056, 2,514,973 (0.04 s) and
 * 2,513,894 (0.04 s crossing): there the two walks are worth more apart.
 * Slab epochs of 0.04 s: 20,000 learners -0.7%. */
#define S_EPOCH_SECONDS 0.2
#define S_MEET_SECONDS 0.04
#define S_CROSS_FROM 1000
#define S_REPLAN_SECONDS 0.01 /* default search after a replan's set-up */

/* Two more arms share each epoch with the LNS once the cooling schedule is
 * S_ARM_FROM along: rebuilds (rebuild.h) and cycles (cycle.h). Each gets
 * S_ARM_FIRST at first, then its gain per second (per iteration when
 * counting iterations) as a part of all arms' (recent epochs weigh most),
 * between S_ARM_LOW and S_ARM_HIGH.
 * Not earlier: both only ever go uphill, and while it is hot they gain far
 * more per second than the LNS, whose walk also goes down; weighed by gain
 * they took most of the hot phase and quenched the plan into the basin of
 * its first greedy choices. Measured (2 threads, 300 learners, 30 s, seeds
 * 1-4): cycles from the start, mean 2,516,157; from S_ARM_FROM, 2,517,413;
 * at 120 s (seeds 1-3) 2,518,267 against 2,516,229 from the start. At
 * the default budget cycles from S_ARM_FROM still raise 2,000 learners by
 * 0.2% over none (4 seeds; from the start: 0.25%), and 20,000 learners
 * end 0.4% above cycles from the start (seed 1). Rebuilds: 300 learners
 * with 10 s, +0.1% (3 seeds); 2,000 and 20,000 learners, no change beyond
 * noise. */
#define S_ARMS 3 /* the arms of an epoch: the LNS, then rebuilds, then cycles */
#define S_ARM_FROM 0.3
#define S_ARM_FIRST 0.2
#define S_ARM_LOW 0.05
#define S_ARM_HIGH 0.8
#define S_ARM_DECAY 0.5
#define S_RB_TEMP 0.4 /* rebuilds search at the temperature of 40% of the schedule, cooling */

/* Re-heating: past half of a timed search, when the best plan has not
 * risen for S_REHEAT_STALL of the search and S_REHEAT_LEFT seconds remain,
 * the rest of the time runs the cooling schedule again from S_REHEAT_TO,
 * from the best plan (which every copy holds after an epoch). A stalled
 * search sits in one basin and polishes it; a warm walk can leave it.
 * Measured (2 threads, 300 learners, 30 s, seeds 1-16): mean 2,517,093
 * without, 2,517,670 with (+0.02%; seeds 1-8 and 9-16 each gain); 6 of 16
 * seeds above CBC's 10-minute plan instead of 3. 2,000 and 20,000
 * learners at their default budgets: no change beyond noise (too short
 * to stall). Runs counting iterations never re-heat: the test needs
 * a clock, and they must stay deterministic. */
#define S_REHEAT_STALL 0.1
#define S_REHEAT_TO 0.3
#define S_REHEAT_LEFT 2.0

/* Islands: with two or more threads, a timed search whose threads have
 * done S_ISLAND_AFTER iterations per learner lets each thread walk on its
 * own; the copies meet (all become the best one) only when it re-heats
 * and at the end. Before that, and in runs counting iterations, they meet
 * after every epoch. Meeting often keeps the best thread's lead, which is
 * what a short search needs; but in a long one it pulls both walks into
 * one basin, where a second walk adds little. Measured (2 threads,
 * default budget unless said): 300 learners at 30 s (~100,000 iterations
 * per learner), seeds 1-16, mean 2,517,670 meeting after every epoch,
 * 2,518,102 as islands meeting at re-heats (2,518,110 never meeting,
 * 2,517,817 not meeting at re-heats), above CBC's 10-minute plan 6, 7, 8
 * and 6 times: a small gain against a seed-to-seed spread of +-1,500.
 * 2,000 learners (~200 per learner), seeds 1-8: islands from the start
 * lose 0.1%; meeting every 1 s instead of every 0.2 s, no change. */
#define S_ISLAND_AFTER 1000

/* Slabs: in a region of S_SLAB_FROM learners or more, with two or more
 * threads, each epoch cuts the region with parallel lines at a random
 * angle into one slab per thread (as many learners each). A thread changes
 * only the learners whose home lies in its slab, and places them only at
 * offerings in its slab; a pick held across a line stays for the epoch.
 * So the threads touch disjoint learners and disjoint seats, and after the
 * epoch every slab's changes add up in one plan: both threads' work
 * counts, where copies that meet at the best keep one thread's. The next
 * epoch cuts at another angle, so picks held across this epoch's lines
 * can move then. Cycles keep to the slab; rebuilds do not run (their
 * clusters cross the lines).
 * Why only big regions: a big region's search is far from converged at
 * its default budget, so throughput pays; a small one's is not, and there
 * keeping the better of two walks pays more, and a line cuts off a larger
 * share of its learners' offerings. Measured (2 threads, default budget,
 * this machine): 20,000 learners, seeds 1-3: +1.6%, +2.0%, +1.0%; 100,000
 * learners, seed 1: +2.5%; 5,000 learners, seeds 2-3: -0.3%, +0.8%; 2,000
 * learners, seeds 1-4: -1.0% (slabs every epoch) and -0.2% (every other
 * epoch; from 60% of the schedule on: -0.1%). */
#define S_SLAB_FROM 10000

/* Default budget: about a second for 2,000 learners, growing with size. */
static double s_default_seconds(const regio_rpp_t *r, const regio_engine_opts_t *opts)
{
    if (opts->base)
        return S_REPLAN_SECONDS;
    double t = 0.3 + 0.0004 * r->n_learners;
    return t < 90 ? t : 90;
}

/* The search: one worker per thread, each on its own copy of the plan
 * (copy 0 is the session's); after each epoch every copy becomes the best. */
typedef struct {
    regio_session_t *s;
    regio_lns_shared_t sh;
    regio_lns_worker_t x[S_MAX_THREADS];
    regio_rebuild_t rb[S_MAX_THREADS]; /* per worker, on its plan; unused (n_rb 0) in a replan */
    regio_cycle_t cy[S_MAX_THREADS];   /* likewise */
    int n_rb;
    double gain[S_ARMS], cost[S_ARMS]; /* recent gains and costs per arm (s_job_t) */
    regio_plan_t copy[S_MAX_THREADS]; /* [1..n-1]: the other threads' plans */
    int n;                     /* workers */
    double t0, span;           /* start and length of the schedule (time mode; re-heating
                                  starts it again) */
    int64_t it0, total;        /* iterations done before and to be done by the end */
    double fa, fb;             /* the part of the cooling schedule this search covers */
    double length;             /* length of the whole search (time mode) */
    double fa0;                /* fa as the caller gave it */
    double best, best_at;      /* the best objective so far, and when it was reached */
    int islands;               /* 1: the threads walk on their own (S_ISLAND_AFTER) */
    double islands_from;       /* since when */
    int cross;                 /* copies cross when they meet (S_CROSS_FROM) */
    /* slab epochs (S_SLAB_FROM); slabs 0: never */
    int slabs;
    regio_rng_t pg;            /* draws the lines */
    uint8_t *slab_l;           /* n * L: [i*L + l] 1 when learner l is in thread i's slab */
    uint8_t *slab_o;           /* n * O: likewise for offerings */
    int32_t *members;          /* L: the learners of slab 0, then of slab 1, ... */
    int32_t at[S_MAX_THREADS + 1]; /* where each slab's learners start in members */
} s_search_t;

static void s_search_free(s_search_t *q)
{
    for (int i = 0; i < q->n; i++)
        regio_lns_worker_free(&q->x[i]);
    for (int i = 0; i < q->n_rb; i++) {
        regio_rebuild_free(&q->rb[i]);
        regio_cycle_free(&q->cy[i]);
    }
    for (int i = 1; i < q->n; i++) { /* the extras belong to the session's plan */
        q->copy[i].base = NULL;
        q->copy[i].frozen = NULL;
        q->copy[i].bonus = NULL;
        regio_plan_free(&q->copy[i]);
    }
    regio_lns_shared_free(&q->sh);
    free(q->slab_l);
    free(q->slab_o);
    free(q->members);
}

/* A copy of the session's plan for another thread, extras shared. */
static int s_copy_init(s_search_t *q, int i)
{
    const regio_plan_t *pl = &q->s->plan;
    int rc = regio_plan_init(&q->copy[i], q->s->r, pl->c);
    if (rc < 0)
        return rc;
    q->copy[i].base = pl->base;
    q->copy[i].frozen = pl->frozen;
    q->copy[i].bonus = pl->bonus;
    q->copy[i].margin = pl->margin;
    q->copy[i].price = pl->price;
    regio_plan_copy(&q->copy[i], pl);
    return 0;
}

static int s_search_init(s_search_t *q, regio_session_t *s, uint64_t seed, const int32_t *focus,
                         int32_t n_focus)
{
    memset(q, 0, sizeof *q);
    q->s = s;
    q->n = s->opts->threads < 1 || focus ? 1 : s->opts->threads;
    q->n = q->n > S_MAX_THREADS ? S_MAX_THREADS : q->n;
    q->t0 = q->best_at = regio_session_clock();
    q->span = q->length = s->deadline - q->t0;
    q->best = -HUGE_VAL;
    q->it0 = s->stats.iterations;
    q->total = s->iter_limit;
    q->cross = q->n > 1 && s->r->n_learners >= S_CROSS_FROM;
    int rc = regio_lns_shared_init(&q->sh, s->r);
    for (int i = 0; i < q->n && rc == 0; i++) {
        uint64_t z = seed + 0x9e3779b97f4a7c15ull * (uint64_t)(i + 1);
        if (i > 0 && (rc = s_copy_init(q, i)) < 0)
            break;
        rc = regio_lns_worker_init(&q->x[i], i ? &q->copy[i] : &s->plan, &q->sh,
                                   regio_rng_splitmix(&z));
        if (rc == 0 && !focus) {
            q->n_rb = i + 1;
            rc = regio_rebuild_init(&q->rb[i], q->x[i].pl, &q->sh, regio_rng_splitmix(&z));
            int rc2 = regio_cycle_init(&q->cy[i], q->x[i].pl, &q->sh, regio_rng_splitmix(&z));
            rc = rc < 0 ? rc : rc2;
        }
    }
    if (rc == 0) {
        q->x[0].focus = focus;
        q->x[0].n_focus = n_focus;
    }
    if (rc == 0 && q->n > 1 && q->n_rb > 0 && s->r->n_learners >= S_SLAB_FROM) {
        size_t L = (size_t)s->r->n_learners, O = (size_t)(s->r->n_offerings ? s->r->n_offerings : 1);
        q->slab_l = malloc((size_t)q->n * L);
        q->slab_o = malloc((size_t)q->n * O);
        q->members = malloc(L * sizeof *q->members);
        if (!q->slab_l || !q->slab_o || !q->members)
            return -ENOMEM;
        q->slabs = 1;
        regio_rng_seed(&q->pg, seed ^ 0x5bd1e995u);
    }
    return rc;
}

static int s_cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* Where a point lies along direction (c, s), on a local flat map. */
static double s_along(double lat, double lon, double c, double s)
{
    return lat * c + lon * 0.62 * s; /* 0.62: cos of the latitude of the Netherlands */
}

#define S_SLAB_SAMPLE 4096

/* Which slab a point at k along the cut direction lies in. */
static int s_slab_of(const double *cut, int n, double k)
{
    int i = 0;
    while (i < n - 1 && k >= cut[i])
        i++;
    return i;
}

/* Cut the region into one slab per thread: parallel lines at a random
 * angle, at the learners' quantiles along it (sampled), so the slabs hold
 * as many learners each. */
static void s_cut(s_search_t *q)
{
    const regio_rpp_t *r = q->s->r;
    int32_t L = r->n_learners, O = r->n_offerings;
    double th = 3.14159265358979323846 * regio_rng_unit(&q->pg), c = cos(th), sn = sin(th);
    double key[S_SLAB_SAMPLE], cut[S_MAX_THREADS];
    int m = 0;
    for (int32_t i = 0; i < L && m < S_SLAB_SAMPLE; i++) {
        int32_t l = L <= S_SLAB_SAMPLE ? i : (int32_t)regio_rng_below(&q->pg, (uint32_t)L);
        key[m++] = s_along(r->learners[l].lat, r->learners[l].lon, c, sn);
    }
    qsort(key, (size_t)m, sizeof *key, s_cmp_double);
    for (int i = 1; i < q->n; i++)
        cut[i - 1] = key[(size_t)m * (size_t)i / (size_t)q->n];
    memset(q->slab_l, 0, (size_t)q->n * (size_t)L);
    memset(q->slab_o, 0, (size_t)q->n * (size_t)(O ? O : 1));
    int32_t count[S_MAX_THREADS + 1] = {0};
    for (int32_t l = 0; l < L; l++) {
        int i = s_slab_of(cut, q->n, s_along(r->learners[l].lat, r->learners[l].lon, c, sn));
        q->slab_l[(size_t)i * (size_t)L + (size_t)l] = 1;
        count[i]++;
    }
    q->at[0] = 0;
    for (int i = 0; i < q->n; i++) {
        q->at[i + 1] = q->at[i] + count[i];
        int32_t k = q->at[i];
        for (int32_t l = 0; l < L; l++)
            if (q->slab_l[(size_t)i * (size_t)L + (size_t)l])
                q->members[k++] = l;
    }
    for (int32_t o = 0; o < O; o++) {
        int i = s_slab_of(cut, q->n, s_along(r->offerings[o].lat, r->offerings[o].lon, c, sn));
        q->slab_o[(size_t)i * (size_t)O + (size_t)o] = 1;
    }
}

/* Give every thread its slab (on) or the whole region back (off). */
static void s_slabs(s_search_t *q, int on)
{
    size_t L = (size_t)q->s->r->n_learners, O = (size_t)q->s->r->n_offerings;
    for (int i = 0; i < q->n; i++) {
        const uint8_t *sl = on ? q->slab_l + (size_t)i * L : NULL;
        const uint8_t *so = on ? q->slab_o + (size_t)i * O : NULL;
        q->x[i].only = sl;
        q->x[i].focus = on ? q->members + q->at[i] : NULL;
        q->x[i].n_focus = on ? q->at[i + 1] - q->at[i] : 0;
        q->x[i].w.allowed = so;
        if (i < q->n_rb) {
            q->cy[i].only = sl;
            q->cy[i].w.allowed = so;
        }
    }
}

/* After a slab epoch: every other slab's changes into copy 0 (they touch
 * disjoint learners and seats, so they add up), then every copy becomes
 * it. The changed picks are all freed before any is set, so no seat is
 * ever taken twice on the way (a seat may have changed hands in a slab). */
static void s_merge(s_search_t *q)
{
    regio_plan_t *dst = q->x[0].pl;
    const regio_pick_t none = {.cand = REGIO_PICK_NONE, .slots = 0};
    int P = dst->P;
    for (int pass = 0; pass < 2; pass++)
        for (int i = 1; i < q->n; i++) {
            const regio_plan_t *src = q->x[i].pl;
            for (int32_t j = q->at[i]; j < q->at[i + 1]; j++) {
                int64_t at = (int64_t)q->members[j] * P;
                for (int p = 0; p < P; p++) {
                    regio_pick_t a = dst->pick[at + p], b = src->pick[at + p];
                    if (pass == 0 && (a.cand != b.cand || a.slots != b.slots) && a.cand >= 0)
                        regio_plan_set(dst, &q->x[0].w, q->members[j], p, none);
                    else if (pass == 1 && (a.cand != b.cand || a.slots != b.slots))
                        regio_plan_set(dst, &q->x[0].w, q->members[j], p, b);
                }
            }
        }
    for (int i = 1; i < q->n; i++)
        regio_plan_copy(q->x[i].pl, dst);
}

/* Annealing temperature at fraction f of the search: from 20 dagdelen of
 * coverage down to a tenth of one. */
static double s_temp(const regio_rpp_t *r, double f)
{
    double w = r->w.coverage > 0 ? r->w.coverage : 100.0;
    f = f < 0 ? 0 : f > 1 ? 1 : f;
    return 20 * w * pow(0.005, f);
}

typedef struct {
    regio_lns_worker_t *x;
    regio_rebuild_t *rb;   /* NULL: no rebuilds, no cycles */
    regio_cycle_t *cy;
    regio_lns_budget_t b;
    const regio_rpp_t *r;
    double share[S_ARMS];  /* of the epoch, for arms 1.. (arm 0 gets the rest) */
    double gain[S_ARMS];   /* out: each arm's gain */
    double cost[S_ARMS];   /* out: its cost: iterations, or seconds when timed */
} s_job_t;

/* The copy with the best plan (ties go to the lowest thread, so that runs
 * counting iterations stay deterministic); its objective in *value. */
static int s_best_copy(const s_search_t *q, double *value)
{
    int best = 0;
    double bv = 0;
    for (int i = 0; i < q->n; i++) {
        double v;
        regio_plan_totals(q->x[i].pl, &v, NULL, NULL, NULL);
        if (i == 0 || v > bv + 1e-6) {
            bv = v;
            best = i;
        }
    }
    *value = bv;
    return best;
}

/* Every copy (the session's too) becomes the best one; where copies cross
 * (S_CROSS_FROM), the best first takes from each other copy every group
 * of learners that walk placed better (regio_plan_cross), so that work is
 * not lost. */
static void s_meet(s_search_t *q)
{
    double v;
    int best = s_best_copy(q, &v);
    regio_plan_t *dst = q->x[best].pl;
    for (int i = 0; i < q->n; i++) {
        int64_t g = 0;
        if (q->cross && i != best && regio_plan_cross(dst, &q->x[best].w, q->x[i].pl, &g) > 0)
            q->s->stats.crossed += g;
    }
    for (int i = 0; i < q->n; i++)
        if (i != best)
            regio_plan_copy(q->x[i].pl, dst);
}

/* After an epoch whose best plan has objective v: re-heat when the search
 * has stalled (see S_REHEAT_STALL). Returns 1 when it re-heats. */
static int s_reheat(s_search_t *q, double v)
{
    double now = regio_session_clock();
    if (v > q->best + 1e-6) {
        q->best = v;
        q->best_at = now;
        return 0;
    }
    if (q->total > 0 || q->n_rb == 0 || now - q->t0 < 0.5 * q->span ||
        now - q->best_at < S_REHEAT_STALL * q->length || q->s->deadline - now < S_REHEAT_LEFT)
        return 0;
    q->t0 = now;
    q->span = q->s->deadline - now;
    q->fa = q->fa0 + (q->fb - q->fa0) * S_REHEAT_TO;
    q->best_at = now;
    q->s->stats.reheats++;
    return 1;
}

/* Run arm k of job j within budget b; returns its gain. */
static double s_arm(s_job_t *j, int k, const regio_lns_budget_t *b)
{
    if (k == 0)
        return regio_lns_worker_run(j->x, b);
    if (k == 1)
        return regio_rebuild_run(j->rb, b);
    return regio_cycle_run(j->cy, b);
}

static int64_t s_arm_iterations(const s_job_t *j, int k)
{
    return k == 0 ? j->x->iterations : k == 1 ? j->rb->iterations : j->cy->iterations;
}

static void *s_thread(void *arg)
{
    s_job_t *j = arg;
    if (j->b.iterations < 0) /* -1: no iterations left for this worker */
        return NULL;
    int timed = j->b.iterations == 0;
    double start = regio_session_clock(), span = j->b.deadline - start, upto = 0, f[S_ARMS];
    f[0] = 1;
    for (int k = 1; k < S_ARMS; k++) {
        f[k] = j->rb ? j->share[k] : 0;
        f[0] -= f[k];
    }
    for (int k = 0; k < S_ARMS; k++) { /* the arms one after another */
        regio_lns_budget_t c = j->b;
        j->gain[k] = j->cost[k] = 0;
        upto += f[k];
        if (timed)
            c.deadline = k == S_ARMS - 1 ? j->b.deadline : start + upto * span;
        else
            c.iterations = (int64_t)(f[k] * (double)j->b.iterations);
        if (f[k] <= 0 || (!timed && c.iterations <= 0)) /* 0 iterations would mean no limit */
            continue;
        if (k > 0) {
            c.temp_from = s_temp(j->r, S_RB_TEMP);
            c.temp_to = s_temp(j->r, 1);
        }
        double t0 = regio_session_clock();
        int64_t i0 = s_arm_iterations(j, k);
        j->gain[k] = s_arm(j, k, &c);
        j->cost[k] = timed ? regio_session_clock() - t0 : (double)(s_arm_iterations(j, k) - i0);
    }
    return NULL;
}

/* The arms' shares of an epoch that starts at fraction g of the cooling
 * schedule. Before S_ARM_FROM the LNS alone; then each extra arm at first
 * S_ARM_FIRST, then its gain per cost as a part of all arms' (recent epochs
 * weigh most), between S_ARM_LOW and S_ARM_HIGH, and S_ARM_HIGH for all
 * together. The LNS gets the rest. */
static void s_shares(const s_search_t *q, double g, double *share)
{
    double rate[S_ARMS], sum = 0, extra = 0;
    share[0] = 1;
    for (int k = 0; k < S_ARMS; k++) {
        rate[k] = q->cost[k] > 0 ? q->gain[k] / q->cost[k] : -1;
        sum += rate[k] > 0 ? rate[k] : 0;
        if (k > 0)
            share[k] = 0;
    }
    for (int k = 1; k < S_ARMS && q->n_rb > 0 && g >= S_ARM_FROM; k++) {
        double f = rate[k] < 0 || rate[0] < 0 || sum <= 0 ? S_ARM_FIRST : rate[k] / sum;
        share[k] = f < S_ARM_LOW ? S_ARM_LOW : f > S_ARM_HIGH ? S_ARM_HIGH : f;
        extra += share[k];
    }
    for (int k = 1; k < S_ARMS && extra > S_ARM_HIGH; k++) /* the LNS keeps the rest */
        share[k] *= S_ARM_HIGH / extra;
}

/* One epoch: every worker searches its group for a while; the caller's
 * thread runs worker 0. Returns 1 when the search is over. */
static int s_epoch(s_search_t *q, int epoch)
{
    regio_session_t *s = q->s;
    s_job_t job[S_MAX_THREADS];
    pthread_t tid[S_MAX_THREADS];
    int started[S_MAX_THREADS] = {0};
    double now = regio_session_clock(), f0, f1;
    int64_t done = s->stats.iterations;
    if (q->total > 0) {
        int64_t left = q->total - done, per = (left + q->n - 1) / q->n;
        if (left <= 0)
            return 1;
        per = per < S_EPOCH_ITERS ? per : S_EPOCH_ITERS;
        f0 = (double)(done - q->it0) / (double)(q->total - q->it0);
        f1 = (double)(done + per * q->n - q->it0) / (double)(q->total - q->it0);
        for (int i = 0; i < q->n; i++) {
            int64_t quota = left - per * i < per ? left - per * i : per;
            job[i].b = (regio_lns_budget_t){.iterations = quota > 0 ? quota : -1};
        }
    } else {
        if (now >= s->deadline)
            return 1;
        double len = q->cross && !(q->slabs && !q->islands) ? S_MEET_SECONDS : S_EPOCH_SECONDS;
        double end = now + len < s->deadline ? now + len : s->deadline;
        f0 = (now - q->t0) / q->span;
        f1 = (end - q->t0) / q->span;
        for (int i = 0; i < q->n; i++)
            job[i].b = (regio_lns_budget_t){.deadline = end};
    }
    int slabs = q->slabs && !q->islands;
    if (slabs) {
        s_cut(q);
        s_slabs(q, 1);
        s->stats.slab_epochs++;
    }
    for (int i = 0; i < q->n; i++) {
        job[i].x = &q->x[i];
        job[i].rb = i < q->n_rb ? &q->rb[i] : NULL;
        job[i].cy = i < q->n_rb ? &q->cy[i] : NULL;
        s_shares(q, q->fa + (q->fb - q->fa) * f0, job[i].share);
        if (slabs) /* rebuilds' clusters would cross the lines */
            job[i].share[1] = 0;
        job[i].r = s->r;
        job[i].b.temp_from = s_temp(s->r, q->fa + (q->fb - q->fa) * f0);
        job[i].b.temp_to = s_temp(s->r, q->fa + (q->fb - q->fa) * f1);
    }
    for (int i = 1; i < q->n; i++)
        started[i] = pthread_create(&tid[i], NULL, s_thread, &job[i]) == 0;
    for (int i = 0; i < q->n; i++)
        if (!started[i])
            s_thread(&job[i]);
    s->stats.iterations = q->it0;
    for (int k = 0; k < S_ARMS; k++) {
        q->gain[k] *= S_ARM_DECAY;
        q->cost[k] *= S_ARM_DECAY;
    }
    for (int i = 0; i < q->n; i++) {
        if (started[i])
            pthread_join(tid[i], NULL);
        s->stats.iterations += q->x[i].iterations +
                               (i < q->n_rb ? q->rb[i].iterations + q->cy[i].iterations : 0);
        for (int k = 0; k < S_ARMS; k++) {
            q->gain[k] += job[i].gain[k];
            q->cost[k] += job[i].cost[k];
        }
    }
    int over = regio_session_done(s);
    double v;
    if (slabs) {
        s_slabs(q, 0);
        s_merge(q);
    }
    s_best_copy(q, &v);
    if (!q->islands && !slabs)
        s_meet(q);
    if (s_reheat(q, v) && q->islands)
        s_meet(q);
    if (over && q->islands) {
        s_meet(q); /* the session's plan must end as the best */
        s->stats.islands_s += regio_session_clock() - q->islands_from;
    }
    if (!q->islands && q->total == 0 && q->n > 1 && q->n_rb > 0 &&
        s->stats.iterations - q->it0 >= (int64_t)S_ISLAND_AFTER * s->r->n_learners) {
        q->islands = 1;
        q->islands_from = regio_session_clock();
    }
    if (q->total > 0 && s->stats.iterations == done)
        return 1; /* nobody could move */
    return over;
}

int regio_lns_search(regio_session_t *s, uint64_t seed, const int32_t *focus, int32_t n_focus,
                     double fa, double fb)
{
    s_search_t q;
    int rc = s_search_init(&q, s, seed, focus, n_focus);
    q.fa = q.fa0 = fa;
    q.fb = fb;
    for (int epoch = 0; rc == 0 && !s_epoch(&q, epoch); epoch++)
        ;
    s_search_free(&q);
    return rc;
}

int regio_lns_improve(regio_session_t *s, uint64_t seed, const int32_t *focus, int32_t n_focus)
{
    return regio_lns_search(s, seed, focus, n_focus, 0, 1);
}

/* Seat prices for the start and the moves (s_prices): a Lagrangian run of
 * S_PRICE_SHARE of the budget (S_PRICE_SHARE_BIG, with patience
 * S_PRICE_PATIENCE_BIG and over each learner's S_PRICE_CANDS most
 * promising candidates only, from S_CROSS_FROM learners), and none at all
 * when fewer than S_PRICE_ROUNDS rounds would fit: a round prices every
 * learner once, and a few rounds leave the prices where they began (at
 * zero). The prices are per seat, so the search over all candidates pays
 * them as well.
 * Measured (2 threads, this machine, % of the bound over regions 1-8 of
 * 2,000 learners): share 0.3 and patience 5 (the defaults), 97.38% at the
 * default budget and 97.60-97.69% at 1.8 s; share 0.45, 97.79%; share 0.45
 * with patience 2, 97.58% and 97.91% (8 of 8 regions at 97% or more both
 * times); share 0.6 with patience 2, 97.85%. 5,000 learners, seeds 1-2:
 * 63.14-63.33M and 66.78M against 63.49-63.56M and 67.01M (+0.3-0.6%;
 * 62.72M without prices). 300 learners, seeds 1-4 with 3 planner seeds:
 * mean 2,882,110 against 2,880,081 (share 0.45, patience 2), so small
 * regions keep the defaults. 20,000 learners, seed 1: a round takes about
 * 0.7 s over all 75 candidates a learner has there, 4 fit in the
 * defaults' 2.5 s, and they end at zero prices: 313.6-314.3M with them,
 * 316.7M without. Over 16 candidates enough rounds fit, and they pay:
 * planner seeds 1-3, 316.5-316.9M, 315.5M and 316.6M without prices,
 * 318.6-319.0M, 317.7M and 319.1M with (8 candidates: 316.7M; 24 and 32:
 * 318.7M and 318.5M); 100,000 learners 1,685.7M without, 1,693.8M with;
 * 5,000 learners +0.2% and +0.4%; 2,000 learners, regions 1-8, 97.61%
 * against 97.77% at the default budget, 97.87% and 97.82% at 1.8 s. */
#define S_PRICE_SHARE 0.3
#define S_PRICE_SHARE_BIG 0.45
#define S_PRICE_PATIENCE_BIG 2
#define S_PRICE_ROUNDS 10
#define S_PRICE_CANDS 16

/* Seat prices of a short Lagrangian run taking its share of left seconds
 * of budget, or NULL (none: out of memory, or too few rounds fit). */
static double *s_prices(regio_session_t *s, double lower, double left)
{
    const regio_rpp_t *r = s->r;
    int big = r->n_learners >= S_CROSS_FROM;
    size_t n = (size_t)r->n_offerings * r->n_periods * REGIO_RPP_SLOTS;
    double *prices = calloc(n + 1, sizeof *prices);
    regio_bound_opts_t bo = regio_bound_default_opts();
    double ub;
    bo.seconds = (big ? S_PRICE_SHARE_BIG : S_PRICE_SHARE) * left;
    bo.lower = lower;
    bo.prices = prices;
    bo.threads = s->opts->threads;
    bo.nodes = 300; /* rough prices are enough to guide */
    bo.iterations = 300;
    bo.min_rounds = S_PRICE_ROUNDS;
    bo.patience = big ? S_PRICE_PATIENCE_BIG : 0;
    if (s->opts->iterations > 0) { /* deterministic: a fixed number of steps */
        bo.seconds = 1e9;
        bo.iterations = 60;
    }
    regio_cands_t top = {0};
    int rc = prices ? 0 : -ENOMEM;
    if (rc == 0 && big)
        rc = regio_cands_top(r, &s->cands, S_PRICE_CANDS, &top);
    if (rc == 0)
        rc = regio_bound_run(r, big ? &top : &s->cands, &bo, &ub);
    regio_cands_free(&top);
    if (rc < 0 || ub == DBL_MAX) {
        free(prices);
        return NULL;
    }
    return prices;
}

/* Build a second first plan guided by seat prices; keep the better one. */
static void s_priced_start(regio_session_t *s, const double *prices)
{
    regio_plan_t fresh;
    double a;
    if (regio_plan_init(&fresh, s->r, &s->cands) < 0)
        return;
    fresh.price = prices;
    fresh.price_w = 1;
    regio_greedy_fill(&fresh, &s->work, NULL, 0, s->opts->seed);
    regio_plan_totals(&fresh, NULL, &a, NULL, NULL);
    if (a > s->stats.first_score) {
        regio_plan_copy(&s->plan, &fresh);
        s->stats.first_score = a;
    }
    regio_plan_free(&fresh);
}

int regio_lns_solve(const regio_rpp_t *r, const regio_engine_opts_t *opts, regio_rpp_sol_t *out)
{
    regio_session_t s;
    double *prices = NULL;
    int rc = regio_session_open(&s, r, opts, s_default_seconds(r, opts));
    if (rc < 0)
        return rc;
    regio_greedy_fill(&s.plan, &s.work, opts->base ? s.focus : NULL, s.n_focus, opts->seed);
    regio_plan_totals(&s.plan, NULL, &s.stats.first_score, NULL, NULL);
    if (opts->base && opts->seconds <= 0) /* a replan searches briefly after its set-up */
        s.deadline = regio_session_clock() + S_REPLAN_SECONDS;
    double now = regio_session_clock(), left = s.deadline - now;
    if (!opts->base && (opts->iterations > 0 || left > 0.2)) {
        prices = s_prices(&s, s.stats.first_score, left);
        s.stats.prices_s = regio_session_clock() - now;
    }
    if (prices) {
        s_priced_start(&s, prices);
        s.plan.price = prices;
        s.stats.prices_used = 1;
    }
    double deadline = s.deadline;
    int64_t iters = s.iter_limit;
    if (opts->fair) { /* the main search gets 60%, fairness the rest */
        s.deadline = regio_session_clock() + 0.6 * (deadline - regio_session_clock());
        s.iter_limit = (int64_t)(0.6 * (double)iters);
    }
    rc = regio_lns_improve(&s, opts->seed, s.focus, s.n_focus);
    s.deadline = deadline;
    s.iter_limit = iters;
    if (rc == 0 && opts->fair)
        rc = regio_fair_improve(&s, opts->seed);
    s.plan.price = NULL;
    free(prices);
    if (rc < 0) {
        regio_session_close(&s);
        return rc;
    }
    return regio_session_finish(&s, out);
}
