/* feed_index - sessions by routing id, patterns to sessions, topic matching. */
#include "feed_index.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "regio/error.h"

typedef struct {
    char text[REGIO_TOPIC_MAX];
    int32_t next;                 /* same bucket, or next free entry */
    regio_feed_session_t **subs;  /* sessions that hold this pattern */
    size_t n, cap;
} pattern_t;

struct regio_feed_index_s {
    size_t max, count;
    regio_feed_session_t **slots; /* max entries, NULL when free */
    size_t *free_slots, n_free;   /* stack of free slot numbers */
    regio_feed_session_t **rid_bucket;
    size_t rid_mask;
    pattern_t *pat;               /* entries, reused through pat_free */
    size_t n_pat, cap_pat;
    int32_t pat_free;
    int32_t *pat_bucket;          /* -1 = empty */
    size_t pat_mask;
    regio_feed_session_t **found; /* the last match (max entries) */
    uint64_t mark;
};

static uint64_t s_hash(const void *p, size_t n)
{
    const uint8_t *b = p;
    uint64_t h = 1469598103934665603ull; /* FNV-1a */
    for (size_t i = 0; i < n; i++)
        h = (h ^ b[i]) * 1099511628211ull;
    return h;
}

static size_t s_pow2(size_t n)
{
    size_t p = 64;
    while (p < n)
        p <<= 1;
    return p;
}

int regio_feed_index_new(size_t max, regio_feed_index_t **out)
{
    regio_feed_index_t *ix = calloc(1, sizeof *ix);
    *out = ix;
    if (!ix)
        return -ENOMEM;
    ix->max = max ? max : 1;
    size_t nr = s_pow2(2 * ix->max), np = s_pow2(4 * ix->max);
    ix->rid_mask = nr - 1;
    ix->pat_mask = np - 1;
    ix->pat_free = -1;
    ix->slots = calloc(ix->max, sizeof *ix->slots);
    ix->free_slots = malloc(ix->max * sizeof *ix->free_slots);
    ix->rid_bucket = calloc(nr, sizeof *ix->rid_bucket);
    ix->pat_bucket = malloc(np * sizeof *ix->pat_bucket);
    ix->found = malloc(ix->max * sizeof *ix->found);
    if (!ix->slots || !ix->free_slots || !ix->rid_bucket || !ix->pat_bucket || !ix->found) {
        regio_feed_index_destroy(out);
        return -ENOMEM;
    }
    for (size_t i = 0; i < np; i++)
        ix->pat_bucket[i] = -1;
    for (size_t i = 0; i < ix->max; i++)
        ix->free_slots[i] = ix->max - 1 - i; /* slot 0 is taken first */
    ix->n_free = ix->max;
    return 0;
}

void regio_feed_index_destroy(regio_feed_index_t **self)
{
    if (!self || !*self)
        return;
    regio_feed_index_t *ix = *self;
    for (size_t i = 0; ix->slots && i < ix->max; i++)
        free(ix->slots[i]);
    for (size_t i = 0; i < ix->n_pat; i++)
        free(ix->pat[i].subs);
    free(ix->slots);
    free(ix->free_slots);
    free(ix->rid_bucket);
    free(ix->pat);
    free(ix->pat_bucket);
    free(ix->found);
    free(ix);
    *self = NULL;
}

/* Patterns ----------------------------------------------------------------- */

static int32_t s_pat_find(const regio_feed_index_t *ix, const char *text, size_t len)
{
    int32_t i = ix->pat_bucket[s_hash(text, len) & ix->pat_mask];
    while (i >= 0 && (strlen(ix->pat[i].text) != len || memcmp(ix->pat[i].text, text, len) != 0))
        i = ix->pat[i].next;
    return i;
}

/* The entry of text, made when new. Returns its number or -ENOMEM. */
static int32_t s_pat_get(regio_feed_index_t *ix, const char *text)
{
    size_t len = strlen(text);
    int32_t i = s_pat_find(ix, text, len);
    if (i >= 0)
        return i;
    if (ix->pat_free >= 0) {
        i = ix->pat_free;
        ix->pat_free = ix->pat[i].next;
    } else {
        if (ix->n_pat == ix->cap_pat) {
            size_t cap = ix->cap_pat ? 2 * ix->cap_pat : 64;
            pattern_t *v = realloc(ix->pat, cap * sizeof *v);
            if (!v)
                return -ENOMEM;
            ix->pat = v;
            ix->cap_pat = cap;
        }
        i = (int32_t)ix->n_pat++;
        memset(&ix->pat[i], 0, sizeof ix->pat[i]);
    }
    pattern_t *p = &ix->pat[i];
    memcpy(p->text, text, len + 1);
    p->n = 0;
    size_t b = s_hash(text, len) & ix->pat_mask;
    p->next = ix->pat_bucket[b];
    ix->pat_bucket[b] = i;
    return i;
}

static int s_pat_join(regio_feed_index_t *ix, int32_t i, regio_feed_session_t *s)
{
    pattern_t *p = &ix->pat[i];
    if (p->n == p->cap) {
        size_t cap = p->cap ? 2 * p->cap : 4;
        regio_feed_session_t **v = realloc(p->subs, cap * sizeof *v);
        if (!v)
            return -ENOMEM;
        p->subs = v;
        p->cap = cap;
    }
    p->subs[p->n++] = s;
    return 0;
}

/* Give entry i back to the free list once nobody holds it. */
static void s_pat_drop_if_empty(regio_feed_index_t *ix, int32_t i)
{
    pattern_t *p = &ix->pat[i];
    if (p->n > 0)
        return;
    int32_t *link = &ix->pat_bucket[s_hash(p->text, strlen(p->text)) & ix->pat_mask];
    while (*link != i)
        link = &ix->pat[*link].next;
    *link = p->next;
    p->next = ix->pat_free;
    ix->pat_free = i;
}

static void s_pat_leave(regio_feed_index_t *ix, int32_t i, regio_feed_session_t *s)
{
    pattern_t *p = &ix->pat[i];
    for (size_t k = 0; k < p->n; k++)
        if (p->subs[k] == s) {
            p->subs[k] = p->subs[--p->n];
            break;
        }
    s_pat_drop_if_empty(ix, i);
}

static void s_leave_all(regio_feed_index_t *ix, regio_feed_session_t *s)
{
    for (int k = 0; k < s->n_pat; k++)
        s_pat_leave(ix, s->pat[k], s);
    s->n_pat = 0;
}

int regio_feed_index_set(regio_feed_index_t *ix, regio_feed_session_t *s,
                         const char *const *patterns, size_t n)
{
    if (n > REGIO_MAX_SUBSCRIBE_TOPICS)
        return REGIO_ERANGE;
    for (size_t k = 0; k < n; k++)
        if (strlen(patterns[k]) >= REGIO_TOPIC_MAX)
            return REGIO_ERANGE;
    s_leave_all(ix, s);
    for (size_t k = 0; k < n; k++) {
        int32_t i = s_pat_get(ix, patterns[k]);
        int dup = 0;
        for (int j = 0; i >= 0 && j < s->n_pat; j++)
            dup |= s->pat[j] == i;
        if (dup)
            continue;
        if (i < 0 || s_pat_join(ix, i, s) < 0) {
            if (i >= 0)
                s_pat_drop_if_empty(ix, i);
            s_leave_all(ix, s);
            return -ENOMEM;
        }
        s->pat[s->n_pat++] = i;
    }
    return 0;
}

/* Sessions ----------------------------------------------------------------- */

regio_feed_session_t *regio_feed_index_find(const regio_feed_index_t *ix, const void *rid,
                                            size_t len)
{
    regio_feed_session_t *s = ix->rid_bucket[s_hash(rid, len) & ix->rid_mask];
    while (s && (s->rid_len != len || memcmp(s->rid, rid, len) != 0))
        s = s->next;
    return s;
}

int regio_feed_index_add(regio_feed_index_t *ix, const void *rid, size_t len,
                         regio_feed_session_t **out)
{
    *out = NULL;
    if (len == 0 || len > REGIO_MSG_HEAD_MAX)
        return REGIO_ERANGE;
    if (ix->n_free == 0)
        return REGIO_EBUSY;
    regio_feed_session_t *s = calloc(1, sizeof *s);
    if (!s)
        return -ENOMEM;
    memcpy(s->rid, rid, len);
    s->rid_len = len;
    s->slot = ix->free_slots[--ix->n_free];
    ix->slots[s->slot] = s;
    regio_feed_session_t **b = &ix->rid_bucket[s_hash(rid, len) & ix->rid_mask];
    s->next = *b;
    *b = s;
    ix->count++;
    *out = s;
    return 0;
}

void regio_feed_index_remove(regio_feed_index_t *ix, regio_feed_session_t *s)
{
    s_leave_all(ix, s);
    regio_feed_session_t **link = &ix->rid_bucket[s_hash(s->rid, s->rid_len) & ix->rid_mask];
    while (*link != s)
        link = &(*link)->next;
    *link = s->next;
    ix->slots[s->slot] = NULL;
    ix->free_slots[ix->n_free++] = s->slot;
    ix->count--;
    free(s);
}

/* Add the holders of pattern topic[0..len) to the match being built. */
static void s_collect(regio_feed_index_t *ix, const char *topic, size_t len, size_t *n)
{
    int32_t i = s_pat_find(ix, topic, len);
    if (i < 0)
        return;
    const pattern_t *p = &ix->pat[i];
    for (size_t k = 0; k < p->n; k++)
        if (p->subs[k]->mark != ix->mark) {
            p->subs[k]->mark = ix->mark;
            ix->found[(*n)++] = p->subs[k];
        }
}

size_t regio_feed_index_match(regio_feed_index_t *ix, const char *topic,
                              regio_feed_session_t *const **out)
{
    size_t n = 0, len = strlen(topic);
    ix->mark++;
    *out = ix->found;
    if (ix->count == 0)
        return 0;
    s_collect(ix, topic, 0, &n); /* "" */
    for (size_t i = 0; i < len; i++)
        if (topic[i] == '/') {
            s_collect(ix, topic, i, &n);     /* "a" covers "a/b" */
            s_collect(ix, topic, i + 1, &n); /* "a/" covers "a/b" */
        }
    if (len)
        s_collect(ix, topic, len, &n); /* the topic itself */
    return n;
}

size_t regio_feed_index_count(const regio_feed_index_t *ix)
{
    return ix->count;
}

size_t regio_feed_index_slots(const regio_feed_index_t *ix)
{
    return ix->max;
}

regio_feed_session_t *regio_feed_index_slot(const regio_feed_index_t *ix, size_t i)
{
    return i < ix->max ? ix->slots[i] : NULL;
}
