"""wire - just enough protobuf to speak regio envelopes from a test.

The tests need no generated Python code: envelopes are built and read field
by field, with the numbers of proto/regio/*.proto. decode() gives a dict
field number -> list of values (ints for varints, bytes for the rest).
"""

# Envelope body field numbers (proto/regio/envelope.proto)
ERROR, ACK, STATUS_REQUEST, STATUS = 10, 11, 12, 13
NOTIFY_BATCH, NOTIFY_ACK, NOTIFICATION, REPLAY_REQUEST, REPLAY_CHUNK, SUBSCRIBE = 50, 51, 52, 53, 54, 55
# ErrorCode (proto/regio/common.proto)
ERROR_BUSY, ERROR_FORBIDDEN, ERROR_UNSUPPORTED = 5, 12, 11


def varint(n):
    out = bytearray()
    while True:
        b = n & 0x7F
        n >>= 7
        out.append(b | (0x80 if n else 0))
        if not n:
            return bytes(out)


def u64(num, v):
    return varint(num << 3) + varint(v)


def ld(num, payload):
    """A length-delimited field: a string, bytes or a nested message."""
    if isinstance(payload, str):
        payload = payload.encode()
    return varint(num << 3 | 2) + varint(len(payload)) + payload


def envelope(body_field, body, id=0):
    return (u64(1, id) if id else b"") + ld(body_field, body)


def subscribe(*topics, id=0):
    return envelope(SUBSCRIBE, b"".join(ld(1, t) for t in topics), id)


def replay_request(topic, after_seq=0, max=0, id=0):
    return envelope(REPLAY_REQUEST, ld(1, topic) + u64(2, after_seq) + u64(3, max), id)


def placement_change(learner, school, period, offering="", partner="", kind=0):
    return (u64(1, kind) + ld(2, learner) + ld(3, school) + ld(4, period) + ld(5, offering)
            + ld(6, partner) + ld(10, "forged"))


def notify_batch(first_source_seq, *changes, id=0):
    return envelope(NOTIFY_BATCH, u64(1, first_source_seq) + b"".join(ld(2, c) for c in changes), id)


def status_request(id=0):
    return envelope(STATUS_REQUEST, b"", id)


def decode(buf):
    out, i = {}, 0
    while i < len(buf):
        key, i = _varint_at(buf, i)
        num, wire = key >> 3, key & 7
        if wire == 0:
            v, i = _varint_at(buf, i)
        elif wire == 2:
            n, i = _varint_at(buf, i)
            v, i = bytes(buf[i:i + n]), i + n
        elif wire == 1:
            v, i = int.from_bytes(buf[i:i + 8], "little"), i + 8
        elif wire == 5:
            v, i = int.from_bytes(buf[i:i + 4], "little"), i + 4
        else:
            raise ValueError(f"wire type {wire}")
        out.setdefault(num, []).append(v)
    return out


def _varint_at(buf, i):
    shift = n = 0
    while True:
        b = buf[i]
        i += 1
        n |= (b & 0x7F) << shift
        shift += 7
        if not b & 0x80:
            return n, i


def first(d, num, default=None):
    return d.get(num, [default])[0]


def body(frame):
    """(body field number, decoded body, correlation_id) of an envelope."""
    env = decode(frame)
    for num in env:
        if num >= 10:
            return num, decode(env[num][0]), first(env, 2, 0)
    return None, {}, first(env, 2, 0)


def notification(d):
    """A decoded Notification as a plain dict."""
    ch = decode(first(d, 5, b""))
    s = lambda m, k: first(m, k, b"").decode()
    return {"seq": first(d, 1, 0), "topic": s(d, 2), "topic_seq": first(d, 3, 0),
            "learner": s(ch, 2), "school": s(ch, 3), "period": s(ch, 4), "offering": s(ch, 5),
            "kind": first(ch, 1, 0), "reason": s(ch, 10)}


def error(d):
    return {"code": first(d, 1, 0), "reason": first(d, 2, b"").decode(), "ref": first(d, 4, b"").decode()}
