/* topic_index - the key of the notifier's per-topic index.
 *
 * Table "topic_index" maps (topic, topic_seq) to the global seq of the log
 * entry: the key is the topic's bytes, a NUL, then topic_seq as 8 bytes
 * big-endian, so one topic's entries are adjacent and in order. Table
 * "topic_seq" holds each topic's newest topic_seq under the topic's name.
 */
#ifndef REGIO_NOTIFIER_TOPIC_INDEX_H
#define REGIO_NOTIFIER_TOPIC_INDEX_H

#include <stdint.h>
#include <string.h>

#include "regio/principal.h"
#include "regio/store.h"

/* Bytes a key needs at most. */
#define REGIO_TOPIC_KEY_MAX (REGIO_TOPIC_MAX + 9)

/* Write the key of (topic, topic_seq) to out (REGIO_TOPIC_KEY_MAX bytes;
 * topic shorter than REGIO_TOPIC_MAX) and return its length. Can't fail. */
static inline size_t regio_topic_index_key(char *out, const char *topic, uint64_t topic_seq)
{
    size_t n = strlen(topic);
    memcpy(out, topic, n);
    out[n] = 0;
    regio_store_u64_key((uint8_t *)out + n + 1, topic_seq);
    return n + 9;
}

#endif
