/* zwatch - ZeroMQ sockets on a libuv loop, handling ZMQ_FD's edge triggers. */
#include "regio/zwatch.h"

#include <zmq.h>

static void s_on_idle(uv_idle_t *h);

static int s_readable(void *sock)
{
    int ev = 0;
    size_t len = sizeof ev;
    if (zmq_getsockopt(sock, ZMQ_EVENTS, &ev, &len) < 0)
        return 0;
    return (ev & ZMQ_POLLIN) != 0;
}

/* Run the callback if readable; if it left messages behind, come back on the
 * next loop turn rather than starving the other handles. */
static void s_dispatch(regio_zwatch_t *w)
{
    if (!w->closing && s_readable(w->sock))
        w->cb(w, w->sock, w->arg);
    if (!w->closing && s_readable(w->sock))
        uv_idle_start(&w->idle, s_on_idle);
}

static void s_on_idle(uv_idle_t *h)
{
    uv_idle_stop(h);
    s_dispatch(h->data);
}

static void s_on_poll(uv_poll_t *h, int status, int events)
{
    (void)status;
    (void)events;
    s_dispatch(h->data);
}

int regio_zwatch_start(regio_zwatch_t *w, uv_loop_t *loop, void *sock, regio_zwatch_cb cb,
                       void *arg)
{
    int fd;
    size_t len = sizeof fd;
    if (zmq_getsockopt(sock, ZMQ_FD, &fd, &len) < 0)
        return -zmq_errno();
    w->sock = sock;
    w->cb = cb;
    w->arg = arg;
    w->close_cb = NULL;
    w->closing = 0;
    int rc = uv_poll_init(loop, &w->poll, fd);
    if (rc < 0)
        return rc;
    uv_idle_init(loop, &w->idle);
    w->poll.data = w;
    w->idle.data = w;
    w->open_handles = 2;
    if ((rc = uv_poll_start(&w->poll, UV_READABLE, s_on_poll)) < 0)
        return rc;
    regio_zwatch_kick(w); /* messages may already be queued */
    return 0;
}

void regio_zwatch_kick(regio_zwatch_t *w)
{
    if (!w->closing && w->open_handles == 2)
        uv_idle_start(&w->idle, s_on_idle);
}

static void s_on_closed(uv_handle_t *h)
{
    regio_zwatch_t *w = h->data;
    if (--w->open_handles == 0 && w->close_cb)
        w->close_cb(w);
}

void regio_zwatch_close(regio_zwatch_t *w, regio_zwatch_close_cb close_cb)
{
    if (w->closing)
        return;
    if (w->open_handles == 0) { /* never started: nothing to close */
        w->closing = 1;
        if (close_cb)
            close_cb(w);
        return;
    }
    w->closing = 1;
    w->close_cb = close_cb;
    uv_close((uv_handle_t *)&w->poll, s_on_closed);
    uv_close((uv_handle_t *)&w->idle, s_on_closed);
}
