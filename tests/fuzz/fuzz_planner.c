/* fuzz_planner - raw frames (and structure-aware mutations) at the planner's ROUTER.
 *
 * See fuzz_cluster.h: all four services run in this process; each input is
 * one request to the planner, which must answer it.
 */
#include "fuzz_cluster.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
size_t LLVMFuzzerCustomMutator(uint8_t *data, size_t size, size_t max_size, unsigned int seed);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    return fuzz_cluster_one(FUZZ_PLANNER, data, size);
}

size_t LLVMFuzzerCustomMutator(uint8_t *data, size_t size, size_t max_size, unsigned int seed)
{
    return fuzz_cluster_mutate(FUZZ_PLANNER, data, size, max_size, seed);
}
