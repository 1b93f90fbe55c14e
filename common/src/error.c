/* error - one explanation for every return code regio passes around. */
#include "regio/error.h"

#include <lmdb.h>
#include <string.h>
#include <zmq.h>

static const char *s_own(int code)
{
    switch (code) {
    case REGIO_EPARSE: return "input is not well-formed";
    case REGIO_EINVALID: return "input breaks a rule of the format";
    case REGIO_ENOTFOUND: return "unknown id";
    case REGIO_ERANGE: return "value out of range";
    case REGIO_EBUSY: return "busy: queue full, retry later";
    case REGIO_ESTALE: return "stale: older than the stored version";
    case REGIO_EFULL: return "storage full";
    case REGIO_ETIMEOUT: return "timed out waiting for an answer";
    case REGIO_EPEER: return "the peer replied with an error";
    case REGIO_ETRIMMED: return "history was trimmed: a snapshot is needed";
    case REGIO_ENOTREADY: return "not ready: a dependency is not synced yet";
    case REGIO_EDUPLICATE: return "duplicate id";
    case REGIO_EFORBIDDEN: return "forbidden for this caller's role";
    case REGIO_ECONFIRM: return "held until a coordinator confirms";
    case REGIO_EDAMAGED: return "the store is damaged";
    default: return NULL;
    }
}

const char *regio_strerror(int code)
{
    if (code == 0)
        return "success";
    const char *own = s_own(code);
    if (own)
        return own;
    if (code >= MDB_KEYEXIST && code <= MDB_LAST_ERRCODE)
        return mdb_strerror(code);
    if (code <= -40000 && code >= -49999)
        return "unknown error"; /* regio's own range, but no such code */
    if (code < 0 && -code < ZMQ_HAUSNUMERO + 1000)
        return zmq_strerror(-code); /* errno values and ZeroMQ's own */
    return "unknown error";
}
