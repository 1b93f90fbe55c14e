/* rpp_json_write - rpp-1 and rpp-2 instances and rpp-1 solutions as JSON. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "regio/error.h"
#include "regio/rpp_json.h"

static void s_put_str(FILE *f, const char *s)
{
    fputc('"', f);
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if (*p == '"' || *p == '\\')
            fprintf(f, "\\%c", *p);
        else if (*p < 0x20)
            fprintf(f, "\\u%04x", *p);
        else
            fputc(*p, f);
    }
    fputc('"', f);
}

/* The shortest %g form that reads back as the same double. */
static void s_put_num(FILE *f, double v)
{
    char buf[32];
    for (int prec = 15; prec <= 17; prec++) {
        snprintf(buf, sizeof buf, "%.*g", prec, v);
        if (strtod(buf, NULL) == v)
            break;
    }
    fputs(buf, f);
}

/* A list of names of tab: ["a", "b"]. */
static void s_put_names(FILE *f, const regio_strtab_t *tab, const int32_t *v, int n)
{
    fputc('[', f);
    for (int i = 0; i < n; i++) {
        fputs(i ? ", " : "", f);
        s_put_str(f, regio_strtab_name(tab, v[i]));
    }
    fputc(']', f);
}

static void s_put_slots(FILE *f, unsigned mask)
{
    fputc('[', f);
    for (int t = 0, first = 1; t < 16; t++)
        if (mask >> t & 1u) {
            fprintf(f, first ? "%d" : ", %d", t);
            first = 0;
        }
    fputc(']', f);
}

/* "key": value pairs share this prefix: ", \"key\": ". */
static void s_put_key(FILE *f, const char *key)
{
    fprintf(f, ", \"%s\": ", key);
}

static void s_write_head(const regio_rpp_t *r, FILE *f)
{
    fputs(regio_rpp_is_v2(r) ? "{\"format\": \"rpp-2\"" : "{\"format\": \"rpp-1\"", f);
    if (r->name) {
        s_put_key(f, "name");
        s_put_str(f, r->name);
    }
    fputs(",\n \"weights\": {\"coverage\": ", f);
    s_put_num(f, r->w.coverage);
    s_put_key(f, "km");
    s_put_num(f, r->w.km);
    s_put_key(f, "repeat");
    s_put_num(f, r->w.repeat);
    s_put_key(f, "preference");
    s_put_num(f, r->w.preference);
    fputs("},\n \"periods\": [", f);
    for (int p = 0; p < r->n_periods; p++) {
        fputs(p ? ", {\"id\": " : "{\"id\": ", f);
        s_put_str(f, r->periods[p].id);
        fprintf(f, ", \"weeks\": %d", r->periods[p].weeks);
        if (r->periods[p].start != REGIO_RPP_NO_DATE) {
            char day[11];
            regio_rpp_date_format(r->periods[p].start, day);
            fprintf(f, ", \"start\": \"%s\"", day);
        }
        fputc('}', f);
    }
    fputs("],\n \"partners\": [", f);
    for (int32_t i = 0; i < r->n_partners; i++) {
        const regio_rpp_partner_t *p = &r->partners[i];
        fputs(i ? ",\n  {\"id\": " : "\n  {\"id\": ", f);
        s_put_str(f, p->id);
        s_put_key(f, "kind");
        s_put_str(f, regio_rpp_kind_name((int)p->kind));
        s_put_key(f, "name");
        s_put_str(f, p->name);
        s_put_key(f, "lat");
        s_put_num(f, p->lat);
        s_put_key(f, "lon");
        s_put_num(f, p->lon);
        fputc('}', f);
    }
    fputs("\n ]", f);
}

/* Only periods with seats are written: a missing period has none. */
static void s_write_capacity(const regio_rpp_t *r, const regio_rpp_offering_t *o, FILE *f)
{
    fputs(", \"capacity\": {", f);
    for (int p = 0, first = 1; p < r->n_periods; p++) {
        const int32_t *row = o->cap + p * REGIO_RPP_SLOTS;
        int any = 0;
        for (int t = 0; t < REGIO_RPP_SLOTS; t++)
            any |= row[t] != 0;
        if (!any)
            continue;
        fputs(first ? "" : ", ", f);
        first = 0;
        s_put_str(f, r->periods[p].id);
        for (int t = 0; t < REGIO_RPP_SLOTS; t++)
            fprintf(f, t ? ",%d" : ": [%d", (int)row[t]);
        fputc(']', f);
    }
    fputc('}', f);
}

static void s_write_offering(const regio_rpp_t *r, const regio_rpp_offering_t *o, FILE *f)
{
    fputs("{\"id\": ", f);
    s_put_str(f, o->id);
    s_put_key(f, "partner");
    s_put_str(f, r->partners[o->partner].id);
    s_put_key(f, "form");
    s_put_str(f, o->form);
    s_put_key(f, "lat");
    s_put_num(f, o->lat);
    s_put_key(f, "lon");
    s_put_num(f, o->lon);
    s_put_key(f, "goals");
    s_put_names(f, r->goals, o->goals, o->n_goals);
    s_put_key(f, "qualifications");
    s_put_names(f, r->quals, o->quals, o->n_quals);
    fprintf(f, ", \"min_age\": %d", o->min_age);
    s_write_capacity(r, o, f);
    fputc('}', f);
}

static void s_write_free_needs(const regio_rpp_t *r, const regio_rpp_learner_t *l, FILE *f)
{
    fputs(", \"free\": {", f);
    for (int p = 0, first = 1; p < r->n_periods; p++)
        if (l->planned >> p & 1u) {
            fputs(first ? "" : ", ", f);
            first = 0;
            s_put_str(f, r->periods[p].id);
            fputs(": ", f);
            s_put_slots(f, l->free[p]);
        }
    fputs("}, \"needs\": {", f);
    for (int k = 0; k < l->n_needs; k++) {
        fputs(k ? ", " : "", f);
        s_put_str(f, regio_strtab_name(r->goals, l->needs[k].goal));
        fprintf(f, ": %d", l->needs[k].amount);
    }
    fputc('}', f);
}

static void s_write_learner(const regio_rpp_t *r, const regio_rpp_learner_t *l, FILE *f)
{
    fputs("{\"id\": ", f);
    s_put_str(f, l->id);
    s_put_key(f, "school");
    s_put_str(f, regio_strtab_name(r->schools, l->school));
    s_put_key(f, "qualification");
    s_put_str(f, regio_strtab_name(r->quals, l->qual));
    fprintf(f, ", \"age\": %d", l->age);
    s_put_key(f, "lat");
    s_put_num(f, l->lat);
    s_put_key(f, "lon");
    s_put_num(f, l->lon);
    s_put_key(f, "max_km");
    s_put_num(f, l->max_km);
    fprintf(f, ", \"dagdelen\": %d", l->dagdelen);
    s_write_free_needs(r, l, f);
    s_put_key(f, "preferred_partners");
    s_put_names(f, r->partner_ids, l->preferred, l->n_preferred);
    s_put_key(f, "history");
    s_put_names(f, r->partner_ids, l->history, l->n_history);
    fputc('}', f);
}

/* rpp-2's lists are written only when they have items: item i of list key
 * opens the list first, then the object. */
static void s_item(FILE *f, const char *key, int32_t i)
{
    if (i == 0)
        fprintf(f, ",\n \"%s\": [", key);
    fputs(i ? ",\n  {" : "\n  {", f);
}

static void s_write_reservations(const regio_rpp_t *r, FILE *f)
{
    for (int32_t i = 0; i < r->n_res; i++) {
        const regio_rpp_reservation_t *v = &r->res[i];
        s_item(f, "reservations", i);
        fputs("\"offering\": ", f);
        s_put_str(f, r->offerings[v->offering].id);
        s_put_key(f, "period");
        s_put_str(f, r->periods[v->period].id);
        s_put_key(f, "school");
        s_put_str(f, regio_strtab_name(r->schools, v->school));
        for (int t = 0; t < REGIO_RPP_SLOTS; t++)
            fprintf(f, t ? ",%d" : ", \"seats\": [%d", (int)v->seats[t]);
        fputs("]}", f);
    }
    if (r->n_res)
        fputs("\n ]", f);
}

static void s_write_forbidden(const regio_rpp_t *r, FILE *f)
{
    for (int32_t i = 0; i < r->n_forbidden; i++) {
        const regio_rpp_refusal_t *v = &r->forbidden[i];
        s_item(f, "forbidden", i);
        fputs("\"learner\": ", f);
        s_put_str(f, r->learners[v->learner].id);
        s_put_key(f, v->partner >= 0 ? "partner" : "offering");
        s_put_str(f, v->partner >= 0 ? r->partners[v->partner].id : r->offerings[v->offering].id);
        fputc('}', f);
    }
    if (r->n_forbidden)
        fputs("\n ]", f);
}

/* Placements (a solution's or the pins) as a list of objects. */
static void s_write_placements(const regio_rpp_t *r, const regio_rpp_placement_t *v, int32_t n,
                               FILE *f)
{
    for (int32_t k = 0; k < n; k++) {
        const regio_rpp_placement_t *pl = &v[k];
        fputs(k ? ",\n  {\"learner\": " : "\n  {\"learner\": ", f);
        s_put_str(f, r->learners[pl->learner].id);
        s_put_key(f, "period");
        s_put_str(f, r->periods[pl->period].id);
        s_put_key(f, "offering");
        s_put_str(f, r->offerings[pl->offering].id);
        s_put_key(f, "slots");
        s_put_slots(f, pl->slots);
        fputc('}', f);
    }
}

/* Flush and report whether anything went wrong on f. */
static int s_done(FILE *f)
{
    return fflush(f) != 0 || ferror(f) ? -EIO : 0;
}

int regio_rpp_json_write(const regio_rpp_t *r, FILE *f)
{
    s_write_head(r, f);
    fputs(",\n \"offerings\": [", f);
    for (int32_t i = 0; i < r->n_offerings; i++) {
        fputs(i ? ",\n  " : "\n  ", f);
        s_write_offering(r, &r->offerings[i], f);
    }
    fputs("\n ],\n \"learners\": [", f);
    for (int32_t i = 0; i < r->n_learners; i++) {
        fputs(i ? ",\n  " : "\n  ", f);
        s_write_learner(r, &r->learners[i], f);
    }
    fputs("\n ]", f);
    s_write_reservations(r, f);
    s_write_forbidden(r, f);
    if (r->n_pins) {
        fputs(",\n \"pins\": [", f);
        s_write_placements(r, r->pins, r->n_pins, f);
        fputs("\n ]", f);
    }
    fputs("}\n", f);
    return s_done(f);
}

int regio_rpp_json_write_sol(const regio_rpp_t *r, const regio_rpp_sol_t *sol, FILE *f)
{
    for (int32_t k = 0; k < sol->n; k++) {
        const regio_rpp_placement_t *pl = &sol->v[k];
        if (pl->learner < 0 || pl->learner >= r->n_learners || pl->offering < 0 ||
            pl->offering >= r->n_offerings || pl->period < 0 || pl->period >= r->n_periods)
            return REGIO_EINVALID;
    }
    fputs("{\"format\": \"rpp-1-solution\", \"instance\": ", f);
    s_put_str(f, r->name ? r->name : "");
    fputs(",\n \"placements\": [", f);
    s_write_placements(r, sol->v, sol->n, f);
    fputs("\n ]}\n", f);
    return s_done(f);
}
