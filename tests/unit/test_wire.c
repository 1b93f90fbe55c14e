/* test_wire - frame ids and NUL bytes read from the wire bytes themselves. */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "regio/msg.h"
#include "regio/wire.h"

Test(wire, leading_id_reads_field_1_at_the_start)
{
    const uint8_t one[] = {0x08, 0x01}, big[] = {0x08, 0xac, 0x02, 0xff, 0xff};
    cr_assert_eq(regio_wire_leading_id(one, sizeof one), 1);
    cr_assert_eq(regio_wire_leading_id(big, sizeof big), 300, "the rest does not matter");
}

Test(wire, leading_id_is_0_when_the_frame_starts_otherwise)
{
    const uint8_t other[] = {0x10, 0x05}, cut[] = {0x08, 0xff}, eleven[] = {
        0x08, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01};
    cr_assert_eq(regio_wire_leading_id(other, sizeof other), 0);
    cr_assert_eq(regio_wire_leading_id(cut, sizeof cut), 0);
    cr_assert_eq(regio_wire_leading_id(eleven, sizeof eleven), 0, "a varint of 11 bytes");
    cr_assert_eq(regio_wire_leading_id(other, 0), 0);
    cr_assert_eq(regio_wire_leading_id(NULL, 0), 0);
}

Test(wire, leading_id_matches_a_packed_envelope)
{
    Regio__StatusRequest sr = REGIO__STATUS_REQUEST__INIT;
    regio_envelope_t e = REGIO__ENVELOPE__INIT;
    e.id = 0x123456789abcdefULL;
    e.body_case = REGIO__ENVELOPE__BODY_STATUS_REQUEST;
    e.status_request = &sr;
    uint8_t buf[64];
    size_t n = regio__envelope__pack(&e, buf);
    cr_assert_eq(regio_wire_leading_id(buf, n), e.id);
}
