/* session - what every engine's solve shares. */
#include "session.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "regio/error.h"
#include "regio/rpp_score.h"
#include "replan.h"

double regio_session_clock(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* Candidates of a learner that lost its placement whose occupants come
 * into scope: its most promising ones. All of them would pull in thousands
 * of learners for one withdrawn offering (measured at 20,000 learners: 1,869
 * learners, 70 ms of candidate search; with 24, a few hundred and the same
 * plans in bench/planner.sh's draws). */
#define S_SCOPE_CANDS 24

/* The learners a replan may move: those that lost a base placement, and
 * those placed where they could go instead (same period, at one of their
 * S_SCOPE_CANDS most promising candidate offerings, on slots they are
 * free). Everyone else keeps the base plan and needs no search for
 * candidates, which keeps a small change cheap in a large region. The lost
 * learners themselves get all their candidates. */
static int s_scope(const regio_rpp_t *r, const regio_engine_opts_t *opts, uint8_t *keep,
                   uint8_t **only)
{
    const regio_rpp_sol_t *base = opts->base;
    regio_cands_t c;
    int P = r->n_periods;
    int rc = regio_replan_decide(r, base, opts->pinned, keep, opts->err, opts->errlen);
    *only = calloc((size_t)r->n_learners + 1, 1);
    uint16_t *want = calloc((size_t)r->n_offerings * P + 1, sizeof *want); /* slots wanted */
    if (rc == 0 && (!*only || !want))
        rc = -ENOMEM;
    for (int32_t i = 0; rc == 0 && i < base->n; i++)
        if (!keep[i])
            (*only)[base->v[i].learner] = 1;
    if (rc == 0 && (rc = regio_cands_build_some(r, NULL, *only, S_SCOPE_CANDS, 1, &c)) == 0) {
        for (int32_t i = 0; i < base->n; i++) {
            const regio_rpp_placement_t *v = &base->v[i];
            if (keep[i])
                continue;
            for (int64_t k = c.start[v->learner]; k < c.start[v->learner + 1]; k++)
                want[(int64_t)c.v[k].offering * P + v->period] |= r->learners[v->learner].free[v->period];
        }
        regio_cands_free(&c);
        for (int32_t i = 0; i < base->n; i++) {
            const regio_rpp_placement_t *v = &base->v[i];
            if (want[(int64_t)v->offering * P + v->period] & v->slots)
                (*only)[v->learner] = 1;
        }
    }
    free(want);
    return rc;
}

int regio_session_open(regio_session_t *s, const regio_rpp_t *r, const regio_engine_opts_t *opts,
                       double default_seconds)
{
    memset(s, 0, sizeof *s);
    s->r = r;
    s->opts = opts;
    s->t0 = regio_session_clock();
    s->deadline = s->t0 + (opts->seconds > 0 ? opts->seconds : default_seconds);
    s->last_report = s->t0;
    s->iter_limit = opts->iterations > 0 ? opts->iterations : 0;
    uint8_t *only = NULL, *keep = NULL; /* keep: per base placement, decided once */
    int rc = 0;
    if (opts->base) {
        keep = malloc((size_t)(opts->base->n ? opts->base->n : 1));
        rc = keep ? s_scope(r, opts, keep, &only) : -ENOMEM;
    }
    if (rc == 0)
        rc = regio_cands_build_some(r, opts->base, only, REGIO_CANDS_MAX, opts->threads,
                                    &s->cands);
    free(only);
    if (rc < 0) {
        free(keep);
        return rc;
    }
    if ((rc = regio_plan_init(&s->plan, r, &s->cands)) < 0)
        goto fail;
    if ((rc = regio_plan_work_init(&s->work, &s->plan)) < 0)
        goto fail;
    if (opts->base || opts->pinned) {
        rc = regio_replan_load(&s->plan, &s->work, opts->base, keep, opts->pinned,
                               opts->move_margin, &s->focus, &s->n_focus, &s->stats);
        if (rc < 0)
            goto fail;
    }
    free(keep);
    keep = NULL;
    s->stats.candidates = s->cands.start[r->n_learners];
    s->stats.setup_s = regio_session_clock() - s->t0;
    if (opts->seconds <= 0) /* the default budget is for planning, after the set-up */
        s->deadline = s->t0 + s->stats.setup_s + default_seconds;
    return 0;
fail:
    free(keep);
    regio_session_close(s);
    return rc;
}

int regio_session_done(regio_session_t *s)
{
    if (s->stop)
        return 1;
    double now = regio_session_clock();
    if (s->opts->progress && now - s->last_report >= 0.2) {
        double score;
        int64_t cov, need = 0;
        int32_t placements;
        s->last_report = now;
        regio_plan_totals(&s->plan, NULL, &score, &cov, &placements);
        for (int32_t l = 0; l < s->r->n_learners; l++)
            for (int i = 0; i < s->r->learners[l].n_needs; i++)
                need += s->r->learners[l].needs[i].amount;
        if (s->opts->progress(s->opts->progress_arg, now - s->t0, score,
                              need ? (double)cov / (double)need : 1.0, placements))
            s->stop = 1;
    }
    if (s->iter_limit > 0)
        return s->stop || s->stats.iterations >= s->iter_limit;
    return s->stop || now >= s->deadline;
}

int regio_session_finish(regio_session_t *s, regio_rpp_sol_t *out)
{
    int rc = regio_plan_to_sol(&s->plan, out);
    if (rc == 0) {
        regio_plan_totals(&s->plan, NULL, &s->stats.score, NULL, NULL);
        s->stats.solve_s = regio_session_clock() - s->t0;
        if (s->opts->base) {
            int64_t ch = regio_rpp_changed(s->opts->base, out);
            s->stats.changed = ch < 0 ? -1 : (int32_t)ch;
        }
        if (s->opts->stats)
            *s->opts->stats = s->stats;
    }
    regio_session_close(s);
    return rc;
}

void regio_session_close(regio_session_t *s)
{
    regio_plan_work_free(&s->work);
    regio_plan_free(&s->plan);
    regio_cands_free(&s->cands);
    free(s->focus);
    s->focus = NULL;
    s->n_focus = 0;
}
