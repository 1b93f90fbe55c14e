/* principal - who is calling: the principals file, its names and roles.
 *
 * Every caller of a regio service is a principal: a CURVE public key (Z85
 * text, 40 characters) with a name and a role, listed one per line in the
 * principals file:
 *
 *     # key                                     name        role
 *     rq:rM>}U?@Lns47E1%kR.o@n%FcmmsL/@{H8]yf7  school-s1   school:s1
 *
 * Roles: admin, coordinator (the whole region), school:<id>, partner:<id>,
 * subscriber:<topic-prefix>[,<prefix>...], service:<name>. Blank lines and
 * lines starting with '#' are skipped. What each role may do is authz.h's
 * business; this module only reads and finds.
 *
 * Ownership: a table owns its principals; a pointer from regio_principals_find
 * stays valid until the table is destroyed (a reload builds a new table).
 */
#ifndef REGIO_PRINCIPAL_H
#define REGIO_PRINCIPAL_H

#include <stddef.h>

#include "regio/validate.h"

#define REGIO_KEY_TEXT 40          /* Z85 text of a 32-byte CURVE key */
#define REGIO_TOPIC_MAX 96         /* longest notification topic or prefix, with its NUL */
#define REGIO_PRINCIPAL_PREFIXES 8 /* most topic prefixes of one subscriber */
#define REGIO_FINGERPRINT_LEN 12   /* the key's first characters, as shown in logs */

typedef enum {
    REGIO_ROLE_ADMIN = 1,
    REGIO_ROLE_COORDINATOR,
    REGIO_ROLE_SCHOOL,
    REGIO_ROLE_PARTNER,
    REGIO_ROLE_SUBSCRIBER,
    REGIO_ROLE_SERVICE,
} regio_role_t;

typedef struct {
    char key[REGIO_KEY_TEXT + 1];      /* Z85 public key */
    char fingerprint[REGIO_FINGERPRINT_LEN + 1]; /* key prefix, for logs and audit */
    char name[REGIO_ID_MAX + 1];       /* who, as logs and audit name it */
    regio_role_t role;
    char scope[REGIO_ID_MAX + 1];      /* school, partner or service id; "" otherwise */
    char prefixes[REGIO_PRINCIPAL_PREFIXES][REGIO_TOPIC_MAX]; /* subscriber topic prefixes */
    int n_prefixes;
    int unchecked;                     /* --insecure: no key, every rule passes */
} regio_principal_t;

typedef struct regio_principals_s regio_principals_t;

/* Parse a role ("school:s1", "admin", ...) into p->role, scope, prefixes.
 * Returns 0 or REGIO_EINVALID with one line in err. */
int regio_principal_parse_role(const char *text, regio_principal_t *p, char *err, size_t errlen);

/* Write p's role as the principals file spells it. Can't fail. */
void regio_principal_role_text(const regio_principal_t *p, char *out, size_t n);

/* Whether text is a well-formed Z85 public key (40 characters of Z85's
 * alphabet). Can't fail. */
int regio_principal_key_ok(const char *text);

/* Read a principals file. Returns 0 with *out the caller's
 * (regio_principals_destroy), or REGIO_EINVALID (a bad line: err names
 * file, line and why; duplicate keys and names are refused), -ENOENT and
 * other -errno, or -ENOMEM. */
int regio_principals_load(const char *path, regio_principals_t **out, char *err, size_t errlen);

/* An empty table (nobody may call). NULL when out of memory. */
regio_principals_t *regio_principals_new(void);

/* Add one principal (copied). Returns 0, REGIO_EDUPLICATE when its key or
 * name is already there, or -ENOMEM. */
int regio_principals_add(regio_principals_t *t, const regio_principal_t *p);

/* The principal with this Z85 key, or NULL. O(log n). Accepts NULL t. */
const regio_principal_t *regio_principals_find(const regio_principals_t *t, const char *key);

/* The principal with this name, or NULL. O(n). */
const regio_principal_t *regio_principals_find_name(const regio_principals_t *t,
                                                    const char *name);

/* Number of principals. Accepts NULL. */
size_t regio_principals_count(const regio_principals_t *t);

/* Free; accepts NULL and sets *self to NULL. */
void regio_principals_destroy(regio_principals_t **self);

/* The principal every caller is in a service run with --insecure: named
 * "anonymous", role admin, unchecked (authz lets it do anything, as the
 * services did before there were keys). Static; can't fail. */
const regio_principal_t *regio_principal_anonymous(void);

#endif
