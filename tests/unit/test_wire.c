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

/* Pack e into buf and turn every 'Z' of the packed bytes into a 0 byte:
 * protobuf-c cannot pack a string with a NUL in it, a hostile peer can. */
static size_t s_pack_with_nul(const regio_envelope_t *e, uint8_t *buf)
{
    size_t n = regio__envelope__pack(e, buf);
    for (size_t i = 0; i < n; i++)
        if (buf[i] == 'Z')
            buf[i] = 0;
    return n;
}

static regio_envelope_t s_put_partner(Regio__PutPartner *pp, Regio__Partner *pa, const char *id)
{
    regio__partner__init(pa);
    pa->id = (char *)id;
    pa->name = "Warehouse";
    regio__put_partner__init(pp);
    pp->partner = pa;
    regio_envelope_t e = REGIO__ENVELOPE__INIT;
    e.id = 7;
    e.body_case = REGIO__ENVELOPE__BODY_PUT_PARTNER;
    e.put_partner = pp;
    return e;
}

Test(wire, a_nul_in_a_nested_string_is_found_where_protobuf_c_would_cut_it)
{
    Regio__PutPartner pp;
    Regio__Partner pa;
    regio_envelope_t e = s_put_partner(&pp, &pa, "p1Zevil");
    uint8_t buf[256];
    size_t n = s_pack_with_nul(&e, buf);
    regio_envelope_t *d = regio__envelope__unpack(NULL, n, buf);
    cr_assert_not_null(d, "protobuf-c decodes it");
    cr_assert_str_eq(d->put_partner->partner->id, "p1", "and the id reads cut short");
    regio__envelope__free_unpacked(d, NULL);
    cr_assert_eq(regio_wire_has_nul(&regio__envelope__descriptor, buf, n), 1);
    e = s_put_partner(&pp, &pa, "p1");
    n = regio__envelope__pack(&e, buf);
    cr_assert_eq(regio_wire_has_nul(&regio__envelope__descriptor, buf, n), 0);
}

Test(wire, a_nul_in_a_map_key_is_found)
{
    Regio__Status__CountersEntry c = REGIO__STATUS__COUNTERS_ENTRY__INIT, *cp[] = {&c};
    c.key = "reqZuests";
    c.value = 0;
    Regio__Status st = REGIO__STATUS__INIT;
    st.counters = cp;
    st.n_counters = 1;
    regio_envelope_t e = REGIO__ENVELOPE__INIT;
    e.body_case = REGIO__ENVELOPE__BODY_STATUS;
    e.status = &st;
    uint8_t buf[256];
    size_t n = s_pack_with_nul(&e, buf);
    cr_assert_eq(regio_wire_has_nul(&regio__envelope__descriptor, buf, n), 1);
}

/* Zero bytes that are no string's: what comparing re-packed sizes would
 * flag, or a scan of all length-delimited fields would. */
Test(wire, zero_bytes_outside_strings_are_no_nul)
{
    uint32_t seats[10] = {0};
    Regio__CapacityUpdate u = REGIO__CAPACITY_UPDATE__INIT;
    u.update_id = "u1";
    u.offering = "o1";
    u.period = "P1";
    u.seats = seats;
    u.n_seats = 10;
    u.version = 256; /* a varint with a 0x02 0x02; doubles below have 0 bytes */
    regio_envelope_t e = REGIO__ENVELOPE__INIT;
    e.id = 1;
    e.body_case = REGIO__ENVELOPE__BODY_CAPACITY_UPDATE;
    e.capacity_update = &u;
    uint8_t buf[512];
    size_t n = regio__envelope__pack(&e, buf);
    cr_assert(memchr(buf, 0, n), "the packed seats hold zero bytes");
    cr_assert_eq(regio_wire_has_nul(&regio__envelope__descriptor, buf, n), 0);

    /* the same seats unpacked (one varint field each, as proto2 writes them) */
    uint8_t raw[128] = {0x08, 0x01, 0xf2, 0x01}; /* id 1; capacity_update (30), length below */
    size_t k = 5;
    const uint8_t head[] = {0x0a, 0x02, 'u', '1', 0x12, 0x02, 'o', '1', 0x1a, 0x02, 'P', '1'};
    memcpy(raw + k, head, sizeof head);
    k += sizeof head;
    for (int t = 0; t < 10; t++)
        raw[k++] = 0x20, raw[k++] = 0x00; /* seats (4), varint 0 */
    raw[k++] = 0x28, raw[k++] = 0x05;     /* version 5 */
    /* an unknown field (99) of the envelope whose bytes hold a 0 */
    raw[k++] = 0x9a, raw[k++] = 0x06, raw[k++] = 0x03, raw[k++] = 'a', raw[k++] = 0, raw[k++] = 'b';
    raw[4] = (uint8_t)(k - 5 - 6); /* capacity_update's length: up to the unknown field */
    regio_envelope_t *d = regio__envelope__unpack(NULL, k, raw);
    cr_assert_not_null(d, "a valid frame");
    cr_assert_eq(d->capacity_update->n_seats, 10);
    regio__envelope__free_unpacked(d, NULL);
    cr_assert_eq(regio_wire_has_nul(&regio__envelope__descriptor, raw, k), 0);
}
