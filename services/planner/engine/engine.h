/* engine - the planning engine interface: an rpp-1 or rpp-2 instance in, a plan out.
 *
 * The planner service and `regio-planner --solve` both plan through this
 * interface only, so an engine can be swapped (or a new one added to the
 * table in engine.c) without touching service code. An engine is a pure
 * function of (instance, options): it keeps no state between calls, never
 * prints, and is deterministic for a fixed seed when opts.iterations > 0
 * (for any thread count).
 *
 * Engines: "lns" (the default; lns.h) and "greedy" (construction only).
 *
 * rpp-2: every plan holds the instance's pins exactly, never a refused
 * pairing, and keeps the reservation rule (rpp.h) as it keeps capacity.
 *
 * Replanning (opts.base): base placements in pinned periods never change;
 * every other base placement that still fits is kept; learners who lost one
 * are replanned, and other placements move only when that gains at least
 * opts.move_margin (are cancelled only for twice that). Only learners who lost a placement and those placed where
 * they could go are searched at all, so a small change in a large region
 * costs little; others keep their base placements as they are.
 */
#ifndef REGIO_ENGINE_H
#define REGIO_ENGINE_H

#include <stddef.h>
#include <stdint.h>

#include "regio/rpp.h"

/* Progress as the search goes; called from the solving thread at most a few
 * times a second. Return non-zero to stop early (the best plan so far is
 * kept). */
typedef int (*regio_engine_progress_cb)(void *arg, double elapsed_s, double score,
                                        double coverage_share, int32_t placements);

/* What a solve did, for reports; filled when opts.stats is not NULL. */
typedef struct {
    double setup_s;        /* seconds to find candidates and build the plan */
    double solve_s;        /* seconds in all */
    int64_t iterations;    /* search iterations done */
    int64_t reheats;       /* times a stalled search started cooling again (lns.c) */
    double islands_s;      /* seconds the threads searched on their own (lns.c) */
    int64_t slab_epochs;   /* epochs whose threads each searched a slab of the region (lns.c) */
    int64_t crossed;       /* groups of learners the best copy took from another copy
                              when they met (lns.c) */
    double prices_s;       /* seconds spent on seat prices for the search (lns.c) */
    int prices_used;       /* 1: the search was guided by them; 0: none (a replan, a short
                              budget, too few rounds of prices fitted, or no memory) */
    int64_t candidates;    /* (learner, offering) pairs the search may use */
    double first_score;    /* score of the constructed plan, before improving */
    double score;          /* score of the returned plan */
    int32_t base_kept;     /* replanning: base placements kept as they were */
    int32_t forced;        /* replanning: base placements no longer feasible */
    int32_t changed;       /* replanning: (learner, period) keys that differ from base */
    double fair_min_before;/* --fair: lowest school share before and after */
    double fair_min_after;
    double fair_score_before; /* --fair: score before the fairness phase */
} regio_engine_stats_t;

typedef struct {
    double seconds;          /* time budget from the call; <= 0: the engine's default,
                                counted after the set-up (lns: 0.3 s + 0.4 ms per
                                learner, at most 90 s; a replan: 10 ms) */
    int64_t iterations;      /* > 0: stop after this many iterations instead
                                (same seed + iterations = same plan) */
    uint64_t seed;           /* random seed */
    int threads;             /* worker threads; <= 0 means 1 */
    const regio_rpp_sol_t *base; /* previous plan to repair, or NULL */
    uint32_t pinned;         /* bit p: placements of base in period p stay */
    double move_margin;      /* a feasible base placement moves only when the
                                score gains at least this much, and is cancelled
                                (its learner left without one) only for twice
                                this (regio-planner's default: 10000, about one
                                placement's coverage) */
    int fair;                /* raise the lowest school share (<= 1% score) */
    regio_engine_progress_cb progress; /* may be NULL */
    void *progress_arg;
    regio_engine_stats_t *stats; /* filled when not NULL */
    char *err;               /* when not NULL, errlen bytes get one line why a
                                solve failed (e.g. a bad base plan) */
    size_t errlen;
} regio_engine_opts_t;

typedef struct {
    const char *name; /* "greedy", "lns", ... */
    /* Plan r with opts into *out (initialised by the caller, filled here).
     * Returns 0, REGIO_EINVALID (base refers to something r lacks, or
     * breaks a pinned period), or -ENOMEM. The result is always feasible
     * for r, its pins included. */
    int (*solve)(const regio_rpp_t *r, const regio_engine_opts_t *opts, regio_rpp_sol_t *out);
} regio_engine_t;

/* Default options (engine default time, seed 1, 1 thread, no base, margin 0). */
regio_engine_opts_t regio_engine_default_opts(void);

/* Find an engine by name; NULL when there is none. name NULL = the default. */
const regio_engine_t *regio_engine_find(const char *name);

/* Names of all engines, NULL-terminated, for --help. */
const char *const *regio_engine_names(void);

#endif
