/* fuzz_rpp_change - rpp-1-change text for the tiny instance.
 *
 * regio_rpp_json_load_change reads a path only, so each input goes through
 * a memfd and /proc/self/fd/N (no file on disk).
 * Properties: a failed load leaves the change zeroed; a loaded change
 * applies to a clone of the instance (the loader checked what apply checks);
 * repairing the tiny solution under it, as `regio-planner --solve --change
 * --base` does, gives a feasible plan that keeps every placement of a
 * pinned period.
 */
#include "fuzz_rpp.h"

#include <sys/mman.h>
#include <unistd.h>

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static regio_rpp_t *s_tiny;
static regio_rpp_sol_t s_base;
static int s_fd = -1;
static char s_path[64];

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    char err[256];
    s_tiny = fuzz_tiny();
    regio_rpp_sol_init(&s_base);
    if (regio_rpp_json_parse_sol(s_tiny, fuzz_tiny_solution_json, strlen(fuzz_tiny_solution_json),
                                 &s_base, err, sizeof err) < 0)
        fuzz_die("the embedded tiny solution does not parse: %s", err);
    if ((s_fd = memfd_create("fuzz_rpp_change", 0)) < 0)
        fuzz_die("memfd_create failed");
    snprintf(s_path, sizeof s_path, "/proc/self/fd/%d", s_fd);
    return 0;
}

static void s_put_input(const uint8_t *data, size_t size)
{
    if (ftruncate(s_fd, 0) < 0 || pwrite(s_fd, data, size, 0) != (ssize_t)size)
        fuzz_die("cannot write the input to %s", s_path);
}

static void s_check_pinned_kept(const regio_rpp_t *r, uint32_t pinned, const regio_rpp_sol_t *plan)
{
    for (int32_t i = 0; i < s_base.n; i++) {
        const regio_rpp_placement_t *b = &s_base.v[i];
        if (!(pinned >> b->period & 1u))
            continue;
        int kept = 0;
        for (int32_t j = 0; j < plan->n && !kept; j++)
            kept = memcmp(&plan->v[j], b, sizeof *b) == 0;
        if (!kept)
            fuzz_die("the repaired plan moved learner %s in pinned period %s",
                     r->learners[b->learner].id, r->periods[b->period].id);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char err[512];
    regio_rpp_change_t c;
    s_put_input(data, size);
    if (regio_rpp_json_load_change(s_tiny, s_path, &c, err, sizeof err) < 0) {
        if (c.pinned || c.cap_offering || c.cap_period || c.cap_seats || c.n_cap ||
            c.withdrawn || c.n_withdrawn)
            fuzz_die("a failed load did not leave the change zeroed");
        return 0;
    }
    regio_rpp_t *r = regio_rpp_clone(s_tiny);
    if (!r)
        fuzz_die("clone failed");
    if (regio_rpp_change_apply(r, &c, err, sizeof err) < 0)
        fuzz_die("a loaded change does not apply: %s", err);
    fuzz_rpp_evaluate(r, &s_base, 0, "the base under the change");
    regio_rpp_sol_t plan;
    if (fuzz_rpp_plan(r, "lns", &s_base, c.pinned, &plan) == REGIO_EINVALID)
        fuzz_die("the engine refused the base under a loaded change");
    s_check_pinned_kept(r, c.pinned, &plan);
    regio_rpp_sol_free(&plan);
    regio_rpp_destroy(&r);
    regio_rpp_change_free(&c);
    return 0;
}
