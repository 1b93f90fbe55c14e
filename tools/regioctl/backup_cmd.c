/* backup_cmd - a hot backup of every service's store into one folder.
 *
 * Each service copies its own store (BackupRequest, common.proto), so this
 * works when every service has its own host and volume: the copies come
 * back in chunks. The planner goes first and stays open until the notifier
 * has made its copy, so the notifier's log holds nothing the planner's copy
 * does not know it sent; capacity and then the registry come after the
 * planner, so every follower's copy saw (regio/follow.h) no more of its
 * upstream than the restored upstream holds: no seq goes back.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <zmq.h>

#include "commands.h"
#include "ctl.h"
#include "manifest.h"
#include "regio/error.h"
#include "regio/file.h"
#include "regio/store_check.h"

#define BACKUP_TIMEOUT_MS (10 * 60 * 1000) /* one store's copy, unless --timeout-ms */

typedef struct {
    const char *name;       /* service */
    const char *endpoint;
    regioctl_conn_t k;
    regio_envelope_t *ready; /* its BackupReady, owned */
    double fetch_ms;
} s_svc_t;

static int s_call(regioctl_t *c, s_svc_t *s, uint64_t id, uint64_t offset, int end,
                  Regio__Envelope__BodyCase want, regio_envelope_t **rep, char *err, size_t n)
{
    Regio__BackupRequest q = REGIO__BACKUP_REQUEST__INIT;
    q.backup_id = id;
    q.offset = offset;
    q.end = end;
    regio_envelope_t req = REGIO__ENVELOPE__INIT;
    req.body_case = REGIO__ENVELOPE__BODY_BACKUP_REQUEST;
    req.backup_request = &q;
    int timeout = c->timeout_set ? c->timeout_ms : BACKUP_TIMEOUT_MS;
    return regioctl_call(&s->k, &req, want, rep, timeout, err, n);
}

/* Connect to s and ask its Status, with the usual timeout: a service that
 * is down is told at once, before any backup holds the planner's outbox. */
static int s_probe(regioctl_t *c, s_svc_t *s, char *err, size_t n)
{
    int rc = regioctl_conn_open(c, &s->k, s->name, s->name, s->endpoint, ZMQ_DEALER);
    if (rc)
        return rc;
    Regio__StatusRequest sr = REGIO__STATUS_REQUEST__INIT;
    regio_envelope_t req = REGIO__ENVELOPE__INIT, *rep = NULL;
    req.body_case = REGIO__ENVELOPE__BODY_STATUS_REQUEST;
    req.status_request = &sr;
    if ((rc = regioctl_call(&s->k, &req, REGIO__ENVELOPE__BODY_STATUS, &rep, c->timeout_ms, err, n)))
        return rc;
    regio__envelope__free_unpacked(rep, NULL);
    return 0;
}

/* Ask s to copy its store; wait for BackupReady (as long as a big store's
 * copy may take). */
static int s_start(regioctl_t *c, s_svc_t *s, char *err, size_t n)
{
    return s_call(c, s, 0, 0, 0, REGIO__ENVELOPE__BODY_BACKUP_READY, &s->ready, err, n);
}

/* End s's backup (best effort when cleaning up). */
static void s_end(regioctl_t *c, s_svc_t *s)
{
    regio_envelope_t *rep = NULL;
    char err[REGIOCTL_ERR_MAX];
    if (s->ready && s_call(c, s, s->ready->backup_ready->backup_id, 0, 1,
                           REGIO__ENVELOPE__BODY_ACK, &rep, err, sizeof err) == 0)
        regio__envelope__free_unpacked(rep, NULL);
    if (s->ready)
        regio__envelope__free_unpacked(s->ready, NULL);
    s->ready = NULL;
    regioctl_conn_close(&s->k);
}

static int s_write_all(int fd, const uint8_t *p, size_t n)
{
    while (n > 0) {
        ssize_t w = write(fd, p, n);
        if (w < 0 && errno == EINTR)
            continue;
        if (w < 0)
            return -errno;
        p += w;
        n -= (size_t)w;
    }
    return 0;
}

/* Fetch s's copy into folder/data.mdb, label it and check it. */
static int s_fetch(regioctl_t *c, s_svc_t *s, const char *folder, char *err, size_t n)
{
    const Regio__BackupReady *r = s->ready->backup_ready;
    char path[1100];
    int64_t t0 = regioctl_now_ms();
    snprintf(path, sizeof path, "%.1000s/data.mdb", folder);
    int rc = regio_file_mkdirs(folder), fd = rc < 0 ? -1 : open(path, O_WRONLY | O_CREAT | O_EXCL, 0640);
    if (fd < 0) {
        snprintf(err, n, "%s: %s", path, strerror(rc < 0 ? -rc : errno));
        return REGIOCTL_EXIT_USAGE;
    }
    uint64_t offset = 0;
    for (int last = 0; !last;) {
        regio_envelope_t *rep = NULL;
        if ((rc = s_call(c, s, r->backup_id, offset, 0, REGIO__ENVELOPE__BODY_BACKUP_CHUNK, &rep,
                         err, n)) != 0)
            break;
        const Regio__BackupChunk *ch = rep->backup_chunk;
        last = ch->last || ch->data.len == 0;
        if (ch->offset != offset || (rc = s_write_all(fd, ch->data.data, ch->data.len)) < 0) {
            snprintf(err, n, "%s: %s", path, rc < 0 ? strerror(-rc) : "a chunk out of order");
            rc = REGIOCTL_EXIT_SERVICE;
            last = 1;
        }
        offset += ch->data.len;
        regio__envelope__free_unpacked(rep, NULL);
    }
    if (fsync(fd) < 0 && rc == 0) {
        snprintf(err, n, "%s: %s", path, strerror(errno));
        rc = REGIOCTL_EXIT_SERVICE;
    }
    close(fd);
    s->fetch_ms = (double)(regioctl_now_ms() - t0);
    if (rc)
        return rc;
    snprintf(path, sizeof path, "%.1000s/store-id", folder);
    regio_store_check_t chk;
    char cerr[1200];
    if ((rc = regio_file_write_atomic(path, r->store_id, strlen(r->store_id))) < 0 ||
        (rc = regio_store_check_write_digest(folder, r->txnid, r->digest)) < 0) {
        snprintf(err, n, "%.1000s: %s", folder, strerror(-rc));
        return REGIOCTL_EXIT_USAGE;
    }
    if ((rc = regio_store_check(folder, NULL, &chk, cerr, sizeof cerr)) < 0 || !chk.verified) {
        snprintf(err, n, "the %s's copy did not arrive whole: %s", s->name,
                 rc < 0 ? cerr : "its digest differs from the one the service reported");
        return REGIOCTL_EXIT_SERVICE;
    }
    return 0;
}

static void s_entry(const s_svc_t *s, regioctl_manifest_store_t *e)
{
    const Regio__BackupReady *r = s->ready->backup_ready;
    snprintf(e->service, sizeof e->service, "%s", s->name);
    snprintf(e->store_id, sizeof e->store_id, "%s", r->store_id);
    snprintf(e->digest, sizeof e->digest, "%s", r->digest);
    e->seq = r->seq;
    e->txnid = r->txnid;
    e->size = r->size;
    e->entries = r->entries;
}

static void s_print(const s_svc_t *s)
{
    const Regio__BackupReady *r = s->ready->backup_ready;
    printf("%-9s seq=%llu store=%.12s size=%.1fMiB entries=%llu copy_ms=%.0f fetch_ms=%.0f\n",
           s->name, (unsigned long long)r->seq, r->store_id, (double)r->size / (1 << 20),
           (unsigned long long)r->entries, r->millis, s->fetch_ms);
}

/* The whole backup; on failure err says why (or is empty: printed). Each
 * backup ends once fetched; the planner, fetched first, only after every
 * other copy is made. */
static int s_backup(regioctl_t *c, const char *dir, s_svc_t *sv, char *err, size_t n)
{
    int rc = 0;
    regioctl_manifest_t m = {.n = REGIOCTL_MANIFEST_STORES};
    for (int i = 0; i < m.n && rc == 0; i++)
        rc = s_probe(c, &sv[i], err, n);
    for (int i = 0; i < m.n && rc == 0; i++) /* planner first */
        rc = s_start(c, &sv[i], err, n);
    for (int i = 0; i < m.n && rc == 0; i++) {
        char folder[1100];
        snprintf(folder, sizeof folder, "%.1000s/%s", dir, sv[i].name);
        if ((rc = s_fetch(c, &sv[i], folder, err, n)) != 0)
            break;
        s_print(&sv[i]);
        s_entry(&sv[i], &m.s[i]);
        s_end(c, &sv[i]);
    }
    if (rc)
        return rc;
    time_t now = time(NULL);
    struct tm tm;
    strftime(m.created, sizeof m.created, "%Y-%m-%dT%H:%M:%SZ", gmtime_r(&now, &tm));
    return regioctl_manifest_write(dir, &m, err, n) < 0 ? REGIOCTL_EXIT_USAGE : 0;
}

/* Remove what an unfinished backup wrote into dir (only the files it writes). */
static void s_discard(const char *dir, const s_svc_t *sv)
{
    static const char *const files[] = {"data.mdb", "store-id", "store-digest", "store-id.tmp",
                                        "store-digest.tmp"};
    char path[1200];
    for (int i = 0; i < REGIOCTL_MANIFEST_STORES; i++) {
        for (size_t f = 0; f < sizeof files / sizeof files[0]; f++) {
            snprintf(path, sizeof path, "%.1000s/%s/%s", dir, sv[i].name, files[f]);
            unlink(path);
        }
        snprintf(path, sizeof path, "%.1000s/%s", dir, sv[i].name);
        rmdir(path);
    }
    rmdir(dir);
}

int regioctl_backup(regioctl_t *c, int argc, char **argv)
{
    if (argc != 2 || argv[1][0] == '-' || strlen(argv[1]) > 1000)
        return regioctl_fail(c, REGIOCTL_EXIT_USAGE, "usage: regioctl backup DIR");
    const char *dir = argv[1];
    if (mkdir(dir, 0750) < 0 && (errno != EEXIST || rmdir(dir) < 0 || mkdir(dir, 0750) < 0))
        return regioctl_fail(c, REGIOCTL_EXIT_USAGE, "%s: %s (a backup goes into a new or empty "
                             "folder)", dir, strerror(errno));
    s_svc_t sv[REGIOCTL_MANIFEST_STORES] = {{.name = "planner", .endpoint = c->planner},
                                            {.name = "capacity", .endpoint = c->capacity},
                                            {.name = "registry", .endpoint = c->registry},
                                            {.name = "notifier", .endpoint = c->notifier}};
    char err[REGIOCTL_ERR_MAX * 3] = "";
    int rc = s_backup(c, dir, sv, err, sizeof err);
    for (int i = 0; i < REGIOCTL_MANIFEST_STORES; i++)
        s_end(c, &sv[i]);
    if (rc)
        s_discard(dir, sv);
    if (rc && err[0])
        return regioctl_fail(c, rc, "%s (no backup made)", err);
    if (rc)
        return rc;
    printf("backup of 4 stores in %s (manifest.json)\n", dir);
    return 0;
}
