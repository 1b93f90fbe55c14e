/* engine - the table of planning engines and their shared defaults. */
#include "engine.h"

#include <stddef.h>
#include <string.h>

#include "greedy.h"
#include "lns.h"

static const regio_engine_t s_engines[] = {
    {.name = "lns", .solve = regio_lns_solve}, /* the default: first in the table */
    {.name = "greedy", .solve = regio_greedy_solve},
};
#define S_N_ENGINES (sizeof s_engines / sizeof s_engines[0])

static const char *const s_names[S_N_ENGINES + 1] = {"lns", "greedy", NULL};

regio_engine_opts_t regio_engine_default_opts(void)
{
    return (regio_engine_opts_t){.seconds = 0, .iterations = 0, .seed = 1, .threads = 1,
                                 .base = NULL, .pinned = 0, .move_margin = 0, .fair = 0};
}

const regio_engine_t *regio_engine_find(const char *name)
{
    if (!name)
        return &s_engines[0];
    for (size_t i = 0; i < S_N_ENGINES; i++)
        if (strcmp(s_engines[i].name, name) == 0)
            return &s_engines[i];
    return NULL;
}

const char *const *regio_engine_names(void)
{
    return s_names;
}
