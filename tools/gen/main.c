/* regio-gen - write a synthetic rpp-1 region instance (see gen.h). */
#include "gen.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char s_usage[] =
    "usage: regio-gen --learners N --seed S [--periods 4] [--weeks 10] [--name NAME]\n"
    "                 [--out FILE] [--summary]\n"
    "Writes an rpp-1 instance to stdout (or FILE). Same N and seed, same bytes.\n"
    "--summary prints what was generated as key=value lines on stderr.\n";

/* A decimal integer in 0..max, nothing else (no sign, no trailing text). */
static int s_parse_u64(const char *s, uint64_t max, uint64_t *out)
{
    char *end;
    unsigned long long v;
    if (*s < '0' || *s > '9')
        return -1;
    errno = 0;
    v = strtoull(s, &end, 10);
    if (errno || *end || v > max)
        return -1;
    *out = v;
    return 0;
}

static int s_usage_error(const char *what, const char *arg)
{
    fprintf(stderr, "regio-gen: %s%s (try --help)\n", what, arg ? arg : "");
    return 2;
}

int main(int argc, char **argv)
{
    regio_gen_params_t prm;
    regio_gen_stats_t st;
    const char *out_path = NULL, *why = NULL;
    int have_n = 0, have_seed = 0, summary = 0, rc;
    FILE *out = stdout;

    regio_gen_params_init(&prm);
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        uint64_t x = 0;
        if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
            fputs(s_usage, stdout);
            return 0;
        }
        if (!strcmp(a, "--summary")) {
            summary = 1;
            continue;
        }
        if (strcmp(a, "--learners") && strcmp(a, "--seed") && strcmp(a, "--periods") && strcmp(a, "--weeks") &&
            strcmp(a, "--name") && strcmp(a, "--out"))
            return s_usage_error("unknown argument ", a);
        if (!v)
            return s_usage_error("missing value after ", a);
        i++;
        if (!strcmp(a, "--name")) {
            prm.name = v;
        } else if (!strcmp(a, "--out")) {
            out_path = v;
        } else if (!strcmp(a, "--seed")) {
            if (s_parse_u64(v, UINT64_MAX, &x))
                return s_usage_error("--seed must be an unsigned 64-bit integer, got ", v);
            prm.seed = x;
            have_seed = 1;
        } else if (s_parse_u64(v, UINT32_MAX, &x)) {
            fprintf(stderr, "regio-gen: %s must be a positive integer, got %s (try --help)\n", a, v);
            return 2;
        } else if (!strcmp(a, "--learners")) {
            prm.learners = (uint32_t)x;
            have_n = 1;
        } else if (!strcmp(a, "--periods")) {
            prm.periods = (uint32_t)x;
        } else {
            prm.weeks = (uint32_t)x;
        }
    }
    if (!have_n)
        return s_usage_error("--learners is required", NULL);
    if (!have_seed)
        return s_usage_error("--seed is required", NULL);
    if (regio_gen_params_check(&prm, &why))
        return s_usage_error(why, NULL);

    if (out_path && !(out = fopen(out_path, "w"))) {
        fprintf(stderr, "regio-gen: cannot open %s: %s\n", out_path, strerror(errno));
        return 1;
    }
    setvbuf(out, NULL, _IOFBF, 1 << 20);
    rc = regio_gen_write(&prm, out, &st);
    if ((out == stdout ? fflush(out) : fclose(out)) && !rc)
        rc = -EIO;
    if (rc) {
        fprintf(stderr, "regio-gen: %s\n", rc == -EIO ? "write failed" : strerror(-rc));
        return 1;
    }
    if (summary)
        regio_gen_stats_write(&st, prm.periods, stderr);
    return 0;
}
