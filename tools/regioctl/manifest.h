/* manifest - what a backup folder holds: one entry per service's store.
 *
 * A backup folder (regioctl backup DIR) holds <service>/data.mdb with its
 * store-id and store-digest files, and manifest.json, written last: a
 * folder without it is an unfinished backup. The manifest names, per
 * store, its store id, the service's seq in it, its last transaction and
 * its content digest (store_check.h), so restore can prove a copy is the
 * one that was taken. The format is "regio-backup-1":
 *
 *   {"format": "regio-backup-1", "created": "2026-12-04T10:00:00Z",
 *    "stores": [{"service": "planner", "store_id": "...", "seq": 7,
 *                "txnid": 2, "digest": "0123456789abcdef", "size": 245760,
 *                "entries": 996}, ...]}
 *
 * Stores are listed in the order they were copied.
 */
#ifndef REGIOCTL_MANIFEST_H
#define REGIOCTL_MANIFEST_H

#include <stddef.h>
#include <stdint.h>

#define REGIOCTL_MANIFEST_STORES 4

typedef struct {
    char service[16];   /* "registry", "capacity", "planner", "notifier" */
    char store_id[33];  /* 32 hex digits */
    uint64_t seq;       /* the service's seq in the copy */
    uint64_t txnid;     /* the copy's last transaction */
    uint64_t size;      /* bytes of data.mdb */
    uint64_t entries;   /* key/value pairs */
    char digest[17];    /* content digest, 16 hex digits */
} regioctl_manifest_store_t;

typedef struct {
    char created[32];   /* UTC, ISO 8601 */
    int n;              /* stores */
    regioctl_manifest_store_t s[REGIOCTL_MANIFEST_STORES];
} regioctl_manifest_t;

/* Write dir/manifest.json atomically. Returns 0 or -errno with err set. */
int regioctl_manifest_write(const char *dir, const regioctl_manifest_t *m, char *err, size_t n);

/* Read dir/manifest.json. Returns 0, or a negative code with err set (no
 * manifest: an unfinished backup, or not a backup folder; a malformed one). */
int regioctl_manifest_read(const char *dir, regioctl_manifest_t *m, char *err, size_t n);

/* The entry of service in m, or NULL. */
const regioctl_manifest_store_t *regioctl_manifest_find(const regioctl_manifest_t *m,
                                                         const char *service);

#endif
