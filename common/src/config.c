/* config - table-driven settings from defaults, a config file and flags. */
#include "regio/config.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "regio/error.h"
#include "regio/file.h"

static const regio_config_entry_t *s_find(const regio_config_entry_t *t, const char *name)
{
    for (; t->name; t++)
        if (strcmp(t->name, name) == 0)
            return t;
    return NULL;
}

/* Where a comment starts in line (a '#' first or after a blank), or NULL. */
static char *s_comment(char *line)
{
    for (char *p = line; *p; p++)
        if (*p == '#' && (p == line || p[-1] == ' ' || p[-1] == '\t'))
            return p;
    return NULL;
}

static int s_set_text(const regio_config_entry_t *e, const char *v, char *err, size_t errlen)
{
    int rc;
    if (strlen(v) >= REGIO_CONFIG_STR_MAX) {
        snprintf(err, errlen, "%s: value too long", e->name);
        return REGIO_ERANGE;
    }
    if (s_comment((char *)v)) { /* in a file it would start a comment: no dump reads back */
        snprintf(err, errlen, "%s: a value cannot start with '#' or hold a blank and '#'",
                 e->name);
        return REGIO_EINVALID;
    }
    if (e->type == REGIO_CONFIG_ENDPOINT &&
        (rc = regio_config_check_endpoint(v, err, errlen)) < 0) {
        char why[256];
        snprintf(why, sizeof why, "%s", err);
        snprintf(err, errlen, "%s: %s", e->name, why);
        return rc;
    }
    strcpy((char *)e->ptr, v);
    return 0;
}

static int s_set(const regio_config_entry_t *e, const char *v, char *err, size_t errlen)
{
    char *end = NULL;
    switch (e->type) {
    case REGIO_CONFIG_STR:
    case REGIO_CONFIG_ENDPOINT:
        return s_set_text(e, v, err, errlen);
    case REGIO_CONFIG_INT: {
        errno = 0;
        long x = strtol(v, &end, 10);
        if (errno || end == v || *end) {
            snprintf(err, errlen, "%s: '%s' is not an integer", e->name, v);
            return REGIO_EINVALID;
        }
        if (e->min <= e->max && (x < e->min || x > e->max)) {
            snprintf(err, errlen, "%s: %ld outside %ld..%ld", e->name, x, e->min, e->max);
            return REGIO_ERANGE;
        }
        *(long *)e->ptr = x;
        return 0;
    }
    case REGIO_CONFIG_DOUBLE: {
        double x = strtod(v, &end);
        if (end == v || *end || !isfinite(x)) {
            snprintf(err, errlen, "%s: '%s' is not a finite number", e->name, v);
            return REGIO_EINVALID;
        }
        if (e->min <= e->max && (x < (double)e->min || x > (double)e->max)) {
            snprintf(err, errlen, "%s: %g outside %ld..%ld", e->name, x, e->min, e->max);
            return REGIO_ERANGE;
        }
        *(double *)e->ptr = x;
        return 0;
    }
    case REGIO_CONFIG_BOOL:
        if (!strcmp(v, "1") || !strcmp(v, "true") || !strcmp(v, "yes") || !strcmp(v, "on"))
            *(int *)e->ptr = 1;
        else if (!strcmp(v, "0") || !strcmp(v, "false") || !strcmp(v, "no") || !strcmp(v, "off"))
            *(int *)e->ptr = 0;
        else {
            snprintf(err, errlen, "%s: '%s' is not a boolean", e->name, v);
            return REGIO_EINVALID;
        }
        return 0;
    }
    return REGIO_EINVALID;
}

/* Read a config file: regular, at most REGIO_CONFIG_FILE_MAX bytes, no NUL. */
static int s_read_file(const char *path, char **text, char *err, size_t errlen)
{
    size_t len;
    int rc = regio_file_read_max(path, REGIO_CONFIG_FILE_MAX, text, &len);
    if (rc == -EFBIG)
        snprintf(err, errlen, "config %s: larger than %d bytes", path, REGIO_CONFIG_FILE_MAX);
    else if (rc == -EINVAL)
        snprintf(err, errlen, "config %s: not a regular file", path);
    else if (rc < 0)
        snprintf(err, errlen, "config %s: %s", path, strerror(-rc));
    else if (strlen(*text) != len) {
        snprintf(err, errlen, "config %s: a NUL byte at offset %zu", path, strlen(*text));
        free(*text);
        rc = REGIO_EINVALID;
    }
    return rc;
}

static int s_load_file(const regio_config_entry_t *t, const char *path, char *err, size_t errlen)
{
    char *text = NULL;
    int rc = s_read_file(path, &text, err, errlen);
    if (rc < 0)
        return rc;
    for (char *save = NULL, *line = strtok_r(text, "\n", &save); line;
         line = strtok_r(NULL, "\n", &save)) {
        char *hash = s_comment(line);
        if (hash)
            *hash = '\0';
        while (*line == ' ' || *line == '\t')
            line++;
        if (*line == '\0' || *line == '\r')
            continue;
        char *sp = line + strcspn(line, " \t");
        char *val = sp;
        if (*sp) {
            *sp = '\0';
            val = sp + 1;
            while (*val == ' ' || *val == '\t')
                val++;
        }
        size_t vl = strlen(val);
        while (vl && (val[vl - 1] == ' ' || val[vl - 1] == '\t' || val[vl - 1] == '\r'))
            val[--vl] = '\0';
        const regio_config_entry_t *e = s_find(t, line);
        if (!e) {
            snprintf(err, errlen, "config %s: unknown setting '%s'", path, line);
            rc = REGIO_EINVALID;
            break;
        }
        if ((rc = s_set(e, val, err, errlen)) < 0)
            break;
    }
    free(text);
    return rc;
}

int regio_config_parse(const regio_config_entry_t *t, int argc, char **argv, FILE *out,
                       char *err, size_t errlen)
{
    int rc;
    for (const regio_config_entry_t *e = t; e->name; e++)
        if ((rc = s_set(e, e->def, err, errlen)) < 0)
            return rc;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
            regio_config_usage(t, argv[0], out);
            return 1;
        }
        if (!strcmp(argv[i], "--config")) {
            if (i + 1 >= argc) {
                snprintf(err, errlen, "--config needs a file");
                return REGIO_EINVALID;
            }
            if ((rc = s_load_file(t, argv[i + 1], err, errlen)) < 0)
                return rc;
        }
    }
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--config")) {
            i++;
            continue;
        }
        const regio_config_entry_t *e =
            strncmp(argv[i], "--", 2) == 0 ? s_find(t, argv[i] + 2) : NULL;
        if (!e) {
            snprintf(err, errlen, "unknown argument '%s' (see --help)", argv[i]);
            return REGIO_EINVALID;
        }
        if (e->type == REGIO_CONFIG_BOOL && (i + 1 >= argc || strncmp(argv[i + 1], "--", 2) == 0)) {
            *(int *)e->ptr = 1;
            continue;
        }
        if (i + 1 >= argc) {
            snprintf(err, errlen, "--%s needs a value", e->name);
            return REGIO_EINVALID;
        }
        if ((rc = s_set(e, argv[++i], err, errlen)) < 0)
            return rc;
    }
    return 0;
}

void regio_config_dump(const regio_config_entry_t *t, FILE *f)
{
    for (; t->name; t++) {
        if (strcmp(t->name, "dump-config") == 0)
            continue; /* an action, not a setting: a dump must run when fed back */
        switch (t->type) {
        case REGIO_CONFIG_STR:
        case REGIO_CONFIG_ENDPOINT: fprintf(f, "%s %s\n", t->name, (const char *)t->ptr); break;
        case REGIO_CONFIG_INT: fprintf(f, "%s %ld\n", t->name, *(long *)t->ptr); break;
        case REGIO_CONFIG_DOUBLE: fprintf(f, "%s %.17g\n", t->name, *(double *)t->ptr); break;
        case REGIO_CONFIG_BOOL: fprintf(f, "%s %s\n", t->name, *(int *)t->ptr ? "yes" : "no"); break;
        }
    }
}

int regio_config_check_endpoint(const char *ep, char *err, size_t errlen)
{
    static const char *const schemes[] = {"ipc://", "inproc://"};
    for (size_t i = 0; i < sizeof schemes / sizeof schemes[0]; i++)
        if (strncmp(ep, schemes[i], strlen(schemes[i])) == 0 && ep[strlen(schemes[i])])
            return 0;
    const char *colon = strrchr(ep, ':');
    if (strncmp(ep, "tcp://", 6) != 0 || !colon || colon < ep + 7) {
        snprintf(err, errlen, "'%.64s' is not tcp://HOST:PORT, ipc://PATH or inproc://NAME", ep);
        return REGIO_EINVALID;
    }
    long port = 0;
    const char *p = colon + 1;
    for (; *p >= '0' && *p <= '9' && port <= 65535; p++)
        port = port * 10 + (*p - '0');
    if (p == colon + 1 || *p || port < 1 || port > 65535) {
        snprintf(err, errlen, "'%.64s': port must be a number 1..65535", ep);
        return REGIO_EINVALID;
    }
    return 0;
}

void regio_config_usage(const regio_config_entry_t *t, const char *prog, FILE *f)
{
    fprintf(f, "usage: %s [--config FILE] [--name value ...]\n\n", prog);
    for (; t->name; t++)
        fprintf(f, "  --%-22s %s (default: %s)\n", t->name, t->help, t->def[0] ? t->def : "\"\"");
}
