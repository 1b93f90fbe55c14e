/* fuzz_seeds - write the seed corpus: fuzz_seeds DIR fills DIR/<target>/.
 *
 * Seeds are the tiny example (tests/fuzz/fuzz_env.c): the instance, its
 * solution and a change for the rpp targets, and for each service every
 * request kind it handles, as packed envelopes, and all of them as one
 * batch input (fuzz_env.h). Regenerate with
 *   build-fuzz/fuzz/fuzz_seeds tests/fuzz/corpus
 * (files of the same name are overwritten; crash reproducers stay).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "fuzz_env.h"

static int s_write(const char *dir, const char *target, const char *name, const void *data,
                   size_t len)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/%s", dir, target);
    if (mkdir(path, 0755) < 0 && errno != EEXIST) {
        perror(path);
        return -1;
    }
    snprintf(path, sizeof path, "%s/%s/%s", dir, target, name);
    FILE *f = fopen(path, "wb");
    if (!f || fwrite(data, 1, len, f) != len || fclose(f) != 0) {
        perror(path);
        return -1;
    }
    return 0;
}

static int s_text(const char *dir, const char *target, const char *name, const char *text)
{
    return s_write(dir, target, name, text, strlen(text));
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: fuzz_seeds DIR\n");
        return 2;
    }
    const char *dir = argv[1];
    if (mkdir(dir, 0755) < 0 && errno != EEXIST) {
        perror(dir);
        return 1;
    }
    int rc = 0;
    rc |= s_text(dir, "fuzz_rpp_instance", "tiny-1.json", fuzz_tiny_json);
    rc |= s_text(dir, "fuzz_rpp_instance", "minimal.json",
                 "{\"format\": \"rpp-1\", \"periods\": [], \"partners\": [], \"offerings\": [], "
                 "\"learners\": []}");
    rc |= s_text(dir, "fuzz_rpp_solution", "tiny-1.solution.json", fuzz_tiny_solution_json);
    rc |= s_text(dir, "fuzz_rpp_solution", "empty.json",
                 "{\"format\": \"rpp-1-solution\", \"placements\": []}");
    rc |= s_text(dir, "fuzz_rpp_change", "change.json", fuzz_tiny_change_json);
    rc |= s_text(dir, "fuzz_rpp_change", "empty.json", "{\"format\": \"rpp-1-change\"}");
    /* fuzz_config: the first byte picks the table (0 registry, 1 capacity, 2 notifier, 3 planner) */
    static const char reg_conf[] = "\x00# registry\nrouter tcp://127.0.0.1:7401\ndb var/registry\n"
                                   "map-mb 64\nlog-level info  # inline comment\n";
    static const char plan_conf[] = "\x03seconds 0.5\nauto-replan no\nw-km 0.5\nengine lns\n";
    static const char notif_conf[] = "\x02retain-max 100\n\tpub-hwm  5 \r\n";
    rc |= s_write(dir, "fuzz_config", "registry.conf", reg_conf, sizeof reg_conf - 1);
    rc |= s_write(dir, "fuzz_config", "planner.conf", plan_conf, sizeof plan_conf - 1);
    rc |= s_write(dir, "fuzz_config", "notifier.conf", notif_conf, sizeof notif_conf - 1);
    for (int svc = 0; svc < FUZZ_N_SERVICES; svc++) {
        char target[64];
        fuzz_frames_t f = {0};
        snprintf(target, sizeof target, "fuzz_%s", fuzz_service_names[svc]);
        if (fuzz_env_requests((fuzz_service_t)svc, 0, &f) < 0) {
            fprintf(stderr, "out of memory\n");
            return 1;
        }
        for (size_t i = 0; i < f.n; i++)
            rc |= s_write(dir, target, f.v[i].name, f.v[i].data, f.v[i].len);
        /* all of them (the first FUZZ_BATCH_MAX that fit) in one batch */
        const uint8_t *frame[64];
        size_t len[64], n = f.n < 64 ? f.n : 64;
        uint8_t batch[FUZZ_BATCH_MAX * 256 + 1];
        for (size_t i = 0; i < n; i++) {
            frame[i] = f.v[i].data;
            len[i] = f.v[i].len;
        }
        size_t bn = fuzz_batch_join(frame, len, n, batch, sizeof batch);
        if (bn > 0)
            rc |= s_write(dir, target, "batch_all", batch, bn);
        fuzz_frames_free(&f);
    }
    return rc ? 1 : 0;
}
