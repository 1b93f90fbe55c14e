/* limits - every bound on a message's lists and strings, defined once.
 *
 * Services refuse a message past one of these with ERROR_OUT_OF_RANGE and a
 * reason naming the field and the bound; regioctl checks files against the
 * same values before it sends anything, and tests use them. Each bound is
 * far above what a real region needs (a partner with 64 sites, an offering
 * with 64 goals) yet keeps one message small: the largest valid learner or
 * partner packs to a few tens of kilobytes.
 *
 * The .proto comments quote these values for clients (tests/unit/
 * test_limits.c checks they agree): change a bound there too.
 *
 * Also bounded elsewhere, each in its one place: periods of a calendar and
 * free lists of a learner (REGIO_RPP_MAX_PERIODS, rpp.h: periods fit a
 * 32-bit mask), weekly slots and seats (REGIO_RPP_SLOTS, REGIO_RPP_MAX_SEATS).
 */
#ifndef REGIO_LIMITS_H
#define REGIO_LIMITS_H

/* Strings, in bytes of UTF-8 (ids: see validate.h for their characters). */
#define REGIO_ID_MAX 64          /* any id or code: partner, offering, goal, ... */
#define REGIO_NAME_MAX 200       /* partner and site names */
#define REGIO_COUNTRY_MAX 2      /* ISO 3166 alpha-2 ("NL", "BE") */
#define REGIO_FORM_MAX 64        /* form of learning place ("beroepsopleidend") */
#define REGIO_SECTOR_MAX 64      /* one sector of a partner */
#define REGIO_REASON_MAX 200     /* a closure's or a change's reason */

/* Lists. */
#define REGIO_MAX_SITES 64           /* sites of one partner */
#define REGIO_MAX_SECTORS 32         /* sectors of one partner */
#define REGIO_MAX_GOALS 64           /* goals of one offering */
#define REGIO_MAX_QUALIFICATIONS 64  /* qualifications one offering accepts */
#define REGIO_MAX_NEEDS 64           /* needs of one learner */
#define REGIO_MAX_PREFERRED 64       /* preferred partners of one learner */
#define REGIO_MAX_HISTORY 256        /* earlier partners of one learner */
#define REGIO_MAX_CAPACITY_UPDATES 1024 /* updates in one CapacityUpdates */
#define REGIO_MAX_NOTIFY_CHANGES 1024   /* placement changes in one NotifyBatch */

/* Numbers a person or a place cannot exceed. */
#define REGIO_MAX_AGE 120            /* learner age, offering min_age (years) */
#define REGIO_MAX_KM 1000            /* a learner's reach (km) */
#define REGIO_MAX_NEED_DAGDELEN 100000 /* dagdelen of one need */
#define REGIO_MAX_WEEKS 53           /* weeks of one period */

#endif
