/* service - loop, ZeroMQ context, signals: the skeleton every service shares. */
#include "regio/service.h"

#include <errno.h>
#include <signal.h>
#include <string.h>
#include <time.h>
#include <stdio.h>
#include <zmq.h>

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

int regio_service_socket(regio_service_t *svc, int type, const char *endpoint, int bind, int hwm,
                         void **sock)
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
    if (type == ZMQ_SUB)
        zmq_setsockopt(*sock, ZMQ_SUBSCRIBE, "", 0);
    int rc = bind ? zmq_bind(*sock, endpoint) : zmq_connect(*sock, endpoint);
    if (rc < 0) {
        int e = zmq_errno();
        zmq_close(*sock);
        *sock = NULL;
        return -e;
    }
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
    if (svc->on_stop)
        svc->on_stop(svc, svc->arg);
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
    if (def->create(&svc, &obj, err, sizeof err) < 0) {
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
    regio_service_close(&svc);
    if (status == 0)
        REGIO_INFO("msg=\"stopped cleanly\"");
    return status;
}
