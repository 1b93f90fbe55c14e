/* status_cmd - ask every service for its Status at once; one line each. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <zmq.h>

#include "commands.h"
#include "ctl.h"

#define S_STATUS_TIMEOUT_MS 1000
#define S_N 4

typedef struct {
    const char *name; /* service name */
    regioctl_conn_t k;
    uint64_t id;           /* id of our StatusRequest, 0 if not sent */
    regio_envelope_t *rep; /* reply, owned */
    char why[400];         /* why it is down */
} s_probe_t;

static void s_uptime(uint64_t ms, char *out, size_t n)
{
    uint64_t s = ms / 1000;
    if (s >= 86400)
        snprintf(out, n, "%llud%02lluh", (unsigned long long)(s / 86400),
                 (unsigned long long)(s % 86400 / 3600));
    else if (s >= 3600)
        snprintf(out, n, "%lluh%02llum", (unsigned long long)(s / 3600),
                 (unsigned long long)(s % 3600 / 60));
    else
        snprintf(out, n, "%llum%02llus", (unsigned long long)(s / 60),
                 (unsigned long long)(s % 60));
}

static void s_print(const s_probe_t *p)
{
    if (!p->rep) {
        printf("%-9s down  %s\n", p->name, p->why);
        return;
    }
    const Regio__Status *st = p->rep->status;
    char up[32];
    s_uptime(st->uptime_ms, up, sizeof up);
    printf("%-9s up    seq=%llu uptime=%s", p->name, (unsigned long long)st->seq, up);
    for (size_t i = 0; i < st->n_counters; i++)
        printf(" %s=%llu", st->counters[i]->key, (unsigned long long)st->counters[i]->value);
    for (size_t i = 0; i < st->n_upstream_seq; i++)
        printf("%s%s=%llu", i ? " " : "  upstream: ", st->upstream_seq[i]->key,
               (unsigned long long)st->upstream_seq[i]->value);
    printf("\n");
    for (size_t i = 0; i < st->n_alarms; i++)
        printf("%-9s alarm %s\n", p->name, st->alarms[i]);
}

static void s_send(s_probe_t *p)
{
    Regio__StatusRequest sr = REGIO__STATUS_REQUEST__INIT;
    regio_envelope_t req = REGIO__ENVELOPE__INIT;
    req.body_case = REGIO__ENVELOPE__BODY_STATUS_REQUEST;
    req.status_request = &sr;
    int rc = regio_msg_send(p->k.sock, NULL, 0, &req);
    if (rc < 0)
        snprintf(p->why, sizeof p->why, "%s: cannot send: %s", p->k.endpoint, zmq_strerror(-rc));
    else
        p->id = req.id;
}

static void s_receive(s_probe_t *p)
{
    regio_msg_t m;
    while (regio_msg_recv(p->k.sock, 0, &m) == 0) {
        if (m.env && !p->rep && m.env->correlation_id == p->id) {
            if (m.env->body_case == REGIO__ENVELOPE__BODY_STATUS) {
                p->rep = m.env;
                continue; /* kept: do not clear */
            }
            if (m.env->body_case == REGIO__ENVELOPE__BODY_ERROR && m.env->error)
                regioctl_error_text(m.env->error, p->why, sizeof p->why);
            else
                snprintf(p->why, sizeof p->why, "unexpected reply (body %d)",
                         (int)m.env->body_case);
            p->id = 0;
        }
        regio_msg_clear(&m);
    }
}

/* Wait until every probe answered or the deadline passed. */
static void s_collect(s_probe_t *pr, int timeout_ms)
{
    int64_t deadline = regioctl_now_ms() + timeout_ms;
    for (;;) {
        zmq_pollitem_t items[S_N];
        int n = 0, map[S_N];
        for (int i = 0; i < S_N; i++)
            if (pr[i].id && !pr[i].rep) {
                items[n] = (zmq_pollitem_t){pr[i].k.sock, 0, ZMQ_POLLIN, 0};
                map[n++] = i;
            }
        int64_t left = deadline - regioctl_now_ms();
        if (n == 0 || left <= 0)
            return;
        if (zmq_poll(items, n, (long)left) < 0 && zmq_errno() != EINTR)
            return;
        for (int j = 0; j < n; j++)
            if (items[j].revents & ZMQ_POLLIN)
                s_receive(&pr[map[j]]);
    }
}

int regioctl_status(regioctl_t *c, int argc, char **argv)
{
    const char *eps[S_N] = {c->registry, c->capacity, c->planner, c->notifier};
    s_probe_t pr[S_N] = {
        {.name = "registry"}, {.name = "capacity"}, {.name = "planner"}, {.name = "notifier"}};
    int want[S_N] = {argc == 1, argc == 1, argc == 1, argc == 1}, n_want = argc == 1 ? S_N : 0;
    for (int a = 1; a < argc; a++) {
        int found = 0;
        for (int i = 0; i < S_N; i++)
            if (strcmp(argv[a], pr[i].name) == 0 && !want[i])
                found = want[i] = 1, n_want++;
        if (!found)
            return regioctl_fail(c, REGIOCTL_EXIT_USAGE, "usage: regioctl status [registry] "
                                 "[capacity] [planner] [notifier] (got '%s')", argv[a]);
    }
    int timeout = c->timeout_set ? c->timeout_ms : S_STATUS_TIMEOUT_MS, rc = 0;
    for (int i = 0; i < S_N; i++) {
        if (!want[i])
            continue;
        if ((rc = regioctl_conn_open(c, &pr[i].k, pr[i].name, pr[i].name, eps[i], ZMQ_DEALER)) != 0)
            goto out;
        s_send(&pr[i]);
    }
    s_collect(pr, timeout);
    char down[64] = "";
    int n_down = 0;
    for (int i = 0; i < S_N; i++) {
        if (!want[i])
            continue;
        if (!pr[i].rep && !pr[i].why[0] && !regioctl_conn_why(&pr[i].k, pr[i].why, sizeof pr[i].why))
            snprintf(pr[i].why, sizeof pr[i].why, "no answer from %s within %d ms", eps[i],
                     timeout);
        if (!pr[i].rep) {
            size_t len = strlen(down);
            snprintf(down + len, sizeof down - len, "%s%s", n_down++ ? ", " : "", pr[i].name);
        }
        s_print(&pr[i]);
    }
    fflush(stdout);
    rc = n_down ? regioctl_fail(c, REGIOCTL_EXIT_SERVICE, "%d of %d services down (%s)", n_down,
                                n_want, down)
                : REGIOCTL_EXIT_OK;
out:
    for (int i = 0; i < S_N; i++) {
        if (pr[i].rep)
            regio__envelope__free_unpacked(pr[i].rep, NULL);
        regioctl_conn_close(&pr[i].k);
    }
    return rc;
}
