/* regio-planner - the planner service, or the offline solver with --solve. */
#include <string.h>

#include "planner.h"
#include "solve.h"

static regio_planner_config_t s_cfg;

static int s_create(regio_service_t *svc, void **obj, char *err, size_t errlen)
{
    return regio_planner_new(svc, &s_cfg, (regio_planner_t **)obj, err, errlen);
}

static void s_stop(void *obj)
{
    regio_planner_stop(obj);
}

static void s_destroy(void **obj)
{
    regio_planner_destroy((regio_planner_t **)obj);
}

int main(int argc, char **argv)
{
    for (int i = 1; i < argc; i++)
        if (!strcmp(argv[i], "--solve") || !strcmp(argv[i], "--export-lp"))
            return regio_planner_solve_main(argc, argv);
    regio_service_def_t def = {"planner", regio_planner_config_table(&s_cfg), &s_cfg.sec, s_cfg.log_level,
                               &s_cfg.dump_config, s_create, s_stop, s_destroy};
    return regio_service_main(&def, argc, argv);
}
