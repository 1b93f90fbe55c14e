/* fuzz_reply - the properties of a service's answer to one request. */
#include "fuzz_reply.h"

#include <stdio.h>

#include "regio/wire.h"

/* Property: a write the service acknowledged carried only valid UTF-8 in
 * its string fields (proto3 strings must be UTF-8; other languages'
 * decoders refuse anything else, so such data breaks every non-C
 * subscriber and the JSON export). regio_validate_text checks UTF-8;
 * corpus/fuzz_registry/utf8-partner-name guards it. */
#define FUZZ_CHECK_UTF8 1

/* 1 when s is well-formed UTF-8 (no overlongs, surrogates or > U+10FFFF). */
static int s_utf8(const unsigned char *s)
{
    while (*s) {
        unsigned c = *s++, n, min, cp;
        if (c < 0x80)
            continue;
        if (c >= 0xc2 && c <= 0xdf)
            n = 1, min = 0x80, cp = c & 0x1f;
        else if (c >= 0xe0 && c <= 0xef)
            n = 2, min = 0x800, cp = c & 0x0f;
        else if (c >= 0xf0 && c <= 0xf4)
            n = 3, min = 0x10000, cp = c & 0x07;
        else
            return 0;
        for (unsigned i = 0; i < n; i++, s++) {
            if ((*s & 0xc0) != 0x80)
                return 0;
            cp = cp << 6 | (*s & 0x3f);
        }
        if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
            return 0;
    }
    return 1;
}

/* The first string field of m (recursively) that is not UTF-8, or NULL. */
static const char *s_bad_string(const ProtobufCMessage *m)
{
    const ProtobufCMessageDescriptor *d = m->descriptor;
    for (unsigned i = 0; i < d->n_fields; i++) {
        const ProtobufCFieldDescriptor *f = &d->fields[i];
        const char *base = (const char *)m;
        if ((f->flags & PROTOBUF_C_FIELD_FLAG_ONEOF) &&
            *(const uint32_t *)(base + f->quantifier_offset) != f->id)
            continue;
        size_t n = f->label == PROTOBUF_C_LABEL_REPEATED
                       ? *(const size_t *)(base + f->quantifier_offset) : 1;
        void *const *v = f->label == PROTOBUF_C_LABEL_REPEATED
                             ? *(void *const *const *)(base + f->offset)
                             : (void *const *)(base + f->offset);
        for (size_t k = 0; k < n; k++) {
            if (f->type == PROTOBUF_C_TYPE_STRING && v[k] && !s_utf8(v[k]))
                return f->name;
            const char *bad = f->type == PROTOBUF_C_TYPE_MESSAGE && v[k] ? s_bad_string(v[k]) : NULL;
            if (bad)
                return bad;
        }
    }
    return NULL;
}

/* 1 when rep acknowledges a write. */
static int s_is_write_ack(const regio_envelope_t *rep)
{
    switch (rep->body_case) {
    case REGIO__ENVELOPE__BODY_ACK:
    case REGIO__ENVELOPE__BODY_NOTIFY_ACK: return 1;
    case REGIO__ENVELOPE__BODY_CAPACITY_ACK:
        return rep->capacity_ack->status == REGIO__ACK_STATUS__ACK_APPLIED;
    default: return 0;
    }
}

/* One line per reply, for REGIO_FUZZ_VERBOSE. */
static void s_print_reply(const char *name, const regio_envelope_t *rep)
{
    const ProtobufCFieldDescriptor *f =
        protobuf_c_message_descriptor_get_field(&regio__envelope__descriptor, rep->body_case);
    if (rep->body_case == REGIO__ENVELOPE__BODY_ERROR)
        fprintf(stderr, "fuzz-reply %s: error %s ref=%s: %s\n", name,
                regio_msg_error_name(rep->error->code), rep->error->ref, rep->error->reason);
    else
        fprintf(stderr, "fuzz-reply %s: %s\n", name, f ? f->name : "?");
}

int fuzz_reply_verbose;

void fuzz_reply_expect(fuzz_reply_expect_t *x, fuzz_service_t svc, const uint8_t *data, size_t len)
{
    regio_envelope_t *req = regio__envelope__unpack(NULL, len, data);
    x->svc = svc;
    x->want = req ? req->id : regio_wire_leading_id(data, len);
    x->replay = req && req->body_case == REGIO__ENVELOPE__BODY_REPLAY_REQUEST;
    x->audit = req && req->body_case == REGIO__ENVELOPE__BODY_AUDIT_REQUEST;
    x->bad_utf8 = FUZZ_CHECK_UTF8 && req ? s_bad_string(&req->base) : NULL;
    if (req)
        regio__envelope__free_unpacked(req, NULL);
}

int fuzz_reply_check(const fuzz_reply_expect_t *x, const regio_envelope_t *rep)
{
    const char *name = fuzz_service_names[x->svc];
    if (fuzz_reply_verbose)
        s_print_reply(name, rep);
    if (rep->body_case == REGIO__ENVELOPE__BODY__NOT_SET)
        fuzz_die("%s replied with an envelope without a body", name);
    if (rep->correlation_id != x->want)
        fuzz_die("%s replied with correlation_id %llu to request id %llu", name,
                 (unsigned long long)rep->correlation_id, (unsigned long long)x->want);
    if (rep->body_case == REGIO__ENVELOPE__BODY_ERROR &&
        (!rep->error || rep->error->code == REGIO__ERROR_CODE__ERROR_NONE))
        fuzz_die("%s replied with an error body without a code", name);
    /* INTERNAL is "a bug or an OS failure"; the OS does not fail here. */
    if (rep->body_case == REGIO__ENVELOPE__BODY_ERROR &&
        rep->error->code == REGIO__ERROR_CODE__ERROR_INTERNAL)
        fuzz_die("%s answered ERROR_INTERNAL: %s", name, rep->error->reason);
    if (x->bad_utf8 && s_is_write_ack(rep))
        fuzz_die("%s acknowledged a write whose field %s is not UTF-8", name, x->bad_utf8);
    if (x->replay && rep->body_case == REGIO__ENVELOPE__BODY_REPLAY_CHUNK)
        return rep->replay_chunk->done;
    if (x->audit && rep->body_case == REGIO__ENVELOPE__BODY_AUDIT_CHUNK)
        return rep->audit_chunk->done;
    return 1;
}
