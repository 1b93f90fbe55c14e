/* rng - a small, fast, seedable random generator (xoshiro256**).
 *
 * Engines must be deterministic for a fixed seed, so they never use rand()
 * or the clock for decisions; each search thread owns one regio_rng_t.
 */
#ifndef REGIO_RNG_H
#define REGIO_RNG_H

#include <stdint.h>

typedef struct {
    uint64_t s[4]; /* xoshiro256** state, never all zero */
} regio_rng_t;

static inline uint64_t regio_rng_splitmix(uint64_t *x)
{
    uint64_t z = (*x += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

/* Seed the generator; any seed (0 too) gives a valid state. */
static inline void regio_rng_seed(regio_rng_t *g, uint64_t seed)
{
    for (int i = 0; i < 4; i++)
        g->s[i] = regio_rng_splitmix(&seed);
}

static inline uint64_t regio_rng_next(regio_rng_t *g)
{
    uint64_t *s = g->s;
    uint64_t x = s[1] * 5;
    uint64_t res = ((x << 7) | (x >> 57)) * 9;
    uint64_t t = s[1] << 17;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = (s[3] << 45) | (s[3] >> 19);
    return res;
}

/* Uniform integer in 0..n-1 (n > 0); the tiny bias of the multiply is fine
 * for search decisions. */
static inline uint32_t regio_rng_below(regio_rng_t *g, uint32_t n)
{
    return (uint32_t)(((regio_rng_next(g) >> 32) * (uint64_t)n) >> 32);
}

/* Uniform double in [0, 1). */
static inline double regio_rng_unit(regio_rng_t *g)
{
    return (double)(regio_rng_next(g) >> 11) * 0x1.0p-53;
}

#endif
