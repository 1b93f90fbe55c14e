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
 * Returns 0, or REGIO_EFULL when already at the cap. */
int regio_store_grow(regio_store_t *s);

/* Map an LMDB/errno result to regio's: MDB_MAP_FULL, ENOSPC and EDQUOT
 * become REGIO_EFULL; others pass through. Can't fail. */
int regio_store_err(int mdb_rc);

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
