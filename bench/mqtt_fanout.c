/* mqtt_fanout - the mosquitto side of bench/notify.sh: the same fan-out as
 * regio's notifier, through an MQTT broker on loopback, publisher and
 * subscribers in ONE process so send and receive times share one monotonic
 * clock. Only libmosquitto, driven by one poll() loop (no thread per client).
 *
 *   regio-bench-mqtt latency --port P --topics TOPICS.txt --changes CHANGES.txt
 *                    [--warmup 3] [--qos 1] [--timeout-ms 10000]
 *   regio-bench-mqtt catchup --port P --topics TOPICS.txt --count N [--size 108] [--qos 1]
 *
 * latency: one client per line of TOPICS.txt (clean session, subscribed with
 * QoS 1 to that exact topic), all SUBACKs awaited; then for each change in
 * CHANGES.txt (lines "index<TAB>topic<TAB>payload hex", written by
 * regio-bench-notify --changes-out: every notification regio logged for that
 * change, to every topic, subscribed or not) t0, one publisher client sends
 * all of the change's messages with QoS 1 (the same topics and payload sizes;
 * the first 8 payload bytes carry a message number), and the loop runs until
 * every message to a subscribed topic has arrived. first = first arrival - t0,
 * all = last arrival - t0, as on the regio side.
 *
 * catchup: a persistent session (clean_session false, QoS 1, subscribed to
 * "#") goes offline, the publisher sends N messages of --size bytes (QoS 1,
 * topics from TOPICS.txt in turn), then the session reconnects and drains:
 * events/s from the reconnect to the N-th message.
 */
#include <alloca.h>
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <mosquitto.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define LINE_MAX_ 65536

typedef struct {
    struct mosquitto *m;
    const char *topic;   /* subscribed topic (NULL for the publisher) */
    int connected, subscribed, gone;
} client_t;

typedef struct {
    int change;
    char *topic;
    unsigned char *payload;
    size_t len;
    int subscribed;
} msg_t;

static int64_t *g_recv;        /* per message number: arrival time */
static long g_n_msgs, g_received, g_acked, g_subscribed;
static int g_qos = 1;

static int64_t s_now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static int s_cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static int s_cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static double s_pct(double *v, size_t n, double p)
{
    if (n == 0)
        return NAN;
    qsort(v, n, sizeof *v, s_cmp_double);
    size_t k = (size_t)ceil(p * (double)n);
    return v[k ? k - 1 : 0];
}

static char **s_read_lines(const char *path, size_t *n)
{
    FILE *f = fopen(path, "r");
    *n = 0;
    if (!f) {
        fprintf(stderr, "regio-bench-mqtt: %s: %s\n", path, strerror(errno));
        return NULL;
    }
    size_t cap = 1024;
    char **v = malloc(cap * sizeof *v), *line = malloc(LINE_MAX_);
    while (fgets(line, LINE_MAX_, f)) {
        line[strcspn(line, "\r\n")] = 0;
        if (!line[0])
            continue;
        if (*n == cap)
            v = realloc(v, (cap *= 2) * sizeof *v);
        v[(*n)++] = strdup(line);
    }
    free(line);
    fclose(f);
    return v;
}

/* ---- callbacks ----------------------------------------------------------- */

static void s_on_connect(struct mosquitto *m, void *arg, int rc)
{
    client_t *c = arg;
    if (rc != 0) {
        fprintf(stderr, "regio-bench-mqtt: connect refused: %s\n", mosquitto_connack_string(rc));
        c->gone = 1;
        return;
    }
    c->connected = 1;
    if (c->topic && !c->subscribed)
        mosquitto_subscribe(m, NULL, c->topic, g_qos);
}

static void s_on_subscribe(struct mosquitto *m, void *arg, int mid, int n, const int *granted)
{
    client_t *c = arg;
    if (!c->subscribed) {
        c->subscribed = 1;
        g_subscribed++;
    }
}

static void s_on_message(struct mosquitto *m, void *arg, const struct mosquitto_message *msg)
{
    int64_t t = s_now_ns();
    client_t *c = arg;
    if (msg->payloadlen < 8 || (c->topic && strcmp(c->topic, "#") && strcmp(msg->topic, c->topic)))
        return;
    uint64_t id;
    memcpy(&id, msg->payload, 8);
    if ((long)id < g_n_msgs && g_recv && !g_recv[id]) {
        g_recv[id] = t;
        g_received++;
    } else if (!g_recv) {
        g_received++;
    }
}

static void s_on_publish(struct mosquitto *m, void *arg, int mid)
{
    g_acked++;
}

static void s_on_disconnect(struct mosquitto *m, void *arg, int rc)
{
    client_t *c = arg;
    c->connected = 0;
    c->gone = 1;
}

/* ---- the loop ------------------------------------------------------------ */

static int s_open(client_t *c, const char *id, int clean, const char *host, int port)
{
    c->m = mosquitto_new(id, clean, c);
    if (!c->m)
        return -1;
    mosquitto_connect_callback_set(c->m, s_on_connect);
    mosquitto_subscribe_callback_set(c->m, s_on_subscribe);
    mosquitto_message_callback_set(c->m, s_on_message);
    mosquitto_publish_callback_set(c->m, s_on_publish);
    mosquitto_disconnect_callback_set(c->m, s_on_disconnect);
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"
    mosquitto_max_inflight_messages_set(c->m, 0); /* publisher: no client-side window */
#pragma GCC diagnostic pop
    int rc = mosquitto_connect(c->m, host, port, 60);
    if (rc != MOSQ_ERR_SUCCESS) {
        fprintf(stderr, "regio-bench-mqtt: connect %s:%d: %s\n", host, port, mosquitto_strerror(rc));
        return -1;
    }
    return 0;
}

/* One poll() over every client; reads and writes what is ready. */
static void s_pump(client_t *cs, int n, struct pollfd *pf, int timeout_ms)
{
    static int64_t last_misc;
    int k = 0;
    int *map = alloca(sizeof(int) * (size_t)n);
    for (int i = 0; i < n; i++) {
        int fd = cs[i].m ? mosquitto_socket(cs[i].m) : -1;
        if (fd < 0)
            continue;
        pf[k] = (struct pollfd){fd, POLLIN | (mosquitto_want_write(cs[i].m) ? POLLOUT : 0), 0};
        map[k++] = i;
    }
    int rc = poll(pf, (nfds_t)k, timeout_ms);
    for (int j = 0; rc > 0 && j < k; j++) {
        client_t *c = &cs[map[j]];
        if (pf[j].revents & (POLLIN | POLLERR | POLLHUP))
            mosquitto_loop_read(c->m, 1);
        if (c->m && mosquitto_socket(c->m) >= 0 && (pf[j].revents & POLLOUT))
            mosquitto_loop_write(c->m, 1);
    }
    int64_t now = s_now_ns();
    if (now - last_misc > 500000000) {
        for (int i = 0; i < n; i++)
            if (cs[i].m)
                mosquitto_loop_misc(cs[i].m);
        last_misc = now;
    }
}

/* Push out whatever the publisher queued without waiting for poll. */
static void s_flush(client_t *c)
{
    while (mosquitto_want_write(c->m) && mosquitto_loop_write(c->m, 1) == MOSQ_ERR_SUCCESS) {
        struct pollfd p = {mosquitto_socket(c->m), POLLOUT, 0};
        if (poll(&p, 1, 0) <= 0)
            break;
    }
}

/* ---- latency ------------------------------------------------------------- */

static int s_latency(const char *host, int port, const char *topics_path, const char *changes_path,
                     int warmup, int timeout_ms)
{
    size_t n_topics, n_lines;
    char **topics = s_read_lines(topics_path, &n_topics);
    char **lines = s_read_lines(changes_path, &n_lines);
    if (!topics || !lines || !n_topics || !n_lines)
        return 2;
    char **sorted = malloc(n_topics * sizeof *sorted);
    memcpy(sorted, topics, n_topics * sizeof *sorted);
    qsort(sorted, n_topics, sizeof *sorted, s_cmp_str);

    msg_t *msgs = calloc(n_lines, sizeof *msgs);
    int n_changes = 0;
    size_t bytes = 0;
    for (size_t i = 0; i < n_lines; i++) {
        char *t1 = strchr(lines[i], '\t'), *t2 = t1 ? strchr(t1 + 1, '\t') : NULL;
        if (!t2)
            return 2;
        *t1 = *t2 = 0;
        msg_t *x = &msgs[i];
        x->change = atoi(lines[i]);
        x->topic = t1 + 1;
        size_t hl = strlen(t2 + 1);
        x->len = hl / 2 < 8 ? 8 : hl / 2;
        x->payload = calloc(x->len, 1);
        for (size_t b = 0; b < hl / 2; b++)
            sscanf(t2 + 1 + 2 * b, "%2hhx", &x->payload[b]);
        uint64_t id = i;
        memcpy(x->payload, &id, 8);
        x->subscribed = bsearch(&x->topic, sorted, n_topics, sizeof *sorted, s_cmp_str) != NULL;
        bytes += x->len;
        if (x->change + 1 > n_changes)
            n_changes = x->change + 1;
    }
    g_n_msgs = (long)n_lines;
    g_recv = calloc(n_lines, sizeof *g_recv);

    int n = (int)n_topics + 1;
    client_t *cs = calloc((size_t)n, sizeof *cs);
    struct pollfd *pf = calloc((size_t)n, sizeof *pf);
    char id[64];
    for (size_t i = 0; i < n_topics; i++) {
        snprintf(id, sizeof id, "bench-sub-%d-%zu", (int)getpid(), i);
        cs[i].topic = topics[i];
        if (s_open(&cs[i], id, 1, host, port) < 0)
            return 1;
    }
    client_t *pub = &cs[n - 1];
    snprintf(id, sizeof id, "bench-pub-%d", (int)getpid());
    if (s_open(pub, id, 1, host, port) < 0)
        return 1;
    int64_t deadline = s_now_ns() + 30 * 1000000000LL;
    while ((g_subscribed < (long)n_topics || !pub->connected) && s_now_ns() < deadline)
        s_pump(cs, n, pf, 10);
    if (g_subscribed < (long)n_topics) {
        fprintf(stderr, "regio-bench-mqtt: only %ld of %zu subscriptions acknowledged\n", g_subscribed,
                n_topics);
        return 1;
    }

    double *first = calloc((size_t)n_changes, sizeof *first), *all = calloc((size_t)n_changes, sizeof *all);
    size_t n_first = 0, n_all = 0;
    long missing = 0, measured_msgs = 0, measured_expected = 0, measured = 0;
    size_t start = 0;
    for (int c = 0; c < n_changes; c++) {
        size_t end = start;
        long expected = 0;
        while (end < n_lines && msgs[end].change == c)
            expected += msgs[end++].subscribed;
        if (end == start)
            continue;
        int64_t t0 = s_now_ns();
        for (size_t i = start; i < end; i++) {
            int rc = mosquitto_publish(pub->m, NULL, msgs[i].topic, (int)msgs[i].len, msgs[i].payload,
                                       g_qos, false);
            if (rc != MOSQ_ERR_SUCCESS) {
                fprintf(stderr, "regio-bench-mqtt: publish: %s\n", mosquitto_strerror(rc));
                return 1;
            }
        }
        s_flush(pub);
        int64_t until = t0 + (int64_t)timeout_ms * 1000000;
        long got = 0;
        for (;;) {
            got = 0;
            for (size_t i = start; i < end; i++)
                got += msgs[i].subscribed && g_recv[i];
            if (got == expected || s_now_ns() > until)
                break;
            s_pump(cs, n, pf, 1);
        }
        int64_t tf = 0, tl = 0;
        for (size_t i = start; i < end; i++)
            if (msgs[i].subscribed && g_recv[i]) {
                tf = !tf || g_recv[i] < tf ? g_recv[i] : tf;
                tl = g_recv[i] > tl ? g_recv[i] : tl;
            }
        if (c >= warmup) {
            measured++;
            measured_msgs += (long)(end - start);
            measured_expected += expected;
            missing += expected - got;
            if (tf)
                first[n_first++] = (double)(tf - t0) / 1e6;
            if (tl && got == expected)
                all[n_all++] = (double)(tl - t0) / 1e6;
        }
        start = end;
        int64_t pause = s_now_ns() + 20000000; /* as the regio side: 20 ms between changes */
        while (s_now_ns() < pause)
            s_pump(cs, n, pf, 5);
    }
    double m = measured ? (double)measured : 1;
    printf("{\"subscribers\": %zu, \"changes\": %ld, \"qos\": %d, \"first_p50_ms\": %.3f, "
           "\"first_p99_ms\": %.3f, \"all_p50_ms\": %.3f, \"all_p99_ms\": %.3f, "
           "\"messages_per_change_mean\": %.1f, \"concerned_per_change_mean\": %.1f, "
           "\"missing\": %ld, \"bytes_per_message\": %.1f}\n",
           n_topics, measured, g_qos, s_pct(first, n_first, 0.5), s_pct(first, n_first, 0.99),
           s_pct(all, n_all, 0.5), s_pct(all, n_all, 0.99), (double)measured_msgs / m,
           (double)measured_expected / m, missing, (double)bytes / (double)n_lines);
    for (int i = 0; i < n; i++) {
        mosquitto_disconnect(cs[i].m);
        mosquitto_destroy(cs[i].m);
    }
    return missing == 0 ? 0 : 1;
}

/* ---- catch-up ------------------------------------------------------------ */

static int s_catchup(const char *host, int port, const char *topics_path, long count, size_t size,
                     int timeout_ms)
{
    size_t n_topics = 0;
    char **topics = topics_path ? s_read_lines(topics_path, &n_topics) : NULL;
    static char *fallback[] = {"school/s1"};
    if (!n_topics) {
        topics = fallback;
        n_topics = 1;
    }
    char id[64];
    snprintf(id, sizeof id, "bench-catchup-%d", (int)getpid());
    client_t cs[2];
    struct pollfd pf[2];
    memset(cs, 0, sizeof cs);
    client_t *sub = &cs[0], *pub = &cs[1];
    /* 1. the persistent session subscribes, then goes offline */
    sub->topic = "#";
    if (s_open(sub, id, 0, host, port) < 0)
        return 1;
    int64_t deadline = s_now_ns() + 10 * 1000000000LL;
    while (!sub->subscribed && s_now_ns() < deadline)
        s_pump(cs, 1, pf, 10);
    if (!sub->subscribed)
        return 1;
    mosquitto_disconnect(sub->m);
    while (!sub->gone && s_now_ns() < deadline)
        s_pump(cs, 1, pf, 10);
    mosquitto_destroy(sub->m);
    sub->m = NULL;
    /* 2. N messages published while it is away */
    char pid[64];
    snprintf(pid, sizeof pid, "bench-catchup-pub-%d", (int)getpid());
    if (s_open(pub, pid, 1, host, port) < 0)
        return 1;
    while (!pub->connected && s_now_ns() < deadline)
        s_pump(cs, 2, pf, 10);
    unsigned char *payload = calloc(size < 8 ? 8 : size, 1);
    memset(payload + 8, 'x', size > 8 ? size - 8 : 0);
    int64_t tp = s_now_ns();
    for (long i = 0; i < count; i++) {
        uint64_t v = (uint64_t)i;
        memcpy(payload, &v, 8);
        int rc;
        while ((rc = mosquitto_publish(pub->m, NULL, topics[i % (long)n_topics], (int)(size < 8 ? 8 : size),
                                       payload, g_qos, false)) == MOSQ_ERR_NOMEM)
            s_pump(cs, 2, pf, 1);
        if (rc != MOSQ_ERR_SUCCESS)
            return 1;
        if (i % 256 == 255)
            s_pump(cs, 2, pf, 0);
    }
    deadline = s_now_ns() + (int64_t)timeout_ms * 1000000;
    while (g_acked < count && s_now_ns() < deadline)
        s_pump(cs, 2, pf, 5);
    double pub_s = (double)(s_now_ns() - tp) / 1e9;
    /* 3. the session comes back and drains */
    sub->subscribed = 1; /* the session keeps its subscription */
    sub->gone = 0;
    g_received = 0;
    int64_t t0 = s_now_ns();
    if (s_open(sub, id, 0, host, port) < 0)
        return 1;
    deadline = t0 + (int64_t)timeout_ms * 1000000;
    while (g_received < count && s_now_ns() < deadline)
        s_pump(cs, 2, pf, 5);
    double secs = (double)(s_now_ns() - t0) / 1e9;
    printf("{\"events\": %ld, \"published\": %ld, \"publish_per_second\": %.0f, \"seconds\": %.3f, "
           "\"per_second\": %.0f, \"qos\": %d, \"bytes_per_event\": %zu}\n",
           g_received, count, (double)count / pub_s, secs, (double)g_received / secs, g_qos, size);
    mosquitto_disconnect(sub->m);
    mosquitto_disconnect(pub->m);
    return g_received == count ? 0 : 1;
}

int main(int argc, char **argv)
{
    const char *host = "127.0.0.1", *topics = NULL, *changes = NULL;
    int port = 1883, warmup = 3, timeout_ms = 10000;
    long count = 100000;
    size_t size = 108;
    if (argc < 2) {
        fprintf(stderr, "usage: regio-bench-mqtt latency|catchup --port P --topics F [--changes F] ...\n");
        return 2;
    }
    for (int i = 2; i + 1 < argc; i += 2) {
        const char *a = argv[i], *v = argv[i + 1];
        if (!strcmp(a, "--host")) host = v;
        else if (!strcmp(a, "--port")) port = atoi(v);
        else if (!strcmp(a, "--topics")) topics = v;
        else if (!strcmp(a, "--changes")) changes = v;
        else if (!strcmp(a, "--warmup")) warmup = atoi(v);
        else if (!strcmp(a, "--qos")) g_qos = atoi(v);
        else if (!strcmp(a, "--timeout-ms")) timeout_ms = atoi(v);
        else if (!strcmp(a, "--count")) count = atol(v);
        else if (!strcmp(a, "--size")) size = (size_t)atol(v);
        else {
            fprintf(stderr, "regio-bench-mqtt: unknown option %s\n", a);
            return 2;
        }
    }
    mosquitto_lib_init();
    int rc = 2;
    if (!strcmp(argv[1], "latency") && topics && changes)
        rc = s_latency(host, port, topics, changes, warmup, timeout_ms);
    else if (!strcmp(argv[1], "catchup"))
        rc = s_catchup(host, port, topics, count, size, timeout_ms < 60000 ? 120000 : timeout_ms);
    else
        fprintf(stderr, "regio-bench-mqtt: latency needs --topics and --changes\n");
    mosquitto_lib_cleanup();
    return rc;
}
