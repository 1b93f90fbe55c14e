/* test_service - what a service process does with its settings before it starts.
 *
 * Runs the real registry binary: regio_service_main is its whole main. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

/* Run the registry with args; its exit status, and its output in out. */
static int s_run(const char *args, char *out, size_t n)
{
    char cmd[1024];
    snprintf(cmd, sizeof cmd, "%s/regio-registry %s 2>&1", REGIO_BIN_DIR, args);
    FILE *p = popen(cmd, "r");
    cr_assert_not_null(p);
    size_t got = fread(out, 1, n - 1, p);
    out[got] = '\0';
    int st = pclose(p);
    return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

Test(service, an_unknown_log_level_is_exit_2_with_one_clear_line, .timeout = 20)
{
    char out[1024];
    cr_assert_eq(s_run("--log-level verbose --dump-config", out, sizeof out), 2, "%s", out);
    cr_assert_str_eq(out, "regio-registry: log-level: 'verbose' is not one of debug, info, warn, "
                          "error\n");
    cr_assert_eq(s_run("--log-level warn --dump-config", out, sizeof out), 0, "%s", out);
    cr_assert_not_null(strstr(out, "log-level warn"), "%s", out);
}

Test(service, a_port_past_65535_is_exit_2_not_a_bind_to_another_port, .timeout = 20)
{
    char out[1024];
    cr_assert_eq(s_run("--router tcp://127.0.0.1:99999 --dump-config", out, sizeof out), 2, "%s",
                 out);
    cr_assert_not_null(strstr(out, "router"), "%s", out);
    cr_assert_not_null(strstr(out, "1..65535"), "%s", out);
}

Test(service, config_dev_zero_is_exit_2_at_once, .timeout = 20)
{
    char out[1024];
    cr_assert_eq(s_run("--config /dev/zero", out, sizeof out), 2, "%s", out);
    cr_assert_not_null(strstr(out, "not a regular file"), "%s", out);
}
