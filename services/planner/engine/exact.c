/* exact - one learner's best plan over all its periods, searched exactly. */
#include "exact.h"

#include <float.h>
#include <stdint.h>
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
    const regio_rpp_learner_t *L = &r->learners[e->l];
    const regio_cand_t *cd = &e->c->v[e->c->start[e->l] + k];
    int64_t add = (int64_t)r->periods[p].weeks * L->dagdelen, cov = 0;
    if (!e->c->wide[e->l]) {
        for (uint64_t m = cd->needs; m; m &= m - 1) {
            int64_t a = L->needs[__builtin_ctzll(m)].amount;
            cov += a < add ? a : add;
        }
    } else {
        cov = regio_exact_credit(e, k, add, 1, credit);
        regio_exact_credit(e, k, add, -1, credit);
    }
    return e->wcov * (double)cov + fixed - ((cd->flags & REGIO_CAND_HISTORY) ? r->w.repeat : 0);
}

static int s_cmp(const void *a, const void *b)
{
    double x = ((const regio_exact_opt_t *)a)->ub, y = ((const regio_exact_opt_t *)b)->ub;
    return (x < y) - (x > y);
}

int32_t regio_exact_sort(const regio_exact_t *e, regio_exact_opt_t *opt, int32_t n)
{
    enum { S_SLOTS = 256, S_KEEP = 8 };
    qsort(opt, (size_t)n, sizeof *opt, s_cmp);
    int keep = __builtin_popcount(e->r->learners[e->l].planned);
    if (e->c->wide[e->l] || keep > S_KEEP)
        return n;
    /* Options that cover the same needs differ only in their fixed part and
     * partner. The other periods hold at most keep-1 partners, so the best
     * options of `keep` distinct partners per kind always include one as
     * good as any other of that kind; the rest can go. */
    uint64_t key[S_SLOTS];
    int32_t partner[S_SLOTS][S_KEEP];
    uint8_t cnt[S_SLOTS], used[S_SLOTS] = {0};
    int32_t m = 0, kinds = 0;
    for (int32_t i = 0; i < n; i++) {
        const regio_cand_t *cd = opt[i].k < 0 ? NULL : &e->c->v[e->c->start[e->l] + opt[i].k];
        if (!cd || kinds >= S_SLOTS / 2) {
            opt[m++] = opt[i];
            continue;
        }
        uint32_t h = (uint32_t)((cd->needs * 0x9e3779b97f4a7c15ull) >> 56);
        while (used[h] && key[h] != cd->needs)
            h = (h + 1) & (S_SLOTS - 1);
        if (!used[h]) {
            used[h] = 1;
            key[h] = cd->needs;
            cnt[h] = 0;
            kinds++;
        }
        int seen = 0;
        for (int j = 0; j < cnt[h] && !seen; j++)
            seen = partner[h][j] == cd->partner;
        if (seen || cnt[h] >= keep)
            continue;
        partner[h][cnt[h]++] = cd->partner;
        opt[m++] = opt[i];
    }
    return m;
}

/* The memo: an open-addressed table of search states, emptied in O(1) per
 * search by a generation number. Learners with more needs than S_MEMO_NEEDS
 * search without it. */
#define S_MEMO_BITS 13
#define S_MEMO_NEEDS 8
#define S_MEMO_PROBE 4
#define S_MEMO_AFTER 256 /* default memo_after: small searches do not repay the memo */

typedef struct {
    uint32_t gen;
    uint8_t depth, nparts;
    uint16_t cred[S_MEMO_NEEDS];          /* credit so far, capped at each need */
    int32_t part[REGIO_RPP_MAX_PERIODS];  /* partners used so far, sorted */
    double cur;                           /* the best value seen reaching this state */
} s_memo_entry_t;

struct regio_exact_memo_s {
    uint32_t gen;
    s_memo_entry_t v[1u << S_MEMO_BITS];
};

regio_exact_memo_t *regio_exact_memo_new(void)
{
    return calloc(1, sizeof(regio_exact_memo_t));
}

void regio_exact_memo_free(regio_exact_memo_t *m)
{
    free(m);
}

typedef struct {
    const regio_exact_t *e;
    int64_t *credit;
    double rest[REGIO_RPP_MAX_PERIODS + 1]; /* best ub summed from depth on */
    double rest_fixed[REGIO_RPP_MAX_PERIODS + 1]; /* best positive fixed part from depth on */
    int64_t need;                           /* the learner's need in all */
    int64_t cov;                            /* covered on the current path */
    int pick[REGIO_RPP_MAX_PERIODS];
    int *best_pick;
    double best, open;
    int64_t nodes;
    int relaxed;                            /* 1: only history repeats count */
    int memo;                               /* 1: e->memo is in use for this search */
    int64_t memo_after;                     /* nodes before the memo is used */
} s_dfs_t;

/* Whether a path reaching depth with value cur can be dropped because the
 * same state was reached before with at least that value; records it
 * otherwise. */
static int s_seen(s_dfs_t *s, int depth, double cur)
{
    const regio_exact_t *e = s->e;
    regio_exact_memo_t *m = e->memo;
    const regio_rpp_learner_t *L = &e->r->learners[e->l];
    s_memo_entry_t k;
    memset(&k, 0, sizeof k);
    k.gen = m->gen;
    k.depth = (uint8_t)depth;
    uint64_t h = 0x9e3779b97f4a7c15ull * (uint64_t)(depth + 1);
    for (int i = 0; i < L->n_needs; i++) {
        int64_t c = s->credit[i] < L->needs[i].amount ? s->credit[i] : L->needs[i].amount;
        k.cred[i] = (uint16_t)(c < 0 ? 0 : c > 65535 ? 65535 : c);
        h = (h ^ k.cred[i]) * 0x100000001b3ull;
    }
    for (int d = 0; d < depth && !s->relaxed; d++) {
        int32_t o = e->opt[d][s->pick[d]].k;
        if (o < 0)
            continue;
        int32_t q = e->c->v[e->c->start[e->l] + o].partner, j = k.nparts++;
        while (j > 0 && k.part[j - 1] > q) { /* insertion sort: a set, not a sequence */
            k.part[j] = k.part[j - 1];
            j--;
        }
        k.part[j] = q;
    }
    for (int i = 0; i < k.nparts; i++)
        h = (h ^ (uint64_t)(uint32_t)k.part[i]) * 0x100000001b3ull;
    uint32_t at = (uint32_t)(h >> (64 - S_MEMO_BITS)), free_at = UINT32_MAX;
    for (int p = 0; p < S_MEMO_PROBE; p++) {
        s_memo_entry_t *x = &m->v[(at + (uint32_t)p) & ((1u << S_MEMO_BITS) - 1)];
        if (x->gen != m->gen) {
            if (free_at == UINT32_MAX)
                free_at = (at + (uint32_t)p) & ((1u << S_MEMO_BITS) - 1);
            continue;
        }
        if (x->depth == k.depth && x->nparts == k.nparts &&
            !memcmp(x->cred, k.cred, sizeof k.cred) && !memcmp(x->part, k.part, sizeof k.part)) {
            if (x->cur >= cur)
                return 1;
            x->cur = cur;
            return 0;
        }
    }
    k.cur = cur;
    m->v[free_at != UINT32_MAX ? free_at : at] = k; /* full: the newest state wins */
    return 0;
}

/* Whether candidate cd at depth repeats a partner: from the history, or
 * (unless relaxed) of the options pick[0..depth-1] chose before it. */
static int s_repeats(const regio_exact_t *e, const int *pick, int depth, const regio_cand_t *cd,
                     int relaxed)
{
    if (cd->flags & REGIO_CAND_HISTORY)
        return 1;
    for (int d = 0; d < depth && !relaxed; d++) {
        int32_t k = e->opt[d][pick[d]].k;
        if (k >= 0 && e->c->v[e->c->start[e->l] + k].partner == cd->partner)
            return 1;
    }
    return 0;
}

/* Options s_rest looks at per period; the ub of the next bounds the rest.
 * Every node calls s_rest, and in the dense regions of 20,000 learners a
 * full scan of hundreds of options was most of the bound's time. */
#define S_REST_SCAN 64

/* Upper bound on what periods depth.. can still add: never more coverage
 * than the need left, and no period more than its best option adds to the
 * credit of the current path (coverage is capped, so an option adds less,
 * never more, on top of more credit). */
static double s_rest(const s_dfs_t *s, int depth)
{
    const regio_exact_t *e = s->e;
    double by_cov = e->wcov * (double)(s->need - s->cov) + s->rest_fixed[depth];
    double b = by_cov < s->rest[depth] ? by_cov : s->rest[depth];
    if (e->c->wide[e->l] || depth >= e->np)
        return b;
    const regio_rpp_learner_t *L = &e->r->learners[e->l];
    double sum = 0;
    for (int d = depth; d < e->np && sum < b; d++) {
        int64_t add = (int64_t)e->r->periods[e->per[d]].weeks * L->dagdelen;
        double best = -1e300;
        for (int32_t i = 0; i < e->nopt[d]; i++) {
            const regio_exact_opt_t *o = &e->opt[d][i];
            if (o->ub <= best)
                break; /* sorted by ub, and the value below never exceeds ub */
            if (i == S_REST_SCAN) { /* nor do the ones after this: bound them all by its ub */
                best = o->ub;
                break;
            }
            double v = o->fixed;
            if (o->k >= 0) {
                const regio_cand_t *cd = &e->c->v[e->c->start[e->l] + o->k];
                int64_t c = 0;
                for (uint64_t m = cd->needs; m; m &= m - 1) {
                    int j = __builtin_ctzll(m);
                    int64_t left = L->needs[j].amount - s->credit[j];
                    c += left <= 0 ? 0 : left < add ? left : add;
                }
                v += e->wcov * (double)c - ((cd->flags & REGIO_CAND_HISTORY) ? e->r->w.repeat : 0);
            }
            best = v > best ? v : best;
        }
        sum += best;
    }
    return sum < b ? sum : b;
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
        double b = s_rest(s, depth);
        if (cur + b > s->open)
            s->open = cur + b;
        return;
    }
    if (s->memo && depth > 0 && s->nodes > s->memo_after && s_seen(s, depth, cur))
        return;
    const regio_rpp_t *r = e->r;
    int64_t add = (int64_t)r->periods[e->per[depth]].weeks * r->learners[e->l].dagdelen;
    double rest = s_rest(s, depth); /* depends on the path only, not on the option */
    for (int32_t i = 0; i < e->nopt[depth]; i++) {
        const regio_exact_opt_t *o = &e->opt[depth][i];
        if (cur + o->ub + s->rest[depth + 1] <= s->best || cur + rest <= s->best)
            break;
        s->pick[depth] = i;
        if (o->k < 0) {
            s_dfs(s, depth + 1, cur + o->fixed);
            continue;
        }
        const regio_cand_t *cd = &e->c->v[e->c->start[e->l] + o->k];
        int64_t dc = regio_exact_credit(e, o->k, add, 1, s->credit);
        double v = e->wcov * (double)dc + o->fixed - r->w.repeat * s_repeats(e, s->pick, depth, cd, s->relaxed);
        s->cov += dc;
        s_dfs(s, depth + 1, cur + v);
        s->cov -= dc;
        regio_exact_credit(e, o->k, add, -1, s->credit);
    }
}

void regio_exact_add(regio_exact_t *e, int p, regio_exact_opt_t *opt, int32_t n)
{
    if (n <= 0)
        return;
    e->per[e->np] = p;
    e->opt[e->np] = opt;
    e->nopt[e->np++] = n;
}

/* The search proper: best is a value some choice is known to reach
 * (-DBL_MAX: none), choice holds that choice on entry and the best on
 * return. */
static double s_search(const regio_exact_t *e, int64_t *credit, int *choice, double *open,
                       int relaxed, double best)
{
    s_dfs_t s = {.e = e, .credit = credit, .best_pick = choice, .best = best,
                 .open = -DBL_MAX, .relaxed = relaxed,
                 .memo = e->memo && e->r->learners[e->l].n_needs <= S_MEMO_NEEDS,
                 .memo_after = e->memo_after > 0 ? e->memo_after : S_MEMO_AFTER};
    if (s.memo && ++e->memo->gen == 0) { /* wrapped: empty the table for real */
        memset(e->memo->v, 0, sizeof e->memo->v);
        e->memo->gen = 1;
    }
    memset(credit, 0, (size_t)e->r->learners[e->l].n_needs * sizeof *credit);
    s.rest[e->np] = s.rest_fixed[e->np] = 0;
    for (int d = e->np - 1; d >= 0; d--) {
        double f = 0;
        for (int32_t i = 0; i < e->nopt[d]; i++)
            f = e->opt[d][i].fixed > f ? e->opt[d][i].fixed : f;
        s.rest[d] = s.rest[d + 1] + (e->nopt[d] ? e->opt[d][0].ub : 0);
        s.rest_fixed[d] = s.rest_fixed[d + 1] + f;
    }
    const regio_rpp_learner_t *L = &e->r->learners[e->l];
    for (int i = 0; i < L->n_needs; i++)
        s.need += L->needs[i].amount > 0 ? L->needs[i].amount : 0;
    s_dfs(&s, 0, 0);
    *open = s.open;
    return s.best;
}

/* The value of choice (one option index per depth), repeats and all. */
static double s_value(const regio_exact_t *e, const int *choice, int64_t *credit)
{
    const regio_rpp_t *r = e->r;
    double v = 0;
    memset(credit, 0, (size_t)r->learners[e->l].n_needs * sizeof *credit);
    for (int d = 0; d < e->np; d++) {
        const regio_exact_opt_t *o = &e->opt[d][choice[d]];
        v += o->fixed;
        if (o->k < 0)
            continue;
        const regio_cand_t *cd = &e->c->v[e->c->start[e->l] + o->k];
        int64_t add = (int64_t)r->periods[e->per[d]].weeks * r->learners[e->l].dagdelen;
        v += e->wcov * (double)regio_exact_credit(e, o->k, add, 1, credit);
        v -= r->w.repeat * s_repeats(e, choice, d, cd, 0);
    }
    memset(credit, 0, (size_t)r->learners[e->l].n_needs * sizeof *credit);
    return v;
}

/* Default relax_from: below, the plain search is cheap anyway (most of the
 * LNS's learners). */
#define S_RELAX_FROM 4096

/* Relaxation first: options that cover the same needs differ only in their
 * fixed part and partner, so with repeats between the learner's own
 * periods ignored only the first of each kind (by ub) matters. That search
 * has far fewer options; its optimum bounds the true one, and when it
 * repeats no partner it is the true one. Otherwise its plan starts the full
 * search as a known value. Returns -1 when the relaxation does not apply
 * (nothing to drop, or wide coverage), else 0 with *val, choice and *open
 * set as regio_exact_solve's. */
static int s_relaxed_first(const regio_exact_t *e, int64_t *credit, int *choice, double *open,
                           double *val)
{
    int32_t total = 0, kept = 0;
    double combos = 1;
    for (int d = 0; d < e->np; d++) {
        total += e->nopt[d];
        combos *= e->nopt[d];
    }
    double relax_from = e->relax_from > 0 ? e->relax_from : S_RELAX_FROM;
    if (e->c->wide[e->l] || e->np < 2 || combos < relax_from)
        return -1;
    regio_exact_opt_t *buf = malloc((size_t)total * sizeof *buf);
    int32_t *from = malloc((size_t)total * sizeof *from);
    if (!buf || !from) {
        free(buf);
        free(from);
        return -1;
    }
    regio_exact_t er = *e;
    for (int d = 0; d < e->np; d++) {
        er.opt[d] = buf + kept;
        er.nopt[d] = 0;
        for (int32_t i = 0; i < e->nopt[d]; i++) {
            const regio_exact_opt_t *o = &e->opt[d][i];
            uint64_t mask = o->k < 0 ? 0 : e->c->v[e->c->start[e->l] + o->k].needs;
            int dup = 0;
            for (int32_t j = 0; j < er.nopt[d] && !dup && o->k >= 0; j++)
                dup = er.opt[d][j].k >= 0 && e->c->v[e->c->start[e->l] + er.opt[d][j].k].needs == mask;
            if (dup)
                continue;
            from[kept] = i;
            buf[kept++] = *o;
            er.nopt[d]++;
        }
    }
    if (kept == total) { /* every option is the first of its kind */
        free(buf);
        free(from);
        return -1;
    }
    int rc[REGIO_RPP_MAX_PERIODS];
    for (int d = 0; d < e->np; d++)
        rc[d] = 0;
    double ropen, relax = s_search(&er, credit, rc, &ropen, 1, -DBL_MAX);
    for (int d = 0; d < e->np; d++)
        choice[d] = from[(er.opt[d] - buf) + rc[d]];
    free(buf);
    free(from);
    double known = s_value(e, choice, credit);
    double ub = ropen > relax ? ropen : relax; /* what the relaxation proves */
    if (known >= relax - 1e-9 * (relax < 0 ? -relax : relax) && ropen <= relax) {
        *open = -DBL_MAX; /* the relaxed optimum repeats no partner: it is optimal */
        *val = known;
        return 0;
    }
    *val = s_search(e, credit, choice, open, 0, known);
    if (*open > ub)
        *open = ub;
    return 0;
}

double regio_exact_solve(const regio_exact_t *e, int64_t *credit, int *choice, double *open)
{
    double v;
    for (int d = 0; d < e->np; d++)
        choice[d] = 0;
    if (s_relaxed_first(e, credit, choice, open, &v) == 0)
        return v;
    return s_search(e, credit, choice, open, 0, -DBL_MAX);
}
