/* plan_cmd - ask the planner for a plan and show its summary to a coordinator.
 *
 * The plan includes every change the registry and the capacity service had
 * acknowledged when the command started: it first waits for the planner's
 * copies of them to catch up (mirror.h). An upstream that does not answer is
 * skipped with a warning: the planner then plans on the copy it has.
 *
 * --confirm is the operator's way on after an alarm: it first sends
 * ResolveAlarm to the capacity service and the planner when their Status
 * shows a follower alarm (their followers accept the registry and the
 * capacity service as they are now and resync), then asks for a plan that
 * may cancel any share of the current one (PlanRequest.confirm). */
#include <stdio.h>
#include <string.h>
#include <zmq.h>

#include "commands.h"
#include "ctl.h"
#include "mirror.h"

#define S_PLAN_TIMEOUT_MS 120000
#define S_PROBE_MS 2000 /* for the registry and capacity seqs */
#define S_USAGE "usage: regioctl plan [--full] [--seconds S] [--seed N] [--confirm]"

/* ResolveAlarm to the service behind k. Returns 0, or an exit code with
 * one line in err. */
static int s_resolve(regioctl_conn_t *k, int timeout_ms, char *err, size_t errlen)
{
    Regio__ResolveAlarm ra = REGIO__RESOLVE_ALARM__INIT;
    regio_envelope_t req = REGIO__ENVELOPE__INIT, *rep = NULL;
    req.body_case = REGIO__ENVELOPE__BODY_RESOLVE_ALARM;
    req.resolve_alarm = &ra;
    int rc = regioctl_call(k, &req, REGIO__ENVELOPE__BODY_ACK, &rep, timeout_ms, err, errlen);
    if (rep)
        regio__envelope__free_unpacked(rep, NULL);
    return rc;
}

/* --confirm: resolve the capacity service's follower alarm, if any (a
 * warning when that fails: the planner can go on without it), then the
 * planner's. A service without one is left alone: no needless resync. */
static int s_resolve_alarms(regioctl_t *c, regioctl_conn_t *planner)
{
    char err[REGIOCTL_ERR_MAX];
    regioctl_conn_t cap;
    int rc = regioctl_conn_open(c, &cap, "capacity", "capacity service", c->capacity, ZMQ_DEALER);
    if (rc)
        return rc;
    int alarmed = regioctl_mirror_alarmed(&cap, S_PROBE_MS);
    if (alarmed < 0)
        fprintf(stderr, "regioctl: plan: warning: the capacity service did not answer; its "
                        "alarms, if any, stay\n");
    else if (alarmed && s_resolve(&cap, S_PROBE_MS, err, sizeof err))
        fprintf(stderr, "regioctl: plan: warning: the capacity service's alarm is not "
                        "resolved: %s\n", err);
    regioctl_conn_close(&cap);
    if (regioctl_mirror_alarmed(planner, c->timeout_ms) == 1 &&
        (rc = s_resolve(planner, c->timeout_ms, err, sizeof err)))
        return regioctl_fail(c, rc, "%s", err);
    return 0;
}

static double s_pct(double share)
{
    return share * 100.0;
}

static void s_print(const Regio__PlanSummary *s)
{
    double placed = s->learners ? 100.0 * s->learners_placed / s->learners : 0.0;
    printf("plan %llu by %s in %.0f ms\n", (unsigned long long)s->plan_version,
           s->engine && s->engine[0] ? s->engine : "?", s->millis);
    printf("  learners placed   %u / %u (%.1f%%)\n", s->learners_placed, s->learners, placed);
    printf("  placements        %u\n", s->placements);
    printf("  coverage          %.1f%% of needs (%llu dagdelen)\n", s_pct(s->coverage_share),
           (unsigned long long)s->coverage);
    printf("  travel            %.1f km\n", s->travel_km);
    printf("  repeats           %llu\n", (unsigned long long)s->repeats);
    printf("  preferences met   %llu\n", (unsigned long long)s->preference);
    printf("  school share      lowest %.1f%%, highest %.1f%%\n", s_pct(s->school_share_min),
           s_pct(s->school_share_max));
    printf("  changed           %u placements\n", s->changed);
    printf("  score             %.1f\n", s->score);
}

int regioctl_plan(regioctl_t *c, int argc, char **argv)
{
    Regio__PlanRequest pr = REGIO__PLAN_REQUEST__INIT;
    for (int i = 1; i < argc; i++) {
        const char *v;
        if (strcmp(argv[i], "--full") == 0) {
            pr.full = 1;
        } else if (strcmp(argv[i], "--confirm") == 0) {
            pr.confirm = 1;
        } else if (regioctl_opt_is(argv[i], "--seconds")) {
            if (!(v = regioctl_opt_value(c, argc, argv, &i)))
                return REGIOCTL_EXIT_USAGE;
            if (regioctl_parse_double(v, &pr.seconds) < 0 || pr.seconds < 0)
                return regioctl_fail(c, REGIOCTL_EXIT_USAGE,
                                     "--seconds needs a number >= 0, got '%s'", v);
        } else if (regioctl_opt_is(argv[i], "--seed")) {
            if (!(v = regioctl_opt_value(c, argc, argv, &i)))
                return REGIOCTL_EXIT_USAGE;
            if (regioctl_parse_u64(v, &pr.seed) < 0)
                return regioctl_fail(c, REGIOCTL_EXIT_USAGE,
                                     "--seed needs a whole number, got '%s'", v);
        } else {
            return regioctl_fail(c, REGIOCTL_EXIT_USAGE, "unexpected '%s' (" S_USAGE ")", argv[i]);
        }
    }
    int timeout = c->timeout_set ? c->timeout_ms : S_PLAN_TIMEOUT_MS;
    if (!c->timeout_set && pr.seconds * 1000.0 + 30000.0 > timeout)
        timeout = (int)(pr.seconds * 1000.0) + 30000; /* a long budget must not time out */
    regioctl_conn_t k;
    int rc = regioctl_conn_open(c, &k, "planner", "planner", c->planner, ZMQ_DEALER);
    if (rc)
        return rc;
    if (pr.confirm && (rc = s_resolve_alarms(c, &k))) {
        regioctl_conn_close(&k);
        return rc;
    }
    const char *up[2] = {"registry", "capacity"}, *ep[2] = {c->registry, c->capacity};
    for (int i = 0; i < 2 && rc == 0; i++) {
        uint64_t head;
        if (regioctl_mirror_head(c, up[i], ep[i], S_PROBE_MS, &head) < 0)
            fprintf(stderr, "regioctl: plan: the %s did not answer; planning on the planner's copy "
                            "of it\n", up[i]);
        else
            rc = regioctl_mirror_wait(c, &k, "planner", up[i], head);
    }
    if (rc) {
        regioctl_conn_close(&k);
        return rc;
    }
    regio_envelope_t req = REGIO__ENVELOPE__INIT, *rep = NULL;
    req.body_case = REGIO__ENVELOPE__BODY_PLAN_REQUEST;
    req.plan_request = &pr;
    rc = regioctl_request(c, &k, &req, REGIO__ENVELOPE__BODY_PLAN_SUMMARY, &rep, timeout);
    if (rc == 0) {
        s_print(rep->plan_summary);
        regio__envelope__free_unpacked(rep, NULL);
    }
    regioctl_conn_close(&k);
    return rc;
}
