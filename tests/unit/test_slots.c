/* test_slots - choosing the weekly slots of a placement. */
#include <criterion/criterion.h>

#include "regio/rpp.h"
#include "slots.h"

/* Fewest days of any k-subset of a, by brute force (-1 if none). */
static int s_brute(uint32_t a, int k)
{
    int best = -1;
    for (uint32_t m = a;; m = (m - 1) & a) {
        if (__builtin_popcount(m) == k) {
            int d = regio_slots_days(m);
            best = best < 0 || d < best ? d : best;
        }
        if (m == 0)
            break;
    }
    return best;
}

Test(slots, fewest_days_match_brute_force_for_every_mask)
{
    for (int k = 0; k <= REGIO_RPP_SLOTS; k++)
        for (uint32_t a = 0; a < 1024; a++) {
            uint16_t m;
            int d = regio_slots_min(a, k, &m);
            cr_assert_eq(d, s_brute(a, k), "mask %x k %d", a, k);
            if (d >= 0) {
                cr_assert_eq(__builtin_popcount(m), k);
                cr_assert_eq(m & ~a, 0, "chose a slot outside the mask");
                cr_assert_eq(regio_slots_days(m), d);
            }
        }
}

Test(slots, whole_days_beat_half_days)
{
    uint16_t m;
    /* Monday both parts, Tuesday morning, Wednesday both parts: 4 slots in 2 days */
    cr_assert_eq(regio_slots_min(0x3 | 0x4 | 0x30, 4, &m), 2);
    cr_assert_eq(m, 0x33);
}

Test(slots, pick_prefers_the_slots_with_most_seats_left)
{
    int32_t seats[REGIO_RPP_SLOTS] = {1, 1, 5, 5, 1, 1, 0, 0, 0, 0};
    uint16_t m;
    cr_assert_eq(regio_slots_pick(0x3f, 2, seats, &m), 1);
    cr_assert_eq(m, 0xc, "took a scarce day: %x", m);
    cr_assert_eq(regio_slots_pick(0x3, 3, seats, &m), -1, "3 slots out of 2");
}
