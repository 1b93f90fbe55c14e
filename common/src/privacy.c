/* privacy - tombstones for erased learners (home rounding is inline). */
#include "regio/privacy.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/random.h>

int regio_privacy_tombstone_new(char *out, size_t n)
{
    uint8_t b[REGIO_TOMBSTONE_HEX / 2];
    if (n < REGIO_TOMBSTONE_LEN + 1)
        return -EINVAL;
    if (getrandom(b, sizeof b, 0) != (ssize_t)sizeof b)
        return errno ? -errno : -EIO;
    size_t k = (size_t)snprintf(out, n, "%s", REGIO_TOMBSTONE_PREFIX);
    for (size_t i = 0; i < sizeof b; i++)
        k += (size_t)snprintf(out + k, n - k, "%02x", b[i]);
    return 0;
}

int regio_privacy_tombstone_ok(const char *s)
{
    size_t p = strlen(REGIO_TOMBSTONE_PREFIX);
    if (!s || strlen(s) != REGIO_TOMBSTONE_LEN || strncmp(s, REGIO_TOMBSTONE_PREFIX, p) != 0)
        return 0;
    for (s += p; *s; s++)
        if (!((*s >= '0' && *s <= '9') || (*s >= 'a' && *s <= 'f')))
            return 0;
    return 1;
}
