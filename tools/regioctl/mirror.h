/* mirror - read-your-writes across services: wait until a service's copy of
 * another one (the planner's of the registry and the capacity service, the
 * capacity service's of the registry) has caught up with a given seq.
 *
 * Mirrors follow their upstream by PUB/SUB and may be a heartbeat behind
 * (regio/follow.h): a change just acknowledged by the registry may not be
 * in the planner's copy yet. Commands that must act on what was just
 * written (import, plan) wait here first.
 */
#ifndef REGIOCTL_MIRROR_H
#define REGIOCTL_MIRROR_H

#include <stdint.h>

#include "ctl.h"

/* Wait until the service behind k (who, for messages: "planner") mirrors
 * upstream ("registry", "capacity") up to seq, asking its Status every
 * 50 ms, for up to c->timeout_ms. A copy held by an alarm (the follower no
 * longer trusts that upstream, regio/follow.h) will not catch up: then it
 * warns with the alarm and returns 0 at once. Returns 0, or an exit code
 * after printing why. */
int regioctl_mirror_wait(regioctl_t *c, regioctl_conn_t *k, const char *who, const char *upstream,
                         uint64_t seq);

/* Whether the service behind k has a follower alarm: its copy of the
 * registry or of the capacity service is held (regio/follow.h). 1 or 0,
 * or -1 when it does not answer within timeout_ms (nothing printed). */
int regioctl_mirror_alarmed(regioctl_conn_t *k, int timeout_ms);

/* The last change seq of the service at endpoint (name: "registry",
 * "capacity"), asked within timeout_ms. Returns 0 and *seq, or -1 when it
 * does not answer (nothing printed: the caller decides). */
int regioctl_mirror_head(regioctl_t *c, const char *name, const char *endpoint, int timeout_ms,
                         uint64_t *seq);

#endif
