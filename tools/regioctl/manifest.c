/* manifest - backup folders' manifest.json, written and read in one place. */
#include "manifest.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "regio/error.h"
#include "regio/file.h"

#define FORMAT "regio-backup-1"

int regioctl_manifest_write(const char *dir, const regioctl_manifest_t *m, char *err, size_t n)
{
    cJSON *root = cJSON_CreateObject(), *stores = cJSON_CreateArray();
    cJSON_AddStringToObject(root, "format", FORMAT);
    cJSON_AddStringToObject(root, "created", m->created);
    cJSON_AddItemToObject(root, "stores", stores);
    for (int i = 0; i < m->n; i++) {
        const regioctl_manifest_store_t *s = &m->s[i];
        cJSON *o = cJSON_CreateObject();
        cJSON_AddStringToObject(o, "service", s->service);
        cJSON_AddStringToObject(o, "store_id", s->store_id);
        cJSON_AddNumberToObject(o, "seq", (double)s->seq);
        cJSON_AddNumberToObject(o, "txnid", (double)s->txnid);
        cJSON_AddStringToObject(o, "digest", s->digest);
        cJSON_AddNumberToObject(o, "size", (double)s->size);
        cJSON_AddNumberToObject(o, "entries", (double)s->entries);
        cJSON_AddItemToArray(stores, o);
    }
    char *text = cJSON_Print(root), path[4096];
    cJSON_Delete(root);
    if (!text) {
        snprintf(err, n, "out of memory");
        return -ENOMEM;
    }
    snprintf(path, sizeof path, "%s/manifest.json", dir);
    int rc = regio_file_write_atomic(path, text, strlen(text));
    free(text);
    if (rc < 0)
        snprintf(err, n, "%s: %s", path, strerror(-rc));
    return rc;
}

static int s_str(const cJSON *o, const char *key, char *out, size_t n)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
    if (!cJSON_IsString(v) || strlen(v->valuestring) >= n)
        return -1;
    snprintf(out, n, "%s", v->valuestring);
    return 0;
}

static int s_u64(const cJSON *o, const char *key, uint64_t *out)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
    if (!cJSON_IsNumber(v) || v->valuedouble < 0)
        return -1;
    *out = (uint64_t)v->valuedouble;
    return 0;
}

static int s_store(const cJSON *o, regioctl_manifest_store_t *s)
{
    return s_str(o, "service", s->service, sizeof s->service) < 0 ||
                   s_str(o, "store_id", s->store_id, sizeof s->store_id) < 0 ||
                   s_str(o, "digest", s->digest, sizeof s->digest) < 0 ||
                   s_u64(o, "seq", &s->seq) < 0 || s_u64(o, "txnid", &s->txnid) < 0 ||
                   s_u64(o, "size", &s->size) < 0 || s_u64(o, "entries", &s->entries) < 0
               ? -1
               : 0;
}

int regioctl_manifest_read(const char *dir, regioctl_manifest_t *m, char *err, size_t n)
{
    char path[4096], *text = NULL;
    memset(m, 0, sizeof *m);
    snprintf(path, sizeof path, "%s/manifest.json", dir);
    int rc = regio_file_read(path, &text, NULL);
    if (rc < 0) {
        snprintf(err, n, "%s: %s%s", path, strerror(-rc),
                 rc == -ENOENT ? " (not a backup folder, or a backup that did not finish)" : "");
        return rc;
    }
    cJSON *root = cJSON_Parse(text);
    free(text);
    const cJSON *stores = cJSON_GetObjectItemCaseSensitive(root, "stores"), *o;
    char format[32] = "";
    rc = root && s_str(root, "format", format, sizeof format) == 0 && strcmp(format, FORMAT) == 0 &&
                 s_str(root, "created", m->created, sizeof m->created) == 0 &&
                 cJSON_IsArray(stores)
             ? 0
             : REGIO_EPARSE;
    cJSON_ArrayForEach(o, stores)
    {
        if (rc < 0 || m->n >= REGIOCTL_MANIFEST_STORES || s_store(o, &m->s[m->n]) < 0 ||
            regioctl_manifest_find(m, m->s[m->n].service)) {
            rc = REGIO_EPARSE;
            break;
        }
        m->n++;
    }
    cJSON_Delete(root);
    if (rc < 0)
        snprintf(err, n, "%s is not a %s manifest (or is damaged)", path, FORMAT);
    return rc;
}

const regioctl_manifest_store_t *regioctl_manifest_find(const regioctl_manifest_t *m,
                                                         const char *service)
{
    for (int i = 0; i < m->n; i++)
        if (strcmp(m->s[i].service, service) == 0)
            return &m->s[i];
    return NULL;
}
