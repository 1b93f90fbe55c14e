/* fuzz_env - the tiny example, as rpp-1 text and as regio envelopes.
 *
 * The fuzz targets and the seed generator share one story: the tiny example
 * of ../shared/spec/examples (embedded here, so the targets need no files).
 * The rpp targets parse it; the service targets replay it as the requests a
 * school or company system would send, to give the services some state
 * before the fuzzer's own requests arrive.
 */
#ifndef REGIO_FUZZ_ENV_H
#define REGIO_FUZZ_ENV_H

#include <stddef.h>
#include <stdint.h>

#include "regio/rpp.h"

/* The services, in the order they start. */
typedef enum {
    FUZZ_REGISTRY = 0,
    FUZZ_CAPACITY,
    FUZZ_NOTIFIER,
    FUZZ_PLANNER,
    FUZZ_N_SERVICES
} fuzz_service_t;

/* "registry", ... */
extern const char *const fuzz_service_names[FUZZ_N_SERVICES];

/* tiny-1.json, tiny-1.solution.json, and an rpp-1-change of it (NUL-terminated). */
extern const char fuzz_tiny_json[];
extern const char fuzz_tiny_solution_json[];
extern const char fuzz_tiny_change_json[];

/* One packed envelope with a file-name-friendly label. */
typedef struct {
    uint8_t *data; /* owned */
    size_t len;
    char name[64];
} fuzz_frame_t;

typedef struct {
    fuzz_frame_t *v; /* owned */
    size_t n, cap;
} fuzz_frames_t;

/* Parse the tiny instance; aborts with a message if it does not parse (the
 * embedded text is the harness's, so that is a harness bug). Free with
 * regio_rpp_destroy. */
regio_rpp_t *fuzz_tiny(void);

/* Append the requests for service svc to out: with setup = 1 the ones that
 * build the tiny region's state there, in order (for the notifier: none, it
 * gets its state from the planner's plan); with setup = 0 those plus one of
 * every other request kind svc handles (the seed corpus). Ids count from 1.
 * Returns 0 or -ENOMEM. */
int fuzz_env_requests(fuzz_service_t svc, int setup, fuzz_frames_t *out);

/* Append a packed copy of env under name. Returns 0 or -ENOMEM. */
int fuzz_frames_add(fuzz_frames_t *f, const char *name, const void *env);

/* Free all frames; f can be reused. */
void fuzz_frames_free(fuzz_frames_t *f);

/* A batch input: FUZZ_BATCH_MAGIC, then up to FUZZ_BATCH_MAX times a
 * length byte and that many bytes of frame. (0xff cannot start an Envelope:
 * wire type 7 does not exist, so no single-frame input is lost.) The
 * service targets send the frames back to back, so they share one batch. */
#define FUZZ_BATCH_MAGIC 0xff
#define FUZZ_BATCH_MAX 8

/* Split a batch input (data[0] == FUZZ_BATCH_MAGIC) into at most
 * FUZZ_BATCH_MAX frames, borrowed from data; a truncated last frame is
 * cut short. Returns the number of frames. Can't fail. */
size_t fuzz_batch_split(const uint8_t *data, size_t size, const uint8_t **frame, size_t *len);

/* Join frames (those up to 255 bytes, at most FUZZ_BATCH_MAX) into a
 * batch input in out[0..max-1]. Returns its size (0 when nothing fits). */
size_t fuzz_batch_join(const uint8_t *const *frame, const size_t *len, size_t n, uint8_t *out,
                       size_t max);

/* Print "fuzz: <message>" to stderr and abort(): a property failed. */
void fuzz_die(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));

#endif
