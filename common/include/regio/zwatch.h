/* zwatch - drive a ZeroMQ socket from a libuv loop (ZMQ_FD + ZMQ_EVENTS).
 *
 * Caveat (libzmq): ZMQ_FD is edge-triggered and only says "look at
 * ZMQ_EVENTS". A socket can become readable without the fd firing again,
 * notably after sending on it. So: the callback must read with ZMQ_DONTWAIT
 * until EAGAIN or until it chooses to stop (to be fair to other sockets),
 * and code that sends on a watched socket calls regio_zwatch_kick(), which
 * re-checks readiness on the next loop iteration.
 */
#ifndef REGIO_ZWATCH_H
#define REGIO_ZWATCH_H

#include <uv.h>

typedef struct regio_zwatch_s regio_zwatch_t;

/* Called when the socket has messages to read. */
typedef void (*regio_zwatch_cb)(regio_zwatch_t *w, void *zsock, void *arg);
/* Called once both libuv handles are closed; w may then be freed. */
typedef void (*regio_zwatch_close_cb)(regio_zwatch_t *w);

struct regio_zwatch_s {
    uv_poll_t poll;    /* readiness of ZMQ_FD */
    uv_idle_t idle;    /* re-check on the next turn (kick, partial drains) */
    void *sock;        /* the ZeroMQ socket, borrowed */
    regio_zwatch_cb cb;
    void *arg;
    int open_handles;  /* handles still to close */
    int closing;       /* close requested: no more callbacks */
    regio_zwatch_close_cb close_cb;
};

/* Start watching sock on loop. w is caller-owned and must stay put until
 * close_cb. Returns 0 or a negative errno/libuv code; on error the callback
 * is never called. */
int regio_zwatch_start(regio_zwatch_t *w, uv_loop_t *loop, void *sock, regio_zwatch_cb cb,
                       void *arg);

/* Re-check readiness on the next loop turn. Call after sending on the socket,
 * or when the callback stopped reading before EAGAIN. Can't fail. */
void regio_zwatch_kick(regio_zwatch_t *w);

/* Stop and close the handles; close_cb (may be NULL) runs when done (at
 * once when w was never started: w must then be zeroed). The ZeroMQ socket
 * itself stays open: it is the caller's to close. */
void regio_zwatch_close(regio_zwatch_t *w, regio_zwatch_close_cb close_cb);

#endif
