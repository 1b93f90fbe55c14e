/* authz - the rules: which role may send which request, read which topic. */
#include "regio/authz.h"

#include <stdio.h>
#include <string.h>

#include "regio/error.h"

#define R(x) (1u << (x))
#define ALL (R(REGIO_ROLE_ADMIN) | R(REGIO_ROLE_COORDINATOR) | R(REGIO_ROLE_SCHOOL) | \
             R(REGIO_ROLE_PARTNER) | R(REGIO_ROLE_SUBSCRIBER) | R(REGIO_ROLE_SERVICE))
#define STAFF (R(REGIO_ROLE_ADMIN) | R(REGIO_ROLE_COORDINATOR))
#define B(x) REGIO__ENVELOPE__BODY_##x

typedef struct {
    Regio__Envelope__BodyCase body;
    const char *action;  /* name in logs and the audit trail */
    unsigned roles;      /* R(role) bits that may send it */
    const char *rule;    /* what a refusal says */
} rule_t;

static const rule_t s_rules[] = {
    {B(STATUS_REQUEST), "status", ALL, "status is for every known key"},
    {B(AUDIT_REQUEST), "audit", STAFF, "the audit trail is for admins and coordinators"},
    {B(RESOLVE_ALARM), "resolve_alarm", STAFF, "alarms are resolved by admins and coordinators"},
    {B(BACKUP_REQUEST), "backup", R(REGIO_ROLE_ADMIN), "backups are for admins only"},
    {B(PUT_CALENDAR), "put_calendar", STAFF, "registry writes are for coordinators and admins"},
    {B(PUT_PARTNER), "put_partner", STAFF, "registry writes are for coordinators and admins"},
    {B(PUT_OFFERING), "put_offering", STAFF, "registry writes are for coordinators and admins"},
    {B(WITHDRAW_OFFERING), "withdraw_offering", STAFF,
     "registry writes are for coordinators and admins"},
    {B(REGISTRY_SNAPSHOT_REQUEST), "registry_snapshot", ALL,
     "the registry of learning places is for every known key"},
    {B(CAPACITY_UPDATE), "capacity_update", STAFF | R(REGIO_ROLE_PARTNER),
     "capacity changes are for the offering's partner, coordinators and admins"},
    {B(CAPACITY_UPDATES), "capacity_updates", STAFF | R(REGIO_ROLE_PARTNER),
     "capacity changes are for the offering's partner, coordinators and admins"},
    {B(CAPACITY_EXCEPTION), "capacity_exception", STAFF | R(REGIO_ROLE_PARTNER),
     "capacity changes are for the offering's partner, coordinators and admins"},
    {B(CAPACITY_RESET), "capacity_reset", R(REGIO_ROLE_ADMIN),
     "resetting a stored version is for admins"},
    {B(CAPACITY_SNAPSHOT_REQUEST), "capacity_snapshot",
     STAFF | R(REGIO_ROLE_SERVICE) | R(REGIO_ROLE_PARTNER),
     "capacity snapshots are for services, coordinators, admins and (their own rows) partners"},
    {B(PUT_LEARNER), "put_learner", STAFF | R(REGIO_ROLE_SCHOOL),
     "learner requests are for the learner's school, coordinators and admins"},
    {B(REMOVE_LEARNER), "remove_learner", STAFF | R(REGIO_ROLE_SCHOOL),
     "learner requests are for the learner's school, coordinators and admins"},
    {B(PLAN_REQUEST), "plan", STAFF, "plan requests are for coordinators and admins"},
    {B(PLANNER_SNAPSHOT_REQUEST), "planner_snapshot",
     STAFF | R(REGIO_ROLE_SERVICE) | R(REGIO_ROLE_SCHOOL) | R(REGIO_ROLE_PARTNER),
     "planner snapshots are for services, coordinators, admins, and (their own part) schools "
     "and partners"},
    {B(NOTIFY_BATCH), "notify_batch", R(REGIO_ROLE_SERVICE),
     "notify batches come only from the planner's key"},
    {B(REPLAY_REQUEST), "replay", ALL, "replays are for every known key, of its own topics"},
    {B(LEARNER_EXPORT_REQUEST), "export_learner", STAFF | R(REGIO_ROLE_SCHOOL),
     "a learner's data is for the learner's school, coordinators and admins"},
    {B(LEARNER_ERASE_REQUEST), "erase_learner", STAFF | R(REGIO_ROLE_SCHOOL),
     "erasing a learner is for the learner's school, coordinators and admins"},
};
#define N_RULES (sizeof s_rules / sizeof s_rules[0])

static const rule_t *s_rule(Regio__Envelope__BodyCase body)
{
    for (size_t i = 0; i < N_RULES; i++)
        if (s_rules[i].body == body)
            return &s_rules[i];
    return NULL;
}

const char *regio_authz_action(Regio__Envelope__BodyCase body)
{
    const rule_t *r = s_rule(body);
    return r ? r->action : "unknown";
}

int regio_authz_request(const regio_principal_t *p, Regio__Envelope__BodyCase body, char *why,
                        size_t n)
{
    const rule_t *r = s_rule(body);
    if (!r) {
        snprintf(why, n, "no service takes this message (body %d) as a request", (int)body);
        return REGIO_ENOTFOUND;
    }
    int ok = p->unchecked || (r->roles & R(p->role)) != 0;
    if (ok && !p->unchecked && body == B(NOTIFY_BATCH))
        ok = strcmp(p->scope, "planner") == 0;
    if (ok)
        return 0;
    snprintf(why, n, "forbidden for %s: %s", p->name, r->rule);
    return REGIO_EFORBIDDEN;
}

int regio_authz_reads_all(const regio_principal_t *p)
{
    return p->role == REGIO_ROLE_ADMIN || p->role == REGIO_ROLE_COORDINATOR ||
           p->role == REGIO_ROLE_SERVICE;
}

static int s_owner(const regio_principal_t *p, regio_role_t role, const char *owner,
                   const char *what, char *why, size_t n)
{
    if (p->unchecked || p->role == REGIO_ROLE_ADMIN || p->role == REGIO_ROLE_COORDINATOR)
        return 0;
    if (p->role == role && strcmp(p->scope, owner) == 0)
        return 0;
    snprintf(why, n, "forbidden for %s: %s is not one of %s's own", p->name, what,
             p->scope[0] ? p->scope : p->name);
    return REGIO_EFORBIDDEN;
}

int regio_authz_partner(const regio_principal_t *p, const char *partner, const char *what,
                        char *why, size_t n)
{
    return s_owner(p, REGIO_ROLE_PARTNER, partner, what, why, n);
}

int regio_authz_school(const regio_principal_t *p, const char *school, const char *what,
                       char *why, size_t n)
{
    return s_owner(p, REGIO_ROLE_SCHOOL, school, what, why, n);
}

/* Whether prefix covers topic segment-wise ("a/b" covers "a/b", "a/b/c";
 * "a/" covers "a/x"). */
static int s_covers(const char *prefix, const char *topic)
{
    size_t n = strlen(prefix);
    if (strncmp(prefix, topic, n) != 0)
        return 0;
    return topic[n] == '\0' || topic[n] == '/' || (n > 0 && prefix[n - 1] == '/');
}

/* Whether topic is "<kind>/<id>". */
static int s_is(const char *topic, const char *kind, const char *id)
{
    size_t k = strlen(kind);
    return strncmp(topic, kind, k) == 0 && topic[k] == '/' && strcmp(topic + k + 1, id) == 0;
}

int regio_authz_topic(const regio_principal_t *p, const char *topic, const char *school)
{
    switch (p->role) {
    case REGIO_ROLE_ADMIN:
    case REGIO_ROLE_COORDINATOR:
    case REGIO_ROLE_SERVICE: return 1;
    case REGIO_ROLE_SCHOOL:
        return s_is(topic, "school", p->scope) ||
               (strncmp(topic, "learner/", 8) == 0 && school && strcmp(school, p->scope) == 0);
    case REGIO_ROLE_PARTNER: return s_is(topic, "partner", p->scope);
    case REGIO_ROLE_SUBSCRIBER:
        for (int i = 0; i < p->n_prefixes; i++)
            if (s_covers(p->prefixes[i], topic))
                return 1;
        return 0;
    }
    return 0;
}

/* Whether pattern and the readable area `area` can meet: one covers the
 * other, or pattern is a plain-text prefix of area. */
static int s_meets(const char *pattern, const char *area)
{
    return s_covers(area, pattern) || strncmp(area, pattern, strlen(pattern)) == 0;
}

int regio_authz_subscribe(const regio_principal_t *p, const char *pattern, char *why, size_t n)
{
    char own[REGIO_TOPIC_MAX];
    int ok = regio_authz_reads_all(p);
    switch (p->role) {
    case REGIO_ROLE_SCHOOL:
        snprintf(own, sizeof own, "school/%s", p->scope);
        ok = s_meets(pattern, own) || s_meets(pattern, "learner/");
        break;
    case REGIO_ROLE_PARTNER:
        snprintf(own, sizeof own, "partner/%s", p->scope);
        ok = s_meets(pattern, own);
        break;
    case REGIO_ROLE_SUBSCRIBER:
        for (int i = 0; i < p->n_prefixes && !ok; i++)
            ok = s_meets(pattern, p->prefixes[i]);
        break;
    default: break;
    }
    if (ok)
        return 0;
    snprintf(why, n, "forbidden for %s: topic '%s' is none of its own (a school reads "
             "school/<its id> and its learners, a partner partner/<its id>, a subscriber its "
             "prefixes)", p->name, pattern);
    return REGIO_EFORBIDDEN;
}

int regio_authz_feed(const regio_principal_t *p)
{
    return regio_authz_reads_all(p);
}
