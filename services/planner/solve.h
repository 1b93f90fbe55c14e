/* solve - offline planning from the command line: `regio-planner --solve`.
 *
 *   regio-planner --solve INSTANCE.json --out SOLUTION.json [--seconds S]
 *       [--seed N] [--iterations N] [--threads N] [--engine NAME]
 *       [--change CHANGE.json --base OLD.json [--margin M]]
 *       [--explain OUT.json] [--fair] [--bound] [--quiet]
 *   regio-planner --export-lp OUT.lp --instance INSTANCE.json
 *   regio-planner --solve INSTANCE.json --from-cbc CBC.txt --out SOLUTION.json
 *
 * Reads an rpp-1 or rpp-2 instance (and a change with its base plan), plans it with
 * an engine (engine.h), checks the plan with the checker-equivalent scorer,
 * writes it as rpp-1-solution and prints a summary (key: value lines on
 * stdout). On a terminal a progress line is redrawn on stderr meanwhile.
 * --export-lp writes the exact MIP model for CBC; --from-cbc reads CBC's
 * solution of such a model back (instead of running an engine).
 *
 * Exit status: 0 done, 2 bad input (one line on stderr), 1 anything else.
 */
#ifndef REGIO_PLANNER_SOLVE_H
#define REGIO_PLANNER_SOLVE_H

/* Run the offline planner with the process's arguments; returns the exit
 * status. main() calls this when argv holds --solve or --export-lp. */
int regio_planner_solve_main(int argc, char **argv);

#endif
