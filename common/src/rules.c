/* rules - the checks of calendars, partners, offerings and learners. */
#include "regio/rules.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "regio/error.h"
#include "regio/limits.h"
#include "regio/rpp.h"
#include "regio/validate.h"

/* Write one line to err and return rc. */
static int s_fail(char *err, size_t n, int rc, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, n, fmt, ap);
    va_end(ap);
    return rc;
}

/* Name the entity in front of a field's error ("partner p1: sites: ..."). */
static int s_named(int rc, const char *kind, const char *id, char *err, size_t n)
{
    if (rc < 0 && n > 0) {
        char field[256];
        snprintf(field, sizeof field, "%s", err);
        snprintf(err, n, "%s %.*s: %s", kind, REGIO_ID_MAX, id ? id : "", field);
    }
    return rc;
}

static int s_count(size_t count, size_t max, const char *field, char *err, size_t n)
{
    if (count <= max)
        return 0;
    return s_fail(err, n, REGIO_ERANGE, "%s: %zu listed, at most %zu", field, count, max);
}

/* At most max ids, each a valid id. */
static int s_ids(char *const *v, size_t count, size_t max, const char *field, char *err, size_t n)
{
    int rc = s_count(count, max, field, err, n);
    for (size_t i = 0; rc == 0 && i < count; i++)
        rc = regio_validate_id(v[i], field, err, n);
    return rc;
}

int regio_rules_check_calendar(const Regio__PutCalendar *c, char *err, size_t n)
{
    if (c->n_periods == 0 || c->n_periods > REGIO_RPP_MAX_PERIODS)
        return s_fail(err, n, REGIO_ERANGE, "calendar: periods: %zu listed, needs 1..%d",
                      c->n_periods, REGIO_RPP_MAX_PERIODS);
    for (size_t i = 0; i < c->n_periods; i++) {
        const Regio__Period *p = c->periods[i];
        int rc = regio_validate_id(p->id, "calendar period", err, n);
        if (rc < 0)
            return rc;
        if (p->weeks < 1 || p->weeks > REGIO_MAX_WEEKS)
            return s_fail(err, n, REGIO_ERANGE, "period %s: weeks %u outside 1..%d", p->id,
                          p->weeks, REGIO_MAX_WEEKS);
        for (size_t j = 0; j < i; j++)
            if (strcmp(p->id, c->periods[j]->id) == 0)
                return s_fail(err, n, REGIO_EINVALID, "period %s: listed twice", p->id);
    }
    return 0;
}

static int s_sites(const Regio__Partner *p, char *err, size_t n)
{
    int rc = s_count(p->n_sites, REGIO_MAX_SITES, "sites", err, n);
    for (size_t i = 0; rc == 0 && i < p->n_sites; i++) {
        const Regio__Site *s = p->sites[i];
        if ((rc = regio_validate_id(s->id, "site", err, n)) < 0 ||
            (rc = regio_validate_latlon(s->lat, s->lon, "site", err, n)) < 0 ||
            (rc = regio_validate_text(s->name, REGIO_NAME_MAX, "site name", err, n)) < 0)
            return rc;
        for (size_t j = 0; j < i; j++)
            if (strcmp(s->id, p->sites[j]->id) == 0)
                return s_fail(err, n, REGIO_EINVALID, "site %s listed twice", s->id);
    }
    return rc;
}

static int s_partner(const Regio__Partner *p, char *err, size_t n)
{
    int rc;
    if (p->kind < REGIO__PARTNER_KIND__KIND_BUSINESS ||
        p->kind > REGIO__PARTNER_KIND__KIND_EDUCATION)
        return s_fail(err, n, REGIO_EINVALID, "kind %d is not one of the six (1..6)", (int)p->kind);
    if ((rc = regio_validate_latlon(p->lat, p->lon, "main site", err, n)) < 0 ||
        (rc = regio_validate_text(p->name, REGIO_NAME_MAX, "name", err, n)) < 0 ||
        (rc = regio_validate_text(p->country, REGIO_COUNTRY_MAX, "country", err, n)) < 0 ||
        (rc = s_sites(p, err, n)) < 0 ||
        (rc = s_count(p->n_sectors, REGIO_MAX_SECTORS, "sectors", err, n)) < 0)
        return rc;
    for (size_t i = 0; i < p->n_sectors; i++)
        if ((rc = regio_validate_text(p->sectors[i], REGIO_SECTOR_MAX, "sector", err, n)) < 0)
            return rc;
    return 0;
}

int regio_rules_check_partner(const Regio__Partner *p, char *err, size_t n)
{
    int rc = regio_validate_id(p->id, "partner", err, n);
    return rc < 0 ? rc : s_named(s_partner(p, err, n), "partner", p->id, err, n);
}

/* Whether partner p has a site with this id. */
static int s_has_site(const Regio__Partner *p, const char *site)
{
    for (size_t i = 0; i < p->n_sites; i++)
        if (strcmp(p->sites[i]->id, site) == 0)
            return 1;
    return 0;
}

static int s_offering(const Regio__Offering *o, const Regio__Partner *partner, char *err, size_t n)
{
    int rc;
    if ((rc = regio_validate_latlon(o->lat, o->lon, "site", err, n)) < 0 ||
        (rc = regio_validate_text(o->form, REGIO_FORM_MAX, "form", err, n)) < 0 ||
        (rc = regio_validate_id(o->partner, "partner", err, n)) < 0 ||
        (o->site[0] && (rc = regio_validate_id(o->site, "site", err, n)) < 0))
        return rc;
    if (!partner)
        return s_fail(err, n, REGIO_ENOTFOUND, "partner %s does not exist", o->partner);
    if (o->site[0] && !s_has_site(partner, o->site))
        return s_fail(err, n, REGIO_ENOTFOUND, "partner %s has no site %s", o->partner, o->site);
    if (o->min_age > REGIO_MAX_AGE)
        return s_fail(err, n, REGIO_ERANGE, "min_age %u outside 0..%d", o->min_age, REGIO_MAX_AGE);
    if ((rc = s_ids(o->goals, o->n_goals, REGIO_MAX_GOALS, "goals", err, n)) < 0)
        return rc;
    return s_ids(o->qualifications, o->n_qualifications, REGIO_MAX_QUALIFICATIONS,
                 "qualifications", err, n);
}

int regio_rules_check_offering(const Regio__Offering *o, const Regio__Partner *partner, char *err,
                               size_t n)
{
    int rc = regio_validate_id(o->id, "offering", err, n);
    return rc < 0 ? rc : s_named(s_offering(o, partner, err, n), "offering", o->id, err, n);
}

/* Whether the calendar lists period id. */
static int s_in_calendar(const Regio__PutCalendar *c, const char *id)
{
    for (size_t i = 0; i < c->n_periods; i++)
        if (strcmp(c->periods[i]->id, id) == 0)
            return 1;
    return 0;
}

static int s_free(const Regio__Learner *l, const Regio__PutCalendar *cal, char *err, size_t n)
{
    int rc = s_count(l->n_free, REGIO_RPP_MAX_PERIODS, "free", err, n);
    for (size_t i = 0; rc == 0 && i < l->n_free; i++) {
        const Regio__FreeSlots *f = l->free[i];
        if ((rc = regio_validate_id(f->period, "free period", err, n)) < 0)
            return rc;
        if (cal && !s_in_calendar(cal, f->period))
            return s_fail(err, n, REGIO_ENOTFOUND, "period %s is not in the calendar", f->period);
        for (size_t j = 0; j < i; j++)
            if (strcmp(l->free[j]->period, f->period) == 0)
                return s_fail(err, n, REGIO_EINVALID, "period %s listed twice in free", f->period);
        unsigned mask = 0;
        for (size_t j = 0; j < f->n_slots; j++) {
            if (f->slots[j] >= REGIO_RPP_SLOTS || (mask & (1u << f->slots[j])))
                return s_fail(err, n, REGIO_ERANGE, "free slots of %s must be distinct, 0..9",
                              f->period);
            mask |= 1u << f->slots[j];
        }
    }
    return rc;
}

static int s_needs(const Regio__Learner *l, char *err, size_t n)
{
    int rc = s_count(l->n_needs, REGIO_MAX_NEEDS, "needs", err, n);
    for (size_t i = 0; rc == 0 && i < l->n_needs; i++) {
        const Regio__Need *x = l->needs[i];
        if ((rc = regio_validate_id(x->goal, "need goal", err, n)) < 0)
            return rc;
        if (x->dagdelen > REGIO_MAX_NEED_DAGDELEN)
            return s_fail(err, n, REGIO_ERANGE, "need %s: %u dagdelen, at most %d", x->goal,
                          x->dagdelen, REGIO_MAX_NEED_DAGDELEN);
        for (size_t j = 0; j < i; j++)
            if (strcmp(l->needs[j]->goal, x->goal) == 0)
                return s_fail(err, n, REGIO_EINVALID, "goal %s listed twice", x->goal);
    }
    return rc;
}

static int s_learner(const Regio__Learner *l, const Regio__PutCalendar *cal, char *err, size_t n)
{
    int rc;
    if ((rc = regio_validate_id(l->school, "school", err, n)) < 0 ||
        (rc = regio_validate_id(l->qualification, "qualification", err, n)) < 0 ||
        (rc = regio_validate_latlon(l->lat, l->lon, "home", err, n)) < 0)
        return rc;
    if (l->age > REGIO_MAX_AGE)
        return s_fail(err, n, REGIO_ERANGE, "age %u outside 0..%d", l->age, REGIO_MAX_AGE);
    if (!isfinite(l->max_km) || l->max_km < 0 || l->max_km > REGIO_MAX_KM)
        return s_fail(err, n, REGIO_ERANGE, "max_km %g outside 0..%d", l->max_km, REGIO_MAX_KM);
    if (l->dagdelen < 1 || l->dagdelen > REGIO_RPP_SLOTS)
        return s_fail(err, n, REGIO_ERANGE, "dagdelen %u outside 1..%d", l->dagdelen,
                      REGIO_RPP_SLOTS);
    if ((rc = s_free(l, cal, err, n)) < 0 || (rc = s_needs(l, err, n)) < 0 ||
        (rc = s_ids(l->preferred_partners, l->n_preferred_partners, REGIO_MAX_PREFERRED,
                    "preferred_partners", err, n)) < 0)
        return rc;
    return s_ids(l->history, l->n_history, REGIO_MAX_HISTORY, "history", err, n);
}

int regio_rules_check_learner(const Regio__Learner *l, const Regio__PutCalendar *calendar,
                              char *err, size_t n)
{
    int rc = regio_validate_id(l->id, "learner", err, n);
    return rc < 0 ? rc : s_named(s_learner(l, calendar, err, n), "learner", l->id, err, n);
}
