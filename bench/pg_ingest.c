/* pg_ingest - the PostgreSQL side of bench/ingest.sh, batched as a team that
 * builds availability ingest on a database would write it.
 *
 *   regio-bench-pg --conninfo "host=... port=... user=... dbname=..." --keys KEYS.csv
 *                  [--clients K] [--batch B] [--seconds S]
 *
 * KEYS.csv holds "k,offering,period" lines (the keys regio-load updates).
 * K threads, one connection each; client c owns the keys k with k % K == c
 * (as regio-load's clients do, and as company systems own their offerings),
 * so concurrent transactions never wait on each other's row locks. Each
 * transaction is ONE statement in autocommit (one durable commit, fsync=on,
 * synchronous_commit=on on the server) carrying B updates as arrays:
 *
 *   - every update_id is recorded in `updates` (ON CONFLICT DO NOTHING: a
 *     retried id is a duplicate and changes nothing), as the capacity
 *     service's dedup table;
 *   - of the new ids, the newest version per (offering, period) is upserted
 *     into `availability` unless a version at least as new is stored (the
 *     version rule), in key order so that transactions lock rows in one
 *     order;
 *   - RETURNING tells the client which keys took its update.
 *
 * Update ids are "pg-<run>-<client>-<n>", versions rise per client, seats
 * come from the update number. Runs for S seconds; prints one JSON line:
 * transactions, updates, rows_written (availability rows changed: the
 * newest update per key of a batch), updates per second and p50/p99 of the commit
 * latency (send to result: every update of a transaction waits that long).
 * Exit 0 when every transaction succeeded, 1 otherwise.
 */
#include <libpq-fe.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define NAME_MAX_LEN 64
#define SLOTS 10

static const char *const s_sql =
    "WITH b AS (SELECT u.id, u.offering, u.period, u.seats::int[] AS seats, u.version"
    "  FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::bigint[])"
    "    AS u(id, offering, period, seats, version)),"
    " fresh AS (INSERT INTO updates (update_id, version) SELECT id, version FROM b"
    "  ON CONFLICT (update_id) DO NOTHING RETURNING update_id),"
    " newest AS (SELECT DISTINCT ON (b.offering, b.period) b.* FROM b"
    "  JOIN fresh ON fresh.update_id = b.id ORDER BY b.offering, b.period, b.version DESC)"
    " INSERT INTO availability AS a (offering, period, seats, version)"
    "  SELECT offering, period, seats, version FROM newest ORDER BY offering, period"
    " ON CONFLICT (offering, period) DO UPDATE SET seats = excluded.seats, version = excluded.version"
    "  WHERE a.version < excluded.version"
    " RETURNING a.offering, a.period";

typedef struct {
    char offering[NAME_MAX_LEN], period[NAME_MAX_LEN];
} row_key_t;

typedef struct {
    const char *conninfo;
    const row_key_t *keys;
    long n_keys;
    int id, clients, batch;
    double seconds;
    uint64_t base;   /* first version of this run */
    long txns, updates, rows; /* rows: availability rows the statements changed */
    double *lat_ms;  /* one per transaction, grown as needed */
    long n_lat, cap_lat;
    int rc;
} client_t;

static double s_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* The keys file, "k,offering,period" a line, in k order. */
static row_key_t *s_read_keys(const char *path, long *n)
{
    FILE *f = fopen(path, "r");
    if (!f)
        return NULL;
    row_key_t *v = NULL;
    long cap = 0, k;
    char o[NAME_MAX_LEN], p[NAME_MAX_LEN];
    *n = 0;
    while (fscanf(f, "%ld,%63[^,],%63[^\n]\n", &k, o, p) == 3) {
        if (*n == cap) {
            row_key_t *nv = realloc(v, sizeof *v * (size_t)(cap = cap ? cap * 2 : 4096));
            if (!nv)
                break;
            v = nv;
        }
        snprintf(v[*n].offering, NAME_MAX_LEN, "%s", o);
        snprintf(v[*n].period, NAME_MAX_LEN, "%s", p);
        (*n)++;
    }
    fclose(f);
    return v;
}

/* Append one array element (quoted: ids and names are plain [A-Za-z0-9_-]). */
static char *s_put(char *w, const char *text, int first)
{
    if (!first)
        *w++ = ',';
    *w++ = '"';
    w = stpcpy(w, text);
    *w++ = '"';
    return w;
}

/* Array literals of one transaction's B updates: update n of this client
 * goes to its (n % owned)-th own key. */
static void s_fill(client_t *c, long first, char *arr[5])
{
    char *w[5], tmp[96];
    for (int a = 0; a < 5; a++)
        *(w[a] = arr[a]) = '{', w[a]++;
    long owned = (c->n_keys - c->id + c->clients - 1) / c->clients;
    for (int i = 0; i < c->batch; i++) {
        long n = first + i;
        const row_key_t *k = &c->keys[c->id + (n % owned) * c->clients];
        snprintf(tmp, sizeof tmp, "pg-%llu-%d-%ld", (unsigned long long)c->base, c->id, n);
        w[0] = s_put(w[0], tmp, i == 0);
        w[1] = s_put(w[1], k->offering, i == 0);
        w[2] = s_put(w[2], k->period, i == 0);
        char *s = tmp;
        for (int t = 0; t < SLOTS; t++)
            s += sprintf(s, "%s%ld", t ? "," : "{", (n * 7 + t * 3) % 5);
        strcpy(s, "}");
        w[3] = s_put(w[3], tmp, i == 0);
        snprintf(tmp, sizeof tmp, "%llu", (unsigned long long)(c->base + (uint64_t)n));
        w[4] = s_put(w[4], tmp, i == 0);
    }
    for (int a = 0; a < 5; a++)
        strcpy(w[a], "}");
}

static int s_record(client_t *c, double ms)
{
    if (c->n_lat == c->cap_lat) {
        long cap = c->cap_lat ? c->cap_lat * 2 : 4096;
        double *v = realloc(c->lat_ms, sizeof *v * (size_t)cap);
        if (!v)
            return -1;
        c->lat_ms = v, c->cap_lat = cap;
    }
    c->lat_ms[c->n_lat++] = ms;
    return 0;
}

static void *s_run(void *arg)
{
    client_t *c = arg;
    PGconn *db = PQconnectdb(c->conninfo);
    size_t per = (size_t)c->batch * 96 + 16;
    char *arr[5];
    for (int a = 0; a < 5; a++)
        arr[a] = malloc(per);
    PGresult *r = PQstatus(db) == CONNECTION_OK ? PQprepare(db, "up", s_sql, 5, NULL) : NULL;
    if (!r || PQresultStatus(r) != PGRES_COMMAND_OK) {
        fprintf(stderr, "regio-bench-pg: client %d: %s", c->id, PQerrorMessage(db));
        c->rc = 1;
    }
    PQclear(r);
    double end = s_now() + c->seconds;
    for (long n = 0; c->rc == 0 && s_now() < end; n += c->batch) {
        s_fill(c, n, arr);
        double t0 = s_now();
        r = PQexecPrepared(db, "up", 5, (const char *const *)arr, NULL, NULL, 0);
        if (PQresultStatus(r) != PGRES_TUPLES_OK) {
            fprintf(stderr, "regio-bench-pg: client %d: %s", c->id, PQresultErrorMessage(r));
            c->rc = 1;
        } else {
            c->txns++, c->updates += c->batch, c->rows += PQntuples(r);
            c->rc = s_record(c, (s_now() - t0) * 1000.0) ? 1 : 0;
        }
        PQclear(r);
    }
    for (int a = 0; a < 5; a++)
        free(arr[a]);
    PQfinish(db);
    return NULL;
}

static int s_cmp(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static int s_usage(void)
{
    fprintf(stderr, "usage: regio-bench-pg --conninfo STR --keys KEYS.csv [--clients K] "
                    "[--batch B] [--seconds S]\n");
    return 2;
}

int main(int argc, char **argv)
{
    const char *conninfo = NULL, *keys_path = NULL;
    int clients = 1, batch = 100;
    double seconds = 10;
    for (int i = 1; i + 1 < argc; i += 2) {
        if (!strcmp(argv[i], "--conninfo")) conninfo = argv[i + 1];
        else if (!strcmp(argv[i], "--keys")) keys_path = argv[i + 1];
        else if (!strcmp(argv[i], "--clients")) clients = atoi(argv[i + 1]);
        else if (!strcmp(argv[i], "--batch")) batch = atoi(argv[i + 1]);
        else if (!strcmp(argv[i], "--seconds")) seconds = atof(argv[i + 1]);
        else return s_usage();
    }
    long n_keys = 0;
    row_key_t *keys = keys_path ? s_read_keys(keys_path, &n_keys) : NULL;
    if (!conninfo || !keys || clients < 1 || clients > 256 || n_keys < clients || batch < 1 ||
        batch > 100000 || seconds <= 0)
        return s_usage();
    struct timespec now;
    clock_gettime(CLOCK_REALTIME, &now);
    uint64_t base = (uint64_t)now.tv_sec * 1000000000ull + (uint64_t)now.tv_nsec; /* later runs: newer */
    client_t *cs = calloc((size_t)clients, sizeof *cs);
    pthread_t *th = calloc((size_t)clients, sizeof *th);
    double t0 = s_now();
    for (int k = 0; k < clients; k++) {
        cs[k] = (client_t){.conninfo = conninfo, .keys = keys, .n_keys = n_keys, .id = k,
                           .clients = clients, .batch = batch, .seconds = seconds, .base = base};
        pthread_create(&th[k], NULL, s_run, &cs[k]);
    }
    long txns = 0, updates = 0, rows = 0, n_lat = 0;
    int rc = 0;
    for (int k = 0; k < clients; k++) {
        pthread_join(th[k], NULL);
        txns += cs[k].txns, updates += cs[k].updates, rows += cs[k].rows;
        n_lat += cs[k].n_lat;
        rc |= cs[k].rc;
    }
    double secs = s_now() - t0;
    double *lat = malloc(sizeof *lat * (size_t)(n_lat ? n_lat : 1));
    for (long k = 0, at = 0; k < clients; at += cs[k].n_lat, k++) {
        memcpy(lat + at, cs[k].lat_ms, sizeof *lat * (size_t)cs[k].n_lat);
        free(cs[k].lat_ms);
    }
    qsort(lat, (size_t)n_lat, sizeof *lat, s_cmp);
    printf("{\"clients\": %d, \"batch\": %d, \"seconds\": %.3f, \"transactions\": %ld, "
           "\"updates\": %ld, \"rows_written\": %ld, \"per_second\": %.0f, \"p50_ms\": %.3f, "
           "\"p99_ms\": %.3f}\n",
           clients, batch, secs, txns, updates, rows, (double)updates / secs,
           n_lat ? lat[n_lat / 2] : 0.0, n_lat ? lat[n_lat * 99 / 100] : 0.0);
    free(lat);
    free(keys);
    free(cs);
    free(th);
    return rc ? 1 : 0;
}
