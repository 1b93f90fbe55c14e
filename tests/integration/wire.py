"""wire - just enough of the protobuf wire format to craft regio envelopes in
Python (no protobuf package needed) and read replies, so a test can send what
a school's or a partner's own system would send, straight to a service.

A message is encoded from a list of (field number, value) pairs: int for a
varint, float for a double, str/bytes or a nested list for a length-delimited
field. decode() gives {field number: [values]} with varints as int, doubles
as float (for the fields named in `doubles`) and length-delimited values as
bytes (decode them again for a nested message).
"""
import struct

# Envelope body fields (proto/regio/envelope.proto)
ERROR, ACK, STATUS_REQUEST, STATUS = 10, 11, 12, 13
PUT_LEARNER, REMOVE_LEARNER = 40, 41
PLANNER_SNAPSHOT_REQUEST, PLANNER_SNAPSHOT = 44, 45
LEARNER_EXPORT_REQUEST, LEARNER_EXPORT = 60, 61
LEARNER_ERASE_REQUEST, LEARNER_ERASED = 62, 63
ERROR_CODES = {12: "forbidden", 2: "unknown_id", 4: "invalid", 9: "not_ready"}

_next_id = [1]


def _varint(n):
    out = bytearray()
    while True:
        b = n & 0x7F
        n >>= 7
        if n:
            out.append(b | 0x80)
        else:
            out.append(b)
            return bytes(out)


def encode(fields):
    out = bytearray()
    for num, v in fields:
        if isinstance(v, bool) or isinstance(v, int):
            out += _varint(num << 3) + _varint(int(v))
        elif isinstance(v, float):
            out += _varint(num << 3 | 1) + struct.pack("<d", v)
        else:
            b = v.encode() if isinstance(v, str) else encode(v) if isinstance(v, list) else v
            out += _varint(num << 3 | 2) + _varint(len(b)) + b
    return bytes(out)


def _read_varint(b, i):
    n = shift = 0
    while True:
        x = b[i]
        i += 1
        n |= (x & 0x7F) << shift
        shift += 7
        if not x & 0x80:
            return n, i


def decode(b, doubles=()):
    out, i = {}, 0
    while i < len(b):
        key, i = _read_varint(b, i)
        num, wt = key >> 3, key & 7
        if wt == 0:
            v, i = _read_varint(b, i)
        elif wt == 1:
            v = b[i:i + 8]
            v = struct.unpack("<d", v)[0] if num in doubles else v
            i += 8
        elif wt == 2:
            n, i = _read_varint(b, i)
            v = b[i:i + n]
            i += n
        elif wt == 5:
            v = b[i:i + 4]
            i += 4
        else:
            raise ValueError(f"wire type {wt}")
        out.setdefault(num, []).append(v)
    return out


def envelope(body_field, body):
    """An Envelope with a fresh id and one body."""
    _next_id[0] += 1
    return encode([(1, _next_id[0]), (body_field, body)])


def request(sock, body_field, body, timeout_ms=10000):
    """Send one envelope on a DEALER and return (body field, body bytes) of the reply."""
    sock.send(envelope(body_field, body))
    if not sock.poll(timeout_ms):
        raise AssertionError("no reply within %d ms" % timeout_ms)
    env = decode(sock.recv())
    body = [(k, v[0]) for k, v in env.items() if k >= 10]
    assert len(body) == 1, env
    return body[0]


def error_of(body):
    """(code name, reason) of an Error body."""
    e = decode(body)
    return ERROR_CODES.get(e.get(1, [0])[0], str(e.get(1, [0])[0])), e.get(2, [b""])[0].decode()


def learner(id, school, lat=51.59, lon=4.78, age=17, qualification="25472", max_km=15.0,
            dagdelen=4, free=(("P1", (0, 1, 4, 5)),), needs=(("LOG-W1", 20),)):
    """A Learner message (proto/regio/planner.proto) as field pairs."""
    f = [(1, id), (2, school), (3, qualification), (4, age), (5, float(lat)), (6, float(lon)),
         (7, float(max_km)), (8, dagdelen)]
    for period, slots in free:
        f.append((9, [(1, period)] + [(2, s) for s in slots]))
    for goal, dd in needs:
        f.append((10, [(1, goal), (2, dd)]))
    return f
