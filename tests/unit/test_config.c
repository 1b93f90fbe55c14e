/* test_config - one table drives defaults, the config file, flags and the dump. */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "regio/config.h"
#include "regio/error.h"

typedef struct {
    char name[REGIO_CONFIG_STR_MAX];
    long port;
    double ratio;
    int verbose;
    int sync;
    char path[REGIO_CONFIG_STR_MAX];
    char ep[REGIO_CONFIG_STR_MAX];
} settings_t;

static settings_t s_set;

static const regio_config_entry_t s_table[] = {
    {"name", REGIO_CONFIG_STR, s_set.name, "planner", 0, -1, "service name"},
    {"port", REGIO_CONFIG_INT, &s_set.port, "5550", 1, 65535, "TCP port"},
    {"ratio", REGIO_CONFIG_DOUBLE, &s_set.ratio, "0.5", 0, -1, "a share"},
    {"verbose", REGIO_CONFIG_BOOL, &s_set.verbose, "no", 0, -1, "log more"},
    {"sync", REGIO_CONFIG_BOOL, &s_set.sync, "yes", 0, -1, "fsync commits"},
    {"path", REGIO_CONFIG_STR, s_set.path, "", 0, -1, "data dir"},
    {"ep", REGIO_CONFIG_ENDPOINT, s_set.ep, "tcp://127.0.0.1:7401", 0, -1, "an endpoint"},
    {NULL, 0, NULL, NULL, 0, 0, NULL},
};

static char s_dir[128];
static char s_err[256];

static void s_setup(void)
{
    memset(&s_set, 0x5a, sizeof s_set);
    memset(s_err, 0, sizeof s_err);
    strcpy(s_dir, "/tmp/regio-test-config-XXXXXX");
    cr_assert_not_null(mkdtemp(s_dir));
}

static void s_teardown(void)
{
    char cmd[256];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", s_dir);
    (void)system(cmd);
}

TestSuite(config, .init = s_setup, .fini = s_teardown);

/* Write text to a file in the test dir; returns its path (static). */
static const char *s_file(const char *name, const char *text)
{
    static char path[256];
    snprintf(path, sizeof path, "%s/%s", s_dir, name);
    FILE *f = fopen(path, "w");
    cr_assert_not_null(f);
    fputs(text, f);
    fclose(f);
    return path;
}

#define PARSE(...)                                                                          \
    ({                                                                                      \
        char *argv_[] = {"prog", __VA_ARGS__};                                              \
        regio_config_parse(s_table, (int)(sizeof argv_ / sizeof argv_[0]), argv_, stdout,   \
                           s_err, sizeof s_err);                                            \
    })

Test(config, defaults_apply_without_arguments)
{
    char *argv[] = {"prog"};
    cr_assert_eq(regio_config_parse(s_table, 1, argv, stdout, s_err, sizeof s_err), 0);
    cr_assert_str_eq(s_set.name, "planner");
    cr_assert_eq(s_set.port, 5550);
    cr_assert_float_eq(s_set.ratio, 0.5, 1e-12);
    cr_assert_eq(s_set.verbose, 0);
    cr_assert_eq(s_set.sync, 1);
    cr_assert_str_eq(s_set.path, "");
}

Test(config, flags_set_every_type)
{
    cr_assert_eq(PARSE("--name", "north", "--port", "7000", "--ratio", "0.75", "--sync", "off",
                       "--path", "/var/lib/regio"),
                 0, "%s", s_err);
    cr_assert_str_eq(s_set.name, "north");
    cr_assert_eq(s_set.port, 7000);
    cr_assert_float_eq(s_set.ratio, 0.75, 1e-12);
    cr_assert_eq(s_set.sync, 0);
    cr_assert_str_eq(s_set.path, "/var/lib/regio");
}

Test(config, bool_flag_alone_means_true)
{
    cr_assert_eq(PARSE("--verbose"), 0, "%s", s_err);
    cr_assert_eq(s_set.verbose, 1);
    cr_assert_eq(PARSE("--verbose", "--port", "80"), 0, "%s", s_err);
    cr_assert_eq(s_set.verbose, 1);
    cr_assert_eq(s_set.port, 80);
}

Test(config, bool_accepts_every_documented_form)
{
    const char *yes[] = {"1", "true", "yes", "on"}, *no[] = {"0", "false", "no", "off"};
    for (int i = 0; i < 4; i++) {
        cr_assert_eq(PARSE("--verbose", (char *)yes[i]), 0, "%s", s_err);
        cr_assert_eq(s_set.verbose, 1, "'%s'", yes[i]);
        cr_assert_eq(PARSE("--sync", (char *)no[i]), 0, "%s", s_err);
        cr_assert_eq(s_set.sync, 0, "'%s'", no[i]);
    }
}

Test(config, bad_bool_is_einvalid)
{
    cr_assert_eq(PARSE("--verbose", "maybe"), REGIO_EINVALID);
    cr_assert_not_null(strstr(s_err, "verbose"), "err: %s", s_err);
}

Test(config, file_lines_with_comments_blanks_and_spaces)
{
    const char *p = s_file("a.conf", "# regio planner\n"
                                     "\n"
                                     "   \n"
                                     "name   south region  \n"
                                     "\t# indented comment\n"
                                     "  port\t6000\n"
                                     "ratio 0.125\r\n"
                                     "verbose yes\n"
                                     "sync false");
    cr_assert_eq(PARSE("--config", (char *)p), 0, "%s", s_err);
    cr_assert_str_eq(s_set.name, "south region");
    cr_assert_eq(s_set.port, 6000);
    cr_assert_float_eq(s_set.ratio, 0.125, 1e-12);
    cr_assert_eq(s_set.verbose, 1);
    cr_assert_eq(s_set.sync, 0);
}

Test(config, flags_override_the_file_wherever_they_stand)
{
    const char *p = s_file("b.conf", "port 6000\nname fromfile\n");
    cr_assert_eq(PARSE("--port", "7001", "--config", (char *)p), 0, "%s", s_err);
    cr_assert_eq(s_set.port, 7001);
    cr_assert_str_eq(s_set.name, "fromfile");
    cr_assert_eq(PARSE("--config", (char *)p, "--name", "fromflag"), 0, "%s", s_err);
    cr_assert_eq(s_set.port, 6000);
    cr_assert_str_eq(s_set.name, "fromflag");
}

Test(config, int_out_of_range_is_erange_from_flag_and_file)
{
    cr_assert_eq(PARSE("--port", "0"), REGIO_ERANGE);
    cr_assert_not_null(strstr(s_err, "port"), "err: %s", s_err);
    cr_assert_eq(PARSE("--port", "65536"), REGIO_ERANGE);
    cr_assert_eq(PARSE("--port", "65535"), 0);
    cr_assert_eq(PARSE("--port", "1"), 0);
    const char *p = s_file("c.conf", "port 70000\n");
    cr_assert_eq(PARSE("--config", (char *)p), REGIO_ERANGE);
    cr_assert_not_null(strstr(s_err, "port"), "err: %s", s_err);
}

Test(config, int_that_is_not_a_number_is_einvalid)
{
    cr_assert_eq(PARSE("--port", "80x"), REGIO_EINVALID);
    cr_assert_eq(PARSE("--port", ""), REGIO_EINVALID);
    cr_assert_eq(PARSE("--port", "99999999999999999999999"), REGIO_EINVALID);
    cr_assert_eq(PARSE("--ratio", "half"), REGIO_EINVALID);
}

Test(config, unknown_flag_is_einvalid)
{
    cr_assert_eq(PARSE("--no-such-thing", "1"), REGIO_EINVALID);
    cr_assert_not_null(strstr(s_err, "no-such-thing"), "err: %s", s_err);
    cr_assert_eq(PARSE("positional"), REGIO_EINVALID);
    cr_assert_eq(PARSE("--port=5"), REGIO_EINVALID);
}

Test(config, unknown_setting_in_the_file_is_einvalid)
{
    const char *p = s_file("d.conf", "port 6000\ncolour blue\n");
    cr_assert_eq(PARSE("--config", (char *)p), REGIO_EINVALID);
    cr_assert_not_null(strstr(s_err, "colour"), "err: %s", s_err);
}

Test(config, missing_values_are_einvalid)
{
    cr_assert_eq(PARSE("--port"), REGIO_EINVALID);
    cr_assert_not_null(strstr(s_err, "port"), "err: %s", s_err);
    cr_assert_eq(PARSE("--config"), REGIO_EINVALID);
}

Test(config, missing_config_file_is_minus_enoent)
{
    char p[256];
    snprintf(p, sizeof p, "%s/nope.conf", s_dir);
    cr_assert_eq(PARSE("--config", p), -ENOENT);
    cr_assert_not_null(strstr(s_err, "nope.conf"), "err: %s", s_err);
}

Test(config, too_long_string_is_erange)
{
    static char big[REGIO_CONFIG_STR_MAX + 1];
    memset(big, 'x', REGIO_CONFIG_STR_MAX);
    cr_assert_eq(PARSE("--name", big), REGIO_ERANGE);
    big[REGIO_CONFIG_STR_MAX - 1] = '\0';
    cr_assert_eq(PARSE("--name", big), 0);
    cr_assert_eq(strlen(s_set.name), REGIO_CONFIG_STR_MAX - 1);
}

Test(config, help_returns_one_and_prints_usage)
{
    char *text = NULL;
    size_t len = 0;
    FILE *out = open_memstream(&text, &len);
    char *argv[] = {"regio-planner", "--port", "80", "--help"};
    cr_assert_eq(regio_config_parse(s_table, 4, argv, out, s_err, sizeof s_err), 1);
    fclose(out);
    cr_assert_not_null(strstr(text, "regio-planner"), "%s", text);
    for (const regio_config_entry_t *e = s_table; e->name; e++) {
        char flag[64];
        snprintf(flag, sizeof flag, "--%s", e->name);
        cr_assert_not_null(strstr(text, flag), "usage lacks %s", flag);
        cr_assert_not_null(strstr(text, e->help), "usage lacks help of %s", flag);
    }
    free(text);
}

Test(config, short_h_is_help_too)
{
    char *text = NULL;
    size_t len = 0;
    FILE *out = open_memstream(&text, &len);
    char *argv[] = {"prog", "-h"};
    cr_assert_eq(regio_config_parse(s_table, 2, argv, out, s_err, sizeof s_err), 1);
    fclose(out);
    cr_assert_gt(len, 0);
    free(text);
}

/* Dump the current settings to a file, reset them, parse the file back. */
static void s_round_trip(settings_t *before)
{
    *before = s_set;
    char path[256];
    snprintf(path, sizeof path, "%s/dump.conf", s_dir);
    FILE *f = fopen(path, "w");
    regio_config_dump(s_table, f);
    fclose(f);
    memset(&s_set, 0x5a, sizeof s_set);
    cr_assert_eq(PARSE("--config", path), 0, "dump does not parse back: %s", s_err);
}

Test(config, dump_parses_back_to_the_same_values)
{
    cr_assert_eq(PARSE("--name", "north west", "--port", "65535", "--ratio", "0.25",
                       "--verbose", "--sync", "no"),
                 0, "%s", s_err);
    settings_t before;
    s_round_trip(&before);
    cr_assert_str_eq(s_set.name, before.name);
    cr_assert_eq(s_set.port, before.port);
    cr_assert_eq(s_set.ratio, before.ratio);
    cr_assert_eq(s_set.verbose, before.verbose);
    cr_assert_eq(s_set.sync, before.sync);
    cr_assert_str_eq(s_set.path, before.path); /* the empty default survives */
}

Test(config, dump_keeps_every_digit_of_a_double)
{
    /* e.g. a coordinate or a weight: "%g" keeps only 6 significant digits */
    cr_assert_eq(PARSE("--ratio", "51.6891234"), 0, "%s", s_err);
    settings_t before;
    s_round_trip(&before);
    cr_assert_eq(s_set.ratio, before.ratio, "dumped %.17g came back as %.17g", before.ratio,
                 s_set.ratio);
}

Test(config, dump_writes_one_line_per_entry)
{
    char *argv[] = {"prog"};
    cr_assert_eq(regio_config_parse(s_table, 1, argv, stdout, s_err, sizeof s_err), 0);
    char *text = NULL;
    size_t len = 0;
    FILE *out = open_memstream(&text, &len);
    regio_config_dump(s_table, out);
    fclose(out);
    cr_assert_str_eq(text, "name planner\nport 5550\nratio 0.5\nverbose no\nsync yes\npath \n"
                           "ep tcp://127.0.0.1:7401\n");
    free(text);
}

/* Strict files ------------------------------------------------------------------ */

Test(config, a_comment_after_a_value_is_stripped)
{
    const char *p = s_file("inline.conf", "port 6000 # the old port was 5550\n"
                                          "name south\t# tab before the hash\n"
                                          "path /data/r#2   \n"
                                          "verbose yes#not a comment: no blank before it\n");
    cr_assert_eq(PARSE("--config", (char *)p), REGIO_EINVALID, "yes#not... is no boolean");
    p = s_file("inline2.conf", "port 6000 # the old port was 5550\n"
                               "name south\t# tab before the hash\n"
                               "path /data/r#2   \n");
    cr_assert_eq(PARSE("--config", (char *)p), 0, "%s", s_err);
    cr_assert_eq(s_set.port, 6000);
    cr_assert_str_eq(s_set.name, "south");
    cr_assert_str_eq(s_set.path, "/data/r#2", "a # inside a value stays");
}

Test(config, a_flag_value_a_file_would_read_as_a_comment_is_refused)
{
    cr_assert_eq(PARSE("--name", "north # west"), REGIO_EINVALID);
    cr_assert_not_null(strstr(s_err, "name"), "%s", s_err);
    cr_assert_eq(PARSE("--name", "#1"), REGIO_EINVALID);
    cr_assert_eq(PARSE("--name", "r#1"), 0, "%s", s_err);
}

Test(config, a_nul_byte_in_the_file_is_einvalid)
{
    char path[256];
    snprintf(path, sizeof path, "%s/nul.conf", s_dir);
    FILE *f = fopen(path, "w");
    cr_assert_not_null(f);
    fwrite("port 6000\n\0port 7000\n", 1, 21, f);
    fclose(f);
    cr_assert_eq(PARSE("--config", path), REGIO_EINVALID);
    cr_assert_not_null(strstr(s_err, "NUL"), "%s", s_err);
}

Test(config, dev_zero_and_a_fifo_are_refused_without_reading, .timeout = 10)
{
    cr_assert_eq(PARSE("--config", "/dev/zero"), -EINVAL);
    cr_assert_not_null(strstr(s_err, "not a regular file"), "%s", s_err);
    char fifo[256];
    snprintf(fifo, sizeof fifo, "%s/fifo", s_dir);
    cr_assert_eq(mkfifo(fifo, 0600), 0);
    cr_assert_eq(PARSE("--config", fifo), -EINVAL, "a FIFO with no writer must not block");
    cr_assert_eq(PARSE("--config", (char *)s_dir), -EINVAL, "a directory");
}

Test(config, a_file_past_the_size_limit_is_efbig)
{
    char path[256];
    snprintf(path, sizeof path, "%s/big.conf", s_dir);
    FILE *f = fopen(path, "w");
    cr_assert_not_null(f);
    for (int i = 0; i < REGIO_CONFIG_FILE_MAX; i++)
        fputc(i % 64 == 63 ? '\n' : '#', f);
    fclose(f);
    cr_assert_eq(PARSE("--config", path), 0, "exactly the limit of comments: %s", s_err);
    f = fopen(path, "a");
    fputc('\n', f);
    fclose(f);
    cr_assert_eq(PARSE("--config", path), -EFBIG);
    cr_assert_not_null(strstr(s_err, "larger than"), "%s", s_err);
}

Test(config, endpoints_need_a_port_in_1_to_65535)
{
    const char *ok[] = {"tcp://127.0.0.1:1", "tcp://127.0.0.1:65535", "tcp://*:7401",
                        "tcp://[::1]:7401", "tcp://eth0:7401", "ipc:///tmp/regio.sock",
                        "inproc://registry"};
    for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++) {
        cr_assert_eq(PARSE("--ep", (char *)ok[i]), 0, "%s: %s", ok[i], s_err);
        cr_assert_str_eq(s_set.ep, ok[i]);
    }
    const char *bad[] = {"tcp://127.0.0.1:99999", "tcp://127.0.0.1:65536", "tcp://127.0.0.1:0",
                         "tcp://127.0.0.1:*",     "tcp://127.0.0.1:",      "tcp://127.0.0.1",
                         "tcp://:7401",           "tcp://127.0.0.1:74x1",  "udp://127.0.0.1:7401",
                         "127.0.0.1:7401",        "ipc://",                "tcp://h:99999999999999999999"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        cr_assert_eq(PARSE("--ep", (char *)bad[i]), REGIO_EINVALID, "'%s' accepted", bad[i]);
        cr_assert_not_null(strstr(s_err, "ep"), "%s", s_err);
    }
    const char *p = s_file("ep.conf", "ep tcp://127.0.0.1:99999\n");
    cr_assert_eq(PARSE("--config", (char *)p), REGIO_EINVALID, "and from the file");
}
