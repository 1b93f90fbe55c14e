/* pipe - many requests on one DEALER without a round trip each.
 *
 * Sends requests 0..n-1 in order, keeping at most `window` unanswered, and
 * matches each reply to its request by correlation id. BUSY and NOT_READY
 * answers are retried after the service's retry_after_ms (for at most the
 * timeout); any other error reply stops the run with that error. Because
 * one DEALER keeps order, request i reaches the service before request i+1
 * (a retried request loses that place: a phase that needs order between
 * its requests should be a separate run).
 */
#ifndef REGIOCTL_PIPE_H
#define REGIOCTL_PIPE_H

#include <stddef.h>

#include "ctl.h"

#define REGIOCTL_PIPE_WINDOW 1000

/* Fill env's body for request i. Anything env points to must stay valid
 * until the next call (the envelope is packed at once). Returns 0, or an
 * exit code with one line in err. */
typedef int (*regioctl_pipe_build_cb)(void *arg, size_t i, regio_envelope_t *env, char *err,
                                      size_t errlen);

/* Check the (non-error) reply to request i. Returns 0, or an exit code
 * with one line in err (e.g. an unexpected body). */
typedef int (*regioctl_pipe_check_cb)(void *arg, size_t i, const regio_envelope_t *reply, char *err,
                                      size_t errlen);

typedef struct {
    size_t n;                     /* number of requests */
    int window;                   /* most requests in flight (>= 1) */
    int timeout_ms;               /* longest wait for any reply; longest retrying */
    regioctl_pipe_build_cb build; /* required */
    regioctl_pipe_check_cb check; /* required */
    void *arg;                    /* passed to both callbacks */
} regioctl_pipe_opts_t;

/* Run all requests on k. Returns 0 when every one got an accepted reply,
 * or an exit code (1 service error or timeout, 2 input refused by build)
 * with one line in err, naming the service on a timeout. */
int regioctl_pipe_run(regioctl_conn_t *k, const regioctl_pipe_opts_t *o, char *err, size_t errlen);

#endif
