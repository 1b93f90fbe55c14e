/* slots - which weekly slots a placement uses.
 *
 * Given the slots both free for the learner and with seats left (a 10-bit
 * mask) and the number of slots k the placement needs, the only thing the
 * score sees of the choice is how many distinct days the learner travels;
 * the seats see which slots. So: fewest days first (whole days beat half
 * days), then the slots with the most seats left, to leave room for others.
 */
#ifndef REGIO_SLOTS_H
#define REGIO_SLOTS_H

#include <stdint.h>

/* Distinct days among the slots of mask. */
static inline int regio_slots_days(uint32_t mask)
{
    return __builtin_popcount((mask | (mask >> 1)) & 0x155u);
}

/* Fewest days a placement of k slots out of avail can use, or -1 when avail
 * has fewer than k slots. *mask (may be NULL) gets one such choice (whole
 * days first, earliest days first). Table lookup; can't fail. */
int regio_slots_min(uint32_t avail, int k, uint16_t *mask);

/* Like regio_slots_min, but among the fewest-day choices pick the one whose
 * scarcest slot has the most seats left (then the most seats in all);
 * seats[t] is the seats left in slot t. */
int regio_slots_pick(uint32_t avail, int k, const int32_t *seats, uint16_t *mask);

#endif
