/* fuzz_rpp_solution - rpp-1-solution text for the tiny instance.
 *
 * Properties: a failed parse appends nothing; a parsed solution evaluates,
 * writes out and parses back to the same placements; repairing it with the
 * LNS engine (as the planner repairs its stored plan) gives a feasible plan,
 * or REGIO_EINVALID only when it places a learner twice in one period.
 */
#include "fuzz_rpp.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static regio_rpp_t *s_tiny;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    s_tiny = fuzz_tiny();
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char err[512];
    regio_rpp_sol_t s, back, plan;
    regio_rpp_sol_init(&s);
    if (regio_rpp_json_parse_sol(s_tiny, (const char *)data, size, &s, err, sizeof err) < 0) {
        if (s.n != 0)
            fuzz_die("a failed parse kept %d placements", (int)s.n);
        regio_rpp_sol_free(&s);
        return 0;
    }
    fuzz_rpp_evaluate(s_tiny, &s, 0, "the parsed solution");
    size_t n;
    char *t = fuzz_rpp_write(s_tiny, &s, &n);
    regio_rpp_sol_init(&back);
    if (regio_rpp_json_parse_sol(s_tiny, t, n, &back, err, sizeof err) < 0)
        fuzz_die("the written solution does not parse back: %s\n%s", err, t);
    regio_rpp_sol_sort(&s);
    regio_rpp_sol_sort(&back);
    if (back.n != s.n || (s.n && memcmp(back.v, s.v, sizeof *s.v * (size_t)s.n) != 0))
        fuzz_die("the written solution parses back to other placements:\n%s", t);
    if (fuzz_rpp_plan(s_tiny, "lns", &s, 0, &plan) == REGIO_EINVALID && !fuzz_rpp_has_repeat(&s))
        fuzz_die("the engine refused a base without repeated (learner, period)");
    if (regio_rpp_changed(&s, &plan) < 0)
        fuzz_die("regio_rpp_changed failed");
    free(t);
    regio_rpp_sol_free(&plan);
    regio_rpp_sol_free(&back);
    regio_rpp_sol_free(&s);
    return 0;
}
