/* regio-load - company systems under load: many availability updates, acked.
 *
 *   regio-load --instance REGION.json --updates N [--clients K] [--window W] [--batch B]
 *              [--capacity EP] [--run ID] [--expect OUT.json] [--acks OUT.txt] [--timeout-s T]
 *
 * Update i goes to key i % keys (keys = the instance's offerings x periods)
 * with version base + i / keys and seats derived from i: versions are unix
 * milliseconds like every client's (capacity.proto), base is the start time,
 * and each round over the keys adds 1 ms, so a run of N updates reaches N /
 * keys ms ahead of its start (the service refuses versions more than its
 * version-skew-ms ahead). It exits only once the clock has passed its
 * newest version, so any client's next update (versions from the clock)
 * wins over the run's. Key k belongs to client
 * k % K, and a client keeps at most one update per key in flight, as a
 * company system would, so versions of a key arrive in order even across
 * resends. Updates travel B to a message (CapacityUpdates; 1 = one
 * CapacityUpdate per message). Prints throughput and ack latency; --acks writes one line per
 * final answer: update_id, status (0 applied, 1 duplicate, <0 refused), the service's seq of
 * it, version, offering, period and the seats sent; --expect writes the state the
 * capacity service must end up with. Exit 0 when every update was applied
 * (now or, after a lost ack, before), 1 otherwise.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <zmq.h>

#include "regio/error.h"
#include "regio/ingest.h"
#include "regio/limits.h"
#include "regio/rpp_json.h"

typedef struct {
    const regio_rpp_t *r;
    const char *endpoint, *run;
    void *zctx;            /* shared by all clients of this process */
    const regio_curve_t *curve; /* own keys and the capacity service's */
    int id, clients, window, batch, timeout_s;
    long updates;
    uint64_t base;
    unsigned char *open;   /* per key: an update in flight */
    int64_t *lat;          /* latencies of this client's updates */
    long n_lat;
    regio_ingest_stats_t st;
    int rc;
    FILE *acks;            /* --acks, shared (stdio locks each fprintf), or NULL */
} client_t;

static long s_keys(const regio_rpp_t *r)
{
    return (long)r->n_offerings * r->n_periods;
}

/* Version of update i: a key's updates are one round of the keys apart. */
static uint64_t s_version(uint64_t base, long i, long keys)
{
    return base + (uint64_t)(i / keys);
}

static void s_seats(long i, uint32_t out[10])
{
    for (int t = 0; t < 10; t++)
        out[t] = (uint32_t)((i * 7 + t * 3) % 5);
}

static void s_on_result(void *arg, const char *update_id, int status, uint64_t version,
                        uint64_t seq, int64_t latency_us, const char *reason)
{
    client_t *c = arg;
    long i = atol(strrchr(update_id, '-') + 1), key = i % s_keys(c->r);
    if (c->acks) {
        uint32_t s[10];
        s_seats(i, s);
        fprintf(c->acks, "%s %d %llu %llu %s %s %u,%u,%u,%u,%u,%u,%u,%u,%u,%u\n", update_id, status,
                (unsigned long long)seq, (unsigned long long)version,
                c->r->offerings[key / c->r->n_periods].id, c->r->periods[key % c->r->n_periods].id,
                s[0], s[1], s[2], s[3], s[4], s[5], s[6], s[7], s[8], s[9]);
    }
    c->open[key] = 0;
    c->lat[c->n_lat++] = latency_us;
    if (status < 0 && c->st.failed++ < 3) /* the first few say why; the summary counts */
        fprintf(stderr, "regio-load: %s refused: %s (%s)\n", update_id, reason,
                regio_strerror(status));
}

static void *s_run(void *arg)
{
    client_t *c = arg;
    regio_ingest_opts_t o = {.endpoint = c->endpoint, .window = c->window, .resend_ms = 1000,
                             .max_backoff_ms = 1000, .batch = c->batch, .on_result = s_on_result,
                             .arg = c, .zctx = c->zctx, .curve = *c->curve};
    regio_ingest_t *in = regio_ingest_new(&o);
    if (!in) {
        c->rc = -1;
        return NULL;
    }
    long keys = s_keys(c->r);
    for (long i = 0; i < c->updates && c->rc == 0; i++) {
        long key = i % keys;
        if (key % c->clients != c->id)
            continue;
        while (c->open[key] && regio_ingest_open(in) > 0)
            regio_ingest_flush(in, 2); /* one update per key in flight */
        const regio_rpp_offering_t *off = &c->r->offerings[key / c->r->n_periods];
        const char *period = c->r->periods[key % c->r->n_periods].id;
        char id[96];
        uint32_t seats[10];
        snprintf(id, sizeof id, "%s-%ld", c->run, i);
        s_seats(i, seats);
        c->open[key] = 1;
        c->rc = regio_ingest_update(in, id, off->id, period, seats, s_version(c->base, i, keys),
                                    c->timeout_s * 1000);
    }
    if (c->rc == 0)
        c->rc = regio_ingest_flush(in, c->timeout_s * 1000);
    c->st = regio_ingest_stats(in);
    regio_ingest_destroy(&in);
    return NULL;
}

/* Sleep until the wall clock (unix ms) is past version. */
static void s_wait_past(uint64_t version)
{
    struct timespec now;
    clock_gettime(CLOCK_REALTIME, &now);
    uint64_t ms = (uint64_t)now.tv_sec * 1000 + (uint64_t)now.tv_nsec / 1000000;
    if (ms <= version) {
        struct timespec d = {(time_t)((version - ms + 1) / 1000),
                             (long)((version - ms + 1) % 1000) * 1000000L};
        nanosleep(&d, NULL);
    }
}

static int s_cmp(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return (x > y) - (x < y);
}

static void s_write_expect(const char *path, const regio_rpp_t *r, long updates, uint64_t base)
{
    FILE *f = fopen(path, "w");
    if (!f)
        return;
    long keys = s_keys(r);
    fprintf(f, "{\"updates\": %ld, \"rows\": {", updates);
    for (long k = 0, first = 1; k < keys && k < updates; k++) {
        long last = k + ((updates - 1 - k) / keys) * keys;
        uint32_t s[10];
        s_seats(last, s);
        fprintf(f, "%s\"%s|%s\": {\"version\": %llu, \"seats\": [%u,%u,%u,%u,%u,%u,%u,%u,%u,%u]}",
                first ? "" : ", ", r->offerings[k / r->n_periods].id,
                r->periods[k % r->n_periods].id, (unsigned long long)s_version(base, last, keys),
                s[0], s[1], s[2], s[3], s[4], s[5], s[6], s[7], s[8], s[9]);
        first = 0;
    }
    fprintf(f, "}}\n");
    fclose(f);
}

int main(int argc, char **argv)
{
    const char *inst = NULL, *ep = getenv("REGIO_CAPACITY"), *run = "load", *expect = NULL;
    const char *acks_path = NULL;
    long updates = 100000;
    int clients = 1, window = 1000, batch = 64, timeout_s = 300;
    const char *keys = getenv("REGIO_KEYS"), *key = getenv("REGIO_KEY"), *ins = getenv("REGIO_INSECURE");
    int insecure = ins && strcmp(ins, "1") == 0;
    for (int i = 1; i < argc && !strcmp(argv[i], "--insecure"); i++) {
        insecure = 1; /* a leading --insecure: plain ZeroMQ */
        argv[i] = argv[0];
        argv++, argc--;
    }
    for (int i = 1; i + 1 < argc; i += 2) {
        if (!strcmp(argv[i], "--instance")) inst = argv[i + 1];
        else if (!strcmp(argv[i], "--keys")) keys = argv[i + 1];
        else if (!strcmp(argv[i], "--key")) key = argv[i + 1];
        else if (!strcmp(argv[i], "--capacity")) ep = argv[i + 1];
        else if (!strcmp(argv[i], "--updates")) updates = atol(argv[i + 1]);
        else if (!strcmp(argv[i], "--clients")) clients = atoi(argv[i + 1]);
        else if (!strcmp(argv[i], "--window")) window = atoi(argv[i + 1]);
        else if (!strcmp(argv[i], "--batch")) batch = atoi(argv[i + 1]);
        else if (!strcmp(argv[i], "--run")) run = argv[i + 1];
        else if (!strcmp(argv[i], "--expect")) expect = argv[i + 1];
        else if (!strcmp(argv[i], "--acks")) acks_path = argv[i + 1];
        else if (!strcmp(argv[i], "--timeout-s")) timeout_s = atoi(argv[i + 1]);
        else {
            fprintf(stderr, "regio-load: unknown option %s\n", argv[i]);
            return 2;
        }
    }
    if (!inst || updates < 1 || clients < 1 || clients > 1024 || window < 1 || batch < 1 ||
        batch > REGIO_MAX_CAPACITY_UPDATES) {
        fprintf(stderr, "usage: regio-load [--insecure] --instance REGION.json --updates N "
                        "[--clients K] [--window W] [--batch B] [--capacity EP] [--run ID] "
                        "[--expect OUT.json] [--acks OUT.txt] [--keys DIR] [--key FILE]\n");
        return 2;
    }
    regio_keypair_t kp;
    char server[REGIO_KEY_TEXT + 1], kerr[1024];
    regio_curve_t curve = {insecure ? NULL : &kp, server, NULL};
    if (!insecure && regio_keys_client(keys && keys[0] ? keys : "var/keys", key, "capacity", &kp,
                                       server, kerr, sizeof kerr) < 0) {
        fprintf(stderr, "regio-load: %s (REGIO_KEYS/--keys, REGIO_KEY/--key, or --insecure)\n", kerr);
        return 2;
    }
    char err[256];
    regio_rpp_t *r = NULL;
    if (regio_rpp_json_load(inst, &r, err, sizeof err) < 0 || s_keys(r) == 0) {
        fprintf(stderr, "regio-load: %s: %s\n", inst, r ? "no offerings" : err);
        return 2;
    }
    struct timespec t0, t1;
    clock_gettime(CLOCK_REALTIME, &t0);
    uint64_t base = (uint64_t)t0.tv_sec * 1000 + (uint64_t)t0.tv_nsec / 1000000; /* later runs: newer */
    unsigned char *open = calloc((size_t)s_keys(r), 1);
    client_t *cs = calloc((size_t)clients, sizeof *cs);
    pthread_t *th = calloc((size_t)clients, sizeof *th);
    void *zctx = zmq_ctx_new();
    FILE *acks = acks_path ? fopen(acks_path, "w") : NULL;
    if (acks_path && !acks) {
        fprintf(stderr, "regio-load: %s: cannot write\n", acks_path);
        return 2;
    }
    for (int k = 0; k < clients; k++) {
        cs[k] = (client_t){r, ep ? ep : "tcp://127.0.0.1:7411", run, zctx, &curve, k, clients, window, batch,
                           timeout_s, updates, base, open, malloc(sizeof(int64_t) * (size_t)updates),
                           0, {0}, 0, acks};
        pthread_create(&th[k], NULL, s_run, &cs[k]);
    }
    regio_ingest_stats_t st = {0};
    int failed = 0;
    int64_t *lat = malloc(sizeof *lat * (size_t)updates);
    long n_lat = 0;
    for (int k = 0; k < clients; k++) {
        pthread_join(th[k], NULL);
        failed |= cs[k].rc != 0;
        st.sent += cs[k].st.sent, st.applied += cs[k].st.applied;
        st.duplicates += cs[k].st.duplicates, st.failed += cs[k].st.failed;
        st.resent += cs[k].st.resent, st.busy += cs[k].st.busy;
        memcpy(lat + n_lat, cs[k].lat, sizeof *lat * (size_t)cs[k].n_lat);
        n_lat += cs[k].n_lat;
        free(cs[k].lat);
    }
    clock_gettime(CLOCK_REALTIME, &t1);
    s_wait_past(s_version(base, updates - 1, s_keys(r)));
    double secs = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
    qsort(lat, (size_t)n_lat, sizeof *lat, s_cmp);
    printf("{\"updates\": %ld, \"clients\": %d, \"seconds\": %.3f, \"per_second\": %.0f, "
           "\"applied\": %llu, \"duplicates\": %llu, \"failed\": %llu, \"resent\": %llu, "
           "\"busy\": %llu, \"p50_ms\": %.3f, \"p99_ms\": %.3f}\n",
           updates, clients, secs, (double)updates / secs, (unsigned long long)st.applied,
           (unsigned long long)st.duplicates, (unsigned long long)st.failed,
           (unsigned long long)st.resent, (unsigned long long)st.busy,
           n_lat ? (double)lat[n_lat / 2] / 1000.0 : 0, n_lat ? (double)lat[n_lat * 99 / 100] / 1000.0 : 0);
    if (expect)
        s_write_expect(expect, r, updates, base);
    if (acks)
        fclose(acks);
    int ok = !failed && st.failed == 0 && (long)(st.applied + st.duplicates) == updates;
    free(lat);
    free(open);
    free(cs);
    free(th);
    zmq_ctx_term(zctx);
    regio_rpp_destroy(&r);
    return ok ? 0 : 1;
}
