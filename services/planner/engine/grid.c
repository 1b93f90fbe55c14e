/* grid - a uniform lat/lon grid over points, for "what lies within r km". */
#include "grid.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>

#define S_KM_PER_DEG (6371.0 * M_PI / 180.0) /* along a meridian */
#define S_MAX_CELLS (1 << 22)
#define S_SLACK_DEG 1e-6 /* round-off margin on every box edge */

struct regio_grid_s {
    int32_t n;             /* points */
    int32_t nx, ny;        /* cells along lon and lat */
    double lat0, lon0;     /* south-west corner */
    double dlat, dlon;     /* cell size in degrees */
    int32_t *start;        /* nx*ny+1 offsets into item */
    int32_t *item;         /* point indexes, grouped by cell */
};

static int32_t s_clampi(double v, int32_t hi)
{
    if (v < 0)
        return 0;
    if (v > hi)
        return hi;
    return (int32_t)v;
}

static int32_t s_cell(const regio_grid_t *g, double lat, double lon)
{
    int32_t y = s_clampi((lat - g->lat0) / g->dlat, g->ny - 1);
    int32_t x = s_clampi((lon - g->lon0) / g->dlon, g->nx - 1);
    return y * g->nx + x;
}

/* Choose the cell size: about cell_km, but never more than S_MAX_CELLS. */
static void s_shape(regio_grid_t *g, double lat1, double lon1, double cell_km)
{
    double mid = (g->lat0 + lat1) / 2 * M_PI / 180.0;
    double c = cos(mid) > 0.05 ? cos(mid) : 0.05;
    g->dlat = cell_km / S_KM_PER_DEG;
    g->dlon = g->dlat / c;
    for (;;) {
        double ny = floor((lat1 - g->lat0) / g->dlat) + 1;
        double nx = floor((lon1 - g->lon0) / g->dlon) + 1;
        if (nx * ny <= S_MAX_CELLS) {
            g->nx = (int32_t)nx;
            g->ny = (int32_t)ny;
            return;
        }
        g->dlat *= 2;
        g->dlon *= 2;
    }
}

regio_grid_t *regio_grid_new(const double *lat, const double *lon, int32_t n, double cell_km)
{
    regio_grid_t *g = calloc(1, sizeof *g);
    if (!g)
        return NULL;
    g->n = n;
    double lat1 = 0, lon1 = 0;
    g->lat0 = g->lon0 = 0;
    for (int32_t i = 0; i < n; i++) {
        if (i == 0 || lat[i] < g->lat0)
            g->lat0 = lat[i];
        if (i == 0 || lon[i] < g->lon0)
            g->lon0 = lon[i];
        if (i == 0 || lat[i] > lat1)
            lat1 = lat[i];
        if (i == 0 || lon[i] > lon1)
            lon1 = lon[i];
    }
    s_shape(g, lat1, lon1, cell_km > 0 ? cell_km : 5.0);
    size_t cells = (size_t)g->nx * (size_t)g->ny;
    g->start = calloc(cells + 1, sizeof *g->start);
    g->item = malloc((size_t)(n ? n : 1) * sizeof *g->item);
    if (!g->start || !g->item) {
        regio_grid_destroy(&g);
        return NULL;
    }
    for (int32_t i = 0; i < n; i++)
        g->start[s_cell(g, lat[i], lon[i]) + 1]++;
    for (size_t c = 0; c < cells; c++)
        g->start[c + 1] += g->start[c];
    int32_t *fill = malloc((cells ? cells : 1) * sizeof *fill);
    if (!fill) {
        regio_grid_destroy(&g);
        return NULL;
    }
    for (size_t c = 0; c < cells; c++)
        fill[c] = g->start[c];
    for (int32_t i = 0; i < n; i++)
        g->item[fill[s_cell(g, lat[i], lon[i])]++] = i;
    free(fill);
    return g;
}

void regio_grid_destroy(regio_grid_t **self)
{
    if (!self || !*self)
        return;
    free((*self)->start);
    free((*self)->item);
    free(*self);
    *self = NULL;
}

static int s_push(int32_t **buf, int32_t *n, int32_t *cap, const int32_t *v, int32_t m)
{
    if (*n + m > *cap) {
        int32_t ncap = *cap ? *cap : 64;
        while (ncap < *n + m)
            ncap *= 2;
        int32_t *nb = realloc(*buf, (size_t)ncap * sizeof *nb);
        if (!nb)
            return -ENOMEM;
        *buf = nb;
        *cap = ncap;
    }
    for (int32_t i = 0; i < m; i++)
        (*buf)[*n + i] = v[i];
    *n += m;
    return 0;
}

/* Half-width in degrees of longitude of the box holding every point within
 * km of a point at latitude lat, or -1 when the box spans all longitudes. */
static double s_lon_halfwidth(double lat, double dlat, double km)
{
    double phimax = (fabs(lat) + dlat) * M_PI / 180.0;
    double cosprod = cos(lat * M_PI / 180.0) * cos(phimax);
    double s = sin(km / 6371.0 / 2);
    if (cosprod <= 0)
        return -1;
    double h = s * s / cosprod;
    if (h >= 1.0)
        return -1;
    return 2 * asin(sqrt(h)) * 180.0 / M_PI * (1 + 1e-9) + S_SLACK_DEG;
}

int regio_grid_query(const regio_grid_t *g, double lat, double lon, double km, int32_t **buf,
                     int32_t *n, int32_t *cap)
{
    if (g->n == 0)
        return 0;
    double dlat = km / S_KM_PER_DEG * (1 + 1e-9) + S_SLACK_DEG;
    double dlon = s_lon_halfwidth(lat, dlat, km);
    if (lat + dlat >= 90.0 || lat - dlat <= -90.0 || dlon < 0 || lon - dlon < -180.0 ||
        lon + dlon > 180.0)
        return s_push(buf, n, cap, g->item, g->n); /* rare: every point */
    double ya = (lat - dlat - g->lat0) / g->dlat, yb = (lat + dlat - g->lat0) / g->dlat;
    double xa = (lon - dlon - g->lon0) / g->dlon, xb = (lon + dlon - g->lon0) / g->dlon;
    if (yb < 0 || xb < 0 || ya >= g->ny || xa >= g->nx)
        return 0;
    int32_t y0 = s_clampi(ya, g->ny - 1), y1 = s_clampi(yb, g->ny - 1);
    int32_t x0 = s_clampi(xa, g->nx - 1), x1 = s_clampi(xb, g->nx - 1);
    for (int32_t y = y0; y <= y1; y++) {
        int32_t a = g->start[y * g->nx + x0], b = g->start[y * g->nx + x1 + 1];
        if (b > a && s_push(buf, n, cap, g->item + a, b - a) < 0)
            return -ENOMEM;
    }
    return 0;
}
