/* explain - why a learner's need stays unmet in a plan. */
#include "explain.h"

#include <errno.h>

int regio_explain_write(const regio_rpp_t *r, const regio_rpp_sol_t *sol, FILE *f,
                        int32_t *n_unmet)
{
    return -ENOSYS;
}
