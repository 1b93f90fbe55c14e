/* privacy - the rules for learners' personal data that every part applies.
 *
 * Learners are mostly minors (AVG/GDPR), so the region keeps as little as it
 * plans with and lets it go on request:
 *   - a home location is kept no finer than about 100 m: learner coordinates
 *     are rounded to REGIO_PRIVACY_HOME_DECIMALS decimals of a degree
 *     (0.001 deg is 111 m north-south, about 70 m east-west at 51 deg N) on
 *     the way into the planner, and regio-gen writes them that way;
 *   - an erased learner's id is replaced, wherever a record must stay (the
 *     notifier's log, the audit trail), by a tombstone "erased-<16 hex>"
 *     that names nobody.
 *
 * regio_privacy_home_round is inline and needs only libm, so regio-gen (a
 * standalone tool) uses the same rule.
 */
#ifndef REGIO_PRIVACY_H
#define REGIO_PRIVACY_H

#include <math.h>
#include <stddef.h>

#define REGIO_PRIVACY_HOME_DECIMALS 3
#define REGIO_PRIVACY_HOME_SCALE 1e3 /* 10^REGIO_PRIVACY_HOME_DECIMALS */

#define REGIO_TOMBSTONE_PREFIX "erased-"
#define REGIO_TOMBSTONE_HEX 16                    /* random hex digits after the prefix */
#define REGIO_TOMBSTONE_LEN (sizeof REGIO_TOMBSTONE_PREFIX - 1 + REGIO_TOMBSTONE_HEX) /* no NUL */

/* A home coordinate (degrees) as the region keeps it. Rounding twice gives
 * the same double, so a rounded value survives JSON and protobuf round
 * trips. Can't fail; NaN and infinities pass through (validation refuses
 * them). */
static inline double regio_privacy_home_round(double deg)
{
    return round(deg * REGIO_PRIVACY_HOME_SCALE) / REGIO_PRIVACY_HOME_SCALE;
}

/* Write a fresh random tombstone into out (at least REGIO_TOMBSTONE_LEN + 1
 * bytes). Returns 0, or a negative errno when the system has no randomness. */
int regio_privacy_tombstone_new(char *out, size_t n);

/* Whether s is a well-formed tombstone: the prefix, then exactly
 * REGIO_TOMBSTONE_HEX lowercase hex digits. 1 or 0; accepts NULL. */
int regio_privacy_tombstone_ok(const char *s);

#endif
