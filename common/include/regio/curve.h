/* curve - CurveZMQ for regio: key files, secure sockets, the ZAP handler.
 *
 * Keys are ZeroMQ's Z85 text (40 characters). A key pair lives in a keys
 * folder as NAME.key (the secret key, one line, mode 0600) and NAME.pub
 * (the public key, one line). Servers (ROUTER, PUB) are CURVE servers whose
 * ZAP handler admits only keys listed in the principals file (principal.h);
 * the admitted key becomes the ZAP user id, which every received message
 * carries as its "User-Id" property. Clients are CURVE clients that name
 * the server's public key, so a process that squats on a server's port
 * without its secret key completes no handshake: it gets no traffic and
 * can send none.
 */
#ifndef REGIO_CURVE_H
#define REGIO_CURVE_H

#include <stddef.h>
#include <stdint.h>

#include "regio/principal.h"

typedef struct {
    char public_key[REGIO_KEY_TEXT + 1]; /* Z85 */
    char secret_key[REGIO_KEY_TEXT + 1]; /* Z85 */
} regio_keypair_t;

/* What one socket needs to be secure. kp NULL means plain ZeroMQ (only a
 * service run with --insecure, and its clients). */
typedef struct {
    const regio_keypair_t *kp; /* own key pair (borrowed for the call) */
    const char *server_key;    /* client sockets: the server's Z85 public key */
    const char *domain;        /* server sockets: ZAP domain ("requests", "feed") */
} regio_curve_t;

/* ZAP domains: request sockets admit every known key; feeds (PUB) admit
 * only keys that may read every change (authz.h regio_authz_feed). */
#define REGIO_ZAP_REQUESTS "requests"
#define REGIO_ZAP_FEED "feed"

/* Make a new key pair and write DIR/NAME.key (0600) and DIR/NAME.pub,
 * creating DIR (0750). Refuses to overwrite: REGIO_EDUPLICATE. Returns 0 or
 * a negative code, with one line in err. */
int regio_keys_new(const char *dir, const char *name, regio_keypair_t *kp, char *err,
                   size_t errlen);

/* Read a secret key file and derive its public key. Returns 0, or -errno /
 * REGIO_EINVALID (not one Z85 key) with one line in err. */
int regio_keys_read_secret(const char *path, regio_keypair_t *kp, char *err, size_t errlen);

/* Read a public key file into out. Returns 0, or -errno / REGIO_EINVALID
 * with one line in err. */
int regio_keys_read_public(const char *path, char out[REGIO_KEY_TEXT + 1], char *err,
                           size_t errlen);

/* What a client program needs to reach service peer: its own key pair
 * from key_file (NULL or "": <keys_dir>/admin.key) and the peer's public
 * key from <keys_dir>/<peer>.pub. The environment's REGIO_KEYS / REGIO_KEY
 * are the usual sources of keys_dir and key_file. Returns 0 or a negative
 * code with one line in err. */
int regio_keys_client(const char *keys_dir, const char *key_file, const char *peer,
                      regio_keypair_t *kp, char server[REGIO_KEY_TEXT + 1], char *err,
                      size_t errlen);

/* Apply c to a socket before its bind (server = 1) or connect. Does nothing
 * when c or c->kp is NULL. Returns 0 or -errno (-EINVAL for a bad key). */
int regio_curve_apply(void *sock, const regio_curve_t *c, int server);

typedef struct regio_zap_s regio_zap_t;

/* Who is admitted: returns the principal of a Z85 key, or NULL. */
typedef const regio_principal_t *(*regio_zap_find_cb)(void *arg, const char *key);

/* Answer ZAP requests of the ZeroMQ context zctx on loop: a CURVE client
 * whose key find() knows passes (on domain "feed" only if it may read
 * feeds), everyone else is refused with status 400. Must start before any
 * CURVE server socket binds, or libzmq admits every client. Returns 0 with
 * *out the caller's (close, then destroy after the loop ended) or a
 * negative code. */
int regio_zap_start(regio_zap_t **out, void *loop, void *zctx, regio_zap_find_cb find,
                    void *arg);

/* Handshakes refused so far. */
uint64_t regio_zap_refused(const regio_zap_t *z);

/* Stop answering (on stop). Accepts NULL. */
void regio_zap_close(regio_zap_t *z);

/* Free after the loop ended; accepts NULL and sets *self to NULL. */
void regio_zap_destroy(regio_zap_t **self);

#endif
