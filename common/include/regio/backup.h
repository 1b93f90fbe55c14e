/* backup - a hot, consistent copy of a node's store, fetched in chunks.
 *
 * An admin's BackupRequest (common.proto) starts a backup: the store is
 * copied with mdb_env_copy2 (MDB_CP_COMPACT: one read transaction, so one
 * committed state, without free pages) on a libuv worker thread, into
 * <dir>/.copy-<id>, while the loop keeps committing and answering. The
 * copy is then checked like a store at start (store_check.h: its seq,
 * store id and content digest come from that walk), given its store-id and
 * store-digest files, and renamed to <dir>/latest (the previous copy is
 * removed). Only then does the caller get BackupReady; it fetches the
 * copy's data.mdb with further requests (1 MiB per BackupChunk) and ends
 * the backup. One backup at a time; one left idle for five minutes ends.
 *
 * While the copy is made the store may not remap (store->copying): a write
 * that fills the map meanwhile is answered BUSY instead of growing it, so
 * a backup starts by growing a map that is more than three quarters used.
 * The copy needs room in dir for the compacted store.
 *
 * Everything here runs on the loop thread except the copy itself. The
 * module never logs; on_event says what happened, for the service to log.
 */
#ifndef REGIO_BACKUP_H
#define REGIO_BACKUP_H

#include <uv.h>

#include "regio/msg.h"
#include "regio/store.h"
#include "regio/store_check.h"

/* Chunk size of BackupChunk. */
#define REGIO_BACKUP_CHUNK (1u << 20)

/* A backup left without a request this long ends by itself. */
#define REGIO_BACKUP_IDLE_MS (5 * 60 * 1000)

typedef struct {
    const char *service;            /* name, for BackupReady (borrowed, static) */
    regio_store_t *store;           /* the store to copy (borrowed) */
    const char *dir;                /* the backup folder (copied) */
    regio_store_check_opts_t check; /* how to check the copy (tables borrowed) */
    /* A backup began (open 1: before the copy's read transaction starts) or
     * ended (open 0); what is one line for the log. May be NULL. */
    void (*on_event)(void *arg, int open, const char *what);
    void *arg;
} regio_backup_opts_t;

typedef struct regio_backup_s regio_backup_t;

/* A backup handler on loop. NULL when out of memory. */
regio_backup_t *regio_backup_new(uv_loop_t *loop, const regio_backup_opts_t *opts);

/* Answer one BackupRequest (req->env->backup_request, already authorised)
 * on router: at once (a chunk, an end, an error) or, for a start, when the
 * copy is ready. req is borrowed for the call. */
void regio_backup_handle(regio_backup_t *b, void *router, const regio_msg_t *req);

/* 1 while a backup is open (copying or being fetched). */
int regio_backup_open(const regio_backup_t *b);

/* Stop: an open backup ends (a running copy first finishes on its thread,
 * which keeps the loop alive until then). Accepts NULL. */
void regio_backup_close(regio_backup_t *b);

/* Free after the loop ended; accepts NULL and sets *self to NULL. */
void regio_backup_destroy(regio_backup_t **self);

#endif
