/* msg_json - any protobuf message as JSON, field by field, for people.
 *
 * Driven by the message's descriptor, so a field added to a .proto shows up
 * without a change here: an export made with it shows everything a message
 * holds. Every field is written, set or not, under its .proto name:
 * numbers as JSON numbers (64-bit values past 2^53 lose precision), enums
 * by their value name, bytes as hex, an unset message as null, repeated
 * fields (and maps, as lists of {key, value}) as arrays, a oneof only with
 * the member that is set.
 */
#ifndef REGIO_MSG_JSON_H
#define REGIO_MSG_JSON_H

#include <cjson/cJSON.h>
#include <protobuf-c/protobuf-c.h>

/* m as a JSON object (null for a NULL m). The caller owns the result
 * (cJSON_Delete). Returns NULL when out of memory. */
cJSON *regio_msg_json(const ProtobufCMessage *m);

#endif
