/* registry_mirror - offering ids and periods, as the capacity service needs them. */
#include "registry_mirror.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

int regio_registry_mirror_init(regio_registry_mirror_t *m)
{
    memset(m, 0, sizeof *m);
    m->offerings = regio_strtab_new();
    m->periods = regio_strtab_new();
    m->partners = regio_strtab_new();
    if (!m->offerings || !m->periods || !m->partners) {
        regio_registry_mirror_free(m);
        return -ENOMEM;
    }
    return 0;
}

void regio_registry_mirror_free(regio_registry_mirror_t *m)
{
    regio_strtab_destroy(&m->offerings);
    regio_strtab_destroy(&m->periods);
    regio_strtab_destroy(&m->partners);
    free(m->withdrawn);
    free(m->partner_of);
    m->withdrawn = NULL;
    m->partner_of = NULL;
    m->cap = 0;
}

static int s_put_offering(regio_registry_mirror_t *m, const Regio__Offering *o)
{
    int32_t i = regio_strtab_intern(m->offerings, o->id, NULL);
    int32_t pi = regio_strtab_intern(m->partners, o->partner, NULL);
    if (i < 0 || pi < 0)
        return -ENOMEM;
    if ((size_t)i >= m->cap) {
        size_t cap = m->cap ? m->cap * 2 : 1024;
        while (cap <= (size_t)i)
            cap *= 2;
        unsigned char *w = realloc(m->withdrawn, cap);
        if (w)
            m->withdrawn = w;
        int32_t *po = realloc(m->partner_of, cap * sizeof *po);
        if (po)
            m->partner_of = po;
        if (!w || !po)
            return -ENOMEM;
        memset(w + m->cap, 0, cap - m->cap);
        m->cap = cap;
    }
    m->withdrawn[i] = o->withdrawn ? 1 : 0;
    m->partner_of[i] = pi;
    return 0;
}

static int s_put_periods(regio_registry_mirror_t *m, Regio__Period **p, size_t n)
{
    regio_strtab_destroy(&m->periods);
    if (!(m->periods = regio_strtab_new()))
        return -ENOMEM;
    for (size_t i = 0; i < n; i++)
        if (regio_strtab_intern(m->periods, p[i]->id, NULL) < 0)
            return -ENOMEM;
    return 0;
}

int regio_registry_mirror_snapshot(regio_registry_mirror_t *m, const regio_envelope_t *e)
{
    const Regio__RegistrySnapshot *s = e->registry_snapshot;
    regio_strtab_destroy(&m->offerings);
    if (!(m->offerings = regio_strtab_new()))
        return -ENOMEM;
    int rc = s_put_periods(m, s->periods, s->n_periods);
    for (size_t i = 0; rc == 0 && i < s->n_offerings; i++)
        rc = s_put_offering(m, s->offerings[i]);
    return rc;
}

int regio_registry_mirror_change(regio_registry_mirror_t *m, const regio_envelope_t *e)
{
    const Regio__RegistryChange *c = e->registry_change;
    if (c->what_case == REGIO__REGISTRY_CHANGE__WHAT_OFFERING)
        return s_put_offering(m, c->offering);
    if (c->what_case == REGIO__REGISTRY_CHANGE__WHAT_CALENDAR)
        return s_put_periods(m, c->calendar->periods, c->calendar->n_periods);
    return 0;
}

int regio_registry_mirror_offering(const regio_registry_mirror_t *m, const char *id)
{
    int32_t i = regio_strtab_find(m->offerings, id);
    if (i < 0)
        return -1;
    return m->withdrawn[i] ? 0 : 1;
}

const char *regio_registry_mirror_partner(const regio_registry_mirror_t *m, const char *id)
{
    int32_t i = regio_strtab_find(m->offerings, id);
    return i < 0 ? NULL : regio_strtab_name(m->partners, m->partner_of[i]);
}

int regio_registry_mirror_period(const regio_registry_mirror_t *m, const char *id)
{
    return regio_strtab_find(m->periods, id) >= 0;
}
