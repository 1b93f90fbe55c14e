/* bound_step - the seat prices' part of the Lagrangian bound (bound_int.h).
 *
 * rpp-2's reservation rule at (o, p, t), with held seats R_s for schools s,
 * n_s of their learners, N of everyone else's and open = cap - sum R_s, is
 * n_s - x_s <= R_s (held price mu_s) and N + sum x_s <= open (open price
 * lambda), x_s >= 0 its learners on open seats. The Lagrangian stays finite
 * only while mu_s <= lambda, and then x_s = 0 is a best choice (any x_s
 * when mu_s = lambda: max(0, n_s - R_s) is taken then). Without
 * reservations this is the plain capacity row, step for step. */
#include <math.h>

#include "bound_int.h"

/* Learners of a reservation's school on open seats at one slot, as the
 * relaxation chooses them. */
static double s_overflow(double lambda, double mu, int32_t n, int32_t held)
{
    return mu >= lambda - 1e-12 && n > held ? n - held : 0;
}

/* Subgradient of the open seats' price at (o, p, t); i = (o*P + p)*10 + t. */
static double s_grad_open(const regio_rpp_t *r, const double *price, const double *hprice,
                          const int32_t *use, const int32_t *use_held, int32_t o, int p, int t)
{
    size_t i = ((size_t)o * r->n_periods + p) * REGIO_RPP_SLOTS + t;
    double g = regio_rpp_cap(r, o, p, t) - use[i];
    for (int32_t j = r->res_first ? r->res_first[(int64_t)o * r->n_periods + p] : -1; j >= 0;
         j = r->res[j].next) {
        int32_t held = r->res[j].seats[t], n = use_held[j * REGIO_RPP_SLOTS + t];
        if (held > 0) /* its learners are not on open seats, but for the overflow */
            g += n - held - s_overflow(price[i], hprice[j * REGIO_RPP_SLOTS + t], n, held);
    }
    return g;
}

/* Subgradient of reservation j's held seat price at slot t. */
static double s_grad_held(const regio_rpp_t *r, const double *price, const double *hprice,
                          const int32_t *use_held, int32_t j, int t)
{
    const regio_rpp_reservation_t *v = &r->res[j];
    size_t i = ((size_t)v->offering * r->n_periods + v->period) * REGIO_RPP_SLOTS + t;
    int32_t held = v->seats[t], n = use_held[j * REGIO_RPP_SLOTS + t];
    return held + s_overflow(price[i], hprice[j * REGIO_RPP_SLOTS + t], n, held) - n;
}

double regio_bound__seat_term(const regio_rpp_t *r, const double *price, const double *hprice)
{
    double v = 0;
    int n = r->n_periods * REGIO_RPP_SLOTS;
    for (int32_t o = 0; o < r->n_offerings; o++)
        for (int s = 0; s < n; s++)
            if (r->offerings[o].cap[s] > 0)
                v += price[(size_t)o * n + s] *
                     (r->offerings[o].cap[s] -
                      (r->res_first ? regio_rpp_held(r, o, s / REGIO_RPP_SLOTS,
                                                     s % REGIO_RPP_SLOTS)
                                    : 0));
    for (int32_t j = 0; j < r->n_res; j++)
        for (int t = 0; t < REGIO_RPP_SLOTS; t++)
            v += hprice[j * REGIO_RPP_SLOTS + t] * r->res[j].seats[t];
    return v;
}

/* Sum of the squares of the subgradient's moving parts. */
static double s_norm(const regio_rpp_t *r, const double *price, const double *hprice,
                     const int32_t *use, const int32_t *use_held)
{
    int P = r->n_periods;
    double norm = 0;
    for (int32_t o = 0; o < r->n_offerings; o++)
        for (int s = 0; s < P * REGIO_RPP_SLOTS; s++) {
            size_t i = (size_t)o * P * REGIO_RPP_SLOTS + s;
            double g = s_grad_open(r, price, hprice, use, use_held, o, s / REGIO_RPP_SLOTS,
                                   s % REGIO_RPP_SLOTS);
            if (r->offerings[o].cap[s] > 0 && (g < 0 || price[i] > 0))
                norm += g * g;
        }
    for (int32_t j = 0; j < r->n_res; j++)
        for (int t = 0; t < REGIO_RPP_SLOTS; t++) {
            double g = s_grad_held(r, price, hprice, use_held, j, t);
            if (r->res[j].seats[t] > 0 && (g < 0 || hprice[j * REGIO_RPP_SLOTS + t] > 0))
                norm += g * g;
        }
    return norm;
}

int regio_bound__step(const regio_rpp_t *r, double *price, double *hprice, const int32_t *use,
                      const int32_t *use_held, double *scratch, double lag, double target,
                      double theta)
{
    int P = r->n_periods;
    double norm = s_norm(r, price, hprice, use, use_held);
    if (norm == 0 || lag <= target)
        return 0;
    double step = theta * (lag - target) / norm;
    for (int32_t j = 0; j < r->n_res; j++) /* at the prices before the step, as the open ones */
        for (int t = 0; t < REGIO_RPP_SLOTS; t++)
            scratch[j * REGIO_RPP_SLOTS + t] = s_grad_held(r, price, hprice, use_held, j, t);
    for (int32_t o = 0; o < r->n_offerings; o++)
        for (int s = 0; s < P * REGIO_RPP_SLOTS; s++) {
            size_t i = (size_t)o * P * REGIO_RPP_SLOTS + s;
            if (r->offerings[o].cap[s] <= 0)
                continue;
            price[i] -= step * s_grad_open(r, price, hprice, use, use_held, o,
                                           s / REGIO_RPP_SLOTS, s % REGIO_RPP_SLOTS);
            if (price[i] < 0)
                price[i] = 0;
        }
    for (int32_t j = 0; j < r->n_res; j++) /* then project: 0 <= held price <= open price */
        for (int t = 0; t < REGIO_RPP_SLOTS; t++) {
            const regio_rpp_reservation_t *v = &r->res[j];
            double cap = price[((size_t)v->offering * P + v->period) * REGIO_RPP_SLOTS + t];
            double *mu = &hprice[j * REGIO_RPP_SLOTS + t];
            if (v->seats[t] <= 0)
                continue;
            *mu -= step * scratch[j * REGIO_RPP_SLOTS + t];
            *mu = *mu < 0 ? 0 : *mu > cap ? cap : *mu;
        }
    return 1;
}
