/* service - loop, ZeroMQ context, signals: the skeleton every service shares. */
#include "regio/service.h"

#include <errno.h>
#include <signal.h>
#include <string.h>
#include <time.h>
#include <stdio.h>
#include <zmq.h>

#include "regio/error.h"
#include "regio/log.h"

int64_t regio_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void s_on_signal(uv_signal_t *h, int signum)
{
    (void)signum;
    regio_service_stop(h->data);
}

int regio_service_init(regio_service_t *svc, regio_service_stop_cb on_stop, void *arg)
{
    memset(svc, 0, sizeof *svc);
    int rc = uv_loop_init(&svc->loop);
    if (rc < 0)
        return rc;
    svc->zctx = zmq_ctx_new();
    if (!svc->zctx) {
        uv_loop_close(&svc->loop);
        return -errno;
    }
    svc->on_stop = on_stop;
    svc->arg = arg;
    svc->start_ms = uv_now(&svc->loop);
    uv_signal_init(&svc->loop, &svc->sig_term);
    uv_signal_init(&svc->loop, &svc->sig_int);
    svc->sig_term.data = svc->sig_int.data = svc;
    uv_signal_start(&svc->sig_term, s_on_signal, SIGTERM);
    uv_signal_start(&svc->sig_int, s_on_signal, SIGINT);
    signal(SIGPIPE, SIG_IGN);
    return 0;
}

static int s_socket(regio_service_t *svc, int type, int hwm, void **sock)
{
    *sock = zmq_socket(svc->zctx, type);
    if (!*sock)
        return -zmq_errno();
    int zero = 0;
    zmq_setsockopt(*sock, ZMQ_LINGER, &zero, sizeof zero);
    if (hwm > 0) {
        zmq_setsockopt(*sock, ZMQ_SNDHWM, &hwm, sizeof hwm);
        zmq_setsockopt(*sock, ZMQ_RCVHWM, &hwm, sizeof hwm);
    }
    return 0;
}

static int s_fail_socket(void **sock, int e)
{
    zmq_close(*sock);
    *sock = NULL;
    return e;
}

int regio_service_bind(regio_service_t *svc, int type, const char *endpoint, int hwm,
                       const char *domain, void **sock)
{
    int rc = s_socket(svc, type, hwm, sock);
    if (rc < 0)
        return rc;
    regio_curve_t c = {svc->insecure ? NULL : &svc->kp, NULL, domain};
    if ((rc = regio_curve_apply(*sock, &c, 1)) < 0)
        return s_fail_socket(sock, rc);
    if (zmq_bind(*sock, endpoint) < 0)
        return s_fail_socket(sock, -zmq_errno());
    return 0;
}

int regio_service_connect(regio_service_t *svc, int type, const char *endpoint, int hwm,
                          const char *peer, void **sock, char *err, size_t errlen)
{
    char path[REGIO_CONFIG_STR_MAX + 80], server[REGIO_KEY_TEXT + 1];
    int rc;
    *sock = NULL;
    if (!svc->insecure) {
        snprintf(path, sizeof path, "%s/%s.pub", svc->keys_dir, peer);
        if ((rc = regio_keys_read_public(path, server, err, errlen)) < 0)
            return rc;
    }
    if ((rc = s_socket(svc, type, hwm, sock)) < 0) {
        snprintf(err, errlen, "%s: %s", peer, regio_strerror(rc));
        return rc;
    }
    regio_curve_t c = {svc->insecure ? NULL : &svc->kp, server, NULL};
    int one = 1; /* a DEALER queues nothing for a peer that is down: callers retry instead */
    if (type == ZMQ_DEALER)
        zmq_setsockopt(*sock, ZMQ_IMMEDIATE, &one, sizeof one);
    if ((rc = regio_curve_apply(*sock, &c, 0)) < 0 ||
        (rc = zmq_connect(*sock, endpoint) < 0 ? -zmq_errno() : 0) < 0) {
        snprintf(err, errlen, "%s at %s: %s", peer, endpoint, regio_strerror(rc));
        return s_fail_socket(sock, rc);
    }
    return 0;
}

const regio_principal_t *regio_service_principal(const regio_service_t *svc, const char *key)
{
    if (svc->insecure)
        return regio_principal_anonymous();
    return regio_principals_find(svc->principals, key);
}

static const regio_principal_t *s_zap_find(void *arg, const char *key)
{
    return regio_service_principal(arg, key);
}

static void s_on_hup(uv_signal_t *h, int signum)
{
    (void)signum;
    regio_service_t *svc = h->data;
    regio_principals_t *t;
    char err[512];
    if (regio_principals_load(svc->principals_path, &t, err, sizeof err) < 0) {
        REGIO_ERROR("msg=\"principals not reloaded; the old ones stay\" reason=\"%s\"", err);
        return;
    }
    REGIO_INFO("msg=\"principals reloaded\" path=%s principals=%zu was=%zu", svc->principals_path,
               regio_principals_count(t), regio_principals_count(svc->principals));
    regio_principals_destroy(&svc->principals);
    svc->principals = t;
    svc->reloads++;
}

int regio_service_secure(regio_service_t *svc, const char *name,
                         const regio_security_config_t *sec, char *err, size_t errlen)
{
    svc->name = name;
    svc->insecure = sec->insecure;
    if (sec->insecure) {
        REGIO_WARN("msg=\"running WITHOUT CURVE (--insecure): every caller who reaches the ports "
                   "is admin and nothing is authenticated\"");
        return 0;
    }
    char path[REGIO_CONFIG_STR_MAX + 80];
    snprintf(svc->keys_dir, sizeof svc->keys_dir, "%s", sec->keys);
    if (sec->key[0])
        snprintf(path, sizeof path, "%s", sec->key);
    else
        snprintf(path, sizeof path, "%s/%s.key", sec->keys, name);
    if (sec->principals[0])
        snprintf(svc->principals_path, sizeof svc->principals_path, "%s", sec->principals);
    else
        snprintf(svc->principals_path, sizeof svc->principals_path, "%s/principals", sec->keys);
    int rc = regio_keys_read_secret(path, &svc->kp, err, errlen);
    if (rc < 0) {
        size_t k = strlen(err);
        snprintf(err + k, errlen - k, " (make keys with ./regio keys, or regioctl keys new %s "
                 "--role service:%s)", name, name);
        return rc;
    }
    if ((rc = regio_principals_load(svc->principals_path, &svc->principals, err, errlen)) < 0)
        return rc;
    if ((rc = regio_zap_start(&svc->zap, &svc->loop, svc->zctx, s_zap_find, svc)) < 0) {
        snprintf(err, errlen, "cannot start the ZAP handler: %s", regio_strerror(rc));
        return rc;
    }
    uv_signal_init(&svc->loop, &svc->sig_hup);
    svc->sig_hup.data = svc;
    uv_signal_start(&svc->sig_hup, s_on_hup, SIGHUP);
    REGIO_INFO("msg=\"CURVE on\" public_key=%s principals=%zu file=%s", svc->kp.public_key,
               regio_principals_count(svc->principals), svc->principals_path);
    return 0;
}

static void s_close_handle(uv_handle_t *h)
{
    (void)h;
}

void regio_service_stop(regio_service_t *svc)
{
    if (svc->stopping)
        return;
    svc->stopping = 1;
    uv_close((uv_handle_t *)&svc->sig_term, s_close_handle);
    uv_close((uv_handle_t *)&svc->sig_int, s_close_handle);
    if (svc->sig_hup.data)
        uv_close((uv_handle_t *)&svc->sig_hup, s_close_handle);
    regio_zap_close(svc->zap);
    if (svc->on_stop)
        svc->on_stop(svc, svc->arg);
}

void regio_service_fail(regio_service_t *svc)
{
    svc->failed = 1;
    regio_service_stop(svc);
}

int regio_service_run(regio_service_t *svc)
{
    uv_run(&svc->loop, UV_RUN_DEFAULT);
    return 0;
}

uint64_t regio_service_uptime_ms(const regio_service_t *svc)
{
    return uv_now((uv_loop_t *)&svc->loop) - svc->start_ms;
}

void regio_service_close(regio_service_t *svc)
{
    regio_zap_destroy(&svc->zap);
    regio_principals_destroy(&svc->principals);
    if (svc->zctx)
        zmq_ctx_term(svc->zctx);
    svc->zctx = NULL;
    uv_loop_close(&svc->loop);
}

static void *s_obj; /* the one service object of this process */

static void s_stop_service(regio_service_t *svc, void *arg)
{
    (void)svc;
    const regio_service_def_t *def = arg;
    def->stop(s_obj);
}

int regio_service_main(const regio_service_def_t *def, int argc, char **argv)
{
    char err[512];
    int rc = regio_config_parse(def->table, argc, argv, stdout, err, sizeof err);
    if (rc != 0) {
        if (rc < 0)
            fprintf(stderr, "regio-%s: %s\n", def->name, err);
        return rc < 0 ? 2 : 0;
    }
    int level = regio_log_level_parse(def->log_level);
    if (level < 0) {
        fprintf(stderr, "regio-%s: log-level: '%s' is not one of debug, info, warn, error\n",
                def->name, def->log_level);
        return 2;
    }
    if (*def->dump_config) {
        regio_config_dump(def->table, stdout);
        return 0;
    }
    regio_log_setup(def->name, (regio_log_level_t)level);
    regio_service_t svc;
    if ((rc = regio_service_init(&svc, NULL, NULL)) < 0) {
        REGIO_ERROR("msg=\"cannot start\" reason=\"loop: %d\"", rc);
        return 1;
    }
    void *obj = NULL;
    int status = 0;
    if (regio_service_secure(&svc, def->name, def->sec, err, sizeof err) < 0 ||
        def->create(&svc, &obj, err, sizeof err) < 0) {
        REGIO_ERROR("msg=\"cannot start\" reason=\"%s\"", err);
        status = 1;
        regio_service_stop(&svc);
    } else {
        REGIO_INFO("msg=\"started\"");
        svc.on_stop = s_stop_service;
        svc.arg = (void *)def;
        s_obj = obj;
    }
    regio_service_run(&svc);
    if (obj)
        def->destroy(&obj);
    status |= svc.failed;
    regio_service_close(&svc);
    if (status == 0)
        REGIO_INFO("msg=\"stopped cleanly\"");
    return status;
}
