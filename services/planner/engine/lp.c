/* lp - rpp-1 as an exact MIP in CPLEX LP format, and CBC's answer back. */
#include "lp.h"

#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "cand.h"
#include "regio/error.h"
#include "slots.h"

/* A writer that wraps long expressions (LP readers limit line length). */
typedef struct {
    FILE *f;
    int terms; /* terms on the current line */
} s_out_t;

static void s_term(s_out_t *o, double coef, const char *fmt, ...)
{
    va_list ap;
    if (o->terms && o->terms % 8 == 0)
        fputs("\n   ", o->f);
    fprintf(o->f, coef < 0 ? " - %.12g " : " + %.12g ", coef < 0 ? -coef : coef);
    va_start(ap, fmt);
    vfprintf(o->f, fmt, ap);
    va_end(ap);
    o->terms++;
}

static void s_row(s_out_t *o, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fputc(' ', o->f);
    vfprintf(o->f, fmt, ap);
    va_end(ap);
    fputc(':', o->f);
    o->terms = 0;
}

/* Slots of candidate cd that learner l may use in period p (where a pin
 * decides: the pin's slots at its offering, nothing elsewhere). */
static uint32_t s_usable(const regio_rpp_t *r, int32_t l, int p, const regio_cand_t *cd)
{
    const regio_rpp_learner_t *L = &r->learners[l];
    if (!(L->planned >> p & 1u))
        return 0;
    if (L->pins >> p & 1u) {
        const regio_rpp_placement_t *pin = &r->pins[r->pin_at[(int64_t)l * r->n_periods + p]];
        return pin->offering == cd->offering ? pin->slots : 0;
    }
    uint32_t m = 0;
    for (int t = 0; t < REGIO_RPP_SLOTS; t++)
        if ((L->free[p] >> t & 1u) && regio_rpp_cap(r, cd->offering, p, t) > 0)
            m |= 1u << t;
    return __builtin_popcount(m) >= L->dagdelen ? m : 0;
}

/* Credit per placement-dagdeel of candidate cd towards learner need i. */
static int s_mult(const regio_rpp_t *r, int32_t l, int i, const regio_cand_t *cd)
{
    const regio_rpp_offering_t *O = &r->offerings[cd->offering];
    int n = 0;
    for (int j = 0; j < O->n_goals; j++)
        n += O->goals[j] == r->learners[l].needs[i].goal;
    return n;
}

/* One learner's usable slots per (period, candidate): m[p*nc + k]. */
typedef struct {
    int32_t l;
    int64_t nc;
    const regio_cand_t *cd; /* the learner's candidates */
    uint32_t *m;
    int rc;                 /* -ENOMEM once an allocation failed */
} s_lrn_t;

static int s_lrn(const regio_rpp_t *r, const regio_cands_t *c, int32_t l, s_lrn_t *x)
{
    x->l = l;
    x->nc = c->start[l + 1] - c->start[l];
    x->cd = c->v + c->start[l];
    free(x->m);
    x->m = malloc((size_t)(x->nc * r->n_periods + 1) * sizeof *x->m);
    if (!x->m)
        return x->rc = -ENOMEM;
    for (int p = 0; p < r->n_periods; p++)
        for (int64_t k = 0; k < x->nc; k++)
            x->m[p * x->nc + k] = s_usable(r, l, p, &x->cd[k]);
    return 0;
}

/* Whether partner q (not in the history) is usable in period p by x. */
static int s_partner_in(const regio_rpp_t *r, const s_lrn_t *x, int32_t q, int p)
{
    for (int64_t k = 0; k < x->nc; k++)
        if (x->cd[k].partner == q && x->m[p * x->nc + k])
            return 1;
    return 0;
}

/* Call fn for each partner of x's candidates (once each) outside the history. */
static void s_each_partner(const regio_rpp_t *r, const s_lrn_t *x, s_out_t *o,
                           void (*fn)(const regio_rpp_t *, const s_lrn_t *, s_out_t *, int32_t))
{
    for (int64_t k = 0; k < x->nc; k++) {
        int first = !(x->cd[k].flags & REGIO_CAND_HISTORY);
        for (int64_t j = 0; j < k && first; j++)
            first = x->cd[j].partner != x->cd[k].partner;
        if (first)
            fn(r, x, o, x->cd[k].partner);
    }
}

static void s_obj_repeats(const regio_rpp_t *r, const s_lrn_t *x, s_out_t *o, int32_t q)
{
    int before = 0;
    for (int p = 0; p < r->n_periods; p++) {
        if (!s_partner_in(r, x, q, p))
            continue;
        if (before)
            s_term(o, -r->w.repeat, "r_%d_%d_%d", x->l, p, q);
        before = 1;
    }
}

static void s_objective(const regio_rpp_t *r, const regio_cands_t *c, s_lrn_t *x, s_out_t *o)
{
    for (int32_t l = 0; l < r->n_learners; l++) {
        const regio_rpp_learner_t *L = &r->learners[l];
        for (int i = 0; i < L->n_needs; i++)
            if (L->needs[i].amount > 0)
                s_term(o, r->w.coverage, "c_%d_%d", l, i);
        if (s_lrn(r, c, l, x) < 0)
            return;
        for (int p = 0; p < r->n_periods; p++)
            for (int64_t k = 0; k < x->nc; k++) {
                uint32_t m = x->m[p * x->nc + k];
                const regio_cand_t *cd = &x->cd[k];
                if (!m)
                    continue;
                double a = ((cd->flags & REGIO_CAND_PREFERRED) ? r->w.preference : 0) -
                           ((cd->flags & REGIO_CAND_HISTORY) ? r->w.repeat : 0);
                if (a != 0)
                    s_term(o, a, "x_%d_%d_%d", l, p, (int)k);
                for (int d = 0; d < REGIO_RPP_SLOTS / 2; d++)
                    if (m >> (2 * d) & 3u)
                        s_term(o, -r->w.km * cd->trip * r->periods[p].weeks, "z_%d_%d_%d_%d", l, p,
                               (int)k, d);
            }
        s_each_partner(r, x, o, s_obj_repeats);
    }
}

static void s_rows_repeats(const regio_rpp_t *r, const s_lrn_t *x, s_out_t *o, int32_t q)
{
    for (int p = 0; p < r->n_periods; p++) {
        if (!s_partner_in(r, x, q, p))
            continue;
        for (int e = 0; e < p; e++) {
            if (!s_partner_in(r, x, q, e))
                continue;
            s_row(o, "rep_%d_%d_%d_%d", x->l, p, q, e);
            s_term(o, 1, "r_%d_%d_%d", x->l, p, q);
            for (int64_t k = 0; k < x->nc; k++)
                for (int pp = e; pp <= p; pp += p - e)
                    if (x->cd[k].partner == q && x->m[pp * x->nc + k])
                        s_term(o, -1, "x_%d_%d_%d", x->l, pp, (int)k);
            fputs(" >= -1\n", o->f);
        }
    }
}

static void s_rows_learner(const regio_rpp_t *r, const s_lrn_t *x, s_out_t *o)
{
    const regio_rpp_learner_t *L = &r->learners[x->l];
    int32_t l = x->l;
    for (int p = 0; p < r->n_periods; p++) {
        int any = 0;
        for (int64_t k = 0; k < x->nc; k++) {
            uint32_t m = x->m[p * x->nc + k];
            if (!m)
                continue;
            if (!any++)
                s_row(o, "one_%d_%d", l, p);
            s_term(o, 1, "x_%d_%d_%d", l, p, (int)k);
        }
        if (any)
            fputs((L->pins >> p & 1u) ? " = 1\n" : " <= 1\n", o->f); /* a pin is placed */
        for (int64_t k = 0; k < x->nc; k++) {
            uint32_t m = x->m[p * x->nc + k];
            if (!m)
                continue;
            s_row(o, "cnt_%d_%d_%d", l, p, (int)k);
            for (int t = 0; t < REGIO_RPP_SLOTS; t++)
                if (m >> t & 1u)
                    s_term(o, 1, "y_%d_%d_%d_%d", l, p, (int)k, t);
            s_term(o, -L->dagdelen, "x_%d_%d_%d", l, p, (int)k);
            fputs(" = 0\n", o->f);
            for (int t = 0; t < REGIO_RPP_SLOTS; t++)
                if (m >> t & 1u)
                    fprintf(o->f, " day_%d_%d_%d_%d: y_%d_%d_%d_%d - z_%d_%d_%d_%d <= 0\n", l, p,
                            (int)k, t, l, p, (int)k, t, l, p, (int)k, t / 2);
        }
    }
    for (int i = 0; i < L->n_needs; i++) {
        if (L->needs[i].amount <= 0)
            continue;
        s_row(o, "cov_%d_%d", l, i);
        s_term(o, 1, "c_%d_%d", l, i);
        for (int p = 0; p < r->n_periods; p++)
            for (int64_t k = 0; k < x->nc; k++) {
                int mult = x->m[p * x->nc + k] ? s_mult(r, l, i, &x->cd[k]) : 0;
                if (mult)
                    s_term(o, -(double)mult * r->periods[p].weeks * L->dagdelen, "x_%d_%d_%d", l,
                           p, (int)k);
            }
        fputs(" <= 0\n", o->f);
    }
    s_each_partner(r, x, o, s_rows_repeats);
}

static void s_rows_seats(const regio_rpp_t *r, const regio_cands_t *c, s_out_t *o)
{
    for (int32_t off = 0; off < r->n_offerings; off++)
        for (int p = 0; p < r->n_periods; p++)
            for (int t = 0; t < REGIO_RPP_SLOTS; t++) {
                int any = 0;
                for (int64_t i = c->inv_start[off]; i < c->inv_start[off + 1]; i++) {
                    int32_t l = c->inv[i], k = regio_cands_find(c, l, off);
                    if (!(s_usable(r, l, p, &c->v[c->start[l] + k]) >> t & 1u))
                        continue;
                    if (!any++)
                        s_row(o, "cap_%d_%d_%d", off, p, t);
                    s_term(o, 1, "y_%d_%d_%d_%d", l, p, (int)k, t);
                }
                if (any)
                    fprintf(o->f, " <= %d\n", (int)regio_rpp_cap(r, off, p, t));
            }
}

/* Learners of school s (-1: of every school without seats held at (o, p, t))
 * on slot t at (o, p), as terms. */
static int s_held_terms(const regio_rpp_t *r, const regio_cands_t *c, s_out_t *o, int32_t off,
                        int p, int t, int32_t s)
{
    int any = 0;
    for (int64_t i = c->inv_start[off]; i < c->inv_start[off + 1]; i++) {
        int32_t l = c->inv[i], k = regio_cands_find(c, l, off);
        int32_t j = regio_rpp_reservation_find(r, off, p, r->learners[l].school);
        int held = j >= 0 && r->res[j].seats[t] > 0;
        if ((s >= 0 ? r->learners[l].school != s : held) ||
            !(s_usable(r, l, p, &c->v[c->start[l] + k]) >> t & 1u))
            continue;
        s_term(o, 1, "y_%d_%d_%d_%d", l, p, (int)k, t);
        any = 1;
    }
    return any;
}

/* rpp-2's reservation rule where seats are held: per school holding seats
 * (reservation j), its learners beyond R use h_j_t open seats; everyone
 * else and every overflow share the open ones (the seats less all held). */
static void s_rows_held(const regio_rpp_t *r, const regio_cands_t *c, s_out_t *o)
{
    for (int32_t off = 0; r->res_first && off < r->n_offerings; off++)
        for (int p = 0; p < r->n_periods; p++)
            for (int t = 0; t < REGIO_RPP_SLOTS; t++) {
                int32_t first = r->res_first[(int64_t)off * r->n_periods + p], held = 0;
                for (int32_t j = first; j >= 0; j = r->res[j].next) {
                    if (r->res[j].seats[t] <= 0)
                        continue;
                    held += r->res[j].seats[t];
                    s_row(o, "held_%d_%d", (int)j, t);
                    s_held_terms(r, c, o, off, p, t, r->res[j].school);
                    s_term(o, -1, "h_%d_%d", (int)j, t);
                    fprintf(o->f, " <= %d\n", (int)r->res[j].seats[t]);
                }
                if (!held)
                    continue;
                s_row(o, "open_%d_%d_%d", off, p, t);
                s_held_terms(r, c, o, off, p, t, -1);
                for (int32_t j = first; j >= 0; j = r->res[j].next)
                    if (r->res[j].seats[t] > 0)
                        s_term(o, 1, "h_%d_%d", (int)j, t);
                fprintf(o->f, " <= %d\n", (int)(regio_rpp_cap(r, off, p, t) - held));
            }
}

static void s_bounds_vars(const regio_rpp_t *r, const regio_cands_t *c, s_lrn_t *x, FILE *f,
                          int binaries)
{
    for (int32_t l = 0; l < r->n_learners; l++) {
        const regio_rpp_learner_t *L = &r->learners[l];
        if (!binaries)
            for (int i = 0; i < L->n_needs; i++)
                if (L->needs[i].amount > 0)
                    fprintf(f, " 0 <= c_%d_%d <= %d\n", l, i, L->needs[i].amount);
        if (!binaries || s_lrn(r, c, l, x) < 0)
            continue;
        for (int p = 0; p < r->n_periods; p++)
            for (int64_t k = 0; k < x->nc; k++) {
                uint32_t m = x->m[p * x->nc + k];
                if (!m)
                    continue;
                fprintf(f, " x_%d_%d_%d\n", l, p, (int)k);
                for (int t = 0; t < REGIO_RPP_SLOTS; t++)
                    if (m >> t & 1u)
                        fprintf(f, " y_%d_%d_%d_%d\n", l, p, (int)k, t);
                for (int d = 0; d < REGIO_RPP_SLOTS / 2; d++)
                    if (m >> (2 * d) & 3u)
                        fprintf(f, " z_%d_%d_%d_%d\n", l, p, (int)k, d);
            }
    }
}

int regio_lp_write(const regio_rpp_t *r, FILE *f)
{
    regio_cands_t c;
    s_lrn_t x = {0};
    s_out_t o = {.f = f};
    int rc = regio_cands_build(r, NULL, 1, &c);
    if (rc < 0)
        return rc;
    fprintf(f, "\\ %s instance %s: exact model written by regio-planner --export-lp\n",
            regio_rpp_is_v2(r) ? "rpp-2" : "rpp-1", r->name ? r->name : "");
    fputs("Maximize\n obj:", f);
    s_objective(r, &c, &x, &o);
    fputs(" + 0 c_dummy\nSubject To\n", f);
    for (int32_t l = 0; l < r->n_learners && rc == 0; l++)
        if ((rc = s_lrn(r, &c, l, &x)) == 0)
            s_rows_learner(r, &x, &o);
    s_rows_seats(r, &c, &o);
    s_rows_held(r, &c, &o);
    fputs("Bounds\n 0 <= c_dummy <= 0\n", f);
    s_bounds_vars(r, &c, &x, f, 0);
    fputs("Binaries\n", f);
    s_bounds_vars(r, &c, &x, f, 1);
    fputs("End\n", f);
    free(x.m);
    regio_cands_free(&c);
    if (rc == 0)
        rc = x.rc;
    return rc < 0 ? rc : ferror(f) ? -EIO : 0;
}

/* One "x_l_p_k" or "y_l_p_k_t" line of a CBC solution, at value >= 0.5. */
static int s_read_var(const regio_rpp_t *r, const regio_cands_t *c, const char *name,
                      uint16_t *slots, int32_t *cand)
{
    int l, p, k, t;
    if (sscanf(name, "y_%d_%d_%d_%d", &l, &p, &k, &t) == 4) {
        if (l < 0 || l >= r->n_learners || p < 0 || p >= r->n_periods || t < 0 ||
            t >= REGIO_RPP_SLOTS || k < 0 || k >= c->start[l + 1] - c->start[l])
            return -1;
        slots[(int64_t)l * r->n_periods + p] |= (uint16_t)(1u << t);
    } else if (sscanf(name, "x_%d_%d_%d", &l, &p, &k) == 3) {
        if (l < 0 || l >= r->n_learners || p < 0 || p >= r->n_periods || k < 0 ||
            k >= c->start[l + 1] - c->start[l])
            return -1;
        cand[(int64_t)l * r->n_periods + p] = k;
    }
    return 0;
}

static int s_read_lines(const regio_rpp_t *r, const regio_cands_t *c, FILE *f, uint16_t *slots,
                        int32_t *cand, char *err, size_t errlen)
{
    char line[512], name[256];
    int first = 1;
    while (fgets(line, sizeof line, f)) {
        double v;
        long idx;
        if (first) {
            first = 0;
            if (!strstr(line, "objective value")) {
                snprintf(err, errlen, "no solution in CBC's answer: %.100s", line);
                return REGIO_EPARSE;
            }
            continue;
        }
        const char *s = line;
        if (*s == '*' || *s == ' ')
            while (*s == '*' || *s == ' ')
                s++;
        if (sscanf(s, "%ld %255s %lf", &idx, name, &v) != 3) {
            snprintf(err, errlen, "unreadable line: %.100s", line);
            return REGIO_EPARSE;
        }
        if (v >= 0.5 && s_read_var(r, c, name, slots, cand) < 0) {
            snprintf(err, errlen, "variable %s is not of this instance's model", name);
            return REGIO_EPARSE;
        }
    }
    if (first) {
        snprintf(err, errlen, "empty file");
        return REGIO_EPARSE;
    }
    return 0;
}

int regio_lp_read_cbc(const regio_rpp_t *r, const char *path, regio_rpp_sol_t *sol, char *err,
                      size_t errlen)
{
    regio_cands_t c;
    size_t lp = (size_t)r->n_learners * r->n_periods;
    FILE *f = fopen(path, "r");
    if (!f)
        return -errno;
    int rc = regio_cands_build(r, NULL, 1, &c);
    uint16_t *slots = calloc(lp ? lp : 1, sizeof *slots);
    int32_t *cand = malloc((lp ? lp : 1) * sizeof *cand);
    if (rc < 0 || !slots || !cand) {
        rc = rc < 0 ? rc : -ENOMEM;
        goto done;
    }
    for (size_t i = 0; i < lp; i++)
        cand[i] = -1;
    if ((rc = s_read_lines(r, &c, f, slots, cand, err, errlen)) < 0)
        goto done;
    for (int32_t l = 0; l < r->n_learners && rc == 0; l++)
        for (int p = 0; p < r->n_periods && rc == 0; p++) {
            int32_t k = cand[(int64_t)l * r->n_periods + p];
            if (k >= 0)
                rc = regio_rpp_sol_add(sol, l, (int16_t)p, c.v[c.start[l] + k].offering,
                                       slots[(int64_t)l * r->n_periods + p]);
        }
done:
    fclose(f);
    free(slots);
    free(cand);
    regio_cands_free(&c);
    return rc;
}
