/* rpp_decisions - rpp-2's decisions in the model: reservations, refusals and
 * pins, and the seats they leave (see rpp.h). Period dates: rpp_date.c. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "regio/error.h"
#include "regio/rpp.h"
#include "rpp_int.h"

/* Reservations ------------------------------------------------------------ */

int regio_rpp__decided(const regio_rpp_t *r)
{
    return r->res_first != NULL || r->n_forbidden > 0 || r->n_pins > 0;
}

int32_t regio_rpp_reservation_find(const regio_rpp_t *r, int32_t o, int p, int32_t school)
{
    int32_t i = r->res_first ? r->res_first[(int64_t)o * r->n_periods + p] : -1;
    while (i >= 0 && r->res[i].school != school)
        i = r->res[i].next;
    return i;
}

int32_t regio_rpp_held(const regio_rpp_t *r, int32_t o, int p, int t)
{
    int32_t n = 0;
    for (int32_t i = r->res_first ? r->res_first[(int64_t)o * r->n_periods + p] : -1; i >= 0;
         i = r->res[i].next)
        n += r->res[i].seats[t];
    return n;
}

/* Ids of a reservation to indexes, and its seats checked. */
static int s_check_reservation(const regio_rpp_t *r, const char *offering, const char *period,
                               const char *school, const int32_t *seats, int32_t *o, int32_t *p,
                               char *err, size_t errlen)
{
    const char *oid = offering ? offering : "(none)";
    *o = *p = -1;
    if (r->n_pins > 0)
        return regio_rpp__fail(err, errlen, REGIO_EINVALID, "reservation of offering %s: "
                               "reservations must come before pins", oid);
    if ((*o = offering ? regio_strtab_find(r->offering_ids, offering) : -1) < 0 ||
        (*p = period ? regio_strtab_find(r->period_ids, period) : -1) < 0)
        return regio_rpp__fail(err, errlen, REGIO_ENOTFOUND, "reservation of offering %s: "
                               "unknown offering or period", oid);
    if (!school)
        return regio_rpp__fail(err, errlen, REGIO_EINVALID, "reservation of offering %s period "
                               "%s: no school", oid, period);
    for (int t = 0; t < REGIO_RPP_SLOTS; t++) {
        if (seats[t] < 0)
            return regio_rpp__fail(err, errlen, REGIO_EINVALID, "reservation of offering %s "
                                   "period %s for %s: seats must be 10 integers >= 0", oid, period,
                                   school);
        int32_t cap = regio_rpp_cap(r, *o, *p, t);
        if ((int64_t)regio_rpp_held(r, *o, *p, t) + seats[t] > cap)
            return regio_rpp__fail(err, errlen, REGIO_EINVALID, "reservations of offering %s "
                                   "period %s slot %d exceed its %d seats", oid, period, t,
                                   (int)cap);
    }
    return 0;
}

/* A new reservation row for (o, p, school), last of its (o, p); its index or -ENOMEM. */
static int32_t s_new_reservation(regio_rpp_t *r, int32_t o, int p, int32_t school)
{
    int64_t op = (int64_t)o * r->n_periods + p, nop = (int64_t)r->n_offerings * r->n_periods;
    if (!r->res_first) {
        if (!(r->res_first = regio_rpp__alloc((size_t)nop, sizeof *r->res_first)))
            return -ENOMEM;
        for (int64_t i = 0; i < nop; i++)
            r->res_first[i] = -1;
    }
    if (regio_rpp__grow((void **)&r->res, &r->cap_res, r->n_res, sizeof *r->res) < 0)
        return -ENOMEM;
    int32_t i = r->n_res++, *at = &r->res_first[op];
    r->res[i] = (regio_rpp_reservation_t){.offering = o, .period = (int16_t)p, .school = school,
                                          .next = -1};
    while (*at >= 0)
        at = &r->res[*at].next;
    *at = i;
    return i;
}

int regio_rpp_add_reservation(regio_rpp_t *r, const char *offering, const char *period,
                              const char *school, const int32_t *seats, char *err, size_t errlen)
{
    int32_t o, p;
    int rc = s_check_reservation(r, offering, period, school, seats, &o, &p, err, errlen);
    if (rc < 0)
        return rc;
    int32_t s = regio_strtab_intern(r->schools, school, NULL);
    int32_t i = s < 0 ? -ENOMEM : regio_rpp_reservation_find(r, o, p, s);
    if (s >= 0 && i < 0)
        i = s_new_reservation(r, o, p, s);
    if (i < 0)
        return regio_rpp__fail(err, errlen, -ENOMEM, "reservation of offering %s: out of memory",
                               offering);
    for (int t = 0; t < REGIO_RPP_SLOTS; t++)
        r->res[i].seats[t] += seats[t];
    return 0;
}

/* Refusals ---------------------------------------------------------------- */

int regio_rpp_add_forbidden(regio_rpp_t *r, const char *learner, const char *partner,
                            const char *offering, char *err, size_t errlen)
{
    int32_t l = learner ? regio_strtab_find(r->learner_ids, learner) : -1, q = -1, o = -1;
    if (r->n_pins > 0)
        return regio_rpp__fail(err, errlen, REGIO_EINVALID, "forbidden %s: refusals must come "
                               "before pins", learner ? learner : "(none)");
    if (l < 0 || !partner == !offering)
        return regio_rpp__fail(err, errlen, l < 0 ? REGIO_ENOTFOUND : REGIO_EINVALID,
                               "forbidden %s: needs a known learner and exactly one of partner "
                               "or offering", learner ? learner : "(none)");
    if (partner && (q = regio_strtab_find(r->partner_ids, partner)) < 0)
        return regio_rpp__fail(err, errlen, REGIO_ENOTFOUND, "forbidden %s: unknown partner '%s'",
                               learner, partner);
    if (offering && (o = regio_strtab_find(r->offering_ids, offering)) < 0)
        return regio_rpp__fail(err, errlen, REGIO_ENOTFOUND, "forbidden %s: unknown offering "
                               "'%s'", learner, offering);
    if (regio_rpp__grow((void **)&r->forbidden, &r->cap_forbidden, r->n_forbidden,
                        sizeof *r->forbidden) < 0)
        return regio_rpp__fail(err, errlen, -ENOMEM, "forbidden %s: out of memory", learner);
    r->forbidden[r->n_forbidden] = (regio_rpp_refusal_t){
        .learner = l, .partner = q, .offering = o, .next = r->learners[l].forbidden};
    r->learners[l].forbidden = r->n_forbidden++;
    return 0;
}

int regio_rpp_forbidden(const regio_rpp_t *r, int32_t l, int32_t o)
{
    int32_t q = r->offerings[o].partner;
    for (int32_t i = r->learners[l].forbidden; i >= 0; i = r->forbidden[i].next)
        if (r->forbidden[i].offering == o || r->forbidden[i].partner == q)
            return 1;
    return 0;
}

int regio_rpp_is_v2(const regio_rpp_t *r)
{
    for (int p = 0; p < r->n_periods; p++)
        if (r->periods[p].start != REGIO_RPP_NO_DATE)
            return 1;
    return r->n_res > 0 || r->n_forbidden > 0 || r->n_pins > 0;
}

/* Seats ------------------------------------------------------------------- */

int regio_rpp_seats_init(regio_rpp_seats_t *s, const regio_rpp_t *r, int with_pins)
{
    size_t n = (size_t)r->n_offerings * r->n_periods * REGIO_RPP_SLOTS;
    size_t nl = (size_t)r->n_res * REGIO_RPP_SLOTS;
    s->open = regio_rpp__alloc(n, sizeof *s->open);
    s->left = r->n_res ? regio_rpp__alloc(nl, sizeof *s->left) : NULL;
    if (!s->open || (r->n_res && !s->left)) {
        regio_rpp_seats_free(s);
        return -ENOMEM;
    }
    if (with_pins && r->pin_seats.open) {
        memcpy(s->open, r->pin_seats.open, n * sizeof *s->open);
        if (nl)
            memcpy(s->left, r->pin_seats.left, nl * sizeof *s->left);
        return 0;
    }
    regio_rpp_seats_reset(s, r);
    return 0;
}

void regio_rpp_seats_reset(regio_rpp_seats_t *s, const regio_rpp_t *r)
{
    for (int32_t o = 0; o < r->n_offerings; o++)
        memcpy(s->open + (size_t)o * r->n_periods * REGIO_RPP_SLOTS, r->offerings[o].cap,
               (size_t)r->n_periods * REGIO_RPP_SLOTS * sizeof *s->open);
    for (int32_t i = 0; i < r->n_res; i++) {
        const regio_rpp_reservation_t *v = &r->res[i];
        int32_t *open =
            s->open + ((int64_t)v->offering * r->n_periods + v->period) * REGIO_RPP_SLOTS;
        for (int t = 0; t < REGIO_RPP_SLOTS; t++) {
            open[t] -= v->seats[t];
            s->left[i * REGIO_RPP_SLOTS + t] = v->seats[t];
        }
    }
}

void regio_rpp_seats_free(regio_rpp_seats_t *s)
{
    free(s->open);
    free(s->left);
    s->open = s->left = NULL;
}

void regio_rpp_seats_take(const regio_rpp_t *r, regio_rpp_seats_t *s, int32_t o, int p,
                          int32_t school, uint32_t slots, int n)
{
    int32_t *open = s->open + ((int64_t)o * r->n_periods + p) * REGIO_RPP_SLOTS;
    int32_t i = r->res_first ? regio_rpp_reservation_find(r, o, p, school) : -1;
    for (uint32_t m = slots & REGIO_RPP_ALL_SLOTS; m; m &= m - 1) {
        int t = __builtin_ctz(m);
        int32_t *left = i >= 0 ? &s->left[i * REGIO_RPP_SLOTS + t] : NULL;
        if (!left) /* no seats held for the school: an open seat */
            open[t] -= n;
        else if (n > 0) /* its own held seat while one is free, else an open one */
            open[t] -= (*left)-- <= 0;
        else /* gives back an open seat while its learners overflow */
            open[t] += ++*left <= 0;
    }
}

uint32_t regio_rpp_seats_room(const regio_rpp_t *r, const regio_rpp_seats_t *s, int32_t o, int p,
                              int32_t school)
{
    const int32_t *open = s->open + ((int64_t)o * r->n_periods + p) * REGIO_RPP_SLOTS;
    int32_t i = r->res_first ? regio_rpp_reservation_find(r, o, p, school) : -1;
    uint32_t m = 0;
    for (int t = 0; t < REGIO_RPP_SLOTS; t++)
        if (open[t] > 0 || (i >= 0 && s->left[i * REGIO_RPP_SLOTS + t] > 0))
            m |= 1u << t;
    return m;
}

/* Pins -------------------------------------------------------------------- */

/* The words of the first broken rule (a regio_rpp_why_cb's arg). */
typedef struct {
    char buf[160];
    int n;
} s_first_t;

static void s_first(void *arg, const char *why)
{
    s_first_t *f = arg;
    if (f->n++ == 0)
        snprintf(f->buf, sizeof f->buf, "%s", why);
}

/* Pins of r at (o, p) on slot t. */
static int32_t s_pins_at(const regio_rpp_t *r, int32_t o, int p, int t)
{
    int32_t n = 0;
    for (int32_t k = 0; k < r->n_pins; k++)
        n += r->pins[k].offering == o && r->pins[k].period == p && (r->pins[k].slots >> t & 1u);
    return n;
}

/* Whether pin pl (counted in r->pin_seats; extra: 1 while it is not in
 * r->pins yet) overdraws the seats of a slot; buf gets the checker's words. */
static int s_seat_why(const regio_rpp_t *r, const regio_rpp_placement_t *pl, int extra, char *buf,
                      size_t len)
{
    const char *oid = r->offerings[pl->offering].id, *pid = r->periods[pl->period].id;
    const int32_t *open =
        r->pin_seats.open + ((int64_t)pl->offering * r->n_periods + pl->period) * REGIO_RPP_SLOTS;
    for (uint32_t m = pl->slots & REGIO_RPP_ALL_SLOTS; m; m &= m - 1) {
        int t = __builtin_ctz(m);
        if (open[t] >= 0)
            continue;
        int32_t cap = regio_rpp_cap(r, pl->offering, pl->period, t);
        int32_t n = s_pins_at(r, pl->offering, pl->period, t) + extra;
        int64_t free_seats = cap - regio_rpp_held(r, pl->offering, pl->period, t);
        if (n > cap)
            snprintf(buf, len, "capacity: offering %s period %s slot %d: %d placed, %d seats", oid,
                     pid, t, (int)n, (int)cap);
        else
            snprintf(buf, len, "reservations: offering %s period %s slot %d: %lld placed on %lld "
                     "open seats (the rest are held for schools by agreement)", oid, pid, t,
                     (long long)(free_seats - open[t]), (long long)free_seats);
        return 1;
    }
    return 0;
}

/* Without pins, r keeps nothing of a refused first one. */
static void s_pins_tidy(regio_rpp_t *r)
{
    if (r->n_pins > 0)
        return;
    free(r->pin_at);
    r->pin_at = NULL;
    regio_rpp_seats_free(&r->pin_seats);
}

/* Room for one more pin; 0 or -ENOMEM. */
static int s_pins_room(regio_rpp_t *r)
{
    size_t nlp = (size_t)r->n_learners * r->n_periods;
    if (!r->pin_at && (r->pin_at = regio_rpp__alloc(nlp, sizeof *r->pin_at)))
        for (size_t i = 0; i < nlp; i++)
            r->pin_at[i] = -1;
    if (!r->pin_at || (!r->pin_seats.open && regio_rpp_seats_init(&r->pin_seats, r, 0) < 0) ||
        regio_rpp__grow((void **)&r->pins, &r->cap_pins, r->n_pins, sizeof *r->pins) < 0) {
        s_pins_tidy(r);
        return -ENOMEM;
    }
    return 0;
}

int regio_rpp_add_pin(regio_rpp_t *r, const char *learner, const char *period,
                      const char *offering, uint16_t slots, char *err, size_t errlen)
{
    char what[200];
    int32_t l = learner ? regio_strtab_find(r->learner_ids, learner) : -1;
    int32_t p = period ? regio_strtab_find(r->period_ids, period) : -1;
    int32_t o = offering ? regio_strtab_find(r->offering_ids, offering) : -1;
    snprintf(what, sizeof what, "pins alone break a hard rule: pin %d (%.40s,%.40s,%.40s)",
             (int)r->n_pins, learner ? learner : "", period ? period : "",
             offering ? offering : "");
    if (l < 0 || p < 0 || o < 0)
        return regio_rpp__fail(err, errlen, REGIO_ENOTFOUND, "%s: unknown learner, offering or "
                               "period", what);
    if (r->pin_at && r->pin_at[(int64_t)l * r->n_periods + p] >= 0)
        return regio_rpp__fail(err, errlen, REGIO_EDUPLICATE, "%s: second placement for this "
                               "learner and period", what);
    regio_rpp_placement_t pl = {.learner = l, .offering = o, .period = (int16_t)p, .slots = slots};
    s_first_t f = {.n = 0};
    char why[160];
    if (regio_rpp_check_placement(r, &pl, s_first, &f) != 0)
        return regio_rpp__fail(err, errlen, REGIO_EINVALID, "%s: %s", what, f.buf);
    if (s_pins_room(r) < 0)
        return regio_rpp__fail(err, errlen, -ENOMEM, "%s: out of memory", what);
    int32_t school = r->learners[l].school;
    regio_rpp_seats_take(r, &r->pin_seats, o, p, school, slots, 1);
    if (s_seat_why(r, &pl, 1, why, sizeof why)) {
        regio_rpp_seats_take(r, &r->pin_seats, o, p, school, slots, -1);
        s_pins_tidy(r);
        return regio_rpp__fail(err, errlen, REGIO_EINVALID, "%s: %s", what, why);
    }
    r->pin_at[(int64_t)l * r->n_periods + p] = r->n_pins;
    r->pins[r->n_pins++] = pl;
    r->learners[l].pins |= 1u << p;
    return 0;
}

/* Copies, changes, clean-up ----------------------------------------------- */

int regio_rpp__check_seats(regio_rpp_t *r, char *err, size_t errlen)
{
    char why[160];
    for (int32_t i = 0; i < r->n_res; i++) {
        const regio_rpp_reservation_t *v = &r->res[i];
        for (int t = 0; t < REGIO_RPP_SLOTS; t++)
            if (regio_rpp_held(r, v->offering, v->period, t) >
                regio_rpp_cap(r, v->offering, v->period, t))
                return regio_rpp__fail(err, errlen, REGIO_EINVALID, "change: reservations of "
                                       "offering %s period %s slot %d exceed its %d seats",
                                       r->offerings[v->offering].id, r->periods[v->period].id, t,
                                       (int)regio_rpp_cap(r, v->offering, v->period, t));
    }
    regio_rpp_seats_t s;
    if (r->n_pins == 0)
        return 0;
    if (regio_rpp_seats_init(&s, r, 0) < 0)
        return regio_rpp__fail(err, errlen, -ENOMEM, "change: out of memory");
    regio_rpp_seats_free(&r->pin_seats);
    r->pin_seats = s;
    for (int32_t k = 0; k < r->n_pins; k++) {
        const regio_rpp_placement_t *v = &r->pins[k];
        regio_rpp_seats_take(r, &r->pin_seats, v->offering, v->period,
                             r->learners[v->learner].school, v->slots, 1);
    }
    for (int32_t k = 0; k < r->n_pins; k++)
        if (s_seat_why(r, &r->pins[k], 0, why, sizeof why))
            return regio_rpp__fail(err, errlen, REGIO_EINVALID, "change: pins alone break a hard "
                                   "rule: pin %d (%s,%s,%s): %s", (int)k,
                                   r->learners[r->pins[k].learner].id,
                                   r->periods[r->pins[k].period].id,
                                   r->offerings[r->pins[k].offering].id, why);
    return 0;
}

int regio_rpp__clone_decisions(regio_rpp_t *c, const regio_rpp_t *r)
{
    size_t nop = (size_t)r->n_offerings * r->n_periods, nlp = (size_t)r->n_learners * r->n_periods;
    c->res = regio_rpp__dup(r->res, (size_t)r->n_res, sizeof *r->res);
    c->forbidden = regio_rpp__dup(r->forbidden, (size_t)r->n_forbidden, sizeof *r->forbidden);
    c->pins = regio_rpp__dup(r->pins, (size_t)r->n_pins, sizeof *r->pins);
    if (!c->res || !c->forbidden || !c->pins)
        return -ENOMEM;
    c->n_res = c->cap_res = r->n_res;
    c->n_forbidden = c->cap_forbidden = r->n_forbidden;
    c->n_pins = c->cap_pins = r->n_pins;
    if (r->res_first && !(c->res_first = regio_rpp__dup(r->res_first, nop, sizeof *r->res_first)))
        return -ENOMEM;
    if (r->pin_at && !(c->pin_at = regio_rpp__dup(r->pin_at, nlp, sizeof *r->pin_at)))
        return -ENOMEM;
    if (r->pin_seats.open &&
        !(c->pin_seats.open = regio_rpp__dup(r->pin_seats.open, nop * REGIO_RPP_SLOTS,
                                             sizeof *r->pin_seats.open)))
        return -ENOMEM;
    if (r->pin_seats.left &&
        !(c->pin_seats.left = regio_rpp__dup(r->pin_seats.left, (size_t)r->n_res * REGIO_RPP_SLOTS,
                                             sizeof *r->pin_seats.left)))
        return -ENOMEM;
    return 0;
}

void regio_rpp__free_decisions(regio_rpp_t *r)
{
    free(r->res);
    free(r->res_first);
    free(r->forbidden);
    free(r->pins);
    free(r->pin_at);
    regio_rpp_seats_free(&r->pin_seats);
    r->res = NULL;
    r->res_first = r->pin_at = NULL;
    r->forbidden = NULL;
    r->pins = NULL;
    r->n_res = r->n_forbidden = r->n_pins = 0;
    r->cap_res = r->cap_forbidden = r->cap_pins = 0;
}
