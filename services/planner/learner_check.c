/* learner_check - every field of a learner request, checked before storing. */
#include "learner_check.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "regio/error.h"
#include "regio/rpp.h"
#include "regio/validate.h"

static int s_ids(char *const *v, size_t n, size_t max, const char *what, char *err, size_t errlen)
{
    if (n > max) {
        snprintf(err, errlen, "at most %zu %s", max, what);
        return REGIO_ERANGE;
    }
    for (size_t i = 0; i < n; i++) {
        int rc = regio_validate_id(v[i], what, err, errlen);
        if (rc < 0)
            return rc;
    }
    return 0;
}

static int s_free(const regio_world_t *w, int known, const Regio__Learner *l, char *err, size_t n)
{
    if (l->n_free > REGIO_RPP_MAX_PERIODS) {
        snprintf(err, n, "learner %s: free lists more than %d periods", l->id, REGIO_RPP_MAX_PERIODS);
        return REGIO_ERANGE;
    }
    for (size_t i = 0; i < l->n_free; i++) {
        const Regio__FreeSlots *f = l->free[i];
        int rc = regio_validate_id(f->period, "free period", err, n);
        if (rc < 0)
            return rc;
        if (known && !regio_world_has_period(w, f->period)) {
            snprintf(err, n, "learner %s: period %s is not in the calendar", l->id, f->period);
            return REGIO_ENOTFOUND;
        }
        for (size_t j = 0; j < i; j++)
            if (!strcmp(l->free[j]->period, f->period)) {
                snprintf(err, n, "learner %s: period %s listed twice in free", l->id, f->period);
                return REGIO_EINVALID;
            }
        unsigned mask = 0;
        for (size_t j = 0; j < f->n_slots; j++) {
            if (f->slots[j] > 9 || (mask & (1u << f->slots[j]))) {
                snprintf(err, n, "learner %s: free slots of %s must be distinct, 0..9", l->id,
                         f->period);
                return REGIO_ERANGE;
            }
            mask |= 1u << f->slots[j];
        }
    }
    return 0;
}

static int s_needs(const Regio__Learner *l, char *err, size_t n)
{
    if (l->n_needs > 64) {
        snprintf(err, n, "learner %s: at most 64 needs", l->id);
        return REGIO_ERANGE;
    }
    for (size_t i = 0; i < l->n_needs; i++) {
        int rc = regio_validate_id(l->needs[i]->goal, "need goal", err, n);
        if (rc < 0)
            return rc;
        if (l->needs[i]->dagdelen > 100000) {
            snprintf(err, n, "learner %s: need %s of %u dagdelen is out of range", l->id,
                     l->needs[i]->goal, l->needs[i]->dagdelen);
            return REGIO_ERANGE;
        }
        for (size_t j = 0; j < i; j++)
            if (!strcmp(l->needs[j]->goal, l->needs[i]->goal)) {
                snprintf(err, n, "learner %s: goal %s listed twice", l->id, l->needs[i]->goal);
                return REGIO_EINVALID;
            }
    }
    return 0;
}

static int s_check_fields(const regio_world_t *w, int known, const Regio__Learner *l, char *err,
                   size_t n)
{
    int rc;
    if ((rc = regio_validate_id(l->id, "learner", err, n)) < 0 ||
        (rc = regio_validate_id(l->school, "learner school", err, n)) < 0 ||
        (rc = regio_validate_id(l->qualification, "learner qualification", err, n)) < 0 ||
        (rc = regio_validate_latlon(l->lat, l->lon, "learner", err, n)) < 0)
        return rc;
    if (l->age > 120) {
        snprintf(err, n, "learner %s: age %u out of range 0..120", l->id, l->age);
        return REGIO_ERANGE;
    }
    if (!isfinite(l->max_km) || l->max_km < 0 || l->max_km > 1000) {
        snprintf(err, n, "learner %s: max_km %g out of range 0..1000", l->id, l->max_km);
        return REGIO_ERANGE;
    }
    if (l->dagdelen < 1 || l->dagdelen > 10) {
        snprintf(err, n, "learner %s: dagdelen %u out of range 1..10", l->id, l->dagdelen);
        return REGIO_ERANGE;
    }
    if ((rc = s_free(w, known, l, err, n)) < 0 || (rc = s_needs(l, err, n)) < 0)
        return rc;
    if ((rc = s_ids(l->preferred_partners, l->n_preferred_partners, 64, "preferred partner", err, n)) < 0)
        return rc;
    return s_ids(l->history, l->n_history, 256, "history partner", err, n);
}

int regio_learner_check(const regio_world_t *w, int known, const Regio__Learner *l, char *err,
                        size_t n)
{
    int rc = s_check_fields(w, known, l, err, n);
    if (rc < 0 && strncmp(err, "learner ", 8) != 0) { /* name the learner in every message */
        char field[256];
        snprintf(field, sizeof field, "%s", err);
        snprintf(err, n, "learner %.64s: %s", l->id ? l->id : "", field);
    }
    return rc;
}
