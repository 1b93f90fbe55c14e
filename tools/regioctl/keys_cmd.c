/* keys - key pairs and the principals file: new, list, revoke. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "commands.h"
#include "ctl.h"
#include "regio/curve.h"
#include "regio/file.h"
#include "regio/principal.h"

static void s_principals_path(const regioctl_t *c, char *out, size_t n)
{
    snprintf(out, n, "%s/principals", c->keys);
}

/* The principals file as text ("" when there is none yet), checked. */
static int s_read_principals(regioctl_t *c, const char *path, char **text,
                             regio_principals_t **t)
{
    size_t len;
    char err[1024];
    int rc = regio_file_read(path, text, &len);
    if (rc == -ENOENT) {
        *text = strdup("");
        *t = regio_principals_new();
        return *text && *t ? 0 : regioctl_fail(c, REGIOCTL_EXIT_SERVICE, "out of memory");
    }
    if (rc < 0)
        return regioctl_fail(c, REGIOCTL_EXIT_USAGE, "%s: %s", path, strerror(-rc));
    if (regio_principals_load(path, t, err, sizeof err) < 0) {
        free(*text);
        return regioctl_fail(c, REGIOCTL_EXIT_USAGE, "%s", err);
    }
    return 0;
}

static int s_new(regioctl_t *c, int argc, char **argv)
{
    const char *name = NULL, *role = NULL;
    for (int i = 2; i < argc; i++) {
        if (regioctl_opt_is(argv[i], "--role")) {
            if (!(role = regioctl_opt_value(c, argc, argv, &i)))
                return REGIOCTL_EXIT_USAGE;
        } else if (!name && argv[i][0] != '-') {
            name = argv[i];
        } else {
            return regioctl_fail(c, REGIOCTL_EXIT_USAGE, "unexpected '%s'", argv[i]);
        }
    }
    if (!name || !role)
        return regioctl_fail(c, REGIOCTL_EXIT_USAGE, "usage: regioctl keys new NAME --role ROLE");
    regio_principal_t p = {0};
    char err[1024], path[1024], *text;
    if (regio_validate_id(name, "key name", err, sizeof err) < 0 ||
        regio_principal_parse_role(role, &p, err, sizeof err) < 0)
        return regioctl_fail(c, REGIOCTL_EXIT_USAGE, "%s", err);
    regio_principals_t *t;
    s_principals_path(c, path, sizeof path);
    int rc = s_read_principals(c, path, &text, &t);
    if (rc != 0)
        return rc;
    if (regio_principals_find_name(t, name)) {
        rc = regioctl_fail(c, REGIOCTL_EXIT_USAGE, "%s already names a principal in %s", name, path);
        goto out;
    }
    regio_keypair_t kp;
    if (regio_keys_new(c->keys, name, &kp, err, sizeof err) < 0) {
        rc = regioctl_fail(c, REGIOCTL_EXIT_USAGE, "%s", err);
        goto out;
    }
    size_t n = strlen(text), need = n + 256;
    char *next = malloc(need);
    if (!next) {
        rc = regioctl_fail(c, REGIOCTL_EXIT_SERVICE, "out of memory");
        goto out;
    }
    snprintf(next, need, "%s%s%s %s %s\n", text, n && text[n - 1] != '\n' ? "\n" : "",
             kp.public_key, name, role);
    if ((rc = regio_file_write_atomic(path, next, strlen(next))) < 0)
        rc = regioctl_fail(c, REGIOCTL_EXIT_SERVICE, "%s: %s", path, strerror(-rc));
    else
        printf("%s/%s.key %s/%s.pub %s %s\n", c->keys, name, c->keys, name, name, role);
    free(next);
out:
    free(text);
    regio_principals_destroy(&t);
    return rc;
}

static int s_list(regioctl_t *c)
{
    char path[1024], *text, role[1024];
    regio_principals_t *t;
    s_principals_path(c, path, sizeof path);
    int rc = s_read_principals(c, path, &text, &t);
    if (rc != 0)
        return rc;
    char *save, *line = strtok_r(text, "\n", &save);
    for (; line; line = strtok_r(NULL, "\n", &save)) {
        char key[64];
        if (sscanf(line, "%63s", key) != 1 || key[0] == '#')
            continue;
        const regio_principal_t *p = regio_principals_find(t, key);
        if (!p)
            continue;
        regio_principal_role_text(p, role, sizeof role);
        printf("%-24s %-32s %s\n", p->name, role, p->fingerprint);
    }
    free(text);
    regio_principals_destroy(&t);
    return 0;
}

static int s_revoke(regioctl_t *c, const char *name)
{
    char path[1024], *text;
    regio_principals_t *t;
    s_principals_path(c, path, sizeof path);
    int rc = s_read_principals(c, path, &text, &t);
    if (rc != 0)
        return rc;
    if (!regio_principals_find_name(t, name)) {
        rc = regioctl_fail(c, REGIOCTL_EXIT_USAGE, "%s names no principal in %s", name, path);
        goto out;
    }
    char *kept = calloc(1, strlen(text) + 1), *save, *line = strtok_r(text, "\n", &save);
    for (; kept && line; line = strtok_r(NULL, "\n", &save)) {
        char key[64] = "", who[128] = "";
        if (sscanf(line, "%63s %127s", key, who) == 2 && key[0] != '#' && strcmp(who, name) == 0)
            continue;
        strcat(kept, line);
        strcat(kept, "\n");
    }
    if (!kept)
        rc = regioctl_fail(c, REGIOCTL_EXIT_SERVICE, "out of memory");
    else if ((rc = regio_file_write_atomic(path, kept, strlen(kept))) < 0)
        rc = regioctl_fail(c, REGIOCTL_EXIT_SERVICE, "%s: %s", path, strerror(-rc));
    else
        printf("revoked %s (send SIGHUP to the services, or ./regio reload)\n", name);
    free(kept);
out:
    free(text);
    regio_principals_destroy(&t);
    return rc;
}

int regioctl_keys(regioctl_t *c, int argc, char **argv)
{
    if (argc >= 2 && strcmp(argv[1], "new") == 0)
        return s_new(c, argc, argv);
    if (argc == 2 && strcmp(argv[1], "list") == 0)
        return s_list(c);
    if (argc == 3 && strcmp(argv[1], "revoke") == 0)
        return s_revoke(c, argv[2]);
    return regioctl_fail(c, REGIOCTL_EXIT_USAGE,
                         "usage: regioctl keys new NAME --role ROLE | list | revoke NAME");
}
