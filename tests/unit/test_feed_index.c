/* test_feed_index - the notifier feed's sessions: routing ids, patterns, matching.
 * The module is compiled in directly (unity include below). */
#include "../../services/notifier/feed_index.c"

#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "regio/authz.h"

static regio_feed_session_t *s_add(regio_feed_index_t *ix, const char *rid, const char *p0,
                                   const char *p1)
{
    regio_feed_session_t *s;
    cr_assert_eq(regio_feed_index_add(ix, rid, strlen(rid), &s), 0);
    const char *v[] = {p0, p1};
    cr_assert_eq(regio_feed_index_set(ix, s, v, p1 ? 2 : 1), 0);
    return s;
}

/* Whether the match for topic is exactly want[0..n-1] (in any order). */
static void s_expect(regio_feed_index_t *ix, const char *topic, regio_feed_session_t **want,
                     size_t n)
{
    regio_feed_session_t *const *v;
    size_t k = regio_feed_index_match(ix, topic, &v);
    cr_assert_eq(k, n, "%s: %zu sessions, want %zu", topic, k, n);
    for (size_t i = 0; i < n; i++) {
        int found = 0;
        for (size_t j = 0; j < k; j++)
            found += v[j] == want[i];
        cr_assert_eq(found, 1, "%s: session %zu found %d times", topic, i, found);
    }
}

Test(feed_index, topics_match_segment_wise_and_each_session_once)
{
    regio_feed_index_t *ix;
    cr_assert_eq(regio_feed_index_new(8, &ix), 0);
    regio_feed_session_t *all = s_add(ix, "a", "", NULL);
    regio_feed_session_t *s1 = s_add(ix, "b", "school/s1", NULL);
    regio_feed_session_t *learners = s_add(ix, "c", "learner/", "learner/l1"); /* overlapping */
    regio_feed_session_t *p1 = s_add(ix, "d", "partner/p1", NULL);
    regio_feed_session_t *kind = s_add(ix, "e", "partner", NULL);
    s_expect(ix, "school/s1", (regio_feed_session_t *[]){all, s1}, 2);
    s_expect(ix, "school/s10", (regio_feed_session_t *[]){all}, 1);
    s_expect(ix, "learner/l1", (regio_feed_session_t *[]){all, learners}, 2);
    s_expect(ix, "partner/p1", (regio_feed_session_t *[]){all, p1, kind}, 3);
    s_expect(ix, "partner/p10", (regio_feed_session_t *[]){all, kind}, 2);
    s_expect(ix, "partnership/x", (regio_feed_session_t *[]){all}, 1);
    regio_feed_index_destroy(&ix);
    cr_assert_null(ix);
}

Test(feed_index, the_index_agrees_with_authz_covers_on_every_pair)
{
    const char *pats[] = {"", "a", "a/", "a/b", "a/b/", "a/bc", "ab", "b/a", "a/b/c"};
    const char *topics[] = {"a", "a/b", "a/bc", "a/b/c", "ab/c", "b/a", "a/b/cd", "x"};
    size_t np = sizeof pats / sizeof *pats, nt = sizeof topics / sizeof *topics;
    regio_feed_index_t *ix;
    cr_assert_eq(regio_feed_index_new(np, &ix), 0);
    regio_feed_session_t *s[16];
    for (size_t i = 0; i < np; i++) {
        char rid[8];
        snprintf(rid, sizeof rid, "r%zu", i);
        s[i] = s_add(ix, rid, pats[i], NULL);
    }
    for (size_t t = 0; t < nt; t++) {
        regio_feed_session_t *const *v;
        size_t k = regio_feed_index_match(ix, topics[t], &v);
        for (size_t i = 0; i < np; i++) {
            int hit = 0;
            for (size_t j = 0; j < k; j++)
                hit |= v[j] == s[i];
            cr_expect_eq(hit, regio_authz_covers(pats[i], topics[t]), "pattern '%s' topic '%s'",
                         pats[i], topics[t]);
        }
    }
    regio_feed_index_destroy(&ix);
}

Test(feed_index, sessions_are_found_by_routing_id_replaced_removed_and_bounded)
{
    regio_feed_index_t *ix;
    cr_assert_eq(regio_feed_index_new(2, &ix), 0);
    uint8_t rid1[5] = {0, 1, 2, 3, 4}, rid2[5] = {0, 1, 2, 3, 5}; /* ROUTER ids start with 0 */
    regio_feed_session_t *a, *b, *c;
    cr_assert_eq(regio_feed_index_add(ix, rid1, 5, &a), 0);
    cr_assert_eq(regio_feed_index_add(ix, rid2, 5, &b), 0);
    cr_expect_eq(regio_feed_index_add(ix, "x", 1, &c), REGIO_EBUSY, "at most max sessions");
    cr_expect_null(c);
    cr_expect_eq(regio_feed_index_find(ix, rid1, 5), a);
    cr_expect_eq(regio_feed_index_find(ix, rid2, 5), b);
    cr_expect_null(regio_feed_index_find(ix, rid1, 4));
    const char *one[] = {"school/s1"}, *other[] = {"school/s2"};
    cr_assert_eq(regio_feed_index_set(ix, a, one, 1), 0);
    cr_assert_eq(regio_feed_index_set(ix, b, one, 1), 0);
    s_expect(ix, "school/s1", (regio_feed_session_t *[]){a, b}, 2);
    cr_assert_eq(regio_feed_index_set(ix, a, other, 1), 0); /* a new Subscribe replaces */
    s_expect(ix, "school/s1", (regio_feed_session_t *[]){b}, 1);
    s_expect(ix, "school/s2", (regio_feed_session_t *[]){a}, 1);
    regio_feed_index_remove(ix, b);
    s_expect(ix, "school/s1", NULL, 0);
    cr_expect_null(regio_feed_index_find(ix, rid2, 5));
    cr_expect_eq(regio_feed_index_count(ix), 1);
    cr_assert_eq(regio_feed_index_add(ix, "x", 1, &c), 0, "a removed session frees its place");
    size_t seen = 0;
    for (size_t i = 0; i < regio_feed_index_slots(ix); i++)
        seen += regio_feed_index_slot(ix, i) != NULL;
    cr_expect_eq(seen, 2);
    regio_feed_index_destroy(&ix);
}

Test(feed_index, bad_patterns_change_nothing)
{
    regio_feed_index_t *ix;
    cr_assert_eq(regio_feed_index_new(4, &ix), 0);
    regio_feed_session_t *s = s_add(ix, "a", "school/s1", NULL);
    char longer[REGIO_TOPIC_MAX + 1];
    memset(longer, 'x', REGIO_TOPIC_MAX);
    longer[REGIO_TOPIC_MAX] = '\0';
    const char *too_long[] = {longer};
    cr_expect_eq(regio_feed_index_set(ix, s, too_long, 1), REGIO_ERANGE);
    const char *many[REGIO_MAX_SUBSCRIBE_TOPICS + 1];
    for (int i = 0; i <= REGIO_MAX_SUBSCRIBE_TOPICS; i++)
        many[i] = "school/s2";
    cr_expect_eq(regio_feed_index_set(ix, s, many, REGIO_MAX_SUBSCRIBE_TOPICS + 1), REGIO_ERANGE);
    s_expect(ix, "school/s1", (regio_feed_session_t *[]){s}, 1);
    cr_assert_eq(regio_feed_index_set(ix, s, many, REGIO_MAX_SUBSCRIBE_TOPICS), 0, "duplicates count once");
    cr_expect_eq(s->n_pat, 1);
    s_expect(ix, "school/s2", (regio_feed_session_t *[]){s}, 1);
    regio_feed_index_destroy(&ix);
}

Test(feed_index, patterns_are_reused_after_their_last_session_left)
{
    regio_feed_index_t *ix;
    cr_assert_eq(regio_feed_index_new(4, &ix), 0);
    for (int round = 0; round < 1000; round++) { /* a churn of sessions and topics */
        char rid[16], topic[32];
        snprintf(rid, sizeof rid, "r%d", round);
        snprintf(topic, sizeof topic, "learner/l%d", round);
        regio_feed_session_t *s = s_add(ix, rid, topic, "school/s1");
        s_expect(ix, topic, (regio_feed_session_t *[]){s}, 1);
        regio_feed_index_remove(ix, s);
    }
    cr_expect_leq(ix->n_pat, 2, "entries are recycled: %zu made", ix->n_pat);
    regio_feed_index_destroy(&ix);
}
