/* validate - checks for values that arrive from outside (ids, coordinates,
 * texts, dates).
 *
 * Each returns 0 or a negative regio code with one line in err saying what
 * is wrong, naming `what` (e.g. "offering o7"). They never abort. The
 * bounds they check against are in limits.h.
 */
#ifndef REGIO_VALIDATE_H
#define REGIO_VALIDATE_H

#include <stddef.h>

#include "regio/limits.h"

/* An id: 1..REGIO_ID_MAX bytes of [A-Za-z0-9._:-] (no '/', it separates
 * topics; no control characters). A NUL byte cannot be seen in a C string:
 * msg.h refuses frames with one (wire.h), rpp_json.h files with \u0000.
 * Errors: REGIO_EINVALID. */
int regio_validate_id(const char *id, const char *what, char *err, size_t errlen);

/* lat in [-90, 90], lon in [-180, 180], both finite. Errors: REGIO_ERANGE. */
int regio_validate_latlon(double lat, double lon, const char *what, char *err, size_t errlen);

/* Well-formed UTF-8 of at most max bytes without control characters
 * (proto3 strings must be UTF-8). Errors: REGIO_ERANGE (longer than max),
 * REGIO_EINVALID (a control character, not UTF-8). */
int regio_validate_text(const char *s, size_t max, const char *what, char *err, size_t errlen);

/* A real calendar date "YYYY-MM-DD" in 2000..2100 (leap years by the
 * Gregorian rule: 2000-02-29 is one, 2100-02-29 and 2026-02-29 are not).
 * Errors: REGIO_EINVALID. */
int regio_validate_date(const char *d, const char *what, char *err, size_t errlen);

#endif
