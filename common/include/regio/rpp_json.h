/* rpp_json - read and write rpp-1 instances, solutions and changes as JSON.
 *
 * Readers validate everything (through the rpp builder) and report the first
 * problem as one line in err, naming the entity ("learner l3: dagdelen 0 out
 * of range 1..10"). Writers emit canonical JSON that rpp_check.py accepts.
 *
 * Optional fields are those rpp_check.py reads with a default: name, weights
 * (each of them), partner name, offering form/goals/qualifications/min_age/
 * capacity (and any period of it), learner free/needs/preferred_partners/
 * history. Unknown keys are ignored. Numbers that are counts must be
 * integral (2.0 is accepted: cJSON cannot tell it from 2). A key given twice
 * in one object (free, needs, capacity) is REGIO_EDUPLICATE. A string
 * holding \u0000 is REGIO_EINVALID: in C it would end there, and
 * "l1\u0000x" would become another learner "l1".
 * Doubles are written in the shortest form that reads back to the same bits.
 */
#ifndef REGIO_RPP_JSON_H
#define REGIO_RPP_JSON_H

#include <stddef.h>
#include <stdio.h>

#include "regio/rpp.h"

/* Parse an rpp-1 instance from text[0..len-1]. On success *out is a new
 * instance owned by the caller (free with regio_rpp_destroy). Errors:
 * REGIO_EPARSE (not JSON), REGIO_EINVALID / REGIO_ERANGE / REGIO_ENOTFOUND /
 * REGIO_EDUPLICATE (format rules), -ENOMEM; *out is then NULL. */
int regio_rpp_json_parse(const char *text, size_t len, regio_rpp_t **out, char *err,
                         size_t errlen);

/* Read a whole file and parse it as above; also -errno when the file can't
 * be read. */
int regio_rpp_json_load(const char *path, regio_rpp_t **out, char *err, size_t errlen);

/* Write r as an rpp-1 instance. Returns 0 or -EIO. */
int regio_rpp_json_write(const regio_rpp_t *r, FILE *f);

/* Parse an rpp-1-solution for instance r into sol (initialised by the
 * caller; placements are appended). Unknown ids, duplicate or out-of-range
 * slots are errors here (REGIO_ENOTFOUND / REGIO_EINVALID), since a solution
 * we cannot represent is one we cannot repair; sol then keeps only the
 * placements it had. Placements that are merely infeasible are read as they
 * are, for regio_rpp_evaluate to report. */
int regio_rpp_json_parse_sol(const regio_rpp_t *r, const char *text, size_t len,
                             regio_rpp_sol_t *sol, char *err, size_t errlen);

/* Read a solution file; as regio_rpp_json_parse_sol plus -errno. */
int regio_rpp_json_load_sol(const regio_rpp_t *r, const char *path, regio_rpp_sol_t *sol,
                            char *err, size_t errlen);

/* Write sol as an rpp-1-solution of r (placements in canonical order is the
 * caller's choice). Returns 0, -EIO, or REGIO_EINVALID (nothing written)
 * when a placement's indexes are out of range for r. */
int regio_rpp_json_write_sol(const regio_rpp_t *r, const regio_rpp_sol_t *sol, FILE *f);

/* Read an rpp-1-change for instance r into *c (free with
 * regio_rpp_change_free). Errors: -errno, REGIO_EPARSE, REGIO_EINVALID (format,
 * a capacity row for a pinned period: the checker refuses that too),
 * REGIO_ENOTFOUND (unknown offering or period), REGIO_ERANGE (seats);
 * *c is then zeroed. */
int regio_rpp_json_load_change(const regio_rpp_t *r, const char *path, regio_rpp_change_t *c,
                               char *err, size_t errlen);

#endif
