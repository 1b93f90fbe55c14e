/* subscribe - follow placement notifications: replay, then live, no gaps.
 *
 * The feed (a DEALER on the notifier's feed endpoint) subscribes first, so
 * nothing logged after the replay is lost; duplicates between replay and
 * live are skipped by sequence number (topic_seq for one topic, the global
 * seq for a prefix or "all"). The Subscribe is re-sent every
 * REGIO_FEED_RENEW_MS; an Ack whose seq differs from the last one means the
 * notifier made a new session (it restarted, the connection was re-made):
 * what it logged meanwhile is replayed. A cut-off (ERROR_BUSY: this client
 * read too slowly) is handled the same way: subscribe again, then replay.
 * The notifier sends only what this key may read; a revoked key ends the
 * command with exit 1.
 */
#include <cjson/cJSON.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <zmq.h>

#include "commands.h"
#include "ctl.h"
#include "regio/authz.h"

typedef struct {
    regioctl_t *c;
    const char *topic; /* exact topic, prefix ending in '/', or "" for all */
    int by_seq;        /* dedupe by the global seq (a prefix or ""), not topic_seq */
    int json;          /* print JSON lines */
    uint64_t count;    /* stop after this many; 0 = no limit */
    uint64_t printed;
    uint64_t last;    /* last printed seq (topic_seq, or global seq) */
    int have_base;    /* last is meaningful */
    uint64_t session;  /* Ack.seq of the feed session we hold */
    uint64_t sub_id;   /* envelope id of the last Subscribe sent */
    int resubscribe;   /* the session is gone (cut off): the next Ack starts a new one */
    int64_t renew_at;  /* monotonic ms when the Subscribe is due again */
    int64_t last_new;  /* monotonic ms of the last printed notification */
    regioctl_conn_t feed, req;
} s_sub_t;

static const char *s_kind(Regio__ChangeKind k)
{
    switch (k) {
    case REGIO__CHANGE_KIND__CHANGE_CREATED: return "created";
    case REGIO__CHANGE_KIND__CHANGE_MOVED: return "moved";
    case REGIO__CHANGE_KIND__CHANGE_CANCELLED: return "cancelled";
    default: return "changed";
    }
}

static void s_field(const char *name, const char *v)
{
    if (v && v[0])
        printf(" %s=%s", name, v);
}

static void s_print_text(const Regio__Notification *n)
{
    const Regio__PlacementChange *ch = n->change;
    printf("#%llu seq=%llu %s %s", (unsigned long long)n->topic_seq, (unsigned long long)n->seq,
           n->topic, ch ? s_kind(ch->kind) : "empty");
    if (ch) {
        s_field("learner", ch->learner);
        s_field("period", ch->period);
        s_field("offering", ch->offering);
        s_field("partner", ch->partner);
        for (size_t i = 0; i < ch->n_slots; i++)
            printf("%s%u", i ? "," : " slots=", ch->slots[i]);
        if (ch->old_offering && ch->old_offering[0] && strcmp(ch->old_offering, ch->offering))
            printf(" (was %s)", ch->old_offering);
        s_field("reason", ch->reason);
    }
    printf("\n");
}

static void s_print_json(const Regio__Notification *n)
{
    const Regio__PlacementChange *ch = n->change;
    static const Regio__PlacementChange empty = REGIO__PLACEMENT_CHANGE__INIT;
    if (!ch)
        ch = &empty;
    cJSON *o = cJSON_CreateObject();
    cJSON_AddNumberToObject(o, "seq", (double)n->seq);
    cJSON_AddNumberToObject(o, "topic_seq", (double)n->topic_seq);
    cJSON_AddStringToObject(o, "topic", n->topic);
    cJSON_AddStringToObject(o, "kind", s_kind(ch->kind));
    cJSON_AddStringToObject(o, "learner", ch->learner);
    cJSON_AddStringToObject(o, "school", ch->school);
    cJSON_AddStringToObject(o, "period", ch->period);
    cJSON_AddStringToObject(o, "offering", ch->offering);
    cJSON_AddStringToObject(o, "partner", ch->partner);
    cJSON *slots = cJSON_AddArrayToObject(o, "slots");
    for (size_t i = 0; slots && i < ch->n_slots; i++)
        cJSON_AddItemToArray(slots, cJSON_CreateNumber(ch->slots[i]));
    cJSON_AddStringToObject(o, "old_offering", ch->old_offering);
    cJSON_AddStringToObject(o, "old_partner", ch->old_partner);
    cJSON_AddStringToObject(o, "reason", ch->reason);
    cJSON_AddNumberToObject(o, "plan_version", (double)ch->plan_version);
    cJSON_AddNumberToObject(o, "time_ms", (double)n->time_ms);
    char *text = cJSON_PrintUnformatted(o);
    if (text)
        printf("%s\n", text);
    free(text);
    cJSON_Delete(o);
}

static uint64_t s_key(const s_sub_t *s, const Regio__Notification *n)
{
    return s->by_seq ? n->seq : n->topic_seq;
}

/* Print n unless already printed or outside the pattern. Returns 1 when
 * the wanted count is reached. */
static int s_emit(s_sub_t *s, const Regio__Notification *n)
{
    if (!n->topic || (s->by_seq ? !regio_authz_covers(s->topic, n->topic)
                                : strcmp(n->topic, s->topic) != 0))
        return 0;
    uint64_t k = s_key(s, n);
    if (s->have_base && k <= s->last)
        return 0;
    if (s->json)
        s_print_json(n);
    else
        s_print_text(n);
    fflush(stdout);
    s->last = k;
    s->have_base = 1;
    s->printed++;
    s->last_new = regioctl_now_ms();
    return s->count && s->printed >= s->count;
}

/* The exit code for an error body (3 for trimmed history). */
static int s_error(s_sub_t *s, const Regio__Error *e)
{
    char why[REGIOCTL_ERR_MAX];
    regioctl_error_text(e, why, sizeof why);
    return regioctl_fail(s->c, e->code == REGIO__ERROR_CODE__ERROR_SNAPSHOT_NEEDED
                                   ? REGIOCTL_EXIT_SNAPSHOT
                                   : REGIOCTL_EXIT_SERVICE,
                         "%s", why);
}

/* Nothing came back from k: say why (our key refused, a failed handshake),
 * or that the service may be down. Returns the exit code. */
static int s_no_answer(s_sub_t *s, regioctl_conn_t *k)
{
    char why[REGIOCTL_ERR_MAX];
    if (!regioctl_conn_why(k, why, sizeof why))
        snprintf(why, sizeof why, "no answer from the %s at %s within %d ms (is it running?)",
                 k->name, k->endpoint, s->c->timeout_ms);
    return regioctl_fail(s->c, REGIOCTL_EXIT_SERVICE, "%s", why);
}

/* Receive the chunks answering request id. *scanned is where the walk
 * stopped, *last the newest seq. Returns 0, -1 when the count is reached,
 * or an exit code. */
static int s_chunks(s_sub_t *s, uint64_t id, uint64_t *scanned, uint64_t *last)
{
    for (;;) {
        zmq_pollitem_t it = {s->req.sock, 0, ZMQ_POLLIN, 0};
        int n = zmq_poll(&it, 1, s->c->timeout_ms);
        if (n < 0 && zmq_errno() == EINTR)
            continue;
        if (n <= 0)
            return s_no_answer(s, &s->req);
        regio_msg_t m;
        while (regio_msg_recv(s->req.sock, 0, &m) == 0) {
            regio_envelope_t *e = m.env;
            int rc = 0, done = 0;
            if (!e || e->correlation_id != id) {
                /* an answer to an earlier request: not ours */
            } else if (e->body_case == REGIO__ENVELOPE__BODY_ERROR && e->error) {
                rc = s_error(s, e->error);
            } else if (e->body_case == REGIO__ENVELOPE__BODY_REPLAY_CHUNK && e->replay_chunk) {
                const Regio__ReplayChunk *ch = e->replay_chunk;
                for (size_t i = 0; i < ch->n_items && rc == 0; i++)
                    rc = s_emit(s, ch->items[i]) ? -1 : 0;
                *scanned = ch->scanned_seq;
                *last = ch->last_seq;
                done = ch->done;
            } else {
                rc = regioctl_fail(s->c, REGIOCTL_EXIT_SERVICE,
                                   "the notifier sent an unexpected reply (body %d)",
                                   (int)e->body_case);
            }
            regio_msg_clear(&m);
            if (rc || done)
                return rc;
        }
    }
}

/* One ReplayRequest after `after`, max items (0: the notifier's cap). */
static int s_ask(s_sub_t *s, uint64_t after, uint32_t max, uint64_t *scanned, uint64_t *last)
{
    Regio__ReplayRequest rr = REGIO__REPLAY_REQUEST__INIT;
    rr.topic = (char *)s->topic;
    rr.after_seq = after;
    rr.max = max;
    regio_envelope_t req = REGIO__ENVELOPE__INIT;
    req.body_case = REGIO__ENVELOPE__BODY_REPLAY_REQUEST;
    req.replay_request = &rr;
    int rc = regio_msg_send(s->req.sock, NULL, 0, &req);
    if (rc < 0)
        return regioctl_fail(s->c, REGIOCTL_EXIT_SERVICE, "notifier at %s: %s", s->req.endpoint,
                             zmq_strerror(-rc));
    return s_chunks(s, req.id, scanned, last);
}

/* Print everything after `after` from the log, asking again while a reply
 * stopped short of the end. Returns 0, -1 (count reached) or an exit code. */
static int s_replay(s_sub_t *s, uint64_t after)
{
    for (;;) {
        uint64_t scanned = 0, last = 0;
        int rc = s_ask(s, after, 0, &scanned, &last);
        if (rc || scanned >= last || scanned <= after)
            return rc;
        after = scanned;
    }
}

/* Send (or re-send) the Subscribe; its Ack is handled by s_live. */
static int s_subscribe(s_sub_t *s)
{
    char *topics[] = {(char *)s->topic};
    int rc = regio_msg_subscribe(s->feed.sock, topics, 1, &s->sub_id);
    if (rc < 0 && rc != -EAGAIN)
        return regioctl_fail(s->c, REGIOCTL_EXIT_SERVICE, "notifier feed at %s: %s",
                             s->feed.endpoint, zmq_strerror(-rc));
    s->renew_at = regioctl_now_ms() + REGIO_FEED_RENEW_MS;
    return 0;
}

/* An Ack of our Subscribe: a session other than the one we held means
 * notifications may have been missed since: replay them. */
static int s_acked(s_sub_t *s, uint64_t session)
{
    int gap = s->resubscribe || session != s->session;
    s->session = session;
    s->resubscribe = 0;
    return gap && s->have_base ? s_replay(s, s->last) : 0;
}

/* Handle one message from the feed. Returns 0, -1 (count reached) or an
 * exit code. */
static int s_live(s_sub_t *s, const regio_envelope_t *e)
{
    if (!e)
        return 0;
    if (e->body_case == REGIO__ENVELOPE__BODY_ACK && e->ack)
        return e->correlation_id == s->sub_id ? s_acked(s, e->ack->seq) : 0;
    if (e->body_case == REGIO__ENVELOPE__BODY_ERROR && e->error) {
        if (e->error->code != REGIO__ERROR_CODE__ERROR_BUSY)
            return s_error(s, e->error);
        s->resubscribe = 1; /* cut off: subscribe again, then replay from where we are */
        return s_subscribe(s);
    }
    if (e->body_case != REGIO__ENVELOPE__BODY_NOTIFICATION || !e->notification)
        return 0;
    const Regio__Notification *n = e->notification;
    if (!s->by_seq && s->have_base && s_key(s, n) > s->last + 1) {
        int rc = s_replay(s, s->last); /* a hole in one topic: fill it from the log */
        if (rc)
            return rc;
    }
    return s_emit(s, n) ? -1 : 0;
}

/* Follow the feed until the count, the idle timeout, or an error. */
static int s_follow(s_sub_t *s, int idle_ms)
{
    s->last_new = regioctl_now_ms();
    for (;;) {
        int64_t now = regioctl_now_ms(), wait = s->renew_at - now;
        if (idle_ms > 0) {
            int64_t left = s->last_new + idle_ms - now;
            if (left <= 0)
                break;
            wait = left < wait ? left : wait;
        }
        zmq_pollitem_t it = {s->feed.sock, 0, ZMQ_POLLIN, 0};
        if (zmq_poll(&it, 1, wait > 0 ? (long)wait : 0) < 0) {
            if (zmq_errno() == EINTR)
                continue;
            return regioctl_fail(s->c, REGIOCTL_EXIT_SERVICE, "poll: %s",
                                 zmq_strerror(zmq_errno()));
        }
        int rc = regioctl_now_ms() >= s->renew_at ? s_subscribe(s) : 0;
        regio_msg_t m;
        while (rc == 0 && regio_msg_recv(s->feed.sock, 0, &m) == 0) {
            rc = s_live(s, m.env);
            regio_msg_clear(&m);
        }
        if (rc)
            return rc < 0 ? REGIOCTL_EXIT_OK : rc;
    }
    if (s->count && s->printed < s->count)
        return regioctl_fail(s->c, REGIOCTL_EXIT_SERVICE,
                             "%llu of %llu notifications, then none for %d ms",
                             (unsigned long long)s->printed, (unsigned long long)s->count, idle_ms);
    return REGIOCTL_EXIT_OK;
}

/* Wait for the first Ack (or the refusal) of the Subscribe just sent. */
static int s_first_ack(s_sub_t *s)
{
    int64_t deadline = regioctl_now_ms() + s->c->timeout_ms;
    for (;;) {
        int64_t left = deadline - regioctl_now_ms();
        zmq_pollitem_t it = {s->feed.sock, 0, ZMQ_POLLIN, 0};
        if (left <= 0 || zmq_poll(&it, 1, (long)left) == 0)
            return s_no_answer(s, &s->feed);
        regio_msg_t m;
        while (regio_msg_recv(s->feed.sock, 0, &m) == 0) {
            const regio_envelope_t *e = m.env;
            int rc = -2; /* not the answer yet */
            if (e && e->correlation_id == s->sub_id && e->body_case == REGIO__ENVELOPE__BODY_ACK)
                s->session = e->ack->seq, rc = 0;
            else if (e && e->correlation_id == s->sub_id && e->error)
                rc = s_error(s, e->error);
            regio_msg_clear(&m);
            if (rc != -2)
                return rc;
        }
    }
}

static int s_args(s_sub_t *s, int argc, char **argv, uint64_t *from, int *has_from)
{
    const char *usage = "usage: regioctl subscribe TOPIC [--from SEQ] [--count N] [--json]";
    s->topic = NULL;
    for (int i = 1; i < argc; i++) {
        const char *v;
        if (strcmp(argv[i], "--json") == 0) {
            s->json = 1;
        } else if (regioctl_opt_is(argv[i], "--from") || regioctl_opt_is(argv[i], "--count")) {
            int is_from = regioctl_opt_is(argv[i], "--from");
            if (!(v = regioctl_opt_value(s->c, argc, argv, &i)))
                return REGIOCTL_EXIT_USAGE;
            if (regioctl_parse_u64(v, is_from ? from : &s->count) < 0)
                return regioctl_fail(s->c, REGIOCTL_EXIT_USAGE, "%s needs a whole number, got '%s'",
                                     is_from ? "--from" : "--count", v);
            *has_from |= is_from;
        } else if (argv[i][0] == '-' && argv[i][1] == '-') {
            return regioctl_fail(s->c, REGIOCTL_EXIT_USAGE, "unknown option '%s' (%s)", argv[i],
                                 usage);
        } else if (!s->topic) {
            s->topic = strcmp(argv[i], "all") == 0 ? "" : argv[i];
        } else {
            return regioctl_fail(s->c, REGIOCTL_EXIT_USAGE, "unexpected '%s' (%s)", argv[i], usage);
        }
    }
    if (!s->topic)
        return regioctl_fail(s->c, REGIOCTL_EXIT_USAGE, "%s", usage);
    if (s->topic[0] && !strchr(s->topic, '/'))
        return regioctl_fail(s->c, REGIOCTL_EXIT_USAGE,
                             "topic '%s' should be school/ID, learner/ID, partner/ID, a prefix "
                             "ending in '/' (learner/) or all", s->topic);
    size_t n = strlen(s->topic);
    s->by_seq = n == 0 || s->topic[n - 1] == '/';
    return 0;
}

int regioctl_subscribe(regioctl_t *c, int argc, char **argv)
{
    s_sub_t s = {.c = c};
    uint64_t from = 0, scanned = 0;
    int has_from = 0, rc;
    if ((rc = s_args(&s, argc, argv, &from, &has_from)) != 0)
        return rc;
    if ((rc = regioctl_conn_open(c, &s.req, "notifier", "notifier", c->notifier, ZMQ_DEALER)) != 0)
        return rc;
    if ((rc = regioctl_conn_open(c, &s.feed, "notifier", "notifier feed", c->notifier_feed,
                                 ZMQ_DEALER)) != 0)
        goto out;
    /* without --from: follow from the log's end as it is now */
    if (!has_from && (rc = s_ask(&s, UINT64_MAX - 1, 1, &scanned, &from)) != 0)
        goto out;
    if ((rc = s_subscribe(&s)) != 0 || (rc = s_first_ack(&s)) != 0)
        goto out;
    s.last = from;
    s.have_base = 1;
    if ((rc = s_replay(&s, from)) == 0)
        rc = s_follow(&s, c->timeout_set || s.count ? c->timeout_ms : 0);
    rc = rc < 0 ? REGIOCTL_EXIT_OK : rc;
out:
    regioctl_conn_close(&s.req);
    regioctl_conn_close(&s.feed);
    return rc;
}
