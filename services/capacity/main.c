/* regio-capacity - the capacity service process. */
#include "capacity.h"

static regio_capacity_config_t s_cfg;

static int s_create(regio_service_t *svc, void **obj, char *err, size_t errlen)
{
    return regio_capacity_new(svc, &s_cfg, (regio_capacity_t **)obj, err, errlen);
}

static void s_stop(void *obj)
{
    regio_capacity_stop(obj);
}

static void s_destroy(void **obj)
{
    regio_capacity_destroy((regio_capacity_t **)obj);
}

int main(int argc, char **argv)
{
    regio_service_def_t def = {"capacity", regio_capacity_config_table(&s_cfg), &s_cfg.sec, s_cfg.log_level,
                               &s_cfg.dump_config, s_create, s_stop, s_destroy};
    return regio_service_main(&def, argc, argv);
}
