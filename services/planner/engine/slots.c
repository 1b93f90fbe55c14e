/* slots - which weekly slots a placement uses. */
#include "slots.h"

#include <pthread.h>

#include "regio/rpp.h"

#define S_MASKS (1u << REGIO_RPP_SLOTS)

static uint16_t s_mask[REGIO_RPP_SLOTS + 1][S_MASKS];
static int8_t s_days[REGIO_RPP_SLOTS + 1][S_MASKS];
static pthread_once_t s_once = PTHREAD_ONCE_INIT;

/* Build one entry: whole days first, then lone slots, earliest first. */
static void s_entry(uint32_t a, int k)
{
    if (__builtin_popcount(a) < k) {
        s_days[k][a] = -1;
        s_mask[k][a] = 0;
        return;
    }
    uint32_t m = 0;
    int left = k;
    for (int d = 0; d < 5 && left >= 2; d++)
        if ((a >> (2 * d) & 3u) == 3u) {
            m |= 3u << (2 * d);
            left -= 2;
        }
    for (int pass = 0; pass < 2 && left > 0; pass++)
        for (int d = 0; d < 5 && left > 0; d++) {
            uint32_t day = a >> (2 * d) & 3u, used = m >> (2 * d) & 3u;
            if (used == 3u || day == 0 || (pass == 0 && day == 3u))
                continue; /* pass 0: lone slots; pass 1: halves of whole days */
            int t = (day & ~used & 1u) ? 2 * d : 2 * d + 1;
            if (m >> t & 1u)
                continue;
            m |= 1u << t;
            left--;
        }
    s_mask[k][a] = (uint16_t)m;
    s_days[k][a] = (int8_t)regio_slots_days(m);
}

static void s_init(void)
{
    for (int k = 0; k <= REGIO_RPP_SLOTS; k++)
        for (uint32_t a = 0; a < S_MASKS; a++)
            s_entry(a, k);
}

int regio_slots_min(uint32_t avail, int k, uint16_t *mask)
{
    pthread_once(&s_once, s_init);
    avail &= S_MASKS - 1;
    if (k < 0 || k > REGIO_RPP_SLOTS)
        return -1;
    if (mask)
        *mask = s_mask[k][avail];
    return s_days[k][avail];
}

int regio_slots_pick(uint32_t avail, int k, const int32_t *seats, uint16_t *mask)
{
    uint16_t best = 0;
    int days = regio_slots_min(avail, k, &best);
    if (days < 0 || __builtin_popcount(avail & (S_MASKS - 1)) == k) {
        if (mask)
            *mask = best;
        return days;
    }
    int64_t bmin = -1, bsum = -1;
    avail &= S_MASKS - 1;
    for (uint32_t m = avail; m; m = (m - 1) & avail) {
        if (__builtin_popcount(m) != k || regio_slots_days(m) != days)
            continue;
        int64_t mn = INT64_MAX, sum = 0;
        for (uint32_t b = m; b; b &= b - 1) {
            int32_t s = seats[__builtin_ctz(b)];
            mn = s < mn ? s : mn;
            sum += s;
        }
        if (mn > bmin || (mn == bmin && sum > bsum)) {
            bmin = mn;
            bsum = sum;
            best = (uint16_t)m;
        }
    }
    if (mask)
        *mask = best;
    return days;
}
