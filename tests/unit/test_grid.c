/* test_grid - the spatial grid returns every point within a radius. */
#include <criterion/criterion.h>
#include <stdlib.h>

#include "grid.h"
#include "regio/rpp.h"
#include "rng.h"

static int s_has(const int32_t *v, int32_t n, int32_t x)
{
    for (int32_t i = 0; i < n; i++)
        if (v[i] == x)
            return 1;
    return 0;
}

/* Every point within km of (lat, lon) is returned, each once. */
static void s_check(const regio_grid_t *g, const double *lat, const double *lon, int32_t n,
                    double qlat, double qlon, double km)
{
    int32_t *buf = NULL, nb = 0, cap = 0;
    cr_assert_eq(regio_grid_query(g, qlat, qlon, km, &buf, &nb, &cap), 0);
    for (int32_t i = 0; i < n; i++)
        if (regio_rpp_dist_km(qlat, qlon, lat[i], lon[i]) <= km)
            cr_assert(s_has(buf, nb, i), "point %d at %.3f km missed (radius %.1f)", (int)i,
                      regio_rpp_dist_km(qlat, qlon, lat[i], lon[i]), km);
    for (int32_t i = 0; i < nb; i++)
        cr_assert(!s_has(buf + i + 1, nb - i - 1, buf[i]), "point returned twice");
    free(buf);
}

Test(grid, returns_every_point_within_the_radius)
{
    enum { N = 3000 };
    double lat[N], lon[N];
    regio_rng_t r;
    regio_rng_seed(&r, 7);
    for (int i = 0; i < N; i++) {
        lat[i] = 51.2 + 0.8 * regio_rng_unit(&r);
        lon[i] = 4.0 + 1.4 * regio_rng_unit(&r);
    }
    regio_grid_t *g = regio_grid_new(lat, lon, N, 4.0);
    cr_assert_not_null(g);
    for (int q = 0; q < 200; q++)
        s_check(g, lat, lon, N, 51.1 + regio_rng_unit(&r), 3.9 + 1.6 * regio_rng_unit(&r),
                1 + 40 * regio_rng_unit(&r));
    regio_grid_destroy(&g);
    cr_assert_null(g);
}

Test(grid, works_near_the_pole_and_across_the_date_line)
{
    double lat[] = {89.9, 89.95, -10, -10, 0}, lon[] = {0, 179, 179.99, -179.99, 0};
    regio_grid_t *g = regio_grid_new(lat, lon, 5, 4.0);
    s_check(g, lat, lon, 5, 89.92, -120, 50);
    s_check(g, lat, lon, 5, -10, 179.995, 5);
    s_check(g, lat, lon, 5, -10, -179.995, 5);
    regio_grid_destroy(&g);
}
