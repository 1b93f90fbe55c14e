/* log - timestamped key=value log lines on stderr for the services. */
#include "regio/log.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>

static const char *s_component = "regio";
static regio_log_level_t s_min = REGIO_LOG_INFO;
static const char *const s_names[] = {"DEBUG", "INFO", "WARN", "ERROR"};

void regio_log_setup(const char *component, regio_log_level_t min)
{
    s_component = component ? component : "regio";
    s_min = min;
}

int regio_log_level_parse(const char *s)
{
    const char *lower[] = {"debug", "info", "warn", "error"};
    for (int i = 0; i < 4; i++)
        if (strcmp(s, lower[i]) == 0)
            return i;
    return -1;
}

void regio_log_write(regio_log_level_t level, const char *file, int line, const char *fmt, ...)
{
    if (level < s_min)
        return;
    struct timeval tv;
    gettimeofday(&tv, NULL);
    struct tm tm;
    gmtime_r(&tv.tv_sec, &tm);
    const char *base = strrchr(file, '/');
    char buf[2048];
    int n = snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%03ldZ %s %s %s:%d ",
                     tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min,
                     tm.tm_sec, (long)tv.tv_usec / 1000, s_names[level], s_component,
                     base ? base + 1 : file, line);
    va_list ap;
    va_start(ap, fmt);
    if (n > 0 && n < (int)sizeof buf)
        vsnprintf(buf + n, sizeof buf - (size_t)n, fmt, ap);
    va_end(ap);
    fprintf(stderr, "%s\n", buf);
}
