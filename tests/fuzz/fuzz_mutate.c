/* fuzz_mutate - structure-aware mutation of envelopes: plausible ids and numbers.
 *
 * Random bytes rarely name an offering that exists, so most fuzzed requests
 * would stop at the first lookup. This pass decodes the input as an
 * Envelope, walks every field through the protobuf-c descriptors and, for
 * half of them (in some passes nine in ten), picks a value by the field's
 * name: a known id of the tiny region (or a new one), 10 seats, distinct
 * slots, coordinates in the region, a newer version, the next source_seq...
 * The result is packed back; all memory of the decoded message lives in an
 * arena, so fields may point at static strings.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_cluster.h"
#include "regio/msg.h"

size_t LLVMFuzzerMutate(uint8_t *data, size_t size, size_t max_size);

#define DEPTH_MAX 6

/* protobuf-c allocations of one pass, freed together. */
typedef struct {
    void **v;
    size_t n, cap;
} s_arena_t;

static void *s_arena_alloc(void *arg, size_t size)
{
    s_arena_t *a = arg;
    if (a->n == a->cap) {
        size_t cap = a->cap ? a->cap * 2 : 64;
        void **v = realloc(a->v, cap * sizeof *v);
        if (!v)
            return NULL;
        a->v = v;
        a->cap = cap;
    }
    void *p = calloc(1, size ? size : 1);
    if (p)
        a->v[a->n++] = p;
    return p;
}

static void s_arena_nofree(void *arg, void *p)
{
    (void)arg;
    (void)p;
}

static void s_arena_free(s_arena_t *a)
{
    for (size_t i = 0; i < a->n; i++)
        free(a->v[i]);
    free(a->v);
    memset(a, 0, sizeof *a);
}

/* xorshift64*: the mutation is a function of libFuzzer's seed. */
static uint64_t s_rng;
/* Per pass: a field is left alone with probability 1/s_keep (2 or 10), so
 * some passes make whole messages plausible. */
static uint32_t s_keep;

static uint32_t s_rand(uint32_t n)
{
    s_rng ^= s_rng >> 12;
    s_rng ^= s_rng << 25;
    s_rng ^= s_rng >> 27;
    return n ? (uint32_t)((s_rng * 2685821657736338717ULL) >> 32) % n : 0;
}

/* What a field holds, by its name. */
typedef enum {
    K_NONE, K_PERIOD, K_PARTNER, K_OFFERING, K_LEARNER, K_SCHOOL, K_GOAL, K_QUAL, K_TOPIC,
    K_DATE, K_UPDATE, K_COUNTRY, K_SITE, K_LAT, K_LON, K_SEATS, K_SLOTS, K_VERSION, K_WEEKS,
    K_KIND, K_DAGDELEN, K_AMOUNT, K_AGE, K_MAXKM, K_CLOSED, K_SECONDS, K_SEQ, K_SOURCE, K_SMALL
} s_kind_t;

static const struct {
    const char *msg; /* short message name, or NULL for any */
    const char *field;
    s_kind_t kind;
} s_rules[] = {
    {"Period", "id", K_PERIOD}, {"Partner", "id", K_PARTNER}, {"Offering", "id", K_OFFERING},
    {"WithdrawOffering", "id", K_OFFERING}, {"Learner", "id", K_LEARNER},
    {"RemoveLearner", "id", K_LEARNER}, {"Site", "id", K_SITE}, {"Learner", "dagdelen", K_DAGDELEN},
    {"Need", "dagdelen", K_AMOUNT}, {"PlacementChange", "kind", K_SMALL},
    {NULL, "period", K_PERIOD}, {NULL, "partner", K_PARTNER}, {NULL, "old_partner", K_PARTNER},
    {NULL, "preferred_partners", K_PARTNER}, {NULL, "history", K_PARTNER},
    {NULL, "offering", K_OFFERING}, {NULL, "old_offering", K_OFFERING},
    {NULL, "learner", K_LEARNER}, {NULL, "school", K_SCHOOL}, {NULL, "goals", K_GOAL},
    {NULL, "goal", K_GOAL}, {NULL, "qualifications", K_QUAL}, {NULL, "qualification", K_QUAL},
    {NULL, "topic", K_TOPIC}, {NULL, "date", K_DATE}, {NULL, "update_id", K_UPDATE},
    {NULL, "country", K_COUNTRY}, {NULL, "site", K_SITE}, {NULL, "lat", K_LAT},
    {NULL, "lon", K_LON}, {NULL, "seats", K_SEATS}, {NULL, "slots", K_SLOTS},
    {NULL, "version", K_VERSION}, {NULL, "weeks", K_WEEKS}, {NULL, "kind", K_KIND},
    {NULL, "age", K_AGE}, {NULL, "min_age", K_AGE}, {NULL, "max_km", K_MAXKM},
    {NULL, "slots_closed", K_CLOSED}, {NULL, "seconds", K_SECONDS}, {NULL, "after_seq", K_SEQ},
    {NULL, "first_source_seq", K_SOURCE}, {NULL, "plan_version", K_SEQ}, {NULL, "max", K_SMALL},
};

static s_kind_t s_kind_of(const ProtobufCMessageDescriptor *d, const ProtobufCFieldDescriptor *f)
{
    for (size_t i = 0; i < sizeof s_rules / sizeof s_rules[0]; i++)
        if ((!s_rules[i].msg || strcmp(s_rules[i].msg, d->short_name) == 0) &&
            strcmp(s_rules[i].field, f->name) == 0)
            return s_rules[i].kind;
    return K_NONE;
}

#define PICK(...)                                                                           \
    do {                                                                                    \
        static const char *const v_[] = {__VA_ARGS__};                                      \
        return (char *)v_[s_rand(sizeof v_ / sizeof v_[0])];                                \
    } while (0)

/* A string for a field of kind k; new ids now and then, to create entities. */
static char *s_pick_str(s_kind_t k, s_arena_t *a)
{
    switch (k) {
    case K_PERIOD: PICK("P1", "P2", "P1", "P2", "P3");
    case K_PARTNER: PICK("p1", "p2", "p3", "p1", "p4");
    case K_OFFERING: PICK("o1", "o2", "o3", "o1", "o4");
    case K_LEARNER: PICK("l1", "l2", "l3", "l1", "l4");
    case K_SCHOOL: PICK("s1", "s2");
    case K_GOAL: PICK("LOG-W1", "LOG-W2", "LOG-W3");
    case K_QUAL: PICK("25472", "25180");
    case K_TOPIC: PICK("school/s1", "school/s2", "learner/l1", "partner/p1", "partner/p3", "");
    case K_DATE: PICK("2026-12-07", "2028-02-29", "2027-02-29", "2100-12-31");
    case K_COUNTRY: PICK("NL", "BE");
    case K_SITE: PICK("site1", "site2");
    case K_UPDATE: {
        static unsigned n;
        char *s = s_arena_alloc(a, 24);
        if (s)
            snprintf(s, 24, "f%u", s_rand(4) ? ++n : s_rand(8));
        return s;
    }
    default: return NULL;
    }
}

static double s_pick_num(s_kind_t k)
{
    static uint64_t version = 1;
    switch (k) {
    case K_LAT: return 51.5 + s_rand(300) / 1000.0;
    case K_LON: return 4.7 + s_rand(300) / 1000.0;
    case K_VERSION: return (double)(s_rand(4) ? ++version : s_rand(4));
    case K_WEEKS: return 1 + s_rand(53);
    case K_KIND: return 1 + s_rand(6);
    case K_DAGDELEN: return 1 + s_rand(10);
    case K_AMOUNT: return s_rand(100);
    case K_AGE: return 14 + s_rand(8);
    case K_MAXKM: return 1 + s_rand(40);
    case K_CLOSED: return 1 + s_rand(3);
    case K_SECONDS: return s_rand(2) ? 0 : FUZZ_PLAN_SECONDS;
    case K_SEQ: return s_rand(20);
    case K_SOURCE: /* next in sequence, a resend, or anything small */
        return (double)(s_rand(2) ? fuzz_cluster_source_seq + 1
                                  : s_rand(2) ? fuzz_cluster_source_seq : s_rand(20));
    case K_SMALL: return s_rand(4) ? s_rand(4) : s_rand(300);
    default: return s_rand(10);
    }
}

/* Store v into a scalar of the field's type. */
static void s_set_num(void *p, ProtobufCType t, double v)
{
    switch (t) {
    case PROTOBUF_C_TYPE_DOUBLE: *(double *)p = v; break;
    case PROTOBUF_C_TYPE_FLOAT: *(float *)p = (float)v; break;
    case PROTOBUF_C_TYPE_UINT64: case PROTOBUF_C_TYPE_INT64: case PROTOBUF_C_TYPE_SINT64:
    case PROTOBUF_C_TYPE_FIXED64: case PROTOBUF_C_TYPE_SFIXED64:
        *(uint64_t *)p = (uint64_t)v;
        break;
    case PROTOBUF_C_TYPE_BOOL: *(protobuf_c_boolean *)p = v != 0; break;
    case PROTOBUF_C_TYPE_UINT32: case PROTOBUF_C_TYPE_INT32: case PROTOBUF_C_TYPE_SINT32:
    case PROTOBUF_C_TYPE_FIXED32: case PROTOBUF_C_TYPE_SFIXED32: case PROTOBUF_C_TYPE_ENUM:
        *(uint32_t *)p = (uint32_t)v;
        break;
    default: break;
    }
}

/* seats: exactly 10 small counts; slots: 1..4 distinct slots 0..9. */
static void s_set_list(char *msg, const ProtobufCFieldDescriptor *f, s_kind_t k, s_arena_t *a)
{
    if (f->type != PROTOBUF_C_TYPE_UINT32)
        return;
    size_t n = k == K_SEATS ? 10 : 1 + s_rand(4);
    uint32_t *v = s_arena_alloc(a, n * sizeof *v);
    if (!v)
        return;
    unsigned used = 0;
    for (size_t i = 0; i < n; i++) {
        if (k == K_SEATS) {
            v[i] = s_rand(4);
            continue;
        }
        do
            v[i] = s_rand(10);
        while (used >> v[i] & 1u);
        used |= 1u << v[i];
    }
    *(size_t *)(msg + f->quantifier_offset) = n;
    *(uint32_t **)(msg + f->offset) = v;
}

static void s_fix(ProtobufCMessage *m, int depth, s_arena_t *a);

static void s_fix_field(ProtobufCMessage *m, const ProtobufCFieldDescriptor *f, int depth,
                        s_arena_t *a)
{
    char *msg = (char *)m;
    s_kind_t k = s_kind_of(m->descriptor, f);
    if (f->label == PROTOBUF_C_LABEL_REPEATED) {
        size_t n = *(size_t *)(msg + f->quantifier_offset);
        void *arr = *(void **)(msg + f->offset);
        if (f->type == PROTOBUF_C_TYPE_MESSAGE) {
            for (size_t i = 0; i < n; i++)
                s_fix(((ProtobufCMessage **)arr)[i], depth + 1, a);
        } else if (f->type == PROTOBUF_C_TYPE_STRING && k != K_NONE) {
            for (size_t i = 0; i < n; i++) {
                char *s = s_rand(s_keep) ? s_pick_str(k, a) : NULL;
                if (s)
                    ((char **)arr)[i] = s;
            }
        } else if ((k == K_SEATS || k == K_SLOTS) && s_rand(s_keep)) {
            s_set_list(msg, f, k, a);
        }
        return;
    }
    void *p = msg + f->offset;
    if (f->type == PROTOBUF_C_TYPE_MESSAGE) {
        ProtobufCMessage **sub = p;
        if (!*sub && s_rand(4) == 0) { /* add a missing sub-message now and then */
            const ProtobufCMessageDescriptor *d = f->descriptor;
            if ((*sub = s_arena_alloc(a, d->sizeof_message)))
                protobuf_c_message_init(d, *sub);
        }
        if (*sub)
            s_fix(*sub, depth + 1, a);
        return;
    }
    if (k == K_NONE || !s_rand(s_keep))
        return;
    if (f->type == PROTOBUF_C_TYPE_STRING) {
        char *s = s_pick_str(k, a);
        if (s)
            *(char **)p = s;
    } else {
        s_set_num(p, f->type, s_pick_num(k));
    }
}

static void s_fix(ProtobufCMessage *m, int depth, s_arena_t *a)
{
    if (!m || depth > DEPTH_MAX)
        return;
    const ProtobufCMessageDescriptor *d = m->descriptor;
    for (unsigned i = 0; i < d->n_fields; i++) {
        const ProtobufCFieldDescriptor *f = &d->fields[i];
        if ((f->flags & PROTOBUF_C_FIELD_FLAG_ONEOF) &&
            *(uint32_t *)((char *)m + f->quantifier_offset) != f->id)
            continue; /* not the member of the oneof that is set */
        s_fix_field(m, f, depth, a);
    }
}

/* Decode data as an Envelope, fix fields up, pack back if it fits. */
static size_t s_structured_one(uint8_t *data, size_t size, size_t max)
{
    s_arena_t a = {0};
    ProtobufCAllocator alloc = {s_arena_alloc, s_arena_nofree, &a};
    regio_envelope_t *e = regio__envelope__unpack(&alloc, size, data);
    s_keep = s_rand(2) ? 2 : 10;
    if (e) {
        s_fix(&e->base, 0, &a);
        size_t n = regio__envelope__get_packed_size(e);
        if (n <= max)
            size = regio__envelope__pack(e, data);
    }
    s_arena_free(&a);
    return size;
}

/* The same for each frame of a batch input (frames stay <= 255 bytes). */
static size_t s_structured_batch(uint8_t *data, size_t size, size_t max)
{
    const uint8_t *frame[FUZZ_BATCH_MAX];
    size_t len[FUZZ_BATCH_MAX], n = fuzz_batch_split(data, size, frame, len);
    uint8_t buf[FUZZ_BATCH_MAX][255];
    const uint8_t *fixed[FUZZ_BATCH_MAX];
    for (size_t i = 0; i < n; i++) {
        memcpy(buf[i], frame[i], len[i]);
        len[i] = s_structured_one(buf[i], len[i], sizeof buf[i]);
        fixed[i] = buf[i];
    }
    uint8_t *out = malloc(max);
    size_t m = out ? fuzz_batch_join(fixed, len, n, out, max) : 0;
    if (m > 0) {
        memcpy(data, out, m);
        size = m;
    }
    free(out);
    return size;
}

/* A single frame becomes a batch of itself and a fixed-up copy. */
static size_t s_to_batch(uint8_t *data, size_t size, size_t max)
{
    if (size > 255 || size == 0 || 2 * size + 3 > max)
        return size;
    uint8_t copy[255], out[2 * 255 + 3];
    memcpy(copy, data, size);
    size_t n2 = s_structured_one(copy, size, sizeof copy);
    const uint8_t *frame[2] = {data, copy};
    size_t len[2] = {size, n2}, m = fuzz_batch_join(frame, len, 2, out, sizeof out);
    if (m > 0 && m <= max) {
        memcpy(data, out, m);
        size = m;
    }
    return size;
}

size_t fuzz_cluster_mutate(fuzz_service_t svc, uint8_t *data, size_t size, size_t max,
                           unsigned int seed)
{
    (void)svc;
    s_rng = ((uint64_t)seed << 32 | seed) ^ 0x9e3779b97f4a7c15ULL;
    if (s_rand(3))
        size = LLVMFuzzerMutate(data, size, max);
    int batch = size > 0 && data[0] == FUZZ_BATCH_MAGIC;
    if (!batch && s_rand(16) == 0)
        return s_to_batch(data, size, max);
    if (s_rand(2))
        size = batch ? s_structured_batch(data, size, max) : s_structured_one(data, size, max);
    return size;
}
