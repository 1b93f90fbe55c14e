/* learner_log - one learner's entries in the notifier's log: access, erasure.
 *
 * A change about a learner is logged once per topic (school/<s>,
 * learner/<id>, partner/<p>, and the old partner), so its entries are spread
 * over the log. The log has no index by learner: finding them scans the
 * whole log (with a byte search before decoding), which suits requests as
 * rare as access and erasure, not a hot path.
 *
 * Erasure renames, it does not delete: every entry whose change is about
 * the learner gets change.learner = tombstone, and the entries of topic
 * learner/<id> move to topic learner/<tombstone> with their topic_seq (so
 * are the topic index keys and the topic's counter). Global seq and every
 * topic_seq stay gap-free, replays show the tombstone, and subscribers that
 * count entries per topic see no hole.
 *
 * A school (school:<id>) may read or erase a learner's entries only when
 * every one of them is about a learner of that school; admins and
 * coordinators always (authz.h admits nobody else).
 */
#ifndef REGIO_NOTIFIER_LEARNER_LOG_H
#define REGIO_NOTIFIER_LEARNER_LOG_H

#include <lmdb.h>
#include <stdint.h>

#include "regio/msg.h"
#include "regio/node.h"
#include "regio/privacy.h"

/* The notifier's tables this module reads and writes (topic_index.h). */
typedef struct {
    MDB_dbi log, topic_index, topic_seq;
} regio_learner_log_t;

/* What an erase did, kept in the request's batch slot from apply to done. */
typedef struct {
    Regio__LearnerErased erased; /* the answer; its tombstone points at tomb */
    char tomb[REGIO_TOMBSTONE_LEN + 1];
} regio_learner_log_erased_t;

/* Every entry whose change is about learner id, oldest first. *out is the
 * caller's (regio_learner_log_free). Returns 0, -ENOMEM or an LMDB code. */
int regio_learner_log_find(const regio_learner_log_t *t, MDB_txn *txn, const char *id,
                           Regio__Notification ***out, size_t *n);

/* Free what regio_learner_log_find returned; accepts NULL. */
void regio_learner_log_free(Regio__Notification **v, size_t n);

/* Rename learner id to tombstone in v (found in this txn) as the header
 * says; *topics is 1 when learner/<id> moved. Returns 0, REGIO_EDUPLICATE
 * when learner/<tombstone> is a topic already (nothing written), -ENOMEM or
 * an LMDB code (abort the txn). */
int regio_learner_log_rename(const regio_learner_log_t *t, MDB_txn *txn, Regio__Notification **v,
                             size_t n, const char *id, const char *tombstone, size_t *topics);

/* The batch's apply for a LearnerEraseRequest in req. logged is the
 * highest source_seq logged so far in this txn: until it reaches the
 * request's after_source_seq the answer is NOT_READY (the planner's last
 * changes about the learner are still on their way). Refusals go to no.
 * Returns REGIO_BATCH_WROTE, REGIO_BATCH_NOWRITE or an LMDB code. */
int regio_learner_log_erase(regio_node_t *node, const regio_learner_log_t *t, MDB_txn *txn,
                            const regio_msg_t *req, uint64_t logged, regio_node_refusal_t *no,
                            regio_learner_log_erased_t *out);

/* Answer an erase that committed (done). */
void regio_learner_log_reply_erased(regio_node_t *node, const regio_msg_t *req,
                                    const regio_learner_log_erased_t *e);

/* Answer a LearnerExportRequest (done): the learner's entries, or an
 * error (FORBIDDEN for a school when an entry is another school's). */
void regio_learner_log_reply_export(regio_node_t *node, const regio_learner_log_t *t,
                                    regio_msg_t *req);

#endif
