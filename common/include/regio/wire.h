/* wire - what protobuf-c does not tell about a frame: its id, NUL bytes.
 *
 * protobuf-c hands strings out NUL-terminated: a string that holds a 0 byte
 * on the wire ("o1\0x") reads as its part before it ("o1") and would then
 * update, or overwrite, another entity. And a frame that does not decode
 * has no id to answer to. These look at the wire bytes themselves.
 * Both read only within frame[0..len-1] and never allocate.
 */
#ifndef REGIO_WIRE_H
#define REGIO_WIRE_H

#include <protobuf-c/protobuf-c.h>
#include <stddef.h>
#include <stdint.h>

/* The id of an envelope frame from its first field (field 1, a varint:
 * tag byte 0x08, as every regio sender writes it), also when the rest does
 * not decode; 0 when the frame does not start with one. Can't fail. */
uint64_t regio_wire_leading_id(const void *frame, size_t len);

/* 1 when a string field of the message d describes, at any depth of
 * nesting, holds a 0 byte on the wire; 0 otherwise. Exact: it walks the
 * fields as encoded, so unknown fields, unpacked repeated scalars or
 * non-canonical encodings cause no false alarm (which comparing sizes after
 * re-packing would). Meant for a frame that unpacked: on malformed bytes it
 * stops and returns what it found so far. */
int regio_wire_has_nul(const ProtobufCMessageDescriptor *d, const void *frame, size_t len);

#endif
