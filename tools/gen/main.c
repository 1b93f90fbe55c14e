/* regio-gen - write a synthetic rpp-1 or rpp-2 region instance (gen.h, decide.h). */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "decide.h"
#include "gen.h"
#include "regio/error.h"
#include "regio/rpp.h"
#include "regio/rpp_json.h"

#define S_START "2026-08-31" /* the first Monday of a school year, for dated periods */

static const char s_usage[] =
    "usage: regio-gen --learners N --seed S [--periods 4] [--weeks 10] [--name NAME]\n"
    "                 [--pins F] [--forbidden F] [--reserved F] [--start YYYY-MM-DD]\n"
    "                 [--out FILE] [--summary]\n"
    "Writes an rpp-1 instance to stdout (or FILE). Same arguments, same bytes.\n"
    "Any of --pins, --forbidden, --reserved or --start makes it rpp-2: dated periods\n"
    "(from --start, a Monday; default " S_START "), pins on a share F of a feasible\n"
    "plan's placements, a share F of learners declining one pairing they could take,\n"
    "and a share F of offerings holding half their seats for one school.\n"
    "--summary prints what was generated as key=value lines on stderr.\n";

typedef struct {
    regio_gen_params_t prm;
    regio_gen_decide_params_t dp;
    const char *out_path;
    int have_n, have_seed, summary, v2;
} s_args_t;

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

/* A share 0..1, nothing else. */
static int s_parse_share(const char *s, double *out)
{
    char *end;
    errno = 0;
    double v = strtod(s, &end);
    if (errno || end == s || *end || !(v >= 0.0 && v <= 1.0))
        return -1;
    *out = v;
    return 0;
}

static int s_usage_error(const char *what, const char *arg)
{
    fprintf(stderr, "regio-gen: %s%s (try --help)\n", what, arg ? arg : "");
    return 2;
}

static int s_known(const char *opt)
{
    static const char *const known[] = {"--learners", "--seed", "--periods", "--weeks",
                                        "--name", "--out", "--pins", "--forbidden",
                                        "--reserved", "--start"};
    for (size_t i = 0; i < sizeof known / sizeof known[0]; i++)
        if (!strcmp(opt, known[i]))
            return 1;
    return 0;
}

/* One option with its value v; returns 0 or an exit status. */
static int s_option(s_args_t *a, const char *opt, const char *v)
{
    uint64_t x = 0;
    double *share = !strcmp(opt, "--pins")        ? &a->dp.pins
                    : !strcmp(opt, "--forbidden") ? &a->dp.forbidden
                    : !strcmp(opt, "--reserved")  ? &a->dp.reserved
                                                  : NULL;
    if (share) {
        a->v2 = 1;
        return s_parse_share(v, share) ? s_usage_error("a share from 0 to 1, got ", v) : 0;
    }
    if (!strcmp(opt, "--start")) {
        a->v2 = 1;
        return regio_rpp_date_parse(v, &a->prm.start) ? s_usage_error("not a date: ", v) : 0;
    }
    if (!strcmp(opt, "--name") || !strcmp(opt, "--out")) {
        *(!strcmp(opt, "--name") ? &a->prm.name : &a->out_path) = v;
        return 0;
    }
    if (!strcmp(opt, "--seed")) {
        a->have_seed = 1;
        return s_parse_u64(v, UINT64_MAX, &a->prm.seed)
                   ? s_usage_error("--seed must be an unsigned 64-bit integer, got ", v)
                   : 0;
    }
    if (s_parse_u64(v, UINT32_MAX, &x)) {
        fprintf(stderr, "regio-gen: %s must be a positive integer, got %s (try --help)\n", opt, v);
        return 2;
    }
    a->have_n |= !strcmp(opt, "--learners");
    *(!strcmp(opt, "--learners") ? &a->prm.learners
      : !strcmp(opt, "--periods") ? &a->prm.periods
                                  : &a->prm.weeks) = (uint32_t)x;
    return 0;
}

/* Parse the command line; returns -1 to stop with status 0 (--help), 0, or a status. */
static int s_args(s_args_t *a, int argc, char **argv)
{
    const char *why = NULL;
    memset(a, 0, sizeof *a);
    regio_gen_params_init(&a->prm);
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
            fputs(s_usage, stdout);
            return -1;
        }
        if (!strcmp(argv[i], "--summary")) {
            a->summary = 1;
            continue;
        }
        if (!s_known(argv[i]))
            return s_usage_error("unknown argument ", argv[i]);
        if (i + 1 >= argc)
            return s_usage_error("missing value after ", argv[i]);
        int rc = s_option(a, argv[i], argv[i + 1]);
        if (rc)
            return rc;
        i++;
    }
    if (!a->have_n)
        return s_usage_error("--learners is required", NULL);
    if (!a->have_seed)
        return s_usage_error("--seed is required", NULL);
    if (a->v2 && a->prm.start == REGIO_RPP_NO_DATE)
        regio_rpp_date_parse(S_START, &a->prm.start);
    a->dp.seed = a->prm.seed;
    if (regio_gen_params_check(&a->prm, &why))
        return s_usage_error(why, NULL);
    return 0;
}

/* The region as rpp-2: generated, read back, decided on, written. */
static int s_write_v2(const s_args_t *a, FILE *out, regio_gen_stats_t *st,
                      regio_gen_decide_stats_t *dst, char *err, size_t errlen)
{
    char *text = NULL;
    size_t len = 0;
    regio_rpp_t *r = NULL;
    FILE *mem = open_memstream(&text, &len);
    int rc = mem ? regio_gen_write(&a->prm, mem, st) : -ENOMEM;
    if (mem && fclose(mem) != 0 && rc == 0)
        rc = -ENOMEM;
    if (rc == 0 && (rc = regio_rpp_json_parse(text, len, &r, err, errlen)) == 0 &&
        (rc = regio_gen_decide(r, &a->dp, dst, err, errlen)) == 0)
        rc = regio_rpp_json_write(r, out);
    if (rc < 0 && !*err)
        snprintf(err, errlen, "%s", rc == -EIO ? "write failed" : strerror(-rc));
    regio_rpp_destroy(&r);
    free(text);
    return rc;
}

int main(int argc, char **argv)
{
    s_args_t a;
    regio_gen_stats_t st;
    regio_gen_decide_stats_t dst;
    char err[512] = "";
    FILE *out = stdout;
    int rc = s_args(&a, argc, argv);
    if (rc)
        return rc < 0 ? 0 : rc;
    if (a.out_path && !(out = fopen(a.out_path, "w"))) {
        fprintf(stderr, "regio-gen: cannot open %s: %s\n", a.out_path, strerror(errno));
        return 1;
    }
    setvbuf(out, NULL, _IOFBF, 1 << 20);
    rc = a.v2 ? s_write_v2(&a, out, &st, &dst, err, sizeof err) : regio_gen_write(&a.prm, out, &st);
    if ((out == stdout ? fflush(out) : fclose(out)) && !rc)
        rc = -EIO;
    if (rc) { /* the model refuses what the arguments asked for (say, a start not a Monday) */
        fprintf(stderr, "regio-gen: %s\n",
                *err ? err : rc == -EIO ? "write failed" : strerror(-rc));
        return rc == REGIO_EINVALID ? 2 : 1;
    }
    if (a.summary)
        regio_gen_stats_write(&st, a.prm.periods, stderr);
    if (a.summary && a.v2)
        fprintf(stderr, "pins=%d\npins_left_out=%d\nforbidden=%d\nreservations=%d\n",
                (int)dst.pins, (int)dst.pins_left_out, (int)dst.forbidden, (int)dst.reservations);
    return 0;
}
