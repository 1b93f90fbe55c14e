/* grid - a uniform lat/lon grid over points, for "what lies within r km".
 *
 * Finding each learner's eligible offerings must not be an all-pairs
 * haversine loop (100,000 learners x tens of thousands of offerings). The
 * grid returns a superset of the points within a radius, cheaply; callers
 * then apply the exact rule (regio_rpp_eligible). Near a pole or across the
 * antimeridian the query falls back to every point, so it is never wrong.
 */
#ifndef REGIO_GRID_H
#define REGIO_GRID_H

#include <stdint.h>

typedef struct regio_grid_s regio_grid_t;

/* Build a grid over n points (lat[i], lon[i] in degrees; arrays borrowed for
 * the call) with cells of about cell_km. NULL when out of memory. */
regio_grid_t *regio_grid_new(const double *lat, const double *lon, int32_t n, double cell_km);

/* Free a grid; accepts NULL and sets *self to NULL. */
void regio_grid_destroy(regio_grid_t **self);

/* Append to (*buf, *n, *cap) the index of every point that may lie within
 * km of (lat, lon): a superset of those that do. *buf is grown with realloc
 * and stays the caller's. Returns 0 or -ENOMEM. */
int regio_grid_query(const regio_grid_t *g, double lat, double lon, double km, int32_t **buf,
                     int32_t *n, int32_t *cap);

#endif
