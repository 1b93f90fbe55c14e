/* fuzz_cluster - the four services in one process, fuzzed through their ROUTERs.
 *
 * On first use, one regio_service_t (one libuv loop, one ZeroMQ context)
 * gets all four services on inproc:// endpoints, with LMDB environments in a
 * fresh temporary directory, and the tiny region is fed in through real
 * requests (calendar, partners, offerings, capacity, learners, a plan, so
 * the notifier holds a log too). Then each fuzz input goes as one frame
 * from a DEALER to the target service's ROUTER, and the loop runs until the
 * reply is in. An input that starts with FUZZ_BATCH_MAGIC is up to
 * FUZZ_BATCH_MAX frames instead (fuzz_env.h), sent back to back so that
 * they share one group-commit transaction. Properties checked per input
 * (fuzz_reply.h):
 *   - every request gets a reply within FUZZ_REPLY_MS (a missing reply is a
 *     bug: clients would hang), ReplayRequest a last chunk with done = true,
 *     and no request gets more replies than that;
 *   - every reply is one decodable Envelope with a body, correlated with the
 *     request's id (0 when the request did not decode), and an error body has
 *     a code other than ERROR_INTERNAL ("a bug or an OS failure");
 *   - no sanitizer report, and no "infeasible plan" log line from the planner.
 * State carries over from one input to the next, as in a running service,
 * for FUZZ_RESET_EVERY inputs; then the cluster is stopped as SIGTERM would
 * stop it (the loop must run dry within FUZZ_REPLY_MS with every libuv
 * handle closed), destroyed, and started afresh. That bounds the state (a
 * long run would otherwise drift into a region where nothing can be
 * planned, with ever larger tables), and it fuzzes the clean stop too.
 *
 * Harness rule: a PlanRequest asking for more than FUZZ_PLAN_SECONDS is
 * sent with seconds = FUZZ_PLAN_SECONDS (the service accepts up to an hour
 * by contract; a fuzzer cannot wait that long).
 *
 * Environment: REGIO_FUZZ_LOG=debug|info|warn|error (default error) shows
 * the services' log lines from that level on; REGIO_FUZZ_VERBOSE=1 prints
 * every reply (body, or error code and reason); REGIO_FUZZ_HISTORY and
 * REGIO_FUZZ_PRELUDE record and replay the inputs since the last restart
 * (fuzz_history.h).
 */
#ifndef REGIO_FUZZ_CLUSTER_H
#define REGIO_FUZZ_CLUSTER_H

#include <stddef.h>
#include <stdint.h>

#include "fuzz_env.h"

#define FUZZ_REPLY_MS 5000
#define FUZZ_PLAN_SECONDS 0.002
#define FUZZ_RESET_EVERY 10000

/* The notifier's source_seq as its last NotifyAck to the harness said, so
 * the mutator can continue the sequence (a NotifyBatch must start at most
 * one past it). */
extern uint64_t fuzz_cluster_source_seq;

/* Run one input against service svc (starting the cluster on first use).
 * Returns 0; a broken property aborts with a message. */
int fuzz_cluster_one(fuzz_service_t svc, const uint8_t *data, size_t size);

/* libFuzzer's custom mutator for svc: a byte-level mutation, and now and
 * then a structure-aware pass that decodes the input as an Envelope and sets
 * some ids and numbers to plausible values (known ids of the tiny region,
 * 10 seats, coordinates in the region...), to get past validation into the
 * writes. Returns the new size (<= max). */
size_t fuzz_cluster_mutate(fuzz_service_t svc, uint8_t *data, size_t size, size_t max,
                           unsigned int seed);

#endif
