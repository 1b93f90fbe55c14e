/* store - one service's LMDB environment: open, named tables, typed values.
 *
 * Every service keeps its state in its own environment (a directory). Commits
 * are durable (no MDB_NOSYNC): a service acknowledges only after
 * mdb_txn_commit returned 0. When the map fills, the write fails with
 * REGIO_EFULL and the transaction is aborted, so nothing is half-written;
 * regio_store_grow() can then enlarge the map (up to max) before retrying.
 *
 * Keys for sequences are 8-byte big-endian so LMDB's byte order is numeric.
 * Values returned by LMDB reads are valid only until the end of the
 * transaction.
 */
#ifndef REGIO_STORE_H
#define REGIO_STORE_H

#include <lmdb.h>
#include <protobuf-c/protobuf-c.h>
#include <stddef.h>
#include <stdint.h>

/* Hex characters of a store's random id (made by node.h, checked by follow.h). */
#define REGIO_STORE_ID_LEN 32

typedef struct {
    MDB_env *env;     /* owned */
    size_t map_size;  /* current map size in bytes */
    size_t map_max;   /* grow() never goes past this */
    char dir[512];    /* the environment's folder */
    int copying;      /* a copy (backup) reads the map on another thread: no remap */
    /* Write failures come in bursts (a full disk stays full a while, and
     * small commits may slip through meanwhile): services log a burst when
     * it begins and once it has been quiet a while, not each failure. */
    int failing;              /* the last write transaction failed */
    int last_rc;              /* its code, as LMDB or the OS gave it */
    int64_t last_failure_ms;  /* wall clock of the last failure */
    uint64_t failures;        /* failed write transactions so far */
    int fatal;                /* LMDB gave the environment up (MDB_PANIC: its meta
                                 page could not be written); only a restart,
                                 which re-reads the store, helps */
    size_t last_txnid;        /* the last transaction that wrote */
    char why[700];            /* the last failure, one line naming the OS error */
} regio_store_t;

/* Open (creating dir if needed) an environment with room for max_dbs named
 * tables and an initial map of map_bytes, growable up to map_max bytes.
 * Returns 0 or a negative errno / LMDB code; on error s->env is NULL. */
int regio_store_open(regio_store_t *s, const char *dir, size_t map_bytes, size_t map_max,
                     unsigned max_dbs);

/* Close the environment (no transaction may be open). Accepts a closed s. */
void regio_store_close(regio_store_t *s);

/* Open or create the named table inside txn. Returns 0 or an LMDB code. */
int regio_store_table(MDB_txn *txn, const char *name, MDB_dbi *dbi);

/* Double the map size (capped at map_max); no transaction may be open.
 * Returns 0, REGIO_EFULL when already at the cap, or REGIO_EBUSY while a
 * copy reads the map (s->copying): remapping would pull the pages from
 * under it. */
int regio_store_grow(regio_store_t *s);

/* Map an LMDB/errno result to regio's: MDB_MAP_FULL, ENOSPC and EDQUOT
 * become REGIO_EFULL; others pass through. Can't fail. */
int regio_store_err(int mdb_rc);

/* Note that a write transaction failed with rc (LMDB's code or an errno of
 * either sign) and classify it: REGIO_EFULL when the map or the disk is
 * full (ENOSPC, EDQUOT, EFBIG, or EIO while the file system has almost no
 * room left: LMDB reports a short write to a full disk as EIO), otherwise
 * the code as regio's. s->why gets one line naming the OS error; s->fatal
 * is set when LMDB will refuse every further transaction. Can't fail. */
int regio_store_failed(regio_store_t *s, int rc);

/* Note that a write transaction committed: when it wrote something (the
 * environment's last transaction id moved), s->failing is cleared. Can't
 * fail. */
void regio_store_committed(regio_store_t *s);

/* Fills a write transaction; returns 0 or an LMDB/errno code (which aborts
 * it). It may run twice: it must not keep state from a first run. */
typedef int (*regio_store_fill_cb)(void *arg, MDB_txn *txn);

/* Run fill in a write transaction and commit it. On MDB_MAP_FULL the map
 * grows (up to map_max) and fill runs again in a new transaction, once.
 * Failures and commits are noted (regio_store_failed/_committed). Returns
 * 0, REGIO_EFULL, REGIO_EBUSY (full, and the map cannot grow while a copy
 * reads it: retry shortly) or another negative code; s->why says why. */
int regio_store_write(regio_store_t *s, regio_store_fill_cb fill, void *arg);

/* Encode v as an 8-byte big-endian key. Can't fail. */
void regio_store_u64_key(uint8_t out[8], uint64_t v);

/* Decode an 8-byte big-endian key. Can't fail. */
uint64_t regio_store_u64_decode(const void *p);

/* Read the u64 stored under a string key; *v = 0 when absent. Returns 0 or
 * an LMDB code (other than NOTFOUND). */
int regio_store_get_u64(MDB_txn *txn, MDB_dbi dbi, const char *key, uint64_t *v);

/* Store a u64 under a string key. Returns 0 or an LMDB code. */
int regio_store_put_u64(MDB_txn *txn, MDB_dbi dbi, const char *key, uint64_t v);

/* Pack a protobuf message straight into the value of key (MDB_RESERVE).
 * Returns 0 or an LMDB code. */
int regio_store_put_msg(MDB_txn *txn, MDB_dbi dbi, const void *key, size_t klen,
                        const ProtobufCMessage *msg);

/* Unpack every value of a table as a message of type desc into a new array
 * (*n entries; values that do not unpack are skipped). Free with
 * regio_store_free_all. Returns NULL with *n = 0 on failure. */
void **regio_store_load_all(MDB_txn *txn, MDB_dbi dbi, const ProtobufCMessageDescriptor *desc,
                            size_t *n);

/* Free what regio_store_load_all returned. Accepts NULL. */
void regio_store_free_all(void **v, size_t n);

#endif
