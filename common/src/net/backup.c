/* backup - copy on a worker thread, check the copy, serve it in chunks. */
#include "regio/backup.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include "regio/error.h"
#include "regio/file.h"

#define DIR_MAX 600

struct regio_backup_s {
    regio_backup_opts_t o;
    char dir[DIR_MAX];
    uv_loop_t *loop;
    uv_work_t work;
    uv_timer_t idle;
    void *router;              /* where the waiting start is answered */
    uint64_t id;               /* the open backup, or 0 */
    int copying;               /* the worker thread runs */
    int closing;
    regio_msg_t waiter;        /* who waits for BackupReady: head and env.id only */
    regio_envelope_t waiter_env; /* (never cleared: not a decoded envelope) */
    int rc;                    /* the copy's outcome, set by the worker */
    char why[2200];
    regio_store_check_t chk;   /* the copy's check */
    double ms;
    int fd;                    /* the copy's data.mdb while open, or -1 */
    uint8_t *buf;              /* one chunk */
};

static const char *const s_files[] = {"data.mdb", "lock.mdb", "store-id", "store-digest",
                                      "store-id.tmp", "store-digest.tmp"};

/* Remove a copy's folder (only the files a copy has). */
static void s_remove_copy(const char *path)
{
    char f[DIR_MAX + 128];
    for (size_t i = 0; i < sizeof s_files / sizeof s_files[0]; i++) {
        snprintf(f, sizeof f, "%s/%s", path, s_files[i]);
        unlink(f);
    }
    rmdir(path);
}

static double s_ms(uint64_t t0)
{
    return (double)(uv_hrtime() - t0) / 1e6;
}

/* Copy, check, label, and put in place as <dir>/latest. */
static int s_copy_into(regio_backup_t *b, const char *tmp, const char *latest)
{
    int rc = mdb_env_copy2(b->o.store->env, tmp, MDB_CP_COMPACT);
    if (rc != 0) {
        int e = rc > 0 ? -rc : rc;
        snprintf(b->why, sizeof b->why, "copying the store into %s: %s", tmp, regio_strerror(e));
        return regio_store_err(rc);
    }
    char err[1000], path[DIR_MAX + 128];
    if ((rc = regio_store_check(tmp, &b->o.check, &b->chk, err, sizeof err)) < 0) {
        snprintf(b->why, sizeof b->why, "the copy does not pass its check: %s", err);
        return rc;
    }
    snprintf(path, sizeof path, "%s/store-id", tmp);
    if ((rc = regio_file_write_atomic(path, b->chk.store_id, strlen(b->chk.store_id))) < 0 ||
        (rc = regio_store_check_write_digest(tmp, b->chk.txnid, b->chk.digest)) < 0) {
        snprintf(b->why, sizeof b->why, "labelling the copy in %s: %s", tmp, strerror(-rc));
        return rc;
    }
    s_remove_copy(latest);
    if (rename(tmp, latest) < 0) {
        rc = -errno;
        snprintf(b->why, sizeof b->why, "rename %s to %s: %s", tmp, latest, strerror(errno));
        return rc;
    }
    return 0;
}

/* On a worker thread. */
static void s_copy(uv_work_t *w)
{
    regio_backup_t *b = w->data;
    uint64_t t0 = uv_hrtime();
    char tmp[DIR_MAX + 64], latest[DIR_MAX + 64];
    snprintf(tmp, sizeof tmp, "%s/.copy-%016llx", b->dir, (unsigned long long)b->id);
    snprintf(latest, sizeof latest, "%s/latest", b->dir);
    b->why[0] = '\0';
    if ((b->rc = regio_file_mkdirs(tmp)) < 0)
        snprintf(b->why, sizeof b->why, "cannot make %s: %s", tmp, strerror(-b->rc));
    else if ((b->rc = s_copy_into(b, tmp, latest)) < 0)
        s_remove_copy(tmp);
    b->ms = s_ms(t0);
}

static void s_end(regio_backup_t *b, const char *what)
{
    if (!b->id)
        return;
    if (b->fd >= 0)
        close(b->fd);
    b->fd = -1;
    b->id = 0;
    if (!b->closing)
        uv_timer_stop(&b->idle);
    if (b->o.on_event)
        b->o.on_event(b->o.arg, 0, what);
}

static void s_on_idle(uv_timer_t *t)
{
    s_end(t->data, "backup ended: no request for 5 minutes");
}

/* On the loop, after the copy. */
static void s_copied(uv_work_t *w, int status)
{
    regio_backup_t *b = w->data;
    b->copying = 0;
    b->o.store->copying = 0;
    if (status < 0 && b->rc == 0) {
        b->rc = status;
        snprintf(b->why, sizeof b->why, "the copy was cancelled");
    }
    char path[DIR_MAX + 64];
    snprintf(path, sizeof path, "%s/latest/data.mdb", b->dir);
    if (b->rc == 0 && (b->fd = open(path, O_RDONLY | O_CLOEXEC)) < 0) {
        b->rc = -errno;
        snprintf(b->why, sizeof b->why, "%s: %s", path, strerror(errno));
    }
    if (b->rc < 0) {
        char why[2300];
        snprintf(why, sizeof why, "backup failed: %s", b->why);
        regio_msg_reply_error(b->router, &b->waiter, regio_msg_error_code(b->rc), NULL, "%s", why);
        s_end(b, why);
        return;
    }
    if (b->closing) {
        regio_msg_reply_error(b->router, &b->waiter, REGIO__ERROR_CODE__ERROR_NOT_READY, NULL,
                              "the service is stopping");
        s_end(b, "backup ended: the service is stopping");
        return;
    }
    Regio__BackupReady r = REGIO__BACKUP_READY__INIT;
    snprintf(path, sizeof path, "%s/latest", b->dir);
    r.backup_id = b->id;
    r.service = (char *)b->o.service;
    r.store_id = b->chk.store_id;
    r.seq = b->chk.seq;
    r.size = b->chk.size;
    r.digest = b->chk.digest;
    r.txnid = b->chk.txnid;
    r.entries = b->chk.entries;
    r.path = path;
    r.millis = b->ms;
    regio_envelope_t env = REGIO__ENVELOPE__INIT;
    env.body_case = REGIO__ENVELOPE__BODY_BACKUP_READY;
    env.backup_ready = &r;
    regio_msg_reply(b->router, &b->waiter, &env);
    uv_timer_start(&b->idle, s_on_idle, REGIO_BACKUP_IDLE_MS, 0);
}

/* Grow a map more than three quarters used now: it cannot grow during the copy. */
static void s_room(regio_store_t *s)
{
    MDB_envinfo info;
    MDB_stat st;
    if (mdb_env_info(s->env, &info) == 0 && mdb_env_stat(s->env, &st) == 0 &&
        (info.me_last_pgno + 1) * st.ms_psize > s->map_size / 4 * 3)
        regio_store_grow(s);
}

static void s_start(regio_backup_t *b, const regio_msg_t *req)
{
    uint64_t id = 0;
    if (b->closing) {
        regio_msg_reply_error(b->router, req, REGIO__ERROR_CODE__ERROR_NOT_READY, NULL,
                              "the service is stopping");
        return;
    }
    if (b->id) {
        regio_msg_reply_error(b->router, req, REGIO__ERROR_CODE__ERROR_BUSY, NULL,
                              "a backup of this service is open: one at a time (it ends when its "
                              "caller ends it, or after 5 minutes without a request)");
        return;
    }
    while (id == 0)
        if (getrandom(&id, sizeof id, 0) != (ssize_t)sizeof id)
            id = uv_hrtime();
    b->id = id;
    memcpy(b->waiter.head, req->head, req->head_len);
    b->waiter.head_len = req->head_len;
    regio__envelope__init(&b->waiter_env);
    b->waiter_env.id = req->env->id;
    b->waiter.env = &b->waiter_env;
    if (b->o.on_event) /* before the copy's read transaction: a planner holds its outbox */
        b->o.on_event(b->o.arg, 1, "backup started");
    s_room(b->o.store);
    b->copying = 1;
    b->o.store->copying = 1;
    b->rc = 0;
    int rc = uv_queue_work(b->loop, &b->work, s_copy, s_copied);
    if (rc < 0) {
        b->copying = 0;
        b->o.store->copying = 0;
        regio_msg_reply_error(b->router, req, REGIO__ERROR_CODE__ERROR_INTERNAL, NULL,
                              "cannot start a worker thread for the copy");
        s_end(b, "backup failed: no worker thread");
    }
}

static void s_chunk(regio_backup_t *b, const regio_msg_t *req, uint64_t offset)
{
    ssize_t n = offset < b->chk.size ? pread(b->fd, b->buf, REGIO_BACKUP_CHUNK, (off_t)offset) : 0;
    if (n < 0) {
        regio_msg_reply_error(b->router, req, REGIO__ERROR_CODE__ERROR_INTERNAL, NULL,
                              "reading the copy: %s", strerror(errno));
        return;
    }
    Regio__BackupChunk ch = REGIO__BACKUP_CHUNK__INIT;
    ch.backup_id = b->id;
    ch.offset = offset;
    ch.data.data = b->buf;
    ch.data.len = (size_t)n;
    ch.last = offset + (uint64_t)n >= b->chk.size;
    regio_envelope_t env = REGIO__ENVELOPE__INIT;
    env.body_case = REGIO__ENVELOPE__BODY_BACKUP_CHUNK;
    env.backup_chunk = &ch;
    regio_msg_reply(b->router, req, &env);
}

void regio_backup_handle(regio_backup_t *b, void *router, const regio_msg_t *req)
{
    const Regio__BackupRequest *q = req->env->backup_request;
    b->router = router;
    if (q->backup_id == 0) {
        if (q->end)
            regio_msg_reply_error(router, req, REGIO__ERROR_CODE__ERROR_INVALID, NULL,
                                  "end needs the backup_id to end");
        else
            s_start(b, req);
        return;
    }
    if (q->backup_id != b->id) {
        regio_msg_reply_error(router, req, REGIO__ERROR_CODE__ERROR_UNKNOWN_ID, NULL,
                              "no such backup open (it ended, or timed out after 5 minutes "
                              "without a request)");
        return;
    }
    if (b->copying) {
        regio_msg_reply_error(router, req, REGIO__ERROR_CODE__ERROR_BUSY, NULL,
                              "the copy is still being made");
        return;
    }
    uv_timer_start(&b->idle, s_on_idle, REGIO_BACKUP_IDLE_MS, 0);
    if (!q->end) {
        s_chunk(b, req, q->offset);
        return;
    }
    s_end(b, "backup ended");
    Regio__Ack ack = REGIO__ACK__INIT;
    regio_envelope_t env = REGIO__ENVELOPE__INIT;
    env.body_case = REGIO__ENVELOPE__BODY_ACK;
    env.ack = &ack;
    regio_msg_reply(router, req, &env);
}

regio_backup_t *regio_backup_new(uv_loop_t *loop, const regio_backup_opts_t *opts)
{
    regio_backup_t *b = calloc(1, sizeof *b);
    if (!b || !(b->buf = malloc(REGIO_BACKUP_CHUNK))) {
        free(b);
        return NULL;
    }
    b->o = *opts;
    snprintf(b->dir, sizeof b->dir, "%s", opts->dir);
    b->o.dir = b->dir;
    b->loop = loop;
    b->fd = -1;
    b->work.data = b;
    uv_timer_init(loop, &b->idle);
    b->idle.data = b;
    return b;
}

int regio_backup_open(const regio_backup_t *b)
{
    return b && b->id != 0;
}

void regio_backup_close(regio_backup_t *b)
{
    if (!b || b->closing)
        return;
    if (!b->copying)
        s_end(b, "backup ended: the service is stopping");
    b->closing = 1;
    uv_close((uv_handle_t *)&b->idle, NULL);
}

void regio_backup_destroy(regio_backup_t **self)
{
    if (!self || !*self)
        return;
    regio_backup_t *b = *self;
    if (b->fd >= 0)
        close(b->fd);
    free(b->buf);
    free(b);
    *self = NULL;
}
