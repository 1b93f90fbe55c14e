/* log - the services' one logging path: levels, file:line, key=value fields.
 *
 * Only services log; library modules return errors instead. A line looks
 * like: 2026-11-22T10:00:00.123Z INFO capacity.c:88 msg="applied" n=12
 * Callers write the key=value part themselves with a printf format.
 */
#ifndef REGIO_LOG_H
#define REGIO_LOG_H

typedef enum { REGIO_LOG_DEBUG = 0, REGIO_LOG_INFO, REGIO_LOG_WARN, REGIO_LOG_ERROR } regio_log_level_t;

/* Set the lowest level written (default INFO) and the component name that
 * starts each line (borrowed; must outlive logging). Can't fail. */
void regio_log_setup(const char *component, regio_log_level_t min);

/* Parse "debug", "info", "warn", "error"; returns the level or -1. */
int regio_log_level_parse(const char *s);

/* Write one line to stderr if level is enabled. Use the macros below. */
void regio_log_write(regio_log_level_t level, const char *file, int line, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

#define REGIO_DEBUG(...) regio_log_write(REGIO_LOG_DEBUG, __FILE__, __LINE__, __VA_ARGS__)
#define REGIO_INFO(...) regio_log_write(REGIO_LOG_INFO, __FILE__, __LINE__, __VA_ARGS__)
#define REGIO_WARN(...) regio_log_write(REGIO_LOG_WARN, __FILE__, __LINE__, __VA_ARGS__)
#define REGIO_ERROR(...) regio_log_write(REGIO_LOG_ERROR, __FILE__, __LINE__, __VA_ARGS__)

#endif
