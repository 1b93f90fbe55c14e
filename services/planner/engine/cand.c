/* cand - each learner's candidate offerings, precomputed once per solve. */
#include "cand.h"

#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "grid.h"

#define S_CELL_KM 4.0 /* grid cells: about a tenth of a typical max_km circle */

typedef struct {
    regio_cand_t *v;
    int64_t n, cap;
} s_vec_t;

/* What one builder thread shares and owns. */
/* Offerings by goal, each goal with its own grid, and by partner. */
typedef struct {
    int32_t n_goals;
    regio_grid_t **grid;      /* per goal: grid over that goal's offerings */
    int64_t *goal_start;      /* n_goals+1 offsets into goal_off */
    int32_t *goal_off;        /* offerings listing the goal (each once) */
    int64_t *partner_start;   /* n_partners+1 offsets into partner_off */
    int32_t *partner_off;     /* offerings of the partner */
} s_index_t;

typedef struct {
    const regio_rpp_t *r;
    const s_index_t *ix;
    const uint16_t *capmask;  /* n_offerings*P: slots with seats > 0 */
    const uint8_t *only;      /* learners to search for (others get their extras), or NULL */
    int64_t max;              /* candidates kept per learner (0: all) */
    const int64_t *xstart;    /* extra offerings by learner, or NULL */
    const int32_t *xoff;
    int32_t l0, l1;           /* learners [l0, l1) */
    int64_t *count;           /* out: candidates per learner (global array) */
    uint8_t *wide;            /* out: global array */
    s_vec_t out;              /* this thread's candidates, in learner order */
    int rc;
} s_job_t;

static int s_vec_push(s_vec_t *v, const regio_cand_t *c)
{
    if (v->n == v->cap) {
        int64_t ncap = v->cap ? v->cap * 2 : 1024;
        regio_cand_t *nv = realloc(v->v, (size_t)ncap * sizeof *nv);
        if (!nv)
            return -ENOMEM;
        v->v = nv;
        v->cap = ncap;
    }
    v->v[v->n++] = *c;
    return 0;
}

static int s_listed(const int32_t *v, int n, int32_t x)
{
    for (int i = 0; i < n; i++)
        if (v[i] == x)
            return 1;
    return 0;
}

/* Whether a pin of learner l is at offering o. */
static int s_pinned(const regio_rpp_t *r, int32_t l, int32_t o)
{
    for (uint32_t m = r->learners[l].pins; m; m &= m - 1)
        if (r->pins[r->pin_at[(int64_t)l * r->n_periods + __builtin_ctz(m)]].offering == o)
            return 1;
    return 0;
}

/* Whether o has seats on enough of l's free slots in some planned period. */
static int s_has_room(const regio_rpp_t *r, const uint16_t *capmask, int32_t l, int32_t o)
{
    const regio_rpp_learner_t *L = &r->learners[l];
    for (int p = 0; p < r->n_periods; p++)
        if ((L->planned >> p & 1u) &&
            __builtin_popcount(capmask[(int64_t)o * r->n_periods + p] & L->free[p]) >= L->dagdelen)
            return 1;
    return 0;
}

/* Fill cd->needs for learner l and offering o; returns 1 when the learner
 * needs the wide path for this offering (a repeated goal or a need >= 64). */
static int s_cover(const regio_rpp_t *r, int32_t l, int32_t o, regio_cand_t *cd, int *any)
{
    const regio_rpp_learner_t *L = &r->learners[l];
    const regio_rpp_offering_t *O = &r->offerings[o];
    int wide = 0;
    cd->needs = 0;
    *any = 0;
    for (int j = 0; j < O->n_goals; j++)
        for (int i = 0; i < L->n_needs; i++) {
            if (L->needs[i].goal != O->goals[j] || L->needs[i].amount <= 0)
                continue;
            *any = 1;
            if (i >= 64 || (cd->needs >> i & 1u))
                wide = 1;
            else
                cd->needs |= 1ull << i;
        }
    return wide;
}

static int s_cmp_cand(const void *a, const void *b)
{
    int32_t x = ((const regio_cand_t *)a)->offering, y = ((const regio_cand_t *)b)->offering;
    return (x > y) - (x < y);
}

/* Consider offering o for learner l: append it to the thread's candidates
 * when it is eligible and can add something. */
static int s_consider(s_job_t *j, int32_t l, int32_t o, int forced)
{
    const regio_rpp_t *r = j->r;
    const regio_rpp_learner_t *L = &r->learners[l];
    if (L->forbidden >= 0 && regio_rpp_forbidden(r, l, o))
        return 0; /* declined: never planned, even where a base plan had it */
    /* a great circle is never shorter than its north-south part: a cheap no */
    if (!forced && fabs(r->offerings[o].lat - L->lat) * (6371.0 * M_PI / 180.0) > L->max_km + 1e-3)
        return 0;
    if (!forced && !s_has_room(r, j->capmask, l, o))
        return 0;
    regio_cand_t cd = {.offering = o, .partner = r->offerings[o].partner};
    int any;
    int wide = s_cover(r, l, o, &cd, &any);
    if (s_listed(L->preferred, L->n_preferred, cd.partner))
        cd.flags |= REGIO_CAND_PREFERRED;
    if (!any && !(cd.flags & REGIO_CAND_PREFERRED) && !forced)
        return 0;
    if (!regio_rpp_qualified(r, l, o))
        return 0;
    double km = regio_rpp_dist_km(L->lat, L->lon, r->offerings[o].lat, r->offerings[o].lon);
    if (!regio_rpp_within(r, l, km))
        return 0;
    if (s_listed(L->history, L->n_history, cd.partner))
        cd.flags |= REGIO_CAND_HISTORY;
    cd.trip = 2 * km;
    j->wide[l] |= (uint8_t)wide;
    return s_vec_push(&j->out, &cd);
}

typedef struct {
    double key;
    regio_cand_t cd;
} s_ranked_t;

static int s_cmp_ranked(const void *a, const void *b)
{
    double x = ((const s_ranked_t *)a)->key, y = ((const s_ranked_t *)b)->key;
    return (x < y) - (x > y);
}

/* Learner l's longest planned period, in weeks. */
static int s_weeks(const regio_rpp_t *r, int32_t l)
{
    const regio_rpp_learner_t *L = &r->learners[l];
    int weeks = 0;
    for (int p = 0; p < r->n_periods; p++)
        weeks = (L->planned >> p & 1u) && r->periods[p].weeks > weeks ? r->periods[p].weeks : weeks;
    return weeks;
}

/* What one placement of learner l at cd could be worth on its own, at most
 * (weeks: s_weeks): how candidates rank when only the most promising stay. */
static double s_promise(const regio_rpp_t *r, int32_t l, const regio_cand_t *cd, int weeks)
{
    const regio_rpp_learner_t *L = &r->learners[l];
    int64_t add = (int64_t)weeks * L->dagdelen;
    double cov = 0;
    for (uint64_t m = cd->needs; m; m &= m - 1) {
        int64_t a = L->needs[__builtin_ctzll(m)].amount;
        cov += (double)(a < add ? a : add);
    }
    return r->w.coverage * cov - r->w.km * cd->trip * weeks * ((L->dagdelen + 1) / 2) +
           ((cd->flags & REGIO_CAND_PREFERRED) ? r->w.preference : 0) -
           ((cd->flags & REGIO_CAND_HISTORY) ? r->w.repeat : 0);
}

/* Keep learner l's j->max most promising candidates (and every
 * extra one). */
static void s_keep_best(s_job_t *j, int32_t l, int64_t first)
{
    const regio_rpp_t *r = j->r;
    int64_t n = j->out.n - first, kept = 0;
    int weeks = s_weeks(r, l);
    s_ranked_t *v = malloc((size_t)n * sizeof *v);
    if (!v)
        return; /* keep them all */
    for (int64_t k = 0; k < n; k++) {
        const regio_cand_t *cd = &j->out.v[first + k];
        int forced = (j->xoff && s_listed(j->xoff + j->xstart[l],
                                          (int)(j->xstart[l + 1] - j->xstart[l]), cd->offering)) ||
                     s_pinned(r, l, cd->offering);
        v[k].cd = *cd;
        v[k].key = forced ? 1e300 : s_promise(r, l, cd, weeks);
    }
    qsort(v, (size_t)n, sizeof *v, s_cmp_ranked);
    for (int64_t k = 0; k < n; k++)
        if (k < j->max || v[k].key >= 1e300)
            j->out.v[first + kept++] = v[k].cd;
    j->out.n = first + kept;
    free(v);
}

/* Offerings worth a look for learner l: those listing a goal l needs (found
 * through that goal's grid), those of preferred partners, the extra ones
 * and its pins'; each once (stamp[o] == l once seen). */
static int s_learner(s_job_t *j, int32_t l, int32_t **near, int32_t *capnear, int32_t *stamp)
{
    const regio_rpp_t *r = j->r;
    const regio_rpp_learner_t *L = &r->learners[l];
    const s_index_t *ix = j->ix;
    int64_t first = j->out.n;
    int rc = 0;
    if (j->xoff)
        for (int64_t k = j->xstart[l]; k < j->xstart[l + 1] && rc == 0; k++)
            if (stamp[j->xoff[k]] != l) {
                stamp[j->xoff[k]] = l;
                rc = s_consider(j, l, j->xoff[k], 1);
            }
    for (uint32_t m = L->pins; m && rc == 0; m &= m - 1) {
        int32_t o = r->pins[r->pin_at[(int64_t)l * r->n_periods + __builtin_ctz(m)]].offering;
        if (stamp[o] != l) {
            stamp[o] = l;
            rc = s_consider(j, l, o, 1);
        }
    }
    int search = L->planned && (!j->only || j->only[l]);
    for (int i = 0; i < L->n_needs && search && rc == 0; i++) {
        int32_t g = L->needs[i].goal, n = 0;
        if (L->needs[i].amount <= 0 || g >= ix->n_goals || !ix->grid[g])
            continue;
        if (regio_grid_query(ix->grid[g], L->lat, L->lon, L->max_km + 1e-6, near, &n,
                             capnear) < 0)
            return -ENOMEM;
        for (int32_t k = 0; k < n && rc == 0; k++) {
            int32_t o = ix->goal_off[ix->goal_start[g] + (*near)[k]];
            if (stamp[o] != l) {
                stamp[o] = l;
                rc = s_consider(j, l, o, 0);
            }
        }
    }
    for (int i = 0; i < L->n_preferred && search && rc == 0; i++) {
        int32_t q = L->preferred[i];
        for (int64_t k = ix->partner_start[q]; k < ix->partner_start[q + 1] && rc == 0; k++)
            if (stamp[ix->partner_off[k]] != l) {
                stamp[ix->partner_off[k]] = l;
                rc = s_consider(j, l, ix->partner_off[k], 0);
            }
    }
    if (rc < 0)
        return rc;
    if (j->max > 0 && j->out.n - first > j->max)
        s_keep_best(j, l, first);
    j->count[l] = j->out.n - first;
    if (j->count[l] > 1)
        qsort(j->out.v + first, (size_t)j->count[l], sizeof *j->out.v, s_cmp_cand);
    if (L->n_needs > 64)
        j->wide[l] = 1;
    return 0;
}

static void *s_run(void *arg)
{
    s_job_t *j = arg;
    int32_t *near = NULL, capnear = 0;
    int32_t *stamp = malloc((size_t)(j->r->n_offerings ? j->r->n_offerings : 1) * sizeof *stamp);
    j->rc = stamp ? 0 : -ENOMEM;
    for (int32_t o = 0; stamp && o < j->r->n_offerings; o++)
        stamp[o] = -1;
    for (int32_t l = j->l0; l < j->l1 && j->rc == 0; l++)
        j->rc = s_learner(j, l, &near, &capnear, stamp);
    free(near);
    free(stamp);
    return NULL;
}

/* Group the extra plan's offerings by learner (counting sort). */
static int s_extra(const regio_rpp_t *r, const regio_rpp_sol_t *x, int64_t **start, int32_t **off)
{
    *start = calloc((size_t)r->n_learners + 1, sizeof **start);
    *off = malloc((size_t)(x->n ? x->n : 1) * sizeof **off);
    int64_t *fill = malloc(((size_t)r->n_learners + 1) * sizeof *fill);
    if (!*start || !*off || !fill) {
        free(fill);
        return -ENOMEM;
    }
    for (int32_t i = 0; i < x->n; i++)
        if (x->v[i].learner >= 0 && x->v[i].learner < r->n_learners)
            (*start)[x->v[i].learner + 1]++;
    for (int32_t l = 0; l < r->n_learners; l++)
        (*start)[l + 1] += (*start)[l];
    memcpy(fill, *start, ((size_t)r->n_learners + 1) * sizeof *fill);
    for (int32_t i = 0; i < x->n; i++) {
        int32_t l = x->v[i].learner;
        if (l >= 0 && l < r->n_learners)
            (*off)[fill[l]++] = x->v[i].offering;
    }
    free(fill);
    return 0;
}

static int s_inverse(regio_cands_t *c)
{
    c->inv_start = calloc((size_t)c->n_offerings + 1, sizeof *c->inv_start);
    c->inv = malloc((size_t)(c->start[c->n_learners] ? c->start[c->n_learners] : 1) *
                    sizeof *c->inv);
    if (!c->inv_start || !c->inv)
        return -ENOMEM;
    for (int64_t k = 0; k < c->start[c->n_learners]; k++)
        c->inv_start[c->v[k].offering + 1]++;
    for (int32_t o = 0; o < c->n_offerings; o++)
        c->inv_start[o + 1] += c->inv_start[o];
    int64_t *fill = malloc(((size_t)c->n_offerings + 1) * sizeof *fill);
    if (!fill)
        return -ENOMEM;
    memcpy(fill, c->inv_start, ((size_t)c->n_offerings + 1) * sizeof *fill);
    for (int32_t l = 0; l < c->n_learners; l++)
        for (int64_t k = c->start[l]; k < c->start[l + 1]; k++)
            c->inv[fill[c->v[k].offering]++] = l;
    free(fill);
    return 0;
}

static void s_index_free(s_index_t *ix)
{
    for (int32_t g = 0; ix->grid && g < ix->n_goals; g++)
        regio_grid_destroy(&ix->grid[g]);
    free(ix->grid);
    free(ix->goal_start);
    free(ix->goal_off);
    free(ix->partner_start);
    free(ix->partner_off);
    memset(ix, 0, sizeof *ix);
}

/* Whether goal j of offering o appeared earlier in its list. */
static int s_goal_seen(const regio_rpp_offering_t *O, int j)
{
    for (int i = 0; i < j; i++)
        if (O->goals[i] == O->goals[j])
            return 1;
    return 0;
}

/* CSR of offerings per key: key(o, j) for j < nkeys(o), -1 to skip. */
static int s_csr(const regio_rpp_t *r, int32_t nkeys, int by_goal, int64_t **start, int32_t **off)
{
    *start = calloc((size_t)nkeys + 1, sizeof **start);
    int64_t total = 0;
    if (!*start)
        return -ENOMEM;
    for (int pass = 0; pass < 2; pass++) {
        for (int32_t o = 0; o < r->n_offerings; o++) {
            const regio_rpp_offering_t *O = &r->offerings[o];
            int n = by_goal ? O->n_goals : 1;
            for (int j = 0; j < n; j++) {
                int32_t key = by_goal ? O->goals[j] : O->partner;
                if (by_goal && s_goal_seen(O, j))
                    continue;
                if (pass == 0)
                    (*start)[key + 1]++;
                else
                    (*off)[(*start)[key]++] = o;
            }
        }
        if (pass == 0) {
            for (int32_t k = 0; k < nkeys; k++)
                (*start)[k + 1] += (*start)[k];
            total = (*start)[nkeys];
            if (!(*off = malloc((size_t)(total ? total : 1) * sizeof **off)))
                return -ENOMEM;
        }
    }
    for (int32_t k = nkeys; k > 0; k--) /* pass 1 moved each start to the next key's */
        (*start)[k] = (*start)[k - 1];
    (*start)[0] = 0;
    return 0;
}

static int s_index_build(const regio_rpp_t *r, s_index_t *ix)
{
    memset(ix, 0, sizeof *ix);
    ix->n_goals = regio_strtab_count(r->goals);
    if (s_csr(r, ix->n_goals, 1, &ix->goal_start, &ix->goal_off) < 0 ||
        s_csr(r, r->n_partners, 0, &ix->partner_start, &ix->partner_off) < 0 ||
        !(ix->grid = calloc((size_t)ix->n_goals + 1, sizeof *ix->grid)))
        return -ENOMEM;
    int64_t most = 1;
    for (int32_t g = 0; g < ix->n_goals; g++)
        if (ix->goal_start[g + 1] - ix->goal_start[g] > most)
            most = ix->goal_start[g + 1] - ix->goal_start[g];
    double *lat = malloc((size_t)most * sizeof *lat), *lon = malloc((size_t)most * sizeof *lon);
    int rc = lat && lon ? 0 : -ENOMEM;
    for (int32_t g = 0; g < ix->n_goals && rc == 0; g++) {
        int64_t a = ix->goal_start[g], n = ix->goal_start[g + 1] - a;
        for (int64_t k = 0; k < n; k++) {
            lat[k] = r->offerings[ix->goal_off[a + k]].lat;
            lon[k] = r->offerings[ix->goal_off[a + k]].lon;
        }
        if (n && !(ix->grid[g] = regio_grid_new(lat, lon, (int32_t)n, S_CELL_KM)))
            rc = -ENOMEM;
    }
    free(lat);
    free(lon);
    return rc;
}

static uint16_t *s_capmask(const regio_rpp_t *r)
{
    int P = r->n_periods;
    uint16_t *m = calloc((size_t)(r->n_offerings ? r->n_offerings : 1) * (size_t)(P ? P : 1),
                         sizeof *m);
    if (!m)
        return NULL;
    for (int32_t o = 0; o < r->n_offerings; o++)
        for (int p = 0; p < P; p++)
            for (int t = 0; t < REGIO_RPP_SLOTS; t++)
                if (regio_rpp_cap(r, o, p, t) > 0)
                    m[(int64_t)o * P + p] |= (uint16_t)(1u << t);
    return m;
}

/* Concatenate the threads' candidates in learner order into c. */
static int s_merge(regio_cands_t *c, s_job_t *jobs, int n, const int64_t *count)
{
    int64_t total = 0;
    for (int i = 0; i < n; i++)
        total += jobs[i].out.n;
    c->v = malloc((size_t)(total ? total : 1) * sizeof *c->v);
    if (!c->v)
        return -ENOMEM;
    int64_t at = 0;
    for (int i = 0; i < n; i++) {
        if (jobs[i].out.n)
            memcpy(c->v + at, jobs[i].out.v, (size_t)jobs[i].out.n * sizeof *c->v);
        at += jobs[i].out.n;
    }
    for (int32_t l = 0; l < c->n_learners; l++)
        c->start[l + 1] = c->start[l] + count[l];
    return 0;
}

static int s_build(const regio_rpp_t *r, const regio_rpp_sol_t *extra, const uint8_t *only,
                   int64_t max, int threads, regio_cands_t *c, const uint16_t *capmask,
                   const s_index_t *ix)
{
    int64_t *xstart = NULL, *count = NULL;
    int32_t *xoff = NULL;
    s_job_t jobs[8];
    int n = threads < 1 ? 1 : threads > 8 ? 8 : threads, rc = -ENOMEM;
    if (r->n_learners < 2000)
        n = 1;
    memset(jobs, 0, sizeof jobs);
    count = calloc((size_t)r->n_learners + 1, sizeof *count);
    if (!count || (extra && s_extra(r, extra, &xstart, &xoff) < 0))
        goto done;
    pthread_t tid[8];
    int started[8] = {0};
    for (int i = 0; i < n; i++)
        jobs[i] = (s_job_t){.r = r, .ix = ix, .capmask = capmask, .only = only, .max = max, .xstart = xstart,
                            .xoff = xoff, .count = count, .wide = c->wide,
                            .l0 = (int32_t)((int64_t)r->n_learners * i / n),
                            .l1 = (int32_t)((int64_t)r->n_learners * (i + 1) / n)};
    for (int i = 1; i < n; i++)
        started[i] = pthread_create(&tid[i], NULL, s_run, &jobs[i]) == 0;
    for (int i = 0; i < n; i++)
        if (!started[i])
            s_run(&jobs[i]);
    rc = 0;
    for (int i = 0; i < n; i++) {
        if (started[i])
            pthread_join(tid[i], NULL);
        if (jobs[i].rc < 0)
            rc = jobs[i].rc;
    }
    if (rc == 0)
        rc = s_merge(c, jobs, n, count);
done:
    for (int i = 0; i < n; i++)
        free(jobs[i].out.v);
    free(count);
    free(xstart);
    free(xoff);
    return rc;
}

int regio_cands_build(const regio_rpp_t *r, const regio_rpp_sol_t *extra, int threads,
                      regio_cands_t *c)
{
    return regio_cands_build_some(r, extra, NULL, 0, threads, c);
}

int regio_cands_build_some(const regio_rpp_t *r, const regio_rpp_sol_t *extra,
                           const uint8_t *only, int64_t max, int threads, regio_cands_t *c)
{
    memset(c, 0, sizeof *c);
    c->n_learners = r->n_learners;
    c->n_offerings = r->n_offerings;
    uint16_t *capmask = s_capmask(r);
    s_index_t ix;
    int rc = s_index_build(r, &ix);
    c->start = calloc((size_t)r->n_learners + 1, sizeof *c->start);
    c->wide = calloc((size_t)r->n_learners + 1, 1);
    if (rc == 0 && (!capmask || !c->start || !c->wide))
        rc = -ENOMEM;
    if (rc == 0 && (rc = s_build(r, extra, only, max, threads, c, capmask, &ix)) == 0)
        rc = s_inverse(c);
    s_index_free(&ix);
    free(capmask);
    if (rc < 0)
        regio_cands_free(c);
    return rc;
}

typedef struct {
    double key;
    int64_t k;
} s_rank_t;

static int s_cmp_rank(const void *a, const void *b)
{
    const s_rank_t *x = a, *y = b;
    if (x->key != y->key)
        return (x->key < y->key) - (x->key > y->key);
    return (x->k > y->k) - (x->k < y->k);
}

int regio_cands_top(const regio_rpp_t *r, const regio_cands_t *src, int64_t max,
                    regio_cands_t *dst)
{
    int32_t L = src->n_learners;
    int64_t total = 0, most = 0;
    memset(dst, 0, sizeof *dst);
    dst->n_learners = L;
    dst->n_offerings = src->n_offerings;
    for (int32_t l = 0; l < L; l++) {
        int64_t n = src->start[l + 1] - src->start[l];
        total += n < max ? n : max;
        most = n > most ? n : most;
    }
    total += r->n_pins; /* a pin's candidate stays, however little it promises */
    dst->start = calloc((size_t)L + 1, sizeof *dst->start);
    dst->wide = malloc((size_t)L + 1);
    dst->v = malloc((size_t)(total ? total : 1) * sizeof *dst->v);
    s_rank_t *rank = malloc((size_t)(most ? most : 1) * sizeof *rank);
    uint8_t *keep = malloc((size_t)(most ? most : 1));
    int rc = dst->start && dst->wide && dst->v && rank && keep ? 0 : -ENOMEM;
    for (int32_t l = 0; rc == 0 && l < L; l++) {
        const regio_cand_t *v = src->v + src->start[l];
        int64_t n = src->start[l + 1] - src->start[l], at = dst->start[l];
        memset(keep, n <= max, (size_t)n);
        if (n > max) {
            int weeks = s_weeks(r, l);
            for (int64_t k = 0; k < n; k++)
                rank[k] = (s_rank_t){.key = s_promise(r, l, &v[k], weeks), .k = k};
            qsort(rank, (size_t)n, sizeof *rank, s_cmp_rank);
            for (int64_t k = 0; k < n; k++)
                keep[rank[k].k] = k < max || s_pinned(r, l, v[rank[k].k].offering);
        }
        for (int64_t k = 0; k < n; k++) /* in src's order: by offering */
            if (keep[k])
                dst->v[at++] = v[k];
        dst->start[l + 1] = at;
        dst->wide[l] = src->wide[l];
    }
    free(rank);
    free(keep);
    if (rc == 0)
        rc = s_inverse(dst);
    if (rc < 0)
        regio_cands_free(dst);
    return rc;
}

void regio_cands_free(regio_cands_t *c)
{
    free(c->start);
    free(c->v);
    free(c->wide);
    free(c->inv_start);
    free(c->inv);
    memset(c, 0, sizeof *c);
}

int32_t regio_cands_find(const regio_cands_t *c, int32_t l, int32_t o)
{
    int64_t lo = c->start[l], hi = c->start[l + 1];
    while (lo < hi) {
        int64_t mid = lo + (hi - lo) / 2;
        if (c->v[mid].offering < o)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo < c->start[l + 1] && c->v[lo].offering == o ? (int32_t)(lo - c->start[l]) : -1;
}

void regio_cands_credit_wide(const regio_rpp_t *r, int32_t l, const regio_cand_t *cd, int32_t add,
                             int64_t *credit)
{
    const regio_rpp_learner_t *L = &r->learners[l];
    const regio_rpp_offering_t *O = &r->offerings[cd->offering];
    for (int j = 0; j < O->n_goals; j++)
        for (int i = 0; i < L->n_needs; i++)
            if (L->needs[i].goal == O->goals[j])
                credit[i] += add;
}
