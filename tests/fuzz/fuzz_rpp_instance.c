/* fuzz_rpp_instance - rpp-1 and rpp-2 instance text: parse, write, parse back, plan.
 *
 * Properties: a failed parse leaves no instance; a parsed instance writes
 * out, the text parses back and writes out identically (the writer's form
 * is canonical), a clone writes identically too; the plan of the pins
 * alone (empty in rpp-1) evaluates as feasible with nothing else placed
 * (the reader judged the pins as the scorer does); the greedy and LNS engines return
 * feasible plans for it; and repairing the greedy plan plus a placement at
 * offering 0 for every learner and period it left empty (infeasible ones,
 * mostly, as after a capacity change or a learner who moved) gives a
 * feasible plan too.
 */
#include "fuzz_rpp.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void s_same(const char *a, size_t na, const char *b, size_t nb, const char *what)
{
    if (na != nb || memcmp(a, b, na) != 0)
        fuzz_die("%s:\n%s\n--- differs from ---\n%s", what, a, b);
}

/* plan plus, for each learner and planned period without a placement, one
 * at offering 0 on the learner's first free slots (when there are enough). */
static void s_forced_base(const regio_rpp_t *r, const regio_rpp_sol_t *plan, regio_rpp_sol_t *base)
{
    if (regio_rpp_sol_copy(base, plan) < 0)
        fuzz_die("out of memory");
    for (int32_t l = 0; r->n_offerings > 0 && l < r->n_learners; l++) {
        const regio_rpp_learner_t *L = &r->learners[l];
        for (int p = 0; p < r->n_periods; p++) {
            int placed = 0, n = 0;
            uint16_t mask = 0;
            for (int32_t i = 0; i < plan->n; i++)
                placed |= plan->v[i].learner == l && plan->v[i].period == p;
            for (int t = 0; t < REGIO_RPP_SLOTS && n < L->dagdelen; t++)
                if (L->free[p] >> t & 1u) {
                    mask |= (uint16_t)(1u << t);
                    n++;
                }
            if (!placed && (L->planned >> p & 1u) && n == L->dagdelen &&
                regio_rpp_sol_add(base, l, (int16_t)p, 0, mask) < 0)
                fuzz_die("out of memory");
        }
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char err[512];
    regio_rpp_t *r = (regio_rpp_t *)1, *r2, *c;
    if (regio_rpp_json_parse((const char *)data, size, &r, err, sizeof err) < 0) {
        if (r)
            fuzz_die("a failed parse left an instance behind");
        return 0;
    }
    size_t n1, n2, n3;
    char *t1 = fuzz_rpp_write(r, NULL, &n1);
    if (regio_rpp_json_parse(t1, n1, &r2, err, sizeof err) < 0)
        fuzz_die("the written instance does not parse back: %s\n%s", err, t1);
    char *t2 = fuzz_rpp_write(r2, NULL, &n2);
    s_same(t2, n2, t1, n1, "written, parsed and written again");
    if (!(c = regio_rpp_clone(r)))
        fuzz_die("clone failed");
    char *t3 = fuzz_rpp_write(c, NULL, &n3);
    s_same(t3, n3, t1, n1, "a clone writes differently");

    regio_rpp_sol_t pins, plan;
    regio_rpp_sol_init(&pins);
    for (int32_t k = 0; k < r->n_pins; k++)
        if (regio_rpp_sol_add(&pins, r->pins[k].learner, r->pins[k].period, r->pins[k].offering,
                              r->pins[k].slots) < 0)
            fuzz_die("out of memory");
    regio_rpp_report_t rep = fuzz_rpp_evaluate(r, &pins, 1, "the plan of the pins alone");
    if (rep.placements != r->n_pins || (!r->n_pins && (rep.learners_placed || rep.coverage)) ||
        rep.learners != r->n_learners)
        fuzz_die("the pins' plan reports %d placements of %d pins, %d placed, %lld covered, "
                 "%d learners", (int)rep.placements, (int)r->n_pins, (int)rep.learners_placed,
                 (long long)rep.coverage, (int)rep.learners);
    regio_rpp_sol_free(&pins);
    fuzz_rpp_plan(r, "lns", NULL, 0, &plan);
    regio_rpp_sol_free(&plan);
    regio_rpp_sol_t base, repaired;
    regio_rpp_sol_init(&base);
    fuzz_rpp_plan(r, "greedy", NULL, 0, &plan);
    s_forced_base(r, &plan, &base);
    if (fuzz_rpp_plan(r, "lns", &base, 0, &repaired) == REGIO_EINVALID)
        fuzz_die("the engine refused a base that names only known ids, once per (learner, period)");
    regio_rpp_sol_free(&repaired);
    regio_rpp_sol_free(&base);
    regio_rpp_sol_free(&plan);

    free(t1);
    free(t2);
    free(t3);
    regio_rpp_destroy(&c);
    regio_rpp_destroy(&r2);
    regio_rpp_destroy(&r);
    return 0;
}
