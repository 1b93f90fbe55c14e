/* explain - why a learner's need stays unmet in a plan. */
#include "explain.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cand.h"

static const char *const s_text[REGIO_EXPLAIN_COUNT] = {
    "no offering for that goal accepts the qualification",
    "none within max_km",
    "too young for all that remain",
    "declined",
    "no seats on the learner's free slots",
    "seats held for another school by agreement",
    "all eligible seats on the learner's free slots taken",
    "the slot is pinned for another learner",
    "every free period holds a placement for other goals",
    "every free period is pinned to a placement for other goals",
    "the learner has no period to plan",
    "seats remain, but taking one would lower the score",
};

const char *regio_explain_reason_text(regio_explain_reason_t reason)
{
    return reason < REGIO_EXPLAIN_COUNT ? s_text[reason] : "unknown";
}

/* What explaining needs besides the instance. */
typedef struct {
    const regio_rpp_t *r;
    regio_cands_t c;          /* eligible offerings with seats on free slots */
    int64_t *goal_start;      /* offerings by goal (CSR) */
    int32_t *goal_off;
    int64_t *at_start;        /* placements by (offering, period) (CSR over o*P + p) */
    int32_t *at;              /* placement indexes */
    const regio_rpp_sol_t *sol;
    int32_t *pl_start;        /* placements by learner (sol sorted by learner) */
    int32_t *pl_idx;
    regio_rpp_seats_t seats;  /* the seats sol leaves, reservations counted */
} s_ctx_t;

static void s_ctx_free(s_ctx_t *x)
{
    regio_cands_free(&x->c);
    free(x->goal_start);
    free(x->goal_off);
    free(x->at_start);
    free(x->at);
    free(x->pl_start);
    free(x->pl_idx);
    regio_rpp_seats_free(&x->seats);
}

/* CSR: n keys, key(i) for i < m items (key -1 skips). */
static int s_csr(int64_t n, int64_t m, int64_t (*key)(const s_ctx_t *, int64_t, int), int per,
                 const s_ctx_t *x, int64_t **start, int32_t **item)
{
    *start = calloc((size_t)n + 1, sizeof **start);
    if (!*start)
        return -ENOMEM;
    for (int64_t i = 0; i < m; i++)
        for (int j = 0; j < per; j++) {
            int64_t k = key(x, i, j);
            if (k >= 0)
                (*start)[k + 1]++;
        }
    for (int64_t k = 0; k < n; k++)
        (*start)[k + 1] += (*start)[k];
    *item = malloc((size_t)((*start)[n] ? (*start)[n] : 1) * sizeof **item);
    int64_t *fill = malloc(((size_t)n + 1) * sizeof *fill);
    if (!*item || !fill) {
        free(fill);
        return -ENOMEM;
    }
    memcpy(fill, *start, ((size_t)n + 1) * sizeof *fill);
    for (int64_t i = 0; i < m; i++)
        for (int j = 0; j < per; j++) {
            int64_t k = key(x, i, j);
            if (k >= 0)
                (*item)[fill[k]++] = (int32_t)i;
        }
    free(fill);
    return 0;
}

static int64_t s_key_goal(const s_ctx_t *x, int64_t o, int j)
{
    const regio_rpp_offering_t *O = &x->r->offerings[o];
    if (j >= O->n_goals)
        return -1;
    for (int i = 0; i < j; i++)
        if (O->goals[i] == O->goals[j])
            return -1;
    return O->goals[j];
}

static int64_t s_key_at(const s_ctx_t *x, int64_t i, int j)
{
    return (int64_t)x->sol->v[i].offering * x->r->n_periods + x->sol->v[i].period;
}

static int64_t s_key_learner(const s_ctx_t *x, int64_t i, int j)
{
    return x->sol->v[i].learner;
}

static int s_ctx_init(s_ctx_t *x, const regio_rpp_t *r, const regio_rpp_sol_t *sol)
{
    memset(x, 0, sizeof *x);
    x->r = r;
    x->sol = sol;
    int most = 1, rc;
    for (int32_t o = 0; o < r->n_offerings; o++)
        most = r->offerings[o].n_goals > most ? r->offerings[o].n_goals : most;
    int64_t *ls = NULL;
    if ((rc = regio_cands_build(r, NULL, 1, &x->c)) < 0 ||
        (rc = s_csr(regio_strtab_count(r->goals), r->n_offerings, s_key_goal, most, x,
                    &x->goal_start, &x->goal_off)) < 0 ||
        (rc = s_csr((int64_t)r->n_offerings * r->n_periods, sol->n, s_key_at, 1, x,
                    &x->at_start, &x->at)) < 0 ||
        (rc = s_csr(r->n_learners, sol->n, s_key_learner, 1, x, &ls, &x->pl_idx)) < 0) {
        free(ls);
        return rc;
    }
    x->pl_start = malloc(((size_t)r->n_learners + 1) * sizeof *x->pl_start);
    for (int32_t l = 0; x->pl_start && l <= r->n_learners; l++)
        x->pl_start[l] = (int32_t)ls[l];
    free(ls);
    if (!x->pl_start || regio_rpp_seats_init(&x->seats, r, 0) < 0)
        return -ENOMEM;
    for (int32_t k = 0; k < sol->n; k++)
        regio_rpp_seats_take(r, &x->seats, sol->v[k].offering, sol->v[k].period,
                             r->learners[sol->v[k].learner].school, sol->v[k].slots, 1);
    return 0;
}

static int s_lists(const regio_rpp_offering_t *O, int32_t g)
{
    for (int j = 0; j < O->n_goals; j++)
        if (O->goals[j] == g)
            return 1;
    return 0;
}

/* Reasons 1-4 (and NO_SEATS) when no eligible offering of goal g has room. */
static void s_why_none(const s_ctx_t *x, int32_t l, int32_t g, regio_explain_t *e)
{
    const regio_rpp_t *r = x->r;
    const regio_rpp_learner_t *L = &r->learners[l];
    int32_t qual = 0, near = 0, old = 0, open = 0;
    double km = -1;
    int age = -1;
    for (int64_t k = x->goal_start[g]; g < regio_strtab_count(r->goals) && k < x->goal_start[g + 1]; k++) {
        const regio_rpp_offering_t *O = &r->offerings[x->goal_off[k]];
        int ok = O->n_quals == 0;
        for (int q = 0; q < O->n_quals && !ok; q++)
            ok = O->quals[q] == L->qual;
        if (!ok)
            continue;
        qual++;
        double d = regio_rpp_dist_km(L->lat, L->lon, O->lat, O->lon);
        if (d > L->max_km + 1e-6) {
            km = km < 0 || d < km ? d : km;
            continue;
        }
        near++;
        if (L->age < O->min_age) {
            age = age < 0 || O->min_age < age ? O->min_age : age;
            continue;
        }
        old++;
        open += !regio_rpp_forbidden(r, l, x->goal_off[k]);
    }
    e->reason = !qual ? REGIO_EXPLAIN_NO_QUALIFICATION
                : !near ? REGIO_EXPLAIN_TOO_FAR
                : !old  ? REGIO_EXPLAIN_TOO_YOUNG
                : !open ? REGIO_EXPLAIN_DECLINED
                        : REGIO_EXPLAIN_NO_SEATS;
    e->offerings = !qual ? (int32_t)(g < regio_strtab_count(r->goals)
                                         ? x->goal_start[g + 1] - x->goal_start[g] : 0)
                   : !near ? qual : !old ? near : !open ? old : open;
    e->km = km;
    e->age = age;
}

/* Seats of (o, p) used by the plan, per slot. */
static void s_used(const s_ctx_t *x, int32_t o, int p, int32_t *used)
{
    int64_t op = (int64_t)o * x->r->n_periods + p;
    memset(used, 0, REGIO_RPP_SLOTS * sizeof *used);
    for (int64_t i = x->at_start[op]; i < x->at_start[op + 1]; i++)
        for (uint32_t m = x->sol->v[x->at[i]].slots; m; m &= m - 1)
            used[__builtin_ctz(m)]++;
}

static int s_cmp_i32(const void *a, const void *b)
{
    int32_t x = *(const int32_t *)a, y = *(const int32_t *)b;
    return (x > y) - (x < y);
}

/* What the (offering, period)s of a goal show a learner (s_why_seats). */
typedef struct {
    int32_t *who, nwho, cap; /* learners on seats of the learner's free slots */
    int all_pinned;          /* every one of them by a pin */
    int32_t free_left;       /* offering-periods with room for the learner now */
    int32_t unheld;          /* ... with room but for the seats held for other schools */
    int32_t seats;           /* ... with seats on its free slots at all */
    int32_t school;          /* a school those held seats are for, -1 none */
} s_seen_t;

/* A school other than s with seats held at (o, p) on slots m, or -1. */
static int32_t s_holder(const regio_rpp_t *r, int32_t o, int p, int32_t s, uint32_t m)
{
    for (int32_t i = r->res_first ? r->res_first[(int64_t)o * r->n_periods + p] : -1; i >= 0;
         i = r->res[i].next)
        for (int t = 0; t < REGIO_RPP_SLOTS && r->res[i].school != s; t++)
            if ((m >> t & 1u) && r->res[i].seats[t] > 0)
                return r->res[i].school;
    return -1;
}

/* Add the learners other than l on seats of l's free slots at (o, p). */
static int s_holders(const s_ctx_t *x, int32_t l, int32_t o, int p, s_seen_t *sn)
{
    const regio_rpp_t *r = x->r;
    int64_t op = (int64_t)o * r->n_periods + p;
    for (int64_t i = x->at_start[op]; i < x->at_start[op + 1]; i++) {
        const regio_rpp_placement_t *v = &x->sol->v[x->at[i]];
        if (v->learner == l || !(v->slots & r->learners[l].free[p]))
            continue;
        if (sn->nwho == sn->cap) {
            int32_t *n = realloc(sn->who, (size_t)(sn->cap = sn->cap ? 2 * sn->cap : 16) *
                                              sizeof *sn->who);
            if (!n)
                return -ENOMEM;
            sn->who = n;
        }
        sn->who[sn->nwho++] = v->learner;
        sn->all_pinned &= (int)(r->learners[v->learner].pins >> p & 1u);
    }
    return 0;
}

/* What (o, p) shows learner l, into sn. */
static int s_look(const s_ctx_t *x, int32_t l, int32_t o, int p, s_seen_t *sn)
{
    const regio_rpp_t *r = x->r;
    const regio_rpp_learner_t *L = &r->learners[l];
    int32_t used[REGIO_RPP_SLOTS];
    uint32_t now = regio_rpp_seats_room(r, &x->seats, o, p, L->school) & L->free[p], room = 0;
    int any = 0;
    s_used(x, o, p, used);
    for (int t = 0; t < REGIO_RPP_SLOTS; t++) {
        room |= (uint32_t)((L->free[p] >> t & 1u) && regio_rpp_cap(r, o, p, t) > used[t]) << t;
        any += (L->free[p] >> t & 1u) && regio_rpp_cap(r, o, p, t) > 0;
    }
    int fits = __builtin_popcount(now) >= L->dagdelen;
    sn->free_left += fits;
    sn->unheld += __builtin_popcount(room) >= L->dagdelen;
    sn->seats += any >= L->dagdelen;
    if (!fits && __builtin_popcount(room) >= L->dagdelen && sn->school < 0)
        sn->school = s_holder(r, o, p, L->school, room & ~now);
    return s_holders(x, l, o, p, sn);
}

/* Reasons from NO_SEATS on: eligible offerings of goal g with room exist.
 * empty: the planned periods without a placement of l; plannable: those
 * where l has enough free slots at all. */
static int s_why_seats(const s_ctx_t *x, int32_t l, int32_t g, uint32_t empty,
                       uint32_t plannable, regio_explain_t *e)
{
    const regio_rpp_t *r = x->r;
    s_seen_t sn = {.all_pinned = 1, .school = -1};
    if (!empty) {
        e->reason = plannable & ~r->learners[l].pins ? REGIO_EXPLAIN_PERIODS_USED
                                                     : REGIO_EXPLAIN_PERIODS_PINNED;
        return 0;
    }
    for (int64_t k = x->c.start[l]; k < x->c.start[l + 1]; k++) {
        int32_t o = x->c.v[k].offering;
        if (!s_lists(&r->offerings[o], g))
            continue;
        e->offerings++;
        for (int p = 0; p < r->n_periods; p++)
            if ((empty >> p & 1u) && s_look(x, l, o, p, &sn) < 0) {
                free(sn.who);
                return -ENOMEM;
            }
    }
    if (sn.nwho > 1)
        qsort(sn.who, (size_t)sn.nwho, sizeof *sn.who, s_cmp_i32);
    for (int32_t i = 0; i < sn.nwho; i++)
        e->competing += i == 0 || sn.who[i] != sn.who[i - 1];
    free(sn.who);
    e->school = sn.school;
    e->reason = !sn.seats                    ? REGIO_EXPLAIN_NO_SEATS
                : sn.free_left               ? REGIO_EXPLAIN_NOT_CHOSEN
                : sn.unheld                  ? REGIO_EXPLAIN_HELD
                : sn.nwho && sn.all_pinned   ? REGIO_EXPLAIN_PINNED
                                             : REGIO_EXPLAIN_SEATS_TAKEN;
    return 0;
}

/* Explain learner l's unmet needs, appending to (*out, *n, *cap). */
static int s_learner(const s_ctx_t *x, int32_t l, int64_t *credit, regio_explain_t **out,
                     int32_t *n, int32_t *cap)
{
    const regio_rpp_t *r = x->r;
    const regio_rpp_learner_t *L = &r->learners[l];
    uint32_t empty = 0;
    memset(credit, 0, (size_t)L->n_needs * sizeof *credit);
    for (int p = 0; p < r->n_periods; p++)
        if ((L->planned >> p & 1u) && __builtin_popcount(L->free[p]) >= L->dagdelen)
            empty |= 1u << p;
    uint32_t plannable = empty;
    for (int32_t k = x->pl_start[l]; k < x->pl_start[l + 1]; k++) {
        const regio_rpp_placement_t *v = &x->sol->v[x->pl_idx[k]];
        const regio_rpp_offering_t *O = &r->offerings[v->offering];
        empty &= ~(1u << v->period);
        for (int j = 0; j < O->n_goals; j++)
            for (int i = 0; i < L->n_needs; i++)
                if (L->needs[i].goal == O->goals[j])
                    credit[i] += (int64_t)r->periods[v->period].weeks * __builtin_popcount(v->slots);
    }
    for (int i = 0; i < L->n_needs; i++) {
        if (credit[i] >= L->needs[i].amount)
            continue;
        if (*n == *cap) {
            regio_explain_t *m = realloc(*out, (size_t)(*cap = *cap ? 2 * *cap : 64) * sizeof **out);
            if (!m)
                return -ENOMEM;
            *out = m;
        }
        regio_explain_t *e = &(*out)[(*n)++];
        *e = (regio_explain_t){.learner = l, .goal = L->needs[i].goal,
                               .missing = L->needs[i].amount - credit[i], .km = -1, .age = -1,
                               .school = -1};
        int room = 0;
        for (int64_t k = x->c.start[l]; k < x->c.start[l + 1] && !room; k++)
            room = s_lists(&r->offerings[x->c.v[k].offering], e->goal);
        if (!plannable)
            e->reason = REGIO_EXPLAIN_NOT_PLANNED;
        else if (!room)
            s_why_none(x, l, e->goal, e);
        else if (s_why_seats(x, l, e->goal, empty, plannable, e) < 0)
            return -ENOMEM;
    }
    return 0;
}

int regio_explain_run(const regio_rpp_t *r, const regio_rpp_sol_t *sol, regio_explain_t **out,
                      int32_t *n)
{
    s_ctx_t x;
    int32_t cap = 0, most = 1;
    *out = NULL;
    *n = 0;
    for (int32_t l = 0; l < r->n_learners; l++)
        most = r->learners[l].n_needs > most ? r->learners[l].n_needs : most;
    int64_t *credit = malloc((size_t)most * sizeof *credit);
    int rc = credit ? s_ctx_init(&x, r, sol) : -ENOMEM;
    for (int32_t l = 0; rc == 0 && l < r->n_learners; l++)
        rc = s_learner(&x, l, credit, out, n, &cap);
    if (credit)
        s_ctx_free(&x);
    free(credit);
    if (rc < 0) {
        free(*out);
        *out = NULL;
        *n = 0;
    }
    return rc;
}

/* One line of detail for people. */
static void s_detail(const regio_rpp_t *r, const regio_explain_t *e, char *buf, size_t len)
{
    const regio_rpp_learner_t *L = &r->learners[e->learner];
    switch (e->reason) {
    case REGIO_EXPLAIN_NO_QUALIFICATION:
        snprintf(buf, len, "%d offerings list the goal, none accepts qualification %s",
                 (int)e->offerings, regio_strtab_name(r->quals, L->qual));
        break;
    case REGIO_EXPLAIN_TOO_FAR:
        snprintf(buf, len, "%d accept the qualification; the nearest is %.1f km away, max_km %g",
                 (int)e->offerings, e->km, L->max_km);
        break;
    case REGIO_EXPLAIN_TOO_YOUNG:
        snprintf(buf, len, "%d are within reach; the lowest min_age is %d, the learner is %d",
                 (int)e->offerings, e->age, L->age);
        break;
    case REGIO_EXPLAIN_DECLINED:
        snprintf(buf, len, "%d are within reach and open to the learner; the learner, school or "
                 "partner declined each of them", (int)e->offerings);
        break;
    case REGIO_EXPLAIN_NO_SEATS:
        snprintf(buf, len, "%d eligible offerings, none with seats on the learner's free slots",
                 (int)e->offerings);
        break;
    case REGIO_EXPLAIN_HELD:
        snprintf(buf, len, "%d eligible offerings; the seats left on the learner's free slots "
                 "are held for other schools (%s among them)", (int)e->offerings,
                 e->school >= 0 ? regio_strtab_name(r->schools, e->school) : "?");
        break;
    case REGIO_EXPLAIN_SEATS_TAKEN:
    case REGIO_EXPLAIN_PINNED:
        snprintf(buf, len, "%d eligible offerings; %d other learners hold their seats on the "
                 "learner's free slots%s", (int)e->offerings, (int)e->competing,
                 e->reason == REGIO_EXPLAIN_PINNED ? ", every one of them pinned there" : "");
        break;
    case REGIO_EXPLAIN_PERIODS_USED:
    case REGIO_EXPLAIN_PERIODS_PINNED:
        snprintf(buf, len, "every period the learner is free in holds a %splacement",
                 e->reason == REGIO_EXPLAIN_PERIODS_PINNED ? "pinned " : "");
        break;
    case REGIO_EXPLAIN_NOT_PLANNED:
        snprintf(buf, len, "no period lists %d free slots for the learner", L->dagdelen);
        break;
    default:
        snprintf(buf, len, "%d eligible offerings with seats left; %d other learners placed there",
                 (int)e->offerings, (int)e->competing);
    }
}

int regio_explain_write(const regio_rpp_t *r, const regio_rpp_sol_t *sol, FILE *f,
                        int32_t *n_unmet)
{
    regio_explain_t *v;
    int32_t n;
    char detail[256], reason[160];
    int rc = regio_explain_run(r, sol, &v, &n);
    if (rc < 0)
        return rc;
    fputs("[", f);
    for (int32_t i = 0; i < n && rc == 0; i++) {
        cJSON *o = cJSON_CreateObject();
        s_detail(r, &v[i], detail, sizeof detail);
        if (v[i].reason == REGIO_EXPLAIN_HELD && v[i].school >= 0)
            snprintf(reason, sizeof reason, "seats held for school %s by agreement",
                     regio_strtab_name(r->schools, v[i].school));
        else
            snprintf(reason, sizeof reason, "%s", regio_explain_reason_text(v[i].reason));
        if (!o || !cJSON_AddStringToObject(o, "learner", r->learners[v[i].learner].id) ||
            !cJSON_AddStringToObject(o, "goal", regio_strtab_name(r->goals, v[i].goal)) ||
            !cJSON_AddNumberToObject(o, "missing_dagdelen", (double)v[i].missing) ||
            !cJSON_AddStringToObject(o, "reason", reason) ||
            !cJSON_AddStringToObject(o, "detail", detail)) {
            rc = -ENOMEM;
        } else {
            char *text = cJSON_PrintUnformatted(o);
            if (!text)
                rc = -ENOMEM;
            else
                fprintf(f, "%s\n %s", i ? "," : "", text);
            free(text);
        }
        cJSON_Delete(o);
    }
    fputs("\n]\n", f);
    if (n_unmet)
        *n_unmet = n;
    free(v);
    return rc < 0 ? rc : ferror(f) ? -EIO : 0;
}
