/* curve - key files, CURVE socket options and the ZAP handler. */
#include "regio/curve.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <uv.h>
#include <zmq.h>

#include "regio/authz.h"
#include "regio/error.h"
#include "regio/file.h"
#include "regio/log.h"
#include "regio/zwatch.h"

#define ZAP_ENDPOINT "inproc://zeromq.zap.01"
#define ZAP_FRAMES 8

struct regio_zap_s {
    void *sock; /* REP bound to the ZAP endpoint, owned */
    regio_zwatch_t watch;
    regio_zap_find_cb find;
    void *arg;
    uint64_t refused;
    int64_t last_log_ms; /* refusals are logged at most once a second */
};

/* The one Z85 key on the first line of path, into out. */
static int s_read_key(const char *path, char out[REGIO_KEY_TEXT + 1], char *err, size_t errlen)
{
    char *buf;
    size_t len;
    int rc = regio_file_read(path, &buf, &len);
    if (rc < 0) {
        snprintf(err, errlen, "%s: %s", path, strerror(-rc));
        return rc;
    }
    size_t n = strcspn(buf, "\r\n");
    int ok = n == REGIO_KEY_TEXT;
    for (size_t i = n; ok && i < len; i++)
        ok = buf[i] == ' ' || buf[i] == '\t' || buf[i] == '\r' || buf[i] == '\n';
    buf[n] = '\0';
    rc = ok && regio_principal_key_ok(buf);
    if (rc)
        memcpy(out, buf, REGIO_KEY_TEXT + 1);
    else
        snprintf(err, errlen, "%s: not one Z85 key (40 characters on one line)", path);
    free(buf);
    return rc ? 0 : REGIO_EINVALID;
}

int regio_keys_read_secret(const char *path, regio_keypair_t *kp, char *err, size_t errlen)
{
    int rc = s_read_key(path, kp->secret_key, err, errlen);
    if (rc < 0)
        return rc;
    if (zmq_curve_public(kp->public_key, kp->secret_key) != 0) {
        snprintf(err, errlen, "%s: not a CURVE secret key", path);
        return REGIO_EINVALID;
    }
    return 0;
}

int regio_keys_read_public(const char *path, char out[REGIO_KEY_TEXT + 1], char *err,
                           size_t errlen)
{
    return s_read_key(path, out, err, errlen);
}

int regio_keys_client(const char *keys_dir, const char *key_file, const char *peer,
                      regio_keypair_t *kp, char server[REGIO_KEY_TEXT + 1], char *err,
                      size_t errlen)
{
    char path[1024];
    if (key_file && key_file[0])
        snprintf(path, sizeof path, "%s", key_file);
    else
        snprintf(path, sizeof path, "%s/admin.key", keys_dir);
    int rc = regio_keys_read_secret(path, kp, err, errlen);
    if (rc < 0)
        return rc;
    snprintf(path, sizeof path, "%s/%s.pub", keys_dir, peer);
    return regio_keys_read_public(path, server, err, errlen);
}

/* Write line to path, created with mode (never over an existing file). */
static int s_write_new(const char *path, const char *line, mode_t mode)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode);
    if (fd < 0)
        return -errno;
    size_t n = strlen(line);
    int rc = write(fd, line, n) == (ssize_t)n && fsync(fd) == 0 ? 0 : -errno;
    close(fd);
    if (rc < 0)
        unlink(path);
    return rc;
}

int regio_keys_new(const char *dir, const char *name, regio_keypair_t *kp, char *err,
                   size_t errlen)
{
    char sec[1024], pub[1024], line[REGIO_KEY_TEXT + 2];
    int rc = regio_file_mkdirs(dir);
    if (rc < 0) {
        snprintf(err, errlen, "%s: %s", dir, strerror(-rc));
        return rc;
    }
    snprintf(sec, sizeof sec, "%s/%s.key", dir, name);
    snprintf(pub, sizeof pub, "%s/%s.pub", dir, name);
    if (access(sec, F_OK) == 0 || access(pub, F_OK) == 0) {
        snprintf(err, errlen, "%s already has keys named %s", dir, name);
        return REGIO_EDUPLICATE;
    }
    if (zmq_curve_keypair(kp->public_key, kp->secret_key) != 0) {
        snprintf(err, errlen, "cannot make a key pair: %s", zmq_strerror(zmq_errno()));
        return -zmq_errno();
    }
    snprintf(line, sizeof line, "%s\n", kp->secret_key);
    if ((rc = s_write_new(sec, line, 0600)) < 0) {
        snprintf(err, errlen, "%s: %s", sec, strerror(-rc));
        return rc;
    }
    snprintf(line, sizeof line, "%s\n", kp->public_key);
    if ((rc = s_write_new(pub, line, 0644)) < 0) {
        snprintf(err, errlen, "%s: %s", pub, strerror(-rc));
        unlink(sec);
        return rc;
    }
    return 0;
}

int regio_curve_apply(void *sock, const regio_curve_t *c, int server)
{
    if (!c || !c->kp)
        return 0;
    int one = 1, rc;
    if (server) {
        rc = zmq_setsockopt(sock, ZMQ_CURVE_SERVER, &one, sizeof one);
        if (rc == 0)
            rc = zmq_setsockopt(sock, ZMQ_CURVE_SECRETKEY, c->kp->secret_key, REGIO_KEY_TEXT);
        if (rc == 0 && c->domain)
            rc = zmq_setsockopt(sock, ZMQ_ZAP_DOMAIN, c->domain, strlen(c->domain));
        return rc == 0 ? 0 : -zmq_errno();
    }
    if (!c->server_key)
        return -EINVAL;
    rc = zmq_setsockopt(sock, ZMQ_CURVE_SERVERKEY, c->server_key, REGIO_KEY_TEXT);
    if (rc == 0)
        rc = zmq_setsockopt(sock, ZMQ_CURVE_PUBLICKEY, c->kp->public_key, REGIO_KEY_TEXT);
    if (rc == 0)
        rc = zmq_setsockopt(sock, ZMQ_CURVE_SECRETKEY, c->kp->secret_key, REGIO_KEY_TEXT);
    return rc == 0 ? 0 : -zmq_errno();
}

/* ZAP (RFC 27) ------------------------------------------------------------ */

static int s_frame_is(const zmq_msg_t *f, const char *s)
{
    size_t n = strlen(s);
    return zmq_msg_size((zmq_msg_t *)f) == n && memcmp(zmq_msg_data((zmq_msg_t *)f), s, n) == 0;
}

static void s_reply(void *sock, const zmq_msg_t *request_id, const char *status, const char *text,
                    const char *user)
{
    zmq_send(sock, "1.0", 3, ZMQ_SNDMORE);
    zmq_send(sock, zmq_msg_data((zmq_msg_t *)request_id), zmq_msg_size((zmq_msg_t *)request_id),
             ZMQ_SNDMORE);
    zmq_send(sock, status, strlen(status), ZMQ_SNDMORE);
    zmq_send(sock, text, strlen(text), ZMQ_SNDMORE);
    zmq_send(sock, user, strlen(user), ZMQ_SNDMORE);
    zmq_send(sock, "", 0, 0);
}

/* Decide one request: frames are version, request id, domain, address,
 * routing id, mechanism, credentials. */
static void s_decide(regio_zap_t *z, zmq_msg_t *f, int n)
{
    char key[REGIO_KEY_TEXT + 1] = "", domain[32] = "", address[64] = "";
    const regio_principal_t *p = NULL;
    if (n >= 7 && s_frame_is(&f[0], "1.0") && s_frame_is(&f[5], "CURVE") &&
        zmq_msg_size(&f[6]) == 32) {
        zmq_z85_encode(key, zmq_msg_data(&f[6]), 32);
        snprintf(domain, sizeof domain, "%.*s", (int)zmq_msg_size(&f[2]), (char *)zmq_msg_data(&f[2]));
        p = z->find(z->arg, key);
        if (p && strcmp(domain, REGIO_ZAP_FEED) == 0 && !regio_authz_feed(p))
            p = NULL;
    }
    if (n >= 2 && p) {
        s_reply(z->sock, &f[1], "200", "OK", key);
        return;
    }
    z->refused++;
    if (n >= 4)
        snprintf(address, sizeof address, "%.*s", (int)zmq_msg_size(&f[3]), (char *)zmq_msg_data(&f[3]));
    int64_t now = (int64_t)uv_hrtime() / 1000000;
    if (now - z->last_log_ms >= 1000) {
        z->last_log_ms = now;
        REGIO_WARN("msg=\"refused a connection\" fingerprint=%.12s domain=%s address=%s "
                   "refused_total=%llu reason=\"%s\"", key[0] ? key : "none", domain, address,
                   (unsigned long long)z->refused,
                   key[0] ? "key not allowed here" : "not a CURVE client");
    }
    if (n >= 2)
        s_reply(z->sock, &f[1], "400", "key not allowed", "");
}

static void s_on_request(regio_zwatch_t *w, void *sock, void *arg)
{
    regio_zap_t *z = arg;
    for (int round = 0; round < 256; round++) {
        zmq_msg_t f[ZAP_FRAMES];
        int n = 0, more = 1;
        while (more) {
            zmq_msg_t junk, *m = n < ZAP_FRAMES ? &f[n] : &junk; /* extra frames: dropped */
            zmq_msg_init(m);
            if (zmq_msg_recv(m, sock, n == 0 ? ZMQ_DONTWAIT : 0) < 0) {
                zmq_msg_close(m);
                if (n == 0)
                    return;
                break;
            }
            more = zmq_msg_more(m);
            if (m == &junk)
                zmq_msg_close(m);
            else
                n++;
        }
        s_decide(z, f, n);
        for (int i = 0; i < n; i++)
            zmq_msg_close(&f[i]);
    }
    regio_zwatch_kick(w);
}

int regio_zap_start(regio_zap_t **out, void *loop, void *zctx, regio_zap_find_cb find, void *arg)
{
    regio_zap_t *z = calloc(1, sizeof *z);
    *out = z;
    if (!z)
        return -ENOMEM;
    z->find = find;
    z->arg = arg;
    z->last_log_ms = -1000;
    if (!(z->sock = zmq_socket(zctx, ZMQ_REP)))
        return -zmq_errno();
    int zero = 0;
    zmq_setsockopt(z->sock, ZMQ_LINGER, &zero, sizeof zero);
    if (zmq_bind(z->sock, ZAP_ENDPOINT) != 0)
        return -zmq_errno();
    return regio_zwatch_start(&z->watch, loop, z->sock, s_on_request, z);
}

uint64_t regio_zap_refused(const regio_zap_t *z)
{
    return z ? z->refused : 0;
}

void regio_zap_close(regio_zap_t *z)
{
    if (z && z->sock && z->watch.sock)
        regio_zwatch_close(&z->watch, NULL);
}

void regio_zap_destroy(regio_zap_t **self)
{
    if (!self || !*self)
        return;
    if ((*self)->sock)
        zmq_close((*self)->sock);
    free(*self);
    *self = NULL;
}
