/* gen - synthetic rpp-1 regions, with dated periods rpp-2 (see gen.h).
 *
 * Order of work: towns, schools, cohorts and learners (kept compact), the
 * demand they create per sector, town and period; then partners and
 * offerings placed where that demand is; then capacity scaled per sector and
 * period to a target supply/demand ratio; then everything is written, the
 * learners' needs and preferences drawn while they are written. */
#include "gen.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "regio/privacy.h"
#include "regio/rpp.h"

#define S_SLOTS 10
#define S_NSEC 7             /* real sectors */
#define S_GENERIC 7          /* pseudo-sector of the civic (MAAT-*) goals */
#define S_MAX_TOWNS 40
#define S_MAX_GOALS 8
#define S_PI 3.14159265358979323846
#define S_CODE_O 16          /* goal codes: 0..15 work processes, 16.. orientation */
#define S_CODE_MAAT 32       /* 32.. generic civic goals */
#define S_CAND 8             /* nearby partners kept for preferences/history */

enum { K_BUSINESS, K_GOVERNMENT, K_INSTITUTION, K_KNOWLEDGE, K_CIVIC, K_EDUCATION };
enum { F_SNUFFEL, F_ORIENT, F_VOORB, F_OPLEID, F_LWT, F_MAAT, F_SIM, F_WORKSHOP, F_SCHOOL };
enum { T_BOL, T_BBL, T_LWT, T_ORIENT };

/* Tables ------------------------------------------------------------------ */

typedef struct {
    const char *name; /* goes into partner names */
    double lat, lon;  /* town centre: schools, partners and learners scatter around it */
    double pop;       /* thousands; weights schools and partners */
} s_town_t;

/* Biggest first: small instances use only the first eight. Tilburg sits on
 * the region's edge, so it counts for less than its size. */
static const s_town_t s_towns[] = {
    {"Breda", 51.5890, 4.7760, 185},         {"Tilburg", 51.5600, 5.0910, 110},
    {"Roosendaal", 51.5310, 4.4650, 77},     {"Bergen op Zoom", 51.4950, 4.2910, 68},
    {"Oosterhout", 51.6450, 4.8600, 56},     {"Waalwijk", 51.6830, 5.0700, 48},
    {"Etten-Leur", 51.5700, 4.6370, 44},     {"Dongen", 51.6270, 4.9390, 26},
    {"Essen", 51.4650, 4.4660, 19},          {"Zevenbergen", 51.6450, 4.6060, 15},
    {"Rijen", 51.5900, 4.9200, 17},          {"Hoogstraten", 51.4000, 4.7600, 21},
    {"Oudenbosch", 51.5900, 4.5300, 13},     {"Kaatsheuvel", 51.6560, 5.0380, 17},
    {"Zundert", 51.4700, 4.6560, 22},        {"Goirle", 51.5200, 5.0670, 23},
    {"Made", 51.6760, 4.7930, 12},           {"Raamsdonksveer", 51.6970, 4.8730, 14},
    {"Steenbergen", 51.5850, 4.3190, 10},    {"Kalmthout", 51.3840, 4.4750, 18},
    {"Brecht", 51.3500, 4.6380, 29},         {"Wuustwezel", 51.3910, 4.5950, 21},
    {"Hoogerheide", 51.4240, 4.3260, 11},    {"Drunen", 51.6860, 5.1330, 18},
    {"Prinsenbeek", 51.6000, 4.7130, 12},    {"Halsteren", 51.5280, 4.2750, 13},
    {"Sint Willebrord", 51.5460, 4.5880, 9}, {"Merksplas", 51.3590, 4.8630, 9},
    {"Teteringen", 51.6100, 4.8230, 7},      {"Terheijden", 51.6430, 4.7530, 7},
    {"Baarle-Nassau", 51.4460, 4.9300, 7},   {"Gilze", 51.5430, 4.9400, 6},
    {"Wouw", 51.5230, 4.3900, 6},            {"Hoeven", 51.5790, 4.5850, 6},
    {"Klundert", 51.6640, 4.5350, 6},        {"Fijnaart", 51.6360, 4.4700, 6},
    {"Rijsbergen", 51.5170, 4.6970, 6},      {"Rucphen", 51.5320, 4.5580, 5},
    {"Chaam", 51.5050, 4.8610, 4},           {"Lage Zwaluwe", 51.7100, 4.7050, 3},
};

typedef struct {
    const char *name;       /* for the summary only: rpp-1 has no sector field */
    const char *prefix;     /* goal codes: <prefix>-W<n>, <prefix>-O<n> */
    const char *quals[3];   /* mbo crebo codes of the sector */
    uint8_t nquals;         /* used entries of quals */
    uint8_t nwork;          /* work-process goals (werkprocessen), 4-8 */
    uint8_t norient;        /* orientation goals for vmbo pupils */
    const char *profile;    /* vmbo profile: a qualification no accredited offering lists */
    double mbo_share;       /* of mbo learners */
    double vmbo_share;      /* of vmbo pupils */
    double ratio;           /* target supply/demand of slot-seats: < 0.7 is scarce */
    uint8_t age16, age18;   /* % of accredited offerings with that min_age */
    const char *words[3];   /* business names */
    double kinds[5];        /* weight of business..civic among this sector's partners */
} s_sector_t;

static const s_sector_t s_sectors[S_NSEC] = {
    {"care", "ZORG", {"25491", "25487", "25480"}, 3, 7, 2, "vmbo-ZW", 0.20, 0.22, 0.50, 40, 20,
     {"Thuiszorg", "Zorgpunt", "Apotheek"}, {30, 5, 55, 5, 5}},
    {"logistics", "LOG", {"25472", "25473"}, 2, 6, 2, "vmbo-MT", 0.12, 0.12, 0.90, 0, 30,
     {"Transport", "Distributie", "Warehouse"}, {85, 5, 0, 5, 5}},
    {"technology", "TECH", {"25751", "25749", "25760"}, 3, 8, 2, "vmbo-PIE", 0.15, 0.15, 0.60,
     25, 5, {"Metaal", "Machinebouw", "Elektro"}, {85, 3, 2, 10, 0}},
    {"economy", "ECO", {"25678", "25670"}, 2, 5, 2, "vmbo-EO", 0.18, 0.18, 0.95, 0, 0,
     {"Administratie", "Accountants", "Kantoor"}, {60, 25, 10, 3, 2}},
    {"hospitality", "HOR", {"25535", "25552"}, 2, 6, 3, "vmbo-HBR", 0.15, 0.18, 1.00, 15, 0,
     {"Hotel", "Restaurant", "Winkel"}, {85, 0, 10, 0, 5}},
    {"green", "GROEN", {"25612", "25603"}, 2, 4, 2, "vmbo-GR", 0.07, 0.07, 0.95, 15, 0,
     {"Hoveniers", "Kwekerij", "Groenbeheer"}, {60, 25, 0, 5, 10}},
    {"energy", "ENER", {"25755", "25754"}, 2, 6, 2, "vmbo-BWI", 0.13, 0.08, 0.90, 30, 0,
     {"Installatie", "Zonnepanelen", "Warmtenet"}, {75, 10, 0, 15, 0}},
};
static const double s_generic_ratio = 0.8; /* civic seats vs the civic goals' demand */

static const char *const s_kind_names[REGIO_GEN_KINDS] = {
    "business", "government", "institution", "knowledge", "civic", "education"};
static const char *const s_track_names[REGIO_GEN_TRACKS] = {"mbo_bol", "mbo_bbl", "vmbo_lwt",
                                                             "vmbo_orientation"};

typedef struct {
    const char *name;   /* the form as written in the instance */
    uint8_t accredited; /* lists qualifications: SBB accreditation needed */
    uint8_t group;      /* group seats: fixed, calibration scales individual places only */
    uint8_t min_days, max_days; /* whole days: companies prefer them (one trip a day) */
    uint8_t min_seats, max_seats; /* per slot, before calibration */
    uint8_t present;    /* % chance a period has seats at all */
} s_form_t;

static const s_form_t s_forms[REGIO_GEN_FORMS] = {
    {"snuffelstage", 0, 0, 1, 3, 1, 3, 70},
    {"beroepsorienterend", 0, 0, 2, 4, 1, 2, 70},
    {"beroepsvoorbereidend", 0, 0, 2, 3, 1, 3, 80},
    {"beroepsopleidend", 1, 0, 2, 5, 1, 3, 80},
    {"leerwerktraject", 1, 0, 3, 4, 1, 2, 85},
    {"maatschappelijk", 0, 0, 1, 2, 2, 5, 70},
    {"simulatie", 0, 1, 3, 5, 8, 16, 90},
    {"workshop", 0, 1, 1, 2, 4, 8, 30},
    {"schoolbedrijf", 0, 1, 2, 4, 4, 10, 90},
};

/* Forms offered by general partners of each kind (education is handled apart). */
static const double s_kind_forms[5][REGIO_GEN_FORMS] = {
    {15, 15, 15, 37, 9, 0, 0, 9, 0},   /* business */
    {15, 0, 0, 45, 0, 25, 0, 15, 0},   /* government */
    {15, 10, 15, 40, 0, 15, 0, 5, 0},  /* institution */
    {0, 0, 0, 60, 0, 0, 0, 40, 0},     /* knowledge */
    {0, 0, 0, 0, 0, 80, 0, 20, 0},     /* civic */
};

static const char *const s_kind_words[5][3] = {
    {"", "", ""}, /* business: the sector's words */
    {"Gemeente", "Waterschap", "Omgevingsdienst"},
    {"Zorgcentrum", "Museum", "Stichting"},
    {"Expertisecentrum", "Lectoraat", "Kenniscentrum"},
    {"Buurtcoop", "Sportclub", "Dorpshuis"},
};

/* Model ------------------------------------------------------------------- */

typedef struct { uint64_t s[4]; /* xoshiro256** state */ } s_rng_t;

typedef struct {
    uint8_t town;       /* its learners live around this town */
    uint8_t mbo;        /* mbo college, else vmbo school */
    uint32_t learners;  /* learners enrolled, fixed before cohorts are made */
    uint32_t cohort0;   /* first cohort of the school */
    uint32_t ncohorts;  /* cohorts cohort0.. belong to the school */
} s_school_t;

typedef struct {
    uint32_t school;                       /* school index */
    uint32_t size;                         /* learners in the cohort */
    uint8_t sector, track, qual;           /* shared by the class: what, how, which crebo */
    uint16_t periods;                      /* bit p: the cohort is planned in period p */
    uint16_t free[REGIO_GEN_MAX_PERIODS];  /* slot mask per period, shared by the cohort */
} s_cohort_t;

typedef struct {
    double lat, lon;   /* home, rounded as the planner keeps it (regio/privacy.h) */
    uint32_t cohort;   /* school, track, sector, free slots come from here */
    uint16_t periods;  /* the cohort's periods, sometimes one fewer */
    uint8_t dagdelen, age, max_km; /* as written in the instance */
    uint8_t maat;      /* needs a civic goal too */
} s_learner_t;

typedef struct {
    double lat, lon;   /* main site, rounded as printed */
    uint8_t kind, sector, town; /* sector: where most of its offerings are */
    const char *word;  /* first word of the name */
    int32_t school;    /* school index for education partners that are schools, else -1 */
    int32_t anchor;    /* cohort a general partner was placed for, else -1 */
} s_partner_t;

typedef struct {
    uint32_t partner;      /* partner index */
    double lat, lon;       /* site, rounded as printed */
    uint8_t form, sector, min_age, ngoals, nquals; /* sector S_GENERIC: civic goals */
    uint8_t goals[S_MAX_GOALS];                   /* goal codes, sorted */
    uint8_t quals[2];                             /* indexes into the sector's quals */
    uint8_t cap[REGIO_GEN_MAX_PERIODS][S_SLOTS];  /* seats per period and slot */
} s_offering_t;

typedef struct {
    const regio_gen_params_t *prm;  /* borrowed from the caller */
    uint32_t ntowns, nschools, ncohorts, npartners, nofferings, cap_offerings; /* used lengths */
    s_school_t *schools;            /* nschools */
    s_cohort_t *cohorts;            /* room for one per learner; ncohorts used */
    s_learner_t *learners;          /* prm->learners */
    s_partner_t *partners;          /* sized for the most s_build can make */
    s_offering_t *offerings;        /* grows; cap_offerings allocated */
    uint32_t *by_sector;                       /* offering indexes grouped by sector */
    uint32_t sector_start[S_NSEC + 1];         /* by_sector[sector_start[s]..] */
    double demand[S_NSEC + 1][REGIO_GEN_MAX_PERIODS]; /* slot-seats per week; [S_GENERIC] civic */
    double town_demand[S_MAX_TOWNS][S_NSEC];   /* learner-periods: each one needs a place */
    double town_days[S_MAX_TOWNS][5];          /* learner-days free per weekday */
    double day_weights[S_MAX_TOWNS][5];        /* partners lean to the local schools' days */
    regio_gen_stats_t st;                      /* handed to the caller at the end */
} s_world_t;

/* PRNG: xoshiro256** seeded by splitmix64 ---------------------------------- */

static uint64_t s_splitmix(uint64_t *x)
{
    uint64_t z = (*x += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

/* One independent stream per phase, so a change in one phase leaves the
 * others' draws alone. */
static void s_rng_seed(s_rng_t *r, uint64_t seed, uint64_t stream)
{
    uint64_t x = seed ^ (stream * 0xD1B54A32D192ED03ull);
    for (int i = 0; i < 4; i++)
        r->s[i] = s_splitmix(&x);
}

static uint64_t s_rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }

static uint64_t s_rng_next(s_rng_t *r)
{
    uint64_t *s = r->s;
    uint64_t out = s_rotl(s[1] * 5, 7) * 9, t = s[1] << 17;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = s_rotl(s[3], 45);
    return out;
}

static double s_unit(s_rng_t *r) { return (double)(s_rng_next(r) >> 11) * 0x1.0p-53; }

static uint32_t s_below(s_rng_t *r, uint32_t n)
{
    return (uint32_t)(((s_rng_next(r) >> 32) * (uint64_t)n) >> 32);
}

static int s_range(s_rng_t *r, int lo, int hi) { return lo + (int)s_below(r, (uint32_t)(hi - lo + 1)); }

static int s_pct(s_rng_t *r, unsigned pct) { return s_below(r, 100) < pct; }

static double s_gauss(s_rng_t *r)
{
    double u = 1.0 - s_unit(r), v = s_unit(r);
    return sqrt(-2.0 * log(u)) * cos(2.0 * S_PI * v);
}

/* Index drawn with probability w[i]/sum(w); n >= 1 and some w[i] > 0. */
static size_t s_weighted(s_rng_t *r, const double *w, size_t n)
{
    double total = 0, x;
    size_t last = 0;
    for (size_t i = 0; i < n; i++)
        total += w[i];
    x = s_unit(r) * total;
    for (size_t i = 0; i < n; i++) {
        if (w[i] <= 0)
            continue;
        last = i;
        if ((x -= w[i]) < 0)
            return i;
    }
    return last;
}

/* Knuth's Poisson draw; fine for the small means used here. */
static int s_poisson(s_rng_t *r, double mean)
{
    double l = exp(-mean), p = 1.0;
    int k = 0;
    while ((p *= s_unit(r)) > l && k < 8)
        k++;
    return k;
}

/* Fill out[0..k) with k distinct values from 0..n-1 (k <= n <= 16). */
static void s_distinct(s_rng_t *r, uint32_t n, uint32_t k, uint8_t *out)
{
    uint8_t pool[16];
    for (uint32_t i = 0; i < n; i++)
        pool[i] = (uint8_t)i;
    for (uint32_t i = 0; i < k; i++) {
        uint32_t j = i + s_below(r, n - i);
        uint8_t t = pool[i];
        pool[i] = pool[j];
        pool[j] = t;
        out[i] = pool[i];
    }
}

static int s_popcount(uint32_t x)
{
    int n = 0;
    for (; x; x &= x - 1)
        n++;
    return n;
}

/* Geometry ---------------------------------------------------------------- */

/* Coordinates are rounded to what is printed, so every distance computed
 * here is the distance the checker will compute. */
static double s_round5(double x) { return round(x * 1e5) / 1e5; }

static void s_scatter(s_rng_t *r, double lat, double lon, double sigma_km, double *olat, double *olon)
{
    double dy = s_gauss(r) * sigma_km, dx = s_gauss(r) * sigma_km;
    *olat = s_round5(lat + dy / 111.2);
    *olon = s_round5(lon + dx / (111.32 * cos(lat * S_PI / 180.0)));
}

static double s_km(double lat1, double lon1, double lat2, double lon2)
{
    double p1 = lat1 * S_PI / 180.0, p2 = lat2 * S_PI / 180.0;
    double dp = p2 - p1, dl = (lon2 - lon1) * S_PI / 180.0;
    double a = sin(dp / 2) * sin(dp / 2) + cos(p1) * cos(p2) * sin(dl / 2) * sin(dl / 2);
    return 2 * 6371.0 * asin(sqrt(a < 1.0 ? a : 1.0));
}

/* How far things spread around a town centre: bigger towns, wider spread. */
static double s_town_sigma(uint32_t town, double base, double extra)
{
    return base + extra * sqrt(s_towns[town].pop / 185.0);
}

/* Schools, cohorts, learners ---------------------------------------------- */

/* Schools in towns (colleges in the big ones) and how many learners each has.
 * Returns 0 or -ENOMEM. */
static int s_make_schools(s_world_t *w, s_rng_t *r)
{
    uint32_t n = w->prm->learners, nmbo = (uint32_t)llround(0.65 * n);
    double tw[S_MAX_TOWNS], sw[2] = {0, 0}, *weight;
    uint32_t count[2][S_MAX_TOWNS] = {{0}};

    weight = calloc(w->nschools, sizeof *weight);
    if (!weight)
        return -ENOMEM;
    for (uint32_t k = 0; k < w->nschools; k++) {
        s_school_t *s = &w->schools[k];
        s->mbo = (k % 4 == 0); /* one school in four is an mbo college, with 65% of the learners */
        /* Colleges sit in the big towns; a town that has a school of the
         * kind already is less likely to get another. */
        for (uint32_t t = 0; t < w->ntowns; t++)
            tw[t] = s->mbo ? (t < 8 ? pow(s_towns[t].pop, 1.5) / pow(1 + count[1][t], 3) : 0)
                           : s_towns[t].pop / (1 + count[0][t]);
        s->town = k == 0 ? 0 : (uint8_t)s_weighted(r, tw, w->ntowns); /* s1: the college in Breda */
        count[s->mbo][s->town]++;
        weight[k] = 0.5 + s_unit(r);
        sw[s->mbo] += weight[k];
    }
    /* Split each group's learners by weight, exactly (cumulative rounding). */
    double cum[2] = {0, 0};
    uint32_t done[2] = {0, 0}, total[2] = {n - nmbo, nmbo};
    for (uint32_t k = 0; k < w->nschools; k++) {
        int m = w->schools[k].mbo;
        cum[m] += weight[k];
        uint32_t upto = (uint32_t)floor(total[m] * cum[m] / sw[m] + 1e-9);
        if (upto > total[m])
            upto = total[m];
        w->schools[k].learners = upto - done[m];
        done[m] = upto;
    }
    for (uint32_t k = w->nschools; k-- > 0;) { /* rounding leftovers go to the last school */
        int m = w->schools[k].mbo;
        w->schools[k].learners += total[m] - done[m];
        done[m] = total[m];
    }
    free(weight);
    return 0;
}

/* Schools and companies share a mild preference for Tuesday and Thursday
 * and against Friday. */
static const double s_day_pop[5] = {1.0, 1.15, 1.0, 1.15, 0.7};

/* k distinct weekdays, drawn by weight, as a slot mask (both parts of each
 * day, or only the afternoons). */
static uint16_t s_pick_days(s_rng_t *r, const double *weight, int k, int afternoons_only)
{
    double pop[5];
    uint16_t mask = 0;
    memcpy(pop, weight, sizeof pop);
    for (int i = 0; i < k; i++) {
        size_t d = s_weighted(r, pop, 5);
        pop[d] = 0;
        mask |= (uint16_t)((afternoons_only ? 2u : 3u) << (2 * d));
    }
    return mask;
}

/* A cohort's week shape stays all year: days at practice, or (shape 0, for
 * orientation pupils) two afternoons. Which days it is may change. */
static int s_pick_shape(s_rng_t *r, int track)
{
    switch (track) {
    case T_BOL: return s_pct(r, 55) ? 2 : 3;
    case T_BBL: return 4;
    case T_LWT: return s_pct(r, 60) ? 2 : 3;
    default: return s_pct(r, 85) ? 1 : 0;
    }
}

static uint16_t s_pick_week(s_rng_t *r, int shape)
{
    return shape ? s_pick_days(r, s_day_pop, shape, 0) : s_pick_days(r, s_day_pop, 2, 1);
}

/* Which periods a cohort is planned in: mbo in one block, vmbo spread. */
static uint16_t s_pick_periods(s_rng_t *r, int track, uint32_t nper)
{
    static const double sizes[REGIO_GEN_TRACKS][3] = {{40, 40, 20}, {0, 30, 70}, {0, 50, 50}, {60, 40, 0}};
    uint32_t k = 2 + (uint32_t)s_weighted(r, sizes[track], 3);
    uint16_t mask = 0;
    uint8_t pick[16];
    if (k > nper)
        k = nper;
    if (track == T_BOL || track == T_BBL) {
        uint32_t start = s_below(r, nper - k + 1);
        return (uint16_t)(((1u << k) - 1) << start);
    }
    s_distinct(r, nper, k, pick);
    for (uint32_t i = 0; i < k; i++)
        mask |= (uint16_t)(1u << pick[i]);
    return mask;
}

static void s_make_cohort(s_world_t *w, s_rng_t *r, uint32_t school, s_cohort_t *c)
{
    double share[S_NSEC];
    int mbo = w->schools[school].mbo;
    uint16_t week = 0;
    int shape;
    c->school = school;
    c->track = (uint8_t)(mbo ? (s_pct(r, 70) ? T_BOL : T_BBL) : (s_pct(r, 55) ? T_ORIENT : T_LWT));
    for (int s = 0; s < S_NSEC; s++)
        share[s] = mbo ? s_sectors[s].mbo_share : s_sectors[s].vmbo_share;
    c->sector = (uint8_t)s_weighted(r, share, S_NSEC);
    c->qual = mbo ? (uint8_t)s_below(r, s_sectors[c->sector].nquals) : 0;
    c->periods = s_pick_periods(r, c->track, w->prm->periods);
    memset(c->free, 0, sizeof c->free);
    shape = s_pick_shape(r, c->track);
    for (uint32_t p = 0; p < w->prm->periods; p++) {
        if (!(c->periods >> p & 1))
            continue;
        if (!week || s_pct(r, c->track == T_BOL || c->track == T_ORIENT ? 40 : 25)) /* timetables shift */
            week = s_pick_week(r, shape);
        c->free[p] = week;
    }
}

/* Draw a value from a small table of (value, weight) pairs. */
static int s_table(s_rng_t *r, const int (*tab)[2], size_t n)
{
    double wt[8];
    for (size_t i = 0; i < n; i++)
        wt[i] = tab[i][1];
    return tab[s_weighted(r, wt, n)][0];
}

static void s_make_learner(s_world_t *w, s_rng_t *r, uint32_t cohort, s_learner_t *l)
{
    static const int age_bol[][2] = {{16, 25}, {17, 30}, {18, 25}, {19, 12}, {20, 8}};
    static const int age_bbl[][2] = {{17, 5}, {18, 15}, {19, 25}, {20, 25}, {21, 15}, {22, 15}};
    static const int age_lwt[][2] = {{14, 30}, {15, 45}, {16, 25}};
    static const int age_ori[][2] = {{12, 30}, {13, 45}, {14, 25}};
    static const int km_mbo[][2] = {{10, 20}, {12, 15}, {15, 30}, {20, 20}, {25, 15}};
    static const int km_vmbo[][2] = {{5, 15}, {8, 20}, {10, 30}, {12, 20}, {15, 15}};
    static const int dd_lwt[][2] = {{2, 25}, {3, 15}, {4, 60}};
    const s_cohort_t *c = &w->cohorts[cohort];
    const s_school_t *sc = &w->schools[c->school];
    int mbo = sc->mbo, nfree = 0;

    for (uint32_t p = 0; p < w->prm->periods; p++) /* the same in every period of a cohort */
        if (c->periods >> p & 1 && (!nfree || s_popcount(c->free[p]) < nfree))
            nfree = s_popcount(c->free[p]);
    l->cohort = cohort;
    switch (c->track) {
    case T_BOL:
        l->age = (uint8_t)s_table(r, age_bol, 5);
        l->dagdelen = (uint8_t)(nfree >= 6 && s_pct(r, 60) ? 6 : 4);
        break;
    case T_BBL:
        l->age = (uint8_t)s_table(r, age_bbl, 6);
        l->dagdelen = (uint8_t)(s_pct(r, 60) ? 6 : 8);
        break;
    case T_LWT:
        l->age = (uint8_t)s_table(r, age_lwt, 3);
        l->dagdelen = (uint8_t)s_table(r, dd_lwt, 3);
        break;
    default:
        l->age = (uint8_t)s_table(r, age_ori, 3);
        l->dagdelen = 2;
    }
    if (l->dagdelen > nfree)
        l->dagdelen = (uint8_t)nfree;
    l->periods = c->periods;
    if (s_popcount(c->periods) > 2 && s_pct(r, 15)) { /* missed one period: ill, exchange, late start */
        uint8_t drop;
        do
            drop = (uint8_t)s_below(r, w->prm->periods);
        while (!(l->periods >> drop & 1));
        l->periods &= (uint16_t)~(1u << drop);
    }
    l->max_km = (uint8_t)(mbo ? s_table(r, km_mbo, 5) : s_table(r, km_vmbo, 5));
    s_scatter(r, s_towns[sc->town].lat, s_towns[sc->town].lon,
              mbo ? s_town_sigma(sc->town, 2.0, 3.0) : s_town_sigma(sc->town, 1.2, 2.0), &l->lat, &l->lon);
    l->lat = regio_privacy_home_round(l->lat); /* as the planner keeps a home: ~100 m */
    l->lon = regio_privacy_home_round(l->lon);
    l->maat = (uint8_t)s_pct(r, mbo ? 8 : 30);
}

/* Cohorts of 10-30 per school, learners in school and cohort order. */
static void s_make_learners(s_world_t *w, s_rng_t *r)
{
    uint32_t li = 0;
    w->ncohorts = 0;
    for (uint32_t k = 0; k < w->nschools; k++) {
        s_school_t *s = &w->schools[k];
        uint32_t left = s->learners;
        s->cohort0 = w->ncohorts;
        while (left > 0) {
            uint32_t size = (uint32_t)s_range(r, 10, 30), c = w->ncohorts++;
            if (size > left)
                size = left;
            s_make_cohort(w, r, k, &w->cohorts[c]);
            w->cohorts[c].size = size;
            for (uint32_t i = 0; i < size; i++)
                s_make_learner(w, r, c, &w->learners[li++]);
            left -= size;
        }
        s->ncohorts = w->ncohorts - s->cohort0;
    }
}

/* Demand in slot-seats per week: what the learners would use if all placed.
 * A civic goal takes about one of the learner's periods. */
static void s_tally_demand(s_world_t *w)
{
    for (uint32_t i = 0; i < w->prm->learners; i++) {
        const s_learner_t *l = &w->learners[i];
        const s_cohort_t *c = &w->cohorts[l->cohort];
        int np = s_popcount(l->periods);
        for (uint32_t p = 0; p < w->prm->periods; p++) {
            if (!(l->periods >> p & 1))
                continue;
            w->demand[c->sector][p] += l->dagdelen;
            if (l->maat)
                w->demand[S_GENERIC][p] += (double)l->dagdelen / np;
        }
        w->town_demand[w->schools[c->school].town][c->sector] += np;
        for (uint32_t p = 0; p < w->prm->periods; p++)
            for (int d = 0; d < 5; d++)
                w->town_days[w->schools[c->school].town][d] += (l->periods >> p & 1) && (c->free[p] >> (2 * d) & 3);
        w->st.learners_by_track[c->track]++;
        if (c->track <= T_BBL)
            w->st.mbo_demand += (double)l->dagdelen * np;
    }
}

/* Partners and offerings -------------------------------------------------- */

/* Companies that take learners from the schools nearby adapt to their
 * practice days: each town's offerings lean towards the days its learners
 * are free, more so where few cohorts make those days lumpy. */
static void s_day_weights(s_world_t *w)
{
    double base = 0;
    for (int d = 0; d < 5; d++)
        base += s_day_pop[d];
    for (uint32_t t = 0; t < w->ntowns; t++) {
        double total = 0;
        for (int d = 0; d < 5; d++)
            total += w->town_days[t][d];
        for (int d = 0; d < 5; d++)
            w->day_weights[t][d] = total > 0 ? 0.4 * s_day_pop[d] / base + 0.6 * w->town_days[t][d] / total
                                             : s_day_pop[d] / base;
    }
}

static uint32_t s_add_partner(s_world_t *w, s_rng_t *r, int kind, int sector, uint32_t town,
                              double sigma, const char *word, int32_t school)
{
    s_partner_t *p = &w->partners[w->npartners];
    p->kind = (uint8_t)kind;
    p->sector = (uint8_t)sector;
    p->town = (uint8_t)town;
    p->word = word;
    p->school = school;
    p->anchor = -1;
    s_scatter(r, s_towns[town].lat, s_towns[town].lon, sigma, &p->lat, &p->lon);
    w->st.partners_by_kind[kind]++;
    return w->npartners++;
}

/* Goal sets (offerings' goals, learners' needs) are small sorted code lists. */
static void s_push_goal(uint8_t *v, uint8_t *n, int code)
{
    for (int i = 0; i < *n; i++)
        if (v[i] == code)
            return;
    if (*n < S_MAX_GOALS)
        v[(*n)++] = (uint8_t)code;
}

static int s_cmp_u8(const void *a, const void *b) { return *(const uint8_t *)a - *(const uint8_t *)b; }

/* k distinct goals from codes base..base+n-1. */
static void s_push_goals(s_rng_t *r, uint8_t *v, uint8_t *nv, int base, int n, int k)
{
    uint8_t pick[16];
    if (k > n)
        k = n;
    s_distinct(r, (uint32_t)n, (uint32_t)k, pick);
    for (int i = 0; i < k; i++)
        s_push_goal(v, nv, base + pick[i]);
}

/* Goals by form: accredited places teach any work process, orientation
 * forms the orientation goals, simulations several work processes at once. */
static void s_pick_goals(s_rng_t *r, s_offering_t *o)
{
    const s_sector_t *s = &s_sectors[o->sector < S_NSEC ? o->sector : 0];
    int nw = s->nwork, no = s->norient, basic = (nw + 1) / 2 + 1 < nw ? (nw + 1) / 2 + 1 : nw;
    o->ngoals = 0;
    switch (o->form) {
    case F_MAAT: s_push_goals(r, o->goals, &o->ngoals, S_CODE_MAAT, 3, s_range(r, 1, 2)); break;
    case F_OPLEID:
    case F_LWT: s_push_goals(r, o->goals, &o->ngoals, 0, nw, s_range(r, 2, 4)); break;
    case F_VOORB:
        s_push_goals(r, o->goals, &o->ngoals, 0, basic, s_range(r, 1, 3));
        if (s_pct(r, 40))
            s_push_goal(o->goals, &o->ngoals, S_CODE_O);
        break;
    case F_ORIENT:
        s_push_goals(r, o->goals, &o->ngoals, S_CODE_O, no, s_range(r, 1, no));
        if (s_pct(r, 50))
            s_push_goal(o->goals, &o->ngoals, 0);
        break;
    case F_SNUFFEL: s_push_goals(r, o->goals, &o->ngoals, S_CODE_O, no, s_range(r, 1, 2)); break;
    case F_WORKSHOP:
        if (s_pct(r, 50))
            s_push_goals(r, o->goals, &o->ngoals, S_CODE_O, no, s_range(r, 1, 2));
        else
            s_push_goals(r, o->goals, &o->ngoals, 0, basic, s_range(r, 1, 2));
        break;
    case F_SIM: /* also the first look at the work for the lower years */
        s_push_goals(r, o->goals, &o->ngoals, 0, nw, s_range(r, 3, 5));
        if (s_pct(r, 50))
            s_push_goal(o->goals, &o->ngoals, S_CODE_O);
        break;
    default: /* schoolbedrijf */
        s_push_goals(r, o->goals, &o->ngoals, 0, basic, s_range(r, 2, 3));
        if (s_pct(r, 50))
            s_push_goal(o->goals, &o->ngoals, S_CODE_O);
    }
    qsort(o->goals, o->ngoals, 1, s_cmp_u8);
}

/* Raw capacity: days and seats drift between periods, some periods have
 * none; at least one period has seats. An offering made for a cohort (fit,
 * may be NULL) has seats on the cohort's days in the cohort's periods.
 * Calibration scales the seats later. */
static void s_pick_capacity(s_rng_t *r, s_offering_t *o, uint32_t nper, const double *town_days,
                            const s_cohort_t *fit)
{
    const s_form_t *f = &s_forms[o->form];
    uint16_t mask = 0, first = 0;
    int seats = 0, any = 0, firstseats = 0;
    for (uint32_t p = 0; p < nper; p++) {
        int in_fit = fit && (fit->periods >> p & 1);
        if (!mask || in_fit || s_pct(r, f->group ? 10 : 30)) {
            double dw[5];
            int k = s_range(r, f->min_days, f->max_days), want = in_fit ? s_popcount(fit->free[p]) / 2 : 0;
            for (int d = 0; d < 5; d++)
                dw[d] = in_fit ? s_day_pop[d] * (fit->free[p] >> (2 * d) & 3 ? 4.0 : 0.2) : town_days[d];
            mask = s_pick_days(r, dw, k > want ? k : want < f->max_days ? want : f->max_days, 0);
        }
        if (!seats)
            seats = s_range(r, f->min_seats, f->max_seats);
        else if (s_pct(r, 30)) {
            seats += s_pct(r, 50) ? 1 : -1;
            seats = seats < f->min_seats ? f->min_seats : seats > f->max_seats ? f->max_seats : seats;
        }
        if (!first) {
            first = mask;
            firstseats = seats;
        }
        if (!s_pct(r, in_fit ? 95 : f->present))
            continue;
        any = 1;
        for (int t = 0; t < S_SLOTS; t++)
            o->cap[p][t] = (uint8_t)(mask >> t & 1 ? seats : 0);
    }
    if (!any) {
        uint32_t p = s_below(r, nper);
        for (int t = 0; t < S_SLOTS; t++)
            o->cap[p][t] = (uint8_t)(first >> t & 1 ? firstseats : 0);
    }
}

static int s_pick_min_age(s_rng_t *r, const s_offering_t *o)
{
    const s_sector_t *s = &s_sectors[o->sector < S_NSEC ? o->sector : 0];
    unsigned a18 = s->age18, a16 = s->age16;
    if (o->sector >= S_NSEC || !(s_forms[o->form].accredited || o->form == F_VOORB))
        return 0;
    if (o->form == F_VOORB) { /* machines and night shifts matter less here */
        a18 /= 2;
        a16 /= 2;
    }
    if (s_pct(r, a18))
        return 18;
    return s_pct(r, a16) ? 16 : 0;
}

/* Add one offering of partner pid; fit (may be NULL) is a cohort the offering
 * is made for: its days and qualification. Returns 0 or -ENOMEM. */
static int s_add_offering(s_world_t *w, s_rng_t *r, uint32_t pid, int form, int sector, int other_site,
                          const s_cohort_t *fit)
{
    s_offering_t *o;
    const s_partner_t *p = &w->partners[pid];
    if (w->nofferings == w->cap_offerings) {
        uint32_t cap = w->cap_offerings ? 2 * w->cap_offerings : 64;
        s_offering_t *v = realloc(w->offerings, cap * sizeof *v);
        if (!v)
            return -ENOMEM;
        w->offerings = v;
        w->cap_offerings = cap;
    }
    o = &w->offerings[w->nofferings++];
    memset(o, 0, sizeof *o);
    o->partner = pid;
    o->form = (uint8_t)form;
    o->sector = (uint8_t)(form == F_MAAT ? S_GENERIC : sector);
    o->lat = p->lat;
    o->lon = p->lon;
    if (other_site) /* a second site of the same partner */
        s_scatter(r, p->lat, p->lon, 3.0, &o->lat, &o->lon);
    s_pick_goals(r, o);
    if (s_forms[form].accredited) {
        const s_sector_t *s = &s_sectors[o->sector];
        o->nquals = (uint8_t)(s->nquals > 1 && s_pct(r, 40) ? 2 : 1);
        s_distinct(r, s->nquals, o->nquals, o->quals);
        if (fit && fit->track <= T_BBL && o->quals[0] != fit->qual && (o->nquals < 2 || o->quals[1] != fit->qual))
            o->quals[0] = fit->qual;
        qsort(o->quals, o->nquals, 1, s_cmp_u8);
    }
    o->min_age = (uint8_t)s_pick_min_age(r, o);
    s_pick_capacity(r, o, w->prm->periods, w->day_weights[p->town], fit);
    w->st.offerings_by_form[form]++;
    return 0;
}

/* Where partners go: mostly where the learners of a sector are (weighted by
 * the sector's target ratio), partly spread by population. */
static void s_cell_weights(const s_world_t *w, double *cw, double spread)
{
    double total = 0, pop = 0, sec[S_NSEC] = {0};
    for (uint32_t t = 0; t < w->ntowns; t++) {
        pop += s_towns[t].pop;
        for (int s = 0; s < S_NSEC; s++) {
            sec[s] += w->town_demand[t][s] * s_sectors[s].ratio;
            total += w->town_demand[t][s] * s_sectors[s].ratio;
        }
    }
    for (uint32_t t = 0; t < w->ntowns; t++)
        for (int s = 0; s < S_NSEC; s++)
            cw[t * S_NSEC + s] = (1 - spread) * w->town_demand[t][s] * s_sectors[s].ratio / total
                               + spread * s_towns[t].pop / pop * (sec[s] / total + 0.01 * s_sectors[s].mbo_share);
}

static const char *s_word(s_rng_t *r, int kind, int sector)
{
    static const char *const care[3] = {"Zorgcentrum", "Ziekenhuis", "Verpleeghuis"};
    if (kind == K_BUSINESS)
        return s_sectors[sector].words[s_below(r, 3)];
    if (kind == K_INSTITUTION && sector == 0)
        return care[s_below(r, 3)];
    return s_kind_words[kind][s_below(r, 3)];
}

/* Forms a cohort's learners can use, for the offering a partner makes for it. */
static const uint8_t s_fit_forms[REGIO_GEN_TRACKS][REGIO_GEN_FORMS] = {
    {0, 0, 1, 1, 1, 0, 0, 0, 0}, /* mbo BOL: accredited places, preparation */
    {0, 0, 1, 1, 1, 0, 0, 0, 0}, /* mbo BBL */
    {1, 1, 1, 0, 0, 0, 0, 1, 0}, /* vmbo lwt: anything open */
    {1, 1, 0, 0, 0, 0, 0, 1, 0}, /* vmbo orientation: tasters */
};

/* One more offering of general partner pid, in the partner's sector mostly.
 * Its form leans to what the partner's anchor cohort can use; a first
 * offering (first != 0) is often made for that cohort: a company that works
 * with the school. Returns 0 or -ENOMEM. */
static int s_general_offering(s_world_t *w, s_rng_t *r, uint32_t pid, int first)
{
    const s_partner_t *p = &w->partners[pid];
    const s_cohort_t *anchor = p->anchor >= 0 ? &w->cohorts[p->anchor] : NULL;
    double forms[REGIO_GEN_FORMS], fit[REGIO_GEN_FORMS], gshare[S_NSEC], fitsum = 0;
    int lean = anchor ? anchor->track >= T_LWT : -1, as_fit, form, osec;
    for (int f = 0; f < (int)REGIO_GEN_FORMS; f++) {
        int acc = s_forms[f].accredited, taster = f == F_SNUFFEL || f == F_ORIENT;
        forms[f] = s_kind_forms[p->kind][f] *
                   (lean == 1 ? (acc ? 0.4 : 1.6) : lean == 0 ? (acc ? 1.4 : taster ? 0.5 : 1.0) : 1.0);
        fit[f] = anchor ? s_kind_forms[p->kind][f] * s_fit_forms[anchor->track][f] : 0;
        fitsum += fit[f];
    }
    for (int s = 0; s < S_NSEC; s++)
        gshare[s] = s_sectors[s].mbo_share;
    as_fit = first && fitsum > 0 && s_pct(r, 60);
    form = (int)s_weighted(r, as_fit ? fit : forms, REGIO_GEN_FORMS);
    osec = as_fit || s_pct(r, 85) ? p->sector : (int)s_weighted(r, gshare, S_NSEC);
    return s_add_offering(w, r, pid, form, osec, !as_fit && s_pct(r, 15), as_fit ? anchor : NULL);
}

/* One company, public body, institution, lab or club near town, placed for
 * cohort anchor (or -1), with 1 + Poisson(extra) offerings. */
static int s_add_general(s_world_t *w, s_rng_t *r, int kind, int sector, uint32_t town, int32_t anchor,
                         double extra)
{
    uint32_t pid = s_add_partner(w, r, kind, sector, town, s_town_sigma(town, 1.2, 2.5), s_word(r, kind, sector), -1);
    int n = 1 + s_poisson(r, extra * (kind == K_BUSINESS ? 1.2 : 0.6));
    w->partners[pid].anchor = anchor;
    for (int j = 0; j < n; j++)
        if (s_general_offering(w, r, pid, j == 0))
            return -ENOMEM;
    return 0;
}

/* Small regions: add offerings to random general partners up to target. */
static int s_top_up(s_world_t *w, s_rng_t *r, uint32_t ngeneral, uint32_t target)
{
    while (w->nofferings < target)
        if (s_general_offering(w, r, s_below(r, ngeneral), 0))
            return -ENOMEM;
    return 0;
}

static int s_general_kind(s_rng_t *r, int sector)
{
    return (int)s_weighted(r, s_sectors[sector].kinds, 5);
}

/* General partners. Most are placed for the learners: each cohort gets a
 * share by its size (weighted by the root of its sector's supply ratio, so
 * scarce sectors have fewer partners but not too few), at least two, near
 * its school and in its sector. The rest spread over the towns by size.
 * Kinds missing at the end get one partner each. */
static int s_make_general(s_world_t *w, s_rng_t *r, uint32_t count, double extra)
{
    uint32_t n = w->prm->learners, done = 0;
    uint32_t nspread = (uint32_t)floor(count * 0.2 * fmin(1.0, n / 10000.0) + 0.5), nlocal = count - nspread;
    double total = 0, acc = 0, u0 = s_unit(r), *cw;
    for (uint32_t c = 0; c < w->ncohorts; c++)
        total += w->cohorts[c].size * sqrt(s_sectors[w->cohorts[c].sector].ratio);
    for (uint32_t c = 0; c < w->ncohorts; c++) {
        const s_cohort_t *co = &w->cohorts[c];
        uint32_t upto, k;
        acc += co->size * sqrt(s_sectors[co->sector].ratio);
        upto = (uint32_t)floor(acc / total * nlocal + u0); /* systematic: shares add up to nlocal */
        k = upto - done;
        done = upto;
        for (uint32_t i = 0; i < (k > 2 ? k : 2); i++)
            if (s_add_general(w, r, s_general_kind(r, co->sector), co->sector, w->schools[co->school].town,
                              (int32_t)c, extra))
                return -ENOMEM;
    }
    if (!(cw = malloc(w->ntowns * S_NSEC * sizeof *cw)))
        return -ENOMEM;
    s_cell_weights(w, cw, 1.0);
    for (uint32_t i = 0; i < nspread; i++) {
        size_t cell = s_weighted(r, cw, w->ntowns * S_NSEC);
        int sector = (int)(cell % S_NSEC);
        if (s_add_general(w, r, s_general_kind(r, sector), sector, (uint32_t)(cell / S_NSEC), -1, extra)) {
            free(cw);
            return -ENOMEM;
        }
    }
    free(cw);
    for (int kind = 0; kind < 5; kind++) { /* even a tiny region has all six kinds */
        uint32_t c = s_below(r, w->ncohorts);
        if (!w->st.partners_by_kind[kind] &&
            s_add_general(w, r, kind, w->cohorts[c].sector, w->schools[w->cohorts[c].school].town, (int32_t)c, extra))
            return -ENOMEM;
    }
    return 0;
}

/* Simulation and practice centres: group seats where the learners are. */
static int s_make_sims(s_world_t *w, s_rng_t *r, uint32_t count)
{
    double *cw = malloc(w->ntowns * S_NSEC * sizeof *cw);
    if (!cw)
        return -ENOMEM;
    s_cell_weights(w, cw, 0.0);
    for (uint32_t j = 0; j < count; j++) {
        size_t cell = s_weighted(r, cw, w->ntowns * S_NSEC);
        int sector = (int)(cell % S_NSEC), kind = j % 2 ? K_KNOWLEDGE : K_EDUCATION;
        uint32_t town = (uint32_t)(cell / S_NSEC);
        uint32_t pid = s_add_partner(w, r, kind, sector, town, s_town_sigma(town, 1.0, 1.5),
                                     kind == K_EDUCATION ? "Simulatiecentrum" : "Praktijklab", -1);
        if (s_add_offering(w, r, pid, F_SIM, sector, 0, NULL) ||
            (s_pct(r, 30) && s_add_offering(w, r, pid, F_WORKSHOP, sector, 0, NULL))) {
            free(cw);
            return -ENOMEM;
        }
    }
    free(cw);
    return 0;
}

/* Every school is an education partner; some run a school company in the
 * sector of one of their cohorts. */
static int s_make_school_partners(s_world_t *w, s_rng_t *r)
{
    for (uint32_t k = 0; k < w->nschools; k++) {
        const s_school_t *s = &w->schools[k];
        int sector = s->ncohorts ? w->cohorts[s->cohort0 + s_below(r, s->ncohorts)].sector : 3;
        uint32_t pid = s_add_partner(w, r, K_EDUCATION, sector, s->town, 1.0, s->mbo ? "ROC" : "Vmbo",
                                     (int32_t)k);
        if (s_pct(r, s->mbo ? 60 : 30) && s_add_offering(w, r, pid, F_SCHOOL, sector, 0, NULL))
            return -ENOMEM;
    }
    return 0;
}

/* Scale individual places so that supply/demand per sector and period meets
 * the sector's target; group seats stay as they are. */
static void s_calibrate(s_world_t *w, s_rng_t *r)
{
    uint32_t np = w->prm->periods;
    double fixed[S_NSEC + 1][REGIO_GEN_MAX_PERIODS] = {{0}}, scal[S_NSEC + 1][REGIO_GEN_MAX_PERIODS] = {{0}};
    double f[S_NSEC + 1][REGIO_GEN_MAX_PERIODS];
    for (uint32_t i = 0; i < w->nofferings; i++) {
        const s_offering_t *o = &w->offerings[i];
        for (uint32_t p = 0; p < np; p++)
            for (int t = 0; t < S_SLOTS; t++)
                (s_forms[o->form].group ? fixed : scal)[o->sector][p] += o->cap[p][t];
    }
    for (int s = 0; s <= S_NSEC; s++)
        for (uint32_t p = 0; p < np; p++) {
            double target = (s < S_NSEC ? s_sectors[s].ratio : s_generic_ratio) * w->demand[s][p];
            double x = scal[s][p] > 0 ? (target - fixed[s][p]) / scal[s][p] : 1.0;
            f[s][p] = x < 0.25 ? 0.25 : x > 2.0 ? 2.0 : x;
        }
    for (uint32_t i = 0; i < w->nofferings; i++) {
        s_offering_t *o = &w->offerings[i];
        uint8_t raw[REGIO_GEN_MAX_PERIODS][S_SLOTS];
        int any = 0;
        if (s_forms[o->form].group)
            continue;
        memcpy(raw, o->cap, sizeof raw);
        for (uint32_t p = 0; p < np; p++) {
            double u = s_unit(r); /* one draw per period keeps whole days whole */
            for (int t = 0; t < S_SLOTS; t++) {
                o->cap[p][t] = (uint8_t)floor(raw[p][t] * f[o->sector][p] + u);
                any |= o->cap[p][t];
            }
        }
        for (uint32_t p = 0; p < np && !any; p++) /* keep every offering bookable somewhere */
            for (int t = 0; t < S_SLOTS; t++) {
                o->cap[p][t] = raw[p][t] ? 1 : 0;
                any |= o->cap[p][t];
            }
    }
}

/* Index offerings by sector (for preferences) and total the supply. */
static int s_index(s_world_t *w)
{
    uint32_t fill[S_NSEC + 1] = {0};
    w->by_sector = malloc((w->nofferings + 1) * sizeof *w->by_sector);
    if (!w->by_sector)
        return -ENOMEM;
    memset(w->sector_start, 0, sizeof w->sector_start);
    for (uint32_t i = 0; i < w->nofferings; i++) {
        const s_offering_t *o = &w->offerings[i];
        if (o->sector < S_NSEC)
            w->sector_start[o->sector + 1]++;
        for (uint32_t p = 0; p < w->prm->periods; p++)
            for (int t = 0; t < S_SLOTS; t++) {
                w->st.supply[p] += o->cap[p][t];
                w->st.sector_supply[o->sector] += o->cap[p][t];
                if (s_forms[o->form].accredited)
                    w->st.accredited_supply += o->cap[p][t];
            }
    }
    for (int s = 0; s < S_NSEC; s++) {
        w->sector_start[s + 1] += w->sector_start[s];
        fill[s] = w->sector_start[s];
    }
    for (uint32_t i = 0; i < w->nofferings; i++)
        if (w->offerings[i].sector < S_NSEC)
            w->by_sector[fill[w->offerings[i].sector]++] = i;
    for (int s = 0; s <= S_NSEC; s++)
        for (uint32_t p = 0; p < w->prm->periods; p++) {
            w->st.sector_demand[s] += w->demand[s][p];
            if (s < S_NSEC)
                w->st.demand[p] += w->demand[s][p];
        }
    return 0;
}

/* Writing ----------------------------------------------------------------- */

static void s_write_goal(FILE *out, int sector, int code)
{
    if (code >= S_CODE_MAAT)
        fprintf(out, "\"MAAT-%d\"", code - S_CODE_MAAT + 1);
    else if (code >= S_CODE_O)
        fprintf(out, "\"%s-O%d\"", s_sectors[sector].prefix, code - S_CODE_O + 1);
    else
        fprintf(out, "\"%s-W%d\"", s_sectors[sector].prefix, code + 1);
}

static void s_write_string(FILE *out, const char *s)
{
    fputc('"', out);
    for (; *s; s++) {
        unsigned char ch = (unsigned char)*s;
        if (ch == '"' || ch == '\\')
            fprintf(out, "\\%c", ch);
        else if (ch < 0x20)
            fprintf(out, "\\u%04x", ch);
        else
            fputc(ch, out);
    }
    fputc('"', out);
}

static void s_write_head(const s_world_t *w, FILE *out)
{
    const regio_gen_params_t *prm = w->prm;
    fputs(prm->start != REGIO_RPP_NO_DATE ? "{\"format\": \"rpp-2\", \"name\": "
                                          : "{\"format\": \"rpp-1\", \"name\": ", out);
    if (prm->name) {
        s_write_string(out, prm->name);
    } else {
        fprintf(out, "\"west-brabant-%u-%llu\"", prm->learners, (unsigned long long)prm->seed);
    }
    fputs(",\n\"weights\": {\"coverage\": 100, \"km\": 0.5, \"repeat\": 500, \"preference\": 200},\n"
          "\"periods\": [", out);
    for (uint32_t p = 0; p < prm->periods; p++) {
        fprintf(out, "%s{\"id\": \"P%u\", \"weeks\": %u", p ? ", " : "", p + 1, prm->weeks);
        if (prm->start != REGIO_RPP_NO_DATE) { /* one period after the other */
            char day[11];
            regio_rpp_date_format(prm->start + (int32_t)(7 * prm->weeks * p), day);
            fprintf(out, ", \"start\": \"%s\"", day);
        }
        fputc('}', out);
    }
    fputs("],\n", out);
}

static void s_write_partners(const s_world_t *w, FILE *out)
{
    fputs("\"partners\": [\n", out);
    for (uint32_t i = 0; i < w->npartners; i++) {
        const s_partner_t *p = &w->partners[i];
        fprintf(out, "{\"id\": \"p%u\", \"kind\": \"%s\", \"name\": \"%s %s ", i + 1, s_kind_names[p->kind],
                p->word, s_towns[p->town].name);
        if (p->school >= 0)
            fprintf(out, "(s%d)", p->school + 1);
        else
            fprintf(out, "%u", i + 1);
        fprintf(out, "\", \"lat\": %.5f, \"lon\": %.5f}%s\n", p->lat, p->lon, i + 1 < w->npartners ? "," : "");
    }
    fputs("],\n", out);
}

static void s_write_offering(const s_world_t *w, FILE *out, uint32_t i)
{
    const s_offering_t *o = &w->offerings[i];
    int first = 1;
    fprintf(out, "{\"id\": \"o%u\", \"partner\": \"p%u\", \"form\": \"%s\", \"lat\": %.5f, \"lon\": %.5f, \"goals\": [",
            i + 1, o->partner + 1, s_forms[o->form].name, o->lat, o->lon);
    for (int g = 0; g < o->ngoals; g++) {
        fputs(g ? ", " : "", out);
        s_write_goal(out, o->sector, o->goals[g]);
    }
    fputs("], \"qualifications\": [", out);
    for (int q = 0; q < o->nquals; q++)
        fprintf(out, "%s\"%s\"", q ? ", " : "", s_sectors[o->sector].quals[o->quals[q]]);
    fprintf(out, "], \"min_age\": %u, \"capacity\": {", o->min_age);
    for (uint32_t p = 0; p < w->prm->periods; p++) {
        int any = 0;
        for (int t = 0; t < S_SLOTS; t++)
            any |= o->cap[p][t];
        if (!any) /* a missing period means no seats */
            continue;
        fprintf(out, "%s\"P%u\": [", first ? "" : ", ", p + 1);
        first = 0;
        for (int t = 0; t < S_SLOTS; t++)
            fprintf(out, "%s%u", t ? "," : "", o->cap[p][t]);
        fputc(']', out);
    }
    fprintf(out, "}}%s\n", i + 1 < w->nofferings ? "," : "");
}

/* What a learner still needs: work processes for mbo and lwt, orientation
 * goals for the lower years, sometimes a civic goal. */
static uint8_t s_pick_needs(s_rng_t *r, const s_learner_t *l, const s_cohort_t *c, uint8_t *codes, uint8_t *amounts)
{
    const s_sector_t *s = &s_sectors[c->sector];
    int nw = s->nwork, basic = (nw + 1) / 2 + 1 < nw ? (nw + 1) / 2 + 1 : nw;
    uint8_t n = 0;
    if (c->track <= T_BBL) {
        s_push_goals(r, codes, &n, 0, nw, s_range(r, 2, 5));
    } else if (c->track == T_LWT) {
        s_push_goals(r, codes, &n, 0, basic, s_range(r, 2, 4));
        if (s_pct(r, 40))
            s_push_goal(codes, &n, S_CODE_O);
    } else {
        s_push_goals(r, codes, &n, S_CODE_O, s->norient, s->norient);
        if (s_pct(r, 30))
            s_push_goal(codes, &n, 0);
    }
    if (l->maat)
        s_push_goal(codes, &n, S_CODE_MAAT + (int)s_below(r, 3));
    qsort(codes, n, 1, s_cmp_u8);
    for (int i = 0; i < n; i++) {
        int hi = codes[i] >= S_CODE_MAAT ? 4 : c->track <= T_BBL ? 12 : c->track == T_LWT ? 10 : 6;
        amounts[i] = (uint8_t)(10 * s_range(r, 2, hi));
    }
    return n;
}

/* Could learner l be placed at offering o at all (as the checker sees it)? */
static int s_eligible(const s_learner_t *l, const s_cohort_t *c, const s_offering_t *o)
{
    int ok = o->nquals == 0;
    for (int q = 0; q < o->nquals && c->track <= T_BBL; q++)
        ok |= o->quals[q] == c->qual;
    return ok && l->age >= o->min_age && s_km(l->lat, l->lon, o->lat, o->lon) <= l->max_km - 0.05;
}

/* Up to S_CAND distinct partners of the learner's sector the learner could be
 * placed at, in random order. Samples large sectors instead of scanning. */
static uint32_t s_nearby(const s_world_t *w, s_rng_t *r, const s_learner_t *l, uint32_t *out)
{
    const s_cohort_t *c = &w->cohorts[l->cohort];
    uint32_t lo = w->sector_start[c->sector], n = w->sector_start[c->sector + 1] - lo, k = 0;
    uint32_t tries = n < 256 ? n : 256, start = n ? s_below(r, n) : 0;
    for (uint32_t i = 0; i < tries && k < S_CAND; i++) {
        const s_offering_t *o = &w->offerings[w->by_sector[lo + (n <= 256 ? (start + i) % n : s_below(r, n))]];
        int seen = 0;
        if (!s_eligible(l, c, o))
            continue;
        for (uint32_t j = 0; j < k; j++)
            seen |= out[j] == o->partner;
        if (!seen)
            out[k++] = o->partner;
    }
    return k;
}

static void s_write_ids(FILE *out, const char *key, const uint32_t *ids, uint32_t n)
{
    fprintf(out, "\"%s\": [", key);
    for (uint32_t i = 0; i < n; i++)
        fprintf(out, "%s\"p%u\"", i ? ", " : "", ids[i] + 1);
    fputc(']', out);
}

static void s_write_learner(s_world_t *w, s_rng_t *r, FILE *out, uint32_t i)
{
    const s_learner_t *l = &w->learners[i];
    const s_cohort_t *c = &w->cohorts[l->cohort];
    uint8_t codes[S_MAX_GOALS], amounts[S_MAX_GOALS], n;
    uint32_t cand[S_CAND], k = 0, npref = 0, nhist = 0;
    int first = 1, pref = s_pct(r, 15), hist = s_pct(r, 10);

    fprintf(out, "{\"id\": \"l%u\", \"school\": \"s%u\", \"qualification\": \"%s\", \"age\": %u, "
                 "\"lat\": %.5f, \"lon\": %.5f, \"max_km\": %u, \"dagdelen\": %u, \"free\": {",
            i + 1, c->school + 1, c->track <= T_BBL ? s_sectors[c->sector].quals[c->qual] : s_sectors[c->sector].profile,
            l->age, l->lat, l->lon, l->max_km, l->dagdelen);
    for (uint32_t p = 0; p < w->prm->periods; p++) {
        int fs = 1;
        if (!(l->periods >> p & 1))
            continue;
        fprintf(out, "%s\"P%u\": [", first ? "" : ", ", p + 1);
        first = 0;
        for (int t = 0; t < S_SLOTS; t++)
            if (c->free[p] >> t & 1) {
                fprintf(out, "%s%d", fs ? "" : ",", t);
                fs = 0;
            }
        fputc(']', out);
    }
    fputs("}, \"needs\": {", out);
    n = s_pick_needs(r, l, c, codes, amounts);
    for (int g = 0; g < n; g++) {
        fputs(g ? ", " : "", out);
        s_write_goal(out, c->sector, codes[g]);
        fprintf(out, ": %u", amounts[g]);
    }
    fputs("}, ", out);
    if (pref || hist)
        k = s_nearby(w, r, l, cand);
    if (pref && k) {
        npref = (uint32_t)s_range(r, 1, 2);
        npref = npref > k ? k : npref;
    }
    if (hist && k > npref) { /* where they went before: not where they want to go */
        nhist = (uint32_t)s_range(r, 1, 2);
        nhist = nhist > k - npref ? k - npref : nhist;
    }
    s_write_ids(out, "preferred_partners", cand, npref);
    fputs(", ", out);
    s_write_ids(out, "history", cand + npref, nhist);
    fprintf(out, "}%s\n", i + 1 < w->prm->learners ? "," : "");
    w->st.with_preferred += npref > 0;
    w->st.with_history += nhist > 0;
}

static int s_write_all(s_world_t *w, FILE *out)
{
    s_rng_t r;
    s_rng_seed(&r, w->prm->seed, 5);
    s_write_head(w, out);
    s_write_partners(w, out);
    fputs("\"offerings\": [\n", out);
    for (uint32_t i = 0; i < w->nofferings; i++)
        s_write_offering(w, out, i);
    fputs("],\n\"learners\": [\n", out);
    for (uint32_t i = 0; i < w->prm->learners; i++) {
        s_write_learner(w, &r, out, i);
        if ((i & 1023) == 0 && ferror(out))
            return -EIO;
    }
    fputs("]}\n", out);
    return ferror(out) ? -EIO : 0;
}

/* Building ---------------------------------------------------------------- */

static void s_world_free(s_world_t *w)
{
    free(w->schools);
    free(w->cohorts);
    free(w->learners);
    free(w->partners);
    free(w->offerings);
    free(w->by_sector);
}

static int s_build(s_world_t *w)
{
    uint32_t n = w->prm->learners, nsim, ngen, target;
    double extra;
    s_rng_t r;
    int rc;

    w->ntowns = 8 + n / 2000 < S_MAX_TOWNS ? 8 + n / 2000 : S_MAX_TOWNS;
    w->nschools = n / 250 > 2 ? n / 250 : 2;
    nsim = n / 400 > 1 ? n / 400 : 1;
    target = n / 6 > 6 ? n / 6 : 6;
    ngen = target > w->nschools + nsim + 5 ? target - w->nschools - nsim : 5;
    w->schools = calloc(w->nschools, sizeof *w->schools);
    w->cohorts = calloc(n, sizeof *w->cohorts);
    w->learners = calloc(n, sizeof *w->learners);
    if (!w->schools || !w->cohorts || !w->learners)
        return -ENOMEM;

    s_rng_seed(&r, w->prm->seed, 1);
    if ((rc = s_make_schools(w, &r)))
        return rc;
    s_rng_seed(&r, w->prm->seed, 2);
    s_make_learners(w, &r);
    s_tally_demand(w);
    s_day_weights(w);
    /* every cohort may add two general partners beyond its share, missing kinds five */
    w->partners = calloc(ngen + 2 * w->ncohorts + 5 + nsim + w->nschools, sizeof *w->partners);
    if (!w->partners)
        return -ENOMEM;

    /* Offerings about N/3 (at least 15): general partners make up the rest. */
    s_rng_seed(&r, w->prm->seed, 3);
    target = n / 3 > 15 ? n / 3 : 15;
    extra = ((double)target - 1.3 * nsim - 0.4 * w->nschools) / ngen - 1.0;
    if ((rc = s_make_general(w, &r, ngen, extra > 0 ? extra : 0)))
        return rc;
    ngen = w->npartners;
    if ((rc = s_make_sims(w, &r, nsim)) || (rc = s_make_school_partners(w, &r)) ||
        (rc = s_top_up(w, &r, ngen, target)))
        return rc;
    s_rng_seed(&r, w->prm->seed, 4);
    s_calibrate(w, &r);
    if ((rc = s_index(w)))
        return rc;

    w->st.towns = w->ntowns;
    w->st.schools = w->nschools;
    w->st.cohorts = w->ncohorts;
    w->st.partners = w->npartners;
    w->st.offerings = w->nofferings;
    w->st.learners = n;
    return 0;
}

/* Public ------------------------------------------------------------------ */

void regio_gen_params_init(regio_gen_params_t *params)
{
    memset(params, 0, sizeof *params);
    params->periods = 4;
    params->weeks = 10;
    params->start = REGIO_RPP_NO_DATE;
}

int regio_gen_params_check(const regio_gen_params_t *params, const char **why)
{
    const char *msg = NULL;
    if (params->learners < 1 || params->learners > REGIO_GEN_MAX_LEARNERS)
        msg = "learners must be from 1 to 200000";
    else if (params->periods < 1 || params->periods > REGIO_GEN_MAX_PERIODS)
        msg = "periods must be from 1 to 12";
    else if (params->weeks < 1 || params->weeks > REGIO_GEN_MAX_WEEKS)
        msg = "weeks must be from 1 to 53";
    if (why)
        *why = msg;
    return msg ? -EINVAL : 0;
}

int regio_gen_write(const regio_gen_params_t *params, FILE *out, regio_gen_stats_t *stats)
{
    s_world_t w;
    int rc;
    if (regio_gen_params_check(params, NULL))
        return -EINVAL;
    memset(&w, 0, sizeof w);
    w.prm = params;
    rc = s_build(&w);
    if (rc == 0)
        rc = s_write_all(&w, out);
    if (rc == 0 && stats)
        *stats = w.st;
    s_world_free(&w);
    return rc;
}

int regio_gen_stats_write(const regio_gen_stats_t *st, uint32_t periods, FILE *out)
{
    fprintf(out, "towns=%u\nschools=%u\ncohorts=%u\npartners=%u\n", st->towns, st->schools, st->cohorts,
            st->partners);
    for (uint32_t k = 0; k < REGIO_GEN_KINDS; k++)
        fprintf(out, "partners.%s=%u\n", s_kind_names[k], st->partners_by_kind[k]);
    fprintf(out, "offerings=%u\n", st->offerings);
    for (uint32_t f = 0; f < REGIO_GEN_FORMS; f++)
        fprintf(out, "offerings.%s=%u\n", s_forms[f].name, st->offerings_by_form[f]);
    fprintf(out, "learners=%u\n", st->learners);
    for (uint32_t t = 0; t < REGIO_GEN_TRACKS; t++)
        fprintf(out, "learners.%s=%u\n", s_track_names[t], st->learners_by_track[t]);
    fprintf(out, "learners.with_preferred=%u\nlearners.with_history=%u\n", st->with_preferred, st->with_history);
    for (uint32_t p = 0; p < periods && p < REGIO_GEN_MAX_PERIODS; p++)
        fprintf(out, "P%u.demand=%.0f P%u.supply=%.0f P%u.ratio=%.2f\n", p + 1, st->demand[p], p + 1,
                st->supply[p], p + 1, st->demand[p] > 0 ? st->supply[p] / st->demand[p] : 0.0);
    for (uint32_t s = 0; s < REGIO_GEN_SECTORS; s++)
        fprintf(out, "sector.%s.demand=%.0f sector.%s.supply=%.0f sector.%s.ratio=%.2f\n",
                s < S_NSEC ? s_sectors[s].name : "civic", st->sector_demand[s],
                s < S_NSEC ? s_sectors[s].name : "civic", st->sector_supply[s],
                s < S_NSEC ? s_sectors[s].name : "civic",
                st->sector_demand[s] > 0 ? st->sector_supply[s] / st->sector_demand[s] : 0.0);
    fprintf(out, "accredited.supply=%.0f mbo.demand=%.0f accredited.ratio=%.2f\n", st->accredited_supply,
            st->mbo_demand, st->mbo_demand > 0 ? st->accredited_supply / st->mbo_demand : 0.0);
    return ferror(out) ? -EIO : 0;
}
