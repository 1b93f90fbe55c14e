/* capacity_cmd - one capacity update or closure, as a company system sends
 * it, or an administrator's reset of a key's version. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zmq.h>

#include "commands.h"
#include "ctl.h"
#include "regio/rpp.h"
#include "regio/validate.h"

/* What each form takes: its positionals after the form's name and options. */
typedef struct {
    const char *name;     /* "set", ... */
    const char *usage;    /* one line for errors */
    int min_pos, max_pos; /* positionals */
    int period;           /* pos[1] is a period id */
    int version, reason;  /* takes --version, --reason */
} s_form_t;

enum { S_SET, S_CLOSE, S_OPEN, S_RESET };

static const s_form_t s_forms[] = {
    [S_SET] = {"set", "usage: regioctl capacity set OFFERING PERIOD S0,S1,...,S9 [--version V] "
                      "[--id UPDATE_ID]", 3, 3, 1, 1, 0},
    [S_CLOSE] = {"close", "usage: regioctl capacity close OFFERING YYYY-MM-DD "
                          "[morning|afternoon|day] [--reason TEXT] [--id ID]", 2, 3, 0, 0, 1},
    [S_OPEN] = {"open", "usage: regioctl capacity open OFFERING YYYY-MM-DD [--reason TEXT] "
                        "[--id ID]", 2, 2, 0, 0, 1},
    [S_RESET] = {"reset", "usage: regioctl capacity reset OFFERING PERIOD [--id ID]", 2, 2, 1, 0, 0},
};

/* Arguments of every form: up to 3 positionals plus options. */
typedef struct {
    const char *pos[4];
    int n_pos;
    const char *id, *reason; /* id: --id, or one made up (in idbuf) */
    uint64_t version;
    char idbuf[64];
} s_args_t;

static const char *s_default_id(char *buf, size_t n);

static int s_parse(regioctl_t *c, int argc, char **argv, const s_form_t *f, s_args_t *a)
{
    memset(a, 0, sizeof *a);
    for (int i = 2; i < argc; i++) {
        const char *v;
        if (regioctl_opt_is(argv[i], "--id")) {
            if (!(a->id = regioctl_opt_value(c, argc, argv, &i)))
                return REGIOCTL_EXIT_USAGE;
        } else if (f->version && regioctl_opt_is(argv[i], "--version")) {
            if (!(v = regioctl_opt_value(c, argc, argv, &i)))
                return REGIOCTL_EXIT_USAGE;
            if (regioctl_parse_u64(v, &a->version) < 0 || a->version == 0)
                return regioctl_fail(c, REGIOCTL_EXIT_USAGE,
                                     "--version needs unix milliseconds > 0, got '%s'", v);
        } else if (f->reason && regioctl_opt_is(argv[i], "--reason")) {
            if (!(a->reason = regioctl_opt_value(c, argc, argv, &i)))
                return REGIOCTL_EXIT_USAGE;
        } else if (argv[i][0] == '-' && argv[i][1] == '-') {
            return regioctl_fail(c, REGIOCTL_EXIT_USAGE, "unknown option '%s' (%s)", argv[i],
                                 f->usage);
        } else if (a->n_pos < f->max_pos) {
            a->pos[a->n_pos++] = argv[i];
        } else {
            return regioctl_fail(c, REGIOCTL_EXIT_USAGE, "unexpected '%s' (%s)", argv[i], f->usage);
        }
    }
    if (a->n_pos < f->min_pos)
        return regioctl_fail(c, REGIOCTL_EXIT_USAGE, "%s", f->usage);
    char err[200];
    if (regio_validate_id(a->pos[0], "offering", err, sizeof err) < 0 ||
        (f->period && regio_validate_id(a->pos[1], "period", err, sizeof err) < 0) ||
        (a->id && regio_validate_id(a->id, "--id", err, sizeof err) < 0))
        return regioctl_fail(c, REGIOCTL_EXIT_USAGE, "%s", err);
    if (!a->id)
        a->id = s_default_id(a->idbuf, sizeof a->idbuf);
    return 0;
}

/* "S0,...,S9": exactly 10 whole numbers >= 0. */
static int s_parse_seats(const char *s, uint32_t seats[10])
{
    int n = 0;
    const char *p = s;
    for (;;) {
        char num[16];
        size_t len = strcspn(p, ",");
        long v;
        if (n == 10 || len == 0 || len >= sizeof num)
            return -1;
        memcpy(num, p, len);
        num[len] = 0;
        if (regioctl_parse_int(num, 0, REGIO_RPP_MAX_SEATS, &v) < 0)
            return -1;
        seats[n++] = (uint32_t)v;
        if (!p[len])
            break;
        p += len + 1;
    }
    return n == 10 ? 0 : -1;
}

static const char *s_default_id(char *buf, size_t n)
{
    snprintf(buf, n, "ctl-%llu-%ld-%04x", (unsigned long long)regioctl_unix_ms(), (long)getpid(),
             (unsigned)(regio_msg_next_id() & 0xffff));
    return buf;
}

static int s_send(regioctl_t *c, regio_envelope_t *req, Regio__CapacityAck *out)
{
    regioctl_conn_t k;
    int rc = regioctl_conn_open(c, &k, "capacity", "capacity service", c->capacity, ZMQ_DEALER);
    if (rc)
        return rc;
    regio_envelope_t *rep = NULL;
    rc = regioctl_request(c, &k, req, REGIO__ENVELOPE__BODY_CAPACITY_ACK, &rep, c->timeout_ms);
    if (rc == 0) {
        out->status = rep->capacity_ack->status;
        out->seq = rep->capacity_ack->seq;
        out->version = rep->capacity_ack->version;
        regio__envelope__free_unpacked(rep, NULL);
    }
    regioctl_conn_close(&k);
    return rc;
}

static int s_set(regioctl_t *c, int argc, char **argv)
{
    s_args_t a;
    int rc = s_parse(c, argc, argv, &s_forms[S_SET], &a);
    if (rc)
        return rc;
    uint32_t seats[10];
    if (s_parse_seats(a.pos[2], seats) < 0)
        return regioctl_fail(c, REGIOCTL_EXIT_USAGE,
                             "seats must be 10 whole numbers 0..%d separated by commas "
                             "(one per weekly slot), got '%s'",
                             REGIO_RPP_MAX_SEATS, a.pos[2]);
    Regio__CapacityUpdate u = REGIO__CAPACITY_UPDATE__INIT;
    u.update_id = (char *)a.id;
    u.offering = (char *)a.pos[0];
    u.period = (char *)a.pos[1];
    u.seats = seats;
    u.n_seats = 10;
    u.version = a.version ? a.version : regioctl_unix_ms();
    regio_envelope_t req = REGIO__ENVELOPE__INIT;
    req.body_case = REGIO__ENVELOPE__BODY_CAPACITY_UPDATE;
    req.capacity_update = &u;
    Regio__CapacityAck ack = REGIO__CAPACITY_ACK__INIT;
    if ((rc = s_send(c, &req, &ack)) != 0)
        return rc;
    if (ack.status == REGIO__ACK_STATUS__ACK_DUPLICATE)
        printf("duplicate (already applied) id=%s\n", u.update_id);
    else
        printf("applied seq=%llu version=%llu id=%s\n", (unsigned long long)ack.seq,
               (unsigned long long)ack.version, u.update_id);
    return 0;
}

static int s_part(const char *s)
{
    if (strcmp(s, "morning") == 0)
        return 1;
    if (strcmp(s, "afternoon") == 0)
        return 2;
    if (strcmp(s, "day") == 0)
        return 3;
    return -1;
}

/* close OFFERING DATE [PART] closes part of a day; open OFFERING DATE
 * opens the whole day again (slots_closed 0 replaces the closure). */
static int s_close_or_open(regioctl_t *c, int argc, char **argv, int open)
{
    s_args_t a;
    int rc = s_parse(c, argc, argv, &s_forms[open ? S_OPEN : S_CLOSE], &a);
    if (rc)
        return rc;
    char err[200];
    if (regio_validate_date(a.pos[1], "date", err, sizeof err) < 0)
        return regioctl_fail(c, REGIOCTL_EXIT_USAGE, "%s", err);
    const char *part = a.n_pos == 3 ? a.pos[2] : "day";
    int mask = open ? 0 : s_part(part);
    if (mask < 0)
        return regioctl_fail(c, REGIOCTL_EXIT_USAGE,
                             "part of day must be morning, afternoon or day, got '%s'", part);
    Regio__CapacityException x = REGIO__CAPACITY_EXCEPTION__INIT;
    x.update_id = (char *)a.id;
    x.offering = (char *)a.pos[0];
    x.date = (char *)a.pos[1];
    x.slots_closed = (uint32_t)mask;
    x.reason = (char *)(a.reason ? a.reason : "");
    regio_envelope_t req = REGIO__ENVELOPE__INIT;
    req.body_case = REGIO__ENVELOPE__BODY_CAPACITY_EXCEPTION;
    req.capacity_exception = &x;
    Regio__CapacityAck ack = REGIO__CAPACITY_ACK__INIT;
    if ((rc = s_send(c, &req, &ack)) != 0)
        return rc;
    if (ack.status == REGIO__ACK_STATUS__ACK_DUPLICATE)
        printf("duplicate (already applied) id=%s\n", x.update_id);
    else
        printf("%s %s on %s (%s) seq=%llu id=%s\n", open ? "opened" : "closed", x.offering,
               x.date, part, (unsigned long long)ack.seq, x.update_id);
    return 0;
}

static int s_close(regioctl_t *c, int argc, char **argv)
{
    return s_close_or_open(c, argc, argv, 0);
}

static int s_open(regioctl_t *c, int argc, char **argv)
{
    return s_close_or_open(c, argc, argv, 1);
}

static int s_reset(regioctl_t *c, int argc, char **argv)
{
    s_args_t a;
    int rc = s_parse(c, argc, argv, &s_forms[S_RESET], &a);
    if (rc)
        return rc;
    Regio__CapacityReset x = REGIO__CAPACITY_RESET__INIT;
    x.update_id = (char *)a.id;
    x.offering = (char *)a.pos[0];
    x.period = (char *)a.pos[1];
    regio_envelope_t req = REGIO__ENVELOPE__INIT;
    req.body_case = REGIO__ENVELOPE__BODY_CAPACITY_RESET;
    req.capacity_reset = &x;
    Regio__CapacityAck ack = REGIO__CAPACITY_ACK__INIT;
    if ((rc = s_send(c, &req, &ack)) != 0)
        return rc;
    printf("%s %s %s: version forgotten, the next update wins seq=%llu id=%s\n",
           ack.status == REGIO__ACK_STATUS__ACK_DUPLICATE ? "duplicate (already reset)" : "reset",
           x.offering, x.period, (unsigned long long)ack.seq, x.update_id);
    return 0;
}

int regioctl_capacity(regioctl_t *c, int argc, char **argv)
{
    static int (*const run[])(regioctl_t *, int, char **) = {
        [S_SET] = s_set, [S_CLOSE] = s_close, [S_OPEN] = s_open, [S_RESET] = s_reset};
    for (size_t f = 0; argc >= 2 && f < sizeof s_forms / sizeof s_forms[0]; f++)
        if (strcmp(argv[1], s_forms[f].name) == 0)
            return run[f](c, argc, argv);
    return regioctl_fail(c, REGIOCTL_EXIT_USAGE,
                         "usage: regioctl capacity set|close|open|reset ... (see regioctl help)");
}
