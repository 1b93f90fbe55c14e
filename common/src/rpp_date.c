/* rpp_date - rpp-2's period start dates: ISO dates as rpp_check.py reads them. */
#include <stdio.h>
#include <string.h>

#include "regio/error.h"
#include "regio/rpp.h"
#include "rpp_int.h"

#define S_MIN_DAY (-719162)  /* 0001-01-01, the first day Python's dates know */
#define S_MAX_DAY 2932896    /* 9999-12-31, the last */

/* Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's
 * days_from_civil). */
static int32_t s_days(int y, int m, int d)
{
    y -= m <= 2;
    int era = (y >= 0 ? y : y - 399) / 400;
    int yoe = y - era * 400;
    int doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    int doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

/* The inverse of s_days. */
static void s_civil(int32_t z, int *y, int *m, int *d)
{
    z += 719468;
    int era = (z >= 0 ? z : z - 146096) / 146097;
    int doe = z - era * 146097;
    int yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    int mp = (5 * doy + 2) / 153;
    *d = doy - (153 * mp + 2) / 5 + 1;
    *m = mp < 10 ? mp + 3 : mp - 9;
    *y = yoe + era * 400 + (*m <= 2);
}

/* Day of the week, Monday 0 (1970-01-01 was a Thursday). */
static int s_weekday(int32_t days)
{
    return (int)(((days % 7) + 7 + 3) % 7);
}

static int s_leap(int y)
{
    return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

/* n ASCII digits at s as a number, or -1. */
static int s_num(const char *s, int n)
{
    int v = 0;
    for (int i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return -1;
        v = v * 10 + (s[i] - '0');
    }
    return v;
}

/* YYYY-MM-DD or YYYYMMDD (n characters after the year). */
static int s_calendar(int y, const char *s, size_t n, int32_t *days)
{
    static const int mdays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    int dash = n == 6 && s[0] == '-' && s[3] == '-';
    if (!dash && n != 4)
        return REGIO_EINVALID;
    int m = s_num(s + dash, 2), d = s_num(s + 2 + 2 * dash, 2);
    if (m < 1 || m > 12 || d < 1 || d > mdays[m - 1] + (m == 2 && s_leap(y)))
        return REGIO_EINVALID;
    *days = s_days(y, m, d);
    return 0;
}

/* ISO week dates: YYYY-Www, YYYY-Www-D, YYYYWww, YYYYWwwD. */
static int s_week(int y, const char *s, size_t n, int32_t *days)
{
    int dash = s[0] == '-';
    const char *w = s + dash;
    if (w[0] != 'W' || (n != (size_t)(3 + dash) && n != (size_t)(4 + 2 * dash)) ||
        (dash && n == 6 && s[4] != '-'))
        return REGIO_EINVALID;
    int week = s_num(w + 1, 2), day = n > (size_t)(3 + dash) ? s_num(s + n - 1, 1) : 1;
    int jan1 = s_weekday(s_days(y, 1, 1));
    int weeks = jan1 == 3 || (jan1 == 2 && s_leap(y)) ? 53 : 52;
    if (week < 1 || week > weeks || day < 1 || day > 7)
        return REGIO_EINVALID;
    int32_t jan4 = s_days(y, 1, 4);
    *days = jan4 - s_weekday(jan4) + 7 * (week - 1) + day - 1;
    return 0;
}

int regio_rpp_date_parse(const char *s, int32_t *days)
{
    size_t n = s ? strlen(s) : 0;
    int y = n >= 7 ? s_num(s, 4) : -1, rc;
    if (y < 1)
        return REGIO_EINVALID;
    rc = s[4] == 'W' || s[5] == 'W' ? s_week(y, s + 4, n - 4, days)
                                    : s_calendar(y, s + 4, n - 4, days);
    return rc < 0 || *days < S_MIN_DAY || *days > S_MAX_DAY ? REGIO_EINVALID : 0;
}

void regio_rpp_date_format(int32_t days, char out[11])
{
    int y, m, d;
    char buf[32];
    s_civil(days, &y, &m, &d);
    snprintf(buf, sizeof buf, "%04d-%02d-%02d", y, m, d);
    memcpy(out, buf, 10);
    out[10] = '\0';
}

int regio_rpp_add_period_dated(regio_rpp_t *r, const char *id, int weeks, const char *start,
                               char *err, size_t errlen)
{
    int32_t days = REGIO_RPP_NO_DATE;
    const char *name = id ? id : "(none)";
    if (start && regio_rpp_date_parse(start, &days) < 0)
        return regio_rpp__fail(err, errlen, REGIO_EINVALID,
                               "period %s: start '%s' is not a YYYY-MM-DD date", name, start);
    if (start && s_weekday(days) != 0)
        return regio_rpp__fail(err, errlen, REGIO_EINVALID, "period %s: start %s is not a Monday",
                               name, start);
    for (int p = r->n_periods - 1; start && p >= 0; p--)
        if (r->periods[p].start != REGIO_RPP_NO_DATE) {
            if (days < r->periods[p].start + 7 * r->periods[p].weeks)
                return regio_rpp__fail(err, errlen, REGIO_EINVALID,
                                       "period %s: starts before the previous period ends", name);
            break;
        }
    if (start && weeks >= 1 && weeks <= 53 && days + 7 * weeks > S_MAX_DAY + 1)
        return regio_rpp__fail(err, errlen, REGIO_EINVALID, "period %s: ends after 9999", name);
    int rc = regio_rpp_add_period(r, id, weeks, err, errlen);
    if (rc == 0)
        r->periods[r->n_periods - 1].start = days;
    return rc;
}

