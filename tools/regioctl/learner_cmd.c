/* learner_cmd - a learner's rights: everything held on one learner, and erasure.
 *
 * Both ask the planner first, then the notifier. An erase must go in that
 * order: the planner's erase cancels the learner's placements, and the
 * notifier renames the learner in its log only once it has logged those
 * cancellations (LearnerErased.source_seq), so they get the tombstone too.
 */
#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zmq.h>

#include "commands.h"
#include "ctl.h"
#include "regio/msg_json.h"
#include "regio/privacy.h"

#define S_ERASE_TIMEOUT_MS 120000 /* an erase waits for a running planning round */

/* Send req to one service; on 0, *rep (body want) is the caller's. On
 * failure err says why and the exit code is returned. */
static int s_ask(regioctl_t *c, const char *peer, const char *endpoint, regio_envelope_t *req,
                 Regio__Envelope__BodyCase want, int timeout_ms, regio_envelope_t **rep,
                 char *err, size_t errlen)
{
    regioctl_conn_t k;
    int rc = regioctl_conn_open(c, &k, peer, peer, endpoint, ZMQ_DEALER);
    if (rc)
        return rc;
    rc = regioctl_call(&k, req, want, rep, timeout_ms, err, errlen);
    regioctl_conn_close(&k);
    return rc;
}

/* n messages as a JSON array. */
static cJSON *s_list(void *const *v, size_t n)
{
    cJSON *a = cJSON_CreateArray();
    for (size_t i = 0; a && i < n; i++)
        cJSON_AddItemToArray(a, regio_msg_json(v[i]));
    return a;
}

/* Print {"learner": id, "planner": po, "notifier": no} (plus what o holds
 * already) and free the services' replies. */
static int s_report(cJSON *o, cJSON *po, cJSON *no, regio_envelope_t *pl, regio_envelope_t *nt)
{
    cJSON_AddItemToObject(o, "planner", po);
    cJSON_AddItemToObject(o, "notifier", no);
    char *text = cJSON_Print(o);
    if (text)
        puts(text);
    free(text);
    cJSON_Delete(o);
    regio__envelope__free_unpacked(pl, NULL);
    regio__envelope__free_unpacked(nt, NULL);
    return text ? REGIOCTL_EXIT_OK : REGIOCTL_EXIT_SERVICE;
}

/* A report with "learner": id first, and its two parts. */
static cJSON *s_begin(const char *id, cJSON **po, cJSON **no)
{
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "learner", id);
    *po = cJSON_CreateObject();
    *no = cJSON_CreateObject();
    return o;
}

static int s_export(regioctl_t *c, const char *id)
{
    Regio__LearnerExportRequest q = REGIO__LEARNER_EXPORT_REQUEST__INIT;
    q.id = (char *)id;
    regio_envelope_t req = REGIO__ENVELOPE__INIT, *pl = NULL, *nt = NULL;
    req.body_case = REGIO__ENVELOPE__BODY_LEARNER_EXPORT_REQUEST;
    req.learner_export_request = &q;
    char err[REGIOCTL_ERR_MAX];
    int rc = s_ask(c, "planner", c->planner, &req, REGIO__ENVELOPE__BODY_LEARNER_EXPORT,
                   c->timeout_ms, &pl, err, sizeof err);
    if (rc == 0)
        rc = s_ask(c, "notifier", c->notifier, &req, REGIO__ENVELOPE__BODY_LEARNER_EXPORT,
                   c->timeout_ms, &nt, err, sizeof err);
    if (rc) {
        if (pl)
            regio__envelope__free_unpacked(pl, NULL);
        return regioctl_fail(c, rc, "%s", err);
    }
    const Regio__LearnerExport *p = pl->learner_export, *n = nt->learner_export;
    cJSON *po, *no, *o = s_begin(id, &po, &no);
    cJSON_AddItemToObject(po, "learner", regio_msg_json(p->learner ? &p->learner->base : NULL));
    cJSON_AddItemToObject(po, "placements", s_list((void *const *)p->placements, p->n_placements));
    cJSON_AddItemToObject(no, "notifications",
                          s_list((void *const *)n->notifications, n->n_notifications));
    return s_report(o, po, no, pl, nt);
}

static int s_erase(regioctl_t *c, const char *id)
{
    char tomb[REGIO_TOMBSTONE_LEN + 1], err[REGIOCTL_ERR_MAX];
    if (regio_privacy_tombstone_new(tomb, sizeof tomb) < 0)
        return regioctl_fail(c, REGIOCTL_EXIT_SERVICE, "no randomness for a tombstone");
    Regio__LearnerEraseRequest q = REGIO__LEARNER_ERASE_REQUEST__INIT;
    q.id = (char *)id;
    q.tombstone = tomb;
    regio_envelope_t req = REGIO__ENVELOPE__INIT, *pl = NULL, *nt = NULL;
    req.body_case = REGIO__ENVELOPE__BODY_LEARNER_ERASE_REQUEST;
    req.learner_erase_request = &q;
    int wait = c->timeout_set ? c->timeout_ms : S_ERASE_TIMEOUT_MS;
    int rc = s_ask(c, "planner", c->planner, &req, REGIO__ENVELOPE__BODY_LEARNER_ERASED, wait, &pl,
                   err, sizeof err);
    if (rc)
        return regioctl_fail(c, rc, "%s (nothing erased)", err);
    q.after_source_seq = pl->learner_erased->source_seq;
    rc = s_ask(c, "notifier", c->notifier, &req, REGIO__ENVELOPE__BODY_LEARNER_ERASED, wait, &nt,
               err, sizeof err);
    if (rc) {
        regio__envelope__free_unpacked(pl, NULL);
        return regioctl_fail(c, rc, "%s: the planner erased %s, the notifier's log still names it; "
                             "run erase again", err, id);
    }
    const Regio__LearnerErased *p = pl->learner_erased, *n = nt->learner_erased;
    cJSON *po, *no, *o = s_begin(id, &po, &no);
    cJSON_AddStringToObject(o, "tombstone", tomb);
    cJSON_AddNumberToObject(po, "records", p->records);
    cJSON_AddNumberToObject(po, "placements", p->placements);
    cJSON_AddNumberToObject(po, "audit_entries", p->audit_entries);
    cJSON_AddNumberToObject(no, "log_entries", n->log_entries);
    cJSON_AddNumberToObject(no, "topics", n->topics);
    return s_report(o, po, no, pl, nt);
}

int regioctl_learner(regioctl_t *c, int argc, char **argv)
{
    if (argc != 3 || argv[2][0] == '-' ||
        (strcmp(argv[1], "export") != 0 && strcmp(argv[1], "erase") != 0))
        return regioctl_fail(c, REGIOCTL_EXIT_USAGE, "usage: regioctl learner export|erase ID");
    return argv[1][1] == 'x' ? s_export(c, argv[2]) : s_erase(c, argv[2]);
}
