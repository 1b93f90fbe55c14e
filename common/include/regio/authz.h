/* authz - who may do what: the one table of rules for every request.
 *
 * Each request body that a service takes has one rule here: the roles that
 * may send it and the rule's text, which a refusal names. Some rules hold
 * only for the caller's own things (a partner's offerings, a school's
 * learners): the service that knows who owns what asks
 * regio_authz_partner / regio_authz_school. Reads are filtered with
 * regio_authz_topic (notifications) and regio_authz_reads_all (snapshots).
 * A body without a rule is taken by no service (default deny).
 *
 * Every function here is pure: no I/O, no logging, can't fail beyond its
 * return value.
 */
#ifndef REGIO_AUTHZ_H
#define REGIO_AUTHZ_H

#include <stddef.h>

#include "regio/envelope.pb-c.h"
#include "regio/principal.h"

/* Whether p may send a request with this body at all. Returns 0 when its
 * role may (scope checks may still follow), REGIO_EFORBIDDEN with the rule
 * in why, or REGIO_ENOTFOUND when no rule takes this body as a request. */
int regio_authz_request(const regio_principal_t *p, Regio__Envelope__BodyCase body, char *why,
                        size_t n);

/* The request's name for logs and the audit trail ("capacity_update"),
 * or "unknown". Can't fail. */
const char *regio_authz_action(Regio__Envelope__BodyCase body);

/* Whether p acts for the whole region: admin, coordinator or a service. */
int regio_authz_reads_all(const regio_principal_t *p);

/* Whether p may change or read what belongs to partner `partner` (what: the
 * thing concerned, for the reason, e.g. "offering o7"). 0 for admins,
 * coordinators and partner:<partner>; else REGIO_EFORBIDDEN with why. */
int regio_authz_partner(const regio_principal_t *p, const char *partner, const char *what,
                        char *why, size_t n);

/* As regio_authz_partner, for what belongs to school `school`. */
int regio_authz_school(const regio_principal_t *p, const char *school, const char *what,
                       char *why, size_t n);

/* Whether p may read a notification on topic whose change concerns a
 * learner of school `school` ("" when unknown). Topics match segment-wise:
 * prefix "partner/p1" covers "partner/p1" but not "partner/p10". 1 or 0. */
int regio_authz_topic(const regio_principal_t *p, const char *topic, const char *school);

/* Whether prefix covers topic segment-wise: "a/b" covers "a/b" and "a/b/c"
 * but not "a/bc"; "a/" covers "a/x"; "" covers everything. The one rule for
 * role prefixes and subscription patterns alike. 1 or 0. */
int regio_authz_covers(const char *prefix, const char *topic);

/* Whether a subscription pattern (an exact topic, a prefix ending in '/',
 * or "" for all) can ever yield a topic p may read. 0, or REGIO_EFORBIDDEN
 * with why. */
int regio_authz_subscribe(const regio_principal_t *p, const char *pattern, char *why, size_t n);

/* Whether p may connect to a service's change feed (PUB): services,
 * coordinators and admins. 1 or 0. */
int regio_authz_feed(const regio_principal_t *p);

#endif
