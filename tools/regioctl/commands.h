/* commands - the entry point of every regioctl subcommand.
 *
 * Each takes the run's settings and its own arguments (argv[0] is the
 * subcommand's name; global flags are already removed) and returns the
 * process exit code (ctl.h), having printed one line to stderr on failure.
 */
#ifndef REGIOCTL_COMMANDS_H
#define REGIOCTL_COMMANDS_H

#include "ctl.h"

/* import FILE.json: registry, capacity and planner from an rpp-1 instance. */
int regioctl_import(regioctl_t *c, int argc, char **argv);

/* export --instance OUT.json --solution OUT2.json: the services' state as rpp-1. */
int regioctl_export(regioctl_t *c, int argc, char **argv);

/* plan [--full] [--seconds S] [--seed N]: ask the planner for a plan. */
int regioctl_plan(regioctl_t *c, int argc, char **argv);

/* subscribe TOPIC [--from SEQ] [--count N] [--json]: follow notifications. */
int regioctl_subscribe(regioctl_t *c, int argc, char **argv);

/* capacity set|close|open|reset ...: one update, closure or opening, as a
 * company system, or a reset of a key's version, as an administrator. */
int regioctl_capacity(regioctl_t *c, int argc, char **argv);

/* status: one line per service. */
int regioctl_status(regioctl_t *c, int argc, char **argv);

/* withdraw OFFERING: withdraw an offering in the registry. */
int regioctl_withdraw(regioctl_t *c, int argc, char **argv);

/* keys new|list|revoke: key pairs and the principals file. */
int regioctl_keys(regioctl_t *c, int argc, char **argv);

/* audit [--since T] [--who NAME]: the services' audit trails, merged. */
int regioctl_audit(regioctl_t *c, int argc, char **argv);

/* learner export|erase ID: everything held on one learner, as JSON; erase it. */
int regioctl_learner(regioctl_t *c, int argc, char **argv);

/* backup DIR: a hot copy of every service's store, with manifest.json. */
int regioctl_backup(regioctl_t *c, int argc, char **argv);

/* restore DIR --into VARDIR: put a backup's stores in place (offline). */
int regioctl_restore(regioctl_t *c, int argc, char **argv);

#endif
