/* principal - the principals file: keys, names and roles of every caller. */
#include "regio/principal.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "regio/error.h"

#define LINE_MAX_BYTES 1024

struct regio_principals_s {
    regio_principal_t *v; /* sorted by key */
    size_t n, cap;
};

static const struct {
    const char *name;
    regio_role_t role;
    int scoped; /* takes ":<id>" */
} s_roles[] = {
    {"admin", REGIO_ROLE_ADMIN, 0},       {"coordinator", REGIO_ROLE_COORDINATOR, 0},
    {"school", REGIO_ROLE_SCHOOL, 1},     {"partner", REGIO_ROLE_PARTNER, 1},
    {"subscriber", REGIO_ROLE_SUBSCRIBER, 1}, {"service", REGIO_ROLE_SERVICE, 1},
};
#define N_ROLES (sizeof s_roles / sizeof s_roles[0])

static const char s_z85[] =
    "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ.-:+=^!/*?&<>()[]{}@%$#";

int regio_principal_key_ok(const char *text)
{
    if (!text || strlen(text) != REGIO_KEY_TEXT)
        return 0;
    for (const char *c = text; *c; c++)
        if (!strchr(s_z85, *c))
            return 0;
    return 1;
}

/* A topic prefix: 1..95 bytes of id characters and '/'. */
static int s_prefix_ok(const char *s, size_t n)
{
    if (n == 0 || n >= REGIO_TOPIC_MAX)
        return 0;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (!(c == '/' || c == '.' || c == '_' || c == ':' || c == '-' || (c >= '0' && c <= '9') ||
              (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')))
            return 0;
    }
    return 1;
}

static int s_parse_prefixes(const char *list, regio_principal_t *p, char *err, size_t errlen)
{
    const char *s = list;
    for (;;) {
        const char *comma = strchr(s, ',');
        size_t n = comma ? (size_t)(comma - s) : strlen(s);
        if (!s_prefix_ok(s, n)) {
            snprintf(err, errlen, "subscriber prefix '%.*s' must be 1..%d characters of "
                     "[A-Za-z0-9._:/-]", (int)n, s, REGIO_TOPIC_MAX - 1);
            return REGIO_EINVALID;
        }
        if (p->n_prefixes == REGIO_PRINCIPAL_PREFIXES) {
            snprintf(err, errlen, "a subscriber has at most %d prefixes", REGIO_PRINCIPAL_PREFIXES);
            return REGIO_EINVALID;
        }
        memcpy(p->prefixes[p->n_prefixes], s, n);
        p->prefixes[p->n_prefixes++][n] = '\0';
        if (!comma)
            return 0;
        s = comma + 1;
    }
}

int regio_principal_parse_role(const char *text, regio_principal_t *p, char *err, size_t errlen)
{
    const char *colon = strchr(text, ':');
    size_t n = colon ? (size_t)(colon - text) : strlen(text);
    p->scope[0] = '\0';
    p->n_prefixes = 0;
    for (size_t i = 0; i < N_ROLES; i++) {
        if (strlen(s_roles[i].name) != n || strncmp(text, s_roles[i].name, n) != 0)
            continue;
        p->role = s_roles[i].role;
        if (!s_roles[i].scoped) {
            if (!colon)
                return 0;
            snprintf(err, errlen, "role %s takes no ':<id>'", s_roles[i].name);
            return REGIO_EINVALID;
        }
        if (!colon || !colon[1]) {
            snprintf(err, errlen, "role %s needs ':<%s>'", s_roles[i].name,
                     p->role == REGIO_ROLE_SUBSCRIBER ? "topic-prefix[,prefix...]" : "id");
            return REGIO_EINVALID;
        }
        if (p->role == REGIO_ROLE_SUBSCRIBER)
            return s_parse_prefixes(colon + 1, p, err, errlen);
        return regio_validate_id(colon + 1, s_roles[i].name, err, errlen) < 0
                   ? REGIO_EINVALID
                   : (snprintf(p->scope, sizeof p->scope, "%s", colon + 1), 0);
    }
    snprintf(err, errlen, "unknown role '%s' (admin, coordinator, school:<id>, partner:<id>, "
             "subscriber:<prefix>[,...], service:<name>)", text);
    return REGIO_EINVALID;
}

void regio_principal_role_text(const regio_principal_t *p, char *out, size_t n)
{
    const char *name = "none";
    for (size_t i = 0; i < N_ROLES; i++)
        if (s_roles[i].role == p->role)
            name = s_roles[i].name;
    if (p->role == REGIO_ROLE_SUBSCRIBER) {
        size_t k = (size_t)snprintf(out, n, "%s:", name);
        for (int i = 0; i < p->n_prefixes && k < n; i++)
            k += (size_t)snprintf(out + k, n - k, "%s%s", i ? "," : "", p->prefixes[i]);
    } else if (p->scope[0]) {
        snprintf(out, n, "%s:%s", name, p->scope);
    } else {
        snprintf(out, n, "%s", name);
    }
}

regio_principals_t *regio_principals_new(void)
{
    return calloc(1, sizeof(regio_principals_t));
}

static int s_cmp_key(const void *a, const void *b)
{
    return strcmp(((const regio_principal_t *)a)->key, ((const regio_principal_t *)b)->key);
}

int regio_principals_add(regio_principals_t *t, const regio_principal_t *p)
{
    if (regio_principals_find(t, p->key) || regio_principals_find_name(t, p->name))
        return REGIO_EDUPLICATE;
    if (t->n == t->cap) {
        size_t cap = t->cap ? t->cap * 2 : 16;
        regio_principal_t *v = realloc(t->v, cap * sizeof *v);
        if (!v)
            return -ENOMEM;
        t->v = v;
        t->cap = cap;
    }
    size_t i = t->n; /* insertion keeps the table sorted by key */
    while (i > 0 && strcmp(t->v[i - 1].key, p->key) > 0) {
        t->v[i] = t->v[i - 1];
        i--;
    }
    t->v[i] = *p;
    snprintf(t->v[i].fingerprint, sizeof t->v[i].fingerprint, "%.*s", REGIO_FINGERPRINT_LEN,
             p->key);
    t->n++;
    return 0;
}

const regio_principal_t *regio_principals_find(const regio_principals_t *t, const char *key)
{
    if (!t || !key || !key[0])
        return NULL;
    regio_principal_t probe;
    snprintf(probe.key, sizeof probe.key, "%s", key);
    return bsearch(&probe, t->v, t->n, sizeof *t->v, s_cmp_key);
}

const regio_principal_t *regio_principals_find_name(const regio_principals_t *t, const char *name)
{
    for (size_t i = 0; t && i < t->n; i++)
        if (strcmp(t->v[i].name, name) == 0)
            return &t->v[i];
    return NULL;
}

size_t regio_principals_count(const regio_principals_t *t)
{
    return t ? t->n : 0;
}

void regio_principals_destroy(regio_principals_t **self)
{
    if (!self || !*self)
        return;
    free((*self)->v);
    free(*self);
    *self = NULL;
}

/* One line "key name role" into p; 1 for a principal, 0 for a blank or
 * comment line, REGIO_EINVALID with why in err. */
static int s_parse_line(char *line, regio_principal_t *p, char *err, size_t errlen)
{
    char *save, *key = strtok_r(line, " \t\r\n", &save);
    if (!key || key[0] == '#')
        return 0;
    char *name = strtok_r(NULL, " \t\r\n", &save), *role = strtok_r(NULL, " \t\r\n", &save);
    char *extra = strtok_r(NULL, " \t\r\n", &save);
    memset(p, 0, sizeof *p);
    if (!name || !role || (extra && extra[0] != '#')) {
        snprintf(err, errlen, "want 'KEY NAME ROLE'");
        return REGIO_EINVALID;
    }
    if (!regio_principal_key_ok(key)) {
        snprintf(err, errlen, "'%.48s' is not a Z85 public key (40 characters)", key);
        return REGIO_EINVALID;
    }
    if (regio_validate_id(name, "name", err, errlen) < 0)
        return REGIO_EINVALID;
    snprintf(p->key, sizeof p->key, "%s", key);
    snprintf(p->name, sizeof p->name, "%s", name);
    return regio_principal_parse_role(role, p, err, errlen) < 0 ? REGIO_EINVALID : 1;
}

int regio_principals_load(const char *path, regio_principals_t **out, char *err, size_t errlen)
{
    *out = NULL;
    FILE *f = fopen(path, "r");
    if (!f) {
        int e = errno;
        snprintf(err, errlen, "%s: %s", path, strerror(e));
        return -e;
    }
    regio_principals_t *t = regio_principals_new();
    char line[LINE_MAX_BYTES], why[256];
    int rc = t ? 0 : -ENOMEM;
    for (int no = 1; rc == 0 && fgets(line, sizeof line, f); no++) {
        regio_principal_t p;
        if (!strchr(line, '\n') && !feof(f)) {
            snprintf(err, errlen, "%s:%d: line longer than %d bytes", path, no, LINE_MAX_BYTES - 2);
            rc = REGIO_EINVALID;
        } else if ((rc = s_parse_line(line, &p, why, sizeof why)) < 0) {
            snprintf(err, errlen, "%s:%d: %s", path, no, why);
        } else if (rc == 1 && (rc = regio_principals_add(t, &p)) == REGIO_EDUPLICATE) {
            snprintf(err, errlen, "%s:%d: key or name '%s' listed twice", path, no, p.name);
            rc = REGIO_EINVALID;
        }
    }
    fclose(f);
    if (rc < 0) {
        if (rc == -ENOMEM)
            snprintf(err, errlen, "%s: out of memory", path);
        regio_principals_destroy(&t);
        return rc;
    }
    *out = t;
    return 0;
}

const regio_principal_t *regio_principal_anonymous(void)
{
    static const regio_principal_t anon = {.name = "anonymous", .role = REGIO_ROLE_ADMIN,
                                           .fingerprint = "none", .unchecked = 1};
    return &anon;
}
