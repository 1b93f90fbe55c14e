/* regioctl - command-line client of the regio services: parse, dispatch. */
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zmq.h>

#include "commands.h"
#include "ctl.h"

static const char s_usage[] =
    "usage: regioctl [global flags] COMMAND [args]\n"
    "\n"
    "commands:\n"
    "  import FILE.json            load an rpp-1 instance into registry, capacity, planner;\n"
    "                              returns once the planner sees all of it\n"
    "  plan [--full] [--seconds S] [--seed N] [--confirm]\n"
    "                              plan (repair, or --full from scratch) on every change\n"
    "                              acknowledged before; waits up to 120 s unless\n"
    "                              --timeout-ms is given; --confirm first resolves the\n"
    "                              followers' alarms and lets the round cancel any share\n"
    "  export [--instance OUT.json] [--solution OUT2.json] [--name NAME]\n"
    "                              write the services' state as rpp-1 instance/solution\n"
    "  subscribe TOPIC [--from SEQ] [--count N] [--json]\n"
    "                              follow notifications of school/ID, learner/ID,\n"
    "                              partner/ID, a prefix such as learner/, or \"all\",\n"
    "                              as far as this key may read them; --from replays\n"
    "                              after SEQ first (topic_seq for one topic, the global\n"
    "                              seq otherwise); stops after N or when --timeout-ms\n"
    "                              passes without one (exit 1 if fewer than N; without\n"
    "                              --count and --timeout-ms it follows until killed)\n"
    "  capacity set OFFERING PERIOD S0,S1,...,S9 [--version V] [--id UPDATE_ID]\n"
    "                              seats per weekly slot for one offering and period;\n"
    "                              V: unix milliseconds (default: now)\n"
    "  capacity close OFFERING YYYY-MM-DD [morning|afternoon|day] [--reason TEXT] [--id ID]\n"
    "                              close an offering on one date\n"
    "  capacity open OFFERING YYYY-MM-DD [--reason TEXT] [--id ID]\n"
    "                              open an offering again on a date it was closed\n"
    "  capacity reset OFFERING PERIOD [--id ID]\n"
    "                              (administrators) forget the key's stored version, so\n"
    "                              the next update wins whatever its version\n"
    "  status [SERVICE...]         one line per service (all four, or those named);\n"
    "                              exit 1 if any is down\n"
    "  withdraw OFFERING           withdraw an offering (it keeps its id, gets no seats)\n"
    "  keys new NAME --role ROLE   make NAME.key (secret, 0600) and NAME.pub in the keys\n"
    "                              folder and add NAME to its principals file; roles: admin,\n"
    "                              coordinator, school:ID, partner:ID, subscriber:PREFIX[,...],\n"
    "                              service:NAME (then ./regio reload, or SIGHUP the services)\n"
    "  keys list                   the principals: name, role, key fingerprint\n"
    "  keys revoke NAME            remove NAME from the principals file (then reload)\n"
    "  audit [--since T] [--who NAME] [--max N] [--json]\n"
    "                              who changed what, from every service, oldest first;\n"
    "                              T is unix ms or YYYY-MM-DD[THH:MM[:SS]] (UTC)\n"
    "  learner export ID           everything the cluster holds on one learner, as JSON:\n"
    "                              the planner's record and placements, every notification\n"
    "                              about the learner on any topic (admins, coordinators,\n"
    "                              the learner's school)\n"
    "  learner erase ID            delete the learner's record and placements (freeing\n"
    "                              the seats) and replace the id by a tombstone in the\n"
    "                              notifier's log and the audit trail; prints the counts;\n"
    "                              erasing again changes nothing\n"
    "  backup DIR                  a consistent copy of every service's store, taken while\n"
    "                              they run (admins only), into the new folder DIR with\n"
    "                              manifest.json (each store's id, seq and digest)\n"
    "  restore DIR --into VARDIR   put the backup's stores into VARDIR/<service>, the\n"
    "                              cluster stopped (./regio restore DIR does this for var/);\n"
    "                              replaced stores are moved aside, not deleted\n"
    "  help                        this text\n"
    "\n"
    "global flags (before or after the command; env variables in brackets):\n"
    "  --registry EP      registry requests      (REGIO_REGISTRY, tcp://127.0.0.1:7401)\n"
    "  --capacity EP      capacity requests      (REGIO_CAPACITY, tcp://127.0.0.1:7411)\n"
    "  --planner EP       planner requests       (REGIO_PLANNER, tcp://127.0.0.1:7421)\n"
    "  --notifier EP      notifier replay        (REGIO_NOTIFIER, tcp://127.0.0.1:7431)\n"
    "  --notifier-feed EP notifier live feed     (REGIO_NOTIFIER_FEED, tcp://127.0.0.1:7432)\n"
    "  --timeout-ms MS    per request, or idle time for subscribe (10000)\n"
    "  --keys DIR         the services' public keys, the principals file (REGIO_KEYS, var/keys)\n"
    "  --key FILE         own secret key (REGIO_KEY, <keys>/admin.key)\n"
    "  --insecure         plain ZeroMQ, for services run with --insecure (REGIO_INSECURE=1)\n"
    "\n"
    "exit codes: 0 done, 1 a service refused or did not answer, 2 bad usage or input,\n"
    "3 notifier history trimmed (export a snapshot, then subscribe from its seq)\n";

typedef struct {
    const char *flag; /* global flag */
    const char *env;  /* environment variable, or NULL */
    size_t off;       /* field of regioctl_t */
    const char *def;  /* default endpoint */
} s_endpoint_t;

static const s_endpoint_t s_endpoints[] = {
    {"--registry", "REGIO_REGISTRY", offsetof(regioctl_t, registry), "tcp://127.0.0.1:7401"},
    {"--capacity", "REGIO_CAPACITY", offsetof(regioctl_t, capacity), "tcp://127.0.0.1:7411"},
    {"--planner", "REGIO_PLANNER", offsetof(regioctl_t, planner), "tcp://127.0.0.1:7421"},
    {"--notifier", "REGIO_NOTIFIER", offsetof(regioctl_t, notifier), "tcp://127.0.0.1:7431"},
    {"--notifier-feed", "REGIO_NOTIFIER_FEED", offsetof(regioctl_t, notifier_feed),
     "tcp://127.0.0.1:7432"},
};
#define S_N_ENDPOINTS (sizeof s_endpoints / sizeof s_endpoints[0])

typedef struct {
    const char *name;
    int (*run)(regioctl_t *c, int argc, char **argv);
} s_command_t;

static const s_command_t s_commands[] = {
    {"import", regioctl_import},       {"export", regioctl_export},     {"plan", regioctl_plan},
    {"subscribe", regioctl_subscribe}, {"capacity", regioctl_capacity}, {"status", regioctl_status},
    {"withdraw", regioctl_withdraw},   {"keys", regioctl_keys},         {"audit", regioctl_audit},
    {"learner", regioctl_learner},     {"backup", regioctl_backup},       {"restore", regioctl_restore},
};

static const char **s_field(regioctl_t *c, const s_endpoint_t *e)
{
    return (const char **)((char *)c + e->off);
}

static void s_defaults(regioctl_t *c)
{
    memset(c, 0, sizeof *c);
    c->timeout_ms = REGIOCTL_DEFAULT_TIMEOUT_MS;
    const char *keys = getenv("REGIO_KEYS"), *key = getenv("REGIO_KEY"),
               *insecure = getenv("REGIO_INSECURE");
    c->keys = keys && keys[0] ? keys : "var/keys";
    c->key = key && key[0] ? key : NULL;
    c->insecure = insecure && strcmp(insecure, "1") == 0;
    for (size_t i = 0; i < S_N_ENDPOINTS; i++) {
        const char *v = getenv(s_endpoints[i].env);
        *s_field(c, &s_endpoints[i]) = v && v[0] ? v : s_endpoints[i].def;
    }
}

/* Take global flags out of argv (wherever they are); the rest stays in
 * order in rest. Returns 0 or an exit code. */
static int s_globals(regioctl_t *c, int argc, char **argv, char **rest, int *n_rest)
{
    *n_rest = 0;
    for (int i = 1; i < argc; i++) {
        const s_endpoint_t *e = NULL;
        for (size_t j = 0; j < S_N_ENDPOINTS; j++)
            if (regioctl_opt_is(argv[i], s_endpoints[j].flag))
                e = &s_endpoints[j];
        if (e) {
            const char *v = regioctl_opt_value(c, argc, argv, &i);
            if (!v)
                return REGIOCTL_EXIT_USAGE;
            *s_field(c, e) = v;
        } else if (regioctl_opt_is(argv[i], "--keys") || regioctl_opt_is(argv[i], "--key")) {
            int own = regioctl_opt_is(argv[i], "--key");
            const char *v = regioctl_opt_value(c, argc, argv, &i);
            if (!v)
                return REGIOCTL_EXIT_USAGE;
            *(own ? &c->key : &c->keys) = v;
        } else if (strcmp(argv[i], "--insecure") == 0) {
            c->insecure = 1;
        } else if (regioctl_opt_is(argv[i], "--timeout-ms")) {
            const char *v = regioctl_opt_value(c, argc, argv, &i);
            long ms;
            if (!v)
                return REGIOCTL_EXIT_USAGE;
            if (regioctl_parse_int(v, 1, 24L * 3600 * 1000, &ms) < 0)
                return regioctl_fail(c, REGIOCTL_EXIT_USAGE,
                                     "--timeout-ms needs milliseconds (1..86400000), got '%s'", v);
            c->timeout_ms = (int)ms;
            c->timeout_set = 1;
        } else {
            rest[(*n_rest)++] = argv[i];
        }
    }
    rest[*n_rest] = NULL;
    return 0;
}

static int s_is_help(const char *a)
{
    return strcmp(a, "help") == 0 || strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0;
}

int main(int argc, char **argv)
{
    regioctl_t c;
    s_defaults(&c);
    char **rest = calloc((size_t)argc + 1, sizeof *rest);
    int n_rest, rc;
    if (!rest)
        return regioctl_fail(NULL, REGIOCTL_EXIT_SERVICE, "out of memory");
    if ((rc = s_globals(&c, argc, argv, rest, &n_rest)) != 0)
        goto out_rest;
    if (n_rest == 0 || s_is_help(rest[0])) {
        fputs(s_usage, stdout);
        rc = n_rest == 0 ? REGIOCTL_EXIT_USAGE : REGIOCTL_EXIT_OK;
        goto out_rest;
    }
    for (int i = 1; i < n_rest; i++)
        if (strcmp(rest[i], "--help") == 0 || strcmp(rest[i], "-h") == 0) {
            fputs(s_usage, stdout);
            rc = REGIOCTL_EXIT_OK;
            goto out_rest;
        }
    const s_command_t *cmd = NULL;
    for (size_t i = 0; i < sizeof s_commands / sizeof s_commands[0]; i++)
        if (strcmp(rest[0], s_commands[i].name) == 0)
            cmd = &s_commands[i];
    if (!cmd) {
        rc = regioctl_fail(NULL, REGIOCTL_EXIT_USAGE, "unknown command '%s' (see regioctl help)",
                           rest[0]);
        goto out_rest;
    }
    c.cmd = cmd->name;
    if (!(c.zctx = zmq_ctx_new())) {
        rc = regioctl_fail(&c, REGIOCTL_EXIT_SERVICE, "cannot create a ZeroMQ context");
        goto out_rest;
    }
    rc = cmd->run(&c, n_rest, rest);
    zmq_ctx_term(c.zctx);
out_rest:
    free(rest);
    return rc;
}
