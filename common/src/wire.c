/* wire - frame ids and NUL bytes in strings, read from the wire bytes. */
#include "regio/wire.h"

#include <string.h>

#define S_DEPTH_MAX 32 /* far deeper than any regio message nests */

/* Read a varint at *p (before end); 0, or -1 when truncated or too long. */
static int s_varint(const uint8_t **p, const uint8_t *end, uint64_t *v)
{
    *v = 0;
    for (int shift = 0; shift < 64 && *p < end; shift += 7) {
        uint8_t b = *(*p)++;
        *v |= (uint64_t)(b & 0x7f) << shift;
        if (!(b & 0x80))
            return 0;
    }
    return -1;
}

uint64_t regio_wire_leading_id(const void *frame, size_t len)
{
    const uint8_t *p = frame, *end = p + len;
    uint64_t id;
    if (len < 2 || p[0] != 0x08)
        return 0;
    p++;
    return s_varint(&p, end, &id) == 0 ? id : 0;
}

static int s_scan(const ProtobufCMessageDescriptor *d, const uint8_t *p, const uint8_t *end,
                  int depth)
{
    while (p < end) {
        uint64_t tag, v;
        if (s_varint(&p, end, &tag) < 0)
            return 0;
        switch (tag & 7) {
        case 0: /* varint */
            if (s_varint(&p, end, &v) < 0)
                return 0;
            break;
        case 1: /* 64-bit */
            if (end - p < 8)
                return 0;
            p += 8;
            break;
        case 5: /* 32-bit */
            if (end - p < 4)
                return 0;
            p += 4;
            break;
        case 2: { /* length-delimited: string, bytes, message, packed scalars */
            if (s_varint(&p, end, &v) < 0 || v > (uint64_t)(end - p))
                return 0;
            const ProtobufCFieldDescriptor *f =
                tag >> 3 <= UINT32_MAX ? protobuf_c_message_descriptor_get_field(d, (unsigned)(tag >> 3))
                                       : NULL;
            if (f && f->type == PROTOBUF_C_TYPE_STRING && memchr(p, 0, v))
                return 1;
            if (f && f->type == PROTOBUF_C_TYPE_MESSAGE && depth < S_DEPTH_MAX &&
                s_scan(f->descriptor, p, p + v, depth + 1))
                return 1;
            p += v;
            break;
        }
        default: /* groups: no regio message has them */
            return 0;
        }
    }
    return 0;
}

int regio_wire_has_nul(const ProtobufCMessageDescriptor *d, const void *frame, size_t len)
{
    const uint8_t *p = frame;
    return s_scan(d, p, p + len, 0);
}
