/* fuzz_history - the inputs since the cluster's last restart, to reproduce
 * findings that depend on the state earlier inputs left behind.
 *
 * With REGIO_FUZZ_HISTORY=FILE, a service target keeps FILE holding every
 * input since the cluster last started (records: 4-byte little-endian
 * length, then the bytes), so after a crash FILE has what led up to it.
 * With REGIO_FUZZ_PRELUDE=FILE, those inputs are run first, in order, as
 * if they had been fuzz inputs; then the input given on the command line:
 *   REGIO_FUZZ_PRELUDE=history build-fuzz/fuzz/fuzz_planner crash-...
 * (Planning runs on a thread with a time budget, so a replay is likely,
 * not certain, to take the same path.) One process per history file.
 */
#ifndef REGIO_FUZZ_HISTORY_H
#define REGIO_FUZZ_HISTORY_H

#include <stddef.h>
#include <stdint.h>

/* Empty the history (the cluster just started). No-op without
 * REGIO_FUZZ_HISTORY. Aborts when the file cannot be written. */
void fuzz_history_restart(void);

/* Append one input. No-op without REGIO_FUZZ_HISTORY. */
void fuzz_history_add(const uint8_t *data, size_t size);

/* Call fn for each input of REGIO_FUZZ_PRELUDE's file, in order; does
 * nothing without it or after the first call. Aborts on a malformed file. */
void fuzz_history_prelude(void (*fn)(void *arg, const uint8_t *data, size_t size), void *arg);

#endif
