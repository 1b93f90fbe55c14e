/* config - one table drives a service's flags, config file and settings dump.
 *
 * A service declares a NULL-terminated array of entries pointing at its own
 * settings struct. regio_config_parse() applies defaults, then the file
 * given by --config FILE, then flags "--name value" ("--name" alone for
 * booleans), later ones winning.
 *
 * The file: lines "name value"; blank lines; a '#' at the start of a line
 * or after a blank (space or tab) starts a comment that runs to the line's
 * end ("log-level warn  # quieter" is log-level warn). So no value can
 * contain a blank followed by '#' (a flag with one is refused too: the dump
 * must read back the same). The file must be a regular file of at most
 * REGIO_CONFIG_FILE_MAX bytes without a NUL byte; anything else (a device
 * like /dev/zero, a FIFO, a file too large) is refused before it is read.
 */
#ifndef REGIO_CONFIG_H
#define REGIO_CONFIG_H

#include <stddef.h>
#include <stdio.h>

#define REGIO_CONFIG_STR_MAX 512
#define REGIO_CONFIG_FILE_MAX (1 << 20) /* a config file is a few hundred bytes */

typedef enum {
    REGIO_CONFIG_STR,    /* ptr: char[REGIO_CONFIG_STR_MAX] */
    REGIO_CONFIG_INT,    /* ptr: long */
    REGIO_CONFIG_DOUBLE, /* ptr: double */
    REGIO_CONFIG_BOOL,   /* ptr: int (0/1) */
    REGIO_CONFIG_ENDPOINT, /* ptr: char[REGIO_CONFIG_STR_MAX]; regio_config_check_endpoint */
} regio_config_type_t;

typedef struct {
    const char *name;         /* flag name without "--", also the file key */
    regio_config_type_t type;
    void *ptr;                /* where the value goes (borrowed) */
    const char *def;          /* default, as text */
    long min, max;            /* allowed range for INT and DOUBLE (ignored if min > max) */
    const char *help;         /* one line for --help */
} regio_config_entry_t;

/* Apply defaults, the --config file and flags, in that order. Returns 0, 1
 * when --help was asked (usage printed to out), or REGIO_EINVALID /
 * REGIO_ERANGE / -errno (-EFBIG: file too large, -EINVAL: not a regular
 * file) with one line in err. */
int regio_config_parse(const regio_config_entry_t *table, int argc, char **argv, FILE *out,
                       char *err, size_t errlen);

/* A ZeroMQ endpoint regio can use: tcp://HOST:PORT with PORT 1..65535
 * (ZeroMQ itself would bind 99999 as 34463), ipc://PATH or inproc://NAME.
 * Returns 0 or REGIO_EINVALID with one line in err. */
int regio_config_check_endpoint(const char *ep, char *err, size_t errlen);

/* Write "name value" for every entry except "dump-config" (an action): a
 * valid config file of the effective settings. Can't fail. */
void regio_config_dump(const regio_config_entry_t *table, FILE *f);

/* Write usage lines for every entry. Can't fail. */
void regio_config_usage(const regio_config_entry_t *table, const char *prog, FILE *f);

#endif
