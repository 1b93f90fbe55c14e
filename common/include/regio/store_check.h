/* store_check - prove an LMDB store whole before anyone opens it.
 *
 * A damaged data.mdb must never crash a service (LMDB maps the file: a page
 * past a truncated end is SIGBUS, a wild page number SIGSEGV), start it on
 * an empty database, or let it serve corrupt pages. So before the real open
 * the store is checked in two steps:
 *
 *   1. In this process, without mapping anything: the file is read with
 *      pread. Both meta pages must be LMDB meta pages (magic, version, page
 *      size), and the file must reach the last page the newer meta names.
 *   2. In a forked child, which may die without harm: the environment is
 *      opened read-only (no lock file is touched) and every table is walked,
 *      key by key, including the free list. The entries must match the
 *      counts LMDB keeps, free page numbers must lie inside the file, and
 *      values of tables with a declared type must decode (a protobuf
 *      message) or have their fixed size. Every key and value goes into a
 *      64-bit content digest. A child killed by a signal means a damaged
 *      store.
 *
 * A digest only proves something when there is one to compare against. A
 * clean stop writes the digest beside the store (file "store-digest": the
 * last transaction id and the digest, see regio_store_check_seal); the next
 * check whose store still ends at that transaction must find the same
 * digest, so a flipped byte in a value is found too. After a crash the ids
 * differ and only the structure is checked.
 *
 * The library never prints: every finding is one line in err.
 */
#ifndef REGIO_STORE_CHECK_H
#define REGIO_STORE_CHECK_H

#include <protobuf-c/protobuf-c.h>
#include <stddef.h>
#include <stdint.h>

/* What the values of one table must be. */
typedef struct {
    const char *name;                     /* table name; NULL ends a list */
    const ProtobufCMessageDescriptor *msg; /* each value unpacks as this, or NULL */
    size_t size;                          /* each value is this long (0 = any) */
} regio_store_check_table_t;

typedef struct {
    const regio_store_check_table_t *tables; /* typed tables (others are walked
                                                and digested only); may be NULL */
    const char *seq_table, *seq_key;       /* the u64 reported as seq, or NULL */
} regio_store_check_opts_t;

typedef struct {
    int exists;            /* 0: no data.mdb (a new store); nothing else is set */
    uint64_t txnid;        /* last committed transaction */
    uint64_t size;         /* bytes of data.mdb */
    uint64_t pages;        /* pages in use: the newer meta's last page + 1 */
    uint64_t entries;      /* key/value pairs over all tables */
    uint64_t tables;       /* named tables */
    uint64_t seq;          /* the u64 at seq_table/seq_key, 0 when absent */
    char store_id[33];     /* table "node", key "store_id", or "" */
    char digest[17];       /* content digest, 16 hex digits */
    int verified;          /* 1: store-digest named this txnid and matched */
    double ms;             /* wall time of the check */
} regio_store_check_t;

/* Check the store in dir (a folder holding data.mdb) as described above;
 * opts may be NULL. Returns 0 with *out filled (out->exists 0 when there is
 * no data.mdb), REGIO_EDAMAGED with one line in err naming the file and the
 * damage, or another negative code (fork, pipe, I/O) with err set. */
int regio_store_check(const char *dir, const regio_store_check_opts_t *opts,
                      regio_store_check_t *out, char *err, size_t errlen);

/* Check the store (as regio_store_check) and write its digest to
 * dir/store-digest, for the next check to compare with. Call after the
 * environment was closed. Returns as regio_store_check, or -errno when the
 * file cannot be written. */
int regio_store_check_seal(const char *dir, const regio_store_check_opts_t *opts,
                           regio_store_check_t *out, char *err, size_t errlen);

/* Write dir/store-digest for a store whose txnid and digest are known (a
 * restored copy). Returns 0 or -errno. */
int regio_store_check_write_digest(const char *dir, uint64_t txnid, const char *digest);

#endif
