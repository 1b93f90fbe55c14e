/* rpp_json - rpp-1 and rpp-2 instances, solutions and changes from JSON
 * (writing: rpp_json_write.c). */
#include "regio/rpp_json.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "regio/error.h"
#include "regio/file.h"

/* A growable scratch array, reused from one entity to the next. */
typedef struct {
    void *v;
    size_t cap; /* bytes */
} s_buf_t;

/* Reading state: where errors go, what is being read, scratch space. */
typedef struct {
    char *err;
    size_t errlen;
    char what[128];   /* the entity being read, e.g. "learner l3" */
    s_buf_t buf[4];   /* string and int lists of the current entity */
    int32_t seats[REGIO_RPP_MAX_PERIODS * REGIO_RPP_SLOTS];
} s_reader_t;

static int s_err(s_reader_t *rd, int rc, const char *fmt, ...)
{
    if (!rd->err || rd->errlen == 0)
        return rc;
    char why[256];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(why, sizeof why, fmt, ap);
    va_end(ap);
    snprintf(rd->err, rd->errlen, "%s: %s", rd->what, why);
    return rc;
}

/* At least n elements of size bytes in b; NULL when out of memory. */
static void *s_buf(s_buf_t *b, size_t n, size_t size)
{
    size_t need = (n ? n : 1) * size;
    if (need > b->cap) {
        void *v = realloc(b->v, need);
        if (!v)
            return NULL;
        b->v = v;
        b->cap = need;
    }
    return b->v;
}

static void s_reader_free(s_reader_t *rd)
{
    for (size_t i = 0; i < sizeof rd->buf / sizeof rd->buf[0]; i++)
        free(rd->buf[i].v);
}

/* Name the entity at index i of a list for error messages. */
static void s_what(s_reader_t *rd, const char *kind, const cJSON *o, int i)
{
    const cJSON *id = cJSON_GetObjectItemCaseSensitive(o, "id");
    if (cJSON_IsString(id))
        snprintf(rd->what, sizeof rd->what, "%s %s", kind, id->valuestring);
    else
        snprintf(rd->what, sizeof rd->what, "%s #%d", kind, i);
}

/* Fields ----------------------------------------------------------------- */

static const cJSON *s_field(const cJSON *o, const char *key)
{
    return cJSON_GetObjectItemCaseSensitive(o, key);
}

/* 0, REGIO_EINVALID (not an integral number) or REGIO_ERANGE (beyond int). */
static int s_to_int(const cJSON *it, int *out)
{
    if (!cJSON_IsNumber(it) || it->valuedouble != floor(it->valuedouble))
        return REGIO_EINVALID;
    if (it->valuedouble < INT_MIN || it->valuedouble > INT_MAX)
        return REGIO_ERANGE;
    *out = (int)it->valuedouble;
    return 0;
}

static int s_get_str(s_reader_t *rd, const cJSON *o, const char *key, int required,
                     const char **out)
{
    const cJSON *it = s_field(o, key);
    *out = NULL;
    if (!it && !required)
        return 0;
    if (!cJSON_IsString(it))
        return s_err(rd, REGIO_EINVALID, "%s %s", key, it ? "is not a string" : "missing");
    *out = it->valuestring;
    return 0;
}

static int s_get_num(s_reader_t *rd, const cJSON *o, const char *key, double *out)
{
    const cJSON *it = s_field(o, key);
    if (!cJSON_IsNumber(it) || !isfinite(it->valuedouble))
        return s_err(rd, REGIO_EINVALID, "%s %s", key, it ? "is not a number" : "missing");
    *out = it->valuedouble;
    return 0;
}

/* An integer field; absent is dflt unless required. */
static int s_get_int(s_reader_t *rd, const cJSON *o, const char *key, int required, int dflt,
                     int *out)
{
    const cJSON *it = s_field(o, key);
    *out = dflt;
    if (!it && !required)
        return 0;
    if (!it)
        return s_err(rd, REGIO_EINVALID, "%s missing", key);
    int rc = s_to_int(it, out);
    if (rc < 0)
        return s_err(rd, rc, "%s is not an integer", key);
    return 0;
}

/* An optional list of strings, borrowed from the JSON tree into buf. */
static int s_get_strs(s_reader_t *rd, const cJSON *o, const char *key, s_buf_t *buf,
                      const char *const **out, int *n)
{
    const cJSON *arr = s_field(o, key), *it;
    *n = 0;
    *out = NULL;
    if (!arr)
        return 0;
    if (!cJSON_IsArray(arr))
        return s_err(rd, REGIO_EINVALID, "%s is not a list", key);
    const char **v = s_buf(buf, (size_t)cJSON_GetArraySize(arr), sizeof *v);
    if (!v)
        return s_err(rd, -ENOMEM, "out of memory");
    cJSON_ArrayForEach(it, arr) {
        if (!cJSON_IsString(it))
            return s_err(rd, REGIO_EINVALID, "%s: item %d is not a string", key, *n);
        v[(*n)++] = it->valuestring;
    }
    *out = v;
    return 0;
}

/* An optional object whose keys are period ids (capacity, free). */
static int s_get_period_map(s_reader_t *rd, const cJSON *o, const char *key, const cJSON **out)
{
    *out = s_field(o, key);
    if (*out && !cJSON_IsObject(*out))
        return s_err(rd, REGIO_EINVALID, "%s is not an object", key);
    return 0;
}

/* The period of a key in a period map; marks it in *seen. */
static int s_map_period(s_reader_t *rd, const regio_rpp_t *r, const cJSON *it, const char *key,
                        uint32_t *seen)
{
    int32_t p = regio_strtab_find(r->period_ids, it->string);
    if (p < 0)
        return s_err(rd, REGIO_ENOTFOUND, "unknown period '%s' in %s", it->string, key);
    if (*seen >> p & 1u)
        return s_err(rd, REGIO_EDUPLICATE, "period %s listed twice in %s", it->string, key);
    *seen |= 1u << p;
    return p;
}

/* Parsing a document ------------------------------------------------------ */

/* The first key that occurs twice in one object anywhere under j, or NULL.
 * JSON readers disagree on duplicates (cJSON keeps the first, Python the
 * last), so a document with one could score differently here and in
 * rpp_check.py: refuse it. Objects are small, so the pairwise scan is cheap;
 * the recursion is as deep as the document (rpp-1 nests 4 levels; a hostile
 * document is bounded by cJSON's own nesting limit of 1000). */
static const char *s_duplicate_key(const cJSON *j)
{
    for (const cJSON *a = j ? j->child : NULL; a; a = a->next) {
        if (cJSON_IsObject(j) && a->string)
            for (const cJSON *b = a->next; b; b = b->next)
                if (b->string && strcmp(a->string, b->string) == 0)
                    return a->string;
        const char *d = s_duplicate_key(a);
        if (d)
            return d;
    }
    return NULL;
}

/* Whether a string of the valid JSON text holds the escape \u0000: cJSON
 * decodes it to a 0 byte, where the C string then ends ("l1\u0000x" would
 * read as "l1", another learner's id). */
static int s_has_nul_escape(const char *text, size_t len)
{
    for (size_t i = 0, in = 0; i < len; i++) {
        if (text[i] == '"')
            in = !in;
        else if (in && text[i] == '\\') {
            if (i + 5 < len && text[i + 1] == 'u' && memcmp(text + i + 2, "0000", 4) == 0)
                return 1;
            i++; /* the escaped character, maybe a quote */
        }
    }
    return 0;
}

/* Parse text as one JSON object with the given format (or alt, when not NULL). */
static int s_parse_root(s_reader_t *rd, const char *text, size_t len, const char *format,
                        const char *alt, cJSON **root)
{
    const char *end = NULL;
    snprintf(rd->what, sizeof rd->what, "%s", format);
    *root = cJSON_ParseWithLengthOpts(text, len, &end, 0);
    if (!*root)
        return s_err(rd, REGIO_EPARSE, "not JSON (near byte %zu)",
                     end ? (size_t)(end - text) : (size_t)0);
    while (end && end < text + len && strchr(" \t\r\n", *end) && *end)
        end++;
    int rc = 0;
    const cJSON *f = s_field(*root, "format");
    const char *dup = s_duplicate_key(*root);
    if (end && end < text + len && *end)
        rc = s_err(rd, REGIO_EPARSE, "trailing data after the JSON value");
    else if (dup)
        rc = s_err(rd, REGIO_EDUPLICATE, "key \"%.40s\" appears twice in one object", dup);
    else if (s_has_nul_escape(text, len))
        rc = s_err(rd, REGIO_EINVALID, "a string holds \\u0000 (NUL), which would cut it short");
    else if (!cJSON_IsObject(*root))
        rc = s_err(rd, REGIO_EINVALID, "not a JSON object");
    else if (!cJSON_IsString(f) ||
             (strcmp(f->valuestring, format) != 0 && (!alt || strcmp(f->valuestring, alt) != 0)))
        rc = alt ? s_err(rd, REGIO_EINVALID, "format must be %s or %s", format, alt)
                 : s_err(rd, REGIO_EINVALID, "format must be %s", format);
    if (rc < 0)
        cJSON_Delete(*root);
    return rc;
}

/* The "slots" list of a placement or pin as a mask: integers 0..9, each once. */
static int s_get_mask(s_reader_t *rd, const cJSON *it, uint16_t *mask)
{
    const cJSON *slots = s_field(it, "slots"), *s;
    *mask = 0;
    if (!cJSON_IsArray(slots))
        return s_err(rd, REGIO_EINVALID, "slots %s", slots ? "is not a list" : "missing");
    cJSON_ArrayForEach(s, slots) {
        int t;
        if (s_to_int(s, &t) < 0 || t < 0 || t >= REGIO_RPP_SLOTS)
            return s_err(rd, REGIO_EINVALID, "slots must be integers 0..9");
        if (*mask >> t & 1u)
            return s_err(rd, REGIO_EINVALID, "slot %d listed twice", t);
        *mask |= (uint16_t)(1u << t);
    }
    return 0;
}

/* Instances --------------------------------------------------------------- */

static int s_read_weights(s_reader_t *rd, regio_rpp_t *r, const cJSON *root)
{
    const cJSON *w = s_field(root, "weights");
    snprintf(rd->what, sizeof rd->what, "weights");
    if (!w)
        return 0;
    if (!cJSON_IsObject(w))
        return s_err(rd, REGIO_EINVALID, "not an object");
    const char *keys[] = {"coverage", "km", "repeat", "preference"};
    double *vals[] = {&r->w.coverage, &r->w.km, &r->w.repeat, &r->w.preference};
    for (int i = 0; i < 4; i++) {
        int rc = s_field(w, keys[i]) ? s_get_num(rd, w, keys[i], vals[i]) : 0;
        if (rc < 0)
            return rc;
    }
    return 0;
}

/* A required list of the document; each item must be an object. */
static int s_get_list(s_reader_t *rd, const cJSON *root, const char *key, const cJSON **out)
{
    snprintf(rd->what, sizeof rd->what, "instance");
    *out = s_field(root, key);
    if (!cJSON_IsArray(*out))
        return s_err(rd, REGIO_EINVALID, "%s %s", key, *out ? "is not a list" : "missing");
    int i = 0;
    const cJSON *it;
    cJSON_ArrayForEach(it, *out) {
        if (!cJSON_IsObject(it))
            return s_err(rd, REGIO_EINVALID, "%s: item %d is not an object", key, i);
        i++;
    }
    return 0;
}

/* rpp-2's optional start of a period: absent or null means none. */
static int s_get_start(s_reader_t *rd, const cJSON *o, const char **start)
{
    const cJSON *it = s_field(o, "start");
    *start = NULL;
    if (!it || cJSON_IsNull(it))
        return 0;
    if (!cJSON_IsString(it))
        return s_err(rd, REGIO_EINVALID, "start is not a YYYY-MM-DD date");
    *start = it->valuestring;
    return 0;
}

static int s_read_periods(s_reader_t *rd, regio_rpp_t *r, const cJSON *root)
{
    const cJSON *list, *it;
    int rc = s_get_list(rd, root, "periods", &list), i = 0, weeks;
    const char *id, *start;
    cJSON_ArrayForEach(it, list) {
        s_what(rd, "period", it, i++);
        if (rc < 0 || (rc = s_get_str(rd, it, "id", 1, &id)) < 0 ||
            (rc = s_get_int(rd, it, "weeks", 1, 0, &weeks)) < 0 ||
            (rc = s_get_start(rd, it, &start)) < 0 ||
            (rc = regio_rpp_add_period_dated(r, id, weeks, start, rd->err, rd->errlen)) < 0)
            return rc;
    }
    return rc;
}

static int s_read_partners(s_reader_t *rd, regio_rpp_t *r, const cJSON *root)
{
    const cJSON *list, *it;
    int rc = s_get_list(rd, root, "partners", &list), i = 0;
    const char *id, *name, *kind;
    double lat = 0.0, lon = 0.0;
    cJSON_ArrayForEach(it, list) {
        s_what(rd, "partner", it, i++);
        if (rc < 0 || (rc = s_get_str(rd, it, "id", 1, &id)) < 0 ||
            (rc = s_get_str(rd, it, "kind", 1, &kind)) < 0 ||
            (rc = s_get_str(rd, it, "name", 0, &name)) < 0 ||
            (rc = s_get_num(rd, it, "lat", &lat)) < 0 ||
            (rc = s_get_num(rd, it, "lon", &lon)) < 0 ||
            (rc = regio_rpp_add_partner(r, id, name, kind, lat, lon, rd->err, rd->errlen)) < 0)
            return rc;
    }
    return rc;
}

/* Capacity rows into rd->seats; absent periods have no seats. */
static int s_read_capacity(s_reader_t *rd, const regio_rpp_t *r, const cJSON *o)
{
    const cJSON *map, *row, *it;
    uint32_t seen = 0;
    int rc = s_get_period_map(rd, o, "capacity", &map);
    memset(rd->seats, 0, sizeof rd->seats);
    for (row = map ? map->child : NULL; rc == 0 && row; row = row->next) {
        int p = s_map_period(rd, r, row, "capacity", &seen), t = 0;
        if (p < 0)
            return p;
        if (!cJSON_IsArray(row) || cJSON_GetArraySize(row) != REGIO_RPP_SLOTS)
            return s_err(rd, REGIO_EINVALID, "capacity for %s must be a list of 10 seats",
                         row->string);
        cJSON_ArrayForEach(it, row) {
            int seats;
            if ((rc = s_to_int(it, &seats)) < 0)
                return s_err(rd, rc, "capacity for %s: slot %d is not an integer",
                             row->string, t);
            rd->seats[p * REGIO_RPP_SLOTS + t++] = seats;
        }
    }
    return rc;
}

static int s_read_offering(s_reader_t *rd, regio_rpp_t *r, const cJSON *it)
{
    regio_rpp_offering_in_t in = {.cap = rd->seats};
    int rc;
    if ((rc = s_get_str(rd, it, "id", 1, &in.id)) < 0 ||
        (rc = s_get_str(rd, it, "partner", 1, &in.partner)) < 0 ||
        (rc = s_get_str(rd, it, "form", 0, &in.form)) < 0 ||
        (rc = s_get_num(rd, it, "lat", &in.lat)) < 0 ||
        (rc = s_get_num(rd, it, "lon", &in.lon)) < 0 ||
        (rc = s_get_strs(rd, it, "goals", &rd->buf[0], &in.goals, &in.n_goals)) < 0 ||
        (rc = s_get_strs(rd, it, "qualifications", &rd->buf[1], &in.quals, &in.n_quals)) < 0 ||
        (rc = s_get_int(rd, it, "min_age", 0, 0, &in.min_age)) < 0 ||
        (rc = s_read_capacity(rd, r, it)) < 0)
        return rc;
    return regio_rpp_add_offering(r, &in, rd->err, rd->errlen);
}

static int s_read_offerings(s_reader_t *rd, regio_rpp_t *r, const cJSON *root)
{
    const cJSON *list, *it;
    int rc = s_get_list(rd, root, "offerings", &list), i = 0;
    cJSON_ArrayForEach(it, list) {
        s_what(rd, "offering", it, i++);
        if (rc < 0 || (rc = s_read_offering(rd, r, it)) < 0)
            return rc;
    }
    return rc;
}

/* One period's free slots as a mask. */
static int s_read_slots(s_reader_t *rd, const cJSON *row, uint16_t *mask)
{
    const cJSON *it;
    if (!cJSON_IsArray(row))
        return s_err(rd, REGIO_EINVALID, "free slots for %s are not a list", row->string);
    cJSON_ArrayForEach(it, row) {
        int t, rc = s_to_int(it, &t);
        if (rc < 0)
            return s_err(rd, REGIO_EINVALID, "free slot in %s is not an integer", row->string);
        if (t < 0 || t >= REGIO_RPP_SLOTS)
            return s_err(rd, REGIO_ERANGE, "free slot %d in %s out of range 0..9", t,
                         row->string);
        if (*mask >> t & 1u)
            return s_err(rd, REGIO_EINVALID, "free slot %d listed twice in %s", t,
                         row->string);
        *mask |= (uint16_t)(1u << t);
    }
    return 0;
}

static int s_read_free(s_reader_t *rd, const regio_rpp_t *r, const cJSON *o,
                       regio_rpp_learner_in_t *in, uint16_t *masks)
{
    const cJSON *map, *row;
    int rc = s_get_period_map(rd, o, "free", &map);
    for (row = map ? map->child : NULL; rc == 0 && row; row = row->next) {
        int p = s_map_period(rd, r, row, "free", &in->planned);
        if (p < 0)
            return p;
        rc = s_read_slots(rd, row, &masks[p]);
    }
    in->free = masks;
    return rc;
}

static int s_read_needs(s_reader_t *rd, const cJSON *o, regio_rpp_learner_in_t *in)
{
    const cJSON *map = s_field(o, "needs"), *it;
    if (!map)
        return 0;
    if (!cJSON_IsObject(map))
        return s_err(rd, REGIO_EINVALID, "needs is not an object");
    size_t n = (size_t)cJSON_GetArraySize(map);
    const char **goals = s_buf(&rd->buf[0], n, sizeof *goals);
    int *amounts = s_buf(&rd->buf[1], n, sizeof *amounts);
    if (!goals || !amounts)
        return s_err(rd, -ENOMEM, "out of memory");
    cJSON_ArrayForEach(it, map) {
        int rc = s_to_int(it, &amounts[in->n_needs]);
        if (rc < 0)
            return s_err(rd, rc, "need %s is not an integer", it->string);
        goals[in->n_needs++] = it->string;
    }
    in->need_goals = goals;
    in->need_amounts = amounts;
    return 0;
}

static int s_read_learner(s_reader_t *rd, regio_rpp_t *r, const cJSON *it)
{
    regio_rpp_learner_in_t in = {0};
    uint16_t masks[REGIO_RPP_MAX_PERIODS] = {0};
    int rc;
    if ((rc = s_get_str(rd, it, "id", 1, &in.id)) < 0 ||
        (rc = s_get_str(rd, it, "school", 1, &in.school)) < 0 ||
        (rc = s_get_str(rd, it, "qualification", 1, &in.qual)) < 0 ||
        (rc = s_get_int(rd, it, "age", 1, 0, &in.age)) < 0 ||
        (rc = s_get_num(rd, it, "lat", &in.lat)) < 0 ||
        (rc = s_get_num(rd, it, "lon", &in.lon)) < 0 ||
        (rc = s_get_num(rd, it, "max_km", &in.max_km)) < 0 ||
        (rc = s_get_int(rd, it, "dagdelen", 1, 0, &in.dagdelen)) < 0 ||
        (rc = s_read_free(rd, r, it, &in, masks)) < 0 || (rc = s_read_needs(rd, it, &in)) < 0 ||
        (rc = s_get_strs(rd, it, "preferred_partners", &rd->buf[2], &in.preferred,
                         &in.n_preferred)) < 0 ||
        (rc = s_get_strs(rd, it, "history", &rd->buf[3], &in.history, &in.n_history)) < 0)
        return rc;
    return regio_rpp_add_learner(r, &in, rd->err, rd->errlen);
}

static int s_read_learners(s_reader_t *rd, regio_rpp_t *r, const cJSON *root)
{
    const cJSON *list, *it;
    int rc = s_get_list(rd, root, "learners", &list), i = 0;
    cJSON_ArrayForEach(it, list) {
        s_what(rd, "learner", it, i++);
        if (rc < 0 || (rc = s_read_learner(rd, r, it)) < 0)
            return rc;
    }
    return rc;
}

/* rpp-2's decisions ------------------------------------------------------- */

/* One of rpp-2's optional lists: absent is empty; each item an object. */
static int s_get_opt_list(s_reader_t *rd, const cJSON *root, const char *key, const cJSON **out)
{
    *out = s_field(root, key);
    return *out ? s_get_list(rd, root, key, out) : 0;
}

/* Ten seats >= 0 (a reservation's) into rd->seats[0..9]. */
static int s_get_ten(s_reader_t *rd, const cJSON *o)
{
    const cJSON *row = s_field(o, "seats"), *it;
    int t = 0;
    if (!cJSON_IsArray(row) || cJSON_GetArraySize(row) != REGIO_RPP_SLOTS)
        return s_err(rd, REGIO_EINVALID, "seats must be 10 integers >= 0");
    cJSON_ArrayForEach(it, row) {
        int seats;
        if (s_to_int(it, &seats) < 0 || seats < 0)
            return s_err(rd, REGIO_EINVALID, "seats must be 10 integers >= 0");
        rd->seats[t++] = seats;
    }
    return 0;
}

/* Read each item of rpp-2's optional list key with fn, naming it "what k". */
static int s_read_each(s_reader_t *rd, regio_rpp_t *r, const cJSON *root, const char *key,
                       const char *what, int (*fn)(s_reader_t *, regio_rpp_t *, const cJSON *))
{
    const cJSON *list, *it;
    int rc = s_get_opt_list(rd, root, key, &list), i = 0;
    for (it = list ? list->child : NULL; rc == 0 && it; it = it->next) {
        snprintf(rd->what, sizeof rd->what, "%s %d", what, i++);
        rc = fn(rd, r, it);
    }
    return rc;
}

static int s_read_reservation(s_reader_t *rd, regio_rpp_t *r, const cJSON *it)
{
    const char *o, *p, *s;
    int rc;
    if ((rc = s_get_str(rd, it, "offering", 1, &o)) < 0 ||
        (rc = s_get_str(rd, it, "period", 1, &p)) < 0 ||
        (rc = s_get_str(rd, it, "school", 1, &s)) < 0 || (rc = s_get_ten(rd, it)) < 0)
        return rc;
    return regio_rpp_add_reservation(r, o, p, s, rd->seats, rd->err, rd->errlen);
}

static int s_read_refusal(s_reader_t *rd, regio_rpp_t *r, const cJSON *it)
{
    const char *l, *q, *o;
    int rc;
    if ((rc = s_get_str(rd, it, "learner", 1, &l)) < 0 ||
        (rc = s_get_str(rd, it, "partner", 0, &q)) < 0 ||
        (rc = s_get_str(rd, it, "offering", 0, &o)) < 0)
        return rc;
    return regio_rpp_add_forbidden(r, l, q, o, rd->err, rd->errlen);
}

static int s_read_pin(s_reader_t *rd, regio_rpp_t *r, const cJSON *it)
{
    const char *l, *p, *o;
    uint16_t mask;
    int rc;
    if ((rc = s_get_str(rd, it, "learner", 1, &l)) < 0 ||
        (rc = s_get_str(rd, it, "period", 1, &p)) < 0 ||
        (rc = s_get_str(rd, it, "offering", 1, &o)) < 0 || (rc = s_get_mask(rd, it, &mask)) < 0)
        return rc;
    return regio_rpp_add_pin(r, l, p, o, mask, rd->err, rd->errlen);
}

static int s_read_instance(s_reader_t *rd, const cJSON *root, regio_rpp_t **out)
{
    const char *name;
    int rc = s_get_str(rd, root, "name", 0, &name);
    if (rc < 0)
        return rc;
    regio_rpp_t *r = regio_rpp_new(name);
    if (!r)
        return s_err(rd, -ENOMEM, "out of memory");
    if ((rc = s_read_weights(rd, r, root)) < 0 || (rc = s_read_periods(rd, r, root)) < 0 ||
        (rc = s_read_partners(rd, r, root)) < 0 || (rc = s_read_offerings(rd, r, root)) < 0 ||
        (rc = s_read_learners(rd, r, root)) < 0 ||
        (rc = s_read_each(rd, r, root, "reservations", "reservation", s_read_reservation)) < 0 ||
        (rc = s_read_each(rd, r, root, "forbidden", "forbidden", s_read_refusal)) < 0 ||
        (rc = s_read_each(rd, r, root, "pins", "pin", s_read_pin)) < 0) {
        regio_rpp_destroy(&r);
        return rc;
    }
    *out = r;
    return 0;
}

int regio_rpp_json_parse(const char *text, size_t len, regio_rpp_t **out, char *err,
                         size_t errlen)
{
    s_reader_t rd = {.err = err, .errlen = errlen};
    cJSON *root;
    *out = NULL;
    if (err && errlen)
        err[0] = '\0';
    int rc = s_parse_root(&rd, text, len, "rpp-1", "rpp-2", &root);
    if (rc < 0)
        return rc;
    rc = s_read_instance(&rd, root, out);
    cJSON_Delete(root);
    s_reader_free(&rd);
    return rc;
}

int regio_rpp_json_load(const char *path, regio_rpp_t **out, char *err, size_t errlen)
{
    char *text;
    size_t len;
    *out = NULL;
    int rc = regio_file_read(path, &text, &len);
    if (rc < 0) {
        if (err && errlen)
            snprintf(err, errlen, "%s: %s", path, strerror(-rc));
        return rc;
    }
    rc = regio_rpp_json_parse(text, len, out, err, errlen);
    free(text);
    return rc;
}

/* Solutions --------------------------------------------------------------- */

/* An id of one of r's tables; unknown is REGIO_ENOTFOUND. */
static int s_get_ref(s_reader_t *rd, const cJSON *o, const char *key, const regio_strtab_t *tab,
                     int32_t *out)
{
    const char *id;
    int rc = s_get_str(rd, o, key, 1, &id);
    if (rc < 0)
        return rc;
    if ((*out = regio_strtab_find(tab, id)) < 0)
        return s_err(rd, REGIO_ENOTFOUND, "unknown %s '%s'", key, id);
    return 0;
}

static int s_read_placement(s_reader_t *rd, const regio_rpp_t *r, const cJSON *it,
                            regio_rpp_sol_t *sol)
{
    int32_t l, p, o;
    int rc;
    uint16_t mask = 0;
    if (!cJSON_IsObject(it))
        return s_err(rd, REGIO_EINVALID, "not an object");
    if ((rc = s_get_ref(rd, it, "learner", r->learner_ids, &l)) < 0 ||
        (rc = s_get_ref(rd, it, "period", r->period_ids, &p)) < 0 ||
        (rc = s_get_ref(rd, it, "offering", r->offering_ids, &o)) < 0 ||
        (rc = s_get_mask(rd, it, &mask)) < 0)
        return rc;
    if (regio_rpp_sol_add(sol, l, (int16_t)p, o, mask) < 0)
        return s_err(rd, -ENOMEM, "out of memory");
    return 0;
}

int regio_rpp_json_parse_sol(const regio_rpp_t *r, const char *text, size_t len,
                             regio_rpp_sol_t *sol, char *err, size_t errlen)
{
    s_reader_t rd = {.err = err, .errlen = errlen};
    cJSON *root;
    if (err && errlen)
        err[0] = '\0';
    int rc = s_parse_root(&rd, text, len, "rpp-1-solution", NULL, &root);
    if (rc < 0)
        return rc;
    const cJSON *list = s_field(root, "placements"), *it;
    int32_t n0 = sol->n, k = 0;
    if (list && !cJSON_IsArray(list))
        rc = s_err(&rd, REGIO_EINVALID, "placements is not a list");
    for (it = list ? list->child : NULL; rc == 0 && it; it = it->next) {
        snprintf(rd.what, sizeof rd.what, "placement %d", (int)k++);
        rc = s_read_placement(&rd, r, it, sol);
    }
    if (rc < 0)
        sol->n = n0;
    cJSON_Delete(root);
    s_reader_free(&rd);
    return rc;
}

/* Read a whole file and hand it to parse. */
static int s_load(const char *path, char **text, size_t *len, char *err, size_t errlen)
{
    int rc = regio_file_read(path, text, len);
    if (rc < 0 && err && errlen)
        snprintf(err, errlen, "%s: %s", path, strerror(-rc));
    return rc;
}

int regio_rpp_json_load_sol(const regio_rpp_t *r, const char *path, regio_rpp_sol_t *sol,
                            char *err, size_t errlen)
{
    char *text;
    size_t len;
    int rc = s_load(path, &text, &len, err, errlen);
    if (rc < 0)
        return rc;
    rc = regio_rpp_json_parse_sol(r, text, len, sol, err, errlen);
    free(text);
    return rc;
}

/* Changes ----------------------------------------------------------------- */

/* An optional list of ids of tab, as indexes into a new array. */
static int s_get_refs(s_reader_t *rd, const cJSON *o, const char *key, const regio_strtab_t *tab,
                      int32_t **out, int *n)
{
    const char *const *ids;
    int rc = s_get_strs(rd, o, key, &rd->buf[0], &ids, n);
    if (rc < 0)
        return rc;
    if (!(*out = calloc((size_t)*n + 1, sizeof **out)))
        return s_err(rd, -ENOMEM, "out of memory");
    for (int i = 0; i < *n; i++)
        if (((*out)[i] = regio_strtab_find(tab, ids[i])) < 0)
            return s_err(rd, REGIO_ENOTFOUND, "%s: unknown id '%s'", key, ids[i]);
    return 0;
}

static int s_read_cap_row(s_reader_t *rd, const regio_rpp_t *r, const cJSON *it, int i,
                          regio_rpp_change_t *c)
{
    int32_t o, p;
    int rc, t = 0;
    snprintf(rd->what, sizeof rd->what, "change: capacity row %d", i);
    if (!cJSON_IsObject(it))
        return s_err(rd, REGIO_EINVALID, "not an object");
    if ((rc = s_get_ref(rd, it, "offering", r->offering_ids, &o)) < 0 ||
        (rc = s_get_ref(rd, it, "period", r->period_ids, &p)) < 0)
        return rc;
    if (c->pinned >> p & 1u)
        return s_err(rd, REGIO_EINVALID, "period %s is pinned", r->periods[p].id);
    const cJSON *row = s_field(it, "capacity"), *s;
    if (!cJSON_IsArray(row) || cJSON_GetArraySize(row) != REGIO_RPP_SLOTS)
        return s_err(rd, REGIO_EINVALID, "capacity must be a list of 10 seats");
    cJSON_ArrayForEach(s, row) {
        int seats;
        if ((rc = s_to_int(s, &seats)) < 0)
            return s_err(rd, rc, "seats must be integers");
        if (seats < 0 || seats > REGIO_RPP_MAX_SEATS)
            return s_err(rd, REGIO_ERANGE, "%d seats out of range 0..%d", seats,
                         REGIO_RPP_MAX_SEATS);
        c->cap_seats[i * REGIO_RPP_SLOTS + t++] = seats;
    }
    c->cap_offering[i] = o;
    c->cap_period[i] = (int16_t)p;
    return 0;
}

static int s_read_change(s_reader_t *rd, const regio_rpp_t *r, const cJSON *root,
                         regio_rpp_change_t *c)
{
    int32_t *pinned = NULL;
    int n, rc = s_get_refs(rd, root, "pinned_periods", r->period_ids, &pinned, &n);
    for (int i = 0; rc == 0 && i < n; i++)
        c->pinned |= 1u << pinned[i];
    free(pinned);
    const cJSON *rows = s_field(root, "capacity"), *it;
    if (rc == 0 && rows && !cJSON_IsArray(rows))
        rc = s_err(rd, REGIO_EINVALID, "capacity is not a list");
    size_t nrows = rows && rc == 0 ? (size_t)cJSON_GetArraySize(rows) : 0;
    c->cap_offering = calloc(nrows + 1, sizeof *c->cap_offering);
    c->cap_period = calloc(nrows + 1, sizeof *c->cap_period);
    c->cap_seats = calloc((nrows + 1) * REGIO_RPP_SLOTS, sizeof *c->cap_seats);
    if (rc == 0 && (!c->cap_offering || !c->cap_period || !c->cap_seats))
        rc = s_err(rd, -ENOMEM, "out of memory");
    for (it = nrows ? rows->child : NULL; rc == 0 && it; it = it->next, c->n_cap++)
        rc = s_read_cap_row(rd, r, it, c->n_cap, c);
    snprintf(rd->what, sizeof rd->what, "change");
    if (rc == 0)
        rc = s_get_refs(rd, root, "withdrawn_offerings", r->offering_ids, &c->withdrawn,
                        &c->n_withdrawn);
    return rc;
}

int regio_rpp_json_load_change(const regio_rpp_t *r, const char *path, regio_rpp_change_t *c,
                               char *err, size_t errlen)
{
    s_reader_t rd = {.err = err, .errlen = errlen};
    char *text;
    size_t len;
    cJSON *root;
    *c = (regio_rpp_change_t){0};
    int rc = s_load(path, &text, &len, err, errlen);
    if (rc < 0)
        return rc;
    if ((rc = s_parse_root(&rd, text, len, "rpp-1-change", NULL, &root)) == 0) {
        snprintf(rd.what, sizeof rd.what, "change");
        rc = s_read_change(&rd, r, root, c);
        cJSON_Delete(root);
    }
    if (rc < 0)
        regio_rpp_change_free(c);
    s_reader_free(&rd);
    free(text);
    return rc;
}
