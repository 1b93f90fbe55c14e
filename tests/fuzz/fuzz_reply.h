/* fuzz_reply - what a service's answer to one request must look like.
 *
 * The properties every service target checks (see fuzz_cluster.h): the
 * answer is one decodable Envelope with a body, correlated with the
 * request's id; an error carries a code, never ERROR_INTERNAL; a
 * ReplayRequest is answered by chunks up to one with done = true; and (when
 * FUZZ_CHECK_UTF8 is on) a write is acknowledged only when every string of
 * the request is UTF-8.
 */
#ifndef REGIO_FUZZ_REPLY_H
#define REGIO_FUZZ_REPLY_H

#include <stddef.h>
#include <stdint.h>

#include "fuzz_env.h"
#include "regio/msg.h"

/* What the answer to one request must match. */
typedef struct {
    fuzz_service_t svc;
    uint64_t want;        /* the request's id (when it does not decode: the one at its
                             start, regio_wire_leading_id, or 0) */
    int replay;           /* a ReplayRequest: chunks until done */
    int audit;            /* an AuditRequest: chunks until done */
    const char *bad_utf8; /* a string field of the request that is not UTF-8 */
} fuzz_reply_expect_t;

/* Print every reply checked (body, or error code and reason) to stderr. */
extern int fuzz_reply_verbose;

/* Look at the request frame data[0..len-1] sent to svc. Can't fail. */
void fuzz_reply_expect(fuzz_reply_expect_t *x, fuzz_service_t svc, const uint8_t *data, size_t len);

/* Check one reply (borrowed); aborts with a message when a property fails.
 * Returns 1 when the exchange is over, 0 when more chunks must follow. */
int fuzz_reply_check(const fuzz_reply_expect_t *x, const regio_envelope_t *rep);

#endif
