/* audit - the services' audit trails, merged in time order. */
#define _GNU_SOURCE /* strptime, timegm */
#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <zmq.h>

#include "commands.h"
#include "ctl.h"

typedef struct {
    Regio__AuditEntry **v;
    size_t n, cap;
} s_entries_t;

/* T as unix ms: digits, or YYYY-MM-DD[THH:MM[:SS]] in UTC. -1 if neither. */
static int64_t s_parse_time(const char *t)
{
    uint64_t ms;
    if (regioctl_parse_u64(t, &ms) == 0)
        return (int64_t)ms;
    struct tm tm = {0};
    const char *end = strptime(t, "%Y-%m-%d", &tm);
    if (end && *end == 'T') {
        const char *e2 = strptime(end + 1, "%H:%M:%S", &tm);
        end = e2 ? e2 : strptime(end + 1, "%H:%M", &tm);
    }
    if (!end || *end)
        return -1;
    return (int64_t)timegm(&tm) * 1000;
}

static int s_keep(s_entries_t *all, Regio__AuditChunk *ch)
{
    for (size_t i = 0; i < ch->n_entries; i++) {
        if (all->n == all->cap) {
            size_t cap = all->cap ? all->cap * 2 : 256;
            Regio__AuditEntry **v = realloc(all->v, cap * sizeof *v);
            if (!v)
                return -1;
            all->v = v;
            all->cap = cap;
        }
        all->v[all->n++] = ch->entries[i];
        ch->entries[i] = NULL; /* moved */
    }
    ch->n_entries = 0;
    return 0;
}

/* Ask one service and gather every chunk until done. */
static int s_fetch(regioctl_t *c, const char *peer, const char *endpoint, Regio__AuditRequest *q,
                   s_entries_t *all)
{
    regioctl_conn_t k;
    int rc = regioctl_conn_open(c, &k, peer, peer, endpoint, ZMQ_DEALER);
    if (rc != 0)
        return rc;
    regio_envelope_t req = REGIO__ENVELOPE__INIT, *rep;
    req.body_case = REGIO__ENVELOPE__BODY_AUDIT_REQUEST;
    req.audit_request = q;
    char err[REGIOCTL_ERR_MAX];
    rc = regioctl_call(&k, &req, REGIO__ENVELOPE__BODY_AUDIT_CHUNK, &rep, c->timeout_ms, err,
                       sizeof err);
    int done = 0;
    while (rc == 0) {
        done = rep->audit_chunk->done;
        rc = s_keep(all, rep->audit_chunk) < 0 ? REGIOCTL_EXIT_SERVICE : 0;
        regio__envelope__free_unpacked(rep, NULL);
        if (rc || done)
            break;
        regio_msg_t m;
        zmq_pollitem_t it = {k.sock, 0, ZMQ_POLLIN, 0};
        if (zmq_poll(&it, 1, c->timeout_ms) <= 0 || regio_msg_recv(k.sock, 0, &m) != 0) {
            snprintf(err, sizeof err, "the %s stopped answering mid-way", peer);
            rc = REGIOCTL_EXIT_SERVICE;
            break;
        }
        if (!m.env || m.env->body_case != REGIO__ENVELOPE__BODY_AUDIT_CHUNK) {
            regio_msg_clear(&m);
            continue;
        }
        rep = m.env;
    }
    regioctl_conn_close(&k);
    return rc ? regioctl_fail(c, rc, "%s", err) : 0;
}

static int s_by_time(const void *a, const void *b)
{
    const Regio__AuditEntry *x = *(Regio__AuditEntry *const *)a, *y = *(Regio__AuditEntry *const *)b;
    return x->time_ms < y->time_ms ? -1 : x->time_ms > y->time_ms;
}

static void s_print(const Regio__AuditEntry *e, int json)
{
    if (json) {
        cJSON *o = cJSON_CreateObject();
        cJSON_AddNumberToObject(o, "time_ms", (double)e->time_ms);
        cJSON_AddStringToObject(o, "service", e->service);
        cJSON_AddStringToObject(o, "who", e->who);
        cJSON_AddStringToObject(o, "role", e->role);
        cJSON_AddStringToObject(o, "fingerprint", e->fingerprint);
        cJSON_AddStringToObject(o, "action", e->action);
        cJSON_AddStringToObject(o, "ref", e->ref);
        char *line = cJSON_PrintUnformatted(o);
        if (line)
            puts(line);
        free(line);
        cJSON_Delete(o);
        return;
    }
    time_t s = (time_t)(e->time_ms / 1000);
    struct tm tm;
    char when[32];
    gmtime_r(&s, &tm);
    strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%S", &tm);
    printf("%s.%03dZ %-8s %s (%s, %s) %s %s\n", when, (int)(e->time_ms % 1000), e->service,
           e->who, e->role, e->fingerprint, e->action, e->ref);
}

int regioctl_audit(regioctl_t *c, int argc, char **argv)
{
    Regio__AuditRequest q = REGIO__AUDIT_REQUEST__INIT;
    int json = 0;
    q.who = "";
    for (int i = 1; i < argc; i++) {
        const char *v = NULL;
        long n;
        if (strcmp(argv[i], "--json") == 0) {
            json = 1;
        } else if (regioctl_opt_is(argv[i], "--since") || regioctl_opt_is(argv[i], "--who") ||
                   regioctl_opt_is(argv[i], "--max")) {
            char which = argv[i][2];
            if (!(v = regioctl_opt_value(c, argc, argv, &i)))
                return REGIOCTL_EXIT_USAGE;
            if (which == 's' && (q.since_ms = s_parse_time(v)) < 0)
                return regioctl_fail(c, REGIOCTL_EXIT_USAGE, "--since wants unix ms or "
                                     "YYYY-MM-DD[THH:MM[:SS]], got '%s'", v);
            if (which == 'w')
                q.who = (char *)v;
            if (which == 'm' && regioctl_parse_int(v, 1, 100000, &n) < 0)
                return regioctl_fail(c, REGIOCTL_EXIT_USAGE, "--max wants 1..100000");
            if (which == 'm')
                q.max = (uint32_t)n;
        } else {
            return regioctl_fail(c, REGIOCTL_EXIT_USAGE, "unexpected '%s' (see regioctl help)",
                                 argv[i]);
        }
    }
    const char *peers[] = {"registry", "capacity", "planner", "notifier"};
    const char *eps[] = {c->registry, c->capacity, c->planner, c->notifier};
    s_entries_t all = {0};
    int rc = 0;
    for (int i = 0; i < 4 && rc == 0; i++)
        rc = s_fetch(c, peers[i], eps[i], &q, &all);
    if (rc == 0) {
        qsort(all.v, all.n, sizeof *all.v, s_by_time);
        for (size_t i = 0; i < all.n; i++)
            s_print(all.v[i], json);
    }
    for (size_t i = 0; i < all.n; i++)
        regio__audit_entry__free_unpacked(all.v[i], NULL);
    free(all.v);
    return rc;
}
