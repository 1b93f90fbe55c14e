/* validate - checks for ids, coordinates, texts and dates from outside. */
#include "regio/validate.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "regio/error.h"

/* id as it may be shown in a one-line reason: printable ASCII only. */
static const char *s_shown(const char *id, char *buf, size_t n)
{
    size_t i = 0;
    for (; id[i] && i + 1 < n; i++)
        buf[i] = id[i] >= 0x20 && id[i] < 0x7f ? id[i] : '?';
    buf[i] = '\0';
    return buf;
}

int regio_validate_id(const char *id, const char *what, char *err, size_t errlen)
{
    size_t n = id ? strlen(id) : 0;
    if (n == 0 || n > REGIO_ID_MAX) {
        snprintf(err, errlen, "%s: id must be 1..%d characters", what, REGIO_ID_MAX);
        return REGIO_EINVALID;
    }
    for (size_t i = 0; i < n; i++) {
        char c = id[i];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '.' || c == '_' || c == '-' || c == ':')) {
            char shown[REGIO_ID_MAX + 1];
            snprintf(err, errlen, "%s '%s': id has a character outside [A-Za-z0-9._:-]", what,
                     s_shown(id, shown, sizeof shown));
            return REGIO_EINVALID;
        }
    }
    return 0;
}

int regio_validate_latlon(double lat, double lon, const char *what, char *err, size_t errlen)
{
    if (!isfinite(lat) || !isfinite(lon) || lat < -90 || lat > 90 || lon < -180 || lon > 180) {
        snprintf(err, errlen, "%s: coordinates (%g, %g) out of range", what, lat, lon);
        return REGIO_ERANGE;
    }
    return 0;
}

/* Length of the well-formed UTF-8 sequence at s (1..4), or 0 when it is not
 * one (overlongs, surrogates and code points past U+10FFFF are not). */
static size_t s_utf8_len(const unsigned char *s)
{
    if (s[0] < 0x80)
        return 1;
    size_t n = s[0] >= 0xf0 ? 4 : s[0] >= 0xe0 ? 3 : s[0] >= 0xc2 ? 2 : 0;
    if (n == 0 || s[0] > 0xf4)
        return 0;
    for (size_t i = 1; i < n; i++)
        if ((s[i] & 0xc0) != 0x80)
            return 0;
    if ((s[0] == 0xe0 && s[1] < 0xa0) || (s[0] == 0xed && s[1] > 0x9f) ||
        (s[0] == 0xf0 && s[1] < 0x90) || (s[0] == 0xf4 && s[1] > 0x8f))
        return 0;
    return n;
}

int regio_validate_text(const char *s, size_t max, const char *what, char *err, size_t errlen)
{
    size_t n = s ? strlen(s) : 0;
    if (n > max) {
        snprintf(err, errlen, "%s: %zu bytes, at most %zu", what, n, max);
        return REGIO_ERANGE;
    }
    for (size_t i = 0; i < n;) {
        if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f) {
            snprintf(err, errlen, "%s: text has a control character", what);
            return REGIO_EINVALID;
        }
        size_t k = s_utf8_len((const unsigned char *)s + i);
        if (k == 0) { /* proto3 strings must be UTF-8: other decoders would refuse it */
            snprintf(err, errlen, "%s: text is not valid UTF-8", what);
            return REGIO_EINVALID;
        }
        i += k;
    }
    return 0;
}

/* The n digits at s as a number, or -1 when one is not a digit. */
static int s_digits(const char *s, int n)
{
    int v = 0;
    for (int i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return -1;
        v = v * 10 + (s[i] - '0');
    }
    return v;
}

int regio_validate_date(const char *d, const char *what, char *err, size_t errlen)
{
    static const int mdays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    int y = -1, m = -1, day = -1;
    if (d && strlen(d) == 10 && d[4] == '-' && d[7] == '-') {
        y = s_digits(d, 4);
        m = s_digits(d + 5, 2);
        day = s_digits(d + 8, 2);
    }
    int leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    if (y < 2000 || y > 2100 || m < 1 || m > 12 || day < 1 ||
        day > mdays[m - 1] + (m == 2 && leap)) {
        snprintf(err, errlen, "%s: '%.16s' is not a real date YYYY-MM-DD in 2000..2100", what,
                 d ? d : "");
        return REGIO_EINVALID;
    }
    return 0;
}
