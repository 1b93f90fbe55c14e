/* regio-notifier - the notifier service process. */
#include "notifier.h"

static regio_notifier_config_t s_cfg;

static int s_create(regio_service_t *svc, void **obj, char *err, size_t errlen)
{
    return regio_notifier_new(svc, &s_cfg, (regio_notifier_t **)obj, err, errlen);
}

static void s_stop(void *obj)
{
    regio_notifier_stop(obj);
}

static void s_destroy(void **obj)
{
    regio_notifier_destroy((regio_notifier_t **)obj);
}

int main(int argc, char **argv)
{
    regio_service_def_t def = {"notifier", regio_notifier_config_table(&s_cfg), &s_cfg.sec, s_cfg.log_level,
                               &s_cfg.dump_config, s_create, s_stop, s_destroy};
    return regio_service_main(&def, argc, argv);
}
