/* gen - synthetic rpp-1 regions (West-Brabant-like) for benchmarks and tests.
 *
 * One call writes one instance of the rpp-1 format (shared/spec/rpp.md) to a
 * stream: towns, schools with cohorts of learners, partners of the six kinds
 * clustered around towns, and their offerings with capacity per period and
 * weekly slot. The numbers follow shared/domain.md; the supply of slot-seats
 * is calibrated against the learners' demand so that planning is a real
 * optimisation problem (care and technology are scarce on purpose).
 *
 * Caveats:
 *   - Output is a pure function of the parameters: same params, same bytes
 *     (own PRNG, no clock, no rand()), on one platform and libm. Another libm
 *     may round a coordinate differently in the fifth decimal.
 *   - Output is streamed with fprintf; only compact structs stay in memory
 *     (about 12 MB at 100,000 learners), never a JSON tree. A learner's
 *     needs and preferences are drawn while it is written.
 *   - Crebo codes, vmbo profile codes and names are invented but plausible.
 */
#ifndef REGIO_GEN_H
#define REGIO_GEN_H

#include <stdint.h>
#include <stdio.h>

#define REGIO_GEN_MAX_LEARNERS 200000u /* beyond this the region would need more towns */
#define REGIO_GEN_MAX_PERIODS 12u      /* a school year has 4; 12 leaves room for odd calendars */
#define REGIO_GEN_MAX_WEEKS 53u        /* the rpp reader's upper bound for weeks */
#define REGIO_GEN_KINDS 6u             /* the six "praktijken" of the spec */
#define REGIO_GEN_FORMS 9u             /* snuffelstage .. schoolbedrijf */
#define REGIO_GEN_TRACKS 4u            /* mbo BOL, mbo BBL, vmbo lwt, vmbo orientation */
#define REGIO_GEN_SECTORS 8u           /* seven sectors plus the generic civic goals */

typedef struct regio_gen_params_t {
    uint32_t learners; /* the scale knob: every other count derives from it */
    uint64_t seed;     /* same seed and params give byte-identical output */
    uint32_t periods;  /* P1..Pn; each learner is listed in 2-4 of them */
    uint32_t weeks;    /* weeks per period; credit and travel scale with it */
    const char *name;  /* instance name; NULL means "west-brabant-<N>-<seed>"; borrowed for the call */
    int32_t start;     /* the first period's Monday in days since 1970-01-01 (the others follow
                          one after another), written as rpp-2; REGIO_RPP_NO_DATE
                          (regio/rpp.h): rpp-1 */
} regio_gen_params_t;

/* What was generated, so callers can report it without parsing the JSON. */
typedef struct regio_gen_stats_t {
    uint32_t towns;                               /* towns that host schools or partners */
    uint32_t schools;                             /* school ids s1..sK */
    uint32_t cohorts;                             /* groups that share practice days */
    uint32_t partners;                            /* all partners, schools included */
    uint32_t partners_by_kind[REGIO_GEN_KINDS];   /* shows every kind is present */
    uint32_t offerings;                           /* all offerings */
    uint32_t offerings_by_form[REGIO_GEN_FORMS];  /* shows the mix of forms */
    uint32_t learners;                            /* learners written */
    uint32_t learners_by_track[REGIO_GEN_TRACKS]; /* mbo/vmbo mix */
    uint32_t with_preferred;                      /* learners with preferred_partners */
    uint32_t with_history;                        /* learners with a history */
    double demand[REGIO_GEN_MAX_PERIODS];         /* slot-seats per week the listed learners need */
    double supply[REGIO_GEN_MAX_PERIODS];         /* slot-seats per week all offerings publish */
    double sector_demand[REGIO_GEN_SECTORS];      /* summed over periods; [7] = civic goal demand */
    double sector_supply[REGIO_GEN_SECTORS];      /* summed over periods; [7] = maatschappelijk seats */
    double mbo_demand;                            /* mbo slot-seats, summed over periods */
    double accredited_supply;                     /* seats only mbo learners can use */
} regio_gen_stats_t;

/* Set params to the defaults: 4 periods of 10 weeks without dates, seed 0,
 * no name and 0 learners (the caller must set learners). Can't fail. */
void regio_gen_params_init(regio_gen_params_t *params);

/* Check params against the limits above. Returns 0, or -EINVAL and sets
 * *why (may be NULL) to a static one-line reason. */
int regio_gen_params_check(const regio_gen_params_t *params, const char **why);

/* Generate one instance and write it to out as rpp-1 JSON, streaming.
 * stats (may be NULL) is filled on success. out is not closed or flushed
 * beyond what stdio does. Returns 0, -EINVAL (params fail the check),
 * -ENOMEM, or -EIO (a write failed: out may hold a partial instance). */
int regio_gen_write(const regio_gen_params_t *params, FILE *out, regio_gen_stats_t *stats);

/* Write stats as "key=value" lines (one per fact) to out, for people and
 * scripts. Returns 0 or -EIO. */
int regio_gen_stats_write(const regio_gen_stats_t *stats, uint32_t periods, FILE *out);

#endif
