/* test_learner_log - one learner's entries in the notifier's log: found on
 * every topic, renamed in place with seq and topic_seq kept.
 *
 * learner_log is internal to the notifier service (an executable), so this
 * test compiles it directly (unity include below); its headers are found
 * next to it.
 */
#include "../../services/notifier/learner_log.c"

#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "regio/error.h"
#include "regio/store.h"
#include "store_fixture.h"

static store_fixture_t F;
static regio_learner_log_t T;
static uint64_t s_seq;

static void s_setup(void)
{
    const char *names[] = {"log", "topic_index", "topic_seq"};
    MDB_dbi dbi[3];
    store_fixture_open(&F, names, dbi, 3);
    T = (regio_learner_log_t){dbi[0], dbi[1], dbi[2]};
    s_seq = 0;
}

static void s_teardown(void)
{
    store_fixture_close(&F);
}

TestSuite(learner_log, .init = s_setup, .fini = s_teardown, .timeout = 30);

/* Log one change about learner on its school, learner and partner topics,
 * as the notifier does. */
static void s_log(MDB_txn *txn, const char *learner, const char *school, const char *partner)
{
    Regio__PlacementChange c = REGIO__PLACEMENT_CHANGE__INIT;
    c.learner = (char *)learner;
    c.school = (char *)school;
    c.partner = (char *)partner;
    c.period = "P1";
    const char *kinds[] = {"school", "learner", "partner"}, *ids[] = {school, learner, partner};
    for (int t = 0; t < 3; t++) {
        char topic[REGIO_TOPIC_MAX], ikey[REGIO_TOPIC_KEY_MAX];
        uint8_t key[8];
        uint64_t tseq = 0;
        snprintf(topic, sizeof topic, "%s/%s", kinds[t], ids[t]);
        cr_assert_eq(regio_store_get_u64(txn, T.topic_seq, topic, &tseq), 0);
        Regio__Notification nt = REGIO__NOTIFICATION__INIT;
        nt.seq = ++s_seq;
        nt.topic = topic;
        nt.topic_seq = ++tseq;
        nt.change = &c;
        regio_store_u64_key(key, nt.seq);
        cr_assert_eq(regio_store_put_msg(txn, T.log, key, 8, &nt.base), 0);
        cr_assert_eq(regio_store_put_u64(txn, T.topic_seq, topic, tseq), 0);
        MDB_val k = {regio_topic_index_key(ikey, topic, tseq), ikey}, d = {8, key};
        cr_assert_eq(mdb_put(txn, T.topic_index, &k, &d, 0), 0);
    }
}

static MDB_txn *s_write_log(void)
{
    MDB_txn *txn;
    cr_assert_eq(mdb_txn_begin(F.s.env, NULL, 0, &txn), 0);
    s_log(txn, "l1", "s1", "p1");
    s_log(txn, "l10", "s1", "p1"); /* l1's id is a prefix of l10's */
    s_log(txn, "l1", "s1", "p2");
    s_log(txn, "l2", "s2", "p1");
    return txn;
}

static uint64_t s_index(MDB_txn *txn, const char *topic, uint64_t tseq)
{
    char ikey[REGIO_TOPIC_KEY_MAX];
    MDB_val k = {regio_topic_index_key(ikey, topic, tseq), ikey}, d;
    return mdb_get(txn, T.topic_index, &k, &d) == 0 ? regio_store_u64_decode(d.mv_data) : 0;
}

Test(learner_log, find_gives_the_learners_entries_on_every_topic_and_no_others)
{
    MDB_txn *txn = s_write_log();
    Regio__Notification **v;
    size_t n;
    cr_assert_eq(regio_learner_log_find(&T, txn, "l1", &v, &n), 0);
    cr_assert_eq(n, 6);
    const uint64_t want[] = {1, 2, 3, 7, 8, 9};
    for (size_t i = 0; i < n; i++) {
        cr_assert_eq(v[i]->seq, want[i]);
        cr_assert_str_eq(v[i]->change->learner, "l1");
    }
    regio_learner_log_free(v, n);
    cr_assert_eq(regio_learner_log_find(&T, txn, "nobody", &v, &n), 0);
    cr_assert_eq(n, 0);
    regio_learner_log_free(v, n);
    mdb_txn_abort(txn);
}

Test(learner_log, rename_keeps_seqs_and_moves_the_learner_topic)
{
    MDB_txn *txn = s_write_log();
    Regio__Notification **v;
    size_t n, topics;
    const char *tomb = "erased-0123456789abcdef";
    cr_assert_eq(regio_learner_log_find(&T, txn, "l1", &v, &n), 0);
    cr_assert_eq(regio_learner_log_rename(&T, txn, v, n, "l1", tomb, &topics), 0);
    regio_learner_log_free(v, n);
    cr_assert_eq(topics, 1);
    cr_assert_eq(regio_learner_log_find(&T, txn, "l1", &v, &n), 0);
    cr_assert_eq(n, 0, "nothing names l1 any more");
    regio_learner_log_free(v, n);
    cr_assert_eq(regio_learner_log_find(&T, txn, tomb, &v, &n), 0);
    cr_assert_eq(n, 6);
    cr_assert_str_eq(v[1]->topic, "learner/erased-0123456789abcdef");
    cr_assert_eq(v[1]->seq, 2);
    cr_assert_eq(v[1]->topic_seq, 1);
    cr_assert_str_eq(v[3]->topic, "school/s1", "other topics stay");
    cr_assert_eq(v[3]->topic_seq, 3);
    regio_learner_log_free(v, n);
    /* the index and the counter moved with the topic; l10 is untouched */
    cr_assert_eq(s_index(txn, "learner/l1", 1), 0);
    cr_assert_eq(s_index(txn, "learner/erased-0123456789abcdef", 1), 2);
    cr_assert_eq(s_index(txn, "learner/erased-0123456789abcdef", 2), 8);
    cr_assert_eq(s_index(txn, "learner/l10", 1), 5);
    uint64_t last = 9;
    cr_assert_eq(regio_store_get_u64(txn, T.topic_seq, "learner/l1", &last), 0);
    cr_assert_eq(last, 0);
    cr_assert_eq(regio_store_get_u64(txn, T.topic_seq, "learner/erased-0123456789abcdef", &last), 0);
    cr_assert_eq(last, 2);
    mdb_txn_abort(txn);
}

Test(learner_log, a_tombstone_that_names_a_topic_already_is_refused)
{
    MDB_txn *txn = s_write_log();
    Regio__Notification **v;
    size_t n, topics;
    cr_assert_eq(regio_learner_log_find(&T, txn, "l1", &v, &n), 0);
    cr_assert_eq(regio_learner_log_rename(&T, txn, v, n, "l1", "l2", &topics), REGIO_EDUPLICATE);
    regio_learner_log_free(v, n);
    cr_assert_eq(s_index(txn, "learner/l1", 1), 2, "nothing was written");
    mdb_txn_abort(txn);
}
