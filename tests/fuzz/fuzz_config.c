/* fuzz_config - a service's --config file (regio_config_parse), all four tables.
 *
 * The first byte picks the service; the rest is the file (through a memfd).
 * Properties: parsing returns 0 or an error with a message; after success,
 * --dump-config's output ("a valid config file") parses back to the same
 * settings, so it dumps identically.
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "capacity.h"
#include "fuzz_env.h"
#include "notifier.h"
#include "planner.h"
#include "registry.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Settings structs, one per service (large: keep them off the stack). */
static union {
    regio_registry_config_t r;
    regio_capacity_config_t c;
    regio_notifier_config_t n;
    regio_planner_config_t p;
} s_cfg;

static const regio_config_entry_t *s_table(int which)
{
    switch (which % 4) {
    case 0: return regio_registry_config_table(&s_cfg.r);
    case 1: return regio_capacity_config_table(&s_cfg.c);
    case 2: return regio_notifier_config_table(&s_cfg.n);
    default: return regio_planner_config_table(&s_cfg.p);
    }
}

/* Parse text as the --config file of table; 0 or the parser's code. */
static int s_parse(const regio_config_entry_t *t, const void *text, size_t len, char *err,
                   size_t errlen)
{
    static int fd = -1;
    char path[64];
    if (fd < 0 && (fd = memfd_create("fuzz_config", 0)) < 0)
        fuzz_die("memfd_create failed");
    if (ftruncate(fd, 0) < 0 || pwrite(fd, text, len, 0) != (ssize_t)len)
        fuzz_die("cannot write the config to the memfd");
    snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
    char *argv[] = {"fuzz", "--config", path, NULL};
    FILE *out = fopen("/dev/null", "w");
    int rc = regio_config_parse(t, 3, argv, out, err, errlen);
    fclose(out);
    return rc;
}

static char *s_dump(const regio_config_entry_t *t, size_t *len)
{
    char *buf = NULL;
    FILE *f = open_memstream(&buf, len);
    if (!f)
        fuzz_die("open_memstream failed");
    regio_config_dump(t, f);
    fclose(f);
    return buf;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char err[512] = "";
    if (size < 1)
        return 0;
    const regio_config_entry_t *t = s_table(data[0]);
    int rc = s_parse(t, data + 1, size - 1, err, sizeof err);
    if (rc < 0 && !err[0])
        fuzz_die("config parse failed (%d) without a message", rc);
    if (rc != 0)
        return 0;
    size_t n1, n2;
    char *d1 = s_dump(t, &n1);
    if ((rc = s_parse(t, d1, n1, err, sizeof err)) != 0)
        fuzz_die("the dumped settings do not parse back: %s\n%s", err, d1);
    char *d2 = s_dump(t, &n2);
    if (n1 != n2 || memcmp(d1, d2, n1) != 0)
        fuzz_die("the dumped settings read back differently:\n%s--- then ---\n%s", d1, d2);
    free(d1);
    free(d2);
    return 0;
}
