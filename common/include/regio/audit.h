/* audit - who changed what and when: one entry per committed change.
 *
 * Each service keeps its own trail in a table "audit" of its store, written
 * in the same transaction as the change it records, so an entry exists
 * exactly for what was committed. Keys are the commit time in unix ms and a
 * counter (both 8-byte big-endian), so entries are in time order and
 * appended cheaply. Values are packed AuditEntry messages.
 */
#ifndef REGIO_AUDIT_H
#define REGIO_AUDIT_H

#include <lmdb.h>
#include <stddef.h>
#include <stdint.h>

#include "regio/common.pb-c.h"
#include "regio/msg.h"
#include "regio/principal.h"

typedef struct {
    MDB_dbi dbi;
    int64_t last_ms;  /* time part of the newest key */
    uint64_t counter; /* counter part of the newest key */
} regio_audit_t;

/* Open (or create) the table inside txn and find its newest key. Returns 0
 * or an LMDB code. */
int regio_audit_open(regio_audit_t *a, MDB_txn *txn);

/* Record that p committed action (about ref) at now_ms on service. Keys
 * never go back, even when the clock does. Returns 0 or an LMDB code. */
int regio_audit_append(regio_audit_t *a, MDB_txn *txn, const regio_principal_t *p,
                       const char *service, const char *action, const char *ref, int64_t now_ms);

/* The id a request is about, for the trail ("o7/P2", a learner id, ...),
 * or "" when it names none. Can't fail. */
void regio_audit_ref(const regio_envelope_t *e, char *out, size_t n);

/* Up to max entries at or after since_ms, of principal who ("" = anyone),
 * oldest first, starting after the key *cursor (16 bytes; all zero for the
 * start), which is advanced for the next call. *out is the caller's: free
 * each with regio__audit_entry__free_unpacked and the array with free().
 * Returns 0 (with *done = 1 once the table is exhausted) or an LMDB code. */
int regio_audit_read(const regio_audit_t *a, MDB_txn *txn, int64_t since_ms, const char *who,
                     size_t max, uint8_t cursor[16], Regio__AuditEntry ***out, size_t *n,
                     int *done);

/* Replace ref `from` by `to` in every entry whose ref is exactly from (a
 * learner's erasure: the trail keeps who did what and when, not whom it was
 * about). Scans the whole table (again when `to` is taken). *n says how
 * many changed. Returns 0, REGIO_EDUPLICATE when entries name both `from`
 * and `to` (renaming would merge two ids; nothing is written), or an LMDB
 * code (abort the txn). */
int regio_audit_rename_ref(const regio_audit_t *a, MDB_txn *txn, const char *from,
                           const char *to, size_t *n);

/* Delete up to max entries older than before_ms; *n says how many. Returns
 * 0 or an LMDB code. */
int regio_audit_prune(const regio_audit_t *a, MDB_txn *txn, int64_t before_ms, size_t max,
                      size_t *n);

#endif
