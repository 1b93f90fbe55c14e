/* test_backup - a hot copy made on a worker thread, served in chunks.
 *
 * A real libuv loop, LMDB store and inproc ROUTER/DEALER pair: the test's
 * DEALER sends BackupRequests, the ROUTER side hands each to
 * regio_backup_handle (as the node does after authorising it), and the loop
 * runs until the reply is in.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <zmq.h>

#include "regio/backup.h"
#include "regio/error.h"
#include "regio/msg.h"
#include "regio/store.h"
#include "regio/store_check.h"

typedef struct {
    void *zctx, *router, *dealer;
    uv_loop_t loop;
    regio_store_t store;
    regio_backup_t *b;
    char dir[128], backups[160];
    int opened, ended;      /* on_event calls */
    int open_at_copy;       /* the store was being copied when "open" came */
} fx_t;

static fx_t F;

static void s_event(void *arg, int open, const char *what)
{
    fx_t *f = arg;
    (void)what;
    if (open) {
        f->opened++;
        f->open_at_copy = f->store.copying;
    } else {
        f->ended++;
    }
}

/* A store with n rows of 1 KiB, so the copy spans several chunks. */
static void s_setup_n(int n)
{
    memset(&F, 0, sizeof F);
    strcpy(F.dir, "/tmp/regio-test-backup-XXXXXX");
    cr_assert_not_null(mkdtemp(F.dir));
    snprintf(F.backups, sizeof F.backups, "%s.backup", F.dir);
    cr_assert_eq(regio_store_open(&F.store, F.dir, 64u << 20, 64u << 20, 4), 0);
    MDB_txn *txn;
    MDB_dbi dbi;
    cr_assert_eq(mdb_txn_begin(F.store.env, NULL, 0, &txn), 0);
    cr_assert_eq(regio_store_table(txn, "rows", &dbi), 0);
    static char row[1024];
    for (int i = 0; i < n; i++) {
        char key[16];
        snprintf(key, sizeof key, "r%06d", i);
        memset(row, 'a' + i % 26, sizeof row);
        MDB_val k = {strlen(key), key}, d = {sizeof row, row};
        cr_assert_eq(mdb_put(txn, dbi, &k, &d, 0), 0);
    }
    MDB_dbi meta, node;
    cr_assert_eq(regio_store_table(txn, "meta", &meta), 0);
    cr_assert_eq(regio_store_put_u64(txn, meta, "seq", 4242), 0);
    cr_assert_eq(regio_store_table(txn, "node", &node), 0);
    MDB_val k = {8, "store_id"}, d = {32, "00112233445566778899aabbccddeeff"};
    cr_assert_eq(mdb_put(txn, node, &k, &d, 0), 0);
    cr_assert_eq(mdb_txn_commit(txn), 0);
    cr_assert_eq(uv_loop_init(&F.loop), 0);
    F.zctx = zmq_ctx_new();
    F.router = zmq_socket(F.zctx, ZMQ_ROUTER);
    F.dealer = zmq_socket(F.zctx, ZMQ_DEALER);
    char ep[64];
    snprintf(ep, sizeof ep, "inproc://backup-%d", getpid());
    cr_assert_eq(zmq_bind(F.router, ep), 0);
    cr_assert_eq(zmq_connect(F.dealer, ep), 0);
    regio_backup_opts_t o = {"test", &F.store, F.backups, {NULL, "meta", "seq"}, s_event, &F};
    F.b = regio_backup_new(&F.loop, &o);
    cr_assert_not_null(F.b);
}

static void s_setup(void)
{
    s_setup_n(3000); /* about 3.5 MiB */
}

static void s_teardown(void)
{
    regio_backup_close(F.b);
    while (uv_run(&F.loop, UV_RUN_NOWAIT))
        ;
    regio_backup_destroy(&F.b);
    uv_loop_close(&F.loop);
    zmq_close(F.router);
    zmq_close(F.dealer);
    zmq_ctx_term(F.zctx);
    regio_store_close(&F.store);
    char cmd[400];
    snprintf(cmd, sizeof cmd, "rm -rf '%s' '%s'", F.dir, F.backups);
    (void)system(cmd);
}

TestSuite(backup, .init = s_setup, .fini = s_teardown, .timeout = 60);

static long s_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1000L + ts.tv_nsec / 1000000L;
}

/* Send a BackupRequest; return its id. */
static uint64_t s_send(uint64_t id, uint64_t offset, int end)
{
    Regio__BackupRequest q = REGIO__BACKUP_REQUEST__INIT;
    q.backup_id = id;
    q.offset = offset;
    q.end = end;
    regio_envelope_t e = REGIO__ENVELOPE__INIT;
    e.body_case = REGIO__ENVELOPE__BODY_BACKUP_REQUEST;
    e.backup_request = &q;
    cr_assert_eq(regio_msg_send(F.dealer, NULL, 0, &e), 0);
    return e.id;
}

/* Pass requests to the handler and run the loop until a reply to req_id
 * comes back; the reply is the caller's. */
static regio_envelope_t *s_reply(uint64_t req_id)
{
    long deadline = s_now_ms() + 20000;
    for (;;) {
        cr_assert_lt(s_now_ms(), deadline, "no reply");
        regio_msg_t m;
        while (regio_msg_recv(F.router, 1, &m) == 0) {
            regio_backup_handle(F.b, F.router, &m);
            regio_msg_clear(&m);
        }
        uv_run(&F.loop, UV_RUN_NOWAIT);
        if (regio_msg_recv(F.dealer, 0, &m) == 0) {
            regio_envelope_t *e = m.env;
            cr_assert_not_null(e);
            cr_assert_eq(e->correlation_id, req_id);
            return e;
        }
        zmq_pollitem_t it[2] = {{F.dealer, 0, ZMQ_POLLIN, 0}, {F.router, 0, ZMQ_POLLIN, 0}};
        zmq_poll(it, 2, 2);
    }
}

static regio_envelope_t *s_call(uint64_t id, uint64_t offset, int end)
{
    return s_reply(s_send(id, offset, end));
}

Test(backup, a_copy_is_made_checked_fetched_whole_and_ended)
{
    regio_envelope_t *r = s_call(0, 0, 0);
    cr_assert_eq(r->body_case, REGIO__ENVELOPE__BODY_BACKUP_READY, "body %d", r->body_case);
    Regio__BackupReady *ready = r->backup_ready;
    cr_assert_eq(F.opened, 1);
    cr_assert_eq(F.open_at_copy, 0, "the service hears of it before the copy starts");
    cr_assert_eq(ready->seq, 4242);
    cr_assert_str_eq(ready->store_id, "00112233445566778899aabbccddeeff");
    cr_assert_str_eq(ready->service, "test");
    cr_assert_gt(ready->size, 3u << 20);
    cr_assert_eq(ready->entries, 3002);
    /* the copy in the backup folder passes its check and names its digest */
    char latest[300];
    snprintf(latest, sizeof latest, "%s/latest", F.backups);
    cr_assert_str_eq(ready->path, latest);
    regio_store_check_t chk;
    char err[600];
    cr_assert_eq(regio_store_check(latest, NULL, &chk, err, sizeof err), 0, "%s", err);
    cr_assert_eq(chk.verified, 1, "its store-digest file matches");
    cr_assert_str_eq(chk.digest, ready->digest);
    /* fetched in chunks, it is byte for byte the copy */
    char path[400];
    snprintf(path, sizeof path, "%s/data.mdb", latest);
    FILE *f = fopen(path, "rb");
    cr_assert_not_null(f);
    uint8_t *want = malloc(ready->size), *got = malloc(ready->size);
    cr_assert_eq(fread(want, 1, ready->size, f), ready->size);
    fclose(f);
    uint64_t off = 0;
    int chunks = 0;
    for (int last = 0; !last; chunks++) {
        regio_envelope_t *c = s_call(ready->backup_id, off, 0);
        cr_assert_eq(c->body_case, REGIO__ENVELOPE__BODY_BACKUP_CHUNK);
        cr_assert_eq(c->backup_chunk->offset, off);
        cr_assert_leq(c->backup_chunk->data.len, REGIO_BACKUP_CHUNK);
        memcpy(got + off, c->backup_chunk->data.data, c->backup_chunk->data.len);
        off += c->backup_chunk->data.len;
        last = c->backup_chunk->last;
        regio__envelope__free_unpacked(c, NULL);
    }
    cr_assert_eq(off, ready->size);
    cr_assert_geq(chunks, 4);
    cr_assert(memcmp(want, got, ready->size) == 0);
    free(want);
    free(got);
    regio_envelope_t *e = s_call(ready->backup_id, 0, 1);
    cr_assert_eq(e->body_case, REGIO__ENVELOPE__BODY_ACK);
    cr_assert_eq(F.ended, 1);
    cr_assert_eq(regio_backup_open(F.b), 0);
    regio__envelope__free_unpacked(e, NULL);
    e = s_call(ready->backup_id, 0, 0);
    cr_assert_eq(e->body_case, REGIO__ENVELOPE__BODY_ERROR);
    cr_assert_eq(e->error->code, REGIO__ERROR_CODE__ERROR_UNKNOWN_ID, "an ended backup is gone");
    regio__envelope__free_unpacked(e, NULL);
    regio__envelope__free_unpacked(r, NULL);
}

Test(backup, one_at_a_time_and_the_copy_is_consistent_under_writes)
{
    uint64_t first = s_send(0, 0, 0);
    /* while the copy is made, the loop commits more rows */
    MDB_txn *txn;
    MDB_dbi dbi;
    cr_assert_eq(mdb_txn_begin(F.store.env, NULL, 0, &txn), 0);
    cr_assert_eq(regio_store_table(txn, "rows", &dbi), 0);
    MDB_val k = {5, "later"}, d = {1, "x"};
    cr_assert_eq(mdb_put(txn, dbi, &k, &d, 0), 0);
    regio_envelope_t *r = s_reply(first);
    cr_assert_eq(r->body_case, REGIO__ENVELOPE__BODY_BACKUP_READY);
    cr_assert_eq(mdb_txn_commit(txn), 0);
    regio_envelope_t *busy = s_call(0, 0, 0);
    cr_assert_eq(busy->body_case, REGIO__ENVELOPE__BODY_ERROR);
    cr_assert_eq(busy->error->code, REGIO__ERROR_CODE__ERROR_BUSY);
    cr_assert_eq(r->backup_ready->entries, 3002, "the copy is one committed state");
    regio__envelope__free_unpacked(busy, NULL);
    regio_envelope_t *e = s_call(r->backup_ready->backup_id, 0, 1);
    cr_assert_eq(e->body_case, REGIO__ENVELOPE__BODY_ACK);
    regio__envelope__free_unpacked(e, NULL);
    e = s_call(0, 0, 0);
    cr_assert_eq(e->body_case, REGIO__ENVELOPE__BODY_BACKUP_READY, "after the end, a new one");
    cr_assert_eq(e->backup_ready->entries, 3003);
    regio__envelope__free_unpacked(e, NULL);
    regio__envelope__free_unpacked(r, NULL);
}

Test(backup, a_copy_that_cannot_be_written_fails_with_a_reason_and_ends)
{
    /* the backup folder is a file: nothing can be made inside it */
    FILE *f = fopen(F.backups, "w");
    cr_assert_not_null(f);
    fclose(f);
    regio_envelope_t *r = s_call(0, 0, 0);
    cr_assert_eq(r->body_case, REGIO__ENVELOPE__BODY_ERROR);
    cr_assert(strstr(r->error->reason, "backup failed"), "%s", r->error->reason);
    cr_assert(strstr(r->error->reason, F.backups), "%s", r->error->reason);
    cr_assert_eq(F.opened, 1);
    cr_assert_eq(F.ended, 1);
    cr_assert_eq(F.store.copying, 0, "the map may grow again");
    regio__envelope__free_unpacked(r, NULL);
}
