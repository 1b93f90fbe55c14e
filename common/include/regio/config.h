/* config - one table drives a service's flags, config file and settings dump.
 *
 * A service declares a NULL-terminated array of entries pointing at its own
 * settings struct. regio_config_parse() applies defaults, then the file
 * given by --config FILE (lines "name value", '#' comments), then flags
 * "--name value" ("--name" alone for booleans), later ones winning.
 */
#ifndef REGIO_CONFIG_H
#define REGIO_CONFIG_H

#include <stddef.h>
#include <stdio.h>

#define REGIO_CONFIG_STR_MAX 512

typedef enum {
    REGIO_CONFIG_STR,    /* ptr: char[REGIO_CONFIG_STR_MAX] */
    REGIO_CONFIG_INT,    /* ptr: long */
    REGIO_CONFIG_DOUBLE, /* ptr: double */
    REGIO_CONFIG_BOOL,   /* ptr: int (0/1) */
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
 * REGIO_ERANGE / -errno with one line in err. */
int regio_config_parse(const regio_config_entry_t *table, int argc, char **argv, FILE *out,
                       char *err, size_t errlen);

/* Write "name value" for every entry except "dump-config" (an action): a
 * valid config file of the effective settings. Can't fail. */
void regio_config_dump(const regio_config_entry_t *table, FILE *f);

/* Write usage lines for every entry. Can't fail. */
void regio_config_usage(const regio_config_entry_t *table, const char *prog, FILE *f);

#endif
