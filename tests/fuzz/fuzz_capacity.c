/* fuzz_capacity - raw frames (and structure-aware mutations) at the capacity's ROUTER.
 *
 * See fuzz_cluster.h: all four services run in this process; each input is
 * one request to the capacity, which must answer it.
 */
#include "fuzz_cluster.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
size_t LLVMFuzzerCustomMutator(uint8_t *data, size_t size, size_t max_size, unsigned int seed);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    return fuzz_cluster_one(FUZZ_CAPACITY, data, size);
}

size_t LLVMFuzzerCustomMutator(uint8_t *data, size_t size, size_t max_size, unsigned int seed)
{
    return fuzz_cluster_mutate(FUZZ_CAPACITY, data, size, max_size, seed);
}
