/* subscribe - follow placement notifications: replay, then live, no gaps.
 *
 * The SUB socket connects first, so nothing published after the replay is
 * lost; duplicates between replay and live are skipped by sequence number
 * (topic_seq for one topic, the global seq for "all"). A live notification
 * that skips numbers means the PUB dropped some (slow subscriber): the
 * missing range is replayed from the notifier's log. ZeroMQ subscriptions
 * match prefixes, so the topic frame is compared exactly (school/s1 must not
 * show school/s10).
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

typedef struct {
    regioctl_t *c;
    const char *topic; /* exact topic, "" for the global log */
    int json;          /* print JSON lines */
    uint64_t count;    /* stop after this many; 0 = no limit */
    uint64_t printed;
    uint64_t last;    /* last printed seq (topic_seq, or global seq) */
    int have_base;    /* last is meaningful */
    uint64_t checked; /* log end (global seq) we last checked for a lost tail */
    int64_t last_new; /* monotonic ms of the last printed notification */
    regioctl_conn_t sub, req;
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
    return s->topic[0] ? n->topic_seq : n->seq;
}

/* Print n unless already printed or of another topic. Returns 1 when the
 * wanted count is reached. */
static int s_emit(s_sub_t *s, const Regio__Notification *n)
{
    if (s->topic[0] && (!n->topic || strcmp(n->topic, s->topic) != 0))
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

/* Receive the chunks answering request id. *got counts items, *last_seq is
 * the notifier's newest seq. Returns 0, -1 when the count is reached, or an
 * exit code. */
static int s_chunks(s_sub_t *s, uint64_t id, size_t *got, uint64_t *last_seq)
{
    for (;;) {
        zmq_pollitem_t it = {s->req.sock, 0, ZMQ_POLLIN, 0};
        int n = zmq_poll(&it, 1, s->c->timeout_ms);
        if (n < 0 && zmq_errno() == EINTR)
            continue;
        if (n <= 0)
            return regioctl_fail(s->c, REGIOCTL_EXIT_SERVICE,
                                 "no answer from the notifier at %s within %d ms (is it running?)",
                                 s->req.endpoint, s->c->timeout_ms);
        regio_msg_t m;
        while (regio_msg_recv(s->req.sock, 0, &m) == 0) {
            regio_envelope_t *e = m.env;
            int rc = 0, done = 0;
            if (!e || e->correlation_id != id) {
                /* an answer to an earlier request: not ours */
            } else if (e->body_case == REGIO__ENVELOPE__BODY_ERROR && e->error) {
                char why[REGIOCTL_ERR_MAX];
                regioctl_error_text(e->error, why, sizeof why);
                rc = regioctl_fail(s->c,
                                   e->error->code == REGIO__ERROR_CODE__ERROR_SNAPSHOT_NEEDED
                                       ? REGIOCTL_EXIT_SNAPSHOT
                                       : REGIOCTL_EXIT_SERVICE,
                                   "%s", why);
            } else if (e->body_case == REGIO__ENVELOPE__BODY_REPLAY_CHUNK && e->replay_chunk) {
                const Regio__ReplayChunk *ch = e->replay_chunk;
                *got += ch->n_items;
                *last_seq = ch->last_seq;
                for (size_t i = 0; i < ch->n_items && rc == 0; i++)
                    rc = s_emit(s, ch->items[i]) ? -1 : 0;
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

/* Print everything after seq `after` from the log; asks again while the
 * per-request cap cut the answer short. Returns 0, -1 (count reached) or
 * an exit code. */
static int s_replay(s_sub_t *s, uint64_t after)
{
    for (;;) {
        Regio__ReplayRequest rr = REGIO__REPLAY_REQUEST__INIT;
        rr.topic = (char *)s->topic;
        rr.after_seq = after;
        regio_envelope_t req = REGIO__ENVELOPE__INIT;
        req.body_case = REGIO__ENVELOPE__BODY_REPLAY_REQUEST;
        req.replay_request = &rr;
        int rc = regio_msg_send(s->req.sock, NULL, 0, &req);
        if (rc < 0)
            return regioctl_fail(s->c, REGIOCTL_EXIT_SERVICE, "notifier at %s: %s", s->req.endpoint,
                                 zmq_strerror(-rc));
        size_t got = 0;
        uint64_t last_seq = 0, before = s->last;
        if ((rc = s_chunks(s, req.id, &got, &last_seq)) != 0)
            return rc;
        if (got == 0 || s->last >= last_seq || s->last == before)
            return 0;
        after = s->last; /* the cap cut it short: ask for the rest */
    }
}

/* Handle one live message. Returns 0, -1 (count reached) or an exit code. */
static int s_live(s_sub_t *s, const regio_msg_t *m)
{
    const regio_envelope_t *e = m->env;
    if (!e)
        return 0;
    if (e->body_case == REGIO__ENVELOPE__BODY_STATUS && e->status) {
        /* The heartbeat carries the log's end. Nothing after it means
         * nothing lost; otherwise ask the log, since a dropped tail is
         * followed by no live message that would show the gap. */
        if (!s->have_base || m->head_len != 8 || memcmp(m->head, "notifier", 8) != 0 ||
            e->status->seq <= s->checked)
            return 0;
        s->checked = e->status->seq;
        return s->topic[0] || e->status->seq > s->last ? s_replay(s, s->last) : 0;
    }
    if (e->body_case != REGIO__ENVELOPE__BODY_NOTIFICATION || !e->notification)
        return 0;
    size_t tl = strlen(s->topic);
    if (tl && (m->head_len != tl || memcmp(m->head, s->topic, tl) != 0))
        return 0; /* a longer topic with our prefix */
    const Regio__Notification *n = e->notification;
    if (s->have_base && s_key(s, n) > s->last + 1) {
        int rc = s_replay(s, s->last);
        if (rc)
            return rc;
    }
    return s_emit(s, n) ? -1 : 0;
}

/* Follow the live feed until the count, the idle timeout, or an error. */
static int s_follow(s_sub_t *s, int idle_ms)
{
    s->last_new = regioctl_now_ms();
    for (;;) {
        long wait = -1;
        if (idle_ms > 0) {
            int64_t left = s->last_new + idle_ms - regioctl_now_ms();
            if (left <= 0)
                break;
            wait = (long)left;
        }
        zmq_pollitem_t it = {s->sub.sock, 0, ZMQ_POLLIN, 0};
        if (zmq_poll(&it, 1, wait) < 0) {
            if (zmq_errno() == EINTR)
                continue;
            return regioctl_fail(s->c, REGIOCTL_EXIT_SERVICE, "poll: %s",
                                 zmq_strerror(zmq_errno()));
        }
        regio_msg_t m;
        while (regio_msg_recv(s->sub.sock, 1, &m) == 0) {
            int rc = s_live(s, &m);
            regio_msg_clear(&m);
            if (rc)
                return rc < 0 ? REGIOCTL_EXIT_OK : rc;
        }
    }
    if (s->count && s->printed < s->count)
        return regioctl_fail(s->c, REGIOCTL_EXIT_SERVICE,
                             "%llu of %llu notifications, then none for %d ms",
                             (unsigned long long)s->printed, (unsigned long long)s->count, idle_ms);
    return REGIOCTL_EXIT_OK;
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
                             "topic '%s' should be school/ID, learner/ID, partner/ID or all",
                             s->topic);
    return 0;
}

int regioctl_subscribe(regioctl_t *c, int argc, char **argv)
{
    s_sub_t s = {.c = c};
    uint64_t from = 0;
    int has_from = 0, rc;
    if ((rc = s_args(&s, argc, argv, &from, &has_from)) != 0)
        return rc;
    if ((rc = regioctl_conn_open(c, &s.sub, "notifier", "notifier feed", c->notifier_pub, ZMQ_SUB)) != 0)
        return rc;
    zmq_setsockopt(s.sub.sock, ZMQ_SUBSCRIBE, s.topic, strlen(s.topic));
    if (s.topic[0]) /* heartbeats: they tell when the tail of the feed was lost */
        zmq_setsockopt(s.sub.sock, ZMQ_SUBSCRIBE, "notifier", 8);
    if ((rc = regioctl_conn_open(c, &s.req, "notifier", "notifier", c->notifier, ZMQ_DEALER)) != 0)
        goto out;
    if (has_from) {
        struct timespec ts = {0, 100 * 1000000L}; /* let the subscription reach the PUB */
        nanosleep(&ts, NULL);
        s.last = from;
        s.have_base = 1;
        if ((rc = s_replay(&s, from)) != 0) {
            rc = rc < 0 ? REGIOCTL_EXIT_OK : rc;
            goto out;
        }
    }
    rc = s_follow(&s, c->timeout_set || s.count ? c->timeout_ms : 0);
out:
    regioctl_conn_close(&s.req);
    regioctl_conn_close(&s.sub);
    return rc;
}
