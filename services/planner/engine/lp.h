/* lp - rpp-1 and rpp-2 as an exact MIP in CPLEX LP format, and CBC's answer back.
 *
 * Variables (indexes are the instance's dense indexes):
 *   x_l_p_k      binary: learner l at its k-th candidate offering in period p
 *   y_l_p_k_t    binary: ... using weekly slot t
 *   z_l_p_k_d    binary: ... travelling on day d
 *   c_l_i        continuous: credit counted for learner l's need i (<= need)
 *   r_l_p_q      continuous: placement of l in period p at partner q repeats
 *   h_j_t        continuous (rpp-2): learners of reservation j's school on
 *                open seats at its slot t, beyond the seats it holds
 * Constraints: one placement per (l, p); sum_t y = dagdelen * x; y <= x and
 * y <= 0 on slots that are not free; z >= y of both parts of the day; seats
 * per (offering, period, slot); c <= credit; repeats from the history and
 * from earlier periods. rpp-2: a pin is the only placement of its (l, p),
 * and it is placed (= 1); refused pairings are no candidates; where seats
 * are held, held_j_t: the school's learners - h_j_t <= R, and open_o_p_t:
 * everyone else's + sum h <= the seats less all held. Objective: the
 * score, exactly.
 */
#ifndef REGIO_LP_H
#define REGIO_LP_H

#include <stddef.h>
#include <stdio.h>

#include "regio/rpp.h"

/* Write r's model to f. Returns 0, -ENOMEM or -EIO. */
int regio_lp_write(const regio_rpp_t *r, FILE *f);

/* Read a CBC solution file (`cbc model.lp solve solu FILE`) of the model
 * regio_lp_write wrote for r, appending its placements to sol. Returns 0,
 * -errno (file), REGIO_EPARSE (not a CBC solution; err says why) or
 * -ENOMEM. */
int regio_lp_read_cbc(const regio_rpp_t *r, const char *path, regio_rpp_sol_t *sol, char *err,
                      size_t errlen);

#endif
