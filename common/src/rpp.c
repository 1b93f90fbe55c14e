/* rpp - the rpp-1 planning problem in memory: building, copying, changing.
 * rpp-2's decisions (dates, reservations, refusals, pins): rpp_decisions.c. */
#include "regio/rpp.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "regio/error.h"
#include "regio/limits.h"
#include "rpp_int.h"

#define S_MAX_AGE REGIO_MAX_AGE /* the services' bound: what they refuse is refused here */

static const char *const s_kinds[REGIO_RPP_KIND_COUNT] = {
    "business", "government", "institution", "knowledge", "civic", "education"};

int regio_rpp__fail(char *err, size_t errlen, int rc, const char *fmt, ...)
{
    if (err && errlen > 0) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(err, errlen, fmt, ap);
        va_end(ap);
    }
    return rc;
}

int regio_rpp__grow(void **v, int32_t *cap, int32_t n, size_t size)
{
    if (n < *cap)
        return 0;
    int32_t ncap = *cap ? *cap * 2 : 16;
    void *nv = realloc(*v, (size_t)ncap * size);
    if (!nv)
        return -ENOMEM;
    *v = nv;
    *cap = ncap;
    return 0;
}

void *regio_rpp__alloc(size_t n, size_t size)
{
    return calloc(n ? n : 1, size);
}

static int s_check_id(const char *what, const char *id, const regio_strtab_t *ids, char *err,
                      size_t errlen)
{
    if (!id || !*id)
        return regio_rpp__fail(err, errlen, REGIO_EINVALID, "%s: missing id", what);
    if (regio_strtab_find(ids, id) >= 0)
        return regio_rpp__fail(err, errlen, REGIO_EDUPLICATE, "%s %s: duplicate id", what, id);
    return 0;
}

static int s_check_latlon(const char *what, const char *id, double lat, double lon, char *err,
                          size_t errlen)
{
    if (!(lat >= -90.0 && lat <= 90.0))
        return regio_rpp__fail(err, errlen, REGIO_ERANGE, "%s %s: lat %g out of range -90..90",
                               what, id, lat);
    if (!(lon >= -180.0 && lon <= 180.0))
        return regio_rpp__fail(err, errlen, REGIO_ERANGE, "%s %s: lon %g out of range -180..180",
                               what, id, lon);
    return 0;
}

regio_rpp_weights_t regio_rpp_default_weights(void)
{
    return (regio_rpp_weights_t){.coverage = 100.0, .km = 0.5, .repeat = 500.0,
                                 .preference = 200.0};
}

regio_rpp_t *regio_rpp_new(const char *name)
{
    regio_rpp_t *r = calloc(1, sizeof *r);
    if (!r)
        return NULL;
    r->w = regio_rpp_default_weights();
    if (name && !(r->name = strdup(name)))
        goto fail;
    if (!(r->periods = calloc(REGIO_RPP_MAX_PERIODS, sizeof *r->periods)))
        goto fail;
    regio_strtab_t **tabs[] = {&r->period_ids, &r->partner_ids, &r->offering_ids,
                               &r->learner_ids, &r->goals, &r->quals, &r->schools};
    for (size_t i = 0; i < sizeof tabs / sizeof tabs[0]; i++)
        if (!(*tabs[i] = regio_strtab_new()))
            goto fail;
    return r;
fail:
    regio_rpp_destroy(&r);
    return NULL;
}

static void s_free_offering(regio_rpp_offering_t *o)
{
    free(o->form);
    free(o->goals);
    free(o->quals);
    free(o->cap);
}

static void s_free_learner(regio_rpp_learner_t *l)
{
    free(l->free);
    free(l->needs);
    free(l->preferred);
    free(l->history);
}

void regio_rpp_destroy(regio_rpp_t **self)
{
    if (!self || !*self)
        return;
    regio_rpp_t *r = *self;
    for (int32_t i = 0; i < r->n_partners; i++)
        free(r->partners[i].name);
    for (int32_t i = 0; i < r->n_offerings; i++)
        s_free_offering(&r->offerings[i]);
    for (int32_t i = 0; i < r->n_learners; i++)
        s_free_learner(&r->learners[i]);
    regio_rpp__free_decisions(r);
    free(r->partners);
    free(r->offerings);
    free(r->learners);
    free(r->periods);
    free(r->name);
    regio_strtab_destroy(&r->period_ids);
    regio_strtab_destroy(&r->partner_ids);
    regio_strtab_destroy(&r->offering_ids);
    regio_strtab_destroy(&r->learner_ids);
    regio_strtab_destroy(&r->goals);
    regio_strtab_destroy(&r->quals);
    regio_strtab_destroy(&r->schools);
    free(r);
    *self = NULL;
}

int regio_rpp_add_period(regio_rpp_t *r, const char *id, int weeks, char *err, size_t errlen)
{
    int rc = s_check_id("period", id, r->period_ids, err, errlen);
    if (rc < 0)
        return rc;
    if (r->n_offerings > 0 || r->n_learners > 0)
        return regio_rpp__fail(err, errlen, REGIO_EINVALID,
                               "period %s: periods must come before offerings and learners", id);
    if (r->n_periods >= REGIO_RPP_MAX_PERIODS)
        return regio_rpp__fail(err, errlen, REGIO_ERANGE, "period %s: more than %d periods", id,
                               REGIO_RPP_MAX_PERIODS);
    if (weeks < 1 || weeks > 53)
        return regio_rpp__fail(err, errlen, REGIO_ERANGE, "period %s: weeks %d out of range 1..53",
                               id, weeks);
    int32_t i = regio_strtab_intern(r->period_ids, id, NULL);
    if (i < 0)
        return regio_rpp__fail(err, errlen, -ENOMEM, "period %s: out of memory", id);
    r->periods[i] = (regio_rpp_period_t){.id = regio_strtab_name(r->period_ids, i),
                                         .weeks = weeks, .start = REGIO_RPP_NO_DATE};
    r->n_periods++;
    return 0;
}

int regio_rpp_add_partner(regio_rpp_t *r, const char *id, const char *name, const char *kind,
                          double lat, double lon, char *err, size_t errlen)
{
    int rc = s_check_id("partner", id, r->partner_ids, err, errlen);
    if (rc < 0)
        return rc;
    int k = kind ? regio_rpp_kind_parse(kind) : -1;
    if (k < 0)
        return regio_rpp__fail(err, errlen, REGIO_EINVALID, "partner %s: unknown kind '%s'", id,
                               kind ? kind : "(none)");
    if ((rc = s_check_latlon("partner", id, lat, lon, err, errlen)) < 0)
        return rc;
    if (regio_rpp__grow((void **)&r->partners, &r->cap_partners, r->n_partners,
                        sizeof *r->partners) < 0)
        goto fail_nomem;
    char *copy = strdup(name ? name : "");
    if (!copy)
        goto fail_nomem;
    int32_t i = regio_strtab_intern(r->partner_ids, id, NULL);
    if (i < 0) {
        free(copy);
        goto fail_nomem;
    }
    r->partners[i] = (regio_rpp_partner_t){.id = regio_strtab_name(r->partner_ids, i),
                                           .name = copy, .kind = (regio_rpp_kind_t)k,
                                           .lat = lat, .lon = lon};
    r->n_partners++;
    return 0;
fail_nomem:
    return regio_rpp__fail(err, errlen, -ENOMEM, "partner %s: out of memory", id);
}

/* Every check of an offering that needs no allocation. */
static int s_check_offering(const regio_rpp_t *r, const regio_rpp_offering_in_t *in, char *err,
                            size_t errlen)
{
    int rc = s_check_id("offering", in->id, r->offering_ids, err, errlen);
    if (rc < 0)
        return rc;
    const char *id = in->id;
    if (regio_rpp__decided(r))
        return regio_rpp__fail(err, errlen, REGIO_EINVALID, "offering %s: offerings must come "
                               "before reservations, refusals and pins", id);
    if (!in->partner || regio_strtab_find(r->partner_ids, in->partner) < 0)
        return regio_rpp__fail(err, errlen, REGIO_ENOTFOUND, "offering %s: unknown partner '%s'",
                               id, in->partner ? in->partner : "(none)");
    if ((rc = s_check_latlon("offering", id, in->lat, in->lon, err, errlen)) < 0)
        return rc;
    if (in->min_age < 0 || in->min_age > S_MAX_AGE)
        return regio_rpp__fail(err, errlen, REGIO_ERANGE,
                               "offering %s: min_age %d out of range 0..%d", id, in->min_age,
                               S_MAX_AGE);
    if (in->n_goals < 0 || in->n_quals < 0 || (in->n_goals && !in->goals) ||
        (in->n_quals && !in->quals))
        return regio_rpp__fail(err, errlen, REGIO_EINVALID,
                               "offering %s: bad goal or qualification list", id);
    for (int i = 0; i < in->n_goals; i++)
        if (!in->goals[i])
            return regio_rpp__fail(err, errlen, REGIO_EINVALID, "offering %s: goal %d missing", id,
                                   i);
    for (int i = 0; i < in->n_quals; i++)
        if (!in->quals[i])
            return regio_rpp__fail(err, errlen, REGIO_EINVALID,
                                   "offering %s: qualification %d missing", id, i);
    for (int i = 0; in->cap && i < r->n_periods * REGIO_RPP_SLOTS; i++)
        if (in->cap[i] < 0 || in->cap[i] > REGIO_RPP_MAX_SEATS)
            return regio_rpp__fail(err, errlen, REGIO_ERANGE,
                                   "offering %s: %d seats in period %s slot %d out of range 0..%d",
                                   id, in->cap[i], r->periods[i / REGIO_RPP_SLOTS].id,
                                   i % REGIO_RPP_SLOTS, REGIO_RPP_MAX_SEATS);
    return 0;
}

/* Intern n strings of tab into out; only fails with -ENOMEM. */
static int s_intern_all(regio_strtab_t *tab, const char *const *s, int n, int32_t *out)
{
    for (int i = 0; i < n; i++)
        if ((out[i] = regio_strtab_intern(tab, s[i], NULL)) < 0)
            return -ENOMEM;
    return 0;
}

int regio_rpp_add_offering(regio_rpp_t *r, const regio_rpp_offering_in_t *in, char *err,
                           size_t errlen)
{
    int rc = s_check_offering(r, in, err, errlen);
    if (rc < 0)
        return rc;
    size_t ncap = (size_t)r->n_periods * REGIO_RPP_SLOTS;
    regio_rpp_offering_t o = {.partner = regio_strtab_find(r->partner_ids, in->partner),
                              .lat = in->lat, .lon = in->lon, .n_goals = in->n_goals,
                              .n_quals = in->n_quals, .min_age = in->min_age};
    o.form = strdup(in->form ? in->form : "");
    o.goals = regio_rpp__alloc((size_t)in->n_goals, sizeof *o.goals);
    o.quals = regio_rpp__alloc((size_t)in->n_quals, sizeof *o.quals);
    o.cap = regio_rpp__alloc(ncap, sizeof *o.cap);
    if (!o.form || !o.goals || !o.quals || !o.cap)
        goto fail_nomem;
    if (in->cap && ncap)
        memcpy(o.cap, in->cap, ncap * sizeof *o.cap);
    if (regio_rpp__grow((void **)&r->offerings, &r->cap_offerings, r->n_offerings, sizeof o) < 0 ||
        s_intern_all(r->goals, in->goals, in->n_goals, o.goals) < 0 ||
        s_intern_all(r->quals, in->quals, in->n_quals, o.quals) < 0)
        goto fail_nomem;
    int32_t i = regio_strtab_intern(r->offering_ids, in->id, NULL);
    if (i < 0)
        goto fail_nomem;
    o.id = regio_strtab_name(r->offering_ids, i);
    r->offerings[i] = o;
    r->n_offerings++;
    return 0;
fail_nomem:
    s_free_offering(&o);
    return regio_rpp__fail(err, errlen, -ENOMEM, "offering %s: out of memory", in->id);
}

static int s_cmp_str(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* Find a goal listed twice in needs (sorting a copy: no quadratic scan).
 * Returns 0, REGIO_EDUPLICATE (with *dup set) or -ENOMEM. */
static int s_find_dup(const char *const *s, int n, const char **dup)
{
    const char *small[16];
    if (n < 2)
        return 0;
    const char **v = n <= 16 ? small : malloc((size_t)n * sizeof *v);
    if (!v)
        return -ENOMEM;
    memcpy(v, s, (size_t)n * sizeof *v);
    qsort(v, (size_t)n, sizeof *v, s_cmp_str);
    int rc = 0;
    for (int i = 1; i < n && rc == 0; i++)
        if (strcmp(v[i - 1], v[i]) == 0) {
            *dup = v[i]; /* the caller's string, not v's */
            rc = REGIO_EDUPLICATE;
        }
    if (v != small)
        free(v);
    return rc;
}

/* The numeric fields and period masks of a learner. */
static int s_check_learner_numbers(const regio_rpp_t *r, const regio_rpp_learner_in_t *in,
                                   char *err, size_t errlen)
{
    const char *id = in->id;
    int rc = s_check_latlon("learner", id, in->lat, in->lon, err, errlen);
    if (rc < 0)
        return rc;
    if (in->age < 0 || in->age > S_MAX_AGE)
        return regio_rpp__fail(err, errlen, REGIO_ERANGE, "learner %s: age %d out of range 0..%d",
                               id, in->age, S_MAX_AGE);
    if (!(in->max_km >= 0.0 && isfinite(in->max_km)))
        return regio_rpp__fail(err, errlen, REGIO_ERANGE, "learner %s: max_km %g is not a distance",
                               id, in->max_km);
    if (in->dagdelen < 1 || in->dagdelen > REGIO_RPP_SLOTS)
        return regio_rpp__fail(err, errlen, REGIO_ERANGE,
                               "learner %s: dagdelen %d out of range 1..10", id, in->dagdelen);
    if (r->n_periods < 32 && (in->planned >> r->n_periods) != 0)
        return regio_rpp__fail(err, errlen, REGIO_ERANGE,
                               "learner %s: planned in an unknown period", id);
    for (int p = 0; p < r->n_periods && in->free; p++) {
        if (in->free[p] & ~REGIO_RPP_ALL_SLOTS)
            return regio_rpp__fail(err, errlen, REGIO_ERANGE,
                                   "learner %s: free slot out of range 0..9 " "in period %s", id,
                                   r->periods[p].id);
        if (in->free[p] && !(in->planned >> p & 1u))
            return regio_rpp__fail(err, errlen, REGIO_EINVALID,
                                   "learner %s: free slots in period %s, " "which is not planned",
                                   id, r->periods[p].id);
    }
    return 0;
}

/* Lists of a learner: needs, preferred partners, history. */
static int s_check_learner_lists(const regio_rpp_learner_in_t *in, char *err, size_t errlen)
{
    const char *id = in->id;
    if (in->n_needs < 0 || in->n_preferred < 0 || in->n_history < 0 ||
        (in->n_needs && (!in->need_goals || !in->need_amounts)) ||
        (in->n_preferred && !in->preferred) || (in->n_history && !in->history))
        return regio_rpp__fail(err, errlen, REGIO_EINVALID, "learner %s: bad list", id);
    for (int i = 0; i < in->n_needs; i++) {
        if (!in->need_goals[i])
            return regio_rpp__fail(err, errlen, REGIO_EINVALID, "learner %s: need %d has no goal",
                                   id, i);
        if (in->need_amounts[i] < 0)
            return regio_rpp__fail(err, errlen, REGIO_ERANGE,
                                   "learner %s: need %s is negative (%d)", id, in->need_goals[i],
                                   in->need_amounts[i]);
    }
    for (int i = 0; i < in->n_preferred; i++)
        if (!in->preferred[i])
            return regio_rpp__fail(err, errlen, REGIO_EINVALID, "learner %s: preferred %d missing",
                                   id, i);
    for (int i = 0; i < in->n_history; i++)
        if (!in->history[i])
            return regio_rpp__fail(err, errlen, REGIO_EINVALID, "learner %s: history %d missing",
                                   id, i);
    const char *dup = NULL;
    int rc = s_find_dup(in->need_goals, in->n_needs, &dup);
    if (rc == REGIO_EDUPLICATE)
        return regio_rpp__fail(err, errlen, rc, "learner %s: need %s listed twice", id, dup);
    if (rc < 0)
        return regio_rpp__fail(err, errlen, rc, "learner %s: out of memory", id);
    return 0;
}

static int s_check_learner(const regio_rpp_t *r, const regio_rpp_learner_in_t *in, char *err,
                           size_t errlen)
{
    int rc = s_check_id("learner", in->id, r->learner_ids, err, errlen);
    if (rc < 0)
        return rc;
    if (regio_rpp__decided(r))
        return regio_rpp__fail(err, errlen, REGIO_EINVALID, "learner %s: learners must come "
                               "before reservations, refusals and pins", in->id);
    if (!in->school || !in->qual)
        return regio_rpp__fail(err, errlen, REGIO_EINVALID, "learner %s: missing %s", in->id,
                               in->school ? "qualification" : "school");
    if ((rc = s_check_learner_numbers(r, in, err, errlen)) < 0)
        return rc;
    return s_check_learner_lists(in, err, errlen);
}

/* Partner indexes of ids, dropping unknown ones; *n is updated. */
static void s_partner_list(const regio_rpp_t *r, const char *const *ids, int *n, int32_t *out)
{
    int m = 0;
    for (int i = 0; i < *n; i++) {
        int32_t p = regio_strtab_find(r->partner_ids, ids[i]);
        if (p >= 0)
            out[m++] = p;
    }
    *n = m;
}

/* Intern the strings of a checked learner into l; only fails with -ENOMEM. */
static int s_learner_intern(regio_rpp_t *r, const regio_rpp_learner_in_t *in,
                            regio_rpp_learner_t *l)
{
    if ((l->school = regio_strtab_intern(r->schools, in->school, NULL)) < 0 ||
        (l->qual = regio_strtab_intern(r->quals, in->qual, NULL)) < 0)
        return -ENOMEM;
    for (int i = 0; i < in->n_needs; i++) {
        l->needs[i].amount = in->need_amounts[i];
        if ((l->needs[i].goal = regio_strtab_intern(r->goals, in->need_goals[i], NULL)) < 0)
            return -ENOMEM;
    }
    return 0;
}

int regio_rpp_add_learner(regio_rpp_t *r, const regio_rpp_learner_in_t *in, char *err,
                          size_t errlen)
{
    int rc = s_check_learner(r, in, err, errlen);
    if (rc < 0)
        return rc;
    regio_rpp_learner_t l = {.age = in->age, .lat = in->lat, .lon = in->lon,
                             .max_km = in->max_km, .dagdelen = in->dagdelen,
                             .planned = in->planned, .n_needs = in->n_needs,
                             .n_preferred = in->n_preferred, .n_history = in->n_history,
                             .forbidden = -1};
    l.free = regio_rpp__alloc((size_t)r->n_periods, sizeof *l.free);
    l.needs = regio_rpp__alloc((size_t)in->n_needs, sizeof *l.needs);
    l.preferred = regio_rpp__alloc((size_t)in->n_preferred, sizeof *l.preferred);
    l.history = regio_rpp__alloc((size_t)in->n_history, sizeof *l.history);
    if (!l.free || !l.needs || !l.preferred || !l.history)
        goto fail_nomem;
    if (in->free && r->n_periods)
        memcpy(l.free, in->free, (size_t)r->n_periods * sizeof *l.free);
    s_partner_list(r, in->preferred, &l.n_preferred, l.preferred);
    s_partner_list(r, in->history, &l.n_history, l.history);
    if (regio_rpp__grow((void **)&r->learners, &r->cap_learners, r->n_learners, sizeof l) < 0 ||
        s_learner_intern(r, in, &l) < 0)
        goto fail_nomem;
    int32_t i = regio_strtab_intern(r->learner_ids, in->id, NULL);
    if (i < 0)
        goto fail_nomem;
    l.id = regio_strtab_name(r->learner_ids, i);
    r->learners[i] = l;
    r->n_learners++;
    return 0;
fail_nomem:
    s_free_learner(&l);
    return regio_rpp__fail(err, errlen, -ENOMEM, "learner %s: out of memory", in->id);
}

const char *regio_rpp_kind_name(int kind)
{
    return kind >= 0 && kind < REGIO_RPP_KIND_COUNT ? s_kinds[kind] : NULL;
}

int regio_rpp_kind_parse(const char *s)
{
    for (int k = 0; s && k < REGIO_RPP_KIND_COUNT; k++)
        if (strcmp(s, s_kinds[k]) == 0)
            return k;
    return -1;
}

/* Python's x ** 2 is libm's pow(|x|, 2.0), which is not always x * x; the
 * volatile exponent keeps the compiler from folding pow into a product. */
static double s_square(double x)
{
    static volatile double two = 2.0;
    return pow(fabs(x), two);
}

double regio_rpp_dist_km(double lat1, double lon1, double lat2, double lon2)
{
    /* Term by term as rpp_check.py, so both give the same bits. */
    const double rad = M_PI / 180.0;
    double p1 = lat1 * rad, p2 = lat2 * rad;
    double dp = p2 - p1;
    double dl = (lon2 - lon1) * rad;
    double a = s_square(sin(dp / 2)) + cos(p1) * cos(p2) * s_square(sin(dl / 2));
    return 2 * 6371.0 * asin(sqrt(a < 1.0 ? a : 1.0));
}

/* Whether O accepts qualification qual (an empty list accepts every one). */
static int s_accepts(const regio_rpp_offering_t *O, int32_t qual)
{
    int ok = O->n_quals == 0;
    for (int i = 0; i < O->n_quals && !ok; i++)
        ok = O->quals[i] == qual;
    return ok;
}

int regio_rpp_qualified(const regio_rpp_t *r, int32_t l, int32_t o)
{
    const regio_rpp_learner_t *L = &r->learners[l];
    const regio_rpp_offering_t *O = &r->offerings[o];
    return s_accepts(O, L->qual) && L->age >= O->min_age;
}

int regio_rpp_within(const regio_rpp_t *r, int32_t l, double km)
{
    return km <= r->learners[l].max_km + 1e-6;
}

int regio_rpp_eligible(const regio_rpp_t *r, int32_t l, int32_t o)
{
    const regio_rpp_learner_t *L = &r->learners[l];
    const regio_rpp_offering_t *O = &r->offerings[o];
    return regio_rpp_qualified(r, l, o) &&
           regio_rpp_within(r, l, regio_rpp_dist_km(L->lat, L->lon, O->lat, O->lon));
}

const char *regio_rpp_slot_list(uint16_t m, char *buf, size_t len)
{
    size_t n = (size_t)snprintf(buf, len, "[");
    for (int t = 0; t < 16 && n < len; t++)
        if (m >> t & 1u)
            n += (size_t)snprintf(buf + n, len - n, n > 1 ? ", %d" : "%d", t);
    if (n < len)
        snprintf(buf + n, len - n, "]");
    return buf;
}

/* Format one broken rule and hand it to why; returns 1 (one more broken). */
static int s_why(regio_rpp_why_cb why, void *arg, const char *fmt, ...)
{
    char buf[160];
    va_list ap;
    if (!why)
        return 1;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    why(arg, buf);
    return 1;
}

int regio_rpp_check_placement(const regio_rpp_t *r, const regio_rpp_placement_t *pl,
                              regio_rpp_why_cb why, void *arg)
{
    const regio_rpp_learner_t *L = &r->learners[pl->learner];
    const regio_rpp_offering_t *O = &r->offerings[pl->offering];
    int n = 0;
    if (!(L->planned >> pl->period & 1u)) {
        s_why(why, arg, "learner is not planned in this period");
        return -1;
    }
    if (__builtin_popcount(pl->slots) != L->dagdelen) {
        char got[80];
        n += s_why(why, arg, "needs exactly %d distinct slots, got %s", L->dagdelen,
                   regio_rpp_slot_list(pl->slots, got, sizeof got));
    }
    if (pl->slots & ~L->free[pl->period])
        n += s_why(why, arg, "slot outside the learner's free slots");
    if (!s_accepts(O, L->qual))
        n += s_why(why, arg, "qualification %s not accepted", regio_strtab_name(r->quals, L->qual));
    if (L->age < O->min_age)
        n += s_why(why, arg, "learner too young (%d < %d)", L->age, O->min_age);
    double d = regio_rpp_dist_km(L->lat, L->lon, O->lat, O->lon);
    if (!regio_rpp_within(r, pl->learner, d))
        n += s_why(why, arg, "%.3f km > max_km %g", d, L->max_km);
    if (regio_rpp_forbidden(r, pl->learner, pl->offering))
        n += s_why(why, arg, "this pairing is forbidden");
    return n;
}

/* Copying --------------------------------------------------------------- */

/* A table with the same names at the same indexes. */
static regio_strtab_t *s_clone_tab(const regio_strtab_t *src)
{
    regio_strtab_t *t = regio_strtab_new();
    for (int32_t i = 0; t && i < regio_strtab_count(src); i++)
        if (regio_strtab_intern(t, regio_strtab_name(src, i), NULL) < 0)
            regio_strtab_destroy(&t);
    return t;
}

void *regio_rpp__dup(const void *src, size_t n, size_t size)
{
    void *p = regio_rpp__alloc(n, size);
    if (p && n)
        memcpy(p, src, n * size);
    return p;
}

static int s_clone_tabs(regio_rpp_t *c, const regio_rpp_t *r)
{
    regio_strtab_t **dst[] = {&c->period_ids, &c->partner_ids, &c->offering_ids,
                              &c->learner_ids, &c->goals, &c->quals, &c->schools};
    const regio_strtab_t *src[] = {r->period_ids, r->partner_ids, r->offering_ids,
                                   r->learner_ids, r->goals, r->quals, r->schools};
    for (size_t i = 0; i < sizeof src / sizeof src[0]; i++) {
        regio_strtab_destroy(dst[i]);
        if (!(*dst[i] = s_clone_tab(src[i])))
            return -ENOMEM;
    }
    for (int p = 0; p < r->n_periods; p++)
        c->periods[p] = (regio_rpp_period_t){.id = regio_strtab_name(c->period_ids, p),
                                             .weeks = r->periods[p].weeks,
                                             .start = r->periods[p].start};
    c->n_periods = r->n_periods;
    return 0;
}

/* Entities are copied into calloc'ed arrays and counted up front, so that
 * destroying a half-made copy frees exactly what was copied. */
static int s_clone_partners(regio_rpp_t *c, const regio_rpp_t *r)
{
    if (!(c->partners = regio_rpp__alloc((size_t)r->n_partners, sizeof *c->partners)))
        return -ENOMEM;
    c->n_partners = c->cap_partners = r->n_partners;
    for (int32_t i = 0; i < r->n_partners; i++) {
        c->partners[i] = r->partners[i];
        c->partners[i].id = regio_strtab_name(c->partner_ids, i);
        if (!(c->partners[i].name = strdup(r->partners[i].name)))
            return -ENOMEM;
    }
    return 0;
}

static int s_clone_offerings(regio_rpp_t *c, const regio_rpp_t *r)
{
    if (!(c->offerings = regio_rpp__alloc((size_t)r->n_offerings, sizeof *c->offerings)))
        return -ENOMEM;
    c->n_offerings = c->cap_offerings = r->n_offerings;
    size_t ncap = (size_t)r->n_periods * REGIO_RPP_SLOTS;
    for (int32_t i = 0; i < r->n_offerings; i++) {
        const regio_rpp_offering_t *s = &r->offerings[i];
        regio_rpp_offering_t *o = &c->offerings[i];
        *o = *s;
        o->id = regio_strtab_name(c->offering_ids, i);
        o->form = strdup(s->form);
        o->goals = regio_rpp__dup(s->goals, (size_t)s->n_goals, sizeof *s->goals);
        o->quals = regio_rpp__dup(s->quals, (size_t)s->n_quals, sizeof *s->quals);
        o->cap = regio_rpp__dup(s->cap, ncap, sizeof *s->cap);
        if (!o->form || !o->goals || !o->quals || !o->cap)
            return -ENOMEM;
    }
    return 0;
}

static int s_clone_learners(regio_rpp_t *c, const regio_rpp_t *r)
{
    if (!(c->learners = regio_rpp__alloc((size_t)r->n_learners, sizeof *c->learners)))
        return -ENOMEM;
    c->n_learners = c->cap_learners = r->n_learners;
    for (int32_t i = 0; i < r->n_learners; i++) {
        const regio_rpp_learner_t *s = &r->learners[i];
        regio_rpp_learner_t *l = &c->learners[i];
        *l = *s;
        l->id = regio_strtab_name(c->learner_ids, i);
        l->free = regio_rpp__dup(s->free, (size_t)r->n_periods, sizeof *s->free);
        l->needs = regio_rpp__dup(s->needs, (size_t)s->n_needs, sizeof *s->needs);
        l->preferred = regio_rpp__dup(s->preferred, (size_t)s->n_preferred, sizeof *s->preferred);
        l->history = regio_rpp__dup(s->history, (size_t)s->n_history, sizeof *s->history);
        if (!l->free || !l->needs || !l->preferred || !l->history)
            return -ENOMEM;
    }
    return 0;
}

regio_rpp_t *regio_rpp_clone(const regio_rpp_t *r)
{
    regio_rpp_t *c = regio_rpp_new(r->name);
    if (!c)
        return NULL;
    c->w = r->w;
    if (s_clone_tabs(c, r) < 0 || s_clone_partners(c, r) < 0 || s_clone_offerings(c, r) < 0 ||
        s_clone_learners(c, r) < 0 || regio_rpp__clone_decisions(c, r) < 0)
        regio_rpp_destroy(&c);
    return c;
}

/* Solutions ------------------------------------------------------------- */

void regio_rpp_sol_init(regio_rpp_sol_t *s)
{
    *s = (regio_rpp_sol_t){0};
}

void regio_rpp_sol_free(regio_rpp_sol_t *s)
{
    free(s->v);
    regio_rpp_sol_init(s);
}

int regio_rpp_sol_add(regio_rpp_sol_t *s, int32_t learner, int16_t period, int32_t offering,
                      uint16_t slots)
{
    if (regio_rpp__grow((void **)&s->v, &s->cap, s->n, sizeof *s->v) < 0)
        return -ENOMEM;
    s->v[s->n++] = (regio_rpp_placement_t){.learner = learner, .offering = offering,
                                           .period = period, .slots = slots};
    return 0;
}

int regio_rpp_sol_copy(regio_rpp_sol_t *dst, const regio_rpp_sol_t *src)
{
    if (dst == src)
        return 0;
    regio_rpp_sol_free(dst);
    if (src->n == 0)
        return 0;
    if (!(dst->v = regio_rpp__dup(src->v, (size_t)src->n, sizeof *src->v)))
        return -ENOMEM;
    dst->n = dst->cap = src->n;
    return 0;
}

/* By learner, period, then offering and slots: placements that compare
 * equal are identical, so the order is canonical without a stable sort. */
static int s_cmp_placement(const void *a, const void *b)
{
    const regio_rpp_placement_t *x = a, *y = b;
    if (x->learner != y->learner)
        return x->learner < y->learner ? -1 : 1;
    if (x->period != y->period)
        return x->period < y->period ? -1 : 1;
    if (x->offering != y->offering)
        return x->offering < y->offering ? -1 : 1;
    return (x->slots > y->slots) - (x->slots < y->slots);
}

void regio_rpp_sol_sort(regio_rpp_sol_t *s)
{
    if (s->n > 1)
        qsort(s->v, (size_t)s->n, sizeof *s->v, s_cmp_placement);
}

/* Changes --------------------------------------------------------------- */

static int s_check_change(const regio_rpp_t *r, const regio_rpp_change_t *c, char *err,
                          size_t errlen)
{
    for (int i = 0; i < c->n_cap; i++) {
        int32_t o = c->cap_offering[i];
        int p = c->cap_period[i];
        if (o < 0 || o >= r->n_offerings || p < 0 || p >= r->n_periods)
            return regio_rpp__fail(err, errlen, REGIO_ENOTFOUND, "change: capacity row %d: unknown "
                                   "offering or period", i);
        if (c->pinned >> p & 1u)
            return regio_rpp__fail(err, errlen, REGIO_EINVALID,
                                   "change: capacity row %d: offering %s " "period %s is pinned", i,
                                   r->offerings[o].id, r->periods[p].id);
        for (int t = 0; t < REGIO_RPP_SLOTS; t++) {
            int32_t seats = c->cap_seats[i * REGIO_RPP_SLOTS + t];
            if (seats < 0 || seats > REGIO_RPP_MAX_SEATS)
                return regio_rpp__fail(err, errlen, REGIO_ERANGE,
                                       "change: capacity row %d: %d seats " "out of range 0..%d", i,
                                       seats, REGIO_RPP_MAX_SEATS);
        }
    }
    for (int i = 0; i < c->n_withdrawn; i++)
        if (c->withdrawn[i] < 0 || c->withdrawn[i] >= r->n_offerings)
            return regio_rpp__fail(err, errlen, REGIO_ENOTFOUND,
                                   "change: withdrawn offering %d unknown", i);
    return 0;
}

/* Capacity rows and withdrawals of c, into r. */
static void s_apply(regio_rpp_t *r, const regio_rpp_change_t *c)
{
    for (int i = 0; i < c->n_cap; i++) {
        int32_t *row = r->offerings[c->cap_offering[i]].cap + c->cap_period[i] * REGIO_RPP_SLOTS;
        memcpy(row, c->cap_seats + i * REGIO_RPP_SLOTS, REGIO_RPP_SLOTS * sizeof *row);
    }
    for (int i = 0; i < c->n_withdrawn; i++) {
        int32_t *cap = r->offerings[c->withdrawn[i]].cap;
        for (int p = 0; p < r->n_periods; p++)
            if (!(c->pinned >> p & 1u))
                memset(cap + p * REGIO_RPP_SLOTS, 0, REGIO_RPP_SLOTS * sizeof *cap);
    }
}

/* Every offering's seats, or (with back) put them back; 0 or -ENOMEM. */
static int s_caps(regio_rpp_t *r, int32_t **saved, int back)
{
    size_t n = (size_t)r->n_periods * REGIO_RPP_SLOTS;
    if (!back && !(*saved = regio_rpp__alloc((size_t)r->n_offerings * n, sizeof **saved)))
        return -ENOMEM;
    for (int32_t o = 0; o < r->n_offerings; o++)
        memcpy(back ? r->offerings[o].cap : *saved + o * n, back ? *saved + o * n :
               r->offerings[o].cap, n * sizeof **saved);
    return 0;
}

int regio_rpp_change_apply(regio_rpp_t *r, const regio_rpp_change_t *c, char *err, size_t errlen)
{
    int32_t *saved = NULL;
    int rc = s_check_change(r, c, err, errlen);
    if (rc < 0)
        return rc;
    if (regio_rpp__decided(r) && s_caps(r, &saved, 0) < 0)
        return regio_rpp__fail(err, errlen, -ENOMEM, "change: out of memory");
    s_apply(r, c);
    if (saved && (rc = regio_rpp__check_seats(r, err, errlen)) < 0) {
        s_caps(r, &saved, 1);
        regio_rpp__check_seats(r, NULL, 0); /* the pins' seats as they were */
    }
    free(saved);
    return rc;
}

void regio_rpp_change_free(regio_rpp_change_t *c)
{
    free(c->cap_offering);
    free(c->cap_period);
    free(c->cap_seats);
    free(c->withdrawn);
    *c = (regio_rpp_change_t){0};
}
